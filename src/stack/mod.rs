//! The healthcare blueprint, built from `hcprov.toml`: the desired graph of
//! nodes and the stack's outputs. Pure data: nothing here talks to AWS.

mod api;
mod aurora;
mod backup;
mod compute;
mod dr;
mod monitoring;
mod networking;
mod pins;
mod security;
pub mod sets;
mod storage;

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use crate::aws::tags::{ADDRESS_TAG, GUARD_TAG, LINEAGE_TAG};
use crate::config::Config;
use crate::engine::graph::Node;

pub use crate::engine::value::{join, reference};

/// The desired nodes and outputs.
#[derive(Debug, Clone)]
pub struct Blueprint {
    /// Every desired resource.
    pub nodes: Vec<Node>,
    /// Output name → value (references resolved after apply).
    pub outputs: BTreeMap<String, Value>,
}

impl Blueprint {
    /// Adds the lineage tag next to every address tag: each object is made
    /// for one state's history, and an interrupted create is found by both.
    pub fn stamp_lineage(&mut self, lineage: &str) {
        for n in &mut self.nodes {
            if let Some(Value::Object(tags)) = n.attrs_mut().get_mut("tags") {
                if tags.contains_key(ADDRESS_TAG) {
                    tags.insert(LINEAGE_TAG.into(), json!(lineage));
                }
            }
        }
    }
}

/// The account the stack is built in (policies name it and its
/// partition) and the availability zones its subnets use there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The account id.
    pub id: String,
    /// The ARN partition (`aws`, `aws-cn`, `aws-us-gov`).
    pub partition: String,
    /// Full zone names (`us-east-1a`), one per subnet pair.
    pub zones: Vec<String>,
    /// The zones of the secondary region (`multi-region-dr`), else empty.
    pub secondary_zones: Vec<String>,
}

/// Collects nodes, adding default tags, a `Name` tag and the address tag.
pub struct Builder<'a> {
    /// The configuration.
    pub cfg: &'a Config,
    /// The account.
    pub account: &'a Account,
    /// The region new nodes are placed in (the configured one unless a
    /// part of a two-region stack says otherwise).
    pub region: String,
    nodes: Vec<Node>,
    outputs: BTreeMap<String, Value>,
}

impl<'a> Builder<'a> {
    fn new(cfg: &'a Config, account: &'a Account) -> Self {
        Builder {
            cfg,
            account,
            region: cfg.region.clone(),
            nodes: vec![],
            outputs: BTreeMap::new(),
        }
    }

    /// `arn:<partition>:<service>:<region>:<account>:<resource>` in the
    /// stack's region.
    pub fn arn(&self, service: &str, resource: &str) -> String {
        format!(
            "arn:{}:{service}:{}:{}:{resource}",
            self.account.partition, self.region, self.account.id
        )
    }

    /// A globally unique bucket name: `<base>-<environment>-<suffix>`, the
    /// suffix being `[storage] bucket_suffix` or `<account id>-<region>`.
    pub fn bucket_name(&self, base: &str) -> Result<String, String> {
        let suffix = match &self.cfg.storage.bucket_suffix {
            Some(s) => s.clone(),
            None => format!("{}-{}", self.account.id, self.region),
        };
        let name = format!("{}-{suffix}", self.name(base));
        if name.len() > 63 {
            return Err(format!(
                "the S3 bucket name {name} is {} characters, and S3 allows 63: set a shorter `[storage] bucket_suffix` (or environment) in hcprov.toml",
                name.len()
            ));
        }
        Ok(name)
    }

    /// A bucket's ARN (S3 ARNs name neither region nor account).
    pub fn bucket_arn(&self, bucket: &str) -> String {
        format!("arn:{}:s3:::{bucket}", self.account.partition)
    }

    /// The trust policy letting `service` assume a role on behalf of this
    /// account only: the confused-deputy guard AWS recommends. With
    /// `source_arn` (a service documented to send both keys, such as VPC
    /// flow logs), both are required. Without it, `aws:SourceAccount` is
    /// checked whenever the service sends it (`StringEqualsIfExists`): a
    /// request naming another account is refused, and a service that sends
    /// no source context can still assume its role.
    pub fn trust_policy(&self, service: &str, source_arn: Option<&str>) -> Value {
        let condition = match source_arn {
            Some(arn) => json!({
                "StringEquals": {"aws:SourceAccount": self.account.id},
                "ArnLike": {"aws:SourceArn": arn},
            }),
            None => json!({"StringEqualsIfExists": {"aws:SourceAccount": self.account.id}}),
        };
        json!({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole", "Condition": condition}],
        })
    }

