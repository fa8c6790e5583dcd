//! Expert pool use cases. Each write runs in one transaction with its domain events; all SQL of this
//! area lives here.

use crate::draw::{
    self, Assignment, Candidate, CommitteeRules, EligibleExpert, Excluded, SpecialtyCount, Status,
    Title, Verification,
};
use chrono::{DateTime, Utc};
use ggzy_core::error::Violations;
use ggzy_core::events::NewEvent;
use ggzy_core::ident::{Phone, RegionCode, ResidentId, Uscc};
use ggzy_core::time::{from_micros, to_micros};
use ggzy_core::{ids, Error, FieldError, Money, Result};
use ggzy_identity::{Actor, Role};
use ggzy_store::unique::{UniqueExt, UniqueKey};
use ggzy_store::{emit, expect_one, Ctx, Tx};

const EXPERTS_RESIDENT_ID: UniqueKey =
    UniqueKey::new("experts_resident_id_key", "experts", &["resident_id"]);
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;
use std::collections::{BTreeMap, HashMap};
use utoipa::ToSchema;

const STAFF: &[Role] = &[Role::Staff, Role::Admin];
const READERS: &[Role] = &[Role::Staff, Role::Admin, Role::Supervisor];
const MAX_IMPORT_ROWS: usize = 5000;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Period {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

/// An expert as staff register it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewExpert {
    pub name: String,
    /// Resident ID number (GB 11643-1999, check digit verified).
    #[schema(pattern = "^[0-9]{17}[0-9X]$")]
    pub resident_id: String,
    #[schema(pattern = "^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")]
    pub employer_uscc: String,
    pub employer_name: String,
    /// Specialty codes like `A08.02`.
    #[schema(min_items = 1, value_type = Vec<crate::draw::SpecialtyCode>)]
    pub specialties: Vec<String>,
    /// `full_senior`, `senior`, `intermediate` or `junior`.
    #[schema(pattern = "^(full_senior|senior|intermediate|junior)$")]
    pub title: String,
    /// Years in the field.
    #[schema(minimum = 0, maximum = 80)]
    pub years: i64,
    /// Administrative division code, e.g. `210200`.
    #[schema(pattern = "^(0[1-9]|[1-9][0-9])[0-9]{4}$")]
    pub region: String,
    #[schema(pattern = "^(\\+86)?(1[3-9][0-9]{9}|0[0-9]{9,11})$")]
    pub phone: String,
    /// `active` (default), `suspended` or `retired`.
    #[serde(default)]
    #[schema(pattern = "^(active|suspended|retired)$")]
    pub status: Option<String>,
    #[serde(default)]
    pub suspended_reason: Option<String>,
    #[serde(default)]
    pub suspended_from: Option<DateTime<Utc>>,
    #[serde(default)]
    pub suspended_until: Option<DateTime<Utc>>,
    /// Organizations (USCC) the expert declared a conflict of interest with.
    #[serde(default)]
    #[schema(value_type = Vec<ggzy_core::ident::Uscc>)]
    pub conflicts: Vec<String>,
    #[serde(default)]
    pub leaves: Vec<Period>,
    /// E-mail for notices (optional; SMS goes to `phone`).
    #[serde(default)]
    pub email: Option<String>,
    /// In the government procurement pool (政府采购评审专家库; 政采条例 39). Default false.
    #[serde(default)]
    pub procurement_pool: Option<bool>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Expert {
    pub id: String,
    pub name: String,
    /// Full number for staff, masked for everyone else.
    pub resident_id: String,
    pub employer_uscc: String,
    pub employer_name: String,
    pub specialties: Vec<String>,
    pub title: Title,
    pub years: i64,
    pub region: String,
    pub phone: String,
    pub status: String,
    pub suspended_reason: Option<String>,
    pub suspended_from: Option<DateTime<Utc>>,
    pub suspended_until: Option<DateTime<Utc>>,
    pub conflicts: Vec<String>,
    pub leaves: Vec<Period>,
    pub email: Option<String>,
    /// The login (identity user id) linked to this expert, if any.
    pub user_id: Option<String>,
    /// In the government procurement pool (政采条例 39): procurement draws take only these.
    pub procurement_pool: bool,
    /// Person-level avoidance relations (政采条例 9; 评标规定 12), in the order recorded.
    pub relations: Vec<crate::relations::Relation>,
}

struct Checked {
    name: String,
    resident_id: ResidentId,
    employer_uscc: Uscc,
    employer_name: String,
    specialties: Vec<String>,
    title: Title,
    years: i64,
    region: RegionCode,
    phone: Phone,
    status: String,
    suspended_reason: Option<String>,
    suspended_from: Option<DateTime<Utc>>,
    suspended_until: Option<DateTime<Utc>>,
    conflicts: Vec<Uscc>,
    leaves: Vec<Period>,
    email: Option<String>,
    procurement_pool: bool,
}

fn check(e: &NewExpert) -> std::result::Result<Checked, Vec<FieldError>> {
    let mut v = Violations::new();
    let mut errs: Vec<FieldError> = Vec::new();
    let name = e.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 100 {
        errs.push(FieldError::new(
            "name",
            "required",
            "name is required (at most 100 characters)",
        ));
    }
    let resident_id = v.take("resident_id", ResidentId::parse(&e.resident_id));
    let employer_uscc = v.take("employer_uscc", Uscc::parse(&e.employer_uscc));
    let employer_name = e.employer_name.trim().to_string();
    if employer_name.is_empty() {
        errs.push(FieldError::new(
            "employer_name",
            "required",
            "employer name is required",
        ));
    }
    let mut specialties = Vec::new();
    for (i, s) in e.specialties.iter().enumerate() {
        if let Some(s) = v.take(&format!("specialties[{i}]"), draw::parse_specialty(s)) {
            specialties.push(s);
        }
    }
    specialties.sort();
    specialties.dedup();
    if e.specialties.is_empty() {
        errs.push(FieldError::new(
            "specialties",
            "required",
            "at least one specialty code is required",
        ));
    }
    let title = v.take("title", Title::parse(&e.title));
    if !(0..=80).contains(&e.years) {
        errs.push(FieldError::new(
            "years",
            "expert.years",
            "years must be between 0 and 80",
        ));
    }
    let region = v.take("region", RegionCode::parse(&e.region));
    let phone = v.take("phone", Phone::parse(&e.phone));
    let status = e.status.as_deref().unwrap_or("active").trim().to_string();
    if !["active", "suspended", "retired"].contains(&status.as_str()) {
        errs.push(FieldError::new(
            "status",
            "expert.status",
            "status must be active, suspended or retired",
        ));
    }
    if status == "suspended"
        && e.suspended_reason
            .as_deref()
            .is_none_or(|r| r.trim().is_empty())
    {
        errs.push(FieldError::new(
            "suspended_reason",
            "expert.suspended_reason",
            "a suspension needs its reason",
        ));
    }
    if let (Some(f), Some(u)) = (e.suspended_from, e.suspended_until) {
        if u <= f {
            errs.push(FieldError::new(
                "suspended_until",
                "period.order",
                "suspension must end after it starts",
            ));
        }
    }
    let mut conflicts = Vec::new();
    for (i, c) in e.conflicts.iter().enumerate() {
        if let Some(u) = v.take(&format!("conflicts[{i}]"), Uscc::parse(c)) {
            conflicts.push(u);
        }
    }
    conflicts.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    conflicts.dedup();
    for (i, l) in e.leaves.iter().enumerate() {
        if l.ends_at <= l.starts_at {
            errs.push(FieldError::new(
                format!("leaves[{i}]"),
                "period.order",
                "a leave must end after it starts",
            ));
        }
    }
    let email = match e.email.as_deref().map(str::trim) {
        Some(m) if !m.is_empty() => {
            if !crate::committee::plausible_email(m) {
                errs.push(FieldError::new(
                    "email",
                    "expert.email",
                    "not an e-mail address like name@example.cn",
                ));
            }
            Some(m.to_string())
        }
        _ => None,
    };
    if let Err(Error::Validation(mut more)) = v.into_result() {
        errs.append(&mut more);
    }
    match (
        resident_id,
        employer_uscc,
        title,
        region,
        phone,
        errs.is_empty(),
    ) {
        (Some(resident_id), Some(employer_uscc), Some(title), Some(region), Some(phone), true) => {
            Ok(Checked {
                name,
                resident_id,
                employer_uscc,
                employer_name,
                specialties,
                title,
                years: e.years,
                region,
                phone,
                suspended_reason: if status == "suspended" {
                    e.suspended_reason.clone()
                } else {
                    None
                },
                suspended_from: e.suspended_from,
                suspended_until: e.suspended_until,
                status,
                conflicts,
                leaves: e.leaves.clone(),
                email,
                procurement_pool: e.procurement_pool.unwrap_or(false),
            })
        }
        _ => Err(errs),
    }
}

fn duplicate_resident() -> Error {
    Error::conflict(
        "expert.duplicate_resident_id",
        "an expert with this resident ID is already in the pool",
    )
}

/// A section has at most one active draw (422, so a venue session's draw records it as
/// `experts.draw.failed` instead of retrying).
pub(crate) fn active_draw_exists(draw_id: &str) -> Error {
    let which = if draw_id.is_empty() {
        "another draw".to_string()
    } else {
        format!("draw {draw_id}")
    };
    Error::field(
        "section_id",
        "draw.active_draw_exists",
        format!(
            "{which} is active for this section; a section has one active draw (backups replace \
             members who decline or recuse)"
        ),
    )
}

pub(crate) fn concurrent_draw() -> Error {
    Error::conflict(
        "draw.concurrent",
        "another draw for this section was recorded at the same time; retry",
    )
}

async fn insert_expert(ctx: &Ctx, tx: &mut Tx, actor: &Actor, c: &Checked) -> Result<String> {
    let id = ids::new_id();
    let now = to_micros(ctx.clock.now());
    sqlx::query(
        "INSERT INTO experts (id, name, resident_id, employer_uscc, employer_name, specialties, title, \
         years, region, phone, status, suspended_reason, suspended_from, suspended_until, created_at, updated_at, email, \
         procurement_pool) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15, $16, $17)",
    )
    .bind(&id)
    .bind(&c.name)
    .bind(c.resident_id.as_str())
    .bind(c.employer_uscc.as_str())
    .bind(&c.employer_name)
    .bind(json!(c.specialties).to_string())
    .bind(c.title.as_str())
    .bind(c.years)
    .bind(c.region.as_str())
    .bind(c.phone.as_str())
    .bind(&c.status)
    .bind(c.suspended_reason.clone())
    .bind(c.suspended_from.map(to_micros))
    .bind(c.suspended_until.map(to_micros))
    .bind(now)
    .bind(c.email.clone())
    .bind(i64::from(c.procurement_pool))
    .execute(&mut **tx)
    .await
    .on_unique(&EXPERTS_RESIDENT_ID, duplicate_resident)?;
    for u in &c.conflicts {
        sqlx::query("INSERT INTO expert_conflicts (expert_id, org_uscc) VALUES ($1, $2)")
            .bind(&id)
            .bind(u.as_str())
            .execute(&mut **tx)
            .await?;
    }
    for l in &c.leaves {
        sqlx::query(
            "INSERT INTO expert_leaves (id, expert_id, starts_at, ends_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(ids::new_id())
        .bind(&id)
        .bind(to_micros(l.starts_at))
        .bind(to_micros(l.ends_at))
        .execute(&mut **tx)
        .await?;
    }
    // The resident ID is personal data: the event carries the expert id, not the number.
    emit(
        tx,
        &ctx.db,
        &actor.actor_ref(),
        ctx.clock.now(),
        NewEvent::new(
            "experts.expert.registered",
            "expert",
            &id,
            json!({
                "expert_id": id, "name": c.name, "employer_uscc": c.employer_uscc.as_str(),
                "specialties": c.specialties, "title": c.title.as_str(), "years": c.years,
                "region": c.region.as_str(), "status": c.status,
                "procurement_pool": c.procurement_pool,
            }),
        ),
    )
    .await?;
    Ok(id)
}

#[tracing::instrument(skip_all)]
pub async fn create(ctx: &Ctx, actor: &Actor, input: NewExpert) -> Result<Expert> {
    actor.require(STAFF)?;
    let c = check(&input).map_err(Error::Validation)?;
    let mut tx = ctx.db.begin().await?;
    let id = insert_expert(ctx, &mut tx, actor, &c).await?;
    let answer = get_in(&mut tx, actor, &id).await?;
    ctx.db
        .commit_answering(tx, 201, &answer, ctx.clock.now())
        .await?;
    Ok(answer)
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportReport {
    pub imported: usize,
    pub ids: Vec<String>,
}

/// CSV columns (header row required, comma-separated, no quoting): name, resident_id, employer_uscc,
/// employer_name, specialties (`;`-separated), title, years, region, phone, conflicts (`;`-separated,
/// may be empty). All rows or none: any broken row answers 422 naming `rows[N].field` for each.
pub const CSV_HEADER: &str =
    "name,resident_id,employer_uscc,employer_name,specialties,title,years,region,phone,conflicts";

#[tracing::instrument(skip_all)]
pub async fn import_csv(ctx: &Ctx, actor: &Actor, body: &str) -> Result<ImportReport> {
    actor.require(STAFF)?;
    let mut lines = body
        .lines()
        .map(|l| l.trim_end_matches('\r'))
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let header = lines
        .next()
        .map(|(_, l)| l.trim().trim_start_matches('\u{feff}'));
    if header != Some(CSV_HEADER) {
        return Err(Error::field(
            "header",
            "csv.header",
            format!("the first line must be exactly: {CSV_HEADER}"),
        ));
    }
    let split = |s: &str| -> Vec<String> {
        s.split(';')
            .map(|x| x.trim().to_string())
            .filter(|x| !x.is_empty())
            .collect()
    };
    let mut errs = Vec::new();
    let mut rows: Vec<(usize, Checked)> = Vec::new();
    for (i, line) in lines {
        let row = i + 1; // 1-based line number in the file
        if rows.len() + errs.len() >= MAX_IMPORT_ROWS {
            return Err(Error::field(
                "rows",
                "csv.too_many_rows",
                format!("at most {MAX_IMPORT_ROWS} rows per import"),
            ));
        }
        let cols: Vec<&str> = line.split(',').map(str::trim).collect();
        if cols.len() != 10 {
            errs.push(FieldError::new(
                format!("rows[{row}]"),
                "csv.columns",
                format!("expected 10 columns, found {}", cols.len()),
            ));
            continue;
        }
        let years = cols[6].parse::<i64>();
        if years.is_err() {
            errs.push(FieldError::new(
                format!("rows[{row}].years"),
                "expert.years",
                "years must be a whole number",
            ));
            continue;
        }
        let input = NewExpert {
            name: cols[0].into(),
            resident_id: cols[1].into(),
            employer_uscc: cols[2].into(),
            employer_name: cols[3].into(),
            specialties: split(cols[4]),
            title: cols[5].into(),
            years: *years.as_ref().unwrap_or(&-1),
            region: cols[7].into(),
            phone: cols[8].into(),
            status: None,
            suspended_reason: None,
            suspended_from: None,
            suspended_until: None,
            conflicts: split(cols[9]),
            leaves: vec![],
            email: None,
            procurement_pool: None,
        };
        match check(&input) {
            Ok(c) => {
                if let Some((other, _)) = rows
                    .iter()
                    .find(|(_, r)| r.resident_id.as_str() == c.resident_id.as_str())
                {
                    errs.push(FieldError::new(
                        format!("rows[{row}].resident_id"),
                        "expert.duplicate_resident_id",
                        format!("same resident ID as line {other}"),
                    ));
                } else {
                    rows.push((row, c));
                }
            }
            Err(es) => errs.extend(es.into_iter().map(|mut e| {
                e.field = format!("rows[{row}].{}", e.field);
                e
            })),
        }
    }
    if rows.is_empty() && errs.is_empty() {
        return Err(Error::field("rows", "csv.empty", "no data rows"));
    }
    let mut tx = ctx.db.begin().await?;
    for (row, c) in &rows {
        let dup = sqlx::query("SELECT id FROM experts WHERE resident_id = $1")
            .bind(c.resident_id.as_str())
            .fetch_optional(&mut *tx)
            .await?;
        if dup.is_some() {
            errs.push(FieldError::new(
                format!("rows[{row}].resident_id"),
                "expert.duplicate_resident_id",
                "an expert with this resident ID is already in the pool",
            ));
        }
    }
    if !errs.is_empty() {
        tx.rollback().await?;
        return Err(Error::Validation(errs));
    }
    let mut out = Vec::new();
    for (_, c) in &rows {
        out.push(insert_expert(ctx, &mut tx, actor, c).await?);
    }
    let answer = ImportReport {
        imported: out.len(),
        ids: out,
    };
    ctx.db
        .commit_answering(tx, 201, &answer, ctx.clock.now())
        .await?;
    Ok(answer)
}

fn opt_time(r: &sqlx::any::AnyRow, col: &str) -> Result<Option<DateTime<Utc>>> {
    Ok(r.try_get::<Option<i64>, _>(col)?.map(from_micros))
}

async fn load_experts<'e, E>(exec: E, id: Option<&str>) -> Result<Vec<sqlx::any::AnyRow>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let base = "SELECT id, name, resident_id, employer_uscc, employer_name, specialties, title, years, \
                region, phone, status, suspended_reason, suspended_from, suspended_until, email, user_id, \
                procurement_pool FROM experts";
    Ok(match id {
        Some(id) => {
            sqlx::query(&format!("{base} WHERE id = $1"))
                .bind(id.to_string())
                .fetch_all(exec)
                .await?
        }
        None => {
            sqlx::query(&format!("{base} ORDER BY name, id"))
                .fetch_all(exec)
                .await?
        }
    })
}

fn expert_from_row(
    r: &sqlx::any::AnyRow,
    conflicts: &HashMap<String, Vec<String>>,
    leaves: &HashMap<String, Vec<Period>>,
    relations: &HashMap<String, Vec<crate::relations::Relation>>,
    full_id: bool,
) -> Result<Expert> {
    let id: String = r.try_get("id")?;
    let rid: String = r.try_get("resident_id")?;
    let resident_id = match ResidentId::parse(&rid) {
        Ok(p) if !full_id => p.masked(),
        _ => rid,
    };
    let title: String = r.try_get("title")?;
    Ok(Expert {
        name: r.try_get("name")?,
        resident_id,
        employer_uscc: r.try_get("employer_uscc")?,
        employer_name: r.try_get("employer_name")?,
        specialties: serde_json::from_str(&r.try_get::<String, _>("specialties")?)
            .map_err(|e| Error::internal(e.to_string()))?,
        title: Title::parse(&title).map_err(|e| Error::internal(e.message))?,
        years: r.try_get("years")?,
        region: r.try_get("region")?,
        phone: r.try_get("phone")?,
        status: r.try_get("status")?,
        suspended_reason: r.try_get("suspended_reason")?,
        suspended_from: opt_time(r, "suspended_from")?,
        suspended_until: opt_time(r, "suspended_until")?,
        conflicts: conflicts.get(&id).cloned().unwrap_or_default(),
        leaves: leaves.get(&id).cloned().unwrap_or_default(),
        email: r.try_get("email")?,
        user_id: r.try_get("user_id")?,
        procurement_pool: r.try_get::<i64, _>("procurement_pool")? != 0,
        relations: relations.get(&id).cloned().unwrap_or_default(),
        id,
    })
}

async fn side_tables(
    conn: &mut sqlx::AnyConnection,
) -> Result<(HashMap<String, Vec<String>>, HashMap<String, Vec<Period>>)> {
    let mut conflicts: HashMap<String, Vec<String>> = HashMap::new();
    for r in sqlx::query("SELECT expert_id, org_uscc FROM expert_conflicts ORDER BY org_uscc")
        .fetch_all(&mut *conn)
        .await?
    {
        conflicts
            .entry(r.try_get("expert_id")?)
            .or_default()
            .push(r.try_get("org_uscc")?);
    }
    let mut leaves: HashMap<String, Vec<Period>> = HashMap::new();
    for r in
        sqlx::query("SELECT expert_id, starts_at, ends_at FROM expert_leaves ORDER BY starts_at")
            .fetch_all(&mut *conn)
            .await?
    {
        leaves
            .entry(r.try_get("expert_id")?)
            .or_default()
            .push(Period {
                starts_at: from_micros(r.try_get("starts_at")?),
                ends_at: from_micros(r.try_get("ends_at")?),
            });
    }
    Ok((conflicts, leaves))
}

#[tracing::instrument(skip_all)]
pub async fn list(ctx: &Ctx, actor: &Actor) -> Result<Vec<Expert>> {
    actor.require(READERS)?;
    let mut conn = ctx.db.pool().acquire().await?;
    let (conflicts, leaves) = side_tables(&mut conn).await?;
    let relations = crate::relations::all(&mut conn).await?;
    let rows = load_experts(&mut *conn, None).await?;
    let full = actor.role != Role::Supervisor;
    rows.iter()
        .map(|r| expert_from_row(r, &conflicts, &leaves, &relations, full))
        .collect()
}

pub async fn get(ctx: &Ctx, actor: &Actor, id: &str) -> Result<Expert> {
    actor.require(READERS)?;
    let mut conn = ctx.db.pool().acquire().await?;
    get_in(&mut conn, actor, id).await
}

/// [`get`] on a given connection (a use case's transaction, to store the answer with its change).
pub(crate) async fn get_in(
    conn: &mut sqlx::AnyConnection,
    actor: &Actor,
    id: &str,
) -> Result<Expert> {
    actor.require(READERS)?;
    let (conflicts, leaves) = side_tables(conn).await?;
    let relations = crate::relations::all(conn).await?;
    let rows = load_experts(&mut *conn, Some(id)).await?;
    let r = rows.first().ok_or_else(|| Error::not_found("expert"))?;
    expert_from_row(
        r,
        &conflicts,
        &leaves,
        &relations,
        actor.role != Role::Supervisor,
    )
}

/// A draw as staff request it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct DrawRequest {
    /// The section (标段) the committee evaluates.
    #[schema(pattern = "\\S")]
    pub section_id: String,
    #[schema(pattern = "^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")]
    pub tenderer_uscc: String,
    #[serde(default)]
    #[schema(pattern = "^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")]
    pub agency_uscc: Option<String>,
    /// Every registered bidder of the section (unified social credit codes).
    #[serde(default)]
    #[schema(value_type = Vec<ggzy_core::ident::Uscc>)]
    pub bidder_usccs: Vec<String>,
    pub session_start: DateTime<Utc>,
    pub session_end: DateTime<Utc>,
    /// Experts (and ordered backups) per specialty.
    pub specialties: Vec<SpecialtyCount>,
    /// Tenderer representatives on the committee (招标人代表), counted in its size.
    #[serde(default)]
    pub representatives: u32,
    /// Procurement budget (政府采购预算) when the section is government procurement (87号令 47).
    /// Only for a section the projects area has not announced: for a registered section the
    /// budget is the section's own (87号令 47 follows from it), and a different one is refused
    /// (`draw.budget_mismatch`).
    #[serde(default)]
    pub procurement_budget: Option<Money>,
    /// Where the evaluation takes place (the only thing besides the time that notices tell).
    #[serde(default)]
    pub place: Option<String>,
}

/// The stored form of a request (what `verify` recomputes with).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StoredRequest {
    pub section_id: String,
    pub tenderer_uscc: String,
    pub agency_uscc: Option<String>,
    pub bidder_usccs: Vec<String>,
    pub session_start: DateTime<Utc>,
    pub session_end: DateTime<Utc>,
    pub specialties: Vec<SpecialtyCount>,
    pub representatives: u32,
    pub procurement_budget: Option<Money>,
    /// The section's market and procedure as the projects area registered them (absent for a
    /// section it had not announced, and in draws made before issue 21).
    #[serde(default)]
    pub market: Option<String>,
    #[serde(default)]
    pub procedure: Option<String>,
}

