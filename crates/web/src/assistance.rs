//! Assistance: the household page's monitoring section, measures, helper pairing, follow-up income
//! checks, and the list of monitored households with its export.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::{Deserialize, Serialize};
use time::Date;
use zhenxing_domain::assistance::{MeasureStatus, MeasureType};
use zhenxing_domain::elimination::{Condition, IncomeCheck};
use zhenxing_domain::household::{MonitoringCategory, group_label};
use zhenxing_domain::policy::month_label;
use zhenxing_domain::risk::{RiskType, risk_labels};
use zhenxing_domain::{CodeEnum, DivisionCode, Role, Yuan};
use zhenxing_store::{HouseholdDetail, MonitoredFilter, MonitoredRow, MonitoredStatus};

use crate::auth::CurrentUser;
use crate::case_forms::{self, Fields, parse_date};
use crate::cases;
use crate::error::AppError;
use crate::forms::{self, FieldErrors};
use crate::households::{household_href, xlsx_download};
use crate::monitoring;
use crate::state::AppState;
use crate::templates::Frame;
use crate::views::{self, Pager, query_string};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/monitoring/households", get(list))
        .route("/monitoring/households/export.xlsx", get(export))
        .route(
            "/households/{no}/measures/new",
            get(new_measure).post(create_measure),
        )
        .route(
            "/households/{no}/measures/{id}/edit",
            get(edit_measure).post(update_measure),
        )
        .route("/households/{no}/helper", post(set_helper))
        .route("/households/{no}/income-checks", post(add_income_check))
}

/// Roles that record measures and follow-up checks.
pub fn may_assist(role: Role) -> bool {
    matches!(role, Role::VillageCadre | Role::TownStaff | Role::Helper)
}

fn require_assist(user: &CurrentUser) -> Result<(), AppError> {
    user.require_registry()?;
    if may_assist(user.role()) {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!(
            "您的角色（{}）不能登记帮扶措施",
            user.role().label()
        )))
    }
}

// ---------- the household page's section ----------

#[derive(Serialize)]
pub struct MeasureView {
    kind: &'static str,
    content: String,
    responsible: String,
    period: String,
    funds: String,
    status: &'static str,
    implemented: bool,
    result: String,
    beneficiary: String,
    edit_href: String,
}

#[derive(Serialize)]
pub struct CaseLink {
    href: String,
    kind: &'static str,
    state: &'static str,
    badge: &'static str,
    clue_date: String,
}

#[derive(Serialize)]
pub struct HelperChoice {
    id: i64,
    label: String,
}

#[derive(Serialize)]
pub struct Section {
    status: &'static str,
    badge: &'static str,
    monitored: bool,
    eliminated: bool,
    identified: Option<String>,
    eliminated_on: Option<String>,
    mode: &'static str,
    risks: String,
    helper: Option<String>,
    measure_due: Option<String>,
    warnings: Vec<String>,
    conditions: Vec<Condition>,
    eligible: bool,
    eligibility_note: Option<String>,
    measures: Vec<MeasureView>,
    income_checks: Vec<(String, String)>,
    cases: Vec<CaseLink>,
    open_case: Option<String>,
    may_open_clue: bool,
    may_remark: bool,
    may_assist: bool,
    may_pair: bool,
    helpers: Vec<HelperChoice>,
    today: String,
}

