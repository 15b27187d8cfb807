//! The cluster settings beyond those the blueprint declares one by one,
//! each held at RDS's defaults: the parameter group (the engine's default;
//! a custom one can turn TLS or logging off), IAM roles that let the
//! database reach S3 or Lambda, Kerberos, membership in a global database
//! (every row copied to another region), an activity stream, Performance
//! Insights (which keeps SQL text), and the cluster-wide minor-upgrade
//! switch. A change made outside hcprov is drift, and apply undoes it.

use aws_sdk_rds::types::{DatabaseInsightsMode, DbCluster};
use aws_sdk_rds::Client;
use serde_json::{json, Value};

use super::{busy, BUSY};
use crate::aws::attrs;
use crate::aws::error::SdkResultExt;
use crate::engine::resource::{Ctx, ResourceError};
use crate::engine::retry::retry_when;
use crate::engine::value::Attrs;

/// `default` for any of RDS's default parameter groups, else the name.
pub fn group(name: Option<&str>) -> Value {
    match name {
        None => Value::Null,
        Some(n) if n.starts_with("default.") => json!("default"),
        Some(n) => json!(n),
    }
}

/// The name of RDS's default parameter group for `engine` at `version`.
pub fn default_group(engine: &str, version: &str) -> String {
    format!("default.{}", family(engine, version))
}

/// The default parameter group family of `engine` at `version`.
fn family(engine: &str, version: &str) -> String {
    let major = version.split('.').next().unwrap_or(version);
    if engine.contains("postgres") {
        format!("{engine}{major}")
    } else {
        let minor = version.split('.').nth(1).unwrap_or("0");
        format!("{engine}{major}.{minor}")
    }
}

/// The observed settings of `c`.
pub fn observe(c: &DbCluster) -> Value {
    let roles: Vec<Value> = c
        .associated_roles()
        .iter()
        .map(|r| json!({"role_arn": r.role_arn(), "feature_name": r.feature_name()}))
        .collect();
    let stream = c
        .activity_stream_status()
        .filter(|s| matches!(s.as_str(), "started" | "starting"))
        .map(|_| json!({"mode": c.activity_stream_mode().map(|m| m.as_str()), "kms_key_id": c.activity_stream_kms_key_id()}));
    json!({
        "db_cluster_parameter_group_name": group(c.db_cluster_parameter_group()),
        "associated_roles": roles,
        "auto_minor_version_upgrade": c.auto_minor_version_upgrade().unwrap_or(true),
        "activity_stream": stream,
        "domain": c.domain_memberships().first().and_then(|d| d.domain()),
        "global_cluster_identifier": c.global_cluster_identifier(),
        "performance_insights_enabled": c.performance_insights_enabled().unwrap_or(false),
    })
}

/// The cluster `id` as RDS describes it now.
async fn describe(rds: &Client, id: &str) -> Result<Option<DbCluster>, ResourceError> {
    let out = rds
        .describe_db_clusters()
        .db_cluster_identifier(id)
        .send()
        .await
        .ctx(&format!("reading RDS cluster ({id})"))?;
    Ok(out.db_clusters().first().cloned())
}

/// First step of putting the cluster back: roles taken off, an activity
/// stream stopped, out of a global database. Returns whether it changed
/// anything (the caller then waits for the cluster to be available).
pub async fn restore_links(
    ctx: &Ctx,
    rds: &Client,
    id: &str,
    from: &Attrs,
    to: &Attrs,
) -> Result<bool, ResourceError> {
    let differs = |k: &str| attrs::differs(from, to, k);
    if ![
        "associated_roles",
        "activity_stream",
        "global_cluster_identifier",
    ]
    .iter()
    .any(|k| differs(k))
    {
        return Ok(false);
    }
    let Some(c) = describe(rds, id).await? else {
        return Ok(false);
    };
    let arn = c.db_cluster_arn().unwrap_or_default();
    let mut changed = false;
    if differs("associated_roles") {
        let want = to.get("associated_roles").cloned().unwrap_or(json!([]));
        for r in c.associated_roles() {
            let declared = want
                .as_array()
                .into_iter()
                .flatten()
                .any(|w| w["role_arn"].as_str() == r.role_arn());
            if declared {
                continue;
            }
            changed = true;
            // RDS takes one role change at a time: the next waits out
            // the cluster's InvalidDBClusterStateFault.
            retry_when(ctx, &BUSY, busy, || async {
                rds.remove_role_from_db_cluster()
                    .db_cluster_identifier(id)
                    .set_role_arn(r.role_arn().map(str::to_string))
                    .set_feature_name(r.feature_name().map(str::to_string))
                    .send()
                    .await
                    .ctx(&format!(
                        "removing a role attached outside hcprov from RDS cluster ({id})"
                    ))
            })
            .await?;
        }
    }
    if differs("activity_stream") && to.get("activity_stream").is_some_and(Value::is_null) {
        changed = true;
        retry_when(ctx, &BUSY, busy, || async {
            rds.stop_activity_stream()
                .resource_arn(arn)
                .apply_immediately(true)
                .send()
                .await
                .ctx(&format!(
                    "stopping the activity stream started outside hcprov on RDS cluster ({id})"
                ))
        })
        .await?;
    }
    if differs("global_cluster_identifier")
        && to
            .get("global_cluster_identifier")
            .is_some_and(Value::is_null)
    {
        if let Some(global) = c.global_cluster_identifier() {
            changed = true;
            retry_when(ctx, &BUSY, busy, || async {
                rds.remove_from_global_cluster()
                    .global_cluster_identifier(global)
                    .db_cluster_identifier(arn)
                    .send()
                    .await
                    .ctx(&format!(
                        "taking RDS cluster ({id}) out of the global database {global}"
                    ))
            })
            .await?;
        }
    }
    Ok(changed)
}

/// Second step: one ModifyDBCluster for the parameter group, minor-version
/// upgrades, Kerberos and Performance Insights. Returns whether it sent one.
pub async fn restore_settings(
    ctx: &Ctx,
    rds: &Client,
    id: &str,
    from: &Attrs,
    to: &Attrs,
) -> Result<bool, ResourceError> {
    let differs = |k: &str| attrs::differs(from, to, k);
    let mut req = rds
        .modify_db_cluster()
        .db_cluster_identifier(id)
        .apply_immediately(true);
    let mut modify = false;
    if differs("db_cluster_parameter_group_name")
        && attrs::opt_str(to, "db_cluster_parameter_group_name") == Some("default")
    {
        if let Some(c) = describe(rds, id).await? {
            modify = true;
            req = req.db_cluster_parameter_group_name(default_group(
                c.engine().unwrap_or_default(),
                c.engine_version().unwrap_or_default(),
            ));
        }
    }
    if differs("auto_minor_version_upgrade") {
        modify = true;
        req = req.auto_minor_version_upgrade(attrs::bool(to, "auto_minor_version_upgrade")?);
    }
    if differs("domain") && to.get("domain").is_some_and(Value::is_null) {
        modify = true;
        req = req.domain("none");
    }
    if differs("performance_insights_enabled") {
        modify = true;
        let on = attrs::bool(to, "performance_insights_enabled")?;
        req = req.enable_performance_insights(on);
        if !on {
            // Advanced Database Insights needs Performance Insights on.
            req = req.database_insights_mode(DatabaseInsightsMode::Standard);
        }
    }
    if modify {
        retry_when(ctx, &BUSY, busy, || async {
            req.clone()
                .send()
                .await
                .ctx(&format!("putting back the settings of RDS cluster ({id})"))
        })
        .await?;
    }
    Ok(modify)
}