impl StoredRequest {
    /// Government procurement: the section's market says so, or (for a section the projects area
    /// has not announced) a procurement budget was given.
    pub fn is_procurement(&self) -> bool {
        match &self.market {
            Some(m) => m == "procurement",
            None => self.procurement_budget.is_some(),
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = DrawnMember)]
pub struct Member {
    pub expert_id: String,
    pub name: String,
    pub specialty: String,
    /// `pending` (asked to confirm), `confirmed`, `declined`, `timed_out`, `recused`, `standby`
    /// (a backup not called), `skipped` (a backup that could no longer serve), `cancelled`.
    pub status: String,
    pub confirm_by: Option<DateTime<Utc>>,
    /// The expert this one replaced, or was replaced by.
    pub replaces: Option<String>,
    pub replaced_by: Option<String>,
    pub reason: Option<String>,
}

/// A draw. The committee is shown only to staff and supervisors (招标投标法 37); the seed only after
/// it was revealed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Draw {
    pub id: String,
    pub section_id: String,
    /// 1 for the first draw of the section; a re-draw takes the next number.
    pub attempt: i64,
    pub request: StoredRequest,
    /// sha256(seed), hex: fixed before the result is known.
    pub commitment: String,
    pub snapshot_digest: String,
    /// `None`: the seed was the centre's alone; `contributed-v1`: a two-step draw (crate::contrib)
    /// whose commitment is sha256(s_c) and whose seed is derived from every contribution.
    pub scheme: Option<String>,
    pub eligible_count: usize,
    /// The venues session this draw serves (draws requested through `venues.session.scheduled`).
    pub session_id: Option<String>,
    /// `active` or `cancelled`.
    pub status: String,
    pub place: Option<String>,
    /// The committee as selected (in selection order), with each member's state.
    pub members: Vec<Member>,
    /// The ordered backups as selected, with their state (a called backup is `pending` or later).
    pub backups: Vec<Member>,
    /// Who serves now: members and called backups that are pending or confirmed.
    pub serving: Vec<Member>,
    /// Every expert left out and all of the reasons.
    pub excluded: Vec<Excluded>,
    /// How many experts were left out for each reason (`related_kinship`, `not_in_procurement_pool`,
    /// `employed_by_party` …); an expert with several reasons counts under each.
    pub exclusion_counts: BTreeMap<String, usize>,
    pub seed: Option<String>,
    pub created_at: DateTime<Utc>,
    pub revealed_at: Option<DateTime<Utc>>,
    /// Delivery state of the notices (staff and supervisors only).
    pub notifications: Vec<crate::notify::Notification>,
}

