//! EC2 internet gateway, attached to one VPC (a different VPC forces
//! replacement), tags.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_ec2::types::{Filter, ResourceType as Ec2Type};
use serde_json::json;

use super::all_pages;
use super::{
    batched, delete_retrying, find_described, ids, single, tag_spec, tags_value, update_tags,
};
use crate::aws::attrs::{self, obj};
use crate::aws::error::{ignore_not_found, SdkResultExt};
use crate::aws::Aws;
use crate::engine::resource::{Created, Ctx, Observed, ResourceError, ResourceType};
use crate::engine::value::Attrs;

/// `ec2_internet_gateway`.
pub struct InternetGateway(pub Arc<Aws>);

#[async_trait]
impl ResourceType for InternetGateway {
    fn kind(&self) -> &'static str {
        "ec2_internet_gateway"
    }

    fn replace_on(&self) -> &'static [&'static str] {
        &["vpc_id"]
    }

    async fn create(&self, ctx: &Ctx, a: &Attrs) -> Result<Created, ResourceError> {
        let ec2 = &self.0.region(&ctx.region).ec2;
        let out = ec2
            .create_internet_gateway()
            .tag_specifications(tag_spec(Ec2Type::InternetGateway, a))
            .send()
            .await
            .ctx("creating EC2 internet gateway")?;
        let id = out
            .internet_gateway()
            .and_then(|g| g.internet_gateway_id())
            .unwrap_or_default()
            .to_string();
        ec2.attach_internet_gateway()
            .internet_gateway_id(&id)
            .vpc_id(attrs::str(a, "vpc_id")?)
            .send()
            .await
            .ctx(&format!("attaching EC2 internet gateway ({id})"))?;
        Ok(Created {
            id,
            outputs: Attrs::new(),
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
            "EC2 internet gateway",
        )
        .await?;
        Ok(Attrs::new())
    }

    async fn delete(&self, ctx: &Ctx, id: &str, a: &Attrs) -> Result<(), ResourceError> {
        let ec2 = &self.0.region(&ctx.region).ec2;
        if let Some(vpc) = attrs::opt_str(a, "vpc_id") {
            delete_retrying(ctx, || async {
                let r = ec2
                    .detach_internet_gateway()
                    .internet_gateway_id(id)
                    .vpc_id(vpc)
                    .send()
                    .await
                    .ctx(&format!("detaching EC2 internet gateway ({id})"));
                // Already detached is as good as detached.
                match r {
                    Err(e) if e.code.as_deref() == Some("Gateway.NotAttached") => Ok(()),
                    other => ignore_not_found(other.map(|_| ())),
                }
            })
            .await?;
        }
        delete_retrying(ctx, || async {
            ec2.delete_internet_gateway()
                .internet_gateway_id(id)
                .send()
                .await
                .ctx(&format!("deleting EC2 internet gateway ({id})"))
                .map(|_| ())
        })
        .await
    }
}

/// One DescribeInternetGateways call for EC2 internet gateways: by `ids`
/// (reads) or by `filters` (the search after an interrupted create); what
/// it found, by id.
async fn describe(
    ec2: &aws_sdk_ec2::Client,
    ids: Option<Vec<String>>,
    filters: Option<Vec<Filter>>,
) -> Result<HashMap<String, Observed>, ResourceError> {
    let items = all_pages!(
        ec2.describe_internet_gateways()
            .set_internet_gateway_ids(ids)
            .set_filters(filters),
        internet_gateways,
        "describing EC2 internet gateways"
    );
    Ok(items
        .iter()
        .map(|g| {
            let vpc = g.attachments().first().and_then(|a| a.vpc_id());
            let o = Observed {
                attrs: obj(json!({ "vpc_id": vpc, "tags": tags_value(g.tags()) })),
                outputs: Attrs::new(),
            };
            (g.internet_gateway_id().unwrap_or_default().to_string(), o)
        })
        .collect())
}
