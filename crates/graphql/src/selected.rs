//! Which fields of which types a query selects, anywhere in its document, so that a loader
//! reads only the columns the query can show.
//!
//! A dashboard asks an inspection's items for their kind and number; reading every column of
//! 400 items (text, addressees, dates) doubled what PostgreSQL spent on that statement and what
//! the service spent decoding it (docs/PERFORMANCE.md). Loaders ask [`Selected::asks_any`]
//! whether any selection of a type names one of the fields behind the heavier columns; only
//! when none does do they read the narrow row.
//!
//! The walk follows field types from the schema's own SDL, so `Item.response` (an object) is
//! not mistaken for `ItemResponse.response` (the force's narrative). It errs towards reading
//! everything: every operation of the document counts, fragments count wherever they are
//! defined, and a document it cannot walk asks for everything.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use async_graphql::parser::types::{
    BaseType, ExecutableDocument, OperationType, Selection, SelectionSet, Type, TypeKind,
    TypeSystemDefinition,
};

/// Each object or interface type's fields, with the named type each returns.
type FieldTypes = HashMap<String, HashMap<String, String>>;

fn field_types() -> &'static FieldTypes {
    static TYPES: OnceLock<FieldTypes> = OnceLock::new();
    TYPES.get_or_init(|| {
        let mut out = FieldTypes::new();
        // The SDL is the schema's own; it parses (a test holds it to that).
        let Ok(doc) = async_graphql::parser::parse_schema(super::sdl()) else {
            return out;
        };
        for def in doc.definitions {
            let TypeSystemDefinition::Type(ty) = def else {
                continue;
            };
            let fields = match &ty.node.kind {
                TypeKind::Object(o) => &o.fields,
                TypeKind::Interface(i) => &i.fields,
                _ => continue,
            };
            out.insert(
                ty.node.name.node.to_string(),
                fields
                    .iter()
                    .map(|f| (f.node.name.node.to_string(), named(&f.node.ty.node)))
                    .collect(),
            );
        }
        out
    })
}

/// The named type under list and non-null wrappers.
fn named(ty: &Type) -> String {
    match &ty.base {
        BaseType::Named(name) => name.to_string(),
        BaseType::List(inner) => named(inner),
    }
}

/// The (type, field) pairs a document selects.
#[derive(Debug, Clone, Default)]
pub struct Selected {
    /// `None`: the document could not be walked; every field counts as asked.
    pairs: Option<HashSet<(String, String)>>,
    /// Whether a selection set of the document, fragments spread in, selects one response key
    /// twice (`a { x } a { y }`, or a key both in a set and in a fragment spread into it). The
    /// answer to such a document merges the objects of the repeated key, so it is built as
    /// async-graphql's value tree; any other is written as JSON text where it is built in
    /// place (`eager`).
    pub repeats_a_key: bool,
}

impl Selected {
    /// Asks for everything: what a loader assumes when it knows nothing of the query.
    pub fn everything() -> Selected {
        Selected {
            pairs: None,
            repeats_a_key: true,
        }
    }

    /// The fields `doc` selects, over all its operations and fragments.
    pub fn of(doc: &ExecutableDocument) -> Selected {
        let types = field_types();
        if types.is_empty() {
            return Selected::everything();
        }
        let mut walk = Walk {
            types,
            doc,
            pairs: HashSet::new(),
            visited: HashSet::new(),
            repeats_a_key: false,
        };
        for (_, op) in doc.operations.iter() {
            let root = match op.node.ty {
                OperationType::Query => "Query",
                OperationType::Mutation => "Mutation",
                OperationType::Subscription => "Subscription",
            };
            walk.set(root, &op.node.selection_set.node);
        }
        Selected {
            pairs: Some(walk.pairs),
            repeats_a_key: walk.repeats_a_key,
        }
    }

    /// Whether any selection of `type_name` names one of `fields`.
    pub fn asks_any(&self, type_name: &str, fields: &[&str]) -> bool {
        match &self.pairs {
            None => true,
            Some(pairs) => fields
                .iter()
                .any(|f| pairs.contains(&(type_name.to_string(), f.to_string()))),
        }
    }
}

struct Walk<'a> {
    types: &'a FieldTypes,
    doc: &'a ExecutableDocument,
    pairs: HashSet<(String, String)>,
    /// (type, selection set) already walked: a fragment spread in many places, or spreading
    /// itself (which validation refuses later), is walked once per type.
    visited: HashSet<(String, *const SelectionSet)>,
    /// [`Selected::repeats_a_key`], as far as walked.
    repeats_a_key: bool,
}

