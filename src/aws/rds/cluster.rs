//! Aurora DB cluster (Serverless v2). Identity, engine, database and user
//! names, subnet group and the storage key force replacement; security
//! groups, backups, windows, log exports, the capacity range, the master
//! secret's key, deletion protection and tags update in place. RDS keeps
//! the master password in Secrets Manager (`ManageMasterUserPassword`):
//! hcprov never sees it. The cluster's zone list is not managed (RDS adds
//! zones itself). Delete refuses while deletion protection is on, and takes
//! a final snapshot unless `final_snapshot` is off. Its id is the cluster
//! identifier.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_rds::types::{
    CloudwatchLogsExportConfiguration, DbCluster, ServerlessV2ScalingConfiguration,
};
use serde_json::{json, Value};

use super::{
    busy, filter, filtered, live_tags, protected, rds_tags, sync_tags, AVAILABLE, BUSY, GONE,
};
use crate::aws::all_pages;
use crate::aws::attrs::{self, obj};
use crate::aws::error::{ignore_not_found, not_found_to_none, SdkResultExt};
use crate::aws::find;
use crate::aws::Aws;
use crate::engine::resource::{Created, Ctx, Observed, ResourceError, ResourceType};
use crate::engine::retry::{retry_when, settle, wait_status, Waiter};
use crate::engine::value::Attrs;

/// `rds_cluster`.
pub struct Cluster(pub Arc<Aws>);

/// Waiting for the snapshot a replacement takes first.
const SNAPSHOT: Waiter = Waiter {
    name: "RDS cluster snapshot to become available",
    timeout: Duration::from_secs(7200),
    interval: Duration::from_secs(15),
};

fn scaling(a: &Attrs) -> Option<ServerlessV2ScalingConfiguration> {
    let s = a.get("serverless_v2")?;
    Some(
        ServerlessV2ScalingConfiguration::builder()
            .set_min_capacity(s.get("min_capacity").and_then(Value::as_f64))
            .set_max_capacity(s.get("max_capacity").and_then(Value::as_f64))
            .build(),
    )
}

fn observed(c: &DbCluster, prior: Option<&Attrs>) -> (String, Observed) {
    let id = c.db_cluster_identifier().unwrap_or_default().to_string();
    let s = c.serverless_v2_scaling_configuration();
    let sgs: Vec<String> = c
        .vpc_security_groups()
        .iter()
        .filter_map(|g| g.vpc_security_group_id().map(str::to_string))
        .collect();
    let secret = c.master_user_secret();
    let echo = |k: &str| prior.and_then(|p| p.get(k)).cloned().unwrap_or(Value::Null);
    let mut attrs = super::cluster_extras::observe(c);
    attrs.as_object_mut().expect("an object").extend(obj(json!({
        "cluster_identifier": id,
        "engine": c.engine(),
        "database_name": c.database_name(),
        "master_username": c.master_username(),
        "db_subnet_group_name": c.db_subnet_group(),
        "vpc_security_group_ids": attrs::as_set(sgs, prior.and_then(|p| p.get("vpc_security_group_ids"))),
        "storage_encrypted": c.storage_encrypted().unwrap_or(false),
        "kms_key_id": c.kms_key_id(),
        "iam_database_authentication": c.iam_database_authentication_enabled().unwrap_or(false),
        "http_endpoint_enabled": c.http_endpoint_enabled().unwrap_or(false),
        "backup_retention_period": c.backup_retention_period(),
        "preferred_backup_window": c.preferred_backup_window(),
        "preferred_maintenance_window": c.preferred_maintenance_window(),
        "enabled_cloudwatch_logs_exports": attrs::sorted(c.enabled_cloudwatch_logs_exports().to_vec()),
        "serverless_v2": s.map(|s| json!({"min_capacity": s.min_capacity(), "max_capacity": s.max_capacity()})),
        "manage_master_user_password": secret.is_some(),
        "master_user_secret_kms_key_id": secret.and_then(|s| s.kms_key_id()),
        "deletion_protection": c.deletion_protection().unwrap_or(false),
        "copy_tags_to_snapshot": c.copy_tags_to_snapshot().unwrap_or(false),
        // What destroy does is hcprov's setting, not the cluster's.
        "final_snapshot": echo("final_snapshot"),
        "tags": live_tags(c.tag_list()),
    })));
    let outputs = json!({
        "arn": c.db_cluster_arn(),
        "endpoint": c.endpoint(),
        "reader_endpoint": c.reader_endpoint(),
        "port": c.port(),
        "master_user_secret_arn": secret.and_then(|s| s.secret_arn()),
        "resource_id": c.db_cluster_resource_id(),
    });
    (
        id,
        Observed {
            attrs: obj(attrs),
            outputs: obj(outputs),
        },
    )
}

