//! hcprov's own security: a hand-edited saved plan is refused before any
//! call that changes anything (counted by a loopback proxy, the emulator
//! left as it was); a plan that deletes or replaces needs `--auto-approve`
//! off a terminal; a state directory others may write is refused.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};

use super::harness::{block_on, bucket_names, Moto, Project, BASE_CONFIG, SLICE};
use super::proxy::{Fault, Proxy, Seen};

/// Every request's operation (`Action=` of the query protocols, the
/// `X-Amz-Target` of the JSON ones, else method and path), in order.
type Ops = Arc<Mutex<Vec<String>>>;

fn recording(moto: &Moto) -> (Proxy, Ops) {
    let ops: Ops = Arc::default();
    let o = ops.clone();
    let proxy = Proxy::start(
        &moto.url,
        Arc::new(move |seen: &Seen| {
            let body = String::from_utf8_lossy(&seen.body).into_owned();
            let target = seen
                .head
                .lines()
                .find(|l| l.to_ascii_lowercase().starts_with("x-amz-target:"))
                .map(|l| l.split(':').nth(1).unwrap_or_default().trim().to_string());
            let op = match (body.split("Action=").nth(1), target) {
                (Some(a), _) => a.split('&').next().unwrap_or_default().to_string(),
                (None, Some(t)) => t,
                (None, None) => seen.head.lines().next().unwrap_or_default().to_string(),
            };
            o.lock().unwrap().push(op);
            None
        }),
    );
    (proxy, ops)
}

/// The only calls allowed before a saved plan is refused: who the caller
/// is, and (for a stack without subnets yet) which zones the region has.
const READS_BEFORE_REFUSAL: &[&str] = &["GetCallerIdentity", "DescribeAvailabilityZones"];

fn requests(proxy: &Proxy) -> usize {
    proxy.log.lock().unwrap().len()
}

fn change<'a>(plan: &'a mut Value, address: &str) -> &'a mut Value {
    plan["changes"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|c| c["address"] == address)
        .unwrap_or_else(|| panic!("no change of {address}"))
}

/// Applies `plan` edited by `edit`; expects a refusal naming `needle`,
/// with no request but the account lookup (STS) reaching the emulator.
fn refused(p: &Project, ops: &Ops, plan: &Value, edit: impl Fn(&mut Value), needle: &str) {
    let mut edited = plan.clone();
    edit(&mut edited);
    let file = p.dir.path().join("edited.plan");
    fs::write(&file, serde_json::to_vec_pretty(&edited).unwrap()).unwrap();
    let mark = ops.lock().unwrap().len();
    let r = p.run(&["apply", "--auto-approve", "edited.plan"]).expect(1);
    assert!(
        r.stderr.contains("refused before anything ran") && r.stderr.contains(needle),
        "{needle}: {}",
        r.stderr
    );
    let seen: Vec<String> = ops.lock().unwrap()[mark..].to_vec();
    assert!(
        seen.iter()
            .all(|s| READS_BEFORE_REFUSAL.contains(&s.as_str())),
        "only the account and zone lookups may run before the refusal: {seen:?}"
    );
    // `plan --out` recorded the new, empty state; nothing changed it.
    let state: Value = serde_json::from_slice(&fs::read(p.state_path()).unwrap()).unwrap();
    assert_eq!(
        (state["serial"].as_u64(), state["resources"].clone()),
        (Some(0), json!([]))
    );
    assert_eq!(
        state["lineage"],
        plan_lineage(p),
        "the plan is tied to the recorded lineage"
    );
}

fn plan_lineage(p: &Project) -> Value {
    let plan: Value =
        serde_json::from_slice(&fs::read(p.dir.path().join("honest.plan")).unwrap()).unwrap();
    plan["lineage"].clone()
}

