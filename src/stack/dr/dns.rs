//! The global DNS of `multi-region-dr`: the hosted zone (or an existing one
//! given by id), a health check per region on its API's own endpoint
//! (HTTPS, `/health`, every 30 s, 3 failures), and two names over both
//! regions. Route 53 refuses two routing policies on one name, so:
//!
//! - `api.<zone>`: weighted (70/30 by default), each weight tied to its
//!   region's health check. Clients that should spread load use it.
//! - `failover.<zone>`: PRIMARY/SECONDARY, TTL 60. Clients that must stay
//!   on one region while it is healthy use it.

use serde_json::json;

use super::super::{reference, Builder};
use super::app::{names, Apis};
use super::Site;

/// The zone the records go into.
pub struct Zone {
    /// A reference to (or the literal) zone id.
    pub id: serde_json::Value,
    /// The zone's name.
    pub name: String,
}

/// Adds the hosted zone unless `[dr] zone_id` names an existing one.
pub fn zone(b: &mut Builder) -> Zone {
    b.region = b.cfg.region.clone();
    let name = super::zone_name(b);
    let id = match &b.cfg.dr.zone_id {
        Some(id) => json!(id),
        None => {
            let z = b.tagged("route53_zone", "main", None, json!({
                "name": name, "comment": format!("Healthcare DR failover zone - {}", b.cfg.environment),
            }));
            b.output("hosted_zone_name_servers", reference(&z, "name_servers"));
            reference(&z, "zone_id")
        }
    };
    b.output("hosted_zone_id", id.clone());
    Zone { id, name }
}

/// Adds the health checks and the weighted and failover records.
pub fn records(b: &mut Builder, sites: &[Site; 2], zone: &Zone, apis: &Apis) {
    b.region = b.cfg.region.clone();
    let (weighted, failover) = names(zone);
    let weights = [b.cfg.dr.primary_weight, b.cfg.dr.secondary_weight];
    for (i, site) in sites.iter().enumerate() {
        let role = site.role;
        let check = b.tagged("route53_health_check", role, Some(&b.name(&format!("healthcare-dr-health-{role}"))), json!({
            "type": "HTTPS", "fqdn": reference(&apis.api[i], "api_host"), "port": 443, "resource_path": "/health",
            "request_interval": 30, "failure_threshold": 3, "enable_sni": true, "disabled": false, "inverted": false,
        }));
        let check_id = reference(&check, "id");
        b.plain("route53_record", &format!("{role}_weighted"), json!({
            "zone_id": zone.id, "name": weighted, "type": "CNAME", "ttl": 60,
            "records": [reference(&apis.weighted_domain[i], "target_domain_name")],
            "set_identifier": role, "weight": weights[i], "failover": null, "health_check_id": check_id,
        }));
        b.plain("route53_record", &format!("{role}_failover"), json!({
            "zone_id": zone.id, "name": failover, "type": "CNAME", "ttl": 60,
            "records": [reference(&apis.failover_domain[i], "target_domain_name")],
            "set_identifier": role, "weight": null, "failover": role.to_uppercase(), "health_check_id": check_id,
        }));
        b.output(&format!("{role}_health_check_id"), check_id);
    }
    b.output("weighted_endpoint", json!(format!("https://{weighted}")));
    b.output("failover_endpoint", json!(format!("https://{failover}")));
}
