//! Roll entries against the standards: every kind's required fields and amount limits.

use time::Date;
use time::macros::date;
use zhenxing_domain::Yuan;
use zhenxing_domain::lowincome::{
    CareLevel, RollDraft, RollKind, Standards, SupportMode, amount_finding, check_draft,
};
use zhenxing_domain::policy::PolicyKey;

use crate::{code, money, standards_2026, table, yuan};

const TODAY: Date = date!(2026 - 06 - 15);

fn draft(kind: RollKind) -> RollDraft {
    RollDraft {
        kind,
        covered: 1,
        monthly_amount: None,
        care_level: None,
        support_mode: None,
        amount: None,
        start: date!(2026 - 06 - 01),
        end: None,
    }
}

fn dibao(covered: usize, amount: &str) -> RollDraft {
    RollDraft {
        covered,
        monthly_amount: Some(yuan(amount)),
        ..draft(RollKind::Dibao)
    }
}

fn tekun(level: CareLevel, amount: &str) -> RollDraft {
    RollDraft {
        monthly_amount: Some(yuan(amount)),
        care_level: Some(level),
        support_mode: Some(SupportMode::Dispersed),
        ..draft(RollKind::Tekun)
    }
}

fn check(d: &RollDraft) -> Result<(), Vec<(&'static str, String)>> {
    check_draft(d, &standards_2026(), TODAY)
}

/// The refusals of `d`, expecting exactly the named fields.
fn refusals(d: &RollDraft, fields: &[&str]) -> Vec<String> {
    let errors = check(d).expect_err("refused");
    let got: Vec<&str> = errors.iter().map(|(f, _)| *f).collect();
    assert_eq!(got, fields, "{errors:?}");
    errors.into_iter().map(|(_, m)| m).collect()
}

#[test]
fn dibao_amount_may_reach_covered_members_times_the_standard() {
    assert_eq!(check(&dibao(2, "1160")), Ok(()));
    assert_eq!(check(&dibao(2, "1159.99")), Ok(()));
    assert_eq!(check(&dibao(1, "0.01")), Ok(()));
    assert_eq!(check(&dibao(5, "2900")), Ok(()));
}

#[test]
fn dibao_amount_one_fen_over_the_limit_is_refused_with_the_numbers() {
    let m = refusals(&dibao(2, "1160.01"), &["monthly_amount"]);
    assert_eq!(
        m[0],
        "月救助金 1,160.01 元超过 2 人 × 低保标准 580.00 元 = 1,160.00 元（2026年标准）"
    );
    let m = refusals(&dibao(1, "1200"), &["monthly_amount"]);
    assert!(
        m[0].contains("1,200.00 元超过 1 人 × 低保标准 580.00 元 = 580.00 元"),
        "{m:?}"
    );
}

#[test]
fn dibao_needs_a_positive_amount_and_a_covered_member() {
    let m = refusals(&dibao(2, "0"), &["monthly_amount"]);
    assert_eq!(m[0], "月救助金应大于 0，现为 0.00 元");
    let m = refusals(&dibao(2, "-5"), &["monthly_amount"]);
    assert!(m[0].contains("-5.00 元"), "{m:?}");
    let m = refusals(&dibao(0, "100"), &["covered", "monthly_amount"]);
    assert_eq!(m[0], "低保至少覆盖 1 名家庭成员");
    assert!(
        m[1].contains("超过 0 人 × 低保标准 580.00 元 = 0.00 元"),
        "{m:?}"
    );
    let no_amount = RollDraft {
        covered: 3,
        ..draft(RollKind::Dibao)
    };
    let m = refusals(&no_amount, &["monthly_amount"]);
    assert_eq!(m[0], "低保须填写月救助金");
}

