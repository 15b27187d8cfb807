//! The sets a managed object owns: the policies of an IAM role, the targets
//! of an EventBridge rule, the statements of a Lambda function's resource
//! policy. Each is declared on the owner as the list of what its member
//! nodes add, so a refresh sees what others added as drift and apply
//! removes it, unless `[sets] shared` names the set.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::engine::graph::Node;
use crate::engine::value::{references, Attrs};

/// One kind of exclusive set: its owner's kind and attribute, and the
/// member kind, the member's attribute naming the owner, and the member's
/// attribute that is the set's element.
struct SetKind {
    owner: &'static str,
    attr: &'static str,
    member: &'static str,
    via: &'static str,
    element: &'static str,
}

const SETS: [SetKind; 5] = [
    SetKind {
        owner: "ec2_route_table",
        attr: "subnet_ids",
        member: "ec2_route_table_association",
        via: "route_table_id",
        element: "subnet_id",
    },
    SetKind {
        owner: "iam_role",
        attr: "managed_policy_arns",
        member: "iam_role_policy_attachment",
        via: "role",
        element: "policy_arn",
    },
    SetKind {
        owner: "iam_role",
        attr: "inline_policy_names",
        member: "iam_role_policy",
        via: "role",
        element: "name",
    },
    SetKind {
        owner: "eventbridge_rule",
        attr: "target_ids",
        member: "eventbridge_target",
        via: "rule",
        element: "target_id",
    },
    SetKind {
        owner: "lambda_function",
        attr: "permission_sids",
        member: "lambda_permission",
        via: "function_name",
        element: "statement_id",
    },
];

/// Sets the stack holds at none (`src/stack/pins.rs`; a bucket's also
/// `s3::undeclared::KEYS`): no member kind
/// declares any, and what someone adds is drift. Other tooling that adds
/// to one of them (central log forwarding, an organisation's backup
/// copies to another account) is given way by `[sets] shared`, as for the
/// sets above.
const HELD: [(&str, &str); 6] = [
    ("kms_key", "foreign_grants"),
    ("logs_log_group", "subscription_filters"),
    ("rds_cluster", "shared_snapshots"),
    ("dynamodb_table", "kinesis_destinations"),
    ("lambda_function", "published_versions"),
    ("lambda_function", "aliases"),
];

/// The exclusive sets of `kind`, by attribute.
pub fn of_kind(kind: &str) -> Vec<&'static str> {
    SETS.iter()
        .filter(|s| s.owner == kind)
        .map(|s| s.attr)
        .chain(HELD.iter().filter(|(k, _)| *k == kind).map(|(_, a)| *a))
        .chain(
            crate::aws::s3::undeclared::KEYS
                .into_iter()
                .filter(|_| kind == "s3_bucket"),
        )
        .collect()
}

/// Declares every owner's sets from its members, then marks the sets
/// `shared` names. `Err` names the bad entry of `[sets] shared`.
pub fn declare(nodes: &mut [Node], shared: &[String]) -> Result<(), String> {
    let mut members: BTreeMap<(String, &str), Vec<Value>> = BTreeMap::new();
    for set in &SETS {
        for n in nodes.iter().filter(|n| n.kind() == set.member) {
            let Some(owner) = owner_of(&n.attrs(), set.via) else {
                continue;
            };
            if let Some(e) = n.attrs().get(set.element) {
                members
                    .entry((owner, set.attr))
                    .or_default()
                    .push(e.clone());
            }
        }
    }
    for n in nodes.iter_mut() {
        let kind = n.kind().to_string();
        for set in SETS.iter().filter(|s| s.owner == kind) {
            let mut list = members
                .remove(&(n.address.clone(), set.attr))
                .unwrap_or_default();
            list.sort_by_key(Value::to_string);
            n.attrs_mut().insert(set.attr.into(), Value::Array(list));
        }
    }
    for (i, entry) in shared.iter().enumerate() {
        let bad = |why: String| format!("sets.shared[{i}]: {entry:?} {why}");
        let Some((address, attr)) = entry.rsplit_once('.') else {
            return Err(bad("is not ADDRESS.SET".into()));
        };
        let Some(n) = nodes.iter_mut().find(|n| n.address == address) else {
            return Err(bad(
                "names no resource of this configuration; `hcprov plan` lists them".into(),
            ));
        };
        let sets = of_kind(n.kind());
        if !sets.contains(&attr) {
            return Err(bad(if sets.is_empty() {
                format!("names a {} set, and that type owns none", n.kind())
            } else {
                format!(
                    "names no set of {}: its sets are {}",
                    n.kind(),
                    sets.join(", ")
                )
            }));
        }
        if !n.shared.iter().any(|s| s == attr) {
            n.shared.push(attr.to_string());
        }
    }
    Ok(())
}

/// The address of the node `attrs[via]` refers to.
fn owner_of(attrs: &Attrs, via: &str) -> Option<String> {
    let mut refs = vec![];
    references(attrs.get(via)?, &mut refs);
    refs.into_iter().next().map(|r| r.address)
}
