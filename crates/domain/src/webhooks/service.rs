//! Webhooks as their creators manage them (register, list, read, delete, deliveries, ping),
//! and the steps a delivery worker takes (`oversight::webhooks`): claim webhooks with work,
//! collect the events each one's creator may read from the feed into deliveries, and record
//! what each attempt got. The HTTP of a delivery is the worker's; nothing here sends anything.

use std::net::SocketAddr;

use chrono::NaiveDateTime;
use diesel::dsl::max;
use diesel::prelude::*;

use super::model::{
    Delivery, DeliveryRow, DeliveryStatus, NewDeliveryRow, NewWebhook, Webhook, WebhookInput,
    WebhookRow,
};
use super::rules;
use crate::audit::model::Entity;
use crate::auth::{Principal, policy};
use crate::context::Ctx;
use crate::db::keys::Key;
use crate::db::schema::{audit_events, forces, webhook_deliveries, webhooks};
use crate::db::{Db, DbConn};
use crate::error::{AppError, AppResult};
use crate::types::{Page, Timestamp, decode_cursor, json_list, new_id, to_json_text};
use crate::write::Body;

/// How long an instance holds a webhook it claimed; one that stopped mid-way (crashed, cut
/// off) is taken up by another after this.
pub const LEASE_SECS: i64 = 300;
/// Events turned into deliveries per webhook per claim, and feed rows read at most for them.
const COLLECT_LIMIT: i64 = 200;
const COLLECT_SCAN: i64 = 5_000;
/// Webhooks one caller may hold: each costs a worker's look at every change.
pub const MAX_PER_CALLER: i64 = 25;
/// Where a webhook with nothing pending is next looked at for retries (new events are seen
/// whatever this says).
const IDLE_DAYS: i64 = 365;

/// The actions of the feed, and the past-tense spelling DESIGN's example uses for them.
const ACTIONS: &[(&str, &str)] = &[
    ("create", "created"),
    ("update", "updated"),
    ("submit", "submitted"),
    ("publish", "published"),
    ("amend", "amended"),
    ("append", "appended"),
    ("due_soon", "due_soon"),
    ("overdue", "overdue"),
];

/// The event types a webhook takes: `["*"]`, or each `{entity}.{action}` of the feed (an
/// action may be written in the past tense, `item_response.updated`; it is kept as the feed
/// writes it). `422` naming the first unknown one.
pub fn event_types(given: Option<Vec<String>>) -> AppResult<Vec<String>> {
    let given = given.unwrap_or_else(|| vec!["*".into()]);
    if given.is_empty() {
        return Err(AppError::invalid(
            "events",
            "must name at least one event type, or \"*\" for all",
        ));
    }
    let mut out: Vec<String> = Vec::new();
    for (i, t) in given.iter().enumerate() {
        let t = t.trim();
        if t == "*" {
            return Ok(vec!["*".into()]);
        }
        let known = t.split_once('.').and_then(|(entity, action)| {
            Entity::parse(entity)?;
            ACTIONS
                .iter()
                .find(|(a, past)| *a == action || *past == action)
                .map(|(a, _)| format!("{entity}.{a}"))
        });
        match known {
            Some(t) if !out.contains(&t) => out.push(t),
            Some(_) => {}
            None => {
                return Err(AppError::invalid(
                    format!("events[{i}]"),
                    format!(
                        "{t:?} is not an event type (\"{{entity}}.{{action}}\" of the feed, or \"*\")"
                    ),
                ));
            }
        }
    }
    Ok(out)
}

/// Every address `host` resolves to, refused (`Err`, saying why) where any of them is one
/// webhooks are not delivered to, unless private targets are allowed. The one resolution a
/// delivery connects with, so that a name cannot be checked at one address and reached at
/// another.
pub async fn resolve(
    host: &str,
    port: u16,
    allow_private: bool,
) -> Result<Vec<SocketAddr>, String> {
    let found: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|e| format!("{host} does not resolve ({e})"))?
        .collect();
    if found.is_empty() {
        return Err(format!("{host} resolves to no address"));
    }
    if !allow_private
        && let Some((addr, why)) = found
            .iter()
            .find_map(|a| rules::refused_address(a.ip()).map(|why| (a, why)))
    {
        return Err(format!(
            "{host} resolves to {} ({why}), where webhooks are not delivered",
            addr.ip()
        ));
    }
    Ok(found)
}

