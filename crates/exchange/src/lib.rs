//! Roster workbooks in and out: the national-export layout of LAYOUT.md (xlsx, xls, csv in UTF-8/GBK),
//! findings with row and column in Chinese, error workbooks, and list exports; department feed files
//! (SCREENING.md) through the same readers ([`read_feed`]).
//!
//! Reading never fails on bad data: a bad row becomes a [`Finding`] and its household is kept aside in
//! [`Roster::rejected`]; only a file that cannot be read at all (or lacks required columns) is an
//! [`ExchangeError`].

pub mod batch;
mod cells;
mod errorbook;
mod export;
mod feeds;
mod hash;
mod layout;
mod source;
mod validate;

use std::collections::{HashMap, HashSet};
use std::path::Path;

use zhenxing_domain::{DivisionCode, Household};

pub use errorbook::{write_error_workbook, write_error_workbook_bytes};
pub use export::{
    Cell, ExportHousehold, RosterCsvWriter, write_roster_xlsx, write_roster_xlsx_bytes,
    write_table_xlsx_bytes,
};
pub use feeds::{
    FeedColumn, FeedCsvWriter, FeedFile, feed_columns, read_feed, read_feed_bytes, write_feed_csv,
    write_feed_error_workbook, write_feed_error_workbook_bytes,
};

/// What an import needs to know about the deployment.
#[derive(Debug, Clone)]
pub struct RosterContext {
    /// The township, e.g. `扶欢镇`; the 乡（镇） column must name it (with or without 镇).
    pub township: String,
    /// Its villages and communities by name (`青岩村`, `扶欢社区`) and code.
    pub villages: Vec<(String, DivisionCode)>,
    /// Bounds birth dates in ID numbers.
    pub today: time::Date,
}

impl RosterContext {
    /// A context bound to no deployment (batch screening of files): any township is accepted, and
    /// each village named in the file gets a stand-in code, its name kept in
    /// [`Roster::village_name`].
    pub fn open(today: time::Date) -> RosterContext {
        RosterContext {
            township: String::new(),
            villages: Vec::new(),
            today,
        }
    }

    pub fn is_open(&self) -> bool {
        self.township.is_empty()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Severity {
    /// The household is not imported.
    Error,
    /// Reported, nothing refused (an unknown column, for instance).
    Warning,
}

/// One problem found in a file, located as the clerk sees it in Excel.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    /// 1-based sheet row; the header is row 1 in an ordinary file.
    pub row: usize,
    /// The header text as written in the file (or the layout's header when the column is absent).
    pub column: Option<String>,
    pub household_no: Option<String>,
    pub severity: Severity,
    /// In Chinese, e.g. `身份证号码校验位错误，应为 X`.
    pub message: String,
}

impl Finding {
    /// `第12行【证件号码】身份证号码校验位错误，应为 X`.
    pub fn describe(&self) -> String {
        match &self.column {
            Some(c) => format!("第{}行【{}】{}", self.row, c, self.message),
            None => format!("第{}行{}", self.row, self.message),
        }
    }
}

/// A household read without error, with the sheet rows of its members (aligned with `members`).
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedHousehold {
    pub household: Household,
    pub rows: Vec<usize>,
}

/// A household (or a row without 户编号) that had at least one error: its rows as read, for the error
/// workbook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedHousehold {
    pub household_no: Option<String>,
    /// Sheet row number and cell texts aligned with [`Roster::headers`].
    pub rows: Vec<(usize, Vec<String>)>,
}

/// The result of reading a roster file.
#[derive(Debug, Clone)]
pub struct Roster {
    /// Households without error findings, in file order.
    pub households: Vec<ParsedHousehold>,
    pub rejected: Vec<RejectedHousehold>,
    /// Every finding, sorted by row.
    pub findings: Vec<Finding>,
    /// Header texts as in the file.
    pub headers: Vec<String>,
    /// Non-blank data rows read.
    pub member_rows: usize,
    /// For rows of households rejected after reading ([`Roster::check_registry`]).
    township: String,
    village_names: HashMap<DivisionCode, String>,
}

