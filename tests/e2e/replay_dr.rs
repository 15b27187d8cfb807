//! The calls the emulator fills for the multi-region-dr platform, tested
//! against AWS's own response shapes (from the API references): the real
//! resource code and SDK, an HTTP client replaying recorded answers, no
//! network. Each test checks the requests hcprov made.
//!
//! - DynamoDB UpdateTable `ReplicaUpdates` and DescribeTable `Replicas`
//!   (moto ignores replicas): the replica is added in the primary's API,
//!   waited for, and its point-in-time recovery set in its own region.
//! - S3 GetBucketReplication answering the whole configuration (moto drops
//!   most of it): what was put reads back as no drift.
//! - API Gateway v2 CreateDomainName answering the regional target (moto
//!   answers none).
//! - Route 53 CreateHealthCheck/GetHealthCheck with lowercase booleans and
//!   ListResourceRecordSets with escaped values (moto answers `True` and
//!   CDATA).
//! - ACM RequestCertificate, then DescribeCertificate before and after the
//!   validation records appear, then ISSUED (moto issues after 60 s).

use aws_smithy_http_client::test_util::StaticReplayClient;
use hcprov::aws::registry;
use serde_json::json;

use super::replay::{aws_with, ctx, event, obj, requests};
use super::replay_data::{bodies, run, xml};

const KEY_W: &str = "arn:aws:kms:us-west-2:123456789012:key/k-west";

