//! Registry reads and edits: the household list, a household with its members and income years,
//! and versioned, audited updates. Every query is limited to the actor's scope in its WHERE clause.

use std::collections::HashMap;

use serde_json::{Map, Value, json};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
use time::Date;
use zhenxing_domain::household::{
    DisabilityGrade, Education, Health, Household, HouseholdKind, Labour, MonitoringCategory,
    Relation, Schooling, Sex, yes_no,
};
use zhenxing_domain::{
    CodeEnum, DivisionCode, DivisionLevel, IdNumber, IncomeRecord, Member, Yuan,
};

use crate::audit::{audit_insert, diff};
use crate::sql::{Backend, SqlStore, now_text, scope_range};
use crate::{
    Actor, HouseholdDetail, HouseholdFields, HouseholdFilter, HouseholdRow, Page, PageRequest,
    Result, RowKey, StoreError, VillageStat,
};

/// A bind argument of a dynamically built query.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Text(String),
    Int(i64),
    OptText(Option<String>),
    OptInt(Option<i64>),
}

/// SQL text plus its arguments. Every use of a value is its own argument: on SQLite placeholders
/// are anonymous `?` (named `$n` parameters make SQLite's bind lookups quadratic in their number,
/// which a 20,000-parameter bulk insert feels), on PostgreSQL `$n`.
#[derive(Debug)]
pub(crate) struct Query {
    pub backend: Backend,
    pub sql: String,
    pub args: Vec<Arg>,
}

impl Query {
    pub fn new(backend: Backend, sql: &str) -> Self {
        Query {
            backend,
            sql: sql.to_string(),
            args: Vec::new(),
        }
    }

    /// Adds an argument and returns its placeholder, to be used exactly once.
    pub fn arg(&mut self, a: Arg) -> String {
        self.args.push(a);
        match self.backend {
            Backend::Sqlite => "?".to_string(),
            Backend::Postgres => format!("${}", self.args.len()),
        }
    }

    /// Appends one `(…)` row to a multi-row `VALUES` list (the SQL so far ends with `VALUES `).
    pub fn push_row(&mut self, args: impl IntoIterator<Item = Arg>) {
        let placeholders: Vec<String> = args.into_iter().map(|a| self.arg(a)).collect();
        if !self.sql.ends_with("VALUES ") {
            self.sql.push_str(", ");
        }
        self.sql.push('(');
        self.sql.push_str(&placeholders.join(", "));
        self.sql.push(')');
    }

    pub fn build(&self) -> sqlx::query::Query<'_, Any, sqlx::any::AnyArguments<'_>> {
        let mut q = sqlx::query(&self.sql);
        for a in &self.args {
            q = match a {
                Arg::Text(s) => q.bind(s.clone()),
                Arg::Int(i) => q.bind(*i),
                Arg::OptText(s) => q.bind(s.clone()),
                Arg::OptInt(i) => q.bind(*i),
            };
        }
        q
    }
}

pub(crate) const HOUSEHOLD_COLUMNS: &str = "h.id, h.household_no, h.village_code, h.group_no, h.kind, h.monitoring_category, h.phone, h.house_safe, h.water_safe, h.farmland_centimu, h.version, h.updated_at, d.name AS village_name";
pub(crate) const MEMBER_COLUMNS: &str = "id, household_id, name, id_number, relation, sex, birth_date, ethnicity, education, schooling, health, disability_grade, labour, work_months, medical_insured, pension_insured, dibao, tekun, phone, version";
pub(crate) const INCOME_COLUMNS: &str = "household_id, year, wage_income, business_income, property_income, transfer_income, business_expense";

pub(crate) fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what}: {value}"))
}

pub(crate) fn code<T: CodeEnum>(row: &AnyRow, col: &str) -> Result<Option<T>> {
    let v: Option<String> = row.try_get(col)?;
    v.map(|s| T::from_code(&s).ok_or_else(|| corrupt(col, &s)))
        .transpose()
}

pub(crate) fn req_code<T: CodeEnum>(row: &AnyRow, col: &str) -> Result<T> {
    code(row, col)?.ok_or_else(|| corrupt(col, "NULL"))
}

fn opt_bool(row: &AnyRow, col: &str) -> Result<Option<bool>> {
    Ok(row.try_get::<Option<i64>, _>(col)?.map(|v| v != 0))
}

pub(crate) fn bool_arg(b: Option<bool>) -> Arg {
    Arg::OptInt(b.map(i64::from))
}

