//! What an operator sees: live progress under a pseudo-terminal and plain
//! lines off one, colour rules, the dependency graph, completions and the
//! man page, and one-line refusals before anything is touched (no
//! credentials, an account the configuration does not allow).

use std::collections::BTreeSet;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::harness::{Moto, Project, Run, BASE_CONFIG, SLICE};
use super::proxy::{Proxy, Seen};

fn slice() -> String {
    BASE_CONFIG.replace("[backup]", &format!("{SLICE}[backup]"))
}

/// Runs `hcprov ARGS` in `p` under a pseudo-terminal (util-linux `script`),
/// with `extra` environment; returns everything the terminal showed.
fn under_pty(p: &Project, args: &str, extra: &[(&str, &str)]) -> String {
    let cmd = format!("{} {args}", env!("CARGO_BIN_EXE_hcprov"));
    let mut c = Command::new("script");
    c.args(["-qfec", &cmd, "/dev/null"])
        .current_dir(p.dir.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", p.dir.path())
        .env("TERM", "xterm-256color")
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ENDPOINT_URL", &p.endpoint)
        .stdin(Stdio::null());
    for (k, v) in extra {
        c.env(k, v);
    }
    let out = c.output().expect("script (util-linux) runs");
    String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n")
}

/// Strips ANSI escape sequences and carriage-return redraws.
fn plain(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.peek() == Some(&'[') {
                chars.next();
                for d in chars.by_ref() {
                    if d.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
            continue;
        }
        out.push(c);
    }
    out.replace('\r', "\n")
}

fn heartbeats(s: &str) -> BTreeSet<String> {
    s.lines()
        .filter(|l| l.contains("still creating..."))
        .map(|l| l.trim().to_string())
        .collect()
}

/// A proxy that holds CreateVpc for 11 s: one operation outlives the 10 s
/// heartbeat.
fn slow_vpc(moto: &Moto) -> Proxy {
    Proxy::start_with(
        &moto.url,
        Arc::new(|_| None),
        Arc::new(|seen: &Seen| {
            if seen.mentions("Action=CreateVpc&") {
                Duration::from_secs(11)
            } else {
                Duration::ZERO
            }
        }),
    )
}

#[test]
fn live_progress_on_a_terminal_and_plain_heartbeats_off_one() {
    let expected = "ec2_vpc.main: still creating... [10s elapsed], waiting for AWS to answer";
    // On a terminal: a live status line, drawn with escape codes.
    let moto = Moto::start();
    let proxy = slow_vpc(&moto);
    let p = Project::new(&proxy.url, &slice());
    let tty = under_pty(&p, "apply", &[]);
    assert!(tty.contains('\u{1b}'), "the status line is drawn: {tty}");
    let shown = plain(&tty);
    // `--nocapture` shows what the terminal showed (the README quotes it).
    println!("{shown}");
    assert!(
        shown.contains("done,") && shown.contains("in flight"),
        "{shown}"
    );
    assert!(shown.contains("Apply complete"), "{shown}");
    // Off a terminal: the same heartbeat, and no escape code at all.
    let moto2 = Moto::start();
    let proxy2 = slow_vpc(&moto2);
    let p2 = Project::new(&proxy2.url, &slice());
    let file = p2.run(&["apply"]).expect(0);
    assert!(
        !file.stdout.contains('\u{1b}') && !file.stderr.contains('\u{1b}'),
        "{}",
        file.stdout
    );
    assert_eq!(
        heartbeats(&file.stdout),
        BTreeSet::from([expected.to_string()]),
        "{}",
        file.stdout
    );
    assert_eq!(heartbeats(&shown), heartbeats(&file.stdout), "{shown}");
}

#[test]
fn no_color_and_a_pipe_give_the_same_bytes() {
    let moto = Moto::start();
    let p = Project::new(&moto.url, &slice());
    // Record the state first, so every plan below shows the same lineage.
    p.run(&["plan", "--out", "first.plan"]).expect(0);
    let piped = p.run(&["plan"]).expect(0).stdout;
    assert!(!piped.contains('\u{1b}'));
    assert!(piped.contains("+   ec2_vpc.main"), "{piped}");
    let coloured = under_pty(&p, "plan", &[]);
    assert!(
        coloured.contains("\u{1b}["),
        "colour on a terminal: {coloured}"
    );
    for (args, env) in [
        ("plan", &[("NO_COLOR", "1")][..]),
        ("--no-color plan", &[][..]),
    ] {
        let out = under_pty(&p, args, env);
        assert_eq!(out, piped, "{args} {env:?}");
    }
}

#[test]
fn the_graph_renders_with_graphviz_and_mermaid_has_every_node_and_edge() {
    let moto = Moto::start();
    let p = Project::new(&moto.url, BASE_CONFIG);
    let plan = p.run(&["plan", "--json"]).expect(0).json();
    let changes = plan["changes"].as_array().unwrap();
    let edges: usize = changes
        .iter()
        .map(|c| c["dependencies"].as_array().unwrap().len())
        .sum();
    let dot = p.run(&["graph"]).expect(0).stdout;
    let nodes = dot.lines().filter(|l| l.contains("[fillcolor=")).count();
    assert_eq!(nodes, changes.len());
    assert_eq!(dot.lines().filter(|l| l.contains(" -> ")).count(), edges);
    let mut svg = Command::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("Graphviz `dot` (tests/setup.sh installs it)");
    use std::io::Write;
    svg.stdin.take().unwrap().write_all(dot.as_bytes()).unwrap();
    let out = svg.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("<svg"));
    // Coloured by the plan: every node is a create here.
    let coloured = p.run(&["graph", "--plan"]).expect(0).stdout;
    assert_eq!(
        coloured.matches("fillcolor=\"#c8f0c8\"").count(),
        changes.len()
    );
    let mermaid = p.run(&["graph", "--format", "mermaid"]).expect(0).stdout;
    assert!(mermaid.starts_with("flowchart LR\n"));
    assert_eq!(
        mermaid.lines().filter(|l| l.contains(" --> ")).count(),
        edges
    );
    assert_eq!(
        mermaid
            .lines()
            .filter(|l| l.trim_start().starts_with('n') && l.contains("[\""))
            .count(),
        changes.len()
    );
    assert_eq!(mermaid.matches("subgraph us-east-1").count(), 1);
}

