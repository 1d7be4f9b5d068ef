//! Rows to households: every check of LAYOUT.md, each failure a finding with row, column and a reason a
//! township clerk understands.
//!
//! Rows arrive one at a time (see `source`). A household is opened by the first row of its 户编号 and
//! its household columns are parsed there; later rows of the same 户编号 are only compared with it.
//! Checks that need the whole household (one 户主, 家庭人口数, incomes) run in `finish`. The household
//! checks live in `household`, the member checks in `member`.

mod household;
mod member;

use household::{build, town_stem};

use std::collections::HashMap;

use time::{Date, Month};
use zhenxing_domain::codes::CodeEnum;
use zhenxing_domain::household::{
    HouseholdKind, MonitoringCategory, Relation, is_valid_phone, parse_yes_no, village_stem,
};
use zhenxing_domain::id_number::parse_ymd;
use zhenxing_domain::{DivisionCode, Member, Yuan};

use crate::cells::CellKind;
use crate::hash::FxMap;
use crate::layout::{FIELD_COUNT, Field, HOUSEHOLD_FIELDS, SPECS, match_header};
use crate::source::RowRef;
use crate::{
    ExchangeError, Finding, ParsedHousehold, RejectedHousehold, Roster, RosterContext, Severity,
};

/// A header row must name at least this many layout columns; rows above it (a title) are skipped.
const HEADER_MIN_MATCHES: usize = 3;
/// How many non-blank rows are searched for the header.
const HEADER_SEARCH_ROWS: usize = 10;
/// Row number → (index in `Roster::rejected`, index in its `rows`): the rows a second pass must copy.
pub(crate) type Wanted = FxMap<usize, (usize, usize)>;

pub(crate) struct Assembler<'c> {
    ctx: &'c RosterContext,
    town_stem: &'c str,
    villages: HashMap<&'c str, &'c DivisionCode>,
    /// Open context only: villages named by the file, with their stand-in codes, in first-seen order.
    found_villages: Vec<(String, DivisionCode)>,
    header: Option<HeaderInfo>,
    /// Non-blank rows seen while looking for the header; the first is kept to name missing columns.
    searched: usize,
    first_row: Option<(usize, Vec<String>)>,
    drafts: Vec<Draft>,
    by_no: FxMap<String, usize>,
    orphans: Vec<usize>,
    ids: FxMap<u64, SeenId>,
    findings: Vec<Finding>,
    member_rows: usize,
    /// Set when the row being read got an error finding.
    row_failed: bool,
}

struct HeaderInfo {
    headers: Vec<String>,
    cols: [Option<usize>; FIELD_COUNT],
}

struct SeenId {
    row: usize,
    draft: Option<usize>,
    reported: bool,
}

/// A household being assembled from its rows.
struct Draft {
    no: String,
    first_row: usize,
    /// The household cells of the first row, to compare the later rows with: one text and where each
    /// cell ends in it (one allocation per household rather than nineteen).
    first_cells: Box<str>,
    first_ends: [u32; HOUSEHOLD_FIELDS],
    head: HouseholdHead,
    rows: Vec<usize>,
    members: Vec<Option<Member>>,
    relations: Vec<Option<Relation>>,
    failed: bool,
}

impl Draft {
    fn first_cell(&self, i: usize) -> &str {
        let start = if i == 0 {
            0
        } else {
            self.first_ends[i - 1] as usize
        };
        self.first_cells
            .get(start..self.first_ends[i] as usize)
            .unwrap_or_default()
    }
}

/// The household columns as parsed from the first row; `None` where blank or bad.
#[derive(Default)]
struct HouseholdHead {
    village: Option<DivisionCode>,
    group: Option<u16>,
    kind: Option<HouseholdKind>,
    category: Option<MonitoringCategory>,
    category_bad: bool,
    size: Option<usize>,
    phone: Option<String>,
    house_safe: Option<bool>,
    water_safe: Option<bool>,
    farmland: Option<i64>,
    year: Option<i32>,
    year_bad: bool,
    parts: [Option<Yuan>; 5],
    net: Option<Yuan>,
    per_capita: Option<Yuan>,
    /// Some income amount is filled in.
    income_given: bool,
    /// Some income amount could not be read; the formulas are not checked then.
    income_bad: bool,
}

