//! The encrypted, versioned data bucket, the CloudTrail bucket and trail,
//! and the patient-records table. Both buckets refuse plain HTTP; neither is
//! emptied on destroy unless the environment is disposable; the trail
//! validates and encrypts its log files.

use serde_json::{json, Value};

use super::security::trail_name;
use super::{reference, Builder};

/// Addresses later parts of the stack refer to.
pub struct Storage {
    /// The data bucket.
    pub data_bucket: String,
    /// The patient-records table.
    pub table: String,
}

/// The statement refusing every request that is not over TLS.
fn deny_insecure_transport(b: &Builder, bucket: &str) -> Value {
    let arn = b.bucket_arn(bucket);
    json!({
        "Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": [arn, format!("{arn}/*")],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    })
}

/// Adds the storage nodes; `key` is the KMS key's address. Fails when a
/// bucket name would be longer than S3 allows.
pub fn build(b: &mut Builder, key: &str) -> Result<Storage, String> {
    let key_arn = reference(key, "arn");
    let force_destroy = b.cfg.disposable;
    let data_name = b.bucket_name("healthcare-data")?;
    let data = b.tagged(
        "s3_bucket",
        "data",
        Some(&data_name),
        json!({
            "bucket": data_name, "force_destroy": force_destroy,
        }),
    );
    // The key outlives the bucket: when destroy keeps a bucket (it still
    // holds objects), it keeps the key those objects are encrypted with.
    b.depends_on(&data, key);
    let data_id = reference(&data, "id");
    b.plain(
        "s3_bucket_versioning",
        "data",
        json!({ "bucket": data_id, "status": "Enabled" }),
    );
    b.plain("s3_bucket_encryption", "data", json!({
        "bucket": data_id, "sse_algorithm": "aws:kms", "kms_master_key_id": key_arn, "bucket_key_enabled": true,
    }));
    public_access_block(b, "data", &data);
    let tls_only = deny_insecure_transport(b, &data_name);
    b.plain(
        "s3_bucket_policy",
        "data",
        json!({
            "bucket": data_id,
            "policy": {"Version": "2012-10-17", "Statement": [tls_only]},
        }),
    );
    b.plain("s3_bucket_lifecycle", "data", json!({
        "bucket": data_id,
        "rules": [{"id": "transition-to-ia", "status": "Enabled", "transition_days": 30, "storage_class": "STANDARD_IA"}],
    }));

    trail(b, key)?;

    let table_name = b
        .cfg
        .storage
        .table_name
        .clone()
        .unwrap_or_else(|| b.name("healthcare-patient-records"));
    let table = b.tagged(
        "dynamodb_table",
        "patient_records",
        Some(&table_name),
        json!({
            "name": table_name,
            "billing_mode": "PAY_PER_REQUEST",
            "hash_key": "patient_id",
            "hash_key_type": "S",
            "point_in_time_recovery": true,
            "kms_key_arn": key_arn,
        }),
    );
    b.output("data_bucket_name", reference(&data, "id"));
    b.output("dynamodb_table_name", reference(&table, "id"));
    Ok(Storage {
        data_bucket: data,
        table,
    })
}

fn public_access_block(b: &mut Builder, name: &str, bucket: &str) {
    b.plain("s3_bucket_public_access_block", name, json!({
        "bucket": reference(bucket, "id"),
        "block_public_acls": true, "block_public_policy": true, "ignore_public_acls": true, "restrict_public_buckets": true,
    }));
}

/// The stack's CloudTrail trail (multi-region, validating and encrypting
/// its log files with `key`, an address) and its bucket: public access
/// blocked, plain HTTP refused, writable by this trail only. Fails when
/// the bucket name would be longer than S3 allows.
pub(super) fn trail(b: &mut Builder, key: &str) -> Result<String, String> {
    let key_arn = reference(key, "arn");
    let force_destroy = b.cfg.disposable;
    // Short enough for any environment name in any region (63 at most).
    let base = match super::security::audit_base(b) {
        "healthcare" => "healthcare-cloudtrail",
        "hc-dr" => "healthcare-dr-cloudtrail",
        _ => "hc-audit",
    };
    let trail_bucket_name = b.bucket_name(base)?;
    let trail_bucket = b.tagged(
        "s3_bucket",
        "cloudtrail",
        Some(&trail_bucket_name),
        json!({
            "bucket": trail_bucket_name, "force_destroy": force_destroy,
        }),
    );
    b.depends_on(&trail_bucket, key);
    public_access_block(b, "cloudtrail", &trail_bucket);
    // CloudTrail may write here only for this account's trail.
    let trail_arn = b.arn("cloudtrail", &format!("trail/{}", trail_name(b)));
    let trail_bucket_arn = b.bucket_arn(&trail_bucket_name);
    let only_our_trail =
        json!({"StringEquals": {"aws:SourceArn": trail_arn, "aws:SourceAccount": b.account.id}});
    let mut write_condition = only_our_trail.clone();
    write_condition["StringEquals"]["s3:x-amz-acl"] = json!("bucket-owner-full-control");
    let tls_only = deny_insecure_transport(b, &trail_bucket_name);
    let policy = b.plain("s3_bucket_policy", "cloudtrail", json!({
        "bucket": reference(&trail_bucket, "id"),
        "policy": {
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": "AWSCloudTrailAclCheck", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
                 "Action": "s3:GetBucketAcl", "Resource": trail_bucket_arn, "Condition": only_our_trail},
                {"Sid": "AWSCloudTrailWrite", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
                 "Action": "s3:PutObject", "Resource": format!("{trail_bucket_arn}/AWSLogs/{}/*", b.account.id),
                 "Condition": write_condition},
                tls_only,
            ],
        },
    }));
    let trail = b.tagged(
        "cloudtrail_trail",
        "main",
        Some(&trail_name(b)),
        json!({
            "name": trail_name(b),
            "s3_bucket_name": reference(&trail_bucket, "id"),
            "include_global_service_events": true,
            "is_multi_region_trail": true,
            "enable_log_file_validation": true,
            "kms_key_id": key_arn,
            "enable_logging": true,
        }),
    );
    // CloudTrail checks the bucket policy when the trail is created.
    b.depends_on(&trail, &policy);
    Ok(trail)
}
