//! The checks behind the rules of `rules.rs`: each reads the stack and
//! returns a verdict per resource it covers.

use serde_json::{json, Value};

use super::{shown, Stack, Subject, Verdict};

fn verdict(
    s: &Subject,
    attr: &str,
    value: &Value,
    pass: bool,
    problem: impl FnOnce() -> String,
) -> Verdict {
    Verdict {
        address: s.address.clone(),
        attribute: attr.into(),
        value: shown(value),
        pass,
        problem: if pass { String::new() } else { problem() },
    }
}

/// `kind`'s `attr` names the stack's KMS key (and `on`, when given, is true).
pub(super) fn stack_key(st: &Stack, kind: &str, attr: &str, on: Option<&str>) -> Vec<Verdict> {
    st.of_kind(kind)
        .map(|s| {
            if let Some(flag) = on.filter(|f| s.get(f) != &Value::Bool(true)) {
                return verdict(s, flag, s.get(flag), false, || format!("{flag} is not true"));
            }
            let v = s.get(attr);
            verdict(s, attr, v, st.target(v, "kms_key").is_some(), || {
                if v.is_null() {
                    format!("{attr} is not set: AWS encrypts with its own key, which the stack's key policy and rotation do not govern")
                } else {
                    format!("{attr} is {}, not the stack's key", shown(v))
                }
            })
        })
        .collect()
}

/// A verdict on `attr` of every replica of every global table
/// (`replicas[<region>].<attr>`).
pub(super) fn replicas(st: &Stack, attr: &str, ok: fn(&Stack, &Value) -> bool) -> Vec<Verdict> {
    let mut out = vec![];
    for t in st.of_kind("dynamodb_table") {
        for r in t.get("replicas").as_array().into_iter().flatten() {
            let region = r.get("region").and_then(Value::as_str).unwrap_or("?");
            let v = r.get(attr).unwrap_or(&Value::Null);
            let name = format!("replicas[{region}].{attr}");
            out.push(verdict(t, &name, v, ok(st, v), || {
                format!("the replica in {region} has {attr} {}", shown(v))
            }));
        }
    }
    out
}

/// `kind`'s boolean `attr` is `want`.
pub(super) fn flag(st: &Stack, kind: &str, attr: &str, want: bool) -> Vec<Verdict> {
    equals(st, kind, attr, &Value::Bool(want))
}

/// `kind`'s `attr` equals `want`.
pub(super) fn equals(st: &Stack, kind: &str, attr: &str, want: &Value) -> Vec<Verdict> {
    st.of_kind(kind)
        .map(|s| {
            let v = s.get(attr);
            verdict(s, attr, v, v == want, || {
                format!("{attr} is {v}, not {want}")
            })
        })
        .collect()
}

/// `kind`'s numeric `attr` is at least `min`.
pub(super) fn at_least(st: &Stack, kind: &str, attr: &str, min: i64) -> Vec<Verdict> {
    st.of_kind(kind)
        .map(|s| {
            let v = s.get(attr);
            let ok = v.as_i64().is_some_and(|n| n >= min);
            verdict(s, attr, v, ok, || format!("{attr} is {v}, below {min}"))
        })
        .collect()
}

/// The buckets a trail writes to, with the trail.
fn trail_bucket<'a>(st: &'a Stack, bucket: &'a Subject) -> Option<&'a Subject> {
    st.pointing("cloudtrail_trail", "s3_bucket_name", bucket)
        .next()
}

pub(super) fn s3_encryption(st: &Stack) -> Vec<Verdict> {
    st.of_kind("s3_bucket")
        .map(|b| {
            if let Some(e) = st.pointing("s3_bucket_encryption", "bucket", b).next() {
                let key = e.get("kms_master_key_id");
                let ok = e.get("sse_algorithm") == "aws:kms" && st.target(key, "kms_key").is_some();
                return verdict(b, "encryption", &json!({"sse_algorithm": e.get("sse_algorithm"), "kms_master_key_id": key}), ok, || {
                    "default encryption does not use the stack's KMS key".into()
                });
            }
            if let Some(t) = trail_bucket(st, b) {
                let key = t.get("kms_key_id");
                let ok = st.target(key, "kms_key").is_some();
                return verdict(b, "encryption", &json!({"written_by": t.address, "kms_key_id": key}), ok, || {
                    format!("the bucket has no default encryption and {} does not encrypt its log files with the stack's key", t.address)
                });
            }
            verdict(b, "encryption", &Value::Null, false, || {
                "the bucket has no default encryption with the stack's key".into()
            })
        })
        .collect()
}

