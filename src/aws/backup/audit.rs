//! The drift audit of the AWS Backup types (see `aws::audit`).

use aws_sdk_backup::operation::{
    describe_backup_vault, get_backup_plan, get_backup_selection, list_tags,
};
use aws_sdk_backup::types::{BackupPlan, BackupRule, BackupSelection, Lifecycle};

use crate::aws::audit::Class::{Computed as C, Ignored as I, Managed as M};
use crate::aws::audit::{debug_of, Audit, Shape};

/// Every AWS Backup type's audit.
pub fn audits() -> Vec<Audit> {
    vec![
        Audit {
            kind: "backup_vault",
            shapes: vec![
                Shape {
                    call: "DescribeBackupVault",
                    shape: "DescribeBackupVaultOutput",
                    debug: || debug_of(describe_backup_vault::DescribeBackupVaultOutput::builder()),
                    fields: &[
                        ("backup_vault_name", C), // the id: read reports the name it looked the vault up by as `name`
                        ("backup_vault_arn", C),
                        ("vault_type", C),
                        ("vault_state", C),
                        ("encryption_key_arn", M("kms_key_arn")),
                        ("creation_date", C),
                        ("creator_request_id", C),
                        ("number_of_recovery_points", C),
                        ("locked", M("lock")),
                        ("min_retention_days", M("lock")),
                        ("max_retention_days", M("lock")),
                        ("lock_date", C),
                        ("source_backup_vault_arn", C),
                        ("mpa_approval_team_arn", C), // logically air-gapped vaults only; hcprov's vault is a standard vault (vault_type), fixed at creation
                        ("mpa_session_arn", C),
                        ("latest_mpa_approval_team_update", C),
                        ("encryption_key_type", C), // follows kms_key_arn
                    ],
                },
                Shape {
                    call: "ListTags",
                    shape: "ListTagsOutput",
                    debug: || debug_of(list_tags::ListTagsOutput::builder()),
                    fields: &[("next_token", C), ("tags", M("tags"))],
                },
            ],
        },
        Audit {
            kind: "backup_plan",
            shapes: vec![
                Shape {
                    call: "GetBackupPlan",
                    shape: "GetBackupPlanOutput",
                    debug: || debug_of(get_backup_plan::GetBackupPlanOutput::builder()),
                    fields: &[
                        ("backup_plan", M("name,rules")),
                        ("backup_plan_id", C),
                        ("backup_plan_arn", C),
                        ("version_id", C),
                        ("creator_request_id", C),
                        ("creation_date", C),
                        ("deletion_date", C),
                        ("last_execution_date", C),
                        ("advanced_backup_settings", I("Windows VSS options for EC2 only; hcprov's plan backs up a DynamoDB table")),
                        ("scheduled_runs_preview", C),
                    ],
                },
                Shape {
                    call: "GetBackupPlan",
                    shape: "BackupPlan",
                    debug: || debug_of(BackupPlan::builder()),
                    fields: &[
                        ("backup_plan_name", M("name")),
                        ("rules", M("rules")),
                        ("advanced_backup_settings", I("Windows VSS options for EC2 only; hcprov's plan backs up a DynamoDB table")),
                        ("scan_settings", I("hcprov configures no malware scanning of recovery points; scanning reads backups, it does not change what is kept")),
                    ],
                },
                Shape {
                    call: "GetBackupPlan",
                    shape: "BackupRule",
                    debug: || debug_of(BackupRule::builder()),
                    fields: &[
                        ("rule_name", M("rules")),
                        ("target_backup_vault_name", M("rules")),
                        ("target_logically_air_gapped_backup_vault_arn", M("rules.target_logically_air_gapped_vault_arn")),
                        ("schedule_expression", M("rules")),
                        ("start_window_minutes", I("AWS Backup's default (8 hours): when a job may start, not whether it runs")),
                        ("completion_window_minutes", I("AWS Backup's default (7 days): how long a started job may run")),
                        ("lifecycle", M("rules")),
                        ("recovery_point_tags", I("hcprov tags no recovery points")),
                        ("rule_id", C),
                        ("copy_actions", M("rules.copy_actions")),
                        ("enable_continuous_backup", M("rules.enable_continuous_backup")),
                        ("schedule_expression_timezone", I("UTC, in which hcprov's cron expression is written; a zone shifts the hour, not the retention")),
                        ("index_actions", I("hcprov builds no backup indexes (search over S3/EBS backups)")),
                        ("scan_actions", I("hcprov configures no malware scanning of recovery points")),
                    ],
                },
                Shape {
                    call: "GetBackupPlan",
                    shape: "Lifecycle",
                    debug: || debug_of(Lifecycle::builder()),
                    fields: &[
                        ("move_to_cold_storage_after_days", M("rules.cold_storage_after_days")),
                        ("delete_after_days", M("rules")),
                        ("opt_in_to_archive_for_supported_resources", M("rules.opt_in_to_archive")),
                        ("delete_after_event", C),
                    ],
                },
                Shape {
                    call: "ListTags",
                    shape: "ListTagsOutput",
                    debug: || debug_of(list_tags::ListTagsOutput::builder()),
                    fields: &[("next_token", C), ("tags", M("tags"))],
                },
            ],
        },
        Audit {
            kind: "backup_selection",
            shapes: vec![
                Shape {
                    call: "GetBackupSelection",
                    shape: "GetBackupSelectionOutput",
                    debug: || debug_of(get_backup_selection::GetBackupSelectionOutput::builder()),
                    fields: &[
                        ("backup_selection", M("name,iam_role_arn,resources")),
                        ("selection_id", C),
                        ("backup_plan_id", C),
                        ("creation_date", C),
                        ("creator_request_id", C),
                    ],
                },
                Shape {
                    call: "GetBackupSelection",
                    shape: "BackupSelection",
                    debug: || debug_of(BackupSelection::builder()),
                    fields: &[
                        ("selection_name", M("name")),
                        ("iam_role_arn", M("iam_role_arn")),
                        ("resources", M("resources")),
                        ("list_of_tags", I("fixed at creation: AWS Backup cannot update a selection, and hcprov selects by ARN only")),
                        ("not_resources", I("fixed at creation: AWS Backup cannot update a selection, and hcprov excludes nothing")),
                        ("conditions", I("fixed at creation: AWS Backup cannot update a selection, and hcprov sets no conditions")),
                    ],
                },
            ],
        },
    ]
}
