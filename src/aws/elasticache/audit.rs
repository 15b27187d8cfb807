//! The drift audit of the ElastiCache types (see `aws::audit`).

use aws_sdk_elasticache::operation::list_tags_for_resource;
use aws_sdk_elasticache::types::{CacheCluster, CacheSubnetGroup, NodeGroup, ReplicationGroup};

use crate::aws::audit::Class::{Computed as C, Ignored as I, Managed as M};
use crate::aws::audit::{debug_of, Audit, Shape};

/// Every ElastiCache type's audit.
pub fn audits() -> Vec<Audit> {
    vec![
        Audit {
            kind: "elasticache_subnet_group",
            shapes: vec![
                Shape {
                    call: "DescribeCacheSubnetGroups",
                    shape: "CacheSubnetGroup",
                    debug: || debug_of(CacheSubnetGroup::builder()),
                    fields: &[
                        ("cache_subnet_group_name", C), // the id: read reports the name it looked the group up by as `name`
                        ("cache_subnet_group_description", M("description")),
                        ("vpc_id", C),
                        ("subnets", M("subnet_ids")),
                        ("arn", C),
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
            kind: "elasticache_replication_group",
            shapes: vec![
                Shape {
                    call: "DescribeReplicationGroups",
                    shape: "ReplicationGroup",
                    debug: || debug_of(ReplicationGroup::builder()),
                    fields: &[
                        ("replication_group_id", M("replication_group_id")),
                        ("description", M("description")),
                        ("global_replication_group_info", M("global_replication_group_id")),
                        ("status", C),
                        ("pending_modified_values", C),
                        ("member_clusters", M("num_cache_clusters")),
                        ("node_groups", M("port")),
                        ("snapshotting_cluster_id", C),
                        ("automatic_failover", M("automatic_failover")),
                        ("multi_az", M("multi_az")),
                        ("configuration_endpoint", C),
                        ("snapshot_retention_limit", M("snapshot_retention_limit")),
                        ("snapshot_window", M("snapshot_window")),
                        ("cluster_enabled", I("false: hcprov creates cluster-mode-disabled groups; fixed at creation (cluster_mode)")),
                        ("cache_node_type", M("node_type")),
                        ("auth_token_enabled", M("auth_token_enabled")),
                        // When the token was last set: recorded at apply, so a
                        // token rotated or set outside hcprov is drift.
                        ("auth_token_last_modified_date", M("auth_token_last_modified")),
                        ("transit_encryption_enabled", M("transit_encryption")),
                        ("at_rest_encryption_enabled", M("at_rest_encryption")),
                        ("member_clusters_outpost_arns", C),
                        ("kms_key_id", M("kms_key_id")),
                        ("storage_encryption_type", C), // follows at_rest_encryption and kms_key_id
                        ("arn", C),
                        ("user_group_ids", M("user_group_ids")),
                        ("log_delivery_configurations", M("log_delivery")),
                        ("replication_group_create_time", C),
                        ("data_tiering", C), // decided by the node type (r6gd only)
                        ("auto_minor_version_upgrade", M("auto_minor_version_upgrade")),
                        ("network_type", I("ipv4: hcprov's subnets are IPv4-only; fixed at creation")),
                        ("ip_discovery", I("ipv4, as network_type: the subnets have no IPv6")),
                        ("transit_encryption_mode", M("transit_encryption_mode")),
                        ("cluster_mode", I("disabled: a switch to compatible or enabled is a one-way client migration hcprov never makes")),
                        ("engine", I("the same value is compared from the member cluster (DescribeCacheClusters) as engine")),
                        ("durability", I("the replication mode of Valkey engines that offer a choice; hcprov runs Redis OSS, which has one")),
                        ("effective_durability", C),
                    ],
                },
                Shape {
                    call: "DescribeReplicationGroups",
                    shape: "NodeGroup",
                    debug: || debug_of(NodeGroup::builder()),
                    fields: &[
                        ("node_group_id", C),
                        ("status", C),
                        ("primary_endpoint", M("port")),
                        ("reader_endpoint", C),
                        ("slots", C),
                        ("node_group_members", C),
                    ],
                },
                Shape {
                    call: "DescribeCacheClusters",
                    shape: "CacheCluster",
                    debug: || debug_of(CacheCluster::builder()),
                    fields: &[
                        ("cache_cluster_id", C),
                        ("configuration_endpoint", C),
                        ("client_download_landing_page", C),
                        ("cache_node_type", I("the group's node type, compared from ReplicationGroup.cache_node_type")),
                        ("engine", M("engine")),
                        ("engine_version", C),
                        ("cache_cluster_status", C),
                        ("num_cache_nodes", C),
                        ("preferred_availability_zone", C),
                        ("preferred_outpost_arn", C),
                        ("cache_cluster_create_time", C),
                        ("preferred_maintenance_window", I("hcprov leaves the maintenance window to ElastiCache")),
                        ("pending_modified_values", C),
                        ("notification_configuration", I("hcprov sends no ElastiCache event notifications")),
                        ("cache_security_groups", C), // EC2-Classic cache security groups, retired: none in a VPC
                        ("cache_parameter_group", I("the engine's default parameter group; TLS and AUTH are group settings compared above")),
                        ("cache_subnet_group_name", M("subnet_group_name")),
                        ("cache_nodes", C),
                        ("auto_minor_version_upgrade", C), // the group's, compared from ReplicationGroup
                        ("security_groups", M("security_group_ids")),
                        ("replication_group_id", C),
                        ("snapshot_retention_limit", C), // the group's, compared from ReplicationGroup
                        ("snapshot_window", C), // the group's, compared from ReplicationGroup
                        ("auth_token_enabled", C), // the group's, compared from ReplicationGroup
                        ("auth_token_last_modified_date", C),
                        ("transit_encryption_enabled", C), // the group's, compared from ReplicationGroup
                        ("at_rest_encryption_enabled", C), // the group's, compared from ReplicationGroup
                        ("arn", C),
                        ("replication_group_log_delivery_enabled", C),
                        ("log_delivery_configurations", C), // the group's; the proposed elasticache_replication_group.log_delivery compares it
                        ("network_type", C), // the group's
                        ("ip_discovery", C), // the group's
                        ("transit_encryption_mode", C), // the group's, compared from ReplicationGroup
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
    ]
}
