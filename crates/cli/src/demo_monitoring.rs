//! The demo township's monitoring history: identification cases walked through the real chain (the
//! domain decides every step, the store records it) with backdated dates, measures, helper pairings,
//! follow-up income checks, a few eliminations and one rollback, and open cases at every step so each
//! role has work on its first login. Deterministic: the same database gets the same history.

use time::{Date, Duration};
use zhenxing_domain::assistance::{Measure, MeasureStatus, MeasureType};
use zhenxing_domain::case::{
    Action, Case, CaseKind, CaseState, Clue, ClueSource, Context, DataCheck, Decision,
    EliminationMode, HomeVisit, NoticeClosing, NoticePosting, Reasoned, VillageReview, VisitIncome,
};
use zhenxing_domain::elimination::IncomeCheck;
use zhenxing_domain::household::{HouseholdKind, MonitoringCategory};
use zhenxing_domain::policy::add_months;
use zhenxing_domain::risk::{Checklist, RiskType};
use zhenxing_domain::{DivisionCode, DivisionLevel, Policy, Role, Rules, Yuan};
use zhenxing_store::{
    Actor, CaseFilter, CaseTiming, HouseholdFilter, HouseholdRow, PageRequest, SqlStore, Store,
};

const RISKS: &[&[RiskType]] = &[
    &[RiskType::Illness],
    &[RiskType::Illness, RiskType::LackOfLabour],
    &[RiskType::Schooling],
    &[RiskType::Disaster, RiskType::Housing],
    &[RiskType::UnstableEmployment],
    &[RiskType::Disability],
    &[RiskType::Accident],
];

fn actor(role: Role, scope: &DivisionCode, name: &str) -> Actor {
    Actor {
        user_id: None,
        username: name.to_string(),
        role,
        scope: scope.clone(),
    }
}

struct Walker<'a> {
    store: &'a SqlStore,
    rules: Rules,
    today: Date,
}

impl Walker<'_> {
    fn timing(&self, case: &Case) -> CaseTiming {
        CaseTiming {
            deadline: case.deadline(&self.rules).filter(|_| case.is_open()),
            step_due: case.step_due(&self.rules),
            measure_due: (case.kind == CaseKind::Identification
                && case.state == CaseState::Approved)
                .then(|| {
                    case.closed_on
                        .map(|d| add_months(d, self.rules.measure_months))
                })
                .flatten(),
        }
    }

    fn ctx(&self, role: Role, kind: HouseholdKind) -> Context {
        Context {
            role,
            today: self.today,
            rules: self.rules,
            household_kind: kind,
        }
    }

    /// Opens a case and applies `steps` (role, action) in order; stops quietly at the first refusal
    /// (a demo should never half-build, but a refusal here is a bug we would rather see in the log).
    async fn walk(
        &self,
        row: &HouseholdRow,
        kind: CaseKind,
        clue: Clue,
        steps: Vec<(Role, Action)>,
    ) -> anyhow::Result<Case> {
        let village = &row.village_code;
        let cadre = actor(Role::VillageCadre, village, "演示村干部");
        let mut case = Case::open(kind, clue, &self.ctx(Role::VillageCadre, row.kind))
            .map_err(|r| anyhow::anyhow!("演示数据线索被拒绝：{r}"))?;
        let id = self
            .store
            .case_open(&cadre, &row.household_no, &case, self.timing(&case))
            .await?;
        for (version, (role, action)) in (1..).zip(steps) {
            let who = match role {
                Role::TownStaff => actor(role, village, "演示镇干部"),
                Role::CountyApprover => actor(role, village, "演示县审定人"),
                _ => cadre.clone(),
            };
            let next = case
                .apply(&action, &self.ctx(role, row.kind))
                .map_err(|r| anyhow::anyhow!("演示数据环节被拒绝（{}）：{r}", row.household_no))?;
            self.store
                .case_apply(&who, id, version, &action, &next, self.timing(&next))
                .await?;
            case = next;
        }
        Ok(case)
    }
}

fn visit(date: Date, size: i64, per_capita: i64, risks: &[RiskType], resolved: bool) -> Action {
    let size = u16::try_from(size.max(1)).unwrap_or(1);
    Action::HomeVisit(HomeVisit {
        date,
        visitors: "村两委、驻村工作队".into(),
        consent_signed: true,
        findings: "经入户核实，情况属实".into(),
        income: VisitIncome {
            wage_income: Yuan::from_yuan(per_capita * i64::from(size)),
            size,
            ..VisitIncome::default()
        },
        checklist: Checklist::ALL_SECURE,
        risks: risks.to_vec(),
        risk_resolved: resolved,
    })
}

