//! Checkpoints as C2SP `tlog-checkpoint` bodies in C2SP `signed-note` envelopes, signed
//! with Ed25519 (signature type 0x01).
//!
//! ```text
//! <origin>\n<tree size>\n<base64 root hash>\n\n— <key name> <base64(key id || signature)>\n
//! ```

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use sha2::{Digest, Sha256};

use super::merkle::Hash;

const ED25519: u8 = 0x01;
const SIG_PREFIX: &str = "\u{2014} ";

/// The log's signing identity: the key name (the log's origin) and the Ed25519 key.
#[derive(Clone)]
pub struct LogSigner {
    name: String,
    key: SigningKey,
}

/// What a verifier needs: the name and the public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogKey {
    pub name: String,
    pub public: VerifyingKey,
}

impl LogSigner {
    pub fn from_seed(name: &str, seed: &[u8; 32]) -> Self {
        Self {
            name: name.to_owned(),
            key: SigningKey::from_bytes(seed),
        }
    }

    pub fn public(&self) -> LogKey {
        LogKey {
            name: self.name.clone(),
            public: self.key.verifying_key(),
        }
    }

    /// The signed checkpoint of a tree of `size` leaves with root `root`.
    pub fn checkpoint(&self, size: u64, root: &Hash) -> String {
        let body = checkpoint_body(&self.name, size, root);
        let sig = self.key.sign(body.as_bytes());
        let mut blob = self.public().key_id().to_vec();
        blob.extend_from_slice(&sig.to_bytes());
        format!("{body}\n{SIG_PREFIX}{} {}\n", self.name, B64.encode(blob))
    }
}

impl LogKey {
    /// signed-note key ID: the first four bytes of SHA-256(name || "\n" || 0x01 || key).
    pub fn key_id(&self) -> [u8; 4] {
        let mut h = Sha256::new();
        h.update(self.name.as_bytes());
        h.update(b"\n");
        h.update([ED25519]);
        h.update(self.public.as_bytes());
        let d = h.finalize();
        [d[0], d[1], d[2], d[3]]
    }

    /// The verifier key in the signed-note text form: `<name>+<hex key id>+<base64>`.
    pub fn verifier_key(&self) -> String {
        let mut raw = vec![ED25519];
        raw.extend_from_slice(self.public.as_bytes());
        format!(
            "{}+{}+{}",
            self.name,
            hex::encode(self.key_id()),
            B64.encode(raw)
        )
    }
}

fn checkpoint_body(origin: &str, size: u64, root: &Hash) -> String {
    format!("{origin}\n{size}\n{}\n", B64.encode(root))
}

/// A checkpoint whose signature by the log's key has been checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub size: u64,
    pub root: Hash,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    #[error("not a signed note")]
    Malformed,
    #[error("no valid signature by {0}")]
    NotSigned(String),
    #[error("not a checkpoint of origin {0}")]
    WrongOrigin(String),
}

/// Checks `note`'s signature by `key` and parses its checkpoint body.
pub fn open_checkpoint(note: &str, key: &LogKey) -> Result<Checkpoint, NoteError> {
    let (body, sigs) = note.split_once("\n\n").ok_or(NoteError::Malformed)?;
    let body = format!("{body}\n");
    let signed = sigs
        .lines()
        .filter_map(|line| line.strip_prefix(SIG_PREFIX))
        .filter_map(|rest| rest.split_once(' '))
        .filter(|(name, _)| *name == key.name)
        .any(|(_, b64)| signature_holds(b64, &body, key));
    if !signed {
        return Err(NoteError::NotSigned(key.name.clone()));
    }
    parse_body(&body, &key.name)
}

fn signature_holds(b64: &str, body: &str, key: &LogKey) -> bool {
    let Ok(blob) = B64.decode(b64) else {
        return false;
    };
    let Some((id, sig)) = blob.split_first_chunk::<4>() else {
        return false;
    };
    let Ok(sig) = Signature::from_slice(sig) else {
        return false;
    };
    *id == key.key_id() && key.public.verify(body.as_bytes(), &sig).is_ok()
}

fn parse_body(body: &str, origin: &str) -> Result<Checkpoint, NoteError> {
    let mut lines = body.lines();
    if lines.next() != Some(origin) {
        return Err(NoteError::WrongOrigin(origin.to_owned()));
    }
    let size = lines
        .next()
        .and_then(|s| s.parse().ok())
        .ok_or(NoteError::Malformed)?;
    let root = lines
        .next()
        .and_then(|s| B64.decode(s).ok())
        .and_then(|r| Hash::try_from(r).ok())
        .ok_or(NoteError::Malformed)?;
    Ok(Checkpoint { size, root })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_checkpoint_opens_with_its_key_only() {
        let signer = LogSigner::from_seed("log.example/a", &[7; 32]);
        let note = signer.checkpoint(12, &[9; 32]);
        let cp = open_checkpoint(&note, &signer.public()).unwrap();
        assert_eq!((cp.size, cp.root), (12, [9; 32]));

        let other = LogSigner::from_seed("log.example/a", &[8; 32]);
        assert!(open_checkpoint(&note, &other.public()).is_err());
        let edited = note.replacen("\n12\n", "\n13\n", 1);
        assert!(open_checkpoint(&edited, &signer.public()).is_err());
    }
}
