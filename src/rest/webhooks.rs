//! `/v1/webhooks`: the caller's webhooks, their deliveries and pings.

use actix_web::web::{Bytes, Data, Path, Query};
use actix_web::{HttpResponse, delete, get, post};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::{AppState, Caller};
use crate::rest::{Answer, PageParams, Problem, created, ok_with_etag};
use crate::types::ListBody;
use crate::webhooks::model::{Delivery, NewWebhook, Webhook, WebhookInput};
use crate::webhooks::service;
use crate::write::Body;

#[derive(Serialize, ToSchema)]
pub struct WebhookList {
    pub items: Vec<Webhook>,
    pub next_cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DeliveryList {
    pub items: Vec<Delivery>,
    pub next_cursor: Option<String>,
}

/// Registers a webhook (any signed-in caller). It acts as its creator: an event is delivered
/// only where the caller, with the roles and forces it has now, may read it, narrowed by
/// `forces`. The `secret` signs every delivery and is shown in this answer only.
#[utoipa::path(tag = "webhooks", request_body = WebhookInput, responses(
    (status = 201, description = "Registered", body = NewWebhook),
    (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "The caller holds 25 webhooks already", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Not an https URL, an address webhooks are not delivered to, an unknown event type or force", body = Problem, content_type = "application/problem+json"),
    (status = 503, description = "No key to keep webhook secrets with (OVERSIGHT_WEBHOOK_KEY)", body = Problem, content_type = "application/problem+json"),
))]
#[post("/webhooks")]
pub async fn create_webhook(ctx: Caller, state: Data<AppState>, body: Bytes) -> Answer {
    let w = service::register(
        &ctx,
        state.webhook_key.as_ref(),
        state.config.webhook_allow_private,
        Body::Json(body),
    )
    .await?;
    let location = format!("/v1/webhooks/{}", w.webhook.id);
    Ok(created(w.webhook.version, &location, &w))
}

/// The caller's webhooks, oldest first (an admin's: everyone's).
#[utoipa::path(tag = "webhooks", params(PageParams), responses(
    (status = 200, description = "A page of webhooks", body = WebhookList),
    (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
))]
#[get("/webhooks")]
pub async fn list_webhooks(ctx: Caller, page: Query<PageParams>) -> Answer {
    let page = service::list(&ctx, page.limit()?, page.cursor.clone()).await?;
    Ok(HttpResponse::Ok().json(ListBody::from(page)))
}

/// One of the caller's webhooks.
#[utoipa::path(tag = "webhooks", params(("id" = uuid::Uuid, Path, description = "Webhook id")), responses(
    (status = 200, description = "The webhook", body = Webhook),
    (status = 404, description = "No such webhook of the caller's", body = Problem, content_type = "application/problem+json"),
))]
#[get("/webhooks/{id}")]
pub async fn get_webhook(ctx: Caller, path: Path<String>) -> Answer {
    let w = service::get(&ctx, &path).await?;
    Ok(ok_with_etag(w.version, &w))
}

/// Deletes one of the caller's webhooks and its deliveries; nothing more is sent to it.
#[utoipa::path(tag = "webhooks", params(("id" = uuid::Uuid, Path, description = "Webhook id")), responses(
    (status = 204, description = "Deleted"),
    (status = 404, description = "No such webhook of the caller's", body = Problem, content_type = "application/problem+json"),
))]
#[delete("/webhooks/{id}")]
pub async fn delete_webhook(ctx: Caller, path: Path<String>) -> Answer {
    service::delete(&ctx, &path).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The webhook's deliveries, newest first.
#[utoipa::path(tag = "webhooks", params(("id" = uuid::Uuid, Path, description = "Webhook id"), PageParams), responses(
    (status = 200, description = "A page of deliveries", body = DeliveryList),
    (status = 404, description = "No such webhook of the caller's", body = Problem, content_type = "application/problem+json"),
))]
#[get("/webhooks/{id}/deliveries")]
pub async fn list_deliveries(ctx: Caller, path: Path<String>, page: Query<PageParams>) -> Answer {
    let page = service::deliveries(&ctx, &path, page.limit()?, page.cursor.clone()).await?;
    Ok(HttpResponse::Ok().json(ListBody::from(page)))
}

/// Queues a `ping` event to the webhook, sent after whatever is pending for it.
#[utoipa::path(tag = "webhooks", params(("id" = uuid::Uuid, Path, description = "Webhook id")), responses(
    (status = 202, description = "Queued", body = Delivery),
    (status = 404, description = "No such webhook of the caller's", body = Problem, content_type = "application/problem+json"),
))]
#[post("/webhooks/{id}/ping")]
pub async fn ping_webhook(ctx: Caller, path: Path<String>) -> Answer {
    let d = service::ping(&ctx, &path).await?;
    Ok(HttpResponse::Accepted().json(d))
}
