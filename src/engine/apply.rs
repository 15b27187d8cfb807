//! The executor: turns a plan into operations (create, update, destroy), orders
//! them, runs them through the scheduler and checkpoints the state after each.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::Value;
use tokio::sync::watch;

use super::checkpoint::Checkpointer;
use super::plan::{resolve_outputs, Action, Change, Plan};
use super::resource::{Ctx, Registry, ResourceError, ResourceType, Stats};
use super::state::{Entry, PendingOp, ResourceState};
use super::value::{
    contains_unknown, record_observed, resolve_attrs, settle_observed, Attrs, Reference,
};
use super::walk::{walk, Dag, Outcome};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OpKind {
    Create,
    Update,
    Destroy,
}

#[derive(Debug, Clone, Copy)]
struct Op {
    change: usize,
    kind: OpKind,
}

/// How one planned change ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum NodeOutcome {
    /// Done.
    Done,
    /// Failed with this error.
    Failed {
        /// The error.
        error: String,
    },
    /// Skipped because a dependency failed.
    Skipped {
        /// The node whose failure caused the skip.
        because: String,
    },
    /// Not started because the run was interrupted.
    NotStarted,
}

/// The result of one planned change.
#[derive(Debug, Clone, Serialize)]
pub struct NodeResult {
    /// `kind.name`.
    pub address: String,
    /// The planned action.
    pub action: Action,
    /// How it ended.
    #[serde(flatten)]
    pub outcome: NodeOutcome,
}

/// What an apply did.
#[derive(Debug, Clone, Serialize)]
pub struct ApplyReport {
    /// Per changed node, in plan order.
    pub results: Vec<NodeResult>,
    /// Operation-level retries.
    pub retries: u64,
    /// Waiter polls that found an object not yet in the state waited for
    /// (each logged with `-v`).
    pub waits: u64,
    /// Objects made by an interrupted run and adopted by this one.
    pub adopted: u64,
    /// Objects an interrupted run's request made after this run had looked
    /// for them and created its own; deleted.
    pub discarded: u64,
    /// State checkpoints written.
    pub checkpoints: u64,
    /// Wall time.
    pub duration: Duration,
}

impl ApplyReport {
    /// True when every change finished.
    pub fn succeeded(&self) -> bool {
        self.results.iter().all(|r| r.outcome == NodeOutcome::Done)
    }

    /// Number of results with the given outcome discriminant.
    pub fn count(&self, pred: impl Fn(&NodeOutcome) -> bool) -> usize {
        self.results.iter().filter(|r| pred(&r.outcome)).count()
    }
}

/// Called as each operation ends: address, what was done ("created",
/// "updated", "destroyed"), the error if it failed, and how long it took.
pub type Progress = Arc<dyn Fn(&str, &str, Option<&ResourceError>, Duration) + Send + Sync>;

/// Options of one apply.
#[derive(Clone)]
pub struct ApplyOptions {
    /// Most operations at once.
    pub parallelism: usize,
    /// Turns true to stop starting new operations.
    pub stop: watch::Receiver<bool>,
    /// Progress callback.
    pub progress: Option<Progress>,
    /// Counters to share with the caller (live progress reads what is
    /// running); a fresh set when `None`.
    pub stats: Option<Arc<Stats>>,
    /// Whether a replacement keeps a copy of the old object's data first
    /// ([`ResourceType::preserve`]); off where the data may be lost.
    pub keep_copies: bool,
}

