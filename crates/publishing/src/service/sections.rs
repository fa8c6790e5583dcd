//! Publishing's copy of the registered sections (`publishing_sections`, kept by the lifecycle
//! consumer from the projects events) as the use cases read it ([`crate::store::sections`]).

use ggzy_core::Result;
use ggzy_store::Tx;

pub use crate::store::sections::SectionInfo;

/// Sections of the projection, by id (absent ids are skipped).
pub(crate) async fn sections(tx: &mut Tx, ids: &[String]) -> Result<Vec<SectionInfo>> {
    let mut out = Vec::new();
    for id in ids {
        if let Some(r) = crate::store::sections::section(tx, id).await? {
            out.push(r);
        }
    }
    Ok(out)
}
