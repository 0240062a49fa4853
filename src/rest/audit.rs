//! `GET /v1/audit`.

use actix_web::web::Query;
use actix_web::{HttpResponse, get};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::Caller;
use crate::audit::model::{AuditEvent, Entity};
use crate::audit::service::{AuditFilter, list};
use crate::error::{AppError, AppResult};
use crate::rest::Answer;
use crate::rest::PageParams;
use crate::rest::Problem;
use crate::types::{Date, ListBody, Timestamp};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// Only this force's events.
    pub force: Option<String>,
    /// Only this kind of record.
    pub entity: Option<String>,
    /// Only this token subject's changes.
    pub actor: Option<String>,
    /// From this time (RFC 3339) or day (YYYY-MM-DD), inclusive.
    pub from: Option<String>,
    /// Until this time (RFC 3339) or day (YYYY-MM-DD), inclusive.
    pub to: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AuditList {
    pub items: Vec<AuditEvent>,
    pub next_cursor: Option<String>,
}

fn time_param(
    field: &str,
    value: &Option<String>,
    end_of_day: bool,
) -> AppResult<Option<chrono::NaiveDateTime>> {
    let Some(v) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if let Some(d) = Date::parse(v) {
        let t = if end_of_day {
            d.0.and_hms_micro_opt(23, 59, 59, 999_999)
        } else {
            d.0.and_hms_opt(0, 0, 0)
        };
        return Ok(t);
    }
    chrono::DateTime::parse_from_rfc3339(v)
        .map(|t| Some(Timestamp(t.with_timezone(&chrono::Utc)).naive()))
        .map_err(|_| AppError::bad_field(field, format!("{v:?} is not a date or an RFC 3339 time")))
}

/// The audit trail, newest first: every change with who made it, before and after. Admin reads
/// all of it; a force's own people read their force's events.
#[utoipa::path(tag = "audit", params(AuditParams, PageParams), responses(
    (status = 200, description = "A page of audit events", body = AuditList),
    (status = 401, description = "No token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Not admin nor one of a force's people", body = Problem, content_type = "application/problem+json"),
))]
#[get("/audit")]
pub async fn audit(ctx: Caller, params: Query<AuditParams>, page: Query<PageParams>) -> Answer {
    let entity = Entity::from_param("entity", &params.entity)?;
    let filter = AuditFilter {
        force: params.force.clone().filter(|f| !f.is_empty()),
        entity,
        actor: params.actor.clone().filter(|a| !a.is_empty()),
        from: time_param("from", &params.from, false)?,
        to: time_param("to", &params.to, true)?,
    };
    let page = list(&ctx, filter, page.limit()?, page.cursor.clone()).await?;
    Ok(HttpResponse::Ok().json(ListBody::from(page)))
}
