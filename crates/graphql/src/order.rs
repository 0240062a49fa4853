//! An answer's keys in the order the query selected them.
//!
//! The GraphQL specification (§7.2.2, "Serialized Map Ordering") asks that an object's keys
//! come in the order its fields were selected. async-graphql 7 adds each field of an object
//! as it finishes (async-graphql/async-graphql#612), so a field waiting on a loader could come
//! after a later one, and the order of a dashboard's keys changed with the machine's load.
//! Objects resolved in place ([`super::Eager`]) keep the order already (and, written as JSON
//! text, are leaves here); this puts every other object of an answer in order after
//! execution, walking it beside the query.

use std::collections::HashMap;

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, FragmentDefinition, Selection, SelectionSet,
};
use async_graphql::{Name, Positioned, Value};

type Fragments = HashMap<Name, Positioned<FragmentDefinition>>;

/// Deeper than any query the depth limit lets through; a guard against fragments that spread
/// each other (validation refuses those before anything runs).
const MAX_NESTING: usize = 64;

/// Puts the keys of `data`, the answer to the operation `name` of `doc`, in selection order.
pub fn in_selection_order(data: &mut Value, doc: &ExecutableDocument, name: Option<&str>) {
    let operation = match (&doc.operations, name) {
        (DocumentOperations::Single(op), _) => op,
        (DocumentOperations::Multiple(ops), Some(name)) => match ops.get(name) {
            Some(op) => op,
            None => return,
        },
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => match ops.values().next() {
            Some(op) => op,
            None => return,
        },
        _ => return,
    };
    let mut plan = Plan::new(&[&operation.node.selection_set.node], &doc.fragments, 0);
    plan.apply(data, &doc.fragments, 0);
}

/// The keys a selection asks for, in order, and (made when first needed) the plans of their
/// values. One plan serves every element of a list: a national answer's 720 responses share
/// theirs.
struct Plan<'a> {
    keys: Vec<(&'a Name, Vec<&'a SelectionSet>)>,
    children: Vec<Option<Plan<'a>>>,
}

impl<'a> Plan<'a> {
    /// The plan of a value selected by `sets` (merged: a key selected twice has each
    /// selection's fields).
    fn new(sets: &[&'a SelectionSet], fragments: &'a Fragments, depth: usize) -> Plan<'a> {
        let mut keys = Vec::new();
        for set in sets {
            collect(set, fragments, &mut keys, depth);
        }
        let children = keys.iter().map(|_| None).collect();
        Plan { keys, children }
    }

    /// The place of `key` in the selection (a key the query did not select, of which there
    /// are none, would go last). The answer's keys are clones of the query's, so the pointers
    /// usually match and the text is compared only when they do not.
    fn position(&self, key: &Name) -> usize {
        self.keys
            .iter()
            .position(|(k, _)| same_key(k, key))
            .unwrap_or(usize::MAX)
    }

    /// [`Plan::position`], looking first at `expected` (an object's keys usually come in
    /// order, so each is where the one before it leads): one comparison a key rather than a
    /// search from the start.
    fn position_near(&self, key: &Name, expected: usize) -> usize {
        match self.keys.get(expected) {
            Some((k, _)) if same_key(k, key) => expected,
            _ => self.position(key),
        }
    }

    fn apply(&mut self, value: &mut Value, fragments: &'a Fragments, depth: usize) {
        if depth > MAX_NESTING {
            return;
        }
        match value {
            Value::List(items) => {
                for item in items {
                    self.apply(item, fragments, depth + 1);
                }
            }
            Value::Object(map) => {
                let (mut last, mut ordered) = (0usize, true);
                for (n, (key, child)) in map.iter_mut().enumerate() {
                    let i =
                        self.position_near(key, if n == 0 { 0 } else { last.saturating_add(1) });
                    ordered &= i >= last;
                    last = i;
                    let Some((_, subs)) = self.keys.get(i) else {
                        continue;
                    };
                    if subs.iter().all(|s| s.items.is_empty()) {
                        continue;
                    }
                    if let Some(slot) = self.children.get_mut(i) {
                        slot.get_or_insert_with(|| Plan::new(subs, fragments, depth + 1))
                            .apply(child, fragments, depth + 1);
                    }
                }
                if !ordered {
                    map.sort_by(|a, _, b, _| self.position(a).cmp(&self.position(b)));
                }
            }
            _ => {}
        }
    }
}

/// Whether two keys are the same: by address first (the answer's keys are clones of the
/// query's), by text otherwise.
fn same_key(a: &Name, b: &Name) -> bool {
    std::ptr::eq(a.as_str(), b.as_str()) || a == b
}