#[test]
fn hand_edited_saved_plans_are_refused_before_any_change() {
    let moto = Moto::start();
    let (proxy, ops) = recording(&moto);
    let p = Project::new(&proxy.url, BASE_CONFIG);
    // An object hcprov never made, which a forged delete would target.
    block_on(async {
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&moto.sdk().await)
                .force_path_style(true)
                .build(),
        );
        s3.create_bucket()
            .bucket("someone-elses-bucket")
            .send()
            .await
            .unwrap();
    });
    fs::write(
        p.dir.path().join("credentials"),
        "aws_secret_access_key = sentinel\n",
    )
    .unwrap();
    p.run(&["plan", "--out", "honest.plan"]).expect(0);
    let plan: Value =
        serde_json::from_slice(&fs::read(p.dir.path().join("honest.plan")).unwrap()).unwrap();

    // 1. A role policy widened to every action on every resource.
    refused(
        &p,
        &ops,
        &plan,
        |pl| {
            change(pl, "iam_role_policy.data_processor")["desired"]["policy"]["Statement"] =
                json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}]);
        },
        "desired attributes of iam_role_policy.data_processor",
    );
    // 2. A delete of an object the state does not hold.
    refused(
        &p,
        &ops,
        &plan,
        |pl| {
            let forged = json!({
                "address": "s3_bucket.victim", "region": "us-east-1", "action": "delete",
                "id": "someone-elses-bucket", "dependencies": [],
            });
            pl["changes"].as_array_mut().unwrap().push(forged);
            pl["summary"]["delete"] = json!(1);
        },
        "state does not hold",
    );
    // 3. A Lambda package source outside the handler directory.
    refused(
        &p,
        &ops,
        &plan,
        |pl| {
            let creds = p.dir.path().join("credentials").display().to_string();
            change(pl, "lambda_function.health_check")["desired"]["source_files"] = json!([creds]);
        },
        "desired attributes of lambda_function.health_check",
    );
    // 4. A plan whose shown diff differs from what it executes: refused
    //    after comparing with a fresh plan (reads only).
    let mut shown = plan.clone();
    change(&mut shown, "kms_key.main")["attributes"] =
        json!([{"name": "tags", "after": {"Team": "x"}}]);
    fs::write(
        p.dir.path().join("shown.plan"),
        serde_json::to_vec(&shown).unwrap(),
    )
    .unwrap();
    let r = p.run(&["apply", "shown.plan"]).expect(1);
    assert!(
        r.stderr.contains("does not match what hcprov would do now"),
        "{}",
        r.stderr
    );
    // 5. Another format version.
    let mut newer = plan.clone();
    newer["format_version"] = json!(9);
    fs::write(
        p.dir.path().join("newer.plan"),
        serde_json::to_vec(&newer).unwrap(),
    )
    .unwrap();
    let r = p.run(&["apply", "newer.plan"]).expect(1);
    assert!(r.stderr.contains("plan format version 9"), "{}", r.stderr);

    // The emulator holds nothing hcprov would have made, and the bucket is
    // still there.
    block_on(async {
        let sdk = moto.sdk().await;
        let names = bucket_names(&moto.s3().await).await;
        assert_eq!(names, ["someone-elses-bucket"]);
        let iam = aws_sdk_iam::Client::new(&sdk);
        let roles = iam.list_roles().send().await.unwrap();
        assert!(roles
            .roles()
            .iter()
            .all(|r| !r.role_name().starts_with("healthcare-")));
    });
    // 6. Another state's lineage: the plan is refused (it cannot bring one).
    let mut foreign = plan.clone();
    foreign["lineage"] = json!("prod-lineage");
    fs::write(
        p.dir.path().join("foreign.plan"),
        serde_json::to_vec(&foreign).unwrap(),
    )
    .unwrap();
    let r = p.run(&["apply", "foreign.plan"]).expect(1);
    assert!(r.stderr.contains("lineage prod-lineage"), "{}", r.stderr);

    // The honest plan applies.
    let r = p.run(&["apply", "honest.plan"]).expect(0);
    assert!(r.stdout.contains("Apply complete"), "{}", r.stdout);
    p.run(&["destroy", "--force"]).expect(0);
}

#[test]
fn a_plan_that_replaces_needs_confirmation_off_a_terminal() {
    let moto = Moto::start();
    let proxy = Proxy::start(&moto.url, Arc::new(|_| None));
    let base = BASE_CONFIG.replace("[backup]", &format!("{SLICE}[backup]"));
    let p = Project::new(&proxy.url, &base);
    p.run(&["apply"]).expect(0);
    // A new CIDR replaces a subnet (and its association).
    p.write_config(&format!(
        "{base}\n[network]\npublic_subnets = [\"10.0.1.0/24\", \"10.0.22.0/24\"]\n"
    ));
    p.run(&["plan", "--out", "replace.plan"]).expect(0);
    let state = fs::read(p.state_path()).unwrap();
    let mark = requests(&proxy);
    let r = p.run(&["apply", "replace.plan"]).expect(1);
    assert!(
        r.stderr
            .contains("deletes, replaces or weakens 2 resources")
            && r.stderr.contains("ec2_subnet.public_2")
            && r.stderr.contains("--auto-approve"),
        "{}",
        r.stderr
    );
    assert_eq!(requests(&proxy), mark, "no AWS call at all");
    assert_eq!(fs::read(p.state_path()).unwrap(), state);
    // Without a plan file: the fresh plan is shown, then refused the same way.
    let r = p.run(&["apply"]).expect(1);
    assert!(r.stdout.contains("-/+ ec2_subnet.public_2"), "{}", r.stdout);
    assert!(r.stderr.contains("--auto-approve"), "{}", r.stderr);
    assert_eq!(fs::read(p.state_path()).unwrap(), state);
    // With it, the replacement goes ahead.
    let r = p
        .run(&["apply", "--auto-approve", "replace.plan"])
        .expect(0);
    assert!(r.stdout.contains("Apply complete"), "{}", r.stdout);
    p.run(&["plan", "--detailed-exitcode"]).expect(0);
    p.run(&["destroy", "--force"]).expect(0);
}

