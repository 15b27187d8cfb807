//! IAM inline role policy: role and name force replacement; the document
//! updates in place. Its id is `role:name`.

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::json;

use super::split_id;
use crate::aws::attrs;
use crate::aws::error::{ignore_not_found, not_found_to_none, SdkResultExt};
use crate::aws::find;
use crate::aws::transient;
use crate::aws::Aws;
use crate::engine::resource::{Created, Ctx, Observed, ResourceError, ResourceType};
use crate::engine::value::Attrs;

/// `iam_role_policy`.
pub struct RolePolicy(pub Arc<Aws>);

impl RolePolicy {
    async fn put(&self, ctx: &Ctx, a: &Attrs) -> Result<String, ResourceError> {
        let (role, name) = (attrs::str(a, "role")?, attrs::str(a, "name")?);
        let iam = &self.0.region(&ctx.region).iam;
        let doc = attrs::doc(a, "policy")?;
        transient::call(ctx, "iam", "PutRolePolicy", || async {
            iam.put_role_policy()
                .role_name(role)
                .policy_name(name)
                .policy_document(doc.clone())
                .send()
                .await
                .ctx(&format!("putting IAM role policy ({role}:{name})"))
        })
        .await?;
        Ok(format!("{role}:{name}"))
    }
}

#[async_trait]
impl ResourceType for RolePolicy {
    fn kind(&self) -> &'static str {
        "iam_role_policy"
    }

    fn replace_on(&self) -> &'static [&'static str] {
        &["role", "name"]
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
        let (role, name) = split_id(id, ':', "IAM role policy")?;
        // From the refresh's account-wide read when it holds the policy;
        // else (outside a refresh, or not there yet) from the role.
        if let Some(d) = super::details::role(&self.0, &ctx.region, role).await {
            if let Some(p) = d
                .role_policy_list()
                .iter()
                .find(|p| p.policy_name() == Some(name))
            {
                return Ok(Some(Observed {
                    attrs: attrs::obj(json!({
                        "role": role,
                        "name": name,
                        "policy": attrs::parse_doc(p.policy_document().unwrap_or("{}")),
                    })),
                    outputs: Attrs::new(),
                }));
            }
        }
        let out = not_found_to_none(
            self.0
                .region(&ctx.region)
                .iam
                .get_role_policy()
                .role_name(role)
                .policy_name(name)
                .send()
                .await
                .ctx(&format!("reading IAM role policy ({id})")),
        )?;
        Ok(out.map(|o| Observed {
            attrs: json!({
                "role": o.role_name(),
                "name": o.policy_name(),
                "policy": attrs::parse_doc(o.policy_document()),
            })
            .as_object()
            .cloned()
            .unwrap_or_default(),
            outputs: Attrs::new(),
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
        let (role, name) = split_id(id, ':', "IAM role policy")?;
        let r = self
            .0
            .region(&ctx.region)
            .iam
            .delete_role_policy()
            .role_name(role)
            .policy_name(name)
            .send()
            .await
            .ctx(&format!("deleting IAM role policy ({id})"));
        ignore_not_found(r.map(|_| ()))
    }
}
