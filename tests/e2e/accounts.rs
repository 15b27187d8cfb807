//! Reaching an environment's account through a role: `[aws]
//! assume_role_arn` with an external id; the session names the
//! environment and the command.

use std::sync::{Arc, Mutex};

use super::harness::{Moto, Project, BASE_CONFIG, SLICE};
use super::proxy::Proxy;

#[test]
fn every_call_goes_through_the_assumed_role_named_for_the_environment_and_command() {
    let moto = Moto::start();
    let assumed: Arc<Mutex<Vec<String>>> = Arc::default();
    let seen = assumed.clone();
    let proxy = Proxy::start(
        &moto.url,
        Arc::new(move |s| {
            if s.mentions("Action=AssumeRole") {
                seen.lock()
                    .unwrap()
                    .push(String::from_utf8_lossy(&s.body).into_owned());
            }
            None
        }),
    );
    let role = "arn:aws:iam::123456789012:role/hcprov-deployer";
    let config = format!(
        "{}\n[aws]\nassume_role_arn = \"{role}\"\nexternal_id = \"ci-42\"\n",
        BASE_CONFIG.replace("[backup]", &format!("{SLICE}[backup]"))
    );
    let p = Project::new(&proxy.url, &config);
    let plan = p.run(&["plan", "-v"]).expect(0);
    assert!(
        plan.stdout.starts_with(
            "Account 123456789012 as arn:aws:sts::123456789012:assumed-role/hcprov-deployer/hcprov-e2e-plan,"
        ),
        "{}",
        plan.stdout
    );
    let bodies = assumed.lock().unwrap().clone();
    assert!(!bodies.is_empty());
    let body = &bodies[0];
    for part in [
        "RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fhcprov-deployer",
        "ExternalId=ci-42",
        "RoleSessionName=hcprov-e2e-plan",
    ] {
        assert!(body.contains(part), "{part} in {body}");
    }
    // A malformed role is one line naming the field, before any call.
    p.write_config(&config.replace(role, "hcprov-deployer"));
    let r = p.run(&["plan"]).expect(1);
    assert!(r.stderr.contains("`aws.assume_role_arn`"), "{}", r.stderr);
}
