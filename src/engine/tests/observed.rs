//! Settings only apply learns (`value::observed`): recorded from what
//! create and update return, compared by plan and drift, redone by apply
//! when changed outside hcprov, and taken as applied from a state that did
//! not record them yet.

use std::sync::Arc;

use serde_json::json;

use super::{actions, make_plan, run};
use crate::engine::fake::{FakeCloud, FakeType};
use crate::engine::graph::{Graph, Node};
use crate::engine::plan::Action;
use crate::engine::resource::Registry;
use crate::engine::state::FileStore;
use crate::engine::upgrade::{expected, record_new_settings};
use crate::engine::value::observed;

fn stamped(cloud: &Arc<FakeCloud>) -> Arc<Registry> {
    let mut r = Registry::new();
    r.register(Arc::new(FakeType {
        kind: "stamped",
        replace_on: &[],
        cloud: cloud.clone(),
        create_before_destroy: false,
        coexists: false,
    }));
    Arc::new(r)
}

fn cache() -> Graph {
    Graph::build(vec![Node::new(
        "stamped",
        "cache",
        "r1",
        json!({"size": 1, "set_at": observed()}),
    )])
    .unwrap()
}

#[tokio::test]
async fn an_observed_setting_is_recorded_compared_and_redone_when_changed_outside() {
    let cloud = Arc::new(FakeCloud::default());
    let reg = stamped(&cloud);
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::new(dir.path().join("dev.json"));
    let p = make_plan(&cache(), &store, &reg).await;
    let create = &p.changes[0];
    assert!(
        create.attributes.list().iter().all(|a| a.name != "set_at"),
        "a create shows no value it cannot know: {:?}",
        create.attributes
    );
    assert!(run(&p, &store, &reg, 1).await.succeeded());
    let s = store.load().unwrap().unwrap();
    let first = s.resources["stamped.cache"].attributes.unpack()["set_at"].clone();
    assert!(first.is_u64(), "recorded from create's answer: {first}");
    let p = make_plan(&cache(), &store, &reg).await;
    assert!(!p.summary.has_changes(), "{:?}", actions(&p));
    assert!(p.drift.is_empty());

    // Changed outside hcprov (a token rotated by hand).
    cloud.tamper(&s.resources["stamped.cache"].id, "set_at", json!(999));
    let p = make_plan(&cache(), &store, &reg).await;
    assert_eq!(p.drift.len(), 1);
    let d = &p.drift[0].attributes[0];
    assert_eq!(
        (d.name.as_str(), d.before.clone(), d.after.clone()),
        ("set_at", Some(first.clone()), Some(json!(999)))
    );
    assert_eq!(actions(&p), vec![("stamped.cache".into(), Action::Update)]);
    assert!(run(&p, &store, &reg, 1).await.succeeded());
    let s = store.load().unwrap().unwrap();
    let redone = s.resources["stamped.cache"].attributes.unpack()["set_at"].clone();
    assert!(
        redone != first && redone != json!(999),
        "apply redid it and recorded what it then saw: {redone}"
    );
    let p = make_plan(&cache(), &store, &reg).await;
    assert!(!p.summary.has_changes() && p.drift.is_empty());
}

#[tokio::test]
async fn a_state_that_never_recorded_an_observed_setting_has_it_redone_not_taken() {
    let cloud = Arc::new(FakeCloud::default());
    let reg = stamped(&cloud);
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::new(dir.path().join("dev.json"));
    let p = make_plan(&cache(), &store, &reg).await;
    assert!(run(&p, &store, &reg, 1).await.succeeded());
    let mut s = store.load().unwrap().unwrap();
    let rec = s.resources.get_mut("stamped.cache").unwrap();
    let mut recorded = rec.attributes.unpack();
    let live = recorded.remove("set_at").unwrap();
    rec.attributes = recorded.into();
    store.write(&s).unwrap();

    let graph = cache();
    assert!(
        !expected(&s.resources["stamped.cache"], Some(&graph)).contains_key("set_at"),
        "drift does not compare what was never recorded"
    );
    // Whoever set what is live now, hcprov did not see it: the plan
    // shows it redone, and apply records its own.
    let p = make_plan(&graph, &store, &reg).await;
    assert!(p.drift.is_empty());
    assert_eq!(actions(&p), vec![("stamped.cache".into(), Action::Update)]);
    let list = p.changes[0].attributes.list();
    let change = &list[0];
    assert_eq!(
        (
            change.name.as_str(),
            change.before.clone(),
            change.after.clone()
        ),
        ("set_at", Some(live.clone()), Some(json!(null)))
    );
    assert_eq!(record_new_settings(&mut s, &p), (0, 0));
    assert!(run(&p, &store, &reg, 1).await.succeeded());
    let s = store.load().unwrap().unwrap();
    let redone = &s.resources["stamped.cache"].attributes.unpack()["set_at"].clone();
    assert!(redone.is_u64() && *redone != live, "{redone}");
    let p = make_plan(&graph, &store, &reg).await;
    assert!(!p.summary.has_changes() && p.drift.is_empty());
}
