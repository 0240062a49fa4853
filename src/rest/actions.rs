//! `/v1/forces/{force}/items/{id}/actions`, `/v1/forces/{force}/actions/{id}` and its updates.

use actix_web::web::{Bytes, Path, Query};
use actix_web::{HttpRequest, HttpResponse, get, patch, post};
use serde::Serialize;
use utoipa::ToSchema;

use crate::actions::model::{Action, ActionPatch, NewAction, NewActionUpdate};
use crate::actions::service;
use crate::app::Caller;
use crate::rest::Answer;
use crate::rest::Problem;
use crate::rest::{PageParams, created, ok_with_etag, precondition};
use crate::types::ListBody;
use crate::write::Body;

#[derive(Serialize, ToSchema)]
pub struct ActionList {
    pub items: Vec<Action>,
    pub next_cursor: Option<String>,
}

/// The actions of a force's plan for an item, oldest first, each with its updates.
#[utoipa::path(tag = "actions", params(("force" = String, Path, description = "Force id"), ("id" = uuid::Uuid, Path, description = "Item id"), PageParams), responses(
    (status = 200, description = "A page of actions", body = ActionList),
    (status = 404, description = "Not addressed to the force, or not the caller's to read", body = Problem, content_type = "application/problem+json"),
))]
#[get("/forces/{force}/items/{id}/actions")]
pub async fn list_actions(
    ctx: Caller,
    path: Path<(String, String)>,
    page: Query<PageParams>,
) -> Answer {
    let page = service::list(&ctx, &path.0, &path.1, page.limit()?, page.cursor.clone()).await?;
    Ok(HttpResponse::Ok().json(ListBody::from(page)))
}

/// Adds an action (whoever answers the item: `force_editor`, or `opcc_editor` for items
/// addressed to policing bodies). The item needs a response first (`409` otherwise).
#[utoipa::path(tag = "actions", params(("force" = String, Path, description = "Force id"), ("id" = uuid::Uuid, Path, description = "Item id")),
    request_body = NewAction, responses(
    (status = 201, description = "Created", body = Action),
    (status = 403, description = "Not the caller's to change", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "Not addressed to the force, or not the caller's to read", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "The item has no response from the force yet", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
))]
#[post("/forces/{force}/items/{id}/actions")]
pub async fn create_action(ctx: Caller, path: Path<(String, String)>, body: Bytes) -> Answer {
    let a = service::create(&ctx, &path.0, &path.1, Body::Json(body)).await?;
    Ok(created(
        a.version,
        &format!("/v1/forces/{}/actions/{}", a.force_id, a.id),
        &a,
    ))
}

/// One action with its updates.
#[utoipa::path(tag = "actions", params(("force" = String, Path, description = "Force id"), ("id" = uuid::Uuid, Path, description = "Action id")), responses(
    (status = 200, description = "The action", body = Action),
    (status = 404, description = "No such action for this force", body = Problem, content_type = "application/problem+json"),
))]
#[get("/forces/{force}/actions/{id}")]
pub async fn get_action(ctx: Caller, path: Path<(String, String)>) -> Answer {
    let a = service::get(&ctx, &path.0, &path.1).await?;
    Ok(ok_with_etag(a.version, &a))
}

/// Changes an action; needs `If-Match`. `done` and `cancelled` are final (`409`).
#[utoipa::path(tag = "actions", params(("force" = String, Path, description = "Force id"), ("id" = uuid::Uuid, Path, description = "Action id"),
    ("If-Match" = String, Header, description = "The ETag last read")), request_body = ActionPatch, responses(
    (status = 200, description = "The changed action", body = Action),
    (status = 403, description = "Not the caller's to change", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such action for this force", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "A final status cannot change", body = Problem, content_type = "application/problem+json"),
    (status = 412, description = "Stale If-Match", body = Problem, content_type = "application/problem+json"),
    (status = 428, description = "No If-Match", body = Problem, content_type = "application/problem+json"),
))]
#[patch("/forces/{force}/actions/{id}")]
pub async fn patch_action(
    ctx: Caller,
    req: HttpRequest,
    path: Path<(String, String)>,
    body: Bytes,
) -> Answer {
    let pre = precondition(&req)?;
    let a = service::update(&ctx, &path.0, &path.1, pre, Body::Json(body)).await?;
    Ok(ok_with_etag(a.version, &a))
}

