//! The resource DAG: nodes addressed `kind.name`, edges derived from the
//! references in their attributes plus explicit `depends_on`.

use std::borrow::Cow;
use std::collections::HashMap;

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::packed::Packed;
use super::value::{is_observed, references, Attrs, Reference};
use super::EngineError;

/// One desired resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    /// `kind.name`, unique in the graph.
    pub address: String,
    /// The region the resource lives in.
    pub region: String,
    /// Desired attributes; may hold references to other nodes' outputs.
    attrs: Held,
    /// Explicit ordering edges, for dependencies no attribute expresses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
    /// Attributes naming sets this object shares with other tooling: drift
    /// still reports what others added, but plan and apply leave it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shared: Vec<String>,
}

/// A node's attributes: open while the blueprint builds them, packed once
/// a [`Graph`] holds them (and shared with the planned change).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
enum Held {
    Open(Attrs),
    #[serde(skip_deserializing)]
    Packed(Packed),
}

impl PartialEq for Held {
    fn eq(&self, other: &Held) -> bool {
        match (self, other) {
            (Held::Packed(a), Held::Packed(b)) => a == b,
            (Held::Open(a), Held::Open(b)) => a == b,
            (Held::Open(a), Held::Packed(p)) | (Held::Packed(p), Held::Open(a)) => p == a,
        }
    }
}

impl Node {
    /// Creates a node from `kind`, `name`, region and attributes.
    pub fn new(kind: &str, name: &str, region: &str, attrs: Value) -> Node {
        let attrs = match attrs {
            Value::Object(m) => m,
            other => panic!("attributes of {kind}.{name} must be an object, got {other}"),
        };
        Node {
            address: format!("{kind}.{name}"),
            region: region.to_string(),
            attrs: Held::Open(attrs),
            depends_on: vec![],
            shared: vec![],
        }
    }

    /// The desired attributes (parsed, once the graph holds them packed).
    pub fn attrs(&self) -> Cow<'_, Attrs> {
        match &self.attrs {
            Held::Open(a) => Cow::Borrowed(a),
            Held::Packed(p) => Cow::Owned(p.unpack()),
        }
    }

    /// The attributes to change.
    pub fn attrs_mut(&mut self) -> &mut Attrs {
        if let Held::Packed(p) = &self.attrs {
            self.attrs = Held::Open(p.unpack());
        }
        match &mut self.attrs {
            Held::Open(a) => a,
            Held::Packed(_) => unreachable!("unpacked above"),
        }
    }

    /// The attributes packed: shared, not copied, once the graph holds them.
    pub fn packed(&self) -> Packed {
        match &self.attrs {
            Held::Open(a) => Packed::new(a),
            Held::Packed(p) => p.clone(),
        }
    }

    /// Packs the attributes now ([`Graph::build`] packs every node): a
    /// generator of many nodes need not hold them all open at once.
    pub fn pack(&mut self) {
        if let Held::Open(a) = &self.attrs {
            self.attrs = Held::Packed(Packed::new(a));
        }
    }

    /// The resource type, the part of the address before the first dot.
    pub fn kind(&self) -> &str {
        kind_of(&self.address)
    }

    /// Every node this one depends on, through references or `depends_on`,
    /// sorted and without repeats.
    pub fn dependencies(&self) -> Vec<String> {
        dependencies(&self.attrs(), &self.depends_on)
    }
}

/// Every node attributes `attrs` and explicit `depends_on` name, sorted
/// and without repeats.
pub fn dependencies(attrs: &Attrs, depends_on: &[String]) -> Vec<String> {
    named(&all_references(attrs), depends_on)
}

/// Every reference inside `attrs`, in order of appearance.
pub fn all_references(attrs: &Attrs) -> Vec<Reference> {
    let mut refs = vec![];
    attrs.values().for_each(|v| references(v, &mut refs));
    refs
}

/// The addresses `refs` and `depends_on` name, sorted, without repeats.
fn named(refs: &[Reference], depends_on: &[String]) -> Vec<String> {
    let mut deps: Vec<String> = refs.iter().map(|r| r.address.clone()).collect();
    deps.extend(depends_on.iter().cloned());
    deps.sort();
    deps.dedup();
    deps
}

/// True when `v` holds no reference and is not an observed setting: known
/// before apply.
fn is_literal(v: &Value) -> bool {
    let mut refs = vec![];
    references(v, &mut refs);
    refs.is_empty() && !is_observed(v)
}

