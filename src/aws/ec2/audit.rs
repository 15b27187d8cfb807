//! The drift audit of the EC2 types (see `aws::audit`).

use aws_sdk_ec2::operation::describe_vpc_attribute;
use aws_sdk_ec2::types::{
    Address, DnsOptions, FlowLog, InternetGateway, InternetGatewayAttachment, IpPermission,
    IpRange, Ipv6Range, NatGateway, NatGatewayAddress, PrefixListId, PrivateDnsNameOptionsOnLaunch,
    Route, RouteTable, RouteTableAssociation, SecurityGroup, SecurityGroupIdentifier, Subnet,
    UserIdGroupPair, Vpc, VpcEndpoint, VpcPeeringConnection,
    VpcPeeringConnectionOptionsDescription, VpcPeeringConnectionStateReason,
    VpcPeeringConnectionVpcInfo,
};

use crate::aws::audit::Class::{Computed as C, Ignored as I, Managed as M};
use crate::aws::audit::{debug_of, Audit, Class, Shape};

/// A field table of a shape.
type Fields = &'static [(&'static str, Class)];

/// The fields of one rule (`IpPermission`) and of its sources, which
/// `live_rules` turns into single-source rules: the same for a group's
/// inline rules and for an `ec2_security_group_rules` node, but for the
/// attribute they feed.
struct RuleFields {
    permission: Fields,
    group_pair: Fields,
    ipv4: Fields,
    ipv6: Fields,
    prefix_list: Fields,
}

/// An `ec2_security_group`'s inline rules (`ingress` from `ip_permissions`,
/// `egress` from `ip_permissions_egress`).
const INLINE_RULES: RuleFields = RuleFields {
    permission: &[
        ("ip_protocol", M("ingress,egress")),
        ("from_port", M("ingress,egress")),
        ("to_port", M("ingress,egress")),
        ("user_id_group_pairs", M("ingress,egress")),
        ("ip_ranges", M("ingress,egress")),
        ("ipv6_ranges", M("ingress,egress")),
        ("prefix_list_ids", M("ingress,egress")),
    ],
    group_pair: &[
        ("description", M("ingress,egress")),
        ("user_id", C),
        ("group_name", C),
        ("group_id", M("ingress,egress")),
        ("vpc_id", C),
        ("vpc_peering_connection_id", C),
        ("peering_status", C),
    ],
    ipv4: &[
        ("description", M("ingress,egress")),
        ("cidr_ip", M("ingress,egress")),
    ],
    ipv6: &[
        ("description", M("ingress,egress")),
        ("cidr_ipv6", M("ingress,egress")),
    ],
    prefix_list: &[
        ("description", M("ingress,egress")),
        ("prefix_list_id", M("ingress,egress")),
    ],
};

/// An `ec2_security_group_rules` node's rules (one direction).
const NODE_RULES: RuleFields = RuleFields {
    permission: &[
        ("ip_protocol", M("rules")),
        ("from_port", M("rules")),
        ("to_port", M("rules")),
        ("user_id_group_pairs", M("rules")),
        ("ip_ranges", M("rules")),
        ("ipv6_ranges", M("rules")),
        ("prefix_list_ids", M("rules")),
    ],
    group_pair: &[
        ("description", M("rules")),
        ("user_id", C),
        ("group_name", C),
        ("group_id", M("rules")),
        ("vpc_id", C),
        ("vpc_peering_connection_id", C),
        ("peering_status", C),
    ],
    ipv4: &[("description", M("rules")), ("cidr_ip", M("rules"))],
    ipv6: &[("description", M("rules")), ("cidr_ipv6", M("rules"))],
    prefix_list: &[("description", M("rules")), ("prefix_list_id", M("rules"))],
};

/// The rule shapes of DescribeSecurityGroups, classified by `f`.
fn rule_shapes(f: &RuleFields) -> Vec<Shape> {
    let call = "DescribeSecurityGroups";
    vec![
        Shape {
            call,
            shape: "IpPermission",
            debug: || debug_of(IpPermission::builder()),
            fields: f.permission,
        },
        Shape {
            call,
            shape: "UserIdGroupPair",
            debug: || debug_of(UserIdGroupPair::builder()),
            fields: f.group_pair,
        },
        Shape {
            call,
            shape: "IpRange",
            debug: || debug_of(IpRange::builder()),
            fields: f.ipv4,
        },
        Shape {
            call,
            shape: "Ipv6Range",
            debug: || debug_of(Ipv6Range::builder()),
            fields: f.ipv6,
        },
        Shape {
            call,
            shape: "PrefixListId",
            debug: || debug_of(PrefixListId::builder()),
            fields: f.prefix_list,
        },
    ]
}

