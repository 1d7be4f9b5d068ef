//! Elimination conditions (POLICY.md §5) with [`Rules::default`]: line 7,000 yuan, monitored ≥ 6
//! months, income stable ≥ 6 months, every date computed by hand.

use time::Date;
use time::macros::date;
use zhenxing_domain::Member;
use zhenxing_domain::Rules;
use zhenxing_domain::Yuan;
use zhenxing_domain::assistance::{Measure, MeasureStatus, MeasureType};
use zhenxing_domain::elimination::{
    Condition, Eligibility, EligibilityInput, IncomeCheck, eligibility, has_no_labour,
};
use zhenxing_domain::household::Labour;
use zhenxing_domain::risk::Checklist;

use crate::member;

/// The county approved the identification on this day.
const IDENTIFIED: Date = date!(2026 - 03 - 14);

pub fn measure(kind: MeasureType, status: MeasureStatus, start: Date) -> Measure {
    Measure {
        kind,
        content: "帮扶内容".into(),
        responsible_unit: "扶欢镇人民政府".into(),
        responsible_person: "测试庚".into(),
        start,
        end: None,
        funds: Yuan::from_yuan(2_000),
        status,
        result: String::new(),
        beneficiary: String::new(),
    }
}

fn check(date: Date, per_capita_fen: i64) -> IncomeCheck {
    IncomeCheck {
        date,
        per_capita: Yuan::from_fen(per_capita_fen),
    }
}

fn capable() -> Vec<Member> {
    vec![
        member("测试甲", date!(1970 - 05 - 01), Some(Labour::Ordinary)),
        member("测试乙", date!(1972 - 08 - 09), Some(Labour::Weak)),
    ]
}

/// An industry measure since 2026-03-20; income above the line since 2026-03-10 (stable from
/// 2026-09-10); everything secure; two members able to work.
struct Household {
    measures: Vec<Measure>,
    checks: Vec<IncomeCheck>,
    checklist: Option<Checklist>,
    members: Vec<Member>,
    identified_on: Date,
}

impl Household {
    fn eligible() -> Self {
        Household {
            measures: vec![measure(
                MeasureType::Industry,
                MeasureStatus::InProgress,
                date!(2026 - 03 - 20),
            )],
            checks: vec![
                check(date!(2026 - 03 - 01), 650_000),
                check(date!(2026 - 03 - 10), 720_000),
                check(date!(2026 - 06 - 10), 780_000),
                check(date!(2026 - 09 - 01), 810_000),
            ],
            checklist: Some(Checklist::ALL_SECURE),
            members: capable(),
            identified_on: IDENTIFIED,
        }
    }

    fn on(&self, today: Date) -> Eligibility {
        eligibility(&EligibilityInput {
            today,
            identified_on: self.identified_on,
            measures: &self.measures,
            income_checks: &self.checks,
            checklist: self.checklist,
            members: &self.members,
            rules: Rules::default(),
        })
    }
}

fn condition<'e>(e: &'e Eligibility, label: &str) -> &'e Condition {
    e.conditions
        .iter()
        .find(|c| c.label == label)
        .unwrap_or_else(|| panic!("no condition {label}"))
}

#[test]
fn a_fully_eligible_household() {
    let e = Household::eligible().on(date!(2026 - 09 - 14));
    assert!(e.allowed(), "{:?}", e.reasons());
    assert!(e.reasons().is_empty());
    let labels: Vec<&str> = e.conditions.iter().map(|c| c.label).collect();
    assert_eq!(
        labels,
        [
            "监测时间",
            "帮扶措施",
            "收入稳定",
            "三保障和饮水安全",
            "兜底保障户"
        ]
    );
    assert_eq!(
        condition(&e, "监测时间").detail,
        "2026-03-14 纳入监测，满6个月为 2026-09-14"
    );
    assert_eq!(condition(&e, "帮扶措施").detail, "已落实 1 项帮扶措施");
    assert_eq!(
        condition(&e, "收入稳定").detail,
        "自 2026-03-10 起人均纯收入高于监测范围 7,000.00 元（最近 2026-09-01：8,100.00 元），满6个月为 2026-09-10"
    );
}

