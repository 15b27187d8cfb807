//! Engine scale: synthetic DAGs on the in-process fake resource, no network.
//!
//! Shape: `LAYERS` layers (a long chain through the layers) of equal width;
//! each node depends on the node above it and on up to two more nodes of the
//! previous layer (fan-in). Every size runs in a child process, so peak RSS
//! is that size's own. With `real` attributes each node also carries the
//! planned attributes of one of the serverless platform's nodes in turn
//! (references filled with an ARN-sized string), so memory is measured at
//! the real platform's size.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use hcprov::config::Config;
use hcprov::engine::apply::{apply, ApplyOptions};
use hcprov::engine::checkpoint::Checkpointer;
use hcprov::engine::fake::{FakeCloud, FakeType};
use hcprov::engine::graph::{Graph, Node};
use hcprov::engine::plan::plan;
use hcprov::engine::refresh::refresh;
use hcprov::engine::resource::{Registry, Stats};
use hcprov::engine::state::{FileStore, State};
use hcprov::engine::value::{is_observed, reference, resolve};
use hcprov::stack::{blueprint, Account};
use serde_json::{json, Map, Value};

/// Depth of the synthetic DAG.
pub const LAYERS: usize = 50;

/// One size's measurements.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct Row {
    pub nodes: usize,
    /// Average planned attributes of a node, as JSON bytes.
    pub attr_bytes: usize,
    pub plan_ms: f64,
    pub apply_ms: f64,
    pub per_node_us: f64,
    pub checkpoints: u64,
    pub checkpoint_ms: f64,
    pub state_mb: f64,
    /// Peak RSS once the plan is made (before apply).
    pub plan_peak_mb: f64,
    pub peak_rss_mb: f64,
}

/// The planned attributes of the serverless platform's nodes, as `plan`
/// builds them from `examples/serverless-api.toml`: references filled with
/// an ARN-sized string, settings only apply learns left out.
pub fn real_attrs() -> Vec<Map<String, Value>> {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/serverless-api.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let cfg = Config::parse(&path, &text, None, None).unwrap();
    let account = Account {
        id: "123456789012".into(),
        partition: "aws".into(),
        zones: vec!["us-east-1a".into(), "us-east-1b".into()],
        secondary_zones: vec![],
    };
    let arn = json!("arn:aws:service:us-east-1:123456789012:resource/placeholder-0123456789");
    blueprint(&cfg, &account)
        .unwrap()
        .nodes
        .iter()
        .map(|n| {
            n.attrs()
                .iter()
                .filter(|(_, v)| !is_observed(v))
                .map(|(k, v)| (k.clone(), resolve(v, &|_| Some(arn.clone()))))
                .collect()
        })
        .collect()
}

/// The average size of `attrs` as JSON, in bytes.
pub fn json_bytes(attrs: &[Map<String, Value>]) -> usize {
    attrs
        .iter()
        .map(|a| serde_json::to_vec(a).unwrap().len())
        .sum::<usize>()
        / attrs.len().max(1)
}

fn graph(n: usize, real: &[Map<String, Value>]) -> Graph {
    let width = (n / LAYERS).max(1);
    let mut nodes = Vec::with_capacity(n);
    for i in 0..n {
        let (layer, col) = (i / width, i % width);
        let mut attrs = match real.len() {
            0 => Map::new(),
            r => real[i % r].clone(),
        };
        attrs.insert("value".into(), json!(i));
        if layer > 0 {
            let prev = (layer - 1) * width;
            attrs.insert(
                "above".into(),
                reference(&format!("t.n{}", prev + col), "id"),
            );
            for (k, off) in [("left", 1), ("right", 7)] {
                let j = prev + (col + off) % width;
                attrs.insert(k.into(), reference(&format!("t.n{j}"), "id"));
            }
        }
        let mut node = Node::new("t", &format!("n{i}"), "r", Value::Object(attrs));
        node.pack();
        nodes.push(node);
    }
    Graph::build(nodes).expect("synthetic graph is acyclic")
}

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Measures one size (run in a child process), the nodes carrying the
/// real platform's attributes when `real`.
pub fn measure(n: usize, real: bool) -> Row {
    let real = if real { real_attrs() } else { vec![] };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let cloud = Arc::new(FakeCloud::default());
        let mut reg = Registry::new();
        reg.register(Arc::new(FakeType {
            kind: "t",
            replace_on: &[],
            cloud,
            create_before_destroy: false,
            coexists: false,
        }));
        let reg = Arc::new(reg);
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path().join("bench.json"));

        let t = Instant::now();
        let g = graph(n, &real);
        let state = State::new("bench");
        let live = refresh(&state, &reg, 64, Arc::new(Stats::default()), Some(&g)).await;
        let p = plan(&g, &state, true, &live, &reg, BTreeMap::new()).unwrap();
        let plan_ms = t.elapsed().as_secs_f64() * 1e3;
        assert_eq!(p.summary.create, n);
        let plan_peak_mb = peak_rss_mb();
        let sample: Vec<Map<String, Value>> = g
            .nodes()
            .iter()
            .step_by((n / 1000).max(1))
            .map(|n| n.attrs().into_owned())
            .collect();
        let attr_bytes = json_bytes(&sample);
        drop(sample);
        // As `hcprov apply` does: the blueprint's graph is gone once the
        // plan is made (the plan shares its nodes' packed attributes).
        drop(g);

        let ckpt = Arc::new(Checkpointer::new(
            State::with_lineage("bench", &p.lineage),
            Arc::new(store.clone()),
        ));
        let (_tx, rx) = tokio::sync::watch::channel(false);
        let t = Instant::now();
        let report = apply(
            Arc::new(p.for_apply()),
            ckpt.clone(),
            reg.clone(),
            ApplyOptions {
                parallelism: 64,
                stop: rx,
                progress: None,
                stats: None,
                keep_copies: true,
            },
        )
        .await;
        let apply_ms = t.elapsed().as_secs_f64() * 1e3;
        assert!(report.succeeded());
        let state_bytes = std::fs::metadata(store.path())
            .map(|m| m.len())
            .unwrap_or(0);
        // One full write of the final state, timed on its own.
        let t = Instant::now();
        ckpt.compact().await.unwrap();
        let checkpoint_ms = t.elapsed().as_secs_f64() * 1e3;
        Row {
            nodes: n,
            attr_bytes,
            plan_ms,
            apply_ms,
            per_node_us: apply_ms * 1e3 / n as f64,
            checkpoints: report.checkpoints,
            checkpoint_ms,
            state_mb: state_bytes as f64 / 1e6,
            plan_peak_mb,
            peak_rss_mb: peak_rss_mb(),
        }
    })
}
