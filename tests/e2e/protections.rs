//! The serverless platform's standard protections, read back through the
//! SDK after an apply (never from hcprov's state): IAM authorization on the
//! API, one least-privilege role per function with exact ARNs, trust
//! policies limited to the account, TLS-only bucket policies, a validated
//! and encrypted trail, hcprov's key policy, an encrypted topic and
//! encrypted log groups.

use serde_json::{json, Value};

use super::harness::Moto;

const ACCOUNT: &str = "123456789012";

fn doc(raw: &str) -> Value {
    let decoded = if raw.contains("%7B") || raw.contains("%22") {
        let b = raw.as_bytes();
        let mut out = vec![];
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'%' && i + 2 < b.len() {
                if let Ok(v) = u8::from_str_radix(&raw[i + 1..i + 3], 16) {
                    out.push(v);
                    i += 3;
                    continue;
                }
            }
            out.push(b[i]);
            i += 1;
        }
        String::from_utf8(out).unwrap()
    } else {
        raw.to_string()
    };
    serde_json::from_str(&decoded).unwrap_or_else(|e| panic!("{e}: {decoded}"))
}

fn statements(policy: &Value) -> Vec<Value> {
    match &policy["Statement"] {
        Value::Array(a) => a.clone(),
        other => vec![other.clone()],
    }
}

