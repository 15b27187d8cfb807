//! The data of `multi-region-dr`: a KMS key per region (its policy lets
//! CloudWatch Logs use it for that region's log groups, CloudWatch alarms
//! publish to the encrypted topic, and the S3 replication role decrypt in
//! the primary and encrypt in the secondary); a medical-documents bucket
//! per region, the primary's replicated to the secondary's (versioning on
//! both first, only SSE-KMS objects, replicas under the secondary's key,
//! Replication Time Control and its metrics); and the DynamoDB global
//! tables, each replica under its own region's key with point-in-time
//! recovery.

use serde_json::{json, Value};

use super::super::networking::flow_log_group;
use super::super::security::trail_key_statements;
use super::super::{reference, Builder};
use super::Site;

/// The keys (primary first) and the replication role.
pub struct Keys {
    /// `kms_key.<role>`.
    pub key: [String; 2],
}

/// The buckets (primary first).
pub struct Storage {
    /// `s3_bucket.<role>`.
    pub bucket: [String; 2],
}

/// The global tables.
pub struct Tables {
    /// `dynamodb_table.patient_records` and `.audit_logs`.
    pub tables: Vec<String>,
}

/// The replication role's name.
fn replication_role(b: &Builder) -> String {
    b.name("healthcare-dr-s3-replication")
}

/// The function's name in a site (its log group is in the key policy).
pub fn function_name(b: &Builder, role: &str) -> String {
    b.name(&format!("healthcare-dr-api-{role}"))
}

/// The topic's name in a site (the key policy names it).
pub fn topic_name(b: &Builder, role: &str) -> String {
    b.name(&format!("healthcare-dr-alerts-{role}"))
}

/// The API access-log group's name in a site.
pub fn access_log_group(b: &Builder, role: &str) -> String {
    format!(
        "/aws/apigateway/{}",
        b.name(&format!("healthcare-dr-api-{role}"))
    )
}

fn key_policy(b: &Builder, site: &Site, replication_role_arn: &str) -> Value {
    let acct = &b.account.id;
    let dns = b.dns_suffix();
    let region = &site.region;
    let groups: Vec<String> = [
        format!("/aws/lambda/{}", function_name(b, site.role)),
        access_log_group(b, site.role),
        flow_log_group(b, Some(site.role)),
    ]
    .iter()
    .map(|g| {
        format!(
            "arn:{}:logs:{region}:{acct}:log-group:{g}",
            b.account.partition
        )
    })
    .collect();
    // Replicas are decrypted from the primary's key and encrypted with the
    // secondary's, by the replication role, through S3 only.
    let replication = if site.role == "primary" {
        json!(["kms:Decrypt"])
    } else {
        json!(["kms:Encrypt", "kms:GenerateDataKey"])
    };
    let mut policy = json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "AccountAdministersTheKey", "Effect": "Allow",
         "Principal": {"AWS": format!("arn:{}:iam::{acct}:root", b.account.partition)}, "Action": "kms:*", "Resource": "*"},
        {"Sid": "CloudWatchLogsEncryptsTheSitesLogGroups", "Effect": "Allow",
         "Principal": {"Service": format!("logs.{region}.{dns}")},
         "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"], "Resource": "*",
         "Condition": {"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": groups}}},
        {"Sid": "CloudWatchAlarmsPublishToTheEncryptedTopic", "Effect": "Allow",
         "Principal": {"Service": "cloudwatch.amazonaws.com"}, "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*",
         "Condition": {"StringEquals": {"aws:SourceAccount": acct,
            "kms:EncryptionContext:aws:sns:topicArn": format!("arn:{}:sns:{region}:{acct}:{}", b.account.partition, topic_name(b, site.role))}}},
        {"Sid": "S3ReplicationRole", "Effect": "Allow", "Principal": {"AWS": replication_role_arn},
         "Action": replication, "Resource": "*",
         "Condition": {"StringEquals": {"kms:ViaService": format!("s3.{region}.{dns}")}}},
    ]});
    // The stack's trail lives in the primary region, under its key.
    if site.role == "primary" {
        if let Some(statements) = policy["Statement"].as_array_mut() {
            statements.extend(trail_key_statements(b));
        }
    }
    policy
}

/// Adds the replication role and a key (with alias) per region.
pub fn keys(b: &mut Builder, sites: &[Site; 2]) -> Keys {
    b.region = sites[0].region.clone();
    let role = b.tagged("iam_role", "replication", None, json!({
        "name": replication_role(b), "assume_role_policy": b.trust_policy("s3.amazonaws.com", None),
    }));
    b.guards(&role, "replication");
    let role_arn = format!(
        "arn:{}:iam::{}:role/{}",
        b.account.partition,
        b.account.id,
        replication_role(b)
    );
    let mut keys = vec![];
    for site in sites {
        b.region = site.region.clone();
        let policy = key_policy(b, site, &role_arn);
        let key = b.tagged("kms_key", site.role, Some(&b.name(&format!("healthcare-dr-kms-{}", site.role))), json!({
            "description": format!("KMS key for healthcare DR data in the {} region - {}", site.role, b.cfg.environment),
            "deletion_window_in_days": b.cfg.security.kms_deletion_window_days,
            "enable_key_rotation": b.cfg.security.kms_key_rotation,
            "enabled": true,
            "policy": policy,
        }));
        // KMS refuses a policy naming a role that does not exist yet.
        b.depends_on(&key, &role);
        b.plain("kms_alias", site.role, json!({
            "name": format!("alias/{}", b.name(&format!("healthcare-dr-{}", site.role))), "target_key_id": reference(&key, "key_id"),
        }));
        b.output(
            &format!("{}_kms_key_arn", site.role),
            reference(&key, "arn"),
        );
        keys.push(key);
    }
    b.region = sites[0].region.clone();
    Keys {
        key: [keys[0].clone(), keys[1].clone()],
    }
}

