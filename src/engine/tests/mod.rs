//! Engine tests on the fake resource: plan, apply, checkpoints, failure and
//! resumption, replacement and destroy, with no cloud at all.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use tokio::sync::watch;

use super::apply::{apply, ApplyOptions, NodeOutcome};
use super::checkpoint::Checkpointer;
use super::fake::{FakeCloud, FakeType};
use super::graph::{Graph, Node};
use super::plan::{plan, plan_destroy, Action, Plan};
use super::refresh::refresh;
use super::resource::{Registry, Stats};
use super::state::{FileStore, State};
use super::value::reference;

fn registry(cloud: &Arc<FakeCloud>) -> Arc<Registry> {
    let mut r = Registry::new();
    r.register(Arc::new(FakeType {
        kind: "t",
        replace_on: &["cidr"],
        cloud: cloud.clone(),
        create_before_destroy: false,
        coexists: false,
    }));
    r.register(Arc::new(FakeType {
        kind: "cbd",
        replace_on: &["hash"],
        cloud: cloud.clone(),
        create_before_destroy: true,
        coexists: false,
    }));
    Arc::new(r)
}

/// vpc <- subnet_a, subnet_b <- assoc_a/assoc_b; plus an independent key.
fn stack(cidr_b: &str, tag: &str) -> Graph {
    let n = |name: &str, attrs| Node::new("t", name, "r1", attrs);
    Graph::build(vec![
        n("vpc", json!({"cidr": "10.0.0.0/16", "tags": {"env": tag}})),
        n(
            "subnet_a",
            json!({"vpc": reference("t.vpc", "id"), "cidr": "10.0.1.0/24"}),
        ),
        n(
            "subnet_b",
            json!({"vpc": reference("t.vpc", "id"), "cidr": cidr_b}),
        ),
        n("assoc_a", json!({"subnet": reference("t.subnet_a", "id")})),
        n("assoc_b", json!({"subnet": reference("t.subnet_b", "id")})),
        n("key", json!({"rotation": true, "tags": {"env": tag}})),
    ])
    .unwrap()
}

async fn make_plan(g: &Graph, store: &FileStore, reg: &Registry) -> Plan {
    let (state, fresh) = match store.load().unwrap() {
        Some(s) => (s, false),
        None => (State::new("dev"), true),
    };
    let live = refresh(&state, reg, 4, Arc::new(Stats::default()), Some(g)).await;
    let outputs = BTreeMap::from([("vpc_id".to_string(), reference("t.vpc", "id"))]);
    plan(g, &state, fresh, &live, reg, outputs).unwrap()
}

async fn run(
    p: &Plan,
    store: &FileStore,
    reg: &Arc<Registry>,
    parallelism: usize,
) -> super::apply::ApplyReport {
    let state = store
        .load()
        .unwrap()
        .unwrap_or_else(|| State::with_lineage(&p.environment, &p.lineage));
    p.check_against(store.load().unwrap().as_ref()).unwrap();
    let ckpt = Arc::new(Checkpointer::new(state, Arc::new(store.clone())));
    let (_tx, rx) = watch::channel(false);
    apply(
        Arc::new(p.clone()),
        ckpt,
        reg.clone(),
        ApplyOptions {
            parallelism,
            stop: rx,
            progress: None,
            stats: None,
            keep_copies: true,
        },
    )
    .await
}

fn actions(p: &Plan) -> Vec<(String, Action)> {
    p.changes
        .iter()
        .filter(|c| c.action != Action::NoOp)
        .map(|c| (c.address.clone(), c.action))
        .collect()
}

#[tokio::test]
async fn apply_then_plan_is_empty_and_outputs_are_recorded() {
    let cloud = Arc::new(FakeCloud::default());
    let reg = registry(&cloud);
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::new(dir.path().join("dev.json"));
    let p = make_plan(&stack("10.0.2.0/24", "a"), &store, &reg).await;
    assert_eq!(p.summary.create, 6);
    let report = run(&p, &store, &reg, 4).await;
    assert!(report.succeeded(), "{report:?}");
    assert_eq!(cloud.len(), 6);
    let state = store.load().unwrap().unwrap();
    assert_eq!(state.resources.len(), 6);
    assert!(state.pending.is_empty());
    assert_eq!(state.outputs["vpc_id"], json!(state.resources["t.vpc"].id));
    assert_eq!(
        state.resources["t.subnet_a"].attributes.unpack()["vpc"],
        json!(state.resources["t.vpc"].id)
    );
    let again = make_plan(&stack("10.0.2.0/24", "a"), &store, &reg).await;
    assert!(!again.summary.has_changes(), "{:?}", actions(&again));
}

