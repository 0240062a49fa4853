//! Builds the service: shared state, the per-request `Ctx`, routes, middleware. `main` and
//! the tests both start Oversight through here.

use std::sync::Arc;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::{StatusCode, header};
use actix_web::middleware::{Compress, ErrorHandlers};
use actix_web::{App, FromRequest, HttpMessage, HttpRequest, HttpServer, dev::Payload, web};
use chrono::NaiveDateTime;
use futures_util::future::LocalBoxFuture;
use tracing::Instrument;
use utoipa_actix_web::{AppExt, scope};

use crate::auth::Principal;
use crate::auth::jwt::Verifier;
use crate::auth::policy;
use crate::config::Config;
pub use crate::context::Ctx;
use crate::db::Db;
use crate::error::AppError;
use crate::graphql::OversightSchema;
use crate::ops::Metrics;
use crate::rest::ApiError;
use crate::types::Date;

/// Largest request body accepted (REST and GraphQL).
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// Where "now" comes from: the system clock, or a fixed time in tests.
#[derive(Debug, Clone, Copy)]
pub enum Clock {
    System,
    Fixed(NaiveDateTime),
}

impl Clock {
    pub fn now(&self) -> NaiveDateTime {
        match self {
            Clock::System => crate::types::now(),
            Clock::Fixed(t) => *t,
        }
    }
}

/// What every request shares.
pub struct AppState {
    pub db: Db,
    pub verifier: Verifier,
    pub config: Config,
    pub clock: Clock,
    pub schema: OversightSchema,
    /// GraphQL queries already parsed.
    pub queries: crate::graphql::QueryCache,
    /// GraphQL answers kept across requests (`OVERSIGHT_ANSWER_CACHE_MB`); `None` when off.
    pub answers: Option<crate::graphql::answers::AnswerCache>,
    pub openapi_yaml: String,
    pub metrics: Arc<Metrics>,
    pub limiter: Option<crate::limits::RateLimiter>,
    pub started: Instant,
    /// The key webhook secrets are sealed with; `None`: webhooks are unavailable.
    pub webhook_key: Option<crate::db::keys::Key>,
    /// The HTTP client of webhook deliveries.
    pub webhook_client: reqwest::Client,
}

impl AppState {
    /// Connects, migrates and loads the reference data; fails with a message fit for an operator.
    pub fn new(config: Config) -> Result<AppState, String> {
        let verifier = Verifier::from_config(&config)?;
        let mut db = Db::connect(&config.database_url, config.db_pool_size)?;
        db.migrate()?;
        if let Some(read_url) = config
            .database_read_url
            .as_deref()
            .filter(|u| !u.is_empty())
        {
            db = db.with_read_replica(read_url, config.db_pool_size)?;
        }
        AppState::with(config, db, verifier, Clock::System)
    }

    pub fn with(
        config: Config,
        db: Db,
        verifier: Verifier,
        clock: Clock,
    ) -> Result<AppState, String> {
        let limiter = crate::limits::RateLimiter::new(config.rate_limit);
        let answers = crate::graphql::answers::AnswerCache::new(config.answer_cache_mb);
        let webhook_key = crate::delivery::key_of(&config)?;
        let webhook_client = crate::delivery::client(config.webhook_allow_private)?;
        Ok(AppState {
            db,
            verifier,
            config,
            clock,
            schema: crate::graphql::schema(),
            queries: crate::graphql::QueryCache::default(),
            answers,
            openapi_yaml: openapi_yaml(),
            metrics: Arc::new(Metrics::default()),
            limiter,
            started: Instant::now(),
            webhook_key,
            webhook_client,
        })
    }

    /// The context of one request for this caller.
    pub fn ctx(&self, principal: Principal) -> Ctx {
        let now = self.clock.now();
        Ctx {
            db: self.db.for_request(),
            principal,
            policy: policy::Context {
                today: Date(now.date()),
                public_read: self.config.public_read,
            },
            now,
        }
    }
}

/// The context of a REST request, as its handlers take it: the caller signed in and counted
/// against the rate limit ([`ctx_of`]). It derefs to the domain's [`Ctx`].
pub struct Caller(pub Ctx);

impl std::ops::Deref for Caller {
    type Target = Ctx;

    fn deref(&self) -> &Ctx {
        &self.0
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Caller, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { Ok(Caller(ctx_of(&req).await?)) })
    }
}

/// Resolves the caller from the `Authorization` header: anonymous when there is none, an
/// error (401) when there is one that does not verify.
pub async fn principal_from_request(req: &HttpRequest) -> Result<Principal, AppError> {
    if let Some(p) = req.extensions().get::<Principal>() {
        return Ok(p.clone());
    }
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(Principal::anonymous());
    };
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| AppError::Internal("application state missing".into()))?;
    let value = value.to_str().map_err(|_| {
        AppError::Unauthenticated("the Authorization header is not readable".into())
    })?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            AppError::Unauthenticated("the Authorization header must be `Bearer <token>`".into())
        })?;
    let principal = state.verifier.verify(token).await?;
    req.extensions_mut().insert(principal.clone());
    Ok(principal)
}

