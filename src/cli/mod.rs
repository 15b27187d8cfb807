//! The command line: parsing, the session every command shares, and exit
//! codes. This module is the only place that prints.

mod alone;
mod apply;
mod completions;
mod confirm;
mod destroy;
mod diff;
mod drift;
mod graph;
mod guard;
mod import;
mod output;
mod plan;
mod policy;
mod progress;
mod render;
mod report;
mod state_cmd;
mod store;
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
use store::Store;

/// Default number of operations in flight.
pub const DEFAULT_PARALLELISM: u16 = 16;

/// A refresh reads this many resources at once per `--parallelism` slot
/// (64 by default): reads are light, and those of EC2, Lambda, CloudWatch
/// Logs, IAM, Route 53, API Gateway and DynamoDB's tag listing are paced
/// by client-side rate limits, so a no-change plan of the whole platform
/// waits for a few round trips, not one per sixteen resources.
pub const READS_PER_SLOT: usize = 4;

/// The most resources a refresh reads at once, whatever `--parallelism`
/// says: each read may hold several connections open.
pub const MAX_READS: usize = 256;

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
    /// State file, or s3://BUCKET/KEY [default: state/<environment>.json,
    /// or the configuration's [state]].
    #[arg(long, global = true, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// Most resource operations in flight at once; a refresh reads up to
    /// 4 × N resources at once (256 at most).
    #[arg(long, global = true, default_value_t = DEFAULT_PARALLELISM, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub parallelism: u16,
    /// Send every AWS call to this endpoint (an emulator); also AWS_ENDPOINT_URL.
    #[arg(long, global = true, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// No colour (also when stdout is not a terminal, or NO_COLOR is set).
    #[arg(long, global = true)]
    pub no_color: bool,
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
    /// Print the dependency graph (DOT or Mermaid).
    Graph(graph::Args),
    /// Run the HIPAA policy pack on the configuration, without AWS calls.
    Check(policy::Args),
    /// Write the HIPAA evidence report: every rule on the live objects.
    Report(report::Args),
    /// List, show, forget or rename what the state holds; move it to or
    /// from S3.
    State(state_cmd::Args),
    /// Bring an existing object under hcprov at an address of the
    /// configuration.
    Import(import::Args),
    /// Print shell completions.
    Completions(completions::Args),
    /// Print the man page (roff).
    Man,
}

impl Command {
    /// The command's name, as typed.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Plan(_) => "plan",
            Command::Apply(_) => "apply",
            Command::Destroy(_) => "destroy",
            Command::Drift(_) => "drift",
            Command::Output(_) => "output",
            Command::Unlock(_) => "unlock",
            Command::Graph(_) => "graph",
            Command::Check(_) => "check",
            Command::Report(_) => "report",
            Command::State(_) => "state",
            Command::Import(_) => "import",
            Command::Completions(_) => "completions",
            Command::Man => "man",
        }
    }
}

/// Everything a command needs: config, state store, AWS clients, types.
pub struct Session {
    /// The configuration.
    pub cfg: Config,
    /// Where the state lives.
    pub store: Store,
    /// AWS clients.
    pub aws: Arc<Aws>,
    /// Resource types.
    pub registry: Arc<Registry>,
    /// Parallelism.
    pub parallelism: usize,
    /// The configuration file's path.
    pub cfg_path: PathBuf,
    /// Working from the state alone: `cfg` was made up from it, so there
    /// is no blueprint to compare with.
    pub alone: bool,
}

impl Session {
    async fn open(cli: &Cli) -> Result<Session> {
        Session::open_with(cli, Config::load(&cli.config)?).await
    }

    /// The session of an already loaded configuration.
    async fn open_with(cli: &Cli, cfg: Config) -> Result<Session> {
        let mut aws = Aws::load(&AwsOptions {
            endpoint_url: cli.endpoint_url.clone(),
            default_region: cfg.region.clone(),
            assume_role: cfg.aws.assume_role_arn.as_ref().map(|arn| aws::AssumeRole {
                arn: arn.clone(),
                external_id: cfg.aws.external_id.clone(),
                session_name: format!("hcprov-{}-{}", cfg.environment, cli.command.name()),
            }),
        })
        .await;
        aws.lambda_source = Some(cfg.lambda_source());
        let store = store_of(cli, &cfg, &aws)?;
        let aws = Arc::new(aws);
        let registry = Arc::new(aws::registry(&aws));
        Ok(Session {
            cfg,
            store,
            aws,
            registry,
            parallelism: usize::from(cli.parallelism),
            cfg_path: cli.config.clone(),
            alone: false,
        })
    }

