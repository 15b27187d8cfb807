//! Transient errors by name: the error codes AWS returns for a while right
//! after a related create (eventual consistency), per service and
//! operation, each retried within a named budget, as Terraform's AWS
//! provider does with its "retry when error code equals" helpers. A code
//! that is not in [`TABLE`] fails at once, with its request id in the
//! message.
//!
//! Every call that can meet one of these goes through [`call`].

use std::future::Future;
use std::time::Duration;

use crate::engine::resource::{Ctx, ResourceError};
use crate::engine::retry::{retry_classified, Budget};

/// A new IAM role or policy can take seconds to be usable by a service.
pub const IAM_PROPAGATION: Budget = Budget {
    name: "iam-role-propagation",
    max_elapsed: Duration::from_secs(120),
    initial: Duration::from_secs(2),
    max_delay: Duration::from_secs(15),
};

/// An object an EC2 create just returned is not yet visible to the next
/// call on it.
pub const EC2_PROPAGATION: Budget = Budget {
    name: "ec2-propagation",
    max_elapsed: Duration::from_secs(120),
    initial: Duration::from_secs(1),
    max_delay: Duration::from_secs(10),
};

/// A new KMS key is not yet visible to the next call on it.
pub const KMS_PROPAGATION: Budget = Budget {
    name: "kms-key-propagation",
    max_elapsed: Duration::from_secs(120),
    initial: Duration::from_secs(1),
    max_delay: Duration::from_secs(10),
};

/// S3 refuses concurrent writes of one bucket's settings, and a new bucket
/// is not yet visible everywhere.
pub const S3_PROPAGATION: Budget = Budget {
    name: "s3-bucket-propagation",
    max_elapsed: Duration::from_secs(120),
    initial: Duration::from_secs(1),
    max_delay: Duration::from_secs(10),
};

/// Point-in-time recovery cannot be enabled until a new table's continuous
/// backups are ready.
pub const DYNAMODB_CONTINUOUS_BACKUPS: Budget = Budget {
    name: "dynamodb-continuous-backups",
    max_elapsed: Duration::from_secs(300),
    initial: Duration::from_secs(2),
    max_delay: Duration::from_secs(20),
};

/// CloudTrail checks a bucket policy (and a key policy) that S3 (KMS) may
/// not serve yet.
pub const CLOUDTRAIL_POLICY_PROPAGATION: Budget = Budget {
    name: "cloudtrail-policy-propagation",
    max_elapsed: Duration::from_secs(120),
    initial: Duration::from_secs(2),
    max_delay: Duration::from_secs(15),
};

/// One row: the error `code` (and, where the code alone is too broad, a
/// fragment of the message) that `service`'s `operations` return for a
/// while after a related create.
#[derive(Debug)]
pub struct Transient {
    /// The service, as in the SigV4 scope (`ec2`, `s3`, ...).
    pub service: &'static str,
    /// The operations it applies to.
    pub operations: &'static [&'static str],
    /// The error code.
    pub code: &'static str,
    /// A fragment the message must contain (lowercase), or "".
    pub message: &'static str,
    /// The budget it is retried within.
    pub budget: &'static Budget,
    /// Why AWS returns it.
    pub why: &'static str,
}

const S3_BUCKET_WRITES: &[&str] = &[
    "PutBucketVersioning",
    "PutBucketEncryption",
    "PutPublicAccessBlock",
    "PutBucketLifecycleConfiguration",
    "PutBucketPolicy",
    "PutBucketTagging",
    "PutBucketReplication",
];