/// Adds the buckets and the replication between them.
pub fn storage(b: &mut Builder, sites: &[Site; 2], keys: &Keys) -> Result<Storage, String> {
    let mut buckets = vec![];
    let mut versionings = vec![];
    for (i, site) in sites.iter().enumerate() {
        b.region = site.region.clone();
        let role = site.role;
        let name = b.bucket_name(&format!("healthcare-medical-docs-{role}"))?;
        let bucket = b.tagged(
            "s3_bucket",
            role,
            Some(&name),
            json!({ "bucket": name, "force_destroy": b.cfg.disposable }),
        );
        b.depends_on(&bucket, &keys.key[i]);
        let id = reference(&bucket, "id");
        versionings.push(b.plain(
            "s3_bucket_versioning",
            role,
            json!({ "bucket": id, "status": "Enabled" }),
        ));
        b.plain("s3_bucket_encryption", role, json!({
            "bucket": id, "sse_algorithm": "aws:kms", "kms_master_key_id": reference(&keys.key[i], "arn"), "bucket_key_enabled": true,
        }));
        b.plain("s3_bucket_public_access_block", role, json!({
            "bucket": id, "block_public_acls": true, "block_public_policy": true, "ignore_public_acls": true, "restrict_public_buckets": true,
        }));
        let arn = b.bucket_arn(&name);
        b.plain("s3_bucket_policy", role, json!({
            "bucket": id,
            "policy": {"Version": "2012-10-17", "Statement": [{
                "Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                "Resource": [arn.clone(), format!("{arn}/*")], "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }]},
        }));
        b.output(&format!("{role}_documents_bucket"), id);
        buckets.push((bucket, name));
    }
    b.region = sites[0].region.clone();
    let (source, dest) = (b.bucket_arn(&buckets[0].1), b.bucket_arn(&buckets[1].1));
    let region = |i: usize| format!("s3.{}.{}", sites[i].region, b.dns_suffix());
    let policy = b.plain("iam_role_policy", "replication", json!({
        "role": reference("iam_role.replication", "name"),
        "name": b.name("healthcare-dr-s3-replication-policy"),
        "policy": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["s3:GetReplicationConfiguration", "s3:ListBucket"], "Resource": source},
            {"Effect": "Allow", "Action": ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"],
             "Resource": format!("{source}/*")},
            {"Effect": "Allow", "Action": ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"], "Resource": format!("{dest}/*")},
            {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": reference(&keys.key[0], "arn"),
             // With S3 Bucket Keys the context is the bucket's ARN, else the object's.
             "Condition": {"StringEquals": {"kms:ViaService": region(0)}, "StringLike": {"kms:EncryptionContext:aws:s3:arn": [source.clone(), format!("{source}/*")]}}},
            {"Effect": "Allow", "Action": ["kms:Encrypt", "kms:GenerateDataKey"], "Resource": reference(&keys.key[1], "arn"),
             "Condition": {"StringEquals": {"kms:ViaService": region(1)}, "StringLike": {"kms:EncryptionContext:aws:s3:arn": [dest.clone(), format!("{dest}/*")]}}},
        ]},
    }));
    let replication = b.plain("s3_bucket_replication", "primary", json!({
        "bucket": reference(&buckets[0].0, "id"),
        "role": format!("arn:{}:iam::{}:role/{}", b.account.partition, b.account.id, b.name("healthcare-dr-s3-replication")),
        "rule": {
            "id": "replicate-to-secondary", "priority": 1, "status": "Enabled",
            "destination_bucket": dest, "storage_class": "STANDARD",
            "replica_kms_key_id": reference(&keys.key[1], "arn"),
            "delete_marker_replication": false, "sse_kms_encrypted_objects": true,
            "replication_time_minutes": 15,
        },
        "rule_count": 1,
    }));
    // The destination's versioning first (S3 refuses otherwise), and the
    // role's permissions.
    for d in versionings.iter().chain([&policy]) {
        b.depends_on(&replication, d);
    }
    Ok(Storage {
        bucket: [buckets[0].0.clone(), buckets[1].0.clone()],
    })
}

/// Adds the global tables, in the primary with a replica in the secondary.
pub fn tables(b: &mut Builder, sites: &[Site; 2], keys: &Keys) -> Tables {
    b.region = sites[0].region.clone();
    let mut tables = vec![];
    for (name, key) in [
        ("patient_records", "patient_id"),
        ("audit_logs", "audit_id"),
    ] {
        let table_name = b.name(&format!("healthcare-{}", name.replace('_', "-")));
        let t = b.tagged("dynamodb_table", name, Some(&table_name), json!({
            "name": table_name,
            "billing_mode": "PAY_PER_REQUEST",
            "hash_key": key, "hash_key_type": "S",
            "point_in_time_recovery": true,
            "kms_key_arn": reference(&keys.key[0], "arn"),
            "stream_view_type": "NEW_AND_OLD_IMAGES",
            "replicas": [{"region": sites[1].region, "kms_key_arn": reference(&keys.key[1], "arn"), "point_in_time_recovery": true}],
        }));
        b.output(&format!("{name}_table"), reference(&t, "id"));
        tables.push(t);
    }
    Tables { tables }
}
