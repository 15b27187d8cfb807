//! Files replaced atomically: written to a temp file beside them, then
//! fsync, rename, fsync of the directory.

use std::ffi::{OsStr, OsString};
use std::fs;
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::safe::{self, io};
use super::StateError;

/// Writes `bytes` to `path` atomically with mode 0600: see [`AtomicFile`].
pub fn write_private_atomic(path: &Path, bytes: &[u8]) -> Result<(), StateError> {
    let mut file = AtomicFile::create(path)?;
    file.write_all(bytes)
        .map_err(io("writing temporary file for", path))?;
    file.finish()
}

/// A file that replaces `path` atomically once finished: written to a
/// temp file (mode 0600, named `.NAME.hcprov-XXXXXX.tmp`) in the same
/// directory, then fsync, rename over `path` (a link there is replaced, not
/// followed), fsync of the directory. Dropped unfinished, it leaves `path`
/// as it was and removes the temp file; a process killed first leaves the
/// temp file, which [`remove_stale`] clears. A missing directory is
/// created 0700.
pub struct AtomicFile {
    tmp: std::io::BufWriter<tempfile::NamedTempFile>,
    path: PathBuf,
    dir: PathBuf,
    written: u64,
    then_remove: Option<PathBuf>,
}

/// The directory of `path` (`.` for a bare file name).
pub(super) fn parent(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// The start of the names of `path`'s temp files, byte for byte (a name
/// that is not UTF-8 keeps its own bytes, so two such names never share a
/// prefix).
fn temp_prefix(path: &Path) -> OsString {
    let mut prefix = OsString::from(".");
    prefix.push(path.file_name().unwrap_or(OsStr::new("state")));
    prefix.push(".hcprov-");
    prefix
}

/// The random part of a temp file's name.
const RAND_LEN: usize = 6;

impl AtomicFile {
    /// Starts the file that will replace `path`.
    pub fn create(path: &Path) -> Result<AtomicFile, StateError> {
        let dir = parent(path);
        if !dir.exists() {
            safe::private_dir(&dir, false)?;
        }
        let tmp = tempfile::Builder::new()
            .prefix(&temp_prefix(path))
            .rand_bytes(RAND_LEN)
            .suffix(".tmp")
            .permissions(fs::Permissions::from_mode(0o600))
            .tempfile_in(&dir)
            .map_err(io("creating temporary file in", &dir))?;
        Ok(AtomicFile {
            tmp: std::io::BufWriter::with_capacity(1 << 16, tmp),
            path: path.to_path_buf(),
            dir,
            written: 0,
            then_remove: None,
        })
    }

    /// Also removes `other` (in the same directory) once the file is in
    /// place: a journal the new file includes.
    pub fn then_remove(mut self, other: PathBuf) -> AtomicFile {
        self.then_remove = Some(other);
        self
    }

    /// Writes `value` as indented JSON, as state files are written.
    pub fn serialize(&mut self, value: &impl serde::Serialize) -> Result<(), StateError> {
        serde_json::to_writer_pretty(&mut *self, value).map_err(|e| StateError::Io {
            action: if e.is_io() {
                "writing temporary file for"
            } else {
                "serialising"
            },
            path: self.path.clone(),
            source: e.into(),
        })
    }

    /// The bytes written so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Makes what was written the file at `path`, durably; then removes
    /// the file [`AtomicFile::then_remove`] named. A failure before the
    /// rename leaves `path` as it was.
    pub fn finish(self) -> Result<(), StateError> {
        let path = self.path;
        let tmp = self
            .tmp
            .into_inner()
            .map_err(|e| io("writing temporary file for", &path)(e.into_error()))?;
        tmp.as_file()
            .sync_all()
            .map_err(io("syncing temporary file for", &path))?;
        tmp.persist(&path).map_err(|e| StateError::Io {
            action: "replacing",
            path: path.clone(),
            source: e.error,
        })?;
        safe::sync_dir(&self.dir)?;
        if let Some(other) = self.then_remove {
            safe::remove(&other)?;
            safe::sync_dir(&self.dir)?;
        }
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.tmp.write(buf)?;
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.tmp.flush()
    }
}

/// Removes the temp files of `path` a killed process left (call it only
/// while no one else can be writing `path`: under its lock).
pub fn remove_stale(path: &Path) -> Result<(), StateError> {
    let dir = parent(path);
    let prefix = temp_prefix(path);
    let Ok(entries) = fs::read_dir(&dir) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let stale = name
            .as_bytes()
            .strip_prefix(prefix.as_bytes())
            .and_then(|rest| rest.strip_suffix(b".tmp"))
            .is_some_and(|r| r.len() == RAND_LEN && r.iter().all(u8::is_ascii_alphanumeric));
        if stale {
            safe::remove(&entry.path())?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_killed_runs_temp_files_of_this_file_alone_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("dev.json");
        let mine = dir.path().join(".dev.json.hcprov-a1B2c3.tmp");
        let kept = [
            ".dev.json.old.hcprov-a1B2c3.tmp",
            ".dev.json.hcprov-x.hcprov-a1B2c3.tmp",
            ".other.json.hcprov-a1B2c3.tmp",
            "dev.json",
        ];
        fs::write(&mine, b"partial").unwrap();
        for k in kept {
            fs::write(dir.path().join(k), b"x").unwrap();
        }
        // What create makes is what remove_stale matches.
        let started = AtomicFile::create(&path).unwrap();
        let name = started.tmp.get_ref().path().file_name().unwrap();
        assert!(name.to_string_lossy().starts_with(".dev.json.hcprov-"));
        std::mem::forget(started);
        remove_stale(&path).unwrap();
        let mut left: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        let mut want: Vec<String> = kept.iter().map(|k| k.to_string()).collect();
        want.sort();
        assert_eq!(left, want);
    }

    #[test]
    fn names_that_are_not_utf8_keep_their_own_temp_files() {
        use std::os::unix::ffi::OsStringExt;
        let dir = tempfile::tempdir().unwrap();
        let name = |b: &[u8]| dir.path().join(OsString::from_vec(b.to_vec()));
        let other = name(b".a\xfe.json.hcprov-a1B2c3.tmp");
        fs::write(&other, b"x").unwrap();
        remove_stale(&name(b"a\xff.json")).unwrap();
        assert!(other.exists(), "another state's temp file is kept");
        remove_stale(&name(b"a\xfe.json")).unwrap();
        assert!(!other.exists());
    }
}
