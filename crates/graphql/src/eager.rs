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
//!
//! Where the operation's document repeats no response key, each object resolved here is
//! written as JSON text as its fields are set ([`Building::Json`]) and carried to the answer
//! as a `Value::Binary`, which [`JsonText`] writes as it is; otherwise it is built as
//! async-graphql's value, so that objects of a repeated key can be merged.

use std::borrow::Cow;
use std::sync::Arc;

use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::{Field, Selection, SelectionSet};
use async_graphql::registry::Registry;
use async_graphql::{
    ContainerType, ContextSelectionSet, Name, OutputType, Positioned, ServerResult, Value,
};
use futures_util::FutureExt;

use oversight_domain::types::Page;

/// An object type some of whose fields resolve at once.
pub trait EagerFields {
    /// Fields (by GraphQL name) whose resolvers never wait on the database. A field may be
    /// listed if its resolver waits only on a batch loader (a key registered twice in a batch
    /// is loaded once); a field that runs a statement of its own must not be.
    const READY: &'static [&'static str];

    /// The value of `field` (a GraphQL name) where it is a scalar or enum field without
    /// arguments held in the struct, as the type's own resolver would give it ([`Ready`],
    /// [`enumeration`]); `None` sends the field through the resolver. In place of
    /// the resolver this skips a context, a future and a match on the field's name for each of
    /// the thousands of such fields in a national answer. Tests hold each answer to the
    /// resolver's.
    fn value_of(&self, _field: &str) -> Option<Ready<'_>> {
        None
    }

    /// The object of `field` (a GraphQL name) where it is an object field without arguments
    /// held in the struct, all of whose fields are [`Ready`] values ([`ReadyObject`]), as the
    /// type's own resolver would give it; `None` sends the field through the resolver. It is
    /// written into its parent where it stands: a national answer's 740 action counts then
    /// cost no context, resolver, future or object text of their own, each of which cost more
    /// than the counts' own fields (2,800 instructions a count, against about 1,000).
    fn object_of(&self, _field: &str) -> Option<&dyn ReadyObject> {
        None
    }
}

/// An object all of whose fields answer at once, as [`EagerFields::value_of`] gives them
/// ([`EagerFields::object_of`]).
pub trait ReadyObject: Sync {
    /// Its GraphQL type's name: for fragments' type conditions and `__typename`.
    fn object_type(&self) -> Cow<'static, str>;

    /// [`EagerFields::value_of`].
    fn ready_value(&self, field: &str) -> Option<Ready<'_>>;
}

impl<T: OutputType + EagerFields + Sync> ReadyObject for T {
    fn object_type(&self) -> Cow<'static, str> {
        <T as OutputType>::type_name()
    }

    fn ready_value(&self, field: &str) -> Option<Ready<'_>> {
        self.value_of(field)
    }
}

/// A ready field's value, borrowed from its object where it can be: an object built as JSON
/// text ([`Building::Json`]) writes it as it stands, where async-graphql's value would copy
/// each string (and allocate each enum's name) only to write it and free it (a national page:
/// 740 responses' force ids, acceptances and statuses, and 5,000 counts).
pub enum Ready<'a> {
    Str(&'a str),
    Int(i64),
    /// An enum value's GraphQL name.
    Enum(&'static str),
    Null,
}

impl Ready<'_> {
    /// As async-graphql's value.
    fn into_value(self) -> Value {
        match self {
            Ready::Str(s) => Value::String(s.to_string()),
            Ready::Int(n) => Value::Number(n.into()),
            Ready::Enum(name) => Value::Enum(Name::new(name)),
            Ready::Null => Value::Null,
        }
    }

    /// Appends the JSON of [`Ready::into_value`], as [`JsonText`] writes it.
    fn write_json(&self, out: &mut Vec<u8>) {
        fn serialize(out: &mut Vec<u8>, value: &impl serde::Serialize) {
            let mut writer = serde_json::Serializer::with_formatter(out, JsonText);
            // (A string or a number always serialises, and to memory nothing fails.)
            let _ = value.serialize(&mut writer);
        }
        match self {
            Ready::Str(s) => serialize(out, s),
            // Most counts in an answer are a single digit (a national page: 5,000 of them).
            Ready::Int(n @ 0..=9) => out.push(b'0' + *n as u8),
            Ready::Int(n) => serialize(out, n),
            // A GraphQL name (`[_A-Za-z][_0-9A-Za-z]*`): nothing in it needs escaping.
            Ready::Enum(name) => {
                out.push(b'"');
                out.extend_from_slice(name.as_bytes());
                out.push(b'"');
            }
            Ready::Null => out.extend_from_slice(b"null"),
        }
    }
}

/// An enum value as async-graphql writes it into an answer: by its GraphQL name.
pub fn enumeration<E: async_graphql::EnumType>(value: E) -> Ready<'static> {
    E::items()
        .iter()
        .find(|item| item.value == value)
        .map_or(Ready::Null, |item| Ready::Enum(item.name))
}

