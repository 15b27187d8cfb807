//! EC2 subnet: VPC, CIDR block and availability zone (all force replacement),
//! public IP mapping, tags, and the settings held at AWS's defaults
//! (`subnet_extras`).

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_ec2::types::{AttributeBooleanValue, Filter, ResourceType as Ec2Type};
use serde_json::{json, Value};

use super::all_pages;
use super::{batched, find_described, ids, output, single, tag_spec, tags_value, update_tags};
use crate::aws::attrs::{self, obj};
use crate::aws::error::SdkResultExt;
use crate::aws::transient;
use crate::aws::Aws;
use crate::engine::resource::{Created, Ctx, Observed, ResourceError, ResourceType};
use crate::engine::value::Attrs;

/// `ec2_subnet`.
pub struct Subnet(pub Arc<Aws>);

#[async_trait]
impl ResourceType for Subnet {
    fn kind(&self) -> &'static str {
        "ec2_subnet"
    }

    fn replace_on(&self) -> &'static [&'static str] {
        &["vpc_id", "cidr_block", "availability_zone"]
    }

    /// A subnet on a new CIDR can exist beside the old one, so a Lambda in
    /// it moves over first; on the same CIDR (a new zone) it cannot.
    fn coexists(&self, from: &Attrs, to: &Attrs) -> bool {
        let cidr = |a: &Attrs| {
            a.get("cidr_block")
                .and_then(Value::as_str)
                .and_then(parse_cidr)
        };
        match (cidr(from), cidr(to)) {
            (Some(old), Some(new)) => !overlaps(old, new),
            _ => false,
        }
    }

    async fn create(&self, ctx: &Ctx, a: &Attrs) -> Result<Created, ResourceError> {
        let ec2 = &self.0.region(&ctx.region).ec2;
        let out = ec2
            .create_subnet()
            .vpc_id(attrs::str(a, "vpc_id")?)
            .cidr_block(attrs::str(a, "cidr_block")?)
            .availability_zone(attrs::str(a, "availability_zone")?)
            .tag_specifications(tag_spec(Ec2Type::Subnet, a))
            .send()
            .await
            .ctx("creating EC2 subnet")?;
        let s = out.subnet();
        let id = s
            .and_then(|s| s.subnet_id())
            .unwrap_or_default()
            .to_string();
        let arn = s
            .and_then(|s| s.subnet_arn())
            .unwrap_or_default()
            .to_string();
        if attrs::bool(a, "map_public_ip_on_launch")? {
            set_public_ip(ctx, ec2, &id, true).await?;
        }
        Ok(Created {
            id,
            outputs: output("arn", arn),
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
        let ec2 = &self.0.region(&ctx.region).ec2;
        let want = attrs::bool(to, "map_public_ip_on_launch")?;
        if from
            .get("map_public_ip_on_launch")
            .and_then(serde_json::Value::as_bool)
            != Some(want)
        {
            set_public_ip(ctx, ec2, id, want).await?;
        }
        super::subnet_extras::restore(ec2, id, from, to).await?;
        update_tags(ec2, id, from, to, "EC2 subnet").await?;
        Ok(Attrs::new())
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _: &Attrs) -> Result<(), ResourceError> {
        let ec2 = &self.0.region(&ctx.region).ec2;
        super::eni::delete_after_lambda_enis(ctx, ec2, "subnet-id", id, || async {
            ec2.delete_subnet()
                .subnet_id(id)
                .send()
                .await
                .ctx(&format!("deleting EC2 subnet ({id})"))
                .map(|_| ())
        })
        .await
    }
}

async fn set_public_ip(
    ctx: &Ctx,
    ec2: &aws_sdk_ec2::Client,
    id: &str,
    on: bool,
) -> Result<(), ResourceError> {
    transient::call(ctx, "ec2", "ModifySubnetAttribute", || async {
        ec2.modify_subnet_attribute()
            .subnet_id(id)
            .map_public_ip_on_launch(AttributeBooleanValue::builder().value(on).build())
            .send()
            .await
            .ctx(&format!(
                "setting map_public_ip_on_launch on EC2 subnet ({id})"
            ))
    })
    .await?;
    Ok(())
}

/// One DescribeSubnets call for EC2 subnets: by `ids` (reads) or by
/// `filters` (the search after an interrupted create); what it found, by
/// id.
async fn describe(
    ec2: &aws_sdk_ec2::Client,
    ids: Option<Vec<String>>,
    filters: Option<Vec<Filter>>,
) -> Result<HashMap<String, Observed>, ResourceError> {
    let items = all_pages!(
        ec2.describe_subnets()
            .set_subnet_ids(ids)
            .set_filters(filters),
        subnets,
        "describing EC2 subnets"
    );
    Ok(items
        .iter()
        .map(|s| {
            let mut attrs = super::subnet_extras::observe(s);
            attrs
                .as_object_mut()
                .expect("an object")
                .extend(crate::aws::attrs::obj(json!({
                    "vpc_id": s.vpc_id(),
                    "cidr_block": s.cidr_block(),
                    "availability_zone": s.availability_zone(),
                    "map_public_ip_on_launch": s.map_public_ip_on_launch().unwrap_or(false),
                    "tags": tags_value(s.tags()),
                })));
            let o = Observed {
                attrs: obj(attrs),
                outputs: output("arn", s.subnet_arn().unwrap_or_default()),
            };
            (s.subnet_id().unwrap_or_default().to_string(), o)
        })
        .collect())
}

/// An IPv4 CIDR as (network, prefix length).
fn parse_cidr(c: &str) -> Option<(u32, u32)> {
    let (ip, len) = c.split_once('/')?;
    let ip: std::net::Ipv4Addr = ip.parse().ok()?;
    let len: u32 = len.parse().ok().filter(|l| *l <= 32)?;
    Some((u32::from(ip), len))
}

/// True when two CIDRs share an address.
fn overlaps(a: (u32, u32), b: (u32, u32)) -> bool {
    let len = a.1.min(b.1);
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    a.0 & mask == b.0 & mask
}

#[cfg(test)]
mod coexist_tests {
    use super::*;

    #[test]
    fn a_replacement_subnet_coexists_only_on_a_range_apart_from_the_old_one() {
        let a = |c: &str| crate::aws::attrs::obj(serde_json::json!({"cidr_block": c}));
        let t = Subnet(std::sync::Arc::new(crate::aws::Aws::from_config(
            aws_config::SdkConfig::builder().build(),
            false,
        )));
        assert!(t.coexists(&a("10.0.11.0/24"), &a("10.0.13.0/24")));
        assert!(
            !t.coexists(&a("10.0.11.0/24"), &a("10.0.11.0/25")),
            "overlapping"
        );
        assert!(
            !t.coexists(&a("10.0.11.0/24"), &a("10.0.11.0/24")),
            "same range, new zone"
        );
    }
}
