//! What exists in the emulator, listed through the SDK (never from hcprov's
//! state): the objects carrying the `hcprov:address` tag, plus the IAM, KMS
//! and log objects named for the environment.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::Filter;

use super::harness::Moto;

/// Kind → address tag (or name) of each live object.
pub type Inventory = BTreeMap<&'static str, Vec<String>>;

fn tagged() -> Filter {
    Filter::builder()
        .name("tag-key")
        .values("hcprov:address")
        .build()
}

fn address(tags: &[aws_sdk_ec2::types::Tag]) -> String {
    tags.iter()
        .find(|t| t.key() == Some("hcprov:address"))
        .and_then(|t| t.value())
        .unwrap_or("?")
        .to_string()
}

/// Lists every object of the networking + IAM + KMS slice for `env`.
pub async fn slice(moto: &Moto, env: &str) -> Inventory {
    let sdk = moto.sdk().await;
    let ec2 = aws_sdk_ec2::Client::new(&sdk);
    let mut inv = Inventory::new();
    let vpcs = ec2.describe_vpcs().filters(tagged()).send().await.unwrap();
    inv.insert(
        "ec2_vpc",
        vpcs.vpcs().iter().map(|v| address(v.tags())).collect(),
    );
    let subnets = ec2
        .describe_subnets()
        .filters(tagged())
        .send()
        .await
        .unwrap();
    inv.insert(
        "ec2_subnet",
        subnets
            .subnets()
            .iter()
            .map(|v| address(v.tags()))
            .collect(),
    );
    let igws = ec2
        .describe_internet_gateways()
        .filters(tagged())
        .send()
        .await
        .unwrap();
    inv.insert(
        "ec2_internet_gateway",
        igws.internet_gateways()
            .iter()
            .map(|v| address(v.tags()))
            .collect(),
    );
    let eips = ec2
        .describe_addresses()
        .filters(tagged())
        .send()
        .await
        .unwrap();
    inv.insert(
        "ec2_eip",
        eips.addresses().iter().map(|v| address(v.tags())).collect(),
    );
    let nats = ec2
        .describe_nat_gateways()
        .filter(tagged())
        .send()
        .await
        .unwrap();
    inv.insert(
        "ec2_nat_gateway",
        nats.nat_gateways()
            .iter()
            .filter(|n| n.state().map(|s| s.as_str()) != Some("deleted"))
            .map(|v| address(v.tags()))
            .collect(),
    );
    let rts = ec2
        .describe_route_tables()
        .filters(tagged())
        .send()
        .await
        .unwrap();
    inv.insert(
        "ec2_route_table",
        rts.route_tables()
            .iter()
            .map(|v| address(v.tags()))
            .collect(),
    );
    inv.insert(
        "ec2_route_table_association",
        rts.route_tables()
            .iter()
            .flat_map(|t| t.associations())
            .filter(|a| a.main() != Some(true))
            .map(|a| {
                a.route_table_association_id()
                    .unwrap_or_default()
                    .to_string()
            })
            .collect(),
    );
    let eps = ec2
        .describe_vpc_endpoints()
        .filters(tagged())
        .send()
        .await
        .unwrap();
    inv.insert(
        "ec2_vpc_endpoint",
        eps.vpc_endpoints()
            .iter()
            .filter(|e| {
                !matches!(
                    e.state()
                        .map(|s| s.as_str().to_ascii_lowercase())
                        .as_deref(),
                    Some("deleted" | "deleting")
                )
            })
            .map(|v| address(v.tags()))
            .collect(),
    );
    let sgs = ec2
        .describe_security_groups()
        .filters(tagged())
        .send()
        .await
        .unwrap();
    inv.insert(
        "ec2_security_group",
        sgs.security_groups()
            .iter()
            .map(|v| address(v.tags()))
            .collect(),
    );
    let fls = ec2
        .describe_flow_logs()
        .filter(tagged())
        .send()
        .await
        .unwrap();
    inv.insert(
        "ec2_flow_log",
        fls.flow_logs().iter().map(|v| address(v.tags())).collect(),
    );

    let logs = aws_sdk_cloudwatchlogs::Client::new(&sdk);
    let mut groups = vec![];
    for prefix in ["/aws/vpc/healthcare-", "/aws/lambda/healthcare-"] {
        let out = logs
            .describe_log_groups()
            .log_group_name_prefix(prefix)
            .send()
            .await
            .unwrap();
        groups.extend(
            out.log_groups()
                .iter()
                .filter_map(|g| g.log_group_name().map(str::to_string))
                .filter(|n| n.ends_with(&format!("-{env}"))),
        );
    }
    inv.insert("logs_log_group", groups);

    let iam = aws_sdk_iam::Client::new(&sdk);
    let roles: Vec<String> = iam
        .list_roles()
        .send()
        .await
        .unwrap()
        .roles()
        .iter()
        .map(|r| r.role_name().to_string())
        .filter(|n| n.starts_with("healthcare-") && n.ends_with(&format!("-{env}")))
        .collect();
    let (mut attached, mut inline) = (vec![], vec![]);
    for r in &roles {
        let a = iam
            .list_attached_role_policies()
            .role_name(r)
            .send()
            .await
            .unwrap();
        attached.extend(
            a.attached_policies()
                .iter()
                .map(|p| format!("{r}/{}", p.policy_arn().unwrap_or_default())),
        );
        let i = iam.list_role_policies().role_name(r).send().await.unwrap();
        inline.extend(i.policy_names().iter().map(|p| format!("{r}:{p}")));
    }
    inv.insert("iam_role", roles);
    inv.insert("iam_role_policy_attachment", attached);
    inv.insert("iam_role_policy", inline);

    let kms = aws_sdk_kms::Client::new(&sdk);
    let mut keys = vec![];
    for k in kms.list_keys().send().await.unwrap().keys() {
        let d = kms
            .describe_key()
            .key_id(k.key_id().unwrap())
            .send()
            .await
            .unwrap();
        let m = d.key_metadata().unwrap();
        let live = m.key_state().map(|s| s.as_str()) == Some("Enabled");
        if live
            && m.description()
                .is_some_and(|d| d.ends_with(&format!("- {env}")))
        {
            keys.push(m.key_id().to_string());
        }
    }
    inv.insert("kms_key", keys);
    let aliases = kms.list_aliases().send().await.unwrap();
    inv.insert(
        "kms_alias",
        aliases
            .aliases()
            .iter()
            .filter_map(|a| a.alias_name())
            .filter(|n| *n == format!("alias/healthcare-{env}"))
            .map(str::to_string)
            .collect(),
    );
    inv
}

