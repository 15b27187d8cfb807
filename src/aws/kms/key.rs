//! KMS key: description, key policy, enabled state, rotation and tags
//! update in place. A key disabled outside hcprov (every store it encrypts
//! is then unreadable) is drift, and apply enables it again.
//! The key policy is hcprov's (written at creation, compared by drift, put
//! back by apply); a key without a `policy` attribute keeps KMS's default.
//! The deletion
//! window is used when the key is scheduled for deletion (KMS does not
//! report it back, so it is not compared). A key pending deletion counts as
//! gone.

use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_kms::types::{KeyState, Tag};
use serde_json::json;

use crate::aws::attrs;
use crate::aws::error::{ignore_not_found, not_found_to_none, SdkResultExt};
use crate::aws::tags;
use crate::aws::transient;
use crate::aws::Aws;
use crate::engine::resource::{Created, Ctx, ErrorClass, Observed, ResourceError, ResourceType};
use crate::engine::value::Attrs;

/// The deletion window used when none is recorded (KMS's own default).
pub const DEFAULT_DELETION_WINDOW_DAYS: i64 = 30;

/// `kms_key`.
pub struct Key(pub Arc<Aws>);

fn kms_tags(pairs: impl IntoIterator<Item = (String, String)>) -> Result<Vec<Tag>, ResourceError> {
    pairs
        .into_iter()
        .map(|(k, v)| {
            Tag::builder().tag_key(k).tag_value(v).build().map_err(|e| {
                ResourceError::new(ErrorClass::Invalid, "building KMS tags", e.to_string())
            })
        })
        .collect()
}

