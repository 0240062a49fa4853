//! GraphQL: `Inspection.forceResponse`, `Item.response`, `Item.responses`, their loaders, and
//! the response mutations.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::connection::Connection;
use async_graphql::dataloader::Loader;
use async_graphql::{ComplexObject, Context, ID, Object, Result};

use crate::context::Ctx;
use crate::error::AppError;
use crate::errors::{IntoGql, ToGql};
use crate::responses::model::ForceResponse;
use crate::responses::service;
use crate::types::{
    Action, ActionCounts, ForceResponseInput, Item, ItemResponse, ItemResponseInput,
};
use crate::view::Convert;
use crate::write::{Body, Precondition};
use crate::{Eager, EagerConnection, Loaders, connection, ctx};
use oversight_domain::types::{Page, decode_cursor};

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
            .run(move |conn| service::readable_force_responses(conn, &c, &keys))
            .await
            .map_err(|e: AppError| e.to_gql())
    }
}

/// Item responses by item, across every force whose work the caller may read.
pub struct ItemResponses {
    pub ctx: Ctx,
    /// Whether the query asks for [`ItemResponse::WIDE_FIELDS`]: if not, rows are read narrow.
    pub whole: bool,
    /// Whether the query asks responses for `actionCounts`: each response then carries its
    /// counts ([`ItemResponse::counts`]), read from its tally in the same statement.
    pub counts: bool,
}

/// Every readable force's response to an item, by force id.
pub type EveryResponse = Arc<Vec<Arc<ItemResponse>>>;

impl Loader<String> for ItemResponses {
    type Value = EveryResponse;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[String]) -> Result<HashMap<String, Self::Value>> {
        every_response_of_items(self, keys.to_vec()).await
    }
}

/// Responses grouped by item, in the order read. They are read in item order
/// (`read_item_responses_for_items`), so each item's are one run, whose item id is copied and
/// hashed once (a national page: 30 items, 740 responses); an item met again joins its own.
fn by_item(all: Vec<service::ReadResponse>) -> HashMap<String, EveryResponse> {
    let mut out: HashMap<String, Vec<Arc<ItemResponse>>> = HashMap::new();
    let mut run: Vec<Arc<ItemResponse>> = Vec::new();
    let mut end_run = |run: Vec<Arc<ItemResponse>>| {
        if let Some(first) = run.first() {
            out.entry(first.item_id.clone()).or_default().extend(run);
        }
    };
    for r in all {
        let r = ItemResponse::convert(r);
        if run.last().is_some_and(|last| last.item_id != r.item_id) {
            end_run(std::mem::take(&mut run));
        }
        run.push(Arc::new(r));
    }
    end_run(run);
    out.into_iter().map(|(k, v)| (k, Arc::new(v))).collect()
}

/// Every readable force's responses to `items`, by item, as [`ItemResponses`] reads them: in
/// one statement, and with their action counts where the query asks for them.
pub async fn every_response_of_items(
    loader: &ItemResponses,
    items: Vec<String>,
) -> Result<HashMap<String, EveryResponse>> {
    let c = loader.ctx.clone();
    let (whole, counts_on) = (
        loader.whole,
        loader.counts.then_some(loader.ctx.policy.today),
    );
    let all = loader
        .ctx
        .db
        .run(move |conn| service::read_item_responses_for_items(conn, &c, &items, whole, counts_on))
        .await
        .map_err(|e| e.to_gql())?;
    Ok(by_item(all))
}

/// A force's responses to an inspection's items, by item, keeping those the caller may read:
/// keyed by (force, inspection), so that a dashboard of 20 inspections asks PostgreSQL for 20
/// ranges of one index rather than probing it for each of 400 items.
pub struct ItemResponsesOfForce {
    pub ctx: Ctx,
    /// As for [`ItemResponses`].
    pub whole: bool,
    /// As for [`ItemResponses`].
    pub counts: bool,
}

/// A force's responses to an inspection's items, by item id.
pub type ResponsesByItem = Arc<foldhash::HashMap<String, Arc<ItemResponse>>>;

