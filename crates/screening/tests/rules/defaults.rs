//! Every default rule of SCREENING.md by hand, for P = 2026-03 with the default parameters: just over
//! and exactly at the threshold (at must not fire: comparisons are strict), records just inside and
//! just outside the window, and the monitored / exited / ordinary variants where the rule
//! distinguishes them. Each test also reads the evidence of one hit: the record's date and the values.

use zhenxing_domain::feed::{
    AssistanceProgram, DisabilityChange, EmploymentStatus, HouseRating, PoliceEvent, SchoolStage,
    SchoolStatus, VisitType,
};
use zhenxing_domain::household::{DisabilityGrade, Labour};
use zhenxing_domain::id_number::mask_id;
use zhenxing_domain::{IncomeRecord, Yuan};

use crate::common::*;

const INPATIENT: VisitType = VisitType::Inpatient;
const OUTPATIENT: VisitType = VisitType::Outpatient;

/// medical_burden: Σ 合规自付 over 2025-04-01 … 2026-03-31 > share × prev_rural_income_pc (20,000).
/// Exited or monitored: 0.5 × 20,000.00 = 10,000.00; ordinary: 1.0 × 20,000.00 = 20,000.00.
#[test]
fn medical_burden() {
    let mut reg = Reg::default();
    let mut recs = Vec::new();
    let out_p = |id: &str, date, eligible| medical(id, date, OUTPATIENT, eligible, eligible);

    // B01 exited: 4,000.00 on 2025-04-01 (P−11, first day in) + 6,000.01 on 2026-03-31
    //     = 10,000.01 > 10,000.00 → fires.
    let a = reg.add("B01", Who::Exited, 1);
    recs.push(out_p(&a[0], d(2025, 4, 1), yuan(4_000)));
    recs.push(out_p(&a[0], d(2026, 3, 31), fen(600_001)));
    // B02 exited: 4,000.00 + 6,000.00 = 10,000.00, not > 10,000.00 → no.
    let a = reg.add("B02", Who::Exited, 1);
    recs.push(out_p(&a[0], d(2025, 4, 1), yuan(4_000)));
    recs.push(out_p(&a[0], d(2026, 3, 31), yuan(6_000)));
    // B03 exited: 5,000.00 on 2025-03-31 (P−12, last day, out) + 5,000.01 in P: in the window
    //     only 5,000.01 → no (counting P−12 would give 10,000.01).
    let a = reg.add("B03", Who::Exited, 1);
    recs.push(out_p(&a[0], d(2025, 3, 31), yuan(5_000)));
    recs.push(out_p(&a[0], d(2026, 3, 10), fen(500_001)));
    // B04 exited: 5,000.01 in P + 5,000.00 on 2026-04-01 (P+1, out) → 5,000.01 → no.
    let a = reg.add("B04", Who::Exited, 1);
    recs.push(out_p(&a[0], d(2026, 3, 10), fen(500_001)));
    recs.push(out_p(&a[0], d(2026, 4, 1), yuan(5_000)));
    // B05 ordinary: 10,000.01, threshold 20,000.00 → no.
    let a = reg.add("B05", Who::Ordinary, 1);
    recs.push(out_p(&a[0], d(2026, 1, 5), fen(1_000_001)));
    // B06 ordinary: 10,000.00 + 10,000.01 = 20,000.01 > 20,000.00 → fires.
    let a = reg.add("B06", Who::Ordinary, 1);
    recs.push(out_p(&a[0], d(2025, 6, 5), yuan(10_000)));
    recs.push(out_p(&a[0], d(2026, 1, 5), fen(1_000_001)));
    // B07 ordinary: 10,000.00 + 10,000.00 = 20,000.00 → no.
    let a = reg.add("B07", Who::Ordinary, 1);
    recs.push(out_p(&a[0], d(2025, 6, 5), yuan(10_000)));
    recs.push(out_p(&a[0], d(2026, 1, 5), yuan(10_000)));
    // B08 监测户: exited share, 10,000.01 > 10,000.00 → fires.
    let a = reg.add("B08", Who::MonitoredKind, 1);
    recs.push(out_p(&a[0], d(2026, 2, 5), fen(1_000_001)));
    // B09 一般农户 in an open case (monitored): exited share, 10,000.01 → fires.
    let a = reg.add("B09", Who::OrdinaryInCase, 1);
    recs.push(out_p(&a[0], d(2026, 2, 5), fen(1_000_001)));
    // B10 exited: 个人自付 12,000.00 but 合规自付 9,000.00: 9,000.00 not > 10,000.00 → no.
    let a = reg.add("B10", Who::Exited, 1);
    recs.push(medical(
        &a[0],
        d(2026, 2, 5),
        OUTPATIENT,
        yuan(12_000),
        yuan(9_000),
    ));
    // B11 exited, two members: 5,000.01 + 5,000.01 = 10,000.02 > 10,000.00 → fires (members summed).
    let a = reg.add("B11", Who::Exited, 2);
    recs.push(out_p(&a[0], d(2025, 9, 1), fen(500_001)));
    recs.push(out_p(&a[1], d(2026, 3, 1), fen(500_001)));
    // B12 ordinary: 20,000.01 of which 0.01 on 2025-03-31 (out) → 20,000.00 in window → no.
    let a = reg.add("B12", Who::Ordinary, 1);
    recs.push(out_p(&a[0], d(2025, 3, 31), fen(1)));
    recs.push(out_p(&a[0], d(2025, 4, 1), yuan(20_000)));

    let o = run(&reg, &recs);
    assert_eq!(
        o.flagged("medical_burden"),
        set(&["B01", "B06", "B08", "B09", "B11"])
    );
    // The window, the sum, how many settlements and the threshold.
    let e = o.evidence("B01", "medical_burden");
    assert_names(
        e,
        &[
            "2025-04至2026-03",
            "合规自付合计 10,000.01 元",
            "2 条医保结算",
            "> 10,000.00 元",
        ],
    );
    assert_names(
        o.evidence("B06", "medical_burden"),
        &["20,000.01 元", "> 20,000.00 元"],
    );
}

