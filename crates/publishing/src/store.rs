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

/// A WHERE fragment matching `q` against title and body, with its bound value, using placeholder `$n`.
pub fn search_clause(db: &Db, q: &str, n: usize) -> (String, String) {
    let chars = q.chars().count();
    if chars >= TRIGRAM_MIN_CHARS && db.engine() == Engine::Sqlite {
        // A quoted FTS5 string is a phrase; with trigram it matches that substring.
        let phrase = format!("\"{}\"", q.replace('"', "\"\""));
        (
            format!(
                "a.id IN (SELECT id FROM announcements_fts WHERE announcements_fts MATCH ${n})"
            ),
            phrase,
        )
    } else {
        let like = format!("%{}%", escape_like(q));
        let op = if db.engine() == Engine::Postgres && chars >= TRIGRAM_MIN_CHARS {
            "ILIKE"
        } else {
            "LIKE"
        };
        (
            format!("(a.title {op} ${n} ESCAPE '\\' OR a.body_md {op} ${n} ESCAPE '\\')"),
            like,
        )
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
        sqlx::query("DELETE FROM announcements_fts WHERE id = $1")
            .bind(id)
            .execute(&mut **tx)
            .await?;
        sqlx::query("INSERT INTO announcements_fts (id, title, body) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(title)
            .bind(body)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}