pub(crate) fn date_text(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day())
}

pub(crate) fn parse_date(s: &str) -> Option<Date> {
    zhenxing_domain::id_number::parse_ymd(&s.replace('-', ""))
}

pub(crate) fn member_from_row(row: &AnyRow) -> Result<Member> {
    let id: String = row.try_get("id_number")?;
    let birth: String = row.try_get("birth_date")?;
    Ok(Member {
        name: row.try_get("name")?,
        id_number: IdNumber::parse(&id, Date::MAX).map_err(|_| corrupt("id_number", "invalid"))?,
        relation: req_code::<Relation>(row, "relation")?,
        sex: req_code::<Sex>(row, "sex")?,
        birth_date: parse_date(&birth).ok_or_else(|| corrupt("birth_date", &birth))?,
        ethnicity: row.try_get("ethnicity")?,
        education: code::<Education>(row, "education")?,
        schooling: code::<Schooling>(row, "schooling")?,
        health: code::<Health>(row, "health")?,
        disability_grade: code::<DisabilityGrade>(row, "disability_grade")?,
        labour: code::<Labour>(row, "labour")?,
        work_months: row
            .try_get::<Option<i64>, _>("work_months")?
            .and_then(|m| u8::try_from(m).ok()),
        medical_insured: opt_bool(row, "medical_insured")?,
        pension_insured: opt_bool(row, "pension_insured")?,
        dibao: opt_bool(row, "dibao")?,
        tekun: opt_bool(row, "tekun")?,
        phone: row.try_get("phone")?,
    })
}

pub(crate) fn income_from_row(row: &AnyRow) -> Result<IncomeRecord> {
    let fen = |c: &str| -> Result<Yuan> { Ok(Yuan::from_fen(row.try_get::<i64, _>(c)?)) };
    Ok(IncomeRecord {
        year: i32::try_from(row.try_get::<i64, _>("year")?)
            .map_err(|_| corrupt("year", "range"))?,
        wage_income: fen("wage_income")?,
        business_income: fen("business_income")?,
        property_income: fen("property_income")?,
        transfer_income: fen("transfer_income")?,
        business_expense: fen("business_expense")?,
    })
}

/// A household row without members and incomes (filled in by the caller).
pub(crate) fn household_from_row(row: &AnyRow) -> Result<(RowKey, String, String, Household)> {
    let village: String = row.try_get("village_code")?;
    let household = Household {
        household_no: row.try_get("household_no")?,
        village: DivisionCode::parse(&village).map_err(|_| corrupt("village_code", &village))?,
        group: row
            .try_get::<Option<i64>, _>("group_no")?
            .and_then(|g| u16::try_from(g).ok()),
        kind: req_code::<HouseholdKind>(row, "kind")?,
        monitoring_category: code::<MonitoringCategory>(row, "monitoring_category")?,
        phone: row.try_get("phone")?,
        house_safe: opt_bool(row, "house_safe")?,
        water_safe: opt_bool(row, "water_safe")?,
        farmland_centimu: row.try_get("farmland_centimu")?,
        members: Vec::new(),
        incomes: Vec::new(),
    };
    let key = RowKey {
        id: row.try_get("id")?,
        version: row.try_get("version")?,
    };
    Ok((
        key,
        row.try_get("village_name")?,
        row.try_get("updated_at")?,
        household,
    ))
}

/// The member as the audit trail shows it: field name → display value.
pub(crate) fn member_view(m: &Member) -> Map<String, Value> {
    let label = |o: Option<&'static str>| o.map_or(Value::Null, |s| Value::String(s.to_string()));
    let yn = |b: Option<bool>| label(b.map(yes_no));
    let mut v = Map::new();
    v.insert("name".into(), json!(m.name));
    v.insert("id_number".into(), json!(m.id_number.as_stored()));
    v.insert("relation".into(), json!(m.relation.label()));
    v.insert("sex".into(), json!(m.sex.label()));
    v.insert("birth_date".into(), json!(date_text(m.birth_date)));
    v.insert(
        "ethnicity".into(),
        m.ethnicity.clone().map_or(Value::Null, Value::String),
    );
    v.insert("education".into(), label(m.education.map(CodeEnum::label)));
    v.insert("schooling".into(), label(m.schooling.map(CodeEnum::label)));
    v.insert("health".into(), label(m.health.map(CodeEnum::label)));
    v.insert(
        "disability_grade".into(),
        label(m.disability_grade.map(CodeEnum::label)),
    );
    v.insert("labour".into(), label(m.labour.map(CodeEnum::label)));
    v.insert(
        "work_months".into(),
        m.work_months.map_or(Value::Null, |w| json!(w.to_string())),
    );
    v.insert("medical_insured".into(), yn(m.medical_insured));
    v.insert("pension_insured".into(), yn(m.pension_insured));
    v.insert("dibao".into(), yn(m.dibao));
    v.insert("tekun".into(), yn(m.tekun));
    v.insert(
        "member_phone".into(),
        m.phone.clone().map_or(Value::Null, Value::String),
    );
    v
}

