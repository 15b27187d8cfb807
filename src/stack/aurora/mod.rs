//! The `aurora-redis-api` platform (seed 002): a patient-records HTTP API on
//! a Lambda in a VPC, Aurora Serverless v2 PostgreSQL and Redis, every
//! credential in Secrets Manager and every store encrypted with the
//! stack's key.

mod app;
mod data;
mod network;

use serde_json::json;

use super::networking;
use super::security::trail_key_statements;
use super::{reference, storage, Builder};

/// The key policy: the account root (so IAM policies grant use of the key:
/// RDS, ElastiCache and Secrets Manager use it through the caller's
/// grants), and CloudWatch Logs for exactly the stack's log groups.
fn key_policy(b: &Builder) -> serde_json::Value {
    let mut groups: Vec<String> = app::log_groups(b, &data::cluster_id(b))
        .iter()
        .filter_map(|g| g.as_str().map(|g| b.arn("logs", &format!("log-group:{g}"))))
        .collect();
    groups.push(b.arn(
        "logs",
        &format!("log-group:{}", networking::flow_log_group(b, None)),
    ));
    let mut policy = json!({"Version": "2012-10-17", "Statement": [
        {
            "Sid": "AccountAdministersTheKey", "Effect": "Allow",
            "Principal": {"AWS": format!("arn:{}:iam::{}:root", b.account.partition, b.account.id)},
            "Action": "kms:*", "Resource": "*",
        },
        {
            "Sid": "CloudWatchLogsEncryptsTheStacksLogGroups", "Effect": "Allow",
            "Principal": {"Service": format!("logs.{}.{}", b.cfg.region, b.dns_suffix())},
            "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            "Resource": "*",
            "Condition": {"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": groups}},
        },
    ]});
    if let Some(statements) = policy["Statement"].as_array_mut() {
        statements.extend(trail_key_statements(b));
    }
    policy
}

