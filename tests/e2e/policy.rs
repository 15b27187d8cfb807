//! The HIPAA policy pack end to end: a plan that breaks rules is refused
//! before any AWS call and leaves the state alone; waivers let it through
//! and are shown; out-of-band changes that break rules are violations as
//! well as drift; `check` writes SARIF that validates against the schema;
//! protected data stores are not replaced or destroyed unless the run
//! names them, and a replaced table is backed up first.

use std::path::Path;
use std::sync::Arc;

use serde_json::{json, Value};

use super::harness::{block_on, id, Moto, Project, BASE_CONFIG};
use super::proxy::Proxy;

/// The rules a finding list names, as `(rule, address)`.
fn named(findings: &Value) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["address"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

fn pair(rule: &str, address: &str) -> (String, String) {
    (rule.to_string(), address.to_string())
}

const BREAKS_THREE: &str = "
[security]
kms_key_rotation = false

[compute]
log_retention_days = 30

[network]
alb_ingress_ports = [443, 80]
";

const WAIVES_THREE: &str = r#"
[[policy.waive]]
rule = "HC-KMS-ROTATION"
address = "kms_key.main"
reason = "e2e: rotation is tested off"

[[policy.waive]]
rule = "HC-LOG-RETENTION"
address = "logs_log_group.data_processor"
reason = "e2e: short retention in a test environment"

[[policy.waive]]
rule = "HC-LOG-RETENTION"
address = "logs_log_group.health_check"
reason = "e2e: short retention in a test environment"

[[policy.waive]]
rule = "HC-LOG-RETENTION"
address = "logs_log_group.remediation"
reason = "e2e: short retention in a test environment"

[[policy.waive]]
rule = "HC-SG-OPEN"
address = "ec2_security_group.alb"
reason = "e2e: the seed's HTTP redirect port"
"#;

#[test]
fn rules_gate_apply_before_any_call_waivers_let_it_through_and_drift_reports_violations() {
    let moto = Moto::start();
    let proxy = Proxy::start(&moto.url, Arc::new(|_| None));
    let calls = || proxy.log.lock().unwrap().len();
    let p = Project::new(&proxy.url, BASE_CONFIG);
    p.run(&["apply", "--auto-approve"]).expect(0);

    // Out of band, through the SDK: rotation off, SSH open to the world
    // over IPv4 and RDP over IPv6.
    let state = p.state();
    let key = id(&state, "kms_key.main");
    let sg = id(&state, "ec2_security_group.lambda");
    block_on(async {
        let sdk = moto.sdk().await;
        aws_sdk_kms::Client::new(&sdk)
            .disable_key_rotation()
            .key_id(&key)
            .send()
            .await
            .unwrap();
        aws_sdk_ec2::Client::new(&sdk)
            .authorize_security_group_ingress()
            .group_id(&sg)
            .ip_protocol("tcp")
            .from_port(22)
            .to_port(22)
            .cidr_ip("0.0.0.0/0")
            .send()
            .await
            .unwrap();
        aws_sdk_ec2::Client::new(&sdk)
            .authorize_security_group_ingress()
            .group_id(&sg)
            .ip_permissions(
                aws_sdk_ec2::types::IpPermission::builder()
                    .ip_protocol("tcp")
                    .from_port(3389)
                    .to_port(3389)
                    .ipv6_ranges(
                        aws_sdk_ec2::types::Ipv6Range::builder()
                            .cidr_ipv6("::/0")
                            .build(),
                    )
                    .build(),
            )
            .send()
            .await
            .unwrap();
    });
    let drift = p.run(&["drift", "--json"]).expect(2).json();
    assert_eq!(
        named(&drift["policy"]["violations"]),
        [
            pair("HC-KMS-ROTATION", "kms_key.main"),
            pair("HC-SG-OPEN", "ec2_security_group.lambda"),
            pair("HC-SG-OPEN", "ec2_security_group.lambda")
        ]
    );
    assert_eq!(drift["counts"]["violations"], json!(3));
    let modified: Vec<&str> = drift["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "modified")
        .map(|r| r["address"].as_str().unwrap())
        .collect();
    assert!(
        modified.contains(&"kms_key.main") && modified.contains(&"ec2_security_group.lambda"),
        "{modified:?}"
    );
    let text = p.run(&["drift"]).expect(2);
    assert!(
        text.stdout
            .contains("HC-SG-OPEN ec2_security_group.lambda: admits the internet on tcp/22")
            && text
                .stdout
                .contains("HC-SG-OPEN ec2_security_group.lambda: admits the internet on tcp/3389"),
        "{}",
        text.stdout
    );
    // Apply restores both; the nightly job is clean again.
    p.run(&["apply", "--auto-approve"]).expect(0);
    let clean = p.run(&["drift", "--json"]).expect(0).json();
    assert_eq!(clean["policy"]["violations"], json!([]));

    // A configuration that breaks three rules: listed by plan, refused by
    // apply before any AWS call, the state untouched.
    p.write_config(&format!("{BASE_CONFIG}{BREAKS_THREE}"));
    let plan = p.run(&["plan"]).expect(1);
    for rule in ["HC-KMS-ROTATION", "HC-LOG-RETENTION", "HC-SG-OPEN"] {
        assert!(plan.stdout.contains(rule), "{rule}: {}", plan.stdout);
    }
    let json_plan = p.run(&["plan", "--json"]).expect(1).json();
    let rules: std::collections::BTreeSet<String> = named(&json_plan["policy"]["violations"])
        .into_iter()
        .map(|(r, _)| r)
        .collect();
    assert_eq!(
        rules.into_iter().collect::<Vec<_>>(),
        ["HC-KMS-ROTATION", "HC-LOG-RETENTION", "HC-SG-OPEN"]
    );
    let before = std::fs::read(p.state_path()).unwrap();
    let n = calls();
    let refused = p.run(&["apply", "--auto-approve"]).expect(1);
    assert_eq!(calls(), n, "apply made AWS calls before refusing");
    assert!(
        refused.stderr.contains(
            "5 violations of the HIPAA policy pack (HC-KMS-ROTATION, HC-SG-OPEN, HC-LOG-RETENTION)"
        ) && refused.stderr.contains("nothing was changed"),
        "{}",
        refused.stderr
    );
    assert_eq!(
        std::fs::read(p.state_path()).unwrap(),
        before,
        "state untouched"
    );

    // Waived with reasons: the plan shows them, apply goes ahead.
    p.write_config(&format!("{BASE_CONFIG}{BREAKS_THREE}{WAIVES_THREE}"));
    let plan = p.run(&["plan", "--json"]).expect(0).json();
    assert_eq!(plan["policy"]["violations"], json!([]));
    assert_eq!(named(&plan["policy"]["waived"]).len(), 5);
    assert!(plan["policy"]["waived"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["waived_because"].as_str().unwrap().starts_with("e2e:")));
    let applied = p.run(&["apply", "--auto-approve"]).expect(0);
    assert!(
        applied
            .stdout
            .contains("(waived: e2e: rotation is tested off)"),
        "{}",
        applied.stdout
    );
    let rotation = block_on(async {
        aws_sdk_kms::Client::new(&moto.sdk().await)
            .get_key_rotation_status()
            .key_id(&key)
            .send()
            .await
            .unwrap()
            .key_rotation_enabled()
    });
    assert!(!rotation);
    p.run(&["destroy", "--force"]).expect(0);
}

#[test]
fn check_writes_sarif_that_validates_against_the_schema() {
    // No emulator: check makes no AWS call (the endpoint goes nowhere).
    let p = Project::new(
        "http://127.0.0.1:9",
        &format!("{BASE_CONFIG}{BREAKS_THREE}"),
    );
    let out = p.dir.path().join("out.sarif");
    let run = p
        .run(&["check", "--sarif", out.to_str().unwrap()])
        .expect(1);
    assert!(run.stdout.contains("HC-KMS-ROTATION"), "{}", run.stdout);
    let log: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    // One result per violation: rotation, three log groups, port 80.
    assert_eq!(results.len(), 5, "{results:#?}");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = std::env::var("HCPROV_EMULATOR_PYTHON")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| root.join(".venv/bin/python"));
    let validate = |file: &Path| {
        std::process::Command::new(&python)
            .args([
                "-c",
                "import json, sys, jsonschema; jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))",
            ])
            .arg(file)
            .arg(root.join("tests/data/sarif-schema-2.1.0.json"))
            .output()
            .unwrap()
    };
    let ok = validate(&out);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    // The validator is not a rubber stamp: a broken log fails it.
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]["level"] = json!("fatal");
    let bad = p.dir.path().join("bad.sarif");
    std::fs::write(&bad, broken.to_string()).unwrap();
    assert!(!validate(&bad).status.success());
    // Waived: still in the log, suppressed, with the reason; exit 0.
    p.write_config(&format!("{BASE_CONFIG}{BREAKS_THREE}{WAIVES_THREE}"));
    p.run(&["check", "--sarif", out.to_str().unwrap()])
        .expect(0);
    let log: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 5);
    assert!(results.iter().all(|r| r["suppressions"][0]["justification"]
        .as_str()
        .unwrap()
        .starts_with("e2e:")));
    assert!(validate(&out).status.success());
}

