//! Checking a draft before it is stored: its fields, its original (a change notice's), the
//! projects and sections it names (read-your-own-writes), and the fields a change may not touch.

use super::*;

pub(super) struct Checked {
    pub(super) market: Market,
    pub(super) ann_type: AnnouncementType,
    pub(super) title: String,
    pub(super) body_html: String,
    pub(super) fields: String,
}

pub(super) fn check_draft(d: &AnnouncementDraft) -> Result<Checked> {
    let mut v = Violations::new();
    let market = v.take("market", Market::parse(d.market.trim()));
    let ann_type = v.take("type", AnnouncementType::parse(d.ann_type.trim()));
    let title = d.title.trim().to_string();
    if title.is_empty() || title.chars().count() > 300 {
        v.push(
            "title",
            "required",
            "title is required (at most 300 characters)",
        );
    }
    if d.body.trim().is_empty() {
        v.push("body", "required", "body is required");
    }
    if !d.fields.is_object() && !d.fields.is_null() {
        v.push(
            "fields",
            "announcement.fields_object",
            "fields must be an object",
        );
    }
    if let Some(t) = ann_type {
        check_fields(t, &d.fields, &mut v);
        if t == AnnouncementType::Change && d.original_id.as_deref().unwrap_or("").is_empty() {
            v.push(
                "original_id",
                "announcement.change_needs_original",
                "a change notice links to the announcement it amends (10号令; 20号令)",
            );
        }
    }
    v.into_result()?;
    match (market, ann_type) {
        (Some(market), Some(ann_type)) => Ok(Checked {
            market,
            ann_type,
            title,
            body_html: render_body(d.body_format.unwrap_or_default(), &d.body),
            fields: d.fields.to_string(),
        }),
        _ => Err(Error::internal("draft checked")),
    }
}

/// The original a change notice amends must be published; returns its project and sections.
pub(super) async fn check_original(
    tx: &mut Tx,
    original: Option<&str>,
) -> Result<Option<(Option<String>, Vec<String>)>> {
    let Some(o) = original.filter(|o| !o.is_empty()) else {
        return Ok(None);
    };
    let r = store::announcements::original(tx, o).await?;
    match r {
        Some(r) if r.status == Status::Published => Ok(Some((
            r.project_id,
            serde_json::from_str(&r.section_ids).unwrap_or_default(),
        ))),
        _ => Err(Error::field(
            "original_id",
            "announcement.original_unpublished",
            "a change notice amends a published announcement",
        )),
    }
}

/// Publishing's copy of the registered projects (`publishing_sections`) follows the projects
/// events: a project registered (or a section added) a moment ago may not have arrived yet. Wait
/// briefly for the project and the sections the draft names, then answer 409 with `Retry-After`
/// (`announcement.project_not_caught_up`) rather than a misleading 422 "no registered project"
/// (issue 17, item 5); once caught up, an absent one is the 422 of [`resolve_links`].
/// Outside the write transaction (on SQLite a held writer would stop the consumer).
pub(super) async fn links_projected(ctx: &Ctx, d: &AnnouncementDraft) -> Result<()> {
    use ggzy_events::projects::SectionRegistered;
    use ggzy_events::Contract as _;
    let Some(project) = d.project_id.clone().filter(|p| !p.trim().is_empty()) else {
        return Ok(());
    };
    let named = d.section_ids.clone().unwrap_or_default();
    let db = ctx.db.clone();
    ggzy_store::consumer::wait_for_projection(
        &ctx.db,
        crate::lifecycle::NAME,
        &[SectionRegistered::NAME],
        std::time::Duration::from_secs(2),
        "announcement.project_not_caught_up",
        "the project",
        || {
            let (db, project, named) = (db.clone(), project.clone(), named.clone());
            async move {
                let have = store::sections::section_ids_of_project(&db, &project).await?;
                Ok(!have.is_empty() && named.iter().all(|n| have.contains(n)))
            }
        },
    )
    .await
    .map(|_| ())
}

/// The project and sections a draft is about: checked against publishing's copy of the registered
/// projects; a change notice inherits its original's when it names none.
pub(super) async fn resolve_links(
    tx: &mut Tx,
    actor: &Actor,
    d: &AnnouncementDraft,
    market: Market,
    original: Option<(Option<String>, Vec<String>)>,
) -> Result<(Option<String>, Vec<String>)> {
    let project = d.project_id.clone().filter(|p| !p.trim().is_empty());
    let Some(project) = project else {
        if d.section_ids.as_ref().is_some_and(|s| !s.is_empty()) {
            return Err(Error::field(
                "project_id",
                "required",
                "sections are named together with their project",
            ));
        }
        return Ok(original.unwrap_or_default());
    };
    let known = store::sections::project_sections(tx, &project).await?;
    let Some(first) = known.first() else {
        return Err(Error::field(
            "project_id",
            "announcement.project_unknown",
            "no registered project with this id",
        ));
    };
    let mut v = Violations::new();
    if first.market != market.as_str() {
        v.push(
            "market",
            "announcement.market_mismatch",
            format!("the project is registered in the {} market", first.market),
        );
    }
    // The project's owner is the organization that registered it: the tenderer itself or the agency
    // it entrusted (招标投标法 第十二条). An agency represents only the projects registered through it.
    if matches!(actor.role, Role::Tenderer | Role::Agency) && first.owner_org_id != actor.org_id {
        v.push(
            "project_id",
            "announcement.project_not_yours",
            "a tenderer or agency announces only projects its own organization registered",
        );
    }
    let ids = match &d.section_ids {
        Some(ids) if !ids.is_empty() => {
            for (i, id) in ids.iter().enumerate() {
                if !known.iter().any(|s| &s.section_id == id) {
                    v.push(
                        format!("section_ids[{i}]"),
                        "announcement.section_unknown",
                        "not a section of this project",
                    );
                }
            }
            ids.clone()
        }
        _ => known.iter().map(|s| s.section_id.clone()).collect(),
    };
    v.into_result()?;
    Ok((Some(project), ids))
}

/// Fields an auto-draft took from its lifecycle event must come back unchanged.
pub(super) fn check_locked(source: &Value, fields: &Value, path: &str, v: &mut Violations) {
    match (source, fields) {
        (Value::Object(s), _) => {
            for (k, sv) in s {
                let p = if path.is_empty() {
                    format!("fields.{k}")
                } else {
                    format!("{path}.{k}")
                };
                check_locked(sv, fields.get(k).unwrap_or(&Value::Null), &p, v);
            }
        }
        (Value::Array(s), Value::Array(f)) if s.len() == f.len() => {
            for (i, (sv, fv)) in s.iter().zip(f).enumerate() {
                check_locked(sv, fv, &format!("{path}[{i}]"), v);
            }
        }
        (sv, fv) if sv == fv => {}
        _ => v.push(
            path,
            "announcement.field_from_event",
            "this value comes from the trading record and cannot be retyped",
        ),
    }
}
