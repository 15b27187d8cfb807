//! The plan: a serialisable value saying what apply will do to each node,
//! and the planner that computes it from the desired graph, the state and
//! what a refresh found live.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use super::change_list::AttrChanges;
use super::graph::{kind_of, stable_order, Graph};
use super::packed::Packed;
use super::refresh::{Live, Refreshed};
use super::resource::Registry;
use super::state::{ResourceState, State};
use super::value::{
    contains_unknown, is_observed, resolve, resolve_attrs, settle_observed, Attrs, Reference,
};
use super::EngineError;

/// The plan file format this build writes.
pub const PLAN_FORMAT_VERSION: u32 = 1;

/// What apply does to one node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Nothing: live matches desired.
    NoOp,
    /// Create a new object.
    Create,
    /// Update attributes in place.
    Update,
    /// Delete the object, then create it again.
    Replace,
    /// Delete the object (in state, no longer desired).
    Delete,
}

impl Action {
    /// The familiar one-column symbol.
    pub fn symbol(self) -> &'static str {
        match self {
            Action::NoOp => " ",
            Action::Create => "+",
            Action::Update => "~",
            Action::Replace => "-/+",
            Action::Delete => "-",
        }
    }
}

/// One attribute's change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttrChange {
    /// Attribute name.
    pub name: String,
    /// Value before (live, or recorded for drift); absent when new.
    pub before: Option<Value>,
    /// Value after; absent when removed.
    pub after: Option<Value>,
    /// True when this change forces replacement.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub forces_replacement: bool,
}

/// The planned change of one node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// `kind.name`.
    pub address: String,
    /// Region of the object.
    pub region: String,
    /// What apply does.
    pub action: Action,
    /// The existing object's id, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Attribute-level changes (for create: every attribute).
    #[serde(default, skip_serializing_if = "AttrChanges::is_empty")]
    pub attributes: AttrChanges,
    /// The attributes forcing a replacement.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replace_because: Vec<String>,
    /// Desired attributes with references unresolved; apply resolves them
    /// against outputs as they become known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desired: Option<Packed>,
    /// Live attributes before the change (update and replace).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<Attrs>,
    /// Addresses this node depends on (desired, or recorded for a delete).
    #[serde(default)]
    pub dependencies: Vec<String>,
    /// Explicit `depends_on` of the desired node.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
    /// A replacement that creates the new object before deleting the old.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub create_before_destroy: bool,
    /// Set attributes shared with other tooling: an update leaves their
    /// live members as they are.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shared: Vec<String>,
}

impl Change {
    /// The resource type.
    pub fn kind(&self) -> &str {
        kind_of(&self.address)
    }
}

/// How a resource differs from what hcprov last applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DriftStatus {
    /// Live matches the state.
    InSync,
    /// Some managed attributes differ.
    Modified,
    /// The object is gone.
    Deleted,
    /// It could not be read.
    Unreadable,
}

/// Drift of one resource: recorded → live.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Drift {
    /// `kind.name`.
    pub address: String,
    /// Resource type.
    #[serde(rename = "type")]
    pub kind: String,
    /// The object's id.
    pub id: String,
    /// Region.
    pub region: String,
    /// Outcome.
    pub status: DriftStatus,
    /// Attribute changes, `before` = recorded, `after` = live.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<AttrChange>,
    /// Why it could not be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Counts by action.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Creates.
    pub create: usize,
    /// In-place updates.
    pub update: usize,
    /// Replacements.
    pub replace: usize,
    /// Deletes.
    pub delete: usize,
    /// Unchanged.
    pub no_op: usize,
}

impl Summary {
    /// True when apply would change anything.
    pub fn has_changes(&self) -> bool {
        self.create + self.update + self.replace + self.delete > 0
    }
}

/// A complete plan. Apply executes exactly this.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Plan format version.
    pub format_version: u32,
    /// The environment planned.
    pub environment: String,
    /// Lineage of the state the plan was made against.
    pub lineage: String,
    /// Serial of that state (0 when there was none).
    pub serial: u64,
    /// True when no state file existed.
    pub fresh_state: bool,
    /// True for a destroy plan.
    #[serde(default)]
    pub destroy: bool,
    /// Every node's change, in dependency order.
    pub changes: Vec<Change>,
    /// Changes made outside hcprov, found by the refresh.
    #[serde(default)]
    pub drift: Vec<Drift>,
    /// Stack outputs, references unresolved.
    #[serde(default)]
    pub outputs: BTreeMap<String, Value>,
    /// Counts.
    pub summary: Summary,
    /// The `--target`s of a partial plan (empty: the whole stack).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<String>,
}

impl Plan {
    /// The plan as apply needs it: a create's attribute list repeats its
    /// desired attributes for showing (resolved as far as the plan knows
    /// them), which apply never reads, so it is dropped. Call it once the
    /// plan has been shown and saved.
    pub fn for_apply(mut self) -> Plan {
        for c in &mut self.changes {
            if c.action == Action::Create {
                c.attributes = AttrChanges::default();
            }
        }
        self
    }

