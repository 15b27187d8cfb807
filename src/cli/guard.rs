//! Which planned changes need a person's yes: deletes and replacements,
//! and the in-place updates that lose data or protection (point-in-time
//! recovery or rotation turned off, versioning suspended, retention cut,
//! public access unblocked, a key policy rewritten, a trail stopped), among
//! them putting back a default over a protection someone added outside
//! hcprov (an activity stream, a vault lock, a log masking policy).

use serde_json::Value;

use crate::engine::plan::{Action, AttrChange, Change, Plan};

/// True when this attribute change of a `kind` loses data or protection.
pub fn weakens(kind: &str, c: &AttrChange) -> bool {
    let after = c.after.as_ref().unwrap_or(&Value::Null);
    let before = c.before.as_ref().unwrap_or(&Value::Null);
    let num = |v: &Value| v.as_i64();
    match (kind, c.name.as_str()) {
        ("dynamodb_table", "point_in_time_recovery")
        | ("kms_key", "enable_key_rotation")
        | ("kms_key", "enabled")
        | ("cloudtrail_trail", "enable_logging")
        | ("cloudtrail_trail", "enable_log_file_validation")
        | ("cloudtrail_trail", "is_multi_region_trail") => after == &Value::Bool(false),
        ("s3_bucket_public_access_block", _)
        | ("rds_cluster", "deletion_protection")
        | ("dynamodb_table", "deletion_protection")
        | ("dynamodb_table", "disassociation_protection")
        | ("kms_key", "protects_final_snapshots")
        | ("rds_cluster", "final_snapshot")
        | ("rds_cluster", "manage_master_user_password")
        | ("elasticache_replication_group", "automatic_failover")
        | ("elasticache_replication_group", "multi_az") => after == &Value::Bool(false),
        ("rds_cluster", "backup_retention_period")
        | ("elasticache_replication_group", "snapshot_retention_limit") => {
            matches!((num(before), num(after)), (Some(b), Some(a)) if a < b)
        }
        ("apigatewayv2_stage", "access_log_settings")
        | ("apigateway_stage", "access_log_settings")
        | ("apigatewayv2_domain_name", "mutual_tls_authentication")
        | ("rds_cluster", "activity_stream")
        | ("rds_cluster", "global_cluster_identifier")
        | ("backup_vault", "lock")
        | ("lambda_function", "kms_key_arn")
        | ("cloudtrail_trail", "cloud_watch_logs_log_group_arn") => after.is_null(),
        // Protections someone added that the stack does not declare: apply
        // takes them off only with a person's yes.
        ("logs_log_group", "data_protection")
        | ("logs_log_group", "deletion_protection_enabled") => after == &Value::Bool(false),
        ("elasticache_replication_group", "log_delivery") => {
            after.as_array().is_some_and(|a| a.is_empty())
        }
        ("ec2_vpc", "encryption_control_mode") => after == &Value::String("none".into()),
        ("sns_topic", "signature_version") => after == &Value::String("1".into()),
        ("apigateway_stage", "method_settings")
        | ("apigateway_rest_api", "security_policy")
        | ("cloudtrail_trail", "event_selectors")
        | ("sns_topic", "policy")
        | ("rds_cluster", "db_cluster_parameter_group_name")
        | ("rds_cluster_instance", "db_parameter_group_name")
        // Address ranges taken off (IPv6 leaves every subnet too) and the
        // DNS servers every interface uses.
        | ("ec2_vpc", "secondary_cidr_blocks")
        | ("ec2_vpc", "ipv6_cidr_blocks")
        | ("ec2_vpc", "domain_name_servers") => true,
        ("elasticache_replication_group", "transit_encryption_mode") => {
            after != &Value::String("required".into())
        }
        ("rds_cluster", "http_endpoint_enabled")
        | ("rds_cluster", "iam_database_authentication") => after == &Value::Bool(true),
        ("s3_bucket_versioning", "status") => after != &Value::String("Enabled".into()),
        ("logs_log_group", "retention_in_days") => {
            matches!((num(before), num(after)), (Some(b), Some(a)) if a < b)
        }
        ("kms_key", "policy") | ("s3_bucket_policy", "policy") => true,
        ("s3_bucket_encryption", _)
        | ("logs_log_group", "kms_key_id")
        | ("sns_topic", "kms_master_key_id")
        | ("secretsmanager_secret", "kms_key_id")
        | ("ec2_vpc_endpoint", "policy")
        | ("rds_cluster", "master_user_secret_kms_key_id") => true,
        _ => false,
    }
}

