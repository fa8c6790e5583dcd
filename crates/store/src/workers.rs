//! What an area contributes to an instance's background: its event consumers, timers, cron jobs
//! and long-running loops. Each area registers its own in `<area>::workers(&mut Workers)` (next to
//! the code they run); the server only calls those functions, in one list, and starts the result.
//! Every worker must be safe with N instances on one PostgreSQL: consumers lock their cursor, timers
//! are claimed with leases, cron firings are claimed by (job, tick), loops claim their jobs.

use crate::consumer::Consumer;
use crate::cron::CronJob;
use crate::timers::{TimerHandler, TimerRegistry};
use crate::Ctx;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// A long-running loop: started once per instance with the context, the poll interval and the
/// shutdown signal; it returns when the signal turns `true`.
pub type LoopFn = Arc<
    dyn Fn(Ctx, Duration, watch::Receiver<bool>) -> Pin<Box<dyn Future<Output = ()> + Send>>
        + Send
        + Sync,
>;

/// One named loop (the name shows in logs and in [`Workers::loop_names`]).
#[derive(Clone)]
pub struct NamedLoop {
    pub name: &'static str,
    pub run: LoopFn,
}

/// The background work of the areas, assembled by the server.
#[derive(Default)]
pub struct Workers {
    pub timers: TimerRegistry,
    pub consumers: Vec<Arc<dyn Consumer>>,
    pub cron: Vec<CronJob>,
    pub loops: Vec<NamedLoop>,
}

impl Workers {
    /// An event consumer (its own cursor, see [`crate::consumer`]).
    pub fn consumer(&mut self, c: impl Consumer + 'static) -> &mut Self {
        self.consumers.push(Arc::new(c));
        self
    }

    /// The handler of one timer kind (see [`crate::timers`]).
    pub fn timer(&mut self, kind: &str, h: impl TimerHandler + 'static) -> &mut Self {
        self.timers.register(kind, Arc::new(h));
        self
    }

    /// A cron job (see [`crate::cron`]).
    pub fn cron(&mut self, job: CronJob) -> &mut Self {
        self.cron.push(job);
        self
    }

    /// A long-running loop.
    pub fn run_loop<F, Fut>(&mut self, name: &'static str, f: F) -> &mut Self
    where
        F: Fn(Ctx, Duration, watch::Receiver<bool>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.loops.push(NamedLoop {
            name,
            run: Arc::new(move |ctx, poll, rx| Box::pin(f(ctx, poll, rx))),
        });
        self
    }

    /// The names of the consumers, in registration order (each must be unique).
    pub fn consumer_names(&self) -> Vec<&'static str> {
        self.consumers.iter().map(|c| c.name()).collect()
    }

    /// The names of the cron jobs.
    pub fn cron_names(&self) -> Vec<&'static str> {
        self.cron.iter().map(|j| j.name).collect()
    }

    /// The names of the loops.
    pub fn loop_names(&self) -> Vec<&'static str> {
        self.loops.iter().map(|l| l.name).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loops_are_named_and_kept_in_order() {
        let mut w = Workers::default();
        w.run_loop("a", |_ctx, _poll, _rx| async {})
            .run_loop("b", |_ctx, _poll, _rx| async {});
        assert_eq!(w.loop_names(), vec!["a", "b"]);
        assert!(w.consumer_names().is_empty() && w.cron_names().is_empty());
    }
}
