//! 低收入人口 pages: the whole rural low-income population with its dashboard (by village and type,
//! each number a link to the list it counts), the medical three tiers per person and year, the
//! year's pension premium subsidy (代缴) list with its workbook for the social-insurance office,
//! and the care rosters a village cadre works through on a phone (confirm or reject, visits).
//! The rules are the domain's (`zhenxing_domain::lowincome`), the numbers the policy table's; scope
//! is the store's (an entry of another village answers 404). The rolls, reviews and standards live
//! in `lowincome_rolls`.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::{Deserialize, Serialize};
use time::Date;
use zhenxing_domain::household::{age_on, group_label};
use zhenxing_domain::lowincome::{
    AssistanceClass, CareGroup, CareParams, MedicalYear, PremiumGroup, RosterStatus,
};
use zhenxing_domain::policy::RATIO_SCALE;
use zhenxing_domain::{CodeEnum, DivisionCode, Policy, PolicyKey, Yuan};
use zhenxing_store::{
    CareFilter, CareRefreshSummary, CareRow, LowIncomeCount, LowIncomeFilter, LowIncomeRow,
    LowIncomeType, MedicalFilter, MedicalPersonRow, NewCareVisit, Page, PremiumCandidate,
};

use crate::auth::CurrentUser;
use crate::case_forms::{Fields, parse_date};
use crate::error::AppError;
use crate::forms::FieldErrors;
use crate::households::{household_href, xlsx_download};
use crate::lowincome;
use crate::lowincome_exports::{self, percent, premium_list, premium_total};
use crate::state::AppState;
use crate::templates::Frame;
use crate::views::{self, Pager, count, query_string, url_encode};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/lowincome", get(population))
        .route("/lowincome/export.xlsx", get(population_export))
        .route("/lowincome/medical", get(medical))
        .route("/lowincome/medical/export.xlsx", get(medical_export))
        .route("/lowincome/premium", get(premium))
        .route("/lowincome/premium/export.xlsx", get(premium_export))
        .route("/lowincome/care", get(care_list))
        .route("/lowincome/care/refresh", post(care_refresh_submit))
        .route("/lowincome/care/{id}", get(care_page))
        .route("/lowincome/care/{id}/status", post(care_status_submit))
        .route("/lowincome/care/{id}/visits", post(care_visit_submit))
}

const PER_PAGE: u32 = 20;
const MEDICAL_PER_PAGE: u32 = 50;
const NOTE_MAX: usize = 500;
const VISIT_TEXT_MAX: usize = 2000;

// ---------- shared ----------

/// The low-income pages are for the township, the villages, the county and viewers (not helpers
/// or departments).
pub fn require_read(user: &CurrentUser) -> Result<(), AppError> {
    user.require_registry()?;
    if lowincome::may_read(user.role()) {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!(
            "您的角色（{}）不能查看低收入人口信息",
            user.role().label()
        )))
    }
}

fn require_care(user: &CurrentUser) -> Result<(), AppError> {
    require_read(user)?;
    if lowincome::may_care(user.role()) {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!(
            "您的角色（{}）只能查看关爱名册，核实和走访由村干部或镇乡村振兴办记录",
            user.role().label()
        )))
    }
}

fn text_of(s: &str) -> Option<String> {
    Some(s.trim().to_string()).filter(|t| !t.is_empty())
}

fn href(base: &str, query: &str) -> String {
    if query.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{query}")
    }
}

/// Money in a table cell (the header says 元): `12,345.67`.
fn money(y: Yuan) -> String {
    y.to_string().trim_end_matches(" 元").to_string()
}

#[derive(Serialize)]
struct Choice {
    value: String,
    label: String,
}

async fn village_choices(state: &AppState, user: &CurrentUser) -> Result<Vec<Choice>, AppError> {
    Ok(state
        .villages_in_scope(&user.actor)
        .await?
        .into_iter()
        .map(|d| Choice {
            value: d.code.to_string(),
            label: d.name,
        })
        .collect())
}

fn code_choices<T: CodeEnum>() -> Vec<Choice> {
    T::ALL
        .iter()
        .map(|v| Choice {
            value: v.code().into(),
            label: v.label().into(),
        })
        .collect()
}

/// A list held in memory cut to one page, with the numbers the pager needs.
fn page_of<T: Clone>(all: &[T], page_text: &str, per_page: u32) -> (Vec<T>, Page<()>) {
    let per = per_page.max(1) as usize;
    let pages = all.len().div_ceil(per).max(1);
    let page = (views::page_number(page_text) as usize).min(pages);
    let items = all
        .iter()
        .skip((page - 1) * per)
        .take(per)
        .cloned()
        .collect();
    let meta = Page {
        items: Vec::new(),
        total: all.len() as u64,
        page: u32::try_from(page).unwrap_or(1),
        per_page,
    };
    (items, meta)
}

/// The policy table as stored.
async fn policy(state: &AppState) -> Result<Policy, AppError> {
    Ok(Policy::new(state.store.policy_values().await?))
}

/// `?year=` as typed, the current year for anything unusable.
pub fn year_of(text: &str, today: Date) -> i32 {
    text.trim()
        .parse::<i32>()
        .ok()
        .filter(|y| (2000..=today.year() + 1).contains(y))
        .unwrap_or(today.year())
}

fn year_choices(selected: i32, today: Date) -> Vec<i32> {
    let mut years: Vec<i32> = (today.year() - 4..=today.year() + 1).rev().collect();
    if !years.contains(&selected) {
        years.push(selected);
    }
    years
}

// ---------- the low-income population ----------

/// The population list's filters as typed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PopulationParams {
    pub village: String,
    /// A [`LowIncomeType`] code or label.
    #[serde(rename = "type")]
    pub kind: String,
    /// 户主姓名 or 户编号.
    pub q: String,
    pub page: String,
}

