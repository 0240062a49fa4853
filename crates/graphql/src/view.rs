//! GraphQL's own types over the domain's. The domain's models know nothing of GraphQL; each
//! object, input, enum and scalar of the schema is declared here, over the domain type it
//! shows, with its descriptions, and converts to or from it field by field ([`Convert`]), so
//! that the compiler holds the two to the same fields.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};

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
macro_rules! graphql_object {
    ($(#[$m:meta])* pub struct $name:ident from $domain:ty {
        $($(#[$fm:meta])* pub $field:ident : $ty:ty),* $(,)?
    }) => {
        #[derive(Debug, Clone, async_graphql::SimpleObject)]
        $(#[$m])*
        pub struct $name {
            $($(#[$fm])* pub $field: $ty),*
        }

        impl $crate::view::Convert<$domain> for $name {
            #[inline]
            fn convert(d: $domain) -> Self {
                $name { $($field: $crate::view::Convert::convert(d.$field)),* }
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
