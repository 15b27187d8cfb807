//! DynamoDB table: name, key schema and stream force replacement; billing
//! mode, point-in-time recovery, KMS encryption, replicas in other regions
//! (a global table, version 2019.11.21: each replica with its region's key
//! and point-in-time recovery) and tags update in place. Create waits for
//! ACTIVE (and each replica's), delete removes the replicas first and waits
//! for the table to be gone.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, CreateReplicationGroupMemberAction,
    DeleteReplicationGroupMemberAction, KeySchemaElement, KeyType,
    PointInTimeRecoverySpecification, ReplicationGroupUpdate, ScalarAttributeType,
    SseSpecification, SseType, StreamSpecification, StreamViewType, TableStatus, Tag,
};
use serde_json::{json, Value};

use crate::aws::attrs::{self, obj};
use crate::aws::error::{ignore_not_found, not_found_to_none, SdkResultExt};
use crate::aws::find;
use crate::aws::tags;
use crate::aws::transient;
use crate::aws::Aws;
use crate::engine::resource::{Created, Ctx, ErrorClass, Observed, ResourceError, ResourceType};
use crate::engine::retry::{wait_until, Poll, Waiter};
use crate::engine::value::Attrs;

/// Waiting for a table to become ACTIVE (after create or update).
pub const ACTIVE: Waiter = Waiter {
    name: "DynamoDB table to become ACTIVE",
    timeout: Duration::from_secs(600),
    interval: Duration::from_secs(2),
};

/// Waiting for a replica to be added or removed: DynamoDB copies the table
/// to the new region first, which takes a while for a large one.
pub const REPLICA_ACTIVE: Waiter = Waiter {
    name: "DynamoDB global table replica to become ACTIVE",
    timeout: Duration::from_secs(7200),
    interval: Duration::from_secs(10),
};

/// Waiting for a deleted table to disappear.
pub const GONE: Waiter = Waiter {
    name: "DynamoDB table to be deleted",
    timeout: Duration::from_secs(600),
    interval: Duration::from_secs(2),
};

/// `dynamodb_table`.
pub struct Table(pub Arc<Aws>);

fn invalid(e: impl std::fmt::Display) -> ResourceError {
    ResourceError::new(
        ErrorClass::Invalid,
        "building DynamoDB request",
        e.to_string(),
    )
}

fn ddb_tags(pairs: impl IntoIterator<Item = (String, String)>) -> Result<Vec<Tag>, ResourceError> {
    pairs
        .into_iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build().map_err(invalid))
        .collect()
}

fn sse(a: &Attrs) -> SseSpecification {
    let key = attrs::opt_str(a, "kms_key_arn");
    SseSpecification::builder()
        .enabled(true)
        .sse_type(SseType::Kms)
        .set_kms_master_key_id(key.map(str::to_string))
        .build()
}

async fn describe(
    ddb: &aws_sdk_dynamodb::Client,
    name: &str,
) -> Result<Option<aws_sdk_dynamodb::types::TableDescription>, ResourceError> {
    let out = not_found_to_none(
        ddb.describe_table()
            .table_name(name)
            .send()
            .await
            .ctx(&format!("reading DynamoDB table ({name})")),
    )?;
    Ok(out.and_then(|o| o.table().cloned()))
}

async fn wait_active(
    ctx: &Ctx,
    ddb: &aws_sdk_dynamodb::Client,
    name: &str,
) -> Result<(), ResourceError> {
    wait_until(ctx, &ACTIVE, || async {
        Ok(
            match describe(ddb, name)
                .await?
                .and_then(|t| t.table_status().cloned())
            {
                Some(TableStatus::Active) => Poll::Ready(()),
                s => Poll::Pending(s.map_or("not visible".into(), |s| s.as_str().to_string())),
            },
        )
    })
    .await
}

/// One replica of a global table, as the `replicas` attribute lists it.
fn replica_of(v: &Value) -> Option<(String, Option<String>, bool)> {
    Some((
        v.get("region")?.as_str()?.to_string(),
        v.get("kms_key_arn")
            .and_then(Value::as_str)
            .map(str::to_string),
        v.get("point_in_time_recovery")
            .and_then(Value::as_bool)
            .unwrap_or(false),
    ))
}

fn replicas(a: &Attrs) -> Vec<(String, Option<String>, bool)> {
    a.get("replicas")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(replica_of)
        .collect()
}

