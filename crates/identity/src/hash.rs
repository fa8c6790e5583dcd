//! Password hashing on a small bounded pool, and sign-in throttling.
//!
//! argon2id with OWASP's parameters (m = 19 MiB, t = 2, p = 1; OWASP Password Storage Cheat
//! Sheet) needs 19 MiB per hash. Hashes never run on the async workers: they run on tokio's
//! blocking pool (`spawn_blocking`), at most `Settings::login_hash_slots` at once per instance
//! (default: the machine's available parallelism); up to `login_hash_queue` more callers wait (at
//! most `login_hash_wait`); anyone beyond that is answered 503 with `Retry-After` at once, so
//! neither many correct sign-ins nor many guesses can grow the process's memory without bound.
//!
//! A stored hash made with other parameters (older, weaker, or another algorithm argon2 reads)
//! still verifies — the PHC string carries its own parameters — and is replaced with a hash of
//! the current parameters at the next successful sign-in ([`verify_and_upgrade_blocking`]).

use argon2::password_hash::{
    self, rand_core::OsRng, Output, ParamsString, PasswordHash, PasswordHasher, Salt, SaltString,
};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use ggzy_core::{Error, Result};
use ggzy_store::Ctx;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tokio::sync::Semaphore;

/// OWASP's first argon2id configuration: 19 MiB of memory, 2 passes, 1 lane.
pub const M_COST_KIB: u32 = 19 * 1024;
pub const T_COST: u32 = 2;
pub const P_COST: u32 = 1;

/// Longest wait for a hashing slot before the caller is told to come back (the default of
/// `Settings::login_hash_wait`).
pub const MAX_WAIT: Duration = Duration::from_secs(5);

fn current_params() -> Params {
    Params::new(M_COST_KIB, T_COST, P_COST, None).unwrap_or_default()
}

fn argon2() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, current_params())
}

/// Hash a password (blocking: call through [`run`]).
pub fn hash_blocking(pw: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    with_blocks(M_COST_KIB, |blocks| {
        let params = current_params();
        hash_into(
            (Algorithm::Argon2id, Version::V0x13, &params),
            pw.as_bytes(),
            salt.as_salt(),
            blocks,
        )
        .map(|h| h.to_string())
    })
    .map_err(|e| Error::internal(format!("password hashing failed: {e}")))
}

/// The kept working memory of [`with_blocks`].
static SPARE: Mutex<Vec<Vec<Block>>> = Mutex::new(Vec::new());

/// argon2's working memory (19 MiB with the current parameters), kept for reuse: at most one
/// buffer per hashing slot of the machine, so hashing never allocates and frees 19 MiB per
/// sign-in. (Freed, such a block raised glibc's dynamic mmap threshold and stayed in whichever
/// blocking thread's arena it was allocated in: resident memory grew with the number of threads
/// that ever hashed, not with the slots — docs/benchmarks.md, "Memory".)
fn with_blocks<T>(m_kib: u32, f: impl FnOnce(&mut [Block]) -> T) -> T {
    let want = m_kib as usize; // one block is 1 KiB
    let taken = SPARE
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .pop()
        .filter(|b| b.len() == want);
    let mut blocks = taken.unwrap_or_else(|| vec![Block::default(); want]);
    let out = f(&mut blocks);
    if want == M_COST_KIB as usize {
        let keep = std::thread::available_parallelism().map_or(2, |n| n.get());
        let mut spare = SPARE.lock().unwrap_or_else(|e| e.into_inner());
        if spare.len() < keep {
            spare.push(blocks);
        }
    }
    out
}

/// Free the kept working memory (19 MiB a block) and return how many blocks were kept; the
/// next hashes allocate it again. For the end of a burst of hashing that the process made itself
/// and after which sign-ins may not come for long, such as the demo's seeding
/// (docs/benchmarks.md, "Memory").
pub fn release_spare_blocks() -> usize {
    let kept = std::mem::take(&mut *SPARE.lock().unwrap_or_else(|e| e.into_inner()));
    kept.len()
}

/// `PasswordHasher::hash_password` of the argon2 crate, with caller-provided working memory.
fn hash_into<'a>(
    (alg, version, params): (Algorithm, Version, &Params),
    pw: &[u8],
    salt: Salt<'a>,
    blocks: &mut [Block],
) -> std::result::Result<PasswordHash<'a>, password_hash::Error> {
    let a = Argon2::new(alg, version, params.clone());
    let mut salt_arr = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_arr)?;
    let len = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    let output = Output::init_with(len, |out| {
        a.hash_password_into_with_memory(pw, salt_bytes, out, &mut *blocks)
            .map_err(|_| password_hash::Error::Password)
    })?;
    Ok(PasswordHash {
        algorithm: alg.ident(),
        version: Some(version.into()),
        params: ParamsString::try_from(params)?,
        salt: Some(salt),
        hash: Some(output),
    })
}

