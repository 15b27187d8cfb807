//! On-demand DynamoDB backups: the one a replacement takes of the old
//! table before deleting it, and the search for backups a KMS key still
//! encrypts (deleting that key would make them unrestorable).

use std::time::Duration;

use aws_sdk_dynamodb::types::BackupTypeFilter;

use crate::aws::error::SdkResultExt;
use crate::aws::Aws;
use crate::engine::resource::{Ctx, ResourceError};
use crate::engine::retry::{wait_status, Waiter};

/// Waiting for an on-demand backup to become AVAILABLE.
pub const AVAILABLE: Waiter = Waiter {
    name: "DynamoDB backup to become AVAILABLE",
    timeout: Duration::from_secs(3600),
    interval: Duration::from_secs(5),
};

/// Backs up `table` before a replacement deletes it; returns the
/// backup's ARN once it is AVAILABLE.
pub async fn before_replace(aws: &Aws, ctx: &Ctx, table: &str) -> Result<String, ResourceError> {
    let ddb = &aws.region(&ctx.region).dynamodb;
    let name = format!(
        "{table}-before-replace-{}",
        chrono::Utc::now().format("%Y%m%d%H%M%S")
    );
    let what = format!("backing up DynamoDB table ({table}) before replacing it");
    let arn = ddb
        .create_backup()
        .table_name(table)
        .backup_name(&name)
        .send()
        .await
        .ctx(&what)?
        .backup_details()
        .map(|d| d.backup_arn().to_string())
        .unwrap_or_default();
    wait_status(ctx, &AVAILABLE, Some("AVAILABLE"), &["DELETED"], || async {
        let d = ddb
            .describe_backup()
            .backup_arn(&arn)
            .send()
            .await
            .ctx(&what)?;
        Ok(d.backup_description()
            .and_then(|b| b.backup_details())
            .map(|b| b.backup_status().as_str().to_string()))
    })
    .await?;
    Ok(arn)
}

/// The on-demand backups (of any table) encrypted with KMS key `key`
/// (its id or ARN).
pub async fn encrypted_with(aws: &Aws, ctx: &Ctx, key: &str) -> Result<Vec<String>, ResourceError> {
    let ddb = &aws.region(&ctx.region).dynamodb;
    let what = "listing DynamoDB backups";
    let mut arns = vec![];
    let mut start: Option<String> = None;
    loop {
        let page = ddb
            .list_backups()
            .backup_type(BackupTypeFilter::User)
            .set_exclusive_start_backup_arn(start.take())
            .send()
            .await
            .ctx(what)?;
        arns.extend(
            page.backup_summaries()
                .iter()
                .filter_map(|b| b.backup_arn().map(str::to_string)),
        );
        match page.last_evaluated_backup_arn() {
            Some(next) => start = Some(next.to_string()),
            None => break,
        }
    }
    let mut found = vec![];
    for arn in arns {
        let d = ddb
            .describe_backup()
            .backup_arn(&arn)
            .send()
            .await
            .ctx(&format!("reading DynamoDB backup ({arn})"))?;
        let encrypted_by = d
            .backup_description()
            .and_then(|b| b.source_table_feature_details())
            .and_then(|f| f.sse_description())
            .and_then(|s| s.kms_master_key_arn())
            .unwrap_or_default();
        if !encrypted_by.is_empty()
            && (encrypted_by == key || encrypted_by.ends_with(&format!("key/{key}")))
        {
            found.push(arn);
        }
    }
    Ok(found)
}
