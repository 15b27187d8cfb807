//! State in S3 (on the emulator): shared by two working directories, with
//! a lock object that holds across them; a killed apply's stale lock; a
//! writer with a stale ETag refused with nothing lost; push and pull.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::harness::{block_on, Moto, Project, BASE_CONFIG, SLICE};
use super::proxy::Proxy;

const BUCKET: &str = "hcprov-state";
const KEY: &str = "healthcare/e2e.json";

fn remote(extra: &str) -> String {
    format!(
        "{}{extra}\n[state]\nbackend = \"s3\"\nbucket = \"{BUCKET}\"\nprefix = \"healthcare/\"\n",
        BASE_CONFIG.replace("[backup]", &format!("{SLICE}[backup]"))
    )
}

async fn s3(moto: &Moto) -> aws_sdk_s3::Client {
    let conf = aws_sdk_s3::config::Builder::from(&moto.sdk().await)
        .force_path_style(true)
        .build();
    aws_sdk_s3::Client::from_conf(conf)
}

fn versioned_bucket(moto: &Moto) {
    block_on(async {
        let s3 = s3(moto).await;
        s3.create_bucket().bucket(BUCKET).send().await.unwrap();
        s3.put_bucket_versioning()
            .bucket(BUCKET)
            .versioning_configuration(
                aws_sdk_s3::types::VersioningConfiguration::builder()
                    .status(aws_sdk_s3::types::BucketVersioningStatus::Enabled)
                    .build(),
            )
            .send()
            .await
            .unwrap();
    });
}

fn object(moto: &Moto, key: &str) -> Option<(Value, Option<String>)> {
    block_on(async {
        let s3 = s3(moto).await;
        let o = s3.get_object().bucket(BUCKET).key(key).send().await.ok()?;
        let sse = o.server_side_encryption().map(|s| s.as_str().to_string());
        let bytes = o.body.collect().await.unwrap().into_bytes();
        Some((serde_json::from_slice(&bytes).unwrap(), sse))
    })
}

