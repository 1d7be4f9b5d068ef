//! The monitoring part of the JSON API: every action of the monitoring screens (record a clue, take a
//! step, measures, pairing, income checks, the overview and the policy table). Decisions are the
//! same as on the pages ([`crate::monitoring`]); refusals answer 422 `{"error": "中文说明"}`, a
//! stale version 409. Dates are `YYYY-MM-DD`, money a decimal string in yuan, codes the English codes.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::{OpenApi, ToSchema};
use zhenxing_domain::assistance::Measure;
use zhenxing_domain::case::{Action, CaseKind, Clue};
use zhenxing_domain::elimination::{Condition, IncomeCheck};
use zhenxing_domain::{CodeEnum, DivisionCode, PolicyKey, PolicyValue, Yuan};
use zhenxing_store::{CaseEvent, CaseRecord, Page, PageRequest};

use crate::auth::CurrentUser;
use crate::cases::CaseParams;
use crate::error::AppError;
use crate::monitoring;
use crate::views;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/cases", get(cases).post(case_create))
        .route("/api/v1/cases/{id}", get(case_get))
        .route("/api/v1/cases/{id}/actions", post(case_action))
        .route(
            "/api/v1/households/{household_no}/monitoring",
            get(household_monitoring),
        )
        .route(
            "/api/v1/households/{household_no}/measures",
            post(measure_create),
        )
        .route("/api/v1/measures/{id}", put(measure_update))
        .route("/api/v1/households/{household_no}/helper", put(helper_set))
        .route(
            "/api/v1/households/{household_no}/income-checks",
            post(income_check),
        )
        .route("/api/v1/monitoring/overview", get(overview))
        .route("/api/v1/policy", get(policy_get).put(policy_put))
}

use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    paths(cases, case_create, case_get, case_action, household_monitoring, measure_create, measure_update, helper_set, income_check, overview, policy_get, policy_put),
    components(schemas(CaseCreate, CaseActionRequest, CreatedId, MeasureUpdateRequest, HelperRequest, IncomeCheckRequest, PolicyPut)),
    tags((name = "monitoring", description = "监测帮扶：线索、识别、帮扶措施、风险消除"), (name = "policy", description = "政策参数"))
)]
pub struct MonitoringApi;

fn ensure_api_user(user: &CurrentUser) -> Result<(), AppError> {
    user.require_registry()
}

/// A page of cases (`items` are case records: household, village, `case` with `kind`, `state`,
/// `clue`, dates, `risks`, `category`, and `version` for the next action).
#[utoipa::path(get, path = "/api/v1/cases", tag = "monitoring",
    params(("kind" = Option<String>, Query, description = "identification | elimination"),
           ("state" = Option<String>, Query, description = "awaiting_visit … approved | rejected"),
           ("village" = Option<String>, Query, description = "村代码"),
           ("overdue" = Option<String>, Query, description = "1 = 只看逾期"),
           ("q" = Option<String>, Query, description = "户主姓名或户编号"),
           ("page" = Option<u32>, Query)),
    responses((status = 200, description = "流程列表", body = Object)))]
async fn cases(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(params): Query<CaseParams>,
) -> Result<Json<Page<CaseRecord>>, AppError> {
    ensure_api_user(&user)?;
    let page = views::page_number(&params.page);
    Ok(Json(
        state
            .store
            .cases_list(
                &user.actor,
                &params.filter(views::today()),
                PageRequest { page, per_page: 50 },
            )
            .await?,
    ))
}

/// Record a clue (`kind` = identification) or propose elimination (`kind` = elimination).
#[derive(Deserialize, ToSchema)]
pub struct CaseCreate {
    pub household_no: String,
    #[schema(example = "identification")]
    pub kind: String,
    /// `{"source": "self_report" | "cadre_check" | "department_alert", "date": "2026-10-01", "reporter": "…", "description": "…"}`
    #[schema(value_type = Object)]
    pub clue: Clue,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedId {
    pub id: i64,
}

#[utoipa::path(post, path = "/api/v1/cases", tag = "monitoring", request_body = CaseCreate,
    responses((status = 200, body = CreatedId), (status = 409, description = "该户已有办理中的流程"), (status = 422, description = "不符合条件，附中文原因")))]
