//! The table settings beyond its key, billing, encryption, PITR switch,
//! stream and replicas: deletion protection, how far back PITR reaches, an
//! on-demand throughput cap (a low one throttles the API), and the
//! global-table guards (settings kept in step across replicas, replicas
//! kept from being split off). A change made outside hcprov is drift, and
//! apply puts it back. Where AWS leaves a setting out of its answer, it is
//! at AWS's default, and the read says so.

use aws_sdk_dynamodb::types::{
    GlobalTableSettingsReplicationMode, OnDemandThroughput, PointInTimeRecoverySpecification,
    TableDescription,
};
use aws_sdk_dynamodb::Client;
use serde_json::{json, Value};

use crate::aws::attrs;
use crate::aws::error::SdkResultExt;
use crate::engine::resource::{ErrorClass, ResourceError};
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
        "settings_replication_mode": t.global_table_settings_replication_mode()
            .map(|m| m.as_str().to_string())
            .or_else(|| global.then(|| "ENABLED".to_string())),
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

/// Puts back what `from` (live) has beyond `to` (desired): one UpdateTable
/// for the table's switches, one UpdateContinuousBackups for the window.
pub async fn restore(
    ddb: &Client,
    id: &str,
    from: &Attrs,
    to: &Attrs,
) -> Result<bool, ResourceError> {
    let differs = |k: &str| to.contains_key(k) && from.get(k) != to.get(k);
    let mut req = ddb.update_table().table_name(id);
    let mut changed = false;
    if differs("deletion_protection") {
        changed = true;
        req = req.deletion_protection_enabled(attrs::bool(to, "deletion_protection")?);
    }
    if differs("on_demand_max_throughput") {
        changed = true;
        let cap = to.get("on_demand_max_throughput");
        // -1 takes a cap off.
        let n = |k: &str| cap.and_then(|c| c[k].as_i64()).unwrap_or(-1);
        req = req.on_demand_throughput(
            OnDemandThroughput::builder()
                .max_read_request_units(n("max_read_request_units"))
                .max_write_request_units(n("max_write_request_units"))
                .build(),
        );
    }
    if differs("settings_replication_mode") {
        if let Some(m) = attrs::opt_str(to, "settings_replication_mode") {
            changed = true;
            req = req.global_table_settings_replication_mode(
                GlobalTableSettingsReplicationMode::from(m),
            );
        }
    }
    if differs("disassociation_protection") {
        changed = true;
        req = req.disassociation_protection_enabled(attrs::bool(to, "disassociation_protection")?);
    }
    if changed {
        req.send()
            .await
            .ctx(&format!("updating DynamoDB table ({id})"))?;
    }
    if differs("point_in_time_recovery_days") {
        if let Some(days) = attrs::opt_int(to, "point_in_time_recovery_days") {
            let spec = PointInTimeRecoverySpecification::builder()
                .point_in_time_recovery_enabled(true)
                .recovery_period_in_days(days as i32)
                .build()
                .map_err(|e| {
                    ResourceError::new(
                        ErrorClass::Invalid,
                        "building a PITR specification",
                        e.to_string(),
                    )
                })?;
            ddb.update_continuous_backups()
                .table_name(id)
                .point_in_time_recovery_specification(spec)
                .send()
                .await
                .ctx(&format!(
                    "setting the point-in-time recovery window of DynamoDB table ({id})"
                ))?;
        }
    }
    Ok(changed)
}
