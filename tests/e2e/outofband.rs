//! Changes made behind hcprov's back through the SDK, shared by the drift
//! tests of every platform, and the drift report read as the set of
//! (address, attribute) pairs it names.

use std::collections::BTreeSet;

use serde_json::Value;

/// An AWS managed policy that grants much and denies nothing.
pub const READ_ONLY: &str = "arn:aws:iam::aws:policy/ReadOnlyAccess";

/// (address, attribute) of every drifted attribute in a `drift --json`.
pub fn drifted(r: &Value) -> BTreeSet<(String, String)> {
    r["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["status"] != "in_sync")
        .flat_map(|x| {
            let address = x["address"].as_str().unwrap().to_string();
            x["attributes"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(move |a| (address.clone(), a["name"].as_str().unwrap().to_string()))
        })
        .collect()
}

/// `pairs` as the set `drifted` answers.
pub fn pairs(list: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    list.iter()
        .map(|(a, n)| (a.to_string(), n.to_string()))
        .collect()
}

/// Attaches ReadOnlyAccess to `role`.
pub async fn attach_read_only(iam: &aws_sdk_iam::Client, role: &str) {
    iam.attach_role_policy()
        .role_name(role)
        .policy_arn(READ_ONLY)
        .send()
        .await
        .unwrap();
}

/// Lets another account invoke `function`, and reserves it one concurrent
/// execution (the API then serves one request at a time; moto drops 0).
pub async fn open_and_throttle(lambda: &aws_sdk_lambda::Client, function: &str) {
    lambda
        .add_permission()
        .function_name(function)
        .statement_id("AllowOtherAccount")
        .action("lambda:InvokeFunction")
        .principal("210987654321")
        .send()
        .await
        .unwrap();
    lambda
        .put_function_concurrency()
        .function_name(function)
        .reserved_concurrent_executions(1)
        .send()
        .await
        .unwrap();
}

/// The managed policies attached to `role` and its inline policies' names.
pub async fn role_policies(iam: &aws_sdk_iam::Client, role: &str) -> (Vec<String>, Vec<String>) {
    let attached = iam
        .list_attached_role_policies()
        .role_name(role)
        .send()
        .await
        .unwrap();
    let inline = iam
        .list_role_policies()
        .role_name(role)
        .send()
        .await
        .unwrap();
    (
        attached
            .attached_policies()
            .iter()
            .filter_map(|a| a.policy_arn().map(str::to_string))
            .collect(),
        inline.policy_names().to_vec(),
    )
}

/// Widens VPC `vpc` as someone might by hand: a secondary IPv4 range, an
/// Amazon IPv6 range with a /64 of it on `subnet` (which then gives new
/// interfaces IPv6 addresses), and a DHCP options set naming a DNS server
/// outside AWS.
pub async fn widen_vpc(ec2: &aws_sdk_ec2::Client, vpc: &str, subnet: &str) {
    ec2.associate_vpc_cidr_block()
        .vpc_id(vpc)
        .cidr_block("10.1.0.0/16")
        .send()
        .await
        .unwrap();
    let v6 = ec2
        .associate_vpc_cidr_block()
        .vpc_id(vpc)
        .amazon_provided_ipv6_cidr_block(true)
        .send()
        .await
        .unwrap();
    let range = v6
        .ipv6_cidr_block_association()
        .and_then(|a| a.ipv6_cidr_block())
        .unwrap()
        .to_string();
    let slash64 = range.replace("/56", "/64");
    ec2.associate_subnet_cidr_block()
        .subnet_id(subnet)
        .ipv6_cidr_block(slash64)
        .send()
        .await
        .unwrap();
    ec2.modify_subnet_attribute()
        .subnet_id(subnet)
        .assign_ipv6_address_on_creation(
            aws_sdk_ec2::types::AttributeBooleanValue::builder()
                .value(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let options = ec2
        .create_dhcp_options()
        .dhcp_configurations(
            aws_sdk_ec2::types::NewDhcpConfiguration::builder()
                .key("domain-name-servers")
                .values("203.0.113.53")
                .build(),
        )
        .send()
        .await
        .unwrap();
    ec2.associate_dhcp_options()
        .vpc_id(vpc)
        .dhcp_options_id(options.dhcp_options().unwrap().dhcp_options_id().unwrap())
        .send()
        .await
        .unwrap();
}

/// Publishes a version of `function`, names it with an alias, and gives
/// the function a URL with no authentication.
pub async fn expose(lambda: &aws_sdk_lambda::Client, function: &str) {
    let v = lambda
        .publish_version()
        .function_name(function)
        .send()
        .await
        .unwrap();
    lambda
        .create_alias()
        .function_name(function)
        .name("backdoor")
        .function_version(v.version().unwrap())
        .send()
        .await
        .unwrap();
    lambda
        .create_function_url_config()
        .function_name(function)
        .auth_type(aws_sdk_lambda::types::FunctionUrlAuthType::None)
        .send()
        .await
        .unwrap();
}

/// (published versions, aliases, has a URL) of `function`.
pub async fn exposed(lambda: &aws_sdk_lambda::Client, function: &str) -> (usize, usize, bool) {
    let versions = lambda
        .list_versions_by_function()
        .function_name(function)
        .send()
        .await
        .unwrap();
    let aliases = lambda
        .list_aliases()
        .function_name(function)
        .send()
        .await
        .unwrap();
    let url = lambda
        .get_function_url_config()
        .function_name(function)
        .send()
        .await;
    (
        versions
            .versions()
            .iter()
            .filter(|v| v.version() != Some("$LATEST"))
            .count(),
        aliases.aliases().len(),
        url.is_ok(),
    )
}
