//! Department feed files (SCREENING.md "Feeds") for a registry: medical settlements over the 12
//! months ending with the period, and the period's records of the eight other kinds, drawn so that
//! every default screening rule fires for a small share of households.
//!
//! Deterministic and local: a household's records of month M come from a generator seeded by
//! (seed, 户编号, M, kind) alone, so they do not depend on the other households, on the order they come
//! in, or on which period is asked for (the medical records of a month are the same in the files of
//! every period whose window holds it). [`household_feeds`] streams one household's records;
//! [`feeds`] collects a registry's, adds a few records about nobody in it (to be reported as 未匹配),
//! and sorts each kind by date.
//!
//! # Distributions (monthly unless stated)
//!
//! - **Medical**: visits per person-year by visit type — 门诊 2.2 × an age factor (0.6 for 6–17-year-
//!   olds … 2.0 from 70) plus 3 for 长期慢性病, 2 for 患大病, 1 for 残疾; 门特 2.5 (慢性病) or 4 (大病);
//!   住院 0.13 × the age factor plus 0.25 / 1.5 / 0.15 — about 3 records per person-year in all.
//!   Totals are log-normal (门诊 median 110 yuan, 门特 500, 住院 6,000; 1,500 and 20,000 for the
//!   seriously ill). 75–97 % of a bill is within the policy scope; basic insurance pays 50 % (门诊),
//!   65 % (门特) or 60–85 % after a 300-yuan deductible (住院) of it; 大病保险 60 % of a stay's remaining
//!   scope above 15,000 yuan; 医疗救助 pays 90 % (特困), 70 % (低保), 60 % (监测户) or 50 % (脱贫户) of
//!   what is left of a 住院 or 门特 bill. 合规自付 is the rest of the scope, 个人自付 adds the part outside
//!   it; every row adds up exactly. In the default township (period 2026-10) about 0.9 % of households
//!   pass the `medical_burden` line and 0.3 % have a `medical_stay` in the month.
//! - **Disability**: 0.06 % of people without a registered disability are newly certified (grade
//!   一级 10 %, 二级 20 %, 三级 30 %, 四级 40 %); 0.4 % of the disabled change grade (60 % more severe),
//!   0.05 % are cancelled (注销, grade often blank).
//! - **Education**: 0.2 % of pupils (小学, 初中) are reported 疑似辍学 and 0.1 % of students 休学; 12 % of
//!   upper-stage students have a 学年自付费用 record (log-normal: 高中 2,500 yuan, 中职 2,000, 高职高专
//!   7,000, 本科 9,000), 3 % of pupils an 在校 record.
//! - **Housing**: 30 % of households whose house is registered unsafe are appraised (C 60 %, D 40 %), 1 %
//!   of the others (A 70 %, B 27 %, C 3 %); a quarter are named by the head's ID number.
//! - **Police**: deaths by age (0.1 %/year under 40 … 10 % from 80), disabling injuries (0.3 %/year)
//!   and serious injuries (0.2 %/year) of people aged 16–65, with causes.
//! - **Civil**: 临时救助 for 0.3 % of households (3× below 7,000 yuan per capita), new 低保 for 0.1 %,
//!   new 特困 for 0.5 % of elderly people living alone.
//! - **Disaster**: each village is hit with probability 0.25 by a hazard of the season; 8 % of its
//!   households (0.2 % elsewhere) report a log-normal loss (median 4,000 yuan).
//! - **Employment**: 3 % of workers aged 16–59 have an employment record (wage 2,000–9,000 yuan), 0.4 %
//!   become unemployed (3× in households below 10,500 yuan per capita).
//! - **Water**: half of the households without safe water report a cut of 5–90 days, 0.4 % of the
//!   others 1–10 days, 0.05 % more than 30 days.
//!
//! [`FeedScale::events`] multiplies every event rate above; [`FeedScale::medical_per_person_year`]
//! scales the medical visit rates.

use std::path::Path;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use time::{Date, Month};
use zhenxing_domain::codes::CodeEnum;
use zhenxing_domain::feed::{
    AssistanceProgram, DisabilityChange, EmploymentStatus, FeedKind, FeedRecord, Hazard,
    HouseRating, HouseholdRef, Period, PoliceEvent, SchoolStage, SchoolStatus, VisitType,
};
use zhenxing_domain::household::{
    DisabilityGrade, Health, HouseholdKind, Labour, Schooling, age_on,
};
use zhenxing_domain::id_number::check_character;
use zhenxing_domain::{Household, Member, Yuan};
use zhenxing_exchange::ExchangeError;

