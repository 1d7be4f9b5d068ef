//! The medical three tiers summed by hand, and the four medical-assistance classes.

use zhenxing_domain::Yuan;
use zhenxing_domain::lowincome::{AssistanceClass, MedicalYear, PersonStatus, assistance_class};

use crate::yuan;

fn add(y: &mut MedicalYear, r: [&str; 6]) {
    let [total, basic, critical, assistance, oop, eligible] = r.map(yuan);
    y.add(total, basic, critical, assistance, oop, eligible);
}

#[test]
fn two_records_sum_to_the_tiers_and_ratios_computed_by_hand() {
    let mut y = MedicalYear::default();
    add(&mut y, ["10000", "6000", "1000", "500", "2500", "1500"]);
    add(&mut y, ["3000", "2000", "0", "200", "800", "800"]);
    assert_eq!(y.records, 2);
    assert_eq!(y.total, yuan("13000"));
    assert_eq!(y.basic, yuan("8000"));
    assert_eq!(y.critical, yuan("1000"));
    assert_eq!(y.assistance, yuan("700"));
    assert_eq!(y.out_of_pocket, yuan("3300"));
    assert_eq!(y.eligible, yuan("2300"));
    // 13,000 − (3,300 − 2,300) = 12,000 within the policy scope.
    assert_eq!(y.in_scope(), yuan("12000"));
    // 2,300 / 12,000 = 0.191666… → 0.1917; 3,300 / 13,000 = 0.253846… → 0.2538.
    assert_eq!(y.in_scope_ratio(), Some(1_917));
    assert_eq!(y.oop_ratio(), Some(2_538));
}

#[test]
fn ratios_round_half_up_in_ten_thousandths() {
    let mut half = MedicalYear::default();
    // 0.01 / 200.00 = 0.00005 → exactly half a ten-thousandth: up to 0.0001.
    add(&mut half, ["200", "199.99", "0", "0", "0.01", "0.01"]);
    assert_eq!(half.in_scope(), yuan("200"));
    assert_eq!(half.in_scope_ratio(), Some(1));
    assert_eq!(half.oop_ratio(), Some(1));
    let mut under = MedicalYear::default();
    add(&mut under, ["200.01", "200", "0", "0", "0.01", "0.01"]);
    assert_eq!(under.in_scope_ratio(), Some(0));
}

#[test]
fn nothing_within_the_scope_has_no_ratio() {
    let empty = MedicalYear::default();
    assert_eq!(empty.in_scope(), Yuan::ZERO);
    assert_eq!(empty.in_scope_ratio(), None);
    assert_eq!(empty.oop_ratio(), None);
    // All 300 paid out of pocket outside the scope of a 100 bill (a correction record): in scope −200.
    let mut odd = MedicalYear::default();
    add(&mut odd, ["100", "0", "0", "0", "300", "0"]);
    assert_eq!(odd.in_scope(), yuan("-200"));
    assert_eq!(odd.in_scope_ratio(), None);
    assert_eq!(odd.oop_ratio(), Some(30_000));
    // Exactly zero in scope: the out-of-pocket spending outside it is the whole bill.
    let mut outside = MedicalYear::default();
    add(&mut outside, ["500", "0", "0", "0", "500", "0"]);
    assert_eq!(outside.in_scope(), Yuan::ZERO);
    assert_eq!(outside.in_scope_ratio(), None);
    assert_eq!(outside.oop_ratio(), Some(10_000));
}

#[test]
fn sums_saturate_instead_of_panicking() {
    let mut y = MedicalYear::default();
    let max = Yuan::from_fen(i64::MAX);
    let min = Yuan::from_fen(i64::MIN);
    y.add(max, max, max, max, max, min);
    y.add(max, max, max, max, max, min);
    assert_eq!(y.total, max);
    assert_eq!(y.in_scope(), min);
    assert_eq!(y.in_scope_ratio(), None);
    assert!(y.oop_ratio().is_some());
}

fn status() -> PersonStatus {
    PersonStatus::default()
}

#[test]
fn each_status_gives_its_class() {
    let cases = [
        (
            PersonStatus {
                tekun: true,
                ..status()
            },
            Some(AssistanceClass::One),
        ),
        (
            PersonStatus {
                orphan: true,
                ..status()
            },
            Some(AssistanceClass::One),
        ),
        (
            PersonStatus {
                dibao: true,
                ..status()
            },
            Some(AssistanceClass::Two),
        ),
        (
            PersonStatus {
                returned_to_poverty: true,
                ..status()
            },
            Some(AssistanceClass::Two),
        ),
        (
            PersonStatus {
                marginal: true,
                ..status()
            },
            Some(AssistanceClass::Three),
        ),
        (
            PersonStatus {
                monitored: true,
                ..status()
            },
            Some(AssistanceClass::Three),
        ),
        (status(), None),
    ];
    for (p, expected) in cases {
        assert_eq!(assistance_class(&p, 5_000), expected, "{p:?}");
    }
    assert_eq!(AssistanceClass::One.to_string(), "一类：特困人员、孤儿");
}

#[test]
fn the_lowest_class_that_applies_wins() {
    let all = PersonStatus {
        tekun: true,
        dibao: true,
        monitored: true,
        oop_12m: yuan("90000"),
        household_net_income_last_year: Some(yuan("1000")),
        ..status()
    };
    assert_eq!(assistance_class(&all, 5_000), Some(AssistanceClass::One));
    let two = PersonStatus {
        tekun: false,
        ..all
    };
    assert_eq!(assistance_class(&two, 5_000), Some(AssistanceClass::Two));
    let three = PersonStatus {
        dibao: false,
        ..two
    };
    assert_eq!(
        assistance_class(&three, 5_000),
        Some(AssistanceClass::Three)
    );
    let four = PersonStatus {
        monitored: false,
        ..three
    };
    assert_eq!(assistance_class(&four, 5_000), Some(AssistanceClass::Four));
}

#[test]
fn class_four_starts_one_fen_above_the_share_of_last_years_income() {
    let p = |oop: &str| PersonStatus {
        oop_12m: yuan(oop),
        household_net_income_last_year: Some(yuan("20000")),
        ..status()
    };
    // Share 0.5 of 20,000.00 = 10,000.00.
    assert_eq!(assistance_class(&p("10000"), 5_000), None);
    assert_eq!(
        assistance_class(&p("10000.01"), 5_000),
        Some(AssistanceClass::Four)
    );
    assert_eq!(assistance_class(&p("9999.99"), 5_000), None);
    // Share 0.3333 of 20,000.00 = 6,666.00.
    assert_eq!(assistance_class(&p("6666"), 3_333), None);
    assert_eq!(
        assistance_class(&p("6666.01"), 3_333),
        Some(AssistanceClass::Four)
    );
}

#[test]
fn a_household_without_last_years_income_is_never_class_four() {
    let p = PersonStatus {
        oop_12m: yuan("500000"),
        household_net_income_last_year: None,
        ..status()
    };
    assert_eq!(assistance_class(&p, 5_000), None);
    // A household whose income was nil or negative: any spending is above the share; none is not.
    let nil = PersonStatus {
        oop_12m: yuan("0.01"),
        household_net_income_last_year: Some(yuan("-300")),
        ..status()
    };
    assert_eq!(assistance_class(&nil, 5_000), Some(AssistanceClass::Four));
    let nothing_spent = PersonStatus {
        oop_12m: Yuan::ZERO,
        ..nil
    };
    assert_eq!(assistance_class(&nothing_spent, 5_000), None);
}