#[tokio::test]
async fn updates_in_place_and_replacement_cascade_through_force_new_references() {
    let cloud = Arc::new(FakeCloud::default());
    let reg = registry(&cloud);
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::new(dir.path().join("dev.json"));
    let p = make_plan(&stack("10.0.2.0/24", "a"), &store, &reg).await;
    run(&p, &store, &reg, 4).await;

    let p = make_plan(&stack("10.0.2.0/24", "b"), &store, &reg).await;
    assert_eq!(
        actions(&p),
        vec![
            ("t.key".into(), Action::Update),
            ("t.vpc".into(), Action::Update)
        ]
    );
    let vpc = p.changes.iter().find(|c| c.address == "t.vpc").unwrap();
    assert_eq!(vpc.attributes.list().len(), 1);
    assert_eq!(vpc.attributes.list()[0].name, "tags");
    assert_eq!(vpc.attributes.list()[0].before, Some(json!({"env": "a"})));
    assert!(run(&p, &store, &reg, 4).await.succeeded());

    let old_b = store.load().unwrap().unwrap().resources["t.subnet_b"]
        .id
        .clone();
    let p = make_plan(&stack("10.0.9.0/24", "b"), &store, &reg).await;
    let sb = p
        .changes
        .iter()
        .find(|c| c.address == "t.subnet_b")
        .unwrap();
    assert_eq!(sb.action, Action::Replace);
    assert_eq!(sb.replace_because, vec!["cidr".to_string()]);
    // The association refers to the subnet's id, which becomes unknown:
    // an in-place update of `subnet` (the fake's `subnet` is not force-new).
    assert_eq!(
        p.changes
            .iter()
            .find(|c| c.address == "t.assoc_b")
            .unwrap()
            .action,
        Action::Update
    );
    assert!(run(&p, &store, &reg, 4).await.succeeded());
    let s = store.load().unwrap().unwrap();
    assert_ne!(s.resources["t.subnet_b"].id, old_b);
    assert_eq!(
        s.resources["t.assoc_b"].attributes.unpack()["subnet"],
        json!(s.resources["t.subnet_b"].id)
    );
    assert!(!make_plan(&stack("10.0.9.0/24", "b"), &store, &reg)
        .await
        .summary
        .has_changes());
}

#[tokio::test]
async fn failure_skips_dependants_keeps_the_rest_and_a_rerun_continues() {
    let cloud =
        Arc::new(FakeCloud::default().with_fail(|addr, op| {
            (addr == "t.subnet_b" && op == "create").then(|| "injected".into())
        }));
    let reg = registry(&cloud);
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::new(dir.path().join("dev.json"));
    let p = make_plan(&stack("10.0.2.0/24", "a"), &store, &reg).await;
    let report = run(&p, &store, &reg, 4).await;
    assert!(!report.succeeded());
    let outcome = |a: &str| {
        report
            .results
            .iter()
            .find(|r| r.address == a)
            .unwrap()
            .outcome
            .clone()
    };
    assert!(matches!(outcome("t.subnet_b"), NodeOutcome::Failed { .. }));
    assert_eq!(
        outcome("t.assoc_b"),
        NodeOutcome::Skipped {
            because: "t.subnet_b".into()
        }
    );
    for a in ["t.vpc", "t.subnet_a", "t.assoc_a", "t.key"] {
        assert_eq!(outcome(a), NodeOutcome::Done, "{a}");
    }
    let state = store.load().unwrap().unwrap();
    assert_eq!(state.resources.len(), 4);
    // A failed create may still have made something: its intent stays.
    let pending: Vec<&str> = state.pending.iter().map(|p| p.address.as_str()).collect();
    assert_eq!(pending, ["t.subnet_b"]);
}

