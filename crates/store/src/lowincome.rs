//! The rural low-income population: the 低保, 特困, 临时救助 and 低保边缘 rolls (entries checked by the
//! domain against the standards of the policy table, periodic reviews, import from the civil feed),
//! the medical three tiers per person and year, the pension premium candidates, the care rosters
//! with their visits, and the low-income population list with its counts. Scoped in SQL by the
//! household's village like the registry: out of scope answers `NotFound`.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::{Map, Value, json};
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Row, Transaction};
use time::Date;
use zhenxing_domain::feed::AssistanceProgram;
use zhenxing_domain::household::{
    DisabilityGrade, Health, HouseholdKind, Labour, MonitoringCategory, Relation, Sex,
};
use zhenxing_domain::id_number::mask_id;
use zhenxing_domain::lowincome::{
    CareGroup, CareLevel, CareMember, CareParams, MedicalYear, ReviewOutcome, RollDraft, RollKind,
    RollStatus, RosterStatus, Standards, SupportMode, assistance_class, check_draft, derive_care,
    next_review, premium_group, premium_subsidy, review_interval,
};
use zhenxing_domain::{CodeEnum, DivisionCode, IdNumber, Policy, PolicyKey, Yuan};
use zhenxing_screening::id_text;

use crate::audit::{audit_insert, diff};
use crate::households::{Arg, Query, code, conflict, corrupt, date_text, like_escape, parse_date};
use crate::monitoring::{
    count_u64, empty_page, fetch_page, household_in_scope, is_unique_violation, narrow,
    page_bounds, policy_from_row, push_limit, push_scope, push_text, text_value, village,
    without_nulls,
};
use crate::sql::{Backend, SqlStore, now_text, scope_range};
use crate::{
    Actor, CareDetail, CareFilter, CareRefreshSummary, CareRow, CareVisit, CivilImportSummary,
    CivilRefusal, LowIncomeCount, LowIncomeFilter, LowIncomeRow, LowIncomeType, MedicalFilter,
    MedicalPersonRow, NewCareVisit, NewReview, NewRollEntry, Page, PageRequest, PremiumCandidate,
    Result, RollDetail, RollFilter, RollPerson, RollReview, RollRow, RollSource, StoreError,
};

/// Field names of the low-income audit rows that are not roster or monitoring fields, with their
/// Chinese headers (`start_date`, `end_date`, `reason` are the monitoring ones).
pub const LOWINCOME_AUDIT_FIELDS: &[(&str, &str)] = &[
    ("roll_kind", "救助类型"),
    ("roll_person", "救助对象"),
    ("covered", "保障成员"),
    ("monthly_amount", "月救助金（元）"),
    ("care_level", "生活自理能力"),
    ("support_mode", "供养方式"),
    ("amount", "救助金额（元）"),
    ("event", "救助事由"),
    ("end_reason", "终止原因"),
    ("roll_status", "救助状态"),
    ("next_review", "下次核查日期"),
    ("source", "来源"),
    ("review_date", "核查日期"),
    ("review_outcome", "核查结论"),
    ("review_note", "核查说明"),
    ("care_group", "关爱对象类别"),
    ("care_person", "关爱对象"),
    ("roster_status", "核实状态"),
    ("care_reason", "认定依据"),
    ("care_note", "核实说明"),
    ("visit_date", "走访日期"),
    ("visitor", "走访人"),
    ("visit_content", "走访内容"),
    ("next_visit", "下次走访日期"),
];

/// IDs per `IN (…)` list.
const ID_CHUNK: usize = 1000;

// --- small helpers ---

fn opt_date(row: &AnyRow, col: &str) -> Result<Option<Date>> {
    let v: Option<String> = row.try_get(col)?;
    v.map(|s| parse_date(&s).ok_or_else(|| corrupt(col, &s)))
        .transpose()
}

fn req_date(row: &AnyRow, col: &str) -> Result<Date> {
    opt_date(row, col)?.ok_or_else(|| corrupt(col, "NULL"))
}

fn opt_yuan(row: &AnyRow, col: &str) -> Result<Option<Yuan>> {
    Ok(row.try_get::<Option<i64>, _>(col)?.map(Yuan::from_fen))
}

fn group_no(row: &AnyRow) -> Result<Option<u16>> {
    Ok(row
        .try_get::<Option<i64>, _>("group_no")?
        .and_then(|g| u16::try_from(g).ok()))
}

fn flag(row: &AnyRow, col: &str) -> Result<bool> {
    Ok(row.try_get::<Option<i64>, _>(col)?.is_some_and(|v| v != 0))
}

fn req<T: CodeEnum>(row: &AnyRow, col: &str) -> Result<T> {
    code(row, col)?.ok_or_else(|| corrupt(col, "NULL"))
}

fn date_value(d: Option<Date>) -> Value {
    d.map_or(Value::Null, |d| json!(date_text(d)))
}

fn yuan_value(y: Option<Yuan>) -> Value {
    y.map_or(Value::Null, |y| json!(y.plain()))
}

fn label_value<T: CodeEnum>(v: Option<T>) -> Value {
    v.map_or(Value::Null, |v| json!(v.label()))
}

/// The 18-character base of an ID as typed (15 digits upgraded); text that is no ID is kept as
/// typed, upper-cased, so that it simply matches no member.
fn id_base_of(text: &str) -> String {
    IdNumber::parse(text, Date::MAX)
        .map_or_else(|_| text.trim().to_uppercase(), |i| i.base().to_string())
}

/// `王大山 500222********0013` for the audit trail (never a full ID).
fn person_text(base: &str, names: &HashMap<String, String>) -> String {
    match names.get(base) {
        Some(name) => format!("{name} {}", mask_id(base)),
        None => mask_id(base),
    }
}

/// The 1 January and 31 December of a year as stored dates compare.
fn year_bounds(year: i32) -> (String, String) {
    (format!("{year:04}-01-01"), format!("{year:04}-12-31"))
}

/// The same day a year earlier (29 February → 28 February).
fn year_before(d: Date) -> Date {
    Date::from_calendar_date(d.year() - 1, d.month(), d.day())
        .or_else(|_| Date::from_calendar_date(d.year() - 1, d.month(), 28))
        .unwrap_or(Date::MIN)
}

/// The policy table as stored (read inside the caller's transaction when it writes).
pub(crate) async fn policy_table(conn: &mut AnyConnection) -> Result<Policy> {
    let rows = sqlx::query("SELECT key, region, year, value, is_default FROM policy_values")
        .fetch_all(&mut *conn)
        .await?;
    Ok(Policy::new(
        rows.iter().map(policy_from_row).collect::<Result<_>>()?,
    ))
}

/// Names of members by ID base (absent: not in the registry).
async fn member_names(
    conn: &mut AnyConnection,
    backend: Backend,
    bases: &[String],
) -> Result<HashMap<String, String>> {
    let mut out = HashMap::new();
    let mut wanted: Vec<&String> = bases.iter().collect();
    wanted.sort_unstable();
    wanted.dedup();
    if wanted.is_empty() {
        return Ok(out);
    }
    // The list as one JSON parameter: an IN list of placeholders costs ~25 µs a value in sqlx.
    let sql = format!(
        "SELECT id_base, name FROM members WHERE id_base IN ({})",
        backend.json_texts("$1")
    );
    let list = serde_json::to_string(&wanted).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    for r in sqlx::query(&sql).bind(list).fetch_all(&mut *conn).await? {
        out.insert(r.try_get("id_base")?, r.try_get("name")?);
    }
    Ok(out)
}

/// `IN (…)` over household ids, chunked: runs `sql` (with `{ids}` for the list) per chunk.
async fn rows_for_households(
    conn: &mut AnyConnection,
    backend: Backend,
    sql: &str,
    ids: &[i64],
) -> Result<Vec<AnyRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // The ids as one JSON parameter (see `member_names`).
    let text = sql.replace("{ids}", &backend.json_ints("$1"));
    let list = serde_json::to_string(ids).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok(sqlx::query(&text).bind(list).fetch_all(&mut *conn).await?)
}

// --- roll entries ---

/// A roll entry's stored columns.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    kind: RollKind,
    person: Option<String>,
    covered: Vec<String>,
    monthly_amount: Option<Yuan>,
    care_level: Option<CareLevel>,
    support_mode: Option<SupportMode>,
    amount: Option<Yuan>,
    event: Option<String>,
    reason: String,
    start: Date,
    end: Option<Date>,
    end_reason: Option<String>,
    status: RollStatus,
    next_review: Option<Date>,
}

impl Entry {
    /// The entry as the audit trail shows it: field name → display value.
    fn view(&self, names: &HashMap<String, String>) -> Map<String, Value> {
        let mut v = Map::new();
        v.insert("roll_kind".into(), json!(self.kind.label()));
        v.insert(
            "roll_person".into(),
            self.person
                .as_deref()
                .map_or(Value::Null, |p| json!(person_text(p, names))),
        );
        let covered: Vec<String> = self.covered.iter().map(|b| person_text(b, names)).collect();
        v.insert("covered".into(), text_value(&covered.join("、")));
        v.insert("monthly_amount".into(), yuan_value(self.monthly_amount));
        v.insert("care_level".into(), label_value(self.care_level));
        v.insert("support_mode".into(), label_value(self.support_mode));
        v.insert("amount".into(), yuan_value(self.amount));
        v.insert(
            "event".into(),
            self.event.as_deref().map_or(Value::Null, text_value),
        );
        v.insert("reason".into(), text_value(&self.reason));
        v.insert("start_date".into(), json!(date_text(self.start)));
        v.insert("end_date".into(), date_value(self.end));
        v.insert(
            "end_reason".into(),
            self.end_reason.as_deref().map_or(Value::Null, text_value),
        );
        v.insert("roll_status".into(), json!(self.status.label()));
        v.insert("next_review".into(), date_value(self.next_review));
        v
    }

    /// The domain's view of the entry, for `check_draft`.
    fn draft(&self) -> RollDraft {
        RollDraft {
            kind: self.kind,
            covered: match self.kind {
                RollKind::Dibao | RollKind::Marginal => self.covered.len(),
                RollKind::Tekun => 1,
                RollKind::Temporary => usize::from(self.person.is_some()),
            },
            monthly_amount: self.monthly_amount,
            care_level: self.care_level,
            support_mode: self.support_mode,
            amount: self.amount,
            start: self.start,
            end: self.end,
        }
    }

    /// The entry's status and next review on `today` (ended when its end is not after today).
    fn settle(&mut self, policy: &Policy, village: &DivisionCode, today: Date) {
        self.status = if self.end.is_some_and(|e| e <= today) {
            RollStatus::Ended
        } else {
            RollStatus::Active
        };
        self.next_review = match self.status {
            RollStatus::Active => review_interval(policy, village, self.start.year(), self.kind)
                .map(|months| next_review(self.start, months)),
            RollStatus::Ended => None,
        };
    }
}

/// The domain's field messages joined into one refusal.
fn refusal(messages: Vec<String>) -> StoreError {
    StoreError::Invalid(messages.join("；"))
}

/// Checks an entry with the domain against the standards of its start year for the village.
fn check_entry(
    e: &Entry,
    policy: &Policy,
    village: &DivisionCode,
    today: Date,
) -> std::result::Result<(), Vec<String>> {
    let standards = Standards::resolve(policy, village, e.start.year());
    check_draft(&e.draft(), &standards, today)
        .map_err(|fields| fields.into_iter().map(|(_, m)| m).collect())
}

