//! Venue rules as plain functions and data (no I/O).
//!
//! The centre's operating rules (15-minute booking grid, door grace, hold time) are local
//! management rules of the trading centre, not statutory periods; the statutory ones are cited
//! where they apply.

use chrono::{Duration, NaiveTime, Timelike};
use ggzy_core::time::{local_date, shanghai, to_micros};
use ggzy_core::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Booking grid: bookings start and end on a quarter hour (centre operating rule).
pub const SLOT_MINUTES: i64 = 15;
const SLOT_MICROS: i64 = SLOT_MINUTES * 60 * 1_000_000;

/// People on the roster may pass the door this long before the booking starts (centre rule).
pub const DOOR_GRACE_MINUTES: i64 = 15;

/// Default lifetime of a tentative hold, overridable with `GGZY_VENUE_HOLD_MINUTES`.
pub const DEFAULT_HOLD_MINUTES: i64 = 30;

/// Longest single booking (centre rule): one day of slots at most.
pub const MAX_SLOTS: usize = 96;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoomKind {
    /// 开标室
    OpeningHall,
    /// 评标室
    EvaluationRoom,
    /// 谈判室
    NegotiationRoom,
    /// 拍卖厅
    AuctionHall,
    /// 远程评标席位
    RemoteSeat,
}