/// Hash a password with explicit argon2id parameters (m in KiB, t passes, p lanes) — a hash as an
/// older configuration made it, e.g. to test that it still verifies and is upgraded (blocking).
pub fn hash_with_params_blocking(pw: &str, m_kib: u32, t: u32, p: u32) -> Result<String> {
    let params = Params::new(m_kib, t, p, None)
        .map_err(|e| Error::internal(format!("argon2 parameters: {e}")))?;
    let salt = SaltString::generate(&mut OsRng);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password(pw.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::internal(format!("password hashing failed: {e}")))
}

/// Check a password against a stored PHC string (blocking: call through [`run`]). The hash is
/// recomputed with the stored string's own algorithm, version and parameters (as
/// `PasswordVerifier` does) in reused working memory, and compared in constant time.
pub fn verify_blocking(pw: &str, hash: &str) -> bool {
    let Ok(h) = PasswordHash::new(hash) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (h.salt, h.hash) else {
        return false;
    };
    let Ok(alg) = Algorithm::try_from(h.algorithm) else {
        return false;
    };
    let version = match h.version.map(Version::try_from).transpose() {
        Ok(v) => v.unwrap_or_default(),
        Err(_) => return false,
    };
    let Ok(params) = Params::try_from(&h) else {
        return false;
    };
    with_blocks(params.m_cost(), |blocks| {
        hash_into((alg, version, &params), pw.as_bytes(), salt, blocks)
            .is_ok_and(|c| c.hash == Some(expected))
    })
}

/// Was `hash` made with other parameters than the current ones (algorithm, version, m, t, p)?
/// An unreadable string counts as outdated.
pub fn needs_rehash(hash: &str) -> bool {
    let Ok(h) = PasswordHash::new(hash) else {
        return true;
    };
    let current = argon2();
    let p = current.params();
    h.algorithm != Algorithm::Argon2id.ident()
        || h.version != Some(Version::V0x13.into())
        || Params::try_from(&h).map_or(true, |hp| {
            hp.m_cost() != p.m_cost() || hp.t_cost() != p.t_cost() || hp.p_cost() != p.p_cost()
        })
}

/// Check a password and, when it is right but the stored hash has other parameters than the
/// current ones, hash it again with the current ones (blocking: call through [`run`]). Returns
/// whether it is right and the new hash to store, if any.
pub fn verify_and_upgrade_blocking(pw: &str, hash: &str) -> Result<(bool, Option<String>)> {
    if !verify_blocking(pw, hash) {
        return Ok((false, None));
    }
    if needs_rehash(hash) {
        return Ok((true, Some(hash_blocking(pw)?)));
    }
    Ok((true, None))
}

/// A hash to verify against when the user does not exist, so an unknown name takes the same
/// path and time (and the same bounded slot) as a known one.
pub fn dummy_hash() -> &'static str {
    static H: OnceLock<String> = OnceLock::new();
    H.get_or_init(|| hash_blocking("not-a-real-password").unwrap_or_default())
}

struct Pool {
    slots: Arc<Semaphore>,
    waiting: AtomicUsize,
    queue: usize,
}

/// One pool per instance (tests run many instances in one process).
fn pool(ctx: &Ctx) -> Arc<Pool> {
    static POOLS: OnceLock<Mutex<HashMap<String, Arc<Pool>>>> = OnceLock::new();
    let mut pools = POOLS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    pools
        .entry(ctx.settings.instance.clone())
        .or_insert_with(|| {
            Arc::new(Pool {
                slots: Arc::new(Semaphore::new(ctx.settings.login_hash_slots.max(1))),
                waiting: AtomicUsize::new(0),
                queue: ctx.settings.login_hash_queue,
            })
        })
        .clone()
}

fn busy() -> Error {
    Error::Unavailable("password checks are at capacity; retry in a few seconds".into())
}