    /// Who the credentials are (one STS call), refusing an account the
    /// configuration does not allow; the first AWS call of every command
    /// that talks to AWS. Missing, expired or rejected credentials are one
    /// line that says what was tried and what to do.
    async fn identify(&self) -> Result<aws::Identity> {
        // STS answers in every region: a stack in two regions still knows
        // who it is while its primary region is down.
        let mut first = None;
        let mut found = None;
        for region in self.cfg.regions() {
            match self.aws.identity(&region).await {
                Ok(id) => {
                    found = Some(id);
                    break;
                }
                Err(e) => {
                    tracing::info!("identifying the account in {region}: {e}");
                    first.get_or_insert(e);
                }
            }
        }
        let id = match (found, first) {
            (Some(id), _) => id,
            (None, Some(e)) => return Err(anyhow::anyhow!(credentials_error(&e))),
            (None, None) => anyhow::bail!("no region to identify the account in"),
        };
        let allowed = &self.cfg.allowed_account_ids;
        anyhow::ensure!(
            allowed.is_empty() || allowed.contains(&id.account),
            "the credentials belong to account {}, which is not in `allowed_account_ids` ({}) of {}; nothing was changed: use the credentials of an allowed account (AWS_PROFILE) or fix the configuration",
            id.account,
            allowed.join(", "),
            self.cfg_path.display()
        );
        Ok(id)
    }

    /// [`Session::identify`], then (when `show`) prints the header naming
    /// where the command runs: account, principal, region.
    async fn announce(&self, show: bool) -> Result<aws::Identity> {
        let id = self.identify().await?;
        if !show {
            return Ok(id);
        }
        let principal = if id.arn.is_empty() {
            "(unknown principal)"
        } else {
            &id.arn
        };
        println!(
            "Account {} as {principal}, region {}.",
            id.account, self.cfg.region
        );
        Ok(id)
    }

    /// The state (refused when there is none: nothing has been applied,
    /// so there is nothing to `purpose`), who the credentials are, and a
    /// fresh read of every resource the state holds: what `drift` and
    /// `report` work from. Settings the blueprint holds that the state
    /// does not record yet (an older hcprov wrote it, and no apply has
    /// run since) are read too and entered in the returned state with
    /// their planned values, so they are compared from the first run on.
    async fn read_live(
        &self,
        purpose: &str,
    ) -> Result<(State, aws::Identity, crate::engine::refresh::Refreshed)> {
        let Some(state) = self.store.load().await? else {
            anyhow::bail!(
                "no state at {}: nothing has been applied, so there is nothing to {purpose}",
                self.store.describe()
            );
        };
        let id = self.identify().await?;
        same_account(&state, &id, &self.store.describe())?;
        let desired = match self.alone {
            true => None,
            false => match self.blueprint(&state).await {
                Ok((graph, _)) => Some(graph),
                Err(e) => {
                    eprintln!("note: the configuration's blueprint could not be built ({e:#}); only the settings the state records are compared");
                    None
                }
            },
        };
        // Compared, and read, as the next apply would record them.
        let mut state = state;
        if let Some(graph) = &desired {
            crate::engine::upgrade::expect_unrecorded(&mut state, graph);
        }
        // The tagging API's objects in every region the environment uses:
        // drift lists the untracked ones from the same read.
        let regions = alone::all_regions(&state, &self.cfg);
        let live = self.refresh_state(&state, &regions, None).await;
        Ok((state, id, live))
    }

    /// Reads every resource of `state`, with one bulk tag read per region
    /// of `regions` running beside the reads (those that take their tags
    /// from it wait for it), and answers several reads need asked once.
    /// `unrecorded`: see [`refresh`].
    async fn refresh_state(
        &self,
        state: &State,
        regions: &[String],
        unrecorded: Option<&Graph>,
    ) -> crate::engine::refresh::Refreshed {
        // The bulk tag read runs beside the reads (those that want its tags
        // wait for it); it counts as running from `prime`'s call on.
        let prime = (!state.resources.is_empty())
            .then(|| self.aws.tag_cache.prime(&self.aws, regions, &state.lineage));
        self.aws.memo.begin();
        let (_, live) = tokio::join!(
            async {
                if let Some(p) = prime {
                    p.await;
                }
            },
            refresh(
                state,
                &self.registry,
                (READS_PER_SLOT * self.parallelism).min(MAX_READS),
                Arc::new(Stats::default()),
                unrecorded,
            )
        );
        self.aws.memo.end();
        live
    }

    /// The state, or a new empty one (`true` when new).
    async fn load_state(&self) -> Result<(State, bool)> {
        Ok(match self.store.load().await? {
            Some(s) => {
                anyhow::ensure!(
                    s.environment == self.cfg.environment,
                    "state file {} belongs to environment {:?}, but the config says {:?}; pass the right --state or --config",
                    self.store.describe(),
                    s.environment,
                    self.cfg.environment
                );
                (s, false)
            }
            None => (State::new(&self.cfg.environment), true),
        })
    }