#[tokio::test]
async fn rerun_after_failure_creates_only_what_is_missing() {
    let failing = std::sync::atomic::AtomicBool::new(true);
    let failing = Arc::new(failing);
    let f = failing.clone();
    let cloud = Arc::new(FakeCloud::default().with_fail(move |addr, op| {
        (f.load(std::sync::atomic::Ordering::SeqCst) && addr == "t.subnet_b" && op == "create")
            .then(|| "injected".into())
    }));
    let reg = registry(&cloud);
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::new(dir.path().join("dev.json"));
    let p = make_plan(&stack("10.0.2.0/24", "a"), &store, &reg).await;
    assert!(!run(&p, &store, &reg, 4).await.succeeded());
    failing.store(false, std::sync::atomic::Ordering::SeqCst);
    let p = make_plan(&stack("10.0.2.0/24", "a"), &store, &reg).await;
    assert_eq!(
        actions(&p),
        vec![
            ("t.subnet_b".into(), Action::Create),
            ("t.assoc_b".into(), Action::Create)
        ]
    );
    assert!(run(&p, &store, &reg, 4).await.succeeded());
    assert_eq!(cloud.len(), 6);
}

#[tokio::test]
async fn every_finished_node_is_checkpointed_before_its_dependants_start() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dev.json");
    let p2 = path.clone();
    // When a node starts, every dependency must already be in the file.
    let cloud = Arc::new(FakeCloud::default().with_fail(move |addr, op| {
        if op != "create" {
            return None;
        }
        let on_disk = FileStore::new(&p2).load().ok().flatten()?;
        let need: &[&str] = match addr {
            "t.subnet_a" | "t.subnet_b" => &["t.vpc"],
            "t.assoc_a" => &["t.vpc", "t.subnet_a"],
            "t.assoc_b" => &["t.vpc", "t.subnet_b"],
            _ => &[],
        };
        need.iter()
            .find(|d| !on_disk.resources.contains_key(**d))
            .map(|d| format!("{d} was not checkpointed before {addr} started"))
    }));
    let reg = registry(&cloud);
    let store = FileStore::new(&path);
    let p = make_plan(&stack("10.0.2.0/24", "a"), &store, &reg).await;
    let report = run(&p, &store, &reg, 2).await;
    assert!(report.succeeded(), "{report:?}");
    assert!(report.checkpoints >= 2);
}

#[tokio::test]
async fn saved_plan_against_a_changed_state_is_refused() {
    let cloud = Arc::new(FakeCloud::default());
    let reg = registry(&cloud);
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::new(dir.path().join("dev.json"));
    let first = make_plan(&stack("10.0.2.0/24", "a"), &store, &reg).await;
    run(&first, &store, &reg, 4).await;
    // The same fresh-state plan again: the state now exists.
    let err = first
        .check_against(store.load().unwrap().as_ref())
        .unwrap_err();
    assert!(err.to_string().contains("stale"), "{err}");
    let mut p = make_plan(&stack("10.0.2.0/24", "b"), &store, &reg).await;
    assert!(p.check_against(store.load().unwrap().as_ref()).is_ok());
    p.lineage = "someone-else".into();
    let err = p.check_against(store.load().unwrap().as_ref()).unwrap_err();
    assert!(err.to_string().contains("lineage"), "{err}");
}

#[tokio::test]
async fn destroy_runs_in_reverse_dependency_order_and_empties_state() {
    let cloud = Arc::new(FakeCloud::default().with_latency(|_, _| Duration::from_millis(2)));
    let reg = registry(&cloud);
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::new(dir.path().join("dev.json"));
    let p = make_plan(&stack("10.0.2.0/24", "a"), &store, &reg).await;
    run(&p, &store, &reg, 4).await;
    let state = store.load().unwrap().unwrap();
    // An object deleted out of band counts as deleted.
    cloud.remove(&state.resources["t.key"].id);
    let d = plan_destroy(&state);
    assert_eq!(d.summary.delete, 6);
    let report = run(&d, &store, &reg, 4).await;
    assert!(report.succeeded(), "{report:?}");
    assert!(cloud.is_empty());
    let s = store.load().unwrap().unwrap();
    assert!(s.resources.is_empty() && s.outputs.is_empty());
    let ev = cloud.events.lock().unwrap();
    let end = |a: &str| {
        ev.iter()
            .find(|e| e.address == a && e.op == "delete")
            .unwrap()
            .end
    };
    let start = |a: &str| {
        ev.iter()
            .find(|e| e.address == a && e.op == "delete")
            .unwrap()
            .start
    };
    assert!(end("t.assoc_b") <= start("t.subnet_b"));
    assert!(end("t.subnet_a") <= start("t.vpc"));
    assert!(end("t.subnet_b") <= start("t.vpc"));
}

