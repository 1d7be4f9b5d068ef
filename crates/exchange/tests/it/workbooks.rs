//! Export, round trip, masking, error workbook and list export.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use time::Duration;
use zhenxing_domain::household::{
    DisabilityGrade, Education, Health, HouseholdKind, Labour, MonitoringCategory, Relation,
    Schooling, Sex,
};
use zhenxing_domain::id_number::mask_phone;
use zhenxing_domain::{CodeEnum, DivisionCode, Household, IdNumber, IncomeRecord, Member, Yuan};
use zhenxing_exchange::{
    Cell, ExportHousehold, read_roster, write_error_workbook, write_error_workbook_bytes,
    write_roster_xlsx, write_roster_xlsx_bytes, write_table_xlsx_bytes,
};

use crate::fixtures::*;

const RELATIONS: [Relation; 4] = [
    Relation::Head,
    Relation::Spouse,
    Relation::Son,
    Relation::Mother,
];

/// Member `k` of a synthetic population: unique valid ID (every 13th a disability-certificate number),
/// sex and birth date from it.
fn member(k: usize, relation: Relation) -> Member {
    let birth = time::macros::date!(1940 - 01 - 01) + Duration::days((k / 900) as i64);
    let seq = (k % 900 + 100) as u32;
    let text = id(
        &format!(
            "{:04}{:02}{:02}",
            birth.year(),
            birth.month() as u8,
            birth.day()
        ),
        seq,
    );
    let text = if k % 13 == 5 {
        format!("{text}42")
    } else {
        text
    };
    let id_number = IdNumber::parse(&text, ctx().today).expect("synthetic id");
    let sex = if id_number.is_male() {
        Sex::Male
    } else {
        Sex::Female
    };
    let disabled = k % 7 == 3;
    Member {
        name: format!("成员{k}"),
        birth_date: id_number.birth_date(),
        id_number,
        relation,
        sex,
        ethnicity: (!k.is_multiple_of(3)).then(|| {
            if k.is_multiple_of(2) {
                "汉族"
            } else {
                "苗族"
            }
            .to_string()
        }),
        education: Some(Education::ALL[k % Education::ALL.len()]),
        schooling: (k.is_multiple_of(4)).then_some(Schooling::JuniorHigh),
        health: Some(if disabled {
            Health::Disabled
        } else {
            Health::Healthy
        }),
        disability_grade: disabled.then_some(DisabilityGrade::Three),
        labour: Some(if k.is_multiple_of(5) {
            Labour::Lost
        } else {
            Labour::Ordinary
        }),
        work_months: (k.is_multiple_of(2)).then_some((k % 13) as u8),
        medical_insured: Some(true),
        pension_insured: Some(k.is_multiple_of(3)),
        dibao: (k.is_multiple_of(11)).then_some(true),
        tekun: None,
        phone: (k % 5 == 1).then(|| format!("139{:08}", k)),
    }
}

/// `n` synthetic households of four members, alternating villages and household kinds.
fn population(n: usize) -> Vec<Household> {
    (0..n)
        .map(|i| {
            let kind = [
                HouseholdKind::Exited,
                HouseholdKind::Monitored,
                HouseholdKind::Ordinary,
            ][i % 3];
            Household {
                household_no: format!("5001101202{:06}", i),
                village: DivisionCode::parse(if i.is_multiple_of(2) { QINGYAN } else { FUHUAN })
                    .expect("code"),
                group: Some((i % 12 + 1) as u16),
                kind,
                monitoring_category: (kind == HouseholdKind::Monitored)
                    .then_some(MonitoringCategory::Marginal),
                phone: (i.is_multiple_of(2)).then(|| format!("138{:08}", i)),
                house_safe: Some(true),
                water_safe: Some(i % 5 != 0),
                farmland_centimu: Some((i as i64 * 37) % 1000),
                members: RELATIONS
                    .iter()
                    .enumerate()
                    .map(|(j, r)| member(i * 4 + j, *r))
                    .collect(),
                incomes: if i % 4 == 3 {
                    Vec::new()
                } else {
                    vec![IncomeRecord {
                        year: 2025,
                        wage_income: Yuan::from_fen(1_234_567 + i as i64),
                        business_income: Yuan::from_fen(if i.is_multiple_of(2) {
                            -150_050
                        } else {
                            80_001
                        }),
                        property_income: Yuan::from_fen(30_000),
                        transfer_income: Yuan::from_fen(240_025),
                        business_expense: Yuan::from_fen(100_000),
                    }]
                },
            }
        })
        .collect()
}

