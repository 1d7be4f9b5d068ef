//! The 特困 standard stays at least 1.3 × the 低保 standard, whichever of them changes.

use zhenxing_domain::CodeEnum;
use zhenxing_domain::lowincome::{Standards, check_standards_change};
use zhenxing_domain::policy::{PolicyKey, PolicyValue};

use crate::{code, money, table, value, yuan};

/// Sets `v` on a table that already holds `existing`, as the store does: the check sees the table
/// after the write.
fn set(existing: &[PolicyValue], v: PolicyValue) -> Result<(), String> {
    let mut all = existing.to_vec();
    all.push(v.clone());
    check_standards_change(&table(&all), &v)
}

fn refusal(existing: &[PolicyValue], v: PolicyValue) -> String {
    set(existing, v).expect_err("refused")
}

#[test]
fn the_documented_defaults_keep_the_rule() {
    let p = table(&[]);
    let s = Standards::resolve(&p, &code("500110120201"), 2026);
    assert_eq!(s.dibao, yuan("600"));
    assert_eq!(s.tekun, yuan("780"));
    assert_eq!(s.tekun_min_ratio, 13_000);
    assert_eq!(s.tekun_floor(), yuan("780"));
    assert_eq!(s.ratio_finding(), None);
    let defaults: Vec<PolicyValue> = zhenxing_domain::policy::defaults();
    for v in defaults
        .iter()
        .filter(|v| v.key.code().contains("standard"))
    {
        assert_eq!(check_standards_change(&p, v), Ok(()), "{:?}", v.key);
    }
}

#[test]
fn a_tekun_standard_exactly_at_one_point_three_times_passes() {
    let dibao = money(PolicyKey::DibaoStandard, None, 2026, "700");
    assert_eq!(
        set(
            std::slice::from_ref(&dibao),
            money(PolicyKey::TekunStandard, None, 2026, "910")
        ),
        Ok(())
    );
}

#[test]
fn a_tekun_standard_one_fen_below_is_refused_with_the_numbers() {
    let dibao = money(PolicyKey::DibaoStandard, None, 2026, "700");
    let err = refusal(
        &[dibao],
        money(PolicyKey::TekunStandard, None, 2026, "909.99"),
    );
    assert_eq!(
        err,
        "特困人员基本生活标准 909.99 元低于低保标准 700.00 元的 1.3 倍（910.00 元）（2026年）"
    );
}

#[test]
fn lowering_the_tekun_standard_below_the_standing_dibao_standard_is_refused() {
    let err = refusal(&[], money(PolicyKey::TekunStandard, None, 2027, "750"));
    assert_eq!(
        err,
        "特困人员基本生活标准 750.00 元低于低保标准 600.00 元的 1.3 倍（780.00 元）（2027年）"
    );
}

#[test]
fn raising_the_dibao_standard_so_the_standing_tekun_standard_falls_below_is_refused() {
    // 600.01 × 1.3 = 780.013: the standing 780.00 is short, and the least it may be is 780.02.
    let err = refusal(&[], money(PolicyKey::DibaoStandard, None, 2026, "600.01"));
    assert_eq!(
        err,
        "特困人员基本生活标准 780.00 元低于低保标准 600.01 元的 1.3 倍（780.02 元）（2026年）"
    );
    // Raised together with the 特困 standard it passes.
    let tekun = money(PolicyKey::TekunStandard, None, 2026, "780.02");
    assert_eq!(
        set(
            &[tekun],
            money(PolicyKey::DibaoStandard, None, 2026, "600.01")
        ),
        Ok(())
    );
}

#[test]
fn a_dibao_raise_is_checked_against_a_later_years_tekun_entry() {
    let existing = [
        money(PolicyKey::TekunStandard, None, 2026, "900"),
        money(PolicyKey::TekunStandard, None, 2027, "845"),
    ];
    // 650 × 1.3 = 845: both years hold.
    assert_eq!(
        set(
            &existing,
            money(PolicyKey::DibaoStandard, None, 2026, "650")
        ),
        Ok(())
    );
    // One fen more: 2026 (900) still holds, 2027 (845) does not.
    let err = refusal(
        &existing,
        money(PolicyKey::DibaoStandard, None, 2026, "650.01"),
    );
    assert_eq!(
        err,
        "特困人员基本生活标准 845.00 元低于低保标准 650.01 元的 1.3 倍（845.02 元）（2027年）"
    );
}

