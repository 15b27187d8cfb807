//! API Gateway v2 stage (`$default`, deployed automatically). The API and
//! name force replacement; throttling, detailed metrics, access logging,
//! auto-deploy, the per-route throttling overrides (exactly the declared
//! ones: extras are removed) and tags update in place. Its id is `api_id/name`.

use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_apigatewayv2::types::{AccessLogSettings, RouteSettings};
use serde_json::{json, Value};

use super::{arn, split, sync_tags};
use crate::aws::attrs::{self, obj};
use crate::aws::error::{ignore_not_found, not_found_to_none, SdkResultExt};
use crate::aws::find;
use crate::aws::tags;
use crate::aws::Aws;
use crate::engine::resource::{Created, Ctx, Observed, ResourceError, ResourceType};
use crate::engine::value::Attrs;

/// `apigatewayv2_stage`.
pub struct Stage(pub Arc<Aws>);

fn route_settings(a: &Attrs) -> RouteSettings {
    settings(a.get("default_route_settings").unwrap_or(&Value::Null))
}

/// Throttling (and detailed metrics) from a settings object.
fn settings(s: &Value) -> RouteSettings {
    RouteSettings::builder()
        .set_throttling_rate_limit(s.get("throttling_rate_limit").and_then(Value::as_f64))
        .set_throttling_burst_limit(
            s.get("throttling_burst_limit")
                .and_then(Value::as_i64)
                .map(|v| v as i32),
        )
        .set_detailed_metrics_enabled(s.get("detailed_metrics_enabled").and_then(Value::as_bool))
        .build()
}

/// The per-route overrides `a` declares, by route key.
fn overrides(a: &Attrs) -> std::collections::HashMap<String, RouteSettings> {
    a.get("route_settings")
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), settings(v))).collect())
        .unwrap_or_default()
}

fn access_logs(a: &Attrs) -> Option<AccessLogSettings> {
    let s = a.get("access_log_settings").filter(|v| v.is_object())?;
    Some(
        AccessLogSettings::builder()
            .set_destination_arn(
                s.get("destination_arn")
                    .and_then(Value::as_str)
                    .map(str::to_string),
            )
            .set_format(s.get("format").and_then(Value::as_str).map(str::to_string))
            .build(),
    )
}