/// The text of one cell of the current row; blank when the column is absent.
fn cell<'r>(cols: &[Option<usize>; FIELD_COUNT], cells: &'r [String], f: Field) -> &'r str {
    cols[f.index()]
        .and_then(|i| cells.get(i))
        .map_or("", String::as_str)
}

fn kind_of(cols: &[Option<usize>; FIELD_COUNT], kinds: &[CellKind], f: Field) -> CellKind {
    cols[f.index()]
        .and_then(|i| kinds.get(i))
        .copied()
        .unwrap_or_default()
}

/// `YYYY-MM-DD`, `YYYYMMDD`, `YYYY/M/D`, `YYYY.MM.DD`, `YYYY年M月D日`, optionally followed by a time.
pub(crate) fn parse_date(text: &str) -> Option<Date> {
    let t = text.split_whitespace().next()?.trim_end_matches('日');
    if t.len() == 8 && t.bytes().all(|b| b.is_ascii_digit()) {
        return parse_ymd(t);
    }
    let mut parts = t.split(['-', '/', '.', '年', '月']);
    let y: i32 = parts.next()?.parse().ok()?;
    let m: u8 = parts.next()?.parse().ok()?;
    let d: u8 = parts.next()?.parse().ok()?;
    if parts.next().is_some() || !(1000..=9999).contains(&y) {
        return None;
    }
    Date::from_calendar_date(y, Month::try_from(m).ok()?, d).ok()
}

pub(crate) fn date_text(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day())
}

