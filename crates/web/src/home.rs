//! The home page: households and people by village and household kind, each count a link to the
//! list it counts.

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;
use zhenxing_domain::household::HouseholdKind;
use zhenxing_domain::{CodeEnum, DivisionLevel};
use zhenxing_store::VillageStat;

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

async fn home(State(state): State<AppState>, user: CurrentUser) -> Result<Response, AppError> {
    let frame = Frame::build(&state, &user, "home", "首页").await?;
    if !user.role().can_read_registry() {
        return Ok(state
            .render(
                "home.html",
                minijinja::context! { frame, registry => false },
            )?
            .into_response());
    }
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
