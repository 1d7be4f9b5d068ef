//! File formats, encodings, header matching and sheet choice.

use std::cell::Cell;

use rust_xlsxwriter::Workbook;
use zhenxing_domain::Yuan;
use zhenxing_exchange::{ExchangeError, Severity, read_roster, read_roster_bytes};

use crate::fixtures::*;

const CSV_HEADERS: &[&str] = &[
    "乡（镇）",
    "行政村",
    "户编号",
    "户类型",
    "姓名",
    "证件号码",
    "与户主关系",
    "民族",
];

fn ethnic_couple() -> Vec<Row> {
    couple("H1")
        .into_iter()
        .map(|r| set(r, "民族", s("苗族")))
        .collect()
}

fn assert_couple(roster: &zhenxing_exchange::Roster) {
    assert_clean(roster);
    assert_eq!(roster.households.len(), 1);
    let h = &roster.households[0].household;
    assert_eq!(h.members[0].name, "张三");
    assert_eq!(h.members[1].name, "李四");
    assert_eq!(h.members[0].ethnicity.as_deref(), Some("苗族"));
    assert_eq!(roster.households[0].rows, vec![2, 3]);
}

#[test]
fn utf8_csv_with_and_without_bom_is_read() {
    let text = csv_text(CSV_HEADERS, &ethnic_couple());
    assert_couple(&read(text.as_bytes(), "roster.csv"));
    let with_bom = [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat();
    let roster = read(&with_bom, "roster.csv");
    assert_couple(&roster);
    assert_eq!(roster.headers[0], "乡（镇）");
}

#[test]
fn gbk_csv_is_read() {
    let text = csv_text(CSV_HEADERS, &ethnic_couple());
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(&text);
    assert!(!unmappable);
    assert!(std::str::from_utf8(&gbk).is_err(), "fixture really is GBK");
    assert_couple(&read(&gbk, "roster.csv"));
}

#[test]
fn a_csv_file_on_disk_is_read_with_progress() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("花名册.csv");
    std::fs::write(&path, csv_text(CSV_HEADERS, &ethnic_couple())).expect("write");
    let seen = Cell::new(0);
    let roster = read_roster(&path, &ctx(), &|n| seen.set(n)).expect("roster");
    assert_couple(&roster);
    assert_eq!(seen.get(), 2);
}

#[test]
fn headers_match_in_any_order_with_english_names_and_ascii_parentheses() {
    let headers = [
        "与户主关系",
        "id_number",
        "NAME",
        "户类型",
        "household_no",
        " 行政村 ",
        "乡(镇)",
        "民族",
        "耕地面积(亩)",
    ];
    let rows: Vec<Row> = ethnic_couple()
        .into_iter()
        .map(|r| set(r, "耕地面积（亩）", s("1.5")))
        .collect();
    // Rows are keyed by canonical header; map them onto the shuffled header names.
    let canonical = [
        "与户主关系",
        "证件号码",
        "姓名",
        "户类型",
        "户编号",
        "行政村",
        "乡（镇）",
        "民族",
        "耕地面积（亩）",
    ];
    let cells: Vec<Vec<V>> = rows.iter().map(|r| cells_of(&canonical, r)).collect();
    let roster = read(&xlsx_with("Sheet1", &headers, &cells), "x.xlsx");
    assert_couple(&roster);
    assert_eq!(roster.households[0].household.farmland_centimu, Some(150));
    assert_eq!(
        roster.headers,
        headers
            .iter()
            .map(|h| h.trim().to_string())
            .collect::<Vec<_>>()
    );
}

#[test]
fn unknown_columns_are_a_warning_and_ignored() {
    let headers = [
        "乡（镇）",
        "行政村",
        "户编号",
        "户类型",
        "姓名",
        "证件号码",
        "与户主关系",
        "民族",
        "备注",
    ];
    let rows: Vec<Row> = ethnic_couple()
        .into_iter()
        .map(|r| set(r, "备注", s("随便写")))
        .collect();
    let roster = read(csv_text(&headers, &rows).as_bytes(), "a.csv");
    assert_eq!(roster.findings.len(), 1);
    let f = &roster.findings[0];
    assert_eq!(
        (f.row, f.column.as_deref(), f.severity),
        (1, Some("备注"), Severity::Warning)
    );
    assert_eq!(f.message, "不是花名册的列，已忽略");
    assert!(!roster.has_errors());
    assert_eq!(roster.households.len(), 1);
}

#[test]
fn missing_required_headers_are_named() {
    let headers = ["乡（镇）", "行政村", "户编号", "姓名", "民族"];
    let err = read_roster_bytes(
        csv_text(&headers, &ethnic_couple()).as_bytes(),
        "a.csv",
        &ctx(),
        &|_| {},
    )
    .expect_err("missing headers");
    assert!(
        matches!(&err, ExchangeError::MissingHeaders(m) if m == &["户类型", "证件号码", "与户主关系"]),
        "{err}"
    );
    assert_eq!(err.to_string(), "缺少必填列：户类型、证件号码、与户主关系");
}