/// A whole number as typed (`3`, `03`, `3人`): digits only after trimming the given unit.
pub(crate) fn parse_count<T: std::str::FromStr>(text: &str, unit: char) -> Option<T> {
    let t = text.trim().trim_end_matches(unit);
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

impl<'c> Assembler<'c> {
    pub fn new(ctx: &'c RosterContext) -> Self {
        let villages = ctx
            .villages
            .iter()
            .map(|(name, code)| (village_stem(name), code))
            .collect();
        Assembler {
            ctx,
            town_stem: town_stem(&ctx.township),
            villages,
            found_villages: Vec::new(),
            header: None,
            searched: 0,
            first_row: None,
            drafts: Vec::new(),
            by_no: FxMap::default(),
            orphans: Vec::new(),
            ids: FxMap::default(),
            findings: Vec::new(),
            member_rows: 0,
            row_failed: false,
        }
    }

    pub fn member_rows(&self) -> usize {
        self.member_rows
    }

    /// Takes the next non-blank row of the sheet.
    pub fn row(&mut self, row: RowRef<'_>) -> Result<(), ExchangeError> {
        if row.is_blank() {
            return Ok(());
        }
        match self.header.take() {
            Some(h) => {
                self.data_row(&h, &row);
                self.header = Some(h);
                Ok(())
            }
            None => self.header_candidate(&row),
        }
    }

    fn header_candidate(&mut self, row: &RowRef<'_>) -> Result<(), ExchangeError> {
        let matches = row
            .cells
            .iter()
            .filter(|c| match_header(c).is_some())
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

    /// No row looked like a header: the first one is taken as such, so the error names what it lacks.
    fn header_from_first_row(&mut self) -> Result<(), ExchangeError> {
        match self.first_row.take() {
            Some((n, cells)) => self.set_header(n, &cells),
            None => Err(ExchangeError::EmptySheet),
        }
    }

    fn set_header(&mut self, row: usize, cells: &[String]) -> Result<(), ExchangeError> {
        let mut cols = [None; FIELD_COUNT];
        for (i, text) in cells.iter().enumerate() {
            if text.is_empty() {
                continue;
            }
            match match_header(text) {
                Some(f) if cols[f.index()].is_none() => cols[f.index()] = Some(i),
                Some(f) => self.warn(
                    row,
                    text,
                    format!("与前面的列重复（都表示“{}”），本列已忽略", f.header()),
                ),
                None => self.warn(row, text, "不是花名册的列，已忽略".to_string()),
            }
        }
        let missing: Vec<String> = SPECS
            .iter()
            .filter(|s| s.required && cols[s.field.index()].is_none())
            .map(|s| s.header.to_string())
            .collect();
        if !missing.is_empty() {
            return Err(ExchangeError::MissingHeaders(missing));
        }
        let mut headers = cells.to_vec();
        while headers.last().is_some_and(String::is_empty) {
            headers.pop();
        }
        self.header = Some(HeaderInfo { headers, cols });
        Ok(())
    }

    fn warn(&mut self, row: usize, column: &str, message: String) {
        self.findings.push(Finding {
            row,
            column: Some(column.to_string()),
            household_no: None,
            severity: Severity::Warning,
            message,
        });
    }

    fn data_row(&mut self, h: &HeaderInfo, row: &RowRef<'_>) {
        self.member_rows += 1;
        self.row_failed = false;
        let n = row.number;
        let no = cell(&h.cols, row.cells, Field::HouseholdNo);
        let draft = if no.is_empty() {
            self.error(h, n, Field::HouseholdNo, None, "户编号不能为空".to_string());
            None
        } else if let Some(&d) = self.by_no.get(no) {
            self.compare_household(h, row, d);
            Some(d)
        } else {
            let head = self.parse_household(h, row, no);
            let mut first_cells = String::new();
            let mut first_ends = [0u32; HOUSEHOLD_FIELDS];
            for (spec, end) in SPECS.iter().zip(first_ends.iter_mut()) {
                first_cells.push_str(cell(&h.cols, row.cells, spec.field));
                *end = u32::try_from(first_cells.len()).unwrap_or(u32::MAX);
            }
            let d = self.drafts.len();
            self.drafts.push(Draft {
                no: no.to_string(),
                first_row: n,
                first_cells: first_cells.into_boxed_str(),
                first_ends,
                head,
                rows: Vec::new(),
                members: Vec::new(),
                relations: Vec::new(),
                failed: false,
            });
            self.by_no.insert(no.to_string(), d);
            Some(d)
        };
        let no = Some(no).filter(|n| !n.is_empty());
        let (member, relation) = self.parse_member(h, row, no, draft);
        match draft {
            Some(d) => {
                let dr = &mut self.drafts[d];
                dr.rows.push(n);
                dr.members.push(member);
                dr.relations.push(relation);
                dr.failed |= self.row_failed;
            }
            None => self.orphans.push(n),
        }
    }

    fn error(&mut self, h: &HeaderInfo, row: usize, f: Field, no: Option<&str>, message: String) {
        self.row_failed = true;
        self.findings.push(Finding {
            row,
            column: Some(column_name(h, f)),
            household_no: no.map(str::to_string),
            severity: Severity::Error,
            message,
        });
    }

    /// A code-table cell: blank is `None`, an unknown value a finding.
    fn code<T: CodeEnum>(
        &mut self,
        h: &HeaderInfo,
        row: &RowRef<'_>,
        f: Field,
        no: Option<&str>,
    ) -> Result<Option<T>, ()> {
        let t = cell(&h.cols, row.cells, f);
        if t.is_empty() {
            return Ok(None);
        }
        match T::parse_label(t) {
            Some(v) => Ok(Some(v)),
            None => {
                self.error(
                    h,
                    row.number,
                    f,
                    no,
                    format!("“{t}”无效：{}", T::expected_message()),
                );
                Err(())
            }
        }
    }

    fn yes_no(
        &mut self,
        h: &HeaderInfo,
        row: &RowRef<'_>,
        f: Field,
        no: Option<&str>,
    ) -> Option<bool> {
        let t = cell(&h.cols, row.cells, f);
        if t.is_empty() {
            return None;
        }
        let v = parse_yes_no(t);
        if v.is_none() {
            self.error(
                h,
                row.number,
                f,
                no,
                format!("“{t}”无效：{}应填 是 或 否", f.header()),
            );
        }
        v
    }

    fn phone(
        &mut self,
        h: &HeaderInfo,
        row: &RowRef<'_>,
        f: Field,
        no: Option<&str>,
    ) -> Option<String> {
        let t = cell(&h.cols, row.cells, f);
        if t.is_empty() {
            return None;
        }
        if is_valid_phone(t) {
            Some(t.to_string())
        } else {
            self.error(
                h,
                row.number,
                f,
                no,
                format!("电话号码“{t}”无效：应为11位手机号或带区号的固定电话"),
            );
            None
        }
    }

    fn amount(
        &mut self,
        h: &HeaderInfo,
        row: &RowRef<'_>,
        f: Field,
        no: Option<&str>,
    ) -> Result<Option<Yuan>, ()> {
        let t = cell(&h.cols, row.cells, f);
        if t.is_empty() {
            return Ok(None);
        }
        Yuan::parse(t)
            .map(Some)
            .map_err(|e| self.error(h, row.number, f, no, e.to_string()))
    }

    /// The whole-household checks, then the roster. Also returns the rows a second pass must copy for
    /// the error workbook.
    pub fn finish(mut self) -> Result<(Roster, Wanted), ExchangeError> {
        if self.header.is_none() {
            self.header_from_first_row()?;
        }
        let Some(h) = self.header.take() else {
            return Err(ExchangeError::EmptySheet);
        };
        if self.member_rows == 0 {
            return Err(ExchangeError::EmptySheet);
        }
        let drafts = std::mem::take(&mut self.drafts);
        let mut households = Vec::new();
        let mut rejected: Vec<RejectedHousehold> = Vec::new();
        for mut d in drafts {
            self.household_checks(&h, &mut d);
            match (!d.failed).then(|| build(&mut d)).flatten() {
                Some(household) => households.push(ParsedHousehold {
                    household,
                    rows: d.rows,
                }),
                None => rejected.push(RejectedHousehold {
                    household_no: Some(d.no),
                    rows: d.rows.into_iter().map(|r| (r, Vec::new())).collect(),
                }),
            }
        }
        for r in std::mem::take(&mut self.orphans) {
            rejected.push(RejectedHousehold {
                household_no: None,
                rows: vec![(r, Vec::new())],
            });
        }
        rejected.sort_by_key(|r| r.rows.first().map_or(0, |(row, _)| *row));
        let mut wanted = Wanted::default();
        for (hi, r) in rejected.iter().enumerate() {
            for (i, (row, _)) in r.rows.iter().enumerate() {
                wanted.insert(*row, (hi, i));
            }
        }
        self.findings.sort_by_key(|f| f.row);
        let roster = Roster {
            households,
            rejected,
            findings: self.findings,
            headers: h.headers,
            member_rows: self.member_rows,
            township: self.ctx.township.clone(),
            village_names: self
                .ctx
                .villages
                .iter()
                .map(|(n, c)| (c.clone(), n.clone()))
                .chain(self.found_villages.into_iter().map(|(n, c)| (c, n)))
                .collect(),
        };
        Ok((roster, wanted))
    }
}

fn column_name(h: &HeaderInfo, f: Field) -> String {
    h.cols[f.index()]
        .and_then(|i| h.headers.get(i))
        .map_or_else(|| f.header().to_string(), Clone::clone)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn dates_are_read_in_the_usual_spellings() {
        for text in [
            "1980-03-07",
            "19800307",
            "1980/3/7",
            "1980.03.07",
            "1980年3月7日",
            "1980-03-07 00:00:00",
        ] {
            assert_eq!(parse_date(text), Some(date!(1980 - 03 - 07)), "{text}");
        }
        assert_eq!(parse_date("1980-02-30"), None);
        assert_eq!(parse_date("三月"), None);
    }
}
