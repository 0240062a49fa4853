//! Keys the service makes for itself and every instance on one database shares
//! (`service_keys`): made by the first instance to migrate, read by the rest, so nothing has to
//! be configured or agreed between instances.

use std::sync::Arc;

use diesel::prelude::*;

use super::DbConn;
use super::schema::service_keys;
use crate::error::AppError;

/// A 32-byte secret key that never prints.
#[derive(Clone)]
pub struct Key(Arc<[u8; 32]>);

impl Key {
    pub fn bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// A key given by configuration (`OVERSIGHT_WEBHOOK_KEY`) rather than made here.
    pub fn from_bytes(bytes: [u8; 32]) -> Key {
        Key(Arc::new(bytes))
    }

    #[cfg(test)]
    pub fn for_tests(bytes: [u8; 32]) -> Key {
        Key(Arc::new(bytes))
    }
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key(…)")
    }
}

/// The service's own keys.
#[derive(Debug, Clone)]
pub struct ServiceKeys {
    /// Seals change-feed cursors (`events::cursor`).
    pub feed_cursor: Key,
}

/// Reads the keys, making any that are missing. Run under the migration lock, so two instances
/// starting together make one key between them.
pub fn ensure(conn: &mut DbConn) -> Result<ServiceKeys, AppError> {
    Ok(ServiceKeys {
        feed_cursor: key(conn, "feed_cursor")?,
    })
}

fn key(conn: &mut DbConn, name: &str) -> Result<Key, AppError> {
    let stored: Option<String> = service_keys::table
        .find(name)
        .select(service_keys::key)
        .first(conn)
        .optional()?;
    let text = match stored {
        Some(t) => t,
        None => {
            let mut bytes = [0u8; 32];
            getrandom::fill(&mut bytes)
                .map_err(|e| AppError::Internal(format!("no randomness for a key: {e}")))?;
            let text = hex(&bytes);
            diesel::insert_into(service_keys::table)
                .values((service_keys::name.eq(name), service_keys::key.eq(&text)))
                .execute(conn)?;
            text
        }
    };
    parse(&text)
        .map(|b| Key(Arc::new(b)))
        .ok_or_else(|| AppError::Internal(format!("the stored key {name:?} is not 64 hex digits")))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn parse(text: &str) -> Option<[u8; 32]> {
    let text = text.trim();
    if text.len() != 64 || !text.is_ascii() {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_written_and_read_as_hex() {
        let bytes: [u8; 32] = std::array::from_fn(|i| (i * 37) as u8);
        assert_eq!(parse(&hex(&bytes)), Some(bytes));
        assert_eq!(parse("zz"), None);
        assert_eq!(parse(&"g".repeat(64)), None);
        assert_eq!(format!("{:?}", Key::for_tests(bytes)), "Key(…)");
    }
}
