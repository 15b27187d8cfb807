//! Bad input: each gives a one-line cause with a next step, exits 1, and
//! leaves the state file byte-for-byte unchanged. No AWS endpoint is needed:
//! these fail before any call (the endpoint is a closed loopback port).

use std::fs;

use super::harness::{Project, Run, BASE_CONFIG};

const NOWHERE: &str = "http://127.0.0.1:9";

fn one_line_error(r: &Run, needles: &[&str]) {
    assert_eq!(r.code, 1, "stdout: {}\nstderr: {}", r.stdout, r.stderr);
    let err = r.stderr.trim();
    assert_eq!(err.lines().count(), 1, "one line expected: {err}");
    assert!(err.starts_with("error: "), "{err}");
    for n in needles {
        assert!(err.contains(n), "{n:?} missing from: {err}");
    }
}

fn with_state(config: &str, state: &[u8]) -> Project {
    let p = Project::new(NOWHERE, config);
    fs::create_dir_all(p.state_path().parent().unwrap()).unwrap();
    fs::write(p.state_path(), state).unwrap();
    p
}

const GOOD_STATE: &str = r#"{"format_version": 1, "serial": 4, "lineage": "l-1", "environment": "e2e", "resources": [], "outputs": {}}"#;

#[test]
fn missing_config_names_the_file() {
    let p = with_state(BASE_CONFIG, GOOD_STATE.as_bytes());
    fs::remove_file(p.dir.path().join("hcprov.toml")).unwrap();
    for cmd in [&["plan"][..], &["apply"], &["drift"]] {
        one_line_error(&p.run(cmd), &["hcprov.toml", "not found", "--config"]);
    }
    assert_eq!(fs::read(p.state_path()).unwrap(), GOOD_STATE.as_bytes());
}

#[test]
fn invalid_field_is_named() {
    let p = with_state(
        &BASE_CONFIG.replace("\"e2e\"", "\"Bad_Env\""),
        GOOD_STATE.as_bytes(),
    );
    one_line_error(
        &p.run(&["plan"]),
        &["hcprov.toml", "`environment`", "lowercase"],
    );
    p.write_config(&format!(
        "{BASE_CONFIG}\n[security]\nkms_deletion_window_days = 3\n"
    ));
    one_line_error(
        &p.run(&["apply"]),
        &["`security.kms_deletion_window_days`", "7-30"],
    );
    p.write_config(&format!("{BASE_CONFIG}\n[network]\nvpc_cidr = 5\n"));
    one_line_error(&p.run(&["plan"]), &["hcprov.toml", "vpc_cidr"]);
    assert_eq!(fs::read(p.state_path()).unwrap(), GOOD_STATE.as_bytes());
}

#[test]
fn corrupt_state_is_refused_and_untouched() {
    let truncated = &GOOD_STATE.as_bytes()[..40];
    let p = with_state(BASE_CONFIG, truncated);
    for cmd in [
        &["plan"][..],
        &["apply"],
        &["destroy", "--force"],
        &["drift"],
    ] {
        one_line_error(
            &p.run(cmd),
            &[
                "state/e2e.json",
                "not valid hcprov state",
                "left untouched",
                ".backups",
            ],
        );
        assert_eq!(fs::read(p.state_path()).unwrap(), truncated);
    }
}

#[test]
fn state_from_a_newer_hcprov_is_refused_and_untouched() {
    let newer = GOOD_STATE.replace("\"format_version\": 1", "\"format_version\": 7");
    let p = with_state(BASE_CONFIG, newer.as_bytes());
    for cmd in [&["plan"][..], &["apply"], &["destroy", "--force"]] {
        one_line_error(&p.run(cmd), &["format version 7", "upgrade hcprov"]);
        assert_eq!(fs::read(p.state_path()).unwrap(), newer.as_bytes());
    }
}

#[test]
fn held_lock_names_its_holder_and_fails_at_once() {
    let p = with_state(BASE_CONFIG, GOOD_STATE.as_bytes());
    // A live holder: this test process, on this host.
    let holder = serde_json::json!({
        "pid": std::process::id(),
        "host": hcprov::engine::state::hostname(),
        "started_at": "2026-11-23T10:00:00Z",
        "command": "apply",
    });
    let lock = p.dir.path().join("state/e2e.json.lock");
    fs::write(&lock, holder.to_string()).unwrap();
    let start = std::time::Instant::now();
    for cmd in [&["plan"][..], &["apply"], &["destroy", "--force"]] {
        one_line_error(
            &p.run(cmd),
            &[
                "locked by",
                &format!("pid {}", std::process::id()),
                "hcprov apply",
                "2026-11-23T10:00:00Z",
            ],
        );
    }
    assert!(start.elapsed().as_secs() < 30, "fails fast, no waiting");
    // `unlock` refuses a live holder.
    one_line_error(&p.run(&["unlock"]), &["locked by"]);
    assert!(lock.exists());
    assert_eq!(fs::read(p.state_path()).unwrap(), GOOD_STATE.as_bytes());
}

#[test]
fn lock_of_a_dead_process_is_reported_with_the_command_to_clear_it() {
    let p = with_state(BASE_CONFIG, GOOD_STATE.as_bytes());
    let holder = serde_json::json!({
        "pid": 999_999_999u32, "host": hcprov::engine::state::hostname(),
        "started_at": "2026-11-23T09:00:00Z", "command": "apply",
    });
    let lock = p.dir.path().join("state/e2e.json.lock");
    fs::write(&lock, holder.to_string()).unwrap();
    one_line_error(&p.run(&["plan"]), &["stale lock", "hcprov unlock"]);
    assert!(lock.exists(), "never stolen silently");
    let r = p.run(&["unlock"]).expect(0);
    assert!(r.stdout.contains("Removed the lock"), "{}", r.stdout);
    assert!(!lock.exists());
}

#[test]
fn destroy_without_force_refuses_when_stdin_is_not_a_terminal() {
    // Destroy names the account before it shows the plan: an emulator
    // answers who the credentials are.
    let moto = super::harness::Moto::start();
    let p = with_state(BASE_CONFIG, GOOD_STATE.replace("\"resources\": []", r#""resources": [{"address": "ec2_vpc.main", "type": "ec2_vpc", "region": "us-east-1", "id": "vpc-1", "attributes": {}}]"#).as_bytes());
    let p = Project {
        dir: p.dir,
        endpoint: moto.url.clone(),
    };
    let before = fs::read(p.state_path()).unwrap();
    let r = p.run(&["destroy"]);
    one_line_error(&r, &["--force", "not a terminal"]);
    assert_eq!(fs::read(p.state_path()).unwrap(), before);
}
