//! The registry pages: household list with filters and export, household detail with members,
//! incomes and history, and the household and member edit forms.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::{Deserialize, Serialize};
use zhenxing_domain::household::{
    HouseholdKind, MonitoringCategory, Relation, Sex, age_on, group_label,
};
use zhenxing_domain::{CodeEnum, DivisionCode};
use zhenxing_store::{HouseholdDetail, HouseholdFilter, HouseholdRow, PageRequest};

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::forms::{self, FieldErrors, HouseholdInput, MemberInput};
use crate::history;
use crate::state::AppState;
use crate::templates::Frame;
use crate::views::{self, Pager, count, query_string};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/households", get(list))
        .route("/households/export.xlsx", get(export))
        .route("/households/{no}", get(detail))
        .route("/households/{no}/reveal", post(reveal))
        .route(
            "/households/{no}/edit",
            get(edit_household).post(save_household),
        )
        .route(
            "/households/{no}/members/{id}/edit",
            get(edit_member).post(save_member),
        )
}

pub const CONFLICT_MESSAGE: &str = "该记录已被他人修改，请刷新后重试";
const PER_PAGE: u32 = 20;

/// The list filters as they arrive in a query string; every field is text so that an empty or odd
/// value never fails the whole request.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ListParams {
    pub village: String,
    pub group: String,
    pub kind: String,
    pub q: String,
    pub id: String,
    pub page: String,
    pub per_page: String,
    pub unmasked: String,
}

impl ListParams {
    pub fn filter(&self) -> HouseholdFilter {
        let text = |s: &str| Some(s.trim().to_string()).filter(|t| !t.is_empty());
        HouseholdFilter {
            village: DivisionCode::parse(&self.village).ok(),
            group: zhenxing_domain::household::parse_group(&self.group),
            kind: HouseholdKind::parse_label(&self.kind),
            text: text(&self.q),
            id_number: text(&self.id).map(|t| t.to_uppercase()),
        }
    }

    pub fn page(&self, default_per_page: u32, max_per_page: u32) -> PageRequest {
        let page = views::page_number(&self.page);
        let per_page = self
            .per_page
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|p| *p >= 1)
            .unwrap_or(default_per_page)
            .min(max_per_page);
        PageRequest { page, per_page }
    }

    pub fn wants_unmasked(&self) -> bool {
        matches!(self.unmasked.trim(), "1" | "true" | "yes" | "on")
    }

    /// The filter part of the query string (no page), to carry over to export and page links.
    pub fn filter_query(&self) -> String {
        let f = self.filter();
        query_string([
            (
                "village",
                f.village.map(|v| v.to_string()).unwrap_or_default(),
            ),
            ("group", f.group.map(|g| g.to_string()).unwrap_or_default()),
            (
                "kind",
                f.kind.map(|k| k.code().to_string()).unwrap_or_default(),
            ),
            ("q", f.text.unwrap_or_default()),
            ("id", f.id_number.unwrap_or_default()),
        ])
    }

    fn is_filtered(&self) -> bool {
        self.filter() != HouseholdFilter::default()
    }
}

#[derive(Serialize)]
struct RowView {
    household_no: String,
    href: String,
    village_name: String,
    group: String,
    kind: &'static str,
    category: &'static str,
    head_name: String,
    head_id: String,
    size: String,
    income: String,
}

fn row_view(r: &HouseholdRow) -> RowView {
    RowView {
        household_no: r.household_no.clone(),
        href: household_href(&r.household_no),
        village_name: r.village_name.clone(),
        group: r.group.map(group_label).unwrap_or_default(),
        kind: r.kind.label(),
        category: views::label(r.monitoring_category),
        head_name: r.head_name.clone().unwrap_or_default(),
        head_id: r
            .head_id_number
            .as_deref()
            .map(|id| views::id_shown(id, false))
            .unwrap_or_default(),
        size: count(r.size),
        income: match (r.latest_income_year, r.latest_net_income_per_capita) {
            (Some(y), Some(v)) => format!("{v}（{y}年）"),
            _ => String::new(),
        },
    }
}

pub fn household_href(no: &str) -> String {
    format!("/households/{}", views::url_encode(no))
}

#[derive(Serialize)]
struct Option2 {
    value: String,
    label: String,
}