/// medical_stay: a 住院 record dated in P with 个人自付 > 6,000.00 (exited or monitored) or
/// > 10,000.00 (ordinary).
#[test]
fn medical_stay() {
    let mut reg = Reg::default();
    let mut recs = Vec::new();
    let stay = |id: &str, date, oop| medical(id, date, INPATIENT, oop, oop);

    // S01 exited, 6,000.01 on 2026-03-12 → fires.
    let a = reg.add("S01", Who::Exited, 1);
    recs.push(stay(&a[0], d(2026, 3, 12), fen(600_001)));
    // S02 exited, 6,000.00 → no.
    let a = reg.add("S02", Who::Exited, 1);
    recs.push(stay(&a[0], d(2026, 3, 12), yuan(6_000)));
    // S03 ordinary, 10,000.01 on 2026-03-31 (last day of P) → fires.
    let a = reg.add("S03", Who::Ordinary, 1);
    recs.push(stay(&a[0], d(2026, 3, 31), fen(1_000_001)));
    // S04 ordinary, 10,000.00 → no.
    let a = reg.add("S04", Who::Ordinary, 1);
    recs.push(stay(&a[0], d(2026, 3, 1), yuan(10_000)));
    // S05 ordinary, 6,000.01 (over the exited threshold only) → no.
    let a = reg.add("S05", Who::Ordinary, 1);
    recs.push(stay(&a[0], d(2026, 3, 1), fen(600_001)));
    // S06 监测户, 6,000.01 → fires.
    let a = reg.add("S06", Who::MonitoredKind, 1);
    recs.push(stay(&a[0], d(2026, 3, 1), fen(600_001)));
    // S07 一般农户 in an open case, 6,000.01 → fires.
    let a = reg.add("S07", Who::OrdinaryInCase, 1);
    recs.push(stay(&a[0], d(2026, 3, 1), fen(600_001)));
    // S08 exited, 20,000.00 on 2026-02-28 (last day of P−1) → no.
    let a = reg.add("S08", Who::Exited, 1);
    recs.push(stay(&a[0], d(2026, 2, 28), yuan(20_000)));
    // S09 exited, 20,000.00 on 2026-04-01 (first day of P+1) → no.
    let a = reg.add("S09", Who::Exited, 1);
    recs.push(stay(&a[0], d(2026, 4, 1), yuan(20_000)));
    // S10 exited, 门诊 20,000.00 in P → no (住院 only).
    let a = reg.add("S10", Who::Exited, 1);
    recs.push(medical(
        &a[0],
        d(2026, 3, 5),
        OUTPATIENT,
        yuan(20_000),
        yuan(20_000),
    ));
    // S11 exited, 个人自付 6,000.01 with 合规自付 100.00 → fires (个人自付 counts here).
    let a = reg.add("S11", Who::Exited, 1);
    recs.push(medical(
        &a[0],
        d(2026, 3, 5),
        INPATIENT,
        fen(600_001),
        yuan(100),
    ));
    // S12 ordinary, 10,000.01 on 2026-03-01 (first day of P) → fires.
    let a = reg.add("S12", Who::Ordinary, 1);
    recs.push(stay(&a[0], d(2026, 3, 1), fen(1_000_001)));

    let o = run(&reg, &recs);
    assert_eq!(
        o.flagged("medical_stay"),
        set(&["S01", "S03", "S06", "S07", "S11", "S12"])
    );
    assert_eq!(
        o.evidence("S01", "medical_stay"),
        "2026-03-12 住院 个人自付 6,000.01 元 > 6,000.00 元"
    );
    assert_eq!(
        o.evidence("S03", "medical_stay"),
        "2026-03-31 住院 个人自付 10,000.01 元 > 10,000.00 元"
    );
}

