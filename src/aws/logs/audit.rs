//! The drift audit of the CloudWatch Logs types (see `aws::audit`).

use aws_sdk_cloudwatchlogs::operation::list_tags_for_resource;
use aws_sdk_cloudwatchlogs::types::{LogGroup, SubscriptionFilter};

use crate::aws::audit::Class::{Computed as C, Ignored as I, Managed as M};
use crate::aws::audit::{debug_of, Audit, Shape};

/// Every CloudWatch Logs type's audit.
pub fn audits() -> Vec<Audit> {
    vec![Audit {
        kind: "logs_log_group",
        shapes: vec![
            Shape {
                call: "DescribeLogGroups",
                shape: "LogGroup",
                debug: || debug_of(LogGroup::builder()),
                fields: &[
                    ("log_group_name", I("the lookup key: read finds the group by this exact name and reports the id it asked for")),
                    ("creation_time", C),
                    ("retention_in_days", M("retention_in_days")),
                    ("metric_filter_count", C),
                    ("arn", C),
                    ("stored_bytes", C),
                    ("kms_key_id", M("kms_key_id")),
                    ("data_protection_status", M("data_protection")),
                    ("inherited_properties", C),
                    ("log_group_class", I("fixed at creation; hcprov creates STANDARD groups")),
                    ("log_group_arn", C),
                    ("deletion_protection_enabled", M("deletion_protection_enabled")),
                    ("bearer_token_authentication_enabled", M("bearer_token_authentication_enabled")),
                    ("retention_policy_name", C),
                ],
            },
            Shape {
                call: "DescribeSubscriptionFilters",
                shape: "SubscriptionFilter",
                debug: || debug_of(SubscriptionFilter::builder()),
                fields: &[
                    ("filter_name", M("subscription_filters")),
                    ("destination_arn", M("subscription_filters")),
                    ("log_group_name", C),
                    ("filter_pattern", I("which events a filter streams; any filter the stack does not declare is drift, whatever it selects")),
                    ("role_arn", I("how the filter writes to its destination; any undeclared filter is drift")),
                    ("distribution", I("how events spread over a Kinesis stream's shards; any undeclared filter is drift")),
                    ("apply_on_transformed_logs", I("which form of the events is streamed; any undeclared filter is drift")),
                    ("field_selection_criteria", I("which fields are streamed; any undeclared filter is drift")),
                    ("emit_system_fields", I("which fields are streamed; any undeclared filter is drift")),
                    ("creation_time", C),
                ],
            },
            Shape {
                call: "ListTagsForResource",
                shape: "ListTagsForResourceOutput",
                debug: || debug_of(list_tags_for_resource::ListTagsForResourceOutput::builder()),
                fields: &[("tags", M("tags"))],
            },
        ],
    }]
}