#[async_trait]
impl ResourceType for Stage {
    fn kind(&self) -> &'static str {
        "apigatewayv2_stage"
    }

    fn replace_on(&self) -> &'static [&'static str] {
        &["api_id", "name"]
    }

    async fn create(&self, ctx: &Ctx, a: &Attrs) -> Result<Created, ResourceError> {
        let api_id = attrs::str(a, "api_id")?;
        let name = attrs::str(a, "name")?;
        self.0
            .region(&ctx.region)
            .apigatewayv2
            .create_stage()
            .api_id(api_id)
            .stage_name(name)
            .auto_deploy(attrs::bool(a, "auto_deploy")?)
            .default_route_settings(route_settings(a))
            .set_route_settings(Some(overrides(a)).filter(|m| !m.is_empty()))
            .set_access_log_settings(access_logs(a))
            .set_tags(Some(tags::desired(a).into_iter().collect()))
            .send()
            .await
            .ctx(&format!(
                "creating API Gateway stage ({name}) on API ({api_id})"
            ))?;
        Ok(Created {
            id: format!("{api_id}/{name}"),
            outputs: Attrs::new(),
        })
    }

    async fn find(&self, ctx: &Ctx, a: &Attrs) -> Result<Vec<String>, ResourceError> {
        find::by_id(self, ctx, &find::joined(a, &["api_id", "name"])?, a).await
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        _: &Attrs,
    ) -> Result<Option<Observed>, ResourceError> {
        let (api_id, name) = split(id, "API Gateway stage")?;
        let client = &self.0.region(&ctx.region).apigatewayv2;
        let Some(s) = not_found_to_none(
            client
                .get_stage()
                .api_id(api_id)
                .stage_name(name)
                .send()
                .await
                .ctx(&format!("reading API Gateway stage ({id})")),
        )?
        else {
            return Ok(None);
        };
        let r = s.default_route_settings();
        let logs = s
            .access_log_settings()
            .map(|l| json!({"destination_arn": l.destination_arn(), "format": l.format()}));
        Ok(Some(Observed {
            attrs: obj(json!({
                "api_id": api_id,
                "name": name,
                "auto_deploy": s.auto_deploy().unwrap_or(false),
                "default_route_settings": {
                    "throttling_rate_limit": r.and_then(|r| r.throttling_rate_limit()),
                    "throttling_burst_limit": r.and_then(|r| r.throttling_burst_limit()),
                    "detailed_metrics_enabled": r.and_then(|r| r.detailed_metrics_enabled()).unwrap_or(false),
                },
                "access_log_settings": logs,
                // Per-route overrides of the default throttling: exactly
                // the declared ones, so a route cannot be opened up quietly.
                "route_settings": s.route_settings().map(|m| {
                    m.iter()
                        .map(|(k, r)| (k.clone(), json!({
                            "throttling_rate_limit": r.throttling_rate_limit(),
                            "throttling_burst_limit": r.throttling_burst_limit(),
                        })))
                        .collect::<serde_json::Map<_, _>>()
                }).unwrap_or_default(),
                "tags": tags::live(s.tags().into_iter().flatten()),
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
        let (api_id, name) = split(id, "API Gateway stage")?;
        let client = &self.0.region(&ctx.region).apigatewayv2;
        let changed = |k: &str| from.get(k) != to.get(k);
        if changed("auto_deploy")
            || changed("default_route_settings")
            || changed("access_log_settings")
        {
            client
                .update_stage()
                .api_id(api_id)
                .stage_name(name)
                .auto_deploy(attrs::bool(to, "auto_deploy")?)
                .default_route_settings(route_settings(to))
                .set_access_log_settings(access_logs(to))
                .send()
                .await
                .ctx(&format!("updating API Gateway stage ({id})"))?;
        }
        if to.contains_key("route_settings") && changed("route_settings") {
            let keys = |a: &Attrs| -> Vec<String> {
                a.get("route_settings")
                    .and_then(Value::as_object)
                    .map(|m| m.keys().cloned().collect())
                    .unwrap_or_default()
            };
            let keep = keys(to);
            for key in keys(from).into_iter().filter(|k| !keep.contains(k)) {
                client
                    .delete_route_settings()
                    .api_id(api_id)
                    .stage_name(name)
                    .route_key(&key)
                    .send()
                    .await
                    .ctx(&format!(
                        "removing the settings of route {key} from API Gateway stage ({id})"
                    ))?;
            }
            let want = overrides(to);
            if !want.is_empty() {
                client
                    .update_stage()
                    .api_id(api_id)
                    .stage_name(name)
                    .set_route_settings(Some(want))
                    .send()
                    .await
                    .ctx(&format!(
                        "setting route overrides of API Gateway stage ({id})"
                    ))?;
            }
        }
        if tags::changed(from, to) {
            let arn = arn(
                &self.0,
                &ctx.region,
                &format!("/apis/{api_id}/stages/{name}"),
            )
            .await?;
            sync_tags(client, &arn, from, to, &format!("API Gateway stage ({id})")).await?;
        }
        Ok(Attrs::new())
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _: &Attrs) -> Result<(), ResourceError> {
        let (api_id, name) = split(id, "API Gateway stage")?;
        let client = &self.0.region(&ctx.region).apigatewayv2;
        ignore_not_found(
            client
                .delete_stage()
                .api_id(api_id)
                .stage_name(name)
                .send()
                .await
                .map(|_| ())
                .ctx(&format!("deleting API Gateway stage ({id})")),
        )
    }
}
