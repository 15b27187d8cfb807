//! Readable attribute changes: JSON documents (policies, dashboard bodies,
//! event patterns) indented over several lines, and for an update only what
//! changes, with short unchanged keys as context and the rest folded, the
//! way Terraform shows `jsonencode` diffs. Tag maps therefore show one tag
//! per line.

use std::fmt::Write;

use console::style;
use serde_json::{Map, Value};

use crate::engine::value::render as value;

/// A value longer than this (on one line) is shown over several lines, or
/// folded when unchanged.
const WIDTH: usize = 60;

fn one_line(v: &Value) -> String {
    value(v)
}

fn is_doc(v: &Value) -> bool {
    matches!(v, Value::Object(m) if !m.is_empty() && !m.contains_key(crate::engine::value::UNKNOWN))
        || matches!(v, Value::Array(a) if a.iter().any(|x| x.is_object() || x.is_array()))
}

/// Writes `v` indented, one key or element per line.
fn pretty(out: &mut String, pad: &str, v: &Value) {
    match v {
        Value::Object(m) if is_doc(v) => {
            let _ = writeln!(out, "{{");
            for (k, x) in m {
                let _ = write!(out, "{pad}    {k} = ");
                pretty(out, &format!("{pad}    "), x);
            }
            let _ = writeln!(out, "{pad}}}");
        }
        Value::Array(a) if is_doc(v) => {
            let _ = writeln!(out, "[");
            for x in a {
                let _ = write!(out, "{pad}    ");
                pretty(out, &format!("{pad}    "), x);
            }
            let _ = writeln!(out, "{pad}]");
        }
        other => {
            let _ = writeln!(out, "{}", one_line(other));
        }
    }
}

/// A created attribute: `name = value`, documents over several lines.
pub fn created(out: &mut String, pad: &str, name: &str, v: &Value) {
    let _ = write!(out, "{pad}{name:<28} = ");
    if is_doc(v) && one_line(v).len() > WIDTH {
        pretty(out, pad, v);
    } else {
        let _ = writeln!(out, "{}", one_line(v));
    }
}

fn marker(m: &str) -> String {
    match m {
        "+" => style(m).green().to_string(),
        "-" => style(m).red().to_string(),
        _ => style(m).yellow().to_string(),
    }
}

fn hidden(out: &mut String, pad: &str, n: usize, what: &str) {
    if n > 0 {
        let s = if n == 1 { "" } else { "s" };
        let _ = writeln!(
            out,
            "{pad}    {}",
            style(format!("# ({n} unchanged {what}{s} hidden)")).dim()
        );
    }
}

fn object_diff(
    out: &mut String,
    pad: &str,
    before: &Map<String, Value>,
    after: &Map<String, Value>,
) {
    let mut folded = 0;
    for (k, a) in after {
        match before.get(k) {
            Some(b) if b == a => {
                if is_doc(a) || one_line(a).len() > WIDTH {
                    folded += 1;
                } else {
                    let _ = writeln!(out, "{pad}      {k} = {}", one_line(a));
                }
            }
            Some(b) => changed(out, &format!("{pad}  "), k, b, a),
            None => {
                let _ = write!(out, "{pad}    {} {k} = ", marker("+"));
                pretty(out, &format!("{pad}    "), a);
            }
        }
    }
    for (k, b) in before.iter().filter(|(k, _)| !after.contains_key(*k)) {
        let _ = write!(out, "{pad}    {} {k} = ", marker("-"));
        pretty(out, &format!("{pad}    "), b);
    }
    hidden(out, pad, folded, "attribute");
}

fn array_diff(out: &mut String, pad: &str, before: &[Value], after: &[Value]) {
    let mut folded = 0;
    for i in 0..before.len().max(after.len()) {
        match (before.get(i), after.get(i)) {
            (Some(b), Some(a)) if b == a => folded += 1,
            (Some(b), Some(a)) => {
                hidden(out, pad, std::mem::take(&mut folded), "element");
                changed(out, &format!("{pad}  "), "", b, a);
            }
            (None, Some(a)) => {
                hidden(out, pad, std::mem::take(&mut folded), "element");
                let _ = write!(out, "{pad}    {} ", marker("+"));
                pretty(out, &format!("{pad}    "), a);
            }
            (Some(b), None) => {
                hidden(out, pad, std::mem::take(&mut folded), "element");
                let _ = write!(out, "{pad}    {} ", marker("-"));
                pretty(out, &format!("{pad}    "), b);
            }
            (None, None) => {}
        }
    }
    hidden(out, pad, folded, "element");
}

