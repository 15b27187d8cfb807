//! Each rule against a shipped example (the passing case) and against the
//! same example with one setting broken (the violating case), plus the
//! live form, where values point by id or ARN.

use serde_json::{json, Value};

use super::*;
use crate::config::Config;
use crate::stack::{blueprint, Account};

/// The nodes of `examples/<platform>.toml` in a test account.
fn example(platform: &str) -> (Vec<Node>, Config) {
    let path = format!("{}/examples/{platform}.toml", env!("CARGO_MANIFEST_DIR"));
    let cfg = Config::load(std::path::Path::new(&path)).unwrap();
    let zones = |r: &str, n: usize| {
        (0..n)
            .map(|i| format!("{r}{}", (b'a' + i as u8) as char))
            .collect()
    };
    let dr = platform == "multi-region-dr";
    let account = Account {
        id: "123456789012".into(),
        partition: "aws".into(),
        zones: zones("us-east-1", if dr { 3 } else { 2 }),
        secondary_zones: if dr { zones("us-west-2", 3) } else { vec![] },
    };
    (blueprint(&cfg, &account).unwrap().nodes, cfg)
}

fn eval(nodes: &[Node], cfg: &Config) -> Evaluation {
    evaluate(
        &Stack::planned(nodes, cfg.policy.min_log_retention_days),
        &cfg.policy.waive,
    )
}

fn node<'a>(nodes: &'a mut [Node], address: &str) -> &'a mut Node {
    nodes
        .iter_mut()
        .find(|n| n.address == address)
        .unwrap_or_else(|| panic!("no {address}"))
}

fn set(nodes: &mut [Node], address: &str, attr: &str, v: Value) {
    node(nodes, address).attrs_mut().insert(attr.into(), v);
}

fn remove(nodes: &mut Vec<Node>, address: &str) {
    let before = nodes.len();
    nodes.retain(|n| n.address != address);
    assert_eq!(nodes.len(), before - 1, "no {address}");
}

/// The rule passes on the example (covering at least one resource) and,
/// once `break_it` has run, fails at `address` and nowhere else.
fn case(rule: &str, platform: &str, address: &str, break_it: impl Fn(&mut Vec<Node>)) {
    let (mut nodes, cfg) = example(platform);
    let ok = eval(&nodes, &cfg);
    let mine: Vec<&Finding> = ok.results.iter().filter(|f| f.rule == rule).collect();
    assert!(!mine.is_empty(), "{rule} covers nothing in {platform}");
    assert!(
        mine.iter().all(|f| f.result != "fail"),
        "{rule} fails on the example {platform}: {mine:#?}"
    );
    break_it(&mut nodes);
    let bad = eval(&nodes, &cfg);
    let failed: Vec<(&str, &str)> = bad
        .violations()
        .map(|f| (f.rule, f.address.as_str()))
        .collect();
    assert_eq!(failed, [(rule, address)], "{rule} in {platform}");
    let f = bad.violations().next().unwrap();
    assert!(!f.problem.is_empty() && !f.fix.is_empty());
}

macro_rules! rule_tests {
    ($($name:ident: $rule:literal in $platform:literal at $address:literal => $break:expr;)*) => {
        $(
            #[test]
            fn $name() {
                case($rule, $platform, $address, $break);
            }
        )*

        #[test]
        fn every_rule_has_a_test() {
            let tested = [$($rule),*];
            for r in RULES {
                assert!(tested.contains(&r.id), "rule {} has no test", r.id);
            }
        }
    };
}

const AWS_KEY: &str = "arn:aws:kms:us-east-1:123456789012:alias/aws/s3";

