//! `hcprov apply` and the execution shared with `destroy`: backup, signal
//! handling, progress lines, the summary and the exit code.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use tokio::sync::watch;

use super::guard;
use super::progress::Live;
use super::{render, Cli, Session, EXIT_ERROR, EXIT_OK};
use crate::engine::apply::{apply, ApplyOptions, NodeOutcome};
use crate::engine::checkpoint::Checkpointer;
use crate::engine::graph::Graph;
use crate::engine::plan::Plan;
use crate::engine::resource::Stats;
use crate::engine::saved::{check_format, check_saved, first_difference};
use crate::engine::state::{read_nofollow, State};

/// Options of `apply`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A plan saved with `hcprov plan --out`; without it a fresh plan is made.
    pub plan: Option<PathBuf>,
    /// Apply a plan that deletes or replaces resources without asking
    /// (required off a terminal when it does).
    #[arg(long)]
    pub auto_approve: bool,
    /// Let this run delete or replace the protected resource ADDRESS (a
    /// data store or key); repeatable.
    #[arg(long, value_name = "ADDRESS")]
    pub allow_destroy: Vec<String>,
    /// Apply only ADDRESS, a resource type (`lambda_function`) or a region,
    /// and what it needs; repeatable. The plan says it is partial.
    #[arg(long, value_name = "ADDRESS")]
    pub target: Vec<String>,
    /// Record `disposable = true` for an environment the state records as
    /// protected: its data stores and keys may then be deleted.
    #[arg(long)]
    pub unprotect: bool,
}

/// Reads a saved plan and checks, without calling AWS, its format version,
/// environment, and the state's lineage and serial.
fn read_saved(s: &Session, path: &Path, state: Option<&State>) -> Result<Plan> {
    let shown = path.display();
    let bytes =
        read_nofollow(path)?.with_context(|| format!("plan file {shown} does not exist"))?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).with_context(|| {
        format!("plan file {shown} is not an hcprov plan; make a new one with `hcprov plan --out`")
    })?;
    check_format(&value).map_err(|e| {
        anyhow!("plan file {shown} cannot be applied: {e}; make a new one with `hcprov plan --out`")
    })?;
    let plan: Plan = serde_json::from_value(value).with_context(|| {
        format!("plan file {shown} is not an hcprov plan; make a new one with `hcprov plan --out`")
    })?;
    if plan.environment != s.cfg.environment {
        bail!(
            "plan file {shown} is for environment {:?}, not {:?}",
            plan.environment,
            s.cfg.environment
        );
    }
    if plan.fresh_state {
        bail!("plan file {shown} was made without a state file, so nothing ties it to this environment's state lineage; nothing was changed: make it again with `hcprov plan --out FILE`, which records the new state first");
    }
    plan.check_against(state)?;
    Ok(plan)
}

/// Checks every change of a saved plan against `graph` (the blueprint)
/// and the state, without calling AWS.
fn verify_saved(path: &Path, plan: &Plan, state: &State, graph: &Graph) -> Result<()> {
    check_saved(plan, Some(state), graph).map_err(|e| {
        anyhow!("plan file {} was refused before anything ran: {e}; it was edited or the configuration changed since it was made: review a new plan (`hcprov plan --out FILE`)", path.display())
    })
}

