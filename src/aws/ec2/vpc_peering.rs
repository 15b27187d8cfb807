//! EC2 VPC peering connection across regions: requested in this node's
//! region and accepted in the peer region, in one create. The VPCs and the
//! peer region force replacement; tags update in place. `status` is
//! compared: a connection rejected, deleted or left pending is drift, and
//! apply accepts a pending one again. Its id is the connection id.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_ec2::types::{ResourceType as Ec2Type, VpcPeeringConnection};
use serde_json::json;

use super::all_pages;
use super::{find_tagged, tag_spec, tags_value, update_tags};
use crate::aws::attrs::{self, obj};
use crate::aws::error::{ignore_not_found, not_found_to_none, SdkResultExt};
use crate::aws::Aws;
use crate::engine::resource::{Created, Ctx, Observed, ResourceError, ResourceType};
use crate::engine::retry::{retry_when, wait_status, wait_until, Budget, Poll, Waiter};
use crate::engine::value::Attrs;

/// Waiting for the connection to become `active` after the accept.
pub const ACTIVE: Waiter = Waiter {
    name: "VPC peering connection to become active",
    timeout: Duration::from_secs(600),
    interval: Duration::from_secs(3),
};

/// The peer region learns of a new request within seconds: until then its
/// accept answers `InvalidVpcPeeringConnectionID.NotFound`.
const PEER_PROPAGATION: Budget = Budget {
    name: "vpc-peering-propagation",
    max_elapsed: Duration::from_secs(300),
    initial: Duration::from_secs(2),
    max_delay: Duration::from_secs(20),
};

/// Statuses waiting will not change.
const FAILED: &[&str] = &["failed", "rejected", "expired", "deleted"];

/// `ec2_vpc_peering_connection`.
pub struct VpcPeering(pub Arc<Aws>);

fn status(c: &VpcPeeringConnection) -> Option<String> {
    c.status()
        .and_then(|s| s.code())
        .map(|c| c.as_str().to_string())
}

impl VpcPeering {
    async fn describe(
        &self,
        region: &str,
        id: &str,
    ) -> Result<Option<VpcPeeringConnection>, ResourceError> {
        let out = not_found_to_none(
            self.0
                .region(region)
                .ec2
                .describe_vpc_peering_connections()
                .vpc_peering_connection_ids(id)
                .send()
                .await
                .ctx(&format!("reading EC2 VPC peering connection ({id})")),
        )?;
        Ok(out.and_then(|o| o.vpc_peering_connections().first().cloned()))
    }

    /// Accepts `id` in the peer region once the request has reached it
    /// (`initiating-request` → `pending-acceptance`), retrying until the
    /// peer region has heard of it.
    async fn accept(&self, ctx: &Ctx, peer_region: &str, id: &str) -> Result<(), ResourceError> {
        let peer = &self.0.region(peer_region).ec2;
        wait_until(ctx, &ACTIVE, || async {
            Ok(
                match self
                    .describe(&ctx.region, id)
                    .await?
                    .as_ref()
                    .and_then(status)
                    .as_deref()
                {
                    Some("pending-acceptance" | "active") => Poll::Ready(()),
                    Some(s) if FAILED.contains(&s) => {
                        return Err(ResourceError::new(
                            crate::engine::resource::ErrorClass::Other,
                            format!("requesting EC2 VPC peering connection ({id})"),
                            format!("the request is `{s}`: check the peer VPC id and region"),
                        ))
                    }
                    s => Poll::Pending(s.unwrap_or("not visible").to_string()),
                },
            )
        })
        .await?;
        retry_when(
            ctx,
            &PEER_PROPAGATION,
            |e| e.is_not_found(),
            || async {
                peer.accept_vpc_peering_connection()
                    .vpc_peering_connection_id(id)
                    .send()
                    .await
                    .map(|_| ())
                    .ctx(&format!(
                        "accepting EC2 VPC peering connection ({id}) in {peer_region}"
                    ))
            },
        )
        .await?;
        wait_status(ctx, &ACTIVE, Some("active"), FAILED, || async {
            Ok(self
                .describe(&ctx.region, id)
                .await?
                .as_ref()
                .and_then(status))
        })
        .await
    }
}

