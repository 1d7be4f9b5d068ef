//! 预警处理: the warnings screening raised, as a queue with filters, pager and export. A village
//! cadre or the town office turns an open `new` warning into an identification clue (channel
//! 部门筛查预警, through the same [`monitoring::open_case`] as any clue) or dismisses it with a
//! reason; a helper sees the `monitored` warnings of households as information. Scope is the
//! store's: a warning outside the user's division answers 404.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::{Deserialize, Serialize};
use zhenxing_domain::case::{CaseKind, Clue, ClueSource};
use zhenxing_domain::{CodeEnum, DivisionCode, Role};
use zhenxing_exchange::Cell;
use zhenxing_store::{PageRequest, WarningFilter, WarningRow, WarningStatus};

use crate::auth::CurrentUser;
use crate::case_forms::Fields;
use crate::error::AppError;
use crate::forms::FieldErrors;
use crate::households::{household_href, xlsx_download};
use crate::monitoring;
use crate::screening::may_handle_warnings;
use crate::state::AppState;
use crate::templates::Frame;
use crate::views::{self, Pager, query_string};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/warnings", get(list))
        .route("/warnings/export.xlsx", get(export))
        .route("/warnings/{id}", get(warning_page))
        .route("/warnings/{id}/convert", post(convert_submit))
        .route("/warnings/{id}/dismiss", post(dismiss_submit))
}

pub const STALE_WARNING: &str = "该预警已被他人处理或更新，请刷新后查看最新状态";
const REASON_MAX: usize = 500;

// ---------- the operations (pages and API) ----------

fn require_handle(user: &CurrentUser) -> Result<(), AppError> {
    user.require_registry()?;
    if may_handle_warnings(user.role()) {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!(
            "您的角色（{}）不能处理部门预警；请由村干部或镇乡村振兴办处理",
            user.role().label()
        )))
    }
}

/// A warning as this user may see it: a helper sees only `monitored` ones.
pub async fn get_visible(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
) -> Result<WarningRow, AppError> {
    user.require_registry()?;
    let w = state.store.warning_get(&user.actor, id).await?;
    if user.role() == Role::Helper && w.status != WarningStatus::Monitored {
        return Err(AppError::NotFound);
    }
    Ok(w)
}

/// Why an action on a warning that is not open `new` is refused.
fn not_actionable(w: &WarningRow) -> Option<AppError> {
    match w.status {
        WarningStatus::New => None,
        WarningStatus::Converted => Some(AppError::Conflict("该预警已转为线索，不能再处理".into())),
        WarningStatus::Dismissed => Some(AppError::Conflict("该预警已排除，不能再处理".into())),
        WarningStatus::Monitored => Some(AppError::invalid(
            "该户已是监测对象或正在识别，预警仅供帮扶参考，不需要转为线索或排除",
        )),
    }
}

/// The clue a warning becomes.
pub fn clue_of(w: &WarningRow) -> Clue {
    Clue {
        source: ClueSource::DepartmentAlert,
        date: views::today(),
        reporter: format!("部门筛查预警：{}", w.rule_name),
        description: w.evidence.clone(),
    }
}

/// 转为线索: opens an identification case for the warning's household and marks the warning
/// converted. Returns the case id. `version` is the warning version the user saw.
pub async fn convert(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    version: i64,
) -> Result<i64, AppError> {
    require_handle(user)?;
    let w = state.store.warning_get(&user.actor, id).await?;
    if let Some(e) = not_actionable(&w) {
        return Err(e);
    }
    if w.version != version {
        return Err(AppError::Conflict(STALE_WARNING.into()));
    }
    let (case, timing) = monitoring::prepare_case(
        state,
        user,
        &w.household_no,
        CaseKind::Identification,
        clue_of(&w),
    )
    .await?;
    // The case and the warning's new state are written together: one transaction.
    let case_id = state
        .store
        .warning_convert(&user.actor, id, version, &case, timing)
        .await?;
    tracing::info!(user.name = %user.user.username, warning.id = id, case.id = case_id, "warning converted to a clue");
    Ok(case_id)
}

/// 排除: closes the warning with a reason.
pub async fn dismiss(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    version: i64,
    reason: &str,
) -> Result<(), AppError> {
    require_handle(user)?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(AppError::Invalid {
            message: "请填写排除原因".into(),
            fields: [("reason".to_string(), "请填写排除原因".to_string())].into(),
        });
    }
    if reason.chars().count() > REASON_MAX {
        let m = format!("排除原因不能超过 {REASON_MAX} 字");
        return Err(AppError::Invalid {
            message: m.clone(),
            fields: [("reason".to_string(), m)].into(),
        });
    }
    let w = state.store.warning_get(&user.actor, id).await?;
    if let Some(e) = not_actionable(&w) {
        return Err(e);
    }
    if w.version != version {
        return Err(AppError::Conflict(STALE_WARNING.into()));
    }
    state
        .store
        .warning_dismiss(&user.actor, id, version, reason)
        .await?;
    tracing::info!(user.name = %user.user.username, warning.id = id, "warning dismissed");
    Ok(())
}

