//! Every finding of LAYOUT.md, with its row, column and message.

use time::macros::date;
use zhenxing_domain::household::{HouseholdKind, Relation, Sex};
use zhenxing_domain::{IncomeRecord, Yuan};
use zhenxing_exchange::Severity;

use crate::fixtures::*;

/// The household `rows` is refused with this finding.
fn check(rows: Vec<Row>, row: usize, column: &str, message: &str) {
    let roster = read_rows(&rows);
    assert_error(&roster, row, column, message);
    assert!(roster.households.is_empty(), "household should be rejected");
    assert_eq!(roster.rejected.len(), 1);
    assert!(
        roster.rejected[0]
            .rows
            .iter()
            .all(|(_, cells)| cells.len() == HEADERS.len())
    );
}

fn with(rows: Vec<Row>, i: usize, header: &'static str, value: V) -> Vec<Row> {
    let mut rows = rows;
    let r = rows.remove(i);
    rows.insert(i, set(r, header, value));
    rows
}

fn yuan(text: &str) -> Yuan {
    Yuan::parse(text).expect("amount")
}

#[test]
fn a_valid_household_becomes_domain_types() {
    let rows = set_all(couple("H001"), "收入年度", &s("2025"));
    let rows = set_all(rows, "工资性收入", &s("20000"));
    let rows = set_all(rows, "生产经营性收入", &s("-1500.50"));
    let rows = set_all(rows, "耕地面积（亩）", &s("2.5"));
    let rows = set_all(rows, "村民小组", &s("三组"));
    let rows = with(rows, 1, "健康状况", s("残疾"));
    let rows = with(rows, 1, "残疾等级", s("2级"));
    let rows = with(rows, 1, "务工时间（月）", s("6"));
    let roster = read_rows(&rows);
    assert_clean(&roster);
    assert_eq!(roster.member_rows, 2);
    assert_eq!(roster.households.len(), 1);
    let ph = &roster.households[0];
    assert_eq!(ph.rows, vec![2, 3]);
    let h = &ph.household;
    assert_eq!(h.household_no, "H001");
    assert_eq!(h.village.as_str(), QINGYAN);
    assert_eq!(h.group, Some(3));
    assert_eq!(h.kind, HouseholdKind::Ordinary);
    assert_eq!(h.farmland_centimu, Some(250));
    assert_eq!(
        h.incomes,
        vec![IncomeRecord {
            year: 2025,
            wage_income: yuan("20000"),
            business_income: yuan("-1500.5"),
            ..IncomeRecord::default()
        }]
    );
    let head = h.head().expect("head");
    assert_eq!(head.sex, Sex::Male);
    assert_eq!(head.birth_date, date!(1980 - 01 - 01));
    assert_eq!(h.members[1].relation, Relation::Spouse);
    assert_eq!(h.members[1].sex, Sex::Female);
    assert_eq!(h.members[1].work_months, Some(6));
}

#[test]
fn id_number_errors_use_the_domain_messages() {
    let good = id(HEAD_ID_BIRTH, 11);
    let wrong_check = if good.ends_with('0') { '1' } else { '0' };
    let bad = format!("{}{wrong_check}", &good[..17]);
    let expected = good.chars().last().expect("check");
    check(
        with(couple("H1"), 0, "证件号码", s(&bad)),
        2,
        "证件号码",
        &format!("身份证号码校验位错误，应为 {expected}"),
    );
    check(
        with(couple("H1"), 1, "证件号码", s("12345")),
        3,
        "证件号码",
        "证件号码长度应为18位（或15位旧号码、20/22位残疾证号），实际为5位",
    );
    check(
        with(couple("H1"), 0, "证件号码", s(&id("19800230", 11))),
        2,
        "证件号码",
        "证件号码中的出生日期 1980-02-30 不存在",
    );
    check(
        with(couple("H1"), 0, "证件号码", s(&id("20300101", 11))),
        2,
        "证件号码",
        "证件号码中的出生日期 2030-01-01 晚于今天",
    );
    check(
        with(couple("H1"), 0, "证件号码", s("50011019800101A11X")),
        2,
        "证件号码",
        "证件号码含非法字符“A”：前17位应为数字，末位为数字或X",
    );
}

