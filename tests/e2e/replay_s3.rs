//! A bucket's settings no node declares (lifecycle, replication, event
//! notifications), read against AWS's own answers: S3 answers a bucket
//! without notifications with an empty `<NotificationConfiguration/>`
//! (moto with an empty body, filled in tests/emulator.py), and the missing
//! lifecycle and replication with 404s. Apply's restore sends the deletes
//! and an empty notification configuration.

use aws_smithy_http_client::test_util::{ReplayEvent, StaticReplayClient};
use hcprov::aws::registry;
use serde_json::json;

use super::replay::{aws_with, ctx, obj};
use super::replay_data::{run, xml};

const S3_NS: &str = "http://s3.amazonaws.com/doc/2006-03-01/";

fn s3_error(status: u16, code: &str) -> ReplayEvent {
    xml(
        status,
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>none</Message><BucketName>audit</BucketName><RequestId>r-1</RequestId></Error>"),
    )
}

fn tagging() -> ReplayEvent {
    xml(
        200,
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Tagging xmlns=\"{S3_NS}\"><TagSet><Tag><Key>hcprov:address</Key><Value>s3_bucket.cloudtrail</Value></Tag></TagSet></Tagging>"),
    )
}

fn notifications(inner: &str) -> ReplayEvent {
    xml(
        200,
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<NotificationConfiguration xmlns=\"{S3_NS}\">{inner}</NotificationConfiguration>"),
    )
}

#[test]
fn undeclared_bucket_settings_read_from_recorded_answers_and_are_taken_off() {
    let prior = obj(json!({
        "bucket": "audit", "force_destroy": false, "tags": {"hcprov:address": "s3_bucket.cloudtrail"},
        "lifecycle_rules": [], "replication_rules": [], "notifications": [],
    }));
    let clean = StaticReplayClient::new(vec![
        tagging(),
        s3_error(404, "NoSuchLifecycleConfiguration"),
        s3_error(404, "ReplicationConfigurationNotFoundError"),
        notifications(""),
    ]);
    let live = run(async {
        let aws = aws_with(&clean).await;
        let t = registry(&aws).get("s3_bucket").unwrap().clone();
        t.read(&ctx("s3_bucket.cloudtrail"), "audit", &prior)
            .await
            .unwrap()
            .unwrap()
    });
    assert_eq!(live.attrs, prior, "nothing added: no drift");

    let added = StaticReplayClient::new(vec![
        tagging(),
        xml(200, format!("<LifecycleConfiguration xmlns=\"{S3_NS}\"><Rule><ID>forget</ID><Filter><Prefix></Prefix></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule></LifecycleConfiguration>")),
        s3_error(404, "ReplicationConfigurationNotFoundError"),
        notifications("<TopicConfiguration><Id>out</Id><Topic>arn:aws:sns:us-east-1:210987654321:elsewhere</Topic><Event>s3:ObjectCreated:*</Event></TopicConfiguration><EventBridgeConfiguration></EventBridgeConfiguration>"),
        // Apply's restore.
        xml(204, String::new()),
        xml(200, String::new()),
    ]);
    run(async {
        let aws = aws_with(&added).await;
        let t = registry(&aws).get("s3_bucket").unwrap().clone();
        let c = ctx("s3_bucket.cloudtrail");
        let live = t.read(&c, "audit", &prior).await.unwrap().unwrap();
        assert_eq!(live.attrs["lifecycle_rules"], json!(["forget"]));
        assert_eq!(live.attrs["replication_rules"], json!([]));
        assert_eq!(
            live.attrs["notifications"],
            json!([
                "EventBridge",
                "out: arn:aws:sns:us-east-1:210987654321:elsewhere"
            ])
        );
        t.update(&c, "audit", &live.attrs, &prior).await.unwrap();
    });
    let sent: Vec<(String, String)> = added
        .actual_requests()
        .skip(4)
        .map(|r| (r.method().to_string(), r.uri().to_string()))
        .collect();
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert!(
        sent[0].0 == "DELETE" && sent[0].1.contains("lifecycle"),
        "{sent:?}"
    );
    assert!(
        sent[1].0 == "PUT" && sent[1].1.contains("notification"),
        "{sent:?}"
    );
    let body = String::from_utf8_lossy(
        added
            .actual_requests()
            .nth(5)
            .unwrap()
            .body()
            .bytes()
            .unwrap_or_default(),
    )
    .into_owned();
    assert!(
        !body.contains("Topic") && !body.contains("EventBridge"),
        "an empty configuration: {body}"
    );
}
