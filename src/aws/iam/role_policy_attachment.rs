//! IAM managed-policy attachment to a role (both force replacement). Its id
//! is `role/policy_arn`.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use serde_json::json;

use super::split_id;
use crate::aws::attrs::{self, obj};
use crate::aws::error::{ignore_not_found, SdkResultExt};
use crate::aws::find;
use crate::aws::transient;
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
        let iam = &self.0.region(&ctx.region).iam;
        transient::call(ctx, "iam", "AttachRolePolicy", || async {
            iam.attach_role_policy()
                .role_name(role)
                .policy_arn(arn)
                .send()
                .await
                .ctx(&format!("attaching {arn} to IAM role ({role})"))
        })
        .await?;
        Ok(Created {
            id: format!("{role}/{arn}"),
            outputs: Attrs::new(),
        })
    }

    fn batches_reads(&self) -> bool {
        true
    }

    async fn find(&self, _: &Ctx, _: &Attrs) -> Result<Vec<String>, ResourceError> {
        find::idempotent()
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        a: &Attrs,
    ) -> Result<Option<Observed>, ResourceError> {
        self.read_many(ctx, &[(id.to_string(), a.clone())])
            .await
            .pop()
            .unwrap_or(Ok(None))
    }

    /// At most one ListAttachedRolePolicies call per role, however many of
    /// its attachments are read (none in a refresh, when the account-wide
    /// read holds them all).
    async fn read_many(
        &self,
        ctx: &Ctx,
        items: &[(String, Attrs)],
    ) -> Vec<Result<Option<Observed>, ResourceError>> {
        // Each role's list: from the refresh's account-wide read when it
        // holds the role; a policy missing from it (IAM is eventually
        // consistent) is confirmed with the role's own list, once per role.
        type Lists = HashMap<String, Result<Option<Vec<String>>, ResourceError>>;
        let (mut attached, mut asked): (Lists, Lists) = Default::default();
        let mut out = Vec::with_capacity(items.len());
        for (id, _) in items {
            let (role, arn) = match split_id(id, '/', "IAM role policy attachment") {
                Ok(p) => p,
                Err(e) => {
                    out.push(Err(e));
                    continue;
                }
            };
            if !attached.contains_key(role) {
                let arns = super::sets::attached(&self.0, &ctx.region, role).await;
                attached.insert(role.to_string(), arns);
            }
            let mut list = &attached[role];
            if matches!(list, Ok(Some(l)) if !l.iter().any(|a| a == arn)) {
                if !asked.contains_key(role) {
                    let arns = super::sets::attached_asked(&self.0, &ctx.region, role).await;
                    asked.insert(role.to_string(), arns);
                }
                list = &asked[role];
            }
            out.push(match list {
                Ok(Some(list)) if list.iter().any(|a| a == arn) => Ok(Some(Observed {
                    attrs: obj(json!({ "role": role, "policy_arn": arn })),
                    outputs: Attrs::new(),
                })),
                Ok(_) => Ok(None),
                Err(e) => Err(e.clone()),
            });
        }
        out
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
