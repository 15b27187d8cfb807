//! A state written by an older hcprov: settings it does not record yet,
//! nested ones included (a lifecycle rule's newer keys), and settings it
//! records that the blueprint no longer plans. Drift compares a resource
//! with what the next apply would record; a no-change apply records it.

use serde_json::Value;

use super::graph::Graph;
use super::plan::{Action, Plan};
use super::state::{ResourceState, State};
use super::value::{is_observed, references, Attrs};

/// What drift compares `rec`'s live attributes with, given the blueprint:
/// its recorded settings that `graph` still plans, plus the planned ones it
/// lacks (at any depth), where those name no other resource and are not
/// shared with other tooling. Without a blueprint (working from the state
/// alone), what it records.
pub fn expected(rec: &ResourceState, graph: Option<&Graph>) -> Attrs {
    let recorded = rec.attributes.unpack();
    upgraded(&recorded, rec, graph).unwrap_or(recorded)
}

/// [`expected`] given `recorded`, `rec`'s parsed attributes: `None` when
/// it is what they already hold.
fn upgraded(recorded: &Attrs, rec: &ResourceState, graph: Option<&Graph>) -> Option<Attrs> {
    let node = graph.and_then(|g| g.get(&rec.address))?;
    let planned = node.attrs();
    let extra = recorded.keys().any(|k| !planned.contains_key(k));
    let lacking = planned.iter().any(|(k, v)| {
        !node.shared.contains(k)
            && match recorded.get(k) {
                None => fillable(v),
                Some(r) => lacks(r, v),
            }
    });
    if !extra && !lacking {
        return None;
    }
    let mut a = recorded.clone();
    a.retain(|k, _| planned.contains_key(k));
    for (k, v) in planned.iter().filter(|(k, _)| !node.shared.contains(k)) {
        match a.get_mut(k) {
            None if fillable(v) => {
                a.insert(k.clone(), v.clone());
            }
            Some(r) => {
                fill(r, v);
            }
            None => {}
        }
    }
    Some(a)
}

/// Brings every resource of `state` (a copy drift compares with, never
/// saved) to [`expected`].
pub fn expect_unrecorded(state: &mut State, graph: &Graph) {
    for rec in state.resources.values_mut() {
        if let Some(a) = upgraded(&rec.attributes.unpack(), rec, Some(graph)) {
            rec.attributes = a.into();
        }
    }
}

/// Records in `state` what an unchanged resource's entry lacks (a state
/// written by an hcprov that did not compare those settings yet, or a
/// rule's newer keys): their live values, which equal the desired ones
/// since nothing changes. Without this, drift (which compares what was
/// recorded) would never look at them. Sets shared with other tooling
/// are left out: recording their live members would hide what the others
/// add. A setting the entry holds that the blueprint no longer plans (a
/// bucket held its lifecycle at none until a lifecycle node came) is
/// forgotten, or drift would compare it forever. Returns how many
/// settings were recorded and how many forgotten.
pub fn record_new_settings(state: &mut State, plan: &Plan) -> (usize, usize) {
    let (mut added, mut dropped) = (0, 0);
    for c in plan.changes.iter().filter(|c| c.action == Action::NoOp) {
        let (Some(desired), Some(live)) = (&c.desired, &c.before) else {
            continue;
        };
        let desired = desired.unpack();
        let Some(rec) = state.resources.get_mut(&c.address) else {
            continue;
        };
        let mut recorded = rec.attributes.unpack();
        let before = added + dropped;
        for k in desired.keys().filter(|k| !c.shared.contains(k)) {
            let Some(v) = live.get(k) else {
                continue;
            };
            match recorded.get_mut(k) {
                None => {
                    recorded.insert(k.clone(), v.clone());
                    added += 1;
                }
                Some(r) => {
                    if fill(r, v) {
                        added += 1;
                    }
                }
            }
        }
        let kept = recorded.len();
        recorded.retain(|k, _| desired.contains_key(k));
        dropped += kept - recorded.len();
        if added + dropped != before {
            rec.attributes = recorded.into();
        }
    }
    (added, dropped)
}

/// True when `v` names no other resource.
fn plain(v: &Value) -> bool {
    let mut refs = vec![];
    references(v, &mut refs);
    refs.is_empty()
}

/// True when `v` can stand for a setting a state lacks: it names no other
/// resource and is not [`observed`](super::value::observed) (only apply
/// learns that one; until it does, it is not compared).
fn fillable(v: &Value) -> bool {
    plain(v) && !is_observed(v)
}

/// True when `recorded` lacks a key `planned` has, at any depth (objects
/// by key, lists of the same length item by item).
fn lacks(recorded: &Value, planned: &Value) -> bool {
    if is_observed(planned) {
        return false;
    }
    match (recorded, planned) {
        (Value::Object(r), Value::Object(p)) => p.iter().any(|(k, pv)| match r.get(k) {
            None => fillable(pv),
            Some(rv) => lacks(rv, pv),
        }),
        (Value::Array(r), Value::Array(p)) if r.len() == p.len() => {
            r.iter().zip(p).any(|(rv, pv)| lacks(rv, pv))
        }
        _ => false,
    }
}

/// Adds to `recorded` what it lacks of `planned` (see [`lacks`]), never
/// changing a value it holds. Returns whether it added anything.
fn fill(recorded: &mut Value, planned: &Value) -> bool {
    if is_observed(planned) {
        return false;
    }
    match (recorded, planned) {
        (Value::Object(r), Value::Object(p)) => {
            let mut added = false;
            for (k, pv) in p {
                match r.get_mut(k) {
                    Some(rv) => added |= fill(rv, pv),
                    None if fillable(pv) => {
                        r.insert(k.clone(), pv.clone());
                        added = true;
                    }
                    None => {}
                }
            }
            added
        }
        (Value::Array(r), Value::Array(p)) if r.len() == p.len() => {
            let mut added = false;
            for (rv, pv) in r.iter_mut().zip(p) {
                added |= fill(rv, pv);
            }
            added
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_rules_newer_keys_are_filled_and_no_recorded_value_changes() {
        let mut recorded = json!({"rules": [{"id": "ia", "transition_days": 30}], "bucket": "b"});
        let planned = json!({"rules": [{"id": "ia", "transition_days": 60, "more_transitions": []}],
            "bucket": {"$ref": "s3_bucket.data.id"}, "new": null});
        assert!(lacks(&recorded, &planned));
        assert!(fill(&mut recorded, &planned));
        assert_eq!(
            recorded,
            json!({"rules": [{"id": "ia", "transition_days": 30, "more_transitions": []}], "bucket": "b", "new": null})
        );
        assert!(!lacks(&recorded, &planned));
        assert!(!fill(&mut recorded, &planned));
    }
}
