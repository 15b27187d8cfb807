//! A replaced object that others still use moves them off it first: a
//! private subnet on a new CIDR is created, the Lambda in it moved to the
//! new one, and only then is the old subnet deleted (AWS refuses to delete
//! a subnet a Lambda's ENIs sit in; the emulator does not, so the proxy
//! records the order). The engine test
//! `engine::tests::a_replaced_object_others_use_is_deleted_only_after_they_moved_off_it`
//! shows the refusal itself; a security group's replacement gets a name of
//! its own, since group names are unique in a VPC (recorded answer below).

use std::sync::{Arc, Mutex};

use aws_smithy_http_client::test_util::StaticReplayClient;
use hcprov::aws::registry;
use serde_json::json;

use super::harness::{Moto, Project, BASE_CONFIG};
use super::proxy::Proxy;
use super::replay::{aws_with, ctx, obj};
use super::replay_data::{bodies, run, xml};

#[test]
fn a_subnet_a_lambda_sits_in_is_replaced_by_moving_the_lambda_first() {
    let moto = Moto::start();
    let calls: Arc<Mutex<Vec<String>>> = Arc::default();
    let seen = calls.clone();
    let proxy = Proxy::start(
        &moto.url,
        Arc::new(move |s| {
            let body = String::from_utf8_lossy(&s.body);
            let mut log = seen.lock().unwrap();
            for action in ["Action=CreateSubnet", "Action=DeleteSubnet"] {
                if body.contains(action) {
                    log.push(action.trim_start_matches("Action=").to_string());
                }
            }
            if s.head.starts_with(
                "PUT /2015-03-31/functions/healthcare-data-processor-e2e/configuration",
            ) {
                log.push("UpdateFunctionConfiguration".into());
            }
            None
        }),
    );
    let p = Project::new(&proxy.url, BASE_CONFIG);
    p.run(&["apply", "--auto-approve"]).expect(0);
    calls.lock().unwrap().clear();
    let old = super::harness::id(&p.state(), "ec2_subnet.private_2");

    p.write_config(&format!(
        "{BASE_CONFIG}\n[network]\nprivate_subnets = [\"10.0.11.0/24\", \"10.0.13.0/24\"]\n"
    ));
    let plan = p.run(&["plan", "--json"]).expect(0).json();
    let subnet = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == "ec2_subnet.private_2")
        .unwrap();
    assert_eq!(subnet["action"], "replace");
    assert_eq!(subnet["create_before_destroy"], true);
    p.run(&["apply", "--auto-approve"]).expect(0);
    assert_eq!(
        *calls.lock().unwrap(),
        [
            "CreateSubnet",
            "UpdateFunctionConfiguration",
            "DeleteSubnet"
        ]
    );
    let new = super::harness::id(&p.state(), "ec2_subnet.private_2");
    assert_ne!(new, old);
    p.run(&["plan", "--detailed-exitcode"]).expect(0);

    // A new zone on the same CIDR cannot exist beside the old subnet: the
    // delete would have to go first while the Lambda sits in it, which AWS
    // refuses. Refused before anything, with the two-step way.
    let moved = format!(
        "{BASE_CONFIG}\n[network]\navailability_zones = [\"a\", \"c\"]\nprivate_subnets = [\"10.0.11.0/24\", \"10.0.13.0/24\"]\n"
    );
    p.write_config(&moved);
    let plan = p.run(&["plan"]).expect(0);
    assert!(
        plan.stdout
            .contains("Warning: `hcprov apply` will refuse this plan"),
        "{}",
        plan.stdout
    );
    let before = std::fs::read(p.state_path()).unwrap();
    let r = p.run(&["apply", "--auto-approve"]).expect(1);
    assert!(
        r.stderr.contains(
            "ec2_subnet.private_2 must be replaced (availability_zone) by deleting it first"
        ) && r
            .stderr
            .contains("lambda_function.data_processor still uses it"),
        "{}",
        r.stderr
    );
    assert_eq!(std::fs::read(p.state_path()).unwrap(), before);
    p.write_config(&format!(
        "{BASE_CONFIG}\n[network]\nprivate_subnets = [\"10.0.11.0/24\", \"10.0.13.0/24\"]\n"
    ));
    p.run(&["destroy", "--force"]).expect(0);
}

#[test]
fn a_replacement_security_group_gets_a_name_of_its_own_with_recorded_responses() {
    let ec2 = "xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"";
    let replay = StaticReplayClient::new(vec![xml(
        200,
        format!(
            "<CreateSecurityGroupResponse {ec2}><requestId>r-1</requestId><return>true</return><groupId>sg-new</groupId>\
             <securityGroupArn>arn:aws:ec2:us-east-1:123456789012:security-group/sg-new</securityGroupArn></CreateSecurityGroupResponse>"
        ),
    )]);
    let created = run(async {
        let aws = aws_with(&replay).await;
        let t = registry(&aws).get("ec2_security_group").unwrap().clone();
        let mut c = ctx("ec2_security_group.lambda");
        c.replacing = true;
        t.create(
            &c,
            &obj(json!({"name": "healthcare-lambda-sg-dev", "description": "Security group for Lambda functions", "vpc_id": "vpc-1", "ingress": []})),
        )
        .await
        .unwrap()
    });
    assert_eq!(created.id, "sg-new");
    let b = bodies(&replay);
    assert_eq!(b.len(), 1);
    let name = b[0]
        .split('&')
        .find_map(|kv| kv.strip_prefix("GroupName="))
        .unwrap();
    assert!(
        name.starts_with("healthcare-lambda-sg-dev-r")
            && name.len() == "healthcare-lambda-sg-dev".len() + 10,
        "{name}"
    );
}