#[tokio::test]
async fn removed_nodes_are_deleted_after_their_dependants_let_go() {
    let cloud = Arc::new(FakeCloud::default());
    let reg = registry(&cloud);
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::new(dir.path().join("dev.json"));
    let p = make_plan(&stack("10.0.2.0/24", "a"), &store, &reg).await;
    run(&p, &store, &reg, 4).await;
    let smaller = Graph::build(
        stack("10.0.2.0/24", "a")
            .nodes()
            .iter()
            .filter(|n| !n.address.ends_with("_b"))
            .cloned()
            .collect(),
    )
    .unwrap();
    let p = make_plan(&smaller, &store, &reg).await;
    assert_eq!(
        actions(&p),
        vec![
            ("t.assoc_b".into(), Action::Delete),
            ("t.subnet_b".into(), Action::Delete)
        ]
    );
    assert!(run(&p, &store, &reg, 4).await.succeeded());
    assert_eq!(cloud.len(), 4);
}

#[tokio::test]
async fn plan_reports_drift_before_what_it_will_do_about_it() {
    let cloud = Arc::new(FakeCloud::default());
    let reg = registry(&cloud);
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::new(dir.path().join("dev.json"));
    let p = make_plan(&stack("10.0.2.0/24", "a"), &store, &reg).await;
    run(&p, &store, &reg, 4).await;
    let s = store.load().unwrap().unwrap();
    cloud.tamper(&s.resources["t.key"].id, "rotation", json!(false));
    cloud.remove(&s.resources["t.assoc_a"].id);
    let p = make_plan(&stack("10.0.2.0/24", "a"), &store, &reg).await;
    assert_eq!(p.drift.len(), 2);
    let key = p.drift.iter().find(|d| d.address == "t.key").unwrap();
    assert_eq!(key.attributes[0].before, Some(json!(true)));
    assert_eq!(key.attributes[0].after, Some(json!(false)));
    assert_eq!(
        actions(&p),
        vec![
            ("t.key".into(), Action::Update),
            ("t.assoc_a".into(), Action::Create)
        ]
    );
    assert!(run(&p, &store, &reg, 4).await.succeeded());
    assert!(!make_plan(&stack("10.0.2.0/24", "a"), &store, &reg)
        .await
        .summary
        .has_changes());
}

#[tokio::test]
async fn create_before_destroy_moves_dependants_before_deleting_the_old_object() {
    let cloud = Arc::new(FakeCloud::default());
    let reg = registry(&cloud);
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::new(dir.path().join("dev.json"));
    let g = |hash: &str| {
        Graph::build(vec![
            Node::new("cbd", "deployment", "r1", json!({ "hash": hash })),
            Node::new(
                "t",
                "stage",
                "r1",
                json!({ "deployment": reference("cbd.deployment", "id") }),
            ),
        ])
        .unwrap()
    };
    let p = make_plan(&g("one"), &store, &reg).await;
    assert!(run(&p, &store, &reg, 4).await.succeeded());
    let old = store.load().unwrap().unwrap().resources["cbd.deployment"]
        .id
        .clone();
    let p = make_plan(&g("two"), &store, &reg).await;
    assert_eq!(
        actions(&p),
        vec![
            ("cbd.deployment".into(), Action::Replace),
            ("t.stage".into(), Action::Update)
        ]
    );
    assert!(run(&p, &store, &reg, 4).await.succeeded());
    let s = store.load().unwrap().unwrap();
    let new = s.resources["cbd.deployment"].id.clone();
    assert_ne!(new, old);
    assert_eq!(
        s.resources["t.stage"].attributes.unpack()["deployment"],
        json!(new)
    );
    assert_eq!(cloud.len(), 2, "the old deployment is gone");
    let ev = cloud.events.lock().unwrap();
    let at = |a: &str, op: &str| {
        ev.iter()
            .rposition(|e| e.address == a && e.op == op)
            .unwrap()
    };
    assert!(at("cbd.deployment", "create") < at("t.stage", "update"));
    assert!(at("t.stage", "update") < at("cbd.deployment", "delete"));
}

