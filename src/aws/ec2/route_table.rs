//! EC2 route table with inline routes (as Terraform's `route` blocks), tags.
//! Routes are compared as a set, of every kind AWS has (IPv4, IPv6 and
//! prefix-list destinations to any target), so a route someone adds is
//! drift; the `local` route and the routes gateway VPC endpoints add belong
//! to AWS. The table also owns who uses it: `subnet_ids` (the subnets the
//! stack's associations put on it), `gateway_ids` (edge associations, none)
//! and `propagating_vgws` (VPN route propagation, none).

use std::collections::BTreeSet;
use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_ec2::types::{Filter, ResourceType as Ec2Type, RouteOrigin};
use serde_json::{json, Value};

use super::all_pages;
use super::{
    batched, delete_retrying, find_described, ids, single, tag_spec, tags_value, update_tags,
};
use crate::aws::attrs::{self, obj};
use crate::aws::error::{ignore_not_found, SdkResultExt};
use crate::aws::transient;
use crate::aws::Aws;
use crate::engine::resource::{Created, Ctx, Observed, ResourceError, ResourceType};
use crate::engine::value::Attrs;

/// `ec2_route_table`.
pub struct RouteTable(pub Arc<Aws>);

/// One route: its destination (key and value) and one target.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Route {
    dest_key: String,
    cidr: String,
    target_key: String,
    target: String,
}

/// Route destinations, as attribute keys.
const DESTINATIONS: &[&str] = &[
    "cidr_block",
    "ipv6_cidr_block",
    "destination_prefix_list_id",
];

/// Route targets, as attribute keys, in the order a route's target is
/// recognised (AWS fills `network_interface_id` beside `instance_id`).
const TARGETS: &[&str] = &[
    "nat_gateway_id",
    "vpc_peering_connection_id",
    "transit_gateway_id",
    "egress_only_internet_gateway_id",
    "instance_id",
    "network_interface_id",
    "carrier_gateway_id",
    "local_gateway_id",
    "core_network_arn",
    "gateway_id",
];

/// Sets `r`'s target on a CreateRoute or ReplaceRoute request.
macro_rules! with_target {
    ($req:expr, $r:expr) => {
        match $r.target_key.as_str() {
            "nat_gateway_id" => $req.nat_gateway_id(&$r.target),
            "vpc_peering_connection_id" => $req.vpc_peering_connection_id(&$r.target),
            "transit_gateway_id" => $req.transit_gateway_id(&$r.target),
            "egress_only_internet_gateway_id" => $req.egress_only_internet_gateway_id(&$r.target),
            "instance_id" => $req.instance_id(&$r.target),
            "network_interface_id" => $req.network_interface_id(&$r.target),
            "carrier_gateway_id" => $req.carrier_gateway_id(&$r.target),
            "local_gateway_id" => $req.local_gateway_id(&$r.target),
            "core_network_arn" => $req.core_network_arn(&$r.target),
            _ => $req.gateway_id(&$r.target),
        }
    };
}

/// Sets `r`'s destination on a CreateRoute, ReplaceRoute or DeleteRoute request.
macro_rules! with_dest {
    ($req:expr, $r:expr) => {
        match $r.dest_key.as_str() {
            "ipv6_cidr_block" => $req.destination_ipv6_cidr_block(&$r.cidr),
            "destination_prefix_list_id" => $req.destination_prefix_list_id(&$r.cidr),
            _ => $req.destination_cidr_block(&$r.cidr),
        }
    };
}

fn routes_of(a: &Attrs) -> BTreeSet<Route> {
    a.get("routes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|r| {
            let (dest_key, cidr) = DESTINATIONS.iter().find_map(|k| {
                r.get(*k)
                    .and_then(Value::as_str)
                    .map(|t| (k.to_string(), t.to_string()))
            })?;
            let (k, t) = TARGETS.iter().find_map(|k| {
                r.get(*k)
                    .and_then(Value::as_str)
                    .map(|t| (k.to_string(), t.to_string()))
            })?;
            Some(Route {
                dest_key,
                cidr,
                target_key: k,
                target: t,
            })
        })
        .collect()
}

fn routes_value(routes: &BTreeSet<Route>) -> Value {
    Value::Array(
        routes
            .iter()
            .map(|r| json!({ r.dest_key.as_str(): r.cidr, r.target_key.as_str(): r.target }))
            .collect(),
    )
}

