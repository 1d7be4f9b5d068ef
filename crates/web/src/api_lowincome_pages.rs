//! The low-income part of the JSON API that mirrors the pages of [`crate::lowincome_pages`]: the
//! population list and its counts, the medical three tiers, the year's premium subsidy list and
//! the care rosters with their two actions. Same filters, rules and scope as the pages; ID numbers
//! are always masked; refusals answer 422 `{"error", "fields"}`, a stale version 409, an entry of
//! another village 404.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};
use zhenxing_domain::CodeEnum;
use zhenxing_store::{CareRefreshSummary, CareRow, LowIncomeRow, MedicalPersonRow};

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::lowincome_exports::{percent, premium_total};
use crate::lowincome_pages::{
    self, CareListParams, MedicalParams, PopulationParams, PremiumParams, VisitInput,
    medical_query, require_read, visit_overdue, year_of,
};
use crate::state::AppState;
use crate::views;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/low-income", get(population))
        .route("/api/v1/low-income/counts", get(counts))
        .route("/api/v1/medical-years", get(medical))
        .route("/api/v1/premium", get(premium))
        .route("/api/v1/care", get(care_list))
        .route("/api/v1/care/refresh", post(care_refresh))
        .route("/api/v1/care/{id}", get(care_get))
        .route("/api/v1/care/{id}/status", post(care_status))
        .route("/api/v1/care/{id}/visits", post(care_visit))
}

#[derive(OpenApi)]
#[openapi(
    paths(population, counts, medical, premium, care_list, care_refresh, care_get, care_status, care_visit),
    components(schemas(PopulationItem, PopulationPage, CountItem, MedicalItem, PremiumItem, PremiumList, CareItem, CarePage, CareVisitItem, CareDetailDto, RefreshResult, StatusRequest, VisitInput)),
    tags((name = "lowincome", description = "农村低收入人口：总览与统计、医疗三重保障、养老保险代缴、关爱名册"))
)]
pub struct LowIncomePagesApi;

fn yuan_text(y: zhenxing_domain::Yuan) -> String {
    y.plain()
}

// ---------- the population ----------

#[derive(Serialize, ToSchema)]
pub struct PopulationItem {
    pub household_no: String,
    pub village_code: String,
    pub village_name: String,
    pub group: Option<u16>,
    pub head_name: Option<String>,
    pub size: i64,
    /// `ordinary` | `exited` | `monitored` (户类型 code).
    pub household_kind: String,
    pub monitoring_category: Option<String>,
    /// `dibao` | `tekun` | `marginal` | `monitored` | `sudden_hardship` | `temporary`.
    pub types: Vec<String>,
    /// Yuan, two decimals.
    pub dibao_amount: Option<String>,
    pub latest_income_year: Option<i32>,
    pub latest_net_income_per_capita: Option<String>,
}

