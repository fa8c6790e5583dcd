//! The engine-specific SQL of this area, in one place: full-text search and keeping its index.
//!
//! SQLite: an FTS5 table with the trigram tokenizer (`announcements_fts`), written when an
//! announcement is published. PostgreSQL: pg_trgm GIN indexes on `announcements`, used by
//! `ILIKE '%q%'`. Trigrams need at least 3 characters, so a 1–2 character query (common in Chinese:
//! 道路, 监理) falls back to a plain `LIKE` scan on both engines.

use ggzy_core::Result;
use ggzy_store::{Db, Engine, Tx};

/// Shortest query the trigram indexes can answer.
pub const TRIGRAM_MIN_CHARS: usize = 3;

/// How a search is added to the listing query: an extra join that drives it, or a WHERE fragment.
pub struct Search {
    /// Replaces `announcements a` in the FROM clause.
    pub from: String,
    /// Added to the WHERE clause.
    pub condition: String,
    /// The value bound to the placeholder.
    pub value: String,
}

/// Match `q` against title and body, with its bound value as placeholder `$n`.
///
/// On SQLite with a trigram-sized query the FTS5 table drives the query (`CROSS JOIN` fixes the
/// join order in SQLite): otherwise the planner walks the `(status, published_at)` index over every
/// published row and probes the FTS result for each — fine for 100 rows, 30 ms for 100,000.
pub fn search(db: &Db, q: &str, n: usize) -> Search {
    let chars = q.chars().count();
    if chars >= TRIGRAM_MIN_CHARS && db.engine() == Engine::Sqlite {
        // A quoted FTS5 string is a phrase; with trigram it matches that substring.
        let phrase = format!("\"{}\"", q.replace('"', "\"\""));
        Search {
            from: "announcements_fts f CROSS JOIN announcements a ON a.id = f.id".into(),
            condition: format!("f.announcements_fts MATCH ${n}"),
            value: phrase,
        }
    } else {
        let like = format!("%{}%", escape_like(q));
        let op = if db.engine() == Engine::Postgres && chars >= TRIGRAM_MIN_CHARS {
            "ILIKE"
        } else {
            "LIKE"
        };
        Search {
            from: "announcements a".into(),
            condition: format!(
                "(a.title {op} ${n} ESCAPE '\\' OR a.body_md {op} ${n} ESCAPE '\\')"
            ),
            value: like,
        }
    }
}

fn escape_like(q: &str) -> String {
    q.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// Put a published announcement's current text into the search index (SQLite only; PostgreSQL
/// indexes the table itself).
pub async fn index(tx: &mut Tx, db: &Db, id: &str, title: &str, body: &str) -> Result<()> {
    if db.engine() == Engine::Sqlite {
        // By rowid (the map), never by the UNINDEXED id column, which would scan the whole index.
        sqlx::query(
            "DELETE FROM announcements_fts WHERE rowid = \
             (SELECT fts_rowid FROM announcements_fts_rowids WHERE id = $1)",
        )
        .bind(id)
        .execute(&mut **tx)
        .await?;
        let rowid: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(fts_rowid), 0) + 1 FROM announcements_fts_rowids",
        )
        .fetch_one(&mut **tx)
        .await?;
        sqlx::query(
            "INSERT INTO announcements_fts (rowid, id, title, body) VALUES ($1, $2, $3, $4)",
        )
        .bind(rowid)
        .bind(id)
        .bind(title)
        .bind(body)
        .execute(&mut **tx)
        .await?;
        sqlx::query(
            "INSERT INTO announcements_fts_rowids (id, fts_rowid) VALUES ($1, $2) \
             ON CONFLICT (id) DO UPDATE SET fts_rowid = excluded.fts_rowid",
        )
        .bind(id)
        .bind(rowid)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
