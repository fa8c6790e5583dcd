//! Sealed bids: `bids` (every uploaded version with its receipt) and `server_keys` (the public
//! halves of the keys that signed receipts).

use chrono::{DateTime, Utc};
use ggzy_core::sql::At;
use ggzy_core::time::to_micros;
use ggzy_core::Result;
use ggzy_store::Db;
use sqlx::AnyConnection;

// server_keys

/// A published receipt key.
#[derive(sqlx::FromRow)]
pub(crate) struct ServerKeyRow {
    pub(crate) id: String,
    pub(crate) algorithm: String,
    pub(crate) public_key: String,
    #[sqlx(try_from = "At")]
    pub(crate) created_at: DateTime<Utc>,
}

/// Every key that signed receipts, oldest first.
pub(crate) async fn server_keys(db: &Db) -> Result<Vec<ServerKeyRow>> {
    Ok(sqlx::query_as(
        "SELECT id, algorithm, public_key, created_at FROM server_keys ORDER BY created_at, id",
    )
    .fetch_all(db.pool())
    .await?)
}

/// Remember the public half of a receipt key (a key already known stays).
pub(crate) async fn remember_public_key(
    conn: &mut AnyConnection,
    id: &str,
    public_key: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO server_keys (id, algorithm, secret_key, public_key, created_at) \
         VALUES ($1, 'ed25519', '', $2, $3) ON CONFLICT (id) DO NOTHING",
    )
    .bind(id)
    .bind(public_key)
    .bind(to_micros(at))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

// bids

/// A stored receipt: the signed JSON text, its signature and the key that made it.
#[derive(sqlx::FromRow)]
pub(crate) struct ReceiptRow {
    pub(crate) receipt: String,
    pub(crate) signature: String,
    pub(crate) key_id: String,
}

/// The bidder's current bid, as an upload finds it.
#[derive(sqlx::FromRow)]
pub(crate) struct CurrentBidRow {
    #[sqlx(flatten)]
    pub(crate) receipt: ReceiptRow,
    pub(crate) plaintext_digest: String,
    pub(crate) ciphertext_sha256: String,
    pub(crate) id: String,
}

