//! API Gateway v2 route (`POST /patients` → an integration). The API and
//! route key force replacement; target and authorization update in place.
//! Its id is `api_id/route_id`.

use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_apigatewayv2::types::AuthorizationType;
use serde_json::json;

use super::split;
use crate::aws::attrs::{self, obj};
use crate::aws::error::{ignore_not_found, not_found_to_none, SdkResultExt};
use crate::aws::Aws;
use crate::engine::resource::{Created, Ctx, Observed, ResourceError, ResourceType};
use crate::engine::value::Attrs;

/// `apigatewayv2_route`.
pub struct Route(pub Arc<Aws>);

#[async_trait]
impl ResourceType for Route {
    fn kind(&self) -> &'static str {
        "apigatewayv2_route"
    }

    fn replace_on(&self) -> &'static [&'static str] {
        &["api_id", "route_key"]
    }

    async fn create(&self, ctx: &Ctx, a: &Attrs) -> Result<Created, ResourceError> {
        let api_id = attrs::str(a, "api_id")?;
        let key = attrs::str(a, "route_key")?;
        let out = self
            .0
            .region(&ctx.region)
            .apigatewayv2
            .create_route()
            .api_id(api_id)
            .route_key(key)
            .target(attrs::str(a, "target")?)
            .authorization_type(AuthorizationType::from(attrs::str(
                a,
                "authorization_type",
            )?))
            .send()
            .await
            .ctx(&format!("creating API Gateway route ({key})"))?;
        let id = out.route_id().unwrap_or_default();
        Ok(Created {
            id: format!("{api_id}/{id}"),
            outputs: obj(json!({ "route_id": id })),
        })
    }

    /// A route key is unique in an API: the route with this key is the one
    /// an interrupted create made.
    async fn find(&self, ctx: &Ctx, a: &Attrs) -> Result<Vec<String>, ResourceError> {
        let api_id = attrs::str(a, "api_id")?;
        let key = attrs::str(a, "route_key")?;
        let out = self
            .0
            .region(&ctx.region)
            .apigatewayv2
            .get_routes()
            .api_id(api_id)
            .send()
            .await
            .ctx("looking for API Gateway routes")?;
        Ok(out
            .items()
            .iter()
            .filter(|r| r.route_key() == Some(key))
            .filter_map(|r| r.route_id().map(|id| format!("{api_id}/{id}")))
            .collect())
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        _: &Attrs,
    ) -> Result<Option<Observed>, ResourceError> {
        let (api_id, route) = split(id, "API Gateway route")?;
        let client = &self.0.region(&ctx.region).apigatewayv2;
        let Some(r) = not_found_to_none(
            client
                .get_route()
                .api_id(api_id)
                .route_id(route)
                .send()
                .await
                .ctx(&format!("reading API Gateway route ({id})")),
        )?
        else {
            return Ok(None);
        };
        Ok(Some(Observed {
            attrs: obj(json!({
                "api_id": api_id,
                "route_key": r.route_key(),
                "target": r.target(),
                "authorization_type": r.authorization_type().map_or("NONE", |t| t.as_str()),
            })),
            outputs: obj(json!({ "route_id": route })),
        }))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        id: &str,
        _: &Attrs,
        to: &Attrs,
    ) -> Result<Attrs, ResourceError> {
        let (api_id, route) = split(id, "API Gateway route")?;
        self.0
            .region(&ctx.region)
            .apigatewayv2
            .update_route()
            .api_id(api_id)
            .route_id(route)
            .target(attrs::str(to, "target")?)
            .authorization_type(AuthorizationType::from(attrs::str(
                to,
                "authorization_type",
            )?))
            .send()
            .await
            .ctx(&format!("updating API Gateway route ({id})"))?;
        Ok(obj(json!({ "route_id": route })))
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _: &Attrs) -> Result<(), ResourceError> {
        let (api_id, route) = split(id, "API Gateway route")?;
        let client = &self.0.region(&ctx.region).apigatewayv2;
        ignore_not_found(
            client
                .delete_route()
                .api_id(api_id)
                .route_id(route)
                .send()
                .await
                .map(|_| ())
                .ctx(&format!("deleting API Gateway route ({id})")),
        )
    }
}