async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(params): Query<ListParams>,
) -> Result<Response, AppError> {
    user.require_registry()?;
    let frame = Frame::build(&state, &user, "households", "农户列表").await?;
    let filter = params.filter();
    let page_req = params.page(PER_PAGE, PER_PAGE);
    let page = state
        .store
        .household_list(&user.actor, &filter, page_req)
        .await?;
    let villages: Vec<Option2> = state
        .villages_in_scope(&user.actor)
        .await?
        .into_iter()
        .map(|d| Option2 {
            value: d.code.to_string(),
            label: d.name,
        })
        .collect();
    let fq = params.filter_query();
    let pager = Pager::new(&page, "/households", &fq);
    let single_village = villages.len() == 1;
    let empty_message = if params.is_filtered() {
        "没有符合条件的农户。请调整或清除筛选条件。".to_string()
    } else if single_village {
        "本村暂无农户。可从 导入花名册 开始。".to_string()
    } else {
        "辖区内暂无农户。可从 导入花名册 开始。".to_string()
    };
    let export_href = if fq.is_empty() {
        "/households/export.xlsx".to_string()
    } else {
        format!("/households/export.xlsx?{fq}")
    };
    let html = state.render(
        "households.html",
        minijinja::context! {
            frame,
            rows => page.items.iter().map(row_view).collect::<Vec<_>>(),
            pager,
            params,
            selected_kind => filter.kind.map(|k| k.code()).unwrap_or(""),
            selected_village => filter.village.map(|v| v.to_string()).unwrap_or_default(),
            villages,
            kinds => forms::choices::<HouseholdKind>(),
            export_href,
            export_unmasked_href => if fq.is_empty() { "/households/export.xlsx?unmasked=1".to_string() } else { format!("/households/export.xlsx?{fq}&unmasked=1") },
            empty_message,
            can_import => user.role().can_edit_registry(),
        },
    )?;
    Ok(html.into_response())
}

/// An xlsx download named in Chinese (with an ASCII fallback for old clients).
pub fn xlsx_download(bytes: Vec<u8>, ascii_name: &str, name: &str) -> Response {
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    );
    let disposition = format!(
        "attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{}",
        views::url_encode(name)
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(params): Query<ListParams>,
) -> Result<Response, AppError> {
    user.require_registry()?;
    let unmasked = params.wants_unmasked();
    if unmasked && !user.role().can_unmask() {
        return Err(AppError::Forbidden(
            "您的角色不能导出完整的证件号码和电话。".into(),
        ));
    }
    let filter = params.filter();
    let details = state.store.households_export(&user.actor, &filter).await?;
    let action = if unmasked {
        "export_unmasked"
    } else {
        "export"
    };
    state
        .store
        .audit_record(
            &user.actor,
            action,
            "households",
            &params.filter_query(),
            None,
        )
        .await?;
    tracing::info!(user.name = %user.user.username, export.households = details.len(), export.unmasked = unmasked, "households exported");
    let township = state.settings.township_name.clone();
    let bytes = tokio::task::spawn_blocking(move || {
        let rows = details.iter().map(|d| zhenxing_exchange::ExportHousehold {
            township: &township,
            village_name: &d.village_name,
            household: &d.household,
        });
        zhenxing_exchange::write_roster_xlsx_bytes(rows, !unmasked)
    })
    .await
    .map_err(|e| AppError::internal(format!("export task: {e}")))?
    .map_err(|e| AppError::internal(format!("export workbook: {e}")))?
    .0;
    let name = format!("农户花名册-{}.xlsx", views::today());
    Ok(xlsx_download(bytes, "households.xlsx", &name))
}

// ---------- detail ----------

#[derive(Serialize)]
struct MemberView {
    id: i64,
    name: String,
    id_number: String,
    relation: &'static str,
    sex: &'static str,
    birth_date: String,
    age: i32,
    ethnicity: String,
    education: &'static str,
    schooling: &'static str,
    health: &'static str,
    disability_grade: &'static str,
    labour: &'static str,
    work_months: String,
    medical_insured: &'static str,
    pension_insured: &'static str,
    dibao: &'static str,
    tekun: &'static str,
    phone: String,
    edit_href: String,
    revealed: bool,
}

