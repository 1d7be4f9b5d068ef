//! Monitoring and assistance: the policy table, identification and elimination cases (the domain
//! `Case` as JSON plus the columns lists filter on) with their timelines and their effects on the
//! household, assistance measures, helper pairings, income checks, the monitored-household list and
//! the overview. Scoped in SQL like the registry: out of scope answers `NotFound`.

use serde_json::{Map, Value, json};
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Row, Transaction};
use time::Date;
use zhenxing_domain::assistance::{Measure, MeasureStatus, MeasureType};
use zhenxing_domain::case::{Action, ActionKind, Case, CaseKind, CaseState, EliminationMode};
use zhenxing_domain::elimination::IncomeCheck;
use zhenxing_domain::household::{HouseholdKind, MonitoringCategory};
use zhenxing_domain::policy::{defaults, month_label};
use zhenxing_domain::risk::{RiskType, risk_labels};
use zhenxing_domain::{CodeEnum, DivisionCode, DivisionLevel, PolicyKey, PolicyValue, Yuan};

use crate::audit::{audit_insert, diff};
use crate::households::{
    Arg, Query, code, conflict, corrupt, date_text, like_escape, parse_date, req_code,
};
use crate::sql::{SqlStore, now_text, scope_range};
use crate::{
    Actor, AuditEntry, CaseEvent, CaseFilter, CaseRecord, CaseTiming, Count, MeasureRecord,
    MonitoredFilter, MonitoredRow, MonitoredStatus, MonitoringInfo, MonitoringOverview, Page,
    PageRequest, Pairing, Result, RowKey, StoreError,
};

/// Field names of the monitoring audit rows that are not roster fields, with their Chinese headers
/// (roster fields such as `household_kind`, `monitoring_category`, `net_income_per_capita` keep the
/// names of `zhenxing_domain::layout`).
pub const MONITORING_AUDIT_FIELDS: &[(&str, &str)] = &[
    ("case_kind", "流程"),
    ("case_state", "办理状态"),
    ("clue_source", "线索来源"),
    ("clue_date", "线索日期"),
    ("last_date", "最近办理日期"),
    ("risks", "风险类型"),
    ("elimination_mode", "风险消除方式"),
    ("notice_start", "公示开始日期"),
    ("notice_end", "公示结束日期"),
    ("closed_on", "办结日期"),
    ("reason", "原因"),
    ("identified_on", "识别监测时间"),
    ("risk_eliminated", "风险是否已消除"),
    ("eliminated_on", "风险消除时间"),
    ("measure_due", "帮扶措施落实期限"),
    ("measure_type", "帮扶措施类型"),
    ("content", "帮扶内容"),
    ("responsible_unit", "责任单位"),
    ("responsible_person", "责任人"),
    ("start_date", "开始日期"),
    ("end_date", "结束日期"),
    ("funds", "帮扶资金（元）"),
    ("measure_status", "措施状态"),
    ("result", "帮扶成效"),
    ("beneficiary", "受益成员"),
    ("helper", "帮扶责任人"),
    ("pairing_start", "结对开始日期"),
    ("check_date", "核实日期"),
    ("notes", "说明"),
    ("value", "政策值"),
    ("is_default", "是否默认值"),
];

const STALE_CASE: &str = "该流程已被他人办理，请刷新后查看最新状态";

/// Implemented measures (落实): what the one-month rule and the list's count look for.
const IMPLEMENTED: &str = "('in_progress', 'completed')";

// --- row helpers ---

fn opt_date(row: &AnyRow, col: &str) -> Result<Option<Date>> {
    let v: Option<String> = row.try_get(col)?;
    v.map(|s| parse_date(&s).ok_or_else(|| corrupt(col, &s)))
        .transpose()
}

fn req_date(row: &AnyRow, col: &str) -> Result<Date> {
    opt_date(row, col)?.ok_or_else(|| corrupt(col, "NULL"))
}

pub(crate) fn village(row: &AnyRow, col: &str) -> Result<DivisionCode> {
    let v: String = row.try_get(col)?;
    DivisionCode::parse(&v).map_err(|_| corrupt(col, &v))
}

fn group(row: &AnyRow) -> Result<Option<u16>> {
    Ok(row
        .try_get::<Option<i64>, _>("group_no")?
        .and_then(|g| u16::try_from(g).ok()))
}

pub(crate) fn count_u64(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

fn opt_date_text(d: Option<Date>) -> Option<String> {
    d.map(date_text)
}

/// Risk codes as stored: `illness,schooling` (NULL when none).
fn risks_text(risks: &[RiskType]) -> Option<String> {
    (!risks.is_empty()).then(|| risks.iter().map(|r| r.code()).collect::<Vec<_>>().join(","))
}

fn risks_from(row: &AnyRow, col: &str) -> Result<Vec<RiskType>> {
    let v: Option<String> = row.try_get(col)?;
    v.as_deref()
        .unwrap_or("")
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| RiskType::from_code(s).ok_or_else(|| corrupt(col, s)))
        .collect()
}

fn json_text<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn date_value(d: Option<Date>) -> Value {
    d.map_or(Value::Null, |d| json!(date_text(d)))
}

fn label_value(l: Option<&'static str>) -> Value {
    l.map_or(Value::Null, |l| json!(l))
}

pub(crate) fn text_value(s: &str) -> Value {
    if s.is_empty() { Value::Null } else { json!(s) }
}

/// A unique-index violation (one open case, one current pairing) as the caller's conflict.
pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

/// The narrowest division both the scope and a village filter allow, or None if they are disjoint.
pub(crate) fn narrow<'a>(
    scope: &'a DivisionCode,
    village: Option<&'a DivisionCode>,
) -> Option<&'a DivisionCode> {
    match village {
        Some(v) if scope.contains(v) => Some(v),
        Some(v) if v.contains(scope) => Some(scope),
        Some(_) => None,
        None => Some(scope),
    }
}

/// ` WHERE {col} …` limiting a code column to `scope`: equality for a village, a range above it.
pub(crate) fn push_scope(q: &mut Query, col: &str, scope: &DivisionCode) {
    if scope.level() == DivisionLevel::Village {
        let p = q.arg(Arg::Text(scope.as_str().to_string()));
        q.sql.push_str(&format!(" WHERE {col} = {p}"));
    } else {
        let (lo, hi) = scope_range(scope);
        let p_lo = q.arg(Arg::Text(lo));
        let p_hi = q.arg(Arg::Text(hi));
        q.sql
            .push_str(&format!(" WHERE {col} >= {p_lo} AND {col} < {p_hi}"));
    }
}

/// ` AND (household number prefix OR head's name substring)` for a non-blank text.
pub(crate) fn push_text(q: &mut Query, text: Option<&str>) {
    if let Some(t) = text.map(str::trim).filter(|t| !t.is_empty()) {
        let prefix = q.arg(Arg::Text(format!("{}%", like_escape(t))));
        let inner = q.arg(Arg::Text(format!("%{}%", like_escape(t))));
        q.sql.push_str(&format!(
            " AND (h.household_no LIKE {prefix} ESCAPE '\\' OR h.head_name LIKE {inner} ESCAPE '\\')"
        ));
    }
}

// --- cases ---

