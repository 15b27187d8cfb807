//! The VPC across two zones: subnets, internet and NAT gateways, route
//! tables, gateway endpoints, security groups and flow logs.

use serde_json::{json, Value};

use super::{join, reference, Builder};
use crate::aws::ec2::canonical_rules;

/// Addresses later parts of the stack refer to.
pub struct Networking {
    /// Private subnets, one per zone.
    pub private_subnets: Vec<String>,
    /// The Lambda security group.
    pub lambda_sg: String,
}

fn all_egress() -> Value {
    canonical_rules(vec![json!({
        "protocol": "-1", "from_port": 0, "to_port": 0,
        "cidr_block": "0.0.0.0/0", "description": "Allow all outbound traffic",
    })])
}

/// The VPC and what every platform's VPC has.
pub(super) struct Vpc {
    /// A reference to the VPC's id.
    pub id: Value,
    /// The internet gateway.
    pub igw: String,
    /// Public subnets, one per zone.
    pub public: Vec<String>,
    /// Private subnets, one per zone.
    pub private: Vec<String>,
}

/// Adds the VPC, its internet gateway and a public and a private subnet in
/// each of the account's zones.
pub(super) fn vpc_and_subnets(b: &mut Builder) -> Vpc {
    let net = b.cfg.network.clone();
    let vpc = b.tagged(
        "ec2_vpc",
        "main",
        Some(&b.name("healthcare-vpc")),
        json!({
            "cidr_block": net.vpc_cidr, "enable_dns_support": true, "enable_dns_hostnames": true,
        }),
    );
    let id = reference(&vpc, "id");
    let igw = b.tagged(
        "ec2_internet_gateway",
        "main",
        Some(&b.name("healthcare-igw")),
        json!({ "vpc_id": id }),
    );
    let (mut public, mut private) = (vec![], vec![]);
    for (i, az) in b.account.zones.clone().iter().enumerate() {
        let n = i + 1;
        public.push(b.tagged("ec2_subnet", &format!("public_{n}"), Some(&b.name(&format!("healthcare-public-subnet-{n}"))), json!({
            "vpc_id": id, "cidr_block": net.public_subnets[i], "availability_zone": az, "map_public_ip_on_launch": true,
        })));
        private.push(b.tagged("ec2_subnet", &format!("private_{n}"), Some(&b.name(&format!("healthcare-private-subnet-{n}"))), json!({
            "vpc_id": id, "cidr_block": net.private_subnets[i], "availability_zone": az, "map_public_ip_on_launch": false,
        })));
    }
    Vpc {
        id,
        igw,
        public,
        private,
    }
}

/// Associates each of `subnets` with the route table `rt`
/// (`ec2_route_table_association.<kind>_<n>`).
pub(super) fn associate(b: &mut Builder, subnets: &[String], rt: &str, kind: &str) {
    for (i, s) in subnets.iter().enumerate() {
        b.plain(
            "ec2_route_table_association",
            &format!("{kind}_{}", i + 1),
            json!({
                "subnet_id": reference(s, "id"), "route_table_id": reference(rt, "id"),
            }),
        );
    }
}