#[test]
fn an_id_number_stored_as_a_number_is_refused() {
    check(
        with(couple("H1"), 0, "证件号码", V::N(500110198001010110.0)),
        2,
        "证件号码",
        "证件号码应以文本格式填写（数字格式会丢失末几位）",
    );
}

#[test]
fn sex_and_birth_date_must_agree_with_the_id_number() {
    check(
        with(couple("H1"), 0, "性别", s("女")),
        2,
        "性别",
        "性别“女”与证件号码不符：证件号码为男性",
    );
    check(
        with(couple("H1"), 1, "出生日期", s("1982-02-03")),
        3,
        "出生日期",
        "出生日期 1982-02-03 与证件号码不符：证件号码为 1982-02-02",
    );
    check(
        with(couple("H1"), 1, "出生日期", s("1982年13月1日")),
        3,
        "出生日期",
        "出生日期“1982年13月1日”无效：应为 YYYY-MM-DD 或 YYYYMMDD",
    );
    // Agreeing values in every accepted spelling, including an Excel date cell.
    let rows = with(couple("H1"), 0, "出生日期", V::D(1980, 1, 1));
    let rows = with(rows, 1, "出生日期", s("19820202"));
    let rows = with(rows, 0, "性别", s("男"));
    assert_clean(&read_rows(&rows));
}

#[test]
fn placeholder_ids_need_sex_and_birth_date_given() {
    let placeholder = "999999199001011230";
    check(
        with(couple("H1"), 1, "证件号码", s(placeholder)),
        3,
        "性别",
        "证件号码为占位号码（999999开头），须填写性别",
    );
    check(
        with(couple("H1"), 1, "证件号码", s(placeholder)),
        3,
        "出生日期",
        "证件号码为占位号码（999999开头），须填写出生日期",
    );
    let rows = with(couple("H1"), 1, "证件号码", s(placeholder));
    let rows = with(rows, 1, "性别", s("女"));
    let rows = with(rows, 1, "出生日期", s("1983-04-05"));
    let roster = read_rows(&rows);
    // Imported, with a warning that asks for the real number.
    assert!(!roster.has_errors());
    let warnings: Vec<_> = roster
        .findings
        .iter()
        .map(|f| (f.row, f.severity, f.column.as_deref(), f.message.as_str()))
        .collect();
    assert_eq!(
        warnings,
        [(
            3,
            Severity::Warning,
            Some("证件号码"),
            "证件号码为无证件人员的占位号码（999999开头），已导入，请尽快补录真实证件号码"
        )]
    );
    let m = &roster.households[0].household.members[1];
    assert!(m.id_number.is_placeholder());
    assert_eq!((m.sex, m.birth_date), (Sex::Female, date!(1983 - 04 - 05)));
}

#[test]
fn a_household_needs_exactly_one_head() {
    check(
        with(couple("H1"), 0, "与户主关系", s("之子")),
        2,
        "与户主关系",
        "该户没有户主：须有一名成员的与户主关系为“户主”",
    );
    check(
        with(couple("H1"), 1, "与户主关系", s("本人")),
        3,
        "与户主关系",
        "该户已有户主（第2行），一户只能有一名户主",
    );
    check(
        with(couple("H1"), 1, "与户主关系", s("表哥")),
        3,
        "与户主关系",
        "“表哥”无效：与户主关系应为 户主、配偶、之子、之女、之儿媳、之女婿、之孙子、之孙女、之父、之母、之祖父、之祖母、之兄弟姐妹、其他 之一",
    );
    // National numeric codes are relations too.
    let rows = with(couple("H1"), 0, "与户主关系", s("01"));
    assert_clean(&read_rows(&with(rows, 1, "与户主关系", s("10"))));
}

