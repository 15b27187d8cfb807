//! `hcprov report`: the evidence an auditor asks for. Reads every object
//! the state holds, runs the policy pack on what it read, and lists every
//! rule, every resource it covered, pass/fail/waived, and the live value
//! that proves it, with when it was read. Never writes the state.

use std::fmt::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use serde_json::json;

use super::{Cli, Session, EXIT_CHANGES, EXIT_ERROR, EXIT_OK};
use crate::engine::state::write_private_atomic;
use crate::policy::{Evaluation, RULES};

/// Options of `report`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Write the report to FILE (Markdown, or JSON with --json) instead of
    /// standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// JSON instead of Markdown.
    #[arg(long)]
    pub json: bool,
}

/// What the report says about where and when it read.
struct Where {
    environment: String,
    account: String,
    regions: Vec<String>,
    read_from: String,
    read_to: String,
    unreadable: Vec<String>,
    min_log_retention_days: i64,
    waivers: usize,
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Text made safe for one Markdown table cell: no line breaks, no cell
/// separators, no markup or HTML.
fn cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '\n' | '\r' => out.push(' '),
            '|' | '`' | '*' | '_' | '[' | ']' | '\\' => {
                out.push('\\');
                out.push(ch);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            c => out.push(c),
        }
    }
    out
}

fn markdown(e: &Evaluation, c: &Where) -> String {
    let mut out = String::new();
    let fails = e.violations().count();
    let _ = writeln!(
        out,
        "# HIPAA evidence report: environment `{}`\n",
        c.environment
    );
    let _ = writeln!(
        out,
        "- Account: `{}`; regions: {}",
        c.account,
        c.regions.join(", ")
    );
    let _ = writeln!(
        out,
        "- Live objects read between {} and {} (UTC); every value below is as read then.",
        c.read_from, c.read_to
    );
    let _ = writeln!(
        out,
        "- Result: {} rules, {} checks: {} passed, {} failed, {} waived, {} unverified (not readable); {} stale waivers.",
        RULES.len(),
        e.results.len(),
        e.results.iter().filter(|f| f.result == "pass").count(),
        fails,
        e.waived().count(),
        e.unverified().count(),
        e.stale_waivers.len()
    );
    let _ = writeln!(
        out,
        "- Settings in force: minimum log retention {} days; waivers in hcprov.toml: {}.",
        c.min_log_retention_days, c.waivers
    );
    if !c.unreadable.is_empty() {
        let _ = writeln!(
            out,
            "- Could not be read (last applied values used): {}",
            c.unreadable.join(", ")
        );
    }
    let _ = writeln!(out, "\n## Rules\n\n| Rule | Safeguard | AWS Config rule | Checks | Result |\n|---|---|---|---|---|");
    for r in RULES {
        let mine: Vec<_> = e.results.iter().filter(|f| f.rule == r.id).collect();
        let result = if mine.is_empty() {
            "not applicable (no such resource)".to_string()
        } else if mine.iter().any(|f| f.result == "fail") {
            "**FAIL**".to_string()
        } else if mine.iter().any(|f| f.result == "unverified") {
            "**UNVERIFIED**".to_string()
        } else if mine.iter().any(|f| f.result == "waived") {
            "pass (with waivers)".to_string()
        } else {
            "pass".to_string()
        };
        let _ = writeln!(
            out,
            "| `{}` {} | {} | {} | {} | {} |",
            r.id,
            r.title,
            r.safeguard,
            r.config_rule.map_or("—".to_string(), |c| format!("`{c}`")),
            mine.len(),
            result
        );
    }
    for r in RULES {
        let mine: Vec<_> = e.results.iter().filter(|f| f.rule == r.id).collect();
        if mine.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "\n## {}: {}\n\n{}; fix when failing: {}\n",
            r.id, r.title, r.safeguard, r.fix
        );
        let _ = writeln!(
            out,
            "| Resource | Result | Attribute | Live value |\n|---|---|---|---|"
        );
        for f in mine {
            let result = match (f.result, &f.waived_because) {
                ("fail", _) => format!("**FAIL**: {}", cell(&f.problem)),
                ("unverified", _) => format!("**UNVERIFIED**: {}", cell(&f.problem)),
                ("waived", Some(why)) => {
                    format!("waived: {} ({})", cell(&f.problem), cell(why))
                }
                (r, _) => r.to_string(),
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                cell(&f.address),
                result,
                cell(&f.attribute),
                cell(&f.value.to_string())
            );
        }
    }
    if !e.stale_waivers.is_empty() {
        let _ = writeln!(out, "\n## Stale waivers\n");
        for w in &e.stale_waivers {
            let _ = writeln!(
                out,
                "- {} on {} matches no finding ({})",
                cell(&w.rule),
                cell(&w.address),
                cell(&w.reason)
            );
        }
    }
    out
}

pub(super) async fn run(cli: &Cli, args: &Args) -> Result<u8> {
    let s = Session::open_or_state(cli).await?;
    if let Some(out) = &args.out {
        s.store.refuse_own_files("--out", out)?;
    }
    let read_from = now();
    let (state, id, live) = s.read_live("report on").await?;
    let read_to = now();
    let e = super::policy::live(&s, &state, &live);
    let unreadable: Vec<String> = state
        .resources
        .keys()
        .filter(|a| {
            matches!(
                live.get(a),
                Some(crate::engine::refresh::Live::Unreadable(_))
            )
        })
        .cloned()
        .collect();
    let c = Where {
        environment: state.environment.clone(),
        account: id.account,
        regions: s.cfg.regions(),
        read_from,
        read_to,
        unreadable,
        min_log_retention_days: s.cfg.policy.min_log_retention_days,
        waivers: s.cfg.policy.waive.len(),
    };
    let text = if args.json {
        serde_json::to_string_pretty(&json!({
            "environment": c.environment,
            "account": c.account,
            "regions": c.regions,
            "read_from": c.read_from,
            "read_to": c.read_to,
            "unreadable": c.unreadable,
            "rules": RULES.iter().map(|r| json!({"id": r.id, "title": r.title, "safeguard": r.safeguard, "config_rule": r.config_rule, "fix": r.fix})).collect::<Vec<_>>(),
            "results": e.results,
            "stale_waivers": e.stale_waivers,
        }))? + "\n"
    } else {
        markdown(&e, &c)
    };
    match &args.out {
        Some(path) => {
            write_private_atomic(path, text.as_bytes())
                .with_context(|| format!("writing the report to {}", path.display()))?;
            println!(
                "Wrote the evidence report to {}: {} checks, {} failed, {} waived.",
                path.display(),
                e.results.len(),
                e.violations().count(),
                e.waived().count()
            );
        }
        None => print!("{text}"),
    }
    Ok(if !c.unreadable.is_empty() {
        EXIT_ERROR
    } else if e.blocks() {
        EXIT_CHANGES
    } else {
        EXIT_OK
    })
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn a_cell_cannot_break_out_of_its_table_row() {
        let hostile = "ok |\n| `x` | pass | <script>*a*</script>";
        let c = cell(hostile);
        assert!(!c.contains('\n'));
        assert_eq!(c.matches('|').count(), c.matches("\\|").count());
        assert!(!c.contains('<') && !c.contains("`x`"));
    }
}