fn table(status: &str, replica: Option<&str>) -> serde_json::Value {
    let mut t = json!({"Table": {
        "TableName": "healthcare-patient-records-dev", "TableStatus": status,
        "TableArn": "arn:aws:dynamodb:us-east-1:123456789012:table/healthcare-patient-records-dev",
        "KeySchema": [{"AttributeName": "patient_id", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "patient_id", "AttributeType": "S"}],
        "BillingModeSummary": {"BillingMode": "PAY_PER_REQUEST"},
        "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    }});
    if let Some(r) = replica {
        t["Table"]["Replicas"] =
            json!([{"RegionName": "us-west-2", "ReplicaStatus": r, "KMSMasterKeyId": KEY_W}]);
        t["Table"]["GlobalTableVersion"] = json!("2019.11.21");
    }
    t
}

#[test]
fn a_global_table_replica_is_added_waited_for_and_protected_in_its_region() {
    let pitr = json!({"ContinuousBackupsDescription": {"ContinuousBackupsStatus": "ENABLED", "PointInTimeRecoveryDescription": {"PointInTimeRecoveryStatus": "ENABLED"}}});
    let replay = StaticReplayClient::new(vec![
        event(
            200,
            json!({"TableDescription": table("CREATING", None)["Table"]}),
        ),
        event(200, table("ACTIVE", None)),
        event(200, pitr.clone()),
        event(
            200,
            json!({"TableDescription": table("UPDATING", Some("CREATING"))["Table"]}),
        ),
        event(200, table("ACTIVE", Some("CREATING"))),
        event(200, table("ACTIVE", Some("ACTIVE"))),
        event(200, pitr),
    ]);
    let desired = obj(json!({
        "name": "healthcare-patient-records-dev", "billing_mode": "PAY_PER_REQUEST", "hash_key": "patient_id", "hash_key_type": "S",
        "point_in_time_recovery": true, "kms_key_arn": "arn:aws:kms:us-east-1:123456789012:key/k-east",
        "stream_view_type": "NEW_AND_OLD_IMAGES",
        "replicas": [{"region": "us-west-2", "kms_key_arn": KEY_W, "point_in_time_recovery": true}],
    }));
    run(async {
        let aws = aws_with(&replay).await;
        let t = registry(&aws).get("dynamodb_table").unwrap().clone();
        t.create(&ctx("dynamodb_table.patient_records"), &desired)
            .await
            .unwrap();
    });
    let reqs = requests(&replay);
    assert_eq!(reqs.len(), 7, "{reqs:?}");
    assert_eq!(
        reqs[0].2["StreamSpecification"],
        json!({"StreamEnabled": true, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    );
    assert_eq!(
        reqs[3].2["ReplicaUpdates"],
        json!([{"Create": {"RegionName": "us-west-2", "KMSMasterKeyId": KEY_W}}])
    );
    assert!(
        reqs[3].1.contains("dynamodb.us-east-1"),
        "the replica is added through the table's own region"
    );
    assert!(
        reqs[6].1.contains("dynamodb.us-west-2"),
        "its point-in-time recovery is set in its own region: {}",
        reqs[6].1
    );
    assert_eq!(
        reqs[6].2["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"],
        json!(true)
    );
}

#[test]
fn a_replication_configuration_reads_back_whole_with_recorded_responses() {
    let answer = r#"<?xml version="1.0" encoding="UTF-8"?>
<ReplicationConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Role>arn:aws:iam::123456789012:role/repl</Role>
<Rule><ID>replicate-to-secondary</ID><Priority>1</Priority><Status>Enabled</Status><Filter><Prefix></Prefix></Filter>
<SourceSelectionCriteria><SseKmsEncryptedObjects><Status>Enabled</Status></SseKmsEncryptedObjects></SourceSelectionCriteria>
<Destination><Bucket>arn:aws:s3:::docs-secondary</Bucket><StorageClass>STANDARD</StorageClass>
<EncryptionConfiguration><ReplicaKmsKeyID>arn:aws:kms:us-west-2:123456789012:key/k-west</ReplicaKmsKeyID></EncryptionConfiguration>
<ReplicationTime><Status>Enabled</Status><Time><Minutes>15</Minutes></Time></ReplicationTime>
<Metrics><Status>Enabled</Status><EventThreshold><Minutes>15</Minutes></EventThreshold></Metrics></Destination>
<DeleteMarkerReplication><Status>Disabled</Status></DeleteMarkerReplication></Rule></ReplicationConfiguration>"#;
    let replay =
        StaticReplayClient::new(vec![xml(200, String::new()), xml(200, answer.to_string())]);
    let desired = obj(json!({
        "bucket": "docs-primary", "role": "arn:aws:iam::123456789012:role/repl",
        "rule": {"id": "replicate-to-secondary", "priority": 1, "status": "Enabled", "destination_bucket": "arn:aws:s3:::docs-secondary",
                 "storage_class": "STANDARD", "replica_kms_key_id": KEY_W, "delete_marker_replication": false,
                 "sse_kms_encrypted_objects": true, "replication_time_minutes": 15,
                 "filter_prefix": "", "filter_tag": null, "existing_object_replication": "Disabled",
                 "destination_account": null, "owner_override": false, "metrics": {"status": "Enabled", "minutes": 15}},
        "rule_count": 1,
    }));
    let live = run(async {
        let aws = aws_with(&replay).await;
        let t = registry(&aws).get("s3_bucket_replication").unwrap().clone();
        let c = ctx("s3_bucket_replication.primary");
        t.create(&c, &desired).await.unwrap();
        t.read(&c, "docs-primary", &desired).await.unwrap().unwrap()
    });
    assert_eq!(live.attrs, desired, "what was put reads back: no drift");
    let put = &bodies(&replay)[0];
    for part in [
        "<ReplicaKmsKeyID>",
        "<SseKmsEncryptedObjects>",
        "<ReplicationTime>",
        "<Metrics>",
        "<Role>arn:aws:iam::123456789012:role/repl</Role>",
    ] {
        assert!(put.contains(part), "{part} in {put}");
    }
}

#[test]
fn a_custom_domain_answers_its_regional_target_with_recorded_responses() {
    let replay = StaticReplayClient::new(vec![event(
        201,
        json!({
            "domainName": "api.healthcare-dr-dev.com", "apiMappingSelectionExpression": "$request.basepath",
            "domainNameConfigurations": [{"apiGatewayDomainName": "d-abc123.execute-api.us-west-2.amazonaws.com", "certificateArn": "arn:aws:acm:us-west-2:123456789012:certificate/c1",
                "domainNameStatus": "AVAILABLE", "endpointType": "REGIONAL", "hostedZoneId": "Z2OJLYMUO9EFXC", "securityPolicy": "TLS_1_2"}],
            "tags": {},
        }),
    )]);
    let desired = obj(
        json!({"domain_name": "api.healthcare-dr-dev.com", "certificate_arn": "arn:aws:acm:us-west-2:123456789012:certificate/c1",
        "endpoint_type": "REGIONAL", "security_policy": "TLS_1_2", "tags": {}}),
    );
    let made = run(async {
        let aws = aws_with(&replay).await;
        let t = registry(&aws)
            .get("apigatewayv2_domain_name")
            .unwrap()
            .clone();
        t.create(
            &ctx("apigatewayv2_domain_name.secondary_weighted"),
            &desired,
        )
        .await
        .unwrap()
    });
    assert_eq!(
        made.outputs["target_domain_name"],
        "d-abc123.execute-api.us-west-2.amazonaws.com"
    );
    assert_eq!(made.outputs["hosted_zone_id"], "Z2OJLYMUO9EFXC");
    let reqs = requests(&replay);
    assert_eq!(
        reqs[0].2["domainNameConfigurations"][0]["securityPolicy"],
        "TLS_1_2"
    );
}

const R53: &str = "https://route53.amazonaws.com/doc/2013-04-01/";

#[test]
fn route53_health_checks_and_record_values_read_as_aws_writes_them() {
    let check = r#"<HealthCheck><Id>hc-1</Id><CallerReference>tok</CallerReference><HealthCheckConfig>
<Port>443</Port><Type>HTTPS</Type><ResourcePath>/health</ResourcePath><FullyQualifiedDomainName>abc.execute-api.us-east-1.amazonaws.com</FullyQualifiedDomainName>
<RequestInterval>30</RequestInterval><FailureThreshold>3</FailureThreshold><MeasureLatency>false</MeasureLatency><Inverted>false</Inverted><Disabled>false</Disabled><EnableSNI>true</EnableSNI>
</HealthCheckConfig><HealthCheckVersion>1</HealthCheckVersion></HealthCheck>"#;
    let replay = StaticReplayClient::new(vec![
        xml(
            201,
            format!(
                r#"<?xml version="1.0"?><CreateHealthCheckResponse xmlns="{R53}">{check}</CreateHealthCheckResponse>"#
            ),
        ),
        xml(
            200,
            format!(r#"<?xml version="1.0"?><ChangeTagsForResourceResponse xmlns="{R53}"/>"#),
        ),
        xml(
            200,
            format!(
                r#"<?xml version="1.0"?><GetHealthCheckResponse xmlns="{R53}">{check}</GetHealthCheckResponse>"#
            ),
        ),
        xml(
            200,
            format!(
                r#"<?xml version="1.0"?><ListTagsForResourceResponse xmlns="{R53}"><ResourceTagSet><ResourceType>healthcheck</ResourceType><ResourceId>hc-1</ResourceId><Tags><Tag><Key>Environment</Key><Value>dev</Value></Tag></Tags></ResourceTagSet></ListTagsForResourceResponse>"#
            ),
        ),
        xml(
            200,
            format!(
                r#"<?xml version="1.0"?><ListResourceRecordSetsResponse xmlns="{R53}"><ResourceRecordSets><ResourceRecordSet>
<Name>_d930.api.healthcare-dr-dev.com.</Name><Type>CNAME</Type><TTL>300</TTL><ResourceRecords><ResourceRecord><Value>_c9ed.ykyb.acm-validations.aws.</Value></ResourceRecord></ResourceRecords>
</ResourceRecordSet></ResourceRecordSets><IsTruncated>false</IsTruncated><MaxItems>100</MaxItems></ListResourceRecordSetsResponse>"#
            ),
        ),
    ]);
    let desired = obj(
        json!({"type": "HTTPS", "fqdn": "abc.execute-api.us-east-1.amazonaws.com", "port": 443, "resource_path": "/health",
        "request_interval": 30, "failure_threshold": 3, "enable_sni": true, "disabled": false, "inverted": false, "tags": {"Environment": "dev"},
        "ip_address": null, "regions": []}),
    );
    let (check_live, record) = run(async {
        let aws = aws_with(&replay).await;
        let reg = registry(&aws);
        let t = reg.get("route53_health_check").unwrap().clone();
        let c = ctx("route53_health_check.primary").with_client_token("tok");
        let made = t.create(&c, &desired).await.unwrap();
        let live = t.read(&c, &made.id, &desired).await.unwrap().unwrap();
        let r = reg.get("route53_record").unwrap().clone();
        let rec = r
            .read(
                &ctx("route53_record.primary_validation_0"),
                "Z1|_d930.api.healthcare-dr-dev.com|CNAME|",
                &obj(json!({})),
            )
            .await
            .unwrap()
            .unwrap();
        (live, rec)
    });
    assert_eq!(
        check_live.attrs, desired,
        "a check reads back as made: no drift"
    );
    assert_eq!(
        record.attrs["records"],
        json!(["_c9ed.ykyb.acm-validations.aws."])
    );
    assert_eq!(
        record.attrs["name"],
        json!("_d930.api.healthcare-dr-dev.com"),
        "no trailing dot"
    );
    let b = bodies(&replay);
    assert!(
        b[0].contains("<CallerReference>tok</CallerReference>"),
        "the intent's token makes a re-sent create the same check: {}",
        b[0]
    );
}

#[test]
fn a_certificate_publishes_its_validation_records_then_is_issued_with_recorded_responses() {
    let cert = |status: &str, records: bool| {
        let rr = |n: &str| {
            if records {
                json!({"Name": format!("_x.{n}."), "Type": "CNAME", "Value": format!("_v.{n}.acm-validations.aws.")})
            } else {
                json!(null)
            }
        };
        let opt = |n: &str| {
            let mut o = json!({"DomainName": n, "ValidationStatus": "PENDING_VALIDATION", "ValidationMethod": "DNS"});
            if records {
                o["ResourceRecord"] = rr(n);
            }
            o
        };
        json!({"Certificate": {"CertificateArn": "arn:aws:acm:us-west-2:123456789012:certificate/c1", "DomainName": "api.z.com",
            "SubjectAlternativeNames": ["api.z.com", "failover.z.com"], "Status": status,
            "DomainValidationOptions": [opt("failover.z.com"), opt("api.z.com")]}})
    };
    let replay = StaticReplayClient::new(vec![
        event(
            200,
            json!({"CertificateArn": "arn:aws:acm:us-west-2:123456789012:certificate/c1"}),
        ),
        event(200, cert("PENDING_VALIDATION", false)),
        event(200, cert("PENDING_VALIDATION", true)),
        event(200, cert("PENDING_VALIDATION", true)),
        event(200, cert("ISSUED", true)),
    ]);
    let desired = obj(
        json!({"domain_name": "api.z.com", "subject_alternative_names": ["failover.z.com"], "tags": {}}),
    );
    let made = run(async {
        let aws = aws_with(&replay).await;
        let reg = registry(&aws);
        let made = reg
            .get("acm_certificate")
            .unwrap()
            .clone()
            .create(&ctx("acm_certificate.secondary"), &desired)
            .await
            .unwrap();
        let v = reg.get("acm_certificate_validation").unwrap().clone();
        v.create(
            &ctx("acm_certificate_validation.secondary"),
            &obj(json!({"certificate_arn": made.id, "validation_record_fqdns": []})),
        )
        .await
        .unwrap();
        made
    });
    // The domain's record first, then the alternative name's, whatever
    // order ACM lists them in.
    assert_eq!(made.outputs["validation_record_0_name"], "_x.api.z.com");
    assert_eq!(
        made.outputs["validation_record_1_value"],
        "_v.failover.z.com.acm-validations.aws."
    );
    let reqs = requests(&replay);
    assert_eq!(reqs.len(), 5, "waited for the records, then for ISSUED");
    assert_eq!(reqs[0].2["ValidationMethod"], "DNS");
}
