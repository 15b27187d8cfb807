//! Per region: the API Lambda (3 GB, 30 s, in the private subnets, its own
//! log group and least-privilege role, no `AWS_*` variables) and an HTTP
//! API in front of it, serving the shared names `api.<zone>` (weighted) and
//! `failover.<zone>` over HTTPS through regional custom domains with an ACM
//! certificate per region, validated in the hosted zone. Only `GET
//! /health` is unauthenticated; every other route needs IAM.

use serde_json::json;

use super::super::{join, reference, Builder};
use super::data::{access_log_group, function_name, Keys, Storage, Tables};
use super::dns::Zone;
use super::network::Network;
use super::Site;
use crate::aws::lambda::package::package;

/// The functions (primary first).
pub struct Functions {
    /// `lambda_function.<role>_api`.
    pub function: [String; 2],
}

/// Each site's API and custom domains.
pub struct Apis {
    /// `apigatewayv2_api.<role>`.
    pub api: [String; 2],
    /// `apigatewayv2_domain_name.<role>_weighted`.
    pub weighted_domain: [String; 2],
    /// `apigatewayv2_domain_name.<role>_failover`.
    pub failover_domain: [String; 2],
}

/// The two names both regions serve.
pub fn names(zone: &Zone) -> (String, String) {
    (
        format!("api.{}", zone.name),
        format!("failover.{}", zone.name),
    )
}

