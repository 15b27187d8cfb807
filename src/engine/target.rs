//! `--target`: a partial plan. The targets select changes by address, by
//! kind (`lambda_function`), or by region (`us-west-2`); a plan keeps them
//! and what they need (their dependencies, transitively), and a destroy
//! plan keeps them and what needs them (their dependants), as Terraform
//! does.

use std::collections::BTreeSet;

use super::graph::kind_of;
use super::plan::{Action, Plan};

/// True when `target` selects the resource at `address` in `region`.
pub fn selects(target: &str, address: &str, region: &str) -> bool {
    target == address || target == kind_of(address) || target == region
}

/// Narrows `plan` to `targets` and what they need (a destroy plan: what
/// needs them). Fails, naming it, when a target selects nothing.
pub fn narrow(plan: &mut Plan, targets: &[String]) -> Result<(), String> {
    if targets.is_empty() {
        return Ok(());
    }
    for t in targets {
        if !plan
            .changes
            .iter()
            .any(|c| selects(t, &c.address, &c.region))
        {
            return Err(format!(
                "--target {t} selects nothing: name a resource address (lambda_function.health_check), a resource type (lambda_function) or a region (us-west-2) of the configuration or the state"
            ));
        }
    }
    let mut keep: BTreeSet<String> = plan
        .changes
        .iter()
        .filter(|c| targets.iter().any(|t| selects(t, &c.address, &c.region)))
        .map(|c| c.address.clone())
        .collect();
    loop {
        let before = keep.len();
        for c in &plan.changes {
            if plan.destroy {
                // What needs a kept object goes first, so it is kept too.
                if c.dependencies.iter().any(|d| keep.contains(d)) {
                    keep.insert(c.address.clone());
                }
            } else if keep.contains(&c.address) {
                keep.extend(c.dependencies.iter().cloned());
            } else if c.dependencies.iter().any(|d| {
                keep.contains(d)
                    && plan.changes.iter().any(|o| {
                        &o.address == d && o.action == Action::Replace && o.create_before_destroy
                    })
            }) && c.action != Action::NoOp
            {
                // What must move off a replaced object before it goes.
                keep.insert(c.address.clone());
            }
        }
        if keep.len() == before {
            break;
        }
    }
    plan.changes.retain(|c| keep.contains(&c.address));
    plan.summary = Plan::summarise(&plan.changes);
    plan.targets = targets.to_vec();
    Ok(())
}

/// True when the plan changes something its targets did not select (a
/// dependency or dependant they pulled in).
pub fn pulled_in(plan: &Plan) -> Vec<&str> {
    plan.changes
        .iter()
        .filter(|c| c.action != Action::NoOp)
        .filter(|c| {
            !plan
                .targets
                .iter()
                .any(|t| selects(t, &c.address, &c.region))
        })
        .map(|c| c.address.as_str())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::plan::{Change, Summary};

    fn change(address: &str, region: &str, deps: &[&str], action: Action) -> Change {
        Change {
            address: address.into(),
            region: region.into(),
            action,
            id: None,
            attributes: Default::default(),
            replace_because: vec![],
            desired: None,
            before: None,
            dependencies: deps.iter().map(|d| d.to_string()).collect(),
            depends_on: vec![],
            create_before_destroy: false,
            shared: vec![],
        }
    }

    fn plan(destroy: bool, changes: Vec<Change>) -> Plan {
        Plan {
            format_version: 1,
            environment: "e".into(),
            lineage: "l".into(),
            serial: 1,
            fresh_state: false,
            destroy,
            summary: Summary::default(),
            changes,
            drift: vec![],
            outputs: Default::default(),
            targets: vec![],
        }
    }

    fn stack(destroy: bool) -> Plan {
        let a = if destroy {
            Action::Delete
        } else {
            Action::Create
        };
        plan(
            destroy,
            vec![
                change("kms_key.main", "us-east-1", &[], a),
                change("iam_role.f", "us-east-1", &[], a),
                change("logs_log_group.f", "us-east-1", &["kms_key.main"], a),
                change(
                    "lambda_function.f",
                    "us-east-1",
                    &["iam_role.f", "logs_log_group.f"],
                    a,
                ),
                change("lambda_function.g", "us-west-2", &["iam_role.f"], a),
                change("ec2_vpc.main", "us-east-1", &[], a),
            ],
        )
    }

    fn addresses(p: &Plan) -> Vec<&str> {
        p.changes.iter().map(|c| c.address.as_str()).collect()
    }

    #[test]
    fn a_target_brings_what_it_needs_and_nothing_else() {
        let mut p = stack(false);
        narrow(&mut p, &["lambda_function.f".into()]).unwrap();
        assert_eq!(
            addresses(&p),
            [
                "kms_key.main",
                "iam_role.f",
                "logs_log_group.f",
                "lambda_function.f"
            ]
        );
        assert_eq!(p.summary.create, 4);
        assert_eq!(p.targets, ["lambda_function.f"]);
        assert_eq!(
            pulled_in(&p),
            ["kms_key.main", "iam_role.f", "logs_log_group.f"]
        );
    }

    #[test]
    fn kinds_and_regions_select_many() {
        let mut p = stack(false);
        narrow(&mut p, &["lambda_function".into()]).unwrap();
        assert_eq!(addresses(&p).len(), 5);
        let mut p = stack(false);
        narrow(&mut p, &["us-west-2".into()]).unwrap();
        assert_eq!(addresses(&p), ["iam_role.f", "lambda_function.g"]);
    }

    #[test]
    fn a_destroy_target_takes_what_needs_it() {
        let mut p = stack(true);
        narrow(&mut p, &["iam_role.f".into()]).unwrap();
        assert_eq!(
            addresses(&p),
            ["iam_role.f", "lambda_function.f", "lambda_function.g"]
        );
        let mut p = stack(true);
        narrow(&mut p, &["kms_key.main".into()]).unwrap();
        assert_eq!(
            addresses(&p),
            ["kms_key.main", "logs_log_group.f", "lambda_function.f"]
        );
    }

    #[test]
    fn a_target_that_selects_nothing_is_an_error() {
        let mut p = stack(false);
        let e = narrow(&mut p, &["lambda_function.nope".into()]).unwrap_err();
        assert!(
            e.contains("--target lambda_function.nope selects nothing"),
            "{e}"
        );
        assert_eq!(p.changes.len(), 6, "the plan is left whole");
    }
}