#[test]
fn rows_of_a_household_must_agree_on_household_columns() {
    check(
        with(couple("H1"), 1, "户类型", s("脱贫户")),
        3,
        "户类型",
        "与同户第2行不一致：第2行为“一般农户”，本行为“脱贫户”",
    );
    check(
        with(couple("H1"), 1, "户联系电话", s("13800001111")),
        3,
        "户联系电话",
        "与同户第2行不一致：第2行为“（空）”，本行为“13800001111”",
    );
    // The same value spelled differently is not a disagreement.
    let rows = with(couple("H1"), 1, "村民小组", s("三组"));
    assert_clean(&read_rows(&with(rows, 1, "行政村", s("青岩"))));
}

#[test]
fn household_size_must_match_the_member_rows() {
    check(
        set_all(couple("H1"), "家庭人口数", &s("3")),
        2,
        "家庭人口数",
        "家庭人口数为3，但该户有2行成员",
    );
    check(
        set_all(couple("H1"), "家庭人口数", &s("两人")),
        2,
        "家庭人口数",
        "家庭人口数“两人”无效：应为正整数",
    );
    assert_clean(&read_rows(&set_all(couple("H1"), "家庭人口数", &V::N(2.0))));
}

#[test]
fn monitoring_category_goes_with_monitored_households_only() {
    check(
        set_all(couple("H1"), "户类型", &s("监测户")),
        2,
        "监测对象类别",
        "监测户须填写监测对象类别",
    );
    check(
        set_all(couple("H1"), "监测对象类别", &s("边缘易致贫户")),
        2,
        "监测对象类别",
        "一般农户不填监测对象类别（仅监测户填写）",
    );
    let rows = set_all(couple("H1"), "户类型", &s("监测户"));
    let roster = read_rows(&set_all(rows, "监测对象类别", &s("突发严重困难户")));
    assert_clean(&roster);
}

#[test]
fn the_same_id_twice_in_a_file_is_refused_on_both_rows() {
    let mut rows = couple("H1");
    rows.push(row("H2", "王五", &id(HEAD_ID_BIRTH, 11), "户主"));
    let roster = read_rows(&rows);
    assert_error(&roster, 4, "证件号码", "证件号码与第2行重复");
    assert_error(&roster, 2, "证件号码", "证件号码在第4行重复出现");
    assert!(roster.households.is_empty());
    assert_eq!(roster.rejected.len(), 2);
}

#[test]
fn unknown_code_values_name_the_accepted_ones() {
    check(
        set_all(couple("H1"), "户类型", &s("贫困户")),
        2,
        "户类型",
        "“贫困户”无效：户类型应为 脱贫户、监测户、一般农户 之一",
    );
    check(
        with(couple("H1"), 0, "文化程度", s("博士")),
        2,
        "文化程度",
        "“博士”无效：文化程度应为 文盲或半文盲、小学、初中、高中、中专、大专及以上 之一",
    );
    check(
        with(couple("H1"), 0, "是否享受低保", s("有")),
        2,
        "是否享受低保",
        "“有”无效：是否享受低保应填 是 或 否",
    );
    check(
        set_all(couple("H1"), "村民小组", &s("甲组")),
        2,
        "村民小组",
        "村民小组“甲组”无效：应写作 3组、三组 或 3",
    );
}

#[test]
fn amounts_must_be_numbers_and_only_business_income_may_be_negative() {
    let with_year = set_all(couple("H1"), "收入年度", &s("2025"));
    check(
        set_all(with_year.clone(), "工资性收入", &s("一万")),
        2,
        "工资性收入",
        "“一万”不是有效金额：应为数字，最多两位小数",
    );
    check(
        set_all(with_year.clone(), "转移性收入", &s("12.345")),
        2,
        "转移性收入",
        "“12.345”不是有效金额：应为数字，最多两位小数",
    );
    check(
        set_all(with_year.clone(), "工资性收入", &s("-100")),
        2,
        "工资性收入",
        "工资性收入不能为负数",
    );
    check(
        set_all(with_year.clone(), "生产经营性支出", &s("-1")),
        2,
        "生产经营性支出",
        "生产经营性支出不能为负数",
    );
    assert_clean(&read_rows(&set_all(
        with_year,
        "生产经营性收入",
        &s("-100"),
    )));
}

