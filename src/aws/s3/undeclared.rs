//! What a bucket does that no part of the stack declares: lifecycle rules
//! (expiring the audit trail), replication (a copy of the data in another
//! account), event notifications (object keys sent elsewhere). The stack
//! declares these through their own nodes where it wants them; on a
//! bucket without such a node the bucket itself holds the setting at
//! none: drift reports what someone added, and apply takes it off.
//!
//! Each is read only when the bucket's attributes hold it, so a bucket
//! whose lifecycle has its own node is not asked twice.

use aws_sdk_s3::types::NotificationConfiguration;
use aws_sdk_s3::Client;
use serde_json::{json, Value};

use crate::aws::error::{ignore_not_found, not_found_to_none, SdkResultExt};
use crate::engine::resource::ResourceError;
use crate::engine::value::Attrs;

/// The settings of this kind a bucket may hold at none.
pub const KEYS: [&str; 3] = ["lifecycle_rules", "replication_rules", "notifications"];

/// The settings of `bucket` that `prior` holds, as read now.
pub async fn read(s3: &Client, bucket: &str, prior: &Attrs) -> Result<Attrs, ResourceError> {
    let mut out = Attrs::new();
    if prior.contains_key("lifecycle_rules") {
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
        out.insert("lifecycle_rules".into(), sorted(ids));
    }
    if prior.contains_key("replication_rules") {
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
        out.insert("replication_rules".into(), sorted(rules));
    }
    if prior.contains_key("notifications") {
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
        if n.event_bridge_configuration().is_some() {
            found.push("EventBridge".into());
        }
        out.insert("notifications".into(), sorted(found));
    }
    Ok(out)
}

fn sorted(mut v: Vec<String>) -> Value {
    v.sort();
    json!(v)
}

fn any(a: &Attrs, k: &str) -> bool {
    a.get(k)
        .and_then(Value::as_array)
        .is_some_and(|v| !v.is_empty())
}

/// Takes off `bucket` what `from` holds and `to` (none) does not.
pub async fn remove(
    s3: &Client,
    bucket: &str,
    from: &Attrs,
    to: &Attrs,
) -> Result<(), ResourceError> {
    let extra = |k: &str| to.contains_key(k) && any(from, k) && !any(to, k);
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
    if extra("notifications") {
        s3.put_bucket_notification_configuration()
            .bucket(bucket)
            .notification_configuration(NotificationConfiguration::builder().build())
            .send()
            .await
            .ctx(&format!(
                "removing the event notifications, added outside hcprov, of S3 bucket ({bucket})"
            ))?;
    }
    Ok(())
}
