//! Venue routes: rooms, bookings, roster and door under `/api/v1`.

use crate::service::{
    self, Block, Booking, DayQuery, DoorDecision, DoorRequest, FreeQuery, NewBlock, NewBooking,
    NewPerson, NewRoom, Occupancy, Person, Room, SessionReport,
};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ggzy_core::error::{problem_response, Problem};
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
        .routes(routes!(create_booking, day_calendar))
        .routes(routes!(confirm_booking))
        .routes(routes!(cancel_booking))
        .routes(routes!(add_person, list_roster))
        .routes(routes!(door))
        .routes(routes!(occupancy))
        .routes(routes!(report))
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
    Err(problem_response(&Problem {
        kind: "https://ggzy.dev/problems/forbidden".into(),
        title: "Entry refused".into(),
        status: 403,
        detail: d.detail,
        rule: d.reason,
        errors: vec![],
    }))
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
