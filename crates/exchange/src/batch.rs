//! Batch reading for screening at a province's scale (`zhenxing screen --roster … --feeds DIR`):
//! the same files, the same accepted households and records, and the same findings as
//! [`read_roster`](crate::read_roster) and [`read_feed`](crate::read_feed), at CSV-parsing speed.
//!
//! # How it stays exact
//!
//! A CSV is read with the `csv` crate's `ByteRecord` into borrowed cells (no `String` per cell), and
//! every cell is checked by a **fast path** that accepts only values in their plain, regular form —
//! an 18-character resident ID with its check character, `YYYY-MM-DD`, money as `1234.50`, a code
//! table's own label — and parses them exactly; anything else goes to the domain's own parser
//! (`IdNumber::parse`, `Yuan::parse`, `parse_label` …), so a value the fast path accepts is always
//! read as the full reader reads it. What the fast path cannot settle is handed to the full reader:
//!
//! - **Rosters**: a household with any irregular cell — an error, a warning (a placeholder ID), rows
//!   disagreeing with its first row, rows not next to each other, a duplicate ID, the household
//!   checks (one 户主, 家庭人口数, category, the income formula) — is marked *suspect*; after the pass,
//!   the file is read again and only the rows of suspect households (and rows without 户编号) go
//!   through the full validator ([`validate::Assembler`]), which gives their findings and decides
//!   them. The validator's checks that span households are the duplicate-ID check (every household
//!   sharing an ID is suspect, so it sees every occurrence) and the village names (taken from this
//!   pass, in file order), so its verdicts are those of a full read. A file the fast path does not
//!   know how to start (xlsx, GBK, a title above the header, an unknown column, a deployment's
//!   village list) is read by [`read_roster`](crate::read_roster) altogether.
//! - **Feeds**: a row the fast path cannot read is handed, as the same decoded row, to the feed
//!   reader itself (`feeds::Reader`), which reads it or reports it; the header always goes through
//!   it. A feed row is independent of the others, so nothing else is needed.
//!
//! Memory: a roster file becomes compact households (integer ID keys, codes, one income record); a
//! feed file is streamed to a callback, medical settlements as plain values without allocation.

use std::collections::HashMap;
use std::fs::File;
use std::path::Path;

use time::{Date, Month};
use zhenxing_domain::codes::CodeEnum;
use zhenxing_domain::feed::{
    AssistanceProgram, DisabilityChange, EmploymentStatus, FeedKind, FeedRecord, Hazard,
    HouseRating, HouseholdRef, PoliceEvent, SchoolStage, SchoolStatus, VisitType, check_medical,
};
use zhenxing_domain::household::{
    DisabilityGrade, Education, Health, HouseholdKind, Labour, MonitoringCategory, Relation,
    Schooling, Sex, is_valid_phone, parse_group, parse_yes_no, village_stem,
};
use zhenxing_domain::{IdNumber, IncomeRecord, Yuan};

use crate::feeds::{COL_COUNT, Col, Reader};
use crate::hash::FxMap;
use crate::layout::{FIELD_COUNT, Field, HOUSEHOLD_FIELDS, SPECS, match_header};
use crate::source::{self, Encoding, Format, RowBuf, RowRef};
use crate::validate::{Assembler, parse_count, parse_date};
use crate::{ExchangeError, Finding, RosterContext, Severity};

/// The read buffer of the CSV parser.
const BUFFER: usize = 1 << 18;

// ---------------------------------------------------------------------------------------------
// Cells: fast exact parsers, each falling back to the domain's parser.
// ---------------------------------------------------------------------------------------------

/// The 18-character resident ID as an integer: the 17 digits × 11 + the check character (X = 10).
/// The same key as `zhenxing_screening::id_key`.
pub fn id_key(base: &str) -> Option<u64> {
    let b = base.as_bytes();
    if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let digits = b[..17]
        .iter()
        .fold(0u64, |k, d| k * 10 + u64::from(d - b'0'));
    let check = match b[17] {
        c @ b'0'..=b'9' => u64::from(c - b'0'),
        b'X' | b'x' => 10,
        _ => return None,
    };
    Some(digits * 11 + check)
}

const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECKS: &[u8; 11] = b"10X98765432";

fn digit2(b: &[u8]) -> u32 {
    u32::from(b[0] - b'0') * 10 + u32::from(b[1] - b'0')
}

/// A resident ID read the fast way: its key, birth date and sex digit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Id {
    key: u64,
    birth: Date,
    male: bool,
}

/// An ID cell in the plain form — 17 digits and a digit or `X`, a valid birth date not after
/// `today` nor before 1880, the right check character, and not a `999999` placeholder — exactly as
/// `IdNumber::parse` reads it; `None` for anything else.
fn fast_id(b: &[u8], today: Date) -> Option<Id> {
    if b.len() != 18 || b.starts_with(b"999999") {
        return None;
    }
    let mut sum = 0u32;
    let mut digits = 0u64;
    for (i, w) in ID_WEIGHTS.iter().enumerate() {
        let d = b[i].wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        sum += u32::from(d) * w;
        digits = digits * 10 + u64::from(d);
    }
    let last = b[17];
    if last != ID_CHECKS[(sum % 11) as usize] {
        return None;
    }
    let check = if last == b'X' {
        10
    } else {
        u64::from(last - b'0')
    };
    let year = i32::try_from(digit2(&b[6..8]) * 100 + digit2(&b[8..10])).ok()?;
    let month = Month::try_from(u8::try_from(digit2(&b[10..12])).ok()?).ok()?;
    let birth =
        Date::from_calendar_date(year, month, u8::try_from(digit2(&b[12..14])).ok()?).ok()?;
    if year < 1880 || birth > today {
        return None;
    }
    Some(Id {
        key: digits * 11 + check,
        birth,
        male: (b[16] - b'0') % 2 == 1,
    })
}