/// Whether point-in-time recovery is on for the table `name` in `ddb`'s region.
async fn pitr_on(ddb: &aws_sdk_dynamodb::Client, name: &str) -> Result<bool, ResourceError> {
    Ok(pitr(ddb, name).await?.is_some())
}

/// The PITR window in days when PITR is on.
async fn pitr(ddb: &aws_sdk_dynamodb::Client, name: &str) -> Result<Option<i32>, ResourceError> {
    let out = ddb
        .describe_continuous_backups()
        .table_name(name)
        .send()
        .await
        .ctx(&format!("reading backups of DynamoDB table ({name})"))?;
    Ok(super::table_extras::pitr_days(&out))
}

impl Table {
    /// Adds (`kms` given) or removes a replica in `region`, then waits until
    /// the table and its replicas are ACTIVE again.
    async fn change_replica(
        &self,
        ctx: &Ctx,
        name: &str,
        region: &str,
        add: Option<Option<String>>,
    ) -> Result<(), ResourceError> {
        let ddb = &self.0.region(&ctx.region).dynamodb;
        let update = match add {
            Some(kms) => ReplicationGroupUpdate::builder()
                .create(
                    CreateReplicationGroupMemberAction::builder()
                        .region_name(region)
                        .set_kms_master_key_id(kms)
                        .build()
                        .map_err(invalid)?,
                )
                .build(),
            None => ReplicationGroupUpdate::builder()
                .delete(
                    DeleteReplicationGroupMemberAction::builder()
                        .region_name(region)
                        .build()
                        .map_err(invalid)?,
                )
                .build(),
        };
        ddb.update_table()
            .table_name(name)
            .replica_updates(update)
            .send()
            .await
            .ctx(&format!(
                "changing the {region} replica of DynamoDB table ({name})"
            ))?;
        wait_replicas(
            ctx,
            ddb,
            name,
            &format!("changing the {region} replica of DynamoDB table ({name})"),
        )
        .await
    }
}

/// Runs the stream switch `from` → `to`, each step waited out.
async fn switch_stream_of(
    ctx: &Ctx,
    ddb: &aws_sdk_dynamodb::Client,
    id: &str,
    from: &Attrs,
    to: &Attrs,
) -> Result<(), ResourceError> {
    let what = format!("setting the stream of DynamoDB table ({id})");
    for req in super::table_extras::stream_updates(ddb, id, from, to)? {
        req.send().await.ctx(&what)?;
        wait_replicas(ctx, ddb, id, &what).await?;
    }
    Ok(())
}

/// Waits until table `name` and all its replicas are ACTIVE (a global
/// table takes one change at a time, replicas included); `what` names the
/// change when a replica fails.
async fn wait_replicas(
    ctx: &Ctx,
    ddb: &aws_sdk_dynamodb::Client,
    name: &str,
    what: &str,
) -> Result<(), ResourceError> {
    wait_until(ctx, &REPLICA_ACTIVE, || async {
            let Some(t) = describe(ddb, name).await? else {
                return Ok(Poll::Pending("not visible".into()));
            };
            if let Some(r) = t.replicas().iter().find(|r| {
                r.replica_status().is_some_and(|s| matches!(s.as_str(), "CREATION_FAILED" | "INACCESSIBLE_ENCRYPTION_CREDENTIALS"))
            }) {
                return Err(ResourceError::new(
                    ErrorClass::Other,
                    what,
                    format!(
                        "the replica in {} is {}: check that the replica's KMS key exists, is enabled and lets DynamoDB use it",
                        r.region_name().unwrap_or("?"),
                        r.replica_status().map_or("?", |s| s.as_str())
                    ),
                ));
            }
            let pending = t
                .replicas()
                .iter()
                .find(|r| r.replica_status().is_some_and(|s| s.as_str() != "ACTIVE"))
                .map(|r| {
                    format!(
                        "replica {} {}",
                        r.region_name().unwrap_or("?"),
                        r.replica_status().map_or("?", |s| s.as_str())
                    )
                });
            Ok(match (t.table_status(), pending) {
                (Some(TableStatus::Active), None) => Poll::Ready(()),
                (_, Some(p)) => Poll::Pending(p),
                (s, None) => Poll::Pending(s.map_or("?".into(), |s| s.as_str().to_string())),
            })
        })
        .await
}

