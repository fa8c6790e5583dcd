//! Venue routes: rooms, bookings, roster and door under `/api/v1`.

use crate::calendar::{self, MonthQuery, Utilization, WeekCalendar, WeekQuery};
use crate::service::{
    self, Block, Booking, DayQuery, DoorDecision, DoorRequest, FreeQuery, NewBlock, NewBooking,
    NewPerson, NewRoom, Occupancy, Person, Room, RoomChanges, RoomNetworks, SessionReport,
};
use crate::sessions::{
    self, ExpertAccount, ExpertIdentity, MoveRequest, MySession, NewSession, Session,
};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ggzy_core::error::problem_response;
use ggzy_core::http::{Json, Path, Query};
use ggzy_core::Result;
use ggzy_identity::{Actor, Role};
use ggzy_store::Ctx;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<Ctx> {
    OpenApiRouter::new()
        .routes(routes!(create_room, list_rooms))
        .routes(routes!(free_rooms))
        .routes(routes!(add_block))
        .routes(routes!(put_room_networks))
        .routes(routes!(update_room))
        .routes(routes!(create_booking, day_calendar))
        .routes(routes!(confirm_booking))
        .routes(routes!(cancel_booking))
        .routes(routes!(add_person, list_roster))
        .routes(routes!(door))
        .routes(routes!(occupancy))
        .routes(routes!(report))
        .routes(routes!(move_booking))
        .routes(routes!(booking_conflicts))
        .routes(routes!(week_calendar))
        .routes(routes!(utilization))
        .routes(routes!(schedule_session))
        .routes(routes!(get_session))
        .routes(routes!(move_session))
        .routes(routes!(cancel_session))
        .routes(routes!(verify_expert))
        .routes(routes!(link_expert_account))
        .routes(routes!(my_sessions))
}

/// Move a booking (staff, or the booking agency); clears a conflict flag. 409 `booking.overlap`
/// when the new window is taken; 422 naming the rule otherwise.
#[utoipa::path(post, path = "/api/v1/bookings/{id}/move", tag = "venues", security(("bearer" = [])),
    params(("id" = String, Path, description = "booking id")), request_body = MoveRequest,
    responses((status = 200, body = Booking), (status = 403), (status = 404), (status = 409), (status = 422)))]
async fn move_booking(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(req): Json<MoveRequest>,
) -> Result<Json<Booking>> {
    actor.require(&[Role::Staff, Role::Agency])?;
    Ok(Json(sessions::move_booking(&ctx, &actor, &id, req).await?))
}

/// Bookings flagged because they could not follow a postponed opening (staff, admin).
#[utoipa::path(get, path = "/api/v1/bookings/conflicts", tag = "venues", security(("bearer" = [])),
    responses((status = 200, body = [Booking]), (status = 403)))]
async fn booking_conflicts(State(ctx): State<Ctx>, actor: Actor) -> Result<Json<Vec<Booking>>> {
    actor.require(&[Role::Staff, Role::Admin])?;
    Ok(Json(sessions::conflicts(&ctx, &actor).await?))
}

/// The week calendar (Monday to Sunday of the given date): rooms and live bookings per day.
#[utoipa::path(get, path = "/api/v1/bookings/week", tag = "venues", security(("bearer" = [])),
    params(WeekQuery),
    responses((status = 200, body = WeekCalendar), (status = 403)))]
async fn week_calendar(
    State(ctx): State<Ctx>,
    actor: Actor,
    Query(q): Query<WeekQuery>,
) -> Result<Json<WeekCalendar>> {
    actor.require(&[Role::Staff, Role::Admin, Role::Agency, Role::Supervisor])?;
    Ok(Json(calendar::week(&ctx, &actor, q.week).await?))
}

/// Utilization by room for a month: booked hours / open hours (staff, admin, supervisor).
#[utoipa::path(get, path = "/api/v1/rooms/utilization", tag = "venues", security(("bearer" = [])),
    params(MonthQuery),
    responses((status = 200, body = [Utilization]), (status = 403), (status = 422)))]
async fn utilization(
    State(ctx): State<Ctx>,
    actor: Actor,
    Query(q): Query<MonthQuery>,
) -> Result<Json<Vec<Utilization>>> {
    actor.require(&[Role::Staff, Role::Admin, Role::Supervisor])?;
    Ok(Json(calendar::utilization(&ctx, &actor, &q.month).await?))
}

/// Schedule an evaluation session (评标会) in one step (staff, agency): time, room (chosen, or the
/// best-fitting free isolated evaluation room) and the expert draw request. Emits
/// `venues.session.scheduled`. 409 `session.no_room` / `booking.overlap`; 422 names the rule.
#[utoipa::path(post, path = "/api/v1/sessions", tag = "venues", security(("bearer" = [])),
    request_body = NewSession,
    responses((status = 201, body = Session), (status = 403), (status = 404), (status = 409), (status = 422)))]
