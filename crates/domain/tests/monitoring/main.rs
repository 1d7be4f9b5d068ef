//! The monitoring mechanism of POLICY.md §1–§5 as the domain crate implements it: every transition of
//! the identification and elimination chains, every deadline, the elimination conditions and the
//! measure checks. Shared fixtures live here; every person is synthetic (测试甲 …, computed IDs).

mod deadlines;
mod eligibility;
mod measures;
mod transitions;

use time::Date;
use time::macros::date;
use zhenxing_domain::case::{
    Action, ActionKind, Case, CaseKind, CaseState, Clue, ClueSource, Context, DataCheck, Decision,
    EliminationMode, HomeVisit, NoticeClosing, NoticePosting, Reasoned, VillageReview, VisitIncome,
};
use zhenxing_domain::household::{HouseholdKind, Labour, MonitoringCategory, Relation, Sex};
use zhenxing_domain::id_number::check_character;
use zhenxing_domain::policy::add_days;
use zhenxing_domain::risk::{Checklist, RiskType};
use zhenxing_domain::{IdNumber, Member, Role, Rules, Yuan};

/// "Today" for the transition table: after every date of both walked chains.
pub const TODAY: Date = date!(2026 - 12 - 01);

/// The identification chain's clue date; its deadline (15 days) is 2026-03-17.
pub const ID_CLUE: Date = date!(2026 - 03 - 02);

/// The elimination proposal's date (the household was identified on 2026-03-14).
pub const EL_CLUE: Date = date!(2026 - 10 - 01);

/// The decision context with the documented default rules, for a 脱贫户.
pub fn ctx(role: Role, today: Date) -> Context {
    Context {
        role,
        today,
        rules: Rules::default(),
        household_kind: HouseholdKind::Exited,
    }
}

pub fn clue(date: Date) -> Clue {
    Clue {
        source: ClueSource::CadreCheck,
        date,
        reporter: "测试乙（村干部）".into(),
        description: "户主住院，医疗支出较大".into(),
    }
}

/// `size` people with exactly `per_capita_fen` each (all of it wage income).
pub fn income(per_capita_fen: i64, size: u16) -> VisitIncome {
    VisitIncome {
        wage_income: Yuan::from_fen(per_capita_fen * i64::from(size)),
        size,
        ..VisitIncome::default()
    }
}

/// A valid home visit for the chain: identification finds 因病、因学 and 6,000 yuan per head with
/// medical care not secure; elimination finds the risk resolved, 9,000 yuan and everything secure.
pub fn visit(kind: CaseKind, date: Date) -> HomeVisit {
    match kind {
        CaseKind::Identification => {
            let mut checklist = Checklist::ALL_SECURE;
            checklist.medical = false;
            HomeVisit {
                date,
                visitors: "测试乙、测试丙".into(),
                consent_signed: true,
                findings: "户主患大病住院".into(),
                income: income(600_000, 3),
                checklist,
                risks: vec![RiskType::Illness, RiskType::Schooling],
                risk_resolved: false,
            }
        }
        CaseKind::Elimination => HomeVisit {
            date,
            visitors: "测试乙、测试丙".into(),
            consent_signed: true,
            findings: "户主康复务工，收入稳定".into(),
            income: income(900_000, 3),
            checklist: Checklist::ALL_SECURE,
            risks: Vec::new(),
            risk_resolved: true,
        },
    }
}

/// A valid action of `action` kind for a case of `kind`, dated `date` (a notice runs 5 days).
pub fn action(kind: CaseKind, action: ActionKind, date: Date) -> Action {
    let decision = Decision {
        date,
        passed: true,
        opinion: "同意".into(),
    };
    match action {
        ActionKind::HomeVisit => Action::HomeVisit(visit(kind, date)),
        ActionKind::DataCheck => Action::DataCheck(DataCheck {
            date,
            consistent: true,
            notes: String::new(),
        }),
        ActionKind::VillageReview => Action::VillageReview(VillageReview {
            date,
            attendance: 23,
            passed: true,
            opinion: "同意".into(),
            category: (kind == CaseKind::Identification)
                .then_some(MonitoringCategory::UnstableExited),
            mode: (kind == CaseKind::Elimination).then_some(EliminationMode::Assisted),
        }),
        ActionKind::PostNotice => Action::PostNotice(NoticePosting {
            start: date,
            end: add_days(date, 5),
        }),
        ActionKind::CloseNotice => Action::CloseNotice(NoticeClosing {
            date,
            objections: String::new(),
            upheld: false,
        }),
        ActionKind::TownReview => Action::TownReview(decision),
        ActionKind::CountyApproval => Action::CountyApproval(decision),
        ActionKind::Reject => Action::Reject(Reasoned {
            date,
            reason: "经核实不符合条件".into(),
        }),
        ActionKind::Rollback => Action::Rollback(Reasoned {
            date,
            reason: "家庭成员新患大病，仍需帮扶".into(),
        }),
        ActionKind::Clue => unreachable!("a clue opens a case, it is not an action"),
    }
}

/// One step of a walked chain: who acts, what they record, the state afterwards.
pub struct Step {
    pub role: Role,
    pub action: Action,
    pub after: CaseState,
}

