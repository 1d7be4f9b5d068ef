//! The JSON API under `/api/v1` and its OpenAPI document at `/api/openapi.json`.
//!
//! Same sessions, roles and scopes as the pages. A client logs in with `POST /api/v1/session`, keeps
//! the cookie, and sends the returned `csrf_token` as `X-CSRF-Token` on every mutating call. Money
//! is a decimal string in yuan (`"12345.67"`), codes are the stable English codes, ID numbers and
//! phones are masked unless `unmasked=true` is asked by a role that may (and that is audited).

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;
use utoipa::{IntoParams, OpenApi, ToSchema};
use zhenxing_domain::{CodeEnum, Household, Member};
use zhenxing_store::{HouseholdDetail, HouseholdRow, RowKey, VillageStat};

use crate::auth::{CurrentUser, authenticate, start_session};
use crate::error::AppError;
use crate::forms::MemberInput;
use crate::households::{ListParams, conflict_message, find_member};
use crate::state::AppState;
use crate::views;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/openapi.json", get(openapi))
        .route(
            "/api/v1/session",
            post(session_create).delete(session_delete).get(session_get),
        )
        .route("/api/v1/households", get(households))
        .route("/api/v1/households/{household_no}", get(household))
        .route("/api/v1/members/{id}", put(member_update))
        .route("/api/v1/villages", get(villages))
}

#[derive(OpenApi)]
#[openapi(
    info(title = "zhenxing 乡村振兴衔接工作平台 API", version = "1", description = "登录后使用会话 Cookie；修改类请求须带 X-CSRF-Token 请求头（值来自 POST /api/v1/session）。错误统一为 {\"error\": \"中文说明\"}。"),
    paths(session_create, session_get, session_delete, households, household, member_update, villages),
    components(schemas(
        ErrorBody,
        SessionRequest,
        SessionResponse,
        HouseholdPage,
        HouseholdItem,
        HouseholdDto,
        MemberDto,
        IncomeDto,
        MemberUpdate,
        VillageDto
    )),
    tags((name = "session", description = "登录与退出"), (name = "registry", description = "农户信息"))
)]
pub struct ApiDoc;

async fn openapi() -> Response {
    let mut doc = ApiDoc::openapi();
    doc.merge(crate::api_monitoring::MonitoringApi::openapi());
    doc.merge(crate::api_screening::ScreeningApi::openapi());
    doc.merge(crate::api_lowincome::LowIncomeApi::openapi());
    doc.merge(crate::api_lowincome_pages::LowIncomePagesApi::openapi());
    Json(doc).into_response()
}

/// Every API error looks like this; validation errors add `fields` (field → message).
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    #[schema(example = "用户名或密码错误")]
    pub error: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<BTreeMap<String, String>>,
}

#[derive(Deserialize, ToSchema)]
pub struct SessionRequest {
    pub username: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct SessionResponse {
    pub username: String,
    pub display_name: String,
    /// Role code, e.g. `village_cadre`.
    pub role: String,
    pub role_label: String,
    /// The scope division code.
    pub division: String,
    pub division_name: String,
    /// Send as `X-CSRF-Token` on PUT/POST/DELETE.
    pub csrf_token: String,
}

async fn session_response(
    state: &AppState,
    user: &zhenxing_store::UserRecord,
    csrf_token: String,
) -> Result<SessionResponse, AppError> {
    Ok(SessionResponse {
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        role: user.role.code().into(),
        role_label: user.role.label().into(),
        division: user.division.to_string(),
        division_name: state.division_name(&user.division).await?,
        csrf_token,
    })
}

/// Log in; the response sets the session cookie.
#[utoipa::path(post, path = "/api/v1/session", tag = "session", request_body = SessionRequest,
    responses(
        (status = 200, description = "已登录", body = SessionResponse),
        (status = 401, description = "用户名或密码错误", body = ErrorBody),
        (status = 403, description = "账号已停用", body = ErrorBody),
        (status = 423, description = "连续失败次数过多，账号暂时锁定", body = ErrorBody),
    ))]