fn village_name(h: &Household) -> &'static str {
    if h.village.as_str() == QINGYAN {
        "青岩村"
    } else {
        "扶欢社区"
    }
}

fn export_rows(hs: &[Household]) -> impl Iterator<Item = ExportHousehold<'_>> {
    hs.iter().map(|h| ExportHousehold {
        township: "扶欢镇",
        village_name: village_name(h),
        household: h,
    })
}

fn sheet_cells(bytes: &[u8], sheet: &str) -> Vec<Vec<Data>> {
    let mut book = Xlsx::new(Cursor::new(bytes)).expect("xlsx");
    let range = book.worksheet_range(sheet).expect("sheet");
    range.rows().map(<[Data]>::to_vec).collect()
}

fn text(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        Data::Empty => String::new(),
        other => other.to_string(),
    }
}

#[test]
fn export_then_import_gives_the_same_households() {
    let hs = population(30);
    let (bytes, rows) = write_roster_xlsx_bytes(export_rows(&hs), false).expect("export");
    assert_eq!(rows, 120);
    let roster = read(&bytes, "export.xlsx");
    assert_clean(&roster);
    let back: Vec<Household> = roster.households.into_iter().map(|p| p.household).collect();
    assert_eq!(back.len(), hs.len());
    for (a, b) in hs.iter().zip(&back) {
        assert_eq!(a, b, "household {}", a.household_no);
    }
    let headers: Vec<&str> = roster.headers.iter().map(String::as_str).collect();
    assert_eq!(
        headers, HEADERS,
        "export writes exactly the layout's headers"
    );
}

#[test]
fn export_to_a_path_and_read_from_it() {
    let hs = population(3);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("导出.xlsx");
    assert_eq!(
        write_roster_xlsx(&path, export_rows(&hs), false).expect("export"),
        12
    );
    let roster = read_roster(&path, &ctx(), &|_| {}).expect("read");
    assert_clean(&roster);
    assert_eq!(roster.households.len(), 3);
}

#[test]
fn only_the_latest_income_year_is_exported() {
    let mut hs = population(1);
    let mut older = hs[0].incomes[0];
    older.year = 2024;
    older.wage_income = Yuan::from_fen(1);
    hs[0].incomes.insert(0, older);
    let (bytes, _) = write_roster_xlsx_bytes(export_rows(&hs), false).expect("export");
    let roster = read(&bytes, "x.xlsx");
    assert_clean(&roster);
    assert_eq!(
        roster.households[0].household.incomes,
        vec![hs[0].incomes[1]]
    );
}

#[test]
fn masked_export_contains_no_full_id_or_phone() {
    let hs = population(10);
    let (bytes, _) = write_roster_xlsx_bytes(export_rows(&hs), true).expect("export");
    let all: String = sheet_cells(&bytes, "花名册")
        .iter()
        .flatten()
        .map(|d| text(d) + "\n")
        .collect();
    for h in &hs {
        for m in &h.members {
            let full = m.id_number.as_stored();
            assert!(!all.contains(&full), "full ID leaked");
            assert!(all.contains(&m.id_number.masked()));
            if let Some(p) = &m.phone {
                assert!(!all.contains(p.as_str()), "full phone leaked");
                assert!(all.contains(&mask_phone(p)));
            }
        }
        if let Some(p) = &h.phone {
            assert!(!all.contains(p.as_str()));
        }
    }
}

#[test]
fn ids_and_household_numbers_are_written_as_text() {
    let hs = population(1);
    let (bytes, _) = write_roster_xlsx_bytes(export_rows(&hs), false).expect("export");
    let rows = sheet_cells(&bytes, "花名册");
    let id_col = HEADERS
        .iter()
        .position(|h| *h == "证件号码")
        .expect("id column");
    let no_col = HEADERS
        .iter()
        .position(|h| *h == "户编号")
        .expect("no column");
    assert!(matches!(&rows[1][id_col], Data::String(_)));
    assert!(matches!(&rows[1][no_col], Data::String(_)));
}

#[test]
fn ten_thousand_synthetic_members_parse_without_findings() {
    let hs = population(2500);
    let (bytes, rows) = write_roster_xlsx_bytes(export_rows(&hs), false).expect("export");
    assert_eq!(rows, 10_000);
    let roster = read(&bytes, "big.xlsx");
    assert_clean(&roster);
    assert_eq!(roster.member_rows, 10_000);
    assert_eq!(roster.households.len(), 2500);
    assert_eq!(roster.id_bases().len(), 10_000);
}

