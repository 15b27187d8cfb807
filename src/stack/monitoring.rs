//! Alerts and self-healing: the SNS topic (encrypted with the stack's key),
//! the five alarms, the EventBridge
//! rule that sends alarm state changes to the remediation function, and the
//! dashboard (in the configured region).

use serde_json::{json, Value};

use super::api::Api;
use super::compute::Compute;
use super::security::alerts_topic_name;
use super::storage::Storage;
use super::{reference, Builder};

struct AlarmSpec {
    name: &'static str,
    base: &'static str,
    metric: &'static str,
    namespace: &'static str,
    periods: i64,
    threshold: i64,
    description: &'static str,
}

const ALARMS: [AlarmSpec; 5] = [
    AlarmSpec {
        name: "lambda_errors",
        base: "healthcare-lambda-errors",
        metric: "Errors",
        namespace: "AWS/Lambda",
        periods: 2,
        threshold: 5,
        description: "Lambda function errors exceed threshold",
    },
    AlarmSpec {
        name: "lambda_throttles",
        base: "healthcare-lambda-throttles",
        metric: "Throttles",
        namespace: "AWS/Lambda",
        periods: 1,
        threshold: 10,
        description: "Lambda function throttles exceed threshold",
    },
    AlarmSpec {
        name: "api_4xx",
        base: "healthcare-api-4xx",
        metric: "4XXError",
        namespace: "AWS/ApiGateway",
        periods: 2,
        threshold: 50,
        description: "API Gateway 4xx errors exceed threshold",
    },
    AlarmSpec {
        name: "api_5xx",
        base: "healthcare-api-5xx",
        metric: "5XXError",
        namespace: "AWS/ApiGateway",
        periods: 2,
        threshold: 10,
        description: "API Gateway 5xx errors exceed threshold",
    },
    AlarmSpec {
        name: "dynamodb_read_throttle",
        base: "healthcare-dynamodb-read-throttle",
        metric: "ReadThrottleEvents",
        namespace: "AWS/DynamoDB",
        periods: 1,
        threshold: 5,
        description: "DynamoDB read throttle events exceed threshold",
    },
];

fn widget(region: &str, title: &str, metrics: Value) -> Value {
    json!({
        "type": "metric",
        "properties": {"metrics": metrics, "period": 300, "stat": "Sum", "region": region, "title": title, "yAxis": {"left": {"min": 0}}},
    })
}

/// Adds the monitoring nodes; `key` encrypts the alerts topic.
pub fn build(b: &mut Builder, key: &str, compute: &Compute, storage: &Storage, api: &Api) {
    let topic = b.tagged(
        "sns_topic",
        "alerts",
        None,
        json!({
            "name": alerts_topic_name(b), "display_name": "Healthcare System Alerts",
            "kms_master_key_id": reference(key, "arn"),
        }),
    );
    let data_processor = b.name("healthcare-data-processor");
    for a in &ALARMS {
        let dimensions = match a.namespace {
            "AWS/Lambda" => json!({ "FunctionName": data_processor }),
            "AWS/ApiGateway" => json!({ "ApiName": api.name, "Stage": api.stage }),
            _ => json!({ "TableName": reference(&storage.table, "id") }),
        };
        b.tagged(
            "cloudwatch_metric_alarm",
            a.name,
            None,
            json!({
                "alarm_name": b.name(a.base),
                "alarm_description": a.description,
                "comparison_operator": "GreaterThanThreshold",
                "evaluation_periods": a.periods,
                "metric_name": a.metric,
                "namespace": a.namespace,
                "period": 300,
                "statistic": "Sum",
                "threshold": a.threshold,
                "dimensions": dimensions,
                "alarm_actions": [reference(&topic, "arn")],
            }),
        );
    }
    // Only the stack's own alarms trigger remediation, not every alarm in
    // the account.
    let alarm_arns: Vec<String> = ALARMS
        .iter()
        .map(|a| b.arn("cloudwatch", &format!("alarm:{}", b.name(a.base))))
        .collect();
    let rule = b.tagged("eventbridge_rule", "remediation", None, json!({
        "name": b.name("healthcare-auto-remediation"),
        "description": "Trigger remediation on CloudWatch alarms", "state": "ENABLED",
        "event_pattern": {"source": ["aws.cloudwatch"], "detail-type": ["CloudWatch Alarm State Change"],
                          "resources": alarm_arns, "detail": {"state": {"value": ["ALARM"]}}},
    }));
    b.plain("eventbridge_target", "remediation", json!({
        "rule": reference(&rule, "id"), "target_id": "remediation-lambda", "arn": reference(&compute.remediation, "arn"),
    }));
    b.plain(
        "lambda_permission",
        "eventbridge",
        json!({
            "function_name": reference(&compute.remediation, "function_name"),
            "statement_id": "AllowEventBridgeInvoke",
            "action": "lambda:InvokeFunction",
            "principal": "events.amazonaws.com",
            "source_arn": reference(&rule, "arn"),
        }),
    );
    let region = b.cfg.region.clone();
    let dashboard = b.name("healthcare-dashboard");
    b.plain("cloudwatch_dashboard", "main", json!({
        "dashboard_name": dashboard,
        "dashboard_body": {"widgets": [
            widget(&region, "Lambda Metrics", json!([["AWS/Lambda", "Invocations", {"stat": "Sum", "label": "Invocations"}], [".", "Errors", {"stat": "Sum", "label": "Errors"}], [".", "Throttles", {"stat": "Sum", "label": "Throttles"}]])),
            widget(&region, "API Gateway Metrics", json!([["AWS/ApiGateway", "Count", {"stat": "Sum", "label": "Requests"}], [".", "4XXError", {"stat": "Sum", "label": "4xx Errors"}], [".", "5XXError", {"stat": "Sum", "label": "5xx Errors"}]])),
            widget(&region, "DynamoDB Capacity", json!([["AWS/DynamoDB", "ConsumedReadCapacityUnits", {"stat": "Sum"}], [".", "ConsumedWriteCapacityUnits", {"stat": "Sum"}]])),
        ]},
    }));
    b.output("cloudwatch_dashboard_url", json!(format!("https://console.aws.amazon.com/cloudwatch/home?region={region}#dashboards:name={dashboard}")));
}
