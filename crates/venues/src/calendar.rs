//! Week calendar, utilization by room and month, and the staff page (server-rendered HTML).

use crate::rules::{self, Hours};
use crate::service::{blocks_of, booking_row, room_row, Booking, BOOKING_COLS, ROOM_COLS};
use chrono::{Datelike, Duration, NaiveDate};
use ggzy_core::time::{at_local, display_local, shanghai, to_micros};
use ggzy_core::{Error, Result};
use ggzy_identity::{Actor, Role};
use ggzy_store::Ctx;
use serde::{Deserialize, Serialize};
use sqlx::Row;
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
    let rows = sqlx::query(&format!(
        "SELECT {ROOM_COLS} FROM venue_rooms ORDER BY floor, name"
    ))
    .fetch_all(ctx.db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            let r = room_row(r)?;
            Ok(RoomRef {
                id: r.id,
                name: r.name,
                kind: r.kind,
                floor: r.floor,
                capacity: r.capacity,
                isolated: r.isolated,
                opens: Hours::fmt(r.hours.from),
                closes: Hours::fmt(r.hours.until),
            })
        })
        .collect()
}

/// The week calendar: rooms, and per local day the live bookings starting that day.
pub async fn week(ctx: &Ctx, actor: &Actor, any_day: NaiveDate) -> Result<WeekCalendar> {
    actor.require(READERS)?;
    let monday = monday_of(any_day);
    let from = at_local(monday, 0, 0, 0);
    let rows = sqlx::query(&format!(
        "SELECT {BOOKING_COLS} FROM venue_bookings WHERE starts_at >= $1 AND starts_at < $2 \
         AND status <> 'cancelled' ORDER BY starts_at, room_id"
    ))
    .bind(to_micros(from))
    .bind(to_micros(from + Duration::days(7)))
    .fetch_all(ctx.db.pool())
    .await?;
    let mut days: Vec<WeekDay> = (0..7)
        .map(|i| WeekDay {
            date: monday + Duration::days(i),
            bookings: Vec::new(),
        })
        .collect();
    for r in &rows {
        let (b, _) = booking_row(r)?;
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
        let booked_iv: Vec<(i64, i64)> = sqlx::query(
            "SELECT starts_at, ends_at FROM venue_bookings WHERE room_id = $1 AND status <> 'cancelled' \
             AND starts_at < $2 AND ends_at > $3",
        )
        .bind(&room.id)
        .bind(m1)
        .bind(m0)
        .fetch_all(ctx.db.pool())
        .await?
        .iter()
        .map(|r| Ok((r.try_get::<i64, _>(0)?, r.try_get::<i64, _>(1)?)))
        .collect::<Result<_>>()?;
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

/// Escape text for HTML element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

struct Texts {
    lang: &'static str,
    title: &'static str,
    room: &'static str,
    prev: &'static str,
    next: &'static str,
    switch: (&'static str, &'static str),
    conflicts: &'static str,
    none: &'static str,
    util: &'static str,
    booked: &'static str,
    open: &'static str,
    weekdays: [&'static str; 7],
}

const ZH: Texts = Texts {
    lang: "zh-CN",
    title: "场所预约周历",
    room: "场所",
    prev: "上一周",
    next: "下一周",
    switch: ("en", "English"),
    conflicts: "待处理的冲突预约",
    none: "无",
    util: "本月使用率",
    booked: "已预约小时",
    open: "开放小时",
    weekdays: ["周一", "周二", "周三", "周四", "周五", "周六", "周日"],
};

const EN: Texts = Texts {
    lang: "en",
    title: "Venue bookings — week",
    room: "Room",
    prev: "Previous week",
    next: "Next week",
    switch: ("zh", "中文"),
    conflicts: "Flagged bookings to resolve",
    none: "none",
    util: "Utilization this month",
    booked: "booked hours",
    open: "open hours",
    weekdays: ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
};

fn purpose_label(en: bool, p: rules::Purpose) -> &'static str {
    match (en, p) {
        (false, rules::Purpose::Opening) => "开标",
        (false, rules::Purpose::Evaluation) => "评标",
        (false, rules::Purpose::Negotiation) => "谈判",
        (false, rules::Purpose::Auction) => "拍卖",
        (true, p) => p.as_str(),
    }
}

fn status_label(en: bool, s: &str) -> String {
    match (en, s) {
        (false, "tentative") => "暂定".into(),
        (false, "confirmed") => "已确认".into(),
        (false, "cancelled") => "已取消".into(),
        (_, s) => s.into(),
    }
}

/// The staff page for the week of `any_day`, in Chinese or (with `en`) English.
pub async fn staff_page(ctx: &Ctx, actor: &Actor, any_day: NaiveDate, en: bool) -> Result<String> {
    actor.require(&[Role::Staff, Role::Admin])?;
    let t = if en { &EN } else { &ZH };
    let cal = week(ctx, actor, any_day).await?;
    let names: HashMap<String, String> = sqlx::query("SELECT section_id, name FROM venue_sections")
        .fetch_all(ctx.db.pool())
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect::<Result<_>>()?;
    let lang_q = if en { "&lang=en" } else { "" };
    let mut h = String::new();
    h.push_str(&format!(
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{}</title>\
         <style>body{{font-family:sans-serif;margin:1rem}}table{{border-collapse:collapse;width:100%}}\
         th,td{{border:1px solid #999;padding:.3rem;vertical-align:top;font-size:.9rem}}\
         .b{{display:block;margin:.1rem 0;padding:.1rem;background:#eef}}.flag{{background:#fdd}}</style>\
         </head><body><h1>{}</h1><nav><a href=\"?week={}{}\">{}</a> | <a href=\"?week={}{}\">{}</a> | \
         <a href=\"?week={}&amp;lang={}\">{}</a></nav>",
        t.lang,
        esc(t.title),
        esc(&format!("{} {}", t.title, cal.monday)),
        cal.monday - Duration::days(7),
        lang_q,
        esc(t.prev),
        cal.monday + Duration::days(7),
        lang_q,
        esc(t.next),
        cal.monday,
        t.switch.0,
        esc(t.switch.1),
    ));
    h.push_str(&format!(
        "<table><thead><tr><th scope=\"col\">{}</th>",
        esc(t.room)
    ));
    for (i, d) in cal.days.iter().enumerate() {
        h.push_str(&format!(
            "<th scope=\"col\">{} {}</th>",
            esc(t.weekdays[i]),
            d.date.format("%m-%d")
        ));
    }
    h.push_str("</tr></thead><tbody>");
    for room in &cal.rooms {
        h.push_str(&format!(
            "<tr><th scope=\"row\">{}<br><small>{}F · {} · {}–{}</small></th>",
            esc(&room.name),
            room.floor,
            room.capacity,
            esc(&room.opens),
            esc(&room.closes)
        ));
        for d in &cal.days {
            h.push_str("<td>");
            for b in d.bookings.iter().filter(|b| b.room_id == room.id) {
                let section = names
                    .get(&b.section_id)
                    .cloned()
                    .unwrap_or_else(|| b.section_id.clone());
                h.push_str(&format!(
                    "<span class=\"b{}\">{}–{} {} {} ({})</span>",
                    if b.conflict.is_some() { " flag" } else { "" },
                    b.start.with_timezone(&shanghai()).format("%H:%M"),
                    b.end.with_timezone(&shanghai()).format("%H:%M"),
                    esc(purpose_label(en, b.purpose)),
                    esc(&section),
                    esc(&status_label(en, &b.status)),
                ));
            }
            h.push_str("</td>");
        }
        h.push_str("</tr>");
    }
    h.push_str("</tbody></table>");
    h.push_str(&format!("<h2>{}</h2><ul>", esc(t.conflicts)));
    let flagged = crate::sessions::conflicts(ctx, actor).await?;
    if flagged.is_empty() {
        h.push_str(&format!("<li>{}</li>", esc(t.none)));
    }
    for b in &flagged {
        h.push_str(&format!(
            "<li>{} {}: {}</li>",
            esc(&display_local(b.start)),
            esc(names.get(&b.section_id).unwrap_or(&b.section_id)),
            esc(b.conflict.as_deref().unwrap_or_default())
        ));
    }
    h.push_str("</ul>");
    let month = cal.monday.format("%Y-%m").to_string();
    h.push_str(&format!(
        "<h2>{} {}</h2><table><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th>\
         <th scope=\"col\">{}</th><th scope=\"col\">%</th></tr></thead><tbody>",
        esc(t.util),
        esc(&month),
        esc(t.room),
        esc(t.booked),
        esc(t.open)
    ));
    for u in utilization(ctx, actor, &month).await? {
        h.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&u.room_name),
            esc(&u.booked_hours),
            esc(&u.open_hours),
            esc(&u.utilization_percent)
        ));
    }
    h.push_str("</tbody></table></body></html>");
    Ok(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_escaped() {
        assert_eq!(
            esc("<script>\"a\" & 'b'</script>"),
            "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;"
        );
    }

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
