//! `hcprov.toml`: the environment, the region, default tags and the
//! blueprint's inputs. `HCPROV_ENVIRONMENT` and `AWS_REGION` override the
//! file, for CI. Every error names the file and the field.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

mod backend;
mod platform;
mod policy;

pub use backend::{valid_bucket, AwsSettings, StateSettings};
pub use platform::{subnet24, Cache, Database, Dr, HttpApi, PLATFORMS};
pub use policy::{Policy, Waiver};

/// `[sets]`: the sets a managed object owns that other tooling also adds
/// to. Every other such set is hcprov's alone: what others add is drift,
/// and apply removes it.
#[derive(Debug, Clone, Default, serde::Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Sets {
    /// `ADDRESS.SET` entries (`iam_role.data_processor.managed_policy_arns`):
    /// drift still reports what others added there; plan and apply leave it.
    pub shared: Vec<String>,
}

/// Retention values CloudWatch Logs accepts.
pub const LOG_RETENTION_DAYS: &[i64] = &[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/// A configuration problem, naming the file and field.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// No file at the path.
    #[error("config file {0} not found; create it (see README, \"Configuration\") or pass --config PATH")]
    Missing(PathBuf),
    /// The file could not be read.
    #[error("reading config file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// Not valid TOML, or an unknown or mistyped field.
    #[error("config file {path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// TOML's message, with line and field.
        message: String,
    },
    /// A field with a bad value.
    #[error("config file {path}: field `{field}` {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The dotted field name.
        field: String,
        /// What is wrong and what is expected.
        message: String,
    },
}

/// The whole configuration.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Suffix of every resource name, and the state file's name.
    pub environment: String,
    /// Primary region.
    pub region: String,
    /// A disposable environment (a demo, a test): destroy may delete
    /// buckets that still hold objects. Off by default, so the data and
    /// audit buckets of a real environment are never emptied by hcprov.
    #[serde(default)]
    pub disposable: bool,
    /// The only accounts hcprov may plan or apply this configuration in
    /// (as Terraform's AWS provider has); empty: any.
    #[serde(default)]
    pub allowed_account_ids: Vec<String>,
    /// Tags on every taggable object (`Environment` defaults to the
    /// environment).
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// Networking inputs.
    #[serde(default)]
    pub network: Network,
    /// Encryption and logging inputs.
    #[serde(default)]
    pub security: Security,
    /// Lambda inputs.
    #[serde(default)]
    pub compute: Compute,
    /// AWS Backup inputs.
    #[serde(default)]
    pub backup: Backup,
    /// API inputs.
    #[serde(default)]
    pub api: Api,
    /// Storage inputs.
    #[serde(default)]
    pub storage: Storage,
    /// Which platform to build, and which of its parts.
    #[serde(default)]
    pub stack: StackParts,
    /// Aurora inputs (`aurora-redis-api`).
    #[serde(default)]
    pub database: Database,
    /// Redis inputs (`aurora-redis-api`).
    #[serde(default)]
    pub cache: Cache,
    /// HTTP API inputs (`aurora-redis-api`).
    #[serde(default)]
    pub http_api: HttpApi,
    /// Two-region inputs (`multi-region-dr`).
    #[serde(default)]
    pub dr: Dr,
    /// The HIPAA policy pack's settings and waivers.
    #[serde(default)]
    pub policy: Policy,
    /// How hcprov reaches the account (a role to assume).
    #[serde(default)]
    pub aws: AwsSettings,
    /// Where the state lives.
    #[serde(default)]
    pub state: StateSettings,
    /// Sets hcprov shares with other tooling.
    #[serde(default)]
    pub sets: Sets,
    /// The directory of the config file; relative paths start there.
    #[serde(skip)]
    pub base_dir: PathBuf,
}

/// The parts of the default platform (`serverless-api`) and the parts
/// each one needs.
pub const COMPONENTS: &[(&str, &[&str])] = PLATFORMS[0].1;

/// Which platform to build and which of its parts (all by default).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct StackParts {
    /// `serverless-api` (the default) or `aurora-redis-api`.
    pub platform: String,
    /// Component names of the platform; empty: all of them.
    pub components: Vec<String>,
}

impl Default for StackParts {
    fn default() -> Self {
        StackParts {
            platform: PLATFORMS[0].0.into(),
            components: vec![],
        }
    }
}

impl Config {
    /// True when the component is part of the stack.
    pub fn has(&self, component: &str) -> bool {
        self.stack.components.iter().any(|c| c == component)
    }