/// `YYYY-MM-DD` exactly as `parse_date` reads it; `None` for any other spelling.
fn fast_date(b: &[u8]) -> Option<Date> {
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let all_digits = b[..4]
        .iter()
        .chain(&b[5..7])
        .chain(&b[8..])
        .all(u8::is_ascii_digit);
    if !all_digits {
        return None;
    }
    let year = digit2(&b[..2]) * 100 + digit2(&b[2..4]);
    if year < 1000 {
        return None;
    }
    let month = Month::try_from(u8::try_from(digit2(&b[5..7])).ok()?).ok()?;
    Date::from_calendar_date(
        i32::try_from(year).ok()?,
        month,
        u8::try_from(digit2(&b[8..])).ok()?,
    )
    .ok()
}

/// Money as `-?\d{1,15}(\.\d{1,2})?` exactly as `Yuan::parse` reads it; `None` for anything else.
fn fast_yuan(b: &[u8]) -> Option<Yuan> {
    let (neg, body) = match b.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, b),
    };
    let (int, frac) = match body.iter().position(|c| *c == b'.') {
        Some(p) => (&body[..p], &body[p + 1..]),
        None => (body, &body[..0]),
    };
    if int.is_empty()
        || int.len() > 15
        || frac.len() > 2
        || (frac.is_empty() && body.len() != int.len())
    {
        return None;
    }
    let mut fen: i64 = 0;
    for c in int {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        fen = fen * 10 + i64::from(d);
    }
    let mut cents: i64 = 0;
    for i in 0..2 {
        let d = match frac.get(i) {
            Some(c) if c.is_ascii_digit() => i64::from(c - b'0'),
            Some(_) => return None,
            None => 0,
        };
        cents = cents * 10 + d;
    }
    let fen = fen * 100 + cents;
    Some(Yuan::from_fen(if neg { -fen } else { fen }))
}

/// [`fast_yuan`], else `Yuan::parse`.
fn yuan(t: &str) -> Option<Yuan> {
    fast_yuan(t.as_bytes()).or_else(|| Yuan::parse(t).ok())
}

/// A code cell by its exact label first (the common case), else `parse_label`.
fn code<T: CodeEnum>(t: &str) -> Option<T> {
    T::ALL
        .iter()
        .copied()
        .find(|v| v.label() == t)
        .or_else(|| T::parse_label(t))
}

/// An 11-digit mobile number starting with 1 is valid; anything else is asked of `is_valid_phone`.
fn phone_ok(t: &str) -> bool {
    let b = t.as_bytes();
    (b.len() == 11 && b[0] == b'1' && b.iter().all(u8::is_ascii_digit)) || is_valid_phone(t)
}

/// A fast 64-bit hash of a 户编号 (to notice a household whose rows are not next to each other).
fn text_hash(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for c in s.as_bytes().chunks(8) {
        let mut w = [0u8; 8];
        w[..c.len()].copy_from_slice(c);
        h = (h ^ u64::from_le_bytes(w)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        h ^= h >> 29;
    }
    (h ^ s.len() as u64).wrapping_mul(0xBF58_476D_1CE4_E5B9)
}

// ---------------------------------------------------------------------------------------------
// Rosters.
// ---------------------------------------------------------------------------------------------

/// A member as screening needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchMember {
    /// The 18-character resident ID as [`id_key`].
    pub id_key: u64,
    pub birth: Date,
    pub labour: Option<Labour>,
    pub disability: Option<DisabilityGrade>,
}

/// A household read without error, as screening needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchHousehold {
    pub household_no: String,
    /// Index into [`BatchRoster::villages`].
    pub village: u32,
    pub kind: HouseholdKind,
    pub members: Vec<BatchMember>,
    /// The file's income year, when filled.
    pub income: Option<IncomeRecord>,
}

/// A roster file read for screening.
#[derive(Debug, Clone, Default)]
pub struct BatchRoster {
    /// Households without error findings, in file order.
    pub households: Vec<BatchHousehold>,
    /// Village names as the file first writes each (villages told apart by their stem, as an open
    /// [`RosterContext`] does).
    pub villages: Vec<String>,
    /// Every finding, sorted by row: those a full read gives.
    pub findings: Vec<Finding>,
    /// Households (and rows without 户编号) rejected for errors.
    pub rejected: usize,
    /// Non-blank data rows.
    pub member_rows: usize,
    /// Households the fast path handed to the full validator.
    pub checked_in_full: usize,
    /// The file was read by the full reader altogether.
    pub full_reader: bool,
}

impl BatchRoster {
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Error)
    }
}

/// Reads a roster file for batch screening with an open context ([`RosterContext::open`]): the
/// households, findings and village names of [`read_roster`](crate::read_roster), faster.
pub fn read_roster_batch(path: &Path, ctx: &RosterContext) -> Result<BatchRoster, ExchangeError> {
    if ctx.is_open()
        && source::detect_path(path)? == Format::Csv
        && let Some(r) = FastRoster::read(path, ctx.today)?
    {
        return finish_roster(r, path, ctx);
    }
    let roster = crate::read_roster(path, ctx, &|_| {})?;
    let mut out = BatchRoster {
        full_reader: true,
        rejected: roster.rejected.len(),
        member_rows: roster.member_rows,
        checked_in_full: roster.households.len() + roster.rejected.len(),
        ..BatchRoster::default()
    };
    let mut stems: FxMap<String, u32> = FxMap::default();
    for ph in &roster.households {
        let h = &ph.household;
        let name = roster
            .village_name(&h.village)
            .unwrap_or(h.village.as_str());
        let village = village_index(&mut stems, &mut out.villages, name);
        out.households.push(batch_household(h, village));
    }
    out.findings = roster.findings;
    Ok(out)
}

fn village_index(stems: &mut FxMap<String, u32>, names: &mut Vec<String>, name: &str) -> u32 {
    let stem = village_stem(name);
    if let Some(i) = stems.get(stem) {
        return *i;
    }
    let i = u32::try_from(names.len()).unwrap_or(u32::MAX);
    stems.insert(stem.to_string(), i);
    names.push(name.trim().to_string());
    i
}

