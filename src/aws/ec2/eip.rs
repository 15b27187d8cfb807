//! EC2 Elastic IP in the VPC domain, tags.

use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_ec2::types::{DomainType, ResourceType as Ec2Type};
use serde_json::json;

use super::{delete_retrying, output, tag_spec, tags_value, update_tags};
use crate::aws::error::{not_found_to_none, SdkResultExt};
use crate::aws::Aws;
use crate::engine::resource::{Created, Ctx, Observed, ResourceError, ResourceType};
use crate::engine::value::Attrs;

/// `ec2_eip`.
pub struct Eip(pub Arc<Aws>);

#[async_trait]
impl ResourceType for Eip {
    fn kind(&self) -> &'static str {
        "ec2_eip"
    }

    fn replace_on(&self) -> &'static [&'static str] {
        &["domain"]
    }

    async fn create(&self, ctx: &Ctx, a: &Attrs) -> Result<Created, ResourceError> {
        let out = self
            .0
            .region(&ctx.region)
            .ec2
            .allocate_address()
            .domain(DomainType::Vpc)
            .tag_specifications(tag_spec(Ec2Type::ElasticIp, a))
            .send()
            .await
            .ctx("allocating EC2 Elastic IP")?;
        Ok(Created {
            id: out.allocation_id().unwrap_or_default().to_string(),
            outputs: output("public_ip", out.public_ip().unwrap_or_default()),
        })
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
                .ec2
                .describe_addresses()
                .allocation_ids(id)
                .send()
                .await
                .ctx(&format!("reading EC2 Elastic IP ({id})")),
        )?;
        let Some(addr) = out.and_then(|o| o.addresses().first().cloned()) else {
            return Ok(None);
        };
        let attrs = json!({
            "domain": addr.domain().map(|d| d.as_str()),
            "tags": tags_value(addr.tags()),
        });
        Ok(Some(Observed {
            attrs: attrs.as_object().cloned().unwrap_or_default(),
            outputs: output("public_ip", addr.public_ip().unwrap_or_default()),
        }))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        id: &str,
        from: &Attrs,
        to: &Attrs,
    ) -> Result<Attrs, ResourceError> {
        update_tags(
            &self.0.region(&ctx.region).ec2,
            id,
            from,
            to,
            "EC2 Elastic IP",
        )
        .await?;
        Ok(Attrs::new())
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _: &Attrs) -> Result<(), ResourceError> {
        let ec2 = &self.0.region(&ctx.region).ec2;
        delete_retrying(ctx, || async {
            ec2.release_address()
                .allocation_id(id)
                .send()
                .await
                .ctx(&format!("releasing EC2 Elastic IP ({id})"))
                .map(|_| ())
        })
        .await
    }
}