/// The resource type of an address `kind.name`.
pub fn kind_of(address: &str) -> &str {
    address.split_once('.').map_or(address, |(k, _)| k)
}

/// A topological order of `names` given `deps[i]` (indices `i` waits for),
/// taking the smallest ready name first. Nodes on a cycle are left out.
pub fn stable_order(names: &[&str], deps: &[Vec<usize>]) -> Vec<usize> {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    let mut dependants = vec![vec![]; names.len()];
    let mut indeg: Vec<usize> = deps.iter().map(Vec::len).collect();
    for (i, ds) in deps.iter().enumerate() {
        for &d in ds {
            dependants[d].push(i);
        }
    }
    let mut ready: BinaryHeap<Reverse<(&str, usize)>> = (0..names.len())
        .filter(|&i| indeg[i] == 0)
        .map(|i| Reverse((names[i], i)))
        .collect();
    let mut out = Vec::with_capacity(names.len());
    while let Some(Reverse((_, i))) = ready.pop() {
        out.push(i);
        for &d in &dependants[i] {
            indeg[d] -= 1;
            if indeg[d] == 0 {
                ready.push(Reverse((names[d], d)));
            }
        }
    }
    out
}

/// A validated, acyclic graph of nodes.
#[derive(Debug, Clone)]
pub struct Graph {
    nodes: Vec<Node>,
    index: HashMap<String, usize>,
    dag: DiGraph<usize, ()>,
    /// `address.attr` of every attribute another node refers to that is
    /// known before apply (no reference inside, not observed): its value.
    literals: HashMap<String, Value>,
}

impl Graph {
    /// Builds the graph; fails on duplicate addresses, references to unknown
    /// nodes, or a cycle (the error lists the cycle).
    pub fn build(mut nodes: Vec<Node>) -> Result<Graph, EngineError> {
        let mut index = HashMap::with_capacity(nodes.len());
        let mut dag = DiGraph::with_capacity(nodes.len(), nodes.len() * 2);
        for (i, n) in nodes.iter().enumerate() {
            if index.insert(n.address.clone(), i).is_some() {
                return Err(EngineError::DuplicateAddress(n.address.clone()));
            }
            dag.add_node(i);
        }
        // Each node's attributes are read once for its references, and
        // once more only if another node refers to some of them.
        let mut wanted: Vec<Vec<String>> = vec![vec![]; nodes.len()];
        for (i, n) in nodes.iter().enumerate() {
            let refs = all_references(&n.attrs());
            for r in &refs {
                // `id` names the object's id, known once it exists (as the
                // state reads it), never a desired attribute. An unknown
                // address is refused below.
                if let Some(&j) = index.get(&r.address) {
                    if r.attr != "id" && !wanted[j].contains(&r.attr) {
                        wanted[j].push(r.attr.clone());
                    }
                }
            }
            for dep in named(&refs, &n.depends_on) {
                let Some(&j) = index.get(&dep) else {
                    return Err(EngineError::UnknownReference {
                        from: n.address.clone(),
                        to: dep,
                    });
                };
                // Edge dep -> dependant: the dependency runs first.
                dag.add_edge(NodeIndex::new(j), NodeIndex::new(i), ());
            }
        }
        let mut literals = HashMap::new();
        for (n, attrs) in nodes.iter().zip(wanted).filter(|(_, w)| !w.is_empty()) {
            let have = n.attrs();
            for attr in attrs {
                if let Some(v) = have.get(&attr).filter(|v| is_literal(v)) {
                    literals.insert(format!("{}.{attr}", n.address), v.clone());
                }
            }
        }
        nodes.iter_mut().for_each(Node::pack);
        let g = Graph {
            nodes,
            index,
            dag,
            literals,
        };
        g.check_cycles()?;
        Ok(g)
    }

    fn check_cycles(&self) -> Result<(), EngineError> {
        for scc in tarjan_scc(&self.dag) {
            let self_loop = scc.len() == 1 && self.dag.contains_edge(scc[0], scc[0]);
            if scc.len() > 1 || self_loop {
                let mut cycle: Vec<String> = scc
                    .iter()
                    .rev()
                    .map(|ix| self.nodes[ix.index()].address.clone())
                    .collect();
                cycle.push(cycle[0].clone());
                return Err(EngineError::Cycle(cycle));
            }
        }
        Ok(())
    }

    /// All nodes, in the order given.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// The node at `address`.
    pub fn get(&self, address: &str) -> Option<&Node> {
        self.index.get(address).map(|&i| &self.nodes[i])
    }

