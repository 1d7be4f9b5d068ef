//! Department feeds (部门数据, SCREENING.md "Feeds"): a file of one [`FeedKind`] read into typed
//! [`FeedRecord`]s, through the same sources as the roster (xlsx, xls, csv in UTF-8/BOM/GBK).
//!
//! Headers are matched by their Chinese text (or an alias, or the English field name of SCREENING.md),
//! in any order. A missing required column is an [`ExchangeError`]; an unknown column is a warning. A
//! malformed row is skipped and described by findings (row, column, Chinese reason); it is never fatal,
//! and no input makes the reader panic.
//!
//! Cells:
//! - ID numbers go through [`IdNumber::parse`]: 15-digit numbers are upgraded and disability-
//!   certificate numbers cut to their base, so records carry the 18-character resident ID.
//! - Dates: `YYYY-MM-DD`, `YYYY/MM/DD`, `YYYYMMDD` (also `YYYY.MM.DD`, `YYYY年M月D日`, a trailing
//!   time), Excel date cells, and an unformatted Excel date serial in a number cell.
//! - Money: [`Yuan::parse`], exact fen; negative amounts are findings. The amounts a rule depends on
//!   (总费用, 个人自付, 损失金额) must be filled; payments a department leaves blank when there were none
//!   (基本医保支付, 大病保险支付, 医疗救助支付, 学年自付费用, 金额, 月工资) read as 0; a blank 合规自付 is
//!   the row's 个人自付.
//! - Code tables through their `parse_label` (label, alias or English code).
//! - 残疾类别 and 残疾等级 may be blank only for 注销; 断水天数 is a non-negative whole number.
//! - Housing and disaster rows name the household by 户编号 or 户主证件号码 (a file may have either
//!   column or both; in a row a filled 户编号 wins).

use std::fmt::Write as _;
use std::io::{Read, Write};
use std::path::Path;

use sha2::{Digest, Sha256};
use time::{Date, Duration, Month};
use zhenxing_domain::codes::CodeEnum;
use zhenxing_domain::feed::{
    AssistanceProgram, DisabilityChange, EmploymentStatus, FeedKind, FeedRecord, Hazard,
    HouseRating, HouseholdRef, PoliceEvent, SchoolStage, SchoolStatus, VisitType, check_medical,
};
use zhenxing_domain::household::DisabilityGrade;
use zhenxing_domain::{IdNumber, Yuan};

use crate::cells::CellKind;
use crate::errorbook;
use crate::layout::normalise;
use crate::source::{self, Input, RowRef};
use crate::validate::{date_text, parse_date};
use crate::{ExchangeError, Finding, Severity};

/// What a column holds; the same role may have different headers in different kinds (日期, 结算日期).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Col {
    Id,
    HouseholdNo,
    HeadId,
    Date,
    VisitType,
    Total,
    BasicPaid,
    CriticalPaid,
    AssistancePaid,
    OutOfPocket,
    Eligible,
    Category,
    Grade,
    Change,
    Stage,
    SchoolStatus,
    Fees,
    Rating,
    Event,
    Cause,
    Program,
    Amount,
    Hazard,
    Loss,
    Employment,
    Wage,
    Days,
}

pub(crate) const COL_COUNT: usize = Col::Days as usize + 1;

/// One column of a feed file.
#[derive(Debug)]
pub struct FeedColumn {
    /// The Chinese header (SCREENING.md), as written by [`write_feed_csv`].
    pub header: &'static str,
    /// The English field name, accepted as a header too.
    pub field: &'static str,
    /// The file must have this column. (Housing and disaster need 户编号 or 户主证件号码: neither is
    /// required alone.)
    pub required: bool,
    /// Other header spellings accepted.
    pub aliases: &'static [&'static str],
    col: Col,
}

const fn column(col: Col, header: &'static str, field: &'static str, required: bool) -> FeedColumn {
    FeedColumn {
        header,
        field,
        required,
        aliases: &[],
        col,
    }
}

const ID: FeedColumn = FeedColumn {
    aliases: &["身份证号码", "身份证号", "证件号", "公民身份号码"],
    ..column(Col::Id, "证件号码", "id_number", true)
};
const HOUSEHOLD_NO: FeedColumn = FeedColumn {
    aliases: &["户号"],
    ..column(Col::HouseholdNo, "户编号", "household_no", false)
};
const HEAD_ID: FeedColumn = FeedColumn {
    aliases: &["户主身份证号码", "户主身份证号"],
    ..column(Col::HeadId, "户主证件号码", "head_id_number", false)
};
/// The name a missing household column is reported by.
const HOUSEHOLD_EITHER: &str = "户编号或户主证件号码";

