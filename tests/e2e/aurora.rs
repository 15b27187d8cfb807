//! The `aurora-redis-api` platform (seed 002) on the emulator, from its
//! example config: apply from empty, every object read back through the
//! SDK with the seed's settings, a no-change plan, exactly two in-place
//! updates (stage throttling, Aurora capacity), drift clean, no secret
//! value anywhere hcprov writes, destroy leaving nothing.

use std::path::Path;

use serde_json::Value;

use super::calls::{by_service, within, AURORA};
use super::harness::{block_on, files, id, Moto, Project, Run};
use super::proxy::Proxy;

/// The example config, made disposable and pointed at the repository's
/// handlers, in environment `e2e`.
pub fn example_config() -> String {
    let root = env!("CARGO_MANIFEST_DIR");
    let text =
        std::fs::read_to_string(Path::new(root).join("examples/aurora-redis-api.toml")).unwrap();
    let text = text
        .replace("environment = \"records\"", "environment = \"e2e\"")
        .replace(
            "lambda_source = \"../lambdas\"",
            &format!("lambda_source = \"{root}/lambdas\""),
        );
    assert!(
        text.contains("environment = \"e2e\"") && text.contains(root),
        "the example's fields moved"
    );
    format!("disposable = true\n{text}")
}

/// Reads back every object through the SDK and checks the seed's settings.
async fn verify(moto: &Moto, state: &Value, max_acu: f64, rate: f64) {
    let sdk = moto.sdk().await;
    let ec2 = aws_sdk_ec2::Client::new(&sdk);
    let rds = aws_sdk_rds::Client::new(&sdk);
    let ec = aws_sdk_elasticache::Client::new(&sdk);
    let sm = aws_sdk_secretsmanager::Client::new(&sdk);
    let api = aws_sdk_apigatewayv2::Client::new(&sdk);
    let logs = aws_sdk_cloudwatchlogs::Client::new(&sdk);
    let lambda = aws_sdk_lambda::Client::new(&sdk);
    let key = aws_sdk_kms::Client::new(&sdk)
        .describe_key()
        .key_id("alias/healthcare-e2e")
        .send()
        .await
        .unwrap();
    let key_arn = key.key_metadata().unwrap().arn().unwrap().to_string();

    // Networking: the private route table has only the local route.
    let rt = ec2
        .describe_route_tables()
        .route_table_ids(id(state, "ec2_route_table.private"))
        .send()
        .await
        .unwrap();
    let routes = rt.route_tables()[0].routes();
    assert!(
        routes.iter().all(|r| r.gateway_id() == Some("local")),
        "{routes:?}"
    );
    let sg = |a: &str| id(state, &format!("ec2_security_group.{a}"));
    let groups = ec2
        .describe_security_groups()
        .group_ids(sg("lambda"))
        .group_ids(sg("database"))
        .group_ids(sg("cache"))
        .group_ids(sg("endpoints"))
        .send()
        .await
        .unwrap();
    for g in groups.security_groups() {
        let gid = g.group_id().unwrap();
        if gid == sg("lambda") {
            assert!(g.ip_permissions().is_empty(), "no inbound to the Lambda");
            let mut out: Vec<(i32, String)> = g
                .ip_permissions_egress()
                .iter()
                .flat_map(|p| {
                    assert!(
                        p.ip_ranges().is_empty(),
                        "egress names groups, not CIDRs: {p:?}"
                    );
                    p.user_id_group_pairs()
                        .iter()
                        .map(|u| (p.from_port().unwrap(), u.group_id().unwrap().to_string()))
                })
                .collect();
            out.sort();
            assert_eq!(
                out,
                vec![
                    (443, sg("endpoints")),
                    (5432, sg("database")),
                    (6379, sg("cache"))
                ]
            );
        } else {
            assert!(g.ip_permissions_egress().is_empty(), "{gid} starts nothing");
            let rules: Vec<(i32, &str)> = g
                .ip_permissions()
                .iter()
                .flat_map(|p| {
                    p.user_id_group_pairs()
                        .iter()
                        .map(|u| (p.from_port().unwrap(), u.group_id().unwrap()))
                })
                .collect();
            assert_eq!(rules.len(), 1, "{gid}: {rules:?}");
            assert_eq!(rules[0].1, sg("lambda"));
            assert!(g.ip_permissions().iter().all(|p| p.ip_ranges().is_empty()));
        }
    }
    let ep = ec2
        .describe_vpc_endpoints()
        .vpc_endpoint_ids(id(state, "ec2_vpc_endpoint.secretsmanager"))
        .send()
        .await
        .unwrap();
    let ep = &ep.vpc_endpoints()[0];
    assert_eq!(
        ep.service_name(),
        Some("com.amazonaws.us-east-1.secretsmanager")
    );
    assert_eq!(
        ep.vpc_endpoint_type().map(|t| t.as_str()),
        Some("Interface")
    );
    assert_eq!(ep.subnet_ids().len(), 2);
    assert_eq!(ep.private_dns_enabled(), Some(true));

    // Aurora.
    let c = rds
        .describe_db_clusters()
        .db_cluster_identifier("healthcare-db-e2e")
        .send()
        .await
        .unwrap();
    let c = &c.db_clusters()[0];
    assert_eq!(c.engine(), Some("aurora-postgresql"));
    let s = c.serverless_v2_scaling_configuration().unwrap();
    assert_eq!(
        (s.min_capacity(), s.max_capacity()),
        (Some(0.5), Some(max_acu))
    );
    assert_eq!(
        (c.storage_encrypted(), c.kms_key_id()),
        (Some(true), Some(key_arn.as_str()))
    );
    assert_eq!(
        (c.backup_retention_period(), c.preferred_backup_window()),
        (Some(7), Some("03:00-04:00"))
    );
    assert_eq!(c.enabled_cloudwatch_logs_exports(), ["postgresql"]);
    assert_eq!(
        c.deletion_protection(),
        Some(false),
        "off in a disposable environment"
    );
    assert_eq!(
        c.vpc_security_groups()[0].vpc_security_group_id(),
        Some(sg("database").as_str())
    );
    assert_eq!(c.db_subnet_group(), Some("healthcare-db-subnets-e2e"));
    let secret = c
        .master_user_secret()
        .expect("RDS manages the master password");
    assert_eq!(secret.kms_key_id(), Some(key_arn.as_str()));
    let instances = rds.describe_db_instances().send().await.unwrap();
    let mine: Vec<_> = instances
        .db_instances()
        .iter()
        .filter(|i| i.db_cluster_identifier() == Some("healthcare-db-e2e"))
        .collect();
    assert_eq!(mine.len(), 2);
    assert!(mine
        .iter()
        .all(|i| i.db_instance_class() == Some("db.serverless")
            && i.publicly_accessible() == Some(false)));
    assert_ne!(mine[0].availability_zone(), mine[1].availability_zone());
    let groups = logs
        .describe_log_groups()
        .log_group_name_prefix("/aws/rds/cluster/healthcare-db-e2e/postgresql")
        .send()
        .await
        .unwrap();
    let g = &groups.log_groups()[0];
    assert_eq!(
        (g.kms_key_id(), g.retention_in_days()),
        (Some(key_arn.as_str()), Some(90))
    );

    // Redis.
    let rg = ec
        .describe_replication_groups()
        .replication_group_id("hc-redis-e2e")
        .send()
        .await
        .unwrap();
    let rg = &rg.replication_groups()[0];
    assert_eq!(rg.member_clusters().len(), 2);
    assert_eq!(rg.automatic_failover().map(|s| s.as_str()), Some("enabled"));
    assert_eq!(rg.multi_az().map(|s| s.as_str()), Some("enabled"));
    assert_eq!(
        (
            rg.at_rest_encryption_enabled(),
            rg.transit_encryption_enabled(),
            rg.auth_token_enabled()
        ),
        (Some(true), Some(true), Some(true))
    );
    assert_eq!(rg.kms_key_id(), Some(key_arn.as_str()));
    assert_eq!(
        (rg.snapshot_retention_limit(), rg.cache_node_type()),
        (Some(5), Some("cache.t4g.micro"))
    );
    let member = ec
        .describe_cache_clusters()
        .cache_cluster_id(&rg.member_clusters()[0])
        .send()
        .await
        .unwrap();
    let member = &member.cache_clusters()[0];
    assert_eq!(
        member.cache_subnet_group_name(),
        Some("healthcare-redis-subnets-e2e")
    );
    assert_eq!(
        member.security_groups()[0].security_group_id(),
        Some(sg("cache").as_str())
    );
    let auth = sm
        .describe_secret()
        .secret_id("healthcare/e2e/redis-auth")
        .send()
        .await
        .unwrap();
    assert_eq!(auth.kms_key_id(), Some(key_arn.as_str()));

    // The Lambda.
    let f = lambda
        .get_function_configuration()
        .function_name("healthcare-patient-api-e2e")
        .send()
        .await
        .unwrap();
    assert_eq!(
        (f.memory_size(), f.runtime().map(|r| r.as_str())),
        (Some(512), Some("python3.12"))
    );
    assert_eq!(f.vpc_config().unwrap().subnet_ids().len(), 2);
    let env = f.environment().unwrap().variables().unwrap();
    assert_eq!(env["REDIS_AUTH_SECRET_ARN"], auth.arn().unwrap());
    assert_eq!(env["DB_SECRET_ARN"], secret.secret_arn().unwrap());
    assert!(
        env.keys().all(|k| !k.starts_with("AWS_")),
        "Lambda reserves AWS_ keys"
    );

    // The HTTP API.
    let api_id = id(state, "apigatewayv2_api.main");
    let routes = api.get_routes().api_id(&api_id).send().await.unwrap();
    let mut keys: Vec<(&str, &str)> = routes
        .items()
        .iter()
        .map(|r| {
            (
                r.route_key().unwrap(),
                r.authorization_type().unwrap().as_str(),
            )
        })
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            ("GET /patients/{id}", "AWS_IAM"),
            ("POST /patients", "AWS_IAM")
        ]
    );
    let ints = api.get_integrations().api_id(&api_id).send().await.unwrap();
    let i = &ints.items()[0];
    assert_eq!(
        (
            i.integration_type().map(|t| t.as_str()),
            i.payload_format_version()
        ),
        (Some("AWS_PROXY"), Some("2.0"))
    );
    let stage = api
        .get_stage()
        .api_id(&api_id)
        .stage_name("$default")
        .send()
        .await
        .unwrap();
    let r = stage.default_route_settings().unwrap();
    assert_eq!(
        (r.throttling_rate_limit(), r.throttling_burst_limit()),
        (Some(rate), Some(100))
    );
    assert!(stage
        .access_log_settings()
        .unwrap()
        .destination_arn()
        .unwrap()
        .ends_with("log-group:/aws/apigateway/healthcare-http-api-e2e"));
}