// ---------- list ----------

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct WarningParams {
    pub village: String,
    pub rule: String,
    pub status: String,
    pub period: String,
    pub q: String,
    pub page: String,
}

impl WarningParams {
    /// The store's filter; a helper's is always `monitored`.
    pub fn filter(&self, role: Role) -> WarningFilter {
        let status = if role == Role::Helper {
            Some(WarningStatus::Monitored)
        } else {
            WarningStatus::parse_label(&self.status)
        };
        WarningFilter {
            village: DivisionCode::parse(&self.village).ok(),
            rule_id: Some(self.rule.trim().to_string()).filter(|r| !r.is_empty()),
            status,
            open_only: self.status.trim() == "open",
            period: zhenxing_domain::feed::Period::parse(&self.period)
                .ok()
                .map(|p| p.to_string()),
            text: Some(self.q.trim().to_string()).filter(|t| !t.is_empty()),
        }
    }

    pub fn query(&self, role: Role) -> String {
        let f = self.filter(role);
        query_string([
            (
                "village",
                f.village.map(|v| v.to_string()).unwrap_or_default(),
            ),
            ("rule", f.rule_id.unwrap_or_default()),
            (
                "status",
                match f.status {
                    Some(s) => s.code().to_string(),
                    None if f.open_only => "open".into(),
                    None => String::new(),
                },
            ),
            ("period", f.period.unwrap_or_default()),
            ("q", f.text.unwrap_or_default()),
        ])
    }
}

pub fn badge(status: WarningStatus) -> &'static str {
    match status {
        WarningStatus::New => "red",
        WarningStatus::Monitored => "orange",
        WarningStatus::Converted => "blue",
        WarningStatus::Dismissed => "grey",
    }
}

#[derive(Serialize)]
struct RowView {
    id: i64,
    version: i64,
    href: String,
    household_no: String,
    household_href: String,
    head_name: String,
    village_name: String,
    rule_name: String,
    risk_type: &'static str,
    status: &'static str,
    badge: &'static str,
    evidence: Vec<String>,
    first_period: String,
    last_period: String,
    dismiss_reason: String,
    case_href: Option<String>,
    may_act: bool,
}

fn row_view(w: &WarningRow, may_act: bool) -> RowView {
    RowView {
        id: w.id,
        version: w.version,
        href: format!("/warnings/{}", w.id),
        household_no: w.household_no.clone(),
        household_href: household_href(&w.household_no),
        head_name: w.head_name.clone().unwrap_or_default(),
        village_name: w.village_name.clone(),
        rule_name: w.rule_name.clone(),
        risk_type: w.risk_type.label(),
        status: w.status.label(),
        badge: badge(w.status),
        evidence: w
            .evidence
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect(),
        first_period: w.first_period.clone(),
        last_period: w.last_period.clone(),
        dismiss_reason: w.dismiss_reason.clone().unwrap_or_default(),
        case_href: w.case_id.map(|c| format!("/cases/{c}")),
        may_act: may_act && w.status == WarningStatus::New,
    }
}

#[derive(Serialize)]
struct Choice {
    value: String,
    label: String,
}

async fn rule_choices(state: &AppState) -> Result<Vec<Choice>, AppError> {
    Ok(state
        .store
        .screening_rules()
        .await?
        .into_iter()
        .map(|r| Choice {
            value: r.def.id,
            label: r.def.name,
        })
        .collect())
}

fn status_choices(role: Role) -> Vec<Choice> {
    WarningStatus::ALL
        .iter()
        .filter(|s| role != Role::Helper || **s == WarningStatus::Monitored)
        .map(|s| Choice {
            value: s.code().into(),
            label: s.label().into(),
        })
        .collect()
}

async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(params): Query<WarningParams>,
) -> Result<Response, AppError> {
    user.require_registry()?;
    let role = user.role();
    let filter = params.filter(role);
    let page = state
        .store
        .warnings_list(
            &user.actor,
            &filter,
            PageRequest {
                page: views::page_number(&params.page),
                per_page: 20,
            },
        )
        .await?;
    let frame = Frame::build(&state, &user, "warnings", "部门预警").await?;
    let q = params.query(role);
    let pager = Pager::new(&page, "/warnings", &q);
    let may_act = may_handle_warnings(role);
    let rows: Vec<RowView> = page.items.iter().map(|w| row_view(w, may_act)).collect();
    let villages: Vec<Choice> = state
        .villages_in_scope(&user.actor)
        .await?
        .into_iter()
        .map(|d| Choice {
            value: d.code.to_string(),
            label: d.name,
        })
        .collect();
    let unfiltered = WarningParams::default().filter(role);
    let back = if q.is_empty() {
        "/warnings".to_string()
    } else {
        format!("/warnings?{q}")
    };
    let html = state.render(
        "warnings.html",
        minijinja::context! {
            frame,
            rows,
            pager,
            params,
            selected_village => filter.village.as_ref().map(|v| v.to_string()).unwrap_or_default(),
            selected_rule => filter.rule_id.clone().unwrap_or_default(),
            selected_status => match filter.status { Some(s) => s.code().to_string(), None if filter.open_only => "open".into(), None => String::new() },
            villages,
            rules => rule_choices(&state).await?,
            statuses => status_choices(role),
            is_helper => role == Role::Helper,
            may_act,
            export_href => if q.is_empty() { "/warnings/export.xlsx".to_string() } else { format!("/warnings/export.xlsx?{q}") },
            filtered => filter != unfiltered,
            back,
            can_screen => crate::screening::may_run(role),
        },
    )?;
    Ok(html.into_response())
}

