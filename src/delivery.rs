//! Delivering webhooks: each instance's worker claims webhooks with work
//! (`webhooks::service::claim`), collects the events each creator may read into deliveries,
//! and sends them in order, signed, over HTTPS to addresses checked after resolution. A
//! delivery's HTTP lives here; what is sent, to whom and when is the domain's.

use std::sync::Arc;
use std::time::Duration;

use actix_web::web;
use base64::Engine;
use chrono::NaiveDateTime;

use crate::app::AppState;
use crate::config::Config;
use crate::db::keys::Key;
use crate::error::AppError;
use crate::types::Date;
use crate::webhooks::model::{DeliveryRow, DeliveryStatus};
use crate::webhooks::{rules, seal, service};

/// Webhooks one instance claims at a time.
const CLAIM: i64 = 16;
/// Pending deliveries of one webhook sent per claim.
const SEND_PER_CLAIM: i64 = 50;
/// How long an attempt may take, all told, and its connection.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How often an idle worker looks for work while any webhook is active: one small statement,
/// finding nothing, four times a second per instance; a change waits a quarter of a second at
/// most to be seen.
const POLL: Duration = Duration::from_millis(250);
/// How often it looks whether any webhook is active (with none, it looks for nothing else).
const LOOK_FOR_WEBHOOKS: Duration = Duration::from_secs(5);

/// The key webhook secrets are sealed with: `OVERSIGHT_WEBHOOK_KEY`; in embedded mode one
/// generated into the database's directory; otherwise one derived from the HS256 token secret.
/// `None` where there is none of these (PostgreSQL with public-key or federated tokens and no
/// key set): webhooks are then unavailable.
pub fn key_of(config: &Config) -> Result<Option<Key>, String> {
    if let Some(text) = &config.webhook_key {
        return decode_key(text.expose()).map(Some).ok_or_else(|| {
            "OVERSIGHT_WEBHOOK_KEY must be base64 of 32 bytes (openssl rand -base64 32)".into()
        });
    }
    if !config.is_postgres()
        && let Some(dir) = config.data_dir()
    {
        let path = dir.join("webhook-key");
        if let Some(key) = std::fs::read_to_string(&path)
            .ok()
            .and_then(|t| decode_key(t.trim()))
        {
            return Ok(Some(key));
        }
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| format!("no randomness for a key: {e}"))?;
        crate::auth::jwt::write_private(
            &path,
            &base64::engine::general_purpose::STANDARD.encode(bytes),
        )?;
        return Ok(Some(Key::from_bytes(bytes)));
    }
    Ok(config
        .jwt_secret
        .as_ref()
        .map(|s| seal::derive_key(s.expose().as_bytes())))
}

fn decode_key(text: &str) -> Option<Key> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .ok()?;
    Some(Key::from_bytes(bytes.try_into().ok()?))
}

/// Resolves names for deliveries through [`service::resolve`]: a name any of whose addresses
/// is refused is not connected to at all, and the addresses checked are the ones connected to.
struct CheckedResolver {
    allow_private: bool,
}

impl reqwest::dns::Resolve for CheckedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let found = service::resolve(name.as_str(), 0, allow_private)
                .await
                .map_err(|why| -> Box<dyn std::error::Error + Send + Sync> { why.into() })?;
            let addrs: reqwest::dns::Addrs = Box::new(found.into_iter());
            Ok(addrs)
        })
    }
}

/// The HTTP client of deliveries: no proxy, no redirects, bounded time, checked addresses.
pub fn client(allow_private: bool) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        // Straight to the checked address: through a proxy (HTTPS_PROXY in the environment)
        // the proxy would resolve the name, past the resolver's check.
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(ATTEMPT_TIMEOUT)
        .connect_timeout(CONNECT_TIMEOUT)
        .dns_resolver(Arc::new(CheckedResolver { allow_private }))
        .user_agent(concat!("Oversight-Webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("cannot build the webhook client: {e}"))
}

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    pub claimed: usize,
    pub queued: usize,
    pub delivered: usize,
    pub retrying: usize,
    pub failed: usize,
    pub stopped: usize,
}

impl Pass {
    pub fn add(&mut self, o: Pass) {
        self.claimed += o.claimed;
        self.queued += o.queued;
        self.delivered += o.delivered;
        self.retrying += o.retrying;
        self.failed += o.failed;
        self.stopped += o.stopped;
    }
}

/// One pass of this instance's worker as of `now`: claims the webhooks with work, and for
/// each, at once, collects and sends what is due.
pub async fn pass(state: &AppState, now: NaiveDateTime) -> Result<Pass, AppError> {
    let Some(key) = &state.webhook_key else {
        return Ok(Pass::default());
    };
    let hooks = service::claim(&state.db, now, CLAIM).await?;
    let mut total = Pass {
        claimed: hooks.len(),
        ..Pass::default()
    };
    let work = hooks.into_iter().map(|hook| async move {
        let done = one(state, key, &hook, now).await;
        if let Err(e) = &done {
            tracing::warn!(webhook = %hook.id, error = %e, "webhook not served this pass");
            // Let it go, so that it is taken up again without waiting out its lease.
            let _ = service::release(&state.db, &hook, Some(now), now).await;
        }
        done
    });
    for done in futures_util::future::join_all(work).await {
        total.add(done.unwrap_or_default());
    }
    Ok(total)
}