/// `T`, resolved field by field in place where it can be (see the module's notes). Held in an
/// `Arc`: loaders hand each waiting resolver a clone of what they loaded, and a clone of an
/// `Arc` is a counter, where a clone of an item response is a copy of every string in it.
#[derive(Debug)]
pub struct Eager<T>(pub Arc<T>);

impl<T> Eager<T> {
    pub fn new(value: T) -> Eager<T> {
        Eager(Arc::new(value))
    }
}

impl<T> Clone for Eager<T> {
    fn clone(&self) -> Self {
        Eager(Arc::clone(&self.0))
    }
}

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
        resolve(ctx, &*self.0).await
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
    resolve_fields(ctx, root, &fields, in_json(ctx)).await
}

/// Resolves `fields` (the selection set of `ctx`, flattened by [`fields_of`]) on `root`.
async fn resolve_fields<'a, T: OutputType + ContainerType + EagerFields>(
    ctx: &ContextSelectionSet<'a>,
    root: &'a T,
    fields: &[&'a Positioned<Field>],
    json: bool,
) -> ServerResult<Value> {
    let mut out = Building::new(fields, json);
    // The fields that answer at once go straight into the object, in order, until one waits.
    let mut first_waiting = fields.len();
    for (i, &field) in fields.iter().enumerate() {
        match at_once(ctx, root, field) {
            Some(done) => out.put(ctx, field, done),
            None => {
                first_waiting = i;
                break;
            }
        }
    }
    // From the first that waits on, every field gets a slot, so the keys stay in order.
    let rest = &fields[first_waiting..];
    if !rest.is_empty() {
        let mut slots: Vec<Option<Done<'_>>> = Vec::with_capacity(rest.len());
        let mut waiting = Vec::new();
        for (i, &field) in rest.iter().enumerate() {
            // (The first was tried above.)
            if i > 0
                && let Some(done) = at_once(ctx, root, field)
            {
                slots.push(Some(done));
                continue;
            }
            let ctx = ctx.clone();
            let slot = slots.len();
            slots.push(None);
            waiting.push(
                async move {
                    let ctx_field = ctx.with_field(field);
                    let value = root.resolve_field(&ctx_field).await;
                    (slot, Done::Resolved(value.map(Option::unwrap_or_default)))
                }
                .boxed(),
            );
        }
        for (slot, value) in futures_util::future::join_all(waiting).await {
            slots[slot] = Some(value);
        }
        for (slot, &field) in slots.into_iter().zip(rest) {
            if let Some(done) = slot {
                out.put(ctx, field, done);
            }
        }
    }
    Ok(out.finish())
}

/// A field's value if it answers without waiting: `__typename`, or a ready field (one of
/// [`EagerFields::READY`], without directives) whose resolver is done when first polled;
/// `None` for a field that must be awaited.
fn at_once<'a, T: OutputType + ContainerType + EagerFields>(
    ctx: &ContextSelectionSet<'a>,
    root: &'a T,
    field: &'a Positioned<Field>,
) -> Option<Done<'a>> {
    let name = field.node.name.node.as_str();
    if name == "__typename" {
        return Some(Done::Resolved(Ok(Value::String(
            root.introspection_type_name().into_owned(),
        ))));
    }
    if !field.node.directives.is_empty() || !T::READY.contains(&name) {
        return None;
    }
    if field.node.arguments.is_empty() {
        if field.node.selection_set.node.items.is_empty() {
            if let Some(value) = root.value_of(name) {
                return Some(Done::Ready(value));
            }
        } else if let Some(object) = root.object_of(name)
            && let Some(fields) = ready_fields(ctx, field, object)
        {
            return Some(Done::Object(object, fields));
        }
    }
    let ctx_field = ctx.with_field(field);
    let done = root.resolve_field(&ctx_field).now_or_never()?;
    Some(Done::Resolved(done.map(Option::unwrap_or_default)))
}

/// The fields `field` selects of `object`, where every one answers at once
/// ([`leaf_value`]); `None` where one does not, or where a fragment names another type.
fn ready_fields<'a>(
    ctx: &ContextSelectionSet<'a>,
    field: &'a Positioned<Field>,
    object: &dyn ReadyObject,
) -> Option<ObjectFields<'a>> {
    let set = &field.node.selection_set.node;
    let type_name = object.object_type();
    let selected = if set
        .items
        .iter()
        .all(|s| matches!(s.node, Selection::Field(_)))
    {
        ObjectFields::Plain(set)
    } else {
        let mut fields = Vec::with_capacity(set.items.len());
        fields_of(ctx, set, &type_name, &mut fields)?;
        ObjectFields::Flat(fields)
    };
    let ready = selected
        .fields()
        .all(|f| leaf_value(f, &type_name, |name| object.ready_value(name)).is_some());
    ready.then_some(selected)
}

