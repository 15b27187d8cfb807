//! Secrets Manager secret holding a generated value (a Redis AUTH token).
//! The value comes from Secrets Manager's own GetRandomPassword and goes
//! straight into CreateSecret: hcprov holds it in memory for that one call
//! and never records, prints or plans it. The name forces replacement;
//! description, KMS key and tags update in place. `generate` (length and
//! excluded characters) applies at create; `recovery_window_days` at
//! delete (0: at once, for disposable environments). Rotation, a resource
//! policy and replicas in other regions are managed too: the blueprint
//! declares none, so one made outside hcprov is drift, and apply removes
//! it. Which version is current (`AWSCURRENT`) is recorded at apply (an
//! observed setting): a value put or a label moved outside hcprov is
//! drift, and apply moves `AWSCURRENT` back to hcprov's version, before
//! anything that reads the secret (the cache's AUTH token) uses it. Its
//! id is the ARN.

use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_secretsmanager::types::Tag;
use serde_json::{json, Value};

use crate::aws::attrs::{self, obj};
use crate::aws::error::{ignore_not_found, not_found_to_none, SdkResultExt};
use crate::aws::tags;
use crate::aws::Aws;
use crate::engine::resource::{Created, Ctx, ErrorClass, Observed, ResourceError, ResourceType};
use crate::engine::value::Attrs;

/// `secretsmanager_secret`.
pub struct Secret(pub Arc<Aws>);

fn sm_tags(pairs: impl IntoIterator<Item = (String, String)>) -> Vec<Tag> {
    pairs
        .into_iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// The observed setting: which version is labelled `AWSCURRENT`.
const CURRENT: &str = "current_version";

impl Secret {
    /// Restores the secret `name` scheduled for deletion when it carries
    /// this address's identity tags, puts `value` in it and brings its
    /// description and key to `a`'s; returns its ARN.
    async fn restore(
        &self,
        ctx: &Ctx,
        name: &str,
        a: &Attrs,
        value: Option<String>,
    ) -> Result<(String, Option<String>), ResourceError> {
        let sm = &self.0.region(&ctx.region).secretsmanager;
        let what = format!("restoring Secrets Manager secret ({name})");
        let s = sm
            .describe_secret()
            .secret_id(name)
            .send()
            .await
            .ctx(&what)?;
        let theirs = tags::live(
            s.tags()
                .iter()
                .map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default())),
        );
        if !tags::claims(a, &obj(json!({ "tags": theirs }))) {
            return Err(ResourceError::new(
                ErrorClass::Invalid,
                what,
                "it belongs to another address or state",
            ));
        }
        let arn = s.arn().unwrap_or_default().to_string();
        sm.restore_secret()
            .secret_id(&arn)
            .send()
            .await
            .ctx(&what)?;
        let updated = sm
            .update_secret()
            .secret_id(&arn)
            .description(attrs::str(a, "description")?)
            .set_kms_key_id(attrs::opt_str(a, "kms_key_id").map(str::to_string))
            .set_secret_string(value)
            .send()
            .await
            .ctx(&what)?;
        Ok((arn, updated.version_id().map(str::to_string)))
    }

    /// Moves `AWSCURRENT` back to the version hcprov recorded (another was
    /// made current outside hcprov) and returns it as the recorded one. A
    /// state that never recorded one (written before hcprov watched it, or
    /// an import) takes the live version, trusting it on first use: there
    /// is no other to go back to, and a new value would lock out whatever
    /// still uses the current one. A recorded version AWS no longer keeps
    /// (it deletes unlabelled versions past 100) is an error that says so.
    async fn make_current(
        &self,
        ctx: &Ctx,
        id: &str,
        from: &Attrs,
        to: &Attrs,
    ) -> Result<Attrs, ResourceError> {
        let (Some(ours), Some(theirs)) =
            (attrs::opt_str(to, CURRENT), attrs::opt_str(from, CURRENT))
        else {
            return Ok(obj(json!({ CURRENT: from.get(CURRENT) })));
        };
        self.0
            .region(&ctx.region)
            .secretsmanager
            .update_secret_version_stage()
            .secret_id(id)
            .version_stage("AWSCURRENT")
            .move_to_version_id(ours)
            .remove_from_version_id(theirs)
            .send()
            .await
            .ctx(&format!(
                "making hcprov's version current again in Secrets Manager secret ({id})"
            ))
            .map_err(|e| {
                if e.code.as_deref() != Some("InvalidParameterException") && !e.is_not_found() {
                    return e;
                }
                ResourceError::new(
                    ErrorClass::Invalid,
                    format!("making hcprov's version current again in Secrets Manager secret ({id})"),
                    format!("the version hcprov recorded ({ours}) is gone ({e}): the value it held can no longer be put back. Check the secret's current value; to keep it, run `hcprov state rm` on the secret and `hcprov import` it again (the current version is then taken as hcprov's)"),
                )
            })?;
        Ok(obj(json!({ CURRENT: ours })))
    }
}

