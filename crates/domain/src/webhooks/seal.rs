//! Webhook secrets at rest: sealed (AES-256-GCM) with the key from configuration
//! (`OVERSIGHT_WEBHOOK_KEY`), bound to their webhook's id, so that the database alone (a dump,
//! a replica, a backup) can neither sign a delivery nor move a secret to another webhook.
//! Written `v1.` + base64 of the 12-byte nonce and the ciphertext with its tag.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};

use crate::db::keys::Key;
use crate::error::AppError;

const PREFIX: &str = "v1.";

fn aead(key: &Key) -> Result<LessSafeKey, AppError> {
    UnboundKey::new(&AES_256_GCM, key.bytes())
        .map(LessSafeKey::new)
        .map_err(|_| AppError::Internal("the webhook key is not an AES-256 key".into()))
}

/// The sealing key derived from another secret the service is configured with (its HS256
/// token secret), where no key of its own is given: HMAC-SHA256 of a fixed label, so the two
/// keys never coincide.
pub fn derive_key(secret: &[u8]) -> Key {
    use hmac::{Hmac, KeyInit, Mac};
    let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
    mac.update(b"oversight webhook secrets v1");
    Key::from_bytes(mac.finalize().into_bytes().into())
}

/// Seals a webhook's secret for storage.
pub fn seal(key: &Key, webhook_id: &str, secret: &[u8]) -> Result<String, AppError> {
    let mut nonce = [0u8; NONCE_LEN];
    getrandom::fill(&mut nonce)
        .map_err(|e| AppError::Internal(format!("no randomness for a nonce: {e}")))?;
    let mut sealed = secret.to_vec();
    aead(key)?
        .seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(webhook_id.as_bytes()),
            &mut sealed,
        )
        .map_err(|_| AppError::Internal("a webhook secret could not be sealed".into()))?;
    let mut out = nonce.to_vec();
    out.extend_from_slice(&sealed);
    Ok(format!("{PREFIX}{}", STANDARD.encode(out)))
}

/// The secret of a webhook, or `None` where it was sealed with another key or for another
/// webhook (or is not a sealed secret at all).
pub fn open(key: &Key, webhook_id: &str, stored: &str) -> Option<Vec<u8>> {
    let bytes = STANDARD.decode(stored.strip_prefix(PREFIX)?).ok()?;
    if bytes.len() < NONCE_LEN {
        return None;
    }
    let (nonce, sealed) = bytes.split_at(NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
    let mut sealed = sealed.to_vec();
    let plain = aead(key)
        .ok()?
        .open_in_place(nonce, Aad::from(webhook_id.as_bytes()), &mut sealed)
        .ok()?;
    Some(plain.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_only_with_its_key_and_for_its_webhook() {
        let key = Key::for_tests([7; 32]);
        let sealed = seal(&key, "hook-a", b"the secret").unwrap();
        assert!(!sealed.contains("the secret"));
        assert_eq!(
            open(&key, "hook-a", &sealed).as_deref(),
            Some(&b"the secret"[..])
        );
        assert_eq!(open(&key, "hook-b", &sealed), None);
        assert_eq!(open(&Key::for_tests([8; 32]), "hook-a", &sealed), None);
        assert_eq!(open(&key, "hook-a", "v1.AAAA"), None);
        assert_eq!(open(&key, "hook-a", "plain"), None);
        // A fresh nonce each time: the same secret never seals the same way twice.
        assert_ne!(seal(&key, "hook-a", b"the secret").unwrap(), sealed);
    }
}
