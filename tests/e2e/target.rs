//! `--target`: a plan of one function and what it needs, saved and applied
//! as it was planned; a destroy of one role and what needs it.

use std::collections::BTreeSet;

use serde_json::Value;

use super::harness::{Moto, Project, BASE_CONFIG};

fn addresses(v: &Value, key: &str) -> BTreeSet<String> {
    v[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["address"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_targeted_plan_applies_one_function_and_what_it_needs_and_a_targeted_destroy_what_needs_it() {
    let moto = Moto::start();
    let p = Project::new(&moto.url, BASE_CONFIG);
    let target = "lambda_function.health_check";
    let plan = p
        .run(&["plan", "--json", "--target", target])
        .expect(0)
        .json();
    let planned = addresses(&plan, "changes");
    assert_eq!(plan["targets"], serde_json::json!([target]));
    for needed in [
        target,
        "iam_role.health_check",
        "logs_log_group.health_check",
        "kms_key.main",
    ] {
        assert!(
            planned.contains(needed),
            "{needed} missing from {planned:?}"
        );
    }
    for other in [
        "lambda_function.data_processor",
        "ec2_nat_gateway.main",
        "apigateway_rest_api.main",
        "sns_topic.alerts",
    ] {
        assert!(!planned.contains(other), "{other} in {planned:?}");
    }
    // Closed under dependencies: everything a planned change needs is planned.
    for c in plan["changes"].as_array().unwrap() {
        for d in c["dependencies"].as_array().unwrap() {
            assert!(
                planned.contains(d.as_str().unwrap()),
                "{} needs {d}",
                c["address"]
            );
        }
    }
    let full = p.run(&["plan", "--json"]).expect(0).json();
    assert!(addresses(&full, "changes").len() > planned.len() + 30);

    // Saved and applied as planned: the state holds exactly those.
    let text = p
        .run(&["plan", "--target", target, "--out", "hc.plan"])
        .expect(0);
    assert!(
        text.stdout
            .contains("This plan is partial, --target lambda_function.health_check"),
        "{}",
        text.stdout
    );
    assert!(p
        .run(&["apply", "hc.plan", "--target", target])
        .expect(1)
        .stderr
        .contains("a plan file carries its own --target"));
    p.run(&["apply", "hc.plan"]).expect(0);
    assert_eq!(addresses(&p.state(), "resources"), planned);

    // The rest, then a destroy of one role: it and what needs it go.
    p.run(&["apply", "--auto-approve"]).expect(0);
    let before = addresses(&p.state(), "resources");
    let out = p
        .run(&["destroy", "--force", "--target", "iam_role.health_check"])
        .expect(0);
    assert!(
        out.stdout.contains("This plan is partial"),
        "{}",
        out.stdout
    );
    let after = addresses(&p.state(), "resources");
    let gone: BTreeSet<String> = before.difference(&after).cloned().collect();
    assert_eq!(
        gone,
        [
            "iam_role.health_check",
            "iam_role_policy.health_check",
            "lambda_function.health_check"
        ]
        .iter()
        .map(|s| s.to_string())
        .collect::<BTreeSet<_>>()
    );
    // Nothing left depends on what went.
    for r in p.state()["resources"].as_array().unwrap() {
        for d in r["dependencies"].as_array().unwrap() {
            assert!(
                !gone.contains(d.as_str().unwrap()),
                "{} still needs {d}",
                r["address"]
            );
        }
    }
    assert!(p
        .run(&["plan", "--target", "lambda_function.nope"])
        .expect(1)
        .stderr
        .contains("--target lambda_function.nope selects nothing"));
    p.run(&["destroy", "--force"]).expect(0);
}
