//! S3 bucket: the name forces replacement; tags update in place.
//! `force_destroy` (hcprov-side, like Terraform's) empties every object
//! version before the bucket is deleted.

use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_s3::types::{
    BucketCannedAcl, BucketLocationConstraint, CreateBucketConfiguration, Delete, ObjectIdentifier,
    ObjectOwnership, OwnershipControls, OwnershipControlsRule, Tag, Tagging,
};
use serde_json::json;

use crate::aws::attrs::{self, obj};
use crate::aws::error::{ignore_not_found, not_found_to_none, unbuilt, SdkResultExt};
use crate::aws::find;
use crate::aws::tags;
use crate::aws::transient;
use crate::aws::{read_if, Aws};
use crate::engine::resource::{Created, Ctx, ErrorClass, Observed, ResourceError, ResourceType};
use crate::engine::value::Attrs;

/// `s3_bucket`.
pub struct Bucket(pub Arc<Aws>);

/// Who owns the objects written to the bucket: the bucket owner, with
/// ACLs off (`BucketOwnerEnforced`, S3's default since 2023), unless
/// declared. With ACLs on, a writer can grant another account an object.
fn ownership(a: &Attrs) -> ObjectOwnership {
    ObjectOwnership::from(attrs::opt_str(a, "object_ownership").unwrap_or("BucketOwnerEnforced"))
}

fn outputs(region: &str, name: &str) -> Attrs {
    let partition = crate::aws::partition_of_region(region);
    obj(json!({ "arn": format!("arn:{partition}:s3:::{name}") }))
}

async fn put_tags(
    ctx: &Ctx,
    s3: &aws_sdk_s3::Client,
    name: &str,
    a: &Attrs,
) -> Result<(), ResourceError> {
    let set: Result<Vec<Tag>, _> = tags::desired(a)
        .into_iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect();
    let set = set.map_err(unbuilt("building S3 tags"))?;
    let tagging = Tagging::builder()
        .set_tag_set(Some(set))
        .build()
        .map_err(unbuilt("building S3 tags"))?;
    transient::call(ctx, "s3", "PutBucketTagging", || async {
        s3.put_bucket_tagging()
            .bucket(name)
            .tagging(tagging.clone())
            .send()
            .await
            .ctx(&format!("tagging S3 bucket ({name})"))
    })
    .await?;
    Ok(())
}

#[async_trait]
impl ResourceType for Bucket {
    fn kind(&self) -> &'static str {
        "s3_bucket"
    }

    fn replace_on(&self) -> &'static [&'static str] {
        &["bucket"]
    }

    async fn create(&self, ctx: &Ctx, a: &Attrs) -> Result<Created, ResourceError> {
        let s3 = &self.0.region(&ctx.region).s3;
        let name = attrs::str(a, "bucket")?;
        let location = (ctx.region != "us-east-1").then(|| {
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::from(ctx.region.as_str()))
                .build()
        });
        transient::call(ctx, "s3", "CreateBucket", || async {
            s3.create_bucket()
                .bucket(name)
                .set_create_bucket_configuration(location.clone())
                .object_ownership(ownership(a))
                .send()
                .await
                .ctx(&format!("creating S3 bucket ({name})"))
        })
        .await?;
        put_tags(ctx, s3, name, a).await?;
        Ok(Created {
            id: name.to_string(),
            outputs: outputs(&ctx.region, name),
        })
    }

    async fn find(&self, ctx: &Ctx, a: &Attrs) -> Result<Vec<String>, ResourceError> {
        find::by_id(self, ctx, attrs::str(a, "bucket")?, a).await
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        prior: &Attrs,
    ) -> Result<Option<Observed>, ResourceError> {
        let s3 = &self.0.region(&ctx.region).s3;
        // Every read at once: a bucket costs one round trip. The tag read
        // says whether the bucket is there; the others' answers count only
        // when it is.
        let (t, ownership, undeclared) = tokio::join!(
            s3.get_bucket_tagging().bucket(id).send(),
            read_if(
                prior.contains_key("object_ownership"),
                object_ownership(s3, id)
            ),
            super::undeclared::read(s3, id, prior),
        );
        let live_tags = match t.ctx(&format!("reading S3 bucket ({id})")) {
            Ok(o) => tags::live(o.tag_set().iter().map(|t| (t.key(), t.value()))),
            Err(e) if e.code.as_deref() == Some("NoSuchTagSet") => json!({}),
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) => return Err(e),
        };
        let mut attrs = obj(json!({
            "bucket": id,
            // Not an AWS setting: carried over from what was applied.
            "force_destroy": prior.get("force_destroy").cloned().unwrap_or(json!(false)),
            "tags": live_tags,
        }));
        if let Some(rule) = ownership? {
            attrs.insert("object_ownership".into(), json!(rule));
        }
        attrs.extend(undeclared?);
        Ok(Some(Observed {
            attrs,
            outputs: outputs(&ctx.region, id),
        }))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        id: &str,
        from: &Attrs,
        to: &Attrs,
    ) -> Result<Attrs, ResourceError> {
        let s3 = &self.0.region(&ctx.region).s3;
        super::undeclared::remove(s3, id, from, to).await?;
        if attrs::differs(from, to, "object_ownership") {
            let wanted = ownership(to);
            // S3 refuses to turn ACLs off while the bucket's own ACL
            // grants anyone but the owner: that grant goes first.
            if wanted == ObjectOwnership::BucketOwnerEnforced {
                s3.put_bucket_acl()
                    .bucket(id)
                    .acl(BucketCannedAcl::Private)
                    .send()
                    .await
                    .ctx(&format!(
                        "taking the grants off the ACL of S3 bucket ({id})"
                    ))?;
            }
            let rule = OwnershipControlsRule::builder()
                .object_ownership(wanted.clone())
                .build()
                .map_err(unbuilt("setting object ownership"))?;
            s3.put_bucket_ownership_controls()
                .bucket(id)
                .ownership_controls(
                    OwnershipControls::builder()
                        .rules(rule)
                        .build()
                        .map_err(unbuilt("setting object ownership"))?,
                )
                .send()
                .await
                .ctx(&format!(
                    "setting the object ownership of S3 bucket ({id}) back to {}",
                    ownership(to).as_str()
                ))?;
        }
        if tags::changed(from, to) {
            put_tags(ctx, s3, id, to).await?;
        }
        Ok(Attrs::new())
    }

    async fn delete(&self, ctx: &Ctx, id: &str, a: &Attrs) -> Result<(), ResourceError> {
        let s3 = &self.0.region(&ctx.region).s3;
        let force = a.get("force_destroy").and_then(serde_json::Value::as_bool) == Some(true);
        if force {
            ignore_not_found(empty(s3, id).await)?;
        }
        let r = s3
            .delete_bucket()
            .bucket(id)
            .send()
            .await
            .ctx(&format!("deleting S3 bucket ({id})"))
            .map(|_| ());
        match r {
            Err(mut e) if e.code.as_deref() == Some("BucketNotEmpty") && !force => {
                e.message = format!(
                    "{}; the bucket still holds objects, and hcprov empties buckets only in a disposable environment: copy or empty it yourself, or set `disposable = true` in hcprov.toml if its data may go",
                    e.message
                );
                Err(e)
            }
            other => ignore_not_found(other),
        }
    }
}

