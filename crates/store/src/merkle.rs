//! Merkle tree hashing of the event log (RFC 6962 §2.1 / RFC 9162 §2.1), pure functions.
//!
//! Leaf `i` (0-based) is event `seq = i + 1`: `leaf = SHA-256(0x00 ‖ canonical event bytes)`, an
//! interior node is `SHA-256(0x01 ‖ left ‖ right)`, and the tree head of `n` leaves `MTH(D[0:n])`
//! splits at the largest power of two below `n`. Every left part of that recursion is a complete,
//! aligned subtree — `2^level` leaves starting at a multiple of `2^level` — so storing exactly those
//! nodes (`merkle_nodes (level, idx)`, written by the sealer) answers any tree head or proof with
//! O(log n) reads: [`nodes_for_range`] lists the stored nodes a range needs, [`range_hash`] combines
//! them. Proof construction follows RFC 6962 (PATH, SUBPROOF), verification RFC 9162 §2.1.3.2 and
//! §2.1.4.2, so any RFC 9162 / C2SP verifier accepts the proofs.

use sha2::{Digest, Sha256};
use std::collections::HashMap;

pub type Hash = [u8; 32];

/// `SHA-256(0x00 ‖ data)`.
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

/// `SHA-256(0x01 ‖ left ‖ right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The hash of the empty tree, `SHA-256()`.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// Largest power of two strictly below `n` (n ≥ 2).
fn split(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1u64 << (63 - (n - 1).leading_zeros())
}

/// `MTH(D[0:n])` computed directly from all leaves (reference implementation; tests, `audit verify`).
pub fn root_of(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => empty_root(),
        1 => leaves[0],
        n => {
            let k = split(n as u64) as usize;
            node_hash(&root_of(&leaves[..k]), &root_of(&leaves[k..]))
        }
    }
}

/// A stored complete subtree: `2^level` leaves starting at leaf `idx << level`.
pub type NodeId = (u32, u64);

fn is_complete(a: u64, b: u64) -> Option<u32> {
    let n = b - a;
    (n.is_power_of_two() && a.is_multiple_of(n)).then(|| n.trailing_zeros())
}

/// The complete subtrees `MTH(D[a:b])` is combined from, as the RFC 6962 recursion splits it.
pub fn nodes_for_range(a: u64, b: u64, out: &mut Vec<NodeId>) {
    if b <= a {
        return;
    }
    if let Some(level) = is_complete(a, b) {
        out.push((level, a >> level));
        return;
    }
    let k = split(b - a);
    nodes_for_range(a, a + k, out);
    nodes_for_range(a + k, b, out);
}

/// `MTH(D[a:b])` from the stored complete subtrees in `nodes` (None if one is missing).
pub fn range_hash(a: u64, b: u64, nodes: &HashMap<NodeId, Hash>) -> Option<Hash> {
    if b <= a {
        return Some(empty_root());
    }
    if let Some(level) = is_complete(a, b) {
        return nodes.get(&(level, a >> level)).copied();
    }
    let k = split(b - a);
    Some(node_hash(
        &range_hash(a, a + k, nodes)?,
        &range_hash(a + k, b, nodes)?,
    ))
}

/// The ranges `[lo, hi)` whose tree heads form the inclusion proof of leaf `m` in a tree of `n`
/// leaves (RFC 6962 §2.1.1 PATH), from the leaf upwards.
pub fn inclusion_ranges(m: u64, n: u64) -> Vec<(u64, u64)> {
    fn path(m: u64, a: u64, b: u64, out: &mut Vec<(u64, u64)>) {
        let n = b - a;
        if n <= 1 {
            return;
        }
        let k = split(n);
        if m < k {
            path(m, a, a + k, out);
            out.push((a + k, b));
        } else {
            path(m - k, a + k, b, out);
            out.push((a, a + k));
        }
    }
    let mut out = Vec::new();
    if m < n {
        path(m, 0, n, &mut out);
    }
    out
}

/// The ranges whose tree heads form the consistency proof from size `m` to size `n`
/// (RFC 6962 §2.1.2 SUBPROOF), in proof order. Empty when `m == n` or `m == 0`.
pub fn consistency_ranges(m: u64, n: u64) -> Vec<(u64, u64)> {
    fn subproof(m: u64, a: u64, b: u64, complete: bool, out: &mut Vec<(u64, u64)>) {
        let n = b - a;
        if m == n {
            if !complete {
                out.push((a, b));
            }
            return;
        }
        let k = split(n);
        if m <= k {
            subproof(m, a, a + k, complete, out);
            out.push((a + k, b));
        } else {
            subproof(m - k, a + k, b, false, out);
            out.push((a, a + k));
        }
    }
    let mut out = Vec::new();
    if 0 < m && m < n {
        subproof(m, 0, n, true, &mut out);
    }
    out
}

