//! Department feed files (SCREENING.md "Feeds"): every kind from CSV (UTF-8 and GBK) and xlsx,
//! English headers, ID upgrades, each malformed case, the content hash, the CSV writer.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use time::Date;
use time::macros::date;
use zhenxing_domain::CodeEnum;
use zhenxing_domain::Yuan;
use zhenxing_domain::feed::{
    AssistanceProgram, DisabilityChange, EmploymentStatus, FeedKind, FeedRecord, Hazard,
    HouseRating, HouseholdRef, PoliceEvent, SchoolStage, SchoolStatus, VisitType,
};
use zhenxing_domain::household::DisabilityGrade;
use zhenxing_exchange::{
    ExchangeError, FeedFile, Severity, feed_columns, read_feed, read_feed_bytes, write_feed_csv,
    write_feed_error_workbook_bytes,
};

use crate::fixtures::{V, id, s, xlsx_with};

const TODAY: Date = date!(2026 - 06 - 01);

fn person() -> String {
    id("19800101", 11)
}

fn other() -> String {
    id("19820202", 22)
}

fn y(text: &str) -> Yuan {
    Yuan::parse(text).expect("amount")
}

fn csv_text(headers: &[&str], rows: &[&[&str]]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(headers).expect("header");
    for r in rows {
        w.write_record(*r).expect("row");
    }
    String::from_utf8(w.into_inner().expect("flush")).expect("utf-8")
}

fn gbk(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable);
    bytes.into_owned()
}

fn read(kind: FeedKind, bytes: &[u8], name: &str) -> FeedFile {
    read_feed_bytes(kind, bytes, name, TODAY).expect("readable feed")
}

fn read_csv(kind: FeedKind, headers: &[&str], rows: &[&[&str]]) -> FeedFile {
    read(kind, csv_text(headers, rows).as_bytes(), "feed.csv")
}

fn assert_clean(f: &FeedFile) {
    assert!(f.findings.is_empty(), "{:#?}", f.findings);
    assert_eq!(f.rows_malformed, 0);
}

/// The file has exactly one malformed row, `row`, with a finding in `column` containing `message`.
fn assert_rejected(f: &FeedFile, row: usize, column: &str, message: &str) {
    assert_eq!(f.rows_malformed, 1, "{:#?}", f.findings);
    assert!(f.records.iter().all(|(r, _)| *r != row));
    let hit = f.findings.iter().any(|x| {
        x.row == row
            && x.severity == Severity::Error
            && x.column.as_deref() == Some(column)
            && x.message.contains(message)
    });
    assert!(
        hit,
        "no finding row {row} 【{column}】 {message}: {:#?}",
        f.findings
    );
    assert_eq!(f.rejected.len(), 1);
    assert_eq!(f.rejected[0].0, row);
    assert_eq!(f.rejected[0].1.len(), f.headers.len());
}