/// Deletes every delete marker (one call each: moto fails on markers in
/// DeleteObjects, and a bucket holds few of them) and then every object
/// version (1000 per DeleteObjects call).
async fn empty(s3: &aws_sdk_s3::Client, bucket: &str) -> Result<(), ResourceError> {
    let what = format!("emptying S3 bucket ({bucket})");
    loop {
        let page = s3
            .list_object_versions()
            .bucket(bucket)
            .max_keys(1000)
            .send()
            .await
            .ctx(&what)?;
        let versions: Vec<ObjectIdentifier> = page
            .versions()
            .iter()
            .filter_map(|v| {
                ObjectIdentifier::builder()
                    .key(v.key()?)
                    .set_version_id(v.version_id().map(str::to_string))
                    .build()
                    .ok()
            })
            .collect();
        let markers: Vec<(String, Option<String>)> = page
            .delete_markers()
            .iter()
            .filter_map(|m| Some((m.key()?.to_string(), m.version_id().map(str::to_string))))
            .collect();
        if versions.is_empty() && markers.is_empty() {
            return Ok(());
        }
        // Markers first: moto fails on a batch that touches a key whose
        // latest version is a delete marker.
        for (key, version) in markers {
            s3.delete_object()
                .bucket(bucket)
                .key(key)
                .set_version_id(version)
                .send()
                .await
                .ctx(&what)?;
        }
        if !versions.is_empty() {
            let delete = Delete::builder()
                .set_objects(Some(versions))
                .quiet(true)
                .build()
                .map_err(|e| {
                    ResourceError::new(ErrorClass::Invalid, what.clone(), e.to_string())
                })?;
            let out = s3
                .delete_objects()
                .bucket(bucket)
                .delete(delete)
                .send()
                .await
                .ctx(&what)?;
            // DeleteObjects answers 200 with a per-object error list; those
            // objects would come back on the next page: give up, naming them.
            if !out.errors().is_empty() {
                let named: Vec<String> = out
                    .errors()
                    .iter()
                    .take(5)
                    .map(|e| {
                        format!(
                            "{} ({}: {})",
                            e.key().unwrap_or("?"),
                            e.code().unwrap_or("?"),
                            e.message().unwrap_or_default()
                        )
                    })
                    .collect();
                return Err(ResourceError::new(
                    ErrorClass::Other,
                    what.clone(),
                    format!(
                        "{} object version(s) could not be deleted, e.g. {}; delete them by hand (or fix the permission, object lock or legal hold that keeps them), then run destroy again",
                        out.errors().len(),
                        named.join(", ")
                    ),
                ));
            }
        }
    }
}

/// The bucket's object ownership. No controls: objects belong to whoever
/// writes them, and ACLs count (AWS's rule before 2023).
async fn object_ownership(s3: &aws_sdk_s3::Client, id: &str) -> Result<String, ResourceError> {
    let r = s3
        .get_bucket_ownership_controls()
        .bucket(id)
        .send()
        .await
        .ctx(&format!("reading the object ownership of S3 bucket ({id})"));
    let rule = not_found_to_none(r)?.and_then(|o| {
        o.ownership_controls()
            .and_then(|c| c.rules().first())
            .map(|r| r.object_ownership().as_str().to_string())
    });
    Ok(rule.unwrap_or_else(|| "ObjectWriter".into()))
}