impl From<&LowIncomeRow> for PopulationItem {
    fn from(r: &LowIncomeRow) -> Self {
        PopulationItem {
            household_no: r.household_no.clone(),
            village_code: r.village_code.to_string(),
            village_name: r.village_name.clone(),
            group: r.group,
            head_name: r.head_name.clone(),
            size: r.size,
            household_kind: r.household_kind.code().into(),
            monitoring_category: r.monitoring_category.map(|c| c.code().into()),
            types: r.types.iter().map(|t| t.code().to_string()).collect(),
            dibao_amount: r.dibao_amount.map(yuan_text),
            latest_income_year: r.latest_income_year,
            latest_net_income_per_capita: r.latest_net_income_per_capita.map(yuan_text),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PopulationPage {
    pub items: Vec<PopulationItem>,
    pub total: u64,
    pub page: u32,
    pub per_page: u32,
}

/// The low-income population: one row per household with all its types.
#[utoipa::path(get, path = "/api/v1/low-income", tag = "lowincome",
    params(("village" = Option<String>, Query, description = "村代码"),
           ("type" = Option<String>, Query, description = "dibao | tekun | marginal | monitored | sudden_hardship | temporary"),
           ("q" = Option<String>, Query, description = "户主姓名或户编号"),
           ("page" = Option<u32>, Query)),
    responses((status = 200, body = PopulationPage), (status = 403)))]
async fn population(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(params): Query<PopulationParams>,
) -> Result<Json<PopulationPage>, AppError> {
    require_read(&user)?;
    let page = state
        .store
        .low_income_list(
            &user.actor,
            &params.filter(),
            views::today(),
            views::page_request(&params.page, 50),
        )
        .await?;
    Ok(Json(PopulationPage {
        items: page.items.iter().map(PopulationItem::from).collect(),
        total: page.total,
        page: page.page,
        per_page: page.per_page,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct CountItem {
    pub village_code: String,
    pub village_name: String,
    /// A type code, or absent for "any type" (each household once).
    pub kind: Option<String>,
    /// Equals the `total` of `/api/v1/low-income?village=…&type=…`.
    pub count: u64,
}

/// The dashboard's numbers: every village × (each type, any type).
#[utoipa::path(get, path = "/api/v1/low-income/counts", tag = "lowincome",
    responses((status = 200, body = Vec<CountItem>), (status = 403)))]
async fn counts(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Vec<CountItem>>, AppError> {
    require_read(&user)?;
    let counts = state
        .store
        .low_income_counts(&user.actor, views::today())
        .await?;
    Ok(Json(
        counts
            .iter()
            .map(|c| CountItem {
                village_code: c.village_code.to_string(),
                village_name: c.village_name.clone(),
                kind: c.kind.map(|k| k.code().to_string()),
                count: c.count,
            })
            .collect(),
    ))
}

// ---------- medical three tiers ----------

#[derive(Serialize, ToSchema)]
pub struct MedicalItem {
    pub name: String,
    /// Masked.
    pub id_number: String,
    pub village_code: String,
    pub village_name: String,
    pub household_no: String,
    pub records: u32,
    /// Yuan, two decimals.
    pub total: String,
    pub basic: String,
    pub critical: String,
    pub assistance: String,
    pub out_of_pocket: String,
    pub eligible: String,
    /// 政策范围内费用.
    pub in_scope: String,
    /// 政策范围内自付比例 ×10^4 (1917 = 19.17%).
    pub in_scope_ratio: Option<i64>,
    pub in_scope_ratio_text: Option<String>,
    /// 个人自付占总费用比例 ×10^4.
    pub oop_ratio: Option<i64>,
    /// `1`–`4`, absent when the person is in no class.
    pub class: Option<String>,
    pub class_label: Option<String>,
}

impl From<&MedicalPersonRow> for MedicalItem {
    fn from(r: &MedicalPersonRow) -> Self {
        let m = &r.medical;
        MedicalItem {
            name: r.name.clone(),
            id_number: views::id_shown(&r.id_number, false),
            village_code: r.village_code.to_string(),
            village_name: r.village_name.clone(),
            household_no: r.household_no.clone(),
            records: m.records,
            total: yuan_text(m.total),
            basic: yuan_text(m.basic),
            critical: yuan_text(m.critical),
            assistance: yuan_text(m.assistance),
            out_of_pocket: yuan_text(m.out_of_pocket),
            eligible: yuan_text(m.eligible),
            in_scope: yuan_text(m.in_scope()),
            in_scope_ratio: m.in_scope_ratio(),
            in_scope_ratio_text: m.in_scope_ratio().map(percent),
            oop_ratio: m.oop_ratio(),
            class: r.class.map(|c| c.code().to_string()),
            class_label: r.class.map(|c| c.label().to_string()),
        }
    }
}

/// Per person of the year: the three tiers, the ratio and the medical-assistance class. `ratio`
/// (per cent) and `amount` (yuan) default to the policy's 关注线; pass them empty for everyone.
#[utoipa::path(get, path = "/api/v1/medical-years", tag = "lowincome",
    params(("year" = Option<i32>, Query, description = "年度，默认今年"),
           ("village" = Option<String>, Query, description = "村代码"),
           ("class" = Option<String>, Query, description = "1 | 2 | 3 | 4 | none"),
           ("ratio" = Option<String>, Query, description = "政策范围内自付比例不低于（百分数），默认政策参数 medical_ratio_alert；空为不限"),
           ("amount" = Option<String>, Query, description = "个人自付不低于（元），默认政策参数 medical_oop_alert；空为不限")),
    responses((status = 200, body = Vec<MedicalItem>), (status = 403), (status = 422, description = "关注线无法识别")))]
async fn medical(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(params): Query<MedicalParams>,
) -> Result<Json<Vec<MedicalItem>>, AppError> {
    require_read(&user)?;
    let policy = zhenxing_domain::Policy::new(state.store.policy_values().await?);
    let q = medical_query(&params, &policy, &user.user.division, views::today());
    if !q.errors.is_empty() {
        return Err(AppError::Invalid {
            message: q.errors.values().cloned().collect::<Vec<_>>().join("；"),
            fields: q.errors,
        });
    }
    let rows = lowincome_pages::medical_rows(&state, &user, &q).await?;
    Ok(Json(rows.iter().map(MedicalItem::from).collect()))
}

// ---------- premium ----------

#[derive(Serialize, ToSchema)]
pub struct PremiumItem {
    pub name: String,
    /// Masked.
    pub id_number: String,
    pub village_code: String,
    pub village_name: String,
    pub household_no: String,
    pub birth_date: String,
    /// `tekun` | `dibao` | `monitored` | `severe_disability`.
    pub group: String,
    pub group_label: String,
    /// Yuan, two decimals.
    pub amount: String,
}

#[derive(Serialize, ToSchema)]
pub struct PremiumList {
    pub year: i32,
    pub people: usize,
    /// Σ amount, yuan.
    pub total: String,
    pub items: Vec<PremiumItem>,
}

/// The year's 代缴 list (16–59 in the year, insured, in a group), amounts from the policy table.
#[utoipa::path(get, path = "/api/v1/premium", tag = "lowincome",
    params(("year" = Option<i32>, Query, description = "年度，默认今年"),
           ("village" = Option<String>, Query, description = "村代码"),
           ("group" = Option<String>, Query, description = "tekun | dibao | monitored | severe_disability"),
           ("q" = Option<String>, Query, description = "姓名或户编号")),
    responses((status = 200, body = PremiumList), (status = 403)))]
