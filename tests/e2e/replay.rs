//! Operations moto does not implement, tested with recorded responses: the
//! real resource code and the real SDK, with an HTTP client that replays
//! AWS's answers (no network at all). The requests it made are checked.
//!
//! - AWS Backup selections (CreateBackupSelection answers 500 on moto).
//! - API Gateway TagResource/UntagResource on a REST API (404 on moto).
//! - IAM eventual consistency: Lambda refusing a role it cannot assume yet
//!   (moto's IAM is consistent at once, so it never says so).

use std::sync::Arc;

use aws_config::{BehaviorVersion, Region};
use aws_smithy_http_client::test_util::{ReplayEvent, StaticReplayClient};
use aws_smithy_types::body::SdkBody;
use hcprov::aws::{registry, Aws};
use hcprov::engine::resource::{Ctx, Stats};
use hcprov::engine::value::Attrs;
use serde_json::{json, Value};

use super::harness::block_on;

pub(super) fn event(status: u16, body: Value) -> ReplayEvent {
    ReplayEvent::new(
        http::Request::builder()
            .uri("https://placeholder")
            .body(SdkBody::empty())
            .unwrap(),
        http::Response::builder()
            .status(status)
            .header("content-type", "application/json")
            .body(SdkBody::from(body.to_string()))
            .unwrap(),
    )
}

/// A JSON error answer with a request id.
pub(super) fn error_with(status: u16, code: &str, request_id: &str, body: Value) -> ReplayEvent {
    ReplayEvent::new(
        http::Request::builder()
            .uri("https://placeholder")
            .body(SdkBody::empty())
            .unwrap(),
        http::Response::builder()
            .status(status)
            .header("content-type", "application/json")
            .header("x-amzn-errortype", code)
            .header("x-amzn-requestid", request_id)
            .body(SdkBody::from(body.to_string()))
            .unwrap(),
    )
}

pub(super) fn error(status: u16, code: &str) -> ReplayEvent {
    ReplayEvent::new(
        http::Request::builder()
            .uri("https://placeholder")
            .body(SdkBody::empty())
            .unwrap(),
        http::Response::builder()
            .status(status)
            .header("content-type", "application/json")
            .header("x-amzn-errortype", code)
            .body(SdkBody::from(json!({"message": "not found"}).to_string()))
            .unwrap(),
    )
}

pub(super) async fn aws_with(replay: &StaticReplayClient) -> Arc<Aws> {
    let sdk = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(aws_sdk_ec2::config::Credentials::new(
            "test", "test", None, None, "replay",
        ))
        .http_client(replay.clone())
        .load()
        .await;
    Arc::new(Aws::from_config(sdk, false))
}

pub(super) fn ctx(address: &str) -> Ctx {
    Ctx::new(address, "us-east-1", Arc::new(Stats::default()), None)
}

pub(super) fn obj(v: Value) -> Attrs {
    v.as_object().unwrap().clone()
}

pub(super) fn requests(replay: &StaticReplayClient) -> Vec<(String, String, Value)> {
    replay
        .actual_requests()
        .map(|r| {
            let body = r
                .body()
                .bytes()
                .map(|b| serde_json::from_slice(b).unwrap_or(Value::Null))
                .unwrap_or(Value::Null);
            (r.method().to_string(), r.uri().to_string(), body)
        })
        .collect()
}

