//! EC2 resource types and what they share: tags at create time, tag
//! updates, reading tags back, and deletes that wait out DependencyViolation.

#[cfg(test)]
pub mod audit;
mod eip;
pub mod eni;
mod flow_log;
mod internet_gateway;
mod nat_gateway;
mod route_table;
mod route_table_association;
mod route_table_sets;
pub mod security_group;
mod security_group_rules;
mod subnet;
mod subnet_extras;
mod vpc;
mod vpc_endpoint;
mod vpc_extras;
mod vpc_peering;

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_ec2::types::{ResourceType as Ec2Type, Tag, TagSpecification};
use serde_json::Value;

use super::error::{ignore_not_found, SdkResultExt};
use super::single;
use super::tags;
use super::Aws;
use crate::engine::resource::{Ctx, ErrorClass, Observed, Registry, ResourceError};
use crate::engine::retry::{retry_when, Budget};
use crate::engine::value::Attrs;

/// Deletes retry DependencyViolation (ENIs draining, routes still pointing
/// at a gateway) within this budget.
pub const DEPENDENCY_VIOLATION: Budget = Budget {
    name: "ec2-dependency-violation",
    max_elapsed: Duration::from_secs(600),
    initial: Duration::from_secs(2),
    max_delay: Duration::from_secs(30),
};

pub(crate) use super::all_pages;

/// Registers the EC2 resource types.
pub fn register(r: &mut Registry, aws: &Arc<Aws>) {
    r.register(Arc::new(vpc::Vpc(aws.clone())));
    r.register(Arc::new(subnet::Subnet(aws.clone())));
    r.register(Arc::new(internet_gateway::InternetGateway(aws.clone())));
    r.register(Arc::new(eip::Eip(aws.clone())));
    r.register(Arc::new(nat_gateway::NatGateway(aws.clone())));
    r.register(Arc::new(route_table::RouteTable(aws.clone())));
    r.register(Arc::new(route_table_association::RouteTableAssociation(
        aws.clone(),
    )));
    r.register(Arc::new(vpc_endpoint::VpcEndpoint(aws.clone())));
    r.register(Arc::new(security_group::SecurityGroup(aws.clone())));
    r.register(Arc::new(security_group_rules::SecurityGroupRules(
        aws.clone(),
    )));
    r.register(Arc::new(flow_log::FlowLog(aws.clone())));
    r.register(Arc::new(vpc_peering::VpcPeering(aws.clone())));
}

/// Describe filters matching `attrs`' identity tags (address and lineage);
/// `None` for an object without them, which must not be searched for with
/// no filter at all.
fn identity_filters(attrs: &Attrs) -> Option<Vec<aws_sdk_ec2::types::Filter>> {
    let id = tags::identity(attrs);
    (!id.is_empty()).then(|| {
        id.into_iter()
            .map(|(k, v)| {
                aws_sdk_ec2::types::Filter::builder()
                    .name(format!("tag:{k}"))
                    .values(v)
                    .build()
            })
            .collect()
    })
}

/// `arn:<partition>:ec2:<region>:<owner>:<resource>`: EC2 ARNs carry the
/// owning account, which Describe answers report as `OwnerId`.
pub fn ec2_arn(region: &str, owner: &str, resource: &str) -> String {
    format!(
        "arn:{}:ec2:{region}:{owner}:{resource}",
        crate::aws::partition_of_region(region)
    )
}

/// `find` for tagged EC2 types: `describe` lists the ids of the objects
/// matching the identity filters; an object without identity tags is not
/// searched for.
async fn find_tagged<F, Fut>(attrs: &Attrs, describe: F) -> Result<Vec<String>, ResourceError>
where
    F: FnOnce(Vec<aws_sdk_ec2::types::Filter>) -> Fut,
    Fut: Future<Output = Result<Vec<String>, ResourceError>>,
{
    match identity_filters(attrs) {
        Some(f) => describe(f).await,
        None => Ok(vec![]),
    }
}

/// [`find_tagged`] for a type whose one Describe function serves both reads
/// (by ids) and the search (by filters): the ids it found, sorted.
async fn find_described<F, Fut>(attrs: &Attrs, describe: F) -> Result<Vec<String>, ResourceError>
where
    F: FnOnce(Vec<aws_sdk_ec2::types::Filter>) -> Fut,
    Fut: Future<Output = Result<HashMap<String, Observed>, ResourceError>>,
{
    find_tagged(attrs, |f| async move {
        let mut ids: Vec<String> = describe(f).await?.into_keys().collect();
        ids.sort();
        Ok(ids)
    })
    .await
}

