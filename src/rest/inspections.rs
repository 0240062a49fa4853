//! `/v1/inspections`.

use actix_web::web::{Bytes, Path, Query};
use actix_web::{HttpRequest, HttpResponse, get, patch, post};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::Caller;
use crate::error::AppResult;
use crate::inspections::model::{Inspection, InspectionFilter, InspectionPatch, NewInspection};
use crate::inspections::service;
use crate::rest::Answer;
use crate::rest::Problem;
use crate::rest::{PageParams, created, date_param, ok_with_etag, precondition};
use crate::types::ListBody;
use crate::write::Body;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InspectionParams {
    /// Only inspections covering this force.
    pub force: Option<String>,
    /// Only inspections of this publication type (whole type, case-insensitive).
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub kind: Option<String>,
    /// Published on or after (YYYY-MM-DD).
    pub published_from: Option<String>,
    /// Published on or before (YYYY-MM-DD).
    pub published_to: Option<String>,
    /// Words in the title or key findings.
    pub q: Option<String>,
}

impl InspectionParams {
    pub fn filter(&self) -> AppResult<InspectionFilter> {
        Ok(InspectionFilter {
            force: self.force.clone().filter(|f| !f.is_empty()),
            kind: self.kind.clone(),
            published_from: date_param("published_from", &self.published_from)?,
            published_to: date_param("published_to", &self.published_to)?,
            q: self.q.clone(),
        })
    }
}

#[derive(Serialize, ToSchema)]
pub struct InspectionList {
    pub items: Vec<Inspection>,
    pub next_cursor: Option<String>,
}

/// Inspections the caller may read, newest first.
#[utoipa::path(tag = "inspections", params(InspectionParams, PageParams), responses(
    (status = 200, description = "A page of inspections", body = InspectionList),
    (status = 400, description = "A malformed parameter", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "An unknown force", body = Problem, content_type = "application/problem+json"),
))]
#[get("/inspections")]
pub async fn list_inspections(
    ctx: Caller,
    req: HttpRequest,
    params: Query<InspectionParams>,
    page: Query<PageParams>,
) -> Answer {
    let filter = params.filter()?;
    if crate::rest::wants_csv(&req) {
        crate::auth::policy::require_public_read(&ctx.principal, &ctx.policy)?;
        const HEADER: &[&str] = &[
            "id",
            "title",
            "published_on",
            "publication_types",
            "report_url",
            "all_forces",
            "forces",
            "section55_deadline",
            "version",
            "updated_at",
        ];
        fn row(i: &Inspection) -> Vec<String> {
            vec![
                i.id.clone(),
                i.title.clone(),
                i.published_on.to_string(),
                i.publication_types.join("; "),
                i.report_url.clone().unwrap_or_default(),
                i.scope.all_forces.to_string(),
                i.scope.forces.join(" "),
                i.section55_deadline.to_string(),
                i.version.to_string(),
                i.updated_at.to_string(),
            ]
        }
        return Ok(crate::rest::csv_stream(
            "inspections.csv",
            HEADER,
            row,
            move |cursor| {
                let (ctx, filter) = (ctx.clone(), filter.clone());
                async move { service::list(&ctx, filter, crate::rest::EXPORT_PAGE, cursor).await }
            },
        ));
    }
    let page = service::list(&ctx, filter, page.limit()?, page.cursor.clone()).await?;
    Ok(HttpResponse::Ok().json(ListBody::from(page)))
}

/// Records a newly published inspection (inspectorate, admin).
#[utoipa::path(tag = "inspections", request_body = NewInspection, responses(
    (status = 201, description = "Created", body = Inspection),
    (status = 401, description = "No token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Not the inspectorate", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
))]
#[post("/inspections")]
pub async fn create_inspection(ctx: Caller, body: Bytes) -> Answer {
    let created_ = service::create(&ctx, Body::Json(body)).await?;
    Ok(created(
        created_.version,
        &format!("/v1/inspections/{}", created_.id),
        &created_,
    ))
}

/// One inspection.
#[utoipa::path(tag = "inspections", params(("id" = uuid::Uuid, Path, description = "Inspection id")), responses(
    (status = 200, description = "The inspection", body = Inspection),
    (status = 404, description = "No such inspection, or under embargo", body = Problem, content_type = "application/problem+json"),
))]
#[get("/inspections/{id}")]
pub async fn get_inspection(ctx: Caller, id: Path<String>) -> Answer {
    let inspection = service::get(&ctx, &id).await?;
    Ok(ok_with_etag(inspection.version, &inspection))
}

/// Changes an inspection (inspectorate, admin); needs `If-Match`.
#[utoipa::path(tag = "inspections", params(("id" = uuid::Uuid, Path, description = "Inspection id"),
    ("If-Match" = String, Header, description = "The ETag last read")), request_body = InspectionPatch, responses(
    (status = 200, description = "The changed inspection", body = Inspection),
    (status = 403, description = "Not the inspectorate", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such inspection", body = Problem, content_type = "application/problem+json"),
    (status = 412, description = "Stale If-Match", body = Problem, content_type = "application/problem+json"),
    (status = 428, description = "No If-Match", body = Problem, content_type = "application/problem+json"),
))]
#[patch("/inspections/{id}")]
pub async fn patch_inspection(
    ctx: Caller,
    req: HttpRequest,
    id: Path<String>,
    body: Bytes,
) -> Answer {
    let pre = precondition(&req)?;
    let inspection = service::update(&ctx, &id, pre, Body::Json(body)).await?;
    Ok(ok_with_etag(inspection.version, &inspection))
}