pub async fn section(
    state: &AppState,
    user: &CurrentUser,
    d: &HouseholdDetail,
) -> Result<Section, AppError> {
    let no = &d.household.household_no;
    let info = state.store.monitoring_info(&user.actor, no).await?;
    let today = views::today();
    let rules = monitoring::rules(state, &d.household.village, today).await?;
    let (status, badge) = monitoring::status_label(&info, d);
    let kind_monitored = d.household.kind == zhenxing_domain::household::HouseholdKind::Monitored;
    let monitored = kind_monitored && !info.risk_eliminated;
    let open = info.cases.iter().find(|c| c.case.is_open());
    let (conditions, eligible, eligibility_note) = if monitored {
        match monitoring::judge_elimination(d, &info, &rules, today) {
            Ok(e) => (e.conditions.clone(), e.allowed(), None),
            Err(AppError::Invalid { message, .. }) => (Vec::new(), false, Some(message)),
            Err(e) => return Err(e),
        }
    } else {
        (Vec::new(), false, None)
    };
    let role = user.role();
    let may_pair = matches!(role, Role::TownStaff | Role::VillageCadre);
    let helpers = if may_pair {
        state
            .store
            .users(&user.actor)
            .await?
            .into_iter()
            .filter(|u| {
                u.active
                    && u.role == Role::Helper
                    && (u.division.contains(&d.household.village)
                        || d.household.village.contains(&u.division))
            })
            .map(|u| HelperChoice {
                id: u.id,
                label: format!("{}（{}）", u.display_name, u.username),
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(Section {
        status,
        badge,
        monitored,
        eliminated: kind_monitored && info.risk_eliminated,
        identified: info.identified_on.map(month_label),
        eliminated_on: info.eliminated_on.map(|d| d.to_string()),
        mode: views::label(info.elimination_mode),
        risks: risk_labels(&info.risks),
        helper: info
            .helper
            .as_ref()
            .map(|h| format!("{}（{} 起）", h.display_name, h.start)),
        measure_due: info.measure_due.map(|d| d.to_string()),
        warnings: monitoring::warnings(d, &info, &rules, today),
        conditions,
        eligible,
        eligibility_note,
        measures: info
            .measures
            .iter()
            .map(|m| MeasureView {
                kind: m.measure.kind.label(),
                content: m.measure.content.clone(),
                responsible: format!(
                    "{} {}",
                    m.measure.responsible_unit, m.measure.responsible_person
                ),
                period: match m.measure.end {
                    Some(e) => format!("{} 至 {e}", m.measure.start),
                    None => format!("{} 起", m.measure.start),
                },
                funds: m.measure.funds.to_string(),
                status: m.measure.status.label(),
                implemented: m.measure.status.is_implemented(),
                result: m.measure.result.clone(),
                beneficiary: m.measure.beneficiary.clone(),
                edit_href: format!("{}/measures/{}/edit", household_href(no), m.key.id),
            })
            .collect(),
        income_checks: info
            .income_checks
            .iter()
            .rev()
            .map(|c| (c.date.to_string(), c.per_capita.to_string()))
            .collect(),
        cases: info
            .cases
            .iter()
            .map(|c| CaseLink {
                href: format!("/cases/{}", c.id),
                kind: c.case.kind.label(),
                state: c.case.state_label(),
                badge: cases::badge_class(c, cases::stored_overdue(c, today)),
                clue_date: c.case.clue.date.to_string(),
            })
            .collect(),
        open_case: open.map(|c| format!("/cases/{}", c.id)),
        may_open_clue: open.is_none() && !monitored && zhenxing_domain::case::may_record_clue(role),
        may_remark: open.is_none()
            && kind_monitored
            && info.risk_eliminated
            && zhenxing_domain::case::may_record_clue(role),
        may_assist: may_assist(role) && kind_monitored,
        may_pair: may_pair && kind_monitored,
        helpers,
        today: today.to_string(),
    })
}

// ---------- measures ----------

async fn new_measure(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(no): Path<String>,
) -> Result<Response, AppError> {
    let mut f = Fields::default();
    f.set("start", views::today().to_string());
    f.set("status", MeasureStatus::InProgress.code());
    f.set("funds", "0");
    render_measure(
        &state,
        &user,
        &no,
        None,
        &f,
        &FieldErrors::new(),
        None,
        StatusCode::OK,
    )
    .await
}

#[expect(
    clippy::too_many_arguments,
    reason = "a form page needs its input, errors and status"
)]
async fn render_measure(
    state: &AppState,
    user: &CurrentUser,
    no: &str,
    id: Option<(i64, i64)>,
    fields: &Fields,
    errors: &FieldErrors,
    top: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    require_assist(user)?;
    let d = state.store.household_get(&user.actor, no).await?;
    let title = if id.is_some() {
        "修改帮扶措施"
    } else {
        "新增帮扶措施"
    };
    let frame = Frame::build(state, user, "households", title).await?;
    let mut summary: Vec<String> = top.into_iter().collect();
    summary.extend(forms::summary(errors));
    let html = state.render(
        "measure_edit.html",
        minijinja::context! {
            frame,
            title,
            no => no.to_string(),
            href => household_href(no),
            head_name => d.household.head().map(|m| m.name.clone()).unwrap_or_default(),
            action => match id {
                Some((id, _)) => format!("{}/measures/{id}/edit", household_href(no)),
                None => format!("{}/measures/new", household_href(no)),
            },
            version => id.map(|(_, v)| v),
            form => fields,
            errors,
            summary,
            kinds => forms::choices::<MeasureType>(),
            statuses => forms::choices::<MeasureStatus>(),
            members => d.household.members.iter().map(|m| m.name.clone()).collect::<Vec<_>>(),
        },
    )?;
    Ok((status, html).into_response())
}

/// The measure form parsed and checked by the domain: the measure, or every field's message.
fn checked_measure(fields: &Fields) -> Result<zhenxing_domain::assistance::Measure, FieldErrors> {
    let m = case_forms::parse_measure(fields)?;
    let errors: FieldErrors = m
        .check(views::today())
        .into_iter()
        .map(|(f, msg)| (f.to_string(), msg))
        .collect();
    if errors.is_empty() {
        Ok(m)
    } else {
        Err(errors)
    }
}

/// A measure of household `no` in the actor's scope (`NotFound` for another household's).
async fn measure_of(
    state: &AppState,
    user: &CurrentUser,
    no: &str,
    id: i64,
) -> Result<zhenxing_store::MeasureRecord, AppError> {
    let m = state.store.measure_get(&user.actor, id).await?;
    if m.household_no != no {
        return Err(AppError::NotFound);
    }
    Ok(m)
}

async fn create_measure(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(no): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    require_assist(&user)?;
    let fields = Fields::from_pairs(pairs);
    let measure = checked_measure(&fields);
    match measure {
        Ok(m) => {
            state.store.measure_create(&user.actor, &no, &m).await?;
            user.set_flash("帮扶措施已保存。").await?;
            Ok(Redirect::to(&format!("{}#monitoring", household_href(&no))).into_response())
        }
        Err(errors) => {
            render_measure(
                &state,
                &user,
                &no,
                None,
                &fields,
                &errors,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

async fn edit_measure(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((no, id)): Path<(String, i64)>,
) -> Result<Response, AppError> {
    require_assist(&user)?;
    let m = measure_of(&state, &user, &no, id).await?;
    let f = case_forms::measure_fields(&m.measure);
    render_measure(
        &state,
        &user,
        &no,
        Some((id, m.key.version)),
        &f,
        &FieldErrors::new(),
        None,
        StatusCode::OK,
    )
    .await
}

async fn update_measure(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((no, id)): Path<(String, i64)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    require_assist(&user)?;
    let fields = Fields::from_pairs(pairs);
    let version = fields.get("version").parse::<i64>().unwrap_or(0);
    let current = measure_of(&state, &user, &no, id).await?;
    let measure = checked_measure(&fields);
    let m = match measure {
        Ok(m) => m,
        Err(errors) => {
            return render_measure(
                &state,
                &user,
                &no,
                Some((id, version)),
                &fields,
                &errors,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    match state
        .store
        .measure_update(&user.actor, id, version, &m)
        .await
    {
        Ok(()) => {
            user.set_flash("帮扶措施已保存。").await?;
            Ok(Redirect::to(&format!("{}#monitoring", household_href(&no))).into_response())
        }
        Err(zhenxing_store::StoreError::Conflict(message)) => {
            render_measure(
                &state,
                &user,
                &no,
                Some((id, current.key.version)),
                &fields,
                &FieldErrors::new(),
                Some(message),
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

// ---------- helper pairing and income checks ----------

async fn set_helper(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(no): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    user.require_registry()?;
    if !matches!(user.role(), Role::TownStaff | Role::VillageCadre) {
        return Err(AppError::Forbidden(
            "只有村干部和镇乡村振兴办可以安排结对帮扶".into(),
        ));
    }
    let f = Fields::from_pairs(pairs);
    let Ok(helper) = f.get("user_id").parse::<i64>() else {
        return Err(AppError::invalid("请选择帮扶责任人"));
    };
    let start = parse_date(f.get("start")).unwrap_or_else(views::today);
    state
        .store
        .pairing_set(&user.actor, &no, helper, start)
        .await?;
    user.set_flash("已安排帮扶责任人。").await?;
    Ok(Redirect::to(&format!("{}#monitoring", household_href(&no))).into_response())
}

async fn add_income_check(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(no): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    require_assist(&user)?;
    let f = Fields::from_pairs(pairs);
    let today = views::today();
    let Some(date) = parse_date(f.get("date")).filter(|d| *d <= today) else {
        return Err(AppError::invalid(
            "核实日期无效，应为不晚于今天的日期，如 2026-10-08",
        ));
    };
    let per_capita = Yuan::parse(f.get("per_capita"))
        .map_err(|e| AppError::invalid(format!("人均纯收入：{e}")))?;
    if per_capita < Yuan::ZERO {
        return Err(AppError::invalid("人均纯收入不能为负数"));
    }
    state
        .store
        .income_check_add(
            &user.actor,
            &no,
            IncomeCheck { date, per_capita },
            f.get("notes"),
        )
        .await?;
    user.set_flash("收入核实已记录。").await?;
    Ok(Redirect::to(&format!("{}#monitoring", household_href(&no))).into_response())
}

// ---------- the monitored-household list ----------

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct MonitoredParams {
    pub village: String,
    pub status: String,
    pub category: String,
    pub risk: String,
    pub month: String,
    pub eliminated_month: String,
    pub no_measure: String,
    pub mine: String,
    pub q: String,
    pub page: String,
}

fn month_param(s: &str) -> Option<String> {
    let t = s.trim();
    let ok = t.len() == 7
        && t.as_bytes()[4] == b'-'
        && t.bytes()
            .enumerate()
            .all(|(i, b)| i == 4 || b.is_ascii_digit());
    ok.then(|| t.to_string())
}

impl MonitoredParams {
    pub fn filter(&self, today: Date, user: &CurrentUser) -> MonitoredFilter {
        MonitoredFilter {
            village: DivisionCode::parse(&self.village).ok(),
            status: match self.status.trim() {
                "monitoring" => Some(MonitoredStatus::Monitoring),
                "eliminated" => Some(MonitoredStatus::Eliminated),
                _ => None,
            },
            category: MonitoringCategory::parse_label(&self.category),
            risk: RiskType::parse_label(&self.risk),
            identified_month: month_param(&self.month),
            eliminated_month: month_param(&self.eliminated_month),
            no_measure_on: matches!(self.no_measure.trim(), "1" | "on").then_some(today),
            helper_id: matches!(self.mine.trim(), "1" | "on").then_some(user.user.id),
            text: Some(self.q.trim().to_string()).filter(|t| !t.is_empty()),
        }
    }

    fn query(&self, today: Date, user: &CurrentUser) -> String {
        let f = self.filter(today, user);
        query_string([
            (
                "village",
                f.village.map(|v| v.to_string()).unwrap_or_default(),
            ),
            (
                "status",
                match f.status {
                    Some(MonitoredStatus::Monitoring) => "monitoring".into(),
                    Some(MonitoredStatus::Eliminated) => "eliminated".into(),
                    None => String::new(),
                },
            ),
            (
                "category",
                f.category.map(|c| c.code().to_string()).unwrap_or_default(),
            ),
            (
                "risk",
                f.risk.map(|r| r.code().to_string()).unwrap_or_default(),
            ),
            ("month", f.identified_month.unwrap_or_default()),
            ("eliminated_month", f.eliminated_month.unwrap_or_default()),
            (
                "no_measure",
                if f.no_measure_on.is_some() {
                    "1".into()
                } else {
                    String::new()
                },
            ),
            (
                "mine",
                if f.helper_id.is_some() {
                    "1".into()
                } else {
                    String::new()
                },
            ),
            ("q", f.text.unwrap_or_default()),
        ])
    }
}

#[derive(Serialize)]
struct Row {
    href: String,
    household_no: String,
    village_name: String,
    group: String,
    head_name: String,
    size: i64,
    category: &'static str,
    risks: String,
    identified: String,
    status: &'static str,
    badge: &'static str,
    measures: i64,
    no_measure: bool,
    helper: String,
}

fn row(r: &MonitoredRow, today: Date) -> Row {
    let no_measure = !r.risk_eliminated
        && r.implemented_measures == 0
        && r.measure_due.is_some_and(|d| d < today);
    Row {
        href: household_href(&r.household_no),
        household_no: r.household_no.clone(),
        village_name: r.village_name.clone(),
        group: r.group.map(group_label).unwrap_or_default(),
        head_name: r.head_name.clone().unwrap_or_default(),
        size: r.size,
        category: views::label(r.category),
        risks: risk_labels(&r.risks),
        identified: r.identified_on.map(month_label).unwrap_or_default(),
        status: if r.risk_eliminated {
            "已消除"
        } else {
            "监测中"
        },
        badge: if r.risk_eliminated { "green" } else { "orange" },
        measures: r.implemented_measures,
        no_measure,
        helper: r.helper_name.clone().unwrap_or_default(),
    }
}

async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(params): Query<MonitoredParams>,
) -> Result<Response, AppError> {
    user.require_registry()?;
    let today = views::today();
    let filter = params.filter(today, &user);
    let page = state
        .store
        .monitored_list(&user.actor, &filter, views::page_request(&params.page, 20))
        .await?;
    let frame = Frame::build(&state, &user, "monitored", "监测户").await?;
    let q = params.query(today, &user);
    let pager = Pager::new(&page, "/monitoring/households", &q);
    let villages: Vec<(String, String)> = state
        .villages_in_scope(&user.actor)
        .await?
        .into_iter()
        .map(|d| (d.code.to_string(), d.name))
        .collect();
    let html = state.render(
        "monitored.html",
        minijinja::context! {
            frame,
            rows => page.items.iter().map(|r| row(r, today)).collect::<Vec<_>>(),
            pager,
            params,
            villages,
            selected_village => filter.village.as_ref().map(|v| v.to_string()).unwrap_or_default(),
            categories => forms::choices::<MonitoringCategory>(),
            risks => forms::choices::<RiskType>(),
            selected_category => filter.category.map(|c| c.code()).unwrap_or(""),
            selected_risk => filter.risk.map(|c| c.code()).unwrap_or(""),
            export_href => if q.is_empty() { "/monitoring/households/export.xlsx".to_string() } else { format!("/monitoring/households/export.xlsx?{q}") },
            filtered => filter != MonitoredFilter::default(),
            is_helper => user.role() == Role::Helper,
        },
    )?;
    Ok(html.into_response())
}

async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(params): Query<MonitoredParams>,
) -> Result<Response, AppError> {
    user.require_registry()?;
    let today = views::today();
    let filter = params.filter(today, &user);
    let rows = state.store.monitored_export(&user.actor, &filter).await?;
    state
        .store
        .audit_record(
            &user.actor,
            "export",
            "monitored",
            &params.query(today, &user),
            None,
        )
        .await?;
    let bytes = crate::exports::monitored_workbook(&rows)?;
    Ok(xlsx_download(
        bytes,
        "monitored.xlsx",
        &format!("监测户名单-{today}.xlsx"),
    ))
}
