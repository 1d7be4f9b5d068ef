//! Assistance measures (POLICY.md §2, §4): the checks on one measure, the one-month rule and the
//! consistency warnings between risks, measures and members.

use time::Date;
use time::macros::date;
use zhenxing_domain::Member;
use zhenxing_domain::Yuan;
use zhenxing_domain::assistance::{
    Measure, MeasureStatus, MeasureType, consistency_warnings, measure_due, measure_overdue,
};
use zhenxing_domain::household::Labour;
use zhenxing_domain::risk::RiskType;

use crate::eligibility::measure;
use crate::member;

use MeasureStatus as St;
use MeasureType as M;

const TODAY: Date = date!(2026 - 06 - 15);
const MARCH: Date = date!(2026 - 03 - 20);

#[test]
fn one_measure_is_checked_field_by_field() {
    let ok = measure(M::Industry, St::InProgress, MARCH);
    assert!(ok.check(TODAY).is_empty());

    let mut m = ok.clone();
    m.start = date!(2026 - 04 - 01);
    m.end = Some(date!(2026 - 03 - 31));
    assert_eq!(
        m.check(TODAY),
        [(
            "end",
            "结束日期 2026-03-31 不能早于开始日期 2026-04-01".to_string()
        )]
    );

    let mut m = measure(M::Health, St::Completed, MARCH);
    assert_eq!(
        m.check(TODAY),
        [
            ("end", "已完成的措施请填写结束日期".to_string()),
            ("result", "已完成的措施请填写帮扶成效".to_string()),
        ]
    );
    m.end = Some(date!(2026 - 05 - 31));
    m.result = "医疗费用报销后自付比例降至10%".into();
    assert!(m.check(TODAY).is_empty());

    // Implemented measures cannot start in the future; planned ones may.
    for status in [St::InProgress, St::Completed] {
        let mut m = measure(M::Employment, status, date!(2026 - 06 - 16));
        m.end = Some(date!(2026 - 12 - 31));
        m.result = "已就业".into();
        assert_eq!(
            m.check(TODAY),
            [(
                "start",
                "开始日期 2026-06-16 晚于今天，状态应为「计划中」".to_string()
            )],
            "{status:?}"
        );
    }
    assert!(
        measure(M::Employment, St::Planned, date!(2026 - 06 - 16))
            .check(TODAY)
            .is_empty()
    );
    assert!(
        measure(M::Employment, St::InProgress, TODAY)
            .check(TODAY)
            .is_empty()
    );

    let mut m = ok;
    m.content = " ".into();
    m.responsible_unit = String::new();
    m.responsible_person = String::new();
    m.funds = Yuan::from_fen(-1);
    let fields: Vec<&str> = m.check(TODAY).into_iter().map(|(f, _)| f).collect();
    assert_eq!(
        fields,
        ["content", "responsible_unit", "responsible_person", "funds"]
    );
}

#[test]
fn a_measure_is_due_one_month_after_identification() {
    let identified = date!(2026 - 03 - 14);
    let due = date!(2026 - 04 - 14);
    assert_eq!(measure_due(identified, 1), due);
    assert_eq!(measure_due(date!(2026 - 01 - 31), 1), date!(2026 - 02 - 28));
    assert_eq!(measure_due(identified, 2), date!(2026 - 05 - 14));

    let overdue = |measures: &[Measure], today| measure_overdue(identified, 1, measures, today);
    // No measure: due day itself fine, the day after overdue.
    assert!(!overdue(&[], due));
    assert!(overdue(&[], date!(2026 - 04 - 15)));
    // Implemented by the due date: never overdue.
    let on_due = measure(M::Industry, St::InProgress, due);
    assert!(!overdue(
        std::slice::from_ref(&on_due),
        date!(2026 - 04 - 15)
    ));
    assert!(!overdue(&[on_due], date!(2027 - 01 - 01)));
    assert!(!overdue(
        &[measure(M::Health, St::Completed, date!(2026 - 03 - 20))],
        date!(2026 - 04 - 15)
    ));
    // Planned or cancelled does not count; implemented too late does not either.
    let after = date!(2026 - 04 - 16);
    assert!(overdue(
        &[measure(M::Industry, St::Planned, date!(2026 - 04 - 01))],
        after
    ));
    assert!(overdue(
        &[measure(M::Industry, St::Cancelled, date!(2026 - 04 - 01))],
        after
    ));
    assert!(overdue(
        &[measure(M::Industry, St::InProgress, date!(2026 - 04 - 15))],
        after
    ));
    // A two-month rule moves the due date.
    assert!(!measure_overdue(identified, 2, &[], date!(2026 - 05 - 14)));
    assert!(measure_overdue(identified, 2, &[], date!(2026 - 05 - 15)));
}

fn workers() -> Vec<Member> {
    vec![
        member("测试甲", date!(1975 - 03 - 01), Some(Labour::Ordinary)),
        member("测试乙", date!(1978 - 09 - 30), Some(Labour::Skilled)),
    ]
}

fn live(kind: MeasureType) -> Measure {
    measure(kind, St::InProgress, MARCH)
}

fn warnings(risks: &[RiskType], measures: &[Measure], members: &[Member]) -> Vec<String> {
    consistency_warnings(risks, measures, members, TODAY)
}

