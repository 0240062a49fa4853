//! The GraphQL schema: the domain queries and mutations merged, limits, per-request loaders,
//! and the `/graphql` handlers (GraphiQL on GET).

use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};
use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::dataloader::DataLoader;
use async_graphql::http::GraphiQLSource;
use async_graphql::{EmptySubscription, MergedObject, OutputType, Schema};

use crate::app::{Ctx, ctx_of};
use crate::error::{AppError, PROBLEM_JSON};
use crate::types::{Page, clamp_limit};

/// Deepest query accepted.
pub const MAX_DEPTH: usize = 16;
/// Costliest query accepted (a list field costs its `first` times its children).
pub const MAX_COMPLEXITY: usize = 250_000;
/// Most operations in one batch.
pub const MAX_BATCH: usize = 10;

#[derive(MergedObject, Default)]
pub struct Query(
    crate::forces::graphql::ForceQuery,
    crate::inspections::graphql::InspectionQuery,
    crate::items::graphql::ItemQuery,
    crate::compliance::graphql::ComplianceQuery,
);

#[derive(MergedObject, Default)]
pub struct Mutation(
    crate::inspections::graphql::InspectionMutation,
    crate::items::graphql::ItemMutation,
    crate::responses::graphql::ResponseMutation,
    crate::actions::graphql::ActionMutation,
    crate::pcc_responses::graphql::PccResponseMutation,
);

pub type OversightSchema = Schema<Query, Mutation, EmptySubscription>;

pub fn schema() -> OversightSchema {
    Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY)
        .limit_recursive_depth(64)
        .finish()
}

/// The SDL written to `schema.graphql`.
pub fn sdl() -> String {
    schema().sdl()
}

/// The request's context, put in by the handler.
pub fn ctx<'a>(gql: &async_graphql::Context<'a>) -> async_graphql::Result<&'a Ctx> {
    gql.data::<Ctx>()
}

/// `first` as the contract reads it: 20 when absent, at most 100.
pub fn first(n: Option<i32>) -> Result<i64, AppError> {
    clamp_limit("first", n.map(i64::from))
}

/// A Relay connection from a page.
pub fn connection<T: OutputType>(page: Page<T>) -> Connection<String, T, EmptyFields, EmptyFields> {
    let mut c = Connection::new(false, page.next_cursor.is_some());
    c.edges.extend(
        page.items
            .into_iter()
            .zip(page.cursors)
            .map(|(node, cursor)| Edge::new(cursor, node)),
    );
    c
}

/// Per-request batch loaders, so a query never issues one statement per row.
pub struct Loaders {
    pub items: DataLoader<crate::items::graphql::ItemsByInspection>,
    pub force_responses: DataLoader<crate::responses::graphql::ForceResponses>,
    pub item_responses: DataLoader<crate::responses::graphql::ItemResponses>,
    pub actions: DataLoader<crate::actions::graphql::Actions>,
    pub pcc_responses: DataLoader<crate::pcc_responses::graphql::PccResponses>,
    pub action_counts: DataLoader<crate::actions::graphql::ActionCountsLoader>,
    pub item_response_of_force: DataLoader<crate::responses::graphql::ItemResponseOfForce>,
    pub force_figures: DataLoader<crate::compliance::figures::ForceFiguresLoader>,
}

impl Loaders {
    pub fn new(ctx: &Ctx) -> Loaders {
        Loaders {
            items: DataLoader::new(
                crate::items::graphql::ItemsByInspection { ctx: ctx.clone() },
                actix_web::rt::spawn,
            ),
            force_responses: DataLoader::new(
                crate::responses::graphql::ForceResponses { ctx: ctx.clone() },
                actix_web::rt::spawn,
            ),
            item_responses: DataLoader::new(
                crate::responses::graphql::ItemResponses { ctx: ctx.clone() },
                actix_web::rt::spawn,
            ),
            actions: DataLoader::new(
                crate::actions::graphql::Actions { ctx: ctx.clone() },
                actix_web::rt::spawn,
            ),
            pcc_responses: DataLoader::new(
                crate::pcc_responses::graphql::PccResponses { ctx: ctx.clone() },
                actix_web::rt::spawn,
            ),
            action_counts: DataLoader::new(
                crate::actions::graphql::ActionCountsLoader { ctx: ctx.clone() },
                actix_web::rt::spawn,
            ),
            item_response_of_force: DataLoader::new(
                crate::responses::graphql::ItemResponseOfForce { ctx: ctx.clone() },
                actix_web::rt::spawn,
            ),
            force_figures: DataLoader::new(
                crate::compliance::figures::ForceFiguresLoader { ctx: ctx.clone() },
                actix_web::rt::spawn,
            ),
        }
    }
}

/// `POST /graphql`: one operation or a batch.
pub async fn post(req: HttpRequest, body: Bytes) -> HttpResponse {
    let ctx = match ctx_of(&req) {
        Ok(c) => c,
        Err(e) => return actix_web::ResponseError::error_response(&e),
    };
    let Some(state) = req.app_data::<actix_web::web::Data<crate::app::AppState>>() else {
        return actix_web::ResponseError::error_response(&AppError::Internal(
            "state missing".into(),
        ));
    };
    let batch: async_graphql::BatchRequest = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(e) => {
            return problem(AppError::bad_request(format!(
                "the body is not a GraphQL request: {e}"
            )));
        }
    };
    if let async_graphql::BatchRequest::Batch(ops) = &batch
        && ops.len() > MAX_BATCH
    {
        return problem(AppError::bad_request(format!(
            "a batch holds at most {MAX_BATCH} operations"
        )));
    }
    let loaders = std::sync::Arc::new(Loaders::new(&ctx));
    let batch = batch.data(ctx).data(loaders);
    let response = state.schema.execute_batch(batch).await;
    HttpResponse::Ok()
        .content_type("application/json")
        .body(serde_json::to_vec(&response).unwrap_or_default())
}

fn problem(e: AppError) -> HttpResponse {
    let mut res = actix_web::ResponseError::error_response(&e);
    res.headers_mut().insert(
        actix_web::http::header::CONTENT_TYPE,
        actix_web::http::header::HeaderValue::from_static(PROBLEM_JSON),
    );
    res
}

/// `GET /graphql`: GraphiQL.
pub async fn get() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(
            GraphiQLSource::build()
                .endpoint("/graphql")
                .title("Oversight GraphQL")
                .finish(),
        )
}
