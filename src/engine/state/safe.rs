//! File-system rules for everything hcprov keeps beside the state: the
//! directory is private (created 0700; an existing one writable by group or
//! others, or owned by another user, is refused), and every file is opened
//! without following symbolic links and checked after opening (a regular
//! file, owned by this user, not writable by others). A planted link or a
//! file from another user is refused with one line, never read or written
//! through.

use std::fs::{self, File, OpenOptions};
use std::io::Read;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::Path;

use super::StateError;

/// This process's effective user id.
fn euid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

fn unsafe_path(path: &Path, detail: impl Into<String>) -> StateError {
    StateError::Unsafe {
        path: path.to_path_buf(),
        detail: detail.into(),
    }
}

/// Maps an I/O error to [`StateError::Io`] for `action` on `path`.
pub(super) fn io<'a>(
    action: &'static str,
    path: &'a Path,
) -> impl FnOnce(std::io::Error) -> StateError + 'a {
    move |source| StateError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// Checks an existing directory: owned by this user, not writable by group
/// or others, and (when `no_link`) not itself a symbolic link.
pub fn check_dir(dir: &Path, no_link: bool) -> Result<(), StateError> {
    if no_link {
        let l = fs::symlink_metadata(dir).map_err(io("inspecting directory", dir))?;
        if l.file_type().is_symlink() {
            return Err(unsafe_path(
                dir,
                "is a symbolic link; hcprov does not follow links here: remove it",
            ));
        }
    }
    let m = fs::metadata(dir).map_err(io("inspecting directory", dir))?;
    if !m.is_dir() {
        return Err(unsafe_path(dir, "is not a directory"));
    }
    owned_and_private(&m, dir, "use a directory you own", "700")
}

/// Refuses what another user owns, or what group or others may write;
/// `own` says what to do about the first, `mode` is the `chmod` that fixes
/// the second.
fn owned_and_private(
    m: &fs::Metadata,
    path: &Path,
    own: &str,
    mode: &str,
) -> Result<(), StateError> {
    if m.uid() != euid() {
        return Err(unsafe_path(
            path,
            format!(
                "is owned by uid {}, not by this user (uid {}); {own}",
                m.uid(),
                euid()
            ),
        ));
    }
    if m.mode() & 0o022 != 0 {
        return Err(unsafe_path(
            path,
            format!(
                "is writable by group or others (mode {:04o}); run `chmod {mode} {}`",
                m.mode() & 0o7777,
                path.display()
            ),
        ));
    }
    Ok(())
}

/// Creates `dir` (and its parents) with mode 0700 when missing; checks it
/// with [`check_dir`] either way.
pub fn private_dir(dir: &Path, no_link: bool) -> Result<(), StateError> {
    match fs::symlink_metadata(dir) {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .map_err(io("creating directory", dir))?;
        }
        Err(e) => return Err(io("inspecting directory", dir)(e)),
    }
    check_dir(dir, no_link)
}

/// Checks an open file: a regular file, owned by this user, not writable
/// by group or others.
pub fn check_file(f: &File, path: &Path) -> Result<(), StateError> {
    let m = f.metadata().map_err(io("inspecting", path))?;
    if !m.is_file() {
        return Err(unsafe_path(path, "is not a regular file"));
    }
    owned_and_private(
        &m,
        path,
        "it was not read: remove it if you did not put it there",
        "600",
    )
}

fn nofollow_error(path: &Path, e: std::io::Error, action: &'static str) -> StateError {
    if e.raw_os_error() == Some(libc::ELOOP) {
        unsafe_path(
            path,
            "is a symbolic link; hcprov does not follow links beside the state: remove it",
        )
    } else {
        io(action, path)(e)
    }
}

/// Reads a whole file without following a link at `path`; `None` when it
/// does not exist.
pub fn read(path: &Path) -> Result<Option<Vec<u8>>, StateError> {
    let mut f = match OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(nofollow_error(path, e, "reading")),
    };
    check_file(&f, path)?;
    let mut bytes = vec![];
    f.read_to_end(&mut bytes).map_err(io("reading", path))?;
    Ok(Some(bytes))
}

/// Opens `path` for appending (created 0600) without following a link.
pub fn open_append(path: &Path) -> Result<File, StateError> {
    let f = OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(path)
        .map_err(|e| nofollow_error(path, e, "opening"))?;
    check_file(&f, path)?;
    Ok(f)
}

/// Removes `path` if it is there (a link is removed, never followed).
pub fn remove(path: &Path) -> Result<(), StateError> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io("removing", path)(e)),
    }
}

/// Fsyncs a directory, so a rename or unlink in it is durable.
pub fn sync_dir(dir: &Path) -> Result<(), StateError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io("syncing directory", dir))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn world_writable_dirs_and_planted_links_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let open = dir.path().join("open");
        fs::create_dir(&open).unwrap();
        fs::set_permissions(&open, fs::Permissions::from_mode(0o777)).unwrap();
        let err = private_dir(&open, false).unwrap_err().to_string();
        assert!(
            err.contains("mode 0777") && err.contains("chmod 700"),
            "{err}"
        );

        let fresh = dir.path().join("a/b");
        private_dir(&fresh, true).unwrap();
        let mode = fs::metadata(&fresh).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);

        let outside = dir.path().join("outside.txt");
        fs::write(&outside, b"secret").unwrap();
        let link = fresh.join("link");
        std::os::unix::fs::symlink(&outside, &link).unwrap();
        let err = read(&link).unwrap_err().to_string();
        assert!(err.contains("symbolic link"), "{err}");
        let err = open_append(&link).unwrap_err().to_string();
        assert!(err.contains("symbolic link"), "{err}");
        assert_eq!(fs::read(&outside).unwrap(), b"secret");

        let linked_dir = dir.path().join("linked");
        std::os::unix::fs::symlink(&fresh, &linked_dir).unwrap();
        assert!(private_dir(&linked_dir, true).is_err());
        assert!(private_dir(&linked_dir, false).is_ok());
    }
}
