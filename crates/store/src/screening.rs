//! Department feeds and screening: uploaded files and their records in typed columns (matched to the
//! registry by the resident ID or 户编号 when stored), the snapshot an integrated run screens, the rule
//! set (the defaults of SCREENING.md seeded), recorded runs and the warnings they raise — one open
//! warning per (household, rule) that gathers evidence — with the village queue's dismiss/convert.
//! Scoped in SQL like the registry: out of scope answers `NotFound`.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value, json};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
use time::Date;
use zhenxing_domain::case::Case;
use zhenxing_domain::feed::{FeedKind, FeedRecord, HouseholdRef, Period};
use zhenxing_domain::household::HouseholdKind;
use zhenxing_domain::id_number::mask_id;
use zhenxing_domain::policy::TRANSITION_START_YEAR;
use zhenxing_domain::{CodeEnum, DivisionCode, IncomeRecord, Yuan};
use zhenxing_screening::{RuleDef, default_rules, id_key, id_text};

use crate::audit::{audit_insert, diff};
use crate::households::{Arg, Query, corrupt, parse_date, req_code};
use crate::monitoring::{
    count_u64, empty_page, fetch_page, is_unique_violation, narrow, push_scope, push_text,
    text_value, village, without_nulls,
};
use crate::sql::{Backend, SqlStore, now_text, scope_range};
use crate::{
    Actor, CaseTiming, FeedUpload, FeedUploadRow, Page, PageRequest, Result, RunCount, RunHit,
    RunOutcome, RunRow, ScreeningSnapshot, StoreError, StoredRule, UnmatchedRecord, UploadOutcome,
    WarningFilter, WarningRow, WarningStatus,
};

/// Field names of the screening audit rows, with their Chinese headers.
pub const SCREENING_AUDIT_FIELDS: &[(&str, &str)] = &[
    ("feed_kind", "部门数据类型"),
    ("period", "期间"),
    ("file_name", "文件名"),
    ("rows_total", "数据行数"),
    ("rows_matched", "匹配行数"),
    ("rows_unmatched", "未匹配行数"),
    ("rows_malformed", "有误行数"),
    ("rule_id", "规则编号"),
    ("rule_name", "规则名称"),
    ("risk_type", "风险类型"),
    ("expression", "规则表达式"),
    ("enabled", "是否启用"),
    ("hits", "命中数"),
    ("new_warnings", "新预警"),
    ("monitored_warnings", "监测户信息"),
    ("updated_warnings", "补充证据"),
    ("warning_status", "预警状态"),
    ("dismiss_reason", "排除原因"),
    ("case_id", "线索流程编号"),
];

const STALE_WARNING: &str = "该预警已被他人处理，请刷新后重试";
const STALE_RULE: &str = "该规则已被他人修改，请刷新后重试";

/// Columns of one `feed_records` insert row.
const RECORD_WIDTH: usize = 20;
/// Columns of one `warnings` insert row.
const WARNING_WIDTH: usize = 13;

/// SQL truth of "monitored" for `households h` (SCREENING.md): 监测户, or an identification case
/// that is open or approved.
const MONITORED_SQL: &str = "CAST(CASE WHEN h.kind = 'monitored' OR EXISTS (SELECT 1 FROM cases c WHERE c.household_id = h.id \
     AND c.kind = 'identification' AND (c.is_open = 1 OR c.state = 'approved')) THEN 1 ELSE 0 END AS BIGINT)";

/// Households per snapshot query (see `snapshot_chunk`).
const SNAPSHOT_CHUNK: usize = 2048;
/// Households per query when whole tables are read (`snapshot_by_table`).
const TABLE_CHUNK: usize = 32_768;
/// Ids per query over members, incomes and records (`table_texts`).
const ID_RANGE: usize = 65_536;

/// The records a run reads, for a period from `$lo` (its first day) to `$hi` (the next month's):
/// every kind dated in the period, but of the medical settlements only the inpatient stays (the
/// 12-month sums come from `medical_windows`).
fn period_records_filter(lo: &str, hi: &str) -> String {
    format!(
        "r.record_date >= {lo} AND r.record_date < {hi} AND (r.kind <> 'medical' OR r.code1 = 'inpatient')"
    )
}

/// The records of [`SqlStore::period_records_text`] that belong to the households (`index`: household
/// id → position); records about a household name it by its 户编号.
fn parse_period_records(
    text: &str,
    households: &[zhenxing_screening::Household],
    index: &HashMap<i64, usize>,
) -> Result<Records> {
    let mut records = Records::default();
    let mut c = Scan { s: text };
    while !c.s.is_empty() {
        let hid = c.until('|')?;
        let h = hid.parse::<i64>().ok().and_then(|i| index.get(&i)).copied();
        let record = scan_record(&mut c, h.is_some(), |by_household| {
            by_household
                .then(|| h.map(|h| households[h].household_no.clone()))
                .flatten()
        })?;
        if !c.s.is_empty() {
            c.expect(';')?;
        }
        records.add(record);
    }
    Ok(records)
}

/// A person's 12-month medical sum: (person key, Σ 合规自付 in fen, settlements).
type MedicalSum = (u64, i64, u32);

/// `key,eligible,records` entries joined by `;` (a window's `data`, or an aggregate).
fn parse_sums(text: &str) -> Result<Vec<MedicalSum>> {
    let mut out = Vec::with_capacity(text.len() / 26 + 1);
    for row in text.split(';').filter(|r| !r.is_empty()) {
        let mut f = row.split(',');
        let mut next = |col: &str| -> Result<i64> {
            let v = f.next().unwrap_or("");
            v.parse().map_err(|_| corrupt(col, v))
        };
        let key = next("person_key")?;
        let key = u64::try_from(key).map_err(|_| corrupt("person_key", &key.to_string()))?;
        let eligible = next("eligible")?;
        let records = next("records")?;
        let records =
            u32::try_from(records).map_err(|_| corrupt("records", &records.to_string()))?;
        out.push((key, eligible, records));
    }
    Ok(out)
}

fn sums_text(sums: &[MedicalSum]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(sums.len() * 26);
    for (i, (key, eligible, records)) in sums.iter().enumerate() {
        if i > 0 {
            s.push(';');
        }
        let _ = write!(s, "{key},{eligible},{records}");
    }
    s
}

/// Two key-ordered lists of sums as one, equal keys added.
fn merge_sums(a: &[MedicalSum], b: &[MedicalSum]) -> Vec<MedicalSum> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => {
                out.push(a[i]);
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                out.push(b[j]);
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                out.push((
                    a[i].0,
                    a[i].1.saturating_add(b[j].1),
                    a[i].2.saturating_add(b[j].2),
                ));
                i += 1;
                j += 1;
            }
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

/// Texts as a JSON array, for [`crate::sql::Backend::json_texts`].
fn json_list<T: serde::Serialize>(values: &[T]) -> Result<String> {
    serde_json::to_string(values).map_err(|e| corrupt("json list", &e.to_string()))
}

/// A window's number in `medical_windows.period`: its last month as year × 12 + month − 1.
fn window_number(p: Period) -> i64 {
    i64::from(p.year) * 12 + i64::from(p.month) - 1
}

/// A record in a snapshot chunk: its typed columns (kind, date, person key, codes, amounts,
/// number, grade; the household's number comes with the household), then `text1` and `subject` length-prefixed (`-` for NULL).
const CHUNK_RECORD: &str = "format('%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s:%s%s:%s', r.id, r.kind, r.record_date, \
     r.person_key, r.code1, r.code2, r.amount1, r.amount2, r.amount3, r.amount4, r.amount5, r.amount6, r.number, r.grade, \
     LENGTH(r.text1), r.text1, LENGTH(r.subject), r.subject)";

// --- records as typed columns ---

/// A record's value columns (migration 0004 says which kind uses which).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Cols {
    person_key: Option<i64>,
    household_no: Option<String>,
    subject: Option<String>,
    code1: Option<String>,
    code2: Option<String>,
    amounts: [Option<i64>; 6],
    number: Option<i64>,
    text1: Option<String>,
    grade: Option<String>,
}

fn person_cols(c: &mut Cols, person: &str) {
    match id_key(person).and_then(|k| i64::try_from(k).ok()) {
        Some(k) => c.person_key = Some(k),
        None => c.subject = Some(person.to_string()),
    }
}

fn ref_cols(c: &mut Cols, r: &HouseholdRef) {
    match r {
        HouseholdRef::Number(no) => c.household_no = Some(no.clone()),
        HouseholdRef::Person(p) => person_cols(c, p),
    }
}

fn code_text<T: CodeEnum>(v: T) -> Option<String> {
    Some(v.code().to_string())
}

fn encode(r: &FeedRecord) -> Cols {
    let mut c = Cols::default();
    let fen = |y: &Yuan| Some(y.fen());
    match r {
        FeedRecord::Medical {
            person,
            visit_type,
            total,
            basic_paid,
            critical_paid,
            assistance_paid,
            out_of_pocket,
            eligible_out_of_pocket,
            ..
        } => {
            person_cols(&mut c, person);
            c.code1 = code_text(*visit_type);
            c.amounts = [
                fen(total),
                fen(basic_paid),
                fen(critical_paid),
                fen(assistance_paid),
                fen(out_of_pocket),
                fen(eligible_out_of_pocket),
            ];
        }
        FeedRecord::Disability {
            person,
            category,
            grade,
            change,
            ..
        } => {
            person_cols(&mut c, person);
            c.text1 = Some(category.clone());
            c.grade = grade.and_then(code_text);
            c.code1 = code_text(*change);
        }
        FeedRecord::Education {
            person,
            stage,
            status,
            fees,
            ..
        } => {
            person_cols(&mut c, person);
            c.code1 = code_text(*stage);
            c.code2 = code_text(*status);
            c.amounts[0] = fen(fees);
        }
        FeedRecord::Housing {
            household, rating, ..
        } => {
            ref_cols(&mut c, household);
            c.code1 = code_text(*rating);
        }
        FeedRecord::Police {
            person,
            event,
            cause,
            ..
        } => {
            person_cols(&mut c, person);
            c.code1 = code_text(*event);
            c.text1 = Some(cause.clone());
        }
        FeedRecord::Civil {
            person,
            program,
            amount,
            ..
        } => {
            person_cols(&mut c, person);
            c.code1 = code_text(*program);
            c.amounts[0] = fen(amount);
        }
        FeedRecord::Disaster {
            household,
            hazard,
            loss,
            ..
        } => {
            ref_cols(&mut c, household);
            c.code1 = code_text(*hazard);
            c.amounts[0] = fen(loss);
        }
        FeedRecord::Employment {
            person,
            status,
            wage,
            ..
        } => {
            person_cols(&mut c, person);
            c.code1 = code_text(*status);
            c.amounts[0] = fen(wage);
        }
        FeedRecord::Water {
            household_no, days, ..
        } => {
            c.household_no = Some(household_no.clone());
            c.number = Some(i64::from(*days));
        }
    }
    c
}

fn col_code<T: CodeEnum>(v: Option<&str>, col: &str) -> Result<T> {
    let v = v.ok_or_else(|| corrupt(col, "NULL"))?;
    T::from_code(v).ok_or_else(|| corrupt(col, v))
}

