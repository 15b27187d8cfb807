//! API Gateway v2 integration (a Lambda proxy). The API, a role for the
//! integration to assume and request-parameter rewriting force replacement
//! (none is declared); type, target, method, payload version and timeout
//! update in place. Its id is `api_id/integration_id`.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_apigatewayv2::types::IntegrationType;
use serde_json::{json, Value};

use super::split;
use crate::aws::attrs::{self, obj};
use crate::aws::error::{ignore_not_found, not_found_to_none, SdkResultExt};
use crate::aws::Aws;
use crate::engine::resource::{Created, Ctx, Observed, ResourceError, ResourceType};
use crate::engine::value::Attrs;

/// `apigatewayv2_integration`.
pub struct Integration(pub Arc<Aws>);

#[async_trait]
impl ResourceType for Integration {
    fn kind(&self) -> &'static str {
        "apigatewayv2_integration"
    }

    fn replace_on(&self) -> &'static [&'static str] {
        // API Gateway cannot unset these: one set outside hcprov means a
        // new integration.
        &["api_id", "credentials_arn", "request_parameters"]
    }

    async fn create(&self, ctx: &Ctx, a: &Attrs) -> Result<Created, ResourceError> {
        let api_id = attrs::str(a, "api_id")?;
        let out = self
            .0
            .region(&ctx.region)
            .apigatewayv2
            .create_integration()
            .api_id(api_id)
            .integration_type(IntegrationType::from(attrs::str(a, "integration_type")?))
            .integration_uri(attrs::str(a, "integration_uri")?)
            .integration_method(attrs::str(a, "integration_method")?)
            .payload_format_version(attrs::str(a, "payload_format_version")?)
            .timeout_in_millis(attrs::int(a, "timeout_in_millis")? as i32)
            .send()
            .await
            .ctx(&format!(
                "creating API Gateway integration on API ({api_id})"
            ))?;
        let id = out.integration_id().unwrap_or_default();
        Ok(Created {
            id: format!("{api_id}/{id}"),
            outputs: obj(json!({ "integration_id": id })),
        })
    }

    /// Integrations carry no tags: one of this API with the same target is
    /// what an interrupted create made.
    async fn find(&self, ctx: &Ctx, a: &Attrs) -> Result<Vec<String>, ResourceError> {
        let api_id = attrs::str(a, "api_id")?;
        let uri = attrs::str(a, "integration_uri")?;
        let out = self
            .0
            .region(&ctx.region)
            .apigatewayv2
            .get_integrations()
            .api_id(api_id)
            .send()
            .await
            .ctx("looking for API Gateway integrations")?;
        Ok(out
            .items()
            .iter()
            .filter(|i| i.integration_uri() == Some(uri))
            .filter_map(|i| i.integration_id().map(|id| format!("{api_id}/{id}")))
            .collect())
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        _: &Attrs,
    ) -> Result<Option<Observed>, ResourceError> {
        let (api_id, integration) = split(id, "API Gateway integration")?;
        let client = &self.0.region(&ctx.region).apigatewayv2;
        let Some(i) = not_found_to_none(
            client
                .get_integration()
                .api_id(api_id)
                .integration_id(integration)
                .send()
                .await
                .ctx(&format!("reading API Gateway integration ({id})")),
        )?
        else {
            return Ok(None);
        };
        Ok(Some(Observed {
            attrs: obj(json!({
                "api_id": api_id,
                "integration_type": i.integration_type().map(|t| t.as_str()),
                "integration_uri": i.integration_uri(),
                "integration_method": i.integration_method(),
                "payload_format_version": i.payload_format_version(),
                "timeout_in_millis": i.timeout_in_millis(),
                // A role the integration assumes, and request rewriting.
                "credentials_arn": i.credentials_arn(),
                "request_parameters": i.request_parameters().cloned().unwrap_or_default(),
                "response_parameters": i.response_parameters().map(|r| r.iter().map(|(status, m)| (status.clone(), json!(m))).collect::<serde_json::Map<_, _>>()).unwrap_or_default(),
            })),
            outputs: obj(json!({ "integration_id": integration })),
        }))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        id: &str,
        from: &Attrs,
        to: &Attrs,
    ) -> Result<Attrs, ResourceError> {
        let (api_id, integration) = split(id, "API Gateway integration")?;
        self.0
            .region(&ctx.region)
            .apigatewayv2
            .update_integration()
            .api_id(api_id)
            .integration_id(integration)
            .integration_type(IntegrationType::from(attrs::str(to, "integration_type")?))
            .integration_uri(attrs::str(to, "integration_uri")?)
            .integration_method(attrs::str(to, "integration_method")?)
            .payload_format_version(attrs::str(to, "payload_format_version")?)
            .timeout_in_millis(attrs::int(to, "timeout_in_millis")? as i32)
            // An empty role ARN takes the role off.
            .credentials_arn(attrs::opt_str(to, "credentials_arn").unwrap_or_default())
            .set_request_parameters(Some(mapping(from, to, "request_parameters", text)))
            .set_response_parameters(response_mapping(from, to))
            .send()
            .await
            .ctx(&format!("updating API Gateway integration ({id})"))?;
        Ok(obj(
            json!({ "integration_id": Value::String(integration.to_string()) }),
        ))
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _: &Attrs) -> Result<(), ResourceError> {
        let (api_id, integration) = split(id, "API Gateway integration")?;
        let client = &self.0.region(&ctx.region).apigatewayv2;
        ignore_not_found(
            client
                .delete_integration()
                .api_id(api_id)
                .integration_id(integration)
                .send()
                .await
                .map(|_| ())
                .ctx(&format!("deleting API Gateway integration ({id})")),
        )
    }
}

/// A mapping's value as API Gateway takes it.
fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

/// The mapping `k` to send: each entry `to` (desired) declares, and each
/// one only `from` (live) has, sent empty to remove it.
fn mapping<T: Default>(
    from: &Attrs,
    to: &Attrs,
    k: &str,
    each: impl Fn(&Value) -> T,
) -> HashMap<String, T> {
    let entries = |a: &Attrs| {
        a.get(k)
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    };
    let (want, have) = (entries(to), entries(from));
    have.keys()
        .filter(|h| !want.contains_key(*h))
        .map(|h| (h.clone(), T::default()))
        .chain(want.iter().map(|(k, v)| (k.clone(), each(v))))
        .collect()
}

/// The response mappings to send, by status, when they differ.
fn response_mapping(from: &Attrs, to: &Attrs) -> Option<HashMap<String, HashMap<String, String>>> {
    let k = "response_parameters";
    if !to.contains_key(k) || from.get(k) == to.get(k) {
        return None;
    }
    Some(mapping(from, to, k, |m| {
        m.as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.clone(), text(v)))
            .collect()
    }))
}
