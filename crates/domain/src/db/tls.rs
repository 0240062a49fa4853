//! No TLS to a PostgreSQL server on this host unless the URL asks for it.
//!
//! libpq's default `sslmode` is `prefer`: where the server has TLS switched on, a connection to
//! `127.0.0.1` is encrypted too. On loopback that protects nothing (only the host's root can
//! read loopback traffic, and `prefer` checks no certificate anyway), and it cost a national
//! query about a tenth of its throughput: the service decrypting PostgreSQL's replies, and
//! PostgreSQL encrypting them (`perf`: libcrypto and libssl 4% of the service's samples; 10 s
//! A/B rounds, 316–326 against 354–367 req/s). So a URL that names one loopback host and says
//! nothing of TLS (no `ssl…` parameter, no `PGSSLMODE`) is opened with `sslmode=disable`,
//! and as given where the server refuses that (a `hostssl`-only `pg_hba.conf`).

/// `url` with `sslmode=disable` added, where it names a single loopback host and leaves TLS to
/// libpq's default (`pgsslmode_set`: whether `PGSSLMODE` is set, which libpq would read);
/// `None` where the URL is to be used as it is.
pub fn plain_on_loopback(url: &str, pgsslmode_set: bool) -> Option<String> {
    if pgsslmode_set {
        return None;
    }
    let parsed = url::Url::parse(url).ok()?;
    if !matches!(parsed.scheme(), "postgres" | "postgresql") {
        return None;
    }
    // Any TLS parameter (`sslmode`, `sslcert`, `sslrootcert`, …) means the operator chose; a
    // host given as a parameter may be another host, or a socket.
    let chosen = parsed.query_pairs().any(|(key, _)| {
        key.starts_with("ssl") || key == "requiressl" || key == "host" || key == "hostaddr"
    });
    if chosen || !parsed.host().is_some_and(|h| is_loopback(&h)) {
        return None;
    }
    let separator = match parsed.query() {
        Some("") => "",
        Some(_) => "&",
        None => "?",
    };
    Some(format!("{url}{separator}sslmode=disable"))
}

/// Whether `host` is this machine over loopback: `localhost`, `127.0.0.0/8` or `::1` (a list
/// of hosts, a socket directory or no host at all is not). A PostgreSQL URL's host is opaque
/// to the URL standard, so an address is read from its text.
fn is_loopback(host: &url::Host<&str>) -> bool {
    match host {
        url::Host::Domain(name) => {
            name.eq_ignore_ascii_case("localhost")
                || name
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        }
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
    }
}

/// The URL without TLS, and whether the server has refused it while accepting the URL as
/// given (then it is not tried again: each new connection would pay a refused attempt).
#[derive(Debug)]
pub struct Plain {
    url: String,
    refused: std::sync::atomic::AtomicBool,
}

impl Plain {
    pub fn new(url: String) -> Plain {
        Plain {
            url,
            refused: std::sync::atomic::AtomicBool::new(false),
        }
    }
}

/// Opens a connection with the URL without TLS where there is one the server has not refused,
/// else with `url` as given; the error is `url`'s.
pub fn establish<C, E>(
    plain: Option<&Plain>,
    url: &str,
    open: impl Fn(&str) -> Result<C, E>,
) -> Result<C, E> {
    use std::sync::atomic::Ordering;
    let Some(plain) = plain.filter(|p| !p.refused.load(Ordering::Relaxed)) else {
        return open(url);
    };
    if let Ok(conn) = open(&plain.url) {
        return Ok(conn);
    }
    let conn = open(url)?;
    if !plain.refused.swap(true, Ordering::Relaxed) {
        tracing::info!("PostgreSQL refused a connection without TLS; using the URL as given");
    }
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_loopback_url_that_leaves_tls_to_libpq_is_opened_without_it() {
        for (url, plain) in [
            (
                "postgres://postgres@127.0.0.1:5432/db",
                "postgres://postgres@127.0.0.1:5432/db?sslmode=disable",
            ),
            (
                "postgresql://u:p@localhost/db?application_name=x",
                "postgresql://u:p@localhost/db?application_name=x&sslmode=disable",
            ),
            (
                "postgres://[::1]:5433/db?",
                "postgres://[::1]:5433/db?sslmode=disable",
            ),
            (
                "postgres://LOCALHOST",
                "postgres://LOCALHOST?sslmode=disable",
            ),
            (
                "postgres://127.0.0.2/db",
                "postgres://127.0.0.2/db?sslmode=disable",
            ),
        ] {
            assert_eq!(plain_on_loopback(url, false).as_deref(), Some(plain));
        }
    }

    #[test]
    fn any_other_url_or_a_tls_choice_is_kept_as_given() {
        for url in [
            "postgres://postgres@db.internal:5432/db",
            "postgres://10.0.0.5/db",
            "postgres://127.0.0.1,127.0.0.2/db",
            "postgres:///db",
            "postgres://%2Fvar%2Frun%2Fpostgresql/db",
            "postgres://127.0.0.1/db?sslmode=require",
            "postgres://127.0.0.1/db?application_name=x&sslrootcert=/ca.pem",
            "postgres://127.0.0.1/db?host=/var/run/postgresql",
            "postgres://localhost.example.org/db",
            "sqlite://x.db",
        ] {
            assert_eq!(plain_on_loopback(url, false), None, "{url}");
        }
        assert_eq!(plain_on_loopback("postgres://127.0.0.1/db", true), None);
        // A user name that looks like a host does not count.
        assert_eq!(
            plain_on_loopback("postgres://localhost@db.internal/db", false),
            None
        );
    }

    #[test]
    fn the_url_as_given_is_used_where_the_server_refuses_the_plain_one() {
        let opened = std::cell::RefCell::new(Vec::new());
        let refusing_plain = |url: &str| {
            opened.borrow_mut().push(url.to_string());
            if url.contains("sslmode=disable") {
                Err("no pg_hba.conf entry: no encryption")
            } else {
                Ok(url.to_string())
            }
        };
        let url = "postgres://127.0.0.1/db";
        let plain = || Plain::new(format!("{url}?sslmode=disable"));
        let refused = plain();
        assert_eq!(
            establish(Some(&refused), url, refusing_plain),
            Ok(url.into())
        );
        assert_eq!(
            establish(Some(&refused), url, refusing_plain),
            Ok(url.into())
        );
        // Refused once with the URL as given accepted: not tried again.
        assert_eq!(*opened.borrow(), [refused.url.as_str(), url, url]);

        opened.borrow_mut().clear();
        let accepting = |url: &str| {
            opened.borrow_mut().push(url.to_string());
            Ok::<_, &str>(url.to_string())
        };
        let accepted = plain();
        assert_eq!(
            establish(Some(&accepted), url, accepting),
            Ok(accepted.url.clone())
        );
        assert_eq!(*opened.borrow(), [accepted.url.as_str()]);

        // A server that is down refuses both; the plain URL is tried again next time.
        let failing = |_: &str| Err::<String, _>("down");
        let down = plain();
        assert_eq!(establish(Some(&down), url, failing), Err("down"));
        assert!(!down.refused.load(std::sync::atomic::Ordering::Relaxed));
        assert_eq!(establish(None, url, failing), Err("down"));
    }
}
