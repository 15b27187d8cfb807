//! Per region: a VPC over three zones (public and private subnets, IGW,
//! route tables), gateway endpoints for DynamoDB and S3 so the private
//! Lambda reaches them, and the Lambda's security group (HTTPS out only).
//! Between them: a peering connection requested in the primary and accepted
//! in the secondary, with a route to it on each side's private table.

use serde_json::{json, Value};

use super::super::networking::associate;
use super::super::{reference, Builder};
use super::Site;
use crate::config::subnet24;

/// Addresses later parts refer to, per site (primary first).
pub struct Network {
    /// The private subnets of each site.
    pub private_subnets: [Vec<String>; 2],
    /// The Lambda security group of each site.
    pub lambda_sg: [String; 2],
}

/// Adds both regions' networks and the peering between them.
pub fn build(b: &mut Builder, sites: &[Site; 2]) -> Network {
    let mut vpcs = vec![];
    let mut private_rts = vec![];
    let mut private_subnets: Vec<Vec<String>> = vec![];
    let mut lambda_sgs = vec![];
    for site in sites {
        b.region = site.region.clone();
        let role = site.role;
        let vpc = b.tagged(
            "ec2_vpc",
            role,
            Some(&b.name(&format!("healthcare-dr-vpc-{role}"))),
            json!({
                "cidr_block": site.cidr, "enable_dns_support": true, "enable_dns_hostnames": true,
            }),
        );
        let vpc_id = reference(&vpc, "id");
        let igw = b.tagged(
            "ec2_internet_gateway",
            role,
            Some(&b.name(&format!("healthcare-dr-igw-{role}"))),
            json!({ "vpc_id": vpc_id }),
        );
        let (mut public, mut private) = (vec![], vec![]);
        for (i, az) in site.zones.iter().enumerate() {
            let n = i + 1;
            public.push(b.tagged("ec2_subnet", &format!("{role}_public_{n}"), Some(&b.name(&format!("healthcare-dr-public-{role}-{n}"))), json!({
                "vpc_id": vpc_id, "cidr_block": subnet24(&site.cidr, n as u32), "availability_zone": az, "map_public_ip_on_launch": false,
            })));
            private.push(b.tagged("ec2_subnet", &format!("{role}_private_{n}"), Some(&b.name(&format!("healthcare-dr-private-{role}-{n}"))), json!({
                "vpc_id": vpc_id, "cidr_block": subnet24(&site.cidr, 10 + n as u32), "availability_zone": az, "map_public_ip_on_launch": false,
            })));
        }
        let public_rt = b.tagged("ec2_route_table", &format!("{role}_public"), Some(&b.name(&format!("healthcare-dr-public-rt-{role}"))), json!({
            "vpc_id": vpc_id, "routes": [{"cidr_block": "0.0.0.0/0", "gateway_id": reference(&igw, "id")}],
        }));
        associate(b, &public, &public_rt, &format!("{role}_public"));
        vpcs.push(vpc);
        private_subnets.push(private);
        let sg = b.tagged("ec2_security_group", &format!("{role}_lambda"), Some(&b.name(&format!("healthcare-dr-lambda-{role}"))), json!({
            "name": b.name(&format!("healthcare-dr-lambda-{role}")),
            "description": "DR API Lambda: no inbound; HTTPS out to DynamoDB, S3 and AWS APIs",
            "vpc_id": vpc_id, "ingress": [],
            "egress": [{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_block": "0.0.0.0/0", "description": "HTTPS to AWS APIs"}],
        }));
        lambda_sgs.push(sg);
        private_rts.push((vpc_id.clone(), site.clone()));
    }
    // Peering: requested in the primary, accepted in the secondary.
    b.region = sites[0].region.clone();
    let peering = b.tagged(
        "ec2_vpc_peering_connection",
        "main",
        Some(&b.name("healthcare-dr-peering")),
        json!({
            "vpc_id": reference(&vpcs[0], "id"), "peer_vpc_id": reference(&vpcs[1], "id"),
            "peer_region": sites[1].region, "status": "active",
        }),
    );
    for (i, (vpc_id, site)) in private_rts.iter().enumerate() {
        let other = &sites[1 - i];
        b.region = site.region.clone();
        let role = site.role;
        let rt = b.tagged("ec2_route_table", &format!("{role}_private"), Some(&b.name(&format!("healthcare-dr-private-rt-{role}"))), json!({
            "vpc_id": vpc_id,
            "routes": [{"cidr_block": other.cidr, "vpc_peering_connection_id": reference(&peering, "id")}],
        }));
        associate(b, &private_subnets[i], &rt, &format!("{role}_private"));
        for svc in ["dynamodb", "s3"] {
            // Through the endpoint, only this account's tables and buckets:
            // nothing in the VPC can write to another account's.
            let account = b.account.id.clone();
            b.tagged("ec2_vpc_endpoint", &format!("{role}_{svc}"), Some(&b.name(&format!("healthcare-dr-{svc}-endpoint-{role}"))), json!({
                "vpc_id": vpc_id, "service_name": format!("com.amazonaws.{}.{svc}", site.region), "route_table_ids": [reference(&rt, "id")],
                "policy": {"Version": "2012-10-17", "Statement": [{
                    "Sid": "ThisAccountsResourcesOnly", "Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*",
                    "Condition": {"StringEquals": {"aws:ResourceAccount": account}},
                }]},
            }));
        }
    }
    b.region = sites[0].region.clone();
    let ids = |v: &[String]| Value::Array(v.iter().map(|s| reference(s, "id")).collect());
    b.output("primary_vpc_id", reference(&vpcs[0], "id"));
    b.output("secondary_vpc_id", reference(&vpcs[1], "id"));
    b.output("peering_connection_id", reference(&peering, "id"));
    b.output("primary_private_subnet_ids", ids(&private_subnets[0]));
    b.output("secondary_private_subnet_ids", ids(&private_subnets[1]));
    let mut it = private_subnets.into_iter();
    Network {
        private_subnets: [it.next().unwrap_or_default(), it.next().unwrap_or_default()],
        lambda_sg: [lambda_sgs[0].clone(), lambda_sgs[1].clone()],
    }
}
