//! How real AWS behaves where the emulator cannot show it, tested with
//! recorded responses shaped after AWS's documented answers: the real
//! resource code and SDK, no network. Each test names the behaviour.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use aws_smithy_http_client::test_util::{ReplayEvent, StaticReplayClient};
use aws_smithy_types::body::SdkBody;
use hcprov::aws::registry;
use serde_json::json;

use super::harness::block_on;
use super::replay::{aws_with, ctx, event, obj};

/// An XML answer (EC2, S3, the query protocol).
fn xml(status: u16, body: &str) -> ReplayEvent {
    ReplayEvent::new(
        http::Request::builder()
            .uri("https://placeholder")
            .body(SdkBody::empty())
            .unwrap(),
        http::Response::builder()
            .status(status)
            .header("content-type", "text/xml")
            .body(SdkBody::from(body.to_string()))
            .unwrap(),
    )
}

/// Each request's method, URI and body as text.
fn sent(replay: &StaticReplayClient) -> Vec<(String, String, String)> {
    replay
        .actual_requests()
        .map(|r| {
            let body = r
                .body()
                .bytes()
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default();
            (r.method().to_string(), r.uri().to_string(), body)
        })
        .collect()
}

const EC2: &str = "xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"";

/// Deletes `id` with the resource type `kind` against recorded answers.
fn delete_with(
    replay: &StaticReplayClient,
    kind: &str,
    id: &str,
    attrs: serde_json::Value,
    allow_recovery_point_deletes: bool,
) -> Result<(), hcprov::engine::resource::ResourceError> {
    block_on(async {
        let aws = aws_with(replay).await;
        aws.delete_recovery_points
            .store(allow_recovery_point_deletes, Ordering::Relaxed);
        registry(&aws)
            .get(kind)
            .unwrap()
            .delete(&ctx(&format!("{kind}.x")), id, &obj(attrs))
            .await
    })
}

const STS_IDENTITY: &str = r#"<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws-us-gov:iam::123456789012:user/ci</Arn><UserId>AIDA</UserId><Account>123456789012</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></GetCallerIdentityResponse>"#;

#[test]
fn zones_are_the_regions_first_available_ones_not_letters_a_and_b() {
    let replay = StaticReplayClient::new(vec![xml(200, &format!(
        "<DescribeAvailabilityZonesResponse {EC2}><requestId>r</requestId><availabilityZoneInfo>\
         <item><zoneName>us-east-1a</zoneName><zoneState>impaired</zoneState><zoneType>availability-zone</zoneType><optInStatus>opt-in-not-required</optInStatus></item>\
         <item><zoneName>us-east-1-bos-1a</zoneName><zoneState>available</zoneState><zoneType>local-zone</zoneType><optInStatus>opted-in</optInStatus></item>\
         <item><zoneName>us-east-1d</zoneName><zoneState>available</zoneState><zoneType>availability-zone</zoneType><optInStatus>opt-in-not-required</optInStatus></item>\
         <item><zoneName>us-east-1c</zoneName><zoneState>available</zoneState><zoneType>availability-zone</zoneType><optInStatus>opt-in-not-required</optInStatus></item>\
         </availabilityZoneInfo></DescribeAvailabilityZonesResponse>"
    ))]);
    let zones = block_on(async { aws_with(&replay).await.zones("us-east-1").await.unwrap() });
    assert_eq!(zones, ["us-east-1c", "us-east-1d"]);
}

#[test]
fn arns_take_the_partition_and_account_of_the_caller() {
    let replay = StaticReplayClient::new(vec![xml(200, STS_IDENTITY)]);
    let (id, arn) = block_on(async {
        let aws = aws_with(&replay).await;
        let id = aws.identity("us-gov-west-1").await.unwrap();
        let arn = aws
            .arn("logs", "us-gov-west-1", "log-group:/aws/x")
            .await
            .unwrap();
        (id, arn)
    });
    assert_eq!(
        (id.account.as_str(), id.partition.as_str()),
        ("123456789012", "aws-us-gov")
    );
    assert_eq!(
        arn,
        "arn:aws-us-gov:logs:us-gov-west-1:123456789012:log-group:/aws/x"
    );
    assert_eq!(hcprov::aws::partition_of_region("cn-north-1"), "aws-cn");
}