/// The identification chain from clue date `d0`, one step a day; `upto` = how many steps to take.
fn identification_steps(
    d0: Date,
    row: &HouseholdRow,
    risks: &[RiskType],
    category: MonitoringCategory,
    rules: &Rules,
    upto: usize,
) -> Vec<(Role, Action)> {
    let day = |n: i64| d0 + Duration::days(n);
    let notice_end = day(3) + Duration::days(i64::from(rules.notice_days));
    let pass = |date| Decision {
        date,
        passed: true,
        opinion: "同意".into(),
    };
    let all = vec![
        (
            Role::VillageCadre,
            visit(day(1), row.size, 4_800, risks, false),
        ),
        (
            Role::TownStaff,
            Action::DataCheck(DataCheck {
                date: day(2),
                consistent: true,
                notes: String::new(),
            }),
        ),
        (
            Role::VillageCadre,
            Action::VillageReview(VillageReview {
                date: day(3),
                attendance: 21,
                passed: true,
                opinion: "同意纳入监测".into(),
                category: Some(category),
                mode: None,
            }),
        ),
        (
            Role::VillageCadre,
            Action::PostNotice(NoticePosting {
                start: day(3),
                end: notice_end,
            }),
        ),
        (
            Role::VillageCadre,
            Action::CloseNotice(NoticeClosing {
                date: notice_end + Duration::days(1),
                objections: String::new(),
                upheld: false,
            }),
        ),
        (
            Role::TownStaff,
            Action::TownReview(pass(notice_end + Duration::days(2))),
        ),
        (
            Role::CountyApprover,
            Action::CountyApproval(pass(notice_end + Duration::days(3))),
        ),
    ];
    all.into_iter().take(upto).collect()
}

async fn households(
    store: &SqlStore,
    village: &DivisionCode,
    kind: HouseholdKind,
    n: u32,
) -> anyhow::Result<Vec<HouseholdRow>> {
    let system = Actor::system(village.clone());
    Ok(store
        .household_list(
            &system,
            &HouseholdFilter {
                village: Some(village.clone()),
                kind: Some(kind),
                ..HouseholdFilter::default()
            },
            PageRequest {
                page: 1,
                per_page: n,
            },
        )
        .await?
        .items)
}

