//! Rule validation: `compile` refuses what is not a boolean rule over known names, with a Chinese
//! message that says what is wrong and where.

use zhenxing_screening::compile;

#[track_caller]
fn refused(text: &str) -> String {
    match compile(text) {
        Ok(node) => panic!("«{text}» was accepted: {node:?}"),
        Err(e) => e.message,
    }
}

#[track_caller]
fn assert_has(message: &str, parts: &[&str]) {
    for p in parts {
        assert!(message.contains(p), "«{message}» lacks «{p}»");
    }
}

#[test]
fn a_syntax_error_names_the_position() {
    // The text ends where an operand is expected: the position is its end (18 characters, so
    // column 19).
    let m = refused("medical_oop_12m > ");
    assert_has(&m, &["语法错误", "第 1 行第 19 列", "不完整"]);
    let m = refused("dropout AND (");
    assert_has(&m, &["语法错误", "第 1 行第 14 列"]);
    // Trailing content is an error, not ignored, and says where it starts.
    let m = refused("dropout dropout");
    assert_has(&m, &["语法错误", "多余内容", "第 1 行第 9 列"]);
    // A misplaced token on the second line.
    let m = refused("dropout AND\nwater_cut_days_max > > 30");
    assert_has(&m, &["语法错误", "第 2 行第 22 列"]);
    let m = refused("dropout @ 2");
    assert_has(&m, &["语法错误", "第 1 行第 9 列"]);
    let m = refused("   ");
    assert_has(&m, &["不能为空"]);
}

#[test]
fn an_unknown_feature_is_named_with_the_names_that_exist() {
    let m = refused("medical_oop_13m > 10000");
    assert_has(
        &m,
        &[
            "未知的名称",
            "medical_oop_13m",
            "medical_oop_12m",
            "monitoring_line",
        ],
    );
    let m = refused("household.medical_oop_12m > 1");
    assert_has(&m, &["未知的名称", "household.medical_oop_12m"]);
}

#[test]
fn an_unknown_function_is_named() {
    let m = refused("SQRT(medical_oop_12m) > 100");
    assert_has(&m, &["不支持的函数", "SQRT", "LEAST", "GREATEST"]);
    // Known functions with the wrong number of arguments.
    let m = refused("ABS(medical_oop_12m, 1) > 100");
    assert_has(&m, &["ABS", "参数个数"]);
}

#[test]
fn type_errors_are_refused() {
    // A number where the rule must be true or false.
    let m = refused("medical_oop_12m");
    assert_has(&m, &["整个规则", "真假条件", "数值"]);
    let m = refused("medical_oop_12m * 2 + stay_oop_max");
    assert_has(&m, &["真假条件", "数值"]);
    // A boolean where a number is expected.
    let m = refused("dropout + 1 > 0");
    assert_has(&m, &["应为数值", "真假值"]);
    let m = refused("LEAST(dropout, 1) > 0");
    assert_has(&m, &["LEAST", "应为数值", "真假值"]);
    // Comparing a boolean with a number.
    let m = refused("dropout > 1");
    assert_has(&m, &["比较", "左边", "应为数值", "真假值"]);
    let m = refused("stay_oop_max = house_unsafe");
    assert_has(&m, &["比较", "右边", "应为数值", "真假值"]);
    // A number where AND / NOT needs a condition.
    let m = refused("dropout AND stay_oop_max");
    assert_has(&m, &["AND", "右边", "真假条件", "数值"]);
    let m = refused("NOT members");
    assert_has(&m, &["NOT", "真假条件", "数值"]);
    // CASE arms of different types.
    let m = refused("CASE WHEN exited THEN dropout ELSE 1 END");
    assert_has(&m, &["CASE", "类型不一致"]);
}

#[test]
fn a_string_literal_is_refused() {
    let m = refused("medical_oop_12m > '6000'");
    assert_has(&m, &["不能使用文字", "6000"]);
    let m = refused("house_unsafe AND '危房' = '危房'");
    assert_has(&m, &["不能使用文字", "危房"]);
}

#[test]
fn numbers_are_exact_literals_only() {
    let m = refused("medical_oop_12m > 1e4");
    assert_has(&m, &["1e4"]);
    let m = refused("medical_oop_12m > 0.1234567");
    assert_has(&m, &["0.1234567", "六位小数"]);
}

#[test]
fn good_rules_compile() {
    for text in [
        "dropout",
        "NOT monitored AND (income_pc_latest < monitoring_line OR house_unsafe)",
        "medical_oop_12m >= 0.5 * prev_rural_income_pc",
        "COALESCE(income_pc_latest, 0) BETWEEN 1 AND monitoring_line",
        "income_pc_previous IS NOT NULL AND members > 3",
        "GREATEST(stay_oop_max, upper_school_fees_max) > 5000.50",
    ] {
        compile(text).unwrap_or_else(|e| panic!("«{text}»: {}", e.message));
    }
}