const MEDICAL: &[FeedColumn] = &[
    ID,
    column(Col::Date, "结算日期", "settle_date", true),
    column(Col::VisitType, "就诊类型", "visit_type", true),
    column(Col::Total, "总费用", "total", true),
    column(Col::BasicPaid, "基本医保支付", "basic_paid", true),
    column(Col::CriticalPaid, "大病保险支付", "critical_paid", true),
    column(Col::AssistancePaid, "医疗救助支付", "assistance_paid", true),
    column(Col::OutOfPocket, "个人自付", "out_of_pocket", true),
    column(Col::Eligible, "合规自付", "eligible_out_of_pocket", false),
];
const DISABILITY: &[FeedColumn] = &[
    ID,
    column(Col::Category, "残疾类别", "category", true),
    column(Col::Grade, "残疾等级", "grade", true),
    column(Col::Change, "变更类型", "change", true),
    column(Col::Date, "变更日期", "date", true),
];
const EDUCATION: &[FeedColumn] = &[
    ID,
    column(Col::Stage, "学段", "stage", true),
    column(Col::SchoolStatus, "在校状态", "status", true),
    column(Col::Fees, "学年自付费用", "fees", true),
    column(Col::Date, "日期", "date", true),
];
const HOUSING: &[FeedColumn] = &[
    HOUSEHOLD_NO,
    HEAD_ID,
    column(Col::Rating, "鉴定等级", "rating", true),
    column(Col::Date, "鉴定日期", "date", true),
];
const POLICE: &[FeedColumn] = &[
    ID,
    column(Col::Event, "事件类型", "event", true),
    column(Col::Date, "事件日期", "date", true),
    column(Col::Cause, "原因", "cause", false),
];
const CIVIL: &[FeedColumn] = &[
    ID,
    column(Col::Program, "救助类型", "program", true),
    column(Col::Date, "开始日期", "date", true),
    column(Col::Amount, "金额", "amount", true),
];
const DISASTER: &[FeedColumn] = &[
    HOUSEHOLD_NO,
    HEAD_ID,
    column(Col::Hazard, "灾害类型", "hazard", true),
    column(Col::Loss, "损失金额", "loss", true),
    column(Col::Date, "日期", "date", true),
];
const EMPLOYMENT: &[FeedColumn] = &[
    ID,
    column(Col::Employment, "就业状态", "status", true),
    column(Col::Wage, "月工资", "wage", true),
    column(Col::Date, "日期", "date", true),
];
const WATER: &[FeedColumn] = &[
    FeedColumn {
        required: true,
        ..HOUSEHOLD_NO
    },
    column(Col::Days, "断水天数", "days", true),
    column(Col::Date, "日期", "date", true),
];

/// The columns of a kind, in the order SCREENING.md lists them (and [`write_feed_csv`] writes them).
pub fn feed_columns(kind: FeedKind) -> &'static [FeedColumn] {
    match kind {
        FeedKind::Medical => MEDICAL,
        FeedKind::Disability => DISABILITY,
        FeedKind::Education => EDUCATION,
        FeedKind::Housing => HOUSING,
        FeedKind::Police => POLICE,
        FeedKind::Civil => CIVIL,
        FeedKind::Disaster => DISASTER,
        FeedKind::Employment => EMPLOYMENT,
        FeedKind::Water => WATER,
    }
}

/// The column of `table` a header cell names.
fn match_column(table: &'static [FeedColumn], text: &str) -> Option<&'static FeedColumn> {
    let n = normalise(text);
    if n.is_empty() {
        return None;
    }
    table.iter().find(|c| {
        c.header == n
            || c.field.eq_ignore_ascii_case(&n)
            || c.aliases.iter().any(|a| normalise(a) == n)
    })
}

/// A department feed file, read.
#[derive(Debug, Clone)]
pub struct FeedFile {
    pub kind: FeedKind,
    /// (1-based sheet row, record) for every well-formed row.
    pub records: Vec<(usize, FeedRecord)>,
    /// Malformed rows (row, column header, Chinese reason), and warnings (unknown columns).
    pub findings: Vec<Finding>,
    /// Non-blank data rows.
    pub rows_total: usize,
    pub rows_malformed: usize,
    /// SHA-256 hex of the file bytes (to detect a re-upload).
    pub content_hash: String,
    /// Header texts as in the file.
    pub headers: Vec<String>,
    /// The malformed rows as read: sheet row and cell texts aligned with `headers`, for the error
    /// workbook.
    pub rejected: Vec<(usize, Vec<String>)>,
}

impl FeedFile {
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Error)
    }
}