/// The identification chain, clue 2026-03-02 → approved 2026-03-14 (within the 15 days).
pub fn identification_chain() -> Vec<Step> {
    use ActionKind as A;
    use CaseState as S;
    let k = CaseKind::Identification;
    let step = |role, a, date, after| Step {
        role,
        action: action(k, a, date),
        after,
    };
    vec![
        step(
            Role::VillageCadre,
            A::HomeVisit,
            date!(2026 - 03 - 04),
            S::AwaitingDataCheck,
        ),
        step(
            Role::TownStaff,
            A::DataCheck,
            date!(2026 - 03 - 05),
            S::AwaitingReview,
        ),
        step(
            Role::VillageCadre,
            A::VillageReview,
            date!(2026 - 03 - 06),
            S::AwaitingNotice,
        ),
        // 2026-03-06 to 2026-03-11.
        step(
            Role::VillageCadre,
            A::PostNotice,
            date!(2026 - 03 - 06),
            S::Noticing,
        ),
        step(
            Role::VillageCadre,
            A::CloseNotice,
            date!(2026 - 03 - 12),
            S::AwaitingTownReview,
        ),
        step(
            Role::TownStaff,
            A::TownReview,
            date!(2026 - 03 - 13),
            S::AwaitingCountyApproval,
        ),
        step(
            Role::CountyApprover,
            A::CountyApproval,
            date!(2026 - 03 - 14),
            S::Approved,
        ),
    ]
}

/// The elimination chain, proposed 2026-10-01 → approved 2026-10-12 (no data check).
pub fn elimination_chain() -> Vec<Step> {
    use ActionKind as A;
    use CaseState as S;
    let k = CaseKind::Elimination;
    let step = |role, a, date, after| Step {
        role,
        action: action(k, a, date),
        after,
    };
    vec![
        step(
            Role::VillageCadre,
            A::HomeVisit,
            date!(2026 - 10 - 02),
            S::AwaitingReview,
        ),
        step(
            Role::VillageCadre,
            A::VillageReview,
            date!(2026 - 10 - 03),
            S::AwaitingNotice,
        ),
        // 2026-10-03 to 2026-10-08.
        step(
            Role::VillageCadre,
            A::PostNotice,
            date!(2026 - 10 - 03),
            S::Noticing,
        ),
        step(
            Role::VillageCadre,
            A::CloseNotice,
            date!(2026 - 10 - 09),
            S::AwaitingTownReview,
        ),
        step(
            Role::TownStaff,
            A::TownReview,
            date!(2026 - 10 - 10),
            S::AwaitingCountyApproval,
        ),
        step(
            Role::CountyApprover,
            A::CountyApproval,
            date!(2026 - 10 - 12),
            S::Approved,
        ),
    ]
}

/// A freshly opened case of `kind`, recorded by a village cadre.
pub fn open(kind: CaseKind) -> Case {
    let date = match kind {
        CaseKind::Identification => ID_CLUE,
        CaseKind::Elimination => EL_CLUE,
    };
    Case::open(kind, clue(date), &ctx(Role::VillageCadre, TODAY)).expect("clue recorded")
}

/// A case of `kind` in `state`, reached by walking its chain with the right roles. Two states no
/// chain reaches are built by hand: an elimination awaiting a data check, an identification rolled
/// back.
pub fn case_in(kind: CaseKind, state: CaseState) -> Case {
    let mut case = open(kind);
    match (kind, state) {
        (_, CaseState::Rejected) => {
            let reject = action(kind, ActionKind::Reject, case.clue.date);
            return case
                .apply(&reject, &ctx(Role::VillageCadre, TODAY))
                .expect("rejected");
        }
        (CaseKind::Elimination, CaseState::RolledBack) => {
            let approved = case_in(kind, CaseState::Approved);
            let rollback = action(kind, ActionKind::Rollback, date!(2026 - 11 - 20));
            return approved
                .apply(&rollback, &ctx(Role::TownStaff, TODAY))
                .expect("rolled back");
        }
        (CaseKind::Identification, CaseState::RolledBack) => {
            let mut approved = case_in(kind, CaseState::Approved);
            approved.state = CaseState::RolledBack;
            return approved;
        }
        (CaseKind::Elimination, CaseState::AwaitingDataCheck) => {
            let mut visited = case_in(kind, CaseState::AwaitingReview);
            visited.state = CaseState::AwaitingDataCheck;
            return visited;
        }
        _ => {}
    }
    let chain = match kind {
        CaseKind::Identification => identification_chain(),
        CaseKind::Elimination => elimination_chain(),
    };
    for step in chain {
        if case.state == state {
            break;
        }
        case = case
            .apply(&step.action, &ctx(step.role, TODAY))
            .expect("chain step");
    }
    assert_eq!(case.state, state, "the chain reaches {state:?}");
    case
}

/// A synthetic member born on `birth` with a computed, valid ID number (綦江县 address code).
pub fn member(name: &str, birth: Date, labour: Option<Labour>) -> Member {
    let first17 = format!(
        "500222{}{:02}{:02}901",
        birth.year(),
        u8::from(birth.month()),
        birth.day()
    );
    let check = check_character(&first17).expect("17 digits");
    let id_number =
        IdNumber::parse(&format!("{first17}{check}"), date!(2030 - 01 - 01)).expect("valid ID");
    Member {
        name: name.into(),
        id_number,
        relation: Relation::Head,
        sex: Sex::Male,
        birth_date: birth,
        ethnicity: Some("汉族".into()),
        education: None,
        schooling: None,
        health: None,
        disability_grade: None,
        labour,
        work_months: None,
        medical_insured: Some(true),
        pension_insured: None,
        dibao: None,
        tekun: None,
        phone: None,
    }
}