/// Back from the columns. `household`: the matched household's number, used for records addressed
/// to a household (the snapshot names them by 户编号); `None` gives back exactly what was stored.
fn decode(kind: FeedKind, date: Date, c: Cols, household: Option<String>) -> Result<FeedRecord> {
    let person = |c: &Cols| -> Result<String> {
        match (c.person_key, &c.subject) {
            (Some(k), _) => Ok(id_text(
                u64::try_from(k).map_err(|_| corrupt("person_key", &k.to_string()))?,
            )),
            (None, Some(s)) => Ok(s.clone()),
            (None, None) => Err(corrupt("person_key", "NULL")),
        }
    };
    let href = |c: &Cols, household: Option<String>| -> Result<HouseholdRef> {
        if let Some(no) = household {
            return Ok(HouseholdRef::Number(no));
        }
        match &c.household_no {
            Some(no) => Ok(HouseholdRef::Number(no.clone())),
            None => person(c).map(HouseholdRef::Person),
        }
    };
    let amount = |i: usize| -> Result<Yuan> {
        c.amounts[i]
            .map(Yuan::from_fen)
            .ok_or_else(|| corrupt("amount", "NULL"))
    };
    let code1 = c.code1.as_deref();
    Ok(match kind {
        FeedKind::Medical => FeedRecord::Medical {
            person: person(&c)?,
            date,
            visit_type: col_code(code1, "code1")?,
            total: amount(0)?,
            basic_paid: amount(1)?,
            critical_paid: amount(2)?,
            assistance_paid: amount(3)?,
            out_of_pocket: amount(4)?,
            eligible_out_of_pocket: amount(5)?,
        },
        FeedKind::Disability => FeedRecord::Disability {
            person: person(&c)?,
            category: c.text1.clone().unwrap_or_default(),
            grade: c
                .grade
                .as_deref()
                .map(|g| col_code(Some(g), "grade"))
                .transpose()?,
            change: col_code(code1, "code1")?,
            date,
        },
        FeedKind::Education => FeedRecord::Education {
            person: person(&c)?,
            stage: col_code(code1, "code1")?,
            status: col_code(c.code2.as_deref(), "code2")?,
            fees: amount(0)?,
            date,
        },
        FeedKind::Housing => FeedRecord::Housing {
            household: href(&c, household)?,
            rating: col_code(code1, "code1")?,
            date,
        },
        FeedKind::Police => FeedRecord::Police {
            person: person(&c)?,
            event: col_code(code1, "code1")?,
            date,
            cause: c.text1.clone().unwrap_or_default(),
        },
        FeedKind::Civil => FeedRecord::Civil {
            person: person(&c)?,
            program: col_code(code1, "code1")?,
            date,
            amount: amount(0)?,
        },
        FeedKind::Disaster => FeedRecord::Disaster {
            household: href(&c, household)?,
            hazard: col_code(code1, "code1")?,
            loss: amount(0)?,
            date,
        },
        FeedKind::Employment => FeedRecord::Employment {
            person: person(&c)?,
            status: col_code(code1, "code1")?,
            wage: amount(0)?,
            date,
        },
        FeedKind::Water => FeedRecord::Water {
            household_no: household
                .or_else(|| c.household_no.clone())
                .ok_or_else(|| corrupt("household_no", "NULL"))?,
            days: c
                .number
                .and_then(|d| u32::try_from(d).ok())
                .ok_or_else(|| corrupt("number", "NULL"))?,
            date,
        },
    })
}

/// `2026-03-15` without allocating (the snapshot parses millions); other shapes the slow way.
fn ymd(s: &str) -> Option<Date> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return parse_date(s);
    }
    let n = |r: &[u8]| {
        r.iter().try_fold(0u32, |a, d| {
            d.is_ascii_digit().then(|| a * 10 + u32::from(d - b'0'))
        })
    };
    let year = i32::try_from(n(&b[..4])?).ok()?;
    let month = time::Month::try_from(u8::try_from(n(&b[5..7])?).ok()?).ok()?;
    let day = u8::try_from(n(&b[8..])?).ok()?;
    Date::from_calendar_date(year, month, day).ok()
}

fn req_ymd(s: &str, col: &str) -> Result<Date> {
    ymd(s).ok_or_else(|| corrupt(col, s))
}

fn date_text(d: Date) -> String {
    crate::households::date_text(d)
}

/// The first day of a period as stored dates compare: `2026-03-01`.
fn month_start(p: Period) -> String {
    format!("{p}-01")
}

/// What an unmatched record names, for the uploader: a masked ID or the 户编号.
fn unmatched_subject(c: &Cols) -> String {
    match (c.person_key, &c.subject, &c.household_no) {
        (Some(k), _, _) => mask_id(&id_text(u64::try_from(k).unwrap_or(0))),
        (None, Some(s), _) => mask_id(s),
        (None, None, Some(no)) => no.clone(),
        (None, None, None) => String::new(),
    }
}

/// The uploader's division and every division above it: where uploads and runs that concern the
/// actor were made.
fn scope_and_ancestors(scope: &DivisionCode) -> Vec<String> {
    let mut out = vec![scope.as_str().to_string()];
    let mut at = scope.parent();
    while let Some(p) = at {
        out.push(p.as_str().to_string());
        at = p.parent();
    }
    out
}

/// ` WHERE (col in scope OR col IN (ancestors))`: the uploads or runs an actor may list.
fn push_concerning(q: &mut Query, col: &str, scope: &DivisionCode) {
    let (lo, hi) = scope_range(scope);
    let p_lo = q.arg(Arg::Text(lo));
    let p_hi = q.arg(Arg::Text(hi));
    let list: Vec<String> = scope_and_ancestors(scope)
        .into_iter()
        .map(|c| q.arg(Arg::Text(c)))
        .collect();
    q.sql.push_str(&format!(
        " WHERE (({col} >= {p_lo} AND {col} < {p_hi}) OR {col} IN ({}))",
        list.join(", ")
    ));
}

fn upload_view(u: &FeedUpload, matched: u64, unmatched: u64) -> Value {
    json!({
        "feed_kind": u.kind.label(),
        "period": u.period.to_string(),
        "file_name": u.file_name,
        "rows_total": u.rows_total.to_string(),
        "rows_matched": matched.to_string(),
        "rows_unmatched": unmatched.to_string(),
        "rows_malformed": u.rows_malformed.to_string(),
    })
}

fn rule_view(r: &RuleDef) -> Map<String, Value> {
    let mut v = Map::new();
    v.insert("rule_name".into(), json!(r.name));
    v.insert("risk_type".into(), json!(r.risk_type.label()));
    v.insert("expression".into(), json!(r.expression));
    v.insert("enabled".into(), json!(if r.enabled { "是" } else { "否" }));
    v
}

fn rule_from_row(row: &AnyRow) -> Result<StoredRule> {
    Ok(StoredRule {
        def: RuleDef {
            id: row.try_get("id")?,
            name: row.try_get("name")?,
            risk_type: req_code(row, "risk_type")?,
            expression: row.try_get("expression")?,
            enabled: row.try_get::<i64, _>("enabled")? != 0,
        },
        version: row.try_get("version")?,
        is_default: row.try_get::<i64, _>("is_default")? != 0,
        updated_by: row.try_get("updated_by")?,
        updated_at: row.try_get("updated_at")?,
    })
}

const RULE_SELECT: &str = "SELECT id, name, risk_type, expression, enabled, is_default, version, updated_by, updated_at FROM screening_rules";

// --- warnings ---

const WARNING_SELECT: &str = "SELECT w.id, w.version, w.household_id, w.village_code, w.rule_id, w.risk_type, w.status, w.evidence, w.first_period, \
     w.last_period, w.dismiss_reason, w.case_id, w.updated_at, h.household_no, h.head_name, d.name AS village_name, \
     COALESCE(r.name, w.rule_id) AS rule_name \
     FROM warnings w JOIN households h ON h.id = w.household_id JOIN divisions d ON d.code = w.village_code \
     LEFT JOIN screening_rules r ON r.id = w.rule_id";

const WARNING_FROM: &str = "FROM warnings w JOIN households h ON h.id = w.household_id";

const OPEN_STATUSES: &str = "('new', 'monitored')";

