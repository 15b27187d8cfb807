//! Route 53 public hosted zone. The name forces replacement; the comment
//! and tags update in place. Outputs the zone id and its name servers (to
//! delegate the zone from its parent). Its id is the zone id.

use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_route53::types::{HostedZoneConfig, TagResourceType};
use serde_json::json;

use super::{bare, name, read_tags, sync_tags};
use crate::aws::attrs::{self, obj};
use crate::aws::error::{ignore_not_found, not_found_to_none, SdkResultExt};
use crate::aws::tags;
use crate::aws::Aws;
use crate::engine::resource::{Created, Ctx, Observed, ResourceError, ResourceType};
use crate::engine::value::Attrs;

/// `route53_zone`.
pub struct Zone(pub Arc<Aws>);

#[async_trait]
impl ResourceType for Zone {
    fn kind(&self) -> &'static str {
        "route53_zone"
    }

    fn replace_on(&self) -> &'static [&'static str] {
        &["name"]
    }

    async fn create(&self, ctx: &Ctx, a: &Attrs) -> Result<Created, ResourceError> {
        let r53 = &self.0.region(&ctx.region).route53;
        let zone = attrs::str(a, "name")?;
        let reference = ctx
            .token()
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let out = r53
            .create_hosted_zone()
            .name(zone)
            .caller_reference(reference)
            .hosted_zone_config(
                HostedZoneConfig::builder()
                    .comment(attrs::str(a, "comment")?)
                    .private_zone(false)
                    .build(),
            )
            .send()
            .await
            .ctx(&format!("creating Route 53 hosted zone ({zone})"))?;
        let id = bare(out.hosted_zone().map(|z| z.id()).unwrap_or_default());
        sync_tags(r53, TagResourceType::Hostedzone, &id, &Attrs::new(), a).await?;
        let servers: Vec<String> = out
            .delegation_set()
            .map(|d| d.name_servers().to_vec())
            .unwrap_or_default();
        Ok(Created {
            outputs: obj(json!({"zone_id": id, "name_servers": servers})),
            id,
        })
    }

    async fn find(&self, ctx: &Ctx, a: &Attrs) -> Result<Vec<String>, ResourceError> {
        let r53 = &self.0.region(&ctx.region).route53;
        let zone = name(attrs::str(a, "name")?);
        let out = r53
            .list_hosted_zones_by_name()
            .dns_name(&zone)
            .send()
            .await
            .ctx("looking for Route 53 hosted zones")?;
        let mut found = vec![];
        for z in out.hosted_zones().iter().filter(|z| name(z.name()) == zone) {
            let id = bare(z.id());
            let live =
                obj(json!({"tags": read_tags(r53, TagResourceType::Hostedzone, &id).await?}));
            if tags::claims(a, &live) {
                found.push(id);
            }
        }
        Ok(found)
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        _: &Attrs,
    ) -> Result<Option<Observed>, ResourceError> {
        let r53 = &self.0.region(&ctx.region).route53;
        let Some(out) = not_found_to_none(
            r53.get_hosted_zone()
                .id(id)
                .send()
                .await
                .ctx(&format!("reading Route 53 hosted zone ({id})")),
        )?
        else {
            return Ok(None);
        };
        let z = out.hosted_zone();
        let servers: Vec<String> = out
            .delegation_set()
            .map(|d| d.name_servers().to_vec())
            .unwrap_or_default();
        Ok(Some(Observed {
            attrs: obj(json!({
                "name": z.map(|z| name(z.name())),
                "comment": z.and_then(|z| z.config()).and_then(|c| c.comment()).unwrap_or_default(),
                // Record changes kept possible while us-east-1 is impaired.
                "accelerated_recovery": z.and_then(|z| z.features())
                    .and_then(|f| f.accelerated_recovery_status())
                    .is_some_and(|s| matches!(s.as_str(), "ENABLED" | "ENABLING")),
                "tags": read_tags(r53, TagResourceType::Hostedzone, id).await?,
            })),
            outputs: obj(json!({"zone_id": id, "name_servers": servers})),
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
        if to.contains_key("accelerated_recovery")
            && from.get("accelerated_recovery") != to.get("accelerated_recovery")
        {
            r53.update_hosted_zone_features()
                .hosted_zone_id(id)
                .enable_accelerated_recovery(attrs::bool(to, "accelerated_recovery")?)
                .send()
                .await
                .ctx(&format!(
                    "setting accelerated recovery of Route 53 hosted zone ({id})"
                ))?;
        }
        if from.get("comment") != to.get("comment") {
            r53.update_hosted_zone_comment()
                .id(id)
                .comment(attrs::str(to, "comment")?)
                .send()
                .await
                .ctx(&format!("updating Route 53 hosted zone ({id})"))?;
        }
        sync_tags(r53, TagResourceType::Hostedzone, id, from, to).await?;
        Ok(Attrs::new())
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _: &Attrs) -> Result<(), ResourceError> {
        let r53 = &self.0.region(&ctx.region).route53;
        ignore_not_found(
            r53.delete_hosted_zone()
                .id(id)
                .send()
                .await
                .map(|_| ())
                .ctx(&format!("deleting Route 53 hosted zone ({id})")),
        )
    }
}
