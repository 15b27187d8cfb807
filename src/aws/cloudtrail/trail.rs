//! CloudTrail trail: the name forces replacement; bucket, global events,
//! multi-region, log-file validation, KMS encryption and logging update in
//! place; tags.

use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_cloudtrail::types::Tag;
use serde_json::json;

use crate::aws::attrs::{self, obj};
use crate::aws::error::{ignore_not_found, not_found_to_none, SdkResultExt};
use crate::aws::find;
use crate::aws::tags;
use crate::aws::transient;
use crate::aws::Aws;
use crate::engine::resource::{Created, Ctx, ErrorClass, Observed, ResourceError, ResourceType};
use crate::engine::value::Attrs;

/// `cloudtrail_trail`.
pub struct Trail(pub Arc<Aws>);

fn trail_tags(
    pairs: impl IntoIterator<Item = (String, String)>,
) -> Result<Vec<Tag>, ResourceError> {
    pairs
        .into_iter()
        .map(|(k, v)| {
            Tag::builder().key(k).value(v).build().map_err(|e| {
                ResourceError::new(
                    ErrorClass::Invalid,
                    "building CloudTrail tags",
                    e.to_string(),
                )
            })
        })
        .collect()
}

async fn set_logging(
    ct: &aws_sdk_cloudtrail::Client,
    name: &str,
    on: bool,
) -> Result<(), ResourceError> {
    let what = format!(
        "{} logging of CloudTrail trail ({name})",
        if on { "starting" } else { "stopping" }
    );
    if on {
        ct.start_logging().name(name).send().await.ctx(&what)?;
    } else {
        ct.stop_logging().name(name).send().await.ctx(&what)?;
    }
    Ok(())
}

