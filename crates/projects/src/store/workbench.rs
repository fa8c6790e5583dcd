//! The bidder's workbench reads (invitations, open sections, its receipts, opening and result
//! views) over `sections`, `projects`, `section_invitees`, `nontender_invitees`,
//! `section_registrations`, `bid_openings` and `bids`.

use ggzy_core::sql::{At, MaybeAt};
use ggzy_core::time::to_micros;
use ggzy_core::{Money, Result, Timestamp};
use ggzy_store::Db;

/// [`crate::workbench::BidInvitation`] as read.
#[derive(sqlx::FromRow)]
pub(crate) struct InvitationRow {
    pub(crate) section_id: String,
    pub(crate) project_id: String,
    pub(crate) code: Option<String>,
    pub(crate) project_name: String,
    pub(crate) section_name: String,
    pub(crate) market: String,
    pub(crate) procedure: String,
    pub(crate) state: String,
    #[sqlx(try_from = "At")]
    pub(crate) bid_deadline: Timestamp,
    pub(crate) source: String,
    #[sqlx(try_from = "At")]
    pub(crate) invited_at: Timestamp,
    #[sqlx(try_from = "MaybeAt")]
    pub(crate) registered_at: Option<Timestamp>,
}

/// A section open for registration, with the caller's registration time.
#[derive(sqlx::FromRow)]
pub(crate) struct OpenSectionRow {
    pub(crate) section_id: String,
    pub(crate) project_id: String,
    pub(crate) code: Option<String>,
    pub(crate) project_name: String,
    pub(crate) section_no: i64,
    pub(crate) section_name: String,
    pub(crate) market: String,
    pub(crate) procedure: String,
    pub(crate) deposit_fen: Money,
    #[sqlx(try_from = "At")]
    pub(crate) bid_deadline: Timestamp,
    #[sqlx(try_from = "At")]
    pub(crate) opening_at: Timestamp,
    #[sqlx(try_from = "MaybeAt")]
    pub(crate) registered_at: Option<Timestamp>,
}

/// The section columns of the receipts page.
#[derive(sqlx::FromRow)]
pub(crate) struct ReceiptsSectionRow {
    pub(crate) id: String,
    pub(crate) code: Option<String>,
    pub(crate) project_name: String,
    pub(crate) section_name: String,
    pub(crate) state: String,
    #[sqlx(try_from = "At")]
    pub(crate) bid_deadline: Timestamp,
}

/// The section and opening columns of the opening page.
#[derive(sqlx::FromRow)]
pub(crate) struct OpeningViewRow {
    pub(crate) project_name: String,
    pub(crate) section_name: String,
    pub(crate) state: String,
    #[sqlx(try_from = "At")]
    pub(crate) opening_at: Timestamp,
    pub(crate) opening_state: Option<String>,
    #[sqlx(try_from = "MaybeAt")]
    pub(crate) started_at: Option<Timestamp>,
    #[sqlx(try_from = "MaybeAt")]
    pub(crate) window_ends_at: Option<Timestamp>,
    pub(crate) my_decryption: Option<String>,
}

/// The section columns of the result page.
#[derive(sqlx::FromRow)]
pub(crate) struct ResultSectionRow {
    pub(crate) project_name: String,
    pub(crate) section_name: String,
    pub(crate) state: String,
}

/// The organization's USCC in the area's copy of organizations.
pub(crate) async fn org_uscc(db: &Db, org_id: &str) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT uscc FROM project_orgs WHERE id = $1")
            .bind(org_id)
            .fetch_optional(db.pool())
            .await?,
    )
}

/// The sections the organization (`uscc`, `org_id`) is invited to that still take registrations
/// at `now`, by deadline (at most 200).
pub(crate) async fn invitations(
    db: &Db,
    uscc: &str,
    org_id: &str,
    now: Timestamp,
) -> Result<Vec<InvitationRow>> {
    Ok(sqlx::query_as(
        "SELECT s.id AS section_id, p.id AS project_id, p.code, p.name AS project_name, \
         s.name AS section_name, p.market, p.procedure, s.state, s.bid_deadline, i.source, \
         i.invited_at, r.created_at AS registered_at \
         FROM (SELECT section_id, 'letter' AS source, invited_at FROM section_invitees WHERE uscc = $1 \
               UNION ALL \
               SELECT section_id, source, invited_at FROM nontender_invitees WHERE uscc = $1) i \
         JOIN sections s ON s.id = i.section_id JOIN projects p ON p.id = s.project_id \
         LEFT JOIN section_registrations r ON r.section_id = s.id AND r.org_id = $2 \
         WHERE s.state IN ('registered', 'announced', 'bidding') AND s.bid_deadline > $3 \
         ORDER BY s.bid_deadline, s.id LIMIT 200",
    )
    .bind(uscc)
    .bind(org_id)
    .bind(to_micros(now))
    .fetch_all(db.pool())
    .await?)
}

