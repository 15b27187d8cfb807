//! An in-process fake resource type for engine tests and benchmarks:
//! objects live in memory; latency, failures and outputs are closures.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use serde_json::Value;

use super::resource::{Created, Ctx, ErrorClass, Observed, ResourceError, ResourceType};
use super::value::Attrs;

/// Decides something about an (address, operation) pair.
pub type Rule<T> = Box<dyn Fn(&str, &str) -> T + Send + Sync>;

/// One recorded operation.
#[derive(Debug, Clone)]
pub struct Event {
    /// Node address.
    pub address: String,
    /// "create", "read", "update" or "delete".
    pub op: &'static str,
    /// When it started.
    pub start: Instant,
    /// When it ended.
    pub end: Instant,
}

/// The fake cloud: an object store plus behaviour rules.
pub struct FakeCloud {
    /// Live objects by id, each kept as JSON text: a cloud holds its
    /// objects outside the engine, so the fake's copy stays small beside
    /// what the engine measures.
    objects: Mutex<HashMap<String, Box<str>>>,
    /// Object id → the address that created it (the fake's "address tag").
    owners: Mutex<HashMap<String, String>>,
    /// Creates whose answer is lost: the object is made, the call fails.
    pub lose_create: Rule<bool>,
    /// Creates whose first attempt lands and whose retry is refused as a
    /// duplicate: the object is made, the call answers "already exists".
    pub retried_create: Rule<bool>,
    /// Creates during which an earlier, interrupted run's create of the
    /// same address lands too: a twin object appears beside the new one.
    pub late_twin: Rule<bool>,
    next_id: AtomicU64,
    running: AtomicUsize,
    /// Highest number of operations seen running at once.
    pub peak: AtomicUsize,
    /// Every operation, in completion order.
    pub events: Mutex<Vec<Event>>,
    /// Latency of each operation.
    pub latency: Rule<Duration>,
    /// Failure of each operation (`Some(message)` fails it).
    pub fail: Rule<Option<String>>,
    /// Refuse to delete an object another one still names (its id as an
    /// attribute value), as AWS refuses a subnet a Lambda sits in.
    pub refuse_in_use: std::sync::atomic::AtomicBool,
}

impl Default for FakeCloud {
    fn default() -> Self {
        FakeCloud {
            objects: Mutex::new(HashMap::new()),
            owners: Mutex::new(HashMap::new()),
            lose_create: Box::new(|_, _| false),
            retried_create: Box::new(|_, _| false),
            late_twin: Box::new(|_, _| false),
            next_id: AtomicU64::new(1),
            running: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
            events: Mutex::new(vec![]),
            latency: Box::new(|_, _| Duration::ZERO),
            fail: Box::new(|_, _| None),
            refuse_in_use: std::sync::atomic::AtomicBool::new(false),
        }
    }
}

impl FakeCloud {
    /// Sets the latency rule.
    pub fn with_latency(
        mut self,
        f: impl Fn(&str, &str) -> Duration + Send + Sync + 'static,
    ) -> Self {
        self.latency = Box::new(f);
        self
    }

    /// Sets the failure rule.
    pub fn with_fail(
        mut self,
        f: impl Fn(&str, &str) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        self.fail = Box::new(f);
        self
    }

    /// Makes creates of the addresses `f` picks lose their answer.
    pub fn with_lost_creates(mut self, f: impl Fn(&str) -> bool + Send + Sync + 'static) -> Self {
        self.lose_create = Box::new(move |a, _| f(a));
        self
    }

    /// Makes creates of the addresses `f` picks answer "already exists"
    /// after making the object (see `retried_create`).
    pub fn with_retried_creates(
        mut self,
        f: impl Fn(&str) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.retried_create = Box::new(move |a, _| f(a));
        self
    }

    /// Makes creates of the addresses `f` picks land a twin (see `late_twin`).
    pub fn with_late_twins(mut self, f: impl Fn(&str) -> bool + Send + Sync + 'static) -> Self {
        self.late_twin = Box::new(move |a, _| f(a));
        self
    }

    /// Ids of the live objects created for `address`.
    pub fn ids_of(&self, address: &str) -> Vec<String> {
        let objects = self.objects.lock().expect("fake lock");
        let mut ids: Vec<String> = self
            .owners
            .lock()
            .expect("fake lock")
            .iter()
            .filter(|(id, a)| *a == address && objects.contains_key(*id))
            .map(|(id, _)| id.clone())
            .collect();
        ids.sort();
        ids
    }

    /// Number of live objects.
    pub fn len(&self) -> usize {
        self.objects.lock().expect("fake lock").len()
    }

    /// True when no object exists.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Changes a live object's attribute behind the engine's back.
    pub fn tamper(&self, id: &str, key: &str, v: Value) {
        if let Some(mut o) = self.get(id) {
            o.insert(key.into(), v);
            self.put(id, &o);
        }
    }

    /// The live object `id`.
    fn get(&self, id: &str) -> Option<Attrs> {
        let objects = self.objects.lock().expect("fake lock");
        let text = objects.get(id)?;
        Some(serde_json::from_str(text).expect("fake objects are JSON objects"))
    }

    /// Stores the live object `id`.
    fn put(&self, id: &str, attrs: &Attrs) {
        let text = serde_json::to_string(attrs).expect("attributes serialise");
        self.objects
            .lock()
            .expect("fake lock")
            .insert(id.to_string(), text.into_boxed_str());
    }

    /// Deletes a live object behind the engine's back.
    pub fn remove(&self, id: &str) {
        self.objects.lock().expect("fake lock").remove(id);
    }