    /// True when the configuration builds `platform`.
    pub fn is(&self, platform: &str) -> bool {
        self.stack.platform == platform
    }
}

/// Storage inputs.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Storage {
    /// What makes the bucket names globally unique after
    /// `healthcare-<part>-<environment>-`; default `<account id>-<region>`.
    pub bucket_suffix: Option<String>,
    /// The patient-records table's name; default
    /// `healthcare-patient-records-<environment>`. Changing it replaces the
    /// table (a protected resource: see `--allow-destroy`).
    pub table_name: Option<String>,
}

/// API inputs.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Api {
    /// How long API Gateway waits for the data processor (50-29000 ms).
    pub integration_timeout_ms: i64,
}

impl Default for Api {
    fn default() -> Self {
        Api {
            integration_timeout_ms: 29_000,
        }
    }
}

/// Lambda inputs.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Compute {
    /// Directory of the Python handlers, relative to the config file.
    pub lambda_source: PathBuf,
    /// Retention of the functions' log groups, in days.
    pub log_retention_days: i64,
}

impl Default for Compute {
    fn default() -> Self {
        Compute {
            lambda_source: PathBuf::from("lambdas"),
            log_retention_days: 90,
        }
    }
}

/// AWS Backup inputs.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Backup {
    /// Select the DynamoDB table into the daily plan. The local emulator
    /// does not implement backup selections, so its configs turn this off.
    pub select_resources: bool,
    /// Days a backup is kept.
    pub retention_days: i64,
}

impl Default for Backup {
    fn default() -> Self {
        Backup {
            select_resources: true,
            retention_days: 7,
        }
    }
}

/// Networking inputs.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Network {
    /// The VPC's CIDR block.
    pub vpc_cidr: String,
    /// Availability-zone suffixes, one per subnet pair (`a`, `b`); empty
    /// (the default): the region's first available zones, by name, as
    /// DescribeAvailabilityZones lists them (some accounts lack `a` or `b`).
    pub availability_zones: Vec<String>,
    /// Public subnet CIDRs, one per zone.
    pub public_subnets: Vec<String>,
    /// Private subnet CIDRs, one per zone.
    pub private_subnets: Vec<String>,
    /// TCP ports the ALB security group admits from anywhere.
    pub alb_ingress_ports: Vec<u16>,
    /// Retention of the VPC flow log group, in days.
    pub flow_log_retention_days: i64,
}

impl Default for Network {
    fn default() -> Self {
        Network {
            vpc_cidr: "10.0.0.0/16".into(),
            availability_zones: vec![],
            public_subnets: vec!["10.0.1.0/24".into(), "10.0.2.0/24".into()],
            private_subnets: vec!["10.0.11.0/24".into(), "10.0.12.0/24".into()],
            alb_ingress_ports: vec![443],
            flow_log_retention_days: 90,
        }
    }
}

impl Network {
    /// How many zones the subnets span: the zones named, or else one per
    /// public subnet.
    pub fn zone_count(&self) -> usize {
        if self.availability_zones.is_empty() {
            self.public_subnets.len()
        } else {
            self.availability_zones.len()
        }
    }
}

/// Encryption and logging inputs.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Security {
    /// Days a deleted KMS key waits before it is gone (7-30).
    pub kms_deletion_window_days: i64,
    /// Yearly rotation of the KMS key.
    pub kms_key_rotation: bool,
}

impl Default for Security {
    fn default() -> Self {
        Security {
            kms_deletion_window_days: 10,
            kms_key_rotation: true,
        }
    }
}

