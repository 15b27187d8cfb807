//! Client-side rate limits, so a big apply does not empty AWS's own token
//! buckets in the first place. Every request passes through
//! [`LimitedClient`], which waits for a token of the bucket its operation
//! belongs to (if any) before sending. Retries by the SDK take a token too.
//!
//! The buckets are per region and, like AWS's, per operation (Lambda's control
//! plane is one bucket). Their sizes are below AWS's published ones, to leave
//! room for other clients of the account.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use tokio::time::Instant;

/// A token bucket's size and refill rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    /// Tokens when full: how many calls may go at once after a quiet spell.
    pub burst: f64,
    /// Tokens added per second.
    pub per_sec: f64,
}

impl Rate {
    /// `per_sec` calls a second, in bursts of as many.
    pub const fn steady(per_sec: f64) -> Rate {
        Rate {
            burst: per_sec,
            per_sec,
        }
    }
}

/// EC2 mutating calls: AWS refills each mutating action's bucket at 5/s
/// (bucket of 200); hcprov keeps to a quarter of the bucket.
pub const EC2_MUTATING: Rate = Rate {
    burst: 50.0,
    per_sec: 5.0,
};

/// EC2 reads: AWS's non-mutating buckets hold 100 and refill at 20/s.
pub const EC2_READ: Rate = Rate {
    burst: 50.0,
    per_sec: 20.0,
};

/// Lambda's control plane: 15 requests per second, shared by every API
/// but GetFunction, GetPolicy and Invoke (see `bucket`).
pub const LAMBDA_CONTROL: Rate = Rate::steady(15.0);

/// API Gateway `CreateDeployment`: one every 5 seconds per account.
pub const APIGW_DEPLOYMENT: Rate = Rate {
    burst: 1.0,
    per_sec: 0.2,
};

/// API Gateway `CreateRestApi`: one every 3 seconds per account.
pub const APIGW_CREATE_API: Rate = Rate {
    burst: 1.0,
    per_sec: 1.0 / 3.0,
};

/// API Gateway `DeleteRestApi`: one every 30 seconds per account.
pub const APIGW_DELETE_API: Rate = Rate {
    burst: 1.0,
    per_sec: 1.0 / 30.0,
};

/// CloudWatch Logs `DescribeSubscriptionFilters`: AWS allows 5 per second
/// per account and region.
pub const LOGS_SUBSCRIPTION_READ: Rate = Rate::steady(4.0);

/// Other CloudWatch Logs reads (`DescribeLogGroups`, `ListTagsForResource`):
/// AWS allows 10 per second (`DescribeLogGroups`).
pub const LOGS_READ: Rate = Rate::steady(8.0);

/// DynamoDB `ListTagsOfResource`: AWS allows 10 per second per account.
pub const DYNAMODB_TAG_READ: Rate = Rate::steady(8.0);

/// IAM reads: IAM is global and its limits are not published; the account's
/// other users share them.
pub const IAM_READ: Rate = Rate {
    burst: 20.0,
    per_sec: 10.0,
};

/// Route 53: 5 requests per second per account, every API together.
pub const ROUTE53: Rate = Rate::steady(4.0);

/// API Gateway reads: AWS allows 10 requests per second per account.
pub const APIGW_READ: Rate = Rate::steady(8.0);

