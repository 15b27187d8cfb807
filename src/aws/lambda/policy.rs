//! A function's resource policy: the set of invoke permissions the function
//! owns. `permission_sids` lists the statements the stack's
//! `lambda_permission` nodes add; one someone else added (another account
//! or service allowed to invoke) is drift, and apply removes it.

use aws_sdk_lambda::Client;
use serde_json::Value;

use crate::aws::attrs;
use crate::aws::error::{ignore_not_found, not_found_to_none, SdkResultExt};
use crate::aws::Aws;
use crate::engine::resource::ResourceError;
use crate::engine::value::Attrs;

/// The resource policy of `function`; `Null` when it has none. Asked once
/// per refresh: the function and its permissions both read it.
pub async fn get(aws: &Aws, region: &str, function: &str) -> Result<Value, ResourceError> {
    let lambda = &aws.region(region).lambda;
    let key = format!("{region}:lambda:GetPolicy:{function}");
    aws.memo
        .get(key, || async {
            let out = not_found_to_none(
                lambda
                    .get_policy()
                    .function_name(function)
                    .send()
                    .await
                    .ctx(&format!("reading policy of Lambda function ({function})")),
            )?;
            Ok(out
                .and_then(|o| o.policy().map(attrs::parse_doc))
                .unwrap_or(Value::Null))
        })
        .await
}

/// The statement ids of `policy`, sorted.
pub fn sids(policy: &Value) -> Vec<String> {
    let mut ids: Vec<String> = policy["Statement"]
        .as_array()
        .map(|s| {
            s.iter()
                .filter_map(|x| x["Sid"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    ids.sort();
    ids
}

/// Removes the statements `from` (live) holds beyond `to` (desired).
pub async fn remove_extras(
    lambda: &Client,
    function: &str,
    from: &Attrs,
    to: &Attrs,
) -> Result<(), ResourceError> {
    for sid in attrs::extras(from, to, "permission_sids") {
        let r = lambda
            .remove_permission()
            .function_name(function)
            .statement_id(&sid)
            .send()
            .await
            .ctx(&format!(
                "removing permission {sid}, added outside hcprov, from Lambda function ({function})"
            ));
        ignore_not_found(r.map(|_| ()))?;
    }
    Ok(())
}
