//! Settings the stack holds at AWS's defaults: hcprov never changes them,
//! but each decides what an object exposes or keeps (an IPv6 range, a
//! reserved concurrency of 0, a Lambda layer), so drift compares them and
//! apply puts them back. A part of the stack that sets one itself wins.

use serde_json::{json, Value};

use super::Account;
use crate::config::Config;
use crate::engine::graph::Node;

/// Adds every pinned setting a node does not set itself.
pub fn apply(nodes: &mut [Node], account: &Account, cfg: &Config) {
    undeclared_bucket_settings(nodes);
    for n in nodes.iter_mut() {
        for (k, v) in pins(n, account, cfg) {
            n.attrs_mut().entry(k.to_string()).or_insert(v);
        }
        if n.kind() == "s3_bucket_replication" {
            if let Some(Value::Object(rule)) = n.attrs_mut().get_mut("rule") {
                let minutes = rule
                    .get("replication_time_minutes")
                    .cloned()
                    .filter(|m| !m.is_null());
                for (k, v) in [
                    ("filter_prefix", json!("")),
                    ("filter_tag", Value::Null),
                    ("existing_object_replication", json!("Disabled")),
                    ("destination_account", Value::Null),
                    ("owner_override", json!(false)),
                    (
                        "metrics",
                        minutes.map_or(Value::Null, |m| json!({"status": "Enabled", "minutes": m})),
                    ),
                ] {
                    rule.entry(k).or_insert(v);
                }
            }
        }
        if n.kind() == "s3_bucket_lifecycle" {
            if let Some(Value::Array(rules)) = n.attrs_mut().get_mut("rules") {
                for r in rules.iter_mut().filter_map(Value::as_object_mut) {
                    r.entry("expiration_days").or_insert(Value::Null);
                    r.entry("expiration_date").or_insert(Value::Null);
                    r.entry("more_transitions").or_insert(json!([]));
                    r.entry("noncurrent_version_transitions")
                        .or_insert(json!([]));
                    r.entry("noncurrent_version_expiration_days")
                        .or_insert(Value::Null);
                }
            }
        }
        if n.kind() == "backup_plan" {
            if let Some(Value::Array(rules)) = n.attrs_mut().get_mut("rules") {
                for r in rules.iter_mut().filter_map(Value::as_object_mut) {
                    for (k, v) in [
                        ("copy_actions", json!([])),
                        ("target_logically_air_gapped_vault_arn", Value::Null),
                        ("enable_continuous_backup", json!(false)),
                        ("cold_storage_after_days", Value::Null),
                        ("opt_in_to_archive", json!(false)),
                    ] {
                        r.entry(k).or_insert(v);
                    }
                }
            }
        }
        if n.kind() == "lambda_function" {
            if let Some(Value::Object(vpc)) = n.attrs_mut().get_mut("vpc_config") {
                vpc.entry("ipv6_allowed_for_dual_stack")
                    .or_insert(json!(false));
            }
        }
    }
}

/// A bucket holds at none the lifecycle and replication no node of the
/// stack declares for it, and event notifications (none are declared).
fn undeclared_bucket_settings(nodes: &mut [Node]) {
    let declared: Vec<(String, Value)> = nodes
        .iter()
        .filter_map(|n| {
            let key = match n.kind() {
                "s3_bucket_lifecycle" => "lifecycle_rules",
                "s3_bucket_replication" => "replication_rules",
                _ => return None,
            };
            Some((key.to_string(), n.attrs().get("bucket")?.clone()))
        })
        .collect();
    for n in nodes.iter_mut().filter(|n| n.kind() == "s3_bucket") {
        let id = crate::engine::value::reference(&n.address, "id");
        for key in crate::aws::s3::undeclared::KEYS {
            if !declared.iter().any(|(k, b)| k == key && b == &id) {
                n.attrs_mut().entry(key.to_string()).or_insert(json!([]));
            }
        }
    }
}