/// Turns what the clerk typed into an entry of the household (`members`: ID base, name), with
/// every refusal (ours and the domain's) in one message.
fn prepare(
    entry: &NewRollEntry,
    members: &[(String, String)],
    policy: &Policy,
    village: &DivisionCode,
) -> Result<Entry> {
    let mut errors = Vec::new();
    let is_member = |base: &str| members.iter().any(|(b, _)| b == base);
    let member_of = |text: &str, errors: &mut Vec<String>| {
        let base = id_base_of(text);
        if is_member(&base) {
            Some(base)
        } else {
            errors.push(format!("证件号码 {} 不是该户成员", mask_id(&base)));
            None
        }
    };
    let person_given = entry
        .person
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty());
    let mut covered: Vec<String> = Vec::new();
    let mut person = None;
    match entry.kind {
        RollKind::Dibao | RollKind::Marginal => {
            for c in entry.covered.iter().filter(|c| !c.trim().is_empty()) {
                if let Some(base) = member_of(c, &mut errors)
                    && !covered.contains(&base)
                {
                    covered.push(base);
                }
            }
            if entry.kind == RollKind::Marginal && entry.covered.iter().all(|c| c.trim().is_empty())
            {
                covered = members.iter().map(|(b, _)| b.clone()).collect();
            }
        }
        RollKind::Tekun => match person_given {
            Some(p) => person = member_of(p, &mut errors),
            None => errors.push("特困供养须指定供养人员（证件号码）".to_string()),
        },
        RollKind::Temporary => {
            if let Some(p) = person_given {
                person = member_of(p, &mut errors);
            }
            if entry.event.trim().is_empty() {
                errors.push("临时救助须填写救助事由".to_string());
            }
        }
    }
    let tekun = entry.kind == RollKind::Tekun;
    let mut e = Entry {
        kind: entry.kind,
        person,
        covered,
        monthly_amount: matches!(entry.kind, RollKind::Dibao | RollKind::Tekun)
            .then_some(entry.monthly_amount)
            .flatten(),
        care_level: entry.care_level.filter(|_| tekun),
        support_mode: entry.support_mode.filter(|_| tekun),
        amount: entry.amount.filter(|_| entry.kind == RollKind::Temporary),
        event: (entry.kind == RollKind::Temporary).then(|| entry.event.trim().to_string()),
        reason: entry.reason.trim().to_string(),
        start: entry.start,
        end: entry.end,
        end_reason: None,
        status: RollStatus::Active,
        next_review: None,
    };
    if let Err(messages) = check_entry(&e, policy, village, entry.today) {
        errors.extend(messages);
    }
    if !errors.is_empty() {
        return Err(refusal(errors));
    }
    e.settle(policy, village, entry.today);
    if e.status == RollStatus::Ended {
        e.end_reason = Some("录入时已终止".to_string());
    }
    Ok(e)
}

/// Why a new active entry may not go on the roll beside the active ones (one 低保 and one 低保边缘
/// per household, one 特困 per person), if it may not.
async fn active_conflict(
    conn: &mut AnyConnection,
    household_id: i64,
    e: &Entry,
) -> Result<Option<String>> {
    if e.status != RollStatus::Active {
        return Ok(None);
    }
    let existing: Option<i64> = match e.kind {
        RollKind::Dibao | RollKind::Marginal => {
            sqlx::query_scalar(
                "SELECT id FROM assistance_rolls WHERE household_id = $1 AND kind = $2 AND status = 'active'",
            )
            .bind(household_id)
            .bind(e.kind.code())
            .fetch_optional(&mut *conn)
            .await?
        }
        RollKind::Tekun => {
            sqlx::query_scalar(
                "SELECT id FROM assistance_rolls WHERE person_id_base = $1 AND kind = 'tekun' AND status = 'active'",
            )
            .bind(e.person.clone())
            .fetch_optional(&mut *conn)
            .await?
        }
        RollKind::Temporary => None,
    };
    Ok(existing.map(|id| match e.kind {
        RollKind::Tekun => format!("此人已有在册的特困供养（第 {id} 号），请先终止"),
        kind => format!("该户已有在册的{}（第 {id} 号），请先终止", kind.label()),
    }))
}

/// Writes a new entry and its audit row inside the caller's transaction.
#[expect(
    clippy::too_many_arguments,
    reason = "the entry, where it belongs and where it came from"
)]
async fn insert_entry(
    tx: &mut Transaction<'_, Any>,
    actor: &Actor,
    household_id: i64,
    household_no: &str,
    e: &Entry,
    source: RollSource,
    upload_id: Option<i64>,
    names: &HashMap<String, String>,
) -> Result<i64> {
    if let Some(message) = active_conflict(tx, household_id, e).await? {
        return Err(StoreError::Conflict(message));
    }
    let now = now_text();
    let inserted = sqlx::query_scalar::<_, i64>(
        "INSERT INTO assistance_rolls (kind, household_id, person_id_base, covered, covered_count, monthly_amount, care_level, support_mode, \
         amount, event, reason, start_date, end_date, end_reason, status, next_review, source, upload_id, version, created_by, created_at, \
         updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, 1, $19, $20, $19, $20) \
         RETURNING id",
    )
    .bind(e.kind.code())
    .bind(household_id)
    .bind(e.person.clone())
    .bind((!e.covered.is_empty()).then(|| e.covered.join(",")))
    .bind(e.covered.len() as i64)
    .bind(e.monthly_amount.map(Yuan::fen))
    .bind(e.care_level.map(CodeEnum::code))
    .bind(e.support_mode.map(CodeEnum::code))
    .bind(e.amount.map(Yuan::fen))
    .bind(e.event.clone())
    .bind(e.reason.clone())
    .bind(date_text(e.start))
    .bind(e.end.map(date_text))
    .bind(e.end_reason.clone())
    .bind(e.status.code())
    .bind(e.next_review.map(date_text))
    .bind(source.code())
    .bind(upload_id)
    .bind(actor.username.clone())
    .bind(now)
    .fetch_one(&mut **tx)
    .await;
    let id = match inserted {
        Ok(id) => id,
        Err(err) if is_unique_violation(&err) => {
            // Someone put one on the roll in the meantime.
            return Err(StoreError::Conflict(format!(
                "已有在册的{}，请刷新后查看",
                e.kind.label()
            )));
        }
        Err(err) => return Err(err.into()),
    };
    let mut after = e.view(names);
    after.insert("source".into(), json!(source.label()));
    audit_insert(
        tx,
        actor,
        match source {
            RollSource::Manual => "create",
            RollSource::Import => "import",
        },
        "roll",
        &id.to_string(),
        Some(household_no),
        None,
        Some(without_nulls(after)),
    )
    .await?;
    Ok(id)
}

const ROLL_COLUMNS: &str = "r.id, r.version, r.kind, r.status, r.household_id, r.person_id_base, r.covered, r.monthly_amount, r.care_level, \
     r.support_mode, r.amount, r.event, r.reason, r.start_date, r.end_date, r.end_reason, r.next_review, r.source, r.upload_id, r.created_by, \
     r.created_at, r.updated_by, r.updated_at, h.household_no, h.village_code, h.group_no, h.head_name, d.name AS village_name";
const ROLL_FROM: &str = "FROM assistance_rolls r JOIN households h ON h.id = r.household_id JOIN divisions d ON d.code = h.village_code";

fn covered_from(row: &AnyRow) -> Result<Vec<String>> {
    let v: Option<String> = row.try_get("covered")?;
    Ok(v.as_deref()
        .unwrap_or("")
        .split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect())
}

fn entry_from_row(row: &AnyRow) -> Result<Entry> {
    Ok(Entry {
        kind: req(row, "kind")?,
        person: row.try_get("person_id_base")?,
        covered: covered_from(row)?,
        monthly_amount: opt_yuan(row, "monthly_amount")?,
        care_level: code(row, "care_level")?,
        support_mode: code(row, "support_mode")?,
        amount: opt_yuan(row, "amount")?,
        event: row.try_get("event")?,
        reason: row.try_get("reason")?,
        start: req_date(row, "start_date")?,
        end: opt_date(row, "end_date")?,
        end_reason: row.try_get("end_reason")?,
        status: req(row, "status")?,
        next_review: opt_date(row, "next_review")?,
    })
}

fn roll_from_row(row: &AnyRow, names: &HashMap<String, String>) -> Result<RollRow> {
    let e = entry_from_row(row)?;
    let person_of = |base: &String| RollPerson {
        id_number: base.clone(),
        name: names.get(base).cloned(),
    };
    Ok(RollRow {
        id: row.try_get("id")?,
        version: row.try_get("version")?,
        kind: e.kind,
        status: e.status,
        household_no: row.try_get("household_no")?,
        village_code: village(row, "village_code")?,
        village_name: row.try_get("village_name")?,
        group: group_no(row)?,
        head_name: row.try_get("head_name")?,
        person: e.person.as_ref().map(person_of),
        covered: e.covered.iter().map(person_of).collect(),
        monthly_amount: e.monthly_amount,
        care_level: e.care_level,
        support_mode: e.support_mode,
        amount: e.amount,
        event: e.event,
        reason: e.reason,
        start: e.start,
        end: e.end,
        end_reason: e.end_reason,
        next_review: e.next_review,
        source: req(row, "source")?,
        upload_id: row.try_get("upload_id")?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
        updated_by: row.try_get("updated_by")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// Roll rows with the names of the people they name.
async fn rolls_from_rows(
    conn: &mut AnyConnection,
    backend: Backend,
    rows: &[AnyRow],
) -> Result<Vec<RollRow>> {
    let mut bases = Vec::new();
    for r in rows {
        bases.extend(r.try_get::<Option<String>, _>("person_id_base")?);
        bases.extend(covered_from(r)?);
    }
    let names = member_names(conn, backend, &bases).await?;
    rows.iter().map(|r| roll_from_row(r, &names)).collect()
}

/// Appends the WHERE clause of the roll list (the query selects `FROM assistance_rolls r JOIN
/// households h`).
fn push_roll_filter(q: &mut Query, scope: &DivisionCode, f: &RollFilter) {
    push_scope(q, "h.village_code", scope);
    if let Some(k) = f.kind {
        let p = q.arg(Arg::Text(k.code().to_string()));
        q.sql.push_str(&format!(" AND r.kind = {p}"));
    }
    if let Some(s) = f.status {
        let p = q.arg(Arg::Text(s.code().to_string()));
        q.sql.push_str(&format!(" AND r.status = {p}"));
    }
    if let Some(d) = f.next_review_from {
        let p = q.arg(Arg::Text(date_text(d)));
        q.sql.push_str(&format!(" AND r.next_review >= {p}"));
    }
    if let Some(d) = f.next_review_before {
        let p = q.arg(Arg::Text(date_text(d)));
        q.sql.push_str(&format!(" AND r.next_review < {p}"));
    }
    push_text(q, f.text.as_deref());
}

fn roll_order(f: &RollFilter) -> &'static str {
    if f.next_review_from.is_some() || f.next_review_before.is_some() {
        " ORDER BY r.next_review, h.village_code, h.household_no, r.id"
    } else {
        " ORDER BY h.village_code, h.household_no, r.id"
    }
}

/// A roll entry's row in the actor's scope (`NotFound` otherwise).
async fn roll_in_scope(conn: &mut AnyConnection, actor: &Actor, id: i64) -> Result<AnyRow> {
    let (lo, hi) = scope_range(&actor.scope);
    sqlx::query(&format!(
        "SELECT {ROLL_COLUMNS} {ROLL_FROM} WHERE r.id = $1 AND h.village_code >= $2 AND h.village_code < $3"
    ))
    .bind(id)
    .bind(lo)
    .bind(hi)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::NotFound)
}

/// Writes the changed columns of an entry if its version is still `expected_version`.
async fn update_entry(
    tx: &mut Transaction<'_, Any>,
    actor: &Actor,
    id: i64,
    expected_version: i64,
    e: &Entry,
) -> Result<()> {
    let done = sqlx::query(
        "UPDATE assistance_rolls SET monthly_amount = $1, status = $2, end_date = $3, end_reason = $4, next_review = $5, \
         version = version + 1, updated_by = $6, updated_at = $7 WHERE id = $8 AND version = $9",
    )
    .bind(e.monthly_amount.map(Yuan::fen))
    .bind(e.status.code())
    .bind(e.end.map(date_text))
    .bind(e.end_reason.clone())
    .bind(e.next_review.map(date_text))
    .bind(actor.username.clone())
    .bind(now_text())
    .bind(id)
    .bind(expected_version)
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(conflict());
    }
    Ok(())
}