#[async_trait]
impl ResourceType for VpcPeering {
    fn kind(&self) -> &'static str {
        "ec2_vpc_peering_connection"
    }

    fn replace_on(&self) -> &'static [&'static str] {
        &["vpc_id", "peer_vpc_id", "peer_region"]
    }

    async fn create(&self, ctx: &Ctx, a: &Attrs) -> Result<Created, ResourceError> {
        let peer_region = attrs::str(a, "peer_region")?;
        let out = self
            .0
            .region(&ctx.region)
            .ec2
            .create_vpc_peering_connection()
            .vpc_id(attrs::str(a, "vpc_id")?)
            .peer_vpc_id(attrs::str(a, "peer_vpc_id")?)
            // The peer is this account's own VPC: never another account's.
            .peer_owner_id(self.0.account_id(&ctx.region).await?)
            .peer_region(peer_region)
            .tag_specifications(tag_spec(Ec2Type::VpcPeeringConnection, a))
            .send()
            .await
            .ctx("requesting EC2 VPC peering connection")?;
        let id = out
            .vpc_peering_connection()
            .and_then(|c| c.vpc_peering_connection_id())
            .unwrap_or_default()
            .to_string();
        self.accept(ctx, peer_region, &id).await?;
        Ok(Created {
            id,
            outputs: Attrs::new(),
        })
    }

    async fn find(&self, ctx: &Ctx, a: &Attrs) -> Result<Vec<String>, ResourceError> {
        let ec2 = &self.0.region(&ctx.region).ec2;
        find_tagged(a, |f| async move {
            let items = all_pages!(
                ec2.describe_vpc_peering_connections().set_filters(Some(f)),
                vpc_peering_connections,
                "looking for EC2 VPC peering connections by tag"
            );
            Ok(items
                .iter()
                .filter(|c| !status(c).is_some_and(|s| FAILED.contains(&s.as_str())))
                .filter_map(|c| c.vpc_peering_connection_id().map(str::to_string))
                .collect())
        })
        .await
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        _: &Attrs,
    ) -> Result<Option<Observed>, ResourceError> {
        let Some(c) = self.describe(&ctx.region, id).await? else {
            return Ok(None);
        };
        let s = status(&c);
        if s.as_deref() == Some("deleted") {
            return Ok(None);
        }
        Ok(Some(Observed {
            attrs: obj(json!({
                "vpc_id": c.requester_vpc_info().and_then(|v| v.vpc_id()),
                "peer_vpc_id": c.accepter_vpc_info().and_then(|v| v.vpc_id()),
                "peer_region": c.accepter_vpc_info().and_then(|v| v.region()),
                "status": s,
                "requester_allow_remote_vpc_dns_resolution": c.requester_vpc_info()
                    .and_then(|v| v.peering_options())
                    .and_then(|o| o.allow_dns_resolution_from_remote_vpc())
                    .unwrap_or(false),
                "accepter_allow_remote_vpc_dns_resolution": c.accepter_vpc_info()
                    .and_then(|v| v.peering_options())
                    .and_then(|o| o.allow_dns_resolution_from_remote_vpc())
                    .unwrap_or(false),
                "tags": tags_value(c.tags()),
            })),
            outputs: Attrs::new(),
        }))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        id: &str,
        from: &Attrs,
        to: &Attrs,
    ) -> Result<Attrs, ResourceError> {
        if from.get("status") != to.get("status")
            && from.get("status") == Some(&json!("pending-acceptance"))
        {
            self.accept(ctx, attrs::str(to, "peer_region")?, id).await?;
        }
        self.dns_options(ctx, id, from, to).await?;
        update_tags(
            &self.0.region(&ctx.region).ec2,
            id,
            from,
            to,
            "EC2 VPC peering connection",
        )
        .await?;
        Ok(Attrs::new())
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _: &Attrs) -> Result<(), ResourceError> {
        ignore_not_found(
            self.0
                .region(&ctx.region)
                .ec2
                .delete_vpc_peering_connection()
                .vpc_peering_connection_id(id)
                .send()
                .await
                .map(|_| ())
                .ctx(&format!("deleting EC2 VPC peering connection ({id})")),
        )
    }
}

impl VpcPeering {
    /// Puts each side's "resolve the other VPC's private DNS names" switch
    /// back; each side is changed in its own region.
    async fn dns_options(
        &self,
        ctx: &Ctx,
        id: &str,
        from: &Attrs,
        to: &Attrs,
    ) -> Result<(), ResourceError> {
        for (k, requester) in [
            ("requester_allow_remote_vpc_dns_resolution", true),
            ("accepter_allow_remote_vpc_dns_resolution", false),
        ] {
            let Some(on) = to.get(k).and_then(serde_json::Value::as_bool) else {
                continue;
            };
            if from.get(k) == to.get(k) {
                continue;
            }
            let opts = aws_sdk_ec2::types::PeeringConnectionOptionsRequest::builder()
                .allow_dns_resolution_from_remote_vpc(on)
                .build();
            let region = if requester {
                ctx.region.as_str()
            } else {
                attrs::str(to, "peer_region")?
            };
            let req = self
                .0
                .region(region)
                .ec2
                .modify_vpc_peering_connection_options()
                .vpc_peering_connection_id(id);
            let req = if requester {
                req.requester_peering_connection_options(opts)
            } else {
                req.accepter_peering_connection_options(opts)
            };
            req.send()
                .await
                .ctx(&format!("setting {k} on EC2 VPC peering connection ({id})"))?;
        }
        Ok(())
    }
}
