//! The engine's two retry layers above the SDK's own: named budgets for
//! eventual-consistency errors, and waiters for asynchronous states. Both
//! sleep through [`Ctx::sleep`], which gives the parallelism slot back.

use std::future::Future;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::time::Instant;

use super::resource::{Ctx, ErrorClass, ResourceError};

/// A named retry budget for one class of transient error.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    /// Shown in logs: "retrying within budget iam-role-propagation".
    pub name: &'static str,
    /// Give up once this much time has passed.
    pub max_elapsed: Duration,
    /// First delay; doubles up to `max_delay`.
    pub initial: Duration,
    /// Longest single delay.
    pub max_delay: Duration,
}

/// A named waiter for an asynchronous state change.
#[derive(Debug, Clone, Copy)]
pub struct Waiter {
    /// Shown in errors: "waiting for NAT gateway to become available".
    pub name: &'static str,
    /// Give up after this long.
    pub timeout: Duration,
    /// Delay between polls (grows by half up to 4x).
    pub interval: Duration,
}

/// One poll of a waiter.
#[derive(Debug)]
pub enum Poll<T> {
    /// Still in this state.
    Pending(String),
    /// Reached the target.
    Ready(T),
}

fn jitter(d: Duration) -> Duration {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|t| t.subsec_nanos())
        .unwrap_or(0);
    // 75%..125% of d.
    d.mul_f64(0.75 + f64::from(nanos % 1000) / 2000.0)
}

/// Runs `op`, retrying while `retryable` says so and the budget lasts.
pub async fn retry_when<T, F, Fut>(
    ctx: &Ctx,
    budget: &Budget,
    retryable: impl Fn(&ResourceError) -> bool,
    op: F,
) -> Result<T, ResourceError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ResourceError>>,
{
    retry_classified(ctx, |e| retryable(e).then_some(budget), op).await
}

/// Runs `op`, retrying an error for which `classify` names a budget, while
/// that budget lasts (counted from the first attempt); any other error is
/// returned at once.
pub async fn retry_classified<'b, T, F, Fut>(
    ctx: &Ctx,
    classify: impl Fn(&ResourceError) -> Option<&'b Budget>,
    mut op: F,
) -> Result<T, ResourceError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ResourceError>>,
{
    let start = Instant::now();
    let mut delay: Option<Duration> = None;
    loop {
        let e = match op().await {
            Ok(v) => return Ok(v),
            Err(e) => e,
        };
        let Some(budget) = classify(&e) else {
            return Err(e);
        };
        let wait = delay.unwrap_or(budget.initial);
        if start.elapsed() + wait >= budget.max_elapsed {
            return Err(e);
        }
        ctx.stats.retries.fetch_add(1, Ordering::Relaxed);
        tracing::info!(
            address = %ctx.address,
            budget = budget.name,
            "retrying in {wait:?} after: {e}"
        );
        ctx.sleep(jitter(wait)).await;
        delay = Some((wait * 2).min(budget.max_delay));
    }
}

/// Polls until `poll` returns `Ready`, failing with a timeout error that
/// names the waiter and the last state seen.
pub async fn wait_until<T, F, Fut>(ctx: &Ctx, waiter: &Waiter, poll: F) -> Result<T, ResourceError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Poll<T>, ResourceError>>,
{
    let r = poll_until(ctx, waiter, poll).await;
    // Whatever the outcome, the operation no longer waits for this.
    ctx.stats.waited(&ctx.address);
    r
}

/// The error of a wait that found `status`, which waiting will not change.
pub fn stuck(waiter: &Waiter, status: &str) -> ResourceError {
    ResourceError::new(
        ErrorClass::Other,
        format!("waiting for {}", waiter.name),
        format!("it is `{status}`, which waiting will not change: see the AWS console for why"),
    )
}

/// Polls `status` (the object's status, `None` when it does not exist)
/// until it is `want`, or, with `want` `None`, until the object is gone.
/// A status in `failed` ends the wait at once with an error naming it: it
/// will not become `want` by waiting.
pub async fn wait_status<F, Fut>(
    ctx: &Ctx,
    waiter: &Waiter,
    want: Option<&str>,
    failed: &[&str],
    status: F,
) -> Result<(), ResourceError>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<Option<String>, ResourceError>>,
{
    wait_until(ctx, waiter, || async {
        let now = status().await?;
        if let Some(s) = now.as_deref().filter(|s| failed.contains(s)) {
            return Err(stuck(waiter, s));
        }
        Ok(if now.as_deref() == want {
            Poll::Ready(())
        } else {
            Poll::Pending(now.unwrap_or_else(|| "not visible".into()))
        })
    })
    .await
}

/// Waits until an object that is changing (created, modified) reaches
/// `want`, as [`wait_status`] does; an object that is already `want`, is
/// `deleting` or does not exist needs no wait. For a re-run that finds what
/// an interrupted create left: its outputs exist only once it is `want`.
pub async fn settle<F, Fut>(
    ctx: &Ctx,
    waiter: &Waiter,
    want: &str,
    failed: &[&str],
    status: F,
) -> Result<(), ResourceError>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<Option<String>, ResourceError>>,
{
    match status().await?.as_deref() {
        None | Some("deleting") => Ok(()),
        Some(s) if s == want => Ok(()),
        Some(_) => wait_status(ctx, waiter, Some(want), failed, status).await,
    }
}