    /// The desired graph for `state` (its lineage, its zones), and the stack
    /// outputs. Policies name the account and partition, so this identifies
    /// the caller first (one STS call per run).
    async fn blueprint(&self, state: &State) -> Result<(Graph, Outputs)> {
        let id = self.aws.identity(&self.cfg.region).await?;
        let dr = &self.cfg.dr;
        let named = |region: &str, letters: &[String]| -> Option<Vec<String>> {
            (!letters.is_empty()).then(|| letters.iter().map(|l| format!("{region}{l}")).collect())
        };
        let secondary_zones = if self.cfg.is("multi-region-dr") {
            match named(&dr.secondary_region, &dr.secondary_availability_zones) {
                Some(z) => z,
                None => {
                    self.region_zones(state, &dr.secondary_region, "secondary_", 3)
                        .await?
                }
            }
        } else {
            vec![]
        };
        let zones = if self.cfg.is("multi-region-dr") {
            match named(&self.cfg.region, &dr.primary_availability_zones) {
                Some(z) => z,
                None => {
                    self.region_zones(state, &self.cfg.region, "primary_", 3)
                        .await?
                }
            }
        } else {
            self.zones(state).await?
        };
        let account = stack::Account {
            id: id.account,
            partition: id.partition,
            zones,
            secondary_zones,
        };
        self.build(&account, &state.lineage)
    }

    /// The zones the subnets use: the ones named in the configuration, or
    /// else the ones the state's subnets are in (re-reading AWS's list on
    /// every plan would replace subnets whenever it changes), or else the
    /// region's first available ones.
    async fn zones(&self, state: &State) -> Result<Vec<String>> {
        let region = &self.cfg.region;
        let net = &self.cfg.network;
        let n = net.zone_count();
        if !net.availability_zones.is_empty() {
            return Ok(net
                .availability_zones
                .iter()
                .map(|z| format!("{region}{z}"))
                .collect());
        }
        self.region_zones(state, region, "", n).await
    }

    /// `n` zones of `region` for the subnets `ec2_subnet.<prefix>public_<i>`:
    /// the ones the state's subnets are in, or the region's first available.
    async fn region_zones(
        &self,
        state: &State,
        region: &str,
        prefix: &str,
        n: usize,
    ) -> Result<Vec<String>> {
        if let Some(zones) = stack::zones_in_use(state, prefix, n) {
            return Ok(zones);
        }
        let available = self.aws.zones(region).await?;
        anyhow::ensure!(
            available.len() >= n,
            "region {region} offers {} available zones ({}), but the configuration needs {n}; list fewer subnets or name the zones in `network.availability_zones`",
            available.len(),
            available.join(", ")
        );
        Ok(available.into_iter().take(n).collect())
    }

    /// The blueprint in `account`, stamped with `lineage`, as a graph.
    fn build(&self, account: &stack::Account, lineage: &str) -> Result<(Graph, Outputs)> {
        let mut bp = stack::blueprint(&self.cfg, account).map_err(anyhow::Error::msg)?;
        bp.stamp_lineage(lineage);
        let graph = Graph::build(bp.nodes).context("building the resource graph")?;
        Ok((graph, bp.outputs))
    }

    /// The desired graph without calling AWS: the account and zones are
    /// placeholders, which change attribute values but no edge.
    fn offline_graph(&self) -> Result<Graph> {
        let region = &self.cfg.region;
        let net = &self.cfg.network;
        let zones = (0..net.zone_count())
            .map(|i| {
                let letter = net
                    .availability_zones
                    .get(i)
                    .cloned()
                    .unwrap_or_else(|| char::from(b'a' + i as u8).to_string());
                format!("{region}{letter}")
            })
            .collect();
        let secondary = &self.cfg.dr.secondary_region;
        let account = stack::Account {
            id: "000000000000".into(),
            partition: aws::partition_of_region(region).into(),
            zones: if self.cfg.is("multi-region-dr") {
                (0..3)
                    .map(|i| format!("{region}{}", char::from(b'a' + i)))
                    .collect()
            } else {
                zones
            },
            secondary_zones: if self.cfg.is("multi-region-dr") {
                (0..3)
                    .map(|i| format!("{secondary}{}", char::from(b'a' + i)))
                    .collect()
            } else {
                vec![]
            },
        };
        Ok(self.build(&account, "offline")?.0)
    }

    /// Refreshes `state` and plans the blueprint against it.
    async fn plan(&self, state: &State, fresh: bool) -> Result<Plan> {
        let (graph, outputs) = self.blueprint(state).await?;
        self.plan_on(&graph, outputs, state, fresh).await
    }