use crate::family::uniform;
use crate::income::normal;

/// How many records to generate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FeedScale {
    /// Medical settlements per person-year on average (the visit rates are scaled to it).
    pub medical_per_person_year: f64,
    /// Multiplies the rates of the eight event kinds.
    pub events: f64,
    /// Records about nobody in the registry, as a share of each kind's records (at least one when
    /// positive and the kind has records).
    pub unmatched: f64,
}

impl Default for FeedScale {
    /// About 3 medical records per person-year, the event rates of the module documentation, and
    /// 0.2 % unmatched records.
    fn default() -> Self {
        FeedScale {
            medical_per_person_year: 3.0,
            events: 1.0,
            unmatched: 0.002,
        }
    }
}

/// The medical rates below give about this many visits per person-year in the synthetic township.
const MEDICAL_RATE_BASE: f64 = 3.0;

/// The feed records of `households` for period `period`: one entry per [`FeedKind`], in
/// [`FeedKind::ALL`] order, each sorted by date. Medical records cover the 12 months ending with
/// `period`; the other kinds are dated in `period`.
pub fn feeds(
    households: &[Household],
    period: Period,
    seed: u64,
    scale: FeedScale,
) -> Vec<(FeedKind, Vec<FeedRecord>)> {
    let mut out: Vec<Vec<FeedRecord>> = FeedKind::ALL.iter().map(|_| Vec::new()).collect();
    for h in households {
        household_feeds(h, period, seed, scale, &mut |r| {
            if let Some(v) = out.get_mut(kind_index(r.kind())) {
                v.push(r);
            }
        });
    }
    FeedKind::ALL
        .iter()
        .zip(out)
        .map(|(&kind, mut records)| {
            add_unmatched(&mut records, kind, period, seed, scale.unmatched);
            // Stable: equal dates keep the registry's order.
            records.sort_by_key(FeedRecord::date);
            (kind, records)
        })
        .collect()
}

/// Writes `records` of `kind` as a CSV file with the Chinese headers of SCREENING.md (UTF-8 with
/// BOM), readable by `zhenxing_exchange::read_feed`.
pub fn write_feed_csv<'r>(
    kind: FeedKind,
    records: impl IntoIterator<Item = &'r FeedRecord>,
    path: &Path,
) -> Result<(), ExchangeError> {
    let file = std::io::BufWriter::new(std::fs::File::create(path)?);
    zhenxing_exchange::write_feed_csv(kind, records, file)
}

fn kind_index(kind: FeedKind) -> usize {
    FeedKind::ALL.iter().position(|k| *k == kind).unwrap_or(0)
}

/// SplitMix64's finaliser.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// FNV-1a of a text.
fn text_hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01B3)
    })
}

/// A generator for one (seed, subject, month, kind).
fn rng_for(seed: u64, subject: u64, month: Period, kind: FeedKind) -> ChaCha8Rng {
    let k =
        mix(seed ^ mix(subject ^ mix(month.index() as u64 ^ ((kind_index(kind) as u64) << 40))));
    ChaCha8Rng::seed_from_u64(k)
}

fn chance(rng: &mut impl Rng, p: f64) -> bool {
    rng.random::<f64>() < p
}

/// A Poisson draw (Knuth's method; the rates here are small).
fn poisson(rng: &mut impl Rng, lambda: f64) -> u32 {
    if lambda <= 0.0 || !lambda.is_finite() {
        return 0;
    }
    let limit = (-lambda.min(50.0)).exp();
    let mut k = 0;
    let mut p = rng.random::<f64>();
    while p > limit && k < 200 {
        k += 1;
        p *= rng.random::<f64>();
    }
    k
}

fn log_normal(rng: &mut impl Rng, median: f64, sigma: f64) -> f64 {
    median * (sigma * normal(rng)).exp()
}

/// Whole yuan as fen.
fn yuan(y: f64) -> Yuan {
    Yuan::from_yuan(y.round() as i64)
}

fn month_length(p: Period) -> u8 {
    Month::try_from(p.month).map_or(28, |m| m.length(p.year))
}

fn first_day(p: Period) -> Option<Date> {
    Date::from_calendar_date(p.year, Month::try_from(p.month).ok()?, 1).ok()
}

fn day_in(rng: &mut impl Rng, p: Period) -> Date {
    let day = rng.random_range(1..=month_length(p));
    first_day(p)
        .and_then(|d| d.replace_day(day).ok())
        .unwrap_or(Date::MIN)
}

