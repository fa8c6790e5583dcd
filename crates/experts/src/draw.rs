//! Pure rules of the expert draw: avoidance (回避), eligibility, committee size, and the reproducible
//! selection. No I/O here; the service feeds it rows and stores what it returns.

use chrono::NaiveDate;
use ggzy_core::ident::ResidentId;
use ggzy_core::{FieldError, Money, Timestamp};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use utoipa::ToSchema;

/// Professional title (职称). Only the two senior grades qualify (专家库办法 7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Title {
    /// 正高级
    FullSenior,
    /// 副高级
    Senior,
    /// 中级
    Intermediate,
    /// 初级
    Junior,
}

impl Title {
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        match s.trim() {
            "full_senior" => Ok(Title::FullSenior),
            "senior" => Ok(Title::Senior),
            "intermediate" => Ok(Title::Intermediate),
            "junior" => Ok(Title::Junior),
            _ => Err(FieldError::new(
                "",
                "expert.title",
                "title must be full_senior, senior, intermediate or junior",
            )),
        }
    }
    pub fn as_str(&self) -> &'static str {
        match self {
            Title::FullSenior => "full_senior",
            Title::Senior => "senior",
            Title::Intermediate => "intermediate",
            Title::Junior => "junior",
        }
    }
    pub fn is_senior(&self) -> bool {
        matches!(self, Title::FullSenior | Title::Senior)
    }
}

/// A specialty code of the classification, e.g. `A08.02` (letter, two digits, optional `.NN` levels).
pub fn parse_specialty(s: &str) -> Result<String, FieldError> {
    let s = s.trim();
    let mut parts = s.split('.');
    let head = parts.next().unwrap_or("");
    let head_ok = head.len() == 3
        && head.as_bytes()[0].is_ascii_uppercase()
        && head[1..].bytes().all(|b| b.is_ascii_digit());
    let rest_ok = parts.all(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit()));
    if head_ok && rest_ok && s.len() <= 12 {
        Ok(s.to_string())
    } else {
        Err(FieldError::new(
            "",
            "expert.specialty_code",
            format!("'{s}' is not a specialty code like A08.02"),
        ))
    }
}

/// Configurable pool rules. Defaults are the national ones; regions may set stricter values.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PoolRules {
    /// Minimum years in the field (专家库办法 7: 从事相关专业领域工作满八年).
    pub min_years: i64,
    /// A senior title (高级职称) is required (专家库办法 7).
    pub senior_title_required: bool,
    /// Age at which an expert is treated as retired from the pool (local practice, commonly 70).
    pub retire_age: i32,
    /// An expert drawn for the same tenderer within this many days is avoided (local practice
    /// against "熟面孔", 实施条例 46 spirit of random selection).
    pub recent_window_days: i64,
}

impl Default for PoolRules {
    fn default() -> Self {
        PoolRules {
            min_years: 8,
            senior_title_required: true,
            retire_age: 70,
            recent_window_days: 90,
        }
    }
}

/// Committee size rules with their sources.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CommitteeRules {
    /// 招标投标法 37: 成员人数为五人以上单数.
    pub min_members: u32,
    /// 招标投标法 37: 单数.
    pub odd_members: bool,
    /// 招标投标法 37: 技术、经济等方面的专家不得少于成员总数的三分之二 (numerator/denominator).
    pub expert_share: (u32, u32),
    /// 87号令 47: 采购预算金额在1000万元以上 … 评标委员会成员人数应当为7人以上单数.
    pub gp_large_budget: Money,
    /// 87号令 47.
    pub gp_large_min_members: u32,
    /// 政采法 38, 40: 谈判小组 / 询价小组 由采购人的代表和有关专家共三人以上的单数组成，其中专家的人数
    /// 不得少于成员总数的三分之二 (also the 磋商小组 of 财库〔2014〕214号).
    pub panel_min_members: u32,
}

/// Procedures whose evaluators are a panel (小组) rather than a committee (政采法 38, 40; 财库〔2014〕214号).
pub const PANEL_PROCEDURES: [&str; 3] = [
    "competitive_negotiation",
    "inquiry",
    "competitive_consultation",
];

impl Default for CommitteeRules {
    fn default() -> Self {
        CommitteeRules {
            min_members: 5,
            odd_members: true,
            expert_share: (2, 3),
            gp_large_budget: Money::from_fen(1_000_000_000),
            gp_large_min_members: 7,
            panel_min_members: 3,
        }
    }
}