#[test]
fn a_log_group_answer_without_its_arn_gets_one_built_from_the_account() {
    let replay = StaticReplayClient::new(vec![
        event(
            200,
            json!({"logGroups": [{"logGroupName": "/aws/x", "retentionInDays": 7}]}),
        ),
        xml(200, &STS_IDENTITY.replace("aws-us-gov", "aws")),
        event(200, json!({"tags": {}})),
        event(200, json!({"subscriptionFilters": []})),
    ]);
    let live = block_on(async {
        let aws = aws_with(&replay).await;
        registry(&aws)
            .get("logs_log_group")
            .unwrap()
            .read(&ctx("logs_log_group.x"), "/aws/x", &obj(json!({})))
            .await
            .unwrap()
            .unwrap()
    });
    assert_eq!(
        live.outputs["arn"],
        "arn:aws:logs:us-east-1:123456789012:log-group:/aws/x"
    );
}

#[test]
fn alarm_tags_change_through_tag_resource_not_put_metric_alarm() {
    let replay = StaticReplayClient::new(vec![
        xml(200, &STS_IDENTITY.replace("aws-us-gov", "aws")),
        xml(
            200,
            r#"<TagResourceResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/"><TagResourceResult/><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></TagResourceResponse>"#,
        ),
    ]);
    let alarm = json!({"alarm_name": "a", "alarm_description": "d", "comparison_operator": "GreaterThanThreshold",
        "evaluation_periods": 1, "metric_name": "Errors", "namespace": "AWS/Lambda", "period": 300, "statistic": "Sum",
        "threshold": 1, "dimensions": {}, "alarm_actions": [], "tags": {"Env": "e"}});
    let mut to = alarm.clone();
    to["tags"]["Team"] = json!("x");
    block_on(async {
        let aws = aws_with(&replay).await;
        registry(&aws)
            .get("cloudwatch_metric_alarm")
            .unwrap()
            .update(
                &ctx("cloudwatch_metric_alarm.a"),
                "a",
                &obj(alarm),
                &obj(to),
            )
            .await
            .unwrap()
    });
    let reqs = sent(&replay);
    assert_eq!(reqs.len(), 2, "{reqs:?}");
    assert!(reqs[1].2.contains("Action=TagResource"), "{}", reqs[1].2);
    assert!(
        reqs[1]
            .2
            .contains("ResourceARN=arn%3Aaws%3Acloudwatch%3Aus-east-1%3A123456789012%3Aalarm%3Aa"),
        "{}",
        reqs[1].2
    );
    assert!(
        reqs[1].2.contains("Tags.member.1.Key=Team"),
        "{}",
        reqs[1].2
    );
    assert!(reqs.iter().all(|r| !r.2.contains("PutMetricAlarm")));
}

#[test]
fn a_vault_with_recovery_points_is_kept_unless_the_run_allows_deleting_them() {
    let points = || {
        event(
            200,
            json!({"RecoveryPoints": [
                {"RecoveryPointArn": "arn:aws:backup:us-east-1:123456789012:recovery-point:p1"},
                {"RecoveryPointArn": "arn:aws:backup:us-east-1:123456789012:recovery-point:p2"},
            ]}),
        )
    };
    let replay = StaticReplayClient::new(vec![points()]);
    let err = delete_with(&replay, "backup_vault", "v", json!({}), false).unwrap_err();
    assert!(
        err.message.contains("holds 2 recovery points")
            && err.message.contains("--delete-recovery-points"),
        "{err}"
    );
    assert_eq!(sent(&replay).len(), 1, "nothing deleted");

    let replay = StaticReplayClient::new(vec![
        points(),
        event(200, json!({})),
        event(200, json!({})),
        event(200, json!({})),
    ]);
    delete_with(&replay, "backup_vault", "v", json!({}), true).unwrap();
    let reqs = sent(&replay);
    let calls: Vec<(&str, &str)> = reqs.iter().map(|r| (r.0.as_str(), r.1.as_str())).collect();
    assert_eq!(calls.len(), 4);
    assert!(
        calls[1].1.contains("/recovery-points/arn%3Aaws%3Abackup") && calls[1].0 == "DELETE",
        "{calls:?}"
    );
    assert_eq!(
        calls[3],
        (
            "DELETE",
            "https://backup.us-east-1.amazonaws.com/backup-vaults/v"
        )
    );
}

