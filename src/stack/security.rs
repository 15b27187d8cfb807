//! The stack's KMS key and alias. The key policy is hcprov's: the account
//! root (so IAM policies can grant use of the key), and each AWS service
//! that writes with the key on the stack's behalf, limited to this account
//! and to the stack's own objects. Nothing broader.

use serde_json::{json, Value};

use super::compute::FUNCTIONS;
use super::{reference, Builder};

/// Addresses later parts of the stack refer to.
pub struct Security {
    /// The KMS key.
    pub key: String,
}

/// The name of the stack's alerts topic (the key policy names it).
pub fn alerts_topic_name(b: &Builder) -> String {
    b.name("healthcare-alerts")
}

/// The base of the audit objects' names (trail, flow-log role and group),
/// per platform: IAM role and trail names are the account's, so two
/// platforms' environments of the same name must not share them.
pub fn audit_base(b: &Builder) -> &'static str {
    if b.cfg.is("aurora-redis-api") {
        "healthcare-records"
    } else if b.cfg.is("multi-region-dr") {
        "hc-dr"
    } else {
        "healthcare"
    }
}

/// The name of the stack's CloudTrail trail (the key policy names it).
pub fn trail_name(b: &Builder) -> String {
    b.name(&format!("{}-trail", audit_base(b)))
}

/// The key policy for the parts of the stack that are built.
fn key_policy(b: &Builder) -> Value {
    let acct = &b.account.id;
    let region = &b.cfg.region;
    let mut statements = vec![json!({
        "Sid": "AccountAdministersTheKey",
        "Effect": "Allow",
        "Principal": {"AWS": format!("arn:{}:iam::{acct}:root", b.account.partition)},
        "Action": "kms:*",
        "Resource": "*",
    })];
    // The stack's log groups (flow logs, one per function) are encrypted
    // with the key: CloudWatch Logs may use it for exactly those groups.
    let mut groups = vec![];
    if b.cfg.has("networking") {
        groups.push(super::networking::flow_log_group(b, None));
    }
    if b.cfg.has("compute") {
        groups.extend(
            FUNCTIONS
                .iter()
                .map(|f| format!("/aws/lambda/{}", b.name(f.base))),
        );
    }
    let group_arns: Vec<String> = groups
        .iter()
        .map(|g| b.arn("logs", &format!("log-group:{g}")))
        .collect();
    statements.push(json!({
        "Sid": "CloudWatchLogsEncryptsTheStacksLogGroups",
        "Effect": "Allow",
        "Principal": {"Service": format!("logs.{region}.{}", b.dns_suffix())},
        "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
        "Resource": "*",
        "Condition": {"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": group_arns}},
    }));
    if b.cfg.has("storage") {
        statements.extend(trail_key_statements(b));
    }
    if b.cfg.has("monitoring") {
        // Alarms publish to the encrypted alerts topic, and to no other.
        statements.push(json!({
            "Sid": "CloudWatchAlarmsPublishToTheEncryptedTopic",
            "Effect": "Allow",
            "Principal": {"Service": "cloudwatch.amazonaws.com"},
            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
            "Resource": "*",
            "Condition": {"StringEquals": {
                "aws:SourceAccount": acct,
                "kms:EncryptionContext:aws:sns:topicArn": b.arn("sns", &alerts_topic_name(b)),
            }},
        }));
    }
    json!({"Version": "2012-10-17", "Statement": statements})
}

/// Adds the KMS nodes.
pub fn build(b: &mut Builder) -> Security {
    let sec = b.cfg.security.clone();
    let policy = key_policy(b);
    let key = b.tagged("kms_key", "main", Some(&b.name("healthcare-kms-key")), json!({
        "description": format!("KMS key for healthcare data encryption - {}", b.cfg.environment),
        "deletion_window_in_days": sec.kms_deletion_window_days,
        "enable_key_rotation": sec.kms_key_rotation,
        "enabled": true,
        "policy": policy,
    }));
    b.plain("kms_alias", "main", json!({
        "name": format!("alias/{}", b.name("healthcare")), "target_key_id": reference(&key, "key_id"),
    }));
    b.output("kms_key_arn", reference(&key, "arn"));
    Security { key }
}

/// The key-policy statements letting CloudTrail encrypt the stack's trail
/// (and only it) with the key.
pub(super) fn trail_key_statements(b: &Builder) -> Vec<Value> {
    let acct = &b.account.id;
    let trail = b.arn("cloudtrail", &format!("trail/{}", trail_name(b)));
    vec![
        json!({
            "Sid": "CloudTrailEncryptsTheStacksTrail",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "kms:GenerateDataKey*",
            "Resource": "*",
            "Condition": {
                "StringEquals": {"aws:SourceArn": trail},
                "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": format!("arn:{}:cloudtrail:*:{acct}:trail/*", b.account.partition)},
            },
        }),
        json!({
            "Sid": "CloudTrailDescribesTheKey",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "kms:DescribeKey",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:SourceArn": trail}},
        }),
    ]
}
