//! The `multi-region-dr` platform (seed 004) on the emulator, both regions
//! served by one moto server by signing region: apply from empty, every
//! object read back through the SDK in its region, peering active on both
//! sides, a no-change plan, a weight change planned as exactly two record
//! updates, an out-of-band change in the secondary reported with its
//! region, destroy leaving nothing in either region or in Route 53. And a
//! region outage (through a proxy failing every request signed for it):
//! apply completes what does not depend on it and names both regions; a
//! re-run once the region is back completes the rest.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use aws_config::Region;

use super::calls::{by_service, within, DR};
use super::harness::{block_on, changes, id, Moto, Project};
use super::outofband::{attach_read_only, open_and_throttle};
use super::proxy::{Fault, Proxy};

const PRIMARY: &str = "us-east-1";
const SECONDARY: &str = "us-west-2";

/// The example config, made disposable and pointed at the handlers, in
/// environment `e2e`, with `extra` lines before `[dr]`'s settings.
fn config(extra_dr: &str) -> String {
    let root = env!("CARGO_MANIFEST_DIR");
    let text =
        std::fs::read_to_string(Path::new(root).join("examples/multi-region-dr.toml")).unwrap();
    let text = text
        .replace("environment = \"dr\"", "environment = \"e2e\"")
        .replace(
            "lambda_source = \"../lambdas\"",
            &format!("lambda_source = \"{root}/lambdas\""),
        )
        .replace("[dr]\n", &format!("[dr]\n{extra_dr}"));
    assert!(
        text.contains("environment = \"e2e\""),
        "the example's fields moved"
    );
    format!("disposable = true\n{text}")
}

async fn sdk(moto: &Moto, region: &str) -> aws_config::SdkConfig {
    moto.sdk()
        .await
        .to_builder()
        .region(Region::new(region.to_string()))
        .build()
}

