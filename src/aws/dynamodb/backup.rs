//! On-demand DynamoDB backups: the one a replacement takes of the old
//! table before deleting it, and the search for backups a KMS key still
//! encrypts (deleting that key would make them unrestorable).

use std::time::Duration;

use aws_sdk_dynamodb::types::BackupTypeFilter;

use crate::aws::error::{not_found_to_none, SdkResultExt};
use crate::aws::Aws;
use crate::engine::resource::{Ctx, ErrorClass, ResourceError};
use crate::engine::retry::{wait_status, Waiter};

/// Waiting for an on-demand backup to become AVAILABLE.
pub const AVAILABLE: Waiter = Waiter {
    name: "DynamoDB backup to become AVAILABLE",
    timeout: Duration::from_secs(3600),
    interval: Duration::from_secs(5),
};

/// Backs up `table` before a replacement deletes it; returns the
/// backup's ARN once it is AVAILABLE, or `None` when the table is already
/// gone (an interrupted run deleted it).
pub async fn before_replace(
    aws: &Aws,
    ctx: &Ctx,
    table: &str,
) -> Result<Option<String>, ResourceError> {
    let ddb = &aws.region(&ctx.region).dynamodb;
    // Backup names are at most 255 characters, like table names.
    let stem: String = table.chars().take(224).collect();
    let name = format!(
        "{stem}-before-replace-{}",
        chrono::Utc::now().format("%Y%m%d%H%M%S")
    );
    let what = format!("backing up DynamoDB table ({table}) before replacing it");
    let created = not_found_to_none(
        ddb.create_backup()
            .table_name(table)
            .backup_name(&name)
            .send()
            .await
            .ctx(&what),
    )?;
    let Some(created) = created else {
        return Ok(None);
    };
    let arn = created
        .backup_details()
        .map(|d| d.backup_arn().to_string())
        .filter(|a| !a.is_empty())
        .ok_or_else(|| {
            ResourceError::new(
                ErrorClass::Other,
                what.clone(),
                "DynamoDB answered without the backup's ARN",
            )
        })?;
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
    Ok(Some(arn))
}

/// The backups (of any table) encrypted with KMS key `key` (its id or
/// ARN): on-demand ones, the one DynamoDB keeps of a deleted table with
/// point-in-time recovery (SYSTEM), and AWS Backup's.
pub async fn encrypted_with(aws: &Aws, ctx: &Ctx, key: &str) -> Result<Vec<String>, ResourceError> {
    let ddb = &aws.region(&ctx.region).dynamodb;
    let what = "listing DynamoDB backups";
    let mut arns = vec![];
    // ALL is USER and SYSTEM; AWS Backup's are listed on their own.
    for kind in [BackupTypeFilter::All, BackupTypeFilter::AwsBackup] {
        let mut start: Option<String> = None;
        loop {
            let page = ddb
                .list_backups()
                .backup_type(kind.clone())
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
    }
    arns.sort();
    arns.dedup();
    let mut found = vec![];
    for arn in arns {
        // A backup deleted since the list is no longer kept.
        let Some(d) = not_found_to_none(
            ddb.describe_backup()
                .backup_arn(&arn)
                .send()
                .await
                .ctx(&format!("reading DynamoDB backup ({arn})")),
        )?
        else {
            continue;
        };
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