impl RoomKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            RoomKind::OpeningHall => "opening_hall",
            RoomKind::EvaluationRoom => "evaluation_room",
            RoomKind::NegotiationRoom => "negotiation_room",
            RoomKind::AuctionHall => "auction_hall",
            RoomKind::RemoteSeat => "remote_seat",
        }
    }
    pub fn parse(s: &str) -> Option<RoomKind> {
        Some(match s {
            "opening_hall" => RoomKind::OpeningHall,
            "evaluation_room" => RoomKind::EvaluationRoom,
            "negotiation_room" => RoomKind::NegotiationRoom,
            "auction_hall" => RoomKind::AuctionHall,
            "remote_seat" => RoomKind::RemoteSeat,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    Opening,
    Evaluation,
    Negotiation,
    Auction,
}

impl Purpose {
    pub fn as_str(&self) -> &'static str {
        match self {
            Purpose::Opening => "opening",
            Purpose::Evaluation => "evaluation",
            Purpose::Negotiation => "negotiation",
            Purpose::Auction => "auction",
        }
    }
    pub fn parse(s: &str) -> Option<Purpose> {
        Some(match s {
            "opening" => Purpose::Opening,
            "evaluation" => Purpose::Evaluation,
            "negotiation" => Purpose::Negotiation,
            "auction" => Purpose::Auction,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PersonRole {
    BidderRep,
    Tenderer,
    Agency,
    Supervisor,
    Expert,
    Staff,
}

impl PersonRole {
    pub fn as_str(&self) -> &'static str {
        match self {
            PersonRole::BidderRep => "bidder_rep",
            PersonRole::Tenderer => "tenderer",
            PersonRole::Agency => "agency",
            PersonRole::Supervisor => "supervisor",
            PersonRole::Expert => "expert",
            PersonRole::Staff => "staff",
        }
    }
    pub fn parse(s: &str) -> Option<PersonRole> {
        Some(match s {
            "bidder_rep" => PersonRole::BidderRep,
            "tenderer" => PersonRole::Tenderer,
            "agency" => PersonRole::Agency,
            "supervisor" => PersonRole::Supervisor,
            "expert" => PersonRole::Expert,
            "staff" => PersonRole::Staff,
            _ => return None,
        })
    }
}

ggzy_core::text_enum!(
    RoomKind,
    |s: &str| RoomKind::parse(s).ok_or("unknown"),
    RoomKind::as_str
);
ggzy_core::text_enum!(
    Purpose,
    |s: &str| Purpose::parse(s).ok_or("unknown"),
    Purpose::as_str
);
ggzy_core::text_enum!(
    PersonRole,
    |s: &str| PersonRole::parse(s).ok_or("unknown"),
    PersonRole::as_str
);

/// Opening hours as minutes of the local day, `[from, until)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hours {
    pub from: i64,
    pub until: i64,
}

impl Hours {
    /// Parse `"HH:MM"` pairs; `from` must be before `until` and both on the 15-minute grid.
    pub fn parse(from: &str, until: &str) -> Option<Hours> {
        let f = NaiveTime::parse_from_str(from, "%H:%M").ok()?;
        let u = NaiveTime::parse_from_str(until, "%H:%M").ok()?;
        let (f, u) = (
            (f.hour() * 60 + f.minute()) as i64,
            (u.hour() * 60 + u.minute()) as i64,
        );
        (f < u && f % SLOT_MINUTES == 0 && u % SLOT_MINUTES == 0)
            .then_some(Hours { from: f, until: u })
    }
    pub fn fmt(m: i64) -> String {
        format!("{:02}:{:02}", m / 60, m % 60)
    }
}

/// Whether `t` lies on the 15-minute grid (whole quarter hours, no seconds). Shanghai is UTC+8, a
/// whole number of quarter hours, so the UTC grid and the local grid coincide.
pub fn aligned(t: Timestamp) -> bool {
    to_micros(t).rem_euclid(SLOT_MICROS) == 0
}

/// Why a window cannot be booked (rule name, message).
pub type Refusal = (&'static str, String);

/// Check the window against the room's opening hours and the grid: start before end, within one
/// local day and inside `[from, until)`, both ends aligned.
pub fn check_window(start: Timestamp, end: Timestamp, hours: Hours) -> Result<(), Refusal> {
    if end <= start {
        return Err(("booking.window", "the end must be after the start".into()));
    }
    let (ls, le) = (
        start.with_timezone(&shanghai()),
        end.with_timezone(&shanghai()),
    );
    let sm = (ls.hour() * 60 + ls.minute()) as i64;
    let same_day = local_date(start) == local_date(end);
    let em = if same_day {
        (le.hour() * 60 + le.minute()) as i64
    } else if local_date(end) == local_date(start) + Duration::days(1)
        && le.hour() == 0
        && le.minute() == 0
    {
        24 * 60
    } else {
        i64::MAX
    };
    if sm < hours.from || em > hours.until {
        return Err((
            "booking.opening_hours",
            format!(
                "the room is open {}–{} (Asia/Shanghai)",
                Hours::fmt(hours.from),
                Hours::fmt(hours.until)
            ),
        ));
    }
    // Hours first, so that a window ending one minute after closing names the hours rule.
    if !aligned(start) || !aligned(end) {
        return Err((
            "booking.alignment",
            format!("start and end must be on a {SLOT_MINUTES}-minute boundary"),
        ));
    }
    Ok(())
}

/// Start instants (micros) of every 15-minute slot of `[start, end)`.
pub fn slots(start: Timestamp, end: Timestamp) -> Vec<i64> {
    let (s, e) = (to_micros(start), to_micros(end));
    let first = s - s.rem_euclid(SLOT_MICROS);
    let mut out = Vec::new();
    let mut t = first;
    while t < e {
        out.push(t);
        t += SLOT_MICROS;
    }
    out
}

/// Evaluation needs a closed (封闭) evaluation room large enough for the committee and the attending
/// staff: 《招标投标法》第三十八条 (招标人应当采取必要的措施，保证评标在严格保密的情况下进行).
pub fn check_evaluation_room(
    kind: RoomKind,
    isolated: bool,
    capacity: i64,
    committee: i64,
    staff: i64,
) -> Result<(), Refusal> {
    if kind != RoomKind::EvaluationRoom || !isolated {
        return Err((
            "booking.evaluation_needs_isolated_room",
            "evaluation takes place only in an isolated evaluation room (评标室)".into(),
        ));
    }
    if committee < 1 || staff < 0 {
        return Err((
            "booking.committee_size",
            "committee size must be at least 1 and staff count not negative".into(),
        ));
    }
    if capacity < committee + staff {
        return Err((
            "booking.capacity",
            format!(
                "the room seats {capacity}, the committee and staff are {}",
                committee + staff
            ),
        ));
    }
    Ok(())
}

/// Whether `[a0, a1)` and `[b0, b1)` overlap.
pub fn overlaps(a0: i64, a1: i64, b0: i64, b1: i64) -> bool {
    a0 < b1 && b0 < a1
}

/// Whether the door may open for a booking `[start, end)` at `now` (grace before the start).
pub fn in_session(now: Timestamp, start: Timestamp, end: Timestamp) -> bool {
    now >= start - Duration::minutes(DOOR_GRACE_MINUTES) && now < end
}

/// Arriving later than this after the session start is a late arrival (迟到), recorded as a
/// violation (a centre operating rule, not a statutory period; overridable with
/// `GGZY_VENUE_LATE_GRACE_MINUTES`).
pub const DEFAULT_LATE_GRACE_MINUTES: i64 = 10;

/// Whether an entry at `now` is late: strictly after `start + grace` (arriving at the last grace
/// minute is on time).
pub fn is_late(now: Timestamp, start: Timestamp, grace_minutes: i64) -> bool {
    now > start + Duration::minutes(grace_minutes)
}

/// Whether an expert leaving at `now` leaves before the session ends (an expert who cannot
/// continue is replaced, 招标投标法实施条例 第四十八条; leaving the closed room is recorded).
pub fn leaves_early(now: Timestamp, end: Timestamp) -> bool {
    now < end
}

/// Violation kinds (`venues.violation.recorded`).
pub mod violation {
    pub const REFUSED_ENTRY: &str = "refused_entry";
    pub const EXPERT_LEFT_EARLY: &str = "expert_left_early";
    pub const LATE_ARRIVAL: &str = "late_arrival";
    pub const OVER_CAPACITY: &str = "over_capacity";
}

/// A room as the suggestion sees it.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub id: String,
    pub name: String,
    pub kind: RoomKind,
    pub isolated: bool,
    pub capacity: i64,
}

/// Rooms that may host an evaluation of `committee + staff` people, best fit first: isolated
/// evaluation rooms with enough seats, the smallest first (keeps large rooms for large committees),
/// then by name.
pub fn best_fit(rooms: &[Candidate], committee: i64, staff: i64) -> Vec<String> {
    let mut fit: Vec<&Candidate> = rooms
        .iter()
        .filter(|r| check_evaluation_room(r.kind, r.isolated, r.capacity, committee, staff).is_ok())
        .collect();
    fit.sort_by(|a, b| {
        a.capacity
            .cmp(&b.capacity)
            .then_with(|| a.name.cmp(&b.name))
    });
    fit.into_iter().map(|r| r.id.clone()).collect()
}

/// Total length in micros of the union of `intervals` clipped to `[from, until)`.
pub fn covered(intervals: &[(i64, i64)], from: i64, until: i64) -> i64 {
    let mut v: Vec<(i64, i64)> = intervals
        .iter()
        .map(|&(a, b)| (a.max(from), b.min(until)))
        .filter(|(a, b)| a < b)
        .collect();
    v.sort();
    let mut total = 0;
    let mut cur: Option<(i64, i64)> = None;
    for (a, b) in v {
        cur = match cur {
            Some((ca, cb)) if a <= cb => Some((ca, cb.max(b))),
            Some((ca, cb)) => {
                total += cb - ca;
                Some((a, b))
            }
            None => Some((a, b)),
        };
    }
    if let Some((ca, cb)) = cur {
        total += cb - ca;
    }
    total
}

/// Minutes as hours with two decimals (`"7.50"`); bookings are on the quarter hour, so exact.
pub fn hours_str(minutes: i64) -> String {
    format!("{}.{:02}", minutes / 60, (minutes % 60) * 100 / 60)
}

/// `booked / open` as a percentage with two decimals, rounded down (`"12.50"`); `"0.00"` when the
/// room was never open.
pub fn percent_str(booked: i64, open: i64) -> String {
    if open <= 0 {
        return "0.00".into();
    }
    let bp = booked * 10_000 / open;
    format!("{}.{:02}", bp / 100, bp % 100)
}

/// What others than staff see of an expert's name: the committee stays secret until the result
/// is determined (招标投标法 第三十七条).
pub const MASKED_EXPERT_NAME: &str = "评标专家";

/// At most this many terminal networks per room (centre rule: a room's terminals sit on a few
/// subnets; a long list is a typing error, not a closed room).
pub const MAX_ROOM_NETWORKS: usize = 16;

/// One network of a room's evaluation terminals, in CIDR notation (`10.20.0.0/24`, `fd00::/64`).
///
/// The evaluation is held in a closed environment: 招标投标法 第三十八条 (the tenderer keeps the
/// evaluation strictly confidential) and 电子招标投标办法 (20号令) on evaluation on the platform; no
/// article names terminal networks, so which networks count is the centre's rule, kept per room.
/// Parse, don't validate: a `RoomNetwork` is a network address with every host bit zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoomNetwork {
    addr: std::net::IpAddr,
    prefix: u8,
}

impl RoomNetwork {
    pub fn parse(s: &str) -> Result<RoomNetwork, Refusal> {
        let bad = |why: &str| {
            (
                "room.network_cidr",
                format!("{s:?} is not a network in CIDR notation (e.g. 10.20.0.0/24): {why}"),
            )
        };
        let (a, p) = s.trim().split_once('/').ok_or_else(|| bad("no /prefix"))?;
        let addr: std::net::IpAddr = a.parse().map_err(|_| bad("not an IP address"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix: u8 = p
            .parse()
            .ok()
            .filter(|p| *p <= max)
            .ok_or_else(|| bad("the prefix length is out of range"))?;
        let n = RoomNetwork { addr, prefix };
        if n.mask_of(addr) != bits(addr) {
            return Err(bad("host bits are set; write the network address"));
        }
        Ok(n)
    }

    fn mask_of(&self, ip: std::net::IpAddr) -> u128 {
        let width: u32 = if ip.is_ipv4() { 32 } else { 128 };
        let host = width - u32::from(self.prefix);
        if host >= 128 {
            0
        } else {
            (bits(ip) >> host) << host
        }
    }

    /// The address is inside the network (same family, same prefix bits).
    pub fn contains(&self, ip: std::net::IpAddr) -> bool {
        self.addr.is_ipv4() == ip.is_ipv4() && self.mask_of(ip) == bits(self.addr)
    }
}

impl std::fmt::Display for RoomNetwork {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

fn bits(ip: std::net::IpAddr) -> u128 {
    match ip {
        std::net::IpAddr::V4(a) => u128::from(u32::from(a)),
        std::net::IpAddr::V6(a) => u128::from(a),
    }
}

/// A room's network list: each entry parsed, no duplicates, at most [`MAX_ROOM_NETWORKS`].
/// Returns the canonical strings, or the refusal with the index of the first bad entry.
pub fn parse_room_networks(list: &[String]) -> Result<Vec<String>, (usize, Refusal)> {
    if list.len() > MAX_ROOM_NETWORKS {
        return Err((
            MAX_ROOM_NETWORKS,
            (
                "room.networks_count",
                format!("at most {MAX_ROOM_NETWORKS} networks per room"),
            ),
        ));
    }
    let mut out: Vec<String> = Vec::new();
    for (i, s) in list.iter().enumerate() {
        let n = RoomNetwork::parse(s).map_err(|r| (i, r))?.to_string();
        if out.contains(&n) {
            return Err((
                i,
                ("room.network_duplicate", format!("{n} is listed twice")),
            ));
        }
        out.push(n);
    }
    Ok(out)
}

/// Where a person stands at the door, as the presence list knows it: the room they are inside
/// and whether that room is isolated (none: outside every room).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Inside<'a> {
    pub room_id: &'a str,
    pub isolated: bool,
}

/// The room whose door is asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DoorRoom<'a> {
    pub id: &'a str,
    pub kind: RoomKind,
    pub isolated: bool,
}

/// A door refusal: its rule id and the message shown at the door.
pub type DoorRefusal = (&'static str, &'static str);

/// Whether the door lets a person **in** (pure; the service supplies the facts). `role` is the
/// person's role on the roster of a session taking place in the room now (none: not on it).
/// Experts enter only isolated evaluation rooms, after depositing phones and other
/// communication devices (通讯工具存放); nobody enters from inside another isolated room, nor twice.
pub fn entry_refusal(
    room: DoorRoom<'_>,
    role: Option<PersonRole>,
    phone_deposited: bool,
    inside: Option<Inside<'_>>,
) -> Option<DoorRefusal> {
    let Some(role) = role else {
        return Some((
            "door.not_on_roster",
            "not on the roster of a session taking place in this room now",
        ));
    };
    if role == PersonRole::Expert && !(room.kind == RoomKind::EvaluationRoom && room.isolated) {
        return Some((
            "door.expert_needs_isolated_room",
            "experts enter only isolated evaluation rooms",
        ));
    }
    if role == PersonRole::Expert && !phone_deposited {
        return Some((
            "door.phone_not_deposited",
            "experts must deposit phones and communication devices first (通讯工具存放)",
        ));
    }
    match inside {
        Some(i) if i.isolated && i.room_id != room.id => Some((
            "door.inside_isolated_room",
            "this person is inside another isolated room",
        )),
        Some(i) if i.room_id == room.id => {
            Some(("door.already_inside", "this person is already inside"))
        }
        _ => None,
    }
}

/// Whether the door lets a person **out** of `room_id`: only someone inside it.
pub fn exit_refusal(room_id: &str, inside: Option<Inside<'_>>) -> Option<DoorRefusal> {
    match inside {
        Some(i) if i.room_id == room_id => None,
        _ => Some(("door.not_inside", "this person is not inside this room")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use ggzy_core::time::at_local;
    use proptest::prelude::*;

    fn t(h: u32, m: u32) -> Timestamp {
        at_local(NaiveDate::from_ymd_opt(2026, 3, 2).expect("date"), h, m, 0)
    }
    fn hours() -> Hours {
        Hours::parse("08:00", "18:00").expect("hours")
    }

    #[test]
    fn a_quarter_hour_is_aligned_and_a_minute_before_is_not() {
        assert!(aligned(t(15, 0)));
        assert!(!aligned(t(14, 59)));
        assert!(!aligned(t(15, 0) + Duration::seconds(1)));
        assert!(check_window(t(14, 59), t(16, 0), hours()).is_err());
        assert_eq!(
            check_window(t(14, 59), t(16, 0), hours())
                .expect_err("refused")
                .0,
            "booking.alignment"
        );
        assert!(check_window(t(15, 0), t(16, 0), hours()).is_ok());
    }

    #[test]
    fn slots_cover_the_window_in_quarter_hours() {
        let s = slots(t(9, 0), t(10, 0));
        assert_eq!(s.len(), 4);
        assert_eq!(s[0], to_micros(t(9, 0)));
        assert_eq!(s[3], to_micros(t(9, 45)));
        assert_eq!(slots(t(9, 0), t(9, 15)).len(), 1);
        assert!(slots(t(9, 0), t(9, 0)).is_empty());
    }

    #[test]
    fn opening_hours_edges() {
        let h = hours();
        assert!(check_window(t(8, 0), t(9, 0), h).is_ok());
        assert!(check_window(t(17, 0), t(18, 0), h).is_ok());
        assert_eq!(
            check_window(t(17, 0), t(18, 1), h)
                .expect_err("one minute late")
                .0,
            "booking.opening_hours"
        );
        assert_eq!(
            check_window(t(7, 59), t(9, 0), h)
                .expect_err("one minute early")
                .0,
            "booking.opening_hours"
        );
        assert_eq!(
            check_window(t(7, 45), t(9, 0), h).expect_err("early").0,
            "booking.opening_hours"
        );
        assert_eq!(
            check_window(t(17, 0), t(18, 15), h).expect_err("late").0,
            "booking.opening_hours"
        );
        assert_eq!(
            check_window(t(10, 0), t(10, 0), h).expect_err("empty").0,
            "booking.window"
        );
    }

    #[test]
    fn a_window_across_midnight_is_outside_hours() {
        let h = Hours::parse("00:00", "23:45").expect("hours");
        let next = t(0, 0) + Duration::days(1);
        assert!(check_window(t(23, 0), next + Duration::hours(1), h).is_err());
    }

    #[test]
    fn capacity_exactly_committee_plus_staff_is_allowed_one_less_refused() {
        assert!(check_evaluation_room(RoomKind::EvaluationRoom, true, 7, 5, 2).is_ok());
        assert_eq!(
            check_evaluation_room(RoomKind::EvaluationRoom, true, 6, 5, 2)
                .expect_err("small")
                .0,
            "booking.capacity"
        );
    }

    #[test]
    fn evaluation_needs_an_isolated_evaluation_room() {
        assert_eq!(
            check_evaluation_room(RoomKind::EvaluationRoom, false, 20, 5, 2)
                .expect_err("open")
                .0,
            "booking.evaluation_needs_isolated_room"
        );
        assert!(check_evaluation_room(RoomKind::OpeningHall, true, 20, 5, 2).is_err());
    }

    #[test]
    fn hours_parse_needs_order_and_grid() {
        assert_eq!(
            hours(),
            Hours {
                from: 480,
                until: 1080
            }
        );
        assert!(Hours::parse("18:00", "08:00").is_none());
        assert!(Hours::parse("08:10", "18:00").is_none());
    }

    #[test]
    fn the_door_opens_fifteen_minutes_before_the_start_and_closes_at_the_end() {
        let (s, e) = (t(10, 0), t(12, 0));
        assert!(in_session(t(9, 45), s, e));
        assert!(!in_session(t(9, 45) - Duration::seconds(1), s, e));
        assert!(in_session(t(11, 59), s, e));
        assert!(!in_session(t(12, 0), s, e));
    }

    #[test]
    fn overlap_is_half_open() {
        assert!(!overlaps(0, 10, 10, 20));
        assert!(overlaps(0, 11, 10, 20));
    }

    #[test]
    fn arriving_at_the_last_grace_minute_is_on_time_one_second_later_is_late() {
        let s = t(9, 0);
        assert!(!is_late(t(9, 10), s, 10));
        assert!(is_late(t(9, 10) + Duration::seconds(1), s, 10));
        assert!(!is_late(t(8, 50), s, 10));
    }

    #[test]
    fn leaving_at_the_end_is_not_early_one_second_before_is() {
        assert!(!leaves_early(t(12, 0), t(12, 0)));
        assert!(leaves_early(t(12, 0) - Duration::seconds(1), t(12, 0)));
    }

    fn cand(id: &str, kind: RoomKind, isolated: bool, capacity: i64) -> Candidate {
        Candidate {
            id: id.into(),
            name: id.into(),
            kind,
            isolated,
            capacity,
        }
    }

    #[test]
    fn best_fit_is_the_smallest_isolated_evaluation_room_with_enough_seats() {
        let rooms = vec![
            cand("big", RoomKind::EvaluationRoom, true, 20),
            cand("exact", RoomKind::EvaluationRoom, true, 9),
            cand("small", RoomKind::EvaluationRoom, true, 8),
            cand("open", RoomKind::EvaluationRoom, false, 9),
            cand("hall", RoomKind::OpeningHall, false, 9),
        ];
        assert_eq!(best_fit(&rooms, 7, 2), vec!["exact", "big"]);
        assert!(best_fit(&rooms, 19, 2).is_empty());
    }

    #[test]
    fn covered_merges_overlaps_and_clips() {
        assert_eq!(covered(&[(0, 10), (5, 15), (20, 30)], 0, 100), 25);
        assert_eq!(covered(&[(0, 10)], 5, 8), 3);
        assert_eq!(covered(&[(10, 20)], 0, 10), 0);
    }

    #[test]
    fn hours_and_percent_format() {
        assert_eq!(hours_str(450), "7.50");
        assert_eq!(hours_str(15), "0.25");
        assert_eq!(percent_str(1, 8), "12.50");
        assert_eq!(percent_str(1, 3), "33.33");
        assert_eq!(percent_str(5, 0), "0.00");
    }

    #[test]
    fn a_room_network_is_a_cidr_network_address() {
        let n = RoomNetwork::parse("10.20.0.0/24").expect("network");
        assert_eq!(n.to_string(), "10.20.0.0/24");
        for bad in [
            "10.20.0.0",
            "10.20.0.5/24",
            "10.20.0.0/33",
            "x/8",
            "fd00::/129",
            "",
        ] {
            assert_eq!(
                RoomNetwork::parse(bad).expect_err(bad).0,
                "room.network_cidr",
                "{bad}"
            );
        }
        assert!(RoomNetwork::parse("0.0.0.0/0").is_ok());
        assert!(RoomNetwork::parse("fd00::/64").is_ok());
        assert!(RoomNetwork::parse("10.20.0.1/32").is_ok());
    }

    #[test]
    fn the_first_and_last_address_of_a_room_network_are_inside_and_their_neighbours_are_not() {
        let ip = |s: &str| s.parse::<std::net::IpAddr>().expect("ip");
        let n = RoomNetwork::parse("10.20.0.0/24").expect("network");
        assert!(n.contains(ip("10.20.0.0")));
        assert!(n.contains(ip("10.20.0.255")));
        assert!(!n.contains(ip("10.19.255.255")));
        assert!(!n.contains(ip("10.20.1.0")));
        assert!(!n.contains(ip("::ffff:10.20.0.1")), "families differ");
        let all = RoomNetwork::parse("0.0.0.0/0").expect("network");
        assert!(all.contains(ip("255.255.255.255")));
        let v6 = RoomNetwork::parse("fd00::/64").expect("network");
        assert!(v6.contains(ip("fd00::ffff:ffff:ffff:ffff")));
        assert!(!v6.contains(ip("fd00:0:0:1::")));
    }

    #[test]
    fn a_room_takes_sixteen_distinct_networks_and_refuses_a_seventeenth_or_a_duplicate() {
        let list = |n: usize| (0..n).map(|i| format!("10.{i}.0.0/16")).collect::<Vec<_>>();
        assert_eq!(parse_room_networks(&list(16)).expect("16").len(), 16);
        assert_eq!(
            parse_room_networks(&list(17)).expect_err("17").1 .0,
            "room.networks_count"
        );
        let dup = vec!["10.0.0.0/8".to_string(), "10.0.0.0/8".to_string()];
        assert_eq!(
            parse_room_networks(&dup).expect_err("dup"),
            (
                1,
                (
                    "room.network_duplicate",
                    "10.0.0.0/8 is listed twice".into()
                )
            )
        );
    }

    fn isolated_eval(id: &str) -> DoorRoom<'_> {
        DoorRoom {
            id,
            kind: RoomKind::EvaluationRoom,
            isolated: true,
        }
    }

    #[test]
    fn the_door_admits_an_expert_only_to_an_isolated_evaluation_room_with_the_phone_deposited() {
        let r = isolated_eval("e1");
        assert_eq!(entry_refusal(r, Some(PersonRole::Expert), true, None), None);
        assert_eq!(
            entry_refusal(r, Some(PersonRole::Expert), false, None).map(|x| x.0),
            Some("door.phone_not_deposited")
        );
        let open = DoorRoom {
            isolated: false,
            ..r
        };
        assert_eq!(
            entry_refusal(open, Some(PersonRole::Expert), true, None).map(|x| x.0),
            Some("door.expert_needs_isolated_room")
        );
        assert_eq!(
            entry_refusal(r, None, true, None).map(|x| x.0),
            Some("door.not_on_roster")
        );
        let elsewhere = Inside {
            room_id: "e2",
            isolated: true,
        };
        assert_eq!(
            entry_refusal(r, Some(PersonRole::Expert), true, Some(elsewhere)).map(|x| x.0),
            Some("door.inside_isolated_room")
        );
        let here = Inside {
            room_id: "e1",
            isolated: true,
        };
        assert_eq!(
            entry_refusal(r, Some(PersonRole::Expert), true, Some(here)).map(|x| x.0),
            Some("door.already_inside")
        );
        assert_eq!(exit_refusal("e1", Some(here)), None);
        assert_eq!(
            exit_refusal("e1", Some(elsewhere)).map(|x| x.0),
            Some("door.not_inside")
        );
        assert_eq!(
            exit_refusal("e1", None).map(|x| x.0),
            Some("door.not_inside")
        );
    }

    fn role() -> impl Strategy<Value = Option<PersonRole>> {
        prop_oneof![
            Just(None),
            Just(Some(PersonRole::Expert)),
            Just(Some(PersonRole::Supervisor)),
            Just(Some(PersonRole::Staff)),
            Just(Some(PersonRole::Tenderer)),
        ]
    }

    fn kind() -> impl Strategy<Value = RoomKind> {
        prop_oneof![
            Just(RoomKind::EvaluationRoom),
            Just(RoomKind::OpeningHall),
            Just(RoomKind::AuctionHall),
        ]
    }

    proptest! {
        /// Whoever is admitted was on the roster and was not inside (this or another isolated
        /// room); an admitted expert is in an isolated evaluation room with the phone deposited;
        /// and a person admitted in can always go out of the same room.
        #[test]
        fn an_admission_keeps_the_isolation_rules(
            role in role(),
            kind in kind(),
            isolated in any::<bool>(),
            phone in any::<bool>(),
            inside_room in prop_oneof![Just(None), Just(Some("r1")), Just(Some("r2"))],
            inside_isolated in any::<bool>(),
        ) {
            let room = DoorRoom { id: "r1", kind, isolated };
            let inside = inside_room.map(|room_id| Inside { room_id, isolated: inside_isolated });
            if entry_refusal(room, role, phone, inside).is_none() {
                prop_assert!(role.is_some());
                prop_assert!(inside.is_none_or(|i| i.room_id != "r1" && !i.isolated));
                if role == Some(PersonRole::Expert) {
                    prop_assert!(kind == RoomKind::EvaluationRoom && isolated && phone);
                }
                let now_inside = Inside { room_id: "r1", isolated };
                prop_assert_eq!(exit_refusal("r1", Some(now_inside)), None);
                prop_assert!(entry_refusal(room, role, phone, Some(now_inside)).is_some());
            }
        }
    }
}
