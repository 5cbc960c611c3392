//! RFC 9162 §2.1 Merkle tree hashing, the compact range the sequencer extends, and
//! inclusion and consistency proofs built from stored subtree hashes.
//!
//! A node is named by `(level, index)`: the complete subtree of `2^level` leaves starting
//! at leaf `index << level`. Only complete subtrees are ever stored, so a node never
//! changes once written; the hash of an incomplete right edge is computed from them.

use sha2::{Digest, Sha256};

pub type Hash = [u8; 32];

/// `SHA-256(0x00 || leaf_bytes)`.
pub fn leaf_hash(leaf: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(leaf);
    h.finalize().into()
}

/// `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The root of the empty tree: `SHA-256()` of nothing.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// The largest power of two strictly less than `n` (`n >= 2`).
fn split_point(n: u64) -> u64 {
    1 << (63 - (n - 1).leading_zeros())
}

/// The nodes whose hashes make up a tree of `size` leaves: one complete subtree per bit
/// of `size`, largest (leftmost) first.
pub fn frontier_nodes(size: u64) -> Vec<(u32, u64)> {
    (0..64u32)
        .rev()
        .filter(|level| size >> level & 1 == 1)
        .map(|level| (level, (size >> level) - 1))
        .collect()
}

/// The roots of the complete subtrees of a tree, largest first: enough to append leaves
/// and to compute the root, in `O(log n)` space.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompactRange {
    size: u64,
    /// Parallel to `frontier_nodes(size)`.
    hashes: Vec<Hash>,
}

impl CompactRange {
    pub fn empty() -> Self {
        Self {
            size: 0,
            hashes: Vec::new(),
        }
    }