/// new_disability: a disability record dated in P with 新增, or 等级变更 to a grade more severe than
/// the registry's (一级 most severe; no registered grade = least severe).
#[test]
fn new_disability() {
    use DisabilityChange::{Cancelled, GradeChange, New};
    use DisabilityGrade::{Four, One, Three, Two};
    let mut reg = Reg::default();
    let mut recs = Vec::new();
    let one = |reg: &mut Reg, no: &str, registered: Option<DisabilityGrade>| {
        let m = reg.member(d(1980, 6, 15)).grade(registered);
        reg.add_members(no, Who::Ordinary, vec![m], Vec::new())
            .remove(0)
    };
    let p = d(2026, 3, 9);

    // D01 新增 四级, nothing registered → fires.
    let a = one(&mut reg, "D01", None);
    recs.push(disability(&a, p, New, Some(Four)));
    // D02 等级变更 三级 → 二级 (more severe) → fires.
    let a = one(&mut reg, "D02", Some(Three));
    recs.push(disability(&a, p, GradeChange, Some(Two)));
    // D03 等级变更 三级 → 三级 (same) → no.
    let a = one(&mut reg, "D03", Some(Three));
    recs.push(disability(&a, p, GradeChange, Some(Three)));
    // D04 等级变更 二级 → 三级 (milder) → no.
    let a = one(&mut reg, "D04", Some(Two));
    recs.push(disability(&a, p, GradeChange, Some(Three)));
    // D05 等级变更 to 四级 with no registered grade (least severe) → fires.
    let a = one(&mut reg, "D05", None);
    recs.push(disability(&a, p, GradeChange, Some(Four)));
    // D06 等级变更 一级 → 一级 → no.
    let a = one(&mut reg, "D06", Some(One));
    recs.push(disability(&a, p, GradeChange, Some(One)));
    // D07 注销 → no.
    let a = one(&mut reg, "D07", Some(Two));
    recs.push(disability(&a, p, Cancelled, Some(One)));
    // D08 新增 on 2026-02-28 (P−1) → no; D09 新增 on 2026-04-01 (P+1) → no.
    let a = one(&mut reg, "D08", None);
    recs.push(disability(&a, d(2026, 2, 28), New, Some(One)));
    let a = one(&mut reg, "D09", None);
    recs.push(disability(&a, d(2026, 4, 1), New, Some(One)));
    // D10 等级变更 without a grade, nothing registered → no (not more severe).
    let a = one(&mut reg, "D10", None);
    recs.push(disability(&a, p, GradeChange, None));
    // D11 等级变更 二级 → 一级 on 2026-03-01 → fires.
    let a = one(&mut reg, "D11", Some(Two));
    recs.push(disability(&a, d(2026, 3, 1), GradeChange, Some(One)));
    let d11 = a;

    let o = run(&reg, &recs);
    assert_eq!(
        o.flagged("new_disability"),
        set(&["D01", "D02", "D05", "D11"])
    );
    assert_names(
        o.evidence("D11", "new_disability"),
        &["2026-03-01", "等级变更", "一级", &mask_id(&d11)],
    );
}

/// dropout: an education record dated in P with stage 小学 or 初中 and status 疑似辍学.
#[test]
fn dropout() {
    use SchoolStage::*;
    use SchoolStatus::*;
    let mut reg = Reg::default();
    let mut recs = Vec::new();
    let p = d(2026, 3, 20);
    let cases: &[(&str, SchoolStage, SchoolStatus, time::Date, bool)] = &[
        ("E01", Primary, SuspectedDropout, p, true),
        ("E02", JuniorHigh, SuspectedDropout, d(2026, 3, 1), true),
        ("E03", SeniorHigh, SuspectedDropout, p, false),
        ("E04", JuniorHigh, Suspended, p, false),
        ("E05", JuniorHigh, InSchool, p, false),
        ("E06", JuniorHigh, SuspectedDropout, d(2026, 2, 28), false),
        ("E07", Primary, SuspectedDropout, d(2026, 4, 1), false),
        ("E08", Undergraduate, SuspectedDropout, p, false),
    ];
    let mut expected = Vec::new();
    let mut e02 = String::new();
    for (no, stage, status, date, fires) in cases {
        let a = reg.add(no, Who::Exited, 2);
        recs.push(education(&a[1], *date, *stage, *status, Yuan::ZERO));
        if *fires {
            expected.push(*no);
        }
        if *no == "E02" {
            e02 = a[1].clone();
        }
    }
    let o = run(&reg, &recs);
    assert_eq!(o.flagged("dropout"), set(&expected));
    assert_eq!(
        o.evidence("E02", "dropout"),
        format!("2026-03-01 初中 疑似辍学（{}）", mask_id(&e02))
    );
}

