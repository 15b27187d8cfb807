//! The contract every resource type implements, and the context it runs in.
//!
//! A resource type knows how to create, read, update and delete one kind of
//! object. The engine never talks to a cloud itself: plan refresh, drift and
//! apply all go through these four operations.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::value::Attrs;
use super::EngineError;

/// What kind of failure an operation met; drives the retry layers and the
/// drift report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorClass {
    /// The object does not exist.
    NotFound,
    /// The service throttled us past the SDK's own retries.
    Throttled,
    /// The credentials lack permission.
    AccessDenied,
    /// The credentials expired or were rejected.
    Credentials,
    /// The object is still in use (for example EC2 DependencyViolation).
    DependencyViolation,
    /// A known eventual-consistency condition (IAM role not yet assumable).
    Eventual,
    /// A waiter ran out of time.
    Timeout,
    /// A create found the object there already: made by this run's own
    /// first attempt (its answer lost, the call retried), or by someone
    /// else.
    AlreadyExists,
    /// The request was invalid.
    Invalid,
    /// Anything else.
    Other,
}

impl ErrorClass {
    /// What the operator does next about an error of this class.
    pub fn next_step(self) -> &'static str {
        match self {
            ErrorClass::NotFound => "it is gone outside hcprov: `hcprov plan` shows it, `hcprov apply` makes it again",
            ErrorClass::Throttled => "AWS kept throttling after every retry: run again later, or with a lower --parallelism",
            ErrorClass::Credentials => "AWS rejected the credentials (expired or revoked): refresh them (`aws sso login`, a new session token), then run again to continue",
            ErrorClass::AccessDenied => "the credentials lack this permission: grant it to the principal the plan header names (README, \"Using a real AWS account\"), or use other credentials",
            ErrorClass::DependencyViolation => "something else still uses it: remove that dependency or wait for AWS to release it, then run again",
            ErrorClass::Eventual => "AWS has not caught up with a change made seconds ago: run again in a minute",
            ErrorClass::Timeout => "it did not reach that state in time: check it in the AWS console, then run again to continue",
            ErrorClass::AlreadyExists => "an object of that name exists and does not carry this environment's identity tags: delete or rename it, or import it (`hcprov import`), then run again",
            ErrorClass::Invalid => "AWS refused the request as invalid: fix the setting it names in hcprov.toml, then run again",
            ErrorClass::Other => "run again with -v to see each call; the state keeps everything that finished",
        }
    }
}

/// A failed resource operation, with what was being done.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{action}: {message}")]
pub struct ResourceError {
    /// The failure class.
    pub class: ErrorClass,
    /// What was happening, e.g. "creating EC2 VPC".
    pub action: String,
    /// The service's error code, when there is one.
    pub code: Option<String>,
    /// The error message.
    pub message: String,
}

impl ResourceError {
    /// A new error of `class` while doing `action`.
    pub fn new(class: ErrorClass, action: impl Into<String>, message: impl Into<String>) -> Self {
        ResourceError {
            class,
            action: action.into(),
            code: None,
            message: message.into(),
        }
    }

    /// True when the error says the object does not exist.
    pub fn is_not_found(&self) -> bool {
        self.class == ErrorClass::NotFound
    }
}

/// The result of a create: the object's id and its computed outputs.
#[derive(Debug, Clone, Default)]
pub struct Created {
    /// The identifier used to read, update and delete the object.
    pub id: String,
    /// Computed values other nodes may reference (`arn`, ...). `id` is added
    /// by the engine.
    pub outputs: Attrs,
}

/// What a read found: the managed attributes as they are live, in the same
/// canonical form as the desired attributes, plus computed outputs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Observed {
    /// Live values of the managed attributes.
    pub attrs: Attrs,
    /// Live computed outputs.
    pub outputs: Attrs,
}

/// Counters shared by every operation of one command.
#[derive(Debug, Default)]
pub struct Stats {
    /// Operation-level retries (eventual-consistency budgets).
    pub retries: AtomicU64,
    /// Waiter polls that found the object still pending.
    pub waits: AtomicU64,
    /// Objects an interrupted run made that this one adopted.
    pub adopted: AtomicU64,
    /// Objects an interrupted run made after this one had looked for them
    /// and created its own; deleted.
    pub discarded: AtomicU64,
    /// Copies kept before replacements deleted the old objects:
    /// `(address, backup or snapshot name)`.
    pub preserved: Mutex<Vec<(String, String)>>,
    /// The operations running now, by address: what live progress shows.
    running: Mutex<std::collections::BTreeMap<String, Running>>,
}