pub(super) fn s3_public_access(st: &Stack) -> Vec<Verdict> {
    const ALL: [&str; 4] = [
        "block_public_acls",
        "block_public_policy",
        "ignore_public_acls",
        "restrict_public_buckets",
    ];
    st.of_kind("s3_bucket")
        .map(|b| {
            match st
                .pointing("s3_bucket_public_access_block", "bucket", b)
                .next()
            {
                Some(p) => {
                    let value: serde_json::Map<String, Value> = ALL
                        .iter()
                        .map(|k| (k.to_string(), p.get(k).clone()))
                        .collect();
                    let off: Vec<&str> = ALL
                        .iter()
                        .copied()
                        .filter(|k| p.get(k) != &Value::Bool(true))
                        .collect();
                    verdict(
                        b,
                        "public_access_block",
                        &Value::Object(value),
                        off.is_empty(),
                        || format!("{} not true", off.join(", ")),
                    )
                }
                None => verdict(b, "public_access_block", &Value::Null, false, || {
                    "the bucket has no public access block".into()
                }),
            }
        })
        .collect()
}

/// A policy document's statements (the document may be a JSON string).
fn statements(policy: &Value) -> Vec<Value> {
    let doc = match policy {
        Value::String(s) => serde_json::from_str(s).unwrap_or(Value::Null),
        other => other.clone(),
    };
    match doc.get("Statement") {
        Some(Value::Array(a)) => a.clone(),
        Some(one @ Value::Object(_)) => vec![one.clone()],
        _ => vec![],
    }
}

/// A string-or-list field of a statement, as strings.
fn list(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(String::from))
            .collect(),
        _ => vec![],
    }
}

/// True when `stmt` denies everyone every S3 action on `bucket` and its
/// objects whenever the request is not over TLS, with no other condition
/// narrowing it.
fn denies_plain_http(stmt: &Value, bucket: &str) -> bool {
    let everyone = match stmt.get("Principal") {
        Some(Value::String(p)) => p == "*",
        Some(p) => list(p.get("AWS")).iter().any(|a| a == "*"),
        None => false,
    };
    let only_insecure = stmt.get("Condition").is_some_and(|c| {
        *c == json!({"Bool": {"aws:SecureTransport": "false"}})
            || *c == json!({"Bool": {"aws:SecureTransport": false}})
    });
    let resources = list(stmt.get("Resource"));
    let covers = |suffix: &str| {
        resources
            .iter()
            .any(|r| r == "*" || r.ends_with(&format!(":::{bucket}{suffix}")))
    };
    stmt.get("Effect") == Some(&json!("Deny"))
        && everyone
        && only_insecure
        && covers("")
        && covers("/*")
        && list(stmt.get("Action"))
            .iter()
            .any(|a| a == "s3:*" || a == "*")
}

pub(super) fn s3_tls_only(st: &Stack) -> Vec<Verdict> {
    st.of_kind("s3_bucket")
        .map(|b| {
            let name = b.get("bucket").as_str().unwrap_or_default();
            let policy = st.pointing("s3_bucket_policy", "bucket", b).next();
            let stmt = policy.and_then(|p| {
                statements(p.get("policy"))
                    .into_iter()
                    .find(|s| denies_plain_http(s, name))
            });
            verdict(b, "policy", stmt.as_ref().unwrap_or(&Value::Null), stmt.is_some(), || {
                "no bucket policy statement denies every request without TLS (aws:SecureTransport false) on the bucket and all its objects".into()
            })
        })
        .collect()
}

/// True when a CIDR spans (half of) the internet: `/0` or `/1`, either
/// family.
fn internet(cidr: Option<&Value>) -> bool {
    cidr.and_then(Value::as_str)
        .and_then(|c| c.rsplit_once('/'))
        .is_some_and(|(_, len)| len == "0" || len == "1")
}