    pub(crate) fn summarise(changes: &[Change]) -> Summary {
        let mut s = Summary::default();
        for c in changes {
            match c.action {
                Action::NoOp => s.no_op += 1,
                Action::Create => s.create += 1,
                Action::Update => s.update += 1,
                Action::Replace => s.replace += 1,
                Action::Delete => s.delete += 1,
            }
        }
        s
    }
}

/// Compares recorded attributes with live ones: the drift of one resource.
pub fn diff_attrs(recorded: &Attrs, live: &Attrs) -> Vec<AttrChange> {
    recorded
        .iter()
        .filter_map(|(k, before)| {
            let after = live.get(k).cloned().unwrap_or(Value::Null);
            (before != &after).then(|| AttrChange {
                name: k.clone(),
                before: Some(before.clone()),
                after: Some(after),
                forces_replacement: false,
            })
        })
        .collect()
}

/// The drift of every resource in `state` given what a refresh found.
/// With `graph`, each resource is compared with what the next apply would
/// record (see [`super::upgrade::expected`]).
pub fn drift_report(state: &State, refreshed: &Refreshed, graph: Option<&Graph>) -> Vec<Drift> {
    state
        .resources
        .values()
        .map(|r| {
            let (status, attributes, error) = match refreshed.get(&r.address) {
                Some(Live::Present(o)) => {
                    let d = diff_attrs(&super::upgrade::expected(r, graph), &o.attrs);
                    let s = if d.is_empty() {
                        DriftStatus::InSync
                    } else {
                        DriftStatus::Modified
                    };
                    (s, d, None)
                }
                Some(Live::Gone) => (DriftStatus::Deleted, vec![], None),
                Some(Live::Unreadable(e)) => (DriftStatus::Unreadable, vec![], Some(e.to_string())),
                None => (DriftStatus::Unreadable, vec![], Some("not read".into())),
            };
            Drift {
                address: r.address.clone(),
                kind: r.kind.clone(),
                id: r.id.clone(),
                region: r.region.clone(),
                status,
                attributes,
                error,
            }
        })
        .collect()
}

/// Plans `graph` against `state` and the refreshed live view.
pub fn plan(
    graph: &Graph,
    state: &State,
    fresh_state: bool,
    refreshed: &Refreshed,
    registry: &Registry,
    outputs: BTreeMap<String, Value>,
) -> Result<Plan, EngineError> {
    if let Some((addr, e)) = refreshed.first_unreadable() {
        return Err(EngineError::Refresh {
            address: addr.to_string(),
            message: e.to_string(),
        });
    }
    let mut actions: HashMap<String, Action> = HashMap::new();
    let mut changes = Vec::with_capacity(graph.nodes().len());
    for i in graph.topological() {
        let node = &graph.nodes()[i];
        let rt = registry.get(node.kind())?;
        let lookup = |r: &Reference| -> Option<Value> {
            match actions.get(&r.address) {
                // A literal desired attribute is known before creation.
                Some(Action::Create | Action::Replace) => graph.literal(r).cloned(),
                _ => known_value(state, refreshed, r),
            }
        };
        let node_attrs = node.attrs();
        let mut desired = resolve_attrs(&node_attrs, &lookup);
        let recorded = state.resources.get(&node.address);
        let live = recorded.and_then(|r| match refreshed.get(&r.address) {
            Some(Live::Present(o)) => Some(o),
            _ => None,
        });
        // What was recorded of the observed settings (parsed only for a
        // node that has some).
        let prior = recorded
            .filter(|_| live.is_some() && desired.values().any(is_observed))
            .map(|r| r.attributes.unpack());
        settle_observed(&mut desired, prior.as_ref());
        let (action, attributes, replace_because, before, id) = match (recorded, live) {
            (Some(rec), Some(live)) => {
                let mut attrs = vec![];
                let mut forcing = vec![];
                for (k, want) in &desired {
                    if node.shared.contains(k) {
                        // Another tool's additions: reported as drift, never undone.
                        continue;
                    }
                    let have = live.attrs.get(k).cloned().unwrap_or(Value::Null);
                    if contains_unknown(want) || *want != have {
                        let forces = rt.replace_on().contains(&k.as_str());
                        if forces {
                            forcing.push(k.clone());
                        }
                        attrs.push(AttrChange {
                            name: k.clone(),
                            before: Some(have),
                            after: Some(want.clone()),
                            forces_replacement: forces,
                        });
                    }
                }
                if rec.region != node.region {
                    forcing.push("region".into());
                    attrs.push(AttrChange {
                        name: "region".into(),
                        before: Some(Value::String(rec.region.clone())),
                        after: Some(Value::String(node.region.clone())),
                        forces_replacement: true,
                    });
                }
                let action = if !forcing.is_empty() {
                    Action::Replace
                } else if !attrs.is_empty() {
                    Action::Update
                } else {
                    Action::NoOp
                };
                (
                    action,
                    attrs.into(),
                    forcing,
                    Some(live.attrs.clone()),
                    Some(rec.id.clone()),
                )
            }
            _ => (
                Action::Create,
                AttrChanges::created(&desired),
                vec![],
                None,
                None,
            ),
        };
        actions.insert(node.address.clone(), action);
        changes.push(Change {
            address: node.address.clone(),
            region: node.region.clone(),
            action,
            id,
            attributes,
            replace_because,
            desired: Some(node.packed()),
            before,
            dependencies: super::graph::dependencies(&node_attrs, &node.depends_on),
            depends_on: node.depends_on.clone(),
            create_before_destroy: action == Action::Replace && rt.create_before_destroy(),
            shared: node.shared.clone(),
        });
    }
    // A replaced object that others still use moves them over first
    // (create the new one, update or replace them, then delete the old
    // one), where its type lets the two exist side by side.
    for i in 0..changes.len() {
        let c = &changes[i];
        if c.action != Action::Replace || c.create_before_destroy {
            continue;
        }
        let used = changes.iter().any(|o| {
            matches!(o.action, Action::Update | Action::Replace)
                && o.dependencies.contains(&c.address)
        });
        let (from, to) = (
            c.before.clone().unwrap_or_default(),
            c.desired.as_ref().map(Packed::unpack).unwrap_or_default(),
        );
        if used && registry.get(c.kind())?.coexists(&from, &to) {
            changes[i].create_before_destroy = true;
        }
    }
    // Deletes: in state, no longer desired, in reverse dependency order.
    let gone: Vec<&ResourceState> = state
        .resources
        .values()
        .filter(|r| graph.get(&r.address).is_none())
        .collect();
    changes.extend(
        reverse_dependency_order(&gone)
            .into_iter()
            .map(delete_change),
    );
    let summary = Plan::summarise(&changes);
    Ok(Plan {
        format_version: PLAN_FORMAT_VERSION,
        environment: state.environment.clone(),
        lineage: state.lineage.clone(),
        serial: state.serial,
        fresh_state,
        destroy: false,
        drift: drift_report(state, refreshed, Some(graph))
            .into_iter()
            .filter(|d| d.status != DriftStatus::InSync)
            .collect(),
        changes,
        outputs,
        summary,
        targets: vec![],
    })
}