#[async_trait]
impl ResourceType for RouteTable {
    fn kind(&self) -> &'static str {
        "ec2_route_table"
    }

    fn replace_on(&self) -> &'static [&'static str] {
        &["vpc_id"]
    }

    async fn create(&self, ctx: &Ctx, a: &Attrs) -> Result<Created, ResourceError> {
        let ec2 = &self.0.region(&ctx.region).ec2;
        let out = ec2
            .create_route_table()
            .set_client_token(ctx.token())
            .vpc_id(attrs::str(a, "vpc_id")?)
            .tag_specifications(tag_spec(Ec2Type::RouteTable, a))
            .send()
            .await
            .ctx("creating EC2 route table")?;
        let id = out
            .route_table()
            .and_then(|t| t.route_table_id())
            .unwrap_or_default()
            .to_string();
        for r in routes_of(a) {
            add_route(ctx, ec2, &id, &r).await?;
        }
        Ok(Created {
            id,
            outputs: Attrs::new(),
        })
    }

    async fn find(&self, ctx: &Ctx, a: &Attrs) -> Result<Vec<String>, ResourceError> {
        let ec2 = &self.0.region(&ctx.region).ec2;
        let none = HashMap::new();
        find_described(a, |f| describe(ec2, None, Some(f), &none)).await
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
        let prior: HashMap<String, Attrs> = items.iter().cloned().collect();
        batched(items, |batch| {
            describe(ec2, Some(ids(&batch)), None, &prior)
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
        super::route_table_sets::remove_extras(ec2, id, from, to).await?;
        let (old, new) = (routes_of(from), routes_of(to));
        for r in old.difference(&new) {
            if new.iter().any(|n| n.cidr == r.cidr) {
                continue; // replaced below
            }
            let req = ec2.delete_route().route_table_id(id);
            let res = with_dest!(req, r).send().await.ctx(&format!(
                "deleting route {} from EC2 route table ({id})",
                r.cidr
            ));
            ignore_not_found(res.map(|_| ()))?;
        }
        for r in new.difference(&old) {
            if old.iter().any(|o| o.cidr == r.cidr) {
                let req = ec2.replace_route().route_table_id(id);
                let req = with_dest!(req, r);
                with_target!(req, r).send().await.ctx(&format!(
                    "replacing route {} in EC2 route table ({id})",
                    r.cidr
                ))?;
            } else {
                add_route(ctx, ec2, id, r).await?;
            }
        }
        update_tags(ec2, id, from, to, "EC2 route table").await?;
        Ok(Attrs::new())
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _: &Attrs) -> Result<(), ResourceError> {
        let ec2 = &self.0.region(&ctx.region).ec2;
        delete_retrying(ctx, || async {
            ec2.delete_route_table()
                .route_table_id(id)
                .send()
                .await
                .ctx(&format!("deleting EC2 route table ({id})"))
                .map(|_| ())
        })
        .await
    }
}

fn observe(t: &aws_sdk_ec2::types::RouteTable, prior: &Attrs) -> Observed {
    let routes: BTreeSet<Route> = t
        .routes()
        .iter()
        .filter(|r| {
            // AWS's own: the local route, a gateway endpoint's prefix-list
            // route, and routes VPN propagation adds (`propagating_vgws`).
            let endpoint = r.destination_prefix_list_id().is_some()
                && r.gateway_id().is_some_and(|g| g.starts_with("vpce-"));
            r.gateway_id() != Some("local")
                && !endpoint
                && r.origin() != Some(&RouteOrigin::EnableVgwRoutePropagation)
        })
        .filter_map(|r| {
            let (dest_key, cidr) = if let Some(c) = r.destination_cidr_block() {
                ("cidr_block", c)
            } else if let Some(c) = r.destination_ipv6_cidr_block() {
                ("ipv6_cidr_block", c)
            } else {
                (
                    "destination_prefix_list_id",
                    r.destination_prefix_list_id()?,
                )
            };
            let target = [
                r.nat_gateway_id(),
                r.vpc_peering_connection_id(),
                r.transit_gateway_id(),
                r.egress_only_internet_gateway_id(),
                r.instance_id(),
                r.network_interface_id(),
                r.carrier_gateway_id(),
                r.local_gateway_id(),
                r.core_network_arn(),
                r.gateway_id(),
            ];
            let (k, v) = TARGETS
                .iter()
                .zip(target)
                .find_map(|(k, v)| v.map(|v| (*k, v)))
                .unwrap_or((
                    "other_target",
                    r.ip_address().or(r.odb_network_arn()).unwrap_or("?"),
                ));
            Some(Route {
                dest_key: dest_key.into(),
                cidr: cidr.into(),
                target_key: k.into(),
                target: v.into(),
            })
        })
        .collect();
    let (subnets, gateways) = super::route_table_sets::associations(t);
    let vgws: Vec<String> = t
        .propagating_vgws()
        .iter()
        .filter_map(|v| v.gateway_id().map(str::to_string))
        .collect();
    let attrs = json!({
        "vpc_id": t.vpc_id(), "routes": routes_value(&routes), "tags": tags_value(t.tags()),
        "subnet_ids": attrs::owned_set(subnets, prior.get("subnet_ids")),
        "gateway_ids": attrs::sorted(gateways),
        "propagating_vgws": attrs::sorted(vgws),
    });
    Observed {
        attrs: obj(attrs),
        outputs: Attrs::new(),
    }
}

async fn add_route(
    ctx: &Ctx,
    ec2: &aws_sdk_ec2::Client,
    id: &str,
    r: &Route,
) -> Result<(), ResourceError> {
    transient::call(ctx, "ec2", "CreateRoute", || async {
        let req = ec2.create_route().route_table_id(id);
        let req = with_dest!(req, r);
        with_target!(req, r).send().await.ctx(&format!(
            "adding route {} to EC2 route table ({id})",
            r.cidr
        ))
    })
    .await?;
    Ok(())
}

/// One DescribeRouteTables call for EC2 route tables: by `ids` (reads) or
/// by `filters` (the search after an interrupted create); what it found, by
/// id.
async fn describe(
    ec2: &aws_sdk_ec2::Client,
    ids: Option<Vec<String>>,
    filters: Option<Vec<Filter>>,
    prior: &HashMap<String, Attrs>,
) -> Result<HashMap<String, Observed>, ResourceError> {
    let items = all_pages!(
        ec2.describe_route_tables()
            .set_route_table_ids(ids)
            .set_filters(filters),
        route_tables,
        "describing EC2 route tables"
    );
    Ok(items
        .iter()
        .map(|t| {
            (
                t.route_table_id().unwrap_or_default().to_string(),
                observe(
                    t,
                    prior
                        .get(t.route_table_id().unwrap_or_default())
                        .unwrap_or(&Attrs::new()),
                ),
            )
        })
        .collect())
}