fn named(env: &str, name: &str) -> bool {
    name.starts_with("healthcare-")
        && (name.ends_with(&format!("-{env}"))
            // Buckets end in the account and region, for global uniqueness.
            || name.ends_with(&format!("-{env}-123456789012-us-east-1")))
}

/// Lists every object of the whole platform for `env`: the slice plus
/// storage, compute, API, monitoring and backup.
pub async fn platform(moto: &Moto, env: &str) -> Inventory {
    let mut inv = slice(moto, env).await;
    let sdk = moto.sdk().await;

    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&sdk)
            .force_path_style(true)
            .build(),
    );
    let buckets: Vec<String> = s3
        .list_buckets()
        .send()
        .await
        .unwrap()
        .buckets()
        .iter()
        .filter_map(|b| b.name())
        .filter(|n| named(env, n))
        .map(str::to_string)
        .collect();
    let (mut versioning, mut encryption, mut pab, mut lifecycle, mut policy) =
        (vec![], vec![], vec![], vec![], vec![]);
    for b in &buckets {
        let v = s3.get_bucket_versioning().bucket(b).send().await.unwrap();
        if v.status().map(|s| s.as_str()) == Some("Enabled") {
            versioning.push(b.clone());
        }
        if let Ok(e) = s3.get_bucket_encryption().bucket(b).send().await {
            let kms = e
                .server_side_encryption_configuration()
                .and_then(|c| c.rules().first())
                .and_then(|r| r.apply_server_side_encryption_by_default())
                .map(|d| d.sse_algorithm().as_str() == "aws:kms");
            if kms == Some(true) {
                encryption.push(b.clone());
            }
        }
        if s3.get_public_access_block().bucket(b).send().await.is_ok() {
            pab.push(b.clone());
        }
        if s3
            .get_bucket_lifecycle_configuration()
            .bucket(b)
            .send()
            .await
            .is_ok()
        {
            lifecycle.push(b.clone());
        }
        if s3.get_bucket_policy().bucket(b).send().await.is_ok() {
            policy.push(b.clone());
        }
    }
    inv.insert("s3_bucket", buckets);
    inv.insert("s3_bucket_versioning", versioning);
    inv.insert("s3_bucket_encryption", encryption);
    inv.insert("s3_bucket_public_access_block", pab);
    inv.insert("s3_bucket_lifecycle", lifecycle);
    inv.insert("s3_bucket_policy", policy);

    let ct = aws_sdk_cloudtrail::Client::new(&sdk);
    let trails = ct.describe_trails().send().await.unwrap();
    inv.insert(
        "cloudtrail_trail",
        trails
            .trail_list()
            .iter()
            .filter_map(|t| t.name())
            .filter(|n| named(env, n))
            .map(str::to_string)
            .collect(),
    );

    let ddb = aws_sdk_dynamodb::Client::new(&sdk);
    let tables = ddb.list_tables().send().await.unwrap();
    inv.insert(
        "dynamodb_table",
        tables
            .table_names()
            .iter()
            .filter(|n| named(env, n))
            .cloned()
            .collect(),
    );

    let lambda = aws_sdk_lambda::Client::new(&sdk);
    let functions: Vec<String> = lambda
        .list_functions()
        .send()
        .await
        .unwrap()
        .functions()
        .iter()
        .filter_map(|f| f.function_name())
        .filter(|n| named(env, n))
        .map(str::to_string)
        .collect();
    let mut permissions = vec![];
    for f in &functions {
        if let Ok(p) = lambda.get_policy().function_name(f).send().await {
            let doc: serde_json::Value = serde_json::from_str(p.policy().unwrap_or("{}")).unwrap();
            for st in doc["Statement"].as_array().into_iter().flatten() {
                permissions.push(format!("{f}/{}", st["Sid"].as_str().unwrap_or_default()));
            }
        }
    }
    inv.insert("lambda_function", functions);
    inv.insert("lambda_permission", permissions);

    let api = aws_sdk_apigateway::Client::new(&sdk);
    let apis: Vec<(String, String)> = api
        .get_rest_apis()
        .send()
        .await
        .unwrap()
        .items()
        .iter()
        .filter(|a| a.name().is_some_and(|n| named(env, n)))
        .map(|a| {
            (
                a.id().unwrap_or_default().to_string(),
                a.name().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let (mut resources, mut methods, mut integrations, mut deployments, mut stages) =
        (vec![], vec![], vec![], vec![], vec![]);
    for (id, _) in &apis {
        for r in api
            .get_resources()
            .rest_api_id(id)
            .send()
            .await
            .unwrap()
            .items()
        {
            if r.path() == Some("/") {
                continue;
            }
            let rid = r.id().unwrap_or_default();
            resources.push(rid.to_string());
            for m in r
                .resource_methods()
                .map(|m| m.keys().cloned().collect::<Vec<_>>())
                .unwrap_or_default()
            {
                methods.push(format!("{rid}/{m}"));
                if api
                    .get_integration()
                    .rest_api_id(id)
                    .resource_id(rid)
                    .http_method(&m)
                    .send()
                    .await
                    .is_ok()
                {
                    integrations.push(format!("{rid}/{m}"));
                }
            }
        }
        deployments.extend(
            api.get_deployments()
                .rest_api_id(id)
                .send()
                .await
                .unwrap()
                .items()
                .iter()
                .filter_map(|d| d.id().map(str::to_string)),
        );
        stages.extend(
            api.get_stages()
                .rest_api_id(id)
                .send()
                .await
                .unwrap()
                .item()
                .iter()
                .filter_map(|s| s.stage_name().map(str::to_string)),
        );
    }
    inv.insert(
        "apigateway_rest_api",
        apis.into_iter().map(|(_, n)| n).collect(),
    );
    inv.insert("apigateway_resource", resources);
    inv.insert("apigateway_method", methods);
    inv.insert("apigateway_integration", integrations);
    inv.insert("apigateway_deployment", deployments);
    inv.insert("apigateway_stage", stages);

    let sns = aws_sdk_sns::Client::new(&sdk);
    let topics = sns.list_topics().send().await.unwrap();
    inv.insert(
        "sns_topic",
        topics
            .topics()
            .iter()
            .filter_map(|t| t.topic_arn())
            .filter(|a| named(env, a.rsplit(':').next().unwrap_or_default()))
            .map(str::to_string)
            .collect(),
    );
    let cw = aws_sdk_cloudwatch::Client::new(&sdk);
    let alarms = cw
        .describe_alarms()
        .alarm_name_prefix("healthcare-")
        .send()
        .await
        .unwrap();
    inv.insert(
        "cloudwatch_metric_alarm",
        alarms
            .metric_alarms()
            .iter()
            .filter_map(|a| a.alarm_name())
            .filter(|n| named(env, n))
            .map(str::to_string)
            .collect(),
    );
    let dashboards = cw.list_dashboards().send().await.unwrap();
    inv.insert(
        "cloudwatch_dashboard",
        dashboards
            .dashboard_entries()
            .iter()
            .filter_map(|d| d.dashboard_name())
            .filter(|n| named(env, n))
            .map(str::to_string)
            .collect(),
    );
    let ev = aws_sdk_eventbridge::Client::new(&sdk);
    let rules: Vec<String> = ev
        .list_rules()
        .send()
        .await
        .unwrap()
        .rules()
        .iter()
        .filter_map(|r| r.name())
        .filter(|n| named(env, n))
        .map(str::to_string)
        .collect();
    let mut targets = vec![];
    for r in &rules {
        targets.extend(
            ev.list_targets_by_rule()
                .rule(r)
                .send()
                .await
                .unwrap()
                .targets()
                .iter()
                .map(|t| format!("{r}/{}", t.id())),
        );
    }
    inv.insert("eventbridge_rule", rules);
    inv.insert("eventbridge_target", targets);

    let backup = aws_sdk_backup::Client::new(&sdk);
    let vaults = backup.list_backup_vaults().send().await.unwrap();
    inv.insert(
        "backup_vault",
        vaults
            .backup_vault_list()
            .iter()
            .filter_map(|v| v.backup_vault_name())
            .filter(|n| named(env, n))
            .map(str::to_string)
            .collect(),
    );
    let plans = backup.list_backup_plans().send().await.unwrap();
    inv.insert(
        "backup_plan",
        plans
            .backup_plans_list()
            .iter()
            .filter(|p| p.deletion_date().is_none())
            .filter_map(|p| p.backup_plan_name())
            .filter(|n| named(env, n))
            .map(str::to_string)
            .collect(),
    );
    inv
}

/// Number of objects per kind.
pub fn counts(inv: &Inventory) -> BTreeMap<&'static str, usize> {
    inv.iter().map(|(k, v)| (*k, v.len())).collect()
}

/// Objects of the networking + IAM + KMS slice per kind.
pub fn expected_slice() -> BTreeMap<&'static str, usize> {
    let slice = ["ec2_", "logs_log_group", "iam_", "kms_"];
    let mut m: BTreeMap<&'static str, usize> = expected_platform()
        .into_iter()
        .filter(|(k, _)| slice.iter().any(|p| k.starts_with(p)))
        .collect();
    // Without compute and backup: the flow-log group, role and policy.
    m.insert("logs_log_group", 1);
    m.insert("iam_role", 1);
    m.insert("iam_role_policy", 1);
    m.insert("iam_role_policy_attachment", 0);
    m
}