impl Config {
    /// Loads `path`, applies environment overrides and validates.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(ConfigError::Missing(path.into()))
            }
            Err(source) => {
                return Err(ConfigError::Read {
                    path: path.into(),
                    source,
                })
            }
        };
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        Config::parse(path, &text, env("HCPROV_ENVIRONMENT"), env("AWS_REGION"))
    }

    /// Parses `text` (from `path`, for messages) with optional overrides.
    pub fn parse(
        path: &Path,
        text: &str,
        environment: Option<String>,
        region: Option<String>,
    ) -> Result<Config, ConfigError> {
        let parse_error = |e: toml::de::Error| ConfigError::Parse {
            path: path.into(),
            message: e.to_string().trim().replace('\n', " ").replace("  ", " "),
        };
        let raw: toml::Table = toml::from_str(text).map_err(parse_error)?;
        let mut cfg: Config = toml::from_str(text).map_err(parse_error)?;
        cfg.check_platform(path, &raw)?;
        cfg.base_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        if let Some(e) = environment {
            cfg.environment = e;
        }
        if let Some(r) = region {
            cfg.region = r;
        }
        cfg.tags
            .entry("Environment".into())
            .or_insert_with(|| cfg.environment.clone());
        cfg.tags
            .entry("ManagedBy".into())
            .or_insert_with(|| "hcprov".into());
        cfg.validate(path)?;
        Ok(cfg)
    }

    /// Checks the platform name, fills in its components when none are
    /// listed, and refuses settings another platform reads.
    fn check_platform(&mut self, path: &Path, raw: &toml::Table) -> Result<(), ConfigError> {
        let bad = |field: &str, message: String| ConfigError::Invalid {
            path: path.into(),
            field: field.into(),
            message,
        };
        let p = self.stack.platform.clone();
        let known: Vec<&str> = PLATFORMS.iter().map(|(n, _)| *n).collect();
        if let Some((_, why)) = platform::PLANNED.iter().find(|(n, _)| *n == p) {
            return Err(bad(
                "stack.platform",
                format!("{p:?} {why}; choose one of: {}", known.join(", ")),
            ));
        }
        if !known.contains(&p.as_str()) {
            return Err(bad(
                "stack.platform",
                format!(
                    "has unknown platform {p:?}; choose one of: {}",
                    known.join(", ")
                ),
            ));
        }
        for (setting, platforms) in platform::ONLY_FOR {
            let present = match setting.split_once('.') {
                Some((table, key)) => raw
                    .get(table)
                    .and_then(|t| t.as_table())
                    .is_some_and(|t| t.contains_key(key)),
                None => raw.contains_key(*setting),
            };
            if present && !platforms.contains(&p.as_str()) {
                return Err(bad(
                    setting,
                    format!("applies only to platform {}, and `stack.platform` is {p:?}: remove it, or change the platform", platforms.join(", ")),
                ));
            }
        }
        if self.stack.components.is_empty() {
            self.stack.components = platform::components(&p)
                .iter()
                .map(|(c, _)| c.to_string())
                .collect();
        }
        Ok(())
    }

    fn validate(&self, path: &Path) -> Result<(), ConfigError> {
        let bad = |field: &str, message: String| ConfigError::Invalid {
            path: path.into(),
            field: field.into(),
            message,
        };
        let e = &self.environment;
        let env_ok = !e.is_empty()
            && e.len() <= 24
            && e.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !e.starts_with('-')
            && !e.ends_with('-')
            && !e.contains("--");
        if !env_ok {
            return Err(bad("environment", format!("must be 1-24 lowercase letters, digits or single inner hyphens (it names S3 buckets, RDS and ElastiCache identifiers); got {e:?}")));
        }
        let r = &self.region;
        let parts: Vec<&str> = r.split('-').collect();
        let region_ok = parts.len() >= 3
            && parts.iter().all(|p| {
                !p.is_empty()
                    && p.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            })
            && parts
                .last()
                .is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()));
        if !region_ok {
            return Err(bad(
                "region",
                format!("must be an AWS region such as \"us-east-1\"; got {r:?}"),
            ));
        }
        for (k, v) in &self.tags {
            if k.is_empty() || k.len() > 128 || v.len() > 256 || k.starts_with("aws:") {
                return Err(bad(&format!("tags.{k}"), "must have a key of 1-128 characters not starting with \"aws:\" and a value of at most 256".into()));
            }
        }
        let n = &self.network;
        check_cidr(&n.vpc_cidr).map_err(|m| bad("network.vpc_cidr", m))?;
        let zones = n.zone_count();
        if n.availability_zones.is_empty() && zones < 2 {
            return Err(bad(
                "network.public_subnets",
                format!("must list at least two CIDRs, one per availability zone; got {zones}"),
            ));
        }
        if zones < 2
            || n.availability_zones
                .iter()
                .any(|z| z.len() != 1 || !z.as_bytes()[0].is_ascii_lowercase())
        {
            return Err(bad(
                "network.availability_zones",
                format!(
                    "must list at least two zone letters such as [\"a\", \"b\"]; got {:?}",
                    n.availability_zones
                ),
            ));
        }
        for (field, list) in [
            ("network.public_subnets", &n.public_subnets),
            ("network.private_subnets", &n.private_subnets),
        ] {
            if list.len() != zones {
                return Err(bad(
                    field,
                    format!(
                        "must have one CIDR per availability zone ({zones}); got {}",
                        list.len()
                    ),
                ));
            }
            for (i, c) in list.iter().enumerate() {
                check_cidr(c).map_err(|m| bad(&format!("{field}[{i}]"), m))?;
            }
        }
        if n.alb_ingress_ports.contains(&0) {
            return Err(bad(
                "network.alb_ingress_ports",
                "must hold TCP ports 1-65535".into(),
            ));
        }
        if !LOG_RETENTION_DAYS.contains(&n.flow_log_retention_days) {
            return Err(bad(
                "network.flow_log_retention_days",
                format!(
                    "must be one of CloudWatch's values {LOG_RETENTION_DAYS:?}; got {}",
                    n.flow_log_retention_days
                ),
            ));
        }
        if !LOG_RETENTION_DAYS.contains(&self.compute.log_retention_days) {
            return Err(bad(
                "compute.log_retention_days",
                format!(
                    "must be one of CloudWatch's values {LOG_RETENTION_DAYS:?}; got {}",
                    self.compute.log_retention_days
                ),
            ));
        }
        let parts = platform::components(&self.stack.platform);
        for c in &self.stack.components {
            let Some((_, needs)) = parts.iter().find(|(name, _)| name == c) else {
                let known: Vec<&str> = parts.iter().map(|(n, _)| *n).collect();
                return Err(bad(
                    "stack.components",
                    format!(
                        "has component {c:?}, which platform {:?} lacks; its components: {}",
                        self.stack.platform,
                        known.join(", ")
                    ),
                ));
            };
            if let Some(missing) = needs.iter().find(|n| !self.has(n)) {
                return Err(bad(
                    "stack.components",
                    format!("lists {c:?}, which needs {missing:?}; add it"),
                ));
            }
        }
        for (i, a) in self.allowed_account_ids.iter().enumerate() {
            if a.len() != 12 || !a.bytes().all(|c| c.is_ascii_digit()) {
                return Err(bad(
                    &format!("allowed_account_ids[{i}]"),
                    format!("must be a 12-digit AWS account id; got {a:?}"),
                ));
            }
        }
        if let Some(sfx) = &self.storage.bucket_suffix {
            let ok = !sfx.is_empty()
                && sfx.len() <= 30
                && sfx
                    .bytes()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
                && !sfx.starts_with('-')
                && !sfx.ends_with('-');
            if !ok {
                return Err(bad(
                    "storage.bucket_suffix",
                    format!("must be 1-30 lowercase letters, digits and inner hyphens (S3 bucket-name rules); got {sfx:?}"),
                ));
            }
        }
        if let Some(t) = &self.storage.table_name {
            let ok = (3..=255).contains(&t.len())
                && t.bytes()
                    .all(|c| c.is_ascii_alphanumeric() || b"_.-".contains(&c));
            if !ok {
                return Err(bad(
                    "storage.table_name",
                    format!("must be 3-255 letters, digits, '_', '-' or '.' (DynamoDB table-name rules); got {t:?}"),
                ));
            }
        }
        if !(50..=29_000).contains(&self.api.integration_timeout_ms) {
            return Err(bad(
                "api.integration_timeout_ms",
                format!("must be 50-29000; got {}", self.api.integration_timeout_ms),
            ));
        }
        if !(1..=35_000).contains(&self.backup.retention_days) {
            return Err(bad(
                "backup.retention_days",
                format!("must be 1-35000; got {}", self.backup.retention_days),
            ));
        }
        if self.has("compute") && !self.lambda_source().is_dir() {
            return Err(bad(
                "compute.lambda_source",
                format!(
                    "must be a directory of Python handlers; {} is not one",
                    self.lambda_source().display()
                ),
            ));
        }
        if self.is("multi-region-dr") {
            platform::check_dr(&self.dr, &self.region).map_err(|(f, m)| bad(&f, m))?;
        }
        if self.is("aurora-redis-api") {
            platform::check(&self.database, &self.cache, &self.http_api)
                .map_err(|(f, m)| bad(&f, m))?;
        }
        let rules: Vec<&str> = crate::policy::RULES.iter().map(|r| r.id).collect();
        policy::check(&self.policy, &rules).map_err(|(f, m)| bad(&f, m))?;
        backend::check_aws(&self.aws).map_err(|(f, m)| bad(&f, m))?;
        backend::check_state(&self.state).map_err(|(f, m)| bad(&f, m))?;
        if !(7..=30).contains(&self.security.kms_deletion_window_days) {
            return Err(bad(
                "security.kms_deletion_window_days",
                format!(
                    "must be 7-30; got {}",
                    self.security.kms_deletion_window_days
                ),
            ));
        }
        Ok(())
    }

    /// The handlers' directory, resolved against the config file's directory.
    pub fn lambda_source(&self) -> PathBuf {
        if self.compute.lambda_source.is_absolute() {
            self.compute.lambda_source.clone()
        } else {
            self.base_dir.join(&self.compute.lambda_source)
        }
    }

    /// The regions the stack is built in: the primary first.
    pub fn regions(&self) -> Vec<String> {
        if self.is("multi-region-dr") {
            vec![self.region.clone(), self.dr.secondary_region.clone()]
        } else {
            vec![self.region.clone()]
        }
    }

    /// The configuration a command that works from the state alone runs
    /// with when `hcprov.toml` is gone or broken: the state's environment
    /// and regions (the first is the primary), nothing else set, nothing
    /// built. `disposable` is the state's record.
    pub fn from_state(environment: &str, regions: &[String], disposable: bool) -> Config {
        let mut cfg: Config = toml::from_str(&format!(
            "environment = {environment:?}\nregion = {:?}\n",
            regions.first().map_or("us-east-1", String::as_str)
        ))
        .expect("a minimal configuration parses");
        cfg.disposable = disposable;
        cfg.stack.components = vec![];
        if let Some(second) = regions.get(1) {
            cfg.stack.platform = "multi-region-dr".into();
            cfg.dr.secondary_region = second.clone();
        }
        cfg
    }

    /// `state/<environment>.json`.
    pub fn default_state_path(&self) -> PathBuf {
        PathBuf::from("state").join(format!("{}.json", self.environment))
    }
}

