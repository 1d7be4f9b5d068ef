//! The pages of the identification and elimination chains: record a clue, the case page with its
//! timeline and the form of the next step, the case list with its export.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::{Deserialize, Serialize};
use time::Date;
use zhenxing_domain::case::{
    ActionKind, CaseKind, CaseState, ClueSource, EliminationMode, suggest_category,
};
use zhenxing_domain::household::{MonitoringCategory, group_label};
use zhenxing_domain::policy::add_days;
use zhenxing_domain::risk::{ChecklistItem, RiskType, risk_labels};
use zhenxing_domain::{CodeEnum, DivisionCode, Role};
use zhenxing_store::{CaseFilter, CaseRecord};

use crate::auth::CurrentUser;
use crate::case_forms::{self, Fields, checklist_field, risk_field};
use crate::error::AppError;
use crate::forms::{self, FieldErrors};
use crate::households::{household_href, xlsx_download};
use crate::monitoring;
use crate::state::AppState;
use crate::templates::Frame;
use crate::views::{self, Pager, query_string};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/monitoring/cases", get(list))
        .route("/monitoring/cases/export.xlsx", get(export))
        .route(
            "/households/{no}/cases/new",
            get(new_case_page).post(new_case_submit),
        )
        .route("/cases/{id}", get(case_page))
        .route("/cases/{id}/step", post(step_submit))
}

// ---------- list ----------

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct CaseParams {
    pub kind: String,
    pub state: String,
    pub village: String,
    pub overdue: String,
    pub open: String,
    pub q: String,
    pub page: String,
}

impl CaseParams {
    pub fn filter(&self, today: Date) -> CaseFilter {
        let overdue = matches!(self.overdue.trim(), "1" | "on" | "true");
        CaseFilter {
            village: DivisionCode::parse(&self.village).ok(),
            kind: CaseKind::parse_label(&self.kind),
            state: CaseState::parse_label(&self.state),
            open_only: overdue || matches!(self.open.trim(), "1" | "on" | "true"),
            overdue_on: overdue.then_some(today),
            text: Some(self.q.trim().to_string()).filter(|t| !t.is_empty()),
            ..CaseFilter::default()
        }
    }

    fn query(&self, today: Date) -> String {
        let f = self.filter(today);
        query_string([
            (
                "kind",
                f.kind.map(|k| k.code().to_string()).unwrap_or_default(),
            ),
            (
                "state",
                f.state.map(|s| s.code().to_string()).unwrap_or_default(),
            ),
            (
                "village",
                f.village.map(|v| v.to_string()).unwrap_or_default(),
            ),
            (
                "overdue",
                if f.overdue_on.is_some() {
                    "1".into()
                } else {
                    String::new()
                },
            ),
            (
                "open",
                if f.open_only && f.overdue_on.is_none() {
                    "1".into()
                } else {
                    String::new()
                },
            ),
            ("q", f.text.unwrap_or_default()),
        ])
    }
}

/// One case in a list.
#[derive(Serialize)]
pub struct CaseRow {
    pub id: i64,
    pub href: String,
    pub household_no: String,
    pub household_href: String,
    pub village_name: String,
    pub group: String,
    pub head_name: String,
    pub kind: &'static str,
    pub state: &'static str,
    pub badge: &'static str,
    pub source: &'static str,
    pub clue_date: String,
    pub category: &'static str,
    pub risks: String,
    pub due: String,
    pub overdue: bool,
}

pub fn badge_class(r: &CaseRecord, overdue: bool) -> &'static str {
    match r.case.state {
        _ if overdue => "red",
        CaseState::Approved if r.case.kind == CaseKind::Identification => "orange",
        CaseState::Approved => "green",
        CaseState::Rejected | CaseState::RolledBack => "grey",
        _ => "blue",
    }
}

