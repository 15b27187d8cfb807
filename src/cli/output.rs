//! `hcprov output`.

use anyhow::{bail, Result};

use super::{Cli, EXIT_OK};

/// Options of `output`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print only this output (raw, for scripts).
    pub name: Option<String>,
    /// Print as JSON.
    #[arg(long)]
    pub json: bool,
}

pub(super) async fn run(cli: &Cli, args: &Args) -> Result<u8> {
    let (store, _) = super::alone::open_store(cli).await?;
    let Some(state) = store.load().await? else {
        bail!("no state at {}; run `hcprov apply` first", store.describe());
    };
    match &args.name {
        Some(n) => {
            let Some(v) = state.outputs.get(n) else {
                let known: Vec<&str> = state.outputs.keys().map(String::as_str).collect();
                bail!("no output named {n:?}; outputs are: {}", known.join(", "));
            };
            match (v.as_str(), args.json) {
                (Some(s), false) => println!("{s}"),
                _ => println!("{}", serde_json::to_string_pretty(v)?),
            }
        }
        None if args.json => println!("{}", serde_json::to_string_pretty(&state.outputs)?),
        None => {
            for (k, v) in &state.outputs {
                println!("{k} = {v}");
            }
        }
    }
    Ok(EXIT_OK)
}