/// What a rule admits, as waivers name it: `tcp/80`, `tcp/0-65535`, `all`.
fn ports(r: &Value) -> String {
    let proto = r.get("protocol").and_then(Value::as_str).unwrap_or("?");
    if proto == "-1" || proto == "all" {
        return "all".into();
    }
    let (from, to) = (
        r.get("from_port").unwrap_or(&Value::Null),
        r.get("to_port").unwrap_or(&Value::Null),
    );
    if from == to {
        format!("{proto}/{from}")
    } else {
        format!("{proto}/{from}-{to}")
    }
}

/// One failing verdict per rule that admits the internet (so a waiver
/// names one port: `attribute = "ingress:tcp/80"`), or one pass.
pub(super) fn open_ingress(st: &Stack) -> Vec<Verdict> {
    let mut out = vec![];
    let mut check = |s: &Subject, attr: &str, rules: &Value| {
        let open: Vec<&Value> = rules
            .as_array()
            .into_iter()
            .flatten()
            .filter(|r| {
                let anywhere = internet(r.get("cidr_block")) || internet(r.get("ipv6_cidr_block"));
                let https = r.get("protocol") == Some(&json!("tcp"))
                    && r.get("from_port") == Some(&json!(443))
                    && r.get("to_port") == Some(&json!(443));
                anywhere && !https
            })
            .collect();
        if open.is_empty() {
            out.push(verdict(s, attr, &json!([]), true, String::new));
        }
        for r in open {
            let what = ports(r);
            out.push(verdict(s, &format!("{attr}:{what}"), r, false, || {
                format!("admits the internet on {what}")
            }));
        }
    };
    for s in st.of_kind("ec2_security_group") {
        check(s, "ingress", s.get("ingress"));
    }
    for s in st
        .of_kind("ec2_security_group_rules")
        .filter(|s| s.get("direction") == "ingress")
    {
        check(s, "rules", s.get("rules"));
    }
    out
}

pub(super) fn redis_tls(st: &Stack) -> Vec<Verdict> {
    st.of_kind("elasticache_replication_group")
        .map(|s| {
            let value = json!({"transit_encryption": s.get("transit_encryption"), "transit_encryption_mode": s.get("transit_encryption_mode")});
            let ok = s.get("transit_encryption") == &Value::Bool(true)
                && s.get("transit_encryption_mode") == "required";
            verdict(s, "transit_encryption_mode", &value, ok, || {
                "clients may connect without TLS".into()
            })
        })
        .collect()
}

pub(super) fn redis_auth(st: &Stack) -> Vec<Verdict> {
    st.of_kind("elasticache_replication_group")
        .map(|s| {
            let token = s.get("auth_token_enabled") == &Value::Bool(true);
            let groups = s.get("user_group_ids").as_array().is_some_and(|a| !a.is_empty());
            let value = json!({"auth_token_enabled": s.get("auth_token_enabled"), "user_group_ids": s.get("user_group_ids")});
            verdict(s, "auth_token_enabled", &value, token || groups, || {
                "clients connect without AUTH".into()
            })
        })
        .collect()
}

pub(super) fn flow_logs(st: &Stack) -> Vec<Verdict> {
    st.of_kind("ec2_vpc")
        .map(|v| {
            let log = st
                .pointing("ec2_flow_log", "vpc_id", v)
                .find(|l| l.get("traffic_type") == "ALL");
            verdict(
                v,
                "flow_log",
                &json!(log.map(|l| l.address.clone())),
                log.is_some(),
                || "no flow log records all of the VPC's traffic".into(),
            )
        })
        .collect()
}

/// True when the stack holds a store of records.
fn holds_data(st: &Stack) -> bool {
    [
        "s3_bucket",
        "dynamodb_table",
        "rds_cluster",
        "elasticache_replication_group",
    ]
    .iter()
    .any(|k| st.of_kind(k).next().is_some())
}

