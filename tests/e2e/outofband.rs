//! Changes made behind hcprov's back through the SDK, shared by the drift
//! tests of every platform, and the drift report read as the set of
//! (address, attribute) pairs it names.

use std::collections::BTreeSet;

use serde_json::Value;

/// An AWS managed policy that grants much and denies nothing.
pub const READ_ONLY: &str = "arn:aws:iam::aws:policy/ReadOnlyAccess";

/// (address, attribute) of every drifted attribute in a `drift --json`.
pub fn drifted(r: &Value) -> BTreeSet<(String, String)> {
    r["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["status"] != "in_sync")
        .flat_map(|x| {
            let address = x["address"].as_str().unwrap().to_string();
            x["attributes"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(move |a| (address.clone(), a["name"].as_str().unwrap().to_string()))
        })
        .collect()
}

/// `pairs` as the set `drifted` answers.
pub fn pairs(list: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    list.iter()
        .map(|(a, n)| (a.to_string(), n.to_string()))
        .collect()
}

/// Attaches ReadOnlyAccess to `role`.
pub async fn attach_read_only(iam: &aws_sdk_iam::Client, role: &str) {
    iam.attach_role_policy()
        .role_name(role)
        .policy_arn(READ_ONLY)
        .send()
        .await
        .unwrap();
}

/// Lets another account invoke `function`, and reserves it one concurrent
/// execution (the API then serves one request at a time; moto drops 0).
pub async fn open_and_throttle(lambda: &aws_sdk_lambda::Client, function: &str) {
    lambda
        .add_permission()
        .function_name(function)
        .statement_id("AllowOtherAccount")
        .action("lambda:InvokeFunction")
        .principal("210987654321")
        .send()
        .await
        .unwrap();
    lambda
        .put_function_concurrency()
        .function_name(function)
        .reserved_concurrent_executions(1)
        .send()
        .await
        .unwrap();
}

/// The managed policies attached to `role` and its inline policies' names.
pub async fn role_policies(iam: &aws_sdk_iam::Client, role: &str) -> (Vec<String>, Vec<String>) {
    let attached = iam
        .list_attached_role_policies()
        .role_name(role)
        .send()
        .await
        .unwrap();
    let inline = iam
        .list_role_policies()
        .role_name(role)
        .send()
        .await
        .unwrap();
    (
        attached
            .attached_policies()
            .iter()
            .filter_map(|a| a.policy_arn().map(str::to_string))
            .collect(),
        inline.policy_names().to_vec(),
    )
}

/// Widens VPC `vpc` as someone might by hand: a secondary IPv4 range, an
/// Amazon IPv6 range with a /64 of it on `subnet` (which then gives new
/// interfaces IPv6 addresses), and a DHCP options set naming a DNS server
/// outside AWS.
pub async fn widen_vpc(ec2: &aws_sdk_ec2::Client, vpc: &str, subnet: &str) {
    ec2.associate_vpc_cidr_block()
        .vpc_id(vpc)
        .cidr_block("10.1.0.0/16")
        .send()
        .await
        .unwrap();
    let v6 = ec2
        .associate_vpc_cidr_block()
        .vpc_id(vpc)
        .amazon_provided_ipv6_cidr_block(true)
        .send()
        .await
        .unwrap();
    let range = v6
        .ipv6_cidr_block_association()
        .and_then(|a| a.ipv6_cidr_block())
        .unwrap()
        .to_string();
    let slash64 = range.replace("/56", "/64");
    ec2.associate_subnet_cidr_block()
        .subnet_id(subnet)
        .ipv6_cidr_block(slash64)
        .send()
        .await
        .unwrap();
    ec2.modify_subnet_attribute()
        .subnet_id(subnet)
        .assign_ipv6_address_on_creation(
            aws_sdk_ec2::types::AttributeBooleanValue::builder()
                .value(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let options = ec2
        .create_dhcp_options()
        .dhcp_configurations(
            aws_sdk_ec2::types::NewDhcpConfiguration::builder()
                .key("domain-name-servers")
                .values("203.0.113.53")
                .build(),
        )
        .send()
        .await
        .unwrap();
    ec2.associate_dhcp_options()
        .vpc_id(vpc)
        .dhcp_options_id(options.dhcp_options().unwrap().dhcp_options_id().unwrap())
        .send()
        .await
        .unwrap();
}

/// Publishes a version of `function`, names it with an alias, and gives
/// the function a URL with no authentication.
pub async fn expose(lambda: &aws_sdk_lambda::Client, function: &str) {
    let v = lambda
        .publish_version()
        .function_name(function)
        .send()
        .await
        .unwrap();
    lambda
        .create_alias()
        .function_name(function)
        .name("backdoor")
        .function_version(v.version().unwrap())
        .send()
        .await
        .unwrap();
    lambda
        .create_function_url_config()
        .function_name(function)
        .auth_type(aws_sdk_lambda::types::FunctionUrlAuthType::None)
        .send()
        .await
        .unwrap();
}

/// (published versions, aliases, has a URL) of `function`.
pub async fn exposed(lambda: &aws_sdk_lambda::Client, function: &str) -> (usize, usize, bool) {
    let versions = lambda
        .list_versions_by_function()
        .function_name(function)
        .send()
        .await
        .unwrap();
    let aliases = lambda
        .list_aliases()
        .function_name(function)
        .send()
        .await
        .unwrap();
    let url = lambda
        .get_function_url_config()
        .function_name(function)
        .send()
        .await;
    (
        versions
            .versions()
            .iter()
            .filter(|v| v.version() != Some("$LATEST"))
            .count(),
        aliases.aliases().len(),
        url.is_ok(),
    )
}

/// Ways out for the data, each added behind hcprov's back: a grant on the
/// key to another account, a subscription filter streaming a log group
/// elsewhere, replication and event notifications on the data bucket, an
/// expiry rule on the trail bucket. Also a grant to a service (DynamoDB
/// makes those for itself), which is not drift.
pub async fn leak(sdk: &aws_config::SdkConfig, state: &Value) {
    use super::harness::id;
    let kms = aws_sdk_kms::Client::new(sdk);
    let key = id(state, "kms_key.main");
    for grantee in [
        "arn:aws:iam::210987654321:root",
        "dynamodb.us-east-1.amazonaws.com",
    ] {
        kms.create_grant()
            .key_id(&key)
            .grantee_principal(grantee)
            .operations(aws_sdk_kms::types::GrantOperation::Decrypt)
            .send()
            .await
            .unwrap();
    }
    let destination = aws_sdk_lambda::Client::new(sdk)
        .get_function()
        .function_name("healthcare-health-check-e2e")
        .send()
        .await
        .unwrap();
    aws_sdk_cloudwatchlogs::Client::new(sdk)
        .put_subscription_filter()
        .log_group_name(id(state, "logs_log_group.data_processor"))
        .filter_name("everything")
        .filter_pattern("")
        .destination_arn(destination.configuration().unwrap().function_arn().unwrap())
        .send()
        .await
        .unwrap();
    // The patient table: an expiry on its key, and a copy in another region.
    let ddb = aws_sdk_dynamodb::Client::new(sdk);
    let table = id(state, "dynamodb_table.patient_records");
    ddb.update_time_to_live()
        .table_name(&table)
        .time_to_live_specification(
            aws_sdk_dynamodb::types::TimeToLiveSpecification::builder()
                .attribute_name("patient_id")
                .enabled(true)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    // Every change fed to whoever may read the stream.
    ddb.update_table()
        .table_name(&table)
        .stream_specification(
            aws_sdk_dynamodb::types::StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(aws_sdk_dynamodb::types::StreamViewType::NewAndOldImages)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    ddb.update_table()
        .table_name(&table)
        .replica_updates(
            aws_sdk_dynamodb::types::ReplicationGroupUpdate::builder()
                .create(
                    aws_sdk_dynamodb::types::CreateReplicationGroupMemberAction::builder()
                        .region_name("us-west-2")
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    // Every write copied to another account's Kinesis stream.
    ddb.enable_kinesis_streaming_destination()
        .table_name(&table)
        .stream_arn("arn:aws:kinesis:us-east-1:210987654321:stream/elsewhere")
        .send()
        .await
        .unwrap();
    // And a policy that lets another account read it.
    let arn = ddb
        .describe_table()
        .table_name(&table)
        .send()
        .await
        .unwrap()
        .table()
        .unwrap()
        .table_arn()
        .unwrap()
        .to_string();
    ddb.put_resource_policy()
        .resource_arn(&arn)
        .policy(format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::210987654321:root"}},"Action":"dynamodb:*","Resource":"{arn}"}}]}}"#
        ))
        .send()
        .await
        .unwrap();
    let s3 = aws_sdk_s3::Client::new(sdk);
    use aws_sdk_s3::types as t;
    // ACLs back on for the trail bucket: a writer could hand out objects.
    s3.put_bucket_ownership_controls()
        .bucket(id(state, "s3_bucket.cloudtrail"))
        .ownership_controls(
            t::OwnershipControls::builder()
                .rules(
                    t::OwnershipControlsRule::builder()
                        .object_ownership(t::ObjectOwnership::ObjectWriter)
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    // A daily list of every object key, delivered to another account.
    s3.put_bucket_inventory_configuration()
        .bucket(id(state, "s3_bucket.data"))
        .id("keys-out")
        .inventory_configuration(
            t::InventoryConfiguration::builder()
                .id("keys-out")
                .is_enabled(true)
                .included_object_versions(t::InventoryIncludedObjectVersions::Current)
                .schedule(
                    t::InventorySchedule::builder()
                        .frequency(t::InventoryFrequency::Daily)
                        .build()
                        .unwrap(),
                )
                .destination(
                    t::InventoryDestination::builder()
                        .s3_bucket_destination(
                            t::InventoryS3BucketDestination::builder()
                                .account_id("210987654321")
                                .bucket("arn:aws:s3:::elsewhere")
                                .format(t::InventoryFormat::Csv)
                                .build()
                                .unwrap(),
                        )
                        .build(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    // The data bucket's own lifecycle, kept but with an archive step and
    // a delete on a date added.
    s3.put_bucket_lifecycle_configuration()
        .bucket(id(state, "s3_bucket.data"))
        .lifecycle_configuration(
            t::BucketLifecycleConfiguration::builder()
                .rules(
                    t::LifecycleRule::builder()
                        .id("transition-to-ia")
                        .status(t::ExpirationStatus::Enabled)
                        .filter(t::LifecycleRuleFilter::builder().prefix("").build())
                        .transitions(
                            t::Transition::builder()
                                .days(30)
                                .storage_class(t::TransitionStorageClass::StandardIa)
                                .build(),
                        )
                        .transitions(
                            t::Transition::builder()
                                .days(31)
                                .storage_class(t::TransitionStorageClass::DeepArchive)
                                .build(),
                        )
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    s3.put_bucket_replication()
        .bucket(id(state, "s3_bucket.data"))
        .replication_configuration(
            t::ReplicationConfiguration::builder()
                .role("arn:aws:iam::123456789012:role/copier")
                .rules(
                    t::ReplicationRule::builder()
                        .id("copy-out")
                        .status(t::ReplicationRuleStatus::Enabled)
                        .priority(1)
                        .filter(t::ReplicationRuleFilter::builder().prefix("").build())
                        .delete_marker_replication(
                            t::DeleteMarkerReplication::builder()
                                .status(t::DeleteMarkerReplicationStatus::Disabled)
                                .build(),
                        )
                        .destination(
                            t::Destination::builder()
                                .bucket("arn:aws:s3:::elsewhere")
                                .account("210987654321")
                                .build()
                                .unwrap(),
                        )
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    s3.put_bucket_notification_configuration()
        .bucket(id(state, "s3_bucket.data"))
        .notification_configuration(
            t::NotificationConfiguration::builder()
                .topic_configurations(
                    t::TopicConfiguration::builder()
                        .id("tell-elsewhere")
                        .topic_arn("arn:aws:sns:us-east-1:210987654321:elsewhere")
                        .events(t::Event::from("s3:ObjectCreated:*"))
                        .build()
                        .unwrap(),
                )
                .event_bridge_configuration(t::EventBridgeConfiguration::builder().build())
                .build(),
        )
        .send()
        .await
        .unwrap();
    expire_everything(&s3, &id(state, "s3_bucket.cloudtrail")).await;
}

/// What of [`leak`]'s ways out is still there: grantees of the key's
/// grants, subscription filters, whether the data bucket replicates or
/// notifies and the trail bucket expires anything, and whether the patient
/// table expires items, has replicas or a resource policy, whether the data
/// bucket has an inventory, whether its lifecycle archives, and whether
/// the trail bucket has ACLs on, and whether the table streams (itself, or
/// to Kinesis).
pub async fn leaks(sdk: &aws_config::SdkConfig, state: &Value) -> (Vec<String>, usize, [bool; 11]) {
    use super::harness::id;
    let grants = aws_sdk_kms::Client::new(sdk)
        .list_grants()
        .key_id(id(state, "kms_key.main"))
        .send()
        .await
        .unwrap();
    let mut grantees: Vec<String> = grants
        .grants()
        .iter()
        .filter_map(|g| g.grantee_principal().map(str::to_string))
        .collect();
    grantees.sort();
    let filters = aws_sdk_cloudwatchlogs::Client::new(sdk)
        .describe_subscription_filters()
        .log_group_name(id(state, "logs_log_group.data_processor"))
        .send()
        .await
        .unwrap();
    let s3 = aws_sdk_s3::Client::new(sdk);
    let data = id(state, "s3_bucket.data");
    let replicates = s3
        .get_bucket_replication()
        .bucket(&data)
        .send()
        .await
        .is_ok();
    let n = s3
        .get_bucket_notification_configuration()
        .bucket(&data)
        .send()
        .await
        .unwrap();
    // EventBridge delivery (this account's bus) is not a way out: it stays.
    assert!(n.event_bridge_configuration().is_some());
    let notifies = !n.topic_configurations().is_empty();
    let expires = s3
        .get_bucket_lifecycle_configuration()
        .bucket(id(state, "s3_bucket.cloudtrail"))
        .send()
        .await
        .is_ok();
    let ddb = aws_sdk_dynamodb::Client::new(sdk);
    let table = id(state, "dynamodb_table.patient_records");
    let ttl = ddb
        .describe_time_to_live()
        .table_name(&table)
        .send()
        .await
        .unwrap();
    let expires_items = ttl
        .time_to_live_description()
        .and_then(|d| d.time_to_live_status())
        .is_some_and(|s| s.as_str() == "ENABLED");
    let described = ddb
        .describe_table()
        .table_name(&table)
        .send()
        .await
        .unwrap();
    let replicated = !described.table().unwrap().replicas().is_empty();
    let kinesis = ddb
        .describe_kinesis_streaming_destination()
        .table_name(&table)
        .send()
        .await
        .unwrap()
        .kinesis_data_stream_destinations()
        .iter()
        .any(|d| {
            d.destination_status()
                .is_some_and(|s| s.as_str() == "ACTIVE")
        });
    let streams = described
        .table()
        .unwrap()
        .stream_specification()
        .is_some_and(|s| s.stream_enabled());
    let arn = described.table().unwrap().table_arn().unwrap();
    let shared = ddb
        .get_resource_policy()
        .resource_arn(arn)
        .send()
        .await
        .is_ok();
    let inventories = s3
        .list_bucket_inventory_configurations()
        .bucket(&data)
        .send()
        .await
        .unwrap();
    let lifecycle = s3
        .get_bucket_lifecycle_configuration()
        .bucket(&data)
        .send()
        .await
        .unwrap();
    let archives = lifecycle.rules().iter().any(|r| r.transitions().len() > 1);
    let controls = s3
        .get_bucket_ownership_controls()
        .bucket(id(state, "s3_bucket.cloudtrail"))
        .send()
        .await
        .unwrap();
    let acls_on = controls.ownership_controls().unwrap().rules()[0].object_ownership()
        != &aws_sdk_s3::types::ObjectOwnership::BucketOwnerEnforced;
    (
        grantees,
        filters.subscription_filters().len(),
        [
            replicates,
            notifies,
            expires,
            expires_items,
            replicated,
            shared,
            !inventories.inventory_configuration_list().is_empty(),
            archives,
            acls_on,
            streams,
            kinesis,
        ],
    )
}

/// Puts a rule on `bucket` that expires every object after a day.
pub async fn expire_everything(s3: &aws_sdk_s3::Client, bucket: &str) {
    use aws_sdk_s3::types as t;
    s3.put_bucket_lifecycle_configuration()
        .bucket(bucket)
        .lifecycle_configuration(
            t::BucketLifecycleConfiguration::builder()
                .rules(
                    t::LifecycleRule::builder()
                        .id("forget")
                        .status(t::ExpirationStatus::Enabled)
                        .filter(t::LifecycleRuleFilter::builder().prefix("").build())
                        .expiration(t::LifecycleExpiration::builder().days(1).build())
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
}
