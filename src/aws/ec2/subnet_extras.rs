//! The subnet settings hcprov holds at AWS's defaults: IPv6 (a range, and
//! addresses on launch: IPv6 bypasses the NAT), DNS64, and the private DNS
//! names of what launches in it. What someone changes is drift, and apply
//! puts it back.

use aws_sdk_ec2::types::{AttributeBooleanValue, HostnameType, Subnet};
use aws_sdk_ec2::Client;
use serde_json::{json, Value};

use crate::aws::attrs;
use crate::aws::error::SdkResultExt;
use crate::engine::resource::ResourceError;
use crate::engine::value::Attrs;

/// The boolean settings, each changed by its own ModifySubnetAttribute.
const SWITCHES: [&str; 4] = [
    "assign_ipv6_address_on_creation",
    "enable_dns64",
    "enable_resource_name_dns_a_record_on_launch",
    "enable_resource_name_dns_aaaa_record_on_launch",
];

/// The observed settings of `s`.
pub fn observe(s: &Subnet) -> Value {
    let dns = s.private_dns_name_options_on_launch();
    let ipv6: Vec<String> = s
        .ipv6_cidr_block_association_set()
        .iter()
        .filter(|a| super::vpc_extras::subnet_range_held(a))
        .filter_map(|a| a.ipv6_cidr_block().map(str::to_string))
        .collect();
    json!({
        "assign_ipv6_address_on_creation": s.assign_ipv6_address_on_creation().unwrap_or(false),
        "ipv6_cidr_blocks": attrs::sorted(ipv6),
        "enable_dns64": s.enable_dns64().unwrap_or(false),
        "private_dns_hostname_type_on_launch": dns.and_then(|d| d.hostname_type()).map_or("ip-name", |h| h.as_str()),
        "enable_resource_name_dns_a_record_on_launch": dns.and_then(|d| d.enable_resource_name_dns_a_record()).unwrap_or(false),
        "enable_resource_name_dns_aaaa_record_on_launch": dns.and_then(|d| d.enable_resource_name_dns_aaaa_record()).unwrap_or(false),
    })
}

/// Puts back on subnet `id` every setting where `from` (live) differs
/// from `to` (desired).
pub async fn restore(
    ec2: &Client,
    id: &str,
    from: &Attrs,
    to: &Attrs,
) -> Result<(), ResourceError> {
    let what = |k: &str| format!("setting {k} on EC2 subnet ({id})");
    for k in SWITCHES {
        let Some(on) = to.get(k).and_then(Value::as_bool) else {
            continue;
        };
        if from.get(k).and_then(Value::as_bool) == Some(on) {
            continue;
        }
        let v = AttributeBooleanValue::builder().value(on).build();
        let req = ec2.modify_subnet_attribute().subnet_id(id);
        let req = match k {
            "assign_ipv6_address_on_creation" => req.assign_ipv6_address_on_creation(v),
            "enable_dns64" => req.enable_dns64(v),
            "enable_resource_name_dns_a_record_on_launch" => {
                req.enable_resource_name_dns_a_record_on_launch(v)
            }
            _ => req.enable_resource_name_dns_aaaa_record_on_launch(v),
        };
        req.send().await.ctx(&what(k))?;
    }
    let k = "private_dns_hostname_type_on_launch";
    if let Some(t) = attrs::opt_str(to, k).filter(|t| attrs::opt_str(from, k) != Some(*t)) {
        ec2.modify_subnet_attribute()
            .subnet_id(id)
            .private_dns_hostname_type_on_launch(HostnameType::from(t))
            .send()
            .await
            .ctx(&what(k))?;
    }
    let want = attrs::strs(to, "ipv6_cidr_blocks");
    if to.contains_key("ipv6_cidr_blocks") && attrs::strs(from, "ipv6_cidr_blocks") != want {
        let out = ec2
            .describe_subnets()
            .subnet_ids(id)
            .send()
            .await
            .ctx(&format!("reading EC2 subnet ({id})"))?;
        for a in out
            .subnets()
            .iter()
            .flat_map(|s| s.ipv6_cidr_block_association_set())
        {
            let extra = super::vpc_extras::subnet_range_held(a)
                && a.ipv6_cidr_block()
                    .is_some_and(|c| !want.iter().any(|w| w == c));
            let Some(assoc) = a.association_id().filter(|_| extra) else {
                continue;
            };
            super::vpc_extras::unlink_subnet_range(
                ec2,
                assoc,
                &format!("removing an IPv6 range associated outside hcprov from EC2 subnet ({id})"),
            )
            .await?;
        }
    }
    Ok(())
}
