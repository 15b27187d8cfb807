//! ElastiCache Redis replication group (cluster mode off): one primary and
//! replicas across zones. Identity, engine, port, node count, subnet group,
//! encryption settings and the AUTH token's secret force replacement;
//! description, node type, failover, Multi-AZ, security groups, snapshots
//! and tags update in place.
//!
//! The AUTH token is read from its Secrets Manager secret at create time
//! and handed to ElastiCache in memory: it is never an attribute, so it
//! never reaches the state, a plan file or a log. When it was last set is
//! recorded at apply (`auth_token_last_modified`, an observed setting): a
//! token rotated or set outside hcprov is drift, and apply sets the
//! secret's token again, rotating to it and then making it the only one.
//! Its id is the group id.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_elasticache::types::{
    AuthTokenUpdateStrategyType as Strategy, CacheCluster, ReplicationGroup as Group,
    TransitEncryptionMode,
};
use aws_smithy_types::date_time::Format;
use serde_json::{json, Value};

use super::{cache_tags, read_tags, sync_tags};
use crate::aws::attrs::{self, obj};
use crate::aws::error::{ignore_not_found, not_found_to_none, SdkResultExt};
use crate::aws::find;
use crate::aws::Aws;
use crate::engine::resource::{Created, Ctx, ErrorClass, Observed, ResourceError, ResourceType};
use crate::engine::retry::{
    retry_when, settle, stuck, wait_status, wait_until, Budget, Poll, Waiter,
};
use crate::engine::value::Attrs;

/// Waiting for a group to become `available` (create, modify).
pub const AVAILABLE: Waiter = Waiter {
    name: "ElastiCache replication group to become available",
    timeout: Duration::from_secs(3600),
    interval: Duration::from_secs(15),
};

/// Waiting for a deleted group to be gone.
pub const GONE: Waiter = Waiter {
    name: "ElastiCache replication group to be deleted",
    timeout: Duration::from_secs(3600),
    interval: Duration::from_secs(15),
};

/// A group refuses a change while another is in progress
/// (`InvalidReplicationGroupState`): retried within this budget.
const BUSY: Budget = Budget {
    name: "elasticache-busy",
    max_elapsed: Duration::from_secs(1800),
    initial: Duration::from_secs(10),
    max_delay: Duration::from_secs(60),
};

fn busy(e: &ResourceError) -> bool {
    matches!(
        e.code.as_deref(),
        Some("InvalidReplicationGroupState" | "InvalidCacheClusterState")
    )
}

/// Statuses waiting will not change.
const FAILED: &[&str] = &["create-failed"];

/// `elasticache_replication_group`.
pub struct ReplicationGroup(pub Arc<Aws>);

fn enabled(s: Option<&str>) -> bool {
    s.is_some_and(|s| s == "enabled" || s == "enabling")
}

/// When the group's AUTH token was last set (RFC 3339), if ever.
fn token_set_at(g: &Group) -> Option<String> {
    g.auth_token_last_modified_date()
        .and_then(|d| d.fmt(Format::DateTime).ok())
}

