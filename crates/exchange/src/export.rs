//! Writing workbooks: the roster in the import layout (so export → import changes nothing), and plain
//! lists for any screen.

use std::borrow::Cow;
use std::path::Path;

use rust_xlsxwriter::{Format, Workbook, Worksheet};
use zhenxing_domain::codes::CodeEnum;
use zhenxing_domain::household::{group_label, yes_no};
use zhenxing_domain::id_number::{mask_id, mask_phone};
use zhenxing_domain::{Household, IncomeRecord, Member, Yuan};

use crate::ExchangeError;
use crate::layout::{Field, SPECS};
use crate::validate::date_text;

/// One cell of an exported list.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
    /// Written as a number shown with two decimals.
    Money(Yuan),
    Empty,
}

impl Cell {
    /// Text, or an empty cell for an empty string (lists leave unknown values blank).
    pub fn text(s: impl Into<String>) -> Cell {
        let s = s.into();
        if s.is_empty() {
            Cell::Empty
        } else {
            Cell::Text(s)
        }
    }
}

/// A cell being written: like [`Cell`], but borrowing its text so that a million-row export does not
/// allocate a string per cell.
pub(crate) enum Value<'a> {
    Text(Cow<'a, str>),
    Int(i64),
    Money(Yuan),
    Empty,
}

impl Value<'_> {
    /// The cell as a clerk would type it (money as `1234.50`).
    pub(crate) fn text(&self) -> String {
        match self {
            Value::Text(s) => s.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Money(y) => y.plain(),
            Value::Empty => String::new(),
        }
    }
}

impl<'a> From<&'a Cell> for Value<'a> {
    fn from(c: &'a Cell) -> Self {
        match c {
            Cell::Text(s) => Value::Text(Cow::Borrowed(s)),
            Cell::Int(i) => Value::Int(*i),
            Cell::Money(y) => Value::Money(*y),
            Cell::Empty => Value::Empty,
        }
    }
}

/// A household to export with the names its codes stand for.
#[derive(Debug, Clone, Copy)]
pub struct ExportHousehold<'a> {
    pub township: &'a str,
    pub village_name: &'a str,
    pub household: &'a Household,
}

const MONEY_FORMAT: &str = "0.00";
const ROSTER_SHEET: &str = "花名册";

fn text<'a>(s: impl Into<Cow<'a, str>>) -> Value<'a> {
    Value::Text(s.into())
}

fn opt_text(s: Option<&str>) -> Value<'_> {
    s.map_or(Value::Empty, text)
}

fn label<T: CodeEnum>(v: Option<T>) -> Value<'static> {
    v.map_or(Value::Empty, |v| text(v.label()))
}

fn yes_no_cell(v: Option<bool>) -> Value<'static> {
    v.map_or(Value::Empty, |b| text(yes_no(b)))
}

fn latest_income(h: &Household) -> Option<&IncomeRecord> {
    h.incomes.iter().max_by_key(|r| r.year)
}

fn int(n: usize) -> Value<'static> {
    i64::try_from(n).map_or(Value::Empty, Value::Int)
}

/// The value of one layout column on the row of member `m` of household `h`.
pub(crate) fn field_cell<'a>(
    f: Field,
    township: &'a str,
    village: &'a str,
    h: &'a Household,
    m: &'a Member,
    masked: bool,
) -> Value<'a> {
    let phone = |p: Option<&'a String>| match p {
        Some(p) if masked => text(mask_phone(p)),
        p => opt_text(p.map(String::as_str)),
    };
    let income = latest_income(h);
    let part =
        |get: fn(&IncomeRecord) -> Yuan| income.map_or(Value::Empty, |r| Value::Money(get(r)));
    match f {
        Field::Town => text(township),
        Field::Village => text(village),
        Field::Group => h.group.map_or(Value::Empty, |g| text(group_label(g))),
        Field::HouseholdNo => text(h.household_no.as_str()),
        Field::Kind => text(h.kind.label()),
        Field::Category => label(h.monitoring_category),
        Field::Size => int(h.members.len()),
        Field::Phone => phone(h.phone.as_ref()),
        Field::HouseSafe => yes_no_cell(h.house_safe),
        Field::WaterSafe => yes_no_cell(h.water_safe),
        Field::Farmland => h
            .farmland_centimu
            .map_or(Value::Empty, |c| Value::Money(Yuan::from_fen(c))),
        Field::IncomeYear => income.map_or(Value::Empty, |r| Value::Int(i64::from(r.year))),
        Field::Wage => part(|r| r.wage_income),
        Field::Business => part(|r| r.business_income),
        Field::Property => part(|r| r.property_income),
        Field::Transfer => part(|r| r.transfer_income),
        Field::Expense => part(|r| r.business_expense),
        Field::Net => part(IncomeRecord::net_income),
        Field::PerCapita => income
            .and_then(|r| r.net_income_per_capita(h.members.len()))
            .map_or(Value::Empty, Value::Money),
        Field::Name => text(m.name.as_str()),
        Field::IdNumber if masked => text(mask_id(&m.id_number.as_stored())),
        Field::IdNumber => text(m.id_number.as_stored()),
        Field::Relation => text(m.relation.label()),
        Field::Sex => text(m.sex.label()),
        Field::BirthDate => text(date_text(m.birth_date)),
        Field::Ethnicity => opt_text(m.ethnicity.as_deref()),
        Field::Education => label(m.education),
        Field::Schooling => label(m.schooling),
        // Health is personal like the ID: the default (masked) export leaves it out.
        Field::Health | Field::DisabilityGrade if masked => Value::Empty,
        Field::Health => label(m.health),
        Field::DisabilityGrade => label(m.disability_grade),
        Field::Labour => label(m.labour),
        Field::WorkMonths => m
            .work_months
            .map_or(Value::Empty, |w| Value::Int(i64::from(w))),
        Field::MedicalInsured => yes_no_cell(m.medical_insured),
        Field::PensionInsured => yes_no_cell(m.pension_insured),
        Field::Dibao => yes_no_cell(m.dibao),
        Field::Tekun => yes_no_cell(m.tekun),
        Field::MemberPhone => phone(m.phone.as_ref()),
    }
}

