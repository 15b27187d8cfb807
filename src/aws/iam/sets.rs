//! The two sets an IAM role owns: the managed policies attached to it and
//! the inline policies embedded in it. Both are hcprov's alone (unless
//! `[sets] shared` names them): what someone else added is drift, and
//! apply takes it off again.
//!
//! One exception keeps an incident responder's work: a policy that only
//! denies (`AWSDenyAll`, the console's "Revoke active sessions" policy
//! `AWSRevokeOlderSessions`) is reported but not removed, except on a
//! guard (`tags::GUARD_TAG`); a person removes it when the incident is
//! over.
//!
//! Within a refresh both sets come from the account-wide read
//! (`details`), else from the role's own lists.

use aws_sdk_iam::Client;
use serde_json::Value;

use crate::aws::attrs;
use crate::aws::error::{ignore_not_found, SdkResultExt};
use crate::aws::Aws;
use crate::engine::resource::ResourceError;
use crate::engine::value::Attrs;

/// The managed policies attached to `role` and the names of its inline
/// policies, each sorted.
pub async fn read(
    aws: &Aws,
    region: &str,
    role: &str,
) -> Result<(Vec<String>, Vec<String>), ResourceError> {
    if let Some(d) = super::details::role(aws, region, role).await {
        let mut arns = attached_of(&d);
        let mut names: Vec<String> = d
            .role_policy_list()
            .iter()
            .filter_map(|p| p.policy_name().map(str::to_string))
            .collect();
        arns.sort();
        names.sort();
        return Ok((arns, names));
    }
    let mut arns = attached_asked(aws, region, role).await?.unwrap_or_default();
    let mut names = vec![];
    let iam = &aws.region(region).iam;
    let mut pages = iam
        .list_role_policies()
        .role_name(role)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.ctx(&format!("reading the inline policies of IAM role ({role})"))?;
        names.extend(page.policy_names().iter().cloned());
    }
    arns.sort();
    names.sort();
    Ok((arns, names))
}

fn attached_of(d: &aws_sdk_iam::types::RoleDetail) -> Vec<String> {
    d.attached_managed_policies()
        .iter()
        .filter_map(|p| p.policy_arn().map(str::to_string))
        .collect()
}

/// The ARNs of the managed policies attached to `role` (`None`: no such
/// role): from the refresh's account-wide read when it holds the role,
/// else [`attached_asked`].
pub async fn attached(
    aws: &Aws,
    region: &str,
    role: &str,
) -> Result<Option<Vec<String>>, ResourceError> {
    match super::details::role(aws, region, role).await {
        Some(d) => Ok(Some(attached_of(&d))),
        None => attached_asked(aws, region, role).await,
    }
}

/// [`attached`] asked of the role itself, once per refresh: the role and
/// its attachments both read it.
pub async fn attached_asked(
    aws: &Aws,
    region: &str,
    role: &str,
) -> Result<Option<Vec<String>>, ResourceError> {
    let iam = &aws.region(region).iam;
    let key = format!("{region}:iam:ListAttachedRolePolicies:{role}");
    aws.memo
        .get(key, || async {
            let mut arns = vec![];
            let mut pages = iam
                .list_attached_role_policies()
                .role_name(role)
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
                match page.ctx(&format!(
                    "reading the policies attached to IAM role ({role})"
                )) {
                    Ok(p) => arns.extend(
                        p.attached_policies()
                            .iter()
                            .filter_map(|x| x.policy_arn().map(str::to_string)),
                    ),
                    Err(e) if e.is_not_found() => return Ok(None),
                    Err(e) => return Err(e),
                }
            }
            Ok(Some(arns))
        })
        .await
}

/// True when every statement of `doc` denies: such a policy only takes
/// permissions away.
pub fn deny_only(doc: &Value) -> bool {
    let statements = match doc.get("Statement") {
        Some(Value::Array(s)) => s.clone(),
        Some(s @ Value::Object(_)) => vec![s.clone()],
        _ => return false,
    };
    !statements.is_empty() && statements.iter().all(|s| s["Effect"] == "Deny")
}

