//! The schema's objects, inputs and enums, each over the domain type it shows (see `view`):
//! their fields and descriptions as GraphQL gives them. Resolvers of fields the domain type
//! does not hold are in each domain's GraphQL module (`#[ComplexObject]`).

use super::view::{Date, DateTime, Wide};

graphql_enum! {
    /// Where an action stands.
    ActionStatus = crate::actions::model::ActionStatus {
        Planned,
        InProgress,
        Blocked,
        PendingSignOff,
        Done,
        Cancelled,
    }
}

graphql_enum! {
    /// Red, amber, green.
    Rag = crate::actions::model::Rag {
        Red,
        Amber,
        Green,
    }
}

graphql_enum! {
    /// What kind of force this is.
    ForceKind = crate::forces::model::ForceKind {
        Territorial,
        BritishTransportPolice,
        CivilNuclear,
        MinistryOfDefence,
        NationalCrimeAgency,
        Other,
    }
}

graphql_enum! {
    /// The kind of local policing body.
    PolicingBodyKind = crate::forces::model::PolicingBodyKind {
        Pcc,
        Pfcc,
        Mayor,
        CommonCouncil,
        PolicingBoard,
    }
}

graphql_enum! {
    /// What an item is.
    ItemKind = crate::items::model::ItemKind {
        Recommendation,
        AreaForImprovement,
        CauseOfConcern,
    }
}

graphql_enum! {
    /// Where the PCC response stands.
    PccStatus = crate::pcc_responses::model::PccStatus {
        Draft,
        Published,
    }
}

graphql_enum! {
    /// Where the chief constable's response stands.
    ResponseStatus = crate::responses::model::ResponseStatus {
        Draft,
        Submitted,
    }
}

graphql_enum! {
    /// The force's answer to an item.
    Acceptance = crate::responses::model::Acceptance {
        Accepted,
        PartiallyAccepted,
        NotAccepted,
        NotApplicable,
    }
}

graphql_enum! {
    /// HMICFRS's view of the force's progress on an item; only the inspectorate sets it.
    HmicfrsStatus = crate::responses::model::HmicfrsStatus {
        AwaitingReview,
        BeingProgressed,
        Complete,
        NoFurtherActionNeeded,
        Superseded,
        Discharged,
    }
}

graphql_enum! {
    /// Where a force's PCC response stands against the deadline.
    Section55State = crate::section55::rules::Section55State {
        NotDue,
        DueSoon,
        Overdue,
        PublishedOnTime,
        PublishedLate,
    }
}

graphql_object! {
    /// A progress update: appended, never changed.
    #[graphql(name = "ActionUpdate")]
    pub struct ActionUpdate from crate::actions::model::ActionUpdate {
        pub id: String,
        pub at: DateTime,
        /// The token subject that wrote it.
        pub author: String,
        /// The status the action took with this update, if it changed it.
        pub status: Option<ActionStatus>,
        pub note: String,
    }
}

graphql_object! {
    /// One action of a force's plan for an item.
    pub struct Action from crate::actions::model::Action {
        pub id: String,
        pub force_id: String,
        pub item_id: String,
        pub title: String,
        /// A department or post.
        pub owner: String,
        pub due_on: Option<Date>,
        pub status: ActionStatus,
        pub rag: Option<Rag>,
        /// Links to evidence.
        pub evidence: Vec<String>,
        pub version: i32,
        pub created_at: DateTime,
        pub updated_at: DateTime,
        /// Oldest first.
        pub updates: Vec<ActionUpdate>,
    }
}

graphql_input! {
    /// `POST /v1/forces/{force}/items/{id}/actions`.
    #[graphql(name = "NewActionInput")]
    pub struct NewAction into crate::actions::model::NewAction {
        pub title: String,
        #[graphql(default)]
        pub owner: String,
        pub due_on: Option<Date>,
        /// Defaults to `planned`.
        pub status: Option<ActionStatus>,
        pub rag: Option<Rag>,
        #[graphql(default)]
        pub evidence: Vec<String>,
    }
}

graphql_input! {
    /// `POST /v1/forces/{force}/actions/{id}/updates`.
    #[graphql(name = "NewActionUpdateInput")]
    pub struct NewActionUpdate into crate::actions::model::NewActionUpdate {
        pub note: String,
        /// The action takes this status.
        pub status: Option<ActionStatus>,
        /// More evidence links, added to the action's.
        #[graphql(default)]
        pub evidence: Vec<String>,
    }
}

