//! The policy pack at the command line: `hcprov check`, and the findings
//! `plan`, `apply`, `drift` and `report` show.

use std::fmt::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use console::style;
use serde_json::Value;

use super::{Cli, Session, EXIT_ERROR, EXIT_OK};
use crate::engine::graph::Graph;
use crate::engine::refresh::{Live, Refreshed};
use crate::engine::state::{write_private_atomic, State};
use crate::policy::{evaluate, sarif, Evaluation, Stack, RULES};

/// Options of `check`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Also write the findings as SARIF 2.1.0 to FILE (for code scanning).
    #[arg(long, value_name = "FILE")]
    pub sarif: Option<PathBuf>,
    /// Print every verdict as JSON instead of the table.
    #[arg(long)]
    pub json: bool,
}

/// The pack on the planned graph.
pub(super) fn planned(s: &Session, graph: &Graph) -> Evaluation {
    evaluate(
        &Stack::planned(graph.nodes(), s.cfg.policy.min_log_retention_days),
        &s.cfg.policy.waive,
    )
}

/// The pack on the live objects: what a refresh read, or (for an object
/// that could not be read) what was last applied; objects gone are absent.
pub(super) fn live(s: &Session, state: &State, live: &Refreshed) -> Evaluation {
    let mut unread = vec![];
    let resources = state.resources.values().filter_map(|r| {
        let mut outputs = r.outputs.unpack();
        outputs.insert("id".into(), Value::String(r.id.clone()));
        let attrs = match live.get(&r.address) {
            Some(Live::Present(o)) => {
                outputs.extend(o.outputs.clone());
                o.attrs.clone()
            }
            Some(Live::Gone) => return None,
            _ => {
                unread.push(r.address.clone());
                r.attributes.unpack()
            }
        };
        Some((r.address.clone(), attrs, outputs))
    });
    let mut stack = Stack::live(
        resources.collect::<Vec<_>>(),
        s.cfg.policy.min_log_retention_days,
    );
    for a in &unread {
        stack.unverified(a);
    }
    evaluate(&stack, &s.cfg.policy.waive)
}

/// The findings as lines: violations, then waived ones, then stale
/// waivers, then a summary line.
pub(super) fn render(e: &Evaluation) -> String {
    let mut out = String::new();
    for f in e.violations() {
        let _ = writeln!(
            out,
            "  {} {} {}: {} ({} = {})\n      fix: {}",
            style("✗").red().bold(),
            style(f.rule).bold(),
            f.address,
            f.problem,
            f.attribute,
            f.value,
            f.fix
        );
    }
    for f in e.waived() {
        let _ = writeln!(
            out,
            "  {} {} {}: {} (waived: {})",
            style("~").yellow(),
            f.rule,
            f.address,
            f.problem,
            f.waived_because.as_deref().unwrap_or_default()
        );
    }
    for f in e.unverified() {
        let _ = writeln!(
            out,
            "  {} {} {}: {}",
            style("?").magenta().bold(),
            f.rule,
            f.address,
            f.problem
        );
    }
    for w in &e.stale_waivers {
        let _ = writeln!(
            out,
            "  {} stale waiver: {} on {} matches no finding; remove it from [[policy.waive]]",
            style("!").yellow(),
            w.rule,
            w.address
        );
    }
    let violations = e.violations().count();
    let _ = writeln!(
        out,
        "Policy: {} violation{}, {} waived, {} unverified, {} stale waiver{} ({} rules, {} checks passed).",
        violations,
        if violations == 1 { "" } else { "s" },
        e.waived().count(),
        e.unverified().count(),
        e.stale_waivers.len(),
        if e.stale_waivers.len() == 1 { "" } else { "s" },
        RULES.len(),
        e.results.iter().filter(|f| f.result == "pass").count()
    );
    out
}

/// The pack's findings as the JSON `plan --json` and `drift --json` carry.
pub(super) fn json(e: &Evaluation) -> Value {
    serde_json::json!({
        "violations": e.violations().collect::<Vec<_>>(),
        "waived": e.waived().collect::<Vec<_>>(),
        "unverified": e.unverified().collect::<Vec<_>>(),
        "stale_waivers": e.stale_waivers,
        "checks_passed": e.results.iter().filter(|f| f.result == "pass").count(),
    })
}

/// `hcprov check`: the pack on the configuration, with no AWS call.
pub(super) async fn run(cli: &Cli, args: &Args) -> Result<u8> {
    let s = Session::open(cli).await?;
    if let Some(out) = &args.sarif {
        s.store.refuse_own_files("--sarif", out)?;
    }
    let graph = s.offline_graph()?;
    let e = planned(&s, &graph);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&e)?);
    } else {
        println!("{:<22} {:<7} RESOURCE", "RULE", "RESULT");
        for f in &e.results {
            println!("{:<22} {:<7} {}", f.rule, f.result, f.address);
        }
        println!();
        print!("{}", render(&e));
    }
    if let Some(path) = &args.sarif {
        let log = sarif::log(&e, &cli.config.display().to_string());
        write_private_atomic(path, &serde_json::to_vec_pretty(&log)?)
            .with_context(|| format!("writing SARIF to {}", path.display()))?;
        if !args.json {
            println!(
                "Wrote {} SARIF result{} to {}.",
                e.findings().len(),
                if e.findings().len() == 1 { "" } else { "s" },
                path.display()
            );
        }
    }
    Ok(if e.blocks() { EXIT_ERROR } else { EXIT_OK })
}