pub(crate) fn household_view(h: &Household) -> Map<String, Value> {
    let yn = |b: Option<bool>| b.map_or(Value::Null, |b| json!(yes_no(b)));
    let mut v = Map::new();
    v.insert("village".into(), json!(h.village.as_str()));
    v.insert(
        "group".into(),
        h.group.map_or(Value::Null, |g| json!(format!("{g}组"))),
    );
    v.insert("household_kind".into(), json!(h.kind.label()));
    v.insert(
        "monitoring_category".into(),
        h.monitoring_category
            .map_or(Value::Null, |c| json!(c.label())),
    );
    v.insert(
        "phone".into(),
        h.phone.clone().map_or(Value::Null, Value::String),
    );
    v.insert("house_safe".into(), yn(h.house_safe));
    v.insert("water_safe".into(), yn(h.water_safe));
    v.insert(
        "farmland_mu".into(),
        h.farmland_centimu
            .map_or(Value::Null, |c| json!(Yuan::from_fen(c).plain())),
    );
    v
}

pub(crate) fn income_view(i: &IncomeRecord) -> Map<String, Value> {
    let mut v = Map::new();
    v.insert("income_year".into(), json!(i.year.to_string()));
    v.insert("wage_income".into(), json!(i.wage_income.plain()));
    v.insert("business_income".into(), json!(i.business_income.plain()));
    v.insert("property_income".into(), json!(i.property_income.plain()));
    v.insert("transfer_income".into(), json!(i.transfer_income.plain()));
    v.insert("business_expense".into(), json!(i.business_expense.plain()));
    v
}

/// The member columns in insert order (after household_id and position), as bind arguments.
pub(crate) fn member_args(m: &Member) -> Vec<Arg> {
    let c = |o: Option<&'static str>| Arg::OptText(o.map(str::to_string));
    vec![
        Arg::Text(m.name.clone()),
        Arg::Text(m.id_number.as_stored()),
        Arg::Text(m.id_number.base().to_string()),
        Arg::Text(m.relation.code().to_string()),
        Arg::Text(m.sex.code().to_string()),
        Arg::Text(date_text(m.birth_date)),
        Arg::OptText(m.ethnicity.clone()),
        c(m.education.map(CodeEnum::code)),
        c(m.schooling.map(CodeEnum::code)),
        c(m.health.map(CodeEnum::code)),
        c(m.disability_grade.map(CodeEnum::code)),
        c(m.labour.map(CodeEnum::code)),
        Arg::OptInt(m.work_months.map(i64::from)),
        bool_arg(m.medical_insured),
        bool_arg(m.pension_insured),
        bool_arg(m.dibao),
        bool_arg(m.tekun),
        Arg::OptText(m.phone.clone()),
    ]
}

pub(crate) const MEMBER_INSERT_COLUMNS: &str = "household_id, position, name, id_number, id_base, relation, sex, birth_date, ethnicity, education, schooling, health, disability_grade, labour, work_months, medical_insured, pension_insured, dibao, tekun, phone, version, created_at, updated_at";

/// The narrowest division both the scope and the village filter allow, or None if they are disjoint.
fn effective_scope<'a>(actor: &'a Actor, filter: &'a HouseholdFilter) -> Option<&'a DivisionCode> {
    match &filter.village {
        Some(v) if actor.scope.contains(v) => Some(v),
        Some(v) if v.contains(&actor.scope) => Some(&actor.scope),
        Some(_) => None,
        None => Some(&actor.scope),
    }
}

