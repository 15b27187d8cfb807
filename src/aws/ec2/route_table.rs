//! EC2 route table with inline routes (as Terraform's `route` blocks), tags.
//! Routes are compared as a set; the `local` route and routes that gateway
//! VPC endpoints add (prefix lists) belong to AWS and are ignored.

use std::collections::BTreeSet;
use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_ec2::types::{Filter, ResourceType as Ec2Type};
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

/// One route: destination CIDR and one target.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Route {
    cidr: String,
    target_key: String,
    target: String,
}

/// Route targets hcprov manages, as attribute keys.
const TARGETS: &[&str] = &["gateway_id", "nat_gateway_id", "vpc_peering_connection_id"];

/// Sets `r`'s target on a CreateRoute or ReplaceRoute request.
macro_rules! with_target {
    ($req:expr, $r:expr) => {
        match $r.target_key.as_str() {
            "nat_gateway_id" => $req.nat_gateway_id(&$r.target),
            "vpc_peering_connection_id" => $req.vpc_peering_connection_id(&$r.target),
            _ => $req.gateway_id(&$r.target),
        }
    };
}

fn routes_of(a: &Attrs) -> BTreeSet<Route> {
    a.get("routes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|r| {
            let cidr = r.get("cidr_block")?.as_str()?.to_string();
            let (k, t) = TARGETS.iter().find_map(|k| {
                r.get(*k)
                    .and_then(Value::as_str)
                    .map(|t| (k.to_string(), t.to_string()))
            })?;
            Some(Route {
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
            .map(|r| json!({ "cidr_block": r.cidr, r.target_key.as_str(): r.target }))
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
        let (old, new) = (routes_of(from), routes_of(to));
        for r in old.difference(&new) {
            if new.iter().any(|n| n.cidr == r.cidr) {
                continue; // replaced below
            }
            let res = ec2
                .delete_route()
                .route_table_id(id)
                .destination_cidr_block(&r.cidr)
                .send()
                .await
                .ctx(&format!(
                    "deleting route {} from EC2 route table ({id})",
                    r.cidr
                ));
            ignore_not_found(res.map(|_| ()))?;
        }
        for r in new.difference(&old) {
            if old.iter().any(|o| o.cidr == r.cidr) {
                let req = ec2
                    .replace_route()
                    .route_table_id(id)
                    .destination_cidr_block(&r.cidr);
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

fn observe(t: &aws_sdk_ec2::types::RouteTable) -> Observed {
    let routes: BTreeSet<Route> = t
        .routes()
        .iter()
        .filter(|r| r.destination_prefix_list_id().is_none() && r.gateway_id() != Some("local"))
        .filter_map(|r| {
            let cidr = r.destination_cidr_block()?.to_string();
            let (k, v) = if let Some(n) = r.nat_gateway_id() {
                ("nat_gateway_id", n)
            } else if let Some(p) = r.vpc_peering_connection_id() {
                ("vpc_peering_connection_id", p)
            } else {
                ("gateway_id", r.gateway_id()?)
            };
            Some(Route {
                cidr,
                target_key: k.into(),
                target: v.into(),
            })
        })
        .collect();
    let attrs = json!({ "vpc_id": t.vpc_id(), "routes": routes_value(&routes), "tags": tags_value(t.tags()) });
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
        let req = ec2
            .create_route()
            .route_table_id(id)
            .destination_cidr_block(&r.cidr);
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
                observe(t),
            )
        })
        .collect())
}
