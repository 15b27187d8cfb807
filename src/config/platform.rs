//! Which platform a configuration builds, its parts, and the sections only
//! one platform reads: the Aurora database, the Redis cache and the HTTP
//! API of `aurora-redis-api`.

use serde::Deserialize;

/// A platform's parts, each with the parts it needs.
pub type Components = &'static [(&'static str, &'static [&'static str])];

/// The platforms hcprov knows, with the parts of each and what each part
/// needs. The first is the default.
pub const PLATFORMS: &[(&str, Components)] = &[
    (
        "serverless-api",
        &[
            ("networking", &[]),
            ("security", &[]),
            ("storage", &["security"]),
            ("compute", &["networking", "security", "storage"]),
            ("api", &["compute"]),
            ("monitoring", &["compute", "storage", "api"]),
            ("backup", &["security", "storage"]),
        ],
    ),
    (
        "aurora-redis-api",
        &[
            ("networking", &[]),
            ("security", &[]),
            ("database", &["networking", "security"]),
            ("cache", &["networking", "security"]),
            ("compute", &["networking", "security", "database", "cache"]),
            ("api", &["compute"]),
        ],
    ),
    (
        "multi-region-dr",
        &[
            ("networking", &[]),
            ("security", &[]),
            ("storage", &["security"]),
            ("data", &["security"]),
            ("compute", &["networking", "security", "storage", "data"]),
            ("dns", &[]),
            ("api", &["compute", "dns"]),
            ("monitoring", &["compute", "api"]),
        ],
    ),
];

/// Platforms described but not built yet, with where they stand.
pub const PLANNED: &[(&str, &str)] = &[];

/// Settings (top-level sections or dotted fields) only some platforms read:
/// setting one for another platform is an error, not silently ignored.
pub const ONLY_FOR: &[(&str, &[&str])] = &[
    ("storage", &["serverless-api"]),
    ("backup", &["serverless-api"]),
    ("api", &["serverless-api"]),
    ("network.alb_ingress_ports", &["serverless-api"]),
    ("database", &["aurora-redis-api"]),
    ("cache", &["aurora-redis-api"]),
    ("http_api", &["aurora-redis-api"]),
    ("dr", &["multi-region-dr"]),
    ("network.vpc_cidr", &["serverless-api", "aurora-redis-api"]),
    (
        "network.public_subnets",
        &["serverless-api", "aurora-redis-api"],
    ),
    (
        "network.private_subnets",
        &["serverless-api", "aurora-redis-api"],
    ),
    (
        "network.availability_zones",
        &["serverless-api", "aurora-redis-api"],
    ),
];

/// The parts of `platform` and their needs.
pub fn components(platform: &str) -> Components {
    PLATFORMS
        .iter()
        .find(|(p, _)| *p == platform)
        .map_or(&[], |(_, c)| c)
}

/// Aurora Serverless v2 PostgreSQL inputs (`aurora-redis-api`).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Database {
    /// Fewest Aurora capacity units (0.5-256, in steps of 0.5).
    pub min_capacity: f64,
    /// Most Aurora capacity units (0.5-256, in steps of 0.5).
    pub max_capacity: f64,
    /// Days automated backups are kept (1-35).
    pub backup_retention_days: i64,
    /// Daily backup window, UTC `hh:mm-hh:mm`.
    pub preferred_backup_window: String,
    /// Weekly maintenance window, UTC `ddd:hh:mm-ddd:hh:mm`.
    pub preferred_maintenance_window: String,
    /// RDS refuses to delete the cluster while on; destroy stops first.
    /// Default: on, off in a `disposable` environment.
    pub deletion_protection: Option<bool>,
    /// Destroy takes a final snapshot of the cluster. Default: on, off in a
    /// `disposable` environment.
    pub final_snapshot: Option<bool>,
    /// Retention of the exported PostgreSQL log group, in days.
    pub log_retention_days: i64,
    /// The database created in the cluster.
    pub database_name: String,
    /// The master user (RDS keeps its password in Secrets Manager).
    pub master_username: String,
}

impl Database {
    /// Whether the cluster has deletion protection, given whether the
    /// environment is disposable.
    pub fn protected(&self, disposable: bool) -> bool {
        self.deletion_protection.unwrap_or(!disposable)
    }

    /// Whether destroy takes a final snapshot.
    pub fn snapshot_on_destroy(&self, disposable: bool) -> bool {
        self.final_snapshot.unwrap_or(!disposable)
    }
}

