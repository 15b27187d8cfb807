//! Route 53 resource types (global: their calls go to Route 53's one
//! endpoint, whatever the node's region): hosted zone, health check and
//! record set, and what they share: tags and waiting for a change to be
//! in sync.

#[cfg(test)]
pub mod audit;
mod health_check;
mod record;
mod zone;

use std::sync::Arc;
use std::time::Duration;

use aws_sdk_route53::types::{Tag, TagResourceType};

use super::error::SdkResultExt;
use super::tags;
use super::Aws;
use crate::engine::resource::{Ctx, Registry, ResourceError};
use crate::engine::retry::{wait_status, Waiter};
use crate::engine::value::Attrs;

/// Registers the Route 53 resource types.
pub fn register(r: &mut Registry, aws: &Arc<Aws>) {
    r.register(Arc::new(zone::Zone(aws.clone())));
    r.register(Arc::new(health_check::HealthCheck(aws.clone())));
    r.register(Arc::new(record::Record(aws.clone())));
}

/// Route 53 changes reach every name server within about a minute.
const INSYNC: Waiter = Waiter {
    name: "Route 53 change to be in sync",
    timeout: Duration::from_secs(600),
    interval: Duration::from_secs(5),
};

/// Waits until the change `id` is `INSYNC`.
async fn wait_insync(
    ctx: &Ctx,
    r53: &aws_sdk_route53::Client,
    id: &str,
) -> Result<(), ResourceError> {
    wait_status(ctx, &INSYNC, Some("INSYNC"), &[], || async {
        let out = r53
            .get_change()
            .id(id)
            .send()
            .await
            .ctx(&format!("reading Route 53 change ({id})"))?;
        Ok(out.change_info().map(|c| c.status().as_str().to_string()))
    })
    .await
}

fn r53_tags(pairs: impl IntoIterator<Item = (String, String)>) -> Vec<Tag> {
    pairs
        .into_iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// The live tags of a zone or health check as the `tags` attribute.
async fn read_tags(
    r53: &aws_sdk_route53::Client,
    kind: TagResourceType,
    id: &str,
) -> Result<serde_json::Value, ResourceError> {
    let out = r53
        .list_tags_for_resource()
        .resource_type(kind)
        .resource_id(id)
        .send()
        .await
        .ctx(&format!("reading tags of Route 53 {id}"))?;
    Ok(tags::live(
        out.resource_tag_set()
            .map(|s| s.tags())
            .unwrap_or_default()
            .iter()
            .map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default())),
    ))
}

/// Brings the tags of a zone or health check from `from` to `to`.
async fn sync_tags(
    r53: &aws_sdk_route53::Client,
    kind: TagResourceType,
    id: &str,
    from: &Attrs,
    to: &Attrs,
) -> Result<(), ResourceError> {
    let (set, remove) = tags::diff(from, to);
    if set.is_empty() && remove.is_empty() {
        return Ok(());
    }
    r53.change_tags_for_resource()
        .resource_type(kind)
        .resource_id(id)
        .set_add_tags(Some(r53_tags(set)).filter(|t| !t.is_empty()))
        .set_remove_tag_keys(Some(remove).filter(|r| !r.is_empty()))
        .send()
        .await
        .ctx(&format!("tagging Route 53 {id}"))?;
    Ok(())
}

/// Strips the `/hostedzone/` or `/change/` prefix Route 53 puts on ids.
fn bare(id: &str) -> String {
    id.rsplit('/').next().unwrap_or(id).to_string()
}

/// A DNS name without its trailing dot, lowercase.
fn name(n: &str) -> String {
    n.trim_end_matches('.').to_ascii_lowercase()
}