/// Objects of the whole platform per kind, as the seed describes them (the
/// Backup selection is off on the emulator).
pub fn expected_platform() -> BTreeMap<&'static str, usize> {
    BTreeMap::from([
        ("ec2_vpc", 1),
        ("ec2_subnet", 4),
        ("ec2_internet_gateway", 1),
        ("ec2_eip", 1),
        ("ec2_nat_gateway", 1),
        ("ec2_route_table", 2),
        ("ec2_route_table_association", 4),
        ("ec2_vpc_endpoint", 2),
        ("ec2_security_group", 2),
        ("ec2_flow_log", 1),
        ("logs_log_group", 4),
        ("iam_role", 5),
        ("iam_role_policy_attachment", 3),
        ("iam_role_policy", 4),
        ("kms_key", 1),
        ("kms_alias", 1),
        ("s3_bucket", 2),
        ("s3_bucket_versioning", 1),
        ("s3_bucket_encryption", 1),
        ("s3_bucket_public_access_block", 2),
        ("s3_bucket_lifecycle", 1),
        ("s3_bucket_policy", 2),
        ("cloudtrail_trail", 1),
        ("dynamodb_table", 1),
        ("lambda_function", 3),
        ("lambda_permission", 2),
        ("apigateway_rest_api", 1),
        ("apigateway_resource", 1),
        ("apigateway_method", 1),
        ("apigateway_integration", 1),
        ("apigateway_deployment", 1),
        ("apigateway_stage", 1),
        ("sns_topic", 1),
        ("cloudwatch_metric_alarm", 5),
        ("cloudwatch_dashboard", 1),
        ("eventbridge_rule", 1),
        ("eventbridge_target", 1),
        ("backup_vault", 1),
        ("backup_plan", 1),
    ])
}