impl Default for Database {
    fn default() -> Self {
        Database {
            min_capacity: 0.5,
            max_capacity: 1.0,
            backup_retention_days: 7,
            preferred_backup_window: "03:00-04:00".into(),
            preferred_maintenance_window: "sun:05:00-sun:06:00".into(),
            deletion_protection: None,
            final_snapshot: None,
            log_retention_days: 90,
            database_name: "patients".into(),
            master_username: "hcadmin".into(),
        }
    }
}

/// ElastiCache Redis inputs (`aurora-redis-api`).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Cache {
    /// The node type.
    pub node_type: String,
    /// Nodes (a primary and replicas), spread over the zones (1-6).
    pub num_nodes: i64,
    /// Promote a replica when the primary fails (needs 2+ nodes).
    pub automatic_failover: bool,
    /// Keep the replicas in other zones than the primary (needs failover).
    pub multi_az: bool,
    /// Days daily snapshots are kept (0-35).
    pub snapshot_retention_days: i64,
    /// Daily snapshot window, UTC `hh:mm-hh:mm`.
    pub snapshot_window: String,
}

impl Default for Cache {
    fn default() -> Self {
        Cache {
            node_type: "cache.t4g.micro".into(),
            num_nodes: 2,
            automatic_failover: true,
            multi_az: true,
            snapshot_retention_days: 5,
            snapshot_window: "05:00-06:00".into(),
        }
    }
}

/// HTTP API inputs (`aurora-redis-api`).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct HttpApi {
    /// Steady requests per second the stage admits.
    pub throttling_rate_limit: f64,
    /// Requests the stage admits in a burst.
    pub throttling_burst_limit: i64,
    /// Retention of the access-log group, in days.
    pub log_retention_days: i64,
}

impl Default for HttpApi {
    fn default() -> Self {
        HttpApi {
            throttling_rate_limit: 50.0,
            throttling_burst_limit: 100,
            log_retention_days: 90,
        }
    }
}

/// Two-region inputs (`multi-region-dr`): the primary region is the
/// top-level `region`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Dr {
    /// The secondary region.
    pub secondary_region: String,
    /// The primary VPC's CIDR (/16 to /20): three public and three private
    /// /24 subnets are carved from it.
    pub primary_vpc_cidr: String,
    /// The secondary VPC's CIDR; must not overlap the primary's (peering).
    pub secondary_vpc_cidr: String,
    /// The hosted zone hcprov creates (default `healthcare-dr-<env>.com`).
    pub zone_name: Option<String>,
    /// An existing hosted zone to use instead of creating one (a new zone
    /// must still be delegated by its parent).
    pub zone_id: Option<String>,
    /// Zone letters of the primary's three subnet pairs (`["a", "b", "c"]`);
    /// empty (the default): the region's first available zones.
    pub primary_availability_zones: Vec<String>,
    /// Zone letters of the secondary's three subnet pairs; empty: the
    /// region's first available zones.
    pub secondary_availability_zones: Vec<String>,
    /// Weight of the primary region's weighted record (0-255).
    pub primary_weight: i64,
    /// Weight of the secondary region's weighted record (0-255).
    pub secondary_weight: i64,
}

impl Default for Dr {
    fn default() -> Self {
        Dr {
            secondary_region: "us-west-2".into(),
            primary_vpc_cidr: "10.0.0.0/16".into(),
            secondary_vpc_cidr: "10.1.0.0/16".into(),
            zone_name: None,
            zone_id: None,
            primary_availability_zones: vec![],
            secondary_availability_zones: vec![],
            primary_weight: 70,
            secondary_weight: 30,
        }
    }
}

/// The network `cidr` and prefix length of a CIDR block.
fn parse_cidr(c: &str) -> Option<(u32, u8)> {
    let (ip, len) = c.split_once('/')?;
    let ip: std::net::Ipv4Addr = ip.parse().ok()?;
    let len: u8 = len.parse().ok()?;
    Some((u32::from(ip), len))
}

/// The `/24` number `i` inside `cidr` (`10.0.0.0/16`, 11 → `10.0.11.0/24`).
pub fn subnet24(cidr: &str, i: u32) -> String {
    let (base, _) = parse_cidr(cidr).unwrap_or((0, 16));
    let ip = std::net::Ipv4Addr::from(base + (i << 8));
    format!("{ip}/24")
}

