//! Printable notices (A4, print CSS, no menus; UI.md "Printed notices"): the village notice of
//! identification, the village notice of elimination, and the announcement of the result in the
//! township's name. They show the head's name, group, household size, category and risk types —
//! never ID numbers, phones, bank accounts or health status (the view model has no field for them).

use axum::Router;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};
use time::Date;
use zhenxing_domain::case::{CaseKind, CaseState};
use zhenxing_domain::household::group_label;
use zhenxing_domain::risk::risk_labels;
use zhenxing_domain::{CodeEnum, DivisionCode};
use zhenxing_store::{CaseFilter, CaseRecord};

use crate::auth::CurrentUser;
use crate::case_forms::parse_date;
use crate::error::AppError;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/notices/identification", get(identification))
        .route("/notices/elimination", get(elimination))
        .route("/notices/result", get(result))
}

/// `2026年10月8日`, as notices write dates.
pub fn chinese_date(d: Date) -> String {
    format!("{}年{}月{}日", d.year(), u8::from(d.month()), d.day())
}

/// One line of a notice.
#[derive(Debug, Clone, Serialize)]
pub struct NoticeRow {
    pub head_name: String,
    pub group: String,
    pub size: i64,
    pub category: String,
    pub risks: String,
    /// Elimination: 消除方式; result: 认定结果.
    pub extra: String,
}

/// Everything a notice prints.
#[derive(Debug, Clone, Serialize)]
pub struct NoticeDoc {
    pub title: String,
    pub paragraphs: Vec<String>,
    pub columns: Vec<&'static str>,
    pub rows: Vec<NoticeRow>,
    pub signer: String,
    pub signed_on: String,
    pub empty: bool,
}

pub fn row(r: &CaseRecord, extra: String) -> NoticeRow {
    NoticeRow {
        head_name: r.head_name.clone().unwrap_or_default(),
        group: r.group.map(group_label).unwrap_or_default(),
        size: r.size,
        category: r
            .case
            .category
            .map(|c| c.label().to_string())
            .unwrap_or_default(),
        risks: risk_labels(&r.case.risks),
        extra,
    }
}

/// The village notice of identification (UI.md's wording).
pub fn identification_doc(
    township: &str,
    village: &str,
    phone: &str,
    start: Date,
    end: Option<Date>,
    cases: &[CaseRecord],
) -> NoticeDoc {
    NoticeDoc {
        title: format!("{township}{village}防止返贫监测对象识别公示"),
        paragraphs: vec![
            "根据防止返贫动态监测和帮扶工作要求，经农户申请（干部排查、部门筛查预警）、入户核实、村级民主评议，拟将以下农户识别为防止返贫监测对象，现予以公示。".into(),
            format!(
                "公示时间：{}至{}。",
                chinese_date(start),
                end.map(chinese_date).unwrap_or_default()
            ),
            format!("公示期间如有异议，请向村民委员会或镇人民政府反映。监督电话：{phone}"),
        ],
        columns: vec!["序号", "户主姓名", "村民小组", "家庭人口数", "监测对象类别", "主要风险类型"],
        rows: cases.iter().map(|c| row(c, String::new())).collect(),
        signer: format!("{village}村民委员会"),
        signed_on: chinese_date(start),
        empty: cases.is_empty(),
    }
}

pub fn elimination_doc(
    township: &str,
    village: &str,
    phone: &str,
    start: Date,
    end: Option<Date>,
    cases: &[CaseRecord],
) -> NoticeDoc {
    NoticeDoc {
        title: format!("{township}{village}防止返贫监测对象风险消除公示"),
        paragraphs: vec![
            "根据防止返贫动态监测和帮扶工作要求，经入户核实、村级民主评议，以下监测对象收入持续稳定、“三保障”和饮水安全有保障，返贫致贫风险已消除，拟标注风险消除，现予以公示。".into(),
            format!(
                "公示时间：{}至{}。",
                chinese_date(start),
                end.map(chinese_date).unwrap_or_default()
            ),
            format!("公示期间如有异议，请向村民委员会或镇人民政府反映。监督电话：{phone}"),
        ],
        columns: vec!["序号", "户主姓名", "村民小组", "家庭人口数", "监测对象类别", "风险类型", "消除方式"],
        rows: cases
            .iter()
            .map(|c| row(c, c.case.mode.map(|m| m.label().to_string()).unwrap_or_default()))
            .collect(),
        signer: format!("{village}村民委员会"),
        signed_on: chinese_date(start),
        empty: cases.is_empty(),
    }
}

