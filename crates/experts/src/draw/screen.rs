//! Screening of the pool: candidates, person relations (回避关系), parties of a draw and the
//! exclusions that keep an expert out (回避, eligibility).

use super::*;

/// An expert as the screening sees it (assembled by the service from its tables).
#[derive(Debug, Clone)]
pub struct Candidate {
    pub id: String,
    pub resident_id: ResidentId,
    pub employer_uscc: String,
    pub specialties: Vec<String>,
    pub title: Title,
    pub years: i64,
    pub status: Status,
    /// Declared conflicts (organization USCCs).
    pub conflicts: Vec<String>,
    pub leaves: Vec<(Timestamp, Timestamp)>,
    /// Earlier committee assignments.
    pub assignments: Vec<Assignment>,
    /// In the government procurement pool (政府采购评审专家库; 政采条例 39).
    pub procurement_pool: bool,
    /// Person-level relations recorded in the pool (政采条例 9; 评标规定 12; 实施条例 46).
    pub relations: Vec<PersonRelation>,
}

/// What kind of relation an expert has with an organization (回避关系).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RelationKind {
    /// Employment (劳动关系), current or past (政采条例 9: 前3年内).
    Employment,
    /// Director, supervisor or officer (担任董事、监事), current or past (政采条例 9).
    Directorship,
    /// Control (控股或者实际控制), current or past (政采条例 9).
    Control,
    /// Spouse or close relative (夫妻、直系血亲、三代以内旁系血亲或者近姻亲) of a named principal
    /// (法定代表人或者负责人) of the organization (政采条例 9; 评标规定 12).
    Kinship,
    /// Staff of the competent or supervising department (项目主管部门或者行政监督部门的人员;
    /// 评标规定 12; 实施条例 46).
    SupervisingDepartment,
}

ggzy_core::text_enum!(
    RelationKind,
    |s: &str| RelationKind::parse(s).map_err(|e| e.message),
    RelationKind::as_str
);

impl RelationKind {
    pub const ALL: [RelationKind; 5] = [
        RelationKind::Employment,
        RelationKind::Directorship,
        RelationKind::Control,
        RelationKind::Kinship,
        RelationKind::SupervisingDepartment,
    ];
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        RelationKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
            .ok_or_else(|| {
                FieldError::new(
                    "kind",
                    "relation.kind",
                    "kind must be employment, directorship, control, kinship or supervising_department",
                )
            })
    }
    pub fn as_str(&self) -> &'static str {
        match self {
            RelationKind::Employment => "employment",
            RelationKind::Directorship => "directorship",
            RelationKind::Control => "control",
            RelationKind::Kinship => "kinship",
            RelationKind::SupervisingDepartment => "supervising_department",
        }
    }
    /// Does the relation still count once it has ended (for the look-back period)?
    pub fn has_lookback(&self) -> bool {
        matches!(
            self,
            RelationKind::Employment | RelationKind::Directorship | RelationKind::Control
        )
    }
}

/// A person-level relation as the screening sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRelation {
    pub kind: RelationKind,
    /// The organization (USCC); for a supervising department the department itself.
    pub org_uscc: Option<String>,
    /// A supervising department's market (`None` = every market it may supervise).
    pub market: Option<String>,
    pub since: Option<NaiveDate>,
    /// Last day of the relation (`None` = ongoing).
    pub until: Option<NaiveDate>,
}

/// How long past relations count (政采条例 9: 参加采购活动前3年内).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RelationRules {
    /// Months an ended employment, directorship or control relation still counts (36 = 3 years).
    pub lookback_months: u32,
}

impl Default for RelationRules {
    fn default() -> Self {
        RelationRules {
            lookback_months: 36,
        }
    }
}

impl RelationRules {
    /// The earliest last day of a relation that still counts on `today`: a relation that ended on
    /// this day or later is within the past 3 years (inclusive); one that ended the day before is not.
    pub fn earliest_counting_end(&self, today: NaiveDate) -> NaiveDate {
        today
            .checked_sub_months(chrono::Months::new(self.lookback_months))
            .unwrap_or(NaiveDate::MIN)
    }