pub async fn ctx_of(req: &HttpRequest) -> Result<Ctx, AppError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| AppError::Internal("application state missing".into()))?;
    let principal = match &state.limiter {
        Some(limiter) => signed_in_within_limits(req, state, limiter).await?,
        None => principal_from_request(req).await?,
    };
    if let Some(sub) = &principal.sub {
        tracing::Span::current().record("principal.sub", sub.as_str());
    }
    Ok(state.ctx(principal))
}

/// The caller's address as the rate limit counts it: the peer's, or behind a trusted proxy
/// the client its `X-Forwarded-For` names.
fn client_address(req: &HttpRequest, state: &AppState) -> String {
    let forwarded = req
        .headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok());
    state
        .config
        .trusted_proxies
        .client(req.peer_addr().map(|a| a.ip()), forwarded)
        .map(|ip| ip.to_string())
        .unwrap_or_default()
}

/// The key of the caller's bucket: its token's issuer and subject, or its address when
/// anonymous.
fn rate_key(req: &HttpRequest, state: &AppState, principal: &Principal) -> String {
    match &principal.sub {
        Some(_) => format!("sub:{}", principal.actor()),
        None => format!("addr:{}", client_address(req, state)),
    }
}

/// Signs the caller in and counts the request. Failed sign-ins count against the caller's
/// address in a bucket of their own, which is looked at before any signature is checked: a
/// flood of bad tokens is refused with `429` without the work of verifying them.
async fn signed_in_within_limits(
    req: &HttpRequest,
    state: &AppState,
    limiter: &crate::limits::RateLimiter,
) -> Result<Principal, AppError> {
    let now = Instant::now();
    let limited = |retry_after_secs| AppError::RateLimited { retry_after_secs };
    let verifies = req.headers().contains_key(header::AUTHORIZATION)
        && req.extensions().get::<Principal>().is_none();
    let failures = || format!("fail:{}", client_address(req, state));
    if verifies {
        limiter.peek(&failures(), now).map_err(limited)?;
    }
    let principal = match principal_from_request(req).await {
        Ok(p) => p,
        Err(e) => {
            if let AppError::Unauthenticated(_) = e {
                let _ = limiter.check(&failures(), now);
            }
            return Err(e);
        }
    };
    limiter
        .check(&rate_key(req, state, &principal), now)
        .map_err(limited)?;
    Ok(principal)
}

/// Counts `extra` more requests against the caller's bucket: a GraphQL batch counts as its
/// operations.
pub fn charge_more(req: &HttpRequest, ctx: &Ctx, extra: u32) -> Result<(), AppError> {
    let Some(state) = req.app_data::<web::Data<AppState>>() else {
        return Ok(());
    };
    match (&state.limiter, extra) {
        (Some(limiter), 1..) => limiter
            .check_n(&rate_key(req, state, &ctx.principal), extra, Instant::now())
            .map_err(|retry_after_secs| AppError::RateLimited { retry_after_secs }),
        _ => Ok(()),
    }
}

/// Every REST route under `/v1`, collected into the OpenAPI document as well.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(
        scope::scope("/v1")
            .service(crate::rest::forces::list_forces)
            .service(crate::rest::forces::get_force)
            .service(crate::rest::forces::put_force)
            .service(crate::rest::forces::add_governance)
            .service(crate::rest::inspections::list_inspections)
            .service(crate::rest::inspections::create_inspection)
            .service(crate::rest::inspections::get_inspection)
            .service(crate::rest::inspections::patch_inspection)
            .service(crate::rest::items::list_items)
            .service(crate::rest::items::create_item)
            .service(crate::rest::items::get_item)
            .service(crate::rest::items::patch_item)
            .service(crate::rest::forces::worklist)
            .service(crate::rest::responses::get_force_response)
            .service(crate::rest::responses::put_force_response)
            .service(crate::rest::responses::get_item_response)
            .service(crate::rest::responses::put_item_response)
            .service(crate::rest::actions::list_actions)
            .service(crate::rest::actions::create_action)
            .service(crate::rest::actions::get_action)
            .service(crate::rest::actions::patch_action)
            .service(crate::rest::actions::add_update)
            .service(crate::rest::audit::audit)
            .service(crate::rest::pcc_responses::get_pcc_response)
            .service(crate::rest::pcc_responses::put_pcc_response)
            .service(crate::rest::pcc_responses::publish_pcc_response)
            .service(crate::rest::pcc_responses::list_revisions)
            .service(crate::rest::section55::section55_document)
            .service(crate::rest::compliance::compliance)
            .service(crate::rest::events::events)
            .service(crate::rest::responses::list_item_responses)
            .service(crate::rest::actions::list_all_actions)
            .service(crate::rest::webhooks::create_webhook)
            .service(crate::rest::webhooks::list_webhooks)
            .service(crate::rest::webhooks::get_webhook)
            .service(crate::rest::webhooks::delete_webhook)
            .service(crate::rest::webhooks::list_deliveries)
            .service(crate::rest::webhooks::ping_webhook),
    )
    .service(crate::ops::healthz)
    .service(crate::ops::readyz);
}

