//! Answers several reads of one refresh need. A rule and its targets both
//! list the rule's targets, a function and its permissions read the
//! function's policy, every role and its policies come from one
//! account-wide IAM read: within one refresh each is asked for once and
//! the reads share the answer. Outside a refresh (apply's reads after a change) every call goes
//! to AWS, so nothing a change made is ever answered from before it.

use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::OnceCell;

use crate::engine::resource::ResourceError;

type Cell = Arc<OnceCell<Arc<dyn Any + Send + Sync>>>;

/// The shared answers of the refresh under way, if one is.
#[derive(Debug, Default)]
pub struct Memo {
    on: AtomicBool,
    answers: Mutex<HashMap<String, Cell>>,
}

impl Memo {
    /// Starts sharing answers (a refresh begins).
    pub fn begin(&self) {
        self.answers.lock().expect("memo").clear();
        self.on.store(true, Ordering::SeqCst);
    }

    /// True while a refresh shares answers.
    pub fn active(&self) -> bool {
        self.on.load(Ordering::SeqCst)
    }

    /// Stops sharing and forgets every answer (the refresh is over).
    pub fn end(&self) {
        self.on.store(false, Ordering::SeqCst);
        self.answers.lock().expect("memo").clear();
    }

    /// The answer `fetch` gives for `key`: asked once per refresh however
    /// many reads want it (a read arriving while it is asked waits for the
    /// same answer), and every time outside one.
    pub async fn get<T, F, Fut>(&self, key: String, fetch: F) -> Result<T, ResourceError>
    where
        T: Clone + Send + Sync + 'static,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, ResourceError>>,
    {
        if !self.on.load(Ordering::SeqCst) {
            return fetch().await;
        }
        let cell = self
            .answers
            .lock()
            .expect("memo")
            .entry(key)
            .or_default()
            .clone();
        let answer = cell
            .get_or_init(|| async {
                let r: Result<T, ResourceError> = fetch().await;
                Arc::new(r) as Arc<dyn Any + Send + Sync>
            })
            .await;
        answer
            .downcast_ref::<Result<T, ResourceError>>()
            .expect("one type per memo key")
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    async fn ask(m: &Memo, calls: &AtomicUsize) -> Result<Vec<String>, ResourceError> {
        m.get("iam:ListAttachedRolePolicies:r".into(), || async {
            calls.fetch_add(1, Ordering::SeqCst);
            tokio::task::yield_now().await;
            Ok(vec!["a".to_string()])
        })
        .await
    }

    #[tokio::test]
    async fn one_call_per_key_within_a_refresh_and_every_call_outside_one() {
        let (m, calls) = (Memo::default(), AtomicUsize::new(0));
        ask(&m, &calls).await.unwrap();
        ask(&m, &calls).await.unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 2, "outside a refresh");
        m.begin();
        let (a, b) = tokio::join!(ask(&m, &calls), ask(&m, &calls));
        assert_eq!(a.unwrap(), b.unwrap());
        assert_eq!(
            calls.load(Ordering::SeqCst),
            3,
            "concurrent reads share one"
        );
        m.end();
        ask(&m, &calls).await.unwrap();
        assert_eq!(
            calls.load(Ordering::SeqCst),
            4,
            "forgotten after the refresh"
        );
    }
}
