//! A bucket's settings no node declares (lifecycle, replication, event
//! notifications, inventories), read against AWS's own answers: S3 answers a bucket
//! without notifications with an empty `<NotificationConfiguration/>`
//! (moto with an empty body, filled in tests/emulator.py), and the missing
//! lifecycle and replication with 404s. Apply's restore sends the deletes
//! (DeleteBucketInventoryConfiguration, which moto does not route, is
//! filled in tests/emulator.py) and the notifications with only
//! EventBridge delivery kept.

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

fn inventories(inner: &str) -> ReplayEvent {
    xml(
        200,
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListInventoryConfigurationsResult xmlns=\"{S3_NS}\">{inner}<IsTruncated>false</IsTruncated></ListInventoryConfigurationsResult>"),
    )
}

const KEYS_OUT: &str = "<InventoryConfiguration><Id>keys-out</Id><IsEnabled>true</IsEnabled><IncludedObjectVersions>Current</IncludedObjectVersions><Schedule><Frequency>Daily</Frequency></Schedule><Destination><S3BucketDestination><AccountId>210987654321</AccountId><Bucket>arn:aws:s3:::elsewhere</Bucket><Format>CSV</Format></S3BucketDestination></Destination></InventoryConfiguration>";

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
        "lifecycle_rules": [], "replication_rules": [], "notifications": [], "inventories": [],
    }));
    let clean = StaticReplayClient::new(vec![
        tagging(),
        s3_error(404, "NoSuchLifecycleConfiguration"),
        s3_error(404, "ReplicationConfigurationNotFoundError"),
        notifications(""),
        inventories(""),
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
        notifications(TOPIC_AND_BUS),
        inventories(KEYS_OUT),
        // Apply's restore: the lifecycle and the inventory deleted, the
        // notifications read again and put back with EventBridge delivery
        // only.
        xml(204, String::new()),
        xml(204, String::new()),
        notifications(TOPIC_AND_BUS),
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
            live.attrs["inventories"],
            json!(["keys-out: arn:aws:s3:::elsewhere"])
        );
        assert_eq!(
            live.attrs["notifications"],
            json!(["out: arn:aws:sns:us-east-1:210987654321:elsewhere"]),
            "delivery to the account's own event bus is not drift"
        );
        t.update(&c, "audit", &live.attrs, &prior).await.unwrap();
    });
    let sent: Vec<(String, String, String)> = added
        .actual_requests()
        .skip(5)
        .map(|r| {
            let body = String::from_utf8_lossy(r.body().bytes().unwrap_or_default()).into_owned();
            (r.method().to_string(), r.uri().to_string(), body)
        })
        .collect();
    let calls: Vec<(&str, &str)> = sent
        .iter()
        .map(|(m, u, _)| (m.as_str(), u.rsplit_once('/').unwrap().1))
        .collect();
    assert_eq!(
        calls,
        [
            ("DELETE", "?lifecycle"),
            ("DELETE", "?inventory&id=keys-out"),
            ("GET", "?notification"),
            ("PUT", "?notification"),
        ]
    );
    let body = &sent[3].2;
    assert!(
        !body.contains("Topic") && body.contains("EventBridgeConfiguration"),
        "EventBridge delivery only: {body}"
    );
}

const TOPIC_AND_BUS: &str = "<TopicConfiguration><Id>out</Id><Topic>arn:aws:sns:us-east-1:210987654321:elsewhere</Topic><Event>s3:ObjectCreated:*</Event></TopicConfiguration><EventBridgeConfiguration></EventBridgeConfiguration>";

/// ACLs turned back on (`ObjectWriter`) read as drift, and apply turns
/// them off again the way S3 accepts it: the bucket's ACL made private
/// first (S3 answers `InvalidBucketAclWithObjectOwnership` to the
/// ownership change while the ACL grants anyone but the owner).
#[test]
fn acls_turned_on_are_turned_off_after_the_bucket_acl_is_made_private() {
    let prior = obj(json!({
        "bucket": "audit", "force_destroy": false, "tags": {"hcprov:address": "s3_bucket.cloudtrail"},
        "object_ownership": "BucketOwnerEnforced",
    }));
    let replay = StaticReplayClient::new(vec![
        tagging(),
        xml(200, format!("<OwnershipControls xmlns=\"{S3_NS}\"><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule></OwnershipControls>")),
        xml(200, String::new()),
        xml(200, String::new()),
    ]);
    run(async {
        let aws = aws_with(&replay).await;
        let t = registry(&aws).get("s3_bucket").unwrap().clone();
        let c = ctx("s3_bucket.cloudtrail");
        let live = t.read(&c, "audit", &prior).await.unwrap().unwrap();
        assert_eq!(live.attrs["object_ownership"], "ObjectWriter");
        t.update(&c, "audit", &live.attrs, &prior).await.unwrap();
    });
    let sent: Vec<(String, String, String)> = replay
        .actual_requests()
        .skip(2)
        .map(|r| {
            let body = String::from_utf8_lossy(r.body().bytes().unwrap_or_default()).into_owned();
            (
                r.method().to_string(),
                r.uri().rsplit_once('/').unwrap().1.to_string(),
                body,
            )
        })
        .collect();
    assert_eq!(sent[0].0, "PUT");
    assert_eq!(sent[0].1, "?acl");
    assert_eq!(sent[1].1, "?ownershipControls");
    assert!(sent[1].2.contains("BucketOwnerEnforced"), "{sent:?}");
    let acl_header = replay
        .actual_requests()
        .nth(2)
        .unwrap()
        .headers()
        .get("x-amz-acl")
        .map(str::to_string);
    assert_eq!(acl_header.as_deref(), Some("private"));
}
