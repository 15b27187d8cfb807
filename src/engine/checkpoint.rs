//! Checkpoints: the in-memory state of a running apply and its durable copy.
//!
//! Every finished operation records its change and then waits until a write
//! that includes it has reached disk. Writers take turns; one write covers
//! every change recorded before it started (group commit). A write appends
//! only the new changes to the journal; the whole state is rewritten when
//! the journal has grown past the last full write, and at the end. So a
//! checkpoint costs what changed, not the size of the state, and apply stays
//! linear in the number of resources.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::state::{encode_journal, AtomicFile, Entry, FileStore, State, StateError};

/// Where checkpoints go.
pub trait Persist: Send + Sync + 'static {
    /// Durably replaces the stored state with `bytes` (dropping the journal).
    fn snapshot(&self, bytes: &[u8]) -> Result<(), StateError>;
    /// Starts a snapshot to be written as the state is serialised, so a
    /// large state is never held whole in memory; finishing it durably
    /// replaces the stored state and drops the journal. `None` when the
    /// store takes bytes only (an object store).
    fn start_snapshot(&self) -> Result<Option<AtomicFile>, StateError> {
        Ok(None)
    }
    /// Durably appends journal lines.
    fn append(&self, bytes: &[u8]) -> Result<(), StateError>;
    /// Whether small checkpoints may go to a journal; a store without
    /// appends (an object store) takes whole snapshots only.
    fn journals(&self) -> bool {
        true
    }
    /// The shortest time between two writes: completions that arrive
    /// meanwhile share the next write (group commit), which bounds the
    /// writes per second a remote store sees.
    fn min_interval(&self) -> std::time::Duration {
        std::time::Duration::ZERO
    }
}

impl Persist for FileStore {
    fn snapshot(&self, bytes: &[u8]) -> Result<(), StateError> {
        self.write_snapshot(bytes)
    }

    fn start_snapshot(&self) -> Result<Option<AtomicFile>, StateError> {
        FileStore::start_snapshot(self).map(Some)
    }

    fn append(&self, bytes: &[u8]) -> Result<(), StateError> {
        self.append_journal(bytes)
    }
}

/// What a flush will write.
enum Write {
    /// A whole state, serialised.
    Snapshot(Vec<u8>),
    /// A whole state already written to the file that will replace the
    /// stored one.
    Streamed(AtomicFile),
    Journal(Vec<u8>),
}

/// Shared, checkpointed state of a running command.
pub struct Checkpointer {
    state: Mutex<State>,
    unwritten: Mutex<Vec<Entry>>,
    journal_bytes: AtomicU64,
    snapshot_bytes: AtomicU64,
    changed: AtomicU64,
    durable: AtomicU64,
    /// Held by the one writer; when the last write ended.
    writer: tokio::sync::Mutex<Option<tokio::time::Instant>>,
    persist: Arc<dyn Persist>,
    /// Number of writes made.
    pub writes: AtomicU64,
}

impl Checkpointer {
    /// Wraps `state`, writing checkpoints through `persist`.
    pub fn new(state: State, persist: Arc<dyn Persist>) -> Checkpointer {
        Checkpointer {
            state: Mutex::new(state),
            unwritten: Mutex::new(vec![]),
            journal_bytes: AtomicU64::new(0),
            // No snapshot yet this run: the first write is a full one.
            snapshot_bytes: AtomicU64::new(0),
            changed: AtomicU64::new(0),
            durable: AtomicU64::new(0),
            writer: tokio::sync::Mutex::new(None),
            persist,
            writes: AtomicU64::new(0),
        }
    }

    /// Applies `entry` to the state and queues it for the next write;
    /// returns the change's generation.
    pub fn record(&self, entry: Entry) -> u64 {
        let mut s = self.state.lock().expect("state lock");
        entry.apply(&mut s);
        self.unwritten.lock().expect("journal lock").push(entry);
        self.changed.fetch_add(1, Ordering::SeqCst) + 1
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
        let mut turn = self.writer.lock().await;
        if self.durable.load(Ordering::SeqCst) >= upto {
            return Ok(());
        }
        self.write(false, &mut turn).await
    }

    /// Writes the whole state now, dropping the journal.
    pub async fn compact(&self) -> Result<(), StateError> {
        let mut turn = self.writer.lock().await;
        self.write(true, &mut turn).await
    }

