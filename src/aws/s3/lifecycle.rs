//! S3 lifecycle rules: each `{id, status, transition_days, storage_class}`,
//! and what else a rule can do to the data, held at none unless declared:
//! deletes (after days, or on a date), further transitions (to an archive
//! class that takes hours to restore from, or on a date), and transitions
//! of old versions.

use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_s3::types::{
    BucketLifecycleConfiguration, ExpirationStatus, LifecycleRule, LifecycleRuleFilter, Transition,
    TransitionStorageClass,
};
use serde_json::{json, Value};

use crate::aws::attrs::{self, obj};
use crate::aws::error::{ignore_not_found, not_found_to_none, SdkResultExt};
use crate::aws::find;
use crate::aws::transient;
use crate::aws::Aws;
use crate::engine::resource::{Created, Ctx, ErrorClass, Observed, ResourceError, ResourceType};
use crate::engine::value::Attrs;

/// `s3_bucket_lifecycle`.
pub struct Lifecycle(pub Arc<Aws>);

impl Lifecycle {
    async fn put(&self, ctx: &Ctx, a: &Attrs) -> Result<String, ResourceError> {
        let bucket = attrs::str(a, "bucket")?;
        let what = format!("setting lifecycle of S3 bucket ({bucket})");
        let invalid = |e: aws_sdk_s3::error::BuildError| {
            ResourceError::new(ErrorClass::Invalid, what.clone(), e.to_string())
        };
        let mut rules = vec![];
        for r in a
            .get("rules")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let get = |k: &str| {
                r.get(k)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string()
            };
            let days = |k: &str| r.get(k).and_then(Value::as_i64).map(|d| d as i32);
            let rule = LifecycleRule::builder()
                .set_expiration(days("expiration_days").map(|d| {
                    aws_sdk_s3::types::LifecycleExpiration::builder()
                        .days(d)
                        .build()
                }))
                .set_noncurrent_version_expiration(days("noncurrent_version_expiration_days").map(
                    |d| {
                        aws_sdk_s3::types::NoncurrentVersionExpiration::builder()
                            .noncurrent_days(d)
                            .build()
                    },
                ))
                .id(get("id"))
                .status(ExpirationStatus::from(get("status").as_str()))
                .filter(LifecycleRuleFilter::builder().prefix("").build())
                .transitions(
                    Transition::builder()
                        .days(
                            r.get("transition_days")
                                .and_then(Value::as_i64)
                                .unwrap_or(30) as i32,
                        )
                        .storage_class(TransitionStorageClass::from(get("storage_class").as_str()))
                        .build(),
                )
                .build()
                .map_err(invalid)?;
            rules.push(rule);
        }
        let cfg = BucketLifecycleConfiguration::builder()
            .set_rules(Some(rules))
            .build()
            .map_err(invalid)?;
        let s3 = &self.0.region(&ctx.region).s3;
        transient::call(ctx, "s3", "PutBucketLifecycleConfiguration", || async {
            s3.put_bucket_lifecycle_configuration()
                .bucket(bucket)
                .lifecycle_configuration(cfg.clone())
                .send()
                .await
                .ctx(&what)
        })
        .await?;
        Ok(bucket.to_string())
    }
}

#[async_trait]
impl ResourceType for Lifecycle {
    fn kind(&self) -> &'static str {
        "s3_bucket_lifecycle"
    }

    fn replace_on(&self) -> &'static [&'static str] {
        &["bucket"]
    }

    async fn create(&self, ctx: &Ctx, a: &Attrs) -> Result<Created, ResourceError> {
        Ok(Created {
            id: self.put(ctx, a).await?,
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
                .get_bucket_lifecycle_configuration()
                .bucket(id)
                .send()
                .await
                .ctx(&format!("reading lifecycle of S3 bucket ({id})")),
        )?;
        Ok(out.map(|o| {
            let rules: Vec<Value> = o
                .rules()
                .iter()
                .map(|r| {
                    // A dated first transition is not one hcprov declares.
                    let (t, more) = match r.transitions().split_first() {
                        Some((t, rest)) if t.date().is_none() => (Some(t), rest),
                        _ => (None, r.transitions()),
                    };
                    let more: Vec<String> = more
                        .iter()
                        .map(|t| {
                            let when = match (t.days(), t.date()) {
                                (Some(d), _) => format!("after {d} days"),
                                (_, Some(d)) => format!("on {d}"),
                                _ => "at once".into(),
                            };
                            format!("{} {when}", t.storage_class().map_or("?", |c| c.as_str()))
                        })
                        .collect();
                    let old_versions: Vec<String> = r
                        .noncurrent_version_transitions()
                        .iter()
                        .map(|t| {
                            format!(
                                "{} after {} days",
                                t.storage_class().map_or("?", |c| c.as_str()),
                                t.noncurrent_days().unwrap_or(0)
                            )
                        })
                        .collect();
                    json!({
                        "id": r.id(),
                        "status": r.status().as_str(),
                        "transition_days": t.and_then(|t| t.days()),
                        "storage_class": t.and_then(|t| t.storage_class()).map(|c| c.as_str()),
                        "more_transitions": more,
                        "noncurrent_version_transitions": old_versions,
                        // Deletes: of current objects (by age or on a
                        // date), of old versions.
                        "expiration_days": r.expiration().and_then(|e| e.days()),
                        "expiration_date": r.expiration().and_then(|e| e.date()).map(|d| d.to_string()),
                        "noncurrent_version_expiration_days": r.noncurrent_version_expiration().and_then(|e| e.noncurrent_days()),
                    })
                })
                .collect();
            Observed {
                attrs: obj(json!({ "bucket": id, "rules": rules })),
                outputs: Attrs::new(),
            }
        }))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        _: &str,
        _: &Attrs,
        to: &Attrs,
    ) -> Result<Attrs, ResourceError> {
        self.put(ctx, to).await?;
        Ok(Attrs::new())
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _: &Attrs) -> Result<(), ResourceError> {
        let r = self
            .0
            .region(&ctx.region)
            .s3
            .delete_bucket_lifecycle()
            .bucket(id)
            .send()
            .await;
        ignore_not_found(
            r.map(|_| ())
                .ctx(&format!("removing lifecycle of S3 bucket ({id})")),
        )
    }
}
