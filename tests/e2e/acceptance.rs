//! Acceptance mode: the same life cycle against a real AWS account, when
//! the user opts in, as Terraform's `TF_ACC` does. Off by default (and in
//! CI): each test then says how to turn it on and returns.
//!
//! Opt in with `HCPROV_ACC=1`, credentials of the standard chain
//! (`AWS_PROFILE`, ...), `AWS_REGION`, and `HCPROV_ACC_ACCOUNT` (the
//! 12-digit account the tests may touch: the configuration's
//! `allowed_account_ids`, so other credentials are refused before any
//! change). Every run uses a new environment name (`acc` and six random
//! letters), so its names are its own, and destroys it when the test ends,
//! passed or failed. `HCPROV_ACC_ENDPOINT_URL` points it at an emulator
//! instead, only to check the test itself.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The opted-in account and region, or `None` (saying why) when off.
fn opted_in() -> Option<(String, String)> {
    let on = std::env::var("HCPROV_ACC").is_ok_and(|v| v == "1");
    let account = std::env::var("HCPROV_ACC_ACCOUNT").unwrap_or_default();
    let region = std::env::var("AWS_REGION").unwrap_or_default();
    if !on {
        eprintln!("acceptance test off: set HCPROV_ACC=1, HCPROV_ACC_ACCOUNT=<12-digit account>, AWS_REGION and credentials (AWS_PROFILE) to run it against a real AWS account");
        return None;
    }
    assert!(
        account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()),
        "HCPROV_ACC=1 needs HCPROV_ACC_ACCOUNT, the 12-digit account the test may change"
    );
    assert!(!region.is_empty(), "HCPROV_ACC=1 needs AWS_REGION");
    Some((account, region))
}

/// A scratch project against the real account; destroys what it made
/// when dropped, also while a failed test unwinds.
struct Real {
    dir: tempfile::TempDir,
    applied: bool,
}

impl Real {
    fn new(config: &str) -> Real {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("hcprov.toml"), config).unwrap();
        Real {
            dir,
            applied: false,
        }
    }

    fn run(&mut self, args: &[&str]) -> Output {
        if args.first() == Some(&"apply") {
            self.applied = true;
        }
        let mut c = Command::new(env!("CARGO_BIN_EXE_hcprov"));
        c.current_dir(self.dir.path())
            .args(args)
            .env_remove("AWS_ENDPOINT_URL")
            .stdin(Stdio::null());
        // Only to check this test itself against the emulator.
        if let Ok(url) = std::env::var("HCPROV_ACC_ENDPOINT_URL") {
            c.env("AWS_ENDPOINT_URL", url);
        }
        let out = c.output().unwrap();
        eprintln!(
            "$ hcprov {}\n{}{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    fn path(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }
}

impl Drop for Real {
    fn drop(&mut self) {
        if self.applied {
            // Cleanup runs whatever happened above.
            let out = self.run(&["destroy", "--force", "--delete-recovery-points"]);
            if !out.status.success() {
                eprintln!(
                    "acceptance cleanup FAILED: the environment in {} may still hold resources; run `hcprov destroy --force` there",
                    self.path().display()
                );
                // Keep the directory (and its state) for the manual cleanup.
                let keep = std::mem::replace(&mut self.dir, tempfile::tempdir().unwrap());
                let _ = keep.keep();
            }
        }
    }
}

/// A new environment name: `acc` and six random letters.
fn environment() -> String {
    let u = uuid::Uuid::new_v4().simple().to_string();
    format!(
        "acc{}",
        u.chars()
            .filter(char::is_ascii_alphabetic)
            .take(6)
            .collect::<String>()
    )
}

#[test]
fn acceptance_networking_and_keys_live_cycle_on_a_real_account() {
    let Some((account, region)) = opted_in() else {
        return;
    };
    let env = environment();
    let lambdas = Path::new(env!("CARGO_MANIFEST_DIR")).join("lambdas");
    let config = format!(
        "environment = \"{env}\"\nregion = \"{region}\"\ndisposable = true\nallowed_account_ids = [\"{account}\"]\n\n\
         [stack]\ncomponents = [\"networking\", \"security\"]\n\n[compute]\nlambda_source = \"{}\"\n\n\
         [tags]\nPurpose = \"hcprov acceptance test\"\n",
        lambdas.display()
    );
    let mut p = Real::new(&config);
    let code = |o: &Output| o.status.code();
    assert_eq!(code(&p.run(&["check"])), Some(0));
    let plan = p.run(&["plan", "--detailed-exitcode"]);
    assert_eq!(code(&plan), Some(2), "a new environment has changes");
    assert_eq!(code(&p.run(&["apply", "--auto-approve"])), Some(0));
    assert_eq!(
        code(&p.run(&["plan", "--detailed-exitcode"])),
        Some(0),
        "nothing left to do"
    );
    assert_eq!(
        code(&p.run(&["drift"])),
        Some(0),
        "no drift right after apply"
    );
    assert_eq!(code(&p.run(&["report", "--out", "evidence.md"])), Some(0));
    // Drop destroys it.
}
