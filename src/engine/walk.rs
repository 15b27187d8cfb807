//! A generic DAG scheduler: starts each node the moment all of its
//! dependencies have finished, bounded by a semaphore, and skips the
//! dependants of a node that failed while independent branches go on.
//!
//! Nodes are plain indices; the caller maps them to real work. Among ready
//! nodes the one with the longest chain of dependants goes first, so a
//! bounded parallelism still follows the critical path.

use std::collections::{BinaryHeap, VecDeque};
use std::future::Future;
use std::sync::Arc;

use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;

use super::resource::Slot;

/// How one node ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome<E> {
    /// Finished successfully.
    Done,
    /// Ran and failed.
    Failed(E),
    /// Not run because the node at this index failed.
    Skipped(usize),
    /// Not run because the walk was interrupted.
    NotStarted,
}

/// The dependency structure: `deps[i]` lists the nodes `i` waits for.
#[derive(Debug, Clone, Default)]
pub struct Dag {
    /// Dependencies of each node.
    pub deps: Vec<Vec<usize>>,
}

impl Dag {
    /// A DAG of `n` independent nodes.
    pub fn new(n: usize) -> Dag {
        Dag {
            deps: vec![vec![]; n],
        }
    }

    /// Makes `node` wait for `dep`.
    pub fn edge(&mut self, dep: usize, node: usize) {
        self.deps[node].push(dep);
    }

    fn dependants(&self) -> Vec<Vec<usize>> {
        let mut out = vec![vec![]; self.deps.len()];
        for (i, ds) in self.deps.iter().enumerate() {
            for &d in ds {
                out[d].push(i);
            }
        }
        out
    }

    /// A topological order, or `None` when there is a cycle.
    pub fn order(&self) -> Option<Vec<usize>> {
        let dependants = self.dependants();
        let mut indeg: Vec<usize> = self.deps.iter().map(Vec::len).collect();
        let mut q: VecDeque<usize> = (0..indeg.len()).filter(|&i| indeg[i] == 0).collect();
        let mut order = Vec::with_capacity(indeg.len());
        while let Some(i) = q.pop_front() {
            order.push(i);
            for &d in &dependants[i] {
                indeg[d] -= 1;
                if indeg[d] == 0 {
                    q.push_back(d);
                }
            }
        }
        (order.len() == indeg.len()).then_some(order)
    }

    /// Length of the longest chain of dependants below each node (1 = leaf).
    fn heights(&self, order: &[usize], dependants: &[Vec<usize>]) -> Vec<usize> {
        let mut h = vec![1; self.deps.len()];
        for &i in order.iter().rev() {
            h[i] = 1 + dependants[i].iter().map(|&d| h[d]).max().unwrap_or(0);
        }
        h
    }
}

/// Runs every node of `dag` with `run`, at most `parallelism` at a time.
/// `run` gets the node index and its parallelism slot. Once `stop` turns
/// true no new node starts; running ones finish. Panics on a cycle.
pub async fn walk<E, F, Fut>(
    dag: &Dag,
    parallelism: usize,
    mut stop: watch::Receiver<bool>,
    run: F,
) -> Vec<Outcome<E>>
where
    E: Send + 'static,
    F: Fn(usize, Arc<Slot>) -> Fut,
    Fut: Future<Output = Result<(), E>> + Send + 'static,
{
    let n = dag.deps.len();
    let dependants = dag.dependants();
    let order = dag.order().expect("walk called on a cyclic graph");
    let heights = dag.heights(&order, &dependants);
    let mut remaining: Vec<usize> = dag.deps.iter().map(Vec::len).collect();
    let mut outcome: Vec<Option<Outcome<E>>> = (0..n).map(|_| None).collect();
    let mut ready: BinaryHeap<(usize, std::cmp::Reverse<usize>)> = (0..n)
        .filter(|&i| remaining[i] == 0)
        .map(|i| (heights[i], std::cmp::Reverse(i)))
        .collect();
    let sem = Arc::new(Semaphore::new(parallelism.max(1)));
    let mut running = JoinSet::new();
    let mut stopped = *stop.borrow();

    loop {
        if running.is_empty() && (ready.is_empty() || stopped) {
            break;
        }
        tokio::select! {
            biased;
            Some(joined) = running.join_next() => {
                let (i, res): (usize, Result<(), E>) = joined.expect("scheduler task panicked");
                match res {
                    Ok(()) => {
                        outcome[i] = Some(Outcome::Done);
                        for &d in &dependants[i] {
                            remaining[d] -= 1;
                            if remaining[d] == 0 && outcome[d].is_none() {
                                ready.push((heights[d], std::cmp::Reverse(d)));
                            }
                        }
                    }
                    Err(e) => {
                        outcome[i] = Some(Outcome::Failed(e));
                        skip_dependants(i, &dependants, &mut outcome);
                    }
                }
            }
            changed = stop.changed(), if !stopped => {
                stopped = changed.is_err() || *stop.borrow();
            }
            permit = sem.clone().acquire_owned(), if !ready.is_empty() && !stopped => {
                let permit = permit.expect("semaphore closed");
                let (_, std::cmp::Reverse(i)) = ready.pop().expect("ready is not empty");
                let slot = Arc::new(Slot::new(sem.clone(), permit));
                let fut = run(i, slot.clone());
                running.spawn(async move {
                    let r = fut.await;
                    drop(slot);
                    (i, r)
                });
            }
        }
    }
    outcome
        .into_iter()
        .map(|o| o.unwrap_or(Outcome::NotStarted))
        .collect()
}

