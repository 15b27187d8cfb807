//! EC2 Elastic IP in the VPC domain, tags.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_ec2::types::{DomainType, Filter, ResourceType as Ec2Type};
use serde_json::json;

use super::{
    batched, delete_retrying, find_described, ids, output, single, tag_spec, tags_value,
    update_tags,
};
use crate::aws::attrs::obj;
use crate::aws::error::SdkResultExt;
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

    async fn find(&self, ctx: &Ctx, a: &Attrs) -> Result<Vec<String>, ResourceError> {
        let ec2 = &self.0.region(&ctx.region).ec2;
        find_described(a, |f| describe(ec2, None, Some(f))).await
    }

    fn batches_reads(&self) -> bool {
        true
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        a: &Attrs,
    ) -> Result<Option<Observed>, ResourceError> {
        single(self.read_many(ctx, &[(id.to_string(), a.clone())]).await)
    }

    async fn read_many(
        &self,
        ctx: &Ctx,
        items: &[(String, Attrs)],
    ) -> Vec<Result<Option<Observed>, ResourceError>> {
        let ec2 = &self.0.region(&ctx.region).ec2;
        batched(items, |batch| describe(ec2, Some(ids(&batch)), None)).await
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

/// One DescribeAddresses call for EC2 Elastic IPs: by `ids` (reads) or by
/// `filters` (the search after an interrupted create); what it found, by
/// id.
async fn describe(
    ec2: &aws_sdk_ec2::Client,
    ids: Option<Vec<String>>,
    filters: Option<Vec<Filter>>,
) -> Result<HashMap<String, Observed>, ResourceError> {
    let out = ec2
        .describe_addresses()
        .set_allocation_ids(ids)
        .set_filters(filters)
        .send()
        .await
        .ctx("describing EC2 Elastic IPs")?;
    Ok(out
        .addresses()
        .iter()
        .map(|a| {
            let attrs =
                json!({ "domain": a.domain().map(|d| d.as_str()), "tags": tags_value(a.tags()) });
            let o = Observed {
                attrs: obj(attrs),
                outputs: output("public_ip", a.public_ip().unwrap_or_default()),
            };
            (a.allocation_id().unwrap_or_default().to_string(), o)
        })
        .collect())
}
