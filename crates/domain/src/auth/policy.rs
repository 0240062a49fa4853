//! Every access rule of Oversight, in one place. REST handlers and GraphQL resolvers never
//! decide access: the service functions ask this module, which answers in the contract's
//! terms — `404` for whatever the caller may not read (so ids cannot be probed), `403` for
//! a caller who may read a thing but not make the change, `401` for an anonymous write.

use super::{Principal, Role};
use crate::error::AppError;
use crate::types::Date;

/// How far a piece of a force's own work has gone, which decides who outside the force
/// reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    /// Work in progress: the force (and admin) only.
    Draft,
    /// Submitted to HMICFRS: also analysts and the inspectorate.
    Submitted,
    /// Published: everyone, anonymous callers included when public reading is on.
    Published,
}

/// What a caller may want to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action<'a> {
    /// Create or change inspections and their items.
    ManageInspections,
    /// Create or change forces and their governance.
    ManageForces,
    /// The chief constable's overall response.
    EditForceResponse { force: &'a str },
    /// Acceptance and narrative of an item response; the item's addressees decide whose.
    EditItemResponse {
        force: &'a str,
        to_chief_constable: bool,
        to_policing_body: bool,
    },
    /// The HMICFRS status of an item response.
    SetHmicfrsStatus { force: &'a str },
    /// The PCC response, its checklist and its publication.
    EditPccResponse { force: &'a str },
    /// Cross-force figures and exports.
    ReadAnalytics,
    /// The audit trail of one force, or of everything (`None`).
    ReadAudit { force: Option<&'a str> },
}

/// Per-request facts the rules need besides the principal.
#[derive(Debug, Clone, Copy)]
pub struct Context {
    pub today: Date,
    pub public_read: bool,
}

/// Everything the rules of this module decide on, for one request, as bytes: two requests with
/// the same are allowed and refused exactly the same things, so an answer computed for one may
/// be given to the other (`graphql::answers`). A rule that comes to depend on anything more
/// must add it here.
pub fn decided_on(p: &Principal, c: &Context) -> Vec<u8> {
    let mut out = serde_json::to_vec(p).unwrap_or_default();
    out.push(0);
    out.extend_from_slice(c.today.0.to_string().as_bytes());
    out.push(if c.public_read { b'1' } else { b'0' });
    out
}

const FORCE_ROLES: [Role; 3] = [Role::ForceViewer, Role::ForceEditor, Role::OpccEditor];
const NATIONAL_READERS: [Role; 3] = [Role::Analyst, Role::Inspectorate, Role::Admin];

/// Whether the caller may see and manage a webhook: the one who registered it (the same
/// subject of the same issuer), or an admin. Anyone else is told it does not exist.
pub fn can_manage_webhook(p: &Principal, owner_sub: &str, owner_issuer: Option<&str>) -> bool {
    p.roles.contains(&Role::Admin)
        || (p.sub.as_deref() == Some(owner_sub) && p.issuer.as_deref() == owner_issuer)
}

/// Whether the caller's list of webhooks is everyone's (admin) rather than its own.
pub fn lists_every_webhook(p: &Principal) -> bool {
    p.roles.contains(&Role::Admin)
}

/// Whether the caller is one of the force's own people (any force role, token naming it).
pub fn is_member(p: &Principal, force: &str) -> bool {
    p.acts_for(force) && p.has_any(&FORCE_ROLES)
}

/// Every change needs a token: an anonymous write is `401` before anything is looked up.
pub fn require_signed_in(p: &Principal) -> Result<(), AppError> {
    if p.is_anonymous() {
        return Err(AppError::Unauthenticated(
            "this change needs a bearer token".into(),
        ));
    }
    Ok(())
}

/// Anonymous callers read public things only when the operator allows it.
pub fn require_public_read(p: &Principal, ctx: &Context) -> Result<(), AppError> {
    if p.is_anonymous() && !ctx.public_read {
        return Err(AppError::Unauthenticated(
            "this service needs a bearer token".into(),
        ));
    }
    Ok(())
}

/// An inspection is readable once published; before that (under embargo) only by the
/// inspectorate and admin.
pub fn can_read_inspection(p: &Principal, ctx: &Context, published_on: Date) -> bool {
    if p.has_any(&[Role::Inspectorate, Role::Admin]) {
        return true;
    }
    if p.is_anonymous() && !ctx.public_read {
        return false;
    }
    published_on <= ctx.today
}

/// Whether the embargo hides inspections published after `today` from this caller (for
/// list queries, which filter in SQL).
pub fn sees_embargoed(p: &Principal) -> bool {
    p.has_any(&[Role::Inspectorate, Role::Admin])
}

pub fn require_read_inspection(
    p: &Principal,
    ctx: &Context,
    published_on: Date,
) -> Result<(), AppError> {
    require_public_read(p, ctx)?;
    if can_read_inspection(p, ctx, published_on) {
        Ok(())
    } else {
        Err(AppError::not_found("no such inspection"))
    }
}

/// Whether the caller reads a force's work whatever its stage, drafts included: the force's
/// own members and admins. Readers use it to skip looking the stage up.
pub fn reads_force_work_at_every_stage(p: &Principal, force: &str) -> bool {
    p.has(Role::Admin) || is_member(p, force)
}

/// Whether the caller reads a force's work at this stage.
pub fn can_read_force_work(p: &Principal, ctx: &Context, force: &str, stage: Stage) -> bool {
    if reads_force_work_at_every_stage(p, force) {
        return true;
    }
    match stage {
        Stage::Draft => false,
        Stage::Submitted => p.has_any(&NATIONAL_READERS),
        Stage::Published => !p.is_anonymous() || ctx.public_read,
    }
}

pub fn require_read_force_work(
    p: &Principal,
    ctx: &Context,
    force: &str,
    stage: Stage,
    what: &str,
) -> Result<(), AppError> {
    if can_read_force_work(p, ctx, force, stage) {
        Ok(())
    } else {
        Err(AppError::not_found(format!("no such {what}")))
    }
}

/// The Section 55 document: everyone once the PCC response is published; before that the
/// force's people, admin, and national readers (each section then shows what they may read).
pub fn can_read_section55_document(
    p: &Principal,
    ctx: &Context,
    force: &str,
    published: bool,
) -> bool {
    if published {
        return can_read_force_work(p, ctx, force, Stage::Published);
    }
    can_read_force_work(p, ctx, force, Stage::Submitted)
}

/// What a publication of the PCC response makes public of the force's own work (the chief
/// constable's response, the item answers): what had been submitted by then. A draft never
/// becomes public by publication, and the published document never shows a draft.
pub fn publication_carries(stage: Stage) -> bool {
    stage >= Stage::Submitted
}

/// The document's preview (today's data, drafts marked) is for those who read the force's
/// drafts: its own people and admin.
pub fn can_preview_section55_document(p: &Principal, force: &str) -> bool {
    reads_force_work_at_every_stage(p, force)
}

/// Which forces' work a caller reads in cross-force lists, as a query can apply it: every
/// force's at every stage (admin), its own forces' at every stage, and other forces' once
/// submitted (national readers). The same rule as `can_read_force_work`, for SQL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkScope {
    pub everything: bool,
    pub own_forces: Vec<String>,
    pub submitted_elsewhere: bool,
}

pub fn work_scope(p: &Principal) -> WorkScope {
    WorkScope {
        everything: p.has(Role::Admin),
        own_forces: p
            .forces
            .iter()
            .filter(|f| is_member(p, f))
            .cloned()
            .collect(),
        submitted_elsewhere: p.has_any(&NATIONAL_READERS),
    }
}

/// Whether a force-scoped list (worklist, audit) may be read at all: the force's people,
/// national readers, and admin.
pub fn can_read_force_lists(p: &Principal, force: &str) -> bool {
    is_member(p, force) || p.has_any(&NATIONAL_READERS)
}

/// Decides a change. Call it after the target has been found readable (else `404`).
pub fn require(p: &Principal, action: Action<'_>) -> Result<(), AppError> {
    if p.is_anonymous() {
        return Err(AppError::Unauthenticated(
            "this change needs a bearer token".into(),
        ));
    }
    let editor_for = |role: Role, force: &str| p.has(role) && p.acts_for(force);
    let allowed = match action {
        Action::ManageInspections => p.has_any(&[Role::Inspectorate, Role::Admin]),
        Action::ManageForces => p.has(Role::Admin),
        Action::EditForceResponse { force } => editor_for(Role::ForceEditor, force),
        Action::EditItemResponse {
            force,
            to_chief_constable,
            to_policing_body,
        } => {
            (to_chief_constable && editor_for(Role::ForceEditor, force))
                || (to_policing_body && editor_for(Role::OpccEditor, force))
        }
        Action::SetHmicfrsStatus { .. } => p.has_any(&[Role::Inspectorate, Role::Admin]),
        Action::EditPccResponse { force } => editor_for(Role::OpccEditor, force),
        Action::ReadAnalytics => p.has_any(&NATIONAL_READERS),
        Action::ReadAudit { force: None } => p.has(Role::Admin),
        Action::ReadAudit { force: Some(force) } => p.has(Role::Admin) || is_member(p, force),
    };
    if allowed {
        Ok(())
    } else {
        Err(AppError::Forbidden(forbidden_reason(action)))
    }
}

/// Whose audit events a caller reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditScope {
    Everything,
    Forces(Vec<String>),
}

/// The audit trail: admin reads all of it (or one force's, when asked); a force's people read
/// their forces' events. Another force's trail is `404` to a force's people, `403` to national
/// readers (who may read the force's submitted work but not its trail), `401` anonymously.
pub fn audit_scope(p: &Principal, force: Option<&str>) -> Result<AuditScope, AppError> {
    if p.has(Role::Admin) {
        return Ok(force.map_or(AuditScope::Everything, |f| {
            AuditScope::Forces(vec![f.to_string()])
        }));
    }
    match force {
        Some(f) if is_member(p, f) => Ok(AuditScope::Forces(vec![f.to_string()])),
        Some(f) if p.is_anonymous() || p.has_any(&NATIONAL_READERS) => {
            require(p, Action::ReadAudit { force: Some(f) })?;
            Ok(AuditScope::Forces(vec![f.to_string()]))
        }
        Some(f) => Err(AppError::not_found(format!("no audit trail for {f:?}"))),
        None => {
            let mine: Vec<String> = p
                .forces
                .iter()
                .filter(|f| is_member(p, f))
                .cloned()
                .collect();
            if mine.is_empty() {
                require(p, Action::ReadAudit { force: None })?;
            }
            Ok(AuditScope::Forces(mine))
        }
    }
}

/// Reads that are not about one force's records (analytics, the whole audit trail) answer
/// `401` anonymously and `403` to a signed-in caller without the role.
pub fn require_read(p: &Principal, action: Action<'_>) -> Result<(), AppError> {
    require(p, action)
}

fn forbidden_reason(action: Action<'_>) -> String {
    match action {
        Action::ManageInspections => {
            "only the inspectorate publishes and changes inspections".into()
        }
        Action::ManageForces => "only an administrator changes forces and governance".into(),
        Action::EditForceResponse { force } => {
            format!("only a force_editor of {force} writes the chief constable's response")
        }
        Action::EditItemResponse {
            force,
            to_chief_constable,
            to_policing_body,
        } => match (to_chief_constable, to_policing_body) {
            (true, true) => {
                format!("only a force_editor or opcc_editor of {force} answers this item")
            }
            (false, true) => format!(
                "this item is addressed to the policing body: only an opcc_editor of {force} answers it"
            ),
            _ => format!("only a force_editor of {force} answers this item"),
        },
        Action::SetHmicfrsStatus { .. } => "only the inspectorate sets the HMICFRS status".into(),
        Action::EditPccResponse { force } => {
            format!("only an opcc_editor of {force} writes the PCC response")
        }
        Action::ReadAnalytics => "analytics are for analysts, the inspectorate and admin".into(),
        Action::ReadAudit { .. } => {
            "the audit trail is for admin and the force's own people".into()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Context {
        Context {
            today: Date::parse("2025-06-01").unwrap(),
            public_read: true,
        }
    }

    fn p(roles: &[Role], forces: &[&str]) -> Principal {
        Principal::new("t", roles, forces)
    }

    #[test]
    fn what_access_is_decided_on_tells_every_input_apart() {
        let base = decided_on(&p(&[Role::OpccEditor], &["norfolk"]), &ctx());
        assert_eq!(
            base,
            decided_on(&p(&[Role::OpccEditor], &["norfolk"]), &ctx())
        );
        let others = [
            decided_on(&p(&[Role::ForceViewer], &["norfolk"]), &ctx()),
            decided_on(&p(&[Role::OpccEditor], &["suffolk"]), &ctx()),
            decided_on(&p(&[Role::OpccEditor], &["norfolk", "suffolk"]), &ctx()),
            decided_on(
                &Principal::new("other", &[Role::OpccEditor], &["norfolk"]),
                &ctx(),
            ),
            decided_on(&Principal::anonymous(), &ctx()),
            // The same subject from another identity provider is another caller.
            decided_on(
                &Principal {
                    issuer: Some("norfolk-suffolk".into()),
                    ..p(&[Role::OpccEditor], &["norfolk"])
                },
                &ctx(),
            ),
            decided_on(
                &p(&[Role::OpccEditor], &["norfolk"]),
                &Context {
                    today: Date::parse("2025-06-02").unwrap(),
                    ..ctx()
                },
            ),
            decided_on(
                &p(&[Role::OpccEditor], &["norfolk"]),
                &Context {
                    public_read: false,
                    ..ctx()
                },
            ),
        ];
        for other in &others {
            assert_ne!(&base, other);
        }
    }

    /// Readers skip the stage lookup where `reads_force_work_at_every_stage` holds
    /// (`readable_item_responses`), and look it up for every other caller: both sound only if
    /// that rule is exactly "reads drafts", and reading a draft implies every later stage, for
    /// every role, member or not.
    #[test]
    fn work_readable_as_a_draft_is_readable_at_every_stage() {
        let stages = [Stage::Draft, Stage::Submitted, Stage::Published];
        for public_read in [true, false] {
            let c = Context {
                public_read,
                ..ctx()
            };
            let mut callers = vec![Principal::anonymous()];
            for &role in Role::ALL {
                callers.push(p(&[role], &["norfolk"]));
                callers.push(p(&[role], &[]));
            }
            for caller in &callers {
                for force in ["norfolk", "suffolk"] {
                    assert_eq!(
                        reads_force_work_at_every_stage(caller, force),
                        can_read_force_work(caller, &c, force, Stage::Draft)
                    );
                    if can_read_force_work(caller, &c, force, Stage::Draft) {
                        for stage in stages {
                            assert!(can_read_force_work(caller, &c, force, stage));
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn embargoed_inspections_are_for_the_inspectorate_and_admin() {
        let ahead = Date::parse("2025-06-02").unwrap();
        let today = Date::parse("2025-06-01").unwrap();
        assert!(can_read_inspection(
            &p(&[Role::Inspectorate], &[]),
            &ctx(),
            ahead
        ));
        assert!(can_read_inspection(&p(&[Role::Admin], &[]), &ctx(), ahead));
        for role in [
            Role::Analyst,
            Role::ForceEditor,
            Role::ForceViewer,
            Role::OpccEditor,
        ] {
            assert!(!can_read_inspection(
                &p(&[role], &["norfolk"]),
                &ctx(),
                ahead
            ));
            assert!(can_read_inspection(
                &p(&[role], &["norfolk"]),
                &ctx(),
                today
            ));
        }
        assert!(!can_read_inspection(&Principal::anonymous(), &ctx(), ahead));
        assert!(can_read_inspection(&Principal::anonymous(), &ctx(), today));
        let private = Context {
            public_read: false,
            ..ctx()
        };
        assert!(!can_read_inspection(
            &Principal::anonymous(),
            &private,
            today
        ));
    }

    #[test]
    fn drafts_are_for_the_force_and_admin_only() {
        let c = ctx();
        assert!(can_read_force_work(
            &p(&[Role::ForceViewer], &["norfolk"]),
            &c,
            "norfolk",
            Stage::Draft
        ));
        assert!(!can_read_force_work(
            &p(&[Role::ForceViewer], &["suffolk"]),
            &c,
            "norfolk",
            Stage::Draft
        ));
        assert!(can_read_force_work(
            &p(&[Role::Admin], &[]),
            &c,
            "norfolk",
            Stage::Draft
        ));
        assert!(!can_read_force_work(
            &p(&[Role::Analyst], &[]),
            &c,
            "norfolk",
            Stage::Draft
        ));
        assert!(can_read_force_work(
            &p(&[Role::Analyst], &[]),
            &c,
            "norfolk",
            Stage::Submitted
        ));
        assert!(!can_read_force_work(
            &Principal::anonymous(),
            &c,
            "norfolk",
            Stage::Submitted
        ));
        assert!(can_read_force_work(
            &Principal::anonymous(),
            &c,
            "norfolk",
            Stage::Published
        ));
        // A token naming the force but carrying no force role is not one of its people.
        assert!(!can_read_force_work(
            &p(&[Role::Analyst], &["norfolk"]),
            &c,
            "norfolk",
            Stage::Draft
        ));
    }

    #[test]
    fn a_joint_token_acts_for_both_forces() {
        let joint = p(&[Role::ForceEditor], &["norfolk", "suffolk"]);
        assert!(require(&joint, Action::EditForceResponse { force: "norfolk" }).is_ok());
        assert!(require(&joint, Action::EditForceResponse { force: "suffolk" }).is_ok());
        assert!(require(&joint, Action::EditForceResponse { force: "kent" }).is_err());
    }

    #[test]
    fn each_write_belongs_to_one_role() {
        let editor = p(&[Role::ForceEditor], &["norfolk"]);
        let opcc = p(&[Role::OpccEditor], &["norfolk"]);
        let viewer = p(&[Role::ForceViewer], &["norfolk"]);
        let inspectorate = p(&[Role::Inspectorate], &[]);
        let admin = p(&[Role::Admin], &[]);
        let f = "norfolk";
        assert!(require(&editor, Action::EditForceResponse { force: f }).is_ok());
        assert!(require(&opcc, Action::EditForceResponse { force: f }).is_err());
        assert!(require(&viewer, Action::EditForceResponse { force: f }).is_err());
        assert!(require(&admin, Action::EditForceResponse { force: f }).is_err());
        assert!(require(&opcc, Action::EditPccResponse { force: f }).is_ok());
        assert!(require(&editor, Action::EditPccResponse { force: f }).is_err());
        assert!(require(&editor, Action::SetHmicfrsStatus { force: f }).is_err());
        assert!(require(&inspectorate, Action::SetHmicfrsStatus { force: f }).is_ok());
        assert!(require(&inspectorate, Action::ManageInspections).is_ok());
        assert!(require(&admin, Action::ManageInspections).is_ok());
        assert!(require(&editor, Action::ManageInspections).is_err());
        assert!(require(&admin, Action::ManageForces).is_ok());
        assert!(require(&inspectorate, Action::ManageForces).is_err());
        let to_cc = Action::EditItemResponse {
            force: f,
            to_chief_constable: true,
            to_policing_body: false,
        };
        let to_body = Action::EditItemResponse {
            force: f,
            to_chief_constable: false,
            to_policing_body: true,
        };
        assert!(require(&editor, to_cc).is_ok());
        assert!(require(&opcc, to_cc).is_err());
        assert!(require(&opcc, to_body).is_ok());
        assert!(require(&editor, to_body).is_err());
    }

    #[test]
    fn the_audit_trail_is_for_admin_and_the_forces_own_people() {
        let viewer = p(&[Role::ForceViewer], &["norfolk"]);
        assert_eq!(
            audit_scope(&viewer, None).unwrap(),
            AuditScope::Forces(vec!["norfolk".into()])
        );
        assert_eq!(
            audit_scope(&viewer, Some("suffolk")).unwrap_err().code(),
            "not_found"
        );
        assert_eq!(
            audit_scope(&p(&[Role::Analyst], &[]), Some("norfolk"))
                .unwrap_err()
                .code(),
            "forbidden"
        );
        assert_eq!(
            audit_scope(&p(&[Role::Analyst], &[]), None)
                .unwrap_err()
                .code(),
            "forbidden"
        );
        assert_eq!(
            audit_scope(&Principal::anonymous(), None)
                .unwrap_err()
                .code(),
            "unauthenticated"
        );
        assert_eq!(
            audit_scope(&p(&[Role::Admin], &[]), None).unwrap(),
            AuditScope::Everything
        );
    }

    #[test]
    fn work_scopes_agree_with_the_stage_rule() {
        let c = ctx();
        for p in [
            p(&[Role::ForceViewer], &["norfolk"]),
            p(&[Role::Analyst], &[]),
            p(&[Role::Admin], &[]),
            Principal::anonymous(),
            p(&[Role::Analyst, Role::ForceEditor], &["kent"]),
        ] {
            let s = work_scope(&p);
            for force in ["norfolk", "kent"] {
                for stage in [Stage::Draft, Stage::Submitted] {
                    let by_scope = s.everything
                        || s.own_forces.iter().any(|f| f == force)
                        || (stage == Stage::Submitted && s.submitted_elsewhere);
                    assert_eq!(
                        by_scope,
                        can_read_force_work(&p, &c, force, stage),
                        "{p:?} {force} {stage:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn anonymous_writes_are_unauthenticated_and_weak_roles_forbidden() {
        let anon = require(&Principal::anonymous(), Action::ManageInspections).unwrap_err();
        assert_eq!(anon.code(), "unauthenticated");
        let weak = require(&p(&[Role::Analyst], &[]), Action::ManageInspections).unwrap_err();
        assert_eq!(weak.code(), "forbidden");
    }
}