/// Display width of a header, for column widths (CJK characters are two columns wide).
fn width_of(s: &str) -> f64 {
    let w: usize = s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum();
    f64::from(u32::try_from(w).unwrap_or(60).clamp(6, 60)) + 2.0
}

/// Writes the header row (bold, frozen) and sets widths from the headers.
fn header_row(sheet: &mut Worksheet, headers: &[&str]) -> Result<(), ExchangeError> {
    let bold = Format::new().set_bold();
    for (c, h) in headers.iter().enumerate() {
        let col = col_index(c)?;
        sheet.write_string_with_format(0, col, *h, &bold)?;
        sheet.set_column_width(col, width_of(h))?;
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

pub(crate) fn col_index(c: usize) -> Result<u16, ExchangeError> {
    u16::try_from(c).map_err(|_| ExchangeError::Write(format!("列数 {c} 超出 Excel 的限制")))
}

pub(crate) fn row_index(r: usize) -> Result<u32, ExchangeError> {
    u32::try_from(r).map_err(|_| ExchangeError::Write(format!("行数 {r} 超出 Excel 的限制")))
}

pub(crate) fn write_cell(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    cell: &Value<'_>,
    money: &Format,
) -> Result<(), ExchangeError> {
    match cell {
        Value::Text(s) if s.is_empty() => {}
        Value::Text(s) => {
            sheet.write_string(row, col, s.as_ref())?;
        }
        Value::Int(i) => {
            // Integers in a sheet are at most 15 significant digits anyway; beyond that, text.
            if i.unsigned_abs() < 1_000_000_000_000_000 {
                sheet.write_number(row, col, *i as f64)?;
            } else {
                sheet.write_string(row, col, i.to_string())?;
            }
        }
        Value::Money(y) => {
            sheet.write_number_with_format(row, col, fen_to_f64(*y), money)?;
        }
        Value::Empty => {}
    }
    Ok(())
}

/// Yuan as the nearest double (`1234.56`): both operands are exact and IEEE division rounds correctly,
/// so this is the double that `"1234.56"` parses to; the reader rounds it back to the fen exactly.
fn fen_to_f64(y: Yuan) -> f64 {
    y.fen() as f64 / 100.0
}

/// A worksheet that streams its rows to a temporary file: a million-row export stays small in memory.
pub(crate) fn streaming_sheet(book: &mut Workbook, name: &str) -> Result<Worksheet, ExchangeError> {
    let mut sheet = book.new_worksheet_with_constant_memory()?;
    sheet.set_name(name)?;
    Ok(sheet)
}

fn build_roster<'a>(
    rows: impl IntoIterator<Item = ExportHousehold<'a>>,
    masked: bool,
) -> Result<(Workbook, u64), ExchangeError> {
    let mut book = Workbook::new();
    let mut sheet = streaming_sheet(&mut book, ROSTER_SHEET)?;
    let headers: Vec<&str> = SPECS.iter().map(|s| s.header).collect();
    header_row(&mut sheet, &headers)?;
    let money = Format::new().set_num_format(MONEY_FORMAT);
    let mut r: u32 = 0;
    for e in rows {
        for m in &e.household.members {
            r = r
                .checked_add(1)
                .ok_or_else(|| ExchangeError::Write("行数超出 Excel 的限制".to_string()))?;
            for (c, spec) in SPECS.iter().enumerate() {
                let cell = field_cell(
                    spec.field,
                    e.township,
                    e.village_name,
                    e.household,
                    m,
                    masked,
                );
                write_cell(&mut sheet, r, col_index(c)?, &cell, &money)?;
            }
        }
    }
    book.push_worksheet(sheet);
    Ok((book, u64::from(r)))
}

/// Writes households in the roster layout (LAYOUT.md), one row per member, the latest income year's
/// figures on every row. `masked` hides ID numbers and phones and leaves health and disability out. Returns the number of member rows.
pub fn write_roster_xlsx<'a>(
    path: &Path,
    rows: impl IntoIterator<Item = ExportHousehold<'a>>,
    masked: bool,
) -> Result<u64, ExchangeError> {
    let (mut book, n) = build_roster(rows, masked)?;
    book.save(path)?;
    Ok(n)
}

