//! The keys of the trusted identity providers: fetched from each one's JWKS (named in the trust
//! file or found by OpenID discovery), kept and refreshed by a thread of their own, off the
//! request path. A request meeting an unknown `kid` asks for one refresh of that issuer and
//! waits for it, at most once a minute per issuer however many requests ask (more often only
//! while the issuer has never answered). Keys stay in use while a provider is unreachable, and
//! the service starts and serves while one is down.

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};

use super::trust::{Issuer, KeySource};

/// A provider's keys are kept at least this long, whatever its `Cache-Control` says…
const MIN_KEEP: Duration = Duration::from_secs(300);
/// …and at most this long.
const MAX_KEEP: Duration = Duration::from_secs(86_400);
/// How long keys are kept when the provider says nothing.
const DEFAULT_KEEP: Duration = Duration::from_secs(3_600);
/// Refreshes asked for by requests (an unknown `kid`), at most one in this time per issuer.
const ON_DEMAND_EVERY: Duration = Duration::from_secs(60);
/// The longest a request waits for a refresh.
const WAIT_FOR_REFRESH: Duration = Duration::from_secs(5);
/// The largest discovery document or JWKS read.
const MAX_BODY: usize = 1 << 20;

/// One verification key.
#[derive(Clone)]
pub struct Key {
    pub kid: Option<String>,
    /// The one algorithm the key is for.
    pub algorithm: Algorithm,
    pub key: DecodingKey,
}

/// Which algorithm a JWK serves, from its `alg` or else its key type; `None` for keys that are
/// not for signatures Oversight accepts (encryption keys, other curves, other algorithms).
fn algorithm_of(jwk: &Jwk) -> Option<Algorithm> {
    if let Some(PublicKeyUse::Encryption | PublicKeyUse::Other(_)) = &jwk.common.public_key_use {
        return None;
    }
    let by_type = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => Algorithm::RS256,
        AlgorithmParameters::EllipticCurve(ec) if ec.curve == EllipticCurve::P256 => {
            Algorithm::ES256
        }
        _ => return None,
    };
    match jwk.common.key_algorithm {
        None => Some(by_type),
        Some(KeyAlgorithm::RS256) if by_type == Algorithm::RS256 => Some(by_type),
        Some(KeyAlgorithm::ES256) if by_type == Algorithm::ES256 => Some(by_type),
        Some(_) => None,
    }
}

/// The usable keys of a JWKS document; keys of other kinds are passed over, one by one.
pub fn parse_jwks(body: &[u8]) -> Result<Vec<Key>, String> {
    #[derive(serde::Deserialize)]
    struct Set {
        keys: Vec<serde_json::Value>,
    }
    let set: Set = serde_json::from_slice(body).map_err(|e| format!("not a JWKS: {e}"))?;
    let mut keys = Vec::new();
    for value in set.keys {
        let Ok(jwk) = serde_json::from_value::<Jwk>(value) else {
            continue;
        };
        let Some(algorithm) = algorithm_of(&jwk) else {
            continue;
        };
        if let Ok(key) = DecodingKey::from_jwk(&jwk) {
            keys.push(Key {
                kid: jwk.common.key_id.clone(),
                algorithm,
                key,
            });
        }
    }
    Ok(keys)
}

/// `Cache-Control: max-age` within [`MIN_KEEP`, `MAX_KEEP`]; [`DEFAULT_KEEP`] without one.
pub fn keep_for(cache_control: Option<&str>) -> Duration {
    let Some(value) = cache_control else {
        return DEFAULT_KEEP;
    };
    let directives: Vec<String> = value
        .split(',')
        .map(|d| d.trim().to_ascii_lowercase())
        .collect();
    if directives
        .iter()
        .any(|d| d == "no-store" || d == "no-cache")
    {
        return MIN_KEEP;
    }
    directives
        .iter()
        .find_map(|d| {
            d.strip_prefix("max-age=")?
                .trim_matches('"')
                .parse::<u64>()
                .ok()
        })
        .map_or(DEFAULT_KEEP, |s| {
            Duration::from_secs(s).clamp(MIN_KEEP, MAX_KEEP)
        })
}

/// What `/metrics` shows of one issuer's keys.
#[derive(Default)]
pub struct KeyStats {
    pub keys: AtomicUsize,
    /// Unix seconds of the last successful fetch; 0 for never.
    pub last_success: AtomicI64,
    pub failures: AtomicU64,
}