/// The OpenAPI 3.1 document, generated from the handlers.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, mut api) = App::new()
        .into_utoipa_app()
        .configure(routes)
        .split_for_parts();
    api.info.title = "Oversight".into();
    api.info.version = env!("CARGO_PKG_VERSION").into();
    api.info.description = Some(
        "HMICFRS inspections, force responses, action plans and Section 55 PCC responses for the \
         police forces of England and Wales. Errors are RFC 9457 problem+json."
            .into(),
    );
    api.info.license = None;
    api.info.contact = None;
    let mut bearer = utoipa::openapi::security::HttpBuilder::new()
        .scheme(utoipa::openapi::security::HttpAuthScheme::Bearer)
        .bearer_format("JWT")
        .build();
    bearer.description = Some("A JWT from the forces' or national identity provider.".into());
    let components = api.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        utoipa::openapi::security::SecurityScheme::Http(bearer),
    );
    api.security = Some(vec![
        utoipa::openapi::security::SecurityRequirement::new("bearer", Vec::<String>::new()),
        utoipa::openapi::security::SecurityRequirement::default(),
    ]);
    api
}

pub fn openapi_yaml() -> String {
    openapi()
        .to_yaml()
        .unwrap_or_else(|e| format!("# cannot render OpenAPI: {e}\n"))
}

/// The actix application over shared state.
pub fn app(
    state: web::Data<AppState>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let cors = cors(&state.config.cors_origins);
    let (app, _) = App::new()
        .into_utoipa_app()
        .app_data(state)
        .app_data(web::PayloadConfig::new(MAX_BODY_BYTES))
        .app_data(web::QueryConfig::default().error_handler(|e, _| crate::rest::extractor_error(e)))
        .app_data(web::PathConfig::default().error_handler(|e, _| crate::rest::extractor_error(e)))
        .configure(routes)
        .split_for_parts();
    app.service(
        web::resource("/graphql")
            .route(web::post().to(crate::graphql_http::post))
            .route(web::get().to(crate::graphql_http::get)),
    )
    .route(
        "/graphiql/{file}",
        web::get().to(crate::graphql_http::asset),
    )
    .route("/metrics", web::get().to(crate::ops::metrics_on_main))
    .route("/openapi.yaml", web::get().to(crate::ops::openapi_yaml))
    .route("/", web::get().to(crate::ops::index))
    .wrap(ErrorHandlers::new().default_handler(crate::rest::problem_for_framework_errors))
    .wrap(cors)
    .wrap(
        actix_web::middleware::DefaultHeaders::new()
            .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .add((header::REFERRER_POLICY, "no-referrer"))
            .add((header::X_FRAME_OPTIONS, "DENY")),
    )
    .wrap(Compress::default())
    .wrap_fn(observe)
}

/// CORS, denied by default: only the configured origins get CORS headers. Requests from other
/// origins are not refused here (a same-origin page sends `Origin` too); browsers refuse them
/// the response.
fn cors(origins: &str) -> actix_cors::Cors {
    let mut cors = actix_cors::Cors::default()
        .block_on_origin_mismatch(false)
        .allowed_methods(["GET", "POST", "PUT", "PATCH"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::ACCEPT,
        ])
        .allowed_header("x-request-id")
        .expose_headers([header::ETAG, header::LOCATION, header::RETRY_AFTER])
        .expose_headers(["x-request-id"])
        .max_age(600);
    for origin in origins.split(',').map(str::trim).filter(|o| !o.is_empty()) {
        cors = cors.allowed_origin(origin);
    }
    cors
}

