//! Secrets that must be read back later (an access key or code waiting in a job, a letter
//! waiting for the print batch, a TOTP secret) are kept sealed: AES-256-GCM under a key
//! from configuration, never from the database, so a copy of the database files (the
//! SQLite WAL included) or a `pg_dump` holds only ciphertext.
//!
//! A sealed value is text: `ehs1.<key id>.<base64url(nonce || ciphertext || tag)>`. The key
//! id lets keys rotate: the first configured key seals, every configured key opens.
//! The associated data binds a value to its place (`job:<event id>:access_key`,
//! `totp:<account id>`...), so a ciphertext copied into another row does not open.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};

use crate::domain::Notification;
use crate::error::CoreError;

const PREFIX: &str = "ehs1.";
const NONCE_LEN: usize = 12;

/// The development key set: id `dev`, a fixed key. Production refuses it.
pub const DEVELOPMENT_KEYS: &str = "dev:ZWhlYWx0aC1kZXZlbG9wbWVudC1zZWFsLWtleS0zMmI=";
pub const DEVELOPMENT_KEY_ID: &str = "dev";

#[derive(Clone)]
struct SealKey {
    id: String,
    cipher: Aes256Gcm,
}

/// The configured keys; the first seals.
#[derive(Clone)]
pub struct SecretBox {
    keys: Vec<SealKey>,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<&str> = self.keys.iter().map(|k| k.id.as_str()).collect();
        f.debug_struct("SecretBox").field("key_ids", &ids).finish()
    }
}

fn bad_keys(message: impl Into<String>) -> CoreError {
    CoreError::invalid("EHEALTH_SEAL_KEYS", message)
}

/// Parses `id:base64key[,id:base64key...]` (32-byte keys, standard base64).
pub fn parse_keys(text: &str) -> Result<Vec<(String, [u8; 32])>, CoreError> {
    let mut out: Vec<(String, [u8; 32])> = Vec::new();
    for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (id, key) = item
            .split_once(':')
            .ok_or_else(|| bad_keys("each key is id:base64 (32 bytes)"))?;
        let valid_id = !id.is_empty()
            && id.len() <= 16
            && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !valid_id {
            return Err(bad_keys("a key id is 1-16 letters, digits or '-'"));
        }
        let bytes = STANDARD
            .decode(key.trim())
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .ok_or_else(|| bad_keys(format!("key {id}: not base64 of 32 bytes")))?;
        if out.iter().any(|(seen, _)| seen == id) {
            return Err(bad_keys(format!("key id {id} appears twice")));
        }
        out.push((id.to_owned(), bytes));
    }
    if out.is_empty() {
        return Err(bad_keys("at least one key is needed"));
    }
    Ok(out)
}

/// Whether `key` is the development key (under whatever id).
pub fn is_development_key(key: &[u8; 32]) -> bool {
    parse_keys(DEVELOPMENT_KEYS)
        .map(|dev| dev.iter().any(|(_, k)| k == key))
        .unwrap_or(false)
}

