//! The reproducible selection: specialty counts, the seeded pick of members and ordered backups,
//! snapshot digests, seed commitments and their verification (single and contributed seeds).

use super::*;

/// A specialty code of the expert classification (专业分类): a capital letter and two digits, then
/// two-digit levels, at most 12 characters, e.g. `A08.02` (checked by `expert.specialty_code`).
#[derive(ToSchema)]
#[schema(
    value_type = String,
    example = "A08.02",
    pattern = "^[A-Z][0-9]{2}(\\.[0-9]{2}){0,3}$"
)]
pub struct SpecialtyCode(#[allow(dead_code)] String);

/// How many experts (and backups) of one specialty a draw needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SpecialtyCount {
    #[schema(value_type = SpecialtyCode)]
    pub specialty: String,
    pub count: u32,
    #[serde(default)]
    pub backups: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Pick {
    pub expert_id: String,
    pub specialty: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Committee {
    pub members: Vec<Pick>,
    /// Replacements in the order they are called (实施条例 48: re-drawn the same way).
    pub backups: Vec<Pick>,
}

/// Not enough eligible experts for a specialty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shortfall {
    pub specialty: String,
    pub needed: u32,
    pub available: u32,
}

impl Shortfall {
    pub fn short_by(&self) -> u32 {
        self.needed - self.available
    }
    pub fn to_field_error(&self) -> FieldError {
        FieldError::new(
            format!("specialties.{}", self.specialty),
            "draw.too_few_experts",
            format!(
                "specialty {} is short by {}: needs {} (members and backups), only {} eligible with distinct employers",
                self.specialty,
                self.short_by(),
                self.needed,
                self.available
            ),
        )
    }
}

/// Deterministic selection: the same seed, snapshot and request always give the same committee.
/// Specialties are drawn in code order; for each, the eligible experts not yet chosen (sorted by id)
/// are shuffled by ChaCha20 seeded with `seed`, and taken in that order skipping an employer already
/// on the committee or the backup list (at most one expert per employer).
pub fn select(
    seed: [u8; 32],
    snapshot: &[EligibleExpert],
    request: &[SpecialtyCount],
) -> Result<Committee, Vec<Shortfall>> {
    let mut rng = ChaCha20Rng::from_seed(seed);
    let mut sorted: Vec<&EligibleExpert> = snapshot.iter().collect();
    sorted.sort_by(|a, b| a.id.cmp(&b.id));
    let mut by_code: BTreeMap<&str, (u32, u32)> = BTreeMap::new();
    for r in request {
        let e = by_code.entry(r.specialty.as_str()).or_insert((0, 0));
        e.0 += r.count;
        e.1 += r.backups;
    }
    let mut used_ids: BTreeSet<&str> = BTreeSet::new();
    let mut used_employers: BTreeSet<&str> = BTreeSet::new();
    let mut members = Vec::new();
    let mut backups = Vec::new();
    let mut short = Vec::new();
    for (code, (count, nb)) in &by_code {
        let mut pool: Vec<&EligibleExpert> = sorted
            .iter()
            .copied()
            .filter(|e| {
                e.specialties.iter().any(|s| s == code) && !used_ids.contains(e.id.as_str())
            })
            .collect();
        pool.shuffle(&mut rng);
        let mut taken = Vec::new();
        for e in pool {
            if taken.len() as u32 == count + nb {
                break;
            }
            if used_employers.contains(e.employer_uscc.as_str()) {
                continue;
            }
            used_employers.insert(e.employer_uscc.as_str());
            used_ids.insert(e.id.as_str());
            taken.push(e);
        }
        if (taken.len() as u32) < count + nb {
            short.push(Shortfall {
                specialty: code.to_string(),
                needed: count + nb,
                available: taken.len() as u32,
            });
            continue;
        }
        for (i, e) in taken.into_iter().enumerate() {
            let pick = Pick {
                expert_id: e.id.clone(),
                specialty: code.to_string(),
            };
            if (i as u32) < *count {
                members.push(pick);
            } else {
                backups.push(pick);
            }
        }
    }
    if short.is_empty() {
        Ok(Committee { members, backups })
    } else {
        Err(short)
    }
}

/// Canonical bytes of a snapshot: compact JSON of the experts sorted by id.
pub fn canonical_snapshot(snapshot: &[EligibleExpert]) -> Vec<u8> {
    let mut s: Vec<&EligibleExpert> = snapshot.iter().collect();
    s.sort_by(|a, b| a.id.cmp(&b.id));
    serde_json::to_vec(&s).unwrap_or_default()
}

pub fn snapshot_digest(snapshot: &[EligibleExpert]) -> String {
    hex::encode(Sha256::digest(canonical_snapshot(snapshot)))
}

/// Commitment published before the result: sha256(seed), hex.
pub fn commitment(seed: &[u8; 32]) -> String {
    hex::encode(Sha256::digest(seed))
}

/// Outcome of re-checking a revealed draw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Verification {
    pub commitment_matches: bool,
    pub snapshot_digest_matches: bool,
    pub committee_matches: bool,
    pub valid: bool,
}