/// Reads both regions and the global parts back through the SDK.
async fn verify(moto: &Moto, state: &serde_json::Value, weights: (i64, i64)) {
    for (region, role, cidr) in [
        (PRIMARY, "primary", "10.0."),
        (SECONDARY, "secondary", "10.1."),
    ] {
        let c = sdk(moto, region).await;
        let ec2 = aws_sdk_ec2::Client::new(&c);
        let subnets = ec2
            .describe_subnets()
            .filters(
                aws_sdk_ec2::types::Filter::builder()
                    .name("vpc-id")
                    .values(id(state, &format!("ec2_vpc.{role}")))
                    .build(),
            )
            .send()
            .await
            .unwrap();
        let zones: std::collections::BTreeSet<_> = subnets
            .subnets()
            .iter()
            .filter_map(|s| s.availability_zone())
            .collect();
        assert_eq!(
            (subnets.subnets().len(), zones.len()),
            (6, 3),
            "{region}: six subnets over three zones"
        );
        assert!(subnets
            .subnets()
            .iter()
            .all(|s| s.cidr_block().unwrap().starts_with(cidr)));
        // Peering active, seen from both sides, with a route on each.
        let pcx = ec2
            .describe_vpc_peering_connections()
            .vpc_peering_connection_ids(id(state, "ec2_vpc_peering_connection.main"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            pcx.vpc_peering_connections()[0]
                .status()
                .unwrap()
                .code()
                .unwrap()
                .as_str(),
            "active",
            "{region}"
        );
        let rt = ec2
            .describe_route_tables()
            .route_table_ids(id(state, &format!("ec2_route_table.{role}_private")))
            .send()
            .await
            .unwrap();
        let other = if role == "primary" {
            "10.1.0.0/16"
        } else {
            "10.0.0.0/16"
        };
        assert!(
            rt.route_tables()[0]
                .routes()
                .iter()
                .any(|r| r.destination_cidr_block() == Some(other)
                    && r.vpc_peering_connection_id().is_some()),
            "{region}"
        );
        let eps = ec2.describe_vpc_endpoints().send().await.unwrap();
        let services: std::collections::BTreeSet<_> = eps
            .vpc_endpoints()
            .iter()
            .filter_map(|e| e.service_name())
            .collect();
        assert!(
            services.contains(format!("com.amazonaws.{region}.dynamodb").as_str())
                && services.contains(format!("com.amazonaws.{region}.s3").as_str())
        );
        // The key, the bucket under it, the global tables' replica here.
        let key = id(state, &format!("kms_key.{role}"));
        let kms = aws_sdk_kms::Client::new(&c);
        assert!(kms
            .get_key_rotation_status()
            .key_id(&key)
            .send()
            .await
            .unwrap()
            .key_rotation_enabled());
        let policy = kms
            .get_key_policy()
            .key_id(&key)
            .policy_name("default")
            .send()
            .await
            .unwrap();
        assert!(
            policy
                .policy()
                .unwrap()
                .contains("healthcare-dr-s3-replication-e2e"),
            "{region}: the key admits the replication role"
        );
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&c)
                .force_path_style(true)
                .build(),
        );
        let bucket = id(state, &format!("s3_bucket.{role}"));
        let enc = s3
            .get_bucket_encryption()
            .bucket(&bucket)
            .send()
            .await
            .unwrap();
        let rule = &enc.server_side_encryption_configuration().unwrap().rules()[0];
        assert!(rule
            .apply_server_side_encryption_by_default()
            .unwrap()
            .kms_master_key_id()
            .unwrap()
            .contains(&key));
        assert_eq!(
            s3.get_bucket_versioning()
                .bucket(&bucket)
                .send()
                .await
                .unwrap()
                .status()
                .unwrap()
                .as_str(),
            "Enabled"
        );
        let ddb = aws_sdk_dynamodb::Client::new(&c);
        for t in [
            "healthcare-patient-records-e2e",
            "healthcare-audit-logs-e2e",
        ] {
            let d = ddb.describe_table().table_name(t).send().await.unwrap();
            let t2 = d.table().unwrap();
            assert!(
                t2.sse_description()
                    .unwrap()
                    .kms_master_key_arn()
                    .unwrap()
                    .contains(&key),
                "{region} {t}: its own region's key"
            );
            let pitr = ddb
                .describe_continuous_backups()
                .table_name(t)
                .send()
                .await
                .unwrap();
            assert_eq!(
                pitr.continuous_backups_description()
                    .unwrap()
                    .point_in_time_recovery_description()
                    .unwrap()
                    .point_in_time_recovery_status()
                    .unwrap()
                    .as_str(),
                "ENABLED",
                "{region} {t}"
            );
            if role == "primary" {
                assert_eq!(t2.replicas()[0].region_name(), Some(SECONDARY));
                assert_eq!(
                    t2.stream_specification()
                        .unwrap()
                        .stream_view_type()
                        .unwrap()
                        .as_str(),
                    "NEW_AND_OLD_IMAGES"
                );
            }
        }
        let f = aws_sdk_lambda::Client::new(&c)
            .get_function_configuration()
            .function_name(format!("healthcare-dr-api-{role}-e2e"))
            .send()
            .await
            .unwrap();
        assert_eq!((f.memory_size(), f.timeout()), (Some(3072), Some(30)));
        assert!(f
            .environment()
            .unwrap()
            .variables()
            .unwrap()
            .keys()
            .all(|k| !k.starts_with("AWS_")));
        let api = aws_sdk_apigatewayv2::Client::new(&c);
        let routes = api
            .get_routes()
            .api_id(id(state, &format!("apigatewayv2_api.{role}")))
            .send()
            .await
            .unwrap();
        let mut auth: Vec<(&str, &str)> = routes
            .items()
            .iter()
            .map(|r| {
                (
                    r.route_key().unwrap(),
                    r.authorization_type().unwrap().as_str(),
                )
            })
            .collect();
        auth.sort();
        assert_eq!(
            auth,
            [("ANY /{proxy+}", "AWS_IAM"), ("GET /health", "NONE")]
        );
        let stage = api
            .get_stage()
            .api_id(id(state, &format!("apigatewayv2_api.{role}")))
            .stage_name("$default")
            .send()
            .await
            .unwrap();
        let health = &stage.route_settings().unwrap()["GET /health"];
        assert_eq!(
            (
                health.throttling_rate_limit(),
                health.throttling_burst_limit()
            ),
            (Some(10.0), Some(20)),
            "{region}: the open route has its own small throttle"
        );
        for name in [
            "api.healthcare-dr-e2e.com",
            "failover.healthcare-dr-e2e.com",
        ] {
            let d = api
                .get_domain_name()
                .domain_name(name)
                .send()
                .await
                .unwrap();
            let conf = &d.domain_name_configurations()[0];
            assert_eq!(conf.security_policy().unwrap().as_str(), "TLS_1_2");
            let cert = aws_sdk_acm::Client::new(&c)
                .describe_certificate()
                .certificate_arn(conf.certificate_arn().unwrap())
                .send()
                .await
                .unwrap();
            assert_eq!(
                cert.certificate().unwrap().status().unwrap().as_str(),
                "ISSUED",
                "{region}: a valid certificate"
            );
        }
        let cw = aws_sdk_cloudwatch::Client::new(&c);
        let dash = cw
            .get_dashboard()
            .dashboard_name(format!("healthcare-dr-{role}-e2e"))
            .send()
            .await
            .unwrap();
        assert!(
            dash.dashboard_body()
                .unwrap()
                .contains("ReplicationLatency"),
            "{region}: replication lag on the dashboard"
        );
        let alarms = cw
            .describe_alarms()
            .alarm_names(format!("healthcare-dr-lambda-errors-{role}-e2e"))
            .send()
            .await
            .unwrap();
        assert_eq!(alarms.metric_alarms().len(), 1);
    }
    // S3 replication, primary → secondary, as configured.
    let c = sdk(moto, PRIMARY).await;
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&c)
            .force_path_style(true)
            .build(),
    );
    let rep = s3
        .get_bucket_replication()
        .bucket(id(state, "s3_bucket.primary"))
        .send()
        .await
        .unwrap();
    let rule = &rep.replication_configuration().unwrap().rules()[0];
    let dest = rule.destination().unwrap();
    assert!(dest.bucket().ends_with(&id(state, "s3_bucket.secondary")));
    assert!(dest
        .encryption_configuration()
        .unwrap()
        .replica_kms_key_id()
        .unwrap()
        .contains(&id(state, "kms_key.secondary")));
    assert!(rule
        .source_selection_criteria()
        .unwrap()
        .sse_kms_encrypted_objects()
        .is_some());
    assert!(dest.metrics().is_some() && dest.replication_time().is_some());
    // Route 53: the health checks, weighted and failover records.
    let r53 = aws_sdk_route53::Client::new(&c);
    let zone = id(state, "route53_zone.main");
    let sets = r53
        .list_resource_record_sets()
        .hosted_zone_id(&zone)
        .send()
        .await
        .unwrap();
    let mut weighted = vec![];
    let mut failover = vec![];
    for s in sets.resource_record_sets() {
        if s.name().starts_with("api.") {
            weighted.push((
                s.set_identifier().unwrap().to_string(),
                s.weight().unwrap(),
                s.health_check_id().is_some(),
            ));
        } else if s.name().starts_with("failover.") {
            failover.push((
                s.failover().unwrap().as_str().to_string(),
                s.ttl().unwrap(),
                s.health_check_id().is_some(),
            ));
        }
    }
    weighted.sort();
    failover.sort();
    assert_eq!(
        weighted,
        [
            ("primary".to_string(), weights.0, true),
            ("secondary".to_string(), weights.1, true)
        ]
    );
    assert_eq!(
        failover,
        [
            ("PRIMARY".to_string(), 60, true),
            ("SECONDARY".to_string(), 60, true)
        ]
    );
    for role in ["primary", "secondary"] {
        let hc = r53
            .get_health_check()
            .health_check_id(id(state, &format!("route53_health_check.{role}")))
            .send()
            .await
            .unwrap();
        let conf = hc.health_check().unwrap().health_check_config().unwrap();
        assert_eq!(
            (
                conf.r#type().as_str(),
                conf.resource_path(),
                conf.request_interval(),
                conf.failure_threshold()
            ),
            ("HTTPS", Some("/health"), Some(30), Some(3))
        );
    }
    // Health-check alarms live in us-east-1.
    let cw = aws_sdk_cloudwatch::Client::new(&c);
    let alarms = cw
        .describe_alarms()
        .alarm_name_prefix("healthcare-dr-health-")
        .send()
        .await
        .unwrap();
    assert_eq!(alarms.metric_alarms().len(), 2);
}

