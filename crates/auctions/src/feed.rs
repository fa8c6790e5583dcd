//! One reader per auction and instance for the live streams (SSE).
//!
//! Every watcher of an auction on this instance shares one feed: a task that, after each change
//! signalled in this process ([`service::CHANGED`]) or every 500 ms (to see bids accepted by other
//! instances), reads the new bids and the auction row once and publishes a snapshot through a
//! `watch` channel. A watcher turns the snapshot into its own events (the bids after its last
//! `seq`, and the state with its own bidder number and status) without touching the database,
//! so an accepted bid costs two queries per instance instead of three per watcher. The task
//! stops when the last watcher is gone.
use crate::service::{self, SharedState};
use axum::body::Bytes;
use ggzy_core::Result;
use ggzy_store::Ctx;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;
use tokio::sync::watch;

/// What every watcher of one auction sees: the whole bid log so far and the shared state.
#[derive(Debug)]
pub struct Snapshot {
    /// Accepted bids in `seq` order (gap-free, starting at 1), each as its whole server-sent
    /// `bid` event ([`sse_event`]): rendered once per instance, shared by every watcher, which
    /// copies the bytes of the bids it has not sent yet into its next write (a snapshot copies
    /// reference-counted pointers, not bids — with a thousand watchers and thousands of bids,
    /// copying, rendering or framing per watcher was the fan-out's cost, docs/benchmarks.md
    /// "One auction").
    pub bids: Vec<(i64, Bytes)>,
    pub state: SharedState,
    /// The `state` event of a watcher without a bidder number (status `watching`: the public, a
    /// supervisor, a bidder without number), rendered once per second of time left and shared —
    /// with a thousand watchers, rendering it for each on every snapshot was a good part of the
    /// fan-out ([`Snapshot::state_event`]).
    watching: Mutex<Option<(i64, Bytes)>>,
}

impl Snapshot {
    pub fn new(bids: Vec<(i64, Bytes)>, state: SharedState) -> Snapshot {
        Snapshot {
            bids,
            state,
            watching: Mutex::new(None),
        }
    }

    /// The `state` event of a watcher at `now` ([`service::compose_state`] as a server-sent
    /// event) with its bidder number `my` and organization `org`. Without a number it is the same
    /// for every watcher: rendered once per second of time left and shared.
    pub fn state_event(
        &self,
        my: Option<&str>,
        org: Option<&str>,
        now: ggzy_core::Timestamp,
    ) -> Bytes {
        let render = || {
            let state = service::compose_state(&self.state, my, org, now);
            Bytes::from(sse_event(None, "state", &state.to_string()))
        };
        if my.is_some() {
            return render();
        }
        let left = service::time_left_secs(&self.state, now);
        let mut cached = self.watching.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((at, event)) = cached.as_ref() {
            if *at == left {
                return event.clone();
            }
        }
        let event = render();
        *cached = Some((left, event.clone()));
        event
    }

    /// The bids after `seq` (a watcher's last seen event id).
    pub fn bids_after(&self, seq: i64) -> &[(i64, Bytes)] {
        let i = self.bids.partition_point(|(s, _)| *s <= seq);
        &self.bids[i..]
    }
}

/// One server-sent event as its lines (the `text/event-stream` format of the HTML standard):
/// `id:` when given, `event:`, one `data:` line per line of `data`, and the blank line that
/// ends it.
pub fn sse_event(id: Option<i64>, event: &str, data: &str) -> String {
    let mut out = String::with_capacity(data.len() + event.len() + 32);
    if let Some(id) = id {
        out.push_str("id: ");
        out.push_str(&id.to_string());
        out.push('\n');
    }
    out.push_str("event: ");
    out.push_str(event);
    out.push('\n');
    let data = if data.contains('\r') {
        std::borrow::Cow::Owned(data.replace("\r\n", "\n"))
    } else {
        std::borrow::Cow::Borrowed(data)
    };
    for line in data.split(['\n', '\r']) {
        out.push_str("data: ");
        out.push_str(line);
        out.push('\n');
    }
    out.push('\n');
    out
}