#[test]
fn a_tekun_change_is_checked_against_a_later_years_dibao_entry() {
    let existing = [money(PolicyKey::DibaoStandard, None, 2028, "690")];
    // 2027 and its 600 are fine; from 2028 the 低保 standard is 690 and needs 897.
    let err = refusal(
        &existing,
        money(PolicyKey::TekunStandard, None, 2027, "880"),
    );
    assert!(
        err.contains("880.00 元") && err.contains("690.00 元"),
        "{err}"
    );
    assert!(
        err.contains("897.00 元") && err.ends_with("（2028年）"),
        "{err}"
    );
    // Earlier years are not the change's business: a 2029 value does not look back at 2028.
    assert_eq!(
        set(
            &existing,
            money(PolicyKey::TekunStandard, None, 2029, "897")
        ),
        Ok(())
    );
}

#[test]
fn a_region_value_is_checked_against_the_national_one_it_meets() {
    let national_tekun = money(PolicyKey::TekunStandard, None, 2026, "1000");
    // The town's own 低保 770 × 1.3 = 1,001 is above the national 特困 standard of 1,000.
    let err = refusal(
        std::slice::from_ref(&national_tekun),
        money(PolicyKey::DibaoStandard, Some("500110120"), 2026, "770"),
    );
    assert_eq!(
        err,
        "特困人员基本生活标准 1,000.00 元低于低保标准 770.00 元的 1.3 倍（1,001.00 元）（2026年）"
    );
    assert_eq!(
        set(
            &[national_tekun],
            money(PolicyKey::DibaoStandard, Some("500110120"), 2026, "769.23")
        ),
        Ok(())
    );
}

#[test]
fn a_national_change_is_checked_in_every_region_with_its_own_standard() {
    let existing = [
        money(PolicyKey::TekunStandard, None, 2026, "1000"),
        money(PolicyKey::DibaoStandard, Some("500110120"), 2026, "750"),
    ];
    // Nationally 950 ≥ 1.3 × 600, but the town's 低保 750 needs 975.
    let err = refusal(
        &existing,
        money(PolicyKey::TekunStandard, None, 2026, "950"),
    );
    assert_eq!(
        err,
        "特困人员基本生活标准 950.00 元低于低保标准 750.00 元的 1.3 倍（975.00 元）（2026年）（区划 500110120 有本级标准）"
    );
    // A town of another county has no 低保 of its own: the same national value is fine for it.
    let p = table(&existing);
    let other = Standards::resolve(&p, &code("500111100"), 2026);
    assert_eq!(other.ratio_finding(), None);
}

#[test]
fn the_ratio_cannot_go_below_the_national_floor_and_raising_it_is_checked() {
    let err = PolicyKey::TekunMinRatio
        .parse_value("1.29")
        .expect_err("below 1.3");
    assert!(err.contains("1.3"), "{err}");
    assert_eq!(PolicyKey::TekunMinRatio.parse_value("1.3"), Ok(13_000));
    let err = refusal(
        &[],
        value(PolicyKey::TekunMinRatio, Some("500110"), 2026, 15_000),
    );
    assert_eq!(
        err,
        "特困人员基本生活标准 780.00 元低于低保标准 600.00 元的 1.5 倍（900.00 元）（2026年）"
    );
}

#[test]
fn other_keys_always_pass_even_on_an_inconsistent_table() {
    let broken = money(PolicyKey::TekunStandard, None, 2026, "100");
    let line = money(PolicyKey::MonitoringLine, None, 2026, "7500");
    let care = money(PolicyKey::CareAllowanceFull, None, 2026, "800");
    assert_eq!(
        check_standards_change(&table(&[broken.clone(), line.clone()]), &line),
        Ok(())
    );
    assert_eq!(
        check_standards_change(&table(&[broken, care.clone()]), &care),
        Ok(())
    );
}

#[test]
fn standards_resolve_by_region_and_year() {
    let p = table(&[
        money(PolicyKey::DibaoStandard, Some("500110"), 2025, "650"),
        money(PolicyKey::CareAllowancePart, Some("500110120"), 2026, "350"),
    ]);
    let town = code("500110120201");
    let s2024 = Standards::resolve(&p, &town, 2024);
    let s2026 = Standards::resolve(&p, &town, 2026);
    assert_eq!((s2024.dibao, s2024.care_part), (yuan("600"), yuan("300")));
    assert_eq!((s2026.dibao, s2026.care_part), (yuan("650"), yuan("350")));
    assert_eq!(s2026.year, 2026);
    assert_eq!(s2026.care_full, yuan("600"));
}
