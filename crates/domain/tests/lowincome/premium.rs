//! The pension premium subsidy: ages 16 to 59 in the year, insured, in a group; the amount's rounding.

use time::macros::date;
use zhenxing_domain::household::DisabilityGrade;
use zhenxing_domain::lowincome::{PremiumGroup, premium_group, premium_subsidy};
use zhenxing_domain::policy::PolicyKey;

use crate::{code, table, yuan};

fn dibao_born(birth: time::Date) -> Option<PremiumGroup> {
    premium_group(birth, 2026, Some(true), false, true, false, None)
}

#[test]
fn age_in_the_year_is_the_year_minus_the_birth_year() {
    // 16 in 2026: born in 2010, on 1 January or 31 December alike.
    assert_eq!(dibao_born(date!(2010 - 01 - 01)), Some(PremiumGroup::Dibao));
    assert_eq!(dibao_born(date!(2010 - 12 - 31)), Some(PremiumGroup::Dibao));
    // 15: born in 2011.
    assert_eq!(dibao_born(date!(2011 - 01 - 01)), None);
    assert_eq!(dibao_born(date!(2011 - 12 - 31)), None);
    // 59: born in 1967.
    assert_eq!(dibao_born(date!(1967 - 01 - 01)), Some(PremiumGroup::Dibao));
    assert_eq!(dibao_born(date!(1967 - 12 - 31)), Some(PremiumGroup::Dibao));
    // 60: born in 1966.
    assert_eq!(dibao_born(date!(1966 - 01 - 01)), None);
    assert_eq!(dibao_born(date!(1966 - 12 - 31)), None);
}

#[test]
fn only_people_insured_in_the_residents_scheme_are_listed() {
    let birth = date!(1980 - 05 - 05);
    assert_eq!(
        premium_group(birth, 2026, None, true, true, true, None),
        None
    );
    assert_eq!(
        premium_group(birth, 2026, Some(false), true, true, true, None),
        None
    );
    assert_eq!(
        premium_group(birth, 2026, Some(true), true, true, true, None),
        Some(PremiumGroup::Tekun)
    );
}

#[test]
fn each_group_and_the_first_that_applies() {
    let g = |tekun, dibao, monitored, disability| {
        premium_group(
            date!(1980 - 05 - 05),
            2026,
            Some(true),
            tekun,
            dibao,
            monitored,
            disability,
        )
    };
    assert_eq!(g(true, false, false, None), Some(PremiumGroup::Tekun));
    assert_eq!(g(false, true, false, None), Some(PremiumGroup::Dibao));
    assert_eq!(g(false, false, true, None), Some(PremiumGroup::Monitored));
    assert_eq!(
        g(false, false, false, Some(DisabilityGrade::One)),
        Some(PremiumGroup::SevereDisability)
    );
    assert_eq!(
        g(false, false, false, Some(DisabilityGrade::Two)),
        Some(PremiumGroup::SevereDisability)
    );
    assert_eq!(g(false, false, false, Some(DisabilityGrade::Three)), None);
    assert_eq!(g(false, false, false, Some(DisabilityGrade::Four)), None);
    assert_eq!(g(false, false, false, None), None);
    // Priority: 特困 > 低保 > 监测对象 > 重度残疾.
    assert_eq!(
        g(true, true, true, Some(DisabilityGrade::One)),
        Some(PremiumGroup::Tekun)
    );
    assert_eq!(
        g(false, true, true, Some(DisabilityGrade::One)),
        Some(PremiumGroup::Dibao)
    );
    assert_eq!(
        g(false, false, true, Some(DisabilityGrade::One)),
        Some(PremiumGroup::Monitored)
    );
    assert_eq!(
        PremiumGroup::SevereDisability.to_string(),
        "一级二级重度残疾人"
    );
}

#[test]
fn no_panic_at_the_ends_of_the_calendar() {
    assert_eq!(
        premium_group(
            time::Date::MIN,
            i32::MAX,
            Some(true),
            true,
            false,
            false,
            None
        ),
        None
    );
    assert_eq!(
        premium_group(
            time::Date::MAX,
            i32::MIN,
            Some(true),
            true,
            false,
            false,
            None
        ),
        None
    );
}

#[test]
fn the_subsidy_is_the_lowest_tier_times_the_share_rounded_half_up_to_the_fen() {
    let p = table(&[]);
    let town = code("500110120201");
    let tier = yuan(&PolicyKey::PensionLowestTier.input_value(p.value(
        PolicyKey::PensionLowestTier,
        &town,
        2026,
    )));
    let share = p.value(PolicyKey::PensionSubsidyShare, &town, 2026);
    assert_eq!(premium_subsidy(tier, share), yuan("200"));
    assert_eq!(premium_subsidy(yuan("200"), 5_000), yuan("100"));
    // 100.01 × 0.5 = 50.005 → 50.01.
    assert_eq!(premium_subsidy(yuan("100.01"), 5_000), yuan("50.01"));
    // 100.03 × 0.3333 = 33.339999 → 33.34; 100.01 × 0.3333 = 33.333333 → 33.33.
    assert_eq!(premium_subsidy(yuan("100.03"), 3_333), yuan("33.34"));
    assert_eq!(premium_subsidy(yuan("100.01"), 3_333), yuan("33.33"));
    assert_eq!(premium_subsidy(yuan("300"), 0), yuan("0"));
    assert_eq!(
        premium_subsidy(zhenxing_domain::Yuan::from_fen(i64::MAX), i64::MAX),
        zhenxing_domain::Yuan::from_fen(i64::MAX)
    );
}
