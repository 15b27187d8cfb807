//! Secrets and permissions: credentials from the environment never reach
//! the state, its journal or backups, a saved plan, or any output, even at
//! the most verbose logging; and every file hcprov writes is 0600.

use std::os::unix::fs::PermissionsExt;

use super::harness::{files, Moto, Project, Run, BASE_CONFIG, SLICE};

const SECRET: &str = "hcprovSecretKeySentinel0123456789abcdef";
const TOKEN: &str = "hcprovSessionTokenSentinel0123456789";

#[test]
fn credentials_never_reach_state_plan_or_logs_and_files_are_private() {
    let moto = Moto::start();
    let p = Project::new(
        &moto.url,
        &BASE_CONFIG.replace("[backup]", &format!("{SLICE}[backup]")),
    );
    let run = |args: &[&str]| {
        let out = p
            .command(args)
            .env("AWS_SECRET_ACCESS_KEY", SECRET)
            .env("AWS_SESSION_TOKEN", TOKEN)
            .output()
            .unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    };
    let mut outputs = vec![];
    outputs.push(run(&["plan", "-vv", "--out", "saved.plan"]).expect(0));
    outputs.push(run(&["apply", "-vv", "saved.plan"]).expect(0));
    // A second apply makes a backup of the state.
    p.write_config(
        &BASE_CONFIG
            .replace("[backup]", &format!("{SLICE}[backup]"))
            .replace("Author = \"e2e-tests\"", "Author = \"someone-else\""),
    );
    outputs.push(run(&["apply", "-vv"]).expect(0));
    outputs.push(run(&["drift", "-vv", "--json"]).expect(0));
    outputs.push(run(&["output", "-vv"]).expect(0));
    let logged: usize = outputs
        .iter()
        .map(|r| r.stdout.len() + r.stderr.len())
        .sum();
    assert!(logged > 10_000, "the runs said something: {logged} bytes");
    for r in &outputs {
        for s in [SECRET, TOKEN] {
            assert!(!r.stdout.contains(s) && !r.stderr.contains(s), "{s} leaked");
        }
    }

    let written = files(p.dir.path());
    let state_dir = p.dir.path().join("state");
    let ours: Vec<_> = written
        .iter()
        .filter(|f| f.starts_with(&state_dir) || f.ends_with("saved.plan"))
        .collect();
    assert!(
        ours.iter()
            .any(|f| f.to_string_lossy().contains(".backups")),
        "a backup exists: {ours:?}"
    );
    for f in &ours {
        let bytes = std::fs::read(f).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        for s in [SECRET, TOKEN] {
            assert!(!text.contains(s), "{s} in {}", f.display());
        }
        let mode = std::fs::metadata(f).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", f.display());
    }
    let mode = std::fs::metadata(&state_dir).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700);
    println!(
        "{} files and {logged} bytes of output checked: no credential, every file 0600",
        ours.len()
    );
}