impl CommitteeRules {
    /// [`Self::check`] for a section of `procedure`: a negotiation, inquiry or consultation panel
    /// needs ≥ 3 members, odd, experts ≥ 2/3 (政采法 38, 40); every other procedure a committee.
    pub fn check_for(
        &self,
        procedure: Option<&str>,
        experts: u32,
        representatives: u32,
        procurement_budget: Option<Money>,
    ) -> Vec<FieldError> {
        if !procedure.is_some_and(|p| PANEL_PROCEDURES.contains(&p)) {
            return self.check(experts, representatives, procurement_budget);
        }
        let mut errs = Vec::new();
        let members = experts + representatives;
        if members < self.panel_min_members {
            errs.push(FieldError::new(
                "specialties",
                "panel.min_members",
                format!(
                    "the panel needs at least {} members, got {members} (政采法 38, 40)",
                    self.panel_min_members
                ),
            ));
        }
        if members % 2 != 1 {
            errs.push(FieldError::new(
                "specialties",
                "panel.odd_members",
                format!(
                    "the panel must have an odd number of members, got {members} (政采法 38, 40)"
                ),
            ));
        }
        let (num, den) = self.expert_share;
        if u64::from(experts) * u64::from(den) < u64::from(members) * u64::from(num) {
            errs.push(FieldError::new(
                "representatives",
                "panel.expert_share",
                format!(
                    "experts must be at least {num}/{den} of the panel, got {experts} of {members} (政采法 38, 40)"
                ),
            ));
        }
        errs
    }

    /// Every broken size rule. `members` = experts + tenderer representatives;
    /// `procurement_budget` is set for government procurement (政府采购).
    pub fn check(
        &self,
        experts: u32,
        representatives: u32,
        procurement_budget: Option<Money>,
    ) -> Vec<FieldError> {
        let mut errs = Vec::new();
        let members = experts + representatives;
        let min = match procurement_budget {
            Some(b) if b >= self.gp_large_budget => self.gp_large_min_members.max(self.min_members),
            _ => self.min_members,
        };
        if members < min {
            let (rule, src) = if min > self.min_members {
                ("committee.gp_large_min_members", "87号令 47")
            } else {
                ("committee.min_members", "招标投标法 37")
            };
            errs.push(FieldError::new(
                "specialties",
                rule,
                format!("the committee needs at least {min} members, got {members} ({src})"),
            ));
        }
        if self.odd_members && members % 2 != 1 {
            errs.push(FieldError::new(
                "specialties",
                "committee.odd_members",
                format!("the committee must have an odd number of members, got {members} (招标投标法 37)"),
            ));
        }
        let (num, den) = self.expert_share;
        if u64::from(experts) * u64::from(den) < u64::from(members) * u64::from(num) {
            errs.push(FieldError::new(
                "representatives",
                "committee.expert_share",
                format!(
                    "experts must be at least {num}/{den} of the members, got {experts} of {members} (招标投标法 37)"
                ),
            ));
        }
        errs
    }
}

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

/// A specialty code of the expert classification (专业分类): a capital letter and two digits, then
/// two-digit levels, at most 12 characters, e.g. `A08.02` (checked by `expert.specialty_code`).
#[derive(ToSchema)]
#[schema(
    value_type = String,
    example = "A08.02",
    pattern = "^[A-Z][0-9]{2}(\\.[0-9]{2}){0,3}$"
)]
pub struct SpecialtyCode(#[allow(dead_code)] String);

/// How many experts (and backups) of one specialty a draw needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SpecialtyCount {
    #[schema(value_type = SpecialtyCode)]
    pub specialty: String,
    pub count: u32,
    #[serde(default)]
    pub backups: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Pick {
    pub expert_id: String,
    pub specialty: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Committee {
    pub members: Vec<Pick>,
    /// Replacements in the order they are called (实施条例 48: re-drawn the same way).
    pub backups: Vec<Pick>,
}

/// Not enough eligible experts for a specialty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shortfall {
    pub specialty: String,
    pub needed: u32,
    pub available: u32,
}

impl Shortfall {
    pub fn short_by(&self) -> u32 {
        self.needed - self.available
    }
    pub fn to_field_error(&self) -> FieldError {
        FieldError::new(
            format!("specialties.{}", self.specialty),
            "draw.too_few_experts",
            format!(
                "specialty {} is short by {}: needs {} (members and backups), only {} eligible with distinct employers",
                self.specialty,
                self.short_by(),
                self.needed,
                self.available
            ),
        )
    }
}

/// Deterministic selection: the same seed, snapshot and request always give the same committee.
/// Specialties are drawn in code order; for each, the eligible experts not yet chosen (sorted by id)
/// are shuffled by ChaCha20 seeded with `seed`, and taken in that order skipping an employer already
/// on the committee or the backup list (at most one expert per employer).
pub fn select(
    seed: [u8; 32],
    snapshot: &[EligibleExpert],
    request: &[SpecialtyCount],
) -> Result<Committee, Vec<Shortfall>> {
    let mut rng = ChaCha20Rng::from_seed(seed);
    let mut sorted: Vec<&EligibleExpert> = snapshot.iter().collect();
    sorted.sort_by(|a, b| a.id.cmp(&b.id));
    let mut by_code: BTreeMap<&str, (u32, u32)> = BTreeMap::new();
    for r in request {
        let e = by_code.entry(r.specialty.as_str()).or_insert((0, 0));
        e.0 += r.count;
        e.1 += r.backups;
    }
    let mut used_ids: BTreeSet<&str> = BTreeSet::new();
    let mut used_employers: BTreeSet<&str> = BTreeSet::new();
    let mut members = Vec::new();
    let mut backups = Vec::new();
    let mut short = Vec::new();
    for (code, (count, nb)) in &by_code {
        let mut pool: Vec<&EligibleExpert> = sorted
            .iter()
            .copied()
            .filter(|e| {
                e.specialties.iter().any(|s| s == code) && !used_ids.contains(e.id.as_str())
            })
            .collect();
        pool.shuffle(&mut rng);
        let mut taken = Vec::new();
        for e in pool {
            if taken.len() as u32 == count + nb {
                break;
            }
            if used_employers.contains(e.employer_uscc.as_str()) {
                continue;
            }
            used_employers.insert(e.employer_uscc.as_str());
            used_ids.insert(e.id.as_str());
            taken.push(e);
        }
        if (taken.len() as u32) < count + nb {
            short.push(Shortfall {
                specialty: code.to_string(),
                needed: count + nb,
                available: taken.len() as u32,
            });
            continue;
        }
        for (i, e) in taken.into_iter().enumerate() {
            let pick = Pick {
                expert_id: e.id.clone(),
                specialty: code.to_string(),
            };
            if (i as u32) < *count {
                members.push(pick);
            } else {
                backups.push(pick);
            }
        }
    }
    if short.is_empty() {
        Ok(Committee { members, backups })
    } else {
        Err(short)
    }
}

/// Canonical bytes of a snapshot: compact JSON of the experts sorted by id.
pub fn canonical_snapshot(snapshot: &[EligibleExpert]) -> Vec<u8> {
    let mut s: Vec<&EligibleExpert> = snapshot.iter().collect();
    s.sort_by(|a, b| a.id.cmp(&b.id));
    serde_json::to_vec(&s).unwrap_or_default()
}

pub fn snapshot_digest(snapshot: &[EligibleExpert]) -> String {
    hex::encode(Sha256::digest(canonical_snapshot(snapshot)))
}

/// Commitment published before the result: sha256(seed), hex.
pub fn commitment(seed: &[u8; 32]) -> String {
    hex::encode(Sha256::digest(seed))
}

/// Outcome of re-checking a revealed draw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Verification {
    pub commitment_matches: bool,
    pub snapshot_digest_matches: bool,
    pub committee_matches: bool,
    pub valid: bool,
}

