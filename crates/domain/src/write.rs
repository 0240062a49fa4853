//! What every write carries besides its target: a body that is parsed only after access has
//! been decided, and a precondition (`If-Match` over REST, `expectedVersion` in GraphQL).

use bytes::Bytes;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::audit::model::Entity;
use crate::audit::service::{Change, record};
use crate::auth::policy;
use crate::context::Ctx;
use crate::db::DbConn;
use crate::error::{AppError, AppResult};

/// The optimistic write of every change: `UPDATE target SET row WHERE version = read`, and
/// `412 version_mismatch` when another writer changed the row since it was read. In a
/// transaction; `target` is the table filtered to the one row (`table.find(key)`).
#[macro_export]
macro_rules! update_if_unchanged {
    ($conn:expr, $target:expr, $version:expr, $read:expr, $row:expr) => {{
        let read: i32 = $read;
        let n = diesel::update($target.filter($version.eq(read)))
            .set($row)
            .execute($conn)?;
        if n == 0 {
            Err($crate::error::AppError::VersionMismatch { current: read + 1 })
        } else {
            Ok(())
        }
    }};
}

/// A resource whose writes are optimistic: each carries the version it was read at.
pub trait Versioned {
    fn version(&self) -> i32;
}

/// [`Versioned`] for resources that hold their `version`.
macro_rules! versioned {
    ($($t:ty),*) => {
        $(impl Versioned for $t {
            fn version(&self) -> i32 {
                self.version
            }
        })*
    };
}
versioned!(
    crate::actions::model::Action,
    crate::forces::model::Force,
    crate::inspections::model::Inspection,
    crate::items::model::Item,
    crate::pcc_responses::model::PccResponse,
    crate::responses::model::ForceResponse,
    crate::responses::model::ItemResponse
);

/// Where an audited change belongs.
pub struct Audited {
    pub force_id: Option<String>,
    pub inspection_id: Option<String>,
    pub entity: Entity,
    pub entity_id: String,
}

/// The steps of one optimistic, audited change of one resource ([`put`], [`update`]): what
/// each service writes of its own.
pub trait Update: Send + 'static {
    type Resource: Versioned + Serialize + Send + 'static;
    /// What reading the resource found besides it that the later steps need (its item, its
    /// inspection, whether its force is in scope).
    type Found;
    type Patch: DeserializeOwned + Send + 'static;

    /// The table and key of the row, locked first so that writers of it queue.
    fn lock(&self) -> (&'static str, Vec<(&'static str, &str)>);

    /// The resource as the caller may read it, `None` where a `PUT` would create it
    /// (`not_found` where the caller may not read what it belongs to).
    fn load(
        &self,
        conn: &mut DbConn,
        ctx: &Ctx,
    ) -> AppResult<(Option<Self::Resource>, Self::Found)>;

    /// Whether which parts of the resource a patch changes decides who may make the change
    /// (an item response: the force's answer or the inspectorate's status). The body is then
    /// read before the precondition, and [`Update::allow_patch`] decides.
    const RULE_READS_PATCH: bool = false;

    /// Whether the caller may make the change (the access policy's rules for it).
    fn allow(
        &self,
        ctx: &Ctx,
        before: Option<&Self::Resource>,
        found: &Self::Found,
    ) -> AppResult<()>;

    /// Whether the caller may make this patch's change ([`Update::RULE_READS_PATCH`]).
    fn allow_patch(
        &self,
        _ctx: &Ctx,
        _before: Option<&Self::Resource>,
        _found: &Self::Found,
        _patch: &Self::Patch,
    ) -> AppResult<()> {
        Ok(())
    }

    /// Creates the absent resource from the patch: what it is and the audit's action. Only a
    /// `PUT` creates; an update's `load` never answers `None`.
    fn create(
        &self,
        _conn: &mut DbConn,
        _ctx: &Ctx,
        _found: Self::Found,
        _patch: Self::Patch,
    ) -> AppResult<(Self::Resource, &'static str)> {
        Err(AppError::not_found("there is nothing here to change"))
    }

    /// Checks the patch and writes the change where the row is still at the version read
    /// ([`update_if_unchanged!`]): the resource after it and the audit's action, or `None`
    /// where the patch changes nothing (nothing is written or audited).
    fn apply(
        &self,
        conn: &mut DbConn,
        ctx: &Ctx,
        before: &Self::Resource,
        found: Self::Found,
        patch: Self::Patch,
    ) -> AppResult<Option<(Self::Resource, &'static str)>>;

    /// Where the change is audited.
    fn audited(&self, found: &Self::Found) -> Audited;
}

/// One optimistic, audited change, the skeleton every service's update and `PUT` follows:
/// signed in; then in one transaction the row locked, the resource read as the caller may
/// read it, the change allowed, the precondition (`If-Match`, `expectedVersion`) held to the
/// version read (or to the resource's absence), the body parsed (only now: a caller refused
/// never learns what was wrong with it), the change checked and written, and audited beside
/// it. Answers the resource and whether it was created.
pub async fn put<U: Update>(
    ctx: &Ctx,
    op: U,
    pre: Precondition,
    body: Body<U::Patch>,
) -> AppResult<(U::Resource, bool)> {
    policy::require_signed_in(&ctx.principal)?;
    let c = ctx.clone();
    ctx.db
        .transaction(move |conn| {
            let (table, key) = op.lock();
            crate::db::lock_row(conn, table, &key)?;
            let (before, found) = op.load(conn, &c)?;
            op.allow(&c, before.as_ref(), &found)?;
            let current = before.as_ref().map(Versioned::version);
            let patch = if U::RULE_READS_PATCH {
                let patch = body.parse()?;
                op.allow_patch(&c, before.as_ref(), &found, &patch)?;
                pre.check_current(current)?;
                patch
            } else {
                pre.check_current(current)?;
                body.parse()?
            };
            let at = op.audited(&found);
            let ((after, action), before) = match before {
                None => (op.create(conn, &c, found, patch)?, None),
                Some(before) => match op.apply(conn, &c, &before, found, patch)? {
                    Some(changed) => (changed, Some(before)),
                    None => return Ok((before, false)),
                },
            };
            let created = before.is_none();
            record(
                conn,
                &c,
                Change {
                    force_id: at.force_id.as_deref(),
                    inspection_id: at.inspection_id.as_deref(),
                    entity: at.entity,
                    entity_id: &at.entity_id,
                    action,
                    before: before.as_ref(),
                    after: Some(&after),
                },
            )?;
            Ok((after, created))
        })
        .await
}

