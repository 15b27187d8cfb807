//! The drift audit of the S3 types (see `aws::audit`).

use aws_sdk_s3::operation::{
    get_bucket_encryption, get_bucket_lifecycle_configuration,
    get_bucket_notification_configuration, get_bucket_policy, get_bucket_replication,
    get_bucket_tagging, get_bucket_versioning, get_public_access_block,
};
use aws_sdk_s3::types::{
    Destination, InventoryConfiguration, LifecycleRule, OwnershipControlsRule,
    PublicAccessBlockConfiguration, ReplicationConfiguration, ReplicationRule,
    ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration, ServerSideEncryptionRule,
    Transition,
};

use crate::aws::audit::Class::{Ignored as I, Managed as M};
use crate::aws::audit::{debug_of, Audit, Shape};

/// Why the parts of a rule a bucket holds at none are not compared.
const UNDECLARED: &str = "the bucket holds none: any rule it has is drift, whatever the rule says";

/// Every S3 type's audit.
pub fn audits() -> Vec<Audit> {
    vec![
        Audit {
            kind: "s3_bucket",
            shapes: vec![
                Shape {
                    call: "GetBucketTagging",
                    shape: "GetBucketTaggingOutput",
                    debug: || debug_of(get_bucket_tagging::GetBucketTaggingOutput::builder()),
                    fields: &[("tag_set", M("tags"))],
                },
                Shape {
                    call: "GetBucketLifecycleConfiguration",
                    shape: "LifecycleRule",
                    debug: || debug_of(LifecycleRule::builder()),
                    fields: &[
                        ("id", M("lifecycle_rules")),
                        ("expiration", I(UNDECLARED)),
                        ("prefix", I(UNDECLARED)),
                        ("filter", I(UNDECLARED)),
                        ("status", I(UNDECLARED)),
                        ("transitions", I(UNDECLARED)),
                        ("noncurrent_version_transitions", I(UNDECLARED)),
                        ("noncurrent_version_expiration", I(UNDECLARED)),
                        ("abort_incomplete_multipart_upload", I(UNDECLARED)),
                    ],
                },
                Shape {
                    call: "GetBucketReplication",
                    shape: "ReplicationRule",
                    debug: || debug_of(ReplicationRule::builder()),
                    fields: &[
                        ("id", M("replication_rules")),
                        ("destination", M("replication_rules")),
                        ("priority", I(UNDECLARED)),
                        ("prefix", I(UNDECLARED)),
                        ("filter", I(UNDECLARED)),
                        ("status", I(UNDECLARED)),
                        ("source_selection_criteria", I(UNDECLARED)),
                        ("existing_object_replication", I(UNDECLARED)),
                        ("delete_marker_replication", I(UNDECLARED)),
                    ],
                },
                Shape {
                    call: "GetBucketOwnershipControls",
                    shape: "OwnershipControlsRule",
                    debug: || debug_of(OwnershipControlsRule::builder()),
                    fields: &[("object_ownership", M("object_ownership"))],
                },
                Shape {
                    call: "ListBucketInventoryConfigurations",
                    shape: "InventoryConfiguration",
                    debug: || debug_of(InventoryConfiguration::builder()),
                    fields: &[
                        ("id", M("inventories")),
                        ("destination", M("inventories")),
                        ("is_enabled", I(UNDECLARED)),
                        ("filter", I(UNDECLARED)),
                        ("included_object_versions", I(UNDECLARED)),
                        ("optional_fields", I(UNDECLARED)),
                        ("schedule", I(UNDECLARED)),
                    ],
                },
                Shape {
                    call: "GetBucketNotificationConfiguration",
                    shape: "GetBucketNotificationConfigurationOutput",
                    debug: || debug_of(get_bucket_notification_configuration::GetBucketNotificationConfigurationOutput::builder()),
                    fields: &[
                        ("topic_configurations", M("notifications")),
                        ("queue_configurations", M("notifications")),
                        ("lambda_function_configurations", M("notifications")),
                        ("event_bridge_configuration", I("delivers to this account's default event bus only, and GuardDuty malware protection and AWS Backup's continuous S3 backups need it")),
                    ],
                },
            ],
        },
        Audit {
            kind: "s3_bucket_versioning",
            shapes: vec![Shape {
                call: "GetBucketVersioning",
                shape: "GetBucketVersioningOutput",
                debug: || debug_of(get_bucket_versioning::GetBucketVersioningOutput::builder()),
                fields: &[
                    ("status", M("status")),
                    ("mfa_delete", I("only the account root user with its MFA device can change it (neither IAM credentials nor hcprov can), and turning it on only makes deleting versions harder")),
                ],
            }],
        },
        Audit {
            kind: "s3_bucket_replication",
            shapes: vec![
                Shape {
                    call: "GetBucketReplication",
                    shape: "GetBucketReplicationOutput",
                    debug: || debug_of(get_bucket_replication::GetBucketReplicationOutput::builder()),
                    fields: &[("replication_configuration", M("role,rule,rule_count"))],
                },
                Shape {
                    call: "GetBucketReplication",
                    shape: "ReplicationConfiguration",
                    debug: || debug_of(ReplicationConfiguration::builder()),
                    fields: &[("role", M("role")), ("rules", M("rule,rule_count"))],
                },
                Shape {
                    call: "GetBucketReplication",
                    shape: "ReplicationRule",
                    debug: || debug_of(ReplicationRule::builder()),
                    fields: &[
                        ("id", M("rule")),
                        ("priority", M("rule")),
                        ("prefix", M("rule.filter_prefix")),
                        ("filter", M("rule.filter_prefix,rule.filter_tag")),
                        ("status", M("rule")),
                        ("source_selection_criteria", M("rule")),
                        ("existing_object_replication", M("rule.existing_object_replication")),
                        ("destination", M("rule")),
                        ("delete_marker_replication", M("rule")),
                    ],
                },
                Shape {
                    call: "GetBucketReplication",
                    shape: "Destination",
                    debug: || debug_of(Destination::builder()),
                    fields: &[
                        ("bucket", M("rule")),
                        ("account", M("rule.destination_account")),
                        ("storage_class", M("rule")),
                        ("access_control_translation", M("rule.owner_override")),
                        ("encryption_configuration", M("rule")),
                        ("replication_time", M("rule")),
                        ("metrics", M("rule.metrics")),
                    ],
                },
            ],
        },
        Audit {
            kind: "s3_bucket_encryption",
            shapes: vec![
                Shape {
                    call: "GetBucketEncryption",
                    shape: "GetBucketEncryptionOutput",
                    debug: || debug_of(get_bucket_encryption::GetBucketEncryptionOutput::builder()),
                    fields: &[(
                        "server_side_encryption_configuration",
                        M("sse_algorithm,kms_master_key_id,bucket_key_enabled"),
                    )],
                },
                Shape {
                    call: "GetBucketEncryption",
                    shape: "ServerSideEncryptionConfiguration",
                    debug: || debug_of(ServerSideEncryptionConfiguration::builder()),
                    fields: &[("rules", M("sse_algorithm,kms_master_key_id,bucket_key_enabled"))],
                },
                Shape {
                    call: "GetBucketEncryption",
                    shape: "ServerSideEncryptionRule",
                    debug: || debug_of(ServerSideEncryptionRule::builder()),
                    fields: &[
                        ("apply_server_side_encryption_by_default", M("sse_algorithm,kms_master_key_id")),
                        ("bucket_key_enabled", M("bucket_key_enabled")),
                        ("blocked_encryption_types", M("blocked_encryption_types")),
                    ],
                },
                Shape {
                    call: "GetBucketEncryption",
                    shape: "ServerSideEncryptionByDefault",
                    debug: || debug_of(ServerSideEncryptionByDefault::builder()),
                    fields: &[
                        ("sse_algorithm", M("sse_algorithm")),
                        ("kms_master_key_id", M("kms_master_key_id")),
                    ],
                },
            ],
        },
        Audit {
            kind: "s3_bucket_public_access_block",
            shapes: vec![
                Shape {
                    call: "GetPublicAccessBlock",
                    shape: "GetPublicAccessBlockOutput",
                    debug: || debug_of(get_public_access_block::GetPublicAccessBlockOutput::builder()),
                    fields: &[(
                        "public_access_block_configuration",
                        M("block_public_acls,block_public_policy,ignore_public_acls,restrict_public_buckets"),
                    )],
                },
                Shape {
                    call: "GetPublicAccessBlock",
                    shape: "PublicAccessBlockConfiguration",
                    debug: || debug_of(PublicAccessBlockConfiguration::builder()),
                    fields: &[
                        ("block_public_acls", M("block_public_acls")),
                        ("ignore_public_acls", M("ignore_public_acls")),
                        ("block_public_policy", M("block_public_policy")),
                        ("restrict_public_buckets", M("restrict_public_buckets")),
                    ],
                },
            ],
        },
        Audit {
            kind: "s3_bucket_lifecycle",
            shapes: vec![
                Shape {
                    call: "GetBucketLifecycleConfiguration",
                    shape: "GetBucketLifecycleConfigurationOutput",
                    debug: || {
                        debug_of(
                            get_bucket_lifecycle_configuration::GetBucketLifecycleConfigurationOutput::builder(),
                        )
                    },
                    fields: &[
                        ("rules", M("rules")),
                        ("transition_default_minimum_object_size", I("S3's default (all_storage_classes_128K): objects under 128 KiB stay in STANDARD, a cost detail")),
                    ],
                },
                Shape {
                    call: "GetBucketLifecycleConfiguration",
                    shape: "LifecycleRule",
                    debug: || debug_of(LifecycleRule::builder()),
                    fields: &[
                        ("expiration", M("rules.expiration_days,rules.expiration_date")),
                        ("id", M("rules")),
                        ("prefix", I("deprecated top-level prefix; hcprov's rules use an empty filter, and a narrowed scope only changes which objects move to cheaper storage")),
                        ("filter", I("hcprov's rules apply to the whole bucket (empty prefix); a narrowed filter only changes which objects move to cheaper storage")),
                        ("status", M("rules")),
                        ("transitions", M("rules")),
                        ("noncurrent_version_transitions", M("rules.noncurrent_version_transitions")),
                        ("noncurrent_version_expiration", M("rules.noncurrent_version_expiration_days")),
                        ("abort_incomplete_multipart_upload", I("hcprov sets none; it only cleans up unfinished uploads")),
                    ],
                },
                Shape {
                    call: "GetBucketLifecycleConfiguration",
                    shape: "Transition",
                    debug: || debug_of(Transition::builder()),
                    fields: &[
                        ("date", M("rules.more_transitions")),
                        ("days", M("rules")),
                        ("storage_class", M("rules")),
                    ],
                },
            ],
        },
        Audit {
            kind: "s3_bucket_policy",
            shapes: vec![Shape {
                call: "GetBucketPolicy",
                shape: "GetBucketPolicyOutput",
                debug: || debug_of(get_bucket_policy::GetBucketPolicyOutput::builder()),
                fields: &[("policy", M("policy"))],
            }],
        },
    ]
}
