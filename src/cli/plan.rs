//! `hcprov plan`.

use anyhow::Result;

use super::{render, Cli, Session, EXIT_CHANGES, EXIT_OK};
use crate::engine::state::write_private_atomic;

/// Options of `plan`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Save the plan to FILE, for `hcprov apply FILE`.
    #[arg(long, value_name = "FILE")]
    pub out: Option<std::path::PathBuf>,
    /// Print the plan as JSON.
    #[arg(long)]
    pub json: bool,
    /// Exit 2 when there are changes, 0 when there are none.
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Plan only ADDRESS, a resource type (`lambda_function`) or a region,
    /// and what it needs; repeatable. The plan says it is partial.
    #[arg(long, value_name = "ADDRESS")]
    pub target: Vec<String>,
}

pub(super) async fn run(cli: &Cli, args: &Args) -> Result<u8> {
    let s = Session::open(cli).await?;
    let _lock = s.store.lock("plan").await?;
    if let Some(out) = &args.out {
        s.store.refuse_own_files("--out", out)?;
    }
    let (state, mut fresh) = s.load_state().await?;
    let findings = super::policy::planned(&s, &s.offline_graph()?);
    let id = s.announce(!args.json).await?;
    super::same_account(&state, &id, &s.store.describe())?;
    if fresh && args.out.is_some() {
        // A saved plan is tied to a state's lineage: record the new, empty
        // state now, so apply can check the plan against it (a plan file
        // cannot bring a lineage of its own).
        s.store.write(&state).await?;
        fresh = false;
    }
    let mut plan = s.plan(&state, fresh).await?;
    crate::engine::target::narrow(&mut plan, &args.target).map_err(anyhow::Error::msg)?;
    if args.json {
        let mut v = serde_json::to_value(&plan)?;
        v["policy"] = super::policy::json(&findings);
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        print!("{}", render::plan(&plan));
        super::apply::print_pending(&state);
        if let Some(stuck) = super::guard::stuck_replacement(&plan) {
            println!("\nWarning: `hcprov apply` will refuse this plan: {stuck}");
        }
        println!();
        print!("{}", super::policy::render(&findings));
        if findings.blocks() {
            println!("`hcprov apply` refuses this plan until each violation is fixed or waived ([[policy.waive]] with a reason).");
        }
    }
    if let Some(out) = &args.out {
        write_private_atomic(out, &serde_json::to_vec_pretty(&plan)?)?;
        if !args.json {
            println!(
                "\nSaved the plan to {}. Apply exactly it with: hcprov apply {}",
                out.display(),
                out.display()
            );
        }
    }
    Ok(if findings.blocks() {
        super::EXIT_ERROR
    } else if args.detailed_exitcode && plan.summary.has_changes() {
        EXIT_CHANGES
    } else {
        EXIT_OK
    })
}