impl PopulationParams {
    pub fn filter(&self) -> LowIncomeFilter {
        LowIncomeFilter {
            village: DivisionCode::parse(&self.village).ok(),
            kind: LowIncomeType::parse_label(&self.kind),
            text: text_of(&self.q),
        }
    }

    /// The filter part of the query string (no page).
    pub fn query(&self) -> String {
        let f = self.filter();
        population_query(f.village.as_ref(), f.kind, f.text.as_deref())
    }
}

fn population_query(
    village: Option<&DivisionCode>,
    kind: Option<LowIncomeType>,
    text: Option<&str>,
) -> String {
    query_string([
        (
            "village",
            village.map(|v| v.to_string()).unwrap_or_default(),
        ),
        (
            "type",
            kind.map(|k| k.code().to_string()).unwrap_or_default(),
        ),
        ("q", text.unwrap_or_default().to_string()),
    ])
}

/// The list a dashboard number links to.
fn population_href(village: Option<&DivisionCode>, kind: Option<LowIncomeType>) -> String {
    href("/lowincome", &population_query(village, kind, None))
}

#[derive(Serialize)]
struct Cell {
    value: u64,
    shown: String,
    href: String,
    /// `village:type` (`any` for every type): the bucket the number counts.
    bucket: String,
}

#[derive(Serialize)]
struct VillageLine {
    name: String,
    cells: Vec<Cell>,
    any: Cell,
}

#[derive(Serialize)]
struct TypeTotal {
    code: &'static str,
    label: &'static str,
    value: u64,
    shown: String,
    href: String,
}

/// The dashboard of the population page: the counts of the store by village × type, as charts and
/// tables; every number links to the list filtered the same way (whose total it equals).
#[derive(Serialize)]
struct Dashboard {
    total: String,
    total_href: String,
    types: Vec<TypeTotal>,
    villages: Vec<VillageLine>,
    stacked_json: String,
    by_type_json: String,
}

