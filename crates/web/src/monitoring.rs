//! The monitoring operations shared by the pages and the JSON API: open a case, take a step, and
//! judge elimination. Every decision is the domain's (`Case::open`, `Case::apply`, `eligibility`);
//! this module only gathers what the decision needs (the household, the policy in force, the
//! household's monitoring record) and hands the result to the store, which writes it in one
//! transaction and refuses a stale version.

use time::Date;
use zhenxing_domain::assistance::{consistency_warnings, measure_due, measure_overdue};
use zhenxing_domain::case::{Action, Case, CaseKind, CaseState, Clue, Context};
use zhenxing_domain::elimination::{Eligibility, EligibilityInput, eligibility};
use zhenxing_domain::{CodeEnum, DivisionCode, Policy, Rules};
use zhenxing_store::{CaseTiming, HouseholdDetail, MonitoringInfo};

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::state::AppState;
use crate::views;

/// The policy table in force (small; read per request so an admin's change applies at once).
pub async fn policy(state: &AppState) -> Result<Policy, AppError> {
    Ok(Policy::new(state.store.policy_values().await?))
}

pub async fn rules(state: &AppState, village: &DivisionCode, on: Date) -> Result<Rules, AppError> {
    Ok(policy(state).await?.rules(village, on))
}

fn refusal(message: impl Into<String>) -> AppError {
    AppError::invalid(message)
}

/// The dates the store keeps beside a case so lists can filter on them.
pub fn timing(case: &Case, rules: &Rules) -> CaseTiming {
    let approved_identification =
        case.kind == CaseKind::Identification && case.state == CaseState::Approved;
    CaseTiming {
        deadline: case.deadline(rules).filter(|_| case.is_open()),
        step_due: case.step_due(rules),
        measure_due: if approved_identification {
            case.closed_on.map(|d| measure_due(d, rules.measure_months))
        } else {
            None
        },
    }
}

/// Where a household stands, in the words of the badges.
pub fn status_label(
    info: &MonitoringInfo,
    detail: &HouseholdDetail,
) -> (&'static str, &'static str) {
    if let Some(open) = info.cases.iter().find(|c| c.case.is_open()) {
        return match open.case.kind {
            CaseKind::Identification => ("识别中", "blue"),
            CaseKind::Elimination => ("风险消除中", "blue"),
        };
    }
    if detail.household.kind == zhenxing_domain::household::HouseholdKind::Monitored {
        if info.risk_eliminated {
            ("已消除", "green")
        } else {
            ("监测中", "orange")
        }
    } else {
        ("未纳入监测", "grey")
    }
}

/// Records a clue (identification) or proposes elimination for a household in scope.
pub async fn open_case(
    state: &AppState,
    user: &CurrentUser,
    household_no: &str,
    kind: CaseKind,
    clue: Clue,
) -> Result<i64, AppError> {
    let (case, timing) = prepare_case(state, user, household_no, kind, clue).await?;
    let id = state
        .store
        .case_open(&user.actor, household_no, &case, timing)
        .await?;
    tracing::info!(user.name = %user.user.username, case.id = id, case.kind = kind.code(), "case opened");
    Ok(id)
}

/// Decides a new case for a household in scope (every check of [`open_case`]) without storing it:
/// the caller stores it, alone or with another change in the same transaction.
pub async fn prepare_case(
    state: &AppState,
    user: &CurrentUser,
    household_no: &str,
    kind: CaseKind,
    clue: Clue,
) -> Result<(Case, CaseTiming), AppError> {
    user.require_registry()?;
    // The role first: a user who may not open a case is told so, not what the household lacks.
    zhenxing_domain::case::check_may_record_clue(user.role()).map_err(|r| refusal(r.0))?;
    let detail = state.store.household_get(&user.actor, household_no).await?;
    let info = state
        .store
        .monitoring_info(&user.actor, household_no)
        .await?;
    let today = views::today();
    let rules = rules(state, &detail.household.village, today).await?;
    if let Some(open) = info.cases.iter().find(|c| c.case.is_open()) {
        return Err(AppError::Conflict(format!(
            "该户已有正在办理的{}流程（{}），请先办结",
            open.case.kind.label(),
            open.case.state_label()
        )));
    }
    let monitored = detail.household.kind == zhenxing_domain::household::HouseholdKind::Monitored
        && !info.risk_eliminated;
    match kind {
        CaseKind::Identification if monitored => {
            return Err(refusal(
                "该户已是监测对象（监测中），不需要再识别；新的风险请记录在帮扶措施中",
            ));
        }
        CaseKind::Elimination => {
            if !monitored {
                return Err(refusal("只有监测中的农户才能发起风险消除"));
            }
            let e = judge_elimination(&detail, &info, &rules, today)?;
            if !e.allowed() {
                return Err(refusal(format!(
                    "暂不符合风险消除条件：{}",
                    e.reasons().join("；")
                )));
            }
        }
        CaseKind::Identification => {}
    }
    let ctx = Context {
        role: user.role(),
        today,
        rules,
        household_kind: detail.household.kind,
    };
    let case = Case::open(kind, clue, &ctx).map_err(|r| refusal(r.0))?;
    let t = timing(&case, &rules);
    Ok((case, t))
}

