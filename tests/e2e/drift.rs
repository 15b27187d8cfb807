//! Drift detection end to end: changes made behind hcprov's back through the
//! SDK are reported exactly (recorded → live), an unreadable resource makes
//! the run exit 1, and `drift` never touches the state file.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{json, Value};

use super::harness::{block_on, id, Moto, Project, BASE_CONFIG, SLICE};
use super::proxy::{Fault, Proxy};

/// One drifted attribute: (name, recorded, live).
type AttrDrift = (String, Value, Value);

/// address → (status, drifted attributes)
fn report(r: &Value) -> BTreeMap<String, (String, Vec<AttrDrift>)> {
    r["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["status"] != "in_sync")
        .map(|x| {
            let attrs = x["attributes"].as_array().map_or(vec![], |a| {
                a.iter()
                    .map(|c| {
                        (
                            c["name"].as_str().unwrap().to_string(),
                            c["before"].clone(),
                            c["after"].clone(),
                        )
                    })
                    .collect()
            });
            (
                x["address"].as_str().unwrap().to_string(),
                (x["status"].as_str().unwrap().to_string(), attrs),
            )
        })
        .collect()
}

#[test]
fn drift_reports_exactly_what_changed_and_never_writes_the_state() {
    let moto = Moto::start();
    let p = Project::new(
        &moto.url,
        &BASE_CONFIG.replace("[backup]", &format!("{SLICE}[backup]")),
    );
    p.run(&["apply"]).expect(0);
    let state = p.state();
    let resources = state["resources"].as_array().unwrap().len();

    // Untouched: exit 0, every resource checked, within its call budget.
    let clean = p.run(&["drift", "--json"]).expect(0).json();
    assert_eq!(clean["counts"]["in_sync"], json!(resources));
    assert_eq!(clean["counts"]["total"], json!(resources));
    let calls = clean["api_calls"]["total"].as_u64().unwrap();
    println!(
        "drift of the slice: {calls} API calls for {resources} resources: {}",
        clean["api_calls"]["by_service"]
    );
    // Each service's calls, at most: the slice's budget. A read added to a
    // type must be paid for here, on purpose.
    let budget = [
        // VPC, its two DNS attributes, DHCP options, subnets, gateways,
        // addresses, NAT gateways, route tables, security groups,
        // endpoints, flow logs.
        ("ec2", 12),
        // The flow-log role: GetRole; its policy sets and inline policy
        // from the one account-wide GetAccountAuthorizationDetails.
        ("iam", 2),
        // The key: DescribeKey, rotation, policy, grants; the alias list.
        ("kms", 5),
        // The flow-log group and its subscription filters.
        ("logs", 2),
        ("sts", 1),
        ("tagging", 1),
    ];
    let by_service = clean["api_calls"]["by_service"].as_object().unwrap();
    for (service, n) in by_service {
        let allowed = budget.iter().find(|(s, _)| s == service).map_or(0, |b| b.1);
        assert!(
            n.as_u64().unwrap() <= allowed,
            "{service}: {n} calls, the budget is {allowed}"
        );
    }
    assert!(calls <= budget.iter().map(|b| b.1).sum::<u64>());
    let before = std::fs::read(p.state_path()).unwrap();

    // Behind hcprov's back.
    let sg = id(&state, "ec2_security_group.lambda");
    let key = id(&state, "kms_key.main");
    let vpc = id(&state, "ec2_vpc.main");
    block_on(async {
        let sdk = moto.sdk().await;
        let ec2 = aws_sdk_ec2::Client::new(&sdk);
        let rule = aws_sdk_ec2::types::IpPermission::builder()
            .ip_protocol("tcp")
            .from_port(22)
            .to_port(22)
            .ip_ranges(
                aws_sdk_ec2::types::IpRange::builder()
                    .cidr_ip("10.9.0.0/16")
                    .build(),
            )
            .build();
        ec2.authorize_security_group_ingress()
            .group_id(&sg)
            .ip_permissions(rule)
            .send()
            .await
            .unwrap();
        ec2.create_tags()
            .resources(&vpc)
            .tags(
                aws_sdk_ec2::types::Tag::builder()
                    .key("Name")
                    .value("hand-edited")
                    .build(),
            )
            .send()
            .await
            .unwrap();
        aws_sdk_kms::Client::new(&sdk)
            .disable_key_rotation()
            .key_id(&key)
            .send()
            .await
            .unwrap();
        aws_sdk_cloudwatchlogs::Client::new(&sdk)
            .put_retention_policy()
            .log_group_name("/aws/vpc/healthcare-e2e")
            .retention_in_days(30)
            .send()
            .await
            .unwrap();
        aws_sdk_iam::Client::new(&sdk)
            .delete_role_policy()
            .role_name("healthcare-vpc-flow-log-role-e2e")
            .policy_name("healthcare-vpc-flow-log-policy-e2e")
            .send()
            .await
            .unwrap();
    });

    let r = p.run(&["drift", "--json"]).expect(2).json();
    let got = report(&r);
    let mut vpc_tags = state["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["address"] == "ec2_vpc.main")
        .unwrap()["attributes"]["tags"]
        .clone();
    let recorded_tags = vpc_tags.clone();
    vpc_tags["Name"] = json!("hand-edited");
    let want = BTreeMap::from([
        (
            "ec2_security_group.lambda".to_string(),
            (
                "modified".to_string(),
                vec![(
                    "ingress".to_string(),
                    json!([]),
                    json!([{"protocol": "tcp", "from_port": 22, "to_port": 22, "description": "", "cidr_block": "10.9.0.0/16"}]),
                )],
            ),
        ),
        (
            "ec2_vpc.main".to_string(),
            (
                "modified".to_string(),
                vec![("tags".to_string(), recorded_tags, vpc_tags)],
            ),
        ),
        (
            "iam_role_policy.vpc_flow_log".to_string(),
            ("deleted".to_string(), vec![]),
        ),
        (
            "kms_key.main".to_string(),
            (
                "modified".to_string(),
                vec![("enable_key_rotation".to_string(), json!(true), json!(false))],
            ),
        ),
        (
            "logs_log_group.vpc_flow_logs".to_string(),
            (
                "modified".to_string(),
                vec![("retention_in_days".to_string(), json!(90), json!(30))],
            ),
        ),
    ]);
    assert_eq!(got, want);
    assert_eq!(
        r["counts"],
        json!({"total": resources, "in_sync": resources - 5, "modified": 4, "deleted": 1, "unreadable": 0, "untracked": 0, "violations": 2})
    );
    // Two of the changes also break HIPAA rules: rotation off, retention
    // below the minimum.
    let violated: Vec<(&str, &str)> = r["policy"]["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["rule"].as_str().unwrap(), v["address"].as_str().unwrap()))
        .collect();
    assert_eq!(
        violated,
        [
            ("HC-KMS-ROTATION", "kms_key.main"),
            ("HC-LOG-RETENTION", "logs_log_group.vpc_flow_logs")
        ]
    );
    assert_eq!(r["exit_code"], 2);
    let human = p.run(&["drift"]).expect(2);
    assert!(
        human.stdout.contains("~ kms_key.main")
            && human
                .stdout
                .contains("~ enable_key_rotation = true -> false"),
        "{}",
        human.stdout
    );
    assert_eq!(
        std::fs::read(p.state_path()).unwrap(),
        before,
        "drift never writes the state"
    );

    // A read that fails (access denied on DescribeKey) is unreadable: exit 1.
    let proxy = Proxy::start(
        &moto.url,
        Arc::new(|seen| {
            seen.mentions("TrentService.DescribeKey").then(|| {
                Fault::json_error(
                    400,
                    "AccessDeniedException",
                    "not authorized to perform kms:DescribeKey",
                )
            })
        }),
    );
    let denied = p
        .command(&["drift", "--json", "--endpoint-url", &proxy.url])
        .output()
        .unwrap();
    assert_eq!(
        denied.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&denied.stderr)
    );
    let denied: Value = serde_json::from_slice(&denied.stdout).unwrap();
    let key_row = denied["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["address"] == "kms_key.main")
        .unwrap();
    assert_eq!(key_row["status"], "unreadable");
    assert!(
        key_row["error"].as_str().unwrap().contains("AccessDenied"),
        "{key_row}"
    );
    assert_eq!(denied["counts"]["unreadable"], 1);
    assert!(proxy.faults.load(std::sync::atomic::Ordering::SeqCst) >= 1);
    // The reported API-call count is what actually crossed the wire.
    assert_eq!(
        denied["api_calls"]["total"].as_u64().unwrap() as usize,
        proxy.log.lock().unwrap().len()
    );
    assert_eq!(
        std::fs::read(p.state_path()).unwrap(),
        before,
        "drift never writes the state"
    );

    // The shipped nightly wrapper keeps the report and alerts on exit 2.
    let alert_log = p.dir.path().join("alerts.log");
    let alert = p.dir.path().join("alert.sh");
    std::fs::write(
        &alert,
        format!("#!/bin/sh\necho \"$2 $1\" >> {}\n", alert_log.display()),
    )
    .unwrap();
    std::fs::set_permissions(&alert, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let wrapper = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/nightly/hcprov-drift");
    // The same clean environment hcprov runs with in every test.
    let base = p.command(&[]);
    let status = std::process::Command::new(&wrapper)
        .current_dir(p.dir.path())
        .env_clear()
        .envs(
            base.get_envs()
                .filter_map(|(k, v)| v.map(|v| (k.to_owned(), v.to_owned()))),
        )
        .env("HCPROV", env!("CARGO_BIN_EXE_hcprov"))
        .env("ALERT_COMMAND", &alert)
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(2));
    let latest: Value = serde_json::from_slice(
        &std::fs::read(p.dir.path().join("state/drift/latest.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(latest["counts"]["modified"], 4);
    let alerted = std::fs::read_to_string(&alert_log).unwrap();
    assert!(alerted.starts_with("2 state/drift/drift-"), "{alerted}");

    // plan shows the drift first, apply puts it back, drift is clean again.
    let plan = p.run(&["plan"]).expect(0);
    assert!(
        plan.stdout.starts_with("Account 123456789012 as ")
            && plan.stdout.lines().nth(1) == Some("Changed outside hcprov since the last apply:"),
        "{}",
        plan.stdout
    );
    // Putting retention back up from 30 to 90 days and rotation back on
    // weaken nothing, so apply asks nothing, even off a terminal.
    p.run(&["apply"]).expect(0);
    p.run(&["drift"]).expect(0);
    // Cutting retention (365 to 90 days) deletes logs: a weakening update,
    // which off a terminal needs the flag.
    let base = BASE_CONFIG.replace("[backup]", &format!("{SLICE}[backup]"));
    p.write_config(&format!(
        "{base}\n[network]\nflow_log_retention_days = 365\n"
    ));
    p.run(&["apply"]).expect(0);
    p.write_config(&base);
    let refused = p.run(&["apply"]).expect(1);
    assert!(
        refused.stderr.contains("logs_log_group.vpc_flow_logs"),
        "{}",
        refused.stderr
    );
    p.run(&["apply", "--auto-approve"]).expect(0);
    p.run(&["drift"]).expect(0);
}

/// A key disabled behind hcprov's back makes every store it encrypts
/// unreadable: drift reports it, and apply enables the key again.
#[test]
fn a_disabled_key_is_drift_and_apply_enables_it() {
    let moto = Moto::start();
    let p = Project::new(
        &moto.url,
        &BASE_CONFIG.replace("[backup]", &format!("{SLICE}[backup]")),
    );
    p.run(&["apply"]).expect(0);
    let key = id(&p.state(), "kms_key.main");
    block_on(async {
        let kms = aws_sdk_kms::Client::new(&moto.sdk().await);
        kms.disable_key().key_id(&key).send().await.unwrap();
    });
    let r = p.run(&["drift", "--json"]).expect(2).json();
    let drifted = report(&r);
    assert_eq!(
        drifted["kms_key.main"],
        (
            "modified".to_string(),
            vec![("enabled".to_string(), json!(true), json!(false))]
        ),
        "{r:#}"
    );
    assert_eq!(
        drifted.values().filter(|(s, _)| s != "in_sync").count(),
        1,
        "only the key: {r:#}"
    );
    p.run(&["apply"]).expect(0);
    p.run(&["drift"]).expect(0);
    block_on(async {
        let kms = aws_sdk_kms::Client::new(&moto.sdk().await);
        let d = kms.describe_key().key_id(&key).send().await.unwrap();
        assert!(d.key_metadata().unwrap().enabled());
    });
}

/// The recorded attributes of `address` in `state`.
fn recorded(state: &Value, address: &str) -> Value {
    state["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["address"] == address)
        .unwrap()["attributes"]
        .clone()
}

#[test]
fn a_method_integration_and_a_tag_changed_by_hand_are_found_by_the_folded_reads() {
    let moto = Moto::start();
    let p = Project::new(&moto.url, BASE_CONFIG);
    p.run(&["apply"]).expect(0);
    let state = p.state();
    let integration = recorded(&state, "apigateway_integration.patients_post");
    let key = id(&state, "kms_key.main");
    // Requests for the patient API sent to another function, and a tag
    // changed on the key (whose tags come from the bulk tagging read).
    let elsewhere = block_on(async {
        let sdk = moto.sdk().await;
        let other = aws_sdk_lambda::Client::new(&sdk)
            .get_function()
            .function_name("healthcare-health-check-e2e")
            .send()
            .await
            .unwrap();
        let arn = other.configuration().unwrap().function_arn().unwrap();
        let uri = format!(
            "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{arn}/invocations"
        );
        aws_sdk_apigateway::Client::new(&sdk)
            .put_integration()
            .rest_api_id(integration["rest_api_id"].as_str().unwrap())
            .resource_id(integration["resource_id"].as_str().unwrap())
            .http_method("POST")
            .r#type(aws_sdk_apigateway::types::IntegrationType::AwsProxy)
            .integration_http_method("POST")
            .uri(&uri)
            .timeout_in_millis(1000)
            .send()
            .await
            .unwrap();
        aws_sdk_kms::Client::new(&sdk)
            .tag_resource()
            .key_id(&key)
            .tags(
                aws_sdk_kms::types::Tag::builder()
                    .tag_key("Environment")
                    .tag_value("hand-edited")
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
        uri
    });
    let r = p.run(&["drift", "--json"]).expect(2).json();
    let drifted = report(&r);
    let names = |address: &str| -> Vec<String> {
        let mut n: Vec<String> = drifted[address].1.iter().map(|a| a.0.clone()).collect();
        n.sort();
        n
    };
    assert_eq!(drifted.len(), 2, "{r:#}");
    assert_eq!(
        names("apigateway_integration.patients_post"),
        ["timeout_ms", "uri"],
        "{r:#}"
    );
    assert_eq!(names("kms_key.main"), ["tags"], "{r:#}");
    // The resources, methods and integrations of the API: one listing.
    let api_calls = &r["api_calls"]["by_service"]["apigateway"];
    assert!(api_calls.as_u64().unwrap() <= 4, "{api_calls}");

    p.run(&["apply"]).expect(0);
    p.run(&["drift"]).expect(0);
    block_on(async {
        let sdk = moto.sdk().await;
        let i = aws_sdk_apigateway::Client::new(&sdk)
            .get_integration()
            .rest_api_id(integration["rest_api_id"].as_str().unwrap())
            .resource_id(integration["resource_id"].as_str().unwrap())
            .http_method("POST")
            .send()
            .await
            .unwrap();
        assert_eq!(i.uri(), integration["uri"].as_str());
        assert_ne!(i.uri(), Some(elsewhere.as_str()));
    });
}
