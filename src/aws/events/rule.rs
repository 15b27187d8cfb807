//! EventBridge rule on the default bus: the name forces replacement; the
//! event pattern, description, state (a rule disabled outside hcprov is
//! drift) and tags update in place (PutRule overwrites). The rule owns its
//! targets: `target_ids` lists those the stack's `eventbridge_target` nodes
//! put, and a target someone else added is drift that apply removes.

use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_eventbridge::types::{RuleState, Tag};
use serde_json::json;

use crate::aws::attrs::{self, obj};
use crate::aws::error::{ignore_not_found, not_found_to_none, SdkResultExt};
use crate::aws::find;
use crate::aws::tags;
use crate::aws::Aws;
use crate::engine::resource::{Created, Ctx, ErrorClass, Observed, ResourceError, ResourceType};
use crate::engine::value::Attrs;

/// `eventbridge_rule`.
pub struct Rule(pub Arc<Aws>);

fn ev_tags(pairs: impl IntoIterator<Item = (String, String)>) -> Result<Vec<Tag>, ResourceError> {
    pairs
        .into_iter()
        .map(|(k, v)| {
            Tag::builder().key(k).value(v).build().map_err(|e| {
                ResourceError::new(
                    ErrorClass::Invalid,
                    "building EventBridge tags",
                    e.to_string(),
                )
            })
        })
        .collect()
}

impl Rule {
    async fn put(&self, ctx: &Ctx, a: &Attrs, with_tags: bool) -> Result<String, ResourceError> {
        let name = attrs::str(a, "name")?;
        let mut req = self
            .0
            .region(&ctx.region)
            .events
            .put_rule()
            .name(name)
            .description(attrs::str(a, "description")?)
            .state(RuleState::from(attrs::str(a, "state")?))
            .set_schedule_expression(attrs::opt_str(a, "schedule_expression").map(str::to_string))
            .event_pattern(attrs::doc(a, "event_pattern")?);
        if with_tags {
            req = req.set_tags(Some(ev_tags(tags::desired(a))?));
        }
        let out = req
            .send()
            .await
            .ctx(&format!("putting EventBridge rule ({name})"))?;
        Ok(out.rule_arn().unwrap_or_default().to_string())
    }

    /// The ids of every target of rule `id`, sorted.
    async fn target_ids(&self, ctx: &Ctx, id: &str) -> Result<Vec<String>, ResourceError> {
        let targets = super::targets(&self.0, &ctx.region, id).await?;
        let mut ids: Vec<String> = targets
            .unwrap_or_default()
            .iter()
            .map(|t| t.id().to_string())
            .collect();
        ids.sort();
        Ok(ids)
    }

    /// Removes the targets `ids` from rule `id`.
    async fn remove_targets(
        &self,
        ctx: &Ctx,
        id: &str,
        ids: Vec<String>,
    ) -> Result<(), ResourceError> {
        if ids.is_empty() {
            return Ok(());
        }
        let r = self
            .0
            .region(&ctx.region)
            .events
            .remove_targets()
            .rule(id)
            .set_ids(Some(ids))
            .send()
            .await
            .ctx(&format!(
                "removing targets added outside hcprov from EventBridge rule ({id})"
            ));
        super::removed(r, id)
    }
}

#[async_trait]
impl ResourceType for Rule {
    fn kind(&self) -> &'static str {
        "eventbridge_rule"
    }

    fn replace_on(&self) -> &'static [&'static str] {
        &["name"]
    }

    async fn create(&self, ctx: &Ctx, a: &Attrs) -> Result<Created, ResourceError> {
        let arn = self.put(ctx, a, true).await?;
        Ok(Created {
            id: attrs::str(a, "name")?.to_string(),
            outputs: obj(json!({ "arn": arn })),
        })
    }

    async fn find(&self, _: &Ctx, _: &Attrs) -> Result<Vec<String>, ResourceError> {
        find::idempotent()
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        prior: &Attrs,
    ) -> Result<Option<Observed>, ResourceError> {
        let ev = &self.0.region(&ctx.region).events;
        let Some(r) = not_found_to_none(
            ev.describe_rule()
                .name(id)
                .send()
                .await
                .ctx(&format!("reading EventBridge rule ({id})")),
        )?
        else {
            return Ok(None);
        };
        let arn = r.arn().unwrap_or_default().to_string();
        // Targets and tags at once.
        let (targets, t) = tokio::join!(
            self.target_ids(ctx, id),
            ev.list_tags_for_resource().resource_arn(&arn).send(),
        );
        let targets = targets?;
        let t = t.ctx(&format!("reading tags of EventBridge rule ({id})"))?;
        Ok(Some(Observed {
            attrs: obj(json!({
                "name": id,
                "description": r.description().unwrap_or_default(),
                "event_pattern": attrs::parse_doc(r.event_pattern().unwrap_or("{}")),
                "state": r.state().map(|s| s.as_str()).unwrap_or("ENABLED"),
                "target_ids": attrs::owned_set(targets, prior.get("target_ids")),
                "schedule_expression": r.schedule_expression(),
                "tags": tags::live(t.tags().iter().map(|t| (t.key(), t.value()))),
            })),
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
        self.remove_targets(ctx, id, attrs::extras(from, to, "target_ids"))
            .await?;
        let arn = self.put(ctx, to, false).await?;
        let ev = &self.0.region(&ctx.region).events;
        let arn: &str = &arn;
        tags::sync(
            from,
            to,
            |remove| async move {
                ev.untag_resource()
                    .resource_arn(arn)
                    .set_tag_keys(Some(remove))
                    .send()
                    .await
                    .ctx(&format!("untagging EventBridge rule ({id})"))
                    .map(|_| ())
            },
            |set| async move {
                ev.tag_resource()
                    .resource_arn(arn)
                    .set_tags(Some(ev_tags(set)?))
                    .send()
                    .await
                    .ctx(&format!("tagging EventBridge rule ({id})"))
                    .map(|_| ())
            },
        )
        .await?;
        Ok(Attrs::new())
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _: &Attrs) -> Result<(), ResourceError> {
        // EventBridge refuses to delete a rule that still has targets.
        match self.target_ids(ctx, id).await {
            Ok(ids) => self.remove_targets(ctx, id, ids).await?,
            Err(e) if e.is_not_found() => return Ok(()),
            Err(e) => return Err(e),
        }
        let r = self
            .0
            .region(&ctx.region)
            .events
            .delete_rule()
            .name(id)
            .send()
            .await;
        ignore_not_found(
            r.map(|_| ())
                .ctx(&format!("deleting EventBridge rule ({id})")),
        )
    }
}
