//! The calls the test emulator fills in for the aurora-redis-api platform,
//! tested against AWS's own response shapes (from the API references):
//! the real resource code and SDK, an HTTP client replaying recorded
//! answers, no network. Each test checks the requests hcprov made.
//!
//! - ElastiCache ModifyReplicationGroup, then waiting for `available`.
//! - ElastiCache DeleteReplicationGroup: `deleting`, then gone.
//! - ElastiCache DeleteCacheSubnetGroup, refused while a group still uses
//!   it (`CacheSubnetGroupInUse`), then accepted.
//! - API Gateway v2 UpdateStage, and DeleteRouteSettings for an override
//!   made outside hcprov.
//! - RDS CreateDBCluster with an RDS-managed master password: the request
//!   carries no password, the secret's ARN comes from the answer.
//! - Secrets Manager CreateSecret on a name scheduled for deletion (moto
//!   answers `ResourceExistsException`; AWS `InvalidRequestException`):
//!   this state's secret is restored, another's is left alone.

use aws_smithy_http_client::test_util::{ReplayEvent, StaticReplayClient};
use aws_smithy_types::body::SdkBody;
use hcprov::aws::registry;
use serde_json::json;

use super::replay::{aws_with, ctx, event, obj};

const EC_NS: &str = "http://elasticache.amazonaws.com/doc/2015-02-02/";
pub(super) const RDS_NS: &str = "http://rds.amazonaws.com/doc/2014-10-31/";

pub(super) fn xml(status: u16, body: String) -> ReplayEvent {
    ReplayEvent::new(
        http::Request::builder()
            .uri("https://placeholder")
            .body(SdkBody::empty())
            .unwrap(),
        http::Response::builder()
            .status(status)
            .header("content-type", "text/xml")
            .body(SdkBody::from(body))
            .unwrap(),
    )
}

/// A query-protocol answer `<{op}Response><{op}Result>{result}</…>`.
pub(super) fn answer(ns: &str, op: &str, result: &str) -> ReplayEvent {
    xml(
        200,
        format!("<{op}Response xmlns=\"{ns}\"><{op}Result>{result}</{op}Result><ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></{op}Response>"),
    )
}

fn query_error(ns: &str, status: u16, code: &str, message: &str) -> ReplayEvent {
    xml(
        status,
        format!("<ErrorResponse xmlns=\"{ns}\"><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>req-2</RequestId></ErrorResponse>"),
    )
}

/// A replication group as DescribeReplicationGroups shows it.
fn group(status: &str, retention: i32) -> String {
    format!(
        "<ReplicationGroup><ReplicationGroupId>hc-redis-dev</ReplicationGroupId><Description>Patient-records read cache</Description>\
         <Status>{status}</Status><MemberClusters><ClusterId>hc-redis-dev-001</ClusterId><ClusterId>hc-redis-dev-002</ClusterId></MemberClusters>\
         <NodeGroups><NodeGroup><NodeGroupId>0001</NodeGroupId><Status>{status}</Status>\
         <PrimaryEndpoint><Address>master.hc-redis-dev.abc123.use1.cache.amazonaws.com</Address><Port>6379</Port></PrimaryEndpoint>\
         <ReaderEndpoint><Address>replica.hc-redis-dev.abc123.use1.cache.amazonaws.com</Address><Port>6379</Port></ReaderEndpoint></NodeGroup></NodeGroups>\
         <AutomaticFailover>enabled</AutomaticFailover><MultiAZ>enabled</MultiAZ><SnapshotRetentionLimit>{retention}</SnapshotRetentionLimit>\
         <SnapshotWindow>05:00-06:00</SnapshotWindow><ClusterEnabled>false</ClusterEnabled><CacheNodeType>cache.t4g.micro</CacheNodeType>\
         <AuthTokenEnabled>true</AuthTokenEnabled><TransitEncryptionEnabled>true</TransitEncryptionEnabled><TransitEncryptionMode>required</TransitEncryptionMode><UserGroupIds></UserGroupIds><AutoMinorVersionUpgrade>true</AutoMinorVersionUpgrade><AtRestEncryptionEnabled>true</AtRestEncryptionEnabled>\
         <KmsKeyId>arn:aws:kms:us-east-1:123456789012:key/k-1</KmsKeyId><ARN>arn:aws:elasticache:us-east-1:123456789012:replicationgroup:hc-redis-dev</ARN></ReplicationGroup>"
    )
}

