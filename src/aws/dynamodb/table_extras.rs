//! The table settings beyond its key, billing, encryption, PITR switch
//! and replicas: its stream (held at none unless declared: a stream feeds
//! every change to whoever may read it), deletion protection, how far back PITR reaches, an
//! on-demand throughput cap (a low one throttles the API), and the guard
//! that keeps a replica from being split off a global table. A change made outside hcprov is drift, and
//! apply puts it back. Where AWS leaves a setting out of its answer, it is
//! at AWS's default, and the read says so.

use aws_sdk_dynamodb::operation::update_table::builders::UpdateTableFluentBuilder;
use aws_sdk_dynamodb::types::{
    OnDemandThroughput, StreamSpecification, StreamViewType, TableDescription,
};
use aws_sdk_dynamodb::Client;
use serde_json::{json, Value};

use crate::aws::attrs;
use crate::aws::error::{unbuilt, SdkResultExt};
use crate::engine::resource::ResourceError;
use crate::engine::value::Attrs;

/// The observed settings of `t`; `pitr_days` from DescribeContinuousBackups
/// (`None` when PITR is off).
pub fn observe(t: &TableDescription, pitr_days: Option<i32>) -> Value {
    let global = !t.replicas().is_empty();
    let cap = t.on_demand_throughput().and_then(|o| {
        let (r, w) = (o.max_read_request_units(), o.max_write_request_units());
        let set = |v: Option<i64>| v.filter(|n| *n > 0);
        (set(r).is_some() || set(w).is_some())
            .then(|| json!({"max_read_request_units": set(r), "max_write_request_units": set(w)}))
    });
    json!({
        "deletion_protection": t.deletion_protection_enabled().unwrap_or(false),
        "point_in_time_recovery_days": pitr_days,
        "on_demand_max_throughput": cap,
        "disassociation_protection": t.disassociation_protection_enabled().unwrap_or(global),
    })
}

/// The PITR window, in days, when PITR is on (35, AWS's default, when AWS
/// does not say).
pub fn pitr_days(
    out: &aws_sdk_dynamodb::operation::describe_continuous_backups::DescribeContinuousBackupsOutput,
) -> Option<i32> {
    let p = out
        .continuous_backups_description()
        .and_then(|d| d.point_in_time_recovery_description())?;
    (p.point_in_time_recovery_status().map(|s| s.as_str()) == Some("ENABLED"))
        .then(|| p.recovery_period_in_days().unwrap_or(35))
}

/// The UpdateTable requests that put back what `from` (live) has beyond
/// `to` (desired): one per switch, since DynamoDB takes one such change per
/// call (the caller waits for the table between them).
pub fn updates(
    ddb: &Client,
    id: &str,
    from: &Attrs,
    to: &Attrs,
) -> Result<Vec<UpdateTableFluentBuilder>, ResourceError> {
    let differs = |k: &str| attrs::differs(from, to, k);
    let update = || ddb.update_table().table_name(id);
    let mut out = vec![];
    if differs("deletion_protection") {
        out.push(update().deletion_protection_enabled(attrs::bool(to, "deletion_protection")?));
    }
    if differs("on_demand_max_throughput") {
        let cap = to.get("on_demand_max_throughput");
        // -1 takes a cap off.
        let n = |k: &str| cap.and_then(|c| c[k].as_i64()).unwrap_or(-1);
        out.push(
            update().on_demand_throughput(
                OnDemandThroughput::builder()
                    .max_read_request_units(n("max_read_request_units"))
                    .max_write_request_units(n("max_write_request_units"))
                    .build(),
            ),
        );
    }
    if differs("disassociation_protection") {
        out.push(
            update()
                .disassociation_protection_enabled(attrs::bool(to, "disassociation_protection")?),
        );
    }
    Ok(out)
}

/// The attribute DynamoDB expires items by, when time to live is on (or
/// turning on); `Null` when off. The stack sets none: an expiry on an
/// epoch attribute (the DR audit log's `at`) deletes every item, replicas
/// included, within days.
pub async fn ttl(ddb: &Client, id: &str) -> Result<Value, ResourceError> {
    let out = ddb
        .describe_time_to_live()
        .table_name(id)
        .send()
        .await
        .ctx(&format!(
            "reading the time to live of DynamoDB table ({id})"
        ))?;
    Ok(out
        .time_to_live_description()
        .filter(|d| {
            d.time_to_live_status()
                .is_some_and(|s| matches!(s.as_str(), "ENABLED" | "ENABLING"))
        })
        .and_then(|d| d.attribute_name())
        .map_or(Value::Null, |a| json!(a)))
}