/// The create-time tag specification for `attrs`' tags.
fn tag_spec(kind: Ec2Type, attrs: &Attrs) -> TagSpecification {
    let mut b = TagSpecification::builder().resource_type(kind);
    for (k, v) in tags::desired(attrs) {
        b = b.tags(Tag::builder().key(k).value(v).build());
    }
    b.build()
}

/// Live EC2 tags as the `tags` attribute.
fn tags_value(t: &[Tag]) -> Value {
    tags::live(
        t.iter()
            .map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default())),
    )
}

/// Brings `id`'s tags from `from` to `to`.
async fn update_tags(
    ec2: &aws_sdk_ec2::Client,
    id: &str,
    from: &Attrs,
    to: &Attrs,
    what: &str,
) -> Result<(), ResourceError> {
    tags::sync(
        from,
        to,
        |remove| async move {
            let keys: Vec<Tag> = remove
                .into_iter()
                .map(|k| Tag::builder().key(k).build())
                .collect();
            let r = ec2
                .delete_tags()
                .resources(id)
                .set_tags(Some(keys))
                .send()
                .await;
            r.ctx(&format!("removing tags from {what} ({id})"))
                .map(|_| ())
        },
        |set| async move {
            let pairs: Vec<Tag> = set
                .into_iter()
                .map(|(k, v)| Tag::builder().key(k).value(v).build())
                .collect();
            let r = ec2
                .create_tags()
                .resources(id)
                .set_tags(Some(pairs))
                .send()
                .await;
            r.ctx(&format!("tagging {what} ({id})")).map(|_| ())
        },
    )
    .await
}

/// Runs a delete, treating NotFound as done and retrying DependencyViolation.
async fn delete_retrying<F, Fut>(ctx: &Ctx, op: F) -> Result<(), ResourceError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<(), ResourceError>>,
{
    delete_retrying_within(ctx, &DEPENDENCY_VIOLATION, op).await
}

/// Runs a delete, treating NotFound as done and retrying DependencyViolation
/// within `budget`.
async fn delete_retrying_within<F, Fut>(
    ctx: &Ctx,
    budget: &Budget,
    op: F,
) -> Result<(), ResourceError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<(), ResourceError>>,
{
    ignore_not_found(
        retry_when(
            ctx,
            budget,
            |e| e.class == ErrorClass::DependencyViolation,
            op,
        )
        .await,
    )
}

/// A one-key output map.
fn output(key: &str, v: impl Into<Value>) -> Attrs {
    let mut m = Attrs::new();
    m.insert(key.into(), v.into());
    m
}

pub use security_group::canonical_rules;

/// Most ids one Describe call is given.
pub const DESCRIBE_BATCH: usize = 1000;

/// Reads many objects with one Describe call per [`DESCRIBE_BATCH`] ids.
/// `fetch` returns what it found by id. A Describe given an id that no
/// longer exists fails as a whole with NotFound; then each id of that batch
/// is read on its own, so one deleted object does not hide the others.
async fn batched<F, Fut>(
    items: &[(String, Attrs)],
    fetch: F,
) -> Vec<Result<Option<Observed>, ResourceError>>
where
    F: Fn(Vec<(String, Attrs)>) -> Fut,
    Fut: Future<Output = Result<HashMap<String, Observed>, ResourceError>>,
{
    let mut out = Vec::with_capacity(items.len());
    for chunk in items.chunks(DESCRIBE_BATCH) {
        match fetch(chunk.to_vec()).await {
            Ok(mut found) => out.extend(chunk.iter().map(|(id, _)| Ok(found.remove(id)))),
            Err(e) if e.is_not_found() => {
                for item in chunk {
                    out.push(match fetch(vec![item.clone()]).await {
                        Ok(mut found) => Ok(found.remove(&item.0)),
                        Err(e) if e.is_not_found() => Ok(None),
                        Err(e) => Err(e),
                    });
                }
            }
            Err(e) => out.extend(chunk.iter().map(|_| Err(e.clone()))),
        }
    }
    out
}

/// Ids of a batch.
fn ids(items: &[(String, Attrs)]) -> Vec<String> {
    items.iter().map(|(id, _)| id.clone()).collect()
}