pub(super) fn trail_multi_region(st: &Stack) -> Vec<Verdict> {
    let mut out: Vec<Verdict> = st
        .of_kind("cloudtrail_trail")
        .map(|t| {
            let value = json!({"is_multi_region_trail": t.get("is_multi_region_trail"), "enable_logging": t.get("enable_logging")});
            let ok = t.get("is_multi_region_trail") == &Value::Bool(true)
                && t.get("enable_logging") == &Value::Bool(true);
            verdict(t, "is_multi_region_trail", &value, ok, || {
                "the trail is not a logging, multi-region trail".into()
            })
        })
        .collect();
    if out.is_empty() && holds_data(st) {
        out.push(Verdict {
            address: "stack".into(),
            attribute: "cloudtrail_trail".into(),
            value: Value::Null,
            pass: false,
            problem: "the stack holds data stores but has no CloudTrail trail".into(),
        });
    }
    out
}

pub(super) fn log_retention(st: &Stack) -> Vec<Verdict> {
    let min = st.min_log_retention_days;
    st.of_kind("logs_log_group")
        .map(|s| {
            let v = s.get("retention_in_days");
            // No retention: events are kept for ever.
            let ok = v.is_null() || v.as_i64().is_some_and(|d| d >= min);
            verdict(s, "retention_in_days", v, ok, || {
                format!("keeps events {v} days, below the minimum of {min}")
            })
        })
        .collect()
}

pub(super) fn s3_versioning(st: &Stack) -> Vec<Verdict> {
    st.of_kind("s3_bucket")
        // A trail's bucket gets its integrity from log-file validation.
        .filter(|b| trail_bucket(st, b).is_none())
        .map(|b| {
            let v = st
                .pointing("s3_bucket_versioning", "bucket", b)
                .next()
                .map_or(Value::Null, |v| v.get("status").clone());
            verdict(b, "versioning", &v, v == "Enabled", || {
                "the bucket does not keep object versions".into()
            })
        })
        .collect()
}

/// Actions that read or write records of a data store.
const DATA_READS: &[&str] = &[
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:BatchWriteItem",
    "s3:GetObject",
    "s3:GetObjectVersion",
    "s3:PutObject",
    "secretsmanager:GetSecretValue",
    "rds-db:connect",
    "rds-data:ExecuteStatement",
    "elasticache:Connect",
];

/// AWS managed policies that read or write data stores.
const DATA_READ_POLICIES: &[&str] = &[
    "AmazonDynamoDBFullAccess",
    "AmazonDynamoDBReadOnlyAccess",
    "AmazonS3FullAccess",
    "AmazonS3ReadOnlyAccess",
    "SecretsManagerReadWrite",
    "AmazonRDSDataFullAccess",
    "AdministratorAccess",
];

