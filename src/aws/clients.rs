//! SDK clients, one set per region, all built from one loaded configuration:
//! the standard credential chain, an optional endpoint override (S3 then uses
//! path-style addressing), standard retries with more attempts than the
//! default, and a counter of the HTTP requests each service receives.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};

pub use super::observe::ApiCalls;
use super::observe::{BackupTagsSlash, Observe};
use super::ratelimit::{LimitedClient, RateLimits};

/// SDK attempts per call (the SDK's default is 3): throttling and 5xx are
/// retried with backoff by the SDK itself. `AWS_MAX_ATTEMPTS` overrides it.
pub const SDK_MAX_ATTEMPTS: u32 = 8;

/// The attempts per call: `AWS_MAX_ATTEMPTS` (1-20) when set, else
/// [`SDK_MAX_ATTEMPTS`].
pub fn max_attempts() -> u32 {
    std::env::var("AWS_MAX_ATTEMPTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| (1..=20).contains(n))
        .unwrap_or(SDK_MAX_ATTEMPTS)
}

/// How to reach AWS.
#[derive(Debug, Clone, Default)]
pub struct AwsOptions {
    /// Send every service to this endpoint (an emulator, a proxy).
    pub endpoint_url: Option<String>,
    /// Region used to load the shared configuration.
    pub default_region: String,
    /// A role to assume for every call, with the credentials of the chain.
    pub assume_role: Option<AssumeRole>,
}

/// A role hcprov assumes (`[aws] assume_role_arn`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssumeRole {
    /// The role's ARN.
    pub arn: String,
    /// The external id its trust policy may require.
    pub external_id: Option<String>,
    /// The session name: `hcprov-<environment>-<command>`, which CloudTrail
    /// records in the account that owns the role.
    pub session_name: String,
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
                            .interceptor(Observe {
                                service: $svc,
                                region: region.to_string(),
                                calls: calls.clone(),
                            });
                        let b = region_clients!(@s3 $field, b, path_style);
                        $krate::Client::from_conf(b.build())
                    };
                )*
                RegionClients { $($field,)* }
            }
        }
    };
    (@s3 s3, $b:ident, $ps:ident) => { $b.force_path_style($ps) };
    (@s3 backup, $b:ident, $ps:ident) => { if $ps { $b.interceptor(BackupTagsSlash) } else { $b } };
    (@s3 apigateway, $b:ident, $ps:ident) => { $b.retry_classifier(super::transient::ConcurrentModification) };
    (@s3 $other:ident, $b:ident, $ps:ident) => { $b };
}

region_clients! {
    ec2: aws_sdk_ec2 = "ec2",
    iam: aws_sdk_iam = "iam",
    kms: aws_sdk_kms = "kms",
    logs: aws_sdk_cloudwatchlogs = "logs",
    s3: aws_sdk_s3 = "s3",
    dynamodb: aws_sdk_dynamodb = "dynamodb",
    lambda: aws_sdk_lambda = "lambda",
    apigateway: aws_sdk_apigateway = "apigateway",
    cloudwatch: aws_sdk_cloudwatch = "cloudwatch",
    sns: aws_sdk_sns = "sns",
    events: aws_sdk_eventbridge = "events",
    cloudtrail: aws_sdk_cloudtrail = "cloudtrail",
    backup: aws_sdk_backup = "backup",
    rds: aws_sdk_rds = "rds",
    elasticache: aws_sdk_elasticache = "elasticache",
    secretsmanager: aws_sdk_secretsmanager = "secretsmanager",
    apigatewayv2: aws_sdk_apigatewayv2 = "apigatewayv2",
    acm: aws_sdk_acm = "acm",
    route53: aws_sdk_route53 = "route53",
    tagging: aws_sdk_resourcegroupstagging = "tagging",
    sts: aws_sdk_sts = "sts",
}

/// Who the credentials belong to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The account id.
    pub account: String,
    /// The ARN partition: `aws`, `aws-cn`, `aws-us-gov`, ...
    pub partition: String,
    /// The caller's ARN (shown only with `-v`).
    pub arn: String,
}

/// The partition of `arn`, or the one `region` belongs to when the ARN has
/// none (an emulator's answer).
pub fn partition_of(arn: &str, region: &str) -> String {
    match arn.split(':').nth(1) {
        Some(p) if arn.starts_with("arn:") && !p.is_empty() => p.to_string(),
        _ => partition_of_region(region).to_string(),
    }
}

/// The partition a region belongs to.
pub fn partition_of_region(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("us-iso-") {
        "aws-iso"
    } else if region.starts_with("us-isob-") {
        "aws-iso-b"
    } else {
        "aws"
    }
}

