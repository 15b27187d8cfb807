//! Working from the state alone: `destroy`, `drift`, `report`, `output`
//! and the `state` commands need only the state (and credentials), so a
//! deleted or broken `hcprov.toml` never blocks tearing an environment
//! down or checking it.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{bail, Result};

use super::{Cli, Session};
use crate::aws::{self, Aws, AwsOptions};
use crate::config::Config;
use crate::engine::state::{FileStore, State};

/// The state file: `--state`, else the configuration's default, else
/// `state/$HCPROV_ENVIRONMENT.json`. `Err` names what is missing.
pub(super) fn state_path(cli: &Cli) -> Result<(PathBuf, Option<Config>)> {
    if let Some(p) = &cli.state {
        return Ok((p.clone(), Config::load(&cli.config).ok()));
    }
    match Config::load(&cli.config) {
        Ok(cfg) => Ok((cfg.default_state_path(), Some(cfg))),
        Err(e) => match std::env::var("HCPROV_ENVIRONMENT")
            .ok()
            .filter(|v| !v.is_empty())
        {
            Some(env) => Ok((PathBuf::from("state").join(format!("{env}.json")), None)),
            None => bail!(
                "{e}; to work from the state alone, name it: --state FILE (or HCPROV_ENVIRONMENT)"
            ),
        },
    }
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
        let (path, cfg) = state_path(cli)?;
        if cfg.is_some() {
            return Session::open(cli).await;
        }
        let store = FileStore::new(&path);
        let Some(state) = store.load()? else {
            bail!(
                "no configuration to read ({}) and no state at {}: nothing to work from",
                cli.config.display(),
                path.display()
            );
        };
        let regions = regions_of(&state);
        let cfg = Config::from_state(&state.environment, &regions, state.disposable == Some(true));
        eprintln!(
            "note: {} cannot be read; working from the state alone at {} (environment {:?}, regions {}); the policy pack runs without its waivers",
            cli.config.display(),
            path.display(),
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
        })
    }
}