fn batch_household(h: &zhenxing_domain::Household, village: u32) -> BatchHousehold {
    BatchHousehold {
        household_no: h.household_no.clone(),
        village,
        kind: h.kind,
        members: h
            .members
            .iter()
            .filter_map(|m| {
                Some(BatchMember {
                    id_key: id_key(m.id_number.base())?,
                    birth: m.birth_date,
                    labour: m.labour,
                    disability: m.disability_grade,
                })
            })
            .collect(),
        income: h.incomes.first().copied(),
    }
}

/// A cell as the full reader sees it: the field, decoded as UTF-8 and trimmed; `None` when it is
/// not UTF-8 (the full reader then decodes it as GB18030: left to it).
fn text(b: &[u8]) -> Option<&str> {
    std::str::from_utf8(b).ok().map(str::trim)
}

/// A code cell: `Some(None)` blank, `Some(Some(v))` known, `None` unknown (or not UTF-8). A cell
/// spelling a label byte for byte is that label (no decoding or trimming needed).
fn code_cell<T: CodeEnum>(b: &[u8]) -> Option<Option<T>> {
    if b.is_empty() {
        return Some(None);
    }
    if let Some(v) = T::ALL.iter().find(|v| v.label().as_bytes() == b) {
        return Some(Some(*v));
    }
    let t = text(b)?;
    if t.is_empty() {
        return Some(None);
    }
    T::parse_label(t).map(Some)
}

/// A 是/否 cell is regular (blank or readable).
fn yes_no_cell(b: &[u8]) -> bool {
    b.is_empty()
        || b == "是".as_bytes()
        || b == "否".as_bytes()
        || text(b).is_some_and(|t| t.is_empty() || parse_yes_no(t).is_some())
}

/// A phone cell is regular (blank or valid).
fn phone_cell(b: &[u8]) -> bool {
    b.is_empty() || text(b).is_some_and(|t| t.is_empty() || phone_ok(t))
}

/// Surely not blank: some field starts with a printable ASCII character (which trimming keeps).
fn surely_filled(raw: &csv::ByteRecord) -> bool {
    raw.iter()
        .take(source::MAX_COLUMNS)
        .any(|f| f.first().is_some_and(|b| (b'!'..=b'~').contains(b)))
}

/// Blank as the full reader sees it (which keeps the first `MAX_COLUMNS` cells, decoded).
fn blank(raw: &csv::ByteRecord) -> Option<bool> {
    let mut all = true;
    for f in raw.iter().take(source::MAX_COLUMNS) {
        all &= text(f)?.is_empty();
    }
    Some(all)
}

/// A household of the fast pass: read, or left to the full validator.
enum Slot {
    Clean(BatchHousehold),
    Suspect(String),
}

/// The household being read (its rows are next to each other in the fast path).
struct Open {
    slot: usize,
    no: String,
    village: u32,
    kind: Option<HouseholdKind>,
    category: Option<MonitoringCategory>,
    size: Option<usize>,
    year: Option<i32>,
    parts: [Option<Yuan>; 5],
    net: Option<Yuan>,
    per_capita: Option<Yuan>,
    income_given: bool,
    members: Vec<BatchMember>,
    heads: usize,
    rows: usize,
    suspect: bool,
}

/// Where the household cells are in a record.
enum HouseholdCells {
    /// The household columns are the fields `start..start + HOUSEHOLD_FIELDS` (in any order): a
    /// row repeats its household's cells when those bytes and field lengths repeat.
    Span(usize),
    /// Elsewhere: compared field by field.
    Fields,
}

struct FastRoster {
    today: Date,
    cols: [Option<usize>; FIELD_COUNT],
    household_cells: HouseholdCells,
    header_line: usize,
    villages: Vec<String>,
    stems: FxMap<String, u32>,
    /// The slots whose run of rows named a village first (in slot order).
    village_firsts: Vec<u32>,
    slots: Vec<Slot>,
    /// (户编号 hash, slot) of every run of rows of one household, to notice a household whose
    /// rows are not next to each other (sorted at the end).
    runs: Vec<(u64, u32)>,
    /// The ID key of every row whose ID reads, for the duplicate check (sorted at the end; the
    /// households holding a duplicate are found then).
    ids: Vec<u64>,
    orphans: usize,
    member_rows: usize,
    open: Option<Open>,
    /// The household cells of the open household's first row and where each field ends.
    first_cells: Vec<u8>,
    first_ends: Vec<usize>,
}

impl FastRoster {
    /// The fast pass over a CSV roster; `None` when the file must be read in full.
    fn read(path: &Path, today: Date) -> Result<Option<FastRoster>, ExchangeError> {
        let file = File::open(path)?;
        // Room for the rows a file of this size holds (LAYOUT.md rows are 150–300 bytes): growing
        // these by doubling would copy them and fault fresh memory in again and again.
        let bytes = usize::try_from(file.metadata()?.len()).unwrap_or(0);
        let (rows, households) = (bytes / 150, bytes / 400);
        let (mut csv, encoding) = source::open_csv(file, BUFFER)?;
        if encoding != Encoding::Utf8 {
            return Ok(None);
        }
        let mut raw = csv::ByteRecord::new();
        let mut fast = FastRoster {
            today,
            cols: [None; FIELD_COUNT],
            household_cells: HouseholdCells::Fields,
            header_line: 0,
            villages: Vec::new(),
            stems: FxMap::default(),
            village_firsts: Vec::new(),
            slots: Vec::with_capacity(households),
            runs: Vec::with_capacity(households),
            ids: Vec::with_capacity(rows),
            orphans: 0,
            member_rows: 0,
            open: None,
            first_cells: Vec::new(),
            first_ends: Vec::new(),
        };
        let mut header = false;
        while csv.read_byte_record(&mut raw).map_err(source::unreadable)? {
            if !surely_filled(&raw) {
                match blank(&raw) {
                    Some(true) => continue,
                    Some(false) => {}
                    // A cell that is not UTF-8 on a row that may be blank.
                    None => return Ok(None),
                }
            }
            if !header {
                if !fast.header(&raw) {
                    return Ok(None);
                }
                fast.header_line = source::csv_line(&raw);
                header = true;
                continue;
            }
            if !fast.row(&raw) {
                return Ok(None);
            }
        }
        if !header || fast.member_rows == 0 {
            return Ok(None);
        }
        fast.close();
        if !fast.apart_and_duplicates() {
            return Ok(None);
        }
        Ok(Some(fast))
    }

