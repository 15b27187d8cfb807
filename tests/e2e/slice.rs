//! The engine's life cycle on the real stack, end to end: create from a saved
//! plan, a stale saved plan, a no-op plan, in-place updates (a default tag,
//! a security-group rule), a replacement (a subnet CIDR), destroy.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::harness::{block_on, Moto, Project, BASE_CONFIG, SLICE};
use super::inventory;

/// Non-no-op changes of a JSON plan: address → (action, changed attributes).
fn changes(plan: &Value) -> BTreeMap<String, (String, Vec<String>)> {
    plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["action"] != "no_op")
        .map(|c| {
            let attrs = c["attributes"].as_array().map_or(vec![], |a| {
                a.iter()
                    .map(|x| x["name"].as_str().unwrap().to_string())
                    .collect()
            });
            (
                c["address"].as_str().unwrap().to_string(),
                (c["action"].as_str().unwrap().to_string(), attrs),
            )
        })
        .collect()
}

fn ids(state: &Value, kind: &str) -> BTreeMap<String, String> {
    state["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["type"] == kind)
        .map(|r| {
            (
                r["address"].as_str().unwrap().to_string(),
                r["id"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn slice_lifecycle_create_update_replace_destroy() {
    let moto = Moto::start();
    // The slice only: `[stack]` must precede the tables of BASE_CONFIG.
    // The seed's load balancer ports (443 and 80), with the waiver the
    // policy pack asks for port 80.
    let base = BASE_CONFIG.replace(
        "[backup]",
        &format!("{SLICE}[network]\nalb_ingress_ports = [443, 80]\n\n[[policy.waive]]\nrule = \"HC-SG-OPEN\"\naddress = \"ec2_security_group.alb\"\nreason = \"the seed's redirect port\"\n\n[backup]"),
    );
    let p = Project::new(&moto.url, &base);
    let total: usize = inventory::expected_slice().values().sum();

    // An empty state: the plan lists every resource and says there are changes.
    let plan = p
        .run(&[
            "plan",
            "--json",
            "--detailed-exitcode",
            "--out",
            "first.plan",
        ])
        .expect(2)
        .json();
    assert_eq!(
        plan["summary"]["create"],
        json!(total),
        "one create per object of the seed"
    );

    // Apply exactly the saved plan.
    p.run(&["apply", "first.plan"]).expect(0);
    let inv = block_on(inventory::slice(&moto, "e2e"));
    assert_eq!(
        inventory::counts(&inv),
        inventory::expected_slice(),
        "{inv:#?}"
    );
    // Applying the same plan again is refused: the state moved on.
    let stale = p.run(&["apply", "first.plan"]).expect(1);
    assert!(
        stale.stderr.contains("stale") && stale.stderr.contains("hcprov plan"),
        "{}",
        stale.stderr
    );

    // Settings read back through the SDK, not from hcprov's state.
    let state = p.state();
    block_on(async {
        let sdk = moto.sdk().await;
        let ec2 = aws_sdk_ec2::Client::new(&sdk);
        let vpc = &ids(&state, "ec2_vpc")["ec2_vpc.main"];
        let host = ec2
            .describe_vpc_attribute()
            .vpc_id(vpc)
            .attribute(aws_sdk_ec2::types::VpcAttributeName::EnableDnsHostnames)
            .send()
            .await
            .unwrap();
        assert_eq!(
            host.enable_dns_hostnames().and_then(|v| v.value()),
            Some(true)
        );
        let kms = aws_sdk_kms::Client::new(&sdk);
        let key = &ids(&state, "kms_key")["kms_key.main"];
        assert!(kms
            .get_key_rotation_status()
            .key_id(key)
            .send()
            .await
            .unwrap()
            .key_rotation_enabled());
        let logs = aws_sdk_cloudwatchlogs::Client::new(&sdk);
        let g = logs
            .describe_log_groups()
            .log_group_name_prefix("/aws/vpc/healthcare-e2e")
            .send()
            .await
            .unwrap();
        assert_eq!(g.log_groups()[0].retention_in_days(), Some(90));
    });

    // Unchanged input: nothing to do.
    let r = p.run(&["plan", "--detailed-exitcode"]).expect(0);
    assert!(r.stdout.contains("No changes"), "{}", r.stdout);

    // A new default tag and one ALB rule fewer: exactly those in-place updates.
    let edited = format!(
        "{}CostCenter = \"cc-42\"\n",
        base.replace("alb_ingress_ports = [443, 80]", "alb_ingress_ports = [443]")
    );
    p.write_config(&edited);
    let plan = p
        .run(&["plan", "--json", "--detailed-exitcode"])
        .expect(2)
        .json();
    let ch = changes(&plan);
    let tagged = state["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["attributes"].get("tags").is_some())
        .count();
    assert_eq!(ch.len(), tagged, "{ch:#?}");
    for (addr, (action, attrs)) in &ch {
        assert_eq!(action, "update", "{addr}");
        let want: Vec<&str> = if addr == "ec2_security_group.alb" {
            vec!["ingress", "tags"]
        } else {
            vec!["tags"]
        };
        assert_eq!(attrs, &want, "{addr}");
    }
    let alb = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == "ec2_security_group.alb")
        .unwrap();
    let ingress = alb["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "ingress")
        .unwrap();
    assert_eq!(ingress["before"].as_array().unwrap().len(), 2);
    assert_eq!(
        ingress["after"],
        json!([{"protocol": "tcp", "from_port": 443, "to_port": 443, "description": "Allow HTTPS inbound", "cidr_block": "0.0.0.0/0"}])
    );
    p.run(&["apply"]).expect(0);
    p.run(&["plan", "--detailed-exitcode"]).expect(0);
    block_on(async {
        let ec2 = aws_sdk_ec2::Client::new(&moto.sdk().await);
        let sg = &ids(&state, "ec2_security_group")["ec2_security_group.alb"];
        let g = ec2
            .describe_security_groups()
            .group_ids(sg)
            .send()
            .await
            .unwrap();
        let perms = g.security_groups()[0].ip_permissions();
        assert_eq!(perms.len(), 1);
        assert_eq!(perms[0].from_port(), Some(443));
        let vpc = &ids(&state, "ec2_vpc")["ec2_vpc.main"];
        let v = ec2.describe_vpcs().vpc_ids(vpc).send().await.unwrap();
        assert!(v.vpcs()[0]
            .tags()
            .iter()
            .any(|t| t.key() == Some("CostCenter") && t.value() == Some("cc-42")));
    });

    // A new CIDR for one private subnet: it and its association are
    // replaced, and the table's set of subnets names the new one.
    let old_subnet = ids(&p.state(), "ec2_subnet")["ec2_subnet.public_2"].clone();
    p.write_config(&edited.replace(
        "[network]\n",
        "[network]\npublic_subnets = [\"10.0.1.0/24\", \"10.0.22.0/24\"]\n",
    ));
    let plan = p
        .run(&["plan", "--json", "--detailed-exitcode"])
        .expect(2)
        .json();
    let ch = changes(&plan);
    assert_eq!(
        ch.keys().collect::<Vec<_>>(),
        vec![
            "ec2_route_table.public",
            "ec2_route_table_association.public_2",
            "ec2_subnet.public_2"
        ],
        "{ch:#?}"
    );
    assert_eq!(
        ch["ec2_route_table.public"],
        ("update".to_string(), vec!["subnet_ids".to_string()])
    );
    let subnet = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == "ec2_subnet.public_2")
        .unwrap();
    assert_eq!(subnet["action"], "replace");
    assert_eq!(subnet["replace_because"], json!(["cidr_block"]));
    let assoc = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == "ec2_route_table_association.public_2")
        .unwrap();
    assert_eq!(assoc["replace_because"], json!(["subnet_id"]));
    let human = p.run(&["plan"]).expect(0);
    assert!(
        human.stdout.contains("-/+ ec2_subnet.public_2")
            && human.stdout.contains("cidr_block forces replacement"),
        "{}",
        human.stdout
    );
    p.run(&["apply", "--auto-approve"]).expect(0);
    p.run(&["plan", "--detailed-exitcode"]).expect(0);
    let new_subnet = ids(&p.state(), "ec2_subnet")["ec2_subnet.public_2"].clone();
    assert_ne!(new_subnet, old_subnet);
    block_on(async {
        let ec2 = aws_sdk_ec2::Client::new(&moto.sdk().await);
        let s = ec2
            .describe_subnets()
            .subnet_ids(&new_subnet)
            .send()
            .await
            .unwrap();
        assert_eq!(s.subnets()[0].cidr_block(), Some("10.0.22.0/24"));
        let old = ec2.describe_subnets().subnet_ids(&old_subnet).send().await;
        assert!(
            old.is_err() || old.unwrap().subnets().is_empty(),
            "the old subnet is gone"
        );
    });
    assert_eq!(
        inventory::counts(&block_on(inventory::slice(&moto, "e2e"))),
        inventory::expected_slice()
    );

    // Destroy: nothing remains, and the state holds no resources.
    p.run(&["destroy", "--force"]).expect(0);
    let inv = block_on(inventory::slice(&moto, "e2e"));
    assert!(inv.values().all(Vec::is_empty), "left behind: {inv:#?}");
    let state = p.state();
    assert_eq!(state["resources"], json!([]));
    assert_eq!(state["outputs"], json!({}));
}
