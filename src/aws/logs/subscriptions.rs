//! A log group's subscription filters: each streams every event of the
//! group to a destination (Kinesis, Firehose, Lambda, or a destination in
//! another account). The stack declares none, so `subscription_filters`
//! is held at none: drift reports one someone added, and apply deletes it.

use aws_sdk_cloudwatchlogs::Client;

use crate::aws::all_pages;
use crate::aws::attrs;
use crate::aws::error::{ignore_not_found, SdkResultExt};
use crate::engine::resource::ResourceError;
use crate::engine::value::Attrs;

/// The subscription filters of `group`, each as `NAME: DESTINATION_ARN`,
/// sorted.
pub async fn read(logs: &Client, group: &str) -> Result<Vec<String>, ResourceError> {
    let filters = all_pages!(
        logs.describe_subscription_filters().log_group_name(group),
        subscription_filters,
        &format!("reading the subscription filters of CloudWatch log group ({group})")
    );
    let mut out: Vec<String> = filters
        .iter()
        .map(|f| {
            format!(
                "{}: {}",
                f.filter_name().unwrap_or_default(),
                f.destination_arn().unwrap_or_default()
            )
        })
        .collect();
    out.sort();
    Ok(out)
}

/// Deletes the filters `from` holds beyond `to` (filter names have no `:`).
pub async fn remove_extras(
    logs: &Client,
    group: &str,
    from: &Attrs,
    to: &Attrs,
) -> Result<(), ResourceError> {
    for f in attrs::extras(from, to, "subscription_filters") {
        let name = f.split_once(':').map_or(f.as_str(), |(n, _)| n);
        let r = logs
            .delete_subscription_filter()
            .log_group_name(group)
            .filter_name(name)
            .send()
            .await
            .ctx(&format!(
                "deleting subscription filter {f}, added outside hcprov, from CloudWatch log group ({group})"
            ));
        ignore_not_found(r.map(|_| ()))?;
    }
    Ok(())
}
