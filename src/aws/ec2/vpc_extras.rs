//! The VPC settings beyond its primary CIDR and DNS switches that change
//! what it exposes: address ranges associated later (a secondary IPv4
//! range, an IPv6 range whose addresses bypass the NAT), an encryption
//! control, and the DHCP options that name the DNS servers every ENI uses.
//! hcprov makes none of them, so each is held at AWS's default: what
//! someone adds is drift, and apply takes it off again.

use std::time::Duration;

use aws_sdk_ec2::types::{AttributeBooleanValue, Filter, Subnet, Vpc};
use aws_sdk_ec2::Client;
use serde_json::{json, Value};

use crate::aws::attrs;
use crate::aws::error::{ignore_not_found, SdkResultExt};
use crate::engine::resource::{Ctx, ResourceError};
use crate::engine::retry::{wait_until, Poll, Waiter};
use crate::engine::value::Attrs;

/// The DNS servers of a VPC with no DHCP options of its own.
const AMAZON_DNS: &str = "AmazonProvidedDNS";

/// Whether an encryption control is being or has been deleted (one
/// that failed to delete is still there, and apply tries again).
fn going(c: &aws_sdk_ec2::types::VpcEncryptionControl) -> bool {
    c.state()
        .is_some_and(|s| matches!(s.as_str(), "deleting" | "deleted"))
}

/// Whether an address range association in `state` is in use or on its
/// way: every state but those of one going or gone (an allow-list would
/// miss a state AWS adds, or spells oddly: moto 5.1.22 answers a subnet's
/// as `{'State': 'associated'}`).
pub(super) fn held(state: Option<&str>) -> bool {
    !matches!(
        state,
        Some("disassociating" | "disassociated" | "failing" | "failed")
    )
}

/// An address range associated with a VPC after its primary one.
struct Range<'a> {
    assoc: &'a str,
    cidr: &'a str,
    v6: bool,
}

/// The ranges `vpc` holds (see `held`) beyond its primary IPv4 range.
fn ranges(vpc: &Vpc) -> Vec<Range<'_>> {
    let ipv4 = vpc
        .cidr_block_association_set()
        .iter()
        .filter(|a| {
            held(
                a.cidr_block_state()
                    .and_then(|s| s.state())
                    .map(|s| s.as_str()),
            )
        })
        .filter(|a| a.cidr_block() != vpc.cidr_block())
        .filter_map(|a| Some((a.association_id()?, a.cidr_block()?, false)));
    let ipv6 = vpc
        .ipv6_cidr_block_association_set()
        .iter()
        .filter(|a| {
            held(
                a.ipv6_cidr_block_state()
                    .and_then(|s| s.state())
                    .map(|s| s.as_str()),
            )
        })
        .filter_map(|a| Some((a.association_id()?, a.ipv6_cidr_block()?, true)));
    ipv4.chain(ipv6)
        .map(|(assoc, cidr, v6)| Range { assoc, cidr, v6 })
        .collect()
}

/// The observed extras of `vpc`: `secondary_cidr_blocks`,
/// `ipv6_cidr_blocks`, `encryption_control_mode` and
/// `domain_name_servers` (one DescribeDhcpOptions when the VPC has an
/// options set).
pub async fn observe(ec2: &Client, vpc: &Vpc) -> Result<Value, ResourceError> {
    let held = ranges(vpc);
    let of = |v6: bool| -> Vec<String> {
        held.iter()
            .filter(|r| r.v6 == v6)
            .map(|r| r.cidr.to_string())
            .collect()
    };
    let (secondary, ipv6) = (of(false), of(true));
    let mode = vpc
        .encryption_control()
        .filter(|c| !going(c))
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
/// A range still used by a subnet cannot go (AWS refuses): subnets'
/// IPv6 ranges inside it go first; a secondary IPv4 range with subnets in
/// it stays, and the error names it.
pub async fn restore(
    ctx: &Ctx,
    ec2: &Client,
    region: &str,
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
            let extra: Vec<_> = ranges(vpc)
                .into_iter()
                .filter(|r| !want.iter().any(|w| w == r.cidr))
                .collect();
            for Range { assoc, cidr, v6 } in extra {
                if v6 {
                    drop_subnet_ipv6(ctx, ec2, id, cidr).await?;
                }
                let r = ec2
                    .disassociate_vpc_cidr_block()
                    .association_id(assoc)
                    .send()
                    .await
                    .ctx(&format!(
                        "removing {cidr}, associated outside hcprov, from EC2 VPC ({id}) (a range subnets still use stays until they go)"
                    ));
                ignore_not_found(r.map(|_| ()))?;
            }
            let control = vpc
                .encryption_control()
                .filter(|c| !going(c))
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
        amazon_dns(ec2, id, region).await?;
    }
    Ok(())
}

/// Waiting for subnets' IPv6 ranges to finish disassociating (AWS keeps
/// the VPC's range until they have).
const SUBNET_IPV6_GONE: Waiter = Waiter {
    name: "subnets' IPv6 ranges to be disassociated",
    timeout: Duration::from_secs(300),
    interval: Duration::from_secs(3),
};

