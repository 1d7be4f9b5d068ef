//! The department-screening part of the JSON API: feed uploads, runs, what-if, the warning queue
//! with its two actions, and the rule set with its dry run. The same operations as the pages
//! ([`crate::feeds`], [`crate::warnings`], [`crate::screening_pages`]); refusals answer 422
//! `{"error": "中文说明", "fields": {…}}`, a stale version 409, an out-of-scope warning 404.

use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};
use zhenxing_domain::CodeEnum;
use zhenxing_screening::report::Row;
use zhenxing_store::{PageRequest, UnmatchedRecord};

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::feeds;
use crate::screening;
use crate::screening_pages::{self, WhatIfInput};
use crate::state::AppState;
use crate::views;
use crate::warnings::{self, WarningParams};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/feeds", get(feeds_list).post(feed_upload))
        .route("/api/v1/screening/runs", get(runs_list).post(run_create))
        .route("/api/v1/screening/what-if", post(what_if))
        .route("/api/v1/warnings", get(warnings_list))
        .route("/api/v1/warnings/{id}", get(warning_get))
        .route("/api/v1/warnings/{id}/convert", post(warning_convert))
        .route("/api/v1/warnings/{id}/dismiss", post(warning_dismiss))
        .route("/api/v1/screening/rules", get(rules_list))
        .route("/api/v1/screening/rules/{id}", put(rule_put))
        .route("/api/v1/screening/rules/{id}/dry-run", post(rule_dry_run))
}

#[derive(OpenApi)]
#[openapi(
    paths(feed_upload, feeds_list, run_create, runs_list, what_if, warnings_list, warning_get, warning_convert, warning_dismiss, rules_list, rule_put, rule_dry_run),
    components(schemas(FeedUploadForm, FeedUploadResult, FindingDto, RunRequest, RunResult, WhatIfRequest, WhatIfResult, VillageChange, VersionRequest, DismissRequest, ConvertResult, RulePut, PeriodRequest, DryRunResult)),
    tags((name = "screening", description = "部门筛查预警：部门数据上传、筛查运行、参数试算、预警处理、筛查规则"))
)]
pub struct ScreeningApi;

fn page_of(text: Option<u32>) -> u32 {
    text.unwrap_or(1).max(1)
}

// ---------- feeds ----------

/// The multipart form of an upload.
#[derive(ToSchema)]
#[expect(
    dead_code,
    reason = "describes the multipart form for the OpenAPI document only"
)]
pub struct FeedUploadForm {
    /// `medical` | `disability` | `education` | `housing` | `police` | `civil` | `disaster` |
    /// `employment` | `water` (or the Chinese label).
    kind: String,
    /// `YYYY-MM`.
    period: String,
    /// The file (.xlsx or .csv).
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

#[derive(Serialize, ToSchema)]
pub struct FindingDto {
    /// 1-based row of the file.
    pub row: usize,
    pub column: Option<String>,
    pub message: String,
}

#[derive(Serialize, ToSchema)]
pub struct FeedUploadResult {
    /// Absent when nothing was stored (every row malformed).
    pub upload_id: Option<i64>,
    /// The same file was uploaded before: nothing was changed.
    pub duplicate: bool,
    /// `该文件已上传过，未做任何改动` for a duplicate.
    pub message: Option<String>,
    pub kind: String,
    pub period: String,
    pub rows_total: u64,
    pub matched: u64,
    /// Records whose person or household is not in the registry: row and masked ID or 户编号.
    #[schema(value_type = Vec<Object>)]
    pub unmatched: Vec<UnmatchedRecord>,
    pub malformed: u64,
    /// Malformed rows: row, column, reason.
    pub findings: Vec<FindingDto>,
}

/// Upload a department file (multipart: `kind`, `period`, `file`). One transaction; a file uploaded
/// before changes nothing (`duplicate`).
#[utoipa::path(post, path = "/api/v1/feeds", tag = "screening",
    request_body(content = FeedUploadForm, content_type = "multipart/form-data"),
    responses((status = 200, body = FeedUploadResult), (status = 403), (status = 422, description = "类型、期间或文件有误，或没有可用的记录")))]