#[async_trait]
impl ResourceType for Secret {
    fn kind(&self) -> &'static str {
        "secretsmanager_secret"
    }

    fn replace_on(&self) -> &'static [&'static str] {
        &["name"]
    }

    async fn create(&self, ctx: &Ctx, a: &Attrs) -> Result<Created, ResourceError> {
        let sm = &self.0.region(&ctx.region).secretsmanager;
        let name = attrs::str(a, "name")?;
        let gen = a.get("generate").cloned().unwrap_or(Value::Null);
        let length = gen.get("length").and_then(Value::as_i64).ok_or_else(|| {
            ResourceError::new(
                ErrorClass::Invalid,
                "reading desired attributes",
                "attribute `generate.length` must be an integer",
            )
        })?;
        let random = sm
            .get_random_password()
            .password_length(length)
            .set_exclude_characters(
                gen.get("exclude_characters")
                    .and_then(Value::as_str)
                    .map(str::to_string),
            )
            .exclude_punctuation(
                gen.get("exclude_punctuation")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
            )
            .send()
            .await
            .ctx("generating a secret value (Secrets Manager GetRandomPassword)")?;
        let value = random.random_password().map(str::to_string);
        let created = sm
            .create_secret()
            .name(name)
            .description(attrs::str(a, "description")?)
            .set_kms_key_id(attrs::opt_str(a, "kms_key_id").map(str::to_string))
            .set_secret_string(value.clone())
            .set_tags(Some(sm_tags(tags::desired(a))))
            .send()
            .await
            .ctx(&format!("creating Secrets Manager secret ({name})"));
        let (arn, version) = match created {
            Ok(out) => (
                out.arn().unwrap_or_default().to_string(),
                out.version_id().map(str::to_string),
            ),
            // A destroy with a recovery window leaves the name taken until
            // the window ends: this state's own secret is restored and
            // given the new value; anyone else's is left alone.
            Err(e) if e.message.contains("scheduled for deletion") => {
                self.restore(ctx, name, a, value).await.map_err(|_| e)?
            }
            Err(e) => return Err(e),
        };
        Ok(Created {
            outputs: obj(json!({ "arn": arn, "name": name, CURRENT: version })),
            id: arn,
        })
    }

    async fn find(&self, ctx: &Ctx, a: &Attrs) -> Result<Vec<String>, ResourceError> {
        // Secrets Manager takes a name wherever it takes an ARN.
        let name = attrs::str(a, "name")?;
        Ok(match self.read(ctx, name, a).await? {
            Some(live) if tags::claims(a, &live.attrs) => live
                .outputs
                .get("arn")
                .and_then(Value::as_str)
                .map(str::to_string)
                .into_iter()
                .collect(),
            _ => vec![],
        })
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        a: &Attrs,
    ) -> Result<Option<Observed>, ResourceError> {
        let sm = &self.0.region(&ctx.region).secretsmanager;
        let Some(s) = not_found_to_none(
            sm.describe_secret()
                .secret_id(id)
                .send()
                .await
                .ctx(&format!("reading Secrets Manager secret ({id})")),
        )?
        else {
            return Ok(None);
        };
        // A secret scheduled for deletion is gone for hcprov's purposes.
        if s.deleted_date().is_some() {
            return Ok(None);
        }
        let echo = |k: &str| a.get(k).cloned().unwrap_or(Value::Null);
        let policy = sm
            .get_resource_policy()
            .secret_id(id)
            .send()
            .await
            .ctx(&format!(
                "reading the resource policy of Secrets Manager secret ({id})"
            ))?;
        let replicas: Vec<String> = s
            .replication_status()
            .iter()
            .filter_map(|r| r.region().map(str::to_string))
            .collect();
        Ok(Some(Observed {
            attrs: obj(json!({
                "name": s.name(),
                "description": s.description(),
                "kms_key_id": s.kms_key_id(),
                "rotation_enabled": s.rotation_enabled().unwrap_or(false),
                "resource_policy": policy.resource_policy().map(attrs::parse_doc),
                "replica_regions": attrs::sorted(replicas),
                "generate": echo("generate"),
                "recovery_window_days": echo("recovery_window_days"),
                CURRENT: s.version_ids_to_stages().and_then(|v| {
                    v.iter().find(|(_, stages)| stages.iter().any(|l| l == "AWSCURRENT")).map(|(id, _)| id)
                }),
                "tags": tags::live(s.tags().iter().map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default()))),
            })),
            outputs: obj(json!({ "arn": s.arn(), "name": s.name() })),
        }))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        id: &str,
        from: &Attrs,
        to: &Attrs,
    ) -> Result<Attrs, ResourceError> {
        let sm = &self.0.region(&ctx.region).secretsmanager;
        if from.get("description") != to.get("description")
            || from.get("kms_key_id") != to.get("kms_key_id")
        {
            sm.update_secret()
                .secret_id(id)
                .description(attrs::str(to, "description")?)
                .set_kms_key_id(attrs::opt_str(to, "kms_key_id").map(str::to_string))
                .send()
                .await
                .ctx(&format!("updating Secrets Manager secret ({id})"))?;
        }
        // Only what hcprov declares: no rotation, no resource policy and no
        // replicas unless the blueprint asks (it asks for none).
        if to.get("rotation_enabled") == Some(&json!(false))
            && from.get("rotation_enabled") == Some(&json!(true))
        {
            sm.cancel_rotate_secret()
                .secret_id(id)
                .send()
                .await
                .ctx(&format!(
                    "turning rotation off on Secrets Manager secret ({id})"
                ))?;
        }
        if to.get("resource_policy") == Some(&Value::Null)
            && from.get("resource_policy").is_some_and(|p| !p.is_null())
        {
            sm.delete_resource_policy()
                .secret_id(id)
                .send()
                .await
                .ctx(&format!(
                    "deleting the resource policy of Secrets Manager secret ({id})"
                ))?;
        }
        let mut outputs = Attrs::new();
        if to.contains_key(CURRENT) && from.get(CURRENT) != to.get(CURRENT) {
            outputs = self.make_current(ctx, id, from, to).await?;
        }
        let extra: Vec<String> = attrs::strs(from, "replica_regions")
            .into_iter()
            .filter(|r| !attrs::strs(to, "replica_regions").contains(r))
            .collect();
        if to.contains_key("replica_regions") && !extra.is_empty() {
            sm.remove_regions_from_replication()
                .secret_id(id)
                .set_remove_replica_regions(Some(extra))
                .send()
                .await
                .ctx(&format!(
                    "removing replicas of Secrets Manager secret ({id})"
                ))?;
        }
        tags::sync(
            from,
            to,
            |remove| async move {
                sm.untag_resource()
                    .secret_id(id)
                    .set_tag_keys(Some(remove))
                    .send()
                    .await
                    .ctx(&format!("untagging Secrets Manager secret ({id})"))
                    .map(|_| ())
            },
            |set| async move {
                sm.tag_resource()
                    .secret_id(id)
                    .set_tags(Some(sm_tags(set)))
                    .send()
                    .await
                    .ctx(&format!("tagging Secrets Manager secret ({id})"))
                    .map(|_| ())
            },
        )
        .await?;
        Ok(outputs)
    }

    async fn delete(&self, ctx: &Ctx, id: &str, a: &Attrs) -> Result<(), ResourceError> {
        let sm = &self.0.region(&ctx.region).secretsmanager;
        let days = attrs::opt_int(a, "recovery_window_days").unwrap_or(30);
        let req = sm.delete_secret().secret_id(id);
        let req = if days == 0 {
            req.force_delete_without_recovery(true)
        } else {
            req.recovery_window_in_days(days)
        };
        ignore_not_found(
            req.send()
                .await
                .map(|_| ())
                .ctx(&format!("deleting Secrets Manager secret ({id})")),
        )
    }
}
