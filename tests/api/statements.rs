//! Every SQL statement written as a literal in the areas' code is prepared against the migrated
//! schema of the engine under test (SQLite, or PostgreSQL when `GGZY_TEST_DATABASE_URL` is set; CI
//! runs both), so a query naming a column or table that does not exist, or with a syntax error,
//! fails here and not in production on the first request that reaches it (issue 17, item 2).
//!
//! The statements are read from the source: every string literal passed to `sqlx::query`,
//! `query_scalar` or `query_as`. Statements assembled at run time (`format!`, the filter builders)
//! are not seen here; their fixed parts are covered by the API tests that run them. A statement
//! that is only run on one engine (guarded by `db.engine()`) carries that engine's own SQL; it is
//! recognised by [`engine_only`] and prepared on that engine only.

use ggzy_api_tests::TestDb;
use ggzy_store::Engine;
use sqlx::{Connection, Executor};
use std::path::{Path, PathBuf};

/// One statement found in the source: where it is and its text.
#[derive(Debug)]
struct Found {
    file: PathBuf,
    line: usize,
    sql: String,
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The value of the Rust string literal starting at `s` (which begins with `"` or `r#…"`), or
/// `None` when it is not a complete literal.
fn literal(s: &str) -> Option<String> {
    if let Some(rest) = s.strip_prefix('r') {
        let hashes = rest.chars().take_while(|&c| c == '#').count();
        let body = rest[hashes..].strip_prefix('"')?;
        let close = format!("\"{}", "#".repeat(hashes));
        return body.find(&close).map(|end| body[..end].to_string());
    }
    let mut out = String::new();
    let mut chars = s.strip_prefix('"')?.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(out),
            '\\' => match chars.next()? {
                '\n' => {
                    while chars.peek().is_some_and(|c| c.is_whitespace()) {
                        chars.next();
                    }
                }
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'r' => out.push('\r'),
                '0' => out.push('\0'),
                other => out.push(other),
            },
            c => out.push(c),
        }
    }
    None
}

/// `f` from `crates/` on, as the repository names it.
fn shown(f: &Path) -> PathBuf {
    let parts: Vec<_> = f.components().collect();
    let from = parts
        .iter()
        .rposition(|c| c.as_os_str() == "crates")
        .unwrap_or(0);
    parts[from..].iter().collect()
}

/// Every literal statement of `crates/*/src`.
fn statements() -> Vec<Found> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    files.retain(|f| f.components().any(|c| c.as_os_str() == "src"));
    files.sort();
    let mut found = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).expect("read source");
        for call in ["query(", "query_scalar(", "query_as("] {
            for (at, _) in text.match_indices(call) {
                // `sqlx::query(` or a generic `query_scalar::<_, i64>(` — not `my_query(`.
                let before = &text[..at];
                let ident_before = before
                    .chars()
                    .next_back()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_');
                if ident_before {
                    continue;
                }
                let rest = text[at + call.len()..].trim_start();
                if !(rest.starts_with('"') || rest.starts_with("r#") || rest.starts_with("r\"")) {
                    continue;
                }
                if let Some(sql) = literal(rest) {
                    let line = before.matches('\n').count() + 1;
                    found.push(Found {
                        file: shown(&f),
                        line,
                        sql,
                    });
                }
            }
        }
        // Generic calls: `query_scalar::<…>(` and `query_as::<…>(`.
        for call in ["query_scalar::<", "query_as::<"] {
            for (at, _) in text.match_indices(call) {
                let after = &text[at + call.len()..];
                let Some(close) = after.find(">(") else {
                    continue;
                };
                if after[..close].contains(';') {
                    continue;
                }
                let rest = after[close + 2..].trim_start();
                if let Some(sql) = literal(rest) {
                    let line = text[..at].matches('\n').count() + 1;
                    found.push(Found {
                        file: shown(&f),
                        line,
                        sql,
                    });
                }
            }
        }
    }
    found
}

