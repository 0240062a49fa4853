//! GraphQL's own types over the domain's. The domain's models know nothing of GraphQL; each
//! object, input, enum and scalar of the schema is declared here, over the domain type it
//! shows, with its descriptions, and converts to or from it field by field ([`Convert`]), so
//! that the compiler holds the two to the same fields.

use std::borrow::Cow;

use async_graphql::parser::types::Field;
use async_graphql::registry::Registry;
use async_graphql::{
    ContextSelectionSet, InputValueError, InputValueResult, OutputType, Positioned, Scalar,
    ScalarType, ServerError, ServerResult, Value,
};

use crate::eager::Ready;

use oversight_domain::types;

/// A value converted from its domain form to its GraphQL form, or back: the identity for
/// plain values, field by field for objects, variant by variant for enums.
pub trait Convert<F> {
    fn convert(from: F) -> Self;
}

macro_rules! same {
    ($($t:ty),*) => {
        $(impl Convert<$t> for $t {
            #[inline]
            fn convert(v: $t) -> $t {
                v
            }
        })*
    };
}
same!(String, bool, i32, i64, u32, u64, f64, usize);

impl<F, T: Convert<F>> Convert<Option<F>> for Option<T> {
    #[inline]
    fn convert(v: Option<F>) -> Self {
        v.map(T::convert)
    }
}

impl<F, T: Convert<F>> Convert<Vec<F>> for Vec<T> {
    fn convert(v: Vec<F>) -> Self {
        v.into_iter().map(T::convert).collect()
    }
}

impl<F, T: Convert<F>> Convert<std::sync::Arc<F>> for std::sync::Arc<T>
where
    F: Clone,
{
    fn convert(v: std::sync::Arc<F>) -> Self {
        std::sync::Arc::new(T::convert(std::sync::Arc::unwrap_or_clone(v)))
    }
}

impl<F, T: Convert<F>> Convert<types::Page<F>> for types::Page<T> {
    fn convert(p: types::Page<F>) -> Self {
        types::Page {
            items: Convert::convert(p.items),
            cursors: p.cursors,
            next_cursor: p.next_cursor,
        }
    }
}

/// A field only a whole row holds (an eager object's `WIDE` field, [`graphql_object!`]):
/// absent where the object was built from a narrow row, which a query asking for the field
/// is never given (the loaders read rows whole for it). GraphQL sees the field's own type; if
/// an absent one were ever asked, the answer would carry an error, not an empty value.
#[derive(Debug, Clone, PartialEq)]
pub struct Wide<T>(Option<T>);

impl<T> Wide<T> {
    /// The field of an object built from a narrow row.
    pub const fn absent() -> Wide<T> {
        Wide(None)
    }

    /// The value, where the row was read whole.
    pub fn get(&self) -> Option<&T> {
        self.0.as_ref()
    }
}

impl<T> From<T> for Wide<T> {
    fn from(value: T) -> Self {
        Wide(Some(value))
    }
}

impl<F, T: Convert<F>> Convert<F> for Wide<T> {
    #[inline]
    fn convert(v: F) -> Self {
        Wide(Some(T::convert(v)))
    }
}

impl<T: OutputType> OutputType for Wide<T> {
    fn type_name() -> Cow<'static, str> {
        T::type_name()
    }

    fn qualified_type_name() -> String {
        T::qualified_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        T::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        match &self.0 {
            Some(value) => value.resolve(ctx, field).await,
            None => Err(ServerError::new(
                format!("`{}` was read without it", field.node.name.node),
                Some(field.pos),
            )),
        }
    }
}

/// A scalar field's value taken in place ([`crate::eager::Ready`]), as its resolver gives it;
/// `None` for a [`Wide`] field that is absent (its resolver then answers).
pub trait InPlace {
    fn in_place(&self) -> Option<Ready<'_>>;
}

impl InPlace for String {
    #[inline]
    fn in_place(&self) -> Option<Ready<'_>> {
        Some(Ready::Str(self))
    }
}

impl InPlace for i32 {
    #[inline]
    fn in_place(&self) -> Option<Ready<'_>> {
        Some(Ready::Int(i64::from(*self)))
    }
}

impl InPlace for i64 {
    #[inline]
    fn in_place(&self) -> Option<Ready<'_>> {
        Some(Ready::Int(*self))
    }
}

impl<T: InPlace> InPlace for Wide<T> {
    #[inline]
    fn in_place(&self) -> Option<Ready<'_>> {
        self.0.as_ref().and_then(T::in_place)
    }
}