fn describe_groups(body: String) -> ReplayEvent {
    answer(
        EC_NS,
        "DescribeReplicationGroups",
        &format!("<ReplicationGroups>{body}</ReplicationGroups>"),
    )
}

/// DescribeCacheClusters: the group's primary, in security group `sg`.
fn members(sg: &str) -> ReplayEvent {
    answer(
        EC_NS,
        "DescribeCacheClusters",
        &format!("<CacheClusters><CacheCluster><CacheClusterId>hc-redis-dev-001</CacheClusterId><Engine>redis</Engine><CacheClusterStatus>available</CacheClusterStatus>\
            <CacheSubnetGroupName>healthcare-redis-subnets-dev</CacheSubnetGroupName><SecurityGroups><member><SecurityGroupId>{sg}</SecurityGroupId><Status>active</Status></member></SecurityGroups>\
            <ReplicationGroupId>hc-redis-dev</ReplicationGroupId></CacheCluster></CacheClusters>"),
    )
}

/// ListTagsForResource of the group.
fn group_tags() -> ReplayEvent {
    answer(
        EC_NS,
        "ListTagsForResource",
        "<TagList><Tag><Key>Environment</Key><Value>dev</Value></Tag></TagList>",
    )
}

pub(super) fn bodies(replay: &StaticReplayClient) -> Vec<String> {
    replay
        .actual_requests()
        .map(|r| String::from_utf8_lossy(r.body().bytes().unwrap_or_default()).into_owned())
        .collect()
}

pub(super) fn run<F: std::future::Future>(f: F) -> F::Output {
    // Waiters sleep 15 s between polls; paused time lets them pass at once.
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap()
        .block_on(f)
}

fn redis_attrs(retention: i64, sg: &str) -> hcprov::engine::value::Attrs {
    obj(json!({
        "replication_group_id": "hc-redis-dev", "description": "Patient-records read cache", "engine": "redis",
        "node_type": "cache.t4g.micro", "num_cache_clusters": 2, "port": 6379, "automatic_failover": true, "multi_az": true,
        "at_rest_encryption": true, "kms_key_id": "arn:aws:kms:us-east-1:123456789012:key/k-1", "transit_encryption": true,
        "transit_encryption_mode": "required", "user_group_ids": [], "auto_minor_version_upgrade": true,
        "auth_token_enabled": true, "auth_token_secret_arn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:healthcare/dev/redis-auth-AbCdEf",
        "subnet_group_name": "healthcare-redis-subnets-dev", "security_group_ids": [sg],
        "snapshot_retention_limit": retention, "snapshot_window": "05:00-06:00", "tags": {"Environment": "dev"},
        "log_delivery": [], "global_replication_group_id": null, "auth_token_last_modified": null,
    }))
}