#[test]
fn a_state_directory_others_can_write_is_refused() {
    let p = Project::new("http://127.0.0.1:9", BASE_CONFIG);
    let dir = p.dir.path().join("state");
    fs::create_dir(&dir).unwrap();
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o777)).unwrap();
    for cmd in [
        &["plan"][..],
        &["apply"],
        &["drift"],
        &["destroy", "--force"],
    ] {
        let r = p.run(cmd).expect(1);
        let err = r.stderr.trim();
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.contains("writable by group or others (mode 0777)") && err.contains("chmod 700"),
            "{err}"
        );
    }
    assert_eq!(fs::read_dir(&dir).unwrap().count(), 0, "nothing written");
    // A missing state directory is created private.
    fs::remove_dir(&dir).unwrap();
    let r = p.run(&["plan"]);
    assert_eq!(r.code, 1, "the endpoint is closed: {}", r.stderr);
    let mode = fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700);
}

#[test]
fn a_plan_report_or_sarif_log_is_never_saved_over_the_state_its_journal_or_lock() {
    let p = Project::new("http://127.0.0.1:9", BASE_CONFIG);
    for target in [
        "state/e2e.json",
        "state/e2e.json.journal",
        "state/e2e.json.lock",
        "state/.backups/x",
    ] {
        // Nor is a report or a SARIF log: every file an option writes.
        for cmd in [
            ["plan", "--out", target],
            ["report", "--out", target],
            ["check", "--sarif", target],
        ] {
            let r = p.run(&cmd).expect(1);
            assert!(
                r.stderr.contains("would overwrite hcprov's own state"),
                "{cmd:?}: {}",
                r.stderr
            );
            assert!(
                !p.dir.path().join(target).exists() || target.ends_with(".lock"),
                "{cmd:?}"
            );
        }
    }
}

/// What an operator sees never carries the caller's ARN (unless `-v`) or the
/// raw body of an answer the SDK could not parse.
#[test]
fn errors_show_neither_the_callers_arn_nor_unparsed_bodies() {
    let moto = Moto::start();
    let base = BASE_CONFIG.replace("[backup]", &format!("{SLICE}[backup]"));
    let p = Project::new(&moto.url, &base);
    p.run(&["apply"]).expect(0);
    const CALLER: &str = "arn:aws:sts::123456789012:assumed-role/ci-drift/session-9";
    const BODY_SENTINEL: &str = "internal-proxy-page-7731";
    let proxy = Proxy::start(
        &moto.url,
        Arc::new(|seen: &Seen| {
            if seen.mentions("TrentService.DescribeKey") {
                return Some(Fault::shaped(
                    seen,
                    400,
                    "AccessDeniedException",
                    &format!("User: {CALLER} is not authorized to perform: kms:DescribeKey"),
                ));
            }
            if seen.mentions("Action=DescribeFlowLogs") {
                return Some(Fault {
                    status: 400,
                    headers: vec![("content-type".into(), "text/html".into())],
                    body: format!("<html><body>{BODY_SENTINEL}</body></html>"),
                });
            }
            None
        }),
    );
    let p2 = Project {
        dir: tempfile::tempdir().unwrap(),
        endpoint: proxy.url.clone(),
    };
    fs::write(p2.dir.path().join("hcprov.toml"), &base).unwrap();
    fs::create_dir_all(p2.dir.path().join("state")).unwrap();
    fs::set_permissions(
        p2.dir.path().join("state"),
        fs::Permissions::from_mode(0o700),
    )
    .unwrap();
    fs::copy(p.state_path(), p2.state_path()).unwrap();
    let quiet = p2.run(&["drift", "--json"]).expect(1);
    let report = quiet.json();
    let text = format!("{}{}", quiet.stdout, quiet.stderr);
    assert!(!text.contains(CALLER), "the caller's ARN leaked: {text}");
    assert!(!text.contains(BODY_SENTINEL), "a raw body leaked: {text}");
    let errors: Vec<&str> = report["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["error"].as_str())
        .collect();
    assert!(
        errors
            .iter()
            .any(|e| e.contains("User: <caller> is not authorized")),
        "{errors:?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e.contains("HTTP 400 with a body the SDK could not parse")),
        "{errors:?}"
    );
    let verbose = p2.run(&["-v", "drift", "--json"]).expect(1);
    assert!(
        verbose.stdout.contains(CALLER),
        "-v shows the caller: {}",
        verbose.stdout
    );
}
