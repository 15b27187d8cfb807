//! An SNS topic's message data-protection policy against AWS's own answers
//! (moto has neither call; tests/emulator.py fills them): a policy made
//! outside hcprov reads as drift, and apply removes it with an empty
//! PutDataProtectionPolicy, as AWS documents.

use aws_smithy_http_client::test_util::StaticReplayClient;
use hcprov::aws::registry;
use serde_json::json;

use super::replay::{aws_with, ctx, obj};
use super::replay_data::{answer, bodies, run};

const SNS_NS: &str = "http://sns.amazonaws.com/doc/2010-03-31/";
const TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:healthcare-alerts-dev";
const BLOCK: &str = r#"{"Name":"__block","Version":"2021-06-01","Statement":[{"Sid":"deny","DataDirection":"Inbound","Principal":["*"],"DataIdentifier":["arn:aws:dataprotection::aws:data-identifier/Name"],"Operation":{"Deny":{}}}]}"#;

fn entry(k: &str, v: &str) -> String {
    format!("<entry><key>{k}</key><value>{v}</value></entry>")
}

#[test]
fn a_data_protection_policy_made_outside_hcprov_is_read_and_removed_with_recorded_responses() {
    let attributes = [
        entry("TopicArn", TOPIC),
        entry("DisplayName", "Healthcare System Alerts"),
        entry(
            "KmsMasterKeyId",
            "arn:aws:kms:us-east-1:123456789012:key/k-1",
        ),
    ]
    .concat();
    let replay = StaticReplayClient::new(vec![
        answer(
            SNS_NS,
            "GetTopicAttributes",
            &format!("<Attributes>{attributes}</Attributes>"),
        ),
        answer(
            SNS_NS,
            "GetDataProtectionPolicy",
            &format!("<DataProtectionPolicy>{BLOCK}</DataProtectionPolicy>"),
        ),
        answer(SNS_NS, "ListTagsForResource", "<Tags></Tags>"),
        answer(SNS_NS, "PutDataProtectionPolicy", ""),
        answer(
            SNS_NS,
            "GetDataProtectionPolicy",
            "<DataProtectionPolicy></DataProtectionPolicy>",
        ),
    ]);
    let (live, after) = run(async {
        let aws = aws_with(&replay).await;
        let t = registry(&aws).get("sns_topic").unwrap().clone();
        let c = ctx("sns_topic.alerts");
        let live = t.read(&c, TOPIC, &obj(json!({}))).await.unwrap().unwrap();
        let mut to = live.attrs.clone();
        to.insert("data_protection_policy".into(), json!(null));
        t.update(&c, TOPIC, &live.attrs, &to).await.unwrap();
        let clients = aws.region("us-east-1");
        let after = hcprov::aws::sns::data_protection(&clients.sns, TOPIC)
            .await
            .unwrap();
        (live, after)
    });
    assert_eq!(
        live.attrs["data_protection_policy"]["Statement"][0]["Operation"],
        json!({"Deny": {}}),
        "read as a document: {:?}",
        live.attrs
    );
    assert_eq!(after, json!(null), "an empty answer is no policy");
    let b = bodies(&replay);
    assert!(
        b[3].starts_with("Action=PutDataProtectionPolicy")
            && b[3].split('&').any(|p| p == "DataProtectionPolicy=")
            && b[3].contains("ResourceArn=arn%3Aaws%3Asns"),
        "removed with an empty policy: {}",
        b[3]
    );
    assert_eq!(b.len(), 5, "only the policy was put: {b:?}");
}