fn asks(c: &Change) -> bool {
    match c.action {
        Action::Delete | Action::Replace => true,
        Action::Update => c.attributes.list().iter().any(|a| weakens(c.kind(), a)),
        _ => false,
    }
}

/// The settings that turn a resource's deletion protection off, by kind.
const PROTECTION_SETTING: &[(&str, &str)] = &[("rds_cluster", "[database] deletion_protection")];

/// A one-line refusal when the plan deletes or replaces a resource whose
/// recorded attributes have deletion protection on that the configuration
/// sets: the run stops before deleting anything, rather than part-way (an
/// Aurora cluster's instances gone, the cluster refusing). A DynamoDB
/// table's own protection follows `disposable`; once hcprov's guard lets
/// the table go (`--allow-destroy`), its delete turns that off first.
pub fn protected(plan: &Plan, state: &crate::engine::state::State) -> Option<String> {
    plan.changes
        .iter()
        .filter(|c| matches!(c.action, Action::Delete | Action::Replace))
        .find_map(|c| {
            let r = state.resources.get(&c.address)?;
            let (_, setting) = PROTECTION_SETTING.iter().find(|(k, _)| *k == c.kind())?;
            (r.attributes.get("deletion_protection") == Some(Value::Bool(true))).then(|| {
                format!(
                    "{} has deletion protection on, and this plan would {} it: set `{setting} = false` in hcprov.toml and run `hcprov apply`, then run this again; nothing was changed",
                    c.address,
                    if c.action == Action::Delete { "delete" } else { "replace" }
                )
            })
        })
}

/// Kinds protected by default, as Terraform's `prevent_destroy`: the data
/// stores and the keys that encrypt them.
pub const PROTECTED_KINDS: &[&str] = &[
    "dynamodb_table",
    "rds_cluster",
    "elasticache_replication_group",
    "s3_bucket",
    "kms_key",
    "backup_vault",
];

/// Whether a destroy may delete data stores and keys: the configuration
/// says `disposable = true` and so did the last apply, as the state
/// recorded it (a state from before the record is protected).
pub fn disposable(config: bool, state: &crate::engine::state::State) -> bool {
    config && state.disposable == Some(true)
}

/// A refusal naming every protected resource the plan would delete or
/// replace that the run did not allow (`--allow-destroy ADDRESS`), unless
/// the environment is disposable.
pub fn prevent_destroy(plan: &Plan, disposable: bool, allowed: &[String]) -> Option<String> {
    if disposable {
        return None;
    }
    let hit: Vec<&Change> = plan
        .changes
        .iter()
        .filter(|c| matches!(c.action, Action::Delete | Action::Replace))
        .filter(|c| PROTECTED_KINDS.contains(&c.kind()))
        .filter(|c| !allowed.contains(&c.address))
        .collect();
    if hit.is_empty() {
        return None;
    }
    let what: Vec<String> = hit
        .iter()
        .map(|c| {
            let verb = if c.action == Action::Delete {
                "delete"
            } else {
                "replace"
            };
            format!("{verb} {}", c.address)
        })
        .collect();
    let flags: Vec<String> = hit
        .iter()
        .map(|c| format!("--allow-destroy {}", c.address))
        .collect();
    Some(format!(
        "this plan would {}: protected resource{} (data stores and keys are protected unless the environment is disposable); nothing was changed: if {} may go, run again with {} (a replaced table or database is backed up first), or set `disposable = true` in hcprov.toml for an environment whose data may be lost",
        what.join(", "),
        if hit.len() == 1 { "" } else { "s" },
        if hit.len() == 1 { "it" } else { "they" },
        flags.join(" ")
    ))
}

/// Kinds AWS refuses to delete while network interfaces still sit in them
/// (a Lambda's ENIs in a subnet).
const HELD_BY_ENIS: &[&str] = &["ec2_subnet"];

/// Kinds whose objects keep network interfaces in their subnets while they
/// are updated to others.
const ENI_HOLDERS: &[&str] = &[
    "lambda_function",
    "ec2_vpc_endpoint",
    "rds_db_subnet_group",
    "elasticache_subnet_group",
];

