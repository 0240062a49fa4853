//! Small shared types: dates and times as the API writes them, newtype ids, text-backed
//! enumerations, and the cursor page every list returns.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use utoipa::ToSchema;

use crate::error::AppError;

/// A calendar date, `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, ToSchema)]
#[schema(value_type = String, format = Date, example = "2025-05-16")]
pub struct Date(pub NaiveDate);

impl Date {
    pub fn parse(s: &str) -> Option<Date> {
        // Exactly YYYY-MM-DD: chrono alone would accept a year without padding or a sign.
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().map(Date)
    }

    /// `16 May 2025`, as the published documents write dates.
    pub fn long(&self) -> String {
        self.0.format("%-d %B %Y").to_string()
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%d"))
    }
}

impl From<NaiveDate> for Date {
    fn from(d: NaiveDate) -> Self {
        Date(d)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Date::parse(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("{s:?} is not a date (YYYY-MM-DD)")))
    }
}

/// A point in time, RFC 3339 in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, ToSchema)]
#[schema(value_type = String, format = DateTime, example = "2025-07-01T09:00:00Z")]
pub struct Timestamp(pub DateTime<Utc>);

impl Timestamp {
    pub fn naive(&self) -> NaiveDateTime {
        self.0.naive_utc()
    }

    pub fn date(&self) -> Date {
        Date(self.0.date_naive())
    }
}

impl From<NaiveDateTime> for Timestamp {
    fn from(t: NaiveDateTime) -> Self {
        Timestamp(t.and_utc())
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.to_rfc3339_opts(SecondsFormat::AutoSi, true))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        DateTime::parse_from_rfc3339(&s)
            .map(|t| Timestamp(t.with_timezone(&Utc)))
            .map_err(|_| serde::de::Error::custom(format!("{s:?} is not an RFC 3339 time")))
    }
}

/// Now, cut to microseconds so that both backends give back what they were given.
pub fn now() -> NaiveDateTime {
    let t = Utc::now().naive_utc();
    let micros = t.and_utc().timestamp_micros();
    DateTime::from_timestamp_micros(micros)
        .map(|d| d.naive_utc())
        .unwrap_or(t)
}

/// A new UUIDv7 id as text.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Checks that a path or argument names a UUID; a malformed id is the client's mistake.
pub fn parse_uuid(field: &str, s: &str) -> Result<String, AppError> {
    uuid::Uuid::try_parse(s)
        .map(|u| u.hyphenated().to_string())
        .map_err(|_| AppError::bad_field(field, format!("{s:?} is not a UUID")))
}

/// Defines an enumeration stored as text, written in snake_case over REST and as an enum in
/// GraphQL, with `as_str`/`parse` for the database.
#[macro_export]
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
                 serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(&self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(s: &str) -> Option<$name> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }

            /// Reads a stored value; the CHECK constraints keep the column to the known set.
            pub fn from_db(s: &str) -> Result<$name, $crate::error::AppError> {
                $name::parse(s).ok_or_else(|| $crate::error::AppError::Internal(
                    format!("unknown {} {:?} in the database", stringify!($name), s)))
            }

            pub fn expected() -> String {
                [$($text),+].join(", ")
            }

            /// Reads an optional query parameter: absent or empty is no filter; anything else
            /// must be one of the values, or the answer is a `400` naming `field`.
            pub fn from_param(
                field: &str,
                value: &Option<String>,
            ) -> Result<Option<$name>, $crate::error::AppError> {
                match value.as_deref().filter(|v| !v.is_empty()) {
                    None => Ok(None),
                    Some(v) => $name::parse(v).map(Some).ok_or_else(|| {
                        $crate::error::AppError::bad_field(
                            field,
                            format!("{v:?} is not one of {}", $name::expected()),
                        )
                    }),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

/// A row read whole, or narrow: only the few columns a reader asked for (GraphQL's reads of
/// a query that asks for nothing else), as its own type.
#[derive(Debug, Clone, PartialEq)]
pub enum Read<W, N> {
    Whole(W),
    Narrow(N),
}

/// One page of a list, with the cursor of each row (for GraphQL edges) and of the next page.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub cursors: Cursors,
    pub next_cursor: Option<String>,
}

/// The cursors of a page's rows, each written when asked. A REST list shows none of them
/// (its `next_cursor` is kept apart), and a GraphQL connection only those its query selects;
/// writing every one (JSON, then base64) cost the OPCC dashboard 3% of its instructions for
/// 300 cursors it never showed.
#[derive(Clone)]
pub struct Cursors {
    len: usize,
    of: std::sync::Arc<dyn Fn(usize) -> Option<String> + Send + Sync>,
}

impl Cursors {
    /// The cursors of rows whose sort keys are `keys`.
    pub fn of_keys<K: Serialize + Send + Sync + 'static>(keys: Vec<K>) -> Cursors {
        Cursors {
            len: keys.len(),
            of: std::sync::Arc::new(move |i| keys.get(i).map(encode_cursor)),
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The cursor of row `i`.
    pub fn get(&self, i: usize) -> Option<String> {
        (self.of)(i)
    }

    pub fn first(&self) -> Option<String> {
        self.get(0)
    }

    pub fn last(&self) -> Option<String> {
        self.len.checked_sub(1).and_then(|i| self.get(i))
    }

    /// Every row's cursor, in order.
    pub fn iter(&self) -> impl Iterator<Item = String> + '_ {
        (0..self.len).filter_map(|i| self.get(i))
    }
}

impl fmt::Debug for Cursors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<T> Page<T> {
    /// A page from the `limit + 1` rows a keyset query fetched: the extra row only tells that
    /// there is more. `key` gives each row's sort key, which its cursor encodes.
    pub fn from_rows<K: Serialize + Send + Sync + 'static>(
        mut rows: Vec<T>,
        limit: i64,
        key: impl Fn(&T) -> K,
    ) -> Page<T> {
        let more = rows.len() as i64 > limit;
        rows.truncate(limit.max(0) as usize);
        let cursors = Cursors::of_keys(rows.iter().map(key).collect());
        let next_cursor = if more { cursors.last() } else { None };
        Page {
            items: rows,
            cursors,
            next_cursor,
        }
    }

    /// Turns the rows of a page into what the API shows, all at once (loading what they need).
    pub fn try_map_all<U, E>(
        self,
        f: impl FnOnce(Vec<T>) -> Result<Vec<U>, E>,
    ) -> Result<Page<U>, E> {
        Ok(Page {
            items: f(self.items)?,
            cursors: self.cursors,
            next_cursor: self.next_cursor,
        })
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            cursors: self.cursors,
            next_cursor: self.next_cursor,
        }
    }
}