/// Every stored node the given ranges need.
pub fn nodes_for_ranges(ranges: &[(u64, u64)]) -> Vec<NodeId> {
    let mut out = Vec::new();
    for &(a, b) in ranges {
        nodes_for_range(a, b, &mut out);
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Verify that `leaf` is leaf `index` of the tree of `size` leaves with head `root`
/// (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(index: u64, size: u64, leaf: &Hash, proof: &[Hash], root: &Hash) -> bool {
    if index >= size {
        return false;
    }
    let (mut f_n, mut s_n) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if s_n == 0 {
            return false;
        }
        if f_n & 1 == 1 || f_n == s_n {
            r = node_hash(p, &r);
            if f_n & 1 == 0 {
                while f_n & 1 == 0 && f_n != 0 {
                    f_n >>= 1;
                    s_n >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    s_n == 0 && &r == root
}

/// Verify that the tree of `size2` leaves with head `root2` extends the tree of `size1` leaves with
/// head `root1` (RFC 9162 §2.1.4.2).
pub fn verify_consistency(
    size1: u64,
    size2: u64,
    root1: &Hash,
    root2: &Hash,
    proof: &[Hash],
) -> bool {
    if size1 > size2 {
        return false;
    }
    if size1 == size2 {
        return proof.is_empty() && root1 == root2;
    }
    if size1 == 0 {
        // Every tree extends the empty one (RFC 9162 has no proof for it).
        return proof.is_empty();
    }
    if proof.is_empty() {
        return false;
    }
    let mut path: Vec<Hash> = proof.to_vec();
    if size1.is_power_of_two() {
        path.insert(0, *root1);
    }
    let (mut f_n, mut s_n) = (size1 - 1, size2 - 1);
    while f_n & 1 == 1 {
        f_n >>= 1;
        s_n >>= 1;
    }
    let (mut fr, mut sr) = (path[0], path[0]);
    for c in &path[1..] {
        if s_n == 0 {
            return false;
        }
        if f_n & 1 == 1 || f_n == s_n {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if f_n & 1 == 0 {
                while f_n & 1 == 0 && f_n != 0 {
                    f_n >>= 1;
                    s_n >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    &fr == root1 && &sr == root2 && s_n == 0
}

/// The right edge of a tree of `size` leaves: one complete subtree per set bit of `size`, keyed by
/// level. Appending a leaf combines it with these (the sealer keeps the tree this way).
pub fn frontier_ids(size: u64) -> Vec<NodeId> {
    (0..64u32)
        .filter(|l| size >> l & 1 == 1)
        .map(|l| (l, (size >> l) - 1))
        .collect()
}

/// Append `leaf` as leaf number `size` to a tree whose frontier is `frontier` (level → hash);
/// returns the complete subtrees that now exist and did not before (the leaf itself first).
pub fn append(size: u64, leaf: Hash, frontier: &mut HashMap<u32, Hash>) -> Vec<(NodeId, Hash)> {
    let mut created = vec![((0, size), leaf)];
    let (mut level, mut idx, mut h) = (0u32, size, leaf);
    while idx & 1 == 1 {
        let Some(left) = frontier.remove(&level) else {
            break;
        };
        h = node_hash(&left, &h);
        level += 1;
        idx >>= 1;
        created.push(((level, idx), h));
    }
    frontier.insert(level, h);
    created
}

/// The tree head from the frontier of a tree of `size` leaves.
pub fn root_from_frontier(size: u64, frontier: &HashMap<u32, Hash>) -> Option<Hash> {
    if size == 0 {
        return Some(empty_root());
    }
    let mut acc: Option<Hash> = None;
    for l in 0..64u32 {
        if size >> l & 1 == 1 {
            let h = *frontier.get(&l)?;
            acc = Some(match acc {
                None => h,
                Some(r) => node_hash(&h, &r),
            });
        }
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn leaves(n: u64) -> Vec<Hash> {
        (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect()
    }

    /// Every complete aligned subtree of `leaves`, as the sealer stores them.
    fn store(leaves: &[Hash]) -> HashMap<NodeId, Hash> {
        let mut nodes = HashMap::new();
        let mut frontier = HashMap::new();
        for (i, l) in leaves.iter().enumerate() {
            for (id, h) in append(i as u64, *l, &mut frontier) {
                nodes.insert(id, h);
            }
        }
        nodes
    }

    fn proof(ranges: &[(u64, u64)], nodes: &HashMap<NodeId, Hash>) -> Vec<Hash> {
        ranges
            .iter()
            .map(|&(a, b)| range_hash(a, b, nodes).unwrap())
            .collect()
    }

    #[test]
    fn rfc_6962_shapes() {
        // Tree of 7 leaves from RFC 6962 §2.1.3: inclusion of d0 is [b, h, l] = [1], [2,4), [4,7).
        assert_eq!(inclusion_ranges(0, 7), vec![(1, 2), (2, 4), (4, 7)]);
        assert_eq!(inclusion_ranges(3, 7), vec![(2, 3), (0, 2), (4, 7)]);
        assert_eq!(inclusion_ranges(6, 7), vec![(4, 6), (0, 4)]);
        // Consistency 3 → 7 is [c, d, g, l]; 4 → 7 is [l]; 6 → 7 is [i, j, k].
        assert_eq!(
            consistency_ranges(3, 7),
            vec![(2, 3), (3, 4), (0, 2), (4, 7)]
        );
        assert_eq!(consistency_ranges(4, 7), vec![(4, 7)]);
        assert_eq!(consistency_ranges(6, 7), vec![(4, 6), (6, 7), (0, 4)]);
    }

    #[test]
    fn known_root_of_two_leaves() {
        let l = leaves(2);
        let mut h = Sha256::new();
        h.update([1u8]);
        h.update(l[0]);
        h.update(l[1]);
        let want: Hash = h.finalize().into();
        assert_eq!(root_of(&l), want);
        assert_eq!(root_of(&l[..1]), l[0]);
        assert_eq!(
            hex::encode(empty_root()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    proptest! {
        #[test]
        fn stored_nodes_give_every_prefix_root(n in 1u64..300) {
            let l = leaves(n);
            let nodes = store(&l);
            let mut frontier = HashMap::new();
            for size in 1..=n {
                append(size - 1, l[size as usize - 1], &mut frontier);
                let want = root_of(&l[..size as usize]);
                prop_assert_eq!(range_hash(0, size, &nodes), Some(want));
                prop_assert_eq!(root_from_frontier(size, &frontier), Some(want));
                let ids: Vec<NodeId> = frontier_ids(size);
                prop_assert_eq!(ids.len(), frontier.len());
            }
        }

        #[test]
        fn inclusion_proofs_verify_and_a_changed_leaf_fails(n in 1u64..400, m_frac in 0.0f64..1.0, flip in 0usize..32) {
            let l = leaves(n);
            let nodes = store(&l);
            let m = ((n as f64 * m_frac) as u64).min(n - 1);
            let root = root_of(&l);
            let p = proof(&inclusion_ranges(m, n), &nodes);
            prop_assert!(verify_inclusion(m, n, &l[m as usize], &p, &root));
            let mut bad = l[m as usize];
            bad[flip] ^= 1;
            prop_assert!(!verify_inclusion(m, n, &bad, &p, &root));
            if n > 1 {
                prop_assert!(!verify_inclusion((m + 1) % n, n, &l[m as usize], &p, &root));
            }
            // The proof is for this tree head only.
            let bigger = leaves(n + 1);
            prop_assert!(!verify_inclusion(m, n + 1, &l[m as usize], &p, &root_of(&bigger)));
        }

        #[test]
        fn consistency_proofs_verify_and_a_changed_leaf_fails(n in 1u64..400, m_frac in 0.0f64..1.0, which in 0.0f64..1.0) {
            let l = leaves(n);
            let nodes = store(&l);
            let m = ((n as f64 * m_frac) as u64).clamp(1, n);
            let (r1, r2) = (root_of(&l[..m as usize]), root_of(&l));
            let p = proof(&consistency_ranges(m, n), &nodes);
            prop_assert!(verify_consistency(m, n, &r1, &r2, &p));
            // A history where one of the first m leaves differs is not extended by the new tree.
            let mut forged = l.clone();
            let i = ((m as f64 * which) as usize).min(m as usize - 1);
            forged[i][0] ^= 0x80;
            let forged_r1 = root_of(&forged[..m as usize]);
            prop_assert!(!verify_consistency(m, n, &forged_r1, &r2, &p));
            // Nor is a tree in which a later leaf changed, with the honest proof.
            if m < n {
                let mut later = l.clone();
                later[n as usize - 1][1] ^= 1;
                prop_assert!(!verify_consistency(m, n, &r1, &root_of(&later), &p));
            }
        }
    }
}
