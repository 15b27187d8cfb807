//! `hcprov import`: a VPC and a bucket made outside hcprov are brought
//! under it; the next plan shows only tag changes for them, never a create;
//! apply, then drift is clean. Bad imports are one line and no change.

use serde_json::Value;

use super::harness::{block_on, id, Moto, Project, BASE_CONFIG};

fn change<'a>(plan: &'a Value, address: &str) -> &'a Value {
    plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == address)
        .unwrap_or_else(|| panic!("{address} not planned"))
}

const OTHERS: &str = "healthcare-cloudtrail-e2e-123456789012-us-east-1";

#[test]
fn objects_made_by_hand_are_imported_and_planned_as_tag_changes_only() {
    let moto = Moto::start();
    let p = Project::new(&moto.url, BASE_CONFIG);
    let bucket = "healthcare-data-e2e-123456789012-us-east-1";
    let vpc = block_on(async {
        let sdk = moto.sdk().await;
        let ec2 = aws_sdk_ec2::Client::new(&sdk);
        let vpc = ec2
            .create_vpc()
            .cidr_block("10.0.0.0/16")
            .send()
            .await
            .unwrap()
            .vpc()
            .unwrap()
            .vpc_id()
            .unwrap()
            .to_string();
        for (support, hostnames) in [(true, false), (false, true)] {
            let on = aws_sdk_ec2::types::AttributeBooleanValue::builder()
                .value(true)
                .build();
            let mut m = ec2.modify_vpc_attribute().vpc_id(&vpc);
            if support {
                m = m.enable_dns_support(on.clone());
            }
            if hostnames {
                m = m.enable_dns_hostnames(on);
            }
            m.send().await.unwrap();
        }
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&sdk)
                .force_path_style(true)
                .build(),
        );
        s3.create_bucket().bucket(bucket).send().await.unwrap();
        // Another hcprov environment's bucket.
        s3.create_bucket().bucket(OTHERS).send().await.unwrap();
        s3.put_bucket_tagging()
            .bucket(OTHERS)
            .tagging(
                aws_sdk_s3::types::Tagging::builder()
                    .tag_set(
                        aws_sdk_s3::types::Tag::builder()
                            .key("hcprov:lineage")
                            .value("another-lineage")
                            .build()
                            .unwrap(),
                    )
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
        vpc
    });

    let out = p.run(&["import", "ec2_vpc.main", &vpc]).expect(0);
    assert!(
        out.stdout
            .contains(&format!("Imported {vpc} as ec2_vpc.main")),
        "{}",
        out.stdout
    );
    p.run(&["import", "s3_bucket.data", bucket]).expect(0);
    let before = std::fs::read(p.state_path()).unwrap();

    // One line and no change for each bad import.
    for (args, needle) in [
        (
            vec!["import", "ec2_vpc.main", &vpc],
            "the state already manages ec2_vpc.main",
        ),
        (
            vec!["import", "s3_bucket.cloudtrail", bucket],
            "is already managed as s3_bucket.data",
        ),
        (
            vec!["import", "s3_bucket.cloudtrail", "no-such-bucket-e2e"],
            "there is no s3_bucket with id no-such-bucket-e2e",
        ),
        (
            vec!["import", "ec2_vpc.other", &vpc],
            "ec2_vpc.other is not part of the configuration",
        ),
        (
            vec!["import", "s3_bucket.cloudtrail", OTHERS],
            "belongs to another hcprov state (lineage another-lineage)",
        ),
        (
            vec!["import", "apigateway_deployment.main", "abc123"],
            "apigateway_deployment cannot be imported",
        ),
    ] {
        let r = p.run(&args).expect(1);
        assert!(r.stderr.contains(needle), "{args:?}: {}", r.stderr);
        assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
        assert_eq!(std::fs::read(p.state_path()).unwrap(), before, "{args:?}");
    }

    // The plan: tag changes only for the imported two, creates for the rest.
    let plan = p.run(&["plan", "--json"]).expect(0).json();
    for address in ["ec2_vpc.main", "s3_bucket.data"] {
        let c = change(&plan, address);
        assert_eq!(c["action"], "update", "{address}: {c}");
        let attrs: Vec<&str> = c["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["name"].as_str().unwrap())
            .collect();
        assert_eq!(attrs, ["tags"], "{address}");
    }
    assert_eq!(change(&plan, "ec2_subnet.private_1")["action"], "create");
    // What existed before hcprov is protected, even in a configuration that
    // says disposable, until the protection is lifted on purpose.
    assert_eq!(p.state()["disposable"], false);
    let r = p.run(&["apply", "--auto-approve"]).expect(1);
    assert!(
        r.stderr.contains("hcprov apply --unprotect"),
        "{}",
        r.stderr
    );
    p.run(&["apply", "--auto-approve", "--unprotect"]).expect(0);
    assert_eq!(
        id(&p.state(), "ec2_vpc.main"),
        vpc,
        "the imported VPC, not a twin"
    );
    let vpcs = block_on(async {
        aws_sdk_ec2::Client::new(&moto.sdk().await)
            .describe_vpcs()
            .filters(
                aws_sdk_ec2::types::Filter::builder()
                    .name("cidr")
                    .values("10.0.0.0/16")
                    .build(),
            )
            .send()
            .await
            .unwrap()
            .vpcs()
            .len()
    });
    assert_eq!(vpcs, 1);
    p.run(&["drift"]).expect(0);
    p.run(&["destroy", "--force"]).expect(0);
}