pub(crate) fn check_request(
    r: &DrawRequest,
    rules: &CommitteeRules,
    section: Option<&crate::relations::SectionTerms>,
) -> Result<StoredRequest> {
    let mut v = Violations::new();
    // The budget that sizes the committee is the registered section's (87号令 47), not a number
    // typed into the request.
    let budget = match section {
        Some(t) if t.market == "procurement" => {
            if r.procurement_budget.is_some() && r.procurement_budget != t.budget {
                v.push(
                    "procurement_budget",
                    "draw.budget_mismatch",
                    format!(
                        "the section's registered budget is {}; the committee size follows from it \
                         (87号令 47): omit procurement_budget",
                        t.budget.map(|b| b.to_string()).unwrap_or_else(|| "not given".into())
                    ),
                );
            }
            t.budget
        }
        Some(t) => {
            if r.procurement_budget.is_some() {
                v.push(
                    "procurement_budget",
                    "draw.not_procurement",
                    format!(
                        "the section is registered in the {} market, not government procurement",
                        t.market
                    ),
                );
            }
            None
        }
        None => r.procurement_budget,
    };
    if r.section_id.trim().is_empty() {
        v.push("section_id", "required", "section id is required");
    }
    let tenderer = v.take("tenderer_uscc", Uscc::parse(&r.tenderer_uscc));
    let agency = match &r.agency_uscc {
        Some(a) if !a.trim().is_empty() => v.take("agency_uscc", Uscc::parse(a)),
        _ => None,
    };
    let mut bidders = Vec::new();
    for (i, b) in r.bidder_usccs.iter().enumerate() {
        if let Some(u) = v.take(&format!("bidder_usccs[{i}]"), Uscc::parse(b)) {
            bidders.push(u.as_str().to_string());
        }
    }
    if r.session_end <= r.session_start {
        v.push(
            "session_end",
            "period.order",
            "the session must end after it starts",
        );
    }
    let mut specialties: BTreeMap<String, SpecialtyCount> = BTreeMap::new();
    for (i, s) in r.specialties.iter().enumerate() {
        if let Some(code) = v.take(
            &format!("specialties[{i}].specialty"),
            draw::parse_specialty(&s.specialty),
        ) {
            let e = specialties.entry(code.clone()).or_insert(SpecialtyCount {
                specialty: code,
                count: 0,
                backups: 0,
            });
            e.count = e.count.saturating_add(s.count);
            e.backups = e.backups.saturating_add(s.backups);
        }
    }
    let experts: u32 = specialties
        .values()
        .fold(0u32, |a, s| a.saturating_add(s.count));
    let mut errs = match v.into_result() {
        Err(Error::Validation(e)) => e,
        _ => vec![],
    };
    errs.extend(rules.check_for(
        section.map(|t| t.procedure.as_str()),
        experts,
        r.representatives,
        budget,
    ));
    match tenderer {
        Some(t) if errs.is_empty() => Ok(StoredRequest {
            section_id: r.section_id.trim().to_string(),
            tenderer_uscc: t.as_str().to_string(),
            agency_uscc: agency.map(|a| a.as_str().to_string()),
            bidder_usccs: bidders,
            session_start: r.session_start,
            session_end: r.session_end,
            specialties: specialties.into_values().collect(),
            representatives: r.representatives,
            procurement_budget: budget,
            market: section.map(|t| t.market.clone()),
            procedure: section.map(|t| t.procedure.clone()),
        }),
        _ => Err(Error::Validation(errs)),
    }
}

