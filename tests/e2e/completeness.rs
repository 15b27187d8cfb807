//! Drift completeness on the serverless platform: one out-of-band change
//! per managed switch class and per exclusive set class the emulator can
//! express, each reported with its exact attribute (exit 2); apply restores
//! them all; a second drift is clean. Then the exceptions: a deny-only
//! inline policy is reported but kept (a customer's deny-only managed
//! policy is not, nor anything on a guard such as the remediation role),
//! a shared set is reported but left, and an
//! object carrying the environment's lineage tag outside the state comes
//! back `untracked`. Last, a state from before a setting was compared
//! gets it recorded by the next apply.

use serde_json::Value;

use super::harness::{block_on, id, Moto, Project, BASE_CONFIG};
use super::outofband::{
    attach_read_only, drifted, expire_everything, expose, exposed, leak, leaks, open_and_throttle,
    pairs, role_policies, widen_vpc, READ_ONLY,
};

/// A message data-protection policy that denies every message naming a
/// person (SNS's documented shape).
const BLOCK_ALERTS: &str = r#"{"Name":"__block","Description":"","Version":"2021-06-01","Statement":[{"Sid":"deny","DataDirection":"Inbound","Principal":["*"],"DataIdentifier":["arn:aws:dataprotection::aws:data-identifier/Name"],"Operation":{"Deny":{}}}]}"#;

const FUNCTION: &str = "healthcare-data-processor-e2e";
const ROLE: &str = "healthcare-data-processor-role-e2e";
const RULE: &str = "healthcare-auto-remediation-e2e";
/// A guard's role: apply keeps no incident-response exception on it.
const GUARD_ROLE: &str = "healthcare-remediation-role-e2e";

