//! Housekeeping of sign-in records.

use ggzy_store::cron::{CronJob, Missed};
use std::sync::Arc;

/// Failed sign-ins older than this are deleted (the lockout only looks at the last minutes; 30 days
/// keep them for the security review).
pub const LOGIN_FAILURES_KEPT_DAYS: i64 = 30;

/// Daily at 03:17 UTC: delete failed sign-in records older than [`LOGIN_FAILURES_KEPT_DAYS`].
pub fn expired_logins_cron() -> CronJob {
    CronJob {
        name: "identity.expired_sessions_cleanup",
        schedule: "0 17 3 * * *",
        missed: Missed::RunLatest,
        run: Arc::new(|db, clock, _firing| {
            Box::pin(async move {
                let cutoff = ggzy_core::time::to_micros(
                    clock.now() - chrono::Duration::days(LOGIN_FAILURES_KEPT_DAYS),
                );
                crate::store::delete_attempts_before(&db, cutoff).await?;
                Ok(())
            })
        }),
    }
}