/// Checks every protection of issue 18 on the live platform of `env`.
pub async fn check(moto: &Moto, env: &str, api_id: &str, kms_arn: &str) {
    let sdk = moto.sdk().await;

    // The API method requires IAM authorization.
    let api = aws_sdk_apigateway::Client::new(&sdk);
    let res = api
        .get_resources()
        .rest_api_id(api_id)
        .send()
        .await
        .unwrap();
    let patients = res
        .items()
        .iter()
        .find(|r| r.path() == Some("/patients"))
        .unwrap();
    let method = api
        .get_method()
        .rest_api_id(api_id)
        .resource_id(patients.id().unwrap())
        .http_method("POST")
        .send()
        .await
        .unwrap();
    assert_eq!(method.authorization_type(), Some("AWS_IAM"));

    // One role per function, each with exactly what its handler uses.
    let ddb = aws_sdk_dynamodb::Client::new(&sdk);
    let table_arn = ddb
        .describe_table()
        .table_name(format!("healthcare-patient-records-{env}"))
        .send()
        .await
        .unwrap()
        .table()
        .unwrap()
        .table_arn()
        .unwrap()
        .to_string();
    let lambda = aws_sdk_lambda::Client::new(&sdk);
    let iam = aws_sdk_iam::Client::new(&sdk);
    let mut roles = vec![];
    for (f, actions, managed) in [
        (
            "data-processor",
            vec!["dynamodb:PutItem", "s3:PutObject", "kms:Decrypt"],
            vec!["AWSLambdaVPCAccessExecutionRole"],
        ),
        ("health-check", vec!["dynamodb:DescribeTable"], vec![]),
        ("remediation", vec!["cloudwatch:PutMetricData"], vec![]),
    ] {
        let c = lambda
            .get_function_configuration()
            .function_name(format!("healthcare-{f}-{env}"))
            .send()
            .await
            .unwrap();
        let role_name = c.role().unwrap().rsplit('/').next().unwrap().to_string();
        assert_eq!(role_name, format!("healthcare-{f}-role-{env}"));
        roles.push(role_name.clone());
        let role = iam.get_role().role_name(&role_name).send().await.unwrap();
        let trust = doc(role.role().unwrap().assume_role_policy_document().unwrap());
        assert_eq!(
            trust["Statement"][0]["Condition"]["StringEqualsIfExists"]["aws:SourceAccount"],
            json!(ACCOUNT),
            "{role_name}"
        );
        let attached: Vec<String> = iam
            .list_attached_role_policies()
            .role_name(&role_name)
            .send()
            .await
            .unwrap()
            .attached_policies()
            .iter()
            .filter_map(|p| p.policy_name().map(str::to_string))
            .collect();
        assert_eq!(attached, managed, "{role_name}");
        let inline = iam
            .get_role_policy()
            .role_name(&role_name)
            .policy_name(format!("healthcare-{f}-policy-{env}"))
            .send()
            .await
            .unwrap();
        let policy = doc(inline.policy_document());
        let text = policy.to_string();
        for a in &actions {
            assert!(text.contains(a), "{role_name} lacks {a}: {text}");
        }
        for st in statements(&policy) {
            let res = st["Resource"].to_string();
            assert!(
                !res.contains(":*:"),
                "{role_name}: account or region left open: {res}"
            );
            if st["Resource"] == json!("*") {
                assert!(st.get("Condition").is_some(), "{role_name}: {st}");
            }
            if st["Action"] == json!("dynamodb:PutItem")
                || st["Action"] == json!("dynamodb:DescribeTable")
            {
                assert_eq!(st["Resource"], json!(table_arn), "{role_name}");
            }
            if st["Action"] == json!("s3:PutObject") {
                assert_eq!(
                    st["Resource"],
                    json!(format!(
                        "arn:aws:s3:::healthcare-data-{env}-{ACCOUNT}-us-east-1/patient-records/*"
                    ))
                );
            }
        }
        assert!(
            text.contains(&format!(":log-group:/aws/lambda/healthcare-{f}-{env}:*")),
            "{text}"
        );
    }
    assert_eq!(roles.len(), 3);

    // The flow-log role writes to its own log group only.
    let flow = iam
        .get_role_policy()
        .role_name(format!("healthcare-vpc-flow-log-role-{env}"))
        .policy_name(format!("healthcare-vpc-flow-log-policy-{env}"))
        .send()
        .await
        .unwrap();
    let flow = doc(flow.policy_document());
    let group_arn = format!("arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/vpc/healthcare-{env}");
    assert_eq!(
        flow["Statement"][0]["Resource"],
        json!([group_arn.clone(), format!("{group_arn}:*")])
    );

    // Both buckets refuse plain HTTP; CloudTrail may write only for our trail.
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&sdk)
            .force_path_style(true)
            .build(),
    );
    let trail_arn = format!("arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/healthcare-trail-{env}");
    for b in [
        format!("healthcare-data-{env}-{ACCOUNT}-us-east-1"),
        format!("healthcare-cloudtrail-{env}-{ACCOUNT}-us-east-1"),
    ] {
        let p = doc(s3
            .get_bucket_policy()
            .bucket(&b)
            .send()
            .await
            .unwrap()
            .policy()
            .unwrap());
        let deny = statements(&p)
            .into_iter()
            .find(|s| s["Sid"] == "DenyInsecureTransport")
            .unwrap_or_else(|| panic!("{b}: no TLS-only statement: {p}"));
        assert_eq!(deny["Effect"], "Deny");
        assert_eq!(
            deny["Condition"],
            json!({"Bool": {"aws:SecureTransport": "false"}})
        );
        if b.contains("cloudtrail") {
            for s in statements(&p).iter().filter(|s| s["Effect"] == "Allow") {
                assert_eq!(
                    s["Condition"]["StringEquals"]["aws:SourceArn"],
                    json!(trail_arn),
                    "{s}"
                );
                assert_eq!(
                    s["Condition"]["StringEquals"]["aws:SourceAccount"],
                    json!(ACCOUNT),
                    "{s}"
                );
            }
        }
    }

    // The trail validates and encrypts its log files.
    let ct = aws_sdk_cloudtrail::Client::new(&sdk);
    let trails = ct
        .describe_trails()
        .trail_name_list(format!("healthcare-trail-{env}"))
        .send()
        .await
        .unwrap();
    let t = &trails.trail_list()[0];
    assert_eq!(t.log_file_validation_enabled(), Some(true));
    assert_eq!(t.kms_key_id(), Some(kms_arn));

    // The key policy is hcprov's: the account root and the services that
    // write with the key, each limited by a condition.
    let kms = aws_sdk_kms::Client::new(&sdk);
    let key_policy = kms
        .get_key_policy()
        .key_id(kms_arn)
        .policy_name("default")
        .send()
        .await
        .unwrap();
    let key_policy = doc(key_policy.policy().unwrap());
    let mut principals = vec![];
    for s in statements(&key_policy) {
        let p = s["Principal"].to_string();
        if p.contains(":root") {
            assert_eq!(
                s["Principal"]["AWS"],
                json!(format!("arn:aws:iam::{ACCOUNT}:root"))
            );
        } else {
            assert!(
                s.get("Condition").is_some(),
                "a service statement without a condition: {s}"
            );
        }
        principals.push(p);
    }
    principals.sort();
    assert_eq!(
        principals,
        [
            format!("{{\"AWS\":\"arn:aws:iam::{ACCOUNT}:root\"}}"),
            "{\"Service\":\"cloudtrail.amazonaws.com\"}".to_string(),
            "{\"Service\":\"cloudtrail.amazonaws.com\"}".to_string(),
            "{\"Service\":\"cloudwatch.amazonaws.com\"}".to_string(),
            "{\"Service\":\"logs.us-east-1.amazonaws.com\"}".to_string(),
        ]
    );

    // The alerts topic and every log group are encrypted with the key.
    let sns = aws_sdk_sns::Client::new(&sdk);
    let topics = sns.list_topics().send().await.unwrap();
    let topic = topics
        .topics()
        .iter()
        .filter_map(|t| t.topic_arn())
        .find(|a| a.ends_with(&format!(":healthcare-alerts-{env}")))
        .unwrap();
    let attrs = sns
        .get_topic_attributes()
        .topic_arn(topic)
        .send()
        .await
        .unwrap();
    assert_eq!(
        attrs
            .attributes()
            .unwrap()
            .get("KmsMasterKeyId")
            .map(String::as_str),
        Some(kms_arn)
    );
    let logs = aws_sdk_cloudwatchlogs::Client::new(&sdk);
    let groups = logs.describe_log_groups().send().await.unwrap();
    let ours: Vec<_> = groups
        .log_groups()
        .iter()
        .filter(|g| {
            g.log_group_name()
                .is_some_and(|n| n.ends_with(&format!("-{env}")))
        })
        .collect();
    assert_eq!(ours.len(), 4);
    for g in ours {
        assert_eq!(g.kms_key_id(), Some(kms_arn), "{:?}", g.log_group_name());
    }
}
