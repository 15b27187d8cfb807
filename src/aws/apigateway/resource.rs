//! API Gateway resource: a path part under a parent (all force replacement).

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::json;

use super::embedded;
use crate::aws::attrs::{self, obj};
use crate::aws::error::{ignore_not_found, SdkResultExt};
use crate::aws::Aws;
use crate::engine::resource::{Created, Ctx, Observed, ResourceError, ResourceType};
use crate::engine::value::Attrs;

/// `apigateway_resource`.
pub struct Resource(pub Arc<Aws>);

#[async_trait]
impl ResourceType for Resource {
    fn kind(&self) -> &'static str {
        "apigateway_resource"
    }

    fn replace_on(&self) -> &'static [&'static str] {
        &["rest_api_id", "parent_id", "path_part"]
    }

    async fn create(&self, ctx: &Ctx, a: &Attrs) -> Result<Created, ResourceError> {
        let (api, part) = (attrs::str(a, "rest_api_id")?, attrs::str(a, "path_part")?);
        let out = self
            .0
            .region(&ctx.region)
            .apigateway
            .create_resource()
            .rest_api_id(api)
            .parent_id(attrs::str(a, "parent_id")?)
            .path_part(part)
            .send()
            .await
            .ctx(&format!("creating API Gateway resource /{part} in ({api})"))?;
        Ok(Created {
            id: out.id().unwrap_or_default().to_string(),
            outputs: obj(json!({ "path": out.path() })),
        })
    }

    /// Resources are untagged: the one at this path under this parent.
    async fn find(&self, ctx: &Ctx, a: &Attrs) -> Result<Vec<String>, ResourceError> {
        let (api, parent, part) = (
            attrs::str(a, "rest_api_id")?,
            attrs::str(a, "parent_id")?,
            attrs::str(a, "path_part")?,
        );
        let all = embedded(&self.0, &ctx.region, api).await?;
        Ok(all
            .iter()
            .flat_map(|all| all.iter())
            .filter(|r| r.parent_id() == Some(parent) && r.path_part() == Some(part))
            .filter_map(|r| r.id().map(str::to_string))
            .collect())
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        prior: &Attrs,
    ) -> Result<Option<Observed>, ResourceError> {
        let api = attrs::str(prior, "rest_api_id")?;
        let out = embedded(&self.0, &ctx.region, api)
            .await?
            .and_then(|all| all.iter().find(|r| r.id() == Some(id)).cloned());
        Ok(out.map(|r| Observed {
            attrs: obj(json!({ "rest_api_id": api, "parent_id": r.parent_id(), "path_part": r.path_part() })),
            outputs: obj(json!({ "path": r.path() })),
        }))
    }

    async fn update(&self, _: &Ctx, _: &str, _: &Attrs, _: &Attrs) -> Result<Attrs, ResourceError> {
        Ok(Attrs::new())
    }

    async fn delete(&self, ctx: &Ctx, id: &str, a: &Attrs) -> Result<(), ResourceError> {
        let api = attrs::str(a, "rest_api_id")?;
        let r = self
            .0
            .region(&ctx.region)
            .apigateway
            .delete_resource()
            .rest_api_id(api)
            .resource_id(id)
            .send()
            .await;
        ignore_not_found(
            r.map(|_| ())
                .ctx(&format!("deleting API Gateway resource ({id})")),
        )
    }
}