/// The secret values hcprov must never hold: the RDS-managed password and
/// the Redis AUTH token, read from Secrets Manager.
async fn secret_values(moto: &Moto, state: &Value) -> Vec<String> {
    let sm = aws_sdk_secretsmanager::Client::new(&moto.sdk().await);
    let cluster = state["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["address"] == "rds_cluster.main")
        .unwrap();
    let db_arn = cluster["outputs"]["master_user_secret_arn"]
        .as_str()
        .unwrap()
        .to_string();
    let db: Value = serde_json::from_str(
        sm.get_secret_value()
            .secret_id(db_arn)
            .send()
            .await
            .unwrap()
            .secret_string()
            .unwrap(),
    )
    .unwrap();
    let token = redis_token(&sm).await;
    let password = db["password"].as_str().unwrap().to_string();
    assert!(
        password.len() >= 16 && token.len() == 64,
        "real secrets to look for"
    );
    vec![password, token]
}

/// The Redis AUTH token: the current value of its secret.
pub(super) async fn redis_token(sm: &aws_sdk_secretsmanager::Client) -> String {
    sm.get_secret_value()
        .secret_id("healthcare/e2e/redis-auth")
        .send()
        .await
        .unwrap()
        .secret_string()
        .unwrap()
        .to_string()
}

#[test]
fn aurora_redis_platform_apply_verify_update_drift_destroy() {
    let moto = Moto::start();
    // The proxy counts the calls of a no-change drift and plan.
    let proxy = Proxy::start(&moto.url, std::sync::Arc::new(|_| None));
    let p = Project::new(&proxy.url, &example_config());
    let mut logs: Vec<Run> = vec![];

    let plan = p.run(&["plan", "--json"]).expect(0).json();
    assert_eq!(plan["summary"]["create"], 48, "{}", plan["summary"]);
    // The first apply (which reads the token and sends it to ElastiCache)
    // logs everything the SDK itself can log, wire traces included.
    let out = p
        .command(&["apply", "-vv"])
        .env("HCPROV_LOG", "trace")
        // Asking the SDK to print bodies in full changes nothing.
        .env("LOG_SIGNABLE_BODY", "true")
        .env("LOG_SENSITIVE_BODIES", "true")
        .output()
        .unwrap();
    logs.push(Run {
        code: 0,
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    });
    assert!(
        out.status.success(),
        "{}",
        logs[0]
            .stderr
            .lines()
            .rev()
            .take(20)
            .collect::<Vec<_>>()
            .join("\n")
    );
    let state = p.state();
    block_on(verify(&moto, &state, 1.0, 50.0));
    let outputs = p.run(&["output", "--json"]).expect(0).json();
    for o in [
        "api_endpoint",
        "cluster_endpoint",
        "cluster_reader_endpoint",
        "redis_primary_endpoint",
        "database_secret_arn",
        "redis_auth_secret_arn",
    ] {
        assert!(
            outputs[o].as_str().is_some_and(|v| !v.is_empty()),
            "{o}: {outputs}"
        );
    }
    assert!(outputs["redis_auth_secret_arn"]
        .as_str()
        .unwrap()
        .starts_with(
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:healthcare/e2e/redis-auth"
        ));
    logs.push(p.run(&["plan", "--detailed-exitcode", "-vv"]).expect(0));

    // Two settings change: exactly two in-place updates, nothing else.
    let changed = example_config()
        .replace(
            "throttling_rate_limit = 50.0",
            "throttling_rate_limit = 20.0",
        )
        .replace("max_capacity = 1.0", "max_capacity = 2.0");
    p.write_config(&changed);
    logs.push(
        p.run(&["plan", "--json", "--out", "two.plan", "-vv"])
            .expect(0),
    );
    let plan = p.run(&["plan", "--json"]).expect(0).json();
    assert_eq!(plan["summary"]["update"], 2, "{}", plan["summary"]);
    let moves: Vec<(String, String, Vec<String>)> = super::harness::changes(&plan);
    assert_eq!(
        moves,
        [
            (
                "apigatewayv2_stage.default".to_string(),
                "update".to_string(),
                vec!["default_route_settings".to_string()]
            ),
            (
                "rds_cluster.main".to_string(),
                "update".to_string(),
                vec!["serverless_v2".to_string()]
            ),
        ]
        .into_iter()
        .collect::<Vec<_>>(),
        "{plan:#}"
    );
    logs.push(p.run(&["apply", "-vv"]).expect(0));
    block_on(verify(&moto, &p.state(), 2.0, 20.0));
    let mark = proxy.log.lock().unwrap().len();
    logs.push(p.run(&["drift", "-vv"]).expect(0));
    within("aurora drift", &by_service(&proxy, mark), AURORA);
    let mark = proxy.log.lock().unwrap().len();
    p.run(&["plan", "--detailed-exitcode"]).expect(0);
    within("aurora plan", &by_service(&proxy, mark), AURORA);

    // No secret value in the state, its journal and backups, plan files or
    // the most verbose logs.
    let secrets = block_on(secret_values(&moto, &p.state()));
    let mut written: Vec<(String, String)> = files(p.dir.path())
        .into_iter()
        .filter(|f| !f.starts_with(p.dir.path().join("lambdas")))
        .map(|f| {
            (
                f.display().to_string(),
                String::from_utf8_lossy(&std::fs::read(&f).unwrap()).into_owned(),
            )
        })
        .collect();
    assert!(
        written.iter().any(|(f, _)| f.ends_with("two.plan"))
            && written
                .iter()
                .any(|(f, _)| f.contains(".bak") || f.contains("backup")),
        "{:?}",
        written.iter().map(|w| &w.0).collect::<Vec<_>>()
    );
    written.extend(
        logs.iter()
            .map(|r| ("log".to_string(), format!("{}{}", r.stdout, r.stderr))),
    );
    let traced = logs[0]
        .stderr
        .lines()
        .filter(|l| l.contains("TRACE"))
        .count();
    assert!(traced > 1000, "the SDK traced its calls: {traced} lines");
    for (name, text) in &written {
        for s in &secrets {
            assert!(!text.contains(s.as_str()), "a secret value is in {name}");
        }
    }

    // Destroy leaves nothing of the environment.
    p.run(&["destroy", "--force"]).expect(0);
    block_on(async {
        let sdk = moto.sdk().await;
        let rds = aws_sdk_rds::Client::new(&sdk);
        assert!(rds
            .describe_db_clusters()
            .send()
            .await
            .unwrap()
            .db_clusters()
            .is_empty());
        assert!(rds
            .describe_db_instances()
            .send()
            .await
            .unwrap()
            .db_instances()
            .is_empty());
        assert!(rds
            .describe_db_subnet_groups()
            .send()
            .await
            .unwrap()
            .db_subnet_groups()
            .is_empty());
        let ec = aws_sdk_elasticache::Client::new(&sdk);
        assert!(ec
            .describe_replication_groups()
            .send()
            .await
            .unwrap()
            .replication_groups()
            .is_empty());
        assert!(ec
            .describe_cache_subnet_groups()
            .send()
            .await
            .unwrap()
            .cache_subnet_groups()
            .is_empty());
        let sm = aws_sdk_secretsmanager::Client::new(&sdk);
        assert!(sm
            .list_secrets()
            .send()
            .await
            .unwrap()
            .secret_list()
            .is_empty());
        let api = aws_sdk_apigatewayv2::Client::new(&sdk);
        assert!(api.get_apis().send().await.unwrap().items().is_empty());
        let lambda = aws_sdk_lambda::Client::new(&sdk);
        assert!(lambda
            .list_functions()
            .send()
            .await
            .unwrap()
            .functions()
            .is_empty());
        let logs = aws_sdk_cloudwatchlogs::Client::new(&sdk);
        let left: Vec<_> = logs
            .describe_log_groups()
            .send()
            .await
            .unwrap()
            .log_groups()
            .iter()
            .filter_map(|g| g.log_group_name().map(str::to_string))
            .collect();
        assert!(left.is_empty(), "{left:?}");
        let inv = super::inventory::slice(&moto, "e2e").await;
        assert!(
            inv.iter()
                .filter(|(k, _)| **k != "kms_key")
                .all(|(_, v)| v.is_empty()),
            "{inv:#?}"
        );
    });
    assert_eq!(p.state()["resources"], serde_json::json!([]));
}

#[test]
fn aurora_bad_input_is_one_line_and_leaves_the_state_alone() {
    let moto = Moto::start();
    let p = Project::new(&moto.url, &example_config());
    p.run(&["apply", "--auto-approve"]).expect(0);
    let before = std::fs::read(p.state_path()).unwrap();
    let cases = [
        (
            example_config().replace("[cache]", "[backup]\nretention_days = 3\n\n[cache]"),
            "`backup` applies only to platform serverless-api",
        ),
        (
            example_config().replace("min_capacity = 0.5", "min_capacity = 4.0"),
            "`database.min_capacity` (4) is above database.max_capacity (1)",
        ),
        (
            example_config().replace("num_nodes = 2", "num_nodes = 1"),
            "`cache.num_nodes` is 1 but cache.automatic_failover is on",
        ),
    ];
    for (config, message) in cases {
        p.write_config(&config);
        for cmd in [
            ["plan", "--json"].as_slice(),
            &["apply", "--auto-approve"],
            &["destroy", "--force"],
        ] {
            let r = p.run(cmd).expect(1);
            assert!(r.stderr.contains(message), "{cmd:?}: {}", r.stderr);
            assert_eq!(r.stderr.trim().lines().count(), 1, "one line: {}", r.stderr);
            assert_eq!(
                std::fs::read(p.state_path()).unwrap(),
                before,
                "state untouched"
            );
        }
    }
    // Deletion protection: destroy stops before deleting anything, naming
    // the setting.
    p.write_config(
        &example_config().replace("# deletion_protection = true", "deletion_protection = true"),
    );
    p.run(&["apply", "--auto-approve"]).expect(0);
    let r = p.run(&["destroy", "--force"]);
    assert_ne!(r.code, 0);
    assert!(
        r.stderr
            .contains("set `[database] deletion_protection = false`"),
        "{}",
        r.stderr
    );
    block_on(async {
        let rds = aws_sdk_rds::Client::new(&moto.sdk().await);
        assert_eq!(
            rds.describe_db_instances()
                .send()
                .await
                .unwrap()
                .db_instances()
                .len(),
            2,
            "no instance was deleted"
        );
    });
    // A final snapshot on destroy keeps the key that encrypts it, with one
    // line saying what to do; once the snapshot is gone, destroy finishes.
    p.write_config(&example_config().replace("# final_snapshot = true", "final_snapshot = true"));
    p.run(&["apply", "--auto-approve"]).expect(0);
    let r = p.run(&["destroy", "--force"]);
    assert_ne!(r.code, 0, "{}", r.stdout);
    assert!(
        r.stdout
            .contains("RDS cluster snapshots healthcare-db-e2e-final-"),
        "{}\n{}",
        r.stdout,
        r.stderr
    );
    let snapshot = block_on(async {
        let sdk = moto.sdk().await;
        let rds = aws_sdk_rds::Client::new(&sdk);
        assert!(
            rds.describe_db_clusters()
                .send()
                .await
                .unwrap()
                .db_clusters()
                .is_empty(),
            "the cluster itself is gone"
        );
        let snaps = rds
            .describe_db_cluster_snapshots()
            .snapshot_type("manual")
            .send()
            .await
            .unwrap();
        let s = snaps.db_cluster_snapshots()[0].clone();
        assert!(s
            .db_cluster_snapshot_identifier()
            .unwrap()
            .starts_with("healthcare-db-e2e-final-"));
        let kms = aws_sdk_kms::Client::new(&sdk);
        let key = kms
            .describe_key()
            .key_id(s.kms_key_id().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(
            key.key_metadata().unwrap().key_state().unwrap().as_str(),
            "Enabled",
            "the snapshot's key is kept"
        );
        s.db_cluster_snapshot_identifier().unwrap().to_string()
    });
    assert!(p.state()["resources"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["address"] == "kms_key.main"));
    block_on(async {
        let rds = aws_sdk_rds::Client::new(&moto.sdk().await);
        rds.delete_db_cluster_snapshot()
            .db_cluster_snapshot_identifier(&snapshot)
            .send()
            .await
            .unwrap();
    });
    p.run(&["destroy", "--force"]).expect(0);
    assert_eq!(p.state()["resources"], serde_json::json!([]));
}