#[tokio::test]
async fn a_create_whose_answer_was_lost_is_adopted_not_made_twice() {
    let lose = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let l = lose.clone();
    let cloud = Arc::new(FakeCloud::default().with_lost_creates(move |a| {
        a == "t.subnet_b" && l.load(std::sync::atomic::Ordering::SeqCst)
    }));
    let reg = registry(&cloud);
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::new(dir.path().join("dev.json"));
    let p = make_plan(&stack("10.0.2.0/24", "a"), &store, &reg).await;
    assert!(!run(&p, &store, &reg, 4).await.succeeded());
    // The object exists, the state does not know it, the intent is kept
    // with the client token the call was sent with.
    assert_eq!(cloud.ids_of("t.subnet_b").len(), 1);
    let state = store.load().unwrap().unwrap();
    assert!(!state.resources.contains_key("t.subnet_b"));
    let token = state.pending[0].client_token.clone();
    assert_eq!(token.len(), 32, "{token}");

    lose.store(false, std::sync::atomic::Ordering::SeqCst);
    let p = make_plan(&stack("10.0.2.0/24", "a"), &store, &reg).await;
    let report = run(&p, &store, &reg, 4).await;
    assert!(report.succeeded(), "{report:?}");
    assert_eq!(report.adopted, 1);
    let ids = cloud.ids_of("t.subnet_b");
    assert_eq!(ids.len(), 1, "created once, adopted once");
    let state = store.load().unwrap().unwrap();
    assert_eq!(state.resources["t.subnet_b"].id, ids[0]);
    assert!(state.pending.is_empty());
    assert_eq!(cloud.len(), 6);
    let creates = |a: &str| {
        cloud
            .events
            .lock()
            .unwrap()
            .iter()
            .filter(|e| e.address == a && e.op == "create")
            .count()
    };
    assert_eq!(creates("t.subnet_b"), 1);
    // Nothing left to do.
    let p = make_plan(&stack("10.0.2.0/24", "a"), &store, &reg).await;
    assert!(!p.summary.has_changes(), "{:?}", actions(&p));
}

#[tokio::test]
async fn a_pending_create_that_made_nothing_is_simply_created() {
    let fail = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let f = fail.clone();
    let cloud = Arc::new(FakeCloud::default().with_fail(move |a, op| {
        (a == "t.key" && op == "create" && f.load(std::sync::atomic::Ordering::SeqCst))
            .then(|| "refused".to_string())
    }));
    let reg = registry(&cloud);
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::new(dir.path().join("dev.json"));
    let p = make_plan(&stack("10.0.2.0/24", "a"), &store, &reg).await;
    assert!(!run(&p, &store, &reg, 4).await.succeeded());
    fail.store(false, std::sync::atomic::Ordering::SeqCst);
    let p = make_plan(&stack("10.0.2.0/24", "a"), &store, &reg).await;
    let report = run(&p, &store, &reg, 4).await;
    assert!(report.succeeded(), "{report:?}");
    assert_eq!(report.adopted, 0);
    assert_eq!(cloud.ids_of("t.key").len(), 1);
    let finds = cloud
        .events
        .lock()
        .unwrap()
        .iter()
        .filter(|e| e.op == "find")
        .map(|e| e.address.clone())
        .collect::<Vec<_>>();
    // Only the pending address is looked for: before the create, and once
    // more after it for a twin the dead run's request may have landed late.
    assert_eq!(finds, ["t.key", "t.key"]);
    assert_eq!(report.discarded, 0);
}

