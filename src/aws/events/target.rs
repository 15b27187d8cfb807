//! EventBridge target of a rule: the rule and target id force replacement;
//! the target ARN updates in place. Its id is `rule/target_id`.

use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_eventbridge::types::Target as EvTarget;
use serde_json::json;

use crate::aws::attrs::{self, obj};
use crate::aws::error::SdkResultExt;
use crate::aws::find;
use crate::aws::Aws;
use crate::engine::resource::{Created, Ctx, ErrorClass, Observed, ResourceError, ResourceType};
use crate::engine::value::Attrs;

/// `eventbridge_target`.
pub struct Target(pub Arc<Aws>);

impl Target {
    async fn put(&self, ctx: &Ctx, a: &Attrs) -> Result<String, ResourceError> {
        let (rule, tid) = (attrs::str(a, "rule")?, attrs::str(a, "target_id")?);
        let what = format!("putting target {tid} on EventBridge rule ({rule})");
        // PutTargets replaces the whole target: what is not declared goes.
        let mut b = EvTarget::builder()
            .id(tid)
            .arn(attrs::str(a, "arn")?)
            .set_input(attrs::opt_str(a, "input").map(str::to_string))
            .set_input_path(attrs::opt_str(a, "input_path").map(str::to_string));
        if let Some(arn) = attrs::opt_str(a, "dead_letter_arn") {
            b = b.dead_letter_config(
                aws_sdk_eventbridge::types::DeadLetterConfig::builder()
                    .arn(arn)
                    .build(),
            );
        }
        if let Some(r) = a.get("retry_policy").filter(|r| r.is_object()) {
            b = b.retry_policy(
                aws_sdk_eventbridge::types::RetryPolicy::builder()
                    .set_maximum_retry_attempts(
                        r["maximum_retry_attempts"].as_i64().map(|n| n as i32),
                    )
                    .set_maximum_event_age_in_seconds(
                        r["maximum_event_age_in_seconds"].as_i64().map(|n| n as i32),
                    )
                    .build(),
            );
        }
        if let Some(t) = a.get("input_transformer").filter(|t| t.is_object()) {
            let paths = t["input_paths_map"].as_object().map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                    .collect()
            });
            b = b.input_transformer(
                aws_sdk_eventbridge::types::InputTransformer::builder()
                    .set_input_paths_map(paths)
                    .input_template(t["input_template"].as_str().unwrap_or_default())
                    .build()
                    .map_err(|e| {
                        ResourceError::new(ErrorClass::Invalid, what.clone(), e.to_string())
                    })?,
            );
        }
        let target = b
            .build()
            .map_err(|e| ResourceError::new(ErrorClass::Invalid, what.clone(), e.to_string()))?;
        let out = self
            .0
            .region(&ctx.region)
            .events
            .put_targets()
            .rule(rule)
            .targets(target)
            .send()
            .await
            .ctx(&what)?;
        if let Some(f) = out.failed_entries().first() {
            return Err(ResourceError::new(
                ErrorClass::Other,
                what,
                f.error_message().unwrap_or("failed").to_string(),
            ));
        }
        Ok(format!("{rule}/{tid}"))
    }
}

#[async_trait]
impl ResourceType for Target {
    fn kind(&self) -> &'static str {
        "eventbridge_target"
    }

    fn replace_on(&self) -> &'static [&'static str] {
        &["rule", "target_id"]
    }

    async fn create(&self, ctx: &Ctx, a: &Attrs) -> Result<Created, ResourceError> {
        Ok(Created {
            id: self.put(ctx, a).await?,
            outputs: Attrs::new(),
        })
    }

    async fn find(&self, _: &Ctx, _: &Attrs) -> Result<Vec<String>, ResourceError> {
        find::idempotent()
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        _: &Attrs,
    ) -> Result<Option<Observed>, ResourceError> {
        let Some((rule, tid)) = id.rsplit_once('/') else {
            return Err(ResourceError::new(
                ErrorClass::Invalid,
                "reading EventBridge target",
                format!("malformed id {id:?}"),
            ));
        };
        let all = super::targets(&self.0, &ctx.region, rule).await?;
        let found = all.and_then(|t| t.into_iter().find(|t| t.id() == tid));
        Ok(found.map(|t| Observed {
            attrs: obj(json!({
                "rule": rule, "target_id": tid, "arn": t.arn(),
                // What the target receives, and what happens to events it
                // cannot take: all EventBridge's defaults unless declared.
                "input": t.input(),
                "input_path": t.input_path(),
                "input_transformer": t.input_transformer().map(|x| json!({
                    "input_paths_map": x.input_paths_map(), "input_template": x.input_template(),
                })),
                "dead_letter_arn": t.dead_letter_config().and_then(|d| d.arn()),
                // EventBridge's default (185 tries over 24 hours) reads as none.
                "retry_policy": t.retry_policy()
                    .filter(|r| (r.maximum_retry_attempts(), r.maximum_event_age_in_seconds()) != (Some(185), Some(86400)))
                    .map(|r| json!({
                    "maximum_retry_attempts": r.maximum_retry_attempts(),
                    "maximum_event_age_in_seconds": r.maximum_event_age_in_seconds(),
                })),
            })),
            outputs: Attrs::new(),
        }))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        _: &str,
        _: &Attrs,
        to: &Attrs,
    ) -> Result<Attrs, ResourceError> {
        self.put(ctx, to).await?;
        Ok(Attrs::new())
    }

    async fn delete(&self, ctx: &Ctx, id: &str, a: &Attrs) -> Result<(), ResourceError> {
        let (rule, tid) = (attrs::str(a, "rule")?, attrs::str(a, "target_id")?);
        let r = self
            .0
            .region(&ctx.region)
            .events
            .remove_targets()
            .rule(rule)
            .ids(tid)
            .send()
            .await
            .ctx(&format!("removing target ({id})"));
        super::removed(r, rule)
    }
}