/// The warning list as a workbook (evidence masks ID numbers already).
pub fn workbook(rows: &[WarningRow]) -> Result<Vec<u8>, AppError> {
    let headers = [
        "户编号",
        "行政村",
        "户主姓名",
        "预警规则",
        "风险类型",
        "状态",
        "预警依据",
        "首次预警期间",
        "最近预警期间",
        "排除原因",
        "更新时间",
    ];
    let cells: Vec<Vec<Cell>> = rows
        .iter()
        .map(|w| {
            vec![
                Cell::Text(w.household_no.clone()),
                Cell::Text(w.village_name.clone()),
                Cell::text(w.head_name.clone().unwrap_or_default()),
                Cell::Text(w.rule_name.clone()),
                Cell::Text(w.risk_type.label().into()),
                Cell::Text(w.status.label().into()),
                Cell::Text(w.evidence.clone()),
                Cell::Text(w.first_period.clone()),
                Cell::Text(w.last_period.clone()),
                Cell::text(w.dismiss_reason.clone().unwrap_or_default()),
                Cell::Text(views::timestamp(&w.updated_at)),
            ]
        })
        .collect();
    zhenxing_exchange::write_table_xlsx_bytes("部门预警", &headers, &cells)
        .map_err(|e| AppError::internal(format!("warnings workbook: {e}")))
}

async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(params): Query<WarningParams>,
) -> Result<Response, AppError> {
    user.require_registry()?;
    let role = user.role();
    let rows = state
        .store
        .warnings_export(&user.actor, &params.filter(role))
        .await?;
    state
        .store
        .audit_record(&user.actor, "export", "warnings", &params.query(role), None)
        .await?;
    let bytes = workbook(&rows)?;
    Ok(xlsx_download(
        bytes,
        "warnings.xlsx",
        &format!("部门预警-{}.xlsx", views::today()),
    ))
}

// ---------- one warning ----------

async fn warning_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    render_warning(
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

async fn render_warning(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    form: &Fields,
    errors: &FieldErrors,
    top: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let w = get_visible(state, user, id).await?;
    let frame = Frame::build(
        state,
        user,
        "warnings",
        &format!("部门预警 · {}", w.household_no),
    )
    .await?;
    let mut summary: Vec<String> = top.into_iter().collect();
    if let Some(m) = errors.get("reason") {
        summary.push(format!("排除原因：{m}"));
    }
    let html = state.render(
        "warning.html",
        minijinja::context! {
            frame,
            w => row_view(&w, may_handle_warnings(user.role())),
            form,
            errors,
            summary,
        },
    )?;
    Ok((status, html).into_response())
}

/// Only a warning list address goes back after an action.
fn back_to(fields: &Fields) -> String {
    let b = fields.get("back");
    if b == "/warnings" || b.starts_with("/warnings?") {
        b.to_string()
    } else {
        "/warnings".into()
    }
}

async fn convert_submit(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let fields = Fields::from_pairs(pairs);
    let version = fields.version()?;
    match convert(&state, &user, id, version).await {
        Ok(case_id) => {
            user.set_flash("已转为线索（来源：部门筛查预警），下一步：入户核实。")
                .await?;
            Ok(Redirect::to(&format!("/cases/{case_id}")).into_response())
        }
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict(_))) => {
            let status = e.status();
            render_warning(
                &state,
                &user,
                id,
                &fields,
                &FieldErrors::new(),
                Some(e.to_string()),
                status,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

async fn dismiss_submit(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let fields = Fields::from_pairs(pairs);
    let version = fields.version()?;
    match dismiss(&state, &user, id, version, fields.get("reason")).await {
        Ok(()) => {
            user.set_flash("已排除该预警。").await?;
            Ok(Redirect::to(&back_to(&fields)).into_response())
        }
        Err(AppError::Invalid { fields: f, .. }) if f.contains_key("reason") => {
            render_warning(
                &state,
                &user,
                id,
                &fields,
                &f,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict(_))) => {
            let status = e.status();
            render_warning(
                &state,
                &user,
                id,
                &fields,
                &FieldErrors::new(),
                Some(e.to_string()),
                status,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

/// Open `new` warnings the user's queue holds (cadre and town staff).
pub async fn open_new_count(state: &AppState, user: &CurrentUser) -> Result<u64, AppError> {
    Ok(state
        .store
        .warnings_list(
            &user.actor,
            &WarningFilter {
                status: Some(WarningStatus::New),
                ..WarningFilter::default()
            },
            PageRequest {
                page: 1,
                per_page: 1,
            },
        )
        .await?
        .total)
}
