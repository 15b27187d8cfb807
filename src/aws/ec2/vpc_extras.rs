//! The VPC settings beyond its primary CIDR and DNS switches that change
//! what it exposes: address ranges associated later (a secondary IPv4
//! range, an IPv6 range whose addresses bypass the NAT), an encryption
//! control, and the DHCP options that name the DNS servers every ENI uses.
//! hcprov makes none of them, so each is held at AWS's default: what
//! someone adds is drift, and apply takes it off again.

use aws_sdk_ec2::types::Vpc;
use aws_sdk_ec2::Client;
use serde_json::{json, Value};

use crate::aws::attrs;
use crate::aws::error::{ignore_not_found, SdkResultExt};
use crate::engine::resource::ResourceError;
use crate::engine::value::Attrs;

/// The DNS servers of a VPC with no DHCP options of its own.
const AMAZON_DNS: &str = "AmazonProvidedDNS";

fn associated(state: Option<&str>) -> bool {
    matches!(state, Some("associated" | "associating") | None)
}

/// The observed extras of `vpc`: `secondary_cidr_blocks`,
/// `ipv6_cidr_blocks`, `encryption_control_mode` and
/// `domain_name_servers` (one DescribeDhcpOptions when the VPC has an
/// options set).
pub async fn observe(ec2: &Client, vpc: &Vpc) -> Result<Value, ResourceError> {
    let secondary: Vec<String> = vpc
        .cidr_block_association_set()
        .iter()
        .filter(|a| {
            associated(
                a.cidr_block_state()
                    .and_then(|s| s.state())
                    .map(|s| s.as_str()),
            )
        })
        .filter_map(|a| a.cidr_block())
        .filter(|c| Some(*c) != vpc.cidr_block())
        .map(str::to_string)
        .collect();
    let ipv6: Vec<String> = vpc
        .ipv6_cidr_block_association_set()
        .iter()
        .filter(|a| {
            associated(
                a.ipv6_cidr_block_state()
                    .and_then(|s| s.state())
                    .map(|s| s.as_str()),
            )
        })
        .filter_map(|a| a.ipv6_cidr_block().map(str::to_string))
        .collect();
    let mode = vpc
        .encryption_control()
        .and_then(|c| c.mode())
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "none".into());
    Ok(json!({
        "secondary_cidr_blocks": attrs::sorted(secondary),
        "ipv6_cidr_blocks": attrs::sorted(ipv6),
        "encryption_control_mode": mode,
        "domain_name_servers": dns_servers(ec2, vpc.dhcp_options_id()).await?,
    }))
}

/// The DNS servers the DHCP options set `id` hands out.
async fn dns_servers(ec2: &Client, id: Option<&str>) -> Result<Value, ResourceError> {
    let Some(id) = id.filter(|i| *i != "default") else {
        return Ok(json!([AMAZON_DNS]));
    };
    let out = ec2
        .describe_dhcp_options()
        .dhcp_options_ids(id)
        .send()
        .await
        .ctx(&format!("reading the DHCP options ({id})"))?;
    let servers: Vec<String> = out
        .dhcp_options()
        .iter()
        .flat_map(|o| o.dhcp_configurations())
        .filter(|c| c.key() == Some("domain-name-servers"))
        .flat_map(|c| c.values())
        .filter_map(|v| v.value().map(str::to_string))
        .collect();
    Ok(if servers.is_empty() {
        json!([AMAZON_DNS])
    } else {
        Value::Array(servers.into_iter().map(Value::String).collect())
    })
}

/// Takes off VPC `id` what `from` (live) holds beyond `to` (desired).
pub async fn restore(
    ec2: &Client,
    id: &str,
    from: &Attrs,
    to: &Attrs,
) -> Result<(), ResourceError> {
    let differs = |k: &str| from.get(k) != to.get(k);
    if differs("secondary_cidr_blocks")
        || differs("ipv6_cidr_blocks")
        || differs("encryption_control_mode")
    {
        let out = ec2
            .describe_vpcs()
            .vpc_ids(id)
            .send()
            .await
            .ctx(&format!("reading EC2 VPC ({id})"))?;
        let want: Vec<String> = attrs::strs(to, "secondary_cidr_blocks")
            .into_iter()
            .chain(attrs::strs(to, "ipv6_cidr_blocks"))
            .collect();
        for vpc in out.vpcs() {
            let extra = vpc
                .cidr_block_association_set()
                .iter()
                .filter(|a| a.cidr_block() != vpc.cidr_block())
                .map(|a| (a.association_id(), a.cidr_block()))
                .chain(
                    vpc.ipv6_cidr_block_association_set()
                        .iter()
                        .map(|a| (a.association_id(), a.ipv6_cidr_block())),
                )
                .filter(|(_, c)| c.is_some_and(|c| !want.iter().any(|w| w == c)));
            for (assoc, cidr) in extra {
                let Some(assoc) = assoc else { continue };
                let r = ec2
                    .disassociate_vpc_cidr_block()
                    .association_id(assoc)
                    .send()
                    .await
                    .ctx(&format!(
                        "removing {}, associated outside hcprov, from EC2 VPC ({id})",
                        cidr.unwrap_or_default()
                    ));
                ignore_not_found(r.map(|_| ()))?;
            }
            let control = vpc
                .encryption_control()
                .and_then(|c| c.vpc_encryption_control_id());
            if let Some(control) =
                control.filter(|_| attrs::opt_str(to, "encryption_control_mode") == Some("none"))
            {
                let r = ec2
                    .delete_vpc_encryption_control()
                    .vpc_encryption_control_id(control)
                    .send()
                    .await
                    .ctx(&format!(
                        "deleting the encryption control made outside hcprov on EC2 VPC ({id})"
                    ));
                ignore_not_found(r.map(|_| ()))?;
            }
        }
    }
    if differs("domain_name_servers") && attrs::strs(to, "domain_name_servers") == [AMAZON_DNS] {
        ec2.associate_dhcp_options()
            .vpc_id(id)
            .dhcp_options_id("default")
            .send()
            .await
            .ctx(&format!(
                "putting EC2 VPC ({id}) back on Amazon's DNS servers (DHCP options `default`)"
            ))?;
    }
    Ok(())
}
