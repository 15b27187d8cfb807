//! CloudWatch Logs log group: the name forces replacement; retention, the
//! KMS key (`kms_key_id`, associated or disassociated in place) and tags
//! update in place. Its id is the name.

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::{json, Value};

use crate::aws::attrs;
use crate::aws::error::{ignore_not_found, SdkResultExt};
use crate::aws::find;
use crate::aws::tags;
use crate::aws::transient;
use crate::aws::Aws;
use crate::engine::resource::{Created, Ctx, Observed, ResourceError, ResourceType};
use crate::engine::value::Attrs;

/// `logs_log_group`.
pub struct LogGroup(pub Arc<Aws>);

impl LogGroup {
    /// The group's ARN as AWS reports it, or built from the account id and
    /// partition when the answer lacks it.
    async fn arn(
        &self,
        g: Option<&aws_sdk_cloudwatchlogs::types::LogGroup>,
        region: &str,
        name: &str,
    ) -> Result<String, ResourceError> {
        match g.and_then(bare_arn) {
            Some(a) => Ok(a),
            None => {
                self.0
                    .arn("logs", region, &format!("log-group:{name}"))
                    .await
            }
        }
    }
}

#[async_trait]
impl ResourceType for LogGroup {
    fn kind(&self) -> &'static str {
        "logs_log_group"
    }

    fn replace_on(&self) -> &'static [&'static str] {
        &["name"]
    }

    async fn create(&self, ctx: &Ctx, a: &Attrs) -> Result<Created, ResourceError> {
        let logs = &self.0.region(&ctx.region).logs;
        let name = attrs::str(a, "name")?;
        transient::call(ctx, "logs", "CreateLogGroup", || async {
            logs.create_log_group()
                .log_group_name(name)
                .set_kms_key_id(attrs::opt_str(a, "kms_key_id").map(str::to_string))
                .set_tags(Some(tags::desired(a).into_iter().collect()))
                .send()
                .await
                .ctx(&format!("creating CloudWatch log group ({name})"))
        })
        .await?;
        set_retention(logs, name, attrs::opt_int(a, "retention_in_days")).await?;
        let found = find(logs, name).await?;
        Ok(Created {
            id: name.to_string(),
            outputs: outputs(self.arn(found.as_ref(), &ctx.region, name).await?),
        })
    }

    async fn find(&self, ctx: &Ctx, a: &Attrs) -> Result<Vec<String>, ResourceError> {
        find::by_id(self, ctx, attrs::str(a, "name")?, a).await
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        recorded: &Attrs,
    ) -> Result<Option<Observed>, ResourceError> {
        let logs = &self.0.region(&ctx.region).logs;
        let Some(g) = find(logs, id).await? else {
            return Ok(None);
        };
        let arn = self.arn(Some(&g), &ctx.region, id).await?;
        // Tags (from the bulk read when it shows what was recorded) and
        // subscription filters at once.
        let (live_tags, subscription_filters) = tokio::join!(
            tags::cached_or(&self.0, &arn, recorded, async {
                let t = logs
                    .list_tags_for_resource()
                    .resource_arn(&arn)
                    .send()
                    .await
                    .ctx(&format!("reading tags of CloudWatch log group ({id})"))?;
                Ok(tags::live(t.tags().into_iter().flatten()))
            }),
            super::subscriptions::read(logs, id),
        );
        let (live_tags, subscription_filters) = (live_tags?, subscription_filters?);
        let attrs = json!({
            "name": id,
            "subscription_filters": subscription_filters,
            "retention_in_days": g.retention_in_days().map_or(Value::Null, |d| json!(d)),
            "kms_key_id": g.kms_key_id(),
            // Switches held at CloudWatch Logs' defaults: masking, a guard
            // against deletion, and writes without IAM signatures.
            "data_protection": g.data_protection_status().is_some_and(|s| s.as_str() == "ACTIVATED"),
            "deletion_protection_enabled": g.deletion_protection_enabled().unwrap_or(false),
            "bearer_token_authentication_enabled": g.bearer_token_authentication_enabled().unwrap_or(false),
            "tags": live_tags,
        });
        Ok(Some(Observed {
            attrs: attrs.as_object().cloned().unwrap_or_default(),
            outputs: outputs(arn),
        }))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        id: &str,
        from: &Attrs,
        to: &Attrs,
    ) -> Result<Attrs, ResourceError> {
        let logs = &self.0.region(&ctx.region).logs;
        if from.get("retention_in_days") != to.get("retention_in_days") {
            set_retention(logs, id, attrs::opt_int(to, "retention_in_days")).await?;
        }
        if from.get("kms_key_id") != to.get("kms_key_id") {
            let what = format!("setting the KMS key of CloudWatch log group ({id})");
            match attrs::opt_str(to, "kms_key_id") {
                Some(k) => {
                    transient::call(ctx, "logs", "AssociateKmsKey", || async {
                        logs.associate_kms_key()
                            .log_group_name(id)
                            .kms_key_id(k)
                            .send()
                            .await
                            .ctx(&what)
                            .map(|_| ())
                    })
                    .await?
                }
                None => logs
                    .disassociate_kms_key()
                    .log_group_name(id)
                    .send()
                    .await
                    .ctx(&what)
                    .map(|_| ())?,
            }
        }
        switches(logs, id, from, to).await?;
        super::subscriptions::remove_extras(logs, id, from, to).await?;
        if tags::changed(from, to) {
            let arn = self
                .arn(find(logs, id).await?.as_ref(), &ctx.region, id)
                .await?;
            let arn: &str = &arn;
            tags::sync(
                from,
                to,
                |remove| async move {
                    logs.untag_resource()
                        .resource_arn(arn)
                        .set_tag_keys(Some(remove))
                        .send()
                        .await
                        .ctx(&format!("untagging CloudWatch log group ({id})"))
                        .map(|_| ())
                },
                |set| async move {
                    logs.tag_resource()
                        .resource_arn(arn)
                        .set_tags(Some(set.into_iter().collect()))
                        .send()
                        .await
                        .ctx(&format!("tagging CloudWatch log group ({id})"))
                        .map(|_| ())
                },
            )
            .await?;
        }
        Ok(Attrs::new())
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _: &Attrs) -> Result<(), ResourceError> {
        let r = self
            .0
            .region(&ctx.region)
            .logs
            .delete_log_group()
            .log_group_name(id)
            .send()
            .await
            .ctx(&format!("deleting CloudWatch log group ({id})"));
        ignore_not_found(r.map(|_| ()))
    }
}