async fn feed_upload(
    State(state): State<AppState>,
    user: CurrentUser,
    multipart: Multipart,
) -> Result<Response, AppError> {
    feeds::require_upload(&user)?;
    let form = feeds::read_multipart(multipart)
        .await
        .map_err(AppError::BadRequest)?;
    let (kind, period, file_name, bytes) =
        feeds::check_form(&form).map_err(|fields| AppError::Invalid {
            message: fields.values().cloned().collect::<Vec<_>>().join("；"),
            fields,
        })?;
    let a = feeds::accept(&state, &user, kind, period, &file_name, bytes).await?;
    let body = FeedUploadResult {
        upload_id: a.outcome.as_ref().map(|o| o.upload_id),
        duplicate: a.duplicate(),
        message: a.duplicate().then(|| feeds::DUPLICATE_MESSAGE.to_string()),
        kind: kind.code().into(),
        period: period.to_string(),
        rows_total: a.rows_total,
        matched: a.matched(),
        unmatched: a.unmatched().to_vec(),
        malformed: a.rows_malformed,
        findings: a
            .findings
            .iter()
            .map(|f| FindingDto {
                row: f.row,
                column: f.column.clone(),
                message: f.message.clone(),
            })
            .collect(),
    };
    if a.outcome.is_none() {
        // Every row was malformed: nothing stored. The findings say why.
        #[derive(Serialize)]
        struct Refused<'a> {
            error: String,
            #[serde(flatten)]
            result: &'a FeedUploadResult,
        }
        let error = format!(
            "文件中没有可用的记录：{} 行全部有误，未导入任何数据",
            a.rows_total
        );
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(Refused {
                error,
                result: &body,
            }),
        )
            .into_response());
    }
    Ok(Json(body).into_response())
}

#[derive(Deserialize)]
struct PageQuery {
    page: Option<u32>,
    per_page: Option<u32>,
}

/// The upload history (newest first).
#[utoipa::path(get, path = "/api/v1/feeds", tag = "screening",
    params(("page" = Option<u32>, Query), ("per_page" = Option<u32>, Query)),
    responses((status = 200, description = "上传记录", body = Object)))]
async fn feeds_list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<PageQuery>,
) -> Result<Response, AppError> {
    feeds::require_upload(&user)?;
    let page = state
        .store
        .feed_uploads(
            &user.actor,
            PageRequest {
                page: page_of(q.page),
                per_page: q.per_page.unwrap_or(50),
            },
        )
        .await?;
    Ok(Json(page).into_response())
}

// ---------- runs ----------

#[derive(Deserialize, ToSchema)]
pub struct RunRequest {
    #[schema(example = "2026-03")]
    pub period: String,
    /// Overrides for this run, `name=value` (e.g. `monitoring_line=7500`).
    #[serde(default)]
    pub set: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RunResult {
    pub run_id: i64,
    pub period: String,
    pub households: usize,
    pub records: usize,
    pub rules: usize,
    /// Warnings created for the village queue.
    pub new: u64,
    /// Warnings created as information on monitored households.
    pub monitored: u64,
    /// Open warnings that gained evidence.
    pub updated: u64,
    /// Parameters used, `name=value` lines.
    pub params: String,
}

fn period_of(text: &str) -> Result<zhenxing_domain::feed::Period, AppError> {
    screening::parse_period(text).map_err(|m| AppError::Invalid {
        message: m.clone(),
        fields: [("period".to_string(), m)].into(),
    })
}

/// Run screening for a period over the caller's scope and record the warnings.
#[utoipa::path(post, path = "/api/v1/screening/runs", tag = "screening", request_body = RunRequest,
    responses((status = 200, body = RunResult), (status = 403), (status = 422)))]
async fn run_create(
    State(state): State<AppState>,
    user: CurrentUser,
    Json(req): Json<RunRequest>,
) -> Result<Json<RunResult>, AppError> {
    screening_pages::require_run(&user)?;
    let period = period_of(&req.period)?;
    let r = screening::run(
        state.store.as_ref(),
        &user.actor,
        &user.user.division,
        period,
        &req.set,
        None,
        false,
    )
    .await?;
    let o = r
        .outcome
        .ok_or_else(|| AppError::internal("recorded run without an outcome"))?;
    tracing::info!(user.name = %user.user.username, run.id = o.run_id, run.period = %period, "screening run via api");
    Ok(Json(RunResult {
        run_id: o.run_id,
        period: period.to_string(),
        households: r.households,
        records: r.records,
        rules: r.rules,
        new: o.new,
        monitored: o.monitored,
        updated: o.updated,
        params: r.params,
    }))
}

/// The history of runs (newest first).
#[utoipa::path(get, path = "/api/v1/screening/runs", tag = "screening",
    params(("page" = Option<u32>, Query), ("per_page" = Option<u32>, Query)),
    responses((status = 200, description = "运行记录", body = Object)))]
