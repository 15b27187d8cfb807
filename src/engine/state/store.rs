//! Reading and writing the state file: atomic replace (temp file in the same
//! directory, fsync, rename, fsync of the directory), mode 0600, rotated
//! backups, and a lock file naming its holder.

use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::journal::{journal_path, replay};
use super::lock::LockGuard;
use super::{State, StateError, FORMAT_VERSION};

/// How many backups of earlier states are kept.
pub const BACKUPS_KEPT: usize = 10;

/// A state file on local disk.
#[derive(Debug, Clone)]
pub struct FileStore {
    path: PathBuf,
}

fn io<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> StateError + 'a {
    move |source| StateError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
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

    fn dir(&self) -> PathBuf {
        match self.path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        }
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
        let bytes = match fs::read(&self.path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io("reading state file", &self.path)(e)),
        };
        let value: serde_json::Value =
            serde_json::from_slice(&bytes).map_err(|e| self.corrupt(format!("not JSON: {e}")))?;
        let version = value
            .get("format_version")
            .and_then(serde_json::Value::as_u64)
            .ok_or_else(|| self.corrupt("no format_version field".into()))?;
        if version > u64::from(FORMAT_VERSION) {
            return Err(StateError::NewerVersion {
                path: self.path.clone(),
                found: u32::try_from(version).unwrap_or(u32::MAX),
                supported: FORMAT_VERSION,
            });
        }
        let mut state: State =
            serde_json::from_value(value).map_err(|e| self.corrupt(e.to_string()))?;
        // Checkpoints written since the last full write.
        match fs::read(journal_path(&self.path)) {
            Ok(j) => {
                replay(&mut state, &j).map_err(|e| self.corrupt(e))?;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io("reading state journal", &self.path)(e)),
        }
        state.verify().map_err(|e| self.corrupt(e))?;
        Ok(Some(state))
    }

    /// Replaces the state file atomically with `state` (serial as given),
    /// then drops the journal it now includes. A failure at any step leaves
    /// the previous file intact.
    pub fn write(&self, state: &State) -> Result<(), StateError> {
        let bytes = serde_json::to_vec_pretty(state).expect("state serialises");
        self.write_snapshot(&bytes)
    }

    /// Writes serialised state bytes as the new snapshot and drops the
    /// journal (whose entries the snapshot includes).
    pub fn write_snapshot(&self, bytes: &[u8]) -> Result<(), StateError> {
        write_private_atomic(&self.path, bytes)?;
        match fs::remove_file(journal_path(&self.path)) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io("removing state journal", &self.path)(e)),
        }
    }

    /// Appends checkpoint lines to the journal and fsyncs it.
    pub fn append_journal(&self, bytes: &[u8]) -> Result<(), StateError> {
        use std::os::unix::fs::OpenOptionsExt;
        let path = journal_path(&self.path);
        let mut f = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(&path)
            .map_err(io("opening state journal", &self.path))?;
        f.write_all(bytes)
            .and_then(|()| f.sync_data())
            .map_err(io("appending to state journal", &self.path))
    }

    /// Copies the current file, if any, into the backup directory, keeping
    /// the newest [`BACKUPS_KEPT`]. Returns the backup's path.
    pub fn backup(&self) -> Result<Option<PathBuf>, StateError> {
        let bytes = match fs::read(&self.path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io("reading state file", &self.path)(e)),
        };
        let dir = self.backup_dir();
        create_private_dir(&dir)?;
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
                    .is_some_and(|n| n.starts_with(&format!("{name}.")) && !n.ends_with(".tmp"))
            })
            .collect();
        olds.sort();
        while olds.len() > BACKUPS_KEPT {
            let p = olds.remove(0);
            let _ = fs::remove_file(p);
        }
        Ok(Some(target))
    }

    /// Takes the exclusive lock for `command`, or fails at once naming the
    /// holder.
    pub fn lock(&self, command: &str) -> Result<LockGuard, StateError> {
        create_private_dir(&self.dir())?;
        LockGuard::acquire(&self.path, command)
    }
}

fn create_private_dir(dir: &Path) -> Result<(), StateError> {
    if dir.is_dir() {
        return Ok(());
    }
    fs::create_dir_all(dir).map_err(io("creating directory", dir))?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
        .map_err(io("setting permissions on", dir))
}

/// Writes `bytes` to `path` atomically with mode 0600: a temp file in the
/// same directory, fsync, rename over `path`, fsync of the directory.
pub fn write_private_atomic(path: &Path, bytes: &[u8]) -> Result<(), StateError> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    create_private_dir(&dir)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".hcprov-")
        .suffix(".tmp")
        .permissions(fs::Permissions::from_mode(0o600))
        .tempfile_in(&dir)
        .map_err(io("creating temporary file in", &dir))?;
    tmp.write_all(bytes)
        .map_err(io("writing temporary file for", path))?;
    tmp.as_file()
        .sync_all()
        .map_err(io("syncing temporary file for", path))?;
    tmp.persist(path).map_err(|e| StateError::Io {
        action: "replacing",
        path: path.to_path_buf(),
        source: e.error,
    })?;
    if let Ok(d) = fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
