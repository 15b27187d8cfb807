//! Deterministic Lambda packages: the same handler sources always give the
//! same zip bytes and so the same hash. That makes a source edit an in-place
//! code update in the plan, and an unchanged source no change at all.
//!
//! A function's package holds its own handler file(s), by file name,
//! sorted, with a fixed timestamp (1980-01-01) and mode 0644, so editing one
//! handler changes only its function.
//!
//! Only files directly inside the configured handler directory are
//! packaged, each opened without following a symbolic link: a plan file or
//! a planted link cannot make hcprov upload anything else (a credentials
//! file, say) as function code.

use std::fs::OpenOptions;
use std::io::{Cursor, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use base64::Engine;
use sha2::{Digest, Sha256};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

/// A built package.
#[derive(Debug, Clone)]
pub struct Package {
    /// The zip file.
    pub bytes: Vec<u8>,
    /// Base64 SHA-256 of the bytes: what Lambda reports as CodeSha256.
    pub sha256: String,
}

fn refused(f: &Path, why: &str) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::PermissionDenied,
        format!("{}: {why}", f.display()),
    )
}

/// Reads `f`, which must be a regular file directly inside `root`, without
/// following a link.
fn read_source(root: &Path, f: &Path) -> std::io::Result<Vec<u8>> {
    let root = root
        .canonicalize()
        .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", root.display())))?;
    let parent = f
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let inside = parent.canonicalize().is_ok_and(|p| p == root)
        && f.file_name().is_some_and(|n| n != ".." && n != ".");
    if !inside {
        return Err(refused(
            f,
            &format!(
                "is outside the Lambda handler directory {}; only files directly in it are packaged",
                root.display()
            ),
        ));
    }
    let mut file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(f)
        .map_err(|e| {
            if e.raw_os_error() == Some(libc::ELOOP) {
                refused(
                    f,
                    "is a symbolic link; handler files are packaged only as real files",
                )
            } else {
                std::io::Error::new(e.kind(), format!("{}: {e}", f.display()))
            }
        })?;
    if !file.metadata()?.is_file() {
        return Err(refused(f, "is not a regular file"));
    }
    let mut body = vec![];
    file.read_to_end(&mut body)?;
    Ok(body)
}

/// Packages the given files (each stored under its file name); every one
/// must be a regular file directly inside `root`.
pub fn package(root: &Path, files: &[PathBuf]) -> std::io::Result<Package> {
    package_with(root, files, None)
}

