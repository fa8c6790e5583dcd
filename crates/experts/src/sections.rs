//! Names of sections and projects, projected from `projects.section.registered` (the experts area
//! never reads the projects area's tables), so the draw pages label a section
//! "project name · section name" instead of its UUID.

use ggzy_events::projects::SectionRegistered;
use ggzy_store::{Ctx, Tx};
use std::collections::HashMap;

/// Records (or refreshes) the names carried by `projects.section.registered`.
pub(crate) async fn remember(tx: &mut Tx, p: &SectionRegistered) -> ggzy_core::Result<()> {
    sqlx::query(
        "INSERT INTO expert_section_names (section_id, project_id, project_code, project_name, section_name) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (section_id) DO UPDATE SET project_id = excluded.project_id, \
         project_code = excluded.project_code, project_name = excluded.project_name, \
         section_name = excluded.section_name",
    )
    .bind(&p.section_id)
    .bind(&p.project_id)
    .bind(&p.project_code)
    .bind(&p.project_name)
    .bind(&p.name)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A section's human label: "project name（code）· section name".
fn label(code: Option<String>, project: String, section: String) -> String {
    match code.filter(|c| !c.is_empty()) {
        Some(c) => format!("{project}（{c}）· {section}"),
        None => format!("{project} · {section}"),
    }
}

#[derive(sqlx::FromRow)]
struct SectionNameRow {
    project_code: Option<String>,
    project_name: String,
    section_name: String,
}

/// Labels of the given sections; a section the projects area has not announced yet is missing
/// from the map (the page then says "unknown section" rather than printing its id).
pub async fn labels(ctx: &Ctx, ids: &[String]) -> ggzy_core::Result<HashMap<String, String>> {
    let mut out = HashMap::new();
    for id in ids {
        if out.contains_key(id) {
            continue;
        }
        let row: Option<SectionNameRow> = sqlx::query_as(
            "SELECT project_code, project_name, section_name FROM expert_section_names WHERE section_id = $1",
        )
        .bind(id)
        .fetch_optional(ctx.db.pool())
        .await?;
        if let Some(r) = row {
            out.insert(
                id.clone(),
                label(r.project_code, r.project_name, r.section_name),
            );
        }
    }
    Ok(out)
}
