//! `announcement_attachments` (the files of a draft, by SHA-256; migration 0012).

use ggzy_core::sql::At;
use ggzy_core::{Result, Timestamp};
use ggzy_store::Tx;

/// An attachment as stored.
#[derive(sqlx::FromRow)]
pub(crate) struct AttachmentRow {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) content_type: String,
    pub(crate) size: i64,
    pub(crate) sha256: String,
    #[sqlx(try_from = "At")]
    pub(crate) created_at: Timestamp,
}

/// The announcement's attachments, in the order they were added.
pub(crate) async fn list(
    conn: &mut sqlx::AnyConnection,
    announcement_id: &str,
) -> Result<Vec<AttachmentRow>> {
    Ok(sqlx::query_as(
        "SELECT id, name, content_type, size, sha256, created_at FROM announcement_attachments \
         WHERE announcement_id = $1 ORDER BY created_at, id",
    )
    .bind(announcement_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// A file attached to the announcement.
pub(crate) struct NewAttachment<'a> {
    pub(crate) id: &'a str,
    pub(crate) announcement_id: &'a str,
    pub(crate) name: &'a str,
    pub(crate) content_type: &'a str,
    pub(crate) size: i64,
    pub(crate) sha256: &'a str,
    pub(crate) created_at: Timestamp,
}

pub(crate) async fn insert(tx: &mut Tx, a: NewAttachment<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO announcement_attachments (id, announcement_id, name, content_type, size, sha256, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(a.id)
    .bind(a.announcement_id)
    .bind(a.name)
    .bind(a.content_type)
    .bind(a.size)
    .bind(a.sha256)
    .bind(At(a.created_at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}