#[derive(Serialize)]
struct IncomeView {
    year: i32,
    wage: String,
    business: String,
    property: String,
    transfer: String,
    expense: String,
    net: String,
    per_capita: String,
}

/// Which identities are shown in full on this response (after an audited 显示).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reveal {
    None,
    Member(i64),
    All,
}

async fn render_detail(
    state: &AppState,
    user: &CurrentUser,
    no: &str,
    reveal: Reveal,
) -> Result<Response, AppError> {
    user.require_registry()?;
    let d: HouseholdDetail = state.store.household_get(&user.actor, no).await?;
    let history = state.store.audit_for_household(&user.actor, no).await?;
    let frame = Frame::build(
        state,
        user,
        "households",
        &format!("农户 {}", d.household.household_no),
    )
    .await?;
    let h = &d.household;
    let today = views::today();
    let reveal_all = reveal == Reveal::All;
    let members: Vec<MemberView> = h
        .members
        .iter()
        .zip(d.member_keys.iter())
        .map(|(m, k)| {
            let revealed = reveal_all || reveal == Reveal::Member(k.id);
            MemberView {
                id: k.id,
                name: m.name.clone(),
                id_number: views::id_shown(&m.id_number.as_stored(), revealed),
                relation: m.relation.label(),
                sex: m.sex.label(),
                birth_date: m.birth_date.to_string(),
                age: age_on(m.birth_date, today),
                ethnicity: m.ethnicity.clone().unwrap_or_default(),
                education: views::label(m.education),
                schooling: views::label(m.schooling),
                health: views::label(m.health),
                disability_grade: views::label(m.disability_grade),
                labour: views::label(m.labour),
                work_months: m.work_months.map(|n| n.to_string()).unwrap_or_default(),
                medical_insured: views::yes_no(m.medical_insured),
                pension_insured: views::yes_no(m.pension_insured),
                dibao: views::yes_no(m.dibao),
                tekun: views::yes_no(m.tekun),
                phone: views::phone_shown(m.phone.as_deref(), revealed),
                edit_href: format!("{}/members/{}/edit", household_href(&h.household_no), k.id),
                revealed,
            }
        })
        .collect();
    let mut incomes: Vec<IncomeView> = h
        .incomes
        .iter()
        .map(|r| IncomeView {
            year: r.year,
            wage: r.wage_income.to_string(),
            business: r.business_income.to_string(),
            property: r.property_income.to_string(),
            transfer: r.transfer_income.to_string(),
            expense: r.business_expense.to_string(),
            net: r.net_income().to_string(),
            per_capita: r
                .net_income_per_capita(h.size())
                .map(|v| v.to_string())
                .unwrap_or_default(),
        })
        .collect();
    incomes.sort_by_key(|i| std::cmp::Reverse(i.year));
    let names: Vec<(i64, String)> = d
        .member_keys
        .iter()
        .map(|k| k.id)
        .zip(h.members.iter().map(|m| m.name.clone()))
        .collect();
    let divisions = state.divisions().await?;
    let village_name = |code: &str| {
        divisions
            .iter()
            .find(|d| d.code.as_str() == code)
            .map(|d| d.name.clone())
    };
    let history = history::entries(history, &names, &village_name);
    let m = crate::assistance::section(state, user, &d).await?;
    let rolls = crate::lowincome_rolls::panel(state, user, &h.household_no).await?;
    let html = state.render(
        "household.html",
        minijinja::context! {
            frame,
            no => h.household_no.clone(),
            href => household_href(&h.household_no),
            village_name => d.village_name.clone(),
            group => h.group.map(group_label).unwrap_or_default(),
            kind => h.kind.label(),
            category => views::label(h.monitoring_category),
            phone => views::phone_shown(h.phone.as_deref(), reveal_all),
            house_safe => views::yes_no(h.house_safe),
            water_safe => views::yes_no(h.water_safe),
            farmland => h.farmland_centimu.map(views::mu).unwrap_or_default(),
            size => h.size(),
            updated_at => views::timestamp(&d.updated_at),
            members,
            incomes,
            history,
            reveal_all,
            m,
            rolls,
        },
    )?;
    Ok(html.into_response())
}

async fn detail(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(no): Path<String>,
) -> Result<Response, AppError> {
    render_detail(&state, &user, &no, Reveal::None).await
}