    /// The DNS suffix of service endpoints and regional principals in the
    /// partition (`amazonaws.com`, `amazonaws.com.cn` in China).
    pub fn dns_suffix(&self) -> &'static str {
        if self.account.partition == "aws-cn" {
            "amazonaws.com.cn"
        } else {
            "amazonaws.com"
        }
    }

    /// `base-<environment>`.
    pub fn name(&self, base: &str) -> String {
        format!("{base}-{}", self.cfg.environment)
    }

    /// Adds an untaggable node; returns its address.
    pub fn plain(&mut self, kind: &str, name: &str, attrs: Value) -> String {
        let node = Node::new(kind, name, &self.region, attrs);
        let address = node.address.clone();
        self.nodes.push(node);
        address
    }

    /// Adds a taggable node with the default tags, the address tag and, when
    /// given, a `Name` tag; returns its address.
    pub fn tagged(
        &mut self,
        kind: &str,
        name: &str,
        name_tag: Option<&str>,
        attrs: Value,
    ) -> String {
        let address = format!("{kind}.{name}");
        let mut tags: Map<String, Value> = self
            .cfg
            .tags
            .iter()
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect();
        if let Some(n) = name_tag {
            tags.insert("Name".into(), json!(n));
        }
        tags.insert(ADDRESS_TAG.into(), json!(address));
        let mut attrs = attrs;
        attrs["tags"] = Value::Object(tags);
        self.plain(kind, name, attrs)
    }

    /// Marks the tagged node at `address` as one that watches or protects
    /// the platform (`what`: flow logs, backups, remediation). Apply then
    /// undoes every change made to it outside hcprov, the ones it keeps on
    /// other roles and functions as an incident response (a deny-only
    /// policy, a permissions boundary, concurrency 0) included: switching
    /// off a guard is what an intruder would do first.
    pub fn guards(&mut self, address: &str, what: &str) {
        if let Some(n) = self.nodes.iter_mut().find(|n| n.address == address) {
            if let Some(Value::Object(tags)) = n.attrs_mut().get_mut("tags") {
                tags.insert(GUARD_TAG.into(), json!(what));
            }
        }
    }

    /// Adds an explicit ordering edge to the node at `address`.
    pub fn depends_on(&mut self, address: &str, on: &str) {
        if let Some(n) = self.nodes.iter_mut().find(|n| n.address == address) {
            n.depends_on.push(on.to_string());
        }
    }

    /// Declares a stack output.
    pub fn output(&mut self, name: &str, value: Value) {
        self.outputs.insert(name.into(), value);
    }
}

/// The zones the state's public subnets are in, one per subnet pair, when
/// the state holds all `n` of them: a stack keeps its zones, whatever AWS's
/// list of available zones says later.
pub fn zones_in_use(
    state: &crate::engine::state::State,
    prefix: &str,
    n: usize,
) -> Option<Vec<String>> {
    (1..=n)
        .map(|i| {
            let subnet = state
                .resources
                .get(&format!("ec2_subnet.{prefix}public_{i}"))?;
            let az = subnet.attributes.get("availability_zone")?;
            Some(az.as_str()?.to_string())
        })
        .collect()
}

/// Builds the blueprint for `cfg` in `account`; fails when the Lambda
/// handlers cannot be packaged.
pub fn blueprint(cfg: &Config, account: &Account) -> Result<Blueprint, String> {
    // Config validation guarantees each part's prerequisites are present.
    let mut b = Builder::new(cfg, account);
    if cfg.is("multi-region-dr") {
        dr::build(&mut b)?;
    } else if cfg.is("aurora-redis-api") {
        aurora::build(&mut b)?;
    } else {
        serverless(&mut b)?;
    }
    pins::apply(&mut b.nodes, account, cfg);
    sets::declare(&mut b.nodes, &cfg.sets.shared)?;
    Ok(Blueprint {
        nodes: b.nodes,
        outputs: b.outputs,
    })
}

/// The serverless API platform (seeds 001 and 003), part by part.
fn serverless(b: &mut Builder) -> Result<(), String> {
    let cfg = b.cfg;
    let sec = cfg.has("security").then(|| security::build(b));
    let key = sec.as_ref().map(|s| s.key.as_str());
    let net = cfg.has("networking").then(|| networking::build(b, key));
    let storage = match &sec {
        Some(sec) if cfg.has("storage") => Some(storage::build(b, &sec.key)?),
        _ => None,
    };
    let compute = match (&net, &sec, &storage) {
        (Some(net), Some(sec), Some(storage)) if cfg.has("compute") => {
            Some(compute::build(b, net, sec, storage)?)
        }
        _ => None,
    };
    let api = match &compute {
        Some(compute) if cfg.has("api") => Some(api::build(b, compute)),
        _ => None,
    };
    if let (Some(sec), Some(compute), Some(storage), Some(api)) = (&sec, &compute, &storage, &api) {
        if cfg.has("monitoring") {
            monitoring::build(b, &sec.key, compute, storage, api);
        }
    }
    if let (Some(sec), Some(storage)) = (&sec, &storage) {
        if cfg.has("backup") {
            backup::build(b, sec, storage);
        }
    }
    Ok(())
}

