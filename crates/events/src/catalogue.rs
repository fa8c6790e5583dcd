//! The catalogue of contracts, rendered as `docs/events.md`.

/// One payload field of a contract.
#[derive(Debug, Clone)]
pub struct Field {
    pub name: &'static str,
    /// The Rust type as written in the contract (`Option<…>`: may be absent or null).
    pub ty: &'static str,
    pub doc: &'static str,
}

/// One contract: name, version, aggregate, what it says and its payload.
#[derive(Debug, Clone)]
pub struct Entry {
    pub name: &'static str,
    pub version: u32,
    pub aggregate: &'static str,
    pub doc: &'static str,
    pub fields: Vec<Field>,
}

/// Every contract of this crate, sorted by name. Each area module lists its own (`entries()`).
pub fn catalogue() -> Vec<Entry> {
    let mut v: Vec<Entry> = [
        crate::archives::entries(),
        crate::auctions::entries(),
        crate::audit::entries(),
        crate::calendar::entries(),
        crate::consumer::entries(),
        crate::deposits::entries(),
        crate::evaluation::entries(),
        crate::experts::entries(),
        crate::identity::entries(),
        crate::monitoring::entries(),
        crate::projects::entries(),
        crate::publishing::entries(),
        crate::remedies::entries(),
        crate::venues::entries(),
    ]
    .into_iter()
    .flatten()
    .collect();
    v.sort_by_key(|e| e.name);
    v
}

fn cell(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

/// `docs/events.md`: generated, never edited by hand.
pub fn markdown() -> String {
    let mut out = String::from(
        "# Event contracts\n\n\
         Generated from the types of `crates/events` by `cargo run -p ggzy-events --example catalogue`;\n\
         do not edit by hand (the test `catalogue_is_current` fails when this file is stale).\n\n\
         Every event the platform writes has one type: its name, version and payload. Producers\n\
         build the payload through the type, consumers decode it through the type; an event a consumer\n\
         cannot decode is parked with an alert (see the crate docs and docs/events-and-time.md).\n\
         Versioning: a new field is optional (`Option`, absent in older events) and keeps the version;\n\
         a breaking change is a new version whose payload carries `\"v\"`, with an upcaster next to the type.\n\
         Instants are RFC 3339 strings, money is a decimal string in CNY with two places.\n\n",
    );
    for e in catalogue() {
        out.push_str(&format!(
            "## `{}` (v{})\n\nAggregate: `{}`. {}\n\n| field | type | meaning |\n|---|---|---|\n",
            e.name,
            e.version,
            e.aggregate,
            cell(e.doc)
        ));
        for f in &e.fields {
            out.push_str(&format!(
                "| `{}` | `{}` | {} |\n",
                f.name,
                f.ty.replace(char::is_whitespace, ""),
                cell(f.doc)
            ));
        }
        out.push('\n');
    }
    out
}
