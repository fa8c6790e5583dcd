//! `procurement_award_rules` and `procurement_awards` (government procurement's award path,
//! migration 0150) and `section_review_rejections` (the committee's rejections, migration 0151),
//! with what the path reads of `sections`, `projects`, `bids` and `section_qualifications`.

use chrono::{DateTime, NaiveDate, Utc};
use ggzy_core::sql::{At, Day, Flag, MaybeAt, MaybeDay};
use ggzy_core::{Result, Timestamp};
use ggzy_store::Tx;

// procurement_award_rules

/// A row of `procurement_award_rules`.
#[derive(sqlx::FromRow)]
pub(crate) struct RulesRow {
    pub(crate) report_send_days: i64,
    pub(crate) report_send_source: String,
    pub(crate) confirm_days: i64,
    pub(crate) confirm_source: String,
    pub(crate) announce_days: i64,
    pub(crate) announce_source: String,
    pub(crate) show_days: i64,
    pub(crate) show_source: String,
    pub(crate) contract_announce_days: i64,
    pub(crate) contract_announce_source: String,
}

/// The rules of a region: its row, else the `national` one.
pub(crate) async fn rules(
    conn: &mut sqlx::AnyConnection,
    region: &str,
    national: &str,
) -> Result<Option<RulesRow>> {
    Ok(sqlx::query_as(
        "SELECT report_send_days, report_send_source, confirm_days, confirm_source, announce_days, \
         announce_source, show_days, show_source, contract_announce_days, contract_announce_source \
         FROM procurement_award_rules WHERE region = $1 OR region = $2 \
         ORDER BY CASE WHEN region = $2 THEN 1 ELSE 0 END LIMIT 1",
    )
    .bind(region)
    .bind(national)
    .fetch_optional(&mut *conn)
    .await?)
}

// sections and projects

/// The project's region and id of a section.
#[derive(sqlx::FromRow)]
pub(crate) struct RegionRow {
    pub(crate) region: String,
    pub(crate) id: String,
}

/// The section's project region and id (the section exists).
pub(crate) async fn region_of(tx: &mut Tx, section_id: &str) -> Result<RegionRow> {
    Ok(sqlx::query_as(
        "SELECT p.region, p.id FROM sections s JOIN projects p ON p.id = s.project_id WHERE s.id = $1",
    )
    .bind(section_id)
    .fetch_one(&mut **tx)
    .await?)
}

/// Does the section exist?
pub(crate) async fn section_exists(tx: &mut Tx, section_id: &str) -> Result<bool> {
    Ok(sqlx::query("SELECT 1 FROM sections WHERE id = $1")
        .bind(section_id)
        .fetch_optional(&mut **tx)
        .await?
        .is_some())
}

// procurement_awards

/// A row of `procurement_awards` with its project's region.
#[derive(sqlx::FromRow)]
pub(crate) struct AwardPathRow {
    pub(crate) project_id: String,
    pub(crate) report_ref: String,
    #[sqlx(try_from = "At")]
    pub(crate) report_at: DateTime<Utc>,
    #[sqlx(try_from = "At")]
    pub(crate) report_send_due_at: DateTime<Utc>,
    #[sqlx(try_from = "Flag")]
    pub(crate) report_send_due_provisional: bool,
    #[sqlx(try_from = "MaybeAt")]
    pub(crate) report_sent_at: Option<DateTime<Utc>>,
    #[sqlx(try_from = "Flag")]
    pub(crate) report_sent_late: bool,
    #[sqlx(try_from = "MaybeAt")]
    pub(crate) confirm_due_at: Option<DateTime<Utc>>,
    #[sqlx(try_from = "Flag")]
    pub(crate) confirm_due_provisional: bool,
    #[sqlx(try_from = "MaybeAt")]
    pub(crate) confirmed_at: Option<DateTime<Utc>>,
    #[sqlx(try_from = "Flag")]
    pub(crate) deemed: bool,
    #[sqlx(try_from = "MaybeAt")]
    pub(crate) announce_due_at: Option<DateTime<Utc>>,
    #[sqlx(try_from = "Flag")]
    pub(crate) announce_due_provisional: bool,
    #[sqlx(try_from = "MaybeAt")]
    pub(crate) announced_at: Option<DateTime<Utc>>,
    pub(crate) announcement_id: Option<String>,
    #[sqlx(try_from = "Flag")]
    pub(crate) announce_late: bool,
    #[sqlx(try_from = "MaybeDay")]
    pub(crate) contract_signed_on: Option<NaiveDate>,
    #[sqlx(try_from = "MaybeAt")]
    pub(crate) contract_announce_due_at: Option<DateTime<Utc>>,
    #[sqlx(try_from = "Flag")]
    pub(crate) contract_announce_due_provisional: bool,
    #[sqlx(try_from = "MaybeAt")]
    pub(crate) contract_announced_at: Option<DateTime<Utc>>,
    pub(crate) contract_announcement_ref: Option<String>,
    #[sqlx(try_from = "Flag")]
    pub(crate) contract_announce_late: bool,
    #[sqlx(try_from = "MaybeAt")]
    pub(crate) filed_at: Option<DateTime<Utc>>,
    pub(crate) filing_ref: Option<String>,
    pub(crate) region: String,
}

