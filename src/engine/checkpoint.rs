//! Checkpoints: the in-memory state of a running apply and its durable copy.
//!
//! Every finished operation changes the state and then waits until a write
//! that includes the change has reached disk. Writers take turns; one write
//! covers every change made before it started (group commit), so a burst of
//! completions costs one write, and the total cost of checkpointing stays
//! proportional to the run's length rather than to the square of its size.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::state::{FileStore, State, StateError};

/// Where checkpoints go.
pub trait Persist: Send + Sync + 'static {
    /// Durably replaces the stored state with `bytes`.
    fn persist(&self, bytes: &[u8]) -> Result<(), StateError>;
}

impl Persist for FileStore {
    fn persist(&self, bytes: &[u8]) -> Result<(), StateError> {
        super::state::write_private_atomic(self.path(), bytes)
    }
}

/// Discards checkpoints; for benchmarks and tests that need no disk.
#[derive(Debug, Default)]
pub struct NoPersist;

impl Persist for NoPersist {
    fn persist(&self, _: &[u8]) -> Result<(), StateError> {
        Ok(())
    }
}

/// Shared, checkpointed state of a running command.
pub struct Checkpointer {
    state: Mutex<State>,
    changed: AtomicU64,
    durable: AtomicU64,
    writer: tokio::sync::Mutex<()>,
    persist: Arc<dyn Persist>,
    /// Number of writes made.
    pub writes: AtomicU64,
}

impl Checkpointer {
    /// Wraps `state`, writing checkpoints through `persist`.
    pub fn new(state: State, persist: Arc<dyn Persist>) -> Checkpointer {
        Checkpointer {
            state: Mutex::new(state),
            changed: AtomicU64::new(0),
            durable: AtomicU64::new(0),
            writer: tokio::sync::Mutex::new(()),
            persist,
            writes: AtomicU64::new(0),
        }
    }

    /// Applies `f` to the state; returns the change's generation.
    pub fn mutate<R>(&self, f: impl FnOnce(&mut State) -> R) -> (R, u64) {
        let mut s = self.state.lock().expect("state lock");
        let r = f(&mut s);
        let g = self.changed.fetch_add(1, Ordering::SeqCst) + 1;
        (r, g)
    }

    /// Reads the state.
    pub fn read<R>(&self, f: impl FnOnce(&State) -> R) -> R {
        f(&self.state.lock().expect("state lock"))
    }

    /// Waits until every change up to generation `upto` is on disk.
    pub async fn flush(&self, upto: u64) -> Result<(), StateError> {
        if self.durable.load(Ordering::SeqCst) >= upto {
            return Ok(());
        }
        let _turn = self.writer.lock().await;
        if self.durable.load(Ordering::SeqCst) >= upto {
            return Ok(());
        }
        let (generation, bytes) = {
            let mut s = self.state.lock().expect("state lock");
            s.serial += 1;
            let g = self.changed.load(Ordering::SeqCst);
            (g, serde_json::to_vec_pretty(&*s).expect("state serialises"))
        };
        let persist = self.persist.clone();
        tokio::task::spawn_blocking(move || persist.persist(&bytes))
            .await
            .expect("checkpoint writer panicked")?;
        self.writes.fetch_add(1, Ordering::Relaxed);
        self.durable.store(generation, Ordering::SeqCst);
        Ok(())
    }

    /// Writes everything changed so far.
    pub async fn flush_all(&self) -> Result<(), StateError> {
        self.flush(self.changed.load(Ordering::SeqCst)).await
    }

    /// The final state.
    pub fn into_state(self) -> State {
        self.state.into_inner().expect("state lock")
    }
}