fn webhook_of(row: WebhookRow) -> AppResult<Webhook> {
    Ok(Webhook {
        events: json_list("events", &row.events)?,
        forces: json_list("forces", &row.forces)?,
        id: row.id,
        url: row.url,
        active: row.active,
        created_at: row.created_at.into(),
        version: row.version,
    })
}

fn delivery_of(key: &Key, row: DeliveryRow) -> AppResult<Delivery> {
    Ok(Delivery {
        event_id: row.event_id.map(|id| crate::events::cursor::seal(key, id)),
        status: DeliveryStatus::from_db(&row.status)?,
        id: row.id,
        kind: row.kind,
        attempts: row.attempts,
        response_status: row.response_status,
        at: row.at.into(),
    })
}

/// Registers a webhook for the caller (any signed-in caller): `201` with its secret, shown
/// this once. `key` seals the secret at rest; without one (PostgreSQL with neither
/// `OVERSIGHT_WEBHOOK_KEY` nor an HS256 secret) webhooks are unavailable.
pub async fn register(
    ctx: &Ctx,
    key: Option<&Key>,
    allow_private: bool,
    body: Body<WebhookInput>,
) -> AppResult<NewWebhook> {
    policy::require_signed_in(&ctx.principal)?;
    let owner_sub = ctx
        .principal
        .sub
        .clone()
        .ok_or_else(|| AppError::Unauthenticated("this needs a valid bearer token".into()))?;
    let key = key.ok_or_else(|| {
        AppError::Unavailable(
            "webhooks need a key to keep their secrets: set OVERSIGHT_WEBHOOK_KEY".into(),
        )
    })?;
    let input = body.parse()?;
    let events = event_types(input.events)?;
    let forces_asked = crate::validate::tidy_labels(input.forces.unwrap_or_default());
    let target = rules::target(input.url.trim(), allow_private)?;
    if target.address.is_none() {
        resolve(&target.host, target.port, allow_private)
            .await
            .map_err(|why| AppError::invalid("url", why))?;
    }
    let id = new_id();
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret)
        .map_err(|e| AppError::Internal(format!("no randomness for a secret: {e}")))?;
    let sealed = super::seal::seal(key, &id, &secret)?;
    let principal = to_json_text(&ctx.principal);
    let now = ctx.now;
    let row = WebhookRow {
        id,
        owner_sub,
        owner_issuer: ctx.principal.issuer.clone(),
        principal,
        url: target.url.to_string(),
        events: to_json_text(&events),
        forces: to_json_text(&forces_asked),
        active: true,
        secret: sealed,
        position: 0,
        // Nothing pending: looked at when events come.
        next_at: now + chrono::Duration::days(IDLE_DAYS),
        lease_until: None,
        created_at: now,
        version: 1,
    };
    let row = ctx
        .db
        .transaction(move |conn| {
            let known: Vec<String> = forces::table
                .filter(forces::id.eq_any(&forces_asked))
                .select(forces::id)
                .load(conn)?;
            let held = owned_by(&row.owner_sub, row.owner_issuer.as_deref());
            if held.count().get_result::<i64>(conn)? >= MAX_PER_CALLER {
                return Err(AppError::Conflict(format!(
                    "a caller may hold at most {MAX_PER_CALLER} webhooks: delete one first"
                )));
            }
            if let Some((i, f)) = forces_asked
                .iter()
                .enumerate()
                .find(|(_, f)| !known.contains(f))
            {
                return Err(AppError::invalid(
                    format!("forces[{i}]"),
                    format!("no force {f:?}"),
                ));
            }
            // Changes from now on: what came before is in the feed.
            let position: Option<i64> = audit_events::table
                .select(max(audit_events::id))
                .first(conn)?;
            let row = WebhookRow {
                position: position.unwrap_or(0),
                ..row
            };
            diesel::insert_into(webhooks::table)
                .values((
                    webhooks::id.eq(&row.id),
                    webhooks::owner_sub.eq(&row.owner_sub),
                    webhooks::owner_issuer.eq(&row.owner_issuer),
                    webhooks::principal.eq(&row.principal),
                    webhooks::url.eq(&row.url),
                    webhooks::events.eq(&row.events),
                    webhooks::forces.eq(&row.forces),
                    webhooks::active.eq(row.active),
                    webhooks::secret.eq(&row.secret),
                    webhooks::position.eq(row.position),
                    webhooks::next_at.eq(row.next_at),
                    webhooks::created_at.eq(row.created_at),
                    webhooks::version.eq(row.version),
                ))
                .execute(conn)?;
            Ok(row)
        })
        .await?;
    Ok(NewWebhook {
        webhook: webhook_of(row)?,
        secret: rules::secret_text(&secret),
    })
}

