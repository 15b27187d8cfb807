//! S3 bucket replication (one rule): the role, the destination bucket, the
//! destination's KMS key for replicas, which objects (only SSE-KMS ones),
//! delete-marker replication, Replication Time Control and the metrics
//! CloudWatch shows replication lag from. Put as a whole, so a rule added
//! outside hcprov is drift that apply overwrites. The source bucket forces
//! replacement. Its id is the source bucket.

use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_s3::types::{
    DeleteMarkerReplication, DeleteMarkerReplicationStatus, Destination, EncryptionConfiguration,
    Metrics, MetricsStatus, ReplicationConfiguration, ReplicationRule, ReplicationRuleFilter,
    ReplicationRuleStatus, ReplicationTime, ReplicationTimeStatus, ReplicationTimeValue,
    SourceSelectionCriteria, SseKmsEncryptedObjects, SseKmsEncryptedObjectsStatus, StorageClass,
};
use serde_json::{json, Value};

use crate::aws::attrs::{self, obj};
use crate::aws::error::{ignore_not_found, not_found_to_none, SdkResultExt};
use crate::aws::find;
use crate::aws::transient;
use crate::aws::Aws;
use crate::engine::resource::{Created, Ctx, ErrorClass, Observed, ResourceError, ResourceType};
use crate::engine::value::Attrs;

/// `s3_bucket_replication`.
pub struct Replication(pub Arc<Aws>);

fn invalid(e: impl std::fmt::Display) -> ResourceError {
    ResourceError::new(
        ErrorClass::Invalid,
        "building the S3 replication configuration",
        e.to_string(),
    )
}

fn config(a: &Attrs) -> Result<ReplicationConfiguration, ResourceError> {
    let r = a.get("rule").cloned().unwrap_or(Value::Null);
    let s = |k: &str| r.get(k).and_then(Value::as_str).map(str::to_string);
    let on = |k: &str| r.get(k).and_then(Value::as_bool).unwrap_or(false);
    let minutes = r.get("replication_time_minutes").and_then(Value::as_i64);
    let mut dest = Destination::builder()
        .bucket(s("destination_bucket").unwrap_or_default())
        .set_storage_class(s("storage_class").map(|c| StorageClass::from(c.as_str())));
    if let Some(key) = s("replica_kms_key_id") {
        dest = dest.encryption_configuration(
            EncryptionConfiguration::builder()
                .replica_kms_key_id(key)
                .build(),
        );
    }
    if let Some(m) = minutes {
        let value = ReplicationTimeValue::builder().minutes(m as i32).build();
        dest = dest
            .replication_time(
                ReplicationTime::builder()
                    .status(ReplicationTimeStatus::Enabled)
                    .time(value.clone())
                    .build()
                    .map_err(invalid)?,
            )
            .metrics(
                Metrics::builder()
                    .status(MetricsStatus::Enabled)
                    .event_threshold(value)
                    .build()
                    .map_err(invalid)?,
            );
    }
    let mut rule = ReplicationRule::builder()
        .set_id(s("id"))
        .priority(r.get("priority").and_then(Value::as_i64).unwrap_or(1) as i32)
        .status(ReplicationRuleStatus::from(
            s("status").unwrap_or_else(|| "Enabled".into()).as_str(),
        ))
        .filter(ReplicationRuleFilter::builder().prefix("").build())
        .delete_marker_replication(
            DeleteMarkerReplication::builder()
                .status(if on("delete_marker_replication") {
                    DeleteMarkerReplicationStatus::Enabled
                } else {
                    DeleteMarkerReplicationStatus::Disabled
                })
                .build(),
        )
        .destination(dest.build().map_err(invalid)?);
    if on("sse_kms_encrypted_objects") {
        rule = rule.source_selection_criteria(
            SourceSelectionCriteria::builder()
                .sse_kms_encrypted_objects(
                    SseKmsEncryptedObjects::builder()
                        .status(SseKmsEncryptedObjectsStatus::Enabled)
                        .build()
                        .map_err(invalid)?,
                )
                .build(),
        );
    }
    ReplicationConfiguration::builder()
        .role(attrs::str(a, "role")?)
        .rules(rule.build().map_err(invalid)?)
        .build()
        .map_err(invalid)
}