/// The response keys of `set` in order of first appearance, fragments flattened, each with
/// the selection sets selected under it. Answers whether a named fragment was spread more than
/// once into the set: it is flattened once only (a second spread adds the same keys and the
/// same sets again), so fragments that each spread the next twice cost one pass over each,
/// not two to the power of their depth.
pub(crate) fn collect<'a>(
    set: &'a SelectionSet,
    fragments: &'a Fragments,
    out: &mut Vec<(&'a Name, Vec<&'a SelectionSet>)>,
    depth: usize,
) -> bool {
    let mut spread = Vec::new();
    flatten(set, fragments, out, depth, &mut spread)
}

fn flatten<'a>(
    set: &'a SelectionSet,
    fragments: &'a Fragments,
    out: &mut Vec<(&'a Name, Vec<&'a SelectionSet>)>,
    depth: usize,
    spread: &mut Vec<&'a Name>,
) -> bool {
    if depth > MAX_NESTING {
        return false;
    }
    let mut again = false;
    for selection in &set.items {
        match &selection.node {
            Selection::Field(field) => {
                let key = &field.node.response_key().node;
                let sub = &field.node.selection_set.node;
                match out.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, subs)) => subs.push(sub),
                    None => out.push((key, vec![sub])),
                }
            }
            Selection::FragmentSpread(s) => {
                let name = &s.node.fragment_name.node;
                if spread.contains(&name) {
                    again = true;
                } else if let Some(fragment) = fragments.get(name) {
                    spread.push(name);
                    let set = &fragment.node.selection_set.node;
                    again |= flatten(set, fragments, out, depth + 1, spread);
                }
            }
            Selection::InlineFragment(fragment) => {
                let set = &fragment.node.selection_set.node;
                again |= flatten(set, fragments, out, depth + 1, spread);
            }
        }
    }
    again
}

/// A document of `root` whose fragments (on type `on`) each spread the next twice, forty deep,
/// the last selecting `leaf`: two to the fortieth fields once spread, in 2 KB.
#[cfg(test)]
pub(crate) fn doubled_fragments(root: &str, on: &str, leaf: &str) -> String {
    let mut doc = root.to_string();
    for i in 0..40 {
        let n = i + 1;
        doc.push_str(&format!(" fragment F{i} on {on} {{ ...F{n} ...F{n} }}"));
    }
    doc.push_str(&format!(" fragment F40 on {on} {{ {leaf} }}"));
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ordered(query: &str, answer: serde_json::Value) -> String {
        let doc = async_graphql::parser::parse_query(query).unwrap();
        let mut value = Value::from_json(answer).unwrap();
        in_selection_order(&mut value, &doc, None);
        serde_json::to_string(&value).unwrap()
    }

    #[test]
    fn keys_follow_the_selection_through_lists_aliases_and_fragments() {
        let query = "query { b a { y ...F x: z } list { ... on T { q } p } } fragment F on A { w }";
        let answer = serde_json::json!({
            "a": {"x": 1, "w": 2, "y": 3},
            "list": [{"p": 1, "q": 2}, {"q": 3, "p": 4}],
            "b": true,
        });
        assert_eq!(
            ordered(query, answer),
            r#"{"b":true,"a":{"y":3,"w":2,"x":1},"list":[{"q":2,"p":1},{"q":3,"p":4}]}"#
        );
    }

    #[test]
    fn a_key_selected_twice_orders_the_fields_of_both_selections() {
        let query = "{ a { x } b a { z y } }";
        let answer = serde_json::json!({"b": 1, "a": {"y": 1, "z": 2, "x": 3}});
        assert_eq!(ordered(query, answer), r#"{"a":{"x":3,"z":2,"y":1},"b":1}"#);
    }

    /// Fragments each spreading the next twice into one set (two to the fortieth spreads if
    /// each were flattened each time) are flattened once each.
    #[test]
    fn a_fragment_spread_twice_is_flattened_once() {
        let doubled = doubled_fragments("{ a { ...F0 } }", "T", "x y");
        assert_eq!(
            ordered(&doubled, serde_json::json!({"a": {"y": 2, "x": 1}})),
            r#"{"a":{"x":1,"y":2}}"#
        );
    }

    #[test]
    fn an_answer_in_order_is_left_as_it_is_and_unknown_keys_go_last() {
        let query = "{ a b }";
        assert_eq!(
            ordered(query, serde_json::json!({"a": 1, "b": 2})),
            r#"{"a":1,"b":2}"#
        );
        assert_eq!(
            ordered(query, serde_json::json!({"zz": 0, "b": 2, "a": 1})),
            r#"{"a":1,"b":2,"zz":0}"#
        );
    }
}
