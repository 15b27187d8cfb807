//! The patient-records API of `aurora-redis-api`: one Lambda in the private
//! subnets (its log group made first; a role that reads exactly the two
//! secrets, decrypts them only through Secrets Manager, writes its own
//! logs and manages its network interfaces) behind an HTTP API whose
//! routes need IAM authorization, throttled, with access logs.

use serde_json::{json, Value};

use super::super::{join, reference, Builder};
use super::data::{Cache, Database};
use super::network::Network;
use crate::aws::lambda::package::package_with;

/// The file of Amazon's RDS CA certificates the handler verifies Aurora
/// against, when it is in the handlers' directory.
pub const RDS_CA_BUNDLE: &str = "rds-ca-bundle.pem";

/// The function's name (the key policy names its log group).
pub fn function_name(b: &Builder) -> String {
    b.name("healthcare-patient-api")
}

/// The access-log group's name (the key policy names it).
pub fn access_log_group(b: &Builder) -> String {
    format!("/aws/apigateway/{}", b.name("healthcare-http-api"))
}

/// Adds the Lambda nodes; fails when the handler cannot be packaged.
pub fn compute(
    b: &mut Builder,
    net: &Network,
    key: &str,
    db: &Database,
    cache: &Cache,
) -> Result<String, String> {
    let dir = b.cfg.lambda_source();
    let source = dir.join("patient_api.py");
    let deps = dir.join("vendor");
    if !deps.is_dir() {
        return Err(format!(
            "the patient API's dependencies are not installed in {}: run `{}/vendor.sh` (they are pinned in requirements.txt there)",
            deps.display(),
            dir.display()
        ));
    }
    // Aurora's certificates chain to Amazon's RDS CAs, which Lambda does
    // not trust by default: with the bundle beside the handlers, the
    // handler verifies the database against it.
    let bundle = dir.join(RDS_CA_BUNDLE);
    let mut files = vec![source.clone()];
    if bundle.is_file() {
        files.push(bundle);
    }
    let pkg = package_with(&dir, &files, Some(&deps))
        .map_err(|e| format!("packaging the Lambda handler {}: {e}", source.display()))?;
    let name = function_name(b);
    let region = b.cfg.region.clone();
    let dns = b.dns_suffix();
    let log_group = b.tagged("logs_log_group", "patient_api", None, json!({
        "name": format!("/aws/lambda/{name}"), "retention_in_days": b.cfg.compute.log_retention_days, "kms_key_id": reference(key, "arn"),
    }));
    let role = b.tagged("iam_role", "patient_api", None, json!({
        "name": b.name("healthcare-patient-api-role"), "assume_role_policy": b.trust_policy("lambda.amazonaws.com", None),
    }));
    let secrets = json!([
        reference(&db.cluster, "master_user_secret_arn"),
        reference(&cache.auth_secret, "arn")
    ]);
    let policy = b.plain("iam_role_policy", "patient_api", json!({
        "role": reference(&role, "name"),
        "name": b.name("healthcare-patient-api-policy"),
        "policy": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
             "Resource": join(vec![reference(&log_group, "arn"), json!(":*")])},
            {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": secrets},
            {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": reference(key, "arn"),
             "Condition": {"StringEquals": {"kms:ViaService": format!("secretsmanager.{region}.{dns}")}}},
        ]},
    }));
    let vpc_access = b.plain("iam_role_policy_attachment", "patient_api_vpc", json!({
        "role": reference(&role, "name"),
        "policy_arn": format!("arn:{}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole", b.account.partition),
    }));
    let mut environment = json!({
        "DB_HOST": reference(&db.cluster, "endpoint"),
        "DB_NAME": b.cfg.database.database_name,
        "DB_SECRET_ARN": reference(&db.cluster, "master_user_secret_arn"),
        "REDIS_HOST": reference(&cache.group, "primary_endpoint"),
        "REDIS_AUTH_SECRET_ARN": reference(&cache.auth_secret, "arn"),
        "ENVIRONMENT": b.cfg.environment,
    });
    if files.len() > 1 {
        environment["DB_CA_FILE"] = json!(format!("/var/task/{RDS_CA_BUNDLE}"));
    }
    let function = b.tagged("lambda_function", "patient_api", None, json!({
        "function_name": name,
        "role": reference(&role, "arn"),
        "handler": "patient_api.handler",
        "runtime": "python3.12",
        "timeout": 30,
        "memory_size": 512,
        "environment": environment,
        "vpc_config": {
            "subnet_ids": net.private_subnets.iter().map(|s| reference(s, "id")).collect::<Vec<_>>(),
            "security_group_ids": [reference(&net.lambda_sg, "id")],
        },
        "source_files": files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>(),
        "source_deps": deps.display().to_string(),
        "source_code_hash": pkg.sha256,
    }));
    for d in [&log_group, &policy, &vpc_access, &net.endpoint] {
        b.depends_on(&function, d);
    }
    Ok(function)
}

