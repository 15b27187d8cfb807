//! Crash safety: hcprov is killed with SIGKILL at 20 points spread across an
//! apply of the slice, each time on a fresh emulator. At even points the
//! request reached the emulator and its answer is lost (the object exists,
//! hcprov never heard of it); at odd points the request never left. Then the
//! user's way back: `apply` names the stale lock, `hcprov unlock` clears it,
//! `apply` completes. Afterwards the emulator must hold exactly one object
//! per desired resource (listed through the SDK by address tag), the state
//! must hold them all with nothing pending, and a plan must be empty.
//! A second test holds the dead run's CreateVpc until the re-run has made
//! its own, and checks that the late twin is found and deleted.

use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::harness::{block_on, Moto, Project, BASE_CONFIG, SLICE};
use super::inventory;
use super::proxy::{Phase, Proxy, Seen, Tap};

const KILL_POINTS: usize = 20;

fn slice_config() -> String {
    BASE_CONFIG.replace("[backup]", &format!("{SLICE}[backup]"))
}

/// Requests an uninterrupted apply of the slice makes.
fn requests_in_one_apply() -> usize {
    let moto = Moto::start();
    let proxy = Proxy::start(&moto.url, Arc::new(|_| None));
    let p = Project::new(&proxy.url, &slice_config());
    p.run(&["apply"]).expect(0);
    let n = proxy.log.lock().unwrap().len();
    n
}

/// SIGKILLs the apply whose pid is in `pid` (waiting for it to be set).
fn kill(pid: &AtomicI32) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while pid.load(SeqCst) == 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
    // SAFETY: kill(2) on the pid of a child this test spawned.
    unsafe { libc::kill(pid.load(SeqCst), libc::SIGKILL) };
}

