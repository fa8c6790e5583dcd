//! The lane: a runtime of its own for the few use cases whose latency others wait for.
//!
//! A live auction takes one bid at a time — each bid is a round trip the next bidder waits for —
//! while the same instance streams every bid to its watchers. With a thousand watchers, each
//! published snapshot wakes a thousand stream tasks on the server's runtime, and a bid's task,
//! woken by the database after each of its statements, queued behind them: a bid that arrived
//! during a fan-out took ten times its usual time (docs/benchmarks.md, "One auction"). A use case
//! run through [`run`] executes on one dedicated worker thread (`ggzy-lane`) that nothing else
//! is scheduled on, so its statements' answers are picked up at once; the operating system
//! shares the cores between that thread and the server's workers.
//!
//! Nothing changes in what the use case does: it runs with the request's `Idempotency-Key`
//! context ([`crate::idempotency`]) and its transaction, on the same pools. A panic in it is a
//! panic of the request (resumed on the caller's task).
use std::future::Future;
use std::sync::LazyLock;

static LANE: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("ggzy-lane")
        .enable_all()
        .build()
        .expect("the lane's runtime (one worker thread) could not be started")
});

/// Run `fut` on the lane and return its output to the calling task (in place when the caller is
/// on the lane already). Dropping the returned future
/// (a client that went away, a runtime shutting down) cancels `fut` on the lane, as it would have
/// been cancelled on the caller's task: an open transaction is rolled back.
pub async fn run<F>(fut: F) -> F::Output
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    if on_lane() {
        return fut.await;
    }
    let mut task = Cancelling(LANE.spawn(crate::idempotency::carry(fut)));
    match (&mut task.0).await {
        Ok(out) => out,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        // Only `Cancelling` aborts the task, and it is still here.
        Err(e) => panic!("the lane's task was cancelled: {e}"),
    }
}

/// Is the caller a task on the lane (then [`run`] runs its future in place)?
pub fn on_lane() -> bool {
    tokio::runtime::Handle::try_current().is_ok_and(|h| h.id() == LANE.handle().id())
}

/// A task on the lane, aborted when its handle is dropped.
struct Cancelling<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for Cancelling<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn runs_on_its_own_thread_and_returns_the_output() {
        let here = std::thread::current().id();
        let (there, name) = super::run(async {
            let t = std::thread::current();
            (t.id(), t.name().map(str::to_string))
        })
        .await;
        assert_ne!(here, there);
        assert_eq!(name.as_deref(), Some("ggzy-lane"));
        assert!(!super::on_lane());
        assert!(super::run(async { super::on_lane() }).await);
        // From the lane, in place: the same thread.
        let (outer, inner) = super::run(async {
            let outer = std::thread::current().id();
            (
                outer,
                super::run(async { std::thread::current().id() }).await,
            )
        })
        .await;
        assert_eq!(outer, inner);
    }

    #[tokio::test]
    async fn carries_the_request_key() {
        let seen = crate::idempotency::scope("p".into(), "k".into(), async {
            super::run(async { crate::idempotency::current_key() }).await
        })
        .await;
        assert_eq!(seen, Some(("p".to_string(), "k".to_string())));
        assert_eq!(
            super::run(async { crate::idempotency::current_key() }).await,
            None
        );
    }

    #[tokio::test]
    async fn dropping_the_caller_cancels_the_work_on_the_lane() {
        let (started_tx, started) = tokio::sync::oneshot::channel::<()>();
        let (held_tx, held) = tokio::sync::oneshot::channel::<()>();
        let caller = tokio::spawn(super::run(async move {
            let _held = held_tx;
            let _ = started_tx.send(());
            std::future::pending::<()>().await
        }));
        started.await.expect("the work started on the lane");
        caller.abort();
        // The lane's task is cancelled: the sender it held is dropped (without the abort it is
        // held for ever and the timeout fails the test).
        let gone = tokio::time::timeout(std::time::Duration::from_secs(10), held).await;
        assert!(matches!(gone, Ok(Err(_))), "{gone:?}");
    }

    #[tokio::test]
    async fn a_panic_on_the_lane_is_the_callers_panic() {
        let caller = tokio::spawn(super::run(async { panic!("on the lane") }));
        let e = caller.await.unwrap_err();
        assert!(e.is_panic());
    }
}