/// A GraphQL patch field: left out (`None`), null (`Some(None)`) or a value, converted.
pub fn maybe<G, D: Convert<G>>(m: async_graphql::MaybeUndefined<G>) -> Option<Option<D>> {
    match m {
        async_graphql::MaybeUndefined::Undefined => None,
        async_graphql::MaybeUndefined::Null => Some(None),
        async_graphql::MaybeUndefined::Value(v) => Some(Some(D::convert(v))),
    }
}

/// A GraphQL object over a domain struct: the struct (with `async_graphql::SimpleObject` and
/// whatever else its attributes say) and its conversion from the domain's, field by field.
/// The domain type may hold more fields than the object shows.
///
/// An object on the fast path (`eager pub struct …`) says for each field (and each field
/// of its `#[ComplexObject]`, under `complex`): its GraphQL name, its flags (`READY`: resolved
/// without waiting on the database; `NARROW` or `WIDE`: answered by a narrow row or only by
/// the whole one) and how its value is taken in place (`str`, `int`, `enumeration`,
/// `opt_enumeration`, or `resolver`); under `hidden`, fields the object carries that are not
/// GraphQL fields (empty when converted from the domain's); under `objects`, the body of
/// `EagerFields::object_of`. Its `EagerFields`, its `NARROW_FIELDS` and `WIDE_FIELDS` and,
/// with `narrow N`, its conversion from the domain's narrow row `N` all come from that one
/// table: a `WIDE` field is a [`Wide`] the narrow row leaves absent, so a field read narrow
/// that should not be is a compile error (the narrow row has no such field) or an error in
/// the answer, never an empty value.
macro_rules! graphql_object {
    ($(#[$m:meta])* pub struct $name:ident from $domain:ty {
        $($(#[$fm:meta])* pub $field:ident : $ty:ty),* $(,)?
    }) => {
        graphql_object!(@struct $(#[$m])* $name $domain { $($(#[$fm])* $field: $ty,)* });
    };
    ($(#[$m:meta])* eager pub struct $name:ident from $domain:ty $(, narrow $narrow:ty)? {
        $($(#[$fm:meta])* pub $field:ident : $ty:ty
            => $gname:literal [$($flag:ident)*] $reader:ident),* $(,)?
    }
    $(complex { $($cname:literal [$($cflag:ident)*]),* $(,)? })?
    $(hidden { $($(#[$hm:meta])* pub $hfield:ident : $hty:ty),* $(,)? })?
    $(objects($this:ident, $asked:ident) $objects:block)?) => {
        graphql_object!(@struct $(#[$m])* $name $domain {
            $($(#[$fm])* $field: $ty,)*
        } hidden {
            $($($(#[$hm])* $hfield: $hty,)*)?
        });

        graphql_object!(@narrow_from [$($narrow)?] $name {
            $($field [$($flag)*],)*
        } hidden { $($($hfield,)*)? });

        impl $name {
            /// Every GraphQL field of the type, with its flags (`view::field`).
            pub const FIELDS: &'static [(&'static str, u8)] = &[
                $(($gname, 0 $(| $crate::view::field::$flag)*),)*
                $($(($cname, 0 $(| $crate::view::field::$cflag)*),)*)?
            ];

            /// The fields a narrow row answers.
            pub const NARROW_FIELDS: &'static [&'static str] =
                $crate::view::field::listed!($name, $crate::view::field::NARROW);

            /// The fields only a whole row answers: a query asking for one reads rows whole.
            pub const WIDE_FIELDS: &'static [&'static str] =
                $crate::view::field::listed!($name, $crate::view::field::WIDE);
        }

        impl $crate::EagerFields for $name {
            const READY: &'static [&'static str] =
                $crate::view::field::listed!($name, $crate::view::field::READY);

            fn value_of(&self, field: &str) -> Option<$crate::eager::Ready<'_>> {
                match field {
                    $($gname => graphql_object!(@read $reader self.$field),)*
                    _ => None,
                }
            }

            $(fn object_of(&self, $asked: &str) -> Option<&dyn $crate::eager::ReadyObject> {
                let $this = self;
                $objects
            })?
        }
    };
    (@narrow_from [] $($rest:tt)*) => {};
    (@narrow_from [$narrow:ty] $name:ident { $($field:ident [$($flag:ident)*],)* }
        hidden { $($hfield:ident,)* }) => {
        impl $crate::view::Convert<$narrow> for $name {
            /// From a narrow row: each `WIDE` field absent ([`Wide`](crate::view::Wide)).
            #[inline]
            fn convert(n: $narrow) -> Self {
                $name {
                    $($field: graphql_object!(@narrow n $field [$($flag)*]),)*
                    $($hfield: Default::default(),)*
                }
            }
        }
    };
    (@narrow $n:ident $field:ident [WIDE $($rest:ident)*]) => { $crate::view::Wide::absent() };
    (@narrow $n:ident $field:ident [$first:ident $($rest:ident)*]) => {
        graphql_object!(@narrow $n $field [$($rest)*])
    };
    (@narrow $n:ident $field:ident []) => { $crate::view::Convert::convert($n.$field) };
    (@read str $e:expr) => { $crate::view::InPlace::in_place(&$e) };
    (@read int $e:expr) => { $crate::view::InPlace::in_place(&$e) };
    (@read enumeration $e:expr) => { Some($crate::eager::enumeration($e)) };
    (@read opt_enumeration $e:expr) => {
        Some($e.map_or($crate::eager::Ready::Null, $crate::eager::enumeration))
    };
    (@read resolver $e:expr) => { None };
    (@struct $(#[$m:meta])* $name:ident $domain:ty { $($(#[$fm:meta])* $field:ident : $ty:ty,)* }) => {
        graphql_object!(@struct $(#[$m])* $name $domain { $($(#[$fm])* $field: $ty,)* } hidden {});
    };
    (@struct $(#[$m:meta])* $name:ident $domain:ty { $($(#[$fm:meta])* $field:ident : $ty:ty,)* }
        hidden { $($(#[$hm:meta])* $hfield:ident : $hty:ty,)* }) => {
        #[derive(Debug, Clone, async_graphql::SimpleObject)]
        $(#[$m])*
        pub struct $name {
            $($(#[$fm])* pub $field: $ty,)*
            $(#[graphql(skip)] $(#[$hm])* pub $hfield: $hty,)*
        }

        impl $crate::view::Convert<$domain> for $name {
            #[inline]
            fn convert(d: $domain) -> Self {
                $name {
                    $($field: $crate::view::Convert::convert(d.$field),)*
                    $($hfield: Default::default(),)*
                }
            }
        }

        impl From<$domain> for $name {
            #[inline]
            fn from(d: $domain) -> Self {
                $crate::view::Convert::convert(d)
            }
        }
    };
}

/// The flags of an eager object's fields ([`graphql_object!`]), and the lists drawn from them
/// at compile time.
pub mod field {
    /// Resolved without waiting on the database (or only on a batch loader).
    pub const READY: u8 = 1;
    /// Answered by a narrow row.
    pub const NARROW: u8 = 2;
    /// Answered only by a whole row: a query asking for one reads rows whole.
    pub const WIDE: u8 = 4;

    /// How many of `fields` carry `flag`.
    pub const fn count(fields: &[(&str, u8)], flag: u8) -> usize {
        let (mut i, mut n) = (0, 0);
        while i < fields.len() {
            if fields[i].1 & flag != 0 {
                n += 1;
            }
            i += 1;
        }
        n
    }

    /// The names of `fields` that carry `flag`, in order (`N` of them: [`count`]).
    pub const fn names<const N: usize>(
        fields: &[(&'static str, u8)],
        flag: u8,
    ) -> [&'static str; N] {
        let mut out = [""; N];
        let (mut i, mut j) = (0, 0);
        while i < fields.len() {
            if fields[i].1 & flag != 0 {
                out[j] = fields[i].0;
                j += 1;
            }
            i += 1;
        }
        out
    }

    /// The names of type `$t`'s fields that carry `$flag`, as a `&'static [&'static str]`.
    macro_rules! listed {
        ($t:ty, $flag:expr) => {
            &$crate::view::field::names::<{ $crate::view::field::count(<$t>::FIELDS, $flag) }>(
                <$t>::FIELDS,
                $flag,
            )
        };
    }
    pub(crate) use listed;
}

/// A GraphQL input object over a domain struct: the struct (with `async_graphql::InputObject`)
/// and its conversion into the domain's, field by field.
macro_rules! graphql_input {
    ($(#[$m:meta])* pub struct $name:ident into $domain:ty {
        $($(#[$fm:meta])* pub $field:ident : $ty:ty),* $(,)?
    }) => {
        #[derive(Debug, Clone, async_graphql::InputObject)]
        $(#[$m])*
        pub struct $name {
            $($(#[$fm])* pub $field: $ty),*
        }

        impl $crate::view::Convert<$name> for $domain {
            #[inline]
            fn convert(g: $name) -> Self {
                Self { $($field: $crate::view::Convert::convert(g.$field)),* }
            }
        }

        impl From<$name> for $domain {
            #[inline]
            fn from(g: $name) -> Self {
                $crate::view::Convert::convert(g)
            }
        }
    };
}

/// A GraphQL enum over a domain enum of the same variants, converting both ways (each
/// conversion a `match` the compiler holds to every variant).
macro_rules! graphql_enum {
    ($(#[$m:meta])* $name:ident = $domain:path { $($(#[$vm:meta])* $variant:ident),+ $(,)? }) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
        $(#[$m])*
        pub enum $name { $($(#[$vm])* $variant),+ }

        impl $crate::view::Convert<$domain> for $name {
            #[inline]
            fn convert(d: $domain) -> Self {
                type D = $domain;
                match d { $(D::$variant => $name::$variant),+ }
            }
        }

        impl $crate::view::Convert<$name> for $domain {
            #[inline]
            fn convert(g: $name) -> Self {
                type D = $domain;
                match g { $($name::$variant => D::$variant),+ }
            }
        }

        impl From<$domain> for $name {
            #[inline]
            fn from(d: $domain) -> Self {
                $crate::view::Convert::convert(d)
            }
        }

        impl From<$name> for $domain {
            #[inline]
            fn from(g: $name) -> Self {
                $crate::view::Convert::convert(g)
            }
        }
    };
}

/// A calendar date, `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date(pub types::Date);

/// A calendar date, `YYYY-MM-DD`.
#[Scalar(name = "Date")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => types::Date::parse(s).map(Date).ok_or_else(|| {
                InputValueError::custom(format!("{s:?} is not a date (YYYY-MM-DD)"))
            }),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_string())
    }
}

/// A point in time, RFC 3339 in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateTime(pub types::Timestamp);

/// A point in time, RFC 3339 in UTC.
#[Scalar(name = "DateTime")]
impl ScalarType for DateTime {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => chrono::DateTime::parse_from_rfc3339(s)
                .map(|t| DateTime(types::Timestamp(t.with_timezone(&chrono::Utc))))
                .map_err(|_| InputValueError::custom(format!("{s:?} is not an RFC 3339 time"))),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_string())
    }
}

macro_rules! scalar {
    ($($gql:ident = $domain:ty),*) => {
        $(impl Convert<$domain> for $gql {
            #[inline]
            fn convert(d: $domain) -> Self {
                $gql(d)
            }
        }

        impl Convert<$gql> for $domain {
            #[inline]
            fn convert(g: $gql) -> Self {
                g.0
            }
        })*
    };
}
scalar!(Date = types::Date, DateTime = types::Timestamp);

#[cfg(test)]
mod tests {
    use super::Convert;
    use crate::EagerFields;
    use crate::eager::Ready;
    use crate::types::Item;
    use oversight_domain::items::model::{ItemHead, ItemKind};

    /// An item built from a narrow row answers its narrow fields and holds none of its wide
    /// ones: asked for one, its answer carries an error, never an empty value.
    #[actix_rt::test]
    async fn a_narrow_row_answers_no_wide_field() {
        use async_graphql::{EmptyMutation, EmptySubscription, Object, Schema};
        let item: Item = Convert::convert(ItemHead {
            id: "item-1".into(),
            inspection_id: "insp-1".into(),
            kind: ItemKind::Recommendation,
            number: 4,
        });
        assert!(matches!(item.value_of("number"), Some(Ready::Int(4))));
        for &wide in Item::WIDE_FIELDS {
            assert!(item.value_of(wide).is_none(), "{wide}");
        }

        struct Root(Item);
        #[Object]
        impl Root {
            async fn item(&self) -> Item {
                self.0.clone()
            }
        }
        let schema = Schema::new(Root(item), EmptyMutation, EmptySubscription);
        let narrow = schema
            .execute("{ item { id inspectionId kind number } }")
            .await;
        assert!(narrow.errors.is_empty(), "{:?}", narrow.errors);
        assert_eq!(
            narrow.data.into_json().unwrap(),
            serde_json::json!({"item": {"id": "item-1", "inspectionId": "insp-1",
                "kind": "RECOMMENDATION", "number": 4}})
        );
        for &wide in Item::WIDE_FIELDS {
            let query = match wide {
                "addressees" => "{ item { addressees { forces } } }".to_string(),
                _ => format!("{{ item {{ {wide} }} }}"),
            };
            let answer = schema.execute(query).await;
            assert_eq!(answer.errors.len(), 1, "{wide}");
            assert!(answer.errors[0].message.contains(wide), "{wide}");
        }
    }
}