async fn case_create(
    State(state): State<AppState>,
    user: CurrentUser,
    Json(req): Json<CaseCreate>,
) -> Result<Json<CreatedId>, AppError> {
    let kind = CaseKind::parse_label(&req.kind)
        .ok_or_else(|| AppError::invalid(CaseKind::expected_message()))?;
    let id = monitoring::open_case(&state, &user, &req.household_no, kind, req.clue).await?;
    Ok(Json(CreatedId { id }))
}

#[derive(Serialize)]
struct CaseDetail {
    record: CaseRecord,
    events: Vec<CaseEvent>,
    /// The role that acts next (`village_cadre`, `town_staff`, `county_approver`), if open.
    acting_role: Option<&'static str>,
    next_action: Option<&'static str>,
}

#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "monitoring", params(("id" = i64, Path)),
    responses((status = 200, description = "流程及办理记录", body = Object), (status = 404)))]
async fn case_get(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    ensure_api_user(&user)?;
    let record = state.store.case_get(&user.actor, id).await?;
    let events = state.store.case_events(&user.actor, id).await?;
    let open = record.case.is_open();
    Ok(Json(CaseDetail {
        acting_role: record
            .case
            .state
            .acting_role()
            .filter(|_| open)
            .map(|r| r.code()),
        next_action: record.case.state.next_action().map(|a| a.code()),
        record,
        events,
    })
    .into_response())
}

/// One step. `action` is tagged by `action`: `home_visit`, `data_check`, `village_review`,
/// `post_notice`, `close_notice`, `town_review`, `county_approval`, `reject`, `rollback`, with the
/// fields of that step (see the case page's forms), e.g.
/// `{"action": "post_notice", "start": "2026-10-08", "end": "2026-10-13"}`.
#[derive(Deserialize, ToSchema)]
pub struct CaseActionRequest {
    /// The case version the client saw; a different current version answers 409.
    pub version: i64,
    #[schema(value_type = Object)]
    pub action: Action,
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/actions", tag = "monitoring", params(("id" = i64, Path)),
    request_body = CaseActionRequest,
    responses((status = 200, description = "办理后的流程", body = Object), (status = 409, description = "该流程已被他人办理"), (status = 422, description = "不允许的办理，附中文原因")))]
async fn case_action(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(req): Json<CaseActionRequest>,
) -> Result<Response, AppError> {
    monitoring::apply_step(&state, &user, id, req.version, &req.action).await?;
    let record = state.store.case_get(&user.actor, id).await?;
    Ok(Json(record).into_response())
}

#[derive(Serialize)]
struct MonitoringDto {
    status: &'static str,
    info: zhenxing_store::MonitoringInfo,
    warnings: Vec<String>,
    eligible: Option<bool>,
    conditions: Vec<Condition>,
}

#[utoipa::path(get, path = "/api/v1/households/{household_no}/monitoring", tag = "monitoring",
    params(("household_no" = String, Path)),
    responses((status = 200, description = "监测状态、帮扶措施、预警提示和风险消除条件", body = Object), (status = 404)))]
async fn household_monitoring(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(no): Path<String>,
) -> Result<Response, AppError> {
    ensure_api_user(&user)?;
    let d = state.store.household_get(&user.actor, &no).await?;
    let info = state.store.monitoring_info(&user.actor, &no).await?;
    let today = views::today();
    let rules = monitoring::rules(&state, &d.household.village, today).await?;
    let (status, _) = monitoring::status_label(&info, &d);
    let monitored = d.household.kind == zhenxing_domain::household::HouseholdKind::Monitored
        && !info.risk_eliminated;
    let judged = if monitored {
        monitoring::judge_elimination(&d, &info, &rules, today).ok()
    } else {
        None
    };
    Ok(Json(MonitoringDto {
        status,
        warnings: monitoring::warnings(&d, &info, &rules, today),
        eligible: judged.as_ref().map(|e| e.allowed()),
        conditions: judged.map(|e| e.conditions).unwrap_or_default(),
        info,
    })
    .into_response())
}