/// One issuer's keys, and what the refresher and the requests waiting on it share.
pub struct IssuerKeys {
    pub issuer: Issuer,
    keys: RwLock<Arc<Vec<Key>>>,
    /// Bumped after every fetch, successful or not: waiters wake on it.
    fetched: tokio::sync::watch::Sender<u64>,
    /// A fetch is asked for or under way.
    in_flight: AtomicBool,
    /// When a request last asked for a refresh.
    asked_at: Mutex<Option<Instant>>,
    pub stats: KeyStats,
    remote: bool,
}

impl IssuerKeys {
    pub fn keys(&self) -> Arc<Vec<Key>> {
        self.keys
            .read()
            .map(|k| k.clone())
            .unwrap_or_else(|e| e.into_inner().clone())
    }

    fn set_keys(&self, keys: Vec<Key>) {
        self.stats.keys.store(keys.len(), Ordering::Relaxed);
        match self.keys.write() {
            Ok(mut k) => *k = Arc::new(keys),
            Err(e) => *e.into_inner() = Arc::new(keys),
        }
    }
}

/// Every trusted issuer's keys, and the channel to their refresher.
pub struct KeyRing {
    pub issuers: Vec<Arc<IssuerKeys>>,
    ask: Option<tokio::sync::mpsc::UnboundedSender<usize>>,
}

impl KeyRing {
    /// Loads static keys and secrets now, and starts the refresher for the issuers whose
    /// keys are fetched. Fails only on what the operator must mend (a missing file or
    /// variable); a provider that does not answer is retried.
    pub fn start(issuers: Vec<Issuer>) -> Result<KeyRing, String> {
        let mut all = Vec::new();
        for issuer in issuers {
            let (keys, remote) = match &issuer.keys {
                KeySource::Static(paths) => (static_keys(&issuer, paths)?, false),
                KeySource::SecretEnv(var) => {
                    let secret = std::env::var(var).map_err(|_| {
                        format!(
                            "issuer {:?}: the environment variable {var} is not set",
                            issuer.name
                        )
                    })?;
                    if secret.len() < 32 {
                        return Err(format!(
                            "issuer {:?}: the secret in {var} must be at least 32 bytes",
                            issuer.name
                        ));
                    }
                    let key = DecodingKey::from_secret(secret.as_bytes())
                        .map_err(|e| format!("issuer {:?}: {e}", issuer.name))?;
                    (
                        vec![Key {
                            kid: None,
                            algorithm: Algorithm::HS256,
                            key,
                        }],
                        false,
                    )
                }
                KeySource::Jwks(_) | KeySource::Discovery(_) => (vec![], true),
            };
            let stats = KeyStats::default();
            stats.keys.store(keys.len(), Ordering::Relaxed);
            all.push(Arc::new(IssuerKeys {
                issuer,
                keys: RwLock::new(Arc::new(keys)),
                fetched: tokio::sync::watch::channel(0).0,
                in_flight: AtomicBool::new(remote),
                asked_at: Mutex::new(None),
                stats,
                remote,
            }));
        }
        let remote: Vec<usize> = (0..all.len()).filter(|i| all[*i].remote).collect();
        let ask = if remote.is_empty() {
            None
        } else {
            let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
            let issuers = all.clone();
            std::thread::Builder::new()
                .name("oversight-jwks".into())
                .spawn(move || refresher(issuers, remote, rx))
                .map_err(|e| format!("cannot start the key refresher: {e}"))?;
            Some(tx)
        };
        Ok(KeyRing { issuers: all, ask })
    }

    /// The issuer whose `iss` this is.
    pub fn find(&self, iss: &str) -> Option<&Arc<IssuerKeys>> {
        self.issuers.iter().find(|i| i.issuer.issuer == iss)
    }

