//! `announcement_search_docs` and `announcement_terms` (migration 0215): the portal search index
//! and its queries, the area's engine-specific SQL.
//!
//! Search is served by a posting table of our own, the same on both engines (issue 23):
//!
//! - `announcement_search_docs`: one row per public (published or withdrawn) announcement with its
//!   status, publishing time and its title and body *normalized* ([`normalize`]: full-width forms
//!   folded to ASCII, lower case) — the text the phrase is verified against.
//! - `announcement_terms (term, status, published_at, announcement_id)`, primary key in that order:
//!   every distinct term of the title and body ([`terms`]): each pair of adjacent CJK characters
//!   (bigram) and each Latin/digit word. The key order is the query's order, so the newest
//!   announcements holding a term are read straight off the index, already sorted.
//!
//! A query is cut into the same terms; the rarest one (bounded counts) drives the walk over its
//! postings, newest first, each other term is probed by primary key (`EXISTS`), and the phrase is
//! verified on the normalized text of the candidate. Results, cursor and visibility are those of
//! the plain list (`a.status`, the other filters). Both the terms and the text rows are written in
//! the transaction that publishes or withdraws the announcement ([`index`]); rows published
//! before the index existed are indexed at start-up by [`backfill`] (idempotent, safe with N
//! instances). Why a table and not an embedded engine (tantivy): docs/benchmarks.md, "Portal
//! search (index)".
//!
//! Matching: Chinese (CJK) text matches as a substring of the title or the body, like `LIKE
//! '%q%'`; Latin letters and digits match whole words, case-insensitively (`epc` finds `EPC总承包`,
//! not `EPCM`). A query without any term (one CJK character, punctuation only) falls back to
//! checking the normalized text of every public announcement (a scan, as before).

use ggzy_core::time::to_micros;
use ggzy_core::Result;
use ggzy_store::{Db, Engine, Tx};
use sqlx::Row;

/// Postings rows per multi-row INSERT / DELETE (4 bound values each).
const CHUNK: usize = 200;
/// Beyond this many postings a term counts as "frequent" when the driving term is chosen.
const COUNT_CAP: i64 = 1000;
/// Most terms of one query checked through the index (the rarest ones); the phrase check covers
/// the rest.
const MAX_PROBES: usize = 8;
/// Most terms of one query counted to choose the driving one.
const MAX_COUNTED: usize = 32;
/// Longest word kept as one term (longer words are cut, in documents and queries alike).
const MAX_WORD: usize = 64;

/// Fold a character the way documents and queries are compared: full-width ASCII forms
/// (`ＡＢＣ１２３`, U+FF01–U+FF5E) to ASCII, the ideographic space to a space, then lower case.
pub fn normalize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let c = match c as u32 {
            0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            0x3000 => ' ',
            _ => c,
        };
        out.extend(c.to_lowercase());
    }
    out
}

/// A character indexed by bigrams: CJK ideographs (with extensions and compatibility forms),
/// kana and hangul syllables.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF   // hiragana, katakana
        | 0x3400..=0x4DBF // CJK extension A
        | 0x4E00..=0x9FFF // CJK unified ideographs
        | 0xAC00..=0xD7AF // hangul syllables
        | 0xF900..=0xFAFF // CJK compatibility ideographs
        | 0x20000..=0x3FFFF) // extensions B–H
}

/// The distinct terms of an already [`normalize`]d text, in order of first appearance: every
/// bigram of adjacent CJK characters and every run of other letters and digits (a word, cut at
/// [`MAX_WORD`] characters). Anything else (spaces, punctuation, symbols) separates terms; a
/// lone CJK character yields no term.
pub fn terms(normalized: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut push = |t: String| {
        if seen.insert(t.clone()) {
            out.push(t);
        }
    };
    let mut prev_cjk: Option<char> = None;
    let mut word = String::new();
    let mut word_len = 0;
    for c in normalized.chars() {
        if is_cjk(c) {
            if let Some(p) = prev_cjk {
                push(format!("{p}{c}"));
            }
            prev_cjk = Some(c);
        } else {
            prev_cjk = None;
        }
        if !is_cjk(c) && c.is_alphanumeric() {
            if word_len < MAX_WORD {
                word.push(c);
                word_len += 1;
            }
        } else if !word.is_empty() {
            push(std::mem::take(&mut word));
            word_len = 0;
        }
    }
    if !word.is_empty() {
        push(word);
    }
    out
}