/// The JSON shape of a list page.
#[derive(Debug, Serialize)]
pub struct ListBody<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> From<Page<T>> for ListBody<T> {
    fn from(p: Page<T>) -> Self {
        ListBody {
            items: p.items,
            next_cursor: p.next_cursor,
        }
    }
}

pub const DEFAULT_LIMIT: i64 = 20;
pub const MAX_LIMIT: i64 = 100;

/// `limit` as the contract reads it: 20 when absent, at most 100, at least 1.
pub fn clamp_limit(field: &str, limit: Option<i64>) -> Result<i64, AppError> {
    match limit {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if n < 1 => Err(AppError::invalid(field, "must be at least 1")),
        Some(n) => Ok(n.min(MAX_LIMIT)),
    }
}

/// Opaque, URL-safe cursors: the sort key of the last row seen, as base64url of JSON.
pub fn encode_cursor<T: Serialize>(key: &T) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(key).unwrap_or_default())
}

pub fn decode_cursor<T: for<'de> Deserialize<'de>>(
    field: &str,
    cursor: &str,
) -> Result<T, AppError> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(|| AppError::bad_field(field, "the cursor is not one this service gave out"))
}

/// Reads a JSON text column holding a list of strings.
pub fn json_list(field: &str, text: &str) -> Result<Vec<String>, AppError> {
    // Most stored lists are empty.
    if text == "[]" {
        return Ok(Vec::new());
    }
    serde_json::from_str(text)
        .map_err(|e| AppError::Internal(format!("stored {field} is not a JSON list: {e}")))
}

pub fn to_json_text<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A page's cursors, written when asked, are each row's key encoded, and the next page's
    /// cursor is the last row's; a last page has none, an empty page no cursors at all.
    #[test]
    fn a_pages_cursors_encode_each_rows_key_when_asked() {
        let rows: Vec<(i32, String)> = (1..=4).map(|n| (n, format!("row-{n}"))).collect();
        let page = Page::from_rows(rows.clone(), 3, |r| r.clone());
        assert_eq!(page.items.len(), 3);
        let expected: Vec<String> = rows[..3].iter().map(encode_cursor).collect();
        assert_eq!(page.cursors.iter().collect::<Vec<_>>(), expected);
        assert_eq!(page.cursors.len(), 3);
        assert_eq!(page.cursors.first(), Some(expected[0].clone()));
        assert_eq!(page.cursors.last(), Some(expected[2].clone()));
        assert_eq!(page.cursors.get(3), None);
        assert_eq!(page.next_cursor, Some(expected[2].clone()));
        let back: (i32, String) = decode_cursor("after", &expected[1]).unwrap();
        assert_eq!(back, rows[1]);

        let last = Page::from_rows(rows.clone(), 4, |r| r.0);
        assert_eq!(last.cursors.last(), Some(encode_cursor(&4)));
        assert_eq!(last.next_cursor, None);
        let empty = Page::from_rows(Vec::<(i32, String)>::new(), 4, |r| r.0);
        assert!(empty.cursors.is_empty());
        assert_eq!((empty.cursors.first(), empty.cursors.last()), (None, None));
    }

    #[test]
    fn dates_are_strictly_year_month_day() {
        assert!(Date::parse("2025-05-16").is_some());
        assert!(Date::parse("2025-5-16").is_none());
        assert!(Date::parse("2025-02-30").is_none());
        assert!(Date::parse("16/05/2025").is_none());
        assert_eq!(
            Date::parse("2025-05-16").map(|d| d.long()).as_deref(),
            Some("16 May 2025")
        );
    }

    #[test]
    fn limits_default_and_clamp() {
        assert_eq!(clamp_limit("limit", None).ok(), Some(20));
        assert_eq!(clamp_limit("limit", Some(1000)).ok(), Some(100));
        assert!(clamp_limit("limit", Some(0)).is_err());
    }

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let c = encode_cursor(&("2025-05-16", "abc"));
        let back: (String, String) = decode_cursor("cursor", &c).unwrap();
        assert_eq!(back, ("2025-05-16".to_string(), "abc".to_string()));
        assert!(decode_cursor::<(String, String)>("cursor", "!!").is_err());
    }
}