async fn runs_list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<PageQuery>,
) -> Result<Response, AppError> {
    screening_pages::require_run(&user)?;
    Ok(Json(
        state
            .store
            .screening_runs(
                &user.actor,
                PageRequest {
                    page: page_of(q.page),
                    per_page: q.per_page.unwrap_or(50),
                },
            )
            .await?,
    )
    .into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct WhatIfRequest {
    #[schema(example = "2026-03")]
    pub period: String,
    /// Overrides, `name=value` (e.g. `monitoring_line=7500`).
    #[serde(default)]
    pub set: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct VillageChange {
    pub village: String,
    /// Households entering (flagged with the overrides, not now).
    pub entering: usize,
    /// Households leaving.
    pub leaving: usize,
}

#[derive(Serialize, ToSchema)]
pub struct WhatIfResult {
    pub period: String,
    /// Rows `{household_no, village, rule_id, risk_type, status, evidence}`.
    #[schema(value_type = Vec<Object>)]
    pub entering: Vec<Row>,
    #[schema(value_type = Vec<Object>)]
    pub leaving: Vec<Row>,
    pub by_village: Vec<VillageChange>,
}

/// What would change with other parameters. Writes nothing.
#[utoipa::path(post, path = "/api/v1/screening/what-if", tag = "screening", request_body = WhatIfRequest,
    responses((status = 200, body = WhatIfResult), (status = 403), (status = 422)))]
async fn what_if(
    State(state): State<AppState>,
    user: CurrentUser,
    Json(req): Json<WhatIfRequest>,
) -> Result<Json<WhatIfResult>, AppError> {
    screening_pages::require_run(&user)?;
    let period = period_of(&req.period)?;
    let input = WhatIfInput {
        period,
        sets: req.set,
    };
    let diff = screening_pages::what_if(&state, &user, &input).await?;
    Ok(Json(WhatIfResult {
        period: period.to_string(),
        by_village: diff
            .by_village()
            .into_iter()
            .map(|(village, entering, leaving)| VillageChange {
                village,
                entering,
                leaving,
            })
            .collect(),
        entering: diff.entering,
        leaving: diff.leaving,
    }))
}

// ---------- warnings ----------

/// The warning queue (the caller's scope; a helper sees `monitored` only).
#[utoipa::path(get, path = "/api/v1/warnings", tag = "screening",
    params(("village" = Option<String>, Query, description = "村代码"),
           ("rule" = Option<String>, Query, description = "规则编号"),
           ("status" = Option<String>, Query, description = "new | monitored | converted | dismissed | open"),
           ("period" = Option<String>, Query, description = "最近预警期间 YYYY-MM"),
           ("q" = Option<String>, Query, description = "户主姓名或户编号"),
           ("page" = Option<u32>, Query)),
    responses((status = 200, description = "预警列表", body = Object)))]
async fn warnings_list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(params): Query<WarningParams>,
) -> Result<Response, AppError> {
    user.require_registry()?;
    Ok(Json(
        state
            .store
            .warnings_list(
                &user.actor,
                &params.filter(user.role()),
                PageRequest {
                    page: views::page_number(&params.page),
                    per_page: 50,
                },
            )
            .await?,
    )
    .into_response())
}

#[utoipa::path(get, path = "/api/v1/warnings/{id}", tag = "screening", params(("id" = i64, Path)),
    responses((status = 200, description = "预警", body = Object), (status = 404)))]
async fn warning_get(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    Ok(Json(warnings::get_visible(&state, &user, id).await?).into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct VersionRequest {
    /// The warning version the client saw.
    pub version: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ConvertResult {
    pub case_id: i64,
}

/// 转为线索: opens an identification case (clue source `department_alert`) and marks the warning.
#[utoipa::path(post, path = "/api/v1/warnings/{id}/convert", tag = "screening", params(("id" = i64, Path)),
    request_body = VersionRequest,
    responses((status = 200, body = ConvertResult), (status = 404), (status = 409, description = "已有办理中的流程，或预警已被处理"), (status = 422)))]
async fn warning_convert(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(req): Json<VersionRequest>,
) -> Result<Json<ConvertResult>, AppError> {
    let case_id = warnings::convert(&state, &user, id, req.version).await?;
    Ok(Json(ConvertResult { case_id }))
}

#[derive(Deserialize, ToSchema)]
pub struct DismissRequest {
    pub version: i64,
    /// Required.
    pub reason: String,
}

/// 排除 with a reason.
#[utoipa::path(post, path = "/api/v1/warnings/{id}/dismiss", tag = "screening", params(("id" = i64, Path)),
    request_body = DismissRequest,
    responses((status = 204, description = "已排除"), (status = 404), (status = 409), (status = 422)))]
