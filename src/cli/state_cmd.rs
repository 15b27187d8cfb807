//! `hcprov state`: list, show, forget (`rm`) and rename (`mv`) what the
//! state holds, as Terraform's state commands do. They need only the state
//! (see `alone.rs`); `rm` and `mv` take the lock and back the state up
//! before they write it.

use anyhow::{bail, Result};
use clap::Subcommand;

use super::alone::open_store;
use super::store::Store;
use super::{Cli, EXIT_OK};
use crate::engine::graph::kind_of;
use crate::engine::state::{FileStore, State};

/// Options of `state`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to do.
    #[command(subcommand)]
    pub command: StateCommand,
}

/// The state commands.
#[derive(Debug, Subcommand)]
pub enum StateCommand {
    /// List every resource the state holds: address, region, id.
    List {
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show one resource as recorded: id, region, attributes, outputs,
    /// dependencies (JSON).
    Show {
        /// The resource's address.
        address: String,
    },
    /// Forget resources without deleting them: hcprov stops managing them,
    /// and the objects stay in AWS.
    Rm {
        /// The addresses to forget.
        #[arg(required = true)]
        addresses: Vec<String>,
    },
    /// Rename a resource in the state, after a refactor renamed it in the
    /// blueprint; the object is kept, not replaced.
    Mv {
        /// The address the state holds.
        from: String,
        /// The new address (same resource type).
        to: String,
    },
    /// Copy the local state into the configured S3 store, keeping its
    /// serial and lineage (to move a team onto shared state).
    Push {
        /// The local state file [default: state/<environment>.json].
        #[arg(long, value_name = "FILE")]
        from: Option<std::path::PathBuf>,
    },
    /// Copy the state from the configured S3 store into a local file,
    /// keeping its serial and lineage.
    Pull {
        /// The local state file [default: state/<environment>.json].
        #[arg(long, value_name = "FILE")]
        to: Option<std::path::PathBuf>,
    },
}

/// Refuses to put `from` over `to` when they are different histories, or
/// `to` is further along.
fn may_replace(from: &State, to: Option<&State>, target: &str) -> Result<bool> {
    let Some(to) = to else {
        return Ok(true);
    };
    if to.lineage != from.lineage {
        bail!("{target} holds another state (lineage {}, not {}); nothing was changed: it is a different environment's history, which hcprov never overwrites", to.lineage, from.lineage);
    }
    if to.serial > from.serial {
        bail!("{target} is newer (serial {} over {}); nothing was changed: copy in the other direction", to.serial, from.serial);
    }
    if to.serial == from.serial && to != from {
        bail!("{target} holds serial {} too, with other contents: the two copies diverged; nothing was changed: compare them (`hcprov state list`) and keep the right one by hand", to.serial);
    }
    // Never lift the protection or move the account by copying.
    if to.disposable == Some(false) && from.disposable == Some(true) {
        bail!("the copy records the environment as disposable but {target} records it as protected; nothing was changed: lift the protection with `hcprov apply --unprotect` instead");
    }
    if to.account.is_some() && from.account != to.account {
        bail!(
            "the copy records account {:?} but {target} records {:?}; nothing was changed",
            from.account,
            to.account
        );
    }
    Ok(to != from)
}

async fn load(store: &Store) -> Result<State> {
    match store.load().await? {
        Some(s) => Ok(s),
        None => bail!("no state at {}: nothing has been applied", store.describe()),
    }
}

/// The one-line refusal for an address the state does not hold.
fn unknown(state: &State, address: &str) -> anyhow::Error {
    let near: Vec<&str> = state
        .resources
        .keys()
        .filter(|a| kind_of(a) == kind_of(address))
        .map(String::as_str)
        .collect();
    anyhow::anyhow!(
        "the state holds no {address}{}; nothing was changed",
        if near.is_empty() {
            String::new()
        } else {
            format!(" (it holds {})", near.join(", "))
        }
    )
}

pub(super) async fn run(cli: &Cli, args: &Args) -> Result<u8> {
    let (store, cfg) = open_store(cli).await?;
    match &args.command {
        StateCommand::List { json } => {
            let state = load(&store).await?;
            if *json {
                let rows: Vec<_> = state
                    .resources
                    .values()
                    .map(|r| serde_json::json!({"address": r.address, "type": r.kind, "region": r.region, "id": r.id}))
                    .collect();
                println!("{}", serde_json::to_string_pretty(&rows)?);
            } else {
                for r in state.resources.values() {
                    println!("{}\t{}\t{}", r.address, r.region, r.id);
                }
            }
        }
        StateCommand::Show { address } => {
            let state = load(&store).await?;
            let r = state
                .resources
                .get(address)
                .ok_or_else(|| unknown(&state, address))?;
            // Through a value, so the packed attributes print nested too.
            println!(
                "{}",
                serde_json::to_string_pretty(&serde_json::to_value(r)?)?
            );
        }
        StateCommand::Rm { addresses } => {
            let _lock = store.lock("state rm").await?;
            let mut state = load(&store).await?;
            if let Some(a) = addresses.iter().find(|a| !state.resources.contains_key(*a)) {
                return Err(unknown(&state, a));
            }
            let backup = store.backup().await?;
            for a in addresses {
                state.resources.remove(a);
                state.pending.retain(|p| &p.address != a);
            }
            // What depended on them no longer depends on a managed object.
            for r in state.resources.values_mut() {
                r.dependencies.retain(|d| !addresses.contains(d));
            }
            state.serial += 1;
            store.write(&state).await?;
            println!(
                "Removed {} from the state; the object{} stay{} in AWS, no longer managed by hcprov.{}",
                addresses.join(", "),
                if addresses.len() == 1 { "" } else { "s" },
                if addresses.len() == 1 { "s" } else { "" },
                backup.map(|b| format!(" Backup: {b}.")).unwrap_or_default()
            );
        }
        StateCommand::Mv { from, to } => {
            let _lock = store.lock("state mv").await?;
            let mut state = load(&store).await?;
            if kind_of(from) != kind_of(to) || !to.contains('.') {
                bail!("{from} is a {} and {to} would be a {}: a resource keeps its type; nothing was changed", kind_of(from), kind_of(to));
            }
            if state.resources.contains_key(to) {
                bail!("the state already holds {to}; nothing was changed: `hcprov state rm {to}` first if that one is to be forgotten");
            }
            let Some(mut r) = state.resources.remove(from) else {
                return Err(unknown(&state, from));
            };
            let backup = store.backup().await?;
            r.address = to.clone();
            state.resources.insert(to.clone(), r);
            for other in state.resources.values_mut() {
                for d in &mut other.dependencies {
                    if d == from {
                        *d = to.clone();
                    }
                }
            }
            state.serial += 1;
            store.write(&state).await?;
            println!(
                "Moved {from} to {to}; its object is kept (its hcprov:address tag is updated by the next apply).{}",
                backup.map(|b| format!(" Backup: {b}.")).unwrap_or_default()
            );
        }
        StateCommand::Push { from } => {
            let Store::S3(_) = &store else {
                bail!("the configuration keeps the state locally ([state] backend = \"local\"): set backend = \"s3\" with its bucket to push to, or pass --state s3://BUCKET/KEY");
            };
            let local = Store::File(FileStore::new(local_path(from, &cfg)?));
            let _held = local.lock("state push").await?;
            let _lock = store.lock("state push").await?;
            let source = load(&local).await?;
            if let Some(c) = &cfg {
                if source.environment != c.environment {
                    bail!(
                        "{} is the state of environment {:?}, not {:?}; nothing was changed",
                        local.describe(),
                        source.environment,
                        c.environment
                    );
                }
            }
            let target = store.load().await?;
            if may_replace(&source, target.as_ref(), &store.describe())? {
                store.write(&source).await?;
                println!(
                    "Pushed {} (serial {}, lineage {}, {} resources) to {}.",
                    local.describe(),
                    source.serial,
                    source.lineage,
                    source.resources.len(),
                    store.describe()
                );
            } else {
                println!(
                    "{} already holds this state (serial {}); nothing to push.",
                    store.describe(),
                    source.serial
                );
            }
        }
        StateCommand::Pull { to } => {
            let Store::S3(_) = &store else {
                bail!("the configuration keeps the state locally ([state] backend = \"local\"): there is no remote state to pull");
            };
            let local = Store::File(FileStore::new(local_path(to, &cfg)?));
            let _lock = store.lock("state pull").await?;
            let _held = local.lock("state pull").await?;
            let source = load(&store).await?;
            let target = local.load().await?;
            if may_replace(&source, target.as_ref(), &local.describe())? {
                local.write(&source).await?;
                println!(
                    "Pulled {} (serial {}, lineage {}, {} resources) into {}.",
                    store.describe(),
                    source.serial,
                    source.lineage,
                    source.resources.len(),
                    local.describe()
                );
            } else {
                println!(
                    "{} already holds this state (serial {}); nothing to pull.",
                    local.describe(),
                    source.serial
                );
            }
        }
    }
    Ok(EXIT_OK)
}

/// The local file of push and pull: the one named, else
/// `state/<environment>.json`.
fn local_path(
    named: &Option<std::path::PathBuf>,
    cfg: &Option<crate::config::Config>,
) -> Result<std::path::PathBuf> {
    match (named, cfg) {
        (Some(p), _) => Ok(p.clone()),
        (None, Some(c)) => Ok(c.default_state_path()),
        (None, None) => bail!("name the local state file (--from or --to FILE)"),
    }
}