/// education_cost: an education record dated in P with stage 高中/中职/高职高专/本科 and 学年自付费用
/// > 10,000.00.
#[test]
fn education_cost() {
    use SchoolStage::*;
    use SchoolStatus::InSchool;
    let mut reg = Reg::default();
    let mut recs = Vec::new();
    let p = d(2026, 3, 2);
    let over = fen(1_000_001); // 10,000.01
    let cases: &[(&str, SchoolStage, Yuan, time::Date, bool)] = &[
        ("F01", SeniorHigh, over, p, true),
        ("F02", SecondaryVocational, over, p, true),
        ("F03", HigherVocational, over, p, true),
        ("F04", Undergraduate, over, d(2026, 3, 31), true),
        // exactly 10,000.00 → no
        ("F05", Undergraduate, yuan(10_000), p, false),
        // compulsory stages never count, however high the fees
        ("F06", JuniorHigh, yuan(50_000), p, false),
        ("F07", Primary, yuan(50_000), p, false),
        // outside P
        ("F08", Undergraduate, yuan(20_000), d(2026, 2, 28), false),
        ("F09", Undergraduate, yuan(20_000), d(2026, 4, 1), false),
    ];
    let mut expected = Vec::new();
    for (no, stage, fees, date, fires) in cases {
        let a = reg.add(no, Who::Ordinary, 1);
        recs.push(education(&a[0], *date, *stage, InSchool, *fees));
        if *fires {
            expected.push(*no);
        }
    }
    let o = run(&reg, &recs);
    assert_eq!(o.flagged("education_cost"), set(&expected));
    assert_names(
        o.evidence("F04", "education_cost"),
        &[
            "2026-03-31",
            "本科",
            "学年自付 10,000.01 元",
            "> 10,000.00 元",
        ],
    );
}

/// unsafe_house: a housing record dated in P rating the house C or D; the household found by 户编号
/// or by a member's ID.
#[test]
fn unsafe_house() {
    use HouseRating::*;
    let mut reg = Reg::default();
    let mut recs = Vec::new();
    let p = d(2026, 3, 16);
    // H01 C by 户编号 → fires.
    reg.add("H01", Who::Ordinary, 1);
    recs.push(housing(by_no("H01"), p, C));
    // H02 D by the head's ID → fires.
    let a = reg.add("H02", Who::Exited, 2);
    recs.push(housing(by_id(&a[0]), p, D));
    // H03 D by another member's ID → fires.
    let a = reg.add("H03", Who::Exited, 2);
    recs.push(housing(by_id(&a[1]), d(2026, 3, 31), D));
    // H04 B, H05 A → no.
    reg.add("H04", Who::Ordinary, 1);
    recs.push(housing(by_no("H04"), p, B));
    reg.add("H05", Who::Ordinary, 1);
    recs.push(housing(by_no("H05"), p, A));
    // H06 D on 2026-02-28, H07 D on 2026-04-01 → no.
    reg.add("H06", Who::Ordinary, 1);
    recs.push(housing(by_no("H06"), d(2026, 2, 28), D));
    reg.add("H07", Who::Ordinary, 1);
    recs.push(housing(by_no("H07"), d(2026, 4, 1), D));
    // Unmatched 户编号 → nobody.
    recs.push(housing(by_no("H99"), p, D));

    let o = run(&reg, &recs);
    assert_eq!(o.flagged("unsafe_house"), set(&["H01", "H02", "H03"]));
    assert_eq!(o.evidence("H01", "unsafe_house"), "2026-03-16 房屋鉴定 C级");
}

/// labour_loss: a police record dated in P, 死亡 or 伤残, about a member aged 16–59 inclusive at the
/// event whose 劳动技能 is 普通劳动力 or 技能劳动力.
#[test]
fn labour_loss() {
    use PoliceEvent::*;
    let mut reg = Reg::default();
    let mut recs = Vec::new();
    let event = d(2026, 3, 15);
    let mut case =
        |reg: &mut Reg, no: &str, birth, labour: Option<Labour>, ev: PoliceEvent, date| -> String {
            let m = reg.member(birth).labour(labour);
            let id = reg
                .add_members(no, Who::Ordinary, vec![m], Vec::new())
                .remove(0);
            recs.push(police(&id, date, ev));
            id
        };
    let ord = Some(Labour::Ordinary);
    // L01 born 2010-03-15: 16 on 2026-03-15 → fires.
    case(&mut reg, "L01", d(2010, 3, 15), ord, Death, event);
    // L02 born 2010-03-16: still 15 on 2026-03-15 → no.
    case(&mut reg, "L02", d(2010, 3, 16), ord, Death, event);
    // L03 born 1966-03-16: 59 on 2026-03-15 (60 the next day) → fires.
    let l03 = case(&mut reg, "L03", d(1966, 3, 16), ord, Disability, event);
    // L04 born 1966-03-15: 60 on 2026-03-15 → no.
    case(&mut reg, "L04", d(1966, 3, 15), ord, Disability, event);
    // L05 弱劳动力, 30 → no.
    case(
        &mut reg,
        "L05",
        d(1996, 1, 1),
        Some(Labour::Weak),
        Death,
        event,
    );
    // L06 技能劳动力, 30, 伤残 → fires.
    case(
        &mut reg,
        "L06",
        d(1996, 1, 1),
        Some(Labour::Skilled),
        Disability,
        event,
    );
    // L07 普通劳动力, 30, 重伤 → no.
    case(&mut reg, "L07", d(1996, 1, 1), ord, SeriousInjury, event);
    // L08 no 劳动技能 registered → no.
    case(&mut reg, "L08", d(1996, 1, 1), None, Death, event);
    // L09 死亡 on 2026-02-28, L10 on 2026-04-01 → no.
    case(&mut reg, "L09", d(1996, 1, 1), ord, Death, d(2026, 2, 28));
    case(&mut reg, "L10", d(1996, 1, 1), ord, Death, d(2026, 4, 1));
    // L11 丧失劳动力 / L12 无劳动力 → no.
    case(
        &mut reg,
        "L11",
        d(1996, 1, 1),
        Some(Labour::Lost),
        Death,
        event,
    );
    case(
        &mut reg,
        "L12",
        d(1996, 1, 1),
        Some(Labour::None),
        Death,
        event,
    );

    let o = run(&reg, &recs);
    assert_eq!(o.flagged("labour_loss"), set(&["L01", "L03", "L06"]));
    assert_names(
        o.evidence("L03", "labour_loss"),
        &["2026-03-15", "伤残", &mask_id(&l03), "59 岁", "普通劳动力"],
    );
}

