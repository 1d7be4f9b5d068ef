//! Rows to households: every check of LAYOUT.md, each failure a finding with row, column and a reason a
//! township clerk understands.
//!
//! Rows arrive one at a time (see `source`). A household is opened by the first row of its 户编号 and
//! its household columns are parsed there; later rows of the same 户编号 are only compared with it.
//! Checks that need the whole household (one 户主, 家庭人口数, incomes) run in `finish`.

use std::collections::HashMap;

use time::{Date, Month};
use zhenxing_domain::codes::CodeEnum;
use zhenxing_domain::household::{
    DisabilityGrade, Education, Health, HouseholdKind, Labour, MonitoringCategory, Relation, Schooling, Sex,
    is_valid_phone, parse_group, parse_yes_no, village_stem,
};
use zhenxing_domain::id_number::parse_ymd;
use zhenxing_domain::{DivisionCode, Household, IdNumber, IncomeError, IncomeRecord, Member, Yuan};

use crate::cells::CellKind;
use crate::layout::{FIELD_COUNT, Field, HOUSEHOLD_FIELDS, SPECS, match_header};
use crate::source::RowRef;
use crate::{ExchangeError, Finding, ParsedHousehold, RejectedHousehold, Roster, RosterContext, Severity};

/// A header row must name at least this many layout columns; rows above it (a title) are skipped.
const HEADER_MIN_MATCHES: usize = 3;
/// How many non-blank rows are searched for the header.
const HEADER_SEARCH_ROWS: usize = 10;
const NAME_MAX_CHARS: usize = 30;

/// The income parts in the order of [`IncomeRecord`]'s fields.
const INCOME_PARTS: [Field; 5] = [Field::Wage, Field::Business, Field::Property, Field::Transfer, Field::Expense];

/// Row number → (index in `Roster::rejected`, index in its `rows`): the rows a second pass must copy.
pub(crate) type Wanted = HashMap<usize, (usize, usize)>;

pub(crate) struct Assembler<'c> {
    ctx: &'c RosterContext,
    town_stem: &'c str,
    villages: HashMap<&'c str, &'c DivisionCode>,
    header: Option<HeaderInfo>,
    /// Non-blank rows seen while looking for the header; the first is kept to name missing columns.
    searched: usize,
    first_row: Option<(usize, Vec<String>)>,
    drafts: Vec<Draft>,
    by_no: HashMap<String, usize>,
    orphans: Vec<usize>,
    ids: HashMap<u64, SeenId>,
    findings: Vec<Finding>,
    member_rows: usize,
    /// Set when the row being read got an error finding.
    row_failed: bool,
}

struct HeaderInfo {
    row: usize,
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
    /// The household cells of the first row, to compare the later rows with.
    first_cells: Vec<Box<str>>,
    head: HouseholdHead,
    rows: Vec<usize>,
    members: Vec<Option<Member>>,
    relations: Vec<Option<Relation>>,
    failed: bool,
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
    cols[f.index()].and_then(|i| cells.get(i)).map_or("", String::as_str)
}

fn kind_of(cols: &[Option<usize>; FIELD_COUNT], kinds: &[CellKind], f: Field) -> CellKind {
    cols[f.index()].and_then(|i| kinds.get(i)).copied().unwrap_or_default()
}