/// One valid row per kind, with its Chinese headers and the record it must give.
fn samples() -> Vec<(FeedKind, Vec<&'static str>, Vec<String>, FeedRecord)> {
    let p = person();
    vec![
        (
            FeedKind::Medical,
            vec![
                "证件号码",
                "结算日期",
                "就诊类型",
                "总费用",
                "基本医保支付",
                "大病保险支付",
                "医疗救助支付",
                "个人自付",
                "合规自付",
            ],
            [
                &p,
                "2026-03-15",
                "住院",
                "12,000.50",
                "7000",
                "1000",
                "500",
                "3500.50",
                "2800",
            ]
            .map(String::from)
            .to_vec(),
            FeedRecord::Medical {
                person: p.clone(),
                date: date!(2026 - 03 - 15),
                visit_type: VisitType::Inpatient,
                total: y("12000.50"),
                basic_paid: y("7000"),
                critical_paid: y("1000"),
                assistance_paid: y("500"),
                out_of_pocket: y("3500.50"),
                eligible_out_of_pocket: y("2800"),
            },
        ),
        (
            FeedKind::Disability,
            vec!["证件号码", "残疾类别", "残疾等级", "变更类型", "变更日期"],
            [&p, "肢体残疾", "二级", "新增", "2026/03/02"]
                .map(String::from)
                .to_vec(),
            FeedRecord::Disability {
                person: p.clone(),
                category: "肢体残疾".into(),
                grade: Some(DisabilityGrade::Two),
                change: DisabilityChange::New,
                date: date!(2026 - 03 - 02),
            },
        ),
        (
            FeedKind::Education,
            vec!["证件号码", "学段", "在校状态", "学年自付费用", "日期"],
            [&p, "初中", "疑似辍学", "", "20260310"]
                .map(String::from)
                .to_vec(),
            FeedRecord::Education {
                person: p.clone(),
                stage: SchoolStage::JuniorHigh,
                status: SchoolStatus::SuspectedDropout,
                fees: Yuan::ZERO,
                date: date!(2026 - 03 - 10),
            },
        ),
        (
            FeedKind::Housing,
            vec!["户编号", "鉴定等级", "鉴定日期"],
            ["5001101202040001", "C级", "2026-03-20"]
                .map(String::from)
                .to_vec(),
            FeedRecord::Housing {
                household: HouseholdRef::Number("5001101202040001".into()),
                rating: HouseRating::C,
                date: date!(2026 - 03 - 20),
            },
        ),
        (
            FeedKind::Police,
            vec!["证件号码", "事件类型", "事件日期", "原因"],
            [&p, "伤残", "2026-03-05", "交通事故"]
                .map(String::from)
                .to_vec(),
            FeedRecord::Police {
                person: p.clone(),
                event: PoliceEvent::Disability,
                date: date!(2026 - 03 - 05),
                cause: "交通事故".into(),
            },
        ),
        (
            FeedKind::Civil,
            vec!["证件号码", "救助类型", "开始日期", "金额"],
            [&p, "临时救助", "2026-03-01", "2000"]
                .map(String::from)
                .to_vec(),
            FeedRecord::Civil {
                person: p.clone(),
                program: AssistanceProgram::Temporary,
                date: date!(2026 - 03 - 01),
                amount: y("2000"),
            },
        ),
        (
            FeedKind::Disaster,
            vec!["户主证件号码", "灾害类型", "损失金额", "日期"],
            [&p, "洪涝", "15000", "2026-03-08"]
                .map(String::from)
                .to_vec(),
            FeedRecord::Disaster {
                household: HouseholdRef::Person(p.clone()),
                hazard: Hazard::Flood,
                loss: y("15000"),
                date: date!(2026 - 03 - 08),
            },
        ),
        (
            FeedKind::Employment,
            vec!["证件号码", "就业状态", "月工资", "日期"],
            [&p, "失业", "", "2026-03-31"].map(String::from).to_vec(),
            FeedRecord::Employment {
                person: p.clone(),
                status: EmploymentStatus::Unemployed,
                wage: Yuan::ZERO,
                date: date!(2026 - 03 - 31),
            },
        ),
        (
            FeedKind::Water,
            vec!["户编号", "断水天数", "日期"],
            ["5001101202040001", "45", "2026-03-31"]
                .map(String::from)
                .to_vec(),
            FeedRecord::Water {
                household_no: "5001101202040001".into(),
                days: 45,
                date: date!(2026 - 03 - 31),
            },
        ),
    ]
}

