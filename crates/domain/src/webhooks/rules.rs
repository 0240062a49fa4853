//! The rules of webhook targets and signatures, as pure functions.
//!
//! - **Targets**: `https` only, and never an address of this machine or its networks:
//!   loopback, private (RFC 1918, IPv6 unique local), link-local (which holds cloud metadata
//!   services, `169.254.169.254`), shared (carrier-grade NAT), multicast, unspecified,
//!   broadcast or reserved, including such an address inside IPv6 (IPv4-mapped, NAT64). The
//!   address is what counts, so every address a name resolves to is checked, at
//!   registration and again at each delivery (a name may resolve elsewhere later).
//!   `OVERSIGHT_WEBHOOK_ALLOW_PRIVATE=true` lifts both rules, for development.
//! - **Signatures**: the Standard Webhooks scheme: `v1,` + base64 of HMAC-SHA256 over
//!   `{id}.{timestamp}.{body}`, keyed with the secret's bytes; the secret is written
//!   `whsec_` + base64 of 32 random bytes.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::error::AppError;

/// How a secret is written: this prefix, then base64 of its bytes.
pub const SECRET_PREFIX: &str = "whsec_";

/// The secret as shown to its owner, once.
pub fn secret_text(bytes: &[u8]) -> String {
    format!("{SECRET_PREFIX}{}", STANDARD.encode(bytes))
}

/// The bytes of a secret written as [`secret_text`] writes it.
pub fn secret_bytes(text: &str) -> Option<Vec<u8>> {
    STANDARD.decode(text.strip_prefix(SECRET_PREFIX)?).ok()
}

/// The `webhook-signature` header of a delivery.
pub fn signature(secret: &[u8], id: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// Why a delivery may not go to this address, if it may not.
pub fn refused_address(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => refused_v4(v4),
        IpAddr::V6(v6) => refused_v6(v6),
    }
}

fn refused_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    if ip.is_loopback() {
        Some("a loopback address")
    } else if ip.is_private() {
        Some("a private address")
    } else if ip.is_link_local() {
        Some("a link-local address")
    } else if a == 100 && (64..128).contains(&b) {
        Some("a shared (carrier-grade NAT) address")
    } else if ip.is_multicast() {
        Some("a multicast address")
    } else if a == 0 {
        Some("an unspecified address")
    } else if ip.is_broadcast() || a >= 240 || (a, b, c) == (192, 0, 0) {
        Some("a reserved address")
    } else {
        None
    }
}

fn refused_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let segments = ip.segments();
    if let Some(v4) = ip.to_ipv4_mapped() {
        return refused_v4(v4);
    }
    // NAT64 (64:ff9b::/96) reaches the IPv4 address in its last 32 bits.
    let [.., a, b, c, d] = ip.octets();
    let embedded = Ipv4Addr::new(a, b, c, d);
    if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return refused_v4(embedded);
    }
    if ip.is_loopback() {
        Some("a loopback address")
    } else if ip.is_unspecified() {
        Some("an unspecified address")
    } else if segments[0] & 0xfe00 == 0xfc00 {
        Some("a private (unique local) address")
    } else if segments[0] & 0xffc0 == 0xfe80 {
        Some("a link-local address")
    } else if ip.is_multicast() {
        Some("a multicast address")
    } else if segments[..6] == [0, 0, 0, 0, 0, 0] {
        // IPv4-compatible (deprecated): the IPv4 address in the last 32 bits.
        refused_v4(embedded)
    } else {
        None
    }
}

/// A webhook target as registered: checked for form here; its addresses are checked (with
/// [`refused_address`]) once its host is resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub url: url::Url,
    pub host: String,
    pub port: u16,
    /// The address itself, where the URL names one rather than a host name.
    pub address: Option<IpAddr>,
}

/// Checks a webhook URL's form: absolute `https` (or `http` where private targets are
/// allowed), a host, no user name or password, no fragment. `422` naming `url` otherwise.
pub fn target(text: &str, allow_private: bool) -> Result<Target, AppError> {
    let invalid = |why: &str| AppError::invalid("url", why);
    if text.len() > 2_000 {
        return Err(invalid("must be at most 2,000 characters"));
    }
    let url = url::Url::parse(text).map_err(|e| invalid(&format!("is not a URL ({e})")))?;
    match url.scheme() {
        "https" => {}
        "http" if allow_private => {}
        _ => return Err(invalid("must be an https:// URL")),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("must not carry a user name or password"));
    }
    if url.fragment().is_some() {
        return Err(invalid("must not have a fragment (#…)"));
    }
    let port = url
        .port_or_known_default()
        .ok_or_else(|| invalid("has no port"))?;
    let (host, address) = match url.host() {
        Some(url::Host::Domain(d)) => (d.to_string(), None),
        Some(url::Host::Ipv4(ip)) => (ip.to_string(), Some(IpAddr::V4(ip))),
        Some(url::Host::Ipv6(ip)) => (ip.to_string(), Some(IpAddr::V6(ip))),
        None => return Err(invalid("has no host")),
    };
    if let Some(ip) = address
        && !allow_private
        && let Some(why) = refused_address(ip)
    {
        return Err(invalid(&format!(
            "names {why}, where webhooks are not delivered"
        )));
    }
    Ok(Target {
        url,
        host,
        port,
        address,
    })
}