async fn session_create(
    State(state): State<AppState>,
    session: Session,
    Json(req): Json<SessionRequest>,
) -> Result<Response, AppError> {
    let user = authenticate(&state, &req.username, &req.password).await?;
    let csrf_token = start_session(&session, &user).await?;
    Ok(Json(session_response(&state, &user, csrf_token).await?).into_response())
}

/// Who is logged in (and the CSRF token again).
#[utoipa::path(get, path = "/api/v1/session", tag = "session",
    responses((status = 200, body = SessionResponse), (status = 401, description = "未登录", body = ErrorBody)))]
async fn session_get(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response, AppError> {
    let csrf = user.csrf().await?;
    Ok(Json(session_response(&state, &user.user, csrf).await?).into_response())
}

/// Log out.
#[utoipa::path(delete, path = "/api/v1/session", tag = "session",
    params(("X-CSRF-Token" = String, Header, description = "会话的 CSRF 令牌")),
    responses((status = 204, description = "已退出"), (status = 403, description = "缺少或错误的 CSRF 令牌", body = ErrorBody)))]
async fn session_delete(session: Session) -> Result<Response, AppError> {
    session.flush().await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HouseholdQuery {
    /// Village code (12 digits).
    village: Option<String>,
    /// Group number, `3` or `3组`.
    group: Option<String>,
    /// `exited` | `monitored` | `ordinary` (or the Chinese label).
    kind: Option<String>,
    /// A member's name (part) or a household number (prefix).
    q: Option<String>,
    /// A full ID number or its last 4+ characters.
    id: Option<String>,
    /// 1-based page.
    page: Option<u32>,
    /// Rows per page, at most 200 (default 50).
    per_page: Option<u32>,
    /// Full ID numbers and phones (roles that may unmask only; audited).
    unmasked: Option<bool>,
}

#[derive(Serialize, ToSchema)]
pub struct HouseholdPage {
    pub items: Vec<HouseholdItem>,
    pub total: u64,
    pub page: u32,
    pub per_page: u32,
}

#[derive(Serialize, ToSchema)]
pub struct HouseholdItem {
    pub household_no: String,
    pub village_code: String,
    pub village_name: String,
    pub group: Option<u16>,
    /// `exited` | `monitored` | `ordinary`.
    pub kind: String,
    pub kind_label: String,
    pub monitoring_category: Option<String>,
    pub head_name: Option<String>,
    /// Masked unless asked and allowed.
    pub head_id_number: Option<String>,
    pub size: i64,
    pub latest_income_year: Option<i32>,
    /// Yuan, decimal string.
    pub latest_net_income_per_capita: Option<String>,
}

fn item(r: HouseholdRow, reveal: bool) -> HouseholdItem {
    HouseholdItem {
        kind: r.kind.code().into(),
        kind_label: r.kind.label().into(),
        monitoring_category: r.monitoring_category.map(|c| c.code().to_string()),
        head_id_number: r
            .head_id_number
            .as_deref()
            .map(|id| views::id_shown(id, reveal)),
        latest_net_income_per_capita: r.latest_net_income_per_capita.map(|v| v.plain()),
        household_no: r.household_no,
        village_code: r.village_code.to_string(),
        village_name: r.village_name,
        group: r.group,
        head_name: r.head_name,
        size: r.size,
        latest_income_year: r.latest_income_year,
    }
}

fn check_unmask(user: &CurrentUser, wanted: bool) -> Result<bool, AppError> {
    if wanted && !user.role().can_unmask() {
        return Err(AppError::Forbidden(
            "您的角色不能查看完整的证件号码和电话。".into(),
        ));
    }
    Ok(wanted)
}

/// Households in the caller's scope, filtered and paged.
#[utoipa::path(get, path = "/api/v1/households", tag = "registry", params(HouseholdQuery),
    responses((status = 200, body = HouseholdPage), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn households(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<HouseholdQuery>,
) -> Result<Response, AppError> {
    user.require_registry()?;
    let reveal = check_unmask(&user, q.unmasked.unwrap_or(false))?;
    let params = ListParams {
        village: q.village.unwrap_or_default(),
        group: q.group.unwrap_or_default(),
        kind: q.kind.unwrap_or_default(),
        q: q.q.unwrap_or_default(),
        id: q.id.unwrap_or_default(),
        page: q.page.map(|p| p.to_string()).unwrap_or_default(),
        per_page: q.per_page.map(|p| p.to_string()).unwrap_or_default(),
        unmasked: String::new(),
    };
    let page = state
        .store
        .household_list(&user.actor, &params.filter(), params.page(50, 200))
        .await?;
    if reveal {
        state
            .store
            .audit_record(
                &user.actor,
                "reveal",
                "households",
                &params.filter_query(),
                None,
            )
            .await?;
    }
    Ok(Json(HouseholdPage {
        total: page.total,
        page: page.page,
        per_page: page.per_page,
        items: page.items.into_iter().map(|r| item(r, reveal)).collect(),
    })
    .into_response())
}

#[derive(Serialize, ToSchema)]
pub struct HouseholdDto {
    pub household_no: String,
    pub version: i64,
    pub village_code: String,
    pub village_name: String,
    pub group: Option<u16>,
    pub kind: String,
    pub kind_label: String,
    pub monitoring_category: Option<String>,
    pub phone: Option<String>,
    pub house_safe: Option<bool>,
    pub water_safe: Option<bool>,
    /// Mu, decimal string.
    pub farmland_mu: Option<String>,
    pub size: usize,
    pub updated_at: String,
    pub members: Vec<MemberDto>,
    pub incomes: Vec<IncomeDto>,
}

#[derive(Serialize, ToSchema)]
pub struct MemberDto {
    pub id: i64,
    pub version: i64,
    pub name: String,
    pub id_number: String,
    pub relation: String,
    pub sex: String,
    /// `YYYY-MM-DD`.
    pub birth_date: String,
    pub ethnicity: Option<String>,
    pub education: Option<String>,
    pub schooling: Option<String>,
    pub health: Option<String>,
    pub disability_grade: Option<String>,
    pub labour: Option<String>,
    pub work_months: Option<u8>,
    pub medical_insured: Option<bool>,
    pub pension_insured: Option<bool>,
    pub dibao: Option<bool>,
    pub tekun: Option<bool>,
    pub phone: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct IncomeDto {
    pub year: i32,
    pub wage_income: String,
    pub business_income: String,
    pub property_income: String,
    pub transfer_income: String,
    pub business_expense: String,
    /// 纯收入 = 工资性 + 生产经营性 + 财产性 + 转移性 − 生产经营性支出.
    pub net_income: String,
    /// 人均纯收入 = 纯收入 ÷ 家庭人口数, rounded half-up to the fen.
    pub net_income_per_capita: Option<String>,
}

fn code<T: CodeEnum>(v: Option<T>) -> Option<String> {
    v.map(|v| v.code().to_string())
}

fn member_dto(m: &Member, key: RowKey, reveal: bool) -> MemberDto {
    MemberDto {
        id: key.id,
        version: key.version,
        name: m.name.clone(),
        id_number: views::id_shown(&m.id_number.as_stored(), reveal),
        relation: m.relation.code().into(),
        sex: m.sex.code().into(),
        birth_date: m.birth_date.to_string(),
        ethnicity: m.ethnicity.clone(),
        education: code(m.education),
        schooling: code(m.schooling),
        health: code(m.health),
        disability_grade: code(m.disability_grade),
        labour: code(m.labour),
        work_months: m.work_months,
        medical_insured: m.medical_insured,
        pension_insured: m.pension_insured,
        dibao: m.dibao,
        tekun: m.tekun,
        phone: m
            .phone
            .as_deref()
            .map(|p| views::phone_shown(Some(p), reveal)),
    }
}

fn household_dto(d: &HouseholdDetail, reveal: bool) -> HouseholdDto {
    let h: &Household = &d.household;
    let mut incomes: Vec<IncomeDto> = h
        .incomes
        .iter()
        .map(|r| IncomeDto {
            year: r.year,
            wage_income: r.wage_income.plain(),
            business_income: r.business_income.plain(),
            property_income: r.property_income.plain(),
            transfer_income: r.transfer_income.plain(),
            business_expense: r.business_expense.plain(),
            net_income: r.net_income().plain(),
            net_income_per_capita: r.net_income_per_capita(h.size()).map(|v| v.plain()),
        })
        .collect();
    incomes.sort_by_key(|i| i.year);
    HouseholdDto {
        household_no: h.household_no.clone(),
        version: d.key.version,
        village_code: h.village.to_string(),
        village_name: d.village_name.clone(),
        group: h.group,
        kind: h.kind.code().into(),
        kind_label: h.kind.label().into(),
        monitoring_category: code(h.monitoring_category),
        phone: h
            .phone
            .as_deref()
            .map(|p| views::phone_shown(Some(p), reveal)),
        house_safe: h.house_safe,
        water_safe: h.water_safe,
        farmland_mu: h.farmland_centimu.map(views::mu_plain),
        size: h.size(),
        updated_at: d.updated_at.clone(),
        members: h
            .members
            .iter()
            .zip(d.member_keys.iter())
            .map(|(m, k)| member_dto(m, *k, reveal))
            .collect(),
        incomes,
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DetailQuery {
    /// Full ID numbers and phones (roles that may unmask only; audited).
    unmasked: Option<bool>,
}

/// One household with its members and income years.
#[utoipa::path(get, path = "/api/v1/households/{household_no}", tag = "registry",
    params(("household_no" = String, Path, description = "户编号"), DetailQuery),
    responses((status = 200, body = HouseholdDto), (status = 404, description = "不存在或不在管辖范围内", body = ErrorBody)))]
async fn household(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(no): Path<String>,
    Query(q): Query<DetailQuery>,
) -> Result<Response, AppError> {
    user.require_registry()?;
    let reveal = check_unmask(&user, q.unmasked.unwrap_or(false))?;
    let d = state.store.household_get(&user.actor, &no).await?;
    if reveal {
        state
            .store
            .audit_record(&user.actor, "reveal", "household", &no, Some(&no))
            .await?;
    }
    Ok(Json(household_dto(&d, reveal)).into_response())
}

/// A member update. Fields left out keep their stored value; `null` clears an optional field.
/// `id_number` and `phone` are never sent back in full, so leaving them out keeps them.
#[derive(Deserialize, ToSchema)]
pub struct MemberUpdate {
    /// The `version` read with the member (optimistic locking).
    pub version: i64,
    pub name: Option<String>,
    pub id_number: Option<String>,
    /// Code or label: `head`/`户主`, `spouse`/`配偶`, …
    pub relation: Option<String>,
    pub sex: Option<String>,
    /// `YYYY-MM-DD`.
    pub birth_date: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub ethnicity: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub education: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub schooling: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub health: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub disability_grade: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub labour: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<u8>)]
    pub work_months: Option<Option<u8>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<bool>)]
    pub medical_insured: Option<Option<bool>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<bool>)]
    pub pension_insured: Option<Option<bool>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<bool>)]
    pub dibao: Option<Option<bool>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<bool>)]
    pub tekun: Option<Option<bool>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
}