async fn poll_until<T, F, Fut>(ctx: &Ctx, waiter: &Waiter, mut poll: F) -> Result<T, ResourceError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Poll<T>, ResourceError>>,
{
    let start = Instant::now();
    let mut interval = waiter.interval;
    loop {
        match poll().await? {
            Poll::Ready(v) => return Ok(v),
            Poll::Pending(state) => {
                if start.elapsed() >= waiter.timeout {
                    return Err(ResourceError::new(
                        ErrorClass::Timeout,
                        format!("waiting for {}", waiter.name),
                        format!("still {state} after {:?}", waiter.timeout),
                    ));
                }
                ctx.stats.waits.fetch_add(1, Ordering::Relaxed);
                ctx.stats
                    .waiting(&ctx.address, format!("{} (still {state})", waiter.name));
                tracing::info!(
                    address = %ctx.address,
                    "waiting for {}: still {state}, polling again in {interval:?}",
                    waiter.name
                );
                ctx.sleep(jitter(interval)).await;
                interval = (interval + interval / 2).min(waiter.interval * 4);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::resource::Stats;
    use std::sync::Arc;

    fn ctx() -> Ctx {
        Ctx::new("t.a", "r", Arc::new(Stats::default()), None)
    }

    const B: Budget = Budget {
        name: "test",
        max_elapsed: Duration::from_secs(10),
        initial: Duration::from_millis(100),
        max_delay: Duration::from_secs(1),
    };

    #[tokio::test(start_paused = true)]
    async fn retries_retryable_errors_within_budget() {
        let c = ctx();
        let mut n = 0;
        let r = retry_when(
            &c,
            &B,
            |e| e.class == ErrorClass::Eventual,
            || {
                n += 1;
                let fail = n < 4;
                async move {
                    if fail {
                        Err(ResourceError::new(ErrorClass::Eventual, "x", "not yet"))
                    } else {
                        Ok(n)
                    }
                }
            },
        )
        .await;
        assert_eq!(r.unwrap(), 4);
        assert_eq!(c.stats.retries(), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn other_errors_and_exhausted_budgets_fail() {
        let c = ctx();
        let r: Result<(), _> = retry_when(
            &c,
            &B,
            |e| e.class == ErrorClass::Eventual,
            || async { Err(ResourceError::new(ErrorClass::Invalid, "x", "bad")) },
        )
        .await;
        assert_eq!(r.unwrap_err().class, ErrorClass::Invalid);
        assert_eq!(c.stats.retries(), 0);
        let start = tokio::time::Instant::now();
        let r: Result<(), _> = retry_when(
            &c,
            &B,
            |_| true,
            || async { Err(ResourceError::new(ErrorClass::Eventual, "x", "never")) },
        )
        .await;
        assert!(r.is_err());
        assert!(start.elapsed() <= Duration::from_secs(12));
    }

    #[tokio::test(start_paused = true)]
    async fn waiter_polls_until_ready_or_times_out() {
        let c = ctx();
        let w = Waiter {
            name: "thing to become available",
            timeout: Duration::from_secs(30),
            interval: Duration::from_secs(1),
        };
        let mut polls = 0;
        let v = wait_until(&c, &w, || {
            polls += 1;
            let p = polls;
            async move {
                Ok(if p < 3 {
                    Poll::Pending("pending".into())
                } else {
                    Poll::Ready(p)
                })
            }
        })
        .await
        .unwrap();
        assert_eq!(v, 3);
        // Two polls found it pending: each is counted for the summary.
        assert_eq!(c.stats.waits.load(Ordering::Relaxed), 2);
        let err = wait_until(&c, &w, || async {
            Ok::<Poll<()>, _>(Poll::Pending("pending".into()))
        })
        .await
        .unwrap_err();
        assert_eq!(err.class, ErrorClass::Timeout);
        assert!(
            err.to_string().contains("thing to become available"),
            "{err}"
        );
        assert!(err.to_string().contains("still pending"), "{err}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_status_ends_the_wait_and_settled_objects_are_not_waited_for() {
        let c = ctx();
        let w = Waiter {
            name: "database to become available",
            timeout: Duration::from_secs(3600),
            interval: Duration::from_secs(15),
        };
        let seen = std::sync::Mutex::new(vec!["creating", "create-failed"]);
        let next = || async { Ok(seen.lock().unwrap().pop().map(str::to_string)) };
        // Popped from the end: `create-failed` first, at once an error.
        let err = wait_status(&c, &w, Some("available"), &["create-failed"], next)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("`create-failed`"), "{err}");
        assert_eq!(c.stats.waits.load(Ordering::Relaxed), 0);
        // Gone, deleting or already there: no wait at all.
        for now in [None, Some("deleting"), Some("available")] {
            let polls = std::sync::atomic::AtomicU32::new(0);
            settle(&c, &w, "available", &[], || async {
                polls.fetch_add(1, Ordering::Relaxed);
                Ok(now.map(str::to_string))
            })
            .await
            .unwrap();
            assert_eq!(polls.load(Ordering::Relaxed), 1, "{now:?}");
        }
        // Still being created: waits until available.
        let states = std::sync::Mutex::new(vec!["available", "creating", "creating"]);
        settle(&c, &w, "available", &[], || async {
            Ok(states.lock().unwrap().pop().map(str::to_string))
        })
        .await
        .unwrap();
        assert!(states.lock().unwrap().is_empty());
    }
}