// --- civil feed import ---

/// One civil record of an upload whose person is a member in the actor's scope.
#[derive(Debug, Clone)]
struct CivilRecord {
    row: usize,
    date: Date,
    person: String,
    amount: Yuan,
}

/// Where a person of the registry lives.
#[derive(Debug, Clone)]
struct Resident {
    name: String,
    household_id: i64,
    household_no: String,
    village: DivisionCode,
}

/// The latest record of each person (by date, then row), in order of first appearance.
fn latest_per_person(records: &[CivilRecord]) -> Vec<&CivilRecord> {
    let mut order: Vec<&str> = Vec::new();
    let mut latest: HashMap<&str, &CivilRecord> = HashMap::new();
    for r in records {
        match latest.get(r.person.as_str()) {
            None => {
                order.push(&r.person);
                latest.insert(&r.person, r);
            }
            Some(prev) if (r.date, r.row) > (prev.date, prev.row) => {
                latest.insert(&r.person, r);
            }
            Some(_) => {}
        }
    }
    order
        .iter()
        .filter_map(|p| latest.get(p).copied())
        .collect()
}

fn rows_of(records: &[CivilRecord]) -> Vec<usize> {
    let mut rows: Vec<usize> = records.iter().map(|r| r.row).collect();
    rows.sort_unstable();
    rows
}

// --- people and their facts (medical years, premium candidates) ---

/// Completed years of age on `on`.
fn age_on(birth: Date, on: Date) -> i32 {
    let before_birthday = (on.month(), on.day()) < (birth.month(), birth.day());
    on.year() - birth.year() - i32::from(before_birthday)
}

/// 孤儿 as docs/LOWINCOME.md approximates it (the registry has no death records): under 18 on
/// `on` with no parent member in the household — 户主/配偶 for 之子/之女, 之子/之儿媳/之女/之女婿 for
/// grandchildren, 之父/之母 for the head and siblings; other relations have no parent in the
/// household's terms and count as without one.
fn is_orphan(relation: Relation, birth: Date, household: &[(Relation, Date)], on: Date) -> bool {
    use Relation::*;
    if age_on(birth, on) >= 18 {
        return false;
    }
    let parents: &[Relation] = match relation {
        Son | Daughter => &[Head, Spouse],
        Grandson | Granddaughter => &[Son, DaughterInLaw, Daughter, SonInLaw],
        Head | Sibling => &[Father, Mother],
        _ => &[],
    };
    !household.iter().any(|(r, _)| parents.contains(r))
}

/// A member with the household facts the medical and premium lists need.
#[derive(Debug, Clone)]
struct Person {
    base: String,
    name: String,
    id_number: String,
    relation: Relation,
    birth: Date,
    dibao_flag: bool,
    tekun_flag: bool,
    pension_insured: Option<bool>,
    disability: Option<DisabilityGrade>,
    household_id: i64,
    household_no: String,
    village_code: DivisionCode,
    village_name: String,
    household_kind: HouseholdKind,
    category: Option<MonitoringCategory>,
    risk_eliminated: bool,
}

impl Person {
    /// 监测对象: a 监测户 whose risk is not eliminated.
    fn monitored(&self) -> bool {
        self.household_kind == HouseholdKind::Monitored && !self.risk_eliminated
    }
}

const PERSON_SELECT: &str = "SELECT m.id_base, m.name, m.id_number, m.relation, m.birth_date, m.dibao, m.tekun, m.pension_insured, \
     m.disability_grade, m.household_id, h.household_no, h.village_code, h.kind, h.monitoring_category, h.risk_eliminated, d.name AS village_name \
     FROM members m JOIN households h ON h.id = m.household_id JOIN divisions d ON d.code = h.village_code";

/// [`PERSON_SELECT`]'s columns as one text, each `<characters>:<value>` (`:` for NULL).
fn people_text_select() -> String {
    let texts = [
        "m.id_base",
        "m.name",
        "m.id_number",
        "m.relation",
        "m.birth_date",
        "CAST(m.dibao AS TEXT)",
        "CAST(m.tekun AS TEXT)",
        "CAST(m.pension_insured AS TEXT)",
        "m.disability_grade",
        "CAST(m.household_id AS TEXT)",
        "h.household_no",
        "h.village_code",
        "h.kind",
        "h.monitoring_category",
        "CAST(h.risk_eliminated AS TEXT)",
        "d.name",
    ];
    let fields: Vec<String> = texts
        .iter()
        .map(|t| format!("COALESCE(CAST(LENGTH({t}) AS TEXT), '') || ':' || COALESCE({t}, '')"))
        .collect();
    format!(
        "SELECT string_agg({}, '') FROM members m JOIN households h ON h.id = m.household_id \
         JOIN divisions d ON d.code = h.village_code",
        fields.join(" || ")
    )
}

/// One person of [`people_text_select`]'s text.
fn person_from_text(c: &mut crate::screening::Scan<'_>) -> Result<Person> {
    let mut next = || c.counted();
    let text =
        |v: Option<&str>, col: &str| v.map(str::to_string).ok_or_else(|| corrupt(col, "NULL"));
    let base = text(next()?, "id_base")?;
    let name = text(next()?, "name")?;
    let id_number = text(next()?, "id_number")?;
    let relation = next()?.unwrap_or_default().to_string();
    let birth = next()?.unwrap_or_default().to_string();
    let dibao = next()?.is_some_and(|v| v != "0");
    let tekun = next()?.is_some_and(|v| v != "0");
    let pension = next()?.map(|v| v != "0");
    let disability = next()?.map(str::to_string);
    let household_id = next()?.unwrap_or_default().to_string();
    let household_no = text(next()?, "household_no")?;
    let village_code = next()?.unwrap_or_default().to_string();
    let kind = next()?.unwrap_or_default().to_string();
    let category = next()?.map(str::to_string);
    let eliminated = next()?.is_some_and(|v| v != "0");
    let village_name = next()?.unwrap_or_default().to_string();
    Ok(Person {
        base,
        name,
        id_number,
        relation: Relation::from_code(&relation).ok_or_else(|| corrupt("relation", &relation))?,
        birth: parse_date(&birth).ok_or_else(|| corrupt("birth_date", &birth))?,
        dibao_flag: dibao,
        tekun_flag: tekun,
        pension_insured: pension,
        disability: match disability {
            Some(d) => Some(
                DisabilityGrade::from_code(&d).ok_or_else(|| corrupt("disability_grade", &d))?,
            ),
            None => None,
        },
        household_id: household_id
            .parse()
            .map_err(|_| corrupt("household_id", &household_id))?,
        household_no,
        village_code: DivisionCode::parse(&village_code)
            .map_err(|_| corrupt("village_code", &village_code))?,
        village_name,
        household_kind: HouseholdKind::from_code(&kind).ok_or_else(|| corrupt("kind", &kind))?,
        category: match category {
            Some(c) => Some(
                MonitoringCategory::from_code(&c)
                    .ok_or_else(|| corrupt("monitoring_category", &c))?,
            ),
            None => None,
        },
        risk_eliminated: eliminated,
    })
}

fn person_from_row(row: &AnyRow) -> Result<Person> {
    let birth: String = row.try_get("birth_date")?;
    Ok(Person {
        base: row.try_get("id_base")?,
        name: row.try_get("name")?,
        id_number: row.try_get("id_number")?,
        relation: req(row, "relation")?,
        birth: parse_date(&birth).ok_or_else(|| corrupt("birth_date", &birth))?,
        dibao_flag: flag(row, "dibao")?,
        tekun_flag: flag(row, "tekun")?,
        pension_insured: row
            .try_get::<Option<i64>, _>("pension_insured")?
            .map(|v| v != 0),
        disability: code(row, "disability_grade")?,
        household_id: row.try_get("household_id")?,
        household_no: row.try_get("household_no")?,
        village_code: village(row, "village_code")?,
        village_name: row.try_get("village_name")?,
        household_kind: req(row, "kind")?,
        category: code(row, "monitoring_category")?,
        risk_eliminated: row.try_get::<i64, _>("risk_eliminated")? != 0,
    })
}

/// Roll entries of some households in force during a year: who is covered by which kind.
#[derive(Debug, Default)]
struct Coverage {
    /// (ID base, kind) pairs.
    people: HashSet<(String, RollKind)>,
}

impl Coverage {
    async fn load(
        conn: &mut AnyConnection,
        backend: Backend,
        household_ids: &[i64],
        year: i32,
    ) -> Result<Coverage> {
        let (from, to) = year_bounds(year);
        let sql = format!(
            "SELECT kind, person_id_base, covered FROM assistance_rolls WHERE household_id IN ({{ids}}) \
             AND kind IN ('dibao', 'tekun', 'marginal') AND start_date <= '{to}' AND (end_date IS NULL OR end_date >= '{from}')"
        );
        let mut c = Coverage::default();
        for r in rows_for_households(conn, backend, &sql, household_ids).await? {
            let kind: RollKind = req(&r, "kind")?;
            if let Some(p) = r.try_get::<Option<String>, _>("person_id_base")? {
                c.people.insert((p, kind));
            }
            for b in covered_from(&r)? {
                c.people.insert((b, kind));
            }
        }
        Ok(c)
    }

    fn covers(&self, base: &str, kind: RollKind) -> bool {
        self.people.contains(&(base.to_string(), kind))
    }
}

// --- care rosters ---

const CARE_SELECT: &str = "SELECT c.id, c.version, c.person_id_base, c.care_group, c.status, c.reason, c.note, c.next_visit, c.updated_by, \
     c.updated_at, h.household_no, h.village_code, h.group_no, d.name AS village_name, m.name, m.sex, m.birth_date, m.relation, \
     (SELECT MAX(v.visit_date) FROM care_visits v WHERE v.roster_id = c.id) AS last_visit, \
     (SELECT COUNT(*) FROM care_visits v WHERE v.roster_id = c.id) AS visits \
     FROM care_roster c JOIN households h ON h.id = c.household_id JOIN divisions d ON d.code = h.village_code \
     LEFT JOIN members m ON m.id_base = c.person_id_base";

const CARE_FROM: &str = "FROM care_roster c JOIN households h ON h.id = c.household_id LEFT JOIN members m ON m.id_base = c.person_id_base";

