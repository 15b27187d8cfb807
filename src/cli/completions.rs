//! `hcprov completions SHELL` and `hcprov man`: shell completions and the
//! man page, both generated from the command-line definition.

use anyhow::Result;
use clap::CommandFactory;

use super::{Cli, EXIT_OK};

/// Options of `completions`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

pub(super) fn completions(args: &Args) -> Result<u8> {
    clap_complete::generate(
        args.shell,
        &mut Cli::command(),
        "hcprov",
        &mut std::io::stdout(),
    );
    Ok(EXIT_OK)
}

pub(super) fn man() -> Result<u8> {
    clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout())?;
    Ok(EXIT_OK)
}