impl Roster {
    /// The village's name as the context (or, for an open context, the file) gives it.
    pub fn village_name(&self, code: &DivisionCode) -> Option<&str> {
        self.village_names.get(code).map(String::as_str)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExchangeError {
    #[error("无法读取文件：{0}")]
    Unreadable(String),
    #[error("无法识别文件“{0}”的格式：请使用 .xlsx、.xls 或 .csv 文件")]
    UnknownFormat(String),
    #[error("缺少必填列：{}", .0.join("、"))]
    MissingHeaders(Vec<String>),
    #[error("表格中没有数据：未找到表头或数据行")]
    EmptySheet,
    #[error("文件读写失败：{0}")]
    Io(#[from] std::io::Error),
    #[error("无法生成工作簿：{0}")]
    Write(String),
}

impl From<rust_xlsxwriter::XlsxError> for ExchangeError {
    fn from(e: rust_xlsxwriter::XlsxError) -> Self {
        match e {
            rust_xlsxwriter::XlsxError::IoError(io) => ExchangeError::Io(io),
            other => ExchangeError::Write(other.to_string()),
        }
    }
}

/// Reads a roster file (`.xlsx`, `.xls`, `.csv`); `progress` is called with the number of data rows
/// read so far.
pub fn read_roster(
    path: &Path,
    ctx: &RosterContext,
    progress: &dyn Fn(usize),
) -> Result<Roster, ExchangeError> {
    let format = source::detect_path(path)?;
    read_input(source::Input::Path(path), format, ctx, progress)
}

/// Reads an uploaded roster; the format comes from the file's magic bytes, else its name's extension.
pub fn read_roster_bytes(
    bytes: &[u8],
    file_name: &str,
    ctx: &RosterContext,
    progress: &dyn Fn(usize),
) -> Result<Roster, ExchangeError> {
    let format = source::detect(bytes, file_name)?;
    read_input(source::Input::Bytes(bytes), format, ctx, progress)
}

/// How often `progress` is told.
const PROGRESS_EVERY: usize = 1000;

fn read_input(
    input: source::Input<'_>,
    format: source::Format,
    ctx: &RosterContext,
    progress: &dyn Fn(usize),
) -> Result<Roster, ExchangeError> {
    let mut assembler = validate::Assembler::new(ctx);
    source::stream(input, format, &mut |row| {
        let before = assembler.member_rows();
        assembler.row(row)?;
        let after = assembler.member_rows();
        if after != before && after.is_multiple_of(PROGRESS_EVERY) {
            progress(after);
        }
        Ok(())
    })?;
    let (mut roster, wanted) = assembler.finish()?;
    if !wanted.is_empty() {
        // Second pass for the raw rows of rejected households: cheaper than holding every row's text
        // for the few that are needed.
        let width = roster.headers.len();
        let rejected = &mut roster.rejected;
        source::stream(input, format, &mut |row| {
            if let Some(&(h, i)) = wanted.get(&row.number) {
                let mut cells: Vec<String> = row.cells.iter().take(width).cloned().collect();
                cells.resize(width, String::new());
                rejected[h].rows[i].1 = cells;
            }
            Ok(())
        })?;
    }
    progress(roster.member_rows);
    Ok(roster)
}

impl Roster {
    /// Adds the registry finding "证件号码 X 已是户编号 Y 的成员（迁移须单独办理）" for members whose id base
    /// is in another household, moving those households from `households` to `rejected`.
    /// `locations`: id base (18 chars) → household_no currently holding it.
    pub fn check_registry(&mut self, locations: &HashMap<String, String>) {
        let fields: Vec<Option<layout::Field>> = self
            .headers
            .iter()
            .map(|h| layout::match_header(h))
            .collect();
        let id_column = fields
            .iter()
            .position(|f| *f == Some(layout::Field::IdNumber))
            .map_or_else(
                || layout::Field::IdNumber.header().to_string(),
                |i| self.headers[i].clone(),
            );
        let mut moved = HashSet::new();
        for (hi, ph) in self.households.iter().enumerate() {
            let no = &ph.household.household_no;
            for (m, row) in ph.household.members.iter().zip(&ph.rows) {
                let base = m.id_number.base();
                if let Some(holder) = locations.get(base).filter(|holder| *holder != no) {
                    self.findings.push(Finding {
                        row: *row,
                        column: Some(id_column.clone()),
                        household_no: Some(no.clone()),
                        severity: Severity::Error,
                        message: format!(
                            "证件号码 {} 已是户编号 {holder} 的成员（迁移须单独办理）",
                            m.id_number.masked()
                        ),
                    });
                    moved.insert(hi);
                }
            }
        }
        if moved.is_empty() {
            return;
        }
        let households = std::mem::take(&mut self.households);
        for (hi, ph) in households.into_iter().enumerate() {
            if !moved.contains(&hi) {
                self.households.push(ph);
                continue;
            }
            let village = self
                .village_names
                .get(&ph.household.village)
                .map_or("", String::as_str);
            let rows = ph
                .household
                .members
                .iter()
                .zip(&ph.rows)
                .map(|(m, row)| {
                    let cells = fields
                        .iter()
                        .map(|f| {
                            f.map(|f| {
                                export::field_cell(
                                    f,
                                    &self.township,
                                    village,
                                    &ph.household,
                                    m,
                                    false,
                                )
                                .text()
                            })
                            .unwrap_or_default()
                        })
                        .collect();
                    (*row, cells)
                })
                .collect();
            self.rejected.push(RejectedHousehold {
                household_no: Some(ph.household.household_no.clone()),
                rows,
            });
        }
        self.rejected
            .sort_by_key(|r| r.rows.first().map_or(0, |(row, _)| *row));
        self.findings.sort_by_key(|f| f.row);
    }

    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Error)
    }

    /// The 18-character ID bases of the members of the accepted households.
    pub fn id_bases(&self) -> Vec<String> {
        self.households
            .iter()
            .flat_map(|ph| {
                ph.household
                    .members
                    .iter()
                    .map(|m| m.id_number.base().to_string())
            })
            .collect()
    }
}
