//! Week calendar, utilization by room and month, and the view of the staff week page
//! (`/staff/venues`, askama template `templates/venues/week.html`).

use crate::rules::{self, Hours};
use crate::service::{blocks_of, Booking};
use crate::store::{bookings, rooms as store_rooms};
use chrono::{Datelike, Duration, NaiveDate};
use ggzy_core::time::{at_local, shanghai, to_micros};
use ggzy_core::{Error, Result};
use ggzy_identity::{Actor, Role};
use ggzy_store::Ctx;
use ggzy_web::lang::Lang;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::ToSchema;

const READERS: &[Role] = &[Role::Staff, Role::Admin, Role::Agency, Role::Supervisor];

#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
pub struct WeekQuery {
    /// Any local date of the week (`YYYY-MM-DD`); the week starts on its Monday.
    pub week: NaiveDate,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RoomRef {
    pub id: String,
    pub name: String,
    pub kind: rules::RoomKind,
    pub floor: i64,
    pub capacity: i64,
    pub isolated: bool,
    pub opens: String,
    pub closes: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WeekDay {
    pub date: NaiveDate,
    pub bookings: Vec<Booking>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WeekCalendar {
    /// The Monday of the week.
    pub monday: NaiveDate,
    pub rooms: Vec<RoomRef>,
    pub days: Vec<WeekDay>,
}

fn monday_of(d: NaiveDate) -> NaiveDate {
    d - Duration::days(i64::from(d.weekday().num_days_from_monday()))
}

async fn rooms(ctx: &Ctx) -> Result<Vec<RoomRef>> {
    let rows = store_rooms::rooms_by_floor(&ctx.db).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let r = crate::service::RoomRow::from(r);
            RoomRef {
                id: r.id,
                name: r.name,
                kind: r.kind,
                floor: r.floor,
                capacity: r.capacity,
                isolated: r.isolated,
                opens: Hours::fmt(r.hours.from),
                closes: Hours::fmt(r.hours.until),
            }
        })
        .collect())
}

/// The week calendar: rooms, and per local day the live bookings starting that day.
pub async fn week(ctx: &Ctx, actor: &Actor, any_day: NaiveDate) -> Result<WeekCalendar> {
    actor.require(READERS)?;
    let monday = monday_of(any_day);
    let from = at_local(monday, 0, 0, 0);
    let rows = bookings::live_bookings_starting(
        &ctx.db,
        to_micros(from),
        to_micros(from + Duration::days(7)),
    )
    .await?;
    let mut days: Vec<WeekDay> = (0..7)
        .map(|i| WeekDay {
            date: monday + Duration::days(i),
            bookings: Vec::new(),
        })
        .collect();
    for r in rows {
        let (b, _) = r.split();
        let d = b.start.with_timezone(&shanghai()).date_naive();
        if let Some(day) = days.iter_mut().find(|x| x.date == d) {
            day.bookings.push(b);
        }
    }
    Ok(WeekCalendar {
        monday,
        rooms: rooms(ctx).await?,
        days,
    })
}

#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
pub struct MonthQuery {
    /// `YYYY-MM`.
    #[param(pattern = "^[0-9]{4}-(0[1-9]|1[0-2])$")]
    pub month: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Utilization {
    pub room_id: String,
    pub room_name: String,
    pub month: String,
    /// Minutes of live (tentative or confirmed) bookings in the month.
    pub booked_minutes: i64,
    /// Minutes the room was open in the month: its daily hours every day, less blocked periods.
    pub open_minutes: i64,
    pub booked_hours: String,
    pub open_hours: String,
    /// booked / open, percent with two decimals.
    pub utilization_percent: String,
}

fn parse_month(m: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(&format!("{}-01", m.trim()), "%Y-%m-%d")
        .map_err(|_| Error::field("month", "format", "a month as YYYY-MM"))
}

/// Utilization by room for a month: booked hours / open hours.
pub async fn utilization(ctx: &Ctx, actor: &Actor, month: &str) -> Result<Vec<Utilization>> {
    actor.require(&[Role::Staff, Role::Admin, Role::Supervisor])?;
    let first = parse_month(month)?;
    let next = if first.month() == 12 {
        NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)
    }
    .ok_or_else(|| Error::field("month", "format", "a month as YYYY-MM"))?;
    let (m0, m1) = (
        to_micros(at_local(first, 0, 0, 0)),
        to_micros(at_local(next, 0, 0, 0)),
    );
    let label = first.format("%Y-%m").to_string();
    let mut out = Vec::new();
    for room in rooms(ctx).await? {
        let hours = Hours::parse(&room.opens, &room.closes)
            .ok_or_else(|| Error::internal("stored opening hours"))?;
        let blocks: Vec<(i64, i64)> = blocks_of(&ctx.db, &room.id)
            .await?
            .iter()
            .map(|b| (to_micros(b.start), to_micros(b.end)))
            .collect();
        let mut open = 0;
        let mut d = first;
        while d < next {
            let o0 = to_micros(at_local(d, 0, 0, 0)) + hours.from * 60_000_000;
            let o1 = to_micros(at_local(d, 0, 0, 0)) + hours.until * 60_000_000;
            open += (o1 - o0) - rules::covered(&blocks, o0, o1);
            d += Duration::days(1);
        }
        let booked_iv: Vec<(i64, i64)> =
            bookings::live_intervals_of_room(&ctx.db, &room.id, m0, m1)
                .await?
                .into_iter()
                .map(|r| (r.starts_at, r.ends_at))
                .collect();
        let booked = rules::covered(&booked_iv, m0, m1) / 60_000_000;
        let open = open / 60_000_000;
        out.push(Utilization {
            room_id: room.id,
            room_name: room.name,
            month: label.clone(),
            booked_minutes: booked,
            open_minutes: open,
            booked_hours: rules::hours_str(booked),
            open_hours: rules::hours_str(open),
            utilization_percent: rules::percent_str(booked, open),
        });
    }
    Ok(out)
}