/// Turns point-in-time recovery on or off; `days` sets its window (AWS's
/// 35 when not given).
async fn set_pitr(
    ctx: &Ctx,
    ddb: &aws_sdk_dynamodb::Client,
    name: &str,
    on: bool,
    days: Option<i32>,
) -> Result<(), ResourceError> {
    let spec = PointInTimeRecoverySpecification::builder()
        .point_in_time_recovery_enabled(on)
        .set_recovery_period_in_days(days.filter(|_| on))
        .build()
        .map_err(invalid)?;
    transient::call(ctx, "dynamodb", "UpdateContinuousBackups", || async {
        ddb.update_continuous_backups()
            .table_name(name)
            .point_in_time_recovery_specification(spec.clone())
            .send()
            .await
            .ctx(&format!(
                "setting point-in-time recovery of DynamoDB table ({name})"
            ))
    })
    .await?;
    Ok(())
}

#[async_trait]
impl ResourceType for Table {
    fn kind(&self) -> &'static str {
        "dynamodb_table"
    }

    fn replace_on(&self) -> &'static [&'static str] {
        &["name", "hash_key", "hash_key_type"]
    }

    async fn create(&self, ctx: &Ctx, a: &Attrs) -> Result<Created, ResourceError> {
        let ddb = &self.0.region(&ctx.region).dynamodb;
        let name = attrs::str(a, "name")?;
        let key = attrs::str(a, "hash_key")?;
        let out = ddb
            .create_table()
            .table_name(name)
            .set_deletion_protection_enabled(a.get("deletion_protection").and_then(Value::as_bool))
            .billing_mode(BillingMode::from(attrs::str(a, "billing_mode")?))
            .key_schema(
                KeySchemaElement::builder()
                    .attribute_name(key)
                    .key_type(KeyType::Hash)
                    .build()
                    .map_err(invalid)?,
            )
            .attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name(key)
                    .attribute_type(ScalarAttributeType::from(attrs::str(a, "hash_key_type")?))
                    .build()
                    .map_err(invalid)?,
            )
            .sse_specification(sse(a))
            .set_stream_specification(
                attrs::opt_str(a, "stream_view_type")
                    .map(|v| {
                        StreamSpecification::builder()
                            .stream_enabled(true)
                            .stream_view_type(StreamViewType::from(v))
                            .build()
                    })
                    .transpose()
                    .map_err(invalid)?,
            )
            .set_tags(Some(ddb_tags(tags::desired(a))?))
            .send()
            .await
            .ctx(&format!("creating DynamoDB table ({name})"))?;
        wait_active(ctx, ddb, name).await?;
        if attrs::bool(a, "point_in_time_recovery")? {
            set_pitr(ctx, ddb, name, true, None).await?;
        }
        for (region, kms, pitr) in replicas(a) {
            self.change_replica(ctx, name, &region, Some(kms)).await?;
            if pitr {
                set_pitr(ctx, &self.0.region(&region).dynamodb, name, true, None).await?;
            }
        }
        let arn = out
            .table_description()
            .and_then(|t| t.table_arn())
            .unwrap_or_default();
        Ok(Created {
            id: name.to_string(),
            outputs: obj(json!({ "arn": arn })),
        })
    }

    async fn find(&self, ctx: &Ctx, a: &Attrs) -> Result<Vec<String>, ResourceError> {
        find::by_id(self, ctx, attrs::str(a, "name")?, a).await
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        _: &Attrs,
    ) -> Result<Option<Observed>, ResourceError> {
        let ddb = &self.0.region(&ctx.region).dynamodb;
        let Some(t) = describe(ddb, id).await? else {
            return Ok(None);
        };
        if t.table_status() == Some(&TableStatus::Deleting) {
            return Ok(None);
        }
        let arn = t.table_arn().unwrap_or_default().to_string();
        // Every read the table's description does not answer, at once:
        // one round trip (the replicas' PITR in their own regions too).
        let replica_pitr = futures::future::join_all(t.replicas().iter().map(|r| async {
            let region = r.region_name().unwrap_or_default();
            pitr_on(&self.0.region(region).dynamodb, id).await
        }));
        let (days, replica_pitr, tag_out, ttl, kinesis, policy) = tokio::join!(
            pitr(ddb, id),
            replica_pitr,
            async {
                ddb.list_tags_of_resource()
                    .resource_arn(&arn)
                    .send()
                    .await
                    .ctx(&format!("reading tags of DynamoDB table ({id})"))
            },
            super::table_extras::ttl(ddb, id),
            super::table_extras::kinesis_destinations(ddb, id),
            super::table_extras::resource_policy(ddb, &arn),
        );
        let days = days?;
        let pitr_here = days.is_some();
        // A replica not there yet reads as PITR off; any other failure
        // (throttling, access) leaves the table unread, not drifted.
        let mut replica_list = vec![];
        for (r, on) in t.replicas().iter().zip(replica_pitr) {
            let region = r.region_name().unwrap_or_default();
            let on = match on {
                Ok(on) => on,
                Err(e) if e.is_not_found() => false,
                Err(mut e) => {
                    e.action = format!("{} (the replica in {region})", e.action);
                    return Err(e);
                }
            };
            replica_list.push(json!({
                "region": region,
                "kms_key_arn": r.kms_master_key_id(),
                "point_in_time_recovery": on,
            }));
        }
        replica_list.sort_by_key(|r| r["region"].as_str().unwrap_or_default().to_string());
        let tag_out = tag_out?;
        let key = t
            .key_schema()
            .first()
            .map(|k| k.attribute_name().to_string())
            .unwrap_or_default();
        let key_type = t
            .attribute_definitions()
            .iter()
            .find(|d| d.attribute_name() == key)
            .map(|d| d.attribute_type().as_str().to_string());
        let billing = t
            .billing_mode_summary()
            .and_then(|b| b.billing_mode())
            .map_or("PROVISIONED", |b| b.as_str());
        let sse = t.sse_description();
        let kms = sse
            .and_then(|s| s.kms_master_key_arn())
            .map_or(Value::Null, |k| json!(k));
        let mut attrs = obj(super::table_extras::observe(&t, days));
        attrs.extend(obj(json!({
                "name": id,
                "billing_mode": billing,
                "hash_key": key,
                "hash_key_type": key_type,
                "point_in_time_recovery": pitr_here,
                "kms_key_arn": kms,
                "stream_view_type": t.stream_specification().filter(|s| s.stream_enabled()).and_then(|s| s.stream_view_type()).map(|v| v.as_str()),
                "replicas": replica_list,
                "tags": tags::live(tag_out.tags().iter().map(|t| (t.key(), t.value()))),
        })));
        attrs.insert("ttl_attribute".into(), ttl?);
        attrs.insert("kinesis_destinations".into(), json!(kinesis?));
        attrs.insert("resource_policy".into(), policy?);
        Ok(Some(Observed {
            attrs,
            outputs: obj(json!({ "arn": arn })),
        }))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        id: &str,
        from: &Attrs,
        to: &Attrs,
    ) -> Result<Attrs, ResourceError> {
        let ddb = &self.0.region(&ctx.region).dynamodb;
        let billing_changed = from.get("billing_mode") != to.get("billing_mode");
        let sse_changed = from.get("kms_key_arn") != to.get("kms_key_arn");
        if billing_changed || sse_changed {
            let mut req = ddb.update_table().table_name(id);
            if billing_changed {
                req = req.billing_mode(BillingMode::from(attrs::str(to, "billing_mode")?));
            }
            if sse_changed {
                req = req.sse_specification(sse(to));
            }
            req.send()
                .await
                .ctx(&format!("updating DynamoDB table ({id})"))?;
            wait_active(ctx, ddb, id).await?;
        }
        // The switch and its window in one call.
        let pitr = attrs::bool(to, "point_in_time_recovery")?;
        let window = "point_in_time_recovery_days";
        let days = attrs::opt_int(to, window).map(|d| d as i32);
        if from.get("point_in_time_recovery").and_then(Value::as_bool) != Some(pitr)
            || (pitr && to.contains_key(window) && from.get(window) != to.get(window))
        {
            set_pitr(ctx, ddb, id, pitr, days).await?;
        }
        super::table_extras::restore_ttl(ddb, id, from, to).await?;
        if attrs::differs(from, to, "resource_policy") {
            let arn = self
                .0
                .arn("dynamodb", &ctx.region, &format!("table/{id}"))
                .await?;
            super::table_extras::restore_resource_policy(ddb, &arn, from, to).await?;
        }
        super::table_extras::remove_kinesis_destinations(ddb, id, from, to).await?;
        for req in super::table_extras::updates(ddb, id, from, to)? {
            req.send()
                .await
                .ctx(&format!("updating DynamoDB table ({id})"))?;
            wait_replicas(ctx, ddb, id, &format!("updating DynamoDB table ({id})")).await?;
        }
        // A stream goes on before replicas come (they need it) and off
        // after they go (DynamoDB refuses it while they exist).
        let stream_on = attrs::opt_str(to, "stream_view_type").is_some();
        if stream_on {
            switch_stream_of(ctx, ddb, id, from, to).await?;
        }
        if to.contains_key("replicas") && from.get("replicas") != to.get("replicas") {
            let (old, new) = (replicas(from), replicas(to));
            for (region, _, _) in old.iter().filter(|o| !new.iter().any(|n| n.0 == o.0)) {
                self.change_replica(ctx, id, region, None).await?;
            }
            for (region, kms, on) in &new {
                match old.iter().find(|o| &o.0 == region) {
                    None => {
                        self.change_replica(ctx, id, region, Some(kms.clone()))
                            .await?;
                        if *on {
                            set_pitr(ctx, &self.0.region(region).dynamodb, id, true, None).await?;
                        }
                    }
                    Some((_, old_kms, old_on)) => {
                        if old_kms != kms {
                            return Err(ResourceError::new(
                                ErrorClass::Invalid,
                                format!("updating the {region} replica of DynamoDB table ({id})"),
                                "a replica's KMS key cannot be changed in place: remove the replica, apply, and add it back",
                            ));
                        }
                        if old_on != on {
                            set_pitr(ctx, &self.0.region(region).dynamodb, id, *on, None).await?;
                        }
                    }
                }
            }
        }
        if !stream_on {
            switch_stream_of(ctx, ddb, id, from, to).await?;
        }
        if tags::changed(from, to) {
            let arn = describe(ddb, id)
                .await?
                .and_then(|t| t.table_arn().map(str::to_string))
                .unwrap_or_default();
            let arn: &str = &arn;
            tags::sync(
                from,
                to,
                |remove| async move {
                    ddb.untag_resource()
                        .resource_arn(arn)
                        .set_tag_keys(Some(remove))
                        .send()
                        .await
                        .ctx(&format!("untagging DynamoDB table ({id})"))
                        .map(|_| ())
                },
                |set| async move {
                    ddb.tag_resource()
                        .resource_arn(arn)
                        .set_tags(Some(ddb_tags(set)?))
                        .send()
                        .await
                        .ctx(&format!("tagging DynamoDB table ({id})"))
                        .map(|_| ())
                },
            )
            .await?;
        }
        Ok(Attrs::new())
    }

    /// A replaced table is backed up first (an on-demand backup, kept
    /// until someone deletes it; the stack's key stays while it exists).
    async fn preserve(
        &self,
        ctx: &Ctx,
        id: &str,
        _: &Attrs,
    ) -> Result<Option<String>, ResourceError> {
        super::backup::before_replace(&self.0, ctx, id).await
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _: &Attrs) -> Result<(), ResourceError> {
        let ddb = &self.0.region(&ctx.region).dynamodb;
        // A global table's replicas go first: DynamoDB refuses to delete
        // a table that still has them.
        if let Some(t) = describe(ddb, id).await? {
            // hcprov's guard already decided this table may go (destroy
            // --allow-destroy); DynamoDB's own protection comes off first.
            if t.deletion_protection_enabled() == Some(true) {
                ddb.update_table()
                    .table_name(id)
                    .deletion_protection_enabled(false)
                    .send()
                    .await
                    .ctx(&format!(
                        "turning off deletion protection of DynamoDB table ({id})"
                    ))?;
                wait_active(ctx, ddb, id).await?;
            }
            for r in t.replicas() {
                if let Some(region) = r.region_name() {
                    self.change_replica(ctx, id, region, None).await?;
                }
            }
        }
        ignore_not_found(
            ddb.delete_table()
                .table_name(id)
                .send()
                .await
                .map(|_| ())
                .ctx(&format!("deleting DynamoDB table ({id})")),
        )?;
        wait_until(ctx, &GONE, || async {
            Ok(match describe(ddb, id).await? {
                None => Poll::Ready(()),
                Some(t) => Poll::Pending(
                    t.table_status()
                        .map_or("present".into(), |s| s.as_str().to_string()),
                ),
            })
        })
        .await
    }
}