#[test]
fn monitored_exactly_six_months() {
    let h = Household::eligible();
    assert!(h.on(date!(2026 - 09 - 14)).allowed());
    let short = h.on(date!(2026 - 09 - 13));
    assert!(!short.allowed());
    assert_eq!(
        short.reasons(),
        ["监测时间：2026-03-14 纳入监测，满6个月为 2026-09-14"]
    );
}

#[test]
fn six_months_after_the_31st_of_august_is_the_end_of_february() {
    let mut h = Household::eligible();
    for (identified, end_of_february) in [
        (date!(2025 - 08 - 31), date!(2026 - 02 - 28)),
        (date!(2023 - 08 - 31), date!(2024 - 02 - 29)),
    ] {
        h.identified_on = identified;
        let met = h.on(end_of_february);
        assert!(condition(&met, "监测时间").met, "{end_of_february}");
        let day_before = end_of_february.previous_day().expect("date");
        let short = h.on(day_before);
        let c = condition(&short, "监测时间");
        assert!(!c.met, "{day_before}");
        assert_eq!(
            c.detail,
            format!("{identified} 纳入监测，满6个月为 {end_of_february}")
        );
    }
}

#[test]
fn at_least_one_measure_implemented() {
    let today = date!(2026 - 09 - 14);
    let mut h = Household::eligible();
    h.measures = vec![
        measure(
            MeasureType::Industry,
            MeasureStatus::Planned,
            date!(2026 - 03 - 20),
        ),
        measure(
            MeasureType::Health,
            MeasureStatus::Cancelled,
            date!(2026 - 03 - 20),
        ),
        // Marked in progress but starting only next month: not implemented yet.
        measure(
            MeasureType::Employment,
            MeasureStatus::InProgress,
            date!(2026 - 10 - 01),
        ),
    ];
    let e = h.on(today);
    assert_eq!(
        e.reasons(),
        ["帮扶措施：尚无已落实（实施中或已完成）的帮扶措施"]
    );
    h.measures.push(measure(
        MeasureType::Health,
        MeasureStatus::Completed,
        date!(2026 - 04 - 01),
    ));
    let e = h.on(today);
    assert!(e.allowed(), "{:?}", e.reasons());
    assert_eq!(condition(&e, "帮扶措施").detail, "已落实 1 项帮扶措施");
}

#[test]
fn the_latest_income_must_be_above_the_line() {
    let today = date!(2026 - 09 - 14);
    let mut h = Household::eligible();
    h.checks.push(check(date!(2026 - 09 - 12), 700_000));
    let e = h.on(today);
    assert_eq!(
        e.reasons(),
        ["收入稳定：2026-09-12 核实人均纯收入 7,000.00 元，未高于监测范围 7,000.00 元"]
    );
    h.checks = vec![
        check(date!(2026 - 03 - 10), 700_001),
        check(date!(2026 - 09 - 12), 700_001),
    ];
    assert!(h.on(today).allowed());
}

#[test]
fn a_dip_below_the_line_restarts_the_stable_run() {
    let mut h = Household::eligible();
    h.checks = vec![
        check(date!(2026 - 03 - 01), 800_000),
        check(date!(2026 - 05 - 01), 650_000),
        check(date!(2026 - 06 - 01), 800_000),
        check(date!(2026 - 09 - 14), 810_000),
    ];
    let e = h.on(date!(2026 - 09 - 14));
    assert_eq!(
        e.reasons(),
        [
            "收入稳定：自 2026-06-01 起人均纯收入高于监测范围 7,000.00 元（最近 2026-09-14：8,100.00 元），满6个月为 2026-12-01"
        ]
    );
    assert!(!h.on(date!(2026 - 11 - 30)).allowed());
    assert!(h.on(date!(2026 - 12 - 01)).allowed());
    // A check exactly at the line is not above it: it breaks the run too.
    h.checks[1] = check(date!(2026 - 05 - 01), 700_000);
    assert!(!h.on(date!(2026 - 11 - 30)).allowed());
    assert!(h.on(date!(2026 - 12 - 01)).allowed());
    // The checks may come in any order.
    h.checks.reverse();
    assert!(!h.on(date!(2026 - 11 - 30)).allowed());
}