/// A changed attribute (or key, or element when `name` is empty):
/// `~ name = before -> after`, or for two documents of the same kind only
/// what differs, with context.
pub fn changed(out: &mut String, pad: &str, name: &str, before: &Value, after: &Value) {
    let label = if name.is_empty() {
        String::new()
    } else {
        format!("{name} = ")
    };
    match (before, after) {
        (Value::Object(b), Value::Object(a)) if is_doc(before) && is_doc(after) => {
            let _ = writeln!(out, "{pad}  {} {label}{{", marker("~"));
            object_diff(out, pad, b, a);
            let _ = writeln!(out, "{pad}    }}");
        }
        (Value::Array(b), Value::Array(a))
            if is_doc(before) || is_doc(after) || one_line(after).len() > WIDTH =>
        {
            let _ = writeln!(out, "{pad}  {} {label}[", marker("~"));
            array_diff(out, pad, b, a);
            let _ = writeln!(out, "{pad}    ]");
        }
        // A document added or removed as a whole.
        (Value::Null, a) if is_doc(a) => {
            let _ = write!(out, "{pad}  {} {label}", marker("+"));
            pretty(out, &format!("{pad}  "), a);
        }
        (b, Value::Null) if is_doc(b) => {
            let _ = write!(out, "{pad}  {} {label}", marker("-"));
            pretty(out, &format!("{pad}  "), b);
        }
        _ => {
            let _ = writeln!(
                out,
                "{pad}  {} {label}{} -> {}",
                marker("~"),
                one_line(before),
                one_line(after)
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn plain(f: impl FnOnce(&mut String)) -> String {
        console::set_colors_enabled(false);
        let mut out = String::new();
        f(&mut out);
        out
    }

    #[test]
    fn a_policy_update_marks_only_the_changed_statement() {
        let stmt = |a: &str, r: &str| json!({"Effect": "Allow", "Action": a, "Resource": r});
        let before = json!({"Version": "2012-10-17", "Statement": [
            stmt("dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:1:table/t"),
            stmt("s3:PutObject", "arn:aws:s3:::b/patient-records/*"),
            stmt("kms:Decrypt", "arn:aws:kms:us-east-1:1:key/k"),
        ]});
        let mut after = before.clone();
        after["Statement"][1]["Resource"] = json!("arn:aws:s3:::b/*");
        let out = plain(|o| changed(o, "      ", "policy", &before, &after));
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines.len() > 4, "multi-line: {out}");
        let marked: Vec<&&str> = lines
            .iter()
            .filter(|l| l.trim_start().starts_with('~'))
            .collect();
        assert_eq!(
            marked.len(),
            4,
            "policy, Statement, the one element, its Resource: {out}"
        );
        assert!(
            out.contains(
                r#"~ Resource = "arn:aws:s3:::b/patient-records/*" -> "arn:aws:s3:::b/*""#
            ),
            "{out}"
        );
        assert!(
            out.contains("# (2 unchanged elements hidden)")
                || out.matches("unchanged element hidden").count() == 2,
            "{out}"
        );
        assert!(
            out.contains(r#"Version = "2012-10-17""#),
            "short unchanged keys are context: {out}"
        );
        assert!(
            !out.contains("dynamodb:PutItem"),
            "unchanged statements are folded: {out}"
        );
    }

    #[test]
    fn markers_share_one_column_and_keys_line_up() {
        let before = json!({"Team": "a", "Env": "prod", "Old": "x"});
        let after = json!({"Team": "b", "Env": "prod", "New": "y"});
        let out = plain(|o| changed(o, "", "tags", &before, &after));
        let col = |needle: &str| {
            let l = out.lines().find(|l| l.contains(needle)).unwrap();
            (
                l.find(needle).unwrap(),
                l.trim_start().chars().next().unwrap(),
            )
        };
        let (team, _) = col("Team");
        let (env, _) = col("Env");
        let (new, _) = col("New");
        let (old, _) = col("Old");
        assert!(team == env && env == new && new == old, "{out}");
        // An added document is shown whole, indented.
        let added = plain(|o| {
            changed(
                o,
                "",
                "policy",
                &Value::Null,
                &json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow"}]}),
            )
        });
        assert!(
            added.lines().count() > 3 && added.trim_start().starts_with("+ policy = {"),
            "{added}"
        );
    }

    #[test]
    fn a_tag_change_is_one_line_per_tag() {
        let before = json!({"Team": "a", "Env": "prod", "Old": "x"});
        let after = json!({"Team": "b", "Env": "prod", "New": "y"});
        let out = plain(|o| changed(o, "", "tags", &before, &after));
        assert!(out.contains(r#"~ Team = "a" -> "b""#), "{out}");
        assert!(out.contains(r#"+ New = "y""#), "{out}");
        assert!(out.contains(r#"- Old = "x""#), "{out}");
        assert!(out.contains(r#"Env = "prod""#), "{out}");
        assert_eq!(out.lines().count(), 6, "{out}");
    }

    #[test]
    fn a_created_document_is_indented_and_short_values_stay_on_one_line() {
        let doc = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket/*"}]});
        let out = plain(|o| created(o, "", "policy", &doc));
        assert!(out.lines().count() > 5, "{out}");
        let out = plain(|o| created(o, "", "memory_size", &json!(512)));
        assert_eq!(out.trim_end(), format!("{:<28} = 512", "memory_size"));
    }
}