#[test]
fn every_kind_is_read_from_utf8_and_gbk_csv() {
    for (kind, headers, cells, expected) in samples() {
        let row: Vec<&str> = cells.iter().map(String::as_str).collect();
        let text = csv_text(&headers, &[&row]);
        let with_bom = [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat();
        for (bytes, name) in [
            (text.as_bytes().to_vec(), "utf8.csv"),
            (with_bom, "bom.csv"),
            (gbk(&text), "gbk.csv"),
        ] {
            let f = read(kind, &bytes, name);
            assert_clean(&f);
            assert_eq!(f.kind, kind);
            assert_eq!(f.rows_total, 1);
            assert_eq!(f.records, vec![(2, expected.clone())], "{kind:?} {name}");
        }
    }
}

#[test]
fn medical_and_housing_are_read_from_xlsx_with_date_and_number_cells() {
    let p = person();
    let headers = [
        "证件号码",
        "结算日期",
        "就诊类型",
        "总费用",
        "基本医保支付",
        "大病保险支付",
        "医疗救助支付",
        "个人自付",
        "合规自付",
    ];
    let rows = vec![
        vec![
            s(&p),
            V::D(2026, 3, 15),
            s("门特"),
            V::N(1234.56),
            V::N(800.0),
            V::N(0.0),
            s(""),
            V::N(434.56),
            s(""),
        ],
        // An unformatted date serial (45366 = 2024-03-15) and a text date.
        vec![
            s(&p),
            V::N(45366.0),
            s("门诊"),
            s("100"),
            s("50"),
            s("0"),
            s("0"),
            s("50"),
            s("40"),
        ],
    ];
    let f = read(
        FeedKind::Medical,
        &xlsx_with("Sheet1", &headers, &rows),
        "medical.xlsx",
    );
    assert_clean(&f);
    assert_eq!(f.records.len(), 2);
    assert_eq!(
        f.records[0],
        (
            2,
            FeedRecord::Medical {
                person: p.clone(),
                date: date!(2026 - 03 - 15),
                visit_type: VisitType::SpecialOutpatient,
                total: y("1234.56"),
                basic_paid: y("800"),
                critical_paid: Yuan::ZERO,
                assistance_paid: Yuan::ZERO,
                out_of_pocket: y("434.56"),
                eligible_out_of_pocket: y("434.56"),
            }
        )
    );
    assert_eq!(f.records[1].1.date(), date!(2024 - 03 - 15));

    let headers = ["户编号", "户主证件号码", "鉴定等级", "鉴定日期"];
    let rows = vec![
        // Both filled: the 户编号 wins.
        vec![s("5001101202040001"), s(&p), s("D"), V::D(2026, 3, 1)],
        vec![s(""), s(&other()), s("B级"), s("2026-03-02")],
        vec![s(""), s(""), s("A"), s("2026-03-03")],
    ];
    let f = read(
        FeedKind::Housing,
        &xlsx_with("鉴定", &headers, &rows),
        "housing.xlsx",
    );
    assert_eq!(
        f.records,
        vec![
            (
                2,
                FeedRecord::Housing {
                    household: HouseholdRef::Number("5001101202040001".into()),
                    rating: HouseRating::D,
                    date: date!(2026 - 03 - 01),
                }
            ),
            (
                3,
                FeedRecord::Housing {
                    household: HouseholdRef::Person(other()),
                    rating: HouseRating::B,
                    date: date!(2026 - 03 - 02),
                }
            ),
        ]
    );
    assert_rejected(&f, 4, "户编号", "户编号和户主证件号码不能都为空");
}

#[test]
fn an_id_in_a_number_cell_is_a_finding() {
    let headers = ["证件号码", "就业状态", "月工资", "日期"];
    let rows = vec![vec![
        V::N(500110198001010000.0),
        s("就业"),
        s("3000"),
        s("2026-03-01"),
    ]];
    let f = read(
        FeedKind::Employment,
        &xlsx_with("Sheet1", &headers, &rows),
        "e.xlsx",
    );
    assert_rejected(&f, 2, "证件号码", "应以文本格式填写");
    // Excel keeps 15 digits of a number: a 16-digit 户编号 in a number cell has lost its last one.
    let headers = ["户编号", "断水天数", "日期"];
    let rows = vec![
        vec![V::N(5001101202040001.0), V::N(40.0), s("2026-03-01")],
        vec![V::N(123456.0), V::N(40.0), s("2026-03-01")],
    ];
    let f = read(
        FeedKind::Water,
        &xlsx_with("Sheet1", &headers, &rows),
        "w.xlsx",
    );
    assert_rejected(&f, 2, "户编号", "应以文本格式填写");
    assert_eq!(
        f.records[0].1.subject(),
        HouseholdRef::Number("123456".into())
    );
}

#[test]
fn english_headers_in_any_order_are_accepted() {
    let p = person();
    let f = read_csv(
        FeedKind::Medical,
        &[
            "out_of_pocket",
            "TOTAL",
            "visit_type",
            "basic_paid",
            "critical_paid",
            "assistance_paid",
            "settle_date",
            "id_number",
        ],
        &[&[
            "300",
            "1000",
            "outpatient",
            "700",
            "0",
            "0",
            "2026-03-01",
            &p,
        ]],
    );
    assert_clean(&f);
    assert_eq!(
        f.records[0].1,
        FeedRecord::Medical {
            person: p.clone(),
            date: date!(2026 - 03 - 01),
            visit_type: VisitType::Outpatient,
            total: y("1000"),
            basic_paid: y("700"),
            critical_paid: Yuan::ZERO,
            assistance_paid: Yuan::ZERO,
            out_of_pocket: y("300"),
            eligible_out_of_pocket: y("300"),
        }
    );
    let f = read_csv(
        FeedKind::Water,
        &["date", "days", "household_no"],
        &[&["2026/3/9", "3天", "H1"]],
    );
    assert_clean(&f);
    assert_eq!(
        f.records[0].1,
        FeedRecord::Water {
            household_no: "H1".into(),
            days: 3,
            date: date!(2026 - 03 - 09),
        }
    );
    let f = read_csv(
        FeedKind::Disaster,
        &["date", "loss", "hazard", "household_no", "head_id_number"],
        &[&["2026-03-09", "500", "earthquake", "", &p]],
    );
    assert_clean(&f);
    assert_eq!(f.records[0].1.subject(), HouseholdRef::Person(p));
}

#[test]
fn fifteen_digit_and_disability_numbers_become_the_same_resident_id() {
    let p = person();
    // 500110 800101 011: born 1980-01-01, upgraded by inserting 19 and a check character.
    let fifteen = "500110800101011";
    let f = read_csv(
        FeedKind::Disability,
        &["证件号码", "残疾类别", "残疾等级", "变更类型", "变更日期"],
        &[
            &[fifteen, "视力残疾", "一级", "等级变更", "2026-03-01"],
            &[&format!("{p}12"), "视力残疾", "2级", "新增", "2026-03-01"],
            &[&p, "", "", "注销", "2026-03-01"],
        ],
    );
    assert_clean(&f);
    let people: Vec<HouseholdRef> = f.records.iter().map(|(_, r)| r.subject()).collect();
    assert_eq!(people, vec![HouseholdRef::Person(p.clone()); 3]);
    assert!(matches!(
        f.records[2].1,
        FeedRecord::Disability { grade: None, .. }
    ));
}

#[test]
fn a_title_row_and_unknown_columns_are_skipped_with_warnings() {
    let p = person();
    let text = format!(
        "2026年3月失业登记\n证件号码,就业状态,月工资,日期,备注\n{p},就业,4500,2026-03-01,外出\n"
    );
    let f = read(FeedKind::Employment, text.as_bytes(), "e.csv");
    assert_eq!(f.records.len(), 1);
    assert_eq!(f.records[0].0, 3);
    assert_eq!(f.rows_malformed, 0);
    assert_eq!(f.findings.len(), 1);
    let w = &f.findings[0];
    assert_eq!(w.severity, Severity::Warning);
    assert_eq!((w.row, w.column.as_deref()), (2, Some("备注")));
    assert!(!f.has_errors());
}

#[test]
fn a_header_only_file_has_no_records_and_an_empty_file_is_an_error() {
    let f = read_csv(FeedKind::Water, &["户编号", "断水天数", "日期"], &[]);
    assert_eq!((f.rows_total, f.records.len()), (0, 0));
    assert!(matches!(
        read_feed_bytes(FeedKind::Water, b"", "w.csv", TODAY),
        Err(ExchangeError::EmptySheet)
    ));
    assert!(matches!(
        read_feed_bytes(FeedKind::Water, b"x", "w.pdf", TODAY),
        Err(ExchangeError::UnknownFormat(_))
    ));
}

#[test]
fn a_missing_required_column_is_an_error_naming_it() {
    let p = person();
    let err = read_feed_bytes(
        FeedKind::Medical,
        csv_text(
            &[
                "证件号码",
                "就诊类型",
                "总费用",
                "基本医保支付",
                "大病保险支付",
                "医疗救助支付",
            ],
            &[&[&p, "住院", "100", "100", "0", "0"]],
        )
        .as_bytes(),
        "m.csv",
        TODAY,
    )
    .expect_err("missing columns");
    match &err {
        ExchangeError::MissingHeaders(h) => assert_eq!(h, &["结算日期", "个人自付"]),
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("结算日期"), "{err}");
    let err = read_feed_bytes(
        FeedKind::Housing,
        csv_text(&["鉴定等级", "鉴定日期"], &[&["A", "2026-03-01"]]).as_bytes(),
        "h.csv",
        TODAY,
    )
    .expect_err("no household column");
    assert!(err.to_string().contains("户编号或户主证件号码"), "{err}");
    // A file of another kind: the error names what this kind needs.
    let err = read_feed_bytes(
        FeedKind::Water,
        csv_text(&["证件号码", "事件类型"], &[&[&p, "死亡"]]).as_bytes(),
        "w.csv",
        TODAY,
    )
    .expect_err("wrong kind");
    assert!(err.to_string().contains("户编号、断水天数、日期"), "{err}");
}

const MEDICAL: &[&str] = &[
    "证件号码",
    "结算日期",
    "就诊类型",
    "总费用",
    "基本医保支付",
    "大病保险支付",
    "医疗救助支付",
    "个人自付",
    "合规自付",
];

/// A medical file of a good row (row 2) and a row with the given cells (row 3).
fn medical_with(changes: &[(usize, &str)]) -> FeedFile {
    let p = person();
    let good = [
        p.as_str(),
        "2026-03-15",
        "住院",
        "1000",
        "600",
        "100",
        "0",
        "300",
        "200",
    ];
    let mut bad = good;
    for (i, v) in changes {
        bad[*i] = v;
    }
    let f = read_csv(FeedKind::Medical, MEDICAL, &[&good, &bad]);
    assert_eq!(f.rows_total, 2);
    f
}

#[test]
fn malformed_cells_reject_their_row_only() {
    let f = medical_with(&[(0, "500110198001010110")]);
    assert_rejected(&f, 3, "证件号码", "身份证号码校验位错误");
    assert_eq!(f.records.len(), 1);
    assert_eq!(f.records[0].0, 2);
    assert_rejected(&medical_with(&[(0, "")]), 3, "证件号码", "证件号码为空");
    assert_rejected(
        &medical_with(&[(1, "2026-02-30")]),
        3,
        "结算日期",
        "“2026-02-30”无效",
    );
    assert_rejected(&medical_with(&[(1, "15/03/2026")]), 3, "结算日期", "无效");
    assert_rejected(&medical_with(&[(1, "")]), 3, "结算日期", "结算日期不能为空");
    assert_rejected(
        &medical_with(&[(3, "1000.001"), (7, "300.001")]),
        3,
        "总费用",
        "不是有效金额",
    );
    assert_rejected(
        &medical_with(&[(4, "六百")]),
        3,
        "基本医保支付",
        "不是有效金额",
    );
    assert_rejected(
        &medical_with(&[(3, "-1000"), (4, "-1600")]),
        3,
        "总费用",
        "不能为负数",
    );
    assert_rejected(&medical_with(&[(7, "")]), 3, "个人自付", "个人自付不能为空");
    assert_rejected(
        &medical_with(&[(2, "急诊")]),
        3,
        "就诊类型",
        "“急诊”无效：就诊类型应为 住院、门诊、门特 之一",
    );
    // Two bad cells: both are named.
    let f = medical_with(&[(0, "123"), (2, "急诊")]);
    assert_eq!(f.rows_malformed, 1);
    assert_eq!(
        f.findings
            .iter()
            .filter(|x| x.row == 3 && x.severity == Severity::Error)
            .count(),
        2
    );
}

#[test]
fn medical_rows_must_add_up_within_one_yuan() {
    // Parts 600 + 100 + 0 + 300 = 1000.
    let f = medical_with(&[(3, "1001")]);
    assert_clean(&f);
    assert_eq!(f.records.len(), 2);
    assert_clean(&medical_with(&[(3, "999.00")]));
    assert_rejected(&medical_with(&[(3, "1001.01")]), 3, "总费用", "相差超过1元");
    assert_rejected(&medical_with(&[(3, "998.99")]), 3, "总费用", "相差超过1元");
    assert_rejected(
        &medical_with(&[(8, "300.01")]),
        3,
        "合规自付",
        "合规自付 300.01 元 不能大于个人自付 300.00 元",
    );
    // Blank 合规自付 is the 个人自付.
    let f = medical_with(&[(8, "")]);
    assert_clean(&f);
    assert!(matches!(
        f.records[1].1,
        FeedRecord::Medical { eligible_out_of_pocket, out_of_pocket, .. }
            if eligible_out_of_pocket == out_of_pocket
    ));
}

#[test]
fn kind_specific_rules() {
    let p = person();
    let dis = ["证件号码", "残疾类别", "残疾等级", "变更类型", "变更日期"];
    let f = read_csv(
        FeedKind::Disability,
        &dis,
        &[&[&p, "肢体残疾", "", "新增", "2026-03-01"]],
    );
    assert_rejected(&f, 2, "残疾等级", "仅注销可不填");
    let f = read_csv(
        FeedKind::Disability,
        &dis,
        &[&[&p, "肢体残疾", "五级", "新增", "2026-03-01"]],
    );
    assert_rejected(
        &f,
        2,
        "残疾等级",
        "残疾等级应为 一级、二级、三级、四级 之一",
    );
    let f = read_csv(
        FeedKind::Disability,
        &dis,
        &[&[&p, "肢体残疾", "一级", "变更", "2026-03-01"]],
    );
    assert_rejected(&f, 2, "变更类型", "变更类型应为 新增、等级变更、注销 之一");

    let water = ["户编号", "断水天数", "日期"];
    for bad in ["-3", "2.5", "很多", "99999999999"] {
        let f = read_csv(FeedKind::Water, &water, &[&["H1", bad, "2026-03-01"]]);
        assert_rejected(&f, 2, "断水天数", "应为不小于0的整数");
    }
    let f = read_csv(FeedKind::Water, &water, &[&["", "3", "2026-03-01"]]);
    assert_rejected(&f, 2, "户编号", "户编号不能为空");
    let f = read_csv(FeedKind::Water, &water, &[&["H1", "0", "2026-03-01"]]);
    assert_clean(&f);

    let f = read_csv(
        FeedKind::Disaster,
        &["户编号", "灾害类型", "损失金额", "日期"],
        &[&["H1", "台风", "100", "2026-03-01"]],
    );
    assert_rejected(
        &f,
        2,
        "灾害类型",
        "灾害类型应为 洪涝、地质、旱灾、生物、气象、地震、其他 之一",
    );
    assert_eq!(f.findings[0].household_no.as_deref(), Some("H1"));
    let f = read_csv(
        FeedKind::Civil,
        &["证件号码", "救助类型", "开始日期", "金额"],
        &[&[&p, "低保", "2026-03-01", "-1"]],
    );
    assert_rejected(&f, 2, "金额", "金额不能为负数");
    let f = read_csv(
        FeedKind::Housing,
        &["户主证件号码", "鉴定等级", "鉴定日期"],
        &[&["12345", "C", "2026-03-01"]],
    );
    assert_rejected(&f, 2, "户主证件号码", "证件号码长度应为18位");
}

#[test]
fn the_content_hash_is_stable_and_changes_with_any_byte() {
    let (kind, headers, cells, _) = samples().swap_remove(0);
    let row: Vec<&str> = cells.iter().map(String::as_str).collect();
    let bytes = csv_text(&headers, &[&row]).into_bytes();
    let a = read(kind, &bytes, "a.csv").content_hash;
    let b = read(kind, &bytes, "b.csv").content_hash;
    assert_eq!(a, b);
    assert_eq!(a.len(), 64);
    assert!(
        a.bytes()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
    );
    let mut changed = bytes.clone();
    let last = changed.len() - 2;
    changed[last] = b'1';
    let c = read(kind, &changed, "a.csv").content_hash;
    assert_ne!(a, c);

    // From a path, the same hash as from the bytes.
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("m.csv");
    std::fs::write(&path, &bytes).expect("write");
    let f = read_feed(kind, &path, TODAY).expect("read from path");
    assert_eq!(f.content_hash, a);
    assert_eq!(f.records.len(), 1);
}

#[test]
fn written_csv_reads_back_for_every_kind() {
    for (kind, _, _, record) in samples() {
        let mut records = vec![record.clone(); 3];
        if let FeedRecord::Housing { household, .. } | FeedRecord::Disaster { household, .. } =
            &mut records[1]
        {
            *household = match household {
                HouseholdRef::Number(_) => HouseholdRef::Person(person()),
                HouseholdRef::Person(_) => HouseholdRef::Number("H9".into()),
            };
        }
        let mut out = Vec::new();
        write_feed_csv(kind, &records, &mut out).expect("write");
        let f = read(kind, &out, "w.csv");
        assert_clean(&f);
        let back: Vec<FeedRecord> = f.records.into_iter().map(|(_, r)| r).collect();
        assert_eq!(back, records, "{kind:?}");
        let text = String::from_utf8(out).expect("utf-8");
        let header_line = text
            .trim_start_matches('\u{feff}')
            .lines()
            .next()
            .expect("header");
        let expected: Vec<&str> = feed_columns(kind).iter().map(|c| c.header).collect();
        assert_eq!(header_line, expected.join(","));
    }
    let (_, _, _, medical) = samples().swap_remove(0);
    assert!(write_feed_csv(FeedKind::Water, [&medical], Vec::new()).is_err());
}

#[test]
fn the_error_workbook_lists_malformed_rows_with_reasons() {
    let f = medical_with(&[(2, "急诊"), (3, "x")]);
    let bytes = write_feed_error_workbook_bytes(&f).expect("workbook");
    let mut book = Xlsx::new(Cursor::new(bytes)).expect("xlsx");
    let range = book.worksheet_range("错误行").expect("sheet");
    let rows: Vec<Vec<Data>> = range.rows().map(<[Data]>::to_vec).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].last(), Some(&Data::String("错误说明".into())));
    assert_eq!(rows[1][2], Data::String("急诊".into()));
    let Some(Data::String(why)) = rows[1].last() else {
        panic!("{:?}", rows[1]);
    };
    assert!(
        why.contains("就诊类型应为") && why.contains("不是有效金额"),
        "{why}"
    );
}