#[test]
fn a_token_set_outside_hcprov_is_rotated_back_and_then_set_alone_with_recorded_responses() {
    let set_at = |status: &str, when: &str| {
        group(status, 5).replace(
            "<AuthTokenEnabled>",
            &format!(
                "<AuthTokenLastModifiedDate>{when}</AuthTokenLastModifiedDate><AuthTokenEnabled>"
            ),
        )
    };
    let replay = StaticReplayClient::new(vec![
        event(
            200,
            json!({"ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:healthcare/dev/redis-auth-AbCdEf",
            "Name": "healthcare/dev/redis-auth", "SecretString": "the-secrets-own-token-0123456789", "VersionId": "v1"}),
        ),
        // When the token was set by someone else, before hcprov's change.
        describe_groups(set_at("available", "2026-12-02T09:00:00Z")),
        answer(
            EC_NS,
            "ModifyReplicationGroup",
            &set_at("modifying", "2026-12-02T09:00:00Z"),
        ),
        // `available` at once, the token change still pending: not done.
        describe_groups(set_at("available", "2026-12-02T09:00:00Z").replace(
            "<AuthTokenLastModifiedDate>",
            "<PendingModifiedValues><AuthTokenStatus>ROTATING</AuthTokenStatus></PendingModifiedValues><AuthTokenLastModifiedDate>",
        )),
        // Nothing pending, but the time from before: a stale answer.
        describe_groups(set_at("available", "2026-12-02T09:00:00Z")),
        describe_groups(set_at("available", "2026-12-02T10:00:00Z")),
        answer(
            EC_NS,
            "ModifyReplicationGroup",
            &set_at("modifying", "2026-12-02T10:00:00Z"),
        ),
        describe_groups(set_at("available", "2026-12-02T10:05:00Z")),
        // Someone rotates again right after: not taken for hcprov's.
        describe_groups(set_at("available", "2026-12-02T10:07:00Z")),
        members("sg-1"),
        group_tags(),
    ]);
    // Recorded at the last apply, and what a token set by hand shows now.
    let mut to = redis_attrs(5, "sg-1");
    to.insert(
        "auth_token_last_modified".into(),
        json!("2026-11-01T08:00:00Z"),
    );
    let mut from = to.clone();
    from.insert(
        "auth_token_last_modified".into(),
        json!("2026-12-02T09:00:00Z"),
    );
    let outputs = run(async {
        let aws = aws_with(&replay).await;
        let t = registry(&aws)
            .get("elasticache_replication_group")
            .unwrap()
            .clone();
        t.update(
            &ctx("elasticache_replication_group.main"),
            "hc-redis-dev",
            &from,
            &to,
        )
        .await
        .unwrap()
    });
    assert_eq!(
        outputs["auth_token_last_modified"], "2026-12-02T10:05:00Z",
        "what apply records: when its own token was set, from the poll that saw it done"
    );
    let b = bodies(&replay);
    assert!(
        b[0].contains("redis-auth"),
        "the token comes from the secret: {}",
        b[0]
    );
    for (i, strategy) in [(2, "ROTATE"), (6, "SET")] {
        for part in [
            "Action=ModifyReplicationGroup",
            "AuthToken=the-secrets-own-token-0123456789",
            &format!("AuthTokenUpdateStrategy={strategy}"),
            "ApplyImmediately=true",
        ] {
            assert!(b[i].contains(part), "{part} in {}", b[i]);
        }
    }
    assert!(
        b[3..6]
            .iter()
            .all(|b| b.starts_with("Action=DescribeReplicationGroups")),
        "SET only once the ROTATE is done, pending change and stale answer included: {}",
        b[3]
    );
    assert_eq!(
        b.len(),
        11,
        "secret, the time before, rotate, three polls, set, a poll, the read"
    );
}

#[test]
fn elasticache_modify_waits_for_available_with_recorded_responses() {
    let replay = StaticReplayClient::new(vec![
        answer(EC_NS, "ModifyReplicationGroup", &group("modifying", 5)),
        describe_groups(group("modifying", 5)),
        describe_groups(group("available", 3)),
        describe_groups(group("available", 3)),
        members("sg-2"),
        group_tags(),
        describe_groups(group("available", 3)),
        members("sg-2"),
        group_tags(),
    ]);
    let (from, to) = (redis_attrs(5, "sg-1"), redis_attrs(3, "sg-2"));
    let outputs = run(async {
        let aws = aws_with(&replay).await;
        let t = registry(&aws)
            .get("elasticache_replication_group")
            .unwrap()
            .clone();
        let c = ctx("elasticache_replication_group.main");
        let out = t.update(&c, "hc-redis-dev", &from, &to).await.unwrap();
        let live = t.read(&c, "hc-redis-dev", &to).await.unwrap().unwrap();
        assert_eq!(live.attrs, to, "what was applied reads back: no drift");
        out
    });
    assert_eq!(
        outputs["primary_endpoint"],
        "master.hc-redis-dev.abc123.use1.cache.amazonaws.com"
    );
    let b = bodies(&replay);
    assert!(
        b[0].starts_with("Action=ModifyReplicationGroup"),
        "{}",
        b[0]
    );
    for part in [
        "ApplyImmediately=true",
        "SnapshotRetentionLimit=3",
        "SecurityGroupIds.SecurityGroupId.1=sg-2",
        "ReplicationGroupId=hc-redis-dev",
    ] {
        assert!(b[0].contains(part), "{part} in {}", b[0]);
    }
    assert!(
        !b[0].contains("CacheNodeType") && !b[0].contains("AuthToken"),
        "only what changed: {}",
        b[0]
    );
    assert!(
        b[1].starts_with("Action=DescribeReplicationGroups")
            && b[2].starts_with("Action=DescribeReplicationGroups"),
        "waited until available"
    );
    assert_eq!(
        b.len(),
        9,
        "modify, two polls, the update's read, the test's read"
    );
}

