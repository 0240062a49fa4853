//! Webhooks and their deliveries as the API shows them, and as they are stored.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema::{webhook_deliveries, webhooks};
use crate::types::Timestamp;

crate::text_enum! {
    /// Where a delivery stands: `pending` until a `2xx` answer (`delivered`) or a day of
    /// failed attempts (`failed`).
    DeliveryStatus {
        Pending => "pending",
        Delivered => "delivered",
        Failed => "failed",
    }
}

/// A webhook: where the changes its creator may read are delivered.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Webhook {
    pub id: String,
    pub url: String,
    /// `["*"]`, or the event types delivered (`{entity}.{action}` of the feed).
    pub events: Vec<String>,
    /// The forces whose changes are delivered; empty for every force the creator may read.
    pub forces: Vec<String>,
    /// `false` once its creator would no longer be granted what it registered with.
    pub active: bool,
    pub created_at: Timestamp,
    pub version: i32,
}

/// A webhook just registered, with its signing secret: shown in this answer only.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NewWebhook {
    #[serde(flatten)]
    pub webhook: Webhook,
    /// `whsec_` + base64 of 32 random bytes: the key of every delivery's signature.
    pub secret: String,
}

/// `POST /v1/webhooks`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookInput {
    /// `https://…`, not resolving to a loopback, private, link-local, shared or multicast
    /// address.
    pub url: String,
    /// `["*"]` (the default) or event types such as `item_response.update`,
    /// `section55.due_soon`.
    #[serde(default)]
    pub events: Option<Vec<String>>,
    /// Forces to narrow to (default: every force the caller may read).
    #[serde(default)]
    pub forces: Option<Vec<String>>,
}

/// One event (or ping) sent, or to be sent, to a webhook.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Delivery {
    /// The `webhook-id` header, the same on every attempt.
    pub id: String,
    /// The feed event's `cursor`; `null` for a ping.
    pub event_id: Option<String>,
    #[serde(rename = "type")]
    pub kind: String,
    pub attempts: i32,
    pub status: DeliveryStatus,
    /// The status of the last answer; `null` before any, or where none came (refused, timed
    /// out).
    pub response_status: Option<i32>,
    /// The last attempt, or when the delivery was queued.
    pub at: Timestamp,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhooks)]
pub struct WebhookRow {
    pub id: String,
    pub owner_sub: String,
    pub owner_issuer: Option<String>,
    pub principal: String,
    pub url: String,
    pub events: String,
    pub forces: String,
    pub active: bool,
    pub secret: String,
    pub position: i64,
    pub next_at: chrono::NaiveDateTime,
    pub lease_until: Option<chrono::NaiveDateTime>,
    pub created_at: chrono::NaiveDateTime,
    pub version: i32,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_deliveries)]
pub struct DeliveryRow {
    pub n: i64,
    pub id: String,
    pub webhook_id: String,
    pub event_id: Option<i64>,
    pub kind: String,
    pub body: String,
    pub attempts: i32,
    pub status: String,
    pub response_status: Option<i32>,
    pub response_body: Option<String>,
    pub created_at: chrono::NaiveDateTime,
    pub first_attempt_at: Option<chrono::NaiveDateTime>,
    pub next_at: chrono::NaiveDateTime,
    pub at: chrono::NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = webhook_deliveries)]
pub struct NewDeliveryRow<'a> {
    pub id: &'a str,
    pub webhook_id: &'a str,
    pub event_id: Option<i64>,
    pub kind: &'a str,
    pub body: &'a str,
    pub attempts: i32,
    pub status: &'a str,
    pub created_at: chrono::NaiveDateTime,
    pub next_at: chrono::NaiveDateTime,
    pub at: chrono::NaiveDateTime,
}
