//! Human-readable plans and drift reports.

use std::fmt::Write;

use serde_json::Value;

use super::drift::Report;
use crate::engine::packed::Packed;
use crate::engine::plan::{Action, AttrChange, Drift, DriftStatus, Plan};
use crate::engine::value::is_observed;
use console::style;

fn attr_line(out: &mut String, c: &AttrChange, create: bool) {
    let none = Value::Null;
    if create {
        super::diff::created(out, "      ", &c.name, c.after.as_ref().unwrap_or(&none));
        return;
    }
    let before = c.before.as_ref().unwrap_or(&none);
    let after = c.after.as_ref().unwrap_or(&none);
    let start = out.len();
    super::diff::changed(out, "    ", &c.name, before, after);
    if c.forces_replacement {
        // On the attribute's own (first) line.
        let end = out[start..].find('\n').map_or(out.len(), |i| start + i);
        out.insert_str(end, &format!("   {}", style("# forces replacement").red()));
    }
}

/// The action's symbol, coloured: create green, update yellow, replace
/// and delete red.
fn symbol(a: Action) -> String {
    let s = format!("{:<3}", a.symbol());
    match a {
        Action::Create => style(s).green().bold().to_string(),
        Action::Update => style(s).yellow().bold().to_string(),
        Action::Replace | Action::Delete => style(s).red().bold().to_string(),
        Action::NoOp => s,
    }
}

/// ` in <region>` after an address when the run spans several regions.
fn region_note(multi: bool, region: &str) -> String {
    if multi {
        format!(" in {region}")
    } else {
        String::new()
    }
}

fn drift_lines(out: &mut String, d: &Drift, multi: bool) {
    let at = region_note(multi, &d.region);
    match d.status {
        DriftStatus::Deleted => {
            let _ = writeln!(
                out,
                "  {} {}{at} ({}): {}",
                style("-").red().bold(),
                d.address,
                d.id,
                style("deleted outside hcprov").red()
            );
        }
        DriftStatus::Unreadable => {
            let _ = writeln!(
                out,
                "  {} {}{at} ({}): could not be read: {}",
                style("?").magenta().bold(),
                d.address,
                d.id,
                d.error.as_deref().unwrap_or("unknown error")
            );
        }
        DriftStatus::Modified => {
            let _ = writeln!(
                out,
                "  {} {}{at} ({}): {}",
                style("~").yellow().bold(),
                d.address,
                d.id,
                style("modified outside hcprov").yellow()
            );
            for c in &d.attributes {
                attr_line(out, c, false);
            }
        }
        DriftStatus::InSync => {}
    }
}

/// For a partial plan (`--target`), what it covers and what it pulled in.
fn partial_note(p: &Plan) -> String {
    if p.targets.is_empty() {
        return String::new();
    }
    let pulled = crate::engine::target::pulled_in(p);
    let verb = if p.destroy {
        "what needs them"
    } else {
        "what they need"
    };
    let mut note = format!(
        "\n{} --target {}: only those and {verb}; the rest of the stack is left as it is.",
        style("This plan is partial,").yellow().bold(),
        p.targets.join(", --target ")
    );
    if !pulled.is_empty() {
        note.push_str(&format!(" Pulled in: {}.", pulled.join(", ")));
    }
    note.push('\n');
    note
}

