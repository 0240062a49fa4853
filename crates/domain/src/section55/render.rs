//! Markdown and HTML renderings of the Section 55 document, laid out as the example
//! (`16 May 2025` dates, the example's headings). In HTML every user-typed string is escaped
//! and Markdown fields are rendered with raw HTML shown as text and only safe link schemes.

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag};

use super::document::{
    DocumentItem, DocumentItemResponse, INSPECTORATE, NOT_WRITTEN, Section55Document, short_name,
};

pub const PREVIEW: &str =
    "Preview: today's data, not the published record. Drafts are marked as such.";
pub const NOT_SUBMITTED_ANSWER: &str = "Not submitted.";
const DRAFT_ANSWER: &str = "Draft:";
const PCC_DRAFT: &str = "Draft: not yet published.";

/// What an item without an answer shows: where the force's part is not shown because it was
/// not submitted, that; otherwise that it is not yet written.
fn missing_answer(d: &Section55Document) -> &'static str {
    let cc = &d.chief_constable_response;
    if cc.note.is_some() && !cc.draft {
        NOT_SUBMITTED_ANSWER
    } else {
        NOT_WRITTEN
    }
}

/// `Revision 2 of 3, published 1 July 2025.` where there is more than one.
fn revision_line(d: &Section55Document) -> Option<String> {
    let p = &d.pcc_response;
    (p.latest_revision > 1 && p.revision > 0).then(|| {
        let on = p
            .published_at
            .map(|t| format!(", published {}", Date(t.naive().date()).long()))
            .unwrap_or_default();
        format!("Revision {} of {}{on}.", p.revision, p.latest_revision)
    })
}
use crate::items::model::ItemKind;
use crate::pcc_responses::model::Checklist;
use crate::types::Date;

fn kind_label(kind: ItemKind) -> &'static str {
    match kind {
        ItemKind::Recommendation => "Recommendation",
        ItemKind::AreaForImprovement => "Area for improvement",
        ItemKind::CauseOfConcern => "Cause of concern",
    }
}

/// The office checklist as the document words it: each step with its date, or not yet.
pub fn checklist_lines(c: &Checklist, force_name: &str) -> Vec<(String, Option<Date>)> {
    let panel = format!(
        "Response forwarded to the {} Police and Crime Panel",
        short_force_name(force_name)
    );
    vec![
        (
            "Response forwarded to the Chief Constable".to_string(),
            c.forwarded_to_chief_constable_on,
        ),
        (panel, c.forwarded_to_police_and_crime_panel_on),
        (
            "Response submitted to the HMICFRS monitoring portal".to_string(),
            c.submitted_to_hmicfrs_portal_on,
        ),
        (
            "Response sent to the Home Secretary".to_string(),
            c.sent_to_home_secretary_on,
        ),
        (
            "Response published on the OPCC website".to_string(),
            c.published_on_opcc_website_on,
        ),
    ]
}

/// `Norfolk Constabulary` → `Norfolk`.
fn short_force_name(name: &str) -> &str {
    ["Police Service", "Constabulary", "Police"]
        .iter()
        .find_map(|suffix| name.strip_suffix(suffix).map(str::trim_end))
        .unwrap_or(name)
}

fn with_full_stop(s: &str) -> String {
    let s = s.trim_end();
    if s.ends_with(['.', '?', '!']) {
        s.to_string()
    } else {
        format!("{s}.")
    }
}