/// One operation in flight.
#[derive(Debug, Clone)]
pub struct Running {
    /// "creating", "updating", "destroying".
    pub doing: &'static str,
    /// When it started.
    pub since: std::time::Instant,
    /// What it waits for now, when a waiter is polling ("NAT gateway to
    /// become available (still pending)").
    pub waiting: Option<String>,
}

impl Stats {
    /// Records that `address` started `doing`.
    pub fn started(&self, address: &str, doing: &'static str) {
        self.running.lock().expect("running lock").insert(
            address.to_string(),
            Running {
                doing,
                since: std::time::Instant::now(),
                waiting: None,
            },
        );
    }

    /// Records that `address` ended.
    pub fn ended(&self, address: &str) {
        self.running.lock().expect("running lock").remove(address);
    }

    /// Records what `address` is waiting for.
    pub fn waiting(&self, address: &str, what: String) {
        if let Some(r) = self.running.lock().expect("running lock").get_mut(address) {
            r.waiting = Some(what);
        }
    }

    /// Records that `address` no longer waits.
    pub fn waited(&self, address: &str) {
        if let Some(r) = self.running.lock().expect("running lock").get_mut(address) {
            r.waiting = None;
        }
    }

    /// The operations running now.
    pub fn running(&self) -> Vec<(String, Running)> {
        self.running
            .lock()
            .expect("running lock")
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// Current retry count.
    pub fn retries(&self) -> u64 {
        self.retries.load(Ordering::Relaxed)
    }
}

/// A parallelism slot held by a running operation. A waiter that sleeps gives
/// the slot back and takes a new one when it wakes.
#[derive(Debug)]
pub struct Slot {
    sem: Arc<Semaphore>,
    permit: Mutex<Option<OwnedSemaphorePermit>>,
}

impl Slot {
    /// Wraps a permit taken from `sem`.
    pub fn new(sem: Arc<Semaphore>, permit: OwnedSemaphorePermit) -> Slot {
        Slot {
            sem,
            permit: Mutex::new(Some(permit)),
        }
    }

    /// Sleeps for `d` without holding the slot.
    pub async fn sleep(&self, d: Duration) {
        drop(self.permit.lock().expect("slot lock").take());
        tokio::time::sleep(d).await;
        let p = self
            .sem
            .clone()
            .acquire_owned()
            .await
            .expect("semaphore closed");
        *self.permit.lock().expect("slot lock") = Some(p);
    }
}

/// The context of one operation on one node.
#[derive(Clone)]
pub struct Ctx {
    /// The node's address.
    pub address: String,
    /// The region the object lives in.
    pub region: String,
    /// Shared counters.
    pub stats: Arc<Stats>,
    /// An idempotency token for create calls that take one (EC2
    /// `ClientToken`, Backup `CreatorRequestId`). It is recorded with the
    /// pending create, so the run after a crash sends the same one.
    pub client_token: String,
    /// True for the create of a replacement made while the old object
    /// still exists (create before destroy): a type whose names must be
    /// unique gives the new object a name of its own.
    pub replacing: bool,
    slot: Option<Arc<Slot>>,
}

impl fmt::Debug for Ctx {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Ctx({} in {})", self.address, self.region)
    }
}

impl Ctx {
    /// A context for `address` in `region`.
    pub fn new(address: &str, region: &str, stats: Arc<Stats>, slot: Option<Arc<Slot>>) -> Ctx {
        Ctx {
            address: address.to_string(),
            region: region.to_string(),
            stats,
            client_token: String::new(),
            replacing: false,
            slot,
        }
    }

    /// The client token to send, if there is one.
    pub fn token(&self) -> Option<String> {
        (!self.client_token.is_empty()).then(|| self.client_token.clone())
    }

    /// The same context with `token` as the client token.
    pub fn with_client_token(mut self, token: &str) -> Ctx {
        self.client_token = token.to_string();
        self
    }

    /// Sleeps for `d`, giving the parallelism slot back meanwhile.
    pub async fn sleep(&self, d: Duration) {
        match &self.slot {
            Some(s) => s.sleep(d).await,
            None => tokio::time::sleep(d).await,
        }
    }
}