const CASE_SELECT: &str = "SELECT c.id, c.version, c.household_id, c.village_code, c.kind, c.state, c.data, c.deadline, c.step_due, c.opened_by, c.created_at, \
     h.household_no, h.group_no, h.head_name, h.size, d.name AS village_name \
     FROM cases c JOIN households h ON h.id = c.household_id JOIN divisions d ON d.code = c.village_code";

const CASE_FROM: &str = "FROM cases c JOIN households h ON h.id = c.household_id";

fn case_from_row(row: &AnyRow) -> Result<CaseRecord> {
    let data: String = row.try_get("data")?;
    let id: i64 = row.try_get("id")?;
    let case: Case =
        serde_json::from_str(&data).map_err(|e| StoreError::Corrupt(format!("case {id}: {e}")))?;
    Ok(CaseRecord {
        id,
        version: row.try_get("version")?,
        household_no: row.try_get("household_no")?,
        village_code: village(row, "village_code")?,
        village_name: row.try_get("village_name")?,
        group: group(row)?,
        head_name: row.try_get("head_name")?,
        size: row.try_get("size")?,
        case,
        deadline: opt_date(row, "deadline")?,
        step_due: opt_date(row, "step_due")?,
        opened_by: row.try_get("opened_by")?,
        created_at: row.try_get("created_at")?,
    })
}

/// The case as the audit trail shows it: field name → display value.
fn case_view(c: &Case) -> Map<String, Value> {
    let mut v = Map::new();
    v.insert("case_kind".into(), json!(c.kind.label()));
    v.insert("case_state".into(), json!(c.state_label()));
    v.insert("clue_source".into(), json!(c.clue.source.label()));
    v.insert("clue_date".into(), json!(date_text(c.clue.date)));
    v.insert("last_date".into(), json!(date_text(c.last_date)));
    v.insert("risks".into(), text_value(&risk_labels(&c.risks)));
    v.insert(
        "net_income_per_capita".into(),
        c.per_capita.map_or(Value::Null, |y| json!(y.plain())),
    );
    v.insert(
        "monitoring_category".into(),
        label_value(c.category.map(CodeEnum::label)),
    );
    v.insert(
        "elimination_mode".into(),
        label_value(c.mode.map(CodeEnum::label)),
    );
    v.insert("notice_start".into(), date_value(c.notice_start));
    v.insert("notice_end".into(), date_value(c.notice_end));
    v.insert("closed_on".into(), date_value(c.closed_on));
    v.insert(
        "reason".into(),
        c.reason.as_deref().map_or(Value::Null, text_value),
    );
    v
}

/// Only the values that are set (a creation lists what it created).
pub(crate) fn without_nulls(v: Map<String, Value>) -> Value {
    Value::Object(v.into_iter().filter(|(_, x)| !x.is_null()).collect())
}

/// The household's open case, as the refusal to open another one says it.
async fn open_case_message(conn: &mut AnyConnection, household_id: i64) -> Result<Option<String>> {
    let row =
        sqlx::query("SELECT kind, state, data FROM cases WHERE household_id = $1 AND is_open = 1")
            .bind(household_id)
            .fetch_optional(&mut *conn)
            .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let data: String = row.try_get("data")?;
    let what = match serde_json::from_str::<Case>(&data) {
        Ok(c) => format!("{}：{}", c.kind.label(), c.state_label()),
        Err(_) => {
            let kind: String = row.try_get("kind")?;
            let state: String = row.try_get("state")?;
            format!(
                "{}：{}",
                CaseKind::from_code(&kind).map_or(kind.as_str(), |k| k.label()),
                CaseState::from_code(&state).map_or(state.as_str(), |s| s.label())
            )
        }
    };
    Ok(Some(format!("该户已有正在办理的流程（{what}），请先办结")))
}

/// Appends the WHERE clause of the case lists (the query selects `FROM cases c JOIN households h`).
fn push_case_filter(q: &mut Query, scope: &DivisionCode, f: &CaseFilter) {
    push_scope(q, "c.village_code", scope);
    if let Some(k) = f.kind {
        let p = q.arg(Arg::Text(k.code().to_string()));
        q.sql.push_str(&format!(" AND c.kind = {p}"));
    }
    if let Some(s) = f.state {
        let p = q.arg(Arg::Text(s.code().to_string()));
        q.sql.push_str(&format!(" AND c.state = {p}"));
    }
    if f.open_only {
        q.sql.push_str(" AND c.is_open = 1");
    }
    if let Some(d) = f.overdue_on {
        let p1 = q.arg(Arg::Text(date_text(d)));
        let p2 = q.arg(Arg::Text(date_text(d)));
        q.sql.push_str(&format!(
            " AND c.is_open = 1 AND (c.deadline < {p1} OR (c.step_due < {p2} AND c.state <> 'noticing'))"
        ));
    }
    if !f.states.is_empty() {
        let list: Vec<String> = f
            .states
            .iter()
            .map(|s| q.arg(Arg::Text(s.code().to_string())))
            .collect();
        q.sql.push_str(&format!(
            " AND c.is_open = 1 AND c.state IN ({})",
            list.join(", ")
        ));
    }
    if let Some(d) = f.notice_start {
        let p = q.arg(Arg::Text(date_text(d)));
        q.sql.push_str(&format!(" AND c.notice_start = {p}"));
    }
    if let Some(d) = f.closed_on {
        let p = q.arg(Arg::Text(date_text(d)));
        q.sql.push_str(&format!(
            " AND c.closed_on = {p} AND c.state IN ('approved', 'rejected')"
        ));
    }
    push_text(q, f.text.as_deref());
}

/// A household's monitoring columns, for the audit of a case's effect on it.
#[derive(Debug, Clone, PartialEq)]
struct MonitoringState {
    kind: HouseholdKind,
    category: Option<MonitoringCategory>,
    identified_on: Option<Date>,
    risks: Vec<RiskType>,
    risk_eliminated: bool,
    eliminated_on: Option<Date>,
    elimination_mode: Option<EliminationMode>,
    measure_due: Option<Date>,
}

impl MonitoringState {
    fn view(&self) -> Map<String, Value> {
        let mut v = Map::new();
        v.insert("household_kind".into(), json!(self.kind.label()));
        v.insert(
            "monitoring_category".into(),
            label_value(self.category.map(CodeEnum::label)),
        );
        v.insert("identified_on".into(), date_value(self.identified_on));
        v.insert("risks".into(), text_value(&risk_labels(&self.risks)));
        v.insert(
            "risk_eliminated".into(),
            json!(if self.risk_eliminated { "是" } else { "否" }),
        );
        v.insert("eliminated_on".into(), date_value(self.eliminated_on));
        v.insert(
            "elimination_mode".into(),
            label_value(self.elimination_mode.map(CodeEnum::label)),
        );
        v.insert("measure_due".into(), date_value(self.measure_due));
        v
    }
}

const MONITORING_COLUMNS: &str = "kind, monitoring_category, identified_on, risks, risk_eliminated, eliminated_on, elimination_mode, measure_due";

