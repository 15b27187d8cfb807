//! Benchmarks against the emulator behind a loopback proxy: critical-path
//! efficiency of apply and destroy, API calls of plan and drift, start-up.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::harness::{Moto, Project, BASE_CONFIG};
use crate::proxy::{Proxy, Seen};

/// Latency the proxy adds to every call.
pub const CALL_LATENCY: Duration = Duration::from_millis(50);
/// Extra latency of calls that are slow on real AWS.
pub const SLOW_CALL_LATENCY: Duration = Duration::from_millis(1500);
/// The slow calls (query-protocol `Action=` or JSON `X-Amz-Target`).
pub const SLOW_CALLS: &[&str] = &[
    "Action=CreateNatGateway",
    "Action=DeleteNatGateway",
    "DynamoDB_20120810.CreateTable",
    "Action=CreateVpcEndpoint",
];

fn latency(seen: &Seen) -> Duration {
    if SLOW_CALLS.iter().any(|c| seen.mentions(c)) {
        CALL_LATENCY + SLOW_CALL_LATENCY
    } else {
        CALL_LATENCY
    }
}

/// Wall time, the critical-path bound and the ratio.
pub struct PathRow {
    pub what: &'static str,
    pub nodes: usize,
    pub wall_s: f64,
    pub bound_s: f64,
}

/// API calls of one command.
pub struct CallRow {
    pub what: String,
    pub resources: usize,
    pub by_service: BTreeMap<String, usize>,
}

/// Start-up measurements.
pub struct Startup {
    pub first_call_ms: f64,
    pub binary_mb: f64,
    /// Wall time of a no-change `plan` of the whole platform behind the
    /// proxy (every call 50 ms).
    pub plan_ms: f64,
    /// Its round trips: the longest chain of its calls each of which was
    /// sent only after the one before it was answered (their operations).
    pub plan_round_trips: Vec<String>,
    /// The time from its first call sent to its last answered.
    pub plan_calls_ms: f64,
}

/// Everything measured against the emulator.
pub struct Live {
    pub paths: Vec<PathRow>,
    pub calls: Vec<CallRow>,
    pub startup: Startup,
}

/// Parses "addr: created in 1.234s" progress lines.
fn durations(stdout: &str) -> HashMap<String, f64> {
    stdout
        .lines()
        .filter_map(|l| {
            let (addr, rest) = l.split_once(": ")?;
            // "addr in us-west-2" when the run spans regions.
            let addr = addr.split(" in ").next()?;
            let secs = rest
                .rsplit_once(" in ")?
                .1
                .strip_suffix('s')?
                .parse::<f64>()
                .ok()?;
            Some((addr.to_string(), secs))
        })
        .collect()
}

/// "Apply complete: N changes (4.912s, ..." → 4.912
fn wall(stdout: &str) -> f64 {
    let l = stdout
        .lines()
        .find(|l| l.contains(" complete: "))
        .expect("a completed run");
    l.split('(')
        .nth(1)
        .and_then(|x| x.split('s').next())
        .and_then(|x| x.parse().ok())
        .expect("duration")
}

/// Longest path through `deps` (address → dependencies) weighted by `dur`;
/// `reverse` walks dependants first (destroy order).
fn critical_path(
    deps: &BTreeMap<String, Vec<String>>,
    dur: &HashMap<String, f64>,
    reverse: bool,
) -> f64 {
    let mut edges: BTreeMap<&str, Vec<&str>> = BTreeMap::new(); // node → what must finish before it
    for (a, ds) in deps {
        edges.entry(a.as_str()).or_default();
        for d in ds {
            if reverse {
                edges.entry(d.as_str()).or_default().push(a.as_str());
            } else {
                edges.entry(a.as_str()).or_default().push(d.as_str());
            }
        }
    }
    fn finish<'a>(
        n: &'a str,
        edges: &BTreeMap<&'a str, Vec<&'a str>>,
        dur: &HashMap<String, f64>,
        memo: &mut HashMap<&'a str, f64>,
    ) -> f64 {
        if let Some(v) = memo.get(n) {
            return *v;
        }
        let before = edges.get(n).map_or(0.0, |ps| {
            ps.iter()
                .map(|p| finish(p, edges, dur, memo))
                .fold(0.0, f64::max)
        });
        let v = before + dur.get(n).copied().unwrap_or(0.0);
        memo.insert(n, v);
        v
    }
    let mut memo = HashMap::new();
    edges
        .keys()
        .map(|n| finish(n, &edges, dur, &mut memo))
        .fold(0.0, f64::max)
}

fn deps_of(state: &Value) -> BTreeMap<String, Vec<String>> {
    state["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let d = r["dependencies"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_str().unwrap().to_string())
                .collect();
            (r["address"].as_str().unwrap().to_string(), d)
        })
        .collect()
}

fn calls_since(proxy: &Proxy, mark: usize) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for (_, s) in proxy.log.lock().unwrap().iter().skip(mark) {
        *m.entry(s.clone()).or_insert(0) += 1;
    }
    m
}

/// An example config (`examples/NAME.toml`) made disposable, in
/// environment `e2e`, with the handlers from this checkout.
fn example(name: &str, environment: &str) -> String {
    let root = env!("CARGO_MANIFEST_DIR");
    let text = std::fs::read_to_string(format!("{root}/examples/{name}.toml")).unwrap();
    let text = text
        .replace(
            &format!("environment = \"{environment}\""),
            "environment = \"e2e\"",
        )
        .replace(
            "lambda_source = \"../lambdas\"",
            &format!("lambda_source = \"{root}/lambdas\""),
        );
    assert!(
        text.contains("environment = \"e2e\""),
        "{name}: the example's fields moved"
    );
    format!("disposable = true\n{text}")
}