/// Recompute a draw from its revealed seed and stored snapshot.
pub fn verify(
    seed: &[u8; 32],
    stored_commitment: &str,
    snapshot: &[EligibleExpert],
    stored_digest: &str,
    request: &[SpecialtyCount],
    stored: &Committee,
) -> Verification {
    let commitment_matches = commitment(seed) == stored_commitment;
    let snapshot_digest_matches = snapshot_digest(snapshot) == stored_digest;
    let committee_matches = select(*seed, snapshot, request).as_ref() == Ok(stored);
    Verification {
        commitment_matches,
        snapshot_digest_matches,
        committee_matches,
        valid: commitment_matches && snapshot_digest_matches && committee_matches,
    }
}

/// Parse a 64-hex-digit seed.
pub fn parse_seed(hex_seed: &str) -> Option<[u8; 32]> {
    let v = hex::decode(hex_seed).ok()?;
    v.try_into().ok()
}

/// Domain tag of the contributed seed (version 1), followed by one zero byte in the layout.
pub const SEED_DOMAIN_V1: &[u8] = b"ggzy-expert-draw-v1";
/// The `expert_draws.scheme` of a draw seeded by [`contributed_seed`].
pub const SCHEME_CONTRIBUTED_V1: &str = "contributed-v1";

/// Everything the seed of a two-step draw is derived from (issue 24: nobody controls it alone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedInputs {
    /// The centre's secret `s_c`, committed as `sha256(s_c)` when the draw was requested.
    pub centre_secret: [u8; 32],
    /// The supervisor's secret `s_s`, committed as `sha256(s_s)` before the checkpoint and revealed
    /// at the draw.
    pub supervisor_secret: [u8; 32],
    /// The signed audit checkpoint fixed after both commitments were sealed into the log.
    pub checkpoint_size: u64,
    pub checkpoint_root: [u8; 32],
    pub section_id: String,
    pub draw_id: String,
}

/// The seed of a two-step draw. Byte layout (all fixed-width integers big-endian):
///
/// ```text
/// SHA-256( "ggzy-expert-draw-v1" ‖ 0x00
///        ‖ s_c (32 bytes) ‖ s_s (32 bytes)
///        ‖ checkpoint tree size (u64, 8 bytes) ‖ checkpoint root hash (32 bytes)
///        ‖ len(section_id) (u32, 4 bytes) ‖ section_id (UTF-8)
///        ‖ len(draw_id) (u32, 4 bytes) ‖ draw_id (UTF-8) )
/// ```
pub fn contributed_seed(i: &SeedInputs) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(SEED_DOMAIN_V1);
    h.update([0u8]);
    h.update(i.centre_secret);
    h.update(i.supervisor_secret);
    h.update(i.checkpoint_size.to_be_bytes());
    h.update(i.checkpoint_root);
    for s in [&i.section_id, &i.draw_id] {
        h.update((s.len() as u32).to_be_bytes());
        h.update(s.as_bytes());
    }
    h.finalize().into()
}

/// Outcome of re-checking a two-step draw from its published inputs (the log checks — checkpoint
/// signature, inclusion of the commitment events — are the service's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ContributedVerification {
    /// sha256(s_c) equals the centre's commitment.
    pub centre_commitment_matches: bool,
    /// sha256(s_s) equals the supervisor's commitment.
    pub supervisor_commitment_matches: bool,
    /// The seed recomputed from the inputs equals the seed the draw used.
    pub seed_matches: bool,
    pub snapshot_digest_matches: bool,
    /// The committee re-selected with the recomputed seed equals the stored one.
    pub committee_matches: bool,
    pub valid: bool,
}

/// Recompute a two-step draw: both commitments, the seed from its inputs, and the committee from
/// the recomputed seed (never from the stored one).
pub fn verify_contributed(
    inputs: &SeedInputs,
    (centre_commitment, supervisor_commitment): (&str, &str),
    stored_seed: &[u8; 32],
    snapshot: &[EligibleExpert],
    stored_digest: &str,
    request: &[SpecialtyCount],
    stored: &Committee,
) -> ContributedVerification {
    let seed = contributed_seed(inputs);
    let centre_commitment_matches = commitment(&inputs.centre_secret) == centre_commitment;
    let supervisor_commitment_matches =
        commitment(&inputs.supervisor_secret) == supervisor_commitment;
    let seed_matches = &seed == stored_seed;
    let snapshot_digest_matches = snapshot_digest(snapshot) == stored_digest;
    let committee_matches = select(seed, snapshot, request).as_ref() == Ok(stored);
    ContributedVerification {
        centre_commitment_matches,
        supervisor_commitment_matches,
        seed_matches,
        snapshot_digest_matches,
        committee_matches,
        valid: centre_commitment_matches
            && supervisor_commitment_matches
            && seed_matches
            && snapshot_digest_matches
            && committee_matches,
    }
}