/// The pinned settings of `n`.
fn pins(n: &Node, account: &Account, cfg: &Config) -> Vec<(&'static str, Value)> {
    let interface = n.attrs().get("vpc_endpoint_type") == Some(&json!("Interface"));
    match n.kind() {
        "ec2_vpc" => vec![
            ("secondary_cidr_blocks", json!([])),
            ("ipv6_cidr_blocks", json!([])),
            ("encryption_control_mode", json!("none")),
            ("domain_name_servers", json!(["AmazonProvidedDNS"])),
        ],
        "ec2_subnet" => vec![
            ("assign_ipv6_address_on_creation", json!(false)),
            ("ipv6_cidr_blocks", json!([])),
            ("enable_dns64", json!(false)),
            ("private_dns_hostname_type_on_launch", json!("ip-name")),
            ("enable_resource_name_dns_a_record_on_launch", json!(false)),
            (
                "enable_resource_name_dns_aaaa_record_on_launch",
                json!(false),
            ),
        ],
        "ec2_route_table" => vec![("gateway_ids", json!([])), ("propagating_vgws", json!([]))],
        "ec2_vpc_endpoint" if interface => vec![
            ("ip_address_type", json!("ipv4")),
            ("dns_record_ip_type", json!("ipv4")),
            (
                "private_dns_only_for_inbound_resolver_endpoint",
                json!(false),
            ),
        ],
        "ec2_vpc_peering_connection" => vec![
            ("requester_allow_remote_vpc_dns_resolution", json!(false)),
            ("accepter_allow_remote_vpc_dns_resolution", json!(false)),
        ],
        "lambda_function" => {
            let attrs = n.attrs();
            let name = attrs
                .get("function_name")
                .and_then(Value::as_str)
                .unwrap_or_default();
            vec![
                ("reserved_concurrent_executions", Value::Null),
                ("published_versions", json!([])),
                ("aliases", json!([])),
                ("function_url", Value::Null),
                ("dead_letter_target_arn", Value::Null),
                ("kms_key_arn", Value::Null),
                ("tracing_mode", json!("PassThrough")),
                ("layers", json!([])),
                ("file_system_configs", json!([])),
                (
                    "logging_config",
                    json!({"log_format": "Text", "log_group": format!("/aws/lambda/{name}"),
                           "application_log_level": null, "system_log_level": null}),
                ),
                ("capacity_provider_config", Value::Null),
                ("durable_config", Value::Null),
                ("source_kms_key_arn", Value::Null),
            ]
        }
        "iam_role" => vec![
            ("max_session_duration", json!(3600)),
            ("permissions_boundary", Value::Null),
        ],
        "eventbridge_rule" => vec![("schedule_expression", Value::Null)],
        "eventbridge_target" => vec![
            ("input", Value::Null),
            ("input_path", Value::Null),
            ("input_transformer", Value::Null),
            ("dead_letter_arn", Value::Null),
            ("retry_policy", Value::Null),
        ],
        "sns_topic" => vec![
            ("policy", topic_policy(n, account)),
            ("delivery_policy", Value::Null),
            ("signature_version", json!("1")),
            ("tracing_config", json!("PassThrough")),
            ("delivery_status_logging", json!({})),
            ("data_protection_policy", Value::Null),
        ],
        "logs_log_group" => vec![
            ("data_protection", json!(false)),
            ("deletion_protection_enabled", json!(false)),
            ("bearer_token_authentication_enabled", json!(false)),
            ("subscription_filters", json!([])),
        ],
        "cloudwatch_metric_alarm" => vec![
            ("actions_enabled", json!(true)),
            ("ok_actions", json!([])),
            ("insufficient_data_actions", json!([])),
            ("unit", Value::Null),
            ("datapoints_to_alarm", Value::Null),
            ("treat_missing_data", json!("missing")),
        ],
        "s3_bucket" => vec![("object_ownership", json!("BucketOwnerEnforced"))],
        "kms_key" => vec![
            ("rotation_period_in_days", json!(365)),
            ("foreign_grants", json!([])),
        ],
        "apigateway_rest_api" => vec![
            ("policy", Value::Null),
            ("disable_execute_api_endpoint", json!(false)),
            ("security_policy", Value::Null),
            ("endpoint_access_mode", Value::Null),
            ("ip_address_type", json!("ipv4")),
        ],
        "apigateway_method" => vec![("api_key_required", json!(false))],
        "apigateway_integration" => vec![
            ("credentials", Value::Null),
            ("request_parameters", json!({})),
        ],
        "apigateway_stage" => vec![
            ("cache_cluster_enabled", json!(false)),
            ("tracing_enabled", json!(false)),
            ("method_settings", json!({})),
            ("access_log_settings", Value::Null),
            ("canary_settings", Value::Null),
        ],
        "apigatewayv2_api" => vec![("ip_address_type", json!("ipv4"))],
        "apigatewayv2_integration" => vec![("response_parameters", json!({}))],
        "apigatewayv2_domain_name" => vec![
            ("ip_address_type", json!("ipv4")),
            ("mutual_tls_authentication", Value::Null),
            ("routing_mode", json!("API_MAPPING_ONLY")),
        ],
        "dynamodb_table" => {
            let global = n
                .attrs()
                .get("replicas")
                .and_then(Value::as_array)
                .is_some_and(|r| !r.is_empty());
            let pitr = n.attrs().get("point_in_time_recovery") == Some(&json!(true));
            vec![
                // DynamoDB's own guard, beside hcprov's: off only for a
                // disposable environment.
                ("deletion_protection", json!(!cfg.disposable)),
                // No copy in another region, no expiry, unless declared.
                ("replicas", json!([])),
                ("ttl_attribute", Value::Null),
                ("stream_view_type", Value::Null),
                ("kinesis_destinations", json!([])),
                ("resource_policy", Value::Null),
                (
                    "point_in_time_recovery_days",
                    if pitr { json!(35) } else { Value::Null },
                ),
                ("on_demand_max_throughput", Value::Null),
                ("disassociation_protection", json!(global)),
            ]
        }
        // Uploads with customer-provided keys would bypass the stack key.
        "s3_bucket_encryption" => vec![("blocked_encryption_types", json!(["SSE-C"]))],
        "backup_vault" => vec![("lock", Value::Null)],
        "cloudtrail_trail" => vec![
            ("s3_key_prefix", Value::Null),
            ("cloud_watch_logs_log_group_arn", Value::Null),
            ("cloud_watch_logs_role_arn", Value::Null),
            ("recursive_logging", json!(true)),
            (
                "event_selectors",
                crate::aws::cloudtrail::default_selectors(),
            ),
        ],
        "rds_cluster" => vec![
            ("db_cluster_parameter_group_name", json!("default")),
            ("associated_roles", json!([])),
            ("auto_minor_version_upgrade", json!(true)),
            ("activity_stream", Value::Null),
            ("domain", Value::Null),
            ("global_cluster_identifier", Value::Null),
            ("performance_insights_enabled", json!(false)),
            ("shared_snapshots", json!([])),
        ],
        "rds_cluster_instance" => vec![
            ("db_parameter_group_name", json!("default")),
            ("performance_insights_enabled", json!(false)),
        ],
        "elasticache_replication_group" => vec![
            ("log_delivery", json!([])),
            ("global_replication_group_id", Value::Null),
        ],
        "route53_zone" => vec![("accelerated_recovery", json!(false))],
        "route53_health_check" => vec![("ip_address", Value::Null), ("regions", json!([]))],
        _ => vec![],
    }
}

/// The access policy AWS gives a new topic (only this account may use it),
/// written by hcprov at creation so that a statement added later is drift.
fn topic_policy(n: &Node, account: &Account) -> Value {
    let attrs = n.attrs();
    let name = attrs
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let arn = format!(
        "arn:{}:sns:{}:{}:{name}",
        account.partition, n.region, account.id
    );
    json!({
        "Version": "2008-10-17",
        "Id": "__default_policy_ID",
        "Statement": [{
            "Sid": "__default_statement_ID",
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": ["SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:AddPermission",
                       "SNS:RemovePermission", "SNS:DeleteTopic", "SNS:Subscribe",
                       "SNS:ListSubscriptionsByTopic", "SNS:Publish"],
            "Resource": arn,
            "Condition": {"StringEquals": {"AWS:SourceOwner": account.id}},
        }],
    })
}
