//! The screening screens: 筛查运行 (run for a period, with the history of runs), 筛查规则 (the rule
//! set, the catalog of features and parameters, an admin's edit with the expression checked on save,
//! a dry run that writes nothing) and 参数试算 (what-if: who would enter and who would leave the
//! warnings if a parameter changed, with its export). Runs go through [`crate::screening::run`].

use std::collections::{HashMap, HashSet};

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::{Deserialize, Serialize};
use zhenxing_domain::feed::Period;
use zhenxing_domain::risk::RiskType;
use zhenxing_domain::{CodeEnum, PolicyKey};
use zhenxing_exchange::Cell;
use zhenxing_screening::features::{Type, Unit};
use zhenxing_screening::report::{Diff, Row};
use zhenxing_screening::{CompiledRule, Feature, Params, RuleDef};
use zhenxing_store::{PageRequest, RunRow, StoredRule};

use crate::auth::CurrentUser;
use crate::case_forms::Fields;
use crate::error::AppError;
use crate::forms::{self, FieldErrors};
use crate::households::{household_href, xlsx_download};
use crate::screening::{
    self, RunError, may_edit_rules, may_read_rules, may_run, params_in_force, period_label,
};
use crate::state::AppState;
use crate::templates::Frame;
use crate::views::{self, Pager, count};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/screening", get(runs_page))
        .route("/screening/runs", post(run_submit))
        .route("/screening/rules", get(rules_page))
        .route(
            "/screening/rules/new",
            get(new_rule_page).post(new_rule_submit),
        )
        .route("/screening/rules/dry-run", post(dry_run_submit))
        .route("/screening/rules/{id}", get(rule_page).post(rule_submit))
        .route("/screening/rules/{id}/toggle", post(toggle_submit))
        .route("/screening/what-if", get(what_if_page))
        .route("/screening/what-if/export.xlsx", get(what_if_export))
}

/// Rows of a dry run shown on the page.
const DRY_RUN_SHOWN: usize = 20;
/// Rows of each what-if table shown on the page (the export has all).
const WHAT_IF_SHOWN: usize = 200;

pub fn require_run(user: &CurrentUser) -> Result<(), AppError> {
    user.require_registry()?;
    if may_run(user.role()) {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!(
            "您的角色（{}）不能运行筛查；筛查由镇乡村振兴办运行",
            user.role().label()
        )))
    }
}

pub fn require_read_rules(user: &CurrentUser) -> Result<(), AppError> {
    if may_read_rules(user.role()) {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!(
            "您的角色（{}）不能查看筛查规则",
            user.role().label()
        )))
    }
}

pub fn require_edit_rules(user: &CurrentUser) -> Result<(), AppError> {
    if may_edit_rules(user.role()) {
        Ok(())
    } else {
        Err(AppError::Forbidden("只有管理员可以修改筛查规则".into()))
    }
}

/// `monitoring_line=7,000.00 元` lines as (label, value).
fn params_lines(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| {
            let label = PolicyKey::from_code(k.trim())
                .map_or_else(|| k.trim().to_string(), |p| p.label().to_string());
            (label, v.trim().to_string())
        })
        .collect()
}

async fn display_name(
    state: &AppState,
    cache: &mut HashMap<String, String>,
    username: &str,
) -> Result<String, AppError> {
    if let Some(n) = cache.get(username) {
        return Ok(n.clone());
    }
    let n = views::actor_name(
        username,
        state
            .store
            .user_by_username(username)
            .await?
            .map(|u| u.display_name),
    );
    cache.insert(username.to_string(), n.clone());
    Ok(n)
}

// ---------- runs ----------

#[derive(Deserialize, Default)]
#[serde(default)]
struct RunsParams {
    page: String,
    run: String,
}

#[derive(Serialize)]
struct RunView {
    id: i64,
    period: String,
    by: String,
    at: String,
    hits: String,
    new: String,
    monitored: String,
    updated: String,
    params: Vec<(String, String)>,
    warnings_href: String,
    new_href: String,
    /// Hits by rule and by village (name, count), largest first.
    by_rule: Vec<(String, String)>,
    by_village: Vec<(String, String)>,
}

/// Sums `counts` by a key, largest first (ties in name order).
fn tally<'a>(counts: impl Iterator<Item = (&'a str, i64)>) -> Vec<(String, String)> {
    let mut sums: Vec<(&str, i64)> = Vec::new();
    for (k, n) in counts {
        match sums.iter_mut().find(|(x, _)| *x == k) {
            Some((_, total)) => *total += n,
            None => sums.push((k, n)),
        }
    }
    sums.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    sums.into_iter()
        .map(|(k, n)| (k.to_string(), count(n)))
        .collect()
}

