//! The drift audit of the KMS types (see `aws::audit`).

use aws_sdk_kms::operation::{get_key_policy, get_key_rotation_status, list_resource_tags};
use aws_sdk_kms::types::{AliasListEntry, GrantListEntry, KeyMetadata};

use crate::aws::audit::Class::{Computed as C, Ignored as I, Managed as M};
use crate::aws::audit::{debug_of, Audit, Shape};

/// Every KMS type's audit.
pub fn audits() -> Vec<Audit> {
    vec![
        Audit {
            kind: "kms_key",
            shapes: vec![
                Shape {
                    call: "DescribeKey",
                    shape: "KeyMetadata",
                    debug: || debug_of(KeyMetadata::builder()),
                    fields: &[
                        ("aws_account_id", C),
                        ("key_id", C),
                        ("arn", C),
                        ("creation_date", C),
                        ("enabled", M("enabled")),
                        ("description", M("description")),
                        ("key_usage", I("always ENCRYPT_DECRYPT: hcprov creates only symmetric encryption keys and KMS cannot change it")),
                        ("key_state", M("enabled")),
                        ("deletion_date", C),
                        ("valid_to", I("only for imported key material, which hcprov never uses")),
                        ("origin", I("always AWS_KMS for keys hcprov creates; fixed at creation")),
                        ("custom_key_store_id", I("hcprov never uses a custom key store; fixed at creation")),
                        ("cloud_hsm_cluster_id", I("hcprov never uses a custom key store; fixed at creation")),
                        ("expiration_model", I("only for imported key material, which hcprov never uses")),
                        ("key_manager", C),
                        ("customer_master_key_spec", I("deprecated twin of key_spec")),
                        ("key_spec", I("always SYMMETRIC_DEFAULT for keys hcprov creates; fixed at creation")),
                        ("encryption_algorithms", C),
                        ("signing_algorithms", C),
                        ("key_agreement_algorithms", C),
                        ("encapsulation_algorithms", C),
                        ("multi_region", I("always false for keys hcprov creates; fixed at creation")),
                        ("multi_region_configuration", I("single-region keys have none")),
                        ("pending_deletion_window_in_days", M("enabled")),
                        ("mac_algorithms", C),
                        ("xks_key_configuration", I("hcprov never uses an external key store; fixed at creation")),
                        ("current_key_material_id", C),
                    ],
                },
                Shape {
                    call: "GetKeyRotationStatus",
                    shape: "GetKeyRotationStatusOutput",
                    debug: || debug_of(get_key_rotation_status::GetKeyRotationStatusOutput::builder()),
                    fields: &[
                        ("key_rotation_enabled", M("enable_key_rotation")),
                        ("key_id", C),
                        ("rotation_period_in_days", M("rotation_period_in_days")),
                        ("next_rotation_date", C),
                        ("on_demand_rotation_start_date", C),
                    ],
                },
                Shape {
                    call: "GetKeyPolicy",
                    shape: "GetKeyPolicyOutput",
                    debug: || debug_of(get_key_policy::GetKeyPolicyOutput::builder()),
                    fields: &[("policy", M("policy")), ("policy_name", C)],
                },
                Shape {
                    call: "ListGrants",
                    shape: "GrantListEntry",
                    debug: || debug_of(GrantListEntry::builder()),
                    fields: &[
                        ("grantee_principal", M("foreign_grants")),
                        ("grantee_service_principal", M("foreign_grants")),
                        ("retiring_service_principal", I("only which service may retire the grant")),
                        ("grant_id", M("foreign_grants")),
                        ("operations", M("foreign_grants")),
                        ("key_id", C),
                        ("name", C),
                        ("creation_date", C),
                        ("retiring_principal", I("only who may retire the grant; the grantee's account decides whether it is foreign")),
                        ("issuing_account", C),
                        ("constraints", I("narrows a grant; a grant to another account is foreign whatever its constraints")),
                    ],
                },
                Shape {
                    call: "ListResourceTags",
                    shape: "ListResourceTagsOutput",
                    debug: || debug_of(list_resource_tags::ListResourceTagsOutput::builder()),
                    fields: &[("tags", M("tags")), ("next_marker", C), ("truncated", C)],
                },
            ],
        },
        Audit {
            kind: "kms_alias",
            shapes: vec![Shape {
                call: "ListAliases",
                shape: "AliasListEntry",
                debug: || debug_of(AliasListEntry::builder()),
                fields: &[
                    ("alias_name", M("name")),
                    ("alias_arn", C),
                    ("target_key_id", M("target_key_id")),
                    ("creation_date", C),
                    ("last_updated_date", C),
                ],
            }],
        },
    ]
}
