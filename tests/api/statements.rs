//! Every SQL statement written as a literal in the areas' code is prepared against the migrated
//! schema of the engine under test (SQLite, or PostgreSQL when `GGZY_TEST_DATABASE_URL` is set; CI
//! runs both), so a query naming a column or table that does not exist, or with a syntax error,
//! fails here and not in production on the first request that reaches it (issue 17, item 2).
//!
//! The statements are read from the source: every string literal passed to `sqlx::query`,
//! `query_scalar` or `query_as`, and every `format!` passed to them (directly, or through a
//! `let sql = format!(…)` just before) whose arguments are known without running the code: the
//! engine's lock clause (`db.for_update()`, `for_share()`, `skip_locked()`, or a store
//! function's `lock` parameter holding one of them, rendered for the engine under test) and the
//! file's `const NAME: &str = "…"` column lists. What is assembled from
//! run-time values (the filter builder's conditions, the search's terms) is counted and listed
//! with `--nocapture`; its fixed parts are covered by the API tests that run it. A statement that
//! is only run on one engine (guarded by `db.engine()`) carries that engine's own SQL; it is
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

/// Where a lock clause of [`ggzy_store::Db`] stands in a rendered statement, until the engine
/// under test is known.
const LOCKS: [(&str, &str, &str); 3] = [
    (".for_update()", "\u{1}for_update\u{1}", " FOR UPDATE"),
    (".for_share()", "\u{1}for_share\u{1}", " FOR SHARE"),
    (
        ".skip_locked()",
        "\u{1}skip_locked\u{1}",
        " FOR UPDATE SKIP LOCKED",
    ),
];

/// `sql` with its lock markers rendered for `engine` (PostgreSQL's clause; nothing on SQLite,
/// exactly as `Db::for_update` and its siblings answer).
fn render(sql: &str, engine: Engine) -> String {
    let mut out = sql.to_string();
    for (_, marker, pg) in LOCKS {
        out = out.replace(marker, if engine == Engine::Postgres { pg } else { "" });
    }
    out
}

/// The file's `const NAME: &str = "…";` values.
fn consts(text: &str) -> std::collections::HashMap<String, String> {
    let mut out = std::collections::HashMap::new();
    for (at, _) in text.match_indices("const ") {
        let rest = &text[at + 6..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let Some(after) = rest[name.len()..].trim_start().strip_prefix(':') else {
            continue;
        };
        let Some(after) = after.trim_start().strip_prefix("&str") else {
            continue;
        };
        let Some(after) = after.trim_start().strip_prefix('=') else {
            continue;
        };
        if let Some(v) = literal(after.trim_start()) {
            out.insert(name, v);
        }
    }
    out
}

/// The end (exclusive) of the Rust string literal starting at `s[0]`.
fn literal_len(s: &str) -> Option<usize> {
    if let Some(rest) = s.strip_prefix('r') {
        let hashes = rest.chars().take_while(|&c| c == '#').count();
        let body = rest[hashes..].strip_prefix('"')?;
        let close = format!("\"{}", "#".repeat(hashes));
        return body
            .find(&close)
            .map(|end| 1 + hashes + 1 + end + close.len());
    }
    let mut escaped = false;
    for (i, c) in s.char_indices().skip(1) {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => return Some(i + 1),
            _ => {}
        }
    }
    None
}

/// The arguments after a format string, up to the closing parenthesis: `, a, b = c)` → `[a, b = c]`.
fn format_args(s: &str) -> Option<Vec<String>> {
    let mut args = Vec::new();
    let mut depth = 0i32;
    let mut cur = String::new();
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => {
                let n = literal_len(&s[i..])?;
                cur.push_str(&s[i..i + n]);
                for _ in 1..s[i..i + n].chars().count() {
                    chars.next();
                }
            }
            '(' | '[' | '{' => {
                depth += 1;
                cur.push(c);
            }
            ')' | ']' | '}' if depth > 0 => {
                depth -= 1;
                cur.push(c);
            }
            ')' => {
                if !cur.trim().is_empty() {
                    args.push(cur.trim().to_string());
                }
                return Some(args);
            }
            ',' if depth == 0 => {
                if !cur.trim().is_empty() {
                    args.push(cur.trim().to_string());
                }
                cur.clear();
            }
            _ => cur.push(c),
        }
    }
    None
}

