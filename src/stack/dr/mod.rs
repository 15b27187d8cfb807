//! The `multi-region-dr` platform (seed 004): the healthcare API in a
//! primary and a secondary region, peered VPCs, documents replicated from
//! the primary's bucket to the secondary's, DynamoDB global tables, and
//! Route 53 weighted and failover names over both regions' APIs. Every node
//! carries its region; the global parts (IAM, Route 53) sit in the primary.

mod app;
mod data;
mod dns;
mod monitoring;
mod network;

use super::{reference, Builder};

/// One of the two regions and what the stack puts in it.
#[derive(Debug, Clone)]
pub struct Site {
    /// `primary` or `secondary`: the prefix of every address in it.
    pub role: &'static str,
    /// The region.
    pub region: String,
    /// The VPC's CIDR block.
    pub cidr: String,
    /// Three availability zones.
    pub zones: Vec<String>,
}

/// The two sites, primary first.
pub fn sites(b: &Builder) -> [Site; 2] {
    let cfg = b.cfg;
    [
        Site {
            role: "primary",
            region: cfg.region.clone(),
            cidr: cfg.dr.primary_vpc_cidr.clone(),
            zones: b.account.zones.clone(),
        },
        Site {
            role: "secondary",
            region: cfg.dr.secondary_region.clone(),
            cidr: cfg.dr.secondary_vpc_cidr.clone(),
            zones: b.account.secondary_zones.clone(),
        },
    ]
}

/// The hosted zone's name: `[dr] zone_name` or `healthcare-dr-<env>.com`.
pub fn zone_name(b: &Builder) -> String {
    b.cfg
        .dr
        .zone_name
        .clone()
        .unwrap_or_else(|| format!("healthcare-dr-{}.com", b.cfg.environment))
}