async fn premium(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(params): Query<PremiumParams>,
) -> Result<Json<PremiumList>, AppError> {
    let year = year_of(&params.year, views::today());
    let list: Vec<_> = lowincome_pages::premium_year(&state, &user, year)
        .await?
        .into_iter()
        .filter(|c| params.keeps(c))
        .collect();
    Ok(Json(PremiumList {
        year,
        people: list.len(),
        total: yuan_text(premium_total(&list)),
        items: list
            .iter()
            .map(|c| PremiumItem {
                name: c.name.clone(),
                id_number: views::id_shown(&c.id_number, false),
                village_code: c.village_code.to_string(),
                village_name: c.village_name.clone(),
                household_no: c.household_no.clone(),
                birth_date: c.birth_date.to_string(),
                group: c.group.map(|g| g.code().to_string()).unwrap_or_default(),
                group_label: c.group.map(|g| g.label().to_string()).unwrap_or_default(),
                amount: c.subsidy.map(yuan_text).unwrap_or_default(),
            })
            .collect(),
    }))
}

// ---------- care rosters ----------

#[derive(Serialize, ToSchema)]
pub struct CareItem {
    pub id: i64,
    /// Send it back with `status`.
    pub version: i64,
    pub name: Option<String>,
    /// Masked.
    pub id_number: String,
    pub village_code: String,
    pub village_name: String,
    pub household_no: String,
    /// `child` | `woman` | `elder` | `disabled`.
    pub care_group: String,
    pub care_group_label: String,
    /// `derived` (待核实) | `confirmed` | `rejected`.
    pub status: String,
    pub reason: String,
    pub note: String,
    pub next_visit: Option<String>,
    pub last_visit: Option<String>,
    pub visits: i64,
    pub visit_overdue: bool,
}

fn care_item(r: &CareRow, today: time::Date) -> CareItem {
    CareItem {
        id: r.id,
        version: r.version,
        name: r.person.name.clone(),
        id_number: views::id_shown(&r.person.id_number, false),
        village_code: r.village_code.to_string(),
        village_name: r.village_name.clone(),
        household_no: r.household_no.clone(),
        care_group: r.care_group.code().into(),
        care_group_label: r.care_group.label().into(),
        status: r.status.code().into(),
        reason: r.reason.clone(),
        note: r.note.clone(),
        next_visit: r.next_visit.map(|d| d.to_string()),
        last_visit: r.last_visit.map(|d| d.to_string()),
        visits: r.visits,
        visit_overdue: visit_overdue(r, today),
    }
}