    /// Asks for the issuer's keys to be fetched again and waits for it (a `kid` not known):
    /// `true` if a fetch ended while waiting. Requests arriving together share one fetch;
    /// a new one is asked for at most once a minute (each second while it has never answered).
    pub async fn refreshed(&self, issuer: &Arc<IssuerKeys>) -> bool {
        let Some(ask) = &self.ask else {
            return false;
        };
        if !issuer.remote {
            return false;
        }
        let mut fetched = issuer.fetched.subscribe();
        fetched.borrow_and_update();
        if !issuer.in_flight.load(Ordering::Acquire) {
            let never_answered = issuer.stats.last_success.load(Ordering::Relaxed) == 0;
            let every = if never_answered {
                Duration::from_secs(1)
            } else {
                ON_DEMAND_EVERY
            };
            {
                let Ok(mut asked) = issuer.asked_at.lock() else {
                    return false;
                };
                if asked.is_some_and(|at| at.elapsed() < every) {
                    return false;
                }
                *asked = Some(Instant::now());
            }
            issuer.in_flight.store(true, Ordering::Release);
            let index = self
                .issuers
                .iter()
                .position(|i| Arc::ptr_eq(i, issuer))
                .unwrap_or_default();
            if ask.send(index).is_err() {
                return false;
            }
        }
        matches!(
            tokio::time::timeout(WAIT_FOR_REFRESH, fetched.changed()).await,
            Ok(Ok(()))
        )
    }
}

fn static_keys(issuer: &Issuer, paths: &[std::path::PathBuf]) -> Result<Vec<Key>, String> {
    let mut keys = Vec::new();
    for path in paths {
        let pem = std::fs::read(path).map_err(|e| {
            format!(
                "issuer {:?}: cannot read {}: {e}",
                issuer.name,
                path.display()
            )
        })?;
        let mut read = None;
        for alg in &issuer.algorithms {
            let key = match alg {
                Algorithm::RS256 => DecodingKey::from_rsa_pem(&pem),
                Algorithm::ES256 => DecodingKey::from_ec_pem(&pem),
                _ => continue,
            };
            if let Ok(key) = key {
                read = Some(Key {
                    kid: None,
                    algorithm: *alg,
                    key,
                });
                break;
            }
        }
        keys.push(read.ok_or_else(|| {
            format!(
                "issuer {:?}: {} is not a public key for {:?}",
                issuer.name,
                path.display(),
                issuer.algorithms
            )
        })?);
    }
    Ok(keys)
}

/// The refresher's loop, on a thread and runtime of its own: fetches every issuer at once,
/// then each again when its keys' time is up or a request asks; a failed fetch is retried
/// after 1, 2, 4 … 60 seconds. Ends when the ring is dropped.
fn refresher(
    issuers: Vec<Arc<IssuerKeys>>,
    remote: Vec<usize>,
    mut asks: tokio::sync::mpsc::UnboundedReceiver<usize>,
) {
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        tracing::error!("the key refresher has no runtime: tokens of fetched keys will fail");
        return;
    };
    runtime.block_on(async move {
        let client = match reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(3))
            .timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("oversight/", env!("CARGO_PKG_VERSION")))
            .build()
        {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(error = %e, "the key refresher has no HTTP client");
                return;
            }
        };
        let mut due: Vec<Option<Instant>> = vec![None; issuers.len()];
        let mut failures: Vec<u32> = vec![0; issuers.len()];
        for i in &remote {
            due[*i] = Some(Instant::now());
        }
        loop {
            let now = Instant::now();
            for i in &remote {
                if due[*i].is_some_and(|at| at <= now) {
                    let issuer = &issuers[*i];
                    match fetch(&client, &issuer.issuer).await {
                        Ok((keys, keep)) => {
                            tracing::info!(issuer = %issuer.issuer.name, keys = keys.len(), keep_secs = keep.as_secs(), "identity provider keys fetched");
                            issuer.set_keys(keys);
                            issuer
                                .stats
                                .last_success
                                .store(crate::types::now().and_utc().timestamp(), Ordering::Relaxed);
                            failures[*i] = 0;
                            due[*i] = Some(Instant::now() + keep);
                        }
                        Err(e) => {
                            issuer.stats.failures.fetch_add(1, Ordering::Relaxed);
                            let retry = Duration::from_secs(1 << failures[*i].min(6)).min(ON_DEMAND_EVERY);
                            failures[*i] += 1;
                            tracing::warn!(issuer = %issuer.issuer.name, error = %e, retry_secs = retry.as_secs(), "identity provider keys not fetched; the keys held stay in use");
                            due[*i] = Some(Instant::now() + retry);
                        }
                    }
                    issuer.in_flight.store(false, Ordering::Release);
                    issuer.fetched.send_modify(|n| *n += 1);
                }
            }
            let next = remote.iter().filter_map(|i| due[*i]).min();
            let wait = next.map_or(MAX_KEEP, |at| at.saturating_duration_since(Instant::now()));
            match tokio::time::timeout(wait, asks.recv()).await {
                Ok(Some(i)) => {
                    if let Some(d) = due.get_mut(i) {
                        *d = Some(Instant::now());
                    }
                }
                Ok(None) => return,
                Err(_) => {}
            }
        }
    });
}