/// new_assistance: a civil record dated in P (低保, 特困, 临时救助) and the household not monitored.
#[test]
fn new_assistance() {
    use AssistanceProgram::*;
    let mut reg = Reg::default();
    let mut recs = Vec::new();
    let p = d(2026, 3, 5);
    let cases: &[(&str, Who, AssistanceProgram, time::Date, bool)] = &[
        ("A01", Who::Ordinary, Dibao, p, true),
        ("A02", Who::Exited, Tekun, d(2026, 3, 31), true),
        ("A03", Who::Ordinary, Temporary, d(2026, 3, 1), true),
        // monitored households get no new_assistance
        ("A04", Who::MonitoredKind, Dibao, p, false),
        ("A05", Who::OrdinaryInCase, Dibao, p, false),
        // outside P
        ("A06", Who::Ordinary, Dibao, d(2026, 2, 28), false),
        ("A07", Who::Exited, Dibao, d(2026, 4, 1), false),
    ];
    let mut expected = Vec::new();
    for (no, who, program, date, fires) in cases {
        let a = reg.add(no, *who, 1);
        recs.push(civil(&a[0], *date, *program));
        if *fires {
            expected.push(*no);
        }
    }
    let o = run(&reg, &recs);
    assert_eq!(o.flagged("new_assistance"), set(&expected));
    assert_names(o.evidence("A01", "new_assistance"), &["2026-03-05", "低保"]);
}