#[test]
fn tekun_amount_must_reach_the_standard_plus_the_care_allowance_of_the_level() {
    for (level, floor, below, name, allowance) in [
        (CareLevel::SelfCare, "840", "839.99", "全自理", "60.00 元"),
        (
            CareLevel::PartCare,
            "1080",
            "1079.99",
            "半护理",
            "300.00 元",
        ),
        (
            CareLevel::FullCare,
            "1380",
            "1379.99",
            "全护理",
            "600.00 元",
        ),
    ] {
        assert_eq!(check(&tekun(level, floor)), Ok(()), "{name}");
        let over: Yuan = Yuan::from_fen(yuan(floor).fen() + 1);
        assert_eq!(check(&tekun(level, &over.plain())), Ok(()), "{name}");
        let m = refusals(&tekun(level, below), &["monthly_amount"]);
        let floor_shown = yuan(floor).to_string();
        assert_eq!(
            m[0],
            format!(
                "月救助金 {}低于特困人员基本生活标准 780.00 元 + {name}照料护理补贴 {allowance} = {floor_shown}（2026年标准）",
                yuan(below)
            )
        );
    }
}

#[test]
fn tekun_needs_level_mode_amount_and_exactly_one_person() {
    let bare = RollDraft {
        covered: 2,
        ..draft(RollKind::Tekun)
    };
    let m = refusals(
        &bare,
        &["monthly_amount", "care_level", "support_mode", "covered"],
    );
    assert_eq!(m[0], "特困须填写月救助金");
    assert_eq!(m[1], "特困人员须选择生活自理能力");
    assert_eq!(m[2], "特困人员须选择供养方式");
    assert_eq!(m[3], "特困人员按个人认定，应为 1 人，现为 2 人");
    // Without a level the amount is still held to the basic standard.
    let no_level = RollDraft {
        monthly_amount: Some(yuan("700")),
        support_mode: Some(SupportMode::Centralised),
        ..draft(RollKind::Tekun)
    };
    let m = refusals(&no_level, &["care_level", "monthly_amount"]);
    assert_eq!(
        m[1],
        "月救助金 700.00 元低于特困人员基本生活标准 780.00 元（2026年标准）"
    );
}

#[test]
fn temporary_assistance_is_one_positive_amount_without_an_end() {
    let ok = RollDraft {
        amount: Some(yuan("500")),
        ..draft(RollKind::Temporary)
    };
    assert_eq!(check(&ok), Ok(()));
    let zero = RollDraft {
        amount: Some(Yuan::ZERO),
        ..ok
    };
    assert_eq!(
        refusals(&zero, &["amount"])[0],
        "临时救助金额应大于 0，现为 0.00 元"
    );
    let missing = RollDraft { amount: None, ..ok };
    assert_eq!(refusals(&missing, &["amount"])[0], "临时救助须填写救助金额");
    let with_end = RollDraft {
        end: Some(date!(2026 - 06 - 10)),
        ..ok
    };
    let m = refusals(&with_end, &["end"]);
    assert!(
        m[0].contains("没有终止日期") && m[0].contains("2026-06-10"),
        "{m:?}"
    );
    let monthly = RollDraft {
        monthly_amount: Some(yuan("100")),
        ..ok
    };
    let m = refusals(&monthly, &["monthly_amount"]);
    assert_eq!(m[0], "临时救助不填写月救助金（仅低保、特困填写）");
}

#[test]
fn marginal_households_have_no_amount() {
    let ok = RollDraft {
        covered: 3,
        ..draft(RollKind::Marginal)
    };
    assert_eq!(check(&ok), Ok(()));
    let paid = RollDraft {
        monthly_amount: Some(yuan("100")),
        care_level: Some(CareLevel::SelfCare),
        ..ok
    };
    let m = refusals(&paid, &["monthly_amount", "care_level"]);
    assert_eq!(m[0], "低保边缘家庭不发放月救助金");
    assert_eq!(m[1], "低保边缘不填写生活自理能力（仅特困填写）");
}

