//! A small verifier written for the tests from RFC 9162 §2.1 and C2SP signed-note, with
//! nothing of the production proof code: the recursion of PATH and SUBPROOF run backwards
//! to rebuild the roots a proof claims.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use sha2::{Digest, Sha256};

pub type H = [u8; 32];

pub fn sha(parts: &[&[u8]]) -> H {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

pub fn leaf_hash(leaf: &[u8]) -> H {
    sha(&[&[0], leaf])
}

fn node(l: &H, r: &H) -> H {
    sha(&[&[1], l, r])
}

/// The largest power of two smaller than n (n > 1).
fn k_of(n: u64) -> u64 {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// The root that PATH(m, D[n]) = `proof` proves for leaf hash `leaf` (RFC 9162 §2.1.3.1:
/// the last element of the path is the sibling at the top split).
pub fn root_from_inclusion(m: u64, n: u64, leaf: H, proof: &[H]) -> Option<H> {
    if n == 1 {
        return proof.is_empty().then_some(leaf);
    }
    let (top, rest) = proof.split_last()?;
    let k = k_of(n);
    if m < k {
        Some(node(&root_from_inclusion(m, k, leaf, rest)?, top))
    } else {
        Some(node(top, &root_from_inclusion(m - k, n - k, leaf, rest)?))
    }
}

/// The (old root, new root) that SUBPROOF(m, D[n], whole) = `proof` claims, where a whole
/// old tree contributes `old_root` itself (RFC 9162 §2.1.4.1).
fn subproof_roots(m: u64, n: u64, whole: bool, old_root: &H, proof: &[H]) -> Option<(H, H)> {
    if m == n {
        return match (whole, proof) {
            (true, []) => Some((*old_root, *old_root)),
            (false, [h]) => Some((*h, *h)),
            _ => None,
        };
    }
    let (top, rest) = proof.split_last()?;
    let k = k_of(n);
    if m <= k {
        let (old, new) = subproof_roots(m, k, whole, old_root, rest)?;
        Some((old, node(&new, top)))
    } else {
        let (old, new) = subproof_roots(m - k, n - k, false, old_root, rest)?;
        Some((node(top, &old), node(top, &new)))
    }
}

pub fn consistent(m: u64, n: u64, old_root: &H, new_root: &H, proof: &[H]) -> bool {
    if m == n {
        return proof.is_empty() && old_root == new_root;
    }
    if m == 0 || m > n {
        return m == 0 && proof.is_empty();
    }
    subproof_roots(m, n, true, old_root, proof) == Some((*old_root, *new_root))
}

/// Checks a C2SP checkpoint's Ed25519 signed-note signature; returns (origin, size, root).
pub fn open_checkpoint(note: &str, name: &str, public: &[u8; 32]) -> Option<(String, u64, H)> {
    let (text, sigs) = note.split_once("\n\n")?;
    let body = format!("{text}\n");
    let key = VerifyingKey::from_bytes(public).ok()?;
    let key_id = &sha(&[name.as_bytes(), b"\n", &[1], public])[..4];
    let signed = sigs.lines().any(|line| {
        let Some((who, b64)) = line
            .strip_prefix("\u{2014} ")
            .and_then(|l| l.split_once(' '))
        else {
            return false;
        };
        let Ok(blob) = B64.decode(b64) else {
            return false;
        };
        who == name
            && blob.len() == 68
            && &blob[..4] == key_id
            && Signature::from_slice(&blob[4..])
                .is_ok_and(|s| key.verify(body.as_bytes(), &s).is_ok())
    });
    if !signed {
        return None;
    }
    let mut lines = text.lines();
    let origin = lines.next()?.to_owned();
    let size = lines.next()?.parse().ok()?;
    let root: H = B64.decode(lines.next()?).ok()?.try_into().ok()?;
    Some((origin, size, root))
}

pub fn hashes(v: &serde_json::Value) -> Vec<H> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|h| B64.decode(h.as_str().unwrap()).unwrap().try_into().unwrap())
        .collect()
}