/// Turns off the time to live `from` has when `to` holds none.
pub async fn restore_ttl(
    ddb: &Client,
    id: &str,
    from: &Attrs,
    to: &Attrs,
) -> Result<(), ResourceError> {
    let (Some(Value::Null), Some(on)) = (
        to.get("ttl_attribute"),
        attrs::opt_str(from, "ttl_attribute"),
    ) else {
        return Ok(());
    };
    ddb.update_time_to_live()
        .table_name(id)
        .time_to_live_specification(
            aws_sdk_dynamodb::types::TimeToLiveSpecification::builder()
                .attribute_name(on)
                .enabled(false)
                .build()
                .map_err(unbuilt(format!(
                    "turning off the time to live of DynamoDB table ({id})"
                )))?,
        )
        .send()
        .await
        .ctx(&format!(
            "turning off the time to live on {on}, set outside hcprov, of DynamoDB table ({id})"
        ))?;
    Ok(())
}

/// The table's resource policy (`Null`: none). The stack sets none: one
/// can let another account read the table, or its stream.
pub async fn resource_policy(ddb: &Client, arn: &str) -> Result<Value, ResourceError> {
    let r = ddb
        .get_resource_policy()
        .resource_arn(arn)
        .send()
        .await
        .ctx(&format!(
            "reading the resource policy of DynamoDB table ({arn})"
        ));
    Ok(crate::aws::error::not_found_to_none(r)?
        .and_then(|o| o.policy().map(attrs::parse_doc))
        .unwrap_or(Value::Null))
}

/// Deletes the resource policy `from` has when `to` holds none; `arn`
/// is the table's.
pub async fn restore_resource_policy(
    ddb: &Client,
    arn: &str,
    from: &Attrs,
    to: &Attrs,
) -> Result<(), ResourceError> {
    let held_at_none = to.get("resource_policy") == Some(&Value::Null);
    if !held_at_none || from.get("resource_policy").is_none_or(Value::is_null) {
        return Ok(());
    }
    let r = ddb
        .delete_resource_policy()
        .resource_arn(arn)
        .send()
        .await
        .ctx(&format!(
            "deleting the resource policy, set outside hcprov, of DynamoDB table ({arn})"
        ));
    crate::aws::error::ignore_not_found(r.map(|_| ()))
}

/// The calls that switch the table's stream to what `to` holds: off first
/// when its view changes (DynamoDB takes no other way), then on with the
/// view wanted.
pub fn stream_updates(
    ddb: &Client,
    id: &str,
    from: &Attrs,
    to: &Attrs,
) -> Result<Vec<UpdateTableFluentBuilder>, ResourceError> {
    let update = || ddb.update_table().table_name(id);
    let mut out = vec![];
    if attrs::differs(from, to, "stream_view_type") {
        let spec = |view: Option<&str>| {
            StreamSpecification::builder()
                .stream_enabled(view.is_some())
                .set_stream_view_type(view.map(StreamViewType::from))
                .build()
                .map_err(unbuilt(format!(
                    "setting the stream of DynamoDB table ({id})"
                )))
        };
        if attrs::opt_str(from, "stream_view_type").is_some() {
            out.push(update().stream_specification(spec(None)?));
        }
        if let Some(view) = attrs::opt_str(to, "stream_view_type") {
            out.push(update().stream_specification(spec(Some(view))?));
        }
    }
    Ok(out)
}

/// The Kinesis data streams the table sends every change to (being turned
/// on, on, or being changed), sorted. The stack declares none: one is a
/// copy of every write, to whoever reads the stream.
pub async fn kinesis_destinations(ddb: &Client, id: &str) -> Result<Vec<String>, ResourceError> {
    let out = ddb
        .describe_kinesis_streaming_destination()
        .table_name(id)
        .send()
        .await
        .ctx(&format!(
            "reading the Kinesis destinations of DynamoDB table ({id})"
        ))?;
    let mut on: Vec<String> = out
        .kinesis_data_stream_destinations()
        .iter()
        .filter(|d| {
            d.destination_status()
                .is_some_and(|s| matches!(s.as_str(), "ENABLING" | "ACTIVE" | "UPDATING"))
        })
        .filter_map(|d| d.stream_arn().map(str::to_string))
        .collect();
    on.sort();
    Ok(on)
}

/// Turns off the Kinesis destinations `from` has beyond `to`.
pub async fn remove_kinesis_destinations(
    ddb: &Client,
    id: &str,
    from: &Attrs,
    to: &Attrs,
) -> Result<(), ResourceError> {
    for arn in attrs::extras(from, to, "kinesis_destinations") {
        ddb.disable_kinesis_streaming_destination()
            .table_name(id)
            .stream_arn(&arn)
            .send()
            .await
            .ctx(&format!(
                "turning off the Kinesis destination {arn}, added outside hcprov, of DynamoDB table ({id})"
            ))?;
    }
    Ok(())
}