fn md_escape_inline(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '\\' | '[' | ']' | '*' | '_' | '`' | '<' | '>' | '#') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The document as Markdown.
pub fn markdown(d: &Section55Document) -> String {
    let mut out = String::new();
    let para = |out: &mut String, s: &str| {
        out.push_str(s.trim_end());
        out.push_str("\n\n");
    };
    let body_short = short_name(d.policing_body.as_ref().map(|b| b.kind));
    para(&mut out, &format!("# {}", md_escape_inline(&d.title)));
    if d.preview {
        para(&mut out, &format!("> **{PREVIEW}**"));
    }
    para(&mut out, &d.statutory_paragraph);
    let field = |out: &mut String, label: &str, value: &str| {
        out.push_str(&format!("**{label}:**\n\n{}\n\n", value.trim_end()));
    };
    field(
        &mut out,
        "Inspection Title",
        &md_escape_inline(&with_full_stop(&d.inspection.title)),
    );
    field(&mut out, "Published on", &d.inspection.published_on.long());
    field(
        &mut out,
        "Publication Types",
        &md_escape_inline(&d.inspection.publication_types.join(", ")),
    );
    field(
        &mut out,
        "Police Forces",
        &md_escape_inline(&d.inspection.police_forces),
    );
    let link = match &d.inspection.report_url {
        Some(url) => format!(
            "[{} - {INSPECTORATE}](<{}>)",
            md_escape_inline(&d.inspection.title),
            url.replace('>', "%3E")
        ),
        None => "Not given.".into(),
    };
    field(&mut out, "Link to Report", &link);
    field(
        &mut out,
        "Section 55 Response Deadline",
        &d.section55_deadline.long(),
    );
    para(&mut out, "## Key Findings");
    para(
        &mut out,
        if d.inspection.key_findings.trim().is_empty() {
            NOT_WRITTEN
        } else {
            &d.inspection.key_findings
        },
    );
    para(&mut out, "## Recommendations");
    para(&mut out, &d.recommendations_summary);
    for r in &d.recommendations {
        item_md(&mut out, r);
    }
    para(&mut out, "## Areas For Improvement");
    if d.areas_for_improvement.is_empty() {
        para(&mut out, "There were no areas for improvement.");
    }
    for a in &d.areas_for_improvement {
        item_md(&mut out, a);
    }
    if !d.causes_of_concern.is_empty() {
        para(&mut out, "## Causes Of Concern");
        for c in &d.causes_of_concern {
            item_md(&mut out, c);
        }
    }
    para(
        &mut out,
        "## Chief Constable response to report and any Recommendations/Areas For Improvement",
    );
    let cc = &d.chief_constable_response;
    if let Some(note) = &cc.note {
        para(&mut out, &format!("*{note}*"));
    }
    if cc.comments.is_some() || cc.note.is_none() {
        para(&mut out, cc.comments.as_deref().unwrap_or(NOT_WRITTEN));
    }
    let missing = missing_answer(d);
    for r in &cc.items {
        response_md(&mut out, r, missing);
    }
    para(
        &mut out,
        &format!(
            "## {body_short} response to report and any Recommendations/Areas For Improvement"
        ),
    );
    if let Some(line) = revision_line(d) {
        para(&mut out, &format!("*{line}*"));
    }
    if d.pcc_response.draft {
        para(&mut out, &format!("*{PCC_DRAFT}*"));
    }
    para(
        &mut out,
        d.pcc_response.comments.as_deref().unwrap_or(NOT_WRITTEN),
    );
    for r in &d.pcc_response.items {
        response_md(&mut out, r, missing);
    }
    para(&mut out, "## For Office Use Only:");
    for (label, date) in checklist_lines(&d.checklist, &d.force.name) {
        match date {
            Some(day) => out.push_str(&format!("- {label} ({}).\n", day.long())),
            None => out.push_str(&format!("- {label}: not yet.\n")),
        }
    }
    out
}

fn item_md(out: &mut String, i: &DocumentItem) {
    let to_body = if i.to_policing_body {
        " (addressed to the policing body)"
    } else {
        ""
    };
    out.push_str(&format!(
        "**{} {}{to_body}:**\n\n{}\n\n",
        kind_label(i.kind),
        i.number,
        i.text.trim_end()
    ));
}