#[test]
fn totals_must_follow_the_formula_to_the_fen() {
    let rows = set_all(couple("H1"), "收入年度", &s("2025"));
    let rows = set_all(rows, "工资性收入", &s("10001"));
    check(
        set_all(rows.clone(), "纯收入", &s("10000")),
        2,
        "纯收入",
        "纯收入应为 10001.00（工资性+生产经营性+财产性+转移性−生产经营性支出），表中为 10000.00",
    );
    check(
        set_all(rows.clone(), "人均纯收入", &s("5000")),
        2,
        "人均纯收入",
        "人均纯收入应为 5000.50（纯收入÷家庭人口数，四舍五入到分），表中为 5000.00",
    );
    let rows = set_all(rows, "纯收入", &s("10001"));
    assert_clean(&read_rows(&set_all(rows, "人均纯收入", &s("5000.5"))));
}

#[test]
fn income_needs_its_year() {
    check(
        set_all(couple("H1"), "工资性收入", &s("100")),
        2,
        "收入年度",
        "填写了收入的，须填写收入年度",
    );
    check(
        set_all(couple("H1"), "收入年度", &s("去年")),
        2,
        "收入年度",
        "收入年度“去年”无效：应为年份，如 2025",
    );
    check(
        set_all(couple("H1"), "收入年度", &s("1999")),
        2,
        "收入年度",
        "收入年度 1999 无效：应为 2000 至 2100 之间的年份",
    );
}

#[test]
fn village_and_township_must_belong_to_the_deployment() {
    check(
        set_all(couple("H1"), "行政村", &s("白云村")),
        2,
        "行政村",
        "行政村“白云村”不是扶欢镇的村（社区）",
    );
    check(
        set_all(couple("H1"), "乡（镇）", &s("永城镇")),
        2,
        "乡（镇）",
        "乡（镇）“永城镇”不是本系统的乡镇（扶欢镇）",
    );
    let rows = set_all(couple("H1"), "乡（镇）", &s("扶欢"));
    let roster = read_rows(&set_all(rows, "行政村", &s("扶欢社区")));
    assert_clean(&roster);
    assert_eq!(roster.households[0].household.village.as_str(), FUHUAN);
}

#[test]
fn phones_months_farmland_disability_and_names_are_checked() {
    check(
        set_all(couple("H1"), "户联系电话", &s("12345")),
        2,
        "户联系电话",
        "电话号码“12345”无效：应为11位手机号或带区号的固定电话",
    );
    check(
        with(couple("H1"), 1, "联系电话", s("1380000111")),
        3,
        "联系电话",
        "电话号码“1380000111”无效：应为11位手机号或带区号的固定电话",
    );
    check(
        with(couple("H1"), 0, "务工时间（月）", s("13")),
        2,
        "务工时间（月）",
        "务工时间“13”无效：应为0到12之间的整数（月）",
    );
    check(
        set_all(couple("H1"), "耕地面积（亩）", &s("-1")),
        2,
        "耕地面积（亩）",
        "耕地面积“-1”无效：应为不小于0的数字，最多两位小数",
    );
    check(
        set_all(couple("H1"), "耕地面积（亩）", &s("1.234")),
        2,
        "耕地面积（亩）",
        "耕地面积“1.234”无效：应为不小于0的数字，最多两位小数",
    );
    check(
        with(couple("H1"), 1, "健康状况", s("残疾")),
        3,
        "残疾等级",
        "健康状况为残疾的，须填写残疾等级",
    );
    check(
        with(couple("H1"), 1, "姓名", s("")),
        3,
        "姓名",
        "姓名不能为空",
    );
    check(
        with(couple("H1"), 1, "姓名", s(&"李".repeat(31))),
        3,
        "姓名",
        "姓名超过30个字符",
    );
}

