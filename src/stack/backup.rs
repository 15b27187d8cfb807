//! AWS Backup: a vault encrypted with the stack's key, the service role, a
//! daily plan with the configured retention, and the selection of the
//! patient-records table.

use serde_json::json;

use super::security::Security;
use super::storage::Storage;
use super::{reference, Builder};

/// Adds the backup nodes.
pub fn build(b: &mut Builder, sec: &Security, storage: &Storage) {
    let vault = b.tagged(
        "backup_vault",
        "main",
        None,
        json!({
            "name": b.name("healthcare-backup-vault"), "kms_key_arn": reference(&sec.key, "arn"),
        }),
    );
    let trust = b.trust_policy("backup.amazonaws.com", None);
    let role = b.tagged(
        "iam_role",
        "backup",
        None,
        json!({
            "name": b.name("healthcare-backup-role"), "assume_role_policy": trust,
        }),
    );
    b.guards(&role, "backups");
    let partition = b.account.partition.clone();
    let mut attachments = vec![];
    for (name, policy) in [
        ("backup", "AWSBackupServiceRolePolicyForBackup"),
        ("restore", "AWSBackupServiceRolePolicyForRestores"),
    ] {
        attachments.push(b.plain("iam_role_policy_attachment", name, json!({
            "role": reference(&role, "name"), "policy_arn": format!("arn:{partition}:iam::aws:policy/service-role/{policy}"),
        })));
    }
    let plan = b.tagged(
        "backup_plan",
        "daily",
        None,
        json!({
            "name": b.name("healthcare-backup-plan"),
            "rules": [{
                "rule_name": "daily_backup",
                "target_vault_name": reference(&vault, "id"),
                "schedule": "cron(0 2 * * ? *)",
                "delete_after_days": b.cfg.backup.retention_days,
            }],
        }),
    );
    if b.cfg.backup.select_resources {
        let selection = b.plain(
            "backup_selection",
            "patient_records",
            json!({
                "name": b.name("healthcare-resources"),
                "plan_id": reference(&plan, "id"),
                "iam_role_arn": reference(&role, "arn"),
                "resources": [reference(&storage.table, "arn")],
            }),
        );
        // AWS Backup checks the role's permissions when the selection is
        // made: the managed policies must be attached first.
        for a in &attachments {
            b.depends_on(&selection, a);
        }
    }
}