fn check_measure(user: &CurrentUser, m: &Measure) -> Result<(), AppError> {
    user.require_registry()?;
    if !crate::assistance::may_assist(user.role()) {
        return Err(AppError::Forbidden(format!(
            "您的角色（{}）不能登记帮扶措施",
            user.role().label()
        )));
    }
    let problems = m.check(views::today());
    if problems.is_empty() {
        Ok(())
    } else {
        Err(AppError::Invalid {
            message: problems
                .iter()
                .map(|(_, m)| m.clone())
                .collect::<Vec<_>>()
                .join("；"),
            fields: problems
                .into_iter()
                .map(|(f, m)| (f.to_string(), m))
                .collect(),
        })
    }
}

/// A measure: `{"kind": "industry", "content": "…", "responsible_unit": "…", "responsible_person": "…",
/// "start": "2026-10-20", "end": null, "funds": "3000.00", "status": "in_progress", "result": "",
/// "beneficiary": ""}`.
#[utoipa::path(post, path = "/api/v1/households/{household_no}/measures", tag = "monitoring",
    params(("household_no" = String, Path)), request_body(content = Object, description = "帮扶措施"),
    responses((status = 200, body = CreatedId), (status = 422)))]
async fn measure_create(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(no): Path<String>,
    Json(m): Json<Measure>,
) -> Result<Json<CreatedId>, AppError> {
    check_measure(&user, &m)?;
    let id = state.store.measure_create(&user.actor, &no, &m).await?;
    Ok(Json(CreatedId { id }))
}

#[derive(Deserialize, ToSchema)]
pub struct MeasureUpdateRequest {
    pub version: i64,
    #[schema(value_type = Object)]
    pub measure: Measure,
}

#[utoipa::path(put, path = "/api/v1/measures/{id}", tag = "monitoring", params(("id" = i64, Path)),
    request_body = MeasureUpdateRequest,
    responses((status = 200, description = "已保存", body = Object), (status = 409), (status = 422)))]
async fn measure_update(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(req): Json<MeasureUpdateRequest>,
) -> Result<Response, AppError> {
    check_measure(&user, &req.measure)?;
    state
        .store
        .measure_update(&user.actor, id, req.version, &req.measure)
        .await?;
    Ok(Json(state.store.measure_get(&user.actor, id).await?).into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct HelperRequest {
    pub user_id: i64,
    #[schema(value_type = String, example = "2026-10-20")]
    pub start: Date,
}

#[utoipa::path(put, path = "/api/v1/households/{household_no}/helper", tag = "monitoring",
    params(("household_no" = String, Path)), request_body = HelperRequest,
    responses((status = 204, description = "已安排"), (status = 403), (status = 422)))]
async fn helper_set(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(no): Path<String>,
    Json(req): Json<HelperRequest>,
) -> Result<Response, AppError> {
    user.require_registry()?;
    if !matches!(
        user.role(),
        zhenxing_domain::Role::TownStaff | zhenxing_domain::Role::VillageCadre
    ) {
        return Err(AppError::Forbidden(
            "只有村干部和镇乡村振兴办可以安排结对帮扶".into(),
        ));
    }
    state
        .store
        .pairing_set(&user.actor, &no, req.user_id, req.start)
        .await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct IncomeCheckRequest {
    #[schema(value_type = String, example = "2026-10-20")]
    pub date: Date,
    #[schema(value_type = String, example = "8200.00")]
    pub per_capita: Yuan,
    #[serde(default)]
    pub notes: String,
}

#[utoipa::path(post, path = "/api/v1/households/{household_no}/income-checks", tag = "monitoring",
    params(("household_no" = String, Path)), request_body = IncomeCheckRequest,
    responses((status = 204, description = "已记录"), (status = 422)))]