/// [`write_roster_xlsx`] into memory, for a download: the workbook bytes and the member rows.
pub fn write_roster_xlsx_bytes<'a>(
    rows: impl IntoIterator<Item = ExportHousehold<'a>>,
    masked: bool,
) -> Result<(Vec<u8>, u64), ExchangeError> {
    let (mut book, n) = build_roster(rows, masked)?;
    Ok((book.save_to_buffer()?, n))
}

/// The roster layout as CSV (UTF-8 with BOM, LAYOUT.md headers), streamed one household at a time:
/// for files too large for a workbook (a province's roster is ten million rows). Each household's
/// latest income year is written, as in [`write_roster_xlsx`]; money as `1234.50`.
pub struct RosterCsvWriter<W: std::io::Write> {
    w: csv::Writer<W>,
    cells: Vec<String>,
    rows: u64,
}

impl<W: std::io::Write> RosterCsvWriter<W> {
    pub fn new(mut out: W) -> Result<Self, ExchangeError> {
        out.write_all(b"\xEF\xBB\xBF")?;
        let mut w = csv::Writer::from_writer(out);
        w.write_record(SPECS.iter().map(|s| s.header))
            .map_err(csv_error)?;
        Ok(RosterCsvWriter {
            w,
            cells: vec![String::new(); SPECS.len()],
            rows: 0,
        })
    }

    /// Writes one row per member of the household.
    pub fn household(
        &mut self,
        e: &ExportHousehold<'_>,
        masked: bool,
    ) -> Result<(), ExchangeError> {
        use std::fmt::Write as _;
        for m in &e.household.members {
            for (cell, spec) in self.cells.iter_mut().zip(SPECS) {
                cell.clear();
                match field_cell(
                    spec.field,
                    e.township,
                    e.village_name,
                    e.household,
                    m,
                    masked,
                ) {
                    Value::Text(s) => cell.push_str(&s),
                    Value::Int(i) => {
                        let _ = write!(cell, "{i}");
                    }
                    Value::Money(y) => cell.push_str(&y.plain()),
                    Value::Empty => {}
                }
            }
            self.w.write_record(&self.cells).map_err(csv_error)?;
            self.rows += 1;
        }
        Ok(())
    }

    /// Member rows written so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Flushes and hands back the writer.
    pub fn finish(self) -> Result<W, ExchangeError> {
        self.w
            .into_inner()
            .map_err(|e| ExchangeError::Io(e.into_error()))
    }
}

fn csv_error(e: csv::Error) -> ExchangeError {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => ExchangeError::Io(io),
        other => ExchangeError::Write(format!("{other:?}")),
    }
}

/// Excel refuses sheet names longer than 31 characters or containing `[]:*?/\`.
pub(crate) fn sheet_name(title: &str) -> String {
    let clean: String = title
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\'))
        .take(31)
        .collect();
    let clean = clean.trim_matches('\'').trim().to_string();
    if clean.is_empty() {
        "Sheet1".to_string()
    } else {
        clean
    }
}

/// A list for any screen: one sheet titled `sheet`, a bold frozen header row, then the rows.
pub fn write_table_xlsx_bytes(
    sheet: &str,
    headers: &[&str],
    rows: &[Vec<Cell>],
) -> Result<Vec<u8>, ExchangeError> {
    let mut book = Workbook::new();
    let mut ws = streaming_sheet(&mut book, &sheet_name(sheet))?;
    header_row(&mut ws, headers)?;
    let money = Format::new().set_num_format(MONEY_FORMAT);
    for (r, cells) in rows.iter().enumerate() {
        let r = row_index(r + 1)?;
        for (c, cell) in cells.iter().enumerate() {
            write_cell(&mut ws, r, col_index(c)?, &Value::from(cell), &money)?;
        }
    }
    book.push_worksheet(ws);
    Ok(book.save_to_buffer()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_are_made_acceptable_to_excel() {
        assert_eq!(sheet_name("户/人 [2025]"), "户人 2025");
        assert_eq!(sheet_name(""), "Sheet1");
        assert_eq!(sheet_name(&"长".repeat(40)).chars().count(), 31);
    }

    #[test]
    fn money_becomes_the_nearest_double() {
        assert_eq!(fen_to_f64(Yuan::from_fen(123456)), 1234.56);
        assert_eq!(fen_to_f64(Yuan::from_fen(-5)), -0.05);
        for fen in [1, 7, 10, 33, 99, 1_234_567, -150_050, 99_999_999_999] {
            let parsed: f64 = Yuan::from_fen(fen).plain().parse().expect("decimal");
            assert_eq!(fen_to_f64(Yuan::from_fen(fen)), parsed, "{fen}");
        }
    }
}