fn response_md(out: &mut String, r: &DocumentItemResponse, missing: &str) {
    out.push_str(&format!(
        "### {} {}\n\n{}\n\n",
        kind_label(r.kind),
        r.number,
        r.text.trim_end()
    ));
    if r.draft {
        out.push_str(&format!("*{DRAFT_ANSWER}*\n\n"));
    }
    out.push_str(r.response.as_deref().unwrap_or(missing).trim_end());
    out.push_str("\n\n");
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn safe_url(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    lower.starts_with("https://")
        || lower.starts_with("http://")
        || lower.starts_with("mailto:")
        || lower.starts_with('#')
}

/// Markdown written by users, as HTML: raw HTML is shown as text, links keep only safe
/// schemes, images become links.
pub fn markdown_to_html(md: &str) -> String {
    let parser =
        Parser::new_ext(md, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH).map(|event| {
            match event {
                Event::Html(s) | Event::InlineHtml(s) => Event::Text(s),
                Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                }) if !safe_url(&dest_url) => Event::Start(Tag::Link {
                    link_type,
                    dest_url: CowStr::Borrowed("#"),
                    title,
                    id,
                }),
                Event::Start(Tag::Image {
                    link_type,
                    dest_url,
                    title,
                    id,
                }) => {
                    let dest_url = if safe_url(&dest_url) {
                        dest_url
                    } else {
                        CowStr::Borrowed("#")
                    };
                    Event::Start(Tag::Link {
                        link_type,
                        dest_url,
                        title,
                        id,
                    })
                }
                Event::End(pulldown_cmark::TagEnd::Image) => {
                    Event::End(pulldown_cmark::TagEnd::Link)
                }
                other => other,
            }
        });
    let mut out = String::new();
    pulldown_cmark::html::push_html(&mut out, parser);
    out
}

const STYLE: &str = "body{font-family:Arial,Helvetica,sans-serif;color:#0b0c0c;max-width:46rem;margin:2rem auto;padding:0 1rem;line-height:1.5}\
h1{font-size:1.6rem;line-height:1.25}h2{font-size:1.3rem;margin-top:2rem;border-top:1px solid #b1b4b6;padding-top:1rem}\
h3{font-size:1.1rem}dt{font-weight:bold;margin-top:.75rem}dd{margin:0}.pending{color:#505a5f;font-style:italic}\
.preview{border-left:5px solid #f47738;padding:.5rem 1rem;background:#fef3e9}\
ul.checklist{list-style:none;padding:0}ul.checklist li{margin:.25rem 0}\
@media print{body{margin:0;max-width:none;font-size:11pt}h2{break-after:avoid}h3{break-after:avoid}a{color:inherit}a[href^=http]::after{content:\" (\" attr(href) \")\";font-size:9pt}}";

