//! Turning SDK errors into [`ResourceError`]s with a class and the action
//! that was being performed ("creating EC2 VPC: ...").

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::engine::resource::{ErrorClass, ResourceError};

/// Classifies an AWS error code.
pub fn classify_code(code: &str) -> ErrorClass {
    let c = code;
    if c.contains("NotFound") || c.starts_with("NoSuch") || c == "InvalidAllocationID.NotFound" {
        ErrorClass::NotFound
    } else if c.contains("Throttl")
        || c == "RequestLimitExceeded"
        || c.contains("TooManyRequests")
        || c == "SlowDown"
    {
        ErrorClass::Throttled
    } else if c.contains("AccessDenied") || c == "UnauthorizedOperation" || c == "AuthFailure" {
        ErrorClass::AccessDenied
    } else if c == "DependencyViolation" || c == "DeleteConflict" || c.contains("InUse") {
        ErrorClass::DependencyViolation
    } else if c.starts_with("Invalid") || c.contains("Validation") || c.contains("Malformed") {
        ErrorClass::Invalid
    } else {
        ErrorClass::Other
    }
}

/// Converts an SDK error, naming what was being done.
pub fn from_sdk<E, R>(action: &str, err: SdkError<E, R>) -> ResourceError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    let code = err.code().map(str::to_string);
    let class = match (&err, &code) {
        (SdkError::ServiceError(_), Some(c)) => classify_code(c),
        // Timeouts, dispatch failures and unparsed answers.
        _ => ErrorClass::Other,
    };
    let message = match (&code, err.message()) {
        (Some(c), Some(m)) => format!("{c}: {m}"),
        (Some(c), None) => c.clone(),
        _ => DisplayErrorContext(&err).to_string(),
    };
    ResourceError {
        class,
        action: action.to_string(),
        code,
        message,
    }
}

/// `.ctx("creating EC2 VPC")?` on SDK results.
pub trait SdkResultExt<T> {
    /// Maps the error, naming the action.
    fn ctx(self, action: &str) -> Result<T, ResourceError>;
}

impl<T, E, R> SdkResultExt<T> for Result<T, SdkError<E, R>>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    fn ctx(self, action: &str) -> Result<T, ResourceError> {
        self.map_err(|e| from_sdk(action, e))
    }
}

/// Maps "not found" to `None`, keeping other errors.
pub fn not_found_to_none<T>(r: Result<T, ResourceError>) -> Result<Option<T>, ResourceError> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

/// Maps "not found" to success, for deletes.
pub fn ignore_not_found(r: Result<(), ResourceError>) -> Result<(), ResourceError> {
    not_found_to_none(r).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_common_codes() {
        assert_eq!(classify_code("InvalidVpcID.NotFound"), ErrorClass::NotFound);
        assert_eq!(classify_code("NoSuchEntity"), ErrorClass::NotFound);
        assert_eq!(
            classify_code("ResourceNotFoundException"),
            ErrorClass::NotFound
        );
        assert_eq!(classify_code("RequestLimitExceeded"), ErrorClass::Throttled);
        assert_eq!(classify_code("ThrottlingException"), ErrorClass::Throttled);
        assert_eq!(
            classify_code("TooManyRequestsException"),
            ErrorClass::Throttled
        );
        assert_eq!(
            classify_code("DependencyViolation"),
            ErrorClass::DependencyViolation
        );
        assert_eq!(
            classify_code("AccessDeniedException"),
            ErrorClass::AccessDenied
        );
        assert_eq!(classify_code("InvalidParameterValue"), ErrorClass::Invalid);
    }
}