/// 扶欢镇 / 扶欢: the township compared without its 镇/乡/街道 suffix.
fn town_stem(name: &str) -> &str {
    let t = name.trim();
    ["街道", "镇", "乡"].iter().find_map(|s| t.strip_suffix(s)).unwrap_or(t)
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
fn parse_count<T: std::str::FromStr>(text: &str, unit: char) -> Option<T> {
    let t = text.trim().trim_end_matches(unit);
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

/// A compact key for the duplicate check: 17 digits and the check character.
fn id_key(base: &str) -> Option<u64> {
    let b = base.as_bytes();
    if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let digits = b[..17].iter().fold(0u64, |k, d| k * 10 + u64::from(d - b'0'));
    let last = match b[17] {
        b'X' => 10,
        d @ b'0'..=b'9' => u64::from(d - b'0'),
        _ => return None,
    };
    Some(digits * 11 + last)
}

/// A value reduced to what it means, so that `3组` and `三组` on two rows of a household agree.
fn canonical(f: Field, text: &str) -> String {
    let t = text.trim();
    let parsed = match f {
        Field::Town => Some(town_stem(t).to_string()),
        Field::Village => Some(village_stem(t).to_string()),
        Field::Group => parse_group(t).map(|g| g.to_string()),
        Field::Kind => HouseholdKind::parse_label(t).map(|k| k.code().to_string()),
        Field::Category => MonitoringCategory::parse_label(t).map(|k| k.code().to_string()),
        Field::HouseSafe | Field::WaterSafe => parse_yes_no(t).map(|b| b.to_string()),
        Field::Size | Field::IncomeYear => parse_count::<u64>(t, '年').map(|n| n.to_string()),
        Field::Farmland
        | Field::Wage
        | Field::Business
        | Field::Property
        | Field::Transfer
        | Field::Expense
        | Field::Net
        | Field::PerCapita => Yuan::parse(t).ok().map(|y| y.fen().to_string()),
        _ => None,
    };
    parsed.unwrap_or_else(|| t.to_string())
}

fn shown(text: &str) -> &str {
    if text.is_empty() { "（空）" } else { text }
}

impl<'c> Assembler<'c> {
    pub fn new(ctx: &'c RosterContext) -> Self {
        let villages = ctx.villages.iter().map(|(name, code)| (village_stem(name), code)).collect();
        Assembler {
            ctx,
            town_stem: town_stem(&ctx.township),
            villages,
            header: None,
            searched: 0,
            first_row: None,
            drafts: Vec::new(),
            by_no: HashMap::new(),
            orphans: Vec::new(),
            ids: HashMap::new(),
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
        let matches = row.cells.iter().filter(|c| match_header(c).is_some()).count();
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
                Some(f) => self.warn(row, text, format!("与前面的列重复（都表示“{}”），本列已忽略", f.header())),
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
        self.header = Some(HeaderInfo { row, headers, cols });
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
            let first_cells = (0..HOUSEHOLD_FIELDS).map(|i| cell(&h.cols, row.cells, SPECS[i].field).into()).collect();
            let d = self.drafts.len();
            self.drafts.push(Draft {
                no: no.to_string(),
                first_row: n,
                first_cells,
                head,
                rows: Vec::new(),
                members: Vec::new(),
                relations: Vec::new(),
                failed: false,
            });
            self.by_no.insert(no.to_string(), d);
            Some(d)
        };
        let no = draft.map(|d| self.drafts[d].no.clone());
        let (member, relation) = self.parse_member(h, row, no.as_deref(), draft);
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
    fn code<T: CodeEnum>(&mut self, h: &HeaderInfo, row: &RowRef<'_>, f: Field, no: Option<&str>) -> Result<Option<T>, ()> {
        let t = cell(&h.cols, row.cells, f);
        if t.is_empty() {
            return Ok(None);
        }
        match T::parse_label(t) {
            Some(v) => Ok(Some(v)),
            None => {
                self.error(h, row.number, f, no, format!("“{t}”无效：{}", T::expected_message()));
                Err(())
            }
        }
    }

    fn yes_no(&mut self, h: &HeaderInfo, row: &RowRef<'_>, f: Field, no: Option<&str>) -> Option<bool> {
        let t = cell(&h.cols, row.cells, f);
        if t.is_empty() {
            return None;
        }
        let v = parse_yes_no(t);
        if v.is_none() {
            self.error(h, row.number, f, no, format!("“{t}”无效：{}应填 是 或 否", f.header()));
        }
        v
    }

    fn phone(&mut self, h: &HeaderInfo, row: &RowRef<'_>, f: Field, no: Option<&str>) -> Option<String> {
        let t = cell(&h.cols, row.cells, f);
        if t.is_empty() {
            return None;
        }
        if is_valid_phone(t) {
            Some(t.to_string())
        } else {
            self.error(h, row.number, f, no, format!("电话号码“{t}”无效：应为11位手机号或带区号的固定电话"));
            None
        }
    }

    fn amount(&mut self, h: &HeaderInfo, row: &RowRef<'_>, f: Field, no: Option<&str>) -> Result<Option<Yuan>, ()> {
        let t = cell(&h.cols, row.cells, f);
        if t.is_empty() {
            return Ok(None);
        }
        Yuan::parse(t).map(Some).map_err(|e| self.error(h, row.number, f, no, e.to_string()))
    }

    fn parse_household(&mut self, h: &HeaderInfo, row: &RowRef<'_>, no_text: &str) -> HouseholdHead {
        let n = row.number;
        let no = Some(no_text);
        let mut head = HouseholdHead::default();

        let town = cell(&h.cols, row.cells, Field::Town);
        if town.is_empty() {
            self.error(h, n, Field::Town, no, "乡（镇）不能为空".to_string());
        } else if town_stem(town) != self.town_stem {
            let msg = format!("乡（镇）“{town}”不是本系统的乡镇（{}）", self.ctx.township);
            self.error(h, n, Field::Town, no, msg);
        }

        let village = cell(&h.cols, row.cells, Field::Village);
        if village.is_empty() {
            self.error(h, n, Field::Village, no, "行政村不能为空".to_string());
        } else if let Some(code) = self.villages.get(village_stem(village)) {
            head.village = Some((*code).clone());
        } else {
            let msg = format!("行政村“{village}”不是{}的村（社区）", self.ctx.township);
            self.error(h, n, Field::Village, no, msg);
        }

        let group = cell(&h.cols, row.cells, Field::Group);
        if !group.is_empty() {
            head.group = parse_group(group);
            if head.group.is_none() {
                self.error(h, n, Field::Group, no, format!("村民小组“{group}”无效：应写作 3组、三组 或 3"));
            }
        }

        if cell(&h.cols, row.cells, Field::Kind).is_empty() {
            self.error(h, n, Field::Kind, no, "户类型不能为空".to_string());
        } else {
            head.kind = self.code(h, row, Field::Kind, no).ok().flatten();
        }
        match self.code(h, row, Field::Category, no) {
            Ok(c) => head.category = c,
            Err(()) => head.category_bad = true,
        }

        let size = cell(&h.cols, row.cells, Field::Size);
        if !size.is_empty() {
            head.size = parse_count(size, '人').filter(|s| *s > 0);
            if head.size.is_none() {
                self.error(h, n, Field::Size, no, format!("家庭人口数“{size}”无效：应为正整数"));
            }
        }

        head.phone = self.phone(h, row, Field::Phone, no);
        head.house_safe = self.yes_no(h, row, Field::HouseSafe, no);
        head.water_safe = self.yes_no(h, row, Field::WaterSafe, no);

        let farmland = cell(&h.cols, row.cells, Field::Farmland);
        if !farmland.is_empty() {
            match Yuan::parse(farmland.trim_end_matches('亩')) {
                Ok(v) if v >= Yuan::ZERO => head.farmland = Some(v.fen()),
                _ => {
                    let msg = format!("耕地面积“{farmland}”无效：应为不小于0的数字，最多两位小数");
                    self.error(h, n, Field::Farmland, no, msg);
                }
            }
        }

        let year = cell(&h.cols, row.cells, Field::IncomeYear);
        if !year.is_empty() {
            head.year = parse_count(year, '年');
            if head.year.is_none() {
                head.year_bad = true;
                self.error(h, n, Field::IncomeYear, no, format!("收入年度“{year}”无效：应为年份，如 2025"));
            }
        }
        for (i, f) in INCOME_PARTS.into_iter().enumerate() {
            head.income_given |= !cell(&h.cols, row.cells, f).is_empty();
            match self.amount(h, row, f, no) {
                Ok(v) => head.parts[i] = v,
                Err(()) => head.income_bad = true,
            }
        }
        for f in [Field::Net, Field::PerCapita] {
            head.income_given |= !cell(&h.cols, row.cells, f).is_empty();
            match self.amount(h, row, f, no) {
                Ok(v) if f == Field::Net => head.net = v,
                Ok(v) => head.per_capita = v,
                Err(()) => head.income_bad = true,
            }
        }
        head
    }

    /// A later row of a household must repeat the household columns of its first row.
    fn compare_household(&mut self, h: &HeaderInfo, row: &RowRef<'_>, d: usize) {
        let mut disagreements = Vec::new();
        {
            let draft = &self.drafts[d];
            for (i, spec) in SPECS[..HOUSEHOLD_FIELDS].iter().enumerate() {
                let now = cell(&h.cols, row.cells, spec.field);
                let first = &*draft.first_cells[i];
                if now != first && canonical(spec.field, now) != canonical(spec.field, first) {
                    let msg = format!(
                        "与同户第{}行不一致：第{}行为“{}”，本行为“{}”",
                        draft.first_row,
                        draft.first_row,
                        shown(first),
                        shown(now)
                    );
                    disagreements.push((spec.field, msg));
                }
            }
        }
        let no = self.drafts[d].no.clone();
        for (f, msg) in disagreements {
            self.error(h, row.number, f, Some(&no), msg);
        }
    }

    fn parse_member(
        &mut self,
        h: &HeaderInfo,
        row: &RowRef<'_>,
        no: Option<&str>,
        draft: Option<usize>,
    ) -> (Option<Member>, Option<Relation>) {
        let n = row.number;
        let mut ok = true;

        let name = cell(&h.cols, row.cells, Field::Name);
        if name.is_empty() {
            self.error(h, n, Field::Name, no, "姓名不能为空".to_string());
            ok = false;
        } else if name.chars().count() > NAME_MAX_CHARS {
            self.error(h, n, Field::Name, no, format!("姓名超过{NAME_MAX_CHARS}个字符"));
            ok = false;
        }

        let id = self.id_number(h, row, no, draft);

        let relation_text = cell(&h.cols, row.cells, Field::Relation);
        let relation = if relation_text.is_empty() {
            self.error(h, n, Field::Relation, no, "与户主关系不能为空".to_string());
            None
        } else {
            self.code::<Relation>(h, row, Field::Relation, no).ok().flatten()
        };

        let sex = self.sex(h, row, no, id.as_ref());
        let birth_date = self.birth_date(h, row, no, id.as_ref());

        let ethnicity = Some(cell(&h.cols, row.cells, Field::Ethnicity)).filter(|t| !t.is_empty()).map(str::to_string);
        let education = self.code::<Education>(h, row, Field::Education, no);
        let schooling = self.code::<Schooling>(h, row, Field::Schooling, no);
        let health = self.code::<Health>(h, row, Field::Health, no);
        let disability_grade = self.code::<DisabilityGrade>(h, row, Field::DisabilityGrade, no);
        if health == Ok(Some(Health::Disabled)) && disability_grade == Ok(None) {
            self.error(h, n, Field::DisabilityGrade, no, "健康状况为残疾的，须填写残疾等级".to_string());
            ok = false;
        }
        let labour = self.code::<Labour>(h, row, Field::Labour, no);

        let months_text = cell(&h.cols, row.cells, Field::WorkMonths);
        let work_months = if months_text.is_empty() {
            None
        } else {
            let m = parse_count::<u8>(months_text, '月').filter(|m| *m <= 12);
            if m.is_none() {
                self.error(h, n, Field::WorkMonths, no, format!("务工时间“{months_text}”无效：应为0到12之间的整数（月）"));
                ok = false;
            }
            m
        };

        let medical_insured = self.yes_no(h, row, Field::MedicalInsured, no);
        let pension_insured = self.yes_no(h, row, Field::PensionInsured, no);
        let dibao = self.yes_no(h, row, Field::Dibao, no);
        let tekun = self.yes_no(h, row, Field::Tekun, no);
        let phone = self.phone(h, row, Field::MemberPhone, no);

        let member = match (ok && !self.row_failed, id, relation, sex, birth_date) {
            (true, Some(id_number), Some(relation), Some(sex), Some(birth_date)) => Some(Member {
                name: name.to_string(),
                id_number,
                relation,
                sex,
                birth_date,
                ethnicity,
                education: education.ok().flatten(),
                schooling: schooling.ok().flatten(),
                health: health.ok().flatten(),
                disability_grade: disability_grade.ok().flatten(),
                labour: labour.ok().flatten(),
                work_months,
                medical_insured,
                pension_insured,
                dibao,
                tekun,
                phone,
            }),
            _ => None,
        };
        (member, relation)
    }

    fn id_number(&mut self, h: &HeaderInfo, row: &RowRef<'_>, no: Option<&str>, draft: Option<usize>) -> Option<IdNumber> {
        let n = row.number;
        let text = cell(&h.cols, row.cells, Field::IdNumber);
        let looks_numeric = kind_of(&h.cols, row.kinds, Field::IdNumber) == CellKind::Number
            || ((text.contains("E+") || text.contains("e+")) && text.parse::<f64>().is_ok());
        if looks_numeric {
            self.error(h, n, Field::IdNumber, no, "证件号码应以文本格式填写（数字格式会丢失末几位）".to_string());
            return None;
        }
        let id = match IdNumber::parse(text, self.ctx.today) {
            Ok(id) => id,
            Err(e) => {
                self.error(h, n, Field::IdNumber, no, e.to_string());
                return None;
            }
        };
        if let Some(key) = id_key(id.base()) {
            match self.ids.get_mut(&key) {
                None => {
                    self.ids.insert(key, SeenId { row: n, draft, reported: false });
                }
                Some(seen) => {
                    let (first_row, first_draft, reported) = (seen.row, seen.draft, seen.reported);
                    seen.reported = true;
                    self.error(h, n, Field::IdNumber, no, format!("证件号码与第{first_row}行重复"));
                    if !reported {
                        let first_no = first_draft.map(|d| self.drafts[d].no.clone());
                        self.error(h, first_row, Field::IdNumber, first_no.as_deref(), format!("证件号码在第{n}行重复出现"));
                        if let Some(d) = first_draft {
                            self.drafts[d].failed = true;
                        }
                    }
                    return None;
                }
            }
        }
        Some(id)
    }

    fn sex(&mut self, h: &HeaderInfo, row: &RowRef<'_>, no: Option<&str>, id: Option<&IdNumber>) -> Option<Sex> {
        let given = self.code::<Sex>(h, row, Field::Sex, no).ok()?;
        let from_id = id.filter(|id| !id.is_placeholder()).map(|id| if id.is_male() { Sex::Male } else { Sex::Female });
        match (given, from_id) {
            (Some(g), Some(i)) if g != i => {
                self.error(h, row.number, Field::Sex, no, format!("性别“{g}”与证件号码不符：证件号码为{i}性"));
                None
            }
            (Some(g), _) => Some(g),
            (None, Some(i)) => Some(i),
            (None, None) => {
                if id.is_some() {
                    self.error(h, row.number, Field::Sex, no, "证件号码为占位号码（999999开头），须填写性别".to_string());
                }
                None
            }
        }
    }

    fn birth_date(&mut self, h: &HeaderInfo, row: &RowRef<'_>, no: Option<&str>, id: Option<&IdNumber>) -> Option<Date> {
        let n = row.number;
        let text = cell(&h.cols, row.cells, Field::BirthDate);
        let from_id = id.filter(|id| !id.is_placeholder()).map(IdNumber::birth_date);
        if text.is_empty() {
            if from_id.is_none() && id.is_some() {
                self.error(h, n, Field::BirthDate, no, "证件号码为占位号码（999999开头），须填写出生日期".to_string());
            }
            return from_id;
        }
        let Some(given) = parse_date(text) else {
            self.error(h, n, Field::BirthDate, no, format!("出生日期“{text}”无效：应为 YYYY-MM-DD 或 YYYYMMDD"));
            return None;
        };
        if given > self.ctx.today {
            self.error(h, n, Field::BirthDate, no, format!("出生日期 {} 晚于今天", date_text(given)));
            return None;
        }
        match from_id {
            Some(i) if i != given => {
                let msg = format!("出生日期 {} 与证件号码不符：证件号码为 {}", date_text(given), date_text(i));
                self.error(h, n, Field::BirthDate, no, msg);
                None
            }
            _ => Some(given),
        }
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
                Some(household) => households.push(ParsedHousehold { household, rows: d.rows }),
                None => rejected.push(RejectedHousehold {
                    household_no: Some(d.no),
                    rows: d.rows.into_iter().map(|r| (r, Vec::new())).collect(),
                }),
            }
        }
        for r in std::mem::take(&mut self.orphans) {
            rejected.push(RejectedHousehold { household_no: None, rows: vec![(r, Vec::new())] });
        }
        rejected.sort_by_key(|r| r.rows.first().map_or(0, |(row, _)| *row));
        let mut wanted = Wanted::new();
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
            village_names: self.ctx.villages.iter().map(|(n, c)| (c.clone(), n.clone())).collect(),
        };
        Ok((roster, wanted))
    }

    fn household_error(&mut self, h: &HeaderInfo, d: &mut Draft, row: usize, f: Field, message: String) {
        d.failed = true;
        self.error(h, row, f, Some(&d.no), message);
    }

    fn household_checks(&mut self, h: &HeaderInfo, d: &mut Draft) {
        let first = d.first_row;
        let heads: Vec<usize> =
            d.rows.iter().zip(&d.relations).filter(|(_, r)| **r == Some(Relation::Head)).map(|(row, _)| *row).collect();
        if heads.is_empty() && d.relations.iter().all(Option::is_some) {
            self.household_error(h, d, first, Field::Relation, "该户没有户主：须有一名成员的与户主关系为“户主”".to_string());
        }
        for extra in heads.iter().skip(1) {
            let msg = format!("该户已有户主（第{}行），一户只能有一名户主", heads[0]);
            self.household_error(h, d, *extra, Field::Relation, msg);
        }

        if let Some(size) = d.head.size
            && size != d.rows.len()
        {
            let msg = format!("家庭人口数为{size}，但该户有{}行成员", d.rows.len());
            self.household_error(h, d, first, Field::Size, msg);
        }

        match (d.head.kind, d.head.category) {
            (Some(HouseholdKind::Monitored), None) if !d.head.category_bad => {
                self.household_error(h, d, first, Field::Category, "监测户须填写监测对象类别".to_string());
            }
            (Some(kind), Some(_)) if kind != HouseholdKind::Monitored => {
                let msg = format!("{kind}不填监测对象类别（仅监测户填写）");
                self.household_error(h, d, first, Field::Category, msg);
            }
            _ => {}
        }

        self.income_checks(h, d);
    }

    fn income_checks(&mut self, h: &HeaderInfo, d: &mut Draft) {
        let first = d.first_row;
        let Some(year) = d.head.year else {
            if d.head.income_given && !d.head.year_bad {
                self.household_error(h, d, first, Field::IncomeYear, "填写了收入的，须填写收入年度".to_string());
            }
            return;
        };
        if d.head.income_bad {
            return;
        }
        let [wage, business, property, transfer, expense] = d.head.parts.map(|p| p.unwrap_or(Yuan::ZERO));
        let record = IncomeRecord {
            year,
            wage_income: wage,
            business_income: business,
            property_income: property,
            transfer_income: transfer,
            business_expense: expense,
        };
        let checked = record.validate().and_then(|()| record.check_given(d.rows.len(), d.head.net, d.head.per_capita));
        if let Err(e) = checked {
            let f = match &e {
                IncomeError::BadYear(_) => Field::IncomeYear,
                IncomeError::Negative(name) => SPECS.iter().find(|s| s.header == *name).map_or(Field::Wage, |s| s.field),
                IncomeError::NetIncomeMismatch { .. } => Field::Net,
                IncomeError::PerCapitaMismatch { .. } => Field::PerCapita,
            };
            self.household_error(h, d, first, f, e.to_string());
        }
    }
}

