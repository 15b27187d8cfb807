//! Transient errors by name (src/aws/transient.rs), injected by the
//! loopback proxy: the first answer to each listed call is the error AWS
//! returns right after a related create, in the service's own shape; apply
//! retries it within its named budget and completes. A code outside the
//! table fails at once, with the request id.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use super::harness::{Moto, Project, BASE_CONFIG};
use super::proxy::{Fault, Proxy, Seen, PROXY_REQUEST_ID};

/// One injected error: which request (needles its head or body contains),
/// the answer, and the budget that must retry it.
struct Row {
    service: &'static str,
    needles: &'static [&'static str],
    status: u16,
    code: &'static str,
    message: &'static str,
    budget: &'static str,
}

const ROWS: &[Row] = &[
    Row {
        service: "kms",
        needles: &["TrentService.CreateKey"],
        status: 400,
        code: "MalformedPolicyDocumentException",
        message: "Policy contains a statement with one or more invalid principals.",
        budget: "iam-role-propagation",
    },
    Row {
        service: "dynamodb",
        needles: &["DynamoDB_20120810.UpdateContinuousBackups"],
        status: 400,
        code: "ContinuousBackupsUnavailableException",
        message: "Backups are being enabled for the table",
        budget: "dynamodb-continuous-backups",
    },
    Row {
        service: "s3",
        needles: &["PUT /", "?policy"],
        status: 409,
        code: "OperationAborted",
        message:
            "A conflicting conditional operation is currently in progress against this resource.",
        budget: "s3-bucket-propagation",
    },
    Row {
        service: "s3",
        needles: &["PUT /", "?versioning"],
        status: 404,
        code: "NoSuchBucket",
        message: "The specified bucket does not exist",
        budget: "s3-bucket-propagation",
    },
    Row {
        service: "cloudtrail",
        needles: &[".CreateTrail"],
        status: 400,
        code: "InsufficientS3BucketPolicyException",
        message: "Incorrect S3 bucket policy is detected for bucket",
        budget: "cloudtrail-policy-propagation",
    },
    Row {
        service: "ec2",
        needles: &["Action=ModifyVpcAttribute"],
        status: 400,
        code: "InvalidVpcID.NotFound",
        message: "The vpc ID does not exist",
        budget: "ec2-propagation",
    },
    Row {
        service: "ec2",
        needles: &["Action=ModifySubnetAttribute"],
        status: 400,
        code: "InvalidSubnetID.NotFound",
        message: "The subnet ID does not exist",
        budget: "ec2-propagation",
    },
    Row {
        service: "ec2",
        needles: &["Action=CreateRoute&"],
        status: 400,
        code: "InvalidRouteTableID.NotFound",
        message: "The routeTable ID does not exist",
        budget: "ec2-propagation",
    },
    Row {
        service: "ec2",
        needles: &["Action=AuthorizeSecurityGroupIngress"],
        status: 400,
        code: "InvalidGroup.NotFound",
        message: "The security group does not exist",
        budget: "ec2-propagation",
    },
    Row {
        service: "kms",
        needles: &["TrentService.EnableKeyRotation"],
        status: 400,
        code: "NotFoundException",
        message: "Key does not exist",
        budget: "kms-key-propagation",
    },
    Row {
        service: "kms",
        needles: &["TrentService.CreateAlias"],
        status: 400,
        code: "NotFoundException",
        message: "Key does not exist",
        budget: "kms-key-propagation",
    },
    Row {
        service: "logs",
        needles: &["Logs_20140328.CreateLogGroup"],
        status: 400,
        code: "InvalidParameterException",
        message: "Unable to use KMS key: the key policy does not allow CloudWatch Logs",
        budget: "kms-key-propagation",
    },
    Row {
        service: "iam",
        needles: &["Action=PutRolePolicy"],
        status: 404,
        code: "NoSuchEntity",
        message: "The role with name x cannot be found.",
        budget: "iam-role-propagation",
    },
    Row {
        service: "s3",
        needles: &["PUT /healthcare-cloudtrail-", "!?"],
        status: 409,
        code: "OperationAborted",
        message:
            "A conflicting conditional operation is currently in progress against this resource.",
        budget: "s3-bucket-propagation",
    },
    Row {
        service: "lambda",
        needles: &["POST /2015-03-31/functions "],
        status: 400,
        code: "InvalidParameterValueException",
        message: "The role defined for the function cannot be assumed by Lambda.",
        budget: "iam-role-propagation",
    },
];

/// True when the request is to `service` and has every needle in its
/// request line, headers or body; a needle `!x` means the request line
/// must not contain `x`.
fn matches(seen: &Seen, service: &str, needles: &[&str]) -> bool {
    let line = seen.head.lines().next().unwrap_or_default();
    seen.service() == service
        && needles.iter().all(|n| match n.strip_prefix('!') {
            Some(absent) => !line.contains(absent),
            None => line.contains(n) || seen.mentions(n),
        })
}