// ---------------------------------------------------------------- staff page

/// One booking in a day cell of the week page.
pub struct BookingCell {
    /// The booking's id (its page: `/staff/bookings/{id}`).
    pub id: String,
    pub from: String,
    pub until: String,
    pub purpose: &'static str,
    pub section: String,
    pub status: &'static str,
    /// Flagged: it could not follow its section's new opening time.
    pub flagged: bool,
}

/// One room's row of the week.
pub struct RoomRow {
    pub name: String,
    pub floor: i64,
    pub capacity: i64,
    pub opens: String,
    pub closes: String,
    pub days: Vec<Vec<BookingCell>>,
}

/// A flagged booking to resolve.
pub struct Flagged {
    pub at: String,
    pub datetime: String,
    pub section: String,
    pub reason: String,
}

/// The staff week page's `<main>` content (`templates/venues/week.html`).
#[derive(askama::Template)]
#[template(path = "venues/week.html")]
pub struct WeekPage {
    pub l: Lang,
    pub monday: String,
    pub prev: String,
    pub next: String,
    pub days: Vec<String>,
    pub rooms: Vec<RoomRow>,
    pub flagged: Vec<Flagged>,
    pub month: String,
    pub utilization: Vec<Utilization>,
    /// The booking form (`POST /staff/venues/bookings`): its state after a refused submit.
    pub form: ggzy_web::FormState,
    /// The session's CSRF token for the booking form (set by the page handler).
    pub csrf: String,
    /// Rooms and known sections for the form's selects (value, label).
    pub room_opts: Vec<(String, String)>,
    pub section_opts: Vec<(String, String)>,
    pub purpose_opts: Vec<(String, String)>,
}

fn purpose_label(p: rules::Purpose, l: Lang) -> &'static str {
    match p {
        rules::Purpose::Opening => l.t("开标", "Opening"),
        rules::Purpose::Evaluation => l.t("评标", "Evaluation"),
        rules::Purpose::Negotiation => l.t("谈判", "Negotiation"),
        rules::Purpose::Auction => l.t("拍卖", "Auction"),
    }
}

/// The booking purposes for a form's select (value, label in the reader's language).
pub fn purpose_options(l: Lang) -> Vec<(String, String)> {
    [
        rules::Purpose::Opening,
        rules::Purpose::Evaluation,
        rules::Purpose::Negotiation,
        rules::Purpose::Auction,
    ]
    .iter()
    .map(|p| (p.as_str().to_string(), purpose_label(*p, l).to_string()))
    .collect()
}

/// A booking's purpose in the reader's language.
pub fn purpose_text(p: rules::Purpose, l: Lang) -> &'static str {
    purpose_label(p, l)
}

/// A booking's state in the reader's language.
pub fn status_text(s: &str, l: Lang) -> &'static str {
    status_label(s, l)
}

fn status_label(s: &str, l: Lang) -> &'static str {
    match s {
        "tentative" => l.t("暂定", "tentative"),
        "confirmed" => l.t("已确认", "confirmed"),
        "cancelled" => l.t("已取消", "cancelled"),
        _ => l.t("其他", "other"),
    }
}