pub async fn seed(store: &SqlStore, today: Date) -> anyhow::Result<()> {
    let divisions = store.divisions().await?;
    let Some(top) = divisions.first().map(|d| d.code.clone()) else {
        return Ok(());
    };
    let system = Actor::system(top.clone());
    let existing = store
        .cases_list(
            &system,
            &CaseFilter::default(),
            PageRequest {
                page: 1,
                per_page: 1,
            },
        )
        .await?;
    if existing.total > 0 {
        return Ok(());
    }
    let policy = Policy::new(store.policy_values().await?);
    let helper = store.user_by_username("helper").await?;
    let villages: Vec<DivisionCode> = divisions
        .iter()
        .filter(|d| d.level == DivisionLevel::Village)
        .map(|d| d.code.clone())
        .take(16)
        .collect();
    for (vi, village) in villages.iter().enumerate() {
        let w = Walker {
            store,
            rules: policy.rules(village, today),
            today,
        };
        // Monitored households of the registry get their identification history.
        for (i, row) in households(store, village, HouseholdKind::Monitored, 6)
            .await?
            .iter()
            .enumerate()
        {
            let k = vi * 7 + i;
            let risks = RISKS[k % RISKS.len()];
            let d0 = today - Duration::days(40 + (k as i64 * 37) % 500);
            let category = row
                .monitoring_category
                .unwrap_or(MonitoringCategory::Marginal);
            let clue = Clue {
                source: [
                    ClueSource::SelfReport,
                    ClueSource::CadreCheck,
                    ClueSource::DepartmentAlert,
                ][k % 3],
                date: d0,
                reporter: "户主本人".into(),
                description: "家庭成员患病住院，自付费用较高".into(),
            };
            let steps = identification_steps(d0, row, risks, category, &w.rules, 7);
            let case = w.walk(row, CaseKind::Identification, clue, steps).await?;
            let Some(approved) = case.closed_on else {
                continue;
            };
            let cadre = actor(Role::VillageCadre, village, "演示村干部");
            // Most households got a measure within the month; every sixth did not (shows the warning).
            if k % 6 != 5 {
                let kind = match risks[0] {
                    RiskType::Illness => MeasureType::Health,
                    RiskType::Schooling => MeasureType::Education,
                    RiskType::Disaster => MeasureType::HousingSafety,
                    RiskType::UnstableEmployment => MeasureType::Employment,
                    RiskType::Disability => MeasureType::SocialSecurity,
                    _ => MeasureType::Industry,
                };
                let m = Measure {
                    kind,
                    content: "落实帮扶措施（演示数据）".into(),
                    responsible_unit: "扶欢镇人民政府".into(),
                    responsible_person: "驻村工作队".into(),
                    start: (approved + Duration::days(7)).min(today),
                    end: None,
                    funds: Yuan::from_yuan(2_000 + (k as i64 % 5) * 1_000),
                    status: MeasureStatus::InProgress,
                    result: String::new(),
                    beneficiary: String::new(),
                };
                store.measure_create(&cadre, &row.household_no, &m).await?;
            }
            if let Some(h) = &helper
                && h.division.contains(village)
            {
                store
                    .pairing_set(&cadre, &row.household_no, h.id, approved)
                    .await?;
            }
            // Households identified long enough ago recovered: income checks above the line, and
            // the first two of them are eliminated (one of those rolled back).
            let recovered = add_months(approved, 8) <= today && i < 3;
            if recovered {
                let line = w.rules.monitoring_line.fen() / 100;
                let check = IncomeCheck {
                    date: add_months(approved, 1),
                    per_capita: Yuan::from_yuan(line + 1_500),
                };
                store
                    .income_check_add(&cadre, &row.household_no, check, "帮扶责任人走访测算")
                    .await?;
                if i < 2 && k % 6 != 5 {
                    let e0 = add_months(approved, 7).max(check.date + Duration::days(1));
                    let e0 = add_months(check.date, w.rules.elimination_stable_months).max(e0);
                    if e0 + Duration::days(12) > today {
                        continue;
                    }
                    let day = |n: i64| e0 + Duration::days(n);
                    let end = day(2) + Duration::days(i64::from(w.rules.notice_days));
                    let pass = |date| Decision {
                        date,
                        passed: true,
                        opinion: "同意".into(),
                    };
                    let steps = vec![
                        (
                            Role::VillageCadre,
                            visit(day(1), row.size, line + 2_000, &[], true),
                        ),
                        (
                            Role::VillageCadre,
                            Action::VillageReview(VillageReview {
                                date: day(2),
                                attendance: 19,
                                passed: true,
                                opinion: "收入稳定，同意标注风险消除".into(),
                                category: None,
                                mode: Some(EliminationMode::Assisted),
                            }),
                        ),
                        (
                            Role::VillageCadre,
                            Action::PostNotice(NoticePosting { start: day(2), end }),
                        ),
                        (
                            Role::VillageCadre,
                            Action::CloseNotice(NoticeClosing {
                                date: end + Duration::days(1),
                                objections: String::new(),
                                upheld: false,
                            }),
                        ),
                        (
                            Role::TownStaff,
                            Action::TownReview(pass(end + Duration::days(2))),
                        ),
                        (
                            Role::CountyApprover,
                            Action::CountyApproval(pass(end + Duration::days(3))),
                        ),
                    ];
                    let clue = Clue {
                        source: ClueSource::CadreCheck,
                        date: e0,
                        reporter: "帮扶责任人".into(),
                        description: "务工收入稳定，住院费用已报销".into(),
                    };
                    let mut steps = steps;
                    if vi % 5 == 0 && i == 1 {
                        steps.push((
                            Role::TownStaff,
                            Action::Rollback(Reasoned {
                                date: end + Duration::days(4),
                                reason: "复核发现务工收入不稳定，仍需帮扶".into(),
                            }),
                        ));
                    }
                    w.walk(row, CaseKind::Elimination, clue, steps).await?;
                }
            }
        }
        // Ordinary households with open cases at different steps: every role has work.
        for (i, row) in households(store, village, HouseholdKind::Ordinary, 4)
            .await?
            .iter()
            .enumerate()
        {
            let k = vi * 5 + i;
            // Step counts 0..=6 leave the case waiting at each step; a clue 20 days old with no
            // visit is overdue.
            let (upto, age) = match i {
                0 => (0, 1 + (k as i64 % 2)),
                1 => (1 + k % 3, 6),
                2 => (4 + k % 3, 12),
                _ => (0, 20),
            };
            if vi % 3 == 2 && i == 3 {
                continue;
            }
            let d0 = today - Duration::days(age);
            let clue = Clue {
                source: [
                    ClueSource::SelfReport,
                    ClueSource::CadreCheck,
                    ClueSource::DepartmentAlert,
                ][k % 3],
                date: d0,
                reporter: "村民小组长".into(),
                description: "房屋受暴雨影响出现裂缝，家庭收入下降".into(),
            };
            let risks = RISKS[k % RISKS.len()];
            let mut steps =
                identification_steps(d0, row, risks, MonitoringCategory::Marginal, &w.rules, upto);
            // Keep every step inside the past: a notice that has not ended yet stays open.
            steps.retain(|(_, a)| a.date() <= today);
            if let Some(pos) = steps
                .iter()
                .position(|(_, a)| matches!(a, Action::CloseNotice(c) if c.date > today))
            {
                steps.truncate(pos);
            }
            w.walk(row, CaseKind::Identification, clue, steps).await?;
        }
    }
    Ok(())
}