/// The webhooks registered by one subject of one issuer (none: the single configured key).
fn owned_by<'a>(
    sub: &str,
    issuer: Option<&str>,
) -> webhooks::BoxedQuery<'a, <DbConn as diesel::Connection>::Backend> {
    let q = webhooks::table
        .filter(webhooks::owner_sub.eq(sub.to_string()))
        .into_boxed();
    match issuer {
        Some(i) => q.filter(webhooks::owner_issuer.eq(i.to_string())),
        None => q.filter(webhooks::owner_issuer.is_null()),
    }
}

/// The caller's webhook, `404` where there is none it may manage.
fn managed(conn: &mut DbConn, p: &Principal, id: &str) -> AppResult<WebhookRow> {
    let row: Option<WebhookRow> = webhooks::table
        .find(id)
        .select(WebhookRow::as_select())
        .first(conn)
        .optional()?;
    match row {
        Some(r) if policy::can_manage_webhook(p, &r.owner_sub, r.owner_issuer.as_deref()) => Ok(r),
        _ => Err(AppError::not_found(format!("no webhook {id}"))),
    }
}

/// The caller's webhooks (an admin's: everyone's), oldest first.
pub async fn list(ctx: &Ctx, limit: i64, cursor: Option<String>) -> AppResult<Page<Webhook>> {
    policy::require_signed_in(&ctx.principal)?;
    let after: Option<String> = cursor
        .as_deref()
        .map(|c| decode_cursor("cursor", c))
        .transpose()?;
    let p = ctx.principal.clone();
    ctx.db
        .run(move |conn| {
            let mut q = if policy::lists_every_webhook(&p) {
                webhooks::table.into_boxed()
            } else {
                owned_by(p.sub.as_deref().unwrap_or_default(), p.issuer.as_deref())
            };
            if let Some(after) = after {
                q = q.filter(webhooks::id.gt(after));
            }
            let rows = q
                .select(WebhookRow::as_select())
                .order(webhooks::id)
                .limit(limit + 1)
                .load(conn)?;
            Page::from_rows(rows, limit, |r: &WebhookRow| r.id.clone())
                .try_map_all(|rows| rows.into_iter().map(webhook_of).collect())
        })
        .await
}

pub async fn get(ctx: &Ctx, id: &str) -> AppResult<Webhook> {
    policy::require_signed_in(&ctx.principal)?;
    let id = crate::types::parse_uuid("id", id)?;
    let p = ctx.principal.clone();
    ctx.db
        .run(move |conn| webhook_of(managed(conn, &p, &id)?))
        .await
}

/// Deletes the webhook and its deliveries: nothing more is sent, even by an instance that is
/// sending to it now (its record of the attempt finds nothing to update).
pub async fn delete(ctx: &Ctx, id: &str) -> AppResult<()> {
    policy::require_signed_in(&ctx.principal)?;
    let id = crate::types::parse_uuid("id", id)?;
    let p = ctx.principal.clone();
    ctx.db
        .transaction(move |conn| {
            managed(conn, &p, &id)?;
            diesel::delete(
                webhook_deliveries::table.filter(webhook_deliveries::webhook_id.eq(&id)),
            )
            .execute(conn)?;
            diesel::delete(webhooks::table.find(&id)).execute(conn)?;
            Ok(())
        })
        .await
}