/// Takes the IPv6 ranges off the VPC's subnets before the VPC's own goes
/// (AWS keeps a VPC range while a subnet uses it). hcprov declares no IPv6
/// range anywhere, so every subnet's goes: first the subnet stops giving
/// new interfaces IPv6 addresses (AWS refuses the removal while it does),
/// then its ranges go, then this waits until they are gone.
async fn drop_subnet_ipv6(
    ctx: &Ctx,
    ec2: &Client,
    vpc: &str,
    cidr: &str,
) -> Result<(), ResourceError> {
    let what = format!("removing the IPv6 ranges of {cidr} from the subnets of EC2 VPC ({vpc})");
    for s in subnets(ec2, vpc).await? {
        let sid = s.subnet_id().unwrap_or_default();
        if s.assign_ipv6_address_on_creation() == Some(true) {
            ec2.modify_subnet_attribute()
                .subnet_id(sid)
                .assign_ipv6_address_on_creation(
                    AttributeBooleanValue::builder().value(false).build(),
                )
                .send()
                .await
                .ctx(&what)?;
        }
        for a in s.ipv6_cidr_block_association_set() {
            if !subnet_range_held(a) {
                continue;
            }
            let Some(assoc) = a.association_id() else {
                continue;
            };
            unlink_subnet_range(
                ec2,
                assoc,
                &format!("{what} (an interface still holding an IPv6 address keeps it)"),
            )
            .await?;
        }
    }
    wait_until(ctx, &SUBNET_IPV6_GONE, || async {
        let busy = subnets(ec2, vpc)
            .await?
            .iter()
            .flat_map(|s| s.ipv6_cidr_block_association_set())
            .filter(|a| !matches!(ipv6_state(a), Some("disassociated" | "failed")))
            .count();
        Ok(if busy == 0 {
            Poll::Ready(())
        } else {
            Poll::Pending(format!("{busy} still associated"))
        })
    })
    .await
}

/// Disassociates a subnet's IPv6 range; one already gone is fine.
pub(super) async fn unlink_subnet_range(
    ec2: &Client,
    assoc: &str,
    what: &str,
) -> Result<(), ResourceError> {
    let r = ec2
        .disassociate_subnet_cidr_block()
        .association_id(assoc)
        .send()
        .await
        .ctx(what);
    ignore_not_found(r.map(|_| ()))
}

/// Whether a subnet's IPv6 range is in use or on its way (see `held`).
pub(super) fn subnet_range_held(a: &aws_sdk_ec2::types::SubnetIpv6CidrBlockAssociation) -> bool {
    held(ipv6_state(a))
}

fn ipv6_state(a: &aws_sdk_ec2::types::SubnetIpv6CidrBlockAssociation) -> Option<&str> {
    a.ipv6_cidr_block_state()
        .and_then(|s| s.state())
        .map(|s| s.as_str())
}

async fn subnets(ec2: &Client, vpc: &str) -> Result<Vec<Subnet>, ResourceError> {
    let out = ec2
        .describe_subnets()
        .filters(Filter::builder().name("vpc-id").values(vpc).build())
        .send()
        .await
        .ctx(&format!("reading the subnets of EC2 VPC ({vpc})"))?;
    Ok(out.subnets().to_vec())
}

/// Puts VPC `id` on a DHCP options set like the one AWS gives a new VPC:
/// Amazon's DNS servers and the region's internal domain name. An
/// existing such set (the region's default) is reused; one is made only
/// when none is left. (The `default` id would leave the VPC with no
/// options at all.)
async fn amazon_dns(ec2: &Client, id: &str, region: &str) -> Result<(), ResourceError> {
    let what = format!("putting EC2 VPC ({id}) back on Amazon's DNS servers");
    let domain = if region == "us-east-1" {
        "ec2.internal".to_string()
    } else {
        format!("{region}.compute.internal")
    };
    let config = |k: &str, v: &str| {
        aws_sdk_ec2::types::NewDhcpConfiguration::builder()
            .key(k)
            .values(v)
            .build()
    };
    if let Some(options) = amazon_set(ec2, &domain).await? {
        ec2.associate_dhcp_options()
            .vpc_id(id)
            .dhcp_options_id(options)
            .send()
            .await
            .ctx(&what)?;
        return Ok(());
    }
    let made = ec2
        .create_dhcp_options()
        .dhcp_configurations(config("domain-name-servers", AMAZON_DNS))
        .dhcp_configurations(config("domain-name", &domain))
        .send()
        .await
        .ctx(&what)?;
    let options = made
        .dhcp_options()
        .and_then(|o| o.dhcp_options_id())
        .unwrap_or_default();
    ec2.associate_dhcp_options()
        .vpc_id(id)
        .dhcp_options_id(options)
        .send()
        .await
        .ctx(&what)?;
    Ok(())
}

/// An existing DHCP options set holding exactly Amazon's DNS servers and
/// `domain`, the region's internal domain name.
async fn amazon_set(ec2: &Client, domain: &str) -> Result<Option<String>, ResourceError> {
    let mut pages = ec2.describe_dhcp_options().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.ctx("reading the region's DHCP options sets")?;
        for o in page.dhcp_options() {
            let mut keys: Vec<(&str, Vec<&str>)> = o
                .dhcp_configurations()
                .iter()
                .map(|c| {
                    (
                        c.key().unwrap_or_default(),
                        c.values().iter().filter_map(|v| v.value()).collect(),
                    )
                })
                .collect();
            keys.sort();
            if keys
                == [
                    ("domain-name", vec![domain]),
                    ("domain-name-servers", vec![AMAZON_DNS]),
                ]
            {
                return Ok(o.dhcp_options_id().map(str::to_string));
            }
        }
    }
    Ok(None)
}