fn warning_from_row(row: &AnyRow) -> Result<WarningRow> {
    Ok(WarningRow {
        id: row.try_get("id")?,
        version: row.try_get("version")?,
        household_no: row.try_get("household_no")?,
        village_code: village(row, "village_code")?,
        village_name: row.try_get("village_name")?,
        head_name: row.try_get("head_name")?,
        rule_id: row.try_get("rule_id")?,
        rule_name: row.try_get("rule_name")?,
        risk_type: req_code(row, "risk_type")?,
        status: req_code(row, "status")?,
        evidence: row.try_get("evidence")?,
        first_period: row.try_get("first_period")?,
        last_period: row.try_get("last_period")?,
        dismiss_reason: row.try_get("dismiss_reason")?,
        case_id: row.try_get("case_id")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// Appends the WHERE clause of the warning lists (the query selects `FROM warnings w JOIN households h`).
fn push_warning_filter(q: &mut Query, scope: &DivisionCode, f: &WarningFilter) {
    push_scope(q, "w.village_code", scope);
    if let Some(rule) = f
        .rule_id
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
    {
        let p = q.arg(Arg::Text(rule.to_string()));
        q.sql.push_str(&format!(" AND w.rule_id = {p}"));
    }
    if let Some(s) = f.status {
        let p = q.arg(Arg::Text(s.code().to_string()));
        q.sql.push_str(&format!(" AND w.status = {p}"));
    }
    if f.open_only {
        q.sql.push_str(&format!(" AND w.status IN {OPEN_STATUSES}"));
    }
    if let Some(p) = f.period.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        let p = q.arg(Arg::Text(p.to_string()));
        q.sql.push_str(&format!(" AND w.last_period = {p}"));
    }
    push_text(q, f.text.as_deref());
}

fn warning_view(
    status: WarningStatus,
    reason: Option<&str>,
    case_id: Option<i64>,
) -> Map<String, Value> {
    let mut v = Map::new();
    v.insert("warning_status".into(), json!(status.label()));
    v.insert(
        "dismiss_reason".into(),
        reason.map_or(Value::Null, text_value),
    );
    v.insert(
        "case_id".into(),
        case_id.map_or(Value::Null, |c| json!(c.to_string())),
    );
    v
}

/// A warning in scope with the household it belongs to (for the audit row), inside `tx`.
async fn warning_in_scope(
    tx: &mut Transaction<'_, Any>,
    actor: &Actor,
    id: i64,
) -> Result<(WarningRow, i64)> {
    let (lo, hi) = scope_range(&actor.scope);
    let row = sqlx::query(&format!(
        "{WARNING_SELECT} WHERE w.id = $1 AND w.village_code >= $2 AND w.village_code < $3"
    ))
    .bind(id)
    .bind(lo)
    .bind(hi)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(StoreError::NotFound)?;
    Ok((warning_from_row(&row)?, row.try_get("household_id")?))
}

fn run_from_row(row: &AnyRow) -> Result<RunRow> {
    Ok(RunRow {
        id: row.try_get("id")?,
        period: row.try_get("period")?,
        started_by: row.try_get("started_by")?,
        started_at: row.try_get("started_at")?,
        params: row.try_get("params")?,
        hits: row.try_get("hits")?,
        new: row.try_get("new_count")?,
        monitored: row.try_get("monitored_count")?,
        updated: row.try_get("updated_count")?,
    })
}

fn upload_from_row(row: &AnyRow) -> Result<FeedUploadRow> {
    Ok(FeedUploadRow {
        id: row.try_get("id")?,
        kind: req_code(row, "kind")?,
        period: row.try_get("period")?,
        file_name: row.try_get("file_name")?,
        rows_total: row.try_get("rows_total")?,
        rows_matched: row.try_get("rows_matched")?,
        rows_unmatched: row.try_get("rows_unmatched")?,
        rows_malformed: row.try_get("rows_malformed")?,
        uploaded_by: row.try_get("uploaded_by")?,
        uploaded_at: row.try_get("uploaded_at")?,
    })
}

/// The earlier upload of the same file, as the outcome of uploading it again.
async fn duplicate_outcome(
    tx: &mut Transaction<'_, Any>,
    upload: &FeedUpload,
) -> Result<Option<UploadOutcome>> {
    let row = sqlx::query(
        "SELECT id, rows_matched FROM feed_uploads WHERE kind = $1 AND period = $2 AND content_hash = $3",
    )
    .bind(upload.kind.code())
    .bind(upload.period.to_string())
    .bind(upload.content_hash.clone())
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let id: i64 = row.try_get("id")?;
    let unmatched = sqlx::query(
        "SELECT row_no, person_key, subject, household_no FROM feed_records WHERE upload_id = $1 AND household_id IS NULL ORDER BY row_no",
    )
    .bind(id)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|r| {
        let c = Cols {
            person_key: r.try_get("person_key")?,
            subject: r.try_get("subject")?,
            household_no: r.try_get("household_no")?,
            ..Cols::default()
        };
        Ok(UnmatchedRecord {
            row: usize::try_from(r.try_get::<i64, _>("row_no")?).unwrap_or(0),
            subject: unmatched_subject(&c),
        })
    })
    .collect::<Result<Vec<_>>>()?;
    Ok(Some(UploadOutcome {
        upload_id: id,
        duplicate: true,
        matched: count_u64(row.try_get("rows_matched")?),
        unmatched,
    }))
}

// --- the snapshot's packed rows ---

fn opt_int(s: &str, col: &str) -> Result<Option<i64>> {
    if s.is_empty() {
        return Ok(None);
    }
    s.parse().map(Some).map_err(|_| corrupt(col, s))
}

fn opt_text(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

/// Reads a snapshot chunk's text: a household is
/// `id|kind|monitored|N:household_noM:village|members|incomes|records`, households are separated
/// by `#`, records by `;`, a record is [`CHUNK_RECORD`]. Texts that may hold anything come
/// as `<characters>:<text>`, so the parse never looks for a separator inside them.
fn parse_snapshot(
    text: &str,
    households: &mut Vec<zhenxing_screening::Household>,
    records: &mut Records,
) -> Result<()> {
    let mut c = Scan { s: text };
    while !c.s.is_empty() {
        let _id = c.until('|')?;
        let kind = c.until('|')?;
        let kind = HouseholdKind::from_code(kind).ok_or_else(|| corrupt("kind", kind))?;
        let monitored = c.until('|')? != "0";
        let household_no = c.counted()?.unwrap_or_default().to_string();
        let village = c.counted()?.unwrap_or_default().to_string();
        c.expect('|')?;
        let members = c.until('|')?;
        let incomes = c.until('|')?;
        loop {
            match c.s.as_bytes().first() {
                None => break,
                Some(b'#') => {
                    c.s = &c.s[1..];
                    break;
                }
                Some(b';') => c.s = &c.s[1..],
                Some(_) => {}
            }
            let record = scan_record(&mut c, true, |by_household| {
                by_household.then(|| household_no.clone())
            })?;
            records.add(record);
        }
        households.push(zhenxing_screening::Household {
            household_no,
            village,
            kind,
            monitored,
            members: if members.is_empty() {
                Vec::new()
            } else {
                parse_members(members)?
            },
            incomes: if incomes.is_empty() {
                Vec::new()
            } else {
                parse_incomes(incomes)?
            },
        });
    }
    Ok(())
}

/// Records with their ids, apart (the ids are only needed to order the records).
#[derive(Default)]
struct Records {
    ids: Vec<i64>,
    records: Vec<FeedRecord>,
}

impl Records {
    fn add(&mut self, r: Option<(i64, FeedRecord)>) {
        if let Some((id, r)) = r {
            self.ids.push(id);
            self.records.push(r);
        }
    }
}

/// 户编号 order, and records in upload order, whatever plan the database chose: runs are
/// reproducible. Read table by table, records usually come in that order already (no copy).
fn in_order(
    (mut households, records): (Vec<zhenxing_screening::Household>, Records),
) -> (Vec<zhenxing_screening::Household>, Vec<FeedRecord>) {
    households.sort_by(|a, b| a.household_no.cmp(&b.household_no));
    let Records { ids, records } = records;
    if ids.is_sorted() {
        return (households, records);
    }
    let mut tagged: Vec<(i64, FeedRecord)> = ids.into_iter().zip(records).collect();
    tagged.sort_unstable_by_key(|(id, _)| *id);
    (households, tagged.into_iter().map(|(_, r)| r).collect())
}

/// The medical sums (in key order) of the households' members only: a window read whole holds
/// the persons of the whole registry.
fn in_scope(
    medical: Vec<(u64, i64, u32)>,
    households: &[zhenxing_screening::Household],
) -> Vec<(u64, i64, u32)> {
    let mut keys: Vec<u64> = households
        .iter()
        .flat_map(|h| h.members.iter().map(|m| m.key))
        .collect();
    keys.sort_unstable();
    let mut k = keys.iter().peekable();
    medical
        .into_iter()
        .filter(|(key, _, _)| {
            while k.next_if(|m| *m < key).is_some() {}
            k.peek() == Some(&key)
        })
        .collect()
}

/// A household as the screening cache keeps it (postcard): what `registry_by_table` reads, but
/// who is monitored (cases change that without writing the registry).
#[derive(serde::Serialize, serde::Deserialize)]
struct CachedHousehold {
    id: i64,
    household_no: String,
    village: String,
    kind: HouseholdKind,
    /// Person key, birth (Julian day), labour, disability grade.
    members: Vec<(
        u64,
        i32,
        Option<zhenxing_domain::household::Labour>,
        Option<zhenxing_domain::household::DisabilityGrade>,
    )>,
    /// Year, then wage, business, property and transfer income and business expense in fen.
    incomes: Vec<(i32, [i64; 5])>,
}

impl CachedHousehold {
    fn of(id: i64, h: &zhenxing_screening::Household) -> CachedHousehold {
        CachedHousehold {
            id,
            household_no: h.household_no.clone(),
            village: h.village.clone(),
            kind: h.kind,
            members: h
                .members
                .iter()
                .map(|p| (p.key, p.birth.to_julian_day(), p.labour, p.disability))
                .collect(),
            incomes: h
                .incomes
                .iter()
                .map(|r| {
                    (
                        r.year,
                        [
                            r.wage_income.fen(),
                            r.business_income.fen(),
                            r.property_income.fen(),
                            r.transfer_income.fen(),
                            r.business_expense.fen(),
                        ],
                    )
                })
                .collect(),
        }
    }

    fn into_household(self, with_cases: &HashSet<i64>) -> Result<zhenxing_screening::Household> {
        let members = self
            .members
            .into_iter()
            .map(|(key, birth, labour, disability)| {
                Ok(zhenxing_screening::Person {
                    key,
                    birth: Date::from_julian_day(birth)
                        .map_err(|_| corrupt("birth_date", &birth.to_string()))?,
                    labour,
                    disability,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let y = Yuan::from_fen;
        Ok(zhenxing_screening::Household {
            monitored: self.kind == HouseholdKind::Monitored || with_cases.contains(&self.id),
            household_no: self.household_no,
            village: self.village,
            kind: self.kind,
            members,
            incomes: self
                .incomes
                .into_iter()
                .map(|(year, [w, b, p, t, e])| IncomeRecord {
                    year,
                    wage_income: y(w),
                    business_income: y(b),
                    property_income: y(p),
                    transfer_income: y(t),
                    business_expense: y(e),
                })
                .collect(),
        })
    }
}

/// One record of a snapshot text: `id|kind|date|person_key|code1|code2|amount1…6|number|grade|`
/// then `text1` and `subject` counted. `household` gives the 户编号 of records about a household
/// (housing, disaster, water), asked with `true` for those kinds. A record not `wanted` (of a
/// household outside the scope) is skipped over and not decoded.
fn scan_record(
    c: &mut Scan<'_>,
    wanted: bool,
    household: impl FnOnce(bool) -> Option<String>,
) -> Result<Option<(i64, FeedRecord)>> {
    let id: i64 = {
        let t = c.until('|')?;
        t.parse().map_err(|_| corrupt("record id", t))?
    };
    let mut f = [""; 13];
    for v in &mut f {
        *v = c.until('|')?;
    }
    if !wanted {
        c.counted()?;
        c.counted()?;
        return Ok(None);
    }
    let kind = FeedKind::from_code(f[0]).ok_or_else(|| corrupt("kind", f[0]))?;
    let date = req_ymd(f[1], "record_date")?;
    let mut cols = Cols {
        person_key: opt_int(f[2], "person_key")?,
        code1: opt_text(f[3]),
        code2: opt_text(f[4]),
        ..Cols::default()
    };
    for (a, v) in cols.amounts.iter_mut().zip(&f[5..11]) {
        *a = opt_int(v, "amount")?;
    }
    cols.number = opt_int(f[11], "number")?;
    cols.grade = opt_text(f[12]);
    cols.text1 = c.counted()?.map(str::to_string);
    cols.subject = c.counted()?.map(str::to_string);
    let by_household = matches!(
        kind,
        FeedKind::Housing | FeedKind::Disaster | FeedKind::Water
    );
    Ok(Some((
        id,
        decode(kind, date, cols, household(by_household))?,
    )))
}

/// A cursor over a snapshot chunk's text.
pub(crate) struct Scan<'a> {
    pub(crate) s: &'a str,
}

impl<'a> Scan<'a> {
    /// The text up to `sep`, which is consumed.
    pub(crate) fn until(&mut self, sep: char) -> Result<&'a str> {
        let (head, rest) = self
            .s
            .split_once(sep)
            .ok_or_else(|| corrupt("snapshot", "truncated"))?;
        self.s = rest;
        Ok(head)
    }

    pub(crate) fn expect(&mut self, sep: char) -> Result<()> {
        self.s = self
            .s
            .strip_prefix(sep)
            .ok_or_else(|| corrupt("snapshot", "separator"))?;
        Ok(())
    }

    /// `:` (NULL) or `<characters>:<text>`.
    pub(crate) fn counted(&mut self) -> Result<Option<&'a str>> {
        let n = self.until(':')?;
        if n.is_empty() {
            return Ok(None);
        }
        let n: usize = n.parse().map_err(|_| corrupt("snapshot length", n))?;
        let end = self
            .s
            .char_indices()
            .nth(n)
            .map_or(self.s.len(), |(i, _)| i);
        let (text, rest) = self.s.split_at(end);
        if text.chars().count() != n {
            return Err(corrupt("snapshot", "short text"));
        }
        self.s = rest;
        Ok(Some(text))
    }
}

/// `position,id_base,birth_date,labour,disability_grade;…`, into position order.
fn parse_members(text: &str) -> Result<Vec<zhenxing_screening::Person>> {
    let mut members = text
        .split(';')
        .map(|m| {
            let mut f = m.split(',');
            let mut next = || f.next().unwrap_or("");
            let position = next();
            let position: i64 = position
                .parse()
                .map_err(|_| corrupt("position", position))?;
            let base = next();
            Ok((
                position,
                zhenxing_screening::Person {
                    key: id_key(base).ok_or_else(|| corrupt("id_base", "invalid"))?,
                    birth: req_ymd(next(), "birth_date")?,
                    labour: opt_code(next(), "labour")?,
                    disability: opt_code(next(), "disability_grade")?,
                },
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    if !members.is_sorted_by_key(|(p, _)| *p) {
        members.sort_by_key(|(p, _)| *p);
    }
    Ok(members.into_iter().map(|(_, m)| m).collect())
}

fn opt_code<T: CodeEnum>(s: &str, col: &str) -> Result<Option<T>> {
    if s.is_empty() {
        return Ok(None);
    }
    T::from_code(s).map(Some).ok_or_else(|| corrupt(col, s))
}

/// `year,wage,business,property,transfer,expense;…` (fen), into year order.
fn parse_incomes(text: &str) -> Result<Vec<IncomeRecord>> {
    let mut incomes = text
        .split(';')
        .map(|i| {
            let mut f = i.split(',');
            let mut next = |col: &str| -> Result<i64> {
                let v = f.next().unwrap_or("");
                v.parse().map_err(|_| corrupt(col, v))
            };
            Ok(IncomeRecord {
                year: i32::try_from(next("year")?).map_err(|_| corrupt("year", "range"))?,
                wage_income: Yuan::from_fen(next("wage_income")?),
                business_income: Yuan::from_fen(next("business_income")?),
                property_income: Yuan::from_fen(next("property_income")?),
                transfer_income: Yuan::from_fen(next("transfer_income")?),
                business_expense: Yuan::from_fen(next("business_expense")?),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    incomes.sort_by_key(|r| r.year);
    Ok(incomes)
}

/// A new warning of a run, or evidence for an open one.
struct Pending {
    household_id: i64,
    village_code: String,
    rule_id: String,
    risk_type: &'static str,
    status: WarningStatus,
    /// Newest first, `\n`-separated.
    lines: Vec<String>,
}

impl SqlStore {
    // --- feeds ---

    pub(crate) async fn feed_upload_impl(
        &self,
        actor: &Actor,
        upload: &FeedUpload,
        records: &[(usize, FeedRecord)],
    ) -> Result<UploadOutcome> {
        if let Some((row, _)) = records.iter().find(|(_, r)| r.kind() != upload.kind) {
            return Err(StoreError::Invalid(format!(
                "第 {row} 行不是“{}”记录",
                upload.kind.label()
            )));
        }
        let mut tx = self.begin_write().await?;
        if let Some(earlier) = duplicate_outcome(&mut tx, upload).await? {
            return Ok(earlier);
        }

        let encoded: Vec<Cols> = records.iter().map(|(_, r)| encode(r)).collect();
        let mut keys: Vec<i64> = encoded.iter().filter_map(|c| c.person_key).collect();
        keys.sort_unstable();
        keys.dedup();
        let numbers: Vec<&str> = encoded
            .iter()
            .filter_map(|c| c.household_no.as_deref())
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();

        // Each lookup is one statement with its list as one JSON parameter and one text back (an
        // IN list of placeholders and a row per match cost ~25 µs a value through sqlx).
        let mut by_person: HashMap<i64, i64> = HashMap::with_capacity(keys.len());
        if !keys.is_empty() {
            let mut q = Query::new(
                self.backend,
                "SELECT string_agg(m.id_base || ',' || CAST(m.household_id AS TEXT), ';') \
                 FROM members m JOIN households h ON h.id = m.household_id",
            );
            push_scope(&mut q, "h.village_code", &actor.scope);
            let bases: Vec<String> = keys
                .iter()
                .map(|k| id_text(u64::try_from(*k).unwrap_or(0)))
                .collect();
            let list = q.arg(Arg::Text(json_list(&bases)?));
            let sub = self.backend.json_texts(&list);
            q.sql.push_str(&format!(" AND m.id_base IN ({sub})"));
            let text = self.one_text_in(&mut tx, q).await?;
            for row in text.as_deref().unwrap_or("").split(';') {
                let Some((base, household)) = row.split_once(',') else {
                    continue;
                };
                let household: i64 = household
                    .parse()
                    .map_err(|_| corrupt("household_id", household))?;
                if let Some(k) = id_key(base).and_then(|k| i64::try_from(k).ok()) {
                    by_person.insert(k, household);
                }
            }
        }
        let mut by_number: HashMap<String, i64> = HashMap::with_capacity(numbers.len());
        if !numbers.is_empty() {
            let mut q = Query::new(
                self.backend,
                "SELECT string_agg(format('%s,%s:%s', h.id, LENGTH(h.household_no), h.household_no), ';') \
                 FROM households h",
            );
            push_scope(&mut q, "h.village_code", &actor.scope);
            let list = q.arg(Arg::Text(json_list(&numbers)?));
            let sub = self.backend.json_texts(&list);
            q.sql.push_str(&format!(" AND h.household_no IN ({sub})"));
            let text = self.one_text_in(&mut tx, q).await?;
            let mut c = Scan {
                s: text.as_deref().unwrap_or(""),
            };
            while !c.s.is_empty() {
                let id = c.until(',')?;
                let id: i64 = id.parse().map_err(|_| corrupt("id", id))?;
                let no = c.counted()?.unwrap_or_default().to_string();
                if !c.s.is_empty() {
                    c.expect(';')?;
                }
                by_number.insert(no, id);
            }
        }

        let matches: Vec<Option<i64>> = encoded
            .iter()
            .map(|c| match (&c.household_no, c.person_key) {
                (Some(no), _) => by_number.get(no).copied(),
                (None, Some(k)) => by_person.get(&k).copied(),
                (None, None) => None,
            })
            .collect();
        let unmatched: Vec<UnmatchedRecord> = records
            .iter()
            .zip(&encoded)
            .zip(&matches)
            .filter(|(_, m)| m.is_none())
            .map(|(((row, _), c), _)| UnmatchedRecord {
                row: *row,
                subject: unmatched_subject(c),
            })
            .collect();
        let matched = (records.len() - unmatched.len()) as u64;

        let now = now_text();
        let inserted = sqlx::query(
            "INSERT INTO feed_uploads (kind, period, file_name, content_hash, scope_code, rows_total, rows_matched, rows_unmatched, rows_malformed, \
             uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
             ON CONFLICT (kind, period, content_hash) DO NOTHING RETURNING id",
        )
        .bind(upload.kind.code())
        .bind(upload.period.to_string())
        .bind(upload.file_name.clone())
        .bind(upload.content_hash.clone())
        .bind(actor.scope.as_str().to_string())
        .bind(i64::try_from(upload.rows_total).unwrap_or(i64::MAX))
        .bind(i64::try_from(matched).unwrap_or(i64::MAX))
        .bind(unmatched.len() as i64)
        .bind(i64::try_from(upload.rows_malformed).unwrap_or(i64::MAX))
        .bind(actor.username.clone())
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(inserted) = inserted else {
            // The same file went in concurrently: it is that upload now.
            drop(tx);
            let mut tx = self.pool.begin().await?;
            return duplicate_outcome(&mut tx, upload)
                .await?
                .ok_or_else(|| StoreError::Conflict("同一文件正在上传，请稍后查看".into()));
        };
        let upload_id: i64 = inserted.try_get(0)?;

        let kind = upload.kind.code();
        let rows: Vec<usize> = (0..records.len()).collect();
        for batch in rows.chunks(self.backend.max_params() / RECORD_WIDTH) {
            let mut q = Query::new(
                self.backend,
                "INSERT INTO feed_records (upload_id, row_no, kind, record_date, household_id, person_key, household_no, subject, code1, code2, \
                 amount1, amount2, amount3, amount4, amount5, amount6, number, text1, grade) VALUES ",
            );
            for &i in batch {
                let (row, record) = &records[i];
                let c = &encoded[i];
                let [a1, a2, a3, a4, a5, a6] = c.amounts;
                q.push_row([
                    Arg::Int(upload_id),
                    Arg::Int(i64::try_from(*row).unwrap_or(i64::MAX)),
                    Arg::Text(kind.to_string()),
                    Arg::Text(date_text(record.date())),
                    Arg::OptInt(matches[i]),
                    Arg::OptInt(c.person_key),
                    Arg::OptText(c.household_no.clone()),
                    Arg::OptText(c.subject.clone()),
                    Arg::OptText(c.code1.clone()),
                    Arg::OptText(c.code2.clone()),
                    Arg::OptInt(a1),
                    Arg::OptInt(a2),
                    Arg::OptInt(a3),
                    Arg::OptInt(a4),
                    Arg::OptInt(a5),
                    Arg::OptInt(a6),
                    Arg::OptInt(c.number),
                    Arg::OptText(c.text1.clone()),
                    Arg::OptText(c.grade.clone()),
                ]);
            }
            q.build().execute(&mut *tx).await?;
        }
        if upload.kind == FeedKind::Medical {
            self.medical_windows_add(&mut tx, upload_id).await?;
        }
        audit_insert(
            &mut tx,
            actor,
            "upload",
            "feed_upload",
            &upload_id.to_string(),
            None,
            None,
            Some(upload_view(upload, matched, unmatched.len() as u64)),
        )
        .await?;
        tx.commit().await?;
        Ok(UploadOutcome {
            upload_id,
            duplicate: false,
            matched,
            unmatched,
        })
    }

    pub(crate) async fn feed_uploads_impl(
        &self,
        actor: &Actor,
        page: PageRequest,
    ) -> Result<Page<FeedUploadRow>> {
        let mut count = Query::new(self.backend, "SELECT COUNT(*) FROM feed_uploads u");
        push_concerning(&mut count, "u.scope_code", &actor.scope);
        let mut q = Query::new(
            self.backend,
            "SELECT u.id, u.kind, u.period, u.file_name, u.rows_total, u.rows_matched, u.rows_unmatched, u.rows_malformed, u.uploaded_by, \
             u.uploaded_at FROM feed_uploads u",
        );
        push_concerning(&mut q, "u.scope_code", &actor.scope);
        q.sql.push_str(" ORDER BY u.id DESC");
        fetch_page(&self.pool, count, q, page, upload_from_row).await
    }

    // --- the snapshot of an integrated run ---

    pub(crate) async fn screening_cache_warm_impl(&self, actor: &Actor) -> Result<bool> {
        // Checked first: `serve` asks every minute, and the cache is usually current.
        if self.cache_version().await?.is_some() {
            return Ok(false);
        }
        let ids = self.scope_ids(&actor.scope).await?;
        if ids.is_empty() || ids.len() as i64 != self.household_count().await? {
            return Ok(false);
        }
        self.registry_cached(&actor.scope, Some(&ids)).await?;
        Ok(true)
    }

    /// The scope's household ids, in order.
    async fn scope_ids(&self, scope: &DivisionCode) -> Result<Vec<i64>> {
        let mut q = Query::new(
            self.backend,
            "SELECT string_agg(CAST(h.id AS TEXT), ',') FROM households h",
        );
        push_scope(&mut q, "h.village_code", scope);
        let ids: Option<String> = q.build().fetch_one(&self.pool).await?.try_get(0)?;
        let mut ids = ids
            .as_deref()
            .unwrap_or("")
            .split(',')
            .filter(|t| !t.is_empty())
            .map(|t| t.parse::<i64>().map_err(|_| corrupt("id", t)))
            .collect::<Result<Vec<i64>>>()?;
        ids.sort_unstable();
        Ok(ids)
    }

    async fn household_count(&self) -> Result<i64> {
        Ok(sqlx::query("SELECT COUNT(*) FROM households")
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?)
    }

    /// The registry's version if the screening cache was written at it (`None`: stale or empty).
    async fn cache_version(&self) -> Result<Option<i64>> {
        Ok(sqlx::query(
            "SELECT c.version FROM screening_cache c JOIN registry_version v ON v.id = 1 \
             WHERE c.id = 1 AND c.version = v.version",
        )
        .fetch_optional(&self.pool)
        .await?
        .map(|r| r.try_get(0))
        .transpose()?)
    }

    pub(crate) async fn screening_snapshot_impl(
        &self,
        actor: &Actor,
        period: Period,
    ) -> Result<ScreeningSnapshot> {
        let total = self.household_count().await?;
        let mut count = Query::new(self.backend, "SELECT COUNT(*) FROM households h");
        push_scope(&mut count, "h.village_code", &actor.scope);
        let scoped: i64 = count.build().fetch_one(&self.pool).await?.try_get(0)?;
        let by_table = scoped * 4 >= total;
        let whole = scoped == total && total > 0;
        // The ids are needed to read the tables (and by the debug check), not the cache.
        let ids = if whole && !cfg!(debug_assertions) {
            Vec::new()
        } else {
            self.scope_ids(&actor.scope).await?
        };
        // The registry and records, and the medical sums, side by side (on SQLite each query runs
        // on its connection's own thread).
        let registry = async {
            let snapshot = if by_table {
                self.snapshot_by_table(&actor.scope, period, &ids, whole)
                    .await?
            } else {
                self.snapshot_by_household(&actor.scope, period, &ids)
                    .await?
            };
            Ok::<_, StoreError>(in_order(snapshot))
        };
        let ((households, records), medical) =
            futures_util::future::try_join(registry, self.medical_window(period)).await?;
        let medical = in_scope(medical, &households);
        // Both ways read the same snapshot: debug builds (the tests) check it on every call.
        #[cfg(debug_assertions)]
        {
            let other = if by_table {
                self.snapshot_by_household(&actor.scope, period, &ids)
                    .await?
            } else {
                self.snapshot_by_table(&actor.scope, period, &ids, false)
                    .await?
            };
            assert!(
                in_order(other) == (households.clone(), records.clone()),
                "the snapshot's two ways differ"
            );
            let other = in_scope(self.medical_window_from_records(period).await?, &households);
            assert!(
                other == medical,
                "the medical windows differ from the records: {other:?} vs {medical:?}"
            );
        }
        Ok(ScreeningSnapshot {
            households,
            records,
            medical,
        })
    }

    /// The 12-month medical sums of the window ending with `period`, per person, in key order
    /// (migration 0009).
    async fn medical_window(&self, period: Period) -> Result<Vec<MedicalSum>> {
        let text: Option<String> =
            sqlx::query("SELECT data FROM medical_windows WHERE period = $1")
                .bind(window_number(period))
                .fetch_optional(&self.pool)
                .await?
                .map(|r| r.try_get(0))
                .transpose()?;
        parse_sums(text.as_deref().unwrap_or(""))
    }

    /// The same sums added up from the records themselves (what the windows must equal; debug
    /// builds check every run against it).
    #[cfg(debug_assertions)]
    async fn medical_window_from_records(&self, period: Period) -> Result<Vec<MedicalSum>> {
        let text: Option<String> = sqlx::query(
            "SELECT string_agg(CAST(x.person_key AS TEXT) || ',' || CAST(x.s AS TEXT) || ',' || CAST(x.n AS TEXT), ';') \
             FROM (SELECT r.person_key, SUM(COALESCE(r.amount6, 0)) AS s, COUNT(*) AS n FROM feed_records r \
               WHERE r.kind = 'medical' AND r.household_id IS NOT NULL AND r.person_key IS NOT NULL \
               AND r.record_date >= $1 AND r.record_date < $2 GROUP BY r.person_key) AS x",
        )
        .bind(month_start(period.minus(11)))
        .bind(month_start(period.minus(-1)))
        .fetch_one(&self.pool)
        .await?
        .try_get(0)?;
        let mut sums = parse_sums(text.as_deref().unwrap_or(""))?;
        sums.sort_unstable_by_key(|r| r.0);
        Ok(sums)
    }

    /// Adds the medical settlements of upload `upload_id` (matched, with a person) to the twelve
    /// windows each one's month falls in, in the upload's transaction. The windows' rows are
    /// locked before they are read (PostgreSQL: `FOR UPDATE`; SQLite: the transaction already
    /// writes), so two uploads cannot lose each other's sums.
    async fn medical_windows_add(
        &self,
        tx: &mut Transaction<'_, Any>,
        upload_id: i64,
    ) -> Result<()> {
        let months = sqlx::query(
            "SELECT x.m, string_agg(CAST(x.person_key AS TEXT) || ',' || CAST(x.s AS TEXT) || ',' || CAST(x.n AS TEXT), ';') \
             FROM (SELECT CAST(substr(r.record_date, 1, 4) AS BIGINT) * 12 + CAST(substr(r.record_date, 6, 2) AS BIGINT) - 1 AS m, \
               r.person_key, SUM(COALESCE(r.amount6, 0)) AS s, COUNT(*) AS n FROM feed_records r \
               WHERE r.upload_id = $1 AND r.kind = 'medical' AND r.household_id IS NOT NULL AND r.person_key IS NOT NULL \
               GROUP BY 1, 2) AS x GROUP BY x.m ORDER BY x.m",
        )
        .bind(upload_id)
        .fetch_all(&mut **tx)
        .await?;
        let mut deltas: Vec<(i64, Vec<MedicalSum>)> = Vec::with_capacity(months.len());
        for row in &months {
            let month: i64 = row.try_get(0)?;
            let text: Option<String> = row.try_get(1)?;
            let mut sums = parse_sums(text.as_deref().unwrap_or(""))?;
            sums.sort_unstable_by_key(|r| r.0);
            deltas.push((month, sums));
        }
        let windows: std::collections::BTreeSet<i64> = deltas
            .iter()
            .flat_map(|(m, _)| (0..12).map(move |k| m + k))
            .collect();
        let lock = match self.backend {
            Backend::Postgres => " FOR UPDATE",
            Backend::Sqlite => "",
        };
        for w in windows {
            sqlx::query(
                "INSERT INTO medical_windows (period, persons, data) VALUES ($1, 0, '') ON CONFLICT (period) DO NOTHING",
            )
            .bind(w)
            .execute(&mut **tx)
            .await?;
            let text: String = sqlx::query(&format!(
                "SELECT data FROM medical_windows WHERE period = $1{lock}"
            ))
            .bind(w)
            .fetch_one(&mut **tx)
            .await?
            .try_get(0)?;
            let mut sums = parse_sums(&text)?;
            for (_, add) in deltas.iter().filter(|(m, _)| *m <= w && w < m + 12) {
                sums = merge_sums(&sums, add);
            }
            sqlx::query("UPDATE medical_windows SET persons = $1, data = $2 WHERE period = $3")
                .bind(i64::try_from(sums.len()).unwrap_or(i64::MAX))
                .bind(sums_text(&sums))
                .bind(w)
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }

    /// A scope that is a small part of the registry (a village of a district): its households in
    /// chunks, each with its members, income years and records by index.
    async fn snapshot_by_household(
        &self,
        scope: &DivisionCode,
        period: Period,
        ids: &[i64],
    ) -> Result<(Vec<zhenxing_screening::Household>, Records)> {
        let mut households = Vec::with_capacity(ids.len());
        let mut records = Records::default();
        for chunk in ids.chunks(SNAPSHOT_CHUNK) {
            let (Some(first), Some(last)) = (chunk.first(), chunk.last()) else {
                continue;
            };
            let text = self.snapshot_chunk(scope, period, *first, *last).await?;
            parse_snapshot(text.as_deref().unwrap_or(""), &mut households, &mut records)?;
        }
        Ok((households, records))
    }

    /// A scope that is most of the registry (a township, a district): each table read in id
    /// ranges, in order, without a lookup per row (a lookup per member and per record cost 3 µs on
    /// SQLite: 13 s for a district). Two ranges are in flight at a time, so the database reads one
    /// while the other is parsed. Rows of households outside the scope are dropped here.
    /// With `whole` (the scope holds every household of the registry) the households come from
    /// the screening cache while the registry's version is unchanged ([`Self::registry_cached`]).
    async fn snapshot_by_table(
        &self,
        scope: &DivisionCode,
        period: Period,
        ids: &[i64],
        whole: bool,
    ) -> Result<(Vec<zhenxing_screening::Household>, Records)> {
        // The period's records are read while the registry is (decoded).
        let registry = async {
            if whole {
                self.registry_cached(scope, (!ids.is_empty()).then_some(ids))
                    .await
            } else {
                self.registry_by_table(scope, ids).await
            }
        };
        let ((households, index), text) =
            futures_util::future::try_join(registry, self.period_records_text(period)).await?;
        let records = parse_period_records(text.as_deref().unwrap_or(""), &households, &index)?;
        Ok((households, records))
    }

    /// The whole registry's households, members and income years from the screening cache
    /// (migration 0008) when it was written at the registry's current version; otherwise from the
    /// tables, writing the cache for the next run. Who is monitored is read fresh every time (a
    /// case changes it without writing the registry).
    ///
    /// A district's registry costs ~2 s to read table by table on SQLite (1.3 M rows as text);
    /// its cache, one value of ~20 MB, decodes in a tenth of that.
    async fn registry_cached(
        &self,
        scope: &DivisionCode,
        ids: Option<&[i64]>,
    ) -> Result<(Vec<zhenxing_screening::Household>, HashMap<i64, usize>)> {
        let version: i64 = sqlx::query("SELECT version FROM registry_version WHERE id = 1")
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?;
        let row = sqlx::query("SELECT version, data FROM screening_cache WHERE id = 1")
            .fetch_optional(&self.pool)
            .await?;
        if let Some(row) = row
            && row.try_get::<i64, _>(0)? == version
        {
            let data: Vec<u8> = row.try_get(1)?;
            match postcard::from_bytes::<Vec<CachedHousehold>>(&data) {
                Ok(cached) => {
                    drop(data);
                    let monitored = self.households_with_cases().await?;
                    let mut index = HashMap::with_capacity(cached.len());
                    let households = cached
                        .into_iter()
                        .enumerate()
                        .map(|(i, c)| {
                            index.insert(c.id, i);
                            c.into_household(&monitored)
                        })
                        .collect::<Result<Vec<_>>>()?;
                    return Ok((households, index));
                }
                Err(e) => {
                    tracing::warn!(error = %e, "screening cache unreadable; reading the tables")
                }
            }
        }
        let ids = match ids {
            Some(ids) => ids.to_vec(),
            None => self.scope_ids(scope).await?,
        };
        let (households, index) = self.registry_by_table(scope, &ids).await?;
        let mut by_position = vec![0_i64; households.len()];
        for (id, i) in &index {
            if let Some(slot) = by_position.get_mut(*i) {
                *slot = *id;
            }
        }
        let cached: Vec<CachedHousehold> = households
            .iter()
            .zip(&by_position)
            .map(|(h, id)| CachedHousehold::of(*id, h))
            .collect();
        // The cache is an optimisation: failing to write it costs the next run time, not data.
        match postcard::to_allocvec(&cached) {
            Ok(data) => {
                let written = sqlx::query(
                    "INSERT INTO screening_cache (id, version, data) VALUES (1, $1, $2) \
                     ON CONFLICT (id) DO UPDATE SET version = excluded.version, data = excluded.data",
                )
                .bind(version)
                .bind(data)
                .execute(&self.pool)
                .await;
                if let Err(e) = written {
                    tracing::warn!(error = %e, "screening cache not written");
                }
            }
            Err(e) => tracing::warn!(error = %e, "screening cache not encoded"),
        }
        Ok((households, index))
    }

    /// Households with an identification case that is open or approved (monitored by
    /// SCREENING.md whatever their kind).
    async fn households_with_cases(&self) -> Result<HashSet<i64>> {
        let text: Option<String> = sqlx::query(
            "SELECT string_agg(CAST(c.household_id AS TEXT), ',') FROM cases c \
             WHERE c.kind = 'identification' AND (c.is_open = 1 OR c.state = 'approved')",
        )
        .fetch_one(&self.pool)
        .await?
        .try_get(0)?;
        text.as_deref()
            .unwrap_or("")
            .split(',')
            .filter(|t| !t.is_empty())
            .map(|t| t.parse::<i64>().map_err(|_| corrupt("household_id", t)))
            .collect()
    }

    /// The households `ids` of the scope with their members and income years, read table by
    /// table; and where each household's id is in the list.
    async fn registry_by_table(
        &self,
        scope: &DivisionCode,
        ids: &[i64],
    ) -> Result<(Vec<zhenxing_screening::Household>, HashMap<i64, usize>)> {
        use futures_util::StreamExt;
        // Households.
        let chunks: Vec<(i64, i64)> = ids
            .chunks(TABLE_CHUNK)
            .filter_map(|c| Some((*c.first()?, *c.last()?)))
            .collect();
        let mut households: Vec<zhenxing_screening::Household> = Vec::with_capacity(ids.len());
        let mut index: HashMap<i64, usize> = HashMap::with_capacity(ids.len());
        let mut texts = futures_util::stream::iter(chunks)
            .map(|(a, b)| {
                let mut q = Query::new(
                    self.backend,
                    &format!(
                        "SELECT string_agg(format('%s|%s|%s|%s:%s%s:%s', h.id, h.kind, {MONITORED_SQL}, \
                         LENGTH(h.household_no), h.household_no, LENGTH(d.name), d.name), '#') \
                         FROM households h JOIN divisions d ON d.code = h.village_code"
                    ),
                );
                push_scope(&mut q, "h.village_code", scope);
                let (pa, pb) = (q.arg(Arg::Int(a)), q.arg(Arg::Int(b)));
                q.sql.push_str(&format!(" AND h.id >= {pa} AND h.id <= {pb}"));
                self.one_text(q)
            })
            .buffered(2);
        while let Some(text) = texts.next().await {
            let text = text?;
            let mut c = Scan {
                s: text.as_deref().unwrap_or(""),
            };
            while !c.s.is_empty() {
                let id = c.until('|')?;
                let id: i64 = id.parse().map_err(|_| corrupt("id", id))?;
                let kind = c.until('|')?;
                let kind = HouseholdKind::from_code(kind).ok_or_else(|| corrupt("kind", kind))?;
                let monitored = c.until('|')? != "0";
                let household_no = c.counted()?.unwrap_or_default().to_string();
                let village = c.counted()?.unwrap_or_default().to_string();
                if !c.s.is_empty() {
                    c.expect('#')?;
                }
                index.insert(id, households.len());
                households.push(zhenxing_screening::Household {
                    household_no,
                    village,
                    kind,
                    monitored,
                    members: Vec::new(),
                    incomes: Vec::new(),
                });
            }
        }
        drop(texts);
        // Members, in position order per household.
        let mut members: Vec<(usize, i64, zhenxing_screening::Person)> = Vec::new();
        let member_sql = "SELECT string_agg(format('%s,%s,%s,%s,%s,%s', m.household_id, m.position, m.id_base, \
             m.birth_date, m.labour, m.disability_grade), ';') FROM members m";
        let mut texts = self.table_texts("members", "m", member_sql, "").await?;
        while let Some(text) = texts.next().await {
            for m in text?
                .as_deref()
                .unwrap_or("")
                .split(';')
                .filter(|m| !m.is_empty())
            {
                let mut f = m.split(',');
                let mut next = || f.next().unwrap_or("");
                let hid = next();
                let Some(&h) = hid.parse::<i64>().ok().and_then(|i| index.get(&i)) else {
                    continue;
                };
                let position = next();
                let position: i64 = position
                    .parse()
                    .map_err(|_| corrupt("position", position))?;
                members.push((
                    h,
                    position,
                    zhenxing_screening::Person {
                        key: id_key(next()).ok_or_else(|| corrupt("id_base", "invalid"))?,
                        birth: req_ymd(next(), "birth_date")?,
                        labour: opt_code(next(), "labour")?,
                        disability: opt_code(next(), "disability_grade")?,
                    },
                ));
            }
        }
        drop(texts);
        members.sort_by_key(|(h, position, _)| (*h, *position));
        for (h, _, p) in members {
            households[h].members.push(p);
        }
        // Income years, in year order per household.
        let income_sql = "SELECT string_agg(format('%s,%s,%s,%s,%s,%s,%s', i.household_id, i.year, i.wage_income, \
             i.business_income, i.property_income, i.transfer_income, i.business_expense), ';') FROM incomes i";
        let mut texts = self.table_texts("incomes", "i", income_sql, "").await?;
        while let Some(text) = texts.next().await {
            for line in text?
                .as_deref()
                .unwrap_or("")
                .split(';')
                .filter(|m| !m.is_empty())
            {
                let Some((hid, rest)) = line.split_once(',') else {
                    return Err(corrupt("income", line));
                };
                let Some(&h) = hid.parse::<i64>().ok().and_then(|i| index.get(&i)) else {
                    continue;
                };
                households[h].incomes.extend(parse_incomes(rest)?);
            }
        }
        drop(texts);
        for h in &mut households {
            if !h.incomes.is_sorted_by_key(|r| r.year) {
                h.incomes.sort_by_key(|r| r.year);
            }
        }
        Ok((households, index))
    }

    /// The matched records dated in `period` ([`period_records_filter`]), in one aggregate
    /// through the date index (a month is a small part of the table); see
    /// [`parse_period_records`].
    async fn period_records_text(&self, period: Period) -> Result<Option<String>> {
        let mut q = Query::new(
            self.backend,
            "SELECT string_agg(format('%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s:%s%s:%s', r.household_id, r.id, r.kind, \
             r.record_date, r.person_key, r.code1, r.code2, r.amount1, r.amount2, r.amount3, r.amount4, r.amount5, r.amount6, \
             r.number, r.grade, LENGTH(r.text1), r.text1, LENGTH(r.subject), r.subject), ';') FROM feed_records r",
        );
        let lo = q.arg(Arg::Text(month_start(period)));
        let hi = q.arg(Arg::Text(month_start(period.minus(-1))));
        q.sql.push_str(&format!(
            " WHERE r.household_id IS NOT NULL AND {}",
            period_records_filter(&lo, &hi)
        ));
        self.one_text(q).await
    }

    /// One aggregate text, inside a transaction.
    async fn one_text_in(&self, tx: &mut Transaction<'_, Any>, q: Query) -> Result<Option<String>> {
        Ok(q.build().fetch_one(&mut **tx).await?.try_get(0)?)
    }

    /// One aggregate text.
    async fn one_text(&self, q: Query) -> Result<Option<String>> {
        Ok(q.build().fetch_one(&self.pool).await?.try_get(0)?)
    }

    /// `select` (an aggregate over `table` aliased `alias`) for each id range of the table, two in
    /// flight at a time, in order; `filter` is appended to each range's condition.
    async fn table_texts<'s>(
        &'s self,
        table: &str,
        alias: &str,
        select: &str,
        filter: &str,
    ) -> Result<impl futures_util::Stream<Item = Result<Option<String>>> + 's> {
        use futures_util::StreamExt;
        let row = sqlx::query(&format!("SELECT MIN(id), MAX(id) FROM {table}"))
            .fetch_one(&self.pool)
            .await?;
        let (lo, hi): (Option<i64>, Option<i64>) = (row.try_get(0)?, row.try_get(1)?);
        let ranges: Vec<(i64, i64)> = match (lo, hi) {
            (Some(lo), Some(hi)) => (lo..=hi)
                .step_by(ID_RANGE)
                .map(|a| (a, a.saturating_add(ID_RANGE as i64)))
                .collect(),
            _ => Vec::new(),
        };
        let (select, alias, filter) = (select.to_string(), alias.to_string(), filter.to_string());
        Ok(futures_util::stream::iter(ranges)
            .map(move |(a, b)| {
                let mut q = Query::new(self.backend, &select);
                let (pa, pb) = (q.arg(Arg::Int(a)), q.arg(Arg::Int(b)));
                q.sql.push_str(&format!(
                    " WHERE {alias}.id >= {pa} AND {alias}.id < {pb}{filter}"
                ));
                self.one_text(q)
            })
            .buffered(2))
    }

    /// The households with ids `first..=last` of the scope, with their members, income years and
    /// the records dated in `period` (see [`period_records_filter`]), as one text (see
    /// [`parse_snapshot`]).
    ///
    /// sqlx's `Any` rows cost per row and per column (on SQLite every row also crosses from the
    /// database's worker thread): a row per record took 22 s for a district of a million people
    /// (3.5 million records), a row per household still seconds. So the whole chunk comes as one
    /// aggregate, its free texts length-prefixed so that nothing in them can break the format.
    async fn snapshot_chunk(
        &self,
        scope: &DivisionCode,
        period: Period,
        first: i64,
        last: i64,
    ) -> Result<Option<String>> {
        let mut q = Query::new(self.backend, "");
        let lo = q.arg(Arg::Text(month_start(period)));
        let hi = q.arg(Arg::Text(month_start(period.minus(-1))));
        let filter = period_records_filter(&lo, &hi);
        q.sql = format!(
            "SELECT string_agg(format('%s|%s|%s|%s:%s%s:%s|%s|%s|%s', h.id, h.kind, {MONITORED_SQL}, \
               LENGTH(h.household_no), h.household_no, LENGTH(d.name), d.name, \
               (SELECT string_agg(format('%s,%s,%s,%s,%s', m.position, m.id_base, m.birth_date, m.labour, m.disability_grade), ';') \
                  FROM members m WHERE m.household_id = h.id), \
               (SELECT string_agg(format('%s,%s,%s,%s,%s,%s', i.year, i.wage_income, i.business_income, i.property_income, \
                  i.transfer_income, i.business_expense), ';') FROM incomes i WHERE i.household_id = h.id), \
               (SELECT string_agg({CHUNK_RECORD}, ';') FROM feed_records r \
                  WHERE r.household_id = h.id AND {filter})), '#') \
             FROM households h JOIN divisions d ON d.code = h.village_code"
        );
        push_scope(&mut q, "h.village_code", scope);
        let a = q.arg(Arg::Int(first));
        let b = q.arg(Arg::Int(last));
        q.sql.push_str(&format!(" AND h.id >= {a} AND h.id <= {b}"));
        Ok(q.build().fetch_one(&self.pool).await?.try_get(0)?)
    }

    // --- rules ---

    /// Inserts the shipped rules that the table does not hold (never touching edited ones).
    pub(crate) async fn rules_seed(&self) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let now = now_text();
        for r in default_rules() {
            sqlx::query(
                "INSERT INTO screening_rules (id, name, risk_type, expression, enabled, is_default, region, year, version, updated_by, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, 1, '', $6, 1, 'system', $7) ON CONFLICT (id) DO NOTHING",
            )
            .bind(r.id)
            .bind(r.name)
            .bind(r.risk_type.code())
            .bind(r.expression)
            .bind(i64::from(r.enabled))
            .bind(i64::from(TRANSITION_START_YEAR))
            .bind(now.clone())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn screening_rules_impl(&self) -> Result<Vec<StoredRule>> {
        sqlx::query(&format!("{RULE_SELECT} ORDER BY id"))
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(rule_from_row)
            .collect()
    }

    pub(crate) async fn screening_rule_save_impl(
        &self,
        actor: &Actor,
        rule: &RuleDef,
        expected_version: Option<i64>,
    ) -> Result<()> {
        let id = rule.id.trim();
        if id.is_empty()
            || !id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            return Err(StoreError::Invalid(
                "规则编号只能由小写字母、数字和下划线组成".into(),
            ));
        }
        if rule.name.trim().is_empty() {
            return Err(StoreError::Invalid("请填写规则名称".into()));
        }
        if rule.expression.trim().is_empty() {
            return Err(StoreError::Invalid("请填写规则表达式".into()));
        }
        let mut tx = self.begin_write().await?;
        let current = sqlx::query(&format!("{RULE_SELECT} WHERE id = $1"))
            .bind(id.to_string())
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| rule_from_row(&r))
            .transpose()?;
        let now = now_text();
        match (expected_version, current) {
            (None, Some(_)) => {
                return Err(StoreError::Conflict(format!(
                    "规则编号 {id} 已存在，请换一个编号"
                )));
            }
            (None, None) => {
                let inserted = sqlx::query(
                    "INSERT INTO screening_rules (id, name, risk_type, expression, enabled, is_default, region, year, version, updated_by, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, 0, '', $6, 1, $7, $8)",
                )
                .bind(id.to_string())
                .bind(rule.name.trim().to_string())
                .bind(rule.risk_type.code())
                .bind(rule.expression.trim().to_string())
                .bind(i64::from(rule.enabled))
                .bind(i64::from(TRANSITION_START_YEAR))
                .bind(actor.username.clone())
                .bind(now)
                .execute(&mut *tx)
                .await;
                match inserted {
                    Ok(_) => {}
                    Err(e) if is_unique_violation(&e) => {
                        return Err(StoreError::Conflict(format!(
                            "规则编号 {id} 已存在，请换一个编号"
                        )));
                    }
                    Err(e) => return Err(e.into()),
                }
                let mut after = rule_view(rule);
                after.insert("rule_id".into(), json!(id));
                audit_insert(
                    &mut tx,
                    actor,
                    "create",
                    "rule",
                    id,
                    None,
                    None,
                    Some(Value::Object(after)),
                )
                .await?;
            }
            (Some(_), None) => return Err(StoreError::NotFound),
            (Some(expected), Some(current)) => {
                if current.version != expected {
                    return Err(StoreError::Conflict(STALE_RULE.into()));
                }
                let mut next = rule.clone();
                next.name = next.name.trim().to_string();
                next.expression = next.expression.trim().to_string();
                let Some((before, after)) = diff(&rule_view(&current.def), &rule_view(&next))
                else {
                    return Ok(());
                };
                let done = sqlx::query(
                    "UPDATE screening_rules SET name = $1, risk_type = $2, expression = $3, enabled = $4, version = version + 1, \
                     updated_by = $5, updated_at = $6 WHERE id = $7 AND version = $8",
                )
                .bind(next.name.clone())
                .bind(next.risk_type.code())
                .bind(next.expression.clone())
                .bind(i64::from(next.enabled))
                .bind(actor.username.clone())
                .bind(now)
                .bind(id.to_string())
                .bind(expected)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::Conflict(STALE_RULE.into()));
                }
                audit_insert(
                    &mut tx,
                    actor,
                    "update",
                    "rule",
                    id,
                    None,
                    Some(before),
                    Some(after),
                )
                .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    // --- runs and warnings ---

    pub(crate) async fn screening_run_record_impl(
        &self,
        actor: &Actor,
        period: Period,
        params: &str,
        hits: &[RunHit],
    ) -> Result<RunOutcome> {
        let period_text = period.to_string();
        let mut tx = self.begin_write().await?;

        // The households hit, in scope, with whether each is monitored.
        let numbers: Vec<&str> = hits
            .iter()
            .map(|h| h.household_no.as_str())
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        // One statement with the numbers as one JSON parameter, one text back.
        let mut households: HashMap<String, (i64, String, bool)> =
            HashMap::with_capacity(numbers.len());
        {
            let mut q = Query::new(
                self.backend,
                &format!(
                    "SELECT string_agg(format('%s,%s,%s,%s:%s', h.id, h.village_code, {MONITORED_SQL}, \
                     LENGTH(h.household_no), h.household_no), ';') FROM households h"
                ),
            );
            push_scope(&mut q, "h.village_code", &actor.scope);
            let list = q.arg(Arg::Text(json_list(&numbers)?));
            let sub = self.backend.json_texts(&list);
            q.sql.push_str(&format!(" AND h.household_no IN ({sub})"));
            let text: Option<String> = q.build().fetch_one(&mut *tx).await?.try_get(0)?;
            let mut c = Scan {
                s: text.as_deref().unwrap_or(""),
            };
            while !c.s.is_empty() {
                let id = c.until(',')?;
                let id: i64 = id.parse().map_err(|_| corrupt("id", id))?;
                let village = c.until(',')?.to_string();
                let monitored = c.until(',')? != "0";
                let no = c.counted()?.unwrap_or_default().to_string();
                if !c.s.is_empty() {
                    c.expect(';')?;
                }
                households.insert(no, (id, village, monitored));
            }
        }
        if let Some(missing) = hits
            .iter()
            .find(|h| !households.contains_key(&h.household_no))
        {
            return Err(StoreError::Invalid(format!(
                "户编号 {} 不存在或不在您的管辖范围内，本次筛查结果未保存",
                missing.household_no
            )));
        }

        let now = now_text();
        let run_id: i64 = sqlx::query_scalar(
            "INSERT INTO screening_runs (period, scope_code, started_by, started_at, params, hits, new_count, monitored_count, updated_count) \
             VALUES ($1, $2, $3, $4, $5, $6, 0, 0, 0) RETURNING id",
        )
        .bind(period_text.clone())
        .bind(actor.scope.as_str().to_string())
        .bind(actor.username.clone())
        .bind(now.clone())
        .bind(params.to_string())
        .bind(hits.len() as i64)
        .fetch_one(&mut *tx)
        .await?;

        // Open warnings of the scope: (household, rule) → id, and the evidence lines each already
        // has (a second run of the same period must not repeat them).
        let mut open: HashMap<(i64, String), i64> = HashMap::new();
        let mut known: HashSet<(i64, String)> = HashSet::new();
        {
            // One aggregate: a row through sqlx costs more than the database's work here. Only a
            // warning whose periods span this one can hold a line of it: the evidence of the others
            // (all of them in a new month's run) is not read.
            let mut q = Query::new(self.backend, "");
            let (p1, p2) = (
                q.arg(Arg::Text(period_text.clone())),
                q.arg(Arg::Text(period_text.clone())),
            );
            q.sql = format!(
                "SELECT string_agg(format('%s,%s,%s:%s%s:%s', x.id, x.household_id, LENGTH(x.rule_id), x.rule_id, \
                 LENGTH(x.ev), x.ev), ';') FROM (SELECT w.id, w.household_id, w.rule_id, \
                 CASE WHEN w.first_period <= {p1} AND w.last_period >= {p2} THEN w.evidence END AS ev FROM warnings w"
            );
            push_scope(&mut q, "w.village_code", &actor.scope);
            q.sql
                .push_str(&format!(" AND w.status IN {OPEN_STATUSES}) AS x"));
            let text: Option<String> = q.build().fetch_one(&mut *tx).await?.try_get(0)?;
            let mut c = Scan {
                s: text.as_deref().unwrap_or(""),
            };
            while !c.s.is_empty() {
                let id = c.until(',')?;
                let id: i64 = id.parse().map_err(|_| corrupt("id", id))?;
                let household = c.until(',')?;
                let household: i64 = household
                    .parse()
                    .map_err(|_| corrupt("household_id", household))?;
                let rule = c.counted()?.unwrap_or_default().to_string();
                let evidence = c.counted()?.unwrap_or_default();
                if !c.s.is_empty() {
                    c.expect(';')?;
                }
                open.insert((household, rule), id);
                known.extend(evidence.lines().map(|l| (id, l.to_string())));
            }
        }

        // Evidence for open warnings (id → lines, newest first) and new warnings, hits merged by pair.
        let mut updates: HashMap<i64, Vec<String>> = HashMap::new();
        let mut update_order: Vec<i64> = Vec::new();
        let mut created: Vec<Pending> = Vec::new();
        let mut created_at: HashMap<(i64, String), usize> = HashMap::new();
        let mut outcome = RunOutcome {
            run_id,
            new: 0,
            monitored: 0,
            updated: 0,
        };
        for hit in hits {
            let (household_id, village_code, monitored) = &households[&hit.household_no];
            let line = format!("{period_text}：{}", hit.evidence.trim());
            let pair = (*household_id, hit.rule_id.clone());
            if let Some(&id) = open.get(&pair) {
                outcome.updated += 1;
                if known.contains(&(id, line.clone())) {
                    continue;
                }
                let lines = updates.entry(id).or_insert_with(|| {
                    update_order.push(id);
                    Vec::new()
                });
                lines.insert(0, line);
            } else if let Some(&i) = created_at.get(&pair) {
                created[i].lines.insert(0, line);
                outcome.updated += 1;
            } else {
                let status = if *monitored {
                    outcome.monitored += 1;
                    WarningStatus::Monitored
                } else {
                    outcome.new += 1;
                    WarningStatus::New
                };
                created_at.insert(pair, created.len());
                created.push(Pending {
                    household_id: *household_id,
                    village_code: village_code.clone(),
                    rule_id: hit.rule_id.clone(),
                    risk_type: hit.risk_type.code(),
                    status,
                    lines: vec![line],
                });
            }
        }

        // One statement per batch: `UPDATE … FROM (VALUES (id, lines)) v` (both backends name the
        // columns of a VALUES list column1, column2, …).
        for batch in update_order.chunks(self.backend.max_params() / 2 - 4) {
            let mut q = Query::new(
                self.backend,
                "UPDATE warnings SET evidence = v.column2 || warnings.evidence, ",
            );
            let p_period = q.arg(Arg::Text(period_text.clone()));
            let p_run = q.arg(Arg::Int(run_id));
            let p_now = q.arg(Arg::Text(now.clone()));
            q.sql.push_str(&format!(
                "last_period = {p_period}, last_run_id = {p_run}, version = warnings.version + 1, updated_at = {p_now} FROM (VALUES "
            ));
            for id in batch {
                let mut lines = updates[id].join("\n");
                lines.push('\n');
                q.push_row([Arg::Int(*id), Arg::Text(lines)]);
            }
            q.sql.push_str(") AS v WHERE warnings.id = v.column1");
            q.build().execute(&mut *tx).await?;
        }

        for batch in created.chunks(self.backend.max_params() / WARNING_WIDTH) {
            let mut q = Query::new(
                self.backend,
                "INSERT INTO warnings (household_id, village_code, rule_id, risk_type, status, evidence, first_period, last_period, first_run_id, \
                 last_run_id, version, created_at, updated_at) VALUES ",
            );
            for w in batch {
                q.push_row([
                    Arg::Int(w.household_id),
                    Arg::Text(w.village_code.clone()),
                    Arg::Text(w.rule_id.clone()),
                    Arg::Text(w.risk_type.to_string()),
                    Arg::Text(w.status.code().to_string()),
                    Arg::Text(w.lines.join("\n")),
                    Arg::Text(period_text.clone()),
                    Arg::Text(period_text.clone()),
                    Arg::Int(run_id),
                    Arg::Int(run_id),
                    Arg::Int(1),
                    Arg::Text(now.clone()),
                    Arg::Text(now.clone()),
                ]);
            }
            q.build().execute(&mut *tx).await.map_err(|e| {
                if is_unique_violation(&e) {
                    StoreError::Conflict("另一次筛查正在保存，请稍后重试".into())
                } else {
                    e.into()
                }
            })?;
        }

        sqlx::query(
            "UPDATE screening_runs SET new_count = $1, monitored_count = $2, updated_count = $3 WHERE id = $4",
        )
        .bind(i64::try_from(outcome.new).unwrap_or(i64::MAX))
        .bind(i64::try_from(outcome.monitored).unwrap_or(i64::MAX))
        .bind(i64::try_from(outcome.updated).unwrap_or(i64::MAX))
        .bind(run_id)
        .execute(&mut *tx)
        .await?;

        // The run's hits by village and rule.
        let mut counts: HashMap<(String, String), i64> = HashMap::new();
        for hit in hits {
            let (_, village_code, _) = &households[&hit.household_no];
            *counts
                .entry((village_code.clone(), hit.rule_id.clone()))
                .or_insert(0) += 1;
        }
        let mut counts: Vec<((String, String), i64)> = counts.into_iter().collect();
        counts.sort();
        for batch in counts.chunks(self.backend.max_params() / 4) {
            let mut q = Query::new(
                self.backend,
                "INSERT INTO screening_run_counts (run_id, village_code, rule_id, hits) VALUES ",
            );
            for ((village, rule), n) in batch {
                q.push_row([
                    Arg::Int(run_id),
                    Arg::Text(village.clone()),
                    Arg::Text(rule.clone()),
                    Arg::Int(*n),
                ]);
            }
            q.build().execute(&mut *tx).await?;
        }
        audit_insert(
            &mut tx,
            actor,
            "run",
            "screening_run",
            &run_id.to_string(),
            None,
            None,
            Some(json!({
                "period": period_text,
                "hits": hits.len().to_string(),
                "new_warnings": outcome.new.to_string(),
                "monitored_warnings": outcome.monitored.to_string(),
                "updated_warnings": outcome.updated.to_string(),
            })),
        )
        .await?;
        tx.commit().await?;
        Ok(outcome)
    }

    pub(crate) async fn screening_runs_impl(
        &self,
        actor: &Actor,
        page: PageRequest,
    ) -> Result<Page<RunRow>> {
        let mut count = Query::new(self.backend, "SELECT COUNT(*) FROM screening_runs s");
        push_concerning(&mut count, "s.scope_code", &actor.scope);
        let mut q = Query::new(
            self.backend,
            "SELECT s.id, s.period, s.started_by, s.started_at, s.params, s.hits, s.new_count, s.monitored_count, s.updated_count \
             FROM screening_runs s",
        );
        push_concerning(&mut q, "s.scope_code", &actor.scope);
        q.sql.push_str(" ORDER BY s.id DESC");
        fetch_page(&self.pool, count, q, page, run_from_row).await
    }

    pub(crate) async fn warnings_list_impl(
        &self,
        actor: &Actor,
        filter: &WarningFilter,
        page: PageRequest,
    ) -> Result<Page<WarningRow>> {
        let Some(scope) = narrow(&actor.scope, filter.village.as_ref()) else {
            return Ok(empty_page(page));
        };
        let mut count = Query::new(self.backend, &format!("SELECT COUNT(*) {WARNING_FROM}"));
        push_warning_filter(&mut count, scope, filter);
        let mut q = Query::new(self.backend, WARNING_SELECT);
        push_warning_filter(&mut q, scope, filter);
        q.sql
            .push_str(" ORDER BY w.village_code, h.household_no, w.rule_id, w.id");
        fetch_page(&self.pool, count, q, page, warning_from_row).await
    }

    pub(crate) async fn warnings_export_impl(
        &self,
        actor: &Actor,
        filter: &WarningFilter,
    ) -> Result<Vec<WarningRow>> {
        let Some(scope) = narrow(&actor.scope, filter.village.as_ref()) else {
            return Ok(Vec::new());
        };
        let mut q = Query::new(self.backend, WARNING_SELECT);
        push_warning_filter(&mut q, scope, filter);
        q.sql
            .push_str(" ORDER BY w.village_code, h.household_no, w.rule_id, w.id");
        q.build()
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(warning_from_row)
            .collect()
    }

    pub(crate) async fn warning_get_impl(&self, actor: &Actor, id: i64) -> Result<WarningRow> {
        let (lo, hi) = scope_range(&actor.scope);
        let row = sqlx::query(&format!(
            "{WARNING_SELECT} WHERE w.id = $1 AND w.village_code >= $2 AND w.village_code < $3"
        ))
        .bind(id)
        .bind(lo)
        .bind(hi)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        warning_from_row(&row)
    }

    /// Closes an open warning (dismissed with a reason, or converted into a case), versioned and audited.
    async fn warning_close(
        &self,
        actor: &Actor,
        id: i64,
        expected_version: i64,
        status: WarningStatus,
        reason: Option<&str>,
        case_id: Option<i64>,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let (current, household_id) = warning_in_scope(&mut tx, actor, id).await?;
        close_warning(
            &mut tx,
            actor,
            id,
            expected_version,
            (current, household_id),
            status,
            reason,
            case_id,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn screening_run_counts_impl(
        &self,
        actor: &Actor,
        run_id: i64,
    ) -> Result<Vec<RunCount>> {
        let (lo, hi) = scope_range(&actor.scope);
        let rows = sqlx::query(
            "SELECT c.village_code, d.name AS village_name, c.rule_id, COALESCE(r.name, c.rule_id) AS rule_name, c.hits \
             FROM screening_run_counts c JOIN divisions d ON d.code = c.village_code \
             LEFT JOIN screening_rules r ON r.id = c.rule_id \
             WHERE c.run_id = $1 AND c.village_code >= $2 AND c.village_code < $3 ORDER BY c.village_code, c.rule_id",
        )
        .bind(run_id)
        .bind(lo)
        .bind(hi)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let code: String = r.try_get("village_code")?;
                Ok(RunCount {
                    village_code: DivisionCode::parse(&code)
                        .map_err(|_| corrupt("village_code", &code))?,
                    village_name: r.try_get("village_name")?,
                    rule_id: r.try_get("rule_id")?,
                    rule_name: r.try_get("rule_name")?,
                    hits: r.try_get("hits")?,
                })
            })
            .collect()
    }

    pub(crate) async fn warning_dismiss_impl(
        &self,
        actor: &Actor,
        id: i64,
        expected_version: i64,
        reason: &str,
    ) -> Result<()> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(StoreError::Invalid("请填写排除原因".into()));
        }
        self.warning_close(
            actor,
            id,
            expected_version,
            WarningStatus::Dismissed,
            Some(reason),
            None,
        )
        .await
    }

    pub(crate) async fn warning_convert_impl(
        &self,
        actor: &Actor,
        id: i64,
        expected_version: i64,
        case: &Case,
        timing: CaseTiming,
    ) -> Result<i64> {
        let mut tx = self.begin_write().await?;
        let (current, household_id) = warning_in_scope(&mut tx, actor, id).await?;
        if current.version != expected_version {
            return Err(StoreError::Conflict(STALE_WARNING.into()));
        }
        let village_code = current.village_code.as_str().to_string();
        let household_no = current.household_no.clone();
        let case_id = crate::monitoring::insert_case(
            &mut tx,
            actor,
            household_id,
            village_code,
            &household_no,
            case,
            timing,
        )
        .await?;
        close_warning(
            &mut tx,
            actor,
            id,
            expected_version,
            (current, household_id),
            WarningStatus::Converted,
            None,
            Some(case_id),
        )
        .await?;
        tx.commit().await?;
        Ok(case_id)
    }
}

/// The closing of an open warning inside the caller's transaction.
#[expect(
    clippy::too_many_arguments,
    reason = "one column per argument keeps call sites explicit"
)]
async fn close_warning(
    tx: &mut Transaction<'_, Any>,
    actor: &Actor,
    id: i64,
    expected_version: i64,
    (current, household_id): (WarningRow, i64),
    status: WarningStatus,
    reason: Option<&str>,
    case_id: Option<i64>,
) -> Result<()> {
    if current.version != expected_version {
        return Err(StoreError::Conflict(STALE_WARNING.into()));
    }
    if !current.status.is_open() {
        return Err(StoreError::Invalid(format!(
            "该预警{}，不能再处理",
            current.status.label()
        )));
    }
    if let Some(case_id) = case_id {
        let owner: Option<i64> = sqlx::query_scalar("SELECT household_id FROM cases WHERE id = $1")
            .bind(case_id)
            .fetch_optional(&mut **tx)
            .await?;
        if owner != Some(household_id) {
            return Err(StoreError::Invalid("转入的流程不是该户的流程".into()));
        }
    }
    let done = sqlx::query(
        "UPDATE warnings SET status = $1, dismiss_reason = $2, case_id = $3, version = version + 1, updated_at = $4 \
         WHERE id = $5 AND version = $6",
    )
    .bind(status.code())
    .bind(reason.map(str::to_string))
    .bind(case_id)
    .bind(now_text())
    .bind(id)
    .bind(expected_version)
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::Conflict(STALE_WARNING.into()));
    }
    let before = warning_view(
        current.status,
        current.dismiss_reason.as_deref(),
        current.case_id,
    );
    let after = warning_view(status, reason, case_id);
    let (before, after) = diff(&before, &after).map_or((None, None), |(b, a)| (Some(b), Some(a)));
    audit_insert(
        tx,
        actor,
        if status == WarningStatus::Dismissed {
            "dismiss"
        } else {
            "convert"
        },
        "warning",
        &format!("{id} {}", current.rule_id),
        Some(&current.household_no),
        before,
        after.map(|a| match a {
            Value::Object(m) => without_nulls(m),
            other => other,
        }),
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;
    use zhenxing_domain::feed::{
        AssistanceProgram, DisabilityChange, EmploymentStatus, Hazard, HouseRating, PoliceEvent,
        SchoolStage, SchoolStatus, VisitType,
    };
    use zhenxing_domain::household::DisabilityGrade;

    const ID: &str = "11010519491231002X";

    fn every_kind() -> Vec<FeedRecord> {
        let y = Yuan::from_fen;
        let d = date!(2026 - 03 - 15);
        vec![
            FeedRecord::Medical {
                person: ID.into(),
                date: d,
                visit_type: VisitType::Inpatient,
                total: y(1_000_001),
                basic_paid: y(600_000),
                critical_paid: y(100_000),
                assistance_paid: y(1),
                out_of_pocket: y(300_000),
                eligible_out_of_pocket: y(250_000),
            },
            FeedRecord::Disability {
                person: ID.into(),
                category: "肢体".into(),
                grade: Some(DisabilityGrade::Two),
                change: DisabilityChange::GradeChange,
                date: d,
            },
            FeedRecord::Disability {
                person: ID.into(),
                category: String::new(),
                grade: None,
                change: DisabilityChange::Cancelled,
                date: d,
            },
            FeedRecord::Education {
                person: ID.into(),
                stage: SchoolStage::Undergraduate,
                status: SchoolStatus::InSchool,
                fees: y(1_200_000),
                date: d,
            },
            FeedRecord::Housing {
                household: HouseholdRef::Number("QY0001".into()),
                rating: HouseRating::D,
                date: d,
            },
            FeedRecord::Housing {
                household: HouseholdRef::Person(ID.into()),
                rating: HouseRating::C,
                date: d,
            },
            FeedRecord::Police {
                person: ID.into(),
                event: PoliceEvent::Death,
                date: d,
                cause: "交通事故".into(),
            },
            FeedRecord::Civil {
                person: ID.into(),
                program: AssistanceProgram::Temporary,
                date: d,
                amount: y(50_000),
            },
            FeedRecord::Disaster {
                household: HouseholdRef::Person(ID.into()),
                hazard: Hazard::Flood,
                loss: y(2_000_000),
                date: d,
            },
            FeedRecord::Employment {
                person: "not-an-id".into(),
                status: EmploymentStatus::Unemployed,
                wage: Yuan::ZERO,
                date: d,
            },
            FeedRecord::Water {
                household_no: "QY0002".into(),
                days: 45,
                date: d,
            },
        ]
    }

    #[test]
    fn every_record_kind_round_trips_through_its_columns() {
        for r in every_kind() {
            let back = decode(r.kind(), r.date(), encode(&r), None).expect("decode");
            assert_eq!(back, r);
        }
    }

    #[test]
    fn household_records_come_back_by_household_number_when_matched() {
        let r = &every_kind()[8];
        let back = decode(r.kind(), r.date(), encode(r), Some("QY0009".into())).expect("decode");
        assert!(matches!(
            back,
            FeedRecord::Disaster { household: HouseholdRef::Number(ref n), .. } if n == "QY0009"
        ));
    }

    #[test]
    fn dates_parse_fast_and_strictly() {
        assert_eq!(ymd("2026-02-28"), Some(date!(2026 - 02 - 28)));
        assert_eq!(ymd("2026-02-30"), None);
        assert_eq!(ymd("2026-0a-01"), None);
    }
}
