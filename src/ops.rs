//! Operations: liveness, readiness, Prometheus metrics, the OpenAPI document, and the index.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::rest::Answer;
use crate::rest::Problem;

/// Upper bounds (seconds) of the request duration histogram.
const BUCKETS: [f64; 10] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0];

#[derive(Default)]
struct Series {
    count: u64,
    sum_secs: f64,
    buckets: [u64; BUCKETS.len()],
}

/// Request counts and durations by method, route pattern and status.
#[derive(Default)]
pub struct Metrics {
    series: Mutex<BTreeMap<(String, String, u16), Series>>,
}

impl Metrics {
    pub fn observe(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let secs = elapsed.as_secs_f64();
        if let Ok(mut map) = self.series.lock() {
            let s = map
                .entry((method.to_string(), route.to_string(), status))
                .or_default();
            s.count += 1;
            s.sum_secs += secs;
            for (i, le) in BUCKETS.iter().enumerate() {
                if secs <= *le {
                    s.buckets[i] += 1;
                }
            }
        }
    }

    fn render(&self, out: &mut String) {
        use std::fmt::Write;
        let Ok(map) = self.series.lock() else { return };
        out.push_str(
            "# HELP oversight_http_requests_total Requests served, by method, route and status.\n",
        );
        out.push_str("# TYPE oversight_http_requests_total counter\n");
        for ((m, r, s), v) in map.iter() {
            let _ = writeln!(
                out,
                "oversight_http_requests_total{{method=\"{m}\",route=\"{}\",status=\"{s}\"}} {}",
                escape(r),
                v.count
            );
        }
        out.push_str("# HELP oversight_http_request_duration_seconds Time to serve a request.\n");
        out.push_str("# TYPE oversight_http_request_duration_seconds histogram\n");
        let mut by_route: BTreeMap<(&str, &str), (u64, f64, [u64; BUCKETS.len()])> =
            BTreeMap::new();
        for ((m, r, _), v) in map.iter() {
            let e = by_route
                .entry((m, r))
                .or_insert((0, 0.0, [0; BUCKETS.len()]));
            e.0 += v.count;
            e.1 += v.sum_secs;
            for i in 0..BUCKETS.len() {
                e.2[i] += v.buckets[i];
            }
        }
        for ((m, r), (count, sum, buckets)) in by_route {
            let labels = format!("method=\"{m}\",route=\"{}\"", escape(r));
            for (i, le) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "oversight_http_request_duration_seconds_bucket{{{labels},le=\"{le}\"}} {}",
                    buckets[i]
                );
            }
            let _ = writeln!(
                out,
                "oversight_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {count}"
            );
            let _ = writeln!(
                out,
                "oversight_http_request_duration_seconds_sum{{{labels}}} {sum}"
            );
            let _ = writeln!(
                out,
                "oversight_http_request_duration_seconds_count{{{labels}}} {count}"
            );
        }
    }
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[derive(Serialize, ToSchema)]
pub struct Health {
    pub status: String,
}

/// Liveness: the process answers.
#[utoipa::path(tag = "operations", responses((status = 200, description = "The process is up", body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "ok".into(),
    })
}

/// Readiness: the database answers.
#[utoipa::path(tag = "operations", responses(
    (status = 200, description = "The database answers", body = Health),
    (status = 503, description = "The database does not answer", body = Problem, content_type = "application/problem+json"),
))]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> Answer {
    state.db.ping().await?;
    Ok(HttpResponse::Ok().json(Health {
        status: "ready".into(),
    }))
}

/// `/metrics` on the main listener: for loopback callers not forwarded by a proxy (a scraper
/// on the host), and only while no separate metrics listener is configured. Anyone else gets
/// `404`, as for a path that does not exist.
pub async fn metrics_on_main(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
) -> HttpResponse {
    let local = req.peer_addr().is_some_and(|a| a.ip().is_loopback())
        && !req.headers().contains_key("x-forwarded-for")
        && !req
            .headers()
            .contains_key(actix_web::http::header::FORWARDED);
    if state.config.metrics_listen.is_some() || !local {
        return crate::rest::problem_response(&crate::error::AppError::not_found(
            "no such resource",
        ));
    }
    metrics(state).await
}

/// Prometheus text exposition (on `OVERSIGHT_METRICS_LISTEN`, for whoever reaches it).
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    use std::fmt::Write;
    let mut out = String::new();
    state.metrics.render(&mut out);
    state.verifier.render_metrics(&mut out);
    let pool = state.db.pool_state();
    out.push_str(
        "# HELP oversight_db_pool_connections Database connections held by this instance.\n",
    );
    out.push_str("# TYPE oversight_db_pool_connections gauge\n");
    let _ = writeln!(
        out,
        "oversight_db_pool_connections{{state=\"idle\"}} {}",
        pool.idle_connections
    );
    let _ = writeln!(
        out,
        "oversight_db_pool_connections{{state=\"busy\"}} {}",
        pool.connections - pool.idle_connections
    );
    out.push_str("# HELP oversight_db_statements_total SQL statements run by this instance.\n");
    out.push_str("# TYPE oversight_db_statements_total counter\n");
    let _ = writeln!(
        out,
        "oversight_db_statements_total {}",
        state.db.statements()
    );
    if let Some(answers) = &state.answers {
        out.push_str(
            "# HELP oversight_graphql_answers_total GraphQL answers kept, and served again from what was kept.\n",
        );
        out.push_str("# TYPE oversight_graphql_answers_total counter\n");
        let _ = writeln!(
            out,
            "oversight_graphql_answers_total{{outcome=\"kept\"}} {}",
            answers.kept()
        );
        let _ = writeln!(
            out,
            "oversight_graphql_answers_total{{outcome=\"reused\"}} {}",
            answers.reused()
        );
    }
    out.push_str("# HELP oversight_uptime_seconds Seconds since this instance started.\n");
    out.push_str("# TYPE oversight_uptime_seconds gauge\n");
    let _ = writeln!(
        out,
        "oversight_uptime_seconds {}",
        state.started.elapsed().as_secs_f64()
    );
    out.push_str("# HELP oversight_build_info Version of this instance.\n");
    out.push_str("# TYPE oversight_build_info gauge\n");
    let _ = writeln!(
        out,
        "oversight_build_info{{version=\"{}\"}} 1",
        env!("CARGO_PKG_VERSION")
    );
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(out)
}

pub async fn openapi_yaml(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/yaml")
        .body(state.openapi_yaml.clone())
}

/// A short map of the service for someone who opens it in a browser.
pub async fn index() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({
        "service": "oversight",
        "version": env!("CARGO_PKG_VERSION"),
        "rest": "/v1",
        "openapi": "/openapi.yaml",
        "graphql": "/graphql",
        "health": ["/healthz", "/readyz", "/metrics"],
    }))
}