#[tokio::test]
async fn an_interrupted_create_that_lands_after_the_search_is_not_kept_twice() {
    // The first run's create never answers (its request is still in flight
    // when the run dies); the re-run finds nothing, creates, and meanwhile
    // the old request lands: two objects claim the address.
    let first = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let (f, t) = (first.clone(), first.clone());
    let cloud = Arc::new(
        FakeCloud::default()
            .with_fail(move |a, op| {
                (a == "t.subnet_b" && op == "create" && f.load(std::sync::atomic::Ordering::SeqCst))
                    .then(|| "connection reset".to_string())
            })
            .with_late_twins(move |a| {
                a == "t.subnet_b" && !t.load(std::sync::atomic::Ordering::SeqCst)
            }),
    );
    let reg = registry(&cloud);
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::new(dir.path().join("dev.json"));
    let p = make_plan(&stack("10.0.2.0/24", "a"), &store, &reg).await;
    assert!(!run(&p, &store, &reg, 4).await.succeeded());
    assert!(cloud.ids_of("t.subnet_b").is_empty());

    first.store(false, std::sync::atomic::Ordering::SeqCst);
    let p = make_plan(&stack("10.0.2.0/24", "a"), &store, &reg).await;
    let report = run(&p, &store, &reg, 4).await;
    assert!(report.succeeded(), "{report:?}");
    assert_eq!((report.adopted, report.discarded), (0, 1));
    let ids = cloud.ids_of("t.subnet_b");
    assert_eq!(ids.len(), 1, "the twin is deleted: {ids:?}");
    let state = store.load().unwrap().unwrap();
    assert_eq!(
        state.resources["t.subnet_b"].id, ids[0],
        "the state holds the survivor"
    );
    assert!(state.pending.is_empty());
    let p = make_plan(&stack("10.0.2.0/24", "a"), &store, &reg).await;
    assert!(!p.summary.has_changes(), "{:?}", actions(&p));
}

/// A create whose first attempt landed and whose retry was refused as a
/// duplicate (moto answering 500 under load, a connection reset on AWS):
/// the run adopts what carries its identity and goes on, with no twin.
#[tokio::test]
async fn a_retried_create_refused_as_a_duplicate_adopts_its_own_first_attempt() {
    let cloud = Arc::new(FakeCloud::default().with_retried_creates(|a| a == "t.key"));
    let reg = registry(&cloud);
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::new(dir.path().join("dev.json"));
    let p = make_plan(&stack("10.0.2.0/24", "a"), &store, &reg).await;
    let report = run(&p, &store, &reg, 4).await;
    assert!(report.succeeded(), "{report:?}");
    assert_eq!(report.adopted, 1);
    let ids = cloud.ids_of("t.key");
    assert_eq!(ids.len(), 1, "{ids:?}");
    let state = store.load().unwrap().unwrap();
    assert_eq!(state.resources["t.key"].id, ids[0]);
    assert!(state.pending.is_empty());
}

#[tokio::test]
async fn what_an_interrupted_create_made_is_deleted_when_no_longer_wanted() {
    let cloud = Arc::new(FakeCloud::default().with_lost_creates(|a| a == "t.key"));
    let reg = registry(&cloud);
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::new(dir.path().join("dev.json"));
    let p = make_plan(&stack("10.0.2.0/24", "a"), &store, &reg).await;
    assert!(!run(&p, &store, &reg, 4).await.succeeded());
    assert_eq!(cloud.ids_of("t.key").len(), 1);
    // The key is dropped from the blueprint before the next apply.
    let without_key = Graph::build(
        stack("10.0.2.0/24", "a")
            .nodes()
            .iter()
            .filter(|n| n.address != "t.key")
            .cloned()
            .collect(),
    )
    .unwrap();
    let p = make_plan(&without_key, &store, &reg).await;
    // Nothing to change; the apply only resolves the leftover intent.
    assert!(!p.summary.has_changes());
    let report = run(&p, &store, &reg, 4).await;
    assert!(report.succeeded(), "{report:?}");
    assert!(cloud.ids_of("t.key").is_empty(), "not left behind");
    assert!(store.load().unwrap().unwrap().pending.is_empty());
}