/// Appends a progress update (author and time are the caller's and now); its `status`, if
/// given, becomes the action's. Answers the action with the update appended.
#[utoipa::path(tag = "actions", params(("force" = String, Path, description = "Force id"), ("id" = uuid::Uuid, Path, description = "Action id")),
    request_body = NewActionUpdate, responses(
    (status = 201, description = "Appended; the action as it now stands", body = Action),
    (status = 403, description = "Not the caller's to change", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such action for this force", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "A final status cannot change", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
))]
#[post("/forces/{force}/actions/{id}/updates")]
pub async fn add_update(ctx: Caller, path: Path<(String, String)>, body: Bytes) -> Answer {
    let a = service::append_update(&ctx, &path.0, &path.1, Body::Json(body)).await?;
    Ok(created(
        a.version,
        &format!("/v1/forces/{}/actions/{}", a.force_id, a.id),
        &a,
    ))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ActionParams {
    pub force: Option<String>,
    pub inspection: Option<String>,
    pub status: Option<String>,
    /// `true`: only actions past their due date, neither done nor cancelled.
    pub overdue: Option<bool>,
}

#[derive(Serialize, ToSchema)]
pub struct ActionEntryList {
    pub items: Vec<crate::actions::service::ActionEntry>,
    pub next_cursor: Option<String>,
}

/// Actions across every force whose work the caller may read, oldest first. `Accept: text/csv`
/// (or `?format=csv`) streams every match as CSV.
#[utoipa::path(tag = "actions", params(ActionParams, PageParams), responses(
    (status = 200, description = "A page of actions, or all of them as CSV", content(
        (ActionEntryList = "application/json"),
        (String = "text/csv"),
    )),
    (status = 401, description = "No token", body = Problem, content_type = "application/problem+json"),
))]
#[get("/actions")]
pub async fn list_all_actions(
    ctx: Caller,
    req: HttpRequest,
    q: Query<ActionParams>,
    page: Query<PageParams>,
) -> Answer {
    use crate::actions::model::ActionStatus;
    use crate::actions::service::{ActionEntry, ActionFilter, list_across};
    let filter = ActionFilter {
        force: q.force.clone().filter(|f| !f.is_empty()),
        inspection: crate::rest::uuid_param("inspection", &q.inspection)?,
        status: ActionStatus::from_param("status", &q.status)?,
        overdue: q.overdue.unwrap_or(false),
    };
    if crate::rest::wants_csv(&req) {
        crate::auth::policy::require_signed_in(&ctx.principal)?;
        const HEADER: &[&str] = &[
            "id",
            "force_id",
            "inspection_id",
            "item_id",
            "title",
            "owner",
            "due_on",
            "status",
            "rag",
            "overdue",
            "evidence",
            "updates",
            "version",
            "updated_at",
        ];
        fn row(e: &ActionEntry) -> Vec<String> {
            let a = &e.action;
            vec![
                a.id.clone(),
                a.force_id.clone(),
                e.inspection_id.clone(),
                a.item_id.clone(),
                a.title.clone(),
                a.owner.clone(),
                a.due_on.map(|d| d.to_string()).unwrap_or_default(),
                a.status.to_string(),
                a.rag.map(|r| r.to_string()).unwrap_or_default(),
                e.overdue.to_string(),
                a.evidence.join(" "),
                a.updates.len().to_string(),
                a.version.to_string(),
                a.updated_at.to_string(),
            ]
        }
        return Ok(crate::rest::csv_stream(
            "actions.csv",
            HEADER,
            row,
            move |cursor| {
                let (ctx, filter) = (ctx.clone(), filter.clone());
                async move { list_across(&ctx, filter, crate::rest::EXPORT_PAGE, cursor).await }
            },
        ));
    }
    let page = list_across(&ctx, filter, page.limit()?, page.cursor.clone()).await?;
    Ok(HttpResponse::Ok().json(ListBody::from(page)))
}
