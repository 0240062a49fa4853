//! The published Section 55 document of a force for an inspection, laid out as the OPCCs
//! publish it: as JSON, Markdown or HTML. What is not yet written shows as such; in HTML
//! nothing a user typed becomes markup.

use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::policy;
use crate::context::Ctx;
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::forces::model::{PolicingBody, PolicingBodyKind};
use crate::items::model::{Item, ItemKind};
use crate::pcc_responses::model::{Checklist, PccStatus};
use crate::pcc_responses::service::ForceWorkAtPublication;
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
    /// Markdown; null when not yet written, or not submitted.
    pub response: Option<String>,
    /// Whether the answer shown is a draft (only in a preview).
    pub draft: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DocumentChiefConstableResponse {
    /// `submitted`; in a preview also `draft`; null when there is none to show.
    pub status: Option<ResponseStatus>,
    /// Markdown; null when not written or not submitted.
    pub comments: Option<String>,
    /// Whether the comments and answers shown are drafts (only in a preview).
    pub draft: bool,
    /// Where the response is not shown: why, as the document says it (e.g. that it had not
    /// been submitted when the PCC response was published).
    pub note: Option<String>,
    pub items: Vec<DocumentItemResponse>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DocumentPccResponse {
    pub status: Option<PccStatus>,
    /// The revision shown (0 before the first publication).
    pub revision: i32,
    /// The latest published revision; earlier ones are read with `?revision=N`.
    pub latest_revision: i32,
    /// When the revision shown was published.
    pub published_at: Option<Timestamp>,
    /// Markdown; null when not yet written or not yet published.
    pub comments: Option<String>,
    /// Whether the comments shown are a draft (only in a preview).
    pub draft: bool,
    /// The force's responses to items addressed to its policing body.
    pub items: Vec<DocumentItemResponse>,
}

/// The Section 55 document as data.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Section55Document {
    pub title: String,
    pub statutory_paragraph: String,
    /// Whether this is a preview: today's data, drafts marked, not the published record.
    pub preview: bool,
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

/// What the caller asked for: `?revision=` and `?preview=`, checked once access is decided.
#[derive(Debug, Clone, Copy, Default)]
pub struct Asked {
    pub revision: Option<i64>,
    pub preview: bool,
}

impl Asked {
    fn view(self) -> AppResult<View> {
        match (self.revision, self.preview) {
            (Some(_), true) => Err(AppError::bad_request(
                "a preview shows today's data: ask for it without `revision`",
            )),
            (None, true) => Ok(View::Preview),
            (Some(n), false) => i32::try_from(n)
                .ok()
                .filter(|n| *n >= 1)
                .map(View::Revision)
                .ok_or_else(|| {
                    AppError::bad_field("revision", "a revision is a whole number from 1")
                }),
            (None, false) => Ok(View::Record),
        }
    }
}

/// Which document is shown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum View {
    /// The published record: the latest revision; before the first publication, what has
    /// been submitted so far.
    #[default]
    Record,
    /// Published revision N.
    Revision(i32),
    /// Today's data, drafts included and marked: for those who read the force's drafts.
    Preview,
}

pub const NOT_SUBMITTED_AT_PUBLICATION: &str =
    "The Chief Constable's response had not been submitted when this response was published.";
pub const NOT_SUBMITTED: &str = "The Chief Constable's response has not been submitted yet.";
pub const DRAFT: &str = "Draft: the Chief Constable's response has not been submitted.";

/// The force's part of the document, as the view carries it.
struct ForcePart {
    status: Option<ResponseStatus>,
    comments: Option<String>,
    /// Item id → (acceptance, narrative).
    answers: std::collections::HashMap<String, (Option<String>, String)>,
    draft: bool,
    note: Option<String>,
}

impl ForcePart {
    fn of(work: ForceWorkAtPublication, note_if_not_submitted: &str) -> ForcePart {
        ForcePart {
            status: work.submitted.then_some(ResponseStatus::Submitted),
            comments: work.comments,
            answers: work
                .answers
                .into_iter()
                .map(|(item, acceptance, response)| (item, (acceptance, response)))
                .collect(),
            draft: false,
            note: (!work.submitted).then(|| note_if_not_submitted.to_string()),
        }
    }

    /// Today's data, drafts included (for the force's own people, who may read them).
    fn preview(
        conn: &mut DbConn,
        ctx: &Ctx,
        force: &str,
        inspection: &str,
    ) -> AppResult<ForcePart> {
        let response =
            crate::responses::service::readable_force_response_of(conn, ctx, force, inspection)?;
        let answers = crate::pcc_responses::service::item_answers(conn, ctx, force, inspection)?
            .into_iter()
            .map(|(item, acceptance, response)| (item, (acceptance, response)))
            .collect();
        let draft = response
            .as_ref()
            .is_none_or(|r| r.status != ResponseStatus::Submitted);
        Ok(ForcePart {
            status: response.as_ref().map(|r| r.status),
            comments: response.map(|r| r.comments),
            answers,
            draft,
            note: draft.then(|| DRAFT.to_string()),
        })
    }
}

