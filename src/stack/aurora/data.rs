//! The stores of `aurora-redis-api`: Aurora Serverless v2 PostgreSQL (two
//! `db.serverless` instances in different zones, its log group made first)
//! and a Redis replication group whose AUTH token Secrets Manager
//! generates and keeps. Everything is encrypted with the stack's key.

use serde_json::json;

use super::super::{reference, Builder};
use super::network::Network;
use crate::engine::value::observed;

/// Addresses later parts of the stack refer to.
pub struct Database {
    /// The cluster.
    pub cluster: String,
}

/// Addresses later parts of the stack refer to.
pub struct Cache {
    /// The replication group.
    pub group: String,
    /// The secret holding its AUTH token.
    pub auth_secret: String,
}

/// The cluster identifier (the key policy names its log group).
pub fn cluster_id(b: &Builder) -> String {
    b.name("healthcare-db")
}

/// Adds the Aurora nodes.
pub fn database(b: &mut Builder, net: &Network, key: &str) -> Database {
    let db = b.cfg.database.clone();
    let id = cluster_id(b);
    let key_arn = reference(key, "arn");
    // RDS would otherwise make this group itself: unencrypted, kept forever.
    let logs = b.tagged("logs_log_group", "database", None, json!({
        "name": format!("/aws/rds/cluster/{id}/postgresql"), "retention_in_days": db.log_retention_days, "kms_key_id": key_arn,
    }));
    let subnets = b.tagged("rds_db_subnet_group", "main", Some(&b.name("healthcare-db-subnets")), json!({
        "name": b.name("healthcare-db-subnets"), "description": "Private subnets of the patient-records database",
        "subnet_ids": net.private_subnets.iter().map(|s| reference(s, "id")).collect::<Vec<_>>(),
    }));
    let cluster = b.tagged(
        "rds_cluster",
        "main",
        Some(&id),
        json!({
            "cluster_identifier": id,
            "engine": "aurora-postgresql",
            "database_name": db.database_name,
            "master_username": db.master_username,
            "manage_master_user_password": true,
            "master_user_secret_kms_key_id": key_arn,
            "db_subnet_group_name": reference(&subnets, "id"),
            "vpc_security_group_ids": [reference(&net.db_sg, "id")],
            "storage_encrypted": true,
            "kms_key_id": key_arn,
            // Logins are the managed password only; no Data API over HTTPS.
            "iam_database_authentication": false,
            "http_endpoint_enabled": false,
            "backup_retention_period": db.backup_retention_days,
            "preferred_backup_window": db.preferred_backup_window,
            "preferred_maintenance_window": db.preferred_maintenance_window,
            "enabled_cloudwatch_logs_exports": ["postgresql"],
            "serverless_v2": {"min_capacity": db.min_capacity, "max_capacity": db.max_capacity},
            "deletion_protection": db.protected(b.cfg.disposable),
            "copy_tags_to_snapshot": true,
            "final_snapshot": db.snapshot_on_destroy(b.cfg.disposable),
        }),
    );
    b.depends_on(&cluster, &logs);
    for (i, az) in b.account.zones.clone().iter().enumerate().take(2) {
        let n = i + 1;
        b.tagged(
            "rds_cluster_instance",
            &format!("instance_{n}"),
            Some(&format!("{id}-{n}")),
            json!({
                "identifier": format!("{id}-{n}"),
                "cluster_identifier": reference(&cluster, "id"),
                "engine": "aurora-postgresql",
                "instance_class": "db.serverless",
                "availability_zone": az,
                "publicly_accessible": false,
                "auto_minor_version_upgrade": true,
                "promotion_tier": i,
            }),
        );
    }
    b.output("cluster_endpoint", reference(&cluster, "endpoint"));
    b.output(
        "cluster_reader_endpoint",
        reference(&cluster, "reader_endpoint"),
    );
    b.output(
        "database_secret_arn",
        reference(&cluster, "master_user_secret_arn"),
    );
    Database { cluster }
}

/// Adds the Redis nodes and the secret of its AUTH token.
pub fn cache(b: &mut Builder, net: &Network, key: &str) -> Cache {
    let c = b.cfg.cache.clone();
    let key_arn = reference(key, "arn");
    // 64 letters and digits: within ElastiCache's 16-128 printable
    // characters, none of the `@ " /` it refuses.
    let auth_secret = b.tagged(
        "secretsmanager_secret",
        "redis_auth",
        None,
        json!({
            "name": format!("healthcare/{}/redis-auth", b.cfg.environment),
            "description": "AUTH token of the patient-records Redis cache",
            "kms_key_id": key_arn,
            "generate": {"length": 64, "exclude_punctuation": true},
            "recovery_window_days": if b.cfg.disposable { 0 } else { 30 },
            "rotation_enabled": false,
            "resource_policy": null,
            "replica_regions": [],
            // hcprov's version of the token: one put outside it is drift.
            "current_version": observed(),
        }),
    );
    let subnets = b.tagged("elasticache_subnet_group", "main", None, json!({
        "name": b.name("healthcare-redis-subnets"), "description": "Private subnets of the patient-records cache",
        "subnet_ids": net.private_subnets.iter().map(|s| reference(s, "id")).collect::<Vec<_>>(),
    }));
    let group = b.tagged(
        "elasticache_replication_group",
        "main",
        None,
        json!({
            "replication_group_id": b.name("hc-redis"),
            "description": "Patient-records read cache",
            "engine": "redis",
            "node_type": c.node_type,
            "num_cache_clusters": c.num_nodes,
            "port": 6379,
            "automatic_failover": c.automatic_failover,
            "multi_az": c.multi_az,
            "at_rest_encryption": true,
            "kms_key_id": key_arn,
            "transit_encryption": true,
        "transit_encryption_mode": "required",
        "user_group_ids": [],
        "auto_minor_version_upgrade": true,
            "auth_token_enabled": true,
            "auth_token_secret_arn": reference(&auth_secret, "arn"),
            "auth_token_last_modified": observed(),
            "subnet_group_name": reference(&subnets, "id"),
            "security_group_ids": [reference(&net.cache_sg, "id")],
            "snapshot_retention_limit": c.snapshot_retention_days,
            "snapshot_window": c.snapshot_window,
        }),
    );
    b.output(
        "redis_primary_endpoint",
        reference(&group, "primary_endpoint"),
    );
    b.output("redis_auth_secret_arn", reference(&auth_secret, "arn"));
    Cache { group, auth_secret }
}
