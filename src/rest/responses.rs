//! `/v1/forces/{force}/inspections/{id}/response` and `/v1/forces/{force}/items/{id}/response`.

use actix_web::web::{Bytes, Path};
use actix_web::{HttpRequest, HttpResponse, get, put};

use crate::app::Caller;
use crate::responses::model::{ForceResponse, ForceResponseInput, ItemResponse, ItemResponseInput};
use crate::responses::service;
use crate::rest::Answer;
use crate::rest::Problem;
use crate::rest::{ok_with_etag, precondition};
use crate::write::Body;

/// The chief constable's response to an inspection.
#[utoipa::path(tag = "responses", params(("force" = String, Path, description = "Force id"), ("id" = uuid::Uuid, Path, description = "Inspection id")), responses(
    (status = 200, description = "The response", body = ForceResponse),
    (status = 404, description = "None yet, or not the caller's to read", body = Problem, content_type = "application/problem+json"),
))]
#[get("/forces/{force}/inspections/{id}/response")]
pub async fn get_force_response(ctx: Caller, path: Path<(String, String)>) -> Answer {
    let r = service::get_force_response(&ctx, &path.0, &path.1).await?;
    Ok(ok_with_etag(r.version, &r))
}

/// Creates (`201`, no `If-Match`) or changes (`If-Match`) the chief constable's response
/// (`force_editor`). `status: submitted` submits it; a submitted response stays submitted.
#[utoipa::path(tag = "responses", params(("force" = String, Path, description = "Force id"), ("id" = uuid::Uuid, Path, description = "Inspection id"),
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
    ctx: Caller,
    req: HttpRequest,
    path: Path<(String, String)>,
    body: Bytes,
) -> Answer {
    let pre = precondition(&req)?;
    let (r, new) =
        service::put_force_response(&ctx, &path.0, &path.1, pre, Body::Json(body)).await?;
    Ok(crate::rest::created_or_ok(new, r.version, req.path(), &r))
}

/// A force's response to an item.
#[utoipa::path(tag = "responses", params(("force" = String, Path, description = "Force id"), ("id" = uuid::Uuid, Path, description = "Item id")), responses(
    (status = 200, description = "The item response", body = ItemResponse),
    (status = 404, description = "None yet, not addressed to the force, or not the caller's to read", body = Problem, content_type = "application/problem+json"),
))]
#[get("/forces/{force}/items/{id}/response")]
pub async fn get_item_response(ctx: Caller, path: Path<(String, String)>) -> Answer {
    let r = service::get_item_response(&ctx, &path.0, &path.1).await?;
    Ok(ok_with_etag(r.version, &r))
}

/// Creates or changes a force's response to an item: `acceptance` and `response` by the
/// force's `force_editor` (its `opcc_editor` for items addressed to policing bodies),
/// `hmicfrs_status` by the inspectorate.
#[utoipa::path(tag = "responses", params(("force" = String, Path, description = "Force id"), ("id" = uuid::Uuid, Path, description = "Item id"),
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
    ctx: Caller,
    req: HttpRequest,
    path: Path<(String, String)>,
    body: Bytes,
) -> Answer {
    let pre = precondition(&req)?;
    let (r, new) =
        service::put_item_response(&ctx, &path.0, &path.1, pre, Body::Json(body)).await?;
    Ok(crate::rest::created_or_ok(new, r.version, req.path(), &r))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ItemResponseParams {
    /// Only responses to this inspection's items.
    pub inspection: Option<String>,
    /// Only this force's responses.
    pub force: Option<String>,
    pub acceptance: Option<String>,
    pub hmicfrs_status: Option<String>,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ItemResponseList {
    pub items: Vec<service::ItemResponseEntry>,
    pub next_cursor: Option<String>,
}

/// Item responses across every force whose work the caller may read (a force's own, and
/// others' once submitted for analysts and the inspectorate), by item then force. `Accept:
/// text/csv` (or `?format=csv`) streams every match as CSV.
#[utoipa::path(tag = "responses", params(ItemResponseParams, crate::rest::PageParams), responses(
    (status = 200, description = "A page of item responses, or all of them as CSV", content(
        (ItemResponseList = "application/json"),
        (String = "text/csv"),
    )),
    (status = 401, description = "No token", body = Problem, content_type = "application/problem+json"),
))]
#[get("/item-responses")]
pub async fn list_item_responses(
    ctx: Caller,
    req: HttpRequest,
    q: actix_web::web::Query<ItemResponseParams>,
    page: actix_web::web::Query<crate::rest::PageParams>,
) -> Answer {
    use crate::responses::model::{Acceptance, HmicfrsStatus};
    let filter = service::ItemResponseFilter {
        inspection: crate::rest::uuid_param("inspection", &q.inspection)?,
        force: q.force.clone().filter(|f| !f.is_empty()),
        acceptance: Acceptance::from_param("acceptance", &q.acceptance)?,
        hmicfrs_status: HmicfrsStatus::from_param("hmicfrs_status", &q.hmicfrs_status)?,
    };
    if crate::rest::wants_csv(&req) {
        crate::auth::policy::require_signed_in(&ctx.principal)?;
        const HEADER: &[&str] = &[
            "inspection_id",
            "item_id",
            "item_kind",
            "item_number",
            "force_id",
            "acceptance",
            "hmicfrs_status",
            "response",
            "version",
            "updated_at",
        ];
        fn row(e: &service::ItemResponseEntry) -> Vec<String> {
            let r = &e.response;
            vec![
                r.inspection_id.clone(),
                r.item_id.clone(),
                e.item_kind.to_string(),
                e.item_number.to_string(),
                r.force_id.clone(),
                r.acceptance.map(|a| a.to_string()).unwrap_or_default(),
                r.hmicfrs_status.to_string(),
                r.response.clone(),
                r.version.to_string(),
                r.updated_at.to_string(),
            ]
        }
        return Ok(crate::rest::csv_stream(
            "item-responses.csv",
            HEADER,
            row,
            move |cursor| {
                let (ctx, filter) = (ctx.clone(), filter.clone());
                async move { service::list_across(&ctx, filter, crate::rest::EXPORT_PAGE, cursor).await }
            },
        ));
    }
    let page = service::list_across(&ctx, filter, page.limit()?, page.cursor.clone()).await?;
    Ok(HttpResponse::Ok().json(crate::types::ListBody::from(page)))
}