/// The announcement of the county's decisions of one day, in the township's name.
pub fn result_doc(
    township: &str,
    village: &str,
    phone: &str,
    kind: CaseKind,
    date: Date,
    cases: &[CaseRecord],
) -> NoticeDoc {
    let (title, intro) = match kind {
        CaseKind::Identification => (
            format!("{township}{village}防止返贫监测对象识别结果公告"),
            "经村级民主评议和公示、镇人民政府审核、县级审定，现将防止返贫监测对象识别结果公告如下。",
        ),
        CaseKind::Elimination => (
            format!("{township}{village}防止返贫监测对象风险消除结果公告"),
            "经村级民主评议和公示、镇人民政府审核、县级审定，现将监测对象风险消除结果公告如下。",
        ),
    };
    let outcome = |c: &CaseRecord| match (kind, c.case.state) {
        (CaseKind::Identification, CaseState::Approved) => "纳入监测".to_string(),
        (CaseKind::Identification, _) => "不予纳入".to_string(),
        (CaseKind::Elimination, CaseState::Approved) => format!(
            "风险已消除（{}）",
            c.case.mode.map(|m| m.label()).unwrap_or_default()
        ),
        (CaseKind::Elimination, _) => "不予消除".to_string(),
    };
    NoticeDoc {
        title,
        paragraphs: vec![
            intro.to_string(),
            format!("如有异议，请向镇人民政府反映。监督电话：{phone}"),
        ],
        columns: vec![
            "序号",
            "户主姓名",
            "村民小组",
            "家庭人口数",
            "监测对象类别",
            "风险类型",
            "结果",
        ],
        rows: cases.iter().map(|c| row(c, outcome(c))).collect(),
        signer: format!("{township}人民政府"),
        signed_on: chinese_date(date),
        empty: cases.is_empty(),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NoticeQuery {
    village: String,
    start: String,
    date: String,
    kind: String,
}

async fn load(
    state: &AppState,
    user: &CurrentUser,
    q: &NoticeQuery,
    filter: CaseFilter,
) -> Result<(String, Vec<CaseRecord>), AppError> {
    user.require_registry()?;
    let village =
        DivisionCode::parse(&q.village).map_err(|_| AppError::BadRequest("请指定行政村".into()))?;
    if !user.actor.scope.contains(&village) && !village.contains(&user.actor.scope) {
        return Err(AppError::NotFound);
    }
    let name = state.division_name(&village).await?;
    let filter = CaseFilter {
        village: Some(village),
        ..filter
    };
    let cases = state.store.cases_export(&user.actor, &filter).await?;
    Ok((name, cases))
}

/// An elimination case records no category and usually no risk types of its own (its home visit
/// confirms the risk is gone): its notice lines show the household's, as monitored.
async fn with_household_monitoring(
    state: &AppState,
    user: &CurrentUser,
    mut cases: Vec<CaseRecord>,
) -> Result<Vec<CaseRecord>, AppError> {
    for c in cases
        .iter_mut()
        .filter(|c| c.case.kind == CaseKind::Elimination)
    {
        if c.case.category.is_none() {
            let d = state
                .store
                .household_get(&user.actor, &c.household_no)
                .await?;
            c.case.category = d.household.monitoring_category;
        }
        if c.case.risks.is_empty() {
            let info = state
                .store
                .monitoring_info(&user.actor, &c.household_no)
                .await?;
            c.case.risks = info.risks;
        }
    }
    Ok(cases)
}

fn page(state: &AppState, doc: &NoticeDoc) -> Result<Response, AppError> {
    let html = state.render("notice.html", minijinja::context! { doc })?;
    Ok(Html(html.0).into_response())
}

fn date_param(text: &str, what: &str) -> Result<Date, AppError> {
    parse_date(text).ok_or_else(|| AppError::BadRequest(format!("请指定{what}，如 2026-10-08")))
}

async fn identification(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    village_notice(&state, &user, &q, CaseKind::Identification).await
}

async fn elimination(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    village_notice(&state, &user, &q, CaseKind::Elimination).await
}

/// The village notice of the cases of `kind` whose notice started on `start`.
async fn village_notice(
    state: &AppState,
    user: &CurrentUser,
    q: &NoticeQuery,
    kind: CaseKind,
) -> Result<Response, AppError> {
    let start = date_param(&q.start, "公示开始日期")?;
    let filter = CaseFilter {
        kind: Some(kind),
        notice_start: Some(start),
        ..CaseFilter::default()
    };
    let (village, cases) = load(state, user, q, filter).await?;
    let cases = with_household_monitoring(state, user, cases).await?;
    let end = cases.iter().filter_map(|c| c.case.notice_end).max();
    let s = &state.settings;
    let doc = match kind {
        CaseKind::Identification => identification_doc,
        CaseKind::Elimination => elimination_doc,
    };
    page(
        state,
        &doc(
            &s.township_name,
            &village,
            &s.supervisory_phone,
            start,
            end,
            &cases,
        ),
    )
}

async fn result(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    let date = date_param(&q.date, "审定日期")?;
    let kind = CaseKind::parse_label(&q.kind).unwrap_or(CaseKind::Identification);
    let filter = CaseFilter {
        kind: Some(kind),
        closed_on: Some(date),
        ..CaseFilter::default()
    };
    let (village, cases) = load(&state, &user, &q, filter).await?;
    // Only decisions of the chain are announced (a rollback is not a county decision of that day).
    let cases: Vec<CaseRecord> = cases
        .into_iter()
        .filter(|c| matches!(c.case.state, CaseState::Approved | CaseState::Rejected))
        .collect();
    let cases = with_household_monitoring(&state, &user, cases).await?;
    let s = &state.settings;
    page(
        &state,
        &result_doc(
            &s.township_name,
            &village,
            &s.supervisory_phone,
            kind,
            date,
            &cases,
        ),
    )
}