/// The bidder's current bid for the section, if any.
pub(crate) async fn current_bid(
    conn: &mut AnyConnection,
    section_id: &str,
    org_id: &str,
) -> Result<Option<CurrentBidRow>> {
    Ok(sqlx::query_as(
        "SELECT receipt, signature, key_id, plaintext_digest, ciphertext_sha256, version, id \
         FROM bids WHERE section_id = $1 AND org_id = $2 AND status = 'current'",
    )
    .bind(section_id)
    .bind(org_id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// The highest version the bidder uploaded for the section (0 when none).
pub(crate) async fn max_version(
    conn: &mut AnyConnection,
    section_id: &str,
    org_id: &str,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COALESCE(MAX(version), 0) FROM bids WHERE section_id = $1 AND org_id = $2",
    )
    .bind(section_id)
    .bind(org_id)
    .fetch_one(&mut *conn)
    .await?)
}

/// A current bid replaced by a new upload.
pub(crate) async fn supersede(conn: &mut AnyConnection, id: &str, at: DateTime<Utc>) -> Result<()> {
    sqlx::query(
        "UPDATE bids SET status = 'superseded', updated_at = $1 WHERE id = $2 AND status = 'current'",
    )
    .bind(to_micros(at))
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A new current bid.
pub(crate) struct NewBid<'a> {
    pub(crate) id: &'a str,
    pub(crate) section_id: &'a str,
    pub(crate) org_id: &'a str,
    pub(crate) version: i64,
    pub(crate) plaintext_digest: &'a str,
    pub(crate) ciphertext_sha256: &'a str,
    pub(crate) size: i64,
    pub(crate) file_name: &'a str,
    pub(crate) device_fingerprint: Option<&'a str>,
    pub(crate) file_creator: Option<&'a str>,
    pub(crate) uploader_ip: &'a str,
    pub(crate) uploaded_by: &'a str,
    /// Received (and last changed) at.
    pub(crate) at: DateTime<Utc>,
    pub(crate) receipt: &'a str,
    pub(crate) signature: &'a str,
    pub(crate) key_id: &'a str,
    pub(crate) suite: &'a str,
    pub(crate) project_manager_id: Option<&'a str>,
    pub(crate) representative_id: Option<&'a str>,
}

pub(crate) async fn insert_bid(conn: &mut AnyConnection, b: &NewBid<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO bids (id, section_id, org_id, version, status, plaintext_digest, ciphertext_sha256, \
         size, file_name, device_fingerprint, file_creator, uploader_ip, uploaded_by, received_at, \
         receipt, signature, key_id, updated_at, suite, project_manager_id, representative_id) \
         VALUES ($1, $2, $3, $4, 'current', $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $13, $17, $18, $19)",
    )
    .bind(b.id)
    .bind(b.section_id)
    .bind(b.org_id)
    .bind(b.version)
    .bind(b.plaintext_digest)
    .bind(b.ciphertext_sha256)
    .bind(b.size)
    .bind(b.file_name)
    .bind(b.device_fingerprint)
    .bind(b.file_creator)
    .bind(b.uploader_ip)
    .bind(b.uploaded_by)
    .bind(to_micros(b.at))
    .bind(b.receipt)
    .bind(b.signature)
    .bind(b.key_id)
    .bind(b.suite)
    .bind(b.project_manager_id)
    .bind(b.representative_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A bid's id and version.
#[derive(sqlx::FromRow)]
pub(crate) struct BidVersionRow {
    pub(crate) id: String,
    pub(crate) version: i64,
}

/// The bidder's current bid's id and version, if any.
pub(crate) async fn current_version(
    conn: &mut AnyConnection,
    section_id: &str,
    org_id: &str,
) -> Result<Option<BidVersionRow>> {
    Ok(sqlx::query_as(
        "SELECT id, version FROM bids WHERE section_id = $1 AND org_id = $2 AND status = 'current'",
    )
    .bind(section_id)
    .bind(org_id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// The bidder's current bid's id, if any.
pub(crate) async fn current_bid_id(
    conn: &mut AnyConnection,
    section_id: &str,
    org_id: &str,
) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM bids WHERE section_id = $1 AND org_id = $2 AND status = 'current'",
    )
    .bind(section_id)
    .bind(org_id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// The bidder withdrew bid `id`.
pub(crate) async fn withdraw(conn: &mut AnyConnection, id: &str, at: DateTime<Utc>) -> Result<()> {
    sqlx::query("UPDATE bids SET status = 'withdrawn', updated_at = $1 WHERE id = $2")
        .bind(to_micros(at))
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A sealed bid voided at the deadline (joint bidding, 实施条例 34).
pub(crate) async fn void_joint_bid(
    conn: &mut AnyConnection,
    id: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "UPDATE bids SET decryption = 'void_joint_bid', updated_at = $1 WHERE id = $2 AND decryption = 'sealed'",
    )
    .bind(to_micros(at))
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// One version of a bidder's bid, with its receipt.
#[derive(sqlx::FromRow)]
pub(crate) struct MyBidRow {
    #[sqlx(flatten)]
    pub(crate) receipt: ReceiptRow,
    pub(crate) id: String,
    pub(crate) section_id: String,
    pub(crate) version: i64,
    pub(crate) status: String,
    pub(crate) decryption: String,
    #[sqlx(try_from = "At")]
    pub(crate) received_at: DateTime<Utc>,
    #[sqlx(try_from = "At")]
    pub(crate) updated_at: DateTime<Utc>,
}

const MY_BID_COLUMNS: &str = "receipt, signature, key_id, id, section_id, version, status, \
     decryption, received_at, updated_at";

/// The bidder's latest version: the current one, else the newest.
pub(crate) async fn latest_of(db: &Db, section_id: &str, org_id: &str) -> Result<Option<MyBidRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {MY_BID_COLUMNS} FROM bids WHERE section_id = $1 AND org_id = $2 \
         ORDER BY CASE WHEN status = 'current' THEN 0 ELSE 1 END, version DESC LIMIT 1"
    ))
    .bind(section_id)
    .bind(org_id)
    .fetch_optional(db.pool())
    .await?)
}

/// Every version the bidder uploaded for the section, oldest first.
pub(crate) async fn versions_of(db: &Db, section_id: &str, org_id: &str) -> Result<Vec<MyBidRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {MY_BID_COLUMNS} FROM bids WHERE section_id = $1 AND org_id = $2 ORDER BY version"
    ))
    .bind(section_id)
    .bind(org_id)
    .fetch_all(db.pool())
    .await?)
}

// bids at opening

/// The current bids of the section that count for the opening (bids voided at the deadline do not).
pub(crate) async fn countable_bids(conn: &mut AnyConnection, section_id: &str) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM bids WHERE section_id = $1 AND status = 'current' AND decryption <> 'void_joint_bid'",
    )
    .bind(section_id)
    .fetch_one(&mut *conn)
    .await?)
}

