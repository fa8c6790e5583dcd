//! The centre staff's home (`/staff`): what waits for the signed-in staff member, as cards with a
//! count and a link. The cards come from the areas (each area offers a small
//! `pending_for_staff(&ctx, lang)` that counts its own rows); the server gathers them and passes
//! them here, so this crate depends on no area and no area reads another's tables.

use crate::frame;
use crate::lang::Lang;
use crate::session::PageActor;
use askama::Template;
use axum::response::Response;

/// One card of the staff home: a queue (with how many items wait) or a link to a staff page.
#[derive(Debug, Clone)]
pub struct QueueCard {
    /// Stable key (`projects`, `announcements`, …): the card's `id` is `queue-<key>`.
    pub key: &'static str,
    pub title: &'static str,
    /// Items waiting for a decision; `None` for a page without a queue (e.g. the week calendar).
    pub count: Option<i64>,
    pub href: String,
    /// One line saying what the queue holds and the rule behind it.
    pub hint: &'static str,
}

impl QueueCard {
    pub fn queue(
        key: &'static str,
        title: &'static str,
        count: i64,
        href: impl Into<String>,
        hint: &'static str,
    ) -> QueueCard {
        QueueCard {
            key,
            title,
            count: Some(count),
            href: href.into(),
            hint,
        }
    }

    pub fn link(
        key: &'static str,
        title: &'static str,
        href: impl Into<String>,
        hint: &'static str,
    ) -> QueueCard {
        QueueCard {
            key,
            title,
            count: None,
            href: href.into(),
            hint,
        }
    }
}

/// The cards of the pages other areas build for staff without a queue of their own (venues,
/// evaluation sessions, the door, auction results): links only.
pub fn staff_links(l: Lang) -> Vec<QueueCard> {
    vec![
        QueueCard::link(
            "venues",
            l.t("场地周历与预约", "Rooms and the week calendar"),
            "/staff/venues",
            l.t(
                "开标室、评标室的预约、调整和取消。",
                "Book, move and cancel opening and evaluation rooms.",
            ),
        ),
        QueueCard::link(
            "sessions",
            l.t("评标场次与专家抽取", "Evaluation sessions and expert draws"),
            "/staff/sessions",
            l.t(
                "申请抽取评标专家、揭晓名单、核验链接。",
                "Request the expert draw, reveal it, the verification link.",
            ),
        ),
        QueueCard::link(
            "door",
            l.t("门禁签到", "Door check-in"),
            "/staff/door",
            l.t(
                "现场人员的进场核验与签到名单。",
                "Check on-site people in at the door; the attendance list.",
            ),
        ),
        QueueCard::link(
            "auctions",
            l.t("挂牌与现场竞价结果", "Listings and on-site auction results"),
            "/staff/auctions",
            l.t(
                "土地、产权挂牌项目；录入现场竞价结果。",
                "Land and property listings; record on-site auction results.",
            ),
        ),
    ]
}

#[derive(Template)]
#[template(path = "staff/home.html")]
struct StaffHome<'a> {
    lang: Lang,
    name: &'a str,
    queues: Vec<&'a QueueCard>,
    links: Vec<&'a QueueCard>,
    total: i64,
}

/// Render the staff home with the cards the server gathered (queues first, then links).
pub fn staff_home(a: &PageActor, cards: &[QueueCard]) -> Response {
    let c = &a.chrome;
    let p = StaffHome {
        lang: c.lang,
        name: &a.actor.display_name,
        queues: cards.iter().filter(|x| x.count.is_some()).collect(),
        links: cards.iter().filter(|x| x.count.is_none()).collect(),
        total: cards.iter().filter_map(|x| x.count).sum(),
    };
    frame::page(c, c.t("中心工作人员工作台", "Centre staff workbench"), &p)
}
