//! `/v1/inspections/{id}/items` and `/v1/items/{id}`.

use actix_web::web::{Bytes, Path, Query};
use actix_web::{HttpRequest, HttpResponse, get, patch, post};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::Caller;
use crate::items::model::{Item, ItemKind, ItemPatch, NewItem};
use crate::items::service;
use crate::rest::Answer;
use crate::rest::Problem;
use crate::rest::{PageParams, created, ok_with_etag, precondition};
use crate::types::ListBody;
use crate::write::Body;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ItemParams {
    /// Only items of this kind: recommendation, area_for_improvement, cause_of_concern.
    pub kind: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ItemList {
    pub items: Vec<Item>,
    pub next_cursor: Option<String>,
}

/// The items of an inspection: recommendations, then areas for improvement, then causes of
/// concern, each by number.
#[utoipa::path(tag = "items", params(("id" = uuid::Uuid, Path, description = "Inspection id"), ItemParams, PageParams), responses(
    (status = 200, description = "A page of items", body = ItemList),
    (status = 404, description = "No such inspection", body = Problem, content_type = "application/problem+json"),
))]
#[get("/inspections/{id}/items")]
pub async fn list_items(
    ctx: Caller,
    id: Path<String>,
    params: Query<ItemParams>,
    page: Query<PageParams>,
) -> Answer {
    let kind = ItemKind::from_param("kind", &params.kind)?;
    let page = service::list(&ctx, &id, kind, page.limit()?, page.cursor.clone()).await?;
    Ok(HttpResponse::Ok().json(ListBody::from(page)))
}

/// Adds an item to an inspection (inspectorate, admin).
#[utoipa::path(tag = "items", params(("id" = uuid::Uuid, Path, description = "Inspection id")), request_body = NewItem, responses(
    (status = 201, description = "Created", body = Item),
    (status = 403, description = "Not the inspectorate", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such inspection", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "The number is taken", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
))]
#[post("/inspections/{id}/items")]
pub async fn create_item(ctx: Caller, id: Path<String>, body: Bytes) -> Answer {
    let item = service::create(&ctx, &id, Body::Json(body)).await?;
    Ok(created(
        item.version,
        &format!("/v1/items/{}", item.id),
        &item,
    ))
}

/// One item.
#[utoipa::path(tag = "items", params(("id" = uuid::Uuid, Path, description = "Item id")), responses(
    (status = 200, description = "The item", body = Item),
    (status = 404, description = "No such item", body = Problem, content_type = "application/problem+json"),
))]
#[get("/items/{id}")]
pub async fn get_item(ctx: Caller, id: Path<String>) -> Answer {
    let item = service::get(&ctx, &id).await?;
    Ok(ok_with_etag(item.version, &item))
}

/// Changes an item (inspectorate, admin); needs `If-Match`.
#[utoipa::path(tag = "items", params(("id" = uuid::Uuid, Path, description = "Item id"),
    ("If-Match" = String, Header, description = "The ETag last read")), request_body = ItemPatch, responses(
    (status = 200, description = "The changed item", body = Item),
    (status = 403, description = "Not the inspectorate", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such item", body = Problem, content_type = "application/problem+json"),
    (status = 412, description = "Stale If-Match", body = Problem, content_type = "application/problem+json"),
    (status = 428, description = "No If-Match", body = Problem, content_type = "application/problem+json"),
))]
#[patch("/items/{id}")]
pub async fn patch_item(ctx: Caller, req: HttpRequest, id: Path<String>, body: Bytes) -> Answer {
    let pre = precondition(&req)?;
    let item = service::update(&ctx, &id, pre, Body::Json(body)).await?;
    Ok(ok_with_etag(item.version, &item))
}