    /// The first non-blank row must be a header naming only layout columns, each once, with every
    /// required one (else the full reader finds the header, or says what is wrong).
    fn header(&mut self, raw: &csv::ByteRecord) -> bool {
        for (i, cell) in raw.iter().enumerate() {
            let Some(t) = text(cell) else {
                return false;
            };
            if t.is_empty() {
                continue;
            }
            match match_header(t) {
                Some(f) if i < source::MAX_COLUMNS && self.cols[f.index()].is_none() => {
                    self.cols[f.index()] = Some(i);
                }
                _ => return false,
            }
        }
        if !SPECS
            .iter()
            .all(|s| !s.required || self.cols[s.field.index()].is_some())
        {
            return false;
        }
        let mut at: Vec<usize> = SPECS[..HOUSEHOLD_FIELDS]
            .iter()
            .filter_map(|s| self.cols[s.field.index()])
            .collect();
        at.sort_unstable();
        if at.len() == HOUSEHOLD_FIELDS && at[HOUSEHOLD_FIELDS - 1] - at[0] == HOUSEHOLD_FIELDS - 1
        {
            self.household_cells = HouseholdCells::Span(at[0]);
        }
        true
    }

    fn field<'r>(&self, raw: &'r csv::ByteRecord, f: Field) -> &'r [u8] {
        self.cols[f.index()]
            .and_then(|i| raw.get(i))
            .unwrap_or_default()
    }

    /// Whether this row repeats the household cells of the open household's first row.
    fn repeats_household(&self, raw: &csv::ByteRecord) -> bool {
        match self.household_cells {
            HouseholdCells::Span(start) => {
                let (Some(a), Some(b)) =
                    (raw.range(start), raw.range(start + HOUSEHOLD_FIELDS - 1))
                else {
                    return false;
                };
                let bytes = &raw.as_slice()[a.start..b.end];
                bytes == self.first_cells.as_slice()
                    && (start..start + HOUSEHOLD_FIELDS)
                        .zip(&self.first_ends)
                        .all(|(i, end)| raw.range(i).is_some_and(|r| r.end - a.start == *end))
            }
            HouseholdCells::Fields => {
                let mut start = 0;
                SPECS[..HOUSEHOLD_FIELDS]
                    .iter()
                    .zip(&self.first_ends)
                    .all(|(s, end)| {
                        let same = self.field(raw, s.field) == &self.first_cells[start..*end];
                        start = *end;
                        same
                    })
            }
        }
    }

    fn remember_household(&mut self, raw: &csv::ByteRecord) {
        self.first_cells.clear();
        self.first_ends.clear();
        match self.household_cells {
            HouseholdCells::Span(start) => {
                let base = raw.range(start).map_or(0, |r| r.start);
                for i in start..start + HOUSEHOLD_FIELDS {
                    if let Some(r) = raw.range(i) {
                        self.first_cells
                            .extend_from_slice(&raw.as_slice()[r.clone()]);
                        self.first_ends.push(r.end - base);
                    }
                }
            }
            HouseholdCells::Fields => {
                for s in &SPECS[..HOUSEHOLD_FIELDS] {
                    self.first_cells.extend_from_slice(self.field(raw, s.field));
                    self.first_ends.push(self.first_cells.len());
                }
            }
        }
    }

    /// One data row; `false` when the file must be read in full.
    fn row(&mut self, raw: &csv::ByteRecord) -> bool {
        self.member_rows += 1;
        let same = self.open.is_some() && self.repeats_household(raw);
        if !same {
            let Some(no) = text(self.field(raw, Field::HouseholdNo)) else {
                // An unreadable 户编号: decoded as GB18030, it may or may not match others.
                return false;
            };
            if no.is_empty() {
                self.orphans += 1;
                if let Some(id) = self.member(raw).1 {
                    self.ids.push(id);
                }
                return true;
            }
            if self.open.as_ref().is_some_and(|o| o.no == no) {
                // The household's cells differ from its first row: the full validator compares.
                if let Some(o) = self.open.as_mut() {
                    o.suspect = true;
                }
            } else {
                self.close();
                if !self.start(raw, no) {
                    return false;
                }
            }
        }
        let (member, id, head) = self.member(raw);
        if let Some(id) = id {
            self.ids.push(id);
        }
        if let Some(o) = self.open.as_mut() {
            o.rows += 1;
            match member {
                Some(m) => o.members.push(m),
                None => o.suspect = true,
            }
            o.heads += usize::from(head);
        }
        true
    }

    /// The first row of a run of a household's rows: its household cells.
    fn start(&mut self, raw: &csv::ByteRecord, no: &str) -> bool {
        let slot = self.slots.len();
        self.runs.push((text_hash(no), slot as u32));
        self.remember_household(raw);
        let mut ok = true;
        let mut cell = |f: Field| -> &str {
            let t = text(self.field(raw, f));
            ok &= t.is_some();
            t.unwrap_or_default()
        };
        let town = cell(Field::Town);
        let village_text = cell(Field::Village);
        let group = cell(Field::Group);
        let kind_text = cell(Field::Kind);
        let category_text = cell(Field::Category);
        let size_text = cell(Field::Size);
        let phone = cell(Field::Phone);
        let house = cell(Field::HouseSafe);
        let water = cell(Field::WaterSafe);
        let farmland = cell(Field::Farmland);
        let year_text = cell(Field::IncomeYear);
        let amounts = [
            cell(Field::Wage),
            cell(Field::Business),
            cell(Field::Property),
            cell(Field::Transfer),
            cell(Field::Expense),
            cell(Field::Net),
            cell(Field::PerCapita),
        ];
        ok &= !town.is_empty() && !village_text.is_empty();
        let village = if village_text.is_empty() {
            u32::MAX
        } else {
            let stem = village_stem(village_text);
            match self.stems.get(stem) {
                Some(i) => *i,
                None => {
                    if self.villages.len() >= 999_998 {
                        // The open context's stand-in codes run out here.
                        return false;
                    }
                    // If this run turns out not to be the household's first, the full reader
                    // would not have named the village here (see `apart_and_duplicates`).
                    self.village_firsts.push(slot as u32);
                    village_index(&mut self.stems, &mut self.villages, village_text)
                }
            }
        };
        ok &= group.is_empty() || parse_group(group).is_some();
        let kind = code::<HouseholdKind>(kind_text);
        ok &= kind.is_some();
        let category = code::<MonitoringCategory>(category_text);
        ok &= category_text.is_empty() || category.is_some();
        let size = parse_count::<usize>(size_text, '人').filter(|s| *s > 0);
        ok &= size_text.is_empty() || size.is_some();
        ok &= phone.is_empty() || phone_ok(phone);
        for t in [house, water] {
            ok &= t.is_empty() || parse_yes_no(t).is_some();
        }
        ok &= farmland.is_empty()
            || yuan(farmland.trim_end_matches('亩')).is_some_and(|v| v >= Yuan::ZERO);
        let year = parse_count::<i32>(year_text, '年');
        ok &= year_text.is_empty() || year.is_some();
        let mut income_given = false;
        let mut values = [None; 7];
        for (v, t) in values.iter_mut().zip(amounts) {
            if t.is_empty() {
                continue;
            }
            income_given = true;
            *v = yuan(t);
            ok &= v.is_some();
        }
        let [wage, business, property, transfer, expense, net, per_capita] = values;
        // Set when the household is closed.
        self.slots.push(Slot::Suspect(String::new()));
        self.open = Some(Open {
            slot,
            no: no.to_string(),
            village,
            kind,
            category,
            size,
            year,
            parts: [wage, business, property, transfer, expense],
            net,
            per_capita,
            income_given,
            members: Vec::with_capacity(size.unwrap_or(4).min(16)),
            heads: 0,
            rows: 0,
            suspect: !ok,
        });
        true
    }

    /// The member cells of a row: the member when every cell is regular, the ID key when the ID
    /// reads (for the duplicate check), and whether the row is the 户主's.
    fn member(&self, raw: &csv::ByteRecord) -> (Option<BatchMember>, Option<u64>, bool) {
        let f = |field: Field| self.field(raw, field);
        let id_raw = f(Field::IdNumber);
        let fast = fast_id(id_raw, self.today);
        let relation = code_cell::<Relation>(f(Field::Relation));
        let head = relation == Some(Some(Relation::Head));
        let Some(id) = fast else {
            // Placeholders, 15-digit and disability numbers, and bad ones: the full validator
            // reads them; the key (if any) still counts for the duplicate check.
            let key = text(id_raw).and_then(|t| {
                let numeric = (t.contains("E+") || t.contains("e+")) && t.parse::<f64>().is_ok();
                let id = IdNumber::parse(t, self.today).ok().filter(|_| !numeric)?;
                id_key(id.base())
            });
            return (None, key, head);
        };
        let mut ok = matches!(relation, Some(Some(_)));
        ok &= text(f(Field::Name)).is_some_and(|n| !n.is_empty() && n.chars().count() <= 30);
        ok &= match code_cell::<Sex>(f(Field::Sex)) {
            Some(None) => true,
            Some(Some(s)) => (s == Sex::Male) == id.male,
            None => false,
        };
        let birth = f(Field::BirthDate);
        ok &= birth.is_empty()
            || birth_matches(birth, id_raw)
            || text(birth).is_some_and(|t| t.is_empty() || parse_date(t) == Some(id.birth));
        ok &= code_cell::<Education>(f(Field::Education)).is_some();
        ok &= code_cell::<Schooling>(f(Field::Schooling)).is_some();
        let health = code_cell::<Health>(f(Field::Health));
        let grade = code_cell::<DisabilityGrade>(f(Field::DisabilityGrade));
        let labour = code_cell::<Labour>(f(Field::Labour));
        let (Some(health), Some(grade), Some(labour)) = (health, grade, labour) else {
            return (None, Some(id.key), head);
        };
        ok &= !(health == Some(Health::Disabled) && grade.is_none());
        let months = f(Field::WorkMonths);
        ok &= match months {
            [] => true,
            [d] if d.is_ascii_digit() => true,
            [b'1', d] if (b'0'..=b'2').contains(d) => true,
            _ => text(months).is_some_and(|t| {
                t.is_empty() || parse_count::<u8>(t, '月').is_some_and(|m| m <= 12)
            }),
        };
        for field in [
            Field::MedicalInsured,
            Field::PensionInsured,
            Field::Dibao,
            Field::Tekun,
        ] {
            ok &= yes_no_cell(f(field));
        }
        let phone = f(Field::MemberPhone);
        ok &= phone.is_empty()
            || (phone.len() == 11 && phone[0] == b'1' && phone.iter().all(u8::is_ascii_digit))
            || phone_cell(phone);
        let member = ok.then_some(BatchMember {
            id_key: id.key,
            birth: id.birth,
            labour,
            disability: grade,
        });
        (member, Some(id.key), head)
    }

    fn suspect_slot(&mut self, slot: usize) {
        if let Some(Slot::Clean(h)) = self.slots.get_mut(slot) {
            let no = std::mem::take(&mut h.household_no);
            self.slots[slot] = Slot::Suspect(no);
        } else if let Some(o) = self.open.as_mut().filter(|o| o.slot == slot) {
            o.suspect = true;
        }
    }

    fn slot_no(&self, slot: usize) -> &str {
        match &self.slots[slot] {
            Slot::Clean(h) => &h.household_no,
            Slot::Suspect(no) => no,
        }
    }

    /// The household checks of the full validator on the household just read.
    fn close(&mut self) {
        let Some(o) = self.open.take() else {
            return;
        };
        let mut ok = !o.suspect && o.heads == 1 && o.size.is_none_or(|s| s == o.rows);
        ok &= o
            .kind
            .is_some_and(|k| (k == HouseholdKind::Monitored) == o.category.is_some());
        let income = match o.year {
            None => {
                ok &= !o.income_given;
                None
            }
            Some(year) => {
                let [wage, business, property, transfer, expense] =
                    o.parts.map(|p| p.unwrap_or(Yuan::ZERO));
                let r = IncomeRecord {
                    year,
                    wage_income: wage,
                    business_income: business,
                    property_income: property,
                    transfer_income: transfer,
                    business_expense: expense,
                };
                ok &= r.validate().is_ok() && r.check_given(o.rows, o.net, o.per_capita).is_ok();
                Some(r)
            }
        };
        self.slots[o.slot] = match (ok, o.kind) {
            (true, Some(kind)) => Slot::Clean(BatchHousehold {
                household_no: o.no,
                village: o.village,
                kind,
                members: o.members,
                income,
            }),
            _ => Slot::Suspect(o.no),
        };
    }

    /// Households whose rows are apart, and the same ID on two rows: every household involved
    /// goes to the full validator. `false` when the file must be read in full (two 户编号 with one
    /// hash, or a village first named by a later run of a household's rows).
    fn apart_and_duplicates(&mut self) -> bool {
        let mut runs = std::mem::take(&mut self.runs);
        runs.sort_unstable();
        let mut i = 0;
        while i < runs.len() {
            let mut j = i + 1;
            while j < runs.len() && runs[j].0 == runs[i].0 {
                j += 1;
            }
            if j - i > 1 {
                let no = self.slot_no(runs[i].1 as usize).to_string();
                for &(_, slot) in &runs[i..j] {
                    if self.slot_no(slot as usize) != no {
                        return false;
                    }
                }
                // A later run may have named a village first (the full reader would name it at
                // a later household): rare enough to read such a file in full.
                for &(_, slot) in &runs[i + 1..j] {
                    if self.first_named(slot as usize) {
                        return false;
                    }
                }
                for &(_, slot) in &runs[i..j] {
                    self.suspect_slot(slot as usize);
                }
            }
            i = j;
        }
        let mut ids = std::mem::take(&mut self.ids);
        ids.sort_unstable();
        let twice: std::collections::HashSet<u64> = ids
            .windows(2)
            .filter(|w| w[0] == w[1])
            .map(|w| w[0])
            .collect();
        drop(ids);
        if !twice.is_empty() {
            // Rare: the households holding such an ID (those already suspect, and rows without
            // 户编号, go to the full validator anyway).
            let holders: Vec<usize> = self
                .slots
                .iter()
                .enumerate()
                .filter(|(_, s)| match s {
                    Slot::Clean(h) => h.members.iter().any(|m| twice.contains(&m.id_key)),
                    Slot::Suspect(_) => false,
                })
                .map(|(i, _)| i)
                .collect();
            for slot in holders {
                self.suspect_slot(slot);
            }
        }
        true
    }

    /// Whether the run at `slot` was the first to name its village.
    fn first_named(&self, slot: usize) -> bool {
        self.village_firsts.binary_search(&(slot as u32)).is_ok()
    }
}