pub(crate) async fn load_pool(db: &ggzy_store::Db, tx: &mut Tx) -> Result<Vec<Candidate>> {
    // Two draws at once could book the same expert for overlapping sessions: lock the pool's rows
    // so that draws serialize (PostgreSQL; SQLite has one writer anyway).
    sqlx::query(&format!(
        "SELECT id FROM experts ORDER BY id{}",
        db.for_update()
    ))
    .fetch_all(&mut **tx)
    .await?;
    let (conflicts, leaves) = side_tables(tx).await?;
    let relations = crate::relations::all(tx).await?;
    let mut assignments: HashMap<String, Vec<Assignment>> = HashMap::new();
    for r in sqlx::query(
        "SELECT draw_id, expert_id, tenderer_uscc, session_start, session_end, drawn_at FROM expert_assignments",
    )
    .fetch_all(&mut **tx)
    .await?
    {
        assignments
            .entry(r.try_get("expert_id")?)
            .or_default()
            .push(Assignment {
                draw_id: r.try_get("draw_id")?,
                tenderer_uscc: r.try_get("tenderer_uscc")?,
                session_start: from_micros(r.try_get("session_start")?),
                session_end: from_micros(r.try_get("session_end")?),
                drawn_at: from_micros(r.try_get("drawn_at")?),
            });
    }
    let mut out = Vec::new();
    for r in load_experts(&mut **tx, None).await? {
        let e = expert_from_row(&r, &conflicts, &leaves, &relations, true)?;
        let resident_id =
            ResidentId::parse(&e.resident_id).map_err(|e| Error::internal(e.message))?;
        let status = match e.status.as_str() {
            "active" => Status::Active,
            "retired" => Status::Retired,
            _ => Status::Suspended {
                from: e.suspended_from,
                until: e.suspended_until,
            },
        };
        out.push(Candidate {
            resident_id,
            employer_uscc: e.employer_uscc,
            specialties: e.specialties,
            title: e.title,
            years: e.years,
            status,
            conflicts: e.conflicts,
            leaves: e.leaves.iter().map(|l| (l.starts_at, l.ends_at)).collect(),
            assignments: assignments.remove(&e.id).unwrap_or_default(),
            procurement_pool: e.procurement_pool,
            relations: e
                .relations
                .iter()
                .map(crate::relations::Relation::screening)
                .collect(),
            id: e.id,
        });
    }
    Ok(out)
}

