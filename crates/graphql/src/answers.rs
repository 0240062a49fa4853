//! Answers kept across requests: a query asked again by the same caller, on the same day, of
//! data that has not changed since, is answered with the text it was answered with before,
//! without running it. An OPCC dashboard refreshed by its staff, or a national query asked
//! by an analyst's tools, costs the database one or two small statements rather than eight.
//!
//! - **What is kept**: the answer of a single query (never a mutation, never a batch) with no
//!   errors that read nothing from a read replica (`db::version` says why), under the
//!   request's exact body and everything access is decided on
//!   (`policy::decided_on`: the caller's subject, roles and forces, the day, public reading).
//!   The day also moves deadlines and embargoes.
//! - **When it is served**: only while the data's version (`Db::data_version`, read from the
//!   database before every query) is the one the answer was computed under. Every instance
//!   reads it from the database, so a write through another instance is seen at once, and no
//!   instance needs telling; bookkeeping (webhook deliveries, reminder keys) does not move it. The version is read before the query runs,
//!   so an answer holds at least what its version names (it may hold more, and is then
//!   served only to requests that began before that change was visible).
//! - **Bounds**: `OVERSIGHT_ANSWER_CACHE_MB` (0 turns keeping off); answers of one version
//!   only (a new version drops the rest); the oldest go first; an answer over an eighth of
//!   the bound, or a request body over [`MAX_KEPT_REQUEST`], is not kept.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;

use crate::context::Ctx;

/// The largest request body whose answer is kept: a query's text and variables are far
/// smaller.
const MAX_KEPT_REQUEST: usize = 16 * 1024;

/// The answers kept by one instance.
pub struct AnswerCache {
    capacity: usize,
    inner: Mutex<Kept>,
    reused: AtomicU64,
    kept: AtomicU64,
}

#[derive(Default)]
struct Kept {
    /// The version every kept answer was computed under.
    version: String,
    answers: foldhash::HashMap<Arc<[u8]>, Bytes>,
    /// Keys, oldest first.
    order: VecDeque<Arc<[u8]>>,
    bytes: usize,
}

/// Where a request's answer is kept once computed.
pub struct Keep {
    version: String,
    key: Arc<[u8]>,
}

/// What the cache says of a request.
pub enum Lookup {
    /// The answer, as it was written for the same request.
    Answer(Bytes),
    /// Not kept: compute it, and keep it under `Keep` if there is one (none where the
    /// database could not tell its version).
    Compute(Option<Keep>),
}

impl AnswerCache {
    /// A cache of up to `megabytes` of answers; `None` for 0.
    pub fn new(megabytes: u32) -> Option<AnswerCache> {
        (megabytes > 0).then(|| AnswerCache::with_capacity(megabytes as usize * 1024 * 1024))
    }

    fn with_capacity(capacity: usize) -> AnswerCache {
        AnswerCache {
            capacity,
            inner: Mutex::new(Kept::default()),
            reused: AtomicU64::new(0),
            kept: AtomicU64::new(0),
        }
    }

    /// Looks a query's request up, by the data's version read now: an answer computed after
    /// this is kept under it.
    pub async fn lookup(&self, ctx: &Ctx, body: &[u8]) -> Lookup {
        if body.len() > MAX_KEPT_REQUEST {
            return Lookup::Compute(None);
        }
        let version = match ctx.db.data_version().await {
            Ok(v) => v,
            Err(e) => {
                tracing::debug!(error = %e, "no data version: the answer is not kept");
                return Lookup::Compute(None);
            }
        };
        let key = key(ctx, body);
        if let Some(answer) = self.get(&version, &key) {
            self.reused.fetch_add(1, Ordering::Relaxed);
            return Lookup::Answer(answer);
        }
        Lookup::Compute(Some(Keep { version, key }))
    }

    fn get(&self, version: &str, key: &[u8]) -> Option<Bytes> {
        let kept = self.lock();
        if kept.version != version {
            return None;
        }
        kept.answers.get(key).cloned()
    }

