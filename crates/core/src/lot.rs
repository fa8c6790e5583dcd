//! The lot (抽签) that breaks a tie the documents' rules leave (issue 21): a seed of 32 random bytes
//! ([`crate::ids::random_hex`]) is drawn once, stored and recorded in an event; each tied
//! organization's key is the SHA-256 (hex) of `seed:org_id` and the lower key ranks first, so anyone
//! can recompute the order from the recorded seed. Used by the evaluation (`evaluation.tie.drawn`)
//! and by procurement's non-tender methods (`projects.nontender.tie_drawn`).

use sha2::Digest;

/// How the order is derived from the seed, as the records state it.
pub const RULE: &str =
    "each tied bid's key is the SHA-256 (hex) of \"<seed>:<org_id>\"; the lower key ranks first";

/// The key of `org_id` in the lot drawn with `seed`: hex SHA-256 of `seed:org_id`.
pub fn key(seed: &str, org_id: &str) -> String {
    hex::encode(sha2::Sha256::digest(format!("{seed}:{org_id}").as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_the_sha256_of_seed_colon_org() {
        // SHA-256("s:a"), computed independently.
        assert_eq!(key("s", "a").len(), 64);
        assert_eq!(key("s", "a"), hex::encode(sha2::Sha256::digest(b"s:a")));
        assert_ne!(key("s", "a"), key("t", "a"));
    }
}
