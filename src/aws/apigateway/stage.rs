//! API Gateway stage: the name forces replacement; the deployment it serves
//! and tags update in place. Its id is `api/stage`.

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::json;

use super::{arn, parts, replace, sync_tags};
use crate::aws::attrs::{self, obj};
use crate::aws::error::{ignore_not_found, not_found_to_none, SdkResultExt};
use crate::aws::find;
use crate::aws::tags;
use crate::aws::Aws;
use crate::engine::resource::{Created, Ctx, Observed, ResourceError, ResourceType};
use crate::engine::value::Attrs;

/// `apigateway_stage`.
pub struct Stage(pub Arc<Aws>);

#[async_trait]
impl ResourceType for Stage {
    fn kind(&self) -> &'static str {
        "apigateway_stage"
    }

    fn replace_on(&self) -> &'static [&'static str] {
        &["rest_api_id", "stage_name"]
    }

    async fn create(&self, ctx: &Ctx, a: &Attrs) -> Result<Created, ResourceError> {
        let (api, name) = (attrs::str(a, "rest_api_id")?, attrs::str(a, "stage_name")?);
        self.0
            .region(&ctx.region)
            .apigateway
            .create_stage()
            .rest_api_id(api)
            .stage_name(name)
            .deployment_id(attrs::str(a, "deployment_id")?)
            .set_tags(Some(tags::desired(a).into_iter().collect()))
            .send()
            .await
            .ctx(&format!("creating API Gateway stage {name} of ({api})"))?;
        Ok(Created {
            id: format!("{api}/{name}"),
            outputs: Attrs::new(),
        })
    }

    async fn find(&self, ctx: &Ctx, a: &Attrs) -> Result<Vec<String>, ResourceError> {
        find::by_id(
            self,
            ctx,
            &find::joined(a, &["rest_api_id", "stage_name"])?,
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
        let p = parts(id, 2, "API Gateway stage")?;
        let out = not_found_to_none(
            self.0
                .region(&ctx.region)
                .apigateway
                .get_stage()
                .rest_api_id(p[0])
                .stage_name(p[1])
                .send()
                .await
                .ctx(&format!("reading API Gateway stage ({id})")),
        )?;
        Ok(out.map(|s| Observed {
            attrs: obj(json!({
                "rest_api_id": p[0],
                "stage_name": s.stage_name(),
                "deployment_id": s.deployment_id(),
                "cache_cluster_enabled": s.cache_cluster_enabled(),
                "tracing_enabled": s.tracing_enabled(),
                // Per-method overrides: execution logging with data trace
                // writes whole requests (patient data) to CloudWatch.
                "method_settings": s.method_settings().map(|m| m.iter().map(|(k, v)| (k.clone(), json!({
                    "metrics_enabled": v.metrics_enabled(), "logging_level": v.logging_level(),
                    "data_trace_enabled": v.data_trace_enabled(),
                    "throttling_burst_limit": v.throttling_burst_limit(), "throttling_rate_limit": v.throttling_rate_limit(),
                    "caching_enabled": v.caching_enabled(), "cache_data_encrypted": v.cache_data_encrypted(),
                }))).collect::<serde_json::Map<_, _>>()).unwrap_or_default(),
                "access_log_settings": s.access_log_settings().filter(|l| l.destination_arn().is_some())
                    .map(|l| json!({"destination_arn": l.destination_arn(), "format": l.format()})),
                "canary_settings": s.canary_settings().map(|c| json!({
                    "deployment_id": c.deployment_id(), "percent_traffic": c.percent_traffic(),
                })),
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
        let p = parts(id, 2, "API Gateway stage")?;
        let api = &self.0.region(&ctx.region).apigateway;
        if from.get("deployment_id") != to.get("deployment_id") {
            api.update_stage()
                .rest_api_id(p[0])
                .stage_name(p[1])
                .patch_operations(replace("/deploymentId", attrs::str(to, "deployment_id")?))
                .send()
                .await
                .ctx(&format!(
                    "moving API Gateway stage ({id}) to a new deployment"
                ))?;
        }
        settings(api, p[0], p[1], from, to).await?;
        let resource = arn(&ctx.region, &format!("/restapis/{}/stages/{}", p[0], p[1]));
        let resource: &str = &resource;
        sync_tags(
            api,
            resource,
            from,
            to,
            &format!("API Gateway stage ({id})"),
        )
        .await?;
        Ok(Attrs::new())
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _: &Attrs) -> Result<(), ResourceError> {
        let p = parts(id, 2, "API Gateway stage")?;
        let r = self
            .0
            .region(&ctx.region)
            .apigateway
            .delete_stage()
            .rest_api_id(p[0])
            .stage_name(p[1])
            .send()
            .await;
        ignore_not_found(
            r.map(|_| ())
                .ctx(&format!("deleting API Gateway stage ({id})")),
        )
    }
}

/// Puts the stage's settings back where `from` (live) differs from `to`:
/// the cache cluster and tracing switches, per-method overrides (each one
/// not declared is removed), the access log and a canary.
async fn settings(
    api: &aws_sdk_apigateway::Client,
    rest_api: &str,
    stage: &str,
    from: &Attrs,
    to: &Attrs,
) -> Result<(), ResourceError> {
    use aws_sdk_apigateway::types::{Op, PatchOperation};
    let differs = |k: &str| attrs::differs(from, to, k);
    let remove = |path: &str| PatchOperation::builder().op(Op::Remove).path(path).build();
    let mut ops = vec![];
    for (k, path) in [
        ("cache_cluster_enabled", "/cacheClusterEnabled"),
        ("tracing_enabled", "/tracingEnabled"),
    ] {
        if differs(k) {
            let on = to
                .get(k)
                .and_then(serde_json::Value::as_bool)
                .unwrap_or(false);
            ops.push(replace(path, if on { "true" } else { "false" }));
        }
    }
    if differs("method_settings") {
        let want = to
            .get("method_settings")
            .and_then(|m| m.as_object())
            .cloned()
            .unwrap_or_default();
        let have = from
            .get("method_settings")
            .and_then(|m| m.as_object())
            .cloned()
            .unwrap_or_default();
        for key in have.keys().filter(|k| !want.contains_key(*k)) {
            // `resource/path/METHOD`: the path's slashes are escaped as `~1`.
            let (path, method) = key.rsplit_once('/').unwrap_or((key, "*"));
            ops.push(remove(&format!("/{}/{method}", path.replace('/', "~1"))));
        }
    }
    if differs("access_log_settings") && to.get("access_log_settings").is_some_and(|v| v.is_null())
    {
        ops.push(remove("/accessLogSettings"));
    }
    if differs("canary_settings") && to.get("canary_settings").is_some_and(|v| v.is_null()) {
        ops.push(remove("/canarySettings"));
    }
    if ops.is_empty() {
        return Ok(());
    }
    api.update_stage()
        .rest_api_id(rest_api)
        .stage_name(stage)
        .set_patch_operations(Some(ops))
        .send()
        .await
        .ctx(&format!(
            "putting back the settings of API Gateway stage ({rest_api}/{stage})"
        ))?;
    Ok(())
}
