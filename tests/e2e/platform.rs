//! The whole HIPAA platform on the emulator: apply from empty, every object
//! of the seed read back through the SDK with the seed's settings, a no-op
//! plan, a handler edit that is exactly one in-place code update, destroy.

use serde_json::{json, Value};

use super::harness::{block_on, id, Moto, Project, BASE_CONFIG};
use super::inventory;

#[test]
fn whole_platform_apply_verify_code_update_destroy() {
    let moto = Moto::start();
    let p = Project::new(&moto.url, BASE_CONFIG);

    let plan = p.run(&["plan", "--json"]).expect(0).json();
    let planned = plan["summary"]["create"].as_u64().unwrap() as usize;
    p.run(&["apply"]).expect(0);

    // Everything exists, found through the SDK, one per planned create.
    let inv = block_on(inventory::platform(&moto, "e2e"));
    let counts = inventory::counts(&inv);
    assert_eq!(counts, inventory::expected_platform(), "{inv:#?}");
    assert_eq!(
        counts.values().sum::<usize>(),
        planned,
        "plan's create count matches what exists"
    );

    let state = p.state();
    let outputs = p.run(&["output", "--json"]).expect(0).json();
    let kms_arn = outputs["kms_key_arn"].as_str().unwrap().to_string();
    let api_id = id(&state, "apigateway_rest_api.main");
    assert_eq!(
        outputs["api_gateway_endpoint"],
        json!(format!(
            "https://{api_id}.execute-api.us-east-1.amazonaws.com/prod"
        ))
    );
    assert_eq!(
        outputs["data_bucket_name"],
        json!("healthcare-data-e2e-123456789012-us-east-1")
    );
    assert_eq!(
        outputs["dynamodb_table_name"],
        json!("healthcare-patient-records-e2e")
    );
    assert!(outputs["cloudwatch_dashboard_url"]
        .as_str()
        .unwrap()
        .ends_with("region=us-east-1#dashboards:name=healthcare-dashboard-e2e"));
    assert_eq!(
        p.run(&["output", "data_bucket_name"])
            .expect(0)
            .stdout
            .trim(),
        "healthcare-data-e2e-123456789012-us-east-1"
    );

    block_on(super::protections::check(&moto, "e2e", &api_id, &kms_arn));
    block_on(async {
        let sdk = moto.sdk().await;
        // Storage.
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&sdk)
                .force_path_style(true)
                .build(),
        );
        let b = "healthcare-data-e2e-123456789012-us-east-1";
        assert_eq!(
            s3.get_bucket_versioning()
                .bucket(b)
                .send()
                .await
                .unwrap()
                .status()
                .unwrap()
                .as_str(),
            "Enabled"
        );
        let enc = s3.get_bucket_encryption().bucket(b).send().await.unwrap();
        let rule = &enc.server_side_encryption_configuration().unwrap().rules()[0];
        let d = rule.apply_server_side_encryption_by_default().unwrap();
        assert_eq!(
            (d.sse_algorithm().as_str(), d.kms_master_key_id()),
            ("aws:kms", Some(kms_arn.as_str()))
        );
        let pab = s3.get_public_access_block().bucket(b).send().await.unwrap();
        let c = pab.public_access_block_configuration().unwrap();
        assert_eq!(
            [
                c.block_public_acls(),
                c.block_public_policy(),
                c.ignore_public_acls(),
                c.restrict_public_buckets()
            ],
            [Some(true); 4]
        );
        let lc = s3
            .get_bucket_lifecycle_configuration()
            .bucket(b)
            .send()
            .await
            .unwrap();
        let t = &lc.rules()[0].transitions()[0];
        assert_eq!(
            (t.days(), t.storage_class().unwrap().as_str()),
            (Some(30), "STANDARD_IA")
        );
        let pol = s3
            .get_bucket_policy()
            .bucket("healthcare-cloudtrail-e2e-123456789012-us-east-1")
            .send()
            .await
            .unwrap();
        assert!(pol.policy().unwrap().contains("AWSCloudTrailWrite"));
        let ct = aws_sdk_cloudtrail::Client::new(&sdk);
        let trail = ct
            .describe_trails()
            .trail_name_list("healthcare-trail-e2e")
            .send()
            .await
            .unwrap();
        let trail = &trail.trail_list()[0];
        assert_eq!(
            (
                trail.is_multi_region_trail(),
                trail.include_global_service_events()
            ),
            (Some(true), Some(true))
        );
        assert_eq!(
            ct.get_trail_status()
                .name("healthcare-trail-e2e")
                .send()
                .await
                .unwrap()
                .is_logging(),
            Some(true)
        );
        let ddb = aws_sdk_dynamodb::Client::new(&sdk);
        let table = ddb
            .describe_table()
            .table_name("healthcare-patient-records-e2e")
            .send()
            .await
            .unwrap();
        let table = table.table().unwrap();
        assert_eq!(
            table
                .billing_mode_summary()
                .unwrap()
                .billing_mode()
                .unwrap()
                .as_str(),
            "PAY_PER_REQUEST"
        );
        assert_eq!(table.key_schema()[0].attribute_name(), "patient_id");
        assert_eq!(
            table.sse_description().unwrap().kms_master_key_arn(),
            Some(kms_arn.as_str())
        );
        let pitr = ddb
            .describe_continuous_backups()
            .table_name("healthcare-patient-records-e2e")
            .send()
            .await
            .unwrap();
        let pitr = pitr
            .continuous_backups_description()
            .unwrap()
            .point_in_time_recovery_description()
            .unwrap();
        assert_eq!(
            pitr.point_in_time_recovery_status().unwrap().as_str(),
            "ENABLED"
        );

        // Compute.
        let lambda = aws_sdk_lambda::Client::new(&sdk);
        let logs = aws_sdk_cloudwatchlogs::Client::new(&sdk);
        for (f, mem, timeout) in [
            ("data-processor", 512, 60),
            ("health-check", 256, 30),
            ("remediation", 256, 60),
        ] {
            let name = format!("healthcare-{f}-e2e");
            let c = lambda
                .get_function_configuration()
                .function_name(&name)
                .send()
                .await
                .unwrap();
            assert_eq!(
                (c.runtime().unwrap().as_str(), c.memory_size(), c.timeout()),
                ("python3.11", Some(mem), Some(timeout)),
                "{name}"
            );
            assert_eq!(
                c.environment().unwrap().variables().unwrap()["ENVIRONMENT"],
                "e2e"
            );
            let g = logs
                .describe_log_groups()
                .log_group_name_prefix(format!("/aws/lambda/{name}"))
                .send()
                .await
                .unwrap();
            assert_eq!(g.log_groups()[0].retention_in_days(), Some(90), "{name}");
        }
        let dp = lambda
            .get_function_configuration()
            .function_name("healthcare-data-processor-e2e")
            .send()
            .await
            .unwrap();
        let vars = dp.environment().unwrap().variables().unwrap();
        assert_eq!(
            (
                vars["DATA_BUCKET"].as_str(),
                vars["DYNAMODB_TABLE"].as_str()
            ),
            (
                "healthcare-data-e2e-123456789012-us-east-1",
                "healthcare-patient-records-e2e"
            )
        );
        let mut subnets = dp.vpc_config().unwrap().subnet_ids().to_vec();
        subnets.sort();
        let mut private: Vec<String> = outputs["private_subnet_ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect();
        private.sort();
        assert_eq!(subnets, private);
        assert_eq!(
            dp.vpc_config().unwrap().security_group_ids(),
            [outputs["lambda_security_group_id"].as_str().unwrap()]
        );

        // API.
        let api = aws_sdk_apigateway::Client::new(&sdk);
        let a = api
            .get_rest_api()
            .rest_api_id(&api_id)
            .send()
            .await
            .unwrap();
        assert_eq!(
            a.endpoint_configuration().unwrap().types()[0].as_str(),
            "REGIONAL"
        );
        let res = api
            .get_resources()
            .rest_api_id(&api_id)
            .send()
            .await
            .unwrap();
        let patients = res
            .items()
            .iter()
            .find(|r| r.path() == Some("/patients"))
            .unwrap();
        let integ = api
            .get_integration()
            .rest_api_id(&api_id)
            .resource_id(patients.id().unwrap())
            .http_method("POST")
            .send()
            .await
            .unwrap();
        assert_eq!(integ.r#type().unwrap().as_str(), "AWS_PROXY");
        assert!(integ.uri().unwrap().contains(dp.function_arn().unwrap()));
        assert!(api
            .get_stage()
            .rest_api_id(&api_id)
            .stage_name("prod")
            .send()
            .await
            .is_ok());
        let policy = lambda
            .get_policy()
            .function_name("healthcare-data-processor-e2e")
            .send()
            .await
            .unwrap();
        assert!(policy
            .policy()
            .unwrap()
            .contains("apigateway.amazonaws.com"));

        // Monitoring.
        let topic = id(&state, "sns_topic.alerts");
        let cw = aws_sdk_cloudwatch::Client::new(&sdk);
        let alarms = cw
            .describe_alarms()
            .alarm_name_prefix("healthcare-")
            .send()
            .await
            .unwrap();
        assert_eq!(alarms.metric_alarms().len(), 5);
        for a in alarms.metric_alarms() {
            assert_eq!(
                a.alarm_actions(),
                std::slice::from_ref(&topic),
                "{:?}",
                a.alarm_name()
            );
        }
        let dash = cw
            .get_dashboard()
            .dashboard_name("healthcare-dashboard-e2e")
            .send()
            .await
            .unwrap();
        let body: Value = serde_json::from_str(dash.dashboard_body().unwrap()).unwrap();
        assert!(body["widgets"]
            .as_array()
            .unwrap()
            .iter()
            .all(|w| w["properties"]["region"] == "us-east-1"));
        let ev = aws_sdk_eventbridge::Client::new(&sdk);
        let rule = ev
            .describe_rule()
            .name("healthcare-auto-remediation-e2e")
            .send()
            .await
            .unwrap();
        let pattern: Value = serde_json::from_str(rule.event_pattern().unwrap()).unwrap();
        assert_eq!(
            pattern["detail-type"],
            json!(["CloudWatch Alarm State Change"])
        );
        let targets = ev
            .list_targets_by_rule()
            .rule("healthcare-auto-remediation-e2e")
            .send()
            .await
            .unwrap();
        let rem = lambda
            .get_function_configuration()
            .function_name("healthcare-remediation-e2e")
            .send()
            .await
            .unwrap();
        assert_eq!(targets.targets()[0].arn(), rem.function_arn().unwrap());

        // Backup.
        let backup = aws_sdk_backup::Client::new(&sdk);
        let vault = backup
            .describe_backup_vault()
            .backup_vault_name("healthcare-backup-vault-e2e")
            .send()
            .await
            .unwrap();
        assert_eq!(vault.encryption_key_arn(), Some(kms_arn.as_str()));
        let plan = backup
            .get_backup_plan()
            .backup_plan_id(id(&state, "backup_plan.daily"))
            .send()
            .await
            .unwrap();
        let r = &plan.backup_plan().unwrap().rules()[0];
        assert_eq!(r.schedule_expression(), Some("cron(0 2 * * ? *)"));
        assert_eq!(r.lifecycle().unwrap().delete_after_days(), Some(7));
    });

    // Nothing to do right after.
    p.run(&["plan", "--detailed-exitcode"]).expect(0);

    // One handler edited: exactly one in-place code update of its function.
    let handler = p.dir.path().join("lambdas/health_check.py");
    let mut src = std::fs::read_to_string(&handler).unwrap();
    src.push_str("\n# revision 2\n");
    std::fs::write(&handler, src).unwrap();
    let plan = p
        .run(&["plan", "--json", "--detailed-exitcode"])
        .expect(2)
        .json();
    let changed: Vec<&Value> = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["action"] != "no_op")
        .collect();
    assert_eq!(changed.len(), 1, "{changed:#?}");
    assert_eq!(changed[0]["address"], "lambda_function.health_check");
    assert_eq!(changed[0]["action"], "update");
    let attrs: Vec<&str> = changed[0]["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(attrs, ["source_code_hash"]);
    let new_hash = changed[0]["attributes"][0]["after"]
        .as_str()
        .unwrap()
        .to_string();
    p.run(&["apply"]).expect(0);
    p.run(&["plan", "--detailed-exitcode"]).expect(0);
    block_on(async {
        let lambda = aws_sdk_lambda::Client::new(&moto.sdk().await);
        let c = lambda
            .get_function_configuration()
            .function_name("healthcare-health-check-e2e")
            .send()
            .await
            .unwrap();
        assert_eq!(c.code_sha256(), Some(new_hash.as_str()));
    });

    // A change to what the API serves (the integration's timeout): the
    // integration updates in place, a new deployment replaces the old one
    // (create-before-destroy), and the stage moves to it.
    let old_deployment = id(&p.state(), "apigateway_deployment.main");
    p.write_config(&format!(
        "{BASE_CONFIG}\n[api]\nintegration_timeout_ms = 10000\n"
    ));
    let plan = p
        .run(&["plan", "--json", "--detailed-exitcode"])
        .expect(2)
        .json();
    let changed: Vec<(String, String, Vec<String>)> = super::harness::changes(&plan);
    assert_eq!(
        changed,
        vec![
            (
                "apigateway_integration.patients_post".to_string(),
                "update".to_string(),
                vec!["timeout_ms".to_string()]
            ),
            (
                "apigateway_deployment.main".to_string(),
                "replace".to_string(),
                vec!["description".to_string()]
            ),
            (
                "apigateway_stage.prod".to_string(),
                "update".to_string(),
                vec!["deployment_id".to_string()]
            ),
        ]
    );
    // The old deployment is deleted: off a terminal that needs the flag.
    p.run(&["apply", "--auto-approve"]).expect(0);
    p.run(&["plan", "--detailed-exitcode"]).expect(0);
    let new_deployment = id(&p.state(), "apigateway_deployment.main");
    assert_ne!(new_deployment, old_deployment);
    block_on(async {
        let api = aws_sdk_apigateway::Client::new(&moto.sdk().await);
        let deployments = api
            .get_deployments()
            .rest_api_id(&api_id)
            .send()
            .await
            .unwrap();
        let ids: Vec<&str> = deployments.items().iter().filter_map(|d| d.id()).collect();
        assert_eq!(ids, [new_deployment.as_str()], "the old deployment is gone");
        let stage = api
            .get_stage()
            .rest_api_id(&api_id)
            .stage_name("prod")
            .send()
            .await
            .unwrap();
        assert_eq!(stage.deployment_id(), Some(new_deployment.as_str()));
    });

    // Versioned objects in the data bucket: destroy empties the bucket first,
    // like force_destroy. (No delete marker here: moto crashes deleting one
    // from a bucket whose versioning was suspended, which destroy does
    // first; see the README.)
    block_on(async {
        let sdk = moto.sdk().await;
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&sdk)
                .force_path_style(true)
                .build(),
        );
        for body in ["v1", "v2"] {
            s3.put_object()
                .bucket("healthcare-data-e2e-123456789012-us-east-1")
                .key("patient-records/p-1/a.json")
                .body(body.as_bytes().to_vec().into())
                .send()
                .await
                .unwrap();
        }
        let v = s3
            .list_object_versions()
            .bucket("healthcare-data-e2e-123456789012-us-east-1")
            .send()
            .await
            .unwrap();
        assert_eq!(v.versions().len(), 2);
    });

    // Destroy: nothing of the stack remains, checked through the SDK.
    p.run(&["destroy", "--force"]).expect(0);
    let inv = block_on(inventory::platform(&moto, "e2e"));
    assert!(inv.values().all(Vec::is_empty), "left behind: {inv:#?}");
    assert_eq!(p.state()["resources"], json!([]));
}
