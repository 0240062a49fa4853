//! Adding, changing and reading the items of an inspection.

use diesel::prelude::*;

use super::model::{
    AddresseesInput, InDocumentOrder, Item, ItemHead, ItemKind, ItemPatch, ItemRow, NewItem,
};
use crate::audit::model::Entity;
use crate::audit::service::{Change, record};
use crate::auth::policy::{self, Action};
use crate::context::Ctx;
use crate::db::DbConn;
use crate::db::schema::items;
use crate::error::{AppError, AppResult};
use crate::inspections::model::Inspection;
use crate::inspections::service::{force_kind_is_territorial, load_one};
use crate::types::{Page, decode_cursor, new_id, parse_uuid, to_json_text};
use crate::validate::{Checks, MAX_LABEL, MAX_TEXT, tidy_labels};
use crate::write::{Body, Precondition};

/// Most items one inspection may hold (reports carry tens).
pub const MAX_ITEMS_PER_INSPECTION: usize = 1_000;

/// Every item of an inspection, in document order.
pub fn for_inspection(conn: &mut DbConn, inspection_id: &str) -> AppResult<Vec<Item>> {
    for_inspections(conn, &[inspection_id.to_string()])
}

/// Items of several inspections at once (GraphQL loaders), in document order.
pub fn for_inspections(conn: &mut DbConn, ids: &[String]) -> AppResult<Vec<Item>> {
    let rows = items::table
        .filter(items::inspection_id.eq_any(ids))
        .select(ItemRow::as_select())
        .load(conn)?;
    sorted(rows)
}

/// [`for_inspections`] read narrow: each item's identity, kind and number only, for a reader
/// that asks for nothing else.
pub fn heads_for_inspections(conn: &mut DbConn, ids: &[String]) -> AppResult<Vec<ItemHead>> {
    let rows: Vec<(String, String, String, i32)> = items::table
        .filter(items::inspection_id.eq_any(ids))
        .select((items::id, items::inspection_id, items::kind, items::number))
        .load(conn)?;
    in_document_order(rows.into_iter().map(|(id, inspection_id, kind, number)| {
        Ok(ItemHead {
            id,
            inspection_id,
            kind: ItemKind::from_db(&kind)?,
            number,
        })
    }))
}

fn sorted(rows: Vec<ItemRow>) -> AppResult<Vec<Item>> {
    in_document_order(rows.into_iter().map(Item::from_row))
}

fn in_document_order<T: InDocumentOrder>(
    items: impl Iterator<Item = AppResult<T>>,
) -> AppResult<Vec<T>> {
    let mut items = items.collect::<AppResult<Vec<_>>>()?;
    items.sort_unstable_by(|a, b| a.order().cmp(&b.order()));
    Ok(items)
}

type Cursor = (i32, i32, String);

/// A page of an inspection's items, optionally of one kind.
pub async fn list(
    ctx: &Ctx,
    inspection_id: &str,
    kind: Option<ItemKind>,
    limit: i64,
    cursor: Option<String>,
) -> AppResult<Page<Item>> {
    let inspection_id = parse_uuid("id", inspection_id)?;
    let after: Option<Cursor> = cursor
        .as_deref()
        .map(|c| decode_cursor("cursor", c))
        .transpose()?;
    let c = ctx.clone();
    ctx.db
        .run(move |conn| {
            load_one(conn, &c, &inspection_id)?;
            let all = for_inspection(conn, &inspection_id)?;
            Ok(paginate(all, kind, limit, after))
        })
        .await
}

/// Pages a list in document order (items per inspection are bounded, so this is in memory).
pub fn paginate<T: InDocumentOrder>(
    all: Vec<T>,
    kind: Option<ItemKind>,
    limit: i64,
    after: Option<Cursor>,
) -> Page<T> {
    let rest: Vec<T> = all
        .into_iter()
        .filter(|i| kind.is_none_or(|k| i.kind() == k))
        .filter(|i| {
            after
                .as_ref()
                .is_none_or(|(kind, number, id)| i.order() > (*kind, *number, id.as_str()))
        })
        .collect();
    Page::from_rows(rest, limit, T::sort_key)
}

