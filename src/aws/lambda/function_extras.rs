//! The function settings beyond code, role, handler, runtime, size,
//! environment and network that decide what it may do and where its data
//! goes: reserved concurrency (0 stops it), where failed events go, the
//! keys its environment and package are encrypted with, tracing, layers
//! and file systems (code and data from elsewhere), where it logs, and
//! its compute and durability modes. The stack holds each at AWS's default
//! unless it says otherwise; a change made outside hcprov is drift, and
//! apply puts it back.

use aws_sdk_lambda::operation::get_function::GetFunctionOutput;
use aws_sdk_lambda::types::{
    DeadLetterConfig, FileSystemConfig, LogFormat, LoggingConfig, TracingConfig, TracingMode,
};
use aws_sdk_lambda::Client;
use serde_json::{json, Value};

use crate::aws::attrs;
use crate::aws::error::SdkResultExt;
use crate::engine::resource::{Ctx, ResourceError};
use crate::engine::value::Attrs;

/// The settings UpdateFunctionConfiguration changes.
pub const CONFIG: [&str; 6] = [
    "dead_letter_target_arn",
    "kms_key_arn",
    "tracing_mode",
    "layers",
    "file_system_configs",
    "logging_config",
];

/// The observed settings of function `name`.
pub fn observe(f: &GetFunctionOutput, name: &str) -> Value {
    let c = f.configuration();
    let log = c.and_then(|c| c.logging_config());
    json!({
        "reserved_concurrent_executions": f.concurrency().and_then(|c| c.reserved_concurrent_executions()),
        "dead_letter_target_arn": c.and_then(|c| c.dead_letter_config()).and_then(|d| d.target_arn()),
        "kms_key_arn": c.and_then(|c| c.kms_key_arn()).filter(|k| !k.is_empty()),
        "tracing_mode": c.and_then(|c| c.tracing_config()).and_then(|t| t.mode()).map_or("PassThrough", |m| m.as_str()),
        "layers": attrs::sorted(c.map(|c| c.layers()).unwrap_or_default().iter().filter_map(|l| l.arn().map(str::to_string)).collect()),
        "file_system_configs": c.map(|c| c.file_system_configs()).unwrap_or_default().iter()
            .map(|f| json!({"arn": f.arn(), "local_mount_path": f.local_mount_path()})).collect::<Vec<_>>(),
        "logging_config": {
            "log_format": log.and_then(|l| l.log_format()).map_or("Text", |f| f.as_str()),
            "log_group": log.and_then(|l| l.log_group()).map_or(format!("/aws/lambda/{name}"), str::to_string),
            "application_log_level": log.and_then(|l| l.application_log_level()).map(|l| l.as_str()),
            "system_log_level": log.and_then(|l| l.system_log_level()).map(|l| l.as_str()),
        },
        "capacity_provider_config": c.and_then(|c| c.capacity_provider_config())
            .and_then(|p| p.lambda_managed_instances_capacity_provider_config())
            .map(|p| p.capacity_provider_arn()),
        "durable_config": c.and_then(|c| c.durable_config())
            .map(|d| json!({"retention_period_in_days": d.retention_period_in_days(), "execution_timeout": d.execution_timeout()})),
        "source_kms_key_arn": f.code().and_then(|c| c.source_kms_key_arn()),
    })
}

/// True when a setting UpdateFunctionConfiguration changes differs.
pub fn config_changed(from: &Attrs, to: &Attrs) -> bool {
    CONFIG
        .iter()
        .any(|k| to.contains_key(*k) && from.get(*k) != to.get(*k))
}

/// The UpdateFunctionConfiguration request `to` asks for, with its
/// settings added to `req`.
pub fn with_config(
    req: aws_sdk_lambda::operation::update_function_configuration::builders::UpdateFunctionConfigurationFluentBuilder,
    to: &Attrs,
) -> aws_sdk_lambda::operation::update_function_configuration::builders::UpdateFunctionConfigurationFluentBuilder{
    let mut req = req;
    if to.contains_key("dead_letter_target_arn") {
        // An empty target removes the queue.
        let target = attrs::opt_str(to, "dead_letter_target_arn").unwrap_or_default();
        req = req.dead_letter_config(DeadLetterConfig::builder().target_arn(target).build());
    }
    if to.contains_key("kms_key_arn") {
        // An empty key goes back to the AWS managed key.
        req = req.kms_key_arn(attrs::opt_str(to, "kms_key_arn").unwrap_or_default());
    }
    if let Some(mode) = attrs::opt_str(to, "tracing_mode") {
        req = req.tracing_config(
            TracingConfig::builder()
                .mode(TracingMode::from(mode))
                .build(),
        );
    }
    if to.contains_key("layers") {
        req = req.set_layers(Some(attrs::strs(to, "layers")));
    }
    if let Some(fs) = to.get("file_system_configs").and_then(Value::as_array) {
        let list = fs
            .iter()
            .filter_map(|f| {
                FileSystemConfig::builder()
                    .arn(f["arn"].as_str()?)
                    .local_mount_path(f["local_mount_path"].as_str()?)
                    .build()
                    .ok()
            })
            .collect();
        req = req.set_file_system_configs(Some(list));
    }
    if let Some(l) = to.get("logging_config").filter(|l| l.is_object()) {
        let mut b = LoggingConfig::builder()
            .set_log_format(l["log_format"].as_str().map(LogFormat::from))
            .set_log_group(l["log_group"].as_str().map(str::to_string));
        if let Some(a) = l["application_log_level"].as_str() {
            b = b.application_log_level(a.into());
        }
        if let Some(s) = l["system_log_level"].as_str() {
            b = b.system_log_level(s.into());
        }
        req = req.logging_config(b.build());
    }
    req
}

/// Puts reserved concurrency back to what `to` says (none: the account's
/// unreserved pool).
pub async fn restore_concurrency(
    ctx: &Ctx,
    lambda: &Client,
    id: &str,
    from: &Attrs,
    to: &Attrs,
) -> Result<(), ResourceError> {
    let k = "reserved_concurrent_executions";
    if !to.contains_key(k) || from.get(k) == to.get(k) {
        return Ok(());
    }
    // Concurrency 0 is the console's "Throttle": how a responder stops a
    // compromised function. Reported, never undone by apply, except on a
    // guard (the remediation function).
    if attrs::opt_int(from, k) == Some(0)
        && attrs::opt_int(to, k) != Some(0)
        && !crate::aws::tags::is_guard(to)
    {
        tracing::warn!("Lambda function {id} is throttled to 0 outside hcprov (an incident response?): kept; delete its reserved concurrency by hand when it may run again");
        return Ok(());
    }
    let what = format!("setting the reserved concurrency of Lambda function ({id})");
    match attrs::opt_int(to, k) {
        Some(n) => {
            crate::aws::transient::call(ctx, "lambda", "PutFunctionConcurrency", || async {
                lambda
                    .put_function_concurrency()
                    .function_name(id)
                    .reserved_concurrent_executions(n as i32)
                    .send()
                    .await
                    .ctx(&what)
            })
            .await?;
        }
        None => {
            lambda
                .delete_function_concurrency()
                .function_name(id)
                .send()
                .await
                .ctx(&what)?;
        }
    }
    Ok(())
}
