//! AWS Backup vault, encrypted with the stack's KMS key. Name and key force
//! replacement; tags update in place. Its id is the name.

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::json;

use crate::aws::attrs::{self, obj};
use crate::aws::error::{ignore_not_found, not_found_to_none, SdkResultExt};
use crate::aws::find;
use crate::aws::tags;
use crate::aws::Aws;
use crate::engine::resource::{Created, Ctx, ErrorClass, Observed, ResourceError, ResourceType};
use crate::engine::value::Attrs;

/// `backup_vault`.
pub struct Vault(pub Arc<Aws>);

#[async_trait]
impl ResourceType for Vault {
    fn kind(&self) -> &'static str {
        "backup_vault"
    }

    fn replace_on(&self) -> &'static [&'static str] {
        &["name", "kms_key_arn"]
    }

    async fn create(&self, ctx: &Ctx, a: &Attrs) -> Result<Created, ResourceError> {
        let name = attrs::str(a, "name")?;
        let out = self
            .0
            .region(&ctx.region)
            .backup
            .create_backup_vault()
            .set_creator_request_id(ctx.token())
            .backup_vault_name(name)
            .encryption_key_arn(attrs::str(a, "kms_key_arn")?)
            .set_backup_vault_tags(Some(tags::desired(a).into_iter().collect()))
            .send()
            .await
            .ctx(&format!("creating AWS Backup vault ({name})"))?;
        Ok(Created {
            id: name.to_string(),
            outputs: obj(json!({ "arn": out.backup_vault_arn() })),
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
        let b = &self.0.region(&ctx.region).backup;
        let Some(v) = not_found_to_none(
            b.describe_backup_vault()
                .backup_vault_name(id)
                .send()
                .await
                .ctx(&format!("reading AWS Backup vault ({id})")),
        )?
        else {
            return Ok(None);
        };
        let arn = v.backup_vault_arn().unwrap_or_default().to_string();
        let t = b
            .list_tags()
            .resource_arn(&arn)
            .send()
            .await
            .ctx(&format!("reading tags of AWS Backup vault ({id})"))?;
        Ok(Some(Observed {
            attrs: obj(json!({
                "name": id, "kms_key_arn": v.encryption_key_arn(),
                // A lock fixes how long recovery points must be kept.
                "lock": v.locked().unwrap_or(false).then(|| json!({
                    "min_retention_days": v.min_retention_days(), "max_retention_days": v.max_retention_days(),
                })),
                "tags": tags::live(t.tags().into_iter().flatten()),
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
        let b = &self.0.region(&ctx.region).backup;
        let arn = self
            .0
            .arn("backup", &ctx.region, &format!("backup-vault:{id}"))
            .await?;
        let arn: &str = &arn;
        if to.contains_key("lock") && from.get("lock") != to.get("lock") {
            let what = format!("setting the lock of AWS Backup vault ({id})");
            match to.get("lock").filter(|l| l.is_object()) {
                None => {
                    b.delete_backup_vault_lock_configuration()
                        .backup_vault_name(id)
                        .send()
                        .await
                        .ctx(&what)?;
                }
                Some(l) => {
                    b.put_backup_vault_lock_configuration()
                        .backup_vault_name(id)
                        .set_min_retention_days(l["min_retention_days"].as_i64())
                        .set_max_retention_days(l["max_retention_days"].as_i64())
                        .send()
                        .await
                        .ctx(&what)?;
                }
            }
        }
        super::sync_tags(b, arn, from, to, &format!("AWS Backup vault ({id})")).await?;
        Ok(Attrs::new())
    }

    /// A vault that holds recovery points cannot be deleted, and deleting
    /// the key that encrypts them would make them unrecoverable: unless
    /// the run allows it (`destroy --delete-recovery-points`), the delete
    /// stops with one line, and the key (which depends on the vault being
    /// gone) is kept too.
    async fn delete(&self, ctx: &Ctx, id: &str, _: &Attrs) -> Result<(), ResourceError> {
        let backup = &self.0.region(&ctx.region).backup;
        let points = not_found_to_none(recovery_points(backup, id).await)?;
        let Some(points) = points else {
            return Ok(());
        };
        if !points.is_empty() {
            if !self
                .0
                .delete_recovery_points
                .load(std::sync::atomic::Ordering::Relaxed)
            {
                return Err(ResourceError::new(
                    ErrorClass::DependencyViolation,
                    format!("deleting AWS Backup vault ({id})"),
                    format!(
                        "the vault holds {} recovery point{} (backups of patient data); the vault and the key that encrypts them are kept: restore or copy what you need, then run `hcprov destroy --delete-recovery-points` to delete them",
                        points.len(),
                        if points.len() == 1 { "" } else { "s" }
                    ),
                ));
            }
            for arn in &points {
                ignore_not_found(
                    backup
                        .delete_recovery_point()
                        .backup_vault_name(id)
                        .recovery_point_arn(arn)
                        .send()
                        .await
                        .map(|_| ())
                        .ctx(&format!(
                            "deleting recovery point {arn} of AWS Backup vault ({id})"
                        )),
                )?;
            }
        }
        let r = backup
            .delete_backup_vault()
            .backup_vault_name(id)
            .send()
            .await;
        ignore_not_found(
            r.map(|_| ())
                .ctx(&format!("deleting AWS Backup vault ({id})")),
        )
    }
}

/// Every recovery point in the vault, by ARN (all pages).
async fn recovery_points(
    backup: &aws_sdk_backup::Client,
    vault: &str,
) -> Result<Vec<String>, ResourceError> {
    let mut pages = backup
        .list_recovery_points_by_backup_vault()
        .backup_vault_name(vault)
        .into_paginator()
        .send();
    let mut arns = vec![];
    while let Some(page) = pages.next().await {
        let page = page.ctx(&format!(
            "listing recovery points of AWS Backup vault ({vault})"
        ))?;
        arns.extend(
            page.recovery_points()
                .iter()
                .filter_map(|p| p.recovery_point_arn().map(str::to_string)),
        );
    }
    Ok(arns)
}
