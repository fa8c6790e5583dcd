//! The decrypted bids as the committee sees them: `eval_bid_documents` and
//! `eval_sme_declarations`.

use ggzy_core::Result;
use ggzy_events::projects::DecryptedDocument;
use ggzy_store::Tx;

/// The decrypted bid this document belongs to.
pub(crate) struct DecryptedBid<'a> {
    pub(crate) bid_id: &'a str,
    pub(crate) section_id: &'a str,
    pub(crate) org_id: &'a str,
    /// File-store key of the decrypted copy.
    pub(crate) file_key: &'a str,
}

/// Keep one document of a decrypted bid (a document already kept stays).
pub(crate) async fn insert_document(
    tx: &mut Tx,
    b: &DecryptedBid<'_>,
    d: &DecryptedDocument,
    at: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO eval_bid_documents (bid_id, n, section_id, org_id, name, media_type, size, sha256, \
         file_key, file_offset, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         ON CONFLICT (bid_id, n) DO NOTHING",
    )
    .bind(b.bid_id)
    .bind(d.n)
    .bind(b.section_id)
    .bind(b.org_id)
    .bind(&d.name)
    .bind(&d.media_type)
    .bind(d.size)
    .bind(&d.sha256)
    .bind(b.file_key)
    .bind(d.offset)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A document of a bid as listed to the committee.
#[derive(sqlx::FromRow)]
pub(crate) struct DocListRow {
    pub(crate) n: i64,
    pub(crate) name: String,
    pub(crate) media_type: String,
    pub(crate) size: i64,
    pub(crate) sha256: String,
}

/// The documents of a bid of the section, in manifest order.
pub(crate) async fn documents_of_bid(
    tx: &mut Tx,
    section_id: &str,
    bid_id: &str,
) -> Result<Vec<DocListRow>> {
    Ok(sqlx::query_as(
        "SELECT n, name, media_type, size, sha256 FROM eval_bid_documents \
         WHERE section_id = $1 AND bid_id = $2 ORDER BY n",
    )
    .bind(section_id)
    .bind(bid_id)
    .fetch_all(&mut **tx)
    .await?)
}

/// A document to read: where its bytes are and what they must hash to.
#[derive(sqlx::FromRow)]
pub(crate) struct DocRow {
    pub(crate) org_id: String,
    pub(crate) name: String,
    pub(crate) media_type: String,
    pub(crate) size: i64,
    pub(crate) sha256: String,
    pub(crate) file_key: String,
    #[sqlx(rename = "file_offset")]
    pub(crate) offset: i64,
}

/// Document `n` of a bid of the section.
pub(crate) async fn document(
    tx: &mut Tx,
    section_id: &str,
    bid_id: &str,
    n: i64,
) -> Result<Option<DocRow>> {
    Ok(sqlx::query_as(
        "SELECT org_id, name, media_type, size, sha256, file_key, file_offset FROM eval_bid_documents \
         WHERE section_id = $1 AND bid_id = $2 AND n = $3",
    )
    .bind(section_id)
    .bind(bid_id)
    .bind(n)
    .fetch_optional(&mut **tx)
    .await?)
}

// eval_sme_declarations

pub(crate) async fn delete_sme_declaration(
    tx: &mut Tx,
    section_id: &str,
    org_id: &str,
) -> Result<()> {
    sqlx::query("DELETE FROM eval_sme_declarations WHERE section_id = $1 AND org_id = $2")
        .bind(section_id)
        .bind(org_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub(crate) async fn insert_sme_declaration(
    tx: &mut Tx,
    section_id: &str,
    org_id: &str,
    scale: &str,
    by_small_micro: bool,
    at: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO eval_sme_declarations (section_id, org_id, scale, by_small_micro, recorded_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(section_id)
    .bind(org_id)
    .bind(scale)
    .bind(i64::from(by_small_micro))
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A bidder's SME declaration.
#[derive(sqlx::FromRow)]
pub(crate) struct DeclarationRow {
    pub(crate) org_id: String,
    pub(crate) scale: String,
    #[sqlx(try_from = "ggzy_core::sql::Flag")]
    pub(crate) by_small_micro: bool,
}

pub(crate) async fn sme_declarations(tx: &mut Tx, section_id: &str) -> Result<Vec<DeclarationRow>> {
    Ok(sqlx::query_as(
        "SELECT org_id, scale, by_small_micro FROM eval_sme_declarations WHERE section_id = $1",
    )
    .bind(section_id)
    .fetch_all(&mut **tx)
    .await?)
}