#[test]
fn multi_region_dr_apply_verify_reweight_drift_destroy() {
    let moto = Moto::start();
    // The proxy counts the calls of a no-change plan and drift.
    let proxy = Proxy::start(&moto.url, Arc::new(|_| None));
    let p = Project::new(&proxy.url, &config(""));
    let plan = p.run(&["plan"]).expect(0);
    assert!(
        plan.stdout
            .contains(&format!("ec2_vpc.secondary in {SECONDARY}")),
        "plan names each object's region"
    );
    assert!(
        plan.stdout.contains(&format!("  {PRIMARY}: "))
            && plan.stdout.contains(&format!("  {SECONDARY}: ")),
        "a summary line per region:\n{}",
        plan.stdout
    );
    let run = p.run(&["apply", "--auto-approve"]).expect(0);
    assert!(
        run.stdout.contains(&format!("in {SECONDARY}: created in")),
        "{}",
        run.stdout
    );
    let state = p.state();
    block_on(verify(&moto, &state, (70, 30)));
    let mark = proxy.log.lock().unwrap().len();
    p.run(&["plan", "--detailed-exitcode"]).expect(0);
    within("dr plan", &by_service(&proxy, mark), DR);
    let mark = proxy.log.lock().unwrap().len();
    p.run(&["drift"]).expect(0);
    within("dr drift", &by_service(&proxy, mark), DR);

    p.write_config(
        &config("")
            .replace("primary_weight = 70", "primary_weight = 50")
            .replace("secondary_weight = 30", "secondary_weight = 50"),
    );
    let plan = p.run(&["plan", "--json"]).expect(0).json();
    assert_eq!(
        changes(&plan),
        [
            (
                "route53_record.primary_weighted".to_string(),
                "update".to_string(),
                vec!["weight".to_string()]
            ),
            (
                "route53_record.secondary_weighted".to_string(),
                "update".to_string(),
                vec!["weight".to_string()]
            ),
        ]
    );
    p.run(&["apply", "--auto-approve"]).expect(0);
    block_on(verify(&moto, &p.state(), (50, 50)));

    // Out of band: in the secondary region a setting, a switch (reserved
    // concurrency 1 throttles the function) and a set (another account may
    // invoke it); in the primary a health check switched off and a policy
    // attached to the primary function's role.
    let check = id(&p.state(), "route53_health_check.primary");
    block_on(async {
        let c = sdk(&moto, SECONDARY).await;
        let lambda = aws_sdk_lambda::Client::new(&c);
        lambda
            .update_function_configuration()
            .function_name("healthcare-dr-api-secondary-e2e")
            .memory_size(1024)
            .send()
            .await
            .unwrap();
        open_and_throttle(&lambda, "healthcare-dr-api-secondary-e2e").await;
        let c = sdk(&moto, PRIMARY).await;
        aws_sdk_route53::Client::new(&c)
            .update_health_check()
            .health_check_id(&check)
            .disabled(true)
            .send()
            .await
            .unwrap();
        attach_read_only(
            &aws_sdk_iam::Client::new(&c),
            "healthcare-dr-api-primary-role-e2e",
        )
        .await;
    });
    let drift = p.run(&["drift", "--json"]).expect(2).json();
    let drifted: Vec<(String, String, String)> = drift["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] != "in_sync")
        .flat_map(|r| {
            r["attributes"].as_array().unwrap().iter().map(|a| {
                (
                    r["address"].as_str().unwrap().to_string(),
                    r["region"].as_str().unwrap().to_string(),
                    a["name"].as_str().unwrap().to_string(),
                )
            })
        })
        .collect();
    let expect = |a: &str, r: &str, n: &str| (a.to_string(), r.to_string(), n.to_string());
    assert_eq!(
        drifted
            .into_iter()
            .collect::<std::collections::BTreeSet<_>>(),
        [
            expect("iam_role.primary_api", PRIMARY, "managed_policy_arns"),
            expect("lambda_function.secondary_api", SECONDARY, "memory_size"),
            expect(
                "lambda_function.secondary_api",
                SECONDARY,
                "permission_sids"
            ),
            expect(
                "lambda_function.secondary_api",
                SECONDARY,
                "reserved_concurrent_executions"
            ),
            expect("route53_health_check.primary", PRIMARY, "disabled"),
        ]
        .into_iter()
        .collect()
    );
    assert_eq!(drift["by_region"][SECONDARY]["modified"], 1);
    assert_eq!(drift["by_region"][PRIMARY]["modified"], 2);
    let text = p.run(&["drift"]).expect(2).stdout;
    assert!(
        text.contains(&format!("lambda_function.secondary_api in {SECONDARY}")),
        "{text}"
    );
    p.run(&["apply", "--auto-approve"]).expect(0);
    p.run(&["drift"]).expect(0);

    p.run(&["destroy", "--force"]).expect(0);
    block_on(async {
        for region in [PRIMARY, SECONDARY] {
            let c = sdk(&moto, region).await;
            let vpcs = aws_sdk_ec2::Client::new(&c)
                .describe_vpcs()
                .filters(
                    aws_sdk_ec2::types::Filter::builder()
                        .name("tag-key")
                        .values("hcprov:address")
                        .build(),
                )
                .send()
                .await
                .unwrap();
            let api = aws_sdk_apigatewayv2::Client::new(&c);
            let left = [
                ("VPCs", vpcs.vpcs().len()),
                (
                    "tables",
                    aws_sdk_dynamodb::Client::new(&c)
                        .list_tables()
                        .send()
                        .await
                        .unwrap()
                        .table_names()
                        .len(),
                ),
                (
                    "functions",
                    aws_sdk_lambda::Client::new(&c)
                        .list_functions()
                        .send()
                        .await
                        .unwrap()
                        .functions()
                        .len(),
                ),
                ("APIs", api.get_apis().send().await.unwrap().items().len()),
                (
                    "domain names",
                    api.get_domain_names().send().await.unwrap().items().len(),
                ),
                (
                    "certificates",
                    aws_sdk_acm::Client::new(&c)
                        .list_certificates()
                        .send()
                        .await
                        .unwrap()
                        .certificate_summary_list()
                        .len(),
                ),
            ];
            assert!(left.iter().all(|(_, n)| *n == 0), "{region}: {left:?}");
            let peerings = aws_sdk_ec2::Client::new(&c)
                .describe_vpc_peering_connections()
                .send()
                .await
                .unwrap();
            assert!(
                peerings.vpc_peering_connections().iter().all(|p| p
                    .status()
                    .unwrap()
                    .code()
                    .unwrap()
                    .as_str()
                    == "deleted"),
                "{region}"
            );
        }
        let c = sdk(&moto, PRIMARY).await;
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&c)
                .force_path_style(true)
                .build(),
        );
        assert!(s3.list_buckets().send().await.unwrap().buckets().is_empty());
        let r53 = aws_sdk_route53::Client::new(&c);
        assert!(r53
            .list_hosted_zones()
            .send()
            .await
            .unwrap()
            .hosted_zones()
            .is_empty());
        assert!(r53
            .list_health_checks()
            .send()
            .await
            .unwrap()
            .health_checks()
            .is_empty());
    });
    assert_eq!(p.state()["resources"], serde_json::json!([]));
}

