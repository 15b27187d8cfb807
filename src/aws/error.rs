//! Turning SDK errors into [`ResourceError`]s with a class and the action
//! that was being performed ("creating EC2 VPC: ..."), the AWS error code
//! and the request id. Never the raw HTTP body of an answer the SDK could
//! not parse, and never the caller's own ARN (AccessDenied messages name
//! it) unless `-v` asked for it.

use std::sync::atomic::{AtomicBool, Ordering};

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use aws_types::request_id::RequestId;

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
    } else if matches!(
        c,
        "ExpiredToken"
            | "ExpiredTokenException"
            | "InvalidClientTokenId"
            | "UnrecognizedClientException"
            | "SignatureDoesNotMatch"
            | "AuthFailure"
            | "RequestExpired"
    ) {
        ErrorClass::Credentials
    } else if c.contains("AccessDenied") || c == "UnauthorizedOperation" {
        ErrorClass::AccessDenied
    } else if c == "DependencyViolation" || c == "DeleteConflict" || c.contains("InUse") {
        ErrorClass::DependencyViolation
    } else if c.contains("AlreadyExists") || c.ends_with(".Duplicate") || c == "EntityAlreadyExists"
    {
        ErrorClass::AlreadyExists
    } else if c.starts_with("Invalid") || c.contains("Validation") || c.contains("Malformed") {
        ErrorClass::Invalid
    } else {
        ErrorClass::Other
    }
}

static SHOW_PRINCIPALS: AtomicBool = AtomicBool::new(false);

/// The error for a request hcprov could not build (an SDK builder's
/// missing field): `Invalid`, naming what the request was for.
pub fn unbuilt<E: std::fmt::Display>(what: impl Into<String>) -> impl Fn(E) -> ResourceError {
    let what = what.into();
    move |e| ResourceError::new(ErrorClass::Invalid, what.clone(), e.to_string())
}

/// Whether error messages keep the caller's ARN (`-v`); off by default.
pub fn show_principals(on: bool) {
    SHOW_PRINCIPALS.store(on, Ordering::Relaxed);
}

/// Replaces IAM and STS principal ARNs (`arn:aws:sts::123456789012:
/// assumed-role/...`) with `<caller>` unless `-v` asked for them.
pub fn redact_principals(text: &str) -> String {
    if SHOW_PRINCIPALS.load(Ordering::Relaxed) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("arn:") {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let end = tail
            .find(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '"' | '\'' | ')'))
            .unwrap_or(tail.len());
        let arn = &tail[..end];
        let mut parts = arn.splitn(6, ':');
        let service = parts.nth(2).unwrap_or_default();
        let resource = arn.splitn(6, ':').nth(5).unwrap_or_default();
        let principal = matches!(service, "iam" | "sts")
            && ["user/", "assumed-role/", "federated-user/", "root"]
                .iter()
                .any(|p| resource.starts_with(p));
        out.push_str(if principal { "<caller>" } else { arn });
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// An error and its sources, by their Display only (never Debug dumps),
/// each said once.
fn causes(e: &dyn std::error::Error) -> String {
    let mut parts: Vec<String> = vec![];
    let mut cur: Option<&dyn std::error::Error> = Some(e);
    while let Some(x) = cur {
        let text = x.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        cur = x.source();
    }
    parts.join(": ")
}

/// Converts an SDK error, naming what was being done.
pub fn from_sdk<E>(action: &str, err: SdkError<E, HttpResponse>) -> ResourceError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let code = err.code().map(str::to_string);
    let class = match (&err, &code) {
        (SdkError::ServiceError(_), Some(c)) => classify_code(c),
        // Timeouts, dispatch failures and unparsed answers.
        _ => ErrorClass::Other,
    };
    let status = err.raw_response().map(|r| r.status().as_u16());
    let mut message = match (&code, err.message(), &err) {
        (Some(c), Some(m), _) => format!("{c}: {m}"),
        (Some(c), None, _) => c.clone(),
        // An answer the SDK could not parse: its body may be anything (an
        // HTML page from a proxy, a dump), so only its status is shown.
        (None, _, SdkError::ServiceError(_) | SdkError::ResponseError(_)) => format!(
            "HTTP {} with a body the SDK could not parse (not shown)",
            status.map_or("?".to_string(), |s| s.to_string())
        ),
        (None, _, SdkError::TimeoutError(_)) => "the request timed out".to_string(),
        (None, _, SdkError::DispatchFailure(_)) => {
            format!("the request could not be sent: {}", causes(&err))
        }
        _ => DisplayErrorContext(&err).to_string(),
    };
    if let Some(id) = err.request_id() {
        message.push_str(&format!(" (request id {id})"));
    }
    ResourceError {
        class,
        action: action.to_string(),
        code,
        message: redact_principals(&message),
    }
}

/// `.ctx("creating EC2 VPC")?` on SDK results.
pub trait SdkResultExt<T> {
    /// Maps the error, naming the action.
    fn ctx(self, action: &str) -> Result<T, ResourceError>;
}

impl<T, E> SdkResultExt<T> for Result<T, SdkError<E, HttpResponse>>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
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
            classify_code("ResourceAlreadyExistsException"),
            ErrorClass::AlreadyExists
        );
        assert_eq!(
            classify_code("InvalidGroup.Duplicate"),
            ErrorClass::AlreadyExists
        );
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
        assert_eq!(
            classify_code("InvalidClientTokenId"),
            ErrorClass::Credentials
        );
        assert_eq!(classify_code("ExpiredToken"), ErrorClass::Credentials);
    }

    #[test]
    fn principal_arns_are_redacted_but_resource_arns_kept() {
        let m = "User: arn:aws:sts::123456789012:assumed-role/ci/session is not authorized to perform: kms:DescribeKey on resource: arn:aws:kms:us-east-1:123456789012:key/abc";
        let r = redact_principals(m);
        assert_eq!(r, "User: <caller> is not authorized to perform: kms:DescribeKey on resource: arn:aws:kms:us-east-1:123456789012:key/abc");
        assert_eq!(
            redact_principals("arn:aws-us-gov:iam::123456789012:user/alice, x"),
            "<caller>, x"
        );
        assert_eq!(
            redact_principals("role arn:aws:iam::123456789012:role/app"),
            "role arn:aws:iam::123456789012:role/app"
        );
    }
}