/// The fields an object field selects ([`ready_fields`]): its selection set as it stands
/// where that holds only fields, as it usually does (a national page checks 740 action counts'
/// selections, once each), else flattened ([`fields_of`]).
enum ObjectFields<'a> {
    Plain(&'a SelectionSet),
    Flat(Vec<&'a Positioned<Field>>),
}

impl<'a> ObjectFields<'a> {
    /// The fields in selection order.
    fn fields(&self) -> impl Iterator<Item = &'a Positioned<Field>> + '_ {
        let (plain, flat): (&'a [Positioned<Selection>], &[&'a Positioned<Field>]) = match self {
            ObjectFields::Plain(set) => (&set.items, &[]),
            ObjectFields::Flat(fields) => (&[], fields),
        };
        let plain = plain.iter().filter_map(|s| match &s.node {
            Selection::Field(f) => Some(f),
            _ => None,
        });
        plain.chain(flat.iter().copied())
    }
}

/// The value of `field` in an object of type `type_name` whose ready values `value_of` gives:
/// `__typename`, or a field without arguments, directives or a selection of its own that
/// `value_of` answers.
fn leaf_value<'o>(
    field: &Positioned<Field>,
    type_name: &'o str,
    value_of: impl FnOnce(&str) -> Option<Ready<'o>>,
) -> Option<Ready<'o>> {
    let f = &field.node;
    if !f.directives.is_empty() || !f.arguments.is_empty() || !f.selection_set.node.items.is_empty()
    {
        return None;
    }
    match f.name.node.as_str() {
        "__typename" => Some(Ready::Str(type_name)),
        name => value_of(name),
    }
}

/// A field answered at once: from its object ([`EagerFields::value_of`],
/// [`EagerFields::object_of`] with the fields it selects, all ready) or by its resolver.
enum Done<'a> {
    Ready(Ready<'a>),
    Object(&'a dyn ReadyObject, ObjectFields<'a>),
    Resolved(ServerResult<Value>),
}

/// Whether the answer to the operation of `ctx` is written as JSON where it is built in place:
/// where its document repeats no key (the operation's `Loaders` say).
fn in_json(ctx: &ContextSelectionSet<'_>) -> bool {
    ctx.data_opt::<Arc<super::Loaders>>()
        .is_some_and(|l| l.answers_in_json())
}

/// Writes JSON as serde_json's compact writer does, except that a binary value is taken to be
/// JSON text already and written as it is: an object built in place as JSON ([`Building`])
/// reaches the answer as `Value::Binary`. The schema has no binary scalar, so nothing else in
/// an answer is binary. `post` writes every GraphQL answer with it.
pub struct JsonText;

impl serde_json::ser::Formatter for JsonText {
    fn write_byte_array<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        value: &[u8],
    ) -> std::io::Result<()> {
        writer.write_all(value)
    }
}

