//! Route 53 record set: plain (TTL and values), weighted or failover (with
//! a set identifier and a health check), or an alias. The zone, name, type
//! and set identifier force replacement; everything else is an UPSERT.
//! Create is a CREATE, so a record someone else made is never silently
//! overwritten; delete leaves a record whose values someone else has since
//! changed. Its id is `zone_id|name|type|set_identifier`.

use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_route53::types::{
    AliasTarget, Change, ChangeAction, ChangeBatch, ResourceRecord, ResourceRecordSet,
    ResourceRecordSetFailover, RrType,
};
use serde_json::{json, Value};

use super::{name, wait_insync};
use crate::aws::attrs::{self, obj};
use crate::aws::error::SdkResultExt;
use crate::aws::Aws;
use crate::engine::resource::{Created, Ctx, ErrorClass, Observed, ResourceError, ResourceType};
use crate::engine::value::Attrs;

/// `route53_record`.
pub struct Record(pub Arc<Aws>);

fn invalid(e: impl std::fmt::Display) -> ResourceError {
    ResourceError::new(
        ErrorClass::Invalid,
        "building a Route 53 record",
        e.to_string(),
    )
}

fn set_of(a: &Attrs) -> Result<ResourceRecordSet, ResourceError> {
    let mut s = ResourceRecordSet::builder()
        .name(attrs::str(a, "name")?)
        .r#type(RrType::from(attrs::str(a, "type")?))
        .set_set_identifier(attrs::opt_str(a, "set_identifier").map(str::to_string))
        .set_weight(attrs::opt_int(a, "weight"))
        .set_failover(attrs::opt_str(a, "failover").map(ResourceRecordSetFailover::from))
        .set_health_check_id(attrs::opt_str(a, "health_check_id").map(str::to_string));
    match a.get("alias").filter(|v| v.is_object()) {
        Some(alias) => {
            s = s.alias_target(
                AliasTarget::builder()
                    .dns_name(
                        alias
                            .get("dns_name")
                            .and_then(Value::as_str)
                            .unwrap_or_default(),
                    )
                    .hosted_zone_id(
                        alias
                            .get("zone_id")
                            .and_then(Value::as_str)
                            .unwrap_or_default(),
                    )
                    .evaluate_target_health(
                        alias
                            .get("evaluate_target_health")
                            .and_then(Value::as_bool)
                            .unwrap_or(false),
                    )
                    .build()
                    .map_err(invalid)?,
            )
        }
        None => {
            s = s.set_ttl(attrs::opt_int(a, "ttl"));
            for v in attrs::strs(a, "records") {
                s = s.resource_records(
                    ResourceRecord::builder()
                        .value(v)
                        .build()
                        .map_err(invalid)?,
                );
            }
        }
    }
    s.build().map_err(invalid)
}

fn id_of(a: &Attrs) -> Result<String, ResourceError> {
    Ok(format!(
        "{}|{}|{}|{}",
        attrs::str(a, "zone_id")?,
        name(attrs::str(a, "name")?),
        attrs::str(a, "type")?,
        attrs::opt_str(a, "set_identifier").unwrap_or_default()
    ))
}

impl Record {
    async fn change(
        &self,
        ctx: &Ctx,
        zone: &str,
        action: ChangeAction,
        set: ResourceRecordSet,
    ) -> Result<(), ResourceError> {
        let r53 = &self.0.region(&ctx.region).route53;
        let what = format!(
            "{} Route 53 record {} {}",
            action.as_str().to_lowercase(),
            set.name(),
            set.r#type().as_str()
        );
        let batch = ChangeBatch::builder()
            .changes(
                Change::builder()
                    .action(action)
                    .resource_record_set(set)
                    .build()
                    .map_err(invalid)?,
            )
            .build()
            .map_err(invalid)?;
        let out = r53
            .change_resource_record_sets()
            .hosted_zone_id(zone)
            .change_batch(batch)
            .send()
            .await
            .ctx(&what)?;
        if let Some(info) = out.change_info() {
            wait_insync(ctx, r53, &super::bare(info.id())).await?;
        }
        Ok(())
    }

