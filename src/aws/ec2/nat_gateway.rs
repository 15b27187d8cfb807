//! EC2 NAT gateway: an Elastic IP in a public subnet (both force
//! replacement), tags. Create waits for `available`, delete for `deleted`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_ec2::types::{Filter, NatGatewayState, ResourceType as Ec2Type};
use serde_json::json;

use super::all_pages;
use super::{batched, find_described, ids, single, tag_spec, tags_value, update_tags};
use crate::aws::attrs::{self, obj};
use crate::aws::error::{ignore_not_found, not_found_to_none, SdkResultExt};
use crate::aws::Aws;
use crate::engine::resource::{Created, Ctx, ErrorClass, Observed, ResourceError, ResourceType};
use crate::engine::retry::{wait_until, Poll, Waiter};
use crate::engine::value::Attrs;

/// Waiting for a new NAT gateway to become available.
pub const AVAILABLE: Waiter = Waiter {
    name: "NAT gateway to become available",
    timeout: Duration::from_secs(600),
    interval: Duration::from_secs(5),
};

/// Waiting for a NAT gateway to be deleted.
/// AWS documents up to 30 minutes for a NAT gateway to finish deleting
/// (its EIP and subnet are held until then).
pub const DELETED: Waiter = Waiter {
    name: "NAT gateway to be deleted",
    timeout: Duration::from_secs(30 * 60),
    interval: Duration::from_secs(5),
};

/// `ec2_nat_gateway`.
pub struct NatGateway(pub Arc<Aws>);

#[async_trait]
impl ResourceType for NatGateway {
    fn kind(&self) -> &'static str {
        "ec2_nat_gateway"
    }

    fn replace_on(&self) -> &'static [&'static str] {
        &["allocation_id", "subnet_id"]
    }

    async fn create(&self, ctx: &Ctx, a: &Attrs) -> Result<Created, ResourceError> {
        let ec2 = &self.0.region(&ctx.region).ec2;
        let out = ec2
            .create_nat_gateway()
            .set_client_token(ctx.token())
            .allocation_id(attrs::str(a, "allocation_id")?)
            .subnet_id(attrs::str(a, "subnet_id")?)
            .tag_specifications(tag_spec(Ec2Type::Natgateway, a))
            .send()
            .await
            .ctx("creating EC2 NAT gateway")?;
        let id = out
            .nat_gateway()
            .and_then(|g| g.nat_gateway_id())
            .unwrap_or_default()
            .to_string();
        wait_state(ctx, ec2, &id, &AVAILABLE, NatGatewayState::Available).await?;
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
            "EC2 NAT gateway",
        )
        .await?;
        Ok(Attrs::new())
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _: &Attrs) -> Result<(), ResourceError> {
        let ec2 = &self.0.region(&ctx.region).ec2;
        let r = ec2
            .delete_nat_gateway()
            .nat_gateway_id(id)
            .send()
            .await
            .ctx(&format!("deleting EC2 NAT gateway ({id})"));
        ignore_not_found(r.map(|_| ()))?;
        wait_state(ctx, ec2, id, &DELETED, NatGatewayState::Deleted).await
    }
}

/// The NAT gateway `id`, or `None`.
async fn find_nat_gateway(
    ec2: &aws_sdk_ec2::Client,
    id: &str,
) -> Result<Option<aws_sdk_ec2::types::NatGateway>, ResourceError> {
    let out = not_found_to_none(
        ec2.describe_nat_gateways()
            .nat_gateway_ids(id)
            .send()
            .await
            .ctx(&format!("reading EC2 NAT gateway ({id})")),
    )?;
    Ok(out.and_then(|o| o.nat_gateways().first().cloned()))
}

/// Waits until the gateway reaches `target` (a gone gateway counts as deleted).
async fn wait_state(
    ctx: &Ctx,
    ec2: &aws_sdk_ec2::Client,
    id: &str,
    waiter: &Waiter,
    target: NatGatewayState,
) -> Result<(), ResourceError> {
    wait_until(ctx, waiter, || async {
        let g = find_nat_gateway(ec2, id).await?;
        let state = g.as_ref().and_then(|g| g.state().cloned());
        match state {
            None if target == NatGatewayState::Deleted => Ok(Poll::Ready(())),
            None => Ok(Poll::Pending("not visible yet".into())),
            Some(s) if s == target => Ok(Poll::Ready(())),
            Some(NatGatewayState::Failed) => Err(ResourceError::new(
                ErrorClass::Other,
                format!("waiting for NAT gateway ({id})"),
                g.and_then(|g| g.failure_message().map(str::to_string))
                    .unwrap_or_else(|| "failed".into()),
            )),
            Some(s) => Ok(Poll::Pending(s.as_str().to_string())),
        }
    })
    .await
    .map_err(|mut e| {
        e.action = format!("{} ({id})", e.action);
        e
    })
}

/// One DescribeNatGateways call for EC2 NAT gateways: by `ids` (reads) or
/// by `filters` (the search after an interrupted create); what it found, by
/// id.
async fn describe(
    ec2: &aws_sdk_ec2::Client,
    ids: Option<Vec<String>>,
    filters: Option<Vec<Filter>>,
) -> Result<HashMap<String, Observed>, ResourceError> {
    let items = all_pages!(
        ec2.describe_nat_gateways()
            .set_nat_gateway_ids(ids)
            .set_filter(filters),
        nat_gateways,
        "describing EC2 NAT gateways"
    );
    Ok(items
        .iter()
        .filter(|g| {
            !matches!(
                g.state(),
                Some(
                    NatGatewayState::Deleted | NatGatewayState::Deleting | NatGatewayState::Failed
                )
            )
        })
        .map(|g| {
            let attrs = json!({
                "allocation_id": g.nat_gateway_addresses().first().and_then(|x| x.allocation_id()),
                "subnet_id": g.subnet_id(),
                "tags": tags_value(g.tags()),
            });
            (
                g.nat_gateway_id().unwrap_or_default().to_string(),
                Observed {
                    attrs: obj(attrs),
                    outputs: Attrs::new(),
                },
            )
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_deletion_wait_covers_aws_documented_worst_case() {
        assert!(DELETED.timeout >= Duration::from_secs(30 * 60));
    }
}