/// Checks the `[dr]` section against the primary `region`.
pub fn check_dr(dr: &Dr, region: &str) -> Result<(), (String, String)> {
    let bad = |f: &str, m: String| Err((f.to_string(), m));
    if dr.secondary_region == region {
        return bad(
            "dr.secondary_region",
            format!("must differ from the primary `region` ({region})"),
        );
    }
    let mut blocks = vec![];
    for (f, c) in [
        ("dr.primary_vpc_cidr", &dr.primary_vpc_cidr),
        ("dr.secondary_vpc_cidr", &dr.secondary_vpc_cidr),
    ] {
        match parse_cidr(c) {
            Some((base, len)) if (16..=20).contains(&len) && base & ((1u64 << (32 - len)) - 1) as u32 == 0 => blocks.push((base, len)),
            _ => return bad(f, format!("must be an IPv4 CIDR block from /16 to /20 on its own boundary, such as \"10.0.0.0/16\" (six /24 subnets are carved from it); got {c:?}")),
        }
    }
    let (a, b) = (blocks[0], blocks[1]);
    let size = |len: u8| 1u64 << (32 - len);
    let overlap = (a.0 as u64) < b.0 as u64 + size(b.1) && (b.0 as u64) < a.0 as u64 + size(a.1);
    if overlap {
        return bad(
            "dr.secondary_vpc_cidr",
            format!(
                "({}) overlaps dr.primary_vpc_cidr ({}): VPC peering needs disjoint blocks",
                dr.secondary_vpc_cidr, dr.primary_vpc_cidr
            ),
        );
    }
    for (f, z) in [
        (
            "dr.primary_availability_zones",
            &dr.primary_availability_zones,
        ),
        (
            "dr.secondary_availability_zones",
            &dr.secondary_availability_zones,
        ),
    ] {
        let letters = z
            .iter()
            .all(|l| l.len() == 1 && l.as_bytes()[0].is_ascii_lowercase());
        if !(z.is_empty() || (z.len() == 3 && letters)) {
            return bad(f, format!("must list three zone letters such as [\"a\", \"b\", \"c\"], or none; got {z:?}"));
        }
    }
    for (f, w) in [
        ("dr.primary_weight", dr.primary_weight),
        ("dr.secondary_weight", dr.secondary_weight),
    ] {
        if !(0..=255).contains(&w) {
            return bad(f, format!("must be 0-255; got {w}"));
        }
    }
    if dr.primary_weight + dr.secondary_weight == 0 {
        return bad(
            "dr.primary_weight",
            "and dr.secondary_weight are both 0: Route 53 would answer neither".into(),
        );
    }
    if let Some(z) = &dr.zone_name {
        let ok = z.len() <= 250
            && z.contains('.')
            && z.split('.').all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && l.bytes()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
            });
        if !ok {
            return bad(
                "dr.zone_name",
                format!("must be a DNS name such as \"healthcare-dr-prod.com\"; got {z:?}"),
            );
        }
    }
    Ok(())
}

/// A daily `hh:mm-hh:mm` window of at least 30 minutes, as RDS and
/// ElastiCache take them.
pub fn check_window(w: &str) -> Result<(), String> {
    let minutes = |t: &str| -> Option<i64> {
        let (h, m) = t.split_once(':')?;
        let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
        (t.len() == 5 && h < 24 && m < 60).then_some(h * 60 + m)
    };
    let ok = w
        .split_once('-')
        .and_then(|(a, b)| Some((minutes(a)?, minutes(b)?)))
        .is_some_and(|(a, b)| (b - a).rem_euclid(1440) >= 30);
    if ok {
        Ok(())
    } else {
        Err(format!("must be a UTC window `hh:mm-hh:mm` of at least 30 minutes, such as \"03:00-04:00\"; got {w:?}"))
    }
}

