//! The healthcare blueprint, built from `hcprov.toml`: the desired graph of
//! nodes and the stack's outputs. Pure data: nothing here talks to AWS.

mod api;
mod backup;
mod compute;
mod monitoring;
mod networking;
mod security;
mod storage;

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use crate::aws::tags::{ADDRESS_TAG, LINEAGE_TAG};
use crate::config::Config;
use crate::engine::graph::Node;

pub use crate::engine::value::{join, reference};

/// The desired nodes and outputs.
#[derive(Debug, Clone)]
pub struct Blueprint {
    /// Every desired resource.
    pub nodes: Vec<Node>,
    /// Output name → value (references resolved after apply).
    pub outputs: BTreeMap<String, Value>,
}

impl Blueprint {
    /// Adds the lineage tag next to every address tag: each object is made
    /// for one state's history, and an interrupted create is found by both.
    pub fn stamp_lineage(&mut self, lineage: &str) {
        for n in &mut self.nodes {
            if let Some(Value::Object(tags)) = n.attrs.get_mut("tags") {
                if tags.contains_key(ADDRESS_TAG) {
                    tags.insert(LINEAGE_TAG.into(), json!(lineage));
                }
            }
        }
    }
}

/// Collects nodes, adding default tags, a `Name` tag and the address tag.
pub struct Builder<'a> {
    /// The configuration.
    pub cfg: &'a Config,
    nodes: Vec<Node>,
    outputs: BTreeMap<String, Value>,
}

impl<'a> Builder<'a> {
    fn new(cfg: &'a Config) -> Self {
        Builder {
            cfg,
            nodes: vec![],
            outputs: BTreeMap::new(),
        }
    }

    /// `base-<environment>`.
    pub fn name(&self, base: &str) -> String {
        format!("{base}-{}", self.cfg.environment)
    }

    /// Adds an untaggable node; returns its address.
    pub fn plain(&mut self, kind: &str, name: &str, attrs: Value) -> String {
        let node = Node::new(kind, name, &self.cfg.region, attrs);
        let address = node.address.clone();
        self.nodes.push(node);
        address
    }

    /// Adds a taggable node with the default tags, the address tag and, when
    /// given, a `Name` tag; returns its address.
    pub fn tagged(
        &mut self,
        kind: &str,
        name: &str,
        name_tag: Option<&str>,
        attrs: Value,
    ) -> String {
        let address = format!("{kind}.{name}");
        let mut tags: Map<String, Value> = self
            .cfg
            .tags
            .iter()
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect();
        if let Some(n) = name_tag {
            tags.insert("Name".into(), json!(n));
        }
        tags.insert(ADDRESS_TAG.into(), json!(address));
        let mut attrs = attrs;
        attrs["tags"] = Value::Object(tags);
        self.plain(kind, name, attrs)
    }

    /// Adds an explicit ordering edge to the node at `address`.
    pub fn depends_on(&mut self, address: &str, on: &str) {
        if let Some(n) = self.nodes.iter_mut().find(|n| n.address == address) {
            n.depends_on.push(on.to_string());
        }
    }

    /// Declares a stack output.
    pub fn output(&mut self, name: &str, value: Value) {
        self.outputs.insert(name.into(), value);
    }
}

/// Builds the blueprint for `cfg`; fails when the Lambda handlers cannot
/// be packaged.
pub fn blueprint(cfg: &Config) -> Result<Blueprint, String> {
    // Config validation guarantees each part's prerequisites are present.
    let mut b = Builder::new(cfg);
    let net = cfg.has("networking").then(|| networking::build(&mut b));
    let sec = cfg.has("security").then(|| security::build(&mut b));
    let storage = match &sec {
        Some(sec) if cfg.has("storage") => Some(storage::build(&mut b, &sec.key)),
        _ => None,
    };
    let compute = match (&net, &sec, &storage) {
        (Some(net), Some(sec), Some(storage)) if cfg.has("compute") => {
            Some(compute::build(&mut b, net, sec, storage)?)
        }
        _ => None,
    };
    let api = match &compute {
        Some(compute) if cfg.has("api") => Some(api::build(&mut b, compute)),
        _ => None,
    };
    if let (Some(compute), Some(storage), Some(api)) = (&compute, &storage, &api) {
        if cfg.has("monitoring") {
            monitoring::build(&mut b, compute, storage, api);
        }
    }
    if let (Some(sec), Some(storage)) = (&sec, &storage) {
        if cfg.has("backup") {
            backup::build(&mut b, sec, storage);
        }
    }
    Ok(Blueprint {
        nodes: b.nodes,
        outputs: b.outputs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::graph::Graph;

    #[test]
    fn blueprint_is_a_valid_graph_with_tags_everywhere_taggable() {
        let text = format!("environment = \"t1\"\nregion = \"us-east-1\"\n[compute]\nlambda_source = \"{}/lambdas\"\n", env!("CARGO_MANIFEST_DIR"));
        let cfg = Config::parse(std::path::Path::new("t.toml"), &text, None, None).unwrap();
        let bp = blueprint(&cfg).unwrap();
        let g = Graph::build(bp.nodes.clone()).unwrap();
        assert_eq!(g.nodes().len(), 67);
        let mut no_selection = cfg.clone();
        no_selection.backup.select_resources = false;
        assert_eq!(blueprint(&no_selection).unwrap().nodes.len(), 66);
        let mut slice = cfg.clone();
        slice.stack.components = vec!["networking".into(), "security".into()];
        assert_eq!(blueprint(&slice).unwrap().nodes.len(), 28);
        let vpc = g.get("ec2_vpc.main").unwrap();
        assert_eq!(vpc.attrs["tags"]["Name"], json!("healthcare-vpc-t1"));
        assert_eq!(vpc.attrs["tags"][ADDRESS_TAG], json!("ec2_vpc.main"));
        assert_eq!(vpc.attrs["tags"]["Environment"], json!("t1"));
        // Every tagged node gets the lineage tag, untagged ones stay bare.
        let mut stamped = bp.clone();
        stamped.stamp_lineage("l-1");
        let tagged = stamped
            .nodes
            .iter()
            .filter(|n| n.attrs.get("tags").is_some())
            .inspect(|n| assert_eq!(n.attrs["tags"][LINEAGE_TAG], json!("l-1"), "{}", n.address))
            .count();
        assert!(tagged > 40, "{tagged}");
        let assoc = stamped
            .nodes
            .iter()
            .find(|n| n.address == "ec2_route_table_association.private_1")
            .unwrap();
        assert!(assoc.attrs.get("tags").is_none());
        let assoc = g.get("ec2_route_table_association.private_1").unwrap();
        assert_eq!(
            assoc.dependencies(),
            vec!["ec2_route_table.private", "ec2_subnet.private_1"]
        );
    }
}