    /// From the hashes of `frontier_nodes(size)`, in that order; `None` if the count is
    /// wrong.
    pub fn from_parts(size: u64, hashes: Vec<Hash>) -> Option<Self> {
        (hashes.len() == size.count_ones() as usize).then_some(Self { size, hashes })
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn hashes(&self) -> &[Hash] {
        &self.hashes
    }

    /// Appends a leaf hash; `emit` is told every complete subtree this creates (the leaf
    /// itself at level 0 included), each exactly once over the tree's life.
    pub fn append(&mut self, leaf: Hash, mut emit: impl FnMut(u32, u64, &Hash)) {
        let index = self.size;
        let mut cur = leaf;
        let mut level = 0u32;
        emit(0, index, &cur);
        // The lowest set bits of the old size are the subtrees the new leaf completes.
        while index >> level & 1 == 1 {
            let Some(left) = self.hashes.pop() else { break };
            cur = node_hash(&left, &cur);
            level += 1;
            emit(level, index >> level, &cur);
        }
        self.hashes.push(cur);
        self.size += 1;
    }

    /// RFC 9162 MTH of the whole range.
    pub fn root(&self) -> Hash {
        let mut it = self.hashes.iter().rev();
        let Some(last) = it.next() else {
            return empty_root();
        };
        it.fold(*last, |right, left| node_hash(left, &right))
    }
}

/// The hash of leaves `[start, end)` from stored complete subtrees, split as RFC 9162 does.
pub fn subtree_hash<E>(
    start: u64,
    end: u64,
    node: &mut impl FnMut(u32, u64) -> Result<Hash, E>,
) -> Result<Hash, E> {
    let n = end - start;
    if n.is_power_of_two() && start.is_multiple_of(n) {
        let level = n.trailing_zeros();
        return node(level, start >> level);
    }
    let k = split_point(n);
    let left = subtree_hash(start, start + k, node)?;
    let right = subtree_hash(start + k, end, node)?;
    Ok(node_hash(&left, &right))
}

/// RFC 9162 §2.1.3.1 PATH(index, D[0:size]), the leaf's sibling first. `index < size`.
pub fn inclusion_proof<E>(
    index: u64,
    size: u64,
    node: &mut impl FnMut(u32, u64) -> Result<Hash, E>,
) -> Result<Vec<Hash>, E> {
    let mut proof = Vec::new();
    path(index, 0, size, node, &mut proof)?;
    Ok(proof)
}

fn path<E>(
    m: u64,
    start: u64,
    end: u64,
    node: &mut impl FnMut(u32, u64) -> Result<Hash, E>,
    out: &mut Vec<Hash>,
) -> Result<(), E> {
    let n = end - start;
    if n <= 1 {
        return Ok(());
    }
    let k = split_point(n);
    if m < k {
        path(m, start, start + k, node, out)?;
        out.push(subtree_hash(start + k, end, node)?);
    } else {
        path(m - k, start + k, end, node, out)?;
        out.push(subtree_hash(start, start + k, node)?);
    }
    Ok(())
}

/// RFC 9162 §2.1.4.1 PROOF(old, D[0:new]); empty when `old` is 0 or equals `new`.
pub fn consistency_proof<E>(
    old: u64,
    new: u64,
    node: &mut impl FnMut(u32, u64) -> Result<Hash, E>,
) -> Result<Vec<Hash>, E> {
    let mut proof = Vec::new();
    if old > 0 && old < new {
        subproof(old, 0, new, true, node, &mut proof)?;
    }
    Ok(proof)
}

fn subproof<E>(
    m: u64,
    start: u64,
    end: u64,
    whole: bool,
    node: &mut impl FnMut(u32, u64) -> Result<Hash, E>,
    out: &mut Vec<Hash>,
) -> Result<(), E> {
    let n = end - start;
    if m == n {
        if !whole {
            out.push(subtree_hash(start, end, node)?);
        }
        return Ok(());
    }
    let k = split_point(n);
    if m <= k {
        subproof(m, start, start + k, whole, node, out)?;
        out.push(subtree_hash(start + k, end, node)?);
    } else {
        subproof(m - k, start + k, end, false, node, out)?;
        out.push(subtree_hash(start, start + k, node)?);
    }
    Ok(())
}

/// RFC 9162 §2.1.3.2: does `proof` show leaf `index` (hash `leaf`) in the tree of `size`
/// leaves with root `root`?
pub fn verify_inclusion(index: u64, size: u64, leaf: &Hash, proof: &[Hash], root: &Hash) -> bool {
    if index >= size {
        return false;
    }
    let (mut fn_, mut sn) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if sn == 0 {
            return false;
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    sn == 0 && &r == root
}

/// RFC 9162 §2.1.4.2: is the tree (`new`, `new_root`) an extension of (`old`, `old_root`)?
pub fn verify_consistency(
    old: u64,
    new: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> bool {
    if old > new {
        return false;
    }
    if old == new {
        return proof.is_empty() && old_root == new_root;
    }
    if old == 0 {
        return proof.is_empty();
    }
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if old.is_power_of_two() {
        path.push(*old_root);
    }
    path.extend_from_slice(proof);
    let Some((first, rest)) = path.split_first() else {
        return false;
    };
    let (mut fn_, mut sn) = (old - 1, new - 1);
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    let (mut fr, mut sr) = (*first, *first);
    for c in rest {
        if sn == 0 {
            return false;
        }
        if fn_ & 1 == 1 || fn_ == sn {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    sn == 0 && &fr == old_root && &sr == new_root
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    /// A tree of `n` leaves built with the compact range, its nodes kept in a map.
    fn tree(n: u64) -> (HashMap<(u32, u64), Hash>, Vec<Hash>) {
        let mut nodes = HashMap::new();
        let mut range = CompactRange::empty();
        let mut roots = vec![range.root()];
        for i in 0..n {
            range.append(leaf_hash(&i.to_be_bytes()), |l, x, h| {
                assert!(
                    nodes.insert((l, x), *h).is_none(),
                    "node ({l},{x}) emitted twice"
                );
            });
            roots.push(range.root());
        }
        (nodes, roots)
    }

    /// MTH straight from RFC 9162 §2.1.1, recursively over the leaves.
    fn mth(leaves: &[Hash]) -> Hash {
        match leaves.len() {
            0 => empty_root(),
            1 => leaves[0],
            n => {
                let k = usize::try_from(split_point(n as u64)).unwrap();
                node_hash(&mth(&leaves[..k]), &mth(&leaves[k..]))
            }
        }
    }

    #[test]
    fn roots_match_the_rfc_definition() {
        let (_, roots) = tree(40);
        let leaves: Vec<Hash> = (0..40u64).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        for n in 0..=40 {
            assert_eq!(roots[n], mth(&leaves[..n]), "size {n}");
        }
    }

    #[test]
    fn frontier_reloads_to_the_same_range() {
        let (nodes, roots) = tree(37);
        for size in 0..=37u64 {
            let hashes = frontier_nodes(size).iter().map(|k| nodes[k]).collect();
            let range = CompactRange::from_parts(size, hashes).unwrap();
            assert_eq!(range.root(), roots[usize::try_from(size).unwrap()]);
        }
    }

    #[test]
    fn every_inclusion_and_consistency_proof_verifies() {
        let (nodes, roots) = tree(33);
        let mut get =
            |l: u32, x: u64| -> Result<Hash, ()> { nodes.get(&(l, x)).copied().ok_or(()) };
        for size in 1..=33u64 {
            let root = roots[usize::try_from(size).unwrap()];
            for i in 0..size {
                let p = inclusion_proof(i, size, &mut get).unwrap();
                let leaf = leaf_hash(&i.to_be_bytes());
                assert!(verify_inclusion(i, size, &leaf, &p, &root), "{i} in {size}");
                assert!(!verify_inclusion(i, size, &leaf_hash(b"x"), &p, &root));
            }
            for old in 0..=size {
                let p = consistency_proof(old, size, &mut get).unwrap();
                let old_root = roots[usize::try_from(old).unwrap()];
                assert!(
                    verify_consistency(old, size, &old_root, &root, &p),
                    "{old}->{size}"
                );
                if old > 0 && old < size {
                    assert!(!verify_consistency(old, size, &leaf_hash(b"x"), &root, &p));
                }
            }
        }
    }
}