    /// Refreshes `state` and plans `graph` (a blueprint) against it.
    async fn plan_on(
        &self,
        graph: &Graph,
        outputs: Outputs,
        state: &State,
        fresh: bool,
    ) -> Result<Plan> {
        // The tags are forgotten before apply reads what it changed.
        let live = self
            .refresh_state(state, &alone::regions_of(state), Some(graph))
            .await;
        self.aws.tag_cache.clear();
        Ok(crate::engine::plan::plan(
            graph,
            state,
            fresh,
            &live,
            &self.registry,
            outputs,
        )?)
    }
}

/// The store the configuration (or `--state`) names.
fn store_of(cli: &Cli, cfg: &Config, aws: &Aws) -> Result<Store> {
    let st = &cfg.state;
    let region = st.region.clone().unwrap_or_else(|| cfg.region.clone());
    let spec = cli.state.as_ref().map(|p| p.to_string_lossy().into_owned());
    let named = match &spec {
        Some(s) => store::s3_location(s, &region)?,
        None => None,
    };
    let remote = st.backend == "s3";
    Ok(match (spec, named) {
        (Some(p), None) if remote => anyhow::bail!(
            "--state {p} names a local file, but {} keeps the state in S3 (s3://{}/{}{}.json); nothing was changed: leave out --state, or make a local copy with `hcprov state pull`",
            cli.config.display(),
            st.bucket.as_deref().unwrap_or_default(),
            st.prefix,
            cfg.environment
        ),
        (Some(p), None) => Store::File(FileStore::new(p)),
        (_, Some(mut loc)) => {
            if remote {
                // The configuration's key and owner hold for its bucket too.
                loc.kms_key_id = st.kms_key_id.clone();
                loc.expected_owner = st.expected_bucket_owner.clone();
            }
            Store::s3(aws, loc)
        }
        (None, None) if remote => Store::s3(
            aws,
            crate::aws::state_s3::Location {
                bucket: st.bucket.clone().unwrap_or_default(),
                key: format!("{}{}.json", st.prefix, cfg.environment),
                region,
                kms_key_id: st.kms_key_id.clone(),
                expected_owner: st.expected_bucket_owner.clone(),
            },
        ),
        (None, None) => Store::File(FileStore::new(cfg.default_state_path())),
    })
}

/// Refuses credentials of another account than the one the state's
/// resources live in (as the last apply recorded it).
fn same_account(state: &State, id: &aws::Identity, at: &str) -> Result<()> {
    match &state.account {
        Some(a) if *a != id.account => anyhow::bail!(
            "the state at {at} holds resources in account {a}, but the credentials belong to account {}; nothing was changed: use credentials of account {a} (AWS_PROFILE)",
            id.account
        ),
        _ => Ok(()),
    }
}

/// The stack's outputs, references unresolved.
type Outputs = std::collections::BTreeMap<String, serde_json::Value>;

/// One line for an identity call that failed: missing or expired
/// credentials get what was tried and how to fix it, never SDK error text.
fn credentials_error(e: &crate::engine::resource::ResourceError) -> String {
    let code = e.code.as_deref().unwrap_or_default();
    let m = e.message.to_ascii_lowercase();
    if e.code.is_none() && m.contains("credentials") {
        "no AWS credentials could be loaded (tried the environment variables AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE with ~/.aws/config and ~/.aws/credentials, SSO, web identity, and container and instance metadata); nothing was changed: set AWS_PROFILE to a configured profile, run `aws sso login --profile NAME`, or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY".into()
    } else if e.class == crate::engine::resource::ErrorClass::Credentials {
        format!("AWS refused the credentials ({code}: they are expired, revoked or mistyped); nothing was changed: refresh them (`aws sso login`, a new session token) and run again")
    } else {
        format!("{}: {}; nothing was changed", e.action, e.message)
    }
}

/// Whether stdout gets colour: a terminal, no `NO_COLOR`, no `--no-color`.
pub fn colour(cli: &Cli) -> bool {
    use std::io::IsTerminal;
    !cli.no_color
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::io::stdout().is_terminal()
}

/// Runs the parsed command; returns the process exit code.
pub async fn run(cli: Cli) -> u8 {
    aws::error::show_principals(cli.verbose > 0);
    console::set_colors_enabled(colour(&cli));
    let r = match &cli.command {
        Command::Plan(a) => plan::run(&cli, a).await,
        Command::Apply(a) => apply::run(&cli, a).await,
        Command::Destroy(a) => destroy::run(&cli, a).await,
        Command::Drift(a) => drift::run(&cli, a).await,
        Command::Output(a) => output::run(&cli, a).await,
        Command::Unlock(a) => unlock::run(&cli, a).await,
        Command::Graph(a) => graph::run(&cli, a).await,
        Command::Check(a) => policy::run(&cli, a).await,
        Command::Report(a) => report::run(&cli, a).await,
        Command::State(a) => state_cmd::run(&cli, a).await,
        Command::Import(a) => import::run(&cli, a).await,
        Command::Completions(a) => completions::completions(a),
        Command::Man => completions::man(),
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