fn check_cidr(c: &str) -> Result<(), String> {
    let ok = c
        .split_once('/')
        .and_then(|(ip, len)| Some((ip.parse::<Ipv4Addr>().ok()?, len.parse::<u8>().ok()?)))
        .is_some_and(|(_, len)| (16..=28).contains(&len));
    if ok {
        Ok(())
    } else {
        Err(format!("must be an IPv4 CIDR block with a /16 to /28 prefix, such as \"10.0.1.0/24\"; got {c:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LAMBDAS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/lambdas");

    fn with_lambdas(t: &str) -> String {
        format!("{t}\n[compute]\nlambda_source = \"{LAMBDAS}\"\n")
    }

    fn parse(t: &str) -> Result<Config, ConfigError> {
        Config::parse(Path::new("hcprov.toml"), &with_lambdas(t), None, None)
    }

    #[test]
    fn minimal_config_gets_defaults_and_overrides_apply() {
        let c = parse("environment = \"dev\"\nregion = \"us-east-1\"\n").unwrap();
        assert_eq!(c.tags["Environment"], "dev");
        assert_eq!(c.network.private_subnets.len(), 2);
        let c = Config::parse(
            Path::new("x"),
            "environment = \"dev\"\nregion = \"us-east-1\"\n",
            Some("ci7".into()),
            Some("us-west-2".into()),
        )
        .unwrap();
        assert_eq!(
            (c.environment.as_str(), c.region.as_str()),
            ("ci7", "us-west-2")
        );
    }

    #[test]
    fn errors_name_the_file_and_field() {
        let e = parse("environment = \"Dev_1\"\nregion = \"us-east-1\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("hcprov.toml") && e.contains("`environment`"),
            "{e}"
        );
        let e = parse("environment = \"dev\"\nregion = \"us-east-1\"\n[network]\nprivate_subnets = [\"10.0.11.0/24\", \"nope\"]\n").unwrap_err().to_string();
        assert!(e.contains("network.private_subnets[1]"), "{e}");
        let e = parse("environment = \"dev\"\nregion = \"us-east-1\"\nregoin = 1\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("regoin"), "{e}");
        let e = parse(
            "environment = \"dev\"\nregion = \"us-east-1\"\n[stack]\ncomponents = [\"api\"]\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("`stack.components`") && e.contains("needs \"compute\""),
            "{e}"
        );
        let e = parse("environment = \"dev\"\n").unwrap_err().to_string();
        assert!(e.contains("region"), "{e}");
    }
}
