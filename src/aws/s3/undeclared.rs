//! What a bucket does that no part of the stack declares: inventories,
//! lifecycle rules
//! (expiring the audit trail), replication (a copy of the data in another
//! account), event notifications to a topic, queue or function (object
//! keys sent elsewhere). Delivery to EventBridge goes to this account's
//! default bus only, and GuardDuty malware protection and AWS Backup's
//! continuous S3 backups need it: it is neither drift nor taken off. The stack
//! declares these through their own nodes where it wants them; on a
//! bucket without such a node the bucket itself holds the setting at
//! none: drift reports what someone added, and apply takes it off.
//!
//! Each is read only when the bucket's attributes hold it, so a bucket
//! whose lifecycle has its own node is not asked twice.

use aws_sdk_s3::types::NotificationConfiguration;
use aws_sdk_s3::Client;

use crate::aws::error::{ignore_not_found, not_found_to_none, SdkResultExt};
use crate::aws::{attrs, read_if};
use crate::engine::resource::ResourceError;
use crate::engine::value::Attrs;
use serde_json::Value;

/// The settings of this kind a bucket may hold at none. No node declares
/// inventories: a daily list of every object key (patient ids in them)
/// delivered to any bucket, another account's included.
pub const KEYS: [&str; 4] = [
    "lifecycle_rules",
    "replication_rules",
    "notifications",
    "inventories",
];

/// The settings of `bucket` that `prior` holds, as read now: the reads
/// run at once, so a bucket costs one round trip for all of them.
pub async fn read(s3: &Client, bucket: &str, prior: &Attrs) -> Result<Attrs, ResourceError> {
    let held = |k: &str| prior.contains_key(k);
    let (lifecycle, replication, notifications, inventories) = tokio::join!(
        read_if(held(KEYS[0]), lifecycle(s3, bucket)),
        read_if(held(KEYS[1]), replication(s3, bucket)),
        read_if(held(KEYS[2]), notifications(s3, bucket)),
        read_if(held(KEYS[3]), inventories(s3, bucket)),
    );
    let mut out = Attrs::new();
    for (k, v) in KEYS
        .into_iter()
        .zip([lifecycle, replication, notifications, inventories])
    {
        if let Some(v) = v? {
            out.insert(k.into(), v);
        }
    }
    Ok(out)
}

/// The ids of the bucket's lifecycle rules.
async fn lifecycle(s3: &Client, bucket: &str) -> Result<Value, ResourceError> {
    let r = s3
        .get_bucket_lifecycle_configuration()
        .bucket(bucket)
        .send()
        .await
        .ctx(&format!("reading lifecycle of S3 bucket ({bucket})"));
    let ids: Vec<String> = not_found_to_none(r)?
        .map(|o| {
            o.rules()
                .iter()
                .map(|r| r.id().unwrap_or("(no id)").to_string())
                .collect()
        })
        .unwrap_or_default();
    Ok(attrs::sorted(ids))
}

/// The bucket's replication rules, `id: destination`.
async fn replication(s3: &Client, bucket: &str) -> Result<Value, ResourceError> {
    let r = s3
        .get_bucket_replication()
        .bucket(bucket)
        .send()
        .await
        .ctx(&format!("reading replication of S3 bucket ({bucket})"));
    let rules: Vec<String> = not_found_to_none(r)?
        .and_then(|o| o.replication_configuration().cloned())
        .map(|c| {
            c.rules()
                .iter()
                .map(|r| {
                    let to = r.destination().map(|d| d.bucket()).unwrap_or_default();
                    format!("{}: {to}", r.id().unwrap_or("(no id)"))
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(attrs::sorted(rules))
}

/// The bucket's event notifications, `id: target`.
async fn notifications(s3: &Client, bucket: &str) -> Result<Value, ResourceError> {
    let n = s3
        .get_bucket_notification_configuration()
        .bucket(bucket)
        .send()
        .await
        .ctx(&format!(
            "reading event notifications of S3 bucket ({bucket})"
        ))?;
    let mut found = vec![];
    for t in n.topic_configurations() {
        found.push(format!("{}: {}", t.id().unwrap_or("-"), t.topic_arn()));
    }
    for q in n.queue_configurations() {
        found.push(format!("{}: {}", q.id().unwrap_or("-"), q.queue_arn()));
    }
    for f in n.lambda_function_configurations() {
        found.push(format!(
            "{}: {}",
            f.id().unwrap_or("-"),
            f.lambda_function_arn()
        ));
    }
    Ok(attrs::sorted(found))
}

/// The bucket's inventories, `id: destination bucket`.
async fn inventories(s3: &Client, bucket: &str) -> Result<Value, ResourceError> {
    let mut found = vec![];
    let mut token: Option<String> = None;
    loop {
        let page = s3
            .list_bucket_inventory_configurations()
            .bucket(bucket)
            .set_continuation_token(token.clone())
            .send()
            .await
            .ctx(&format!("reading the inventories of S3 bucket ({bucket})"))?;
        for c in page.inventory_configuration_list() {
            let to = c
                .destination()
                .and_then(|d| d.s3_bucket_destination())
                .map(|d| d.bucket())
                .unwrap_or_default();
            found.push(format!("{}: {to}", c.id()));
        }
        token = page.next_continuation_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    Ok(attrs::sorted(found))
}

/// Takes off `bucket` what `from` holds and `to` (none) does not.
pub async fn remove(
    s3: &Client,
    bucket: &str,
    from: &Attrs,
    to: &Attrs,
) -> Result<(), ResourceError> {
    let extra = |k: &str| to.contains_key(k) && !attrs::extras(from, to, k).is_empty();
    if extra("lifecycle_rules") {
        let r = s3
            .delete_bucket_lifecycle()
            .bucket(bucket)
            .send()
            .await
            .ctx(&format!(
                "deleting the lifecycle rules, added outside hcprov, of S3 bucket ({bucket})"
            ));
        ignore_not_found(r.map(|_| ()))?;
    }
    if extra("replication_rules") {
        let r = s3
            .delete_bucket_replication()
            .bucket(bucket)
            .send()
            .await
            .ctx(&format!(
                "deleting the replication, added outside hcprov, of S3 bucket ({bucket})"
            ));
        ignore_not_found(r.map(|_| ()))?;
    }
    for inv in attrs::extras(from, to, "inventories") {
        let id = inv.split_once(':').map_or(inv.as_str(), |(i, _)| i);
        let r = s3
            .delete_bucket_inventory_configuration()
            .bucket(bucket)
            .id(id)
            .send()
            .await
            .ctx(&format!(
                "deleting the inventory {inv}, added outside hcprov, of S3 bucket ({bucket})"
            ));
        ignore_not_found(r.map(|_| ()))?;
    }
    if extra("notifications") {
        let what = format!(
            "removing the event notifications, added outside hcprov, of S3 bucket ({bucket})"
        );
        // Only EventBridge delivery stays (see above).
        let now = s3
            .get_bucket_notification_configuration()
            .bucket(bucket)
            .send()
            .await
            .ctx(&what)?;
        let keep = NotificationConfiguration::builder()
            .set_event_bridge_configuration(now.event_bridge_configuration().cloned())
            .build();
        s3.put_bucket_notification_configuration()
            .bucket(bucket)
            .notification_configuration(keep)
            .send()
            .await
            .ctx(&what)?;
    }
    Ok(())
}
