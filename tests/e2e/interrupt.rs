//! Interruptions and concurrency on a real apply (slowed down by a loopback
//! proxy adding latency): a second apply on the same state fails at once
//! naming the holder while the first completes; Ctrl-C stops new work, saves
//! a loadable state, and a re-run completes it; a saved plan from another
//! state's history is refused.

use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::harness::{Moto, Project, BASE_CONFIG, SLICE};
use super::proxy::Proxy;

fn slow_slice(moto: &Moto) -> (Proxy, Project) {
    let proxy = Proxy::start_with(
        &moto.url,
        Arc::new(|_| None),
        Arc::new(|_| Duration::from_millis(150)),
    );
    let p = Project::new(
        &proxy.url,
        &BASE_CONFIG.replace("[backup]", &format!("{SLICE}[backup]")),
    );
    (proxy, p)
}

fn wait_for(what: &str, f: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_second_apply_fails_fast_while_the_first_completes() {
    let moto = Moto::start();
    let (_proxy, p) = slow_slice(&moto);
    let first = p
        .command(&["apply"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lock = p.dir.path().join("state/e2e.json.lock");
    wait_for("the first apply to take the lock", || lock.exists());
    let t = Instant::now();
    let second = p.run(&["apply"]);
    assert_eq!(second.code, 1, "{}", second.stderr);
    assert!(
        second.stderr.contains("locked by") && second.stderr.contains("hcprov apply"),
        "{}",
        second.stderr
    );
    assert!(
        t.elapsed() < Duration::from_secs(5),
        "fails fast: {:?}",
        t.elapsed()
    );
    let out = first.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    p.run(&["plan", "--detailed-exitcode"]).expect(0);
}

#[test]
fn ctrl_c_saves_a_loadable_state_that_a_rerun_completes() {
    let moto = Moto::start();
    let (_proxy, p) = slow_slice(&moto);
    let child = p
        .command(&["apply", "--parallelism", "2"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let state = p.state_path();
    wait_for("some resources to be checkpointed", || {
        std::fs::read(&state)
            .ok()
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
            .is_some_and(|s| s["resources"].as_array().is_some_and(|r| r.len() >= 3))
            || std::path::Path::new(&format!("{}.journal", state.display())).exists()
    });
    // SAFETY: sending SIGINT to our own child process.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stderr.contains("Interrupted"), "{stderr}");
    assert!(
        stdout.contains("Apply incomplete") && stdout.contains("not started"),
        "{stdout}"
    );
    assert!(
        !p.dir.path().join("state/e2e.json.lock").exists(),
        "the lock is released"
    );
    // The state loads, holds part of the slice, and a re-run completes it.
    let plan = p
        .run(&["plan", "--json", "--detailed-exitcode"])
        .expect(2)
        .json();
    let done = plan["summary"]["no_op"].as_u64().unwrap();
    let left = plan["summary"]["create"].as_u64().unwrap();
    assert!(done >= 1 && left >= 1, "done {done}, left {left}");
    p.run(&["apply"]).expect(0);
    p.run(&["plan", "--detailed-exitcode"]).expect(0);
}

#[test]
fn a_saved_plan_from_another_lineage_is_refused_and_changes_nothing() {
    let moto = Moto::start();
    let p = Project::new(
        &moto.url,
        &BASE_CONFIG.replace("[backup]", &format!("{SLICE}[backup]")),
    );
    p.run(&["apply"]).expect(0);
    p.run(&["plan", "--out", "p.plan"]).expect(0);
    let path = p.dir.path().join("p.plan");
    let mut plan: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    plan["lineage"] = Value::String("another-state".into());
    std::fs::write(&path, serde_json::to_vec(&plan).unwrap()).unwrap();
    let before = std::fs::read(p.state_path()).unwrap();
    let r = p.run(&["apply", "p.plan"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("lineage another-state") && r.stderr.contains("hcprov plan"),
        "{}",
        r.stderr
    );
    assert_eq!(std::fs::read(p.state_path()).unwrap(), before);
}