/// The statement a `format!(` call (text after `format!(`) renders, when every argument is known
/// without running the code: a lock clause of the `Db` or a const of the file. `None` otherwise.
fn rendered(s: &str, known: &std::collections::HashMap<String, String>) -> Option<String> {
    let s = s.trim_start();
    let fmt = literal(s)?;
    let args = format_args(&s[literal_len(s)?..])?;
    let value = |expr: &str| -> Option<String> {
        let expr = expr.trim();
        // `db.for_update()`, or a choice between it and nothing (`if lock { db.for_update() }
        // else { "" }`): the locked text, which holds the other.
        for (call, marker, _) in LOCKS {
            if expr.contains(call) {
                return Some(marker.to_string());
            }
        }
        // A store function's `lock: &str` parameter is, by the stores' convention, the engine's
        // `Db::for_update()` or "".
        if expr == "lock" {
            return Some(LOCKS[0].1.to_string());
        }
        known.get(expr).cloned()
    };
    let mut positional = Vec::new();
    let mut named = std::collections::HashMap::new();
    for a in &args {
        match a.split_once('=') {
            Some((n, e)) if !n.contains(['(', '"', '.']) && !e.starts_with('=') => {
                named.insert(n.trim().to_string(), e.trim().to_string());
            }
            _ => positional.push(a.clone()),
        }
    }
    let mut out = String::new();
    let mut next = 0;
    let mut rest = fmt.as_str();
    while let Some(open) = rest.find(['{', '}']) {
        out.push_str(&rest[..open]);
        let tail = &rest[open..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push(tail.chars().next()?);
            rest = &tail[2..];
            continue;
        }
        let close = tail.find('}')?;
        let inner = &tail[1..close];
        let name = inner.split(':').next().unwrap_or("");
        let expr = if name.is_empty() {
            next += 1;
            positional.get(next - 1)?.clone()
        } else if let Ok(i) = name.parse::<usize>() {
            positional.get(i)?.clone()
        } else {
            named.get(name).cloned().unwrap_or_else(|| name.to_string())
        };
        out.push_str(&value(&expr)?);
        rest = &tail[close + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// Every statement of `crates/*/src` that is known without running the code, and the places of
/// those assembled at run time.
fn statements() -> Vec<Found> {
    scan().0
}

fn scan() -> (Vec<Found>, Vec<String>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    files.retain(|f| f.components().any(|c| c.as_os_str() == "src"));
    files.sort();
    let mut found = Vec::new();
    let mut dynamic = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).expect("read source");
        // A unit-test module (at the end of a file, by convention) works on its own scratch
        // tables, not the migrated schema.
        let text = match text.find("#[cfg(test)]\nmod tests") {
            Some(at) => text[..at].to_string(),
            None => text,
        };
        let known = consts(&text);
        // The first argument of each call: after `query(`, `query_scalar(`, `query_as(` (not
        // `my_query(`), or after the generic `query_scalar::<…>(` / `query_as::<…>(`.
        let mut starts = Vec::new();
        for call in ["query(", "query_scalar(", "query_as("] {
            for (at, _) in text.match_indices(call) {
                let ident_before = text[..at]
                    .chars()
                    .next_back()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_');
                if !ident_before {
                    starts.push((at, at + call.len()));
                }
            }
        }
        for call in ["query_scalar::<", "query_as::<"] {
            for (at, _) in text.match_indices(call) {
                let after = &text[at + call.len()..];
                let Some(close) = after.find(">(") else {
                    continue;
                };
                if after[..close].contains(';') {
                    continue;
                }
                starts.push((at, at + call.len() + close + 2));
            }
        }
        for (at, arg) in starts {
            let line = text[..at].matches('\n').count() + 1;
            let line_start = text[..at].rfind('\n').map_or(0, |n| n + 1);
            if text[line_start..at].trim_start().starts_with("//") {
                // An example in a doc comment.
                continue;
            }
            let rest = text[arg..].trim_start();
            let sql = if rest.starts_with('"') || rest.starts_with("r#") || rest.starts_with("r\"")
            {
                literal(rest)
            } else if let Some(fmt) = rest.strip_prefix("&format!(") {
                rendered(fmt, &known)
            } else if let Some(var) = rest.strip_prefix('&') {
                // `query(&sql)`: the nearest `let sql = format!(…)` before the call.
                let var: String = var
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                let def = format!("let {var} = format!(");
                text[..at]
                    .rfind(&def)
                    .and_then(|d| rendered(&text[d + def.len()..], &known))
            } else if rest.starts_with(')') || rest.starts_with("sql: &") {
                // A function named `query` taking no argument, or declaring one.
                continue;
            } else {
                None
            };
            match sql {
                Some(sql) => found.push(Found {
                    file: shown(&f),
                    line,
                    sql,
                }),
                None => dynamic.push(format!("{}:{line}", shown(&f).display())),
            }
        }
    }
    (found, dynamic)
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
    let known = consts("const COLS: &str = \"id, name\";\nconst N: usize = 3;");
    assert_eq!(known.len(), 1);
    assert_eq!(
        rendered(
            "\"SELECT {COLS}, {} FROM t WHERE a = $1{}\", \"x\".len(), db.for_update())",
            &known
        ),
        None,
        "a run-time argument leaves the statement unknown"
    );
    let sql = rendered(
        "\n  \"SELECT {COLS} FROM t WHERE a = $1{lock} {{x}}\",\n  lock = ctx.db.for_update(),\n)",
        &known,
    )
    .unwrap();
    assert_eq!(
        render(&sql, Engine::Postgres),
        "SELECT id, name FROM t WHERE a = $1 FOR UPDATE {x}"
    );
    assert_eq!(
        render(&sql, Engine::Sqlite),
        "SELECT id, name FROM t WHERE a = $1 {x}"
    );
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
    let (found, dynamic) = scan();
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
                let sql = render(&f.sql, engine);
                if let Err(e) = c.prepare(sql.as_str()).await {
                    failures.push(format!("{}:{}: {e}\n    {}", f.file.display(), f.line, sql));
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
        "{engine:?}: {prepared} statements prepared, {skipped} of the other engine skipped, {} failed; \
         {} assembled from run-time values (covered by the API tests that run them):\n  {}",
        failures.len(),
        dynamic.len(),
        dynamic.join("\n  ")
    );
    tdb.drop_db().await;
    assert!(
        failures.is_empty(),
        "{} statements do not prepare on {engine:?}:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