thread_local! {
    /// Buffers this thread writes objects into as JSON, for the next objects: an object's text
    /// is copied out at its size when done, so that it is allocated once rather than grown
    /// (thousands of objects in a national answer).
    static SCRATCH: std::cell::RefCell<Vec<Vec<u8>>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Most buffers a thread keeps, and the largest it keeps (an answer's largest object is a
/// national page of about 140 kB).
const SCRATCH_KEPT: usize = 16;
const SCRATCH_LARGEST: usize = 256 * 1024;

/// Length of an object's text beyond which its buffer is given to the answer rather than its
/// text copied out of it: each copy of a national page's 138 kB, from the items connection
/// up to the inspection, cost more than a new buffer for the next object.
const SCRATCH_GIVEN: usize = 16 * 1024;

/// A buffer to write an object into: one this thread kept, or a new one.
fn scratch() -> Vec<u8> {
    SCRATCH
        .with(|kept| kept.try_borrow_mut().ok().and_then(|mut kept| kept.pop()))
        .unwrap_or_else(|| Vec::with_capacity(1024))
}

/// Keeps `buffer` for another object, if there is room.
fn keep_scratch(mut buffer: Vec<u8>) {
    if buffer.capacity() > SCRATCH_LARGEST {
        return;
    }
    buffer.clear();
    SCRATCH.with(|kept| {
        if let Ok(mut kept) = kept.try_borrow_mut()
            && kept.len() < SCRATCH_KEPT
        {
            kept.push(buffer);
        }
    });
}

/// Appends `value` as JSON (an object built as JSON as it is).
fn write_json(out: &mut Vec<u8>, value: &Value) {
    use serde::Serialize;
    match value {
        Value::Binary(text) => {
            // With room for the object's closing text: a buffer grown to hold only a page's
            // text would grow again, copying it, for the brace after it.
            out.reserve(text.len() + 64);
            out.extend_from_slice(text);
            return;
        }
        // A list of objects built as JSON (a page's edges or nodes): its length is known, so
        // the text grows once rather than doubling its way there.
        Value::List(items)
            if items
                .iter()
                .all(|v| matches!(v, Value::Binary(_) | Value::Null)) =>
        {
            let len: usize = items
                .iter()
                .map(|v| match v {
                    Value::Binary(text) => text.len() + 1,
                    _ => 5,
                })
                .sum();
            out.reserve(len + 2);
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                match item {
                    Value::Binary(text) => out.extend_from_slice(text),
                    _ => out.extend_from_slice(b"null"),
                }
            }
            out.push(b']');
            return;
        }
        _ => {}
    }
    let start = out.len();
    let mut writer = serde_json::Serializer::with_formatter(&mut *out, JsonText);
    if value.serialize(&mut writer).is_err() {
        // (Writing to memory does not fail; the value is null rather than half written.)
        out.truncate(start);
        out.extend_from_slice(b"null");
    }
}

/// An object being answered, field by field in selection order.
enum Building {
    /// As async-graphql's value, key by key: where the answer's document repeats a key, whose
    /// objects are merged ([`insert`]).
    Map(IndexMap<Name, Value>),
    /// As JSON text, written as the fields are set (always in selection order), where the
    /// answer's document repeats no key ([`in_json`]): an object's keys, hashes, counts on
    /// shared strings, the walk that orders keys and the value tree's drop cost more than the
    /// text. Empty until the first key. A value of the general path becomes text here, out of
    /// reach of the walk that puts keys in order after execution (`order`): that holds because
    /// every general-path object under these types (an action connection, an action) answers
    /// all its fields at once, which async-graphql adds in selection order. A field that waits
    /// added to those would need its object ordered here (a test holds the order).
    Json(Vec<u8>),
}

impl Building {
    /// An object of `fields`: as JSON text where `json` ([`in_json`]), else as a value.
    fn new(fields: &[&Positioned<Field>], json: bool) -> Building {
        if json {
            Building::Json(scratch())
        } else {
            Building::Map(IndexMap::with_capacity(fields.len()))
        }
    }

    /// Puts the answer of `field`; an error goes to `ctx`, and the object has no key for it.
    fn put(&mut self, ctx: &ContextSelectionSet<'_>, field: &Positioned<Field>, done: Done<'_>) {
        match (done, &mut *self) {
            (Done::Ready(ready), Building::Json(out)) => {
                Building::key(out, field);
                ready.write_json(out);
            }
            (Done::Ready(ready), Building::Map(_)) => self.set(field, ready.into_value()),
            (Done::Object(object, fields), Building::Json(out)) => {
                Building::key(out, field);
                let type_name = object.object_type();
                out.push(b'{');
                for (i, f) in fields.fields().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    Building::name(out, f);
                    object_value(object, f, &type_name).write_json(out);
                }
                out.push(b'}');
            }
            (Done::Object(object, fields), Building::Map(_)) => {
                let type_name = object.object_type();
                let mut map = IndexMap::new();
                for f in fields.fields() {
                    let value = object_value(object, f, &type_name).into_value();
                    insert(&mut map, f.node.response_key().node.clone(), value);
                }
                self.set(field, Value::Object(map));
            }
            (Done::Resolved(Ok(value)), _) => self.set(field, value),
            (Done::Resolved(Err(e)), _) => ctx.add_error(e),
        }
    }

    /// Opens `field`'s entry in an object's JSON text: a separator and its key.
    fn key(out: &mut Vec<u8>, field: &Positioned<Field>) {
        out.push(if out.is_empty() { b'{' } else { b',' });
        Building::name(out, field);
    }

    /// Writes `field`'s key and the colon after it.
    fn name(out: &mut Vec<u8>, field: &Positioned<Field>) {
        // A response key is a GraphQL name (`[_A-Za-z][_0-9A-Za-z]*`, as the parser takes
        // it): nothing in it needs escaping.
        out.push(b'"');
        out.extend_from_slice(field.node.response_key().node.as_bytes());
        out.extend_from_slice(b"\":");
    }

    /// Sets `field`'s value (fields are set in selection order).
    fn set(&mut self, field: &Positioned<Field>, value: Value) {
        match self {
            Building::Map(map) => insert(map, field.node.response_key().node.clone(), value),
            Building::Json(out) => {
                Building::key(out, field);
                write_json(out, &value);
            }
        }
    }

    fn finish(self) -> Value {
        match self {
            Building::Map(map) if map.is_empty() => Value::Null,
            Building::Map(map) => Value::Object(map),
            Building::Json(out) if out.is_empty() => {
                keep_scratch(out);
                Value::Null
            }
            Building::Json(mut out) => {
                out.push(b'}');
                if out.len() > SCRATCH_GIVEN {
                    // (A page of text is not copied again; the next object takes a new buffer.)
                    return Value::Binary(out.into());
                }
                let text = bytes::Bytes::copy_from_slice(&out);
                keep_scratch(out);
                Value::Binary(text)
            }
        }
    }
}

/// The value of `field`, one of the [`ready_fields`] of `object`, whose type is `type_name`.
fn object_value<'o>(
    object: &'o dyn ReadyObject,
    field: &Positioned<Field>,
    type_name: &'o str,
) -> Ready<'o> {
    // (`ready_fields` found every one answered.)
    leaf_value(field, type_name, |name| object.ready_value(name)).unwrap_or(Ready::Null)
}

