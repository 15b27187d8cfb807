//! EC2 gateway VPC endpoint (S3, DynamoDB): VPC and service force
//! replacement; route tables update in place; tags.

use std::collections::BTreeSet;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_ec2::types::{ResourceType as Ec2Type, VpcEndpointType};
use serde_json::json;

use super::all_pages;
use super::{
    batched, delete_retrying, find_tagged, ids, single, tag_spec, tags_value, update_tags,
};
use crate::aws::attrs::{self, obj};
use crate::aws::error::{classify_code, not_found_to_none, SdkResultExt};
use crate::aws::Aws;
use crate::engine::resource::{Created, Ctx, Observed, ResourceError, ResourceType};
use crate::engine::retry::{wait_until, Poll, Waiter};
use crate::engine::value::Attrs;

/// Waiting for a deleted endpoint to be gone.
pub const DELETED: Waiter = Waiter {
    name: "VPC endpoint to be deleted",
    timeout: Duration::from_secs(600),
    interval: Duration::from_secs(3),
};

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
            let items = all_pages!(
                ec2.describe_vpc_endpoints().set_filters(Some(f)),
                vpc_endpoints,
                "looking for EC2 VPC endpoints by tag"
            );
            Ok(items
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

    /// DeleteVpcEndpoints answers 200 even when it could not delete the
    /// endpoint: the failure is an item of `Unsuccessful` in the answer.
    /// Then the endpoint is `deleting` for a while; the delete waits until
    /// it is gone, so the route tables and VPC after it can go.
    async fn delete(&self, ctx: &Ctx, id: &str, _: &Attrs) -> Result<(), ResourceError> {
        let ec2 = &self.0.region(&ctx.region).ec2;
        let what = format!("deleting EC2 VPC endpoint ({id})");
        delete_retrying(ctx, || async {
            let out = ec2
                .delete_vpc_endpoints()
                .vpc_endpoint_ids(id)
                .send()
                .await
                .ctx(&what)?;
            match out.unsuccessful().iter().find_map(|u| u.error()) {
                None => Ok(()),
                Some(e) => {
                    let code = e.code().unwrap_or("Unknown").to_string();
                    Err(ResourceError {
                        class: classify_code(&code),
                        action: what.clone(),
                        message: format!("{code}: {}", e.message().unwrap_or_default()),
                        code: Some(code),
                    })
                }
            }
        })
        .await?;
        wait_until(ctx, &DELETED, || async {
            let out = not_found_to_none(
                ec2.describe_vpc_endpoints()
                    .vpc_endpoint_ids(id)
                    .send()
                    .await
                    .ctx(&format!("reading EC2 VPC endpoint ({id})")),
            )?;
            let state = out
                .as_ref()
                .and_then(|o| o.vpc_endpoints().first())
                .and_then(|e| e.state())
                .map(|s| s.as_str().to_ascii_lowercase());
            Ok(match state.as_deref() {
                None | Some("deleted") => Poll::Ready(()),
                Some(s) => Poll::Pending(s.to_string()),
            })
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