/// Tells "left out" (`None`, via `default`) from "null" (`Some(None)`).
fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

impl MemberUpdate {
    /// Applies the update onto the form of the stored member, so one validation serves both.
    fn onto(self, mut f: MemberInput) -> MemberInput {
        fn set(slot: &mut String, v: Option<Option<String>>) {
            if let Some(v) = v {
                *slot = v.unwrap_or_default();
            }
        }
        fn set_bool(slot: &mut String, v: Option<Option<bool>>) {
            if let Some(v) = v {
                *slot = views::yes_no(v).to_string();
            }
        }
        f.version = self.version.to_string();
        if let Some(v) = self.name {
            f.name = v;
        }
        if let Some(v) = self.id_number {
            f.id_number = v;
        }
        if let Some(v) = self.relation {
            f.relation = v;
        }
        // Sex and birth date default to the ID number's when the ID changes and they are left out.
        match self.sex {
            Some(v) => f.sex = v,
            None if !f.id_number.is_empty() => f.sex.clear(),
            None => {}
        }
        match self.birth_date {
            Some(v) => f.birth_date = v,
            None if !f.id_number.is_empty() => f.birth_date.clear(),
            None => {}
        }
        set(&mut f.ethnicity, self.ethnicity);
        set(&mut f.education, self.education);
        set(&mut f.schooling, self.schooling);
        set(&mut f.health, self.health);
        set(&mut f.disability_grade, self.disability_grade);
        set(&mut f.labour, self.labour);
        if let Some(v) = self.work_months {
            f.work_months = v.map(|n| n.to_string()).unwrap_or_default();
        }
        set_bool(&mut f.medical_insured, self.medical_insured);
        set_bool(&mut f.pension_insured, self.pension_insured);
        set_bool(&mut f.dibao, self.dibao);
        set_bool(&mut f.tekun, self.tekun);
        match self.phone {
            Some(Some(p)) if !p.trim().is_empty() => f.phone = p,
            Some(_) => f.clear_phone = "1".into(),
            None => {}
        }
        f
    }
}

