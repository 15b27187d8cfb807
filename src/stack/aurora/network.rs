//! The `aurora-redis-api` network: a VPC over two zones with public and
//! private subnets, no NAT (the private subnets have no internet route),
//! an interface endpoint for Secrets Manager, and security groups that
//! admit only the Lambda: to Aurora on 5432, to Redis on 6379, to the
//! endpoint on 443. Every rule names a group, none a CIDR.

use serde_json::{json, Value};

use super::super::networking::{associate, vpc_and_subnets, Vpc};
use super::super::{reference, Builder};

/// Addresses later parts of the stack refer to.
pub struct Network {
    /// The private subnets, one per zone.
    pub private_subnets: Vec<String>,
    /// The Lambda's security group.
    pub lambda_sg: String,
    /// The database's security group.
    pub db_sg: String,
    /// The cache's security group.
    pub cache_sg: String,
    /// The Secrets Manager endpoint, the Lambda's only way to its secrets.
    pub endpoint: String,
}

/// A TCP rule from (or to) the group at `group`.
fn from_group(port: u16, group: &str, description: &str) -> Value {
    json!({
        "protocol": "tcp", "from_port": port, "to_port": port,
        "source_security_group_id": reference(group, "id"), "description": description,
    })
}

/// Adds the network nodes.
pub fn build(b: &mut Builder) -> Network {
    let Vpc {
        id: vpc_id,
        igw,
        public,
        private,
    } = vpc_and_subnets(b);
    let public_rt = b.tagged("ec2_route_table", "public", Some(&b.name("healthcare-public-rt")), json!({
        "vpc_id": vpc_id, "routes": [{"cidr_block": "0.0.0.0/0", "gateway_id": reference(&igw, "id")}],
    }));
    // Only the VPC's local route: nothing private reaches the internet.
    let private_rt = b.tagged(
        "ec2_route_table",
        "private",
        Some(&b.name("healthcare-private-rt")),
        json!({
            "vpc_id": vpc_id, "routes": [],
        }),
    );
    associate(b, &public, &public_rt, "public");
    associate(b, &private, &private_rt, "private");

    let group = |b: &mut Builder, name: &str, base: &str, description: &str, ingress: Value| {
        let mut attrs = json!({
            "name": b.name(base), "description": description, "vpc_id": vpc_id, "ingress": ingress,
        });
        if name != "lambda" {
            // Data stores and the endpoint answer; they start nothing.
            attrs["egress"] = json!([]);
        }
        b.tagged("ec2_security_group", name, Some(&b.name(base)), attrs)
    };
    let lambda_sg = group(
        b,
        "lambda",
        "healthcare-lambda-sg",
        "Patient API Lambda: no inbound; outbound only to the database, cache and endpoints",
        json!([]),
    );
    let db_sg = group(
        b,
        "database",
        "healthcare-db-sg",
        "Aurora PostgreSQL: only the patient API Lambda, on 5432",
        json!([from_group(
            5432,
            &lambda_sg,
            "PostgreSQL from the patient API Lambda"
        )]),
    );
    let cache_sg = group(
        b,
        "cache",
        "healthcare-redis-sg",
        "Redis: only the patient API Lambda, on 6379",
        json!([from_group(
            6379,
            &lambda_sg,
            "Redis from the patient API Lambda"
        )]),
    );
    let endpoint_sg = group(
        b,
        "endpoints",
        "healthcare-endpoints-sg",
        "Interface VPC endpoints: only the patient API Lambda, on 443",
        json!([from_group(
            443,
            &lambda_sg,
            "HTTPS from the patient API Lambda"
        )]),
    );
    // In port order, as reads return them.
    b.plain(
        "ec2_security_group_rules",
        "lambda_egress",
        json!({
            "group_id": reference(&lambda_sg, "id"),
            "direction": "egress",
            "rules": [
                from_group(443, &endpoint_sg, "HTTPS to the interface endpoints"),
                from_group(5432, &db_sg, "PostgreSQL to Aurora"),
                from_group(6379, &cache_sg, "Redis to ElastiCache"),
            ],
        }),
    );
    // Through this endpoint, only this account's secrets can be read: a
    // compromised function cannot write to another account's secrets.
    let account = b.account.id.clone();
    let endpoint = b.tagged(
        "ec2_vpc_endpoint",
        "secretsmanager",
        Some(&b.name("healthcare-secretsmanager-endpoint")),
        json!({
            "vpc_id": vpc_id,
            "service_name": format!("com.amazonaws.{}.secretsmanager", b.cfg.region),
            "vpc_endpoint_type": "Interface",
            "subnet_ids": private.iter().map(|s| reference(s, "id")).collect::<Vec<_>>(),
            "security_group_ids": [reference(&endpoint_sg, "id")],
            "private_dns_enabled": true,
            "policy": {
                "Version": "2012-10-17",
                "Statement": [{
                    "Sid": "ReadThisAccountsSecretsOnly",
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "secretsmanager:GetSecretValue",
                    "Resource": "*",
                    "Condition": {"StringEquals": {"aws:ResourceAccount": account, "aws:PrincipalAccount": account}},
                }],
            },
        }),
    );
    b.output("vpc_id", vpc_id);
    b.output(
        "private_subnet_ids",
        Value::Array(private.iter().map(|s| reference(s, "id")).collect()),
    );
    Network {
        private_subnets: private,
        lambda_sg,
        db_sg,
        cache_sg,
        endpoint,
    }
}