fn pick<T: Copy>(rng: &mut impl Rng, weighted: &[(T, u32)]) -> T {
    let total: u32 = weighted.iter().map(|(_, w)| w).sum();
    let mut x = rng.random_range(0..total.max(1));
    for (v, w) in weighted {
        if x < *w {
            return *v;
        }
        x -= w;
    }
    weighted[0].0
}

/// The household's latest income per capita with year ≤ `year`.
fn income_pc(h: &Household, year: i32) -> Option<Yuan> {
    h.incomes
        .iter()
        .filter(|r| r.year <= year)
        .max_by_key(|r| r.year)
        .and_then(|r| r.net_income_per_capita(h.members.len()))
}

/// Streams the records of one household for `period` (medical: the 12 months ending with it).
pub fn household_feeds(
    h: &Household,
    period: Period,
    seed: u64,
    scale: FeedScale,
    emit: &mut dyn FnMut(FeedRecord),
) {
    let subject = text_hash(&h.household_no);
    for back in (0..12).rev() {
        let month = period.minus(back);
        let mut rng = rng_for(seed, subject, month, FeedKind::Medical);
        medical(&mut rng, h, month, scale, emit);
    }
    let ev = scale.events.max(0.0);
    let rng = |kind| rng_for(seed, subject, period, kind);
    disability(&mut rng(FeedKind::Disability), h, period, ev, emit);
    education(&mut rng(FeedKind::Education), h, period, ev, emit);
    housing(&mut rng(FeedKind::Housing), h, period, ev, emit);
    police(&mut rng(FeedKind::Police), h, period, ev, emit);
    civil(&mut rng(FeedKind::Civil), h, period, ev, emit);
    disaster(&mut rng(FeedKind::Disaster), h, period, seed, ev, emit);
    employment(&mut rng(FeedKind::Employment), h, period, ev, emit);
    water(&mut rng(FeedKind::Water), h, period, ev, emit);
}

