//! The `project_rules` table: seeded with the national defaults, overridable per region.
//! Runs on a fresh SQLite file (the API tests cover PostgreSQL through `GGZY_TEST_DATABASE_URL`).
#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed run.

use ggzy_core::ident::Market;
use ggzy_projects::rules::{MarketRules, Procedure};
use ggzy_projects::service::load_rules;
use ggzy_store::{migrate, Db, DbOptions};

async fn fresh_sqlite() -> (Db, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("rules.db").display());
    let db = Db::connect(&url, &DbOptions::default())
        .await
        .expect("connect");
    migrate::run(&db).await.expect("migrate");
    (db, dir)
}

#[tokio::test]
async fn the_seeded_rows_equal_the_compiled_national_defaults() {
    let (db, _dir) = fresh_sqlite().await;
    let mut conn = db.pool().acquire().await.expect("conn");
    for want in MarketRules::all_national() {
        let got = load_rules(&mut conn, "210200", want.market, want.procedure)
            .await
            .expect("load");
        assert_eq!(
            got.as_ref(),
            Some(&want),
            "{:?} {:?}",
            want.market,
            want.procedure
        );
    }
    // No row and no compiled default: land is tendered openly or sold by listing/auction.
    let land = load_rules(&mut conn, "210200", Market::Land, Procedure::InvitedTender)
        .await
        .expect("load");
    assert_eq!(land, None);
}

#[tokio::test]
async fn a_regional_row_overrides_the_national_default_for_that_region_only() {
    let (db, _dir) = fresh_sqlite().await;
    sqlx::query(
        "INSERT INTO project_rules SELECT '210200', market, procedure, 25, deadline_working, '大连市规定', \
         doc_sale_min_days, doc_sale_working, doc_sale_source, 150, deposit_cap_source, opening_at_deadline, \
         opening_source FROM project_rules WHERE region = 'CN' AND market = 'construction' AND procedure = 'open_tender'",
    )
    .execute(db.pool_for_write())
    .await
    .expect("insert override");
    let mut conn = db.pool().acquire().await.expect("conn");
    let dalian = load_rules(
        &mut conn,
        "210200",
        Market::Construction,
        Procedure::OpenTender,
    )
    .await
    .expect("load")
    .expect("rules");
    assert_eq!(
        (
            dalian.deadline_min.days,
            dalian.deadline_min.source.as_str()
        ),
        (25, "大连市规定")
    );
    assert_eq!(dalian.deposit_cap_bp, 150);
    let shenyang = load_rules(
        &mut conn,
        "210100",
        Market::Construction,
        Procedure::OpenTender,
    )
    .await
    .expect("load")
    .expect("rules");
    assert_eq!(
        Some(shenyang),
        MarketRules::national(Market::Construction, Procedure::OpenTender)
    );
}
