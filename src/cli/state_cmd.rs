//! `hcprov state`: list, show, forget (`rm`) and rename (`mv`) what the
//! state holds, as Terraform's state commands do. They need only the state
//! (see `alone.rs`); `rm` and `mv` take the lock and back the state up
//! before they write it.

use anyhow::{bail, Result};
use clap::Subcommand;

use super::alone::state_path;
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
}

fn load(store: &FileStore) -> Result<State> {
    match store.load()? {
        Some(s) => Ok(s),
        None => bail!(
            "no state at {}: nothing has been applied",
            store.path().display()
        ),
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

pub(super) fn run(cli: &Cli, args: &Args) -> Result<u8> {
    let (path, _) = state_path(cli)?;
    let store = FileStore::new(&path);
    match &args.command {
        StateCommand::List { json } => {
            let state = load(&store)?;
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
            let state = load(&store)?;
            let r = state
                .resources
                .get(address)
                .ok_or_else(|| unknown(&state, address))?;
            println!("{}", serde_json::to_string_pretty(r)?);
        }
        StateCommand::Rm { addresses } => {
            let _lock = store.lock("state rm")?;
            let mut state = load(&store)?;
            if let Some(a) = addresses.iter().find(|a| !state.resources.contains_key(*a)) {
                return Err(unknown(&state, a));
            }
            let backup = store.backup()?;
            for a in addresses {
                state.resources.remove(a);
                state.pending.retain(|p| &p.address != a);
            }
            store.write(&state)?;
            println!(
                "Removed {} from the state; the object{} stay{} in AWS, no longer managed by hcprov.{}",
                addresses.join(", "),
                if addresses.len() == 1 { "" } else { "s" },
                if addresses.len() == 1 { "s" } else { "" },
                backup.map(|b| format!(" Backup: {}.", b.display())).unwrap_or_default()
            );
        }
        StateCommand::Mv { from, to } => {
            let _lock = store.lock("state mv")?;
            let mut state = load(&store)?;
            if kind_of(from) != kind_of(to) || !to.contains('.') {
                bail!("{from} is a {} and {to} would be a {}: a resource keeps its type; nothing was changed", kind_of(from), kind_of(to));
            }
            if state.resources.contains_key(to) {
                bail!("the state already holds {to}; nothing was changed: `hcprov state rm {to}` first if that one is to be forgotten");
            }
            let Some(mut r) = state.resources.remove(from) else {
                return Err(unknown(&state, from));
            };
            let backup = store.backup()?;
            r.address = to.clone();
            state.resources.insert(to.clone(), r);
            for other in state.resources.values_mut() {
                for d in &mut other.dependencies {
                    if d == from {
                        *d = to.clone();
                    }
                }
            }
            store.write(&state)?;
            println!(
                "Moved {from} to {to}; its object is kept (its hcprov:address tag is updated by the next apply).{}",
                backup.map(|b| format!(" Backup: {}.", b.display())).unwrap_or_default()
            );
        }
    }
    Ok(EXIT_OK)
}
