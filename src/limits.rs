//! The request rate limit: `OVERSIGHT_RATE_LIMIT` requests per second per token (per address
//! for anonymous callers), as a token bucket per key in this instance. Several instances each
//! limit what reaches them; nothing here needs to agree across instances. Failed sign-ins
//! count against the caller's address in a bucket of their own, looked at before any
//! signature is checked. The address is the peer's, or behind a trusted reverse proxy
//! (`OVERSIGHT_TRUSTED_PROXIES`) the one its `X-Forwarded-For` names.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::net::IpAddr;
use std::str::FromStr;
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
        self.take(key, 1.0, now)
    }

    /// Takes `n` requests at once (a GraphQL batch of `n` operations).
    pub fn check_n(&self, key: &str, n: u32, now: Instant) -> Result<(), u64> {
        self.take(key, f64::from(n), now)
    }

    /// Whether the key's bucket would allow one more request, taking nothing.
    pub fn peek(&self, key: &str, now: Instant) -> Result<(), u64> {
        self.take(key, 0.0, now)
    }

    fn take(&self, key: &str, n: f64, now: Instant) -> Result<(), u64> {
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
        // A peek asks whether one more would pass; a batch larger than the bucket never
        // passes whole, and waits for a full bucket.
        let need = n.max(1.0);
        if refilled >= need {
            *tokens = refilled - n;
            Ok(())
        } else {
            *tokens = refilled;
            Err(((need.min(self.per_second) - refilled) / self.per_second)
                .ceil()
                .max(1.0) as u64)
        }
    }
}

/// Networks of reverse proxies whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<(IpAddr, u8)>);

impl FromStr for TrustedProxies {
    type Err = String;

    /// Comma-separated CIDRs (`10.0.0.0/8, 2001:db8::/32`) or single addresses.
    fn from_str(s: &str) -> Result<Self, String> {
        let mut nets = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (addr, bits) = match part.split_once('/') {
                Some((a, b)) => (a, Some(b)),
                None => (part, None),
            };
            let addr: IpAddr = addr
                .parse()
                .map_err(|_| format!("{part:?} is not an address or CIDR"))?;
            let max = if addr.is_ipv4() { 32 } else { 128 };
            let bits = match bits {
                Some(b) => b
                    .parse::<u8>()
                    .ok()
                    .filter(|b| *b <= max)
                    .ok_or_else(|| format!("{part:?}: the prefix length must be 0 to {max}"))?,
                None => max,
            };
            nets.push((addr, bits));
        }
        Ok(TrustedProxies(nets))
    }
}

impl TrustedProxies {
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0
            .iter()
            .any(|(net, bits)| in_network(ip, canonical(*net), *bits))
    }

    /// The client's address: the peer's, unless the peer is a trusted proxy, in which case
    /// the nearest address in `X-Forwarded-For` that is not itself a trusted proxy (read from
    /// the right: a client can write anything to the left of what its proxies append).
    pub fn client(&self, peer: Option<IpAddr>, forwarded_for: Option<&str>) -> Option<IpAddr> {
        let peer = peer.map(canonical)?;
        if !self.contains(peer) {
            return Some(peer);
        }
        let Some(list) = forwarded_for else {
            return Some(peer);
        };
        let mut client = peer;
        for hop in list.rsplit(',').map(str::trim) {
            let Ok(ip) = hop.parse::<IpAddr>() else {
                // Garbage from the client's side of the chain: the last good hop stands.
                break;
            };
            client = canonical(ip);
            if !self.contains(client) {
                break;
            }
        }
        Some(client)
    }
}

/// IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`) as the IPv4 address they are.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

fn in_network(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(bits))
            };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - u32::from(bits))
            };
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
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

    #[test]
    fn a_peek_takes_nothing_and_a_batch_takes_its_size() {
        let limiter = RateLimiter::new(5).unwrap();
        let t0 = Instant::now();
        for _ in 0..10 {
            assert!(limiter.peek("a", t0).is_ok());
        }
        assert!(limiter.check_n("a", 4, t0).is_ok());
        assert!(limiter.peek("a", t0).is_ok());
        assert!(limiter.check_n("a", 2, t0).is_err(), "one left, two asked");
        assert!(limiter.check("a", t0).is_ok());
        assert!(limiter.peek("a", t0).is_err());
        assert!(limiter.check_n("b", 6, t0).is_err(), "more than the bucket");
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
        let trusted: TrustedProxies = "10.0.0.0/8, 2001:db8::/32, 192.0.2.7".parse().unwrap();
        assert!(trusted.contains(ip("10.1.2.3")));
        assert!(trusted.contains(ip("::ffff:10.1.2.3")));
        assert!(trusted.contains(ip("2001:db8::1")));
        assert!(trusted.contains(ip("192.0.2.7")));
        assert!(!trusted.contains(ip("192.0.2.8")));
        assert!(!trusted.contains(ip("11.0.0.1")));
        // An untrusted peer's header is ignored.
        assert_eq!(
            trusted.client(Some(ip("203.0.113.9")), Some("198.51.100.1")),
            Some(ip("203.0.113.9"))
        );
        // Behind the proxy: the nearest untrusted hop, not what the client wrote leftmost.
        assert_eq!(
            trusted.client(
                Some(ip("10.0.0.2")),
                Some("1.1.1.1, 198.51.100.1, 10.0.0.9")
            ),
            Some(ip("198.51.100.1"))
        );
        assert_eq!(
            trusted.client(Some(ip("10.0.0.2")), None),
            Some(ip("10.0.0.2"))
        );
        assert_eq!(
            trusted.client(Some(ip("10.0.0.2")), Some("junk, 198.51.100.1")),
            Some(ip("198.51.100.1"))
        );
        assert_eq!(
            TrustedProxies::default().client(Some(ip("10.0.0.2")), Some("198.51.100.1")),
            Some(ip("10.0.0.2"))
        );
        for bad in ["10.0.0.0/33", "nonsense", "::/129"] {
            assert!(bad.parse::<TrustedProxies>().is_err(), "{bad}");
        }
        assert_eq!(
            "".parse::<TrustedProxies>().unwrap(),
            TrustedProxies::default()
        );
    }
}