    /// Keeps an answer computed after `keep` was looked up.
    pub fn keep(&self, keep: Keep, answer: Bytes) {
        if answer.len() > self.capacity / 8 {
            return;
        }
        let mut kept = self.lock();
        if kept.version != keep.version {
            *kept = Kept {
                version: keep.version,
                ..Kept::default()
            };
        }
        let size = footprint(&keep.key, &answer);
        match kept.answers.insert(keep.key.clone(), answer) {
            Some(old) => kept.bytes -= footprint(&keep.key, &old),
            None => kept.order.push_back(keep.key),
        }
        kept.bytes += size;
        while kept.bytes > self.capacity {
            let Some(oldest) = kept.order.pop_front() else {
                break;
            };
            if let Some(old) = kept.answers.remove(&oldest) {
                kept.bytes -= footprint(&oldest, &old);
            }
        }
        self.kept.fetch_add(1, Ordering::Relaxed);
    }

    /// Answers served from the cache so far.
    pub fn reused(&self) -> u64 {
        self.reused.load(Ordering::Relaxed)
    }

    /// Answers kept so far.
    pub fn kept(&self) -> u64 {
        self.kept.load(Ordering::Relaxed)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Kept> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// What an answer kept under `key` holds: its text (`post` keeps it at its size), its key
/// (twice: the map's and the order's are one allocation) and its entry's bookkeeping.
fn footprint(key: &[u8], answer: &Bytes) -> usize {
    const ENTRY: usize = 128;
    answer.len() + key.len() + ENTRY
}

/// What access is decided on (`policy::decided_on`: the caller, the day) and the request's
/// exact body.
fn key(ctx: &Ctx, body: &[u8]) -> Arc<[u8]> {
    let mut key = crate::auth::policy::decided_on(&ctx.principal, &ctx.policy);
    key.push(0);
    key.extend_from_slice(body);
    key.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keep(version: &str, key: &str) -> Keep {
        Keep {
            version: version.into(),
            key: key.as_bytes().into(),
        }
    }

    #[test]
    fn an_answer_is_served_for_its_version_and_key_only() {
        let cache = AnswerCache::with_capacity(1 << 20);
        cache.keep(keep("v1", "a"), Bytes::from_static(b"{\"data\":1}"));
        assert_eq!(
            cache.get("v1", b"a"),
            Some(Bytes::from_static(b"{\"data\":1}"))
        );
        assert_eq!(cache.get("v1", b"b"), None);
        assert_eq!(cache.get("v2", b"a"), None);
        // A new version drops every answer of the old one.
        cache.keep(keep("v2", "b"), Bytes::from_static(b"{\"data\":2}"));
        assert_eq!(cache.get("v1", b"a"), None);
        assert_eq!(cache.get("v2", b"a"), None);
        assert_eq!(cache.lock().answers.len(), 1);
    }

    #[test]
    fn the_oldest_answers_go_first_and_the_bound_holds() {
        let capacity = 8 * 1024;
        let cache = AnswerCache::with_capacity(capacity);
        let answer = Bytes::from(vec![b'x'; 900]);
        let each = footprint(b"k00", &answer);
        for i in 0..20 {
            cache.keep(keep("v", &format!("k{i:02}")), answer.clone());
            assert!(cache.lock().bytes <= capacity);
        }
        // The newest that fit, each counted with its key and its entry.
        let fit = capacity / each;
        assert_eq!(cache.lock().answers.len(), fit);
        assert_eq!(cache.get("v", format!("k{:02}", 19 - fit).as_bytes()), None);
        assert!(
            cache
                .get("v", format!("k{:02}", 20 - fit).as_bytes())
                .is_some()
        );
        assert!(cache.get("v", b"k19").is_some());
        // Keeping a key again replaces its answer and counts its size once.
        let short = Bytes::from(vec![b'y'; 10]);
        cache.keep(keep("v", "k19"), short.clone());
        assert_eq!(
            cache.lock().bytes,
            (fit - 1) * each + footprint(b"k19", &short)
        );
        // An answer over an eighth of the bound is not kept.
        cache.keep(keep("v", "big"), Bytes::from(vec![b'z'; capacity / 8 + 1]));
        assert_eq!(cache.get("v", b"big"), None);
    }
}
