//! The state lock: a file created exclusively next to the state, holding the
//! holder's pid, host, start time, command and a random token. Never stolen
//! silently, and removed only by whoever holds the token it carries: after
//! `hcprov unlock --force`, the old holder can no longer delete the new
//! holder's lock.

use std::fmt;
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::StateError;

/// Who holds a lock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockHolder {
    /// Process id.
    pub pid: u32,
    /// Host name.
    pub host: String,
    /// When the lock was taken (RFC 3339).
    pub started_at: String,
    /// The command holding it, e.g. "apply".
    pub command: String,
    /// The user who ran it (`$USER`), where known.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub user: String,
    /// The machine's boot id: a lock from another machine that happens to
    /// share the host name (CI containers do) is never taken for dead.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub boot: String,
    /// A random token only the holder knows in memory; the lock is removed
    /// only when the file still carries it.
    #[serde(default)]
    pub token: String,
}

impl fmt::Display for LockHolder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let by = if self.user.is_empty() {
            String::new()
        } else {
            format!("{} ", self.user)
        };
        write!(
            f,
            "`hcprov {}` ({by}pid {} on host {}, since {})",
            self.command, self.pid, self.host, self.started_at
        )
    }
}

impl LockHolder {
    /// This process, running `command`, with a fresh token.
    pub fn current(command: &str) -> LockHolder {
        LockHolder {
            pid: std::process::id(),
            host: hostname(),
            started_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            command: command.to_string(),
            user: std::env::var("USER")
                .or_else(|_| std::env::var("LOGNAME"))
                .unwrap_or_default(),
            boot: boot_id(),
            token: uuid::Uuid::new_v4().to_string(),
        }
    }

    /// True when the holder is known to be dead: same host (and boot, when
    /// recorded), pid not running.
    pub fn is_dead(&self) -> bool {
        self.host == hostname()
            && (self.boot.is_empty() || self.boot == boot_id())
            && !pid_alive(self.pid)
    }
}

/// This machine's boot id (Linux), or empty.
fn boot_id() -> String {
    std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

/// This machine's host name.
pub fn hostname() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; gethostname NUL-terminates
    // within it on success.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    if rc != 0 {
        return "unknown".into();
    }
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).into_owned()
}

fn pid_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: signal 0 only checks that the process exists.
    let rc = unsafe { libc::kill(pid, 0) };
    rc == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// The path of the lock file for state `state`.
pub fn lock_path(state: &Path) -> PathBuf {
    let mut s = state.as_os_str().to_owned();
    s.push(".lock");
    PathBuf::from(s)
}

/// Holds the lock until dropped.
#[derive(Debug)]
pub struct LockGuard {
    release: LockRelease,
}

/// Removes a lock if, and only if, it still carries the holder's token; a
/// clone can be handed to a signal handler that exits without unwinding.
#[derive(Debug, Clone)]
pub struct LockRelease {
    path: PathBuf,
    token: String,
}

impl LockRelease {
    /// Removes the lock when it is still ours; reports a lock someone else
    /// holds now (left in place).
    pub fn release(&self) -> Result<(), StateError> {
        match super::safe::read(&self.path)? {
            None => Ok(()),
            Some(bytes) => {
                let holder: Option<LockHolder> = serde_json::from_slice(&bytes).ok();
                match holder {
                    Some(h) if h.token == self.token => super::safe::remove(&self.path),
                    other => Err(StateError::LockTaken {
                        path: self.path.clone(),
                        holder: Box::new(other.unwrap_or_else(unknown_holder)),
                    }),
                }
            }
        }
    }
}

impl LockGuard {
    pub(super) fn acquire(state: &Path, command: &str) -> Result<LockGuard, StateError> {
        let path = lock_path(state);
        let holder = LockHolder::current(command);
        // O_EXCL never follows a link: a planted one makes this fail as
        // "already exists", and is then reported, never written through.
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
        {
            Ok(mut f) => {
                let body = serde_json::to_vec_pretty(&holder).expect("holder serialises");
                f.write_all(&body)
                    .and_then(|()| f.sync_all())
                    .map_err(|source| StateError::Io {
                        action: "writing lock file",
                        path: path.clone(),
                        source,
                    })?;
                Ok(LockGuard {
                    release: LockRelease {
                        path,
                        token: holder.token,
                    },
                })
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let holder = read_holder(&path);
                if holder.is_dead() {
                    Err(StateError::StaleLock {
                        path: state.to_path_buf(),
                        holder: Box::new(holder),
                    })
                } else {
                    Err(StateError::Locked {
                        path: state.to_path_buf(),
                        holder: Box::new(holder),
                    })
                }
            }
            Err(source) => Err(StateError::Io {
                action: "creating lock file",
                path,
                source,
            }),
        }
    }