fn monitoring_from_row(row: &AnyRow) -> Result<MonitoringState> {
    Ok(MonitoringState {
        kind: req_code(row, "kind")?,
        category: code(row, "monitoring_category")?,
        identified_on: opt_date(row, "identified_on")?,
        risks: risks_from(row, "risks")?,
        risk_eliminated: row.try_get::<i64, _>("risk_eliminated")? != 0,
        eliminated_on: opt_date(row, "eliminated_on")?,
        elimination_mode: code(row, "elimination_mode")?,
        measure_due: opt_date(row, "measure_due")?,
    })
}

/// What an approved or rolled-back case does to its household.
fn case_effect(
    current: &Case,
    next: &Case,
    timing: CaseTiming,
    before: &MonitoringState,
) -> Option<MonitoringState> {
    let mut after = before.clone();
    match (next.kind, next.state) {
        (CaseKind::Identification, CaseState::Approved) if current.state != CaseState::Approved => {
            after.kind = HouseholdKind::Monitored;
            after.category = next.category.or(before.category);
            after.identified_on = next.closed_on;
            after.risks = next.risks.clone();
            after.risk_eliminated = false;
            after.eliminated_on = None;
            after.elimination_mode = None;
            after.measure_due = timing.measure_due;
        }
        (CaseKind::Elimination, CaseState::Approved) if current.state != CaseState::Approved => {
            after.risk_eliminated = true;
            after.eliminated_on = next.closed_on;
            after.elimination_mode = next.mode;
        }
        (_, CaseState::RolledBack) if current.state != CaseState::RolledBack => {
            after.risk_eliminated = false;
            after.eliminated_on = None;
            after.elimination_mode = None;
        }
        _ => return None,
    }
    Some(after)
}

pub(crate) async fn household_in_scope(
    conn: &mut AnyConnection,
    actor: &Actor,
    household_no: &str,
) -> Result<(i64, String)> {
    let (lo, hi) = scope_range(&actor.scope);
    let row = sqlx::query(
        "SELECT id, village_code FROM households WHERE household_no = $1 AND village_code >= $2 AND village_code < $3",
    )
    .bind(household_no.to_string())
    .bind(lo)
    .bind(hi)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::NotFound)?;
    Ok((row.try_get("id")?, row.try_get("village_code")?))
}

async fn case_in_scope(conn: &mut AnyConnection, actor: &Actor, id: i64) -> Result<AnyRow> {
    let (lo, hi) = scope_range(&actor.scope);
    sqlx::query(&format!(
        "{CASE_SELECT} WHERE c.id = $1 AND c.village_code >= $2 AND c.village_code < $3"
    ))
    .bind(id)
    .bind(lo)
    .bind(hi)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::NotFound)
}

// --- measures ---

const MEASURE_SELECT: &str = "SELECT m.id, m.version, m.kind, m.content, m.responsible_unit, m.responsible_person, m.start_date, m.end_date, m.funds, \
     m.status, m.result, m.beneficiary, m.updated_at, h.household_no FROM measures m JOIN households h ON h.id = m.household_id";

fn measure_from_row(row: &AnyRow) -> Result<MeasureRecord> {
    Ok(MeasureRecord {
        key: RowKey {
            id: row.try_get("id")?,
            version: row.try_get("version")?,
        },
        household_no: row.try_get("household_no")?,
        measure: Measure {
            kind: req_code::<MeasureType>(row, "kind")?,
            content: row.try_get("content")?,
            responsible_unit: row.try_get("responsible_unit")?,
            responsible_person: row.try_get("responsible_person")?,
            start: req_date(row, "start_date")?,
            end: opt_date(row, "end_date")?,
            funds: Yuan::from_fen(row.try_get::<i64, _>("funds")?),
            status: req_code::<MeasureStatus>(row, "status")?,
            result: row.try_get("result")?,
            beneficiary: row.try_get("beneficiary")?,
        },
        updated_at: row.try_get("updated_at")?,
    })
}

fn measure_view(m: &Measure) -> Map<String, Value> {
    let mut v = Map::new();
    v.insert("measure_type".into(), json!(m.kind.label()));
    v.insert("content".into(), text_value(&m.content));
    v.insert("responsible_unit".into(), text_value(&m.responsible_unit));
    v.insert(
        "responsible_person".into(),
        text_value(&m.responsible_person),
    );
    v.insert("start_date".into(), json!(date_text(m.start)));
    v.insert("end_date".into(), date_value(m.end));
    v.insert("funds".into(), json!(m.funds.plain()));
    v.insert("measure_status".into(), json!(m.status.label()));
    v.insert("result".into(), text_value(&m.result));
    v.insert("beneficiary".into(), text_value(&m.beneficiary));
    v
}

/// `kind, content, …, beneficiary` in column order of the measure statements.
fn measure_args(m: &Measure) -> Vec<Arg> {
    vec![
        Arg::Text(m.kind.code().to_string()),
        Arg::Text(m.content.clone()),
        Arg::Text(m.responsible_unit.clone()),
        Arg::Text(m.responsible_person.clone()),
        Arg::Text(date_text(m.start)),
        Arg::OptText(opt_date_text(m.end)),
        Arg::Int(m.funds.fen()),
        Arg::Text(m.status.code().to_string()),
        Arg::Text(m.result.clone()),
        Arg::Text(m.beneficiary.clone()),
    ]
}

// --- monitored households ---

/// The households of the page (cut first, by the `(kind, village_code, household_no)` index) …
const MONITORED_INNER: &str = "SELECT h.id, h.household_no, h.village_code, h.group_no, h.head_name, h.size, h.monitoring_category, h.risks, \
     h.identified_on, h.risk_eliminated, h.eliminated_on, h.elimination_mode, h.measure_due FROM households h";

/// … and only then their village names, implemented measures and current helpers.
fn monitored_outer(inner: &str) -> String {
    format!(
        "SELECT p.*, d.name AS village_name, \
         (SELECT COUNT(*) FROM measures m WHERE m.household_id = p.id AND m.status IN {IMPLEMENTED}) AS implemented_measures, \
         (SELECT u.display_name FROM pairings pr JOIN users u ON u.id = pr.user_id WHERE pr.household_id = p.id AND pr.end_date IS NULL) AS helper_name \
         FROM ({inner}) p JOIN divisions d ON d.code = p.village_code ORDER BY p.village_code, p.household_no"
    )
}