fn care_from_row(row: &AnyRow) -> Result<CareRow> {
    Ok(CareRow {
        id: row.try_get("id")?,
        version: row.try_get("version")?,
        household_no: row.try_get("household_no")?,
        village_code: village(row, "village_code")?,
        village_name: row.try_get("village_name")?,
        group: group_no(row)?,
        person: RollPerson {
            id_number: row.try_get("person_id_base")?,
            name: row.try_get("name")?,
        },
        sex: code::<Sex>(row, "sex")?,
        birth_date: opt_date(row, "birth_date")?,
        relation: code::<Relation>(row, "relation")?,
        care_group: req(row, "care_group")?,
        status: req(row, "status")?,
        reason: row.try_get("reason")?,
        note: row.try_get("note")?,
        next_visit: opt_date(row, "next_visit")?,
        last_visit: opt_date(row, "last_visit")?,
        visits: row.try_get("visits")?,
        updated_by: row.try_get("updated_by")?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn push_care_filter(q: &mut Query, scope: &DivisionCode, f: &CareFilter) {
    push_scope(q, "h.village_code", scope);
    if let Some(g) = f.group {
        let p = q.arg(Arg::Text(g.code().to_string()));
        q.sql.push_str(&format!(" AND c.care_group = {p}"));
    }
    if let Some(s) = f.status {
        let p = q.arg(Arg::Text(s.code().to_string()));
        q.sql.push_str(&format!(" AND c.status = {p}"));
    }
    if let Some(d) = f.visit_overdue_on {
        let p = q.arg(Arg::Text(date_text(d)));
        q.sql.push_str(&format!(
            " AND c.status <> 'rejected' AND c.next_visit < {p}"
        ));
    }
    if let Some(t) = f.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let prefix = q.arg(Arg::Text(format!("{}%", like_escape(t))));
        let inner = q.arg(Arg::Text(format!("%{}%", like_escape(t))));
        q.sql.push_str(&format!(
            " AND (h.household_no LIKE {prefix} ESCAPE '\\' OR m.name LIKE {inner} ESCAPE '\\')"
        ));
    }
}

async fn care_in_scope(conn: &mut AnyConnection, actor: &Actor, id: i64) -> Result<CareRow> {
    let (lo, hi) = scope_range(&actor.scope);
    let row = sqlx::query(&format!(
        "{CARE_SELECT} WHERE c.id = $1 AND h.village_code >= $2 AND h.village_code < $3"
    ))
    .bind(id)
    .bind(lo)
    .bind(hi)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::NotFound)?;
    care_from_row(&row)
}

fn care_view(status: RosterStatus, reason: &str, note: &str) -> Map<String, Value> {
    let mut v = Map::new();
    v.insert("roster_status".into(), json!(status.label()));
    v.insert("care_reason".into(), text_value(reason));
    v.insert("care_note".into(), text_value(note));
    v
}

/// A member as the care rules need them, owned (the rules borrow from it).
#[derive(Debug, Clone)]
struct CarePerson {
    household_id: i64,
    household_no: String,
    base: String,
    name: String,
    relation: Relation,
    sex: Sex,
    birth: Date,
    work_months: Option<u8>,
    labour: Option<Labour>,
    health: Option<Health>,
    disability: Option<DisabilityGrade>,
}

impl CarePerson {
    fn member(&self) -> CareMember<'_> {
        CareMember {
            id_base: &self.base,
            relation: self.relation,
            sex: self.sex,
            birth: self.birth,
            work_months: self.work_months,
            labour: self.labour,
            health: self.health,
            disability: self.disability,
        }
    }
}

/// A stored roster entry as the refresh compares it.
#[derive(Debug, Clone)]
struct StoredCare {
    id: i64,
    household_id: i64,
    base: String,
    group: CareGroup,
    status: RosterStatus,
    reason: String,
    visits: i64,
}

fn stored_care_from_row(r: &AnyRow) -> Result<StoredCare> {
    Ok(StoredCare {
        id: r.try_get("id")?,
        household_id: r.try_get("household_id")?,
        base: r.try_get("person_id_base")?,
        group: req(r, "care_group")?,
        status: req(r, "status")?,
        reason: r.try_get("reason")?,
        visits: r.try_get("visits")?,
    })
}

/// One care-roster audit row of a refresh.
struct CareAudit {
    action: &'static str,
    key: String,
    household_no: String,
    before: Option<Value>,
    after: Option<Value>,
}

/// Audit rows written together (a refresh can touch thousands of entries).
async fn audit_many(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    actor: &Actor,
    rows: Vec<CareAudit>,
) -> Result<()> {
    const WIDTH: usize = 9;
    let now = now_text();
    for chunk in rows.chunks(backend.max_params() / WIDTH) {
        let mut q = Query::new(
            backend,
            "INSERT INTO audit_log (at, actor, actor_id, action, entity, entity_key, household_no, before_json, after_json) VALUES ",
        );
        for a in chunk {
            q.push_row([
                Arg::Text(now.clone()),
                Arg::Text(actor.username.clone()),
                Arg::OptInt(actor.user_id),
                Arg::Text(a.action.to_string()),
                Arg::Text("care_roster".into()),
                Arg::Text(a.key.clone()),
                Arg::Text(a.household_no.clone()),
                Arg::OptText(a.before.as_ref().map(Value::to_string)),
                Arg::OptText(a.after.as_ref().map(Value::to_string)),
            ]);
        }
        q.build().execute(&mut **tx).await?;
    }
    Ok(())
}

// --- the low-income population ---

/// ` AND <the household is of type t>` for `households h` on `today`. The list's type filter, its
/// "any type" condition and the counts all use this one predicate, so the numbers agree.
fn bucket_sql(q: &mut Query, t: LowIncomeType, today: Date) -> String {
    let roll = |kind: &str| {
        format!(
            "EXISTS (SELECT 1 FROM assistance_rolls r WHERE r.household_id = h.id AND r.kind = '{kind}' AND r.status = 'active')"
        )
    };
    // 低保 and 特困 as the medical classes and the premium list count them: a member flag of the
    // roster (是否享受低保/特困) or an active entry.
    let flag = |column: &str| {
        format!("EXISTS (SELECT 1 FROM members m WHERE m.household_id = h.id AND m.{column} = 1)")
    };
    match t {
        LowIncomeType::Dibao => format!("({} OR {})", roll("dibao"), flag("dibao")),
        LowIncomeType::Tekun => format!("({} OR {})", roll("tekun"), flag("tekun")),
        LowIncomeType::Marginal => roll("marginal"),
        LowIncomeType::Monitored => "(h.kind = 'monitored' AND h.risk_eliminated = 0)".into(),
        LowIncomeType::SuddenHardship => "(h.kind = 'monitored' AND h.risk_eliminated = 0 AND h.monitoring_category = 'sudden_hardship')".into(),
        LowIncomeType::Temporary => {
            let from = q.arg(Arg::Text(date_text(year_before(today))));
            let to = q.arg(Arg::Text(date_text(today)));
            format!(
                "EXISTS (SELECT 1 FROM assistance_rolls r WHERE r.household_id = h.id AND r.kind = 'temporary' AND r.status = 'active' \
                 AND r.start_date > {from} AND r.start_date <= {to})"
            )
        }
    }
}

/// Appends the WHERE clause of the low-income list (the query selects `FROM households h`).
fn push_low_income_filter(q: &mut Query, scope: &DivisionCode, f: &LowIncomeFilter, today: Date) {
    push_scope(q, "h.village_code", scope);
    match f.kind {
        Some(t) => {
            let cond = bucket_sql(q, t, today);
            q.sql.push_str(&format!(" AND {cond}"));
        }
        None => {
            let any: Vec<String> = LowIncomeType::ALL
                .iter()
                .map(|t| bucket_sql(q, *t, today))
                .collect();
            q.sql.push_str(&format!(" AND ({})", any.join(" OR ")));
        }
    }
    push_text(q, f.text.as_deref());
}

impl SqlStore {
    // --- roll entries ---