/// A place in the instance's hashing line, held until dropped (see the module doc): taken at
/// once or refused at once, so a sign-in learns that the instance is at capacity (503) *before*
/// it touches the database — callers turned away cost no write of the throttle's bookkeeping —
/// and the hashing slots themselves are held only while hashing.
pub struct Ticket {
    pool: Arc<Pool>,
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.pool.waiting.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Take a place in the line: at most `login_hash_slots + login_hash_queue` callers hold one.
pub fn enter(ctx: &Ctx) -> Result<Ticket> {
    let pool = pool(ctx);
    let capacity = pool.queue + ctx.settings.login_hash_slots.max(1);
    if pool.waiting.fetch_add(1, Ordering::SeqCst) >= capacity {
        pool.waiting.fetch_sub(1, Ordering::SeqCst);
        return Err(busy());
    }
    Ok(Ticket { pool })
}

impl Ticket {
    /// Wait for a hashing slot (at most `login_hash_wait`, else 503) and run the hashing job `f`
    /// on the blocking pool in it.
    pub async fn run<T: Send + 'static>(
        self,
        ctx: &Ctx,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T> {
        let wait = ctx.settings.login_hash_wait;
        let permit = match tokio::time::timeout(wait, self.pool.slots.clone().acquire_owned()).await
        {
            Ok(Ok(p)) => p,
            _ => return Err(busy()),
        };
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let _place = self;
            f()
        })
        .await
        .map_err(|e| Error::internal(format!("hashing task failed: {e}")))
    }
}

/// Run a hashing job `f` on the blocking pool within the instance's slots (see the module doc).
pub async fn run<T: Send + 'static>(
    ctx: &Ctx,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T> {
    enter(ctx)?.run(ctx, f).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_use_owasp_parameters_and_verify() {
        let h = hash_blocking("correct horse battery").expect("hash");
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify_blocking("correct horse battery", &h));
        assert!(!verify_blocking("wrong", &h));
        assert!(!verify_blocking("x", "not a phc string"));
        assert!(!needs_rehash(&h));
    }

    #[test]
    fn hashing_in_reused_memory_matches_the_argon2_crate_both_ways() {
        use argon2::password_hash::PasswordVerifier;
        // Ours, verified by the crate's own verifier; the crate's, verified by ours — repeatedly,
        // so the reused working memory of one check cannot leak into the next.
        for pw in ["correct horse battery", "另一个口令", "x"] {
            let ours = hash_blocking(pw).expect("hash");
            let parsed = PasswordHash::new(&ours).expect("phc");
            assert!(
                argon2().verify_password(pw.as_bytes(), &parsed).is_ok(),
                "{ours}"
            );
            let salt = SaltString::generate(&mut OsRng);
            let theirs = argon2()
                .hash_password(pw.as_bytes(), &salt)
                .expect("hash")
                .to_string();
            assert!(verify_blocking(pw, &theirs));
            assert!(!verify_blocking("wrong", &theirs));
            assert!(!verify_blocking(
                pw,
                &theirs.replace("$argon2id$", "$argon2i$")
            ));
        }
    }

    #[test]
    fn hashing_after_the_kept_memory_is_released_still_verifies() {
        let h = hash_blocking("correct horse battery").expect("hash");
        release_spare_blocks();
        assert!(verify_blocking("correct horse battery", &h));
        release_spare_blocks();
        let again = hash_blocking("correct horse battery").expect("hash");
        assert!(verify_blocking("correct horse battery", &again));
        assert!(!verify_blocking("wrong", &again));
    }

    #[test]
    fn a_hash_with_older_parameters_verifies_and_is_upgraded() {
        // argon2id with weaker parameters (m = 4 MiB, t = 1) and argon2i: both still verify.
        for (alg, m, t) in [
            (Algorithm::Argon2id, 4096, 1),
            (Algorithm::Argon2i, 8192, 3),
        ] {
            let params = Params::new(m, t, 1, None).expect("params");
            let salt = SaltString::generate(&mut OsRng);
            let old = Argon2::new(alg, Version::V0x13, params)
                .hash_password(b"correct horse battery", &salt)
                .expect("hash")
                .to_string();
            assert!(needs_rehash(&old), "{old}");
            let (ok, new) = verify_and_upgrade_blocking("correct horse battery", &old).expect("v");
            assert!(ok);
            let new = new.expect("upgraded");
            assert!(new.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{new}");
            assert!(!needs_rehash(&new));
            // A wrong password upgrades nothing.
            assert_eq!(
                verify_and_upgrade_blocking("wrong", &old).expect("v"),
                (false, None)
            );
        }
        let current = hash_blocking("pw-current").expect("hash");
        assert_eq!(
            verify_and_upgrade_blocking("pw-current", &current).expect("v"),
            (true, None)
        );
    }
}