type Slot = watch::Sender<Option<Arc<Snapshot>>>;

static FEEDS: LazyLock<Mutex<HashMap<String, Arc<Slot>>>> = LazyLock::new(Default::default);

/// How often a feed re-reads when nothing was signalled in this process.
const POLL: Duration = Duration::from_millis(500);

/// After publishing new bids, the feed waits before it reads again, so that the bids of a busy
/// auction reach every watcher in one write per batch instead of one per bid: each snapshot costs
/// a wake-up, a rendered `state` event and a socket write per watcher (about 20 µs of a core each
/// in the release benchmark, docs/benchmarks.md "One auction"). The wait grows with the watchers,
/// [`COALESCE_PER_WATCHER`] each, so that the fan-out stays near half a core, between
/// [`COALESCE_MIN`] and [`COALESCE_MAX`] (a bid waits at most that long more; the first bid after
/// a quiet spell is published at once).
pub const COALESCE_PER_WATCHER: Duration = Duration::from_micros(40);
pub const COALESCE_MIN: Duration = Duration::from_millis(5);
pub const COALESCE_MAX: Duration = Duration::from_millis(60);

/// The wait after publishing to `watchers` streams.
pub fn coalesce(watchers: usize) -> Duration {
    COALESCE_PER_WATCHER
        .saturating_mul(u32::try_from(watchers).unwrap_or(u32::MAX))
        .clamp(COALESCE_MIN, COALESCE_MAX)
}

/// Subscribe to an auction's feed (starting it if needed); the receiver holds the first snapshot.
pub async fn subscribe(ctx: &Ctx, id: &str) -> Result<watch::Receiver<Option<Arc<Snapshot>>>> {
    let mut rx = {
        let mut feeds = FEEDS.lock().unwrap_or_else(|e| e.into_inner());
        match feeds.get(id) {
            Some(tx) => tx.subscribe(),
            None => {
                let (tx, rx) = watch::channel(None);
                let tx = Arc::new(tx);
                feeds.insert(id.to_string(), tx.clone());
                tokio::spawn(run(ctx.clone(), id.to_string(), tx));
                rx
            }
        }
    };
    // The first snapshot, or the reason the feed could not read the auction.
    let ready = matches!(
        tokio::time::timeout(Duration::from_secs(10), rx.wait_for(Option::is_some)).await,
        Ok(Ok(_))
    );
    if ready {
        return Ok(rx);
    }
    // The feed could not read the auction (e.g. the database is down): read once here for the error.
    service::shared_state(ctx, id).await?;
    Err(ggzy_core::Error::Unavailable(
        "the live feed of this auction is not available; retry".into(),
    ))
}

async fn run(ctx: Ctx, id: String, tx: Arc<Slot>) {
    let mut bids: Vec<(i64, Bytes)> = Vec::new();
    let mut last_state: Option<SharedState> = None;
    loop {
        // Register interest before reading, so a change during the read is not missed.
        let changed = service::CHANGED.notified();
        let read = async {
            let after = bids.last().map(|(s, _)| *s).unwrap_or(0);
            let fresh = service::bids_after(&ctx, &id, after).await?;
            let state = service::shared_state(&ctx, &id).await?;
            Ok::<_, ggzy_core::Error>((fresh, state))
        };
        match read.await {
            Ok((fresh, state)) => {
                let more = fresh.len() == 500; // bids_after reads at most 500 at a time
                let published = !fresh.is_empty();
                if published || last_state.as_ref() != Some(&state) {
                    bids.extend(fresh.into_iter().map(|(seq, v)| {
                        let event = sse_event(Some(seq), "bid", &v.to_string());
                        (seq, Bytes::from(event))
                    }));
                    last_state = Some(state.clone());
                    tx.send_replace(Some(Arc::new(Snapshot::new(bids.clone(), state))));
                }
                if more {
                    continue;
                }
                if published {
                    // Bids that arrive meanwhile are signalled to `changed` (registered above).
                    tokio::time::sleep(coalesce(tx.receiver_count())).await;
                }
            }
            Err(e) => tracing::warn!(auction_id = %id, error = %e, "auction feed read failed"),
        }
        if stop_if_unwatched(&id, &tx) {
            return;
        }
        tokio::select! {
            _ = changed => {}
            _ = tokio::time::sleep(POLL) => {}
        }
    }
}

