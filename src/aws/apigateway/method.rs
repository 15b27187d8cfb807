//! API Gateway method (all attributes force replacement). Its id is
//! `api/resource/METHOD`.

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::json;

use super::{embedded_method, parts, replace};
use crate::aws::attrs::{self, obj};
use crate::aws::error::{ignore_not_found, SdkResultExt};
use crate::aws::find;
use crate::aws::Aws;
use crate::engine::resource::{Created, Ctx, Observed, ResourceError, ResourceType};
use crate::engine::value::Attrs;

/// `apigateway_method`.
pub struct Method(pub Arc<Aws>);

#[async_trait]
impl ResourceType for Method {
    fn kind(&self) -> &'static str {
        "apigateway_method"
    }

    fn replace_on(&self) -> &'static [&'static str] {
        &["rest_api_id", "resource_id", "http_method", "authorization"]
    }

    async fn create(&self, ctx: &Ctx, a: &Attrs) -> Result<Created, ResourceError> {
        let (api, res, m) = (
            attrs::str(a, "rest_api_id")?,
            attrs::str(a, "resource_id")?,
            attrs::str(a, "http_method")?,
        );
        self.0
            .region(&ctx.region)
            .apigateway
            .put_method()
            .rest_api_id(api)
            .resource_id(res)
            .http_method(m)
            .authorization_type(attrs::str(a, "authorization")?)
            .send()
            .await
            .ctx(&format!("creating API Gateway method {m} on ({res})"))?;
        Ok(Created {
            id: format!("{api}/{res}/{m}"),
            outputs: Attrs::new(),
        })
    }

    async fn find(&self, ctx: &Ctx, a: &Attrs) -> Result<Vec<String>, ResourceError> {
        find::by_id(
            self,
            ctx,
            &find::joined(a, &["rest_api_id", "resource_id", "http_method"])?,
            a,
        )
        .await
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        _: &Attrs,
    ) -> Result<Option<Observed>, ResourceError> {
        let p = parts(id, 3, "API Gateway method")?;
        let out = embedded_method(&self.0, &ctx.region, p[0], p[1], p[2]).await?;
        Ok(out.map(|m| Observed {
            attrs: obj(json!({
                "rest_api_id": p[0], "resource_id": p[1], "http_method": m.http_method(),
                "authorization": m.authorization_type(),
                "api_key_required": m.api_key_required().unwrap_or(false),
            })),
            outputs: Attrs::new(),
        }))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        id: &str,
        from: &Attrs,
        to: &Attrs,
    ) -> Result<Attrs, ResourceError> {
        let p = parts(id, 3, "API Gateway method")?;
        let mut ops = vec![];
        if to.contains_key("api_key_required")
            && from.get("api_key_required") != to.get("api_key_required")
        {
            let on = to
                .get("api_key_required")
                .and_then(serde_json::Value::as_bool)
                .unwrap_or(false);
            ops.push(replace(
                "/apiKeyRequired",
                if on { "true" } else { "false" },
            ));
        }
        if !ops.is_empty() {
            self.0
                .region(&ctx.region)
                .apigateway
                .update_method()
                .rest_api_id(p[0])
                .resource_id(p[1])
                .http_method(p[2])
                .set_patch_operations(Some(ops))
                .send()
                .await
                .ctx(&format!("updating API Gateway method ({id})"))?;
        }
        Ok(Attrs::new())
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _: &Attrs) -> Result<(), ResourceError> {
        let p = parts(id, 3, "API Gateway method")?;
        let r = self
            .0
            .region(&ctx.region)
            .apigateway
            .delete_method()
            .rest_api_id(p[0])
            .resource_id(p[1])
            .http_method(p[2])
            .send()
            .await;
        ignore_not_found(
            r.map(|_| ())
                .ctx(&format!("deleting API Gateway method ({id})")),
        )
    }
}