#[test]
fn no_input_makes_the_reader_panic() {
    let (_, headers, cells, _) = samples().swap_remove(0);
    let row: Vec<&str> = cells.iter().map(String::as_str).collect();
    let csv = csv_text(&headers, &[&row, &row]).into_bytes();
    let xlsx = xlsx_with(
        "Sheet1",
        &headers,
        &[row.iter().map(|c| s(c)).collect::<Vec<V>>()],
    );
    // A small deterministic generator: byte flips, truncations and insertions everywhere.
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for (base, name) in [(&csv, "f.csv"), (&xlsx, "f.xlsx")] {
        for i in 0..400 {
            let mut b = base.clone();
            let at = (next() as usize) % b.len();
            match i % 3 {
                0 => b[at] = next() as u8,
                1 => b.truncate(at),
                _ => b.insert(at, [b',', b'"', b'\n', 0xFF, b'-'][(next() % 5) as usize]),
            }
            for k in FeedKind::ALL {
                let _ = read_feed_bytes(*k, &b, name, TODAY);
            }
        }
    }
    for k in FeedKind::ALL {
        let junk = "证件号码,结算日期,就诊类型,总费用,个人自付\n,,,,\n\"\n-0,--,99999999999999999999,1e400,\u{0}";
        let _ = read_feed_bytes(*k, junk.as_bytes(), "j.csv", TODAY);
    }
}

#[test]
fn code_labels_english_codes_and_aliases_are_accepted() {
    let p = person();
    let f = read_csv(
        FeedKind::Education,
        &["证件号码", "学段", "在校状态", "学年自付费用", "日期"],
        &[
            &[&p, "undergraduate", "在校", "12000", "2026-03-01"],
            &[&p, "高职高专", "graduated", "0", "2026-03-01"],
        ],
    );
    assert_clean(&f);
    assert!(matches!(
        f.records[0].1,
        FeedRecord::Education {
            stage: SchoolStage::Undergraduate,
            ..
        }
    ));
    let f = read_csv(
        FeedKind::Medical,
        MEDICAL,
        &[&[
            &p,
            "2026-03-01",
            "门诊特殊疾病",
            "10",
            "5",
            "0",
            "0",
            "5",
            "",
        ]],
    );
    assert_clean(&f);
    assert!(matches!(
        f.records[0].1,
        FeedRecord::Medical {
            visit_type: VisitType::SpecialOutpatient,
            ..
        }
    ));
    assert_eq!(VisitType::parse_label("住院"), Some(VisitType::Inpatient));
}
