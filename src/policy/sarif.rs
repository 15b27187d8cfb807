//! SARIF 2.1.0 output of an evaluation, for code-scanning tools: one
//! result per failed verdict; a waived one carries a suppression with the
//! waiver's reason, so tools show it as accepted.

use serde_json::{json, Value};

use super::{Evaluation, RULES};

/// The SARIF log for `eval`; `config` is the configuration file's path,
/// the artifact every result is located in.
pub fn log(eval: &Evaluation, config: &str) -> Value {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|r| {
            let mut props = json!({"tags": ["hipaa", "security"], "safeguard": r.safeguard});
            if let Some(c) = r.config_rule {
                props["awsConfigRule"] = json!(c);
            }
            json!({
                "id": r.id,
                "name": r.id.replace('-', ""),
                "shortDescription": {"text": r.title},
                "fullDescription": {"text": format!("{} ({})", r.title, r.safeguard)},
                "help": {"text": r.fix},
                "defaultConfiguration": {"level": "error"},
                "properties": props,
            })
        })
        .collect();
    let results: Vec<Value> = eval
        .findings()
        .into_iter()
        .map(|f| {
            let index = RULES.iter().position(|r| r.id == f.rule).unwrap_or(0);
            let mut r = json!({
                "ruleId": f.rule,
                "ruleIndex": index,
                "level": "error",
                "message": {"text": format!("{}: {} ({} = {}). Fix: {}", f.address, f.problem, f.attribute, f.value, f.fix)},
                "locations": [{
                    "physicalLocation": {"artifactLocation": {"uri": config}},
                    "logicalLocations": [{"fullyQualifiedName": f.address, "kind": "resource"}],
                }],
                "partialFingerprints": {"hcprovFinding/v1": format!("{}:{}:{}", f.rule, f.address, f.attribute)},
            });
            if let Some(reason) = &f.waived_because {
                r["suppressions"] = json!([{"kind": "external", "status": "accepted", "justification": reason}]);
            }
            r
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "hcprov",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "results": results,
        }],
    })
}
