//! Reading and writing the state file: atomic replace (temp file in the same
//! directory, fsync, rename, fsync of the directory), mode 0600, rotated
//! backups, and a lock file naming its holder. The directory is private and
//! no file beside the state is opened through a symbolic link (see `safe`).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::atomic::{self, write_private_atomic, AtomicFile};
use super::journal::{journal_path, replay};
use super::lock::LockGuard;
use super::safe::{self, io};
use super::{Parse, State, StateError, FORMAT_VERSION};

/// How many backups of earlier states are kept.
pub const BACKUPS_KEPT: usize = 10;

/// True when `file` is a backup of the state named `name`: `name`, a dot,
/// and a timestamp as [`FileStore::backup`] writes it
/// (`20261202T153000.123456Z`). Another state's backups (of `name.old`,
/// say) and temp files do not match.
fn is_backup_of(file: &str, name: &str) -> bool {
    let Some(stamp) = file
        .strip_prefix(name)
        .and_then(|rest| rest.strip_prefix('.'))
    else {
        return false;
    };
    let b = stamp.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    b.len() == 23
        && digits(0..8)
        && b[8] == b'T'
        && digits(9..15)
        && b[15] == b'.'
        && digits(16..22)
        && b[22] == b'Z'
}

/// A state file on local disk.
#[derive(Debug, Clone)]
pub struct FileStore {
    path: PathBuf,
}

impl FileStore {
    /// The state at `path`.
    pub fn new(path: impl Into<PathBuf>) -> FileStore {
        FileStore { path: path.into() }
    }

    /// The state file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The directory holding the state, its journal, lock and backups.
    pub fn dir(&self) -> PathBuf {
        atomic::parent(&self.path)
    }

    /// Where backups go: `<dir>/.backups/`.
    pub fn backup_dir(&self) -> PathBuf {
        self.dir().join(".backups")
    }

