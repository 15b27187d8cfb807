//! IAM role: name (forces replacement), trust policy, tags, and the two
//! sets it owns (attached managed policies, inline policies; see `sets`).

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::json;

use super::{build_tags, iam_tags};
use crate::aws::attrs;
use crate::aws::error::{ignore_not_found, not_found_to_none, SdkResultExt};
use crate::aws::find;
use crate::aws::tags;
use crate::aws::Aws;
use crate::engine::resource::{Created, Ctx, Observed, ResourceError, ResourceType};
use crate::engine::value::Attrs;

/// `iam_role`.
pub struct Role(pub Arc<Aws>);

#[async_trait]
impl ResourceType for Role {
    fn kind(&self) -> &'static str {
        "iam_role"
    }

    fn replace_on(&self) -> &'static [&'static str] {
        &["name"]
    }

    async fn create(&self, ctx: &Ctx, a: &Attrs) -> Result<Created, ResourceError> {
        let name = attrs::str(a, "name")?;
        let out = self
            .0
            .region(&ctx.region)
            .iam
            .create_role()
            .role_name(name)
            .assume_role_policy_document(attrs::doc(a, "assume_role_policy")?)
            .set_tags(Some(iam_tags(a)?))
            .send()
            .await
            .ctx(&format!("creating IAM role ({name})"))?;
        let role = out.role();
        Ok(Created {
            id: name.to_string(),
            outputs: outputs(
                role.map(|r| r.arn()).unwrap_or_default(),
                role.map(|r| r.role_id()).unwrap_or_default(),
            ),
        })
    }

    async fn find(&self, ctx: &Ctx, a: &Attrs) -> Result<Vec<String>, ResourceError> {
        find::by_id(self, ctx, attrs::str(a, "name")?, a).await
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        prior: &Attrs,
    ) -> Result<Option<Observed>, ResourceError> {
        let iam = &self.0.region(&ctx.region).iam;
        let out = not_found_to_none(
            iam.get_role()
                .role_name(id)
                .send()
                .await
                .ctx(&format!("reading IAM role ({id})")),
        )?;
        let Some(role) = out.and_then(|o| o.role().cloned()) else {
            return Ok(None);
        };
        let (arns, names) = super::sets::read(&self.0, &ctx.region, id).await?;
        let attrs = json!({
            "name": role.role_name(),
            "managed_policy_arns": attrs::owned_set(arns, prior.get("managed_policy_arns")),
            "max_session_duration": role.max_session_duration(),
            "permissions_boundary": role.permissions_boundary().and_then(|b| b.permissions_boundary_arn()),
            "inline_policy_names": attrs::owned_set(names, prior.get("inline_policy_names")),
            "assume_role_policy": attrs::parse_doc(role.assume_role_policy_document().unwrap_or("{}")),
            "tags": tags::live(role.tags().iter().map(|t| (t.key(), t.value()))),
        });
        Ok(Some(Observed {
            attrs: attrs.as_object().cloned().unwrap_or_default(),
            outputs: outputs(role.arn(), role.role_id()),
        }))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        id: &str,
        from: &Attrs,
        to: &Attrs,
    ) -> Result<Attrs, ResourceError> {
        let iam = &self.0.region(&ctx.region).iam;
        super::sets::remove_extras(iam, id, from, to).await?;
        let differs = |k: &str| attrs::differs(from, to, k);
        if differs("max_session_duration") {
            iam.update_role()
                .role_name(id)
                .max_session_duration(attrs::int(to, "max_session_duration")? as i32)
                .send()
                .await
                .ctx(&format!("setting the session length of IAM role ({id})"))?;
        }
        // A boundary someone added only narrows the role (an incident
        // response?): reported, never removed by apply, except on a guard.
        let added_boundary = !tags::is_guard(to)
            && attrs::opt_str(to, "permissions_boundary").is_none()
            && attrs::opt_str(from, "permissions_boundary").is_some();
        if added_boundary {
            tracing::warn!("IAM role {id} has a permissions boundary set outside hcprov: kept; delete it by hand when it is no longer needed");
        }
        if differs("permissions_boundary") && !added_boundary {
            let what = format!("setting the permissions boundary of IAM role ({id})");
            match attrs::opt_str(to, "permissions_boundary") {
                Some(arn) => {
                    iam.put_role_permissions_boundary()
                        .role_name(id)
                        .permissions_boundary(arn)
                        .send()
                        .await
                        .ctx(&what)?;
                }
                None => {
                    ignore_not_found(
                        iam.delete_role_permissions_boundary()
                            .role_name(id)
                            .send()
                            .await
                            .map(|_| ())
                            .ctx(&what),
                    )?;
                }
            }
        }
        if from.get("assume_role_policy") != to.get("assume_role_policy") {
            iam.update_assume_role_policy()
                .role_name(id)
                .policy_document(attrs::doc(to, "assume_role_policy")?)
                .send()
                .await
                .ctx(&format!("updating trust policy of IAM role ({id})"))?;
        }
        tags::sync(
            from,
            to,
            |remove| async move {
                iam.untag_role()
                    .role_name(id)
                    .set_tag_keys(Some(remove))
                    .send()
                    .await
                    .ctx(&format!("untagging IAM role ({id})"))
                    .map(|_| ())
            },
            |set| async move {
                iam.tag_role()
                    .role_name(id)
                    .set_tags(Some(build_tags(set)?))
                    .send()
                    .await
                    .ctx(&format!("tagging IAM role ({id})"))
                    .map(|_| ())
            },
        )
        .await?;
        Ok(Attrs::new())
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _: &Attrs) -> Result<(), ResourceError> {
        let iam = &self.0.region(&ctx.region).iam;
        super::sets::remove_all(&self.0, &ctx.region, id).await?;
        let r = iam
            .delete_role()
            .role_name(id)
            .send()
            .await
            .ctx(&format!("deleting IAM role ({id})"));
        ignore_not_found(r.map(|_| ()))
    }
}

fn outputs(arn: &str, unique_id: &str) -> Attrs {
    json!({ "arn": arn, "unique_id": unique_id })
        .as_object()
        .cloned()
        .unwrap_or_default()
}