/// The Content-Security-Policy sent with the HTML document: nothing runs, nothing loads.
pub const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The document as a standalone HTML page that prints well.
pub fn html(d: &Section55Document) -> String {
    let mut h = String::new();
    let body_short = short_name(d.policing_body.as_ref().map(|b| b.kind));
    h.push_str("<!doctype html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    h.push_str(&format!(
        "<title>{} – {}</title>\n",
        escape(&d.inspection.title),
        escape(&d.force.name)
    ));
    h.push_str(&format!(
        "<style>{STYLE}</style>\n</head>\n<body>\n<main>\n"
    ));
    h.push_str(&format!("<h1>{}</h1>\n", escape(&d.title)));
    if d.preview {
        h.push_str(&format!(
            "<p class=\"preview\"><strong>{}</strong></p>\n",
            escape(PREVIEW)
        ));
    }
    h.push_str(&format!(
        "<p>{}</p>\n<dl>\n",
        escape(&d.statutory_paragraph)
    ));
    let dd = |h: &mut String, label: &str, value: String| {
        h.push_str(&format!("<dt>{label}:</dt><dd>{value}</dd>\n"))
    };
    dd(
        &mut h,
        "Inspection Title",
        escape(&with_full_stop(&d.inspection.title)),
    );
    dd(
        &mut h,
        "Published on",
        escape(&d.inspection.published_on.long()),
    );
    dd(
        &mut h,
        "Publication Types",
        escape(&d.inspection.publication_types.join(", ")),
    );
    dd(&mut h, "Police Forces", escape(&d.inspection.police_forces));
    let link = match d.inspection.report_url.as_deref().filter(|u| safe_url(u)) {
        Some(url) => format!(
            "<a href=\"{}\">{} - {}</a>",
            escape(url),
            escape(&d.inspection.title),
            escape(INSPECTORATE)
        ),
        None => "<span class=\"pending\">Not given.</span>".into(),
    };
    dd(&mut h, "Link to Report", link);
    dd(
        &mut h,
        "Section 55 Response Deadline",
        escape(&d.section55_deadline.long()),
    );
    h.push_str("</dl>\n<h2>Key Findings</h2>\n");
    h.push_str(&markdown_or_pending(&d.inspection.key_findings));
    h.push_str(&format!(
        "<h2>Recommendations</h2>\n<p>{}</p>\n",
        escape(&d.recommendations_summary)
    ));
    for r in &d.recommendations {
        item_html(&mut h, r);
    }
    h.push_str("<h2>Areas For Improvement</h2>\n");
    if d.areas_for_improvement.is_empty() {
        h.push_str("<p>There were no areas for improvement.</p>\n");
    }
    for a in &d.areas_for_improvement {
        item_html(&mut h, a);
    }
    if !d.causes_of_concern.is_empty() {
        h.push_str("<h2>Causes Of Concern</h2>\n");
        for c in &d.causes_of_concern {
            item_html(&mut h, c);
        }
    }
    h.push_str("<h2>Chief Constable response to report and any Recommendations/Areas For Improvement</h2>\n");
    let cc = &d.chief_constable_response;
    if let Some(note) = &cc.note {
        h.push_str(&format!("<p class=\"pending\">{}</p>\n", escape(note)));
    }
    if cc.comments.is_some() || cc.note.is_none() {
        h.push_str(&markdown_or_pending(cc.comments.as_deref().unwrap_or("")));
    }
    let missing = missing_answer(d);
    for r in &cc.items {
        response_html(&mut h, r, missing);
    }
    h.push_str(&format!(
        "<h2>{} response to report and any Recommendations/Areas For Improvement</h2>\n",
        escape(body_short)
    ));
    if let Some(line) = revision_line(d) {
        h.push_str(&format!("<p class=\"pending\">{}</p>\n", escape(&line)));
    }
    if d.pcc_response.draft {
        h.push_str(&format!("<p class=\"pending\">{}</p>\n", escape(PCC_DRAFT)));
    }
    h.push_str(&markdown_or_pending(
        d.pcc_response.comments.as_deref().unwrap_or(""),
    ));
    for r in &d.pcc_response.items {
        response_html(&mut h, r, missing);
    }
    h.push_str("<h2>For Office Use Only:</h2>\n<ul class=\"checklist\">\n");
    for (label, date) in checklist_lines(&d.checklist, &d.force.name) {
        match date {
            Some(day) => h.push_str(&format!(
                "<li>&#9745; {} ({}).</li>\n",
                escape(&label),
                escape(&day.long())
            )),
            None => h.push_str(&format!(
                "<li class=\"pending\">&#9744; {}: not yet.</li>\n",
                escape(&label)
            )),
        }
    }
    h.push_str("</ul>\n</main>\n</body>\n</html>\n");
    h
}

fn markdown_or_pending(md: &str) -> String {
    if md.trim().is_empty() {
        format!("<p class=\"pending\">{NOT_WRITTEN}</p>\n")
    } else {
        markdown_to_html(md)
    }
}

fn item_html(h: &mut String, i: &DocumentItem) {
    let to_body = if i.to_policing_body {
        " (addressed to the policing body)"
    } else {
        ""
    };
    h.push_str(&format!(
        "<h3>{} {}{to_body}:</h3>\n<p>{}</p>\n",
        kind_label(i.kind),
        i.number,
        escape(&i.text)
    ));
}

fn response_html(h: &mut String, r: &DocumentItemResponse, missing: &str) {
    h.push_str(&format!(
        "<h3>{} {}</h3>\n<p>{}</p>\n",
        kind_label(r.kind),
        r.number,
        escape(&r.text)
    ));
    if r.draft {
        h.push_str(&format!("<p class=\"pending\">{DRAFT_ANSWER}</p>\n"));
    }
    match r.response.as_deref() {
        Some(text) => h.push_str(&markdown_or_pending(text)),
        None => h.push_str(&format!("<p class=\"pending\">{}</p>\n", escape(missing))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_user_text_is_escaped() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        let html = markdown_to_html(
            "Hello <script>alert(1)</script> [x](javascript:alert(1)) ![i](https://t.example/p.png)",
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(!html.contains("<img"), "{html}");
    }

    #[test]
    fn force_names_shorten_for_the_police_and_crime_panel() {
        assert_eq!(short_force_name("Norfolk Constabulary"), "Norfolk");
        assert_eq!(
            short_force_name("Avon and Somerset Police"),
            "Avon and Somerset"
        );
        assert_eq!(
            short_force_name("Metropolitan Police Service"),
            "Metropolitan"
        );
    }
}