#[test]
fn start_may_not_be_in_the_future_and_end_not_before_start() {
    let today = RollDraft {
        start: TODAY,
        ..dibao(1, "500")
    };
    assert_eq!(check(&today), Ok(()));
    let tomorrow = RollDraft {
        start: date!(2026 - 06 - 16),
        ..today
    };
    assert_eq!(
        refusals(&tomorrow, &["start"])[0],
        "开始日期 2026-06-16 不能晚于今天（2026-06-15）"
    );
    let same_day = RollDraft {
        end: Some(TODAY),
        ..today
    };
    assert_eq!(check(&same_day), Ok(()));
    let before = RollDraft {
        end: Some(date!(2026 - 06 - 14)),
        ..today
    };
    assert_eq!(
        refusals(&before, &["end"])[0],
        "终止日期 2026-06-14 不能早于开始日期 2026-06-15"
    );
}

#[test]
fn every_refusal_is_reported_at_once() {
    let d = RollDraft {
        covered: 0,
        monthly_amount: Some(yuan("10")),
        amount: Some(yuan("5")),
        start: date!(2026 - 07 - 01),
        end: Some(date!(2026 - 01 - 01)),
        ..draft(RollKind::Dibao)
    };
    refusals(&d, &["amount", "covered", "monthly_amount", "start", "end"]);
}

#[test]
fn an_entry_on_the_roll_is_checked_against_a_later_years_standards() {
    let division = code("500110120201");
    let p = table(&[
        money(PolicyKey::TekunStandard, None, 2027, "800"),
        money(PolicyKey::DibaoStandard, None, 2027, "580"),
        money(PolicyKey::DibaoStandard, None, 2026, "580"),
    ]);
    let s2026 = Standards::resolve(&p, &division, 2026);
    let s2027 = Standards::resolve(&p, &division, 2027);
    let t = (
        RollKind::Tekun,
        1,
        Some(yuan("840")),
        Some(CareLevel::SelfCare),
    );
    assert_eq!(amount_finding(t.0, t.1, t.2, t.3, &s2026), None);
    assert_eq!(
        amount_finding(t.0, t.1, t.2, t.3, &s2027).as_deref(),
        Some(
            "月救助金 840.00 元低于特困人员基本生活标准 800.00 元 + 全自理照料护理补贴 60.00 元 = 860.00 元（2027年标准）"
        )
    );
    // A 低保 entry at 2 × 580 still fits; a lowered standard would not.
    let d = (RollKind::Dibao, 2, Some(yuan("1160")));
    assert_eq!(amount_finding(d.0, d.1, d.2, None, &s2027), None);
    let lower = Standards {
        dibao: yuan("579.99"),
        ..s2027
    };
    assert!(
        amount_finding(d.0, d.1, d.2, None, &lower)
            .is_some_and(|m| m.contains("= 1,159.98 元（2027年标准）"))
    );
    // Kinds without a monthly amount never have a finding; a missing amount of a paid kind does.
    assert_eq!(
        amount_finding(RollKind::Temporary, 0, None, None, &lower),
        None
    );
    assert_eq!(
        amount_finding(RollKind::Marginal, 4, None, None, &lower),
        None
    );
    assert_eq!(
        amount_finding(RollKind::Dibao, 2, None, None, &lower).as_deref(),
        Some("低保未填写月救助金")
    );
}

#[test]
fn extreme_numbers_do_not_panic() {
    let s = Standards {
        dibao: Yuan::from_fen(i64::MAX),
        tekun: Yuan::from_fen(i64::MAX),
        care_full: Yuan::from_fen(i64::MAX),
        ..standards_2026()
    };
    let huge = Some(Yuan::from_fen(i64::MAX));
    assert_eq!(
        amount_finding(RollKind::Dibao, usize::MAX, huge, None, &s),
        None
    );
    assert!(amount_finding(RollKind::Tekun, 1, huge, Some(CareLevel::FullCare), &s).is_some());
    assert!(amount_finding(RollKind::Dibao, 1, Some(Yuan::from_fen(i64::MIN)), None, &s).is_some());
}
