//! `remedy_attachments`: the stored attachments of the cases' grounds (migration 0221).

use ggzy_core::sql::At;
use ggzy_core::time::to_micros;
use ggzy_core::{Result, Timestamp};
use ggzy_store::Tx;

/// One stored attachment as a case shows it.
#[derive(sqlx::FromRow)]
pub(crate) struct AttachmentRow {
    pub(crate) id: String,
    pub(crate) file_name: String,
    pub(crate) content_type: String,
    pub(crate) size: i64,
    pub(crate) sha256: String,
    #[sqlx(try_from = "At")]
    pub(crate) uploaded_at: Timestamp,
}

/// Who uploaded an attachment and whether a case claimed it.
#[derive(sqlx::FromRow)]
pub(crate) struct ClaimRow {
    pub(crate) org_id: String,
    pub(crate) section_id: String,
    pub(crate) case_id: Option<String>,
}

/// An uploaded attachment as [`insert_attachment`] records it.
pub(crate) struct AttachmentInsert<'a> {
    pub(crate) id: &'a str,
    pub(crate) section_id: &'a str,
    pub(crate) org_id: &'a str,
    pub(crate) uploaded_by: &'a str,
    pub(crate) file_name: &'a str,
    pub(crate) content_type: &'a str,
    pub(crate) size: i64,
    pub(crate) sha256: &'a str,
    pub(crate) storage_key: &'a str,
    pub(crate) uploaded_at: Timestamp,
}

pub(crate) async fn insert_attachment(tx: &mut Tx, a: AttachmentInsert<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO remedy_attachments (id, section_id, org_id, uploaded_by, file_name, \
         content_type, size, sha256, storage_key, uploaded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(a.id)
    .bind(a.section_id)
    .bind(a.org_id)
    .bind(a.uploaded_by)
    .bind(a.file_name)
    .bind(a.content_type)
    .bind(a.size)
    .bind(a.sha256)
    .bind(a.storage_key)
    .bind(to_micros(a.uploaded_at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Who uploaded attachment `id` and its case (`for_update`: the engine's lock clause or "").
pub(crate) async fn claim_row(tx: &mut Tx, for_update: &str, id: &str) -> Result<Option<ClaimRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT org_id, section_id, case_id FROM remedy_attachments WHERE id = $1{for_update}"
    ))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?)
}

/// Attachment `id` becomes `case_id`'s.
pub(crate) async fn set_case(tx: &mut Tx, id: &str, case_id: &str) -> Result<()> {
    sqlx::query("UPDATE remedy_attachments SET case_id = $1 WHERE id = $2")
        .bind(case_id)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The attachments of a case, in upload order.
pub(crate) async fn attachments_of_case(
    conn: &mut sqlx::AnyConnection,
    case_id: &str,
) -> Result<Vec<AttachmentRow>> {
    Ok(sqlx::query_as(
        "SELECT id, file_name, content_type, size, sha256, uploaded_at FROM remedy_attachments \
         WHERE case_id = $1 ORDER BY uploaded_at, id",
    )
    .bind(case_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// Attachment `id` when `org_id` uploaded it for `section_id` and no case claimed it.
pub(crate) async fn unclaimed_attachment(
    conn: &mut sqlx::AnyConnection,
    id: &str,
    org_id: &str,
    section_id: &str,
) -> Result<Option<AttachmentRow>> {
    Ok(sqlx::query_as(
        "SELECT id, file_name, content_type, size, sha256, uploaded_at FROM remedy_attachments \
         WHERE id = $1 AND org_id = $2 AND section_id = $3 AND case_id IS NULL",
    )
    .bind(id)
    .bind(org_id)
    .bind(section_id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// Where the bytes of attachment `id` of `case_id` are stored.
pub(crate) async fn storage_key(
    conn: &mut sqlx::AnyConnection,
    id: &str,
    case_id: &str,
) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT storage_key FROM remedy_attachments WHERE id = $1 AND case_id = $2",
    )
    .bind(id)
    .bind(case_id)
    .fetch_optional(&mut *conn)
    .await?)
}