/// Adds the platform's nodes for the configured components.
pub fn build(b: &mut Builder) -> Result<(), String> {
    let cfg = b.cfg;
    let key = cfg.has("security").then(|| {
        let sec = cfg.security.clone();
        let policy = key_policy(b);
        let key = b.tagged("kms_key", "main", Some(&b.name("healthcare-kms-key")), json!({
            "description": format!("KMS key for patient-records data - {}", cfg.environment),
            "deletion_window_in_days": sec.kms_deletion_window_days,
            "enable_key_rotation": sec.kms_key_rotation,
            "enabled": true,
            "policy": policy,
            // Destroy keeps the key while the final snapshots it encrypts exist.
            "protects_final_snapshots": cfg.has("database") && cfg.database.snapshot_on_destroy(cfg.disposable),
        }));
        b.plain("kms_alias", "main", json!({
            "name": format!("alias/{}", b.name("healthcare")), "target_key_id": reference(&key, "key_id"),
        }));
        b.output("kms_key_arn", reference(&key, "arn"));
        key
    });
    if let Some(key) = &key {
        // API activity is audited in a trail encrypted with the key.
        storage::trail(b, key)?;
    }
    let net = cfg.has("networking").then(|| network::build(b));
    let (Some(key), Some(net)) = (key, net) else {
        return Ok(());
    };
    networking::flow_logs(b, None, &reference("ec2_vpc.main", "id"), Some(&key));
    let db = cfg.has("database").then(|| data::database(b, &net, &key));
    let cache = cfg.has("cache").then(|| data::cache(b, &net, &key));
    if let (Some(db), Some(cache), true) = (&db, &cache, cfg.has("compute")) {
        let function = app::compute(b, &net, &key, db, cache)?;
        if cfg.has("api") {
            app::api(b, &key, &function);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use crate::config::Config;
    use crate::engine::graph::Graph;
    use crate::stack::{blueprint, test_account};

    fn config(extra: &str) -> Config {
        let text = format!(
            "environment = \"t1\"\nregion = \"us-east-1\"\n{extra}\n[stack]\nplatform = \"aurora-redis-api\"\n[compute]\nlambda_source = \"{}/lambdas\"\n",
            env!("CARGO_MANIFEST_DIR")
        );
        Config::parse(std::path::Path::new("t.toml"), &text, None, None).unwrap()
    }

    #[test]
    fn an_rds_ca_bundle_beside_the_handlers_is_packaged_and_used() {
        let dir = tempfile::tempdir().unwrap();
        let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("lambdas");
        std::fs::copy(
            repo.join("patient_api.py"),
            dir.path().join("patient_api.py"),
        )
        .unwrap();
        std::fs::create_dir(dir.path().join("vendor")).unwrap();
        std::fs::write(dir.path().join("vendor/dep.py"), "X = 1\n").unwrap();
        let text = format!(
            "environment = \"t1\"\nregion = \"us-east-1\"\n[stack]\nplatform = \"aurora-redis-api\"\n[compute]\nlambda_source = \"{}\"\n",
            dir.path().display()
        );
        let cfg = Config::parse(std::path::Path::new("t.toml"), &text, None, None).unwrap();
        let function = |bp: &crate::stack::Blueprint| {
            bp.nodes
                .iter()
                .find(|n| n.address == "lambda_function.patient_api")
                .unwrap()
                .attrs()
                .into_owned()
        };
        let without = function(&blueprint(&cfg, &test_account()).unwrap());
        assert!(without["environment"].get("DB_CA_FILE").is_none());
        std::fs::write(
            dir.path().join("rds-ca-bundle.pem"),
            "-----BEGIN CERTIFICATE-----\n",
        )
        .unwrap();
        let with = function(&blueprint(&cfg, &test_account()).unwrap());
        assert_eq!(
            with["environment"]["DB_CA_FILE"],
            json!("/var/task/rds-ca-bundle.pem")
        );
        assert_eq!(with["source_files"].as_array().unwrap().len(), 2);
        assert_ne!(with["source_code_hash"], without["source_code_hash"]);
        std::fs::remove_dir_all(dir.path().join("vendor")).unwrap();
        let e = blueprint(&cfg, &test_account()).unwrap_err();
        assert!(e.contains("vendor.sh"), "{e}");
    }

    #[test]
    fn the_platform_is_a_valid_graph_with_least_access_networking() {
        let bp = blueprint(&config(""), &test_account()).unwrap();
        let g = Graph::build(bp.nodes.clone()).unwrap();
        assert_eq!(g.nodes().len(), 48);
        let node = |a: &str| {
            g.get(a)
                .unwrap_or_else(|| panic!("{a}"))
                .attrs()
                .into_owned()
        };
        // No route to the internet from the private subnets, and no NAT.
        assert_eq!(node("ec2_route_table.private")["routes"], json!([]));
        assert!(bp.nodes.iter().all(|n| n.kind() != "ec2_nat_gateway"));
        // Every rule names a group; the data stores start nothing.
        for sg in ["database", "cache", "endpoints"] {
            let a = node(&format!("ec2_security_group.{sg}"));
            assert_eq!(a["egress"], json!([]), "{sg}");
            let rules = a["ingress"].as_array().unwrap();
            assert_eq!(rules.len(), 1, "{sg}");
            assert!(rules[0]["source_security_group_id"]
                .to_string()
                .contains("ec2_security_group.lambda"));
            assert!(rules[0].get("cidr_block").is_none());
        }
        assert!(
            node("ec2_security_group.lambda").get("egress").is_none(),
            "owned by the rules node"
        );
        let egress = node("ec2_security_group_rules.lambda_egress");
        let ports: Vec<i64> = egress["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["from_port"].as_i64().unwrap())
            .collect();
        assert_eq!(ports, [443, 5432, 6379]);
        // Protections on by default, off for a disposable environment.
        let cluster = node("rds_cluster.main");
        assert_eq!(
            (
                cluster["deletion_protection"].clone(),
                cluster["final_snapshot"].clone()
            ),
            (json!(true), json!(true))
        );
        assert_eq!(
            cluster["serverless_v2"],
            json!({"min_capacity": 0.5, "max_capacity": 1.0})
        );
        assert!(
            cluster.get("availability_zones").is_none(),
            "RDS manages the zone list"
        );
        assert!(cluster["kms_key_id"].to_string().contains("kms_key.main"));
        let zones: Vec<Value> = (1..=2)
            .map(|i| {
                node(&format!("rds_cluster_instance.instance_{i}"))["availability_zone"].clone()
            })
            .collect();
        assert_ne!(zones[0], zones[1]);
        let disposable = blueprint(&config("disposable = true"), &test_account()).unwrap();
        let c = &disposable
            .nodes
            .iter()
            .find(|n| n.address == "rds_cluster.main")
            .unwrap()
            .attrs();
        assert_eq!(
            (
                c["deletion_protection"].clone(),
                c["final_snapshot"].clone()
            ),
            (json!(false), json!(false))
        );
        // The Redis token is generated by Secrets Manager, never a value here.
        let redis = node("elasticache_replication_group.main");
        assert!(redis["auth_token_secret_arn"]
            .to_string()
            .contains("secretsmanager_secret.redis_auth"));
        assert!(redis.get("auth_token").is_none());
        // The role reads exactly the two secrets, decrypts only through
        // Secrets Manager; CloudWatch Logs may use the key for the three groups.
        let policy = node("iam_role_policy.patient_api")["policy"].to_string();
        assert!(
            policy.contains("master_user_secret_arn")
                && policy.contains("secretsmanager_secret.redis_auth")
        );
        assert!(
            policy.contains("kms:ViaService") && !policy.contains("\"*\""),
            "{policy}"
        );
        let key = node("kms_key.main")["policy"].to_string();
        for g in [
            "/aws/lambda/healthcare-patient-api-t1",
            "/aws/apigateway/healthcare-http-api-t1",
            "/aws/rds/cluster/healthcare-db-t1/postgresql",
        ] {
            assert!(key.contains(g), "{g}: {key}");
        }
        for n in bp.nodes.iter().filter(|n| n.kind() == "logs_log_group") {
            assert!(
                n.attrs()["kms_key_id"].to_string().contains("kms_key.main"),
                "{}",
                n.address
            );
            assert_eq!(n.attrs()["retention_in_days"], json!(90), "{}", n.address);
        }
        for r in ["post_patients", "get_patient"] {
            assert_eq!(
                node(&format!("apigatewayv2_route.{r}"))["authorization_type"],
                json!("AWS_IAM")
            );
        }
        let stage = node("apigatewayv2_stage.default");
        assert_eq!(
            stage["default_route_settings"]["throttling_rate_limit"],
            json!(50.0)
        );
        assert_eq!(
            stage["default_route_settings"]["throttling_burst_limit"],
            json!(100)
        );
        for o in [
            "api_endpoint",
            "cluster_endpoint",
            "cluster_reader_endpoint",
            "redis_primary_endpoint",
            "database_secret_arn",
            "redis_auth_secret_arn",
        ] {
            assert!(bp.outputs.contains_key(o), "{o}");
        }
    }
}