/// The section's award path, if any.
pub(crate) async fn award_path(
    conn: &mut sqlx::AnyConnection,
    section_id: &str,
) -> Result<Option<AwardPathRow>> {
    Ok(sqlx::query_as(
        "SELECT a.project_id, a.report_ref, a.report_at, a.report_send_due_at, a.report_send_due_provisional, \
         a.report_sent_at, a.report_sent_late, a.confirm_due_at, a.confirm_due_provisional, a.confirmed_at, \
         a.deemed, a.announce_due_at, a.announce_due_provisional, a.announced_at, a.announcement_id, \
         a.announce_late, a.contract_signed_on, a.contract_announce_due_at, \
         a.contract_announce_due_provisional, a.contract_announced_at, a.contract_announcement_ref, \
         a.contract_announce_late, a.filed_at, a.filing_ref, p.region FROM procurement_awards a \
         JOIN projects p ON p.id = a.project_id WHERE a.section_id = $1",
    )
    .bind(section_id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// The path as opened when the committee's report arrives.
pub(crate) struct NewAwardPath<'a> {
    pub(crate) section_id: &'a str,
    pub(crate) project_id: &'a str,
    pub(crate) report_ref: &'a str,
    /// Also the row's creation time.
    pub(crate) report_at: Timestamp,
    pub(crate) report_send_due_at: Timestamp,
    pub(crate) report_send_due_provisional: bool,
}

pub(crate) async fn insert_award_path(tx: &mut Tx, a: NewAwardPath<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO procurement_awards (section_id, project_id, report_ref, report_at, report_send_due_at, \
         report_send_due_provisional, created_at) VALUES ($1, $2, $3, $4, $5, $6, $4)",
    )
    .bind(a.section_id)
    .bind(a.project_id)
    .bind(a.report_ref)
    .bind(At(a.report_at))
    .bind(At(a.report_send_due_at))
    .bind(Flag(a.report_send_due_provisional))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The report's sending due time while it is not sent; `None` once sent (or without a path).
pub(crate) async fn unsent_report_due(tx: &mut Tx, section_id: &str) -> Result<Option<Timestamp>> {
    Ok(sqlx::query_scalar::<_, At>(
        "SELECT report_send_due_at FROM procurement_awards WHERE section_id = $1 AND report_sent_at IS NULL",
    )
    .bind(section_id)
    .fetch_optional(&mut **tx)
    .await?
    .map(Timestamp::from))
}

/// Record the report as sent (received by the purchaser) and the confirmation period, once; the
/// rows changed (0 or 1).
pub(crate) async fn record_report_sent(
    tx: &mut Tx,
    section_id: &str,
    sent_at: Timestamp,
    late: bool,
    confirm_due_at: Timestamp,
    confirm_due_provisional: bool,
) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE procurement_awards SET report_sent_at = $1, report_sent_late = $2, confirm_due_at = $3, \
         confirm_due_provisional = $4 WHERE section_id = $5 AND report_sent_at IS NULL",
    )
    .bind(At(sent_at))
    .bind(Flag(late))
    .bind(At(confirm_due_at))
    .bind(Flag(confirm_due_provisional))
    .bind(section_id)
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// What a confirmation reads of the path.
#[derive(sqlx::FromRow)]
pub(crate) struct ConfirmRow {
    #[sqlx(try_from = "MaybeAt")]
    pub(crate) report_sent_at: Option<Timestamp>,
    #[sqlx(try_from = "MaybeAt")]
    pub(crate) confirm_due_at: Option<Timestamp>,
}

pub(crate) async fn confirm_state(tx: &mut Tx, section_id: &str) -> Result<Option<ConfirmRow>> {
    Ok(sqlx::query_as(
        "SELECT report_sent_at, confirm_due_at FROM procurement_awards WHERE section_id = $1",
    )
    .bind(section_id)
    .fetch_optional(&mut **tx)
    .await?)
}

/// Record the confirmation of the winner and the announcement period.
pub(crate) async fn record_confirmed(
    tx: &mut Tx,
    section_id: &str,
    confirmed_at: Timestamp,
    deemed: bool,
    announce_due_at: Timestamp,
    announce_due_provisional: bool,
) -> Result<()> {
    sqlx::query(
        "UPDATE procurement_awards SET confirmed_at = $1, deemed = $2, announce_due_at = $3, \
         announce_due_provisional = $4 WHERE section_id = $5",
    )
    .bind(At(confirmed_at))
    .bind(Flag(deemed))
    .bind(At(announce_due_at))
    .bind(Flag(announce_due_provisional))
    .bind(section_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Record the contract's signing day and the contract announcement period.
pub(crate) async fn record_contract_signed(
    tx: &mut Tx,
    section_id: &str,
    signed_on: NaiveDate,
    announce_due_at: Timestamp,
    announce_due_provisional: bool,
) -> Result<()> {
    sqlx::query(
        "UPDATE procurement_awards SET contract_signed_on = $1, contract_announce_due_at = $2, \
         contract_announce_due_provisional = $3 WHERE section_id = $4",
    )
    .bind(Day(signed_on))
    .bind(At(announce_due_at))
    .bind(Flag(announce_due_provisional))
    .bind(section_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A result announcement still pending after the confirmation.
#[derive(sqlx::FromRow)]
pub(crate) struct AnnounceDueRow {
    #[sqlx(try_from = "MaybeAt")]
    pub(crate) announce_due_at: Option<Timestamp>,
    pub(crate) project_id: String,
}

pub(crate) async fn pending_announcement(
    tx: &mut Tx,
    section_id: &str,
) -> Result<Option<AnnounceDueRow>> {
    Ok(sqlx::query_as(
        "SELECT announce_due_at, project_id FROM procurement_awards WHERE section_id = $1 \
         AND confirmed_at IS NOT NULL AND announced_at IS NULL",
    )
    .bind(section_id)
    .fetch_optional(&mut **tx)
    .await?)
}

/// Record the result announcement as published, once.
pub(crate) async fn record_announced(
    tx: &mut Tx,
    section_id: &str,
    published_at: Timestamp,
    announcement_id: &str,
    late: bool,
) -> Result<()> {
    sqlx::query(
        "UPDATE procurement_awards SET announced_at = $1, announcement_id = $2, announce_late = $3 \
         WHERE section_id = $4 AND announced_at IS NULL",
    )
    .bind(At(published_at))
    .bind(announcement_id)
    .bind(Flag(late))
    .bind(section_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Record the contract announcement, once.
pub(crate) async fn record_contract_announced(
    tx: &mut Tx,
    section_id: &str,
    at: Timestamp,
    announcement_ref: &str,
    late: bool,
) -> Result<()> {
    sqlx::query(
        "UPDATE procurement_awards SET contract_announced_at = $1, contract_announcement_ref = $2, \
         contract_announce_late = $3 WHERE section_id = $4 AND contract_announced_at IS NULL",
    )
    .bind(At(at))
    .bind(announcement_ref)
    .bind(Flag(late))
    .bind(section_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Record the contract's filing, once; the rows changed (0 or 1).
pub(crate) async fn record_filed(
    tx: &mut Tx,
    section_id: &str,
    at: Timestamp,
    filing_ref: &str,
) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE procurement_awards SET filed_at = $1, filing_ref = $2 WHERE section_id = $3 AND filed_at IS NULL",
    )
    .bind(At(at))
    .bind(filing_ref)
    .bind(section_id)
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// The deadlines of the path whose overdue alert is raised once.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Deadline {
    /// The report to the purchaser (`report_send_due_at`, `report_overdue_alerted`).
    Report,
    /// The result announcement (`announce_due_at`, `announce_overdue_alerted`).
    ResultAnnouncement,
    /// The contract announcement (`contract_announce_due_at`,
    /// `contract_announce_overdue_alerted`).
    ContractAnnouncement,
}

/// Mark the deadline's overdue alert raised, once, while its step is still open; the rows
/// changed (0 or 1).
pub(crate) async fn mark_overdue(tx: &mut Tx, d: Deadline, section_id: &str) -> Result<u64> {
    let q = match d {
        Deadline::Report => sqlx::query(
            "UPDATE procurement_awards SET report_overdue_alerted = 1 WHERE section_id = $1 \
             AND report_overdue_alerted = 0 AND report_sent_at IS NULL",
        ),
        Deadline::ResultAnnouncement => sqlx::query(
            "UPDATE procurement_awards SET announce_overdue_alerted = 1 WHERE section_id = $1 \
             AND announce_overdue_alerted = 0 AND announced_at IS NULL",
        ),
        Deadline::ContractAnnouncement => sqlx::query(
            "UPDATE procurement_awards SET contract_announce_overdue_alerted = 1 WHERE section_id = $1 \
             AND contract_announce_overdue_alerted = 0 AND contract_announced_at IS NULL",
        ),
    };
    Ok(q.bind(section_id).execute(&mut **tx).await?.rows_affected())
}

/// The project and one deadline (`due_at`) of a path.
#[derive(sqlx::FromRow)]
pub(crate) struct DueRow {
    pub(crate) project_id: String,
    #[sqlx(try_from = "MaybeAt")]
    pub(crate) due_at: Option<Timestamp>,
}

/// The project and the deadline's due time (the path exists).
pub(crate) async fn due_of(tx: &mut Tx, d: Deadline, section_id: &str) -> Result<DueRow> {
    let q = match d {
        Deadline::Report => sqlx::query_as(
            "SELECT project_id, report_send_due_at AS due_at FROM procurement_awards WHERE section_id = $1",
        ),
        Deadline::ResultAnnouncement => sqlx::query_as(
            "SELECT project_id, announce_due_at AS due_at FROM procurement_awards WHERE section_id = $1",
        ),
        Deadline::ContractAnnouncement => sqlx::query_as(
            "SELECT project_id, contract_announce_due_at AS due_at FROM procurement_awards WHERE section_id = $1",
        ),
    };
    Ok(q.bind(section_id).fetch_one(&mut **tx).await?)
}

// section_review_rejections and the bids they count against

/// Record the committee's rejection of an organization's bid (once).
pub(crate) async fn insert_rejection(
    tx: &mut Tx,
    section_id: &str,
    org_id: &str,
    event_id: &str,
    at: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO section_review_rejections (section_id, org_id, event_id, recorded_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (section_id, org_id) DO NOTHING",
    )
    .bind(section_id)
    .bind(org_id)
    .bind(event_id)
    .bind(At(at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// How many current bids were opened (decrypted).
pub(crate) async fn opened_count(tx: &mut Tx, section_id: &str) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM bids WHERE section_id = $1 AND status = 'current' AND decryption = 'decrypted'",
    )
    .bind(section_id)
    .fetch_one(&mut **tx)
    .await?)
}

/// How many of those were rejected by the committee or found not qualified.
pub(crate) async fn rejected_count(tx: &mut Tx, section_id: &str) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM bids b WHERE b.section_id = $1 AND b.status = 'current' \
         AND b.decryption = 'decrypted' AND (EXISTS (SELECT 1 FROM section_review_rejections r \
         WHERE r.section_id = b.section_id AND r.org_id = b.org_id) OR EXISTS (SELECT 1 FROM \
         section_qualifications q WHERE q.section_id = b.section_id AND q.org_id = b.org_id \
         AND q.qualified = 0))",
    )
    .bind(section_id)
    .fetch_one(&mut **tx)
    .await?)
}