/// The calls of a no-change `plan` and of `drift` on the applied `p`.
fn plan_and_drift_calls(p: &Project, proxy: &Proxy, platform: &str, nodes: usize) -> [CallRow; 2] {
    let mark = proxy.log.lock().unwrap().len();
    p.run(&["plan", "--detailed-exitcode"]).expect(0);
    let plan = calls_since(proxy, mark);
    let mark = proxy.log.lock().unwrap().len();
    p.run(&["drift"]).expect(0);
    let drift = calls_since(proxy, mark);
    [
        CallRow {
            what: format!("{platform} plan"),
            resources: nodes,
            by_service: plan,
        },
        CallRow {
            what: format!("{platform} drift"),
            resources: nodes,
            by_service: drift,
        },
    ]
}

/// `aurora-redis-api` (its example config): the calls of plan and drift.
fn measure_aurora() -> [CallRow; 2] {
    let moto = Moto::start();
    let proxy = Proxy::start_with(
        &moto.url,
        Arc::new(|_| None),
        Arc::new(|_: &Seen| Duration::ZERO),
    );
    let p = Project::new(&proxy.url, &example("aurora-redis-api", "records"));
    p.run(&["apply", "--auto-approve", "--parallelism", "64"])
        .expect(0);
    let nodes = deps_of(&p.state()).len();
    let rows = plan_and_drift_calls(&p, &proxy, "aurora", nodes);
    p.run(&["destroy", "--force"]).expect(0);
    rows
}

/// The two-region platform (examples/multi-region-dr.toml) through the
/// same latency proxy: apply and destroy against their critical paths,
/// and the calls of plan and drift in between.
fn measure_dr() -> (PathRow, PathRow, [CallRow; 2]) {
    let moto = Moto::start();
    let proxy = Proxy::start_with(&moto.url, Arc::new(|_| None), Arc::new(latency));
    let p = Project::new(&proxy.url, &example("multi-region-dr", "dr"));
    let apply = p
        .run(&["apply", "--auto-approve", "--parallelism", "64"])
        .expect(0);
    let deps = deps_of(&p.state());
    let nodes = deps.len();
    let calls = plan_and_drift_calls(&p, &proxy, "dr", nodes);
    let apply_row = PathRow {
        what: "apply dr",
        nodes,
        wall_s: wall(&apply.stdout),
        bound_s: critical_path(&deps, &durations(&apply.stdout), false),
    };
    let destroy = p
        .run(&["destroy", "--force", "--parallelism", "64"])
        .expect(0);
    let destroy_row = PathRow {
        what: "destroy dr",
        nodes,
        wall_s: wall(&destroy.stdout),
        bound_s: critical_path(&deps, &durations(&destroy.stdout), true),
    };
    (apply_row, destroy_row, calls)
}

/// Runs the whole platform through a latency proxy.
pub fn measure() -> Live {
    let moto = Moto::start();
    let proxy = Proxy::start_with(&moto.url, Arc::new(|_| None), Arc::new(latency));
    let p = Project::new(&proxy.url, BASE_CONFIG);
    let run = |args: &[&str]| p.run(args);

    let apply = run(&["apply", "--parallelism", "64"]).expect(0);
    let state = p.state();
    let deps = deps_of(&state);
    let nodes = deps.len();
    let apply_row = PathRow {
        what: "apply",
        nodes,
        wall_s: wall(&apply.stdout),
        bound_s: critical_path(&deps, &durations(&apply.stdout), false),
    };

    let mark = proxy.log.lock().unwrap().len();
    let t0 = Instant::now();
    run(&["plan", "--detailed-exitcode"]).expect(0);
    let plan_ms = t0.elapsed().as_secs_f64() * 1e3;
    let plan_calls = calls_since(&proxy, mark);
    let (plan_round_trips, plan_calls_ms) = proxy.round_trips(mark);
    let first = proxy
        .log
        .lock()
        .unwrap()
        .get(mark)
        .map(|(t, _)| t.duration_since(t0).as_secs_f64() * 1e3)
        .unwrap_or(f64::NAN);

    let mark = proxy.log.lock().unwrap().len();
    run(&["drift"]).expect(0);
    let drift_calls = calls_since(&proxy, mark);

    let destroy = run(&["destroy", "--force", "--parallelism", "64"]).expect(0);
    let destroy_row = PathRow {
        what: "destroy",
        nodes,
        wall_s: wall(&destroy.stdout),
        bound_s: critical_path(&deps, &durations(&destroy.stdout), true),
    };

    let dr = measure_dr();
    let aurora = measure_aurora();

    let binary_mb = std::fs::metadata(env!("CARGO_BIN_EXE_hcprov"))
        .map(|m| m.len() as f64 / 1e6)
        .unwrap_or(0.0);
    Live {
        paths: vec![apply_row, destroy_row, dr.0, dr.1],
        calls: [
            CallRow {
                what: "serverless plan".into(),
                resources: nodes,
                by_service: plan_calls,
            },
            CallRow {
                what: "serverless drift".into(),
                resources: nodes,
                by_service: drift_calls,
            },
        ]
        .into_iter()
        .chain(aurora)
        .chain(dr.2)
        .collect(),
        startup: Startup {
            first_call_ms: first,
            binary_mb,
            plan_ms,
            plan_round_trips,
            plan_calls_ms,
        },
    }
}