/// Every transient error hcprov knows, by service and operation.
pub const TABLE: &[Transient] = &[
    Transient {
        service: "kms",
        operations: &["CreateKey", "PutKeyPolicy"],
        code: "MalformedPolicyDocumentException",
        message: "invalid principals",
        budget: &IAM_PROPAGATION,
        why: "the key policy names a role created seconds ago, which KMS does not know yet",
    },
    Transient {
        service: "dynamodb",
        operations: &["UpdateContinuousBackups"],
        code: "ContinuousBackupsUnavailableException",
        message: "",
        budget: &DYNAMODB_CONTINUOUS_BACKUPS,
        why: "continuous backups of a table that just became ACTIVE are still being enabled",
    },
    Transient {
        service: "backup",
        operations: &["CreateBackupSelection"],
        code: "InvalidParameterValueException",
        message: "cannot be assumed",
        budget: &IAM_PROPAGATION,
        why: "the selection's IAM role was created seconds ago",
    },
    Transient {
        service: "lambda",
        operations: &["CreateFunction", "UpdateFunctionConfiguration"],
        code: "InvalidParameterValueException",
        message: "cannot be assumed",
        budget: &IAM_PROPAGATION,
        why: "the function's IAM role was created seconds ago",
    },
    Transient {
        service: "lambda",
        operations: &["CreateFunction", "UpdateFunctionConfiguration"],
        code: "InvalidParameterValueException",
        message: "execution role does not have permissions",
        budget: &IAM_PROPAGATION,
        why: "the role's policy (e.g. VPC access) was attached seconds ago",
    },
    Transient {
        service: "s3",
        operations: &["CreateBucket"],
        code: "OperationAborted",
        message: "",
        budget: &S3_PROPAGATION,
        why: "a bucket of the same name was deleted moments ago (a replacement)",
    },
    Transient {
        service: "logs",
        operations: &["CreateLogGroup", "AssociateKmsKey"],
        code: "InvalidParameterException",
        message: "kms",
        budget: &KMS_PROPAGATION,
        why: "the key, or the key-policy statement for CloudWatch Logs, was written seconds ago",
    },
    Transient {
        service: "logs",
        operations: &["CreateLogGroup", "AssociateKmsKey"],
        code: "AccessDeniedException",
        message: "kms",
        budget: &KMS_PROPAGATION,
        why: "the key-policy statement for CloudWatch Logs was written seconds ago",
    },
    Transient {
        service: "iam",
        operations: &["PutRolePolicy", "AttachRolePolicy"],
        code: "NoSuchEntity",
        message: "",
        budget: &IAM_PROPAGATION,
        why: "the role was created seconds ago",
    },
    Transient {
        service: "s3",
        operations: S3_BUCKET_WRITES,
        code: "OperationAborted",
        message: "",
        budget: &S3_PROPAGATION,
        why: "another write of the same bucket's settings is in progress (409)",
    },
    Transient {
        service: "s3",
        operations: S3_BUCKET_WRITES,
        code: "NoSuchBucket",
        message: "",
        budget: &S3_PROPAGATION,
        why: "the bucket was created seconds ago",
    },
    Transient {
        service: "cloudtrail",
        operations: &["CreateTrail", "UpdateTrail"],
        code: "InsufficientS3BucketPolicyException",
        message: "",
        budget: &CLOUDTRAIL_POLICY_PROPAGATION,
        why: "the bucket policy allowing CloudTrail was put seconds ago",
    },
    Transient {
        service: "cloudtrail",
        operations: &["CreateTrail", "UpdateTrail"],
        code: "InsufficientEncryptionPolicyException",
        message: "",
        budget: &CLOUDTRAIL_POLICY_PROPAGATION,
        why: "the key policy allowing CloudTrail was written seconds ago",
    },
    Transient {
        service: "ec2",
        operations: &["ModifyVpcAttribute"],
        code: "InvalidVpcID.NotFound",
        message: "",
        budget: &EC2_PROPAGATION,
        why: "the VPC was created seconds ago",
    },
    Transient {
        service: "ec2",
        operations: &["ModifySubnetAttribute"],
        code: "InvalidSubnetID.NotFound",
        message: "",
        budget: &EC2_PROPAGATION,
        why: "the subnet was created seconds ago",
    },
    Transient {
        service: "ec2",
        operations: &["CreateRoute"],
        code: "InvalidRouteTableID.NotFound",
        message: "",
        budget: &EC2_PROPAGATION,
        why: "the route table was created seconds ago",
    },
    Transient {
        service: "ec2",
        operations: &["CreateRoute"],
        code: "InvalidGatewayID.NotFound",
        message: "",
        budget: &EC2_PROPAGATION,
        why: "the internet gateway was created seconds ago",
    },
    Transient {
        service: "ec2",
        operations: &["CreateRoute"],
        code: "InvalidNatGatewayID.NotFound",
        message: "",
        budget: &EC2_PROPAGATION,
        why: "the NAT gateway was created seconds ago",
    },
    Transient {
        service: "ec2",
        operations: &[
            "AuthorizeSecurityGroupIngress",
            "AuthorizeSecurityGroupEgress",
            "RevokeSecurityGroupIngress",
            "RevokeSecurityGroupEgress",
        ],
        code: "InvalidGroup.NotFound",
        message: "",
        budget: &EC2_PROPAGATION,
        why: "the security group was created seconds ago",
    },
    Transient {
        service: "kms",
        operations: &["EnableKeyRotation", "CreateAlias"],
        code: "NotFoundException",
        message: "",
        budget: &KMS_PROPAGATION,
        why: "the key was created seconds ago",
    },
];

