//! API Gateway v2 API mapping: a custom domain name's path onto an API's
//! stage. The domain name forces replacement; API, stage and key update in
//! place. Its id is `domain_name/mapping_id`.

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::json;

use super::split;
use crate::aws::attrs::{self, obj};
use crate::aws::error::{ignore_not_found, not_found_to_none, SdkResultExt};
use crate::aws::Aws;
use crate::engine::resource::{Created, Ctx, Observed, ResourceError, ResourceType};
use crate::engine::value::Attrs;

/// `apigatewayv2_api_mapping`.
pub struct ApiMapping(pub Arc<Aws>);

#[async_trait]
impl ResourceType for ApiMapping {
    fn kind(&self) -> &'static str {
        "apigatewayv2_api_mapping"
    }

    fn replace_on(&self) -> &'static [&'static str] {
        &["domain_name"]
    }

    async fn create(&self, ctx: &Ctx, a: &Attrs) -> Result<Created, ResourceError> {
        let domain = attrs::str(a, "domain_name")?;
        let out = self
            .0
            .region(&ctx.region)
            .apigatewayv2
            .create_api_mapping()
            .domain_name(domain)
            .api_id(attrs::str(a, "api_id")?)
            .stage(attrs::str(a, "stage")?)
            .set_api_mapping_key(
                attrs::opt_str(a, "api_mapping_key")
                    .filter(|k| !k.is_empty())
                    .map(str::to_string),
            )
            .send()
            .await
            .ctx(&format!("mapping API Gateway domain name ({domain})"))?;
        Ok(Created {
            id: format!("{domain}/{}", out.api_mapping_id().unwrap_or_default()),
            outputs: Attrs::new(),
        })
    }

    /// A mapping of this domain to this API is what an interrupted create made.
    async fn find(&self, ctx: &Ctx, a: &Attrs) -> Result<Vec<String>, ResourceError> {
        let domain = attrs::str(a, "domain_name")?;
        let api = attrs::str(a, "api_id")?;
        let out = self
            .0
            .region(&ctx.region)
            .apigatewayv2
            .get_api_mappings()
            .domain_name(domain)
            .send()
            .await
            .ctx("looking for API Gateway API mappings")?;
        Ok(out
            .items()
            .iter()
            .filter(|m| m.api_id() == Some(api))
            .filter_map(|m| m.api_mapping_id().map(|id| format!("{domain}/{id}")))
            .collect())
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        _: &Attrs,
    ) -> Result<Option<Observed>, ResourceError> {
        let (domain, mapping) = split(id, "API Gateway API mapping")?;
        let client = &self.0.region(&ctx.region).apigatewayv2;
        let Some(m) = not_found_to_none(
            client
                .get_api_mapping()
                .domain_name(domain)
                .api_mapping_id(mapping)
                .send()
                .await
                .ctx(&format!("reading API Gateway API mapping ({id})")),
        )?
        else {
            return Ok(None);
        };
        Ok(Some(Observed {
            attrs: obj(json!({
                "domain_name": domain,
                "api_id": m.api_id(),
                "stage": m.stage(),
                "api_mapping_key": m.api_mapping_key().unwrap_or_default(),
            })),
            outputs: Attrs::new(),
        }))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        id: &str,
        _: &Attrs,
        to: &Attrs,
    ) -> Result<Attrs, ResourceError> {
        let (domain, mapping) = split(id, "API Gateway API mapping")?;
        self.0
            .region(&ctx.region)
            .apigatewayv2
            .update_api_mapping()
            .domain_name(domain)
            .api_mapping_id(mapping)
            .api_id(attrs::str(to, "api_id")?)
            .stage(attrs::str(to, "stage")?)
            .send()
            .await
            .ctx(&format!("updating API Gateway API mapping ({id})"))?;
        Ok(Attrs::new())
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _: &Attrs) -> Result<(), ResourceError> {
        let (domain, mapping) = split(id, "API Gateway API mapping")?;
        let client = &self.0.region(&ctx.region).apigatewayv2;
        ignore_not_found(
            client
                .delete_api_mapping()
                .domain_name(domain)
                .api_mapping_id(mapping)
                .send()
                .await
                .map(|_| ())
                .ctx(&format!("deleting API Gateway API mapping ({id})")),
        )
    }
}