/// The document of the default version of the managed policy `arn`.
async fn managed_doc(iam: &Client, arn: &str) -> Result<Value, ResourceError> {
    let what = format!("reading the managed policy ({arn})");
    let p = iam.get_policy().policy_arn(arn).send().await.ctx(&what)?;
    let version = p
        .policy()
        .and_then(|p| p.default_version_id())
        .unwrap_or("v1");
    let v = iam
        .get_policy_version()
        .policy_arn(arn)
        .version_id(version)
        .send()
        .await
        .ctx(&what)?;
    Ok(attrs::parse_doc(
        v.policy_version()
            .and_then(|v| v.document())
            .unwrap_or("{}"),
    ))
}

/// Takes off `role` what `from` holds beyond `to`, except deny-only
/// policies (logged, kept): inline ones, and AWS managed ones such as
/// AWSDenyAll; a guard (see `tags::GUARD_TAG`) keeps none.
pub async fn remove_extras(
    iam: &Client,
    role: &str,
    from: &Attrs,
    to: &Attrs,
) -> Result<(), ResourceError> {
    let guard = crate::aws::tags::is_guard(to);
    for arn in attrs::extras(from, to, "managed_policy_arns") {
        // Only AWS's own policies: a customer's could be given an allowing
        // default version once it is kept.
        if !guard && arn.contains(":iam::aws:policy/") && deny_only(&managed_doc(iam, &arn).await?)
        {
            tracing::warn!("IAM role {role}: {arn}, attached outside hcprov, only denies: kept (an incident response?); detach it by hand when it is no longer needed");
            continue;
        }
        let r = iam
            .detach_role_policy()
            .role_name(role)
            .policy_arn(&arn)
            .send()
            .await
            .ctx(&format!(
                "detaching {arn}, attached outside hcprov, from IAM role ({role})"
            ));
        ignore_not_found(r.map(|_| ()))?;
    }
    for name in attrs::extras(from, to, "inline_policy_names") {
        let what = format!(
            "removing the inline policy {name}, added outside hcprov, from IAM role ({role})"
        );
        let doc = iam
            .get_role_policy()
            .role_name(role)
            .policy_name(&name)
            .send()
            .await
            .ctx(&what)?;
        if !guard && deny_only(&attrs::parse_doc(doc.policy_document())) {
            tracing::warn!("IAM role {role}: inline policy {name}, added outside hcprov, only denies: kept (an incident response?); delete it by hand when it is no longer needed");
            continue;
        }
        let r = iam
            .delete_role_policy()
            .role_name(role)
            .policy_name(&name)
            .send()
            .await
            .ctx(&what);
        ignore_not_found(r.map(|_| ()))?;
    }
    Ok(())
}

/// Empties both sets, so the role itself can be deleted (IAM refuses to
/// delete a role that still has policies).
pub async fn remove_all(aws: &Aws, region: &str, role: &str) -> Result<(), ResourceError> {
    let iam = &aws.region(region).iam;
    let (arns, names) = match read(aws, region, role).await {
        Ok(sets) => sets,
        Err(e) if e.is_not_found() => return Ok(()),
        Err(e) => return Err(e),
    };
    for arn in arns {
        let r = iam
            .detach_role_policy()
            .role_name(role)
            .policy_arn(&arn)
            .send()
            .await
            .ctx(&format!("detaching {arn} from IAM role ({role})"));
        ignore_not_found(r.map(|_| ()))?;
    }
    for name in names {
        let r = iam
            .delete_role_policy()
            .role_name(role)
            .policy_name(&name)
            .send()
            .await
            .ctx(&format!(
                "deleting the inline policy {name} of IAM role ({role})"
            ));
        ignore_not_found(r.map(|_| ()))?;
    }
    Ok(())
}
