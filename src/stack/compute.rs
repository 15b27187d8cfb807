//! The three Lambda functions, their log groups (created first, 7 days,
//! encrypted with the stack's key), packaged deterministically from the
//! handlers' directory. Each function has a role of its own with exactly
//! what its handler uses, on the stack's own objects: its log group, the
//! table and bucket by exact ARN, the key only through those services. The
//! VPC access policy goes only to the function in the VPC.

use serde_json::{json, Value};

use super::networking::Networking;
use super::security::Security;
use super::storage::Storage;
use super::{join, reference, Builder};
use crate::aws::lambda::package::package;

/// Addresses later parts of the stack refer to.
pub struct Compute {
    /// The data processor behind the API.
    pub data_processor: String,
    /// The remediation function EventBridge invokes.
    pub remediation: String,
}

pub(super) struct Spec {
    name: &'static str,
    pub(super) base: &'static str,
    handler: &'static str,
    timeout: i64,
    memory: i64,
    in_vpc: bool,
}

pub(super) const FUNCTIONS: [Spec; 3] = [
    Spec {
        name: "data_processor",
        base: "healthcare-data-processor",
        handler: "data_processor.handler",
        timeout: 60,
        memory: 512,
        in_vpc: true,
    },
    Spec {
        name: "health_check",
        base: "healthcare-health-check",
        handler: "health_check.handler",
        timeout: 30,
        memory: 256,
        in_vpc: false,
    },
    Spec {
        name: "remediation",
        base: "healthcare-remediation",
        handler: "auto_remediation.handler",
        timeout: 60,
        memory: 256,
        in_vpc: false,
    },
];

/// What a function's handler does with the stack's objects, as IAM
/// statements (its own log group aside).
fn permissions(b: &Builder, name: &str, storage: &Storage, key: &str) -> Vec<Value> {
    let region = &b.cfg.region;
    let dns = b.dns_suffix();
    let key_via = |services: &[&str]| {
        json!({
            "Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": reference(key, "arn"),
            "Condition": {"StringEquals": {"kms:ViaService": services.iter().map(|s| format!("{s}.{region}.{dns}")).collect::<Vec<_>>()}},
        })
    };
    match name {
        "data_processor" => vec![
            json!({"Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": reference(&storage.table, "arn")}),
            json!({"Effect": "Allow", "Action": "s3:PutObject",
                   "Resource": join(vec![reference(&storage.data_bucket, "arn"), json!("/patient-records/*")])}),
            key_via(&["dynamodb", "s3"]),
        ],
        "health_check" => vec![
            json!({"Effect": "Allow", "Action": "dynamodb:DescribeTable", "Resource": reference(&storage.table, "arn")}),
        ],
        _ => vec![
            // PutMetricData has no resource-level permissions: the namespace
            // condition is the limit AWS offers.
            json!({"Effect": "Allow", "Action": "cloudwatch:PutMetricData", "Resource": "*",
                   "Condition": {"StringEquals": {"cloudwatch:namespace": "Healthcare/Remediation"}}}),
        ],
    }
}

/// Adds the Lambda nodes; fails when the handlers cannot be packaged.
pub fn build(
    b: &mut Builder,
    net: &Networking,
    sec: &Security,
    storage: &Storage,
) -> Result<Compute, String> {
    let dir = b.cfg.lambda_source();
    let env_name = b.cfg.environment.clone();
    let mut addrs = vec![];
    for f in &FUNCTIONS {
        let function_name = b.name(f.base);
        let module = f.handler.split('.').next().unwrap_or_default();
        let source = dir.join(format!("{module}.py"));
        let pkg = package(&dir, std::slice::from_ref(&source))
            .map_err(|e| format!("packaging the Lambda handler {}: {e}", source.display()))?;
        let log_group = b.tagged(
            "logs_log_group",
            f.name,
            None,
            json!({
                "name": format!("/aws/lambda/{function_name}"), "retention_in_days": b.cfg.compute.log_retention_days,
                "kms_key_id": reference(&sec.key, "arn"),
            }),
        );
        let trust = b.trust_policy("lambda.amazonaws.com", None);
        let role = b.tagged(
            "iam_role",
            f.name,
            None,
            json!({
                "name": b.name(&format!("{}-role", f.base)), "assume_role_policy": trust,
            }),
        );
        let group_arn = reference(&log_group, "arn");
        let mut statements = vec![json!({
            "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": join(vec![group_arn, json!(":*")]),
        })];
        statements.extend(permissions(b, f.name, storage, &sec.key));
        let mut policies = vec![b.plain(
            "iam_role_policy",
            f.name,
            json!({
                "role": reference(&role, "name"),
                "name": b.name(&format!("{}-policy", f.base)),
                "policy": {"Version": "2012-10-17", "Statement": statements},
            }),
        )];
        if f.in_vpc {
            let arn = format!(
                "arn:{}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole",
                b.account.partition
            );
            policies.push(b.plain(
                "iam_role_policy_attachment",
                &format!("{}_vpc", f.name),
                json!({
                    "role": reference(&role, "name"), "policy_arn": arn,
                }),
            ));
        }
        let environment = match f.name {
            "data_processor" => json!({
                "DATA_BUCKET": reference(&storage.data_bucket, "id"),
                "DYNAMODB_TABLE": reference(&storage.table, "id"),
                "ENVIRONMENT": env_name,
                "KMS_KEY_ID": reference(&sec.key, "arn"),
                "DATA_BUCKET_OWNER": b.account.id,
            }),
            "health_check" => {
                json!({ "DYNAMODB_TABLE": reference(&storage.table, "id"), "ENVIRONMENT": env_name })
            }
            _ => json!({ "ENVIRONMENT": env_name }),
        };
        let vpc_config = if f.in_vpc {
            json!({
                "subnet_ids": net.private_subnets.iter().map(|s| reference(s, "id")).collect::<Vec<_>>(),
                "security_group_ids": [reference(&net.lambda_sg, "id")],
            })
        } else {
            Value::Null
        };
        let addr = b.tagged(
            "lambda_function",
            f.name,
            None,
            json!({
            "function_name": function_name,
            "role": reference(&role, "arn"),
            "handler": f.handler,
            "runtime": "python3.11",
            "timeout": f.timeout,
            "memory_size": f.memory,
            "environment": environment,
            "vpc_config": vpc_config,
            "source_files": [source.display().to_string()],
            "source_code_hash": pkg.sha256,
            }),
        );
        if f.name == "remediation" {
            b.guards(&addr, "remediation");
            b.guards(&role, "remediation");
        }
        b.depends_on(&addr, &log_group);
        for p in &policies {
            b.depends_on(&addr, p);
        }
        addrs.push(addr);
    }
    Ok(Compute {
        data_processor: addrs[0].clone(),
        remediation: addrs[2].clone(),
    })
}