/// Loads an item whose inspection the caller may read, with that inspection.
pub fn load_visible(conn: &mut DbConn, ctx: &Ctx, id: &str) -> AppResult<(Item, Inspection)> {
    let row = items::table
        .find(id)
        .select(ItemRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("no such item"))?;
    let inspection = load_one(conn, ctx, &row.inspection_id).map_err(|e| match e {
        AppError::NotFound(_) => AppError::not_found("no such item"),
        other => other,
    })?;
    Ok((Item::from_row(row)?, inspection))
}

pub async fn get(ctx: &Ctx, id: &str) -> AppResult<Item> {
    let id = parse_uuid("id", id)?;
    let c = ctx.clone();
    ctx.db
        .run(move |conn| load_visible(conn, &c, &id).map(|(item, _)| item))
        .await
}

/// Checks addressees: someone must be addressed, and named forces must be in scope.
fn check_addressees(
    conn: &mut DbConn,
    checks: &mut Checks,
    inspection: &Inspection,
    a: &AddresseesInput,
) -> AppResult<()> {
    if !a.chief_constables && !a.policing_bodies && a.forces.is_empty() && a.other_bodies.is_empty()
    {
        checks.fail(
            "addressees",
            "must address chief constables, policing bodies, named forces or other bodies",
        );
    }
    for (i, body) in a.other_bodies.iter().enumerate() {
        checks.text(&format!("addressees.other_bodies[{i}]"), body, MAX_LABEL);
    }
    for (i, force) in a.forces.iter().enumerate() {
        let field = format!("addressees.forces[{i}]");
        match force_kind_is_territorial(conn, force)? {
            None => checks.fail(field, format!("no force {force:?}")),
            Some(territorial) if !inspection.covers(force, territorial) => {
                checks.fail(field, format!("{force} is not in the inspection's scope"))
            }
            Some(_) => {}
        }
    }
    Ok(())
}

fn check_number(checks: &mut Checks, number: i32) {
    if number < 1 {
        checks.fail("number", "must be at least 1");
    }
}

/// Rejects a number already used by an item of the same kind.
fn require_free_number(
    conn: &mut DbConn,
    inspection_id: &str,
    kind: ItemKind,
    number: i32,
    except: Option<&str>,
) -> AppResult<()> {
    let mut q = items::table
        .filter(items::inspection_id.eq(inspection_id))
        .filter(items::kind.eq(kind.as_str()))
        .filter(items::number.eq(number))
        .select(items::id)
        .into_boxed();
    if let Some(id) = except {
        q = q.filter(items::id.ne(id.to_string()));
    }
    if q.first::<String>(conn).optional()?.is_some() {
        return Err(AppError::Conflict(format!(
            "the inspection already has {} {number}",
            kind.as_str().replace('_', " ")
        )));
    }
    Ok(())
}

fn tidy(a: AddresseesInput) -> AddresseesInput {
    let mut forces = a.forces;
    forces.sort();
    forces.dedup();
    AddresseesInput {
        forces,
        other_bodies: tidy_labels(a.other_bodies),
        ..a
    }
}

/// Adds an item to an inspection (inspectorate, admin).
pub async fn create(ctx: &Ctx, inspection_id: &str, body: Body<NewItem>) -> AppResult<Item> {
    policy::require_signed_in(&ctx.principal)?;
    let inspection_id = parse_uuid("id", inspection_id)?;
    let c = ctx.clone();
    ctx.db
        .transaction(move |conn| {
            let inspection = load_one(conn, &c, &inspection_id)?;
            policy::require(&c.principal, Action::ManageInspections)?;
            let mut input = body.parse()?;
            input.text = input.text.trim().to_string();
            input.addressees = tidy(input.addressees);
            let mut checks = Checks::new();
            check_number(&mut checks, input.number);
            checks.text("text", &input.text, MAX_TEXT);
            check_addressees(conn, &mut checks, &inspection, &input.addressees)?;
            checks.finish()?;
            let count: i64 = items::table
                .filter(items::inspection_id.eq(&inspection_id))
                .count()
                .get_result(conn)?;
            if count as usize >= MAX_ITEMS_PER_INSPECTION {
                return Err(AppError::Conflict(format!(
                    "an inspection holds at most {MAX_ITEMS_PER_INSPECTION} items"
                )));
            }
            require_free_number(conn, &inspection_id, input.kind, input.number, None)?;
            let row = ItemRow {
                id: new_id(),
                inspection_id: inspection_id.clone(),
                kind: input.kind.as_str().into(),
                number: input.number,
                text: input.text,
                to_chief_constables: input.addressees.chief_constables,
                to_policing_bodies: input.addressees.policing_bodies,
                addressee_forces: to_json_text(&input.addressees.forces),
                other_bodies: to_json_text(&input.addressees.other_bodies),
                due_on: input.due_on.map(|d| d.0),
                version: 1,
                created_at: c.now,
                updated_at: c.now,
            };
            diesel::insert_into(items::table)
                .values(&row)
                .execute(conn)?;
            let item = Item::from_row(row)?;
            record(
                conn,
                &c,
                Change::<(), _> {
                    force_id: None,
                    inspection_id: Some(&inspection_id),
                    entity: Entity::Item,
                    entity_id: &item.id,
                    action: "create",
                    before: None,
                    after: Some(&item),
                },
            )?;
            Ok(item)
        })
        .await
}