/// disaster_loss: a disaster record dated in P with 损失金额 > 10,000.00, or > 0.5 × the latest 纯收入
/// (greatest 收入年度 ≤ 2026).
#[test]
fn disaster_loss() {
    let mut reg = Reg::default();
    let mut recs = Vec::new();
    let p = d(2026, 3, 8);
    // X01 no income: 10,000.01 > 10,000.00 → fires.
    reg.add("X01", Who::Ordinary, 1);
    recs.push(disaster(by_no("X01"), p, fen(1_000_001)));
    // X02 no income: 10,000.00 → no (the share part is NULL without an income).
    reg.add("X02", Who::Ordinary, 1);
    recs.push(disaster(by_no("X02"), p, yuan(10_000)));
    // 纯收入 2025 = 10,000.00 + 3,000.02 + 0 + 500.00 − 1,500.00 = 12,000.02; × 0.5 = 6,000.01.
    let net_12000_02 = IncomeRecord {
        year: 2025,
        wage_income: yuan(10_000),
        business_income: fen(300_002),
        property_income: yuan(0),
        transfer_income: yuan(500),
        business_expense: yuan(1_500),
    };
    // X03 loss 6,000.02 > 6,000.01 → fires (by the head's ID).
    let a = reg.add_with_incomes("X03", Who::Exited, 3, vec![net_12000_02]);
    recs.push(disaster(by_id(&a[0]), p, fen(600_002)));
    // X04 loss 6,000.01 → no.
    reg.add_with_incomes("X04", Who::Exited, 3, vec![net_12000_02]);
    recs.push(disaster(by_no("X04"), p, fen(600_001)));
    // Latest = 2025 (2027 > 2026 ignored, 2024 older): 2024 30,000.00, 2025 8,000.00,
    // 2027 100.00 → 0.5 × 8,000.00 = 4,000.00.
    let incomes = vec![
        income(2024, yuan(30_000)),
        income(2025, yuan(8_000)),
        income(2027, yuan(100)),
    ];
    // X05 4,000.01 → fires; X06 4,000.00 → no (with 2027's 100.00 it would fire, with 2024's not).
    reg.add_with_incomes("X05", Who::Ordinary, 2, incomes.clone());
    recs.push(disaster(by_no("X05"), d(2026, 3, 31), fen(400_001)));
    reg.add_with_incomes("X06", Who::Ordinary, 2, incomes);
    recs.push(disaster(by_no("X06"), p, yuan(4_000)));
    // X07 50,000.00 on 2026-02-28, X08 on 2026-04-01 → no.
    reg.add("X07", Who::Ordinary, 1);
    recs.push(disaster(by_no("X07"), d(2026, 2, 28), yuan(50_000)));
    reg.add("X08", Who::Ordinary, 1);
    recs.push(disaster(by_no("X08"), d(2026, 4, 1), yuan(50_000)));
    // X09 2026 income counts (year(P)): 2026 net 2,000.00 → 1,000.00; loss 1,000.01 → fires.
    reg.add_with_incomes(
        "X09",
        Who::MonitoredKind,
        1,
        vec![income(2025, yuan(90_000)), income(2026, yuan(2_000))],
    );
    recs.push(disaster(by_no("X09"), d(2026, 3, 1), fen(100_001)));

    let o = run(&reg, &recs);
    assert_eq!(
        o.flagged("disaster_loss"),
        set(&["X01", "X03", "X05", "X09"])
    );
    assert_names(
        o.evidence("X01", "disaster_loss"),
        &["2026-03-08", "洪涝", "损失 10,000.01 元", "> 10,000.00 元"],
    );
    // The share threshold names the 纯收入 it was computed from.
    assert_eq!(
        o.evidence("X05", "disaster_loss"),
        "2026-03-31 洪涝 损失 4,000.01 元 > 4,000.00 元；2025年 纯收入 8,000.00 元"
    );
    assert_names(
        o.evidence("X03", "disaster_loss"),
        &[
            "损失 6,000.02 元 > 6,000.01 元",
            "2025年 纯收入 12,000.02 元",
        ],
    );
}

/// unemployment: an employment record dated in P with status 失业, and latest 人均纯收入 <
/// 1.5 × 7,000.00 = 10,500.00.
#[test]
fn unemployment() {
    use EmploymentStatus::*;
    let mut reg = Reg::default();
    let mut recs = Vec::new();
    let p = d(2026, 3, 20);
    // 3 members: 31,499.97 / 3 = 10,499.99 → fires.
    let a = reg.add_with_incomes("U01", Who::Exited, 3, vec![income(2025, fen(3_149_997))]);
    recs.push(employment(&a[2], p, Unemployed));
    let u01 = a[2].clone();
    // 31,500.00 / 3 = 10,500.00 → no.
    let a = reg.add_with_incomes("U02", Who::Exited, 3, vec![income(2025, yuan(31_500))]);
    recs.push(employment(&a[0], p, Unemployed));
    // 31,499.99 / 3 = 10,499.996… → half-up 10,500.00 → no (truncating would give 10,499.99).
    let a = reg.add_with_incomes("U03", Who::Ordinary, 3, vec![income(2025, fen(3_149_999))]);
    recs.push(employment(&a[0], p, Unemployed));
    // 31,499.98 / 3 = 10,499.993… → 10,499.99 → fires.
    let a = reg.add_with_incomes(
        "U04",
        Who::MonitoredKind,
        3,
        vec![income(2025, fen(3_149_998))],
    );
    recs.push(employment(&a[1], d(2026, 3, 1), Unemployed));
    // 就业 with a low income → no.
    let a = reg.add_with_incomes("U05", Who::Ordinary, 1, vec![income(2025, yuan(1_000))]);
    recs.push(employment(&a[0], p, Employed));
    // 失业 on 2026-02-28 / 2026-04-01 → no.
    let a = reg.add_with_incomes("U06", Who::Ordinary, 1, vec![income(2025, yuan(1_000))]);
    recs.push(employment(&a[0], d(2026, 2, 28), Unemployed));
    let a = reg.add_with_incomes("U07", Who::Ordinary, 1, vec![income(2025, yuan(1_000))]);
    recs.push(employment(&a[0], d(2026, 4, 1), Unemployed));
    // 失业 without any income record → no (nothing to compare).
    let a = reg.add("U08", Who::Ordinary, 1);
    recs.push(employment(&a[0], p, Unemployed));

    let o = run(&reg, &recs);
    assert_eq!(o.flagged("unemployment"), set(&["U01", "U04"]));
    assert_names(
        o.evidence("U01", "unemployment"),
        &[
            "2026-03-20",
            "失业",
            &mask_id(&u01),
            "2025年 人均纯收入 10,499.99 元",
            "< 10,500.00 元",
        ],
    );
}