#[test]
fn a_row_without_household_number_is_an_orphan() {
    let mut rows = couple("H1");
    rows.push(row("", "赵六", &id("19900101", 33), "户主"));
    let roster = read_rows(&rows);
    assert_error(&roster, 4, "户编号", "户编号不能为空");
    let f = roster
        .findings
        .iter()
        .find(|f| f.row == 4)
        .expect("finding");
    assert_eq!(f.household_no, None);
    assert_eq!(roster.households.len(), 1);
    assert_eq!(roster.rejected.len(), 1);
    assert_eq!(roster.rejected[0].household_no, None);
    assert_eq!(roster.rejected[0].rows[0].0, 4);
    assert_eq!(roster.rejected[0].rows[0].1[19], "赵六");
}

#[test]
fn findings_carry_household_number_and_describe_themselves() {
    let roster = read_rows(&with(couple("H9"), 0, "性别", s("女")));
    let f = &roster.findings[0];
    assert_eq!(f.household_no.as_deref(), Some("H9"));
    assert_eq!(f.severity, Severity::Error);
    assert_eq!(
        f.describe(),
        "第2行【性别】性别“女”与证件号码不符：证件号码为男性"
    );
}

#[test]
fn only_the_bad_household_is_rejected_and_rows_need_not_be_adjacent() {
    let a = couple("A");
    let b = with(couple("B"), 1, "性别", s("男"));
    let b: Vec<Row> = b.into_iter().map(|r| set(r, "证件号码", s(""))).collect();
    // Interleave: A head, B head, A spouse, B spouse.
    let rows = vec![a[0].clone(), b[0].clone(), a[1].clone(), b[1].clone()];
    let roster = read_rows(&rows);
    assert_eq!(roster.households.len(), 1);
    assert_eq!(roster.households[0].household.household_no, "A");
    assert_eq!(roster.households[0].rows, vec![2, 4]);
    assert_eq!(roster.rejected.len(), 1);
    let rows: Vec<usize> = roster.rejected[0].rows.iter().map(|(r, _)| *r).collect();
    assert_eq!(rows, vec![3, 5]);
    assert_error(&roster, 3, "证件号码", "证件号码为空");
    let sorted = roster.findings.windows(2).all(|w| w[0].row <= w[1].row);
    assert!(sorted, "findings sorted by row");
}

#[test]
fn registry_members_of_another_household_are_moved_to_rejected() {
    let mut rows = couple("H1");
    rows.extend(
        couple("H2")
            .into_iter()
            .enumerate()
            .map(|(i, r)| set(r, "证件号码", s(&id("19700505", 41 + 2 * i as u32)))),
    );
    let mut roster = read_rows(&rows);
    assert_clean(&roster);
    assert_eq!(roster.id_bases().len(), 4);
    let spouse = id(SPOUSE_ID_BIRTH, 22);
    let head_h2 = id("19700505", 41);
    let locations = [
        (spouse.clone(), "H7".to_string()),
        (head_h2, "H2".to_string()),
    ]
    .into_iter()
    .collect();
    roster.check_registry(&locations);
    let masked = zhenxing_domain::id_number::mask_id(&spouse);
    assert_error(
        &roster,
        3,
        "证件号码",
        &format!("证件号码 {masked} 已是户编号 H7 的成员（迁移须单独办理）"),
    );
    assert_eq!(roster.findings.len(), 1, "H2's head already lives in H2");
    assert_eq!(roster.households.len(), 1);
    assert_eq!(roster.households[0].household.household_no, "H2");
    assert_eq!(roster.rejected.len(), 1);
    let (row, cells) = &roster.rejected[0].rows[1];
    assert_eq!(*row, 3);
    assert_eq!(cells[0], "扶欢镇");
    assert_eq!(cells[19], "李四");
    assert_eq!(cells[20], spouse);
}