async fn get(client: &reqwest::Client, url: &str) -> Result<(Vec<u8>, Option<String>), String> {
    let mut res = client
        .get(url)
        .header("accept", "application/json")
        .send()
        .await
        .map_err(|e| format!("{url}: {e}"))?;
    if !res.status().is_success() {
        return Err(format!("{url}: answered {}", res.status()));
    }
    let cache_control = res
        .headers()
        .get("cache-control")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let mut body = Vec::new();
    while let Some(chunk) = res.chunk().await.map_err(|e| format!("{url}: {e}"))? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(format!("{url}: the answer is over {MAX_BODY} bytes"));
        }
        body.extend_from_slice(&chunk);
    }
    Ok((body, cache_control))
}

/// One issuer's keys and how long to keep them.
async fn fetch(client: &reqwest::Client, issuer: &Issuer) -> Result<(Vec<Key>, Duration), String> {
    let jwks_uri = match &issuer.keys {
        KeySource::Jwks(uri) => uri.clone(),
        KeySource::Discovery(_) => {
            #[derive(serde::Deserialize)]
            struct Discovery {
                issuer: String,
                jwks_uri: String,
            }
            let url = issuer.discovery_url();
            let (body, _) = get(client, &url).await?;
            let found: Discovery = serde_json::from_slice(&body)
                .map_err(|e| format!("{url}: not an OpenID configuration: {e}"))?;
            if found.issuer != issuer.issuer {
                return Err(format!(
                    "{url}: names the issuer {:?}, not {:?}",
                    found.issuer, issuer.issuer
                ));
            }
            let scheme_ok = found.jwks_uri.starts_with("https://")
                || (issuer.allow_http && found.jwks_uri.starts_with("http://"));
            if !scheme_ok {
                return Err(format!(
                    "{url}: its jwks_uri {:?} is not https",
                    found.jwks_uri
                ));
            }
            found.jwks_uri
        }
        KeySource::Static(_) | KeySource::SecretEnv(_) => return Err("no keys to fetch".into()),
    };
    let (body, cache_control) = get(client, &jwks_uri).await?;
    let keys = parse_jwks(&body).map_err(|e| format!("{jwks_uri}: {e}"))?;
    if keys.is_empty() {
        return Err(format!("{jwks_uri}: no RS256 or ES256 signing key"));
    }
    Ok((keys, keep_for(cache_control.as_deref())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_kept_as_the_provider_says_within_bounds() {
        assert_eq!(keep_for(None), DEFAULT_KEEP);
        assert_eq!(
            keep_for(Some("public, max-age=7200")),
            Duration::from_secs(7200)
        );
        assert_eq!(keep_for(Some("max-age=10")), MIN_KEEP);
        assert_eq!(keep_for(Some("max-age=999999")), MAX_KEEP);
        assert_eq!(keep_for(Some("no-cache")), MIN_KEEP);
        assert_eq!(keep_for(Some("private")), DEFAULT_KEEP);
    }

    #[test]
    fn only_signature_keys_of_accepted_kinds_are_taken() {
        let rsa = r#"{"kty":"RSA","kid":"r1","use":"sig","alg":"RS256","n":"sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw","e":"AQAB"}"#;
        let enc = rsa.replace("\"sig\"", "\"enc\"").replace("r1", "r2");
        let other_alg = rsa.replace("RS256", "RS512").replace("r1", "r3");
        let ec384 = r#"{"kty":"EC","kid":"e1","crv":"P-384","x":"AAAA","y":"AAAA"}"#;
        let odd = r#"{"kty":"ZZ","kid":"z"}"#;
        let body = format!(r#"{{"keys":[{rsa},{enc},{other_alg},{ec384},{odd}]}}"#);
        let keys = parse_jwks(body.as_bytes()).unwrap();
        assert_eq!(keys.len(), 1);
        assert_eq!(keys[0].kid.as_deref(), Some("r1"));
        assert_eq!(keys[0].algorithm, Algorithm::RS256);
        assert!(parse_jwks(b"<html>").is_err());
    }
}