graphql_object! {
    /// How many of a force's actions on an item stand in each status, and how many are overdue.
    #[derive(Default)]
    eager pub struct ActionCounts from crate::actions::service::ActionCounts {
        pub planned: i64 => "planned" [READY] int,
        pub in_progress: i64 => "inProgress" [READY] int,
        pub blocked: i64 => "blocked" [READY] int,
        pub pending_sign_off: i64 => "pendingSignOff" [READY] int,
        pub done: i64 => "done" [READY] int,
        pub cancelled: i64 => "cancelled" [READY] int,
        pub total: i64 => "total" [READY] int,
        /// Past their due date and neither done nor cancelled.
        pub overdue: i64 => "overdue" [READY] int,
    }
}

graphql_object! {
    #[graphql(name = "ForceFigures")]
    pub struct ForceFigures from crate::compliance::figures::ForceFigures {
        /// Recommendations addressed to the force (in published inspections) that HMICFRS has not
        /// closed (complete, no further action needed, superseded or discharged).
        pub open_recommendations: i64,
        /// The force's actions past their due date, neither done nor cancelled, that the caller may read.
        pub overdue_actions: i64,
    }
}

graphql_object! {
    /// One force's counts.
    #[graphql(name = "Section55Compliance")]
    pub struct ComplianceRow from crate::compliance::service::ComplianceRow {
        pub force_id: String,
        pub not_due: i64,
        pub due_soon: i64,
        pub overdue: i64,
        pub published_on_time: i64,
        pub published_late: i64,
    }
}

graphql_object! {
    /// The local policing body that answers under Section 55.
    pub struct PolicingBody from crate::forces::model::PolicingBody {
        /// As in the reference data, e.g. `Norfolk Police and Crime Commissioner`.
        pub name: String,
        pub kind: PolicingBodyKind,
    }
}

graphql_object! {
    /// One period of a force's governance.
    pub struct GovernancePeriod from crate::forces::model::GovernancePeriod {
        pub name: String,
        pub kind: PolicingBodyKind,
        pub valid_from: Date,
        /// Last day in office; null while in office.
        pub valid_to: Option<Date>,
    }
}

graphql_object! {
    /// A force, with the policing body in office today and its governance history.
    #[graphql(complex)]
    pub struct Force from crate::forces::model::Force {
        /// Slug, e.g. `norfolk`.
        pub id: String,
        pub name: String,
        /// `england` or `wales` for territorial forces.
        pub country: String,
        pub kind: ForceKind,
        /// The body in office today; null if none is recorded.
        pub policing_body: Option<PolicingBody>,
        /// Every period of governance, oldest first.
        pub governance: Vec<GovernancePeriod>,
        pub version: i32,
        pub created_at: DateTime,
        pub updated_at: DateTime,
    }
}

graphql_object! {
    /// One inspection on a force's worklist.
    #[graphql(name = "ForceInspection")]
    pub struct WorklistEntry from crate::forces::worklist::WorklistEntry {
        pub inspection: Inspection,
        /// The chief constable's response: null when none has been started, or when the caller
        /// may not see a draft.
        pub response_status: Option<ResponseStatus>,
        /// The PCC response: null when none has been started, or when the caller may not see a draft.
        pub pcc_response_status: Option<PccStatus>,
        pub section55: Section55Status,
    }
}

graphql_object! {
    /// Which forces an inspection covers.
    pub struct Scope from crate::inspections::model::Scope {
        /// Every territorial force (a national or thematic inspection).
        pub all_forces: bool,
        /// Forces named individually (besides, or instead of, all territorial forces).
        pub forces: Vec<String>,
    }
}

graphql_object! {
    /// An inspection report published by HMICFRS.
    #[graphql(complex)]
    pub struct Inspection from crate::inspections::model::Inspection {
        pub id: String,
        pub title: String,
        pub published_on: Date,
        /// Free list, e.g. `Serious and organised crime`, `PEEL`.
        pub publication_types: Vec<String>,
        pub report_url: Option<String>,
        /// Markdown.
        pub key_findings: String,
        pub scope: Scope,
        /// Given by the inspectorate, or `published_on` + 56 days.
        pub section55_deadline: Date,
        pub version: i32,
        pub created_at: DateTime,
        pub updated_at: DateTime,
    }
}

graphql_input! {
    /// The scope of a new inspection; a list or flag left out is empty or false.
    #[graphql(name = "ScopeInput")]
    #[derive(Default)]
    pub struct ScopeInput into crate::inspections::model::ScopeInput {
        #[graphql(default)]
        pub all_forces: bool,
        #[graphql(default)]
        pub forces: Vec<String>,
    }
}

