//! `hcprov destroy`: delete everything in the state, in reverse dependency
//! order. Works from the state alone.

use anyhow::Result;

use super::{apply::execute, render, Cli, Session, EXIT_OK};
use crate::engine::plan::plan_destroy;

/// Options of `destroy`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Do not ask for confirmation.
    #[arg(long)]
    pub force: bool,
    /// Also delete the recovery points (backups) in the stack's Backup
    /// vault; without it, a vault that holds any is kept, with its key.
    #[arg(long)]
    pub delete_recovery_points: bool,
    /// Let this run delete the protected resource ADDRESS (a data store or
    /// key) of an environment that is not disposable; repeatable.
    #[arg(long, value_name = "ADDRESS")]
    pub allow_destroy: Vec<String>,
    /// Destroy only ADDRESS, a resource type or a region, and what
    /// needs it; repeatable. The plan says it is partial.
    #[arg(long, value_name = "ADDRESS")]
    pub target: Vec<String>,
}

pub(super) async fn run(cli: &Cli, args: &Args) -> Result<u8> {
    let s = Session::open_or_state(cli).await?;
    s.aws.delete_recovery_points.store(
        args.delete_recovery_points,
        std::sync::atomic::Ordering::Relaxed,
    );
    let lock = s.store.lock("destroy").await?;
    let Some(state) = s.store.load().await? else {
        println!("No state at {}: nothing to destroy.", s.store.describe());
        return Ok(EXIT_OK);
    };
    let mut plan = plan_destroy(&state);
    crate::engine::target::narrow(&mut plan, &args.target).map_err(anyhow::Error::msg)?;
    if let Some(refusal) = super::guard::protected(&plan, &state) {
        anyhow::bail!(refusal);
    }
    let disposable = super::guard::disposable(s.cfg.disposable, &state);
    if let Some(refusal) = super::guard::prevent_destroy(&plan, disposable, &args.allow_destroy) {
        anyhow::bail!(refusal);
    }
    if plan.summary.has_changes() || !state.pending.is_empty() {
        let id = s.announce(true).await?;
        super::same_account(&state, &id, &s.store.describe())?;
    }
    print!("{}", render::plan(&plan));
    super::apply::print_pending(&state);
    if !plan.summary.has_changes() && state.pending.is_empty() {
        return Ok(EXIT_OK);
    }
    if !args.force {
        let what = if plan.targets.is_empty() {
            format!("Destroy all {} resources", plan.summary.delete)
        } else {
            format!("Destroy {} resources (--target)", plan.summary.delete)
        };
        if !super::confirm::ask(&what, &state.environment, "--force", "destroy")? {
            println!("Not confirmed; nothing was destroyed.");
            return Ok(super::EXIT_ERROR);
        }
    }
    execute(&s, plan, state, &lock).await
}
