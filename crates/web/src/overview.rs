//! The monitoring overview: ECharts charts by village, category, risk type, identification month and
//! elimination, each with its data table behind 查看数据, and every number a link to the list it
//! counts (the same filter, so the numbers match).

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;
use zhenxing_domain::CodeEnum;
use zhenxing_store::{Count, MonitoringOverview, WarningFilter, WarningStatus};

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::state::AppState;
use crate::templates::Frame;
use crate::views::{self, count, query_string};

pub fn routes() -> Router<AppState> {
    Router::new().route("/monitoring/overview", get(overview))
}

#[derive(Serialize)]
struct Item {
    label: String,
    value: u64,
    shown: String,
    href: String,
}

/// One chart: the JSON the browser draws, and the same numbers as a table.
#[derive(Serialize)]
struct Chart {
    id: &'static str,
    title: &'static str,
    unit: &'static str,
    kind: &'static str,
    items: Vec<Item>,
    json: String,
    total: String,
}

fn href(base: &str, pairs: Vec<(&str, String)>) -> String {
    let q = query_string(pairs);
    if q.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{q}")
    }
}

fn chart(
    id: &'static str,
    title: &'static str,
    unit: &'static str,
    kind: &'static str,
    counts: &[Count],
    link: impl Fn(&Count) -> String,
) -> Chart {
    let items: Vec<Item> = counts
        .iter()
        .map(|c| Item {
            label: c.label.clone(),
            value: c.count,
            shown: count(c.count),
            href: link(c),
        })
        .collect();
    let json = serde_json::json!({
        "title": title,
        "unit": unit,
        "kind": kind,
        "show_title": false,
        "items": items.iter().map(|i| serde_json::json!({"label": i.label, "value": i.value, "href": i.href})).collect::<Vec<_>>(),
    })
    .to_string();
    Chart {
        id,
        title,
        unit,
        kind,
        total: count(counts.iter().map(|c| c.count).sum::<u64>()),
        items,
        json,
    }
}

/// Open `new` warnings by rule and by village, counted from the rows the warning list filters with
/// the same filter, so each number equals the list it links to.
async fn warning_charts(state: &AppState, user: &CurrentUser) -> Result<Vec<Chart>, AppError> {
    let rows = state
        .store
        .warnings_export(
            &user.actor,
            &WarningFilter {
                status: Some(WarningStatus::New),
                ..WarningFilter::default()
            },
        )
        .await?;
    let mut by_rule: Vec<Count> = Vec::new();
    let mut by_village: Vec<Count> = Vec::new();
    let bump = |list: &mut Vec<Count>, key: &str, label: &str| match list
        .iter_mut()
        .find(|c| c.key == key)
    {
        Some(c) => c.count += 1,
        None => list.push(Count {
            key: key.to_string(),
            label: label.to_string(),
            count: 1,
        }),
    };
    for w in &rows {
        bump(&mut by_rule, &w.rule_id, &w.rule_name);
        bump(&mut by_village, w.village_code.as_str(), &w.village_name);
    }
    by_rule.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
    by_village.sort_by(|a, b| a.key.cmp(&b.key));
    let new = || ("status", WarningStatus::New.code().to_string());
    Ok(vec![
        chart(
            "warnings-by-rule",
            "部门预警（待处理）按规则",
            "条",
            "hbar",
            &by_rule,
            |c| href("/warnings", vec![("rule", c.key.clone()), new()]),
        ),
        chart(
            "warnings-by-village",
            "部门预警（待处理）按村",
            "条",
            "bar",
            &by_village,
            |c| href("/warnings", vec![("village", c.key.clone()), new()]),
        ),
    ])
}

fn monitored_href(pairs: Vec<(&str, String)>) -> String {
    href("/monitoring/households", pairs)
}

async fn overview(State(state): State<AppState>, user: CurrentUser) -> Result<Response, AppError> {
    user.require_registry()?;
    let today = views::today();
    let o: MonitoringOverview = state.store.monitoring_overview(&user.actor, today).await?;
    let frame = Frame::build(&state, &user, "overview", "监测总览").await?;
    let monitoring = || ("status", "monitoring".to_string());
    let charts = vec![
        chart(
            "by-village",
            "各村监测户（监测中）",
            "户",
            "bar",
            &o.monitoring_by_village,
            |c| monitored_href(vec![("village", c.key.clone()), monitoring()]),
        ),
        chart(
            "by-category",
            "监测对象类别（监测中）",
            "户",
            "pie",
            &o.by_category,
            |c| monitored_href(vec![("category", c.key.clone()), monitoring()]),
        ),
        chart(
            "by-risk",
            "主要风险类型（监测中）",
            "户",
            "hbar",
            &o.by_risk,
            |c| monitored_href(vec![("risk", c.key.clone()), monitoring()]),
        ),
        chart(
            "by-month",
            "按识别月份（县级审定）",
            "户",
            "bar",
            &o.identified_by_month,
            |c| monitored_href(vec![("month", c.key.clone())]),
        ),
        chart(
            "eliminated-by-month",
            "按风险消除月份",
            "户",
            "bar",
            &o.eliminated_by_month,
            |c| {
                monitored_href(vec![
                    ("eliminated_month", c.key.clone()),
                    ("status", "eliminated".into()),
                ])
            },
        ),
        chart(
            "eliminated-by-village",
            "各村已消除风险户",
            "户",
            "bar",
            &o.eliminated_by_village,
            |c| {
                monitored_href(vec![
                    ("village", c.key.clone()),
                    ("status", "eliminated".into()),
                ])
            },
        ),
        chart(
            "open-by-state",
            "办理中的流程（按环节）",
            "件",
            "hbar",
            &o.open_by_state,
            |c| href("/monitoring/cases", vec![("state", c.key.clone())]),
        ),
    ];
    let mut charts = charts;
    // A helper's warning list shows only 监测户信息, so the 待处理 counts would not match it.
    if user.role() != zhenxing_domain::Role::Helper {
        charts.extend(warning_charts(&state, &user).await?);
    }
    let html = state.render(
        "overview.html",
        minijinja::context! {
            frame,
            uses_charts => true,
            charts,
            monitoring_total => count(o.monitoring_total),
            eliminated_total => count(o.eliminated_total),
            overdue => count(o.overdue_cases),
            no_measure => count(o.no_measure),
            monitoring_href => monitored_href(vec![monitoring()]),
            eliminated_href => monitored_href(vec![("status", "eliminated".into())]),
            overdue_href => "/monitoring/cases?overdue=1",
            no_measure_href => "/monitoring/households?no_measure=1",
            today => today.to_string(),
        },
    )?;
    Ok(html.into_response())
}