rule_tests! {
    enc_s3: "HC-ENC-S3" in "serverless-api" at "s3_bucket.data" =>
        |n| set(n, "s3_bucket_encryption.data", "kms_master_key_id", json!(AWS_KEY));
    enc_ddb: "HC-ENC-DDB" in "serverless-api" at "dynamodb_table.patient_records" =>
        |n| set(n, "dynamodb_table.patient_records", "kms_key_arn", Value::Null);
    enc_rds: "HC-ENC-RDS" in "aurora-redis-api" at "rds_cluster.main" =>
        |n| set(n, "rds_cluster.main", "storage_encrypted", json!(false));
    enc_redis: "HC-ENC-REDIS" in "aurora-redis-api" at "elasticache_replication_group.main" =>
        |n| set(n, "elasticache_replication_group.main", "kms_key_id", Value::Null);
    enc_secret: "HC-ENC-SECRET" in "aurora-redis-api" at "secretsmanager_secret.redis_auth" =>
        |n| set(n, "secretsmanager_secret.redis_auth", "kms_key_id", json!("alias/aws/secretsmanager"));
    enc_sns: "HC-ENC-SNS" in "multi-region-dr" at "sns_topic.secondary" =>
        |n| set(n, "sns_topic.secondary", "kms_master_key_id", Value::Null);
    enc_logs: "HC-ENC-LOGS" in "aurora-redis-api" at "logs_log_group.database" =>
        |n| set(n, "logs_log_group.database", "kms_key_id", Value::Null);
    enc_backup: "HC-ENC-BACKUP" in "serverless-api" at "backup_vault.main" =>
        |n| set(n, "backup_vault.main", "kms_key_arn", Value::Null);
    kms_rotation: "HC-KMS-ROTATION" in "multi-region-dr" at "kms_key.secondary" =>
        |n| set(n, "kms_key.secondary", "enable_key_rotation", json!(false));
    kms_enabled: "HC-KMS-ENABLED" in "serverless-api" at "kms_key.main" =>
        |n| set(n, "kms_key.main", "enabled", json!(false));
    s3_public: "HC-S3-PUBLIC" in "multi-region-dr" at "s3_bucket.primary" =>
        |n| set(n, "s3_bucket_public_access_block.primary", "restrict_public_buckets", json!(false));
    s3_tls: "HC-S3-TLS" in "serverless-api" at "s3_bucket.data" =>
        |n| set(n, "s3_bucket_policy.data", "policy", json!({"Version": "2012-10-17", "Statement": []}));
    sg_open: "HC-SG-OPEN" in "aurora-redis-api" at "ec2_security_group.database" =>
        |n| set(n, "ec2_security_group.database", "ingress", json!([{"protocol": "tcp", "from_port": 5432, "to_port": 5432, "cidr_block": "0.0.0.0/0"}]));
    redis_tls: "HC-REDIS-TLS" in "aurora-redis-api" at "elasticache_replication_group.main" =>
        |n| set(n, "elasticache_replication_group.main", "transit_encryption_mode", json!("preferred"));
    redis_auth: "HC-REDIS-AUTH" in "aurora-redis-api" at "elasticache_replication_group.main" =>
        |n| set(n, "elasticache_replication_group.main", "auth_token_enabled", json!(false));
    api_tls: "HC-API-TLS" in "multi-region-dr" at "apigatewayv2_domain_name.primary_weighted" =>
        |n| set(n, "apigatewayv2_domain_name.primary_weighted", "security_policy", json!("TLS_1_0"));
    rds_public: "HC-RDS-PUBLIC" in "aurora-redis-api" at "rds_cluster_instance.instance_2" =>
        |n| set(n, "rds_cluster_instance.instance_2", "publicly_accessible", json!(true));
    flow_logs: "HC-VPC-FLOWLOGS" in "serverless-api" at "ec2_vpc.main" =>
        |n| set(n, "ec2_flow_log.vpc", "traffic_type", json!("REJECT"));
    trail_multi_region: "HC-TRAIL-MULTIREGION" in "serverless-api" at "cloudtrail_trail.main" =>
        |n| set(n, "cloudtrail_trail.main", "enable_logging", json!(false));
    trail_missing: "HC-TRAIL-MULTIREGION" in "aurora-redis-api" at "stack" =>
        |n| { remove(n, "cloudtrail_trail.main"); remove(n, "s3_bucket.cloudtrail"); };
    trail_validation: "HC-TRAIL-VALIDATION" in "multi-region-dr" at "cloudtrail_trail.main" =>
        |n| set(n, "cloudtrail_trail.main", "enable_log_file_validation", json!(false));
    log_retention: "HC-LOG-RETENTION" in "aurora-redis-api" at "logs_log_group.patient_api" =>
        |n| set(n, "logs_log_group.patient_api", "retention_in_days", json!(30));
    backup_ddb: "HC-BACKUP-DDB" in "multi-region-dr" at "dynamodb_table.audit_logs" =>
        |n| set(n, "dynamodb_table.audit_logs", "point_in_time_recovery", json!(false));
    backup_rds: "HC-BACKUP-RDS" in "aurora-redis-api" at "rds_cluster.main" =>
        |n| set(n, "rds_cluster.main", "backup_retention_period", json!(1));
    backup_redis: "HC-BACKUP-REDIS" in "aurora-redis-api" at "elasticache_replication_group.main" =>
        |n| set(n, "elasticache_replication_group.main", "snapshot_retention_limit", json!(0));
    backup_s3: "HC-BACKUP-S3" in "multi-region-dr" at "s3_bucket.secondary" =>
        |n| set(n, "s3_bucket_versioning.secondary", "status", json!("Suspended"));
    lambda_vpc: "HC-LAMBDA-VPC" in "serverless-api" at "lambda_function.data_processor" =>
        |n| { node(n, "lambda_function.data_processor").attrs_mut().remove("vpc_config"); };
    iam_admin: "HC-IAM-ADMIN" in "serverless-api" at "iam_role_policy.vpc_flow_log" =>
        |n| set(n, "iam_role_policy.vpc_flow_log", "policy", json!({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}));
    lambda_secrets: "HC-LAMBDA-SECRETS" in "aurora-redis-api" at "lambda_function.patient_api" =>
        |n| { node(n, "lambda_function.patient_api").attrs_mut()["environment"]["DB_PASSWORD"] = json!("hunter2"); };
}

