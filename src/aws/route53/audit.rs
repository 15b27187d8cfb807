//! The drift audit of the Route 53 types (see `aws::audit`).

use aws_sdk_route53::operation::{get_health_check, get_hosted_zone, list_tags_for_resource};
use aws_sdk_route53::types::{
    AliasTarget, HealthCheck, HealthCheckConfig, HostedZone, HostedZoneConfig, ResourceRecordSet,
    ResourceTagSet,
};

use crate::aws::audit::Class::{Computed as C, Ignored as I, Managed as M};
use crate::aws::audit::{debug_of, Audit, Shape};

/// Every Route 53 type's audit.
pub fn audits() -> Vec<Audit> {
    vec![
        Audit {
            kind: "route53_zone",
            shapes: vec![
                Shape {
                    call: "GetHostedZone",
                    shape: "GetHostedZoneOutput",
                    debug: || debug_of(get_hosted_zone::GetHostedZoneOutput::builder()),
                    fields: &[
                        ("hosted_zone", M("name,comment")),
                        ("delegation_set", C),
                        ("vpcs", I("private zones only; hcprov's zone is public (private_zone), fixed at creation")),
                    ],
                },
                Shape {
                    call: "GetHostedZone",
                    shape: "HostedZone",
                    debug: || debug_of(HostedZone::builder()),
                    fields: &[
                        ("id", C),
                        ("name", M("name")),
                        ("caller_reference", C),
                        ("config", M("comment")),
                        ("resource_record_set_count", C),
                        ("linked_service", C),
                        ("features", M("accelerated_recovery")),
                    ],
                },
                Shape {
                    call: "GetHostedZone",
                    shape: "HostedZoneConfig",
                    debug: || debug_of(HostedZoneConfig::builder()),
                    fields: &[
                        ("comment", M("comment")),
                        ("private_zone", I("always false: the DR names must resolve publicly; fixed at creation")),
                    ],
                },
                Shape {
                    call: "ListTagsForResource",
                    shape: "ListTagsForResourceOutput",
                    debug: || debug_of(list_tags_for_resource::ListTagsForResourceOutput::builder()),
                    fields: &[("resource_tag_set", M("tags"))],
                },
                Shape {
                    call: "ListTagsForResource",
                    shape: "ResourceTagSet",
                    debug: || debug_of(ResourceTagSet::builder()),
                    fields: &[
                        ("resource_type", C),
                        ("resource_id", C),
                        ("tags", M("tags")),
                    ],
                },
            ],
        },
        Audit {
            kind: "route53_health_check",
            shapes: vec![
                Shape {
                    call: "GetHealthCheck",
                    shape: "GetHealthCheckOutput",
                    debug: || debug_of(get_health_check::GetHealthCheckOutput::builder()),
                    fields: &[(
                        "health_check",
                        M("type,fqdn,port,resource_path,request_interval,failure_threshold,enable_sni,disabled,inverted"),
                    )],
                },
                Shape {
                    call: "GetHealthCheck",
                    shape: "HealthCheck",
                    debug: || debug_of(HealthCheck::builder()),
                    fields: &[
                        ("id", C),
                        ("caller_reference", C),
                        ("linked_service", C),
                        ("health_check_config", M("type,fqdn,port,resource_path,request_interval,failure_threshold,enable_sni,disabled,inverted")),
                        ("health_check_version", C),
                        ("cloud_watch_alarm_configuration", C), // CLOUDWATCH_METRIC checks only; hcprov's are HTTPS (type, fixed at creation)
                    ],
                },
                Shape {
                    call: "GetHealthCheck",
                    shape: "HealthCheckConfig",
                    debug: || debug_of(HealthCheckConfig::builder()),
                    fields: &[
                        ("ip_address", M("ip_address")),
                        ("port", M("port")),
                        ("type", M("type")),
                        ("resource_path", M("resource_path")),
                        ("fully_qualified_domain_name", M("fqdn")),
                        ("search_string", I("HTTP_STR_MATCH and HTTPS_STR_MATCH checks only; hcprov's type is HTTPS, fixed at creation")),
                        ("request_interval", M("request_interval")),
                        ("failure_threshold", M("failure_threshold")),
                        ("measure_latency", I("latency graphs only; fixed at creation")),
                        ("inverted", M("inverted")),
                        ("disabled", M("disabled")),
                        ("health_threshold", I("CALCULATED checks only; hcprov's type is HTTPS, fixed at creation")),
                        ("child_health_checks", I("CALCULATED checks only; hcprov's type is HTTPS, fixed at creation")),
                        ("enable_sni", M("enable_sni")),
                        ("regions", M("regions")),
                        ("alarm_identifier", I("CLOUDWATCH_METRIC checks only; hcprov's type is HTTPS, fixed at creation")),
                        ("insufficient_data_health_status", I("CLOUDWATCH_METRIC checks only; hcprov's type is HTTPS, fixed at creation")),
                        ("routing_control_arn", I("RECOVERY_CONTROL checks only; hcprov's type is HTTPS, fixed at creation")),
                    ],
                },
            ],
        },
        Audit {
            kind: "route53_record",
            shapes: vec![
                Shape {
                    call: "ListResourceRecordSets",
                    shape: "ResourceRecordSet",
                    debug: || debug_of(ResourceRecordSet::builder()),
                    fields: &[
                        ("name", M("name")),
                        ("type", M("type")),
                        ("set_identifier", M("set_identifier")),
                        ("weight", M("weight")),
                        ("region", I("latency routing; a record switched to it loses the weight or failover drift compares")),
                        ("geo_location", I("geolocation routing; a record switched to it loses the weight or failover drift compares")),
                        ("failover", M("failover")),
                        ("multi_value_answer", I("multivalue routing; a record switched to it loses the weight or failover drift compares")),
                        ("ttl", M("ttl")),
                        ("resource_records", M("records")),
                        ("alias_target", M("alias")),
                        ("health_check_id", M("health_check_id")),
                        ("traffic_policy_instance_id", C),
                        ("cidr_routing_config", I("IP-based routing; a record switched to it loses the weight or failover drift compares")),
                        ("geo_proximity_location", I("geoproximity routing; a record switched to it loses the weight or failover drift compares")),
                    ],
                },
                Shape {
                    call: "ListResourceRecordSets",
                    shape: "AliasTarget",
                    debug: || debug_of(AliasTarget::builder()),
                    fields: &[
                        ("hosted_zone_id", M("alias")),
                        ("dns_name", M("alias")),
                        ("evaluate_target_health", M("alias")),
                    ],
                },
            ],
        },
    ]
}
