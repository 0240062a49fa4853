//! `/v1/forces/{force}/inspections/{id}/response` and `/v1/forces/{force}/items/{id}/response`.

use actix_web::web::{Bytes, Path};
use actix_web::{HttpRequest, HttpResponse, get, put};

use super::model::{ForceResponse, ForceResponseInput, ItemResponse, ItemResponseInput};
use super::service;
use crate::app::Ctx;
use crate::error::{AppResult, Problem};
use crate::rest::{created, ok_with_etag, precondition};
use crate::write::Body;

/// The chief constable's response to an inspection.
#[utoipa::path(tag = "responses", params(("force" = String, Path, description = "Force id"), ("id" = String, Path, description = "Inspection id")), responses(
    (status = 200, description = "The response", body = ForceResponse),
    (status = 404, description = "None yet, or not the caller's to read", body = Problem, content_type = "application/problem+json"),
))]
#[get("/forces/{force}/inspections/{id}/response")]
pub async fn get_force_response(ctx: Ctx, path: Path<(String, String)>) -> AppResult<HttpResponse> {
    let r = service::get_force_response(&ctx, &path.0, &path.1).await?;
    Ok(ok_with_etag(r.version, &r))
}

/// Creates (`201`, no `If-Match`) or changes (`If-Match`) the chief constable's response
/// (`force_editor`). `status: submitted` submits it; a submitted response stays submitted.
#[utoipa::path(tag = "responses", params(("force" = String, Path, description = "Force id"), ("id" = String, Path, description = "Inspection id"),
    ("If-Match" = Option<String>, Header, description = "The ETag last read; required once the response exists")),
    request_body = ForceResponseInput, responses(
    (status = 200, description = "Changed", body = ForceResponse),
    (status = 201, description = "Created", body = ForceResponse),
    (status = 403, description = "Not a force_editor of this force", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "Not the caller's force, or the inspection does not cover it", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Back to draft after submission", body = Problem, content_type = "application/problem+json"),
    (status = 412, description = "Stale If-Match", body = Problem, content_type = "application/problem+json"),
    (status = 428, description = "No If-Match", body = Problem, content_type = "application/problem+json"),
))]
#[put("/forces/{force}/inspections/{id}/response")]
pub async fn put_force_response(
    ctx: Ctx,
    req: HttpRequest,
    path: Path<(String, String)>,
    body: Bytes,
) -> AppResult<HttpResponse> {
    let pre = precondition(&req)?;
    let (r, new) =
        service::put_force_response(&ctx, &path.0, &path.1, pre, Body::Json(body)).await?;
    Ok(if new {
        created(r.version, req.path(), &r)
    } else {
        ok_with_etag(r.version, &r)
    })
}

/// A force's response to an item.
#[utoipa::path(tag = "responses", params(("force" = String, Path, description = "Force id"), ("id" = String, Path, description = "Item id")), responses(
    (status = 200, description = "The item response", body = ItemResponse),
    (status = 404, description = "None yet, not addressed to the force, or not the caller's to read", body = Problem, content_type = "application/problem+json"),
))]
#[get("/forces/{force}/items/{id}/response")]
pub async fn get_item_response(ctx: Ctx, path: Path<(String, String)>) -> AppResult<HttpResponse> {
    let r = service::get_item_response(&ctx, &path.0, &path.1).await?;
    Ok(ok_with_etag(r.version, &r))
}

/// Creates or changes a force's response to an item: `acceptance` and `response` by the
/// force's `force_editor` (its `opcc_editor` for items addressed to policing bodies),
/// `hmicfrs_status` by the inspectorate.
#[utoipa::path(tag = "responses", params(("force" = String, Path, description = "Force id"), ("id" = String, Path, description = "Item id"),
    ("If-Match" = Option<String>, Header, description = "The ETag last read; required once the response exists")),
    request_body = ItemResponseInput, responses(
    (status = 200, description = "Changed", body = ItemResponse),
    (status = 201, description = "Created", body = ItemResponse),
    (status = 403, description = "The caller may read it but not make this change", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "Not addressed to the force, or not the caller's to read", body = Problem, content_type = "application/problem+json"),
    (status = 412, description = "Stale If-Match", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    (status = 428, description = "No If-Match", body = Problem, content_type = "application/problem+json"),
))]
#[put("/forces/{force}/items/{id}/response")]
pub async fn put_item_response(
    ctx: Ctx,
    req: HttpRequest,
    path: Path<(String, String)>,
    body: Bytes,
) -> AppResult<HttpResponse> {
    let pre = precondition(&req)?;
    let (r, new) =
        service::put_item_response(&ctx, &path.0, &path.1, pre, Body::Json(body)).await?;
    Ok(if new {
        created(r.version, req.path(), &r)
    } else {
        ok_with_etag(r.version, &r)
    })
}
