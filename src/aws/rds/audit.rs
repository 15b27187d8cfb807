//! The drift audit of the RDS types (see `aws::audit`).

use aws_sdk_rds::operation::list_tags_for_resource;
use aws_sdk_rds::types::{
    DbCluster, DbClusterSnapshot, DbClusterSnapshotAttribute, DbInstance, DbSubnetGroup,
    MasterUserSecret, ServerlessV2ScalingConfigurationInfo, VpcSecurityGroupMembership,
};

use crate::aws::audit::Class::{Computed as C, Ignored as I, Managed as M};
use crate::aws::audit::{debug_of, Audit, Shape};

/// Every RDS type's audit.
pub fn audits() -> Vec<Audit> {
    vec![
        Audit {
            kind: "rds_db_subnet_group",
            shapes: vec![
                Shape {
                    call: "DescribeDBSubnetGroups",
                    shape: "DbSubnetGroup",
                    debug: || debug_of(DbSubnetGroup::builder()),
                    fields: &[
                        ("db_subnet_group_name", C), // the id: read reports the name it looked the group up by as `name`
                        ("db_subnet_group_description", M("description")),
                        ("vpc_id", C),
                        ("subnet_group_status", C),
                        ("subnets", M("subnet_ids")),
                        ("db_subnet_group_arn", C),
                        ("supported_network_types", C),
                    ],
                },
                Shape {
                    call: "ListTagsForResource",
                    shape: "ListTagsForResourceOutput",
                    debug: || debug_of(list_tags_for_resource::ListTagsForResourceOutput::builder()),
                    fields: &[("tag_list", M("tags"))],
                },
            ],
        },
        Audit {
            kind: "rds_cluster",
            shapes: vec![
                Shape {
                    call: "DescribeDBClusters",
                    shape: "DbCluster",
                    debug: || debug_of(DbCluster::builder()),
                    fields: &[
                        ("allocated_storage", C),
                        ("availability_zones", C),
                        ("backup_retention_period", M("backup_retention_period")),
                        ("character_set_name", I("Oracle and SQL Server only; fixed at creation and never set for Aurora PostgreSQL")),
                        ("database_name", M("database_name")),
                        ("db_cluster_identifier", M("cluster_identifier")),
                        ("db_cluster_parameter_group", M("db_cluster_parameter_group_name")),
                        ("db_subnet_group", M("db_subnet_group_name")),
                        ("status", C),
                        ("percent_progress", C),
                        ("earliest_restorable_time", C),
                        ("endpoint", C),
                        ("reader_endpoint", C),
                        ("custom_endpoints", I("hcprov makes no custom endpoints; each is its own object (CreateDBClusterEndpoint) over the instances hcprov manages")),
                        ("multi_az", C), // Aurora derives it from instances in several zones (rds_cluster_instance.availability_zone)
                        ("engine", M("engine")),
                        ("engine_version", C),
                        ("latest_restorable_time", C),
                        ("port", I("the engine's default (5432), published as the `port` output; hcprov never sets it")),
                        ("master_username", M("master_username")),
                        ("db_cluster_option_group_memberships", I("option groups configure nothing for Aurora PostgreSQL")),
                        ("preferred_backup_window", M("preferred_backup_window")),
                        ("preferred_maintenance_window", M("preferred_maintenance_window")),
                        ("upgrade_rollout_order", I("the order of AWS-initiated upgrades across environments; hcprov takes the default")),
                        ("replication_source_identifier", I("hcprov never creates a cluster as a read replica, and an existing cluster cannot become one; fixed at creation")),
                        ("read_replica_identifiers", C),
                        ("status_infos", C),
                        ("db_cluster_members", C), // each member is an rds_cluster_instance
                        ("vpc_security_groups", M("vpc_security_group_ids")),
                        ("hosted_zone_id", C),
                        ("storage_encrypted", M("storage_encrypted")),
                        ("storage_encryption_type", C), // follows storage_encrypted and kms_key_id
                        ("kms_key_id", M("kms_key_id")),
                        ("db_cluster_resource_id", C),
                        ("db_cluster_arn", C),
                        ("associated_roles", M("associated_roles")),
                        ("iam_database_authentication_enabled", M("iam_database_authentication")),
                        ("clone_group_id", C),
                        ("cluster_create_time", C),
                        ("earliest_backtrack_time", C),
                        ("backtrack_window", I("Aurora MySQL only; hcprov's engine is aurora-postgresql")),
                        ("backtrack_consumed_change_records", C),
                        ("enabled_cloudwatch_logs_exports", M("enabled_cloudwatch_logs_exports")),
                        ("capacity", C),
                        ("pending_modified_values", C),
                        ("engine_mode", I("always provisioned: Serverless v2 runs in provisioned mode, and hcprov never sets it")),
                        ("scaling_configuration_info", I("Serverless v1 only; hcprov's capacity is the Serverless v2 range (serverless_v2)")),
                        ("rds_custom_cluster_configuration", I("RDS Custom only")),
                        ("db_cluster_instance_class", I("non-Aurora Multi-AZ DB clusters only; Aurora sets the class per instance (rds_cluster_instance.instance_class)")),
                        ("storage_type", I("Aurora standard storage by default; aurora-iopt1 changes billing, not data or access")),
                        ("iops", I("non-Aurora Multi-AZ DB clusters only")),
                        ("storage_throughput", I("non-Aurora Multi-AZ DB clusters only")),
                        ("io_optimized_next_allowed_modification_time", C),
                        ("publicly_accessible", C), // non-Aurora Multi-AZ DB clusters only: Aurora reports none and sets public access per instance, compared as rds_cluster_instance.publicly_accessible
                        ("auto_minor_version_upgrade", M("auto_minor_version_upgrade")),
                        ("deletion_protection", M("deletion_protection")),
                        ("http_endpoint_enabled", M("http_endpoint_enabled")),
                        ("activity_stream_mode", M("activity_stream")),
                        ("activity_stream_status", M("activity_stream")),
                        ("activity_stream_kms_key_id", M("activity_stream")),
                        ("activity_stream_kinesis_stream_name", C),
                        ("copy_tags_to_snapshot", M("copy_tags_to_snapshot")),
                        ("cross_account_clone", C),
                        ("domain_memberships", M("domain")),
                        ("tag_list", M("tags")),
                        ("global_cluster_identifier", M("global_cluster_identifier")),
                        ("global_write_forwarding_status", C),
                        ("global_write_forwarding_requested", I("secondary clusters of a global database only; hcprov's cluster is standalone (global_cluster_identifier)")),
                        ("network_type", I("IPV4: the subnet group's subnets are IPv4-only, so DUAL cannot be set; the security groups govern access either way")),
                        ("automatic_restart_time", C),
                        ("serverless_v2_scaling_configuration", M("serverless_v2")),
                        ("serverless_v2_platform_version", C),
                        ("monitoring_interval", I("Multi-AZ DB clusters only (ModifyDBCluster); Aurora sets Enhanced Monitoring per instance, and hcprov turns it on nowhere")),
                        ("monitoring_role_arn", I("Multi-AZ DB clusters only, like monitoring_interval")),
                        ("database_insights_mode", I("a monitoring tier (standard unless advanced mode is bought); what it keeps is covered by performance_insights_*")),
                        ("performance_insights_enabled", M("performance_insights_enabled")),
                        ("performance_insights_kms_key_id", I("acts only while Performance Insights is on, and performance_insights_enabled is managed (off): turning it on shows as that drift")),
                        ("performance_insights_retention_period", I("acts only while Performance Insights is on, and performance_insights_enabled is managed (off): turning it on shows as that drift")),
                        ("db_system_id", C),
                        ("master_user_secret", M("manage_master_user_password,master_user_secret_kms_key_id")),
                        ("local_write_forwarding_status", C),
                        ("aws_backup_recovery_point_arn", C),
                        ("limitless_database", I("Aurora Limitless Database only (cluster_scalability_type limitless)")),
                        ("cluster_scalability_type", I("standard: hcprov never asks for Limitless; fixed at creation")),
                        ("certificate_details", C),
                        ("engine_lifecycle_support", I("an RDS Extended Support billing choice; hcprov takes the default")),
                        ("vpc_networking_enabled", C), // express-configuration clusters only; hcprov's cluster is in its own subnet group
                        ("internet_access_gateway_enabled", C), // express-configuration clusters only, fixed at creation; hcprov's cluster is reached through its subnets and security groups
                    ],
                },
                Shape {
                    call: "DescribeDBClusters",
                    shape: "ServerlessV2ScalingConfigurationInfo",
                    debug: || debug_of(ServerlessV2ScalingConfigurationInfo::builder()),
                    fields: &[
                        ("min_capacity", M("serverless_v2")),
                        ("max_capacity", M("serverless_v2")),
                        ("seconds_until_auto_pause", I("only present while min_capacity is 0 (auto-pause), which serverless_v2 reports; hcprov's minimum is 0.5")),
                    ],
                },
                Shape {
                    call: "DescribeDBClusters",
                    shape: "MasterUserSecret",
                    debug: || debug_of(MasterUserSecret::builder()),
                    fields: &[
                        ("secret_arn", C),
                        ("secret_status", C),
                        ("kms_key_id", M("master_user_secret_kms_key_id")),
                    ],
                },
                Shape {
                    call: "DescribeDBClusters",
                    shape: "VpcSecurityGroupMembership",
                    debug: || debug_of(VpcSecurityGroupMembership::builder()),
                    fields: &[
                        ("vpc_security_group_id", M("vpc_security_group_ids")),
                        ("status", C),
                    ],
                },
                Shape {
                    call: "DescribeDBClusterSnapshots",
                    shape: "DbClusterSnapshot",
                    debug: || debug_of(DbClusterSnapshot::builder()),
                    fields: &[
                        ("db_cluster_snapshot_identifier", M("shared_snapshots")),
                        ("availability_zones", I("a snapshot is the data's history, not a setting: drift only asks who else may restore it")),
                        ("db_cluster_identifier", I("a snapshot is the data's history, not a setting: drift only asks who else may restore it")),
                        ("snapshot_create_time", I("a snapshot is the data's history, not a setting: drift only asks who else may restore it")),
                        ("engine", I("a snapshot is the data's history, not a setting: drift only asks who else may restore it")),
                        ("engine_mode", I("a snapshot is the data's history, not a setting: drift only asks who else may restore it")),
                        ("allocated_storage", I("a snapshot is the data's history, not a setting: drift only asks who else may restore it")),
                        ("status", I("a snapshot is the data's history, not a setting: drift only asks who else may restore it")),
                        ("port", I("a snapshot is the data's history, not a setting: drift only asks who else may restore it")),
                        ("vpc_id", I("a snapshot is the data's history, not a setting: drift only asks who else may restore it")),
                        ("cluster_create_time", I("a snapshot is the data's history, not a setting: drift only asks who else may restore it")),
                        ("master_username", I("a snapshot is the data's history, not a setting: drift only asks who else may restore it")),
                        ("engine_version", I("a snapshot is the data's history, not a setting: drift only asks who else may restore it")),
                        ("license_model", I("a snapshot is the data's history, not a setting: drift only asks who else may restore it")),
                        ("snapshot_type", I("a snapshot is the data's history, not a setting: drift only asks who else may restore it")),
                        ("percent_progress", I("a snapshot is the data's history, not a setting: drift only asks who else may restore it")),
                        ("storage_encrypted", I("a snapshot is the data's history, not a setting: drift only asks who else may restore it")),
                        ("storage_encryption_type", I("a snapshot is the data's history, not a setting: drift only asks who else may restore it")),
                        ("backup_retention_period", I("a snapshot is the data's history, not a setting: drift only asks who else may restore it")),
                        ("preferred_backup_window", I("a snapshot is the data's history, not a setting: drift only asks who else may restore it")),
                        ("kms_key_id", I("a snapshot is the data's history, not a setting: drift only asks who else may restore it")),
                        ("db_cluster_snapshot_arn", I("a snapshot is the data's history, not a setting: drift only asks who else may restore it")),
                        ("source_db_cluster_snapshot_arn", I("a snapshot is the data's history, not a setting: drift only asks who else may restore it")),
                        ("iam_database_authentication_enabled", I("a snapshot is the data's history, not a setting: drift only asks who else may restore it")),
                        ("tag_list", I("a snapshot is the data's history, not a setting: drift only asks who else may restore it")),
                        ("storage_type", I("a snapshot is the data's history, not a setting: drift only asks who else may restore it")),
                        ("storage_throughput", I("a snapshot is the data's history, not a setting: drift only asks who else may restore it")),
                        ("db_cluster_resource_id", I("a snapshot is the data's history, not a setting: drift only asks who else may restore it")),
                        ("db_system_id", I("a snapshot is the data's history, not a setting: drift only asks who else may restore it")),
                    ],
                },
                Shape {
                    call: "DescribeDBClusterSnapshotAttributes",
                    shape: "DbClusterSnapshotAttribute",
                    debug: || debug_of(DbClusterSnapshotAttribute::builder()),
                    fields: &[
                        ("attribute_name", M("shared_snapshots")),
                        ("attribute_values", M("shared_snapshots")),
                    ],
                },
            ],
        },
        Audit {
            kind: "rds_cluster_instance",
            shapes: vec![Shape {
                call: "DescribeDBInstances",
                shape: "DbInstance",
                debug: || debug_of(DbInstance::builder()),
                fields: &[
                    ("db_instance_identifier", M("identifier")),
                    ("db_instance_class", M("instance_class")),
                    ("engine", M("engine")),
                    ("db_instance_status", C),
                    ("master_username", C), // the cluster's, compared as rds_cluster.master_username
                    ("db_name", C), // the cluster's, compared as rds_cluster.database_name
                    ("endpoint", C),
                    ("allocated_storage", C),
                    ("instance_create_time", C),
                    ("preferred_backup_window", C), // the cluster's, compared as rds_cluster.preferred_backup_window
                    ("backup_retention_period", C), // the cluster's, compared as rds_cluster.backup_retention_period
                    ("db_security_groups", C), // EC2-Classic DB security groups, retired: RDS reports none in a VPC
                    ("vpc_security_groups", C), // the cluster's, compared as rds_cluster.vpc_security_group_ids
                    ("db_parameter_groups", M("db_parameter_group_name")),
                    ("availability_zone", M("availability_zone")),
                    ("db_subnet_group", C), // the cluster's, compared as rds_cluster.db_subnet_group_name
                    ("preferred_maintenance_window", I("each instance's own window; hcprov leaves it to RDS and compares the cluster's (rds_cluster.preferred_maintenance_window)")),
                    ("upgrade_rollout_order", I("the order of AWS-initiated upgrades across environments; hcprov takes the default")),
                    ("pending_modified_values", C),
                    ("latest_restorable_time", C),
                    ("multi_az", C), // always false for an Aurora instance: the second instance in another zone gives the availability
                    ("engine_version", C),
                    ("auto_minor_version_upgrade", M("auto_minor_version_upgrade")),
                    ("read_replica_source_db_instance_identifier", C), // Aurora readers are cluster members, not read replicas
                    ("read_replica_db_instance_identifiers", C),
                    ("read_replica_db_cluster_identifiers", C),
                    ("replica_mode", I("Oracle replicas only")),
                    ("license_model", I("fixed by the engine (postgresql-license)")),
                    ("iops", C), // Aurora storage belongs to the cluster
                    ("storage_throughput", C),
                    ("option_group_memberships", I("the engine's default option group; option groups configure nothing for Aurora PostgreSQL")),
                    ("character_set_name", I("Oracle and SQL Server only")),
                    ("nchar_character_set_name", I("Oracle only")),
                    ("secondary_availability_zone", C),
                    ("publicly_accessible", M("publicly_accessible")),
                    ("status_infos", C),
                    ("storage_type", C),
                    ("storage_encryption_type", C), // the cluster's
                    ("tde_credential_arn", I("Oracle and SQL Server TDE only")),
                    ("db_instance_port", C),
                    ("db_cluster_identifier", M("cluster_identifier")),
                    ("storage_encrypted", C), // the cluster's, compared as rds_cluster.storage_encrypted
                    ("kms_key_id", C), // the cluster's, compared as rds_cluster.kms_key_id
                    ("dbi_resource_id", C),
                    ("ca_certificate_identifier", I("the CA RDS signs the server certificate with: AWS sets and rotates it (it moved every instance off rds-ca-2019), and clients verify against AWS's bundle of every RDS CA")),
                    ("domain_memberships", C), // the cluster's; the proposed rds_cluster.domain compares it
                    ("copy_tags_to_snapshot", C), // the cluster's, compared as rds_cluster.copy_tags_to_snapshot
                    ("monitoring_interval", I("hcprov turns on no Enhanced Monitoring (OS metrics, which needs a monitoring role)")),
                    ("enhanced_monitoring_resource_arn", C),
                    ("monitoring_role_arn", I("Enhanced Monitoring is off (monitoring_interval)")),
                    ("promotion_tier", M("promotion_tier")),
                    ("db_instance_arn", C),
                    ("timezone", I("SQL Server only")),
                    ("iam_database_authentication_enabled", C), // the cluster's, compared as rds_cluster.iam_database_authentication
                    ("database_insights_mode", I("a monitoring tier (standard unless advanced mode is bought); what it keeps is covered by performance_insights_*")),
                    ("performance_insights_enabled", M("performance_insights_enabled")),
                    ("performance_insights_kms_key_id", I("acts only while Performance Insights is on, and performance_insights_enabled is managed (off): turning it on shows as that drift")),
                    ("performance_insights_retention_period", I("acts only while Performance Insights is on, and performance_insights_enabled is managed (off): turning it on shows as that drift")),
                    ("enabled_cloudwatch_logs_exports", C), // Aurora exports logs per cluster, compared as rds_cluster.enabled_cloudwatch_logs_exports
                    ("processor_features", I("db.serverless has no configurable processor features")),
                    ("deletion_protection", C), // the cluster's, compared as rds_cluster.deletion_protection
                    ("associated_roles", C), // the cluster's; the proposed rds_cluster.associated_roles compares it
                    ("listener_endpoint", C),
                    ("max_allocated_storage", C),
                    ("tag_list", M("tags")),
                    ("automation_mode", I("RDS Custom only")),
                    ("resume_full_automation_mode_time", C),
                    ("customer_owned_ip_enabled", I("RDS on Outposts only")),
                    ("network_type", C), // the cluster's subnet group decides it
                    ("activity_stream_status", C), // the cluster's; the proposed rds_cluster.activity_stream compares it
                    ("activity_stream_kms_key_id", C), // the cluster's; the proposed rds_cluster.activity_stream compares it
                    ("activity_stream_kinesis_stream_name", C),
                    ("activity_stream_mode", C), // the cluster's; the proposed rds_cluster.activity_stream compares it
                    ("activity_stream_engine_native_audit_fields_included", C),
                    ("aws_backup_recovery_point_arn", C),
                    ("db_instance_automated_backups_replications", C), // cross-region automated-backup replication is not offered for Aurora instances; the cluster's backups are compared on rds_cluster
                    ("backup_target", I("RDS on Outposts only")),
                    ("automatic_restart_time", C),
                    ("custom_iam_instance_profile", I("RDS Custom only")),
                    ("activity_stream_policy_status", C),
                    ("certificate_details", C),
                    ("db_system_id", C),
                    ("master_user_secret", C), // the cluster's, compared on rds_cluster
                    ("read_replica_source_db_cluster_identifier", C),
                    ("percent_progress", C),
                    ("multi_tenant", I("Oracle CDB only")),
                    ("dedicated_log_volume", I("Provisioned IOPS storage outside Aurora only")),
                    ("is_storage_config_upgrade_available", C),
                    ("engine_lifecycle_support", C), // the cluster's
                    ("additional_storage_volumes", I("storage volumes outside Aurora only")),
                    ("storage_volume_status", C),
                    ("storage_operation_status", C),
                    ("storage_operation_percent_progress", C),
                    ("db_capacity_reservation_identifier", I("hcprov uses no capacity reservations")),
                ],
            }],
        },
    ]
}