fn dashboard(counts: &[LowIncomeCount]) -> Dashboard {
    let mut villages: Vec<(DivisionCode, String)> = Vec::new();
    for c in counts {
        if !villages.iter().any(|(code, _)| code == &c.village_code) {
            villages.push((c.village_code.clone(), c.village_name.clone()));
        }
    }
    let n = |village: &DivisionCode, kind: Option<LowIncomeType>| -> u64 {
        counts
            .iter()
            .filter(|c| &c.village_code == village && c.kind == kind)
            .map(|c| c.count)
            .sum()
    };
    let cell = |village: &DivisionCode, kind: Option<LowIncomeType>| {
        let value = n(village, kind);
        Cell {
            value,
            shown: count(value),
            href: population_href(Some(village), kind),
            bucket: format!("{}:{}", village, kind.map_or("any", |k| k.code())),
        }
    };
    let lines: Vec<VillageLine> = villages
        .iter()
        .map(|(code, name)| VillageLine {
            name: name.clone(),
            cells: LowIncomeType::ALL
                .iter()
                .map(|k| cell(code, Some(*k)))
                .collect(),
            any: cell(code, None),
        })
        .collect();
    let types: Vec<TypeTotal> = LowIncomeType::ALL
        .iter()
        .map(|k| {
            let value: u64 = villages.iter().map(|(v, _)| n(v, Some(*k))).sum();
            TypeTotal {
                code: k.code(),
                label: k.label(),
                value,
                shown: count(value),
                href: population_href(None, Some(*k)),
            }
        })
        .collect();
    let total: u64 = villages.iter().map(|(v, _)| n(v, None)).sum();
    let stacked_json = serde_json::json!({
        "title": "各村低收入人口（按类型）",
        "unit": "户",
        "kind": "stacked",
        "show_title": false,
        "categories": villages.iter().map(|(_, name)| name.clone()).collect::<Vec<_>>(),
        "series": LowIncomeType::ALL.iter().enumerate().map(|(i, k)| serde_json::json!({
            "name": k.label(),
            "values": lines.iter().map(|l| l.cells[i].value).collect::<Vec<_>>(),
            "hrefs": lines.iter().map(|l| l.cells[i].href.clone()).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
    .to_string();
    let by_type_json = serde_json::json!({
        "title": "低收入人口类型",
        "unit": "户",
        "kind": "hbar",
        "show_title": false,
        "items": types.iter().map(|t| serde_json::json!({"label": t.label, "value": t.value, "href": t.href})).collect::<Vec<_>>(),
    })
    .to_string();
    Dashboard {
        total: count(total),
        total_href: population_href(None, None),
        types,
        villages: lines,
        stacked_json,
        by_type_json,
    }
}

#[derive(Serialize)]
struct PopulationRow {
    household_no: String,
    household_href: String,
    head_name: String,
    village_name: String,
    group: String,
    size: i64,
    household_kind: &'static str,
    category: &'static str,
    types: Vec<&'static str>,
    dibao_amount: String,
    income: String,
}

fn population_row(r: &LowIncomeRow) -> PopulationRow {
    PopulationRow {
        household_no: r.household_no.clone(),
        household_href: household_href(&r.household_no),
        head_name: r.head_name.clone().unwrap_or_default(),
        village_name: r.village_name.clone(),
        group: r.group.map(group_label).unwrap_or_default(),
        size: r.size,
        household_kind: r.household_kind.label(),
        category: views::label(r.monitoring_category),
        types: r.types.iter().map(|t| t.label()).collect(),
        dibao_amount: r.dibao_amount.map(money).unwrap_or_default(),
        income: match (r.latest_income_year, r.latest_net_income_per_capita) {
            (Some(y), Some(v)) => format!("{}（{y}年）", money(v)),
            _ => String::new(),
        },
    }
}

async fn population(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(params): Query<PopulationParams>,
) -> Result<Response, AppError> {
    require_read(&user)?;
    let today = views::today();
    let filter = params.filter();
    let list = state
        .store
        .low_income_list(
            &user.actor,
            &filter,
            today,
            views::page_request(&params.page, PER_PAGE),
        )
        .await?;
    let counts = state.store.low_income_counts(&user.actor, today).await?;
    let frame = Frame::build(&state, &user, "lowincome", "低收入人口总览").await?;
    let q = params.query();
    let pager = Pager::new(&list, "/lowincome", &q);
    let rows: Vec<PopulationRow> = list.items.iter().map(population_row).collect();
    let html = state.render(
        "lowincome.html",
        minijinja::context! {
            frame,
            uses_charts => true,
            dashboard => dashboard(&counts),
            rows,
            pager,
            params,
            selected_village => filter.village.as_ref().map(|v| v.to_string()).unwrap_or_default(),
            selected_type => filter.kind.map(|k| k.code()).unwrap_or_default(),
            villages => village_choices(&state, &user).await?,
            types => code_choices::<LowIncomeType>(),
            filtered => filter != LowIncomeFilter::default(),
            export_href => href("/lowincome/export.xlsx", &q),
            today => today.to_string(),
        },
    )?;
    Ok(html.into_response())
}

async fn population_export(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(params): Query<PopulationParams>,
) -> Result<Response, AppError> {
    require_read(&user)?;
    let today = views::today();
    let rows = state
        .store
        .low_income_export(&user.actor, &params.filter(), today)
        .await?;
    state
        .store
        .audit_record(&user.actor, "export", "low_income", &params.query(), None)
        .await?;
    tracing::info!(user.name = %user.user.username, export.households = rows.len(), "low-income population exported");
    let bytes = lowincome_exports::population_workbook(&rows, today)?;
    Ok(xlsx_download(
        bytes,
        "lowincome.xlsx",
        &format!("低收入人口-{today}.xlsx"),
    ))
}

// ---------- medical three tiers ----------

/// The medical list's filters as typed. `ratio` (per cent) and `amount` (yuan) default to the
/// policy's 关注线 when absent; present and empty, they are off.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct MedicalParams {
    pub year: String,
    pub village: String,
    /// `1`–`4`, or `none` for people of no class.
    pub class: String,
    pub ratio: Option<String>,
    pub amount: Option<String>,
    pub page: String,
}

/// Which medical-assistance class the list keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClassFilter {
    Any,
    NoClass,
    Class(AssistanceClass),
}

impl ClassFilter {
    fn parse(text: &str) -> ClassFilter {
        match text.trim() {
            "none" => ClassFilter::NoClass,
            t => AssistanceClass::parse_label(t).map_or(ClassFilter::Any, ClassFilter::Class),
        }
    }

    fn code(self) -> &'static str {
        match self {
            ClassFilter::Any => "",
            ClassFilter::NoClass => "none",
            ClassFilter::Class(c) => c.code(),
        }
    }

    pub fn keeps(self, class: Option<AssistanceClass>) -> bool {
        match self {
            ClassFilter::Any => true,
            ClassFilter::NoClass => class.is_none(),
            ClassFilter::Class(c) => class == Some(c),
        }
    }
}

/// The medical list asked for: year, the store's filter, the class and the lines as shown.
#[derive(Debug, Clone)]
pub struct MedicalQuery {
    pub year: i32,
    pub filter: MedicalFilter,
    pub class: ClassFilter,
    /// The ratio line as a per-cent text (`10`), empty when off.
    pub ratio_text: String,
    /// The amount line in yuan (`10000.00`), empty when off.
    pub amount_text: String,
    /// Field → message for a line that could not be read (that line is then off).
    pub errors: FieldErrors,
}

impl MedicalQuery {
    /// The query string (no page); the lines are always written, empty when off.
    pub fn query(&self) -> String {
        let base = query_string([
            ("year", self.year.to_string()),
            (
                "village",
                self.filter
                    .village
                    .as_ref()
                    .map(|v| v.to_string())
                    .unwrap_or_default(),
            ),
            ("class", self.class.code().to_string()),
        ]);
        format!(
            "{base}&ratio={}&amount={}",
            url_encode(&self.ratio_text),
            url_encode(&self.amount_text)
        )
    }
}

/// A ratio ×10^4 as per cent for a form field: `1000` → `10`, `1917` → `19.17`.
fn percent_plain(ratio: i64) -> String {
    let p = percent(ratio);
    let p = p.trim_end_matches('%');
    let p = p.trim_end_matches('0').trim_end_matches('.');
    if p.is_empty() { "0".into() } else { p.into() }
}

/// Per cent as typed (`19.5`, `19.17%`) → ×10^4; at most two decimals, 0 to 100.
fn parse_percent(text: &str) -> Result<i64, String> {
    let t = text.trim().trim_end_matches(['%', '％']).trim();
    let bad = || format!("自付比例应为 0 到 100 之间的百分数（最多两位小数），现为“{text}”");
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    if int.is_empty() && frac.is_empty()
        || !int.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
        || frac.len() > 2
        || int.len() > 3
    {
        return Err(bad());
    }
    let whole: i64 = if int.is_empty() {
        0
    } else {
        int.parse().map_err(|_| bad())?
    };
    let hundredths: i64 = format!("{frac:0<2}").parse().map_err(|_| bad())?;
    let per_cent_hundredths = whole * 100 + hundredths;
    if per_cent_hundredths > 100 * 100 {
        return Err(bad());
    }
    // A hundredth of a per cent is one ten-thousandth.
    Ok(per_cent_hundredths * (RATIO_SCALE / 10_000))
}

/// Reads the medical filters; the lines default to the policy's keys for `division` and the year.
pub fn medical_query(
    params: &MedicalParams,
    policy: &Policy,
    division: &DivisionCode,
    today: Date,
) -> MedicalQuery {
    let year = year_of(&params.year, today);
    let mut errors = FieldErrors::new();
    let ratio_text = match &params.ratio {
        None => percent_plain(policy.value(PolicyKey::MedicalRatioAlert, division, year)),
        Some(t) => t.trim().to_string(),
    };
    let amount_text = match &params.amount {
        None => Yuan::from_fen(policy.value(PolicyKey::MedicalOopAlert, division, year)).plain(),
        Some(t) => t.trim().to_string(),
    };
    let min_ratio = if ratio_text.is_empty() {
        None
    } else {
        match parse_percent(&ratio_text) {
            Ok(r) => Some(r),
            Err(m) => {
                errors.insert("ratio".into(), m);
                None
            }
        }
    };
    let min_out_of_pocket = if amount_text.is_empty() {
        None
    } else {
        match Yuan::parse(&amount_text) {
            Ok(y) if y.fen() >= 0 => Some(y),
            _ => {
                errors.insert(
                    "amount".into(),
                    format!("自付金额应为不小于 0 的金额（元），现为“{amount_text}”"),
                );
                None
            }
        }
    };
    MedicalQuery {
        year,
        filter: MedicalFilter {
            village: DivisionCode::parse(&params.village).ok(),
            min_ratio,
            min_out_of_pocket,
        },
        class: ClassFilter::parse(&params.class),
        ratio_text,
        amount_text,
        errors,
    }
}

/// The people of the medical list: the store's rows of the year, kept by class.
pub async fn medical_rows(
    state: &AppState,
    user: &CurrentUser,
    q: &MedicalQuery,
) -> Result<Vec<MedicalPersonRow>, AppError> {
    require_read(user)?;
    let rows = state
        .store
        .medical_years(&user.actor, q.year, &q.filter)
        .await?;
    Ok(rows
        .into_iter()
        .filter(|r| q.class.keeps(r.class))
        .collect())
}

#[derive(Serialize)]
struct MedicalLine {
    name: String,
    id_number: String,
    village_name: String,
    household_no: String,
    household_href: String,
    records: u32,
    total: String,
    basic: String,
    critical: String,
    assistance: String,
    out_of_pocket: String,
    eligible: String,
    in_scope: String,
    ratio: String,
    oop_ratio: String,
    class: String,
    /// Why the person is above a line (the ratio, the amount).
    alerts: Vec<String>,
}

fn medical_line(m: &MedicalYear) -> MedicalLine {
    MedicalLine {
        name: String::new(),
        id_number: String::new(),
        village_name: String::new(),
        household_no: String::new(),
        household_href: String::new(),
        records: m.records,
        total: money(m.total),
        basic: money(m.basic),
        critical: money(m.critical),
        assistance: money(m.assistance),
        out_of_pocket: money(m.out_of_pocket),
        eligible: money(m.eligible),
        in_scope: money(m.in_scope()),
        ratio: m.in_scope_ratio().map(percent).unwrap_or_default(),
        oop_ratio: m.oop_ratio().map(percent).unwrap_or_default(),
        class: String::new(),
        alerts: Vec::new(),
    }
}

fn medical_row(r: &MedicalPersonRow, q: &MedicalQuery) -> MedicalLine {
    let m = &r.medical;
    let mut alerts = Vec::new();
    if let (Some(min), Some(ratio)) = (q.filter.min_ratio, m.in_scope_ratio())
        && ratio >= min
    {
        alerts.push(format!("自付比例 ≥ {}", percent(min)));
    }
    if let Some(min) = q.filter.min_out_of_pocket
        && m.out_of_pocket >= min
    {
        alerts.push(format!("自付 ≥ {min}"));
    }
    MedicalLine {
        name: r.name.clone(),
        id_number: views::id_shown(&r.id_number, false),
        village_name: r.village_name.clone(),
        household_no: r.household_no.clone(),
        household_href: household_href(&r.household_no),
        class: r.class.map(|c| c.label().to_string()).unwrap_or_default(),
        alerts,
        ..medical_line(m)
    }
}

async fn medical(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(params): Query<MedicalParams>,
) -> Result<Response, AppError> {
    require_read(&user)?;
    let today = views::today();
    let policy = policy(&state).await?;
    let q = medical_query(&params, &policy, &user.user.division, today);
    let rows = medical_rows(&state, &user, &q).await?;
    let mut sum = MedicalYear::default();
    for r in &rows {
        let m = &r.medical;
        sum.add(
            m.total,
            m.basic,
            m.critical,
            m.assistance,
            m.out_of_pocket,
            m.eligible,
        );
    }
    sum.records = rows
        .iter()
        .map(|r| r.medical.records)
        .fold(0, u32::saturating_add);
    let (page_rows, meta) = page_of(&rows, &params.page, MEDICAL_PER_PAGE);
    let query = q.query();
    let pager = Pager::new(&meta, "/lowincome/medical", &query);
    let frame = Frame::build(&state, &user, "lowincome-medical", "医疗费用").await?;
    let lines: Vec<MedicalLine> = page_rows.iter().map(|r| medical_row(r, &q)).collect();
    let summary: Vec<String> = crate::forms::summary(&q.errors);
    let default_ratio =
        percent_plain(policy.value(PolicyKey::MedicalRatioAlert, &user.user.division, q.year));
    let default_amount =
        Yuan::from_fen(policy.value(PolicyKey::MedicalOopAlert, &user.user.division, q.year))
            .plain();
    let html = state.render(
        "medical.html",
        minijinja::context! {
            frame,
            rows => lines,
            sum => medical_line(&sum),
            people => count(rows.len() as u64),
            pager,
            year => q.year,
            years => year_choices(q.year, today),
            selected_village => q.filter.village.as_ref().map(|v| v.to_string()).unwrap_or_default(),
            selected_class => q.class.code(),
            ratio => q.ratio_text.clone(),
            amount => q.amount_text.clone(),
            default_ratio,
            default_amount,
            all_href => format!("/lowincome/medical?year={}&ratio=&amount=", q.year),
            errors => q.errors.clone(),
            summary,
            villages => village_choices(&state, &user).await?,
            classes => code_choices::<AssistanceClass>(),
            export_href => href("/lowincome/medical/export.xlsx", &query),
        },
    )?;
    Ok(html.into_response())
}

async fn medical_export(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(params): Query<MedicalParams>,
) -> Result<Response, AppError> {
    require_read(&user)?;
    let today = views::today();
    let policy = policy(&state).await?;
    let q = medical_query(&params, &policy, &user.user.division, today);
    let rows = medical_rows(&state, &user, &q).await?;
    state
        .store
        .audit_record(&user.actor, "export", "medical_years", &q.query(), None)
        .await?;
    tracing::info!(user.name = %user.user.username, export.people = rows.len(), "medical three tiers exported");
    let bytes = lowincome_exports::medical_workbook(&rows, q.year)?;
    Ok(xlsx_download(
        bytes,
        "medical.xlsx",
        &format!("医疗三重保障-{}年-{today}.xlsx", q.year),
    ))
}

// ---------- pension premium subsidy (代缴) ----------

/// The 代缴 list's filters as typed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PremiumParams {
    pub year: String,
    pub village: String,
    /// A [`PremiumGroup`] code or label.
    pub group: String,
    /// Name or 户编号.
    pub q: String,
    pub page: String,
    /// `1`: full ID numbers in the workbook (town staff, audited).
    pub unmasked: String,
}

impl PremiumParams {
    pub fn wants_unmasked(&self) -> bool {
        matches!(self.unmasked.trim(), "1" | "true" | "yes" | "on")
    }

    fn village(&self) -> Option<DivisionCode> {
        DivisionCode::parse(&self.village).ok()
    }

    fn group(&self) -> Option<PremiumGroup> {
        PremiumGroup::parse_label(&self.group)
    }

    /// The filter part of the query string (no page, no unmasked).
    pub fn query(&self, year: i32) -> String {
        query_string([
            ("year", year.to_string()),
            (
                "village",
                self.village().map(|v| v.to_string()).unwrap_or_default(),
            ),
            (
                "group",
                self.group()
                    .map(|g| g.code().to_string())
                    .unwrap_or_default(),
            ),
            ("q", self.q.trim().to_string()),
        ])
    }

    /// Keeps a person of the year's list (village, group, text).
    pub fn keeps(&self, c: &PremiumCandidate) -> bool {
        self.village().is_none_or(|v| v == c.village_code)
            && self.group().is_none_or(|g| c.group == Some(g))
            && text_of(&self.q)
                .is_none_or(|t| c.name.contains(&t) || c.household_no.starts_with(&t))
    }
}

/// The year's 代缴 list in the user's scope.
pub async fn premium_year(
    state: &AppState,
    user: &CurrentUser,
    year: i32,
) -> Result<Vec<PremiumCandidate>, AppError> {
    require_read(user)?;
    Ok(premium_list(
        state.store.premium_candidates(&user.actor, year).await?,
    ))
}

#[derive(Serialize)]
struct GroupTotal {
    code: &'static str,
    label: &'static str,
    people: String,
    amount: String,
    href: String,
}

#[derive(Serialize)]
struct PremiumLine {
    seq: usize,
    name: String,
    id_number: String,
    village_name: String,
    household_no: String,
    household_href: String,
    group: &'static str,
    amount: String,
}

async fn premium(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(params): Query<PremiumParams>,
) -> Result<Response, AppError> {
    require_read(&user)?;
    let today = views::today();
    let year = year_of(&params.year, today);
    let year_list = premium_year(&state, &user, year).await?;
    // The cards count the village's whole list; the table keeps the group and text too.
    let village = params.village();
    let in_village: Vec<&PremiumCandidate> = year_list
        .iter()
        .filter(|c| village.as_ref().is_none_or(|v| *v == c.village_code))
        .collect();
    let groups: Vec<GroupTotal> = PremiumGroup::ALL
        .iter()
        .map(|g| {
            let of: Vec<PremiumCandidate> = in_village
                .iter()
                .filter(|c| c.group == Some(*g))
                .map(|c| (*c).clone())
                .collect();
            GroupTotal {
                code: g.code(),
                label: g.label(),
                people: count(of.len() as u64),
                amount: premium_total(&of).to_string(),
                href: format!(
                    "/lowincome/premium?{}",
                    query_string([
                        ("year", year.to_string()),
                        (
                            "village",
                            village.as_ref().map(|v| v.to_string()).unwrap_or_default()
                        ),
                        ("group", g.code().to_string()),
                    ])
                ),
            }
        })
        .collect();
    let village_list: Vec<PremiumCandidate> = in_village.into_iter().cloned().collect();
    let list: Vec<PremiumCandidate> = year_list.into_iter().filter(|c| params.keeps(c)).collect();
    let (page_rows, meta) = page_of(&list, &params.page, MEDICAL_PER_PAGE);
    let first = (meta.page as usize - 1) * MEDICAL_PER_PAGE as usize;
    let lines: Vec<PremiumLine> = page_rows
        .iter()
        .enumerate()
        .map(|(i, c)| PremiumLine {
            seq: first + i + 1,
            name: c.name.clone(),
            id_number: views::id_shown(&c.id_number, false),
            village_name: c.village_name.clone(),
            household_no: c.household_no.clone(),
            household_href: household_href(&c.household_no),
            group: c.group.map(PremiumGroup::label).unwrap_or_default(),
            amount: c.subsidy.map(money).unwrap_or_default(),
        })
        .collect();
    let query = params.query(year);
    let pager = Pager::new(&meta, "/lowincome/premium", &query);
    let policy = policy(&state).await?;
    let division = &user.user.division;
    let tier = Yuan::from_fen(policy.value(PolicyKey::PensionLowestTier, division, year));
    let share = policy.value(PolicyKey::PensionSubsidyShare, division, year);
    let role = user.role();
    let frame = Frame::build(&state, &user, "lowincome-premium", "养老保险代缴").await?;
    let html = state.render(
        "premium.html",
        minijinja::context! {
            frame,
            year,
            years => year_choices(year, today),
            groups,
            village_people => count(village_list.len() as u64),
            village_amount => premium_total(&village_list).to_string(),
            listed_people => count(list.len() as u64),
            listed_amount => premium_total(&list).to_string(),
            rows => lines,
            pager,
            params,
            selected_village => village.as_ref().map(|v| v.to_string()).unwrap_or_default(),
            selected_group => params.group().map(|g| g.code()).unwrap_or_default(),
            villages => village_choices(&state, &user).await?,
            group_choices => code_choices::<PremiumGroup>(),
            tier => tier.to_string(),
            share => zhenxing_domain::policy::ratio_text(share),
            may_export => lowincome::may_export_premium(role),
            may_unmask => lowincome::may_export_premium(role) && role.can_unmask(),
            export_href => href("/lowincome/premium/export.xlsx", &query),
            export_unmasked_href => format!("/lowincome/premium/export.xlsx?{query}&unmasked=1"),
        },
    )?;
    Ok(html.into_response())
}

/// The 代缴 workbook: masked unless asked and allowed; unmasking is audited as such.
async fn premium_export(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(params): Query<PremiumParams>,
) -> Result<Response, AppError> {
    require_read(&user)?;
    let role = user.role();
    if !lowincome::may_export_premium(role) {
        return Err(AppError::Forbidden(format!(
            "您的角色（{}）不能导出代缴名单；请由镇乡村振兴办导出",
            role.label()
        )));
    }
    let unmasked = params.wants_unmasked();
    if unmasked && !role.can_unmask() {
        return Err(AppError::Forbidden(
            "您的角色不能导出完整的证件号码。".into(),
        ));
    }
    let year = year_of(&params.year, views::today());
    let list: Vec<PremiumCandidate> = premium_year(&state, &user, year)
        .await?
        .into_iter()
        .filter(|c| params.keeps(c))
        .collect();
    let action = if unmasked {
        "export_unmasked"
    } else {
        "export"
    };
    state
        .store
        .audit_record(&user.actor, action, "premium", &params.query(year), None)
        .await?;
    tracing::info!(user.name = %user.user.username, export.people = list.len(), export.unmasked = unmasked, "premium list exported");
    let bytes = lowincome_exports::premium_workbook(&list, unmasked)?;
    Ok(xlsx_download(
        bytes,
        "premium.xlsx",
        &format!("城乡居民养老保险代缴名单-{year}年.xlsx"),
    ))
}

// ---------- care rosters ----------

/// The care list's filters as typed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct CareListParams {
    pub village: String,
    /// A [`CareGroup`] code or label.
    pub group: String,
    /// A [`RosterStatus`] code or label.
    pub status: String,
    /// `1`: only entries whose next visit is past.
    pub overdue: String,
    /// Name or 户编号.
    pub q: String,
    pub page: String,
}