/// income_below_line: latest 人均纯收入 < monitoring_line (7,000.00) and the household not monitored.
#[test]
fn income_below_line() {
    let mut reg = Reg::default();
    let below = vec![income(2025, fen(699_999))]; // 1 member: 6,999.99
    let at = vec![income(2025, yuan(7_000))];
    reg.add_with_incomes("I01", Who::Ordinary, 1, below.clone()); // fires
    reg.add_with_incomes("I02", Who::Ordinary, 1, at); // 7,000.00 → no
    reg.add_with_incomes("I03", Who::Exited, 1, below.clone()); // fires
    reg.add_with_incomes("I04", Who::MonitoredKind, 1, below.clone()); // monitored → no
    reg.add_with_incomes("I05", Who::OrdinaryInCase, 1, below); // monitored → no
    reg.add("I06", Who::Ordinary, 1); // no income → no
    // 2 members: 13,999.99 / 2 = 6,999.995 → half-up 7,000.00 → no.
    reg.add_with_incomes("I07", Who::Ordinary, 2, vec![income(2025, fen(1_399_999))]);
    // 2 members: 13,999.97 / 2 = 6,999.985 → 6,999.99 → fires.
    reg.add_with_incomes("I08", Who::Ordinary, 2, vec![income(2025, fen(1_399_997))]);
    // 3 members: 20,000.00 / 3 = 6,666.67 → fires; the same with 2 members: 10,000.00 → no.
    reg.add_with_incomes("I09", Who::Ordinary, 3, vec![income(2025, yuan(20_000))]);
    reg.add_with_incomes("I10", Who::Ordinary, 2, vec![income(2025, yuan(20_000))]);
    // Latest is 2026 (= year(P)): 2025 5,000.00, 2026 8,000.00 → 8,000.00 → no.
    reg.add_with_incomes(
        "I11",
        Who::Ordinary,
        1,
        vec![income(2025, yuan(5_000)), income(2026, yuan(8_000))],
    );
    // 2027 is after year(P): 2025 8,000.00, 2027 5,000.00 → 8,000.00 → no.
    reg.add_with_incomes(
        "I12",
        Who::Ordinary,
        1,
        vec![income(2027, yuan(5_000)), income(2025, yuan(8_000))],
    );
    // Latest is the greatest year ≤ 2026 even when older: 2023 8,000.00, 2024 6,000.00 → fires.
    reg.add_with_incomes(
        "I13",
        Who::Ordinary,
        1,
        vec![income(2024, yuan(6_000)), income(2023, yuan(8_000))],
    );

    let o = run(&reg, &[]);
    assert_eq!(
        o.flagged("income_below_line"),
        set(&["I01", "I03", "I08", "I09", "I13"])
    );
    assert_eq!(
        o.evidence("I09", "income_below_line"),
        "2025年 人均纯收入 6,666.67 元 < 7,000.00 元"
    );
}

/// Half-up, not half-even: with monitoring_line = 6,999.99, 13,999.97 / 2 = 6,999.985 rounds up to
/// 6,999.99 (not < 6,999.99 → no); half-even would give 6,999.98 and fire. 13,999.95 / 2 =
/// 6,999.975 → 6,999.98 → fires.
#[test]
fn per_capita_rounds_half_up() {
    let mut reg = Reg::default();
    reg.add_with_incomes("R1", Who::Ordinary, 2, vec![income(2025, fen(1_399_997))]);
    reg.add_with_incomes("R2", Who::Ordinary, 2, vec![income(2025, fen(1_399_995))]);
    let mut p = params();
    p.set("monitoring_line=6999.99").expect("line");
    let o = run_with(&reg, &[], &p);
    assert_eq!(o.flagged("income_below_line"), set(&["R2"]));
}