#[test]
fn income_stable_exactly_six_months() {
    let mut h = Household::eligible();
    h.checks = vec![
        check(date!(2026 - 03 - 20), 750_000),
        check(date!(2026 - 08 - 01), 760_000),
    ];
    assert!(h.on(date!(2026 - 09 - 20)).allowed());
    let short = h.on(date!(2026 - 09 - 19));
    assert!(!short.allowed());
    let c = condition(&short, "收入稳定");
    assert!(!c.met);
    assert!(c.detail.ends_with("满6个月为 2026-09-20"), "{}", c.detail);
    // Checks dated after today are not counted; no checks at all is refused.
    h.checks.push(check(date!(2026 - 10 - 01), 500_000));
    assert!(h.on(date!(2026 - 09 - 20)).allowed());
    h.checks.clear();
    assert_eq!(
        h.on(date!(2026 - 09 - 20)).reasons(),
        ["收入稳定：尚无收入核实记录"]
    );
}

#[test]
fn the_checklist_must_be_secure_and_known() {
    let today = date!(2026 - 09 - 14);
    let mut h = Household::eligible();
    let mut gap = Checklist::ALL_SECURE;
    gap.housing = false;
    h.checklist = Some(gap);
    assert_eq!(
        h.on(today).reasons(),
        ["三保障和饮水安全：未保障：住房安全有保障"]
    );
    h.checklist = None;
    assert_eq!(
        h.on(today).reasons(),
        ["三保障和饮水安全：尚无入户核实记录"]
    );
}

#[test]
fn a_household_without_labour_supported_by_social_security_stays_monitored() {
    let today = date!(2026 - 09 - 14);
    let no_labour = vec![
        member("测试丁", date!(1940 - 02 - 03), Some(Labour::Lost)),
        member("测试戊", date!(1943 - 11 - 20), Some(Labour::None)),
    ];
    assert!(has_no_labour(&no_labour));
    let social_security = measure(
        MeasureType::SocialSecurity,
        MeasureStatus::InProgress,
        date!(2026 - 03 - 20),
    );
    let health = measure(
        MeasureType::Health,
        MeasureStatus::InProgress,
        date!(2026 - 03 - 20),
    );

    let mut h = Household::eligible();
    h.members = no_labour.clone();
    h.measures = vec![social_security.clone()];
    let e = h.on(today);
    assert!(!e.allowed());
    assert_eq!(
        e.reasons(),
        ["兜底保障户：整户无劳动能力、由综合保障兜底的，不标注风险消除，继续监测"]
    );

    // The same household without 综合保障.
    h.measures = vec![health];
    let e = h.on(today);
    assert!(e.allowed(), "{:?}", e.reasons());
    assert_eq!(
        condition(&e, "兜底保障户").detail,
        "整户无劳动能力，尚无综合保障措施"
    );

    // One member able to work, with 综合保障.
    h.members = vec![
        no_labour[0].clone(),
        member("测试己", date!(1975 - 07 - 07), Some(Labour::Ordinary)),
    ];
    assert!(!has_no_labour(&h.members));
    h.measures = vec![social_security];
    let e = h.on(today);
    assert!(e.allowed(), "{:?}", e.reasons());
    assert_eq!(
        condition(&e, "兜底保障户").detail,
        "非整户无劳动能力兜底保障户"
    );

    // Unknown labour capacity is not "no labour", and nobody is not a household.
    let mut unknown = no_labour;
    unknown[1].labour = None;
    assert!(!has_no_labour(&unknown));
    assert!(!has_no_labour(&[]));
}
