//! GraphQL: `Inspection.forceResponse`, `Item.response`, `Item.responses`, their loaders, and
//! the response mutations.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::connection::Connection;
use async_graphql::dataloader::Loader;
use async_graphql::{ComplexObject, Context, ID, Object, Result};
use diesel::prelude::*;

use super::model::{
    ForceResponse, ForceResponseInput, ForceResponseRow, ItemResponse, ItemResponseInput,
};
use super::service;
use crate::actions::model::Action;
use crate::app::Ctx;
use crate::db::schema::force_responses;
use crate::error::{AppError, IntoGql};
use crate::graphql::{Eager, EagerConnection, Loaders, connection, ctx};
use crate::items::model::Item;
use crate::types::{Page, decode_cursor};
use crate::write::{Body, Precondition};

/// Force responses by (force, inspection), keeping those the caller may read.
pub struct ForceResponses {
    pub ctx: Ctx,
}

impl Loader<(String, String)> for ForceResponses {
    type Value = ForceResponse;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[(String, String)],
    ) -> Result<HashMap<(String, String), ForceResponse>> {
        let keys = keys.to_vec();
        let c = self.ctx.clone();
        self.ctx
            .db
            .run(move |conn| {
                let batch = crate::db::PairBatch::new(&keys);
                let rows = force_responses::table
                    .filter(force_responses::force_id.eq_any(batch.firsts()))
                    .filter(force_responses::inspection_id.eq_any(batch.seconds()))
                    .select(ForceResponseRow::as_select())
                    .load(conn)?;
                let mut out = HashMap::new();
                for row in rows {
                    if !batch.asked(&row.force_id, &row.inspection_id) {
                        continue;
                    }
                    if let Some(r) = service::readable_force_response(&c, row)? {
                        out.insert((r.force_id.clone(), r.inspection_id.clone()), r);
                    }
                }
                Ok(out)
            })
            .await
            .map_err(|e: AppError| e.to_gql())
    }
}

/// Item responses by item, across every force whose work the caller may read.
pub struct ItemResponses {
    pub ctx: Ctx,
    /// Whether the query asks for [`ItemResponse::WIDE_FIELDS`]: if not, rows are read narrow.
    pub whole: bool,
}

/// Every readable force's response to an item, by force id.
pub type EveryResponse = Arc<Vec<Arc<ItemResponse>>>;

impl Loader<String> for ItemResponses {
    type Value = EveryResponse;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[String]) -> Result<HashMap<String, Self::Value>> {
        let keys = keys.to_vec();
        let c = self.ctx.clone();
        let whole = self.whole;
        let all = self
            .ctx
            .db
            .run(move |conn| service::item_responses_for_items(conn, &c, &keys, whole))
            .await
            .map_err(|e| e.to_gql())?;
        Ok(by_item(all))
    }
}

/// Responses grouped by item, in the order read.
fn by_item(all: Vec<ItemResponse>) -> HashMap<String, EveryResponse> {
    let mut out: HashMap<String, Vec<Arc<ItemResponse>>> = HashMap::new();
    for r in all {
        out.entry(r.item_id.clone()).or_default().push(Arc::new(r));
    }
    out.into_iter().map(|(k, v)| (k, Arc::new(v))).collect()
}

/// Every readable force's responses to `items` (by item) and the action counts of each
/// (force, inspection) among them (by pair), read in one unit of database work: the same
/// statements as [`ItemResponses`] and `ActionCountsLoader` in turn, without a second batch
/// round and hop to the blocking pool between them.
pub async fn every_response_with_counts(
    loader: &ItemResponses,
    items: Vec<String>,
) -> Result<(
    HashMap<String, EveryResponse>,
    HashMap<(String, String), crate::actions::graphql::ItemCounts>,
)> {
    let c = loader.ctx.clone();
    let (whole, today) = (loader.whole, loader.ctx.policy.today);
    let (responses, pairs, counts) = loader
        .ctx
        .db
        .run(move |conn| {
            let responses = service::item_responses_for_items(conn, &c, &items, whole)?;
            let pairs = count_keys(&responses);
            let counts = if pairs.is_empty() {
                Vec::new()
            } else {
                crate::actions::service::counts_for_inspections(conn, &pairs, today)?
            };
            Ok((responses, pairs, counts))
        })
        .await
        .map_err(|e| e.to_gql())?;
    let counts = crate::actions::graphql::counts_by_pair(&pairs, counts);
    Ok((by_item(responses), counts))
}

/// A force's responses to an inspection's items, by item, keeping those the caller may read:
/// keyed by (force, inspection), so that a dashboard of 20 inspections asks PostgreSQL for 20
/// ranges of one index rather than probing it for each of 400 items.
pub struct ItemResponsesOfForce {
    pub ctx: Ctx,
    /// As for [`ItemResponses`].
    pub whole: bool,
    /// Whether the action counts of the same (force, inspection) pairs are read too (a query
    /// whose document asks responses for `actionCounts`), from the responses' tallies in the
    /// same statement: no batch round, hand-off or statement of their own.
    pub counts: bool,
}

