//! State in S3, as a team shares it: one object per environment, written
//! with SSE-KMS, every write conditional on the ETag this process last read
//! or wrote (`If-Match`; the first with `If-None-Match: *`), so two writers
//! never silently overwrite each other; and a lock object created with
//! `If-None-Match: *` naming its holder, as Terraform's S3 backend does with
//! `use_lockfile` (no DynamoDB table). The bucket's versioning keeps every
//! write.

use std::sync::Mutex;
use std::time::Duration;

use aws_sdk_s3::operation::get_object::GetObjectOutput;
use aws_sdk_s3::operation::put_object::builders::PutObjectFluentBuilder;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::ServerSideEncryption;

use super::error::SdkResultExt;
use super::Aws;
use crate::engine::checkpoint::Persist;
use crate::engine::resource::{ErrorClass, ResourceError};
use crate::engine::state::{LockHolder, StateError};

/// Where the state object lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The bucket.
    pub bucket: String,
    /// The state object's key (`<prefix><environment>.json`).
    pub key: String,
    /// The bucket's region.
    pub region: String,
    /// The KMS key for SSE-KMS (else the account's `aws/s3` key).
    pub kms_key_id: Option<String>,
    /// The account that must own the bucket (`x-amz-expected-bucket-owner`),
    /// so a look-alike bucket of someone else is never read or written.
    pub expected_owner: Option<String>,
}

impl Location {
    /// Parses `s3://bucket/key` (the region and key are given apart).
    pub fn parse(url: &str, region: &str) -> Option<Location> {
        let rest = url.strip_prefix("s3://")?;
        let (bucket, key) = rest.split_once('/')?;
        (!bucket.is_empty() && !key.is_empty() && !key.ends_with('/')).then(|| Location {
            bucket: bucket.to_string(),
            key: key.to_string(),
            region: region.to_string(),
            kms_key_id: None,
            expected_owner: None,
        })
    }
}

/// The state of one environment in S3.
pub struct S3State {
    client: aws_sdk_s3::Client,
    loc: Location,
    /// The ETag of this process's last read or write of the state object
    /// (`None`: it did not exist).
    etag: Mutex<Option<String>>,
    /// The ETag of the lock object this process created.
    lock_etag: Mutex<Option<String>>,
    /// What this process last read: what a backup keeps.
    last_read: Mutex<Option<Vec<u8>>>,
}

/// The shortest time between two checkpoint writes (group commit): at most
/// five PutObject calls a second, whatever the parallelism.
pub const MIN_WRITE_INTERVAL: Duration = Duration::from_millis(200);

fn remote(action: &str, e: impl std::fmt::Display) -> StateError {
    StateError::Remote {
        action: action.to_string(),
        detail: e.to_string(),
    }
}

impl S3State {
    /// The state at `loc`, read and written with the credentials of the
    /// chain (not an assumed role: the bucket may live in another account
    /// than the resources).
    pub fn new(aws: &Aws, loc: Location) -> S3State {
        S3State {
            client: aws.state_s3(&loc.region),
            loc,
            etag: Mutex::new(None),
            lock_etag: Mutex::new(None),
            last_read: Mutex::new(None),
        }
    }

    /// `s3://bucket/key`.
    pub fn url(&self) -> String {
        format!("s3://{}/{}", self.loc.bucket, self.loc.key)
    }

    fn lock_key(&self) -> String {
        format!("{}.lock", self.loc.key)
    }

    async fn fetch(&self, key: &str) -> Result<GetObjectOutput, ResourceError> {
        self.client
            .get_object()
            .bucket(&self.loc.bucket)
            .key(key)
            .set_expected_bucket_owner(self.loc.expected_owner.clone())
            .send()
            .await
            .ctx(&format!("reading s3://{}/{key}", self.loc.bucket))
    }