/// Checks the `aurora-redis-api` sections; the error names the field.
pub fn check(db: &Database, cache: &Cache, api: &HttpApi) -> Result<(), (String, String)> {
    let bad = |f: &str, m: String| Err((f.to_string(), m));
    for (f, v) in [
        ("database.min_capacity", db.min_capacity),
        ("database.max_capacity", db.max_capacity),
    ] {
        if !(0.5..=256.0).contains(&v) || (v * 2.0).fract() != 0.0 {
            return bad(
                f,
                format!("must be 0.5-256 Aurora capacity units in steps of 0.5; got {v}"),
            );
        }
    }
    if db.min_capacity > db.max_capacity {
        return bad(
            "database.min_capacity",
            format!(
                "({}) is above database.max_capacity ({}): the range must be min <= max",
                db.min_capacity, db.max_capacity
            ),
        );
    }
    if !(1..=35).contains(&db.backup_retention_days) {
        return bad(
            "database.backup_retention_days",
            format!("must be 1-35; got {}", db.backup_retention_days),
        );
    }
    check_window(&db.preferred_backup_window)
        .map_err(|m| ("database.preferred_backup_window".to_string(), m))?;
    let mw = &db.preferred_maintenance_window;
    let day_ok = |s: &str| ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].contains(&s);
    let parts: Vec<&str> = mw.split(['-', ':']).collect();
    if parts.len() != 6 || !day_ok(parts[0]) || !day_ok(parts[3]) {
        return bad(
            "database.preferred_maintenance_window",
            format!("must be a UTC window `ddd:hh:mm-ddd:hh:mm`, such as \"sun:05:00-sun:06:00\"; got {mw:?}"),
        );
    }
    let ident = |s: &str| {
        !s.is_empty()
            && s.len() <= 63
            && s.as_bytes()[0].is_ascii_alphabetic()
            && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    };
    if !ident(&db.database_name) {
        return bad(
            "database.database_name",
            format!(
                "must be 1-63 letters, digits or underscores, starting with a letter; got {:?}",
                db.database_name
            ),
        );
    }
    if !ident(&db.master_username)
        || db.master_username.len() > 16
        || ["admin", "postgres", "rdsadmin"].contains(&db.master_username.as_str())
    {
        return bad(
            "database.master_username",
            format!("must be 1-16 letters, digits or underscores, starting with a letter, and not a reserved name (admin, postgres, rdsadmin); got {:?}", db.master_username),
        );
    }
    if !(1..=6).contains(&cache.num_nodes) {
        return bad(
            "cache.num_nodes",
            format!("must be 1-6; got {}", cache.num_nodes),
        );
    }
    if cache.automatic_failover && cache.num_nodes < 2 {
        return bad(
            "cache.num_nodes",
            format!("is {} but cache.automatic_failover is on, which needs at least 2 nodes: set num_nodes = 2 or more, or turn failover off", cache.num_nodes),
        );
    }
    if cache.multi_az && !cache.automatic_failover {
        return bad(
            "cache.multi_az",
            "needs cache.automatic_failover = true".into(),
        );
    }
    if !cache.node_type.starts_with("cache.") {
        return bad(
            "cache.node_type",
            format!(
                "must be an ElastiCache node type such as \"cache.t4g.micro\"; got {:?}",
                cache.node_type
            ),
        );
    }
    if !(0..=35).contains(&cache.snapshot_retention_days) {
        return bad(
            "cache.snapshot_retention_days",
            format!("must be 0-35; got {}", cache.snapshot_retention_days),
        );
    }
    check_window(&cache.snapshot_window).map_err(|m| ("cache.snapshot_window".to_string(), m))?;
    if !(api.throttling_rate_limit > 0.0 && api.throttling_rate_limit <= 10_000.0) {
        return bad(
            "http_api.throttling_rate_limit",
            format!(
                "must be above 0 and at most 10000 requests per second; got {}",
                api.throttling_rate_limit
            ),
        );
    }
    if !(1..=5000).contains(&api.throttling_burst_limit) {
        return bad(
            "http_api.throttling_burst_limit",
            format!("must be 1-5000; got {}", api.throttling_burst_limit),
        );
    }
    for (f, d) in [
        ("database.log_retention_days", db.log_retention_days),
        ("http_api.log_retention_days", api.log_retention_days),
    ] {
        if !super::LOG_RETENTION_DAYS.contains(&d) {
            return bad(
                f,
                format!(
                    "must be one of CloudWatch's values {:?}; got {d}",
                    super::LOG_RETENTION_DAYS
                ),
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use std::path::Path;

    const LAMBDAS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/lambdas");

    fn parse(extra: &str) -> Result<Config, String> {
        let text = format!("environment = \"dev\"\nregion = \"us-east-1\"\n{extra}\n[compute]\nlambda_source = \"{LAMBDAS}\"\n");
        Config::parse(Path::new("hcprov.toml"), &text, None, None).map_err(|e| e.to_string())
    }

    const AURORA: &str = "[stack]\nplatform = \"aurora-redis-api\"\n";

    #[test]
    fn the_platform_defaults_to_serverless_api_and_picks_its_components() {
        let c = parse("").unwrap();
        assert_eq!(c.stack.platform, "serverless-api");
        assert!(c.has("storage") && c.has("backup") && !c.has("database"));
        let c = parse(AURORA).unwrap();
        assert_eq!(
            c.stack.components,
            [
                "networking",
                "security",
                "database",
                "cache",
                "compute",
                "api"
            ]
        );
        assert!(c.database.protected(false) && !c.database.protected(true));
        assert!(c.database.snapshot_on_destroy(false) && !c.database.snapshot_on_destroy(true));
        for f in ["serverless-api", "aurora-redis-api"] {
            let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("examples/{f}.toml"));
            let c = Config::load(&path).unwrap_or_else(|e| panic!("{f}: {e}"));
            assert_eq!(c.stack.platform, f);
        }
    }

    #[test]
    fn bad_platform_settings_are_one_line_naming_the_field() {
        let cases = [
            (
                "[stack]\nplatform = \"mainframe\"\n",
                "`stack.platform`",
                "choose one of: serverless-api, aurora-redis-api, multi-region-dr",
            ),
            (
                "[stack]\nplatform = \"multi-region-dr\"\n[dr]\nsecondary_vpc_cidr = \"10.0.128.0/17\"\n",
                "`dr.secondary_vpc_cidr`",
                "overlaps dr.primary_vpc_cidr (10.0.0.0/16): VPC peering needs disjoint blocks",
            ),
            (
                "[stack]\nplatform = \"multi-region-dr\"\n[dr]\nsecondary_region = \"us-east-1\"\n",
                "`dr.secondary_region`",
                "must differ from the primary",
            ),
            (
                "[stack]\nplatform = \"multi-region-dr\"\n[dr]\nprimary_vpc_cidr = \"10.0.0.0/24\"\n",
                "`dr.primary_vpc_cidr`",
                "/16 to /20",
            ),
            (
                "[stack]\nplatform = \"multi-region-dr\"\n[dr]\nsecondary_weight = 300\n",
                "`dr.secondary_weight`",
                "0-255",
            ),
            (
                "[stack]\nplatform = \"multi-region-dr\"\n[dr]\nprimary_availability_zones = [\"a\", \"b\"]\n",
                "`dr.primary_availability_zones`",
                "three zone letters",
            ),
            (
                "[stack]\nplatform = \"multi-region-dr\"\n[network]\nvpc_cidr = \"10.9.0.0/16\"\n",
                "`network.vpc_cidr`",
                "applies only to platform serverless-api, aurora-redis-api",
            ),
            (
                "[dr]\nsecondary_region = \"eu-west-1\"\n",
                "`dr`",
                "applies only to platform multi-region-dr",
            ),
            (
                "[stack]\nplatform = \"aurora-redis-api\"\ncomponents = [\"storage\"]\n",
                "`stack.components`",
                "its components: networking, security, database, cache, compute, api",
            ),
            (
                "[database]\nmax_capacity = 2.0\n",
                "`database`",
                "applies only to platform aurora-redis-api",
            ),
            (
                "[stack]\nplatform = \"aurora-redis-api\"\n[backup]\nretention_days = 3\n",
                "`backup`",
                "applies only to platform serverless-api",
            ),
            (
                "[stack]\nplatform = \"aurora-redis-api\"\n[network]\nalb_ingress_ports = [443]\n",
                "`network.alb_ingress_ports`",
                "serverless-api",
            ),
            (
                &format!("{AURORA}[database]\nmin_capacity = 4.0\nmax_capacity = 1.0\n"),
                "`database.min_capacity`",
                "min <= max",
            ),
            (
                &format!("{AURORA}[database]\nmax_capacity = 1.25\n"),
                "`database.max_capacity`",
                "steps of 0.5",
            ),
            (
                &format!("{AURORA}[cache]\nnum_nodes = 1\n"),
                "`cache.num_nodes`",
                "automatic_failover is on",
            ),
            (
                &format!("{AURORA}[cache]\nautomatic_failover = false\n"),
                "`cache.multi_az`",
                "needs cache.automatic_failover",
            ),
            (
                &format!("{AURORA}[database]\npreferred_backup_window = \"3-4\"\n"),
                "`database.preferred_backup_window`",
                "hh:mm-hh:mm",
            ),
            (
                &format!("{AURORA}[database]\nmaster_username = \"admin\"\n"),
                "`database.master_username`",
                "reserved",
            ),
            (
                &format!("{AURORA}[http_api]\nthrottling_burst_limit = 0\n"),
                "`http_api.throttling_burst_limit`",
                "1-5000",
            ),
        ];
        for (text, field, why) in cases {
            let e = parse(text).unwrap_err();
            assert!(e.contains(field) && e.contains(why), "{text}: {e}");
            assert!(!e.contains('\n'), "one line: {e}");
        }
        // Failover off with one node is a valid small cache.
        parse(&format!(
            "{AURORA}[cache]\nnum_nodes = 1\nautomatic_failover = false\nmulti_az = false\n"
        ))
        .unwrap();
    }
}