/// The files under `dir` (a real directory directly inside `root`), by
/// path relative to it, sorted: a handler's vendored dependencies. Links
/// are refused; dot files, `__pycache__` and `.pyc` files are left out, so
/// the package is the same wherever the dependencies were installed.
fn tree(root: &Path, dir: &Path) -> std::io::Result<Vec<(String, Vec<u8>)>> {
    let named = matches!(
        dir.components().next_back(),
        Some(std::path::Component::Normal(_))
    );
    let inside =
        named && dir.parent().and_then(|p| p.canonicalize().ok()) == root.canonicalize().ok();
    let meta = std::fs::symlink_metadata(dir)
        .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", dir.display())))?;
    if !inside || !meta.is_dir() {
        return Err(refused(
            dir,
            &format!(
                "must be a real directory directly in the Lambda handler directory {}",
                root.display()
            ),
        ));
    }
    let mut out = vec![];
    let mut todo = vec![(dir.to_path_buf(), String::new())];
    while let Some((d, prefix)) = todo.pop() {
        for entry in std::fs::read_dir(&d)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') || name == "__pycache__" || name.ends_with(".pyc") {
                continue;
            }
            let path = entry.path();
            let rel = format!("{prefix}{name}");
            let kind = entry.file_type()?;
            if kind.is_symlink() {
                return Err(refused(
                    &path,
                    "is a symbolic link; dependencies are packaged only as real files",
                ));
            } else if kind.is_dir() {
                todo.push((path, format!("{rel}/")));
            } else if kind.is_file() {
                // Opened without following a link swapped in since the listing.
                let mut file = OpenOptions::new()
                    .read(true)
                    .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
                    .open(&path)
                    .map_err(|e| {
                        std::io::Error::new(e.kind(), format!("{}: {e}", path.display()))
                    })?;
                let mut body = vec![];
                file.read_to_end(&mut body)?;
                out.push((rel, body));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Packages `files` as [`package`] does, plus the dependency tree `deps`
/// (see [`tree`]) when given.
pub fn package_with(
    root: &Path,
    files: &[PathBuf],
    deps: Option<&Path>,
) -> std::io::Result<Package> {
    let mut files = files.to_vec();
    if files.is_empty() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "no handler files to package",
        ));
    }
    files.sort_by_key(|f| f.file_name().map(|n| n.to_owned()));
    let opts = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(DateTime::default())
        .unix_permissions(0o644);
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    for f in files {
        let name = f
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        let body = read_source(root, &f)?;
        zip.start_file(name, opts).map_err(std::io::Error::other)?;
        zip.write_all(&body)?;
    }
    if let Some(dir) = deps {
        for (name, body) in tree(root, dir)? {
            zip.start_file(name, opts).map_err(std::io::Error::other)?;
            zip.write_all(&body)?;
        }
    }
    let bytes = zip.finish().map_err(std::io::Error::other)?.into_inner();
    let sha256 = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&bytes));
    Ok(Package { bytes, sha256 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_input_same_bytes_and_an_edit_changes_the_hash() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("b.py"),
            "def handler(e, c):\n    return 1\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("a.py"), "X = 1\n").unwrap();
        let files = [dir.path().join("b.py"), dir.path().join("a.py")];
        let root = dir.path();
        let one = package(root, &files).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        let two = package(root, &[files[1].clone(), files[0].clone()]).unwrap();
        assert_eq!(one.bytes, two.bytes);
        assert_eq!(one.sha256, two.sha256);
        let z = zip::ZipArchive::new(Cursor::new(one.bytes.clone())).unwrap();
        assert_eq!(
            z.file_names().collect::<std::collections::BTreeSet<_>>(),
            ["a.py", "b.py"].into_iter().collect()
        );
        std::fs::write(dir.path().join("a.py"), "X = 2\n").unwrap();
        assert_ne!(package(root, &files).unwrap().sha256, one.sha256);
        assert!(package(root, &[dir.path().join("missing.py")]).is_err());
    }

    #[test]
    fn nothing_outside_the_handler_directory_is_packaged() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("lambdas");
        std::fs::create_dir(&root).unwrap();
        let secret = dir.path().join("credentials");
        std::fs::write(&secret, "aws_secret_access_key = x\n").unwrap();
        std::fs::write(root.join("ok.py"), "X = 1\n").unwrap();
        std::os::unix::fs::symlink(&secret, root.join("link.py")).unwrap();
        for bad in [
            secret.clone(),
            root.join("../credentials"),
            root.join("link.py"),
        ] {
            let err = package(&root, &[root.join("ok.py"), bad.clone()]).unwrap_err();
            assert_eq!(
                err.kind(),
                std::io::ErrorKind::PermissionDenied,
                "{bad:?}: {err}"
            );
        }
        assert!(package(&root, &[root.join("ok.py")]).is_ok());
        // A dependency tree is packaged by relative path, links refused.
        let deps = root.join("vendor");
        std::fs::create_dir_all(deps.join("pkg/__pycache__")).unwrap();
        std::fs::write(deps.join("pkg/__init__.py"), "Y = 1\n").unwrap();
        std::fs::write(deps.join("pkg/__pycache__/x.pyc"), "junk").unwrap();
        std::fs::write(deps.join(".requirements"), "stamp").unwrap();
        let p = package_with(&root, &[root.join("ok.py")], Some(&deps)).unwrap();
        let z = zip::ZipArchive::new(Cursor::new(p.bytes)).unwrap();
        assert_eq!(
            z.file_names().collect::<std::collections::BTreeSet<_>>(),
            ["ok.py", "pkg/__init__.py"].into_iter().collect()
        );
        std::os::unix::fs::symlink(&secret, deps.join("pkg/creds.py")).unwrap();
        let err = package_with(&root, &[root.join("ok.py")], Some(&deps)).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::PermissionDenied, "{err}");
        assert!(package_with(&root, &[root.join("ok.py")], Some(dir.path())).is_err());
        // `lambdas/..` is the project, not a directory in the handlers'.
        assert!(package_with(&root, &[root.join("ok.py")], Some(&root.join(".."))).is_err());
    }
}
