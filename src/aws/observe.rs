//! What every SDK request passes through on its way out: counted per
//! service, tagged with the rate-limit bucket of its operation, and, when it
//! is an SDK retry, counted and logged (`-v`) with the failure that caused it.
//! Plus one emulator shim.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeTransmitInterceptorContextMut, FinalizerInterceptorContextRef,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::retries::RequestAttempts;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::{ConfigBag, Storable, StoreReplace};

use super::clients::max_attempts;
use super::ratelimit::{bucket, rate_for, Limit};

/// HTTP requests sent and SDK retries, per service.
#[derive(Debug, Default)]
pub struct ApiCalls {
    counts: Mutex<BTreeMap<&'static str, u64>>,
    retries: Mutex<BTreeMap<&'static str, u64>>,
}

fn bump(m: &Mutex<BTreeMap<&'static str, u64>>, service: &'static str) {
    *m.lock()
        .expect("api call counter")
        .entry(service)
        .or_insert(0) += 1;
}

fn snapshot(m: &Mutex<BTreeMap<&'static str, u64>>) -> BTreeMap<String, u64> {
    m.lock()
        .expect("api call counter")
        .iter()
        .map(|(k, v)| (k.to_string(), *v))
        .collect()
}

impl ApiCalls {
    /// Requests per service so far (retries included).
    pub fn snapshot(&self) -> BTreeMap<String, u64> {
        snapshot(&self.counts)
    }

    /// Total requests so far.
    pub fn total(&self) -> u64 {
        self.snapshot().values().sum()
    }

    /// SDK retries (throttling, 5xx, dropped connections) per service.
    pub fn retries(&self) -> BTreeMap<String, u64> {
        snapshot(&self.retries)
    }

    /// Total SDK retries so far.
    pub fn total_retries(&self) -> u64 {
        self.retries().values().sum()
    }
}

/// Why the previous attempt failed, kept between attempts of one call.
#[derive(Debug, Clone)]
struct LastFailure(String);

impl Storable for LastFailure {
    type Storer = StoreReplace<Self>;
}

/// The interceptor on every client.
#[derive(Debug)]
pub struct Observe {
    /// hcprov's name for the service ("ec2").
    pub service: &'static str,
    /// The client's region.
    pub region: String,
    /// Where the counts go.
    pub calls: Arc<ApiCalls>,
}

/// The error code of a failed response: the `x-amzn-errortype` header, a
/// JSON `__type` or an XML `<Code>`.
fn error_code(status: u16, headers: &[(&str, &str)], body: &[u8]) -> String {
    let header = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("x-amzn-errortype"))
        .map(|(_, v)| v.split(':').next().unwrap_or(v).to_string());
    let text = String::from_utf8_lossy(body);
    let between = |open: &str, close: &str| {
        let i = text.find(open)? + open.len();
        let j = text[i..].find(close)?;
        Some(text[i..i + j].trim_matches('"').to_string())
    };
    let code = header
        .or_else(|| between("<Code>", "</Code>"))
        .or_else(|| between("\"__type\":", ",").map(|t| t.trim().trim_matches('"').to_string()))
        .map(|c| c.rsplit('#').next().unwrap_or(&c).to_string());
    match code {
        Some(c) => format!("HTTP {status} {c}"),
        None => format!("HTTP {status}"),
    }
}

impl Intercept for Observe {
    fn name(&self) -> &'static str {
        "hcprov::Observe"
    }

    fn modify_before_transmit(
        &self,
        ctx: &mut BeforeTransmitInterceptorContextMut<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        bump(&self.calls.counts, self.service);
        let op = cfg
            .load::<Metadata>()
            .map(|m| m.name().to_string())
            .unwrap_or_default();
        let attempt = cfg.load::<RequestAttempts>().map_or(1, |a| a.attempts());
        if attempt > 1 {
            bump(&self.calls.retries, self.service);
            let why = cfg
                .load::<LastFailure>()
                .map_or("a transient error".to_string(), |f| f.0.clone());
            tracing::info!(
                "retrying {}:{op} in {} (attempt {attempt} of {}) after {why}",
                self.service,
                self.region,
                max_attempts()
            );
        }
        if let Some(rate) = rate_for(self.service, &op) {
            // IAM's and Route 53's limits are the account's, in every region.
            let scope = match self.service {
                "iam" | "route53" => "global",
                _ => self.region.as_str(),
            };
            ctx.request_mut().add_extension(Limit {
                key: format!("{scope}/{}/{}", self.service, bucket(self.service, &op)),
                rate,
            });
        }
        Ok(())
    }

    fn read_after_attempt(
        &self,
        ctx: &FinalizerInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let failure = match (ctx.response(), ctx.output_or_error()) {
            (Some(r), _) if r.status().as_u16() >= 400 => {
                let headers: Vec<(&str, &str)> = r.headers().iter().collect();
                Some(error_code(
                    r.status().as_u16(),
                    &headers,
                    r.body().bytes().unwrap_or_default(),
                ))
            }
            (None, Some(Err(e))) => Some(format!("{e}")),
            _ => None,
        };
        if let Some(f) = failure {
            cfg.interceptor_state().store_put(LastFailure(f));
        }
        Ok(())
    }
}

/// Emulator shim, only installed with an endpoint override: moto reads the
/// resource ARN of Backup's `GET /tags/{arn}` from the second-to-last path
/// segment (it expects the older `/tags/{arn}/`), so the slash is added.
#[derive(Debug)]
pub struct BackupTagsSlash;

impl Intercept for BackupTagsSlash {
    fn name(&self) -> &'static str {
        "hcprov::BackupTagsSlash"
    }

    fn modify_before_transmit(
        &self,
        ctx: &mut BeforeTransmitInterceptorContextMut<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let req = ctx.request_mut();
        let uri = req.uri().to_string();
        let (path, query) = uri
            .split_once('?')
            .map_or((uri.as_str(), None), |(p, q)| (p, Some(q)));
        if req.method() == "GET" && path.contains("/tags/") && !path.ends_with('/') {
            let fixed = match query {
                Some(q) => format!("{path}/?{q}"),
                None => format!("{path}/"),
            };
            req.set_uri(fixed)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::error_code;

    #[test]
    fn error_codes_are_read_in_each_protocol_shape() {
        let ec2 = b"<Response><Errors><Error><Code>RequestLimitExceeded</Code></Error></Errors></Response>";
        assert_eq!(error_code(503, &[], ec2), "HTTP 503 RequestLimitExceeded");
        let json = br#"{"__type":"com.amazonaws.kms#ThrottlingException","message":"x"}"#;
        assert_eq!(error_code(400, &[], json), "HTTP 400 ThrottlingException");
        let rest = [("x-amzn-ErrorType", "TooManyRequestsException:http://x")];
        assert_eq!(
            error_code(429, &rest, b"{}"),
            "HTTP 429 TooManyRequestsException"
        );
        assert_eq!(error_code(503, &[], b""), "HTTP 503");
    }
}
