//! The state lock: a file created exclusively next to the state, holding the
//! holder's pid, host, start time and command. Never stolen silently.

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
}

impl fmt::Display for LockHolder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`hcprov {}` (pid {} on host {}, since {})",
            self.command, self.pid, self.host, self.started_at
        )
    }
}

impl LockHolder {
    fn current(command: &str) -> LockHolder {
        LockHolder {
            pid: std::process::id(),
            host: hostname(),
            started_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            command: command.to_string(),
        }
    }

    /// True when the holder is known to be dead: same host, pid not running.
    pub fn is_dead(&self) -> bool {
        self.host == hostname() && !pid_alive(self.pid)
    }
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
    path: PathBuf,
}

impl LockGuard {
    pub(super) fn acquire(state: &Path, command: &str) -> Result<LockGuard, StateError> {
        let path = lock_path(state);
        let holder = LockHolder::current(command);
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
                Ok(LockGuard { path })
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let holder = read_holder(&path);
                if holder.is_dead() {
                    Err(StateError::StaleLock {
                        path: state.to_path_buf(),
                        holder,
                    })
                } else {
                    Err(StateError::Locked {
                        path: state.to_path_buf(),
                        holder,
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
}

/// Reads a lock file's holder; an unreadable one is reported as unknown.
pub fn read_holder(path: &Path) -> LockHolder {
    fs::read(path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(LockHolder {
            pid: 0,
            host: "unknown".into(),
            started_at: "unknown".into(),
            command: "unknown".into(),
        })
}

/// Removes the lock on `state`. Refuses a live holder unless `force`.
/// Returns the holder that was removed, or `None` when there was no lock.
pub fn unlock(state: &Path, force: bool) -> Result<Option<LockHolder>, StateError> {
    let path = lock_path(state);
    if !path.exists() {
        return Ok(None);
    }
    let holder = read_holder(&path);
    if !force && !holder.is_dead() {
        return Err(StateError::Locked {
            path: state.to_path_buf(),
            holder,
        });
    }
    fs::remove_file(&path).map_err(|source| StateError::Io {
        action: "removing lock file",
        path,
        source,
    })?;
    Ok(Some(holder))
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
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
        };
        fs::write(lock_path(&state), serde_json::to_vec(&dead).unwrap()).unwrap();
        let err = LockGuard::acquire(&state, "plan").unwrap_err();
        assert!(matches!(err, StateError::StaleLock { .. }), "{err}");
        assert!(err.to_string().contains("hcprov unlock"), "{err}");
        assert!(lock_path(&state).exists(), "a stale lock is never stolen");
        assert_eq!(unlock(&state, false).unwrap(), Some(dead));
        LockGuard::acquire(&state, "plan").unwrap();
    }
}
