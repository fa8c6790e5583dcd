//! Areas' copies of another area's facts, kept by one reusable projector per copied table instead of
//! a hand-written upsert in each consumer (issue 17, item 1: "shared projections … come from one
//! reusable projector per area table").
//!
//! [`OrgCopy`]: an area's table of the organizations it needs, filled from
//! `identity.organization.registered` (`ggzy_events::identity::OrganizationRegistered`). Each area
//! declares which members it keeps under which column names; the projector writes the row (insert or
//! update by the key column) in the consumer's transaction, on both engines.

use crate::Tx;
use ggzy_core::time::to_micros;
use ggzy_core::{Result, Timestamp};
use ggzy_events::identity::OrganizationRegistered;

/// A member of `identity.organization.registered` an area keeps, or the copy's own time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrgField {
    Id,
    /// 统一社会信用代码.
    Uscc,
    Name,
    Kind,
    LegalRepresentative,
    LegalRepresentativeId,
    /// 基本账户.
    BasicAccountNo,
    Region,
    /// When the copy was written (microseconds, the consumer's clock).
    UpdatedAt,
}

/// One area's copy of the organizations: its table, and its columns with what each holds (the
/// first column is the key, holding [`OrgField::Id`]).
#[derive(Debug, Clone, Copy)]
pub struct OrgCopy {
    pub table: &'static str,
    pub columns: &'static [(&'static str, OrgField)],
    /// Write an empty text member as NULL (a copy whose readers treat NULL as "not stated").
    pub blank_is_null: bool,
}

/// A bound value of one column.
enum Val {
    Text(Option<String>),
    Micros(i64),
}

impl OrgCopy {
    fn value(&self, f: OrgField, o: &OrganizationRegistered, now: Timestamp) -> Val {
        let text = |s: &str| {
            if self.blank_is_null && s.is_empty() {
                None
            } else {
                Some(s.to_string())
            }
        };
        let opt = |s: &Option<String>| s.as_deref().and_then(text);
        match f {
            OrgField::Id => Val::Text(Some(o.id.clone())),
            OrgField::Uscc => Val::Text(text(&o.uscc)),
            OrgField::Name => Val::Text(text(&o.name)),
            OrgField::Kind => Val::Text(text(&o.kind)),
            OrgField::LegalRepresentative => Val::Text(opt(&o.legal_representative)),
            OrgField::LegalRepresentativeId => Val::Text(opt(&o.legal_representative_id)),
            OrgField::BasicAccountNo => Val::Text(opt(&o.basic_account_no)),
            OrgField::Region => Val::Text(opt(&o.region)),
            OrgField::UpdatedAt => Val::Micros(to_micros(now)),
        }
    }

    /// The upsert statement: `INSERT … ON CONFLICT (key) DO UPDATE SET c = excluded.c, …`.
    pub fn sql(&self) -> String {
        let names: Vec<&str> = self.columns.iter().map(|(c, _)| *c).collect();
        let params: Vec<String> = (1..=names.len()).map(|i| format!("${i}")).collect();
        let set: Vec<String> = names
            .iter()
            .skip(1)
            .map(|c| format!("{c} = excluded.{c}"))
            .collect();
        format!(
            "INSERT INTO {} ({}) VALUES ({}) ON CONFLICT ({}) DO UPDATE SET {}",
            self.table,
            names.join(", "),
            params.join(", "),
            names[0],
            set.join(", ")
        )
    }

    /// Writes the organization's row of this copy (inserted, or updated by its id).
    pub async fn upsert(
        &self,
        tx: &mut Tx,
        o: &OrganizationRegistered,
        now: Timestamp,
    ) -> Result<()> {
        let sql = self.sql();
        let mut q = sqlx::query(&sql);
        for (_, f) in self.columns {
            q = match self.value(*f, o, now) {
                Val::Text(t) => q.bind(t),
                Val::Micros(m) => q.bind(m),
            };
        }
        q.execute(&mut **tx).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COPY: OrgCopy = OrgCopy {
        table: "x_orgs",
        columns: &[
            ("org_id", OrgField::Id),
            ("uscc", OrgField::Uscc),
            ("updated_at", OrgField::UpdatedAt),
        ],
        blank_is_null: true,
    };

    #[test]
    fn the_upsert_keys_on_the_first_column_and_updates_the_others() {
        assert_eq!(
            COPY.sql(),
            "INSERT INTO x_orgs (org_id, uscc, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (org_id) DO UPDATE SET uscc = excluded.uscc, updated_at = excluded.updated_at"
        );
    }

    #[test]
    fn a_blank_member_is_null_only_where_the_copy_says_so() {
        let o = OrganizationRegistered {
            id: "o1".into(),
            uscc: String::new(),
            name: "甲公司".into(),
            kind: "bidder".into(),
            legal_representative: Some(String::new()),
            legal_representative_id: None,
            basic_account_bank: None,
            basic_account_no: Some("6222".into()),
            region: None,
        };
        let now = chrono::Utc::now();
        let text = |v: Val| match v {
            Val::Text(t) => t,
            Val::Micros(_) => panic!("not text"),
        };
        assert_eq!(text(COPY.value(OrgField::Uscc, &o, now)), None);
        assert_eq!(
            text(COPY.value(OrgField::LegalRepresentative, &o, now)),
            None
        );
        assert_eq!(
            text(COPY.value(OrgField::BasicAccountNo, &o, now)),
            Some("6222".into())
        );
        let keep = OrgCopy {
            blank_is_null: false,
            ..COPY
        };
        assert_eq!(
            text(keep.value(OrgField::Uscc, &o, now)),
            Some(String::new())
        );
    }
}
