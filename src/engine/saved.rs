//! A saved plan is applied exactly as shown, or not at all.
//!
//! A plan file is input like any other: it may have been edited between
//! `plan --out` and `apply`. Before anything runs, apply checks it twice:
//!
//! 1. [`check_saved`], with no AWS call: the format version; every change
//!    names a desired node with exactly the configured attributes and edges,
//!    or (a delete) a resource the state holds; every id and region is the
//!    state's own; nothing is missing.
//! 2. [`first_difference`]: the whole file must equal the plan hcprov makes
//!    now from the same state and configuration. Apply then executes and
//!    prints that fresh plan, so what is shown is what runs.

use std::collections::BTreeSet;

use serde_json::Value;

use super::graph::Graph;
use super::plan::{Action, Plan, PLAN_FORMAT_VERSION};
use super::state::State;

/// The format version of a plan file's JSON, checked before the rest of it
/// is read.
pub fn check_format(value: &Value) -> Result<(), String> {
    match value.get("format_version").and_then(Value::as_u64) {
        Some(v) if v == u64::from(PLAN_FORMAT_VERSION) => Ok(()),
        Some(v) => Err(format!(
            "it has plan format version {v}, and this hcprov reads version {PLAN_FORMAT_VERSION}"
        )),
        None => Err("it has no plan format_version".into()),
    }
}

/// Checks a saved plan against the state and the desired graph without
/// calling AWS. `state` is `None` when no state exists yet.
pub fn check_saved(plan: &Plan, state: Option<&State>, graph: &Graph) -> Result<(), String> {
    if plan.destroy {
        return Err("it is a destroy plan; run `hcprov destroy` instead".into());
    }
    let mut seen = BTreeSet::new();
    for c in &plan.changes {
        if !seen.insert(c.address.as_str()) {
            return Err(format!("it lists {} twice", c.address));
        }
        let recorded = state.and_then(|s| s.resources.get(&c.address));
        match (c.action, graph.get(&c.address)) {
            (Action::Delete, Some(_)) => {
                return Err(format!(
                    "it deletes {}, which the configuration wants",
                    c.address
                ));
            }
            (Action::Delete, None) => {
                let Some(rec) = recorded else {
                    return Err(format!(
                        "it deletes {} (id {}), which the state does not hold",
                        c.address,
                        c.id.as_deref().unwrap_or("none")
                    ));
                };
                if c.id.as_deref() != Some(rec.id.as_str()) || c.region != rec.region {
                    return Err(format!(
                        "it deletes {} as id {} in {}, but the state holds id {} in {}",
                        c.address,
                        c.id.as_deref().unwrap_or("none"),
                        c.region,
                        rec.id,
                        rec.region
                    ));
                }
                if c.desired.is_some() {
                    return Err(format!("its delete of {} carries attributes", c.address));
                }
            }
            (_, None) => {
                return Err(format!(
                    "it changes {}, which the configuration does not define",
                    c.address
                ));
            }
            (action, Some(node)) => {
                if c.desired.as_ref() != Some(&node.packed()) {
                    return Err(format!(
                        "its desired attributes of {} are not the configuration's",
                        c.address
                    ));
                }
                if c.region != node.region
                    || c.dependencies != node.dependencies()
                    || c.depends_on != node.depends_on
                {
                    return Err(format!(
                        "its region or dependencies of {} are not the configuration's",
                        c.address
                    ));
                }
                match (action, recorded, &c.id) {
                    (Action::Create, _, None) => {}
                    (Action::Create, _, Some(id)) => {
                        return Err(format!("its create of {} names an id ({id})", c.address));
                    }
                    (_, Some(rec), Some(id)) if *id == rec.id => {}
                    (_, rec, id) => {
                        return Err(format!(
                            "it acts on {} as id {}, but the state holds {}",
                            c.address,
                            id.as_deref().unwrap_or("none"),
                            rec.map_or("nothing".to_string(), |r| format!("id {}", r.id))
                        ));
                    }
                }
            }
        }
    }
    // A partial plan leaves out what its targets do not select; the plan
    // made now with the same targets must still equal it.
    if !plan.targets.is_empty() {
        return Ok(());
    }
    if let Some(missing) = graph
        .nodes()
        .iter()
        .map(|n| n.address.as_str())
        .chain(
            state
                .iter()
                .flat_map(|s| s.resources.keys().map(String::as_str)),
        )
        .find(|a| !seen.contains(a))
    {
        return Err(format!("it leaves out {missing}"));
    }
    Ok(())
}