/// Appends the WHERE clause of the monitored-household list (the query selects `FROM households h`).
fn push_monitored_filter(q: &mut Query, scope: &DivisionCode, f: &MonitoredFilter) {
    push_scope(q, "h.village_code", scope);
    q.sql.push_str(" AND h.kind = 'monitored'");
    match f.status {
        Some(MonitoredStatus::Monitoring) => q.sql.push_str(" AND h.risk_eliminated = 0"),
        Some(MonitoredStatus::Eliminated) => q.sql.push_str(" AND h.risk_eliminated = 1"),
        None => {}
    }
    if let Some(c) = f.category {
        let p = q.arg(Arg::Text(c.code().to_string()));
        q.sql.push_str(&format!(" AND h.monitoring_category = {p}"));
    }
    if let Some(r) = f.risk {
        let p = q.arg(Arg::Text(format!("%,{},%", like_escape(r.code()))));
        q.sql.push_str(&format!(
            " AND (',' || COALESCE(h.risks, '') || ',') LIKE {p} ESCAPE '\\'"
        ));
    }
    if let Some(m) = &f.identified_month {
        let p = q.arg(Arg::Text(format!("{}-%", like_escape(m.trim()))));
        q.sql
            .push_str(&format!(" AND h.identified_on LIKE {p} ESCAPE '\\'"));
    }
    if let Some(m) = &f.eliminated_month {
        let p = q.arg(Arg::Text(format!("{}-%", like_escape(m.trim()))));
        q.sql
            .push_str(&format!(" AND h.eliminated_on LIKE {p} ESCAPE '\\'"));
    }
    if let Some(d) = f.no_measure_on {
        let p = q.arg(Arg::Text(date_text(d)));
        q.sql.push_str(&format!(
            " AND h.measure_due < {p} AND h.risk_eliminated = 0 AND NOT EXISTS (SELECT 1 FROM measures m WHERE m.household_id = h.id \
             AND m.status IN {IMPLEMENTED} AND m.start_date <= h.measure_due)"
        ));
    }
    if let Some(id) = f.helper_id {
        let p = q.arg(Arg::Int(id));
        q.sql.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM pairings p WHERE p.household_id = h.id AND p.end_date IS NULL AND p.user_id = {p})"
        ));
    }
    push_text(q, f.text.as_deref());
}

fn monitored_from_row(row: &AnyRow) -> Result<MonitoredRow> {
    Ok(MonitoredRow {
        household_no: row.try_get("household_no")?,
        village_code: village(row, "village_code")?,
        village_name: row.try_get("village_name")?,
        group: group(row)?,
        head_name: row.try_get("head_name")?,
        size: row.try_get("size")?,
        category: code(row, "monitoring_category")?,
        risks: risks_from(row, "risks")?,
        identified_on: opt_date(row, "identified_on")?,
        risk_eliminated: row.try_get::<i64, _>("risk_eliminated")? != 0,
        eliminated_on: opt_date(row, "eliminated_on")?,
        elimination_mode: code(row, "elimination_mode")?,
        measure_due: opt_date(row, "measure_due")?,
        implemented_measures: row.try_get("implemented_measures")?,
        helper_name: row.try_get("helper_name")?,
    })
}

pub(crate) fn page_bounds(page: PageRequest) -> (u32, u32) {
    (page.page.max(1), page.per_page.clamp(1, 500))
}

pub(crate) fn empty_page<T>(page: PageRequest) -> Page<T> {
    let (page_no, per_page) = page_bounds(page);
    Page {
        items: Vec::new(),
        total: 0,
        page: page_no,
        per_page,
    }
}

/// A page of rows: `count` gives the total, `select` (filtered and ordered like it) the rows,
/// cut to `page` and turned into items by `item`.
pub(crate) async fn fetch_page<T>(
    pool: &sqlx::AnyPool,
    count: Query,
    mut select: Query,
    page: PageRequest,
    item: impl Fn(&AnyRow) -> Result<T>,
) -> Result<Page<T>> {
    let total: i64 = count.build().fetch_one(pool).await?.try_get(0)?;
    push_limit(&mut select, page);
    let items = select
        .build()
        .fetch_all(pool)
        .await?
        .iter()
        .map(item)
        .collect::<Result<Vec<_>>>()?;
    let (page_no, per_page) = page_bounds(page);
    Ok(Page {
        items,
        total: count_u64(total),
        page: page_no,
        per_page,
    })
}

pub(crate) fn push_limit(q: &mut Query, page: PageRequest) {
    let (page_no, per_page) = page_bounds(page);
    let limit = q.arg(Arg::Int(i64::from(per_page)));
    let offset = q.arg(Arg::Int(i64::from(page_no - 1) * i64::from(per_page)));
    q.sql.push_str(&format!(" LIMIT {limit} OFFSET {offset}"));
}

pub(crate) fn policy_from_row(row: &AnyRow) -> Result<PolicyValue> {
    let key: String = row.try_get("key")?;
    let region: String = row.try_get("region")?;
    Ok(PolicyValue {
        key: PolicyKey::from_code(&key).ok_or_else(|| corrupt("policy key", &key))?,
        region: if region.is_empty() {
            None
        } else {
            Some(DivisionCode::parse(&region).map_err(|_| corrupt("policy region", &region))?)
        },
        year: i32::try_from(row.try_get::<i64, _>("year")?)
            .map_err(|_| corrupt("policy year", "range"))?,
        value: row.try_get("value")?,
        is_default: row.try_get::<i64, _>("is_default")? != 0,
    })
}

fn audit_from_row(r: &AnyRow) -> Result<AuditEntry> {
    Ok(AuditEntry {
        at: r.try_get("at")?,
        actor: r.try_get("actor")?,
        action: r.try_get("action")?,
        entity: r.try_get("entity")?,
        entity_key: r.try_get("entity_key")?,
        before: r.try_get("before_json")?,
        after: r.try_get("after_json")?,
    })
}

