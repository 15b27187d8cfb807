//! The HIPAA policy pack: rules over the attributes of every resource,
//! evaluated on the planned graph (`plan`, `apply`, `check`) and on the
//! live objects (`drift`, `report`). Pure data: nothing here talks to AWS.
//!
//! A rule sees the whole stack, so it can follow references: a bucket's
//! encryption lives in an `s3_bucket_encryption` node that points at it, a
//! function's permissions in the policies of the role it names. Planned
//! attributes point with `{"$ref": "kind.name.attr"}`; live ones with the
//! id or ARN, which the state's outputs resolve.

mod checks;
mod rules;
pub mod sarif;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::config::Waiver;
use crate::engine::graph::{kind_of, Node};
use crate::engine::value::{Attrs, Reference};

pub use rules::RULES;

/// One rule of the pack.
pub struct Rule {
    /// Stable id (`HC-ENC-S3`), what waivers and SARIF name.
    pub id: &'static str,
    /// What the rule requires, in one line.
    pub title: &'static str,
    /// The HIPAA Security Rule safeguard it serves.
    pub safeguard: &'static str,
    /// The matching rule of AWS Config's HIPAA conformance pack, if any.
    pub config_rule: Option<&'static str>,
    /// How to fix a violation.
    pub fix: &'static str,
    /// The verdicts on every resource the rule covers.
    check: fn(&Stack) -> Vec<Verdict>,
}

/// A rule's verdict on one resource (or on the stack as a whole).
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// The resource, or `stack`.
    pub address: String,
    /// The attribute the verdict rests on.
    pub attribute: String,
    /// Its value: the evidence (references shown as `kind.name.attr`).
    pub value: Value,
    /// Whether the rule holds.
    pub pass: bool,
    /// What is wrong (empty when the rule holds).
    pub problem: String,
}

/// One resource as the rules see it.
#[derive(Debug, Clone)]
pub struct Subject {
    /// `kind.name`.
    pub address: String,
    /// Planned or live attributes.
    pub attrs: Attrs,
    /// Known outputs (id, arn, ...): how live values point at it.
    pub outputs: Attrs,
}

impl Subject {
    /// The resource type.
    pub fn kind(&self) -> &str {
        kind_of(&self.address)
    }

    /// The attribute `name`, or null.
    pub fn get(&self, name: &str) -> &Value {
        self.attrs.get(name).unwrap_or(&Value::Null)
    }
}

/// Every resource of one stack, and the settings rules read.
#[derive(Debug, Clone, Default)]
pub struct Stack {
    subjects: BTreeMap<String, Subject>,
    /// Resources whose live read failed: their attributes are the last
    /// applied ones, so their verdicts prove nothing.
    unverified: std::collections::BTreeSet<String>,
    /// The shortest log retention accepted, in days.
    pub min_log_retention_days: i64,
}

impl Stack {
    /// The planned stack: every node's desired attributes.
    pub fn planned(nodes: &[Node], min_log_retention_days: i64) -> Stack {
        let subjects = nodes
            .iter()
            .map(|n| {
                let s = Subject {
                    address: n.address.clone(),
                    attrs: n.attrs().into_owned(),
                    outputs: Attrs::new(),
                };
                (n.address.clone(), s)
            })
            .collect();
        Stack {
            subjects,
            unverified: Default::default(),
            min_log_retention_days,
        }
    }

    /// Marks `address` as not read: its verdicts become `unverified`.
    pub fn unverified(&mut self, address: &str) {
        self.unverified.insert(address.to_string());
    }

    /// A stack from resources as read: `(address, attributes, outputs)`.
    pub fn live(
        resources: impl IntoIterator<Item = (String, Attrs, Attrs)>,
        min_log_retention_days: i64,
    ) -> Stack {
        let subjects = resources
            .into_iter()
            .map(|(address, attrs, outputs)| {
                let s = Subject {
                    address: address.clone(),
                    attrs,
                    outputs,
                };
                (address, s)
            })
            .collect();
        Stack {
            subjects,
            unverified: Default::default(),
            min_log_retention_days,
        }
    }

    /// The resources of `kind`, by address.
    pub fn of_kind<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Subject> + 'a {
        self.subjects.values().filter(move |s| s.kind() == kind)
    }

    /// The resource of `kind` that `v` points at: a reference to it, or a
    /// string equal to one of its outputs (its id, ARN, name).
    pub fn target<'a>(&'a self, v: &Value, kind: &'a str) -> Option<&'a Subject> {
        if let Some(r) = v.get("$ref").and_then(Value::as_str) {
            let r = Reference::parse(r)?;
            return self.subjects.get(&r.address).filter(|s| s.kind() == kind);
        }
        let s = v.as_str().filter(|s| !s.is_empty())?;
        self.of_kind(kind)
            .find(|sub| sub.outputs.values().any(|o| o.as_str() == Some(s)))
    }

    /// True when `v` points at `subject`.
    pub fn points_at(&self, v: &Value, subject: &Subject) -> bool {
        self.target(v, subject.kind())
            .is_some_and(|s| s.address == subject.address)
    }

    /// The resources of `kind` whose attribute `attr` points at `subject`.
    pub fn pointing<'a>(
        &'a self,
        kind: &'a str,
        attr: &'a str,
        subject: &'a Subject,
    ) -> impl Iterator<Item = &'a Subject> + 'a {
        self.of_kind(kind)
            .filter(move |s| self.points_at(s.get(attr), subject))
    }
}

