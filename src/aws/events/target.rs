//! EventBridge target of a rule: the rule and target id force replacement;
//! the target ARN updates in place. Its id is `rule/target_id`.

use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_eventbridge::types::Target as EvTarget;
use serde_json::json;

use crate::aws::attrs::{self, obj};
use crate::aws::error::{ignore_not_found, not_found_to_none, SdkResultExt};
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
        let target = EvTarget::builder()
            .id(tid)
            .arn(attrs::str(a, "arn")?)
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
        let out = not_found_to_none(
            self.0
                .region(&ctx.region)
                .events
                .list_targets_by_rule()
                .rule(rule)
                .send()
                .await
                .ctx(&format!("reading targets of EventBridge rule ({rule})")),
        )?;
        let found = out.and_then(|o| o.targets().iter().find(|t| t.id() == tid).cloned());
        Ok(found.map(|t| Observed {
            attrs: obj(json!({ "rule": rule, "target_id": tid, "arn": t.arn() })),
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
            .await;
        ignore_not_found(r.map(|_| ()).ctx(&format!("removing target ({id})")))
    }
}