/// How a search is added to the listing query.
pub struct Search {
    /// Replaces `announcements a` in the FROM clause.
    pub from: String,
    /// Added to the WHERE clause.
    pub condition: String,
    /// The values bound to the placeholders `$n`, `$n+1`, … of `from` and `condition`.
    pub values: Vec<String>,
    /// The publishing time column to order and page by (`… DESC`).
    pub published_at: &'static str,
    /// The id column to order and page by (`… DESC`), after `published_at`.
    pub id: &'static str,
}

/// Match `q` against title and body among announcements in `status`, with placeholders from
/// `$n` on. Reads the postings counts of the query's terms to choose the driving one.
pub async fn search(db: &Db, q: &str, status: &str, n: usize) -> Result<Search> {
    let phrase = normalize(q.trim());
    let pg = db.engine() == Engine::Postgres;
    let contains = |col: &str, p: usize| {
        if pg {
            format!("strpos({col}, ${p}) > 0")
        } else {
            format!("instr({col}, ${p}) > 0")
        }
    };
    let mut ts = terms(&phrase);
    if ts.is_empty() {
        // Nothing indexable (a lone CJK character, punctuation): check every public text.
        return Ok(Search {
            from: "announcements a JOIN announcement_search_docs d ON d.announcement_id = a.id"
                .into(),
            condition: format!("({} OR {})", contains("d.title", n), contains("d.body", n)),
            values: vec![phrase],
            published_at: "a.published_at",
            id: "a.id",
        });
    }
    // A long query: its first MAX_COUNTED terms choose the walk (the phrase check covers the rest).
    ts.truncate(MAX_COUNTED);
    // Rarest first: a bounded count per term (an index range of at most COUNT_CAP entries each),
    // all in one statement; a single term needs none.
    let mut counted: Vec<(i64, String)> = Vec::with_capacity(ts.len());
    if ts.len() == 1 {
        counted.push((0, ts.remove(0)));
    } else {
        let cols = (0..ts.len())
            .map(|i| {
                format!(
                    "(SELECT COUNT(*) FROM (SELECT 1 FROM announcement_terms WHERE term = ${} \
                     AND status = $1 LIMIT {COUNT_CAP}) x{i}) AS c{i}",
                    i + 2
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!("SELECT {cols}");
        // Unprepared, like the search itself (service::queries): a cached generic plan of these
        // counts does not know how frequent the terms are.
        let mut cq = sqlx::query(&sql).persistent(false).bind(status);
        for t in &ts {
            cq = cq.bind(t);
        }
        let row = cq.fetch_one(db.pool()).await?;
        for (i, t) in ts.drain(..).enumerate() {
            counted.push((row.try_get::<i64, _>(format!("c{i}").as_str())?, t));
        }
    }
    counted.sort_by_key(|(c, _)| *c);
    counted.truncate(MAX_PROBES);
    let join = if pg { "JOIN" } else { "CROSS JOIN" };
    // Joined by id only: a redundant `a.published_at = t.published_at` made PostgreSQL multiply
    // the selectivities, expect one row, and sort the whole postings list instead of walking it.
    let from = format!(
        "announcement_terms t {join} announcements a ON a.id = t.announcement_id \
         {join} announcement_search_docs d ON d.announcement_id = t.announcement_id"
    );
    let mut values = vec![status.to_string(), phrase];
    let (st, ph) = (n, n + 1);
    let mut conds = Vec::new();
    for (i, (_, t)) in counted.into_iter().enumerate() {
        let p = n + values.len();
        values.push(t);
        if i == 0 {
            conds.push(format!("t.term = ${p} AND t.status = ${st}"));
        } else {
            // OFFSET 0 keeps PostgreSQL from turning the probe into a (hash) semi-join over the
            // whole postings list of a frequent term: it stays a primary-key lookup per candidate.
            conds.push(format!(
                "EXISTS (SELECT 1 FROM announcement_terms u WHERE u.term = ${p} \
                 AND u.status = t.status AND u.published_at = t.published_at \
                 AND u.announcement_id = t.announcement_id{})",
                if pg { " OFFSET 0" } else { "" }
            ));
        }
    }
    conds.push(format!(
        "({} OR {})",
        contains("d.title", ph),
        contains("d.body", ph)
    ));
    Ok(Search {
        from,
        condition: conds.join(" AND "),
        values,
        published_at: "t.published_at",
        id: "t.announcement_id",
    })
}

/// Bring the index of announcement `id` in line with its current row: a published or withdrawn
/// announcement gets (or keeps) its text row and postings under its current status; any other
/// state has none. Call in the transaction that changed the row (which holds its lock).
pub async fn index(tx: &mut Tx, id: &str) -> Result<()> {
    let row: Option<TextRow> = sqlx::query_as(
        "SELECT title, body_md, status, published_at FROM announcements WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = row else { return Ok(()) };
    let status = row.status;
    let public = matches!(status.as_str(), "published" | "withdrawn");
    let new = match row.published_at {
        Some(p) if public => Some(Doc {
            status,
            published_at: p,
            title: normalize(&row.title),
            body: normalize(&row.body_md),
        }),
        _ => None,
    };
    let old: Option<Doc> = sqlx::query_as(
        "SELECT status, published_at, title, body FROM announcement_search_docs \
         WHERE announcement_id = $1",
    )
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(old) = old {
        if new.as_ref() == Some(&old) {
            return Ok(());
        }
        delete_postings(tx, id, &old).await?;
        sqlx::query("DELETE FROM announcement_search_docs WHERE announcement_id = $1")
            .bind(id)
            .execute(&mut **tx)
            .await?;
    }
    if let Some(new) = new {
        insert_doc(tx, id, &new).await?;
    }
    Ok(())
}

/// Index a published announcement just inserted in `tx` with this text (bulk seeding).
pub async fn index_new(
    tx: &mut Tx,
    id: &str,
    title: &str,
    body: &str,
    published_at: ggzy_core::Timestamp,
) -> Result<()> {
    let d = Doc {
        status: "published".into(),
        published_at: to_micros(published_at),
        title: normalize(title),
        body: normalize(body),
    };
    insert_doc(tx, id, &d).await
}

/// An announcement's text as [`index`] reads it.
#[derive(sqlx::FromRow)]
struct TextRow {
    title: String,
    body_md: String,
    status: String,
    published_at: Option<i64>,
}

/// A row of `announcement_search_docs` (the normalized text of a public announcement).
#[derive(PartialEq, sqlx::FromRow)]
struct Doc {
    status: String,
    published_at: i64,
    title: String,
    body: String,
}

impl Doc {
    fn terms(&self) -> Vec<String> {
        let mut ts = terms(&self.title);
        let mut seen: std::collections::HashSet<String> = ts.iter().cloned().collect();
        for t in terms(&self.body) {
            if seen.insert(t.clone()) {
                ts.push(t);
            }
        }
        ts
    }
}

async fn insert_doc(tx: &mut Tx, id: &str, d: &Doc) -> Result<()> {
    sqlx::query(
        "INSERT INTO announcement_search_docs (announcement_id, status, published_at, title, body) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(&d.status)
    .bind(d.published_at)
    .bind(&d.title)
    .bind(&d.body)
    .execute(&mut **tx)
    .await?;
    for chunk in d.terms().chunks(CHUNK) {
        let mut sql = String::from(
            "INSERT INTO announcement_terms (term, status, published_at, announcement_id) VALUES ",
        );
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push(',');
            }
            sql.push_str(&format!("(${}, $1, $2, $3)", i + 4));
        }
        let mut q = sqlx::query(&sql)
            .bind(&d.status)
            .bind(d.published_at)
            .bind(id);
        for t in chunk {
            q = q.bind(t);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Deletes by primary key (the terms are recomputed from the stored text), so the postings need
/// no second index on the announcement id.
async fn delete_postings(tx: &mut Tx, id: &str, d: &Doc) -> Result<()> {
    for chunk in d.terms().chunks(CHUNK) {
        let list = (0..chunk.len())
            .map(|i| format!("${}", i + 4))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "DELETE FROM announcement_terms WHERE status = $1 AND published_at = $2 \
             AND announcement_id = $3 AND term IN ({list})"
        );
        let mut q = sqlx::query(&sql)
            .bind(&d.status)
            .bind(d.published_at)
            .bind(id);
        for t in chunk {
            q = q.bind(t);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Index every public announcement that has no text row yet (published before the index existed),
/// in batches of one transaction each. Idempotent and safe with N instances: each announcement is
/// locked (its row, on PostgreSQL; the single writer on SQLite) and skipped if another instance
/// or a publish/withdraw indexed it meanwhile. Returns how many it indexed.
pub async fn backfill(db: &Db) -> Result<u64> {
    let mut done = 0u64;
    let mut after = String::new();
    loop {
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT a.id FROM announcements a WHERE a.status IN ('published', 'withdrawn') \
             AND a.published_at IS NOT NULL AND a.id > $1 \
             AND NOT EXISTS (SELECT 1 FROM announcement_search_docs d WHERE d.announcement_id = a.id) \
             ORDER BY a.id LIMIT 200",
        )
        .bind(&after)
        .fetch_all(db.pool())
        .await?;
        let Some(last) = ids.last() else {
            return Ok(done);
        };
        after = last.clone();
        let mut tx = db.begin().await?;
        for id in &ids {
            sqlx::query(&format!(
                "SELECT id FROM announcements WHERE id = $1{}",
                db.for_update()
            ))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            let have: Option<i64> = sqlx::query_scalar(
                "SELECT 1 FROM announcement_search_docs WHERE announcement_id = $1",
            )
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            if have.is_none() {
                index(&mut tx, id).await?;
                done += 1;
            }
        }
        db.commit(tx).await?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn cjk_text_gives_bigrams_and_latin_text_words() {
        assert_eq!(terms("道路改造"), ["道路", "路改", "改造"]);
        assert_eq!(terms("监理"), ["监理"]);
        // A lone CJK character yields nothing; digits between CJK are a word.
        assert_eq!(terms("第12345标段"), ["12345", "标段"]);
        assert_eq!(
            terms("epc总承包 road-works"),
            ["epc", "总承", "承包", "road", "works"]
        );
        // Punctuation (ASCII and CJK) separates; no bigram crosses it.
        assert_eq!(terms("道路，改造（一期）"), ["道路", "改造", "一期"]);
        assert_eq!(terms("a.b_c"), ["a", "b", "c"]);
        assert_eq!(terms("路"), Vec::<String>::new());
        assert_eq!(terms("  ，。!?"), Vec::<String>::new());
        // Repeated terms are kept once.
        assert_eq!(terms("道路道路"), ["道路", "路道"]);
        // Kana and hangul are bigrammed too.
        assert_eq!(terms("カタ한국"), ["カタ", "タ한", "한국"]);
    }

    #[test]
    fn full_width_forms_and_case_fold_to_ascii_lower_case() {
        assert_eq!(normalize("ＥＰＣ１２３　Road"), "epc123 road");
        assert_eq!(terms(&normalize("ＥＰＣ总承包")), ["epc", "总承", "承包"]);
        assert_eq!(normalize("（道路）"), "(道路)");
        // CJK text is unchanged.
        assert_eq!(normalize("道路改造"), "道路改造");
    }

    #[test]
    fn long_words_are_cut_the_same_way_in_documents_and_queries() {
        let w = "a".repeat(100);
        assert_eq!(terms(&w), ["a".repeat(MAX_WORD)]);
    }

    fn text() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                Just('道'),
                Just('路'),
                Just('改'),
                Just('造'),
                Just('监'),
                Just('理'),
                Just('a'),
                Just('B'),
                Just('7'),
                Just('Ｚ'),
                Just('９'),
                Just(' '),
                Just('，'),
                Just('-'),
                Just('（'),
                Just('　'),
            ],
            0..24,
        )
        .prop_map(|v| v.into_iter().collect())
    }

    proptest! {
        /// Whatever CJK substring of a document a query is, every term of the query is a term of
        /// the document: the index never loses a match the phrase check would accept.
        #[test]
        fn a_cjk_substring_query_has_only_terms_of_the_document(doc in text(), a in 0usize..24, len in 0usize..24) {
            let d = normalize(&doc);
            let chars: Vec<char> = d.chars().collect();
            let a = a.min(chars.len());
            let b = (a + len).min(chars.len());
            // Cut the query on word boundaries so its words are whole words of the document.
            let word = |c: char| c.is_alphanumeric() && !is_cjk(c);
            let boundary = |i: usize| {
                i == 0 || i == chars.len() || !(word(chars[i - 1]) && word(chars[i]))
            };
            prop_assume!(boundary(a) && boundary(b));
            let q: String = chars[a..b].iter().collect();
            let dt: std::collections::HashSet<String> = terms(&d).into_iter().collect();
            for t in terms(&q) {
                prop_assert!(dt.contains(&t), "{t:?} of {q:?} not in {d:?}");
            }
        }

        /// Terms are distinct, non-empty, contain no separator, and normalizing is idempotent.
        #[test]
        fn terms_are_distinct_clean_and_stable(doc in text()) {
            let d = normalize(&doc);
            prop_assert_eq!(normalize(&d), d.clone());
            let ts = terms(&d);
            let set: std::collections::HashSet<&String> = ts.iter().collect();
            prop_assert_eq!(set.len(), ts.len());
            for t in &ts {
                prop_assert!(!t.is_empty());
                prop_assert!(t.chars().all(|c| c.is_alphanumeric()), "{t:?}");
                let cjk = t.chars().filter(|c| is_cjk(*c)).count();
                prop_assert!(cjk == 0 || (cjk == 2 && t.chars().count() == 2), "{t:?}");
            }
        }
    }
}
