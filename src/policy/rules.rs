//! The rules, one table row each: id, title, HIPAA safeguard, the AWS
//! Config HIPAA conformance-pack rule it matches, the fix, and the check.

use serde_json::{json, Value};

use super::checks::*;
use super::Rule;

const ENCRYPTION: &str = "§164.312(a)(2)(iv) encryption and decryption";
const AUDIT: &str = "§164.312(b) audit controls";
const INTEGRITY: &str = "§164.312(c)(1) integrity";
const TRANSMISSION: &str = "§164.312(e)(1) transmission security";
const ACCESS: &str = "§164.312(a)(1) access control";
const AUTHENTICATION: &str = "§164.312(d) person or entity authentication";
const CONTINGENCY: &str = "§164.308(a)(7) contingency plan";

/// Every rule of the pack, in report order.
pub static RULES: &[Rule] = &[
    Rule {
        id: "HC-ENC-S3",
        title: "S3 buckets encrypt objects at rest with the stack's KMS key",
        safeguard: ENCRYPTION,
        config_rule: Some("s3-default-encryption-kms"),
        fix: "give the bucket an s3_bucket_encryption with sse_algorithm \"aws:kms\" and the stack's key (or, for a trail's bucket, have the trail encrypt with the key)",
        check: s3_encryption,
    },
    Rule {
        id: "HC-ENC-DDB",
        title: "DynamoDB tables are encrypted with the stack's KMS key",
        safeguard: ENCRYPTION,
        config_rule: Some("dynamodb-table-encrypted-kms"),
        fix: "set kms_key_arn to the stack's key",
        check: |s| {
            let mut v = stack_key(s, "dynamodb_table", "kms_key_arn", None);
            v.extend(replicas(s, "kms_key_arn", |st, x| st.target(x, "kms_key").is_some()));
            v
        },
    },
    Rule {
        id: "HC-ENC-RDS",
        title: "Aurora clusters are encrypted at rest with the stack's KMS key",
        safeguard: ENCRYPTION,
        config_rule: Some("rds-storage-encrypted"),
        fix: "set storage_encrypted = true and kms_key_id to the stack's key (a new cluster: encryption cannot be added in place)",
        check: |s| stack_key(s, "rds_cluster", "kms_key_id", Some("storage_encrypted")),
    },
    Rule {
        id: "HC-ENC-REDIS",
        title: "Redis replication groups are encrypted at rest with the stack's KMS key",
        safeguard: ENCRYPTION,
        config_rule: Some("elasticache-repl-grp-encrypted-at-rest"),
        fix: "set at_rest_encryption = true and kms_key_id to the stack's key",
        check: |s| {
            stack_key(
                s,
                "elasticache_replication_group",
                "kms_key_id",
                Some("at_rest_encryption"),
            )
        },
    },
    Rule {
        id: "HC-ENC-SECRET",
        title: "Secrets are encrypted with the stack's KMS key",
        safeguard: ENCRYPTION,
        config_rule: Some("secretsmanager-using-cmk"),
        fix: "set kms_key_id to the stack's key",
        check: |s| stack_key(s, "secretsmanager_secret", "kms_key_id", None),
    },
    Rule {
        id: "HC-ENC-SNS",
        title: "SNS topics are encrypted with the stack's KMS key",
        safeguard: ENCRYPTION,
        config_rule: Some("sns-encrypted-kms"),
        fix: "set kms_master_key_id to the stack's key (its policy must let the publishers use it)",
        check: |s| stack_key(s, "sns_topic", "kms_master_key_id", None),
    },
    Rule {
        id: "HC-ENC-LOGS",
        title: "CloudWatch log groups are encrypted with the stack's KMS key",
        safeguard: ENCRYPTION,
        config_rule: Some("cloudwatch-log-group-encrypted"),
        fix: "set kms_key_id to the stack's key, and let CloudWatch Logs use it for the group in the key policy",
        check: |s| stack_key(s, "logs_log_group", "kms_key_id", None),
    },
    Rule {
        id: "HC-ENC-BACKUP",
        title: "Backup vaults encrypt recovery points with the stack's KMS key",
        safeguard: ENCRYPTION,
        config_rule: Some("backup-recovery-point-encrypted"),
        fix: "set kms_key_arn to the stack's key (a new vault: the key cannot change in place)",
        check: |s| stack_key(s, "backup_vault", "kms_key_arn", None),
    },
    Rule {
        id: "HC-KMS-ROTATION",
        title: "KMS keys rotate yearly",
        safeguard: ENCRYPTION,
        config_rule: Some("cmk-backing-key-rotation-enabled"),
        fix: "set [security] kms_key_rotation = true",
        check: |s| flag(s, "kms_key", "enable_key_rotation", true),
    },
    Rule {
        id: "HC-KMS-ENABLED",
        title: "KMS keys stay enabled (a disabled key makes every store it encrypts unreadable)",
        safeguard: CONTINGENCY,
        config_rule: Some("kms-cmk-not-scheduled-for-deletion"),
        fix: "enable the key (`hcprov apply` does)",
        check: |s| flag(s, "kms_key", "enabled", true),
    },
    Rule {
        id: "HC-S3-PUBLIC",
        title: "S3 buckets block all public access",
        safeguard: ACCESS,
        config_rule: Some("s3-bucket-level-public-access-prohibited"),
        fix: "give the bucket an s3_bucket_public_access_block with all four settings true",
        check: s3_public_access,
    },
    Rule {
        id: "HC-S3-TLS",
        title: "S3 bucket policies refuse requests not made over TLS",
        safeguard: TRANSMISSION,
        config_rule: Some("s3-bucket-ssl-requests-only"),
        fix: "add a Deny statement for s3:* when aws:SecureTransport is false to the bucket policy",
        check: s3_tls_only,
    },
    Rule {
        id: "HC-SG-OPEN",
        title: "No security group admits the internet (0.0.0.0/0, ::/0) except on TCP 443",
        safeguard: ACCESS,
        config_rule: Some("vpc-sg-open-only-to-authorized-ports"),
        fix: "remove the rule, or narrow its source to a CIDR or security group you trust",
        check: open_ingress,
    },
    Rule {
        id: "HC-REDIS-TLS",
        title: "Redis requires TLS in transit",
        safeguard: TRANSMISSION,
        config_rule: Some("elasticache-repl-grp-encrypted-in-transit"),
        fix: "set transit_encryption = true with transit_encryption_mode \"required\"",
        check: redis_tls,
    },
    Rule {
        id: "HC-REDIS-AUTH",
        title: "Redis requires AUTH (a token or RBAC user groups)",
        safeguard: AUTHENTICATION,
        config_rule: Some("elasticache-repl-grp-redis-auth-enabled"),
        fix: "set auth_token_enabled = true (the token lives in Secrets Manager) or name user groups",
        check: redis_auth,
    },
    Rule {
        id: "HC-API-TLS",
        title: "API custom domains accept TLS 1.2 or later only",
        safeguard: TRANSMISSION,
        config_rule: None,
        fix: "set security_policy = \"TLS_1_2\"",
        check: |s| equals(s, "apigatewayv2_domain_name", "security_policy", &json!("TLS_1_2")),
    },
    Rule {
        id: "HC-RDS-PUBLIC",
        title: "Database instances are not publicly accessible",
        safeguard: ACCESS,
        config_rule: Some("rds-instance-public-access-check"),
        fix: "set publicly_accessible = false",
        check: |s| flag(s, "rds_cluster_instance", "publicly_accessible", false),
    },
    Rule {
        id: "HC-VPC-FLOWLOGS",
        title: "Every VPC records all its traffic in flow logs",
        safeguard: AUDIT,
        config_rule: Some("vpc-flow-logs-enabled"),
        fix: "give the VPC an ec2_flow_log with traffic_type \"ALL\"",
        check: flow_logs,
    },
    Rule {
        id: "HC-TRAIL-MULTIREGION",
        title: "A stack holding data records API activity in a multi-region CloudTrail trail that is logging",
        safeguard: AUDIT,
        config_rule: Some("multi-region-cloudtrail-enabled"),
        fix: "build the stack's trail with is_multi_region_trail = true and enable_logging = true",
        check: trail_multi_region,
    },
    Rule {
        id: "HC-TRAIL-VALIDATION",
        title: "CloudTrail trails validate their log files",
        safeguard: INTEGRITY,
        config_rule: Some("cloud-trail-log-file-validation-enabled"),
        fix: "set enable_log_file_validation = true",
        check: |s| flag(s, "cloudtrail_trail", "enable_log_file_validation", true),
    },
    Rule {
        id: "HC-LOG-RETENTION",
        title: "Log groups keep events at least [policy] min_log_retention_days",
        safeguard: AUDIT,
        config_rule: Some("cw-loggroup-retention-period-check"),
        fix: "raise retention_in_days (the [compute], [network], [database] or [http_api] log retention setting) to at least the minimum",
        check: log_retention,
    },
    Rule {
        id: "HC-BACKUP-DDB",
        title: "DynamoDB tables have point-in-time recovery on",
        safeguard: CONTINGENCY,
        config_rule: Some("dynamodb-pitr-enabled"),
        fix: "set point_in_time_recovery = true",
        check: |s| {
            let mut v = flag(s, "dynamodb_table", "point_in_time_recovery", true);
            v.extend(replicas(s, "point_in_time_recovery", |_, x| x == &Value::Bool(true)));
            v
        },
    },
    Rule {
        id: "HC-BACKUP-RDS",
        title: "Aurora clusters keep automated backups for at least 7 days",
        safeguard: CONTINGENCY,
        config_rule: Some("db-instance-backup-enabled"),
        fix: "set [database] backup_retention_days to 7 or more",
        check: |s| at_least(s, "rds_cluster", "backup_retention_period", 7),
    },
    Rule {
        id: "HC-BACKUP-REDIS",
        title: "Redis takes automatic daily snapshots",
        safeguard: CONTINGENCY,
        config_rule: Some("elasticache-redis-cluster-automatic-backup-check"),
        fix: "set [cache] snapshot_retention_days to 1 or more",
        check: |s| at_least(s, "elasticache_replication_group", "snapshot_retention_limit", 1),
    },
    Rule {
        id: "HC-BACKUP-S3",
        title: "Data buckets keep object versions",
        safeguard: CONTINGENCY,
        config_rule: Some("s3-bucket-versioning-enabled"),
        fix: "give the bucket an s3_bucket_versioning with status \"Enabled\"",
        check: s3_versioning,
    },
    Rule {
        id: "HC-LAMBDA-VPC",
        title: "A function whose role can read or write records in a data store runs in the VPC",
        safeguard: ACCESS,
        config_rule: Some("lambda-inside-vpc"),
        fix: "give the function a vpc_config with the private subnets and a security group",
        check: lambda_in_vpc,
    },
    Rule {
        id: "HC-IAM-ADMIN",
        title: "No IAM policy allows every action on every resource",
        safeguard: "§164.308(a)(4) information access management",
        config_rule: Some("iam-policy-no-statements-with-admin-access"),
        fix: "name the actions and resources the role needs",
        check: iam_admin,
    },
    Rule {
        id: "HC-LAMBDA-SECRETS",
        title: "No secret value sits in a function's environment variables",
        safeguard: ACCESS,
        config_rule: None,
        fix: "keep the secret in Secrets Manager and pass its ARN (the function reads it at run time)",
        check: lambda_secrets,
    },
];