/// A force's responses to an inspection's items, by item id.
pub type ResponsesByItem = Arc<foldhash::HashMap<String, Arc<ItemResponse>>>;

/// What [`ItemResponsesOfForce`] reads for a (force, inspection) pair.
#[derive(Clone, Default)]
pub struct OfForce {
    pub responses: ResponsesByItem,
    /// The action counts by item, where the loader reads them.
    pub counts: Option<crate::actions::graphql::ItemCounts>,
}

impl Loader<(String, String)> for ItemResponsesOfForce {
    type Value = OfForce;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[(String, String)]) -> Result<HashMap<(String, String), OfForce>> {
        let pairs = keys.to_vec();
        let c = self.ctx.clone();
        let (whole, counts, today) = (self.whole, self.counts, self.ctx.policy.today);
        let (found, counts) = self
            .ctx
            .db
            .run(move |conn| {
                service::item_responses_of_forces(conn, &c, &pairs, whole, counts.then_some(today))
            })
            .await
            .map_err(|e| e.to_gql())?;
        let mut responses: HashMap<(String, String), foldhash::HashMap<_, _>> = HashMap::new();
        for r in found {
            responses
                .entry((r.force_id.clone(), r.inspection_id.clone()))
                .or_default()
                .insert(r.item_id.clone(), Arc::new(r));
        }
        let mut counts = counts.map(|rows| crate::actions::graphql::counts_by_pair(keys, rows));
        Ok(keys
            .iter()
            .map(|pair| {
                let of_force = OfForce {
                    responses: Arc::new(responses.remove(pair).unwrap_or_default()),
                    counts: counts.as_mut().and_then(|c| c.remove(pair)),
                };
                (pair.clone(), of_force)
            })
            .collect())
    }
}

/// Pages a list in memory by a string key (lists here are bounded by the number of forces).
pub fn page_by<T: Clone>(
    all: Vec<T>,
    key: impl Fn(&T) -> String,
    limit: i64,
    after: Option<String>,
) -> Result<Page<T>> {
    let after: Option<String> = after
        .as_deref()
        .map(|c| decode_cursor("after", c))
        .transpose()
        .gql()?;
    let rest: Vec<T> = all
        .into_iter()
        .filter(|t| after.as_ref().is_none_or(|a| key(t) > *a))
        .collect();
    Ok(Page::from_rows(rest, limit, key))
}

#[ComplexObject]
impl Item {
    /// A force's response to this item; null if none, or not the caller's to read.
    async fn response(
        &self,
        gql: &Context<'_>,
        force_id: String,
    ) -> Result<Option<Eager<ItemResponse>>> {
        let loaders = gql.data::<Arc<Loaders>>()?;
        let response = loaders
            .responses_of_force(&force_id, &self.inspection_id)
            .await?
            .get(&self.id)
            .cloned();
        if let Some(r) = &response
            && gql.look_ahead().field("actionCounts").exists()
        {
            loaders.load_counts(count_keys([&**r])).await?;
        }
        Ok(response.map(Eager))
    }

    /// Every force's response to this item that the caller may read, by force id.
    #[graphql(
        complexity = "(first.unwrap_or(20).clamp(0, 100) as usize).saturating_mul(child_complexity)"
    )]
    async fn responses(
        &self,
        gql: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<EagerConnection<ItemResponse>> {
        let limit = crate::graphql::first(first).gql()?;
        let loaders = gql.data::<Arc<Loaders>>()?;
        let all = loaders.every_response(&self.id).await?;
        let page = page_by(all.to_vec(), |r| r.force_id.clone(), limit, after)?;
        if nodes_ask(&gql.look_ahead(), "actionCounts") {
            let keys = count_keys(page.items.iter().map(|r| &**r));
            loaders.load_counts(keys).await?;
        }
        Ok(EagerConnection::shared(page))
    }
}

#[ComplexObject]
impl ItemResponse {
    /// The force's actions for this item, oldest first.
    #[graphql(
        complexity = "(first.unwrap_or(20).clamp(0, 100) as usize).saturating_mul(child_complexity)"
    )]
    async fn actions(
        &self,
        gql: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, Action>> {
        let limit = crate::graphql::first(first).gql()?;
        let all = gql
            .data::<std::sync::Arc<Loaders>>()?
            .actions
            .load_one((self.force_id.clone(), self.item_id.clone()))
            .await?;
        Ok(connection(page_by(
            all.unwrap_or_default(),
            |a| a.id.clone(),
            limit,
            after,
        )?))
    }

    /// How many of the force's actions on this item stand in each status, and how many are overdue.
    async fn action_counts(
        &self,
        gql: &Context<'_>,
    ) -> Result<Eager<crate::actions::service::ActionCounts>> {
        let loaders = gql.data::<Arc<Loaders>>()?;
        let counts = loaders.counts(&self.force_id, &self.inspection_id).await?;
        Ok(counts
            .and_then(|by_item| by_item.get(&self.item_id).cloned())
            .unwrap_or_else(|| loaders.no_actions.clone()))
    }
}