/// Takes one step on a case; `expected_version` is the version the user saw.
pub async fn apply_step(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    expected_version: i64,
    action: &Action,
) -> Result<Case, AppError> {
    user.require_registry()?;
    let record = state.store.case_get(&user.actor, id).await?;
    if record.version != expected_version {
        return Err(AppError::Conflict(STALE_CASE.into()));
    }
    let detail = state
        .store
        .household_get(&user.actor, &record.household_no)
        .await?;
    let today = views::today();
    let rules = rules(state, &record.village_code, today).await?;
    let ctx = Context {
        role: user.role(),
        today,
        rules,
        household_kind: detail.household.kind,
    };
    let next = record.case.apply(action, &ctx).map_err(|r| refusal(r.0))?;
    // The county approves an elimination only while the household still meets every condition.
    if record.case.kind == CaseKind::Elimination && next.state == CaseState::Approved {
        let info = state
            .store
            .monitoring_info(&user.actor, &record.household_no)
            .await?;
        let e = judge_elimination(&detail, &info, &rules, action.date())?;
        if !e.allowed() {
            return Err(refusal(format!(
                "不符合风险消除条件，不能审定：{}",
                e.reasons().join("；")
            )));
        }
    }
    state
        .store
        .case_apply(
            &user.actor,
            id,
            expected_version,
            action,
            &next,
            timing(&next, &rules),
        )
        .await?;
    tracing::info!(user.name = %user.user.username, case.id = id, case.action = action.kind().code(), case.state = next.state.code(), "case step");
    Ok(next)
}

pub const STALE_CASE: &str = "该流程已被他人办理，请刷新后查看最新状态";

/// Elimination eligibility of a monitored household on `on`.
pub fn judge_elimination(
    detail: &HouseholdDetail,
    info: &MonitoringInfo,
    rules: &Rules,
    on: Date,
) -> Result<Eligibility, AppError> {
    let Some(identified_on) = info.identified_on.or_else(|| {
        // Households imported as 监测户 have no approval date in the system: use the latest
        // approved identification, if any.
        info.cases
            .iter()
            .find(|c| {
                c.case.kind == CaseKind::Identification && c.case.state == CaseState::Approved
            })
            .and_then(|c| c.case.closed_on)
    }) else {
        return Err(refusal(
            "该户没有在本系统完成识别（缺少县级审定日期），无法计算监测时间；请先补录识别流程",
        ));
    };
    let measures: Vec<_> = info.measures.iter().map(|m| m.measure.clone()).collect();
    let checklist = info.cases.iter().find_map(|c| c.case.checklist);
    Ok(eligibility(&EligibilityInput {
        today: on,
        identified_on,
        measures: &measures,
        income_checks: &info.income_checks,
        checklist,
        members: &detail.household.members,
        rules: *rules,
    }))
}

/// The household page's monitoring warnings: consistency rules and the one-month rule.
pub fn warnings(
    detail: &HouseholdDetail,
    info: &MonitoringInfo,
    rules: &Rules,
    today: Date,
) -> Vec<String> {
    if detail.household.kind != zhenxing_domain::household::HouseholdKind::Monitored
        || info.risk_eliminated
    {
        return Vec::new();
    }
    let measures: Vec<_> = info.measures.iter().map(|m| m.measure.clone()).collect();
    let mut out = Vec::new();
    if let Some(identified) = info.identified_on
        && measure_overdue(identified, rules.measure_months, &measures, today)
    {
        out.push(format!(
            "纳入监测已超过{}个月（{} 起），仍未落实帮扶措施",
            rules.measure_months, identified
        ));
    }
    out.extend(consistency_warnings(
        &info.risks,
        &measures,
        &detail.household.members,
        today,
    ));
    out
}
