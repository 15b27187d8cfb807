//! KMS alias: the name forces replacement; the target key updates in place.
//! Its id is the alias name.

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::json;

use crate::aws::attrs;
use crate::aws::error::{ignore_not_found, SdkResultExt};
use crate::aws::find;
use crate::aws::transient;
use crate::aws::Aws;
use crate::engine::resource::{Created, Ctx, Observed, ResourceError, ResourceType};
use crate::engine::value::Attrs;

/// `kms_alias`.
pub struct Alias(pub Arc<Aws>);

#[async_trait]
impl ResourceType for Alias {
    fn kind(&self) -> &'static str {
        "kms_alias"
    }

    fn replace_on(&self) -> &'static [&'static str] {
        &["name"]
    }

    async fn create(&self, ctx: &Ctx, a: &Attrs) -> Result<Created, ResourceError> {
        let name = attrs::str(a, "name")?;
        let kms = &self.0.region(&ctx.region).kms;
        transient::call(ctx, "kms", "CreateAlias", || async {
            kms.create_alias()
                .alias_name(name)
                .target_key_id(attrs::str(a, "target_key_id")?)
                .send()
                .await
                .ctx(&format!("creating KMS alias ({name})"))
        })
        .await?;
        Ok(Created {
            id: name.to_string(),
            outputs: Attrs::new(),
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
        let kms = &self.0.region(&ctx.region).kms;
        // All aliases: one filtered by the recorded key would miss an alias
        // pointed at another key behind our back.
        let mut pages = kms.list_aliases().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.ctx(&format!("reading KMS alias ({id})"));
            let page = match page {
                Err(e) if e.is_not_found() => return Ok(None),
                other => other?,
            };
            if let Some(a) = page.aliases().iter().find(|a| a.alias_name() == Some(id)) {
                return Ok(Some(Observed {
                    attrs: json!({ "name": id, "target_key_id": a.target_key_id() })
                        .as_object()
                        .cloned()
                        .unwrap_or_default(),
                    outputs: Attrs::new(),
                }));
            }
        }
        Ok(None)
    }

    async fn update(
        &self,
        ctx: &Ctx,
        id: &str,
        _: &Attrs,
        to: &Attrs,
    ) -> Result<Attrs, ResourceError> {
        self.0
            .region(&ctx.region)
            .kms
            .update_alias()
            .alias_name(id)
            .target_key_id(attrs::str(to, "target_key_id")?)
            .send()
            .await
            .ctx(&format!("updating KMS alias ({id})"))?;
        Ok(Attrs::new())
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _: &Attrs) -> Result<(), ResourceError> {
        let r = self
            .0
            .region(&ctx.region)
            .kms
            .delete_alias()
            .alias_name(id)
            .send()
            .await
            .ctx(&format!("deleting KMS alias ({id})"));
        ignore_not_found(r.map(|_| ()))
    }
}