pub(crate) fn result_digest(c: &draw::Committee) -> String {
    ids::sha256_hex(&serde_json::to_vec(c).unwrap_or_default())
}

pub(crate) struct DrawRow {
    pub(crate) id: String,
    pub(crate) section_id: String,
    pub(crate) session_id: Option<String>,
    pub(crate) room_name: Option<String>,
    pub(crate) status: String,
    attempt: i64,
    pub(crate) request: StoredRequest,
    pub(crate) commitment: String,
    pub(crate) seed: String,
    pub(crate) snapshot: Vec<EligibleExpert>,
    pub(crate) snapshot_digest: String,
    excluded: Vec<Excluded>,
    pub(crate) result: draw::Committee,
    created_at: DateTime<Utc>,
    revealed_at: Option<DateTime<Utc>>,
    /// `None` (centre-only seed) or `contributed-v1` (crate::contrib).
    pub(crate) scheme: Option<String>,
}

fn de<T: serde::de::DeserializeOwned>(s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| Error::internal(format!("stored draw JSON: {e}")))
}

async fn load_draw(ctx: &Ctx, id: &str) -> Result<DrawRow> {
    let mut conn = ctx.db.pool().acquire().await?;
    load_draw_in(&mut conn, id).await
}

pub(crate) async fn load_draw_in(conn: &mut sqlx::AnyConnection, id: &str) -> Result<DrawRow> {
    let r = sqlx::query(
        "SELECT id, section_id, attempt, request, commitment, seed, snapshot, snapshot_digest, exclusions, \
         result, created_at, revealed_at, session_id, room_name, status, scheme FROM expert_draws WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| Error::not_found("draw"))?;
    Ok(DrawRow {
        id: r.try_get("id")?,
        section_id: r.try_get("section_id")?,
        session_id: r.try_get("session_id")?,
        room_name: r.try_get("room_name")?,
        status: r.try_get("status")?,
        attempt: r.try_get("attempt")?,
        request: de(&r.try_get::<String, _>("request")?)?,
        commitment: r.try_get("commitment")?,
        seed: r.try_get("seed")?,
        snapshot: de(&r.try_get::<String, _>("snapshot")?)?,
        snapshot_digest: r.try_get("snapshot_digest")?,
        excluded: de(&r.try_get::<String, _>("exclusions")?)?,
        result: de(&r.try_get::<String, _>("result")?)?,
        created_at: from_micros(r.try_get("created_at")?),
        revealed_at: opt_time(&r, "revealed_at")?,
        scheme: r.try_get("scheme")?,
    })
}

#[tracing::instrument(skip_all)]
pub async fn get_draw(ctx: &Ctx, actor: &Actor, id: &str) -> Result<Draw> {
    // Tenderers, agencies and bidders never see the committee before the result is determined
    // (招标投标法 37: the award, not the candidate publicity); experts never see it (they see their
    // own assignments).
    let d = load_draw(ctx, id).await?;
    if !READERS.contains(&actor.role) {
        actor.require(&[Role::Tenderer, Role::Agency, Role::Bidder])?;
        if !crate::committee::determined(&ctx.db, &d.section_id).await? {
            return Err(Error::forbidden(
                "the committee is confidential until the result is determined (招标投标法 37)",
            ));
        }
    }
    let mut conn = ctx.db.pool().acquire().await?;
    draw_view_in(&mut conn, actor, d).await
}

/// The draw as staff and supervisors read it, on a given connection (a use case's transaction,
/// to store the answer with its change: reveal, recusal, the supervisor's reveal).
pub(crate) async fn get_draw_in(
    conn: &mut sqlx::AnyConnection,
    actor: &Actor,
    id: &str,
) -> Result<Draw> {
    actor.require(READERS)?;
    let d = load_draw_in(conn, id).await?;
    draw_view_in(conn, actor, d).await
}

async fn draw_view_in(conn: &mut sqlx::AnyConnection, actor: &Actor, d: DrawRow) -> Result<Draw> {
    let id = d.id.as_str();
    let rows = crate::committee::member_rows(&mut *conn, id).await?;
    let view = |p: &draw::Pick| {
        let r = rows.get(&p.expert_id);
        Member {
            expert_id: p.expert_id.clone(),
            name: r.map(|r| r.name.clone()).unwrap_or_default(),
            specialty: p.specialty.clone(),
            status: r.map(|r| r.status.clone()).unwrap_or_default(),
            confirm_by: r.and_then(|r| r.confirm_by),
            replaces: r.and_then(|r| r.replaces.clone()),
            replaced_by: r.and_then(|r| r.replaced_by.clone()),
            reason: r.and_then(|r| r.reason.clone()),
        }
    };
    let members: Vec<Member> = d.result.members.iter().map(view).collect();
    let backups: Vec<Member> = d.result.backups.iter().map(view).collect();
    let serving = members
        .iter()
        .chain(backups.iter())
        .filter(|m| m.status == "pending" || m.status == "confirmed")
        .cloned()
        .collect();
    let notifications = if READERS.contains(&actor.role) {
        crate::notify::for_draw_on(&mut *conn, id).await?
    } else {
        vec![]
    };
    Ok(Draw {
        members,
        backups,
        serving,
        id: d.id,
        section_id: d.section_id,
        attempt: d.attempt,
        request: d.request,
        commitment: d.commitment,
        snapshot_digest: d.snapshot_digest,
        scheme: d.scheme,
        eligible_count: d.snapshot.len(),
        session_id: d.session_id,
        status: d.status,
        place: d.room_name,
        exclusion_counts: draw::exclusion_counts(&d.excluded),
        excluded: d.excluded,
        seed: d.revealed_at.map(|_| d.seed),
        created_at: d.created_at,
        revealed_at: d.revealed_at,
        notifications,
    })
}

/// Reveal the seed (staff) so that anyone can check the draw against its commitment.
#[tracing::instrument(skip_all)]
pub async fn reveal(ctx: &Ctx, actor: &Actor, id: &str) -> Result<Draw> {
    actor.require(STAFF)?;
    let d = load_draw(ctx, id).await?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let n = sqlx::query(
        "UPDATE expert_draws SET revealed_at = $1 WHERE id = $2 AND revealed_at IS NULL",
    )
    .bind(to_micros(now))
    .bind(id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    expect_one(n, "draw.already_revealed", "the seed was already revealed")?;
    let mut payload = json!({ "draw_id": id, "section_id": d.section_id, "seed": d.seed, "commitment": d.commitment });
    if d.scheme.is_some() {
        // A two-step draw publishes the centre's secret too: with the supervisor's revealed secret
        // and the checkpoint, anyone recomputes the seed (crate::contrib).
        payload["centre_secret"] = json!(crate::contrib::load(&mut *tx, id).await?.centre_secret);
        payload["scheme"] = json!(d.scheme);
    }
    emit(
        &mut tx,
        &ctx.db,
        &actor.actor_ref(),
        now,
        NewEvent::new("experts.draw.revealed", "expert_draw", id, payload),
    )
    .await?;
    let answer = get_draw_in(&mut tx, actor, id).await?;
    ctx.db.commit_answering(tx, 200, &answer, now).await?;
    Ok(answer)
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VerifyReport {
    pub draw_id: String,
    pub seed: String,
    pub commitment: String,
    pub snapshot_digest: String,
    #[serde(flatten)]
    pub verification: Verification,
    /// Every input of a two-step draw and its checks (absent for centre-only draws).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contribution: Option<crate::contrib::ContributionReport>,
    /// For a stored centre-only draw (`scheme` null, made before every draw became two-step):
    /// what its check does and does not prove ([`CENTRE_ONLY_NOTE`]); absent for two-step draws.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheme_note: Option<String>,
}

/// What `verify` says about a stored draw whose seed the server alone chose.
pub const CENTRE_ONLY_NOTE: &str =
    "this draw predates the two-step scheme (scheme null): its seed \
    was chosen by the server alone. The check proves the committee follows from the committed seed \
    and the snapshot, not that the operator did not choose the seed. Draws made since are two-step \
    (centre and supervisor secrets and a signed audit checkpoint, see contribution).";

/// Recompute a revealed draw from its seed and stored snapshot (anyone logged in).
#[tracing::instrument(skip_all)]
pub async fn verify(ctx: &Ctx, actor: &Actor, id: &str) -> Result<VerifyReport> {
    actor.require(&[
        Role::Admin,
        Role::Staff,
        Role::Tenderer,
        Role::Agency,
        Role::Bidder,
        Role::Expert,
        Role::Supervisor,
        Role::Bank,
    ])?;
    verify_stored(ctx, id).await
}

/// The check behind `verify` and `ggzy draw verify`: refused until the seed was revealed.
pub async fn verify_stored(ctx: &Ctx, id: &str) -> Result<VerifyReport> {
    verify_stored_with(ctx, id, None).await
}

/// [`verify_stored`] checking a two-step draw's checkpoint signature with `log_verifier` (a signed
/// note verifier key, as `GET /api/v1/audit/log-key` publishes it) instead of the configured key.
pub async fn verify_stored_with(
    ctx: &Ctx,
    id: &str,
    log_verifier: Option<&ggzy_store::note::NoteVerifier>,
) -> Result<VerifyReport> {
    let d = load_draw(ctx, id).await?;
    if d.revealed_at.is_none() {
        return Err(Error::conflict(
            "draw.not_revealed",
            "the seed has not been revealed yet",
        ));
    }
    if d.scheme.is_some() {
        let (contribution, verification) =
            crate::contrib::verify_report(ctx, &d, log_verifier).await?;
        return Ok(VerifyReport {
            draw_id: d.id,
            seed: d.seed,
            commitment: d.commitment,
            snapshot_digest: d.snapshot_digest,
            verification,
            contribution: Some(contribution),
            scheme_note: None,
        });
    }
    let seed = draw::parse_seed(&d.seed).ok_or_else(|| Error::internal("stored seed"))?;
    let verification = draw::verify(
        &seed,
        &d.commitment,
        &d.snapshot,
        &d.snapshot_digest,
        &d.request.specialties,
        &d.result,
    );
    Ok(VerifyReport {
        draw_id: d.id,
        seed: d.seed,
        commitment: d.commitment,
        snapshot_digest: d.snapshot_digest,
        verification,
        contribution: None,
        scheme_note: Some(CENTRE_ONLY_NOTE.to_string()),
    })
}
