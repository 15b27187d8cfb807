//! S3 public access block: the four switches, all on for this platform.

use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_s3::types::PublicAccessBlockConfiguration;
use serde_json::json;

use crate::aws::attrs::{self, obj};
use crate::aws::error::{ignore_not_found, not_found_to_none, SdkResultExt};
use crate::aws::find;
use crate::aws::transient;
use crate::aws::Aws;
use crate::engine::resource::{Created, Ctx, Observed, ResourceError, ResourceType};
use crate::engine::value::Attrs;

/// `s3_bucket_public_access_block`.
pub struct PublicAccessBlock(pub Arc<Aws>);

const SWITCHES: [&str; 4] = [
    "block_public_acls",
    "block_public_policy",
    "ignore_public_acls",
    "restrict_public_buckets",
];

impl PublicAccessBlock {
    async fn put(&self, ctx: &Ctx, a: &Attrs) -> Result<String, ResourceError> {
        let bucket = attrs::str(a, "bucket")?;
        let cfg = PublicAccessBlockConfiguration::builder()
            .block_public_acls(attrs::bool(a, SWITCHES[0])?)
            .block_public_policy(attrs::bool(a, SWITCHES[1])?)
            .ignore_public_acls(attrs::bool(a, SWITCHES[2])?)
            .restrict_public_buckets(attrs::bool(a, SWITCHES[3])?)
            .build();
        let s3 = &self.0.region(&ctx.region).s3;
        transient::call(ctx, "s3", "PutPublicAccessBlock", || async {
            s3.put_public_access_block()
                .bucket(bucket)
                .public_access_block_configuration(cfg.clone())
                .send()
                .await
                .ctx(&format!("blocking public access to S3 bucket ({bucket})"))
        })
        .await?;
        Ok(bucket.to_string())
    }
}

#[async_trait]
impl ResourceType for PublicAccessBlock {
    fn kind(&self) -> &'static str {
        "s3_bucket_public_access_block"
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
                .get_public_access_block()
                .bucket(id)
                .send()
                .await
                .ctx(&format!("reading public access block of S3 bucket ({id})")),
        )?;
        Ok(out
            .and_then(|o| o.public_access_block_configuration().cloned())
            .map(|c| Observed {
                attrs: obj(json!({
                    "bucket": id,
                    "block_public_acls": c.block_public_acls().unwrap_or(false),
                    "block_public_policy": c.block_public_policy().unwrap_or(false),
                    "ignore_public_acls": c.ignore_public_acls().unwrap_or(false),
                    "restrict_public_buckets": c.restrict_public_buckets().unwrap_or(false),
                })),
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
            .delete_public_access_block()
            .bucket(id)
            .send()
            .await;
        ignore_not_found(
            r.map(|_| ())
                .ctx(&format!("removing public access block of S3 bucket ({id})")),
        )
    }
}
