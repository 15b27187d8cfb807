//! EC2 VPC endpoint: a gateway (S3, DynamoDB: route tables) or an
//! interface (Secrets Manager and the like: ENIs in subnets, behind
//! security groups, with private DNS), with an optional endpoint policy.
//! VPC, service and type force replacement; route tables, subnets,
//! security groups, private DNS, the policy and tags update in place.

use std::collections::BTreeSet;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_ec2::types::{ResourceType as Ec2Type, VpcEndpointType};
use serde_json::{json, Value};

use super::all_pages;
use super::{
    batched, delete_retrying, find_tagged, ids, single, tag_spec, tags_value, update_tags,
};
use crate::aws::attrs::{self, obj};
use crate::aws::error::{classify_code, not_found_to_none, SdkResultExt};
use crate::aws::Aws;
use crate::engine::resource::{Created, Ctx, Observed, ResourceError, ResourceType};
use crate::engine::retry::{wait_status, wait_until, Poll, Waiter};
use crate::engine::value::Attrs;

/// Waiting for an interface endpoint's network interfaces: until it is
/// `available`, nothing in the VPC reaches the service through it.
pub const AVAILABLE: Waiter = Waiter {
    name: "VPC endpoint to become available",
    timeout: Duration::from_secs(600),
    interval: Duration::from_secs(5),
};

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
        &["vpc_id", "service_name", "vpc_endpoint_type"]
    }

    async fn create(&self, ctx: &Ctx, a: &Attrs) -> Result<Created, ResourceError> {
        let mut req = self
            .0
            .region(&ctx.region)
            .ec2
            .create_vpc_endpoint()
            .set_client_token(ctx.token())
            .vpc_endpoint_type(endpoint_type(a))
            .vpc_id(attrs::str(a, "vpc_id")?)
            .service_name(attrs::str(a, "service_name")?)
            .tag_specifications(tag_spec(Ec2Type::VpcEndpoint, a));
        if a.get("policy").is_some_and(|p| p.is_object()) {
            req = req.policy_document(attrs::doc(a, "policy")?);
        }
        if interface(a) {
            req = req
                .set_subnet_ids(Some(attrs::strs(a, "subnet_ids")))
                .set_security_group_ids(Some(attrs::strs(a, "security_group_ids")))
                .private_dns_enabled(attrs::bool(a, "private_dns_enabled")?);
        }
        for rt in attrs::strs(a, "route_table_ids") {
            req = req.route_table_ids(rt);
        }
        let out = req.send().await.ctx("creating EC2 VPC endpoint")?;
        let id = out
            .vpc_endpoint()
            .and_then(|e| e.vpc_endpoint_id())
            .unwrap_or_default()
            .to_string();
        if interface(a) {
            let ec2 = &self.0.region(&ctx.region).ec2;
            wait_status(
                ctx,
                &AVAILABLE,
                Some("available"),
                &["failed", "rejected"],
                || async {
                    let out = not_found_to_none(
                        ec2.describe_vpc_endpoints()
                            .vpc_endpoint_ids(&id)
                            .send()
                            .await
                            .ctx(&format!("reading EC2 VPC endpoint ({id})")),
                    )?;
                    Ok(out
                        .as_ref()
                        .and_then(|o| o.vpc_endpoints().first())
                        .and_then(|e| e.state())
                        .map(|s| s.as_str().to_ascii_lowercase()))
                },
            )
            .await?;
        }
        Ok(Created {
            id,
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
            let out = ec2
                .describe_vpc_endpoints()
                .set_vpc_endpoint_ids(Some(ids(&batch)))
                .send()
                .await
                .ctx("reading EC2 VPC endpoints")?;
            let prior: HashMap<String, Attrs> = batch.into_iter().collect();
            Ok(out
                .vpc_endpoints()
                .iter()
                .filter(|e| !gone(e))
                .map(|e| {
                    let id = e.vpc_endpoint_id().unwrap_or_default().to_string();
                    let p = prior.get(&id);
                    let set =
                        |live: Vec<String>, k: &str| attrs::as_set(live, p.and_then(|p| p.get(k)));
                    let mut attrs = json!({
                        "vpc_id": e.vpc_id(),
                        "service_name": e.service_name(),
                        "route_table_ids": set(e.route_table_ids().to_vec(), "route_table_ids"),
                        "tags": tags_value(e.tags()),
                        "policy": e.policy_document().map(attrs::parse_doc),
                    });
                    if e.vpc_endpoint_type() == Some(&VpcEndpointType::Interface) {
                        attrs["vpc_endpoint_type"] = json!("Interface");
                        attrs["subnet_ids"] = set(e.subnet_ids().to_vec(), "subnet_ids");
                        let groups = e
                            .groups()
                            .iter()
                            .filter_map(|g| g.group_id().map(str::to_string))
                            .collect();
                        attrs["security_group_ids"] = set(groups, "security_group_ids");
                        attrs["private_dns_enabled"] =
                            json!(e.private_dns_enabled().unwrap_or(false));
                        let dns = e.dns_options();
                        attrs["ip_address_type"] =
                            json!(e.ip_address_type().map_or("ipv4", |t| t.as_str()));
                        attrs["dns_record_ip_type"] = json!(dns
                            .and_then(|d| d.dns_record_ip_type())
                            .map_or("ipv4", |t| t.as_str()));
                        attrs["private_dns_only_for_inbound_resolver_endpoint"] = json!(dns
                            .and_then(|d| d.private_dns_only_for_inbound_resolver_endpoint())
                            .unwrap_or(false));
                    }
                    (
                        id,
                        Observed {
                            attrs: obj(attrs),
                            outputs: Attrs::new(),
                        },
                    )
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
        let set =
            |a: &Attrs, k: &str| -> BTreeSet<String> { attrs::strs(a, k).into_iter().collect() };
        let mut req = ec2.modify_vpc_endpoint().vpc_endpoint_id(id);
        let mut changed = false;
        for k in ["route_table_ids", "subnet_ids", "security_group_ids"] {
            let (old, new) = (set(from, k), set(to, k));
            for add in new.difference(&old) {
                changed = true;
                req = match k {
                    "route_table_ids" => req.add_route_table_ids(add),
                    "subnet_ids" => req.add_subnet_ids(add),
                    _ => req.add_security_group_ids(add),
                };
            }
            for remove in old.difference(&new) {
                changed = true;
                req = match k {
                    "route_table_ids" => req.remove_route_table_ids(remove),
                    "subnet_ids" => req.remove_subnet_ids(remove),
                    _ => req.remove_security_group_ids(remove),
                };
            }
        }
        if from.get("policy") != to.get("policy") && to.get("policy").is_some_and(|p| p.is_object())
        {
            changed = true;
            req = req.policy_document(attrs::doc(to, "policy")?);
        }
        if interface(to) && from.get("private_dns_enabled") != to.get("private_dns_enabled") {
            changed = true;
            req = req.private_dns_enabled(attrs::bool(to, "private_dns_enabled")?);
        }
        let differs = |k: &str| attrs::differs(from, to, k);
        if interface(to) && differs("ip_address_type") {
            changed = true;
            req = req.ip_address_type(attrs::str(to, "ip_address_type")?.into());
        }
        if interface(to)
            && (differs("dns_record_ip_type")
                || differs("private_dns_only_for_inbound_resolver_endpoint"))
        {
            changed = true;
            req = req.dns_options(
                aws_sdk_ec2::types::DnsOptionsSpecification::builder()
                    .set_dns_record_ip_type(
                        attrs::opt_str(to, "dns_record_ip_type").map(Into::into),
                    )
                    .set_private_dns_only_for_inbound_resolver_endpoint(
                        to.get("private_dns_only_for_inbound_resolver_endpoint")
                            .and_then(Value::as_bool),
                    )
                    .build(),
            );
        }
        if changed {
            req.send()
                .await
                .ctx(&format!("updating EC2 VPC endpoint ({id})"))?;
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

/// True when `a` asks for an interface endpoint.
fn interface(a: &Attrs) -> bool {
    attrs::opt_str(a, "vpc_endpoint_type") == Some("Interface")
}

fn endpoint_type(a: &Attrs) -> VpcEndpointType {
    if interface(a) {
        VpcEndpointType::Interface
    } else {
        VpcEndpointType::Gateway
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