async fn runs_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(params): Query<RunsParams>,
) -> Result<Response, AppError> {
    require_run(&user)?;
    let mut form = Fields::default();
    form.set("period", screening::this_period().to_string());
    render_runs(
        &state,
        &user,
        &params,
        &form,
        &FieldErrors::new(),
        None,
        StatusCode::OK,
    )
    .await
}

fn warnings_href(period: &str, status: &str) -> String {
    let q = views::query_string([
        ("period", period.to_string()),
        ("status", status.to_string()),
    ]);
    format!("/warnings?{q}")
}

async fn run_view(
    state: &AppState,
    user: &CurrentUser,
    names: &mut HashMap<String, String>,
    r: &RunRow,
) -> Result<RunView, AppError> {
    let counts = state.store.screening_run_counts(&user.actor, r.id).await?;
    Ok(RunView {
        by_rule: tally(counts.iter().map(|c| (c.rule_name.as_str(), c.hits))),
        by_village: tally(counts.iter().map(|c| (c.village_name.as_str(), c.hits))),
        id: r.id,
        period: r.period.clone(),
        by: display_name(state, names, &r.started_by).await?,
        at: views::timestamp(&r.started_at),
        hits: count(r.hits),
        new: count(r.new),
        monitored: count(r.monitored),
        updated: count(r.updated),
        params: params_lines(&r.params),
        warnings_href: warnings_href(&r.period, ""),
        new_href: warnings_href(&r.period, "new"),
    })
}

async fn render_runs(
    state: &AppState,
    user: &CurrentUser,
    params: &RunsParams,
    form: &Fields,
    errors: &FieldErrors,
    top: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let frame = Frame::build(state, user, "screening", "筛查运行").await?;
    let list = state
        .store
        .screening_runs(
            &user.actor,
            PageRequest {
                page: views::page_number(&params.page),
                per_page: 20,
            },
        )
        .await?;
    let mut names = HashMap::new();
    let mut rows = Vec::new();
    for r in &list.items {
        rows.push(run_view(state, user, &mut names, r).await?);
    }
    let just_run: Option<i64> = params.run.trim().parse().ok();
    let done = just_run.and_then(|id| rows.iter().position(|r| r.id == id));
    let done = done.map(|i| &rows[i]);
    let pager = Pager::new(&list, "/screening", "");
    let mut summary: Vec<String> = top.into_iter().collect();
    if let Some(m) = errors.get("period") {
        summary.push(format!("期间：{m}"));
    }
    let html = state.render(
        "screening.html",
        minijinja::context! {
            frame,
            form,
            errors,
            summary,
            done,
            rows,
            pager,
        },
    )?;
    Ok((status, html).into_response())
}