#[derive(Serialize, ToSchema)]
pub struct CarePage {
    pub items: Vec<CareItem>,
    pub total: u64,
    pub page: u32,
    pub per_page: u32,
}

/// The care rosters of the caller's scope.
#[utoipa::path(get, path = "/api/v1/care", tag = "lowincome",
    params(("village" = Option<String>, Query, description = "村代码"),
           ("group" = Option<String>, Query, description = "child | woman | elder | disabled"),
           ("status" = Option<String>, Query, description = "derived | confirmed | rejected"),
           ("overdue" = Option<String>, Query, description = "1：只看走访逾期"),
           ("q" = Option<String>, Query, description = "姓名或户编号"),
           ("page" = Option<u32>, Query)),
    responses((status = 200, body = CarePage), (status = 403)))]
async fn care_list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(params): Query<CareListParams>,
) -> Result<Json<CarePage>, AppError> {
    require_read(&user)?;
    let today = views::today();
    let page = state
        .store
        .care_list(
            &user.actor,
            &params.filter(today),
            views::page_request(&params.page, 50),
        )
        .await?;
    Ok(Json(CarePage {
        items: page.items.iter().map(|r| care_item(r, today)).collect(),
        total: page.total,
        page: page.page,
        per_page: page.per_page,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct RefreshResult {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub kept: u64,
    pub removed: u64,
    pub message: String,
}

impl From<&CareRefreshSummary> for RefreshResult {
    fn from(s: &CareRefreshSummary) -> Self {
        RefreshResult {
            created: s.created,
            updated: s.updated,
            unchanged: s.unchanged,
            kept: s.kept,
            removed: s.removed,
            message: lowincome_pages::refresh_message(s),
        }
    }
}

/// 重新生成: derives the rosters of the caller's scope with the rules in force.
#[utoipa::path(post, path = "/api/v1/care/refresh", tag = "lowincome",
    responses((status = 200, body = RefreshResult), (status = 403)))]
async fn care_refresh(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<RefreshResult>, AppError> {
    let s = lowincome_pages::care_refresh(&state, &user).await?;
    Ok(Json(RefreshResult::from(&s)))
}

#[derive(Serialize, ToSchema)]
pub struct CareVisitItem {
    pub date: String,
    pub visitor: String,
    pub content: String,
    pub next_visit: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CareDetailDto {
    pub entry: CareItem,
    /// Newest first.
    pub visits: Vec<CareVisitItem>,
}

#[utoipa::path(get, path = "/api/v1/care/{id}", tag = "lowincome", params(("id" = i64, Path)),
    responses((status = 200, body = CareDetailDto), (status = 404)))]
async fn care_get(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<CareDetailDto>, AppError> {
    require_read(&user)?;
    let d = state.store.care_get(&user.actor, id).await?;
    Ok(Json(CareDetailDto {
        entry: care_item(&d.entry, views::today()),
        visits: d
            .visits
            .iter()
            .map(|v| CareVisitItem {
                date: v.date.to_string(),
                visitor: v.visitor.clone(),
                content: v.content.clone(),
                next_visit: v.next_visit.map(|d| d.to_string()),
            })
            .collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct StatusRequest {
    /// The entry version the client saw.
    pub version: i64,
    /// `confirmed` (已核实) | `rejected` (不属实).
    pub status: String,
    /// Required for `rejected`.
    #[serde(default)]
    pub note: String,
}

/// 核实: 已核实 or 不属实 (with a note).
#[utoipa::path(post, path = "/api/v1/care/{id}/status", tag = "lowincome", params(("id" = i64, Path)),
    request_body = StatusRequest,
    responses((status = 204, description = "已记录"), (status = 403), (status = 404), (status = 409), (status = 422)))]
async fn care_status(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(req): Json<StatusRequest>,
) -> Result<Response, AppError> {
    lowincome_pages::care_set_status(&state, &user, id, req.version, &req.status, &req.note)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Records a visit (and the next visit date).
#[utoipa::path(post, path = "/api/v1/care/{id}/visits", tag = "lowincome", params(("id" = i64, Path)),
    request_body = VisitInput,
    responses((status = 204, description = "已记录"), (status = 403), (status = 404), (status = 422)))]
async fn care_visit(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(input): Json<VisitInput>,
) -> Result<Response, AppError> {
    lowincome_pages::care_add_visit(&state, &user, id, &input).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
