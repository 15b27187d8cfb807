//! The drift audit of the SNS types (see `aws::audit`).

use aws_sdk_sns::operation::{
    get_data_protection_policy, get_topic_attributes, list_tags_for_resource,
};

use crate::aws::audit::Class::Managed as M;
use crate::aws::audit::{debug_of, Audit, Shape};

/// Every SNS type's audit.
pub fn audits() -> Vec<Audit> {
    vec![Audit {
        kind: "sns_topic",
        shapes: vec![
            Shape {
                call: "GetTopicAttributes",
                shape: "GetTopicAttributesOutput",
                debug: || debug_of(get_topic_attributes::GetTopicAttributesOutput::builder()),
                fields: &[
                    // One map of named attributes. Compared today: DisplayName
                    // (display_name) and KmsMasterKeyId (kms_master_key_id).
                    // AWS's own: TopicArn, Owner, Subscriptions{Confirmed,
                    // Pending,Deleted}, EffectiveDeliveryPolicy, FifoTopic,
                    // ContentBasedDeduplication (fixed at creation),
                    // BeginningArchiveTime; ArchivePolicy is FIFO-only. The
                    // rest are gaps.
                    ("attributes", M("display_name,kms_master_key_id,policy,delivery_policy,signature_version,tracing_config,delivery_status_logging")),
                ],
            },
            Shape {
                call: "GetDataProtectionPolicy",
                shape: "GetDataProtectionPolicyOutput",
                debug: || debug_of(get_data_protection_policy::GetDataProtectionPolicyOutput::builder()),
                fields: &[("data_protection_policy", M("data_protection_policy"))],
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