#[async_trait]
impl ResourceType for Key {
    fn kind(&self) -> &'static str {
        "kms_key"
    }

    fn replace_on(&self) -> &'static [&'static str] {
        &[]
    }

    async fn create(&self, ctx: &Ctx, a: &Attrs) -> Result<Created, ResourceError> {
        let kms = &self.0.region(&ctx.region).kms;
        let policy = match a.get("policy") {
            Some(p) if !p.is_null() => Some(attrs::doc(a, "policy")?),
            _ => None,
        };
        let tag_list = kms_tags(tags::desired(a))?;
        let description = attrs::str(a, "description")?;
        let out = transient::call(ctx, "kms", "CreateKey", || async {
            kms.create_key()
                .description(description)
                .set_policy(policy.clone())
                .set_tags(Some(tag_list.clone()))
                .send()
                .await
                .ctx("creating KMS key")
        })
        .await?;
        let meta = out.key_metadata();
        let id = meta.map(|m| m.key_id()).unwrap_or_default().to_string();
        if a.get("enabled").and_then(serde_json::Value::as_bool) == Some(false) {
            set_enabled(kms, &id, false).await?;
        }
        if attrs::bool(a, "enable_key_rotation")? {
            transient::call(ctx, "kms", "EnableKeyRotation", || async {
                kms.enable_key_rotation()
                    .key_id(&id)
                    .send()
                    .await
                    .ctx(&format!("enabling rotation of KMS key ({id})"))
            })
            .await?;
        }
        Ok(Created {
            outputs: outputs(meta.and_then(|m| m.arn()).unwrap_or_default(), &id),
            id,
        })
    }

    /// Keys carry the identity tags from creation; KMS has no tag filter, so
    /// every key's tags are listed (only after an interrupted create).
    async fn find(&self, ctx: &Ctx, a: &Attrs) -> Result<Vec<String>, ResourceError> {
        let want = tags::identity(a);
        if want.is_empty() {
            return Ok(vec![]);
        }
        let kms = &self.0.region(&ctx.region).kms;
        let keys: Vec<String> = kms
            .list_keys()
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .ctx("listing KMS keys")?
            .iter()
            .filter_map(|k| k.key_id().map(str::to_string))
            .collect();
        let mut found = vec![];
        for id in keys {
            // Keys of other services may not show their tags: not ours.
            let Ok(t) = kms.list_resource_tags().key_id(&id).send().await else {
                continue;
            };
            let has = |(k, v): &(String, String)| {
                t.tags()
                    .iter()
                    .any(|x| x.tag_key() == k.as_str() && x.tag_value() == v.as_str())
            };
            if !want.iter().all(has) {
                continue;
            }
            // One call decides whether it still lives; the adoption reads it in full.
            let live = kms
                .describe_key()
                .key_id(&id)
                .send()
                .await
                .ctx(&format!("reading KMS key ({id})"))?;
            let state = live.key_metadata().and_then(|m| m.key_state());
            if !matches!(
                state,
                Some(KeyState::PendingDeletion | KeyState::PendingReplicaDeletion) | None
            ) {
                found.push(id);
            }
        }
        Ok(found)
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        prior: &Attrs,
    ) -> Result<Option<Observed>, ResourceError> {
        let kms = &self.0.region(&ctx.region).kms;
        let out = not_found_to_none(
            kms.describe_key()
                .key_id(id)
                .send()
                .await
                .ctx(&format!("reading KMS key ({id})")),
        )?;
        let Some(meta) = out.and_then(|o| o.key_metadata().cloned()) else {
            return Ok(None);
        };
        if matches!(
            meta.key_state(),
            Some(KeyState::PendingDeletion | KeyState::PendingReplicaDeletion)
        ) {
            return Ok(None);
        }
        let arn = meta.arn().unwrap_or_default();
        let account = meta.aws_account_id().unwrap_or_default();
        // Rotation, tags, policy and grants at once: one round trip (the
        // tags from the bulk read when it shows what was recorded).
        let (status, live_tags, policy, foreign_grants) = tokio::join!(
            async {
                kms.get_key_rotation_status()
                    .key_id(id)
                    .send()
                    .await
                    .ctx(&format!("reading rotation of KMS key ({id})"))
            },
            tags::cached_or(&self.0, arn, prior, async {
                let out = kms
                    .list_resource_tags()
                    .key_id(id)
                    .send()
                    .await
                    .ctx(&format!("reading tags of KMS key ({id})"))?;
                Ok(tags::live(
                    out.tags().iter().map(|t| (t.tag_key(), t.tag_value())),
                ))
            }),
            async {
                kms.get_key_policy()
                    .key_id(id)
                    .policy_name("default")
                    .send()
                    .await
                    .ctx(&format!("reading the key policy of KMS key ({id})"))
            },
            super::grants::foreign(kms, id, account),
        );
        let status = status?;
        let rotation = status.key_rotation_enabled();
        // KMS's default period when rotation is on without one.
        let period = status.rotation_period_in_days().unwrap_or(365);
        let live_tags = live_tags?;
        let (policy, foreign_grants) = (policy?, foreign_grants?);
        let attrs = json!({
            "policy": attrs::parse_doc(policy.policy().unwrap_or("null")),
            "foreign_grants": foreign_grants,
            "description": meta.description().unwrap_or_default(),
            "enabled": meta.enabled(),
            "enable_key_rotation": rotation,
            "rotation_period_in_days": period,
            // Not readable from KMS: carried over from what was applied.
            "deletion_window_in_days": prior.get("deletion_window_in_days").cloned().unwrap_or(json!(DEFAULT_DELETION_WINDOW_DAYS)),
            // What destroy keeps the key for is hcprov's setting.
            "protects_final_snapshots": prior.get("protects_final_snapshots").cloned().unwrap_or(serde_json::Value::Null),
            "tags": live_tags,
        });
        Ok(Some(Observed {
            attrs: attrs.as_object().cloned().unwrap_or_default(),
            outputs: outputs(meta.arn().unwrap_or_default(), id),
        }))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        id: &str,
        from: &Attrs,
        to: &Attrs,
    ) -> Result<Attrs, ResourceError> {
        let kms = &self.0.region(&ctx.region).kms;
        if let Some(on) = to.get("enabled").and_then(serde_json::Value::as_bool) {
            if from.get("enabled").and_then(serde_json::Value::as_bool) != Some(on) {
                set_enabled(kms, id, on).await?;
            }
        }
        if from.get("description") != to.get("description") {
            kms.update_key_description()
                .key_id(id)
                .description(attrs::str(to, "description")?)
                .send()
                .await
                .ctx(&format!("updating description of KMS key ({id})"))?;
        }
        if from.get("policy") != to.get("policy") && to.get("policy").is_some_and(|p| !p.is_null())
        {
            let doc = attrs::doc(to, "policy")?;
            transient::call(ctx, "kms", "PutKeyPolicy", || async {
                kms.put_key_policy()
                    .key_id(id)
                    .policy_name("default")
                    .policy(doc.clone())
                    .send()
                    .await
                    .ctx(&format!("putting the key policy of KMS key ({id})"))
            })
            .await?;
        }
        super::grants::revoke_extras(kms, id, from, to).await?;
        let rotate = attrs::bool(to, "enable_key_rotation")?;
        let period = |a: &Attrs| a.get("rotation_period_in_days").cloned();
        if from
            .get("enable_key_rotation")
            .and_then(serde_json::Value::as_bool)
            != Some(rotate)
            || (rotate && to.contains_key("rotation_period_in_days") && period(from) != period(to))
        {
            let what = format!("setting rotation of KMS key ({id})");
            if rotate {
                kms.enable_key_rotation()
                    .key_id(id)
                    .set_rotation_period_in_days(
                        attrs::opt_int(to, "rotation_period_in_days").map(|d| d as i32),
                    )
                    .send()
                    .await
                    .ctx(&what)?;
            } else {
                kms.disable_key_rotation()
                    .key_id(id)
                    .send()
                    .await
                    .ctx(&what)?;
            }
        }
        tags::sync(
            from,
            to,
            |remove| async move {
                kms.untag_resource()
                    .key_id(id)
                    .set_tag_keys(Some(remove))
                    .send()
                    .await
                    .ctx(&format!("untagging KMS key ({id})"))
                    .map(|_| ())
            },
            |set| async move {
                kms.tag_resource()
                    .key_id(id)
                    .set_tags(Some(kms_tags(set)?))
                    .send()
                    .await
                    .ctx(&format!("tagging KMS key ({id})"))
                    .map(|_| ())
            },
        )
        .await?;
        Ok(Attrs::new())
    }

    /// A key that still encrypts a backup is never deleted: RDS cluster
    /// snapshots (final ones, and those replacements take) and DynamoDB
    /// on-demand backups would become unrestorable. The delete stops with
    /// one line naming them and saying what to do.
    async fn delete(&self, ctx: &Ctx, id: &str, a: &Attrs) -> Result<(), ResourceError> {
        // RDS is asked only for the key of a stack with a database (its
        // key carries `protects_final_snapshots`, on or off).
        let snapshots = if a.contains_key("protects_final_snapshots") {
            snapshots_encrypted_with(&self.0, ctx, id).await?
        } else {
            vec![]
        };
        let backups = crate::aws::dynamodb::backup::encrypted_with(&self.0, ctx, id).await?;
        if !snapshots.is_empty() || !backups.is_empty() {
            let mut kept = vec![];
            if !snapshots.is_empty() {
                kept.push(format!("RDS cluster snapshots {} (`aws rds delete-db-cluster-snapshot --db-cluster-snapshot-identifier NAME`)", snapshots.join(", ")));
            }
            if !backups.is_empty() {
                kept.push(format!(
                    "DynamoDB backups {} (`aws dynamodb delete-backup --backup-arn ARN`)",
                    backups.join(", ")
                ));
            }
            return Err(ResourceError::new(
                ErrorClass::DependencyViolation,
                format!("scheduling deletion of KMS key ({id})"),
                format!(
                    "the key encrypts {}; it is kept so they stay restorable: restore or copy what you need, delete them, then run `hcprov destroy` again",
                    kept.join(" and ")
                ),
            ));
        }
        let days =
            attrs::opt_int(a, "deletion_window_in_days").unwrap_or(DEFAULT_DELETION_WINDOW_DAYS);
        let r = self
            .0
            .region(&ctx.region)
            .kms
            .schedule_key_deletion()
            .key_id(id)
            .pending_window_in_days(days as i32)
            .send()
            .await
            .ctx(&format!("scheduling deletion of KMS key ({id})"));
        match r {
            // Already pending deletion.
            Err(e) if e.code.as_deref() == Some("KMSInvalidStateException") => Ok(()),
            other => ignore_not_found(other.map(|_| ())),
        }
    }
}