#[test]
fn elasticache_delete_waits_until_the_group_is_gone_with_recorded_responses() {
    let replay = StaticReplayClient::new(vec![
        answer(EC_NS, "DeleteReplicationGroup", &group("deleting", 5)),
        describe_groups(group("deleting", 5)),
        query_error(
            EC_NS,
            404,
            "ReplicationGroupNotFoundFault",
            "ReplicationGroup hc-redis-dev not found.",
        ),
    ]);
    run(async {
        let aws = aws_with(&replay).await;
        let t = registry(&aws)
            .get("elasticache_replication_group")
            .unwrap()
            .clone();
        t.delete(
            &ctx("elasticache_replication_group.main"),
            "hc-redis-dev",
            &redis_attrs(5, "sg-1"),
        )
        .await
        .unwrap();
    });
    let b = bodies(&replay);
    assert!(
        b[0].contains("Action=DeleteReplicationGroup")
            && b[0].contains("RetainPrimaryCluster=false"),
        "{}",
        b[0]
    );
    assert_eq!(b.len(), 3, "polled until NotFound");
}

#[test]
fn cache_subnet_group_delete_waits_for_the_group_that_uses_it_with_recorded_responses() {
    let replay = StaticReplayClient::new(vec![
        query_error(EC_NS, 400, "CacheSubnetGroupInUse", "Cache subnet group healthcare-redis-subnets-dev is currently in use by a cache cluster."),
        xml(200, format!("<DeleteCacheSubnetGroupResponse xmlns=\"{EC_NS}\"><ResponseMetadata><RequestId>req-3</RequestId></ResponseMetadata></DeleteCacheSubnetGroupResponse>")),
    ]);
    run(async {
        let aws = aws_with(&replay).await;
        let t = registry(&aws)
            .get("elasticache_subnet_group")
            .unwrap()
            .clone();
        t.delete(
            &ctx("elasticache_subnet_group.main"),
            "healthcare-redis-subnets-dev",
            &obj(json!({})),
        )
        .await
        .unwrap();
    });
    let b = bodies(&replay);
    assert_eq!(b.len(), 2, "retried once the group let go");
    assert!(b.iter().all(|x| x.contains("Action=DeleteCacheSubnetGroup")
        && x.contains("CacheSubnetGroupName=healthcare-redis-subnets-dev")));
}

