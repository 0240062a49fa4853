//! `/v1/forces`: reading forces and their worklists, and (admin) changing forces and governance.

use actix_web::{HttpResponse, get, post, put, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::Caller;
use crate::forces::model::Force;
use crate::forces::service;
use crate::rest::Answer;
use crate::rest::Problem;
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
pub async fn list_forces(ctx: Caller) -> Answer {
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
pub async fn get_force(ctx: Caller, path: web::Path<String>) -> Answer {
    let force = service::get(&ctx, &path).await?;
    Ok(ok_with_etag(force.version, &force))
}

#[derive(Serialize, ToSchema)]
pub struct Worklist {
    pub items: Vec<crate::forces::worklist::WorklistEntry>,
    pub next_cursor: Option<String>,
}

/// The force's worklist: every inspection in its scope, newest first, with the status of its
/// response, its PCC response and its Section 55 duty. Takes the filters of `/v1/inspections`.
#[utoipa::path(tag = "forces", params(("force" = String, Path, description = "Force id"),
    crate::rest::inspections::InspectionParams, crate::rest::PageParams), responses(
    (status = 200, description = "A page of the worklist", body = Worklist),
    (status = 404, description = "No such force", body = Problem, content_type = "application/problem+json"),
))]
#[get("/forces/{force}/inspections")]
pub async fn worklist(
    ctx: Caller,
    path: web::Path<String>,
    params: web::Query<crate::rest::inspections::InspectionParams>,
    page: web::Query<crate::rest::PageParams>,
) -> Answer {
    let page = crate::forces::worklist::list(
        &ctx,
        &path,
        params.filter()?,
        page.limit()?,
        page.cursor.clone(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(crate::types::ListBody::from(page)))
}

/// Creates (`201`) or changes (`If-Match`) a force (admin).
#[utoipa::path(tag = "forces", params(("force" = String, Path, description = "Force id"),
    ("If-Match" = Option<String>, Header, description = "The ETag last read; required once the force exists")),
    request_body = crate::forces::model::ForceInput, responses(
    (status = 200, description = "Changed", body = Force),
    (status = 201, description = "Created", body = Force),
    (status = 401, description = "No token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Not admin", body = Problem, content_type = "application/problem+json"),
    (status = 412, description = "Stale If-Match", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    (status = 428, description = "No If-Match", body = Problem, content_type = "application/problem+json"),
))]
#[put("/forces/{force}")]
pub async fn put_force(
    ctx: Caller,
    req: actix_web::HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Answer {
    let pre = crate::rest::precondition(&req)?;
    let (force, new) = service::put_force(&ctx, &path, pre, crate::write::Body::Json(body)).await?;
    Ok(crate::rest::created_or_ok(
        new,
        force.version,
        req.path(),
        &force,
    ))
}

/// Records a change of governance (admin): the body named answers from `valid_from`; the one in
/// office until then stops the day before.
#[utoipa::path(tag = "forces", params(("force" = String, Path, description = "Force id")),
    request_body = crate::forces::model::GovernanceInput, responses(
    (status = 201, description = "Recorded; the force with its governance", body = Force),
    (status = 401, description = "No token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Not admin", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such force", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
))]
#[post("/forces/{force}/governance")]
pub async fn add_governance(ctx: Caller, path: web::Path<String>, body: web::Bytes) -> Answer {
    let force = service::add_governance(&ctx, &path, crate::write::Body::Json(body)).await?;
    Ok(crate::rest::created(
        force.version,
        &format!("/v1/forces/{}", force.id),
        &force,
    ))
}