impl Cluster {
    /// The clusters `items` name as DescribeDBClusters shows them: what
    /// create and update read back for outputs, with no snapshot reads.
    async fn observe_many(
        &self,
        ctx: &Ctx,
        items: &[(String, Attrs)],
    ) -> Vec<Result<Option<Observed>, ResourceError>> {
        let prior: HashMap<&str, &Attrs> = items.iter().map(|(i, a)| (i.as_str(), a)).collect();
        filtered(items, |ids| async {
            Ok(self
                .describe(ctx, ids)
                .await?
                .iter()
                .filter(|c| c.status() != Some("deleting"))
                .map(|c| {
                    observed(
                        c,
                        c.db_cluster_identifier()
                            .and_then(|i| prior.get(i).copied()),
                    )
                })
                .collect())
        })
        .await
    }

    async fn describe(&self, ctx: &Ctx, ids: Vec<String>) -> Result<Vec<DbCluster>, ResourceError> {
        let rds = &self.0.region(&ctx.region).rds;
        Ok(all_pages!(
            rds.describe_db_clusters()
                .filters(filter("db-cluster-id", ids)),
            db_clusters,
            "reading RDS clusters"
        ))
    }

    async fn status(&self, ctx: &Ctx, id: &str) -> Result<Option<String>, ResourceError> {
        Ok(self
            .describe(ctx, vec![id.to_string()])
            .await?
            .first()
            .map(|c| c.status().unwrap_or("unknown").to_string()))
    }

    async fn wait_available(&self, ctx: &Ctx, id: &str) -> Result<(), ResourceError> {
        wait_status(ctx, &AVAILABLE, Some("available"), super::FAILED, || {
            self.status(ctx, id)
        })
        .await
    }
}

