//! Working from the state alone: `destroy`, `drift`, `report`, `output`
//! and the `state` commands need only the state (and credentials), so a
//! deleted or broken `hcprov.toml` never blocks tearing an environment
//! down or checking it.

use std::collections::BTreeMap;
use std::sync::Arc;

use anyhow::{bail, Result};

use super::store::Store;
use super::{Cli, Session};
use crate::aws::{self, Aws, AwsOptions};
use crate::config::Config;
use crate::engine::state::State;

/// The region for an S3 state named on the command line without a
/// configuration: `AWS_REGION`, `AWS_DEFAULT_REGION`, else us-east-1.
fn cli_region() -> String {
    ["AWS_REGION", "AWS_DEFAULT_REGION"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
        .unwrap_or_else(|| "us-east-1".into())
}

/// The store a command that needs only the state works on: the
/// configuration's (or `--state`, a path or `s3://bucket/key`), or without
/// a readable configuration `--state`, else `state/$HCPROV_ENVIRONMENT.json`.
/// With the configuration when it loads.
pub(super) async fn open_store(cli: &Cli) -> Result<(Store, Option<Config>)> {
    match Config::load(&cli.config) {
        Ok(cfg) => {
            let aws = Aws::load(&AwsOptions {
                endpoint_url: cli.endpoint_url.clone(),
                default_region: cfg.region.clone(),
                assume_role: None,
            })
            .await;
            let store = super::store_of(cli, &cfg, &aws)?;
            Ok((store, Some(cfg)))
        }
        Err(e) => {
            let missing = matches!(e, crate::config::ConfigError::Missing(_));
            let spec = match &cli.state {
                Some(p) => p.to_string_lossy().into_owned(),
                // A broken configuration may name remote state: only an
                // explicit --state says which copy to trust.
                None if !missing => bail!("{e}; fix it, or name the state explicitly (--state FILE or s3://BUCKET/KEY) to work from the state alone"),
                None => match std::env::var("HCPROV_ENVIRONMENT").ok().filter(|v| !v.is_empty()) {
                    Some(env) => format!("state/{env}.json"),
                    None => bail!("{e}; to work from the state alone, name it: --state FILE or s3://BUCKET/KEY (or HCPROV_ENVIRONMENT)"),
                },
            };
            let region = cli_region();
            let aws = Aws::load(&AwsOptions {
                endpoint_url: cli.endpoint_url.clone(),
                default_region: region.clone(),
                assume_role: None,
            })
            .await;
            Ok((Store::of(&spec, &region, &aws)?, None))
        }
    }
}

/// The state's regions, then any other the configuration names.
pub(super) fn all_regions(state: &State, cfg: &Config) -> Vec<String> {
    let mut regions = regions_of(state);
    for r in cfg.regions() {
        if !regions.contains(&r) {
            regions.push(r);
        }
    }
    regions
}

/// The state's regions, the one holding the most resources first (the
/// primary of a two-region stack holds the global parts).
pub(super) fn regions_of(state: &State) -> Vec<String> {
    let mut count: BTreeMap<&str, usize> = BTreeMap::new();
    for r in state.resources.values() {
        *count.entry(r.region.as_str()).or_default() += 1;
    }
    let mut regions: Vec<(&str, usize)> = count.into_iter().collect();
    regions.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    regions.into_iter().map(|(r, _)| r.to_string()).collect()
}

impl Session {
    /// The configuration's session when it loads; else one from the state
    /// alone, saying so on stderr. The policy pack then runs without the
    /// configuration's waivers, and destroy honours the state's record of
    /// protection.
    pub(super) async fn open_or_state(cli: &Cli) -> Result<Session> {
        if let Ok(cfg) = Config::load(&cli.config) {
            return Session::open_with(cli, cfg).await;
        }
        let (store, _) = open_store(cli).await?;
        let Some(state) = store.load().await? else {
            bail!(
                "no configuration to read ({}) and no state at {}: nothing to work from",
                cli.config.display(),
                store.describe()
            );
        };
        if state.account.is_none() && !state.resources.is_empty() {
            bail!("the state at {} records no account (it predates hcprov recording one), so working from it alone could act on another account; nothing was changed: restore the configuration and run `hcprov apply` once, which records it", store.describe());
        }
        let regions = regions_of(&state);
        let cfg = Config::from_state(&state.environment, &regions, state.disposable == Some(true));
        eprintln!(
            "note: {} cannot be read; working from the state alone at {} (environment {:?}, regions {}); the policy pack runs without its waivers",
            cli.config.display(),
            store.describe(),
            state.environment,
            if regions.is_empty() { "none".into() } else { regions.join(", ") }
        );
        let aws = Aws::load(&AwsOptions {
            endpoint_url: cli.endpoint_url.clone(),
            default_region: cfg.region.clone(),
            assume_role: None,
        })
        .await;
        let aws = Arc::new(aws);
        let registry = Arc::new(aws::registry(&aws));
        Ok(Session {
            cfg,
            store,
            aws,
            registry,
            parallelism: usize::from(cli.parallelism),
            cfg_path: cli.config.clone(),
            alone: true,
        })
    }
}
