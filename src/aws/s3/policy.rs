//! S3 bucket policy: a JSON document, updated in place.

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::json;

use crate::aws::attrs::{self, obj};
use crate::aws::error::{ignore_not_found, not_found_to_none, SdkResultExt};
use crate::aws::find;
use crate::aws::transient;
use crate::aws::Aws;
use crate::engine::resource::{Created, Ctx, Observed, ResourceError, ResourceType};
use crate::engine::value::Attrs;

/// `s3_bucket_policy`.
pub struct Policy(pub Arc<Aws>);

impl Policy {
    async fn put(&self, ctx: &Ctx, a: &Attrs) -> Result<String, ResourceError> {
        let bucket = attrs::str(a, "bucket")?;
        let s3 = &self.0.region(&ctx.region).s3;
        let policy = attrs::doc(a, "policy")?;
        transient::call(ctx, "s3", "PutBucketPolicy", || async {
            s3.put_bucket_policy()
                .bucket(bucket)
                .policy(policy.clone())
                .send()
                .await
                .ctx(&format!("setting policy of S3 bucket ({bucket})"))
        })
        .await?;
        Ok(bucket.to_string())
    }
}

#[async_trait]
impl ResourceType for Policy {
    fn kind(&self) -> &'static str {
        "s3_bucket_policy"
    }

    fn replace_on(&self) -> &'static [&'static str] {
        &["bucket"]
    }

    async fn create(&self, ctx: &Ctx, a: &Attrs) -> Result<Created, ResourceError> {
        Ok(Created {
            id: self.put(ctx, a).await?,
            outputs: Attrs::new(),
        })
    }

    async fn find(&self, _: &Ctx, _: &Attrs) -> Result<Vec<String>, ResourceError> {
        find::idempotent()
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        _: &Attrs,
    ) -> Result<Option<Observed>, ResourceError> {
        let out = not_found_to_none(
            self.0
                .region(&ctx.region)
                .s3
                .get_bucket_policy()
                .bucket(id)
                .send()
                .await
                .ctx(&format!("reading policy of S3 bucket ({id})")),
        )?;
        Ok(out
            .and_then(|o| o.policy().map(attrs::parse_doc))
            .map(|policy| Observed {
                attrs: obj(json!({ "bucket": id, "policy": policy })),
                outputs: Attrs::new(),
            }))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        _: &str,
        _: &Attrs,
        to: &Attrs,
    ) -> Result<Attrs, ResourceError> {
        self.put(ctx, to).await?;
        Ok(Attrs::new())
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _: &Attrs) -> Result<(), ResourceError> {
        let r = self
            .0
            .region(&ctx.region)
            .s3
            .delete_bucket_policy()
            .bucket(id)
            .send()
            .await;
        ignore_not_found(
            r.map(|_| ())
                .ctx(&format!("removing policy of S3 bucket ({id})")),
        )
    }
}
