//! The door (门禁) page: who may enter a room now, and the check at the desk.

use super::*;

#[derive(Deserialize)]
pub(super) struct DoorQ {
    room: Option<String>,
}

pub(super) struct Outcome {
    allowed: bool,
    name: String,
    role: &'static str,
    detail: String,
    rule: Option<String>,
}

pub(super) fn role_label(r: PersonRole, l: Lang) -> &'static str {
    match r {
        PersonRole::Expert => l.t("评标专家", "Expert"),
        PersonRole::BidderRep => l.t("投标人代表", "Bidder's representative"),
        PersonRole::Tenderer => l.t("招标人代表", "Tenderer's representative"),
        PersonRole::Agency => l.t("代理机构人员", "Agency staff"),
        PersonRole::Supervisor => l.t("监督人员", "Supervisor"),
        PersonRole::Staff => l.t("中心工作人员", "Centre staff"),
    }
}

pub(super) struct Inside {
    name: String,
    role: &'static str,
    since: String,
    since_attr: String,
}

#[derive(Template)]
#[template(path = "staff/door.html")]
pub(super) struct DoorPage<'a> {
    c: &'a Chrome,
    l: Lang,
    room_opts: Vec<(String, String)>,
    room: Option<String>,
    room_name: String,
    form: FormState,
    outcome: Option<Outcome>,
    headcount: i64,
    capacity: i64,
    inside: Vec<Inside>,
    directions: Vec<(String, String)>,
}

pub(super) async fn render_door(
    ctx: &Ctx,
    a: &PageActor,
    room: Option<String>,
    status: StatusCode,
    form: FormState,
    outcome: Option<Outcome>,
) -> Response {
    let c = &a.chrome;
    let l = c.lang;
    let rooms = match service::list_rooms(ctx, &a.actor).await {
        Ok(r) => r,
        Err(e) => return frame::error_page(c, &e),
    };
    let room = room.filter(|r| !r.is_empty());
    let mut occ = Occupancy {
        room_id: String::new(),
        headcount: 0,
        capacity: 0,
        people: vec![],
    };
    let mut room_name = String::new();
    if let Some(id) = &room {
        occ = match service::occupancy(ctx, &a.actor, id).await {
            Ok(o) => o,
            Err(e) => return frame::error_page(c, &e),
        };
        room_name = rooms
            .iter()
            .find(|r| &r.id == id)
            .map(|r| r.name.clone())
            .unwrap_or_default();
    }
    let form = if form.value("room_id").is_empty() {
        form.with_values([("room_id", room.clone().unwrap_or_default())])
    } else {
        form
    };
    let p = DoorPage {
        c,
        l,
        room_opts: rooms
            .iter()
            .map(|r| (r.id.clone(), format!("{} ({}F)", r.name, r.floor)))
            .collect(),
        room,
        room_name,
        form,
        outcome,
        headcount: occ.headcount,
        capacity: occ.capacity,
        inside: occ
            .people
            .iter()
            .map(|p| Inside {
                name: p.name.clone(),
                role: role_label(p.role, l),
                since: beijing_time(&p.entered_at),
                since_attr: datetime_attr(&p.entered_at),
            })
            .collect(),
        directions: vec![
            ("in".into(), l.t("进入", "Entering").into()),
            ("out".into(), l.t("离开", "Leaving").into()),
        ],
    };
    page_status(c, status, l.t("门禁签到", "Door check-in"), &p)
}

pub(super) async fn door_page(
    State(ctx): State<Ctx>,
    a: PageActor,
    Query(q): Query<DoorQ>,
) -> Response {
    if let Err(r) = a.require(STAFF) {
        return r;
    }
    let form = FormState::new().with_values([("direction", "in")]);
    render_door(&ctx, &a, q.room, StatusCode::OK, form, None).await
}

/// A door attempt: `service::door` (recorded whether allowed or refused).
pub(super) async fn door(State(ctx): State<Ctx>, f: CsrfForm<Fields>) -> Response {
    let a = f.actor;
    if let Err(r) = a.require(STAFF) {
        return r;
    }
    let fields = f.form;
    let l = a.chrome.lang;
    let room = val(&fields, "room_id").to_string();
    let mut form = FormState::new();
    if room.is_empty() {
        form.push("room_id", "required", "choose the room / 请选择场所");
    }
    let direction = match val(&fields, "direction") {
        "out" => Direction::Out,
        _ => Direction::In,
    };
    if !form.is_ok() {
        let form = form.with_values(keep(&fields));
        return render_door(&ctx, &a, None, StatusCode::UNPROCESSABLE_ENTITY, form, None).await;
    }
    let req = DoorRequest {
        resident_id: val(&fields, "resident_id").to_string(),
        direction,
        phone_deposited: val(&fields, "phone_deposited") == "yes",
    };
    // After each attempt the code field is emptied for the next person; the direction stays.
    let next = FormState::new().with_values([
        ("room_id", room.clone()),
        ("direction", val(&fields, "direction").to_string()),
    ]);
    match service::door(&ctx, &a.actor, &room, req).await {
        Ok(DoorDecision {
            allowed,
            reason,
            detail,
            name,
            role,
            ..
        }) => {
            let outcome = Outcome {
                allowed,
                name: name.unwrap_or_default(),
                role: role.map(|r| role_label(r, l)).unwrap_or(""),
                detail,
                rule: reason,
            };
            let status = if allowed {
                StatusCode::OK
            } else {
                StatusCode::FORBIDDEN
            };
            render_door(&ctx, &a, Some(room), status, next, Some(outcome)).await
        }
        Err(e) => {
            let form = FormState::from_error(&e).with_values(keep(&fields));
            render_door(&ctx, &a, Some(room), e.status(), form, None).await
        }
    }
}