fn column_name(h: &HeaderInfo, f: Field) -> String {
    h.cols[f.index()].and_then(|i| h.headers.get(i)).map_or_else(|| f.header().to_string(), Clone::clone)
}

/// The household of a draft without errors; `None` if some part is missing after all.
fn build(d: &mut Draft) -> Option<Household> {
    let members = std::mem::take(&mut d.members).into_iter().collect::<Option<Vec<Member>>>()?;
    let head = &d.head;
    let incomes = match head.year {
        Some(year) => {
            let [wage, business, property, transfer, expense] = head.parts.map(|p| p.unwrap_or(Yuan::ZERO));
            vec![IncomeRecord {
                year,
                wage_income: wage,
                business_income: business,
                property_income: property,
                transfer_income: transfer,
                business_expense: expense,
            }]
        }
        None => Vec::new(),
    };
    Some(Household {
        household_no: d.no.clone(),
        village: head.village.clone()?,
        group: head.group,
        kind: head.kind?,
        monitoring_category: head.category,
        phone: head.phone.clone(),
        house_safe: head.house_safe,
        water_safe: head.water_safe,
        farmland_centimu: head.farmland,
        members,
        incomes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn dates_are_read_in_the_usual_spellings() {
        for text in ["1980-03-07", "19800307", "1980/3/7", "1980.03.07", "1980年3月7日", "1980-03-07 00:00:00"] {
            assert_eq!(parse_date(text), Some(date!(1980 - 03 - 07)), "{text}");
        }
        assert_eq!(parse_date("1980-02-30"), None);
        assert_eq!(parse_date("三月"), None);
    }

    #[test]
    fn id_keys_tell_check_characters_apart() {
        assert_ne!(id_key("11010519491231002X"), id_key("110105194912310020"));
        assert_eq!(id_key("1101051949123100"), None);
    }

    #[test]
    fn household_values_are_compared_by_meaning() {
        assert_eq!(canonical(Field::Group, "3组"), canonical(Field::Group, "三组"));
        assert_eq!(canonical(Field::Village, "青岩村"), canonical(Field::Village, "青岩"));
        assert_eq!(canonical(Field::Wage, "100"), canonical(Field::Wage, "100.00"));
        assert_ne!(canonical(Field::Kind, "脱贫户"), canonical(Field::Kind, "监测户"));
    }
}
