//! The assistance rolls in the JSON API: list and due list, one entry with its reviews, entry,
//! 定期核查, 终止救助 and the import of a civil upload. The same operations as the pages
//! ([`crate::lowincome_rolls`]); ID numbers are always masked; refusals answer 422
//! `{"error": "中文说明", "fields": {…}}`, a stale version 409, an entry outside the caller's
//! division 404.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};
use zhenxing_store::{CivilRefusal, Page, RollDetail};

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::lowincome_rolls::{
    self, DueParams, EndInput, EntryInput, ReviewInput, RollParams, masked, require_read,
};
use crate::state::AppState;
use crate::views;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/rolls", get(rolls_list).post(roll_create))
        .route("/api/v1/rolls/due", get(rolls_due))
        .route("/api/v1/rolls/import-civil", post(import_civil))
        .route("/api/v1/rolls/{id}", get(roll_get))
        .route("/api/v1/rolls/{id}/reviews", post(roll_review))
        .route("/api/v1/rolls/{id}/end", post(roll_end))
}

#[derive(OpenApi)]
#[openapi(
    paths(rolls_list, rolls_due, roll_get, roll_create, roll_review, roll_end, import_civil),
    components(schemas(NewRollRequest, EntryInput, ReviewRequest, EndRequest, CreatedResult, ImportRequest, ImportResult, RefusalDto)),
    tags((name = "rolls", description = "社会救助名册：低保、特困、临时救助、低保边缘；定期核查、终止救助、民政数据导入"))
)]
pub struct LowIncomeApi;

const PER_PAGE: u32 = 50;

fn page_masked(p: Page<zhenxing_store::RollRow>) -> Page<zhenxing_store::RollRow> {
    Page {
        items: p.items.iter().map(masked).collect(),
        total: p.total,
        page: p.page,
        per_page: p.per_page,
    }
}

/// The roll (the caller's division): filters as on the page.
#[utoipa::path(get, path = "/api/v1/rolls", tag = "rolls",
    params(("kind" = Option<String>, Query, description = "dibao | tekun | temporary | marginal"),
           ("village" = Option<String>, Query, description = "村代码"),
           ("status" = Option<String>, Query, description = "active | ended"),
           ("q" = Option<String>, Query, description = "户主姓名或户编号"),
           ("page" = Option<u32>, Query)),
    responses((status = 200, description = "救助名册（证件号码已脱敏）", body = Object), (status = 403)))]
async fn rolls_list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(params): Query<RollParams>,
) -> Result<Response, AppError> {
    require_read(&user)?;
    let page = state
        .store
        .roll_list(
            &user.actor,
            &params.filter(),
            views::page_request(&params.page, PER_PAGE),
        )
        .await?;
    Ok(Json(page_masked(page)).into_response())
}

/// Active entries whose 定期核查 is overdue or due this month.
#[utoipa::path(get, path = "/api/v1/rolls/due", tag = "rolls",
    params(("state" = Option<String>, Query, description = "overdue | due（本月到期）；不填为两者"),
           ("kind" = Option<String>, Query, description = "dibao | tekun | marginal"),
           ("village" = Option<String>, Query, description = "村代码"),
           ("page" = Option<u32>, Query)),
    responses((status = 200, description = "待核查的救助，按下次核查日期排列", body = Object), (status = 403)))]
async fn rolls_due(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(params): Query<DueParams>,
) -> Result<Response, AppError> {
    require_read(&user)?;
    let page = state
        .store
        .roll_list(
            &user.actor,
            &params.filter(views::today()),
            views::page_request(&params.page, PER_PAGE),
        )
        .await?;
    Ok(Json(page_masked(page)).into_response())
}

/// One entry with its reviews (oldest first).
#[utoipa::path(get, path = "/api/v1/rolls/{id}", tag = "rolls", params(("id" = i64, Path)),
    responses((status = 200, description = "救助记录和核查记录", body = Object), (status = 404)))]
async fn roll_get(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    require_read(&user)?;
    let d = state.store.roll_get(&user.actor, id).await?;
    Ok(Json(RollDetail {
        entry: masked(&d.entry),
        reviews: d.reviews,
    })
    .into_response())
}

