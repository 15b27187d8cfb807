//! The drift audit of the Secrets Manager types (see `aws::audit`).

use aws_sdk_secretsmanager::operation::{describe_secret, get_resource_policy};
use aws_sdk_secretsmanager::types::ReplicationStatusType;

use crate::aws::audit::Class::{Computed as C, Ignored as I, Managed as M};
use crate::aws::audit::{debug_of, Audit, Shape};

/// Every Secrets Manager type's audit.
pub fn audits() -> Vec<Audit> {
    vec![Audit {
        kind: "secretsmanager_secret",
        shapes: vec![
            Shape {
                call: "DescribeSecret",
                shape: "DescribeSecretOutput",
                debug: || debug_of(describe_secret::DescribeSecretOutput::builder()),
                fields: &[
                    ("arn", C),
                    ("name", M("name")),
                    ("type", I("only for managed external secrets held by a partner; hcprov's secret is an ordinary one")),
                    ("description", M("description")),
                    ("kms_key_id", M("kms_key_id")),
                    ("rotation_enabled", M("rotation_enabled")),
                    ("rotation_lambda_arn", I("acts only while rotation is on, and rotation_enabled is managed (off): turning rotation on shows as rotation_enabled drift")),
                    ("rotation_rules", I("acts only while rotation is on, and rotation_enabled is managed (off): turning rotation on shows as rotation_enabled drift")),
                    ("external_secret_rotation_metadata", I("only for managed external secrets held by a partner")),
                    ("external_secret_rotation_role_arn", C), // managed external secrets only; hcprov's secret is an ordinary one (type)
                    ("last_rotated_date", C),
                    ("last_changed_date", C),
                    ("last_accessed_date", C),
                    ("deleted_date", C),
                    ("next_rotation_date", C),
                    ("tags", M("tags")),
                    // The version labelled AWSCURRENT: recorded at apply, so
                    // a value put outside hcprov is drift.
                    ("version_ids_to_stages", M("current_version")),
                    ("owning_service", C),
                    ("created_date", C),
                    ("primary_region", C),
                    ("replication_status", M("replica_regions")),
                ],
            },
            Shape {
                call: "DescribeSecret",
                shape: "ReplicationStatusType",
                debug: || debug_of(ReplicationStatusType::builder()),
                fields: &[
                    ("region", M("replica_regions")),
                    ("kms_key_id", I("a replica exists only if someone adds one, and replica_regions (none declared) is managed: any replica is already drift, and apply removes it with its key")),
                    ("status", C),
                    ("status_message", C),
                    ("last_accessed_date", C),
                ],
            },
            Shape {
                call: "GetResourcePolicy",
                shape: "GetResourcePolicyOutput",
                debug: || debug_of(get_resource_policy::GetResourcePolicyOutput::builder()),
                fields: &[
                    ("arn", C),
                    ("name", C),
                    ("resource_policy", M("resource_policy")),
                ],
            },
        ],
    }]
}