async fn warning_dismiss(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(req): Json<DismissRequest>,
) -> Result<Response, AppError> {
    warnings::dismiss(&state, &user, id, req.version, &req.reason).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

// ---------- rules ----------

#[derive(Serialize)]
struct RuleDto {
    id: String,
    name: String,
    risk_type: &'static str,
    risk_type_label: &'static str,
    expression: String,
    enabled: bool,
    version: i64,
    is_default: bool,
    /// A default rule whose text differs from the shipped one.
    edited: bool,
    updated_by: String,
    updated_at: String,
}

/// The rule set.
#[utoipa::path(get, path = "/api/v1/screening/rules", tag = "screening",
    responses((status = 200, description = "筛查规则", body = Object)))]
async fn rules_list(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response, AppError> {
    screening_pages::require_read_rules(&user)?;
    let rules: Vec<RuleDto> = state
        .store
        .screening_rules()
        .await?
        .into_iter()
        .map(|r| RuleDto {
            edited: screening_pages::edited(&r),
            id: r.def.id,
            name: r.def.name,
            risk_type: r.def.risk_type.code(),
            risk_type_label: r.def.risk_type.label(),
            expression: r.def.expression,
            enabled: r.def.enabled,
            version: r.version,
            is_default: r.is_default,
            updated_by: r.updated_by,
            updated_at: r.updated_at,
        })
        .collect();
    Ok(Json(rules).into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct RulePut {
    /// The version read with the rule; absent to create a new rule.
    pub version: Option<i64>,
    pub name: String,
    /// Risk type code (`illness` …) or label (`因病` …).
    pub risk_type: String,
    /// A SQL boolean expression over features and parameters.
    #[schema(example = "stay_oop_max > 8000")]
    pub expression: String,
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}

/// Create (no `version`) or change a rule. The expression is checked; an error answers 422 with
/// the Chinese message in `error` and `fields.expression`.
#[utoipa::path(put, path = "/api/v1/screening/rules/{id}", tag = "screening", params(("id" = String, Path)),
    request_body = RulePut,
    responses((status = 204, description = "已保存"), (status = 403), (status = 409, description = "规则已被他人修改"), (status = 422, description = "规则有误，附中文说明")))]
async fn rule_put(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Json(req): Json<RulePut>,
) -> Result<Response, AppError> {
    screening_pages::require_edit_rules(&user)?;
    let rule =
        screening_pages::check_rule(&id, &req.name, &req.risk_type, &req.expression, req.enabled)
            .map_err(|fields| AppError::Invalid {
            message: fields.values().cloned().collect::<Vec<_>>().join("；"),
            fields,
        })?;
    screening_pages::save_rule(&state, &user, &rule.def, req.version).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct PeriodRequest {
    #[schema(example = "2026-03")]
    pub period: String,
}

#[derive(Serialize, ToSchema)]
pub struct DryRunResult {
    pub period: String,
    /// Households the rule flags.
    pub households: usize,
    #[schema(value_type = Vec<Object>)]
    pub rows: Vec<Row>,
}

/// 试运行: the stored rule alone for a period over the caller's scope. Writes nothing.
#[utoipa::path(post, path = "/api/v1/screening/rules/{id}/dry-run", tag = "screening", params(("id" = String, Path)),
    request_body = PeriodRequest,
    responses((status = 200, body = DryRunResult), (status = 404), (status = 422)))]
async fn rule_dry_run(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Json(req): Json<PeriodRequest>,
) -> Result<Json<DryRunResult>, AppError> {
    screening_pages::require_read_rules(&user)?;
    screening_pages::require_run(&user)?;
    let period = period_of(&req.period)?;
    let stored = state
        .store
        .screening_rules()
        .await?
        .into_iter()
        .find(|r| r.def.id == id)
        .ok_or(AppError::NotFound)?;
    let mut def = stored.def;
    def.enabled = true;
    let compiled = screening::compile_enabled(&[def]).map_err(AppError::from)?;
    let Some(rule) = compiled.into_iter().next() else {
        return Err(AppError::internal("a compiled rule is missing"));
    };
    let rows = screening_pages::dry_run(&state, &user, rule, period).await?;
    let households = rows
        .iter()
        .map(|r| r.household_no.as_str())
        .collect::<std::collections::HashSet<_>>()
        .len();
    Ok(Json(DryRunResult {
        period: period.to_string(),
        households,
        rows,
    }))
}