    fn file_name(&self) -> String {
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "state.json".into())
    }

    fn corrupt(&self, detail: String) -> StateError {
        StateError::Corrupt {
            path: self.path.clone(),
            detail,
            backups: self.backup_dir(),
        }
    }

    /// Loads the state; `None` when the file does not exist. Never modifies
    /// the file, whatever it holds.
    pub fn load(&self) -> Result<Option<State>, StateError> {
        let dir = self.dir();
        if dir.exists() {
            safe::check_dir(&dir, false)?;
        }
        let Some(bytes) = safe::read(&self.path)? else {
            return Ok(None);
        };
        let mut state = match State::parse(&bytes) {
            Ok(s) => s,
            Err(Parse::Newer(found)) => {
                return Err(StateError::NewerVersion {
                    path: self.path.clone(),
                    found,
                    supported: FORMAT_VERSION,
                })
            }
            Err(Parse::Corrupt(detail)) => return Err(self.corrupt(detail)),
        };
        // Checkpoints written since the last full write.
        if let Some(j) = safe::read(&journal_path(&self.path))? {
            replay(&mut state, &j).map_err(|e| self.corrupt(e))?;
        }
        state.verify().map_err(|e| self.corrupt(e))?;
        Ok(Some(state))
    }

    /// Replaces the state file atomically with `state` (serial as given),
    /// then drops the journal it now includes. A failure before the state
    /// file is replaced leaves it and its journal as they were.
    pub fn write(&self, state: &State) -> Result<(), StateError> {
        let mut file = self.start_snapshot()?;
        file.serialize(state)?;
        file.finish()
    }

    /// Writes serialised state bytes as the new snapshot and drops the
    /// journal (whose entries the snapshot includes).
    pub fn write_snapshot(&self, bytes: &[u8]) -> Result<(), StateError> {
        let mut file = self.start_snapshot()?;
        file.write_all(bytes)
            .map_err(io("writing temporary file for", &self.path))?;
        file.finish()
    }

    /// A new snapshot, written as it is serialised (so a large state is
    /// never held whole in memory). [`AtomicFile::finish`] makes it the
    /// state and then drops the journal (whose entries it includes).
    pub fn start_snapshot(&self) -> Result<AtomicFile, StateError> {
        safe::private_dir(&self.dir(), false)?;
        Ok(AtomicFile::create(&self.path)?.then_remove(journal_path(&self.path)))
    }

    /// Appends checkpoint lines to the journal and fsyncs it.
    pub fn append_journal(&self, bytes: &[u8]) -> Result<(), StateError> {
        let path = journal_path(&self.path);
        let mut f = safe::open_append(&path)?;
        f.write_all(bytes)
            .and_then(|()| f.sync_data())
            .map_err(io("appending to state journal", &self.path))
    }

    /// Copies the current file, if any, into the backup directory, keeping
    /// the newest [`BACKUPS_KEPT`]. Returns the backup's path.
    pub fn backup(&self) -> Result<Option<PathBuf>, StateError> {
        let Some(bytes) = safe::read(&self.path)? else {
            return Ok(None);
        };
        let dir = self.backup_dir();
        safe::private_dir(&dir, true)?;
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.6fZ");
        let name = self.file_name();
        let target = dir.join(format!("{name}.{stamp}"));
        write_private_atomic(&target, &bytes)?;
        let mut olds: Vec<PathBuf> = fs::read_dir(&dir)
            .map_err(io("listing backups in", &dir))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| is_backup_of(n, &name))
            })
            .collect();
        olds.sort();
        while olds.len() > BACKUPS_KEPT {
            safe::remove(&olds.remove(0))?;
        }
        Ok(Some(target))
    }

    /// Takes the exclusive lock for `command`, or fails at once naming the
    /// holder.
    pub fn lock(&self, command: &str) -> Result<LockGuard, StateError> {
        safe::private_dir(&self.dir(), false)?;
        let guard = LockGuard::acquire(&self.path, command)?;
        // Under the lock no one else writes this state: a temp file of it
        // is what a killed run left.
        atomic::remove_stale(&self.path)?;
        Ok(guard)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn write_is_0600_and_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path().join("state/dev.json"));
        assert!(store.load().unwrap().is_none());
        let mut s = State::new("dev");
        s.serial = 3;
        store.write(&s).unwrap();
        let mode = fs::metadata(store.path()).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(store.load().unwrap().unwrap(), s);
        let leftovers: Vec<_> = fs::read_dir(store.path().parent().unwrap())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
    }

    #[test]
    fn a_snapshot_dropped_unfinished_leaves_the_state_and_its_journal() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path().join("dev.json"));
        let mut s = State::new("dev");
        s.serial = 3;
        store.write(&s).unwrap();
        store.append_journal(b"{}\n").unwrap();
        let before = fs::read(store.path()).unwrap();
        let mut file = store.start_snapshot().unwrap();
        s.serial = 4;
        file.serialize(&s).unwrap();
        assert!(file.written() > 0);
        // A crash or a failed write before commit: nothing replaced.
        drop(file);
        assert_eq!(fs::read(store.path()).unwrap(), before);
        assert!(journal_path(store.path()).exists());
        let names: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
        // Committed, it replaces the state and drops the journal.
        let mut file = store.start_snapshot().unwrap();
        file.serialize(&s).unwrap();
        let size = file.written();
        file.finish().unwrap();
        assert_eq!(fs::metadata(store.path()).unwrap().len(), size);
        assert!(!journal_path(store.path()).exists());
        assert_eq!(
            fs::read(store.path()).unwrap(),
            serde_json::to_vec_pretty(&s).unwrap()
        );
    }

    #[test]
    fn corrupt_and_newer_files_are_refused_and_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path().join("dev.json"));
        fs::write(store.path(), b"{\"format_version\": 1, \"serial\": ").unwrap();
        let err = store.load().unwrap_err();
        assert!(matches!(err, StateError::Corrupt { .. }), "{err}");
        assert!(err.to_string().contains("left untouched"));
        assert_eq!(
            fs::read(store.path()).unwrap(),
            b"{\"format_version\": 1, \"serial\": "
        );

        fs::write(store.path(), br#"{"format_version": 99}"#).unwrap();
        let err = store.load().unwrap_err();
        assert!(
            matches!(err, StateError::NewerVersion { found: 99, .. }),
            "{err}"
        );
    }

    #[test]
    fn backups_rotate() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path().join("dev.json"));
        assert!(store.backup().unwrap().is_none());
        let mut s = State::new("dev");
        for i in 0..(BACKUPS_KEPT + 3) {
            s.serial = i as u64;
            store.write(&s).unwrap();
            store.backup().unwrap().unwrap();
        }
        let n = fs::read_dir(store.backup_dir()).unwrap().count();
        assert_eq!(n, BACKUPS_KEPT);
    }

    #[test]
    fn rotating_one_states_backups_leaves_another_states_alone() {
        let dir = tempfile::tempdir().unwrap();
        let old = FileStore::new(dir.path().join("dev.json.old"));
        let dev = FileStore::new(dir.path().join("dev.json"));
        let s = State::new("dev");
        old.write(&s).unwrap();
        dev.write(&s).unwrap();
        for _ in 0..BACKUPS_KEPT {
            old.backup().unwrap().unwrap();
        }
        // A backup of `dev.json` rotates only `dev.json.*` backups, and
        // keeps the one it just made.
        let made = dev.backup().unwrap().unwrap();
        assert!(made.exists());
        let names: Vec<String> = fs::read_dir(dev.backup_dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        let of_old = names
            .iter()
            .filter(|n| n.starts_with("dev.json.old."))
            .count();
        assert_eq!((of_old, names.len()), (BACKUPS_KEPT, BACKUPS_KEPT + 1));
        assert!(is_backup_of("dev.json.20261202T153000.123456Z", "dev.json"));
        assert!(!is_backup_of(
            "dev.json.old.20261202T153000.123456Z",
            "dev.json"
        ));
        assert!(!is_backup_of(
            ".dev.json.20261202T153000.123456Z.hcprov-a1B2c3.tmp",
            "dev.json"
        ));
    }

    #[test]
    fn a_world_writable_state_directory_is_refused_and_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let sd = dir.path().join("state");
        fs::create_dir(&sd).unwrap();
        fs::set_permissions(&sd, fs::Permissions::from_mode(0o777)).unwrap();
        let store = FileStore::new(sd.join("dev.json"));
        for err in [
            store.lock("apply").unwrap_err(),
            store.load().unwrap_err(),
            store.write(&State::new("dev")).unwrap_err(),
        ] {
            let msg = err.to_string();
            assert!(
                msg.contains("writable by group or others") && msg.contains("chmod 700"),
                "{msg}"
            );
        }
        assert_eq!(fs::read_dir(&sd).unwrap().count(), 0, "nothing written");
        let mode = fs::metadata(&sd).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o777, "the directory's mode is the user's to change");
        // A new directory is made private.
        let fresh = FileStore::new(dir.path().join("new/dev.json"));
        drop(fresh.lock("plan").unwrap());
        let mode = fs::metadata(dir.path().join("new"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o700);
    }

    #[test]
    fn planted_links_at_the_journal_and_backups_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let outside = dir.path().join("outside");
        fs::create_dir(&outside).unwrap();
        let store = FileStore::new(dir.path().join("state/dev.json"));
        let s = State::new("dev");
        store.write(&s).unwrap();
        let state_bytes = fs::read(store.path()).unwrap();

        // A journal link pointing outside: never read, never appended to.
        let victim = outside.join("victim");
        fs::write(&victim, b"keep").unwrap();
        std::os::unix::fs::symlink(&victim, journal_path(store.path())).unwrap();
        let err = store.load().unwrap_err().to_string();
        assert!(err.contains("symbolic link"), "{err}");
        let err = store.append_journal(b"x\n").unwrap_err().to_string();
        assert!(err.contains("symbolic link"), "{err}");
        assert_eq!(fs::read(&victim).unwrap(), b"keep");
        fs::remove_file(journal_path(store.path())).unwrap();

        // A .backups link: no backup is written there, and rotation deletes
        // nothing there.
        for i in 0..(BACKUPS_KEPT + 2) {
            fs::write(outside.join(format!("dev.json.2026010{i}")), b"theirs").unwrap();
        }
        std::os::unix::fs::symlink(&outside, store.backup_dir()).unwrap();
        let err = store.backup().unwrap_err().to_string();
        assert!(err.contains("symbolic link"), "{err}");
        assert_eq!(fs::read_dir(&outside).unwrap().count(), BACKUPS_KEPT + 3);
        assert_eq!(fs::read(store.path()).unwrap(), state_bytes);
    }

    #[test]
    fn a_journal_from_another_state_or_user_is_not_replayed() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path().join("state/dev.json"));
        let s = State::new("dev");
        store.write(&s).unwrap();
        let planted = crate::engine::state::encode_journal(
            9,
            "another-lineage",
            &[crate::engine::state::Entry::Remove {
                address: "x.y".into(),
            }],
        );
        fs::write(journal_path(store.path()), &planted).unwrap();
        let err = store.load().unwrap_err().to_string();
        assert!(
            err.contains("another state") && err.contains("left untouched"),
            "{err}"
        );
        assert_eq!(fs::read(journal_path(store.path())).unwrap(), planted);

        // The same journal with the right lineage, but owned by another user.
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } == 0 {
            let ours = crate::engine::state::encode_journal(
                9,
                &s.lineage,
                &[crate::engine::state::Entry::Remove {
                    address: "x.y".into(),
                }],
            );
            fs::write(journal_path(store.path()), &ours).unwrap();
            std::os::unix::fs::chown(journal_path(store.path()), Some(65534), Some(65534)).unwrap();
            let err = store.load().unwrap_err().to_string();
            assert!(err.contains("owned by uid 65534"), "{err}");
        }
    }
}
