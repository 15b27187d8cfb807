//! What a trail records and where else it delivers: its event selectors
//! (CloudTrail's default is every management event, read and write; an
//! exclusion or a narrowed selector silences part of the audit trail), the
//! prefix its logs are written under, delivery to CloudWatch Logs, and
//! recursive logging. Held at CloudTrail's defaults; a change made outside
//! hcprov is drift, and apply puts it back.

use aws_sdk_cloudtrail::types::{EventSelector, ReadWriteType};
use aws_sdk_cloudtrail::Client;
use serde_json::{json, Value};

use crate::aws::error::SdkResultExt;
use crate::engine::resource::ResourceError;
use crate::engine::value::Attrs;

/// CloudTrail's selectors for a trail that says nothing else.
pub fn default_selectors() -> Value {
    json!({"basic": [{"read_write_type": "All", "include_management_events": true,
                      "data_resources": [], "exclude_management_event_sources": []}],
           "advanced": []})
}

/// The trail's event selectors (one GetEventSelectors).
pub async fn selectors(ct: &Client, id: &str) -> Result<Value, ResourceError> {
    let out = ct
        .get_event_selectors()
        .trail_name(id)
        .send()
        .await
        .ctx(&format!(
            "reading the event selectors of CloudTrail trail ({id})"
        ))?;
    let basic: Vec<Value> = out
        .event_selectors()
        .iter()
        .map(|s| {
            json!({
                "read_write_type": s.read_write_type().map_or("All", |r| r.as_str()),
                "include_management_events": s.include_management_events().unwrap_or(true),
                "data_resources": s.data_resources().iter().map(|d| json!({"type": d.r#type(), "values": d.values()})).collect::<Vec<_>>(),
                "exclude_management_event_sources": s.exclude_management_event_sources(),
            })
        })
        .collect();
    let advanced: Vec<Value> = out
        .advanced_event_selectors()
        .iter()
        .map(|a| json!({"name": a.name(), "field_selectors": format!("{:?}", a.field_selectors())}))
        .collect();
    // A trail that reports none records CloudTrail's default.
    if basic.is_empty() && advanced.is_empty() {
        return Ok(default_selectors());
    }
    Ok(json!({"basic": basic, "advanced": advanced}))
}

/// The observed delivery settings of `t`.
pub fn observe(t: &aws_sdk_cloudtrail::types::Trail) -> Value {
    json!({
        "s3_key_prefix": t.s3_key_prefix().filter(|p| !p.is_empty()),
        "cloud_watch_logs_log_group_arn": t.cloud_watch_logs_log_group_arn().filter(|p| !p.is_empty()),
        "cloud_watch_logs_role_arn": t.cloud_watch_logs_role_arn().filter(|p| !p.is_empty()),
        "recursive_logging": t.recursive_logging().unwrap_or(true),
    })
}

/// The keys UpdateTrail puts back.
pub const UPDATED: [&str; 4] = [
    "s3_key_prefix",
    "cloud_watch_logs_log_group_arn",
    "cloud_watch_logs_role_arn",
    "recursive_logging",
];

/// Puts the declared selectors back when they differ: every basic
/// selector whole (read/write type, management events, data resources,
/// excluded sources). PutEventSelectors replaces advanced selectors too.
pub async fn restore_selectors(
    ct: &Client,
    id: &str,
    from: &Attrs,
    to: &Attrs,
) -> Result<(), ResourceError> {
    let k = "event_selectors";
    let Some(want) = to.get(k) else {
        return Ok(());
    };
    if from.get(k) == Some(want) {
        return Ok(());
    }
    let strs = |v: &Value| -> Vec<String> {
        v.as_array()
            .into_iter()
            .flatten()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect()
    };
    let basic: Vec<EventSelector> = want["basic"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| {
            let data = s["data_resources"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|d| {
                    aws_sdk_cloudtrail::types::DataResource::builder()
                        .set_type(d["type"].as_str().map(str::to_string))
                        .set_values(Some(strs(&d["values"])))
                        .build()
                })
                .collect();
            EventSelector::builder()
                .read_write_type(ReadWriteType::from(
                    s["read_write_type"].as_str().unwrap_or("All"),
                ))
                .include_management_events(s["include_management_events"].as_bool().unwrap_or(true))
                .set_data_resources(Some(data))
                .set_exclude_management_event_sources(Some(strs(
                    &s["exclude_management_event_sources"],
                )))
                .build()
        })
        .collect();
    ct.put_event_selectors()
        .trail_name(id)
        .set_event_selectors(Some(basic))
        .send()
        .await
        .ctx(&format!(
            "putting back the event selectors of CloudTrail trail ({id})"
        ))?;
    Ok(())
}
