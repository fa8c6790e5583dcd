//! Portal search through the posting index (issue 23): CJK bigrams and Latin words, the phrase
//! verified on the candidates, the same visibility, order and cursor as the plain list, and the
//! plan that uses the index for a 2-character term on both engines.

use crate::publishing::{create, tender, urlencode};
use ggzy_api_tests::TestApp;
use ggzy_store::Engine;
use serde_json::json;

/// Logged in once: argon2 in a debug build dominates a test that publishes seven times.
struct Publisher {
    tenderer: String,
    staff: String,
}

impl Publisher {
    async fn new(app: &TestApp) -> Publisher {
        Publisher {
            tenderer: app.login("tenderer").await,
            staff: app.login("staff").await,
        }
    }

    async fn publish(&self, app: &TestApp, title: &str, body: &str) -> String {
        let mut t = tender(title, "2026-03-23T09:00:00+08:00");
        t["body"] = json!(body);
        let id = create(app, &self.tenderer, t).await;
        for (who, step) in [(&self.tenderer, "submit"), (&self.staff, "approve")] {
            let (s, v) = app.announcement_step(who, &id, step).await;
            assert_eq!(s, 200, "{v}");
        }
        // One minute apart, so newest first is a visible order.
        app.clock().advance(chrono::Duration::minutes(1));
        id
    }
}