#[test]
fn completions_and_the_man_page_come_from_the_cli_definition() {
    let p = Project::new("http://127.0.0.1:9", BASE_CONFIG);
    for shell in ["bash", "zsh", "fish"] {
        let out = p.run(&["completions", shell]).expect(0).stdout;
        for cmd in ["plan", "apply", "destroy", "drift", "graph"] {
            assert!(out.contains(cmd), "{shell} completions lack {cmd}");
        }
    }
    let man = p.run(&["man"]).expect(0).stdout;
    assert!(
        man.contains(".TH hcprov 1") && man.contains("graph"),
        "{man}"
    );
}

fn one_line(r: &Run, needle: &str) {
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    let err = r.stderr.trim();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains(needle), "{err}");
}

#[test]
fn no_credentials_or_a_foreign_account_stop_before_anything_is_touched() {
    let moto = Moto::start();
    let p = Project::new(&moto.url, &slice());
    for cmd in ["plan", "apply", "drift", "destroy"] {
        if cmd == "drift" {
            // Drift and destroy need a state to act on.
            std::fs::create_dir_all(p.state_path().parent().unwrap()).unwrap();
            std::fs::write(p.state_path(), r#"{"format_version": 1, "serial": 1, "lineage": "l-1", "environment": "e2e", "resources": [{"address": "ec2_vpc.main", "type": "ec2_vpc", "region": "us-east-1", "id": "vpc-1", "attributes": {}}], "outputs": {}}"#).unwrap();
        }
        let out = p
            .command(&[cmd, "--force"][..if cmd == "destroy" { 2 } else { 1 }])
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .output()
            .unwrap();
        let r = Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        one_line(&r, "no AWS credentials could be loaded");
        assert!(
            r.stderr.contains("AWS_PROFILE") && r.stderr.contains("aws sso login"),
            "{}",
            r.stderr
        );
        assert!(
            !r.stderr.contains("dispatch failure") && !r.stderr.contains("IMDS"),
            "{}",
            r.stderr
        );
        assert!(
            r.stdout.is_empty(),
            "nothing printed as planned: {}",
            r.stdout
        );
        if cmd == "plan" || cmd == "apply" {
            assert!(!p.state_path().exists(), "no state file");
        }
    }

    let ops = Arc::new(Mutex::new(Vec::<String>::new()));
    let o = ops.clone();
    let proxy = Proxy::start(
        &moto.url,
        Arc::new(move |seen: &Seen| {
            let body = String::from_utf8_lossy(&seen.body).into_owned();
            o.lock().unwrap().push(
                body.split("Action=")
                    .nth(1)
                    .unwrap_or("other")
                    .split('&')
                    .next()
                    .unwrap_or_default()
                    .to_string(),
            );
            None
        }),
    );
    let p = Project::new(
        &proxy.url,
        &slice().replace(
            "disposable = true\n",
            "disposable = true\nallowed_account_ids = [\"111111111111\"]\n",
        ),
    );
    let r = p.run(&["apply"]);
    one_line(
        &r,
        "account 123456789012, which is not in `allowed_account_ids` (111111111111)",
    );
    assert_eq!(
        *ops.lock().unwrap(),
        ["GetCallerIdentity"],
        "no call but the identity"
    );
    assert!(!p.state_path().exists());
}
