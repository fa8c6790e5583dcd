//! Exact matching of unique-constraint violations on both engines.
//!
//! A unique violation becomes `Error::Conflict { rule: "unique.<target>" }` (see
//! `ggzy_core::error`), where the target is what the engine reports: PostgreSQL names the
//! constraint or unique index (`unique.users_username_key`), SQLite names the table's columns in
//! the index's order (`UNIQUE constraint failed: users.username` becomes
//! `unique.users.username`; several columns are joined with `+`). A [`UniqueKey`] states both
//! forms of one constraint, so a use case turns exactly that violation into its own error — never a
//! different constraint whose name or columns merely contain the same words.

use ggzy_core::{Error, Result};

/// One unique constraint (or unique index) as declared in the migrations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UniqueKey {
    /// The constraint's or index's name (what PostgreSQL reports).
    pub name: &'static str,
    /// Its table.
    pub table: &'static str,
    /// Its columns, in the declared order (what SQLite reports).
    pub columns: &'static [&'static str],
}

impl UniqueKey {
    pub const fn new(
        name: &'static str,
        table: &'static str,
        columns: &'static [&'static str],
    ) -> Self {
        UniqueKey {
            name,
            table,
            columns,
        }
    }

    /// The conflict rule SQLite's report of this key becomes (`unique.t.a+t.b`).
    pub fn sqlite_rule(&self) -> String {
        let cols: Vec<String> = self
            .columns
            .iter()
            .map(|c| format!("{}.{c}", self.table))
            .collect();
        format!("unique.{}", cols.join("+"))
    }

    /// The conflict rule PostgreSQL's report of this key becomes (`unique.<name>`).
    pub fn postgres_rule(&self) -> String {
        format!("unique.{}", self.name)
    }

    /// Is `e` a violation of exactly this key (on either engine)?
    pub fn is_violated_by(&self, e: &Error) -> bool {
        match e.inner() {
            Error::Conflict { rule, .. } => {
                *rule == self.postgres_rule() || *rule == self.sqlite_rule()
            }
            _ => false,
        }
    }
}

/// Turn a violation of exactly one unique key into the caller's error; any other error stands.
pub trait UniqueExt<T> {
    fn on_unique(self, key: &UniqueKey, f: impl FnOnce() -> Error) -> Result<T>;
}

impl<T, E: Into<Error>> UniqueExt<T> for std::result::Result<T, E> {
    fn on_unique(self, key: &UniqueKey, f: impl FnOnce() -> Error) -> Result<T> {
        self.map_err(|e| {
            let e: Error = e.into();
            if key.is_violated_by(&e) {
                f()
            } else {
                e
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: UniqueKey = UniqueKey::new(
        "deposit_guarantees_number_key",
        "deposit_guarantees",
        &["kind", "issuer", "number"],
    );

    #[test]
    fn both_engines_reports_match_and_nothing_else() {
        let c = |r: &str| Error::conflict(r, "dup");
        assert!(KEY.is_violated_by(&c("unique.deposit_guarantees_number_key")));
        assert!(KEY.is_violated_by(&c(
            "unique.deposit_guarantees.kind+deposit_guarantees.issuer+deposit_guarantees.number"
        )));
        // A different constraint of the same table whose report contains the same words.
        assert!(!KEY.is_violated_by(&c("unique.deposit_guarantees_number_key_2")));
        assert!(!KEY.is_violated_by(&c("unique.deposit_guarantees.number")));
        assert!(!KEY.is_violated_by(&c(
            "unique.deposit_guarantees.section_id+deposit_guarantees.org_id"
        )));
        assert!(!KEY.is_violated_by(&Error::not_found("deposit_guarantees_number_key")));
        let r: std::result::Result<(), Error> = Err(c("unique.deposit_guarantees_number_key"));
        let mapped = r.on_unique(&KEY, || Error::conflict("guarantee.number_used", "x"));
        assert!(
            matches!(mapped, Err(Error::Conflict { ref rule, .. }) if rule == "guarantee.number_used")
        );
    }
}
