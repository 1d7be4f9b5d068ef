//! Periodic review: intervals from the policy table, next dates on the calendar, due and overdue.

use time::Date;
use time::macros::date;
use zhenxing_domain::lowincome::{
    ReviewState, RollKind, next_review, review_interval, review_state,
};
use zhenxing_domain::policy::PolicyKey;

use crate::{code, table, value};

#[test]
fn intervals_come_from_the_policy_table_and_temporary_assistance_has_none() {
    let p = table(&[value(
        PolicyKey::DibaoReviewMonths,
        Some("500110120"),
        2026,
        6,
    )]);
    let town = code("500110120201");
    let other = code("500110121001");
    assert_eq!(review_interval(&p, &town, 2026, RollKind::Dibao), Some(6));
    assert_eq!(review_interval(&p, &town, 2025, RollKind::Dibao), Some(12));
    assert_eq!(review_interval(&p, &other, 2026, RollKind::Dibao), Some(12));
    assert_eq!(review_interval(&p, &town, 2026, RollKind::Tekun), Some(12));
    assert_eq!(
        review_interval(&p, &town, 2026, RollKind::Marginal),
        Some(12)
    );
    assert_eq!(review_interval(&p, &town, 2026, RollKind::Temporary), None);
}

#[test]
fn next_review_adds_calendar_months_clamped_to_the_month_end() {
    let cases: [(Date, u32, Date); 6] = [
        (date!(2025 - 08 - 31), 6, date!(2026 - 02 - 28)),
        (date!(2023 - 08 - 31), 6, date!(2024 - 02 - 29)),
        (date!(2026 - 01 - 31), 1, date!(2026 - 02 - 28)),
        (date!(2026 - 03 - 31), 6, date!(2026 - 09 - 30)),
        (date!(2026 - 03 - 15), 12, date!(2027 - 03 - 15)),
        (date!(2026 - 12 - 31), 12, date!(2027 - 12 - 31)),
    ];
    for (last, months, expected) in cases {
        assert_eq!(next_review(last, months), expected, "{last} + {months}");
    }
    // No panic at the calendar's end.
    assert_eq!(next_review(date!(2026 - 01 - 01), u32::MAX), Date::MAX);
}

#[test]
fn due_this_month_runs_from_today_to_the_months_end_and_earlier_dates_are_overdue() {
    let today = date!(2026 - 02 - 15);
    let cases = [
        (date!(2026 - 01 - 31), ReviewState::Overdue),
        (date!(2026 - 02 - 01), ReviewState::Overdue),
        (date!(2026 - 02 - 14), ReviewState::Overdue),
        (date!(2026 - 02 - 15), ReviewState::DueThisMonth),
        (date!(2026 - 02 - 28), ReviewState::DueThisMonth),
        (date!(2026 - 03 - 01), ReviewState::NotDue),
        (date!(2027 - 02 - 15), ReviewState::NotDue),
        (date!(2025 - 02 - 20), ReviewState::Overdue),
    ];
    for (next, expected) in cases {
        assert_eq!(review_state(next, today), expected, "{next}");
    }
}

#[test]
fn a_review_six_months_after_the_31st_of_august_is_due_on_the_28th_of_february() {
    let next = next_review(date!(2025 - 08 - 31), 6);
    assert_eq!(
        review_state(next, date!(2026 - 01 - 31)),
        ReviewState::NotDue
    );
    assert_eq!(
        review_state(next, date!(2026 - 02 - 01)),
        ReviewState::DueThisMonth
    );
    assert_eq!(
        review_state(next, date!(2026 - 02 - 28)),
        ReviewState::DueThisMonth
    );
    assert_eq!(
        review_state(next, date!(2026 - 03 - 01)),
        ReviewState::Overdue
    );
    assert_eq!(ReviewState::DueThisMonth.to_string(), "本月到期");
    assert_eq!(ReviewState::Overdue.to_string(), "已逾期");
}