/// Adds a field's value; a key selected twice (`a { x } a { y }`) has its objects merged, as
/// the general path does.
fn insert(target: &mut IndexMap<Name, Value>, key: Name, value: Value) {
    use async_graphql::indexmap::map::Entry;
    // One lookup (a hash of the key) for the usual case, a key not yet there.
    let into = match target.entry(key) {
        Entry::Vacant(slot) => {
            slot.insert(value);
            return;
        }
        Entry::Occupied(slot) => slot.into_mut(),
    };
    match (into, value) {
        (Value::Object(into), Value::Object(from)) => {
            for (k, v) in from {
                insert(into, k, v);
            }
        }
        (Value::List(into), Value::List(from)) => {
            for (i, v) in from.into_iter().enumerate() {
                if let (Some(Value::Object(into)), Value::Object(from)) = (into.get_mut(i), v) {
                    for (k, v) in from {
                        insert(into, k, v);
                    }
                }
            }
        }
        _ => {}
    }
}

/// A page of `T` as a Relay connection (`edges { cursor node }`, `nodes`, `pageInfo`), built
/// in place: the edges are not objects of futures, and nodes whose selected fields are all
/// ready resolve where they stand. The GraphQL type is async-graphql's `Connection` of `T`.
pub struct EagerConnection<T> {
    nodes: Vec<Eager<T>>,
    cursors: oversight_domain::types::Cursors,
    next_cursor: Option<String>,
}

type Generic<T> = Connection<String, Eager<T>>;

impl<T> EagerConnection<T> {
    pub fn new(page: Page<T>) -> EagerConnection<T> {
        EagerConnection::shared(page.map(Arc::new))
    }

    /// A page of nodes a loader shares with others.
    pub fn shared(page: Page<Arc<T>>) -> EagerConnection<T> {
        EagerConnection {
            nodes: page.items.into_iter().map(Eager).collect(),
            cursors: page.cursors,
            next_cursor: page.next_cursor,
        }
    }
}

impl<T: OutputType + ContainerType + EagerFields> OutputType for EagerConnection<T> {
    fn type_name() -> Cow<'static, str> {
        <Generic<T> as OutputType>::type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        <Generic<T> as OutputType>::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        if let Some(value) = self.in_place(ctx).await {
            return value;
        }
        let generic: Generic<T> = crate::connection(Page {
            items: self.nodes.clone(),
            cursors: self.cursors.clone(),
            next_cursor: self.next_cursor.clone(),
        });
        OutputType::resolve(&generic, ctx, field).await
    }
}

impl<T: OutputType + ContainerType + EagerFields> EagerConnection<T> {
    /// The connection's value, or `None` where the selection asks for something this does
    /// not build (the general path then answers).
    async fn in_place(&self, ctx: &ContextSelectionSet<'_>) -> Option<ServerResult<Value>> {
        let name = Self::type_name();
        let edge_name = <Edge<String, Eager<T>, EmptyFields> as OutputType>::type_name();
        let mut fields = Vec::new();
        fields_of(ctx, &ctx.item.node, &name, &mut fields)?;
        let json = in_json(ctx);
        let mut out = Building::new(&fields, json);
        for &field in &fields {
            if !field.node.directives.is_empty() {
                return None;
            }
            let ctx_field = ctx.with_field(field);
            let set = ctx_field.with_selection_set(&field.node.selection_set);
            let value = match field.node.name.node.as_str() {
                "__typename" => Value::String(name.to_string()),
                "pageInfo" => self.page_info(&set, json)?,
                "nodes" => match self.nodes_at(|i| set.with_index(i), json).await? {
                    Ok(nodes) => Value::List(nodes),
                    Err(e) => return Some(Err(e)),
                },
                "edges" => {
                    let mut edge_fields = Vec::new();
                    fields_of(&set, &set.item.node, &edge_name, &mut edge_fields)?;
                    let at: Vec<ContextSelectionSet<'_>> =
                        (0..self.nodes.len()).map(|i| set.with_index(i)).collect();
                    // The nodes of each `node` selection (usually one), by edge.
                    let mut nodes = Vec::new();
                    for f in &edge_fields {
                        if f.node.name.node == "node" {
                            if !f.node.directives.is_empty() {
                                return None;
                            }
                            let fields: Vec<_> = at.iter().map(|c| c.with_field(f)).collect();
                            let sets: Vec<_> = fields
                                .iter()
                                .map(|c| c.with_selection_set(&f.node.selection_set))
                                .collect();
                            match self.nodes_at(|i| sets[i].clone(), json).await? {
                                Ok(values) => nodes.push(values.into_iter()),
                                Err(e) => return Some(Err(e)),
                            }
                        }
                    }
                    match &mut out {
                        Building::Json(text) if !edge_fields.is_empty() => {
                            Building::key(text, field);
                            self.edges_json(&edge_fields, &edge_name, &mut nodes, text)?;
                            continue;
                        }
                        _ => self.edges(&edge_fields, &edge_name, &mut nodes, json)?,
                    }
                }
                _ => return None,
            };
            out.set(field, value);
        }
        Some(Ok(out.finish()))
    }

