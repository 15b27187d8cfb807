//! Engine scale: synthetic DAGs on the in-process fake resource, no network.
//!
//! Shape: `LAYERS` layers (a long chain through the layers) of equal width;
//! each node depends on the node above it and on up to two more nodes of the
//! previous layer (fan-in). Every size runs in a child process, so peak RSS
//! is that size's own.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use hcprov::engine::apply::{apply, ApplyOptions};
use hcprov::engine::checkpoint::Checkpointer;
use hcprov::engine::fake::{FakeCloud, FakeType};
use hcprov::engine::graph::{Graph, Node};
use hcprov::engine::plan::plan;
use hcprov::engine::refresh::refresh;
use hcprov::engine::resource::{Registry, Stats};
use hcprov::engine::state::{FileStore, State};
use hcprov::engine::value::reference;
use serde_json::{json, Map, Value};

/// Depth of the synthetic DAG.
pub const LAYERS: usize = 50;

/// One size's measurements.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct Row {
    pub nodes: usize,
    pub plan_ms: f64,
    pub apply_ms: f64,
    pub per_node_us: f64,
    pub checkpoints: u64,
    pub checkpoint_ms: f64,
    pub state_mb: f64,
    pub peak_rss_mb: f64,
}

fn graph(n: usize) -> Graph {
    let width = (n / LAYERS).max(1);
    let mut nodes = Vec::with_capacity(n);
    for i in 0..n {
        let (layer, col) = (i / width, i % width);
        let mut attrs = Map::new();
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
        nodes.push(Node::new("t", &format!("n{i}"), "r", Value::Object(attrs)));
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

/// Measures one size (run in a child process).
pub fn measure(n: usize) -> Row {
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
        let g = graph(n);
        let state = State::new("bench");
        let live = refresh(&state, &reg, 64, Arc::new(Stats::default()), Some(&g)).await;
        let p = plan(&g, &state, true, &live, &reg, BTreeMap::new()).unwrap();
        let plan_ms = t.elapsed().as_secs_f64() * 1e3;
        assert_eq!(p.summary.create, n);

        let ckpt = Arc::new(Checkpointer::new(
            State::with_lineage("bench", &p.lineage),
            Arc::new(store.clone()),
        ));
        let (_tx, rx) = tokio::sync::watch::channel(false);
        let t = Instant::now();
        let report = apply(
            &p,
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
            plan_ms,
            apply_ms,
            per_node_us: apply_ms * 1e3 / n as f64,
            checkpoints: report.checkpoints,
            checkpoint_ms,
            state_mb: state_bytes as f64 / 1e6,
            peak_rss_mb: peak_rss_mb(),
        }
    })
}
