//! Asking before destruction: on a terminal the user types the environment
//! name; off a terminal a flag must say yes in advance.

use std::io::{BufRead, IsTerminal, Write};

use anyhow::{bail, Result};

/// Asks to confirm `what` (e.g. "Destroy all 66 resources") by typing
/// `environment`; off a terminal, fails naming `flag`. Returns whether the
/// user confirmed.
pub fn ask(what: &str, environment: &str, flag: &str, command: &str) -> Result<bool> {
    if !std::io::stdin().is_terminal() {
        bail!("{what} needs confirmation and standard input is not a terminal; nothing was changed: run `hcprov {command} {flag}` to go ahead without asking");
    }
    print!("\n{what} in environment {environment:?}? Type the environment name to confirm: ");
    std::io::stdout().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(answer.trim() == environment)
}
