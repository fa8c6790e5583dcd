//! The daily reports (日报) page and the form that builds one.

use super::*;

#[derive(Template)]
#[template(path = "supervisor/reports.html")]
pub(super) struct ReportsPage<'a> {
    c: &'a Chrome,
    l: Lang,
    days: Vec<(String, String)>,
    form: FormState,
}

pub(super) async fn render_reports(
    ctx: &Ctx,
    a: &PageActor,
    status: StatusCode,
    form: FormState,
) -> Response {
    let l = a.chrome.lang;
    match stats::list_reports(&ctx.db).await {
        Ok(list) => {
            let days = list
                .iter()
                .map(|r| {
                    (
                        r.day.to_string(),
                        ggzy_web::fmt::beijing_time(&r.created_at),
                    )
                })
                .collect();
            let p = ReportsPage {
                c: &a.chrome,
                l,
                days,
                form,
            };
            page_status(&a.chrome, status, l.t("日报", "Daily reports"), &p)
        }
        Err(e) => frame::error_page(&a.chrome, &e),
    }
}

/// `GET /supervisor/reports`: stored daily reports with their CSV and HTML downloads.
pub(super) async fn reports_page(State(ctx): State<Ctx>, a: PageActor) -> Response {
    if let Err(r) = a.require(&SUPERVISOR) {
        return r;
    }
    render_reports(&ctx, &a, StatusCode::OK, FormState::new()).await
}

#[derive(Debug, Deserialize)]
pub(super) struct ReportForm {
    #[serde(default)]
    day: String,
}

/// `POST /supervisor/reports`: build a day's report now (as the API's `POST …/reports/{day}`).
pub(super) async fn build_report(State(ctx): State<Ctx>, f: CsrfForm<ReportForm>) -> Response {
    let a = f.actor;
    if let Err(r) = a.require(&SUPERVISOR) {
        return r;
    }
    let raw = f.form.day.trim().to_string();
    let result = async {
        let day = raw
            .parse::<NaiveDate>()
            .map_err(|_| Error::field("day", "format", "a date YYYY-MM-DD"))?;
        if day > ggzy_core::time::local_date(ctx.clock.now()) {
            return Err(Error::field(
                "day",
                "monitoring.report_future",
                "a report covers a day that has started",
            ));
        }
        stats::generate_report(&ctx.db, day, ctx.clock.now()).await
    }
    .await;
    match result {
        Ok(_) => see_other("/supervisor/reports"),
        Err(e) => {
            let status = e.status();
            let form = FormState::from_error(&e).with_values([("day", raw)]);
            render_reports(&ctx, &a, status, form).await
        }
    }
}
