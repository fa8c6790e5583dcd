//! Writes `docs/events.md` from the contract types: `cargo run -p ggzy-events --example catalogue`.
#![allow(clippy::unwrap_used)] // Example code: a failed unwrap is a failed run.

fn main() -> std::io::Result<()> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/events.md");
    std::fs::write(&path, ggzy_events::markdown())?;
    println!("wrote {}", path.display());
    Ok(())
}
