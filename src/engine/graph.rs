//! The resource DAG: nodes addressed `kind.name`, edges derived from the
//! references in their attributes plus explicit `depends_on`.

use std::collections::HashMap;

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::value::{references, SharedAttrs};
use super::EngineError;

/// One desired resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    /// `kind.name`, unique in the graph.
    pub address: String,
    /// The region the resource lives in.
    pub region: String,
    /// Desired attributes; may hold references to other nodes' outputs.
    /// Shared with the planned change; change them with `Arc::make_mut`.
    #[serde(with = "super::value::shared")]
    pub attrs: SharedAttrs,
    /// Explicit ordering edges, for dependencies no attribute expresses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
    /// Attributes naming sets this object shares with other tooling: drift
    /// still reports what others added, but plan and apply leave it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shared: Vec<String>,
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
            attrs: SharedAttrs::new(attrs),
            depends_on: vec![],
            shared: vec![],
        }
    }

    /// The attributes to change (copied first if a plan shares them).
    pub fn attrs_mut(&mut self) -> &mut super::value::Attrs {
        std::sync::Arc::make_mut(&mut self.attrs)
    }

    /// The resource type, the part of the address before the first dot.
    pub fn kind(&self) -> &str {
        kind_of(&self.address)
    }

    /// Every node this one depends on, through references or `depends_on`,
    /// sorted and without repeats.
    pub fn dependencies(&self) -> Vec<String> {
        let mut refs = vec![];
        for v in self.attrs.values() {
            references(v, &mut refs);
        }
        let mut deps: Vec<String> = refs.into_iter().map(|r| r.address).collect();
        deps.extend(self.depends_on.iter().cloned());
        deps.sort();
        deps.dedup();
        deps
    }
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
}

impl Graph {
    /// Builds the graph; fails on duplicate addresses, references to unknown
    /// nodes, or a cycle (the error lists the cycle).
    pub fn build(nodes: Vec<Node>) -> Result<Graph, EngineError> {
        let mut index = HashMap::with_capacity(nodes.len());
        let mut dag = DiGraph::with_capacity(nodes.len(), nodes.len() * 2);
        for (i, n) in nodes.iter().enumerate() {
            if index.insert(n.address.clone(), i).is_some() {
                return Err(EngineError::DuplicateAddress(n.address.clone()));
            }
            dag.add_node(i);
        }
        for (i, n) in nodes.iter().enumerate() {
            for dep in n.dependencies() {
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
        let g = Graph { nodes, index, dag };
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
    fn unknown_reference_and_duplicates_are_errors() {
        let err = Graph::build(vec![node("a", &["zz"])]).unwrap_err();
        assert!(err.to_string().contains("t.zz"), "{err}");
        let err = Graph::build(vec![node("a", &[]), node("a", &[])]).unwrap_err();
        assert!(matches!(err, EngineError::DuplicateAddress(_)));
        let _ = json!(null);
    }
}
