//! The drift audit of the CloudWatch types (see `aws::audit`).

use aws_sdk_cloudwatch::operation::{get_dashboard, list_tags_for_resource};
use aws_sdk_cloudwatch::types::{Dimension, MetricAlarm};

use crate::aws::audit::Class::{Computed as C, Ignored as I, Managed as M};
use crate::aws::audit::{debug_of, Audit, Shape};

/// Every CloudWatch type's audit.
pub fn audits() -> Vec<Audit> {
    vec![
        Audit {
            kind: "cloudwatch_metric_alarm",
            shapes: vec![
                Shape {
                    call: "DescribeAlarms",
                    shape: "MetricAlarm",
                    debug: || debug_of(MetricAlarm::builder()),
                    fields: &[
                        ("alarm_name", M("alarm_name")),
                        ("alarm_arn", C),
                        ("alarm_description", M("alarm_description")),
                        ("alarm_configuration_updated_timestamp", C),
                        ("actions_enabled", M("actions_enabled")),
                        ("ok_actions", M("ok_actions")),
                        ("alarm_actions", M("alarm_actions")),
                        ("insufficient_data_actions", M("insufficient_data_actions")),
                        ("state_value", C),
                        ("state_reason", C),
                        ("state_reason_data", C),
                        ("state_updated_timestamp", C),
                        ("metric_name", M("metric_name")),
                        ("namespace", M("namespace")),
                        ("statistic", M("statistic")),
                        ("extended_statistic", I("exclusive with statistic: a percentile set instead empties statistic, which shows as drift")),
                        ("dimensions", M("dimensions")),
                        ("period", M("period")),
                        ("unit", M("unit")),
                        ("evaluation_periods", M("evaluation_periods")),
                        ("datapoints_to_alarm", M("datapoints_to_alarm")),
                        ("threshold", M("threshold")),
                        ("comparison_operator", M("comparison_operator")),
                        ("treat_missing_data", M("treat_missing_data")),
                        ("evaluate_low_sample_count_percentile", I("only for percentile statistics, which hcprov's alarms do not use (statistic is compared)")),
                        ("metrics", I("only for metric-math alarms, exclusive with metric_name, which is compared")),
                        ("threshold_metric_id", I("only for anomaly-detection alarms, exclusive with threshold, which is compared")),
                        ("evaluation_state", C),
                        ("state_transitioned_timestamp", C),
                    ],
                },
                Shape {
                    call: "DescribeAlarms",
                    shape: "Dimension",
                    debug: || debug_of(Dimension::builder()),
                    fields: &[("name", M("dimensions")), ("value", M("dimensions"))],
                },
                Shape {
                    call: "ListTagsForResource",
                    shape: "ListTagsForResourceOutput",
                    debug: || debug_of(list_tags_for_resource::ListTagsForResourceOutput::builder()),
                    fields: &[("tags", M("tags"))],
                },
            ],
        },
        Audit {
            kind: "cloudwatch_dashboard",
            shapes: vec![Shape {
                call: "GetDashboard",
                shape: "GetDashboardOutput",
                debug: || debug_of(get_dashboard::GetDashboardOutput::builder()),
                fields: &[
                    ("dashboard_arn", C),
                    ("dashboard_body", M("dashboard_body")),
                    ("dashboard_name", I("the lookup key: read reports dashboard_name from the id it asked for")),
                ],
            }],
        },
    ]
}