/// Overdue as stored with the case: the deadline or the step's due date has passed (a running notice
/// only by the deadline), the same test the list filter applies in SQL.
pub fn stored_overdue(r: &CaseRecord, today: Date) -> bool {
    r.case.is_open()
        && (r.deadline.is_some_and(|d| d < today)
            || (r.step_due.is_some_and(|d| d < today) && r.case.state != CaseState::Noticing))
}

pub fn case_row(r: &CaseRecord, today: Date) -> CaseRow {
    let overdue = stored_overdue(r, today);
    CaseRow {
        id: r.id,
        href: format!("/cases/{}", r.id),
        household_no: r.household_no.clone(),
        household_href: household_href(&r.household_no),
        village_name: r.village_name.clone(),
        group: r.group.map(group_label).unwrap_or_default(),
        head_name: r.head_name.clone().unwrap_or_default(),
        kind: r.case.kind.label(),
        state: r.case.state_label(),
        badge: badge_class(r, overdue),
        source: r.case.clue.source.label(),
        clue_date: r.case.clue.date.to_string(),
        category: views::label(r.case.category),
        risks: risk_labels(&r.case.risks),
        due: r.step_due.map(|d| d.to_string()).unwrap_or_default(),
        overdue,
    }
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

async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(params): Query<CaseParams>,
) -> Result<Response, AppError> {
    user.require_registry()?;
    let today = views::today();
    let filter = params.filter(today);
    let page = state
        .store
        .cases_list(&user.actor, &filter, views::page_request(&params.page, 20))
        .await?;
    let title = match filter.kind {
        Some(CaseKind::Elimination) => "风险消除流程",
        Some(CaseKind::Identification) => "线索与识别",
        None => "办理流程",
    };
    let nav = match filter.kind {
        Some(CaseKind::Elimination) => "elimination",
        _ => "cases",
    };
    let frame = Frame::build(&state, &user, nav, title).await?;
    let q = params.query(today);
    let pager = Pager::new(&page, "/monitoring/cases", &q);
    let html = state.render(
        "cases.html",
        minijinja::context! {
            frame,
            title,
            rows => page.items.iter().map(|r| case_row(r, today)).collect::<Vec<_>>(),
            pager,
            params,
            selected_kind => filter.kind.map(|k| k.code()).unwrap_or(""),
            selected_state => filter.state.map(|s| s.code()).unwrap_or(""),
            selected_village => filter.village.as_ref().map(|v| v.to_string()).unwrap_or_default(),
            overdue => filter.overdue_on.is_some(),
            kinds => forms::choices::<CaseKind>(),
            states => forms::choices::<CaseState>(),
            villages => village_choices(&state, &user).await?,
            export_href => if q.is_empty() { "/monitoring/cases/export.xlsx".to_string() } else { format!("/monitoring/cases/export.xlsx?{q}") },
            filtered => filter != CaseFilter::default(),
        },
    )?;
    Ok(html.into_response())
}

async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(params): Query<CaseParams>,
) -> Result<Response, AppError> {
    user.require_registry()?;
    let today = views::today();
    let filter = params.filter(today);
    let records = state.store.cases_export(&user.actor, &filter).await?;
    state
        .store
        .audit_record(&user.actor, "export", "cases", &params.query(today), None)
        .await?;
    let bytes = crate::exports::cases_workbook(&records, today)?;
    Ok(xlsx_download(
        bytes,
        "cases.xlsx",
        &format!("监测帮扶办理流程-{today}.xlsx"),
    ))
}

// ---------- new case (clue or elimination proposal) ----------

#[derive(Deserialize, Default)]
#[serde(default)]
struct NewCaseQuery {
    kind: String,
}