impl CareListParams {
    pub fn filter(&self, today: Date) -> CareFilter {
        CareFilter {
            village: DivisionCode::parse(&self.village).ok(),
            group: CareGroup::parse_label(&self.group),
            status: RosterStatus::parse_label(&self.status),
            visit_overdue_on: self.overdue_only().then_some(today),
            text: text_of(&self.q),
        }
    }

    fn overdue_only(&self) -> bool {
        matches!(self.overdue.trim(), "1" | "true" | "yes" | "on")
    }

    pub fn query(&self, today: Date) -> String {
        let f = self.filter(today);
        query_string([
            (
                "village",
                f.village.map(|v| v.to_string()).unwrap_or_default(),
            ),
            (
                "group",
                f.group.map(|g| g.code().to_string()).unwrap_or_default(),
            ),
            (
                "status",
                f.status.map(|s| s.code().to_string()).unwrap_or_default(),
            ),
            (
                "overdue",
                if self.overdue_only() { "1" } else { "" }.to_string(),
            ),
            ("q", f.text.unwrap_or_default()),
        ])
    }
}

pub fn status_badge(s: RosterStatus) -> &'static str {
    match s {
        RosterStatus::Derived => "blue",
        RosterStatus::Confirmed => "green",
        RosterStatus::Rejected => "grey",
    }
}