/// The choices of the staff's booking and session forms: known sections (id, name) by name, and
/// rooms (id, "name (floor, seats)") by floor and name (staff, admin).
pub async fn form_options(
    ctx: &Ctx,
    actor: &Actor,
) -> Result<(Vec<(String, String)>, Vec<(String, String)>)> {
    actor.require(&[Role::Staff, Role::Admin])?;
    let mut sections: Vec<(String, String)> = bookings::section_names(&ctx.db)
        .await?
        .into_iter()
        .map(|r| (r.section_id, r.name))
        .collect();
    sections.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
    let rooms = rooms(ctx)
        .await?
        .iter()
        .map(|r| {
            (
                r.id.clone(),
                format!("{} ({}F, {})", r.name, r.floor, r.capacity),
            )
        })
        .collect();
    Ok((sections, rooms))
}

/// The staff page for the week of `any_day`: one call reading the calendar, the flagged bookings,
/// the month's utilization and the section names of this area's own copy.
pub async fn week_page(ctx: &Ctx, actor: &Actor, any_day: NaiveDate, l: Lang) -> Result<WeekPage> {
    actor.require(&[Role::Staff, Role::Admin])?;
    let cal = week(ctx, actor, any_day).await?;
    let names: HashMap<String, String> = bookings::section_names(&ctx.db)
        .await?
        .into_iter()
        .map(|r| (r.section_id, r.name))
        .collect();
    let name = |id: &str| names.get(id).cloned().unwrap_or_else(|| "—".into());
    let mut section_opts: Vec<(String, String)> = names
        .iter()
        .map(|(id, n)| (id.clone(), n.clone()))
        .collect();
    section_opts.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
    let room_opts = cal
        .rooms
        .iter()
        .map(|r| {
            (
                r.id.clone(),
                format!("{} ({}F, {})", r.name, r.floor, r.capacity),
            )
        })
        .collect();
    let weekdays = [
        l.t("周一", "Mon"),
        l.t("周二", "Tue"),
        l.t("周三", "Wed"),
        l.t("周四", "Thu"),
        l.t("周五", "Fri"),
        l.t("周六", "Sat"),
        l.t("周日", "Sun"),
    ];
    let hm =
        |t: chrono::DateTime<chrono::Utc>| t.with_timezone(&shanghai()).format("%H:%M").to_string();
    let rooms = cal
        .rooms
        .iter()
        .map(|room| RoomRow {
            name: room.name.clone(),
            floor: room.floor,
            capacity: room.capacity,
            opens: room.opens.clone(),
            closes: room.closes.clone(),
            days: cal
                .days
                .iter()
                .map(|d| {
                    d.bookings
                        .iter()
                        .filter(|b| b.room_id == room.id)
                        .map(|b| BookingCell {
                            id: b.id.clone(),
                            from: hm(b.start),
                            until: hm(b.end),
                            purpose: purpose_label(b.purpose, l),
                            section: name(&b.section_id),
                            status: status_label(&b.status, l),
                            flagged: b.conflict.is_some(),
                        })
                        .collect()
                })
                .collect(),
        })
        .collect();
    let flagged = crate::sessions::conflicts(ctx, actor)
        .await?
        .iter()
        .map(|b| {
            let local = b.start.with_timezone(&shanghai());
            Flagged {
                at: local.format("%Y-%m-%d %H:%M").to_string(),
                datetime: local.format("%Y-%m-%dT%H:%M:%S%:z").to_string(),
                section: name(&b.section_id),
                reason: b.conflict.clone().unwrap_or_default(),
            }
        })
        .collect();
    let month = cal.monday.format("%Y-%m").to_string();
    let utilization = utilization(ctx, actor, &month).await?;
    Ok(WeekPage {
        l,
        monday: cal.monday.format("%Y-%m-%d").to_string(),
        prev: (cal.monday - Duration::days(7))
            .format("%Y-%m-%d")
            .to_string(),
        next: (cal.monday + Duration::days(7))
            .format("%Y-%m-%d")
            .to_string(),
        days: cal
            .days
            .iter()
            .enumerate()
            .map(|(i, d)| format!("{} {}", weekdays[i], d.date.format("%m-%d")))
            .collect(),
        rooms,
        flagged,
        month,
        utilization,
        form: ggzy_web::FormState::new(),
        csrf: String::new(),
        room_opts,
        section_opts,
        purpose_opts: purpose_options(l),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_week_starts_on_monday() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 5).expect("date");
        assert_eq!(
            monday_of(d),
            NaiveDate::from_ymd_opt(2026, 3, 2).expect("date")
        );
        let sunday = NaiveDate::from_ymd_opt(2026, 3, 8).expect("date");
        assert_eq!(monday_of(sunday), monday_of(d));
    }
}