/// The bucket an operation of `service` (hcprov's name for it: "ec2",
/// "lambda", ...) draws from, if it is limited.
pub fn rate_for(service: &str, operation: &str) -> Option<Rate> {
    let read = ["Describe", "Get", "List"]
        .iter()
        .any(|p| operation.starts_with(p));
    match (service, operation) {
        ("ec2", _) if read => Some(EC2_READ),
        ("logs", "DescribeSubscriptionFilters") => Some(LOGS_SUBSCRIPTION_READ),
        ("logs", _) if read => Some(LOGS_READ),
        ("dynamodb", "ListTagsOfResource") => Some(DYNAMODB_TAG_READ),
        ("iam", _) if read => Some(IAM_READ),
        ("route53", _) => Some(ROUTE53),
        ("apigateway" | "apigatewayv2", _) if read => Some(APIGW_READ),
        ("ec2", _) => Some(EC2_MUTATING),
        ("lambda", _) => Some(LAMBDA_CONTROL),
        ("apigateway", "CreateDeployment") => Some(APIGW_DEPLOYMENT),
        ("apigateway", "CreateRestApi") => Some(APIGW_CREATE_API),
        ("apigateway", "DeleteRestApi") => Some(APIGW_DELETE_API),
        _ => None,
    }
}

/// The name of the bucket `operation` of `service` draws from: its own,
/// except Lambda's control-plane calls, which AWS limits together.
pub fn bucket<'a>(service: &str, operation: &'a str) -> &'a str {
    match (service, operation) {
        ("lambda", "GetFunction" | "GetPolicy" | "Invoke") => operation,
        ("lambda", _) => "control-plane",
        ("route53", _) => "all",
        _ => operation,
    }
}

/// Which bucket a request draws from; the interceptor that knows the
/// operation attaches it to the request, the connector honours it.
#[derive(Debug, Clone)]
pub struct Limit {
    /// `region/service/operation`.
    pub key: String,
    /// The bucket's rate.
    pub rate: Rate,
}

#[derive(Debug)]
struct Bucket {
    rate: Rate,
    tokens: f64,
    at: Instant,
}

/// Every bucket of a run, and how long requests waited for tokens.
#[derive(Debug, Default)]
pub struct RateLimits {
    buckets: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Bucket>>>>,
    waited_ms: AtomicU64,
    delayed: AtomicU64,
}

impl RateLimits {
    /// Takes a token from `limit`'s bucket, waiting for one if it is empty.
    /// Waiters queue in order (the bucket's lock is fair).
    pub async fn acquire(&self, limit: &Limit) -> Duration {
        let bucket = self
            .buckets
            .lock()
            .expect("rate limit buckets")
            .entry(limit.key.clone())
            .or_insert_with(|| {
                Arc::new(tokio::sync::Mutex::new(Bucket {
                    rate: limit.rate,
                    tokens: limit.rate.burst,
                    at: Instant::now(),
                }))
            })
            .clone();
        let mut b = bucket.lock().await;
        let refill = |b: &mut Bucket| {
            let now = Instant::now();
            b.tokens = (b.tokens + (now - b.at).as_secs_f64() * b.rate.per_sec).min(b.rate.burst);
            b.at = now;
        };
        refill(&mut b);
        let mut waited = Duration::ZERO;
        if b.tokens < 1.0 {
            waited = Duration::from_secs_f64((1.0 - b.tokens) / b.rate.per_sec);
            tracing::debug!("rate limit {}: waiting {waited:?}", limit.key);
            tokio::time::sleep(waited).await;
            refill(&mut b);
            self.delayed.fetch_add(1, Ordering::Relaxed);
            self.waited_ms
                .fetch_add(waited.as_millis() as u64, Ordering::Relaxed);
        }
        b.tokens -= 1.0;
        waited
    }

    /// Requests that had to wait for a token, and the total wait.
    pub fn delayed(&self) -> (u64, Duration) {
        (
            self.delayed.load(Ordering::Relaxed),
            Duration::from_millis(self.waited_ms.load(Ordering::Relaxed)),
        )
    }
}

/// An HTTP client that applies [`RateLimits`] before handing a request to
/// the real one.
#[derive(Debug, Clone)]
pub struct LimitedClient {
    inner: SharedHttpClient,
    limits: Arc<RateLimits>,
}

impl LimitedClient {
    /// Wraps `inner`.
    pub fn new(inner: SharedHttpClient, limits: Arc<RateLimits>) -> LimitedClient {
        LimitedClient { inner, limits }
    }
}