/// A care entry's next visit is past (rejected entries are not visited).
pub fn visit_overdue(r: &CareRow, today: Date) -> bool {
    r.status != RosterStatus::Rejected && r.next_visit.is_some_and(|d| d < today)
}

#[derive(Serialize)]
struct CareLine {
    id: i64,
    version: i64,
    href: String,
    name: String,
    id_number: String,
    sex: &'static str,
    age: String,
    relation: &'static str,
    household_no: String,
    household_href: String,
    village_name: String,
    group: String,
    care_group: &'static str,
    status: &'static str,
    status_code: &'static str,
    badge: &'static str,
    reason: String,
    note: String,
    next_visit: String,
    last_visit: String,
    visits: i64,
    overdue: bool,
    updated_by: String,
    updated_at: String,
}

fn care_line(r: &CareRow, today: Date) -> CareLine {
    CareLine {
        id: r.id,
        version: r.version,
        href: format!("/lowincome/care/{}", r.id),
        name: r
            .person
            .name
            .clone()
            .unwrap_or_else(|| "（已不在户籍中）".into()),
        id_number: views::id_shown(&r.person.id_number, false),
        sex: views::label(r.sex),
        age: r
            .birth_date
            .map(|b| format!("{} 岁", age_on(b, today)))
            .unwrap_or_default(),
        relation: views::label(r.relation),
        household_no: r.household_no.clone(),
        household_href: household_href(&r.household_no),
        village_name: r.village_name.clone(),
        group: r.group.map(group_label).unwrap_or_default(),
        care_group: r.care_group.label(),
        status: r.status.label(),
        status_code: r.status.code(),
        badge: status_badge(r.status),
        reason: r.reason.clone(),
        note: r.note.clone(),
        next_visit: r.next_visit.map(|d| d.to_string()).unwrap_or_default(),
        last_visit: r.last_visit.map(|d| d.to_string()).unwrap_or_default(),
        visits: r.visits,
        overdue: visit_overdue(r, today),
        updated_by: r.updated_by.clone(),
        updated_at: views::timestamp(&r.updated_at),
    }
}

