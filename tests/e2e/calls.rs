//! How many AWS calls and round trips a no-change plan and a drift run
//! make, counted by a proxy (not by hcprov's own counter). Calls: each
//! service within the platform's budget, derived below from the reads
//! each resource type needs (the README's per-type list). Round trips,
//! behind a proxy that adds 250 ms to every call: the reads of one refresh
//! run at once, and so do the reads inside one resource's read.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::harness::{Moto, Project, BASE_CONFIG};
use super::proxy::Proxy;

/// The goal for the whole serverless platform: caller identity,
/// the bulk tag read's pages, then each resource's existence read and the
/// reads that follow it.
const MAX_ROUND_TRIPS: usize = 6;

/// The latency the proxy adds to each call of the measured runs: long
/// enough that a loaded machine's scheduling delays (a thread started
/// late, moto answering slowly) cannot make two calls sent together look
/// like one after the other.
const LATENCY: Duration = Duration::from_millis(250);

#[test]
fn a_no_change_plan_and_drift_wait_for_at_most_six_round_trips() {
    let moto = Moto::start();
    // No latency while the platform is applied; LATENCY for the runs measured.
    let slow = Arc::new(AtomicBool::new(false));
    let delay = slow.clone();
    let proxy = Proxy::start_with(
        &moto.url,
        Arc::new(|_| None),
        Arc::new(move |_| {
            if delay.load(Ordering::SeqCst) {
                LATENCY
            } else {
                Duration::ZERO
            }
        }),
    );
    let p = Project::new(&proxy.url, BASE_CONFIG);
    p.run(&["apply"]).expect(0);
    slow.store(true, Ordering::SeqCst);
    for command in [&["plan", "--detailed-exitcode"][..], &["drift"]] {
        let mark = proxy.log.lock().unwrap().len();
        p.run(command).expect(0);
        let calls = proxy.log.lock().unwrap().len() - mark;
        within(
            &format!("serverless {}", command[0]),
            &by_service(&proxy, mark),
            SERVERLESS,
        );
        let (chain, span) = proxy.round_trips(mark);
        println!(
            "{}: {calls} calls in {} round trips ({span:.0} ms from the first sent to the last answered): {}",
            command[0],
            chain.len(),
            chain.join(" -> ")
        );
        assert!(
            chain.len() <= MAX_ROUND_TRIPS,
            "{}: {} round trips, at most {MAX_ROUND_TRIPS}: {}",
            command[0],
            chain.len(),
            chain.join(" -> ")
        );
    }
}

/// The calls per service of each run after the first `mark`, as the proxy
/// saw them.
pub(super) fn by_service(proxy: &Proxy, mark: usize) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for (_, service) in proxy.log.lock().unwrap().iter().skip(mark) {
        *m.entry(service.clone()).or_insert(0) += 1;
    }
    m
}

/// Asserts that every service was called at most its `budget` (a service
/// the budget does not name, never).
pub(super) fn within(what: &str, counted: &BTreeMap<String, usize>, budget: &[(&str, usize)]) {
    let total: usize = counted.values().sum();
    println!("{what}: {total} calls: {counted:?}");
    for (service, n) in counted {
        let allowed = budget.iter().find(|(s, _)| s == service).map_or(0, |b| b.1);
        assert!(
            *n <= allowed,
            "{what}: {service} was called {n} times, its budget is {allowed}: {counted:?}"
        );
    }
}