/// The RDS cluster snapshots encrypted with key `id` that outlive their
/// cluster: manual ones and AWS Backup's (automated ones go with it).
async fn snapshots_encrypted_with(
    aws: &Aws,
    ctx: &Ctx,
    id: &str,
) -> Result<Vec<String>, ResourceError> {
    let rds = &aws.region(&ctx.region).rds;
    let mut pages = rds.describe_db_cluster_snapshots().into_paginator().send();
    let mut found = vec![];
    while let Some(page) = pages.next().await {
        for s in page
            .ctx("listing RDS cluster snapshots")?
            .db_cluster_snapshots()
        {
            let key = s.kms_key_id().unwrap_or_default();
            let automated = s.snapshot_type() == Some("automated");
            if !automated && (key == id || key.ends_with(&format!("key/{id}"))) {
                found.extend(s.db_cluster_snapshot_identifier().map(str::to_string));
            }
        }
    }
    Ok(found)
}

/// Enables or disables the key.
async fn set_enabled(kms: &aws_sdk_kms::Client, id: &str, on: bool) -> Result<(), ResourceError> {
    let what = format!(
        "{} KMS key ({id})",
        if on { "enabling" } else { "disabling" }
    );
    if on {
        kms.enable_key().key_id(id).send().await.ctx(&what)?;
    } else {
        kms.disable_key().key_id(id).send().await.ctx(&what)?;
    }
    Ok(())
}

fn outputs(arn: &str, key_id: &str) -> Attrs {
    json!({ "arn": arn, "key_id": key_id })
        .as_object()
        .cloned()
        .unwrap_or_default()
}