/// Adds the HTTP API nodes.
pub fn api(b: &mut Builder, key: &str, function: &str) {
    let settings = b.cfg.http_api.clone();
    let logs = b.tagged("logs_log_group", "api_access", None, json!({
        "name": access_log_group(b), "retention_in_days": settings.log_retention_days, "kms_key_id": reference(key, "arn"),
    }));
    let api = b.tagged(
        "apigatewayv2_api",
        "main",
        None,
        json!({
            "name": b.name("healthcare-http-api"), "protocol_type": "HTTP",
            "description": "Patient records API", "disable_execute_api_endpoint": false,
        "cors_configuration": null,
        }),
    );
    let api_id = reference(&api, "id");
    let integration = b.plain("apigatewayv2_integration", "patient_api", json!({
        "api_id": api_id, "integration_type": "AWS_PROXY", "integration_uri": reference(function, "arn"),
        "integration_method": "POST", "payload_format_version": "2.0", "timeout_in_millis": 29000,
        "credentials_arn": null, "request_parameters": {},
    }));
    for (name, key) in [
        ("post_patients", "POST /patients"),
        ("get_patient", "GET /patients/{id}"),
    ] {
        b.plain("apigatewayv2_route", name, json!({
            "api_id": api_id, "route_key": key, "authorization_type": "AWS_IAM",
            "target": join(vec![json!("integrations/"), reference(&integration, "integration_id")]),
        }));
    }
    let format = json!({
        "requestId": "$context.requestId", "ip": "$context.identity.sourceIp", "caller": "$context.identity.caller",
        "userArn": "$context.identity.userArn", "requestTime": "$context.requestTime",
        "routeKey": "$context.routeKey", "path": "$context.path", "status": "$context.status",
        "protocol": "$context.protocol", "responseLength": "$context.responseLength",
        "integrationError": "$context.integrationErrorMessage",
    });
    b.tagged("apigatewayv2_stage", "default", None, json!({
        "api_id": api_id, "name": "$default", "auto_deploy": true,
        "default_route_settings": {
            "throttling_rate_limit": settings.throttling_rate_limit,
            "throttling_burst_limit": settings.throttling_burst_limit,
            "detailed_metrics_enabled": true,
        },
        "access_log_settings": {"destination_arn": reference(&logs, "arn"), "format": format.to_string()},
        "route_settings": {},
    }));
    b.plain(
        "lambda_permission",
        "api_invoke",
        json!({
            "function_name": reference(function, "id"), "statement_id": "AllowHttpApiInvoke",
            "action": "lambda:InvokeFunction", "principal": "apigateway.amazonaws.com",
            "source_arn": join(vec![reference(&api, "execution_arn"), json!("/*/*")]),
        }),
    );
    b.output("api_endpoint", reference(&api, "api_endpoint"));
}

/// The name the key policy gives each of the stack's log groups.
pub fn log_groups(b: &Builder, cluster_id: &str) -> Vec<Value> {
    vec![
        json!(format!("/aws/lambda/{}", function_name(b))),
        json!(access_log_group(b)),
        json!(format!("/aws/rds/cluster/{cluster_id}/postgresql")),
    ]
}