    /// The edges of the page, each an object of `edge_fields`, its nodes the next of `nodes`
    /// (one list of the page's nodes for each `node` selected); `None` for a field this does
    /// not build.
    fn edges(
        &self,
        edge_fields: &[&Positioned<Field>],
        edge_name: &str,
        nodes: &mut [std::vec::IntoIter<Value>],
        json: bool,
    ) -> Option<Value> {
        let mut edges = Vec::with_capacity(self.nodes.len());
        for i in 0..self.nodes.len() {
            let mut edge = Building::new(edge_fields, json);
            let mut next_node = nodes.iter_mut();
            for f in edge_fields {
                edge.set(f, self.edge_field(f, i, edge_name, &mut next_node)?);
            }
            edges.push(edge.finish());
        }
        Some(Value::List(edges))
    }

    /// [`Self::edges`] written as JSON text into `out`, the connection's text, where the
    /// answer is written as JSON ([`in_json`]) and an edge selects some field: each node's
    /// text is copied once, where an edge object of its own would copy it into the edge, the
    /// edge into its text, that into the list and the list into the connection (a national
    /// page: 770 edges, 138 kB).
    fn edges_json(
        &self,
        edge_fields: &[&Positioned<Field>],
        edge_name: &str,
        nodes: &mut [std::vec::IntoIter<Value>],
        out: &mut Vec<u8>,
    ) -> Option<()> {
        let node_text: usize = nodes
            .iter()
            .flat_map(|n| n.as_slice())
            .map(|v| match v {
                Value::Binary(text) => text.len(),
                _ => 16,
            })
            .sum();
        // (With room for the rest of the connection, as `write_json` leaves.)
        out.reserve(node_text + self.nodes.len() * (16 * edge_fields.len()) + 64);
        out.push(b'[');
        for i in 0..self.nodes.len() {
            if i > 0 {
                out.push(b',');
            }
            let mut next_node = nodes.iter_mut();
            for (j, f) in edge_fields.iter().enumerate() {
                out.push(if j == 0 { b'{' } else { b',' });
                Building::name(out, f);
                write_json(out, &self.edge_field(f, i, edge_name, &mut next_node)?);
            }
            out.push(b'}');
        }
        out.push(b']');
        Some(())
    }