/// A refusal for a replacement that must delete first (the new object
/// cannot exist beside the old: a subnet moving zone on the same CIDR)
/// while the plan still moves something off it: AWS would refuse the
/// delete for as long as that something sits in it, and the run would
/// wait out its whole retry budget. Says how to do it in two steps.
pub fn stuck_replacement(plan: &Plan) -> Option<String> {
    plan.changes
        .iter()
        .filter(|c| c.action == Action::Replace && !c.create_before_destroy)
        .filter(|c| HELD_BY_ENIS.contains(&c.kind()))
        .find_map(|c| {
            let users: Vec<&str> = plan
                .changes
                .iter()
                // Replaced users go before the delete; updated ones keep
                // their interfaces in it until after.
                .filter(|o| o.action == Action::Update && ENI_HOLDERS.contains(&o.kind()))
                .filter(|o| o.dependencies.contains(&c.address))
                .map(|o| o.address.as_str())
                .collect();
            (!users.is_empty()).then(|| format!(
                "{} must be replaced ({}) by deleting it first, since its new one cannot exist beside it (the same or an overlapping CIDR), but {} still use{} it, and AWS refuses to delete a subnet with network interfaces in it; nothing was changed: give it a CIDR apart from the old one for this apply (then what uses it moves over first), and change it back in a second apply if needed",
                c.address,
                c.replace_because.join(", "),
                users.join(", "),
                if users.len() == 1 { "s" } else { "" }
            ))
        })
}

/// The addresses whose change needs a yes.
pub fn destructive(plan: &Plan) -> Vec<&str> {
    plan.changes
        .iter()
        .filter(|c| asks(c))
        .map(|c| c.address.as_str())
        .collect()
}

/// The question (or the refusal) naming them.
pub fn question(addrs: &[&str]) -> String {
    let shown: Vec<&str> = addrs.iter().take(5).copied().collect();
    let more = addrs.len().saturating_sub(shown.len());
    format!(
        "This plan deletes, replaces or weakens {} resource{} ({}{})",
        addrs.len(),
        if addrs.len() == 1 { "" } else { "s" },
        shown.join(", "),
        if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn change(address: &str, action: Action, attr: &str, before: Value, after: Value) -> Change {
        Change {
            address: address.into(),
            region: "us-east-1".into(),
            action,
            id: Some("id".into()),
            attributes: vec![AttrChange {
                name: attr.into(),
                before: Some(before),
                after: Some(after),
                forces_replacement: false,
            }]
            .into(),
            replace_because: vec![],
            desired: None,
            before: None,
            dependencies: vec![],
            depends_on: vec![],
            create_before_destroy: false,
            shared: vec![],
        }
    }

    #[test]
    fn updates_that_lose_data_or_protection_ask_like_deletes() {
        let mut plan = crate::engine::plan::plan_destroy(&crate::engine::state::State::new("e"));
        plan.changes = vec![
            change(
                "dynamodb_table.t",
                Action::Update,
                "point_in_time_recovery",
                json!(true),
                json!(false),
            ),
            change(
                "dynamodb_table.u",
                Action::Update,
                "point_in_time_recovery",
                json!(false),
                json!(true),
            ),
            change(
                "logs_log_group.g",
                Action::Update,
                "retention_in_days",
                json!(90),
                json!(7),
            ),
            change(
                "logs_log_group.h",
                Action::Update,
                "retention_in_days",
                json!(7),
                json!(90),
            ),
            change(
                "s3_bucket_versioning.v",
                Action::Update,
                "status",
                json!("Enabled"),
                json!("Suspended"),
            ),
            change(
                "kms_key.k",
                Action::Update,
                "tags",
                json!({}),
                json!({"a": "b"}),
            ),
            change(
                "ec2_subnet.s",
                Action::Replace,
                "cidr_block",
                json!("a"),
                json!("b"),
            ),
        ];
        assert_eq!(
            destructive(&plan),
            [
                "dynamodb_table.t",
                "logs_log_group.g",
                "s3_bucket_versioning.v",
                "ec2_subnet.s"
            ]
        );
        assert!(question(&destructive(&plan))
            .starts_with("This plan deletes, replaces or weakens 4 resources"));
    }
}