/// A `YYYY-MM-DD` birth date spelling the ID's own date.
fn birth_matches(t: &[u8], i: &[u8]) -> bool {
    t.len() == 10
        && i.len() == 18
        && t[4] == b'-'
        && t[7] == b'-'
        && t[..4] == i[6..10]
        && t[5..7] == i[10..12]
        && t[8..10] == i[12..14]
}

/// The fast pass's households, with the suspect ones read again by the full validator.
fn finish_roster(
    fast: FastRoster,
    path: &Path,
    ctx: &RosterContext,
) -> Result<BatchRoster, ExchangeError> {
    let FastRoster {
        cols,
        header_line,
        mut villages,
        mut stems,
        slots,
        orphans,
        member_rows,
        ..
    } = fast;
    let suspects: FxMap<&str, ()> = slots
        .iter()
        .filter_map(|s| match s {
            Slot::Suspect(no) => Some((no.as_str(), ())),
            Slot::Clean(_) => None,
        })
        .collect();
    let mut out = BatchRoster {
        member_rows,
        checked_in_full: suspects.len(),
        ..BatchRoster::default()
    };
    let mut full: HashMap<String, zhenxing_domain::Household> = HashMap::new();
    let mut full_village: HashMap<String, String> = HashMap::new();
    if !suspects.is_empty() || orphans > 0 {
        let no_col = cols[Field::HouseholdNo.index()];
        let mut assembler = Assembler::new(ctx);
        source::stream(
            source::Input::Path(path),
            Format::Csv,
            &mut |row: RowRef<'_>| {
                let no = no_col
                    .and_then(|i| row.cells.get(i))
                    .map_or("", String::as_str);
                if row.number <= header_line || no.is_empty() || suspects.contains_key(no) {
                    assembler.row(row)?;
                }
                Ok(())
            },
        )?;
        let (mut roster, _) = assembler.finish()?;
        out.rejected = roster.rejected.len();
        for ph in std::mem::take(&mut roster.households) {
            let h = ph.household;
            if let Some(name) = roster.village_name(&h.village) {
                full_village.insert(h.household_no.clone(), name.to_string());
            }
            full.insert(h.household_no.clone(), h);
        }
        out.findings = roster.findings;
    }
    // In place where the layouts allow (no copy of a province's households).
    out.households = slots
        .into_iter()
        .filter_map(|slot| match slot {
            Slot::Clean(h) => Some(h),
            Slot::Suspect(no) => {
                let h = full.remove(&no)?;
                let name = full_village.get(&no).map_or("", String::as_str);
                let village = village_index(&mut stems, &mut villages, name);
                Some(batch_household(&h, village))
            }
        })
        .collect();
    out.villages = villages;
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Feeds.
// ---------------------------------------------------------------------------------------------