/// Request id, span, access log and metrics around every request.
fn observe<S, B>(
    req: ServiceRequest,
    srv: &S,
) -> LocalBoxFuture<'static, Result<ServiceResponse<B>, actix_web::Error>>
where
    S: actix_web::dev::Service<
            ServiceRequest,
            Response = ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    S::Future: 'static,
    B: 'static,
{
    let started = Instant::now();
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.chars().all(|c| c.is_ascii_graphic()))
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    let span = tracing::info_span!(
        "request",
        request.id = %id,
        http.method = %req.method(),
        http.path = %req.path(),
        principal.sub = tracing::field::Empty,
    );
    let metrics = req
        .app_data::<web::Data<AppState>>()
        .map(|s| s.metrics.clone());
    req.extensions_mut().insert(RequestId(id.clone()));
    let fut = {
        let _enter = span.enter();
        srv.call(req)
    };
    Box::pin(
        async move {
            let mut res = fut.await?;
            let status = res.status();
            let elapsed = started.elapsed();
            if let Ok(value) = header::HeaderValue::from_str(&id) {
                res.headers_mut()
                    .insert(header::HeaderName::from_static("x-request-id"), value);
            }
            let route = res
                .request()
                .match_pattern()
                .unwrap_or_else(|| "unmatched".into());
            if let Some(m) = metrics {
                m.observe(
                    res.request().method().as_str(),
                    &route,
                    status.as_u16(),
                    elapsed,
                );
            }
            let duration_ms = elapsed.as_secs_f64() * 1000.0;
            if status.is_server_error() {
                tracing::error!(http.status = status.as_u16(), duration_ms, "request failed");
            } else if status == StatusCode::NOT_FOUND || status.is_client_error() {
                tracing::info!(
                    http.status = status.as_u16(),
                    duration_ms,
                    "request refused"
                );
            } else {
                tracing::info!(http.status = status.as_u16(), duration_ms, "request served");
            }
            Ok(res)
        }
        .instrument(span.clone()),
    )
}

/// The id of the request being served.
#[derive(Clone)]
pub struct RequestId(pub String);

/// Threads of each HTTP worker's blocking pool, where all database work runs (`db::run`), for
/// `configured` threads an instance (0: two per worker) over `workers` workers: an even share,
/// rounded up, and at least one.
///
/// Few threads serve best. On the national set (2 cores, 16 connections; tokio's default of
/// hundreds against two a worker) W4 writes 1,371–1,423 → 1,813–1,817 a second, dashboards
/// 406–418 → 466–484 with p99 68–70 → 53–56 ms, national queries 397–410 → 431–463, worklist
/// pages 2,577–2,609 → 2,624–2,758: with a thread per unit of work, as many threads and
/// PostgreSQL backends contend for two cores, each round trip wakes a thread in the crowd, and
/// the last request in waits longest. One a worker costs the worklist a tenth.
pub fn db_threads_per_worker(configured: u32, workers: usize) -> usize {
    let workers = workers.max(1);
    let total = match configured {
        0 => 2 * workers,
        n => n as usize,
    };
    total.div_ceil(workers).max(1)
}

/// Starts serving on `listen` (port 0 picks a free one); returns the server and its address.
pub fn serve(state: AppState, listen: &str) -> std::io::Result<(Server, std::net::SocketAddr)> {
    let timeout = std::time::Duration::from_secs(state.config.request_timeout_secs.max(1));
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let db_threads = db_threads_per_worker(state.config.db_threads, workers);
    tracing::info!(
        workers,
        db_threads_per_worker = db_threads,
        "HTTP workers and their database threads"
    );
    let state = web::Data::new(state);
    if let Some(metrics_listen) = state.config.metrics_listen.clone() {
        let shared = state.clone();
        let metrics = HttpServer::new(move || {
            App::new()
                .app_data(shared.clone())
                .route("/metrics", web::get().to(crate::ops::metrics))
        })
        .workers(1)
        .bind(&metrics_listen)?
        .run();
        tracing::info!(listen = %metrics_listen, "metrics");
        actix_web::rt::spawn(metrics);
    }
    crate::jobs::start(state.clone());
    crate::delivery::start(state.clone());
    let server = HttpServer::new(move || app(state.clone()))
        .workers(workers)
        .worker_max_blocking_threads(db_threads)
        .client_request_timeout(timeout)
        .client_disconnect_timeout(std::time::Duration::from_secs(5))
        .shutdown_timeout(20)
        .bind(listen)?;
    let addr = server
        .addrs()
        .first()
        .copied()
        .ok_or_else(|| std::io::Error::other("no address bound"))?;
    Ok((server.run(), addr))
}

#[cfg(test)]
mod tests {
    use super::db_threads_per_worker;

    #[test]
    fn database_threads_are_shared_out_among_the_workers() {
        // (configured, workers) → threads a worker
        for (configured, workers, each) in [
            (0, 2, 2),  // the default: two a core
            (0, 1, 2),  // one core
            (0, 8, 2),  // eight
            (4, 2, 2),  // an even share
            (5, 2, 3),  // rounded up: no thread lost
            (1, 2, 1),  // at least one a worker
            (16, 4, 4), // more
            (3, 0, 3),  // no worker count reads as one
        ] {
            assert_eq!(
                db_threads_per_worker(configured, workers),
                each,
                "{configured} threads over {workers} workers"
            );
        }
    }
}