/// The current bids of the section still sealed.
pub(crate) async fn sealed_count(conn: &mut AnyConnection, section_id: &str) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM bids WHERE section_id = $1 AND status = 'current' AND decryption = 'sealed'",
    )
    .bind(section_id)
    .fetch_one(&mut *conn)
    .await?)
}

/// A current bid's bidder and decryption state.
#[derive(sqlx::FromRow)]
pub(crate) struct OrgDecryptionRow {
    pub(crate) org_id: String,
    pub(crate) decryption: String,
}

pub(crate) async fn current_bid_of_section(
    conn: &mut AnyConnection,
    id: &str,
    section_id: &str,
) -> Result<Option<OrgDecryptionRow>> {
    Ok(sqlx::query_as(
        "SELECT org_id, decryption FROM bids WHERE id = $1 AND section_id = $2 AND status = 'current'",
    )
    .bind(id)
    .bind(section_id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// Mark a sealed current bid as not decrypted (`decryption`, e.g. a platform fault); the rows
/// changed (0 or 1).
pub(crate) async fn set_undecrypted(
    conn: &mut AnyConnection,
    id: &str,
    decryption: &str,
    at: DateTime<Utc>,
) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE bids SET decryption = $1, decrypted_at = $2, updated_at = $2 \
         WHERE id = $3 AND status = 'current' AND decryption = 'sealed'",
    )
    .bind(decryption)
    .bind(to_micros(at))
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected())
}

/// Record a sealed current bid's decryption outcome and price; the rows changed (0 or 1).
pub(crate) async fn set_decrypted(
    conn: &mut AnyConnection,
    id: &str,
    decryption: &str,
    price_fen: Option<i64>,
    at: DateTime<Utc>,
) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE bids SET decryption = $1, price_fen = $2, decrypted_at = $3, updated_at = $3 \
         WHERE id = $4 AND status = 'current' AND decryption = 'sealed'",
    )
    .bind(decryption)
    .bind(price_fen)
    .bind(to_micros(at))
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected())
}

/// A sealed bid not decrypted in the window counts as revoked.
pub(crate) async fn revoke(conn: &mut AnyConnection, id: &str, at: DateTime<Utc>) -> Result<()> {
    sqlx::query(
        "UPDATE bids SET decryption = 'revoked', updated_at = $1 \
         WHERE id = $2 AND decryption = 'sealed'",
    )
    .bind(to_micros(at))
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The bidder's current bid file, as a key submission reads it.
#[derive(sqlx::FromRow)]
pub(crate) struct BidFileRow {
    pub(crate) id: String,
    pub(crate) file_name: String,
    pub(crate) plaintext_digest: String,
    pub(crate) size: i64,
    pub(crate) decryption: String,
    pub(crate) suite: Option<String>,
    pub(crate) ciphertext_sha256: String,
}

pub(crate) async fn current_bid_file(
    conn: &mut AnyConnection,
    section_id: &str,
    org_id: &str,
) -> Result<Option<BidFileRow>> {
    Ok(sqlx::query_as(
        "SELECT id, file_name, plaintext_digest, size, decryption, suite, ciphertext_sha256 FROM bids \
         WHERE section_id = $1 AND org_id = $2 AND status = 'current'",
    )
    .bind(section_id)
    .bind(org_id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// A current bid at the end of decryption, with its registration's name and USCC.
#[derive(sqlx::FromRow)]
pub(crate) struct OpenedBidRow {
    pub(crate) id: String,
    pub(crate) org_id: String,
    pub(crate) decryption: String,
    pub(crate) price_fen: Option<i64>,
    pub(crate) org_name: Option<String>,
    pub(crate) uscc: Option<String>,
    pub(crate) suite: Option<String>,
}

/// The section's current bids in order of receipt.
pub(crate) async fn opened_bids(
    conn: &mut AnyConnection,
    section_id: &str,
) -> Result<Vec<OpenedBidRow>> {
    Ok(sqlx::query_as(
        "SELECT b.id, b.org_id, b.decryption, b.price_fen, r.org_name, r.uscc, b.suite FROM bids b \
         LEFT JOIN section_registrations r ON r.section_id = b.section_id AND r.org_id = b.org_id \
         WHERE b.section_id = $1 AND b.status = 'current' ORDER BY b.received_at, b.id",
    )
    .bind(section_id)
    .fetch_all(&mut *conn)
    .await?)
}
