//! The wait for an ACM certificate to be issued, once its DNS validation
//! records exist (Terraform's `aws_acm_certificate_validation`). Nothing
//! is created in AWS: create waits for `ISSUED`; read reports whether it
//! still is (a certificate that expired or was revoked is drift); delete
//! does nothing. Its id is the certificate ARN.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::json;

use crate::aws::attrs::{self, obj};
use crate::aws::error::{not_found_to_none, SdkResultExt};
use crate::aws::find;
use crate::aws::Aws;
use crate::engine::resource::{Created, Ctx, Observed, ResourceError, ResourceType};
use crate::engine::retry::{wait_status, Waiter};
use crate::engine::value::Attrs;

/// DNS validation takes minutes once the records resolve.
const ISSUED: Waiter = Waiter {
    name: "ACM to issue the certificate (DNS validation: the zone must be delegated to the name servers in the `hosted_zone_name_servers` output)",
    timeout: Duration::from_secs(3600),
    interval: Duration::from_secs(15),
};

/// `acm_certificate_validation`.
pub struct Validation(pub Arc<Aws>);

impl Validation {
    async fn status(&self, ctx: &Ctx, arn: &str) -> Result<Option<String>, ResourceError> {
        let out = not_found_to_none(
            self.0
                .region(&ctx.region)
                .acm
                .describe_certificate()
                .certificate_arn(arn)
                .send()
                .await
                .ctx(&format!("reading ACM certificate ({arn})")),
        )?;
        Ok(out.and_then(|o| {
            o.certificate()
                .and_then(|c| c.status())
                .map(|s| s.as_str().to_string())
        }))
    }
}

#[async_trait]
impl ResourceType for Validation {
    fn kind(&self) -> &'static str {
        "acm_certificate_validation"
    }

    fn not_importable(&self) -> Option<&'static str> {
        Some("it is no AWS object, only hcprov waiting for a certificate to be issued: import the acm_certificate, and the next apply records this")
    }

    fn replace_on(&self) -> &'static [&'static str] {
        &["certificate_arn", "validation_record_fqdns"]
    }

    async fn create(&self, ctx: &Ctx, a: &Attrs) -> Result<Created, ResourceError> {
        let arn = attrs::str(a, "certificate_arn")?;
        wait_status(
            ctx,
            &ISSUED,
            Some("ISSUED"),
            &["FAILED", "VALIDATION_TIMED_OUT", "REVOKED", "EXPIRED"],
            || self.status(ctx, arn),
        )
        .await?;
        Ok(Created {
            id: arn.to_string(),
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
        a: &Attrs,
    ) -> Result<Option<Observed>, ResourceError> {
        Ok(self.status(ctx, id).await?.filter(|s| s == "ISSUED").map(|_| Observed {
            attrs: obj(json!({
                "certificate_arn": id,
                "validation_record_fqdns": a.get("validation_record_fqdns").cloned().unwrap_or_default(),
            })),
            outputs: Attrs::new(),
        }))
    }

    async fn update(&self, _: &Ctx, _: &str, _: &Attrs, _: &Attrs) -> Result<Attrs, ResourceError> {
        Ok(Attrs::new())
    }

    async fn delete(&self, _: &Ctx, _: &str, _: &Attrs) -> Result<(), ResourceError> {
        Ok(())
    }
}