/// Remove the feed when nobody watches (decided under the map's lock, so a new subscriber either
/// got this feed before or will start a new one).
fn stop_if_unwatched(id: &str, tx: &Arc<Slot>) -> bool {
    let mut feeds = FEEDS.lock().unwrap_or_else(|e| e.into_inner());
    if tx.receiver_count() == 0 {
        if feeds.get(id).is_some_and(|t| Arc::ptr_eq(t, tx)) {
            feeds.remove(id);
        }
        return true;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_wait_between_snapshots_grows_with_the_watchers_within_its_bounds() {
        assert_eq!(coalesce(0), COALESCE_MIN);
        assert_eq!(coalesce(125), COALESCE_MIN);
        assert_eq!(coalesce(126), Duration::from_micros(5_040));
        assert_eq!(coalesce(1_000), Duration::from_millis(40));
        assert_eq!(coalesce(1_500), COALESCE_MAX);
        assert_eq!(coalesce(usize::MAX), COALESCE_MAX);
    }

    #[test]
    fn an_event_is_its_fields_one_data_line_per_line_and_a_blank_line() {
        assert_eq!(
            sse_event(Some(7), "bid", r#"{"seq":7}"#),
            "id: 7\nevent: bid\ndata: {\"seq\":7}\n\n"
        );
        assert_eq!(
            sse_event(None, "state", "a\nb\r\nc\rd"),
            "event: state\ndata: a\ndata: b\ndata: c\ndata: d\n\n"
        );
    }

    fn state(ends_at: ggzy_core::Timestamp) -> SharedState {
        SharedState {
            section_id: "s".into(),
            phase: crate::rules::Phase::Auction,
            version: 5,
            current_fen: Some(100),
            ends_at,
            leader_org_id: None,
        }
    }

    #[test]
    fn bids_after_returns_the_suffix_after_a_sequence_number() {
        let snap = Snapshot::new(
            (1..=5)
                .map(|s| {
                    let e = sse_event(Some(s), "bid", &json!({"seq": s}).to_string());
                    (s, Bytes::from(e))
                })
                .collect(),
            state(chrono::Utc::now()),
        );
        assert_eq!(snap.bids_after(0).len(), 5);
        assert_eq!(snap.bids_after(3).first().map(|b| b.0), Some(4));
        assert!(snap.bids_after(5).is_empty());
        assert!(snap.bids_after(99).is_empty());
    }

    #[test]
    fn the_shared_watching_state_is_what_a_watcher_without_number_would_render() {
        let now = chrono::Utc::now();
        let snap = Snapshot::new(Vec::new(), state(now + chrono::Duration::seconds(90)));
        let own = |at| {
            let v = service::compose_state(&snap.state, None, None, at);
            sse_event(None, "state", &v.to_string())
        };
        let first = snap.state_event(None, None, now);
        assert_eq!(first, own(now).as_bytes());
        assert!(std::str::from_utf8(&first)
            .unwrap()
            .contains("\"time_left_secs\":90"));
        // Within the same second of time left: the same bytes; a second later: re-rendered.
        let later = now + chrono::Duration::milliseconds(400);
        assert_eq!(snap.state_event(None, None, later), own(later).as_bytes());
        let next = now + chrono::Duration::seconds(1);
        let third = snap.state_event(None, None, next);
        assert_eq!(third, own(next).as_bytes());
        assert!(std::str::from_utf8(&third)
            .unwrap()
            .contains("\"time_left_secs\":89"));
    }
}