async fn income_check(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(no): Path<String>,
    Json(req): Json<IncomeCheckRequest>,
) -> Result<Response, AppError> {
    user.require_registry()?;
    if !crate::assistance::may_assist(user.role()) {
        return Err(AppError::Forbidden("您的角色不能记录收入核实".into()));
    }
    if req.date > views::today() {
        return Err(AppError::invalid("核实日期不能晚于今天"));
    }
    if req.per_capita < Yuan::ZERO {
        return Err(AppError::invalid("人均纯收入不能为负数"));
    }
    state
        .store
        .income_check_add(
            &user.actor,
            &no,
            IncomeCheck {
                date: req.date,
                per_capita: req.per_capita,
            },
            &req.notes,
        )
        .await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

#[utoipa::path(get, path = "/api/v1/monitoring/overview", tag = "monitoring",
    responses((status = 200, description = "监测总览的各项统计（与列表一致）", body = Object)))]
async fn overview(State(state): State<AppState>, user: CurrentUser) -> Result<Response, AppError> {
    ensure_api_user(&user)?;
    Ok(Json(
        state
            .store
            .monitoring_overview(&user.actor, views::today())
            .await?,
    )
    .into_response())
}

#[derive(Serialize)]
struct PolicyDto {
    key: &'static str,
    label: &'static str,
    region: Option<String>,
    year: i32,
    /// Money in yuan (decimal string), days and months as integers in text.
    value: String,
    is_default: bool,
}

#[utoipa::path(get, path = "/api/v1/policy", tag = "policy",
    responses((status = 200, description = "政策参数表", body = Object)))]
async fn policy_get(
    State(state): State<AppState>,
    _user: CurrentUser,
) -> Result<Response, AppError> {
    let values = state.store.policy_values().await?;
    let out: Vec<PolicyDto> = values
        .iter()
        .map(|v| PolicyDto {
            key: v.key.code(),
            label: v.key.label(),
            region: v.region.as_ref().map(|r| r.to_string()),
            year: v.year,
            value: v.key.input_value(v.value),
            is_default: v.is_default,
        })
        .collect();
    Ok(Json(out).into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct PolicyPut {
    #[schema(example = "monitoring_line")]
    pub key: String,
    /// Division code; absent = national default.
    pub region: Option<String>,
    pub year: i32,
    /// Yuan for money (`"7500"`), an integer for days and months.
    pub value: String,
}

#[utoipa::path(put, path = "/api/v1/policy", tag = "policy", request_body = PolicyPut,
    responses((status = 204, description = "已保存"), (status = 403), (status = 422)))]
async fn policy_put(
    State(state): State<AppState>,
    user: CurrentUser,
    Json(req): Json<PolicyPut>,
) -> Result<Response, AppError> {
    if !user.role().can_manage_users() {
        return Err(AppError::Forbidden("只有管理员可以修改政策参数".into()));
    }
    let key = PolicyKey::parse_label(&req.key)
        .ok_or_else(|| AppError::invalid(PolicyKey::expected_message()))?;
    let region = match req.region.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(t) => Some(DivisionCode::parse(t).map_err(|e| AppError::invalid(e.to_string()))?),
    };
    if !(zhenxing_domain::policy::TRANSITION_START_YEAR..=2100).contains(&req.year) {
        return Err(AppError::invalid("生效年度应为 2021 至 2100 之间的年份"));
    }
    let value = key.parse_value(&req.value).map_err(AppError::invalid)?;
    state
        .store
        .policy_set(
            &user.actor,
            &PolicyValue {
                key,
                region,
                year: req.year,
                value,
                is_default: false,
            },
        )
        .await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}