#[test]
fn emptying_a_bucket_gives_up_naming_objects_it_cannot_delete() {
    let replay = StaticReplayClient::new(vec![
        xml(
            200,
            r#"<ListVersionsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><IsTruncated>false</IsTruncated><Version><Key>patient-records/p-1/a.json</Key><VersionId>v1</VersionId><IsLatest>true</IsLatest></Version></ListVersionsResult>"#,
        ),
        xml(
            200,
            r#"<DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Error><Key>patient-records/p-1/a.json</Key><VersionId>v1</VersionId><Code>AccessDenied</Code><Message>Access Denied</Message></Error></DeleteResult>"#,
        ),
    ]);
    let err = delete_with(
        &replay,
        "s3_bucket",
        "b",
        json!({"force_destroy": true}),
        false,
    )
    .unwrap_err();
    assert!(
        err.message
            .contains("patient-records/p-1/a.json (AccessDenied: Access Denied)"),
        "{err}"
    );
    assert_eq!(sent(&replay).len(), 2, "gave up instead of listing again");
}

#[test]
fn a_vpc_endpoint_delete_reads_the_errors_inside_a_200_and_waits_until_gone() {
    let replay = StaticReplayClient::new(vec![xml(200, &format!(
        "<DeleteVpcEndpointsResponse {EC2}><requestId>r</requestId><unsuccessful><item><error><code>OperationNotPermitted</code><message>The endpoint is managed by another service</message></error><resourceId>vpce-1</resourceId></item></unsuccessful></DeleteVpcEndpointsResponse>"
    ))]);
    let err = delete_with(&replay, "ec2_vpc_endpoint", "vpce-1", json!({}), false).unwrap_err();
    assert!(err.message.starts_with("OperationNotPermitted"), "{err}");

    let replay = StaticReplayClient::new(vec![
        xml(200, &format!("<DeleteVpcEndpointsResponse {EC2}><requestId>r</requestId><unsuccessful/></DeleteVpcEndpointsResponse>")),
        xml(200, &format!("<DescribeVpcEndpointsResponse {EC2}><requestId>r</requestId><vpcEndpointSet><item><vpcEndpointId>vpce-1</vpcEndpointId><state>deleting</state></item></vpcEndpointSet></DescribeVpcEndpointsResponse>")),
        xml(400, &format!("<Response {EC2}><Errors><Error><Code>InvalidVpcEndpointId.NotFound</Code><Message>gone</Message></Error></Errors><RequestID>r</RequestID></Response>")),
    ]);
    delete_with(&replay, "ec2_vpc_endpoint", "vpce-1", json!({}), false).unwrap();
    assert_eq!(sent(&replay).len(), 3, "polled until the endpoint was gone");
}

#[test]
fn lambda_interfaces_left_in_a_security_group_are_deleted_before_the_group() {
    let replay = StaticReplayClient::new(vec![
        xml(200, &format!(
            "<DescribeNetworkInterfacesResponse {EC2}><requestId>r</requestId><networkInterfaceSet>\
             <item><networkInterfaceId>eni-detached</networkInterfaceId><status>available</status><interfaceType>lambda</interfaceType><description>AWS Lambda VPC ENI-healthcare-data-processor-prod-1234</description></item>\
             <item><networkInterfaceId>eni-attached</networkInterfaceId><status>in-use</status><interfaceType>lambda</interfaceType><description>AWS Lambda VPC ENI-healthcare-data-processor-prod-5678</description></item>\
             <item><networkInterfaceId>eni-other</networkInterfaceId><status>available</status><interfaceType>interface</interfaceType><description>someone's</description></item>\
             </networkInterfaceSet></DescribeNetworkInterfacesResponse>"
        )),
        xml(200, &format!("<DeleteNetworkInterfaceResponse {EC2}><requestId>r</requestId><return>true</return></DeleteNetworkInterfaceResponse>")),
        xml(200, &format!("<DeleteSecurityGroupResponse {EC2}><requestId>r</requestId><return>true</return></DeleteSecurityGroupResponse>")),
    ]);
    delete_with(&replay, "ec2_security_group", "sg-1", json!({}), false).unwrap();
    let reqs = sent(&replay);
    assert_eq!(reqs.len(), 3);
    assert!(
        reqs[0].2.contains("Action=DescribeNetworkInterfaces")
            && reqs[0].2.contains("Filter.1.Name=group-id"),
        "{}",
        reqs[0].2
    );
    assert!(
        reqs[1].2.contains("Action=DeleteNetworkInterface")
            && reqs[1].2.contains("NetworkInterfaceId=eni-detached"),
        "{}",
        reqs[1].2
    );
    assert!(
        reqs[2].2.contains("Action=DeleteSecurityGroup"),
        "{}",
        reqs[2].2
    );
}

