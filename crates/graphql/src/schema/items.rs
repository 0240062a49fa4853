//! GraphQL: `item(id)`, the item mutations, and the loader of an inspection's items.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};

use crate::context::Ctx;
use crate::ctx;
use crate::error::AppError;
use crate::errors::{IntoGql, ToGql};
use crate::items::model::ItemPatch;
use crate::items::service;
use crate::types::{AddresseesInput, Item, ItemKind, NewItem};
use crate::view::{Convert, Date, maybe};
use crate::write::{Body, Precondition};

#[derive(Default)]
pub struct ItemQuery;

#[Object]
impl ItemQuery {
    /// One item; null (with a `not_found` error) if the caller may not read its inspection.
    async fn item(&self, gql: &Context<'_>, id: ID) -> Result<Option<Item>> {
        service::get(ctx(gql)?, &id).await.view().map(Some)
    }
}

/// Loads the items of many inspections in one statement. The inspections themselves have
/// already been found readable by the resolver that yielded them.
pub struct ItemsByInspection {
    pub ctx: Ctx,
    /// Whether the query asks for [`Item::WIDE_FIELDS`]: if not, items are read narrow.
    pub whole: bool,
}

impl Loader<String> for ItemsByInspection {
    type Value = Vec<Item>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[String]) -> Result<HashMap<String, Self::Value>, Self::Error> {
        let keys = keys.to_vec();
        let whole = self.whole;
        let items: Vec<Item> = self
            .ctx
            .db
            .run(move |conn| {
                Ok::<_, AppError>(if whole {
                    Convert::convert(service::for_inspections(conn, &keys)?)
                } else {
                    Convert::convert(service::heads_for_inspections(conn, &keys)?)
                })
            })
            .await
            .map_err(|e: AppError| e.to_gql())?;
        let mut map: HashMap<String, Self::Value> = HashMap::new();
        for item in items {
            map.entry(item.inspection_id.clone())
                .or_default()
                .push(item);
        }
        Ok(map)
    }
}

/// Changes to an item; fields left out stay as they are, null clears `dueOn`.
#[derive(InputObject, Default)]
pub struct ItemPatchInput {
    pub kind: Option<ItemKind>,
    pub number: Option<i32>,
    pub text: Option<String>,
    pub addressees: Option<AddresseesInput>,
    pub due_on: MaybeUndefined<Date>,
}

#[derive(Default)]
pub struct ItemMutation;

#[Object]
impl ItemMutation {
    /// Adds an item to an inspection (inspectorate, admin).
    async fn create_item(
        &self,
        gql: &Context<'_>,
        inspection_id: ID,
        input: NewItem,
    ) -> Result<Item> {
        service::create(ctx(gql)?, &inspection_id, Body::Value(input.into()))
            .await
            .view()
    }

    /// Changes an item; `expectedVersion` is the version last read.
    async fn update_item(
        &self,
        gql: &Context<'_>,
        id: ID,
        expected_version: i32,
        input: ItemPatchInput,
    ) -> Result<Item> {
        let patch = ItemPatch {
            kind: Convert::convert(input.kind),
            number: input.number,
            text: input.text,
            addressees: Convert::convert(input.addressees),
            due_on: maybe(input.due_on),
        };
        let pre = Precondition::from_expected(Some(expected_version));
        service::update(ctx(gql)?, &id, pre, Body::Value(patch))
            .await
            .view()
    }
}