async fn set_retention(
    logs: &aws_sdk_cloudwatchlogs::Client,
    name: &str,
    days: Option<i64>,
) -> Result<(), ResourceError> {
    let what = format!("setting retention of CloudWatch log group ({name})");
    match days {
        Some(d) => logs
            .put_retention_policy()
            .log_group_name(name)
            .retention_in_days(d as i32)
            .send()
            .await
            .ctx(&what)
            .map(|_| ()),
        None => ignore_not_found(
            logs.delete_retention_policy()
                .log_group_name(name)
                .send()
                .await
                .ctx(&what)
                .map(|_| ()),
        ),
    }
}

/// The log group named exactly `name`.
async fn find(
    logs: &aws_sdk_cloudwatchlogs::Client,
    name: &str,
) -> Result<Option<aws_sdk_cloudwatchlogs::types::LogGroup>, ResourceError> {
    let mut pages = logs
        .describe_log_groups()
        .log_group_name_prefix(name)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.ctx(&format!("reading CloudWatch log group ({name})"))?;
        if let Some(g) = page
            .log_groups()
            .iter()
            .find(|g| g.log_group_name() == Some(name))
        {
            return Ok(Some(g.clone()));
        }
    }
    Ok(None)
}

/// The group's ARN without the trailing `:*`.
fn bare_arn(g: &aws_sdk_cloudwatchlogs::types::LogGroup) -> Option<String> {
    g.arn()
        .map(|a| crate::aws::orphans::bare_arn(a).to_string())
}

fn outputs(arn: String) -> Attrs {
    json!({ "arn": arn })
        .as_object()
        .cloned()
        .unwrap_or_default()
}

/// Puts the group's switches back where `from` (live) differs from `to`.
async fn switches(
    logs: &aws_sdk_cloudwatchlogs::Client,
    id: &str,
    from: &Attrs,
    to: &Attrs,
) -> Result<(), ResourceError> {
    let differs = |k: &str| attrs::differs(from, to, k);
    let on = |k: &str| to.get(k).and_then(Value::as_bool).unwrap_or(false);
    if differs("data_protection") && !on("data_protection") {
        logs.delete_data_protection_policy()
            .log_group_identifier(id)
            .send()
            .await
            .ctx(&format!("deleting the data protection policy added outside hcprov to CloudWatch log group ({id})"))?;
    }
    if differs("deletion_protection_enabled") {
        logs.put_log_group_deletion_protection()
            .log_group_identifier(id)
            .deletion_protection_enabled(on("deletion_protection_enabled"))
            .send()
            .await
            .ctx(&format!(
                "setting deletion protection of CloudWatch log group ({id})"
            ))?;
    }
    if differs("bearer_token_authentication_enabled") {
        logs.put_bearer_token_authentication()
            .log_group_identifier(id)
            .bearer_token_authentication_enabled(on("bearer_token_authentication_enabled"))
            .send()
            .await
            .ctx(&format!(
                "setting bearer-token writes of CloudWatch log group ({id})"
            ))?;
    }
    Ok(())
}
