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
use crate::engine::resource::{Created, Ctx, Observed, ResourceError, ResourceType};
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
            attrs: obj(
                json!({ "name": id, "kms_key_arn": v.encryption_key_arn(), "tags": tags::live(t.tags().into_iter().flatten()) }),
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
        let arn = self
            .0
            .arn("backup", &ctx.region, &format!("backup-vault:{id}"))
            .await?;
        let arn: &str = &arn;
        super::sync_tags(b, arn, from, to, &format!("AWS Backup vault ({id})")).await?;
        Ok(Attrs::new())
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _: &Attrs) -> Result<(), ResourceError> {
        let r = self
            .0
            .region(&ctx.region)
            .backup
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