async fn policy_upsert(
    tx: &mut Transaction<'_, Any>,
    v: &PolicyValue,
    region: &str,
    by: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO policy_values (key, region, year, value, is_default, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (key, region, year) DO UPDATE SET value = excluded.value, is_default = excluded.is_default, \
         updated_by = excluded.updated_by, updated_at = excluded.updated_at",
    )
    .bind(v.key.code())
    .bind(region.to_string())
    .bind(i64::from(v.year))
    .bind(v.value)
    .bind(i64::from(v.is_default))
    .bind(by.to_string())
    .bind(now_text())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl SqlStore {
    // --- policy table ---

    /// Inserts the documented defaults (national, effective 2021) that the table does not hold.
    pub(crate) async fn policy_seed(&self) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        for v in defaults() {
            sqlx::query(
                "INSERT INTO policy_values (key, region, year, value, is_default, updated_by, updated_at) VALUES ($1, '', $2, $3, 1, 'system', $4) \
                 ON CONFLICT (key, region, year) DO NOTHING",
            )
            .bind(v.key.code())
            .bind(i64::from(v.year))
            .bind(v.value)
            .bind(now_text())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn policy_values_impl(&self) -> Result<Vec<PolicyValue>> {
        let rows = sqlx::query(
            "SELECT key, region, year, value, is_default FROM policy_values ORDER BY key, region, year",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(policy_from_row).collect()
    }

    pub(crate) async fn policy_set_impl(&self, actor: &Actor, value: &PolicyValue) -> Result<()> {
        let region = value
            .region
            .as_ref()
            .map_or(String::new(), |r| r.as_str().to_string());
        let view = |v: i64, d: bool| {
            let mut m = Map::new();
            m.insert("value".into(), json!(v));
            m.insert("is_default".into(), json!(d));
            m
        };
        let mut tx = self.begin_write().await?;
        let old = sqlx::query(
            "SELECT value, is_default FROM policy_values WHERE key = $1 AND region = $2 AND year = $3",
        )
        .bind(value.key.code())
        .bind(region.clone())
        .bind(i64::from(value.year))
        .fetch_optional(&mut *tx)
        .await?;
        let after = view(value.value, value.is_default);
        let (action, before, after) = match old {
            Some(r) => {
                let before = view(r.try_get("value")?, r.try_get::<i64, _>("is_default")? != 0);
                let Some((b, a)) = diff(&before, &after) else {
                    return Ok(());
                };
                ("update", Some(b), a)
            }
            None => ("create", None, Value::Object(after)),
        };
        policy_upsert(&mut tx, value, &region, &actor.username).await?;
        // Cross-key rules (特困 standard ≥ ratio × 低保 standard) on the table as it now stands;
        // returning drops the transaction, so a refused value is never stored.
        let after_change = crate::lowincome::policy_table(&mut tx).await?;
        zhenxing_domain::lowincome::check_standards_change(&after_change, value)
            .map_err(StoreError::Invalid)?;
        let key = format!("{}/{}/{}", value.key.code(), region, value.year);
        audit_insert(
            &mut tx,
            actor,
            action,
            "policy",
            &key,
            None,
            before,
            Some(after),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn policy_history_impl(&self) -> Result<Vec<AuditEntry>> {
        let rows = sqlx::query(
            "SELECT at, actor, action, entity, entity_key, before_json, after_json FROM audit_log WHERE entity = 'policy' ORDER BY id DESC",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(audit_from_row).collect()
    }

    // --- cases ---

    pub(crate) async fn case_open_impl(
        &self,
        actor: &Actor,
        household_no: &str,
        case: &Case,
        timing: CaseTiming,
    ) -> Result<i64> {
        let mut tx = self.begin_write().await?;
        let (household_id, village_code) = household_in_scope(&mut tx, actor, household_no).await?;
        let id = insert_case(
            &mut tx,
            actor,
            household_id,
            village_code,
            household_no,
            case,
            timing,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub(crate) async fn case_get_impl(&self, actor: &Actor, id: i64) -> Result<CaseRecord> {
        let mut conn = self.pool.acquire().await?;
        case_from_row(&case_in_scope(&mut conn, actor, id).await?)
    }

    pub(crate) async fn case_events_impl(&self, actor: &Actor, id: i64) -> Result<Vec<CaseEvent>> {
        let mut conn = self.pool.acquire().await?;
        case_in_scope(&mut conn, actor, id).await?;
        let rows = sqlx::query(
            "SELECT seq, action, action_date, payload, state_after, actor, at FROM case_events WHERE case_id = $1 ORDER BY seq",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
        rows.iter()
            .map(|r| {
                let payload: Option<String> = r.try_get("payload")?;
                let action = payload
                    .map(|p| {
                        serde_json::from_str::<Action>(&p)
                            .map_err(|e| StoreError::Corrupt(format!("case {id} event: {e}")))
                    })
                    .transpose()?;
                Ok(CaseEvent {
                    seq: r.try_get("seq")?,
                    kind: req_code(r, "action")?,
                    date: req_date(r, "action_date")?,
                    action,
                    state_after: req_code(r, "state_after")?,
                    actor: r.try_get("actor")?,
                    at: r.try_get("at")?,
                })
            })
            .collect()
    }

    pub(crate) async fn case_apply_impl(
        &self,
        actor: &Actor,
        id: i64,
        expected_version: i64,
        action: &Action,
        next: &Case,
        timing: CaseTiming,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let row = case_in_scope(&mut tx, actor, id).await?;
        let household_id: i64 = row.try_get("household_id")?;
        let current = case_from_row(&row)?;
        if current.version != expected_version {
            return Err(StoreError::Conflict(STALE_CASE.into()));
        }
        if next.kind != current.case.kind || next.clue != current.case.clue {
            return Err(StoreError::Invalid(
                "办理结果与流程不符（流程类型或线索不同），请刷新后重试".into(),
            ));
        }
        let now = now_text();
        let done = sqlx::query(
            "UPDATE cases SET state = $1, is_open = $2, last_date = $3, category = $4, notice_start = $5, notice_end = $6, closed_on = $7, \
             deadline = $8, step_due = $9, data = $10, version = version + 1, updated_at = $11 WHERE id = $12 AND version = $13",
        )
        .bind(next.state.code())
        .bind(i64::from(next.is_open()))
        .bind(date_text(next.last_date))
        .bind(next.category.map(|c| c.code()))
        .bind(opt_date_text(next.notice_start))
        .bind(opt_date_text(next.notice_end))
        .bind(opt_date_text(next.closed_on))
        .bind(opt_date_text(timing.deadline))
        .bind(opt_date_text(timing.step_due))
        .bind(json_text(next)?)
        .bind(now.clone())
        .bind(id)
        .bind(expected_version)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict(STALE_CASE.into()));
        }
        let seq: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(seq), 0) + 1 FROM case_events WHERE case_id = $1",
        )
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO case_events (case_id, seq, action, action_date, payload, state_after, actor, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id)
        .bind(seq)
        .bind(action.kind().code())
        .bind(date_text(action.date()))
        .bind(json_text(action)?)
        .bind(next.state.code())
        .bind(actor.username.clone())
        .bind(now.clone())
        .execute(&mut *tx)
        .await?;

        if let Action::HomeVisit(visit) = action
            && let Some(per_capita) = next.per_capita
        {
            sqlx::query(
                "INSERT INTO income_checks (household_id, check_date, per_capita, source, case_id, notes, created_by, created_at) \
                 VALUES ($1, $2, $3, 'visit', $4, '', $5, $6)",
            )
            .bind(household_id)
            .bind(date_text(visit.date))
            .bind(per_capita.fen())
            .bind(id)
            .bind(actor.username.clone())
            .bind(now.clone())
            .execute(&mut *tx)
            .await?;
        }

        let no = current.household_no.as_str();
        let (before, after) = match diff(&case_view(&current.case), &case_view(next)) {
            Some((b, a)) => (Some(b), Some(a)),
            None => (None, None),
        };
        audit_insert(
            &mut tx,
            actor,
            &format!("case_{}", action.kind().code()),
            "case",
            &id.to_string(),
            Some(no),
            before,
            after,
        )
        .await?;

        let row = sqlx::query(&format!(
            "SELECT {MONITORING_COLUMNS} FROM households WHERE id = $1"
        ))
        .bind(household_id)
        .fetch_one(&mut *tx)
        .await?;
        let state = monitoring_from_row(&row)?;
        if let Some(changed) = case_effect(&current.case, next, timing, &state) {
            sqlx::query(
                "UPDATE households SET kind = $1, monitoring_category = $2, identified_on = $3, risks = $4, risk_eliminated = $5, \
                 eliminated_on = $6, elimination_mode = $7, measure_due = $8, version = version + 1, updated_at = $9 WHERE id = $10",
            )
            .bind(changed.kind.code())
            .bind(changed.category.map(|c| c.code()))
            .bind(opt_date_text(changed.identified_on))
            .bind(risks_text(&changed.risks))
            .bind(i64::from(changed.risk_eliminated))
            .bind(opt_date_text(changed.eliminated_on))
            .bind(changed.elimination_mode.map(|m| m.code()))
            .bind(opt_date_text(changed.measure_due))
            .bind(now)
            .bind(household_id)
            .execute(&mut *tx)
            .await?;
            if let Some((b, a)) = diff(&state.view(), &changed.view()) {
                audit_insert(
                    &mut tx,
                    actor,
                    &format!("case_{}", action.kind().code()),
                    "household",
                    no,
                    Some(no),
                    Some(b),
                    Some(a),
                )
                .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn cases_list_impl(
        &self,
        actor: &Actor,
        filter: &CaseFilter,
        page: PageRequest,
    ) -> Result<Page<CaseRecord>> {
        let Some(scope) = narrow(&actor.scope, filter.village.as_ref()) else {
            return Ok(empty_page(page));
        };
        let total = self.case_count(scope, filter).await?;
        let mut q = Query::new(self.backend, CASE_SELECT);
        push_case_filter(&mut q, scope, filter);
        q.sql.push_str(
            " ORDER BY CASE WHEN COALESCE(c.step_due, c.deadline) IS NULL THEN 1 ELSE 0 END, COALESCE(c.step_due, c.deadline), c.id",
        );
        push_limit(&mut q, page);
        let items = q
            .build()
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(case_from_row)
            .collect::<Result<Vec<_>>>()?;
        let (page_no, per_page) = page_bounds(page);
        Ok(Page {
            items,
            total,
            page: page_no,
            per_page,
        })
    }

    async fn case_count(&self, scope: &DivisionCode, filter: &CaseFilter) -> Result<u64> {
        let mut q = Query::new(self.backend, &format!("SELECT COUNT(*) {CASE_FROM}"));
        push_case_filter(&mut q, scope, filter);
        let n: i64 = q.build().fetch_one(&self.pool).await?.try_get(0)?;
        Ok(count_u64(n))
    }

    pub(crate) async fn cases_export_impl(
        &self,
        actor: &Actor,
        filter: &CaseFilter,
    ) -> Result<Vec<CaseRecord>> {
        let Some(scope) = narrow(&actor.scope, filter.village.as_ref()) else {
            return Ok(Vec::new());
        };
        let mut q = Query::new(self.backend, CASE_SELECT);
        push_case_filter(&mut q, scope, filter);
        q.sql.push_str(" ORDER BY c.clue_date, c.id");
        q.build()
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(case_from_row)
            .collect()
    }

    // --- assistance ---

    pub(crate) async fn monitoring_info_impl(
        &self,
        actor: &Actor,
        household_no: &str,
    ) -> Result<MonitoringInfo> {
        let (lo, hi) = scope_range(&actor.scope);
        let mut conn = self.pool.acquire().await?;
        let row = sqlx::query(&format!(
            "SELECT id, {MONITORING_COLUMNS} FROM households WHERE household_no = $1 AND village_code >= $2 AND village_code < $3"
        ))
        .bind(household_no.to_string())
        .bind(lo)
        .bind(hi)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
        let household_id: i64 = row.try_get("id")?;
        let state = monitoring_from_row(&row)?;

        let cases = sqlx::query(&format!(
            "{CASE_SELECT} WHERE c.household_id = $1 ORDER BY c.id DESC"
        ))
        .bind(household_id)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(case_from_row)
        .collect::<Result<Vec<_>>>()?;
        let measures = sqlx::query(&format!(
            "{MEASURE_SELECT} WHERE m.household_id = $1 ORDER BY m.start_date, m.id"
        ))
        .bind(household_id)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(measure_from_row)
        .collect::<Result<Vec<_>>>()?;
        let income_checks = sqlx::query(
            "SELECT check_date, per_capita FROM income_checks WHERE household_id = $1 ORDER BY check_date, id",
        )
        .bind(household_id)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| {
            Ok(IncomeCheck {
                date: req_date(r, "check_date")?,
                per_capita: Yuan::from_fen(r.try_get::<i64, _>("per_capita")?),
            })
        })
        .collect::<Result<Vec<_>>>()?;
        let helper = current_pairing(&mut conn, household_id).await?;
        Ok(MonitoringInfo {
            household_no: household_no.to_string(),
            identified_on: state.identified_on,
            risks: state.risks,
            risk_eliminated: state.risk_eliminated,
            eliminated_on: state.eliminated_on,
            elimination_mode: state.elimination_mode,
            measure_due: state.measure_due,
            cases,
            measures,
            income_checks,
            helper,
        })
    }

    pub(crate) async fn measure_create_impl(
        &self,
        actor: &Actor,
        household_no: &str,
        measure: &Measure,
    ) -> Result<i64> {
        let mut tx = self.begin_write().await?;
        let (household_id, _) = household_in_scope(&mut tx, actor, household_no).await?;
        let now = now_text();
        let mut q = Query::new(
            self.backend,
            "INSERT INTO measures (household_id, kind, content, responsible_unit, responsible_person, start_date, end_date, funds, status, result, \
             beneficiary, version, created_at, updated_at) VALUES ",
        );
        q.push_row(
            std::iter::once(Arg::Int(household_id))
                .chain(measure_args(measure))
                .chain([Arg::Int(1), Arg::Text(now.clone()), Arg::Text(now)]),
        );
        q.sql.push_str(" RETURNING id");
        let id: i64 = q.build().fetch_one(&mut *tx).await?.try_get(0)?;
        audit_insert(
            &mut tx,
            actor,
            "create",
            "measure",
            &id.to_string(),
            Some(household_no),
            None,
            Some(without_nulls(measure_view(measure))),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub(crate) async fn measure_update_impl(
        &self,
        actor: &Actor,
        id: i64,
        expected_version: i64,
        measure: &Measure,
    ) -> Result<()> {
        let (lo, hi) = scope_range(&actor.scope);
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(&format!(
            "{MEASURE_SELECT} WHERE m.id = $1 AND h.village_code >= $2 AND h.village_code < $3"
        ))
        .bind(id)
        .bind(lo)
        .bind(hi)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        let current = measure_from_row(&row)?;
        if current.key.version != expected_version {
            return Err(conflict());
        }
        let Some((before, after)) = diff(&measure_view(&current.measure), &measure_view(measure))
        else {
            return Ok(());
        };
        let mut args = measure_args(measure);
        args.extend([
            Arg::Text(now_text()),
            Arg::Int(id),
            Arg::Int(expected_version),
        ]);
        let q = Query {
            backend: self.backend,
            sql: "UPDATE measures SET kind = $1, content = $2, responsible_unit = $3, responsible_person = $4, start_date = $5, end_date = $6, \
                  funds = $7, status = $8, result = $9, beneficiary = $10, version = version + 1, updated_at = $11 WHERE id = $12 AND version = $13"
                .to_string(),
            args,
        };
        if q.build().execute(&mut *tx).await?.rows_affected() == 0 {
            return Err(conflict());
        }
        audit_insert(
            &mut tx,
            actor,
            "update",
            "measure",
            &id.to_string(),
            Some(&current.household_no),
            Some(before),
            Some(after),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn measure_get_impl(&self, actor: &Actor, id: i64) -> Result<MeasureRecord> {
        let (lo, hi) = scope_range(&actor.scope);
        let row = sqlx::query(&format!(
            "{MEASURE_SELECT} WHERE m.id = $1 AND h.village_code >= $2 AND h.village_code < $3"
        ))
        .bind(id)
        .bind(lo)
        .bind(hi)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        measure_from_row(&row)
    }

    pub(crate) async fn pairing_set_impl(
        &self,
        actor: &Actor,
        household_no: &str,
        user_id: i64,
        start: Date,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let (household_id, _) = household_in_scope(&mut tx, actor, household_no).await?;
        let user = sqlx::query("SELECT username, display_name, active FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(user) = user.filter(|u| u.try_get::<i64, _>("active").is_ok_and(|a| a != 0))
        else {
            return Err(StoreError::Invalid("帮扶责任人不存在或已停用".into()));
        };
        let helper = Pairing {
            user_id,
            username: user.try_get("username")?,
            display_name: user.try_get("display_name")?,
            start,
        };
        let current = current_pairing(&mut tx, household_id).await?;
        if let Some(c) = &current {
            if c.user_id == user_id {
                return Ok(());
            }
            if start < c.start {
                return Err(StoreError::Invalid(format!(
                    "结对开始日期 {start} 不能早于当前帮扶责任人{}的结对日期 {}",
                    c.display_name, c.start
                )));
            }
        }
        sqlx::query(
            "UPDATE pairings SET end_date = $1 WHERE household_id = $2 AND end_date IS NULL",
        )
        .bind(date_text(start))
        .bind(household_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO pairings (household_id, user_id, start_date, end_date, created_by, created_at) VALUES ($1, $2, $3, NULL, $4, $5)",
        )
        .bind(household_id)
        .bind(user_id)
        .bind(date_text(start))
        .bind(actor.username.clone())
        .bind(now_text())
        .execute(&mut *tx)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                conflict()
            } else {
                e.into()
            }
        })?;
        let view = |p: &Pairing| {
            let mut m = Map::new();
            m.insert(
                "helper".into(),
                json!(format!("{}（{}）", p.display_name, p.username)),
            );
            m.insert("pairing_start".into(), json!(date_text(p.start)));
            m
        };
        let after = view(&helper);
        let (action, before, after) = match &current {
            Some(c) => match diff(&view(c), &after) {
                Some((b, a)) => ("update", Some(b), a),
                None => ("update", None, Value::Object(after)),
            },
            None => ("create", None, Value::Object(after)),
        };
        audit_insert(
            &mut tx,
            actor,
            action,
            "pairing",
            household_no,
            Some(household_no),
            before,
            Some(after),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn income_check_add_impl(
        &self,
        actor: &Actor,
        household_no: &str,
        check: IncomeCheck,
        notes: &str,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let (household_id, _) = household_in_scope(&mut tx, actor, household_no).await?;
        sqlx::query(
            "INSERT INTO income_checks (household_id, check_date, per_capita, source, case_id, notes, created_by, created_at) \
             VALUES ($1, $2, $3, 'follow_up', NULL, $4, $5, $6)",
        )
        .bind(household_id)
        .bind(date_text(check.date))
        .bind(check.per_capita.fen())
        .bind(notes.to_string())
        .bind(actor.username.clone())
        .bind(now_text())
        .execute(&mut *tx)
        .await?;
        let mut after = Map::new();
        after.insert("check_date".into(), json!(date_text(check.date)));
        after.insert(
            "net_income_per_capita".into(),
            json!(check.per_capita.plain()),
        );
        after.insert("notes".into(), text_value(notes.trim()));
        audit_insert(
            &mut tx,
            actor,
            "create",
            "income_check",
            &format!("{household_no}/{}", date_text(check.date)),
            Some(household_no),
            None,
            Some(without_nulls(after)),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    // --- monitored households and the overview ---

    pub(crate) async fn monitored_list_impl(
        &self,
        actor: &Actor,
        filter: &MonitoredFilter,
        page: PageRequest,
    ) -> Result<Page<MonitoredRow>> {
        let Some(scope) = narrow(&actor.scope, filter.village.as_ref()) else {
            return Ok(empty_page(page));
        };
        let total = self.monitored_count(scope, filter).await?;
        let mut q = Query::new(self.backend, MONITORED_INNER);
        push_monitored_filter(&mut q, scope, filter);
        q.sql.push_str(" ORDER BY h.village_code, h.household_no");
        push_limit(&mut q, page);
        q.sql = monitored_outer(&q.sql);
        let items = q
            .build()
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(monitored_from_row)
            .collect::<Result<Vec<_>>>()?;
        let (page_no, per_page) = page_bounds(page);
        Ok(Page {
            items,
            total,
            page: page_no,
            per_page,
        })
    }

    async fn monitored_count(&self, scope: &DivisionCode, filter: &MonitoredFilter) -> Result<u64> {
        let mut q = Query::new(self.backend, "SELECT COUNT(*) FROM households h");
        push_monitored_filter(&mut q, scope, filter);
        let n: i64 = q.build().fetch_one(&self.pool).await?.try_get(0)?;
        Ok(count_u64(n))
    }

    pub(crate) async fn monitored_export_impl(
        &self,
        actor: &Actor,
        filter: &MonitoredFilter,
    ) -> Result<Vec<MonitoredRow>> {
        let Some(scope) = narrow(&actor.scope, filter.village.as_ref()) else {
            return Ok(Vec::new());
        };
        let mut q = Query::new(self.backend, MONITORED_INNER);
        push_monitored_filter(&mut q, scope, filter);
        q.sql = monitored_outer(&q.sql);
        q.build()
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(monitored_from_row)
            .collect()
    }

    /// Grouped counts of the monitored list: `SELECT {key}, COUNT(*) … GROUP BY {key}` with the list's
    /// own WHERE clause, so every number is the total of the list it links to.
    async fn monitored_groups(
        &self,
        scope: &DivisionCode,
        filter: &MonitoredFilter,
        key: &str,
    ) -> Result<Vec<(Option<String>, u64)>> {
        let mut q = Query::new(
            self.backend,
            &format!("SELECT {key} AS k, COUNT(*) AS n FROM households h"),
        );
        push_monitored_filter(&mut q, scope, filter);
        q.sql.push_str(&format!(" GROUP BY {key}"));
        q.build()
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| Ok((r.try_get("k")?, count_u64(r.try_get("n")?))))
            .collect()
    }

    /// The villages of a scope as (code, name), in code order (the rows of a per-village count).
    pub(crate) async fn villages_in(&self, scope: &DivisionCode) -> Result<Vec<(String, String)>> {
        let (lo, hi) = scope_range(scope);
        sqlx::query(
            "SELECT code, name FROM divisions WHERE level = 'village' AND code >= $1 AND code < $2 ORDER BY code",
        )
        .bind(lo)
        .bind(hi)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("code")?, r.try_get("name")?)))
        .collect()
    }

    pub(crate) async fn monitoring_overview_impl(
        &self,
        actor: &Actor,
        today: Date,
    ) -> Result<MonitoringOverview> {
        let scope = &actor.scope;
        let villages = self.villages_in(scope).await?;

        let status_filter = |status| MonitoredFilter {
            status: Some(status),
            ..Default::default()
        };
        let monitoring = self
            .monitored_groups(
                scope,
                &status_filter(MonitoredStatus::Monitoring),
                "h.village_code",
            )
            .await?;
        let eliminated = self
            .monitored_groups(
                scope,
                &status_filter(MonitoredStatus::Eliminated),
                "h.village_code",
            )
            .await?;
        let by_village = |groups: &[(Option<String>, u64)]| -> Vec<Count> {
            villages
                .iter()
                .map(|(code, name)| Count {
                    key: code.clone(),
                    label: name.clone(),
                    count: groups
                        .iter()
                        .find(|(k, _)| k.as_deref() == Some(code.as_str()))
                        .map_or(0, |(_, n)| *n),
                })
                .collect()
        };
        let all = MonitoredFilter::default();
        let categories = self
            .monitored_groups(scope, &all, "h.monitoring_category")
            .await?;
        let by_category = MonitoringCategory::ALL
            .iter()
            .map(|c| Count {
                key: c.code().to_string(),
                label: c.label().to_string(),
                count: categories
                    .iter()
                    .find(|(k, _)| k.as_deref() == Some(c.code()))
                    .map_or(0, |(_, n)| *n),
            })
            .collect();

        let risks = self.monitored_groups(scope, &all, "h.risks").await?;
        let by_risk = RiskType::ALL
            .iter()
            .filter_map(|r| {
                let n: u64 = risks
                    .iter()
                    .filter(|(k, _)| {
                        k.as_deref()
                            .is_some_and(|list| list.split(',').any(|c| c == r.code()))
                    })
                    .map(|(_, n)| n)
                    .sum();
                (n > 0).then(|| Count {
                    key: r.code().to_string(),
                    label: r.label().to_string(),
                    count: n,
                })
            })
            .collect();

        let months = |groups: Vec<(Option<String>, u64)>| -> Result<Vec<Count>> {
            let mut out: Vec<Count> = groups
                .into_iter()
                .filter_map(|(k, n)| k.map(|k| (k, n)))
                .map(|(k, n)| {
                    let first =
                        parse_date(&format!("{k}-01")).ok_or_else(|| corrupt("month", &k))?;
                    Ok(Count {
                        label: month_label(first),
                        key: k,
                        count: n,
                    })
                })
                .collect::<Result<_>>()?;
            out.sort_by(|a, b| a.key.cmp(&b.key));
            Ok(out)
        };
        let identified_by_month = months(
            self.monitored_groups(scope, &all, "substr(h.identified_on, 1, 7)")
                .await?,
        )?;
        let eliminated_by_month = months(
            self.monitored_groups(scope, &all, "substr(h.eliminated_on, 1, 7)")
                .await?,
        )?;

        let open = CaseFilter {
            open_only: true,
            ..Default::default()
        };
        let mut q = Query::new(
            self.backend,
            &format!("SELECT c.state AS k, COUNT(*) AS n {CASE_FROM}"),
        );
        push_case_filter(&mut q, scope, &open);
        q.sql.push_str(" GROUP BY c.state");
        let states: Vec<(String, u64)> = q
            .build()
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| Ok((r.try_get("k")?, count_u64(r.try_get("n")?))))
            .collect::<Result<_>>()?;
        let open_by_state = CaseState::ALL
            .iter()
            .filter_map(|s| {
                let n = states
                    .iter()
                    .find(|(k, _)| k == s.code())
                    .map_or(0, |(_, n)| *n);
                (n > 0).then(|| Count {
                    key: s.code().to_string(),
                    label: s.label().to_string(),
                    count: n,
                })
            })
            .collect();

        let overdue_cases = self
            .case_count(
                scope,
                &CaseFilter {
                    open_only: true,
                    overdue_on: Some(today),
                    ..Default::default()
                },
            )
            .await?;
        let no_measure = self
            .monitored_count(
                scope,
                &MonitoredFilter {
                    no_measure_on: Some(today),
                    ..Default::default()
                },
            )
            .await?;
        Ok(MonitoringOverview {
            monitoring_by_village: by_village(&monitoring),
            eliminated_by_village: by_village(&eliminated),
            by_category,
            by_risk,
            identified_by_month,
            eliminated_by_month,
            open_by_state,
            overdue_cases,
            no_measure,
            monitoring_total: monitoring.iter().map(|(_, n)| n).sum(),
            eliminated_total: eliminated.iter().map(|(_, n)| n).sum(),
        })
    }
}

async fn current_pairing(conn: &mut AnyConnection, household_id: i64) -> Result<Option<Pairing>> {
    let row = sqlx::query(
        "SELECT p.user_id, p.start_date, u.username, u.display_name FROM pairings p JOIN users u ON u.id = p.user_id \
         WHERE p.household_id = $1 AND p.end_date IS NULL",
    )
    .bind(household_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| {
        Ok(Pairing {
            user_id: r.try_get("user_id")?,
            username: r.try_get("username")?,
            display_name: r.try_get("display_name")?,
            start: req_date(&r, "start_date")?,
        })
    })
    .transpose()
}

/// Writes a new case, its clue event and the audit row inside the caller's transaction: `Conflict`
/// when the household already has an open case.
pub(crate) async fn insert_case(
    tx: &mut Transaction<'_, Any>,
    actor: &Actor,
    household_id: i64,
    village_code: String,
    household_no: &str,
    case: &Case,
    timing: CaseTiming,
) -> Result<i64> {
    if let Some(message) = open_case_message(tx, household_id).await? {
        return Err(StoreError::Conflict(message));
    }
    let now = now_text();
    let inserted = sqlx::query_scalar::<_, i64>(
        "INSERT INTO cases (household_id, village_code, kind, state, is_open, clue_source, clue_date, last_date, category, notice_start, \
         notice_end, closed_on, deadline, step_due, data, opened_by, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 1, $17, $17) RETURNING id",
    )
    .bind(household_id)
    .bind(village_code)
    .bind(case.kind.code())
    .bind(case.state.code())
    .bind(i64::from(case.is_open()))
    .bind(case.clue.source.code())
    .bind(date_text(case.clue.date))
    .bind(date_text(case.last_date))
    .bind(case.category.map(|c| c.code()))
    .bind(opt_date_text(case.notice_start))
    .bind(opt_date_text(case.notice_end))
    .bind(opt_date_text(case.closed_on))
    .bind(opt_date_text(timing.deadline))
    .bind(opt_date_text(timing.step_due))
    .bind(json_text(case)?)
    .bind(actor.username.clone())
    .bind(now.clone())
    .fetch_one(&mut **tx)
    .await;
    let id = match inserted {
        Ok(id) => id,
        Err(e) if is_unique_violation(&e) => {
            // Someone opened one in the meantime (the check above ran before their commit).
            return Err(StoreError::Conflict(
                "该户已有正在办理的流程，请先办结".to_string(),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    sqlx::query(
        "INSERT INTO case_events (case_id, seq, action, action_date, payload, state_after, actor, at) VALUES ($1, 0, $2, $3, NULL, $4, $5, $6)",
    )
    .bind(id)
    .bind(ActionKind::Clue.code())
    .bind(date_text(case.clue.date))
    .bind(case.state.code())
    .bind(actor.username.clone())
    .bind(now)
    .execute(&mut **tx)
    .await?;
    audit_insert(
        tx,
        actor,
        "case_open",
        "case",
        &id.to_string(),
        Some(household_no),
        None,
        Some(without_nulls(case_view(case))),
    )
    .await?;
    Ok(id)
}
