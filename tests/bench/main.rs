//! `cargo bench --bench hcprov`: prints hcprov's four benchmark tables.
//!
//! 1. Critical-path efficiency of apply and destroy of the whole platform,
//!    and of the two-region platform, against the emulator behind a proxy
//!    adding latency per call.
//! 2. API calls of `plan` (no changes) and `drift`, per service.
//! 3. Engine scale: synthetic DAGs of 1,000 / 10,000 / 50,000 fake nodes.
//! 4. Start-up: process start to first AWS call; release binary size.
//!
//! Timings belong here, never in pass/fail tests. Needs `tests/setup.sh`.

#[path = "../e2e/harness.rs"]
#[allow(dead_code)]
mod harness;
mod live;
#[path = "../e2e/proxy.rs"]
#[allow(dead_code)]
mod proxy;
mod scale;

use std::process::Command;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--scale-child") {
        let n: usize = args[i + 1].parse().expect("node count");
        let real = args.get(i + 2).is_some_and(|a| a == "real");
        println!(
            "{}",
            serde_json::to_string(&scale::measure(n, real)).unwrap()
        );
        return;
    }
    if args.iter().any(|a| a == "--scale-only") {
        scale_table(&sizes());
        return;
    }
    let live = live::measure();
    println!(
        "1. Critical path (whole platform on the emulator; +{} ms per call, +{} ms for {})\n",
        live::CALL_LATENCY.as_millis(),
        live::SLOW_CALL_LATENCY.as_millis(),
        live::SLOW_CALLS.join(", ")
    );
    println!(
        "{:>10} {:>6} {:>10} {:>14} {:>8}",
        "run", "nodes", "wall s", "bound s", "ratio"
    );
    for r in &live.paths {
        println!(
            "{:>10} {:>6} {:>10.2} {:>14.2} {:>8.3}",
            r.what,
            r.nodes,
            r.wall_s,
            r.bound_s,
            r.wall_s / r.bound_s
        );
    }
    println!(
        "\n2. API calls of a no-change plan and of drift, each platform (counted by the proxy)\n"
    );
    let services: std::collections::BTreeSet<&String> = live
        .calls
        .iter()
        .flat_map(|c| c.by_service.keys())
        .collect();
    print!(
        "{:>18} {:>6} {:>7} {:>9}",
        "command", "res.", "calls", "per res."
    );
    for s in &services {
        print!(" {:>10}", s);
    }
    println!();
    for c in &live.calls {
        let total: usize = c.by_service.values().sum();
        print!(
            "{:>18} {:>6} {:>7} {:>9.2}",
            c.what,
            c.resources,
            total,
            total as f64 / c.resources as f64
        );
        for s in &services {
            print!(" {:>10}", c.by_service.get(*s).copied().unwrap_or(0));
        }
        println!();
    }
    println!("\n4. Start-up\n");
    println!(
        "{:>40} {:>10.1} ms",
        "process start to first AWS call (plan)", live.startup.first_call_ms
    );
    println!(
        "{:>40} {:>10.1} MB",
        "release binary (stripped)", live.startup.binary_mb
    );
    println!(
        "{:>40} {:>10.1} ms",
        "no-change plan behind the proxy", live.startup.plan_ms,
    );
    println!(
        "{:>40} {:>10.1} ms",
        "  its first call sent to last answered", live.startup.plan_calls_ms,
    );
    println!(
        "{:>40} {:>10} (calls each sent after the last one's answer; {} ms each at least)",
        "  its round trips",
        live.startup.plan_round_trips.len(),
        live::CALL_LATENCY.as_millis()
    );
    println!(
        "{:>40} {}",
        "  the longest chain",
        live.startup.plan_round_trips.join(" -> ")
    );
    println!();
    scale_table(&sizes());
}

/// The node counts of the scale table (`HCPROV_BENCH_SIZES`, comma-separated).
fn sizes() -> Vec<usize> {
    std::env::var("HCPROV_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1_000, 10_000, 50_000])
}

/// Table 3: each size twice, with small attributes and with the real
/// platform's, each in a child process of its own.
fn scale_table(sizes: &[usize]) {
    println!("3. Engine scale (fake resources with no latency, parallelism 64, state checkpointed to disk; {} layers)\n", scale::LAYERS);
    println!(
        "{:>8} {:>8} {:>10} {:>10} {:>12} {:>12} {:>14} {:>10} {:>12} {:>10} {:>10}",
        "nodes",
        "attrs B",
        "plan ms",
        "apply ms",
        "apply us/node",
        "checkpoints",
        "1 checkpoint ms",
        "state MB",
        "plan peak MB",
        "peak MB",
        "KB/node"
    );
    let me = std::env::current_exe().unwrap();
    for real in [false, true] {
        for &n in sizes {
            let mut args = vec!["--scale-child".to_string(), n.to_string()];
            if real {
                args.push("real".into());
            }
            let out = Command::new(&me).args(&args).output().unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let line = String::from_utf8_lossy(&out.stdout);
            let r: scale::Row = serde_json::from_str(line.trim().lines().last().unwrap()).unwrap();
            println!(
                "{:>8} {:>8} {:>10.1} {:>10.1} {:>12.1} {:>12} {:>14.1} {:>10.1} {:>12.1} {:>10.1} {:>10.1}",
                r.nodes,
                r.attr_bytes,
                r.plan_ms,
                r.apply_ms,
                r.per_node_us,
                r.checkpoints,
                r.checkpoint_ms,
                r.state_mb,
                r.plan_peak_mb,
                r.peak_rss_mb,
                r.peak_rss_mb * 1024.0 / r.nodes as f64
            );
        }
    }
}