/// One kind of cloud object.
#[async_trait]
pub trait ResourceType: Send + Sync {
    /// The kind, the first part of an address (`ec2_vpc`).
    fn kind(&self) -> &'static str;

    /// Attributes whose change forces replacement; all others update in place.
    fn replace_on(&self) -> &'static [&'static str];

    /// Why `hcprov import` cannot take an existing object of this type
    /// (`None`: it can).
    fn not_importable(&self) -> Option<&'static str> {
        None
    }

    /// Whether a replacement from `from` (live) to `to` (desired) may exist
    /// beside the old object, so what still uses the old one moves over
    /// before it is deleted (AWS refuses to delete an object in use: a
    /// subnet a Lambda sits in, a security group its ENIs hold). False by
    /// default: two objects of one name, CIDR or key cannot coexist.
    fn coexists(&self, _from: &Attrs, _to: &Attrs) -> bool {
        false
    }

    /// Whether a replacement creates the new object before deleting the old
    /// one (for objects others must move to first, like API deployments).
    fn create_before_destroy(&self) -> bool {
        false
    }

    /// Creates the object; returns its id and outputs.
    async fn create(&self, ctx: &Ctx, attrs: &Attrs) -> Result<Created, ResourceError>;

    /// Ids of live objects an interrupted create of this node may have
    /// made: found by the address and lineage tags in `attrs`
    /// (`aws::tags::identity`), by the name the attributes fix, or by the
    /// client token. Called before a create when the state still holds a
    /// pending create for the address. Types whose create is an idempotent
    /// put (doing it again changes nothing) return an empty list.
    async fn find(&self, ctx: &Ctx, attrs: &Attrs) -> Result<Vec<String>, ResourceError>;

    /// Reads the object; `None` when it no longer exists. `attrs` are the
    /// recorded or desired attributes, for types whose id alone is not enough.
    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        attrs: &Attrs,
    ) -> Result<Option<Observed>, ResourceError>;

    /// Updates the attributes that differ between `from` and `to` in place;
    /// returns the new outputs.
    async fn update(
        &self,
        ctx: &Ctx,
        id: &str,
        from: &Attrs,
        to: &Attrs,
    ) -> Result<Attrs, ResourceError>;

    /// Before a replacement deletes the old object: keeps a copy of the
    /// data it holds (a backup, a snapshot) and returns its name. Types
    /// that hold no data keep nothing.
    async fn preserve(
        &self,
        _ctx: &Ctx,
        _id: &str,
        _attrs: &Attrs,
    ) -> Result<Option<String>, ResourceError> {
        Ok(None)
    }

    /// Deletes the object. An object already gone is success.
    async fn delete(&self, ctx: &Ctx, id: &str, attrs: &Attrs) -> Result<(), ResourceError>;

    /// Reads many objects of this type in one region. Types whose API reads
    /// many ids in one call override this; the default reads one at a time.
    async fn read_many(
        &self,
        ctx: &Ctx,
        items: &[(String, Attrs)],
    ) -> Vec<Result<Option<Observed>, ResourceError>> {
        let mut out = Vec::with_capacity(items.len());
        for (id, attrs) in items {
            out.push(self.read(ctx, id, attrs).await);
        }
        out
    }

    /// Whether `read_many` batches; the refresh groups such types' reads.
    fn batches_reads(&self) -> bool {
        false
    }
}

/// The resource types known to a run, by kind.
#[derive(Clone, Default)]
pub struct Registry {
    types: HashMap<&'static str, Arc<dyn ResourceType>>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Registry {
        Registry::default()
    }

    /// Adds a resource type.
    pub fn register(&mut self, t: Arc<dyn ResourceType>) {
        self.types.insert(t.kind(), t);
    }

    /// Every registered kind, sorted.
    pub fn kinds(&self) -> Vec<&'static str> {
        let mut k: Vec<&'static str> = self.types.keys().copied().collect();
        k.sort_unstable();
        k
    }

    /// The type for `kind`.
    pub fn get(&self, kind: &str) -> Result<&Arc<dyn ResourceType>, EngineError> {
        self.types
            .get(kind)
            .ok_or_else(|| EngineError::UnknownKind(kind.to_string()))
    }
}
