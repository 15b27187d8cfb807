//! Who uses a route table: the subnets and gateways associated with it and
//! the virtual private gateways propagating routes into it. The stack's
//! `ec2_route_table_association` nodes declare `subnet_ids`; a subnet
//! someone else put on the table (a private subnet moved onto the public
//! table is exposed at once), an edge association of a gateway, or a VPN
//! propagating routes is drift, and apply undoes it.

use aws_sdk_ec2::types::RouteTable;
use aws_sdk_ec2::Client;

use crate::aws::attrs;
use crate::aws::error::{ignore_not_found, SdkResultExt};
use crate::engine::resource::ResourceError;
use crate::engine::value::Attrs;

/// The subnets and gateways associated with `t` (its main association,
/// which no subnet names, is not counted).
pub fn associations(t: &RouteTable) -> (Vec<String>, Vec<String>) {
    let mut subnets = vec![];
    let mut gateways = vec![];
    for a in t.associations() {
        let live = a
            .association_state()
            .and_then(|s| s.state())
            .is_none_or(|s| s.as_str() == "associated" || s.as_str() == "associating");
        if !live {
            continue;
        }
        if let Some(s) = a.subnet_id() {
            subnets.push(s.to_string());
        } else if let Some(g) = a.gateway_id() {
            gateways.push(g.to_string());
        }
    }
    (subnets, gateways)
}

/// Disassociates the subnets and gateways and stops the propagation `from`
/// holds beyond `to`.
pub async fn remove_extras(
    ec2: &Client,
    id: &str,
    from: &Attrs,
    to: &Attrs,
) -> Result<(), ResourceError> {
    let (subnets, gateways) = (
        attrs::extras(from, to, "subnet_ids"),
        attrs::extras(from, to, "gateway_ids"),
    );
    if !subnets.is_empty() || !gateways.is_empty() {
        let out = ec2
            .describe_route_tables()
            .route_table_ids(id)
            .send()
            .await
            .ctx(&format!(
                "reading the associations of EC2 route table ({id})"
            ))?;
        for t in out.route_tables() {
            for a in t.associations() {
                let extra = a
                    .subnet_id()
                    .is_some_and(|s| subnets.iter().any(|x| x == s))
                    || a.gateway_id()
                        .is_some_and(|g| gateways.iter().any(|x| x == g));
                let Some(assoc) = a.route_table_association_id().filter(|_| extra) else {
                    continue;
                };
                let r = ec2
                    .disassociate_route_table()
                    .association_id(assoc)
                    .send()
                    .await
                    .ctx(&format!(
                        "disassociating {assoc}, made outside hcprov, from EC2 route table ({id})"
                    ));
                ignore_not_found(r.map(|_| ()))?;
            }
        }
    }
    for vgw in attrs::extras(from, to, "propagating_vgws") {
        let r = ec2
            .disable_vgw_route_propagation()
            .route_table_id(id)
            .gateway_id(&vgw)
            .send()
            .await
            .ctx(&format!(
                "stopping route propagation from {vgw} into EC2 route table ({id})"
            ));
        ignore_not_found(r.map(|_| ()))?;
    }
    Ok(())
}
