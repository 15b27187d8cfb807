//! Aurora cluster instance (`db.serverless` in a Serverless v2 cluster).
//! Identity, cluster, engine and zone force replacement; class, public
//! access, minor-version upgrades, promotion tier and tags update in place.
//! Delete first checks the cluster's deletion protection, so a destroy
//! that would stop at the cluster stops before losing its instances. Its
//! id is the instance identifier.

use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_rds::types::DbInstance;
use serde_json::{json, Value};

use super::{
    busy, filter, filtered, live_tags, protected, rds_tags, sync_tags, AVAILABLE, BUSY, GONE,
};
use crate::aws::all_pages;
use crate::aws::attrs::{self, obj};
use crate::aws::error::{ignore_not_found, SdkResultExt};
use crate::aws::find;
use crate::aws::Aws;
use crate::engine::resource::{Created, Ctx, Observed, ResourceError, ResourceType};
use crate::engine::retry::{retry_when, settle, wait_status};
use crate::engine::value::Attrs;

/// `rds_cluster_instance`.
pub struct ClusterInstance(pub Arc<Aws>);

fn observed(i: &DbInstance) -> (String, Observed) {
    let id = i.db_instance_identifier().unwrap_or_default().to_string();
    let attrs = json!({
        "identifier": id,
        "cluster_identifier": i.db_cluster_identifier(),
        "engine": i.engine(),
        "instance_class": i.db_instance_class(),
        "availability_zone": i.availability_zone(),
        "publicly_accessible": i.publicly_accessible().unwrap_or(false),
        "auto_minor_version_upgrade": i.auto_minor_version_upgrade().unwrap_or(false),
        "promotion_tier": i.promotion_tier(),
        // An instance group can override the cluster's (logging among
        // them); Performance Insights keeps SQL text.
        "db_parameter_group_name": super::cluster_extras::group(
            i.db_parameter_groups().first().and_then(|g| g.db_parameter_group_name()),
        ),
        "performance_insights_enabled": i.performance_insights_enabled().unwrap_or(false),
        "tags": live_tags(i.tag_list()),
    });
    let outputs = json!({
        "arn": i.db_instance_arn(),
        "endpoint": i.endpoint().and_then(|e| e.address()),
    });
    (
        id,
        Observed {
            attrs: obj(attrs),
            outputs: obj(outputs),
        },
    )
}

impl ClusterInstance {
    async fn describe(
        &self,
        ctx: &Ctx,
        ids: Vec<String>,
    ) -> Result<Vec<DbInstance>, ResourceError> {
        let rds = &self.0.region(&ctx.region).rds;
        Ok(all_pages!(
            rds.describe_db_instances()
                .filters(filter("db-instance-id", ids)),
            db_instances,
            "reading RDS instances"
        ))
    }

    async fn status(&self, ctx: &Ctx, id: &str) -> Result<Option<String>, ResourceError> {
        Ok(self
            .describe(ctx, vec![id.to_string()])
            .await?
            .first()
            .map(|i| i.db_instance_status().unwrap_or("unknown").to_string()))
    }

    async fn wait_available(&self, ctx: &Ctx, id: &str) -> Result<(), ResourceError> {
        wait_status(ctx, &AVAILABLE, Some("available"), super::FAILED, || {
            self.status(ctx, id)
        })
        .await
    }
}

