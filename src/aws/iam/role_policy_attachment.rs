//! IAM managed-policy attachment to a role (both force replacement). Its id
//! is `role/policy_arn`.

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::json;

use super::split_id;
use crate::aws::attrs;
use crate::aws::error::{ignore_not_found, not_found_to_none, SdkResultExt};
use crate::aws::Aws;
use crate::engine::resource::{Created, Ctx, Observed, ResourceError, ResourceType};
use crate::engine::value::Attrs;

/// `iam_role_policy_attachment`.
pub struct RolePolicyAttachment(pub Arc<Aws>);

#[async_trait]
impl ResourceType for RolePolicyAttachment {
    fn kind(&self) -> &'static str {
        "iam_role_policy_attachment"
    }

    fn replace_on(&self) -> &'static [&'static str] {
        &["role", "policy_arn"]
    }

    async fn create(&self, ctx: &Ctx, a: &Attrs) -> Result<Created, ResourceError> {
        let (role, arn) = (attrs::str(a, "role")?, attrs::str(a, "policy_arn")?);
        self.0
            .region(&ctx.region)
            .iam
            .attach_role_policy()
            .role_name(role)
            .policy_arn(arn)
            .send()
            .await
            .ctx(&format!("attaching {arn} to IAM role ({role})"))?;
        Ok(Created {
            id: format!("{role}/{arn}"),
            outputs: Attrs::new(),
        })
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        _: &Attrs,
    ) -> Result<Option<Observed>, ResourceError> {
        let (role, arn) = split_id(id, '/', "IAM role policy attachment")?;
        let out = not_found_to_none(
            self.0
                .region(&ctx.region)
                .iam
                .list_attached_role_policies()
                .role_name(role)
                .send()
                .await
                .ctx(&format!("reading IAM role policy attachments ({role})")),
        )?;
        let attached = out.is_some_and(|o| {
            o.attached_policies()
                .iter()
                .any(|p| p.policy_arn() == Some(arn))
        });
        Ok(attached.then(|| Observed {
            attrs: json!({ "role": role, "policy_arn": arn })
                .as_object()
                .cloned()
                .unwrap_or_default(),
            outputs: Attrs::new(),
        }))
    }

    async fn update(&self, _: &Ctx, _: &str, _: &Attrs, _: &Attrs) -> Result<Attrs, ResourceError> {
        Ok(Attrs::new())
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _: &Attrs) -> Result<(), ResourceError> {
        let (role, arn) = split_id(id, '/', "IAM role policy attachment")?;
        let r = self
            .0
            .region(&ctx.region)
            .iam
            .detach_role_policy()
            .role_name(role)
            .policy_arn(arn)
            .send()
            .await
            .ctx(&format!("detaching {arn} from IAM role ({role})"));
        ignore_not_found(r.map(|_| ()))
    }
}