fn observed(bucket: &str, c: &ReplicationConfiguration) -> Observed {
    let rule = c.rules().first().map(|r| {
        let d = r.destination();
        let rtc = d.and_then(|d| d.replication_time()).filter(|t| t.status() == &ReplicationTimeStatus::Enabled);
        json!({
            "id": r.id(),
            "priority": r.priority(),
            "status": r.status().as_str(),
            "destination_bucket": d.map(|d| d.bucket()),
            "storage_class": d.and_then(|d| d.storage_class()).map(|c| c.as_str()),
            "replica_kms_key_id": d.and_then(|d| d.encryption_configuration()).and_then(|e| e.replica_kms_key_id()),
            "delete_marker_replication": r.delete_marker_replication().and_then(|m| m.status()) == Some(&DeleteMarkerReplicationStatus::Enabled),
            "sse_kms_encrypted_objects": r.source_selection_criteria().and_then(|s| s.sse_kms_encrypted_objects()).map(|o| o.status()) == Some(&SseKmsEncryptedObjectsStatus::Enabled),
            "replication_time_minutes": rtc.and_then(|t| t.time()).and_then(|t| t.minutes()),
            // What narrows or hands over the copies: a prefix or tag filter,
            // another account as owner.
            "filter_prefix": rule_prefix(r),
            "filter_tag": rule_tags(r),
            "existing_object_replication": r.existing_object_replication().map_or("Disabled", |e| e.status().as_str()),
            "destination_account": d.and_then(|d| d.account()),
            "owner_override": d.and_then(|d| d.access_control_translation()).is_some(),
            // S3 requires metrics beside Replication Time Control, so a rule
            // with RTC and no metrics in the answer has them at RTC's time.
            "metrics": d.and_then(|d| d.metrics()).map(|m| json!({
                "status": m.status().as_str(),
                "minutes": m.event_threshold().and_then(|t| t.minutes()),
            })).or_else(|| rtc.map(|t| json!({"status": "Enabled", "minutes": t.time().and_then(|t| t.minutes())}))),
        })
    });
    Observed {
        attrs: obj(json!({
            "bucket": bucket,
            "role": c.role(),
            "rule": rule,
            // Exclusive: a second rule added outside hcprov is drift.
            "rule_count": c.rules().len(),
        })),
        outputs: Attrs::new(),
    }
}

impl Replication {
    async fn put(&self, ctx: &Ctx, bucket: &str, a: &Attrs) -> Result<(), ResourceError> {
        let s3 = &self.0.region(&ctx.region).s3;
        let c = config(a)?;
        transient::call(ctx, "s3", "PutBucketReplication", || async {
            s3.put_bucket_replication()
                .bucket(bucket)
                .replication_configuration(c.clone())
                .send()
                .await
                .ctx(&format!("setting replication of S3 bucket ({bucket})"))
        })
        .await?;
        Ok(())
    }
}

#[async_trait]
impl ResourceType for Replication {
    fn kind(&self) -> &'static str {
        "s3_bucket_replication"
    }

    fn replace_on(&self) -> &'static [&'static str] {
        &["bucket"]
    }

    async fn create(&self, ctx: &Ctx, a: &Attrs) -> Result<Created, ResourceError> {
        let bucket = attrs::str(a, "bucket")?;
        self.put(ctx, bucket, a).await?;
        Ok(Created {
            id: bucket.to_string(),
            outputs: Attrs::new(),
        })
    }

    async fn find(&self, _: &Ctx, _: &Attrs) -> Result<Vec<String>, ResourceError> {
        find::idempotent()
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
                .s3
                .get_bucket_replication()
                .bucket(id)
                .send()
                .await
                .ctx(&format!("reading replication of S3 bucket ({id})")),
        )?;
        Ok(out.and_then(|o| o.replication_configuration().map(|c| observed(id, c))))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        id: &str,
        _: &Attrs,
        to: &Attrs,
    ) -> Result<Attrs, ResourceError> {
        self.put(ctx, id, to).await?;
        Ok(Attrs::new())
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _: &Attrs) -> Result<(), ResourceError> {
        ignore_not_found(
            self.0
                .region(&ctx.region)
                .s3
                .delete_bucket_replication()
                .bucket(id)
                .send()
                .await
                .map(|_| ())
                .ctx(&format!("deleting replication of S3 bucket ({id})")),
        )
    }
}

/// A rule's prefix, in the filter or (the old schema) on the rule itself.
#[allow(deprecated)]
fn rule_prefix(r: &aws_sdk_s3::types::ReplicationRule) -> &str {
    r.filter()
        .and_then(|f| f.prefix().or_else(|| f.and().and_then(|a| a.prefix())))
        .or(r.prefix())
        .unwrap_or_default()
}

/// Every tag a rule's filter narrows to (one, or all of an `And`), or null.
fn rule_tags(r: &aws_sdk_s3::types::ReplicationRule) -> Value {
    let f = r.filter();
    let tags: Vec<&aws_sdk_s3::types::Tag> = f
        .and_then(|f| f.tag())
        .into_iter()
        .chain(
            f.and_then(|f| f.and())
                .map(|a| a.tags())
                .unwrap_or_default(),
        )
        .collect();
    if tags.is_empty() {
        return Value::Null;
    }
    Value::Object(
        tags.iter()
            .map(|t| (t.key().to_string(), json!(t.value())))
            .collect(),
    )
}