async fn care_list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(params): Query<CareListParams>,
) -> Result<Response, AppError> {
    require_read(&user)?;
    let today = views::today();
    let filter = params.filter(today);
    let list = state
        .store
        .care_list(
            &user.actor,
            &filter,
            views::page_request(&params.page, PER_PAGE),
        )
        .await?;
    let q = params.query(today);
    let pager = Pager::new(&list, "/lowincome/care", &q);
    let rows: Vec<CareLine> = list.items.iter().map(|r| care_line(r, today)).collect();
    let frame = Frame::build(&state, &user, "lowincome-care", "关爱名册").await?;
    let html = state.render(
        "care.html",
        minijinja::context! {
            frame,
            rows,
            pager,
            params,
            selected_village => filter.village.as_ref().map(|v| v.to_string()).unwrap_or_default(),
            selected_group => filter.group.map(|g| g.code()).unwrap_or_default(),
            selected_status => filter.status.map(|s| s.code()).unwrap_or_default(),
            overdue => params.overdue_only(),
            villages => village_choices(&state, &user).await?,
            groups => code_choices::<CareGroup>(),
            statuses => code_choices::<RosterStatus>(),
            filtered => filter != CareFilter::default(),
            may_care => lowincome::may_care(user.role()),
        },
    )?;
    Ok(html.into_response())
}