#[test]
fn each_transient_error_is_retried_within_its_budget_and_apply_completes() {
    let moto = Moto::start();
    // Row index → how often its call was seen.
    let seen_by_row: Arc<Mutex<BTreeMap<usize, usize>>> = Arc::default();
    let s = seen_by_row.clone();
    let proxy = Proxy::start(
        &moto.url,
        Arc::new(move |seen: &Seen| {
            let (i, row) = ROWS
                .iter()
                .enumerate()
                .find(|(_, r)| matches(seen, r.service, r.needles))?;
            let mut m = s.lock().unwrap();
            let n = m.entry(i).or_insert(0);
            *n += 1;
            (*n == 1).then(|| Fault::shaped(seen, row.status, row.code, row.message))
        }),
    );
    let p = Project::new(&proxy.url, BASE_CONFIG);
    let r = p.run(&["-v", "apply"]).expect(0);
    let seen = seen_by_row.lock().unwrap().clone();
    for (i, row) in ROWS.iter().enumerate() {
        let n = seen.get(&i).copied().unwrap_or(0);
        assert!(
            n >= 2,
            "{} {:?}: the transient error was answered and the call made again ({n} seen)",
            row.service,
            row.needles
        );
        assert!(
            r.stderr.contains(&format!("budget=\"{}\"", row.budget))
                || r.stderr.contains(&format!("budget={}", row.budget)),
            "no retry logged within {}: {}",
            row.budget,
            r.stderr
        );
        assert!(r.stderr.contains(row.code), "{}", row.code);
    }
    let summary = r
        .stdout
        .lines()
        .find(|l| l.starts_with("Apply complete"))
        .unwrap();
    let retries: usize = summary
        .split(", ")
        .find(|s| s.ends_with("operation retries"))
        .and_then(|s| s.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!(retries >= ROWS.len(), "{summary}");
    p.run(&["plan", "--detailed-exitcode"]).expect(0);
    p.run(&["destroy", "--force"]).expect(0);
}

#[test]
fn an_error_outside_the_table_fails_at_once_with_its_request_id() {
    let moto = Moto::start();
    let count = Arc::new(Mutex::new(0usize));
    let c = count.clone();
    let proxy = Proxy::start(
        &moto.url,
        Arc::new(move |seen: &Seen| {
            if !matches(seen, "s3", &["PUT /", "?versioning"]) {
                return None;
            }
            *c.lock().unwrap() += 1;
            Some(Fault::shaped(
                seen,
                400,
                "InvalidBucketState",
                "The request is not valid with the current state of the bucket.",
            ))
        }),
    );
    let p = Project::new(&proxy.url, BASE_CONFIG);
    let r = p.run(&["apply"]).expect(1);
    assert_eq!(*count.lock().unwrap(), 1, "not retried: {}", r.stdout);
    let failed = r
        .stdout
        .lines()
        .find(|l| l.starts_with("s3_bucket_versioning.data: FAILED"))
        .unwrap_or_else(|| panic!("{}", r.stdout));
    assert!(
        failed.contains("InvalidBucketState")
            && failed.contains("; next: AWS refused the request as invalid")
            && failed.contains(&format!("(request id {PROXY_REQUEST_ID})")),
        "{failed}"
    );
    p.run(&["destroy", "--force"]).expect(0);
}

/// API Gateway's "concurrent modification" 409 is retried by the SDK on
/// every call of the client; a 409 that says anything else is not.
#[test]
fn api_gateway_concurrent_modification_is_retried_and_other_conflicts_are_not() {
    for (message, retried) in [
        (
            "Unable to complete operation due to concurrent modification. Please try again later.",
            true,
        ),
        ("Integration already exists for this method", false),
    ] {
        let moto = Moto::start();
        let seen = Arc::new(Mutex::new(0usize));
        let s = seen.clone();
        let proxy = Proxy::start(
            &moto.url,
            Arc::new(move |req: &Seen| {
                let line = req.head.lines().next().unwrap_or_default();
                if req.service() != "apigateway"
                    || !(line.starts_with("PUT ") && line.contains("/integration "))
                {
                    return None;
                }
                let mut n = s.lock().unwrap();
                *n += 1;
                (*n == 1).then(|| Fault::shaped(req, 409, "ConflictException", message))
            }),
        );
        let p = Project::new(&proxy.url, BASE_CONFIG);
        let r = p.run(&["apply"]);
        let n = *seen.lock().unwrap();
        if retried {
            assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
            assert_eq!(n, 2, "answered once with the conflict, then made again");
            assert!(
                r.stdout.contains("SDK retries by service: apigateway 1"),
                "{}",
                r.stdout
            );
        } else {
            assert_eq!(r.code, 1, "{}", r.stdout);
            assert_eq!(n, 1, "not retried");
            assert!(
                r.stdout
                    .contains("apigateway_integration.patients_post: FAILED"),
                "{}",
                r.stdout
            );
        }
    }
}
