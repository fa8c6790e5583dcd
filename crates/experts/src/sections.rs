//! Names of sections and projects, projected from `projects.section.registered` (the experts area
//! never reads the projects area's tables), so the draw pages label a section
//! "project name · section name" instead of its UUID.

use crate::store::copies;
use ggzy_store::Ctx;
use std::collections::HashMap;

/// A section's human label: "project name（code）· section name".
fn label(code: Option<String>, project: String, section: String) -> String {
    match code.filter(|c| !c.is_empty()) {
        Some(c) => format!("{project}（{c}）· {section}"),
        None => format!("{project} · {section}"),
    }
}

/// Labels of the given sections; a section the projects area has not announced yet is missing
/// from the map (the page then says "unknown section" rather than printing its id).
pub async fn labels(ctx: &Ctx, ids: &[String]) -> ggzy_core::Result<HashMap<String, String>> {
    let mut out = HashMap::new();
    for id in ids {
        if out.contains_key(id) {
            continue;
        }
        if let Some(r) = copies::section_names(&ctx.db, id).await? {
            out.insert(
                id.clone(),
                label(r.project_code, r.project_name, r.section_name),
            );
        }
    }
    Ok(out)
}
