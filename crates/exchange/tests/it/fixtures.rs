//! Builders for roster files and synthetic people.

use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use time::macros::date;
use zhenxing_domain::DivisionCode;
use zhenxing_domain::id_number::check_character;
use zhenxing_exchange::{Finding, Roster, RosterContext, Severity, read_roster_bytes};

/// Every header of LAYOUT.md, household columns first.
pub const HEADERS: &[&str] = &[
    "乡（镇）",
    "行政村",
    "村民小组",
    "户编号",
    "户类型",
    "监测对象类别",
    "家庭人口数",
    "户联系电话",
    "住房是否安全",
    "是否解决安全饮用水",
    "耕地面积（亩）",
    "收入年度",
    "工资性收入",
    "生产经营性收入",
    "财产性收入",
    "转移性收入",
    "生产经营性支出",
    "纯收入",
    "人均纯收入",
    "姓名",
    "证件号码",
    "与户主关系",
    "性别",
    "出生日期",
    "民族",
    "文化程度",
    "在校生状况",
    "健康状况",
    "残疾等级",
    "劳动技能",
    "务工时间（月）",
    "是否参加城乡居民基本医疗保险",
    "是否参加城乡居民基本养老保险",
    "是否享受低保",
    "是否特困供养",
    "联系电话",
];

pub const QINGYAN: &str = "500110120201";
pub const FUHUAN: &str = "500110120001";

pub fn ctx() -> RosterContext {
    RosterContext {
        township: "扶欢镇".to_string(),
        villages: vec![
            (
                "青岩村".to_string(),
                DivisionCode::parse(QINGYAN).expect("code"),
            ),
            (
                "扶欢社区".to_string(),
                DivisionCode::parse(FUHUAN).expect("code"),
            ),
        ],
        today: date!(2026 - 06 - 01),
    }
}

/// A synthetic resident ID: address 500110, `birth` as YYYYMMDD, sequence `seq` (odd = male).
pub fn id(birth: &str, seq: u32) -> String {
    let first17 = format!("500110{birth}{seq:03}");
    format!("{first17}{}", check_character(&first17).expect("17 digits"))
}

/// A cell value of a fixture.
#[derive(Debug, Clone, PartialEq)]
pub enum V {
    S(String),
    N(f64),
    /// An Excel date cell.
    D(u16, u8, u8),
}

pub fn s(text: &str) -> V {
    V::S(text.to_string())
}

/// A sheet row: header → value; headers not named are blank.
pub type Row = Vec<(&'static str, V)>;

/// A member row of household `no` in 扶欢镇 青岩村 3组, 一般农户.
pub fn row(no: &str, name: &str, id: &str, relation: &str) -> Row {
    vec![
        ("乡（镇）", s("扶欢镇")),
        ("行政村", s("青岩村")),
        ("村民小组", s("3组")),
        ("户编号", s(no)),
        ("户类型", s("一般农户")),
        ("姓名", s(name)),
        ("证件号码", s(id)),
        ("与户主关系", s(relation)),
    ]
}

pub fn set(mut r: Row, header: &'static str, value: V) -> Row {
    match r.iter_mut().find(|(h, _)| *h == header) {
        Some(cell) => cell.1 = value,
        None => r.push((header, value)),
    }
    r
}

/// Sets a household column on every row.
pub fn set_all(rows: Vec<Row>, header: &'static str, value: &V) -> Vec<Row> {
    rows.into_iter()
        .map(|r| set(r, header, value.clone()))
        .collect()
}

pub const HEAD_ID_BIRTH: &str = "19800101";
pub const SPOUSE_ID_BIRTH: &str = "19820202";

/// A valid two-person household: a male head (row 2) and a female spouse (row 3).
pub fn couple(no: &str) -> Vec<Row> {
    vec![
        row(no, "张三", &id(HEAD_ID_BIRTH, 11), "户主"),
        row(no, "李四", &id(SPOUSE_ID_BIRTH, 22), "配偶"),
    ]
}

pub fn cells_of(headers: &[&str], r: &Row) -> Vec<V> {
    headers
        .iter()
        .map(|h| {
            r.iter()
                .find(|(k, _)| k == h)
                .map_or_else(|| s(""), |(_, v)| v.clone())
        })
        .collect()
}

/// An xlsx workbook with one sheet named `sheet`: the header row, then the rows.
pub fn xlsx_with(sheet: &str, headers: &[&str], rows: &[Vec<V>]) -> Vec<u8> {
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name(sheet).expect("sheet name");
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (c, h) in headers.iter().enumerate() {
        ws.write_string(0, c as u16, *h).expect("header");
    }
    for (r, cells) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, v) in cells.iter().enumerate() {
            let c = c as u16;
            match v {
                V::S(t) if t.is_empty() => {}
                V::S(t) => {
                    ws.write_string(r, c, t).expect("string");
                }
                V::N(n) => {
                    ws.write_number(r, c, *n).expect("number");
                }
                V::D(y, m, d) => {
                    let dt = ExcelDateTime::from_ymd(*y, *m, *d).expect("date");
                    ws.write_datetime_with_format(r, c, &dt, &date)
                        .expect("date cell");
                }
            }
        }
    }
    book.save_to_buffer().expect("workbook")
}

pub fn xlsx(rows: &[Row]) -> Vec<u8> {
    let cells: Vec<Vec<V>> = rows.iter().map(|r| cells_of(HEADERS, r)).collect();
    xlsx_with("Sheet1", HEADERS, &cells)
}

/// CSV text with the given headers.
pub fn csv_text(headers: &[&str], rows: &[Row]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(headers).expect("header");
    for r in rows {
        let cells: Vec<String> = cells_of(headers, r)
            .into_iter()
            .map(|v| match v {
                V::S(t) => t,
                V::N(n) => n.to_string(),
                V::D(y, m, d) => format!("{y:04}-{m:02}-{d:02}"),
            })
            .collect();
        w.write_record(&cells).expect("row");
    }
    String::from_utf8(w.into_inner().expect("flush")).expect("utf-8")
}

pub fn read(bytes: &[u8], name: &str) -> Roster {
    read_roster_bytes(bytes, name, &ctx(), &|_| {}).expect("readable roster")
}

pub fn read_rows(rows: &[Row]) -> Roster {
    read(&xlsx(rows), "花名册.xlsx")
}

pub fn show(findings: &[Finding]) -> String {
    findings
        .iter()
        .map(Finding::describe)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The roster has an error finding exactly at (row, column) with this message.
pub fn assert_error(roster: &Roster, row: usize, column: &str, message: &str) {
    let found = roster.findings.iter().any(|f| {
        f.row == row
            && f.column.as_deref() == Some(column)
            && f.message == message
            && f.severity == Severity::Error
    });
    assert!(
        found,
        "expected 第{row}行【{column}】{message}\nfindings:\n{}",
        show(&roster.findings)
    );
    assert!(roster.has_errors());
}

pub fn assert_clean(roster: &Roster) {
    assert!(
        roster.findings.is_empty(),
        "unexpected findings:\n{}",
        show(&roster.findings)
    );
}