fn wait_for(what: &str, f: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn two_working_directories_share_one_state_and_one_lock() {
    let moto = Moto::start();
    versioned_bucket(&moto);
    // Every call 30 ms late: an apply takes long enough to overlap.
    let proxy = Proxy::start_with(
        &moto.url,
        Arc::new(|_| None),
        Arc::new(|_| Duration::from_millis(30)),
    );
    let a = Project::new(&proxy.url, &remote(""));
    let b = Project::new(&proxy.url, &remote(""));
    a.run(&["apply", "--auto-approve"]).expect(0);
    let (state, sse) = object(&moto, KEY).expect("the state object");
    assert_eq!(sse.as_deref(), Some("aws:kms"));
    assert!(!a.state_path().exists(), "no local state file");
    // The other directory sees the same state: nothing to do.
    b.run(&["plan", "--detailed-exitcode"]).expect(0);
    assert_eq!(
        b.run(&["state", "list", "--json"])
            .expect(0)
            .json()
            .as_array()
            .unwrap()
            .len(),
        state["resources"].as_array().unwrap().len()
    );

    // Two applies started together: exactly one proceeds, the other fails
    // at once naming the holder.
    let tagged = remote("CostCenter = \"cc-7\"\n");
    a.write_config(&tagged);
    b.write_config(&tagged);
    let start = |p: &Project| {
        p.command(&["apply", "--auto-approve"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (first, second) = (start(&a), start(&b));
    let (first, second) = (
        first.wait_with_output().unwrap(),
        second.wait_with_output().unwrap(),
    );
    let codes = [first.status.code(), second.status.code()];
    assert!(
        codes.contains(&Some(0)) && codes.contains(&Some(1)),
        "{codes:?}"
    );
    let loser = if first.status.success() {
        &second
    } else {
        &first
    };
    let err = String::from_utf8_lossy(&loser.stderr);
    assert!(
        err.contains("s3://hcprov-state/healthcare/e2e.json is locked by `hcprov apply` (")
            && err.contains("pid "),
        "stderr: {err}\nstdout: {}",
        String::from_utf8_lossy(&loser.stdout)
    );
    a.run(&["plan", "--detailed-exitcode"]).expect(0);
}

#[test]
fn a_killed_apply_leaves_a_stale_lock_and_a_stale_writer_is_refused_with_nothing_lost() {
    let moto = Moto::start();
    versioned_bucket(&moto);
    // Every call 40 ms late; notes when the state object is read.
    let read = Arc::new(AtomicBool::new(false));
    let saw = read.clone();
    let proxy = Proxy::start_with(
        &moto.url,
        Arc::new(move |s| {
            let get = format!("GET /{BUCKET}/{KEY}");
            if s.head.starts_with(&format!("{get} ")) || s.head.starts_with(&format!("{get}?")) {
                saw.store(true, Ordering::SeqCst);
            }
            None
        }),
        Arc::new(|_| Duration::from_millis(40)),
    );
    let p = Project::new(&proxy.url, &remote(""));
    let lock_key = format!("{KEY}.lock");

    // SIGKILL during an apply: the next apply names the stale lock.
    let mut child = p.command(&["apply", "--auto-approve"]).spawn().unwrap();
    wait_for("the state object", || object(&moto, KEY).is_some());
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        object(&moto, &lock_key).is_some(),
        "the killed run's lock is still there"
    );
    let r = p.run(&["apply", "--auto-approve"]).expect(1);
    assert!(
        r.stderr.contains("has a stale lock") && r.stderr.contains("no longer running"),
        "{}",
        r.stderr
    );
    let u = p.run(&["unlock", "--force"]).expect(0);
    assert!(
        u.stdout.contains(
            "Removed the lock on s3://hcprov-state/healthcare/e2e.json held by `hcprov apply`"
        ),
        "{}",
        u.stdout
    );
    p.run(&["apply", "--auto-approve"]).expect(0);
    p.run(&["plan", "--detailed-exitcode"]).expect(0);

    // A writer that ignored the lock changes the state while an apply runs:
    // the apply's next write carries a stale ETag and is refused.
    p.write_config(&remote("CostCenter = \"cc-9\"\n"));
    read.store(false, Ordering::SeqCst);
    let child = p
        .command(&["apply", "--auto-approve"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    wait_for("the apply's read of the state", || {
        read.load(Ordering::SeqCst)
    });
    // The read is held 40 ms by the proxy; the apply then refreshes for
    // seconds before its first write.
    std::thread::sleep(Duration::from_millis(300));
    let (mut theirs, _) = object(&moto, KEY).unwrap();
    theirs["serial"] = Value::from(theirs["serial"].as_u64().unwrap() + 1000);
    let written = serde_json::to_vec_pretty(&theirs).unwrap();
    block_on(async {
        s3(&moto)
            .await
            .put_object()
            .bucket(BUCKET)
            .key(KEY)
            .body(written.clone().into())
            .send()
            .await
            .unwrap();
    });
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        text.contains("was changed by another writer since this run read it"),
        "{text}"
    );
    // Nothing lost: their write is the current version, and the versions
    // before it are all kept.
    let (now, _) = object(&moto, KEY).unwrap();
    assert_eq!(now["serial"], theirs["serial"]);
    let versions = block_on(async {
        s3(&moto)
            .await
            .list_object_versions()
            .bucket(BUCKET)
            .prefix(KEY)
            .send()
            .await
            .unwrap()
            .versions()
            .iter()
            .filter(|v| v.key() == Some(KEY))
            .count()
    });
    assert!(versions >= 3, "{versions} versions");
}

#[test]
fn push_then_pull_round_trips_the_state_and_other_histories_are_refused() {
    let moto = Moto::start();
    versioned_bucket(&moto);
    let local = BASE_CONFIG.replace("[backup]", &format!("{SLICE}[backup]"));
    let p = Project::new(&moto.url, &local);
    p.run(&["apply", "--auto-approve"]).expect(0);
    let original: Value = serde_json::from_slice(&std::fs::read(p.state_path()).unwrap()).unwrap();

    p.write_config(&remote(""));
    let pushed = p
        .run(&["state", "push", "--from", "state/e2e.json"])
        .expect(0);
    assert!(
        pushed.stdout.contains("Pushed state/e2e.json"),
        "{}",
        pushed.stdout
    );
    p.run(&["plan", "--detailed-exitcode"]).expect(0);
    p.run(&["state", "pull", "--to", "pulled.json"]).expect(0);
    let pulled: Value =
        serde_json::from_slice(&std::fs::read(p.dir.path().join("pulled.json")).unwrap()).unwrap();
    for k in ["resources", "serial", "lineage", "environment"] {
        assert_eq!(pulled[k], original[k], "{k}");
    }
    assert!(p
        .run(&["state", "push", "--from", "state/e2e.json"])
        .expect(0)
        .stdout
        .contains("already holds this state"));

    // Another history is never overwritten, either way.
    let mut theirs = original.clone();
    theirs["lineage"] = Value::from("another-history");
    let foreign = p.dir.path().join("state/other.json");
    std::fs::write(&foreign, serde_json::to_vec_pretty(&theirs).unwrap()).unwrap();
    let r = p
        .run(&["state", "push", "--from", foreign.to_str().unwrap()])
        .expect(1);
    assert!(
        r.stderr.contains("holds another state (lineage"),
        "{}",
        r.stderr
    );
    let r = p
        .run(&["state", "pull", "--to", foreign.to_str().unwrap()])
        .expect(1);
    assert!(
        r.stderr.contains("holds another state (lineage"),
        "{}",
        r.stderr
    );
    p.run(&["destroy", "--force"]).expect(0);
    let (state, _) = object(&moto, KEY).unwrap();
    assert_eq!(state["resources"], Value::Array(vec![]));
}
