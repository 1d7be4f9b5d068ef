//! Parse throughput of the roster reader: writes N synthetic members (default 200,000) as xlsx and csv
//! into a temporary directory, then times `read_roster` on each.
//!
//! `cargo run --release -p zhenxing-exchange --example throughput -- 1000000 [dir] [xlsx|csv]`: with a directory the
//! files are kept there and reused by the next run (to profile the reader alone).

use std::time::Instant;

use calamine::{DataRef, Xlsx};
use time::Duration;
use time::macros::date;
use zhenxing_domain::household::{
    Education, Health, HouseholdKind, Labour, MonitoringCategory, Relation, Sex,
};
use zhenxing_domain::id_number::check_character;
use zhenxing_domain::{DivisionCode, Household, IdNumber, IncomeRecord, Member, Yuan};
use zhenxing_exchange::{ExportHousehold, RosterContext, read_roster, write_roster_xlsx};

const RELATIONS: [Relation; 4] = [
    Relation::Head,
    Relation::Spouse,
    Relation::Son,
    Relation::Mother,
];

fn member(
    k: usize,
    relation: Relation,
    today: time::Date,
) -> Result<Member, Box<dyn std::error::Error>> {
    let birth = date!(1940 - 01 - 01) + Duration::days(i64::try_from(k / 900)?);
    let first17 = format!(
        "500110{:04}{:02}{:02}{:03}",
        birth.year(),
        birth.month() as u8,
        birth.day(),
        k % 900 + 100
    );
    let check = check_character(&first17).ok_or("17 digits")?;
    let id_number = IdNumber::parse(&format!("{first17}{check}"), today)?;
    Ok(Member {
        name: format!("成员{k}"),
        sex: if id_number.is_male() {
            Sex::Male
        } else {
            Sex::Female
        },
        birth_date: id_number.birth_date(),
        id_number,
        relation,
        ethnicity: Some("汉族".to_string()),
        education: Some(Education::JuniorHigh),
        schooling: None,
        health: Some(Health::Healthy),
        disability_grade: None,
        labour: Some(Labour::Ordinary),
        work_months: Some(u8::try_from(k % 13)?),
        medical_insured: Some(true),
        pension_insured: Some(true),
        dibao: None,
        tekun: None,
        phone: None,
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let members: usize = std::env::args().nth(1).map_or(Ok(200_000), |a| a.parse())?;
    let kept = std::env::args().nth(2).map(std::path::PathBuf::from);
    let today = date!(2026 - 06 - 01);
    let village = DivisionCode::parse("500110120201")?;
    let dir = kept.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("zhenxing-throughput-{}", std::process::id()))
    });
    let xlsx = dir.join("roster.xlsx");
    let csv_path = dir.join("roster.csv");
    if !(xlsx.exists() && csv_path.exists()) {
        std::fs::create_dir_all(&dir)?;
        generate(members, &village, today, &xlsx, &csv_path)?;
    }
    let ctx = RosterContext {
        township: "扶欢镇".to_string(),
        villages: vec![("青岩村".to_string(), village)],
        today,
    };
    let only = std::env::args().nth(3);
    for path in [&xlsx, &csv_path] {
        if only
            .as_deref()
            .is_some_and(|o| !path.to_string_lossy().ends_with(o))
        {
            continue;
        }
        let started = Instant::now();
        let roster = read_roster(path, &ctx, &|_| {})?;
        let secs = started.elapsed().as_secs_f64();
        println!(
            "{}: {} rows, {} households, {} findings in {secs:.2}s = {:.0} rows/s",
            path.extension().and_then(|e| e.to_str()).unwrap_or("?"),
            roster.member_rows,
            roster.households.len(),
            roster.findings.len(),
            roster.member_rows as f64 / secs
        );
    }
    if kept.is_none() {
        std::fs::remove_dir_all(&dir)?;
    }
    Ok(())
}

fn generate(
    members: usize,
    village: &DivisionCode,
    today: time::Date,
    xlsx: &std::path::Path,
    csv_path: &std::path::Path,
) -> Result<(), Box<dyn std::error::Error>> {
    let households = (0..members.div_ceil(4))
        .map(|i| {
            Ok(Household {
                household_no: format!("5001101202{i:07}"),
                village: village.clone(),
                group: Some(u16::try_from(i % 12 + 1)?),
                kind: if i % 3 == 1 {
                    HouseholdKind::Monitored
                } else {
                    HouseholdKind::Exited
                },
                monitoring_category: (i % 3 == 1).then_some(MonitoringCategory::Marginal),
                phone: Some(format!("138{i:08}")),
                house_safe: Some(true),
                water_safe: Some(true),
                farmland_centimu: Some(250),
                members: RELATIONS
                    .iter()
                    .enumerate()
                    .map(|(j, r)| member(i * 4 + j, *r, today))
                    .collect::<Result<_, _>>()?,
                incomes: vec![IncomeRecord {
                    year: 2025,
                    wage_income: Yuan::from_fen(1_234_567),
                    business_income: Yuan::from_fen(-150_050),
                    property_income: Yuan::from_fen(30_000),
                    transfer_income: Yuan::from_fen(240_025),
                    business_expense: Yuan::from_fen(100_000),
                }],
            })
        })
        .collect::<Result<Vec<_>, Box<dyn std::error::Error>>>()?;

    let started = Instant::now();
    let rows = write_roster_xlsx(
        xlsx,
        households.iter().map(|h| ExportHousehold {
            township: "扶欢镇",
            village_name: "青岩村",
            household: h,
        }),
        false,
    )?;
    println!(
        "export: {rows} rows in {:.2?} ({} bytes)",
        started.elapsed(),
        std::fs::metadata(xlsx)?.len()
    );
    drop(households);

    // The same rows as CSV, streamed through calamine's cell reader.
    {
        let mut book: Xlsx<_> = calamine::open_workbook(xlsx)?;
        let mut cells = book.worksheet_cells_reader("花名册")?;
        let mut w = csv::Writer::from_path(csv_path)?;
        let mut row: Vec<String> = Vec::new();
        let mut current = 0;
        while let Some(cell) = cells.next_cell()? {
            let (r, c) = cell.get_position();
            if r != current {
                w.write_record(&row)?;
                row.iter_mut().for_each(String::clear);
                current = r;
            }
            let c = c as usize;
            if row.len() <= c {
                row.resize(c + 1, String::new());
            }
            row[c] = match cell.get_value() {
                DataRef::Empty => String::new(),
                DataRef::Float(f) => format!("{f}"),
                DataRef::SharedString(s) => (*s).to_string(),
                DataRef::String(s) => s.clone(),
                other => format!("{other:?}"),
            };
        }
        w.write_record(&row)?;
        w.flush()?;
    }

    Ok(())
}
