//! Centre staff's venue pages (`/staff/…`): rooms (list, create, edit), the week calendar with
//! booking, moving, confirming and cancelling, evaluation sessions with the expert draw request,
//! and the door check-in screen (门禁) with the attendance list. Each form posts to the same use
//! case as the API (`service`, `sessions`); a refusal is shown the GOV.UK way with the use case's
//! field, rule id and message. Pages need a signed-in staff member (admin may read and manage
//! rooms); forms are CSRF-checked by the frame ([`CsrfForm`]).

use crate::calendar::{self, purpose_text, status_text};
use crate::rules::{PersonRole, Purpose, RoomKind};
use crate::service::{
    self, Booking, Direction, DoorDecision, DoorRequest, NewBooking, NewRoom, Occupancy, Room,
    RoomChanges,
};
use crate::sessions::{self, DrawSpec, MoveRequest, NewSession, Session, SpecialtyNeed};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use chrono::NaiveDate;
use ggzy_core::time::{at_local, local_date};
use ggzy_core::{Error, Timestamp};
use ggzy_identity::Role;
use ggzy_store::Ctx;
use ggzy_web::fmt::{beijing_time, datetime_attr};
use ggzy_web::frame::{self, page_status, see_other};
use ggzy_web::{Chrome, CsrfForm, FormState, Lang, PageActor};
use serde::Deserialize;
use std::collections::HashMap;

const STAFF: &[Role] = &[Role::Staff];
const ROOM_KEEPERS: &[Role] = &[Role::Staff, Role::Admin];

pub fn router() -> Router<Ctx> {
    Router::new()
        .route("/staff/venues", get(week))
        .route("/staff/venues/bookings", post(book))
        .route("/staff/rooms", get(rooms).post(create_room))
        .route("/staff/rooms/{id}", get(room_edit).post(update_room))
        .route("/staff/bookings/{id}", get(booking))
        .route("/staff/bookings/{id}/move", post(move_booking))
        .route("/staff/bookings/{id}/confirm", post(confirm_booking))
        .route("/staff/bookings/{id}/cancel", post(cancel_booking))
        .route("/staff/sessions", get(sessions_page).post(schedule))
        .route("/staff/sessions/{id}", get(session_page))
        .route("/staff/door", get(door_page).post(door))
}

/// A form as submitted: every field as text (the page parses what the use case takes).
type Fields = HashMap<String, String>;

fn val<'a>(f: &'a Fields, k: &str) -> &'a str {
    f.get(k).map(|s| s.trim()).unwrap_or("")
}

fn kind_label(k: RoomKind, l: Lang) -> &'static str {
    match k {
        RoomKind::OpeningHall => l.t("开标厅", "Opening hall"),
        RoomKind::EvaluationRoom => l.t("评标室", "Evaluation room"),
        RoomKind::NegotiationRoom => l.t("谈判室", "Negotiation room"),
        RoomKind::AuctionHall => l.t("拍卖厅", "Auction hall"),
        RoomKind::RemoteSeat => l.t("远程异地评标席位", "Remote evaluation seat"),
    }
}

fn kind_options(l: Lang) -> Vec<(String, String)> {
    [
        RoomKind::OpeningHall,
        RoomKind::EvaluationRoom,
        RoomKind::NegotiationRoom,
        RoomKind::AuctionHall,
        RoomKind::RemoteSeat,
    ]
    .iter()
    .map(|k| (k.as_str().to_string(), kind_label(*k, l).to_string()))
    .collect()
}

fn yes_no(l: Lang) -> Vec<(String, String)> {
    vec![
        ("false".into(), l.t("否", "No").into()),
        (
            "true".into(),
            l.t("是（封闭评标室）", "Yes (isolated evaluation room)")
                .into(),
        ),
    ]
}

/// A whole number from a form field, or a field error with rule `format`.
fn int(form: &mut FormState, f: &Fields, k: &str, default: Option<i64>) -> Option<i64> {
    let s = val(f, k);
    if s.is_empty() {
        if default.is_none() {
            form.push(k, "required", "required / 必填");
        }
        return default;
    }
    match s.parse::<i64>() {
        Ok(n) => Some(n),
        Err(_) => {
            form.push(k, "format", "a whole number / 请填写整数");
            None
        }
    }
}

