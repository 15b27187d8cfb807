//! `hcprov unlock`.

use anyhow::Result;

use super::{Cli, EXIT_OK};
use crate::engine::state::unlock;

/// Options of `unlock`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Remove the lock even if its holder may still be running (another
    /// host, or a live process): only when you are sure it is not.
    #[arg(long)]
    pub force: bool,
}

pub(super) fn run(cli: &Cli, args: &Args) -> Result<u8> {
    let (path, _) = super::alone::state_path(cli)?;
    match unlock(&path, args.force)? {
        Some(h) => println!("Removed the lock on {} held by {h}.", path.display()),
        None => println!("{} is not locked.", path.display()),
    }
    Ok(EXIT_OK)
}