/// Recompute a draw from its revealed seed and stored snapshot.
pub fn verify(
    seed: &[u8; 32],
    stored_commitment: &str,
    snapshot: &[EligibleExpert],
    stored_digest: &str,
    request: &[SpecialtyCount],
    stored: &Committee,
) -> Verification {
    let commitment_matches = commitment(seed) == stored_commitment;
    let snapshot_digest_matches = snapshot_digest(snapshot) == stored_digest;
    let committee_matches = select(*seed, snapshot, request).as_ref() == Ok(stored);
    Verification {
        commitment_matches,
        snapshot_digest_matches,
        committee_matches,
        valid: commitment_matches && snapshot_digest_matches && committee_matches,
    }
}

/// Parse a 64-hex-digit seed.
pub fn parse_seed(hex_seed: &str) -> Option<[u8; 32]> {
    let v = hex::decode(hex_seed).ok()?;
    v.try_into().ok()
}

/// Domain tag of the contributed seed (version 1), followed by one zero byte in the layout.
pub const SEED_DOMAIN_V1: &[u8] = b"ggzy-expert-draw-v1";
/// The `expert_draws.scheme` of a draw seeded by [`contributed_seed`].
pub const SCHEME_CONTRIBUTED_V1: &str = "contributed-v1";

/// Everything the seed of a two-step draw is derived from (issue 24: nobody controls it alone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedInputs {
    /// The centre's secret `s_c`, committed as `sha256(s_c)` when the draw was requested.
    pub centre_secret: [u8; 32],
    /// The supervisor's secret `s_s`, committed as `sha256(s_s)` before the checkpoint and revealed
    /// at the draw.
    pub supervisor_secret: [u8; 32],
    /// The signed audit checkpoint fixed after both commitments were sealed into the log.
    pub checkpoint_size: u64,
    pub checkpoint_root: [u8; 32],
    pub section_id: String,
    pub draw_id: String,
}

/// The seed of a two-step draw. Byte layout (all fixed-width integers big-endian):
///
/// ```text
/// SHA-256( "ggzy-expert-draw-v1" ‖ 0x00
///        ‖ s_c (32 bytes) ‖ s_s (32 bytes)
///        ‖ checkpoint tree size (u64, 8 bytes) ‖ checkpoint root hash (32 bytes)
///        ‖ len(section_id) (u32, 4 bytes) ‖ section_id (UTF-8)
///        ‖ len(draw_id) (u32, 4 bytes) ‖ draw_id (UTF-8) )
/// ```
pub fn contributed_seed(i: &SeedInputs) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(SEED_DOMAIN_V1);
    h.update([0u8]);
    h.update(i.centre_secret);
    h.update(i.supervisor_secret);
    h.update(i.checkpoint_size.to_be_bytes());
    h.update(i.checkpoint_root);
    for s in [&i.section_id, &i.draw_id] {
        h.update((s.len() as u32).to_be_bytes());
        h.update(s.as_bytes());
    }
    h.finalize().into()
}