pub(super) async fn run(cli: &Cli, args: &Args) -> Result<u8> {
    let s = Session::open(cli).await?;
    let lock = s.store.lock("apply").await?;
    let (state, fresh) = s.load_state().await?;
    // The policy pack runs on the configuration before any AWS call: a
    // plan that breaks a rule is refused before anything is read or made.
    let findings = super::policy::planned(&s, &s.offline_graph()?);
    if findings.blocks() {
        print!("{}", super::policy::render(&findings));
        let n = findings.violations().count();
        let mut rules: Vec<&str> = findings.violations().map(|f| f.rule).collect();
        rules.dedup();
        bail!("the plan has {n} violation{} of the HIPAA policy pack ({}); nothing was changed: fix each one (the fix is under it), or waive it in hcprov.toml with [[policy.waive]] rule, address and reason", if n == 1 { "" } else { "s" }, rules.join(", "));
    }
    // Making a protected environment disposable is a decision, not an edit.
    // (A state that holds nothing yet protects nothing: a new environment
    // takes the configuration's value.)
    let lifts = s.cfg.disposable && state.disposable != Some(true) && !state.resources.is_empty();
    if lifts && !args.unprotect {
        bail!("environment {:?} is protected (its last apply was not disposable), and `disposable = true` in {} would let its data stores and keys be deleted; nothing was changed: run `hcprov apply --unprotect` to lift the protection on purpose, or remove `disposable = true`", s.cfg.environment, s.cfg_path.display());
    }
    let (plan, account) = match &args.plan {
        Some(_) if !args.target.is_empty() => {
            bail!("a plan file carries its own --target: make it with `hcprov plan --target ... --out FILE`, then apply it without --target")
        }
        Some(path) => {
            let saved = read_saved(&s, path, (!fresh).then_some(&state))?;
            let asks = guard::destructive(&saved);
            if !asks.is_empty() && !args.auto_approve && !std::io::stdin().is_terminal() {
                bail!("{} and standard input is not a terminal; nothing was changed: run `hcprov apply --auto-approve {}` to apply it without asking", guard::question(&asks), path.display());
            }
            let id = s.announce(true).await?;
            super::same_account(&state, &id, &s.store.describe())?;
            // The only calls before this check identify the account and
            // its zones, which the blueprint names.
            let (graph, outputs) = s.blueprint(&state).await?;
            verify_saved(path, &saved, &state, &graph)?;
            // What runs, and what is shown, is the plan made now from the
            // same state and configuration; the file must be exactly it.
            let mut now = s.plan_on(&graph, outputs, &state, fresh).await?;
            crate::engine::target::narrow(&mut now, &saved.targets).map_err(anyhow::Error::msg)?;
            if let Some(d) = first_difference(&saved, &now) {
                bail!("plan file {} does not match what hcprov would do now: {d}; the file was edited, or the configuration or the live platform changed since it was made; nothing was changed: review a new plan (`hcprov plan --out FILE`)", path.display());
            }
            (now, id.account)
        }
        None => {
            let id = s.announce(true).await?;
            super::same_account(&state, &id, &s.store.describe())?;
            let mut plan = s.plan(&state, fresh).await?;
            crate::engine::target::narrow(&mut plan, &args.target).map_err(anyhow::Error::msg)?;
            (plan, id.account)
        }
    };
    print!("{}", render::plan(&plan));
    print_pending(&state);
    if findings.results.iter().any(|f| f.result != "pass") || !findings.stale_waivers.is_empty() {
        println!();
        print!("{}", super::policy::render(&findings));
    }
    // Settings this hcprov compares that the state predates are recorded
    // now, so drift compares them from tonight on.
    let mut state = state;
    let (recorded, forgotten) = crate::engine::upgrade::record_new_settings(&mut state, &plan);
    if !plan.summary.has_changes() && state.pending.is_empty() {
        if !fresh
            && (recorded + forgotten > 0
                || state.disposable != Some(s.cfg.disposable)
                || state.account.as_ref() != Some(&account))
        {
            if recorded > 0 {
                println!("Recorded {recorded} settings the state did not hold yet, so drift compares them.");
            }
            if forgotten > 0 {
                println!("Forgot {forgotten} settings the configuration no longer plans, so drift no longer compares them.");
            }
            if lifts {
                println!("Lifted the protection of environment {:?}: its data stores and keys may now be deleted.", s.cfg.environment);
            }
            // Nothing to do but record the protection now in force (and
            // the settings above).
            state.disposable = Some(s.cfg.disposable);
            state.account = Some(account);
            state.serial += 1;
            s.store.write(&state).await?;
        }
        return Ok(EXIT_OK);
    }
    if let Some(refusal) = guard::protected(&plan, &state) {
        bail!(refusal);
    }
    if let Some(refusal) = guard::stuck_replacement(&plan) {
        bail!(refusal);
    }
    if let Some(refusal) = guard::prevent_destroy(&plan, s.cfg.disposable, &args.allow_destroy) {
        bail!(refusal);
    }
    let asks = guard::destructive(&plan);
    if !asks.is_empty() && !args.auto_approve {
        let what = guard::question(&asks);
        if !super::confirm::ask(&what, &plan.environment, "--auto-approve", "apply")? {
            println!("Not confirmed; nothing was applied.");
            return Ok(EXIT_ERROR);
        }
    }
    let mut state = if fresh {
        State::with_lineage(&plan.environment, &plan.lineage)
    } else {
        state
    };
    // The protection in force, for a later destroy, and the account.
    state.disposable = Some(s.cfg.disposable);
    state.account = Some(account);
    if lifts {
        println!("Lifting the protection of environment {:?}: its data stores and keys may be deleted once this apply has run.", s.cfg.environment);
    }
    execute(&s, plan, state, &lock).await
}

