//! Capital increases (企业增资, migrations 0240 and 0249): `capital_increases` (the disclosure and its
//! phase), `capital_increase_criteria` (the disclosed criteria, 择优指标), `capital_increase_scores`,
//! `capital_increase_investors` and `capital_increase_selections` (the selection), and
//! `capital_increase_agreements` (the agreement, which is the deal).

use crate::capital_follow::InvestorLine;
use crate::capital_increase::Criterion;
use chrono::NaiveDate;
use ggzy_core::sql::{At, Flag, MaybeAt, MaybeMoney};
use ggzy_core::{Money, Result, Timestamp};
use ggzy_store::{Db, Tx};

// capital_increases

/// What the use cases read of a capital increase (a failed one reads as phase `failed`).
#[derive(sqlx::FromRow)]
pub(crate) struct Row0 {
    pub section_id: String,
    pub project_id: String,
    pub phase: crate::capital_increase::CapitalPhase,
    #[sqlx(try_from = "At")]
    pub disclosure_end: Timestamp,
    pub amount_sought_fen: i64,
    pub investors_sought: i64,
    pub amount_minimum_fen: Option<i64>,
}

/// A capital increase (`lock`: the engine's lock clause or "").
pub(crate) async fn capital_increase(
    conn: &mut sqlx::AnyConnection,
    id: &str,
    lock: &str,
) -> Result<Option<Row0>> {
    Ok(sqlx::query_as::<_, Row0>(&format!(
        "SELECT section_id, project_id, CASE WHEN failed_at IS NOT NULL THEN 'failed' ELSE phase END AS phase, disclosure_end, amount_sought_fen, \
         investors_sought, amount_minimum_fen FROM capital_increases WHERE id = $1{lock}"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// A capital increase as its view shows it.
#[derive(sqlx::FromRow)]
pub(crate) struct IncreaseRow {
    pub(crate) section_id: String,
    pub(crate) project_id: String,
    pub(crate) phase: crate::capital_increase::CapitalPhase,
    #[sqlx(try_from = "At")]
    pub(crate) disclosure_start: Timestamp,
    #[sqlx(try_from = "At")]
    pub(crate) disclosure_end: Timestamp,
    pub(crate) amount_sought_fen: Money,
    pub(crate) method: String,
    #[sqlx(try_from = "Flag")]
    pub(crate) periods_provisional: bool,
    #[sqlx(try_from = "MaybeAt")]
    pub(crate) failed_at: Option<Timestamp>,
    pub(crate) failure_reason: Option<String>,
    pub(crate) investors_sought: i64,
    pub(crate) amount_minimum_fen: Option<i64>,
}

pub(crate) async fn increase_view(
    conn: &mut sqlx::AnyConnection,
    id: &str,
) -> Result<Option<IncreaseRow>> {
    Ok(sqlx::query_as(
        "SELECT section_id, project_id, CASE WHEN failed_at IS NOT NULL THEN 'failed' ELSE phase END AS phase, disclosure_start, disclosure_end, \
         amount_sought_fen, method, periods_provisional, failed_at, failure_reason, \
         investors_sought, amount_minimum_fen FROM capital_increases WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// A new capital increase in its disclosure phase.
pub(crate) struct NewIncrease<'a> {
    pub(crate) id: &'a str,
    pub(crate) section_id: &'a str,
    pub(crate) project_id: &'a str,
    pub(crate) disclosure_start: Timestamp,
    pub(crate) disclosure_end: Timestamp,
    pub(crate) amount_sought: Money,
    pub(crate) method: &'a str,
    pub(crate) periods_provisional: bool,
    pub(crate) created_by: &'a str,
    pub(crate) created_at: Timestamp,
    pub(crate) investors_sought: i64,
    pub(crate) amount_minimum: Option<Money>,
}

/// Insert the section's capital increase; `false` when the section already has one.
pub(crate) async fn insert_increase(tx: &mut Tx, n: &NewIncrease<'_>) -> Result<bool> {
    let res = sqlx::query(
        "INSERT INTO capital_increases (id, section_id, project_id, disclosure_start, disclosure_end, \
         amount_sought_fen, method, phase, periods_provisional, created_by, created_at, investors_sought, \
         amount_minimum_fen) VALUES ($1, $2, $3, $4, $5, $6, $7, 'disclosure', $8, $9, $10, $11, $12) \
         ON CONFLICT (section_id) DO NOTHING",
    )
    .bind(n.id)
    .bind(n.section_id)
    .bind(n.project_id)
    .bind(At(n.disclosure_start))
    .bind(At(n.disclosure_end))
    .bind(n.amount_sought)
    .bind(n.method)
    .bind(Flag(n.periods_provisional))
    .bind(n.created_by)
    .bind(At(n.created_at))
    .bind(n.investors_sought)
    .bind(n.amount_minimum.map(|m| m.fen()))
    .execute(&mut **tx)
    .await?;
    Ok(res.rows_affected() == 1)
}

/// The selection made: phase `disclosure` → `selected`.
pub(crate) async fn mark_selected(tx: &mut Tx, id: &str) -> Result<()> {
    sqlx::query(
        "UPDATE capital_increases SET phase = 'selected' WHERE id = $1 AND phase = 'disclosure'",
    )
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The agreement signed: phase `selected` → `agreed`.
pub(crate) async fn mark_agreed(tx: &mut Tx, id: &str) -> Result<()> {
    sqlx::query(
        "UPDATE capital_increases SET phase = 'agreed' WHERE id = $1 AND phase = 'selected'",
    )
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Record the failure of a capital increase in its disclosure; `false` when it is no longer
/// there (or already failed).
pub(crate) async fn mark_failed(
    tx: &mut Tx,
    id: &str,
    reason: &str,
    failed_by: &str,
    at: Timestamp,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE capital_increases SET failed_at = $1, failure_reason = $2, failed_by = $3 \
         WHERE id = $4 AND phase = 'disclosure' AND failed_at IS NULL",
    )
    .bind(At(at))
    .bind(reason)
    .bind(failed_by)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A section of a capital increase: what opening one reads of it.
#[derive(sqlx::FromRow)]
pub(crate) struct IncreaseSectionRow {
    pub(crate) project_id: String,
    pub(crate) market: String,
    pub(crate) procedure: String,
    pub(crate) announced_at: Option<i64>,
    /// The first pre-disclosure's publication (信息预披露), if one was published.
    pub(crate) predisclosed_at: Option<i64>,
}

pub(crate) async fn increase_section(
    db: &Db,
    section_id: &str,
) -> Result<Option<IncreaseSectionRow>> {
    Ok(sqlx::query_as(
        "SELECT project_id, market, procedure, announced_at, predisclosed_at FROM auction_sections \
         WHERE section_id = $1",
    )
    .bind(section_id)
    .fetch_optional(db.pool())
    .await?)
}

/// The `capital_increase` sections `org_id` registered without a capital increase yet.
pub(crate) async fn openable_sections(
    db: &Db,
    org_id: &str,
) -> Result<Vec<crate::enterprise_pages::OpenableSection>> {
    Ok(sqlx::query_as(
        "SELECT s.section_id, s.name, s.announced_at FROM auction_sections s \
         WHERE s.owner_org_id = $1 AND s.market = 'property' AND s.procedure = 'capital_increase' \
         AND NOT EXISTS (SELECT 1 FROM capital_increases c WHERE c.section_id = s.section_id) \
         ORDER BY s.name, s.section_id LIMIT 200",
    )
    .bind(org_id)
    .fetch_all(db.pool())
    .await?)
}

/// One capital increase in a list.
#[derive(sqlx::FromRow)]
pub(crate) struct ItemRow {
    pub(crate) id: String,
    pub(crate) section_id: String,
    pub(crate) project_id: String,
    pub(crate) name: String,
    pub(crate) phase: crate::capital_increase::CapitalPhase,
    #[sqlx(try_from = "At")]
    pub(crate) disclosure_start: Timestamp,
    #[sqlx(try_from = "At")]
    pub(crate) disclosure_end: Timestamp,
    pub(crate) amount_sought_fen: Money,
}

/// Every capital increase, latest disclosure end first (at most 200).
pub(crate) async fn all_increases(db: &Db) -> Result<Vec<ItemRow>> {
    Ok(sqlx::query_as(
        "SELECT c.id, c.section_id, c.project_id, COALESCE(s.name, '') AS name, \
         CASE WHEN c.failed_at IS NOT NULL THEN 'failed' ELSE c.phase END AS phase, c.disclosure_start, c.disclosure_end, c.amount_sought_fen \
         FROM capital_increases c LEFT JOIN auction_sections s ON s.section_id = c.section_id \
         ORDER BY c.disclosure_end DESC, c.id LIMIT 200",
    )
    .fetch_all(db.pool())
    .await?)
}

/// The capital increases of the sections `org_id` registered, latest disclosure end first.
pub(crate) async fn owned_increases(db: &Db, org_id: &str) -> Result<Vec<ItemRow>> {
    Ok(sqlx::query_as(
        "SELECT c.id, c.section_id, c.project_id, COALESCE(s.name, '') AS name, \
         CASE WHEN c.failed_at IS NOT NULL THEN 'failed' ELSE c.phase END AS phase, c.disclosure_start, c.disclosure_end, c.amount_sought_fen \
         FROM capital_increases c LEFT JOIN auction_sections s ON s.section_id = c.section_id WHERE s.owner_org_id = $1 \
         ORDER BY c.disclosure_end DESC, c.id LIMIT 200",
    )
    .bind(org_id)
    .fetch_all(db.pool())
    .await?)
}

/// A capital increase with the calling investor's own state.
#[derive(sqlx::FromRow)]
pub(crate) struct MineRow {
    pub(crate) id: String,
    pub(crate) section_id: String,
    pub(crate) name: String,
    pub(crate) phase: crate::capital_increase::CapitalPhase,
    #[sqlx(try_from = "At")]
    pub(crate) disclosure_start: Timestamp,
    #[sqlx(try_from = "At")]
    pub(crate) disclosure_end: Timestamp,
    pub(crate) amount_sought_fen: Money,
    pub(crate) method: String,
    #[sqlx(try_from = "MaybeMoney")]
    pub(crate) deposit_fen: Option<Money>,
    pub(crate) registered: Option<i64>,
    pub(crate) deposit_valid: Option<i64>,
    pub(crate) number: Option<String>,
    pub(crate) investor_org_id: Option<String>,
    #[sqlx(try_from = "MaybeMoney")]
    pub(crate) agreed_fen: Option<Money>,
    pub(crate) my_amount_fen: Option<i64>,
}

/// Every capital increase with `org_id`'s registration, number, selection and agreed amount.
pub(crate) async fn increases_of_investor(
    conn: &mut sqlx::AnyConnection,
    org_id: &str,
) -> Result<Vec<MineRow>> {
    Ok(sqlx::query_as(
        "SELECT c.id, c.section_id, COALESCE(s.name, '') AS name, \
         CASE WHEN c.failed_at IS NOT NULL THEN 'failed' ELSE c.phase END AS phase, c.disclosure_start, \
         c.disclosure_end, c.amount_sought_fen, c.method, s.deposit_fen, \
         b.registered, b.deposit_valid, b.number, sel.investor_org_id, ag.amount_fen AS agreed_fen, \
         mi.amount_fen AS my_amount_fen \
         FROM capital_increases c \
         LEFT JOIN auction_sections s ON s.section_id = c.section_id \
         LEFT JOIN auction_bidders b ON b.section_id = c.section_id AND b.org_id = $1 \
         LEFT JOIN capital_increase_selections sel ON sel.capital_increase_id = c.id \
         LEFT JOIN capital_increase_agreements ag ON ag.capital_increase_id = c.id \
         LEFT JOIN capital_increase_investors mi ON mi.capital_increase_id = c.id AND mi.org_id = $1 \
         ORDER BY c.disclosure_end DESC, c.id LIMIT 200",
    )
    .bind(org_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// The registered investors of a section: numbered ones first by number, then the others.
pub(crate) async fn section_investors(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
) -> Result<Vec<InvestorLine>> {
    Ok(sqlx::query_as(
        "SELECT org_id, number, registered, deposit_valid FROM auction_bidders \
         WHERE section_id = $1 AND registered = 1 \
         ORDER BY CASE WHEN number IS NULL THEN 1 ELSE 0 END, number, org_id",
    )
    .bind(section_id)
    .fetch_all(&mut *conn)
    .await?)
}

// capital_increase_criteria

pub(crate) async fn insert_criterion(
    tx: &mut Tx,
    id: &str,
    seq: i64,
    name: &str,
    weight: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO capital_increase_criteria (capital_increase_id, seq, name, weight) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(id)
    .bind(seq)
    .bind(name)
    .bind(weight)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The disclosed criteria, in order.
pub(crate) async fn criteria(conn: &mut sqlx::AnyConnection, id: &str) -> Result<Vec<Criterion>> {
    Ok(sqlx::query_as(
        "SELECT name, weight FROM capital_increase_criteria WHERE capital_increase_id = $1 ORDER BY seq",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?)
}

// capital_increase_investors, capital_increase_scores, capital_increase_selections

/// One selected investor (`seq`: its place, best first).
pub(crate) async fn insert_investor(
    tx: &mut Tx,
    id: &str,
    seq: i64,
    org_id: &str,
    amount_fen: i64,
    total_centi: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO capital_increase_investors (capital_increase_id, seq, org_id, amount_fen, \
         total_centi) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(seq)
    .bind(org_id)
    .bind(amount_fen)
    .bind(total_centi)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The selected investors' organizations, best first.
pub(crate) async fn chosen_investors(
    conn: &mut sqlx::AnyConnection,
    id: &str,
) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT org_id FROM capital_increase_investors WHERE capital_increase_id = $1 ORDER BY seq",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?)
}

/// A selected investor with its bidder number in the section.
#[derive(sqlx::FromRow)]
pub(crate) struct InvestorRow {
    pub(crate) org_id: String,
    pub(crate) amount_fen: i64,
    pub(crate) total_centi: i64,
    pub(crate) number: Option<String>,
}

/// The selected investors, best first, with their bidder numbers in `section_id`.
pub(crate) async fn investors_with_numbers(
    tx: &mut Tx,
    id: &str,
    section_id: &str,
) -> Result<Vec<InvestorRow>> {
    Ok(sqlx::query_as(
        "SELECT i.org_id, i.amount_fen, i.total_centi, b.number FROM capital_increase_investors i \
         LEFT JOIN auction_bidders b ON b.section_id = $2 AND b.org_id = i.org_id \
         WHERE i.capital_increase_id = $1 ORDER BY i.seq",
    )
    .bind(id)
    .bind(section_id)
    .fetch_all(&mut **tx)
    .await?)
}

/// One investor's points on one criterion.
pub(crate) async fn insert_score(
    tx: &mut Tx,
    id: &str,
    org_id: &str,
    amount_fen: i64,
    criterion: &str,
    points_centi: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO capital_increase_scores (capital_increase_id, org_id, amount_fen, \
         criterion, points_centi) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(org_id)
    .bind(amount_fen)
    .bind(criterion)
    .bind(points_centi)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// One investor's points on one criterion, with its bidder number.
#[derive(sqlx::FromRow)]
pub(crate) struct ScoreRow {
    pub(crate) org_id: String,
    pub(crate) amount_fen: i64,
    pub(crate) criterion: String,
    pub(crate) points_centi: i64,
    pub(crate) number: Option<String>,
}

/// Every score, by investor and criterion, with the bidder numbers in `section_id`.
pub(crate) async fn scores(
    conn: &mut sqlx::AnyConnection,
    id: &str,
    section_id: &str,
) -> Result<Vec<ScoreRow>> {
    Ok(sqlx::query_as(
        "SELECT c.org_id, c.amount_fen, c.criterion, c.points_centi, b.number \
         FROM capital_increase_scores c LEFT JOIN auction_bidders b \
         ON b.section_id = $2 AND b.org_id = c.org_id \
         WHERE c.capital_increase_id = $1 ORDER BY c.org_id, c.criterion",
    )
    .bind(id)
    .bind(section_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// The selection decided.
pub(crate) struct NewSelection<'a> {
    pub(crate) investor_org_id: &'a str,
    pub(crate) amount_fen: i64,
    pub(crate) total_centi: i64,
    pub(crate) lot_seed: Option<&'a str>,
    pub(crate) notes: &'a str,
    pub(crate) decided_by: &'a str,
    pub(crate) decided_at: Timestamp,
}

pub(crate) async fn insert_selection(tx: &mut Tx, id: &str, s: &NewSelection<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO capital_increase_selections (capital_increase_id, investor_org_id, amount_fen, \
         total_centi, lot_seed, notes, decided_by, decided_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(s.investor_org_id)
    .bind(s.amount_fen)
    .bind(s.total_centi)
    .bind(s.lot_seed)
    .bind(s.notes)
    .bind(s.decided_by)
    .bind(At(s.decided_at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The selection as the view shows it.
#[derive(sqlx::FromRow)]
pub(crate) struct SelectionRow {
    pub(crate) investor_org_id: String,
    pub(crate) amount_fen: Money,
    pub(crate) total_centi: i64,
    pub(crate) lot_seed: Option<String>,
    pub(crate) notes: String,
    #[sqlx(try_from = "At")]
    pub(crate) decided_at: Timestamp,
}

pub(crate) async fn selection(
    conn: &mut sqlx::AnyConnection,
    id: &str,
) -> Result<Option<SelectionRow>> {
    Ok(sqlx::query_as(
        "SELECT investor_org_id, amount_fen, total_centi, lot_seed, notes, decided_at \
         FROM capital_increase_selections WHERE capital_increase_id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// The selected investor, the total amount and when it was decided.
#[derive(sqlx::FromRow)]
pub(crate) struct SelectedRow {
    pub(crate) investor_org_id: String,
    pub(crate) amount_fen: i64,
    #[sqlx(try_from = "At")]
    pub(crate) decided_at: Timestamp,
}

pub(crate) async fn selected(tx: &mut Tx, id: &str) -> Result<SelectedRow> {
    Ok(sqlx::query_as(
        "SELECT investor_org_id, amount_fen, decided_at FROM capital_increase_selections \
         WHERE capital_increase_id = $1",
    )
    .bind(id)
    .fetch_one(&mut **tx)
    .await?)
}

// capital_increase_agreements

/// The agreement (增资协议), which is the deal.
pub(crate) struct NewAgreement<'a> {
    pub(crate) deal_id: &'a str,
    pub(crate) agreement_no: &'a str,
    pub(crate) signed_on: NaiveDate,
    pub(crate) amount_fen: i64,
    pub(crate) publicity_start: Timestamp,
    pub(crate) publicity_end: Timestamp,
    pub(crate) recorded_by: &'a str,
    pub(crate) recorded_at: Timestamp,
}

pub(crate) async fn insert_agreement(tx: &mut Tx, id: &str, a: &NewAgreement<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO capital_increase_agreements (capital_increase_id, deal_id, agreement_no, \
         signed_on, amount_fen, publicity_start, publicity_end, recorded_by, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(id)
    .bind(a.deal_id)
    .bind(a.agreement_no)
    .bind(a.signed_on.to_string())
    .bind(a.amount_fen)
    .bind(At(a.publicity_start))
    .bind(At(a.publicity_end))
    .bind(a.recorded_by)
    .bind(At(a.recorded_at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The agreement as the view shows it.
#[derive(sqlx::FromRow)]
pub(crate) struct AgreementRow {
    pub(crate) deal_id: String,
    pub(crate) agreement_no: String,
    pub(crate) signed_on: String,
    pub(crate) amount_fen: Money,
    #[sqlx(try_from = "At")]
    pub(crate) publicity_start: Timestamp,
    #[sqlx(try_from = "At")]
    pub(crate) publicity_end: Timestamp,
}

pub(crate) async fn agreement(
    conn: &mut sqlx::AnyConnection,
    id: &str,
) -> Result<Option<AgreementRow>> {
    Ok(sqlx::query_as(
        "SELECT deal_id, agreement_no, signed_on, amount_fen, publicity_start, publicity_end \
         FROM capital_increase_agreements WHERE capital_increase_id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?)
}
