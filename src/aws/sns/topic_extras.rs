//! The topic settings beyond its name, display name and key: the access
//! policy (who may publish and subscribe), the delivery policy, the message
//! signature version, tracing, delivery-status logging, and the message
//! data-protection policy (which can audit, mask or block messages, and
//! send its findings elsewhere: held at none). The stack
//! declares the policy (AWS's own default for a new topic, written at
//! creation); the rest stay at AWS's defaults. A change made outside
//! hcprov is drift, and apply puts it back.

use std::collections::HashMap;

use aws_sdk_sns::Client;
use serde_json::{json, Map, Value};

use crate::aws::attrs;
use crate::aws::error::SdkResultExt;
use crate::engine::resource::ResourceError;
use crate::engine::value::Attrs;

/// The attributes of delivery-status logging (`<Protocol>SuccessFeedbackRoleArn`, ...).
fn delivery_status(name: &str) -> bool {
    name.ends_with("FeedbackRoleArn") || name.ends_with("FeedbackSampleRate")
}

/// The observed settings, from GetTopicAttributes.
pub fn observe(a: &HashMap<String, String>) -> Value {
    let logging: Map<String, Value> = a
        .iter()
        .filter(|(k, v)| delivery_status(k) && !v.is_empty())
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    json!({
        "policy": a.get("Policy").map(|p| attrs::parse_doc(p)),
        "delivery_policy": a.get("DeliveryPolicy").filter(|p| !p.is_empty()).map(|p| attrs::parse_doc(p)),
        "signature_version": a.get("SignatureVersion").map_or("1", String::as_str),
        "tracing_config": a.get("TracingConfig").map_or("PassThrough", String::as_str),
        "delivery_status_logging": logging,
    })
}

/// The topic's message data-protection policy, from its own call (AWS
/// answers an empty string for none).
pub async fn data_protection(sns: &Client, id: &str) -> Result<Value, ResourceError> {
    let out = sns
        .get_data_protection_policy()
        .resource_arn(id)
        .send()
        .await
        .ctx(&format!(
            "reading the data-protection policy of SNS topic ({id})"
        ))?;
    // An answer that parses to null (`"null"`) is still an answer: kept
    // as text, so it cannot pass for no policy.
    Ok(
        match out.data_protection_policy().filter(|p| !p.is_empty()) {
            None => Value::Null,
            Some(p) => match attrs::parse_doc(p) {
                Value::Null => Value::String(p.to_string()),
                doc => doc,
            },
        },
    )
}

/// The attributes CreateTopic sets from `a` besides the display name and key.
pub fn create_attributes(a: &Attrs) -> Vec<(String, String)> {
    a.get("policy")
        .filter(|p| p.is_object())
        .map(|p| vec![("Policy".to_string(), p.to_string())])
        .unwrap_or_default()
}

/// Puts back every setting where `from` (live) differs from `to`.
pub async fn restore(
    sns: &Client,
    id: &str,
    from: &Attrs,
    to: &Attrs,
) -> Result<(), ResourceError> {
    let mut set: Vec<(String, String)> = vec![];
    let differs = |k: &str| attrs::differs(from, to, k);
    for (attr, name) in [("policy", "Policy"), ("delivery_policy", "DeliveryPolicy")] {
        if differs(attr) {
            let v = to.get(attr).filter(|p| p.is_object()).map(Value::to_string);
            set.push((name.into(), v.unwrap_or_default()));
        }
    }
    for (attr, name) in [
        ("signature_version", "SignatureVersion"),
        ("tracing_config", "TracingConfig"),
    ] {
        if differs(attr) {
            set.push((
                name.into(),
                attrs::opt_str(to, attr).unwrap_or_default().into(),
            ));
        }
    }
    if differs("delivery_status_logging") {
        let want = to
            .get("delivery_status_logging")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let have = from
            .get("delivery_status_logging")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        for k in have.keys().filter(|k| !want.contains_key(*k)) {
            set.push((k.clone(), String::new()));
        }
        for (k, v) in &want {
            set.push((k.clone(), v.as_str().unwrap_or_default().into()));
        }
    }
    if differs("data_protection_policy") {
        let policy = to.get("data_protection_policy").filter(|p| p.is_object());
        sns.put_data_protection_policy()
            .resource_arn(id)
            .data_protection_policy(policy.map(Value::to_string).unwrap_or_default())
            .send()
            .await
            .ctx(&format!(
                "setting the data-protection policy of SNS topic ({id})"
            ))?;
    }
    for (name, value) in set {
        sns.set_topic_attributes()
            .topic_arn(id)
            .attribute_name(&name)
            .attribute_value(value)
            .send()
            .await
            .ctx(&format!("setting {name} of SNS topic ({id})"))?;
    }
    Ok(())
}