/// The row of [`TABLE`] that `err` of `service`'s `operation` matches.
pub fn lookup(service: &str, operation: &str, err: &ResourceError) -> Option<&'static Transient> {
    let code = err.code.as_deref()?;
    let message = err.message.to_ascii_lowercase();
    TABLE.iter().find(|t| {
        t.service == service
            && t.operations.contains(&operation)
            && t.code == code
            && message.contains(t.message)
    })
}

/// Runs `op`, one call of `service`'s `operation`, retrying the transient
/// errors [`TABLE`] names for it within their budgets; any other error is
/// returned at once.
pub async fn call<T, F, Fut>(
    ctx: &Ctx,
    service: &'static str,
    operation: &'static str,
    op: F,
) -> Result<T, ResourceError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ResourceError>>,
{
    retry_classified(ctx, |e| lookup(service, operation, e).map(|t| t.budget), op).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::resource::ErrorClass;

    fn err(code: &str, message: &str) -> ResourceError {
        ResourceError {
            class: ErrorClass::Other,
            action: "x".into(),
            code: Some(code.into()),
            message: format!("{code}: {message}"),
        }
    }

    #[test]
    fn rows_match_by_service_operation_code_and_message() {
        let e = err(
            "ContinuousBackupsUnavailableException",
            "Backups are being enabled",
        );
        assert_eq!(
            lookup("dynamodb", "UpdateContinuousBackups", &e)
                .unwrap()
                .budget
                .name,
            "dynamodb-continuous-backups"
        );
        assert!(lookup("dynamodb", "CreateTable", &e).is_none());
        let role = err(
            "InvalidParameterValueException",
            "IAM Role arn:aws:iam::1:role/r cannot be assumed by AWS Backup",
        );
        assert!(lookup("backup", "CreateBackupSelection", &role).is_some());
        let other = err("InvalidParameterValueException", "Invalid cron expression");
        assert!(lookup("backup", "CreateBackupSelection", &other).is_none());
        assert!(lookup(
            "s3",
            "PutBucketPolicy",
            &err("OperationAborted", "conflict")
        )
        .is_some());
        assert!(lookup("s3", "GetBucketPolicy", &err("NoSuchBucket", "")).is_none());
        assert!(lookup(
            "ec2",
            "ModifyVpcAttribute",
            &err("InvalidVpcID.NotFound", "")
        )
        .is_some());
        assert!(lookup("kms", "CreateAlias", &err("NotFoundException", "")).is_some());
    }

    #[test]
    fn every_row_names_a_budget_and_a_reason() {
        for t in TABLE {
            assert!(!t.operations.is_empty() && !t.why.is_empty(), "{t:?}");
            assert!(t.budget.max_elapsed >= t.budget.initial, "{t:?}");
        }
    }
}

/// API Gateway (REST APIs) answers `409 ConflictException: Unable to
/// complete operation due to concurrent modification` to any call made
/// while another change of the same API is in progress, as a concurrent
/// apply's methods, integrations and deployments are. That one answer is
/// retried by the SDK itself, with its backoff, on every call of the API
/// Gateway client; a `ConflictException` that says anything else (an
/// object that already exists) is not.
#[derive(Debug)]
pub struct ConcurrentModification;

impl aws_smithy_runtime_api::client::retries::classifiers::ClassifyRetry
    for ConcurrentModification
{
    fn classify_retry(
        &self,
        ctx: &aws_smithy_runtime_api::client::interceptors::context::InterceptorContext,
    ) -> aws_smithy_runtime_api::client::retries::classifiers::RetryAction {
        use aws_smithy_runtime_api::client::retries::classifiers::RetryAction;
        let Some(resp) = ctx.response() else {
            return RetryAction::NoActionIndicated;
        };
        let body = resp.body().bytes().map(String::from_utf8_lossy);
        if resp.status().as_u16() == 409
            && body.is_some_and(|b| b.to_ascii_lowercase().contains("concurrent modification"))
        {
            RetryAction::transient_error()
        } else {
            RetryAction::NoActionIndicated
        }
    }

    fn name(&self) -> &'static str {
        "hcprov::ConcurrentModification"
    }

    fn priority(
        &self,
    ) -> aws_smithy_runtime_api::client::retries::classifiers::RetryClassifierPriority {
        use aws_smithy_runtime_api::client::retries::classifiers::RetryClassifierPriority;
        RetryClassifierPriority::run_after(RetryClassifierPriority::transient_error_classifier())
    }
}
