//! `hcprov unlock`.

use anyhow::{bail, Result};

use super::store::Store;
use super::{Cli, EXIT_OK};
use crate::engine::state::{unlock, StateError};

/// Options of `unlock`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Remove the lock even if its holder may still be running (another
    /// host, or a live process): only when you are sure it is not.
    #[arg(long)]
    pub force: bool,
}

pub(super) async fn run(cli: &Cli, args: &Args) -> Result<u8> {
    let (store, _) = super::alone::open_store(cli).await?;
    let at = store.describe();
    let removed = match &store {
        Store::File(f) => unlock(f.path(), args.force)?,
        Store::S3(s) => match s.holder().await? {
            None => None,
            Some((holder, _)) if !args.force && !holder.is_dead() => {
                return Err(StateError::Locked {
                    path: at.into(),
                    holder: Box::new(holder),
                }
                .into())
            }
            // Exactly the lock that was read: one taken meanwhile stays.
            Some((holder, etag)) => {
                if !s.delete_lock(Some(&etag)).await? {
                    bail!("the lock on {at} changed while it was being removed (someone took it since); it was left in place: run `hcprov unlock` again to see who holds it now");
                }
                Some(holder)
            }
        },
    };
    match removed {
        Some(h) => println!("Removed the lock on {at} held by {h}."),
        None => println!("{at} is not locked."),
    }
    Ok(EXIT_OK)
}
