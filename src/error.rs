//! The one error type: every failure maps to an RFC 9457 problem (REST) and to the same
//! `code` in GraphQL error extensions. Causes are logged once and never shown to clients.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// One invalid field of a request.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct FieldError {
    /// The field, as a dotted path into the request (`addressees.forces[0]`), or a query parameter.
    pub field: String,
    pub message: String,
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    Unauthenticated(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{detail}")]
    BadRequest {
        detail: String,
        field: Option<String>,
    },
    #[error("the request is not valid")]
    Validation(Vec<FieldError>),
    #[error("{0}")]
    Conflict(String),
    #[error("the resource has changed: it is at version {current}")]
    VersionMismatch { current: i32 },
    #[error("this change needs an If-Match header carrying the ETag last read")]
    PreconditionRequired,
    #[error("the request body is larger than {limit_bytes} bytes")]
    PayloadTooLarge { limit_bytes: usize },
    #[error("too many requests; retry after {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    #[error("{0}")]
    Unavailable(String),
    #[error("{0}")]
    Internal(String),
}

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

impl AppError {
    pub fn not_found(what: impl Into<String>) -> Self {
        AppError::NotFound(what.into())
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        AppError::BadRequest {
            detail: detail.into(),
            field: None,
        }
    }

    pub fn bad_field(field: impl Into<String>, detail: impl Into<String>) -> Self {
        AppError::BadRequest {
            detail: detail.into(),
            field: Some(field.into()),
        }
    }

    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::Validation(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthenticated(_) => "unauthenticated",
            AppError::Forbidden(_) => "forbidden",
            AppError::NotFound(_) => "not_found",
            AppError::BadRequest { .. } => "bad_request",
            AppError::Validation(_) => "validation_failed",
            AppError::Conflict(_) => "conflict",
            AppError::VersionMismatch { .. } => "version_mismatch",
            AppError::PreconditionRequired => "precondition_required",
            AppError::PayloadTooLarge { .. } => "payload_too_large",
            AppError::RateLimited { .. } => "rate_limited",
            AppError::Unavailable(_) => "unavailable",
            AppError::Internal(_) => "internal",
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::VersionMismatch { .. } => StatusCode::PRECONDITION_FAILED,
            AppError::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            AppError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// What the client is told: never the internal cause of a 500 or 503.
    pub fn detail(&self) -> String {
        match self {
            AppError::Internal(_) => "An internal error occurred; it has been logged.".into(),
            AppError::Unavailable(_) => {
                "The service cannot reach its database just now; try again shortly.".into()
            }
            AppError::Validation(errors) => {
                let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
                format!("The request is not valid: {}.", fields.join(", "))
            }
            other => other.to_string(),
        }
    }

    pub fn field_errors(&self) -> Option<Vec<FieldError>> {
        match self {
            AppError::Validation(errors) => Some(errors.clone()),
            AppError::BadRequest {
                detail,
                field: Some(field),
            } => Some(vec![FieldError {
                field: field.clone(),
                message: detail.clone(),
            }]),
            _ => None,
        }
    }

    pub fn problem(&self) -> Problem {
        let status = self.status();
        Problem {
            kind: format!("urn:oversight:problem:{}", self.code()),
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            detail: self.detail(),
            code: self.code().to_string(),
            errors: self.field_errors(),
        }
    }

    /// Logs what the client will not see.
    fn log(&self) {
        match self {
            AppError::Internal(cause) => tracing::error!(error.cause = %cause, "internal error"),
            AppError::Unavailable(cause) => tracing::warn!(error.cause = %cause, "unavailable"),
            _ => {}
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        self.status()
    }

    fn error_response(&self) -> HttpResponse {
        self.log();
        let mut builder = HttpResponse::build(self.status());
        builder.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
        match self {
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
        let body = serde_json::to_vec(&self.problem()).unwrap_or_default();
        builder.body(body)
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind as K, Error as E};
        match e {
            E::NotFound => AppError::NotFound("not found".into()),
            E::DatabaseError(kind, info) => {
                let message = info.message().to_string();
                match kind {
                    K::UniqueViolation => AppError::Conflict(
                        "a resource with the same identity already exists".into(),
                    ),
                    K::ForeignKeyViolation => AppError::Conflict(
                        "the change refers to something that does not exist".into(),
                    ),
                    K::CheckViolation | K::NotNullViolation => {
                        AppError::Validation(vec![FieldError {
                            field: info.column_name().unwrap_or("body").to_string(),
                            message: "the value is not allowed".into(),
                        }])
                    }
                    K::SerializationFailure => AppError::Conflict(
                        "a concurrent change got there first; retry the request".into(),
                    ),
                    K::ClosedConnection | K::UnableToSendCommand => AppError::Unavailable(message),
                    _ if lost_database(&message) => AppError::Unavailable(message),
                    _ => AppError::Internal(format!("database error: {message}")),
                }
            }
            E::BrokenTransactionManager => {
                AppError::Unavailable("broken transaction manager".into())
            }
            other => AppError::Internal(format!("database error: {other}")),
        }
    }
}

/// Messages of a database that went away or is overloaded, rather than of a bad query.
fn lost_database(message: &str) -> bool {
    const SIGNS: [&str; 8] = [
        "database is locked",
        "busy",
        "server closed the connection",
        "terminating connection",
        "connection to server",
        "could not connect",
        "no connection to the server",
        "the database system is",
    ];
    let m = message.to_ascii_lowercase();
    SIGNS.iter().any(|s| m.contains(s))
}

impl From<r2d2::Error> for AppError {
    fn from(e: r2d2::Error) -> Self {
        AppError::Unavailable(format!("database pool: {e}"))
    }
}

/// Turns service results into GraphQL errors with the REST `code` in `extensions`.
pub trait IntoGql<T> {
    fn gql(self) -> async_graphql::Result<T>;
}

impl<T> IntoGql<T> for Result<T, AppError> {
    fn gql(self) -> async_graphql::Result<T> {
        self.map_err(|e| e.to_gql())
    }
}

impl AppError {
    pub fn to_gql(&self) -> async_graphql::Error {
        self.log();
        use async_graphql::ErrorExtensions;
        let mut err = async_graphql::Error::new(self.detail());
        let code = self.code();
        let status = self.status().as_u16();
        let errors = self.field_errors();
        err = err.extend_with(|_, ext| {
            ext.set("code", code);
            ext.set("status", status);
            if let Some(errors) = &errors {
                let list: Vec<async_graphql::Value> = errors
                    .iter()
                    .map(|e| {
                        let mut m = async_graphql::indexmap::IndexMap::new();
                        m.insert(
                            async_graphql::Name::new("field"),
                            async_graphql::Value::from(e.field.clone()),
                        );
                        m.insert(
                            async_graphql::Name::new("message"),
                            async_graphql::Value::from(e.message.clone()),
                        );
                        async_graphql::Value::Object(m)
                    })
                    .collect();
                ext.set("errors", async_graphql::Value::List(list));
            }
        });
        err
    }
}

pub type AppResult<T> = Result<T, AppError>;
