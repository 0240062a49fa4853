//! Objects resolved without a future per field.
//!
//! async-graphql resolves every field of every object as a boxed future polled through a
//! `FuturesUnordered`, even a field that only copies a string out of a struct. On the pages
//! this service is asked for most (an inspection's items with every force's response and
//! action counts: hundreds of objects, thousands of fields) that machinery cost more than the
//! SQL. [`Eager`] wraps an object type whose fields are, for the most part, already in memory:
//! those fields (the type's [`EagerFields::READY`]) are resolved in place, in selection order,
//! and only the others (loaders, the database) take the general, concurrent path. The GraphQL
//! type is the wrapped type's: same name, same fields, same schema.

use std::borrow::Cow;

use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::{Field, Selection, SelectionSet};
use async_graphql::registry::Registry;
use async_graphql::{
    ContainerType, ContextSelectionSet, Name, OutputType, Positioned, ServerResult, Value,
};
use futures_util::FutureExt;

/// An object type some of whose fields resolve at once.
pub trait EagerFields {
    /// Fields (by GraphQL name) whose resolvers never wait on the database. A field may be
    /// listed if its resolver waits only on a batch loader (a key registered twice in a batch
    /// is loaded once); a field that runs a statement of its own must not be.
    const READY: &'static [&'static str];
}

/// `T`, resolved field by field in place where it can be (see the module's notes).
#[derive(Debug, Clone, PartialEq)]
pub struct Eager<T>(pub T);

impl<T: OutputType + ContainerType + EagerFields> OutputType for Eager<T> {
    fn type_name() -> Cow<'static, str> {
        T::type_name()
    }

    fn qualified_type_name() -> String {
        T::qualified_type_name()
    }

    fn introspection_type_name(&self) -> Cow<'static, str> {
        self.0.introspection_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        T::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        _field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        resolve(ctx, &self.0).await
    }
}

/// The fields of a selection set that apply to `type_name`, fragments flattened; `None` when a
/// fragment names another type (an interface or union: the general path handles those).
fn fields_of<'a>(
    ctx: &ContextSelectionSet<'a>,
    set: &'a SelectionSet,
    type_name: &str,
    out: &mut Vec<&'a Positioned<Field>>,
) -> Option<()> {
    for selection in &set.items {
        let (condition, set) = match &selection.node {
            Selection::Field(field) => {
                out.push(field);
                continue;
            }
            Selection::FragmentSpread(spread) => {
                let fragment = ctx
                    .query_env
                    .fragments
                    .get(&spread.node.fragment_name.node)?;
                (
                    Some(&fragment.node.type_condition),
                    &fragment.node.selection_set,
                )
            }
            Selection::InlineFragment(fragment) => (
                fragment.node.type_condition.as_ref(),
                &fragment.node.selection_set,
            ),
        };
        if condition.is_some_and(|c| c.node.on.node.as_str() != type_name) {
            return None;
        }
        fields_of(ctx, &set.node, type_name, out)?;
    }
    Some(())
}

/// Resolves `root` against the selection set of `ctx`: ready fields at once, the rest
/// concurrently, the answer's keys in selection order.
pub async fn resolve<'a, T: OutputType + ContainerType + EagerFields>(
    ctx: &ContextSelectionSet<'a>,
    root: &'a T,
) -> ServerResult<Value> {
    let mut fields = Vec::with_capacity(ctx.item.node.items.len());
    // (The schema has no extensions; with one, each field would have to pass through it.)
    if fields_of(ctx, &ctx.item.node, &T::type_name(), &mut fields).is_none() {
        return async_graphql::resolver_utils::resolve_container(ctx, root).await;
    }
    let mut slots: Vec<Option<ServerResult<(Name, Value)>>> = Vec::with_capacity(fields.len());
    let mut waiting = Vec::new();
    for field in fields {
        let key = field.node.response_key().node.clone();
        let name = field.node.name.node.as_str();
        if name == "__typename" {
            let typename = root.introspection_type_name().into_owned();
            slots.push(Some(Ok((key, Value::String(typename)))));
            continue;
        }
        if field.node.directives.is_empty() && T::READY.contains(&name) {
            let ctx_field = ctx.with_field(field);
            if let Some(done) = root.resolve_field(&ctx_field).now_or_never() {
                slots.push(Some(done.map(|v| (key, v.unwrap_or_default()))));
                continue;
            }
        }
        let ctx = ctx.clone();
        let slot = slots.len();
        slots.push(None);
        waiting.push(
            async move {
                let ctx_field = ctx.with_field(field);
                let value = root.resolve_field(&ctx_field).await;
                (slot, value.map(|v| (key, v.unwrap_or_default())))
            }
            .boxed(),
        );
    }
    for (slot, value) in futures_util::future::join_all(waiting).await {
        slots[slot] = Some(value);
    }
    let mut out = IndexMap::with_capacity(slots.len());
    for slot in slots.into_iter().flatten() {
        match slot {
            Ok((key, value)) => insert(&mut out, key, value),
            Err(e) => ctx.add_error(e),
        }
    }
    Ok(if out.is_empty() {
        Value::Null
    } else {
        Value::Object(out)
    })
}

/// Adds a field's value; a key selected twice (`a { x } a { y }`) has its objects merged, as
/// the general path does.
fn insert(target: &mut IndexMap<Name, Value>, key: Name, value: Value) {
    match (target.get_mut(&key), value) {
        (Some(Value::Object(into)), Value::Object(from)) => {
            for (k, v) in from {
                insert(into, k, v);
            }
        }
        (Some(Value::List(into)), Value::List(from)) => {
            for (i, v) in from.into_iter().enumerate() {
                if let (Some(Value::Object(into)), Value::Object(from)) = (into.get_mut(i), v) {
                    for (k, v) in from {
                        insert(into, k, v);
                    }
                }
            }
        }
        (Some(_), _) => {}
        (None, value) => {
            target.insert(key, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::EagerFields;

    /// Every listed ready field is a field of its type in the schema (a misspelt name would
    /// only make the field slower, so nothing else would notice).
    #[test]
    fn ready_fields_are_fields_of_their_types() {
        let sdl = crate::graphql::sdl();
        let check = |type_name: &str, ready: &[&str]| {
            let start = sdl
                .find(&format!("type {type_name} {{"))
                .unwrap_or_else(|| panic!("no type {type_name}"));
            let body = &sdl[start..start + sdl[start..].find("\n}").unwrap()];
            for field in ready {
                assert!(
                    body.contains(&format!("\t{field}:")) || body.contains(&format!("\t{field}(")),
                    "{type_name} has no field {field}"
                );
            }
        };
        check("Item", crate::items::model::Item::READY);
        check("ItemResponse", crate::responses::model::ItemResponse::READY);
        check("ActionCounts", crate::actions::service::ActionCounts::READY);
    }
}
