//! `[policy]`: the HIPAA policy pack's settings and its waivers.

use serde::Deserialize;

/// The policy pack's inputs.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Policy {
    /// The shortest log retention rule `HC-LOG-RETENTION` accepts, in days.
    pub min_log_retention_days: i64,
    /// Findings accepted on purpose, each with its reason.
    pub waive: Vec<Waiver>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            min_log_retention_days: 90,
            waive: vec![],
        }
    }
}

/// One accepted finding: `[[policy.waive]] rule = "...", address = "...",
/// reason = "..."`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Waiver {
    /// The rule id (`HC-SG-OPEN`).
    pub rule: String,
    /// The resource address (`ec2_security_group.alb`), or `stack` for a
    /// finding about the stack as a whole.
    pub address: String,
    /// The finding's attribute (`ingress:tcp/80`), so the waiver covers
    /// that one and not whatever else the rule finds at the address later;
    /// without it, every finding of the rule there.
    #[serde(default)]
    pub attribute: Option<String>,
    /// Why the finding is accepted; shown beside it in every report.
    pub reason: String,
}

/// Checks the section; `Err((field, message))` names the first bad field.
pub fn check(p: &Policy, rules: &[&str]) -> Result<(), (String, String)> {
    if !(1..=3653).contains(&p.min_log_retention_days) {
        return Err((
            "policy.min_log_retention_days".into(),
            format!("must be 1-3653; got {}", p.min_log_retention_days),
        ));
    }
    for (i, w) in p.waive.iter().enumerate() {
        let field = |f: &str| format!("policy.waive[{i}].{f}");
        if !rules.contains(&w.rule.as_str()) {
            return Err((
                field("rule"),
                format!(
                    "names no rule of the policy pack: {:?}; the rules are {}",
                    w.rule,
                    rules.join(", ")
                ),
            ));
        }
        let address_ok = w.address == "stack"
            || w.address
                .split_once('.')
                .is_some_and(|(k, n)| !k.is_empty() && !n.is_empty());
        if !address_ok {
            return Err((
                field("address"),
                format!(
                    "must be a resource address such as \"ec2_security_group.alb\" (or \"stack\"); got {:?}",
                    w.address
                ),
            ));
        }
        if w.attribute.as_deref().is_some_and(|a| a.trim().is_empty()) {
            return Err((
                field("attribute"),
                "must name the finding's attribute (such as \"ingress:tcp/80\"), or be left out"
                    .into(),
            ));
        }
        if w.reason.trim().is_empty() {
            return Err((
                field("reason"),
                "must say why the finding is accepted; a waiver without a reason is refused".into(),
            ));
        }
    }
    Ok(())
}
