//! The KMS key and alias, and the Lambda execution role with its managed
//! policies and inline policy.

use serde_json::json;

use super::networking::trust_policy;
use super::{reference, Builder};

/// Addresses later parts of the stack refer to.
pub struct Security {
    /// The KMS key.
    pub key: String,
    /// The Lambda execution role.
    pub lambda_role: String,
    /// Its policy attachments and inline policy.
    pub lambda_role_policies: Vec<String>,
}

/// Adds the KMS and IAM nodes.
pub fn build(b: &mut Builder) -> Security {
    let sec = b.cfg.security.clone();
    let key = b.tagged("kms_key", "main", Some(&b.name("healthcare-kms-key")), json!({
        "description": format!("KMS key for healthcare data encryption - {}", b.cfg.environment),
        "deletion_window_in_days": sec.kms_deletion_window_days,
        "enable_key_rotation": sec.kms_key_rotation,
    }));
    b.plain("kms_alias", "main", json!({
        "name": format!("alias/{}", b.name("healthcare")), "target_key_id": reference(&key, "key_id"),
    }));

    let role = b.tagged("iam_role", "lambda_execution", None, json!({
        "name": b.name("healthcare-lambda-role"), "assume_role_policy": trust_policy("lambda.amazonaws.com"),
    }));
    let mut policies = vec![];
    for (name, policy) in [
        ("lambda_basic_execution", "AWSLambdaBasicExecutionRole"),
        ("lambda_vpc_execution", "AWSLambdaVPCAccessExecutionRole"),
    ] {
        policies.push(b.plain("iam_role_policy_attachment", name, json!({
            "role": reference(&role, "name"), "policy_arn": format!("arn:aws:iam::aws:policy/service-role/{policy}"),
        })));
    }
    let bucket = b.name("healthcare-data");
    let table = b.name("healthcare-patient-records");
    policies.push(b.plain("iam_role_policy", "lambda_custom", json!({
        "role": reference(&role, "name"),
        "name": b.name("healthcare-lambda-policy"),
        "policy": {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], "Resource": format!("arn:aws:s3:::{bucket}/*")},
                {"Effect": "Allow", "Action": ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:Query", "dynamodb:Scan"], "Resource": format!("arn:aws:dynamodb:*:*:table/{table}")},
                {"Effect": "Allow", "Action": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"], "Resource": reference(&key, "arn")},
                {"Effect": "Allow", "Action": ["cloudwatch:PutMetricData"], "Resource": "*"},
            ],
        },
    })));
    b.output("kms_key_arn", reference(&key, "arn"));
    Security {
        key,
        lambda_role: role,
        lambda_role_policies: policies,
    }
}