/// Runs an apply of the slice through a proxy with `tap` in front of
/// `moto`, with its pid in `pid` for the tap to kill; returns once it ended.
fn apply_through_tap(
    moto: &Moto,
    pid: &AtomicI32,
    tap: Tap,
) -> (Proxy, Project, std::process::Output) {
    let proxy = Proxy::start_tapped(
        &moto.url,
        Arc::new(|_| None),
        Arc::new(|_| Duration::ZERO),
        tap,
    );
    let p = Project::new(&proxy.url, &slice_config());
    let child = p
        .command(&["apply"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    pid.store(child.id() as i32, SeqCst);
    let out = child.wait_with_output().unwrap();
    (proxy, p, out)
}

/// Waits until what a killed process sent has landed: nothing in flight
/// (`in_flight` counts forwarded requests not yet answered) and no request
/// arrived for 300 ms (one written just before the kill may not have been
/// read yet).
fn settle(proxy: &Proxy, in_flight: &AtomicI32) {
    let deadline = Instant::now() + Duration::from_secs(30);
    let quiet = || {
        proxy
            .log
            .lock()
            .unwrap()
            .last()
            .is_none_or(|(at, _)| at.elapsed() > Duration::from_millis(300))
    };
    while (in_flight.load(SeqCst) > 0 || !quiet()) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A number printed before `label` in `text`, or 0 when the label is absent.
fn count_before(text: &str, label: &str) -> u64 {
    text.find(label)
        .and_then(|at| text[..at].split_whitespace().last()?.parse().ok())
        .unwrap_or(0)
}

#[test]
fn sigkill_at_twenty_points_then_apply_leaves_exactly_one_of_each() {
    let total = requests_in_one_apply();
    assert!(total > 2 * KILL_POINTS, "{total} requests");
    let expected = inventory::expected_slice();
    let want: usize = expected.values().sum();
    let mut adopted_total = 0;
    let mut pending_total = 0;
    println!("an uninterrupted apply of the slice makes {total} requests");
    for k in 0..KILL_POINTS {
        // From the first request to the next-to-last, evenly.
        let at = 1 + k * (total - 2) / (KILL_POINTS - 1);
        let answered = k % 2 == 0;
        let moto = Moto::start();
        let pid = Arc::new(AtomicI32::new(0));
        let killed_at = Arc::new(AtomicUsize::new(0));
        // Requests forwarded and answered: the re-run waits until what the
        // dead process sent has landed (moto's first EC2 call can take two
        // seconds, longer than the re-run's search after its own create;
        // AWS is not that slow, and a human re-running is slower). The
        // test below covers a request that lands during the re-run.
        let in_flight = Arc::new(AtomicI32::new(0));
        let (pid_t, killed_t, flight_t) = (pid.clone(), killed_at.clone(), in_flight.clone());
        let tap = Arc::new(move |i: usize, _: &Seen, phase: Phase| {
            let when = if answered {
                Phase::Answered
            } else {
                Phase::Arrived
            };
            let forward = i != at || phase != when || answered;
            match phase {
                Phase::Arrived if forward => flight_t.fetch_add(1, SeqCst),
                Phase::Answered => flight_t.fetch_sub(1, SeqCst),
                _ => 0,
            };
            if i != at || phase != when {
                return true;
            }
            // Recorded first: the test reads it as soon as the process dies.
            killed_t.store(i, SeqCst);
            kill(&pid_t);
            // A request never sent is not forwarded either.
            answered
        });
        let (proxy, p, out) = apply_through_tap(&moto, &pid, tap);
        assert_eq!(
            out.status.signal(),
            Some(libc::SIGKILL),
            "point {k} (request {at}): the apply was not killed ({}, {} requests)\n{}\n{}",
            out.status,
            proxy.log.lock().unwrap().len(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(killed_at.load(SeqCst), at);
        settle(&proxy, &in_flight);

        // What the dead run left: a loadable state, and its lock.
        let (recorded, pending) = if p.state_path().exists() {
            let s = p.state();
            let pending = s["pending"].as_array().map_or(0, Vec::len);
            (s["resources"].as_array().unwrap().len(), pending)
        } else {
            (0, 0)
        };
        pending_total += pending;
        let before = std::fs::read(p.state_path()).ok();
        let refused = p.run(&["apply"]).expect(1);
        assert!(
            refused.stderr.contains("hcprov unlock"),
            "the stale lock is named with the command that clears it: {}",
            refused.stderr
        );
        assert_eq!(std::fs::read(p.state_path()).ok(), before, "untouched");
        p.run(&["unlock"]).expect(0);

        let rerun = p.run(&["apply"]).expect(0);
        let adopted = count_before(&rerun.stdout, "objects made by an interrupted run");
        adopted_total += adopted;

        let inv = block_on(inventory::slice(&moto, "e2e"));
        let mut duplicates = vec![];
        for (kind, addrs) in &inv {
            let mut unique = addrs.clone();
            unique.sort();
            unique.dedup();
            if unique.len() != addrs.len() {
                duplicates.push(format!("{kind}: {addrs:?}"));
            }
        }
        let found: usize = inv.values().map(Vec::len).sum();
        println!(
            "point {:2}: request {at:3} {} -> state had {recorded:2} resources and {pending} pending; \
             the re-run adopted {adopted}; the emulator holds {found} objects, {} duplicated",
            k + 1,
            if answered {
                "answered, answer lost"
            } else {
                "never sent          "
            },
            duplicates.len()
        );
        assert!(duplicates.is_empty(), "point {k}: {duplicates:?}");
        assert_eq!(inventory::counts(&inv), expected, "point {k}");
        let state = p.state();
        assert_eq!(state["resources"].as_array().unwrap().len(), want);
        assert!(state.get("pending").is_none(), "point {k}: {state}");
        p.run(&["plan", "--detailed-exitcode"]).expect(0);
    }
    println!(
        "{KILL_POINTS} kill points: {pending_total} pending creates left behind, {adopted_total} objects adopted, no duplicates, nothing unknown"
    );
    // The lost answers really happened and were recovered by adoption.
    assert!(adopted_total > 0);
}

/// The race the search after a recovering create closes: the dead run's
/// CreateVpc is held in the proxy while the run is killed, and released
/// only once the re-run's own CreateVpc has been answered by the emulator,
/// so the old request lands after the re-run looked for it and made its
/// own. The re-run must notice the twin and delete it.
#[test]
fn a_create_landing_after_the_rerun_looked_for_it_is_not_kept_twice() {
    let moto = Moto::start();
    let pid = Arc::new(AtomicI32::new(0));
    let held = Arc::new(AtomicUsize::new(0));
    let release = Arc::new(AtomicBool::new(false));
    let landed = Arc::new(AtomicBool::new(false));
    // Requests in flight other than the held one: the dead run's other
    // creates must land before the re-run, so that only the held one is late.
    let in_flight = Arc::new(AtomicI32::new(0));
    let (pid_t, held_t, release_t, landed_t, flight_t) = (
        pid.clone(),
        held.clone(),
        release.clone(),
        landed.clone(),
        in_flight.clone(),
    );
    let wait_for = |flag: &AtomicBool| {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !flag.load(SeqCst) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(2));
        }
    };
    let tap = Arc::new(move |i: usize, seen: &Seen, phase: Phase| {
        let vpc = seen.mentions("Action=CreateVpc");
        if vpc && phase == Phase::Arrived && held_t.compare_exchange(0, i, SeqCst, SeqCst).is_ok() {
            // The first run's CreateVpc: kill the run, then hold the request
            // until the re-run has made its own VPC.
            kill(&pid_t);
            wait_for(&release_t);
            return true;
        }
        match phase {
            Phase::Arrived => {
                flight_t.fetch_add(1, SeqCst);
            }
            Phase::Answered if i == held_t.load(SeqCst) => landed_t.store(true, SeqCst),
            Phase::Answered => {
                flight_t.fetch_sub(1, SeqCst);
                if vpc {
                    // The re-run's CreateVpc is done at the emulator: let the
                    // old one land before the re-run hears its answer.
                    release_t.store(true, SeqCst);
                    wait_for(&landed_t);
                }
            }
        }
        true
    });
    let (proxy, p, out) = apply_through_tap(&moto, &pid, tap);
    assert_eq!(out.status.signal(), Some(libc::SIGKILL), "{}", out.status);
    assert!(!landed.load(SeqCst), "the first CreateVpc is still held");
    settle(&proxy, &in_flight);

    p.run(&["unlock"]).expect(0);
    let rerun = p.run(&["apply", "-v"]).expect(0);
    assert!(
        landed.load(SeqCst),
        "the held CreateVpc landed during the re-run"
    );
    let deleted = count_before(&rerun.stdout, "objects an interrupted run's request made");
    println!(
        "the dead run's CreateVpc landed after the re-run's own; the re-run deleted {deleted} twin"
    );
    assert_eq!(deleted, 1, "{}\n{}", rerun.stdout, rerun.stderr);
    assert!(
        rerun
            .stderr
            .lines()
            .any(|l| l.contains("ec2_vpc.main: vpc-")
                && l.contains("arrived after this run looked for it")),
        "{}",
        rerun.stderr
    );

    let inv = block_on(inventory::slice(&moto, "e2e"));
    assert_eq!(inventory::counts(&inv), inventory::expected_slice());
    let state = p.state();
    assert!(state.get("pending").is_none(), "{state}");
    p.run(&["plan", "--detailed-exitcode"]).expect(0);
}