/// The webhook's deliveries, newest first.
pub async fn deliveries(
    ctx: &Ctx,
    id: &str,
    limit: i64,
    cursor: Option<String>,
) -> AppResult<Page<Delivery>> {
    policy::require_signed_in(&ctx.principal)?;
    let id = crate::types::parse_uuid("id", id)?;
    let before: Option<i64> = cursor
        .as_deref()
        .map(|c| decode_cursor("cursor", c))
        .transpose()?;
    let key = ctx.db.keys()?.feed_cursor.clone();
    let p = ctx.principal.clone();
    ctx.db
        .run(move |conn| {
            managed(conn, &p, &id)?;
            let mut q = webhook_deliveries::table
                .filter(webhook_deliveries::webhook_id.eq(&id))
                .select(DeliveryRow::as_select())
                .into_boxed();
            if let Some(before) = before {
                q = q.filter(webhook_deliveries::n.lt(before));
            }
            let rows = q
                .order(webhook_deliveries::n.desc())
                .limit(limit + 1)
                .load(conn)?;
            Page::from_rows(rows, limit, |r: &DeliveryRow| r.n)
                .try_map_all(|rows| rows.into_iter().map(|r| delivery_of(&key, r)).collect())
        })
        .await
}

fn message_id() -> String {
    format!("msg_{}", uuid::Uuid::now_v7().simple())
}

/// Queues a `ping` to the webhook, behind whatever is pending for it.
pub async fn ping(ctx: &Ctx, id: &str) -> AppResult<Delivery> {
    policy::require_signed_in(&ctx.principal)?;
    let id = crate::types::parse_uuid("id", id)?;
    let key = ctx.db.keys()?.feed_cursor.clone();
    let p = ctx.principal.clone();
    let now = ctx.now;
    ctx.db
        .transaction(move |conn| {
            managed(conn, &p, &id)?;
            let body = serde_json::json!({
                "type": "ping",
                "timestamp": Timestamp::from(now),
                "data": {"webhook_id": id},
            })
            .to_string();
            let msg = message_id();
            diesel::insert_into(webhook_deliveries::table)
                .values(NewDeliveryRow {
                    id: &msg,
                    webhook_id: &id,
                    event_id: None,
                    kind: "ping",
                    body: &body,
                    attempts: 0,
                    status: DeliveryStatus::Pending.as_str(),
                    created_at: now,
                    next_at: now,
                    at: now,
                })
                .execute(conn)?;
            let row: DeliveryRow = webhook_deliveries::table
                .filter(webhook_deliveries::id.eq(&msg))
                .select(DeliveryRow::as_select())
                .first(conn)?;
            diesel::update(webhooks::table.find(&id))
                .set(webhooks::next_at.eq(now))
                .execute(conn)?;
            delivery_of(&key, row)
        })
        .await
}

/// A webhook an instance holds (until its lease runs out) to collect and deliver its events.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: String,
    /// Its creator, as registered.
    pub principal: Principal,
    pub url: String,
    pub events: Vec<String>,
    pub forces: Vec<String>,
    /// Sealed ([`super::seal`]).
    pub secret: String,
    pub position: i64,
    /// Until when this instance holds it: also what it lets go of ([`release`]), so that one
    /// whose lease ran out never lets go of another's.
    pub lease_until: NaiveDateTime,
}

#[derive(diesel::QueryableByName)]
struct IdRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    id: String,
}

/// Claims up to `max` active webhooks with work (events after their position, or a delivery
/// due) that no other instance holds: `FOR UPDATE SKIP LOCKED` on PostgreSQL, so instances
/// claiming at once take different ones, and a lease so that none is taken again while held.
pub async fn claim(db: &Db, now: NaiveDateTime, max: i64) -> AppResult<Vec<Claimed>> {
    db.transaction(move |conn| {
        let (at, limit) = (
            crate::db::placeholder(conn, 1),
            crate::db::placeholder(conn, 2),
        );
        let lock = match conn {
            DbConn::Pg(_) => " FOR UPDATE SKIP LOCKED",
            DbConn::Sqlite(_) => "",
        };
        let sql = format!(
            "SELECT id FROM webhooks \
             WHERE active AND (lease_until IS NULL OR lease_until < {at}) \
               AND (next_at <= {at} OR position < (SELECT COALESCE(MAX(id), 0) FROM audit_events)) \
             ORDER BY next_at LIMIT {limit}{lock}"
        );
        let ids: Vec<String> = diesel::sql_query(sql)
            .bind::<diesel::sql_types::Timestamp, _>(now)
            .bind::<diesel::sql_types::BigInt, _>(max)
            .load::<IdRow>(conn)?
            .into_iter()
            .map(|r| r.id)
            .collect();
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let lease_until = now + chrono::Duration::seconds(LEASE_SECS);
        diesel::update(webhooks::table.filter(webhooks::id.eq_any(&ids)))
            .set(webhooks::lease_until.eq(lease_until))
            .execute(conn)?;
        let rows: Vec<WebhookRow> = webhooks::table
            .filter(webhooks::id.eq_any(&ids))
            .order(webhooks::next_at)
            .select(WebhookRow::as_select())
            .load(conn)?;
        rows.into_iter()
            .map(|r| {
                Ok(Claimed {
                    principal: serde_json::from_str(&r.principal).map_err(|e| {
                        AppError::Internal(format!(
                            "webhook {}: stored creator unreadable: {e}",
                            r.id
                        ))
                    })?,
                    events: json_list("events", &r.events)?,
                    forces: json_list("forces", &r.forces)?,
                    id: r.id,
                    url: r.url,
                    secret: r.secret,
                    position: r.position,
                    lease_until,
                })
            })
            .collect()
    })
    .await
}

