//! SNS topic: the name forces replacement; display name, KMS key
//! (`kms_master_key_id`, server-side encryption) and tags update in place.
//! Its id is the topic ARN.

use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_sns::types::Tag;
use serde_json::json;

use crate::aws::attrs::{self, obj};
use crate::aws::error::{ignore_not_found, not_found_to_none, SdkResultExt};
use crate::aws::find;
use crate::aws::tags;
use crate::aws::Aws;
use crate::engine::resource::{Created, Ctx, ErrorClass, Observed, ResourceError, ResourceType};
use crate::engine::value::Attrs;

/// `sns_topic`.
pub struct Topic(pub Arc<Aws>);

fn sns_tags(pairs: impl IntoIterator<Item = (String, String)>) -> Result<Vec<Tag>, ResourceError> {
    pairs
        .into_iter()
        .map(|(k, v)| {
            Tag::builder().key(k).value(v).build().map_err(|e| {
                ResourceError::new(ErrorClass::Invalid, "building SNS tags", e.to_string())
            })
        })
        .collect()
}

#[async_trait]
impl ResourceType for Topic {
    fn kind(&self) -> &'static str {
        "sns_topic"
    }

    fn replace_on(&self) -> &'static [&'static str] {
        &["name"]
    }

    async fn create(&self, ctx: &Ctx, a: &Attrs) -> Result<Created, ResourceError> {
        let name = attrs::str(a, "name")?;
        let out = self
            .0
            .region(&ctx.region)
            .sns
            .create_topic()
            .name(name)
            .set_attributes(Some(
                super::topic_extras::create_attributes(a)
                    .into_iter()
                    .chain([
                        (
                            "DisplayName".to_string(),
                            attrs::str(a, "display_name")?.to_string(),
                        ),
                        (
                            "KmsMasterKeyId".to_string(),
                            attrs::opt_str(a, "kms_master_key_id")
                                .unwrap_or_default()
                                .to_string(),
                        ),
                    ])
                    .collect(),
            ))
            .set_tags(Some(sns_tags(tags::desired(a))?))
            .send()
            .await
            .ctx(&format!("creating SNS topic ({name})"))?;
        let arn = out.topic_arn().unwrap_or_default().to_string();
        Ok(Created {
            outputs: obj(json!({ "arn": arn })),
            id: arn,
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
        let sns = &self.0.region(&ctx.region).sns;
        // The three reads at once: one round trip. The attributes say
        // whether the topic is there; the others count only when it is.
        let (out, protection, t) = tokio::join!(
            sns.get_topic_attributes().topic_arn(id).send(),
            super::topic_extras::data_protection(sns, id),
            sns.list_tags_for_resource().resource_arn(id).send(),
        );
        let Some(out) = not_found_to_none(out.ctx(&format!("reading SNS topic ({id})")))? else {
            return Ok(None);
        };
        let a = out.attributes().cloned().unwrap_or_default();
        let mut attrs = obj(super::topic_extras::observe(&a));
        attrs.insert("data_protection_policy".into(), protection?);
        let t = t.ctx(&format!("reading tags of SNS topic ({id})"))?;
        attrs.extend(obj(json!({
            "name": id.rsplit(':').next().unwrap_or_default(),
            "display_name": a.get("DisplayName").cloned().unwrap_or_default(),
            "kms_master_key_id": a.get("KmsMasterKeyId").filter(|k| !k.is_empty()),
            "tags": tags::live(t.tags().iter().map(|t| (t.key(), t.value()))),
        })));
        Ok(Some(Observed {
            attrs,
            outputs: obj(json!({ "arn": id })),
        }))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        id: &str,
        from: &Attrs,
        to: &Attrs,
    ) -> Result<Attrs, ResourceError> {
        let sns = &self.0.region(&ctx.region).sns;
        for (attr, name) in [
            ("display_name", "DisplayName"),
            ("kms_master_key_id", "KmsMasterKeyId"),
        ] {
            if from.get(attr) != to.get(attr) {
                sns.set_topic_attributes()
                    .topic_arn(id)
                    .attribute_name(name)
                    .attribute_value(attrs::opt_str(to, attr).unwrap_or_default())
                    .send()
                    .await
                    .ctx(&format!("updating {name} of SNS topic ({id})"))?;
            }
        }
        super::topic_extras::restore(sns, id, from, to).await?;
        tags::sync(
            from,
            to,
            |remove| async move {
                sns.untag_resource()
                    .resource_arn(id)
                    .set_tag_keys(Some(remove))
                    .send()
                    .await
                    .ctx(&format!("untagging SNS topic ({id})"))
                    .map(|_| ())
            },
            |set| async move {
                sns.tag_resource()
                    .resource_arn(id)
                    .set_tags(Some(sns_tags(set)?))
                    .send()
                    .await
                    .ctx(&format!("tagging SNS topic ({id})"))
                    .map(|_| ())
            },
        )
        .await?;
        Ok(Attrs::new())
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _: &Attrs) -> Result<(), ResourceError> {
        let r = self
            .0
            .region(&ctx.region)
            .sns
            .delete_topic()
            .topic_arn(id)
            .send()
            .await;
        ignore_not_found(r.map(|_| ()).ctx(&format!("deleting SNS topic ({id})")))
    }
}