    /// The value of `r` when it is a literal desired attribute of its node,
    /// known before that node is created.
    pub fn literal(&self, r: &Reference) -> Option<&Value> {
        self.literals.get(&format!("{}.{}", r.address, r.attr))
    }

    /// Node indices in a dependency-respecting order; among nodes whose
    /// dependencies are done, the smallest address comes first, so the
    /// order is the same on every run.
    pub fn topological(&self) -> Vec<usize> {
        let deps: Vec<Vec<usize>> = (0..self.nodes.len())
            .map(|i| {
                self.dag
                    .neighbors_directed(NodeIndex::new(i), petgraph::Direction::Incoming)
                    .map(|d| d.index())
                    .collect()
            })
            .collect();
        stable_order(
            &self
                .nodes
                .iter()
                .map(|n| n.address.as_str())
                .collect::<Vec<_>>(),
            &deps,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::value::reference;
    use serde_json::json;

    fn node(name: &str, deps: &[&str]) -> Node {
        let mut attrs = serde_json::Map::new();
        for (i, d) in deps.iter().enumerate() {
            attrs.insert(format!("a{i}"), reference(&format!("t.{d}"), "id"));
        }
        Node::new("t", name, "r", Value::Object(attrs))
    }

    #[test]
    fn edges_come_from_references() {
        let g = Graph::build(vec![
            node("b", &["a"]),
            node("a", &[]),
            node("c", &["a", "b"]),
        ])
        .unwrap();
        let order: Vec<&str> = g
            .topological()
            .into_iter()
            .map(|i| g.nodes()[i].address.as_str())
            .collect();
        assert_eq!(order, vec!["t.a", "t.b", "t.c"]);
        assert_eq!(g.get("t.c").unwrap().dependencies(), vec!["t.a", "t.b"]);
    }

    #[test]
    fn cycle_is_reported_with_its_members() {
        let err = Graph::build(vec![
            node("a", &["c"]),
            node("b", &["a"]),
            node("c", &["b"]),
            node("d", &[]),
        ])
        .unwrap_err();
        let EngineError::Cycle(c) = &err else {
            panic!("{err}")
        };
        assert_eq!(c.len(), 4);
        assert_eq!(c.first(), c.last());
        for a in ["t.a", "t.b", "t.c"] {
            assert!(c.contains(&a.to_string()), "{c:?}");
        }
        assert!(err.to_string().contains(" -> "), "{err}");
    }

    #[test]
    fn referenced_literals_are_kept_and_nodes_are_packed() {
        let mut a = node("a", &[]);
        a.attrs_mut().insert("bucket".into(), json!("b-1"));
        // A reference to `id` is to the object's id, whatever is desired.
        a.attrs_mut()
            .insert("id".into(), json!("not-the-object-id"));
        a.attrs_mut().insert("later".into(), reference("t.c", "id"));
        a.attrs_mut()
            .insert("stamp".into(), crate::engine::value::observed());
        let mut b = node("b", &[]);
        for attr in ["bucket", "later", "stamp", "absent", "id"] {
            b.attrs_mut().insert(attr.into(), reference("t.a", attr));
        }
        let g = Graph::build(vec![a.clone(), b, node("c", &[])]).unwrap();
        let lit = |attr: &str| {
            g.literal(&Reference {
                address: "t.a".into(),
                attr: attr.into(),
            })
        };
        assert_eq!(lit("bucket"), Some(&json!("b-1")));
        // Known only after apply: a reference, an observed setting, nothing.
        assert_eq!(
            (lit("later"), lit("stamp"), lit("absent")),
            (None, None, None)
        );
        let held = g.get("t.a").unwrap();
        assert!(matches!(held.attrs, Held::Packed(_)));
        assert_eq!(held, &a, "packed and open attributes compare by value");
        assert_eq!(held.attrs()["bucket"], json!("b-1"));
        assert_eq!(held.dependencies(), vec!["t.c"]);
    }

    #[test]
    fn unknown_reference_and_duplicates_are_errors() {
        let err = Graph::build(vec![node("a", &["zz"])]).unwrap_err();
        assert!(err.to_string().contains("t.zz"), "{err}");
        let err = Graph::build(vec![node("a", &[]), node("a", &[])]).unwrap_err();
        assert!(matches!(err, EngineError::DuplicateAddress(_)));
        let _ = json!(null);
    }
}