/// The SDK configuration and the clients of every region used so far.
#[derive(Debug)]
pub struct Aws {
    sdk: SdkConfig,
    /// The configuration before any assumed role: the state bucket's.
    base: SdkConfig,
    path_style: bool,
    regions: Mutex<HashMap<String, Arc<RegionClients>>>,
    identity: tokio::sync::OnceCell<Identity>,
    zones: tokio::sync::Mutex<HashMap<String, Vec<String>>>,
    /// Requests sent so far.
    pub calls: Arc<ApiCalls>,
    /// Client-side rate limits, shared by every client.
    pub limits: Arc<RateLimits>,
    /// The directory Lambda handlers are packaged from; nothing outside it
    /// is ever uploaded as code.
    pub lambda_source: Option<std::path::PathBuf>,
    /// Whether a destroy may delete the recovery points in a Backup vault
    /// (`destroy --delete-recovery-points`); off by default.
    pub delete_recovery_points: std::sync::atomic::AtomicBool,
    /// The environment's objects and tags, read in bulk before a refresh.
    pub tag_cache: super::orphans::TagCache,
    /// Answers several reads of the refresh under way need, asked once.
    pub memo: super::memo::Memo,
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
            .retry_config(RetryConfig::standard().with_max_attempts(max_attempts()));
        if let Some(url) = &endpoint {
            loader = loader.endpoint_url(url);
        }
        let base = loader.load().await;
        let sdk = match &opts.assume_role {
            None => base.clone(),
            Some(role) => {
                let mut builder = aws_config::sts::AssumeRoleProvider::builder(&role.arn)
                    .session_name(&role.session_name)
                    .configure(&base);
                if let Some(id) = &role.external_id {
                    builder = builder.external_id(id);
                }
                let provider = builder.build().await;
                base.clone()
                    .into_builder()
                    .credentials_provider(aws_sdk_sts::config::SharedCredentialsProvider::new(
                        provider,
                    ))
                    .build()
            }
        };
        let mut aws = Aws::from_config(sdk, endpoint.is_some());
        aws.base = base;
        aws
    }

    /// Wraps an already loaded configuration (tests use one whose HTTP
    /// client replays recorded responses).
    pub fn from_config(sdk: SdkConfig, path_style: bool) -> Aws {
        let limits = Arc::new(RateLimits::default());
        let sdk = match sdk.http_client() {
            Some(inner) => sdk
                .to_builder()
                .http_client(LimitedClient::new(inner, limits.clone()))
                .build(),
            None => sdk,
        };
        Aws {
            limits,
            base: sdk.clone(),
            sdk,
            path_style,
            regions: Mutex::new(HashMap::new()),
            identity: tokio::sync::OnceCell::new(),
            zones: tokio::sync::Mutex::new(HashMap::new()),
            calls: Arc::new(ApiCalls::default()),
            lambda_source: None,
            delete_recovery_points: std::sync::atomic::AtomicBool::new(false),
            tag_cache: Default::default(),
            memo: Default::default(),
        }
    }

    /// Who the credentials are: account, partition and principal (one STS
    /// GetCallerIdentity per run, then cached).
    pub async fn identity(
        &self,
        region: &str,
    ) -> Result<Identity, crate::engine::resource::ResourceError> {
        use super::error::SdkResultExt;
        self.identity
            .get_or_try_init(|| async {
                let out = self
                    .region(region)
                    .sts
                    .get_caller_identity()
                    .send()
                    .await
                    .ctx("identifying the account (STS GetCallerIdentity)")?;
                let arn = out.arn().unwrap_or_default().to_string();
                Ok(Identity {
                    account: out.account().unwrap_or_default().to_string(),
                    partition: partition_of(&arn, region),
                    arn,
                })
            })
            .await
            .cloned()
    }

    /// The zones of `region` a subnet can use, sorted by name: available,
    /// of type `availability-zone` (not Local or Wavelength zones) and not
    /// needing an opt-in. One call per region and run.
    pub async fn zones(
        &self,
        region: &str,
    ) -> Result<Vec<String>, crate::engine::resource::ResourceError> {
        let mut cache = self.zones.lock().await;
        if let Some(z) = cache.get(region) {
            return Ok(z.clone());
        }
        let z = self.describe_zones(region).await?;
        cache.insert(region.to_string(), z.clone());
        Ok(z)
    }

    async fn describe_zones(
        &self,
        region: &str,
    ) -> Result<Vec<String>, crate::engine::resource::ResourceError> {
        use super::error::SdkResultExt;
        use aws_sdk_ec2::types::{AvailabilityZoneOptInStatus, AvailabilityZoneState};
        let out = self
            .region(region)
            .ec2
            .describe_availability_zones()
            .send()
            .await
            .ctx(&format!("listing the availability zones of {region}"))?;
        let mut zones: Vec<String> = out
            .availability_zones()
            .iter()
            .filter(|z| z.state() == Some(&AvailabilityZoneState::Available))
            .filter(|z| z.zone_type().is_none_or(|t| t == "availability-zone"))
            .filter(|z| z.opt_in_status() != Some(&AvailabilityZoneOptInStatus::NotOptedIn))
            .filter_map(|z| z.zone_name().map(str::to_string))
            .collect();
        zones.sort();
        Ok(zones)
    }

    /// The account id of the credentials.
    pub async fn account_id(
        &self,
        region: &str,
    ) -> Result<String, crate::engine::resource::ResourceError> {
        Ok(self.identity(region).await?.account)
    }

    /// `arn:<partition>:<service>:<region>:<account>:<resource>`, for objects
    /// whose ARN is needed (to tag them) but not worth a read.
    pub async fn arn(
        &self,
        service: &str,
        region: &str,
        resource: &str,
    ) -> Result<String, crate::engine::resource::ResourceError> {
        let id = self.identity(region).await?;
        Ok(format!(
            "arn:{}:{service}:{region}:{}:{resource}",
            id.partition, id.account
        ))
    }

    /// An S3 client for the state bucket in `region`, with the credentials
    /// of the chain (not an assumed role).
    pub fn state_s3(&self, region: &str) -> aws_sdk_s3::Client {
        let conf = aws_sdk_s3::config::Builder::from(&self.base)
            .region(Region::new(region.to_string()))
            .force_path_style(self.path_style)
            .build();
        aws_sdk_s3::Client::from_conf(conf)
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
