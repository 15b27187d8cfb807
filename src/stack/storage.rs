//! The encrypted, versioned data bucket, the CloudTrail bucket and trail,
//! and the patient-records table.

use serde_json::json;

use super::{reference, Builder};

/// Addresses later parts of the stack refer to.
pub struct Storage {
    /// The data bucket.
    pub data_bucket: String,
    /// The patient-records table.
    pub table: String,
}

/// Adds the storage nodes; `key` is the KMS key's address.
pub fn build(b: &mut Builder, key: &str) -> Storage {
    let key_arn = reference(key, "arn");
    let data = b.tagged(
        "s3_bucket",
        "data",
        Some(&b.name("healthcare-data")),
        json!({
            "bucket": b.name("healthcare-data"), "force_destroy": true,
        }),
    );
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
    b.plain("s3_bucket_lifecycle", "data", json!({
        "bucket": data_id,
        "rules": [{"id": "transition-to-ia", "status": "Enabled", "transition_days": 30, "storage_class": "STANDARD_IA"}],
    }));

    let trail_bucket_name = b.name("healthcare-cloudtrail");
    let trail_bucket = b.tagged(
        "s3_bucket",
        "cloudtrail",
        Some(&trail_bucket_name),
        json!({
            "bucket": trail_bucket_name, "force_destroy": true,
        }),
    );
    public_access_block(b, "cloudtrail", &trail_bucket);
    let policy = b.plain("s3_bucket_policy", "cloudtrail", json!({
        "bucket": reference(&trail_bucket, "id"),
        "policy": {
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": "AWSCloudTrailAclCheck", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
                 "Action": "s3:GetBucketAcl", "Resource": format!("arn:aws:s3:::{trail_bucket_name}")},
                {"Sid": "AWSCloudTrailWrite", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
                 "Action": "s3:PutObject", "Resource": format!("arn:aws:s3:::{trail_bucket_name}/*"),
                 "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}},
            ],
        },
    }));
    let trail = b.tagged(
        "cloudtrail_trail",
        "main",
        Some(&b.name("healthcare-trail")),
        json!({
            "name": b.name("healthcare-trail"),
            "s3_bucket_name": reference(&trail_bucket, "id"),
            "include_global_service_events": true,
            "is_multi_region_trail": true,
            "enable_logging": true,
        }),
    );
    // CloudTrail checks the bucket policy when the trail is created.
    b.depends_on(&trail, &policy);

    let table = b.tagged(
        "dynamodb_table",
        "patient_records",
        Some(&b.name("healthcare-patient-records")),
        json!({
            "name": b.name("healthcare-patient-records"),
            "billing_mode": "PAY_PER_REQUEST",
            "hash_key": "patient_id",
            "hash_key_type": "S",
            "point_in_time_recovery": true,
            "kms_key_arn": key_arn,
        }),
    );
    b.output("data_bucket_name", reference(&data, "id"));
    b.output("dynamodb_table_name", reference(&table, "id"));
    Storage {
        data_bucket: data,
        table,
    }
}

fn public_access_block(b: &mut Builder, name: &str, bucket: &str) {
    b.plain("s3_bucket_public_access_block", name, json!({
        "bucket": reference(bucket, "id"),
        "block_public_acls": true, "block_public_policy": true, "ignore_public_acls": true, "restrict_public_buckets": true,
    }));
}
