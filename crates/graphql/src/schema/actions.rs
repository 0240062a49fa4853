//! GraphQL: the actions loader and the action mutations.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};

use crate::actions::model::ActionPatch;
use crate::actions::service;
use crate::context::Ctx;
use crate::errors::{IntoGql, ToGql};
use crate::types::{Action, ActionCounts, ActionStatus, NewAction, NewActionUpdate, Rag};
use crate::view::{Convert, Date, maybe};
use crate::write::{Body, Precondition};
use crate::{Eager, ctx};

/// Actions by (force, item); the parent item response has been found readable.
pub struct Actions {
    pub ctx: Ctx,
}

impl Loader<(String, String)> for Actions {
    type Value = Vec<Action>;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[(String, String)],
    ) -> Result<HashMap<(String, String), Vec<Action>>> {
        let keys = keys.to_vec();
        let all = self
            .ctx
            .db
            .run(move |conn| service::for_pairs(conn, &keys))
            .await
            .map_err(|e| e.to_gql())?;
        let mut out: HashMap<(String, String), Vec<Action>> = HashMap::new();
        for a in all.into_iter().map(Action::from) {
            out.entry((a.force_id.clone(), a.item_id.clone()))
                .or_default()
                .push(a);
        }
        Ok(out)
    }
}

/// Changes to an action; fields left out stay, null clears `dueOn` and `rag`.
#[derive(InputObject, Default)]
pub struct ActionPatchInput {
    pub title: Option<String>,
    pub owner: Option<String>,
    pub due_on: MaybeUndefined<Date>,
    pub status: Option<ActionStatus>,
    pub rag: MaybeUndefined<Rag>,
    pub evidence: Option<Vec<String>>,
}

#[derive(Default)]
pub struct ActionMutation;

#[Object]
impl ActionMutation {
    /// Adds an action to a force's plan for an item.
    async fn create_action(
        &self,
        gql: &Context<'_>,
        force_id: String,
        item_id: ID,
        input: NewAction,
    ) -> Result<Action> {
        service::create(ctx(gql)?, &force_id, &item_id, Body::Value(input.into()))
            .await
            .view()
    }

    /// Changes an action; `expectedVersion` is the version last read.
    async fn update_action(
        &self,
        gql: &Context<'_>,
        force_id: String,
        id: ID,
        expected_version: i32,
        input: ActionPatchInput,
    ) -> Result<Action> {
        let patch = ActionPatch {
            title: input.title,
            owner: input.owner,
            due_on: maybe(input.due_on),
            status: Convert::convert(input.status),
            rag: maybe(input.rag),
            evidence: input.evidence,
        };
        let pre = Precondition::from_expected(Some(expected_version));
        service::update(ctx(gql)?, &force_id, &id, pre, Body::Value(patch))
            .await
            .view()
    }

    /// Appends a progress update to an action.
    async fn add_action_update(
        &self,
        gql: &Context<'_>,
        force_id: String,
        action_id: ID,
        input: NewActionUpdate,
    ) -> Result<Action> {
        service::append_update(ctx(gql)?, &force_id, &action_id, Body::Value(input.into()))
            .await
            .view()
    }
}

/// Action counts per item, by (force, inspection): one key per inspection a force answers, so
/// a page of item responses asks for a handful of keys, not one per response. For responses
/// read without their counts (`ItemResponse::counts`): the answer of a mutation that wrote one.
pub struct ActionCountsLoader {
    pub ctx: Ctx,
}

/// The action counts of one force's responses to one inspection, by item (an item without
/// actions is absent).
pub type ItemCounts = std::sync::Arc<foldhash::HashMap<String, Eager<ActionCounts>>>;

impl Loader<(String, String)> for ActionCountsLoader {
    type Value = ItemCounts;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[(String, String)],
    ) -> Result<HashMap<(String, String), Self::Value>> {
        let pairs = keys.to_vec();
        let today = self.ctx.policy.today;
        let rows = self
            .ctx
            .db
            .run(move |conn| service::counts_for_inspections(conn, &pairs, today))
            .await
            .map_err(|e| e.to_gql())?;
        Ok(counts_by_pair(keys, rows))
    }
}

/// Count rows grouped by the (force, inspection) pairs asked. Every pair asked gets its map,
/// empty where the force has no actions on the inspection: that, too, is an answer to keep.
pub fn counts_by_pair(
    keys: &[(String, String)],
    rows: Vec<service::ItemActionCounts>,
) -> HashMap<(String, String), ItemCounts> {
    let mut by_pair: HashMap<(String, String), foldhash::HashMap<_, _>> = keys
        .iter()
        .map(|pair| (pair.clone(), foldhash::HashMap::default()))
        .collect();
    for row in rows {
        if let Some(items) = by_pair.get_mut(&(row.force_id, row.inspection_id)) {
            items.insert(row.item_id, Eager::new(row.counts.into()));
        }
    }
    by_pair
        .into_iter()
        .map(|(pair, items)| (pair, std::sync::Arc::new(items)))
        .collect()
}
