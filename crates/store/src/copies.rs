//! Areas' copies of another area's facts, kept by one reusable projector per copied table instead of
//! a hand-written upsert in each consumer (issue 17, item 1: "shared projections … come from one
//! reusable projector per area table").
//!
//! [`OrgCopy`]: an area's table of the organizations it needs, filled from
//! `identity.organization.registered` (`ggzy_events::identity::OrganizationRegistered`);
//! [`SectionCopy`]: an area's table of the registered sections, filled from
//! `projects.section.registered` (`ggzy_events::projects::SectionRegistered`). Each area declares
//! which members it keeps under which column names; the projector writes the row (insert, and on a
//! repeated key update or keep it, as the copy says) in the consumer's transaction, on both engines.

use crate::Tx;
use ggzy_core::time::to_micros;
use ggzy_core::{Result, Timestamp};
use ggzy_events::identity::OrganizationRegistered;
use ggzy_events::projects::SectionRegistered;

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
    Int(Option<i64>),
}

impl Val {
    fn bind<'q>(
        self,
        q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
        match self {
            Val::Text(t) => q.bind(t),
            Val::Micros(m) => q.bind(m),
            Val::Int(i) => q.bind(i),
        }
    }
}

/// `INSERT INTO table (c1, …) VALUES ($1, …) ON CONFLICT (c1)` and then, as `on_repeat` says:
/// `DO UPDATE SET c = excluded.c, …`, `DO UPDATE SET c = COALESCE(excluded.c, table.c), …` or
/// `DO NOTHING`.
fn upsert_sql(table: &str, names: &[&str], on_repeat: OnRepeat) -> String {
    let params: Vec<String> = (1..=names.len()).map(|i| format!("${i}")).collect();
    let set = |value: &dyn Fn(&str) -> String| {
        let set: Vec<String> = names
            .iter()
            .skip(1)
            .map(|c| format!("{c} = {}", value(c)))
            .collect();
        format!("DO UPDATE SET {}", set.join(", "))
    };
    let on_conflict = match on_repeat {
        OnRepeat::Update => set(&|c| format!("excluded.{c}")),
        OnRepeat::Merge => set(&|c| format!("COALESCE(excluded.{c}, {table}.{c})")),
        OnRepeat::Keep => "DO NOTHING".to_string(),
    };
    format!(
        "INSERT INTO {table} ({}) VALUES ({}) ON CONFLICT ({}) {on_conflict}",
        names.join(", "),
        params.join(", "),
        names[0],
    )
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
        upsert_sql(self.table, &names, OnRepeat::Update)
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
            q = self.value(*f, o, now).bind(q);
        }
        q.execute(&mut **tx).await?;
        Ok(())
    }
}

/// A member of `projects.section.registered` an area keeps, a constant, or the copy's own time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SectionField {
    SectionId,
    ProjectId,
    /// 统一交易编码, NULL when the project has none.
    ProjectCode,
    /// 统一交易编码, empty text when the project has none.
    ProjectCodeOrBlank,
    ProjectName,
    /// The section's own name.
    Name,
    Market,
    /// 招标/采购/交易方式.
    Procedure,
    TendererUscc,
    /// The tenderer's USCC, or when it has none the organization that registered the project.
    TendererUsccOrOwner,
    /// The tenderer's name (NULL in events emitted before it was added).
    TendererName,
    /// The project's region (NULL in events emitted before it was added).
    Region,
    /// The organization that registered the project (tenderer or agency).
    OwnerOrgId,
    /// 估算价 / 预算金额 in fen.
    EstimatedFen,
    /// 估算价 / 预算金额 as a decimal text (`"1000000.00"`).
    EstimatedDecimal,
    /// 保证金 in fen.
    DepositFen,
    DocsIssueAt,
    DocsSaleEndAt,
    BidDeadline,
    OpeningAt,
    /// `works`, `goods` … (NULL for land and property).
    Subject,
    /// 投标有效期 in days, when stated.
    BidValidityDays,
    /// When the copy was written (microseconds, the consumer's clock).
    UpdatedAt,
    /// A constant text (an initial state of the area's own).
    Text(&'static str),
    /// A constant number (an initial counter).
    Int(i64),
}

/// What a copy does when the section is already there (a repeated or replayed event).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnRepeat {
    /// Write the event's values again.
    Update,
    /// Write the event's values again, but keep a stored value where the event has none (NULL, or
    /// blank text when the copy writes blanks as NULL).
    Merge,
    /// Keep the row as the area has moved it on since.
    Keep,
}

/// One area's copy of the registered sections: its table, and its columns with what each holds (the
/// first column is the key, holding [`SectionField::SectionId`]).
#[derive(Debug, Clone, Copy)]
pub struct SectionCopy {
    pub table: &'static str,
    pub columns: &'static [(&'static str, SectionField)],
    pub on_repeat: OnRepeat,
    /// Write an empty text member as NULL (a copy whose readers treat NULL as "not stated").
    pub blank_is_null: bool,
}