fn build_ops(plan: &Plan, recorded_deps: &HashMap<String, Vec<String>>) -> (Vec<Op>, Dag) {
    let mut ops = vec![];
    let mut forward: HashMap<&str, usize> = HashMap::new();
    let mut destroy: HashMap<&str, usize> = HashMap::new();
    for (ci, c) in plan.changes.iter().enumerate() {
        let kinds: &[OpKind] = match c.action {
            Action::NoOp => &[],
            Action::Create => &[OpKind::Create],
            Action::Update => &[OpKind::Update],
            Action::Replace if c.create_before_destroy => &[OpKind::Create, OpKind::Destroy],
            Action::Replace => &[OpKind::Destroy, OpKind::Create],
            Action::Delete => &[OpKind::Destroy],
        };
        for &kind in kinds {
            let map = if kind == OpKind::Destroy {
                &mut destroy
            } else {
                &mut forward
            };
            map.insert(c.address.as_str(), ops.len());
            ops.push(Op { change: ci, kind });
        }
    }
    let mut dag = Dag::new(ops.len());
    for (oi, op) in ops.iter().enumerate() {
        let c = &plan.changes[op.change];
        match op.kind {
            OpKind::Create | OpKind::Update => {
                for d in &c.dependencies {
                    if let Some(&j) = forward.get(d.as_str()) {
                        dag.edge(j, oi);
                    }
                }
                if !c.create_before_destroy {
                    if let Some(&j) = destroy.get(c.address.as_str()) {
                        dag.edge(j, oi);
                    }
                }
            }
            OpKind::Destroy => {
                if c.create_before_destroy {
                    // The new object first, then everything moving over to it.
                    dag.edge(forward[c.address.as_str()], oi);
                    for other in plan
                        .changes
                        .iter()
                        .filter(|o| o.dependencies.contains(&c.address))
                    {
                        if let Some(&j) = forward.get(other.address.as_str()) {
                            dag.edge(j, oi);
                        }
                    }
                }
                // Whatever depended on this object lets go of it first.
                for (other, deps) in recorded_deps {
                    if !deps.contains(&c.address) {
                        continue;
                    }
                    if let Some(&j) = destroy.get(other.as_str()) {
                        dag.edge(j, oi);
                    } else if c.action == Action::Delete {
                        if let Some(&j) = forward.get(other.as_str()) {
                            dag.edge(j, oi);
                        }
                    }
                }
            }
        }
    }
    (ops, dag)
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn fail(action: &str, address: &str, msg: impl std::fmt::Display) -> ResourceError {
    ResourceError::new(
        super::resource::ErrorClass::Other,
        format!("{action} {address}"),
        msg.to_string(),
    )
}

/// Makes the intent to `operation` on `change`'s object durable before the
/// call: a run killed during the call leaves it in the state, and the next
/// run says so and resolves it. Creates keep their attributes and client
/// token, which the next run searches by.
async fn record_intent(
    ckpt: &Checkpointer,
    change: &Change,
    operation: &str,
    client_token: String,
    attributes: Attrs,
) -> Result<(), ResourceError> {
    let g = ckpt.record(Entry::Pending {
        pending: PendingOp {
            address: change.address.clone(),
            operation: operation.into(),
            region: change.region.clone(),
            started_at: now(),
            client_token,
            attributes,
        },
    });
    ckpt.flush(g).await.map_err(|e| {
        fail(
            &format!("recording the intent to {operation}"),
            &change.address,
            e,
        )
    })
}

/// Creates the object, unless an interrupted run already did. The intent
/// (with the client token) is made durable before the call; it stays in the
/// state if the call fails, since a failed call may still have created
/// something. When a pending create from an earlier run is found, the type
/// first looks for what that run made, and the engine adopts it.
async fn create_or_adopt(
    rt: &dyn ResourceType,
    change: &Change,
    attrs: &Attrs,
    ckpt: &Checkpointer,
    ctx: Ctx,
) -> Result<(String, Attrs), ResourceError> {
    let address = &change.address;
    let prior = ckpt.read(|s| {
        s.pending
            .iter()
            .find(|p| &p.address == address && p.operation == "create")
            .cloned()
    });
    let token = prior
        .as_ref()
        .map(|p| p.client_token.clone())
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    let ctx = ctx.with_client_token(&token);
    record_intent(ckpt, change, "create", token, attrs.clone()).await?;
    if prior.is_some() {
        if let Some(adopted) = adopt(rt, change, attrs, ckpt, &ctx).await? {
            return Ok(adopted);
        }
    }
    let created = match rt.create(&ctx, attrs).await {
        Ok(c) => c,
        // The SDK retried a create whose first attempt landed (its answer
        // lost): what is there is this run's when it carries its identity.
        Err(e) if e.class == super::resource::ErrorClass::AlreadyExists => {
            return match adopt(rt, change, attrs, ckpt, &ctx).await? {
                Some(adopted) => Ok(adopted),
                None => Err(e),
            };
        }
        Err(e) => return Err(e),
    };
    if prior.is_some() {
        discard_late_arrivals(rt, change, attrs, ckpt, &ctx, &created.id).await?;
    }
    Ok((created.id, created.outputs))
}

/// Searches once more after creating in place of an interrupted create
/// that seemed to have made nothing: the dead run's request may still have
/// been in flight during the first search and landed since. What it made
/// is deleted, keeping the object just created (which the state will hold).
/// Types whose API takes a client token never get here with a twin: the
/// token makes the two calls one.
async fn discard_late_arrivals(
    rt: &dyn ResourceType,
    change: &Change,
    attrs: &Attrs,
    ckpt: &Checkpointer,
    ctx: &Ctx,
    created: &str,
) -> Result<(), ResourceError> {
    let address = &change.address;
    for id in claimants(rt, change, attrs, ckpt, ctx).await? {
        if id == created {
            continue;
        }
        let Some(live) = rt.read(ctx, &id, attrs).await? else {
            continue;
        };
        tracing::warn!(
            "{address}: {id}, made by an interrupted run, arrived after this run looked for it; \
             deleting it and keeping {created}"
        );
        rt.delete(ctx, &id, &live.attrs).await?;
        ctx.stats
            .discarded
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    Ok(())
}

/// The live objects that claim `change`'s address (by tag, name or parent),
/// except the one the state records: in a create-before-destroy
/// replacement the old object carries the same address tag.
async fn claimants(
    rt: &dyn ResourceType,
    change: &Change,
    attrs: &Attrs,
    ckpt: &Checkpointer,
    ctx: &Ctx,
) -> Result<Vec<String>, ResourceError> {
    let recorded = ckpt.read(|s| s.resources.get(&change.address).map(|r| r.id.clone()));
    let mut found = rt.find(ctx, attrs).await?;
    found.retain(|id| Some(id) != recorded.as_ref());
    Ok(found)
}

/// Looks for the object an interrupted create made and takes it over:
/// brought to `attrs` in place, or deleted (and `None` returned, so it is
/// created again) when an attribute that forces replacement differs.
async fn adopt(
    rt: &dyn ResourceType,
    change: &Change,
    attrs: &Attrs,
    ckpt: &Checkpointer,
    ctx: &Ctx,
) -> Result<Option<(String, Attrs)>, ResourceError> {
    let address = &change.address;
    let found = claimants(rt, change, attrs, ckpt, ctx).await?;
    let id = match found.as_slice() {
        [] => return Ok(None),
        [one] => one.clone(),
        many => {
            return Err(fail(
                "adopting what an interrupted create made for",
                address,
                format!(
                    "{} objects claim to be it ({}); delete all but one, then run again",
                    many.len(),
                    many.join(", ")
                ),
            ))
        }
    };
    let Some(live) = rt.read(ctx, &id, attrs).await? else {
        return Ok(None);
    };
    let differ: Vec<&String> = attrs
        .iter()
        .filter(|(k, v)| live.attrs.get(*k) != Some(*v))
        .map(|(k, _)| k)
        .collect();
    if let Some(k) = differ
        .iter()
        .find(|k| rt.replace_on().contains(&k.as_str()) && live.attrs.contains_key(**k))
    {
        tracing::warn!(
            "{address}: {id}, made by an interrupted run, has another {k}; replacing it"
        );
        rt.delete(ctx, &id, &live.attrs).await?;
        return Ok(None);
    }
    let mut outputs = live.outputs;
    if !differ.is_empty() {
        outputs.extend(rt.update(ctx, &id, &live.attrs, attrs).await?);
    }
    ctx.stats
        .adopted
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    tracing::info!("{address}: adopted {id}, made by an interrupted run");
    Ok(Some((id, outputs)))
}

async fn run_op(
    op: Op,
    change: &Change,
    ckpt: &Checkpointer,
    registry: &Registry,
    ctx: Ctx,
    keep_copies: bool,
) -> Result<(), ResourceError> {
    let rt = registry
        .get(change.kind())
        .map_err(|e| fail("planning", &change.address, e))?;
    let ckpt_err = |e| fail("checkpointing state after", &change.address, e);
    match op.kind {
        OpKind::Destroy => {
            // The object the plan saw: the recorded one, or (after a
            // create-before-destroy replacement) the old id the plan names.
            let recorded = ckpt.read(|s| {
                s.resources
                    .get(&change.address)
                    .map(|r| (r.id.clone(), r.attributes.unpack()))
            });
            let (id, attrs) = match (recorded, &change.id) {
                (Some((id, attrs)), None) => (id, attrs),
                (Some((id, attrs)), Some(planned)) if *planned == id => (id, attrs),
                (_, Some(old)) => (old.clone(), change.before.clone().unwrap_or_default()),
                (None, None) => return Ok(()),
            };
            if change.action == Action::Replace && keep_copies {
                if let Some(copy) = rt.preserve(&ctx, &id, &attrs).await? {
                    tracing::info!("{}: kept {copy} before replacing it", change.address);
                    if let Ok(mut kept) = ctx.stats.preserved.lock() {
                        kept.push((change.address.clone(), copy));
                    }
                }
            }
            record_intent(ckpt, change, "delete", String::new(), Attrs::new()).await?;
            rt.delete(&ctx, &id, &attrs).await?;
            let mut g = ckpt.record(Entry::Resolved {
                address: change.address.clone(),
            });
            // Only this task touches this address, so the check cannot race.
            if ckpt.read(|s| s.resources.get(&change.address).is_some_and(|r| r.id == id)) {
                g = ckpt.record(Entry::Remove {
                    address: change.address.clone(),
                });
            }
            ckpt.flush(g).await.map_err(ckpt_err)
        }
        OpKind::Create | OpKind::Update => {
            let desired = change.desired.as_ref().ok_or_else(|| {
                fail(
                    "applying",
                    &change.address,
                    "the plan has no desired attributes",
                )
            })?;
            let desired = desired.unpack();
            // The records it refers to and its own, copied (cheaply: their
            // attributes are packed) under the lock and read outside it.
            let refs = super::graph::all_references(&desired);
            let (sources, recorded) = ckpt.read(|s| {
                let sources: HashMap<&str, ResourceState> = refs
                    .iter()
                    .filter_map(|r| {
                        Some((r.address.as_str(), s.resources.get(&r.address)?.clone()))
                    })
                    .collect();
                (
                    sources,
                    s.resources
                        .get(&change.address)
                        .map(|r| r.attributes.clone()),
                )
            });
            let mut attrs = resolve_attrs(&desired, &|r: &Reference| {
                sources.get(r.address.as_str())?.value(&r.attr)
            });
            // As the plan settled them: an update keeps what was recorded;
            // a create has nothing to keep, even when it replaces.
            let recorded = recorded
                .filter(|_| op.kind != OpKind::Create)
                .map(|p| p.unpack());
            settle_observed(&mut attrs, recorded.as_ref());
            if let Some((k, _)) = attrs.iter().find(|(_, v)| contains_unknown(v)) {
                return Err(fail(
                    "applying",
                    &change.address,
                    format!("attribute {k} references a value that is still unknown"),
                ));
            }
            let (id, outputs) = if op.kind == OpKind::Create {
                create_or_adopt(rt.as_ref(), change, &attrs, ckpt, ctx).await?
            } else {
                let id = change.id.clone().unwrap_or_default();
                let before = change.before.clone().unwrap_or_default();
                record_intent(ckpt, change, "update", String::new(), Attrs::new()).await?;
                // A shared set keeps what other tooling added.
                let mut to = attrs.clone();
                for k in &change.shared {
                    if let Some(v) = before.get(k) {
                        to.insert(k.clone(), v.clone());
                    }
                }
                let outputs = rt.update(&ctx, &id, &before, &to).await?;
                (id, outputs)
            };
            record_observed(&desired, &mut attrs, &outputs);
            let mut outputs = outputs;
            outputs.insert("id".into(), Value::String(id.clone()));
            if op.kind == OpKind::Update {
                if let Some(prior) =
                    ckpt.read(|s| s.resources.get(&change.address).map(|r| r.outputs.clone()))
                {
                    let mut prior = prior.unpack();
                    prior.extend(outputs);
                    outputs = prior;
                }
            }
            ckpt.record(Entry::Resolved {
                address: change.address.clone(),
            });
            let g = ckpt.record(Entry::Put {
                resource: ResourceState {
                    address: change.address.clone(),
                    kind: change.kind().to_string(),
                    region: change.region.clone(),
                    id,
                    attributes: attrs.into(),
                    outputs: outputs.into(),
                    dependencies: change.dependencies.clone(),
                },
            });
            ckpt.flush(g).await.map_err(ckpt_err)
        }
    }
}

/// Pending creates this plan does not redo (the address is no longer
/// wanted, or the state already holds the object it wants): whatever the
/// interrupted create made is deleted, so nothing is left behind that hcprov
/// does not know. Returns the failures.
async fn clean_up_leftovers(
    plan: &Plan,
    ckpt: &Checkpointer,
    registry: &Registry,
    stats: &Arc<Stats>,
) -> Vec<NodeResult> {
    let creating: Vec<&str> = plan
        .changes
        .iter()
        .filter(|c| matches!(c.action, Action::Create | Action::Replace))
        .map(|c| c.address.as_str())
        .collect();
    let changing: Vec<&str> = plan
        .changes
        .iter()
        .filter(|c| c.action != Action::NoOp)
        .map(|c| c.address.as_str())
        .collect();
    let (leftovers, settled): (Vec<PendingOp>, Vec<PendingOp>) = ckpt.read(|s| {
        s.pending
            .iter()
            .filter(|p| {
                if p.operation == "create" {
                    !creating.contains(&p.address.as_str())
                } else {
                    !changing.contains(&p.address.as_str())
                }
            })
            .cloned()
            .partition(|p| p.operation == "create")
    });
    // An interrupted update or delete needs no search: the refresh read
    // where it got to, and when this plan has nothing left to do for the
    // address, it is over.
    for p in settled {
        tracing::info!(
            "{}: the interrupted {} is complete (the refresh found nothing left to do)",
            p.address,
            p.operation
        );
        ckpt.record(Entry::Resolved { address: p.address });
    }
    let mut failed = vec![];
    for p in leftovers {
        let r: Result<(), ResourceError> = async {
            let kind = p.address.split('.').next().unwrap_or_default();
            let rt = registry
                .get(kind)
                .map_err(|e| fail("cleaning up after", &p.address, e))?;
            let ctx = Ctx::new(&p.address, &p.region, stats.clone(), None)
                .with_client_token(&p.client_token);
            let recorded = ckpt.read(|s| s.resources.get(&p.address).map(|r| r.id.clone()));
            // An intent from an older hcprov, without attributes, cannot be searched for.
            let found = if p.attributes.is_empty() {
                vec![]
            } else {
                rt.find(&ctx, &p.attributes).await?
            };
            for id in found.iter().filter(|id| Some(*id) != recorded.as_ref()) {
                tracing::warn!(
                    "{}: deleting {id}, made by an interrupted run and no longer wanted",
                    p.address
                );
                rt.delete(&ctx, id, &p.attributes).await?;
            }
            let g = ckpt.record(Entry::Resolved {
                address: p.address.clone(),
            });
            ckpt.flush(g)
                .await
                .map_err(|e| fail("checkpointing state after", &p.address, e))
        }
        .await;
        if let Err(e) = r {
            failed.push(NodeResult {
                address: p.address.clone(),
                action: Action::Delete,
                outcome: NodeOutcome::Failed {
                    error: e.to_string(),
                },
            });
        }
    }
    failed
}

/// Executes `plan` on `ckpt`'s state. Failures skip dependants; everything
/// finished is checkpointed. Outputs are refreshed at the end.
pub async fn apply(
    plan: Arc<Plan>,
    ckpt: Arc<Checkpointer>,
    registry: Arc<Registry>,
    opts: ApplyOptions,
) -> ApplyReport {
    let started = Instant::now();
    let stats = opts.stats.clone().unwrap_or_default();
    let recorded: HashMap<String, Vec<String>> = ckpt.read(|s| {
        s.resources
            .values()
            .map(|r| (r.address.clone(), r.dependencies.clone()))
            .collect()
    });
    let leftovers = clean_up_leftovers(&plan, &ckpt, &registry, &stats).await;
    let (ops, dag) = build_ops(&plan, &recorded);
    let ops_arc = Arc::new(ops.clone());
    let outcomes = walk(&dag, opts.parallelism, opts.stop.clone(), |oi, slot| {
        let (plan, ops, ckpt, registry, stats) = (
            plan.clone(),
            ops_arc.clone(),
            ckpt.clone(),
            registry.clone(),
            stats.clone(),
        );
        let progress = opts.progress.clone();
        let keep_copies = opts.keep_copies;
        async move {
            let op = ops[oi];
            let change = &plan.changes[op.change];
            let mut ctx = Ctx::new(&change.address, &change.region, stats, Some(slot));
            ctx.replacing = op.kind == OpKind::Create
                && change.action == Action::Replace
                && change.create_before_destroy;
            let (doing, done) = match op.kind {
                OpKind::Create => ("creating", "created"),
                OpKind::Update => ("updating", "updated"),
                OpKind::Destroy => ("destroying", "destroyed"),
            };
            tracing::info!("{doing} {}", change.address);
            let t = Instant::now();
            let running = ctx.stats.clone();
            running.started(&change.address, doing);
            let r = run_op(op, change, &ckpt, &registry, ctx, keep_copies).await;
            running.ended(&change.address);
            if let Some(p) = progress {
                p(&change.address, done, r.as_ref().err(), t.elapsed());
            }
            r
        }
    })
    .await;

    // Fold op outcomes into one result per change.
    let mut per_change: HashMap<usize, NodeOutcome> = HashMap::new();
    for (oi, o) in outcomes.into_iter().enumerate() {
        let ci = ops[oi].change;
        let this = match o {
            Outcome::Done => NodeOutcome::Done,
            Outcome::Failed(e) => NodeOutcome::Failed {
                error: e.to_string(),
            },
            Outcome::Skipped(j) => NodeOutcome::Skipped {
                because: plan.changes[ops[j].change].address.clone(),
            },
            Outcome::NotStarted => NodeOutcome::NotStarted,
        };
        let entry = per_change.entry(ci).or_insert(NodeOutcome::Done);
        if *entry == NodeOutcome::Done {
            *entry = this;
        }
    }
    let mut results: Vec<NodeResult> = plan
        .changes
        .iter()
        .enumerate()
        .filter(|(_, c)| c.action != Action::NoOp)
        .map(|(ci, c)| NodeResult {
            address: c.address.clone(),
            action: c.action,
            outcome: per_change.remove(&ci).unwrap_or(NodeOutcome::Done),
        })
        .collect();
    results.extend(leftovers);
    let outputs = ckpt.read(|s| resolve_outputs(&plan.outputs, s));
    ckpt.record(Entry::Outputs { outputs });
    // At rest the state is one file: fold the journal into it.
    if let Err(e) = ckpt.compact().await {
        tracing::error!("writing the final state: {e}");
    }
    ApplyReport {
        results,
        retries: stats.retries(),
        waits: stats.waits.load(std::sync::atomic::Ordering::Relaxed),
        adopted: stats.adopted.load(std::sync::atomic::Ordering::Relaxed),
        discarded: stats.discarded.load(std::sync::atomic::Ordering::Relaxed),
        checkpoints: ckpt.writes.load(std::sync::atomic::Ordering::Relaxed),
        duration: started.elapsed(),
    }
}