/// Where an inspection's items (`items`: the look-ahead of `Inspection.items`) are asked for a
/// force's `response(forceId: …)`, loads those responses ahead, with their action counts where
/// the document asks for them (`ItemResponsesOfForce::counts`, set in a query whenever a
/// response's `actionCounts` is selected anywhere): each item then finds its response, and the
/// response its counts, at once, and the page resolves in place, rather than each of hundreds
/// of items waiting on two loaders in turn.
pub async fn load_responses_ahead(
    gql: &Context<'_>,
    inspection: &str,
    items: &async_graphql::Lookahead<'_>,
) -> Result<()> {
    let loaders = gql.data::<Arc<Loaders>>()?;
    if !loaders.keeps() {
        return Ok(());
    }
    let mut forces: Vec<String> = Vec::new();
    for node in nodes_of(items) {
        for field in node.field("response").selection_fields() {
            let force = field
                .arguments()?
                .into_iter()
                .find(|(name, _)| name.as_str() == "forceId")
                .and_then(|(_, value)| match value {
                    async_graphql::Value::String(s) => Some(s),
                    _ => None,
                });
            forces.extend(force);
        }
    }
    futures_util::future::try_join_all(
        forces
            .iter()
            .map(|force| loaders.responses_of_force(force, inspection)),
    )
    .await?;
    Ok(())
}

/// Where a page of items (`items`: the look-ahead of `Inspection.items`) is asked for every
/// force's `responses` with their `actionCounts`, loads the page's responses, then the counts
/// of every (force, inspection) among them, in one unit of database work, ahead. Each item then
/// finds its counts kept, where otherwise each of the page's items would ask the loader for the same
/// forces' counts (a national page: 30 items asking for the same 36 pairs).
pub async fn load_every_response_ahead(
    gql: &Context<'_>,
    page: &[Item],
    items: &async_graphql::Lookahead<'_>,
) -> Result<()> {
    let counts_asked = nodes_of(items)
        .iter()
        .any(|item| nodes_ask(&item.field("responses"), "actionCounts"));
    let loaders = gql.data::<Arc<Loaders>>()?;
    if page.is_empty() || !counts_asked || !loaders.keeps() {
        return Ok(());
    }
    loaders
        .load_every_response_with_counts(page.iter().map(|item| item.id.clone()).collect())
        .await
}

/// The selections of a connection's nodes, from its look-ahead: `edges { node }` and `nodes`.
fn nodes_of<'a>(connection: &async_graphql::Lookahead<'a>) -> [async_graphql::Lookahead<'a>; 2] {
    [
        connection.field("edges").field("node"),
        connection.field("nodes"),
    ]
}

/// Whether the nodes of a connection (its look-ahead) are asked for `field`.
fn nodes_ask(connection: &async_graphql::Lookahead<'_>, field: &str) -> bool {
    nodes_of(connection)
        .iter()
        .any(|node| node.field(field).exists())
}

/// The distinct (force, inspection) pairs of `responses`: the keys of their action counts,
/// loaded in one batch into the query's keep (`Loaders::load_counts`), so that each response's
/// `actionCounts` is found at once rather than waited for one by one.
fn count_keys<'r>(responses: impl IntoIterator<Item = &'r ItemResponse>) -> Vec<(String, String)> {
    // Borrowed until distinct: a national page has 750 responses and 36 pairs.
    let mut keys: Vec<(&str, &str)> = responses
        .into_iter()
        .map(|r| (r.force_id.as_str(), r.inspection_id.as_str()))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    keys.into_iter()
        .map(|(force, inspection)| (force.to_string(), inspection.to_string()))
        .collect()
}

#[derive(Default)]
pub struct ResponseMutation;

#[Object]
impl ResponseMutation {
    /// Creates (without `expectedVersion`) or changes the chief constable's response.
    async fn put_force_response(
        &self,
        gql: &Context<'_>,
        force_id: String,
        inspection_id: ID,
        expected_version: Option<i32>,
        input: ForceResponseInput,
    ) -> Result<ForceResponse> {
        let pre = Precondition::from_expected(expected_version);
        service::put_force_response(
            ctx(gql)?,
            &force_id,
            &inspection_id,
            pre,
            Body::Value(input),
        )
        .await
        .map(|(r, _)| r)
        .gql()
    }

    /// Creates (without `expectedVersion`) or changes a force's response to an item.
    async fn put_item_response(
        &self,
        gql: &Context<'_>,
        force_id: String,
        item_id: ID,
        expected_version: Option<i32>,
        input: ItemResponseInput,
    ) -> Result<ItemResponse> {
        let pre = Precondition::from_expected(expected_version);
        service::put_item_response(ctx(gql)?, &force_id, &item_id, pre, Body::Value(input))
            .await
            .map(|(r, _)| r)
            .gql()
    }
}