async fn run_submit(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    require_run(&user)?;
    let form = Fields::from_pairs(pairs);
    let period = match screening::parse_period(form.get("period")) {
        Ok(p) => p,
        Err(e) => {
            let mut errors = FieldErrors::new();
            errors.insert("period".into(), e);
            return render_runs(
                &state,
                &user,
                &RunsParams::default(),
                &form,
                &errors,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let result = match screening::run(
        state.store.as_ref(),
        &user.actor,
        &user.user.division,
        period,
        &[],
        None,
        false,
    )
    .await
    {
        Ok(r) => r,
        Err(RunError::Invalid(m)) => {
            return render_runs(
                &state,
                &user,
                &RunsParams::default(),
                &form,
                &FieldErrors::new(),
                Some(m),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
        Err(RunError::Store(e)) => return Err(e.into()),
    };
    let Some(outcome) = result.outcome else {
        return Err(AppError::internal("recorded run without an outcome"));
    };
    tracing::info!(
        user.name = %user.user.username,
        run.id = outcome.run_id,
        run.period = %period,
        run.households = result.households,
        run.records = result.records,
        run.new = outcome.new,
        run.monitored = outcome.monitored,
        run.updated = outcome.updated,
        "screening run"
    );
    user.set_flash(&format!(
        "筛查完成（{}）：{} 户、{} 条部门记录、{} 条规则；新预警 {} 条，监测户信息 {} 条，已有预警更新 {} 条。",
        period_label(period),
        count(result.households as u64),
        count(result.records as u64),
        result.rules,
        count(outcome.new),
        count(outcome.monitored),
        count(outcome.updated),
    ))
    .await?;
    Ok(Redirect::to(&format!("/screening?run={}", outcome.run_id)).into_response())
}

// ---------- rules ----------

/// Is a stored default rule still as shipped?
pub fn edited(r: &StoredRule) -> bool {
    r.is_default
        && zhenxing_screening::default_rules()
            .iter()
            .find(|d| d.id == r.def.id)
            .is_none_or(|d| {
                d.expression != r.def.expression
                    || d.name != r.def.name
                    || d.risk_type != r.def.risk_type
            })
}

pub fn origin_label(r: &StoredRule) -> &'static str {
    if !r.is_default {
        "自定义"
    } else if edited(r) {
        "出厂规则（已修改）"
    } else {
        "出厂规则"
    }
}

#[derive(Serialize)]
struct RuleView {
    id: String,
    name: String,
    risk_type: &'static str,
    expression: String,
    enabled: bool,
    origin: &'static str,
    version: i64,
    href: String,
    by: String,
    at: String,
}

#[derive(Serialize)]
pub struct FeatureView {
    pub name: &'static str,
    pub label: &'static str,
    pub kind: &'static str,
}

pub fn feature_catalog() -> Vec<FeatureView> {
    Feature::ALL
        .iter()
        .map(|f| FeatureView {
            name: f.name(),
            label: f.label(),
            kind: match f.ty() {
                Type::Bool => "是/否",
                Type::Num(Unit::Yuan) => "金额（元）",
                Type::Num(Unit::Count) => "人数",
                Type::Num(Unit::Days) => "天数",
                Type::Num(Unit::Ratio) => "比例",
            },
        })
        .collect()
}

#[derive(Serialize)]
pub struct ParamView {
    pub name: &'static str,
    pub label: &'static str,
    pub value: String,
    /// As typed in a form (yuan without the unit).
    pub input: String,
}

pub fn param_catalog(params: &Params) -> Vec<ParamView> {
    zhenxing_screening::rule::parameters()
        .into_iter()
        .map(|k| ParamView {
            name: k.code(),
            label: k.label(),
            value: k.format_value(params.stored(k)),
            input: k.input_value(params.stored(k)),
        })
        .collect()
}

async fn current_params(state: &AppState, user: &CurrentUser) -> Result<Params, AppError> {
    Ok(params_in_force(
        state.store.as_ref(),
        &user.user.division,
        screening::this_period(),
    )
    .await?)
}

async fn rules_page(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response, AppError> {
    require_read_rules(&user)?;
    let frame = Frame::build(&state, &user, "rules", "筛查规则").await?;
    let stored = state.store.screening_rules().await?;
    let mut names = HashMap::new();
    let mut rules = Vec::new();
    for r in &stored {
        rules.push(RuleView {
            id: r.def.id.clone(),
            name: r.def.name.clone(),
            risk_type: r.def.risk_type.label(),
            expression: r.def.expression.clone(),
            enabled: r.def.enabled,
            origin: origin_label(r),
            version: r.version,
            href: format!("/screening/rules/{}", views::url_encode(&r.def.id)),
            by: display_name(&state, &mut names, &r.updated_by).await?,
            at: views::timestamp(&r.updated_at),
        });
    }
    let params = current_params(&state, &user).await?;
    let html = state.render(
        "rules.html",
        minijinja::context! {
            frame,
            rules,
            features => feature_catalog(),
            params => param_catalog(&params),
            year => views::today().year(),
            can_edit => may_edit_rules(user.role()),
            can_dry_run => may_run(user.role()),
        },
    )?;
    Ok(html.into_response())
}

/// Rule ids: lower-case letters, digits and `_`, starting with a letter (they appear in the CSV).
fn check_id(id: &str) -> Result<(), String> {
    let ok = (2..=40).contains(&id.len())
        && id.starts_with(|c: char| c.is_ascii_lowercase())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !ok {
        return Err(
            "规则编号应为 2–40 位小写英文字母、数字或下划线，以字母开头，如 medical_stay_high"
                .into(),
        );
    }
    if matches!(id, "new" | "dry-run") {
        return Err("该编号为系统保留，请换一个".into());
    }
    Ok(())
}

/// Checks a rule as typed (form or API): field → message, or the rule with its compiled form.
pub fn check_rule(
    id: &str,
    name: &str,
    risk_type: &str,
    expression: &str,
    enabled: bool,
) -> Result<CompiledRule, FieldErrors> {
    let mut errors = FieldErrors::new();
    if let Err(e) = check_id(id) {
        errors.insert("id".into(), e);
    }
    let name = name.trim();
    if name.is_empty() {
        errors.insert("name".into(), "请填写规则名称".into());
    } else if name.chars().count() > 40 {
        errors.insert("name".into(), "规则名称不能超过 40 字".into());
    }
    let risk = RiskType::parse_label(risk_type);
    if risk.is_none() {
        errors.insert("risk_type".into(), "请选择风险类型".into());
    }
    let node = match zhenxing_screening::compile(expression) {
        Ok(n) => Some(n),
        Err(e) => {
            errors.insert("expression".into(), e.message);
            None
        }
    };
    match (risk, node, errors.is_empty()) {
        (Some(risk_type), Some(node), true) => Ok(CompiledRule {
            def: RuleDef {
                id: id.to_string(),
                name: name.to_string(),
                risk_type,
                expression: expression.trim().to_string(),
                enabled,
            },
            node,
        }),
        _ => Err(errors),
    }
}

fn rule_summary(errors: &FieldErrors) -> Vec<String> {
    errors
        .iter()
        .map(|(k, v)| {
            let label = match k.as_str() {
                "id" => "规则编号",
                "name" => "规则名称",
                "risk_type" => "风险类型",
                "expression" => "规则表达式",
                "dry_period" | "period" => "试运行期间",
                other => other,
            };
            if v.starts_with(label) {
                v.clone()
            } else {
                format!("{label}：{v}")
            }
        })
        .collect()
}

fn form_of(r: &StoredRule) -> Fields {
    let mut f = Fields::default();
    f.set("id", r.def.id.clone());
    f.set("name", r.def.name.clone());
    f.set("risk_type", r.def.risk_type.code());
    f.set("expression", r.def.expression.clone());
    f.set("enabled", if r.def.enabled { "1" } else { "" });
    f.set("version", r.version.to_string());
    f
}

/// A dry run's result as shown.
#[derive(Serialize)]
struct DryRun {
    period: String,
    households: String,
    warnings: String,
    new: String,
    monitored: String,
    rows: Vec<DryRow>,
    more: bool,
}

#[derive(Serialize)]
struct DryRow {
    household_no: String,
    household_href: String,
    village: String,
    status: &'static str,
    evidence: String,
}

fn status_label(s: &str) -> &'static str {
    match s {
        "monitored" => "监测户信息",
        _ => "待处理",
    }
}

fn distinct_households(rows: &[Row]) -> usize {
    rows.iter()
        .map(|r| r.household_no.as_str())
        .collect::<HashSet<_>>()
        .len()
}

/// Runs one compiled rule for a period over the user's scope, writing nothing.
pub async fn dry_run(
    state: &AppState,
    user: &CurrentUser,
    rule: CompiledRule,
    period: Period,
) -> Result<Vec<Row>, AppError> {
    require_run(user)?;
    let result = screening::run(
        state.store.as_ref(),
        &user.actor,
        &user.user.division,
        period,
        &[],
        Some(vec![rule]),
        true,
    )
    .await?;
    Ok(result.rows)
}

fn dry_view(period: Period, rows: &[Row]) -> DryRun {
    let monitored = rows.iter().filter(|r| r.status == "monitored").count();
    DryRun {
        period: period_label(period),
        households: count(distinct_households(rows) as u64),
        warnings: count(rows.len() as u64),
        new: count((rows.len() - monitored) as u64),
        monitored: count(monitored as u64),
        rows: rows
            .iter()
            .take(DRY_RUN_SHOWN)
            .map(|r| DryRow {
                household_no: r.household_no.clone(),
                household_href: household_href(&r.household_no),
                village: r.village.clone(),
                status: status_label(&r.status),
                evidence: r.evidence.clone(),
            })
            .collect(),
        more: rows.len() > DRY_RUN_SHOWN,
    }
}

struct RulePage<'a> {
    stored: Option<&'a StoredRule>,
    form: Fields,
    errors: FieldErrors,
    top: Option<String>,
    dry: Option<DryRun>,
    status: StatusCode,
}

async fn render_rule(
    state: &AppState,
    user: &CurrentUser,
    page: RulePage<'_>,
) -> Result<Response, AppError> {
    let is_new = page.stored.is_none();
    let title = match page.stored {
        Some(r) => format!("筛查规则 · {}", r.def.name),
        None => "新增筛查规则".to_string(),
    };
    let frame = Frame::build(state, user, "rules", &title).await?;
    let mut summary: Vec<String> = page.top.into_iter().collect();
    summary.extend(rule_summary(&page.errors));
    let mut names = HashMap::new();
    let (origin, by, at) = match page.stored {
        Some(r) => (
            origin_label(r),
            display_name(state, &mut names, &r.updated_by).await?,
            views::timestamp(&r.updated_at),
        ),
        None => ("自定义", String::new(), String::new()),
    };
    let params = current_params(state, user).await?;
    let mut form = page.form;
    if form.get("dry_period").is_empty() {
        form.set("dry_period", screening::this_period().to_string());
    }
    let html = state.render(
        "rule.html",
        minijinja::context! {
            frame,
            title,
            is_new,
            id => page.stored.map(|r| r.def.id.clone()).unwrap_or_default(),
            action => match page.stored {
                Some(r) => format!("/screening/rules/{}", views::url_encode(&r.def.id)),
                None => "/screening/rules/new".to_string(),
            },
            enabled => page.stored.is_some_and(|r| r.def.enabled),
            version => page.stored.map(|r| r.version),
            origin,
            by,
            at,
            form,
            errors => page.errors,
            summary,
            dry => page.dry,
            risks => forms::choices::<RiskType>(),
            features => feature_catalog(),
            params => param_catalog(&params),
            can_edit => may_edit_rules(user.role()),
            can_dry_run => may_run(user.role()),
        },
    )?;
    Ok((page.status, html).into_response())
}

async fn find_rule(state: &AppState, id: &str) -> Result<StoredRule, AppError> {
    state
        .store
        .screening_rules()
        .await?
        .into_iter()
        .find(|r| r.def.id == id)
        .ok_or(AppError::NotFound)
}

async fn rule_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    require_read_rules(&user)?;
    let r = find_rule(&state, &id).await?;
    render_rule(
        &state,
        &user,
        RulePage {
            stored: Some(&r),
            form: form_of(&r),
            errors: FieldErrors::new(),
            top: None,
            dry: None,
            status: StatusCode::OK,
        },
    )
    .await
}

async fn new_rule_page(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response, AppError> {
    require_edit_rules(&user)?;
    let mut form = Fields::default();
    form.set("enabled", "1");
    render_rule(
        &state,
        &user,
        RulePage {
            stored: None,
            form,
            errors: FieldErrors::new(),
            top: None,
            dry: None,
            status: StatusCode::OK,
        },
    )
    .await
}

fn checked(f: &Fields, name: &str) -> bool {
    matches!(f.get(name), "1" | "on" | "true" | "是")
}

/// Saves a rule (new when `expected_version` is `None`); a conflict or a taken id is a message.
pub async fn save_rule(
    state: &AppState,
    user: &CurrentUser,
    rule: &RuleDef,
    expected_version: Option<i64>,
) -> Result<(), AppError> {
    require_edit_rules(user)?;
    let exists = state
        .store
        .screening_rules()
        .await?
        .iter()
        .any(|r| r.def.id == rule.id);
    if expected_version.is_none() && exists {
        return Err(AppError::Invalid {
            message: format!("规则编号“{}”已存在，请换一个", rule.id),
            fields: [(
                "id".to_string(),
                format!("规则编号“{}”已存在，请换一个", rule.id),
            )]
            .into(),
        });
    }
    if expected_version.is_some() && !exists {
        return Err(AppError::NotFound);
    }
    match state
        .store
        .screening_rule_save(&user.actor, rule, expected_version)
        .await
    {
        Ok(()) => {}
        Err(zhenxing_store::StoreError::Conflict(_)) => {
            return Err(AppError::Conflict(STALE_RULE.into()));
        }
        Err(e) => return Err(e.into()),
    }
    tracing::info!(user.name = %user.user.username, rule.id = %rule.id, rule.enabled = rule.enabled, "screening rule saved");
    Ok(())
}

pub const STALE_RULE: &str = "该规则已被他人修改，请刷新页面后在最新内容上修改";

async fn save_from_form(
    state: &AppState,
    user: &CurrentUser,
    stored: Option<&StoredRule>,
    form: Fields,
) -> Result<Response, AppError> {
    require_edit_rules(user)?;
    let id = match stored {
        Some(r) => r.def.id.clone(),
        None => form.get("id").to_string(),
    };
    let expected = match stored {
        Some(_) => Some(
            form.get("version")
                .parse::<i64>()
                .map_err(|_| AppError::BadRequest("缺少版本号，请刷新页面后重试".into()))?,
        ),
        None => None,
    };
    let rule = match check_rule(
        &id,
        form.get("name"),
        form.get("risk_type"),
        form.get("expression"),
        checked(&form, "enabled"),
    ) {
        Ok(r) => r,
        Err(errors) => {
            return render_rule(
                state,
                user,
                RulePage {
                    stored,
                    form,
                    errors,
                    top: None,
                    dry: None,
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                },
            )
            .await;
        }
    };
    match save_rule(state, user, &rule.def, expected).await {
        Ok(()) => {
            user.set_flash(&format!("已保存规则「{}」。", rule.def.name))
                .await?;
            Ok(Redirect::to("/screening/rules").into_response())
        }
        Err(AppError::Invalid { message, fields }) => {
            render_rule(
                state,
                user,
                RulePage {
                    stored,
                    form,
                    top: fields.is_empty().then_some(message),
                    errors: fields,
                    dry: None,
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                },
            )
            .await
        }
        Err(e @ AppError::Conflict(_)) => {
            render_rule(
                state,
                user,
                RulePage {
                    stored,
                    form,
                    errors: FieldErrors::new(),
                    top: Some(e.to_string()),
                    dry: None,
                    status: StatusCode::CONFLICT,
                },
            )
            .await
        }
        Err(e) => Err(e),
    }
}

async fn new_rule_submit(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    save_from_form(&state, &user, None, Fields::from_pairs(pairs)).await
}

async fn rule_submit(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    require_edit_rules(&user)?;
    let r = find_rule(&state, &id).await?;
    save_from_form(&state, &user, Some(&r), Fields::from_pairs(pairs)).await
}

async fn toggle_submit(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    require_edit_rules(&user)?;
    let form = Fields::from_pairs(pairs);
    let version = form
        .get("version")
        .parse::<i64>()
        .map_err(|_| AppError::BadRequest("缺少版本号，请刷新页面后重试".into()))?;
    let r = find_rule(&state, &id).await?;
    let mut def = r.def.clone();
    def.enabled = !def.enabled;
    match save_rule(&state, &user, &def, Some(version)).await {
        Ok(()) => {
            user.set_flash(&format!(
                "已{}规则「{}」。",
                if def.enabled { "启用" } else { "停用" },
                def.name
            ))
            .await?;
        }
        Err(AppError::Conflict(m)) => user.set_flash(&m).await?,
        Err(e) => return Err(e),
    }
    Ok(Redirect::to("/screening/rules").into_response())
}

/// 试运行: the rule as typed in the form (or as stored, for a reader), one period, nothing written.
async fn dry_run_submit(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    require_read_rules(&user)?;
    require_run(&user)?;
    let mut form = Fields::from_pairs(pairs);
    let id = form.get("id").to_string();
    let stored = if id.is_empty() {
        None
    } else {
        state
            .store
            .screening_rules()
            .await?
            .into_iter()
            .find(|r| r.def.id == id)
    };
    // A reader tries the stored rule; an admin the text in the form.
    if let Some(r) = &stored
        && (!may_edit_rules(user.role()) || form.get("expression").is_empty())
    {
        let period = form.get("dry_period").to_string();
        form = form_of(r);
        form.set("dry_period", period);
    }
    let mut errors = FieldErrors::new();
    let period = match screening::parse_period(form.get("dry_period")) {
        Ok(p) => Some(p),
        Err(e) => {
            errors.insert("dry_period".into(), e);
            None
        }
    };
    let check_id_text = if id.is_empty() {
        "dry_run_rule"
    } else {
        id.as_str()
    };
    let rule = match check_rule(
        check_id_text,
        if form.get("name").is_empty() {
            "试运行"
        } else {
            form.get("name")
        },
        if form.get("risk_type").is_empty() {
            RiskType::Other.code()
        } else {
            form.get("risk_type")
        },
        form.get("expression"),
        true,
    ) {
        Ok(r) => Some(r),
        Err(e) => {
            if let Some(m) = e.get("expression") {
                errors.insert("expression".into(), m.clone());
            }
            if let Some(m) = e.get("id").filter(|_| stored.is_none() && !id.is_empty()) {
                errors.insert("id".into(), m.clone());
            }
            None
        }
    };
    let (Some(period), Some(rule), true) = (period, rule, errors.is_empty()) else {
        return render_rule(
            &state,
            &user,
            RulePage {
                stored: stored.as_ref(),
                form,
                errors,
                top: None,
                dry: None,
                status: StatusCode::UNPROCESSABLE_ENTITY,
            },
        )
        .await;
    };
    let rows = match dry_run(&state, &user, rule, period).await {
        Ok(rows) => rows,
        Err(AppError::Invalid { message, .. }) => {
            return render_rule(
                &state,
                &user,
                RulePage {
                    stored: stored.as_ref(),
                    form,
                    errors,
                    top: Some(message),
                    dry: None,
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                },
            )
            .await;
        }
        Err(e) => return Err(e),
    };
    render_rule(
        &state,
        &user,
        RulePage {
            stored: stored.as_ref(),
            form,
            errors,
            top: None,
            dry: Some(dry_view(period, &rows)),
            status: StatusCode::OK,
        },
    )
    .await
}

// ---------- what-if ----------

/// The what-if form: a period and `name=value` overrides (only values that differ from the
/// parameters in force count as overrides).
pub struct WhatIfInput {
    pub period: Period,
    pub sets: Vec<String>,
}

/// Reads the what-if form: `period` and one field per parameter.
async fn what_if_input(
    state: &AppState,
    user: &CurrentUser,
    f: &Fields,
) -> Result<Result<(WhatIfInput, Params), FieldErrors>, AppError> {
    let mut errors = FieldErrors::new();
    let period = match screening::parse_period(f.get("period")) {
        Ok(p) => p,
        Err(e) => {
            errors.insert("period".into(), e);
            return Ok(Err(errors));
        }
    };
    let base = params_in_force(state.store.as_ref(), &user.user.division, period).await?;
    let mut sets = Vec::new();
    for k in zhenxing_screening::rule::parameters() {
        let text = f.get(k.code());
        if text.is_empty() {
            continue;
        }
        match k.parse_value(text) {
            Ok(v) if v == base.stored(k) => {}
            Ok(_) => sets.push(format!("{}={}", k.code(), text)),
            Err(e) => {
                errors.insert(k.code().to_string(), e);
            }
        }
    }
    if errors.is_empty() {
        Ok(Ok((WhatIfInput { period, sets }, base)))
    } else {
        Ok(Err(errors))
    }
}

/// Runs a what-if: the diff between the parameters in force and the overrides. Writes nothing.
pub async fn what_if(
    state: &AppState,
    user: &CurrentUser,
    input: &WhatIfInput,
) -> Result<Diff, AppError> {
    require_run(user)?;
    let result = screening::run(
        state.store.as_ref(),
        &user.actor,
        &user.user.division,
        input.period,
        &input.sets,
        None,
        true,
    )
    .await?;
    Ok(result.diff.unwrap_or_default())
}

#[derive(Serialize)]
struct DiffRow {
    household_no: String,
    household_href: String,
    village: String,
    rule: String,
    risk_type: String,
    status: &'static str,
    evidence: String,
}

#[derive(Serialize)]
struct VillageDiff {
    village: String,
    entering: String,
    leaving: String,
}

async fn rule_names(state: &AppState) -> Result<HashMap<String, String>, AppError> {
    Ok(state
        .store
        .screening_rules()
        .await?
        .into_iter()
        .map(|r| (r.def.id, r.def.name))
        .collect())
}

fn diff_rows(rows: &[Row], names: &HashMap<String, String>) -> Vec<DiffRow> {
    rows.iter()
        .take(WHAT_IF_SHOWN)
        .map(|r| DiffRow {
            household_no: r.household_no.clone(),
            household_href: household_href(&r.household_no),
            village: r.village.clone(),
            rule: names
                .get(&r.rule_id)
                .cloned()
                .unwrap_or_else(|| r.rule_id.clone()),
            risk_type: r.risk_type.clone(),
            status: status_label(&r.status),
            evidence: r.evidence.clone(),
        })
        .collect()
}

async fn what_if_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    require_run(&user)?;
    let frame = Frame::build(&state, &user, "what-if", "参数试算").await?;
    let mut form = Fields::from_pairs(pairs);
    let asked = !form.get("period").is_empty();
    if !asked {
        form.set("period", screening::this_period().to_string());
    }
    let mut errors = FieldErrors::new();
    let mut result = None;
    let mut status = StatusCode::OK;
    let mut base = current_params(&state, &user).await?;
    if asked {
        match what_if_input(&state, &user, &form).await? {
            Err(e) => {
                errors = e;
                status = StatusCode::UNPROCESSABLE_ENTITY;
            }
            Ok((input, b)) => {
                base = b;
                match what_if(&state, &user, &input).await {
                    Ok(diff) => result = Some((input, diff)),
                    Err(AppError::Invalid { message, .. }) => {
                        errors.insert("sets".into(), message);
                        status = StatusCode::UNPROCESSABLE_ENTITY;
                    }
                    Err(e) => return Err(e),
                }
            }
        }
    }
    let params = param_catalog(&base);
    let summary: Vec<String> = errors
        .iter()
        .map(|(k, v)| {
            let label = match k.as_str() {
                "period" => "期间",
                "sets" => "参数",
                other => PolicyKey::from_code(other).map_or(other, |p| p.label()),
            };
            format!("{label}：{v}")
        })
        .collect();
    let names = rule_names(&state).await?;
    // Villages in division order, as every other list shows them.
    let order: Vec<String> = state
        .villages_in_scope(&user.actor)
        .await?
        .into_iter()
        .map(|d| d.name)
        .collect();
    let view = match &result {
        None => None,
        Some((input, diff)) => {
            let mut by_village = diff.by_village();
            by_village
                .sort_by_key(|(v, _, _)| order.iter().position(|n| n == v).unwrap_or(usize::MAX));
            let villages: Vec<VillageDiff> = by_village
                .into_iter()
                .map(|(v, e, l)| VillageDiff {
                    village: v,
                    entering: count(e as u64),
                    leaving: count(l as u64),
                })
                .collect();
            let q = what_if_query(input);
            Some(minijinja::context! {
                period => period_label(input.period),
                sets => input.sets.iter().map(|s| {
                    let (k, v) = s.split_once('=').unwrap_or((s, ""));
                    let key = PolicyKey::from_code(k);
                    let shown = key
                        .and_then(|key| key.parse_value(v).ok().map(|n| key.format_value(n)))
                        .unwrap_or_else(|| v.to_string());
                    (key.map_or(k, |p| p.label()).to_string(), base_value(&base, key), shown)
                }).collect::<Vec<_>>(),
                entering_households => count(distinct_households(&diff.entering) as u64),
                leaving_households => count(distinct_households(&diff.leaving) as u64),
                entering_count => count(diff.entering.len() as u64),
                leaving_count => count(diff.leaving.len() as u64),
                villages,
                entering => diff_rows(&diff.entering, &names),
                leaving => diff_rows(&diff.leaving, &names),
                entering_more => diff.entering.len() > WHAT_IF_SHOWN,
                leaving_more => diff.leaving.len() > WHAT_IF_SHOWN,
                shown => WHAT_IF_SHOWN,
                export_href => format!("/screening/what-if/export.xlsx?{q}"),
            })
        }
    };
    let html = state.render(
        "what_if.html",
        minijinja::context! {
            frame,
            form,
            errors,
            summary,
            params,
            result => view,
        },
    )?;
    Ok((status, html).into_response())
}

fn base_value(base: &Params, key: Option<PolicyKey>) -> String {
    key.map(|k| k.format_value(base.stored(k)))
        .unwrap_or_default()
}

fn what_if_query(input: &WhatIfInput) -> String {
    let mut pairs: Vec<(&str, String)> = vec![("period", input.period.to_string())];
    for s in &input.sets {
        if let Some((k, v)) = s.split_once('=') {
            pairs.push((k, v.to_string()));
        }
    }
    views::query_string(pairs)
}

/// The what-if diff as a workbook: 变化, 户编号, 行政村, 规则, 风险类型, 依据.
pub fn diff_workbook(diff: &Diff, names: &HashMap<String, String>) -> Result<Vec<u8>, AppError> {
    let headers = ["变化", "户编号", "行政村", "规则", "风险类型", "依据"];
    let tagged = diff
        .entering
        .iter()
        .map(|r| ("新进入", r))
        .chain(diff.leaving.iter().map(|r| ("退出", r)));
    let cells: Vec<Vec<Cell>> = tagged
        .map(|(change, r)| {
            vec![
                Cell::Text(change.into()),
                Cell::Text(r.household_no.clone()),
                Cell::Text(r.village.clone()),
                Cell::Text(
                    names
                        .get(&r.rule_id)
                        .cloned()
                        .unwrap_or_else(|| r.rule_id.clone()),
                ),
                Cell::Text(r.risk_type.clone()),
                Cell::Text(r.evidence.clone()),
            ]
        })
        .collect();
    zhenxing_exchange::write_table_xlsx_bytes("参数试算", &headers, &cells)
        .map_err(|e| AppError::internal(format!("what-if workbook: {e}")))
}

async fn what_if_export(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    require_run(&user)?;
    let form = Fields::from_pairs(pairs);
    let input = match what_if_input(&state, &user, &form).await? {
        Ok((input, _)) => input,
        Err(errors) => {
            return Err(AppError::Invalid {
                message: errors.values().cloned().collect::<Vec<_>>().join("；"),
                fields: errors,
            });
        }
    };
    let diff = what_if(&state, &user, &input).await?;
    let names = rule_names(&state).await?;
    state
        .store
        .audit_record(
            &user.actor,
            "export",
            "what_if",
            &what_if_query(&input),
            None,
        )
        .await?;
    let bytes = diff_workbook(&diff, &names)?;
    Ok(xlsx_download(
        bytes,
        "what-if.xlsx",
        &format!("参数试算-{}.xlsx", input.period),
    ))
}
