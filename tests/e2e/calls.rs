//! How many AWS round trips a no-change plan and a drift run wait for,
//! counted by a proxy that adds 50 ms to every call: the reads of one
//! refresh run at once, and so do the reads inside one resource's read.

use std::sync::Arc;
use std::time::Duration;

use super::harness::{Moto, Project, BASE_CONFIG};
use super::proxy::Proxy;

/// The goal for the whole serverless platform: caller identity,
/// the bulk tag read's pages, then each resource's existence read and the
/// reads that follow it.
const MAX_ROUND_TRIPS: usize = 6;

#[test]
fn a_no_change_plan_and_drift_wait_for_at_most_six_round_trips() {
    let moto = Moto::start();
    let proxy = Proxy::start_with(
        &moto.url,
        Arc::new(|_| None),
        Arc::new(|_| Duration::from_millis(50)),
    );
    let p = Project::new(&proxy.url, BASE_CONFIG);
    p.run(&["apply"]).expect(0);
    for command in [&["plan", "--detailed-exitcode"][..], &["drift"]] {
        let mark = proxy.log.lock().unwrap().len();
        p.run(command).expect(0);
        let calls = proxy.log.lock().unwrap().len() - mark;
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