/// A local (Beijing) date and `HH:MM` from the fields `day` and `hm_field`, as an instant.
fn local_instant(form: &mut FormState, f: &Fields, day: &str, hm_field: &str) -> Option<Timestamp> {
    let d = NaiveDate::parse_from_str(val(f, day), "%Y-%m-%d").ok();
    if d.is_none() && form.error(day).is_none() {
        form.push(day, "format", "a date YYYY-MM-DD / 日期格式为 YYYY-MM-DD");
    }
    let hm = chrono::NaiveTime::parse_from_str(val(f, hm_field), "%H:%M").ok();
    if hm.is_none() {
        form.push(hm_field, "format", "a time HH:MM / 时间格式为 HH:MM");
    }
    use chrono::Timelike;
    Some(at_local(d?, hm?.hour(), hm?.minute(), 0))
}

fn keep(f: &Fields) -> Vec<(String, String)> {
    f.iter()
        .filter(|(k, _)| k.as_str() != "csrf")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

// ---------------------------------------------------------------- week calendar and bookings

#[derive(Deserialize)]
struct WeekQ {
    week: Option<String>,
}

async fn render_week(
    ctx: &Ctx,
    a: &PageActor,
    day: NaiveDate,
    status: StatusCode,
    form: FormState,
) -> Response {
    let c = &a.chrome;
    match calendar::week_page(ctx, &a.actor, day, c.lang).await {
        Ok(mut v) => {
            v.form = form;
            v.csrf = c.csrf.clone().unwrap_or_default();
            page_status(c, status, c.t("场所预约周历", "Venue bookings — week"), &v)
        }
        Err(e) => frame::error_page(c, &e),
    }
}

/// The week calendar (rooms × days) with the booking form; `?week=YYYY-MM-DD` any day of the week.
async fn week(State(ctx): State<Ctx>, a: PageActor, Query(q): Query<WeekQ>) -> Response {
    if let Err(r) = a.require(ROOM_KEEPERS) {
        return r;
    }
    let day = match q.week.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => local_date(ctx.clock.now()),
        Some(s) => match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            Ok(d) => d,
            Err(_) => {
                return frame::error_page(
                    &a.chrome,
                    &Error::field(
                        "week",
                        "format",
                        "a date YYYY-MM-DD / 日期格式为 YYYY-MM-DD",
                    ),
                )
            }
        },
    };
    render_week(&ctx, &a, day, StatusCode::OK, FormState::new()).await
}

/// Book a room from the week page: `service::create_booking` (a tentative hold).
async fn book(State(ctx): State<Ctx>, f: CsrfForm<Fields>) -> Response {
    let a = f.actor;
    if let Err(r) = a.require(STAFF) {
        return r;
    }
    let fields = f.form;
    let week = NaiveDate::parse_from_str(val(&fields, "week"), "%Y-%m-%d")
        .unwrap_or_else(|_| local_date(ctx.clock.now()));
    let mut form = FormState::new();
    let purpose = Purpose::parse(val(&fields, "purpose"));
    if purpose.is_none() {
        form.push("purpose", "required", "choose a purpose / 请选择用途");
    }
    let start = local_instant(&mut form, &fields, "day", "start");
    let end = local_instant(&mut form, &fields, "day", "end");
    let committee = int(&mut form, &fields, "committee_size", Some(0));
    let staff = int(&mut form, &fields, "staff_count", Some(0));
    let back = |form: FormState| form.with_values(keep(&fields));
    let (Some(purpose), Some(start), Some(end), Some(committee_size), Some(staff_count), true) =
        (purpose, start, end, committee, staff, form.is_ok())
    else {
        let week = NaiveDate::parse_from_str(val(&fields, "day"), "%Y-%m-%d").unwrap_or(week);
        return render_week(&ctx, &a, week, StatusCode::UNPROCESSABLE_ENTITY, back(form)).await;
    };
    let input = NewBooking {
        room_id: val(&fields, "room_id").to_string(),
        section_id: val(&fields, "section_id").to_string(),
        purpose,
        start,
        end,
        committee_size,
        staff_count,
    };
    match service::create_booking(&ctx, &a.actor, input).await {
        Ok(b) => see_other(&format!("/staff/bookings/{}", b.id)),
        Err(e) => {
            let day = local_date(start);
            render_week(&ctx, &a, day, e.status(), back(FormState::from_error(&e))).await
        }
    }
}