graphql_input! {
    /// `POST /v1/inspections`.
    #[graphql(name = "NewInspectionInput")]
    pub struct NewInspection into crate::inspections::model::NewInspection {
        pub title: String,
        pub published_on: Date,
        #[graphql(default)]
        pub publication_types: Vec<String>,
        pub report_url: Option<String>,
        #[graphql(default)]
        pub key_findings: String,
        #[graphql(default)]
        pub scope: ScopeInput,
        /// Defaults to `published_on` + 56 days.
        pub section55_deadline: Option<Date>,
    }
}

graphql_input! {
    /// Filters of `GET /v1/inspections` and GraphQL `inspections`.
    #[graphql(name = "InspectionFilter")]
    #[derive(Default)]
    pub struct InspectionFilter into crate::inspections::model::InspectionFilter {
        /// Only inspections covering this force.
        pub force: Option<String>,
        /// Only inspections with this publication type (case-insensitive, whole type).
        #[graphql(name = "type")]
        pub kind: Option<String>,
        pub published_from: Option<Date>,
        pub published_to: Option<Date>,
        /// Words in the title or key findings (case-insensitive).
        pub q: Option<String>,
    }
}

graphql_object! {
    /// Whom an item is addressed to.
    pub struct Addressees from crate::items::model::Addressees {
        /// The chief constables of the forces in the inspection's scope.
        pub chief_constables: bool,
        /// The local policing bodies of those forces.
        pub policing_bodies: bool,
        /// Forces named individually (their chief constables answer).
        pub forces: Vec<String>,
        /// Other bodies no force answers for, e.g. `National Crime Agency`, `Home Office`.
        pub other_bodies: Vec<String>,
    }
}

graphql_object! {
    /// A numbered recommendation, area for improvement or cause of concern.
    #[graphql(complex)]
    eager pub struct Item from crate::items::model::Item, narrow crate::items::model::ItemHead {
        pub id: String => "id" [READY NARROW] str,
        pub inspection_id: String => "inspectionId" [READY NARROW] str,
        pub kind: ItemKind => "kind" [READY NARROW] enumeration,
        pub number: i32 => "number" [READY NARROW] int,
        pub text: Wide<String> => "text" [READY WIDE] str,
        pub addressees: Wide<Addressees> => "addressees" [READY WIDE] resolver,
        pub due_on: Wide<Option<Date>> => "dueOn" [READY WIDE] resolver,
        pub version: Wide<i32> => "version" [READY WIDE] int,
        pub created_at: Wide<DateTime> => "createdAt" [READY WIDE] resolver,
        pub updated_at: Wide<DateTime> => "updatedAt" [READY WIDE] resolver,
    }
    // `response` waits only on batch loaders, and not at all where `Inspection.items` loaded
    // ahead; both read only the item's id and inspection.
    complex {
        "response" [READY NARROW],
        "responses" [NARROW],
    }
}

graphql_input! {
    /// Addressees of a new item; a flag or list left out is false or empty.
    #[graphql(name = "AddresseesInput")]
    #[derive(Default)]
    pub struct AddresseesInput into crate::items::model::AddresseesInput {
        #[graphql(default)]
        pub chief_constables: bool,
        #[graphql(default)]
        pub policing_bodies: bool,
        #[graphql(default)]
        pub forces: Vec<String>,
        #[graphql(default)]
        pub other_bodies: Vec<String>,
    }
}

graphql_input! {
    /// `POST /v1/inspections/{id}/items`.
    #[graphql(name = "NewItemInput")]
    pub struct NewItem into crate::items::model::NewItem {
        pub kind: ItemKind,
        pub number: i32,
        pub text: String,
        #[graphql(default)]
        pub addressees: AddresseesInput,
        pub due_on: Option<Date>,
    }
}

graphql_object! {
    /// The office checklist: the date each step was done, or null.
    #[graphql(name = "PccChecklist")]
    pub struct Checklist from crate::pcc_responses::model::Checklist {
        pub forwarded_to_chief_constable_on: Option<Date>,
        pub forwarded_to_police_and_crime_panel_on: Option<Date>,
        pub submitted_to_hmicfrs_portal_on: Option<Date>,
        pub sent_to_home_secretary_on: Option<Date>,
        pub published_on_opcc_website_on: Option<Date>,
    }
}

graphql_object! {
    /// The local policing body's response under Section 55.
    pub struct PccResponse from crate::pcc_responses::model::PccResponse {
        pub force_id: String,
        pub inspection_id: String,
        /// Markdown.
        pub comments: String,
        /// `draft` until first published; `published` after, even while an amendment is being written.
        pub status: PccStatus,
        /// The latest published revision (0 before the first publication).
        pub revision: i32,
        /// When the latest revision was published.
        pub published_at: Option<DateTime>,
        pub checklist: Checklist,
        pub section55: Section55Status,
        pub version: i32,
        pub created_at: DateTime,
        pub updated_at: DateTime,
    }
}

