//! Deadlines (POLICY.md §2): identification within 15 days of the clue, the home visit within 3,
//! the notice closed the day after it ends; all numbers from [`Rules`], i.e. from the policy table.

use time::macros::date;
use zhenxing_domain::CodeEnum;
use zhenxing_domain::case::{CaseKind, CaseState};
use zhenxing_domain::{DivisionCode, Policy, PolicyKey, PolicyValue, Rules, Yuan};

use crate::{case_in, open};

use CaseState as S;

const I: CaseKind = CaseKind::Identification;
const E: CaseKind = CaseKind::Elimination;

#[test]
fn identification_is_due_fifteen_days_after_the_clue() {
    let r = Rules::default();
    // Clue 2026-03-02 + 15 days.
    for state in [
        S::AwaitingDataCheck,
        S::AwaitingReview,
        S::AwaitingNotice,
        S::AwaitingTownReview,
        S::AwaitingCountyApproval,
    ] {
        let case = case_in(I, state);
        assert_eq!(case.deadline(&r), Some(date!(2026 - 03 - 17)), "{state:?}");
        assert_eq!(case.step_due(&r), Some(date!(2026 - 03 - 17)), "{state:?}");
        assert!(!case.is_overdue(&r, date!(2026 - 03 - 17)), "{state:?}");
        assert!(case.is_overdue(&r, date!(2026 - 03 - 18)), "{state:?}");
    }
}

#[test]
fn the_home_visit_is_due_three_days_after_the_clue() {
    let r = Rules::default();
    let case = open(I);
    assert_eq!(case.state, S::AwaitingVisit);
    assert_eq!(case.deadline(&r), Some(date!(2026 - 03 - 17)));
    assert_eq!(case.step_due(&r), Some(date!(2026 - 03 - 05)));
    assert!(!case.is_overdue(&r, date!(2026 - 03 - 02)));
    assert!(!case.is_overdue(&r, date!(2026 - 03 - 05)));
    assert!(case.is_overdue(&r, date!(2026 - 03 - 06)));
}

#[test]
fn a_running_notice_is_not_overdue() {
    let r = Rules::default();
    let case = case_in(I, S::Noticing);
    assert_eq!(case.notice_end, Some(date!(2026 - 03 - 11)));
    // Closing is due the day after the notice ends.
    assert_eq!(case.step_due(&r), Some(date!(2026 - 03 - 12)));
    for today in [
        date!(2026 - 03 - 06),
        date!(2026 - 03 - 11),
        date!(2026 - 03 - 12),
        // A noticing case counts only by the overall deadline (store's CaseFilter::overdue_on).
        date!(2026 - 03 - 13),
        date!(2026 - 03 - 17),
    ] {
        assert!(!case.is_overdue(&r, today), "{today}");
    }
    assert!(case.is_overdue(&r, date!(2026 - 03 - 18)));

    let elimination = case_in(E, S::Noticing);
    assert_eq!(elimination.notice_end, Some(date!(2026 - 10 - 08)));
    assert_eq!(elimination.step_due(&r), Some(date!(2026 - 10 - 09)));
    assert!(!elimination.is_overdue(&r, date!(2026 - 10 - 08)));
    assert!(!elimination.is_overdue(&r, date!(2026 - 10 - 10)));
}

#[test]
fn closed_cases_are_never_overdue() {
    let r = Rules::default();
    for (kind, state) in [
        (I, S::Approved),
        (I, S::Rejected),
        (E, S::Approved),
        (E, S::Rejected),
        (E, S::RolledBack),
    ] {
        let case = case_in(kind, state);
        assert!(!case.is_open());
        assert_eq!(case.step_due(&r), None, "{kind:?} {state:?}");
        assert!(
            !case.is_overdue(&r, date!(2030 - 01 - 01)),
            "{kind:?} {state:?}"
        );
    }
    // The identification keeps its deadline for the record.
    assert_eq!(
        case_in(I, S::Approved).deadline(&r),
        Some(date!(2026 - 03 - 17))
    );
}