#[async_trait]
impl ResourceType for ClusterInstance {
    fn kind(&self) -> &'static str {
        "rds_cluster_instance"
    }

    fn replace_on(&self) -> &'static [&'static str] {
        &[
            "identifier",
            "cluster_identifier",
            "engine",
            "availability_zone",
        ]
    }

    async fn create(&self, ctx: &Ctx, a: &Attrs) -> Result<Created, ResourceError> {
        let rds = &self.0.region(&ctx.region).rds;
        let id = attrs::str(a, "identifier")?;
        retry_when(ctx, &BUSY, busy, || async {
            rds.create_db_instance()
                .db_instance_identifier(id)
                .db_cluster_identifier(attrs::str(a, "cluster_identifier")?)
                .engine(attrs::str(a, "engine")?)
                .db_instance_class(attrs::str(a, "instance_class")?)
                .availability_zone(attrs::str(a, "availability_zone")?)
                .publicly_accessible(attrs::bool(a, "publicly_accessible")?)
                .auto_minor_version_upgrade(attrs::bool(a, "auto_minor_version_upgrade")?)
                .promotion_tier(attrs::int(a, "promotion_tier")? as i32)
                .set_tags(Some(rds_tags(crate::aws::tags::desired(a))))
                .send()
                .await
                .ctx(&format!("creating RDS instance ({id})"))
        })
        .await?;
        self.wait_available(ctx, id).await?;
        let outputs = self
            .read(ctx, id, a)
            .await?
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
        let id = attrs::str(a, "identifier")?;
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
        filtered(items, |ids| async {
            Ok(self
                .describe(ctx, ids)
                .await?
                .iter()
                .filter(|i| i.db_instance_status() != Some("deleting"))
                .map(observed)
                .collect())
        })
        .await
    }

    async fn update(
        &self,
        ctx: &Ctx,
        id: &str,
        from: &Attrs,
        to: &Attrs,
    ) -> Result<Attrs, ResourceError> {
        let rds = &self.0.region(&ctx.region).rds;
        let changed = |k: &str| from.get(k) != to.get(k);
        let settings = [
            "instance_class",
            "publicly_accessible",
            "auto_minor_version_upgrade",
            "promotion_tier",
            "db_parameter_group_name",
            "performance_insights_enabled",
        ];
        if settings.iter().any(|k| changed(k)) {
            let differs = |k: &str| to.contains_key(k) && changed(k);
            let group = if differs("db_parameter_group_name") {
                self.default_group(ctx, id).await?
            } else {
                None
            };
            let pi = differs("performance_insights_enabled")
                .then(|| {
                    to.get("performance_insights_enabled")
                        .and_then(Value::as_bool)
                })
                .flatten();
            let req = rds
                .modify_db_instance()
                .db_instance_identifier(id)
                .apply_immediately(true)
                .db_instance_class(attrs::str(to, "instance_class")?)
                .publicly_accessible(attrs::bool(to, "publicly_accessible")?)
                .auto_minor_version_upgrade(attrs::bool(to, "auto_minor_version_upgrade")?)
                .promotion_tier(attrs::int(to, "promotion_tier")? as i32)
                .set_db_parameter_group_name(group)
                .set_enable_performance_insights(pi);
            retry_when(ctx, &BUSY, busy, || async {
                req.clone()
                    .send()
                    .await
                    .ctx(&format!("updating RDS instance ({id})"))
            })
            .await?;
            self.wait_available(ctx, id).await?;
        }
        let live = self.read(ctx, id, to).await?.unwrap_or_default();
        if crate::aws::tags::changed(from, to) {
            let arn = live
                .outputs
                .get("arn")
                .and_then(Value::as_str)
                .unwrap_or_default();
            sync_tags(rds, arn, from, to, &format!("RDS instance ({id})")).await?;
        }
        Ok(live.outputs)
    }

    async fn delete(&self, ctx: &Ctx, id: &str, a: &Attrs) -> Result<(), ResourceError> {
        let rds = &self.0.region(&ctx.region).rds;
        if let Some(cluster) = attrs::opt_str(a, "cluster_identifier") {
            let out = rds
                .describe_db_clusters()
                .filters(filter("db-cluster-id", vec![cluster.to_string()]))
                .send()
                .await
                .ctx(&format!("reading RDS cluster ({cluster})"))?;
            if out
                .db_clusters()
                .iter()
                .any(|c| c.deletion_protection() == Some(true))
            {
                return Err(protected(cluster));
            }
        }
        ignore_not_found(
            retry_when(ctx, &BUSY, busy, || async {
                rds.delete_db_instance()
                    .db_instance_identifier(id)
                    .send()
                    .await
                    .map(|_| ())
                    .ctx(&format!("deleting RDS instance ({id})"))
            })
            .await,
        )?;
        wait_status(ctx, &GONE, None, super::FAILED, || self.status(ctx, id)).await
    }
}

impl ClusterInstance {
    /// The name of the engine's default parameter group for instance `id`.
    async fn default_group(&self, ctx: &Ctx, id: &str) -> Result<Option<String>, ResourceError> {
        let out = self
            .0
            .region(&ctx.region)
            .rds
            .describe_db_instances()
            .db_instance_identifier(id)
            .send()
            .await
            .ctx(&format!("reading RDS instance ({id})"))?;
        Ok(out.db_instances().first().map(|i| {
            super::cluster_extras::default_group(
                i.engine().unwrap_or_default(),
                i.engine_version().unwrap_or_default(),
            )
        }))
    }
}