    pub(crate) async fn roll_create_impl(
        &self,
        actor: &Actor,
        household_no: &str,
        entry: &NewRollEntry,
    ) -> Result<i64> {
        let mut tx = self.begin_write().await?;
        let (household_id, village_code) = household_in_scope(&mut tx, actor, household_no).await?;
        let village_code = DivisionCode::parse(&village_code)
            .map_err(|_| corrupt("village_code", &village_code))?;
        let members: Vec<(String, String)> = sqlx::query(
            "SELECT id_base, name FROM members WHERE household_id = $1 ORDER BY position",
        )
        .bind(household_id)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("id_base")?, r.try_get("name")?)))
        .collect::<Result<_>>()?;
        let policy = policy_table(&mut tx).await?;
        let e = prepare(entry, &members, &policy, &village_code)?;
        let names: HashMap<String, String> = members.into_iter().collect();
        let id = insert_entry(
            &mut tx,
            actor,
            household_id,
            household_no,
            &e,
            RollSource::Manual,
            None,
            &names,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub(crate) async fn roll_list_impl(
        &self,
        actor: &Actor,
        filter: &RollFilter,
        page: PageRequest,
    ) -> Result<Page<RollRow>> {
        let Some(scope) = narrow(&actor.scope, filter.village.as_ref()) else {
            return Ok(empty_page(page));
        };
        let mut count = Query::new(
            self.backend,
            "SELECT COUNT(*) FROM assistance_rolls r JOIN households h ON h.id = r.household_id",
        );
        push_roll_filter(&mut count, scope, filter);
        let total: i64 = count.build().fetch_one(&self.pool).await?.try_get(0)?;
        let mut q = Query::new(self.backend, &format!("SELECT {ROLL_COLUMNS} {ROLL_FROM}"));
        push_roll_filter(&mut q, scope, filter);
        q.sql.push_str(roll_order(filter));
        push_limit(&mut q, page);
        let mut conn = self.pool.acquire().await?;
        let rows = q.build().fetch_all(&mut *conn).await?;
        let items = rolls_from_rows(&mut conn, self.backend, &rows).await?;
        let (page_no, per_page) = page_bounds(page);
        Ok(Page {
            items,
            total: count_u64(total),
            page: page_no,
            per_page,
        })
    }

    pub(crate) async fn roll_export_impl(
        &self,
        actor: &Actor,
        filter: &RollFilter,
    ) -> Result<Vec<RollRow>> {
        let Some(scope) = narrow(&actor.scope, filter.village.as_ref()) else {
            return Ok(Vec::new());
        };
        let mut q = Query::new(self.backend, &format!("SELECT {ROLL_COLUMNS} {ROLL_FROM}"));
        push_roll_filter(&mut q, scope, filter);
        q.sql.push_str(roll_order(filter));
        let mut conn = self.pool.acquire().await?;
        let rows = q.build().fetch_all(&mut *conn).await?;
        rolls_from_rows(&mut conn, self.backend, &rows).await
    }

    pub(crate) async fn roll_get_impl(&self, actor: &Actor, id: i64) -> Result<RollDetail> {
        let mut conn = self.pool.acquire().await?;
        let row = roll_in_scope(&mut conn, actor, id).await?;
        let entry = rolls_from_rows(&mut conn, self.backend, &[row])
            .await?
            .pop()
            .ok_or(StoreError::NotFound)?;
        let reviews = sqlx::query(
            "SELECT review_date, outcome, old_amount, new_amount, next_review, note, reviewer, created_at FROM roll_reviews \
             WHERE roll_id = $1 ORDER BY review_date, id",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| {
            Ok(RollReview {
                date: req_date(r, "review_date")?,
                outcome: req(r, "outcome")?,
                old_amount: opt_yuan(r, "old_amount")?,
                new_amount: opt_yuan(r, "new_amount")?,
                next_review: opt_date(r, "next_review")?,
                note: r.try_get("note")?,
                reviewer: r.try_get("reviewer")?,
                at: r.try_get("created_at")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        Ok(RollDetail { entry, reviews })
    }

    pub(crate) async fn roll_end_impl(
        &self,
        actor: &Actor,
        id: i64,
        expected_version: i64,
        end: Date,
        reason: &str,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let row = roll_in_scope(&mut tx, actor, id).await?;
        if row.try_get::<i64, _>("version")? != expected_version {
            return Err(conflict());
        }
        let household_no: String = row.try_get("household_no")?;
        let current = entry_from_row(&row)?;
        if current.status == RollStatus::Ended {
            return Err(StoreError::Invalid("该救助已终止".into()));
        }
        if current.kind == RollKind::Temporary {
            return Err(StoreError::Invalid(
                "临时救助为一次性救助，没有终止日期".into(),
            ));
        }
        let mut errors = Vec::new();
        if end < current.start {
            errors.push(format!(
                "终止日期 {} 不能早于开始日期 {}",
                date_text(end),
                date_text(current.start)
            ));
        }
        if reason.trim().is_empty() {
            errors.push("请填写终止原因".to_string());
        }
        if !errors.is_empty() {
            return Err(refusal(errors));
        }
        let mut ended = current.clone();
        ended.status = RollStatus::Ended;
        ended.end = Some(end);
        ended.end_reason = Some(reason.trim().to_string());
        ended.next_review = None;
        update_entry(&mut tx, actor, id, expected_version, &ended).await?;
        let none = HashMap::new();
        if let Some((before, after)) = diff(&current.view(&none), &ended.view(&none)) {
            audit_insert(
                &mut tx,
                actor,
                "end",
                "roll",
                &id.to_string(),
                Some(&household_no),
                Some(before),
                Some(after),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn roll_review_impl(
        &self,
        actor: &Actor,
        id: i64,
        expected_version: i64,
        review: &NewReview,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let row = roll_in_scope(&mut tx, actor, id).await?;
        if row.try_get::<i64, _>("version")? != expected_version {
            return Err(conflict());
        }
        let household_no: String = row.try_get("household_no")?;
        let village_code = village(&row, "village_code")?;
        let current = entry_from_row(&row)?;
        if current.status == RollStatus::Ended {
            return Err(StoreError::Invalid("该救助已终止，无需核查".into()));
        }
        if current.kind == RollKind::Temporary {
            return Err(StoreError::Invalid(
                "临时救助为一次性救助，无需定期核查".into(),
            ));
        }
        let mut errors = Vec::new();
        if review.date > review.today {
            errors.push(format!(
                "核查日期 {} 不能晚于今天 {}",
                date_text(review.date),
                date_text(review.today)
            ));
        }
        if review.date < current.start {
            errors.push(format!(
                "核查日期 {} 不能早于开始日期 {}",
                date_text(review.date),
                date_text(current.start)
            ));
        }
        let policy = policy_table(&mut tx).await?;
        let mut next = current.clone();
        let interval = review_interval(&policy, &village_code, review.date.year(), current.kind);
        next.next_review = interval.map(|months| next_review(review.date, months));
        match review.outcome {
            ReviewOutcome::Continue => {}
            ReviewOutcome::Adjust => match (current.kind, review.new_amount) {
                (RollKind::Marginal, _) => {
                    errors.push("低保边缘家庭没有救助金额，无需调整".to_string());
                }
                (_, None) => errors.push("调整金额须填写新的月救助金".to_string()),
                (_, Some(amount)) => {
                    next.monthly_amount = Some(amount);
                    let standards = Standards::resolve(&policy, &village_code, review.date.year());
                    if let Err(fields) = check_draft(&next.draft(), &standards, review.today) {
                        errors.extend(fields.into_iter().map(|(_, m)| m));
                    }
                }
            },
            ReviewOutcome::End => {
                if review.note.trim().is_empty() {
                    errors.push("终止救助须填写核查说明（终止原因）".to_string());
                }
                next.status = RollStatus::Ended;
                next.end = Some(review.date);
                next.end_reason = Some(review.note.trim().to_string());
                next.next_review = None;
            }
        }
        if !errors.is_empty() {
            return Err(refusal(errors));
        }
        update_entry(&mut tx, actor, id, expected_version, &next).await?;
        let adjusted = review.outcome == ReviewOutcome::Adjust;
        sqlx::query(
            "INSERT INTO roll_reviews (roll_id, review_date, outcome, old_amount, new_amount, next_review, note, reviewer, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(id)
        .bind(date_text(review.date))
        .bind(review.outcome.code())
        .bind(current.monthly_amount.filter(|_| adjusted).map(Yuan::fen))
        .bind(next.monthly_amount.filter(|_| adjusted).map(Yuan::fen))
        .bind(next.next_review.map(date_text))
        .bind(review.note.trim().to_string())
        .bind(actor.username.clone())
        .bind(now_text())
        .execute(&mut *tx)
        .await?;
        let none = HashMap::new();
        let before = current.view(&none);
        let mut after = next.view(&none);
        after.insert("review_date".into(), json!(date_text(review.date)));
        after.insert("review_outcome".into(), json!(review.outcome.label()));
        after.insert("review_note".into(), text_value(review.note.trim()));
        if let Some((before, after)) = diff(&before, &after) {
            audit_insert(
                &mut tx,
                actor,
                "review",
                "roll",
                &id.to_string(),
                Some(&household_no),
                Some(before),
                Some(after),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn rolls_for_household_impl(
        &self,
        actor: &Actor,
        household_no: &str,
    ) -> Result<Vec<RollRow>> {
        let mut conn = self.pool.acquire().await?;
        let (household_id, _) = household_in_scope(&mut conn, actor, household_no).await?;
        let rows = sqlx::query(&format!(
            "SELECT {ROLL_COLUMNS} {ROLL_FROM} WHERE r.household_id = $1 \
             ORDER BY CASE WHEN r.status = 'active' THEN 0 ELSE 1 END, r.start_date DESC, r.id DESC"
        ))
        .bind(household_id)
        .fetch_all(&mut *conn)
        .await?;
        rolls_from_rows(&mut conn, self.backend, &rows).await
    }

    pub(crate) async fn roll_import_civil_impl(
        &self,
        actor: &Actor,
        upload_id: i64,
    ) -> Result<CivilImportSummary> {
        let mut tx = self.begin_write().await?;
        let upload = sqlx::query("SELECT kind, scope_code FROM feed_uploads WHERE id = $1")
            .bind(upload_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let upload_scope = village(&upload, "scope_code")?;
        // The uploads an actor may use: made inside the scope or above it (as the upload list).
        if !actor.scope.contains(&upload_scope) && !upload_scope.contains(&actor.scope) {
            return Err(StoreError::NotFound);
        }
        let kind: String = upload.try_get("kind")?;
        if kind != zhenxing_domain::feed::FeedKind::Civil.code() {
            return Err(StoreError::Invalid(format!(
                "第 {upload_id} 号上传不是社会救助（民政）数据，不能导入救助名册"
            )));
        }
        let records = sqlx::query(
            "SELECT r.row_no, r.record_date, r.person_key, r.subject, r.code1, r.amount1, r.household_id, h.village_code \
             FROM feed_records r LEFT JOIN households h ON h.id = r.household_id WHERE r.upload_id = $1 AND r.kind = 'civil' ORDER BY r.row_no",
        )
        .bind(upload_id)
        .fetch_all(&mut *tx)
        .await?;
        let bases: Vec<String> = records
            .iter()
            .map(|r| r.try_get::<Option<i64>, _>("person_key"))
            .collect::<std::result::Result<Vec<_>, _>>()?
            .into_iter()
            .flatten()
            .filter_map(|k| u64::try_from(k).ok())
            .map(id_text)
            .collect();
        let mut residents: HashMap<String, Resident> = HashMap::new();
        let mut unique = bases.clone();
        unique.sort_unstable();
        unique.dedup();
        for chunk in unique.chunks(ID_CHUNK) {
            let sql = format!(
                "SELECT m.id_base, m.name, m.household_id, h.household_no, h.village_code FROM members m JOIN households h ON h.id = m.household_id \
                 WHERE m.id_base IN ({})",
                self.backend.placeholders(chunk.len())
            );
            let mut q = sqlx::query(&sql);
            for b in chunk {
                q = q.bind(b.clone());
            }
            for r in q.fetch_all(&mut *tx).await? {
                residents.insert(
                    r.try_get("id_base")?,
                    Resident {
                        name: r.try_get("name")?,
                        household_id: r.try_get("household_id")?,
                        household_no: r.try_get("household_no")?,
                        village: village(&r, "village_code")?,
                    },
                );
            }
        }

        let mut summary = CivilImportSummary::default();
        let mut temporary: Vec<CivilRecord> = Vec::new();
        let mut dibao: BTreeMap<i64, Vec<CivilRecord>> = BTreeMap::new();
        let mut tekun: BTreeMap<String, Vec<CivilRecord>> = BTreeMap::new();
        for r in &records {
            let row = usize::try_from(r.try_get::<i64, _>("row_no")?).unwrap_or(0);
            let key: Option<i64> = r.try_get("person_key")?;
            let Some(base) = key.and_then(|k| u64::try_from(k).ok()).map(id_text) else {
                let subject: Option<String> = r.try_get("subject")?;
                summary.refused.push(CivilRefusal {
                    rows: vec![row],
                    subject: mask_id(subject.as_deref().unwrap_or("")),
                    reason: "证件号码不是有效的居民身份证号码，无法匹配".into(),
                });
                continue;
            };
            let Some(resident) = residents.get(&base) else {
                // Records of another division's households are that division's business.
                let record_village: Option<String> = r.try_get("village_code")?;
                let elsewhere = record_village
                    .and_then(|v| DivisionCode::parse(&v).ok())
                    .is_some_and(|v| !actor.scope.contains(&v));
                if !elsewhere {
                    summary.refused.push(CivilRefusal {
                        rows: vec![row],
                        subject: mask_id(&base),
                        reason: "未在花名册中找到此人".into(),
                    });
                }
                continue;
            };
            if !actor.scope.contains(&resident.village) {
                continue;
            }
            let program: AssistanceProgram = req(r, "code1")?;
            let record = CivilRecord {
                row,
                date: req_date(r, "record_date")?,
                person: base,
                amount: Yuan::from_fen(r.try_get::<Option<i64>, _>("amount1")?.unwrap_or(0)),
            };
            match program {
                AssistanceProgram::Temporary => temporary.push(record),
                AssistanceProgram::Dibao => {
                    dibao.entry(resident.household_id).or_default().push(record)
                }
                AssistanceProgram::Tekun => {
                    tekun.entry(record.person.clone()).or_default().push(record)
                }
            }
        }

        let policy = policy_table(&mut tx).await?;
        let names: HashMap<String, String> = residents
            .iter()
            .map(|(b, r)| (b.clone(), r.name.clone()))
            .collect();
        let reason = format!("民政数据导入（第 {upload_id} 号上传）");
        let blank = |kind: RollKind, start: Date| Entry {
            kind,
            person: None,
            covered: Vec::new(),
            monthly_amount: None,
            care_level: None,
            support_mode: None,
            amount: None,
            event: None,
            reason: reason.clone(),
            start,
            end: None,
            end_reason: None,
            status: RollStatus::Active,
            next_review: None,
        };
        // (entry, household, rows, subject) in file order of their first row.
        let mut candidates: Vec<(Entry, &Resident, Vec<usize>, String)> = Vec::new();
        for group in dibao.values() {
            let latest = latest_per_person(group);
            let Some(resident) = latest.first().and_then(|r| residents.get(&r.person)) else {
                continue;
            };
            let mut e = blank(
                RollKind::Dibao,
                group.iter().map(|r| r.date).min().unwrap_or(Date::MIN),
            );
            e.covered = latest.iter().map(|r| r.person.clone()).collect();
            e.monthly_amount = Some(latest.iter().fold(Yuan::ZERO, |s, r| s + r.amount));
            candidates.push((e, resident, rows_of(group), resident.household_no.clone()));
        }
        for (base, group) in &tekun {
            let (Some(resident), Some(latest)) =
                (residents.get(base), latest_per_person(group).pop())
            else {
                continue;
            };
            let mut e = blank(
                RollKind::Tekun,
                group.iter().map(|r| r.date).min().unwrap_or(Date::MIN),
            );
            e.person = Some(base.clone());
            e.monthly_amount = Some(latest.amount);
            e.care_level = Some(CareLevel::SelfCare);
            e.support_mode = Some(SupportMode::Dispersed);
            candidates.push((e, resident, rows_of(group), mask_id(base)));
        }
        for r in &temporary {
            let Some(resident) = residents.get(&r.person) else {
                continue;
            };
            let mut e = blank(RollKind::Temporary, r.date);
            e.person = Some(r.person.clone());
            e.amount = Some(r.amount);
            e.event = Some("民政数据导入".into());
            e.reason = format!("民政数据导入（第 {upload_id} 号上传第 {} 行）", r.row);
            candidates.push((e, resident, vec![r.row], mask_id(&r.person)));
        }
        candidates.sort_by_key(|(_, _, rows, _)| rows.first().copied().unwrap_or(0));

        let mut temporary_seen: HashSet<(String, Date, Option<Yuan>)> = HashSet::new();
        for (mut e, resident, rows, subject) in candidates {
            let on_roll = match e.kind {
                RollKind::Temporary => {
                    let key = (e.person.clone().unwrap_or_default(), e.start, e.amount);
                    let stored: i64 = sqlx::query_scalar(
                        "SELECT COUNT(*) FROM assistance_rolls WHERE kind = 'temporary' AND person_id_base = $1 AND start_date = $2 AND amount = $3",
                    )
                    .bind(key.0.clone())
                    .bind(date_text(e.start))
                    .bind(e.amount.map(Yuan::fen))
                    .fetch_one(&mut *tx)
                    .await?;
                    stored > 0 || !temporary_seen.insert(key)
                }
                _ => active_conflict(&mut tx, resident.household_id, &e)
                    .await?
                    .is_some(),
            };
            if on_roll {
                summary.already += 1;
                continue;
            }
            // The department's dates are taken as they are: "not in the future" is the form's
            // check, so the draft is checked as of its own start.
            if let Err(messages) = check_entry(&e, &policy, &resident.village, e.start) {
                summary.refused.push(CivilRefusal {
                    rows,
                    subject,
                    reason: messages.join("；"),
                });
                continue;
            }
            e.settle(&policy, &resident.village, e.start);
            insert_entry(
                &mut tx,
                actor,
                resident.household_id,
                &resident.household_no,
                &e,
                RollSource::Import,
                Some(upload_id),
                &names,
            )
            .await?;
            match e.kind {
                RollKind::Dibao => summary.created_dibao += 1,
                RollKind::Tekun => summary.created_tekun += 1,
                RollKind::Temporary | RollKind::Marginal => summary.created_temporary += 1,
            }
        }
        summary.refused.sort_by_key(|r| r.rows.first().copied());
        tx.commit().await?;
        Ok(summary)
    }

    // --- people: medical years and premium candidates ---

    /// Members in `scope` with these ID bases, with their households' facts.
    async fn people_by_base(
        &self,
        conn: &mut AnyConnection,
        scope: &DivisionCode,
        bases: &[String],
    ) -> Result<Vec<Person>> {
        let mut out = Vec::with_capacity(bases.len());
        if bases.is_empty() {
            return Ok(out);
        }
        // One aggregate text: a row of 16 columns through sqlx's `Any` costs ~25 µs (0.9 s for a
        // township's 35,000 patients).
        let mut q = Query::new(self.backend, &people_text_select());
        push_scope(&mut q, "h.village_code", scope);
        let list = q.arg(Arg::Text(
            serde_json::to_string(bases).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        ));
        let sub = self.backend.json_texts(&list);
        q.sql.push_str(&format!(" AND m.id_base IN ({sub})"));
        let text: Option<String> = q.build().fetch_one(&mut *conn).await?.try_get(0)?;
        let mut c = crate::screening::Scan {
            s: text.as_deref().unwrap_or(""),
        };
        while !c.s.is_empty() {
            out.push(person_from_text(&mut c)?);
        }
        Ok(out)
    }

    pub(crate) async fn medical_years_impl(
        &self,
        actor: &Actor,
        year: i32,
        filter: &MedicalFilter,
    ) -> Result<Vec<MedicalPersonRow>> {
        let Some(scope) = narrow(&actor.scope, filter.village.as_ref()) else {
            return Ok(Vec::new());
        };
        let (from, to) = year_bounds(year);
        let mut conn = self.pool.acquire().await?;
        // Per person: key, settlements, Σ amount1…6, as one text (a row through sqlx's `Any`
        // costs more than summing).
        let sum = |n: u8| format!("CAST(SUM(COALESCE(r.amount{n}, 0)) AS TEXT)");
        let mut q = Query::new(
            self.backend,
            &format!(
                "SELECT string_agg(x.t, ';') FROM (SELECT CAST(r.person_key AS TEXT) || ',' || CAST(COUNT(*) AS TEXT) || ',' || {} || ',' || {} \
                 || ',' || {} || ',' || {} || ',' || {} || ',' || {} AS t FROM feed_records r JOIN households h ON h.id = r.household_id",
                sum(1),
                sum(2),
                sum(3),
                sum(4),
                sum(5),
                sum(6)
            ),
        );
        push_scope(&mut q, "h.village_code", scope);
        let p_from = q.arg(Arg::Text(from));
        let p_to = q.arg(Arg::Text(to));
        q.sql.push_str(&format!(
            " AND r.kind = 'medical' AND r.person_key IS NOT NULL AND r.record_date >= {p_from} AND r.record_date <= {p_to} GROUP BY r.person_key) AS x"
        ));
        let text: Option<String> = q.build().fetch_one(&mut *conn).await?.try_get(0)?;
        let mut sums: HashMap<String, MedicalYear> = HashMap::new();
        for row in text
            .as_deref()
            .unwrap_or("")
            .split(';')
            .filter(|r| !r.is_empty())
        {
            let mut f = row
                .split(',')
                .map(|v| v.parse::<i64>().map_err(|_| corrupt("medical sum", v)));
            let mut next = || f.next().unwrap_or_else(|| Err(corrupt("medical sum", row)));
            let Ok(key) = u64::try_from(next()?) else {
                continue;
            };
            let records = u32::try_from(next()?).unwrap_or(u32::MAX);
            let mut fen = || -> Result<Yuan> { Ok(Yuan::from_fen(next()?)) };
            sums.insert(
                id_text(key),
                MedicalYear {
                    records,
                    total: fen()?,
                    basic: fen()?,
                    critical: fen()?,
                    assistance: fen()?,
                    out_of_pocket: fen()?,
                    eligible: fen()?,
                },
            );
        }
        let bases: Vec<String> = sums.keys().cloned().collect();
        let people = self.people_by_base(&mut conn, scope, &bases).await?;

        let mut household_ids: Vec<i64> = people.iter().map(|p| p.household_id).collect();
        household_ids.sort_unstable();
        household_ids.dedup();
        let coverage = Coverage::load(&mut conn, self.backend, &household_ids, year).await?;
        let mut relations: HashMap<i64, Vec<(Relation, Date)>> = HashMap::new();
        for r in rows_for_households(
            &mut conn,
            self.backend,
            "SELECT household_id, relation, birth_date FROM members WHERE household_id IN ({ids}) ORDER BY household_id, position",
            &household_ids,
        )
        .await?
        {
            relations
                .entry(r.try_get("household_id")?)
                .or_default()
                .push((req(&r, "relation")?, req_date(&r, "birth_date")?));
        }
        let mut incomes: HashMap<i64, Yuan> = HashMap::new();
        for r in rows_for_households(
            &mut conn,
            self.backend,
            &format!(
                "SELECT household_id, wage_income + business_income + property_income + transfer_income - business_expense AS net \
                 FROM incomes WHERE year = {} AND household_id IN ({{ids}})",
                year - 1
            ),
            &household_ids,
        )
        .await?
        {
            incomes.insert(
                r.try_get("household_id")?,
                Yuan::from_fen(r.try_get::<i64, _>("net")?),
            );
        }
        let policy = policy_table(&mut conn).await?;
        let jan1 = Date::from_calendar_date(year, time::Month::January, 1).unwrap_or(Date::MIN);

        let mut out = Vec::with_capacity(people.len());
        for p in people {
            let Some(medical) = sums.get(&p.base).copied() else {
                continue;
            };
            let household = relations
                .get(&p.household_id)
                .map_or(&[][..], Vec::as_slice);
            let monitored = p.monitored();
            let mut row = MedicalPersonRow {
                household_no: p.household_no.clone(),
                village_code: p.village_code.clone(),
                village_name: p.village_name.clone(),
                name: p.name.clone(),
                id_number: p.id_number.clone(),
                relation: p.relation,
                birth_date: p.birth,
                medical,
                tekun: p.tekun_flag || coverage.covers(&p.base, RollKind::Tekun),
                orphan: is_orphan(p.relation, p.birth, household, jan1),
                dibao: p.dibao_flag || coverage.covers(&p.base, RollKind::Dibao),
                returned_to_poverty: monitored
                    && matches!(
                        p.category,
                        Some(
                            MonitoringCategory::UnstableExited | MonitoringCategory::SuddenHardship
                        )
                    ),
                marginal: coverage.covers(&p.base, RollKind::Marginal),
                monitored,
                household_net_income_last_year: incomes.get(&p.household_id).copied(),
                class: None,
            };
            let share = policy.value(PolicyKey::SeriousIllnessIncomeShare, &p.village_code, year);
            row.class = assistance_class(&row.status(), share);
            let above_ratio = filter
                .min_ratio
                .is_some_and(|min| medical.in_scope_ratio().is_some_and(|r| r >= min));
            let above_amount = filter
                .min_out_of_pocket
                .is_some_and(|min| medical.out_of_pocket >= min);
            let unfiltered = filter.min_ratio.is_none() && filter.min_out_of_pocket.is_none();
            if unfiltered || above_ratio || above_amount {
                out.push(row);
            }
        }
        out.sort_by(|a, b| {
            (&a.village_code, &a.household_no, &a.id_number).cmp(&(
                &b.village_code,
                &b.household_no,
                &b.id_number,
            ))
        });
        Ok(out)
    }

    pub(crate) async fn premium_candidates_impl(
        &self,
        actor: &Actor,
        year: i32,
    ) -> Result<Vec<PremiumCandidate>> {
        let (from, to) = year_bounds(year);
        // One year beyond the 16–59 range on each side: the domain decides the boundaries.
        let born_from = format!("{:04}-01-01", year - 60);
        let born_to = format!("{:04}-12-31", year - 15);
        let mut conn = self.pool.acquire().await?;
        let mut q = Query::new(self.backend, PERSON_SELECT);
        push_scope(&mut q, "h.village_code", &actor.scope);
        let p_born_from = q.arg(Arg::Text(born_from));
        let p_born_to = q.arg(Arg::Text(born_to));
        let p_to = q.arg(Arg::Text(to));
        let p_from = q.arg(Arg::Text(from));
        q.sql.push_str(&format!(
            " AND m.birth_date >= {p_born_from} AND m.birth_date <= {p_born_to} AND (m.dibao = 1 OR m.tekun = 1 OR m.disability_grade IS NOT NULL \
             OR (h.kind = 'monitored' AND h.risk_eliminated = 0) OR EXISTS (SELECT 1 FROM assistance_rolls r WHERE r.household_id = h.id \
             AND r.kind IN ('dibao', 'tekun') AND r.start_date <= {p_to} AND (r.end_date IS NULL OR r.end_date >= {p_from}))) \
             ORDER BY h.village_code, h.household_no, m.position"
        ));
        let people = q
            .build()
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(person_from_row)
            .collect::<Result<Vec<_>>>()?;
        let mut household_ids: Vec<i64> = people.iter().map(|p| p.household_id).collect();
        household_ids.dedup();
        let coverage = Coverage::load(&mut conn, self.backend, &household_ids, year).await?;
        let policy = policy_table(&mut conn).await?;
        let mut out = Vec::new();
        for p in people {
            let tekun = p.tekun_flag || coverage.covers(&p.base, RollKind::Tekun);
            let dibao = p.dibao_flag || coverage.covers(&p.base, RollKind::Dibao);
            let monitored = p.monitored();
            let group = premium_group(
                p.birth,
                year,
                p.pension_insured,
                tekun,
                dibao,
                monitored,
                p.disability,
            );
            if !(tekun || dibao || monitored || p.disability.is_some()) {
                continue;
            }
            let subsidy = group.map(|_| {
                premium_subsidy(
                    Yuan::from_fen(policy.value(
                        PolicyKey::PensionLowestTier,
                        &p.village_code,
                        year,
                    )),
                    policy.value(PolicyKey::PensionSubsidyShare, &p.village_code, year),
                )
            });
            out.push(PremiumCandidate {
                household_no: p.household_no,
                village_code: p.village_code,
                village_name: p.village_name,
                name: p.name,
                id_number: p.id_number,
                birth_date: p.birth,
                pension_insured: p.pension_insured,
                tekun,
                dibao,
                monitored,
                disability: p.disability,
                group,
                subsidy,
            });
        }
        Ok(out)
    }

    // --- care rosters ---

    pub(crate) async fn care_refresh_impl(
        &self,
        actor: &Actor,
        today: Date,
        params: &CareParams,
    ) -> Result<CareRefreshSummary> {
        let mut tx = self.begin_write().await?;
        let mut q = Query::new(
            self.backend,
            "SELECT m.household_id, h.household_no, m.id_base, m.name, m.relation, m.sex, m.birth_date, m.work_months, m.labour, m.health, \
             m.disability_grade FROM members m JOIN households h ON h.id = m.household_id",
        );
        push_scope(&mut q, "h.village_code", &actor.scope);
        q.sql.push_str(" ORDER BY m.household_id, m.position");
        let mut households: Vec<Vec<CarePerson>> = Vec::new();
        for r in q.build().fetch_all(&mut *tx).await? {
            let p = CarePerson {
                household_id: r.try_get("household_id")?,
                household_no: r.try_get("household_no")?,
                base: r.try_get("id_base")?,
                name: r.try_get("name")?,
                relation: req(&r, "relation")?,
                sex: req(&r, "sex")?,
                birth: req_date(&r, "birth_date")?,
                work_months: r
                    .try_get::<Option<i64>, _>("work_months")?
                    .and_then(|m| u8::try_from(m).ok()),
                labour: code(&r, "labour")?,
                health: code(&r, "health")?,
                disability: code(&r, "disability_grade")?,
            };
            match households.last_mut() {
                Some(h) if h[0].household_id == p.household_id => h.push(p),
                _ => households.push(vec![p]),
            }
        }
        // (person, group) → (member, reason)
        let mut derived: HashMap<(String, CareGroup), (&CarePerson, String)> = HashMap::new();
        let mut derived_order: Vec<(String, CareGroup)> = Vec::new();
        for members in &households {
            let view: Vec<CareMember<'_>> = members.iter().map(CarePerson::member).collect();
            for (i, group, reason) in derive_care(&view, params, today) {
                let Some(p) = members.get(i) else {
                    continue;
                };
                let key = (p.base.clone(), group);
                if derived.insert(key.clone(), (p, reason)).is_none() {
                    derived_order.push(key);
                }
            }
        }

        // Entries of households in scope, and entries of people now in scope (moved in).
        let visits = "(SELECT COUNT(*) FROM care_visits v WHERE v.roster_id = c.id) AS visits";
        let mut stored: BTreeMap<i64, StoredCare> = BTreeMap::new();
        let mut q = Query::new(
            self.backend,
            &format!(
                "SELECT c.id, c.household_id, c.person_id_base, c.care_group, c.status, c.reason, {visits} \
                 FROM care_roster c JOIN households h ON h.id = c.household_id"
            ),
        );
        push_scope(&mut q, "h.village_code", &actor.scope);
        for r in q.build().fetch_all(&mut *tx).await? {
            let s = stored_care_from_row(&r)?;
            stored.insert(s.id, s);
        }
        let mut q = Query::new(
            self.backend,
            &format!(
                "SELECT c.id, c.household_id, c.person_id_base, c.care_group, c.status, c.reason, {visits} \
                 FROM care_roster c JOIN members m ON m.id_base = c.person_id_base JOIN households h ON h.id = m.household_id"
            ),
        );
        push_scope(&mut q, "h.village_code", &actor.scope);
        for r in q.build().fetch_all(&mut *tx).await? {
            let s = stored_care_from_row(&r)?;
            stored.insert(s.id, s);
        }
        let by_key: HashMap<(String, CareGroup), &StoredCare> = stored
            .values()
            .map(|s| ((s.base.clone(), s.group), s))
            .collect();

        let mut summary = CareRefreshSummary {
            kept: stored
                .values()
                .filter(|s| s.status != RosterStatus::Derived)
                .count() as u64,
            ..Default::default()
        };
        let mut audits = Vec::new();
        let now = now_text();
        let key_text = |group: CareGroup, name: &str, base: &str| {
            format!("{} {name} {}", group.label(), mask_id(base))
        };
        // New pairs, written together.
        let mut inserts: Vec<&(String, CareGroup)> = Vec::new();
        for key in &derived_order {
            let (p, reason) = &derived[key];
            match by_key.get(key) {
                None => inserts.push(key),
                Some(s) if s.status != RosterStatus::Derived => {
                    if s.household_id != p.household_id {
                        sqlx::query("UPDATE care_roster SET household_id = $1 WHERE id = $2")
                            .bind(p.household_id)
                            .bind(s.id)
                            .execute(&mut *tx)
                            .await?;
                    }
                }
                Some(s) if s.reason == *reason && s.household_id == p.household_id => {
                    summary.unchanged += 1;
                }
                Some(s) => {
                    sqlx::query(
                        "UPDATE care_roster SET reason = $1, household_id = $2, version = version + 1, updated_by = $3, updated_at = $4 WHERE id = $5",
                    )
                    .bind(reason.clone())
                    .bind(p.household_id)
                    .bind(actor.username.clone())
                    .bind(now.clone())
                    .bind(s.id)
                    .execute(&mut *tx)
                    .await?;
                    summary.updated += 1;
                    let before = care_view(s.status, &s.reason, "");
                    let after = care_view(s.status, reason, "");
                    if let Some((b, a)) = diff(&before, &after) {
                        audits.push(CareAudit {
                            action: "care_refresh",
                            key: key_text(key.1, &p.name, &p.base),
                            household_no: p.household_no.clone(),
                            before: Some(b),
                            after: Some(a),
                        });
                    }
                }
            }
        }
        const WIDTH: usize = 11;
        for chunk in inserts.chunks(self.backend.max_params() / WIDTH) {
            let mut q = Query::new(
                self.backend,
                "INSERT INTO care_roster (household_id, person_id_base, care_group, status, reason, note, next_visit, version, created_at, \
                 updated_by, updated_at) VALUES ",
            );
            for key in chunk {
                let (p, reason) = &derived[*key];
                q.push_row([
                    Arg::Int(p.household_id),
                    Arg::Text(p.base.clone()),
                    Arg::Text(key.1.code().to_string()),
                    Arg::Text(RosterStatus::Derived.code().to_string()),
                    Arg::Text(reason.clone()),
                    Arg::Text(String::new()),
                    Arg::OptText(None),
                    Arg::Int(1),
                    Arg::Text(now.clone()),
                    Arg::Text(actor.username.clone()),
                    Arg::Text(now.clone()),
                ]);
                let mut after = care_view(RosterStatus::Derived, reason, "");
                after.insert("care_group".into(), json!(key.1.label()));
                after.insert(
                    "care_person".into(),
                    json!(format!("{} {}", p.name, mask_id(&p.base))),
                );
                audits.push(CareAudit {
                    action: "care_derive",
                    key: key_text(key.1, &p.name, &p.base),
                    household_no: p.household_no.clone(),
                    before: None,
                    after: Some(without_nulls(after)),
                });
            }
            q.build().execute(&mut *tx).await?;
        }
        summary.created = inserts.len() as u64;

        // 待核实 entries the rules no longer derive: gone, unless someone already visited.
        let household_nos: HashMap<i64, &str> = households
            .iter()
            .map(|h| (h[0].household_id, h[0].household_no.as_str()))
            .collect();
        let stale: Vec<&StoredCare> = stored
            .values()
            .filter(|s| {
                s.status == RosterStatus::Derived
                    && s.visits == 0
                    && !derived.contains_key(&(s.base.clone(), s.group))
                    && household_nos.contains_key(&s.household_id)
            })
            .collect();
        for chunk in stale.chunks(ID_CHUNK) {
            let sql = format!(
                "DELETE FROM care_roster WHERE id IN ({})",
                self.backend.placeholders(chunk.len())
            );
            let mut q = sqlx::query(&sql);
            for s in chunk {
                q = q.bind(s.id);
            }
            q.execute(&mut *tx).await?;
        }
        for s in &stale {
            audits.push(CareAudit {
                action: "care_remove",
                key: format!("{} {}", s.group.label(), mask_id(&s.base)),
                household_no: household_nos
                    .get(&s.household_id)
                    .map_or(String::new(), |n| (*n).to_string()),
                before: Some(without_nulls(care_view(s.status, &s.reason, ""))),
                after: None,
            });
        }
        summary.removed = stale.len() as u64;
        audit_many(&mut tx, self.backend, actor, audits).await?;
        tx.commit().await?;
        Ok(summary)
    }

    pub(crate) async fn care_list_impl(
        &self,
        actor: &Actor,
        filter: &CareFilter,
        page: PageRequest,
    ) -> Result<Page<CareRow>> {
        let Some(scope) = narrow(&actor.scope, filter.village.as_ref()) else {
            return Ok(empty_page(page));
        };
        let mut count = Query::new(self.backend, &format!("SELECT COUNT(*) {CARE_FROM}"));
        push_care_filter(&mut count, scope, filter);
        let mut q = Query::new(self.backend, CARE_SELECT);
        push_care_filter(&mut q, scope, filter);
        q.sql
            .push_str(" ORDER BY h.village_code, h.household_no, c.care_group, c.id");
        fetch_page(&self.pool, count, q, page, care_from_row).await
    }

    pub(crate) async fn care_set_status_impl(
        &self,
        actor: &Actor,
        id: i64,
        expected_version: i64,
        status: RosterStatus,
        note: &str,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let current = care_in_scope(&mut tx, actor, id).await?;
        if current.version != expected_version {
            return Err(conflict());
        }
        let note = note.trim();
        if status == RosterStatus::Rejected && note.is_empty() {
            return Err(StoreError::Invalid("核实为不属实须填写说明".into()));
        }
        let before = care_view(current.status, &current.reason, &current.note);
        let after = care_view(status, &current.reason, note);
        let Some((before, after)) = diff(&before, &after) else {
            return Ok(());
        };
        let done = sqlx::query(
            "UPDATE care_roster SET status = $1, note = $2, version = version + 1, updated_by = $3, updated_at = $4 WHERE id = $5 AND version = $6",
        )
        .bind(status.code())
        .bind(note.to_string())
        .bind(actor.username.clone())
        .bind(now_text())
        .bind(id)
        .bind(expected_version)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(conflict());
        }
        audit_insert(
            &mut tx,
            actor,
            "care_status",
            "care_roster",
            &format!(
                "{} {} {}",
                current.care_group.label(),
                current.person.name.as_deref().unwrap_or(""),
                mask_id(&current.person.id_number)
            ),
            Some(&current.household_no),
            Some(before),
            Some(after),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn care_visit_impl(
        &self,
        actor: &Actor,
        id: i64,
        visit: &NewCareVisit,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let current = care_in_scope(&mut tx, actor, id).await?;
        if current.status == RosterStatus::Rejected {
            return Err(StoreError::Invalid("该对象已核实为不属实，无需走访".into()));
        }
        let mut errors = Vec::new();
        if visit.date > visit.today {
            errors.push(format!(
                "走访日期 {} 不能晚于今天 {}",
                date_text(visit.date),
                date_text(visit.today)
            ));
        }
        if visit.visitor.trim().is_empty() {
            errors.push("请填写走访人".to_string());
        }
        if visit.content.trim().is_empty() {
            errors.push("请填写走访内容".to_string());
        }
        if let Some(next) = visit.next_visit
            && next <= visit.date
        {
            errors.push(format!(
                "下次走访日期 {} 应晚于本次走访日期 {}",
                date_text(next),
                date_text(visit.date)
            ));
        }
        if !errors.is_empty() {
            return Err(refusal(errors));
        }
        let now = now_text();
        sqlx::query(
            "INSERT INTO care_visits (roster_id, visit_date, visitor, content, next_visit, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(date_text(visit.date))
        .bind(visit.visitor.trim().to_string())
        .bind(visit.content.trim().to_string())
        .bind(visit.next_visit.map(date_text))
        .bind(actor.username.clone())
        .bind(now.clone())
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE care_roster SET next_visit = $1, version = version + 1, updated_by = $2, updated_at = $3 WHERE id = $4",
        )
        .bind(visit.next_visit.map(date_text))
        .bind(actor.username.clone())
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let mut after = Map::new();
        after.insert("visit_date".into(), json!(date_text(visit.date)));
        after.insert("visitor".into(), text_value(visit.visitor.trim()));
        after.insert("visit_content".into(), text_value(visit.content.trim()));
        after.insert("next_visit".into(), date_value(visit.next_visit));
        audit_insert(
            &mut tx,
            actor,
            "care_visit",
            "care_roster",
            &format!(
                "{} {} {}",
                current.care_group.label(),
                current.person.name.as_deref().unwrap_or(""),
                mask_id(&current.person.id_number)
            ),
            Some(&current.household_no),
            None,
            Some(without_nulls(after)),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn care_get_impl(&self, actor: &Actor, id: i64) -> Result<CareDetail> {
        let mut conn = self.pool.acquire().await?;
        let entry = care_in_scope(&mut conn, actor, id).await?;
        let visits = sqlx::query(
            "SELECT visit_date, visitor, content, next_visit, created_by, created_at FROM care_visits WHERE roster_id = $1 \
             ORDER BY visit_date DESC, id DESC",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| {
            Ok(CareVisit {
                date: req_date(r, "visit_date")?,
                visitor: r.try_get("visitor")?,
                content: r.try_get("content")?,
                next_visit: opt_date(r, "next_visit")?,
                created_by: r.try_get("created_by")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        Ok(CareDetail { entry, visits })
    }

    // --- the low-income population ---

    /// The list's households (page cut by `(village_code, household_no)` first), then their types
    /// and amounts for the page's rows only.
    async fn low_income_rows(
        &self,
        scope: &DivisionCode,
        filter: &LowIncomeFilter,
        today: Date,
        page: Option<PageRequest>,
    ) -> Result<Vec<LowIncomeRow>> {
        let mut q = Query::new(
            self.backend,
            "SELECT h.id, h.household_no, h.village_code, h.group_no, h.head_name, h.size, h.kind, h.monitoring_category FROM households h",
        );
        push_low_income_filter(&mut q, scope, filter, today);
        q.sql.push_str(" ORDER BY h.village_code, h.household_no");
        if let Some(page) = page {
            push_limit(&mut q, page);
        }
        let mut conn = self.pool.acquire().await?;
        let rows = q.build().fetch_all(&mut *conn).await?;
        let ids: Vec<i64> = rows
            .iter()
            .map(|r| r.try_get("id"))
            .collect::<std::result::Result<_, _>>()?;
        // Per household of the page: its types, 低保 amount, village name and latest income.
        let mut facts: HashMap<i64, AnyRow> = HashMap::new();
        for chunk in ids.chunks(ID_CHUNK) {
            let mut q = Query::new(self.backend, "SELECT h.id, d.name AS village_name");
            for t in LowIncomeType::ALL {
                let cond = bucket_sql(&mut q, *t, today);
                q.sql.push_str(&format!(
                    ", CAST(CASE WHEN {cond} THEN 1 ELSE 0 END AS BIGINT) AS t_{}",
                    t.code()
                ));
            }
            q.sql.push_str(
                ", (SELECT MAX(r.monthly_amount) FROM assistance_rolls r WHERE r.household_id = h.id AND r.kind = 'dibao' AND r.status = 'active') AS dibao_amount, \
                 i.year AS income_year, i.wage_income + i.business_income + i.property_income + i.transfer_income - i.business_expense AS net \
                 FROM households h JOIN divisions d ON d.code = h.village_code \
                 LEFT JOIN incomes i ON i.household_id = h.id AND i.year = (SELECT MAX(year) FROM incomes WHERE household_id = h.id) WHERE h.id IN (",
            );
            let list: Vec<String> = chunk.iter().map(|id| q.arg(Arg::Int(*id))).collect();
            q.sql.push_str(&list.join(", "));
            q.sql.push(')');
            for r in q.build().fetch_all(&mut *conn).await? {
                facts.insert(r.try_get("id")?, r);
            }
        }
        rows.iter()
            .map(|r| {
                let id: i64 = r.try_get("id")?;
                let f = facts
                    .get(&id)
                    .ok_or_else(|| corrupt("low income household", &id.to_string()))?;
                let types = LowIncomeType::ALL
                    .iter()
                    .copied()
                    .filter(|t| {
                        f.try_get::<i64, _>(format!("t_{}", t.code()).as_str())
                            .is_ok_and(|v| v != 0)
                    })
                    .collect();
                let size: i64 = r.try_get("size")?;
                let net: Option<i64> = f.try_get("net")?;
                Ok(LowIncomeRow {
                    household_no: r.try_get("household_no")?,
                    village_code: village(r, "village_code")?,
                    village_name: f.try_get("village_name")?,
                    group: group_no(r)?,
                    head_name: r.try_get("head_name")?,
                    size,
                    household_kind: req(r, "kind")?,
                    monitoring_category: code(r, "monitoring_category")?,
                    types,
                    dibao_amount: opt_yuan(f, "dibao_amount")?,
                    latest_income_year: f
                        .try_get::<Option<i64>, _>("income_year")?
                        .and_then(|y| i32::try_from(y).ok()),
                    latest_net_income_per_capita: net
                        .and_then(|n| Yuan::from_fen(n).div_round(size)),
                })
            })
            .collect()
    }

    pub(crate) async fn low_income_list_impl(
        &self,
        actor: &Actor,
        filter: &LowIncomeFilter,
        today: Date,
        page: PageRequest,
    ) -> Result<Page<LowIncomeRow>> {
        let Some(scope) = narrow(&actor.scope, filter.village.as_ref()) else {
            return Ok(empty_page(page));
        };
        let mut count = Query::new(self.backend, "SELECT COUNT(*) FROM households h");
        push_low_income_filter(&mut count, scope, filter, today);
        let total: i64 = count.build().fetch_one(&self.pool).await?.try_get(0)?;
        let items = self
            .low_income_rows(scope, filter, today, Some(page))
            .await?;
        let (page_no, per_page) = page_bounds(page);
        Ok(Page {
            items,
            total: count_u64(total),
            page: page_no,
            per_page,
        })
    }

    pub(crate) async fn low_income_export_impl(
        &self,
        actor: &Actor,
        filter: &LowIncomeFilter,
        today: Date,
    ) -> Result<Vec<LowIncomeRow>> {
        let Some(scope) = narrow(&actor.scope, filter.village.as_ref()) else {
            return Ok(Vec::new());
        };
        self.low_income_rows(scope, filter, today, None).await
    }

    pub(crate) async fn low_income_counts_impl(
        &self,
        actor: &Actor,
        today: Date,
    ) -> Result<Vec<LowIncomeCount>> {
        let scope = &actor.scope;
        let villages = self.villages_in(scope).await?;
        let kinds: Vec<Option<LowIncomeType>> = std::iter::once(None)
            .chain(LowIncomeType::ALL.iter().copied().map(Some))
            .collect();
        let mut out = Vec::with_capacity(villages.len() * kinds.len());
        let mut per_kind: Vec<HashMap<String, u64>> = Vec::with_capacity(kinds.len());
        for kind in &kinds {
            // The list's own WHERE clause, grouped by village.
            let filter = LowIncomeFilter {
                kind: *kind,
                ..Default::default()
            };
            let mut q = Query::new(
                self.backend,
                "SELECT h.village_code AS k, COUNT(*) AS n FROM households h",
            );
            push_low_income_filter(&mut q, scope, &filter, today);
            q.sql.push_str(" GROUP BY h.village_code");
            let mut counts = HashMap::new();
            for r in q.build().fetch_all(&self.pool).await? {
                counts.insert(r.try_get::<String, _>("k")?, count_u64(r.try_get("n")?));
            }
            per_kind.push(counts);
        }
        for (code, name) in &villages {
            let village_code =
                DivisionCode::parse(code).map_err(|_| corrupt("village code", code))?;
            for (kind, counts) in kinds.iter().zip(&per_kind) {
                out.push(LowIncomeCount {
                    village_code: village_code.clone(),
                    village_name: name.clone(),
                    kind: *kind,
                    count: counts.get(code).copied().unwrap_or(0),
                });
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    fn rec(row: usize, date: Date, person: &str, yuan: i64) -> CivilRecord {
        CivilRecord {
            row,
            date,
            person: person.into(),
            amount: Yuan::from_yuan(yuan),
        }
    }

    #[test]
    fn each_person_counts_once_with_the_latest_record() {
        let records = vec![
            rec(2, date!(2026 - 03 - 01), "A", 300),
            rec(3, date!(2026 - 03 - 01), "B", 200),
            rec(4, date!(2026 - 04 - 01), "A", 320),
        ];
        let latest: Vec<(usize, i64)> = latest_per_person(&records)
            .iter()
            .map(|r| (r.row, r.amount.fen()))
            .collect();
        assert_eq!(latest, [(4, 32_000), (3, 20_000)]);
    }

    #[test]
    fn a_year_before_a_leap_day_is_the_last_of_february() {
        assert_eq!(year_before(date!(2028 - 02 - 29)), date!(2027 - 02 - 28));
        assert_eq!(year_before(date!(2026 - 11 - 28)), date!(2025 - 11 - 28));
    }

    #[test]
    fn ids_are_stored_by_their_eighteen_character_base() {
        assert_eq!(id_base_of(" 11010519491231002x "), "11010519491231002X");
        assert_eq!(id_base_of("abc"), "ABC");
    }
}