/// Names the operations an interrupted run left pending, which this run
/// resolves (adopting or deleting what they made).
pub(super) fn print_pending(state: &State) {
    for p in &state.pending {
        let next = if p.operation == "create" {
            "this run looks for what it made"
        } else {
            "the refresh read where it got to"
        };
        println!(
            "An interrupted run left a pending {} of {} (started {}): {next}.",
            p.operation, p.address, p.started_at
        );
    }
}

/// Runs `plan` on `state` with checkpoints, prints progress and the
/// summary, and returns the exit code.
pub(super) async fn execute(
    s: &Session,
    plan: Plan,
    state: State,
    lock: &super::store::Lock,
) -> Result<u8> {
    if let Some(b) = s.store.backup().await? {
        tracing::info!("backed up the state to {b}");
    }
    println!();
    let (tx, rx) = watch::channel(false);
    let signals = tokio::spawn(watch_signals(tx, lock.releaser()));
    let live = Live::new(
        plan.summary.create + plan.summary.update + 2 * plan.summary.replace + plan.summary.delete,
    );
    let stats = Arc::new(Stats::default());
    let (stop_live, live_stopped) = tokio::sync::oneshot::channel();
    let ticker = tokio::spawn(live.clone().run(stats.clone(), live_stopped));
    let on_end = live.clone();
    let regions: std::collections::HashMap<String, String> = plan
        .changes
        .iter()
        .map(|c| (c.address.clone(), c.region.clone()))
        .collect();
    let multi = regions
        .values()
        .collect::<std::collections::BTreeSet<_>>()
        .len()
        > 1;
    let label = move |addr: &str| match regions.get(addr).filter(|_| multi) {
        Some(r) => format!("{addr} in {r}"),
        None => addr.to_string(),
    };
    let show = label.clone();
    let progress = Arc::new(
        move |addr: &str,
              done: &str,
              err: Option<&crate::engine::resource::ResourceError>,
              took: Duration| on_end.finished(&show(addr), done, err, took),
    );
    let ckpt = Arc::new(Checkpointer::new(state, s.store.persist()));
    let opts = ApplyOptions {
        parallelism: s.parallelism,
        stop: rx,
        progress: Some(progress),
        stats: Some(stats.clone()),
        // A disposable environment's data may be lost: no copies to keep
        // (nor keys held back by them).
        keep_copies: !s.cfg.disposable,
    };
    let plan = Arc::new(plan.for_apply());
    let report = apply(plan.clone(), ckpt.clone(), s.registry.clone(), opts).await;
    signals.abort();
    let _ = stop_live.send(());
    let _ = ticker.await;

    let failed: Vec<_> = report
        .results
        .iter()
        .filter(|r| matches!(r.outcome, NodeOutcome::Failed { .. }))
        .collect();
    let skipped: Vec<_> = report
        .results
        .iter()
        .filter(|r| matches!(r.outcome, NodeOutcome::Skipped { .. }))
        .collect();
    let not_started = report.count(|o| *o == NodeOutcome::NotStarted);
    let done = report.count(|o| *o == NodeOutcome::Done);
    println!();
    for r in &skipped {
        if let NodeOutcome::Skipped { because } = &r.outcome {
            println!("{}: skipped because {because} failed", label(&r.address));
        }
    }
    if let Ok(kept) = stats.preserved.lock() {
        for (address, copy) in kept.iter() {
            println!("Backed up {} before replacing it: {copy} (restore from it if the old data is needed).", label(address));
        }
    }
    let verb = if plan.destroy { "Destroy" } else { "Apply" };
    if report.adopted > 0 {
        println!(
            "Adopted {} objects made by an interrupted run (found by their address tag, name or client token).",
            report.adopted
        );
    }
    if report.discarded > 0 {
        println!(
            "Deleted {} objects an interrupted run's request made after this run had looked for them and made its own.",
            report.discarded
        );
    }
    let (delayed, waited) = s.aws.limits.delayed();
    let stats = format!(
        "{:.3}s, {} API calls, {} SDK retries, {} operation retries, {} waiter polls, {} calls held {:.1}s by rate limits, {} state checkpoints",
        report.duration.as_secs_f64(),
        s.aws.calls.total(),
        s.aws.calls.total_retries(),
        report.retries,
        report.waits,
        delayed,
        waited.as_secs_f64(),
        report.checkpoints
    );
    let retries = s.aws.calls.retries();
    if !retries.is_empty() {
        let per: Vec<String> = retries.iter().map(|(k, v)| format!("{k} {v}")).collect();
        println!("SDK retries by service: {}.", per.join(", "));
    }
    if multi {
        print_by_region(&plan, &report);
    }
    if report.succeeded() {
        println!("{verb} complete: {done} changes ({stats}).");
        return Ok(EXIT_OK);
    }
    println!(
        "{verb} incomplete: {done} done, {} failed, {} skipped, {} not started ({stats}).",
        failed.len(),
        skipped.len(),
        not_started
    );
    println!(
        "The state at {} holds everything that finished; run the command again to continue.",
        s.store.describe()
    );
    Ok(EXIT_ERROR)
}

