//! Every event the platform writes goes through its contract (issue 17): no area builds a
//! `NewEvent` by hand. This reads the areas' sources (not their tests) and fails naming each place
//! that calls `NewEvent::new` outside this crate, so an untyped event cannot come back unnoticed.

use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The code of a file without its unit-test module (`#[cfg(test)] mod tests` at the end).
fn production_part(text: &str) -> &str {
    text.find("#[cfg(test)]\nmod tests")
        .map_or(text, |i| &text[..i])
}

#[test]
fn every_event_is_built_through_its_contract() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut offenders = Vec::new();
    let mut read = 0;
    for krate in std::fs::read_dir(&crates).unwrap().flatten() {
        let name = krate.file_name().to_string_lossy().to_string();
        // The contracts build the event (`Contract::encode`); core defines `NewEvent`.
        if name == "events" || name == "core" {
            continue;
        }
        let mut files = Vec::new();
        sources(&krate.path().join("src"), &mut files);
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            read += 1;
            for (no, line) in production_part(&text).lines().enumerate() {
                if line.contains("NewEvent::new(")
                    || (line.contains("NewEvent {") && !line.contains("->"))
                {
                    offenders.push(format!(
                        "crates/{name}/{}:{}",
                        f.strip_prefix(krate.path()).unwrap().display(),
                        no + 1
                    ));
                }
            }
        }
    }
    assert!(
        read > 100,
        "the areas' sources were not found ({read} files)"
    );
    assert!(
        offenders.is_empty(),
        "events built by hand instead of through their contract (crates/events):\n{}",
        offenders.join("\n")
    );
}
