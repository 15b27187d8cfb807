//! IAM role: name (forces replacement), trust policy, tags, and the sets
//! of policies attached to it and embedded in it. Those sets are the
//! role's own: the blueprint declares them (from its `iam_role_policy` and
//! `iam_role_policy_attachment` nodes), a policy attached or embedded
//! outside hcprov is drift, and apply removes it; a declared one that is
//! missing is recreated by its own node. Reads are batched: one paged
//! GetAccountAuthorizationDetails for every role of a run.

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::json;

use super::{build_tags, iam_tags};
use crate::aws::attrs;
use crate::aws::error::{ignore_not_found, SdkResultExt};
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

    fn batches_reads(&self) -> bool {
        true
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        a: &Attrs,
    ) -> Result<Option<Observed>, ResourceError> {
        crate::aws::single(self.read_many(ctx, &[(id.to_string(), a.clone())]).await)
    }

    async fn read_many(
        &self,
        ctx: &Ctx,
        items: &[(String, Attrs)],
    ) -> Vec<Result<Option<Observed>, ResourceError>> {
        let iam = &self.0.region(&ctx.region).iam;
        let all = async {
            let mut roles = std::collections::HashMap::new();
            let mut pages = iam
                .get_account_authorization_details()
                .filter(aws_sdk_iam::types::EntityType::Role)
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
                for r in page
                    .ctx("reading IAM roles (GetAccountAuthorizationDetails)")?
                    .role_detail_list()
                {
                    roles.insert(r.role_name().unwrap_or_default().to_string(), r.clone());
                }
            }
            Ok::<_, ResourceError>(roles)
        }
        .await;
        let roles = match all {
            Ok(r) => r,
            Err(e) => return items.iter().map(|_| Err(e.clone())).collect(),
        };
        items
            .iter()
            .map(|(id, _)| Ok(roles.get(id).map(observed)))
            .collect()
    }

    async fn update(
        &self,
        ctx: &Ctx,
        id: &str,
        from: &Attrs,
        to: &Attrs,
    ) -> Result<Attrs, ResourceError> {
        let iam = &self.0.region(&ctx.region).iam;
        if from.get("assume_role_policy") != to.get("assume_role_policy") {
            iam.update_assume_role_policy()
                .role_name(id)
                .policy_document(attrs::doc(to, "assume_role_policy")?)
                .send()
                .await
                .ctx(&format!("updating trust policy of IAM role ({id})"))?;
        }
        // Attached or embedded outside hcprov: removed. What is declared
        // and missing is its own node's to recreate.
        let extra = |k: &str| -> Vec<String> {
            let want = attrs::strs(to, k);
            attrs::strs(from, k)
                .into_iter()
                .filter(|x| !want.contains(x))
                .collect()
        };
        if to.contains_key("managed_policy_arns") {
            for arn in extra("managed_policy_arns") {
                ignore_not_found(
                    iam.detach_role_policy()
                        .role_name(id)
                        .policy_arn(&arn)
                        .send()
                        .await
                        .map(|_| ())
                        .ctx(&format!("detaching {arn} from IAM role ({id})")),
                )?;
            }
        }
        if to.contains_key("inline_policy_names") {
            for name in extra("inline_policy_names") {
                ignore_not_found(
                    iam.delete_role_policy()
                        .role_name(id)
                        .policy_name(&name)
                        .send()
                        .await
                        .map(|_| ())
                        .ctx(&format!("deleting policy {name} of IAM role ({id})")),
                )?;
            }
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
        let r = self
            .0
            .region(&ctx.region)
            .iam
            .delete_role()
            .role_name(id)
            .send()
            .await
            .ctx(&format!("deleting IAM role ({id})"));
        ignore_not_found(r.map(|_| ()))
    }
}

/// A role as GetAccountAuthorizationDetails describes it.
fn observed(r: &aws_sdk_iam::types::RoleDetail) -> Observed {
    let mut managed: Vec<String> = r
        .attached_managed_policies()
        .iter()
        .filter_map(|p| p.policy_arn().map(str::to_string))
        .collect();
    managed.sort();
    let mut inline: Vec<String> = r
        .role_policy_list()
        .iter()
        .filter_map(|p| p.policy_name().map(str::to_string))
        .collect();
    inline.sort();
    let attrs = json!({
        "name": r.role_name(),
        "assume_role_policy": attrs::parse_doc(r.assume_role_policy_document().unwrap_or("{}")),
        "managed_policy_arns": managed,
        "inline_policy_names": inline,
        "tags": tags::live(r.tags().iter().map(|t| (t.key(), t.value()))),
    });
    Observed {
        attrs: attrs.as_object().cloned().unwrap_or_default(),
        outputs: outputs(r.arn().unwrap_or_default(), r.role_id().unwrap_or_default()),
    }
}

fn outputs(arn: &str, unique_id: &str) -> Attrs {
    json!({ "arn": arn, "unique_id": unique_id })
        .as_object()
        .cloned()
        .unwrap_or_default()
}