    /// The value of field `f` of edge `i`: its node is the next of the next list of
    /// `next_node`. `None` for a field this does not build.
    fn edge_field<'n>(
        &self,
        f: &Positioned<Field>,
        i: usize,
        edge_name: &str,
        next_node: &mut impl Iterator<Item = &'n mut std::vec::IntoIter<Value>>,
    ) -> Option<Value> {
        Some(match f.node.name.node.as_str() {
            "__typename" => Value::String(edge_name.to_string()),
            "cursor" => Value::String(self.cursors.get(i)?),
            "node" => next_node.next()?.next()?,
            _ => return None,
        })
    }

    fn page_info(&self, set: &ContextSelectionSet<'_>, json: bool) -> Option<Value> {
        let mut fields = Vec::new();
        fields_of(set, &set.item.node, "PageInfo", &mut fields)?;
        let mut out = Building::new(&fields, json);
        let string = |s: Option<String>| s.map_or(Value::Null, Value::String);
        for f in &fields {
            let value = match f.node.name.node.as_str() {
                "__typename" => Value::String("PageInfo".into()),
                "hasPreviousPage" => Value::Boolean(false),
                "hasNextPage" => Value::Boolean(self.next_cursor.is_some()),
                "startCursor" => string(self.cursors.first()),
                "endCursor" => string(self.cursors.last()),
                _ => return None,
            };
            out.set(f, value);
        }
        Some(out.finish())
    }

    /// Resolves every node against the selection set `at(i)` gives for node `i` (the same
    /// selection for every node, at its own path). Where all the fields selected are ready,
    /// each node is resolved where it stands; a node that still waits (a loader not yet
    /// answered) is resolved again, with the others that wait, together.
    async fn nodes_at<'c>(
        &'c self,
        at: impl Fn(usize) -> ContextSelectionSet<'c>,
        json: bool,
    ) -> Option<ServerResult<Vec<Value>>> {
        let sets: Vec<ContextSelectionSet<'c>> = (0..self.nodes.len()).map(at).collect();
        let Some(first) = sets.first() else {
            return Some(Ok(Vec::new()));
        };
        // Every node answers the same selection set: its fields are flattened once, here.
        let mut fields = Vec::new();
        fields_of(first, &first.item.node, &T::type_name(), &mut fields)?;
        let fields = &fields;
        let ready = fields.iter().all(|f| {
            f.node.directives.is_empty()
                && (f.node.name.node == "__typename"
                    || T::READY.contains(&f.node.name.node.as_str()))
        });
        let mut values: Vec<Option<Value>> = vec![None; self.nodes.len()];
        let mut waiting = Vec::new();
        for (i, node) in self.nodes.iter().enumerate() {
            if ready
                && let Some(done) = resolve_fields(&sets[i], &*node.0, fields, json).now_or_never()
            {
                match done {
                    Ok(v) => values[i] = Some(v),
                    Err(e) => return Some(Err(e)),
                }
                continue;
            }
            waiting.push(i);
        }
        let later = futures_util::future::join_all(
            waiting
                .iter()
                .map(|&i| resolve_fields(&sets[i], &*self.nodes[i].0, fields, json)),
        )
        .await;
        for (i, v) in waiting.into_iter().zip(later) {
            match v {
                Ok(v) => values[i] = Some(v),
                Err(e) => return Some(Err(e)),
            }
        }
        Some(Ok(values
            .into_iter()
            .map(Option::unwrap_or_default)
            .collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::EagerFields;

    /// The top-level fields of a one-operation query.
    fn top_fields(
        doc: &async_graphql::parser::types::ExecutableDocument,
    ) -> Vec<&async_graphql::Positioned<async_graphql::parser::types::Field>> {
        use async_graphql::parser::types::{DocumentOperations, Selection};
        let DocumentOperations::Single(op) = &doc.operations else {
            panic!("one operation")
        };
        op.node
            .selection_set
            .node
            .items
            .iter()
            .map(|s| match &s.node {
                Selection::Field(f) => f,
                _ => panic!("fields only"),
            })
            .collect()
    }

    /// An object built as JSON text is written as the same object built as a value: keys in
    /// selection order, a field not answered (one that failed) without a key, an object of no
    /// keys null, and objects built as JSON inside it (alone or in a list) written as they are.
    #[test]
    fn objects_built_as_json_are_written_as_their_values() {
        use super::{Building, JsonText};
        use async_graphql::Value;
        let doc = async_graphql::parser::parse_query("{ a b: x c d }").unwrap();
        let fields = top_fields(&doc);
        let write = |value: &Value| {
            let mut out = Vec::new();
            serde::Serialize::serialize(
                value,
                &mut serde_json::Serializer::with_formatter(&mut out, JsonText),
            )
            .unwrap();
            String::from_utf8(out).unwrap()
        };
        let build = |json: bool| {
            let inner = |json: bool| {
                let mut o = Building::new(&fields[..2], json);
                o.set(fields[0], Value::from("quote \" and \\ é"));
                o.set(fields[1], Value::Enum(async_graphql::Name::new("DONE")));
                o.finish()
            };
            let mut o = Building::new(&fields, json);
            o.set(fields[0], inner(json));
            o.set(
                fields[2],
                Value::List(vec![inner(json), Value::Null, inner(json)]),
            );
            o.set(fields[3], Value::from(-12.5));
            o.finish()
        };
        let (as_value, as_json) = (build(false), build(true));
        assert!(matches!(as_value, Value::Object(_)));
        assert!(matches!(as_json, Value::Binary(_)));
        assert_eq!(write(&as_json), write(&as_value));
        assert_eq!(
            write(&as_json),
            r#"{"a":{"a":"quote \" and \\ é","b":"DONE"},"c":[{"a":"quote \" and \\ é","b":"DONE"},null,{"a":"quote \" and \\ é","b":"DONE"}],"d":-12.5}"#
        );
        for json in [false, true] {
            assert_eq!(Building::new(&fields, json).finish(), Value::Null);
        }
        // An object whose text is longer than a kept buffer takes (its buffer given to the
        // answer rather than copied), inside one written as JSON text too.
        let long = "x".repeat(super::SCRATCH_GIVEN + 1);
        let build = |json: bool| {
            let mut inner = Building::new(&fields[..1], json);
            inner.set(fields[0], Value::from(long.as_str()));
            let mut o = Building::new(&fields[..2], json);
            o.set(fields[0], inner.finish());
            o.set(fields[1], Value::from(1));
            o.finish()
        };
        let (as_value, as_json) = (build(false), build(true));
        assert!(matches!(as_json, Value::Binary(_)));
        assert_eq!(write(&as_json), write(&as_value));
        assert_eq!(
            write(&as_json),
            format!(r#"{{"a":{{"a":"{long}"}},"b":1}}"#)
        );
    }

    /// Every value [`EagerFields::value_of`] gives is the one the type's resolver gives, for
    /// every ready field it answers (a `None` acceptance, an enum, a narrative with quotes).
    #[actix_rt::test]
    async fn values_taken_in_place_are_the_resolvers() {
        use crate::types::{
            Acceptance, ActionCounts, Addressees, HmicfrsStatus, Item, ItemKind, ItemResponse,
        };
        use crate::view::DateTime;
        use async_graphql::{EmptyMutation, EmptySubscription, Object, Schema, Value};

        let at = chrono::NaiveDate::from_ymd_opt(2025, 7, 1)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap();
        let counts = ActionCounts {
            planned: 1,
            in_progress: 2,
            blocked: 3,
            pending_sign_off: 4,
            done: 5,
            cancelled: 6,
            total: 21,
            overdue: 7,
        };
        let item = Item {
            id: "item-1".into(),
            inspection_id: "insp-1".into(),
            kind: ItemKind::AreaForImprovement,
            number: 9,
            text: "By 30 April 2026, \"all\" forces…".to_string().into(),
            addressees: Addressees {
                chief_constables: false,
                policing_bodies: false,
                forces: vec![],
                other_bodies: vec![],
            }
            .into(),
            due_on: None.into(),
            version: 3.into(),
            created_at: DateTime(at.into()).into(),
            updated_at: DateTime(at.into()).into(),
        };
        let response = |acceptance| ItemResponse {
            force_id: "norfolk".into(),
            item_id: "item-1".into(),
            inspection_id: "insp-1".into(),
            acceptance,
            response: "Line one\nline \"two\"".to_string().into(),
            hmicfrs_status: HmicfrsStatus::BeingProgressed,
            version: 2.into(),
            created_at: DateTime(at.into()).into(),
            updated_at: DateTime(at.into()).into(),
            counts: None,
        };
        let responses = vec![
            response(Some(Acceptance::PartiallyAccepted)),
            response(None),
        ];

        struct Sample {
            counts: ActionCounts,
            item: Item,
            responses: Vec<ItemResponse>,
        }
        #[Object]
        impl Sample {
            async fn counts(&self) -> ActionCounts {
                self.counts.clone()
            }
            async fn item(&self) -> Item {
                self.item.clone()
            }
            async fn responses(&self) -> Vec<ItemResponse> {
                self.responses.clone()
            }
        }
        let schema = Schema::new(
            Sample {
                counts: counts.clone(),
                item: item.clone(),
                responses: responses.clone(),
            },
            EmptyMutation,
            EmptySubscription,
        );
        // Asks the resolver for `field` of the object under `root`; answers the value(s).
        let resolved = |root: &'static str, field: &'static str| {
            let schema = schema.clone();
            async move {
                let answer = schema.execute(format!("{{ {root} {{ {field} }} }}")).await;
                assert!(
                    answer.errors.is_empty(),
                    "{root}.{field}: {:?}",
                    answer.errors
                );
                let Value::Object(data) = answer.data else {
                    panic!("{root}.{field}: no data")
                };
                let of = |v: &Value| match v {
                    Value::Object(o) => o[field].clone(),
                    other => panic!("{root}.{field}: {other:?}"),
                };
                match &data[root] {
                    Value::List(list) => list.iter().map(of).collect::<Vec<_>>(),
                    one => vec![of(one)],
                }
            }
        };
        // A value taken in place, as async-graphql's value; and its JSON text, which must be
        // the value's as the answer writes it.
        fn taken(ready: super::Ready<'_>) -> Value {
            let mut text = Vec::new();
            ready.write_json(&mut text);
            let value = ready.into_value();
            let mut written = Vec::new();
            serde::Serialize::serialize(
                &value,
                &mut serde_json::Serializer::with_formatter(&mut written, super::JsonText),
            )
            .unwrap();
            assert_eq!(String::from_utf8(text), String::from_utf8(written));
            value
        }
        let mut answered = [0; 3];
        for &field in ActionCounts::READY {
            if let Some(v) = counts.value_of(field).map(taken) {
                assert_eq!(vec![v], resolved("counts", field).await, "counts.{field}");
                answered[0] += 1;
            }
        }
        for &field in Item::READY {
            if let Some(v) = item.value_of(field).map(taken) {
                assert_eq!(vec![v], resolved("item", field).await, "item.{field}");
                answered[1] += 1;
            }
        }
        for &field in ItemResponse::READY {
            let taken: Vec<Value> = responses
                .iter()
                .filter_map(|r| r.value_of(field).map(taken))
                .collect();
            if !taken.is_empty() {
                assert_eq!(
                    taken,
                    resolved("responses", field).await,
                    "response.{field}"
                );
                answered[2] += 1;
            }
        }
        // Every name written in a `value_of` is a ready field (a misspelt one would only be slower).
        assert_eq!(answered, [8, 6, 7]);
    }

    /// A ready number is written as serde_json writes it, the single digits (written by hand)
    /// and their neighbours included.
    #[test]
    fn ready_numbers_are_written_as_json_writes_them() {
        for n in [i64::MIN, -10, -1, 0, 1, 9, 10, 99, 100, i64::MAX] {
            let mut out = Vec::new();
            super::Ready::Int(n).write_json(&mut out);
            assert_eq!(
                String::from_utf8(out).unwrap(),
                serde_json::json!(n).to_string()
            );
        }
    }

    /// Every listed ready field is a field of its type in the schema (a misspelt name would
    /// only make the field slower, so nothing else would notice).
    #[test]
    fn ready_fields_are_fields_of_their_types() {
        let sdl = crate::sdl();
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
        use crate::types::{ActionCounts, Item, ItemResponse};
        check("Item", Item::READY);
        check("ItemResponse", ItemResponse::READY);
        check("ActionCounts", ActionCounts::READY);
    }
}
