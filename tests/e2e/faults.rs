//! Applies through a hostile network: a loopback proxy answers 30% of the
//! requests with the service's own throttling error, 5% with a 503 and drops
//! 2% of the connections. The slice and the whole platform must still be
//! built exactly, every retry must show in the summary and in `-v`, and a
//! second plan (through the same proxy) must find nothing to do.

use std::collections::BTreeMap;

use super::harness::{block_on, Moto, Project, BASE_CONFIG, SLICE};
use super::inventory::{self, Inventory};
use super::proxy::{chaos, Proxy};

/// A number printed before `label` in `text` ("12 SDK retries" → 12).
fn number_before(text: &str, label: &str) -> u64 {
    let at = text
        .find(label)
        .unwrap_or_else(|| panic!("no {label:?} in:\n{text}"));
    text[..at]
        .split_whitespace()
        .last()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no number before {label:?} in:\n{text}"))
}

fn apply_through_chaos(
    config: &str,
    expected: BTreeMap<&'static str, usize>,
    list: impl Fn(&Moto) -> Inventory,
) {
    let moto = Moto::start();
    let (rule, counts) = chaos(0.30, 0.05, 0.02, 4);
    let proxy = Proxy::start(&moto.url, rule);
    let p = Project::new(&proxy.url, config);

    let run = p.run(&["apply", "-v"]).expect(0);
    let seen = counts.lock().unwrap().clone();
    let total = seen.requests as f64;
    println!(
        "{} requests: {} throttled {:?}, {} answered 503, {} dropped",
        seen.requests, seen.throttled, seen.throttled_by_service, seen.unavailable, seen.dropped
    );
    // The shares asked for, to within a few requests: a fault that falls
    // due on a call's fifth attempt goes to the next request, and the run
    // can end first.
    assert!(seen.throttled as f64 >= 0.30 * total - 3.0, "{seen:?}");
    assert!(seen.unavailable as f64 >= 0.05 * total - 3.0, "{seen:?}");
    assert!(seen.dropped > 0, "{seen:?}");
    // Every service called was throttled at least once, in its own shape.
    let throttled: Vec<_> = seen.throttled_by_service.keys().cloned().collect();
    let called: Vec<_> = seen.services.iter().cloned().collect();
    assert_eq!(throttled, called, "{seen:?}");

    for line in run
        .stdout
        .lines()
        .filter(|l| l.starts_with("Apply complete") || l.starts_with("SDK retries by service"))
    {
        println!("{line}");
    }
    // Every fault cost exactly one SDK retry, and the summary says so.
    let retries = number_before(&run.stdout, " SDK retries,");
    assert_eq!(
        retries as usize,
        seen.throttled + seen.unavailable + seen.dropped,
        "{}",
        run.stdout
    );
    let calls = number_before(&run.stdout, " API calls,");
    assert_eq!(calls as usize, seen.requests, "{}", run.stdout);
    assert!(
        run.stdout.contains("SDK retries by service: "),
        "{}",
        run.stdout
    );
    // -v names each retry and why.
    let logged = run.stderr.matches("retrying ").count();
    assert!(logged as u64 >= retries, "{logged} < {retries}");
    assert!(
        run.stderr.contains("after HTTP 503 RequestLimitExceeded")
            && run.stderr.contains("after HTTP 400 Throttling")
            && run.stderr.contains("after HTTP 400 ThrottlingException"),
        "{}",
        run.stderr
    );

    // Exactly what was asked for, listed through the SDK.
    let inv = list(&moto);
    assert_eq!(inventory::counts(&inv), expected);
    for (kind, addrs) in &inv {
        let mut unique = addrs.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), addrs.len(), "duplicate {kind}: {addrs:?}");
    }
    // Nothing left to do, planned through the same faults.
    p.run(&["plan", "--detailed-exitcode"]).expect(0);
}

#[test]
fn slice_applies_through_throttling_503s_and_dropped_connections() {
    apply_through_chaos(
        &BASE_CONFIG.replace("[backup]", &format!("{SLICE}[backup]")),
        inventory::expected_slice(),
        |m| block_on(inventory::slice(m, "e2e")),
    );
}

#[test]
fn platform_applies_through_throttling_503s_and_dropped_connections() {
    apply_through_chaos(BASE_CONFIG, inventory::expected_platform(), |m| {
        block_on(inventory::platform(m, "e2e"))
    });
}
