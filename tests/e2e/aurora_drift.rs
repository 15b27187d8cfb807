//! Drift on the `aurora-redis-api` platform: one out-of-band change per
//! managed switch and per owned set the emulator can express, each reported
//! with its exact attribute (exit 2); apply restores them all; a second
//! drift is clean.

use std::collections::BTreeSet;

use aws_sdk_elasticache::types::AuthTokenUpdateStrategyType as Strategy;

use super::aurora::{example_config, redis_token};
use super::harness::{block_on, id, Moto, Project};
use super::outofband::{attach_read_only, drifted, open_and_throttle};

#[test]
fn aurora_drift_sees_every_out_of_band_change_and_apply_restores_it() {
    let moto = Moto::start();
    let p = Project::new(&moto.url, &example_config());
    p.run(&["apply", "--auto-approve"]).expect(0);
    let state = p.state();
    block_on(async {
        let sdk = moto.sdk().await;
        let kms = aws_sdk_kms::Client::new(&sdk);
        kms.disable_key()
            .key_id(id(&state, "kms_key.main"))
            .send()
            .await
            .unwrap();
        let sm = aws_sdk_secretsmanager::Client::new(&sdk);
        let secret = id(&state, "secretsmanager_secret.redis_auth");
        // A token of someone else's put into the secret: the next apply
        // would hand it to the cache as hcprov's.
        sm.put_secret_value()
            .secret_id(&secret)
            .secret_string("someone-elses-token-0123456789")
            .send()
            .await
            .unwrap();
        let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::210987654321:root"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}"#;
        sm.put_resource_policy()
            .secret_id(&secret)
            .resource_policy(policy)
            .send()
            .await
            .unwrap();
        let function = aws_sdk_lambda::Client::new(&sdk)
            .get_function()
            .function_name("healthcare-patient-api-e2e")
            .send()
            .await
            .unwrap();
        sm.rotate_secret()
            .secret_id(&secret)
            .rotation_lambda_arn(function.configuration().unwrap().function_arn().unwrap())
            // Scheduled, not at once: moto would move AWSCURRENT to a
            // version the function never made (AWS keeps it when a
            // rotation fails).
            .rotate_immediately(false)
            .rotation_rules(
                aws_sdk_secretsmanager::types::RotationRulesType::builder()
                    .automatically_after_days(30)
                    .build(),
            )
            .send()
            .await
            .unwrap();
        sm.replicate_secret_to_regions()
            .secret_id(&secret)
            .add_replica_regions(
                aws_sdk_secretsmanager::types::ReplicaRegionType::builder()
                    .region("us-west-2")
                    .build(),
            )
            .send()
            .await
            .unwrap();
        // The function's owned sets (its role's policies, its resource
        // policy) and its reserved concurrency.
        attach_read_only(
            &aws_sdk_iam::Client::new(&sdk),
            "healthcare-patient-api-role-e2e",
        )
        .await;
        open_and_throttle(
            &aws_sdk_lambda::Client::new(&sdk),
            "healthcare-patient-api-e2e",
        )
        .await;
        let api = aws_sdk_apigatewayv2::Client::new(&sdk);
        let api_id = id(&state, "apigatewayv2_api.main");
        api.update_api()
            .api_id(&api_id)
            .cors_configuration(
                aws_sdk_apigatewayv2::types::Cors::builder()
                    .allow_origins("*")
                    .build(),
            )
            .send()
            .await
            .unwrap();
        api.update_stage()
            .api_id(&api_id)
            .stage_name("$default")
            .route_settings(
                "GET /patients/{id}",
                aws_sdk_apigatewayv2::types::RouteSettings::builder()
                    .throttling_rate_limit(5000.0)
                    .throttling_burst_limit(5000)
                    .build(),
            )
            .send()
            .await
            .unwrap();
        let ec = aws_sdk_elasticache::Client::new(&sdk);
        ec.modify_replication_group()
            .replication_group_id("hc-redis-e2e")
            .apply_immediately(true)
            .auto_minor_version_upgrade(false)
            .transit_encryption_mode(aws_sdk_elasticache::types::TransitEncryptionMode::Preferred)
            .send()
            .await
            .unwrap();
        // The AUTH token replaced by one the secret does not hold: clients
        // that read the secret are locked out, whoever set it is let in.
        for strategy in [Strategy::Rotate, Strategy::Set] {
            ec.modify_replication_group()
                .replication_group_id("hc-redis-e2e")
                .apply_immediately(true)
                .auth_token("someone-elses-token-0123456789")
                .auth_token_update_strategy(strategy)
                .send()
                .await
                .unwrap();
        }
        let rds = aws_sdk_rds::Client::new(&sdk);
        rds.modify_db_cluster()
            .db_cluster_identifier("healthcare-db-e2e")
            .backup_retention_period(1)
            .apply_immediately(true)
            .send()
            .await
            .unwrap();
        // A manual snapshot, shared with another account: the database
        // handed over.
        rds.create_db_cluster_snapshot()
            .db_cluster_identifier("healthcare-db-e2e")
            .db_cluster_snapshot_identifier("handover")
            .send()
            .await
            .unwrap();
        rds.modify_db_cluster_snapshot_attribute()
            .db_cluster_snapshot_identifier("handover")
            .attribute_name("restore")
            .values_to_add("210987654321")
            .send()
            .await
            .unwrap();
        let ec2 = aws_sdk_ec2::Client::new(&sdk);
        let open = |port: i32| {
            aws_sdk_ec2::types::IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(port)
                .to_port(port)
                .ip_ranges(
                    aws_sdk_ec2::types::IpRange::builder()
                        .cidr_ip("0.0.0.0/0")
                        .build(),
                )
                .build()
        };
        ec2.authorize_security_group_ingress()
            .group_id(id(&state, "ec2_security_group.database"))
            .ip_permissions(open(5432))
            .send()
            .await
            .unwrap();
        ec2.authorize_security_group_egress()
            .group_id(id(&state, "ec2_security_group.lambda"))
            .ip_permissions(open(443))
            .send()
            .await
            .unwrap();
    });

    let r = p.run(&["drift", "--json"]).expect(2).json();
    let found = drifted(&r);
    let want: BTreeSet<(String, String)> = [
        ("kms_key.main", "enabled"),
        ("secretsmanager_secret.redis_auth", "resource_policy"),
        ("secretsmanager_secret.redis_auth", "rotation_enabled"),
        ("secretsmanager_secret.redis_auth", "replica_regions"),
        ("secretsmanager_secret.redis_auth", "current_version"),
        ("apigatewayv2_api.main", "cors_configuration"),
        ("apigatewayv2_stage.default", "route_settings"),
        (
            "elasticache_replication_group.main",
            "auto_minor_version_upgrade",
        ),
        (
            "elasticache_replication_group.main",
            "transit_encryption_mode",
        ),
        (
            "elasticache_replication_group.main",
            "auth_token_last_modified",
        ),
        ("rds_cluster.main", "backup_retention_period"),
        ("rds_cluster.main", "shared_snapshots"),
        ("iam_role.patient_api", "managed_policy_arns"),
        ("lambda_function.patient_api", "permission_sids"),
        (
            "lambda_function.patient_api",
            "reserved_concurrent_executions",
        ),
        ("ec2_security_group.database", "ingress"),
        ("ec2_security_group_rules.lambda_egress", "rules"),
    ]
    .into_iter()
    .map(|(a, n)| (a.to_string(), n.to_string()))
    .collect();
    assert_eq!(found, want, "{r:#}");

    let token_set = |r: &serde_json::Value| {
        let changes = r["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["address"] == "elasticache_replication_group.main")
            .unwrap()["attributes"]
            .clone();
        changes
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "auth_token_last_modified")
            .unwrap()["after"]
            .clone()
    };
    let outside = token_set(&r);
    // The restoring apply, traced as verbosely as the SDK can: the token
    // it sends appears nowhere.
    let restore = p
        .command(&["apply", "--auto-approve", "-vv"])
        .env("HCPROV_LOG", "trace")
        .env("LOG_SIGNABLE_BODY", "true")
        .env("LOG_SENSITIVE_BODIES", "true")
        .output()
        .unwrap();
    let restore_log = format!(
        "{}{}",
        String::from_utf8_lossy(&restore.stdout),
        String::from_utf8_lossy(&restore.stderr)
    );
    assert!(restore.status.success(), "{restore_log}");
    assert!(
        restore_log.contains("AuthTokenUpdateStrategy")
            || restore_log.contains("ModifyReplicationGroup"),
        "the trace shows the token calls"
    );
    let r = p.run(&["drift", "--json"]).expect(0).json();
    assert!(drifted(&r).is_empty(), "{r:#}");
    // Apply set the secret's token again (ROTATE, then SET: the emulator
    // refuses a SET without one) and recorded when.
    let state = p.state();
    let recorded = state["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["address"] == "elasticache_replication_group.main")
        .unwrap()["attributes"]["auth_token_last_modified"]
        .clone();
    assert!(
        recorded.is_string() && recorded != outside,
        "{recorded} after {outside}"
    );
    let token = block_on(async {
        let sdk = moto.sdk().await;
        redis_token(&aws_sdk_secretsmanager::Client::new(&sdk)).await
    });
    assert!(
        token.len() == 64 && token != "someone-elses-token-0123456789",
        "hcprov's own version is current again"
    );
    assert!(
        !restore_log.contains(&token),
        "the AUTH token is in the trace"
    );
    for f in super::harness::files(p.dir.path()) {
        let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).into_owned();
        assert!(
            !text.contains(&token),
            "the AUTH token is in {}",
            f.display()
        );
    }
    block_on(async {
        let sdk = moto.sdk().await;
        let sm = aws_sdk_secretsmanager::Client::new(&sdk);
        let s = sm
            .describe_secret()
            .secret_id("healthcare/e2e/redis-auth")
            .send()
            .await
            .unwrap();
        assert!(!s.rotation_enabled().unwrap_or(false) && s.replication_status().is_empty());
        assert!(sm
            .get_resource_policy()
            .secret_id("healthcare/e2e/redis-auth")
            .send()
            .await
            .unwrap()
            .resource_policy()
            .is_none());
        // The share is withdrawn; the snapshot itself stays.
        let who = aws_sdk_rds::Client::new(&sdk)
            .describe_db_cluster_snapshot_attributes()
            .db_cluster_snapshot_identifier("handover")
            .send()
            .await
            .unwrap();
        let shared: Vec<_> = who
            .db_cluster_snapshot_attributes_result()
            .unwrap()
            .db_cluster_snapshot_attributes()
            .iter()
            .flat_map(|a| a.attribute_values())
            .collect();
        assert!(shared.is_empty(), "{shared:?}");
    });
}
