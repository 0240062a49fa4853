//! Item rows, inputs and API shapes.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema::items;
use crate::error::AppError;
use crate::types::{Date, Timestamp, json_list};

crate::text_enum! {
    /// What an item is.
    ItemKind {
        Recommendation => "recommendation",
        AreaForImprovement => "area_for_improvement",
        CauseOfConcern => "cause_of_concern",
    }
}

impl ItemKind {
    /// Order in lists and documents: recommendations, areas for improvement, causes of concern.
    pub fn rank(&self) -> i32 {
        match self {
            ItemKind::Recommendation => 0,
            ItemKind::AreaForImprovement => 1,
            ItemKind::CauseOfConcern => 2,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = items, treat_none_as_null = true)]
pub struct ItemRow {
    pub id: String,
    pub inspection_id: String,
    pub kind: String,
    pub number: i32,
    pub text: String,
    pub to_chief_constables: bool,
    pub to_policing_bodies: bool,
    pub addressee_forces: String,
    pub other_bodies: String,
    pub due_on: Option<chrono::NaiveDate>,
    pub version: i32,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

/// Whom an item is addressed to.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct Addressees {
    /// The chief constables of the forces in the inspection's scope.
    pub chief_constables: bool,
    /// The local policing bodies of those forces.
    pub policing_bodies: bool,
    /// Forces named individually (their chief constables answer).
    pub forces: Vec<String>,
    /// Other bodies no force answers for, e.g. `National Crime Agency`, `Home Office`.
    pub other_bodies: Vec<String>,
}

/// A numbered recommendation, area for improvement or cause of concern.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Item {
    pub id: String,
    pub inspection_id: String,
    pub kind: ItemKind,
    pub number: i32,
    pub text: String,
    pub addressees: Addressees,
    pub due_on: Option<Date>,
    pub version: i32,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// An item as a narrow read gives it: its identity, kind and number only, for a reader that
/// asks for nothing else (GraphQL's `Item::NARROW_FIELDS`).
#[derive(Debug, Clone)]
pub struct ItemHead {
    pub id: String,
    pub inspection_id: String,
    pub kind: ItemKind,
    pub number: i32,
}

/// An item's place in document order: recommendations, areas for improvement, causes of
/// concern, each by number. Whole and narrow items (and views of them) hold it alike.
pub trait InDocumentOrder {
    fn id(&self) -> &str;
    fn kind(&self) -> ItemKind;
    fn number(&self) -> i32;

    /// Document order without copying the id (sorting hundreds of items compares thousands
    /// of times).
    fn order(&self) -> (i32, i32, &str) {
        (self.kind().rank(), self.number(), self.id())
    }

    /// The item's cursor: its place in document order ([`InDocumentOrder::order`], owned).
    fn sort_key(&self) -> (i32, i32, String) {
        let (rank, number, id) = self.order();
        (rank, number, id.to_string())
    }
}

/// [`InDocumentOrder`] for a type holding `id`, `kind` and `number` fields.
#[macro_export]
macro_rules! in_document_order {
    ($($t:ty),*) => {
        $(impl $crate::items::model::InDocumentOrder for $t {
            fn id(&self) -> &str {
                &self.id
            }
            fn kind(&self) -> $crate::items::model::ItemKind {
                self.kind.into()
            }
            fn number(&self) -> i32 {
                self.number
            }
        })*
    };
}
in_document_order!(Item, ItemHead);

impl Item {
    pub fn from_row(row: ItemRow) -> Result<Item, AppError> {
        Ok(Item {
            kind: ItemKind::from_db(&row.kind)?,
            addressees: Addressees {
                chief_constables: row.to_chief_constables,
                policing_bodies: row.to_policing_bodies,
                forces: json_list("addressee_forces", &row.addressee_forces)?,
                other_bodies: json_list("other_bodies", &row.other_bodies)?,
            },
            id: row.id,
            inspection_id: row.inspection_id,
            number: row.number,
            text: row.text,
            due_on: row.due_on.map(Date),
            version: row.version,
            created_at: row.created_at.into(),
            updated_at: row.updated_at.into(),
        })
    }

    /// Whether the force's chief constable answers this item (the force being in scope).
    pub fn to_chief_constable_of(&self, force: &str, in_scope: bool) -> bool {
        (self.addressees.chief_constables && in_scope)
            || self.addressees.forces.iter().any(|f| f == force)
    }

    /// Whether the force's policing body answers this item.
    pub fn to_policing_body_of(&self, in_scope: bool) -> bool {
        self.addressees.policing_bodies && in_scope
    }

    /// Whether the force owes this item a response.
    pub fn applies_to(&self, force: &str, in_scope: bool) -> bool {
        self.to_chief_constable_of(force, in_scope) || self.to_policing_body_of(in_scope)
    }
}

/// Addressees of a new item; a flag or list left out is false or empty.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddresseesInput {
    #[serde(default)]
    pub chief_constables: bool,
    #[serde(default)]
    pub policing_bodies: bool,
    #[serde(default)]
    pub forces: Vec<String>,
    #[serde(default)]
    pub other_bodies: Vec<String>,
}

/// `POST /v1/inspections/{id}/items`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewItem {
    pub kind: ItemKind,
    pub number: i32,
    pub text: String,
    #[serde(default)]
    pub addressees: AddresseesInput,
    #[serde(default)]
    pub due_on: Option<Date>,
}

/// `PATCH /v1/items/{id}`: fields left out stay as they are; `due_on` may be set to null.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemPatch {
    pub kind: Option<ItemKind>,
    pub number: Option<i32>,
    pub text: Option<String>,
    pub addressees: Option<AddresseesInput>,
    #[serde(default, deserialize_with = "crate::validate::double_option")]
    #[schema(value_type = Option<Date>)]
    pub due_on: Option<Option<Date>>,
}