impl SectionCopy {
    fn value(&self, f: SectionField, s: &SectionRegistered, now: Timestamp) -> Val {
        use SectionField as F;
        let text = |t: &str| {
            Val::Text(if self.blank_is_null && t.is_empty() {
                None
            } else {
                Some(t.to_string())
            })
        };
        let opt = |t: &Option<String>| match t {
            Some(t) => text(t),
            None => Val::Text(None),
        };
        match f {
            F::SectionId => Val::Text(Some(s.section_id.clone())),
            F::ProjectId => text(&s.project_id),
            F::ProjectCode => opt(&s.project_code),
            F::ProjectCodeOrBlank => Val::Text(Some(s.project_code.clone().unwrap_or_default())),
            F::ProjectName => text(&s.project_name),
            F::Name => text(&s.name),
            F::Market => text(s.market.as_str()),
            F::Procedure => text(&s.procedure),
            F::TendererUscc => text(&s.tenderer_uscc),
            F::TendererUsccOrOwner if s.tenderer_uscc.is_empty() => text(&s.owner_org_id),
            F::TendererUsccOrOwner => text(&s.tenderer_uscc),
            F::TendererName => opt(&s.tenderer_name),
            F::Region => opt(&s.region),
            F::OwnerOrgId => text(&s.owner_org_id),
            F::EstimatedFen => Val::Int(Some(s.estimated_price.fen())),
            F::EstimatedDecimal => text(&s.estimated_price.to_string()),
            F::DepositFen => Val::Int(Some(s.deposit.fen())),
            F::DocsIssueAt => Val::Micros(to_micros(s.docs_issue_at)),
            F::DocsSaleEndAt => Val::Micros(to_micros(s.docs_sale_end_at)),
            F::BidDeadline => Val::Micros(to_micros(s.bid_deadline)),
            F::OpeningAt => Val::Micros(to_micros(s.opening_at)),
            F::Subject => opt(&s.subject),
            F::BidValidityDays => Val::Int(s.bid_validity_days),
            F::UpdatedAt => Val::Micros(to_micros(now)),
            F::Text(t) => Val::Text(Some(t.to_string())),
            F::Int(i) => Val::Int(Some(i)),
        }
    }

    /// The statement: insert, and on a repeated section update every other column, merge them or
    /// keep the row ([`OnRepeat`]).
    pub fn sql(&self) -> String {
        let names: Vec<&str> = self.columns.iter().map(|(c, _)| *c).collect();
        upsert_sql(self.table, &names, self.on_repeat)
    }

    /// Writes the section's row of this copy.
    pub async fn upsert(&self, tx: &mut Tx, s: &SectionRegistered, now: Timestamp) -> Result<()> {
        let sql = self.sql();
        let mut q = sqlx::query(&sql);
        for (_, f) in self.columns {
            q = self.value(*f, s, now).bind(q);
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
            _ => panic!("not text"),
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

    const SECTIONS: SectionCopy = SectionCopy {
        table: "x_sections",
        columns: &[
            ("section_id", SectionField::SectionId),
            ("project_code", SectionField::ProjectCode),
            ("tenderer", SectionField::TendererUsccOrOwner),
            ("region", SectionField::Region),
        ],
        on_repeat: OnRepeat::Merge,
        blank_is_null: true,
    };

    fn section() -> SectionRegistered {
        let t = chrono::Utc::now();
        SectionRegistered {
            section_id: "s1".into(),
            no: 1,
            name: "一标段".into(),
            estimated_price: ggzy_core::Money::from_fen(123_456),
            deposit: ggzy_core::Money::from_fen(0),
            docs_issue_at: t,
            docs_sale_end_at: t,
            bid_deadline: t,
            opening_at: t,
            state: "registered".into(),
            subject: None,
            project_id: "p1".into(),
            project_code: Some(String::new()),
            project_name: "项目".into(),
            market: ggzy_core::ident::Market::Construction,
            procedure: "open_tender".into(),
            tenderer_uscc: String::new(),
            owner_org_id: "o1".into(),
            bid_validity_days: None,
            region: None,
            tenderer_name: None,
        }
    }

    #[test]
    fn each_repeat_mode_has_its_conflict_clause() {
        assert_eq!(
            SECTIONS.sql(),
            "INSERT INTO x_sections (section_id, project_code, tenderer, region) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (section_id) DO UPDATE SET \
             project_code = COALESCE(excluded.project_code, x_sections.project_code), \
             tenderer = COALESCE(excluded.tenderer, x_sections.tenderer), \
             region = COALESCE(excluded.region, x_sections.region)"
        );
        let update = SectionCopy {
            on_repeat: OnRepeat::Update,
            ..SECTIONS
        };
        assert!(update.sql().ends_with(
            "DO UPDATE SET project_code = excluded.project_code, tenderer = excluded.tenderer, \
             region = excluded.region"
        ));
        let keep = SectionCopy {
            on_repeat: OnRepeat::Keep,
            ..SECTIONS
        };
        assert!(keep.sql().ends_with("ON CONFLICT (section_id) DO NOTHING"));
    }

    #[test]
    fn a_section_copy_writes_blanks_as_null_only_where_it_says_so() {
        let s = section();
        let now = chrono::Utc::now();
        let text = |v: Val| match v {
            Val::Text(t) => t,
            _ => panic!("not text"),
        };
        let keep = SectionCopy {
            blank_is_null: false,
            ..SECTIONS
        };
        assert_eq!(
            text(SECTIONS.value(SectionField::ProjectCode, &s, now)),
            None
        );
        assert_eq!(
            text(keep.value(SectionField::ProjectCode, &s, now)),
            Some(String::new())
        );
        // No tenderer USCC: the registering organization stands in.
        assert_eq!(
            text(SECTIONS.value(SectionField::TendererUsccOrOwner, &s, now)),
            Some("o1".into())
        );
        let with_uscc = SectionRegistered {
            tenderer_uscc: "91210200MA0000000X".into(),
            ..section()
        };
        assert_eq!(
            text(SECTIONS.value(SectionField::TendererUsccOrOwner, &with_uscc, now)),
            Some("91210200MA0000000X".into())
        );
        assert_eq!(
            text(SECTIONS.value(SectionField::EstimatedDecimal, &s, now)),
            Some("1234.56".into())
        );
        assert_eq!(text(SECTIONS.value(SectionField::Region, &s, now)), None);
    }
}
