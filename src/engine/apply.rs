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
use super::resource::{Ctx, Registry, ResourceError, Stats};
use super::state::{Entry, PendingOp, ResourceState};
use super::value::{contains_unknown, resolve_attrs, Attrs, Reference};
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

async fn run_op(
    op: Op,
    change: &Change,
    ckpt: &Checkpointer,
    registry: &Registry,
    ctx: Ctx,
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
                    .map(|r| (r.id.clone(), r.attributes.clone()))
            });
            let (id, attrs) = match (recorded, &change.id) {
                (Some((id, attrs)), None) => (id, attrs),
                (Some((id, attrs)), Some(planned)) if *planned == id => (id, attrs),
                (_, Some(old)) => (old.clone(), change.before.clone().unwrap_or_default()),
                (None, None) => return Ok(()),
            };
            rt.delete(&ctx, &id, &attrs).await?;
            // Only this task touches this address, so the check cannot race.
            if ckpt.read(|s| s.resources.get(&change.address).is_some_and(|r| r.id == id)) {
                let g = ckpt.record(Entry::Remove {
                    address: change.address.clone(),
                });
                ckpt.flush(g).await.map_err(ckpt_err)?;
            }
            Ok(())
        }
        OpKind::Create | OpKind::Update => {
            let desired = change.desired.as_ref().ok_or_else(|| {
                fail(
                    "applying",
                    &change.address,
                    "the plan has no desired attributes",
                )
            })?;
            let attrs: Attrs =
                ckpt.read(|s| resolve_attrs(desired, &|r: &Reference| s.value_of(r)));
            if let Some((k, _)) = attrs.iter().find(|(_, v)| contains_unknown(v)) {
                return Err(fail(
                    "applying",
                    &change.address,
                    format!("attribute {k} references a value that is still unknown"),
                ));
            }
            let (id, outputs) = if op.kind == OpKind::Create {
                let g = ckpt.record(Entry::Pending {
                    pending: PendingOp {
                        address: change.address.clone(),
                        operation: "create".into(),
                        region: change.region.clone(),
                        started_at: now(),
                    },
                });
                ckpt.flush(g).await.map_err(ckpt_err)?;
                let res = rt.create(&ctx, &attrs).await;
                let created = match res {
                    Ok(c) => c,
                    Err(e) => {
                        let g = ckpt.record(Entry::Resolved {
                            address: change.address.clone(),
                        });
                        ckpt.flush(g).await.map_err(ckpt_err)?;
                        return Err(e);
                    }
                };
                (created.id, created.outputs)
            } else {
                let id = change.id.clone().unwrap_or_default();
                let before = change.before.clone().unwrap_or_default();
                let outputs = rt.update(&ctx, &id, &before, &attrs).await?;
                (id, outputs)
            };
            let mut outputs = outputs;
            outputs.insert("id".into(), Value::String(id.clone()));
            if op.kind == OpKind::Update {
                if let Some(mut prior) =
                    ckpt.read(|s| s.resources.get(&change.address).map(|r| r.outputs.clone()))
                {
                    prior.extend(outputs);
                    outputs = prior;
                }
            }
            if op.kind == OpKind::Create {
                ckpt.record(Entry::Resolved {
                    address: change.address.clone(),
                });
            }
            let g = ckpt.record(Entry::Put {
                resource: ResourceState {
                    address: change.address.clone(),
                    kind: change.kind().to_string(),
                    region: change.region.clone(),
                    id,
                    attributes: attrs,
                    outputs,
                    dependencies: change.dependencies.clone(),
                },
            });
            ckpt.flush(g).await.map_err(ckpt_err)
        }
    }
}

/// Executes `plan` on `ckpt`'s state. Failures skip dependants; everything
/// finished is checkpointed. Outputs are refreshed at the end.
pub async fn apply(
    plan: &Plan,
    ckpt: Arc<Checkpointer>,
    registry: Arc<Registry>,
    opts: ApplyOptions,
) -> ApplyReport {
    let started = Instant::now();
    let stats = Arc::new(Stats::default());
    let recorded: HashMap<String, Vec<String>> = ckpt.read(|s| {
        s.resources
            .values()
            .map(|r| (r.address.clone(), r.dependencies.clone()))
            .collect()
    });
    let (ops, dag) = build_ops(plan, &recorded);
    let plan_arc = Arc::new(plan.clone());
    let ops_arc = Arc::new(ops.clone());
    let outcomes = walk(&dag, opts.parallelism, opts.stop.clone(), |oi, slot| {
        let (plan, ops, ckpt, registry, stats) = (
            plan_arc.clone(),
            ops_arc.clone(),
            ckpt.clone(),
            registry.clone(),
            stats.clone(),
        );
        let progress = opts.progress.clone();
        async move {
            let op = ops[oi];
            let change = &plan.changes[op.change];
            let ctx = Ctx::new(&change.address, &change.region, stats, Some(slot));
            let (doing, done) = match op.kind {
                OpKind::Create => ("creating", "created"),
                OpKind::Update => ("updating", "updated"),
                OpKind::Destroy => ("destroying", "destroyed"),
            };
            tracing::info!("{doing} {}", change.address);
            let t = Instant::now();
            let r = run_op(op, change, &ckpt, &registry, ctx).await;
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
    let results = plan
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
    let outputs = ckpt.read(|s| resolve_outputs(&plan.outputs, s));
    ckpt.record(Entry::Outputs { outputs });
    // At rest the state is one file: fold the journal into it.
    if let Err(e) = ckpt.compact().await {
        tracing::error!("writing the final state: {e}");
    }
    ApplyReport {
        results,
        retries: stats.retries(),
        checkpoints: ckpt.writes.load(std::sync::atomic::Ordering::Relaxed),
        duration: started.elapsed(),
    }
}
