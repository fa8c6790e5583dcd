//! Expert records of the pool (专家库): checks, create, CSV import, listing and reading.

use super::*;

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
    pub status: PoolStatus,
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
    status: PoolStatus,
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
    let status = v
        .take(
            "status",
            PoolStatus::parse(e.status.as_deref().unwrap_or("active")),
        )
        .unwrap_or(PoolStatus::Active);
    if status == PoolStatus::Suspended
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
                suspended_reason: if status == PoolStatus::Suspended {
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
    store::pool::insert_expert(
        tx,
        NewExpertRow {
            id: &id,
            name: &c.name,
            resident_id: c.resident_id.as_str(),
            employer_uscc: c.employer_uscc.as_str(),
            employer_name: &c.employer_name,
            specialties: &c.specialties,
            title: c.title,
            years: c.years,
            region: c.region.as_str(),
            phone: c.phone.as_str(),
            status: c.status,
            suspended_reason: c.suspended_reason.clone(),
            suspended_from: c.suspended_from,
            suspended_until: c.suspended_until,
            email: c.email.clone(),
            procurement_pool: c.procurement_pool,
            at: ctx.clock.now(),
        },
    )
    .await
    .on_unique(&EXPERTS_RESIDENT_ID, duplicate_resident)?;
    for u in &c.conflicts {
        store::pool::insert_conflict(tx, &id, u.as_str()).await?;
    }
    for l in &c.leaves {
        store::pool::insert_leave(tx, &ids::new_id(), &id, l.starts_at, l.ends_at).await?;
    }
    // The resident ID is personal data: the event carries the expert id, not the number.
    emit(
        tx,
        &ctx.db,
        &actor.actor_ref(),
        ctx.clock.now(),
        ExpertRegistered {
            expert_id: id.clone(),
            name: c.name.clone(),
            employer_uscc: c.employer_uscc.as_str().to_string(),
            specialties: c.specialties.clone(),
            title: c.title.as_str().to_string(),
            years: c.years,
            region: c.region.as_str().to_string(),
            status: c.status.as_str().to_string(),
            procurement_pool: c.procurement_pool,
        }
        .encode(),
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
        if store::pool::resident_id_taken(&mut tx, c.resident_id.as_str()).await? {
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

pub(super) async fn load_experts(
    conn: &mut sqlx::AnyConnection,
    id: Option<&str>,
) -> Result<Vec<ExpertRow>> {
    match id {
        Some(id) => store::pool::expert(conn, id).await,
        None => store::pool::experts(conn).await,
    }
}

impl ExpertRow {
    /// The expert with his side tables; the resident ID masked unless `full_id`.
    pub(super) fn into_expert(
        self,
        conflicts: &HashMap<String, Vec<String>>,
        leaves: &HashMap<String, Vec<Period>>,
        relations: &HashMap<String, Vec<crate::relations::Relation>>,
        full_id: bool,
    ) -> Expert {
        let id = self.id;
        let resident_id = match ResidentId::parse(&self.resident_id) {
            Ok(p) if !full_id => p.masked(),
            _ => self.resident_id,
        };
        Expert {
            name: self.name,
            resident_id,
            employer_uscc: self.employer_uscc,
            employer_name: self.employer_name,
            specialties: self.specialties.0,
            title: self.title,
            years: self.years,
            region: self.region,
            phone: self.phone,
            status: self.status,
            suspended_reason: self.suspended_reason,
            suspended_from: self.suspended_from,
            suspended_until: self.suspended_until,
            conflicts: conflicts.get(&id).cloned().unwrap_or_default(),
            leaves: leaves.get(&id).cloned().unwrap_or_default(),
            email: self.email,
            user_id: self.user_id,
            procurement_pool: self.procurement_pool,
            relations: relations.get(&id).cloned().unwrap_or_default(),
            id,
        }
    }
}

pub(super) async fn side_tables(
    conn: &mut sqlx::AnyConnection,
) -> Result<(HashMap<String, Vec<String>>, HashMap<String, Vec<Period>>)> {
    let mut conflicts: HashMap<String, Vec<String>> = HashMap::new();
    for r in store::pool::conflicts(conn).await? {
        conflicts.entry(r.expert_id).or_default().push(r.org_uscc);
    }
    let mut leaves: HashMap<String, Vec<Period>> = HashMap::new();
    for r in store::pool::leaves(conn).await? {
        leaves.entry(r.expert_id).or_default().push(Period {
            starts_at: r.starts_at,
            ends_at: r.ends_at,
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
    let rows = load_experts(&mut conn, None).await?;
    let full = actor.role != Role::Supervisor;
    Ok(rows
        .into_iter()
        .map(|r| r.into_expert(&conflicts, &leaves, &relations, full))
        .collect())
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
    let rows = load_experts(conn, Some(id)).await?;
    let r = rows
        .into_iter()
        .next()
        .ok_or_else(|| Error::not_found("expert"))?;
    Ok(r.into_expert(
        &conflicts,
        &leaves,
        &relations,
        actor.role != Role::Supervisor,
    ))
}
