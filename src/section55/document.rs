//! The published Section 55 document of a force for an inspection, laid out as the OPCCs
//! publish it: as JSON, Markdown or HTML. What is not yet written shows as such; in HTML
//! nothing a user typed becomes markup.

use serde::Serialize;
use utoipa::ToSchema;

use crate::app::Ctx;
use crate::auth::policy::{self, Stage};
use crate::error::{AppError, AppResult};
use crate::forces::model::{PolicingBody, PolicingBodyKind};
use crate::items::model::{Item, ItemKind};
use crate::pcc_responses::model::{Checklist, PccStatus};
use crate::responses::model::{Acceptance, ResponseStatus};
use crate::section55::rules::Section55Status;
use crate::types::{Date, Timestamp, parse_uuid};

pub const STATUTORY_PARAGRAPH: &str = "Section 55 of the Police Act 1996 (as amended by section 37 of the Policing and Crime Act 2017) requires local policing bodies to respond and publish comments on all inspection reports pertaining to your force within 56 days of report publication.";
pub const INSPECTORATE: &str =
    "His Majesty's Inspectorate of Constabulary and Fire & Rescue Services";
pub const NOT_WRITTEN: &str = "Not yet written.";

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DocumentForce {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DocumentInspection {
    pub id: String,
    pub title: String,
    pub published_on: Date,
    pub publication_types: Vec<String>,
    /// As the document words it, e.g. `All local forces in England and Wales`.
    pub police_forces: String,
    pub report_url: Option<String>,
    /// Markdown.
    pub key_findings: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DocumentItem {
    pub id: String,
    pub kind: ItemKind,
    pub number: i32,
    pub text: String,
    pub due_on: Option<Date>,
    /// Whether the force's policing body (rather than its chief constable) answers it.
    pub to_policing_body: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DocumentItemResponse {
    pub kind: ItemKind,
    pub number: i32,
    pub text: String,
    pub acceptance: Option<Acceptance>,
    /// Markdown; null when not yet written (or not yet the caller's to read).
    pub response: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DocumentChiefConstableResponse {
    /// Null when there is none yet, or the caller may not read it yet.
    pub status: Option<ResponseStatus>,
    /// Markdown; null when not yet written.
    pub comments: Option<String>,
    pub items: Vec<DocumentItemResponse>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DocumentPccResponse {
    pub status: Option<PccStatus>,
    pub revision: i32,
    pub published_at: Option<Timestamp>,
    /// Markdown; null when not yet written.
    pub comments: Option<String>,
    /// The force's responses to items addressed to its policing body.
    pub items: Vec<DocumentItemResponse>,
}

/// The Section 55 document as data.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Section55Document {
    pub title: String,
    pub statutory_paragraph: String,
    pub force: DocumentForce,
    /// The body in office on the inspection's publication date, which answers for it.
    pub policing_body: Option<PolicingBody>,
    pub inspection: DocumentInspection,
    pub section55_deadline: Date,
    /// E.g. `Ten recommendations are made within the report, four of which are directed at Chief Constables nationally:`.
    pub recommendations_summary: String,
    /// Recommendations addressed to the force (its chief constable or its policing body).
    pub recommendations: Vec<DocumentItem>,
    pub areas_for_improvement: Vec<DocumentItem>,
    pub causes_of_concern: Vec<DocumentItem>,
    pub chief_constable_response: DocumentChiefConstableResponse,
    pub pcc_response: DocumentPccResponse,
    pub checklist: Checklist,
    pub section55: Section55Status,
}

/// Gathers the document as the caller may read it.
pub async fn build(ctx: &Ctx, force: &str, inspection_id: &str) -> AppResult<Section55Document> {
    let (force, id) = (force.to_string(), parse_uuid("id", inspection_id)?);
    let c = ctx.clone();
    ctx.db
        .run_read(move |conn| {
            use crate::db::schema::{force_responses, item_responses, pcc_responses};
            use diesel::prelude::*;
            let inspection =
                crate::responses::service::inspection_for_force(conn, &c, &force, &id)?;
            let force_row = crate::forces::service::load(conn, &force, c.policy.today)?;
            let pcc = pcc_responses::table
                .find((&force, &id))
                .select(crate::pcc_responses::model::PccResponseRow::as_select())
                .first(conn)
                .optional()?;
            let pcc_status = pcc
                .as_ref()
                .map(|r| PccStatus::from_db(&r.status))
                .transpose()?;
            let published = pcc_status == Some(PccStatus::Published);
            if !policy::can_read_section55_document(&c.principal, &c.policy, &force, published) {
                return Err(AppError::not_found(format!(
                    "no published Section 55 response from {force} to this inspection"
                )));
            }
            let territorial = force_row.kind == crate::forces::model::ForceKind::Territorial;
            let in_scope = inspection.covers(&force, territorial);
            let body =
                crate::forces::service::policing_body_on(conn, &force, inspection.published_on)?;
            let items = crate::items::service::for_inspection(conn, &id)?;
            let mine: Vec<&Item> = items
                .iter()
                .filter(|i| i.applies_to(&force, in_scope))
                .collect();
            let doc_item = |i: &Item| DocumentItem {
                id: i.id.clone(),
                kind: i.kind,
                number: i.number,
                text: i.text.clone(),
                due_on: i.due_on,
                to_policing_body: !i.to_chief_constable_of(&force, in_scope),
            };
            let of_kind = |k: ItemKind| {
                mine.iter()
                    .filter(|i| i.kind == k)
                    .map(|i| doc_item(i))
                    .collect::<Vec<_>>()
            };
            let total_recommendations = items
                .iter()
                .filter(|i| i.kind == ItemKind::Recommendation)
                .count();
            let to_chief = mine
                .iter()
                .filter(|i| {
                    i.kind == ItemKind::Recommendation && i.to_chief_constable_of(&force, in_scope)
                })
                .count();

            let fr = force_responses::table
                .find((&force, &id))
                .select(crate::responses::model::ForceResponseRow::as_select())
                .first(conn)
                .optional()?
                .map(crate::responses::model::ForceResponse::from_row)
                .transpose()?;
            let fr_stage = fr.as_ref().map_or(Stage::Draft, |r| {
                crate::responses::service::stage_of(r.status)
            });
            // Publication of the PCC response makes the chief constable's part of the document public.
            let sees_force_work =
                published || policy::can_read_force_work(&c.principal, &c.policy, &force, fr_stage);
            let answers: Vec<crate::responses::model::ItemResponseRow> = if sees_force_work {
                item_responses::table
                    .filter(item_responses::force_id.eq(&force))
                    .filter(item_responses::inspection_id.eq(&id))
                    .select(crate::responses::model::ItemResponseRow::as_select())
                    .load(conn)?
            } else {
                vec![]
            };
            let mut chief_items = Vec::new();
            let mut body_items = Vec::new();
            for i in &mine {
                let answer = answers.iter().find(|a| a.item_id == i.id);
                let entry = DocumentItemResponse {
                    kind: i.kind,
                    number: i.number,
                    text: i.text.clone(),
                    acceptance: answer
                        .and_then(|a| a.acceptance.as_deref())
                        .map(Acceptance::from_db)
                        .transpose()?,
                    response: answer
                        .map(|a| a.response.clone())
                        .filter(|r| !r.trim().is_empty()),
                };
                if i.to_chief_constable_of(&force, in_scope) {
                    chief_items.push(entry);
                } else {
                    body_items.push(entry);
                }
            }
            let sees_pcc = pcc_status.is_some_and(|s| {
                policy::can_read_force_work(
                    &c.principal,
                    &c.policy,
                    &force,
                    crate::pcc_responses::service::stage_of(s),
                )
            });
            let first_published = pcc.as_ref().and_then(|r| r.first_published_at);
            let section55 = crate::forces::worklist::section55_of(
                inspection.section55_deadline,
                first_published,
                c.policy.today,
            );
            let checklist = match (&pcc, sees_pcc) {
                (Some(r), true) => Checklist::of_row(r),
                _ => Checklist::default(),
            };
            let pcc_response = DocumentPccResponse {
                status: if sees_pcc { pcc_status } else { None },
                revision: pcc.as_ref().filter(|_| sees_pcc).map_or(0, |r| r.revision),
                published_at: pcc
                    .as_ref()
                    .filter(|_| sees_pcc)
                    .and_then(|r| r.published_at)
                    .map(Timestamp::from),
                comments: pcc
                    .as_ref()
                    .filter(|_| sees_pcc)
                    .map(|r| r.comments.clone())
                    .filter(|t| !t.trim().is_empty()),
                items: body_items,
            };
            let chief_constable_response = DocumentChiefConstableResponse {
                status: fr.as_ref().filter(|_| sees_force_work).map(|r| r.status),
                comments: fr
                    .as_ref()
                    .filter(|_| sees_force_work)
                    .map(|r| r.comments.clone())
                    .filter(|t| !t.trim().is_empty()),
                items: chief_items,
            };
            let mut names = Vec::new();
            if inspection.scope.all_forces {
                names.push("All local forces in England and Wales".to_string());
            }
            if !inspection.scope.forces.is_empty() {
                let forces = crate::forces::service::load_many(
                    conn,
                    &inspection.scope.forces,
                    c.policy.today,
                )?;
                names.extend(forces.into_iter().map(|f| f.name));
            }
            Ok(Section55Document {
                title: title_line(body.as_ref(), &force_row.name),
                statutory_paragraph: STATUTORY_PARAGRAPH.into(),
                force: DocumentForce {
                    id: force.clone(),
                    name: force_row.name.clone(),
                },
                policing_body: body,
                inspection: DocumentInspection {
                    id: inspection.id.clone(),
                    title: inspection.title.clone(),
                    published_on: inspection.published_on,
                    publication_types: inspection.publication_types.clone(),
                    police_forces: join_names(&names),
                    report_url: inspection.report_url.clone(),
                    key_findings: inspection.key_findings.clone(),
                },
                section55_deadline: inspection.section55_deadline,
                recommendations_summary: recommendations_summary(
                    total_recommendations,
                    to_chief,
                    inspection.scope.all_forces,
                ),
                recommendations: of_kind(ItemKind::Recommendation),
                areas_for_improvement: of_kind(ItemKind::AreaForImprovement),
                causes_of_concern: of_kind(ItemKind::CauseOfConcern),
                chief_constable_response,
                pcc_response,
                checklist,
                section55,
            })
        })
        .await
}

/// The abbreviation the documents use for each kind of body.
pub fn short_name(kind: Option<PolicingBodyKind>) -> &'static str {
    match kind {
        Some(PolicingBodyKind::Pcc) | None => "PCC",
        Some(PolicingBodyKind::Pfcc) => "PFCC",
        Some(PolicingBodyKind::Mayor) => "Mayor",
        Some(PolicingBodyKind::CommonCouncil) => "Court of Common Council",
        Some(PolicingBodyKind::PolicingBoard) => "Policing Board",
    }
}

/// `Norfolk Police and Crime Commissioner (PCC) response to inspections published by …`.
pub fn title_line(body: Option<&PolicingBody>, force_name: &str) -> String {
    let who = match body {
        Some(b) if matches!(b.kind, PolicingBodyKind::Pcc | PolicingBodyKind::Pfcc) => {
            format!("{} ({})", b.name, short_name(Some(b.kind)))
        }
        Some(b) => b.name.clone(),
        None => format!("The local policing body of {force_name}"),
    };
    format!("{who} response to inspections published by {INSPECTORATE} (HMICFRS)")
}

fn join_names(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// `one` … `twenty`, then digits.
pub fn number_word(n: usize) -> String {
    const WORDS: [&str; 21] = [
        "no",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
        "twenty",
    ];
    WORDS
        .get(n)
        .map_or_else(|| n.to_string(), |w| w.to_string())
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next().map_or_else(String::new, |f| {
        f.to_uppercase().collect::<String>() + c.as_str()
    })
}

/// `Ten recommendations are made within the report, four of which are directed at Chief Constables nationally:`
pub fn recommendations_summary(total: usize, to_chief: usize, national: bool) -> String {
    if total == 0 {
        return "No recommendations are made within the report.".into();
    }
    let noun = if total == 1 {
        "recommendation is"
    } else {
        "recommendations are"
    };
    let whom = if national {
        "Chief Constables nationally"
    } else {
        "the Chief Constable"
    };
    let which = match (total, to_chief) {
        (1, 1) => format!("which is directed at {whom}"),
        (_, 0) => format!(
            "none of which {} directed at {whom}",
            if total == 1 { "is" } else { "are" }
        ),
        (t, c) if t == c => format!("all of which are directed at {whom}"),
        (_, c) => format!(
            "{} of which {} directed at {whom}",
            number_word(c),
            if c == 1 { "is" } else { "are" }
        ),
    };
    format!(
        "{} {noun} made within the report, {which}:",
        capitalised(&number_word(total))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_reads_as_the_example() {
        assert_eq!(
            recommendations_summary(10, 4, true),
            "Ten recommendations are made within the report, four of which are directed at Chief Constables nationally:"
        );
        assert_eq!(
            recommendations_summary(1, 1, false),
            "One recommendation is made within the report, which is directed at the Chief Constable:"
        );
        assert_eq!(
            recommendations_summary(3, 3, true),
            "Three recommendations are made within the report, all of which are directed at Chief Constables nationally:"
        );
        assert_eq!(
            recommendations_summary(25, 1, true),
            "25 recommendations are made within the report, one of which is directed at Chief Constables nationally:"
        );
    }

    #[test]
    fn the_title_names_the_body_as_the_reference_data_does() {
        let pcc = PolicingBody {
            name: "Norfolk Police and Crime Commissioner".into(),
            kind: PolicingBodyKind::Pcc,
        };
        assert_eq!(
            title_line(Some(&pcc), "Norfolk Constabulary"),
            "Norfolk Police and Crime Commissioner (PCC) response to inspections published by His Majesty's Inspectorate of Constabulary and Fire & Rescue Services (HMICFRS)"
        );
        let mayor = PolicingBody {
            name: "Mayor of York and North Yorkshire".into(),
            kind: PolicingBodyKind::Mayor,
        };
        assert!(
            title_line(Some(&mayor), "North Yorkshire Police")
                .starts_with("Mayor of York and North Yorkshire response")
        );
    }
}
