//! The supervisor's draw pages label a section by its project's and its own name (learnt by the
//! experts area from `projects.section.registered`), never by the section's UUID (issue 22).

use crate::expert_draws::{pool, request};
use ggzy_api_tests::fixtures::road_project;
use ggzy_api_tests::pages::Visitor;
use ggzy_api_tests::TestApp;

#[tokio::test]
async fn the_supervisor_sees_section_names_not_uuids_on_the_draw_pages() {
    let app = TestApp::spawn().await;
    let reg = app
        .register_project(road_project(
            "大连市某道路改造工程",
            "2026-03-30T09:00:00+08:00",
        ))
        .await;
    app.drain_consumer("experts.events").await;
    pool(&app, &reg.staff, 8).await;
    let r = app
        .post_expect(
            &reg.staff,
            "/api/v1/experts/draw-requests",
            request(&reg.section_id),
            201,
        )
        .await;
    let id = r["id"].as_str().unwrap().to_string();
    let section_name = reg.approved["sections"][0]["name"].as_str().unwrap();
    assert!(!section_name.is_empty());

    let mut sup = Visitor::new(&app);
    sup.sign_in("supervisor").await;
    for path in [
        "/supervisor/draws".to_string(),
        format!("/supervisor/draws/{id}"),
    ] {
        let page = sup.get(&path).await;
        assert_eq!(page.status, 200, "{path}: {}", page.body);
        assert!(
            page.body.contains("大连市某道路改造工程"),
            "{path}: {}",
            page.body
        );
        assert!(page.body.contains(section_name), "{path}: {}", page.body);
        assert!(
            !page.body.contains(&reg.section_id),
            "{path} shows the section's UUID: {}",
            page.body
        );
    }
    // Staff's view of the same request (same template) names the section too.
    let mut st = Visitor::new(&app);
    st.sign_in("staff").await;
    let steps = st.get(&format!("/staff/draw-requests/{id}")).await;
    assert_eq!(steps.status, 200, "{}", steps.body);
    assert!(steps.body.contains(section_name));
    assert!(!steps.body.contains(&reg.section_id));
    app.stop().await;
}