/// Outcome of re-checking a two-step draw from its published inputs (the log checks — checkpoint
/// signature, inclusion of the commitment events — are the service's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ContributedVerification {
    /// sha256(s_c) equals the centre's commitment.
    pub centre_commitment_matches: bool,
    /// sha256(s_s) equals the supervisor's commitment.
    pub supervisor_commitment_matches: bool,
    /// The seed recomputed from the inputs equals the seed the draw used.
    pub seed_matches: bool,
    pub snapshot_digest_matches: bool,
    /// The committee re-selected with the recomputed seed equals the stored one.
    pub committee_matches: bool,
    pub valid: bool,
}

/// Recompute a two-step draw: both commitments, the seed from its inputs, and the committee from
/// the recomputed seed (never from the stored one).
#[allow(clippy::too_many_arguments)]
pub fn verify_contributed(
    inputs: &SeedInputs,
    centre_commitment: &str,
    supervisor_commitment: &str,
    stored_seed: &[u8; 32],
    snapshot: &[EligibleExpert],
    stored_digest: &str,
    request: &[SpecialtyCount],
    stored: &Committee,
) -> ContributedVerification {
    let seed = contributed_seed(inputs);
    let centre_commitment_matches = commitment(&inputs.centre_secret) == centre_commitment;
    let supervisor_commitment_matches =
        commitment(&inputs.supervisor_secret) == supervisor_commitment;
    let seed_matches = &seed == stored_seed;
    let snapshot_digest_matches = snapshot_digest(snapshot) == stored_digest;
    let committee_matches = select(seed, snapshot, request).as_ref() == Ok(stored);
    ContributedVerification {
        centre_commitment_matches,
        supervisor_commitment_matches,
        seed_matches,
        snapshot_digest_matches,
        committee_matches,
        valid: centre_commitment_matches
            && supervisor_commitment_matches
            && seed_matches
            && snapshot_digest_matches
            && committee_matches,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    fn t(h: u32) -> Timestamp {
        Utc.with_ymd_and_hms(2026, 3, 10, h, 0, 0).unwrap()
    }

    fn rid(birth: &str) -> ResidentId {
        ResidentId::with_check(&format!("210202{birth}123")).unwrap()
    }

    fn uscc(n: u32) -> String {
        ggzy_core::ident::Uscc::with_check(&format!("91210200{n:09}"))
            .unwrap()
            .as_str()
            .to_string()
    }

    fn cand(id: &str, employer: u32) -> Candidate {
        Candidate {
            id: id.into(),
            resident_id: rid("19700101"),
            employer_uscc: uscc(employer),
            specialties: vec!["A08.02".into()],
            title: Title::Senior,
            years: 10,
            status: Status::Active,
            conflicts: vec![],
            leaves: vec![],
            assignments: vec![],
            procurement_pool: false,
            relations: vec![],
        }
    }

    fn parties() -> DrawParties {
        DrawParties {
            tenderer_uscc: uscc(1),
            agency_uscc: Some(uscc(2)),
            bidder_usccs: vec![uscc(3), uscc(4)],
            session_start: t(1),
            session_end: t(9),
            now: t(0),
            today: NaiveDate::from_ymd_opt(2026, 3, 10).unwrap(),
            procurement: false,
            market: Some("construction".into()),
        }
    }

    fn snapshot(n: usize) -> Vec<EligibleExpert> {
        (0..n)
            .map(|i| EligibleExpert {
                id: format!("e{i:03}"),
                employer_uscc: uscc(100 + i as u32),
                specialties: vec!["A08.02".into()],
            })
            .collect()
    }

    fn req(count: u32, backups: u32) -> Vec<SpecialtyCount> {
        vec![SpecialtyCount {
            specialty: "A08.02".into(),
            count,
            backups,
        }]
    }

    #[test]
    fn every_reason_of_an_excluded_expert_is_listed() {
        let p = parties();
        let mut c = cand("x", 3);
        c.conflicts = vec![uscc(1), uscc(4)];
        c.status = Status::Suspended {
            from: None,
            until: Some(t(5)),
        };
        c.resident_id = rid("19560310"); // 70 on 2026-03-10
        c.leaves = vec![(t(8), t(12))];
        c.assignments = vec![Assignment {
            draw_id: "d1".into(),
            tenderer_uscc: uscc(1),
            session_start: t(0),
            session_end: t(2),
            drawn_at: t(0) - chrono::Duration::days(89),
        }];
        c.title = Title::Intermediate;
        c.years = 7;
        let r = exclusions(&c, &p, &PoolRules::default());
        assert_eq!(
            r,
            vec![
                Exclusion::EmployedByParty {
                    party: Party::Bidder,
                    uscc: uscc(3)
                },
                Exclusion::DeclaredConflict {
                    party: Party::Tenderer,
                    uscc: uscc(1)
                },
                Exclusion::DeclaredConflict {
                    party: Party::Bidder,
                    uscc: uscc(4)
                },
                Exclusion::Suspended,
                Exclusion::Retired { age: 70 },
                Exclusion::OnLeave,
                Exclusion::Booked {
                    draw_id: "d1".into()
                },
                Exclusion::RecentlyDrawn {
                    draw_id: "d1".into()
                },
                Exclusion::TitleNotSenior,
                Exclusion::TooFewYears { years: 7, min: 8 },
            ]
        );
    }

    #[test]
    fn the_employers_of_tenderer_and_agency_are_avoided() {
        let p = parties();
        assert_eq!(
            exclusions(&cand("a", 1), &p, &PoolRules::default()),
            vec![Exclusion::EmployedByParty {
                party: Party::Tenderer,
                uscc: uscc(1)
            }]
        );
        assert_eq!(
            exclusions(&cand("b", 2), &p, &PoolRules::default()),
            vec![Exclusion::EmployedByParty {
                party: Party::Agency,
                uscc: uscc(2)
            }]
        );
    }

    #[test]
    fn age_69_serves_and_age_70_is_retired() {
        let p = parties();
        let mut c = cand("a", 50);
        c.resident_id = rid("19560311"); // turns 70 the day after
        assert!(exclusions(&c, &p, &PoolRules::default()).is_empty());
        c.resident_id = rid("19560310");
        assert_eq!(
            exclusions(&c, &p, &PoolRules::default()),
            vec![Exclusion::Retired { age: 70 }]
        );
    }

    #[test]
    fn eight_years_and_a_senior_title_qualify_seven_years_do_not() {
        let p = parties();
        let mut c = cand("a", 50);
        c.years = 8;
        assert!(exclusions(&c, &p, &PoolRules::default()).is_empty());
        c.years = 7;
        assert_eq!(
            exclusions(&c, &p, &PoolRules::default()),
            vec![Exclusion::TooFewYears { years: 7, min: 8 }]
        );
        c.years = 8;
        c.title = Title::FullSenior;
        assert!(exclusions(&c, &p, &PoolRules::default()).is_empty());
        c.title = Title::Intermediate;
        assert_eq!(
            exclusions(&c, &p, &PoolRules::default()),
            vec![Exclusion::TitleNotSenior]
        );
    }

    #[test]
    fn the_recent_window_boundary_is_exclusive_of_its_start() {
        let p = parties();
        let rules = PoolRules::default();
        let mut c = cand("a", 50);
        let a = |days| Assignment {
            draw_id: "d".into(),
            tenderer_uscc: uscc(1),
            session_start: t(0) - chrono::Duration::days(days),
            session_end: t(0) - chrono::Duration::days(days) + chrono::Duration::hours(1),
            drawn_at: t(0) - chrono::Duration::days(days),
        };
        c.assignments = vec![a(90)];
        assert!(exclusions(&c, &p, &rules).is_empty());
        c.assignments = vec![a(89)];
        assert_eq!(
            exclusions(&c, &p, &rules),
            vec![Exclusion::RecentlyDrawn {
                draw_id: "d".into()
            }]
        );
    }

    #[test]
    fn a_session_touching_another_end_to_start_is_not_overlapping() {
        let p = parties();
        let mut c = cand("a", 50);
        c.leaves = vec![(t(9), t(12))];
        assert!(exclusions(&c, &p, &PoolRules::default()).is_empty());
        c.leaves = vec![(t(0), t(1))];
        assert!(exclusions(&c, &p, &PoolRules::default()).is_empty());
        c.leaves = vec![(t(0), t(2))];
        assert_eq!(
            exclusions(&c, &p, &PoolRules::default()),
            vec![Exclusion::OnLeave]
        );
    }

    #[test]
    fn committee_size_boundaries_of_the_bidding_law() {
        let r = CommitteeRules::default();
        assert!(r.check(5, 0, None).is_empty());
        assert_eq!(r.check(3, 0, None)[0].rule, "committee.min_members");
        let e = r.check(4, 0, None);
        assert!(e.iter().any(|e| e.rule == "committee.min_members"));
        assert!(e.iter().any(|e| e.rule == "committee.odd_members"));
        assert_eq!(r.check(6, 0, None)[0].rule, "committee.odd_members");
        // 2/3 experts: 4 of 6 would do but 6 is even; 5 of 7 is fine, 4 of 7 is not.
        assert!(r.check(5, 2, None).is_empty());
        assert_eq!(r.check(4, 3, None)[0].rule, "committee.expert_share");
        assert!(r.check(4, 1, None).is_empty()); // 4/5 ≥ 2/3
        assert_eq!(r.check(3, 2, None)[0].rule, "committee.expert_share");
    }

    #[test]
    fn procurement_over_ten_million_needs_seven() {
        let r = CommitteeRules::default();
        let below = Money::parse(dec!(9999999.99)).unwrap();
        let at = Money::parse(dec!(10000000.00)).unwrap();
        assert!(r.check(5, 0, Some(below)).is_empty());
        assert_eq!(
            r.check(5, 0, Some(at))[0].rule,
            "committee.gp_large_min_members"
        );
        assert!(r.check(7, 0, Some(at)).is_empty());
    }

    fn relation(kind: RelationKind, org: Option<u32>, until: Option<&str>) -> PersonRelation {
        PersonRelation {
            kind,
            org_uscc: org.map(uscc),
            market: None,
            since: None,
            until: until.map(|u| u.parse().unwrap()),
        }
    }

    /// 政采条例 9: a relation within the past 3 years. Today is 2026-03-10: an employment that ended
    /// 2023-03-11 (3 years minus a day ago) or 2023-03-10 (exactly 3 years ago) still counts; one that
    /// ended 2023-03-09 (3 years and a day ago) does not.
    #[test]
    fn a_past_employment_counts_for_three_years_and_not_a_day_more() {
        let p = parties();
        let rules = PoolRules::default();
        let mut c = cand("a", 50);
        let bidder = |kind| Exclusion::Related {
            kind,
            party: Some(Party::Bidder),
            uscc: None,
        };
        for until in ["2023-03-11", "2023-03-10"] {
            c.relations = vec![relation(RelationKind::Employment, Some(3), Some(until))];
            assert_eq!(
                exclusions(&c, &p, &rules),
                vec![bidder(RelationKind::Employment)],
                "{until}"
            );
        }
        c.relations = vec![relation(
            RelationKind::Employment,
            Some(3),
            Some("2023-03-09"),
        )];
        assert!(exclusions(&c, &p, &rules).is_empty());
        // Directorship and control the same; an ongoing one always counts.
        c.relations = vec![
            relation(RelationKind::Directorship, Some(4), Some("2023-03-10")),
            relation(RelationKind::Control, Some(1), None),
        ];
        assert_eq!(
            exclusions(&c, &p, &rules),
            vec![
                Exclusion::Related {
                    kind: RelationKind::Control,
                    party: Some(Party::Tenderer),
                    uscc: Some(uscc(1)),
                },
                bidder(RelationKind::Directorship),
            ]
        );
        // A relation with an organization that is no party does not matter.
        c.relations = vec![relation(RelationKind::Employment, Some(77), None)];
        assert!(exclusions(&c, &p, &rules).is_empty());
    }

    #[test]
    fn kinship_counts_while_it_lasts_and_a_future_relation_not_yet() {
        let p = parties();
        let rules = PoolRules::default();
        let mut c = cand("a", 50);
        c.relations = vec![relation(RelationKind::Kinship, Some(4), Some("2026-03-10"))];
        assert_eq!(
            exclusions(&c, &p, &rules),
            vec![Exclusion::Related {
                kind: RelationKind::Kinship,
                party: Some(Party::Bidder),
                uscc: None,
            }]
        );
        c.relations = vec![relation(RelationKind::Kinship, Some(4), Some("2026-03-09"))];
        assert!(exclusions(&c, &p, &rules).is_empty());
        let mut future = relation(RelationKind::Employment, Some(3), None);
        future.since = Some("2026-03-11".parse().unwrap());
        c.relations = vec![future];
        assert!(exclusions(&c, &p, &rules).is_empty());
    }

    #[test]
    fn department_staff_avoid_the_markets_their_department_supervises() {
        let mut p = parties();
        let rules = PoolRules::default();
        let mut c = cand("a", 50);
        let mut d = relation(RelationKind::SupervisingDepartment, None, None);
        d.market = Some("procurement".into());
        c.relations = vec![d.clone()];
        assert!(exclusions(&c, &p, &rules).is_empty());
        p.market = Some("procurement".into());
        let dept = Exclusion::Related {
            kind: RelationKind::SupervisingDepartment,
            party: None,
            uscc: None,
        };
        assert_eq!(exclusions(&c, &p, &rules), vec![dept.clone()]);
        d.market = None;
        p.market = Some("land".into());
        c.relations = vec![d];
        assert_eq!(exclusions(&c, &p, &rules), vec![dept]);
    }

    #[test]
    fn a_procurement_draw_takes_only_the_procurement_pool() {
        let mut p = parties();
        let rules = PoolRules::default();
        let mut c = cand("a", 50);
        assert!(exclusions(&c, &p, &rules).is_empty());
        p.procurement = true;
        assert_eq!(
            exclusions(&c, &p, &rules),
            vec![Exclusion::NotInProcurementPool]
        );
        c.procurement_pool = true;
        assert!(exclusions(&c, &p, &rules).is_empty());
        let mut out = cand("b", 51);
        out.relations = vec![relation(RelationKind::Kinship, Some(3), None)];
        let (_, excluded) = screen(&[c, out, cand("c", 52)], &p, &rules);
        let counts = exclusion_counts(&excluded);
        assert_eq!(counts.get("not_in_procurement_pool"), Some(&2));
        assert_eq!(counts.get("related_kinship"), Some(&1));
    }

    /// 政采法 38, 40: a negotiation, inquiry or consultation panel is ≥ 3, odd, experts ≥ 2/3.
    #[test]
    fn panel_size_boundaries_of_the_procurement_law() {
        let r = CommitteeRules::default();
        for proc in PANEL_PROCEDURES {
            let p = Some(proc);
            assert!(r.check_for(p, 3, 0, None).is_empty());
            assert!(r.check_for(p, 2, 1, None).is_empty());
            assert_eq!(r.check_for(p, 2, 0, None)[0].rule, "panel.min_members");
            assert_eq!(r.check_for(p, 4, 0, None)[0].rule, "panel.odd_members");
            assert_eq!(r.check_for(p, 1, 2, None)[0].rule, "panel.expert_share");
        }
        // Open tender keeps the committee rule: 3 members are too few.
        assert_eq!(
            r.check_for(Some("open_tender"), 3, 0, None)[0].rule,
            "committee.min_members"
        );
        assert_eq!(
            r.check_for(None, 3, 0, None)[0].rule,
            "committee.min_members"
        );
    }

    #[test]
    fn a_revealed_seed_reproduces_the_committee() {
        let s = snapshot(30);
        let seed = [7u8; 32];
        let c = select(seed, &s, &req(5, 2)).unwrap();
        assert_eq!(c.members.len(), 5);
        assert_eq!(c.backups.len(), 2);
        assert_eq!(select(seed, &s, &req(5, 2)).unwrap(), c);
        let v = verify(
            &seed,
            &commitment(&seed),
            &s,
            &snapshot_digest(&s),
            &req(5, 2),
            &c,
        );
        assert!(v.valid, "{v:?}");
        assert_ne!(select([8u8; 32], &s, &req(5, 2)).unwrap(), c);
    }

    #[test]
    fn a_changed_snapshot_changes_the_digest_and_fails_verification() {
        let s = snapshot(30);
        let seed = [9u8; 32];
        let c = select(seed, &s, &req(5, 0)).unwrap();
        let digest = snapshot_digest(&s);
        let mut changed = s.clone();
        changed.remove(0);
        assert_ne!(snapshot_digest(&changed), digest);
        let v = verify(&seed, &commitment(&seed), &changed, &digest, &req(5, 0), &c);
        assert!(!v.snapshot_digest_matches);
        assert!(!v.valid);
        let v = verify(&[1u8; 32], &commitment(&seed), &s, &digest, &req(5, 0), &c);
        assert!(!v.commitment_matches && !v.valid);
    }

    #[test]
    fn too_few_experts_names_the_specialty_and_the_shortfall() {
        let mut s = snapshot(4);
        // two share an employer: only three count
        s[1].employer_uscc = s[0].employer_uscc.clone();
        let err = select([1u8; 32], &s, &req(5, 0)).unwrap_err();
        assert_eq!(
            err,
            vec![Shortfall {
                specialty: "A08.02".into(),
                needed: 5,
                available: 3
            }]
        );
        let fe = err[0].to_field_error();
        assert!(fe.message.contains("A08.02") && fe.message.contains("short by 2"));
    }

    #[test]
    fn specialty_codes_are_checked() {
        assert!(parse_specialty("A08.02").is_ok());
        assert!(parse_specialty("B01").is_ok());
        assert!(parse_specialty("a08.02").is_err());
        assert!(parse_specialty("A8.02").is_err());
        assert!(parse_specialty("A08.2").is_err());
    }

    /// Chi-square over many draws with a fixed seed sequence: every eligible expert is drawn equally
    /// often. 20 experts, 5 drawn, 4000 draws → 1000 expected each; df = 19, critical value at
    /// p = 0.001 is 43.82.
    #[test]
    fn each_eligible_expert_is_drawn_uniformly() {
        let s = snapshot(20);
        let mut freq = vec![0u64; 20];
        let n = 4000u64;
        for i in 0..n {
            let mut seed = [0u8; 32];
            seed[..8].copy_from_slice(&i.to_le_bytes());
            let c = select(seed, &s, &req(5, 0)).unwrap();
            for m in c.members {
                let idx: usize = m.expert_id[1..].parse().unwrap();
                freq[idx] += 1;
            }
        }
        let expected = (n * 5) as f64 / 20.0;
        let chi2: f64 = freq
            .iter()
            .map(|&o| (o as f64 - expected).powi(2) / expected)
            .sum();
        assert!(chi2 < 43.82, "chi2 = {chi2}, freq = {freq:?}");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn no_drawn_expert_violates_avoidance_and_employers_are_unique(
            seed in any::<[u8; 32]>(),
            experts in proptest::collection::vec((0u32..12, 0u32..4, any::<bool>(), 0i64..15, 0usize..3), 10..60),
        ) {
            let p = parties();
            let rules = PoolRules::default();
            let specs = ["A08.02", "B01.01", "C03"];
            let pool: Vec<Candidate> = experts.iter().enumerate().map(|(i, (emp, conflict, suspended, years, spec))| {
                let mut c = cand(&format!("e{i:03}"), *emp);
                if *conflict > 0 { c.conflicts = vec![uscc(*conflict)]; }
                if *suspended { c.status = Status::Suspended { from: None, until: None }; }
                c.years = *years;
                c.specialties = vec![specs[*spec].to_string()];
                c
            }).collect();
            let (eligible, _) = screen(&pool, &p, &rules);
            let request = vec![
                SpecialtyCount { specialty: "A08.02".into(), count: 2, backups: 1 },
                SpecialtyCount { specialty: "B01.01".into(), count: 1, backups: 0 },
            ];
            if let Ok(c) = select(seed, &eligible, &request) {
                let mut employers = BTreeSet::new();
                for pick in c.members.iter().chain(c.backups.iter()) {
                    let cand = pool.iter().find(|c| c.id == pick.expert_id).unwrap();
                    prop_assert!(exclusions(cand, &p, &rules).is_empty());
                    prop_assert!(cand.specialties.contains(&pick.specialty));
                    prop_assert!(employers.insert(cand.employer_uscc.clone()));
                }
            }
        }
    }

    fn inputs(k: u8) -> SeedInputs {
        SeedInputs {
            centre_secret: [k; 32],
            supervisor_secret: [k.wrapping_add(1); 32],
            checkpoint_size: 42,
            checkpoint_root: [k.wrapping_add(2); 32],
            section_id: "S1".into(),
            draw_id: "d1".into(),
        }
    }

    /// The documented byte layout, spelled out independently of the implementation.
    #[test]
    fn contributed_seed_follows_the_documented_layout() {
        let i = inputs(7);
        let mut bytes = b"ggzy-expert-draw-v1\0".to_vec();
        bytes.extend([7u8; 32]);
        bytes.extend([8u8; 32]);
        bytes.extend([0, 0, 0, 0, 0, 0, 0, 42]);
        bytes.extend([9u8; 32]);
        bytes.extend([0, 0, 0, 2]);
        bytes.extend(b"S1");
        bytes.extend([0, 0, 0, 2]);
        bytes.extend(b"d1");
        let want: [u8; 32] = Sha256::digest(&bytes).into();
        assert_eq!(contributed_seed(&i), want);
        // Length prefixes keep ("S1", "d1") apart from ("S", "1d1").
        let mut j = i.clone();
        j.section_id = "S".into();
        j.draw_id = "1d1".into();
        assert_ne!(contributed_seed(&i), contributed_seed(&j));
    }

    fn contributed_fixture(i: &SeedInputs) -> (Vec<EligibleExpert>, String, Committee, [u8; 32]) {
        let s = snapshot(20);
        let seed = contributed_seed(i);
        let c = select(seed, &s, &req(5, 2)).unwrap();
        (s.clone(), snapshot_digest(&s), c, seed)
    }

    #[test]
    fn a_contributed_draw_verifies_from_its_inputs() {
        let i = inputs(3);
        let (s, digest, c, seed) = contributed_fixture(&i);
        let v = verify_contributed(
            &i,
            &commitment(&i.centre_secret),
            &commitment(&i.supervisor_secret),
            &seed,
            &s,
            &digest,
            &req(5, 2),
            &c,
        );
        assert!(v.valid, "{v:?}");
    }

    /// The server swaps its secret after the fact (keeping the published commitment): the centre's
    /// commitment no longer matches; swapping the commitment too is caught by the log (service).
    #[test]
    fn a_substituted_centre_secret_fails_verification() {
        let i = inputs(3);
        let (s, digest, c, seed) = contributed_fixture(&i);
        let mut forged = i.clone();
        forged.centre_secret = [99; 32];
        let v = verify_contributed(
            &forged,
            &commitment(&i.centre_secret),
            &commitment(&i.supervisor_secret),
            &seed,
            &s,
            &digest,
            &req(5, 2),
            &c,
        );
        assert!(!v.centre_commitment_matches && !v.seed_matches && !v.valid);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Same inputs → same committee; any single changed input → verification fails.
        #[test]
        fn same_inputs_same_committee_any_change_fails(
            k in any::<u8>(),
            which in 0usize..6,
            flip in 1u8..=255,
        ) {
            let i = inputs(k);
            let (s, digest, c, seed) = contributed_fixture(&i);
            let again = select(contributed_seed(&i.clone()), &s, &req(5, 2)).unwrap();
            prop_assert_eq!(&again, &c);
            let mut j = i.clone();
            match which {
                0 => j.centre_secret[0] ^= flip,
                1 => j.supervisor_secret[31] ^= flip,
                2 => j.checkpoint_size ^= u64::from(flip),
                3 => j.checkpoint_root[5] ^= flip,
                4 => j.section_id.push(char::from(b'a' + flip % 26)),
                _ => j.draw_id.push(char::from(b'a' + flip % 26)),
            }
            prop_assert_ne!(contributed_seed(&j), seed);
            let v = verify_contributed(
                &j,
                &commitment(&i.centre_secret),
                &commitment(&i.supervisor_secret),
                &seed,
                &s,
                &digest,
                &req(5, 2),
                &c,
            );
            prop_assert!(!v.valid);
            prop_assert!(!v.seed_matches);
        }
    }
}