/// Adds the platform's nodes for the configured components.
pub fn build(b: &mut Builder) -> Result<(), String> {
    let cfg = b.cfg;
    let sites = sites(b);
    let net = cfg.has("networking").then(|| network::build(b, &sites));
    let keys = cfg.has("security").then(|| data::keys(b, &sites));
    if let Some(keys) = &keys {
        // API activity of both regions is audited by one multi-region
        // trail in the primary, encrypted with the primary's key.
        b.region = sites[0].region.clone();
        super::storage::trail(b, &keys.key[0])?;
        if net.is_some() {
            for (site, key) in sites.iter().zip(&keys.key) {
                b.region = site.region.clone();
                let vpc = reference(&format!("ec2_vpc.{}", site.role), "id");
                super::networking::flow_logs(b, Some(site.role), &vpc, Some(key));
            }
        }
        b.region = cfg.region.clone();
    }
    let storage = match &keys {
        Some(keys) if cfg.has("storage") => Some(data::storage(b, &sites, keys)?),
        _ => None,
    };
    let tables = match &keys {
        Some(keys) if cfg.has("data") => Some(data::tables(b, &sites, keys)),
        _ => None,
    };
    let zone = cfg.has("dns").then(|| dns::zone(b));
    let (Some(net), Some(keys), Some(storage), Some(tables)) = (net, keys, storage, tables) else {
        b.region = cfg.region.clone();
        return Ok(());
    };
    if !cfg.has("compute") {
        return Ok(());
    }
    let functions = app::functions(b, &sites, &net, &keys, &storage, &tables)?;
    let Some(zone) = zone.filter(|_| cfg.has("api")) else {
        return Ok(());
    };
    let apis = app::apis(b, &sites, &keys, &functions, &zone);
    dns::records(b, &sites, &zone, &apis);
    if cfg.has("monitoring") {
        monitoring::build(b, &sites, &keys, &storage, &tables, &apis);
    }
    b.region = cfg.region.clone();
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::json;

    use crate::config::Config;
    use crate::engine::graph::Graph;
    use crate::stack::{blueprint, Account};

    #[test]
    fn both_regions_and_the_global_parts_form_one_graph() {
        let text = format!(
            "environment = \"t1\"\nregion = \"us-east-1\"\n[stack]\nplatform = \"multi-region-dr\"\n[compute]\nlambda_source = \"{}/lambdas\"\n",
            env!("CARGO_MANIFEST_DIR")
        );
        let cfg = Config::parse(std::path::Path::new("t.toml"), &text, None, None).unwrap();
        let account = Account {
            id: "123456789012".into(),
            partition: "aws".into(),
            zones: ["a", "b", "c"]
                .iter()
                .map(|z| format!("us-east-1{z}"))
                .collect(),
            secondary_zones: ["a", "b", "c"]
                .iter()
                .map(|z| format!("us-west-2{z}"))
                .collect(),
        };
        let bp = blueprint(&cfg, &account).unwrap();
        let g = Graph::build(bp.nodes.clone()).unwrap();
        assert_eq!(g.nodes().len(), 123);
        let mut per_region: BTreeMap<&str, usize> = BTreeMap::new();
        for n in &bp.nodes {
            *per_region.entry(n.region.as_str()).or_default() += 1;
        }
        assert!(
            per_region["us-west-2"] > 40 && per_region["us-east-1"] > 50,
            "{per_region:?}"
        );
        let node = |a: &str| g.get(a).unwrap_or_else(|| panic!("{a}"));
        // Peering requested in the primary for the secondary's VPC.
        let pcx = node("ec2_vpc_peering_connection.main");
        assert_eq!(
            (pcx.region.as_str(), pcx.attrs()["peer_region"].clone()),
            ("us-east-1", json!("us-west-2"))
        );
        assert!(node("ec2_route_table.secondary_private").attrs()["routes"]
            .to_string()
            .contains("ec2_vpc_peering_connection.main"));
        // Each replica under its own region's key, with PITR.
        let t = node("dynamodb_table.patient_records");
        assert!(t.attrs()["replicas"][0]["kms_key_arn"]
            .to_string()
            .contains("kms_key.secondary"));
        assert_eq!(
            t.attrs()["replicas"][0]["point_in_time_recovery"],
            json!(true)
        );
        // Replication waits for the destination's versioning.
        let rep = node("s3_bucket_replication.primary");
        assert!(
            rep.depends_on
                .contains(&"s3_bucket_versioning.secondary".to_string()),
            "{:?}",
            rep.depends_on
        );
        assert_eq!(
            rep.attrs()["rule"]["sse_kms_encrypted_objects"],
            json!(true)
        );
        // The keys name the replication role, which exists first.
        for role in ["primary", "secondary"] {
            let k = node(&format!("kms_key.{role}"));
            assert!(k.depends_on.contains(&"iam_role.replication".to_string()));
            assert!(k.attrs()["policy"]
                .to_string()
                .contains("healthcare-dr-s3-replication-t1"));
            let f = node(&format!("lambda_function.{role}_api"));
            assert_eq!(f.attrs()["memory_size"], json!(3072));
            assert!(f.attrs()["environment"]
                .as_object()
                .unwrap()
                .keys()
                .all(|k| !k.starts_with("AWS_")));
        }
        // Health-check alarms in us-east-1; only /health is open.
        assert_eq!(
            node("cloudwatch_metric_alarm.secondary_health").region,
            "us-east-1"
        );
        assert_eq!(
            node("apigatewayv2_route.secondary_health").attrs()["authorization_type"],
            json!("NONE")
        );
        assert_eq!(
            node("apigatewayv2_route.secondary_proxy").attrs()["authorization_type"],
            json!("AWS_IAM")
        );
        assert_eq!(
            node("route53_record.primary_weighted").attrs()["weight"],
            json!(70)
        );
        assert_eq!(
            node("route53_record.secondary_failover").attrs()["failover"],
            json!("SECONDARY")
        );
        // With a secondary outside us-east-1 and a primary elsewhere, the
        // health alarms get a topic of their own there.
        let mut eu = cfg.clone();
        eu.region = "eu-west-1".into();
        let bp = blueprint(
            &eu,
            &Account {
                zones: ["a", "b", "c"]
                    .iter()
                    .map(|z| format!("eu-west-1{z}"))
                    .collect(),
                ..account
            },
        )
        .unwrap();
        let topic = bp
            .nodes
            .iter()
            .find(|n| n.address == "sns_topic.health_checks")
            .unwrap();
        assert_eq!(topic.region, "us-east-1");
    }
}
