//! Route 53 health check of an HTTPS endpoint. Type and interval force
//! replacement (Route 53 cannot change them); name, port, path, threshold,
//! SNI and tags update in place. Its id is the health check id.

use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_route53::types::{HealthCheckConfig, HealthCheckType, TagResourceType};
use serde_json::json;

use super::{read_tags, sync_tags};
use crate::aws::attrs::{self, obj};
use crate::aws::error::{ignore_not_found, not_found_to_none, SdkResultExt};
use crate::aws::find;
use crate::aws::Aws;
use crate::engine::resource::{Created, Ctx, ErrorClass, Observed, ResourceError, ResourceType};
use crate::engine::value::Attrs;

/// `route53_health_check`.
pub struct HealthCheck(pub Arc<Aws>);

#[async_trait]
impl ResourceType for HealthCheck {
    fn kind(&self) -> &'static str {
        "route53_health_check"
    }

    fn replace_on(&self) -> &'static [&'static str] {
        // Route 53 cannot take an address off a check: one added is undone
        // by a new check.
        &["type", "request_interval", "ip_address"]
    }

    async fn create(&self, ctx: &Ctx, a: &Attrs) -> Result<Created, ResourceError> {
        let r53 = &self.0.region(&ctx.region).route53;
        let config = HealthCheckConfig::builder()
            .r#type(HealthCheckType::from(attrs::str(a, "type")?))
            .fully_qualified_domain_name(attrs::str(a, "fqdn")?)
            .port(attrs::int(a, "port")? as i32)
            .resource_path(attrs::str(a, "resource_path")?)
            .request_interval(attrs::int(a, "request_interval")? as i32)
            .failure_threshold(attrs::int(a, "failure_threshold")? as i32)
            .enable_sni(attrs::bool(a, "enable_sni")?)
            .build()
            .map_err(|e| {
                ResourceError::new(
                    ErrorClass::Invalid,
                    "building the health check",
                    e.to_string(),
                )
            })?;
        // The caller reference makes a re-sent request the same check.
        let reference = ctx
            .token()
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let out = r53
            .create_health_check()
            .caller_reference(reference)
            .health_check_config(config)
            .send()
            .await
            .ctx("creating Route 53 health check")?;
        let id = out
            .health_check()
            .map(|h| h.id().to_string())
            .unwrap_or_default();
        sync_tags(r53, TagResourceType::Healthcheck, &id, &Attrs::new(), a).await?;
        Ok(Created {
            id,
            outputs: Attrs::new(),
        })
    }

    async fn find(&self, _: &Ctx, _: &Attrs) -> Result<Vec<String>, ResourceError> {
        // CreateHealthCheck with the same caller reference returns the
        // check the interrupted run made.
        find::idempotent()
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        _: &Attrs,
    ) -> Result<Option<Observed>, ResourceError> {
        let r53 = &self.0.region(&ctx.region).route53;
        let Some(out) = not_found_to_none(
            r53.get_health_check()
                .health_check_id(id)
                .send()
                .await
                .ctx(&format!("reading Route 53 health check ({id})")),
        )?
        else {
            return Ok(None);
        };
        let Some(c) = out.health_check().and_then(|h| h.health_check_config()) else {
            return Ok(None);
        };
        Ok(Some(Observed {
            attrs: obj(json!({
                "type": c.r#type().as_str(),
                "fqdn": c.fully_qualified_domain_name(),
                "port": c.port(),
                "resource_path": c.resource_path(),
                "request_interval": c.request_interval(),
                "failure_threshold": c.failure_threshold(),
                "enable_sni": c.enable_sni().unwrap_or(false),
                "disabled": c.disabled().unwrap_or(false),
                "inverted": c.inverted().unwrap_or(false),
                // An address makes Route 53 probe it instead of the name;
                // the checker regions vote on health (none listed: all).
                "ip_address": c.ip_address().filter(|a| !a.is_empty() && *a != "None"),
                "regions": checker_regions(c.regions()),
                "tags": read_tags(r53, TagResourceType::Healthcheck, id).await?,
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
        let r53 = &self.0.region(&ctx.region).route53;
        let settings = [
            "fqdn",
            "port",
            "resource_path",
            "failure_threshold",
            "enable_sni",
            "disabled",
            "inverted",
            "regions",
        ];
        if settings.iter().any(|k| from.get(*k) != to.get(*k)) {
            // What `to` leaves out goes back to Route 53's default.
            let mut reset = vec![];
            let regions = attrs::strs(to, "regions");
            if to.contains_key("regions") && regions.is_empty() {
                reset.push(aws_sdk_route53::types::ResettableElementName::Regions);
            }
            r53.update_health_check()
                .set_regions((!regions.is_empty()).then(|| {
                    regions
                        .iter()
                        .map(|r| aws_sdk_route53::types::HealthCheckRegion::from(r.as_str()))
                        .collect()
                }))
                .set_reset_elements((!reset.is_empty()).then_some(reset))
                .health_check_id(id)
                .fully_qualified_domain_name(attrs::str(to, "fqdn")?)
                .port(attrs::int(to, "port")? as i32)
                .resource_path(attrs::str(to, "resource_path")?)
                .failure_threshold(attrs::int(to, "failure_threshold")? as i32)
                .enable_sni(attrs::bool(to, "enable_sni")?)
                .disabled(to.get("disabled") == Some(&json!(true)))
                .inverted(to.get("inverted") == Some(&json!(true)))
                .send()
                .await
                .ctx(&format!("updating Route 53 health check ({id})"))?;
        }
        sync_tags(r53, TagResourceType::Healthcheck, id, from, to).await?;
        Ok(Attrs::new())
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _: &Attrs) -> Result<(), ResourceError> {
        let r53 = &self.0.region(&ctx.region).route53;
        ignore_not_found(
            r53.delete_health_check()
                .health_check_id(id)
                .send()
                .await
                .map(|_| ())
                .ctx(&format!("deleting Route 53 health check ({id})")),
        )
    }
}

/// The checker regions, none when they are Route 53's default set (which
/// it may list in full when a check names none).
fn checker_regions(regions: &[aws_sdk_route53::types::HealthCheckRegion]) -> serde_json::Value {
    const DEFAULT: [&str; 8] = [
        "us-east-1",
        "us-west-1",
        "us-west-2",
        "eu-west-1",
        "ap-southeast-1",
        "ap-southeast-2",
        "ap-northeast-1",
        "sa-east-1",
    ];
    let names: Vec<String> = regions.iter().map(|r| r.as_str().to_string()).collect();
    if DEFAULT.iter().all(|d| names.iter().any(|n| n == d)) && names.len() == DEFAULT.len() {
        return serde_json::json!([]);
    }
    attrs::sorted(names)
}
