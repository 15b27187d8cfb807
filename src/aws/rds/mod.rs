//! RDS resource types (Aurora) and what they share: tags as a list set at
//! create and synced by ARN, reads batched through Describe filters, and
//! waiters on the status RDS reports.

#[cfg(test)]
pub mod audit;
mod cluster;
mod cluster_extras;
mod cluster_instance;
mod snapshots;
mod subnet_group;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_rds::types::{Filter, Tag};

use super::error::SdkResultExt;
use super::tags;
use super::Aws;
use crate::engine::resource::{ErrorClass, Observed, Registry, ResourceError};
use crate::engine::retry::{Budget, Waiter};
use crate::engine::value::Attrs;

/// Registers the RDS resource types.
pub fn register(r: &mut Registry, aws: &Arc<Aws>) {
    r.register(Arc::new(subnet_group::SubnetGroup(aws.clone())));
    r.register(Arc::new(cluster::Cluster(aws.clone())));
    r.register(Arc::new(cluster_instance::ClusterInstance(aws.clone())));
}

/// Waiting for a cluster or instance to become `available` (creates and
/// modifications; an Aurora cluster takes minutes).
pub const AVAILABLE: Waiter = Waiter {
    name: "RDS to report the database available",
    timeout: Duration::from_secs(3600),
    interval: Duration::from_secs(15),
};

/// Waiting for a deleted cluster or instance to be gone.
pub const GONE: Waiter = Waiter {
    name: "RDS to finish deleting the database",
    timeout: Duration::from_secs(3600),
    interval: Duration::from_secs(15),
};

/// A cluster refuses changes while it or an instance is being modified
/// (`InvalidDBClusterStateFault`): retried within this budget.
pub const BUSY: Budget = Budget {
    name: "rds-busy",
    max_elapsed: Duration::from_secs(1800),
    initial: Duration::from_secs(10),
    max_delay: Duration::from_secs(60),
};

/// Statuses of a cluster or instance that waiting will not change.
pub const FAILED: &[&str] = &[
    "failed",
    "inaccessible-encryption-credentials",
    "incompatible-network",
    "incompatible-parameters",
    "incompatible-restore",
    "storage-full",
];

/// Most values one Describe filter takes.
const FILTER_BATCH: usize = 100;

/// Desired tags as RDS tags.
pub(super) fn rds_tags(pairs: impl IntoIterator<Item = (String, String)>) -> Vec<Tag> {
    pairs
        .into_iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// Live tags as the `tags` attribute.
pub(super) fn live_tags(t: &[Tag]) -> serde_json::Value {
    tags::live(
        t.iter()
            .map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default())),
    )
}

/// Brings the tags of the object `arn` from `from` to `to`.
pub(super) async fn sync_tags(
    rds: &aws_sdk_rds::Client,
    arn: &str,
    from: &Attrs,
    to: &Attrs,
    what: &str,
) -> Result<(), ResourceError> {
    tags::sync(
        from,
        to,
        |remove| async move {
            rds.remove_tags_from_resource()
                .resource_name(arn)
                .set_tag_keys(Some(remove))
                .send()
                .await
                .ctx(&format!("untagging {what}"))
                .map(|_| ())
        },
        |set| async move {
            rds.add_tags_to_resource()
                .resource_name(arn)
                .set_tags(Some(rds_tags(set)))
                .send()
                .await
                .ctx(&format!("tagging {what}"))
                .map(|_| ())
        },
    )
    .await
}

/// A Describe filter on `name` with `values`.
pub(super) fn filter(name: &str, values: Vec<String>) -> Filter {
    Filter::builder()
        .name(name)
        .set_values(Some(values))
        .build()
}

/// Reads many objects with one filtered Describe call per
/// [`FILTER_BATCH`] ids: a filter that matches nothing is not an error, so
/// an id missing from the answer is gone.
pub(super) async fn filtered<F, Fut>(
    items: &[(String, Attrs)],
    fetch: F,
) -> Vec<Result<Option<Observed>, ResourceError>>
where
    F: Fn(Vec<String>) -> Fut,
    Fut: std::future::Future<Output = Result<HashMap<String, Observed>, ResourceError>>,
{
    let mut out = Vec::with_capacity(items.len());
    for chunk in items.chunks(FILTER_BATCH) {
        let ids = chunk.iter().map(|(id, _)| id.clone()).collect();
        match fetch(ids).await {
            Ok(mut found) => out.extend(chunk.iter().map(|(id, _)| Ok(found.remove(id)))),
            Err(e) => out.extend(chunk.iter().map(|_| Err(e.clone()))),
        }
    }
    out
}

/// True for `InvalidDBClusterStateFault` / `InvalidDBInstanceStateFault`:
/// another change is still in progress.
pub(super) fn busy(e: &ResourceError) -> bool {
    matches!(
        e.code.as_deref(),
        Some("InvalidDBClusterStateFault" | "InvalidDBInstanceStateFault")
    )
}

/// The one-line refusal when deletion protection is on.
pub(super) fn protected(id: &str) -> ResourceError {
    ResourceError::new(
        ErrorClass::Invalid,
        format!("deleting RDS cluster ({id})"),
        "deletion protection is on: set `[database] deletion_protection = false` in hcprov.toml and run `hcprov apply`, then destroy",
    )
}