#[test]
fn empty_files_and_unknown_formats_are_errors() {
    let empty = read_roster_bytes(b"", "a.csv", &ctx(), &|_| {}).expect_err("empty");
    assert!(matches!(empty, ExchangeError::EmptySheet));
    let header_only = csv_text(CSV_HEADERS, &[]);
    let err =
        read_roster_bytes(header_only.as_bytes(), "a.csv", &ctx(), &|_| {}).expect_err("no rows");
    assert!(matches!(err, ExchangeError::EmptySheet));
    let err = read_roster_bytes(b"%PDF-1.4", "a.pdf", &ctx(), &|_| {}).expect_err("pdf");
    assert!(matches!(err, ExchangeError::UnknownFormat(_)));
    let err = read_roster_bytes(b"not a zip", "a.xlsx", &ctx(), &|_| {}).expect_err("broken");
    assert!(matches!(err, ExchangeError::Unreadable(_)));
}

#[test]
fn the_sheet_named_huamingce_is_preferred_and_a_title_row_is_skipped() {
    let mut book = Workbook::new();
    book.add_worksheet()
        .set_name("说明")
        .expect("name")
        .write_string(0, 0, "填表说明")
        .expect("cell");
    let ws = book.add_worksheet().set_name("花名册").expect("name");
    ws.write_string(0, 0, "扶欢镇农户花名册（2025年）")
        .expect("title");
    for (c, h) in CSV_HEADERS.iter().enumerate() {
        ws.write_string(1, c as u16, *h).expect("header");
    }
    for (r, row) in ethnic_couple().iter().enumerate() {
        for (c, v) in cells_of(CSV_HEADERS, row).iter().enumerate() {
            if let V::S(t) = v {
                ws.write_string(r as u32 + 2, c as u16, t).expect("cell");
            }
        }
    }
    let roster = read(&book.save_to_buffer().expect("save"), "a.xlsx");
    assert_clean(&roster);
    assert_eq!(
        roster.households[0].rows,
        vec![3, 4],
        "rows are numbered as Excel shows them"
    );
}

#[test]
fn numbers_typed_as_numbers_are_read_exactly() {
    let rows = set_all(couple("H1"), "收入年度", &V::N(2025.0));
    let rows = set_all(rows, "工资性收入", &V::N(12345.6));
    let rows = set_all(rows, "转移性收入", &V::N(0.1 + 0.2));
    let rows = set_all(rows, "纯收入", &V::N(12345.9));
    let rows = set_all(rows, "户联系电话", &V::N(13812345678.0));
    let rows = set_all(rows, "村民小组", &V::N(3.0));
    let roster = read_rows(&rows);
    assert_clean(&roster);
    let h = &roster.households[0].household;
    assert_eq!(h.incomes[0].year, 2025);
    assert_eq!(h.incomes[0].wage_income, Yuan::from_fen(1_234_560));
    assert_eq!(h.incomes[0].transfer_income, Yuan::from_fen(30));
    assert_eq!(h.phone.as_deref(), Some("13812345678"));
    assert_eq!(h.group, Some(3));
}

#[test]
fn blank_rows_are_skipped_but_keep_row_numbers() {
    let mut cells: Vec<Vec<V>> = couple("H1").iter().map(|r| cells_of(HEADERS, r)).collect();
    cells.insert(1, vec![s("  "); 3]);
    let roster = read(&xlsx_with("Sheet1", HEADERS, &cells), "a.xlsx");
    assert_clean(&roster);
    assert_eq!(roster.member_rows, 2);
    assert_eq!(roster.households[0].rows, vec![2, 4]);
}

#[test]
fn rejected_rows_keep_cell_texts_as_excel_shows_them() {
    use rust_xlsxwriter::{ExcelDateTime, Format};
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    let headers = [
        "乡（镇）",
        "行政村",
        "户编号",
        "户类型",
        "姓名",
        "证件号码",
        "与户主关系",
        "出生日期",
        "工资性收入",
        "是否享受低保",
    ];
    for (c, h) in headers.iter().enumerate() {
        ws.write_string(0, c as u16, *h).expect("header");
    }
    let bold = Format::new().set_bold();
    let plain = Format::new();
    ws.write_string(1, 0, "外镇").expect("town");
    ws.write_string(1, 1, "青岩村").expect("village");
    ws.write_number(1, 2, 1001.0).expect("household no");
    ws.write_string(1, 3, "一般农户 ").expect("kind");
    ws.write_rich_string(1, 4, &[(&bold, "张"), (&plain, "三&<>")])
        .expect("rich name");
    ws.write_string(1, 5, id(HEAD_ID_BIRTH, 11)).expect("id");
    ws.write_string(1, 6, "户主").expect("relation");
    let date = Format::new().set_num_format("yyyy\"年\"m\"月\"d\"日\"");
    let birth = ExcelDateTime::from_ymd(1980, 1, 1).expect("date");
    ws.write_datetime_with_format(1, 7, &birth, &date)
        .expect("birth");
    ws.write_number(1, 8, 12345.599999999999).expect("wage");
    ws.write_boolean(1, 9, false).expect("dibao");
    let roster = read(&book.save_to_buffer().expect("save"), "a.xlsx");
    assert_error(
        &roster,
        2,
        "乡（镇）",
        "乡（镇）“外镇”不是本系统的乡镇（扶欢镇）",
    );
    let (row, cells) = &roster.rejected[0].rows[0];
    assert_eq!(*row, 2);
    let expected = [
        "外镇",
        "青岩村",
        "1001",
        "一般农户",
        "张三&<>",
        &id(HEAD_ID_BIRTH, 11),
        "户主",
        "1980-01-01",
        "12345.6",
        "否",
    ];
    assert_eq!(cells, &expected.map(str::to_string));
    assert_eq!(roster.rejected[0].household_no.as_deref(), Some("1001"));
}