/// 重新生成: derives the rosters of the user's scope with the rules in force (待核实 entries
/// refreshed, confirmed and rejected ones kept).
pub async fn care_refresh(
    state: &AppState,
    user: &CurrentUser,
) -> Result<CareRefreshSummary, AppError> {
    require_care(user)?;
    let today = views::today();
    let policy = policy(state).await?;
    let params = CareParams::resolve(&policy, &user.user.division, today.year());
    let summary = state
        .store
        .care_refresh(&user.actor, today, &params)
        .await?;
    tracing::info!(user.name = %user.user.username, care.created = summary.created, care.removed = summary.removed, "care rosters refreshed");
    Ok(summary)
}

pub fn refresh_message(s: &CareRefreshSummary) -> String {
    format!(
        "已按现行规则重新生成关爱名册：新增待核实 {} 人次，更新 {}，未变 {}，保留已核实或不属实 {}，移除 {}。",
        count(s.created),
        count(s.updated),
        count(s.unchanged),
        count(s.kept),
        count(s.removed)
    )
}

async fn care_refresh_submit(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response, AppError> {
    let summary = care_refresh(&state, &user).await?;
    user.set_flash(&refresh_message(&summary)).await?;
    Ok(Redirect::to("/lowincome/care").into_response())
}

fn field_error(field: &str, message: impl Into<String>) -> AppError {
    let message = message.into();
    AppError::Invalid {
        message: message.clone(),
        fields: [(field.to_string(), message)].into(),
    }
}

/// 核实: confirms (已核实) or rejects (不属实, with a note) an entry, at the version the user saw.
pub async fn care_set_status(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    version: i64,
    status: &str,
    note: &str,
) -> Result<RosterStatus, AppError> {
    require_care(user)?;
    let status = match RosterStatus::parse_label(status) {
        Some(s @ (RosterStatus::Confirmed | RosterStatus::Rejected)) => s,
        _ => {
            return Err(field_error("status", "请选择核实结果：已核实 或 不属实"));
        }
    };
    let note = note.trim();
    if status == RosterStatus::Rejected && note.is_empty() {
        return Err(field_error("note", "核实为不属实须填写说明"));
    }
    if note.chars().count() > NOTE_MAX {
        return Err(field_error("note", format!("说明不能超过 {NOTE_MAX} 字")));
    }
    state
        .store
        .care_set_status(&user.actor, id, version, status, note)
        .await?;
    tracing::info!(user.name = %user.user.username, care.id = id, care.status = status.code(), "care entry checked");
    Ok(status)
}

/// A visit as typed (form or API).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct VisitInput {
    /// 走访日期 `YYYY-MM-DD`, not after today.
    pub date: String,
    /// 走访人.
    pub visitor: String,
    /// 走访内容.
    pub content: String,
    /// 下次走访日期 (optional), after the visit.
    pub next_visit: String,
}

fn parse_visit(v: &VisitInput, today: Date) -> Result<NewCareVisit, FieldErrors> {
    let mut errors = FieldErrors::new();
    let date = match parse_date(&v.date) {
        Some(d) if d > today => {
            errors.insert(
                "date".into(),
                format!("走访日期 {d} 不能晚于今天（{today}）"),
            );
            d
        }
        Some(d) => d,
        None => {
            errors.insert("date".into(), "请填写走访日期，如 2026-10-08".to_string());
            today
        }
    };
    let visitor = v.visitor.trim();
    if visitor.is_empty() {
        errors.insert("visitor".into(), "请填写走访人".into());
    } else if visitor.chars().count() > 100 {
        errors.insert("visitor".into(), "走访人不能超过 100 字".into());
    }
    let content = v.content.trim();
    if content.is_empty() {
        errors.insert(
            "content".into(),
            "请填写走访内容（见到本人、生活和学习情况、需要的帮助）".into(),
        );
    } else if content.chars().count() > VISIT_TEXT_MAX {
        errors.insert(
            "content".into(),
            format!("走访内容不能超过 {VISIT_TEXT_MAX} 字"),
        );
    }
    let next_visit = match v.next_visit.trim() {
        "" => None,
        t => match parse_date(t) {
            Some(n) if n <= date => {
                errors.insert(
                    "next_visit".into(),
                    format!("下次走访日期 {n} 应晚于本次走访日期 {date}"),
                );
                None
            }
            Some(n) => Some(n),
            None => {
                errors.insert(
                    "next_visit".into(),
                    "下次走访日期格式应为 2026-10-08".into(),
                );
                None
            }
        },
    };
    if errors.is_empty() {
        Ok(NewCareVisit {
            date,
            visitor: visitor.to_string(),
            content: content.to_string(),
            next_visit,
            today,
        })
    } else {
        Err(errors)
    }
}

