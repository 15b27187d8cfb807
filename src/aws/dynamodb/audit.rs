//! The drift audit of the DynamoDB types (see `aws::audit`).

use aws_sdk_dynamodb::operation::{get_resource_policy, list_tags_of_resource};
use aws_sdk_dynamodb::types::{
    BillingModeSummary, ContinuousBackupsDescription, KinesisDataStreamDestination,
    PointInTimeRecoveryDescription, ReplicaDescription, SseDescription, StreamSpecification,
    TableDescription, TimeToLiveDescription,
};

use crate::aws::audit::Class::{Computed as C, Ignored as I, Managed as M};
use crate::aws::audit::{debug_of, Audit, Shape};

/// Every DynamoDB type's audit.
pub fn audits() -> Vec<Audit> {
    vec![Audit {
        kind: "dynamodb_table",
        shapes: vec![
            Shape {
                call: "DescribeTable",
                shape: "TableDescription",
                debug: || debug_of(TableDescription::builder()),
                fields: &[
                    ("attribute_definitions", M("hash_key_type")),
                    ("table_name", C), // the id: read reports the name it looked the table up by as `name`
                    ("key_schema", M("hash_key")),
                    ("table_status", C),
                    ("creation_date_time", C),
                    ("provisioned_throughput", I("only meaningful under PROVISIONED billing, which billing_mode reports as drift; 0 under PAY_PER_REQUEST")),
                    ("table_size_bytes", C),
                    ("item_count", C),
                    ("table_arn", C),
                    ("table_id", C),
                    ("billing_mode_summary", M("billing_mode")),
                    ("local_secondary_indexes", I("hcprov's tables have none; fixed at creation")),
                    ("global_secondary_indexes", I("hcprov declares no global secondary indexes; an index holds the table's own data under the table's key and permissions")),
                    ("stream_specification", M("stream_view_type")),
                    ("latest_stream_label", C),
                    ("latest_stream_arn", C),
                    ("global_table_version", C),
                    ("replicas", M("replicas")),
                    ("global_table_witnesses", C), // multi-Region strong consistency only; hcprov's replicas are eventually consistent (multi_region_consistency)
                    ("global_table_settings_replication_mode", I("whether replicas copy the table's capacity and auto-scaling settings: capacity only (the tables are on-demand), and AWS's default differs by how the global table was made")),
                    ("restore_summary", C),
                    ("sse_description", M("kms_key_arn")),
                    ("archival_summary", C),
                    ("table_class_summary", I("STANDARD: hcprov takes the default table class, a billing choice")),
                    ("deletion_protection_enabled", M("deletion_protection")),
                    ("disassociation_protection_enabled", M("disassociation_protection")),
                    ("on_demand_throughput", M("on_demand_max_throughput")),
                    ("warm_throughput", C),
                    ("multi_region_consistency", C), // DynamoDB fixes it when the first replica is made: EVENTUAL for hcprov's replicas
                    ("vector_indexes", I("hcprov declares no vector indexes; an index holds the table's own data under the table's key and permissions")),
                ],
            },
            Shape {
                call: "DescribeTable",
                shape: "BillingModeSummary",
                debug: || debug_of(BillingModeSummary::builder()),
                fields: &[
                    ("billing_mode", M("billing_mode")),
                    ("last_update_to_pay_per_request_date_time", C),
                ],
            },
            Shape {
                call: "DescribeTable",
                shape: "StreamSpecification",
                debug: || debug_of(StreamSpecification::builder()),
                fields: &[
                    ("stream_enabled", M("stream_view_type")),
                    ("stream_view_type", M("stream_view_type")),
                ],
            },
            Shape {
                call: "DescribeTable",
                shape: "SseDescription",
                debug: || debug_of(SseDescription::builder()),
                fields: &[
                    ("status", C),
                    ("sse_type", C), // KMS whenever a key ARN is reported, which kms_key_arn compares
                    ("kms_master_key_arn", M("kms_key_arn")),
                    ("inaccessible_encryption_date_time", C),
                ],
            },
            Shape {
                call: "DescribeTable",
                shape: "ReplicaDescription",
                debug: || debug_of(ReplicaDescription::builder()),
                fields: &[
                    ("region_name", M("replicas")),
                    ("replica_status", C),
                    ("replica_arn", C),
                    ("replica_status_description", C),
                    ("replica_status_percent_progress", C),
                    ("kms_master_key_id", M("replicas")),
                    ("provisioned_throughput_override", I("only meaningful under PROVISIONED billing, which billing_mode reports as drift")),
                    ("on_demand_throughput_override", I("a replica's own cap on on-demand throughput: hcprov declares none, and a replica without one follows the table's cap, which is managed (on_demand_max_throughput)")),
                    ("warm_throughput", C),
                    ("global_secondary_indexes", I("hcprov declares no global secondary indexes")),
                    ("replica_inaccessible_date_time", C),
                    ("replica_table_class_summary", I("STANDARD: hcprov takes the default table class, a billing choice")),
                    ("global_table_settings_replication_mode", C), // the table's own, classified on TableDescription
                ],
            },
            Shape {
                call: "GetResourcePolicy",
                shape: "GetResourcePolicyOutput",
                debug: || debug_of(get_resource_policy::GetResourcePolicyOutput::builder()),
                fields: &[("policy", M("resource_policy")), ("revision_id", C)],
            },
            Shape {
                call: "DescribeKinesisStreamingDestination",
                shape: "KinesisDataStreamDestination",
                debug: || debug_of(KinesisDataStreamDestination::builder()),
                fields: &[
                    ("stream_arn", M("kinesis_destinations")),
                    ("destination_status", M("kinesis_destinations")),
                    ("destination_status_description", C),
                    ("approximate_creation_date_time_precision", I("how exact the change records' timestamps are; any destination the stack does not declare is drift")),
                ],
            },
            Shape {
                call: "DescribeTimeToLive",
                shape: "TimeToLiveDescription",
                debug: || debug_of(TimeToLiveDescription::builder()),
                fields: &[
                    ("time_to_live_status", M("ttl_attribute")),
                    ("attribute_name", M("ttl_attribute")),
                ],
            },
            Shape {
                call: "DescribeContinuousBackups",
                shape: "ContinuousBackupsDescription",
                debug: || debug_of(ContinuousBackupsDescription::builder()),
                fields: &[
                    ("continuous_backups_status", C),
                    ("point_in_time_recovery_description", M("point_in_time_recovery,replicas")),
                ],
            },
            Shape {
                call: "DescribeContinuousBackups",
                shape: "PointInTimeRecoveryDescription",
                debug: || debug_of(PointInTimeRecoveryDescription::builder()),
                fields: &[
                    ("point_in_time_recovery_status", M("point_in_time_recovery,replicas")),
                    ("recovery_period_in_days", M("point_in_time_recovery_days")),
                    ("earliest_restorable_date_time", C),
                    ("latest_restorable_date_time", C),
                ],
            },
            Shape {
                call: "ListTagsOfResource",
                shape: "ListTagsOfResourceOutput",
                debug: || debug_of(list_tags_of_resource::ListTagsOfResourceOutput::builder()),
                fields: &[("tags", M("tags")), ("next_token", C)],
            },
        ],
    }]
}
