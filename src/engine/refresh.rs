//! Refresh: read every resource the state holds, concurrently, batching the
//! reads of types whose API reads many objects in one call.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use futures::stream::{self, StreamExt};

use super::graph::Graph;
use super::resource::{Ctx, Observed, Registry, ResourceError, Stats};
use super::state::{ResourceState, State};
use super::value::Attrs;

/// What a read found for one resource.
#[derive(Debug, Clone)]
pub enum Live {
    /// The object exists.
    Present(Observed),
    /// The object is gone.
    Gone,
    /// The read failed.
    Unreadable(ResourceError),
}

/// The live view of every resource in a state.
#[derive(Debug, Clone, Default)]
pub struct Refreshed {
    live: HashMap<String, Live>,
}

impl Refreshed {
    /// What was found for `address`.
    pub fn get(&self, address: &str) -> Option<&Live> {
        self.live.get(address)
    }

    /// The first resource (by address) whose read failed.
    pub fn first_unreadable(&self) -> Option<(&str, &ResourceError)> {
        let mut bad: Vec<(&str, &ResourceError)> = self
            .live
            .iter()
            .filter_map(|(a, l)| match l {
                Live::Unreadable(e) => Some((a.as_str(), e)),
                _ => None,
            })
            .collect();
        bad.sort_by_key(|(a, _)| *a);
        bad.into_iter().next()
    }

    /// Records a result.
    pub fn insert(&mut self, address: String, live: Live) {
        self.live.insert(address, live);
    }
}

fn to_live(r: Result<Option<Observed>, ResourceError>) -> Live {
    match r {
        Ok(Some(o)) => Live::Present(o),
        Ok(None) => Live::Gone,
        Err(e) if e.is_not_found() => Live::Gone,
        Err(e) => Live::Unreadable(e),
    }
}

/// Reads every resource in `state`, at most `parallelism` reads at a time.
/// With `unrecorded` (a plan's blueprint), a read is also asked for the
/// settings the blueprint holds that the state does not record yet (an
/// older hcprov wrote it): a read answers a setting only when its prior
/// attributes hold it, so they hold it as null. A read that carries a
/// setting over from the prior (one AWS does not answer) then answers
/// null, and the plan updates it rather than take the planned value as
/// applied. (Drift instead brings the state to what apply would record
/// first: `upgrade::expect_unrecorded`.)
pub async fn refresh(
    state: &State,
    registry: &Registry,
    parallelism: usize,
    stats: Arc<Stats>,
    unrecorded: Option<&Graph>,
) -> Refreshed {
    type Group = Vec<(String, String, Attrs)>;
    let mut batched: BTreeMap<(String, String), Group> = BTreeMap::new();
    let mut singles = vec![];
    let mut out = Refreshed::default();
    for r in state.resources.values() {
        match registry.get(&r.kind) {
            Ok(t) if t.batches_reads() => batched
                .entry((r.kind.clone(), r.region.clone()))
                .or_default()
                .push((r.address.clone(), r.id.clone(), wanted(r, unrecorded))),
            Ok(_) => singles.push(r),
            Err(e) => out.insert(
                r.address.clone(),
                Live::Unreadable(ResourceError::new(
                    super::resource::ErrorClass::Other,
                    format!("reading {}", r.address),
                    e.to_string(),
                )),
            ),
        }
    }
    let batch_jobs = batched.into_iter().map(|((kind, region), group)| {
        let stats = stats.clone();
        let t = registry.get(&kind).expect("kind checked above").clone();
        async move {
            let ctx = Ctx::new(&format!("{kind}.*"), &region, stats, None);
            let items: Vec<(String, Attrs)> = group
                .iter()
                .map(|(_, id, a)| (id.clone(), a.clone()))
                .collect();
            let results = t.read_many(&ctx, &items).await;
            group
                .into_iter()
                .zip(results)
                .map(|((addr, _, _), r)| (addr, to_live(r)))
                .collect::<Vec<_>>()
        }
    });
    let single_jobs = singles.into_iter().map(|r| {
        let stats = stats.clone();
        let t = registry.get(&r.kind).expect("kind checked above").clone();
        async move {
            // Parsed when its read starts, not all at once before.
            let prior = wanted(r, unrecorded);
            let ctx = Ctx::new(&r.address, &r.region, stats, None);
            vec![(
                r.address.clone(),
                to_live(t.read(&ctx, &r.id, &prior).await),
            )]
        }
    });
    let mut results = stream::iter(
        batch_jobs
            .map(futures::future::Either::Left)
            .chain(single_jobs.map(futures::future::Either::Right)),
    )
    .buffer_unordered(parallelism.max(1));
    while let Some(batch) = results.next().await {
        for (addr, live) in batch {
            out.insert(addr, live);
        }
    }
    out
}

/// What a read of `r` is given: its recorded attributes, plus the
/// settings `unrecorded` holds that they lack, as null.
fn wanted(r: &ResourceState, unrecorded: Option<&Graph>) -> Attrs {
    let Some(n) = unrecorded.and_then(|g| g.get(&r.address)) else {
        return r.attributes.unpack();
    };
    let mut a = r.attributes.unpack();
    for k in n.attrs().keys() {
        if !a.contains_key(k) {
            a.insert(k.clone(), serde_json::Value::Null);
        }
    }
    a
}
