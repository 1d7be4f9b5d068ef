//! `Params::set`: `name=value` overrides for one run, checked like the policy page.

use zhenxing_domain::PolicyKey;

use crate::common::*;

#[test]
fn monitoring_line_can_be_set_and_is_used() {
    let mut p = params();
    assert_eq!(p.stored(PolicyKey::MonitoringLine), 700_000);
    p.set("monitoring_line=7500").expect("accepted");
    assert_eq!(p.stored(PolicyKey::MonitoringLine), 750_000); // 7,500.00 元 in fen
    // Spaces around the parts are fine; ratios and days too.
    p.set(" income_drop_share = 0.25 ").expect("ratio");
    assert_eq!(p.stored(PolicyKey::IncomeDropShare), 2_500);
    p.set("water_cut_days=20").expect("days");
    assert_eq!(p.stored(PolicyKey::WaterCutDays), 20);

    // 7,250.00 per head: not below the default 7,000.00, below 7,500.00.
    let mut reg = Reg::default();
    reg.add_with_incomes("G1", Who::Ordinary, 2, vec![income(2025, yuan(14_500))]);
    assert!(run(&reg, &[]).flagged("income_below_line").is_empty());
    assert_eq!(
        run_with(&reg, &[], &p).flagged("income_below_line"),
        set(&["G1"])
    );
    assert_eq!(
        run_with(&reg, &[], &p).evidence("G1", "income_below_line"),
        "2025年 人均纯收入 7,250.00 元 < 7,500.00 元"
    );
}

#[test]
fn unknown_names_are_refused() {
    let mut p = params();
    let before = p.clone();
    let e = p.set("monitoring_lines=7500").expect_err("unknown");
    assert!(
        e.contains("未知的参数") && e.contains("monitoring_lines"),
        "{e}"
    );
    assert!(e.contains("monitoring_line"), "lists the names: {e}");
    // A policy key that is not a screening parameter is not settable here.
    let e = p
        .set("notice_days=7")
        .expect_err("not a screening parameter");
    assert!(e.contains("未知的参数"), "{e}");
    let e = p.set("monitoring_line").expect_err("no value");
    assert!(e.contains("名称=值"), "{e}");
    assert_eq!(p, before, "refused settings change nothing");
}

#[test]
fn bad_values_are_refused() {
    let mut p = params();
    let before = p.clone();
    let e = p.set("monitoring_line=七千").expect_err("not a number");
    assert!(e.contains("不是有效金额"), "{e}");
    let e = p
        .set("monitoring_line=7000.001")
        .expect_err("three decimals");
    assert!(e.contains("最多两位小数"), "{e}");
    let e = p.set("monitoring_line=500").expect_err("below range");
    assert!(e.contains("应在") && e.contains("1,000.00 元"), "{e}");
    let e = p.set("monitoring_line=-7000").expect_err("negative");
    assert!(e.contains("应在"), "{e}");
    let e = p
        .set("medical_share_exited=0.12345")
        .expect_err("five decimals");
    assert!(e.contains("最多四位小数"), "{e}");
    let e = p.set("medical_share_exited=half").expect_err("words");
    assert!(e.contains("不是有效的比例"), "{e}");
    let e = p.set("water_cut_days=3.5").expect_err("not whole");
    assert!(e.contains("不是整数"), "{e}");
    let e = p.set("water_cut_days=0").expect_err("out of range");
    assert!(e.contains("应在"), "{e}");
    assert_eq!(p, before, "refused settings change nothing");
}