    /// Does `r` count on `today`? It must have begun (since ≤ today) and not have ended before the
    /// look-back (employment, directorship, control) or before today (kinship, department staff).
    pub fn in_force(&self, r: &PersonRelation, today: NaiveDate) -> bool {
        if r.since.is_some_and(|s| s > today) {
            return false;
        }
        match r.until {
            None => true,
            Some(u) if r.kind.has_lookback() => u >= self.earliest_counting_end(today),
            Some(u) => u >= today,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    Active,
    /// Suspended (暂停) for the period; `None` bounds are open.
    Suspended {
        from: Option<Timestamp>,
        until: Option<Timestamp>,
    },
    Retired,
}

#[derive(Debug, Clone)]
pub struct Assignment {
    pub draw_id: String,
    pub tenderer_uscc: String,
    pub session_start: Timestamp,
    pub session_end: Timestamp,
    pub drawn_at: Timestamp,
}

/// The parties of one draw and its session.
#[derive(Debug, Clone)]
pub struct DrawParties {
    pub tenderer_uscc: String,
    pub agency_uscc: Option<String>,
    pub bidder_usccs: Vec<String>,
    pub session_start: Timestamp,
    pub session_end: Timestamp,
    pub now: Timestamp,
    /// Today in Asia/Shanghai (ages).
    pub today: NaiveDate,
    /// Government procurement (政府采购): only experts of the procurement pool may serve.
    pub procurement: bool,
    /// The section's market as the projects area registered it (`None` when unknown).
    pub market: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    Tenderer,
    Agency,
    Bidder,
}

/// Why an expert was left out of a draw. Every applicable reason is listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Exclusion {
    /// Works for a party (评标规定 12; 实施条例 46).
    EmployedByParty {
        party: Party,
        uscc: String,
    },
    /// Declared a conflict with a party (评标规定 12).
    DeclaredConflict {
        party: Party,
        uscc: String,
    },
    Suspended,
    Retired {
        age: i32,
    },
    OnLeave,
    /// Already a member of a committee whose session overlaps.
    Booked {
        draw_id: String,
    },
    /// Drawn for the same tenderer within the recent window.
    RecentlyDrawn {
        draw_id: String,
    },
    /// Below the eligibility bar (专家库办法 7).
    TitleNotSenior,
    TooFewYears {
        years: i64,
        min: i64,
    },
    /// A procurement draw takes only experts of the procurement pool (政采条例 39; 财库〔2016〕198号).
    NotInProcurementPool,
    /// A person-level relation with a party or the supervising department (政采条例 9; 评标规定 12;
    /// 实施条例 46). A bidder is never named (`uscc` is `None`): the bidders are confidential
    /// before the opening (招标投标法 22).
    Related {
        kind: RelationKind,
        /// `None` for a supervising department.
        party: Option<Party>,
        uscc: Option<String>,
    },
}

impl Exclusion {
    /// A short key counting exclusions by reason in the draw record (no party named).
    pub fn key(&self) -> String {
        match self {
            Exclusion::EmployedByParty { .. } => "employed_by_party".into(),
            Exclusion::DeclaredConflict { .. } => "declared_conflict".into(),
            Exclusion::Suspended => "suspended".into(),
            Exclusion::Retired { .. } => "retired".into(),
            Exclusion::OnLeave => "on_leave".into(),
            Exclusion::Booked { .. } => "booked".into(),
            Exclusion::RecentlyDrawn { .. } => "recently_drawn".into(),
            Exclusion::TitleNotSenior => "title_not_senior".into(),
            Exclusion::TooFewYears { .. } => "too_few_years".into(),
            Exclusion::NotInProcurementPool => "not_in_procurement_pool".into(),
            Exclusion::Related { kind, .. } => format!("related_{}", kind.as_str()),
        }
    }
}

/// How many experts were left out for each reason (an expert with two reasons counts under both).
pub fn exclusion_counts(excluded: &[Excluded]) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for e in excluded {
        let keys: BTreeSet<String> = e.reasons.iter().map(Exclusion::key).collect();
        for k in keys {
            *out.entry(k).or_insert(0) += 1;
        }
    }
    out
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Excluded {
    pub expert_id: String,
    pub reasons: Vec<Exclusion>,
}

/// What the selection needs of an eligible expert; the snapshot is a sorted list of these.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EligibleExpert {
    pub id: String,
    pub employer_uscc: String,
    pub specialties: Vec<String>,
}

fn overlaps(a: (Timestamp, Timestamp), b: (Timestamp, Timestamp)) -> bool {
    a.0 < b.1 && b.0 < a.1
}

/// The parties of a draw indexed by USCC (a pool of 100 000 against hundreds of bidders).
pub struct PartyIndex<'a> {
    /// USCC → (position in tenderer, agency, bidders order; role).
    by_uscc: std::collections::HashMap<&'a str, Vec<(usize, Party)>>,
}

impl<'a> PartyIndex<'a> {
    pub fn new(p: &'a DrawParties) -> Self {
        let mut parties: Vec<(Party, &str)> = vec![(Party::Tenderer, p.tenderer_uscc.as_str())];
        if let Some(a) = &p.agency_uscc {
            parties.push((Party::Agency, a.as_str()));
        }
        for b in &p.bidder_usccs {
            parties.push((Party::Bidder, b.as_str()));
        }
        let mut by_uscc: std::collections::HashMap<&str, Vec<(usize, Party)>> =
            std::collections::HashMap::new();
        for (i, (party, uscc)) in parties.into_iter().enumerate() {
            by_uscc.entry(uscc).or_default().push((i, party));
        }
        PartyIndex { by_uscc }
    }
}

/// Every reason `c` may not serve in this draw (empty = may serve).
pub fn exclusions(c: &Candidate, p: &DrawParties, rules: &PoolRules) -> Vec<Exclusion> {
    exclusions_indexed(c, p, &PartyIndex::new(p), rules)
}