    /// The live record set with this id, if any.
    async fn live(&self, ctx: &Ctx, id: &str) -> Result<Option<ResourceRecordSet>, ResourceError> {
        let mut parts = id.splitn(4, '|');
        let (zone, rname, rtype, set_id) = (
            parts.next().unwrap_or_default(),
            parts.next().unwrap_or_default(),
            parts.next().unwrap_or_default(),
            parts.next().unwrap_or_default(),
        );
        let r53 = &self.0.region(&ctx.region).route53;
        let out = match r53
            .list_resource_record_sets()
            .hosted_zone_id(zone)
            .start_record_name(rname)
            .start_record_type(RrType::from(rtype))
            .max_items(100)
            .send()
            .await
            .ctx(&format!("reading Route 53 records of zone ({zone})"))
        {
            Ok(o) => o,
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) => return Err(e),
        };
        Ok(out
            .resource_record_sets()
            .iter()
            .find(|s| {
                name(s.name()) == rname
                    && s.r#type().as_str() == rtype
                    && s.set_identifier().unwrap_or_default() == set_id
            })
            .cloned())
    }
}

#[async_trait]
impl ResourceType for Record {
    fn kind(&self) -> &'static str {
        "route53_record"
    }

    fn replace_on(&self) -> &'static [&'static str] {
        &["zone_id", "name", "type", "set_identifier"]
    }

    async fn create(&self, ctx: &Ctx, a: &Attrs) -> Result<Created, ResourceError> {
        self.change(
            ctx,
            attrs::str(a, "zone_id")?,
            ChangeAction::Create,
            set_of(a)?,
        )
        .await?;
        Ok(Created {
            id: id_of(a)?,
            outputs: obj(json!({"fqdn": name(attrs::str(a, "name")?)})),
        })
    }

    async fn find(&self, ctx: &Ctx, a: &Attrs) -> Result<Vec<String>, ResourceError> {
        // Records carry no tags: one with this name, type and identifier
        // that says what this node says is what an interrupted run made.
        let id = id_of(a)?;
        Ok(match self.read(ctx, &id, a).await? {
            Some(o)
                if a.iter()
                    .filter(|(k, _)| *k != "zone_id")
                    .all(|(k, v)| o.attrs.get(k) == Some(v)) =>
            {
                vec![id]
            }
            _ => vec![],
        })
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        _: &Attrs,
    ) -> Result<Option<Observed>, ResourceError> {
        let Some(s) = self.live(ctx, id).await? else {
            return Ok(None);
        };
        let zone = id.split('|').next().unwrap_or_default();
        let mut records: Vec<String> = s
            .resource_records()
            .iter()
            .map(|r| r.value().to_string())
            .collect();
        records.sort();
        let mut attrs = json!({
            "zone_id": zone,
            "name": name(s.name()),
            "type": s.r#type().as_str(),
            "set_identifier": s.set_identifier(),
            "weight": s.weight(),
            "failover": s.failover().map(|f| f.as_str()),
            "health_check_id": s.health_check_id(),
        });
        match s.alias_target() {
            Some(t) => {
                attrs["alias"] = json!({"dns_name": name(t.dns_name()), "zone_id": t.hosted_zone_id(), "evaluate_target_health": t.evaluate_target_health()})
            }
            None => {
                attrs["ttl"] = json!(s.ttl());
                attrs["records"] = json!(records);
            }
        }
        Ok(Some(Observed {
            attrs: obj(attrs),
            outputs: obj(json!({"fqdn": name(s.name())})),
        }))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        _: &str,
        _: &Attrs,
        to: &Attrs,
    ) -> Result<Attrs, ResourceError> {
        self.change(
            ctx,
            attrs::str(to, "zone_id")?,
            ChangeAction::Upsert,
            set_of(to)?,
        )
        .await?;
        Ok(obj(json!({"fqdn": name(attrs::str(to, "name")?)})))
    }

    async fn delete(&self, ctx: &Ctx, id: &str, a: &Attrs) -> Result<(), ResourceError> {
        // DELETE must name the record exactly as it is now; a record whose
        // values are no longer what hcprov applied was taken over by
        // someone else, and is left to them.
        let Some(live) = self.live(ctx, id).await? else {
            return Ok(());
        };
        if let Some(Observed { attrs: now, .. }) = self.read(ctx, id, a).await? {
            let ours = ["records", "alias"]
                .iter()
                .all(|k| a.get(*k).is_none() || a.get(*k) == now.get(*k));
            if !ours {
                tracing::warn!(address = %ctx.address, "Route 53 record {id} now holds other values: left in place");
                return Ok(());
            }
        }
        let zone = id.split('|').next().unwrap_or_default().to_string();
        self.change(ctx, &zone, ChangeAction::Delete, live).await
    }
}