impl Walk<'_> {
    fn set(&mut self, type_name: &str, set: &SelectionSet) {
        if !self
            .visited
            .insert((type_name.to_string(), set as *const SelectionSet))
        {
            return;
        }
        if !self.repeats_a_key {
            let mut keys = Vec::new();
            let spread_twice = super::order::collect(set, &self.doc.fragments, &mut keys, 0);
            self.repeats_a_key = spread_twice || keys.iter().any(|(_, subs)| subs.len() > 1);
        }
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => {
                    let name = field.node.name.node.as_str();
                    self.pairs.insert((type_name.to_string(), name.to_string()));
                    let returns = self
                        .types
                        .get(type_name)
                        .and_then(|fields| fields.get(name))
                        .cloned();
                    if let Some(returns) = returns {
                        self.set(&returns, &field.node.selection_set.node);
                    }
                }
                Selection::FragmentSpread(spread) => {
                    if let Some(fragment) = self.doc.fragments.get(&spread.node.fragment_name.node)
                    {
                        let on = fragment.node.type_condition.node.on.node.to_string();
                        self.set(&on, &fragment.node.selection_set.node);
                    }
                }
                Selection::InlineFragment(fragment) => {
                    let on = fragment
                        .node
                        .type_condition
                        .as_ref()
                        .map_or_else(|| type_name.to_string(), |c| c.node.on.node.to_string());
                    self.set(&on, &fragment.node.selection_set.node);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(query: &str) -> Selected {
        Selected::of(&async_graphql::parser::parse_query(query).unwrap())
    }

    #[test]
    fn the_schema_sdl_parses_into_field_types() {
        let types = field_types();
        assert_eq!(types["Item"]["response"], "ItemResponse");
        assert_eq!(types["ItemResponse"]["response"], "String");
        assert_eq!(types["Query"]["inspection"], "Inspection");
    }

    #[test]
    fn fields_are_told_apart_by_type() {
        let s = of("{ inspection(id: \"x\") { items { edges { node { kind \
                    response(forceId: \"f\") { acceptance } } } } } }");
        assert!(s.asks_any("Item", &["response"]));
        assert!(s.asks_any("ItemResponse", &["acceptance"]));
        assert!(!s.asks_any("ItemResponse", &["response", "version"]));
        assert!(!s.asks_any("Item", &["text"]));
    }

    #[test]
    fn fragments_aliases_and_every_operation_count() {
        let s = of(
            "query A { inspection(id: \"x\") { items { nodes { ...F } } } } \
                    query B { inspection(id: \"y\") { items { nodes { n: number \
                    ... on Item { responses { nodes { when: updatedAt } } } } } } } \
                    fragment F on Item { text }",
        );
        assert!(s.asks_any("Item", &["text"]));
        assert!(s.asks_any("Item", &["number"]));
        assert!(s.asks_any("ItemResponse", &["updatedAt"]));
        assert!(!s.asks_any("Item", &["dueOn"]));
    }

    #[test]
    fn a_fragment_spreading_itself_ends() {
        let s = of("{ inspection(id: \"x\") { ...F } } fragment F on Inspection { title ...F }");
        assert!(s.asks_any("Inspection", &["title"]));
    }

    /// A field added to `Item` or `ItemResponse` must say whether a narrow row answers it:
    /// left out of both lists, a narrow read would show it empty.
    #[test]
    fn every_field_of_a_narrowed_type_is_listed() {
        use crate::types::{Item, ItemResponse};
        for (type_name, narrow, wide) in [
            ("Item", Item::NARROW_FIELDS, Item::WIDE_FIELDS),
            (
                "ItemResponse",
                ItemResponse::NARROW_FIELDS,
                ItemResponse::WIDE_FIELDS,
            ),
        ] {
            let mut fields: Vec<&str> = field_types()[type_name]
                .keys()
                .map(|f| f.as_str())
                .collect();
            fields.sort_unstable();
            let mut listed: Vec<&str> = narrow.iter().chain(wide).copied().collect();
            listed.sort_unstable();
            assert_eq!(fields, listed, "{type_name}");
        }
    }

    #[test]
    fn a_key_selected_twice_is_found_wherever_it_repeats() {
        let repeats = |q: &str| of(q).repeats_a_key;
        assert!(!repeats("{ forces { id name } b: forces { id } }"));
        assert!(!repeats(
            "{ a: forces { ...F } b: forces { ...F } } fragment F on Force { id name }"
        ));
        assert!(repeats("{ forces { id } forces { name } }"));
        assert!(repeats("{ forces { id policingBody { name name } } }"));
        assert!(repeats("{ forces { id ...F } } fragment F on Force { id }"));
        assert!(repeats("{ forces { id ... on Force { id } } }"));
        assert!(repeats(
            "{ forces { ...F ...F } } fragment F on Force { id }"
        ));
        assert!(repeats(
            "query A { forces { id } } query B { forces { id id } }"
        ));
        // Fragments spreading each other (refused later by validation) end.
        assert!(repeats(
            "{ forces { ...F } } fragment F on Force { id ...G } fragment G on Force { ...F }"
        ));
        of("{ forces { ...F } } fragment F on Force { ...F }");
        // Fragments each spreading the next twice, forty deep, are walked once each.
        let doubled = super::super::order::doubled_fragments("{ forces { ...F0 } }", "Force", "id");
        assert!(repeats(&doubled));
    }

    #[test]
    fn everything_asks_for_everything() {
        assert!(Selected::everything().asks_any("Item", &["text"]));
        assert!(Selected::everything().repeats_a_key);
    }
}
