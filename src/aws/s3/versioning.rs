//! S3 bucket versioning: `status` is Enabled or Suspended.

use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_s3::types::{BucketVersioningStatus, VersioningConfiguration};
use serde_json::json;

use crate::aws::attrs::{self, obj};
use crate::aws::error::{not_found_to_none, SdkResultExt};
use crate::aws::find;
use crate::aws::transient;
use crate::aws::Aws;
use crate::engine::resource::{Created, Ctx, Observed, ResourceError, ResourceType};
use crate::engine::value::Attrs;

/// `s3_bucket_versioning`.
pub struct Versioning(pub Arc<Aws>);

impl Versioning {
    async fn put(&self, ctx: &Ctx, bucket: &str, status: &str) -> Result<(), ResourceError> {
        let s3 = &self.0.region(&ctx.region).s3;
        transient::call(ctx, "s3", "PutBucketVersioning", || async {
            s3.put_bucket_versioning()
                .bucket(bucket)
                .versioning_configuration(
                    VersioningConfiguration::builder()
                        .status(BucketVersioningStatus::from(status))
                        .build(),
                )
                .send()
                .await
                .ctx(&format!("setting versioning of S3 bucket ({bucket})"))
        })
        .await?;
        Ok(())
    }
}

#[async_trait]
impl ResourceType for Versioning {
    fn kind(&self) -> &'static str {
        "s3_bucket_versioning"
    }

    fn replace_on(&self) -> &'static [&'static str] {
        &["bucket"]
    }

    async fn create(&self, ctx: &Ctx, a: &Attrs) -> Result<Created, ResourceError> {
        let bucket = attrs::str(a, "bucket")?;
        self.put(ctx, bucket, attrs::str(a, "status")?).await?;
        Ok(Created {
            id: bucket.to_string(),
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
                .get_bucket_versioning()
                .bucket(id)
                .send()
                .await
                .ctx(&format!("reading versioning of S3 bucket ({id})")),
        )?;
        // A bucket that never had versioning set reports no status.
        Ok(out
            .and_then(|o| o.status().map(|s| s.as_str().to_string()))
            .map(|status| Observed {
                attrs: obj(json!({ "bucket": id, "status": status })),
                outputs: Attrs::new(),
            }))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        id: &str,
        _: &Attrs,
        to: &Attrs,
    ) -> Result<Attrs, ResourceError> {
        self.put(ctx, id, attrs::str(to, "status")?).await?;
        Ok(Attrs::new())
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _: &Attrs) -> Result<(), ResourceError> {
        // Versioning cannot be removed, only suspended.
        match self.put(ctx, id, "Suspended").await {
            Err(e) if e.is_not_found() => Ok(()),
            other => other,
        }
    }
}
