//! The home page: households and people by village and household kind, each count a link to the
//! list it counts.

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;
use zhenxing_domain::Role;
use zhenxing_domain::case::CaseState;
use zhenxing_domain::household::HouseholdKind;
use zhenxing_domain::{CodeEnum, DivisionLevel};
use zhenxing_store::{CaseFilter, MonitoredFilter, PageRequest, VillageStat};

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::state::AppState;
use crate::templates::Frame;
use crate::views::{count, query_string};

pub fn routes() -> Router<AppState> {
    Router::new().route("/", get(home))
}

#[derive(Serialize)]
struct Cell {
    text: String,
    href: String,
}

#[derive(Serialize)]
struct Row {
    name: String,
    cells: Vec<Cell>,
    people: String,
}

fn list_href(village: Option<&str>, kind: Option<HouseholdKind>) -> String {
    let q = query_string([
        ("village", village.unwrap_or("").to_string()),
        (
            "kind",
            kind.map(|k| k.code().to_string()).unwrap_or_default(),
        ),
    ]);
    if q.is_empty() {
        "/households".into()
    } else {
        format!("/households?{q}")
    }
}

fn row(
    name: String,
    village: Option<&str>,
    exited: u64,
    monitored: u64,
    ordinary: u64,
    people: u64,
) -> Row {
    let kinds = [
        (HouseholdKind::Exited, exited),
        (HouseholdKind::Monitored, monitored),
        (HouseholdKind::Ordinary, ordinary),
    ];
    // A zero is not worth a click: it links nowhere.
    let cell = |n: u64, kind: Option<HouseholdKind>| Cell {
        text: count(n),
        href: if n == 0 {
            String::new()
        } else {
            list_href(village, kind)
        },
    };
    let mut cells: Vec<Cell> = kinds.iter().map(|(k, n)| cell(*n, Some(*k))).collect();
    cells.push(cell(exited + monitored + ordinary, None));
    Row {
        name,
        cells,
        people: count(people),
    }
}

#[derive(Serialize)]
struct Task {
    href: String,
    action: &'static str,
    head_name: String,
    village_name: String,
    kind: &'static str,
    due: String,
    overdue: bool,
    ready: bool,
}

/// The user's work: open cases waiting for the user's role, overdue cases, households without a
/// measure after a month, and a helper's paired households.
#[derive(Serialize)]
struct Queue {
    tasks: Vec<Task>,
    total: String,
    overdue: u64,
    overdue_text: String,
    no_measure: Option<String>,
    mine: Option<String>,
    /// Open `new` warnings waiting in the queue (cadres and the town office).
    warnings: Option<String>,
}

async fn work_queue(state: &AppState, user: &CurrentUser) -> Result<Option<Queue>, AppError> {
    let role = user.role();
    if !matches!(
        role,
        Role::VillageCadre | Role::TownStaff | Role::CountyApprover | Role::Helper
    ) {
        return Ok(None);
    }
    let today = crate::views::today();
    let states: Vec<CaseState> = CaseState::ALL
        .iter()
        .copied()
        .filter(|s| s.is_open() && s.acting_role() == Some(role))
        .collect();
    let mut tasks = Vec::new();
    let mut total = 0;
    if !states.is_empty() {
        let page = state
            .store
            .cases_list(
                &user.actor,
                &CaseFilter {
                    states,
                    open_only: true,
                    ..CaseFilter::default()
                },
                PageRequest {
                    page: 1,
                    per_page: 50,
                },
            )
            .await?;
        total = page.total;
        tasks = page
            .items
            .iter()
            .map(|r| Task {
                href: format!("/cases/{}", r.id),
                action: r.case.state.next_action().map(|a| a.label()).unwrap_or(""),
                head_name: r
                    .head_name
                    .clone()
                    .unwrap_or_else(|| r.household_no.clone()),
                village_name: r.village_name.clone(),
                kind: r.case.kind.label(),
                due: r.step_due.map(|d| d.to_string()).unwrap_or_default(),
                overdue: crate::cases::stored_overdue(r, today),
                ready: r.case.state != CaseState::Noticing
                    || r.case.notice_end.is_some_and(|e| e < today),
            })
            .collect();
    }
    let overdue = state
        .store
        .cases_list(
            &user.actor,
            &CaseFilter {
                open_only: true,
                overdue_on: Some(today),
                ..CaseFilter::default()
            },
            PageRequest {
                page: 1,
                per_page: 1,
            },
        )
        .await?
        .total;
    let monitored_total = |filter: MonitoredFilter| async move {
        state
            .store
            .monitored_list(
                &user.actor,
                &filter,
                PageRequest {
                    page: 1,
                    per_page: 1,
                },
            )
            .await
            .map(|p| p.total)
    };
    let no_measure = if matches!(role, Role::TownStaff | Role::VillageCadre) {
        Some(count(
            monitored_total(MonitoredFilter {
                no_measure_on: Some(today),
                ..MonitoredFilter::default()
            })
            .await?,
        ))
    } else {
        None
    };
    let mine = if role == Role::Helper {
        Some(count(
            monitored_total(MonitoredFilter {
                helper_id: Some(user.user.id),
                ..MonitoredFilter::default()
            })
            .await?,
        ))
    } else {
        None
    };
    let warnings = if crate::screening::may_handle_warnings(role) {
        Some(count(crate::warnings::open_new_count(state, user).await?))
    } else {
        None
    };
    Ok(Some(Queue {
        warnings,
        tasks,
        total: count(total),
        overdue,
        overdue_text: count(overdue),
        no_measure,
        mine,
    }))
}

async fn home(State(state): State<AppState>, user: CurrentUser) -> Result<Response, AppError> {
    let frame = Frame::build(&state, &user, "home", "首页").await?;
    if !user.role().can_read_registry() {
        return Ok(state
            .render(
                "home.html",
                minijinja::context! {
                    frame,
                    registry => false,
                    can_upload => crate::screening::may_upload_feeds(user.role()),
                },
            )?
            .into_response());
    }
    let queue = work_queue(&state, &user).await?;
    let stats: Vec<VillageStat> = state.store.village_stats(&user.actor).await?;
    let rows: Vec<Row> = stats
        .iter()
        .map(|s| {
            row(
                s.name.clone(),
                Some(s.code.as_str()),
                s.exited,
                s.monitored,
                s.ordinary,
                s.people,
            )
        })
        .collect();
    let total = stats.iter().fold((0, 0, 0, 0), |a, s| {
        (
            a.0 + s.exited,
            a.1 + s.monitored,
            a.2 + s.ordinary,
            a.3 + s.people,
        )
    });
    let households: u64 = total.0 + total.1 + total.2;
    // One village: a total row would only repeat it.
    let single_village = user.user.division.level() >= DivisionLevel::Village;
    let total_row =
        (!single_village).then(|| row("合计".into(), None, total.0, total.1, total.2, total.3));
    let kinds: Vec<&str> = HouseholdKind::ALL.iter().map(|k| k.label()).collect();
    let page = state.render(
        "home.html",
        minijinja::context! {
            frame,
            registry => true,
            queue,
            rows,
            total_row,
            kinds,
            households => count(households),
            people => count(total.3),
            empty => households == 0,
            can_import => user.role().can_edit_registry(),
        },
    )?;
    Ok(page.into_response())
}
