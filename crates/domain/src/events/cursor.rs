//! Sealed change-feed cursors: a position in the feed as 32 URL-safe characters that reveal no
//! sequence number and that nobody without the service's key can make or alter.
//!
//! Deterministic authenticated encryption in the SIV style, from HMAC-SHA256 alone: the tag is
//! a MAC of the position, the position is masked with a pad derived from the tag, and opening
//! checks the tag again. The same position always seals to the same text (so a page that did
//! not change is byte-identical), and two cursors say nothing of how far apart they are.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::db::keys::Key;
use crate::error::AppError;

const TAG: usize = 16;
const SEALED: usize = TAG + 8;

fn mac(key: &Key, purpose: &[u8], data: &[u8]) -> Hmac<Sha256> {
    let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(key.bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
    m.update(purpose);
    m.update(data);
    m
}

fn pad(key: &Key, tag: &[u8]) -> [u8; 8] {
    let out = mac(key, b"oversight feed cursor pad", tag)
        .finalize()
        .into_bytes();
    let mut pad = [0u8; 8];
    pad.copy_from_slice(&out[..8]);
    pad
}

/// The cursor of feed position `position`.
pub fn seal(key: &Key, position: i64) -> String {
    let plain = position.to_be_bytes();
    let full = mac(key, b"oversight feed cursor tag", &plain)
        .finalize()
        .into_bytes();
    let mut sealed = [0u8; SEALED];
    sealed[..TAG].copy_from_slice(&full[..TAG]);
    let pad = pad(key, &sealed[..TAG]);
    for (i, byte) in plain.iter().enumerate() {
        sealed[TAG + i] = byte ^ pad[i];
    }
    URL_SAFE_NO_PAD.encode(sealed)
}

/// The position a cursor names; `400` for anything this service did not seal.
pub fn open(key: &Key, field: &str, cursor: &str) -> Result<i64, AppError> {
    let refused = || AppError::bad_field(field, "not a cursor this service gave out");
    let bytes = URL_SAFE_NO_PAD
        .decode(cursor.as_bytes())
        .map_err(|_| refused())?;
    let sealed: [u8; SEALED] = bytes.try_into().map_err(|_| refused())?;
    let (tag, masked) = sealed.split_at(TAG);
    let pad = pad(key, tag);
    let mut plain = [0u8; 8];
    for (i, byte) in masked.iter().enumerate() {
        plain[i] = byte ^ pad[i];
    }
    // Constant time: the tag is compared by the MAC itself.
    mac(key, b"oversight feed cursor tag", &plain)
        .verify_truncated_left(tag)
        .map_err(|_| refused())?;
    Ok(i64::from_be_bytes(plain))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(seed: u8) -> Key {
        Key::for_tests([seed; 32])
    }

    #[test]
    fn a_cursor_opens_to_its_position_and_seals_the_same_every_time() {
        let k = key(7);
        for position in [0, 1, 2, 27, 28, 1 << 40, i64::MAX] {
            let c = seal(&k, position);
            assert_eq!(c.len(), 32);
            assert_eq!(c, seal(&k, position));
            assert_eq!(open(&k, "after", &c).unwrap(), position);
        }
    }

    #[test]
    fn neighbouring_positions_share_nothing_visible() {
        let k = key(7);
        let (a, b) = (seal(&k, 27), seal(&k, 28));
        let same = a.bytes().zip(b.bytes()).filter(|(x, y)| x == y).count();
        // Random texts of 64 symbols share about one in 64 places; never a common prefix.
        assert!(same < 8, "{a} {b}");
        assert_ne!(a[..4], b[..4]);
    }

    #[test]
    fn altered_forged_or_foreign_cursors_are_refused() {
        let k = key(7);
        let c = seal(&k, 28);
        let mut altered = c.clone().into_bytes();
        altered[30] = if altered[30] == b'A' { b'B' } else { b'A' };
        let altered = String::from_utf8(altered).unwrap();
        for bad in [
            altered.as_str(),
            "",
            "!!",
            "eyJpZCI6Mjh9",
            &c[..31],
            &seal(&key(8), 28),
        ] {
            let e = open(&k, "after", bad).unwrap_err();
            assert_eq!(e.code(), "bad_request", "{bad}");
        }
    }
}
