//! REST: the handlers of each domain, and what they share: ETags and preconditions, list
//! parameters, query-parameter parsing, the problem document of every error, and the
//! middleware that turns framework errors into problem+json.

pub mod actions;
pub mod audit;
pub mod compliance;
pub mod events;
pub mod forces;
pub mod inspections;
pub mod items;
pub mod pcc_responses;
pub mod responses;
pub mod section55;
pub mod webhooks;

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{AppError, AppResult, FieldError};
use crate::types::{Date, clamp_limit};
use crate::write::Precondition;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// The problem document sent for every error.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A stable URI naming the kind of problem (`urn:oversight:problem:<code>`).
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable machine-readable code: unauthenticated, forbidden, not_found, bad_request,
    /// validation_failed, conflict, version_mismatch, precondition_required,
    /// payload_too_large, rate_limited, unavailable, internal.
    pub code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
}

/// The problem document of an error.
pub fn problem(error: &AppError) -> Problem {
    let status = status_of(error);
    Problem {
        kind: format!("urn:oversight:problem:{}", error.code()),
        title: status.canonical_reason().unwrap_or("Error").to_string(),
        status: status.as_u16(),
        detail: error.detail(),
        code: error.code().to_string(),
        errors: error.field_errors(),
    }
}

fn status_of(error: &AppError) -> StatusCode {
    StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// A domain error on its way out of a REST handler or extractor: its problem document, with
/// `WWW-Authenticate` on a 401 and `Retry-After` where retrying helps.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct ApiError(#[from] pub AppError);

/// What a REST handler answers.
pub type Answer<T = HttpResponse> = Result<T, ApiError>;

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        status_of(&self.0)
    }

    fn error_response(&self) -> HttpResponse {
        problem_response(&self.0)
    }
}

/// The response of an error: its problem document and headers.
pub fn problem_response(error: &AppError) -> HttpResponse {
    error.log();
    let mut builder = HttpResponse::build(status_of(error));
    builder.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
    match error {
        AppError::Unauthenticated(_) => {
            builder.insert_header((
                header::WWW_AUTHENTICATE,
                "Bearer realm=\"oversight\", error=\"invalid_token\"",
            ));
        }
        AppError::RateLimited { retry_after_secs } => {
            builder.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
        }
        AppError::Unavailable(_) => {
            builder.insert_header((header::RETRY_AFTER, "1"));
        }
        _ => {}
    }
    let body = serde_json::to_vec(&problem(error)).unwrap_or_default();
    builder.body(body)
}

pub fn etag(version: i32) -> String {
    format!("\"{version}\"")
}

/// `200` with the resource and its `ETag`.
pub fn ok_with_etag<T: Serialize>(version: i32, body: &T) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, etag(version)))
        .json(body)
}

/// `201` with the resource, its `ETag` and `Location`.
pub fn created<T: Serialize>(version: i32, location: &str, body: &T) -> HttpResponse {
    HttpResponse::Created()
        .insert_header((header::ETAG, etag(version)))
        .insert_header((header::LOCATION, location))
        .json(body)
}

/// The answer to a `PUT` that creates (`201` with `Location`) or changes (`200`) a resource.
pub fn created_or_ok<T: Serialize>(
    new: bool,
    version: i32,
    location: &str,
    body: &T,
) -> HttpResponse {
    if new {
        created(version, location, body)
    } else {
        ok_with_etag(version, body)
    }
}

/// The `If-Match` precondition of a request.
pub fn precondition(req: &HttpRequest) -> AppResult<Precondition> {
    let value = match req.headers().get(header::IF_MATCH) {
        Some(v) => Some(
            v.to_str()
                .map_err(|_| AppError::bad_field("If-Match", "If-Match is not readable"))?,
        ),
        None => None,
    };
    Precondition::from_if_match(value)
}

/// `limit` and `cursor`, as every paginated list takes them.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Rows per page: 20 when absent, at most 100.
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl PageParams {
    pub fn limit(&self) -> AppResult<i64> {
        clamp_limit("limit", self.limit)
    }
}

/// Parses an optional date query parameter, naming it when it is wrong.
pub fn date_param(field: &str, value: &Option<String>) -> AppResult<Option<Date>> {
    match value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => Date::parse(v)
            .map(Some)
            .ok_or_else(|| AppError::bad_field(field, format!("{v:?} is not a date (YYYY-MM-DD)"))),
    }
}

