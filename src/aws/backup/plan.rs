//! AWS Backup plan: the name forces replacement; rules (name, vault,
//! schedule, retention) update in place; tags. Its id is the plan id.

use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_backup::types::{BackupPlanInput, BackupRuleInput, Lifecycle};
use serde_json::{json, Value};

use crate::aws::attrs::{self, obj};
use crate::aws::error::{ignore_not_found, not_found_to_none, SdkResultExt};
use crate::aws::find;
use crate::aws::tags;
use crate::aws::Aws;
use crate::engine::resource::{Created, Ctx, ErrorClass, Observed, ResourceError, ResourceType};
use crate::engine::value::Attrs;

/// `backup_plan`.
pub struct Plan(pub Arc<Aws>);

fn plan_input(a: &Attrs) -> Result<BackupPlanInput, ResourceError> {
    let invalid = |e: aws_sdk_backup::error::BuildError| {
        ResourceError::new(
            ErrorClass::Invalid,
            "building AWS Backup plan",
            e.to_string(),
        )
    };
    let mut rules = vec![];
    for r in a
        .get("rules")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let s = |k: &str| {
            r.get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        rules.push(
            BackupRuleInput::builder()
                .rule_name(s("rule_name"))
                .target_backup_vault_name(s("target_vault_name"))
                .schedule_expression(s("schedule"))
                .lifecycle(
                    Lifecycle::builder()
                        .set_delete_after_days(r.get("delete_after_days").and_then(Value::as_i64))
                        .set_move_to_cold_storage_after_days(
                            r.get("cold_storage_after_days").and_then(Value::as_i64),
                        )
                        .set_opt_in_to_archive_for_supported_resources(
                            r.get("opt_in_to_archive").and_then(Value::as_bool),
                        )
                        .build(),
                )
                .set_enable_continuous_backup(
                    r.get("enable_continuous_backup").and_then(Value::as_bool),
                )
                .set_target_logically_air_gapped_backup_vault_arn(
                    r.get("target_logically_air_gapped_vault_arn")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                )
                .set_copy_actions(copy_actions(r))
                .build()
                .map_err(invalid)?,
        );
    }
    BackupPlanInput::builder()
        .backup_plan_name(attrs::str(a, "name")?)
        .set_rules(Some(rules))
        .build()
        .map_err(invalid)
}