impl HttpClient for LimitedClient {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(LimitedConnector {
            inner: self.inner.http_connector(settings, components),
            limits: self.limits.clone(),
        })
    }
}

#[derive(Debug)]
struct LimitedConnector {
    inner: SharedHttpConnector,
    limits: Arc<RateLimits>,
}

impl HttpConnector for LimitedConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let limit = request.extension::<Limit>().cloned();
        let (inner, limits) = (self.inner.clone(), self.limits.clone());
        HttpConnectorFuture::new(async move {
            if let Some(l) = limit {
                limits.acquire(&l).await;
            }
            inner.call(request).await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_map_to_their_buckets() {
        assert_eq!(rate_for("ec2", "CreateVpc"), Some(EC2_MUTATING));
        assert_eq!(rate_for("ec2", "DescribeVpcs"), Some(EC2_READ));
        assert_eq!(rate_for("lambda", "GetFunction"), Some(LAMBDA_CONTROL));
        assert_eq!(
            rate_for("apigateway", "CreateDeployment"),
            Some(APIGW_DEPLOYMENT)
        );
        assert_eq!(rate_for("apigateway", "GetResources"), Some(APIGW_READ));
        assert_eq!(rate_for("apigateway", "UpdateStage"), None);
        assert_eq!(
            rate_for("logs", "DescribeSubscriptionFilters"),
            Some(LOGS_SUBSCRIPTION_READ)
        );
        assert_eq!(rate_for("logs", "DescribeLogGroups"), Some(LOGS_READ));
        assert_eq!(rate_for("logs", "PutRetentionPolicy"), None);
        assert_eq!(
            rate_for("dynamodb", "ListTagsOfResource"),
            Some(DYNAMODB_TAG_READ)
        );
        assert_eq!(rate_for("iam", "GetRole"), Some(IAM_READ));
        assert_eq!(
            rate_for("route53", "ChangeResourceRecordSets"),
            Some(ROUTE53)
        );
        assert_eq!(
            bucket("route53", "GetHostedZone"),
            bucket("route53", "ListTagsForResource")
        );
        assert_eq!(rate_for("s3", "PutObject"), None);
        assert_eq!(
            bucket("lambda", "ListAliases"),
            bucket("lambda", "DeleteFunction")
        );
        assert_eq!(bucket("lambda", "GetFunction"), "GetFunction");
        assert_eq!(bucket("ec2", "DescribeVpcs"), "DescribeVpcs");
    }

    fn limit(key: &str, rate: Rate) -> Limit {
        Limit {
            key: key.into(),
            rate,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_burst_passes_then_calls_are_spaced_at_the_refill_rate() {
        let limits = RateLimits::default();
        let l = limit("us-east-1/ec2/CreateTags", EC2_MUTATING);
        let start = Instant::now();
        for _ in 0..50 {
            limits.acquire(&l).await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO, "the burst is free");
        for _ in 0..10 {
            limits.acquire(&l).await;
        }
        // Ten more at 5/s: two seconds (within rounding of the refill).
        let took = start.elapsed();
        assert!(
            took >= Duration::from_millis(1990) && took <= Duration::from_millis(2010),
            "{took:?}"
        );
        assert_eq!(limits.delayed().0, 10);
    }

    #[tokio::test(start_paused = true)]
    async fn buckets_are_separate_per_key() {
        let limits = RateLimits::default();
        let a = limit("us-east-1/apigateway/CreateDeployment", APIGW_DEPLOYMENT);
        let b = limit("eu-west-1/apigateway/CreateDeployment", APIGW_DEPLOYMENT);
        let start = Instant::now();
        limits.acquire(&a).await;
        limits.acquire(&b).await;
        assert_eq!(start.elapsed(), Duration::ZERO);
        limits.acquire(&a).await;
        assert_eq!(start.elapsed(), Duration::from_secs(5));
    }
}