fn observed(g: &Group, member: Option<&CacheCluster>, prior: &Attrs) -> Observed {
    let id = g.replication_group_id().unwrap_or_default();
    let sgs: Vec<String> = member
        .map(|m| {
            m.security_groups()
                .iter()
                .filter_map(|s| s.security_group_id().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let primary = g.node_groups().first().and_then(|n| n.primary_endpoint());
    let reader = g.node_groups().first().and_then(|n| n.reader_endpoint());
    let token_set = token_set_at(g);
    Observed {
        attrs: obj(json!({
            "replication_group_id": id,
            "description": g.description(),
            "engine": member.and_then(|m| m.engine()).unwrap_or("redis"),
            "node_type": g.cache_node_type(),
            "num_cache_clusters": g.member_clusters().len(),
            "port": primary.and_then(|p| p.port()),
            "automatic_failover": enabled(g.automatic_failover().map(|s| s.as_str())),
            "multi_az": enabled(g.multi_az().map(|s| s.as_str())),
            "at_rest_encryption": g.at_rest_encryption_enabled().unwrap_or(false),
            "kms_key_id": g.kms_key_id(),
            "transit_encryption": g.transit_encryption_enabled().unwrap_or(false),
            // `preferred` would admit plain-text clients.
            "transit_encryption_mode": g.transit_encryption_mode().map(|m| m.as_str()),
            // RBAC user groups replace the AUTH token as the way in.
            "user_group_ids": attrs::sorted(g.user_group_ids().to_vec()),
            "auto_minor_version_upgrade": g.auto_minor_version_upgrade(),
            "auth_token_enabled": g.auth_token_enabled().unwrap_or(false),
            // The secret the token came from is hcprov's record; the token
            // itself cannot be read back.
            "auth_token_secret_arn": prior.get("auth_token_secret_arn").cloned().unwrap_or(Value::Null),
            "auth_token_last_modified": token_set,
            "subnet_group_name": member.and_then(|m| m.cache_subnet_group_name()),
            "security_group_ids": attrs::as_set(sgs, prior.get("security_group_ids")),
            "snapshot_retention_limit": g.snapshot_retention_limit(),
            "snapshot_window": g.snapshot_window(),
            // The cache's logs going elsewhere; the cache copied to another region.
            "log_delivery": g.log_delivery_configurations().iter()
                .filter(|l| l.status().is_none_or(|s| s.as_str() != "disabling"))
                .map(|l| json!({"log_type": l.log_type().map(|t| t.as_str()), "destination_type": l.destination_type().map(|t| t.as_str())}))
                .collect::<Vec<_>>(),
            "global_replication_group_id": g.global_replication_group_info().and_then(|i| i.global_replication_group_id()),
        })),
        outputs: obj(json!({
            "arn": g.arn(),
            "primary_endpoint": primary.and_then(|p| p.address()),
            "reader_endpoint": reader.and_then(|p| p.address()),
            "auth_token_last_modified": token_set,
        })),
    }
}

impl ReplicationGroup {
    async fn describe(&self, ctx: &Ctx, id: &str) -> Result<Option<Group>, ResourceError> {
        let ec = &self.0.region(&ctx.region).elasticache;
        let out = not_found_to_none(
            ec.describe_replication_groups()
                .replication_group_id(id)
                .send()
                .await
                .ctx(&format!("reading ElastiCache replication group ({id})")),
        )?;
        Ok(out.and_then(|o| o.replication_groups().first().cloned()))
    }

    async fn status(&self, ctx: &Ctx, id: &str) -> Result<Option<String>, ResourceError> {
        Ok(self
            .describe(ctx, id)
            .await?
            .map(|g| g.status().unwrap_or("present").to_string()))
    }

    /// Waits until the group is `available` with no AUTH token change
    /// pending (AWS can answer `available` just after a modify, and stamps
    /// the token's time when the change is done), and returns it as that
    /// poll saw it: what is recorded comes from the same answer, so a
    /// change someone makes right after is not taken for hcprov's. With
    /// `not_set_at`, an answer still showing the token set at that time
    /// is taken as from before the change.
    async fn settled(
        &self,
        ctx: &Ctx,
        id: &str,
        not_set_at: Option<&str>,
    ) -> Result<Group, ResourceError> {
        wait_until(ctx, &AVAILABLE, || async {
            let Some(g) = self.describe(ctx, id).await? else {
                return Ok(Poll::Pending("not visible".into()));
            };
            let status = g.status().unwrap_or_default().to_string();
            if FAILED.contains(&status.as_str()) {
                return Err(stuck(&AVAILABLE, &status));
            }
            let token = g
                .pending_modified_values()
                .and_then(|p| p.auth_token_status())
                .map(|t| format!("AUTH token {}", t.as_str()));
            let stale = not_set_at.is_some() && token_set_at(&g).as_deref() == not_set_at;
            Ok(match (status.as_str(), token) {
                ("available", None) if stale => Poll::Pending("AUTH token not set yet".into()),
                ("available", None) => Poll::Ready(g),
                (_, Some(t)) => Poll::Pending(t),
                _ => Poll::Pending(status),
            })
        })
        .await
    }

    /// Makes the token in `secret` the group's only AUTH token again (one
    /// was rotated or set outside hcprov, or the state never recorded
    /// hcprov's): ROTATE to it (both are valid for a while), then SET it,
    /// which AWS allows only after a ROTATE and which drops the other one.
    /// Returns when the token was set, from the answer that shows it done.
    async fn set_token(
        &self,
        ctx: &Ctx,
        id: &str,
        secret: &str,
    ) -> Result<Option<String>, ResourceError> {
        let ec = &self.0.region(&ctx.region).elasticache;
        let token = self.token(ctx, secret).await?;
        let before = self.describe(ctx, id).await?.and_then(|g| token_set_at(&g));
        let mut done: Option<Group> = None;
        for strategy in [Strategy::Rotate, Strategy::Set] {
            let doing = format!(
                "setting the AUTH token of ElastiCache replication group ({id}) from its secret ({})",
                strategy.as_str()
            );
            retry_when(ctx, &BUSY, busy, || async {
                ec.modify_replication_group()
                    .replication_group_id(id)
                    .apply_immediately(true)
                    .auth_token(&token)
                    .auth_token_update_strategy(strategy.clone())
                    .send()
                    .await
                    .ctx(&doing)
            })
            .await?;
            // An answer from before the change (AWS reads are eventually
            // consistent) would record the time hcprov is undoing: the wait
            // ends on one that shows the token set since.
            done = Some(self.settled(ctx, id, before.as_deref()).await?);
        }
        Ok(done.and_then(|g| token_set_at(&g)))
    }

    /// The AUTH token, read from its secret into memory only.
    async fn token(&self, ctx: &Ctx, secret: &str) -> Result<String, ResourceError> {
        let out = self
            .0
            .region(&ctx.region)
            .secretsmanager
            .get_secret_value()
            .secret_id(secret)
            .send()
            .await
            .ctx("reading the Redis AUTH token from Secrets Manager")
            .map_err(|e| {
                if !e.is_not_found() {
                    return e;
                }
                // The group is there; its token's secret (or its current
                // version) is not: not "gone outside hcprov".
                ResourceError::new(
                    ErrorClass::Invalid,
                    "reading the Redis AUTH token from Secrets Manager",
                    format!("secret {secret} has no current value (AWSCURRENT): {e}. Restore its current version (or let `hcprov apply` make the secret again), then run apply again"),
                )
            })?;
        out.secret_string().map(str::to_string).ok_or_else(|| {
            ResourceError::new(
                ErrorClass::Invalid,
                "reading the Redis AUTH token from Secrets Manager",
                format!("secret {secret} holds no string value"),
            )
        })
    }
}

#[async_trait]
impl ResourceType for ReplicationGroup {
    fn kind(&self) -> &'static str {
        "elasticache_replication_group"
    }

    fn replace_on(&self) -> &'static [&'static str] {
        &[
            "replication_group_id",
            "engine",
            "port",
            "num_cache_clusters",
            "subnet_group_name",
            "at_rest_encryption",
            "kms_key_id",
            "transit_encryption",
            "auth_token_enabled",
            "auth_token_secret_arn",
        ]
    }

    async fn create(&self, ctx: &Ctx, a: &Attrs) -> Result<Created, ResourceError> {
        let ec = &self.0.region(&ctx.region).elasticache;
        let id = attrs::str(a, "replication_group_id")?;
        let token = match attrs::opt_str(a, "auth_token_secret_arn") {
            Some(secret) => Some(self.token(ctx, secret).await?),
            None => None,
        };
        ec.create_replication_group()
            .replication_group_id(id)
            .replication_group_description(attrs::str(a, "description")?)
            .engine(attrs::str(a, "engine")?)
            .cache_node_type(attrs::str(a, "node_type")?)
            .num_cache_clusters(attrs::int(a, "num_cache_clusters")? as i32)
            .port(attrs::int(a, "port")? as i32)
            .automatic_failover_enabled(attrs::bool(a, "automatic_failover")?)
            .multi_az_enabled(attrs::bool(a, "multi_az")?)
            .at_rest_encryption_enabled(attrs::bool(a, "at_rest_encryption")?)
            .set_kms_key_id(attrs::opt_str(a, "kms_key_id").map(str::to_string))
            .transit_encryption_enabled(attrs::bool(a, "transit_encryption")?)
            .set_transit_encryption_mode(
                attrs::opt_str(a, "transit_encryption_mode").map(TransitEncryptionMode::from),
            )
            .auto_minor_version_upgrade(attrs::bool(a, "auto_minor_version_upgrade")?)
            .set_auth_token(token)
            .cache_subnet_group_name(attrs::str(a, "subnet_group_name")?)
            .set_security_group_ids(Some(attrs::strs(a, "security_group_ids")))
            .snapshot_retention_limit(attrs::int(a, "snapshot_retention_limit")? as i32)
            .snapshot_window(attrs::str(a, "snapshot_window")?)
            .set_tags(Some(cache_tags(crate::aws::tags::desired(a))))
            .send()
            .await
            .ctx(&format!("creating ElastiCache replication group ({id})"))?;
        let g = self.settled(ctx, id, None).await?;
        let outputs = observed(&g, None, a).outputs;
        Ok(Created {
            id: id.to_string(),
            outputs,
        })
    }

    async fn find(&self, ctx: &Ctx, a: &Attrs) -> Result<Vec<String>, ResourceError> {
        // A group still being created has no endpoints and no port yet:
        // it is read once available.
        let id = attrs::str(a, "replication_group_id")?;
        settle(ctx, &AVAILABLE, "available", FAILED, || {
            self.status(ctx, id)
        })
        .await?;
        find::by_id(self, ctx, id, a).await
    }

    fn batches_reads(&self) -> bool {
        true
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        a: &Attrs,
    ) -> Result<Option<Observed>, ResourceError> {
        let Some(g) = self.describe(ctx, id).await? else {
            return Ok(None);
        };
        if g.status() == Some("deleting") {
            return Ok(None);
        }
        let ec = &self.0.region(&ctx.region).elasticache;
        let member = match g.member_clusters().first() {
            Some(m) => not_found_to_none(
                ec.describe_cache_clusters()
                    .cache_cluster_id(m)
                    .send()
                    .await
                    .ctx(&format!("reading ElastiCache cluster ({m})")),
            )?
            .and_then(|o| o.cache_clusters().first().cloned()),
            None => None,
        };
        let mut o = observed(&g, member.as_ref(), a);
        let tags = read_tags(
            ec,
            g.arn().unwrap_or_default(),
            &format!("ElastiCache replication group ({id})"),
        )
        .await?;
        o.attrs.insert("tags".into(), tags);
        Ok(Some(o))
    }

    /// One DescribeReplicationGroups and one DescribeCacheClusters for all
    /// groups of the region (pages aside), then tags per group.
    async fn read_many(
        &self,
        ctx: &Ctx,
        items: &[(String, Attrs)],
    ) -> Vec<Result<Option<Observed>, ResourceError>> {
        if items.len() < 2 {
            let mut out = vec![];
            for (id, a) in items {
                out.push(self.read(ctx, id, a).await);
            }
            return out;
        }
        let ec = &self.0.region(&ctx.region).elasticache;
        let all = async {
            let mut groups: HashMap<String, Group> = HashMap::new();
            let mut pages = ec.describe_replication_groups().into_paginator().send();
            while let Some(p) = pages.next().await {
                for g in p
                    .ctx("reading ElastiCache replication groups")?
                    .replication_groups()
                {
                    groups.insert(
                        g.replication_group_id().unwrap_or_default().to_string(),
                        g.clone(),
                    );
                }
            }
            let mut clusters: HashMap<String, CacheCluster> = HashMap::new();
            let mut pages = ec.describe_cache_clusters().into_paginator().send();
            while let Some(p) = pages.next().await {
                for c in p.ctx("reading ElastiCache clusters")?.cache_clusters() {
                    clusters.insert(
                        c.cache_cluster_id().unwrap_or_default().to_string(),
                        c.clone(),
                    );
                }
            }
            Ok::<_, ResourceError>((groups, clusters))
        }
        .await;
        let (groups, clusters) = match all {
            Ok(v) => v,
            Err(e) => return items.iter().map(|_| Err(e.clone())).collect(),
        };
        let mut out = vec![];
        for (id, a) in items {
            let Some(g) = groups.get(id).filter(|g| g.status() != Some("deleting")) else {
                out.push(Ok(None));
                continue;
            };
            let member = g.member_clusters().first().and_then(|m| clusters.get(m));
            let mut o = observed(g, member, a);
            match read_tags(
                ec,
                g.arn().unwrap_or_default(),
                &format!("ElastiCache replication group ({id})"),
            )
            .await
            {
                Ok(t) => {
                    o.attrs.insert("tags".into(), t);
                    out.push(Ok(Some(o)));
                }
                Err(e) => out.push(Err(e)),
            }
        }
        out
    }

    async fn update(
        &self,
        ctx: &Ctx,
        id: &str,
        from: &Attrs,
        to: &Attrs,
    ) -> Result<Attrs, ResourceError> {
        let ec = &self.0.region(&ctx.region).elasticache;
        let changed = |k: &str| from.get(k) != to.get(k);
        leave_global(ec, &ctx.region, id, from, to).await?;
        let settings = [
            "log_delivery",
            "description",
            "node_type",
            "automatic_failover",
            "multi_az",
            "security_group_ids",
            "snapshot_retention_limit",
            "snapshot_window",
            "transit_encryption_mode",
            "user_group_ids",
            "auto_minor_version_upgrade",
        ];
        if settings.iter().any(|k| changed(k)) {
            let mut req = ec
                .modify_replication_group()
                .replication_group_id(id)
                .apply_immediately(true);
            if changed("description") {
                req = req.replication_group_description(attrs::str(to, "description")?);
            }
            if to.contains_key("log_delivery") && changed("log_delivery") {
                req = req.set_log_delivery_configurations(Some(log_delivery_off(from, to)));
            }
            if changed("node_type") {
                req = req.cache_node_type(attrs::str(to, "node_type")?);
            }
            if changed("automatic_failover") {
                req = req.automatic_failover_enabled(attrs::bool(to, "automatic_failover")?);
            }
            if changed("multi_az") {
                req = req.multi_az_enabled(attrs::bool(to, "multi_az")?);
            }
            if changed("security_group_ids") {
                req = req.set_security_group_ids(Some(attrs::strs(to, "security_group_ids")));
            }
            if changed("snapshot_retention_limit") {
                req = req
                    .snapshot_retention_limit(attrs::int(to, "snapshot_retention_limit")? as i32);
            }
            if changed("snapshot_window") {
                req = req.snapshot_window(attrs::str(to, "snapshot_window")?);
            }
            if changed("transit_encryption_mode") {
                req = req
                    .transit_encryption_enabled(true)
                    .set_transit_encryption_mode(
                        attrs::opt_str(to, "transit_encryption_mode")
                            .map(TransitEncryptionMode::from),
                    );
            }
            if changed("user_group_ids") {
                let (old, new) = (
                    attrs::strs(from, "user_group_ids"),
                    attrs::strs(to, "user_group_ids"),
                );
                let add: Vec<String> = new.iter().filter(|g| !old.contains(g)).cloned().collect();
                let remove: Vec<String> =
                    old.iter().filter(|g| !new.contains(g)).cloned().collect();
                if !add.is_empty() {
                    req = req.set_user_group_ids_to_add(Some(add));
                }
                if !remove.is_empty() {
                    req = req.set_user_group_ids_to_remove(Some(remove));
                }
            }
            if changed("auto_minor_version_upgrade") {
                req =
                    req.auto_minor_version_upgrade(attrs::bool(to, "auto_minor_version_upgrade")?);
            }
            retry_when(ctx, &BUSY, busy, || async {
                req.clone()
                    .send()
                    .await
                    .ctx(&format!("updating ElastiCache replication group ({id})"))
            })
            .await?;
            self.settled(ctx, id, None).await?;
        }
        // The token is set again only when the plan asked (what was
        // recorded differs from what is live, or nothing was recorded).
        let token = "auth_token_last_modified";
        let mut token_set = None;
        if to.contains_key(token) && changed(token) {
            if let Some(secret) = attrs::opt_str(to, "auth_token_secret_arn") {
                token_set = Some(self.set_token(ctx, id, secret).await?);
            }
        }
        let live = self.read(ctx, id, to).await?.unwrap_or_default();
        let arn = live
            .outputs
            .get("arn")
            .and_then(Value::as_str)
            .unwrap_or_default();
        sync_tags(
            ec,
            arn,
            from,
            to,
            &format!("ElastiCache replication group ({id})"),
        )
        .await?;
        // Only a token hcprov set is recorded as set: one someone else set
        // while this update ran stays drift.
        let mut outputs = live.outputs;
        match token_set {
            Some(when) => outputs.insert(token.into(), json!(when)),
            None => outputs.remove(token),
        };
        Ok(outputs)
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _: &Attrs) -> Result<(), ResourceError> {
        let ec = &self.0.region(&ctx.region).elasticache;
        ignore_not_found(
            retry_when(ctx, &BUSY, busy, || async {
                ec.delete_replication_group()
                    .replication_group_id(id)
                    .retain_primary_cluster(false)
                    .send()
                    .await
                    .map(|_| ())
                    .ctx(&format!("deleting ElastiCache replication group ({id})"))
            })
            .await,
        )?;
        wait_status(ctx, &GONE, None, FAILED, || self.status(ctx, id)).await
    }
}

/// Turns off each log delivery `from` (live) has and `to` does not.
fn log_delivery_off(
    from: &Attrs,
    to: &Attrs,
) -> Vec<aws_sdk_elasticache::types::LogDeliveryConfigurationRequest> {
    let want = to.get("log_delivery").cloned().unwrap_or(json!([]));
    from.get("log_delivery")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|l| !want.as_array().is_some_and(|w| w.contains(l)))
        .filter_map(|l| l["log_type"].as_str())
        .map(|t| {
            aws_sdk_elasticache::types::LogDeliveryConfigurationRequest::builder()
                .log_type(aws_sdk_elasticache::types::LogType::from(t))
                .enabled(false)
                .build()
        })
        .collect()
}

/// Takes the group out of a Global Datastore joined outside hcprov.
async fn leave_global(
    ec: &aws_sdk_elasticache::Client,
    region: &str,
    id: &str,
    from: &Attrs,
    to: &Attrs,
) -> Result<(), ResourceError> {
    let k = "global_replication_group_id";
    let (Some(global), true) = (
        attrs::opt_str(from, k),
        to.get(k).is_some_and(Value::is_null),
    ) else {
        return Ok(());
    };
    ec.disassociate_global_replication_group()
        .global_replication_group_id(global)
        .replication_group_id(id)
        .replication_group_region(region)
        .send()
        .await
        .ctx(&format!(
            "taking ElastiCache replication group ({id}) out of the Global Datastore {global}"
        ))?;
    Ok(())
}