/// A feed record as batch screening takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchRecord {
    /// A medical settlement (most rows): plain values, the person as [`id_key`].
    Medical {
        person: u64,
        date: Date,
        visit_type: VisitType,
        total: Yuan,
        basic_paid: Yuan,
        critical_paid: Yuan,
        assistance_paid: Yuan,
        out_of_pocket: Yuan,
        eligible_out_of_pocket: Yuan,
    },
    /// An education, civil or employment record (most event rows): plain values, the person as
    /// [`id_key`]; the [`FeedRecord`] is built only when asked for ([`BatchRecord::into_record`]).
    Event {
        person: u64,
        date: Date,
        event: PersonEvent,
    },
    /// Any other kind.
    Other(FeedRecord),
}

/// The values of a [`BatchRecord::Event`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersonEvent {
    Education {
        stage: SchoolStage,
        status: SchoolStatus,
        fees: Yuan,
    },
    Civil {
        program: AssistanceProgram,
        amount: Yuan,
    },
    Employment {
        status: EmploymentStatus,
        wage: Yuan,
    },
}

impl BatchRecord {
    pub fn date(&self) -> Date {
        match self {
            BatchRecord::Medical { date, .. } | BatchRecord::Event { date, .. } => *date,
            BatchRecord::Other(r) => r.date(),
        }
    }