fn rejected_roster() -> zhenxing_exchange::Roster {
    let good = id(HEAD_ID_BIRTH, 11);
    let expected = good.chars().last().expect("check");
    let wrong = format!("{}{}", &good[..17], if expected == '0' { '1' } else { '0' });
    let mut rows = couple("BAD");
    rows[0] = set(rows[0].clone(), "证件号码", s(&wrong));
    rows[0] = set(rows[0].clone(), "务工时间（月）", s("15"));
    rows.extend(couple("GOOD").into_iter().map(|r| {
        let seq = if r.iter().any(|(_, v)| *v == s("户主")) {
            51
        } else {
            62
        };
        set(r, "证件号码", s(&id("19900909", seq)))
    }));
    rows.push(row("", "无户号", &id("19950505", 71), "户主"));
    read_rows(&rows)
}

#[test]
fn the_error_workbook_repeats_rejected_rows_with_explanations() {
    let roster = rejected_roster();
    assert_eq!(roster.households.len(), 1);
    assert_eq!(roster.rejected.len(), 2);
    let bytes = write_error_workbook_bytes(&roster).expect("error workbook");
    let mut book = Xlsx::new(Cursor::new(&bytes)).expect("xlsx");
    assert_eq!(book.sheet_names(), vec!["错误行".to_string()]);
    let rows = sheet_cells(&bytes, "错误行");
    let header: Vec<String> = rows[0].iter().map(text).collect();
    assert_eq!(header.last().map(String::as_str), Some("错误说明"));
    assert_eq!(&header[..HEADERS.len()], HEADERS);
    assert_eq!(rows.len(), 4, "header + two rows of BAD + the orphan row");
    let explain = HEADERS.len();
    let head_id = id(HEAD_ID_BIRTH, 11);
    let check_char = head_id.chars().last().expect("check");
    assert_eq!(
        text(&rows[1][explain]),
        format!(
            "身份证号码校验位错误，应为 {check_char}；务工时间“15”无效：应为0到12之间的整数（月）"
        )
    );
    assert_eq!(text(&rows[1][19]), "张三");
    assert_eq!(text(&rows[2][explain]), "本户其他行有错误，整户未导入");
    assert_eq!(text(&rows[3][explain]), "户编号不能为空");
    assert_eq!(text(&rows[3][19]), "无户号");

    let styles = book.worksheet_style("错误行").expect("styles");
    let id_col = HEADERS
        .iter()
        .position(|h| *h == "证件号码")
        .expect("id column") as u32;
    let fill = |r: u32, c: u32| {
        styles
            .get((r, c))
            .and_then(|s| s.fill.as_ref())
            .and_then(|f| f.get_color())
    };
    let red = fill(1, id_col).expect("bad cell is filled");
    assert_eq!(red.to_argb() & 0xFF_FFFF, 0xFFC7CE);
    assert_eq!(fill(1, 0), None, "good cells are not filled");
    assert_eq!(fill(2, id_col), None);
}

#[test]
fn the_error_workbook_can_be_written_to_a_path() {
    let roster = rejected_roster();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("错误.xlsx");
    write_error_workbook(&path, &roster).expect("write");
    let bytes = std::fs::read(&path).expect("read back");
    assert_eq!(sheet_cells(&bytes, "错误行").len(), 4);
}

#[test]
fn list_exports_write_text_integers_and_money() {
    let rows = vec![
        vec![
            Cell::Text("青岩村".into()),
            Cell::Int(42),
            Cell::Money(Yuan::from_fen(123_456)),
            Cell::Empty,
        ],
        vec![
            Cell::Text("扶欢社区".into()),
            Cell::Int(7),
            Cell::Money(Yuan::from_fen(-5)),
            Cell::Text("备注".into()),
        ],
    ];
    let bytes = write_table_xlsx_bytes("各村户数/收入", &["村", "户数", "收入", "备注"], &rows)
        .expect("table");
    let mut book = Xlsx::new(Cursor::new(&bytes)).expect("xlsx");
    assert_eq!(book.sheet_names(), vec!["各村户数收入".to_string()]);
    let range = book.worksheet_range("各村户数收入").expect("sheet");
    let cells: Vec<Vec<Data>> = range.rows().map(<[Data]>::to_vec).collect();
    assert_eq!(text(&cells[0][2]), "收入");
    assert_eq!(cells[1][1], Data::Float(42.0));
    assert_eq!(cells[1][2], Data::Float(1234.56));
    assert_eq!(cells[1][3], Data::Empty);
    assert_eq!(cells[2][2], Data::Float(-0.05));
    assert_eq!(text(&cells[2][3]), "备注");
}