    async fn step(&self, ctx: &Ctx, op: &'static str) -> Result<Instant, ResourceError> {
        let start = Instant::now();
        let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        let d = (self.latency)(&ctx.address, op);
        if !d.is_zero() {
            tokio::time::sleep(d).await;
        }
        self.running.fetch_sub(1, Ordering::SeqCst);
        if let Some(msg) = (self.fail)(&ctx.address, op) {
            return Err(ResourceError::new(
                ErrorClass::Other,
                format!("{op} {}", ctx.address),
                msg,
            ));
        }
        Ok(start)
    }

    fn record(&self, ctx: &Ctx, op: &'static str, start: Instant) {
        self.events.lock().expect("fake lock").push(Event {
            address: ctx.address.clone(),
            op,
            start,
            end: Instant::now(),
        });
    }
}

/// A fake resource type backed by a [`FakeCloud`].
pub struct FakeType {
    /// The kind it registers as.
    pub kind: &'static str,
    /// Attributes that force replacement.
    pub replace_on: &'static [&'static str],
    /// The cloud.
    pub cloud: Arc<FakeCloud>,
    /// Replace by creating the new object first.
    pub create_before_destroy: bool,
    /// A replacement may exist beside the old object.
    pub coexists: bool,
}

impl FakeType {
    /// Objects of kind `stamped` get `set_at` (a counter) on every create
    /// and update, returned among the outputs too: a setting only apply
    /// observes (see `value::observed`), as AWS stamps an AUTH token's
    /// last change.
    fn stamp(&self, attrs: &mut Attrs) -> Attrs {
        let mut outputs = Attrs::new();
        if self.kind == "stamped" {
            let n = self.cloud.next_id.fetch_add(1, Ordering::SeqCst);
            attrs.insert("set_at".into(), Value::from(n));
            outputs.insert("set_at".into(), Value::from(n));
        }
        outputs
    }
}

#[async_trait]
impl ResourceType for FakeType {
    fn kind(&self) -> &'static str {
        self.kind
    }

    fn replace_on(&self) -> &'static [&'static str] {
        self.replace_on
    }

    fn create_before_destroy(&self) -> bool {
        self.create_before_destroy
    }

    fn coexists(&self, _: &Attrs, _: &Attrs) -> bool {
        self.coexists
    }

    async fn create(&self, ctx: &Ctx, attrs: &Attrs) -> Result<Created, ResourceError> {
        let start = self.cloud.step(ctx, "create").await?;
        let twin = (self.cloud.late_twin)(&ctx.address, "create");
        let mut id = String::new();
        let mut outputs = Attrs::new();
        for _ in 0..=usize::from(twin) {
            id = format!("fake-{}", self.cloud.next_id.fetch_add(1, Ordering::SeqCst));
            let mut attrs = attrs.clone();
            outputs = self.stamp(&mut attrs);
            self.cloud.put(&id, &attrs);
            self.cloud
                .owners
                .lock()
                .expect("fake lock")
                .insert(id.clone(), ctx.address.clone());
        }
        self.cloud.record(ctx, "create", start);
        if (self.cloud.retried_create)(&ctx.address, "create") {
            return Err(ResourceError::new(
                ErrorClass::AlreadyExists,
                format!("create {}", ctx.address),
                "the object already exists",
            ));
        }
        if (self.cloud.lose_create)(&ctx.address, "create") {
            return Err(ResourceError::new(
                ErrorClass::Other,
                format!("create {}", ctx.address),
                "connection reset before the answer arrived",
            ));
        }
        outputs.insert("arn".into(), Value::String(format!("arn:fake:{id}")));
        Ok(Created { id, outputs })
    }

    async fn find(&self, ctx: &Ctx, _: &Attrs) -> Result<Vec<String>, ResourceError> {
        let start = self.cloud.step(ctx, "find").await?;
        self.cloud.record(ctx, "find", start);
        Ok(self.cloud.ids_of(&ctx.address))
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        _: &Attrs,
    ) -> Result<Option<Observed>, ResourceError> {
        let start = self.cloud.step(ctx, "read").await?;
        let found = self.cloud.get(id);
        self.cloud.record(ctx, "read", start);
        Ok(found.map(|attrs| {
            let mut outputs = Attrs::new();
            outputs.insert("arn".into(), Value::String(format!("arn:fake:{id}")));
            Observed { attrs, outputs }
        }))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        id: &str,
        _: &Attrs,
        to: &Attrs,
    ) -> Result<Attrs, ResourceError> {
        let start = self.cloud.step(ctx, "update").await?;
        let mut to = to.clone();
        let outputs = self.stamp(&mut to);
        self.cloud.put(id, &to);
        self.cloud.record(ctx, "update", start);
        Ok(outputs)
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _: &Attrs) -> Result<(), ResourceError> {
        let start = self.cloud.step(ctx, "delete").await?;
        if self.cloud.refuse_in_use.load(Ordering::SeqCst) {
            let objects = self.cloud.objects.lock().expect("fake lock");
            let names = |text: &str| {
                let a: Attrs = serde_json::from_str(text).expect("fake objects are JSON objects");
                a.values().any(|v| v.as_str() == Some(id))
            };
            if let Some((user, _)) = objects
                .iter()
                .find(|(other, text)| *other != id && names(text))
            {
                return Err(ResourceError::new(
                    ErrorClass::DependencyViolation,
                    format!("delete {}", ctx.address),
                    format!("{id} is in use by {user}"),
                ));
            }
        }
        self.cloud.objects.lock().expect("fake lock").remove(id);
        self.cloud.record(ctx, "delete", start);
        Ok(())
    }
}