    /// The record as [`read_feed`](crate::read_feed) gives it.
    pub fn into_record(self) -> FeedRecord {
        match self {
            BatchRecord::Medical {
                person,
                date,
                visit_type,
                total,
                basic_paid,
                critical_paid,
                assistance_paid,
                out_of_pocket,
                eligible_out_of_pocket,
            } => FeedRecord::Medical {
                person: id_text(person),
                date,
                visit_type,
                total,
                basic_paid,
                critical_paid,
                assistance_paid,
                out_of_pocket,
                eligible_out_of_pocket,
            },
            BatchRecord::Event {
                person,
                date,
                event,
            } => {
                let person = id_text(person);
                match event {
                    PersonEvent::Education {
                        stage,
                        status,
                        fees,
                    } => FeedRecord::Education {
                        person,
                        stage,
                        status,
                        fees,
                        date,
                    },
                    PersonEvent::Civil { program, amount } => FeedRecord::Civil {
                        person,
                        program,
                        date,
                        amount,
                    },
                    PersonEvent::Employment { status, wage } => FeedRecord::Employment {
                        person,
                        status,
                        wage,
                        date,
                    },
                }
            }
            BatchRecord::Other(r) => r,
        }
    }

    fn from_record(r: FeedRecord) -> BatchRecord {
        match r {
            FeedRecord::Medical {
                person,
                date,
                visit_type,
                total,
                basic_paid,
                critical_paid,
                assistance_paid,
                out_of_pocket,
                eligible_out_of_pocket,
            } => match id_key(&person) {
                Some(key) => BatchRecord::Medical {
                    person: key,
                    date,
                    visit_type,
                    total,
                    basic_paid,
                    critical_paid,
                    assistance_paid,
                    out_of_pocket,
                    eligible_out_of_pocket,
                },
                None => BatchRecord::Other(FeedRecord::Medical {
                    person,
                    date,
                    visit_type,
                    total,
                    basic_paid,
                    critical_paid,
                    assistance_paid,
                    out_of_pocket,
                    eligible_out_of_pocket,
                }),
            },
            other => BatchRecord::Other(other),
        }
    }
}

/// Back from [`id_key`] to the 18-character text.
pub fn id_text(key: u64) -> String {
    let check = key % 11;
    let c = if check == 10 {
        'X'
    } else {
        char::from(b'0' + u8::try_from(check).unwrap_or(0))
    };
    format!("{:017}{c}", key / 11)
}

/// What a feed file held, besides its records.
#[derive(Debug, Clone)]
pub struct BatchFeed {
    pub kind: FeedKind,
    /// Non-blank data rows.
    pub rows_total: usize,
    pub rows_malformed: usize,
    /// Malformed rows and warnings, sorted by row: those of [`read_feed`](crate::read_feed).
    pub findings: Vec<Finding>,
    /// Rows read by the feed reader itself rather than the fast path.
    pub rows_in_full: usize,
}

/// Reads a feed file of `kind` for batch screening: every well-formed record, in file order, to
/// `on_record` with its sheet row; the counts and findings of [`read_feed`](crate::read_feed) (no
/// content hash).
pub fn read_feed_batch(
    kind: FeedKind,
    path: &Path,
    today: Date,
    on_record: &mut dyn FnMut(usize, BatchRecord),
) -> Result<BatchFeed, ExchangeError> {
    if source::detect_path(path)? != Format::Csv {
        let file = crate::read_feed(kind, path, today)?;
        for (row, r) in file.records {
            on_record(row, BatchRecord::from_record(r));
        }
        return Ok(BatchFeed {
            kind,
            rows_total: file.rows_total,
            rows_malformed: file.rows_malformed,
            findings: file.findings,
            rows_in_full: file.rows_total,
        });
    }
    let (mut csv, encoding) = source::open_csv(File::open(path)?, BUFFER)?;
    let mut reader = Reader::new(kind, today, String::new());
    let mut raw = csv::ByteRecord::new();
    let mut buf = RowBuf::default();
    let mut rows_in_full = 0;
    while csv.read_byte_record(&mut raw).map_err(source::unreadable)? {
        let line = source::csv_line(&raw);
        let fast = match reader.columns() {
            Some(cols) if encoding == Encoding::Utf8 => FastFeed {
                raw: &raw,
                cols,
                today,
            }
            .record(kind),
            _ => None,
        };
        match fast {
            Some(r) => {
                reader.count_row();
                on_record(line, r);
            }
            None => {
                rows_in_full += 1;
                source::fill_csv_row(&mut raw, encoding, &mut buf);
                buf.emit(line, &mut |row| reader.row(&row))?;
                for (row, r) in reader.take_records() {
                    on_record(row, BatchRecord::from_record(r));
                }
            }
        }
    }
    let file = reader.finish()?;
    Ok(BatchFeed {
        kind,
        rows_total: file.rows_total,
        rows_malformed: file.rows_malformed,
        findings: file.findings,
        rows_in_full,
    })
}

/// One data row read the fast way; `None` sends it to the feed reader.
struct FastFeed<'a> {
    raw: &'a csv::ByteRecord,
    cols: &'a [Option<usize>; COL_COUNT],
    today: Date,
}