/// The engine a statement is written for when it uses SQL of one engine only; `None` for the
/// portable statements that must prepare on both.
fn engine_only(sql: &str) -> Option<Engine> {
    let s = sql.to_ascii_uppercase();
    let postgres = [
        "PG_",
        "::",
        "FOR UPDATE",
        "SKIP LOCKED",
        "ILIKE",
        "SIMILARITY",
        "GIN_TRGM",
        "WITH (FORCE)",
        "NOTIFY",
        "LISTEN ",
        "SET LOCAL",
        "ADVISORY",
        "CURRENT_SETTING",
        "INFORMATION_SCHEMA",
        "= ANY(",
    ];
    let sqlite = [
        "PRAGMA",
        "SQLITE_",
        "BEGIN IMMEDIATE",
        "INSERT OR ",
        "GLOB ",
        "RANDOMBLOB",
        // The FTS5 tables of the portal search on SQLite (PostgreSQL uses pg_trgm indexes).
        "ANNOUNCEMENTS_FTS",
    ];
    if postgres.iter().any(|k| s.contains(k)) {
        Some(Engine::Postgres)
    } else if sqlite.iter().any(|k| s.contains(k)) {
        Some(Engine::Sqlite)
    } else {
        None
    }
}

#[test]
fn the_source_scanner_reads_continued_raw_and_escaped_literals() {
    assert_eq!(
        literal("\"SELECT a \\\n         FROM t WHERE b = \\\"x\\\"\")").as_deref(),
        Some("SELECT a FROM t WHERE b = \"x\"")
    );
    assert_eq!(
        literal("r#\"SELECT \"a\" FROM t\"#, x)").as_deref(),
        Some("SELECT \"a\" FROM t")
    );
    assert_eq!(literal("\"unterminated"), None);
    assert_eq!(
        engine_only("SELECT pg_notify('a', '')"),
        Some(Engine::Postgres)
    );
    assert_eq!(engine_only("PRAGMA foreign_keys"), Some(Engine::Sqlite));
    assert_eq!(engine_only("SELECT id FROM users WHERE id = $1"), None);
    // The scanner finds the statements of every area (a scanner that finds nothing proves nothing).
    let found = statements();
    assert!(found.len() > 500, "{} statements found", found.len());
    for area in ["projects", "deposits", "auctions", "identity", "store"] {
        assert!(
            found
                .iter()
                .any(|f| f.file.components().any(|c| c.as_os_str() == area)),
            "no statement found in {area}"
        );
    }
}

#[tokio::test]
async fn every_literal_statement_prepares_on_the_migrated_schema() {
    let tdb = TestDb::new().await;
    let engine = tdb.engine();
    let found = statements();
    let (mine, others): (Vec<&Found>, Vec<&Found>) = found
        .iter()
        .partition(|f| engine_only(&f.sql).is_none_or(|e| e == engine));
    let skipped = others.len();
    // The same loop over each engine's own connection type (prepare is not in the Any driver's
    // portable surface).
    macro_rules! prepare_each {
        ($conn:ty, $what:literal) => {{
            let mut c = <$conn>::connect(&tdb.url).await.expect($what);
            let mut failures = Vec::new();
            for f in &mine {
                if let Err(e) = c.prepare(f.sql.as_str()).await {
                    failures.push(format!(
                        "{}:{}: {e}\n    {}",
                        f.file.display(),
                        f.line,
                        f.sql
                    ));
                }
            }
            c.close().await.ok();
            failures
        }};
    }
    let failures = match engine {
        Engine::Sqlite => prepare_each!(sqlx::SqliteConnection, "connect SQLite"),
        Engine::Postgres => prepare_each!(sqlx::PgConnection, "connect PostgreSQL"),
    };
    let prepared = mine.len() - failures.len();
    eprintln!(
        "{engine:?}: {prepared} statements prepared, {skipped} of the other engine skipped, {} failed",
        failures.len()
    );
    tdb.drop_db().await;
    assert!(
        failures.is_empty(),
        "{} statements do not prepare on {engine:?}:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
