//! 政策参数: the policy table (lines, deadlines, minimums by region and effective year), grouped as
//! 监测帮扶 / 部门筛查 / 低收入人口 (`?group=` shows one group, e.g. the 救助标准 of the low-income
//! menu), with the documented defaults marked as such, an admin form to set a value (a refusal of
//! the store, such as a 特困 standard below 1.3 × 低保, is shown on the value field), and the change
//! history.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use serde::{Deserialize, Serialize};
use zhenxing_domain::lowincome::Standards;
use zhenxing_domain::policy::{PolicyGroup, TRANSITION_START_YEAR};
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

/// The groups in the order of the menu, with their query code and heading.
const GROUPS: [(PolicyGroup, &str, &str); 3] = [
    (PolicyGroup::Monitoring, "monitoring", "监测帮扶"),
    (PolicyGroup::Screening, "screening", "部门筛查"),
    (PolicyGroup::LowIncome, "lowincome", "低收入人口"),
];

fn group_of(code: &str) -> Option<PolicyGroup> {
    GROUPS
        .iter()
        .find(|(_, c, _)| *c == code.trim())
        .map(|(g, _, _)| *g)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct GroupParams {
    group: String,
}

#[derive(Serialize)]
struct GroupView {
    #[serde(skip)]
    group: PolicyGroup,
    code: &'static str,
    heading: &'static str,
    rows: Vec<Row>,
}

#[derive(Serialize)]
struct Tab {
    href: String,
    label: &'static str,
    current: bool,
}

#[derive(Serialize)]
struct RegionChoice {
    value: String,
    label: String,
}

async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(params): Query<GroupParams>,
) -> Result<Response, AppError> {
    render(
        &state,
        &user,
        group_of(&params.group),
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
    group: Option<PolicyGroup>,
    form: &Fields,
    errors: &FieldErrors,
    top: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let (nav, title) = match group {
        Some(PolicyGroup::LowIncome) => ("lowincome-standards", "救助标准"),
        _ => ("policy", "政策参数"),
    };
    let frame = Frame::build(state, user, nav, title).await?;
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
    let mut rows: Vec<(PolicyGroup, Row)> = values
        .iter()
        .filter(|v| group.is_none_or(|g| v.key.group() == g))
        .map(|v| {
            let here = v
                .region
                .clone()
                .unwrap_or_else(|| user.user.division.clone());
            let row = Row {
                key: v.key.label(),
                region: region_name(&v.region),
                year: v.year,
                value: v.key.format_value(v.value),
                is_default: v.is_default,
                basis: v.key.basis(),
                in_force: policy.resolve(v.key, &here, today.year()) == *v,
            };
            (v.key.group(), row)
        })
        .collect();
    rows.sort_by(|(_, a), (_, b)| (a.key, a.year).cmp(&(b.key, b.year)));
    let mut groups: Vec<GroupView> = GROUPS
        .iter()
        .filter(|(g, _, _)| group.is_none_or(|x| x == *g))
        .map(|(g, code, heading)| GroupView {
            group: *g,
            code,
            heading,
            rows: Vec::new(),
        })
        .collect();
    for (g, row) in rows {
        if let Some(view) = groups.iter_mut().find(|v| v.group == g) {
            view.rows.push(row);
        }
    }
    let tabs: Vec<Tab> = std::iter::once(Tab {
        href: "/policy".into(),
        label: "全部",
        current: group.is_none(),
    })
    .chain(GROUPS.iter().map(|(g, code, heading)| Tab {
        href: format!("/policy?group={code}"),
        label: heading,
        current: group == Some(*g),
    }))
    .collect();
    let group_code = GROUPS
        .iter()
        .find(|(g, _, _)| Some(*g) == group)
        .map_or("", |(_, c, _)| c);
    // The 1.3 × rule in numbers, where the user works, this year.
    let standards = (group == Some(PolicyGroup::LowIncome))
        .then(|| Standards::resolve(&policy, &user.user.division, today.year()))
        .map(|s| {
            minijinja::context! {
                year => s.year,
                dibao => s.dibao.to_string(),
                tekun => s.tekun.to_string(),
                ratio => zhenxing_domain::policy::ratio_text(s.tekun_min_ratio),
                floor => s.tekun_floor().to_string(),
                finding => s.ratio_finding(),
            }
        });
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
            groups,
            tabs,
            group_code,
            standards,
            keys => forms::choices::<PolicyKey>()
                .into_iter()
                .filter(|c| group.is_none_or(|g| PolicyKey::from_code(c.value).is_some_and(|k| k.group() == g)))
                .collect::<Vec<_>>(),
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
    let group = group_of(form.get("group"));
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
            group,
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
    // Cross-key rules (特困 standard ≥ 1.3 × 低保) are the store's: its refusal, with the
    // numbers, goes under the value.
    if let Err(e) = state.store.policy_set(&user.actor, &v).await {
        return match AppError::from(e) {
            AppError::Invalid { message, .. } => {
                errors.insert("value".into(), message);
                render(
                    &state,
                    &user,
                    group,
                    &form,
                    &errors,
                    None,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            e => Err(e),
        };
    }
    tracing::info!(user.name = %user.user.username, policy.key = key.code(), policy.year = year, "policy value set");
    user.set_flash(&format!(
        "已保存：{} {} 年起为 {}",
        key.label(),
        year,
        key.format_value(value)
    ))
    .await?;
    let back = match GROUPS.iter().find(|(g, _, _)| Some(*g) == group) {
        Some((_, code, _)) => format!("/policy?group={code}"),
        None => "/policy".to_string(),
    };
    Ok(Redirect::to(&back).into_response())
}