#[test]
fn backup_selection_create_read_delete_with_recorded_responses() {
    let replay = StaticReplayClient::new(vec![
        event(
            200,
            json!({"SelectionId": "sel-1", "BackupPlanId": "plan-1", "CreationDate": 1.7e9}),
        ),
        event(
            200,
            json!({
                "BackupPlanId": "plan-1", "SelectionId": "sel-1",
                "BackupSelection": {"SelectionName": "healthcare-resources-dev", "IamRoleArn": "arn:aws:iam::123456789012:role/b",
                                    "Resources": ["arn:aws:dynamodb:us-east-1:123456789012:table/t"]},
            }),
        ),
        event(200, json!({})),
        error(404, "ResourceNotFoundException"),
    ]);
    block_on(async {
        let aws = aws_with(&replay).await;
        let reg = registry(&aws);
        let t = reg.get("backup_selection").unwrap();
        let desired = obj(json!({
            "name": "healthcare-resources-dev", "plan_id": "plan-1", "iam_role_arn": "arn:aws:iam::123456789012:role/b",
            "resources": ["arn:aws:dynamodb:us-east-1:123456789012:table/t"],
        }));
        let c = ctx("backup_selection.patient_records").with_client_token("tok-1");
        let created = t.create(&c, &desired).await.unwrap();
        assert_eq!(created.id, "plan-1/sel-1");
        let live = t.read(&c, &created.id, &desired).await.unwrap().unwrap();
        assert_eq!(
            live.attrs, desired,
            "a read gives back exactly what was applied: no drift"
        );
        t.delete(&c, &created.id, &desired).await.unwrap();
        assert!(
            t.read(&c, &created.id, &desired).await.unwrap().is_none(),
            "NotFound reads as gone"
        );
    });
    let reqs = requests(&replay);
    assert_eq!(reqs.len(), 4);
    assert_eq!(
        (reqs[0].0.as_str(), reqs[0].1.as_str()),
        (
            "PUT",
            "https://backup.us-east-1.amazonaws.com/backup/plans/plan-1/selections"
        )
    );
    assert_eq!(
        reqs[0].2["BackupSelection"]["SelectionName"],
        "healthcare-resources-dev"
    );
    // The intent's client token, so a re-sent create is the same request.
    assert_eq!(reqs[0].2["CreatorRequestId"], "tok-1");
    assert_eq!(
        reqs[0].2["BackupSelection"]["Resources"],
        json!(["arn:aws:dynamodb:us-east-1:123456789012:table/t"])
    );
    assert_eq!(
        (reqs[1].0.as_str(), reqs[1].1.as_str()),
        (
            "GET",
            "https://backup.us-east-1.amazonaws.com/backup/plans/plan-1/selections/sel-1"
        )
    );
    assert_eq!(reqs[2].0, "DELETE");
}

#[test]
fn rest_api_tag_update_with_recorded_responses() {
    let replay = StaticReplayClient::new(vec![event(204, json!({})), event(204, json!({}))]);
    block_on(async {
        let aws = aws_with(&replay).await;
        let reg = registry(&aws);
        let t = reg.get("apigateway_rest_api").unwrap();
        let base = json!({"name": "healthcare-api-dev", "description": "d", "endpoint_types": ["REGIONAL"]});
        let mut from = base.clone();
        from["tags"] = json!({"Team": "a", "Old": "x"});
        let mut to = base;
        to["tags"] = json!({"Team": "b"});
        t.update(
            &ctx("apigateway_rest_api.main"),
            "abc123",
            &obj(from),
            &obj(to),
        )
        .await
        .unwrap();
    });
    let reqs = requests(&replay);
    assert_eq!(reqs.len(), 2, "one untag and one tag call, nothing else");
    let untag = reqs
        .iter()
        .find(|r| r.0 == "DELETE")
        .expect("an UntagResource call");
    assert!(
        untag
            .1
            .contains("/tags/arn%3Aaws%3Aapigateway%3Aus-east-1%3A%3A%2Frestapis%2Fabc123"),
        "{}",
        untag.1
    );
    assert!(untag.1.contains("tagKeys=Old"), "{}", untag.1);
    let tag = reqs
        .iter()
        .find(|r| r.0 == "PUT")
        .expect("a TagResource call");
    assert_eq!(tag.2["tags"], json!({"Team": "b"}));
}

