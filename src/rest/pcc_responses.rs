//! `/v1/forces/{force}/inspections/{id}/pcc-response`, its publication and its revisions.

use actix_web::web::{Bytes, Path, Query};
use actix_web::{HttpRequest, HttpResponse, get, post, put};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::Caller;
use crate::pcc_responses::model::{PccResponse, PccResponseInput, Revision};
use crate::pcc_responses::service;
use crate::rest::Answer;
use crate::rest::Problem;
use crate::rest::{PageParams, ok_with_etag, precondition};
use crate::types::ListBody;
use crate::write::Body;

/// The PCC response with its office checklist and Section 55 status.
#[utoipa::path(tag = "pcc-responses", params(("force" = String, Path, description = "Force id"), ("id" = uuid::Uuid, Path, description = "Inspection id")), responses(
    (status = 200, description = "The PCC response", body = PccResponse),
    (status = 404, description = "None yet, or a draft the caller may not read", body = Problem, content_type = "application/problem+json"),
))]
#[get("/forces/{force}/inspections/{id}/pcc-response")]
pub async fn get_pcc_response(ctx: Caller, path: Path<(String, String)>) -> Answer {
    let r = service::get(&ctx, &path.0, &path.1).await?;
    Ok(ok_with_etag(r.version, &r))
}

/// Creates (`201`, no `If-Match`) or changes (`If-Match`) the PCC response (`opcc_editor`).
/// Once published, changed comments are published at once as a new revision; checklist dates
/// change in place.
#[utoipa::path(tag = "pcc-responses", params(("force" = String, Path, description = "Force id"), ("id" = uuid::Uuid, Path, description = "Inspection id"),
    ("If-Match" = Option<String>, Header, description = "The ETag last read; required once the response exists")),
    request_body = PccResponseInput, responses(
    (status = 200, description = "Changed", body = PccResponse),
    (status = 201, description = "Created", body = PccResponse),
    (status = 403, description = "Not an opcc_editor of this force", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "Not the caller's force, or the inspection does not cover it", body = Problem, content_type = "application/problem+json"),
    (status = 412, description = "Stale If-Match", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    (status = 428, description = "No If-Match", body = Problem, content_type = "application/problem+json"),
))]
#[put("/forces/{force}/inspections/{id}/pcc-response")]
pub async fn put_pcc_response(
    ctx: Caller,
    req: HttpRequest,
    path: Path<(String, String)>,
    body: Bytes,
) -> Answer {
    let pre = precondition(&req)?;
    let (r, new) = service::put(&ctx, &path.0, &path.1, pre, Body::Json(body)).await?;
    Ok(crate::rest::created_or_ok(new, r.version, req.path(), &r))
}

/// Publishes the PCC response. Section 55(5B): refused (`422`) while any recommendation
/// addressed to the force has no response; each is named in `errors`.
#[utoipa::path(tag = "pcc-responses", params(("force" = String, Path, description = "Force id"), ("id" = uuid::Uuid, Path, description = "Inspection id")), responses(
    (status = 200, description = "Published", body = PccResponse),
    (status = 403, description = "Not an opcc_editor of this force", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No PCC response, or not the caller's force", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Recommendations without a response (Section 55(5B))", body = Problem, content_type = "application/problem+json"),
))]
#[post("/forces/{force}/inspections/{id}/pcc-response/publish")]
pub async fn publish_pcc_response(ctx: Caller, path: Path<(String, String)>) -> Answer {
    let r = service::publish(&ctx, &path.0, &path.1).await?;
    Ok(ok_with_etag(r.version, &r))
}

#[derive(Serialize, ToSchema)]
pub struct RevisionList {
    pub items: Vec<Revision>,
    pub next_cursor: Option<String>,
}

/// Every published revision of the PCC response, oldest first.
#[utoipa::path(tag = "pcc-responses", params(("force" = String, Path, description = "Force id"), ("id" = uuid::Uuid, Path, description = "Inspection id"), PageParams), responses(
    (status = 200, description = "The revisions", body = RevisionList),
    (status = 404, description = "No PCC response the caller may read", body = Problem, content_type = "application/problem+json"),
))]
#[get("/forces/{force}/inspections/{id}/pcc-response/revisions")]
pub async fn list_revisions(
    ctx: Caller,
    path: Path<(String, String)>,
    page: Query<PageParams>,
) -> Answer {
    let page =
        service::revisions(&ctx, &path.0, &path.1, page.limit()?, page.cursor.clone()).await?;
    Ok(HttpResponse::Ok().json(ListBody::from(page)))
}