/// Turns the events after the webhook's position that its creator may read (`ctx`: the
/// creator's, through the feed's own query) and that it asked for into pending deliveries, and
/// moves its position past everything read: how many. A change the creator may not read when
/// it is collected is not sent later (a draft submitted afterwards); the feed has it.
pub async fn collect(ctx: &Ctx, hook: &Claimed) -> AppResult<usize> {
    let key = ctx.db.keys()?.feed_cursor.clone();
    let c = ctx.clone();
    let hook = hook.clone();
    ctx.db
        .transaction(move |conn| {
            let scan = crate::events::service::scan(
                conn,
                &c,
                &key,
                hook.position,
                COLLECT_LIMIT,
                COLLECT_SCAN,
            )?;
            if scan.position == hook.position {
                return Ok(0);
            }
            let every = hook.events.iter().any(|e| e == "*");
            let mut queued = 0;
            for (id, event) in scan.events {
                let kind = format!("{}.{}", event.entity.as_str(), event.action);
                if !every && !hook.events.contains(&kind) {
                    continue;
                }
                if !hook.forces.is_empty()
                    && !event
                        .force_id
                        .as_ref()
                        .is_some_and(|f| hook.forces.contains(f))
                {
                    continue;
                }
                let body = serde_json::json!({
                    "type": kind,
                    "timestamp": event.at,
                    "data": event,
                })
                .to_string();
                diesel::insert_into(webhook_deliveries::table)
                    .values(NewDeliveryRow {
                        id: &message_id(),
                        webhook_id: &hook.id,
                        event_id: Some(id),
                        kind: &kind,
                        body: &body,
                        attempts: 0,
                        status: DeliveryStatus::Pending.as_str(),
                        created_at: c.now,
                        next_at: c.now,
                        at: c.now,
                    })
                    .execute(conn)?;
                queued += 1;
            }
            // Only from where this instance read: one whose lease ran out while it worked
            // must not queue what another has queued since.
            let moved = diesel::update(
                webhooks::table
                    .find(&hook.id)
                    .filter(webhooks::position.eq(hook.position)),
            )
            .set(webhooks::position.eq(scan.position))
            .execute(conn)?;
            if moved == 0 {
                return Err(AppError::Conflict(format!(
                    "webhook {} was collected by another instance",
                    hook.id
                )));
            }
            Ok(queued)
        })
        .await
}

/// The webhook's pending deliveries, in the order they were queued.
pub async fn pending(db: &Db, webhook: &str, limit: i64) -> AppResult<Vec<DeliveryRow>> {
    let webhook = webhook.to_string();
    db.run(move |conn| {
        Ok(webhook_deliveries::table
            .filter(webhook_deliveries::webhook_id.eq(&webhook))
            .filter(webhook_deliveries::status.eq(DeliveryStatus::Pending.as_str()))
            .order(webhook_deliveries::n)
            .limit(limit)
            .select(DeliveryRow::as_select())
            .load(conn)?)
    })
    .await
}