#[test]
fn searches_after_an_interrupted_run_follow_every_page() {
    let page = |id: &str, next: &str| {
        xml(200, &format!(
            "<DescribeSubnetsResponse {EC2}><requestId>r</requestId><subnetSet><item><subnetId>{id}</subnetId><vpcId>vpc-1</vpcId><cidrBlock>10.0.1.0/24</cidrBlock><availabilityZone>us-east-1a</availabilityZone><mapPublicIpOnLaunch>false</mapPublicIpOnLaunch></item></subnetSet>{next}</DescribeSubnetsResponse>"
        ))
    };
    let replay = StaticReplayClient::new(vec![
        page("subnet-1", "<nextToken>t2</nextToken>"),
        page("subnet-2", ""),
    ]);
    let found = block_on(async {
        let aws = aws_with(&replay).await;
        let want = obj(
            json!({"tags": {"hcprov:address": "ec2_subnet.public_1", "hcprov:lineage": "l-1"}}),
        );
        registry(&aws)
            .get("ec2_subnet")
            .unwrap()
            .find(&ctx("ec2_subnet.public_1"), &want)
            .await
            .unwrap()
    });
    assert_eq!(
        found,
        ["subnet-1", "subnet-2"],
        "a twin on the second page is seen"
    );
    let reqs = sent(&replay);
    assert!(reqs[1].2.contains("NextToken=t2"), "{}", reqs[1].2);

    let apis = StaticReplayClient::new(vec![
        event(
            200,
            json!({"item": [{"id": "a1", "tags": {"hcprov:address": "apigateway_rest_api.main", "hcprov:lineage": "l-1"}}], "position": "p2"}),
        ),
        event(
            200,
            json!({"item": [{"id": "a2", "tags": {"hcprov:address": "apigateway_rest_api.main", "hcprov:lineage": "l-1"}}]}),
        ),
    ]);
    let found = block_on(async {
        let aws = aws_with(&apis).await;
        let want = obj(
            json!({"tags": {"hcprov:address": "apigateway_rest_api.main", "hcprov:lineage": "l-1"}}),
        );
        registry(&aws)
            .get("apigateway_rest_api")
            .unwrap()
            .find(&ctx("apigateway_rest_api.main"), &want)
            .await
            .unwrap()
    });
    assert_eq!(found, ["a1", "a2"]);
    assert!(
        sent(&apis)[1].1.contains("position=p2"),
        "{:?}",
        sent(&apis)
    );
}

#[test]
fn bucket_names_are_unique_per_account_and_region_and_fit_s3s_limit() {
    let text = "environment = \"prod\"\nregion = \"eu-west-1\"\n";
    let cfg =
        hcprov::config::Config::parse(std::path::Path::new("t.toml"), text, None, None).unwrap();
    let _ = Arc::new(());
    let account = hcprov::stack::Account {
        id: "210987654321".into(),
        partition: "aws".into(),
        zones: vec!["eu-west-1a".into(), "eu-west-1b".into()],
        secondary_zones: vec![],
    };
    let mut cfg = cfg;
    cfg.compute.lambda_source = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("lambdas");
    let bp = hcprov::stack::blueprint(&cfg, &account).unwrap();
    let bucket =
        |n: &str| bp.nodes.iter().find(|x| x.address == n).unwrap().attrs()["bucket"].clone();
    assert_eq!(
        bucket("s3_bucket.data"),
        "healthcare-data-prod-210987654321-eu-west-1"
    );
    assert_eq!(
        bucket("s3_bucket.cloudtrail"),
        "healthcare-cloudtrail-prod-210987654321-eu-west-1"
    );
    cfg.storage.bucket_suffix = Some("acme".into());
    let bp = hcprov::stack::blueprint(&cfg, &account).unwrap();
    let data = bp
        .nodes
        .iter()
        .find(|x| x.address == "s3_bucket.data")
        .unwrap();
    assert_eq!(data.attrs()["bucket"], "healthcare-data-prod-acme");
    cfg.environment = "a-very-long-environment-x".into();
    cfg.storage.bucket_suffix = None;
    let err = hcprov::stack::blueprint(&cfg, &account).unwrap_err();
    assert!(
        err.contains("S3 allows 63") && err.contains("bucket_suffix"),
        "{err}"
    );
}