/// Changes an item (inspectorate, admin); fields left out stay as they are.
pub async fn update(
    ctx: &Ctx,
    id: &str,
    pre: Precondition,
    body: Body<ItemPatch>,
) -> AppResult<Item> {
    let id = parse_uuid("id", id)?;
    crate::write::update(ctx, ItemUpdate { id }, pre, body).await
}

struct ItemUpdate {
    id: String,
}

impl crate::write::Update for ItemUpdate {
    type Resource = Item;
    type Found = Inspection;
    type Patch = ItemPatch;

    fn lock(&self) -> (&'static str, Vec<(&'static str, &str)>) {
        ("items", vec![("id", &self.id)])
    }

    fn load(&self, conn: &mut DbConn, ctx: &Ctx) -> AppResult<(Option<Item>, Inspection)> {
        let (item, inspection) = load_visible(conn, ctx, &self.id)?;
        Ok((Some(item), inspection))
    }

    fn allow(&self, ctx: &Ctx, _: Option<&Item>, _: &Inspection) -> AppResult<()> {
        policy::require(&ctx.principal, Action::ManageInspections)
    }

    fn apply(
        &self,
        conn: &mut DbConn,
        ctx: &Ctx,
        before: &Item,
        inspection: Inspection,
        patch: ItemPatch,
    ) -> AppResult<Option<(Item, &'static str)>> {
        let id = &self.id;
        let mut row = items::table
            .find(id)
            .select(ItemRow::as_select())
            .first(conn)?;
        let mut checks = Checks::new();
        if let Some(kind) = patch.kind {
            row.kind = kind.as_str().into();
        }
        if let Some(number) = patch.number {
            check_number(&mut checks, number);
            row.number = number;
        }
        if let Some(text) = patch.text {
            row.text = text.trim().to_string();
            checks.text("text", &row.text, MAX_TEXT);
        }
        if let Some(a) = patch.addressees {
            let a = tidy(a);
            check_addressees(conn, &mut checks, &inspection, &a)?;
            row.to_chief_constables = a.chief_constables;
            row.to_policing_bodies = a.policing_bodies;
            row.addressee_forces = to_json_text(&a.forces);
            row.other_bodies = to_json_text(&a.other_bodies);
        }
        if let Some(due) = patch.due_on {
            row.due_on = due.map(|d| d.0);
        }
        checks.finish()?;
        let candidate = Item::from_row(row.clone())?;
        if candidate.kind == before.kind
            && candidate.number == before.number
            && candidate.text == before.text
            && candidate.addressees == before.addressees
            && candidate.due_on == before.due_on
        {
            return Ok(None);
        }
        if candidate.kind != before.kind || candidate.number != before.number {
            require_free_number(
                conn,
                &inspection.id,
                candidate.kind,
                candidate.number,
                Some(id),
            )?;
        }
        row.version = before.version + 1;
        row.updated_at = ctx.now;
        crate::update_if_unchanged!(
            conn,
            items::table.find(id),
            items::version,
            before.version,
            &row
        )?;
        Ok(Some((Item::from_row(row)?, "update")))
    }

    fn audited(&self, inspection: &Inspection) -> crate::write::Audited {
        crate::write::Audited {
            force_id: None,
            inspection_id: Some(inspection.id.clone()),
            entity: Entity::Item,
            entity_id: self.id.clone(),
        }
    }
}