/// Reads a feed file of `kind` (`.xlsx`, `.xls`, `.csv`); `today` bounds birth dates in ID numbers.
pub fn read_feed(kind: FeedKind, path: &Path, today: Date) -> Result<FeedFile, ExchangeError> {
    let format = source::detect_path(path)?;
    let content_hash = hash_file(path)?;
    read(kind, Input::Path(path), format, today, content_hash)
}

/// Reads an uploaded feed; the format comes from the magic bytes, else the name's extension.
pub fn read_feed_bytes(
    kind: FeedKind,
    bytes: &[u8],
    file_name: &str,
    today: Date,
) -> Result<FeedFile, ExchangeError> {
    let format = source::detect(bytes, file_name)?;
    let mut h = Sha256::new();
    h.update(bytes);
    read(kind, Input::Bytes(bytes), format, today, hex(&h.finalize()))
}

fn hash_file(path: &Path) -> Result<String, ExchangeError> {
    let mut file = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => h.update(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(hex(&h.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

fn read(
    kind: FeedKind,
    input: Input<'_>,
    format: source::Format,
    today: Date,
    content_hash: String,
) -> Result<FeedFile, ExchangeError> {
    let mut reader = Reader::new(kind, today, content_hash);
    source::stream(input, format, &mut |row| reader.row(&row))?;
    reader.finish()
}

/// A header row names at least this many columns of the kind; rows above it (a title) are skipped.
const HEADER_MIN_MATCHES: usize = 2;
/// How many non-blank rows are searched for the header.
const HEADER_SEARCH_ROWS: usize = 10;

struct Header {
    cols: [Option<usize>; COL_COUNT],
}

/// Reads a feed file row by row (also driven by the batch reader, which hands it the rows it does
/// not read itself).
pub(crate) struct Reader {
    kind: FeedKind,
    table: &'static [FeedColumn],
    today: Date,
    header: Option<Header>,
    searched: usize,
    /// The first non-blank row, taken as the header when no row looks like one.
    first_row: Option<(usize, Vec<String>)>,
    file: FeedFile,
}

impl Reader {
    pub(crate) fn new(kind: FeedKind, today: Date, content_hash: String) -> Reader {
        Reader {
            kind,
            table: feed_columns(kind),
            today,
            header: None,
            searched: 0,
            first_row: None,
            file: FeedFile {
                kind,
                records: Vec::new(),
                findings: Vec::new(),
                rows_total: 0,
                rows_malformed: 0,
                content_hash,
                headers: Vec::new(),
                rejected: Vec::new(),
            },
        }
    }

    /// Where each column is, once the header has been read.
    pub(crate) fn columns(&self) -> Option<&[Option<usize>; COL_COUNT]> {
        self.header.as_ref().map(|h| &h.cols)
    }

    /// A well-formed data row the batch reader read itself.
    pub(crate) fn count_row(&mut self) {
        self.file.rows_total += 1;
    }

    /// The records read by [`Reader::row`] since the last call.
    pub(crate) fn take_records(&mut self) -> std::vec::Drain<'_, (usize, FeedRecord)> {
        self.file.records.drain(..)
    }

    pub(crate) fn row(&mut self, row: &RowRef<'_>) -> Result<(), ExchangeError> {
        if row.is_blank() {
            return Ok(());
        }
        match self.header.take() {
            Some(h) => {
                self.data_row(&h, row);
                self.header = Some(h);
                Ok(())
            }
            None => self.header_candidate(row),
        }
    }

    fn header_candidate(&mut self, row: &RowRef<'_>) -> Result<(), ExchangeError> {
        let matches = row
            .cells
            .iter()
            .filter(|c| match_column(self.table, c).is_some())
            .count();
        if matches >= HEADER_MIN_MATCHES {
            return self.set_header(row.number, row.cells);
        }
        if self.first_row.is_none() {
            self.first_row = Some((row.number, row.cells.to_vec()));
        }
        self.searched += 1;
        if self.searched >= HEADER_SEARCH_ROWS {
            return self.header_from_first_row();
        }
        Ok(())
    }

    fn header_from_first_row(&mut self) -> Result<(), ExchangeError> {
        match self.first_row.take() {
            Some((n, cells)) => self.set_header(n, &cells),
            None => Err(ExchangeError::EmptySheet),
        }
    }

    fn set_header(&mut self, row: usize, cells: &[String]) -> Result<(), ExchangeError> {
        let mut cols = [None; COL_COUNT];
        for (i, text) in cells.iter().enumerate() {
            if text.is_empty() {
                continue;
            }
            match match_column(self.table, text) {
                Some(c) if cols[c.col as usize].is_none() => cols[c.col as usize] = Some(i),
                Some(c) => self.warn(
                    row,
                    text,
                    format!("与前面的列重复（都表示“{}”），本列已忽略", c.header),
                ),
                None => self.warn(
                    row,
                    text,
                    format!("不是{}数据的列，已忽略", self.kind.label()),
                ),
            }
        }
        let mut missing = Vec::new();
        for c in self.table {
            if c.col == Col::HouseholdNo
                && !c.required
                && cols[Col::HouseholdNo as usize].is_none()
                && cols[Col::HeadId as usize].is_none()
            {
                missing.push(HOUSEHOLD_EITHER.to_string());
            } else if c.required && cols[c.col as usize].is_none() {
                missing.push(c.header.to_string());
            }
        }
        if !missing.is_empty() {
            return Err(ExchangeError::MissingHeaders(missing));
        }
        let mut headers = cells.to_vec();
        while headers.last().is_some_and(String::is_empty) {
            headers.pop();
        }
        self.file.headers = headers;
        self.header = Some(Header { cols });
        Ok(())
    }

    fn warn(&mut self, row: usize, column: &str, message: String) {
        self.file.findings.push(Finding {
            row,
            column: Some(column.to_string()),
            household_no: None,
            severity: Severity::Warning,
            message,
        });
    }

    fn data_row(&mut self, h: &Header, row: &RowRef<'_>) {
        self.file.rows_total += 1;
        let mut r = Row {
            h,
            headers: &self.file.headers,
            table: self.table,
            cells: row.cells,
            kinds: row.kinds,
            number: row.number,
            today: self.today,
            household_no: None,
            errors: Vec::new(),
        };
        r.household_no = Some(r.text(Col::HouseholdNo))
            .filter(|t| !t.is_empty())
            .map(str::to_string);
        let record = r.record(self.kind);
        let mut errors = std::mem::take(&mut r.errors);
        match record {
            Some(rec) if errors.is_empty() => self.file.records.push((row.number, rec)),
            _ => {
                if errors.is_empty() {
                    // Every path that yields no record names its reason; this is a safety net.
                    errors.push(Finding {
                        row: row.number,
                        column: None,
                        household_no: None,
                        severity: Severity::Error,
                        message: "本行无法读取".to_string(),
                    });
                }
                self.file.rows_malformed += 1;
                self.file.findings.append(&mut errors);
                let width = self.file.headers.len();
                let mut cells: Vec<String> = row.cells.iter().take(width).cloned().collect();
                cells.resize(width, String::new());
                self.file.rejected.push((row.number, cells));
            }
        }
    }

    pub(crate) fn finish(mut self) -> Result<FeedFile, ExchangeError> {
        if self.header.is_none() {
            // Fewer than HEADER_SEARCH_ROWS rows and none looked like a header: the first one is
            // taken as such, so that the error names what it lacks.
            self.header_from_first_row()?;
        }
        // Header warnings come first (their row is the header's), then data rows in order.
        self.file.findings.sort_by_key(|f| f.row);
        Ok(self.file)
    }
}

/// One data row being read; errors are collected so that a row reports every bad cell.
struct Row<'a> {
    h: &'a Header,
    headers: &'a [String],
    table: &'static [FeedColumn],
    cells: &'a [String],
    kinds: &'a [CellKind],
    number: usize,
    today: Date,
    household_no: Option<String>,
    errors: Vec<Finding>,
}

impl<'a> Row<'a> {
    fn text(&self, c: Col) -> &'a str {
        self.h.cols[c as usize]
            .and_then(|i| self.cells.get(i))
            .map_or("", String::as_str)
    }

    fn is_number(&self, c: Col) -> bool {
        self.h.cols[c as usize]
            .and_then(|i| self.kinds.get(i))
            .is_some_and(|k| *k == CellKind::Number)
    }

    fn has(&self, c: Col) -> bool {
        self.h.cols[c as usize].is_some()
    }

    /// The column's header as written in the file, else the layout's.
    fn name(&self, c: Col) -> String {
        self.h.cols[c as usize]
            .and_then(|i| self.headers.get(i))
            .map(String::as_str)
            .or_else(|| self.table.iter().find(|s| s.col == c).map(|s| s.header))
            .unwrap_or_default()
            .to_string()
    }

    fn error(&mut self, c: Col, message: String) {
        let column = Some(self.name(c));
        self.errors.push(Finding {
            row: self.number,
            column,
            household_no: self.household_no.clone(),
            severity: Severity::Error,
            message,
        });
    }

    fn blank(&mut self, c: Col) {
        let msg = format!("{}不能为空", self.name(c));
        self.error(c, msg);
    }

    /// The 18-character resident ID of an ID cell.
    fn person(&mut self, c: Col) -> Option<String> {
        let t = self.text(c);
        let fifteen = t.len() == 15 && t.bytes().all(|b| b.is_ascii_digit());
        let scientific = (t.contains("E+") || t.contains("e+")) && t.parse::<f64>().is_ok();
        if (self.is_number(c) && !fifteen) || scientific {
            let msg = format!("{}应以文本格式填写（数字格式会丢失末几位）", self.name(c));
            self.error(c, msg);
            return None;
        }
        match IdNumber::parse(t, self.today) {
            Ok(id) => Some(id.base().to_string()),
            Err(e) => {
                self.error(c, e.to_string());
                None
            }
        }
    }

    fn date(&mut self, c: Col) -> Option<Date> {
        let t = self.text(c);
        if t.is_empty() {
            self.blank(c);
            return None;
        }
        let serial = (self.is_number(c) && t.len() <= 7)
            .then(|| t.parse::<i64>().ok())
            .flatten();
        let parsed = match serial {
            Some(n) => excel_serial_date(n),
            None => parse_date(t),
        };
        if parsed.is_none() {
            let msg = format!(
                "{}“{t}”无效：应为 YYYY-MM-DD、YYYY/MM/DD 或 YYYYMMDD",
                self.name(c)
            );
            self.error(c, msg);
        }
        parsed
    }

    /// An amount; blank is `Ok(None)`, a bad or negative one an error.
    fn amount(&mut self, c: Col) -> Result<Option<Yuan>, ()> {
        let t = self.text(c);
        if t.is_empty() {
            return Ok(None);
        }
        match Yuan::parse(t) {
            Ok(y) if y < Yuan::ZERO => {
                let msg = format!("{}不能为负数：{t}", self.name(c));
                self.error(c, msg);
                Err(())
            }
            Ok(y) => Ok(Some(y)),
            Err(e) => {
                self.error(c, e.to_string());
                Err(())
            }
        }
    }

    fn required_amount(&mut self, c: Col) -> Option<Yuan> {
        match self.amount(c) {
            Ok(Some(y)) => Some(y),
            Ok(None) => {
                self.blank(c);
                None
            }
            Err(()) => None,
        }
    }

    /// An amount whose blank means none was paid.
    fn amount_or_zero(&mut self, c: Col) -> Option<Yuan> {
        self.amount(c).ok().map(Option::unwrap_or_default)
    }

    fn optional_code<T: CodeEnum>(&mut self, c: Col) -> Result<Option<T>, ()> {
        let t = self.text(c);
        if t.is_empty() {
            return Ok(None);
        }
        match T::parse_label(t) {
            Some(v) => Ok(Some(v)),
            None => {
                self.error(c, format!("“{t}”无效：{}", T::expected_message()));
                Err(())
            }
        }
    }

    fn code<T: CodeEnum>(&mut self, c: Col) -> Option<T> {
        match self.optional_code(c) {
            Ok(Some(v)) => Some(v),
            Ok(None) => {
                self.blank(c);
                None
            }
            Err(()) => None,
        }
    }

    /// A filled 户编号. Excel keeps 15 significant digits: a longer number in a number cell has lost
    /// its last ones.
    fn number_cell(&mut self) -> Result<Option<String>, ()> {
        let no = self.text(Col::HouseholdNo);
        if no.is_empty() {
            return Ok(None);
        }
        if self.is_number(Col::HouseholdNo) && no.len() > 15 {
            let msg = format!(
                "{}应以文本格式填写（数字格式会丢失末几位）",
                self.name(Col::HouseholdNo)
            );
            self.error(Col::HouseholdNo, msg);
            return Err(());
        }
        Ok(Some(no.to_string()))
    }

    /// 户编号 (winning when filled) or 户主证件号码.
    fn household(&mut self) -> Option<HouseholdRef> {
        match self.number_cell() {
            Ok(Some(no)) => return Some(HouseholdRef::Number(no)),
            Ok(None) => {}
            Err(()) => return None,
        }
        if !self.text(Col::HeadId).is_empty() {
            return self.person(Col::HeadId).map(HouseholdRef::Person);
        }
        if self.has(Col::HouseholdNo) && self.has(Col::HeadId) {
            self.error(
                Col::HouseholdNo,
                "户编号和户主证件号码不能都为空".to_string(),
            );
        } else if self.has(Col::HouseholdNo) {
            self.blank(Col::HouseholdNo);
        } else {
            self.blank(Col::HeadId);
        }
        None
    }

    fn household_no(&mut self) -> Option<String> {
        match self.number_cell() {
            Ok(Some(no)) => Some(no),
            Ok(None) => {
                self.blank(Col::HouseholdNo);
                None
            }
            Err(()) => None,
        }
    }

    fn days(&mut self, c: Col) -> Option<u32> {
        let t = self.text(c);
        if t.is_empty() {
            self.blank(c);
            return None;
        }
        let digits = t.trim_end_matches('天').trim();
        let n = (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
            .then(|| digits.parse::<u32>().ok())
            .flatten();
        if n.is_none() {
            let msg = format!("{}“{t}”无效：应为不小于0的整数", self.name(c));
            self.error(c, msg);
        }
        n
    }

    fn record(&mut self, kind: FeedKind) -> Option<FeedRecord> {
        match kind {
            FeedKind::Medical => self.medical(),
            FeedKind::Disability => self.disability(),
            FeedKind::Education => {
                let person = self.person(Col::Id);
                let stage = self.code::<SchoolStage>(Col::Stage);
                let status = self.code::<SchoolStatus>(Col::SchoolStatus);
                let fees = self.amount_or_zero(Col::Fees);
                let date = self.date(Col::Date);
                Some(FeedRecord::Education {
                    person: person?,
                    stage: stage?,
                    status: status?,
                    fees: fees?,
                    date: date?,
                })
            }
            FeedKind::Housing => {
                let household = self.household();
                let rating = self.code::<HouseRating>(Col::Rating);
                let date = self.date(Col::Date);
                Some(FeedRecord::Housing {
                    household: household?,
                    rating: rating?,
                    date: date?,
                })
            }
            FeedKind::Police => {
                let person = self.person(Col::Id);
                let event = self.code::<PoliceEvent>(Col::Event);
                let date = self.date(Col::Date);
                Some(FeedRecord::Police {
                    person: person?,
                    event: event?,
                    date: date?,
                    cause: self.text(Col::Cause).to_string(),
                })
            }
            FeedKind::Civil => {
                let person = self.person(Col::Id);
                let program = self.code::<AssistanceProgram>(Col::Program);
                let date = self.date(Col::Date);
                let amount = self.amount_or_zero(Col::Amount);
                Some(FeedRecord::Civil {
                    person: person?,
                    program: program?,
                    date: date?,
                    amount: amount?,
                })
            }
            FeedKind::Disaster => {
                let household = self.household();
                let hazard = self.code::<Hazard>(Col::Hazard);
                let loss = self.required_amount(Col::Loss);
                let date = self.date(Col::Date);
                Some(FeedRecord::Disaster {
                    household: household?,
                    hazard: hazard?,
                    loss: loss?,
                    date: date?,
                })
            }
            FeedKind::Employment => {
                let person = self.person(Col::Id);
                let status = self.code::<EmploymentStatus>(Col::Employment);
                let wage = self.amount_or_zero(Col::Wage);
                let date = self.date(Col::Date);
                Some(FeedRecord::Employment {
                    person: person?,
                    status: status?,
                    wage: wage?,
                    date: date?,
                })
            }
            FeedKind::Water => {
                let household_no = self.household_no();
                let days = self.days(Col::Days);
                let date = self.date(Col::Date);
                Some(FeedRecord::Water {
                    household_no: household_no?,
                    days: days?,
                    date: date?,
                })
            }
        }
    }

    fn medical(&mut self) -> Option<FeedRecord> {
        let person = self.person(Col::Id);
        let date = self.date(Col::Date);
        let visit_type = self.code::<VisitType>(Col::VisitType);
        let total = self.required_amount(Col::Total);
        let basic = self.amount_or_zero(Col::BasicPaid);
        let critical = self.amount_or_zero(Col::CriticalPaid);
        let assistance = self.amount_or_zero(Col::AssistancePaid);
        let oop = self.required_amount(Col::OutOfPocket);
        let eligible = self.amount(Col::Eligible);
        let (total, basic, critical, assistance, oop, Ok(eligible)) =
            (total?, basic?, critical?, assistance?, oop?, eligible)
        else {
            return None;
        };
        let eligible = eligible.unwrap_or(oop);
        if let Err(msg) = check_medical(total, basic, critical, assistance, oop, eligible) {
            let parts = basic + critical + assistance + oop;
            let col = if (total - parts).fen().abs() > 100 {
                Col::Total
            } else if self.has(Col::Eligible) {
                Col::Eligible
            } else {
                Col::OutOfPocket
            };
            self.error(col, msg);
            return None;
        }
        Some(FeedRecord::Medical {
            person: person?,
            date: date?,
            visit_type: visit_type?,
            total,
            basic_paid: basic,
            critical_paid: critical,
            assistance_paid: assistance,
            out_of_pocket: oop,
            eligible_out_of_pocket: eligible,
        })
    }

    fn disability(&mut self) -> Option<FeedRecord> {
        let person = self.person(Col::Id);
        let change = self.code::<DisabilityChange>(Col::Change);
        let grade = self.optional_code::<DisabilityGrade>(Col::Grade);
        let category = self.text(Col::Category);
        let date = self.date(Col::Date);
        // Only a cancellation may leave the category and grade blank; with an unreadable 变更类型 the
        // blanks are not judged.
        let cancelled = change.is_none_or(|c| c == DisabilityChange::Cancelled);
        let mut ok = true;
        if !cancelled && category.is_empty() {
            let msg = format!("{}不能为空（仅注销可不填）", self.name(Col::Category));
            self.error(Col::Category, msg);
            ok = false;
        }
        if !cancelled && grade == Ok(None) {
            let msg = format!("{}不能为空（仅注销可不填）", self.name(Col::Grade));
            self.error(Col::Grade, msg);
            ok = false;
        }
        let record = FeedRecord::Disability {
            person: person?,
            category: category.to_string(),
            grade: grade.ok()?,
            change: change?,
            date: date?,
        };
        ok.then_some(record)
    }
}

/// An Excel date serial (1900 date system) in a cell without a date format. Serials before
/// 1900-03-01 (where Excel counts a 29 February 1900 that never was) are not taken.
fn excel_serial_date(n: i64) -> Option<Date> {
    if !(61..=2_958_465).contains(&n) {
        return None;
    }
    let epoch = Date::from_calendar_date(1899, Month::December, 30).ok()?;
    epoch.checked_add(Duration::days(n))
}

/// Writes `records` (all of `kind`) as a UTF-8 CSV (with BOM, so Excel shows the Chinese) with the
/// SCREENING.md Chinese headers of [`feed_columns`]; [`read_feed`] reads it back unchanged.
/// Households are written by 户编号 or, for a [`HouseholdRef::Person`], in 户主证件号码.
pub fn write_feed_csv<'r, W: Write>(
    kind: FeedKind,
    records: impl IntoIterator<Item = &'r FeedRecord>,
    out: W,
) -> Result<(), ExchangeError> {
    let mut w = FeedCsvWriter::new(kind, out)?;
    for r in records {
        w.write(r)?;
    }
    w.finish()?;
    Ok(())
}

/// [`write_feed_csv`] one record at a time: for files too large to collect first (a province's
/// year of medical settlements). The BOM and the header are written by [`FeedCsvWriter::new`].
pub struct FeedCsvWriter<W: Write> {
    kind: FeedKind,
    w: csv::Writer<W>,
    cells: Vec<String>,
    rows: u64,
}

impl<W: Write> FeedCsvWriter<W> {
    pub fn new(kind: FeedKind, mut out: W) -> Result<Self, ExchangeError> {
        out.write_all(b"\xEF\xBB\xBF")?;
        let mut w = csv::Writer::from_writer(out);
        let table = feed_columns(kind);
        w.write_record(table.iter().map(|c| c.header))
            .map_err(csv_error)?;
        Ok(FeedCsvWriter {
            kind,
            w,
            cells: vec![String::new(); table.len()],
            rows: 0,
        })
    }

    /// Appends one record; a record of another kind is refused.
    pub fn write(&mut self, r: &FeedRecord) -> Result<(), ExchangeError> {
        if r.kind() != self.kind {
            return Err(ExchangeError::Write(format!(
                "{}记录不能写入{}文件",
                r.kind().label(),
                self.kind.label()
            )));
        }
        for (cell, c) in self.cells.iter_mut().zip(feed_columns(self.kind)) {
            cell.clear();
            cell_text(c.col, r, cell);
        }
        self.w.write_record(&self.cells).map_err(csv_error)?;
        self.rows += 1;
        Ok(())
    }

    /// Data rows written so far.
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

/// The text of column `c` for record `r` (blank when the record has no such column).
fn cell_text(c: Col, r: &FeedRecord, out: &mut String) {
    if c == Col::Date {
        out.push_str(&date_text(r.date()));
        return;
    }
    let money = |out: &mut String, y: &Yuan| out.push_str(&y.plain());
    let household = |out: &mut String, h: &HouseholdRef| match (c, h) {
        (Col::HouseholdNo, HouseholdRef::Number(no)) | (Col::HeadId, HouseholdRef::Person(no)) => {
            out.push_str(no);
        }
        _ => {}
    };
    match r {
        FeedRecord::Medical {
            person,
            visit_type,
            total,
            basic_paid,
            critical_paid,
            assistance_paid,
            out_of_pocket,
            eligible_out_of_pocket,
            ..
        } => match c {
            Col::Id => out.push_str(person),
            Col::VisitType => out.push_str(visit_type.label()),
            Col::Total => money(out, total),
            Col::BasicPaid => money(out, basic_paid),
            Col::CriticalPaid => money(out, critical_paid),
            Col::AssistancePaid => money(out, assistance_paid),
            Col::OutOfPocket => money(out, out_of_pocket),
            Col::Eligible => money(out, eligible_out_of_pocket),
            _ => {}
        },
        FeedRecord::Disability {
            person,
            category,
            grade,
            change,
            ..
        } => match c {
            Col::Id => out.push_str(person),
            Col::Category => out.push_str(category),
            Col::Grade => out.push_str(grade.map_or("", DisabilityGrade::label)),
            Col::Change => out.push_str(change.label()),
            _ => {}
        },
        FeedRecord::Education {
            person,
            stage,
            status,
            fees,
            ..
        } => match c {
            Col::Id => out.push_str(person),
            Col::Stage => out.push_str(stage.label()),
            Col::SchoolStatus => out.push_str(status.label()),
            Col::Fees => money(out, fees),
            _ => {}
        },
        FeedRecord::Housing {
            household: h,
            rating,
            ..
        } => match c {
            Col::Rating => out.push_str(rating.label()),
            _ => household(out, h),
        },
        FeedRecord::Police {
            person,
            event,
            cause,
            ..
        } => match c {
            Col::Id => out.push_str(person),
            Col::Event => out.push_str(event.label()),
            Col::Cause => out.push_str(cause),
            _ => {}
        },
        FeedRecord::Civil {
            person,
            program,
            amount,
            ..
        } => match c {
            Col::Id => out.push_str(person),
            Col::Program => out.push_str(program.label()),
            Col::Amount => money(out, amount),
            _ => {}
        },
        FeedRecord::Disaster {
            household: h,
            hazard,
            loss,
            ..
        } => match c {
            Col::Hazard => out.push_str(hazard.label()),
            Col::Loss => money(out, loss),
            _ => household(out, h),
        },
        FeedRecord::Employment {
            person,
            status,
            wage,
            ..
        } => match c {
            Col::Id => out.push_str(person),
            Col::Employment => out.push_str(status.label()),
            Col::Wage => money(out, wage),
            _ => {}
        },
        FeedRecord::Water {
            household_no, days, ..
        } => match c {
            Col::HouseholdNo => out.push_str(household_no),
            Col::Days => {
                let _ = write!(out, "{days}");
            }
            _ => {}
        },
    }
}

/// Writes the malformed rows of `file` with their 错误说明 to `path`, so a clerk can correct them.
pub fn write_feed_error_workbook(path: &Path, file: &FeedFile) -> Result<(), ExchangeError> {
    feed_error_book(file)?.save(path)?;
    Ok(())
}

/// [`write_feed_error_workbook`] into memory, for a download.
pub fn write_feed_error_workbook_bytes(file: &FeedFile) -> Result<Vec<u8>, ExchangeError> {
    Ok(feed_error_book(file)?.save_to_buffer()?)
}

fn feed_error_book(file: &FeedFile) -> Result<rust_xlsxwriter::Workbook, ExchangeError> {
    let rows = file
        .rejected
        .iter()
        .map(|(n, cells)| (*n, cells.as_slice()))
        .collect();
    errorbook::build_rows(&file.headers, rows, &file.findings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn excel_serials_are_dates_from_march_1900() {
        assert_eq!(excel_serial_date(45366), Some(date!(2024 - 03 - 15)));
        assert_eq!(excel_serial_date(61), Some(date!(1900 - 03 - 01)));
        assert_eq!(excel_serial_date(60), None);
        assert_eq!(excel_serial_date(-5), None);
        assert_eq!(excel_serial_date(i64::MAX), None);
    }

    #[test]
    fn every_kind_has_a_date_and_unique_headers() {
        for kind in FeedKind::ALL {
            let t = feed_columns(*kind);
            assert!(t.iter().any(|c| c.col == Col::Date), "{kind:?}");
            for (i, c) in t.iter().enumerate() {
                assert!(
                    t[i + 1..]
                        .iter()
                        .all(|d| d.header != c.header && d.field != c.field && d.col != c.col),
                    "{kind:?} {}",
                    c.header
                );
                assert!(std::ptr::eq(match_column(t, c.header).expect("header"), c));
                assert!(std::ptr::eq(
                    match_column(t, &c.field.to_uppercase()).expect("field"),
                    c
                ));
            }
        }
    }
}