#[test]
fn every_switch_and_owned_set_is_drift_and_apply_restores_them() {
    let moto = Moto::start();
    let p = Project::new(&moto.url, BASE_CONFIG);
    p.run(&["apply"]).expect(0);
    let state = p.state();
    block_on(async {
        let sdk = moto.sdk().await;
        // Switches: a rule, alarm actions, a function's reserved concurrency
        // (1: the API throttled to one request at a time), a stage's
        // tracing, a subnet's public addresses.
        let events = aws_sdk_eventbridge::Client::new(&sdk);
        events.disable_rule().name(RULE).send().await.unwrap();
        aws_sdk_cloudwatch::Client::new(&sdk)
            .disable_alarm_actions()
            .alarm_names("healthcare-lambda-errors-e2e")
            .send()
            .await
            .unwrap();
        let lambda = aws_sdk_lambda::Client::new(&sdk);
        open_and_throttle(&lambda, FUNCTION).await;
        // A published copy behind an alias, and a URL anyone can call.
        expose(&lambda, FUNCTION).await;
        let ec2 = aws_sdk_ec2::Client::new(&sdk);
        ec2.modify_subnet_attribute()
            .subnet_id(id(&state, "ec2_subnet.private_1"))
            .map_public_ip_on_launch(
                aws_sdk_ec2::types::AttributeBooleanValue::builder()
                    .value(true)
                    .build(),
            )
            .send()
            .await
            .unwrap();
        // Address ranges and DNS: what the VPC and a subnet expose.
        widen_vpc(
            &ec2,
            &id(&state, "ec2_vpc.main"),
            &id(&state, "ec2_subnet.private_1"),
        )
        .await;
        aws_sdk_apigateway::Client::new(&sdk)
            .update_stage()
            .rest_api_id(id(&state, "apigateway_rest_api.main"))
            .stage_name("prod")
            .patch_operations(
                aws_sdk_apigateway::types::PatchOperation::builder()
                    .op(aws_sdk_apigateway::types::Op::Replace)
                    .path("/tracingEnabled")
                    .value("true")
                    .build(),
            )
            .send()
            .await
            .unwrap();
        // Sets: a role's attached and inline policies, a rule's targets, a
        // topic's policy (and above, the function's resource policy).
        let iam = aws_sdk_iam::Client::new(&sdk);
        attach_read_only(&iam, ROLE).await;
        iam.put_role_policy()
            .role_name(ROLE)
            .policy_name("hand-made")
            .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#)
            .send()
            .await
            .unwrap();
        events
            .put_targets()
            .rule(RULE)
            .targets(
                aws_sdk_eventbridge::types::Target::builder()
                    .id("exfiltrate")
                    .arn("arn:aws:sns:us-east-1:210987654321:elsewhere")
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
        let topic = id(&state, "sns_topic.alerts");
        let open_policy = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":"*","Action":"SNS:Subscribe","Resource":"{topic}"}}]}}"#
        );
        let sns = aws_sdk_sns::Client::new(&sdk);
        sns.set_topic_attributes()
            .topic_arn(&topic)
            .attribute_name("Policy")
            .attribute_value(open_policy)
            .send()
            .await
            .unwrap();
        // A data-protection policy that blocks every alert carrying a name:
        // the on-call engineer hears nothing.
        sns.put_data_protection_policy()
            .resource_arn(&topic)
            .data_protection_policy(BLOCK_ALERTS)
            .send()
            .await
            .unwrap();
        // Ways out for the data: a key grant, a log stream, replication,
        // notifications, and an expiry on the audit trail.
        leak(&sdk, &state).await;
    });

    let r = p.run(&["drift", "--json"]).expect(2).json();
    let want = pairs(&[
        ("eventbridge_rule.remediation", "state"),
        ("eventbridge_rule.remediation", "target_ids"),
        ("cloudwatch_metric_alarm.lambda_errors", "actions_enabled"),
        (
            "lambda_function.data_processor",
            "reserved_concurrent_executions",
        ),
        ("lambda_function.data_processor", "permission_sids"),
        ("lambda_function.data_processor", "published_versions"),
        ("lambda_function.data_processor", "aliases"),
        ("lambda_function.data_processor", "function_url"),
        ("ec2_subnet.private_1", "map_public_ip_on_launch"),
        ("ec2_subnet.private_1", "ipv6_cidr_blocks"),
        ("ec2_subnet.private_1", "assign_ipv6_address_on_creation"),
        ("ec2_vpc.main", "secondary_cidr_blocks"),
        ("ec2_vpc.main", "ipv6_cidr_blocks"),
        ("ec2_vpc.main", "domain_name_servers"),
        ("apigateway_stage.prod", "tracing_enabled"),
        ("iam_role.data_processor", "managed_policy_arns"),
        ("iam_role.data_processor", "inline_policy_names"),
        ("sns_topic.alerts", "policy"),
        ("sns_topic.alerts", "data_protection_policy"),
        ("kms_key.main", "foreign_grants"),
        ("logs_log_group.data_processor", "subscription_filters"),
        ("s3_bucket.data", "replication_rules"),
        ("s3_bucket.data", "notifications"),
        ("s3_bucket.cloudtrail", "lifecycle_rules"),
        ("dynamodb_table.patient_records", "ttl_attribute"),
        ("dynamodb_table.patient_records", "replicas"),
        ("dynamodb_table.patient_records", "resource_policy"),
        ("dynamodb_table.patient_records", "stream_view_type"),
        ("dynamodb_table.patient_records", "kinesis_destinations"),
        ("s3_bucket.data", "inventories"),
        ("s3_bucket.cloudtrail", "object_ownership"),
        ("s3_bucket_lifecycle.data", "rules"),
        // A global table guards its replicas from being split off.
        (
            "dynamodb_table.patient_records",
            "disassociation_protection",
        ),
    ]);
    assert_eq!(drifted(&r), want, "{r:#}");
    let role = r["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["address"] == "iam_role.data_processor")
        .unwrap();
    let arns = role["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "managed_policy_arns")
        .unwrap();
    assert!(
        arns["after"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a == READ_ONLY)
            && !arns["before"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a == READ_ONLY),
        "{arns}"
    );

    let key = r["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["address"] == "kms_key.main")
        .unwrap();
    let grants = key["attributes"][0]["after"].to_string();
    assert!(
        grants.contains("arn:aws:iam::210987654321:root may Decrypt")
            && !grants.contains("dynamodb"),
        "{grants}"
    );

    // Plan shows the same before its actions; apply puts everything back.
    let plan = p.run(&["plan"]).expect(0).stdout;
    assert!(
        plan.contains("Changed outside hcprov since the last apply:")
            && plan.contains("~ eventbridge_rule.remediation"),
        "{plan}"
    );
    p.run(&["apply", "--auto-approve"]).expect(0);
    let again = p.run(&["drift", "--json"]).expect(0).json();
    assert!(drifted(&again).is_empty(), "{again:#}");
    block_on(async {
        let sdk = moto.sdk().await;
        let (arns, names) = role_policies(&aws_sdk_iam::Client::new(&sdk), ROLE).await;
        assert!(!arns.iter().any(|a| a == READ_ONLY) && !names.iter().any(|n| n == "hand-made"));
        let events = aws_sdk_eventbridge::Client::new(&sdk);
        let targets = events
            .list_targets_by_rule()
            .rule(RULE)
            .send()
            .await
            .unwrap();
        assert_eq!(targets.targets().len(), 1);
        let rule = events.describe_rule().name(RULE).send().await.unwrap();
        assert_eq!(rule.state().map(|s| s.as_str()), Some("ENABLED"));
        let policy = aws_sdk_lambda::Client::new(&sdk)
            .get_policy()
            .function_name(FUNCTION)
            .send()
            .await
            .unwrap();
        assert!(!policy.policy().unwrap().contains("AllowOtherAccount"));
        let protection = aws_sdk_sns::Client::new(&sdk)
            .get_data_protection_policy()
            .resource_arn(id(&state, "sns_topic.alerts"))
            .send()
            .await
            .unwrap();
        assert_eq!(protection.data_protection_policy().unwrap_or(""), "");
        assert_eq!(
            exposed(&aws_sdk_lambda::Client::new(&sdk), FUNCTION).await,
            (0, 0, false)
        );
        // The VPC is back on a DHCP options set of Amazon's DNS servers.
        let ec2 = aws_sdk_ec2::Client::new(&sdk);
        let vpc = ec2
            .describe_vpcs()
            .vpc_ids(id(&state, "ec2_vpc.main"))
            .send()
            .await
            .unwrap();
        let options = vpc.vpcs()[0].dhcp_options_id().unwrap().to_string();
        let set = ec2
            .describe_dhcp_options()
            .dhcp_options_ids(&options)
            .send()
            .await
            .unwrap();
        let servers: Vec<_> = set.dhcp_options()[0]
            .dhcp_configurations()
            .iter()
            .filter(|c| c.key() == Some("domain-name-servers"))
            .flat_map(|c| c.values())
            .filter_map(|v| v.value())
            .collect();
        assert_eq!(servers, ["AmazonProvidedDNS"], "{options}");
        // The foreign grant is revoked, the service's kept; the stream,
        // replication, notifications and expiry are gone.
        assert_eq!(
            leaks(&sdk, &state).await,
            (
                vec!["dynamodb.us-east-1.amazonaws.com".to_string()],
                0,
                [false; 11]
            )
        );
    });
}

#[test]
fn deny_only_policies_stay_shared_sets_are_left_and_lineage_twins_are_untracked() {
    let moto = Moto::start();
    let shared = format!(
        "{BASE_CONFIG}\n[sets]\nshared = [\"iam_role.health_check.managed_policy_arns\"]\n"
    );
    let p = Project::new(&moto.url, &shared);
    p.run(&["apply"]).expect(0);
    let lineage = p.state()["lineage"].as_str().unwrap().to_string();
    let deny = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:TokenIssueTime":"2026-12-01T00:00:00Z"}}}]}"#;
    block_on(async {
        let sdk = moto.sdk().await;
        let iam = aws_sdk_iam::Client::new(&sdk);
        // What the console's "Revoke active sessions" adds.
        iam.put_role_policy()
            .role_name(ROLE)
            .policy_name("AWSRevokeOlderSessions")
            .policy_document(deny)
            .send()
            .await
            .unwrap();
        // A customer managed policy that denies today: its owner could
        // make an allowing version the default tomorrow, so it is not kept.
        let own = iam
            .create_policy()
            .policy_name("looks-harmless")
            .policy_document(deny)
            .send()
            .await
            .unwrap();
        iam.attach_role_policy()
            .role_name(ROLE)
            .policy_arn(own.policy().unwrap().arn().unwrap())
            .send()
            .await
            .unwrap();
        // The same on a guard (the remediation role), with a boundary:
        // apply undoes both there.
        iam.put_role_policy()
            .role_name(GUARD_ROLE)
            .policy_name("AWSRevokeOlderSessions")
            .policy_document(deny)
            .send()
            .await
            .unwrap();
        iam.put_role_permissions_boundary()
            .role_name(GUARD_ROLE)
            .permissions_boundary("arn:aws:iam::aws:policy/AWSDenyAll")
            .send()
            .await
            .unwrap();
        // Another team's addition to a set the configuration shares.
        attach_read_only(&iam, "healthcare-health-check-role-e2e").await;
        // A late twin of the VPC and a hand-made bucket, both with this
        // environment's lineage tag.
        let ec2 = aws_sdk_ec2::Client::new(&sdk);
        let tag = |k: &str, v: &str| aws_sdk_ec2::types::Tag::builder().key(k).value(v).build();
        ec2.create_vpc()
            .cidr_block("10.77.0.0/16")
            .tag_specifications(
                aws_sdk_ec2::types::TagSpecification::builder()
                    .resource_type(aws_sdk_ec2::types::ResourceType::Vpc)
                    .tags(tag("hcprov:lineage", &lineage))
                    .tags(tag("hcprov:address", "ec2_vpc.main"))
                    .build(),
            )
            .send()
            .await
            .unwrap();
    });

    let r = p.run(&["drift", "--json"]).expect(2).json();
    assert_eq!(
        drifted(&r),
        pairs(&[
            ("iam_role.data_processor", "inline_policy_names"),
            ("iam_role.data_processor", "managed_policy_arns"),
            ("iam_role.health_check", "managed_policy_arns"),
            ("iam_role.remediation", "inline_policy_names"),
            ("iam_role.remediation", "permissions_boundary"),
        ]),
        "{r:#}"
    );
    let untracked = r["untracked"].as_array().unwrap();
    assert_eq!(untracked.len(), 1, "{r:#}");
    assert!(untracked[0]["arn"].as_str().unwrap().contains(":vpc/vpc-"));
    assert_eq!(untracked[0]["address"], "ec2_vpc.main");
    assert_eq!(r["counts"]["untracked"], 1);
    let text = p.run(&["drift"]).expect(2).stdout;
    assert!(
        text.contains("carries this environment's lineage tag but is not in the state")
            && text.contains("hcprov import"),
        "{text}"
    );

    // Plan leaves the shared set alone; apply keeps the deny-only policy
    // and the other team's attachment.
    let plan = p.run(&["plan", "--json"]).expect(0).json();
    let role_change = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == "iam_role.health_check")
        .unwrap();
    assert_eq!(role_change["action"], "no_op", "{role_change:#}");
    p.run(&["apply", "--auto-approve"]).expect(0);
    block_on(async {
        let sdk = moto.sdk().await;
        let iam = aws_sdk_iam::Client::new(&sdk);
        let (own, names) = role_policies(&iam, ROLE).await;
        assert!(names.iter().any(|n| n == "AWSRevokeOlderSessions"));
        assert!(
            !own.iter().any(|a| a.ends_with(":policy/looks-harmless")),
            "{own:?}"
        );
        let (_, names) = role_policies(&iam, GUARD_ROLE).await;
        assert!(
            names.iter().all(|n| n != "AWSRevokeOlderSessions"),
            "{names:?}"
        );
        let guard = iam.get_role().role_name(GUARD_ROLE).send().await.unwrap();
        assert!(guard.role().unwrap().permissions_boundary().is_none());
        let (arns, _) = role_policies(&iam, "healthcare-health-check-role-e2e").await;
        assert!(arns.iter().any(|a| a == READ_ONLY));
        // The incident is over: a person takes the deny off.
        iam.delete_role_policy()
            .role_name(ROLE)
            .policy_name("AWSRevokeOlderSessions")
            .send()
            .await
            .unwrap();
    });
    // Still reported: the shared set's addition and the untracked twin.
    let r = p.run(&["drift", "--json"]).expect(2).json();
    assert_eq!(
        drifted(&r),
        pairs(&[("iam_role.health_check", "managed_policy_arns")]),
        "{r:#}"
    );

    // A shared set must name a set its resource owns.
    for (entry, says) in [
        ("iam_role.nope.managed_policy_arns", "names no resource"),
        ("iam_role.health_check.tags", "names no set of iam_role"),
        ("sns_topic.alerts.policy", "that type owns none"),
        ("kms_key.main.policy", "its sets are foreign_grants"),
    ] {
        p.write_config(&format!("{BASE_CONFIG}\n[sets]\nshared = [\"{entry}\"]\n"));
        let bad = p.run(&["plan"]).expect(1);
        assert!(
            bad.stderr.contains("sets.shared[0]") && bad.stderr.contains(says),
            "{}",
            bad.stderr
        );
    }
}

/// A state written before hcprov compared a role's policy sets and the
/// trail bucket's lifecycle (an upgrade), holding a setting hcprov no
/// longer plans, and a lifecycle rule without its newer keys. Drift
/// compares what the state lacks with the planned value from the first
/// run; a no-change apply records the three (the bucket's is read only
/// because the blueprint now holds it) and forgets the retired one, and from then on drift sees a policy attached and an expiry
/// added behind hcprov's back.
#[test]
fn settings_an_older_state_lacks_are_recorded_by_the_next_apply() {
    let moto = Moto::start();
    let p = Project::new(&moto.url, BASE_CONFIG);
    p.run(&["apply"]).expect(0);
    fn attrs<'a>(state: &'a mut Value, address: &str) -> &'a mut serde_json::Map<String, Value> {
        let r = state["resources"].as_array_mut().unwrap().iter_mut();
        r.into_iter().find(|r| r["address"] == address).unwrap()["attributes"]
            .as_object_mut()
            .unwrap()
    }
    let mut old = p.state();
    let role = attrs(&mut old, "iam_role.data_processor");
    role.remove("managed_policy_arns");
    role.insert("retired_setting".into(), serde_json::json!(true));
    attrs(&mut old, "s3_bucket.cloudtrail").remove("lifecycle_rules");
    // A lifecycle rule recorded before a rule had further transitions.
    attrs(&mut old, "s3_bucket_lifecycle.data")["rules"][0]
        .as_object_mut()
        .unwrap()
        .remove("more_transitions");
    std::fs::write(p.state_path(), serde_json::to_vec_pretty(&old).unwrap()).unwrap();

    // Before any apply, drift already compares what the state lacks with
    // the planned value: no false alarm, and an expiry on the trail bucket
    // is seen.
    p.run(&["drift", "--json"]).expect(0);
    let trail_bucket = super::harness::id(&old, "s3_bucket.cloudtrail");
    block_on(async {
        let sdk = moto.sdk().await;
        expire_everything(&aws_sdk_s3::Client::new(&sdk), &trail_bucket).await;
    });
    let r = p.run(&["drift", "--json"]).expect(2).json();
    assert_eq!(
        drifted(&r),
        pairs(&[("s3_bucket.cloudtrail", "lifecycle_rules")]),
        "{r:#}"
    );
    assert_eq!(
        std::fs::read(p.state_path()).unwrap(),
        serde_json::to_vec_pretty(&old).unwrap()
    );
    block_on(async {
        let sdk = moto.sdk().await;
        aws_sdk_s3::Client::new(&sdk)
            .delete_bucket_lifecycle()
            .bucket(&trail_bucket)
            .send()
            .await
            .unwrap();
    });

    let out = p.run(&["apply"]).expect(0).stdout;
    assert!(
        out.contains("Recorded 3 settings the state did not hold yet")
            && out.contains("Forgot 1 settings the configuration no longer plans"),
        "{out}"
    );
    let mut now = p.state();
    let role = attrs(&mut now, "iam_role.data_processor");
    assert!(role["managed_policy_arns"].is_array() && !role.contains_key("retired_setting"));
    assert_eq!(
        attrs(&mut now, "s3_bucket_lifecycle.data")["rules"][0]["more_transitions"],
        serde_json::json!([])
    );
    assert_eq!(
        attrs(&mut now, "s3_bucket.cloudtrail")["lifecycle_rules"],
        serde_json::json!([])
    );
    assert_eq!(now["serial"], old["serial"].as_i64().unwrap() + 1);
    let state = p.state();
    block_on(async {
        let sdk = moto.sdk().await;
        attach_read_only(&aws_sdk_iam::Client::new(&sdk), ROLE).await;
        leak(&sdk, &state).await;
    });
    let r = p.run(&["drift", "--json"]).expect(2).json();
    let found = drifted(&r);
    for pair in [
        ("iam_role.data_processor", "managed_policy_arns"),
        ("s3_bucket.cloudtrail", "lifecycle_rules"),
    ] {
        assert!(
            found.contains(&(pair.0.to_string(), pair.1.to_string())),
            "{pair:?} in {found:?}"
        );
    }
}
