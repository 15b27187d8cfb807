//! Backups kept for protection, against AWS's own response shapes (from
//! the API references; the emulator fills DescribeBackup's key, see
//! tests/emulator.py): a replaced table or database is backed up first,
//! and a KMS key that still encrypts a backup is never deleted.

use aws_smithy_http_client::test_util::StaticReplayClient;
use hcprov::aws::registry;
use hcprov::engine::resource::ErrorClass;
use serde_json::json;

use super::replay::{aws_with, ctx, event, obj, requests};
use super::replay_data::{answer, bodies, run, RDS_NS};

const KEY_ARN: &str = "arn:aws:kms:us-east-1:123456789012:key/k-1";
const BACKUP_ARN: &str =
    "arn:aws:dynamodb:us-east-1:123456789012:table/healthcare-patient-records-dev/backup/01700000000000-abcd1234";

fn no_snapshots() -> aws_smithy_http_client::test_util::ReplayEvent {
    answer(
        RDS_NS,
        "DescribeDBClusterSnapshots",
        "<DBClusterSnapshots></DBClusterSnapshots>",
    )
}

fn described_backup(key: &str) -> aws_smithy_http_client::test_util::ReplayEvent {
    event(
        200,
        json!({"BackupDescription": {
            "BackupDetails": {"BackupArn": BACKUP_ARN, "BackupName": "healthcare-patient-records-dev-before-replace-20261201190000",
                "BackupStatus": "AVAILABLE", "BackupType": "USER", "BackupCreationDateTime": 1.7e9},
            "SourceTableDetails": {"TableName": "healthcare-patient-records-dev", "TableId": "t-1",
                "KeySchema": [{"AttributeName": "patient_id", "KeyType": "HASH"}], "TableCreationDateTime": 1.6e9,
                "ProvisionedThroughput": {"ReadCapacityUnits": 0, "WriteCapacityUnits": 0}},
            "SourceTableFeatureDetails": {"SSEDescription": {"Status": "ENABLED", "SSEType": "KMS", "KMSMasterKeyArn": key}},
        }}),
    )
}

fn listed_backup() -> aws_smithy_http_client::test_util::ReplayEvent {
    event(
        200,
        json!({"BackupSummaries": [{"TableName": "healthcare-patient-records-dev", "BackupArn": BACKUP_ARN,
        "BackupName": "healthcare-patient-records-dev-before-replace-20261201190000", "BackupStatus": "AVAILABLE", "BackupType": "USER"}]}),
    )
}

fn no_backups() -> aws_smithy_http_client::test_util::ReplayEvent {
    event(200, json!({"BackupSummaries": []}))
}

/// `preserve` of the object `id` at `address` (its type from the address)
/// against the recorded answers.
fn preserve(replay: &StaticReplayClient, address: &str, id: &str) -> Option<String> {
    run(async {
        let aws = aws_with(replay).await;
        let kind = address.split('.').next().unwrap();
        let t = registry(&aws).get(kind).unwrap().clone();
        t.preserve(&ctx(address), id, &obj(json!({})))
            .await
            .unwrap()
    })
}

/// Deletes KMS key `k-1` (with `attrs`) against the recorded answers.
fn delete_key(
    replay: &StaticReplayClient,
    attrs: serde_json::Value,
) -> Result<(), hcprov::engine::resource::ResourceError> {
    run(async {
        let aws = aws_with(replay).await;
        let t = registry(&aws).get("kms_key").unwrap().clone();
        t.delete(&ctx("kms_key.main"), "k-1", &obj(attrs)).await
    })
}

#[test]
fn a_key_that_encrypts_a_remaining_backup_is_not_deleted_with_recorded_responses() {
    // The key of a stack with a database: RDS snapshots are looked for too,
    // then DynamoDB backups (ALL: on-demand and system; then AWS Backup's).
    let replay = StaticReplayClient::new(vec![
        no_snapshots(),
        listed_backup(),
        no_backups(),
        described_backup(KEY_ARN),
    ]);
    let err = delete_key(
        &replay,
        json!({"deletion_window_in_days": 7, "protects_final_snapshots": false}),
    )
    .unwrap_err();
    assert_eq!(err.class, ErrorClass::DependencyViolation);
    assert!(
        err.message.contains(BACKUP_ARN) && err.message.contains("aws dynamodb delete-backup"),
        "{}",
        err.message
    );
    let reqs = requests(&replay);
    assert_eq!(reqs.len(), 4, "no ScheduleKeyDeletion: {reqs:?}");
    assert_eq!(reqs[1].2["BackupType"], "ALL");
    assert_eq!(reqs[2].2["BackupType"], "AWS_BACKUP");
}

#[test]
fn a_key_whose_backups_are_under_other_keys_is_deleted_with_recorded_responses() {
    // A stack without a database: RDS is not asked. The backup DynamoDB
    // keeps of a deleted table (SYSTEM) is under another key; one deleted
    // between the list and the read is no longer kept.
    let replay = StaticReplayClient::new(vec![
        listed_backup(),
        event(
            200,
            json!({"BackupSummaries": [{"BackupArn": format!("{BACKUP_ARN}-gone"), "BackupType": "AWS_BACKUP"}]}),
        ),
        described_backup("arn:aws:kms:us-east-1:123456789012:key/other"),
        super::replay::error(400, "BackupNotFoundException"),
        event(
            200,
            json!({"KeyId": KEY_ARN, "DeletionDate": 1.8e9, "KeyState": "PendingDeletion", "PendingWindowInDays": 7}),
        ),
    ]);
    delete_key(&replay, json!({"deletion_window_in_days": 7})).unwrap();
    let reqs = requests(&replay);
    assert_eq!(reqs.len(), 5);
    assert!(reqs.iter().all(|r| !r.1.contains("rds")), "{reqs:?}");
    assert_eq!(reqs[4].2, json!({"KeyId": "k-1", "PendingWindowInDays": 7}));
}