async fn schedule_session(
    State(ctx): State<Ctx>,
    actor: Actor,
    Json(input): Json<NewSession>,
) -> Result<(StatusCode, Json<Session>)> {
    actor.require(&[Role::Staff, Role::Agency])?;
    Ok((
        StatusCode::CREATED,
        Json(sessions::schedule(&ctx, &actor, input).await?),
    ))
}

/// A session (staff, supervisor, the scheduling agency).
#[utoipa::path(get, path = "/api/v1/sessions/{id}", tag = "venues", security(("bearer" = [])),
    params(("id" = String, Path, description = "session id")),
    responses((status = 200, body = Session), (status = 403), (status = 404)))]
async fn get_session(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<Session>> {
    actor.require(&[Role::Staff, Role::Agency, Role::Supervisor])?;
    Ok(Json(sessions::get_session(&ctx, &actor, &id).await?))
}

/// Move a session: its booking moves and `venues.session.moved` re-notifies the experts.
#[utoipa::path(post, path = "/api/v1/sessions/{id}/move", tag = "venues", security(("bearer" = [])),
    params(("id" = String, Path, description = "session id")), request_body = MoveRequest,
    responses((status = 200, body = Session), (status = 403), (status = 404), (status = 409), (status = 422)))]
async fn move_session(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(req): Json<MoveRequest>,
) -> Result<Json<Session>> {
    actor.require(&[Role::Staff, Role::Agency])?;
    Ok(Json(sessions::move_session(&ctx, &actor, &id, req).await?))
}

/// Cancel a session: the booking is released, `venues.session.cancelled` releases the draw.
#[utoipa::path(post, path = "/api/v1/sessions/{id}/cancel", tag = "venues", security(("bearer" = [])),
    params(("id" = String, Path, description = "session id")),
    responses((status = 200, body = Session), (status = 403), (status = 404), (status = 409)))]
async fn cancel_session(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<Session>> {
    actor.require(&[Role::Staff, Role::Agency])?;
    Ok(Json(sessions::cancel_session(&ctx, &actor, &id).await?))
}

/// Staff record a drawn expert's identity card; the expert is then on the door roster.
#[utoipa::path(post, path = "/api/v1/sessions/{id}/experts/{expert_id}/identity", tag = "venues",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "session id"), ("expert_id" = String, Path, description = "expert-pool id")),
    request_body = ExpertIdentity,
    responses((status = 204), (status = 403), (status = 404), (status = 422)))]
async fn verify_expert(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path((id, expert_id)): Path<(String, String)>,
    Json(input): Json<ExpertIdentity>,
) -> Result<StatusCode> {
    actor.require(&[Role::Staff])?;
    sessions::verify_expert(&ctx, &actor, &id, &expert_id, input).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Link an expert-pool id to a login account (staff, admin), for "my sessions".
#[utoipa::path(put, path = "/api/v1/expert-accounts/{expert_id}", tag = "venues", security(("bearer" = [])),
    params(("expert_id" = String, Path, description = "expert-pool id")), request_body = ExpertAccount,
    responses((status = 204), (status = 403), (status = 422)))]
async fn link_expert_account(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(expert_id): Path<String>,
    Json(input): Json<ExpertAccount>,
) -> Result<StatusCode> {
    actor.require(&[Role::Staff, Role::Admin])?;
    sessions::link_expert_account(&ctx, &actor, &expert_id, input).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The calling evaluator's upcoming sessions (expert).
#[utoipa::path(get, path = "/api/v1/my/sessions", tag = "venues", security(("bearer" = [])),
    responses((status = 200, body = [MySession]), (status = 403)))]
async fn my_sessions(State(ctx): State<Ctx>, actor: Actor) -> Result<Json<Vec<MySession>>> {
    actor.require(&[Role::Expert])?;
    Ok(Json(sessions::my_sessions(&ctx, &actor).await?))
}

/// Create a room (staff, admin).
#[utoipa::path(post, path = "/api/v1/rooms", tag = "venues", security(("bearer" = [])),
    request_body = NewRoom,
    responses((status = 201, body = Room), (status = 403), (status = 409), (status = 422)))]
async fn create_room(
    State(ctx): State<Ctx>,
    actor: Actor,
    Json(input): Json<NewRoom>,
) -> Result<(StatusCode, Json<Room>)> {
    actor.require(&[Role::Staff, Role::Admin])?;
    Ok((
        StatusCode::CREATED,
        Json(service::create_room(&ctx, &actor, input).await?),
    ))
}