/// One booking with its move, confirm and cancel forms.
#[derive(Template)]
#[template(path = "staff/booking.html")]
struct BookingPage<'a> {
    c: &'a Chrome,
    l: Lang,
    b: Booking,
    purpose: &'static str,
    status: &'static str,
    room_name: String,
    start: String,
    end: String,
    start_attr: String,
    week: String,
    form: FormState,
    room_opts: Vec<(String, String)>,
    live: bool,
}

async fn render_booking(
    ctx: &Ctx,
    a: &PageActor,
    id: &str,
    status: StatusCode,
    form: Option<FormState>,
) -> Response {
    let c = &a.chrome;
    let l = c.lang;
    let b = match service::get_booking(ctx, &a.actor, id).await {
        Ok(b) => b,
        Err(e) => return frame::error_page(c, &e),
    };
    let rooms = match service::list_rooms(ctx, &a.actor).await {
        Ok(r) => r,
        Err(e) => return frame::error_page(c, &e),
    };
    let room_name = rooms
        .iter()
        .find(|r| r.id == b.room_id)
        .map(|r| r.name.clone())
        .unwrap_or_default();
    let local = |t: &Timestamp| t.with_timezone(&ggzy_core::time::shanghai());
    let form = form.unwrap_or_else(|| {
        FormState::new().with_values([
            ("day", local(&b.start).format("%Y-%m-%d").to_string()),
            ("start", local(&b.start).format("%H:%M").to_string()),
            ("end", local(&b.end).format("%H:%M").to_string()),
            ("room_id", b.room_id.clone()),
        ])
    });
    let p = BookingPage {
        c,
        l,
        purpose: purpose_text(b.purpose, l),
        status: status_text(&b.status, l),
        room_name,
        start: beijing_time(&b.start),
        end: beijing_time(&b.end),
        start_attr: datetime_attr(&b.start),
        week: local(&b.start).format("%Y-%m-%d").to_string(),
        form,
        room_opts: rooms
            .iter()
            .map(|r| {
                (
                    r.id.clone(),
                    format!("{} ({}F, {})", r.name, r.floor, r.capacity),
                )
            })
            .collect(),
        live: b.status != "cancelled",
        b,
    };
    page_status(c, status, l.t("场所预约", "Booking"), &p)
}

async fn booking(State(ctx): State<Ctx>, a: PageActor, Path(id): Path<String>) -> Response {
    if let Err(r) = a.require(ROOM_KEEPERS) {
        return r;
    }
    render_booking(&ctx, &a, &id, StatusCode::OK, None).await
}

/// Move a booking: `sessions::move_booking` (a session's booking moves as its session).
async fn move_booking(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    f: CsrfForm<Fields>,
) -> Response {
    let a = f.actor;
    if let Err(r) = a.require(STAFF) {
        return r;
    }
    let fields = f.form;
    let mut form = FormState::new();
    let start = local_instant(&mut form, &fields, "day", "start");
    let end = local_instant(&mut form, &fields, "day", "end");
    let (Some(start), Some(end), true) = (start, end, form.is_ok()) else {
        let form = form.with_values(keep(&fields));
        return render_booking(&ctx, &a, &id, StatusCode::UNPROCESSABLE_ENTITY, Some(form)).await;
    };
    let room = val(&fields, "room_id");
    let req = MoveRequest {
        start,
        end,
        room_id: (!room.is_empty()).then(|| room.to_string()),
    };
    match sessions::move_booking(&ctx, &a.actor, &id, req).await {
        Ok(b) => see_other(&format!("/staff/bookings/{}", b.id)),
        Err(e) => {
            let form = FormState::from_error(&e).with_values(keep(&fields));
            render_booking(&ctx, &a, &id, e.status(), Some(form)).await
        }
    }
}