/// Adds each region's function.
pub fn functions(
    b: &mut Builder,
    sites: &[Site; 2],
    net: &Network,
    keys: &Keys,
    storage: &Storage,
    tables: &Tables,
) -> Result<Functions, String> {
    let dir = b.cfg.lambda_source();
    let source = dir.join("dr_api.py");
    let pkg = package(&dir, std::slice::from_ref(&source))
        .map_err(|e| format!("packaging the Lambda handler {}: {e}", source.display()))?;
    let mut out = vec![];
    for (i, site) in sites.iter().enumerate() {
        b.region = site.region.clone();
        let role = site.role;
        let name = function_name(b, role);
        let key_arn = reference(&keys.key[i], "arn");
        let log_group = b.tagged("logs_log_group", &format!("{role}_api"), None, json!({
            "name": format!("/aws/lambda/{name}"), "retention_in_days": b.cfg.compute.log_retention_days, "kms_key_id": key_arn,
        }));
        // IAM is global: its nodes sit with the other global parts, in the
        // primary (its control plane is us-east-1's whatever the region).
        b.region = sites[0].region.clone();
        let iam = b.tagged("iam_role", &format!("{role}_api"), None, json!({
            "name": b.name(&format!("healthcare-dr-api-{role}-role")), "assume_role_policy": b.trust_policy("lambda.amazonaws.com", None),
        }));
        // The tables' ARNs in this region: the replica is the same name.
        let table_arns: Vec<serde_json::Value> = tables
            .tables
            .iter()
            .map(|t| {
                join(vec![
                    json!(format!(
                        "arn:{}:dynamodb:{}:{}:table/",
                        b.account.partition, site.region, b.account.id
                    )),
                    reference(t, "id"),
                ])
            })
            .collect();
        let dns = b.dns_suffix();
        let policy = b.plain("iam_role_policy", &format!("{role}_api"), json!({
            "role": reference(&iam, "name"),
            "name": b.name(&format!("healthcare-dr-api-{role}-policy")),
            "policy": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": join(vec![reference(&log_group, "arn"), json!(":*")])},
                {"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DescribeTable"], "Resource": table_arns[0]},
                // The audit trail is append-only for the function.
                {"Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": table_arns[1]},
                {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": join(vec![reference(&storage.bucket[i], "arn"), json!("/documents/*")])},
                {"Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": key_arn,
                 "Condition": {"StringEquals": {"kms:ViaService": [format!("dynamodb.{}.{dns}", site.region), format!("s3.{}.{dns}", site.region)]}}},
            ]},
        }));
        let vpc = b.plain("iam_role_policy_attachment", &format!("{role}_api_vpc"), json!({
            "role": reference(&iam, "name"),
            "policy_arn": format!("arn:{}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole", b.account.partition),
        }));
        b.region = site.region.clone();
        let function = b.tagged("lambda_function", &format!("{role}_api"), None, json!({
            "function_name": name,
            "role": reference(&iam, "arn"),
            "handler": "dr_api.handler",
            "runtime": "python3.12",
            "timeout": 30,
            "memory_size": 3072,
            "environment": {
                "RECORDS_TABLE": reference(&tables.tables[0], "id"),
                "AUDIT_TABLE": reference(&tables.tables[1], "id"),
                "DOCUMENTS_BUCKET": reference(&storage.bucket[i], "id"),
                "DOCUMENTS_KEY_ARN": reference(&keys.key[i], "arn"),
                "REGION_ROLE": role,
                "ENVIRONMENT": b.cfg.environment,
            },
            "vpc_config": {
                "subnet_ids": net.private_subnets[i].iter().map(|s| reference(s, "id")).collect::<Vec<_>>(),
                "security_group_ids": [reference(&net.lambda_sg[i], "id")],
            },
            "source_files": [source.display().to_string()],
            "source_code_hash": pkg.sha256,
        }));
        for d in [&log_group, &policy, &vpc] {
            b.depends_on(&function, d);
        }
        out.push(function);
    }
    b.region = sites[0].region.clone();
    Ok(Functions {
        function: [out[0].clone(), out[1].clone()],
    })
}

/// Adds each region's HTTP API, certificate and custom domains.
pub fn apis(
    b: &mut Builder,
    sites: &[Site; 2],
    keys: &Keys,
    functions: &Functions,
    zone: &Zone,
) -> Apis {
    let (weighted, failover) = names(zone);
    let (mut apis, mut wd, mut fd) = (vec![], vec![], vec![]);
    let mut fqdns = vec![];
    for (i, site) in sites.iter().enumerate() {
        b.region = site.region.clone();
        let role = site.role;
        let function = &functions.function[i];
        let logs = b.tagged("logs_log_group", &format!("{role}_access"), None, json!({
            "name": access_log_group(b, role), "retention_in_days": 90, "kms_key_id": reference(&keys.key[i], "arn"),
        }));
        let api = b.tagged("apigatewayv2_api", role, None, json!({
            "name": b.name(&format!("healthcare-dr-api-{role}")), "protocol_type": "HTTP",
            "description": format!("Healthcare DR API ({role} region)"), "disable_execute_api_endpoint": false,
            "cors_configuration": null,
        }));
        let api_id = reference(&api, "id");
        let integration = b.plain("apigatewayv2_integration", &format!("{role}_api"), json!({
            "api_id": api_id, "integration_type": "AWS_PROXY", "integration_uri": reference(function, "arn"),
            "integration_method": "POST", "payload_format_version": "2.0", "timeout_in_millis": 29000,
            "credentials_arn": null, "request_parameters": {},
        }));
        let target = join(vec![
            json!("integrations/"),
            reference(&integration, "integration_id"),
        ]);
        for (name, key, auth) in [
            ("health", "GET /health", "NONE"),
            ("proxy", "ANY /{proxy+}", "AWS_IAM"),
        ] {
            b.plain("apigatewayv2_route", &format!("{role}_{name}"), json!({
                "api_id": api_id, "route_key": key, "authorization_type": auth, "target": target,
            }));
        }
        // `/health` is open to anyone: its own small throttle keeps a
        // flood of it from using up the API's, or failing the checks.
        b.tagged("apigatewayv2_stage", &format!("{role}_default"), None, json!({
            "api_id": api_id, "name": "$default", "auto_deploy": true,
            "default_route_settings": {"throttling_rate_limit": 100.0, "throttling_burst_limit": 200, "detailed_metrics_enabled": true},
            "access_log_settings": {"destination_arn": reference(&logs, "arn"), "format": json!({
                "requestId": "$context.requestId", "ip": "$context.identity.sourceIp", "userArn": "$context.identity.userArn",
                "requestTime": "$context.requestTime", "routeKey": "$context.routeKey", "path": "$context.path",
                "status": "$context.status", "domainName": "$context.domainName",
            }).to_string()},
            "route_settings": {"GET /health": {"throttling_rate_limit": 10.0, "throttling_burst_limit": 20}},
        }));
        b.plain(
            "lambda_permission",
            &format!("{role}_api"),
            json!({
                "function_name": reference(function, "id"), "statement_id": "AllowHttpApiInvoke",
                "action": "lambda:InvokeFunction", "principal": "apigateway.amazonaws.com",
                "source_arn": join(vec![reference(&api, "execution_arn"), json!("/*/*")]),
            }),
        );
        // A certificate per region for both names, validated in the zone.
        let cert = b.tagged(
            "acm_certificate",
            role,
            None,
            json!({
                "domain_name": weighted, "subject_alternative_names": [failover],
            }),
        );
        // ACM asks for the same validation record for a name in every
        // region of an account: one record per name, made from the
        // primary's certificate, validates both.
        if fqdns.is_empty() {
            b.region = sites[0].region.clone();
            for n in 0..2 {
                let record = b.plain("route53_record", &format!("validation_{n}"), json!({
                    "zone_id": zone.id, "name": reference(&cert, &format!("validation_record_{n}_name")),
                    "type": reference(&cert, &format!("validation_record_{n}_type")), "ttl": 300,
                    "records": [reference(&cert, &format!("validation_record_{n}_value"))],
                    "set_identifier": null, "weight": null, "failover": null, "health_check_id": null,
                }));
                fqdns.push(reference(&record, "fqdn"));
            }
        }
        b.region = site.region.clone();
        let validation = b.plain(
            "acm_certificate_validation",
            role,
            json!({
                "certificate_arn": reference(&cert, "arn"), "validation_record_fqdns": fqdns.clone(),
            }),
        );
        let mut domains = vec![];
        for (kind, name) in [("weighted", &weighted), ("failover", &failover)] {
            let domain = b.tagged(
                "apigatewayv2_domain_name",
                &format!("{role}_{kind}"),
                None,
                json!({
                    "domain_name": name, "certificate_arn": reference(&validation, "id"),
                    "endpoint_type": "REGIONAL", "security_policy": "TLS_1_2",
                }),
            );
            b.plain("apigatewayv2_api_mapping", &format!("{role}_{kind}"), json!({
                "domain_name": reference(&domain, "id"), "api_id": api_id, "stage": "$default", "api_mapping_key": "",
            }));
            domains.push(domain);
        }
        b.output(
            &format!("{role}_api_endpoint"),
            reference(&api, "api_endpoint"),
        );
        apis.push(api);
        wd.push(domains[0].clone());
        fd.push(domains[1].clone());
    }
    b.region = sites[0].region.clone();
    Apis {
        api: [apis[0].clone(), apis[1].clone()],
        weighted_domain: [wd[0].clone(), wd[1].clone()],
        failover_domain: [fd[0].clone(), fd[1].clone()],
    }
}
