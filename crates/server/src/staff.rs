//! The centre staff's home (`/staff`): the server gathers each area's cards (every area counts
//! only its own rows, `pending_for_staff`) and hands them to the frame's page
//! (`ggzy_web::queue::staff_home`), so no area reads another's tables and the frame depends on no
//! area. A card whose area fails to answer is left out and the failure logged; the rest still show.

use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use ggzy_identity::Role;
use ggzy_store::Ctx;
use ggzy_web::queue::{staff_home, staff_links, QueueCard};
use ggzy_web::PageActor;

pub fn router() -> Router<Ctx> {
    Router::new()
        .route("/staff", get(home))
        .merge(ggzy_projects::staff_pages::router())
        .merge(ggzy_publishing::staff_pages::router())
        .merge(ggzy_deposits::staff_pages::router())
        .merge(ggzy_auctions::staff_queue::router())
}

fn keep(area: &str, r: ggzy_core::Result<Vec<QueueCard>>, out: &mut Vec<QueueCard>) {
    match r {
        Ok(v) => out.extend(v),
        Err(e) => tracing::error!(area, error = %e, "staff queue count failed"),
    }
}

/// `GET /staff`.
async fn home(State(ctx): State<Ctx>, a: PageActor) -> Response {
    if let Err(r) = a.require(&[Role::Staff]) {
        return r;
    }
    let l = a.chrome.lang;
    let mut cards = Vec::new();
    keep(
        "projects",
        ggzy_projects::staff_pages::pending_for_staff(&ctx, l).await,
        &mut cards,
    );
    keep(
        "publishing",
        ggzy_publishing::staff_pages::pending_for_staff(&ctx, l).await,
        &mut cards,
    );
    keep(
        "deposits",
        ggzy_deposits::staff_pages::pending_for_staff(&ctx, l).await,
        &mut cards,
    );
    keep(
        "auctions",
        ggzy_auctions::staff_queue::pending_for_staff(&ctx, l).await,
        &mut cards,
    );
    cards.extend(staff_links(l));
    staff_home(&a, &cards)
}
