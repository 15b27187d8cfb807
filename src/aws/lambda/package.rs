//! Deterministic Lambda packages: the same handler sources always give the
//! same zip bytes and so the same hash. That makes a source edit an in-place
//! code update in the plan, and an unchanged source no change at all.
//!
//! A function's package holds its own handler file(s), by file name,
//! sorted, with a fixed timestamp (1980-01-01) and mode 0644, so editing one
//! handler changes only its function.

use std::io::{Cursor, Write};
use std::path::PathBuf;

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

/// Packages the given files (each stored under its file name).
pub fn package(files: &[PathBuf]) -> std::io::Result<Package> {
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
        zip.start_file(name, opts).map_err(std::io::Error::other)?;
        let body = std::fs::read(&f)
            .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", f.display())))?;
        zip.write_all(&body)?;
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
        let one = package(&files).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        let two = package(&[files[1].clone(), files[0].clone()]).unwrap();
        assert_eq!(one.bytes, two.bytes);
        assert_eq!(one.sha256, two.sha256);
        let z = zip::ZipArchive::new(Cursor::new(one.bytes.clone())).unwrap();
        assert_eq!(
            z.file_names().collect::<std::collections::BTreeSet<_>>(),
            ["a.py", "b.py"].into_iter().collect()
        );
        std::fs::write(dir.path().join("a.py"), "X = 2\n").unwrap();
        assert_ne!(package(&files).unwrap().sha256, one.sha256);
        assert!(package(&[dir.path().join("missing.py")]).is_err());
    }
}