/// IAM's wildcard match, case-insensitive.
fn glob(pattern: &str, s: &str) -> bool {
    let (p, s) = (pattern.to_ascii_lowercase(), s.to_ascii_lowercase());
    let (p, s) = (p.as_bytes(), s.as_bytes());
    let (mut pi, mut si, mut star, mut mark) = (0, 0, None, 0);
    while si < s.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi] == s[si]) {
            pi += 1;
            si += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some(pi);
            mark = si;
            pi += 1;
        } else if let Some(st) = star {
            pi = st + 1;
            mark += 1;
            si = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

/// The record-reading or -writing actions a role's inline policies and
/// attachments allow.
fn data_reads(st: &Stack, role: &Subject) -> Vec<String> {
    let mut found = vec![];
    for p in st.pointing("iam_role_policy", "role", role) {
        for stmt in statements(p.get("policy")) {
            if stmt.get("Effect") != Some(&json!("Allow")) {
                continue;
            }
            for a in list(stmt.get("Action")) {
                if DATA_READS.iter().any(|r| glob(&a, r)) && !found.contains(&a) {
                    found.push(a);
                }
            }
            // Allow with NotAction allows everything it does not list.
            let not: Vec<String> = list(stmt.get("NotAction"));
            if !not.is_empty() && DATA_READS.iter().any(|r| !not.iter().any(|n| glob(n, r))) {
                found.push(format!("NotAction {}", not.join(", ")));
            }
        }
    }
    for att in st.pointing("iam_role_policy_attachment", "role", role) {
        let arn = att.get("policy_arn").as_str().unwrap_or_default();
        if DATA_READ_POLICIES
            .iter()
            .any(|n| arn.ends_with(&format!("/{n}")))
        {
            found.push(arn.to_string());
        }
    }
    found
}

pub(super) fn lambda_in_vpc(st: &Stack) -> Vec<Verdict> {
    st.of_kind("lambda_function")
        .map(|f| {
            let Some(role) = st.target(f.get("role"), "iam_role") else {
                return verdict(f, "role", f.get("role"), false, || {
                    "its role is not one the stack manages, so what it can reach is unknown".into()
                });
            };
            let reads = data_reads(st, role);
            let subnets = f
                .get("vpc_config")
                .get("subnet_ids")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            let value = json!({"vpc_config": f.get("vpc_config"), "role_reads": reads});
            verdict(
                f,
                "vpc_config",
                &value,
                reads.is_empty() || subnets > 0,
                || {
                    format!(
                        "its role can reach records ({}) but the function runs outside the VPC",
                        reads.join(", ")
                    )
                },
            )
        })
        .collect()
}

/// True when an Allow statement grants every action (`*`, or `NotAction`)
/// on every resource.
fn admin_statement(s: &Value) -> bool {
    let every_action = list(s.get("Action")).iter().any(|a| a == "*" || a == "*:*")
        || s.get("NotAction").is_some();
    s.get("Effect") == Some(&json!("Allow"))
        && every_action
        && list(s.get("Resource")).iter().any(|r| r == "*")
}

pub(super) fn iam_admin(st: &Stack) -> Vec<Verdict> {
    let mut out: Vec<Verdict> = st
        .of_kind("iam_role_policy")
        .map(|p| {
            let admin = statements(p.get("policy"))
                .into_iter()
                .find(admin_statement);
            verdict(
                p,
                "policy",
                admin.as_ref().unwrap_or(&Value::Null),
                admin.is_none(),
                || "a statement allows every action on every resource".into(),
            )
        })
        .collect();
    for att in st.of_kind("iam_role_policy_attachment") {
        let arn = att.get("policy_arn");
        let admin = arn
            .as_str()
            .is_some_and(|a| a.ends_with(":policy/AdministratorAccess"));
        out.push(verdict(att, "policy_arn", arn, !admin, || {
            "attaches AdministratorAccess: every action on every resource".into()
        }));
    }
    out
}

/// True when an environment variable looks like it holds a secret value.
fn secret_like(name: &str, value: &Value) -> bool {
    let Some(v) = value.as_str() else {
        // A reference to another resource's output is an id or ARN.
        return false;
    };
    let n = name.to_ascii_uppercase();
    let pointer = ["_ARN", "_ID", "_NAME", "_FILE", "_PATH"]
        .iter()
        .any(|s| n.ends_with(s));
    let named = [
        "SECRET",
        "PASSWORD",
        "PASSWD",
        "TOKEN",
        "PRIVATE_KEY",
        "API_KEY",
        "CREDENTIAL",
    ]
    .iter()
    .any(|w| n.contains(w));
    let looks = v.contains("-----BEGIN")
        || (v.len() == 20
            && (v.starts_with("AKIA") || v.starts_with("ASIA"))
            && v.bytes()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()));
    looks || (named && !pointer && !v.starts_with("arn:") && !v.is_empty())
}

/// One failing verdict per variable that holds a secret (a waiver names
/// one: `attribute = "environment.NAME"`), or one pass.
pub(super) fn lambda_secrets(st: &Stack) -> Vec<Verdict> {
    let mut out = vec![];
    for f in st.of_kind("lambda_function") {
        let env = f
            .get("environment")
            .as_object()
            .cloned()
            .unwrap_or_default();
        let bad: Vec<&String> = env
            .iter()
            .filter(|(k, v)| secret_like(k, v))
            .map(|(k, _)| k)
            .collect();
        if bad.is_empty() {
            let names: Vec<&String> = env.keys().collect();
            out.push(verdict(f, "environment", &json!(names), true, String::new));
        }
        for name in bad {
            // The value itself is never shown.
            let attr = format!("environment.{name}");
            out.push(verdict(f, &attr, &json!("(hidden)"), false, || {
                format!("environment variable {name} holds a secret value")
            }));
        }
    }
    out
}

#[cfg(test)]
pub(super) fn glob_for_tests(p: &str, s: &str) -> bool {
    glob(p, s)
}