/// Records a visit to an entry (and its next visit).
pub async fn care_add_visit(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    input: &VisitInput,
) -> Result<(), AppError> {
    require_care(user)?;
    let visit = parse_visit(input, views::today()).map_err(|fields| AppError::Invalid {
        message: fields.values().cloned().collect::<Vec<_>>().join("；"),
        fields,
    })?;
    state.store.care_visit(&user.actor, id, &visit).await?;
    tracing::info!(user.name = %user.user.username, care.id = id, "care visit recorded");
    Ok(())
}

#[derive(Serialize)]
struct VisitLine {
    date: String,
    visitor: String,
    content: String,
    next_visit: String,
    recorded: String,
}

async fn care_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    render_care(
        &state,
        &user,
        id,
        &Fields::default(),
        &FieldErrors::new(),
        None,
        StatusCode::OK,
    )
    .await
}

async fn render_care(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    form: &Fields,
    errors: &FieldErrors,
    top: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    require_read(user)?;
    let today = views::today();
    let detail = state.store.care_get(&user.actor, id).await?;
    let entry = care_line(&detail.entry, today);
    let visits: Vec<VisitLine> = detail
        .visits
        .iter()
        .map(|v| VisitLine {
            date: v.date.to_string(),
            visitor: v.visitor.clone(),
            content: v.content.clone(),
            next_visit: v.next_visit.map(|d| d.to_string()).unwrap_or_default(),
            recorded: views::timestamp(&v.created_at),
        })
        .collect();
    let frame = Frame::build(
        state,
        user,
        "lowincome-care",
        &format!("关爱名册 · {}", entry.name),
    )
    .await?;
    let mut summary: Vec<String> = top.into_iter().collect();
    summary.extend(errors.values().cloned());
    let may_care = lowincome::may_care(user.role());
    let html = state.render(
        "care_entry.html",
        minijinja::context! {
            frame,
            e => entry,
            rejected => detail.entry.status == RosterStatus::Rejected,
            visits,
            form,
            errors,
            summary,
            may_care,
            today => today.to_string(),
            visitor_default => user.user.display_name.clone(),
        },
    )?;
    Ok((status, html).into_response())
}

/// An action's refusal shown on the entry's page; other errors go to the error page.
async fn refused(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    fields: &Fields,
    e: AppError,
) -> Result<Response, AppError> {
    let (errors, summary, status) = e.into_form_refusal()?;
    render_care(state, user, id, fields, &errors, summary, status).await
}

async fn care_status_submit(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let fields = Fields::from_pairs(pairs);
    let version = fields.version()?;
    match care_set_status(
        &state,
        &user,
        id,
        version,
        fields.get("status"),
        fields.get("note"),
    )
    .await
    {
        Ok(s) => {
            user.set_flash(&format!("已记录核实结果：{}。", s.label()))
                .await?;
            Ok(Redirect::to(&format!("/lowincome/care/{id}")).into_response())
        }
        Err(e) => refused(&state, &user, id, &fields, e).await,
    }
}

async fn care_visit_submit(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let fields = Fields::from_pairs(pairs);
    let input = VisitInput {
        date: fields.get("date").to_string(),
        visitor: fields.get("visitor").to_string(),
        content: fields.get("content").to_string(),
        next_visit: fields.get("next_visit").to_string(),
    };
    match care_add_visit(&state, &user, id, &input).await {
        Ok(()) => {
            user.set_flash("已保存走访记录。").await?;
            Ok(Redirect::to(&format!("/lowincome/care/{id}")).into_response())
        }
        Err(e) => refused(&state, &user, id, &fields, e).await,
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn percentages_are_read_with_at_most_two_decimals() {
        assert_eq!(parse_percent("10"), Ok(1000));
        assert_eq!(parse_percent("19.17"), Ok(1917));
        assert_eq!(parse_percent("19.5%"), Ok(1950));
        assert_eq!(parse_percent("0"), Ok(0));
        assert_eq!(parse_percent("100"), Ok(10_000));
        assert!(parse_percent("100.01").is_err());
        assert!(parse_percent("1.234").is_err());
        assert!(parse_percent("-1").is_err());
        assert!(parse_percent("abc").is_err());
        assert!(parse_percent(".").is_err());
        assert_eq!(percent_plain(1000), "10");
        assert_eq!(percent_plain(1917), "19.17");
        assert_eq!(percent_plain(1950), "19.5");
        assert_eq!(percent_plain(0), "0");
    }

    #[test]
    fn a_visit_after_today_or_without_content_is_refused_per_field() {
        let today = date!(2026 - 11 - 28);
        let errors = parse_visit(
            &VisitInput {
                date: "2026-11-29".into(),
                visitor: " ".into(),
                content: String::new(),
                next_visit: "2026-11-01".into(),
            },
            today,
        )
        .expect_err("refused");
        assert!(errors["date"].contains("不能晚于今天"));
        assert!(errors.contains_key("visitor"));
        assert!(errors.contains_key("content"));
        assert!(errors["next_visit"].contains("应晚于"));
        let ok = parse_visit(
            &VisitInput {
                date: "2026-11-20".into(),
                visitor: "周敏".into(),
                content: "见到本人".into(),
                next_visit: "2026-12-20".into(),
            },
            today,
        )
        .expect("accepted");
        assert_eq!(ok.next_visit, Some(date!(2026 - 12 - 20)));
    }

    #[test]
    fn years_outside_the_sensible_range_fall_back_to_this_year() {
        let today = date!(2026 - 11 - 28);
        assert_eq!(year_of("2025", today), 2025);
        assert_eq!(year_of("2027", today), 2027);
        assert_eq!(year_of("2028", today), 2026);
        assert_eq!(year_of("1999", today), 2026);
        assert_eq!(year_of("", today), 2026);
    }
}