#[async_trait]
impl ResourceType for Plan {
    fn kind(&self) -> &'static str {
        "backup_plan"
    }

    fn replace_on(&self) -> &'static [&'static str] {
        &["name"]
    }

    async fn create(&self, ctx: &Ctx, a: &Attrs) -> Result<Created, ResourceError> {
        let out = self
            .0
            .region(&ctx.region)
            .backup
            .create_backup_plan()
            .set_creator_request_id(ctx.token())
            .backup_plan(plan_input(a)?)
            .set_backup_plan_tags(Some(tags::desired(a).into_iter().collect()))
            .send()
            .await
            .ctx(&format!(
                "creating AWS Backup plan ({})",
                attrs::str(a, "name")?
            ))?;
        Ok(Created {
            id: out.backup_plan_id().unwrap_or_default().to_string(),
            outputs: obj(json!({ "arn": out.backup_plan_arn() })),
        })
    }

    /// Plan names need not be unique: the plans of this name that may be
    /// ours by their tags.
    async fn find(&self, ctx: &Ctx, a: &Attrs) -> Result<Vec<String>, ResourceError> {
        let name = attrs::str(a, "name")?;
        let out = self
            .0
            .region(&ctx.region)
            .backup
            .list_backup_plans()
            .send()
            .await
            .ctx("looking for AWS Backup plans")?;
        let mut found = vec![];
        for p in out.backup_plans_list() {
            if p.backup_plan_name() != Some(name) || p.deletion_date().is_some() {
                continue;
            }
            let id = p.backup_plan_id().unwrap_or_default();
            found.extend(find::by_id(self, ctx, id, a).await?);
        }
        Ok(found)
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        _: &Attrs,
    ) -> Result<Option<Observed>, ResourceError> {
        let b = &self.0.region(&ctx.region).backup;
        let Some(out) = not_found_to_none(
            b.get_backup_plan()
                .backup_plan_id(id)
                .send()
                .await
                .ctx(&format!("reading AWS Backup plan ({id})")),
        )?
        else {
            return Ok(None);
        };
        if out.deletion_date().is_some() {
            return Ok(None);
        }
        let Some(p) = out.backup_plan() else {
            return Ok(None);
        };
        let rules: Vec<Value> = p
            .rules()
            .iter()
            .map(|r| {
                json!({
                    "rule_name": r.rule_name(),
                    "target_vault_name": r.target_backup_vault_name(),
                    "schedule": r.schedule_expression(),
                    "delete_after_days": r.lifecycle().and_then(|l| l.delete_after_days()),
                    // Where copies go (another account or region), and how
                    // long they are kept and where.
                    "copy_actions": r.copy_actions().iter().map(|c| json!({
                        "destination_vault_arn": c.destination_backup_vault_arn(),
                        "delete_after_days": c.lifecycle().and_then(|l| l.delete_after_days()),
                    })).collect::<Vec<_>>(),
                    "target_logically_air_gapped_vault_arn": r.target_logically_air_gapped_backup_vault_arn(),
                    "enable_continuous_backup": r.enable_continuous_backup().unwrap_or(false),
                    "cold_storage_after_days": r.lifecycle().and_then(|l| l.move_to_cold_storage_after_days()),
                    "opt_in_to_archive": r.lifecycle().and_then(|l| l.opt_in_to_archive_for_supported_resources()).unwrap_or(false),
                })
            })
            .collect();
        let arn = out.backup_plan_arn().unwrap_or_default().to_string();
        let t = b
            .list_tags()
            .resource_arn(&arn)
            .send()
            .await
            .ctx(&format!("reading tags of AWS Backup plan ({id})"))?;
        Ok(Some(Observed {
            attrs: obj(
                json!({ "name": p.backup_plan_name(), "rules": rules, "tags": tags::live(t.tags().into_iter().flatten()) }),
            ),
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
        let b = &self.0.region(&ctx.region).backup;
        if from.get("rules") != to.get("rules") {
            b.update_backup_plan()
                .backup_plan_id(id)
                .backup_plan(plan_input(to)?)
                .send()
                .await
                .ctx(&format!("updating AWS Backup plan ({id})"))?;
        }
        let arn = self
            .0
            .arn("backup", &ctx.region, &format!("backup-plan:{id}"))
            .await?;
        let arn: &str = &arn;
        super::sync_tags(b, arn, from, to, &format!("AWS Backup plan ({id})")).await?;
        Ok(Attrs::new())
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _: &Attrs) -> Result<(), ResourceError> {
        let r = self
            .0
            .region(&ctx.region)
            .backup
            .delete_backup_plan()
            .backup_plan_id(id)
            .send()
            .await;
        ignore_not_found(
            r.map(|_| ())
                .ctx(&format!("deleting AWS Backup plan ({id})")),
        )
    }
}

/// The copy actions a rule declares.
fn copy_actions(r: &Value) -> Option<Vec<aws_sdk_backup::types::CopyAction>> {
    let list = r.get("copy_actions").and_then(Value::as_array)?;
    Some(
        list.iter()
            .filter_map(|c| {
                aws_sdk_backup::types::CopyAction::builder()
                    .destination_backup_vault_arn(c["destination_vault_arn"].as_str()?)
                    .lifecycle(
                        Lifecycle::builder()
                            .set_delete_after_days(c["delete_after_days"].as_i64())
                            .build(),
                    )
                    .build()
                    .ok()
            })
            .collect(),
    )
}