#[test]
fn http_api_stage_update_with_recorded_responses() {
    let replay = StaticReplayClient::new(vec![event(
        200,
        json!({
            "stageName": "$default", "autoDeploy": true, "createdDate": "2026-12-01T10:00:00Z", "lastUpdatedDate": "2026-12-01T11:00:00Z",
            "defaultRouteSettings": {"throttlingRateLimit": 20.0, "throttlingBurstLimit": 100, "detailedMetricsEnabled": true},
            "accessLogSettings": {"destinationArn": "arn:aws:logs:us-east-1:123456789012:log-group:/aws/apigateway/healthcare-http-api-dev", "format": "{}"},
            "routeSettings": {}, "stageVariables": {}, "tags": {"Environment": "dev"},
        }),
    )]);
    let base = json!({
        "api_id": "abc123", "name": "$default", "auto_deploy": true,
        "access_log_settings": {"destination_arn": "arn:aws:logs:us-east-1:123456789012:log-group:/aws/apigateway/healthcare-http-api-dev", "format": "{}"},
        "tags": {"Environment": "dev"},
    });
    let (mut from, mut to) = (base.clone(), base);
    from["default_route_settings"] = json!({"throttling_rate_limit": 50.0, "throttling_burst_limit": 100, "detailed_metrics_enabled": true});
    to["default_route_settings"] = json!({"throttling_rate_limit": 20.0, "throttling_burst_limit": 100, "detailed_metrics_enabled": true});
    run(async {
        let aws = aws_with(&replay).await;
        let t = registry(&aws).get("apigatewayv2_stage").unwrap().clone();
        t.update(
            &ctx("apigatewayv2_stage.default"),
            "abc123/$default",
            &obj(from),
            &obj(to),
        )
        .await
        .unwrap();
    });
    let reqs = super::replay::requests(&replay);
    assert_eq!(reqs.len(), 1, "one UpdateStage, no tag calls: {reqs:?}");
    assert_eq!(
        (reqs[0].0.as_str(), reqs[0].1.as_str()),
        (
            "PATCH",
            "https://apigateway.us-east-1.amazonaws.com/v2/apis/abc123/stages/%24default"
        )
    );
    assert_eq!(
        reqs[0].2["defaultRouteSettings"],
        json!({"throttlingRateLimit": 20.0, "throttlingBurstLimit": 100, "detailedMetricsEnabled": true})
    );
    assert_eq!(reqs[0].2["autoDeploy"], json!(true));
}

#[test]
fn aurora_cluster_create_leaves_the_password_to_rds_with_recorded_responses() {
    let cluster = |status: &str| {
        format!(
            "<DBCluster><DBClusterIdentifier>healthcare-db-dev</DBClusterIdentifier><Status>{status}</Status><Engine>aurora-postgresql</Engine>\
             <DatabaseName>patients</DatabaseName><MasterUsername>hcadmin</MasterUsername><DBSubnetGroup>healthcare-db-subnets-dev</DBSubnetGroup>\
             <Endpoint>healthcare-db-dev.cluster-abc.us-east-1.rds.amazonaws.com</Endpoint><ReaderEndpoint>healthcare-db-dev.cluster-ro-abc.us-east-1.rds.amazonaws.com</ReaderEndpoint>\
             <Port>5432</Port><StorageEncrypted>true</StorageEncrypted><KmsKeyId>arn:aws:kms:us-east-1:123456789012:key/k-1</KmsKeyId>\
             <DBClusterArn>arn:aws:rds:us-east-1:123456789012:cluster:healthcare-db-dev</DBClusterArn><DbClusterResourceId>cluster-ABC</DbClusterResourceId>\
             <MasterUserSecret><SecretArn>arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!cluster-1234-AbCdEf</SecretArn><SecretStatus>active</SecretStatus>\
             <KmsKeyId>arn:aws:kms:us-east-1:123456789012:key/k-1</KmsKeyId></MasterUserSecret>\
             <ServerlessV2ScalingConfiguration><MinCapacity>0.5</MinCapacity><MaxCapacity>1.0</MaxCapacity></ServerlessV2ScalingConfiguration></DBCluster>"
        )
    };
    let describe = |status: &str| {
        answer(
            RDS_NS,
            "DescribeDBClusters",
            &format!("<DBClusters>{}</DBClusters>", cluster(status)),
        )
    };
    let replay = StaticReplayClient::new(vec![
        answer(RDS_NS, "CreateDBCluster", &cluster("creating")),
        describe("creating"),
        describe("available"),
        describe("available"),
    ]);
    let desired = obj(json!({
        "cluster_identifier": "healthcare-db-dev", "engine": "aurora-postgresql", "database_name": "patients", "master_username": "hcadmin",
        "manage_master_user_password": true, "master_user_secret_kms_key_id": "arn:aws:kms:us-east-1:123456789012:key/k-1",
        "db_subnet_group_name": "healthcare-db-subnets-dev", "vpc_security_group_ids": ["sg-db"], "storage_encrypted": true,
        "kms_key_id": "arn:aws:kms:us-east-1:123456789012:key/k-1", "backup_retention_period": 7, "preferred_backup_window": "03:00-04:00",
        "iam_database_authentication": false, "http_endpoint_enabled": false,
        "preferred_maintenance_window": "sun:05:00-sun:06:00", "enabled_cloudwatch_logs_exports": ["postgresql"],
        "serverless_v2": {"min_capacity": 0.5, "max_capacity": 1.0}, "deletion_protection": true, "copy_tags_to_snapshot": true, "final_snapshot": true,
    }));
    let created = run(async {
        let aws = aws_with(&replay).await;
        let t = registry(&aws).get("rds_cluster").unwrap().clone();
        t.create(&ctx("rds_cluster.main"), &desired).await.unwrap()
    });
    assert_eq!(created.id, "healthcare-db-dev");
    assert_eq!(
        created.outputs["master_user_secret_arn"],
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!cluster-1234-AbCdEf"
    );
    assert_eq!(
        created.outputs["endpoint"],
        "healthcare-db-dev.cluster-abc.us-east-1.rds.amazonaws.com"
    );
    let b = bodies(&replay);
    assert!(b[0].starts_with("Action=CreateDBCluster"), "{}", b[0]);
    for part in [
        "ManageMasterUserPassword=true",
        "MasterUserSecretKmsKeyId=arn",
        "StorageEncrypted=true",
        "DeletionProtection=true",
        "ServerlessV2ScalingConfiguration.MinCapacity=0.5",
        "EnableCloudwatchLogsExports.member.1=postgresql",
    ] {
        assert!(b[0].contains(part), "{part} in {}", b[0]);
    }
    assert!(
        !b[0].contains("&MasterUserPassword="),
        "RDS, not hcprov, makes the password: {}",
        b[0]
    );
    assert!(
        !b[0].contains("AvailabilityZones"),
        "RDS picks the cluster's zones"
    );
    assert!(
        b[2].contains("Action=DescribeDBClusters")
            && b[2].contains("Filters.Filter.1.Name=db-cluster-id"),
        "{}",
        b[2]
    );
}

