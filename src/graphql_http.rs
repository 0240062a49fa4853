//! `/graphql` over HTTP: `POST` runs an operation or a batch (answered from the answer cache
//! where it can be), `GET` serves GraphiQL and its vendored files.

use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};

use crate::app::ctx_of;
use crate::error::AppError;
use crate::graphql::{Checked, Loaders, MAX_BATCH, answers, eager, order};
use crate::rest::{PROBLEM_JSON, problem_response};

/// `POST /graphql`: one operation or a batch.
pub async fn post(req: HttpRequest, body: Bytes) -> HttpResponse {
    let ctx = match ctx_of(&req).await {
        Ok(c) => c,
        Err(e) => return problem_response(&e),
    };
    let Some(state) = req.app_data::<actix_web::web::Data<crate::app::AppState>>() else {
        return problem_response(&AppError::Internal("state missing".into()));
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
    // A batch counts against the rate limit as its operations: the first was counted with
    // the request.
    if let async_graphql::BatchRequest::Batch(ops) = &batch
        && let Err(e) = crate::app::charge_more(&req, &ctx, (ops.len() as u32).saturating_sub(1))
    {
        return problem(e);
    }
    // Every operation is checked before any runs; the checked document goes to the executor.
    let prepare = |mut op: async_graphql::Request| {
        let checked = state.queries.check(&op.query)?;
        if let Some(doc) = &checked.doc {
            op.set_parsed_query(doc.clone());
        }
        Ok::<_, AppError>((op, checked))
    };
    // Each operation gets loaders of its own, so that nothing one loaded (and cached) is served
    // stale to the next, which may follow a mutation. Its answer's keys are put in selection
    // order (`order`).
    let run = |(op, checked): (async_graphql::Request, Checked)| {
        let loaders = std::sync::Arc::new(Loaders::new(&ctx, !checked.mutation, &checked.selected));
        let name = op.operation_name.clone();
        let execution = state.schema.execute(op.data(ctx.clone()).data(loaders));
        async move {
            let mut response = execution.await;
            if let Some(doc) = &checked.doc {
                order::in_selection_order(&mut response.data, doc, name.as_deref());
            }
            response
        }
    };
    // A single query may be answered as it was before (`answers`); `keep` says where its
    // answer goes once computed.
    let mut keep = None;
    let response = match batch {
        async_graphql::BatchRequest::Single(op) => match prepare(op) {
            Ok(prepared) => {
                if let Some(cache) = state.answers.as_ref().filter(|_| !prepared.1.mutation) {
                    match cache.lookup(&ctx, &body).await {
                        answers::Lookup::Answer(answer) => return json_answer(answer),
                        answers::Lookup::Compute(k) => keep = k,
                    }
                }
                async_graphql::BatchResponse::Single(run(prepared).await)
            }
            Err(e) => return problem(e),
        },
        async_graphql::BatchRequest::Batch(ops) => {
            let prepared = match ops.into_iter().map(prepare).collect::<Result<Vec<_>, _>>() {
                Ok(p) => p,
                Err(e) => return problem(e),
            };
            let mut out = Vec::with_capacity(prepared.len());
            for p in prepared {
                out.push(run(p).await);
            }
            async_graphql::BatchResponse::Batch(out)
        }
    };
    // Sized for a national answer up front: grown from 16 kB, its 140 kB were copied four
    // times on the way (1% of its instructions). Untouched pages of the buffer cost nothing.
    let mut answer = Vec::with_capacity(256 * 1024);
    // Objects built in place may be JSON text already (`eager::JsonText`).
    let written = serde::Serialize::serialize(
        &response,
        &mut serde_json::Serializer::with_formatter(&mut answer, eager::JsonText),
    );
    if let Err(e) = written {
        return problem(AppError::Internal(format!("cannot write the answer: {e}")));
    }
    // The buffer lives until a client has read it: a slow client must not hold 256 kB for a
    // short answer. One to be kept is held to its size, which the cache's bound counts.
    if answer.capacity() - answer.len() > 16 * 1024 || keep.is_some() {
        answer.shrink_to_fit();
    }
    let answer = Bytes::from(answer);
    // An answer that read the replica may lag what its version names: not kept.
    if let (Some(cache), Some(keep), async_graphql::BatchResponse::Single(r)) =
        (&state.answers, keep, &response)
        && r.is_ok()
        && !ctx.db.read_the_replica()
    {
        cache.keep(keep, answer.clone());
    }
    json_answer(answer)
}

fn json_answer(answer: Bytes) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(answer)
}

fn problem(e: AppError) -> HttpResponse {
    let mut res = problem_response(&e);
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
        .insert_header((
            actix_web::http::header::CONTENT_SECURITY_POLICY,
            GRAPHIQL_CSP,
        ))
        .body(include_str!("../assets/graphiql/index.html"))
}

/// GraphiQL runs only the scripts this service serves, and talks only to this service.
pub const GRAPHIQL_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
    img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; \
    frame-ancestors 'none'";

/// The query GraphiQL opens on for a first visit: one of Oversight's, which anyone may run.
pub const EXAMPLE: &str = include_str!("../assets/graphiql/example.graphql");

/// GraphiQL's files, vendored into the binary so that it loads without a network.
pub async fn asset(path: actix_web::web::Path<String>) -> HttpResponse {
    let (body, kind): (&'static [u8], &str) = match path.as_str() {
        "graphiql.min.js" => (
            include_bytes!("../assets/graphiql/graphiql.min.js"),
            "text/javascript",
        ),
        "graphiql.min.css" => (
            include_bytes!("../assets/graphiql/graphiql.min.css"),
            "text/css",
        ),
        "react.production.min.js" => (
            include_bytes!("../assets/graphiql/react.production.min.js"),
            "text/javascript",
        ),
        "react-dom.production.min.js" => (
            include_bytes!("../assets/graphiql/react-dom.production.min.js"),
            "text/javascript",
        ),
        "start.js" => (
            include_bytes!("../assets/graphiql/start.js"),
            "text/javascript",
        ),
        "example.graphql" => (EXAMPLE.as_bytes(), "text/plain"),
        _ => return problem_response(&AppError::not_found("no such file")),
    };
    HttpResponse::Ok()
        .content_type(format!("{kind}; charset=utf-8"))
        .insert_header((
            actix_web::http::header::CACHE_CONTROL,
            "public, max-age=86400",
        ))
        .body(body)
}