#[tokio::test]
async fn interrupted_updates_and_deletes_leave_their_intent_until_settled() {
    let failing = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let f = failing.clone();
    let cloud = Arc::new(FakeCloud::default().with_fail(move |a, op| {
        let hit = (a == "t.key" && op == "update") || (a == "t.assoc_b" && op == "delete");
        (hit && f.load(std::sync::atomic::Ordering::SeqCst)).then(|| "connection reset".into())
    }));
    let reg = registry(&cloud);
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::new(dir.path().join("dev.json"));
    let p = make_plan(&stack("10.0.2.0/24", "a"), &store, &reg).await;
    assert!(run(&p, &store, &reg, 4).await.succeeded());

    // Retag (updates t.vpc and t.key) and drop t.assoc_b; the key's update
    // and the association's delete fail mid-call.
    let next = || {
        Graph::build(
            stack("10.0.2.0/24", "b")
                .nodes()
                .iter()
                .filter(|n| n.address != "t.assoc_b")
                .cloned()
                .collect(),
        )
        .unwrap()
    };
    failing.store(true, std::sync::atomic::Ordering::SeqCst);
    let p = make_plan(&next(), &store, &reg).await;
    assert!(!run(&p, &store, &reg, 4).await.succeeded());
    let state = store.load().unwrap().unwrap();
    let mut pending: Vec<(&str, &str)> = state
        .pending
        .iter()
        .map(|p| (p.address.as_str(), p.operation.as_str()))
        .collect();
    pending.sort();
    assert_eq!(pending, [("t.assoc_b", "delete"), ("t.key", "update")]);

    // The key's update had in fact landed; the delete is still to do.
    let key = state.resources["t.key"].id.clone();
    cloud.tamper(&key, "tags", json!({"env": "b"}));
    failing.store(false, std::sync::atomic::Ordering::SeqCst);
    let p = make_plan(&next(), &store, &reg).await;
    assert_eq!(actions(&p), [("t.assoc_b".to_string(), Action::Delete)]);
    assert!(run(&p, &store, &reg, 4).await.succeeded());
    let state = store.load().unwrap().unwrap();
    assert!(state.pending.is_empty(), "{:?}", state.pending);
    assert!(cloud.ids_of("t.assoc_b").is_empty());
    assert!(!make_plan(&next(), &store, &reg).await.summary.has_changes());
}

/// A subnet (`net`) that a function (`fn`) sits in, with a type that lets
/// a replacement subnet exist beside the old one (`coexist`) or not.
fn in_use_registry(cloud: &Arc<FakeCloud>, coexists: bool) -> Arc<Registry> {
    let mut r = Registry::new();
    r.register(Arc::new(FakeType {
        kind: "net",
        replace_on: &["cidr"],
        cloud: cloud.clone(),
        create_before_destroy: false,
        coexists,
    }));
    r.register(Arc::new(FakeType {
        kind: "fn",
        replace_on: &[],
        cloud: cloud.clone(),
        create_before_destroy: false,
        coexists: false,
    }));
    Arc::new(r)
}

fn in_use_stack(cidr: &str) -> Graph {
    Graph::build(vec![
        Node::new("net", "a", "r1", json!({"cidr": cidr})),
        Node::new("fn", "f", "r1", json!({"subnet": reference("net.a", "id")})),
    ])
    .unwrap()
}

#[tokio::test]
async fn a_replaced_object_others_use_is_deleted_only_after_they_moved_off_it() {
    for coexists in [true, false] {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path().join("dev.json"));
        let cloud = Arc::new(FakeCloud::default());
        let reg = in_use_registry(&cloud, coexists);
        let p = make_plan(&in_use_stack("10.0.1.0/24"), &store, &reg).await;
        assert!(run(&p, &store, &reg, 4).await.succeeded());
        // As AWS does: an object another still names cannot be deleted.
        cloud
            .refuse_in_use
            .store(true, std::sync::atomic::Ordering::SeqCst);
        cloud.events.lock().unwrap().clear();
        let p = make_plan(&in_use_stack("10.0.9.0/24"), &store, &reg).await;
        let net = p.changes.iter().find(|c| c.address == "net.a").unwrap();
        assert_eq!(net.action, Action::Replace);
        assert_eq!(net.create_before_destroy, coexists);
        let report = run(&p, &store, &reg, 4).await;
        let ops: Vec<(String, &str)> = cloud
            .events
            .lock()
            .unwrap()
            .iter()
            .filter(|e| e.op != "read")
            .map(|e| (e.address.clone(), e.op))
            .collect();
        if coexists {
            // The new subnet, the function moved to it, then the old one.
            assert!(report.succeeded());
            assert_eq!(
                ops,
                [
                    ("net.a".to_string(), "create"),
                    ("fn.f".to_string(), "update"),
                    ("net.a".to_string(), "delete")
                ]
            );
        } else {
            // Deleting first: refused while the function still sits in it.
            assert!(!report.succeeded());
            assert_eq!(ops, []);
        }
    }
}

mod observed;