#[derive(Deserialize)]
struct RevealForm {
    #[serde(default)]
    member: String,
}

/// 显示: shows full ID numbers and phones to a role that may see them, and records that it did.
async fn reveal(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(no): Path<String>,
    Form(form): Form<RevealForm>,
) -> Result<Response, AppError> {
    user.require_registry()?;
    if !user.role().can_unmask() {
        return Err(AppError::Forbidden(
            "您的角色不能查看完整的证件号码和电话。".into(),
        ));
    }
    // Make sure the household is visible before writing anything about it.
    let d = state.store.household_get(&user.actor, &no).await?;
    let reveal = match form.member.trim().parse::<i64>() {
        Ok(id) if d.member_keys.iter().any(|k| k.id == id) => Reveal::Member(id),
        Ok(_) => return Err(AppError::NotFound),
        Err(_) => Reveal::All,
    };
    let (entity, key) = match reveal {
        Reveal::Member(id) => ("member", id.to_string()),
        _ => ("household", no.clone()),
    };
    state
        .store
        .audit_record(&user.actor, "reveal", entity, &key, Some(&no))
        .await?;
    tracing::info!(user.name = %user.user.username, audit.entity = entity, "identity revealed");
    let mut resp = render_detail(&state, &user, &no, reveal).await?;
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

// ---------- edit forms ----------

fn errors_view(errors: &FieldErrors, extra: Option<String>) -> Vec<String> {
    let mut v: Vec<String> = extra.into_iter().collect();
    v.extend(forms::summary(errors));
    v
}

async fn edit_household(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(no): Path<String>,
) -> Result<Response, AppError> {
    user.require_edit()?;
    let d = state.store.household_get(&user.actor, &no).await?;
    let input = HouseholdInput::from_household(&d.household, d.key.version);
    render_household_form(
        &state,
        &user,
        &d,
        &input,
        &FieldErrors::new(),
        None,
        StatusCode::OK,
    )
    .await
}

async fn render_household_form(
    state: &AppState,
    user: &CurrentUser,
    d: &HouseholdDetail,
    input: &HouseholdInput,
    errors: &FieldErrors,
    top: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let frame = Frame::build(state, user, "households", "修改农户信息").await?;
    let h = &d.household;
    let html = state.render(
        "household_edit.html",
        minijinja::context! {
            frame,
            no => h.household_no.clone(),
            href => household_href(&h.household_no),
            village_name => d.village_name.clone(),
            current_phone => views::phone_shown(h.phone.as_deref(), false),
            form => input,
            errors,
            summary => errors_view(errors, top),
            kinds => forms::choices::<HouseholdKind>(),
            categories => forms::choices::<MonitoringCategory>(),
            yes_no => forms::yes_no_choices(),
        },
    )?;
    Ok((status, html).into_response())
}

async fn save_household(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(no): Path<String>,
    Form(input): Form<HouseholdInput>,
) -> Result<Response, AppError> {
    user.require_edit()?;
    let d = state.store.household_get(&user.actor, &no).await?;
    let parsed = input
        .version()
        .and_then(|v| input.validate(d.household.phone.as_deref()).map(|f| (v, f)));
    let (version, fields) = match parsed {
        Ok(x) => x,
        Err(errors) => {
            return render_household_form(
                &state,
                &user,
                &d,
                &input,
                &errors,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    match state
        .store
        .household_update(&user.actor, &no, version, fields)
        .await
    {
        Ok(()) => {
            tracing::info!(user.name = %user.user.username, household.no = %no, "household updated");
            user.set_flash("已保存农户信息。").await?;
            Ok(Redirect::to(&household_href(&no)).into_response())
        }
        Err(e) => {
            let (status, message) = write_failure(e)?;
            render_household_form(
                &state,
                &user,
                &d,
                &input,
                &FieldErrors::new(),
                Some(message),
                status,
            )
            .await
        }
    }
}

/// A failed write that the user can act on (stale version, refused value) becomes a message on
/// the form with the input kept; anything else is an error page.
fn write_failure(e: zhenxing_store::StoreError) -> Result<(StatusCode, String), AppError> {
    match AppError::from(e) {
        AppError::Conflict(m) => {
            tracing::info!(store.message = %m, "edit refused: stale version or conflict");
            Ok((StatusCode::CONFLICT, conflict_message(&m)))
        }
        AppError::Invalid { message, .. } => Ok((StatusCode::UNPROCESSABLE_ENTITY, message)),
        other => Err(other),
    }
}

/// The store says why a write conflicted; a stale version is always told in the same words.
pub fn conflict_message(store_message: &str) -> String {
    let stale = store_message.is_empty()
        || store_message.contains("版本")
        || store_message.contains("修改")
        || store_message.contains("version");
    if stale {
        CONFLICT_MESSAGE.to_string()
    } else {
        store_message.to_string()
    }
}

async fn edit_member(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((no, id)): Path<(String, i64)>,
) -> Result<Response, AppError> {
    user.require_edit()?;
    let d = state.store.household_get(&user.actor, &no).await?;
    let (member, key) = find_member(&d, id)?;
    let input = MemberInput::from_member(member, key.version);
    render_member_form(
        &state,
        &user,
        &d,
        id,
        &input,
        &FieldErrors::new(),
        None,
        StatusCode::OK,
    )
    .await
}

pub fn find_member(
    d: &HouseholdDetail,
    id: i64,
) -> Result<(&zhenxing_domain::Member, zhenxing_store::RowKey), AppError> {
    d.household
        .members
        .iter()
        .zip(d.member_keys.iter())
        .find(|(_, k)| k.id == id)
        .map(|(m, k)| (m, *k))
        .ok_or(AppError::NotFound)
}

#[expect(
    clippy::too_many_arguments,
    reason = "one call site per outcome; a struct would only rename them"
)]
async fn render_member_form(
    state: &AppState,
    user: &CurrentUser,
    d: &HouseholdDetail,
    id: i64,
    input: &MemberInput,
    errors: &FieldErrors,
    top: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let (member, _) = find_member(d, id)?;
    let frame = Frame::build(state, user, "households", "修改成员信息").await?;
    let h = &d.household;
    let html = state.render(
        "member_edit.html",
        minijinja::context! {
            frame,
            no => h.household_no.clone(),
            href => household_href(&h.household_no),
            action => format!("{}/members/{id}/edit", household_href(&h.household_no)),
            member_name => member.name.clone(),
            current_id => member.id_number.masked(),
            current_phone => views::phone_shown(member.phone.as_deref(), false),
            form => input,
            errors,
            summary => errors_view(errors, top),
            relations => forms::choices::<Relation>(),
            sexes => forms::choices::<Sex>(),
            educations => forms::choices::<zhenxing_domain::household::Education>(),
            schoolings => forms::choices::<zhenxing_domain::household::Schooling>(),
            healths => forms::choices::<zhenxing_domain::household::Health>(),
            grades => forms::choices::<zhenxing_domain::household::DisabilityGrade>(),
            labours => forms::choices::<zhenxing_domain::household::Labour>(),
            yes_no => forms::yes_no_choices(),
        },
    )?;
    Ok((status, html).into_response())
}

async fn save_member(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((no, id)): Path<(String, i64)>,
    Form(input): Form<MemberInput>,
) -> Result<Response, AppError> {
    user.require_edit()?;
    let d = state.store.household_get(&user.actor, &no).await?;
    let (current, _) = find_member(&d, id)?;
    let parsed = input
        .version()
        .and_then(|v| input.validate(current, views::today()).map(|m| (v, m)));
    let (version, member) = match parsed {
        Ok(x) => x,
        Err(errors) => {
            return render_member_form(
                &state,
                &user,
                &d,
                id,
                &input,
                &errors,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let name = member.name.clone();
    match state
        .store
        .member_update(&user.actor, id, version, member)
        .await
    {
        Ok(()) => {
            tracing::info!(user.name = %user.user.username, household.no = %no, member.id = id, "member updated");
            user.set_flash(&format!("已保存成员“{name}”的信息。"))
                .await?;
            Ok(Redirect::to(&household_href(&no)).into_response())
        }
        Err(e) => {
            let (status, message) = write_failure(e)?;
            render_member_form(
                &state,
                &user,
                &d,
                id,
                &input,
                &FieldErrors::new(),
                Some(message),
                status,
            )
            .await
        }
    }
}
