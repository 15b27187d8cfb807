//! Where a command's state lives: a local file (the default) or an S3
//! object (`[state] backend = "s3"`, or `--state s3://bucket/key`), behind
//! one interface: load, write, back up, lock.

use std::path::PathBuf;
use std::sync::Arc;

use crate::aws::state_s3::{Location, S3State};
use crate::aws::Aws;
use crate::engine::checkpoint::Persist;
use crate::engine::state::{
    journal_path, lock_path, FileStore, LockGuard, LockHolder, LockRelease, Parse, State,
    StateError, FORMAT_VERSION,
};

/// Where `spec` names an S3 state (`s3://bucket/key`, in `region`);
/// `None` for a path. Anything that starts like an S3 URL must be one.
pub fn s3_location(spec: &str, region: &str) -> anyhow::Result<Option<Location>> {
    if !spec.to_ascii_lowercase().starts_with("s3:") {
        return Ok(None);
    }
    Location::parse(spec, region)
        .filter(|l| crate::config::valid_bucket(&l.bucket))
        .map(Some)
        .ok_or_else(|| anyhow::anyhow!("--state {spec} is not an S3 state: write it s3://BUCKET/KEY (a bucket name, then the object's key)"))
}

/// A state store.
#[derive(Clone)]
pub enum Store {
    /// A file on this machine.
    File(FileStore),
    /// An object in S3.
    S3(Arc<S3State>),
}

/// A held lock, released when dropped.
pub enum Lock {
    /// A lock file.
    File(LockGuard),
    /// A lock object.
    S3(Arc<S3State>),
}

/// Releases a lock from a signal handler that exits without unwinding.
#[derive(Clone)]
pub enum Release {
    /// A lock file.
    File(LockRelease),
    /// A lock object.
    S3(Arc<S3State>),
}

impl Store {
    /// The store of `spec`: `s3://bucket/key` (in `region`), or a path.
    /// Anything that starts like an S3 URL must be one.
    pub fn of(spec: &str, region: &str, aws: &Aws) -> anyhow::Result<Store> {
        Ok(match s3_location(spec, region)? {
            Some(loc) => Store::s3(aws, loc),
            None => Store::File(FileStore::new(spec)),
        })
    }

    /// The S3 store at `loc` (with its KMS key and owner).
    pub fn s3(aws: &Aws, loc: Location) -> Store {
        Store::S3(Arc::new(S3State::new(aws, loc)))
    }

    /// Where the state is, for messages: a path or `s3://bucket/key`.
    pub fn describe(&self) -> String {
        match self {
            Store::File(f) => f.path().display().to_string(),
            Store::S3(s) => s.url(),
        }
    }

    /// The local file, when the state is one.
    pub fn local(&self) -> Option<&FileStore> {
        match self {
            Store::File(f) => Some(f),
            Store::S3(_) => None,
        }
    }

    /// Refuses `out`, the file a command's `flag` writes, when it is a
    /// local state's own file, journal or lock, or inside its backups:
    /// written there, it would replace them without the state's lock.
    pub fn refuse_own_files(&self, flag: &str, out: &std::path::Path) -> anyhow::Result<()> {
        let Some(local) = self.local() else {
            return Ok(());
        };
        let abs = |p: &std::path::Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
        let state = local.path();
        let reserved = [state.to_path_buf(), journal_path(state), lock_path(state)];
        anyhow::ensure!(
            !reserved.iter().any(|r| abs(r) == abs(out)) && !abs(out).starts_with(abs(&local.backup_dir())),
            "{flag} {} would overwrite hcprov's own state, journal, lock or backups; write it elsewhere",
            out.display()
        );
        Ok(())
    }

    /// The state; `None` when there is none. Never changes what is stored.
    pub async fn load(&self) -> Result<Option<State>, StateError> {
        match self {
            Store::File(f) => f.load(),
            Store::S3(s) => {
                let Some(bytes) = s.read().await? else {
                    return Ok(None);
                };
                let path = PathBuf::from(s.url());
                let corrupt = |detail: String| StateError::Corrupt {
                    path: path.clone(),
                    detail,
                    backups: PathBuf::from(format!("{} (the bucket's object versions)", s.url())),
                };
                let state = match State::parse(&bytes) {
                    Ok(st) => st,
                    Err(Parse::Newer(found)) => {
                        return Err(StateError::NewerVersion {
                            path,
                            found,
                            supported: FORMAT_VERSION,
                        })
                    }
                    Err(Parse::Corrupt(d)) => return Err(corrupt(d)),
                };
                state.verify().map_err(corrupt)?;
                Ok(Some(state))
            }
        }
    }

    /// Writes `state` whole (for S3: only over what this process read).
    pub async fn write(&self, state: &State) -> Result<(), StateError> {
        match self {
            Store::File(f) => f.write(state),
            Store::S3(s) => {
                let bytes = serde_json::to_vec_pretty(state).expect("state serialises");
                s.write(&bytes).await
            }
        }
    }

    /// Copies the current state aside before a change; where it went.
    pub async fn backup(&self) -> Result<Option<String>, StateError> {
        match self {
            Store::File(f) => Ok(f.backup()?.map(|p| p.display().to_string())),
            Store::S3(s) => s.backup_last_read().await,
        }
    }

    /// Takes the lock for `command`, or fails at once naming the holder.
    pub async fn lock(&self, command: &str) -> Result<Lock, StateError> {
        match self {
            Store::File(f) => Ok(Lock::File(f.lock(command)?)),
            Store::S3(s) => {
                s.lock(&LockHolder::current(command)).await?;
                Ok(Lock::S3(s.clone()))
            }
        }
    }

    /// Where checkpoints go.
    pub fn persist(&self) -> Arc<dyn Persist> {
        match self {
            Store::File(f) => Arc::new(f.clone()),
            Store::S3(s) => s.clone(),
        }
    }
}

impl Lock {
    /// A handle that releases this lock (when it is still ours).
    pub fn releaser(&self) -> Release {
        match self {
            Lock::File(g) => Release::File(g.releaser()),
            Lock::S3(s) => Release::S3(s.clone()),
        }
    }
}

impl Release {
    /// Releases the lock when it is still ours.
    pub async fn release(&self) -> Result<(), StateError> {
        match self {
            Release::File(r) => r.release(),
            Release::S3(s) => s.release().await,
        }
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        if let Lock::S3(s) = self {
            let s = s.clone();
            // The commands run on the multi-threaded runtime.
            let released = tokio::task::block_in_place(|| {
                tokio::runtime::Handle::current().block_on(s.release())
            });
            if let Err(e) = released {
                eprintln!("warning: {e}");
            }
        }
    }
}