impl<'a> FastFeed<'a> {
    /// The cell's bytes as in the file ("" when the column is absent). The fast parsers take only
    /// plain values (no spaces around, ASCII or a label): anything else goes to the feed reader,
    /// which decodes and trims.
    fn raw(&self, c: Col) -> &'a [u8] {
        self.cols[c as usize]
            .and_then(|i| self.raw.get(i))
            .unwrap_or_default()
    }

    /// The trimmed text of a free-text cell; `None` when it is not UTF-8.
    fn text(&self, c: Col) -> Option<&'a str> {
        text(self.raw(c))
    }

    fn person(&self, c: Col) -> Option<(Id, &'a str)> {
        let b = self.raw(c);
        let id = fast_id(b, self.today)?;
        // 17 digits and a digit or X: ASCII.
        Some((id, std::str::from_utf8(b).ok()?))
    }

    fn date(&self) -> Option<Date> {
        fast_date(self.raw(Col::Date))
    }

    /// A filled code cell: its label byte for byte, else what `parse_label` reads.
    fn code<T: CodeEnum>(&self, c: Col) -> Option<T> {
        code_cell::<T>(self.raw(c)).flatten()
    }

    /// A filled amount, not negative.
    fn amount(&self, c: Col) -> Option<Yuan> {
        fast_yuan(self.raw(c)).filter(|y| *y >= Yuan::ZERO)
    }

    /// An amount whose blank is 0.
    fn amount_or_zero(&self, c: Col) -> Option<Yuan> {
        let b = self.raw(c);
        if b.is_empty() {
            return Some(Yuan::ZERO);
        }
        fast_yuan(b).filter(|y| *y >= Yuan::ZERO)
    }

    /// 户编号 when filled, else 户主证件号码.
    fn household(&self) -> Option<HouseholdRef> {
        let no = self.text(Col::HouseholdNo)?;
        if !no.is_empty() {
            return Some(HouseholdRef::Number(no.to_string()));
        }
        let (_, id) = self.person(Col::HeadId)?;
        Some(HouseholdRef::Person(id.to_string()))
    }

    fn record(&self, kind: FeedKind) -> Option<BatchRecord> {
        let r = match kind {
            FeedKind::Medical => {
                let (id, _) = self.person(Col::Id)?;
                let date = self.date()?;
                let visit_type = self.code::<VisitType>(Col::VisitType)?;
                let total = self.amount(Col::Total)?;
                let basic = self.amount_or_zero(Col::BasicPaid)?;
                let critical = self.amount_or_zero(Col::CriticalPaid)?;
                let assistance = self.amount_or_zero(Col::AssistancePaid)?;
                let oop = self.amount(Col::OutOfPocket)?;
                let eligible = match self.raw(Col::Eligible) {
                    [] => oop,
                    _ => self.amount(Col::Eligible)?,
                };
                check_medical(total, basic, critical, assistance, oop, eligible).ok()?;
                return Some(BatchRecord::Medical {
                    person: id.key,
                    date,
                    visit_type,
                    total,
                    basic_paid: basic,
                    critical_paid: critical,
                    assistance_paid: assistance,
                    out_of_pocket: oop,
                    eligible_out_of_pocket: eligible,
                });
            }
            FeedKind::Disability => {
                let (_, person) = self.person(Col::Id)?;
                let change = self.code::<DisabilityChange>(Col::Change)?;
                let grade = match self.raw(Col::Grade) {
                    [] => None,
                    _ => Some(self.code::<DisabilityGrade>(Col::Grade)?),
                };
                let category = self.text(Col::Category)?;
                let cancelled = change == DisabilityChange::Cancelled;
                if !cancelled && (category.is_empty() || grade.is_none()) {
                    return None;
                }
                FeedRecord::Disability {
                    person: person.to_string(),
                    category: category.to_string(),
                    grade,
                    change,
                    date: self.date()?,
                }
            }
            FeedKind::Education => {
                return Some(BatchRecord::Event {
                    person: self.person(Col::Id)?.0.key,
                    event: PersonEvent::Education {
                        stage: self.code::<SchoolStage>(Col::Stage)?,
                        status: self.code::<SchoolStatus>(Col::SchoolStatus)?,
                        fees: self.amount_or_zero(Col::Fees)?,
                    },
                    date: self.date()?,
                });
            }
            FeedKind::Housing => FeedRecord::Housing {
                household: self.household()?,
                rating: self.code::<HouseRating>(Col::Rating)?,
                date: self.date()?,
            },
            FeedKind::Police => FeedRecord::Police {
                person: self.person(Col::Id)?.1.to_string(),
                event: self.code::<PoliceEvent>(Col::Event)?,
                date: self.date()?,
                cause: self.text(Col::Cause)?.to_string(),
            },
            FeedKind::Civil => {
                return Some(BatchRecord::Event {
                    person: self.person(Col::Id)?.0.key,
                    event: PersonEvent::Civil {
                        program: self.code::<AssistanceProgram>(Col::Program)?,
                        amount: self.amount_or_zero(Col::Amount)?,
                    },
                    date: self.date()?,
                });
            }
            FeedKind::Disaster => FeedRecord::Disaster {
                household: self.household()?,
                hazard: self.code::<Hazard>(Col::Hazard)?,
                loss: self.amount(Col::Loss)?,
                date: self.date()?,
            },
            FeedKind::Employment => {
                return Some(BatchRecord::Event {
                    person: self.person(Col::Id)?.0.key,
                    event: PersonEvent::Employment {
                        status: self.code::<EmploymentStatus>(Col::Employment)?,
                        wage: self.amount_or_zero(Col::Wage)?,
                    },
                    date: self.date()?,
                });
            }
            FeedKind::Water => {
                let no = self.text(Col::HouseholdNo)?;
                let days = self.text(Col::Days)?;
                if no.is_empty() || days.is_empty() || !days.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                FeedRecord::Water {
                    household_no: no.to_string(),
                    days: days.parse().ok()?,
                    date: self.date()?,
                }
            }
        };
        Some(BatchRecord::Other(r))
    }
}
