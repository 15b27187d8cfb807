//! SDK clients, one set per region, all built from one loaded configuration:
//! the standard credential chain, an optional endpoint override (S3 then uses
//! path-style addressing), standard retries with more attempts than the
//! default, and a counter of the HTTP requests each service receives.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

/// SDK attempts per call (the SDK's default is 3): throttling and 5xx are
/// retried with backoff by the SDK itself.
pub const SDK_MAX_ATTEMPTS: u32 = 8;

/// How to reach AWS.
#[derive(Debug, Clone, Default)]
pub struct AwsOptions {
    /// Send every service to this endpoint (an emulator, a proxy).
    pub endpoint_url: Option<String>,
    /// Region used to load the shared configuration.
    pub default_region: String,
}

/// HTTP requests sent, per service.
#[derive(Debug, Default)]
pub struct ApiCalls {
    counts: Mutex<BTreeMap<&'static str, u64>>,
}

impl ApiCalls {
    /// Requests per service so far.
    pub fn snapshot(&self) -> BTreeMap<String, u64> {
        self.counts
            .lock()
            .expect("api call counter")
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect()
    }

    /// Total requests so far.
    pub fn total(&self) -> u64 {
        self.counts.lock().expect("api call counter").values().sum()
    }
}

#[derive(Debug)]
struct CountCalls {
    service: &'static str,
    calls: Arc<ApiCalls>,
}

impl Intercept for CountCalls {
    fn name(&self) -> &'static str {
        "hcprov::CountCalls"
    }

    fn read_before_transmit(
        &self,
        _: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        *self.calls.lock_counts().entry(self.service).or_insert(0) += 1;
        Ok(())
    }
}

impl ApiCalls {
    fn lock_counts(&self) -> std::sync::MutexGuard<'_, BTreeMap<&'static str, u64>> {
        self.counts.lock().expect("api call counter")
    }
}

macro_rules! region_clients {
    ($($field:ident: $krate:ident = $svc:literal),* $(,)?) => {
        /// The clients of one region.
        #[derive(Debug, Clone)]
        pub struct RegionClients {
            $(
                #[doc = concat!("The ", $svc, " client.")]
                pub $field: $krate::Client,
            )*
        }

        impl RegionClients {
            fn build(sdk: &SdkConfig, region: &str, path_style: bool, calls: &Arc<ApiCalls>) -> RegionClients {
                $(
                    let $field = {
                        let b = $krate::config::Builder::from(sdk)
                            .region(Region::new(region.to_string()))
                            .interceptor(CountCalls { service: $svc, calls: calls.clone() });
                        let b = region_clients!(@s3 $field, b, path_style);
                        $krate::Client::from_conf(b.build())
                    };
                )*
                RegionClients { $($field,)* }
            }
        }
    };
    (@s3 s3, $b:ident, $ps:ident) => { $b.force_path_style($ps) };
    (@s3 $other:ident, $b:ident, $ps:ident) => { $b };
}

region_clients! {
    ec2: aws_sdk_ec2 = "ec2",
    iam: aws_sdk_iam = "iam",
    kms: aws_sdk_kms = "kms",
    logs: aws_sdk_cloudwatchlogs = "logs",
}

/// The SDK configuration and the clients of every region used so far.
#[derive(Debug)]
pub struct Aws {
    sdk: SdkConfig,
    path_style: bool,
    regions: Mutex<HashMap<String, Arc<RegionClients>>>,
    /// Requests sent so far.
    pub calls: Arc<ApiCalls>,
}

impl Aws {
    /// Loads the shared configuration (credentials chain, profile, endpoint).
    pub async fn load(opts: &AwsOptions) -> Aws {
        let endpoint = opts.endpoint_url.clone().or_else(|| {
            std::env::var("AWS_ENDPOINT_URL")
                .ok()
                .filter(|s| !s.is_empty())
        });
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(opts.default_region.clone()))
            .retry_config(RetryConfig::standard().with_max_attempts(SDK_MAX_ATTEMPTS));
        if let Some(url) = &endpoint {
            loader = loader.endpoint_url(url);
        }
        Aws {
            sdk: loader.load().await,
            path_style: endpoint.is_some(),
            regions: Mutex::new(HashMap::new()),
            calls: Arc::new(ApiCalls::default()),
        }
    }

    /// The clients for `region`, built on first use.
    pub fn region(&self, region: &str) -> Arc<RegionClients> {
        let mut m = self.regions.lock().expect("region clients");
        m.entry(region.to_string())
            .or_insert_with(|| {
                Arc::new(RegionClients::build(
                    &self.sdk,
                    region,
                    self.path_style,
                    &self.calls,
                ))
            })
            .clone()
    }
}
