//! `GET /v1/forces/{force}/inspections/{id}/section55`: the document as JSON, Markdown or HTML.

use actix_web::http::header;
use actix_web::web::{Path, Query};
use actix_web::{HttpRequest, HttpResponse, get};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::Caller;
use crate::error::AppError;
use crate::rest::Problem;
use crate::rest::{Answer, ApiError};
use crate::section55::document::{Asked, Section55Document, build};
use crate::section55::render;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Markdown,
    Html,
}

/// Picks a representation from `Accept` (by quality, then order); anything unknown is JSON.
pub fn negotiate(accept: Option<&str>) -> Format {
    let Some(accept) = accept else {
        return Format::Json;
    };
    let mut choices: Vec<(f32, usize, Format)> = Vec::new();
    for (i, part) in accept.split(',').enumerate() {
        let mut pieces = part.split(';');
        let media = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = pieces
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        let format = match media.as_str() {
            "text/html" | "application/xhtml+xml" => Some(Format::Html),
            "text/markdown" | "text/x-markdown" => Some(Format::Markdown),
            "application/json" | "application/*" | "*/*" => Some(Format::Json),
            _ => None,
        };
        if let Some(f) = format
            && q > 0.0
        {
            choices.push((q, i, f));
        }
    }
    choices.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    choices.first().map_or(Format::Json, |c| c.2)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DocumentParams {
    /// Overrides `Accept`: `json`, `md` or `html`.
    pub format: Option<String>,
    /// A published revision (1 is the first); the latest when absent.
    pub revision: Option<i64>,
    /// `true`: today's data with drafts marked, not the published record. For the force's own
    /// people and admin; `404` to anyone else.
    pub preview: Option<bool>,
}

/// The Section 55 response of a force for an inspection, laid out as the published documents:
/// JSON, Markdown (`Accept: text/markdown`) or HTML (`Accept: text/html`). Anyone reads it once
/// the PCC response is published; before that, the force's people and national readers. A
/// published document is a record: each revision shows the force's submitted work as it stood
/// when that revision was published, and never a draft; `?preview=true` shows the force's own
/// people today's data with drafts marked.
#[utoipa::path(tag = "section55", params(("force" = String, Path, description = "Force id"), ("id" = uuid::Uuid, Path, description = "Inspection id"), DocumentParams), responses(
    (status = 200, description = "The document", content(
        (Section55Document = "application/json"),
        (String = "text/markdown"),
        (String = "text/html"),
    )),
    (status = 400, description = "A revision that is not a whole number from 1, or a preview asked for with a revision", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "Not in scope, not published and not the caller's to read, no such revision, or a preview the caller may not read", body = Problem, content_type = "application/problem+json"),
))]
#[get("/forces/{force}/inspections/{id}/section55")]
pub async fn section55_document(
    ctx: Caller,
    req: HttpRequest,
    path: Path<(String, String)>,
    q: Query<DocumentParams>,
) -> Answer {
    let format = match q.format.as_deref() {
        None | Some("") => negotiate(
            req.headers()
                .get(header::ACCEPT)
                .and_then(|v| v.to_str().ok()),
        ),
        Some("json") => Format::Json,
        Some("md" | "markdown") => Format::Markdown,
        Some("html") => Format::Html,
        Some(other) => {
            return Err(ApiError(AppError::bad_field(
                "format",
                format!("{other:?} is not one of json, md, html"),
            )));
        }
    };
    let asked = Asked {
        revision: q.revision,
        preview: q.preview.unwrap_or(false),
    };
    let doc = build(&ctx, &path.0, &path.1, asked).await?;
    let mut res = HttpResponse::Ok();
    res.insert_header((header::VARY, "Accept"));
    Ok(match format {
        Format::Json => res.json(&doc),
        Format::Markdown => res
            .content_type("text/markdown; charset=utf-8")
            .body(render::markdown(&doc)),
        Format::Html => res
            .content_type("text/html; charset=utf-8")
            .insert_header((header::CONTENT_SECURITY_POLICY, render::CSP))
            .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .insert_header((header::REFERRER_POLICY, "no-referrer"))
            .body(render::html(&doc)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_headers_pick_a_representation() {
        assert_eq!(negotiate(None), Format::Json);
        assert_eq!(negotiate(Some("text/markdown")), Format::Markdown);
        assert_eq!(
            negotiate(Some(
                "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
            )),
            Format::Html
        );
        assert_eq!(
            negotiate(Some("application/json, text/html;q=0.5")),
            Format::Json
        );
        assert_eq!(
            negotiate(Some("text/html;q=0.2, text/markdown")),
            Format::Markdown
        );
        assert_eq!(negotiate(Some("image/png")), Format::Json);
    }
}
