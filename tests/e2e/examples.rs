//! Every config under `examples/` runs end to end on the emulator: plan,
//! apply, a no-change plan, drift, destroy leaving an empty state. A new
//! example is picked up without touching this test.

use std::path::Path;

use super::harness::{Moto, Project};

/// `examples/<name>` made runnable here: disposable, environment `e2e`,
/// the repository's handlers, and (serverless-api) no Backup selection,
/// which moto does not implement.
pub(super) fn runnable(text: &str) -> String {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut out = String::from("disposable = true\n");
    for line in text.lines() {
        if line.starts_with("environment = ") {
            out.push_str("environment = \"e2e\"\n");
        } else if line.starts_with("lambda_source = ") {
            out.push_str(&format!("lambda_source = \"{root}/lambdas\"\n"));
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    if !text.contains("platform = ") || text.contains("platform = \"serverless-api\"") {
        assert!(
            !text.contains("[backup]"),
            "the example sets [backup]: merge the override"
        );
        out.push_str("\n[backup]\nselect_resources = false\n");
    }
    out
}

#[test]
fn every_example_config_plans_applies_and_destroys() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "aurora-redis-api.toml",
            "multi-region-dr.toml",
            "serverless-api.toml"
        ]
    );
    for name in names {
        let text = std::fs::read_to_string(dir.join(&name)).unwrap();
        let moto = Moto::start();
        let p = Project::new(&moto.url, &runnable(&text));
        let plan = p.run(&["plan", "--json"]).expect(0).json();
        let creates = plan["summary"]["create"].as_u64().unwrap();
        assert!(creates >= 40, "{name}: {}", plan["summary"]);
        p.run(&["apply", "--auto-approve"]).expect(0);
        p.run(&["plan", "--detailed-exitcode"]).expect(0);
        let drift = p.run(&["drift", "--json"]).expect(0).json();
        assert_eq!(
            drift["counts"]["in_sync"].as_u64(),
            Some(creates),
            "{name}: {}",
            drift["counts"]
        );
        p.run(&["destroy", "--force"]).expect(0);
        assert_eq!(p.state()["resources"], serde_json::json!([]), "{name}");
    }
}
