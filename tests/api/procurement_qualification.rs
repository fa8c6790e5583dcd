//! The purchaser's (or agency's) qualification review in government procurement (issue 20;
//! 财政部令第87号 第四十四条; docs/procurement.md "Qualification review"): after the opening, before the
//! committee; fewer than 3 qualified suppliers is the mandatory 废标 (政府采购法 第三十六条; 87号令
//! 第四十三条); a rejected supplier is told the reason. The committee waiting for the review and
//! evaluating only the qualified suppliers is tested in
//! `evaluation::government_procurement_scores_the_price_by_the_lowest_price_ratio`.

use crate::award::{evaluating_section, events, section, wait_event, Trade};
use ggzy_api_tests::pages::Visitor;
use ggzy_api_tests::TestApp;
use serde_json::{json, Value};

fn url(t: &Trade) -> String {
    format!("/api/v1/sections/{}/qualification-review", t.section_id)
}

/// The review body: every bidder of the trade qualified except those in `rejected`, whose reason
/// is `reason` (None leaves it out).
pub(crate) fn verdicts(t: &Trade, rejected: &[usize], reason: Option<&str>) -> Value {
    json!({"suppliers": t.bidders.iter().enumerate().map(|(i, b)| {
        if rejected.contains(&i) {
            match reason {
                Some(r) => json!({"org_id": b.org_id, "qualified": false, "reason": r}),
                None => json!({"org_id": b.org_id, "qualified": false}),
            }
        } else {
            json!({"org_id": b.org_id, "qualified": true})
        }
    }).collect::<Vec<_>>()})
}

/// The tenderer finds every supplier of the trade qualified.
pub(crate) async fn qualify_all(app: &TestApp, t: &Trade) {
    let (s, v) = app
        .put(Some(&t.tenderer), &url(t), verdicts(t, &[], None))
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["qualified_count"], 3, "{v}");
}

fn first_rule(v: &Value) -> (&str, &str) {
    let e = &v["errors"][0];
    (
        e["field"].as_str().unwrap_or_default(),
        e["rule"].as_str().unwrap_or_default(),
    )
}

#[tokio::test]
async fn the_purchaser_rejects_a_supplier_with_its_reason_and_two_qualified_fail_the_procurement() {
    let app = TestApp::spawn().await;
    let t = evaluating_section(&app, "procurement").await;
    let sid = t.section_id.clone();

    // Before the review: the owner sees the opened suppliers to review; a bidder only itself.
    let (s, v) = app.get(Some(&t.tenderer), &url(&t)).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["reviewed"], false);
    assert_eq!(v["suppliers"].as_array().unwrap().len(), 3);
    assert!(v["basis"].as_str().unwrap().contains("第四十四条"), "{v}");

    // Refusals change nothing: a bidder may not review (403); on the page, a rejection without
    // its reason is named next to its field, and a post without the CSRF token is refused; through
    // the API a review leaving a supplier out is named.
    let (s, _) = app
        .put(Some(&t.bidders[0].token), &url(&t), verdicts(&t, &[], None))
        .await;
    assert_eq!(s, 403);
    let page = format!("/tenderer/sections/{sid}/qualification");
    let mut tv = Visitor::new(&app);
    tv.sign_in("tenderer").await;
    let p = tv.get(&page).await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains("财政部令第87号 第四十四条"), "{}", p.body);
    let csrf = ggzy_api_tests::pages::hidden_value(&p.body, "csrf").expect("csrf");
    let reason = "营业执照经营范围不含本项目所需的建筑智能化施工";
    let form = |csrf: &str, r: &str| -> Vec<(String, String)> {
        let mut f = vec![("csrf".to_string(), csrf.to_string())];
        for (i, b) in t.bidders.iter().enumerate() {
            f.push((format!("suppliers[{i}].org_id"), b.org_id.clone()));
            f.push((format!("suppliers[{i}].qualified"), (i != 2).to_string()));
            f.push((
                format!("suppliers[{i}].reason"),
                if i == 2 { r.into() } else { String::new() },
            ));
        }
        f
    };
    let post = |f: Vec<(String, String)>| {
        let mut tv2 = Visitor {
            base: tv.base.clone(),
            client: tv.client.clone(),
            cookies: tv.cookies.clone(),
        };
        let page = page.clone();
        async move {
            let r: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            tv2.post_form(&page, &r).await
        }
    };
    let r = post(form("", reason)).await;
    assert_eq!(r.status, 403, "{}", r.body);
    let r = post(form(&csrf, " ")).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        r.body.contains("qualification.reason_required"),
        "{}",
        r.body
    );
    let mut partial = verdicts(&t, &[], None);
    partial["suppliers"].as_array_mut().unwrap().pop();
    let (s, v) = app.put(Some(&t.tenderer), &url(&t), partial).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(
        first_rule(&v),
        ("suppliers", "qualification.every_supplier")
    );
    let (_, v) = app.get(Some(&t.tenderer), &url(&t)).await;
    assert_eq!(v["reviewed"], false, "{v}");
    assert_eq!(section(&app, &t).await["state"], "evaluating");

    // One of three not qualified (recorded on the page): two left, the procurement fails (废标)
    // in the same step.
    let r = post(form(&csrf, reason)).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let (s, v) = app.get(Some(&t.tenderer), &url(&t)).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["reviewed"], true);
    assert_eq!(v["qualified_count"], 2);
    assert_eq!(section(&app, &t).await["state"], "failed");
    let failed = wait_event(&app, "projects.section.failed", &sid).await;
    assert_eq!(failed["reason"], "too_few_qualified");
    assert_eq!(failed["stage"], "qualification");
    assert_eq!(failed["qualified_count"], 2);
    assert!(
        failed["basis"].as_str().unwrap().contains("第三十六条"),
        "{failed}"
    );
    let told = wait_event(&app, "projects.qualification.rejected", &sid).await;
    assert_eq!(told["org_id"], t.bidders[2].org_id.as_str());
    assert_eq!(told["reason"], reason);
    assert_eq!(
        events(&app, "projects.qualification.rejected", &sid)
            .await
            .len(),
        1
    );

    // The supplier reads its own verdict with the reason; another bidder only its own.
    let (s, v) = app.get(Some(&t.bidders[2].token), &url(&t)).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["suppliers"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v["suppliers"][0]["qualified"], false);
    assert_eq!(v["suppliers"][0]["reason"], reason);
    let (_, v) = app.get(Some(&t.bidders[0].token), &url(&t)).await;
    assert_eq!(v["suppliers"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v["suppliers"][0]["org_id"], t.bidders[0].org_id.as_str());
    assert!(!v.to_string().contains(reason), "{v}");
    let mut bv = Visitor::new(&app);
    bv.sign_in(t.bidders[2].name).await;
    let p = bv
        .get(&format!("/bidder/sections/{sid}/qualification"))
        .await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains(reason), "{}", p.body);

    // Once only; the committee's later rejection of the same supplier fails nothing twice.
    let (s, v) = app
        .put(Some(&t.tenderer), &url(&t), verdicts(&t, &[], None))
        .await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(events(&app, "projects.section.failed", &sid).await.len(), 1);
    app.stop().await;
}