/// Only the CSRF token (checked by the frame).
#[derive(Deserialize)]
pub struct Empty {}

async fn confirm_booking(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    f: CsrfForm<Empty>,
) -> Response {
    let a = f.actor;
    if let Err(r) = a.require(STAFF) {
        return r;
    }
    match service::confirm(&ctx, &a.actor, &id).await {
        Ok(b) => see_other(&format!("/staff/bookings/{}", b.id)),
        Err(e) => render_booking(&ctx, &a, &id, e.status(), Some(FormState::from_error(&e))).await,
    }
}

async fn cancel_booking(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    f: CsrfForm<Empty>,
) -> Response {
    let a = f.actor;
    if let Err(r) = a.require(STAFF) {
        return r;
    }
    match service::cancel(&ctx, &a.actor, &id).await {
        Ok(b) => see_other(&format!("/staff/bookings/{}", b.id)),
        Err(e) => render_booking(&ctx, &a, &id, e.status(), Some(FormState::from_error(&e))).await,
    }
}

// ---------------------------------------------------------------- rooms

struct RoomLine {
    id: String,
    name: String,
    kind: &'static str,
    floor: i64,
    capacity: i64,
    isolated: bool,
    hours: String,
    equipment: String,
    networks: String,
}

impl RoomLine {
    fn of(r: &Room, l: Lang) -> RoomLine {
        RoomLine {
            id: r.id.clone(),
            name: r.name.clone(),
            kind: kind_label(r.kind, l),
            floor: r.floor,
            capacity: r.capacity,
            isolated: r.isolated,
            hours: format!("{}–{}", r.opens, r.closes),
            equipment: r.equipment.join(", "),
            networks: r.networks.join(", "),
        }
    }
}

#[derive(Template)]
#[template(path = "staff/rooms.html")]
struct RoomsPage<'a> {
    c: &'a Chrome,
    l: Lang,
    rooms: Vec<RoomLine>,
    form: FormState,
    kinds: Vec<(String, String)>,
    yes_no: Vec<(String, String)>,
}

async fn render_rooms(ctx: &Ctx, a: &PageActor, status: StatusCode, form: FormState) -> Response {
    let c = &a.chrome;
    let l = c.lang;
    match service::list_rooms(ctx, &a.actor).await {
        Ok(list) => {
            let p = RoomsPage {
                c,
                l,
                rooms: list.iter().map(|r| RoomLine::of(r, l)).collect(),
                form,
                kinds: kind_options(l),
                yes_no: yes_no(l),
            };
            page_status(c, status, l.t("场所（房间）", "Rooms"), &p)
        }
        Err(e) => frame::error_page(c, &e),
    }
}

async fn rooms(State(ctx): State<Ctx>, a: PageActor) -> Response {
    if let Err(r) = a.require(ROOM_KEEPERS) {
        return r;
    }
    let form = FormState::new().with_values([
        ("opens", "08:00"),
        ("closes", "18:00"),
        ("isolated", "false"),
    ]);
    render_rooms(&ctx, &a, StatusCode::OK, form).await
}