/// income_drop: latest and previous (the year just before latest) both exist, latest 人均纯收入 <
/// (1 − 0.3) × previous and latest < 2.0 × 7,000.00 = 14,000.00.
#[test]
fn income_drop() {
    let mut reg = Reg::default();
    let one = |pairs: &[(i32, i64)]| -> Vec<IncomeRecord> {
        pairs.iter().map(|(y, f)| income(*y, fen(*f))).collect()
    };
    // R01 previous 20,000.00 → 0.7 × = 14,000.00; latest 13,999.99 < 14,000.00 (both) → fires.
    reg.add_with_incomes(
        "R01",
        Who::Ordinary,
        1,
        one(&[(2024, 2_000_000), (2025, 1_399_999)]),
    );
    // R02 previous 20,000.00, latest 14,000.00 → no.
    reg.add_with_incomes(
        "R02",
        Who::Ordinary,
        1,
        one(&[(2024, 2_000_000), (2025, 1_400_000)]),
    );
    // R03 previous 10,000.00 → 7,000.00; latest 7,000.00 → no; R04 latest 6,999.99 → fires.
    reg.add_with_incomes(
        "R03",
        Who::Exited,
        1,
        one(&[(2024, 1_000_000), (2025, 700_000)]),
    );
    reg.add_with_incomes(
        "R04",
        Who::Exited,
        1,
        one(&[(2024, 1_000_000), (2025, 699_999)]),
    );
    // R05 previous 30,000.00 → 21,000.00; latest 14,000.00 < 21,000.00 but not < 14,000.00 → no;
    // R06 latest 13,999.99 → fires (监测户: the rule applies to monitored households too).
    reg.add_with_incomes(
        "R05",
        Who::Ordinary,
        1,
        one(&[(2024, 3_000_000), (2025, 1_400_000)]),
    );
    reg.add_with_incomes(
        "R06",
        Who::MonitoredKind,
        1,
        one(&[(2024, 3_000_000), (2025, 1_399_999)]),
    );
    // R07 latest only → no; R08 2023 and 2025 (2024 missing: no previous) → no.
    reg.add_with_incomes("R07", Who::Ordinary, 1, one(&[(2025, 100_000)]));
    reg.add_with_incomes(
        "R08",
        Who::Ordinary,
        1,
        one(&[(2023, 2_000_000), (2025, 100_000)]),
    );
    // R09 latest 2026 (= year(P)) 1,000.00, previous 2025 20,000.00 → fires.
    reg.add_with_incomes(
        "R09",
        Who::Ordinary,
        1,
        one(&[(2025, 2_000_000), (2026, 100_000)]),
    );
    // R10 2025 20,000.00, 2026 19,000.00, 2027 1,000.00: latest 2026 (19,000.00 vs 14,000.00) →
    // no; taking 2027 would fire.
    reg.add_with_incomes(
        "R10",
        Who::Ordinary,
        1,
        one(&[(2027, 100_000), (2025, 2_000_000), (2026, 1_900_000)]),
    );
    // R11 2 members: previous 40,000.00 / 2 = 20,000.00 → 14,000.00; latest 27,999.99 / 2 =
    // 13,999.995 → half-up 14,000.00 → no (truncating would fire).
    reg.add_with_incomes(
        "R11",
        Who::Ordinary,
        2,
        one(&[(2024, 4_000_000), (2025, 2_799_999)]),
    );
    // R12 2 members: latest 27,999.97 / 2 = 13,999.985 → 13,999.99 → fires.
    reg.add_with_incomes(
        "R12",
        Who::Ordinary,
        2,
        one(&[(2024, 4_000_000), (2025, 2_799_997)]),
    );

    let o = run(&reg, &[]);
    assert_eq!(
        o.flagged("income_drop"),
        set(&["R01", "R04", "R06", "R09", "R12"])
    );
    // Both thresholds are 14,000.00 here: said once, with the previous year's value.
    assert_eq!(
        o.evidence("R01", "income_drop"),
        "2025年 人均纯收入 13,999.99 元 < 14,000.00 元；2024年 人均纯收入 20,000.00 元"
    );
    // 0.7 × 30,000.00 = 21,000.00 and 2 × 7,000.00 = 14,000.00.
    assert_eq!(
        o.evidence("R06", "income_drop"),
        "2025年 人均纯收入 13,999.99 元 < 21,000.00 元；2024年 人均纯收入 30,000.00 元；\
         2025年 人均纯收入 13,999.99 元 < 14,000.00 元"
    );
}

/// water_cut: a water record dated in P with 断水天数 > 30.
#[test]
fn water_cut() {
    let mut reg = Reg::default();
    let mut recs = Vec::new();
    let cases: &[(&str, u32, time::Date, bool)] = &[
        ("W01", 31, d(2026, 3, 10), true),
        ("W02", 30, d(2026, 3, 10), false),
        ("W03", 45, d(2026, 2, 28), false),
        ("W04", 45, d(2026, 4, 1), false),
        ("W05", 31, d(2026, 3, 31), true),
        ("W06", 31, d(2026, 3, 1), true),
    ];
    let mut expected = Vec::new();
    for (no, days, date, fires) in cases {
        reg.add(no, Who::Ordinary, 1);
        recs.push(water(no, *date, *days));
        if *fires {
            expected.push(*no);
        }
    }
    let o = run(&reg, &recs);
    assert_eq!(o.flagged("water_cut"), set(&expected));
    assert_eq!(
        o.evidence("W01", "water_cut"),
        "2026-03-10 断水 31 天 > 30 天"
    );
}

/// A household with nothing in the feeds and no income is flagged by no rule; a record matching
/// nobody flags nobody.
#[test]
fn nothing_flags_nothing() {
    let mut reg = Reg::default();
    reg.add("N01", Who::Ordinary, 2);
    let stranger = id_for(d(1990, 1, 1), 999);
    let recs = vec![
        medical(
            &stranger,
            d(2026, 3, 3),
            INPATIENT,
            yuan(90_000),
            yuan(90_000),
        ),
        water("N99", d(2026, 3, 3), 90),
    ];
    let o = run(&reg, &recs);
    assert!(o.warnings.is_empty(), "{:?}", o.warnings);
}