/// The first way `saved` differs from `fresh` (a plan made now from the
/// same state and configuration), or `None` when they are the same plan.
/// Compared as JSON, the form the file has (where an absent value and an
/// explicit null read back alike).
pub fn first_difference(saved: &Plan, fresh: &Plan) -> Option<String> {
    fn json<T: serde::Serialize>(v: &T) -> Value {
        serde_json::to_value(v).unwrap_or_default()
    }
    let header = [
        (
            "environment",
            json(&saved.environment) == json(&fresh.environment),
        ),
        ("lineage", json(&saved.lineage) == json(&fresh.lineage)),
        ("serial", saved.serial == fresh.serial),
        ("fresh_state", saved.fresh_state == fresh.fresh_state),
        ("destroy", saved.destroy == fresh.destroy),
        ("outputs", json(&saved.outputs) == json(&fresh.outputs)),
        ("summary", saved.summary == fresh.summary),
    ];
    if let Some((field, _)) = header.iter().find(|(_, same)| !same) {
        return Some(format!("its {field} differs"));
    }
    for (a, b) in saved.changes.iter().zip(&fresh.changes) {
        let (ja, jb) = (json(a), json(b));
        if ja == jb {
            continue;
        }
        let field = match (ja.as_object(), jb.as_object()) {
            (Some(x), Some(y)) => x
                .keys()
                .chain(y.keys())
                .find(|k| x.get(*k) != y.get(*k))
                .cloned()
                .unwrap_or_default(),
            _ => String::new(),
        };
        return Some(format!(
            "its change of {} differs in `{field}` (now: {} {})",
            a.address,
            b.action.symbol().trim(),
            b.address
        ));
    }
    if saved.changes.len() != fresh.changes.len() {
        return Some(format!(
            "it has {} changes where a plan made now has {}",
            saved.changes.len(),
            fresh.changes.len()
        ));
    }
    if json(&saved.drift) != json(&fresh.drift) {
        return Some("its report of changes made outside hcprov differs".into());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::graph::Node;
    use crate::engine::plan::plan_destroy;
    use crate::engine::state::ResourceState;
    use serde_json::json;

    fn fixture() -> (Graph, State, Plan) {
        let graph = Graph::build(vec![
            Node::new(
                "fake",
                "a",
                "r1",
                json!({"policy": {"Action": "s3:GetObject"}}),
            ),
            Node::new("fake", "b", "r1", json!({"size": 1})),
        ])
        .unwrap();
        let mut state = State::new("e");
        for (addr, id) in [("fake.a", "id-a"), ("fake.old", "id-old")] {
            state.resources.insert(
                addr.into(),
                ResourceState {
                    address: addr.into(),
                    kind: "fake".into(),
                    region: "r1".into(),
                    id: id.into(),
                    attributes: Default::default(),
                    outputs: Default::default(),
                    dependencies: vec![],
                },
            );
        }
        let mut plan = plan_destroy(&state);
        plan.destroy = false;
        plan.changes.retain(|c| c.address == "fake.old");
        for n in graph.nodes() {
            let rec = state.resources.get(&n.address);
            plan.changes.push(crate::engine::plan::Change {
                address: n.address.clone(),
                region: n.region.clone(),
                action: if rec.is_some() {
                    Action::Update
                } else {
                    Action::Create
                },
                id: rec.map(|r| r.id.clone()),
                attributes: Default::default(),
                replace_because: vec![],
                desired: Some(n.packed()),
                before: None,
                dependencies: n.dependencies(),
                depends_on: vec![],
                create_before_destroy: false,
                shared: vec![],
            });
        }
        (graph, state, plan)
    }

    #[test]
    fn an_honest_plan_passes_and_each_edit_is_named() {
        let (graph, state, plan) = fixture();
        check_saved(&plan, Some(&state), &graph).unwrap();

        let mut widened = plan.clone();
        let a = widened
            .changes
            .iter_mut()
            .find(|c| c.address == "fake.a")
            .unwrap();
        let mut desired = a.desired.as_ref().unwrap().unpack();
        desired["policy"] = json!({"Action": "*", "Resource": "*"});
        a.desired = Some(desired.into());
        let err = check_saved(&widened, Some(&state), &graph).unwrap_err();
        assert!(err.contains("desired attributes of fake.a"), "{err}");

        let mut foreign = plan.clone();
        foreign.changes[0].id = Some("bucket-not-ours".into());
        let err = check_saved(&foreign, Some(&state), &graph).unwrap_err();
        assert!(err.contains("state holds id id-old"), "{err}");

        let mut extra = plan.clone();
        let mut d = extra.changes[0].clone();
        d.address = "fake.never".into();
        extra.changes.push(d);
        let err = check_saved(&extra, Some(&state), &graph).unwrap_err();
        assert!(err.contains("state does not hold"), "{err}");

        let mut dropped = plan.clone();
        dropped.changes.retain(|c| c.address != "fake.old");
        let err = check_saved(&dropped, Some(&state), &graph).unwrap_err();
        assert!(err.contains("leaves out fake.old"), "{err}");

        let mut retargeted = plan.clone();
        let a = retargeted
            .changes
            .iter_mut()
            .find(|c| c.address == "fake.a")
            .unwrap();
        a.id = Some("id-other".into());
        assert!(check_saved(&retargeted, Some(&state), &graph).is_err());
    }

    #[test]
    fn the_file_must_equal_a_fresh_plan() {
        let (_, _, plan) = fixture();
        assert_eq!(first_difference(&plan, &plan.clone()), None);
        // A null attribute reads back from the file as absent: the same.
        let mut with_null = plan.clone();
        with_null.changes[1]
            .attributes
            .push(crate::engine::plan::AttrChange {
                name: "vpc_config".into(),
                before: None,
                after: Some(Value::Null),
                forces_replacement: false,
            });
        let text = serde_json::to_string(&with_null).unwrap();
        let read: Plan = serde_json::from_str(&text).unwrap();
        assert_eq!(first_difference(&read, &with_null), None);
        let mut shown = plan.clone();
        shown.changes[1]
            .attributes
            .push(crate::engine::plan::AttrChange {
                name: "tags".into(),
                before: None,
                after: Some(json!({"a": "b"})),
                forces_replacement: false,
            });
        let d = first_difference(&shown, &plan).unwrap();
        assert!(d.contains("`attributes`"), "{d}");
        let mut serial = plan.clone();
        serial.serial += 1;
        assert_eq!(
            first_difference(&serial, &plan).unwrap(),
            "its serial differs"
        );
    }

    #[test]
    fn format_versions_other_than_this_builds_are_refused() {
        assert!(check_format(&json!({"format_version": 1})).is_ok());
        assert!(check_format(&json!({"format_version": 2}))
            .unwrap_err()
            .contains("version 2"));
        assert!(check_format(&json!({})).is_err());
    }
}