/// One line per region: what was done, failed, skipped and not started
/// there, so an outage of one region reads at a glance.
fn print_by_region(plan: &Plan, report: &crate::engine::apply::ApplyReport) {
    let mut by: std::collections::BTreeMap<&str, [usize; 4]> = Default::default();
    for r in &report.results {
        let Some(region) = plan
            .changes
            .iter()
            .find(|c| c.address == r.address)
            .map(|c| c.region.as_str())
        else {
            continue;
        };
        let slot = match r.outcome {
            NodeOutcome::Done => 0,
            NodeOutcome::Failed { .. } => 1,
            NodeOutcome::Skipped { .. } => 2,
            _ => 3,
        };
        by.entry(region).or_default()[slot] += 1;
    }
    for (region, [done, failed, skipped, not_started]) in by {
        println!("  {region}: {done} done, {failed} failed, {skipped} skipped, {not_started} not started.");
    }
}

/// First SIGINT/SIGTERM: stop starting new operations. Second: release the
/// lock and exit now (the state is consistent: every finished operation is
/// checkpointed).
async fn watch_signals(tx: watch::Sender<bool>, lock: super::store::Release) {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut int), Ok(mut term)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) else {
        return;
    };
    tokio::select! { _ = int.recv() => {}, _ = term.recv() => {} }
    eprintln!("\nInterrupted: letting running operations finish and saving the state (interrupt again to exit at once).");
    let _ = tx.send(true);
    tokio::select! { _ = int.recv() => {}, _ = term.recv() => {} }
    eprintln!("Interrupted again: exiting now; every finished operation is already in the state.");
    if let Err(e) = lock.release().await {
        eprintln!("warning: {e}");
    }
    std::process::exit(130);
}