/// [`exclusions`] with the parties already indexed. Reasons come in a fixed order: employment by
/// tenderer, agency, bidders (request order), then declared conflicts in the same order, then the rest.
pub fn exclusions_indexed(
    c: &Candidate,
    p: &DrawParties,
    index: &PartyIndex<'_>,
    rules: &PoolRules,
) -> Vec<Exclusion> {
    let mut out = Vec::new();
    if let Some(list) = index.by_uscc.get(c.employer_uscc.as_str()) {
        for (_, party) in list {
            out.push(Exclusion::EmployedByParty {
                party: *party,
                uscc: c.employer_uscc.clone(),
            });
        }
    }
    let mut conflicts: Vec<(usize, Party, &str)> = Vec::new();
    for x in &c.conflicts {
        if let Some(list) = index.by_uscc.get(x.as_str()) {
            for (i, party) in list {
                conflicts.push((*i, *party, x.as_str()));
            }
        }
    }
    conflicts.sort_by_key(|(i, _, _)| *i);
    conflicts.dedup_by_key(|(i, _, _)| *i);
    for (_, party, uscc) in conflicts {
        out.push(Exclusion::DeclaredConflict {
            party,
            uscc: uscc.to_string(),
        });
    }
    let rel_rules = RelationRules::default();
    let mut related: Vec<(usize, Exclusion)> = Vec::new();
    for r in c
        .relations
        .iter()
        .filter(|r| rel_rules.in_force(r, p.today))
    {
        if r.kind == RelationKind::SupervisingDepartment {
            if r.market.is_none() || r.market == p.market {
                related.push((
                    usize::MAX,
                    Exclusion::Related {
                        kind: r.kind,
                        party: None,
                        uscc: r.org_uscc.clone(),
                    },
                ));
            }
            continue;
        }
        let Some(org) = r.org_uscc.as_deref() else {
            continue;
        };
        for (i, party) in index.by_uscc.get(org).into_iter().flatten() {
            related.push((
                *i,
                Exclusion::Related {
                    kind: r.kind,
                    party: Some(*party),
                    uscc: (*party != Party::Bidder).then(|| org.to_string()),
                },
            ));
        }
    }
    related.sort_by_key(|(i, e)| (*i, e.key()));
    related.dedup();
    out.extend(related.into_iter().map(|(_, e)| e));
    if p.procurement && !c.procurement_pool {
        out.push(Exclusion::NotInProcurementPool);
    }
    let session = (p.session_start, p.session_end);
    match &c.status {
        Status::Active => {}
        Status::Retired => out.push(Exclusion::Retired {
            age: c.resident_id.age_on(p.today),
        }),
        Status::Suspended { from, until } => {
            let f = from.unwrap_or(chrono::DateTime::<chrono::Utc>::MIN_UTC);
            let u = until.unwrap_or(chrono::DateTime::<chrono::Utc>::MAX_UTC);
            if overlaps((f, u), session) || overlaps((f, u), (p.now, p.session_end)) {
                out.push(Exclusion::Suspended);
            }
        }
    }
    let age = c.resident_id.age_on(p.today);
    if age >= rules.retire_age && c.status != Status::Retired {
        out.push(Exclusion::Retired { age });
    }
    if c.leaves.iter().any(|l| overlaps(*l, session)) {
        out.push(Exclusion::OnLeave);
    }
    for a in &c.assignments {
        if overlaps((a.session_start, a.session_end), session) {
            out.push(Exclusion::Booked {
                draw_id: a.draw_id.clone(),
            });
        }
    }
    let window_start = p.now - chrono::Duration::days(rules.recent_window_days);
    for a in &c.assignments {
        if a.tenderer_uscc == p.tenderer_uscc && a.drawn_at > window_start {
            out.push(Exclusion::RecentlyDrawn {
                draw_id: a.draw_id.clone(),
            });
        }
    }
    if rules.senior_title_required && !c.title.is_senior() {
        out.push(Exclusion::TitleNotSenior);
    }
    if c.years < rules.min_years {
        out.push(Exclusion::TooFewYears {
            years: c.years,
            min: rules.min_years,
        });
    }
    out
}

/// Split the pool into the sorted eligible snapshot and the excluded experts with their reasons.
pub fn screen(
    pool: &[Candidate],
    p: &DrawParties,
    rules: &PoolRules,
) -> (Vec<EligibleExpert>, Vec<Excluded>) {
    let mut ok = Vec::new();
    let mut excluded = Vec::new();
    let index = PartyIndex::new(p);
    for c in pool {
        let reasons = exclusions_indexed(c, p, &index, rules);
        if reasons.is_empty() {
            let mut specialties = c.specialties.clone();
            specialties.sort();
            specialties.dedup();
            ok.push(EligibleExpert {
                id: c.id.clone(),
                employer_uscc: c.employer_uscc.clone(),
                specialties,
            });
        } else {
            excluded.push(Excluded {
                expert_id: c.id.clone(),
                reasons,
            });
        }
    }
    ok.sort_by(|a, b| a.id.cmp(&b.id));
    excluded.sort_by(|a, b| a.expert_id.cmp(&b.expert_id));
    (ok, excluded)
}