#[test]
fn a_function_that_may_touch_records_only_through_an_admin_policy_is_caught_too() {
    let (mut nodes, cfg) = example("serverless-api");
    set(
        &mut nodes,
        "iam_role_policy.remediation",
        "policy",
        json!({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}),
    );
    let failed: Vec<(&str, String)> = eval(&nodes, &cfg)
        .violations()
        .map(|f| (f.rule, f.address.clone()))
        .collect();
    assert_eq!(
        failed,
        [
            ("HC-LAMBDA-VPC", "lambda_function.remediation".to_string()),
            ("HC-IAM-ADMIN", "iam_role_policy.remediation".to_string())
        ]
    );
}

#[test]
fn admin_access_is_caught_in_every_form() {
    for (address, attr, v) in [
        (
            "iam_role_policy.vpc_flow_log",
            "policy",
            json!({"Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]}),
        ),
        (
            "iam_role_policy_attachment.data_processor_vpc",
            "policy_arn",
            json!("arn:aws:iam::aws:policy/AdministratorAccess"),
        ),
    ] {
        let (mut nodes, cfg) = example("serverless-api");
        set(&mut nodes, address, attr, v);
        let failed: Vec<(&str, String)> = eval(&nodes, &cfg)
            .violations()
            .map(|f| (f.rule, f.address.clone()))
            .collect();
        assert!(
            failed.contains(&("HC-IAM-ADMIN", address.to_string())),
            "{failed:?}"
        );
    }
}

#[test]
fn a_function_whose_role_is_not_the_stacks_fails_the_vpc_rule() {
    let (mut nodes, cfg) = example("serverless-api");
    set(
        &mut nodes,
        "lambda_function.health_check",
        "role",
        json!("arn:aws:iam::123456789012:role/someone-elses"),
    );
    let failed: Vec<(&str, String, String)> = eval(&nodes, &cfg)
        .violations()
        .map(|f| (f.rule, f.address.clone(), f.attribute.clone()))
        .collect();
    assert_eq!(
        failed,
        [(
            "HC-LAMBDA-VPC",
            "lambda_function.health_check".to_string(),
            "role".to_string()
        )]
    );
}

#[test]
fn global_table_replicas_are_held_to_the_same_rules() {
    let (mut nodes, cfg) = example("multi-region-dr");
    let t = node(&mut nodes, "dynamodb_table.audit_logs");
    t.attrs_mut()["replicas"][0]["kms_key_arn"] = Value::Null;
    t.attrs_mut()["replicas"][0]["point_in_time_recovery"] = json!(false);
    let failed: Vec<(&str, String)> = eval(&nodes, &cfg)
        .violations()
        .map(|f| (f.rule, f.attribute.clone()))
        .collect();
    assert_eq!(
        failed,
        [
            ("HC-ENC-DDB", "replicas[us-west-2].kms_key_arn".to_string()),
            (
                "HC-BACKUP-DDB",
                "replicas[us-west-2].point_in_time_recovery".to_string()
            )
        ]
    );
}

#[test]
fn every_shipped_example_passes_with_only_the_seeds_port_80_waived() {
    for platform in ["serverless-api", "aurora-redis-api", "multi-region-dr"] {
        let (nodes, cfg) = example(platform);
        let e = eval(&nodes, &cfg);
        let v: Vec<_> = e.violations().collect();
        assert!(v.is_empty(), "{platform}: {v:#?}");
        assert!(e.stale_waivers.is_empty(), "{platform}");
        let waived: Vec<(&str, &str)> = e.waived().map(|f| (f.rule, f.address.as_str())).collect();
        let expected: &[(&str, &str)] = if platform == "serverless-api" {
            &[("HC-SG-OPEN", "ec2_security_group.alb")]
        } else {
            &[]
        };
        assert_eq!(waived, expected, "{platform}");
        // Every rule is defined on resources the platforms build.
        assert!(e.results.len() > 30, "{platform}: {}", e.results.len());
    }
}

#[test]
fn a_waiver_is_shown_with_its_reason_and_one_that_matches_nothing_is_stale() {
    let (nodes, mut cfg) = example("serverless-api");
    cfg.policy.waive.push(crate::config::Waiver {
        rule: "HC-ENC-DDB".into(),
        address: "dynamodb_table.patient_records".into(),
        attribute: None,
        reason: "testing".into(),
    });
    let e = eval(&nodes, &cfg);
    let w: Vec<_> = e.waived().collect();
    assert_eq!(w.len(), 1);
    assert!(w[0]
        .waived_because
        .as_deref()
        .unwrap()
        .starts_with("Seed 001"));
    assert_eq!(e.stale_waivers.len(), 1);
    assert_eq!(e.stale_waivers[0].rule, "HC-ENC-DDB");
    // Without the seed's waiver, the open port 80 blocks.
    cfg.policy.waive.clear();
    let e = eval(&nodes, &cfg);
    assert!(e.blocks());
    let f = e.violations().next().unwrap();
    assert_eq!(
        (f.rule, f.address.as_str(), f.attribute.as_str()),
        ("HC-SG-OPEN", "ec2_security_group.alb", "ingress:tcp/80")
    );
    assert!(f.problem.contains("tcp/80"), "{}", f.problem);
    // A waiver pinned to port 80 does not cover a port opened later.
    let (mut more, mut cfg) = example("serverless-api");
    cfg.policy
        .waive
        .retain(|w| w.attribute.as_deref() == Some("ingress:tcp/80"));
    assert_eq!(cfg.policy.waive.len(), 1);
    node(&mut more, "ec2_security_group.alb").attrs_mut()["ingress"]
        .as_array_mut()
        .unwrap()
        .push(
            json!({"protocol": "tcp", "from_port": 22, "to_port": 22, "cidr_block": "0.0.0.0/0"}),
        );
    let e = eval(&more, &cfg);
    let open: Vec<(&str, &str)> = e
        .violations()
        .map(|f| (f.rule, f.attribute.as_str()))
        .collect();
    assert_eq!(open, [("HC-SG-OPEN", "ingress:tcp/22")]);
    assert_eq!(e.waived().count(), 1);
}

#[test]
fn live_values_point_by_id_and_arn() {
    let key_arn = "arn:aws:kms:us-east-1:123456789012:key/k-1";
    let obj = |v: Value| v.as_object().unwrap().clone();
    let live = |table_key: &str| {
        Stack::live(
            vec![
                (
                    "kms_key.main".into(),
                    obj(json!({"enabled": true})),
                    obj(json!({"id": "k-1", "arn": key_arn})),
                ),
                (
                    "dynamodb_table.t".into(),
                    obj(json!({"kms_key_arn": table_key, "point_in_time_recovery": true})),
                    obj(json!({"id": "t"})),
                ),
                (
                    "s3_bucket.b".into(),
                    obj(json!({"bucket": "b"})),
                    obj(json!({"id": "b"})),
                ),
                (
                    "s3_bucket_public_access_block.b".into(),
                    obj(
                        json!({"bucket": "b", "block_public_acls": true, "block_public_policy": true, "ignore_public_acls": true, "restrict_public_buckets": true}),
                    ),
                    obj(json!({"id": "b"})),
                ),
            ],
            90,
        )
    };
    let result = |s: &Stack, rule: &str, address: &str| {
        evaluate(s, &[])
            .results
            .into_iter()
            .find(|f| f.rule == rule && f.address == address)
            .map(|f| f.result)
    };
    assert_eq!(
        result(&live(key_arn), "HC-ENC-DDB", "dynamodb_table.t"),
        Some("pass")
    );
    let other = live("arn:aws:kms:us-east-1:123456789012:key/aws-managed");
    assert_eq!(
        result(&other, "HC-ENC-DDB", "dynamodb_table.t"),
        Some("fail")
    );
    assert_eq!(result(&other, "HC-S3-PUBLIC", "s3_bucket.b"), Some("pass"));
    assert_eq!(result(&other, "HC-S3-TLS", "s3_bucket.b"), Some("fail"));
    // A policy held as a JSON string (as IAM and S3 return it) is read too.
    let mut s = other.clone();
    s.subjects.insert(
        "s3_bucket_policy.b".into(),
        Subject {
            address: "s3_bucket_policy.b".into(),
            attrs: obj(json!({"bucket": "b", "policy": json!({"Statement": [{"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": ["s3:*"], "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"], "Condition": {"Bool": {"aws:SecureTransport": false}}}]}).to_string()})),
            outputs: obj(json!({"id": "b"})),
        },
    );
    assert_eq!(result(&s, "HC-S3-TLS", "s3_bucket.b"), Some("pass"));
    // A deny narrowed to one prefix, or by another condition, is not TLS-only.
    for narrowed in [
        json!({"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/tmp/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}),
        json!({"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}, "IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}]}),
    ] {
        let mut n = s.clone();
        n.subjects.get_mut("s3_bucket_policy.b").unwrap().attrs["policy"] = narrowed;
        assert_eq!(result(&n, "HC-S3-TLS", "s3_bucket.b"), Some("fail"));
    }
}

#[test]
fn iam_wildcards_match_as_iam_matches_them() {
    use super::checks::glob_for_tests as glob;
    assert!(glob("dynamodb:*", "dynamodb:GetItem"));
    assert!(glob("DynamoDB:Get*", "dynamodb:GetItem"));
    assert!(glob("*", "s3:GetObject"));
    assert!(glob("s3:Get?bject", "s3:GetObject"));
    assert!(!glob("dynamodb:Put*", "dynamodb:GetItem"));
    assert!(!glob("s3:GetObjectAcl", "s3:GetObject"));
}

#[test]
fn sarif_has_one_result_per_failure_and_suppresses_waived_ones() {
    let (nodes, cfg) = example("serverless-api");
    let mut broken = nodes.clone();
    set(
        &mut broken,
        "kms_key.main",
        "enable_key_rotation",
        json!(false),
    );
    let e = eval(&broken, &cfg);
    let log = sarif::log(&e, "hcprov.toml");
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(
        log["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .len(),
        RULES.len()
    );
    let waived: Vec<&Value> = results
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(waived.len(), 1);
    assert_eq!(waived[0]["ruleId"], "HC-SG-OPEN");
    let open: Vec<&Value> = results
        .iter()
        .filter(|r| r.get("suppressions").is_none())
        .collect();
    assert_eq!(open[0]["ruleId"], "HC-KMS-ROTATION");
    assert_eq!(
        open[0]["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
        "kms_key.main"
    );
}

/// The README's rule table row of `r`.
fn readme_row(r: &Rule) -> String {
    format!(
        "| `{}` | {} | {} | {} |",
        r.id,
        r.safeguard,
        r.config_rule.map_or("—".to_string(), |c| format!("`{c}`")),
        r.title
    )
}

#[test]
fn the_readme_lists_every_rule_as_the_pack_defines_it() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let missing: Vec<String> = RULES
        .iter()
        .map(readme_row)
        .filter(|row| !readme.contains(row.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "README rule table rows missing or stale:\n{}",
        missing.join("\n")
    );
}
