//! The evaluation sessions (评标会) pages: the list, the scheduling form and one session.

use super::*;

pub(super) struct SessionLine {
    id: String,
    section: String,
    room: String,
    start: String,
    end: String,
    status: &'static str,
    committee: i64,
    experts: i64,
    draw_id: Option<String>,
}

pub(super) fn session_status(s: &str, l: Lang) -> &'static str {
    match s {
        "scheduled" => l.t("已安排", "scheduled"),
        "cancelled" => l.t("已取消", "cancelled"),
        _ => l.t("其他", "other"),
    }
}

impl SessionLine {
    fn of(s: &Session, names: &HashMap<String, String>, l: Lang) -> SessionLine {
        SessionLine {
            id: s.id.clone(),
            section: names
                .get(&s.section_id)
                .cloned()
                .unwrap_or_else(|| s.section_id.clone()),
            room: s.room_name.clone(),
            start: beijing_time(&s.start),
            end: beijing_time(&s.end),
            status: session_status(&s.status, l),
            committee: s.committee_size,
            experts: s.experts,
            draw_id: s.draw_id.clone(),
        }
    }
}

/// Number of specialty rows on the draw request form.
pub(super) const SPECIALTY_ROWS: usize = 3;

#[derive(Template)]
#[template(path = "staff/sessions.html")]
pub(super) struct SessionsPage<'a> {
    c: &'a Chrome,
    l: Lang,
    sessions: Vec<SessionLine>,
    form: FormState,
    section_opts: Vec<(String, String)>,
    room_opts: Vec<(String, String)>,
    rows: Vec<usize>,
}

pub(super) async fn render_sessions(
    ctx: &Ctx,
    a: &PageActor,
    status: StatusCode,
    form: FormState,
) -> Response {
    let c = &a.chrome;
    let l = c.lang;
    let list = match sessions::list_sessions(ctx, &a.actor).await {
        Ok(x) => x,
        Err(e) => return frame::error_page(c, &e),
    };
    let (section_opts, rooms) = match calendar::form_options(ctx, &a.actor).await {
        Ok(x) => x,
        Err(e) => return frame::error_page(c, &e),
    };
    let names: HashMap<String, String> = section_opts.iter().cloned().collect();
    let mut room_opts = vec![(
        String::new(),
        l.t(
            "自动选择（最合适的空闲封闭评标室）",
            "Choose for me (best-fitting free isolated room)",
        )
        .to_string(),
    )];
    room_opts.extend(rooms);
    let p = SessionsPage {
        c,
        l,
        sessions: list.iter().map(|s| SessionLine::of(s, &names, l)).collect(),
        form,
        section_opts,
        room_opts,
        rows: (0..SPECIALTY_ROWS).collect(),
    };
    page_status(c, status, l.t("评标会", "Evaluation sessions"), &p)
}

pub(super) async fn sessions_page(State(ctx): State<Ctx>, a: PageActor) -> Response {
    if let Err(r) = a.require(STAFF) {
        return r;
    }
    let form = FormState::new().with_values([
        ("committee_size", "5"),
        ("staff_count", "2"),
        ("draw.backups", "2"),
        ("draw.representatives", "0"),
    ]);
    render_sessions(&ctx, &a, StatusCode::OK, form).await
}

/// Schedule a session with its expert draw request: `sessions::schedule`; the expert pool draws
/// the committee from the `venues.session.scheduled` event, avoiding the named parties' staff.
pub(super) async fn schedule(State(ctx): State<Ctx>, f: CsrfForm<Fields>) -> Response {
    let a = f.actor;
    if let Err(r) = a.require(STAFF) {
        return r;
    }
    let fields = f.form;
    let mut form = FormState::new();
    let start = local_instant(&mut form, &fields, "day", "start");
    let end = local_instant(&mut form, &fields, "day", "end");
    let committee = int(&mut form, &fields, "committee_size", None);
    let staff = int(&mut form, &fields, "staff_count", Some(0));
    let backups = int(&mut form, &fields, "draw.backups", Some(0));
    let reps = int(&mut form, &fields, "draw.representatives", Some(0));
    let mut specialties = Vec::new();
    for i in 0..SPECIALTY_ROWS {
        let code = val(&fields, &format!("draw.specialties[{i}].code"));
        let count_field = format!("draw.specialties[{i}].count");
        if code.is_empty() && val(&fields, &count_field).is_empty() {
            continue;
        }
        if let Some(count) = int(&mut form, &fields, &count_field, None) {
            specialties.push(SpecialtyNeed {
                code: code.to_string(),
                count,
            });
        }
    }
    let opt = |k: &str| Some(val(&fields, k).to_string()).filter(|s| !s.is_empty());
    let bidders: Vec<String> = val(&fields, "draw.bidder_usccs")
        .split(|c: char| c.is_whitespace() || c == ',' || c == '，')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    let (
        Some(start),
        Some(end),
        Some(committee_size),
        Some(staff_count),
        Some(backups),
        Some(reps),
        true,
    ) = (start, end, committee, staff, backups, reps, form.is_ok())
    else {
        let form = form.with_values(keep(&fields));
        return render_sessions(&ctx, &a, StatusCode::UNPROCESSABLE_ENTITY, form).await;
    };
    let input = NewSession {
        section_id: val(&fields, "section_id").to_string(),
        start,
        end,
        room_id: opt("room_id"),
        committee_size,
        staff_count,
        draw: Some(DrawSpec {
            specialties,
            backups,
            representatives: reps,
            budget: opt("draw.budget"),
            tenderer_uscc: opt("draw.tenderer_uscc"),
            agency_uscc: opt("draw.agency_uscc"),
            bidder_usccs: bidders,
        }),
    };
    match sessions::schedule(&ctx, &a.actor, input).await {
        Ok(s) => see_other(&format!("/staff/sessions/{}", s.id)),
        Err(e) => {
            let mut form = FormState::from_error(&e).with_values(keep(&fields));
            // `draw.bidder_usccs[i]` is one line of the textarea `draw.bidder_usccs`.
            for err in &mut form.errors {
                if err.field.starts_with("draw.bidder_usccs[") {
                    err.field = "draw.bidder_usccs".into();
                }
            }
            render_sessions(&ctx, &a, e.status(), form).await
        }
    }
}

#[derive(Template)]
#[template(path = "staff/session.html")]
pub(super) struct SessionPage {
    l: Lang,
    s: SessionLine,
    start_attr: String,
}

pub(super) async fn session_page(
    State(ctx): State<Ctx>,
    a: PageActor,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = a.require(STAFF) {
        return r;
    }
    let c = &a.chrome;
    let l = c.lang;
    let s = match sessions::get_session(&ctx, &a.actor, &id).await {
        Ok(s) => s,
        Err(e) => return frame::error_page(c, &e),
    };
    let names = match calendar::form_options(&ctx, &a.actor).await {
        Ok((sections, _)) => sections.into_iter().collect(),
        Err(e) => return frame::error_page(c, &e),
    };
    let p = SessionPage {
        l,
        start_attr: datetime_attr(&s.start),
        s: SessionLine::of(&s, &names, l),
    };
    page_status(c, StatusCode::OK, l.t("评标会", "Evaluation session"), &p)
}