    async fn write(
        &self,
        full: bool,
        last: &mut Option<tokio::time::Instant>,
    ) -> Result<(), StateError> {
        // Completions that arrive while this waits join this write.
        if let Some(at) = *last {
            tokio::time::sleep_until(at + self.persist.min_interval()).await;
        }
        let (generation, write) = self.prepare(full).map_err(|e| self.lost(e))?;
        let persist = self.persist.clone();
        let (journal, snapshot) = match &write {
            Write::Snapshot(b) => (0, b.len() as u64),
            Write::Streamed(file) => (0, file.written()),
            Write::Journal(b) => (
                self.journal_bytes.load(Ordering::SeqCst) + b.len() as u64,
                self.snapshot_bytes.load(Ordering::SeqCst),
            ),
        };
        tokio::task::spawn_blocking(move || match write {
            Write::Snapshot(b) => persist.snapshot(&b),
            Write::Streamed(file) => file.finish(),
            Write::Journal(b) => persist.append(&b),
        })
        .await
        .expect("checkpoint writer panicked")
        .map_err(|e| self.lost(e))?;
        self.journal_bytes.store(journal, Ordering::SeqCst);
        self.snapshot_bytes.store(snapshot, Ordering::SeqCst);
        self.writes.fetch_add(1, Ordering::Relaxed);
        self.durable.store(generation, Ordering::SeqCst);
        *last = Some(tokio::time::Instant::now());
        Ok(())
    }

    /// Takes the unwritten changes and makes the next write of them: a
    /// journal append, or the whole state when the journal has outgrown
    /// the last snapshot. A snapshot is serialised under the lock, so it is
    /// one moment's state: straight into its file when the store takes a
    /// stream, so the state is never held twice in memory. The lock is
    /// then held for the file's writes as well as the serialising (into
    /// the page cache, as a rule: slower on a network filesystem or when
    /// the kernel throttles writeback); making it durable (fsync, rename)
    /// waits outside the lock. Snapshots are rare: the first write, one
    /// each time the journal outgrows the last, and the last.
    fn prepare(&self, full: bool) -> Result<(u64, Write), StateError> {
        let mut s = self.state.lock().expect("state lock");
        let entries = std::mem::take(&mut *self.unwritten.lock().expect("journal lock"));
        s.serial += 1;
        let generation = self.changed.load(Ordering::SeqCst);
        let journal = self.journal_bytes.load(Ordering::SeqCst);
        let snapshot = self.snapshot_bytes.load(Ordering::SeqCst);
        if !(full || !self.persist.journals() || snapshot == 0) {
            let lines = encode_journal(s.serial, &s.lineage, &entries);
            if journal + lines.len() as u64 <= snapshot {
                return Ok((generation, Write::Journal(lines)));
            }
        }
        let write = match self.persist.start_snapshot()? {
            Some(mut file) => {
                file.serialize(&*s)?;
                Write::Streamed(file)
            }
            None => Write::Snapshot(serde_json::to_vec_pretty(&*s).expect("state serialises")),
        };
        Ok((generation, write))
    }

    /// `e`, after a write failed: the changes it took are only in memory
    /// now, so the next write must be a whole one.
    fn lost(&self, e: StateError) -> StateError {
        self.snapshot_bytes.store(0, Ordering::SeqCst);
        e
    }

