//! API Gateway deployment: a snapshot of the API. Its description carries a
//! hash of the methods and integrations, and `triggers` (kept by hcprov, not
//! sent to AWS) the values they refer to, so changing either replaces the
//! deployment. Replaced create-before-destroy: the stage moves to the new
//! deployment before the old one is deleted.

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::json;

use crate::aws::attrs::{self, obj};
use crate::aws::error::{ignore_not_found, not_found_to_none, SdkResultExt};
use crate::aws::Aws;
use crate::engine::resource::{Created, Ctx, Observed, ResourceError, ResourceType};
use crate::engine::value::Attrs;

/// `apigateway_deployment`.
pub struct Deployment(pub Arc<Aws>);

#[async_trait]
impl ResourceType for Deployment {
    fn kind(&self) -> &'static str {
        "apigateway_deployment"
    }

    fn not_importable(&self) -> Option<&'static str> {
        Some("a deployment is an immutable snapshot of the API, tied by hcprov to the method settings it was made from: leave it out, and the next apply makes one")
    }

    fn replace_on(&self) -> &'static [&'static str] {
        &["rest_api_id", "description", "triggers"]
    }

    fn create_before_destroy(&self) -> bool {
        true
    }

    async fn create(&self, ctx: &Ctx, a: &Attrs) -> Result<Created, ResourceError> {
        let api = attrs::str(a, "rest_api_id")?;
        let out = self
            .0
            .region(&ctx.region)
            .apigateway
            .create_deployment()
            .rest_api_id(api)
            .description(attrs::str(a, "description")?)
            .send()
            .await
            .ctx(&format!("creating API Gateway deployment of ({api})"))?;
        Ok(Created {
            id: out.id().unwrap_or_default().to_string(),
            outputs: Attrs::new(),
        })
    }

    /// Deployments are untagged: the ones with this description (which
    /// carries the triggers), other than the one the state records.
    async fn find(&self, ctx: &Ctx, a: &Attrs) -> Result<Vec<String>, ResourceError> {
        let (api, description) = (attrs::str(a, "rest_api_id")?, attrs::str(a, "description")?);
        let deployments = self
            .0
            .region(&ctx.region)
            .apigateway
            .get_deployments()
            .rest_api_id(api)
            .limit(500)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .ctx(&format!("looking for API Gateway deployments of ({api})"))?;
        Ok(deployments
            .iter()
            .filter(|d| d.description() == Some(description))
            .filter_map(|d| d.id().map(str::to_string))
            .collect())
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        prior: &Attrs,
    ) -> Result<Option<Observed>, ResourceError> {
        let api = attrs::str(prior, "rest_api_id")?;
        let out = not_found_to_none(
            self.0
                .region(&ctx.region)
                .apigateway
                .get_deployment()
                .rest_api_id(api)
                .deployment_id(id)
                .send()
                .await
                .ctx(&format!("reading API Gateway deployment ({id})")),
        )?;
        // The triggers are hcprov's own (AWS keeps nothing of them): carried
        // over from what was applied.
        let triggers = prior.get("triggers").cloned().unwrap_or_default();
        Ok(out.map(|d| Observed {
            attrs: obj(json!({
                "rest_api_id": api,
                "description": d.description().unwrap_or_default(),
                "triggers": triggers,
            })),
            outputs: Attrs::new(),
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
            .delete_deployment()
            .rest_api_id(api)
            .deployment_id(id)
            .send()
            .await;
        ignore_not_found(
            r.map(|_| ())
                .ctx(&format!("deleting API Gateway deployment ({id})")),
        )
    }
}