/// Edit a room (staff, admin): any of kind, name, floor, capacity, equipment, isolation and
/// opening hours; absent fields stay. 422 names the field and rule (`required`, `range`,
/// `room.hours`, `room.isolated_only_evaluation`, and — when a live booking would no longer fit —
/// `room.hours_exclude_booking`, `room.booking_needs_isolated_room`,
/// `room.capacity_below_booking`); 409 `room.duplicate_name`. Emits `venues.room.updated`.
#[utoipa::path(patch, path = "/api/v1/rooms/{id}", tag = "venues", security(("bearer" = [])),
    params(("id" = String, Path, description = "room id")), request_body = RoomChanges,
    responses((status = 200, body = Room), (status = 400), (status = 401), (status = 403),
        (status = 404), (status = 409), (status = 415), (status = 422)))]
async fn update_room(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(input): Json<RoomChanges>,
) -> Result<Json<Room>> {
    actor.require(&[Role::Staff, Role::Admin])?;
    Ok(Json(service::update_room(&ctx, &actor, &id, input).await?))
}

/// Every room with its blocked periods (staff, admin, agency, supervisor).
#[utoipa::path(get, path = "/api/v1/rooms", tag = "venues", security(("bearer" = [])),
    responses((status = 200, body = [Room]), (status = 403)))]
async fn list_rooms(State(ctx): State<Ctx>, actor: Actor) -> Result<Json<Vec<Room>>> {
    actor.require(&[Role::Staff, Role::Admin, Role::Agency, Role::Supervisor])?;
    Ok(Json(service::list_rooms(&ctx, &actor).await?))
}

/// Rooms free for the whole window (opening hours, blocks, bookings), smallest first.
#[utoipa::path(get, path = "/api/v1/rooms/free", tag = "venues", security(("bearer" = [])),
    params(FreeQuery),
    responses((status = 200, body = [Room]), (status = 403)))]
async fn free_rooms(
    State(ctx): State<Ctx>,
    actor: Actor,
    Query(q): Query<FreeQuery>,
) -> Result<Json<Vec<Room>>> {
    actor.require(&[Role::Staff, Role::Admin, Role::Agency, Role::Supervisor])?;
    Ok(Json(service::free_rooms(&ctx, &actor, &q).await?))
}

/// Block a period of a room (staff, admin).
#[utoipa::path(post, path = "/api/v1/rooms/{id}/blocks", tag = "venues", security(("bearer" = [])),
    params(("id" = String, Path, description = "room id")), request_body = NewBlock,
    responses((status = 201, body = Block), (status = 403), (status = 404), (status = 422)))]
async fn add_block(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(b): Json<NewBlock>,
) -> Result<(StatusCode, Json<Block>)> {
    actor.require(&[Role::Staff, Role::Admin])?;
    Ok((
        StatusCode::CREATED,
        Json(service::add_block(&ctx, &actor, &id, b).await?),
    ))
}

/// Replace the networks of a room's evaluation terminals (staff, admin); committee members of a
/// session in the room then work only from them. 422 `room.network_cidr`,
/// `room.network_duplicate` or `room.networks_count` names the entry.
#[utoipa::path(put, path = "/api/v1/rooms/{id}/networks", tag = "venues", security(("bearer" = [])),
    params(("id" = String, Path, description = "room id")), request_body = RoomNetworks,
    responses((status = 200, body = Room), (status = 403), (status = 404), (status = 422)))]
async fn put_room_networks(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(input): Json<RoomNetworks>,
) -> Result<Json<Room>> {
    actor.require(&[Role::Staff, Role::Admin])?;
    Ok(Json(
        service::set_room_networks(&ctx, &actor, &id, input).await?,
    ))
}

/// Book a room (staff, agency): a tentative hold that expires unless confirmed. 409
/// `booking.overlap` names the room and time already taken; 422 names the broken rule
/// (`booking.alignment`, `booking.opening_hours`, `booking.blocked`, `booking.capacity`,
/// `booking.evaluation_needs_isolated_room`, `booking.opening_time`).
#[utoipa::path(post, path = "/api/v1/bookings", tag = "venues", security(("bearer" = [])),
    request_body = NewBooking,
    responses((status = 201, body = Booking), (status = 403), (status = 404), (status = 409), (status = 422)))]
async fn create_booking(
    State(ctx): State<Ctx>,
    actor: Actor,
    Json(input): Json<NewBooking>,
) -> Result<(StatusCode, Json<Booking>)> {
    actor.require(&[Role::Staff, Role::Agency])?;
    Ok((
        StatusCode::CREATED,
        Json(service::create_booking(&ctx, &actor, input).await?),
    ))
}

/// The day calendar: bookings starting on a local day (staff, admin, agency, supervisor).
#[utoipa::path(get, path = "/api/v1/bookings", tag = "venues", security(("bearer" = [])),
    params(DayQuery),
    responses((status = 200, body = [Booking]), (status = 403)))]