    /// The final state.
    pub fn into_state(self) -> State {
        self.state.into_inner().expect("state lock")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::state::{journal_path, ResourceState};

    fn put(a: &str) -> Entry {
        Entry::Put {
            resource: ResourceState {
                address: a.into(),
                kind: "t".into(),
                region: "r".into(),
                id: format!("id-{a}"),
                attributes: Default::default(),
                outputs: Default::default(),
                dependencies: vec![],
            },
        }
    }

    #[tokio::test]
    async fn small_checkpoints_append_to_the_journal_and_a_crash_loses_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path().join("dev.json"));
        let mut state = State::new("dev");
        for i in 0..50 {
            put(&format!("t.big{i}")).apply(&mut state);
        }
        let ckpt = Checkpointer::new(state, Arc::new(store.clone()));
        // The first write of a run is a full one.
        let g = ckpt.record(put("t.a"));
        ckpt.flush(g).await.unwrap();
        let snapshot = std::fs::read(store.path()).unwrap();
        assert!(!journal_path(store.path()).exists());
        // Then each checkpoint appends only its change; the snapshot is untouched.
        for a in ["t.b", "t.c"] {
            let g = ckpt.record(put(a));
            ckpt.flush(g).await.unwrap();
        }
        let g = ckpt.record(Entry::Remove {
            address: "t.a".into(),
        });
        ckpt.flush(g).await.unwrap();
        assert_eq!(std::fs::read(store.path()).unwrap(), snapshot);
        let journal = std::fs::read(journal_path(store.path())).unwrap();
        assert_eq!(journal.iter().filter(|b| **b == b'\n').count(), 3);
        // A crash now: loading replays the journal.
        drop(ckpt);
        let loaded = store.load().unwrap().unwrap();
        assert!(loaded.resources.contains_key("t.b") && loaded.resources.contains_key("t.c"));
        assert!(!loaded.resources.contains_key("t.a"));
        assert_eq!(loaded.resources.len(), 52);
        // The end of a run folds the journal into one file.
        let ckpt = Checkpointer::new(loaded.clone(), Arc::new(store.clone()));
        ckpt.compact().await.unwrap();
        assert!(!journal_path(store.path()).exists());
        let mut again = store.load().unwrap().unwrap();
        again.serial = loaded.serial;
        assert_eq!(again.resources, loaded.resources);
    }

    /// A file store whose next snapshots fail to start, or whose next
    /// journal appends fail.
    struct Failing {
        store: FileStore,
        starts: std::sync::atomic::AtomicUsize,
        appends: std::sync::atomic::AtomicUsize,
    }

    fn refused(what: &str) -> StateError {
        StateError::Io {
            action: "injected",
            path: what.into(),
            source: std::io::Error::other("disk full"),
        }
    }

    impl Persist for Failing {
        fn snapshot(&self, _: &[u8]) -> Result<(), StateError> {
            panic!("a file store streams its snapshots");
        }
        fn start_snapshot(&self) -> Result<Option<AtomicFile>, StateError> {
            if self.starts.load(Ordering::SeqCst) > 0 {
                self.starts.fetch_sub(1, Ordering::SeqCst);
                return Err(refused("snapshot"));
            }
            self.store.start_snapshot().map(Some)
        }
        fn append(&self, bytes: &[u8]) -> Result<(), StateError> {
            if self.appends.load(Ordering::SeqCst) > 0 {
                self.appends.fetch_sub(1, Ordering::SeqCst);
                return Err(refused("journal"));
            }
            self.store.append_journal(bytes)
        }
    }

    #[tokio::test]
    async fn after_a_failed_write_the_next_is_whole_and_holds_what_it_lost() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path().join("dev.json"));
        let failing = Arc::new(Failing {
            store: store.clone(),
            starts: 1.into(),
            appends: 0.into(),
        });
        let ckpt = Checkpointer::new(State::new("dev"), failing.clone());
        // The first (whole) write cannot start: nothing is written.
        let g = ckpt.record(put("t.a"));
        assert!(ckpt.flush(g).await.is_err());
        assert!(!store.path().exists());
        // The next is whole and holds the change the failed one took.
        let g = ckpt.record(put("t.b"));
        ckpt.flush(g).await.unwrap();
        let on_disk = store.load().unwrap().unwrap();
        assert_eq!(on_disk.resources.len(), 2);
        // A failed journal append: the next write is whole again.
        failing.appends.store(1, Ordering::SeqCst);
        let g = ckpt.record(put("t.c"));
        assert!(ckpt.flush(g).await.is_err());
        let before = std::fs::read(store.path()).unwrap();
        let g = ckpt.record(put("t.d"));
        ckpt.flush(g).await.unwrap();
        assert_ne!(std::fs::read(store.path()).unwrap(), before, "rewritten");
        assert!(!journal_path(store.path()).exists());
        assert_eq!(store.load().unwrap().unwrap().resources.len(), 4);
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
    }

    /// An object store: snapshots only, at most one write per interval.
    struct Remote {
        writes: Mutex<Vec<Vec<u8>>>,
    }

    impl Persist for Remote {
        fn snapshot(&self, bytes: &[u8]) -> Result<(), StateError> {
            self.writes.lock().unwrap().push(bytes.to_vec());
            Ok(())
        }
        fn append(&self, _: &[u8]) -> Result<(), StateError> {
            panic!("a remote store takes no journal");
        }
        fn journals(&self) -> bool {
            false
        }
        fn min_interval(&self) -> std::time::Duration {
            std::time::Duration::from_millis(200)
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_remote_store_gets_whole_snapshots_batched_by_its_interval() {
        let remote = Arc::new(Remote {
            writes: Mutex::new(vec![]),
        });
        let ckpt = Arc::new(Checkpointer::new(State::new("dev"), remote.clone()));
        let t0 = tokio::time::Instant::now();
        // Forty completions at once, each waiting for its own durability.
        let tasks: Vec<_> = (0..40)
            .map(|i| {
                let ckpt = ckpt.clone();
                tokio::spawn(async move {
                    let g = ckpt.record(put(&format!("t.r{i}")));
                    ckpt.flush(g).await.unwrap();
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        let writes = remote.writes.lock().unwrap().clone();
        // The first write goes at once; the rest share the next one.
        assert!(writes.len() <= 3, "{} writes", writes.len());
        assert!(t0.elapsed() >= std::time::Duration::from_millis(200));
        let last: State = serde_json::from_slice(writes.last().unwrap()).unwrap();
        assert_eq!(
            last.resources.len(),
            40,
            "every completion is in the last snapshot"
        );
    }
}
