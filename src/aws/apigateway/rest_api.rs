//! API Gateway REST API: the name forces replacement; description and tags
//! update in place. Outputs the root resource id and the execution ARN.

use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_apigateway::types::{EndpointConfiguration, EndpointType};
use serde_json::json;

use super::{arn, replace, sync_tags};
use crate::aws::attrs::{self, obj};
use crate::aws::error::{ignore_not_found, not_found_to_none, SdkResultExt};
use crate::aws::tags;
use crate::aws::Aws;
use crate::engine::resource::{Created, Ctx, Observed, ResourceError, ResourceType};
use crate::engine::value::Attrs;

/// `apigateway_rest_api`.
pub struct RestApi(pub Arc<Aws>);

impl RestApi {
    async fn outputs(
        &self,
        ctx: &Ctx,
        id: &str,
        root: Option<&str>,
    ) -> Result<Attrs, ResourceError> {
        let execution_arn = self.0.arn("execute-api", &ctx.region, id).await?;
        Ok(obj(json!({
            "root_resource_id": root,
            "arn": arn(&ctx.region, &format!("/restapis/{id}")),
            "execution_arn": execution_arn,
        })))
    }
}

#[async_trait]
impl ResourceType for RestApi {
    fn kind(&self) -> &'static str {
        "apigateway_rest_api"
    }

    fn replace_on(&self) -> &'static [&'static str] {
        &["name", "endpoint_types"]
    }

    async fn create(&self, ctx: &Ctx, a: &Attrs) -> Result<Created, ResourceError> {
        let name = attrs::str(a, "name")?;
        let types = attrs::strs(a, "endpoint_types")
            .iter()
            .map(|t| EndpointType::from(t.as_str()))
            .collect();
        let out = self
            .0
            .region(&ctx.region)
            .apigateway
            .create_rest_api()
            .name(name)
            .description(attrs::str(a, "description")?)
            .endpoint_configuration(
                EndpointConfiguration::builder()
                    .set_types(Some(types))
                    .build(),
            )
            .set_tags(Some(tags::desired(a).into_iter().collect()))
            .send()
            .await
            .ctx(&format!("creating API Gateway REST API ({name})"))?;
        let id = out.id().unwrap_or_default().to_string();
        Ok(Created {
            outputs: self.outputs(ctx, &id, out.root_resource_id()).await?,
            id,
        })
    }

    async fn find(&self, ctx: &Ctx, a: &Attrs) -> Result<Vec<String>, ResourceError> {
        let want = tags::identity(a);
        if want.is_empty() {
            return Ok(vec![]);
        }
        let apis = self
            .0
            .region(&ctx.region)
            .apigateway
            .get_rest_apis()
            .limit(500)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .ctx("looking for API Gateway REST APIs")?;
        Ok(apis
            .iter()
            .filter(|api| {
                let t = api.tags();
                want.iter()
                    .all(|(k, v)| t.and_then(|t| t.get(k)) == Some(v))
            })
            .filter_map(|api| api.id().map(str::to_string))
            .collect())
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        _: &Attrs,
    ) -> Result<Option<Observed>, ResourceError> {
        let out = not_found_to_none(
            self.0
                .region(&ctx.region)
                .apigateway
                .get_rest_api()
                .rest_api_id(id)
                .send()
                .await
                .ctx(&format!("reading API Gateway REST API ({id})")),
        )?;
        let Some(api) = out else {
            return Ok(None);
        };
        let types: Vec<String> = api
            .endpoint_configuration()
            .map(|e| e.types().iter().map(|t| t.as_str().to_string()).collect())
            .unwrap_or_default();
        // API Gateway returns the resource policy with its quotes escaped.
        let policy = api
            .policy()
            .filter(|p| !p.is_empty())
            .map(|p| attrs::parse_doc(&p.replace("\\\"", "\"")));
        Ok(Some(Observed {
            attrs: obj(json!({
                "name": api.name(),
                "description": api.description().unwrap_or_default(),
                "endpoint_types": types,
                "policy": policy,
                "disable_execute_api_endpoint": api.disable_execute_api_endpoint(),
                // API Gateway's default for an API made without one.
                "security_policy": api.security_policy().map(|p| p.as_str()).filter(|p| *p != "TLS_1_0"),
                "endpoint_access_mode": api.endpoint_access_mode().map(|m| m.as_str()),
                "ip_address_type": api.endpoint_configuration()
                    .and_then(|e| e.ip_address_type())
                    .map_or("ipv4", |t| t.as_str()),
                "tags": tags::live(api.tags().into_iter().flatten()),
            })),
            outputs: self.outputs(ctx, id, api.root_resource_id()).await?,
        }))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        id: &str,
        from: &Attrs,
        to: &Attrs,
    ) -> Result<Attrs, ResourceError> {
        let api = &self.0.region(&ctx.region).apigateway;
        let differs = |k: &str| attrs::differs(from, to, k);
        let text = |k: &str| match to.get(k) {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(v) if v.is_object() => v.to_string(),
            Some(serde_json::Value::Bool(b)) => b.to_string(),
            _ => String::new(),
        };
        let mut ops = vec![];
        for (k, path) in [
            ("description", "/description"),
            ("policy", "/policy"),
            ("disable_execute_api_endpoint", "/disableExecuteApiEndpoint"),
            ("security_policy", "/securityPolicy"),
            ("endpoint_access_mode", "/endpointAccessMode"),
            ("ip_address_type", "/endpointConfiguration/ipAddressType"),
        ] {
            if differs(k) {
                ops.push(replace(path, &text(k)));
            }
        }
        if !ops.is_empty() {
            api.update_rest_api()
                .rest_api_id(id)
                .set_patch_operations(Some(ops))
                .send()
                .await
                .ctx(&format!("updating API Gateway REST API ({id})"))?;
        }
        let resource = arn(&ctx.region, &format!("/restapis/{id}"));
        let resource: &str = &resource;
        sync_tags(
            api,
            resource,
            from,
            to,
            &format!("API Gateway REST API ({id})"),
        )
        .await?;
        Ok(Attrs::new())
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _: &Attrs) -> Result<(), ResourceError> {
        let r = self
            .0
            .region(&ctx.region)
            .apigateway
            .delete_rest_api()
            .rest_api_id(id)
            .send()
            .await;
        ignore_not_found(
            r.map(|_| ())
                .ctx(&format!("deleting API Gateway REST API ({id})")),
        )
    }
}