/// The plan in the familiar `+ ~ -/+ -` form, with a summary line.
pub fn plan(p: &Plan) -> String {
    let mut out = String::new();
    let regions: std::collections::BTreeSet<&str> =
        p.changes.iter().map(|c| c.region.as_str()).collect();
    let multi = regions.len() > 1;
    if !p.drift.is_empty() {
        let _ = writeln!(
            out,
            "{}\n",
            style("Changed outside hcprov since the last apply:")
                .yellow()
                .bold()
        );
        for d in &p.drift {
            drift_lines(&mut out, d, multi);
        }
        out.push('\n');
    }
    let s = &p.summary;
    let partial = partial_note(p);
    if !s.has_changes() {
        let _ = writeln!(
            out,
            "No changes. The live platform matches the configuration ({} resources).",
            s.no_op
        );
        out.push_str(&partial);
        return out;
    }
    let _ = writeln!(
        out,
        "hcprov will perform these actions on environment {:?}:\n",
        p.environment
    );
    for c in p.changes.iter().filter(|c| c.action != Action::NoOp) {
        let id =
            c.id.as_deref()
                .map(|i| format!(" ({i})"))
                .unwrap_or_default();
        let why = if c.action == Action::Replace {
            format!(
                " must be replaced: {} forces replacement{}",
                c.replace_because.join(", "),
                if c.create_before_destroy {
                    " (the new one first; what uses the old one moves over before it is deleted)"
                } else {
                    ""
                }
            )
        } else {
            String::new()
        };
        let at = region_note(multi, &c.region);
        let _ = writeln!(out, "  {} {}{at}{id}{why}", symbol(c.action), c.address);
        let desired = c.desired.as_ref().map(Packed::unpack).unwrap_or_default();
        for a in c.attributes.list().iter() {
            attr_line(&mut out, a, c.action == Action::Create);
            // A setting only hcprov's own change sets, never recorded (an
            // older state, an import): apply does it again.
            let observed = desired.get(&a.name);
            if observed.is_some_and(is_observed) && a.after.as_ref().is_none_or(Value::is_null) {
                let end = out.trim_end_matches('\n').len();
                out.insert_str(
                    end,
                    &format!(
                        "   {}",
                        style("# never recorded: apply sets it again").yellow()
                    ),
                );
            }
        }
    }
    out.push_str(&partial);
    let _ = writeln!(
        out,
        "\nPlan: {} to add, {} to change, {} to replace, {} to destroy, {} unchanged.",
        s.create, s.update, s.replace, s.delete, s.no_op
    );
    if multi {
        for r in regions {
            let count = |a: Action| {
                p.changes
                    .iter()
                    .filter(|c| c.region == r && c.action == a)
                    .count()
            };
            let _ = writeln!(
                out,
                "  {r}: {} to add, {} to change, {} to replace, {} to destroy, {} unchanged.",
                count(Action::Create),
                count(Action::Update),
                count(Action::Replace),
                count(Action::Delete),
                count(Action::NoOp)
            );
        }
    }
    out
}

/// The drift report for humans.
pub fn drift(r: &Report) -> String {
    let mut out = String::new();
    let multi = r.by_region.len() > 1;
    for d in &r.resources {
        drift_lines(&mut out, d, multi);
    }
    for u in &r.untracked {
        let named = u
            .address
            .as_deref()
            .map(|a| format!(", tagged as {a},"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "? {} ({}){named} carries this environment's lineage tag but is not in the state: `hcprov import ADDRESS ID` takes it over, or delete it",
            u.arn, u.region
        );
    }
    if let Some(e) = &r.untracked_error {
        let _ = writeln!(
            out,
            "! objects outside the state were not looked for: {e} (grant tag:GetResources)"
        );
    }
    let c = &r.counts;
    let verdict = match r.exit_code {
        0 => "No drift",
        2 if c.modified + c.deleted + c.untracked == 0 => {
            "No drift, but the policy pack found violations"
        }
        2 => "Drift found",
        _ => "Drift check incomplete",
    };
    if !out.is_empty() {
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "{verdict}: {} resources checked, {} in sync, {} modified, {} deleted, {} unreadable, {} untracked ({} API calls, {} ms).",
        c.total, c.in_sync, c.modified, c.deleted, c.unreadable, c.untracked, r.api_calls.total, r.duration_ms
    );
    if multi {
        for (region, c) in &r.by_region {
            let _ = writeln!(
                out,
                "  {region}: {} checked, {} in sync, {} modified, {} deleted, {} unreadable.",
                c.total, c.in_sync, c.modified, c.deleted, c.unreadable
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::plan::Change;
    use crate::engine::value::observed;
    use serde_json::json;

    #[test]
    fn a_never_recorded_observed_setting_says_apply_sets_it_again() {
        let attr = |after: Value| AttrChange {
            name: "auth_token_last_modified".into(),
            before: Some(json!("2026-12-01T10:00:00Z")),
            after: Some(after),
            forces_replacement: false,
        };
        let mut p: Plan = serde_json::from_value(json!({
            "format_version": crate::engine::plan::PLAN_FORMAT_VERSION, "environment": "dev",
            "lineage": "l", "serial": 1, "fresh_state": false, "destroy": false,
            "drift": [], "changes": [], "outputs": {},
            "summary": {"create": 0, "update": 1, "replace": 0, "delete": 0, "no_op": 0},
        }))
        .unwrap();
        let mut desired = crate::engine::value::Attrs::new();
        desired.insert("auth_token_last_modified".into(), observed());
        for after in [json!(null), json!("2026-11-01T08:00:00Z")] {
            p.changes = vec![Change {
                address: "elasticache_replication_group.main".into(),
                region: "us-east-1".into(),
                action: Action::Update,
                id: Some("hc-redis-dev".into()),
                attributes: vec![attr(after.clone())].into(),
                replace_because: vec![],
                desired: Some(desired.clone().into()),
                before: None,
                dependencies: vec![],
                depends_on: vec![],
                create_before_destroy: false,
                shared: vec![],
            }];
            let text = console::strip_ansi_codes(&plan(&p)).into_owned();
            assert_eq!(
                text.contains("# never recorded: apply sets it again"),
                after.is_null(),
                "{text}"
            );
        }
    }
}