#[test]
fn a_secret_scheduled_for_deletion_is_restored_only_when_it_is_ours() {
    let tags = |lineage: &str| json!([{"Key": "hcprov:address", "Value": "secretsmanager_secret.redis_auth"}, {"Key": "hcprov:lineage", "Value": lineage}]);
    let arn =
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:healthcare/dev/redis-auth-AbCdEf";
    let scheduled = || {
        super::replay::error_with(
            400,
            "InvalidRequestException",
            "req-9",
            json!({"__type": "InvalidRequestException", "Message": "You can't create this secret because a secret with this name is already scheduled for deletion."}),
        )
    };
    let described = |lineage: &str| {
        event(
            200,
            json!({"ARN": arn, "Name": "healthcare/dev/redis-auth", "DeletedDate": 1.7e9, "Tags": tags(lineage)}),
        )
    };
    let replay = StaticReplayClient::new(vec![
        event(200, json!({"RandomPassword": "r".repeat(64)})),
        scheduled(),
        described("l-1"),
        event(
            200,
            json!({"ARN": arn, "Name": "healthcare/dev/redis-auth"}),
        ),
        event(
            200,
            json!({"ARN": arn, "Name": "healthcare/dev/redis-auth", "VersionId": "v2"}),
        ),
        // Another state's secret of the same name is not touched.
        event(200, json!({"RandomPassword": "s".repeat(64)})),
        scheduled(),
        described("someone-else"),
    ]);
    let desired = obj(json!({
        "name": "healthcare/dev/redis-auth", "description": "AUTH token", "kms_key_id": "arn:aws:kms:us-east-1:123456789012:key/k-1",
        "generate": {"length": 64, "exclude_punctuation": true}, "recovery_window_days": 30,
        "tags": {"hcprov:address": "secretsmanager_secret.redis_auth", "hcprov:lineage": "l-1"},
    }));
    let (ours, theirs) = run(async {
        let aws = aws_with(&replay).await;
        let t = registry(&aws).get("secretsmanager_secret").unwrap().clone();
        let c = ctx("secretsmanager_secret.redis_auth");
        (t.create(&c, &desired).await, t.create(&c, &desired).await)
    });
    assert_eq!(ours.unwrap().id, arn);
    let e = theirs.unwrap_err();
    assert!(
        e.message.contains("scheduled for deletion"),
        "the original refusal is kept: {e}"
    );
    let targets: Vec<String> = replay
        .actual_requests()
        .map(|r| {
            r.headers()
                .get("x-amz-target")
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    assert_eq!(
        targets,
        [
            "secretsmanager.GetRandomPassword",
            "secretsmanager.CreateSecret",
            "secretsmanager.DescribeSecret",
            "secretsmanager.RestoreSecret",
            "secretsmanager.UpdateSecret",
            "secretsmanager.GetRandomPassword",
            "secretsmanager.CreateSecret",
            "secretsmanager.DescribeSecret",
        ]
    );
    let update = super::replay::requests(&replay)[4].2.clone();
    assert_eq!(
        update["SecretString"],
        json!("r".repeat(64)),
        "the restored secret gets the new value"
    );
}

#[test]
fn a_route_override_made_outside_hcprov_is_deleted_with_recorded_responses() {
    let replay = StaticReplayClient::new(vec![ReplayEvent::new(
        http::Request::builder()
            .uri("https://placeholder")
            .body(SdkBody::empty())
            .unwrap(),
        http::Response::builder()
            .status(204)
            .body(SdkBody::empty())
            .unwrap(),
    )]);
    let base = json!({"api_id": "abc123", "name": "$default", "auto_deploy": true, "tags": {}});
    let (mut from, mut to) = (base.clone(), base);
    from["route_settings"] = json!({"GET /patients/{id}": {"throttling_rate_limit": 5000.0, "throttling_burst_limit": 5000}});
    to["route_settings"] = json!({});
    run(async {
        let aws = aws_with(&replay).await;
        let t = registry(&aws).get("apigatewayv2_stage").unwrap().clone();
        t.update(
            &ctx("apigatewayv2_stage.default"),
            "abc123/$default",
            &obj(from),
            &obj(to),
        )
        .await
        .unwrap();
    });
    let reqs = super::replay::requests(&replay);
    assert_eq!(reqs.len(), 1, "{reqs:?}");
    assert_eq!(
        (reqs[0].0.as_str(), reqs[0].1.as_str()),
        ("DELETE", "https://apigateway.us-east-1.amazonaws.com/v2/apis/abc123/stages/%24default/routesettings/GET%20%2Fpatients%2F%7Bid%7D")
    );
}

#[test]
fn a_secret_version_put_outside_hcprov_is_undone_and_a_lost_one_is_named_with_recorded_responses() {
    let arn =
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:healthcare/dev/redis-auth-AbCdEf";
    let replay = StaticReplayClient::new(vec![
        event(
            200,
            json!({"ARN": arn, "Name": "healthcare/dev/redis-auth"}),
        ),
        super::replay::error_with(
            400,
            "InvalidParameterException",
            "req-7",
            json!({"__type": "InvalidParameterException", "Message": "Not a valid version: v-ours"}),
        ),
    ]);
    let attrs = |version: &str| obj(json!({"current_version": version, "tags": {}}));
    let (moved, lost) = run(async {
        let aws = aws_with(&replay).await;
        let t = registry(&aws).get("secretsmanager_secret").unwrap().clone();
        let c = ctx("secretsmanager_secret.redis_auth");
        let moved = t
            .update(&c, arn, &attrs("v-theirs"), &attrs("v-ours"))
            .await
            .unwrap();
        let lost = t
            .update(&c, arn, &attrs("v-theirs"), &attrs("v-ours"))
            .await
            .unwrap_err();
        (moved, lost)
    });
    assert_eq!(moved["current_version"], "v-ours");
    let first = &replay.actual_requests().next().unwrap();
    let body: serde_json::Value = serde_json::from_slice(first.body().bytes().unwrap()).unwrap();
    assert_eq!(
        body,
        json!({"SecretId": arn, "VersionStage": "AWSCURRENT", "MoveToVersionId": "v-ours", "RemoveFromVersionId": "v-theirs"})
    );
    let message = lost.to_string();
    assert!(
        message.contains("(v-ours) is gone") && message.contains("hcprov import"),
        "{message}"
    );
}