/// The account the unit tests build in.
#[cfg(test)]
pub fn test_account() -> Account {
    Account {
        id: "123456789012".into(),
        partition: "aws".into(),
        zones: vec!["us-east-1a".into(), "us-east-1b".into()],
        secondary_zones: vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::graph::Graph;

    #[test]
    fn blueprint_is_a_valid_graph_with_tags_everywhere_taggable() {
        let text = format!("environment = \"t1\"\nregion = \"us-east-1\"\n[compute]\nlambda_source = \"{}/lambdas\"\n", env!("CARGO_MANIFEST_DIR"));
        let cfg = Config::parse(std::path::Path::new("t.toml"), &text, None, None).unwrap();
        let bp = blueprint(&cfg, &test_account()).unwrap();
        let g = Graph::build(bp.nodes.clone()).unwrap();
        assert_eq!(g.nodes().len(), 71);
        let mut no_selection = cfg.clone();
        no_selection.backup.select_resources = false;
        assert_eq!(
            blueprint(&no_selection, &test_account())
                .unwrap()
                .nodes
                .len(),
            70
        );
        let mut slice = cfg.clone();
        slice.stack.components = vec!["networking".into(), "security".into()];
        assert_eq!(blueprint(&slice, &test_account()).unwrap().nodes.len(), 24);
        let vpc = g.get("ec2_vpc.main").unwrap();
        assert_eq!(vpc.attrs()["tags"]["Name"], json!("healthcare-vpc-t1"));
        assert_eq!(vpc.attrs()["tags"][ADDRESS_TAG], json!("ec2_vpc.main"));
        assert_eq!(vpc.attrs()["tags"]["Environment"], json!("t1"));
        // Every tagged node gets the lineage tag, untagged ones stay bare.
        let mut stamped = bp.clone();
        stamped.stamp_lineage("l-1");
        let tagged = stamped
            .nodes
            .iter()
            .filter(|n| n.attrs().get("tags").is_some())
            .inspect(|n| {
                assert_eq!(
                    n.attrs()["tags"][LINEAGE_TAG],
                    json!("l-1"),
                    "{}",
                    n.address
                )
            })
            .count();
        assert!(tagged > 40, "{tagged}");
        let assoc = stamped
            .nodes
            .iter()
            .find(|n| n.address == "ec2_route_table_association.private_1")
            .unwrap();
        assert!(assoc.attrs().get("tags").is_none());
        let assoc = g.get("ec2_route_table_association.private_1").unwrap();
        assert_eq!(
            assoc.dependencies(),
            vec!["ec2_route_table.private", "ec2_subnet.private_1"]
        );
    }

    #[test]
    fn a_stack_keeps_the_zones_its_subnets_are_in() {
        use crate::engine::state::{ResourceState, State};
        let mut state = State::new("t1");
        assert_eq!(zones_in_use(&state, "", 2), None, "a new stack asks AWS");
        for (i, az) in [(1, "us-east-1d"), (2, "us-east-1f")] {
            let address = format!("ec2_subnet.public_{i}");
            state.resources.insert(
                address.clone(),
                ResourceState {
                    address,
                    kind: "ec2_subnet".into(),
                    region: "us-east-1".into(),
                    id: format!("subnet-{i}"),
                    attributes: json!({"availability_zone": az}).as_object().unwrap().into(),
                    outputs: Default::default(),
                    dependencies: vec![],
                },
            );
        }
        assert_eq!(
            zones_in_use(&state, "", 2),
            Some(vec!["us-east-1d".to_string(), "us-east-1f".to_string()])
        );
        assert_eq!(
            zones_in_use(&state, "", 3),
            None,
            "a third zone is new: ask AWS"
        );
        let bp = blueprint(
            &Config::parse(std::path::Path::new("t.toml"), &format!("environment = \"t1\"\nregion = \"us-east-1\"\n[compute]\nlambda_source = \"{}/lambdas\"\n", env!("CARGO_MANIFEST_DIR")), None, None).unwrap(),
            &Account { zones: zones_in_use(&state, "", 2).unwrap(), ..test_account() },
        )
        .unwrap();
        let subnet = bp
            .nodes
            .iter()
            .find(|n| n.address == "ec2_subnet.private_2")
            .unwrap();
        assert_eq!(subnet.attrs()["availability_zone"], json!("us-east-1f"));
    }

    #[test]
    fn roles_are_least_privilege_and_protections_are_on() {
        let text = format!("environment = \"t1\"\nregion = \"us-east-1\"\n[compute]\nlambda_source = \"{}/lambdas\"\n", env!("CARGO_MANIFEST_DIR"));
        let cfg = Config::parse(std::path::Path::new("t.toml"), &text, None, None).unwrap();
        let bp = blueprint(&cfg, &test_account()).unwrap();
        let node = |a: &str| {
            bp.nodes
                .iter()
                .find(|n| n.address == a)
                .unwrap()
                .attrs()
                .clone()
        };
        // One role per function; the VPC access policy only on the VPC one.
        let roles: Vec<String> = ["data_processor", "health_check", "remediation"]
            .iter()
            .map(|f| node(&format!("lambda_function.{f}"))["role"].to_string())
            .collect();
        assert_eq!(
            roles
                .iter()
                .collect::<std::collections::BTreeSet<_>>()
                .len(),
            3
        );
        let vpc: Vec<&str> = bp
            .nodes
            .iter()
            .filter(|n| {
                n.attrs().get("policy_arn").is_some_and(|p| {
                    p.as_str()
                        .unwrap()
                        .ends_with("AWSLambdaVPCAccessExecutionRole")
                })
            })
            .map(|n| n.address.as_str())
            .collect();
        assert_eq!(vpc, ["iam_role_policy_attachment.data_processor_vpc"]);
        // No statement grants every resource without a condition, and no ARN
        // leaves account or region open.
        for n in bp.nodes.iter().filter(|n| n.kind() == "iam_role_policy") {
            for st in n.attrs()["policy"]["Statement"].as_array().unwrap() {
                let text = st["Resource"].to_string();
                assert!(!text.contains(":*:"), "{}: {text}", n.address);
                if st["Resource"] == json!("*") {
                    assert!(st.get("Condition").is_some(), "{}: {st}", n.address);
                }
            }
        }
        // Trust policies are limited to the account.
        for n in bp.nodes.iter().filter(|n| n.kind() == "iam_role") {
            let c = &n.attrs()["assume_role_policy"]["Statement"][0]["Condition"];
            let account = c["StringEquals"]["aws:SourceAccount"]
                .as_str()
                .or(c["StringEqualsIfExists"]["aws:SourceAccount"].as_str());
            assert_eq!(account, Some("123456789012"), "{}", n.address);
        }
        assert_eq!(
            node("apigateway_method.patients_post")["authorization"],
            json!("AWS_IAM")
        );
        for b in ["data", "cloudtrail"] {
            let p = node(&format!("s3_bucket_policy.{b}"))["policy"].to_string();
            assert!(p.contains("aws:SecureTransport"), "{b}: {p}");
            assert_eq!(
                node(&format!("s3_bucket.{b}"))["force_destroy"],
                json!(false)
            );
        }
        let trail = node("cloudtrail_trail.main");
        assert_eq!(trail["enable_log_file_validation"], json!(true));
        assert!(trail["kms_key_id"].to_string().contains("kms_key.main"));
        let key = node("kms_key.main");
        let sids: Vec<&str> = key["policy"]["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["Sid"].as_str().unwrap())
            .collect();
        assert_eq!(sids.len(), 5, "{sids:?}");
        assert!(node("sns_topic.alerts")["kms_master_key_id"]
            .to_string()
            .contains("kms_key.main"));
        for n in bp.nodes.iter().filter(|n| n.kind() == "logs_log_group") {
            assert!(
                n.attrs()["kms_key_id"].to_string().contains("kms_key.main"),
                "{}",
                n.address
            );
        }
        // A replaced function (a new invoke ARN) replaces the deployment.
        let triggers = node("apigateway_deployment.main")["triggers"].clone();
        assert!(
            triggers["integration_uri"]
                .to_string()
                .contains("lambda_function.data_processor"),
            "{triggers}"
        );
        let mut disposable = cfg.clone();
        disposable.disposable = true;
        let bp = blueprint(&disposable, &test_account()).unwrap();
        let data = bp
            .nodes
            .iter()
            .find(|n| n.address == "s3_bucket.data")
            .unwrap();
        assert_eq!(data.attrs()["force_destroy"], json!(true));
    }
}