#[test]
fn a_replaced_table_is_backed_up_first_with_recorded_responses() {
    let details = |status: &str| json!({"BackupArn": BACKUP_ARN, "BackupName": "b", "BackupStatus": status, "BackupType": "USER", "BackupCreationDateTime": 1.7e9});
    let replay = StaticReplayClient::new(vec![
        event(200, json!({"BackupDetails": details("CREATING")})),
        event(
            200,
            json!({"BackupDescription": {"BackupDetails": details("CREATING")}}),
        ),
        event(
            200,
            json!({"BackupDescription": {"BackupDetails": details("AVAILABLE")}}),
        ),
    ]);
    let kept = preserve(
        &replay,
        "dynamodb_table.patient_records",
        "healthcare-patient-records-dev",
    );
    assert_eq!(kept.as_deref(), Some(BACKUP_ARN));
    let reqs = requests(&replay);
    assert_eq!(reqs[0].2["TableName"], "healthcare-patient-records-dev");
    assert!(reqs[0].2["BackupName"]
        .as_str()
        .unwrap()
        .starts_with("healthcare-patient-records-dev-before-replace-"));
    assert_eq!(reqs.len(), 3, "polled until AVAILABLE");
}

#[test]
fn a_replaced_database_is_snapshotted_first_with_recorded_responses() {
    let snapshot = |status: &str| {
        format!("<DBClusterSnapshot><DBClusterSnapshotIdentifier>healthcare-db-dev-before-replace-20261201190000</DBClusterSnapshotIdentifier>\
                 <DBClusterIdentifier>healthcare-db-dev</DBClusterIdentifier><Status>{status}</Status><SnapshotType>manual</SnapshotType>\
                 <KmsKeyId>{KEY_ARN}</KmsKeyId></DBClusterSnapshot>")
    };
    let replay = StaticReplayClient::new(vec![
        answer(RDS_NS, "CreateDBClusterSnapshot", &snapshot("creating")),
        answer(
            RDS_NS,
            "DescribeDBClusterSnapshots",
            &format!(
                "<DBClusterSnapshots>{}</DBClusterSnapshots>",
                snapshot("creating")
            ),
        ),
        answer(
            RDS_NS,
            "DescribeDBClusterSnapshots",
            &format!(
                "<DBClusterSnapshots>{}</DBClusterSnapshots>",
                snapshot("available")
            ),
        ),
    ]);
    let kept = preserve(&replay, "rds_cluster.main", "healthcare-db-dev");
    assert!(kept
        .unwrap()
        .starts_with("healthcare-db-dev-before-replace-"));
    let b = bodies(&replay);
    assert!(
        b[0].starts_with("Action=CreateDBClusterSnapshot")
            && b[0].contains("DBClusterIdentifier=healthcare-db-dev"),
        "{}",
        b[0]
    );
    assert_eq!(b.len(), 3);
}

#[test]
fn a_replacement_resumed_after_the_old_table_was_deleted_keeps_nothing_and_goes_on() {
    // An interrupted run deleted the old table before checkpointing: the
    // rerun's backup finds no table, and the delete that follows counts
    // "already gone" as done.
    let replay = StaticReplayClient::new(vec![super::replay::error(400, "TableNotFoundException")]);
    let kept = preserve(
        &replay,
        "dynamodb_table.patient_records",
        "healthcare-patient-records-dev",
    );
    assert_eq!(kept, None);
    assert_eq!(requests(&replay).len(), 1);
}

/// A Kinesis destination someone added to a table is turned off with
/// DisableKinesisStreamingDestination, as AWS takes it (moto has none of
/// these calls; tests/emulator.py fills them for the drift test).
#[test]
fn a_kinesis_destination_added_outside_is_turned_off_with_recorded_responses() {
    let arn = "arn:aws:kinesis:us-east-1:210987654321:stream/elsewhere";
    let replay = StaticReplayClient::new(vec![event(
        200,
        json!({"TableName": "healthcare-patient-records-dev", "StreamArn": arn, "DestinationStatus": "DISABLING"}),
    )]);
    let to = obj(json!({
        "name": "healthcare-patient-records-dev", "point_in_time_recovery": true, "kinesis_destinations": [],
    }));
    let mut from = to.clone();
    from.insert("kinesis_destinations".into(), json!([arn]));
    run(async {
        let aws = aws_with(&replay).await;
        let t = registry(&aws).get("dynamodb_table").unwrap().clone();
        t.update(
            &ctx("dynamodb_table.patient_records"),
            "healthcare-patient-records-dev",
            &from,
            &to,
        )
        .await
        .unwrap();
    });
    let sent = requests(&replay);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].2["StreamArn"], arn);
    assert_eq!(sent[0].2["TableName"], "healthcare-patient-records-dev");
    let target = replay
        .actual_requests()
        .next()
        .unwrap()
        .headers()
        .get("x-amz-target")
        .map(str::to_string);
    assert_eq!(
        target.as_deref(),
        Some("DynamoDB_20120810.DisableKinesisStreamingDestination")
    );
}
