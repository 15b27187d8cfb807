//! ElastiCache resource types (Redis) and their shared tag handling.

#[cfg(test)]
pub mod audit;
mod replication_group;
mod subnet_group;

use std::sync::Arc;

use aws_sdk_elasticache::types::Tag;

use super::error::SdkResultExt;
use super::tags;
use super::Aws;
use crate::engine::resource::{Registry, ResourceError};
use crate::engine::value::Attrs;

/// Registers the ElastiCache resource types.
pub fn register(r: &mut Registry, aws: &Arc<Aws>) {
    r.register(Arc::new(subnet_group::SubnetGroup(aws.clone())));
    r.register(Arc::new(replication_group::ReplicationGroup(aws.clone())));
}

/// Desired tags as ElastiCache tags.
fn cache_tags(pairs: impl IntoIterator<Item = (String, String)>) -> Vec<Tag> {
    pairs
        .into_iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// The live tags of `arn` as the `tags` attribute.
async fn read_tags(
    ec: &aws_sdk_elasticache::Client,
    arn: &str,
    what: &str,
) -> Result<serde_json::Value, ResourceError> {
    let t = ec
        .list_tags_for_resource()
        .resource_name(arn)
        .send()
        .await
        .ctx(&format!("reading tags of {what}"))?;
    Ok(tags::live(t.tag_list().iter().map(|t| {
        (t.key().unwrap_or_default(), t.value().unwrap_or_default())
    })))
}

/// Brings the tags of `arn` from `from` to `to`.
async fn sync_tags(
    ec: &aws_sdk_elasticache::Client,
    arn: &str,
    from: &Attrs,
    to: &Attrs,
    what: &str,
) -> Result<(), ResourceError> {
    tags::sync(
        from,
        to,
        |remove| async move {
            ec.remove_tags_from_resource()
                .resource_name(arn)
                .set_tag_keys(Some(remove))
                .send()
                .await
                .ctx(&format!("untagging {what}"))
                .map(|_| ())
        },
        |set| async move {
            ec.add_tags_to_resource()
                .resource_name(arn)
                .set_tags(Some(cache_tags(set)))
                .send()
                .await
                .ctx(&format!("tagging {what}"))
                .map(|_| ())
        },
    )
    .await
}
