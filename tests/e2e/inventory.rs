//! What exists in the emulator, listed through the SDK (never from hcprov's
//! state): the objects carrying the `hcprov:address` tag, plus the IAM, KMS
//! and log objects named for the environment.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::Filter;

use super::harness::Moto;

/// Kind → address tag (or name) of each live object.
pub type Inventory = BTreeMap<&'static str, Vec<String>>;

fn tagged() -> Filter {
    Filter::builder()
        .name("tag-key")
        .values("hcprov:address")
        .build()
}

fn address(tags: &[aws_sdk_ec2::types::Tag]) -> String {
    tags.iter()
        .find(|t| t.key() == Some("hcprov:address"))
        .and_then(|t| t.value())
        .unwrap_or("?")
        .to_string()
}

/// Lists every object of the networking + IAM + KMS slice for `env`.
pub async fn slice(moto: &Moto, env: &str) -> Inventory {
    let sdk = moto.sdk().await;
    let ec2 = aws_sdk_ec2::Client::new(&sdk);
    let mut inv = Inventory::new();
    let vpcs = ec2.describe_vpcs().filters(tagged()).send().await.unwrap();
    inv.insert(
        "ec2_vpc",
        vpcs.vpcs().iter().map(|v| address(v.tags())).collect(),
    );
    let subnets = ec2
        .describe_subnets()
        .filters(tagged())
        .send()
        .await
        .unwrap();
    inv.insert(
        "ec2_subnet",
        subnets
            .subnets()
            .iter()
            .map(|v| address(v.tags()))
            .collect(),
    );
    let igws = ec2
        .describe_internet_gateways()
        .filters(tagged())
        .send()
        .await
        .unwrap();
    inv.insert(
        "ec2_internet_gateway",
        igws.internet_gateways()
            .iter()
            .map(|v| address(v.tags()))
            .collect(),
    );
    let eips = ec2
        .describe_addresses()
        .filters(tagged())
        .send()
        .await
        .unwrap();
    inv.insert(
        "ec2_eip",
        eips.addresses().iter().map(|v| address(v.tags())).collect(),
    );
    let nats = ec2
        .describe_nat_gateways()
        .filter(tagged())
        .send()
        .await
        .unwrap();
    inv.insert(
        "ec2_nat_gateway",
        nats.nat_gateways()
            .iter()
            .filter(|n| n.state().map(|s| s.as_str()) != Some("deleted"))
            .map(|v| address(v.tags()))
            .collect(),
    );
    let rts = ec2
        .describe_route_tables()
        .filters(tagged())
        .send()
        .await
        .unwrap();
    inv.insert(
        "ec2_route_table",
        rts.route_tables()
            .iter()
            .map(|v| address(v.tags()))
            .collect(),
    );
    inv.insert(
        "ec2_route_table_association",
        rts.route_tables()
            .iter()
            .flat_map(|t| t.associations())
            .filter(|a| a.main() != Some(true))
            .map(|a| {
                a.route_table_association_id()
                    .unwrap_or_default()
                    .to_string()
            })
            .collect(),
    );
    let eps = ec2
        .describe_vpc_endpoints()
        .filters(tagged())
        .send()
        .await
        .unwrap();
    inv.insert(
        "ec2_vpc_endpoint",
        eps.vpc_endpoints()
            .iter()
            .filter(|e| {
                !matches!(
                    e.state()
                        .map(|s| s.as_str().to_ascii_lowercase())
                        .as_deref(),
                    Some("deleted" | "deleting")
                )
            })
            .map(|v| address(v.tags()))
            .collect(),
    );
    let sgs = ec2
        .describe_security_groups()
        .filters(tagged())
        .send()
        .await
        .unwrap();
    inv.insert(
        "ec2_security_group",
        sgs.security_groups()
            .iter()
            .map(|v| address(v.tags()))
            .collect(),
    );
    let fls = ec2
        .describe_flow_logs()
        .filter(tagged())
        .send()
        .await
        .unwrap();
    inv.insert(
        "ec2_flow_log",
        fls.flow_logs().iter().map(|v| address(v.tags())).collect(),
    );

    let logs = aws_sdk_cloudwatchlogs::Client::new(&sdk);
    let groups = logs
        .describe_log_groups()
        .log_group_name_prefix(format!("/aws/vpc/healthcare-{env}"))
        .send()
        .await
        .unwrap();
    inv.insert(
        "logs_log_group",
        groups
            .log_groups()
            .iter()
            .filter_map(|g| g.log_group_name().map(str::to_string))
            .collect(),
    );

    let iam = aws_sdk_iam::Client::new(&sdk);
    let roles: Vec<String> = iam
        .list_roles()
        .send()
        .await
        .unwrap()
        .roles()
        .iter()
        .map(|r| r.role_name().to_string())
        .filter(|n| n.starts_with("healthcare-") && n.ends_with(&format!("-{env}")))
        .collect();
    let (mut attached, mut inline) = (vec![], vec![]);
    for r in &roles {
        let a = iam
            .list_attached_role_policies()
            .role_name(r)
            .send()
            .await
            .unwrap();
        attached.extend(
            a.attached_policies()
                .iter()
                .map(|p| format!("{r}/{}", p.policy_arn().unwrap_or_default())),
        );
        let i = iam.list_role_policies().role_name(r).send().await.unwrap();
        inline.extend(i.policy_names().iter().map(|p| format!("{r}:{p}")));
    }
    inv.insert("iam_role", roles);
    inv.insert("iam_role_policy_attachment", attached);
    inv.insert("iam_role_policy", inline);

    let kms = aws_sdk_kms::Client::new(&sdk);
    let mut keys = vec![];
    for k in kms.list_keys().send().await.unwrap().keys() {
        let d = kms
            .describe_key()
            .key_id(k.key_id().unwrap())
            .send()
            .await
            .unwrap();
        let m = d.key_metadata().unwrap();
        let live = m.key_state().map(|s| s.as_str()) == Some("Enabled");
        if live
            && m.description()
                .is_some_and(|d| d.ends_with(&format!("- {env}")))
        {
            keys.push(m.key_id().to_string());
        }
    }
    inv.insert("kms_key", keys);
    let aliases = kms.list_aliases().send().await.unwrap();
    inv.insert(
        "kms_alias",
        aliases
            .aliases()
            .iter()
            .filter_map(|a| a.alias_name())
            .filter(|n| *n == format!("alias/healthcare-{env}"))
            .map(str::to_string)
            .collect(),
    );
    inv
}

/// Number of objects per kind.
pub fn counts(inv: &Inventory) -> BTreeMap<&'static str, usize> {
    inv.iter().map(|(k, v)| (*k, v.len())).collect()
}
