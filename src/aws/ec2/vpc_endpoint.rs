//! EC2 gateway VPC endpoint (S3, DynamoDB): VPC and service force
//! replacement; route tables update in place; tags.

use std::collections::BTreeSet;
use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_ec2::types::{ResourceType as Ec2Type, VpcEndpointType};
use serde_json::json;

use super::{
    batched, delete_retrying, find_tagged, ids, single, tag_spec, tags_value, update_tags,
};
use crate::aws::attrs::{self, obj};
use crate::aws::error::SdkResultExt;
use crate::aws::Aws;
use crate::engine::resource::{Created, Ctx, Observed, ResourceError, ResourceType};
use crate::engine::value::Attrs;

/// `ec2_vpc_endpoint`.
pub struct VpcEndpoint(pub Arc<Aws>);

#[async_trait]
impl ResourceType for VpcEndpoint {
    fn kind(&self) -> &'static str {
        "ec2_vpc_endpoint"
    }

    fn replace_on(&self) -> &'static [&'static str] {
        &["vpc_id", "service_name"]
    }

    async fn create(&self, ctx: &Ctx, a: &Attrs) -> Result<Created, ResourceError> {
        let mut req = self
            .0
            .region(&ctx.region)
            .ec2
            .create_vpc_endpoint()
            .set_client_token(ctx.token())
            .vpc_endpoint_type(VpcEndpointType::Gateway)
            .vpc_id(attrs::str(a, "vpc_id")?)
            .service_name(attrs::str(a, "service_name")?)
            .tag_specifications(tag_spec(Ec2Type::VpcEndpoint, a));
        for rt in attrs::strs(a, "route_table_ids") {
            req = req.route_table_ids(rt);
        }
        let out = req.send().await.ctx("creating EC2 VPC endpoint")?;
        Ok(Created {
            id: out
                .vpc_endpoint()
                .and_then(|e| e.vpc_endpoint_id())
                .unwrap_or_default()
                .to_string(),
            outputs: Attrs::new(),
        })
    }

    async fn find(&self, ctx: &Ctx, a: &Attrs) -> Result<Vec<String>, ResourceError> {
        let ec2 = &self.0.region(&ctx.region).ec2;
        find_tagged(a, |f| async move {
            let out = ec2
                .describe_vpc_endpoints()
                .set_filters(Some(f))
                .send()
                .await
                .ctx("looking for EC2 VPC endpoints by tag")?;
            Ok(out
                .vpc_endpoints()
                .iter()
                .filter(|e| !gone(e))
                .filter_map(|x| x.vpc_endpoint_id())
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
        batched(items, |batch| async move {
            let out = ec2.describe_vpc_endpoints().set_vpc_endpoint_ids(Some(ids(&batch))).send().await.ctx("reading EC2 VPC endpoints")?;
            let prior: HashMap<String, Attrs> = batch.into_iter().collect();
            Ok(out
                .vpc_endpoints()
                .iter()
                .filter(|e| !gone(e))
                .map(|e| {
                    let id = e.vpc_endpoint_id().unwrap_or_default().to_string();
                    let attrs = json!({
                        "vpc_id": e.vpc_id(),
                        "service_name": e.service_name(),
                        "route_table_ids": attrs::as_set(e.route_table_ids().to_vec(), prior.get(&id).and_then(|p| p.get("route_table_ids"))),
                        "tags": tags_value(e.tags()),
                    });
                    (id, Observed { attrs: obj(attrs), outputs: Attrs::new() })
                })
                .collect())
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
        let old: BTreeSet<String> = attrs::strs(from, "route_table_ids").into_iter().collect();
        let new: BTreeSet<String> = attrs::strs(to, "route_table_ids").into_iter().collect();
        if old != new {
            let mut req = ec2.modify_vpc_endpoint().vpc_endpoint_id(id);
            for rt in new.difference(&old) {
                req = req.add_route_table_ids(rt);
            }
            for rt in old.difference(&new) {
                req = req.remove_route_table_ids(rt);
            }
            req.send()
                .await
                .ctx(&format!("updating route tables of EC2 VPC endpoint ({id})"))?;
        }
        update_tags(ec2, id, from, to, "EC2 VPC endpoint").await?;
        Ok(Attrs::new())
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _: &Attrs) -> Result<(), ResourceError> {
        let ec2 = &self.0.region(&ctx.region).ec2;
        delete_retrying(ctx, || async {
            ec2.delete_vpc_endpoints()
                .vpc_endpoint_ids(id)
                .send()
                .await
                .ctx(&format!("deleting EC2 VPC endpoint ({id})"))
                .map(|_| ())
        })
        .await
    }
}

/// True for an endpoint that is deleted or on its way out.
fn gone(e: &aws_sdk_ec2::types::VpcEndpoint) -> bool {
    matches!(
        e.state()
            .map(|s| s.as_str().to_ascii_lowercase())
            .as_deref(),
        Some("deleted" | "deleting")
    )
}