graphql_object! {
    /// The chief constable's overall response to an inspection.
    pub struct ForceResponse from crate::responses::model::ForceResponse {
        pub force_id: String,
        pub inspection_id: String,
        /// Markdown.
        pub comments: String,
        pub status: ResponseStatus,
        pub submitted_at: Option<DateTime>,
        pub version: i32,
        pub created_at: DateTime,
        pub updated_at: DateTime,
    }
}

graphql_input! {
    /// `PUT …/response`: fields left out keep their value (on creation: empty comments, draft).
    #[graphql(name = "ForceResponseInput")]
    #[derive(Default)]
    pub struct ForceResponseInput into crate::responses::model::ForceResponseInput {
        pub comments: Option<String>,
        /// `draft` or `submitted`; a submitted response does not go back to draft.
        pub status: Option<ResponseStatus>,
    }
}

graphql_object! {
    /// A force's response to one item.
    #[graphql(complex)]
    eager pub struct ItemResponse from crate::responses::model::ItemResponse,
        narrow crate::responses::model::ItemResponseHead {
        pub force_id: String => "forceId" [READY NARROW] str,
        pub item_id: String => "itemId" [READY NARROW] str,
        pub inspection_id: String => "inspectionId" [READY NARROW] str,
        pub acceptance: Option<Acceptance> => "acceptance" [READY NARROW] opt_enumeration,
        /// The force's narrative, Markdown.
        pub response: Wide<String> => "response" [READY WIDE] str,
        pub hmicfrs_status: HmicfrsStatus => "hmicfrsStatus" [READY NARROW] enumeration,
        pub version: Wide<i32> => "version" [READY WIDE] int,
        pub created_at: Wide<DateTime> => "createdAt" [READY WIDE] resolver,
        pub updated_at: Wide<DateTime> => "updatedAt" [READY WIDE] resolver,
    }
    // `actionCounts` answers from the counts read with the response (`counts`), or else waits
    // only on its batch loader.
    complex {
        "actions" [NARROW],
        "actionCounts" [READY NARROW],
    }
    hidden {
        /// The action counts its tally of actions gives on the reader's day, where the statement
        /// that read the response read its tally too (`service::ReadResponse`, for a query that
        /// asks for `actionCounts`): the response then answers `actionCounts` itself, with no
        /// statement, loader or lookup.
        pub counts: Option<std::sync::Arc<ActionCounts>>,
    }
    objects(response, field) {
        match field {
            "actionCounts" => response
                .counts
                .as_deref()
                .map(|c| c as &dyn crate::eager::ReadyObject),
            _ => None,
        }
    }
}

graphql_input! {
    /// `PUT /v1/forces/{force}/items/{id}/response`: fields left out keep their value. The force
    /// (or OPCC, for items addressed to policing bodies) writes `acceptance` and `response`; only
    /// the inspectorate writes `hmicfrs_status`.
    #[graphql(name = "ItemResponseInput")]
    #[derive(Default)]
    pub struct ItemResponseInput into crate::responses::model::ItemResponseInput {
        pub acceptance: Option<Acceptance>,
        pub response: Option<String>,
        pub hmicfrs_status: Option<HmicfrsStatus>,
    }
}

graphql_object! {
    /// A force's Section 55 status for one inspection.
    #[graphql(name = "Section55Status")]
    pub struct Section55Status from crate::section55::rules::Section55Status {
        pub deadline: Date,
        pub status: Section55State,
        /// Days until the deadline while it is ahead and nothing is published (0 on the day).
        pub days_remaining: Option<i64>,
        /// Days past the deadline: of publication, or of today while nothing is published.
        pub days_late: Option<i64>,
    }
}

oversight_domain::in_document_order!(Item);

impl crate::view::Convert<oversight_domain::responses::service::ReadResponse> for ItemResponse {
    /// A response as a loader read it, whole or narrow, with its counts where read.
    fn convert(read: oversight_domain::responses::service::ReadResponse) -> Self {
        use oversight_domain::types::Read;
        let mut response: ItemResponse = match read.response {
            Read::Whole(r) => crate::view::Convert::convert(r),
            Read::Narrow(r) => crate::view::Convert::convert(r),
        };
        response.counts = crate::view::Convert::convert(read.counts);
        response
    }
}