/// The sections bidding at `now` (of `market` unless empty) that the organization may register
/// for, by deadline (at most 200), with its registration time. An invited tender (邀请招标, 招标投标法
/// 第十七条: not announced to the public) and a non-tender section whose suppliers were drawn or
/// recommended (财政部令第74号 第十二条) are listed only to their invitees.
pub(crate) async fn open_sections(
    db: &Db,
    org_id: &str,
    now: Timestamp,
    market: &str,
) -> Result<Vec<OpenSectionRow>> {
    Ok(sqlx::query_as(
        "SELECT s.id AS section_id, p.id AS project_id, p.code, p.name AS project_name, s.section_no, \
         s.name AS section_name, p.market, p.procedure, s.deposit_fen, \
         s.bid_deadline, s.opening_at, r.created_at AS registered_at \
         FROM sections s JOIN projects p ON p.id = s.project_id \
         LEFT JOIN section_registrations r ON r.section_id = s.id AND r.org_id = $1 \
         WHERE s.state = 'bidding' AND s.bid_deadline > $2 AND ($3 = '' OR p.market = $3) \
         AND (NOT EXISTS (SELECT 1 FROM section_invitees v WHERE v.section_id = s.id) \
              OR EXISTS (SELECT 1 FROM section_invitees v JOIN project_orgs o ON o.uscc = v.uscc \
                         WHERE v.section_id = s.id AND o.id = $1)) \
         AND (NOT EXISTS (SELECT 1 FROM nontender_invitations n \
                          WHERE n.section_id = s.id AND n.method <> 'announcement') \
              OR EXISTS (SELECT 1 FROM nontender_invitees v JOIN project_orgs o ON o.uscc = v.uscc \
                         WHERE v.section_id = s.id AND o.id = $1)) \
         ORDER BY s.bid_deadline, s.id LIMIT 200",
    )
    .bind(org_id)
    .bind(to_micros(now))
    .bind(market)
    .fetch_all(db.pool())
    .await?)
}

/// A section the organization registered for, for its receipts page.
pub(crate) async fn receipts_section(
    db: &Db,
    org_id: &str,
    section_id: &str,
) -> Result<Option<ReceiptsSectionRow>> {
    Ok(sqlx::query_as(
        "SELECT s.id, p.code, p.name AS project_name, s.name AS section_name, s.state, s.bid_deadline \
         FROM sections s JOIN projects p ON p.id = s.project_id \
         JOIN section_registrations r ON r.section_id = s.id AND r.org_id = $1 \
         WHERE s.id = $2",
    )
    .bind(org_id)
    .bind(section_id)
    .fetch_optional(db.pool())
    .await?)
}

/// A section the organization registered for, with its opening and the organization's bid's
/// decryption state.
pub(crate) async fn opening_view(
    db: &Db,
    org_id: &str,
    section_id: &str,
) -> Result<Option<OpeningViewRow>> {
    Ok(sqlx::query_as(
        "SELECT p.name AS project_name, s.name AS section_name, s.state, s.opening_at, \
         o.state AS opening_state, o.started_at, o.window_ends_at, \
         (SELECT b.decryption FROM bids b WHERE b.section_id = s.id AND b.org_id = $1 AND b.status = 'current') \
         AS my_decryption \
         FROM sections s JOIN projects p ON p.id = s.project_id \
         JOIN section_registrations r ON r.section_id = s.id AND r.org_id = $1 \
         LEFT JOIN bid_openings o ON o.section_id = s.id \
         WHERE s.id = $2",
    )
    .bind(org_id)
    .bind(section_id)
    .fetch_optional(db.pool())
    .await?)
}

/// A section the organization registered for, for its result page.
pub(crate) async fn result_section(
    db: &Db,
    org_id: &str,
    section_id: &str,
) -> Result<Option<ResultSectionRow>> {
    Ok(sqlx::query_as(
        "SELECT p.name AS project_name, s.name AS section_name, s.state FROM sections s JOIN projects p ON p.id = s.project_id \
         JOIN section_registrations r ON r.section_id = s.id AND r.org_id = $1 WHERE s.id = $2",
    )
    .bind(org_id)
    .bind(section_id)
    .fetch_optional(db.pool())
    .await?)
}
