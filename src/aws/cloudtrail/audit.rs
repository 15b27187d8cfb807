//! The drift audit of the CloudTrail types (see `aws::audit`).

use aws_sdk_cloudtrail::operation::{get_event_selectors, get_trail_status, list_tags};
use aws_sdk_cloudtrail::types::{ResourceTag, Trail};

use crate::aws::audit::Class::{Computed as C, Ignored as I, Managed as M};
use crate::aws::audit::{debug_of, Audit, Shape};

/// Every CloudTrail type's audit.
pub fn audits() -> Vec<Audit> {
    vec![Audit {
        kind: "cloudtrail_trail",
        shapes: vec![
            Shape {
                call: "DescribeTrails",
                shape: "Trail",
                debug: || debug_of(Trail::builder()),
                fields: &[
                    ("name", C), // the id: read picks the trail by it and reports it as `name`
                    ("s3_bucket_name", M("s3_bucket_name")),
                    ("s3_key_prefix", M("s3_key_prefix")),
                    ("sns_topic_name", I("deprecated twin of sns_topic_arn")),
                    ("sns_topic_arn", I("hcprov asks for no log-delivery notifications; they announce files, they do not log")),
                    ("include_global_service_events", M("include_global_service_events")),
                    ("is_multi_region_trail", M("is_multi_region_trail")),
                    ("home_region", C),
                    ("trail_arn", C),
                    ("log_file_validation_enabled", M("enable_log_file_validation")),
                    ("cloud_watch_logs_log_group_arn", M("cloud_watch_logs_log_group_arn")),
                    ("cloud_watch_logs_role_arn", M("cloud_watch_logs_role_arn")),
                    ("kms_key_id", M("kms_key_id")),
                    ("has_custom_event_selectors", M("event_selectors")),
                    ("has_insight_selectors", I("hcprov turns on no CloudTrail Insights (anomaly detection at extra cost); it adds analysis and never removes events")),
                    ("is_organization_trail", I("only an Organizations management account can make one; hcprov's trail is an account trail")),
                    ("recursive_logging", M("recursive_logging")),
                ],
            },
            Shape {
                call: "GetTrailStatus",
                shape: "GetTrailStatusOutput",
                debug: || debug_of(get_trail_status::GetTrailStatusOutput::builder()),
                fields: &[
                    ("is_logging", M("enable_logging")),
                    ("latest_delivery_error", C),
                    ("latest_notification_error", C),
                    ("latest_delivery_time", C),
                    ("latest_notification_time", C),
                    ("start_logging_time", C),
                    ("stop_logging_time", C),
                    ("latest_cloud_watch_logs_delivery_error", C),
                    ("latest_cloud_watch_logs_delivery_time", C),
                    ("latest_digest_delivery_time", C),
                    ("latest_digest_delivery_error", C),
                    ("latest_delivery_attempt_time", C),
                    ("latest_notification_attempt_time", C),
                    ("latest_notification_attempt_succeeded", C),
                    ("latest_delivery_attempt_succeeded", C),
                    ("time_logging_started", C),
                    ("time_logging_stopped", C),
                ],
            },
            Shape {
                call: "ListTags",
                shape: "ListTagsOutput",
                debug: || debug_of(list_tags::ListTagsOutput::builder()),
                fields: &[("resource_tag_list", M("tags")), ("next_token", C)],
            },
            Shape {
                call: "ListTags",
                shape: "ResourceTag",
                debug: || debug_of(ResourceTag::builder()),
                fields: &[("resource_id", C), ("tags_list", M("tags"))],
            },
            Shape {
                call: "GetEventSelectors",
                shape: "GetEventSelectorsOutput",
                debug: || debug_of(get_event_selectors::GetEventSelectorsOutput::builder()),
                fields: &[
                    ("trail_arn", C),
                    ("event_selectors", M("event_selectors")),
                    ("advanced_event_selectors", M("event_selectors")),
                ],
            },
        ],
    }]
}
