//! The drift audit of the IAM types (see `aws::audit`).

use aws_sdk_iam::operation::{get_role_policy, list_role_policies};
use aws_sdk_iam::types::{AttachedPolicy, Role};

use crate::aws::audit::Class::{Computed as C, Ignored as I, Managed as M};
use crate::aws::audit::{debug_of, Audit, Shape};

/// Every IAM type's audit.
pub fn audits() -> Vec<Audit> {
    vec![
        Audit {
            kind: "iam_role",
            shapes: vec![Shape {
                call: "GetRole",
                shape: "Role",
                debug: || debug_of(Role::builder()),
                fields: &[
                    ("path", I("fixed at creation (no API moves a role); hcprov creates its roles under /")),
                    ("role_name", M("name")),
                    ("role_id", C),
                    ("arn", C),
                    ("create_date", C),
                    ("assume_role_policy_document", M("assume_role_policy")),
                    ("description", I("hcprov sets no description; a label only")),
                    ("max_session_duration", M("max_session_duration")),
                    ("permissions_boundary", M("permissions_boundary")),
                    ("tags", M("tags")),
                    ("role_last_used", C),
                    ("source_role_template", I("only for roles AcquireRole made from a template; hcprov creates its roles with CreateRole, and it is fixed at creation")),
                ],
            },
            Shape {
                call: "ListAttachedRolePolicies",
                shape: "AttachedPolicy",
                debug: || debug_of(AttachedPolicy::builder()),
                fields: &[("policy_name", C), ("policy_arn", M("managed_policy_arns"))],
            },
            Shape {
                call: "ListRolePolicies",
                shape: "ListRolePoliciesOutput",
                debug: || debug_of(list_role_policies::ListRolePoliciesOutput::builder()),
                fields: &[("policy_names", M("inline_policy_names")), ("is_truncated", C), ("marker", C)],
            }],
        },
        Audit {
            kind: "iam_role_policy",
            shapes: vec![Shape {
                call: "GetRolePolicy",
                shape: "GetRolePolicyOutput",
                debug: || debug_of(get_role_policy::GetRolePolicyOutput::builder()),
                fields: &[
                    ("role_name", M("role")),
                    ("policy_name", M("name")),
                    ("policy_document", M("policy")),
                ],
            }],
        },
        Audit {
            kind: "iam_role_policy_attachment",
            shapes: vec![Shape {
                call: "ListAttachedRolePolicies",
                shape: "AttachedPolicy",
                debug: || debug_of(AttachedPolicy::builder()),
                fields: &[
                    ("policy_name", I("the name part of policy_arn, which is compared")),
                    ("policy_arn", M("policy_arn")),
                ],
            }],
        },
    ]
}