#[async_trait]
impl ResourceType for Cluster {
    fn kind(&self) -> &'static str {
        "rds_cluster"
    }

    fn replace_on(&self) -> &'static [&'static str] {
        &[
            "cluster_identifier",
            "engine",
            "database_name",
            "master_username",
            "db_subnet_group_name",
            "storage_encrypted",
            "kms_key_id",
            // RDS cannot change the key of a secret it already manages.
            "master_user_secret_kms_key_id",
        ]
    }

    async fn create(&self, ctx: &Ctx, a: &Attrs) -> Result<Created, ResourceError> {
        let rds = &self.0.region(&ctx.region).rds;
        let id = attrs::str(a, "cluster_identifier")?;
        rds.create_db_cluster()
            .db_cluster_identifier(id)
            .engine(attrs::str(a, "engine")?)
            .database_name(attrs::str(a, "database_name")?)
            .master_username(attrs::str(a, "master_username")?)
            .manage_master_user_password(attrs::bool(a, "manage_master_user_password")?)
            .set_master_user_secret_kms_key_id(
                attrs::opt_str(a, "master_user_secret_kms_key_id").map(str::to_string),
            )
            .db_subnet_group_name(attrs::str(a, "db_subnet_group_name")?)
            .set_vpc_security_group_ids(Some(attrs::strs(a, "vpc_security_group_ids")))
            .storage_encrypted(attrs::bool(a, "storage_encrypted")?)
            .set_kms_key_id(attrs::opt_str(a, "kms_key_id").map(str::to_string))
            .enable_iam_database_authentication(attrs::bool(a, "iam_database_authentication")?)
            .enable_http_endpoint(attrs::bool(a, "http_endpoint_enabled")?)
            .backup_retention_period(attrs::int(a, "backup_retention_period")? as i32)
            .preferred_backup_window(attrs::str(a, "preferred_backup_window")?)
            .preferred_maintenance_window(attrs::str(a, "preferred_maintenance_window")?)
            .set_enable_cloudwatch_logs_exports(Some(attrs::strs(
                a,
                "enabled_cloudwatch_logs_exports",
            )))
            .set_serverless_v2_scaling_configuration(scaling(a))
            .deletion_protection(attrs::bool(a, "deletion_protection")?)
            .copy_tags_to_snapshot(attrs::bool(a, "copy_tags_to_snapshot")?)
            .set_tags(Some(rds_tags(crate::aws::tags::desired(a))))
            .send()
            .await
            .ctx(&format!("creating RDS cluster ({id})"))?;
        self.wait_available(ctx, id).await?;
        let outputs =
            crate::aws::single(self.observe_many(ctx, &[(id.to_string(), a.clone())]).await)?
                .map(|o| o.outputs)
                .unwrap_or_default();
        Ok(Created {
            id: id.to_string(),
            outputs,
        })
    }

    async fn find(&self, ctx: &Ctx, a: &Attrs) -> Result<Vec<String>, ResourceError> {
        // What an interrupted create left is read once it is available:
        // until then RDS reports no endpoint.
        let id = attrs::str(a, "cluster_identifier")?;
        settle(ctx, &AVAILABLE, "available", super::FAILED, || {
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
        crate::aws::single(self.read_many(ctx, &[(id.to_string(), a.clone())]).await)
    }

    async fn read_many(
        &self,
        ctx: &Ctx,
        items: &[(String, Attrs)],
    ) -> Vec<Result<Option<Observed>, ResourceError>> {
        let mut out = self.observe_many(ctx, items).await;
        // Who else may restore the cluster's manual snapshots: one list
        // per cluster, one read per manual snapshot.
        let rds = &self.0.region(&ctx.region).rds;
        for ((id, _), r) in items.iter().zip(out.iter_mut()) {
            if let Ok(Some(o)) = r {
                match super::snapshots::shared(rds, id).await {
                    Ok(v) => {
                        o.attrs.insert("shared_snapshots".into(), json!(v));
                    }
                    Err(e) => *r = Err(e),
                }
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
        let rds = &self.0.region(&ctx.region).rds;
        super::snapshots::unshare_extras(rds, from, to).await?;
        // Each step lets the cluster settle before the next call.
        if super::cluster_extras::restore_links(ctx, rds, id, from, to).await? {
            self.wait_available(ctx, id).await?;
        }
        if super::cluster_extras::restore_settings(ctx, rds, id, from, to).await? {
            self.wait_available(ctx, id).await?;
        }
        let changed = |k: &str| from.get(k) != to.get(k);
        let settings = [
            "vpc_security_group_ids",
            "backup_retention_period",
            "preferred_backup_window",
            "preferred_maintenance_window",
            "enabled_cloudwatch_logs_exports",
            "serverless_v2",
            "manage_master_user_password",
            "deletion_protection",
            "copy_tags_to_snapshot",
            "iam_database_authentication",
            "http_endpoint_enabled",
        ];
        if settings.iter().any(|k| changed(k)) {
            let mut req = rds
                .modify_db_cluster()
                .db_cluster_identifier(id)
                .apply_immediately(true);
            if changed("vpc_security_group_ids") {
                req =
                    req.set_vpc_security_group_ids(Some(attrs::strs(to, "vpc_security_group_ids")));
            }
            if changed("backup_retention_period") {
                req =
                    req.backup_retention_period(attrs::int(to, "backup_retention_period")? as i32);
            }
            if changed("preferred_backup_window") {
                req = req.preferred_backup_window(attrs::str(to, "preferred_backup_window")?);
            }
            if changed("preferred_maintenance_window") {
                req = req
                    .preferred_maintenance_window(attrs::str(to, "preferred_maintenance_window")?);
            }
            if changed("enabled_cloudwatch_logs_exports") {
                let old: BTreeSet<String> = attrs::strs(from, "enabled_cloudwatch_logs_exports")
                    .into_iter()
                    .collect();
                let new: BTreeSet<String> = attrs::strs(to, "enabled_cloudwatch_logs_exports")
                    .into_iter()
                    .collect();
                req = req.cloudwatch_logs_export_configuration(
                    CloudwatchLogsExportConfiguration::builder()
                        .set_enable_log_types(Some(new.difference(&old).cloned().collect()))
                        .set_disable_log_types(Some(old.difference(&new).cloned().collect()))
                        .build(),
                );
            }
            if changed("serverless_v2") {
                req = req.set_serverless_v2_scaling_configuration(scaling(to));
            }
            if changed("manage_master_user_password") {
                req = req
                    .manage_master_user_password(attrs::bool(to, "manage_master_user_password")?)
                    .set_master_user_secret_kms_key_id(
                        attrs::opt_str(to, "master_user_secret_kms_key_id").map(str::to_string),
                    );
            }
            if changed("deletion_protection") {
                req = req.deletion_protection(attrs::bool(to, "deletion_protection")?);
            }
            if changed("iam_database_authentication") {
                req = req.enable_iam_database_authentication(attrs::bool(
                    to,
                    "iam_database_authentication",
                )?);
            }
            if changed("http_endpoint_enabled") {
                req = req.enable_http_endpoint(attrs::bool(to, "http_endpoint_enabled")?);
            }
            if changed("copy_tags_to_snapshot") {
                req = req.copy_tags_to_snapshot(attrs::bool(to, "copy_tags_to_snapshot")?);
            }
            retry_when(ctx, &BUSY, busy, || async {
                req.clone()
                    .send()
                    .await
                    .ctx(&format!("updating RDS cluster ({id})"))
            })
            .await?;
            self.wait_available(ctx, id).await?;
        }
        let live = crate::aws::single(
            self.observe_many(ctx, &[(id.to_string(), to.clone())])
                .await,
        )?
        .unwrap_or_default();
        if crate::aws::tags::changed(from, to) {
            let arn = live
                .outputs
                .get("arn")
                .and_then(Value::as_str)
                .unwrap_or_default();
            sync_tags(rds, arn, from, to, &format!("RDS cluster ({id})")).await?;
        }
        Ok(live.outputs)
    }

    /// A replaced cluster is snapshotted first: a manual snapshot, kept
    /// until someone deletes it (and the key that encrypts it with it).
    async fn preserve(
        &self,
        ctx: &Ctx,
        id: &str,
        _: &Attrs,
    ) -> Result<Option<String>, ResourceError> {
        let rds = &self.0.region(&ctx.region).rds;
        let name = format!(
            "{id}-before-replace-{}",
            chrono::Utc::now().format("%Y%m%d%H%M%S")
        );
        let what = format!("snapshotting RDS cluster ({id}) before replacing it");
        let taken = retry_when(ctx, &BUSY, busy, || async {
            let r = rds
                .create_db_cluster_snapshot()
                .db_cluster_identifier(id)
                .db_cluster_snapshot_identifier(&name)
                .send()
                .await
                .map(|_| ())
                .ctx(&what);
            match r {
                // A retried request whose first answer was lost.
                Err(e) if e.code.as_deref() == Some("DBClusterSnapshotAlreadyExistsFault") => {
                    Ok(())
                }
                other => other,
            }
        })
        .await;
        // The cluster is already gone: an interrupted run deleted it.
        if not_found_to_none(taken)?.is_none() {
            return Ok(None);
        }
        wait_status(ctx, &SNAPSHOT, Some("available"), super::FAILED, || async {
            Ok(rds
                .describe_db_cluster_snapshots()
                .db_cluster_snapshot_identifier(&name)
                .send()
                .await
                .ctx(&what)?
                .db_cluster_snapshots()
                .first()
                .map(|s| s.status().unwrap_or("unknown").to_string()))
        })
        .await?;
        Ok(Some(name))
    }

    async fn delete(&self, ctx: &Ctx, id: &str, a: &Attrs) -> Result<(), ResourceError> {
        let rds = &self.0.region(&ctx.region).rds;
        let Some(c) = self
            .describe(ctx, vec![id.to_string()])
            .await?
            .into_iter()
            .next()
        else {
            return Ok(());
        };
        if c.deletion_protection() == Some(true) {
            return Err(protected(id));
        }
        let snapshot = a
            .get("final_snapshot")
            .and_then(Value::as_bool)
            .unwrap_or(true);
        let name = format!("{id}-final-{}", chrono::Utc::now().format("%Y%m%d%H%M%S"));
        ignore_not_found(
            retry_when(ctx, &BUSY, busy, || async {
                rds.delete_db_cluster()
                    .db_cluster_identifier(id)
                    .skip_final_snapshot(!snapshot)
                    .set_final_db_snapshot_identifier(snapshot.then(|| name.clone()))
                    .send()
                    .await
                    .map(|_| ())
                    .ctx(&format!("deleting RDS cluster ({id})"))
            })
            .await,
        )?;
        wait_status(ctx, &GONE, None, super::FAILED, || self.status(ctx, id)).await
    }
}
