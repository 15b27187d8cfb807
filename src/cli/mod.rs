//! The command line: parsing, the session every command shares, and exit
//! codes. This module is the only place that prints.

mod apply;
mod confirm;
mod destroy;
mod drift;
mod output;
mod plan;
mod render;
mod unlock;

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

use crate::aws::{self, Aws, AwsOptions};
use crate::config::Config;
use crate::engine::graph::Graph;
use crate::engine::plan::Plan;
use crate::engine::refresh::refresh;
use crate::engine::resource::{Registry, Stats};
use crate::engine::state::{FileStore, State};
use crate::stack;

/// Default number of operations in flight.
pub const DEFAULT_PARALLELISM: u16 = 16;

/// Exit code: success (and, for plan/drift, nothing to report).
pub const EXIT_OK: u8 = 0;
/// Exit code: an error.
pub const EXIT_ERROR: u8 = 1;
/// Exit code: changes present (plan --detailed-exitcode) or drift found.
pub const EXIT_CHANGES: u8 = 2;

/// hcprov: provision the HIPAA healthcare platform on AWS through the AWS SDK.
#[derive(Debug, Parser)]
#[command(name = "hcprov", version, about, long_about = None)]
pub struct Cli {
    /// Configuration file.
    #[arg(
        long,
        global = true,
        default_value = "hcprov.toml",
        value_name = "FILE"
    )]
    pub config: PathBuf,
    /// State file [default: state/<environment>.json].
    #[arg(long, global = true, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// Most AWS operations in flight at once.
    #[arg(long, global = true, default_value_t = DEFAULT_PARALLELISM, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub parallelism: u16,
    /// Send every AWS call to this endpoint (an emulator); also AWS_ENDPOINT_URL.
    #[arg(long, global = true, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// More logging (-v: retries and progress, -vv: debug).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Refresh the state from AWS and show what apply would do.
    Plan(plan::Args),
    /// Print a plan, then carry it out (a saved plan, or a fresh one).
    Apply(apply::Args),
    /// Delete everything the state holds.
    Destroy(destroy::Args),
    /// Report how the live platform differs from what was last applied.
    Drift(drift::Args),
    /// Print the stack's outputs.
    Output(output::Args),
    /// Remove a lock left by a process that is gone.
    Unlock(unlock::Args),
}

/// Everything a command needs: config, state store, AWS clients, types.
pub struct Session {
    /// The configuration.
    pub cfg: Config,
    /// The state file.
    pub store: FileStore,
    /// AWS clients.
    pub aws: Arc<Aws>,
    /// Resource types.
    pub registry: Arc<Registry>,
    /// Parallelism.
    pub parallelism: usize,
}

impl Session {
    async fn open(cli: &Cli) -> Result<Session> {
        let cfg = Config::load(&cli.config)?;
        let store = FileStore::new(
            cli.state
                .clone()
                .unwrap_or_else(|| cfg.default_state_path()),
        );
        let mut aws = Aws::load(&AwsOptions {
            endpoint_url: cli.endpoint_url.clone(),
            default_region: cfg.region.clone(),
        })
        .await;
        aws.lambda_source = Some(cfg.lambda_source());
        let aws = Arc::new(aws);
        let registry = Arc::new(aws::registry(&aws));
        Ok(Session {
            cfg,
            store,
            aws,
            registry,
            parallelism: usize::from(cli.parallelism),
        })
    }

    /// The state, or a new empty one (`true` when new).
    fn load_state(&self) -> Result<(State, bool)> {
        Ok(match self.store.load()? {
            Some(s) => {
                anyhow::ensure!(
                    s.environment == self.cfg.environment,
                    "state file {} belongs to environment {:?}, but the config says {:?}; pass the right --state or --config",
                    self.store.path().display(),
                    s.environment,
                    self.cfg.environment
                );
                (s, false)
            }
            None => (State::new(&self.cfg.environment), true),
        })
    }

    /// The desired graph for `state` (its lineage, its zones), and the stack
    /// outputs.
    /// Policies name the account and partition, so this identifies the
    /// caller first (one STS call per run).
    async fn blueprint(
        &self,
        state: &State,
    ) -> Result<(Graph, std::collections::BTreeMap<String, serde_json::Value>)> {
        let lineage = &state.lineage;
        let id = self.aws.identity(&self.cfg.region).await?;
        let region = &self.cfg.region;
        let net = &self.cfg.network;
        // Zones in use stay in use: re-reading the region's list on every
        // plan would replace subnets whenever AWS's list changes.
        let in_use = stack::zones_in_use(state, net.zone_count());
        let zones = if let (true, Some(zones)) = (net.availability_zones.is_empty(), in_use) {
            zones
        } else if net.availability_zones.is_empty() {
            let available = self.aws.zones(region).await?;
            let n = net.zone_count();
            anyhow::ensure!(
                available.len() >= n,
                "region {region} offers {} available zones ({}), but the configuration needs {n}; list fewer subnets or name the zones in `network.availability_zones`",
                available.len(),
                available.join(", ")
            );
            available.into_iter().take(n).collect()
        } else {
            net.availability_zones
                .iter()
                .map(|z| format!("{region}{z}"))
                .collect()
        };
        let account = stack::Account {
            id: id.account,
            partition: id.partition,
            zones,
        };
        let mut bp = stack::blueprint(&self.cfg, &account).map_err(anyhow::Error::msg)?;
        bp.stamp_lineage(lineage);
        let graph = Graph::build(bp.nodes).context("building the resource graph")?;
        Ok((graph, bp.outputs))
    }

    /// The desired graph for `state`.
    async fn graph(&self, state: &State) -> Result<Graph> {
        Ok(self.blueprint(state).await?.0)
    }

    /// Refreshes `state` and plans the blueprint against it.
    async fn plan(&self, state: &State, fresh: bool) -> Result<Plan> {
        let (graph, outputs) = self.blueprint(state).await?;
        let live = refresh(
            state,
            &self.registry,
            self.parallelism,
            Arc::new(Stats::default()),
        )
        .await;
        Ok(crate::engine::plan::plan(
            &graph,
            state,
            fresh,
            &live,
            &self.registry,
            outputs,
        )?)
    }
}

/// Runs the parsed command; returns the process exit code.
pub async fn run(cli: Cli) -> u8 {
    aws::error::show_principals(cli.verbose > 0);
    let r = match &cli.command {
        Command::Plan(a) => plan::run(&cli, a).await,
        Command::Apply(a) => apply::run(&cli, a).await,
        Command::Destroy(a) => destroy::run(&cli, a).await,
        Command::Drift(a) => drift::run(&cli, a).await,
        Command::Output(a) => output::run(&cli, a),
        Command::Unlock(a) => unlock::run(&cli, a),
    };
    match r {
        Ok(code) => code,
        Err(e) => {
            let chain: Vec<String> = e.chain().map(ToString::to_string).collect();
            eprintln!("error: {}", chain.join(": "));
            EXIT_ERROR
        }
    }
}