impl SecretBox {
    pub fn from_config(keys: &SecretString) -> Result<Self, CoreError> {
        let keys = parse_keys(keys.expose_secret())?
            .into_iter()
            .map(|(id, key)| {
                Aes256Gcm::new_from_slice(&key)
                    .map(|cipher| SealKey { id, cipher })
                    .map_err(|_| bad_keys("key of the wrong length"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { keys })
    }

    /// The development keys, for tools and tests that have no configuration.
    pub fn development() -> Self {
        Self::from_config(&SecretString::from(DEVELOPMENT_KEYS))
            .unwrap_or(Self { keys: Vec::new() })
    }

    /// The id of the key that seals now.
    pub fn current_key_id(&self) -> Option<&str> {
        self.keys.first().map(|k| k.id.as_str())
    }

    pub fn is_sealed(value: &str) -> bool {
        value.starts_with(PREFIX)
    }

    /// Seals `plain` for the place `aad` names, under the current key.
    pub fn seal(&self, aad: &str, plain: &str) -> Result<String, CoreError> {
        let key = self
            .keys
            .first()
            .ok_or_else(|| CoreError::Internal("no sealing key".into()))?;
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = key
            .cipher
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: plain.as_bytes(),
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| CoreError::Internal("sealing failed".into()))?;
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        Ok(format!(
            "{PREFIX}{}.{}",
            key.id,
            URL_SAFE_NO_PAD.encode(bytes)
        ))
    }

    /// Opens a sealed value; an unknown key id, a wrong place or a damaged value fails.
    pub fn open(&self, aad: &str, sealed: &str) -> Result<String, CoreError> {
        let unreadable = |why: &str| CoreError::Internal(format!("sealed value: {why}"));
        let rest = sealed
            .strip_prefix(PREFIX)
            .ok_or_else(|| unreadable("not sealed"))?;
        let (id, body) = rest
            .split_once('.')
            .ok_or_else(|| unreadable("no key id"))?;
        let key = self
            .keys
            .iter()
            .find(|k| k.id == id)
            .ok_or_else(|| unreadable(&format!("unknown key id {id}")))?;
        let bytes = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| unreadable("not base64"))?;
        if bytes.len() < NONCE_LEN {
            return Err(unreadable("too short"));
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let nonce = <[u8; NONCE_LEN]>::try_from(nonce).map_err(|_| unreadable("nonce"))?;
        let plain = key
            .cipher
            .decrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: ciphertext,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| unreadable("does not open under its key"))?;
        String::from_utf8(plain).map_err(|_| unreadable("not text"))
    }

    /// The id of the key that sealed `sealed` (to find values still under an old key).
    pub fn key_id(sealed: &str) -> Option<&str> {
        sealed
            .strip_prefix(PREFIX)?
            .split_once('.')
            .map(|(id, _)| id)
    }
}

/// Where a job's secret is sealed to: its event and the fact's name.
pub fn job_aad(event_id: &str, fact: &str) -> String {
    format!("job:{event_id}:{fact}")
}

/// Seals a secret for the `fact` of the job of `event_id`.
pub fn seal_job_secret(
    sealer: &SecretBox,
    event_id: &str,
    fact: &str,
    plain: &str,
) -> Result<String, CoreError> {
    sealer.seal(&job_aad(event_id, fact), plain)
}

/// Opens, in memory, the sealed secrets of a notification so it can be rendered. A value
/// that is not sealed (a job queued before sealing, or already scrubbed) is left as it is.
pub fn open_secrets(sealer: &SecretBox, notification: &mut Notification) -> Result<(), CoreError> {
    let event_id = notification.event_id.clone();
    for (fact, value) in notification.notice.secrets_mut() {
        let Some(sealed) = value.as_deref().filter(|v| SecretBox::is_sealed(v)) else {
            continue;
        };
        *value = Some(sealer.open(&job_aad(&event_id, fact), sealed)?);
    }
    Ok(())
}

/// `open_secrets` on a stored payload (for tests and tools that read a job's row).
pub fn open_job_secrets(
    sealer: &SecretBox,
    payload: &mut serde_json::Value,
) -> Result<(), CoreError> {
    let kind = payload["kind"].as_str().unwrap_or_default().to_owned();
    let mut notification = Notification::read(&kind, &payload.to_string())
        .map_err(|e| CoreError::Internal(format!("unreadable job payload: {e}")))?;
    open_secrets(sealer, &mut notification)?;
    *payload = notification.to_value();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(text: &str) -> SecretBox {
        SecretBox::from_config(&SecretString::from(text)).expect("keys")
    }

    const K1: &str = "k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    const K2: &str = "k2:HxwdGhsYGRYXFBUSExAREA4PDA0KCwgJBgcEBQIDAAE=";

    #[test]
    fn seals_without_the_clear_text_and_opens_in_its_place_only() {
        let b = keys(K1);
        let sealed = b.seal("job:e1:access_key", "12345678").expect("seal");
        assert!(sealed.starts_with("ehs1.k1."), "{sealed}");
        assert!(!sealed.contains("12345678"));
        assert_ne!(
            sealed,
            b.seal("job:e1:access_key", "12345678").expect("seal")
        );
        assert_eq!(
            b.open("job:e1:access_key", &sealed).expect("open"),
            "12345678"
        );
        assert!(b.open("job:e2:access_key", &sealed).is_err(), "other place");
        let mut damaged = sealed.clone();
        damaged.pop();
        damaged.push(if sealed.ends_with('A') { 'B' } else { 'A' });
        assert!(b.open("job:e1:access_key", &damaged).is_err());
        assert!(b.open("job:e1:access_key", "12345678").is_err());
    }

    #[test]
    fn rotation_seals_under_the_first_key_and_opens_under_any() {
        let old = keys(K1);
        let sealed_old = old.seal("totp:a", "SECRET").expect("seal");
        let rotated = keys(&format!("{K2},{K1}"));
        assert_eq!(rotated.open("totp:a", &sealed_old).expect("open"), "SECRET");
        let sealed_new = rotated.seal("totp:a", "SECRET").expect("seal");
        assert_eq!(SecretBox::key_id(&sealed_new), Some("k2"));
        assert!(
            old.open("totp:a", &sealed_new).is_err(),
            "k2 unknown to old"
        );
        assert!(keys(K2).open("totp:a", &sealed_old).is_err(), "k1 retired");
    }

    #[test]
    fn job_secrets_open_in_memory_for_their_event_only() {
        let b = keys(K1);
        let sealed = seal_job_secret(&b, "e1", "code", "123456").expect("seal");
        let mut payload = serde_json::json!({"kind": "verification_code", "event_id": "e1",
            "occurred_at": "2026-11-25T02:00:00+00:00", "facts": {"code": sealed}});
        let stored = payload.to_string();
        assert!(!stored.contains("123456"));
        open_job_secrets(&b, &mut payload).expect("open");
        assert_eq!(payload["facts"]["code"], "123456");
        let mut moved: serde_json::Value = serde_json::from_str(&stored).expect("json");
        moved["event_id"] = "e2".into();
        assert!(
            open_job_secrets(&b, &mut moved).is_err(),
            "bound to its event"
        );
    }

    #[test]
    fn bad_key_lists_are_refused() {
        for bad in ["", "k1", "k1:short", ":AAAA", &format!("{K1},{K1}")] {
            assert!(
                SecretBox::from_config(&SecretString::from(bad)).is_err(),
                "{bad}"
            );
        }
        assert_eq!(
            SecretBox::key_id(&SecretBox::development().seal("x", "y").expect("seal")),
            Some(DEVELOPMENT_KEY_ID)
        );
    }
}