impl Loader<(String, String)> for ItemResponsesOfForce {
    type Value = ResponsesByItem;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[(String, String)],
    ) -> Result<HashMap<(String, String), ResponsesByItem>> {
        let pairs = keys.to_vec();
        let c = self.ctx.clone();
        let (whole, counts_on) = (self.whole, self.counts.then_some(self.ctx.policy.today));
        let found = self
            .ctx
            .db
            .run(move |conn| {
                service::read_item_responses_of_forces(conn, &c, &pairs, whole, counts_on)
            })
            .await
            .map_err(|e| e.to_gql())?;
        let mut responses: HashMap<(String, String), foldhash::HashMap<_, _>> = HashMap::new();
        for r in found {
            let r = ItemResponse::convert(r);
            responses
                .entry((r.force_id.clone(), r.inspection_id.clone()))
                .or_default()
                .insert(r.item_id.clone(), Arc::new(r));
        }
        Ok(keys
            .iter()
            .map(|pair| {
                let found = Arc::new(responses.remove(pair).unwrap_or_default());
                (pair.clone(), found)
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
        let limit = crate::first(first).gql()?;
        let loaders = gql.data::<Arc<Loaders>>()?;
        let all = loaders.every_response(&self.id).await?;
        let page = page_by(all.to_vec(), |r| r.force_id.clone(), limit, after)?;
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
        let limit = crate::first(first).gql()?;
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
    async fn action_counts(&self, gql: &Context<'_>) -> Result<Eager<ActionCounts>> {
        if let Some(counts) = &self.counts {
            return Ok(Eager(counts.clone()));
        }
        let loaders = gql.data::<Arc<Loaders>>()?;
        let counts = loaders.counts(&self.force_id, &self.inspection_id).await?;
        Ok(counts
            .and_then(|by_item| by_item.get(&self.item_id).cloned())
            .unwrap_or_else(|| loaders.no_actions.clone()))
    }
}

/// Where an inspection's items (`items`: the look-ahead of `Inspection.items`) are asked for a
/// force's `response(forceId: …)`, loads those responses ahead, each with its action counts
/// where the document asks for them (`ItemResponsesOfForce::counts`, set whenever a response's
/// `actionCounts` is selected anywhere): each item then finds its response, which holds its
/// counts, at once, and the page resolves in place, rather than each of hundreds of items
/// waiting on a loader.
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
/// force's `responses` with their `actionCounts`, loads the page's responses, each with its
/// counts, in one statement, ahead. Each item then finds its responses kept and each response
/// holds its counts, where otherwise each of the page's items would wait on the loader's batch
/// (a national page: 30 items, 740 responses).
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
        .load_every_response(page.iter().map(|item| item.id.clone()).collect())
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
    ) -> Result<crate::types::ForceResponse> {
        let pre = Precondition::from_expected(expected_version);
        service::put_force_response(
            ctx(gql)?,
            &force_id,
            &inspection_id,
            pre,
            Body::Value(input.into()),
        )
        .await
        .map(|(r, _)| r)
        .view()
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
        service::put_item_response(
            ctx(gql)?,
            &force_id,
            &item_id,
            pre,
            Body::Value(input.into()),
        )
        .await
        .map(|(r, _)| r)
        .view()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::responses::model::ItemResponseHead;
    use oversight_domain::types::Read;

    fn response(force: &str, item: &str) -> service::ReadResponse {
        let head = ItemResponseHead::from_row((
            force.into(),
            item.into(),
            "i".into(),
            None,
            "awaiting_review".into(),
        ));
        service::ReadResponse {
            response: Read::Narrow(head.unwrap()),
            counts: None,
        }
    }

    /// Each item gets its own responses in the order read, whether its responses come as one
    /// run (as the statement orders them) or not.
    #[test]
    fn responses_are_grouped_by_item_in_the_order_read() {
        let forces = |grouped: &HashMap<String, EveryResponse>, item: &str| -> Vec<String> {
            grouped[item].iter().map(|r| r.force_id.clone()).collect()
        };
        let grouped = by_item(vec![
            response("kent", "a"),
            response("norfolk", "a"),
            response("kent", "b"),
            response("suffolk", "a"),
            response("avon", "c"),
        ]);
        assert_eq!(grouped.len(), 3);
        assert_eq!(forces(&grouped, "a"), ["kent", "norfolk", "suffolk"]);
        assert_eq!(forces(&grouped, "b"), ["kent"]);
        assert_eq!(forces(&grouped, "c"), ["avon"]);
        assert!(by_item(vec![]).is_empty());
    }
}