fn equipment(f: &Fields) -> Vec<String> {
    val(f, "equipment")
        .split([',', '，', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Create a room: `service::create_room`.
async fn create_room(State(ctx): State<Ctx>, f: CsrfForm<Fields>) -> Response {
    let a = f.actor;
    if let Err(r) = a.require(ROOM_KEEPERS) {
        return r;
    }
    let fields = f.form;
    let mut form = FormState::new();
    let kind = RoomKind::parse(val(&fields, "kind"));
    if kind.is_none() {
        form.push("kind", "required", "choose a kind / 请选择类型");
    }
    let floor = int(&mut form, &fields, "floor", None);
    let capacity = int(&mut form, &fields, "capacity", None);
    let (Some(kind), Some(floor), Some(capacity), true) = (kind, floor, capacity, form.is_ok())
    else {
        let form = form.with_values(keep(&fields));
        return render_rooms(&ctx, &a, StatusCode::UNPROCESSABLE_ENTITY, form).await;
    };
    let input = NewRoom {
        kind,
        name: val(&fields, "name").to_string(),
        floor,
        capacity,
        equipment: equipment(&fields),
        isolated: val(&fields, "isolated") == "true",
        opens: Some(val(&fields, "opens").to_string()),
        closes: Some(val(&fields, "closes").to_string()),
        networks: vec![],
    };
    match service::create_room(&ctx, &a.actor, input).await {
        Ok(_) => see_other("/staff/rooms"),
        Err(e) => {
            let form = FormState::from_error(&e).with_values(keep(&fields));
            render_rooms(&ctx, &a, e.status(), form).await
        }
    }
}

#[derive(Template)]
#[template(path = "staff/room_edit.html")]
struct RoomEditPage<'a> {
    c: &'a Chrome,
    l: Lang,
    room: RoomLine,
    form: FormState,
    kinds: Vec<(String, String)>,
    yes_no: Vec<(String, String)>,
}

async fn render_room_edit(
    ctx: &Ctx,
    a: &PageActor,
    id: &str,
    status: StatusCode,
    form: Option<FormState>,
) -> Response {
    let c = &a.chrome;
    let l = c.lang;
    let room = match service::list_rooms(ctx, &a.actor).await {
        Ok(list) => list.into_iter().find(|r| r.id == id),
        Err(e) => return frame::error_page(c, &e),
    };
    let Some(room) = room else {
        return frame::error_page(c, &Error::not_found(format!("room {id}")));
    };
    let form = form.unwrap_or_else(|| {
        FormState::new().with_values([
            ("kind", room.kind.as_str().to_string()),
            ("name", room.name.clone()),
            ("floor", room.floor.to_string()),
            ("capacity", room.capacity.to_string()),
            ("equipment", room.equipment.join(", ")),
            ("isolated", room.isolated.to_string()),
            ("opens", room.opens.clone()),
            ("closes", room.closes.clone()),
        ])
    });
    let p = RoomEditPage {
        c,
        l,
        room: RoomLine::of(&room, l),
        form,
        kinds: kind_options(l),
        yes_no: yes_no(l),
    };
    page_status(c, status, l.t("修改场所", "Edit a room"), &p)
}

async fn room_edit(State(ctx): State<Ctx>, a: PageActor, Path(id): Path<String>) -> Response {
    if let Err(r) = a.require(ROOM_KEEPERS) {
        return r;
    }
    render_room_edit(&ctx, &a, &id, StatusCode::OK, None).await
}

/// Edit a room: `service::update_room` (the API's `PATCH /api/v1/rooms/{id}`).
async fn update_room(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    f: CsrfForm<Fields>,
) -> Response {
    let a = f.actor;
    if let Err(r) = a.require(ROOM_KEEPERS) {
        return r;
    }
    let fields = f.form;
    let mut form = FormState::new();
    let kind = RoomKind::parse(val(&fields, "kind"));
    if kind.is_none() {
        form.push("kind", "required", "choose a kind / 请选择类型");
    }
    let floor = int(&mut form, &fields, "floor", None);
    let capacity = int(&mut form, &fields, "capacity", None);
    if !form.is_ok() {
        let form = form.with_values(keep(&fields));
        return render_room_edit(&ctx, &a, &id, StatusCode::UNPROCESSABLE_ENTITY, Some(form)).await;
    }
    let input = RoomChanges {
        kind,
        name: Some(val(&fields, "name").to_string()),
        floor,
        capacity,
        equipment: Some(equipment(&fields)),
        isolated: Some(val(&fields, "isolated") == "true"),
        opens: Some(val(&fields, "opens").to_string()),
        closes: Some(val(&fields, "closes").to_string()),
    };
    match service::update_room(&ctx, &a.actor, &id, input).await {
        Ok(_) => see_other("/staff/rooms"),
        Err(e) => {
            let form = FormState::from_error(&e).with_values(keep(&fields));
            render_room_edit(&ctx, &a, &id, e.status(), Some(form)).await
        }
    }
}

// ---------------------------------------------------------------- evaluation sessions

mod session_pages;
use self::session_pages::*;

// ---------------------------------------------------------------- door (门禁)

mod door_pages;
use self::door_pages::*;
