//! The drift audit of the EventBridge types (see `aws::audit`).

use aws_sdk_eventbridge::operation::{describe_rule, list_tags_for_resource, list_targets_by_rule};
use aws_sdk_eventbridge::types::Target;

use crate::aws::audit::Class::{Computed as C, Ignored as I, Managed as M};
use crate::aws::audit::{debug_of, Audit, Shape};

/// Every EventBridge type's audit.
pub fn audits() -> Vec<Audit> {
    vec![
        Audit {
            kind: "eventbridge_rule",
            shapes: vec![
                Shape {
                    call: "DescribeRule",
                    shape: "DescribeRuleOutput",
                    debug: || debug_of(describe_rule::DescribeRuleOutput::builder()),
                    fields: &[
                        ("name", I("the lookup key: read reports name from the id it asked for")),
                        ("arn", C),
                        ("event_pattern", M("event_pattern")),
                        ("schedule_expression", M("schedule_expression")),
                        ("state", M("state")),
                        ("description", M("description")),
                        ("role_arn", I("only used to deliver to targets that need a role (Kinesis, ECS, Step Functions, other buses); the declared target is a Lambda function, invoked under its resource policy")),
                        ("managed_by", C),
                        ("event_bus_name", I("the lookup key: rules are read on the default bus, where hcprov puts them")),
                        ("created_by", C),
                    ],
                },
                Shape {
                    call: "ListTagsForResource",
                    shape: "ListTagsForResourceOutput",
                    debug: || debug_of(list_tags_for_resource::ListTagsForResourceOutput::builder()),
                    fields: &[("tags", M("tags"))],
                },
                Shape {
                    call: "ListTargetsByRule",
                    shape: "ListTargetsByRuleOutput",
                    debug: || debug_of(list_targets_by_rule::ListTargetsByRuleOutput::builder()),
                    fields: &[
                        ("targets", M("target_ids")),
                        ("next_token", C),
                    ],
                },
            ],
        },
        Audit {
            kind: "eventbridge_target",
            shapes: vec![Shape {
                call: "ListTargetsByRule",
                shape: "Target",
                debug: || debug_of(Target::builder()),
                fields: &[
                    ("id", M("target_id")),
                    ("arn", M("arn")),
                    ("role_arn", I("only for targets that need a role; a Lambda target is invoked under the function's resource policy")),
                    ("input", M("input")),
                    ("input_path", M("input_path")),
                    ("input_transformer", M("input_transformer")),
                    ("kinesis_parameters", I("only for Kinesis targets; a change of target shows as arn drift")),
                    ("run_command_parameters", I("only for Systems Manager Run Command targets; a change of target shows as arn drift")),
                    ("ecs_parameters", I("only for ECS task targets; a change of target shows as arn drift")),
                    ("batch_parameters", I("only for Batch job targets; a change of target shows as arn drift")),
                    ("sqs_parameters", I("only for SQS FIFO queue targets; a change of target shows as arn drift")),
                    ("http_parameters", I("only for API Gateway and API destination targets; a change of target shows as arn drift")),
                    ("redshift_data_parameters", I("only for Redshift Data API targets; a change of target shows as arn drift")),
                    ("sage_maker_pipeline_parameters", I("only for SageMaker pipeline targets; a change of target shows as arn drift")),
                    ("dead_letter_config", M("dead_letter_arn")),
                    ("retry_policy", M("retry_policy")),
                    ("app_sync_parameters", I("only for AppSync targets; a change of target shows as arn drift")),
                ],
            }],
        },
    ]
}