fn not_found(force: &str) -> AppError {
    AppError::not_found(format!(
        "no published Section 55 response from {force} to this inspection"
    ))
}

/// Gathers the document as the caller may read it, in the view asked for (checked once access
/// is decided).
pub async fn build(
    ctx: &Ctx,
    force: &str,
    inspection_id: &str,
    asked: Asked,
) -> AppResult<Section55Document> {
    let (force, id) = (force.to_string(), parse_uuid("id", inspection_id)?);
    let c = ctx.clone();
    ctx.db
        .run_read(move |conn| {
            use crate::db::schema::pcc_responses;
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
                return Err(not_found(&force));
            }
            if asked.preview && !policy::can_preview_section55_document(&c.principal, &force) {
                return Err(AppError::not_found(format!(
                    "no preview of {force}'s Section 55 response for this caller"
                )));
            }
            let view = asked.view()?;
            let latest_revision = pcc.as_ref().map_or(0, |r| r.revision);
            // The revision shown, where the view shows a published one.
            let revision = match view {
                View::Preview => None,
                View::Revision(n) => Some(
                    crate::pcc_responses::service::load_revision(conn, &force, &id, n)?
                        .filter(|_| published)
                        .ok_or_else(|| AppError::not_found(format!("no published revision {n}")))?,
                ),
                View::Record if published => Some(
                    crate::pcc_responses::service::load_revision(
                        conn,
                        &force,
                        &id,
                        latest_revision,
                    )?
                    .ok_or_else(|| AppError::Internal("the latest revision is missing".into()))?,
                ),
                View::Record => None,
            };
            let preview = view == View::Preview;
            let part = match (&revision, preview) {
                (_, true) => ForcePart::preview(conn, &c, &force, &id)?,
                (Some(r), false) => ForcePart::of(
                    crate::pcc_responses::service::force_work_of_revision(conn, r)?,
                    NOT_SUBMITTED_AT_PUBLICATION,
                ),
                (None, false) => ForcePart::of(
                    crate::pcc_responses::service::force_work_now(conn, &c, &force, &id)?,
                    NOT_SUBMITTED,
                ),
            };

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

            let mut chief_items = Vec::new();
            let mut body_items = Vec::new();
            for i in &mine {
                let answer = part.answers.get(&i.id);
                let entry = DocumentItemResponse {
                    kind: i.kind,
                    number: i.number,
                    text: i.text.clone(),
                    acceptance: answer
                        .and_then(|(a, _)| a.as_deref())
                        .map(Acceptance::from_db)
                        .transpose()?,
                    response: answer
                        .map(|(_, r)| r.clone())
                        .filter(|r| !r.trim().is_empty()),
                    draft: part.draft && answer.is_some(),
                };
                if i.to_chief_constable_of(&force, in_scope) {
                    chief_items.push(entry);
                } else {
                    body_items.push(entry);
                }
            }
            let first_published = pcc.as_ref().and_then(|r| r.first_published_at);
            let section55 = crate::forces::worklist::section55_of(
                inspection.section55_deadline,
                first_published,
                c.policy.today,
            );
            let written = |t: &String| !t.trim().is_empty();
            let (pcc_response, checklist) = match (&revision, &pcc) {
                (Some(r), Some(current)) => (
                    DocumentPccResponse {
                        status: Some(PccStatus::Published),
                        revision: r.revision,
                        latest_revision,
                        published_at: Some(Timestamp::from(r.published_at)),
                        comments: Some(r.comments.clone()).filter(written),
                        draft: false,
                        items: body_items,
                    },
                    // The office's record of its steps changes in place: the latest revision
                    // shows it as it is, an earlier one as it stood then.
                    if r.revision == latest_revision {
                        Checklist::of_row(current)
                    } else {
                        crate::pcc_responses::model::Revision::from_row(r.clone())?.checklist
                    },
                ),
                (None, Some(current)) if preview => (
                    DocumentPccResponse {
                        status: pcc_status,
                        revision: current.revision,
                        latest_revision,
                        published_at: current.published_at.map(Timestamp::from),
                        comments: Some(current.comments.clone()).filter(written),
                        draft: pcc_status == Some(PccStatus::Draft),
                        items: body_items,
                    },
                    Checklist::of_row(current),
                ),
                _ => (
                    DocumentPccResponse {
                        // A draft's existence is the force's to know.
                        status: pcc_status.filter(|s| {
                            policy::can_read_force_work(
                                &c.principal,
                                &c.policy,
                                &force,
                                crate::pcc_responses::service::stage_of(*s),
                            )
                        }),
                        revision: 0,
                        latest_revision,
                        published_at: None,
                        comments: None,
                        draft: false,
                        items: body_items,
                    },
                    Checklist::default(),
                ),
            };
            let chief_constable_response = DocumentChiefConstableResponse {
                status: part.status,
                comments: part.comments.filter(written),
                draft: part.draft,
                note: part.note,
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
                preview,
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