#[test]
fn lambda_create_retries_a_role_that_is_not_assumable_yet() {
    let not_yet = || {
        ReplayEvent::new(
            http::Request::builder().uri("https://placeholder").body(SdkBody::empty()).unwrap(),
            http::Response::builder()
                .status(400)
                .header("content-type", "application/json")
                .header("x-amzn-errortype", "InvalidParameterValueException")
                .body(SdkBody::from(json!({"message": "The role defined for the function cannot be assumed by Lambda."}).to_string()))
                .unwrap(),
        )
    };
    let arn = "arn:aws:lambda:us-east-1:123456789012:function:healthcare-health-check-dev";
    let replay = StaticReplayClient::new(vec![
        not_yet(),
        not_yet(),
        event(
            201,
            json!({"FunctionName": "healthcare-health-check-dev", "FunctionArn": arn, "State": "Active"}),
        ),
        event(
            200,
            json!({"FunctionName": "healthcare-health-check-dev", "FunctionArn": arn, "State": "Active", "LastUpdateStatus": "Successful"}),
        ),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let handler = dir.path().join("health_check.py");
    std::fs::write(&handler, "def handler(e, c):\n    return 1\n").unwrap();
    let hash = hcprov::aws::lambda::package::package(dir.path(), std::slice::from_ref(&handler))
        .unwrap()
        .sha256;
    let c = ctx("lambda_function.health_check");
    let created = block_on(async {
        let mut aws = Arc::try_unwrap(aws_with(&replay).await).unwrap();
        aws.lambda_source = Some(dir.path().to_path_buf());
        let aws = Arc::new(aws);
        let reg = registry(&aws);
        let desired = obj(json!({
            "function_name": "healthcare-health-check-dev", "role": "arn:aws:iam::123456789012:role/r", "handler": "health_check.handler",
            "runtime": "python3.11", "timeout": 30, "memory_size": 256, "environment": {"ENVIRONMENT": "dev"}, "vpc_config": null,
            "source_files": [handler.display().to_string()], "source_code_hash": hash, "tags": {},
        }));
        reg.get("lambda_function")
            .unwrap()
            .create(&c, &desired)
            .await
            .unwrap()
    });
    assert_eq!(created.id, "healthcare-health-check-dev");
    assert_eq!(
        c.stats.retries(),
        2,
        "two refusals, retried within the named budget"
    );
    let creates = requests(&replay)
        .iter()
        .filter(|r| r.1.ends_with("/2015-03-31/functions"))
        .count();
    assert_eq!(creates, 3);
}

/// AWS Backup refuses a selection whose role was made seconds ago ("IAM
/// Role ... cannot be assumed by AWS Backup"); the create retries it within
/// `iam-role-propagation`, sending the same client token, and succeeds. An
/// error outside the transient table fails at once.
#[test]
fn backup_selection_retries_a_role_backup_cannot_assume_yet() {
    let not_yet = || {
        error_with(
            400,
            "InvalidParameterValueException",
            "req-backup-1",
            json!({"Code": "InvalidParameterValueException", "Message": "IAM Role arn:aws:iam::123456789012:role/b cannot be assumed by AWS Backup"}),
        )
    };
    let replay = StaticReplayClient::new(vec![
        not_yet(),
        event(
            200,
            json!({"SelectionId": "sel-1", "BackupPlanId": "plan-1", "CreationDate": 1.7e9}),
        ),
    ]);
    let desired = obj(json!({
        "name": "healthcare-resources-dev", "plan_id": "plan-1", "iam_role_arn": "arn:aws:iam::123456789012:role/b",
        "resources": ["arn:aws:dynamodb:us-east-1:123456789012:table/t"],
    }));
    let c = ctx("backup_selection.patient_records").with_client_token("tok-1");
    let created = block_on(async {
        let aws = aws_with(&replay).await;
        registry(&aws)
            .get("backup_selection")
            .unwrap()
            .create(&c, &desired)
            .await
            .unwrap()
    });
    assert_eq!(created.id, "plan-1/sel-1");
    assert_eq!(
        c.stats.retries(),
        1,
        "one refusal, retried within the budget"
    );
    let reqs = requests(&replay);
    assert_eq!(reqs.len(), 2);
    assert!(
        reqs.iter().all(|r| r.2["CreatorRequestId"] == "tok-1"),
        "{reqs:?}"
    );

    // A validation error of another kind is not retried, and names its request id.
    let refused = StaticReplayClient::new(vec![error_with(
        400,
        "InvalidParameterValueException",
        "req-backup-2",
        json!({"Message": "Invalid resource ARN"}),
    )]);
    let c = ctx("backup_selection.patient_records").with_client_token("tok-2");
    let err = block_on(async {
        let aws = aws_with(&refused).await;
        registry(&aws)
            .get("backup_selection")
            .unwrap()
            .create(&c, &desired)
            .await
            .unwrap_err()
    });
    assert_eq!(requests(&refused).len(), 1);
    assert!(err.message.contains("(request id req-backup-2)"), "{err}");
}
