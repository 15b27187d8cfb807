//! `hcprov graph`: the dependency graph as DOT (Graphviz) or Mermaid, one
//! node per address, grouped by region, one edge per dependency (from what
//! is needed to what needs it, the order apply builds in). With `--plan`,
//! nodes are coloured by the plan's action (this refreshes from AWS);
//! without it, no AWS call is made.

use std::collections::BTreeMap;
use std::fmt::Write;

use anyhow::Result;

use super::{Cli, Session, EXIT_OK};
use crate::engine::graph::Graph;
use crate::engine::plan::Action;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Graphviz DOT (`dot -Tsvg` renders it).
    Dot,
    /// A Mermaid flowchart.
    Mermaid,
}

/// Options of `graph`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Dot)]
    pub format: Format,
    /// Colour each node by the plan's action (refreshes from AWS).
    #[arg(long)]
    pub plan: bool,
}

fn colour(a: Option<Action>) -> &'static str {
    match a {
        Some(Action::Create) => "#c8f0c8",
        Some(Action::Update) => "#fff0b3",
        Some(Action::Replace | Action::Delete) => "#f6c4c4",
        _ => "#ffffff",
    }
}

/// The graph in DOT.
pub fn dot(graph: &Graph, actions: &BTreeMap<String, Action>) -> String {
    let mut out = String::from(
        "digraph hcprov {\n  rankdir=LR;\n  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=10];\n",
    );
    let mut regions: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for n in graph.nodes() {
        regions.entry(&n.region).or_default().push(&n.address);
    }
    for (region, nodes) in &regions {
        let _ = writeln!(
            out,
            "  subgraph \"cluster_{region}\" {{\n    label=\"{region}\";"
        );
        for a in nodes {
            let _ = writeln!(
                out,
                "    \"{a}\" [fillcolor=\"{}\"];",
                colour(actions.get(*a).copied())
            );
        }
        out.push_str("  }\n");
    }
    for n in graph.nodes() {
        for d in n.dependencies() {
            let _ = writeln!(out, "  \"{d}\" -> \"{}\";", n.address);
        }
    }
    out.push_str("}\n");
    out
}

/// The graph as a Mermaid flowchart.
pub fn mermaid(graph: &Graph, actions: &BTreeMap<String, Action>) -> String {
    let ids: BTreeMap<&str, String> = graph
        .nodes()
        .iter()
        .enumerate()
        .map(|(i, n)| (n.address.as_str(), format!("n{i}")))
        .collect();
    let mut out = String::from("flowchart LR\n");
    let mut regions: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for n in graph.nodes() {
        regions.entry(&n.region).or_default().push(&n.address);
    }
    for (region, nodes) in &regions {
        let _ = writeln!(out, "  subgraph {region}");
        for a in nodes {
            let _ = writeln!(out, "    {}[\"{a}\"]", ids[a]);
        }
        out.push_str("  end\n");
    }
    for n in graph.nodes() {
        for d in n.dependencies() {
            let _ = writeln!(out, "  {} --> {}", ids[d.as_str()], ids[n.address.as_str()]);
        }
    }
    for (class, action) in [
        ("create", Action::Create),
        ("update", Action::Update),
        ("replace", Action::Replace),
    ] {
        let members: Vec<&str> = actions
            .iter()
            .filter(|(_, a)| **a == action)
            .filter_map(|(addr, _)| ids.get(addr.as_str()).map(String::as_str))
            .collect();
        if !members.is_empty() {
            let _ = writeln!(out, "  classDef {class} fill:{}", colour(Some(action)));
            let _ = writeln!(out, "  class {} {class}", members.join(","));
        }
    }
    out
}

pub(super) async fn run(cli: &Cli, args: &Args) -> Result<u8> {
    let s = Session::open(cli).await?;
    let (graph, actions) = if args.plan {
        let _lock = s.store.lock("graph").await?;
        s.identify().await?;
        let (state, fresh) = s.load_state().await?;
        let (graph, outputs) = s.blueprint(&state).await?;
        let plan = s.plan_on(&graph, outputs, &state, fresh).await?;
        let actions = plan
            .changes
            .iter()
            .map(|c| (c.address.clone(), c.action))
            .collect();
        (graph, actions)
    } else {
        (s.offline_graph()?, BTreeMap::new())
    };
    print!(
        "{}",
        match args.format {
            Format::Dot => dot(&graph, &actions),
            Format::Mermaid => mermaid(&graph, &actions),
        }
    );
    Ok(EXIT_OK)
}