/// Bytes of an answer's body kept with a delivery (the rest is not read).
pub const RESPONSE_KEPT_BYTES: usize = 1024;

/// How long a delivery is retried before it is marked `failed`.
pub const RETRY_FOR_SECS: i64 = 86_400;

/// Cuts `text` to at most `bytes`, at a character boundary.
pub fn cut(text: &mut String, bytes: usize) {
    if text.len() > bytes {
        let mut end = bytes;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
}

/// The wait before the next attempt after `attempts` failed ones: 5 s, doubling each time up
/// to an hour, each spread by up to a fifth either way (`jitter` in `[0, 1)`) so that
/// receivers back from an outage are not met by every retry at once.
pub fn retry_delay(attempts: i32, jitter: f64) -> chrono::Duration {
    let doublings = attempts.clamp(1, 30) - 1;
    let base = (5.0 * 2f64.powi(doublings)).min(3_600.0);
    let spread = 0.8 + 0.4 * jitter.clamp(0.0, 1.0);
    chrono::Duration::milliseconds((base * spread * 1_000.0) as i64)
}

/// Whether a delivery first tried at `first` and failing at `now` has been retried long
/// enough.
pub fn gives_up(first: chrono::NaiveDateTime, now: chrono::NaiveDateTime) -> bool {
    now - first >= chrono::Duration::seconds(RETRY_FOR_SECS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_start_near_five_seconds_and_grow_to_an_hour_for_a_day() {
        let secs = |n, j| retry_delay(n, j).num_milliseconds() as f64 / 1_000.0;
        assert_eq!(secs(1, 0.5), 5.0);
        assert_eq!(secs(1, 0.0), 4.0);
        assert!(secs(1, 0.999) < 6.0);
        assert_eq!(secs(2, 0.5), 10.0);
        assert_eq!(secs(3, 0.5), 20.0);
        assert_eq!(secs(12, 0.5), 3_600.0);
        assert_eq!(secs(500, 0.5), 3_600.0);
        let t = chrono::NaiveDate::from_ymd_opt(2026, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        assert!(!gives_up(t, t + chrono::Duration::seconds(86_399)));
        assert!(gives_up(t, t + chrono::Duration::seconds(86_400)));
        let mut s = "ab\u{e9}".to_string();
        cut(&mut s, 3);
        assert_eq!(s, "ab");
    }

    #[test]
    fn signatures_follow_the_standard_webhooks_example() {
        // The specification's own example (standardwebhooks.com).
        let secret = secret_bytes("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        assert_eq!(
            signature(
                &secret,
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1614265330,
                br#"{"test": 2432232314}"#
            ),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
        assert_eq!(
            secret_text(&secret),
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        );
        assert_eq!(secret_bytes("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), None);
    }

    #[test]
    fn addresses_of_this_machine_and_its_networks_are_refused() {
        for refused in [
            "127.0.0.1",
            "127.255.0.9",
            "10.0.0.1",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.255",
            "224.0.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "240.0.0.1",
            "192.0.0.8",
            "::1",
            "::",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a00:1",
            "::10.0.0.1",
        ] {
            let ip: IpAddr = refused.parse().unwrap();
            assert!(refused_address(ip).is_some(), "{refused} was allowed");
        }
        for allowed in [
            "8.8.8.8",
            "100.63.255.255",
            "100.128.0.1",
            "172.32.0.1",
            "193.0.0.1",
            "2001:4860:4860::8888",
            "64:ff9b::808:808",
            "::ffff:8.8.8.8",
        ] {
            let ip: IpAddr = allowed.parse().unwrap();
            assert_eq!(refused_address(ip), None, "{allowed} was refused");
        }
    }

    #[test]
    fn a_target_is_an_https_url_with_a_host_and_nothing_private() {
        let ok = target("https://hooks.example.org/oversight?x=1", false).unwrap();
        assert_eq!(
            (ok.host.as_str(), ok.port, ok.address),
            ("hooks.example.org", 443, None)
        );
        for (url, why) in [
            ("http://hooks.example.org/", "https"),
            ("ftp://hooks.example.org/", "https"),
            ("not a url", "not a URL"),
            ("https://user:pw@hooks.example.org/", "user name"),
            ("https://hooks.example.org/#x", "fragment"),
            ("https://127.0.0.1/", "loopback"),
            ("https://10.0.0.1/", "private"),
            ("https://169.254.169.254/latest/meta-data", "link-local"),
            ("https://[::1]:8443/", "loopback"),
            ("https://[::ffff:7f00:1]/", "loopback"),
            ("https://2130706433/", "loopback"),
        ] {
            let err = target(url, false).unwrap_err();
            assert!(
                format!("{err:?}").contains(why),
                "{url}: {err:?} does not say {why}"
            );
        }
        // Allowed, for development: plain http and this machine.
        let local = target("http://127.0.0.1:9000/hook", true).unwrap();
        assert_eq!(local.address, Some("127.0.0.1".parse().unwrap()));
        assert_eq!(local.port, 9000);
    }
}