/// [`put`] of a resource that exists: an update.
pub async fn update<U: Update>(
    ctx: &Ctx,
    op: U,
    pre: Precondition,
    body: Body<U::Patch>,
) -> AppResult<U::Resource> {
    put(ctx, op, pre, body).await.map(|(r, _)| r)
}

/// A request body: raw JSON from REST, or a value GraphQL has already typed.
pub enum Body<T> {
    Json(Bytes),
    Value(T),
}

impl<T: DeserializeOwned> Body<T> {
    pub fn parse(self) -> AppResult<T> {
        match self {
            Body::Json(bytes) => crate::validate::parse_json(&bytes),
            Body::Value(v) => Ok(v),
        }
    }
}

/// The version a writer last read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precondition {
    /// No `If-Match`: fine for a create, `428` for a change.
    Missing,
    /// `If-Match: *`: any current version.
    Any,
    Version(i32),
    /// An `If-Match` this service could not have given out (reported once access is decided).
    Malformed,
    /// An action that carries no version (a publication): nothing to hold it to.
    Unconditional,
}

impl Precondition {
    /// Parses an `If-Match` header value: `"3"`, `W/"3"`, `3` or `*`.
    pub fn from_if_match(value: Option<&str>) -> AppResult<Precondition> {
        let Some(value) = value.map(str::trim) else {
            return Ok(Precondition::Missing);
        };
        if value == "*" {
            return Ok(Precondition::Any);
        }
        let tag = value.strip_prefix("W/").unwrap_or(value).trim_matches('"');
        Ok(tag
            .parse::<i32>()
            .map(Precondition::Version)
            .unwrap_or(Precondition::Malformed))
    }

    pub fn from_expected(version: Option<i32>) -> Precondition {
        version.map_or(Precondition::Missing, Precondition::Version)
    }

    /// Checks a change of an existing resource at `current`.
    pub fn check(&self, current: i32) -> AppResult<()> {
        match self {
            Precondition::Missing => Err(AppError::PreconditionRequired),
            Precondition::Any => Ok(()),
            Precondition::Version(v) if *v == current => Ok(()),
            Precondition::Version(_) => Err(AppError::VersionMismatch { current }),
            Precondition::Malformed => Err(malformed()),
            Precondition::Unconditional => Ok(()),
        }
    }

    /// Checks a `PUT` that creates what is absent (`None`) or changes what is at a version.
    pub fn check_current(&self, current: Option<i32>) -> AppResult<()> {
        match current {
            Some(version) => self.check(version),
            None => self.check_absent(),
        }
    }

    /// Checks a create: a specific version cannot match what does not exist yet.
    pub fn check_absent(&self) -> AppResult<()> {
        match self {
            Precondition::Version(_) | Precondition::Any => {
                Err(AppError::VersionMismatch { current: 0 })
            }
            Precondition::Missing | Precondition::Unconditional => Ok(()),
            Precondition::Malformed => Err(malformed()),
        }
    }
}

fn malformed() -> AppError {
    AppError::bad_field(
        "If-Match",
        "If-Match must carry an ETag this service gave out",
    )
}

/// Maps the loss of a race to create the same resource to `412`: the loser asked for "create"
/// (no `If-Match`), and the resource now exists.
pub fn lost_create_race(e: diesel::result::Error) -> AppError {
    match e {
        diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        ) => AppError::VersionMismatch { current: 1 },
        other => other.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An action without a version (a publication) passes whatever the resource's state.
    #[test]
    fn an_unconditional_action_holds_to_no_version() {
        assert!(Precondition::Unconditional.check_current(Some(3)).is_ok());
        assert!(Precondition::Unconditional.check_current(None).is_ok());
    }

    #[test]
    fn if_match_forms() {
        assert_eq!(
            Precondition::from_if_match(Some("\"3\"")).unwrap(),
            Precondition::Version(3)
        );
        assert_eq!(
            Precondition::from_if_match(Some("W/\"3\"")).unwrap(),
            Precondition::Version(3)
        );
        assert_eq!(
            Precondition::from_if_match(Some("*")).unwrap(),
            Precondition::Any
        );
        assert_eq!(
            Precondition::from_if_match(None).unwrap(),
            Precondition::Missing
        );
        assert_eq!(
            Precondition::from_if_match(Some("\"abc\"")).unwrap(),
            Precondition::Malformed
        );
        assert_eq!(
            Precondition::Malformed.check(1).unwrap_err().code(),
            "bad_request"
        );
    }

    #[test]
    fn changes_need_the_current_version() {
        assert_eq!(
            Precondition::Missing.check(2).unwrap_err().code(),
            "precondition_required"
        );
        assert_eq!(
            Precondition::Version(1).check(2).unwrap_err().code(),
            "version_mismatch"
        );
        assert!(Precondition::Version(2).check(2).is_ok());
        assert!(Precondition::Missing.check_absent().is_ok());
        assert!(Precondition::Version(1).check_absent().is_err());
    }
}