/// Adds the networking nodes; `key` (the KMS key's address) encrypts the
/// flow-log group.
pub fn build(b: &mut Builder, key: Option<&str>) -> Networking {
    let cfg = b.cfg.clone();
    let net = &cfg.network;
    let Vpc {
        id: vpc_id,
        igw,
        public,
        private,
    } = vpc_and_subnets(b);

    let eip = b.tagged(
        "ec2_eip",
        "nat",
        Some(&b.name("healthcare-nat-eip")),
        json!({ "domain": "vpc" }),
    );
    let nat = b.tagged(
        "ec2_nat_gateway",
        "main",
        Some(&b.name("healthcare-nat-gw")),
        json!({
            "allocation_id": reference(&eip, "id"), "subnet_id": reference(&public[0], "id"),
        }),
    );
    let public_rt = b.tagged("ec2_route_table", "public", Some(&b.name("healthcare-public-rt")), json!({
        "vpc_id": vpc_id, "routes": [{"cidr_block": "0.0.0.0/0", "gateway_id": reference(&igw, "id")}],
    }));
    let private_rt = b.tagged("ec2_route_table", "private", Some(&b.name("healthcare-private-rt")), json!({
        "vpc_id": vpc_id, "routes": [{"cidr_block": "0.0.0.0/0", "nat_gateway_id": reference(&nat, "id")}],
    }));
    associate(b, &public, &public_rt, "public");
    associate(b, &private, &private_rt, "private");
    for svc in ["s3", "dynamodb"] {
        b.tagged(
            "ec2_vpc_endpoint",
            svc,
            Some(&b.name(&format!("healthcare-{svc}-endpoint"))),
            json!({
                "vpc_id": vpc_id,
                "service_name": format!("com.amazonaws.{}.{svc}", cfg.region),
                "route_table_ids": [reference(&private_rt, "id")],
            }),
        );
    }

    let lambda_sg = b.tagged("ec2_security_group", "lambda", Some(&b.name("healthcare-lambda-sg")), json!({
        "name": b.name("healthcare-lambda-sg"), "description": "Security group for Lambda functions",
        "vpc_id": vpc_id, "ingress": [], "egress": all_egress(),
    }));
    let ingress: Vec<Value> = net
        .alb_ingress_ports
        .iter()
        .map(|p| json!({
            "protocol": "tcp", "from_port": p, "to_port": p, "cidr_block": "0.0.0.0/0",
            "description": match p { 443 => "Allow HTTPS inbound".to_string(), 80 => "Allow HTTP inbound".to_string(), _ => format!("Allow TCP {p} inbound") },
        }))
        .collect();
    b.tagged("ec2_security_group", "alb", Some(&b.name("healthcare-alb-sg")), json!({
        "name": b.name("healthcare-alb-sg"), "description": "Security group for Application Load Balancer",
        "vpc_id": vpc_id, "ingress": canonical_rules(ingress), "egress": all_egress(),
    }));

    flow_logs(b, None, &vpc_id, key);

    b.output("vpc_id", vpc_id);
    b.output(
        "public_subnet_ids",
        Value::Array(public.iter().map(|s| reference(s, "id")).collect()),
    );
    b.output(
        "private_subnet_ids",
        Value::Array(private.iter().map(|s| reference(s, "id")).collect()),
    );
    b.output("lambda_security_group_id", reference(&lambda_sg, "id"));
    Networking {
        private_subnets: private,
        lambda_sg,
    }
}

/// The name of the flow-log group of the VPC of `site` (`None`: the
/// stack's one VPC); key policies name it.
pub(super) fn flow_log_group(b: &Builder, site: Option<&str>) -> String {
    let base = super::security::audit_base(b);
    match site {
        None => format!("/aws/vpc/{}", b.name(base)),
        Some(s) => format!("/aws/vpc/{}", b.name(&format!("{base}-{s}"))),
    }
}

/// Flow logs of all the traffic of `vpc_id` into a log group encrypted
/// with `key` (an address), through a role the flow-log service assumes
/// for this account only and that may write to that one group. `site`
/// names the region's part in a two-region stack (nodes `<site>_...`).
pub(super) fn flow_logs(b: &mut Builder, site: Option<&str>, vpc_id: &Value, key: Option<&str>) {
    let node = |n: &str| site.map_or(n.to_string(), |s| format!("{s}_{n}"));
    let base = super::security::audit_base(b);
    let named = |b: &Builder, n: &str| {
        let n = format!("{base}-{n}");
        site.map_or(b.name(&n), |s| b.name(&format!("{n}-{s}")))
    };
    let log_group = b.tagged("logs_log_group", &node("vpc_flow_logs"), None, json!({
        "name": flow_log_group(b, site), "retention_in_days": b.cfg.network.flow_log_retention_days,
        "kms_key_id": key.map(|k| reference(k, "arn")),
    }));
    let trust = b.trust_policy(
        "vpc-flow-logs.amazonaws.com",
        Some(&b.arn("ec2", "vpc-flow-log/*")),
    );
    let role = b.tagged(
        "iam_role",
        &node("vpc_flow_log"),
        None,
        json!({
            "name": named(b, "vpc-flow-log-role"), "assume_role_policy": trust,
        }),
    );
    b.guards(&role, "flow logs");
    // The flow-log service writes streams into this one group, nothing else.
    let group_arn = reference(&log_group, "arn");
    b.plain("iam_role_policy", &node("vpc_flow_log"), json!({
        "role": reference(&role, "name"),
        "name": named(b, "vpc-flow-log-policy"),
        "policy": {
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                "Resource": [group_arn.clone(), join(vec![group_arn, json!(":*")])],
            }, {
                // The flow-log service looks its group up before delivering;
                // DescribeLogGroups is authorized on the group pattern only.
                "Effect": "Allow",
                "Action": "logs:DescribeLogGroups",
                "Resource": b.arn("logs", "log-group:*"),
            }],
        },
    }));
    let name_tag = named(b, "vpc-flow-log");
    b.tagged("ec2_flow_log", &node("vpc"), Some(&name_tag), json!({
        "vpc_id": vpc_id, "traffic_type": "ALL", "iam_role_arn": reference(&role, "arn"),
        "log_destination_type": "cloud-watch-logs", "log_destination": reference(&log_group, "arn"),
    }));
}
