//! API Gateway v2 HTTP API. The protocol forces replacement; name,
//! description, the default endpoint switch, CORS (none unless declared)
//! and tags update in place. Its
//! id is the API id; outputs are the endpoint and the execution ARN
//! (Lambda permissions name it).

use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_apigatewayv2::types::ProtocolType;
use serde_json::json;

use super::{arn, sync_tags};
use crate::aws::attrs::{self, obj};
use crate::aws::error::{ignore_not_found, not_found_to_none, SdkResultExt};
use crate::aws::tags;
use crate::aws::Aws;
use crate::engine::resource::{Created, Ctx, Observed, ResourceError, ResourceType};
use crate::engine::value::Attrs;

/// `apigatewayv2_api`.
pub struct Api(pub Arc<Aws>);

impl Api {
    async fn outputs(
        &self,
        ctx: &Ctx,
        id: &str,
        endpoint: Option<&str>,
    ) -> Result<Attrs, ResourceError> {
        Ok(obj(json!({
            "api_endpoint": endpoint,
            // The host alone, for health checks and DNS.
            "api_host": endpoint.map(|e| e.trim_start_matches("https://").trim_end_matches('/')),
            "execution_arn": self.0.arn("execute-api", &ctx.region, id).await?,
            "arn": arn(&self.0, &ctx.region, &format!("/apis/{id}")).await?,
        })))
    }
}

#[async_trait]
impl ResourceType for Api {
    fn kind(&self) -> &'static str {
        "apigatewayv2_api"
    }

    fn replace_on(&self) -> &'static [&'static str] {
        &["protocol_type"]
    }

    async fn create(&self, ctx: &Ctx, a: &Attrs) -> Result<Created, ResourceError> {
        let name = attrs::str(a, "name")?;
        let out = self
            .0
            .region(&ctx.region)
            .apigatewayv2
            .create_api()
            .name(name)
            .protocol_type(ProtocolType::from(attrs::str(a, "protocol_type")?))
            .description(attrs::str(a, "description")?)
            .disable_execute_api_endpoint(attrs::bool(a, "disable_execute_api_endpoint")?)
            .set_tags(Some(tags::desired(a).into_iter().collect()))
            .send()
            .await
            .ctx(&format!("creating API Gateway HTTP API ({name})"))?;
        let id = out.api_id().unwrap_or_default().to_string();
        Ok(Created {
            outputs: self.outputs(ctx, &id, out.api_endpoint()).await?,
            id,
        })
    }

    async fn find(&self, ctx: &Ctx, a: &Attrs) -> Result<Vec<String>, ResourceError> {
        let client = &self.0.region(&ctx.region).apigatewayv2;
        let want = tags::identity(a);
        let mut found = vec![];
        let mut token: Option<String> = None;
        loop {
            let out = client
                .get_apis()
                .set_next_token(token.clone())
                .send()
                .await
                .ctx("looking for API Gateway HTTP APIs by tag")?;
            for api in out.items() {
                let have = api.tags();
                if have.is_some_and(|t| want.iter().all(|(k, v)| t.get(k) == Some(v))) {
                    found.extend(api.api_id().map(str::to_string));
                }
            }
            token = out.next_token().map(str::to_string);
            if token.is_none() {
                return Ok(found);
            }
        }
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        _: &Attrs,
    ) -> Result<Option<Observed>, ResourceError> {
        let client = &self.0.region(&ctx.region).apigatewayv2;
        let Some(api) = not_found_to_none(
            client
                .get_api()
                .api_id(id)
                .send()
                .await
                .ctx(&format!("reading API Gateway HTTP API ({id})")),
        )?
        else {
            return Ok(None);
        };
        Ok(Some(Observed {
            attrs: obj(json!({
                "name": api.name(),
                "protocol_type": api.protocol_type().map(|p| p.as_str()),
                "description": api.description().unwrap_or_default(),
                "disable_execute_api_endpoint": api.disable_execute_api_endpoint().unwrap_or(false),
                "ip_address_type": api.ip_address_type().map_or("ipv4", |t| t.as_str()),
                // Cross-origin access is part of the API's exposure.
                "cors_configuration": api.cors_configuration().map(|c| json!({
                    "allow_origins": c.allow_origins(), "allow_methods": c.allow_methods(),
                    "allow_headers": c.allow_headers(), "allow_credentials": c.allow_credentials(),
                })),
                "tags": tags::live(api.tags().into_iter().flatten()),
            })),
            outputs: self.outputs(ctx, id, api.api_endpoint()).await?,
        }))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        id: &str,
        from: &Attrs,
        to: &Attrs,
    ) -> Result<Attrs, ResourceError> {
        let client = &self.0.region(&ctx.region).apigatewayv2;
        let changed = |k: &str| from.get(k) != to.get(k);
        let ip = to.contains_key("ip_address_type") && changed("ip_address_type");
        if changed("name")
            || changed("description")
            || changed("disable_execute_api_endpoint")
            || ip
        {
            client
                .update_api()
                .api_id(id)
                .set_ip_address_type(attrs::opt_str(to, "ip_address_type").map(Into::into))
                .name(attrs::str(to, "name")?)
                .description(attrs::str(to, "description")?)
                .disable_execute_api_endpoint(attrs::bool(to, "disable_execute_api_endpoint")?)
                .send()
                .await
                .ctx(&format!("updating API Gateway HTTP API ({id})"))?;
        }
        if to.get("cors_configuration") == Some(&serde_json::Value::Null)
            && from.get("cors_configuration").is_some_and(|c| !c.is_null())
        {
            client
                .delete_cors_configuration()
                .api_id(id)
                .send()
                .await
                .ctx(&format!(
                    "removing the CORS configuration of API Gateway HTTP API ({id})"
                ))?;
        }
        if tags::changed(from, to) {
            let arn = arn(&self.0, &ctx.region, &format!("/apis/{id}")).await?;
            sync_tags(
                client,
                &arn,
                from,
                to,
                &format!("API Gateway HTTP API ({id})"),
            )
            .await?;
        }
        Ok(Attrs::new())
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _: &Attrs) -> Result<(), ResourceError> {
        let client = &self.0.region(&ctx.region).apigatewayv2;
        ignore_not_found(
            client
                .delete_api()
                .api_id(id)
                .send()
                .await
                .map(|_| ())
                .ctx(&format!("deleting API Gateway HTTP API ({id})")),
        )
    }
}