/// A verdict with its rule and, when waived, the reason.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// The rule id.
    pub rule: &'static str,
    /// The rule's title.
    pub title: &'static str,
    /// The HIPAA safeguard.
    pub safeguard: &'static str,
    /// The AWS Config HIPAA rule, if any.
    pub config_rule: Option<&'static str>,
    /// The resource, or `stack`.
    pub address: String,
    /// The attribute.
    pub attribute: String,
    /// The value the verdict rests on.
    pub value: Value,
    /// `pass`, `fail`, `waived`, or `unverified` (the resource could not
    /// be read, so the verdict rests on its last applied attributes).
    pub result: &'static str,
    /// What is wrong (empty on a pass).
    pub problem: String,
    /// How to fix it (empty on a pass).
    pub fix: &'static str,
    /// Why it is waived, when it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waived_because: Option<String>,
}

/// Every rule's verdicts on a stack, with the waivers applied.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Evaluation {
    /// Every verdict: passes, failures and waived failures.
    pub results: Vec<Finding>,
    /// Waivers that matched no failure.
    pub stale_waivers: Vec<StaleWaiver>,
}

/// A waiver that matched nothing.
#[derive(Debug, Clone, Serialize)]
pub struct StaleWaiver {
    /// The rule it names.
    pub rule: String,
    /// The address it names.
    pub address: String,
    /// Its reason.
    pub reason: String,
}

impl Evaluation {
    /// The failures no waiver covers.
    pub fn violations(&self) -> impl Iterator<Item = &Finding> {
        self.results.iter().filter(|f| f.result == "fail")
    }

    /// The failures a waiver covers.
    pub fn waived(&self) -> impl Iterator<Item = &Finding> {
        self.results.iter().filter(|f| f.result == "waived")
    }

    /// The failures, waived or not: what a report lists as findings.
    pub fn findings(&self) -> Vec<&Finding> {
        self.results.iter().filter(|f| f.result != "pass").collect()
    }

    /// The verdicts on resources that could not be read.
    pub fn unverified(&self) -> impl Iterator<Item = &Finding> {
        self.results.iter().filter(|f| f.result == "unverified")
    }

    /// True when some failure is not waived, or some verdict unverified.
    pub fn blocks(&self) -> bool {
        self.violations().next().is_some() || self.unverified().next().is_some()
    }
}

/// Runs every rule on `stack` and applies `waivers`.
pub fn evaluate(stack: &Stack, waivers: &[Waiver]) -> Evaluation {
    let mut used = vec![false; waivers.len()];
    let mut results = vec![];
    for rule in RULES {
        for v in (rule.check)(stack) {
            let unverified = stack.unverified.contains(&v.address);
            let waiver = (!v.pass)
                .then(|| {
                    waivers.iter().position(|w| {
                        w.rule == rule.id
                            && w.address == v.address
                            && w.attribute.as_ref().is_none_or(|a| *a == v.attribute)
                    })
                })
                .flatten();
            if let Some(i) = waiver {
                used[i] = true;
            }
            results.push(Finding {
                rule: rule.id,
                title: rule.title,
                safeguard: rule.safeguard,
                config_rule: rule.config_rule,
                address: v.address,
                attribute: v.attribute,
                value: v.value,
                result: match (v.pass, waiver) {
                    _ if unverified => "unverified",
                    (true, _) => "pass",
                    (false, None) => "fail",
                    (false, Some(_)) => "waived",
                },
                problem: if unverified {
                    "could not be read: the value shown is the last applied one".into()
                } else {
                    v.problem
                },
                fix: if v.pass { "" } else { rule.fix },
                waived_because: waiver.map(|i| waivers[i].reason.clone()),
            });
        }
    }
    let stale_waivers = waivers
        .iter()
        .zip(&used)
        .filter(|(_, u)| !**u)
        .map(|(w, _)| StaleWaiver {
            rule: w.rule.clone(),
            address: w.address.clone(),
            reason: w.reason.clone(),
        })
        .collect();
    Evaluation {
        results,
        stale_waivers,
    }
}

/// `v` for display: references as `kind.name.attr`, joins as their parts.
pub fn shown(v: &Value) -> Value {
    match v {
        Value::Object(m) if m.contains_key("$ref") => m["$ref"].clone(),
        Value::Object(m) if m.contains_key("$join") => Value::String(
            m["$join"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| match shown(p) {
                    Value::String(s) => s,
                    other => other.to_string(),
                })
                .collect(),
        ),
        Value::Object(m) if m.contains_key("$unknown") => {
            Value::String("(known after apply)".into())
        }
        Value::Object(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), shown(v))).collect()),
        Value::Array(a) => Value::Array(a.iter().map(shown).collect()),
        other => other.clone(),
    }
}