async fn day_calendar(
    State(ctx): State<Ctx>,
    actor: Actor,
    Query(q): Query<DayQuery>,
) -> Result<Json<Vec<Booking>>> {
    actor.require(&[Role::Staff, Role::Admin, Role::Agency, Role::Supervisor])?;
    Ok(Json(service::day_calendar(&ctx, &actor, q.day).await?))
}

/// Confirm a tentative booking (staff, or the booking agency).
#[utoipa::path(post, path = "/api/v1/bookings/{id}/confirm", tag = "venues", security(("bearer" = [])),
    params(("id" = String, Path, description = "booking id")),
    responses((status = 200, body = Booking), (status = 403), (status = 404), (status = 409)))]
async fn confirm_booking(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<Booking>> {
    actor.require(&[Role::Staff, Role::Agency])?;
    Ok(Json(service::confirm(&ctx, &actor, &id).await?))
}

/// Cancel a booking and free its slots (staff, or the booking agency).
#[utoipa::path(post, path = "/api/v1/bookings/{id}/cancel", tag = "venues", security(("bearer" = [])),
    params(("id" = String, Path, description = "booking id")),
    responses((status = 200, body = Booking), (status = 403), (status = 404), (status = 409)))]
async fn cancel_booking(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<Booking>> {
    actor.require(&[Role::Staff, Role::Agency])?;
    Ok(Json(service::cancel(&ctx, &actor, &id).await?))
}

/// Put a person on the booking's roster (staff, or the booking agency).
#[utoipa::path(post, path = "/api/v1/bookings/{id}/roster", tag = "venues", security(("bearer" = [])),
    params(("id" = String, Path, description = "booking id")), request_body = NewPerson,
    responses((status = 201, body = Person), (status = 403), (status = 404), (status = 409), (status = 422)))]
async fn add_person(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(p): Json<NewPerson>,
) -> Result<(StatusCode, Json<Person>)> {
    actor.require(&[Role::Staff, Role::Agency])?;
    Ok((
        StatusCode::CREATED,
        Json(service::add_person(&ctx, &actor, &id, p).await?),
    ))
}

/// The roster; experts' identity numbers are masked for everyone but staff.
#[utoipa::path(get, path = "/api/v1/bookings/{id}/roster", tag = "venues", security(("bearer" = [])),
    params(("id" = String, Path, description = "booking id")),
    responses((status = 200, body = [Person]), (status = 403), (status = 404)))]
async fn list_roster(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<Vec<Person>>> {
    actor.require(&[Role::Staff, Role::Agency, Role::Supervisor])?;
    Ok(Json(service::roster(&ctx, &actor, &id).await?))
}

/// A door attempt (staff at the door). 200 when allowed; 403 naming the rule when refused
/// (`door.not_on_roster`, `door.expert_needs_isolated_room`, `door.phone_not_deposited`,
/// `door.inside_isolated_room`, `door.already_inside`, `door.not_inside`). Both are recorded.
#[utoipa::path(post, path = "/api/v1/rooms/{id}/door", tag = "venues", security(("bearer" = [])),
    params(("id" = String, Path, description = "room id")), request_body = DoorRequest,
    responses((status = 200, body = DoorDecision), (status = 403), (status = 404), (status = 422)))]
async fn door(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
    Json(req): Json<DoorRequest>,
) -> std::result::Result<Json<DoorDecision>, Response> {
    actor
        .require(&[Role::Staff])
        .map_err(IntoResponse::into_response)?;
    let d = service::door(&ctx, &actor, &id, req)
        .await
        .map_err(IntoResponse::into_response)?;
    if d.allowed {
        return Ok(Json(d));
    }
    Err(problem_response(&service::refusal_problem(&d)))
}

/// Live headcount of a room (staff, supervisor).
#[utoipa::path(get, path = "/api/v1/rooms/{id}/occupancy", tag = "venues", security(("bearer" = [])),
    params(("id" = String, Path, description = "room id")),
    responses((status = 200, body = Occupancy), (status = 403), (status = 404)))]
async fn occupancy(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<Occupancy>> {
    actor.require(&[Role::Staff, Role::Supervisor])?;
    Ok(Json(service::occupancy(&ctx, &actor, &id).await?))
}

/// End-of-session report: arrivals, departures, refusals (staff, supervisor, booking agency).
#[utoipa::path(get, path = "/api/v1/bookings/{id}/report", tag = "venues", security(("bearer" = [])),
    params(("id" = String, Path, description = "booking id")),
    responses((status = 200, body = SessionReport), (status = 403), (status = 404)))]
async fn report(
    State(ctx): State<Ctx>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<SessionReport>> {
    actor.require(&[Role::Staff, Role::Supervisor, Role::Agency])?;
    Ok(Json(service::report(&ctx, &actor, &id).await?))
}