    /// A handle that releases this lock (when it is still ours).
    pub fn releaser(&self) -> LockRelease {
        self.release.clone()
    }
}

fn unknown_holder() -> LockHolder {
    LockHolder {
        pid: 0,
        host: "unknown".into(),
        started_at: "unknown".into(),
        command: "unknown".into(),
        user: String::new(),
        boot: String::new(),
        token: String::new(),
    }
}

/// A lock's holder from its bytes; unreadable ones are reported as unknown.
pub fn parse_holder(bytes: &[u8]) -> LockHolder {
    serde_json::from_slice(bytes).unwrap_or_else(|_| unknown_holder())
}

/// Reads a lock file's holder (never through a link); an unreadable one is
/// reported as unknown.
pub fn read_holder(path: &Path) -> LockHolder {
    super::safe::read(path)
        .ok()
        .flatten()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_else(unknown_holder)
}

/// Removes the lock on `state`. Refuses a live holder unless `force`.
/// Returns the holder that was removed, or `None` when there was no lock.
pub fn unlock(state: &Path, force: bool) -> Result<Option<LockHolder>, StateError> {
    let path = lock_path(state);
    if fs::symlink_metadata(&path).is_err() {
        return Ok(None);
    }
    let holder = read_holder(&path);
    if !force && !holder.is_dead() {
        return Err(StateError::Locked {
            path: state.to_path_buf(),
            holder: Box::new(holder),
        });
    }
    // Remove exactly the lock that was shown: a lock taken meanwhile by
    // someone else carries another token and stays.
    LockRelease {
        path,
        token: holder.token.clone(),
    }
    .release()?;
    Ok(Some(holder))
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        if let Err(e) = self.release.release() {
            tracing::warn!("{e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_lock_fails_naming_the_holder_and_is_freed_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("dev.json");
        let g = LockGuard::acquire(&state, "apply").unwrap();
        let err = LockGuard::acquire(&state, "plan").unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains(&format!("pid {}", std::process::id())),
            "{msg}"
        );
        assert!(msg.contains("hcprov apply"), "{msg}");
        drop(g);
        LockGuard::acquire(&state, "plan").unwrap();
    }

    #[test]
    fn lock_of_a_dead_process_is_stale_and_only_unlock_clears_it() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("dev.json");
        let dead = LockHolder {
            pid: 999_999_999,
            host: hostname(),
            started_at: "then".into(),
            command: "apply".into(),
            user: String::new(),
            boot: String::new(),
            token: "t-dead".into(),
        };
        fs::write(lock_path(&state), serde_json::to_vec(&dead).unwrap()).unwrap();
        let err = LockGuard::acquire(&state, "plan").unwrap_err();
        assert!(matches!(err, StateError::StaleLock { .. }), "{err}");
        assert!(err.to_string().contains("hcprov unlock"), "{err}");
        assert!(lock_path(&state).exists(), "a stale lock is never stolen");
        assert_eq!(unlock(&state, false).unwrap(), Some(dead));
        LockGuard::acquire(&state, "plan").unwrap();
    }

    #[test]
    fn only_the_token_holder_removes_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("dev.json");
        let old = LockGuard::acquire(&state, "apply").unwrap();
        // An operator force-unlocks, and a new run takes the lock.
        let shown = unlock(&state, true).unwrap().unwrap();
        assert_eq!(shown.command, "apply");
        let new = LockGuard::acquire(&state, "destroy").unwrap();
        // The old holder finishes: the new holder's lock stays.
        let err = old.releaser().release().unwrap_err();
        assert!(matches!(err, StateError::LockTaken { .. }), "{err}");
        drop(old);
        assert_eq!(read_holder(&lock_path(&state)).command, "destroy");
        drop(new);
        assert!(!lock_path(&state).exists());
    }

    #[test]
    fn a_planted_lock_link_is_never_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("dev.json");
        let target = dir.path().join("elsewhere");
        std::os::unix::fs::symlink(&target, lock_path(&state)).unwrap();
        let err = LockGuard::acquire(&state, "apply").unwrap_err();
        assert!(matches!(err, StateError::Locked { .. }), "{err}");
        assert!(!target.exists(), "nothing was written through the link");
    }
}
