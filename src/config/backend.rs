//! `[aws]`: how hcprov reaches the account (a role to assume), and
//! `[state]`: where the state lives (this machine, or an S3 bucket).

use serde::Deserialize;

/// `[aws]` inputs.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct AwsSettings {
    /// A role to assume with the credentials of the standard chain, so one
    /// CI identity reaches each environment's account.
    pub assume_role_arn: Option<String>,
    /// The external id the role's trust policy requires, if any.
    pub external_id: Option<String>,
}

/// True when `arn` looks like an IAM role ARN.
pub fn is_role_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    parts.len() == 6
        && parts[0] == "arn"
        && parts[1].starts_with("aws")
        && parts[2] == "iam"
        && parts[4].len() == 12
        && parts[4].bytes().all(|b| b.is_ascii_digit())
        && parts[5]
            .strip_prefix("role/")
            .is_some_and(|n| !n.is_empty())
}

/// Checks `[aws]`; `Err((field, message))`.
pub fn check_aws(a: &AwsSettings) -> Result<(), (String, String)> {
    if let Some(arn) = &a.assume_role_arn {
        if !is_role_arn(arn) {
            return Err((
                "aws.assume_role_arn".into(),
                format!("must be an IAM role ARN such as \"arn:aws:iam::123456789012:role/hcprov-deployer\"; got {arn:?}"),
            ));
        }
    }
    if let Some(id) = &a.external_id {
        let ok = (2..=1224).contains(&id.len())
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+=,.@:/-_".contains(&b));
        if !ok || a.assume_role_arn.is_none() {
            return Err((
                "aws.external_id".into(),
                "must be 2-1224 letters, digits or +=,.@:/-_ and goes with assume_role_arn".into(),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arns_and_external_ids_are_checked() {
        assert!(is_role_arn(
            "arn:aws:iam::123456789012:role/hcprov-deployer"
        ));
        assert!(is_role_arn("arn:aws-us-gov:iam::123456789012:role/path/x"));
        assert!(!is_role_arn("arn:aws:iam::123456789012:user/x"));
        assert!(!is_role_arn("arn:aws:iam::1234:role/x"));
        let mut a = AwsSettings {
            assume_role_arn: Some("arn:aws:iam::123456789012:role/r".into()),
            external_id: Some("ci-42".into()),
        };
        assert!(check_aws(&a).is_ok());
        a.external_id = Some("bad id!".into());
        assert_eq!(check_aws(&a).unwrap_err().0, "aws.external_id");
        a.assume_role_arn = Some("role/r".into());
        assert_eq!(check_aws(&a).unwrap_err().0, "aws.assume_role_arn");
    }
}

/// `[state]`: where the state lives.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct StateSettings {
    /// `local` (a file under `state/`, the default) or `s3`.
    pub backend: String,
    /// The S3 bucket (versioned).
    pub bucket: Option<String>,
    /// Before the object name: the state is `<prefix><environment>.json`.
    pub prefix: String,
    /// The bucket's region (default: `region`).
    pub region: Option<String>,
    /// The KMS key the state is encrypted with (default: the account's
    /// `aws/s3` key).
    pub kms_key_id: Option<String>,
    /// The account that owns the bucket; every call says so, and S3
    /// refuses it when another account owns a bucket of that name.
    pub expected_bucket_owner: Option<String>,
}

impl Default for StateSettings {
    fn default() -> Self {
        StateSettings {
            backend: "local".into(),
            bucket: None,
            prefix: String::new(),
            region: None,
            kms_key_id: None,
            expected_bucket_owner: None,
        }
    }
}

/// True for an S3 bucket name (3-63 lowercase letters, digits, '-', '.').
pub fn valid_bucket(b: &str) -> bool {
    (3..=63).contains(&b.len())
        && b.bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-' || c == b'.')
        && !b.starts_with(['-', '.'])
        && !b.ends_with(['-', '.'])
}

/// Checks `[state]`; `Err((field, message))`.
pub fn check_state(s: &StateSettings) -> Result<(), (String, String)> {
    match s.backend.as_str() {
        "local" => {
            if s.bucket.is_some() || s.kms_key_id.is_some() || s.region.is_some() {
                return Err((
                    "state.bucket".into(),
                    "applies only with backend = \"s3\"; remove it, or set backend = \"s3\"".into(),
                ));
            }
        }
        "s3" => {
            let Some(b) = &s.bucket else {
                return Err((
                    "state.bucket".into(),
                    "is required with backend = \"s3\": the versioned bucket the state lives in"
                        .into(),
                ));
            };
            if let Some(o) = &s.expected_bucket_owner {
                if o.len() != 12 || !o.bytes().all(|c| c.is_ascii_digit()) {
                    return Err((
                        "state.expected_bucket_owner".into(),
                        format!("must be a 12-digit account id; got {o:?}"),
                    ));
                }
            }
            if !valid_bucket(b) {
                return Err(("state.bucket".into(), format!("must be an S3 bucket name (3-63 lowercase letters, digits, '-' and '.'); got {b:?}")));
            }
            if s.prefix.starts_with('/') || s.prefix.contains("//") {
                return Err((
                    "state.prefix".into(),
                    format!(
                        "must not start with '/' or hold '//': it begins the object key; got {:?}",
                        s.prefix
                    ),
                ));
            }
        }
        other => {
            return Err((
                "state.backend".into(),
                format!("must be \"local\" or \"s3\"; got {other:?}"),
            ))
        }
    }
    Ok(())
}