    /// The bytes and ETag of `key`; `None` when there is no such object.
    async fn get(&self, key: &str) -> Result<Option<(Vec<u8>, Option<String>)>, ResourceError> {
        let o = match self.fetch(key).await {
            Ok(o) => o,
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) => return Err(e),
        };
        let etag = o.e_tag().map(str::to_string);
        let bytes = o.body.collect().await.map_err(|e| {
            ResourceError::new(
                ErrorClass::Other,
                format!("reading s3://{}/{key}", self.loc.bucket),
                e.to_string(),
            )
        })?;
        Ok(Some((bytes.into_bytes().to_vec(), etag)))
    }

    /// A PutObject of `bytes` at `key`: SSE-KMS with a bucket key, for the
    /// expected owner.
    fn put(&self, key: &str, bytes: &[u8]) -> PutObjectFluentBuilder {
        self.client
            .put_object()
            .bucket(&self.loc.bucket)
            .key(key)
            .server_side_encryption(ServerSideEncryption::AwsKms)
            .set_ssekms_key_id(self.loc.kms_key_id.clone())
            .bucket_key_enabled(true)
            .set_expected_bucket_owner(self.loc.expected_owner.clone())
            .body(ByteStream::from(bytes.to_vec()))
    }

    /// The state object's bytes (`None` when there is none), remembering
    /// its ETag for the next conditional write.
    pub async fn read(&self) -> Result<Option<Vec<u8>>, StateError> {
        match self.get(&self.loc.key).await {
            Ok(got) => {
                let (bytes, etag) = got.unzip();
                *self.etag.lock().expect("etag") = etag.flatten();
                *self.last_read.lock().expect("last read") = bytes.clone();
                Ok(bytes)
            }
            Err(e) if e.class == ErrorClass::AccessDenied => Err(remote(
                "reading the state",
                format!("{e} (S3 answers a missing object with 403 to a reader without s3:ListBucket on the bucket: grant it, limited to the prefix)"),
            )),
            Err(e) => Err(remote("reading the state", e)),
        }
    }

    /// Writes `bytes` over the state object only if it is still what this
    /// process last read or wrote; a lost race is an error that says so,
    /// and the bucket's versions keep both writes. A write whose answer was
    /// lost and that the SDK sent again is recognised as this process's own.
    pub async fn write(&self, bytes: &[u8]) -> Result<(), StateError> {
        let expected = self.etag.lock().expect("etag").clone();
        let mut conflicts = 0;
        loop {
            let put = self
                .put(&self.loc.key, bytes)
                .content_type("application/json");
            let put = match &expected {
                Some(etag) => put.if_match(etag),
                None => put.if_none_match("*"),
            };
            match put
                .send()
                .await
                .ctx(&format!("writing the state {}", self.url()))
            {
                Ok(o) => {
                    *self.etag.lock().expect("etag") = o.e_tag().map(str::to_string);
                    return Ok(());
                }
                // Another conditional write to the key was in flight: AWS
                // asks the caller to try again.
                Err(e) if e.code.as_deref() == Some(CONFLICT) && conflicts < 5 => {
                    conflicts += 1;
                    tokio::time::sleep(Duration::from_millis(100 << conflicts)).await;
                }
                Err(e) if is_precondition(&e) => {
                    if let Ok(Some((now, etag))) = self.get(&self.loc.key).await {
                        if now == bytes {
                            *self.etag.lock().expect("etag") = etag;
                            return Ok(());
                        }
                    }
                    return Err(StateError::Changed {
                        location: self.url(),
                    });
                }
                Err(e) => return Err(remote("writing the state", e)),
            }
        }
    }

    /// Keeps the state this process last read (the version it is about to
    /// change) as a backup beside it; `None` when it read none. Never
    /// reads again: that would move the ETag its next write is checked
    /// against past a change someone else made.
    pub async fn backup_last_read(&self) -> Result<Option<String>, StateError> {
        let last = self.last_read.lock().expect("last read").clone();
        match last {
            Some(bytes) => Ok(Some(self.backup(&bytes).await?)),
            None => Ok(None),
        }
    }

    /// Stores `bytes` as a backup beside the state
    /// (`<key>.backups/<time>`); returns its URL.
    pub async fn backup(&self, bytes: &[u8]) -> Result<String, StateError> {
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.6fZ");
        let key = format!("{}.backups/{stamp}", self.loc.key);
        self.put(&key, bytes)
            .send()
            .await
            .ctx("backing up the state")
            .map_err(|e| remote("backing up the state", e))?;
        Ok(format!("s3://{}/{key}", self.loc.bucket))
    }

    /// The current lock holder, with the lock object's ETag.
    pub async fn holder(&self) -> Result<Option<(LockHolder, String)>, StateError> {
        let got = self
            .get(&self.lock_key())
            .await
            .map_err(|e| remote("reading the state lock", e))?;
        Ok(got.map(|(bytes, etag)| {
            (
                crate::engine::state::parse_holder(&bytes),
                etag.unwrap_or_default(),
            )
        }))
    }

    /// Creates the lock object for `holder`, or fails at once naming who
    /// holds it (a stale lock when its holder ran on this machine, in this
    /// boot, and is gone).
    pub async fn lock(&self, holder: &LockHolder) -> Result<(), StateError> {
        let body = serde_json::to_vec_pretty(holder).expect("holder serialises");
        let r = self
            .put(&self.lock_key(), &body)
            .content_type("application/json")
            .if_none_match("*")
            .send()
            .await
            .ctx("taking the state lock");
        match r {
            Ok(o) => {
                *self.lock_etag.lock().expect("etag") = o.e_tag().map(str::to_string);
                Ok(())
            }
            Err(e) if is_precondition(&e) => {
                let path = std::path::PathBuf::from(self.url());
                let held = self.holder().await?;
                if let Some((h, etag)) = &held {
                    // A retried request whose first attempt took it: ours.
                    if h.token == holder.token {
                        *self.lock_etag.lock().expect("etag") = Some(etag.clone());
                        return Ok(());
                    }
                }
                let holder = Box::new(held.map(|(h, _)| h).unwrap_or_else(|| LockHolder {
                    command: "(unknown: the lock vanished while being read)".into(),
                    ..LockHolder::current("")
                }));
                Err(if holder.is_dead() {
                    StateError::StaleLock { path, holder }
                } else {
                    StateError::Locked { path, holder }
                })
            }
            Err(e) => Err(remote("taking the state lock", e)),
        }
    }

    /// Removes the lock this process took, only while it is still the one
    /// it created (`If-Match`): after `unlock --force`, a new holder's lock
    /// is left alone.
    pub async fn release(&self) -> Result<(), StateError> {
        let Some(etag) = self.lock_etag.lock().expect("etag").take() else {
            return Ok(());
        };
        self.delete_lock(Some(&etag)).await.map(|_| ())
    }

    /// Deletes the lock object (`etag`: only that one); false when it was
    /// gone, or replaced meanwhile (left in place).
    pub async fn delete_lock(&self, etag: Option<&str>) -> Result<bool, StateError> {
        let r = self
            .client
            .delete_object()
            .bucket(&self.loc.bucket)
            .key(self.lock_key())
            .set_if_match(etag.map(str::to_string))
            .set_expected_bucket_owner(self.loc.expected_owner.clone())
            .send()
            .await
            .ctx("removing the state lock");
        match r {
            Ok(_) => Ok(true),
            Err(e) if e.is_not_found() || is_precondition(&e) => Ok(false),
            Err(e) => Err(remote("removing the state lock", e)),
        }
    }
}

/// S3's answer to a conditional write racing another (409): try again.
const CONFLICT: &str = "ConditionalRequestConflict";

/// True for S3's refusal of a conditional request (412).
fn is_precondition(e: &ResourceError) -> bool {
    e.code.as_deref() == Some("PreconditionFailed")
}

impl Persist for S3State {
    fn snapshot(&self, bytes: &[u8]) -> Result<(), StateError> {
        // Called on a blocking thread of the runtime.
        tokio::runtime::Handle::current().block_on(self.write(bytes))
    }

    fn append(&self, _: &[u8]) -> Result<(), StateError> {
        unreachable!("an object store takes snapshots only (journals() is false)")
    }

    fn journals(&self) -> bool {
        false
    }

    fn min_interval(&self) -> Duration {
        MIN_WRITE_INTERVAL
    }
}
