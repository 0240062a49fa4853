//! `GET /v1/events`.

use actix_web::web::Query;
use actix_web::{HttpResponse, get};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::Caller;
use crate::events::service::{EventPage, feed};
use crate::rest::Answer;
use crate::rest::Problem;
use crate::types::clamp_limit;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedParams {
    /// The `next_cursor` (or an event's `cursor`) to resume after; from the beginning when absent.
    pub after: Option<String>,
    /// Events per page: 20 when absent, at most 100.
    pub limit: Option<i64>,
}

/// The change feed: every change in commit order that the caller may read. Resuming from any
/// cursor misses nothing and repeats nothing.
#[utoipa::path(tag = "events", params(FeedParams), responses(
    (status = 200, description = "A page of the feed", body = EventPage),
    (status = 400, description = "A cursor this service did not give out", body = Problem, content_type = "application/problem+json"),
))]
#[get("/events")]
pub async fn events(ctx: Caller, q: Query<FeedParams>) -> Answer {
    let limit = clamp_limit("limit", q.limit)?;
    let page = feed(&ctx, q.after.clone(), limit).await?;
    Ok(HttpResponse::Ok().json(page))
}
