//! IAM resource types: roles, inline role policies, managed-policy
//! attachments. IAM is global; the clients of the node's region are used.

#[cfg(test)]
pub mod audit;
mod details;
mod role;
mod role_policy;
mod role_policy_attachment;
mod sets;

use std::sync::Arc;

use aws_sdk_iam::types::Tag;

use super::tags;
use super::Aws;
use crate::engine::resource::{ErrorClass, Registry, ResourceError};
use crate::engine::value::Attrs;

/// Registers the IAM resource types.
pub fn register(r: &mut Registry, aws: &Arc<Aws>) {
    r.register(Arc::new(role::Role(aws.clone())));
    r.register(Arc::new(role_policy::RolePolicy(aws.clone())));
    r.register(Arc::new(role_policy_attachment::RolePolicyAttachment(
        aws.clone(),
    )));
}

fn build_tags(
    pairs: impl IntoIterator<Item = (String, String)>,
) -> Result<Vec<Tag>, ResourceError> {
    pairs
        .into_iter()
        .map(|(k, v)| {
            Tag::builder().key(k).value(v).build().map_err(|e| {
                ResourceError::new(ErrorClass::Invalid, "building IAM tags", e.to_string())
            })
        })
        .collect()
}

/// The desired tags of `attrs` as IAM tags.
fn iam_tags(a: &Attrs) -> Result<Vec<Tag>, ResourceError> {
    build_tags(tags::desired(a))
}

/// Splits a two-part id `a<sep>b`.
fn split_id<'a>(id: &'a str, sep: char, what: &str) -> Result<(&'a str, &'a str), ResourceError> {
    id.split_once(sep).ok_or_else(|| {
        ResourceError::new(
            ErrorClass::Invalid,
            format!("reading {what}"),
            format!("malformed id {id:?}"),
        )
    })
}
