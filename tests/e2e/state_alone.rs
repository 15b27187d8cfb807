//! The state commands, and working from the state alone: with the
//! configuration broken or deleted, drift, output, the state commands and
//! destroy still work; a state of another account is refused.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use super::harness::{block_on, Moto, Project, BASE_CONFIG, SLICE};

fn addresses(state: &Value) -> BTreeSet<String> {
    state["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["address"].as_str().unwrap().to_string())
        .collect()
}

fn resource<'a>(state: &'a Value, address: &str) -> &'a Value {
    state["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["address"] == address)
        .unwrap_or_else(|| panic!("{address}"))
}

#[test]
fn state_commands_and_a_deleted_config_never_block_checking_or_tearing_down() {
    let moto = Moto::start();
    let p = Project::new(
        &moto.url,
        &BASE_CONFIG.replace("[backup]", &format!("{SLICE}[backup]")),
    );
    p.run(&["apply", "--auto-approve"]).expect(0);
    let state = p.state();
    assert_eq!(state["account"], "123456789012");

    // list and show
    let listed = p.run(&["state", "list", "--json"]).expect(0).json();
    assert_eq!(listed.as_array().unwrap().len(), addresses(&state).len());
    let shown = p.run(&["state", "show", "kms_key.main"]).expect(0).json();
    assert_eq!(shown["id"], resource(&state, "kms_key.main")["id"]);
    let miss = p.run(&["state", "show", "kms_key.other"]).expect(1);
    assert!(
        miss.stderr
            .contains("the state holds no kms_key.other (it holds kms_key.main)"),
        "{}",
        miss.stderr
    );

    // mv: the object is kept, what depended on it follows; and back.
    let before = std::fs::read(p.state_path()).unwrap();
    p.run(&["state", "mv", "iam_role.vpc_flow_log", "iam_role.flow_logs"])
        .expect(0);
    let moved = p.state();
    assert_eq!(
        resource(&moved, "iam_role.flow_logs")["id"],
        resource(&state, "iam_role.vpc_flow_log")["id"]
    );
    assert!(!addresses(&moved).contains("iam_role.vpc_flow_log"));
    assert!(resource(&moved, "ec2_flow_log.vpc")["dependencies"]
        .as_array()
        .unwrap()
        .contains(&json!("iam_role.flow_logs")));
    let backups = std::fs::read_dir(p.dir.path().join("state/.backups"))
        .unwrap()
        .count();
    assert!(backups >= 1);
    // Refused, the state untouched: another type; an address it holds.
    let held = std::fs::read(p.state_path()).unwrap();
    let r = p
        .run(&["state", "mv", "iam_role.flow_logs", "kms_key.x"])
        .expect(1);
    assert!(
        r.stderr.contains("a resource keeps its type"),
        "{}",
        r.stderr
    );
    let r = p
        .run(&["state", "mv", "ec2_subnet.public_1", "ec2_subnet.public_2"])
        .expect(1);
    assert!(
        r.stderr
            .contains("the state already holds ec2_subnet.public_2"),
        "{}",
        r.stderr
    );
    assert_eq!(std::fs::read(p.state_path()).unwrap(), held);
    p.run(&["state", "mv", "iam_role.flow_logs", "iam_role.vpc_flow_log"])
        .expect(0);
    assert_eq!(
        addresses(&p.state()),
        addresses(&serde_json::from_slice(&before).unwrap())
    );
    p.run(&["plan", "--detailed-exitcode"]).expect(0);

    // rm: forgotten, not deleted; the next plan would make a new one.
    let log_id = resource(&state, "ec2_flow_log.vpc")["id"]
        .as_str()
        .unwrap()
        .to_string();
    p.run(&["state", "rm", "ec2_flow_log.vpc"]).expect(0);
    assert!(!addresses(&p.state()).contains("ec2_flow_log.vpc"));
    let still = block_on(async {
        aws_sdk_ec2::Client::new(&moto.sdk().await)
            .describe_flow_logs()
            .flow_log_ids(&log_id)
            .send()
            .await
            .unwrap()
            .flow_logs()
            .len()
    });
    assert_eq!(still, 1, "state rm deletes nothing");
    let plan = p.run(&["plan", "--json"]).expect(0).json();
    let creates: Vec<&str> = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["action"] == "create")
        .map(|c| c["address"].as_str().unwrap())
        .collect();
    assert_eq!(creates, ["ec2_flow_log.vpc"]);
    // The forgotten flow log is someone else's now: delete it by hand,
    // then apply makes hcprov's own again.
    block_on(async {
        aws_sdk_ec2::Client::new(&moto.sdk().await)
            .delete_flow_logs()
            .flow_log_ids(&log_id)
            .send()
            .await
            .unwrap();
    });
    p.run(&["apply", "--auto-approve"]).expect(0);

    // A broken configuration: drift and output work from the state alone.
    std::fs::write(
        p.dir.path().join("hcprov.toml"),
        "environment = \"e2e\"\nregion = [broken\n",
    )
    .unwrap();
    let drift = p
        .run(&["drift", "--json", "--state", "state/e2e.json"])
        .expect(0);
    assert!(
        drift.stderr.contains("working from the state alone"),
        "{}",
        drift.stderr
    );
    assert_eq!(
        drift.json()["counts"]["in_sync"],
        json!(addresses(&p.state()).len())
    );
    p.run(&["output", "--state", "state/e2e.json", "vpc_id"])
        .expect(0);
    // A broken configuration may name remote state: only an explicit
    // --state says which copy to trust, not HCPROV_ENVIRONMENT.
    let out = p
        .command(&["state", "list"])
        .env("HCPROV_ENVIRONMENT", "e2e")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("name the state explicitly (--state FILE or s3://BUCKET/KEY)"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A malformed S3 URL is refused, never read as a local file.
    let r = p
        .run(&["state", "list", "--state", "s3://only-a-bucket"])
        .expect(1);
    assert!(r.stderr.contains("is not an S3 state"), "{}", r.stderr);

    // Another account's credentials: refused, naming both accounts.
    let mut foreign = p.state();
    foreign["account"] = json!("111111111111");
    std::fs::write(
        p.dir.path().join("foreign.json"),
        serde_json::to_vec(&foreign).unwrap(),
    )
    .unwrap();
    let r = p.run(&["drift", "--state", "foreign.json"]).expect(1);
    assert!(
        r.stderr
            .contains("account 111111111111, but the credentials belong to account 123456789012"),
        "{}",
        r.stderr
    );

    // The configuration deleted: HCPROV_ENVIRONMENT names the state, and
    // destroy works from it alone.
    std::fs::remove_file(p.dir.path().join("hcprov.toml")).unwrap();
    let out = p
        .command(&["state", "list"])
        .env("HCPROV_ENVIRONMENT", "e2e")
        .output()
        .unwrap();
    assert!(out.status.success());
    let bare = p.run(&["state", "list"]).expect(1);
    assert!(
        bare.stderr
            .contains("--state FILE or s3://BUCKET/KEY (or HCPROV_ENVIRONMENT)"),
        "{}",
        bare.stderr
    );
    p.run(&["drift", "--state", "state/e2e.json"]).expect(0);
    p.run(&["destroy", "--force", "--state", "state/e2e.json"])
        .expect(0);
    assert_eq!(p.state()["resources"], json!([]));
}