/// Streams one household's records for a **year of files** ending with `period`: medical
/// settlements of the 12 months, and the eight event kinds of each of the 12 months (the records
/// [`household_feeds`] gives for that month as the period). With `scale.unmatched` > 0, each record
/// is followed with that probability by a copy about nobody in the registry (a valid ID of 东城区, or
/// a 户编号 of a village that does not exist), drawn from the household's own generator so that the
/// stream stays local.
pub fn household_year(
    h: &Household,
    period: Period,
    seed: u64,
    scale: FeedScale,
    emit: &mut dyn FnMut(FeedRecord),
) {
    let subject = text_hash(&h.household_no);
    let ev = scale.events.max(0.0);
    let share = if scale.unmatched.is_finite() {
        scale.unmatched.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let mut strangers = rng_for(
        seed,
        subject ^ text_hash("未匹配"),
        period,
        FeedKind::Medical,
    );
    let mut out = |r: FeedRecord| {
        let copy = (share > 0.0 && chance(&mut strangers, share))
            .then(|| unmatched_copy(&mut strangers, &r, subject));
        emit(r);
        if let Some(c) = copy {
            emit(c);
        }
    };
    for back in (0..12).rev() {
        let month = period.minus(back);
        let mut rng = rng_for(seed, subject, month, FeedKind::Medical);
        medical(&mut rng, h, month, scale, &mut out);
    }
    for back in (0..12).rev() {
        let p = period.minus(back);
        let rng = |kind| rng_for(seed, subject, p, kind);
        disability(&mut rng(FeedKind::Disability), h, p, ev, &mut out);
        education(&mut rng(FeedKind::Education), h, p, ev, &mut out);
        housing(&mut rng(FeedKind::Housing), h, p, ev, &mut out);
        police(&mut rng(FeedKind::Police), h, p, ev, &mut out);
        civil(&mut rng(FeedKind::Civil), h, p, ev, &mut out);
        disaster(&mut rng(FeedKind::Disaster), h, p, seed, ev, &mut out);
        employment(&mut rng(FeedKind::Employment), h, p, ev, &mut out);
        water(&mut rng(FeedKind::Water), h, p, ev, &mut out);
    }
}

/// A copy of `r` whose subject is nobody in the registry.
fn unmatched_copy(rng: &mut impl Rng, r: &FeedRecord, subject: u64) -> FeedRecord {
    let mut r = r.clone();
    let person = stranger(rng);
    // Village 999 of 扶欢镇 does not exist; the household's hash keeps the numbers apart.
    let number = format!("500110120999{:08}", subject % 100_000_000);
    match &mut r {
        FeedRecord::Medical { person: p, .. }
        | FeedRecord::Disability { person: p, .. }
        | FeedRecord::Education { person: p, .. }
        | FeedRecord::Police { person: p, .. }
        | FeedRecord::Civil { person: p, .. }
        | FeedRecord::Employment { person: p, .. } => *p = person,
        FeedRecord::Housing { household, .. } | FeedRecord::Disaster { household, .. } => {
            *household = match household {
                HouseholdRef::Number(_) => HouseholdRef::Number(number),
                HouseholdRef::Person(_) => HouseholdRef::Person(person),
            };
        }
        FeedRecord::Water { household_no, .. } => *household_no = number,
    }
    r
}

/// The feed files of a year ending with a period, written as `KIND-YYYY-MM.csv` in one directory
/// while households stream by ([`FeedFiles::household`]): memory holds one buffered writer per file,
/// never the records. Files are created on first use, so a (kind, month) without records has none.
pub struct FeedFiles {
    dir: std::path::PathBuf,
    period: Period,
    seed: u64,
    scale: FeedScale,
    /// Indexed by kind × 12 + month offset (0 = period − 11).
    writers: Vec<Option<zhenxing_exchange::FeedCsvWriter<std::io::BufWriter<std::fs::File>>>>,
    error: Option<ExchangeError>,
}

impl FeedFiles {
    pub fn create(
        dir: &Path,
        period: Period,
        seed: u64,
        scale: FeedScale,
    ) -> Result<Self, ExchangeError> {
        std::fs::create_dir_all(dir)?;
        Ok(FeedFiles {
            dir: dir.to_path_buf(),
            period,
            seed,
            scale,
            writers: (0..FeedKind::ALL.len() * 12).map(|_| None).collect(),
            error: None,
        })
    }

    /// Writes one household's records (see [`household_year`]).
    pub fn household(&mut self, h: &Household) -> Result<(), ExchangeError> {
        let (period, seed, scale) = (self.period, self.seed, self.scale);
        household_year(h, period, seed, scale, &mut |r| {
            if self.error.is_none()
                && let Err(e) = self.write(&r)
            {
                self.error = Some(e);
            }
        });
        match self.error.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    fn write(&mut self, r: &FeedRecord) -> Result<(), ExchangeError> {
        let month = Period::of(r.date());
        let back = self.period.index() - month.index();
        if !(0..12).contains(&back) {
            return Ok(());
        }
        let kind = r.kind();
        let slot = kind_index(kind) * 12 + (11 - back as usize);
        let w = match &mut self.writers[slot] {
            Some(w) => w,
            empty => {
                let path = self.dir.join(format!("{}-{month}.csv", kind.code()));
                let file = std::io::BufWriter::with_capacity(1 << 17, std::fs::File::create(path)?);
                empty.insert(zhenxing_exchange::FeedCsvWriter::new(kind, file)?)
            }
        };
        w.write(r)
    }

    /// Flushes every file; returns (path, data rows, bytes) per file, sorted by name.
    pub fn finish(self) -> Result<Vec<(std::path::PathBuf, u64, u64)>, ExchangeError> {
        let mut out = Vec::new();
        for (slot, w) in self.writers.into_iter().enumerate() {
            let Some(w) = w else { continue };
            let kind = FeedKind::ALL[slot / 12];
            let month = self.period.minus(11 - (slot % 12) as i32);
            let rows = w.rows();
            let mut file = w.finish()?;
            std::io::Write::flush(&mut file)?;
            let path = self.dir.join(format!("{}-{month}.csv", kind.code()));
            let bytes = std::fs::metadata(&path)?.len();
            out.push((path, rows, bytes));
        }
        out.sort();
        Ok(out)
    }
}

fn age_factor(age: i32) -> f64 {
    match age {
        ..6 => 1.2,
        6..18 => 0.6,
        18..45 => 0.7,
        45..60 => 1.0,
        60..70 => 1.5,
        _ => 2.0,
    }
}

/// The share of a bill's remaining scope that 医疗救助 pays for this person.
fn assistance_share(h: &Household, m: &Member) -> f64 {
    if m.tekun == Some(true) {
        0.9
    } else if m.dibao == Some(true) {
        0.7
    } else {
        match h.kind {
            HouseholdKind::Monitored => 0.6,
            HouseholdKind::Exited => 0.5,
            HouseholdKind::Ordinary => 0.0,
        }
    }
}

fn medical(
    rng: &mut impl Rng,
    h: &Household,
    month: Period,
    scale: FeedScale,
    emit: &mut dyn FnMut(FeedRecord),
) {
    let factor = scale.medical_per_person_year.max(0.0) / MEDICAL_RATE_BASE / 12.0;
    let Some(start) = first_day(month) else {
        return;
    };
    for m in &h.members {
        if m.birth_date > start {
            continue;
        }
        let f = age_factor(age_on(m.birth_date, start));
        let (chronic, serious, disabled) = match m.health {
            Some(Health::ChronicIllness) => (1.0, 0.0, 0.0),
            Some(Health::SeriousIllness) => (0.0, 1.0, 0.0),
            Some(Health::Disabled) => (0.0, 0.0, 1.0),
            _ => (0.0, 0.0, 0.0),
        };
        let rates = [
            (
                VisitType::Outpatient,
                2.2 * f + 3.0 * chronic + 2.0 * serious + disabled,
            ),
            (VisitType::SpecialOutpatient, 2.5 * chronic + 4.0 * serious),
            (
                VisitType::Inpatient,
                0.13 * f + 0.25 * chronic + 1.5 * serious + 0.15 * disabled,
            ),
        ];
        for (visit_type, rate) in rates {
            for _ in 0..poisson(rng, rate * factor) {
                let date = day_in(rng, month);
                emit(bill(rng, h, m, visit_type, serious > 0.0, date));
            }
        }
    }
}

/// One settlement: parts in fen, adding up exactly.
fn bill(
    rng: &mut impl Rng,
    h: &Household,
    m: &Member,
    visit_type: VisitType,
    serious: bool,
    date: Date,
) -> FeedRecord {
    let (median, sigma, lo, hi) = match (visit_type, serious) {
        (VisitType::Outpatient, _) => (110.0, 0.9, 5.0, 3_000.0),
        (VisitType::SpecialOutpatient, false) => (500.0, 0.7, 50.0, 20_000.0),
        (VisitType::SpecialOutpatient, true) => (1_500.0, 0.7, 100.0, 50_000.0),
        (VisitType::Inpatient, false) => (6_000.0, 0.85, 800.0, 300_000.0),
        (VisitType::Inpatient, true) => (20_000.0, 0.8, 2_000.0, 500_000.0),
    };
    let fen = |y: f64| (y * 100.0).round() as i64;
    let total = fen(log_normal(rng, median, sigma).clamp(lo, hi));
    let scope_share = match visit_type {
        VisitType::Outpatient => uniform(rng, 0.85, 1.0),
        _ => uniform(rng, 0.75, 0.97),
    };
    let scope = ((total as f64) * scope_share).round() as i64;
    let (deductible, rate) = match visit_type {
        VisitType::Outpatient => (0, 0.5),
        VisitType::SpecialOutpatient => (0, 0.65),
        VisitType::Inpatient => (30_000, uniform(rng, 0.6, 0.85)),
    };
    let basic = (((scope - deductible).max(0) as f64) * rate).round() as i64;
    let mut rest = scope - basic;
    let critical = if visit_type == VisitType::Inpatient && rest > 1_500_000 {
        (((rest - 1_500_000) as f64) * 0.6).round() as i64
    } else {
        0
    };
    rest -= critical;
    let assistance = if visit_type == VisitType::Outpatient {
        0
    } else {
        ((rest as f64) * assistance_share(h, m)).round() as i64
    };
    rest -= assistance;
    FeedRecord::Medical {
        person: m.id_number.base().to_string(),
        date,
        visit_type,
        total: Yuan::from_fen(total),
        basic_paid: Yuan::from_fen(basic),
        critical_paid: Yuan::from_fen(critical),
        assistance_paid: Yuan::from_fen(assistance),
        out_of_pocket: Yuan::from_fen(rest + (total - scope)),
        eligible_out_of_pocket: Yuan::from_fen(rest),
    }
}

const CATEGORIES: &[(&str, u32)] = &[
    ("视力残疾", 15),
    ("听力残疾", 20),
    ("言语残疾", 3),
    ("肢体残疾", 45),
    ("智力残疾", 7),
    ("精神残疾", 7),
    ("多重残疾", 3),
];

const GRADES: &[(DisabilityGrade, u32)] = &[
    (DisabilityGrade::One, 10),
    (DisabilityGrade::Two, 20),
    (DisabilityGrade::Three, 30),
    (DisabilityGrade::Four, 40),
];

fn grade_rank(g: DisabilityGrade) -> usize {
    DisabilityGrade::ALL
        .iter()
        .position(|x| *x == g)
        .unwrap_or(3)
}

fn disability(
    rng: &mut impl Rng,
    h: &Household,
    p: Period,
    ev: f64,
    emit: &mut dyn FnMut(FeedRecord),
) {
    for m in &h.members {
        let category = pick(rng, CATEGORIES).to_string();
        let (grade, change) = match m.disability_grade {
            Some(g) if chance(rng, 0.004 * ev) => {
                let r = grade_rank(g);
                let worse = chance(rng, 0.6);
                let new = match (worse, r) {
                    (true, 0) | (false, 3) => continue,
                    (true, r) => DisabilityGrade::ALL[r - 1],
                    (false, r) => DisabilityGrade::ALL[r + 1],
                };
                (Some(new), DisabilityChange::GradeChange)
            }
            Some(g) if chance(rng, 0.0005 * ev) => {
                (chance(rng, 0.5).then_some(g), DisabilityChange::Cancelled)
            }
            Some(_) => continue,
            None if chance(rng, 0.0006 * ev) => (Some(pick(rng, GRADES)), DisabilityChange::New),
            None => continue,
        };
        emit(FeedRecord::Disability {
            person: m.id_number.base().to_string(),
            category,
            grade,
            change,
            date: day_in(rng, p),
        });
    }
}

fn education(
    rng: &mut impl Rng,
    h: &Household,
    p: Period,
    ev: f64,
    emit: &mut dyn FnMut(FeedRecord),
) {
    for m in &h.members {
        let stage = match m.schooling {
            Some(Schooling::Primary) => SchoolStage::Primary,
            Some(Schooling::JuniorHigh) => SchoolStage::JuniorHigh,
            Some(Schooling::SeniorHigh) => SchoolStage::SeniorHigh,
            Some(Schooling::SecondaryVocational) => SchoolStage::SecondaryVocational,
            Some(Schooling::HigherVocational) => SchoolStage::HigherVocational,
            Some(Schooling::University) => SchoolStage::Undergraduate,
            _ => continue,
        };
        let (status, fees) = if stage.is_compulsory() {
            if chance(rng, 0.002 * ev) {
                (SchoolStatus::SuspectedDropout, Yuan::ZERO)
            } else if chance(rng, 0.03 * ev) {
                (SchoolStatus::InSchool, Yuan::ZERO)
            } else {
                continue;
            }
        } else if chance(rng, 0.001 * ev) {
            (SchoolStatus::Suspended, Yuan::ZERO)
        } else if chance(rng, 0.12 * ev) {
            let median = match stage {
                SchoolStage::SeniorHigh => 2_500.0,
                SchoolStage::SecondaryVocational => 2_000.0,
                SchoolStage::HigherVocational => 7_000.0,
                _ => 9_000.0,
            };
            let fees = yuan(log_normal(rng, median, 0.5).clamp(0.0, 60_000.0));
            (SchoolStatus::InSchool, fees)
        } else {
            continue;
        };
        emit(FeedRecord::Education {
            person: m.id_number.base().to_string(),
            stage,
            status,
            fees,
            date: day_in(rng, p),
        });
    }
}

/// 户编号 most of the time, else the head's ID number.
fn household_ref(rng: &mut impl Rng, h: &Household, by_number: f64) -> HouseholdRef {
    match h.head() {
        Some(head) if !chance(rng, by_number) => {
            HouseholdRef::Person(head.id_number.base().to_string())
        }
        _ => HouseholdRef::Number(h.household_no.clone()),
    }
}

fn housing(
    rng: &mut impl Rng,
    h: &Household,
    p: Period,
    ev: f64,
    emit: &mut dyn FnMut(FeedRecord),
) {
    let unsafe_house = h.house_safe == Some(false);
    if !chance(rng, if unsafe_house { 0.3 } else { 0.01 } * ev) {
        return;
    }
    let rating = if unsafe_house {
        pick(rng, &[(HouseRating::C, 60), (HouseRating::D, 40)])
    } else {
        pick(
            rng,
            &[
                (HouseRating::A, 70),
                (HouseRating::B, 27),
                (HouseRating::C, 3),
            ],
        )
    };
    emit(FeedRecord::Housing {
        household: household_ref(rng, h, 0.75),
        rating,
        date: day_in(rng, p),
    });
}

fn police(rng: &mut impl Rng, h: &Household, p: Period, ev: f64, emit: &mut dyn FnMut(FeedRecord)) {
    for m in &h.members {
        let date = day_in(rng, p);
        if m.birth_date > date {
            continue;
        }
        let age = age_on(m.birth_date, date);
        let death = match age {
            ..1 => 0.005,
            1..40 => 0.001,
            40..60 => 0.004,
            60..70 => 0.012,
            70..80 => 0.035,
            _ => 0.1,
        };
        let working = (16..=65).contains(&age);
        let (event, cause) = if chance(rng, death / 12.0 * ev) {
            let cause = if age < 60 {
                pick(rng, &[("疾病", 55), ("交通事故", 25), ("意外伤害", 20)])
            } else {
                pick(rng, &[("疾病", 88), ("交通事故", 4), ("意外伤害", 8)])
            };
            (PoliceEvent::Death, cause)
        } else if working && chance(rng, 0.003 / 12.0 * ev) {
            let cause = pick(rng, &[("交通事故", 50), ("生产事故", 30), ("意外伤害", 20)]);
            (PoliceEvent::Disability, cause)
        } else if working && chance(rng, 0.002 / 12.0 * ev) {
            let cause = pick(rng, &[("交通事故", 60), ("意外伤害", 30), ("斗殴", 10)]);
            (PoliceEvent::SeriousInjury, cause)
        } else {
            continue;
        };
        emit(FeedRecord::Police {
            person: m.id_number.base().to_string(),
            event,
            date,
            cause: cause.to_string(),
        });
    }
}

fn civil(rng: &mut impl Rng, h: &Household, p: Period, ev: f64, emit: &mut dyn FnMut(FeedRecord)) {
    let Some(head) = h.head() else { return };
    let poor = income_pc(h, p.year).is_some_and(|pc| pc < Yuan::from_yuan(7_000));
    let weight = if poor { 3.0 } else { 1.0 };
    let size = h.members.len() as f64;
    let dibao = h.members.iter().any(|m| m.dibao == Some(true));
    let date = day_in(rng, p);
    let (program, amount) = if chance(rng, 0.003 * weight * ev) {
        (AssistanceProgram::Temporary, uniform(rng, 500.0, 5_000.0))
    } else if !dibao && chance(rng, 0.001 * weight * ev) {
        (AssistanceProgram::Dibao, 630.0 * size)
    } else if h.members.len() == 1
        && head.age_on(date) >= 60
        && head.tekun != Some(true)
        && chance(rng, 0.005 * ev)
    {
        (AssistanceProgram::Tekun, 900.0)
    } else {
        return;
    };
    emit(FeedRecord::Civil {
        person: head.id_number.base().to_string(),
        program,
        date,
        amount: yuan(amount),
    });
}

/// The hazard of a disaster in `month`.
fn seasonal_hazard(rng: &mut impl Rng, month: u8) -> Hazard {
    if (5..=9).contains(&month) {
        pick(
            rng,
            &[
                (Hazard::Flood, 40),
                (Hazard::Geological, 25),
                (Hazard::Meteorological, 20),
                (Hazard::Drought, 10),
                (Hazard::Other, 5),
            ],
        )
    } else {
        pick(
            rng,
            &[
                (Hazard::Drought, 25),
                (Hazard::Meteorological, 40),
                (Hazard::Geological, 20),
                (Hazard::Biological, 10),
                (Hazard::Earthquake, 2),
                (Hazard::Other, 3),
            ],
        )
    }
}

fn disaster(
    rng: &mut impl Rng,
    h: &Household,
    p: Period,
    seed: u64,
    ev: f64,
    emit: &mut dyn FnMut(FeedRecord),
) {
    // The village's month: hit or not, by what, and when — the same for all its households.
    let mut village = rng_for(seed, text_hash(h.village.as_str()), p, FeedKind::Disaster);
    let hit = chance(&mut village, 0.25);
    let hazard = seasonal_hazard(&mut village, p.month);
    let date = day_in(&mut village, p);
    let (hazard, date) = if hit && chance(rng, 0.08 * ev) {
        (hazard, date)
    } else if chance(rng, 0.002 * ev) {
        (seasonal_hazard(rng, p.month), day_in(rng, p))
    } else {
        return;
    };
    let loss = yuan(log_normal(rng, 4_000.0, 0.9).clamp(100.0, 200_000.0));
    emit(FeedRecord::Disaster {
        household: household_ref(rng, h, 0.6),
        hazard,
        loss,
        date,
    });
}

fn employment(
    rng: &mut impl Rng,
    h: &Household,
    p: Period,
    ev: f64,
    emit: &mut dyn FnMut(FeedRecord),
) {
    let low = income_pc(h, p.year).is_some_and(|pc| pc < Yuan::from_yuan(10_500));
    for m in &h.members {
        let date = day_in(rng, p);
        let capable = m.labour.is_some_and(Labour::is_capable);
        if !capable || !(16..=59).contains(&age_on(m.birth_date, date)) {
            continue;
        }
        let (status, wage) = if chance(rng, 0.004 * if low { 3.0 } else { 1.0 } * ev) {
            (EmploymentStatus::Unemployed, Yuan::ZERO)
        } else if chance(rng, 0.03 * ev) {
            // Whole tens of yuan.
            let tens = (uniform(rng, 2_000.0, 9_000.0) / 10.0).round() as i64;
            (EmploymentStatus::Employed, Yuan::from_yuan(tens * 10))
        } else {
            continue;
        };
        emit(FeedRecord::Employment {
            person: m.id_number.base().to_string(),
            status,
            wage,
            date,
        });
    }
}

fn water(rng: &mut impl Rng, h: &Household, p: Period, ev: f64, emit: &mut dyn FnMut(FeedRecord)) {
    let days = if h.water_safe == Some(false) {
        if !chance(rng, 0.5 * ev) {
            return;
        }
        rng.random_range(5..=90)
    } else if chance(rng, 0.0005 * ev) {
        rng.random_range(31..=60)
    } else if chance(rng, 0.004 * ev) {
        rng.random_range(1..=10)
    } else {
        return;
    };
    emit(FeedRecord::Water {
        household_no: h.household_no.clone(),
        days,
        date: day_in(rng, p),
    });
}

/// A valid resident ID of 东城区 (110101): no synthetic registry person has that address code.
fn stranger(rng: &mut impl Rng) -> String {
    let year = rng.random_range(1950..=2005);
    let month = rng.random_range(1..=12);
    let day = rng.random_range(1..=28);
    let seq = rng.random_range(0..1000);
    let first17 = format!("110101{year:04}{month:02}{day:02}{seq:03}");
    let check = check_character(&first17).unwrap_or('0');
    format!("{first17}{check}")
}

/// Copies of some records with their subject replaced by nobody in the registry.
fn add_unmatched(
    records: &mut Vec<FeedRecord>,
    kind: FeedKind,
    period: Period,
    seed: u64,
    share: f64,
) {
    if records.is_empty() || share <= 0.0 || !share.is_finite() {
        return;
    }
    let n = ((records.len() as f64 * share).round() as usize).clamp(1, records.len());
    let mut rng = rng_for(seed, text_hash("未匹配"), period, kind);
    for i in 0..n {
        let mut r = records[rng.random_range(0..records.len())].clone();
        let person = stranger(&mut rng);
        let number = format!("500110120999{:04}", i + 1);
        match &mut r {
            FeedRecord::Medical { person: p, .. }
            | FeedRecord::Disability { person: p, .. }
            | FeedRecord::Education { person: p, .. }
            | FeedRecord::Police { person: p, .. }
            | FeedRecord::Civil { person: p, .. }
            | FeedRecord::Employment { person: p, .. } => *p = person,
            FeedRecord::Housing { household, .. } | FeedRecord::Disaster { household, .. } => {
                *household = match household {
                    HouseholdRef::Number(_) => HouseholdRef::Number(number),
                    HouseholdRef::Person(_) => HouseholdRef::Person(person),
                };
            }
            FeedRecord::Water { household_no, .. } => *household_no = number,
        }
        records.push(r);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poisson_draws_have_the_right_mean() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let n = 20_000;
        let sum: u32 = (0..n).map(|_| poisson(&mut rng, 0.4)).sum();
        let mean = f64::from(sum) / f64::from(n);
        assert!((0.37..0.43).contains(&mean), "{mean}");
        assert_eq!(poisson(&mut rng, 0.0), 0);
        assert_eq!(poisson(&mut rng, f64::NAN), 0);
    }

    #[test]
    fn strangers_have_valid_ids() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for _ in 0..100 {
            let id = stranger(&mut rng);
            let today = Date::from_calendar_date(2026, Month::January, 1).unwrap_or(Date::MIN);
            assert!(zhenxing_domain::IdNumber::parse(&id, today).is_ok(), "{id}");
        }
    }
}
