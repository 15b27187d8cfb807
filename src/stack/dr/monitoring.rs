//! Per region: an SNS topic (encrypted with the region's key), an alarm on
//! the API Lambda's errors, and a dashboard named as the seed names them,
//! with S3 replication latency and DynamoDB replication latency beside the
//! Lambda and API metrics. The health checks' alarms are in us-east-1,
//! where Route 53 publishes their metrics, whatever region they watch.

use serde_json::{json, Value};

use super::super::{reference, Builder};
use super::app::Apis;
use super::data::{function_name, topic_name, Keys, Storage, Tables};
use super::Site;

fn widget(region: &str, title: &str, metrics: Value, stat: &str) -> Value {
    json!({"type": "metric", "properties": {"metrics": metrics, "period": 300, "stat": stat, "region": region, "title": title}})
}

/// Adds topics, alarms and dashboards.
pub fn build(
    b: &mut Builder,
    sites: &[Site; 2],
    keys: &Keys,
    storage: &Storage,
    tables: &Tables,
    apis: &Apis,
) {
    let mut topics = vec![];
    for (i, site) in sites.iter().enumerate() {
        b.region = site.region.clone();
        let role = site.role;
        let topic = b.tagged("sns_topic", role, None, json!({
            "name": topic_name(b, role), "display_name": format!("Healthcare DR alerts ({role})"),
            "kms_master_key_id": reference(&keys.key[i], "arn"),
        }));
        b.tagged("cloudwatch_metric_alarm", &format!("{role}_lambda_errors"), None, json!({
            "alarm_name": b.name(&format!("healthcare-dr-lambda-errors-{role}")),
            "alarm_description": format!("DR API Lambda errors in the {role} region"),
            "comparison_operator": "GreaterThanThreshold", "evaluation_periods": 2,
            "metric_name": "Errors", "namespace": "AWS/Lambda", "period": 300, "statistic": "Sum", "threshold": 5,
            "dimensions": {"FunctionName": function_name(b, role)},
            "alarm_actions": [reference(&topic, "arn")],
        }));
        let region = site.region.clone();
        let other = &sites[1 - i].region;
        let table = |t: &String| reference(t, "id");
        let mut widgets = vec![
            widget(
                &region,
                "Lambda",
                json!([
                    [
                        "AWS/Lambda",
                        "Invocations",
                        "FunctionName",
                        function_name(b, role)
                    ],
                    [".", "Errors", ".", "."]
                ]),
                "Sum",
            ),
            widget(
                &region,
                "API",
                json!([
                    [
                        "AWS/ApiGateway",
                        "Count",
                        "ApiId",
                        reference(&apis.api[i], "id")
                    ],
                    [".", "5xx", ".", "."]
                ]),
                "Sum",
            ),
            widget(
                &region,
                "DynamoDB replication latency",
                json!([
                    [
                        "AWS/DynamoDB",
                        "ReplicationLatency",
                        "TableName",
                        table(&tables.tables[0]),
                        "ReceivingRegion",
                        other
                    ],
                    ["...", table(&tables.tables[1]), ".", "."],
                ]),
                "Average",
            ),
        ];
        if i == 0 {
            widgets.push(widget(
                &region,
                "S3 replication latency",
                json!([
                    [
                        "AWS/S3",
                        "ReplicationLatency",
                        "SourceBucket",
                        reference(&storage.bucket[0], "id"),
                        "DestinationBucket",
                        reference(&storage.bucket[1], "id"),
                        "RuleId",
                        "replicate-to-secondary"
                    ],
                    [
                        ".",
                        "OperationsPendingReplication",
                        ".",
                        ".",
                        ".",
                        ".",
                        ".",
                        "."
                    ],
                ]),
                "Maximum",
            ));
        }
        let name = b.name(&format!("healthcare-dr-{role}"));
        b.plain(
            "cloudwatch_dashboard",
            role,
            json!({ "dashboard_name": name, "dashboard_body": {"widgets": widgets} }),
        );
        b.output(&format!("{role}_dashboard"), json!(name));
        topics.push((topic, region));
    }
    // Route 53 publishes health-check metrics in us-east-1 only.
    let home = "us-east-1";
    let topic = match topics.iter().find(|(_, r)| r == home) {
        Some((t, _)) => t.clone(),
        None => {
            // CloudWatch cannot publish to a topic under the AWS-managed
            // SNS key: a key of the stack's own, in us-east-1.
            b.region = home.into();
            let name = b.name("healthcare-dr-health-alerts");
            let acct = b.account.id.clone();
            let topic_arn = format!("arn:{}:sns:{home}:{acct}:{name}", b.account.partition);
            let key = b.tagged("kms_key", "health_checks", Some(&b.name("healthcare-dr-kms-health")), json!({
                "description": format!("KMS key for the DR health-check alerts - {}", b.cfg.environment),
                "deletion_window_in_days": b.cfg.security.kms_deletion_window_days,
                "enable_key_rotation": true, "enabled": true,
                "policy": {"Version": "2012-10-17", "Statement": [
                    {"Sid": "AccountAdministersTheKey", "Effect": "Allow",
                     "Principal": {"AWS": format!("arn:{}:iam::{acct}:root", b.account.partition)}, "Action": "kms:*", "Resource": "*"},
                    {"Sid": "CloudWatchAlarmsPublishToTheEncryptedTopic", "Effect": "Allow",
                     "Principal": {"Service": "cloudwatch.amazonaws.com"}, "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*",
                     "Condition": {"StringEquals": {"aws:SourceAccount": acct, "kms:EncryptionContext:aws:sns:topicArn": topic_arn}}},
                ]},
            }));
            b.tagged(
                "sns_topic",
                "health_checks",
                None,
                json!({
                    "name": name, "display_name": "Healthcare DR health checks",
                    "kms_master_key_id": reference(&key, "arn"),
                }),
            )
        }
    };
    b.region = home.into();
    for site in sites {
        let role = site.role;
        b.tagged("cloudwatch_metric_alarm", &format!("{role}_health"), None, json!({
            "alarm_name": b.name(&format!("healthcare-dr-health-{role}")),
            "alarm_description": format!("The {role} region's API fails its Route 53 health check"),
            "comparison_operator": "LessThanThreshold", "evaluation_periods": 2,
            "metric_name": "HealthCheckStatus", "namespace": "AWS/Route53", "period": 60, "statistic": "Minimum", "threshold": 1,
            "dimensions": {"HealthCheckId": reference(&format!("route53_health_check.{role}"), "id")},
            "alarm_actions": [reference(&topic, "arn")],
        }));
    }
    b.region = sites[0].region.clone();
}