#[test]
fn each_risk_needs_a_measure_that_answers_it() {
    let members = workers();
    let industry = live(M::Industry);
    for (risk, warning, answers) in [
        (
            RiskType::Illness,
            "风险类型为「因病」，但没有健康帮扶、社会帮扶措施",
            &[M::Health, M::SocialAid][..],
        ),
        (
            RiskType::Schooling,
            "风险类型为「因学」，但没有义务教育保障、教育帮扶、社会帮扶措施",
            &[M::CompulsoryEducation, M::Education, M::SocialAid],
        ),
        (
            RiskType::Disability,
            "风险类型为「因残」，但没有综合保障、社会帮扶措施",
            &[M::SocialSecurity, M::SocialAid],
        ),
        (
            RiskType::Housing,
            "风险类型为「因安全住房」，但没有住房安全保障、搬迁措施",
            &[M::HousingSafety, M::Relocation],
        ),
        (
            RiskType::DrinkingWater,
            "风险类型为「因安全饮水」，但没有饮水安全保障措施",
            &[M::WaterSafety],
        ),
    ] {
        assert_eq!(
            warnings(&[risk], std::slice::from_ref(&industry), &members),
            [warning],
            "{risk:?}"
        );
        for &answer in answers {
            let measures = [industry.clone(), live(answer)];
            assert!(
                warnings(&[risk], &measures, &members).is_empty(),
                "{risk:?} answered by {answer:?}"
            );
            // A cancelled measure answers nothing; a planned one is on its way.
            let cancelled = [industry.clone(), measure(answer, St::Cancelled, MARCH)];
            assert_eq!(warnings(&[risk], &cancelled, &members), [warning]);
            let planned = [industry.clone(), measure(answer, St::Planned, MARCH)];
            assert!(warnings(&[risk], &planned, &members).is_empty());
        }
    }
    // The other risk types have no fixed answer.
    let others = [
        RiskType::Disaster,
        RiskType::Accident,
        RiskType::BusinessFailure,
        RiskType::UnstableEmployment,
        RiskType::Other,
    ];
    assert!(warnings(&others, &[industry], &members).is_empty());
}

#[test]
fn lack_of_labour_conflicts_with_an_all_capable_household() {
    let measures = [live(M::Employment)];
    let risks = [RiskType::LackOfLabour];
    assert_eq!(
        warnings(&risks, &measures, &workers()),
        ["风险类型为「缺劳动力」，但家庭成员均有劳动能力"]
    );
    let mut members = workers();
    members.push(member("测试丙", date!(1950 - 01 - 15), Some(Labour::Lost)));
    assert!(warnings(&risks, &measures, &members).is_empty());
    // Unknown capacity: no claim that everybody can work.
    let mut members = workers();
    members[1].labour = None;
    assert!(warnings(&risks, &measures, &members).is_empty());
}

#[test]
fn a_household_able_to_work_needs_more_than_social_security() {
    let warning = "有劳动能力的家庭不应只有综合保障（兜底）措施，应落实产业、就业等开发式帮扶";
    let only_social = [live(M::SocialSecurity)];
    assert_eq!(warnings(&[], &only_social, &workers()), [warning]);
    // A weak or half labourer counts as able to work.
    let weak = vec![
        member("测试丁", date!(1948 - 04 - 04), Some(Labour::Weak)),
        member("测试戊", date!(1950 - 05 - 05), Some(Labour::Lost)),
    ];
    assert_eq!(warnings(&[], &only_social, &weak), [warning]);
    // With a developmental measure, or without anybody able to work, it is fine.
    let with_industry = [live(M::SocialSecurity), live(M::Industry)];
    assert!(warnings(&[], &with_industry, &workers()).is_empty());
    let nobody = vec![
        member("测试丁", date!(1938 - 04 - 04), Some(Labour::None)),
        member("测试戊", date!(1940 - 05 - 05), Some(Labour::Lost)),
    ];
    assert!(warnings(&[], &only_social, &nobody).is_empty());
    // A cancelled industry measure does not count; no measures at all is another rule's business.
    let cancelled = [
        live(M::SocialSecurity),
        measure(M::Industry, St::Cancelled, MARCH),
    ];
    assert_eq!(warnings(&[], &cancelled, &workers()), [warning]);
    assert!(warnings(&[], &[], &workers()).is_empty());
}

fn post(holder: &str) -> Measure {
    let mut m = live(M::PublicWelfareJob);
    m.content = "村道保洁员".into();
    m.beneficiary = holder.into();
    m
}

#[test]
fn public_welfare_posts_are_for_sixteen_to_sixty_nine() {
    // Ages on 2026-06-15.
    for (birth, age, warned) in [
        (date!(2010 - 06 - 16), 15, true),
        (date!(2010 - 06 - 15), 16, false),
        (date!(1956 - 06 - 16), 69, false),
        (date!(1956 - 06 - 15), 70, true),
    ] {
        let mut members = workers();
        members.push(member("测试丙", birth, Some(Labour::Weak)));
        assert_eq!(members[2].age_on(TODAY), age);
        let got = warnings(&[], &[post("测试丙")], &members);
        if warned {
            assert_eq!(
                got,
                [format!(
                    "公益性岗位人员测试丙现年 {age} 岁，应年满16周岁且未满70周岁"
                )]
            );
        } else {
            assert!(got.is_empty(), "{age}: {got:?}");
        }
    }
}

#[test]
fn at_most_two_public_welfare_posts_a_person() {
    let members = workers();
    let two = [post("测试甲"), post(" 测试甲 "), post("测试乙")];
    assert!(warnings(&[], &two, &members).is_empty());
    let three = [
        post("测试甲"),
        post("测试甲"),
        post("测试甲"),
        post("测试乙"),
    ];
    assert_eq!(
        warnings(&[], &three, &members),
        ["测试甲同时在 3 个公益性岗位，最多2个"]
    );
    let one_cancelled = [
        post("测试甲"),
        post("测试甲"),
        Measure {
            status: St::Cancelled,
            ..post("测试甲")
        },
    ];
    assert!(warnings(&[], &one_cancelled, &members).is_empty());
}