#[test]
fn elimination_has_no_overall_deadline() {
    let r = Rules::default();
    for &state in CaseState::ALL {
        let case = case_in(E, state);
        assert_eq!(case.deadline(&r), None, "{state:?}");
        if state != S::Noticing {
            assert_eq!(case.step_due(&r), None, "{state:?}");
        }
        assert!(!case.is_overdue(&r, date!(2030 - 01 - 01)), "{state:?}");
    }
}

#[test]
fn changed_rules_move_the_dates() {
    let r = Rules {
        identification_days: 10,
        home_visit_days: 5,
        ..Rules::default()
    };
    let visit = open(I);
    assert_eq!(visit.deadline(&r), Some(date!(2026 - 03 - 12)));
    assert_eq!(visit.step_due(&r), Some(date!(2026 - 03 - 07)));
    assert!(!visit.is_overdue(&r, date!(2026 - 03 - 07)));
    assert!(visit.is_overdue(&r, date!(2026 - 03 - 08)));
    let review = case_in(I, S::AwaitingReview);
    assert_eq!(review.step_due(&r), Some(date!(2026 - 03 - 12)));
    assert!(!review.is_overdue(&r, date!(2026 - 03 - 12)));
    assert!(review.is_overdue(&r, date!(2026 - 03 - 13)));
    // The visit is never due after the overall deadline.
    let late_visits = Rules {
        home_visit_days: 12,
        ..r
    };
    assert_eq!(visit.step_due(&late_visits), Some(date!(2026 - 03 - 12)));
}

fn code(s: &str) -> DivisionCode {
    DivisionCode::parse(s).expect("division code")
}

fn value(key: PolicyKey, region: Option<&str>, year: i32, value: i64) -> PolicyValue {
    PolicyValue {
        key,
        region: region.map(code),
        year,
        value,
        is_default: false,
    }
}

#[test]
fn a_town_value_overrides_county_and_national_ones() {
    use PolicyKey as K;
    let mut values = zhenxing_domain::policy::defaults();
    values.extend([
        value(K::IdentificationDays, None, 2026, 20),
        value(K::IdentificationDays, Some("500110"), 2026, 12),
        value(K::IdentificationDays, Some("500110120"), 2025, 10),
        value(K::MonitoringLine, None, 2026, Yuan::from_yuan(8_000).fen()),
        value(
            K::MonitoringLine,
            Some("500110"),
            2026,
            Yuan::from_yuan(7_300).fen(),
        ),
        value(
            K::MonitoringLine,
            Some("500110120"),
            2026,
            Yuan::from_yuan(7_600).fen(),
        ),
        value(K::HomeVisitDays, Some("500110"), 2026, 5),
    ]);
    let policy = Policy::new(values);
    let on = date!(2026 - 03 - 02);

    // 扶欢镇's village: the town's values win, the county's fill what the town leaves open.
    let fuhuan = policy.rules(&code("500110120201"), on);
    assert_eq!(fuhuan.identification_days, 10);
    assert_eq!(fuhuan.monitoring_line, Yuan::from_yuan(7_600));
    assert_eq!(fuhuan.home_visit_days, 5);
    assert_eq!(fuhuan.notice_days, 5);
    // Another town of the county: the county's.
    let other_town = policy.rules(&code("500110121001"), on);
    assert_eq!(other_town.identification_days, 12);
    assert_eq!(other_town.monitoring_line, Yuan::from_yuan(7_300));
    // Another county: the national 2026 values.
    let elsewhere = policy.rules(&code("510100001001"), on);
    assert_eq!(elsewhere.identification_days, 20);
    assert_eq!(elsewhere.monitoring_line, Yuan::from_yuan(8_000));
    assert_eq!(elsewhere.home_visit_days, 3);
    // Before any of them took effect: the defaults.
    assert_eq!(
        policy.rules(&code("500110120201"), date!(2024 - 12 - 31)),
        Rules::default()
    );

    // And the deadlines follow the town's rules.
    let case = open(I);
    assert_eq!(case.deadline(&fuhuan), Some(date!(2026 - 03 - 12)));
    assert_eq!(case.step_due(&fuhuan), Some(date!(2026 - 03 - 07)));
    assert_eq!(case.deadline(&other_town), Some(date!(2026 - 03 - 14)));
}