pub(crate) fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// Appends the WHERE clause of the household list to `q` (which selects from `households h`).
/// A single village is an equality, so the `(village_code, household_no)` index also gives the order
/// and a page stops after its rows; a town or county is a code range.
fn push_filter(q: &mut Query, scope: &DivisionCode, filter: &HouseholdFilter) {
    if scope.level() == DivisionLevel::Village {
        let p = q.arg(Arg::Text(scope.as_str().to_string()));
        q.sql.push_str(&format!(" WHERE h.village_code = {p}"));
    } else {
        let (lo, hi) = scope_range(scope);
        let p_lo = q.arg(Arg::Text(lo));
        let p_hi = q.arg(Arg::Text(hi));
        q.sql.push_str(&format!(
            " WHERE h.village_code >= {p_lo} AND h.village_code < {p_hi}"
        ));
    }
    if let Some(g) = filter.group {
        let p = q.arg(Arg::Int(i64::from(g)));
        q.sql.push_str(&format!(" AND h.group_no = {p}"));
    }
    if let Some(k) = filter.kind {
        let p = q.arg(Arg::Text(k.code().to_string()));
        q.sql.push_str(&format!(" AND h.kind = {p}"));
    }
    if let Some(t) = filter
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        let prefix = q.arg(Arg::Text(format!("{}%", like_escape(t))));
        let inner = q.arg(Arg::Text(format!("%{}%", like_escape(t))));
        q.sql.push_str(&format!(
            " AND (h.household_no LIKE {prefix} ESCAPE '\\' OR EXISTS (SELECT 1 FROM members m WHERE m.household_id = h.id AND m.name LIKE {inner} ESCAPE '\\'))"
        ));
    }
    if let Some(id) = filter
        .id_number
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        match IdNumber::parse(id, Date::MAX) {
            Ok(parsed) => {
                let p = q.arg(Arg::Text(parsed.base().to_string()));
                q.sql.push_str(&format!(" AND EXISTS (SELECT 1 FROM members m WHERE m.household_id = h.id AND m.id_base = {p})"));
            }
            Err(_) => {
                let p = q.arg(Arg::Text(format!("%{}", like_escape(&id.to_uppercase()))));
                q.sql.push_str(&format!(" AND EXISTS (SELECT 1 FROM members m WHERE m.household_id = h.id AND m.id_number LIKE {p} ESCAPE '\\')"));
            }
        }
    }
}

