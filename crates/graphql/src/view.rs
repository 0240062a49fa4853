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
///
/// An object on the fast path (`eager pub struct …`) says for each field (and each field
/// of its `#[ComplexObject]`, under `complex`): its GraphQL name, its flags (`READY`: resolved
/// without waiting on the database; `NARROW` or `WIDE`: answered by a narrow row or only by
/// the whole one) and how its value is taken in place (`str`, `int`, `enumeration`,
/// `opt_enumeration`, or `resolver`); under `hidden`, fields the object carries that are not
/// GraphQL fields; under `objects`, the body of `EagerFields::object_of`. Its `EagerFields`
/// and its `NARROW_FIELDS` and `WIDE_FIELDS` all come from that one table.
macro_rules! graphql_object {
    ($(#[$m:meta])* pub struct $name:ident from $domain:ty {
        $($(#[$fm:meta])* pub $field:ident : $ty:ty),* $(,)?
    }) => {
        graphql_object!(@struct $(#[$m])* $name $domain { $($(#[$fm])* $field: $ty,)* });
    };
    ($(#[$m:meta])* eager pub struct $name:ident from $domain:ty {
        $($(#[$fm:meta])* pub $field:ident : $ty:ty
            => $gname:literal [$($flag:ident)*] $reader:ident),* $(,)?
    }
    $(complex { $($cname:literal [$($cflag:ident)*]),* $(,)? })?
    $(hidden { $($(#[$hm:meta])* pub $hfield:ident : $hty:ty),* $(,)? })?
    $(objects($this:ident, $asked:ident) $objects:block)?) => {
        graphql_object!(@struct $(#[$m])* $name $domain {
            $($(#[$fm])* $field: $ty,)*
            $($(#[graphql(skip)] $(#[$hm])* $hfield: $hty,)*)?
        });

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
    (@read str $e:expr) => { Some($crate::eager::Ready::Str(&$e)) };
    (@read int $e:expr) => { Some($crate::eager::Ready::Int($e.into())) };
    (@read enumeration $e:expr) => { Some($crate::eager::enumeration($e)) };
    (@read opt_enumeration $e:expr) => {
        Some($e.map_or($crate::eager::Ready::Null, $crate::eager::enumeration))
    };
    (@read resolver $e:expr) => { None };
    (@struct $(#[$m:meta])* $name:ident $domain:ty { $($(#[$fm:meta])* $field:ident : $ty:ty,)* }) => {
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
