//! 政策参数: the policy table (lines, deadlines, minimums by region and effective year), with the
//! documented defaults marked as such, an admin form to set a value, and the change history.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use serde::Serialize;
use zhenxing_domain::policy::TRANSITION_START_YEAR;
use zhenxing_domain::{CodeEnum, DivisionCode, DivisionLevel, PolicyKey, PolicyValue};

use crate::auth::CurrentUser;
use crate::case_forms::Fields;
use crate::error::AppError;
use crate::forms::{self, FieldErrors};
use crate::history;
use crate::state::AppState;
use crate::templates::Frame;
use crate::views;

pub fn routes() -> Router<AppState> {
    Router::new().route("/policy", get(page).post(save))
}

#[derive(Serialize)]
struct Row {
    key: &'static str,
    region: String,
    year: i32,
    value: String,
    is_default: bool,
    basis: &'static str,
    in_force: bool,
}

#[derive(Serialize)]
struct RegionChoice {
    value: String,
    label: String,
}

async fn page(State(state): State<AppState>, user: CurrentUser) -> Result<Response, AppError> {
    render(
        &state,
        &user,
        &Fields::default(),
        &FieldErrors::new(),
        None,
        StatusCode::OK,
    )
    .await
}

async fn render(
    state: &AppState,
    user: &CurrentUser,
    form: &Fields,
    errors: &FieldErrors,
    top: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let frame = Frame::build(state, user, "policy", "政策参数").await?;
    let values = state.store.policy_values().await?;
    let policy = zhenxing_domain::Policy::new(values.clone());
    let today = views::today();
    let divisions = state.divisions().await?;
    let region_name = |r: &Option<DivisionCode>| match r {
        None => "全国默认".to_string(),
        Some(c) => divisions
            .iter()
            .find(|d| &d.code == c)
            .map_or_else(|| c.to_string(), |d| d.name.clone()),
    };
    let mut rows: Vec<Row> = values
        .iter()
        .map(|v| {
            let here = v
                .region
                .clone()
                .unwrap_or_else(|| user.user.division.clone());
            Row {
                key: v.key.label(),
                region: region_name(&v.region),
                year: v.year,
                value: v.key.format_value(v.value),
                is_default: v.is_default,
                basis: v.key.basis(),
                in_force: policy.resolve(v.key, &here, today.year()) == *v,
            }
        })
        .collect();
    rows.sort_by(|a, b| (a.key, a.year).cmp(&(b.key, b.year)));
    let regions: Vec<RegionChoice> = std::iter::once(RegionChoice {
        value: String::new(),
        label: "全国默认".into(),
    })
    .chain(
        divisions
            .iter()
            .filter(|d| d.level <= DivisionLevel::Town)
            .map(|d| RegionChoice {
                value: d.code.to_string(),
                label: d.name.clone(),
            }),
    )
    .collect();
    let history = history::policy_entries(state.store.policy_history().await?);
    let mut summary: Vec<String> = top.into_iter().collect();
    summary.extend(forms::summary(errors));
    let html = state.render(
        "policy.html",
        minijinja::context! {
            frame,
            rows,
            keys => forms::choices::<PolicyKey>(),
            regions,
            form,
            errors,
            summary,
            year => today.year(),
            history,
            can_edit => user.role().can_manage_users(),
        },
    )?;
    Ok((status, html).into_response())
}

async fn save(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    if !user.role().can_manage_users() {
        return Err(AppError::Forbidden("只有管理员可以修改政策参数".into()));
    }
    let form = Fields::from_pairs(pairs);
    let mut errors = FieldErrors::new();
    let key = PolicyKey::parse_label(form.get("key"));
    if key.is_none() {
        errors.insert("key".into(), "请选择参数".into());
    }
    let region = match form.get("region") {
        "" => None,
        t => match DivisionCode::parse(t) {
            Ok(c) => Some(c),
            Err(e) => {
                errors.insert("region".into(), e.to_string());
                None
            }
        },
    };
    let year = match form.get("year").parse::<i32>() {
        Ok(y) if (TRANSITION_START_YEAR..=2100).contains(&y) => y,
        _ => {
            errors.insert(
                "year".into(),
                format!("生效年度应为 {TRANSITION_START_YEAR} 至 2100 之间的年份"),
            );
            0
        }
    };
    let value = key.and_then(|k| match k.parse_value(form.get("value")) {
        Ok(v) => Some(v),
        Err(e) => {
            errors.insert("value".into(), e);
            None
        }
    });
    let (Some(key), Some(value), true) = (key, value, errors.is_empty()) else {
        return render(
            &state,
            &user,
            &form,
            &errors,
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let v = PolicyValue {
        key,
        region,
        year,
        value,
        is_default: false,
    };
    state.store.policy_set(&user.actor, &v).await?;
    tracing::info!(user.name = %user.user.username, policy.key = key.code(), policy.year = year, "policy value set");
    user.set_flash(&format!(
        "已保存：{} {} 年起为 {}",
        key.label(),
        year,
        key.format_value(value)
    ))
    .await?;
    Ok(Redirect::to("/policy").into_response())
}