impl SqlStore {
    pub(crate) async fn village_stats_impl(&self, actor: &Actor) -> Result<Vec<VillageStat>> {
        let (lo, hi) = scope_range(&actor.scope);
        let rows = sqlx::query(
            "SELECT d.code, d.name, \
               CAST(COALESCE(SUM(CASE WHEN h.kind = 'exited' THEN 1 ELSE 0 END), 0) AS BIGINT) AS exited, \
               CAST(COALESCE(SUM(CASE WHEN h.kind = 'monitored' THEN 1 ELSE 0 END), 0) AS BIGINT) AS monitored, \
               CAST(COALESCE(SUM(CASE WHEN h.kind = 'ordinary' THEN 1 ELSE 0 END), 0) AS BIGINT) AS ordinary, \
               CAST(COALESCE(SUM(h.size), 0) AS BIGINT) AS people \
             FROM divisions d LEFT JOIN households h ON h.village_code = d.code \
             WHERE d.level = 'village' AND d.code >= $1 AND d.code < $2 \
             GROUP BY d.code, d.name ORDER BY d.code",
        )
        .bind(lo)
        .bind(hi)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let code: String = r.try_get("code")?;
                let n = |c: &str| -> Result<u64> {
                    Ok(u64::try_from(r.try_get::<i64, _>(c)?).unwrap_or(0))
                };
                Ok(VillageStat {
                    code: DivisionCode::parse(&code).map_err(|_| corrupt("code", &code))?,
                    name: r.try_get("name")?,
                    exited: n("exited")?,
                    monitored: n("monitored")?,
                    ordinary: n("ordinary")?,
                    people: n("people")?,
                })
            })
            .collect()
    }

    pub(crate) async fn household_list_impl(
        &self,
        actor: &Actor,
        filter: &HouseholdFilter,
        page: PageRequest,
    ) -> Result<Page<HouseholdRow>> {
        let per_page = page.per_page.clamp(1, 500);
        let page_no = page.page.max(1);
        let empty = Page {
            items: Vec::new(),
            total: 0,
            page: page_no,
            per_page,
        };
        let Some(scope) = effective_scope(actor, filter) else {
            return Ok(empty);
        };

        let mut count = Query::new(self.backend, "SELECT COUNT(*) FROM households h");
        push_filter(&mut count, scope, filter);
        let total: i64 = count.build().fetch_one(&self.pool).await?.try_get(0)?;

        // The page is cut first; village names and latest incomes are joined to its rows only.
        let mut q = Query::new(
            self.backend,
            "SELECT h.id, h.household_no, h.village_code, h.group_no, h.kind, h.monitoring_category, h.head_name, h.head_id_number, h.size FROM households h",
        );
        push_filter(&mut q, scope, filter);
        let limit = q.arg(Arg::Int(i64::from(per_page)));
        let offset = q.arg(Arg::Int(i64::from(page_no - 1) * i64::from(per_page)));
        q.sql = format!(
            "SELECT p.*, d.name AS village_name, i.year, i.wage_income + i.business_income + i.property_income + i.transfer_income - i.business_expense AS net \
             FROM ({} ORDER BY h.household_no LIMIT {limit} OFFSET {offset}) p JOIN divisions d ON d.code = p.village_code \
             LEFT JOIN incomes i ON i.household_id = p.id AND i.year = (SELECT MAX(year) FROM incomes WHERE household_id = p.id) \
             ORDER BY p.household_no",
            q.sql
        );
        let rows = q.build().fetch_all(&self.pool).await?;
        let items = rows
            .iter()
            .map(|r| {
                let village: String = r.try_get("village_code")?;
                let size: i64 = r.try_get("size")?;
                let net: Option<i64> = r.try_get("net")?;
                Ok(HouseholdRow {
                    household_no: r.try_get("household_no")?,
                    village_code: DivisionCode::parse(&village)
                        .map_err(|_| corrupt("village_code", &village))?,
                    village_name: r.try_get("village_name")?,
                    group: r
                        .try_get::<Option<i64>, _>("group_no")?
                        .and_then(|g| u16::try_from(g).ok()),
                    kind: req_code(r, "kind")?,
                    monitoring_category: code(r, "monitoring_category")?,
                    head_name: r.try_get("head_name")?,
                    head_id_number: r.try_get("head_id_number")?,
                    size,
                    latest_income_year: r
                        .try_get::<Option<i64>, _>("year")?
                        .and_then(|y| i32::try_from(y).ok()),
                    latest_net_income_per_capita: net
                        .and_then(|n| Yuan::from_fen(n).div_round(size)),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Page {
            items,
            total: u64::try_from(total).unwrap_or(0),
            page: page_no,
            per_page,
        })
    }

    pub(crate) async fn details_by_rows(&self, rows: Vec<AnyRow>) -> Result<Vec<HouseholdDetail>> {
        let mut conn = self.pool.acquire().await?;
        load_details(&mut conn, self.backend, rows).await
    }
}

/// Loads full households (members and incomes) for household rows, in the given order.
pub(crate) async fn load_details(
    conn: &mut AnyConnection,
    backend: Backend,
    rows: Vec<AnyRow>,
) -> Result<Vec<HouseholdDetail>> {
    {
        let mut details = Vec::with_capacity(rows.len());
        let mut index = HashMap::with_capacity(rows.len());
        for r in &rows {
            let (key, village_name, updated_at, household) = household_from_row(r)?;
            index.insert(key.id, details.len());
            details.push(HouseholdDetail {
                key,
                village_name,
                household,
                member_keys: Vec::new(),
                updated_at,
            });
        }
        let ids: Vec<i64> = details.iter().map(|d| d.key.id).collect();
        for chunk in ids.chunks(1000) {
            let list = backend.placeholders(chunk.len());
            let sql = format!(
                "SELECT {MEMBER_COLUMNS} FROM members WHERE household_id IN ({list}) ORDER BY household_id, position"
            );
            let mut q = sqlx::query(&sql);
            for id in chunk {
                q = q.bind(*id);
            }
            for r in q.fetch_all(&mut *conn).await? {
                let hid: i64 = r.try_get("household_id")?;
                if let Some(&i) = index.get(&hid) {
                    details[i].household.members.push(member_from_row(&r)?);
                    details[i].member_keys.push(RowKey {
                        id: r.try_get("id")?,
                        version: r.try_get("version")?,
                    });
                }
            }
            let sql = format!(
                "SELECT {INCOME_COLUMNS} FROM incomes WHERE household_id IN ({list}) ORDER BY household_id, year"
            );
            let mut q = sqlx::query(&sql);
            for id in chunk {
                q = q.bind(*id);
            }
            for r in q.fetch_all(&mut *conn).await? {
                let hid: i64 = r.try_get("household_id")?;
                if let Some(&i) = index.get(&hid) {
                    details[i].household.incomes.push(income_from_row(&r)?);
                }
            }
        }
        Ok(details)
    }
}

impl SqlStore {
    pub(crate) async fn household_get_impl(
        &self,
        actor: &Actor,
        household_no: &str,
    ) -> Result<HouseholdDetail> {
        let (lo, hi) = scope_range(&actor.scope);
        let row = sqlx::query(&format!(
            "SELECT {HOUSEHOLD_COLUMNS} FROM households h JOIN divisions d ON d.code = h.village_code \
             WHERE h.household_no = $1 AND h.village_code >= $2 AND h.village_code < $3"
        ))
        .bind(household_no.to_string())
        .bind(lo)
        .bind(hi)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        self.details_by_rows(vec![row])
            .await?
            .pop()
            .ok_or(StoreError::NotFound)
    }

    pub(crate) async fn households_export_impl(
        &self,
        actor: &Actor,
        filter: &HouseholdFilter,
    ) -> Result<Vec<HouseholdDetail>> {
        let Some(scope) = effective_scope(actor, filter) else {
            return Ok(Vec::new());
        };
        let mut q = Query::new(
            self.backend,
            &format!(
                "SELECT {HOUSEHOLD_COLUMNS} FROM households h JOIN divisions d ON d.code = h.village_code"
            ),
        );
        push_filter(&mut q, scope, filter);
        q.sql.push_str(" ORDER BY h.household_no");
        let rows = q.build().fetch_all(&self.pool).await?;
        self.details_by_rows(rows).await
    }

    pub(crate) async fn member_locations_impl(
        &self,
        id_bases: &[String],
    ) -> Result<HashMap<String, String>> {
        let mut out = HashMap::new();
        let backend = self.backend;
        for chunk in id_bases.chunks(backend.max_params()) {
            let list = backend.placeholders(chunk.len());
            let sql = format!(
                "SELECT m.id_base, h.household_no FROM members m JOIN households h ON h.id = m.household_id WHERE m.id_base IN ({list})"
            );
            let mut q = sqlx::query(&sql);
            for id in chunk {
                q = q.bind(id.clone());
            }
            for r in q.fetch_all(&self.pool).await? {
                out.insert(r.try_get("id_base")?, r.try_get("household_no")?);
            }
        }
        Ok(out)
    }

    pub(crate) async fn household_update_impl(
        &self,
        actor: &Actor,
        household_no: &str,
        expected_version: i64,
        fields: HouseholdFields,
    ) -> Result<()> {
        if fields.kind == HouseholdKind::Monitored && fields.monitoring_category.is_none() {
            return Err(StoreError::Invalid("监测户须填写监测对象类别".into()));
        }
        if fields.kind != HouseholdKind::Monitored && fields.monitoring_category.is_some() {
            return Err(StoreError::Invalid("只有监测户才有监测对象类别".into()));
        }
        let current = self.household_get_impl(actor, household_no).await?;
        if current.key.version != expected_version {
            return Err(conflict());
        }
        let mut updated = current.household.clone();
        updated.group = fields.group;
        updated.kind = fields.kind;
        updated.monitoring_category = fields.monitoring_category;
        updated.phone = fields.phone;
        updated.house_safe = fields.house_safe;
        updated.water_safe = fields.water_safe;
        updated.farmland_centimu = fields.farmland_centimu;
        let Some((before, after)) = diff(
            &household_view(&current.household),
            &household_view(&updated),
        ) else {
            return Ok(());
        };
        let mut tx = self.pool.begin().await?;
        update_household_row(&mut tx, current.key, &updated).await?;
        audit_insert(
            &mut tx,
            actor,
            "update",
            "household",
            household_no,
            Some(household_no),
            Some(before),
            Some(after),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn member_update_impl(
        &self,
        actor: &Actor,
        member_id: i64,
        expected_version: i64,
        member: Member,
    ) -> Result<()> {
        let (lo, hi) = scope_range(&actor.scope);
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(&format!(
            "SELECT m.{}, h.household_no FROM members m JOIN households h ON h.id = m.household_id \
             WHERE m.id = $1 AND h.village_code >= $2 AND h.village_code < $3",
            MEMBER_COLUMNS.replace(", ", ", m.")
        ))
        .bind(member_id)
        .bind(lo)
        .bind(hi)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        let household_no: String = row.try_get("household_no")?;
        let household_id: i64 = row.try_get("household_id")?;
        let version: i64 = row.try_get("version")?;
        if version != expected_version {
            return Err(conflict());
        }
        let current = member_from_row(&row)?;
        let Some((before, after)) = diff(&member_view(&current), &member_view(&member)) else {
            return Ok(());
        };
        if member.id_number.base() != current.id_number.base() {
            let holder: Option<String> = sqlx::query_scalar("SELECT h.household_no FROM members m JOIN households h ON h.id = m.household_id WHERE m.id_base = $1")
                .bind(member.id_number.base().to_string())
                .fetch_optional(&mut *tx)
                .await?;
            if let Some(other) = holder {
                return Err(StoreError::Invalid(format!(
                    "证件号码已是户编号 {other} 的成员"
                )));
            }
        }
        let mut args = member_args(&member);
        args.push(Arg::Text(now_text()));
        args.push(Arg::Int(member_id));
        args.push(Arg::Int(expected_version));
        let q = Query {
            backend: self.backend,
            sql: "UPDATE members SET name = $1, id_number = $2, id_base = $3, relation = $4, sex = $5, birth_date = $6, ethnicity = $7, education = $8, \
                  schooling = $9, health = $10, disability_grade = $11, labour = $12, work_months = $13, medical_insured = $14, pension_insured = $15, \
                  dibao = $16, tekun = $17, phone = $18, version = version + 1, updated_at = $19 WHERE id = $20 AND version = $21"
                .to_string(),
            args,
        };
        if q.build().execute(&mut *tx).await?.rows_affected() == 0 {
            return Err(conflict());
        }
        let heads: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM members WHERE household_id = $1 AND relation = 'head'",
        )
        .bind(household_id)
        .fetch_one(&mut *tx)
        .await?;
        if heads != 1 {
            return Err(StoreError::Invalid(format!(
                "一户须有且只有一个户主，修改后为 {heads} 个"
            )));
        }
        refresh_head(&mut tx, household_id).await?;
        let key = format!("{} {}", member.name, member.id_number.masked());
        audit_insert(
            &mut tx,
            actor,
            "update",
            "member",
            &key,
            Some(&household_no),
            Some(before),
            Some(after),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

pub(crate) fn conflict() -> StoreError {
    StoreError::Conflict("该记录已被他人修改，请刷新后重试".into())
}

/// Updates the household columns (not members) and bumps the version; conflict if it moved on.
pub(crate) async fn update_household_row(
    tx: &mut Transaction<'_, Any>,
    key: RowKey,
    h: &Household,
) -> Result<()> {
    let done = sqlx::query(
        "UPDATE households SET village_code = $1, group_no = $2, kind = $3, monitoring_category = $4, phone = $5, house_safe = $6, water_safe = $7, \
         farmland_centimu = $8, version = version + 1, updated_at = $9 WHERE id = $10 AND version = $11",
    )
    .bind(h.village.as_str().to_string())
    .bind(h.group.map(i64::from))
    .bind(h.kind.code())
    .bind(h.monitoring_category.map(|c| c.code()))
    .bind(h.phone.clone())
    .bind(h.house_safe.map(i64::from))
    .bind(h.water_safe.map(i64::from))
    .bind(h.farmland_centimu)
    .bind(now_text())
    .bind(key.id)
    .bind(key.version)
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(conflict());
    }
    Ok(())
}

/// Recomputes the list columns kept on the household row (size, head's name and ID) and marks the
/// household as changed (its members are part of it).
pub(crate) async fn refresh_head(tx: &mut Transaction<'_, Any>, household_id: i64) -> Result<()> {
    sqlx::query(
        "UPDATE households SET updated_at = $2, size = (SELECT COUNT(*) FROM members WHERE household_id = $1), \
           head_name = (SELECT name FROM members WHERE household_id = $1 AND relation = 'head' ORDER BY position LIMIT 1), \
           head_id_number = (SELECT id_number FROM members WHERE household_id = $1 AND relation = 'head' ORDER BY position LIMIT 1) \
         WHERE id = $1",
    )
    .bind(household_id)
    .bind(now_text())
    .execute(&mut **tx)
    .await?;
    Ok(())
}