/// The serverless platform (70 resources): 93 calls.
pub(super) const SERVERLESS: &[(&str, usize)] = &[
    // Who the credentials are, once a run.
    ("sts", 1),
    // The bulk tag read, paged: moto pages at 100 tags, AWS at its own
    // page size.
    ("tagging", 2),
    // One Describe per EC2 type (subnets, gateways, addresses, NAT
    // gateways, route tables, associations, security groups, endpoints,
    // flow logs: 9), and the VPC: DescribeVpcs and its two DNS attributes.
    ("ec2", 12),
    // 5 roles: GetRole each; their policies and attachments from one
    // GetAccountAuthorizationDetails.
    ("iam", 6),
    // The key: DescribeKey, rotation, policy, grants (tags from the bulk
    // read); the alias: ListAliases.
    ("kms", 5),
    // 3 functions: GetFunction, GetPolicy (shared with the permissions),
    // versions, aliases, URL.
    ("lambda", 15),
    // 4 log groups: DescribeLogGroups and subscription filters (tags from
    // the bulk read).
    ("logs", 8),
    // 2 buckets: tags, ownership, replication, notifications, inventories,
    // and lifecycle on the one without a lifecycle node (11); encryption,
    // lifecycle, versioning, 2 policies, 2 public access blocks (7).
    ("s3", 18),
    // The table: DescribeTable, continuous backups, TTL, resource policy,
    // Kinesis destinations, tags.
    ("dynamodb", 6),
    // The trail: DescribeTrails, status, tags, event selectors.
    ("cloudtrail", 4),
    // The vault and the plan: a read and a tag listing each (the test
    // configuration selects no resources: no selection).
    ("backup", 4),
    // The REST API, its one resource listing (methods and integrations
    // embedded), the deployment and the stage.
    ("apigateway", 4),
    // The rule: DescribeRule, targets (shared with the target), tags.
    ("events", 3),
    // 5 alarms: one DescribeAlarms (tags from the bulk read); the
    // dashboard: GetDashboard.
    ("monitoring", 2),
    // The topic: attributes, data-protection policy, tags.
    ("sns", 3),
];

/// `aurora-redis-api` (48 resources): 64 calls.
pub(super) const AURORA: &[(&str, usize)] = &[
    ("sts", 1),
    ("tagging", 2),
    // The VPC (3), and one Describe each for subnets, the gateway, route
    // tables, associations, security groups, their rules, endpoints and
    // flow logs.
    ("ec2", 11),
    // 2 roles, and the account-wide policy read.
    ("iam", 3),
    ("kms", 5),
    // 1 function.
    ("lambda", 5),
    // 4 log groups.
    ("logs", 8),
    // The bucket (tags, ownership, lifecycle, replication, notifications,
    // inventories), its policy and its public access block.
    ("s3", 8),
    ("cloudtrail", 4),
    // The HTTP API, its integration, 2 routes and the stage: one read each
    // (tags come with each answer).
    ("apigateway", 5),
    // The replication group: DescribeReplicationGroups, its clusters and
    // tags; the subnet group: its read and tags.
    ("elasticache", 5),
    // DescribeDBClusters (tags in the answer) and the cluster's snapshots;
    // DescribeDBInstances for both instances; the subnet group and its tags.
    ("rds", 5),
    // The secret: DescribeSecret and its resource policy.
    ("secretsmanager", 2),
];

/// `multi-region-dr` (123 resources, two regions): 156 calls.
pub(super) const DR: &[(&str, usize)] = &[
    ("sts", 1),
    // The bulk tag read in each region (two moto pages each).
    ("tagging", 4),
    // Per region, the VPC (3) and one Describe each for subnets, the
    // gateway, route tables, associations, security groups, endpoints and
    // flow logs (7); the peering connection.
    ("ec2", 21),
    // 5 roles, and the account-wide policy read (IAM is global: once).
    ("iam", 6),
    // 2 keys (4 each), the alias listing in each region.
    ("kms", 10),
    // 2 functions.
    ("lambda", 10),
    // 6 log groups.
    ("logs", 12),
    // 3 buckets (6 each, less the replication read of the bucket whose
    // replication is its own node), 2 encryption, 3 policies, 3 public
    // access blocks, 1 replication, 2 versioning.
    ("s3", 28),
    ("cloudtrail", 4),
    // 2 tables (6 each) and each one's replica's PITR, read in its region.
    ("dynamodb", 14),
    // 2 APIs, 2 integrations, 4 routes, 2 stages, 4 domain names, 4
    // mappings: one read each.
    ("apigateway", 18),
    // DescribeAlarms in each region (tags from the bulk read), 2 dashboards.
    ("monitoring", 4),
    // 2 topics (3 each).
    ("sns", 6),
    // 2 certificates (read and tags), 2 validations (one read).
    ("acm", 6),
    // The zone and 2 health checks (read and tags each), 6 records.
    ("route53", 12),
];