/// `resources` ordered so that each comes before what it depends on.
fn reverse_dependency_order<'a>(resources: &[&'a ResourceState]) -> Vec<&'a ResourceState> {
    let pos: HashMap<&str, usize> = resources
        .iter()
        .enumerate()
        .map(|(i, r)| (r.address.as_str(), i))
        .collect();
    let names: Vec<&str> = resources.iter().map(|r| r.address.as_str()).collect();
    // Reverse edges: a resource waits for everything that depends on it.
    let mut deps = vec![vec![]; resources.len()];
    for (i, r) in resources.iter().enumerate() {
        for d in &r.dependencies {
            if let Some(&j) = pos.get(d.as_str()) {
                deps[j].push(i);
            }
        }
    }
    stable_order(&names, &deps)
        .into_iter()
        .map(|i| resources[i])
        .collect()
}

fn delete_change(r: &ResourceState) -> Change {
    Change {
        address: r.address.clone(),
        region: r.region.clone(),
        action: Action::Delete,
        id: Some(r.id.clone()),
        attributes: AttrChanges::default(),
        replace_because: vec![],
        desired: None,
        before: Some(r.attributes.unpack()),
        dependencies: r.dependencies.clone(),
        depends_on: vec![],
        create_before_destroy: false,
        shared: vec![],
    }
}

/// A destroy plan: every resource in the state, deleted.
pub fn plan_destroy(state: &State) -> Plan {
    let all: Vec<&ResourceState> = state.resources.values().collect();
    let changes: Vec<Change> = reverse_dependency_order(&all)
        .into_iter()
        .map(delete_change)
        .collect();
    Plan {
        format_version: PLAN_FORMAT_VERSION,
        environment: state.environment.clone(),
        lineage: state.lineage.clone(),
        serial: state.serial,
        fresh_state: false,
        destroy: true,
        summary: Plan::summarise(&changes),
        changes,
        drift: vec![],
        outputs: BTreeMap::new(),
        targets: vec![],
    }
}

/// The value of `r` from a resource's live outputs, live attributes, or
/// recorded outputs and attributes.
fn known_value(state: &State, refreshed: &Refreshed, r: &Reference) -> Option<Value> {
    if r.attr != "id" {
        if let Some(Live::Present(o)) = refreshed.get(&r.address) {
            if let Some(v) = o.outputs.get(&r.attr).or_else(|| o.attrs.get(&r.attr)) {
                return Some(v.clone());
            }
        }
    }
    state.value_of(r)
}

/// Resolves stack outputs against the state.
pub fn resolve_outputs(
    outputs: &BTreeMap<String, Value>,
    state: &State,
) -> BTreeMap<String, Value> {
    let lookup = |r: &Reference| state.value_of(r);
    outputs
        .iter()
        .map(|(k, v)| (k.clone(), resolve(v, &lookup)))
        .filter(|(_, v)| !contains_unknown(v))
        .collect()
}