/// Every resource of a platform forgotten and imported back by its id:
/// each type imports (or says why it cannot), and the plan afterwards has
/// nothing to do but remake what cannot be imported.
fn every_type_imports(config: &str) {
    let moto = Moto::start();
    let p = Project::new(&moto.url, config);
    p.run(&["apply", "--auto-approve"]).expect(0);
    let state = p.state();
    let mut refused = vec![];
    for r in state["resources"].as_array().unwrap() {
        let address = r["address"].as_str().unwrap();
        let rid = r["id"].as_str().unwrap();
        p.run(&["state", "rm", address]).expect(0);
        let out = p.run(&["import", address, rid]);
        if out.code != 0 {
            assert!(
                out.stderr.contains("cannot be imported"),
                "{address} ({rid}): {}",
                out.stderr
            );
            refused.push(address.to_string());
        }
    }
    let plan = p.run(&["plan", "--json"]).expect(0).json();
    for c in plan["changes"].as_array().unwrap() {
        let address = c["address"].as_str().unwrap();
        match c["action"].as_str().unwrap() {
            "no_op" => {}
            "create" => assert!(
                refused.iter().any(|r| r == address),
                "{address} would be created again"
            ),
            // Moving over to what is made again (a stage to a new
            // deployment), or redoing what only hcprov's own change sets
            // (the cache's token from its secret): an import never takes
            // that from what is there.
            "update" => assert!(
                c["dependencies"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|d| refused.iter().any(|r| d == r))
                    || c["attributes"].as_array().unwrap().iter().all(|a| {
                        ["auth_token_last_modified", "current_version"]
                            .contains(&a["name"].as_str().unwrap())
                            && a["after"].is_null()
                    }),
                "{address} differs after its import: {c}"
            ),
            other => panic!("{address}: {other} after importing every resource back"),
        }
    }
}

#[test]
fn every_serverless_resource_imports_back_by_its_id() {
    every_type_imports(BASE_CONFIG);
}

#[test]
fn every_aurora_and_dr_resource_imports_back_by_its_id() {
    for name in ["aurora-redis-api", "multi-region-dr"] {
        let path = format!("{}/examples/{name}.toml", env!("CARGO_MANIFEST_DIR"));
        every_type_imports(&super::examples::runnable(
            &std::fs::read_to_string(path).unwrap(),
        ));
    }
}