/// Change a member.
#[utoipa::path(put, path = "/api/v1/members/{id}", tag = "registry", request_body = MemberUpdate,
    params(("id" = i64, Path, description = "成员 id（见农户详情 members[].id）"), ("X-CSRF-Token" = String, Header, description = "会话的 CSRF 令牌")),
    responses(
        (status = 200, description = "已保存；返回保存后的成员", body = MemberDto),
        (status = 404, description = "不存在或不在管辖范围内", body = ErrorBody),
        (status = 409, description = "该记录已被他人修改", body = ErrorBody),
        (status = 422, description = "填写有误，fields 给出每个字段的说明", body = ErrorBody),
    ))]
async fn member_update(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(update): Json<MemberUpdate>,
) -> Result<Response, AppError> {
    user.require_edit()?;
    let no = state.store.member_household(&user.actor, id).await?;
    let d = state.store.household_get(&user.actor, &no).await?;
    let (current, key) = find_member(&d, id)?;
    let input = update.onto(MemberInput::from_member(current, key.version));
    let version = input.version().map_err(|fields| AppError::Invalid {
        message: "请检查填写的内容".into(),
        fields,
    })?;
    let member = input
        .validate(current, views::today())
        .map_err(|fields| AppError::Invalid {
            message: "请检查填写的内容".into(),
            fields,
        })?;
    match state
        .store
        .member_update(&user.actor, id, version, member)
        .await
    {
        Ok(()) => {}
        Err(zhenxing_store::StoreError::Conflict(m)) => {
            return Err(AppError::Conflict(conflict_message(&m)));
        }
        Err(e) => return Err(e.into()),
    }
    tracing::info!(user.name = %user.user.username, household.no = %no, member.id = id, "member updated via api");
    let d = state.store.household_get(&user.actor, &no).await?;
    let (m, k) = find_member(&d, id)?;
    Ok(Json(member_dto(m, k, false)).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct VillageDto {
    pub code: String,
    pub name: String,
    /// 脱贫户.
    pub exited: u64,
    /// 监测户.
    pub monitored: u64,
    /// 一般农户.
    pub ordinary: u64,
    pub households: u64,
    pub people: u64,
}

/// Households and people by village and kind, in the caller's scope.
#[utoipa::path(get, path = "/api/v1/villages", tag = "registry",
    responses((status = 200, body = [VillageDto]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn villages(State(state): State<AppState>, user: CurrentUser) -> Result<Response, AppError> {
    user.require_registry()?;
    let stats: Vec<VillageStat> = state.store.village_stats(&user.actor).await?;
    let out: Vec<VillageDto> = stats
        .into_iter()
        .map(|s| VillageDto {
            households: s.households(),
            code: s.code.to_string(),
            name: s.name,
            exited: s.exited,
            monitored: s.monitored,
            ordinary: s.ordinary,
            people: s.people,
        })
        .collect();
    Ok(Json(out).into_response())
}
