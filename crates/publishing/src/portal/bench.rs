//! Bulk seeding of published announcements for the public-reading benchmark
//! (docs/benchmarks.md): multi-row inserts in batches, the search index kept by
//! [`crate::store::index`], so the data looks exactly like announcements published through the
//! workflow. Deterministic: announcement `i` always gets the same text.

use crate::rules::AnnouncementType;
use crate::store;
use crate::store::announcements::SeedRow;
use ggzy_core::ident::Market;
use ggzy_core::time::{from_micros, to_micros};
use ggzy_core::{Result, Timestamp};
use ggzy_store::Db;
use serde_json::json;

const PLACES: [&str; 8] = [
    "西岗区",
    "中山区",
    "沙河口区",
    "甘井子区",
    "旅顺口区",
    "金州区",
    "普兰店区",
    "瓦房店市",
];
/// One title in eight names a road (道路), so `q=道路` matches about 12.5% of rows.
const WORKS: [&str; 8] = [
    "道路改造工程",
    "学校教学楼新建工程",
    "污水管网维修项目",
    "医院医疗设备采购",
    "公园绿化提升工程",
    "办公家具采购项目",
    "桥梁加固工程",
    "住宅用地使用权出让",
];
const REGIONS: [&str; 4] = ["210202", "210203", "210204", "210211"];
const BATCH: usize = 500;

/// Number of published announcements already stored.
pub async fn count_published(db: &Db) -> Result<i64> {
    store::announcements::count_published(db).await
}

/// Inserts `n` published announcements with ids `bench-{start+i}`, published one minute apart
/// going back from `now`, spread over the markets, types and regions.
pub async fn seed(db: &Db, start: usize, n: usize, now: Timestamp) -> Result<()> {
    let mut i = start;
    let end = start + n;
    while i < end {
        let upto = (i + BATCH).min(end);
        let mut tx = db.begin().await?;
        let rows: Vec<SeedRow> = (i..upto).map(|k| row(k, now)).collect();
        store::announcements::insert_seeded(&mut tx, &rows).await?;
        for r in &rows {
            store::index_new(&mut tx, &r.id, &r.title, &r.body, from_micros(r.at)).await?;
        }
        db.commit(tx).await?;
        i = upto;
    }
    Ok(())
}

fn row(k: usize, now: Timestamp) -> SeedRow {
    let market = Market::ALL[k % 4];
    let types = match market {
        Market::Land => [AnnouncementType::LandTransfer, AnnouncementType::Deal],
        Market::Property => [AnnouncementType::PropertyDisclosure, AnnouncementType::Deal],
        _ => [AnnouncementType::Tender, AnnouncementType::Award],
    };
    let ty = types[(k / 4) % 2];
    let title = format!(
        "{}{}（第{}标段）",
        PLACES[(k / 8) % PLACES.len()],
        WORKS[(k / 3) % WORKS.len()],
        k
    );
    let body = format!(
        "## 项目概况\n\n{title}，资金来源为财政资金，公开招标。\n\n## 投标人资格要求\n\n具备相应资质，近三年无重大违法记录。"
    );
    let at = to_micros(now) - (k as i64 + 1) * 60_000_000;
    SeedRow {
        id: format!("bench-{k:07}"),
        market: market.as_str(),
        ann_type: ty.as_str(),
        region: REGIONS[(k / 2) % REGIONS.len()],
        body_html: crate::rules::render_markdown(&body),
        fields: json!({"project_name": title}).to_string(),
        title,
        body,
        at,
    }
}