async fn new_case_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(no): Path<String>,
    Query(q): Query<NewCaseQuery>,
) -> Result<Response, AppError> {
    let kind = CaseKind::parse_label(&q.kind).unwrap_or(CaseKind::Identification);
    let mut fields = Fields::default();
    fields.set("date", views::today().to_string());
    fields.set("reporter", user.user.display_name.clone());
    fields.set(
        "source",
        if user.role() == Role::Helper || user.role() == Role::VillageCadre {
            ClueSource::CadreCheck.code()
        } else {
            ""
        },
    );
    render_new_case(
        &state,
        &user,
        &no,
        kind,
        &fields,
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
async fn render_new_case(
    state: &AppState,
    user: &CurrentUser,
    no: &str,
    kind: CaseKind,
    fields: &Fields,
    errors: &FieldErrors,
    top: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    user.require_registry()?;
    let d = state.store.household_get(&user.actor, no).await?;
    let title = match kind {
        CaseKind::Identification => "登记线索",
        CaseKind::Elimination => "发起风险消除",
    };
    let frame = Frame::build(state, user, "cases", title).await?;
    let mut summary: Vec<String> = top.into_iter().collect();
    summary.extend(forms::summary(errors));
    let html = state.render(
        "case_new.html",
        minijinja::context! {
            frame,
            title,
            kind => kind.code(),
            no => no.to_string(),
            href => household_href(no),
            head_name => d.household.head().map(|m| m.name.clone()).unwrap_or_default(),
            village_name => d.village_name.clone(),
            form => fields,
            errors,
            summary,
            sources => forms::choices::<ClueSource>(),
        },
    )?;
    Ok((status, html).into_response())
}

async fn new_case_submit(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(no): Path<String>,
    Query(q): Query<NewCaseQuery>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let fields = Fields::from_pairs(pairs);
    let kind = CaseKind::parse_label(fields.get("kind"))
        .or_else(|| CaseKind::parse_label(&q.kind))
        .unwrap_or(CaseKind::Identification);
    let mut clue_fields = fields.clone();
    if kind == CaseKind::Elimination && clue_fields.get("source").is_empty() {
        clue_fields.set("source", ClueSource::CadreCheck.code());
    }
    let clue = match case_forms::parse_clue(&clue_fields) {
        Ok(c) => c,
        Err(errors) => {
            return render_new_case(
                &state,
                &user,
                &no,
                kind,
                &fields,
                &errors,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    match monitoring::open_case(&state, &user, &no, kind, clue).await {
        Ok(id) => {
            user.set_flash(match kind {
                CaseKind::Identification => "线索已登记，下一步：入户核实。",
                CaseKind::Elimination => "已发起风险消除，下一步：入户核实。",
            })
            .await?;
            Ok(Redirect::to(&format!("/cases/{id}")).into_response())
        }
        Err(AppError::Invalid { message, .. }) | Err(AppError::Conflict(message)) => {
            render_new_case(
                &state,
                &user,
                &no,
                kind,
                &fields,
                &FieldErrors::new(),
                Some(message),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

// ---------- the case page ----------

#[derive(Serialize)]
struct EventView {
    label: &'static str,
    date: String,
    actor: String,
    at: String,
    state_after: &'static str,
    lines: Vec<(&'static str, String)>,
}

#[derive(Serialize)]
struct CheckView {
    name: String,
    label: &'static str,
    value: String,
}

#[derive(Serialize)]
struct RiskView {
    name: String,
    label: &'static str,
    checked: bool,
}

async fn case_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    render_case(
        &state,
        &user,
        id,
        None,
        &FieldErrors::new(),
        None,
        StatusCode::OK,
    )
    .await
}

/// Default values of the next step's form.
fn defaults(
    r: &CaseRecord,
    size: usize,
    notice_days: u32,
    today: Date,
    user: &CurrentUser,
) -> Fields {
    let mut f = Fields::default();
    f.set("date", today.to_string());
    f.set("size", size.to_string());
    f.set("visitors", user.user.display_name.clone());
    for item in ChecklistItem::ALL {
        f.set(&checklist_field(*item), "是");
    }
    f.set("start", today.to_string());
    f.set("end", add_days(today, notice_days).to_string());
    if let Some(c) = r.case.category {
        f.set("category", c.code());
    }
    f
}

async fn render_case(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    input: Option<(ActionKind, Fields)>,
    errors: &FieldErrors,
    top: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    user.require_registry()?;
    let r = state.store.case_get(&user.actor, id).await?;
    let events = state.store.case_events(&user.actor, id).await?;
    let d = state
        .store
        .household_get(&user.actor, &r.household_no)
        .await?;
    let today = views::today();
    let rules = monitoring::rules(state, &r.village_code, today).await?;
    let frame = Frame::build(
        state,
        user,
        if r.case.kind == CaseKind::Elimination {
            "elimination"
        } else {
            "cases"
        },
        &format!("{} · {}", r.case.kind.label(), r.household_no),
    )
    .await?;
    let role = user.role();
    let next = r.case.state.next_action();
    let may_act = r.case.is_open() && r.case.state.acting_role() == Some(role);
    let may_rollback = r.case.kind == CaseKind::Elimination
        && r.case.state == CaseState::Approved
        && matches!(role, Role::TownStaff | Role::CountyApprover);
    let (posted, fields) = match input {
        Some((k, f)) => (Some(k.code()), f),
        None => (
            None,
            defaults(&r, d.household.size(), rules.notice_days, today, user),
        ),
    };
    let suggested = suggest_category(d.household.kind, r.case.per_capita, rules.monitoring_line);
    let checklist: Vec<CheckView> = ChecklistItem::ALL
        .iter()
        .map(|i| CheckView {
            name: checklist_field(*i),
            label: i.label(),
            value: fields.get(&checklist_field(*i)).to_string(),
        })
        .collect();
    let risks: Vec<RiskView> = RiskType::ALL
        .iter()
        .map(|t| RiskView {
            name: risk_field(*t),
            label: t.label(),
            checked: !fields.get(&risk_field(*t)).is_empty(),
        })
        .collect();
    // Who acted, by the name colleagues know (the login name if the account is gone).
    let mut names: Vec<(String, String)> = Vec::new();
    for e in &events {
        if !names.iter().any(|(u, _)| *u == e.actor)
            && let Some(u) = state.store.user_by_username(&e.actor).await?
        {
            names.push((e.actor.clone(), u.display_name));
        }
    }
    let timeline: Vec<EventView> = events
        .iter()
        .map(|e| EventView {
            label: e.kind.label(),
            date: e.date.to_string(),
            actor: names
                .iter()
                .find(|(u, _)| *u == e.actor)
                .map_or_else(|| e.actor.clone(), |(_, n)| n.clone()),
            at: views::timestamp(&e.at),
            state_after: e.state_after.label(),
            lines: match &e.action {
                Some(a) => a.describe(),
                None => vec![
                    ("线索来源", r.case.clue.source.label().to_string()),
                    ("报告人", r.case.clue.reporter.clone()),
                    ("情况说明", r.case.clue.description.clone()),
                ],
            },
        })
        .collect();
    let overdue = stored_overdue(&r, today);
    let notice_href = r.case.notice_start.map(|s| {
        format!(
            "/notices/{}?{}",
            match r.case.kind {
                CaseKind::Identification => "identification",
                CaseKind::Elimination => "elimination",
            },
            query_string([
                ("village", r.village_code.to_string()),
                ("start", s.to_string()),
            ])
        )
    });
    let result_href = (r.case.state == CaseState::Approved || r.case.state == CaseState::Rejected)
        .then_some(r.case.closed_on)
        .flatten()
        .map(|d| {
            format!(
                "/notices/result?{}",
                query_string([
                    ("kind", r.case.kind.code().to_string()),
                    ("village", r.village_code.to_string()),
                    ("date", d.to_string()),
                ])
            )
        });
    let mut summary: Vec<String> = top.into_iter().collect();
    summary.extend(forms::summary(errors));
    let waiting_for = r
        .case
        .state
        .acting_role()
        .filter(|_| r.case.is_open())
        .map(|role| role.label());
    let html = state.render(
        "case.html",
        minijinja::context! {
            frame,
            id => r.id,
            version => r.version,
            kind => r.case.kind.code(),
            kind_label => r.case.kind.label(),
            state_label => r.case.state_label(),
            badge => badge_class(&r, overdue),
            overdue,
            household_no => r.household_no.clone(),
            household_href => household_href(&r.household_no),
            head_name => r.head_name.clone().unwrap_or_default(),
            village_name => r.village_name.clone(),
            group => r.group.map(group_label).unwrap_or_default(),
            size => r.size,
            clue_date => r.case.clue.date.to_string(),
            source => r.case.clue.source.label(),
            deadline => r.deadline.map(|d| d.to_string()),
            step_due => r.step_due.map(|d| d.to_string()),
            category => views::label(r.case.category),
            mode => views::label(r.case.mode),
            risks => risk_labels(&r.case.risks),
            per_capita => r.case.per_capita.map(|p| p.to_string()),
            notice => r.case.notice_start.zip(r.case.notice_end).map(|(s, e)| format!("{s} 至 {e}")),
            reason => r.case.reason.clone(),
            closed_on => r.case.closed_on.map(|d| d.to_string()),
            timeline,
            next => next.map(|a| a.code()),
            next_label => next.map(|a| a.label()),
            waiting_for,
            may_act,
            may_rollback,
            posted,
            form => fields,
            errors,
            summary,
            checklist,
            risks_form => risks,
            categories => forms::choices::<MonitoringCategory>(),
            suggested_category => suggested.code(),
            suggested_label => suggested.label(),
            modes => forms::choices::<EliminationMode>(),
            monitoring_line => rules.monitoring_line.to_string(),
            notice_days => rules.notice_days,
            notice_href,
            result_href,
            is_elimination => r.case.kind == CaseKind::Elimination,
        },
    )?;
    Ok((status, html).into_response())
}

async fn step_submit(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let fields = Fields::from_pairs(pairs);
    let Some(kind) = ActionKind::from_code(fields.get("action")) else {
        return Err(AppError::BadRequest("未知的办理环节".into()));
    };
    let Ok(version) = fields.get("version").parse::<i64>() else {
        return Err(AppError::BadRequest("缺少版本号，请刷新页面后重试".into()));
    };
    let record = state.store.case_get(&user.actor, id).await?;
    let action = match case_forms::parse_action(kind, record.case.kind, &fields) {
        Ok(a) => a,
        Err(errors) => {
            return render_case(
                &state,
                &user,
                id,
                Some((kind, fields)),
                &errors,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    match monitoring::apply_step(&state, &user, id, version, &action).await {
        Ok(next) => {
            let message = match next.state {
                CaseState::Approved if next.kind == CaseKind::Identification => {
                    "县级审定通过：该户已纳入监测。请在1个月内落实帮扶措施。".to_string()
                }
                CaseState::Approved => "县级审定通过：已标注风险消除。".to_string(),
                CaseState::Rejected => format!("已办结：{}。", next.state_label()),
                CaseState::RolledBack => "已回退风险消除，该户恢复为监测中。".to_string(),
                s => format!(
                    "已办理「{}」，下一步：{}。",
                    kind.label(),
                    s.next_action().map(|a| a.label()).unwrap_or_default()
                ),
            };
            user.set_flash(&message).await?;
            Ok(Redirect::to(&format!("/cases/{id}")).into_response())
        }
        // A refusal or a conflict keeps the user's input on the page, with the reason on top.
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict(_))) => {
            let status = e.status();
            render_case(
                &state,
                &user,
                id,
                Some((kind, fields)),
                &FieldErrors::new(),
                Some(e.to_string()),
                status,
            )
            .await
        }
        Err(e) => Err(e),
    }
}
