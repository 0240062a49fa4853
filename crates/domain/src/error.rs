//! The one error type. Each failure has a stable `code` and an HTTP status, which REST
//! writes as an RFC 9457 problem (`rest::problem`) and GraphQL as error extensions
//! (`graphql::errors`). Causes are logged once and never shown to clients.

use serde::Serialize;
use utoipa::ToSchema;

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

    /// The HTTP status of the failure, which GraphQL's extensions carry too.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Unauthenticated(_) => 401,
            AppError::Forbidden(_) => 403,
            AppError::NotFound(_) => 404,
            AppError::BadRequest { .. } => 400,
            AppError::Validation(_) => 422,
            AppError::Conflict(_) => 409,
            AppError::VersionMismatch { .. } => 412,
            AppError::PreconditionRequired => 428,
            AppError::PayloadTooLarge { .. } => 413,
            AppError::RateLimited { .. } => 429,
            AppError::Unavailable(_) => 503,
            AppError::Internal(_) => 500,
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

    /// Logs what the client will not see.
    pub fn log(&self) {
        match self {
            AppError::Internal(cause) => tracing::error!(error.cause = %cause, "internal error"),
            AppError::Unavailable(cause) => tracing::warn!(error.cause = %cause, "unavailable"),
            _ => {}
        }
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

pub type AppResult<T> = Result<T, AppError>;