fn skip_dependants<E>(
    failed: usize,
    dependants: &[Vec<usize>],
    outcome: &mut [Option<Outcome<E>>],
) {
    let mut stack = dependants[failed].clone();
    while let Some(d) = stack.pop() {
        if outcome[d].is_none() {
            outcome[d] = Some(Outcome::Skipped(failed));
            stack.extend(dependants[d].iter().copied());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;
    use std::time::Duration;
    use tokio::time::Instant;

    fn never_stop() -> watch::Receiver<bool> {
        let (tx, rx) = watch::channel(false);
        std::mem::forget(tx);
        rx
    }

    #[tokio::test(start_paused = true)]
    async fn dependencies_finish_before_dependants_start() {
        // 0 -> 1 -> 3, 0 -> 2 -> 3
        let mut dag = Dag::new(4);
        dag.edge(0, 1);
        dag.edge(0, 2);
        dag.edge(1, 3);
        dag.edge(2, 3);
        let log = Arc::new(Mutex::new(vec![]));
        let l = log.clone();
        let out = walk(&dag, 4, never_stop(), move |i, _| {
            let l = l.clone();
            async move {
                l.lock().unwrap().push(("start", i));
                tokio::time::sleep(Duration::from_millis(10)).await;
                l.lock().unwrap().push(("end", i));
                Ok::<(), ()>(())
            }
        })
        .await;
        assert!(out.iter().all(|o| *o == Outcome::Done));
        let log = log.lock().unwrap();
        let pos = |e: (&str, usize)| log.iter().position(|x| *x == e).unwrap();
        assert!(pos(("end", 0)) < pos(("start", 1)));
        assert!(pos(("end", 1)) < pos(("start", 3)));
        assert!(pos(("end", 2)) < pos(("start", 3)));
    }

    #[tokio::test(start_paused = true)]
    async fn parallelism_bound_is_never_exceeded() {
        let dag = Dag::new(20);
        let now = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let (n2, p2) = (now.clone(), peak.clone());
        walk(&dag, 3, never_stop(), move |_, _| {
            let (now, peak) = (n2.clone(), p2.clone());
            async move {
                let c = now.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(c, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(5)).await;
                now.fetch_sub(1, Ordering::SeqCst);
                Ok::<(), ()>(())
            }
        })
        .await;
        assert_eq!(peak.load(Ordering::SeqCst), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn a_node_starts_when_its_own_dependencies_finish() {
        // Chain a: 0 (slow, 100ms) -> 1. Chain b: 2 (fast, 10ms) -> 3.
        // 3 must start at ~10ms, not wait for the slow level-mate 0.
        let mut dag = Dag::new(4);
        dag.edge(0, 1);
        dag.edge(2, 3);
        let t0 = Instant::now();
        let started = Arc::new(Mutex::new(vec![Duration::ZERO; 4]));
        let s = started.clone();
        walk(&dag, 10, never_stop(), move |i, _| {
            let s = s.clone();
            async move {
                s.lock().unwrap()[i] = t0.elapsed();
                let ms = if i == 0 { 100 } else { 10 };
                tokio::time::sleep(Duration::from_millis(ms)).await;
                Ok::<(), ()>(())
            }
        })
        .await;
        let st = started.lock().unwrap();
        assert!(
            st[3] >= Duration::from_millis(10) && st[3] < Duration::from_millis(50),
            "{st:?}"
        );
        assert!(st[1] >= Duration::from_millis(100), "{st:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn failure_skips_dependants_and_independent_branches_finish() {
        // 0 fails; 1 depends on 0, 2 on 1; 3 -> 4 independent.
        let mut dag = Dag::new(5);
        dag.edge(0, 1);
        dag.edge(1, 2);
        dag.edge(3, 4);
        let out = walk(&dag, 2, never_stop(), |i, _| async move {
            if i == 0 {
                Err("boom")
            } else {
                Ok(())
            }
        })
        .await;
        assert_eq!(out[0], Outcome::Failed("boom"));
        assert_eq!(out[1], Outcome::Skipped(0));
        assert_eq!(out[2], Outcome::Skipped(0));
        assert_eq!(out[3], Outcome::Done);
        assert_eq!(out[4], Outcome::Done);
    }

    #[tokio::test(start_paused = true)]
    async fn sleeping_waiter_gives_its_slot_back() {
        // Parallelism 1: node 0 waits 1s in slot.sleep; node 1 must run meanwhile.
        let dag = Dag::new(2);
        let t0 = Instant::now();
        let ended = Arc::new(Mutex::new(vec![Duration::ZERO; 2]));
        let e = ended.clone();
        walk(&dag, 1, never_stop(), move |i, slot| {
            let e = e.clone();
            async move {
                if i == 1 {
                    slot.sleep(Duration::from_secs(1)).await;
                } else {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                e.lock().unwrap()[i] = t0.elapsed();
                Ok::<(), ()>(())
            }
        })
        .await;
        let e = ended.lock().unwrap();
        assert!(e[0] < Duration::from_millis(500), "{e:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn stop_prevents_new_starts_but_running_nodes_finish() {
        let mut dag = Dag::new(3);
        dag.edge(0, 1);
        dag.edge(1, 2);
        let (tx, rx) = watch::channel(false);
        let tx = Arc::new(tx);
        let t = tx.clone();
        let out = walk(&dag, 1, rx, move |i, _| {
            let t = t.clone();
            async move {
                if i == 0 {
                    t.send(true).unwrap();
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                Ok::<(), ()>(())
            }
        })
        .await;
        assert_eq!(
            out,
            vec![Outcome::Done, Outcome::NotStarted, Outcome::NotStarted]
        );
    }

    #[test]
    fn order_detects_cycles() {
        let mut dag = Dag::new(2);
        dag.edge(0, 1);
        assert_eq!(dag.order(), Some(vec![0, 1]));
        dag.edge(1, 0);
        assert_eq!(dag.order(), None);
    }
}