/// Every EC2 type's audit.
pub fn audits() -> Vec<Audit> {
    let mut security_group = vec![Shape {
        call: "DescribeSecurityGroups",
        shape: "SecurityGroup",
        debug: || debug_of(SecurityGroup::builder()),
        fields: &[
            ("group_id", C),
            ("ip_permissions_egress", M("egress")), // compared when the group declares `egress`; else an ec2_security_group_rules node owns it
            ("tags", M("tags")),
            ("vpc_id", M("vpc_id")),
            ("security_group_arn", C),
            ("owner_id", C),
            ("group_name", M("name")),
            ("description", M("description")),
            ("ip_permissions", M("ingress")),
        ],
    }];
    security_group.extend(rule_shapes(&INLINE_RULES));

    let mut security_group_rules = vec![Shape {
        call: "DescribeSecurityGroups",
        shape: "SecurityGroup",
        debug: || debug_of(SecurityGroup::builder()),
        fields: &[
            ("group_id", C), // the `group_id` attribute is taken from the node's id (GROUP_ID/direction), not from this echo
            ("ip_permissions_egress", M("rules")), // when direction is egress; else the group's inline `egress`
            (
                "tags",
                I("the group's tags: owned by ec2_security_group, which compares them"),
            ),
            (
                "vpc_id",
                I("the group's VPC: owned by ec2_security_group, which compares it"),
            ),
            ("security_group_arn", C),
            ("owner_id", C),
            (
                "group_name",
                I("the group's name: owned by ec2_security_group, which compares it"),
            ),
            (
                "description",
                I("the group's description: owned by ec2_security_group, which compares it"),
            ),
            ("ip_permissions", M("rules")), // when direction is ingress; else the group's inline `ingress`
        ],
    }];
    security_group_rules.extend(rule_shapes(&NODE_RULES));

    vec![
        Audit {
            kind: "ec2_vpc",
            shapes: vec![
                Shape {
                    call: "DescribeVpcs",
                    shape: "Vpc",
                    debug: || debug_of(Vpc::builder()),
                    fields: &[
                        ("owner_id", C),
                        ("instance_tenancy", I("always default for hcprov's VPCs (CreateVpc without InstanceTenancy), and ModifyVpcTenancy can only go from dedicated to default, so it cannot drift")),
                        ("ipv6_cidr_block_association_set", M("ipv6_cidr_blocks")),
                        ("cidr_block_association_set", M("secondary_cidr_blocks")),
                        ("is_default", I("hcprov's VPCs are never the account's default VPC: CreateVpc never makes one; fixed at creation")),
                        ("encryption_control", M("encryption_control_mode")),
                        ("tags", M("tags")),
                        ("block_public_access_states", C), // derived by AWS from the account-level VPC Block Public Access options and exclusions, not a setting of this VPC
                        ("vpc_id", C),
                        ("state", C),
                        ("cidr_block", M("cidr_block")),
                        ("dhcp_options_id", M("domain_name_servers")),
                    ],
                },
                Shape {
                    call: "DescribeVpcAttribute",
                    shape: "DescribeVpcAttributeOutput",
                    debug: || debug_of(describe_vpc_attribute::DescribeVpcAttributeOutput::builder()),
                    fields: &[
                        ("enable_dns_hostnames", M("enable_dns_hostnames")),
                        ("enable_dns_support", M("enable_dns_support")),
                        ("enable_network_address_usage_metrics", I("only publishes a CloudWatch count of the VPC's IP addresses in use; no effect on traffic, DNS or exposure, and hcprov leaves it at AWS's default (off)")),
                        ("vpc_id", C),
                    ],
                },
                Shape {
                    call: "DescribeDhcpOptions",
                    shape: "DhcpOptions",
                    debug: || debug_of(aws_sdk_ec2::types::DhcpOptions::builder()),
                    fields: &[
                        ("owner_id", C),
                        ("tags", I("the options set's own labels; it is not hcprov's object")),
                        ("dhcp_options_id", C),
                        ("dhcp_configurations", M("domain_name_servers")),
                    ],
                },
            ],
        },
        Audit {
            kind: "ec2_subnet",
            shapes: vec![
                Shape {
                    call: "DescribeSubnets",
                    shape: "Subnet",
                    debug: || debug_of(Subnet::builder()),
                    fields: &[
                        ("availability_zone_id", C),
                        ("type", I("Elastic VMware Service subnets only: hcprov never makes one, and it is fixed at creation")),
                        ("enable_lni_at_device_index", I("Outposts only (local network interfaces): AWS rejects it on hcprov's regional subnets")),
                        ("map_customer_owned_ip_on_launch", I("Outposts only: needs a customer-owned IP pool, which AWS rejects on hcprov's regional subnets")),
                        ("customer_owned_ipv4_pool", I("Outposts only: hcprov's subnets are regional")),
                        ("owner_id", C),
                        ("assign_ipv6_address_on_creation", M("assign_ipv6_address_on_creation")),
                        ("ipv6_cidr_block_association_set", M("ipv6_cidr_blocks")),
                        ("tags", M("tags")),
                        ("subnet_arn", C),
                        ("outpost_arn", I("hcprov never places a subnet on an Outpost; fixed at creation")),
                        ("enable_dns64", M("enable_dns64")),
                        ("ipv6_native", I("fixed at creation: hcprov's subnets are IPv4 (CreateSubnet without Ipv6Native) and AWS cannot change it")),
                        ("private_dns_name_options_on_launch", M("private_dns_hostname_type_on_launch,enable_resource_name_dns_a_record_on_launch,enable_resource_name_dns_aaaa_record_on_launch")), // detailed in the PrivateDnsNameOptionsOnLaunch shape below
                        ("block_public_access_states", C), // derived by AWS from the account-level VPC Block Public Access options and exclusions, not a setting of this subnet
                        ("subnet_id", C),
                        ("state", C),
                        ("vpc_id", M("vpc_id")),
                        ("cidr_block", M("cidr_block")),
                        ("available_ip_address_count", C),
                        ("availability_zone", M("availability_zone")),
                        ("default_for_az", I("hcprov's subnets are never default subnets: only the default VPC has them; fixed at creation")),
                        ("map_public_ip_on_launch", M("map_public_ip_on_launch")),
                    ],
                },
                Shape {
                    call: "DescribeSubnets",
                    shape: "PrivateDnsNameOptionsOnLaunch",
                    debug: || debug_of(PrivateDnsNameOptionsOnLaunch::builder()),
                    fields: &[
                        ("hostname_type", M("private_dns_hostname_type_on_launch")),
                        ("enable_resource_name_dns_a_record", M("enable_resource_name_dns_a_record_on_launch")),
                        ("enable_resource_name_dns_aaaa_record", M("enable_resource_name_dns_aaaa_record_on_launch")),
                    ],
                },
            ],
        },
        Audit {
            kind: "ec2_internet_gateway",
            shapes: vec![
                Shape {
                    call: "DescribeInternetGateways",
                    shape: "InternetGateway",
                    debug: || debug_of(InternetGateway::builder()),
                    fields: &[
                        ("attachments", M("vpc_id")),
                        ("internet_gateway_id", C),
                        ("owner_id", C),
                        ("tags", M("tags")),
                    ],
                },
                Shape {
                    call: "DescribeInternetGateways",
                    shape: "InternetGatewayAttachment",
                    debug: || debug_of(InternetGatewayAttachment::builder()),
                    fields: &[("state", C), ("vpc_id", M("vpc_id"))],
                },
            ],
        },
        Audit {
            kind: "ec2_eip",
            shapes: vec![Shape {
                call: "DescribeAddresses",
                shape: "Address",
                debug: || debug_of(Address::builder()),
                fields: &[
                    ("allocation_id", C),
                    ("association_id", C), // filled by AWS when the ec2_nat_gateway takes the address; that type compares its allocation_id
                    ("domain", M("domain")),
                    ("network_interface_id", C),
                    ("network_interface_owner_id", C),
                    ("private_ip_address", C),
                    ("tags", M("tags")),
                    ("public_ipv4_pool", I("always Amazon's pool: AllocateAddress without PublicIpv4Pool; fixed at allocation")),
                    ("network_border_group", I("always the region's own group: AllocateAddress without NetworkBorderGroup; fixed at allocation")),
                    ("customer_owned_ip", I("Outposts only: hcprov never allocates from a customer-owned pool")),
                    ("customer_owned_ipv4_pool", I("Outposts only: hcprov never allocates from a customer-owned pool")),
                    ("carrier_ip", I("Wavelength Zones only: hcprov's addresses are regional")),
                    ("subnet_id", C),
                    ("service_managed", C),
                    ("instance_id", C),
                    ("public_ip", C),
                ],
            }],
        },
        Audit {
            kind: "ec2_nat_gateway",
            shapes: vec![
                Shape {
                    call: "DescribeNatGateways",
                    shape: "NatGateway",
                    debug: || debug_of(NatGateway::builder()),
                    fields: &[
                        ("create_time", C),
                        ("delete_time", C),
                        ("failure_code", C),
                        ("failure_message", C),
                        ("nat_gateway_addresses", M("allocation_id")), // only the first address is read: see the NatGatewayAddress shape and the gaps file
                        ("nat_gateway_id", C),
                        ("provisioned_bandwidth", I("reserved by AWS: never set through the API (AWS Support raises limits)")),
                        ("state", C),
                        ("subnet_id", M("subnet_id")),
                        ("vpc_id", C),
                        ("tags", M("tags")),
                        ("connectivity_type", I("always public: CreateNatGateway without ConnectivityType; fixed at creation")),
                        ("availability_mode", I("always zonal: CreateNatGateway without AvailabilityMode (the gateway lives in subnet_id); fixed at creation")),
                        ("auto_scaling_ips", I("regional NAT gateways only; hcprov's are zonal")),
                        ("auto_provision_zones", I("regional NAT gateways only; hcprov's are zonal")),
                        ("attached_appliances", C), // filled by AWS when a Network Firewall proxy (an object of its own, not managed by hcprov) attaches
                        ("route_table_id", I("regional NAT gateways only; hcprov's are zonal")),
                    ],
                },
                Shape {
                    call: "DescribeNatGateways",
                    shape: "NatGatewayAddress",
                    debug: || debug_of(NatGatewayAddress::builder()),
                    fields: &[
                        ("allocation_id", M("allocation_id")),
                        ("network_interface_id", C),
                        ("private_ip", C),
                        ("public_ip", C),
                        ("association_id", C),
                        ("is_primary", C),
                        ("failure_message", C),
                        ("status", C),
                        ("availability_zone", C),
                        ("availability_zone_id", C),
                    ],
                },
            ],
        },
        Audit {
            kind: "ec2_route_table",
            shapes: vec![
                Shape {
                    call: "DescribeRouteTables",
                    shape: "RouteTable",
                    debug: || debug_of(RouteTable::builder()),
                    fields: &[
                        ("associations", I("each association is an ec2_route_table_association, which reads it (extra associations made by hand: see the gaps file)")),
                        ("propagating_vgws", M("propagating_vgws")),
                        ("route_table_id", C),
                        ("routes", M("routes")),
                        ("tags", M("tags")),
                        ("vpc_id", M("vpc_id")),
                        ("owner_id", C),
                    ],
                },
                Shape {
                    call: "DescribeRouteTables",
                    shape: "Route",
                    debug: || debug_of(Route::builder()),
                    fields: &[
                        ("destination_cidr_block", M("routes")),
                        ("destination_ipv6_cidr_block", M("routes")),
                        ("destination_prefix_list_id", M("routes")),
                        ("egress_only_internet_gateway_id", M("routes")),
                        ("gateway_id", M("routes")),
                        ("instance_id", M("routes")),
                        ("instance_owner_id", C),
                        ("nat_gateway_id", M("routes")),
                        ("transit_gateway_id", M("routes")),
                        ("local_gateway_id", M("routes")),
                        ("carrier_gateway_id", M("routes")),
                        ("network_interface_id", M("routes")),
                        ("origin", C),
                        ("state", C),
                        ("vpc_peering_connection_id", M("routes")),
                        ("core_network_arn", M("routes")),
                        ("odb_network_arn", M("routes")),
                        ("ip_address", M("routes")),
                    ],
                },
            ],
        },
        Audit {
            kind: "ec2_route_table_association",
            shapes: vec![
                Shape {
                    call: "DescribeRouteTables",
                    shape: "RouteTable",
                    debug: || debug_of(RouteTable::builder()),
                    fields: &[
                        ("associations", M("subnet_id")),
                        ("propagating_vgws", I("the table's route propagation: owned by ec2_route_table, which audits it")),
                        ("route_table_id", M("route_table_id")),
                        ("routes", I("the table's routes: owned by ec2_route_table, which compares them")),
                        ("tags", I("the table's tags: owned by ec2_route_table, which compares them")),
                        ("vpc_id", I("the table's VPC: owned by ec2_route_table, which compares it")),
                        ("owner_id", C),
                    ],
                },
                Shape {
                    call: "DescribeRouteTables",
                    shape: "RouteTableAssociation",
                    debug: || debug_of(RouteTableAssociation::builder()),
                    fields: &[
                        ("main", I("always false for a subnet association: the main association belongs to the VPC, and changing a subnet's table (ReplaceRouteTableAssociation) makes a new association id")),
                        ("route_table_association_id", C),
                        ("route_table_id", M("route_table_id")),
                        ("subnet_id", M("subnet_id")),
                        ("gateway_id", I("hcprov makes subnet associations only: a gateway (edge) association is another association with its own id")),
                        ("public_ipv4_pool", I("only on gateway associations with a BYOIP pool; hcprov's associations are subnet associations")),
                        ("association_state", C),
                    ],
                },
            ],
        },
        Audit {
            kind: "ec2_vpc_endpoint",
            shapes: vec![
                Shape {
                    call: "DescribeVpcEndpoints",
                    shape: "VpcEndpoint",
                    debug: || debug_of(VpcEndpoint::builder()),
                    fields: &[
                        ("vpc_endpoint_id", C),
                        ("vpc_endpoint_type", M("vpc_endpoint_type")), // only put in attrs for Interface endpoints; a gateway endpoint has no such attribute
                        ("vpc_id", M("vpc_id")),
                        ("service_name", M("service_name")),
                        ("state", C),
                        ("policy_document", M("policy")),
                        ("route_table_ids", M("route_table_ids")),
                        ("subnet_ids", M("subnet_ids")), // Interface endpoints only
                        ("groups", M("security_group_ids")), // Interface endpoints only
                        ("ip_address_type", M("ip_address_type")),
                        ("dns_options", M("dns_record_ip_type,private_dns_only_for_inbound_resolver_endpoint")), // detailed in the DnsOptions shape below
                        ("private_dns_enabled", M("private_dns_enabled")), // Interface endpoints only
                        ("requester_managed", C),
                        ("network_interface_ids", C),
                        ("dns_entries", C),
                        ("creation_timestamp", C),
                        ("tags", M("tags")),
                        ("owner_id", C),
                        ("last_error", C),
                        ("ipv4_prefixes", C),
                        ("ipv6_prefixes", C),
                        ("failure_reason", C),
                        ("service_network_arn", I("ServiceNetwork endpoints only: hcprov makes Gateway and Interface endpoints, and the type forces replacement")),
                        ("resource_configuration_arn", I("Resource endpoints only: hcprov makes Gateway and Interface endpoints, and the type forces replacement")),
                        ("service_region", I("always the endpoint's own region: CreateVpcEndpoint without ServiceRegion; fixed at creation")),
                        ("payer_responsibilities", I("billing only (which account pays for the endpoint's usage); no effect on traffic or exposure")),
                    ],
                },
                Shape {
                    call: "DescribeVpcEndpoints",
                    shape: "SecurityGroupIdentifier",
                    debug: || debug_of(SecurityGroupIdentifier::builder()),
                    fields: &[("group_id", M("security_group_ids")), ("group_name", C)],
                },
                Shape {
                    call: "DescribeVpcEndpoints",
                    shape: "DnsOptions",
                    debug: || debug_of(DnsOptions::builder()),
                    fields: &[
                        ("dns_record_ip_type", M("dns_record_ip_type")),
                        ("private_dns_only_for_inbound_resolver_endpoint", M("private_dns_only_for_inbound_resolver_endpoint")),
                        ("private_dns_preference", I("VPC Lattice Resource and ServiceNetwork endpoints only: hcprov makes Gateway and Interface endpoints, and the type forces replacement")),
                        ("private_dns_specified_domains", I("VPC Lattice Resource and ServiceNetwork endpoints only: hcprov makes Gateway and Interface endpoints, and the type forces replacement")),
                    ],
                },
            ],
        },
        Audit {
            kind: "ec2_security_group",
            shapes: security_group,
        },
        Audit {
            kind: "ec2_security_group_rules",
            shapes: security_group_rules,
        },
        Audit {
            kind: "ec2_flow_log",
            shapes: vec![Shape {
                call: "DescribeFlowLogs",
                shape: "FlowLog",
                debug: || debug_of(FlowLog::builder()),
                fields: &[
                    ("creation_time", C),
                    ("deliver_logs_error_message", C),
                    ("deliver_logs_permission_arn", M("iam_role_arn")),
                    ("deliver_cross_account_role", I("hcprov delivers to a log group of its own account (CreateFlowLogs without DeliverCrossAccountRole); fixed at creation: flow logs have no update call")),
                    ("deliver_logs_status", C),
                    ("flow_log_id", C),
                    ("flow_log_status", C),
                    ("log_group_name", I("the log group's name, which log_destination (its ARN, compared) already carries")),
                    ("resource_id", M("vpc_id")),
                    ("traffic_type", M("traffic_type")),
                    ("log_destination_type", M("log_destination_type")),
                    ("log_destination", M("log_destination")),
                    ("log_format", I("always AWS's default format (CreateFlowLogs without LogFormat); fixed at creation: flow logs have no update call, so it cannot drift")),
                    ("tags", M("tags")),
                    ("max_aggregation_interval", I("always AWS's default of 600 seconds (CreateFlowLogs without MaxAggregationInterval); fixed at creation: flow logs have no update call")),
                    ("destination_options", I("S3 destinations only (file format, partitions): hcprov delivers to CloudWatch Logs; fixed at creation")),
                    ("tag_field_specifications", I("only with a custom log_format carrying EC2 tag fields, which hcprov never sets; fixed at creation")),
                ],
            }],
        },
        Audit {
            kind: "ec2_vpc_peering_connection",
            shapes: vec![
                Shape {
                    call: "DescribeVpcPeeringConnections",
                    shape: "VpcPeeringConnection",
                    debug: || debug_of(VpcPeeringConnection::builder()),
                    fields: &[
                        ("accepter_vpc_info", M("peer_vpc_id,peer_region")),
                        ("expiration_time", C),
                        ("requester_vpc_info", M("vpc_id")),
                        ("status", M("status")),
                        ("tags", M("tags")),
                        ("vpc_peering_connection_id", C),
                    ],
                },
                Shape {
                    call: "DescribeVpcPeeringConnections",
                    shape: "VpcPeeringConnectionVpcInfo",
                    debug: || debug_of(VpcPeeringConnectionVpcInfo::builder()),
                    fields: &[
                        ("cidr_block", C),
                        ("ipv6_cidr_block_set", C),
                        ("cidr_block_set", C),
                        ("owner_id", C),
                        ("peering_options", M("requester_allow_remote_vpc_dns_resolution,accepter_allow_remote_vpc_dns_resolution")), // detailed in the VpcPeeringConnectionOptionsDescription shape below
                        ("vpc_id", M("vpc_id,peer_vpc_id")), // the requester's is vpc_id, the accepter's peer_vpc_id
                        ("region", M("peer_region")), // the accepter's; the requester's is the node's own region
                    ],
                },
                Shape {
                    call: "DescribeVpcPeeringConnections",
                    shape: "VpcPeeringConnectionOptionsDescription",
                    debug: || debug_of(VpcPeeringConnectionOptionsDescription::builder()),
                    fields: &[
                        ("allow_dns_resolution_from_remote_vpc", M("requester_allow_remote_vpc_dns_resolution,accepter_allow_remote_vpc_dns_resolution")),
                        ("allow_egress_from_local_classic_link_to_remote_vpc", I("EC2-Classic was retired in 2023: AWS no longer accepts ClassicLink options")),
                        ("allow_egress_from_local_vpc_to_remote_classic_link", I("EC2-Classic was retired in 2023: AWS no longer accepts ClassicLink options")),
                    ],
                },
                Shape {
                    call: "DescribeVpcPeeringConnections",
                    shape: "VpcPeeringConnectionStateReason",
                    debug: || debug_of(VpcPeeringConnectionStateReason::builder()),
                    fields: &[("code", M("status")), ("message", C)],
                },
            ],
        },
    ]
}