/// Parses an optional id query parameter (empty is absent), naming it when it is wrong.
pub fn uuid_param(field: &str, value: &Option<String>) -> AppResult<Option<String>> {
    value
        .as_deref()
        .filter(|v| !v.is_empty())
        .map(|v| crate::types::parse_uuid(field, v))
        .transpose()
}

/// Error handler for actix extractors (query strings, paths): `400` problem+json.
pub fn extractor_error(err: impl std::fmt::Display) -> actix_web::Error {
    ApiError(AppError::bad_request(format!(
        "the request is malformed: {err}"
    )))
    .into()
}

/// Turns error responses that are not problem+json yet (unknown routes, wrong methods,
/// oversized bodies, framework errors) into problem+json with the contract's codes.
pub fn problem_for_framework_errors<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(PROBLEM_JSON) || v.starts_with("application/json"));
    if is_problem {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let error = match status.as_u16() {
        400 => AppError::bad_request("the request is malformed"),
        401 => AppError::Unauthenticated("this needs a valid bearer token".into()),
        404 => AppError::not_found("there is nothing at this address"),
        405 => AppError::bad_request("this method is not allowed here"),
        413 => AppError::PayloadTooLarge {
            limit_bytes: crate::app::MAX_BODY_BYTES,
        },
        415 => AppError::bad_request("the body must be application/json"),
        408 => AppError::bad_request("the request took too long to arrive"),
        s if s >= 500 => AppError::Internal(format!("framework error {status}")),
        _ => AppError::bad_request(
            status
                .canonical_reason()
                .unwrap_or("bad request")
                .to_string(),
        ),
    };
    let mut problem = problem(&error);
    // Keep the framework's status where it is more precise than our code's (405, 415, 408).
    problem.status = status.as_u16();
    problem.title = status.canonical_reason().unwrap_or("Error").to_string();
    let body = serde_json::to_vec(&problem).unwrap_or_default();
    let (req, old) = res.into_parts();
    let mut builder = HttpResponse::build(status);
    for (name, value) in old.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            builder.append_header((name.clone(), value.clone()));
        }
    }
    if status.as_u16() == 401 {
        builder.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"oversight\""));
    }
    let new: HttpResponse<BoxBody> = builder.content_type(PROBLEM_JSON).body(body);
    let res = ServiceResponse::new(req, new).map_body(|_, b| EitherBody::right(b));
    Ok(ErrorHandlerResponse::Response(res))
}

/// Whether the caller asked for CSV (`Accept: text/csv`, or `?format=csv`).
pub fn wants_csv(req: &HttpRequest) -> bool {
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.split(',').any(|p| p.trim().starts_with("text/csv")));
    accept || req.query_string().split('&').any(|kv| kv == "format=csv")
}

/// Rows fetched per statement while streaming an export.
pub const EXPORT_PAGE: i64 = 500;

/// Streams every page of a list as CSV: the header, then each page as it is read, so an
/// export of any size holds one page in memory.
pub fn csv_stream<T, F, Fut>(
    filename: &str,
    header: &'static [&'static str],
    row: fn(&T) -> Vec<String>,
    fetch: F,
) -> HttpResponse
where
    T: 'static,
    F: FnMut(Option<String>) -> Fut + 'static,
    Fut: std::future::Future<Output = AppResult<crate::types::Page<T>>> + 'static,
{
    use futures_util::stream;
    enum State<F> {
        Start(F),
        More(F, String),
        Done,
    }
    let body = stream::unfold(State::Start(fetch), move |state| async move {
        let (mut fetch, cursor, first) = match state {
            State::Start(f) => (f, None, true),
            State::More(f, c) => (f, Some(c), false),
            State::Done => return None,
        };
        let mut out = if first {
            crate::csv::line(header)
        } else {
            String::new()
        };
        match fetch(cursor).await {
            Ok(page) => {
                let mut lines = crate::csv::Lines::default();
                for item in &page.items {
                    lines.push(&row(item));
                }
                out.push_str(&lines.into_string());
                let next = match page.next_cursor {
                    Some(c) => State::More(fetch, c),
                    None => State::Done,
                };
                Some((
                    Ok::<_, actix_web::Error>(actix_web::web::Bytes::from(out)),
                    next,
                ))
            }
            Err(e) => {
                // The status line has gone: log, and end the body short of its rows.
                tracing::error!(error = %e, "export stopped");
                Some((Ok(actix_web::web::Bytes::from(out)), State::Done))
            }
        }
    });
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .streaming(body)
}