#[async_trait]
impl ResourceType for Trail {
    fn kind(&self) -> &'static str {
        "cloudtrail_trail"
    }

    fn replace_on(&self) -> &'static [&'static str] {
        &["name"]
    }

    async fn create(&self, ctx: &Ctx, a: &Attrs) -> Result<Created, ResourceError> {
        let ct = &self.0.region(&ctx.region).cloudtrail;
        let name = attrs::str(a, "name")?;
        let tags = trail_tags(tags::desired(a))?;
        let out = transient::call(ctx, "cloudtrail", "CreateTrail", || async {
            ct.create_trail()
                .name(name)
                .s3_bucket_name(attrs::str(a, "s3_bucket_name")?)
                .include_global_service_events(attrs::bool(a, "include_global_service_events")?)
                .is_multi_region_trail(attrs::bool(a, "is_multi_region_trail")?)
                .enable_log_file_validation(attrs::bool(a, "enable_log_file_validation")?)
                .set_kms_key_id(attrs::opt_str(a, "kms_key_id").map(str::to_string))
                .set_tags_list(Some(tags.clone()))
                .send()
                .await
                .ctx(&format!("creating CloudTrail trail ({name})"))
        })
        .await?;
        if attrs::bool(a, "enable_logging")? {
            set_logging(ct, name, true).await?;
        }
        Ok(Created {
            id: name.to_string(),
            outputs: obj(json!({ "arn": out.trail_arn() })),
        })
    }

    async fn find(&self, ctx: &Ctx, a: &Attrs) -> Result<Vec<String>, ResourceError> {
        find::by_id(self, ctx, attrs::str(a, "name")?, a).await
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        _: &Attrs,
    ) -> Result<Option<Observed>, ResourceError> {
        let ct = &self.0.region(&ctx.region).cloudtrail;
        let out = ct
            .describe_trails()
            .trail_name_list(id)
            .send()
            .await
            .ctx(&format!("reading CloudTrail trail ({id})"))?;
        let Some(t) = out
            .trail_list()
            .iter()
            .find(|t| t.name() == Some(id))
            .cloned()
        else {
            return Ok(None);
        };
        let arn = t.trail_arn().unwrap_or_default().to_string();
        // Status, tags and event selectors at once: one round trip.
        let (status, tag_out, selectors) = tokio::join!(
            ct.get_trail_status().name(id).send(),
            ct.list_tags().resource_id_list(&arn).send(),
            super::trail_extras::selectors(ct, id),
        );
        let Some(status) =
            not_found_to_none(status.ctx(&format!("reading status of CloudTrail trail ({id})")))?
        else {
            return Ok(None);
        };
        let tag_out = tag_out.ctx(&format!("reading tags of CloudTrail trail ({id})"))?;
        let live_tags = tag_out.resource_tag_list().first().map(|r| {
            tags::live(
                r.tags_list()
                    .iter()
                    .map(|t| (t.key(), t.value().unwrap_or_default())),
            )
        });
        let mut attrs = obj(super::trail_extras::observe(&t));
        attrs.insert("event_selectors".into(), selectors?);
        attrs.extend(obj(json!({
                "name": id,
                "s3_bucket_name": t.s3_bucket_name(),
                "include_global_service_events": t.include_global_service_events().unwrap_or(false),
                "is_multi_region_trail": t.is_multi_region_trail().unwrap_or(false),
                "enable_log_file_validation": t.log_file_validation_enabled().unwrap_or(false),
                "kms_key_id": t.kms_key_id(),
                "enable_logging": status.is_logging().unwrap_or(false),
                "tags": live_tags.unwrap_or(json!({})),
        })));
        Ok(Some(Observed {
            attrs,
            outputs: obj(json!({ "arn": arn })),
        }))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        id: &str,
        from: &Attrs,
        to: &Attrs,
    ) -> Result<Attrs, ResourceError> {
        let ct = &self.0.region(&ctx.region).cloudtrail;
        let keys = [
            "s3_bucket_name",
            "include_global_service_events",
            "is_multi_region_trail",
            "enable_log_file_validation",
            "kms_key_id",
        ];
        let extra = super::trail_extras::UPDATED
            .iter()
            .any(|k| to.contains_key(*k) && from.get(*k) != to.get(*k));
        if extra || keys.iter().any(|k| from.get(*k) != to.get(*k)) {
            transient::call(ctx, "cloudtrail", "UpdateTrail", || async {
                ct.update_trail()
                    .name(id)
                    .s3_bucket_name(attrs::str(to, "s3_bucket_name")?)
                    .include_global_service_events(attrs::bool(
                        to,
                        "include_global_service_events",
                    )?)
                    .is_multi_region_trail(attrs::bool(to, "is_multi_region_trail")?)
                    .enable_log_file_validation(attrs::bool(to, "enable_log_file_validation")?)
                    .set_kms_key_id(attrs::opt_str(to, "kms_key_id").map(str::to_string))
                    // Empty takes a prefix or a CloudWatch Logs delivery off.
                    .s3_key_prefix(attrs::opt_str(to, "s3_key_prefix").unwrap_or_default())
                    .cloud_watch_logs_log_group_arn(
                        attrs::opt_str(to, "cloud_watch_logs_log_group_arn").unwrap_or_default(),
                    )
                    .cloud_watch_logs_role_arn(
                        attrs::opt_str(to, "cloud_watch_logs_role_arn").unwrap_or_default(),
                    )
                    .set_recursive_logging(
                        to.get("recursive_logging")
                            .and_then(serde_json::Value::as_bool),
                    )
                    .send()
                    .await
                    .ctx(&format!("updating CloudTrail trail ({id})"))
            })
            .await?;
        }
        super::trail_extras::restore_selectors(ct, id, from, to).await?;
        let logging = attrs::bool(to, "enable_logging")?;
        if from
            .get("enable_logging")
            .and_then(serde_json::Value::as_bool)
            != Some(logging)
        {
            set_logging(ct, id, logging).await?;
        }
        // The trail's ARN, built rather than read (the account id is cached).
        let arn = if tags::changed(from, to) {
            self.0
                .arn("cloudtrail", &ctx.region, &format!("trail/{id}"))
                .await?
        } else {
            String::new()
        };
        let arn: &str = &arn;
        tags::sync(
            from,
            to,
            |remove| async move {
                let keys: Result<Vec<Tag>, _> = remove
                    .into_iter()
                    .map(|k| Tag::builder().key(k).build())
                    .collect();
                let keys = keys.map_err(|e| {
                    ResourceError::new(
                        ErrorClass::Invalid,
                        "building CloudTrail tags",
                        e.to_string(),
                    )
                })?;
                ct.remove_tags()
                    .resource_id(arn)
                    .set_tags_list(Some(keys))
                    .send()
                    .await
                    .ctx(&format!("untagging CloudTrail trail ({id})"))
                    .map(|_| ())
            },
            |set| async move {
                ct.add_tags()
                    .resource_id(arn)
                    .set_tags_list(Some(trail_tags(set)?))
                    .send()
                    .await
                    .ctx(&format!("tagging CloudTrail trail ({id})"))
                    .map(|_| ())
            },
        )
        .await?;
        Ok(Attrs::new())
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _: &Attrs) -> Result<(), ResourceError> {
        let r = self
            .0
            .region(&ctx.region)
            .cloudtrail
            .delete_trail()
            .name(id)
            .send()
            .await;
        ignore_not_found(
            r.map(|_| ())
                .ctx(&format!("deleting CloudTrail trail ({id})")),
        )
    }
}