async fn one(
    state: &AppState,
    key: &Key,
    hook: &service::Claimed,
    now: NaiveDateTime,
) -> Result<Pass, AppError> {
    let mut pass = Pass::default();
    if !state.verifier.still_grants(&hook.principal) {
        tracing::warn!(webhook = %hook.id, "webhook stopped: its creator is no longer granted what it registered with");
        service::deactivate(&state.db, &hook.id, now).await?;
        pass.stopped = 1;
        return Ok(pass);
    }
    let mut ctx = state.ctx(hook.principal.clone());
    ctx.now = now;
    ctx.policy.today = Date(now.date());
    pass.queued = service::collect(&ctx, hook).await?;
    let allow_private = state.config.webhook_allow_private;
    let Some(secret) = seal::open(key, &hook.id, &hook.secret) else {
        tracing::error!(webhook = %hook.id, "webhook secret cannot be opened with this instance's key (OVERSIGHT_WEBHOOK_KEY changed?); nothing sent");
        service::release(&state.db, hook, Some(now + chrono::Duration::hours(1)), now).await?;
        return Ok(pass);
    };
    let mut next = None;
    for d in service::pending(&state.db, &hook.id, SEND_PER_CLAIM).await? {
        if d.next_at > now {
            next = Some(d.next_at);
            break;
        }
        let attempt = send(
            &state.webhook_client,
            allow_private,
            &hook.url,
            &secret,
            &d,
            now,
        )
        .await;
        let retry_at = attempt.retry_at;
        match service::record(&state.db, &d, attempt).await? {
            Some(DeliveryStatus::Delivered) => pass.delivered += 1,
            Some(DeliveryStatus::Failed) => pass.failed += 1,
            Some(DeliveryStatus::Pending) => {
                // In order: nothing after it goes before it does.
                pass.retrying += 1;
                next = Some(retry_at);
                break;
            }
            None => break,
        }
    }
    if next.is_none() && !service::pending(&state.db, &hook.id, 1).await?.is_empty() {
        next = Some(now);
    }
    service::release(&state.db, hook, next, now).await?;
    Ok(pass)
}

fn jitter() -> f64 {
    let mut b = [0u8; 4];
    let _ = getrandom::fill(&mut b);
    f64::from(u32::from_le_bytes(b)) / (f64::from(u32::MAX) + 1.0)
}

/// One attempt at a delivery: `POST` of its body, signed, to the webhook's URL (its address
/// checked again, as the name's are by the client's resolver).
async fn send(
    client: &reqwest::Client,
    allow_private: bool,
    url: &str,
    secret: &[u8],
    d: &DeliveryRow,
    now: NaiveDateTime,
) -> service::Attempt {
    let retry_at = now + rules::retry_delay(d.attempts + 1, jitter());
    let failed = |detail: String| service::Attempt {
        status: None,
        detail,
        at: now,
        retry_at,
    };
    // The URL passed at registration; an address in it is checked again here (the rule may
    // have changed since), a name by the resolver.
    let target = match rules::target(url, allow_private) {
        Ok(t) => t,
        Err(e) => return failed(e.detail()),
    };
    let timestamp = now.and_utc().timestamp();
    let signature = rules::signature(secret, &d.id, timestamp, d.body.as_bytes());
    let sent = client
        .post(target.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("webhook-id", &d.id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(d.body.clone())
        .send()
        .await;
    let mut resp = match sent {
        Ok(r) => r,
        Err(e) => return failed(error_chain(&e)),
    };
    let status = resp.status().as_u16();
    // The first KiB of the answer; the rest is never read.
    let mut kept: Vec<u8> = Vec::new();
    while kept.len() < rules::RESPONSE_KEPT_BYTES {
        match resp.chunk().await {
            Ok(Some(chunk)) => kept.extend_from_slice(&chunk),
            _ => break,
        }
    }
    kept.truncate(rules::RESPONSE_KEPT_BYTES);
    service::Attempt {
        status: Some(status),
        detail: String::from_utf8_lossy(&kept).into_owned(),
        at: now,
        retry_at,
    }
}

/// An error and its causes on one line (reqwest's own message names only the outermost).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cause = c.source();
    }
    out
}

/// Starts this instance's delivery worker on the current actix system: while any webhook is
/// active (looked at every 5 s), a pass every quarter second,
/// and at once again while passes find work.
pub fn start(state: web::Data<AppState>) {
    if state.webhook_key.is_none() {
        tracing::warn!(
            "webhooks are unavailable: no OVERSIGHT_WEBHOOK_KEY (nor an HS256 secret to derive one from)"
        );
        return;
    }
    actix_web::rt::spawn(async move {
        let mut any = false;
        let mut looked: Option<std::time::Instant> = None;
        loop {
            if looked.is_none_or(|t| t.elapsed() >= LOOK_FOR_WEBHOOKS) {
                any = service::any_active(&state.db).await.unwrap_or(true);
                looked = Some(std::time::Instant::now());
            }
            if !any {
                tokio::time::sleep(POLL).await;
                continue;
            }
            let now = state.clock.now();
            match pass(&state, now).await {
                Ok(p) if p.claimed > 0 => {
                    tracing::debug!(?p, "webhooks served");
                    continue;
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "webhooks not served; trying again"),
            }
            tokio::time::sleep(POLL).await;
        }
    });
}
