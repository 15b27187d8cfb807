//! API Gateway integration of a method: where it sends requests. The method
//! it belongs to forces replacement; type and URI update in place (put
//! again). Its id is `api/resource/METHOD`.

use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_apigateway::types::IntegrationType;
use serde_json::json;

use super::{embedded_method, parts};
use crate::aws::attrs::{self, obj};
use crate::aws::error::{ignore_not_found, SdkResultExt};
use crate::aws::find;
use crate::aws::Aws;
use crate::engine::resource::{Created, Ctx, Observed, ResourceError, ResourceType};
use crate::engine::value::Attrs;

/// `apigateway_integration`.
pub struct Integration(pub Arc<Aws>);

impl Integration {
    async fn put(&self, ctx: &Ctx, a: &Attrs) -> Result<String, ResourceError> {
        let (api, res, m) = (
            attrs::str(a, "rest_api_id")?,
            attrs::str(a, "resource_id")?,
            attrs::str(a, "http_method")?,
        );
        self.0
            .region(&ctx.region)
            .apigateway
            .put_integration()
            .rest_api_id(api)
            .resource_id(res)
            .http_method(m)
            .r#type(IntegrationType::from(attrs::str(a, "type")?))
            .integration_http_method(attrs::str(a, "integration_http_method")?)
            .uri(attrs::str(a, "uri")?)
            .set_timeout_in_millis(attrs::opt_int(a, "timeout_ms").map(|t| t as i32))
            // PutIntegration replaces the integration: undeclared settings go.
            .set_credentials(attrs::opt_str(a, "credentials").map(str::to_string))
            .set_request_parameters(a.get("request_parameters").and_then(|p| p.as_object()).map(
                |m| {
                    m.iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                        .collect()
                },
            ))
            .send()
            .await
            .ctx(&format!(
                "putting API Gateway integration of {m} on ({res})"
            ))?;
        Ok(format!("{api}/{res}/{m}"))
    }
}

#[async_trait]
impl ResourceType for Integration {
    fn kind(&self) -> &'static str {
        "apigateway_integration"
    }

    fn replace_on(&self) -> &'static [&'static str] {
        &["rest_api_id", "resource_id", "http_method"]
    }

    async fn create(&self, ctx: &Ctx, a: &Attrs) -> Result<Created, ResourceError> {
        Ok(Created {
            id: self.put(ctx, a).await?,
            outputs: Attrs::new(),
        })
    }

    async fn find(&self, _: &Ctx, _: &Attrs) -> Result<Vec<String>, ResourceError> {
        find::idempotent()
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        _: &Attrs,
    ) -> Result<Option<Observed>, ResourceError> {
        let p = parts(id, 3, "API Gateway integration")?;
        let out = embedded_method(&self.0, &ctx.region, p[0], p[1], p[2])
            .await?
            .and_then(|m| m.method_integration().cloned());
        Ok(out.map(|i| Observed {
            attrs: obj(json!({
                "rest_api_id": p[0], "resource_id": p[1], "http_method": p[2],
                "type": i.r#type().map(|t| t.as_str()),
                "integration_http_method": i.http_method(),
                "uri": i.uri(),
                "timeout_ms": i.timeout_in_millis(),
                "credentials": i.credentials(),
                "request_parameters": i.request_parameters().cloned().unwrap_or_default(),
            })),
            outputs: Attrs::new(),
        }))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        _: &str,
        _: &Attrs,
        to: &Attrs,
    ) -> Result<Attrs, ResourceError> {
        self.put(ctx, to).await?;
        Ok(Attrs::new())
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _: &Attrs) -> Result<(), ResourceError> {
        let p = parts(id, 3, "API Gateway integration")?;
        let r = self
            .0
            .region(&ctx.region)
            .apigateway
            .delete_integration()
            .rest_api_id(p[0])
            .resource_id(p[1])
            .http_method(p[2])
            .send()
            .await;
        ignore_not_found(
            r.map(|_| ())
                .ctx(&format!("deleting API Gateway integration ({id})")),
        )
    }
}