#[test]
fn protected_table_is_replaced_only_when_named_and_is_backed_up_first() {
    let moto = Moto::start();
    let config = BASE_CONFIG.replace("disposable = true\n", "");
    let p = Project::new(&moto.url, &config);
    p.run(&["apply", "--auto-approve"]).expect(0);
    assert_eq!(p.state()["disposable"], json!(false));
    let old = id(&p.state(), "dynamodb_table.patient_records");

    // Renaming the table would replace it: refused, naming it and the flag.
    let renamed = format!("{config}\n[storage]\ntable_name = \"healthcare-records-renamed\"\n");
    p.write_config(&renamed);
    let before = std::fs::read(p.state_path()).unwrap();
    let refused = p.run(&["apply", "--auto-approve"]).expect(1);
    assert!(
        refused
            .stderr
            .contains("replace dynamodb_table.patient_records")
            && refused
                .stderr
                .contains("--allow-destroy dynamodb_table.patient_records"),
        "{}",
        refused.stderr
    );
    assert_eq!(std::fs::read(p.state_path()).unwrap(), before);

    // Named: backed up first, then replaced.
    let done = p
        .run(&[
            "apply",
            "--auto-approve",
            "--allow-destroy",
            "dynamodb_table.patient_records",
        ])
        .expect(0);
    assert!(
        done.stdout.contains("Backed up dynamodb_table.patient_records before replacing it: arn:aws:dynamodb:us-east-1:123456789012:table/"),
        "{}",
        done.stdout
    );
    assert_eq!(
        id(&p.state(), "dynamodb_table.patient_records"),
        "healthcare-records-renamed"
    );
    let backups = block_on(async {
        aws_sdk_dynamodb::Client::new(&moto.sdk().await)
            .list_backups()
            .send()
            .await
            .unwrap()
            .backup_summaries()
            .iter()
            .map(|b| {
                (
                    b.table_name().unwrap_or_default().to_string(),
                    b.backup_arn().unwrap_or_default().to_string(),
                )
            })
            .collect::<Vec<_>>()
    });
    assert_eq!(backups.len(), 1);
    assert_eq!(backups[0].0, old);

    // Destroy of a non-disposable environment names every protected resource.
    let refused = p.run(&["destroy", "--force"]).expect(1);
    for a in [
        "dynamodb_table.patient_records",
        "kms_key.main",
        "s3_bucket.data",
        "backup_vault.main",
    ] {
        assert!(
            refused.stderr.contains(&format!("--allow-destroy {a}")),
            "{a}: {}",
            refused.stderr
        );
    }
    // Made disposable (and applied, so the state records it), destroy goes
    // ahead, but the key that encrypts the backup is kept, named.
    // Lifting the protection is a decision: the config alone is refused.
    p.write_config(&format!("disposable = true\n{renamed}"));
    let before = std::fs::read(p.state_path()).unwrap();
    let refused = p.run(&["apply", "--auto-approve"]).expect(1);
    assert!(
        refused.stderr.contains("hcprov apply --unprotect"),
        "{}",
        refused.stderr
    );
    assert_eq!(std::fs::read(p.state_path()).unwrap(), before);
    p.run(&["apply", "--auto-approve", "--unprotect"]).expect(0);
    assert_eq!(p.state()["disposable"], json!(true));
    let kept = p.run(&["destroy", "--force"]).expect(1);
    assert!(
        kept.stdout.contains("kms_key.main")
            && kept.stdout.contains(&backups[0].1)
            && kept.stdout.contains("aws dynamodb delete-backup"),
        "{}",
        kept.stdout
    );
    block_on(async {
        aws_sdk_dynamodb::Client::new(&moto.sdk().await)
            .delete_backup()
            .backup_arn(&backups[0].1)
            .send()
            .await
            .unwrap();
    });
    p.run(&["destroy", "--force"]).expect(0);
    assert_eq!(p.state()["resources"], json!([]));
}
