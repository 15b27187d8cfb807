//! A refresh reads the account's roles once (GetAccountAuthorizationDetails,
//! roles only) and takes each role's policy sets and inline documents from
//! it; a caller without that permission gets each role read on its own.
//! Against IAM's own answers.

use aws_smithy_http_client::test_util::{ReplayEvent, StaticReplayClient};
use hcprov::aws::registry;
use serde_json::json;

use super::replay::{aws_with, ctx, obj};
use super::replay_data::{run, xml};

const NS: &str = "https://iam.amazonaws.com/doc/2010-05-08/";

fn answer(op: &str, result: &str) -> ReplayEvent {
    super::replay_data::answer(NS, op, result)
}

fn get_role() -> ReplayEvent {
    answer(
        "GetRole",
        "<Role><Path>/</Path><RoleName>fn-role</RoleName><RoleId>AROA1</RoleId><Arn>arn:aws:iam::123456789012:role/fn-role</Arn>\
         <CreateDate>2026-12-01T00:00:00Z</CreateDate><AssumeRolePolicyDocument>%7B%7D</AssumeRolePolicyDocument><MaxSessionDuration>3600</MaxSessionDuration></Role>",
    )
}

fn role_read(replay: &StaticReplayClient) -> serde_json::Map<String, serde_json::Value> {
    run(async {
        let aws = aws_with(replay).await;
        aws.memo.begin();
        let t = registry(&aws).get("iam_role").unwrap().clone();
        let live = t
            .read(&ctx("iam_role.fn"), "fn-role", &obj(json!({})))
            .await
            .unwrap()
            .unwrap();
        aws.memo.end();
        live.attrs
    })
}

/// Reads the role; both ways find its one managed and one inline policy.
fn read_sets(replay: &StaticReplayClient) {
    let live = role_read(replay);
    assert_eq!(
        live["managed_policy_arns"],
        json!(["arn:aws:iam::aws:policy/ReadOnlyAccess"])
    );
    assert_eq!(live["inline_policy_names"], json!(["fn-policy"]));
}

fn actions(replay: &StaticReplayClient) -> Vec<String> {
    replay
        .actual_requests()
        .map(|r| {
            let body = String::from_utf8_lossy(r.body().bytes().unwrap_or_default()).into_owned();
            body.split('&')
                .find_map(|p| p.strip_prefix("Action="))
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}

#[test]
fn a_refresh_takes_a_roles_policies_from_the_account_wide_read() {
    let replay = StaticReplayClient::new(vec![
        get_role(),
        answer(
            "GetAccountAuthorizationDetails",
            "<RoleDetailList><member><RoleName>fn-role</RoleName><Arn>arn:aws:iam::123456789012:role/fn-role</Arn>\
             <RolePolicyList><member><PolicyName>fn-policy</PolicyName><PolicyDocument>%7B%22Version%22%3A%222012-10-17%22%7D</PolicyDocument></member></RolePolicyList>\
             <AttachedManagedPolicies><member><PolicyName>ReadOnlyAccess</PolicyName><PolicyArn>arn:aws:iam::aws:policy/ReadOnlyAccess</PolicyArn></member></AttachedManagedPolicies>\
             </member></RoleDetailList><IsTruncated>false</IsTruncated>",
        ),
    ]);
    read_sets(&replay);
    assert_eq!(
        actions(&replay),
        ["GetRole", "GetAccountAuthorizationDetails"]
    );
}

#[test]
fn without_the_account_wide_permission_each_role_is_read_on_its_own() {
    let refused = xml(
        403,
        format!("<ErrorResponse xmlns=\"{NS}\"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not authorized to perform: iam:GetAccountAuthorizationDetails</Message></Error><RequestId>r-2</RequestId></ErrorResponse>"),
    );
    let replay = StaticReplayClient::new(vec![
        get_role(),
        refused,
        answer(
            "ListAttachedRolePolicies",
            "<AttachedPolicies><member><PolicyName>ReadOnlyAccess</PolicyName><PolicyArn>arn:aws:iam::aws:policy/ReadOnlyAccess</PolicyArn></member></AttachedPolicies><IsTruncated>false</IsTruncated>",
        ),
        answer(
            "ListRolePolicies",
            "<PolicyNames><member>fn-policy</member></PolicyNames><IsTruncated>false</IsTruncated>",
        ),
    ]);
    read_sets(&replay);
    assert_eq!(
        actions(&replay),
        [
            "GetRole",
            "GetAccountAuthorizationDetails",
            "ListAttachedRolePolicies",
            "ListRolePolicies"
        ]
    );
}