/// Applies from empty while every request signed for `down` fails, then
/// again once it is back.
fn outage(down: &'static str) {
    let moto = Moto::start();
    let failing = Arc::new(AtomicBool::new(true));
    let flag = failing.clone();
    let proxy = Proxy::start(
        &moto.url,
        Arc::new(move |seen| {
            (flag.load(Ordering::SeqCst) && seen.region() == down).then(|| Fault::unavailable(seen))
        }),
    );
    // Zones named in the configuration: a plan needs no call to the region
    // that is down.
    let p = Project::new(&proxy.url, &config("primary_availability_zones = [\"a\", \"b\", \"c\"]\nsecondary_availability_zones = [\"a\", \"b\", \"c\"]\n"));
    let up = if down == PRIMARY { SECONDARY } else { PRIMARY };
    let out = p
        .command(&["apply", "--auto-approve"])
        .env("AWS_MAX_ATTEMPTS", "2")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = |region: &str| {
        stdout
            .lines()
            .find(|l| l.starts_with(&format!("  {region}: ")) && l.contains("done"))
            .unwrap_or_else(|| panic!("no line for {region}:\n{stdout}"))
            .to_string()
    };
    let (down_line, up_line) = (line(down), line(up));
    assert!(
        down_line.starts_with(&format!("  {down}: 0 done")),
        "nothing in the region that is down: {down_line}"
    );
    let done_up: usize = up_line
        .split(": ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(done_up > 10, "the other region went ahead: {up_line}");
    assert!(stdout.contains("Apply incomplete"), "{stdout}");
    let recorded = p.state()["resources"].as_array().unwrap().len();
    assert!(recorded >= done_up, "every finished object is in the state");
    // The region is back: a re-run completes the rest.
    failing.store(false, Ordering::SeqCst);
    p.run(&["apply", "--auto-approve"]).expect(0);
    p.run(&["plan", "--detailed-exitcode"]).expect(0);
    assert_eq!(p.state()["resources"].as_array().unwrap().len(), 123);
}

#[test]
fn a_secondary_region_outage_stops_only_what_needs_it() {
    outage(SECONDARY);
}

#[test]
fn a_primary_region_outage_stops_only_what_needs_it() {
    outage(PRIMARY);
}
