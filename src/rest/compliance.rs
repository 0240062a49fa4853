//! `GET /v1/compliance/section55`.

use actix_web::web::Query;
use actix_web::{HttpResponse, get};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::Caller;
use crate::compliance::service::{ComplianceRow, section55};
use crate::rest::Answer;
use crate::rest::Problem;
use crate::rest::date_param;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodParams {
    /// Inspections published on or after (YYYY-MM-DD).
    pub published_from: Option<String>,
    /// Inspections published on or before (YYYY-MM-DD).
    pub published_to: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ComplianceList {
    /// One row for every force, by id; not paginated.
    pub items: Vec<ComplianceRow>,
}

/// Section 55 compliance: per force, how many inspections of the period stand in each state
/// (analysts, the inspectorate, admin).
#[utoipa::path(tag = "compliance", params(PeriodParams), responses(
    (status = 200, description = "Every force's counts", body = ComplianceList),
    (status = 401, description = "No token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Not a national role", body = Problem, content_type = "application/problem+json"),
))]
#[get("/compliance/section55")]
pub async fn compliance(
    ctx: Caller,
    req: actix_web::HttpRequest,
    q: Query<PeriodParams>,
) -> Answer {
    let from = date_param("published_from", &q.published_from)?;
    let to = date_param("published_to", &q.published_to)?;
    let items = section55(&ctx, from, to).await?;
    if crate::rest::wants_csv(&req) {
        let mut out = crate::csv::line(&[
            "force_id",
            "not_due",
            "due_soon",
            "overdue",
            "published_on_time",
            "published_late",
        ]);
        for r in &items {
            let cells = [
                r.not_due,
                r.due_soon,
                r.overdue,
                r.published_on_time,
                r.published_late,
            ]
            .map(|n| n.to_string());
            out.push_str(&crate::csv::line(&[
                r.force_id.as_str(),
                &cells[0],
                &cells[1],
                &cells[2],
                &cells[3],
                &cells[4],
            ]));
        }
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                "content-disposition",
                "attachment; filename=\"section55-compliance.csv\"",
            ))
            .body(out));
    }
    Ok(HttpResponse::Ok().json(ComplianceList { items }))
}