/// Ids found for `q` (with extra query string `more`), newest first, and the next cursor.
async fn found(app: &TestApp, q: &str, more: &str) -> (Vec<String>, Option<String>) {
    let (s, v) = app
        .get(
            None,
            &format!("/api/v1/announcements?q={}{more}", urlencode(q)),
        )
        .await;
    assert_eq!(s, 200, "q={q}: {v}");
    let ids = v["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|a| a["id"].as_str().expect("id").to_string())
        .collect();
    (ids, v["next_cursor"].as_str().map(str::to_string))
}

async fn plan(app: &TestApp, q: &str) -> String {
    use sqlx::Row;
    let db = &app.ctx.db;
    let s = ggzy_publishing::store::search(db, q, "published", 2)
        .await
        .expect("search");
    let explain = match db.engine() {
        Engine::Postgres => "EXPLAIN",
        Engine::Sqlite => "EXPLAIN QUERY PLAN",
    };
    let sql = format!(
        "{explain} SELECT a.id FROM {} WHERE a.status = $1 AND {} ORDER BY {} DESC, {} DESC LIMIT 21",
        s.from, s.condition, s.published_at, s.id
    );
    let mut qy = sqlx::query(&sql).bind("published");
    for v in &s.values {
        qy = qy.bind(v.as_str());
    }
    // PostgreSQL: a table of a few rows is read fastest by a sequential scan once autovacuum has
    // analyzed it (that made this test depend on autovacuum's timing). The question here is which
    // index serves the search and whether it gives the order without a sort, as at 100k rows
    // (docs/benchmarks.md): asked with sequential scans and sorts priced out, in this transaction
    // only. With statistics of a handful of rows the planner may also start from the smallest
    // table and sort its one estimated row (a CI run saw it); pricing a sort out does not hide a
    // missing ordered path — without an index that yields the order, the plan still has its Sort.
    let mut tx = db.pool().begin().await.expect("begin");
    if db.engine() == Engine::Postgres {
        for set in [
            "SET LOCAL enable_seqscan = off",
            "SET LOCAL enable_sort = off",
        ] {
            sqlx::query(set).execute(&mut *tx).await.expect(set);
        }
    }
    let rows = qy.fetch_all(&mut *tx).await.expect("explain");
    tx.rollback().await.expect("rollback");
    // PostgreSQL: one text column; SQLite: (id, parent, notused, detail).
    let col = if db.engine() == Engine::Postgres {
        0
    } else {
        3
    };
    rows.iter()
        .map(|r| r.try_get::<String, _>(col).expect("plan text"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn search_uses_the_term_index_for_short_phrases_words_and_pages() {
    let app = TestApp::spawn().await;
    let p = Publisher::new(&app).await;
    let a = p
        .publish(
            &app,
            "西岗区道路改造工程监理",
            // The body starts right after the title's 监理: still no phrase spans both.
            "含桥梁检测，采用 EPC 总承包。",
        )
        .await;
    let b = p
        .publish(
            &app,
            "中山区学校食堂设备采购",
            "## 说明\n\n本项目监理单位另行招标。Road-Works phase 2",
        )
        .await;
    let lit = p
        .publish(&app, "甘井子区道路照明工程", "## 说明\n\n路灯更换。")
        .await;
    // 路改 and 改造 both occur, but never 路改造 in a row: only the phrase check tells.
    let apart = p
        .publish(&app, "金州区路改线与改造项目", "## 说明\n\n无。")
        .await;
    let mut roads = vec![];
    for i in 1..=3 {
        roads.push(
            p.publish(
                &app,
                &format!("旅顺口区道路工程第{i}标段"),
                "## 说明\n\n无。",
            )
            .await,
        );
    }
    let (s, v) = app
        .post(
            Some(&p.staff),
            &format!("/api/v1/announcements/{lit}/withdraw"),
            json!({"reason": "项目取消"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");

    // Two CJK characters, one in a title, one in a body, newest first.
    assert_eq!(found(&app, "监理", "").await.0, [b.as_str(), a.as_str()]);
    assert_eq!(found(&app, "食堂", "").await.0, [b.as_str()]);
    assert_eq!(found(&app, "桥梁检测", "").await.0, [a.as_str()]);
    // A phrase across a bigram boundary; the bigrams alone are not enough.
    assert_eq!(found(&app, "路改造", "").await.0, [a.as_str()]);
    assert_eq!(found(&app, "路改线", "").await.0, [apart.as_str()]);
    assert_eq!(found(&app, "道路改造工程监理", "").await.0, [a.as_str()]);
    // A phrase absent everywhere; a term nobody uses.
    assert!(found(&app, "监理服务", "").await.0.is_empty());
    assert!(found(&app, "水利", "").await.0.is_empty());
    // The title and the body are separate texts: no phrase spans both.
    assert!(found(&app, "监理含桥梁", "").await.0.is_empty());

    // A withdrawn announcement is not found; it is in the withdrawn list's search, as before.
    assert!(found(&app, "照明", "").await.0.is_empty());
    assert_eq!(
        found(&app, "照明", "&status=withdrawn").await.0,
        [lit.as_str()]
    );

    // Latin words: whole words, any case, full-width forms folded.
    for q in ["epc", "EPC", "ＥＰＣ", "EPC 总承包"] {
        assert_eq!(found(&app, q, "").await.0, [a.as_str()], "q={q}");
    }
    for q in ["road-works", "ROAD-WORKS", "Phase 2", "works"] {
        assert_eq!(found(&app, q, "").await.0, [b.as_str()], "q={q}");
    }
    // The phrase is literal (as `LIKE` was): its words are there, its space is not.
    assert!(found(&app, "road works", "").await.0.is_empty());
    assert!(found(&app, "ep", "").await.0.is_empty(), "not a word");
    // Digits between CJK are a word; the lone 第 is checked by the phrase.
    assert_eq!(found(&app, "第2标段", "").await.0, [roads[1].as_str()]);
    // A lone CJK character has no term: the fallback still finds it.
    assert_eq!(found(&app, "灯", "").await.0, Vec::<String>::new());
    assert_eq!(
        found(&app, "灯", "&status=withdrawn").await.0,
        [lit.as_str()]
    );

    // Pages of 2 through 道路 (a, three roads; not the withdrawn one), each once, newest first.
    let mut got = vec![];
    let mut cursor: Option<String> = None;
    loop {
        let more = match &cursor {
            Some(c) => format!("&limit=2&cursor={c}"),
            None => "&limit=2".into(),
        };
        let (ids, next) = found(&app, "道路", &more).await;
        assert!(ids.len() <= 2);
        got.extend(ids);
        match next {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    let want = vec![
        roads[2].clone(),
        roads[1].clone(),
        roads[0].clone(),
        a.clone(),
    ];
    assert_eq!(got, want);
    // Other filters still apply with a search.
    assert!(found(&app, "道路", "&market=land").await.0.is_empty());

    // The plan of a 2-character search walks the term index, newest first, without sorting.
    let p = plan(&app, "监理").await;
    match app.ctx.db.engine() {
        Engine::Sqlite => {
            assert!(
                p.contains("SEARCH t USING PRIMARY KEY (term=? AND status=?)"),
                "{p}"
            );
            assert!(!p.contains("TEMP B-TREE"), "{p}");
            assert!(!p.contains("SCAN"), "{p}");
        }
        Engine::Postgres => {
            assert!(p.contains("announcement_terms_walk"), "{p}");
            assert!(!p.contains("Seq Scan"), "{p}");
            assert!(!p.contains("Sort"), "{p}");
        }
    }

    // Backfill indexes what has no text row yet, once: drop a's index rows, then search again.
    let db = &app.ctx.db;
    for sql in [
        "DELETE FROM announcement_terms WHERE announcement_id = $1",
        "DELETE FROM announcement_search_docs WHERE announcement_id = $1",
    ] {
        sqlx::query(sql)
            .bind(&a)
            .execute(db.pool_for_write())
            .await
            .expect("delete");
    }
    assert_eq!(found(&app, "监理", "").await.0, [b.as_str()]);
    assert_eq!(
        ggzy_publishing::store::backfill(db)
            .await
            .expect("backfill"),
        1
    );
    assert_eq!(
        ggzy_publishing::store::backfill(db)
            .await
            .expect("backfill"),
        0
    );
    assert_eq!(found(&app, "监理", "").await.0, [b.as_str(), a.as_str()]);
    app.stop().await;
}
