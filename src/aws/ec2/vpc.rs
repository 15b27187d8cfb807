//! EC2 VPC: CIDR block, DNS support and hostnames, tags, and the extras
//! held at AWS's defaults (`vpc_extras`).

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_ec2::types::{AttributeBooleanValue, ResourceType as Ec2Type, VpcAttributeName};
use serde_json::json;

use super::all_pages;
use super::{batched, find_tagged, ids, output, single, tag_spec, tags_value, update_tags};
use crate::aws::attrs::{self, obj};
use crate::aws::error::SdkResultExt;
use crate::aws::transient;
use crate::aws::Aws;
use crate::engine::resource::{Created, Ctx, Observed, ResourceError, ResourceType};
use crate::engine::value::Attrs;

/// `ec2_vpc`.
pub struct Vpc(pub Arc<Aws>);

#[async_trait]
impl ResourceType for Vpc {
    fn kind(&self) -> &'static str {
        "ec2_vpc"
    }

    fn replace_on(&self) -> &'static [&'static str] {
        &["cidr_block"]
    }

    async fn create(&self, ctx: &Ctx, a: &Attrs) -> Result<Created, ResourceError> {
        let ec2 = &self.0.region(&ctx.region).ec2;
        let out = ec2
            .create_vpc()
            .cidr_block(attrs::str(a, "cidr_block")?)
            .tag_specifications(tag_spec(Ec2Type::Vpc, a))
            .send()
            .await
            .ctx("creating EC2 VPC")?;
        let vpc = out.vpc();
        let id = vpc.and_then(|v| v.vpc_id()).unwrap_or_default().to_string();
        let owner = vpc.and_then(|v| v.owner_id()).unwrap_or_default();
        let arn = super::ec2_arn(&ctx.region, owner, &format!("vpc/{id}"));
        set_dns(ctx, ec2, &id, a, None).await?;
        Ok(Created {
            outputs: output("arn", arn),
            id,
        })
    }

    async fn find(&self, ctx: &Ctx, a: &Attrs) -> Result<Vec<String>, ResourceError> {
        let ec2 = &self.0.region(&ctx.region).ec2;
        find_tagged(a, |f| async move {
            let items = all_pages!(
                ec2.describe_vpcs().set_filters(Some(f)),
                vpcs,
                "looking for EC2 VPCs by tag"
            );
            Ok(items
                .iter()
                .filter_map(|x| x.vpc_id())
                .map(str::to_string)
                .collect())
        })
        .await
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
        let region = ctx.region.clone();
        batched(items, |batch| {
            let region = region.clone();
            async move {
                let out = ec2.describe_vpcs().set_vpc_ids(Some(ids(&batch))).send().await.ctx("reading EC2 VPCs")?;
                let mut found = HashMap::new();
                // The DNS settings are only readable one VPC and one attribute at a time.
                for vpc in out.vpcs() {
                    let id = vpc.vpc_id().unwrap_or_default().to_string();
                    let mut attrs = super::vpc_extras::observe(ec2, vpc).await?;
                    attrs.as_object_mut().expect("an object").extend(obj(json!({
                        "cidr_block": vpc.cidr_block(),
                        "enable_dns_support": dns(ec2, &id, VpcAttributeName::EnableDnsSupport).await?,
                        "enable_dns_hostnames": dns(ec2, &id, VpcAttributeName::EnableDnsHostnames).await?,
                        "tags": tags_value(vpc.tags()),
                    })));
                    let arn = super::ec2_arn(&region, vpc.owner_id().unwrap_or_default(), &format!("vpc/{id}"));
                    found.insert(id.clone(), Observed { attrs: obj(attrs), outputs: output("arn", arn) });
                }
                Ok(found)
            }
        })
        .await
    }

    async fn update(
        &self,
        ctx: &Ctx,
        id: &str,
        from: &Attrs,
        to: &Attrs,
    ) -> Result<Attrs, ResourceError> {
        let ec2 = &self.0.region(&ctx.region).ec2;
        super::vpc_extras::restore(ctx, ec2, &ctx.region, id, from, to).await?;
        set_dns(ctx, ec2, id, to, Some(from)).await?;
        update_tags(ec2, id, from, to, "EC2 VPC").await?;
        Ok(Attrs::new())
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _: &Attrs) -> Result<(), ResourceError> {
        let ec2 = &self.0.region(&ctx.region).ec2;
        super::eni::delete_after_lambda_enis(ctx, ec2, "vpc-id", id, || async {
            ec2.delete_vpc()
                .vpc_id(id)
                .send()
                .await
                .ctx(&format!("deleting EC2 VPC ({id})"))
                .map(|_| ())
        })
        .await
    }
}

/// One DNS attribute of a VPC.
async fn dns(
    ec2: &aws_sdk_ec2::Client,
    id: &str,
    name: VpcAttributeName,
) -> Result<bool, ResourceError> {
    let out = ec2
        .describe_vpc_attribute()
        .vpc_id(id)
        .attribute(name)
        .send()
        .await
        .ctx(&format!("reading EC2 VPC ({id}) attribute"))?;
    let v = match out.enable_dns_support() {
        Some(x) => x.value(),
        None => out
            .enable_dns_hostnames()
            .and_then(AttributeBooleanValue::value),
    };
    Ok(v.unwrap_or(false))
}

/// Sets the DNS attributes that differ from `from` (all when `from` is None).
async fn set_dns(
    ctx: &Ctx,
    ec2: &aws_sdk_ec2::Client,
    id: &str,
    to: &Attrs,
    from: Option<&Attrs>,
) -> Result<(), ResourceError> {
    for key in ["enable_dns_support", "enable_dns_hostnames"] {
        let want = attrs::bool(to, key)?;
        if from.is_some_and(|f| f.get(key).and_then(serde_json::Value::as_bool) == Some(want)) {
            continue;
        }
        let v = AttributeBooleanValue::builder().value(want).build();
        transient::call(ctx, "ec2", "ModifyVpcAttribute", || async {
            let req = ec2.modify_vpc_attribute().vpc_id(id);
            let req = if key == "enable_dns_support" {
                req.enable_dns_support(v.clone())
            } else {
                req.enable_dns_hostnames(v.clone())
            };
            req.send()
                .await
                .ctx(&format!("setting {key} on EC2 VPC ({id})"))
        })
        .await?;
    }
    Ok(())
}