/// What one attempt got.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// The answer's status, where one came.
    pub status: Option<u16>,
    /// The first KiB of the answer's body, or why none came.
    pub detail: String,
    pub at: NaiveDateTime,
    /// When to try again, if this attempt failed.
    pub retry_at: NaiveDateTime,
}

/// Records an attempt at a delivery (still pending, at the attempts read): `delivered` on a
/// `2xx`, `failed` once it has been failing for a day since its first attempt (not since it
/// was queued: one waiting behind another's retries still gets its day), otherwise due again
/// at `retry_at`.
/// The status it now has, or `None` where it was no longer there to record (deleted, or
/// recorded by another instance).
pub async fn record(
    db: &Db,
    row: &DeliveryRow,
    attempt: Attempt,
) -> AppResult<Option<DeliveryStatus>> {
    let (n, attempts) = (row.n, row.attempts);
    let first = row.first_attempt_at.unwrap_or(attempt.at);
    db.transaction(move |conn| {
        let ok = attempt.status.is_some_and(|s| (200..300).contains(&s));
        let status = if ok {
            DeliveryStatus::Delivered
        } else if rules::gives_up(first, attempt.at) {
            DeliveryStatus::Failed
        } else {
            DeliveryStatus::Pending
        };
        let mut detail = attempt.detail;
        rules::cut(&mut detail, rules::RESPONSE_KEPT_BYTES);
        let n = diesel::update(
            webhook_deliveries::table
                .find(n)
                .filter(webhook_deliveries::status.eq(DeliveryStatus::Pending.as_str()))
                .filter(webhook_deliveries::attempts.eq(attempts)),
        )
        .set((
            webhook_deliveries::attempts.eq(attempts + 1),
            webhook_deliveries::status.eq(status.as_str()),
            webhook_deliveries::response_status.eq(attempt.status.map(i32::from)),
            webhook_deliveries::response_body.eq(detail),
            webhook_deliveries::at.eq(attempt.at),
            webhook_deliveries::first_attempt_at.eq(first),
            webhook_deliveries::next_at.eq(attempt.retry_at),
        ))
        .execute(conn)?;
        Ok((n == 1).then_some(status))
    })
    .await
}

/// Whether any webhook is active: an instance with none looks for work only now and then.
pub async fn any_active(db: &Db) -> AppResult<bool> {
    db.run(|conn| {
        Ok(diesel::select(diesel::dsl::exists(
            webhooks::table.filter(webhooks::active.eq(true)),
        ))
        .get_result(conn)?)
    })
    .await
}

/// Lets the webhook go, if this instance still holds it, to be looked at again at `next_at`
/// (its first pending delivery's next attempt) or when new events come.
pub async fn release(
    db: &Db,
    hook: &Claimed,
    next_at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> AppResult<()> {
    let (webhook, held) = (hook.id.clone(), hook.lease_until);
    let next_at = next_at.unwrap_or(now + chrono::Duration::days(IDLE_DAYS));
    db.transaction(move |conn| {
        diesel::update(
            webhooks::table
                .find(&webhook)
                .filter(webhooks::lease_until.eq(held)),
        )
        .set((
            webhooks::lease_until.eq(None::<NaiveDateTime>),
            webhooks::next_at.eq(next_at),
        ))
        .execute(conn)?;
        Ok(())
    })
    .await
}

/// Stops a webhook whose creator would no longer be granted what it registered with: nothing
/// more is collected or sent, and what was pending is marked `failed`.
pub async fn deactivate(db: &Db, webhook: &str, now: NaiveDateTime) -> AppResult<()> {
    let webhook = webhook.to_string();
    db.transaction(move |conn| {
        diesel::update(webhooks::table.find(&webhook))
            .set((
                webhooks::active.eq(false),
                webhooks::lease_until.eq(None::<NaiveDateTime>),
                webhooks::version.eq(webhooks::version + 1),
            ))
            .execute(conn)?;
        diesel::update(
            webhook_deliveries::table
                .filter(webhook_deliveries::webhook_id.eq(&webhook))
                .filter(webhook_deliveries::status.eq(DeliveryStatus::Pending.as_str())),
        )
        .set((
            webhook_deliveries::status.eq(DeliveryStatus::Failed.as_str()),
            webhook_deliveries::at.eq(now),
        ))
        .execute(conn)?;
        Ok(())
    })
    .await
}
