//! The request rate limit: `OVERSIGHT_RATE_LIMIT` requests per second per token (per address
//! for anonymous callers), as a token bucket per key in this instance. Several instances each
//! limit what reaches them; nothing here needs to agree across instances.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Mutex;
use std::time::Instant;

/// Buckets kept before idle ones are dropped.
const MAX_KEYS: usize = 100_000;

pub struct RateLimiter {
    per_second: f64,
    buckets: Mutex<HashMap<u64, (f64, Instant)>>,
}

impl RateLimiter {
    /// `None` when the limit is off (`0`).
    pub fn new(per_second: u32) -> Option<RateLimiter> {
        (per_second > 0).then(|| RateLimiter {
            per_second: f64::from(per_second),
            buckets: Mutex::new(HashMap::new()),
        })
    }

    /// Takes one request from the key's bucket; `Err(seconds)` says when to retry.
    pub fn check(&self, key: &str, now: Instant) -> Result<(), u64> {
        let mut h = DefaultHasher::new();
        key.hash(&mut h);
        let key = h.finish();
        let Ok(mut buckets) = self.buckets.lock() else {
            return Ok(());
        };
        if buckets.len() >= MAX_KEYS {
            let per_second = self.per_second;
            buckets.retain(|_, (tokens, at)| {
                *tokens + now.duration_since(*at).as_secs_f64() * per_second < per_second
            });
        }
        let (tokens, at) = buckets.entry(key).or_insert((self.per_second, now));
        let refilled = (*tokens + now.duration_since(*at).as_secs_f64() * self.per_second)
            .min(self.per_second);
        *at = now;
        if refilled >= 1.0 {
            *tokens = refilled - 1.0;
            Ok(())
        } else {
            *tokens = refilled;
            Err(((1.0 - refilled) / self.per_second).ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_bucket_allows_its_rate_then_refuses_until_it_refills() {
        let limiter = RateLimiter::new(3).unwrap();
        let t0 = Instant::now();
        assert!((0..3).all(|_| limiter.check("a", t0).is_ok()));
        assert_eq!(limiter.check("a", t0), Err(1));
        assert!(
            limiter.check("b", t0).is_ok(),
            "keys have buckets of their own"
        );
        assert!(limiter.check("a", t0 + Duration::from_millis(400)).is_ok());
        assert!(RateLimiter::new(0).is_none());
    }
}