/// A new entry: the household and the entry as typed.
#[derive(Deserialize, ToSchema)]
pub struct NewRollRequest {
    pub household_no: String,
    #[serde(flatten)]
    pub entry: EntryInput,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedResult {
    pub id: i64,
}

/// Put an entry on a roll. Amounts are checked against the standards of the start year.
#[utoipa::path(post, path = "/api/v1/rolls", tag = "rolls", request_body = NewRollRequest,
    responses((status = 201, body = CreatedResult), (status = 403), (status = 404, description = "农户不存在或不在管辖范围内"),
        (status = 409, description = "该户（此人）已有在册的同类救助"), (status = 422, description = "金额、日期或成员有误（fields 按字段说明）")))]
async fn roll_create(
    State(state): State<AppState>,
    user: CurrentUser,
    Json(req): Json<NewRollRequest>,
) -> Result<Response, AppError> {
    let id = lowincome_rolls::create(&state, &user, req.household_no.trim(), &req.entry).await?;
    Ok((StatusCode::CREATED, Json(CreatedResult { id })).into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct ReviewRequest {
    /// The entry version the client saw.
    pub version: i64,
    #[serde(flatten)]
    pub review: ReviewInput,
}

/// 定期核查: continue, adjust the monthly amount or end; the next review date follows.
#[utoipa::path(post, path = "/api/v1/rolls/{id}/reviews", tag = "rolls", params(("id" = i64, Path)),
    request_body = ReviewRequest,
    responses((status = 200, description = "核查后的救助记录", body = Object), (status = 404), (status = 409, description = "记录已被他人修改"), (status = 422)))]
async fn roll_review(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(req): Json<ReviewRequest>,
) -> Result<Response, AppError> {
    lowincome_rolls::review(&state, &user, id, req.version, &req.review).await?;
    let d = state.store.roll_get(&user.actor, id).await?;
    Ok(Json(RollDetail {
        entry: masked(&d.entry),
        reviews: d.reviews,
    })
    .into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct EndRequest {
    pub version: i64,
    #[serde(flatten)]
    pub end: EndInput,
}

/// 终止救助 (irreversible).
#[utoipa::path(post, path = "/api/v1/rolls/{id}/end", tag = "rolls", params(("id" = i64, Path)),
    request_body = EndRequest,
    responses((status = 200, description = "终止后的救助记录", body = Object), (status = 404), (status = 409), (status = 422)))]
async fn roll_end(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(req): Json<EndRequest>,
) -> Result<Response, AppError> {
    lowincome_rolls::end(&state, &user, id, req.version, &req.end).await?;
    let d = state.store.roll_get(&user.actor, id).await?;
    Ok(Json(masked(&d.entry)).into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct ImportRequest {
    /// A civil (民政) upload of `/api/v1/feeds`.
    pub upload_id: i64,
}

#[derive(Serialize, ToSchema)]
pub struct RefusalDto {
    /// 1-based rows of the file.
    pub rows: Vec<usize>,
    /// Masked ID number, or the household number for 低保.
    pub subject: String,
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct ImportResult {
    pub created_dibao: u64,
    pub created_tekun: u64,
    pub created_temporary: u64,
    /// Already on the roll: not entered again.
    pub already: u64,
    pub refused: Vec<RefusalDto>,
}

/// Put a civil upload's records on the rolls (one transaction; entries already on the roll are
/// counted, not repeated).
#[utoipa::path(post, path = "/api/v1/rolls/import-civil", tag = "rolls", request_body = ImportRequest,
    responses((status = 200, body = ImportResult), (status = 403), (status = 404), (status = 422, description = "不是民政数据")))]
async fn import_civil(
    State(state): State<AppState>,
    user: CurrentUser,
    Json(req): Json<ImportRequest>,
) -> Result<Json<ImportResult>, AppError> {
    let s = lowincome_rolls::import_civil(&state, &user, req.upload_id).await?;
    Ok(Json(ImportResult {
        created_dibao: s.created_dibao,
        created_tekun: s.created_tekun,
        created_temporary: s.created_temporary,
        already: s.already,
        refused: s
            .refused
            .into_iter()
            .map(
                |CivilRefusal {
                     rows,
                     subject,
                     reason,
                 }| RefusalDto {
                    rows,
                    subject,
                    reason,
                },
            )
            .collect(),
    }))
}
