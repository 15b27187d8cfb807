//! EC2 VPC flow log to CloudWatch Logs: every setting forces replacement
//! (the API has no update); tags update in place.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_ec2::types::{
    Filter, FlowLogsResourceType, LogDestinationType, ResourceType as Ec2Type, TrafficType,
};
use serde_json::json;

use super::all_pages;
use super::{
    batched, delete_retrying, find_described, ids, single, tag_spec, tags_value, update_tags,
};
use crate::aws::attrs::{self, obj};
use crate::aws::error::SdkResultExt;
use crate::aws::Aws;
use crate::engine::resource::{Created, Ctx, ErrorClass, Observed, ResourceError, ResourceType};
use crate::engine::value::Attrs;

/// `ec2_flow_log`.
pub struct FlowLog(pub Arc<Aws>);

#[async_trait]
impl ResourceType for FlowLog {
    fn kind(&self) -> &'static str {
        "ec2_flow_log"
    }

    fn replace_on(&self) -> &'static [&'static str] {
        &[
            "vpc_id",
            "traffic_type",
            "iam_role_arn",
            "log_destination_type",
            "log_destination",
        ]
    }

    async fn create(&self, ctx: &Ctx, a: &Attrs) -> Result<Created, ResourceError> {
        let out = self
            .0
            .region(&ctx.region)
            .ec2
            .create_flow_logs()
            .set_client_token(ctx.token())
            .resource_type(FlowLogsResourceType::Vpc)
            .resource_ids(attrs::str(a, "vpc_id")?)
            .traffic_type(TrafficType::from(attrs::str(a, "traffic_type")?))
            .deliver_logs_permission_arn(attrs::str(a, "iam_role_arn")?)
            .log_destination_type(LogDestinationType::from(attrs::str(
                a,
                "log_destination_type",
            )?))
            .log_destination(attrs::str(a, "log_destination")?)
            .tag_specifications(tag_spec(Ec2Type::VpcFlowLog, a))
            .send()
            .await
            .ctx("creating EC2 flow log")?;
        if let Some(e) = out.unsuccessful().first() {
            let msg = e
                .error()
                .and_then(|e| e.message())
                .unwrap_or("unsuccessful");
            return Err(ResourceError::new(
                ErrorClass::Other,
                "creating EC2 flow log",
                msg,
            ));
        }
        let id = out.flow_log_ids().first().cloned().unwrap_or_default();
        Ok(Created {
            id,
            outputs: Attrs::new(),
        })
    }

    async fn find(&self, ctx: &Ctx, a: &Attrs) -> Result<Vec<String>, ResourceError> {
        let ec2 = &self.0.region(&ctx.region).ec2;
        find_described(a, |f| describe(ec2, None, Some(f))).await
    }

    fn batches_reads(&self) -> bool {
        true
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        a: &Attrs,
    ) -> Result<Option<Observed>, ResourceError> {
        single(self.read_many(ctx, &[(id.to_string(), a.clone())]).await)
    }

    async fn read_many(
        &self,
        ctx: &Ctx,
        items: &[(String, Attrs)],
    ) -> Vec<Result<Option<Observed>, ResourceError>> {
        let ec2 = &self.0.region(&ctx.region).ec2;
        batched(items, |batch| describe(ec2, Some(ids(&batch)), None)).await
    }

    async fn update(
        &self,
        ctx: &Ctx,
        id: &str,
        from: &Attrs,
        to: &Attrs,
    ) -> Result<Attrs, ResourceError> {
        update_tags(
            &self.0.region(&ctx.region).ec2,
            id,
            from,
            to,
            "EC2 flow log",
        )
        .await?;
        Ok(Attrs::new())
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _: &Attrs) -> Result<(), ResourceError> {
        let ec2 = &self.0.region(&ctx.region).ec2;
        delete_retrying(ctx, || async {
            ec2.delete_flow_logs()
                .flow_log_ids(id)
                .send()
                .await
                .ctx(&format!("deleting EC2 flow log ({id})"))
                .map(|_| ())
        })
        .await
    }
}

/// One DescribeFlowLogs call for EC2 flow logs: by `ids` (reads) or by
/// `filters` (the search after an interrupted create); what it found, by
/// id.
async fn describe(
    ec2: &aws_sdk_ec2::Client,
    ids: Option<Vec<String>>,
    filters: Option<Vec<Filter>>,
) -> Result<HashMap<String, Observed>, ResourceError> {
    let items = all_pages!(
        ec2.describe_flow_logs()
            .set_flow_log_ids(ids)
            .set_filter(filters),
        flow_logs,
        "describing EC2 flow logs"
    );
    Ok(items
        .iter()
        .map(|f| {
            let attrs = json!({
                "vpc_id": f.resource_id(),
                "traffic_type": f.traffic_type().map(|t| t.as_str()),
                "iam_role_arn": f.deliver_logs_permission_arn(),
                "log_destination_type": f.log_destination_type().map(|t| t.as_str()),
                "log_destination": f.log_destination(),
                "tags": tags_value(f.tags()),
            });
            (
                f.flow_log_id().unwrap_or_default().to_string(),
                Observed {
                    attrs: obj(attrs),
                    outputs: Attrs::new(),
                },
            )
        })
        .collect())
}
