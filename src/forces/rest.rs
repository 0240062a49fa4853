//! `GET /v1/forces` and `GET /v1/forces/{force}`.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::model::Force;
use super::service;
use crate::app::Ctx;
use crate::error::{AppResult, Problem};
use crate::rest::ok_with_etag;

#[derive(Serialize, ToSchema)]
pub struct ForceList {
    pub items: Vec<Force>,
    /// Always null: the list of forces is not paginated.
    pub next_cursor: Option<String>,
}

/// Every force with the policing body in office today.
#[utoipa::path(tag = "forces", responses(
    (status = 200, description = "Every force", body = ForceList),
    (status = 401, description = "The token did not verify", body = Problem, content_type = "application/problem+json"),
))]
#[get("/forces")]
pub async fn list_forces(ctx: Ctx) -> AppResult<HttpResponse> {
    let items = service::list(&ctx).await?;
    Ok(HttpResponse::Ok().json(ForceList {
        items,
        next_cursor: None,
    }))
}

/// One force.
#[utoipa::path(tag = "forces", params(("force" = String, Path, description = "Force id, e.g. `norfolk`")), responses(
    (status = 200, description = "The force", body = Force),
    (status = 404, description = "No such force", body = Problem, content_type = "application/problem+json"),
))]
#[get("/forces/{force}")]
pub async fn get_force(ctx: Ctx, path: web::Path<String>) -> AppResult<HttpResponse> {
    let force = service::get(&ctx, &path).await?;
    Ok(ok_with_etag(force.version, &force))
}

#[derive(Serialize, ToSchema)]
pub struct Worklist {
    pub items: Vec<super::worklist::WorklistEntry>,
    pub next_cursor: Option<String>,
}

/// The force's worklist: every inspection in its scope, newest first, with the status of its
/// response, its PCC response and its Section 55 duty. Takes the filters of `/v1/inspections`.
#[utoipa::path(tag = "forces", params(("force" = String, Path, description = "Force id"),
    crate::inspections::rest::InspectionParams, crate::rest::PageParams), responses(
    (status = 200, description = "A page of the worklist", body = Worklist),
    (status = 404, description = "No such force", body = Problem, content_type = "application/problem+json"),
))]
#[get("/forces/{force}/inspections")]
pub async fn worklist(
    ctx: Ctx,
    path: web::Path<String>,
    params: web::Query<crate::inspections::rest::InspectionParams>,
    page: web::Query<crate::rest::PageParams>,
) -> AppResult<HttpResponse> {
    let page = super::worklist::list(
        &ctx,
        &path,
        params.filter()?,
        page.limit()?,
        page.cursor.clone(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(crate::types::ListBody::from(page)))
}
