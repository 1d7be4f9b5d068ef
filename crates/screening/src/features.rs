//! The feature table: one row per household, one typed column per quantity the rules may use,
//! computed in one pass over the feed records of the run's window (SCREENING.md semantics: event
//! records dated in the period P, rolling sums over the 12 months ending with P, latest income with
//! year ≤ year(P), ages at the event date).

use zhenxing_domain::feed::{
    DisabilityChange, EmploymentStatus, FeedRecord, HouseRating, HouseholdRef, Period, PoliceEvent,
    SchoolStatus, VisitType,
};
use zhenxing_domain::household::{DisabilityGrade, HouseholdKind, Labour, age_on};

use crate::num::Num;
use crate::registry::{Registry, id_key};

/// How a numeric feature is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Yuan,
    Count,
    Days,
    /// A share or factor.
    Ratio,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    Bool,
    Num(Unit),
}

macro_rules! features {
    ($($var:ident = ($name:literal, $ty:expr, $label:literal)),+ $(,)?) => {
        /// The features of the feature table, with their rule names and meanings.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Feature { $($var),+ }

        impl Feature {
            pub const ALL: &'static [Feature] = &[$(Feature::$var),+];
            /// The name rules use.
            pub fn name(self) -> &'static str { match self { $(Feature::$var => $name),+ } }
            pub fn ty(self) -> Type { match self { $(Feature::$var => $ty),+ } }
            /// What it means, in Chinese, for the rules page.
            pub fn label(self) -> &'static str { match self { $(Feature::$var => $label),+ } }
            pub fn index(self) -> usize { self as usize }
            pub fn by_name(name: &str) -> Option<Feature> {
                Feature::ALL.iter().copied().find(|f| f.name().eq_ignore_ascii_case(name))
            }
        }
    };
}

features! {
    Exited = ("exited", Type::Bool, "户类型为脱贫户"),
    Monitored = ("monitored", Type::Bool, "监测户，或有办理中/已纳入监测的识别流程"),
    Ordinary = ("ordinary", Type::Bool, "户类型为一般农户"),
    Members = ("members", Type::Num(Unit::Count), "家庭人口数"),
    MedicalOop12m = ("medical_oop_12m", Type::Num(Unit::Yuan), "近12个月（含本期）家庭成员合规自付合计"),
    StayOopMax = ("stay_oop_max", Type::Num(Unit::Yuan), "本期单次住院个人自付最高额"),
    DisabilityNew = ("disability_new", Type::Bool, "本期成员新增残疾或残疾等级加重"),
    Dropout = ("dropout", Type::Bool, "本期成员义务教育阶段（小学、初中）疑似辍学"),
    UpperSchoolFeesMax = ("upper_school_fees_max", Type::Num(Unit::Yuan), "本期成员非义务教育学年自付费用最高额"),
    HouseUnsafe = ("house_unsafe", Type::Bool, "本期房屋鉴定为C级或D级"),
    LabourLoss = ("labour_loss", Type::Bool, "本期16–59岁有劳动能力成员死亡或伤残"),
    CivilNew = ("civil_new", Type::Bool, "本期成员有低保、特困或临时救助记录"),
    DisasterLossMax = ("disaster_loss_max", Type::Num(Unit::Yuan), "本期单次灾害损失最高额"),
    Unemployed = ("unemployed", Type::Bool, "本期成员有失业记录"),
    WaterCutDaysMax = ("water_cut_days_max", Type::Num(Unit::Days), "本期断水天数最高值"),
    IncomePcLatest = ("income_pc_latest", Type::Num(Unit::Yuan), "最近年度（≤本期年份）人均纯收入"),
    IncomePcPrevious = ("income_pc_previous", Type::Num(Unit::Yuan), "最近年度的上一年人均纯收入"),
    NetIncomeLatest = ("net_income_latest", Type::Num(Unit::Yuan), "最近年度家庭纯收入"),
}

/// One column of the feature table (`None` = SQL NULL).
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    Bool(Vec<Option<bool>>),
    Num(Vec<Option<Num>>),
}

/// The feature table of a run.
#[derive(Debug)]
pub struct Table {
    pub period: Period,
    pub rows: usize,
    columns: Vec<Column>,
}

impl Table {
    pub fn column(&self, f: Feature) -> &Column {
        &self.columns[f.index()]
    }

    /// A one-row table with row `row`'s values (to explain one flagged household).
    pub fn row_view(&self, row: usize) -> Table {
        let columns = self
            .columns
            .iter()
            .map(|c| match c {
                Column::Bool(v) => Column::Bool(vec![v.get(row).copied().flatten()]),
                Column::Num(v) => Column::Num(vec![v.get(row).copied().flatten()]),
            })
            .collect();
        Table {
            period: self.period,
            rows: 1,
            columns,
        }
    }
}

fn more_severe(new: Option<DisabilityGrade>, registered: Option<DisabilityGrade>) -> bool {
    let rank = |g: Option<DisabilityGrade>| match g {
        Some(DisabilityGrade::One) => 1,
        Some(DisabilityGrade::Two) => 2,
        Some(DisabilityGrade::Three) => 3,
        Some(DisabilityGrade::Four) => 4,
        None => 5,
    };
    new.is_some() && rank(new) < rank(registered)
}

/// The household a record is about, if it matches the registry.
pub fn locate(registry: &Registry, subject: &HouseholdRef) -> Option<(u32, Option<u16>)> {
    match subject {
        HouseholdRef::Number(no) => locate_number(registry, no),
        HouseholdRef::Person(id) => locate_person(registry, id),
    }
}

fn locate_number(registry: &Registry, no: &str) -> Option<(u32, Option<u16>)> {
    registry.household_by_number(no).map(|h| (h, None))
}

fn locate_person(registry: &Registry, id: &str) -> Option<(u32, Option<u16>)> {
    let key = id_key(id)?;
    registry.person(key).map(|(h, m)| (h, Some(m)))
}

/// [`locate`] of a record's subject ([`FeedRecord::subject`]) without copying it.
pub fn locate_record(registry: &Registry, r: &FeedRecord) -> Option<(u32, Option<u16>)> {
    match r {
        FeedRecord::Medical { person, .. }
        | FeedRecord::Disability { person, .. }
        | FeedRecord::Education { person, .. }
        | FeedRecord::Police { person, .. }
        | FeedRecord::Civil { person, .. }
        | FeedRecord::Employment { person, .. } => locate_person(registry, person),
        FeedRecord::Housing { household, .. } | FeedRecord::Disaster { household, .. } => {
            locate(registry, household)
        }
        FeedRecord::Water { household_no, .. } => locate_number(registry, household_no),
    }
}

/// The 12-month medical sums per household when the caller has added them up itself (batch mode
/// adds the settlements up as they stream by, rather than holding them): `medical_oop_12m` and the
/// record count of its evidence come from here, and the medical records passed along count only
/// for `stay_oop_max`. Indexed like the registry's households.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MedicalTotals {
    /// Per household: Σ 合规自付 in fen of its medical records dated in the 12 months, and how
    /// many records that is (side by side: one cache line per record added).
    sums: Vec<(i64, u32)>,
}

impl MedicalTotals {
    pub fn new(households: usize) -> MedicalTotals {
        MedicalTotals {
            sums: vec![(0, 0); households],
        }
    }

    /// How many households it holds (0 until sized).
    pub fn len(&self) -> usize {
        self.sums.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sums.is_empty()
    }

    /// Adds one record's 合规自付 to household `h` (ignored beyond the households held).
    pub fn add(&mut self, h: usize, eligible_fen: i64) {
        if let Some((sum, n)) = self.sums.get_mut(h) {
            *sum += eligible_fen;
            *n += 1;
        }
    }

    /// The households' totals from per-person sums `(person key, Σ 合规自付 in fen, records)`
    /// (the store keeps them per person): each added to the household the person is in now;
    /// persons not in the registry are ignored.
    pub fn from_persons(registry: &Registry, persons: &[(u64, i64, u32)]) -> MedicalTotals {
        let mut t = MedicalTotals::new(registry.len());
        for &(key, fen, n) in persons {
            if let Some((h, _)) = registry.person(key)
                && let Some((sum, count)) = t.sums.get_mut(h as usize)
            {
                *sum = sum.saturating_add(fen);
                *count = count.saturating_add(n);
            }
        }
        t
    }

    /// (Σ 合规自付 in fen, records) of household `h`.
    pub fn get(&self, h: usize) -> (i64, u32) {
        self.sums.get(h).copied().unwrap_or((0, 0))
    }

    /// Adds `other` (the same households) into `self`.
    pub fn merge(&mut self, other: &MedicalTotals) {
        for (a, b) in self.sums.iter_mut().zip(&other.sums) {
            a.0 += b.0;
            a.1 += b.1;
        }
    }

    /// The totals of some households, in the order given.
    pub fn select(&self, households: &[u32]) -> MedicalTotals {
        MedicalTotals {
            sums: households.iter().map(|h| self.get(*h as usize)).collect(),
        }
    }
}

/// Keeps the larger value; true when `v` became the maximum.
fn max_into(slot: &mut Option<Num>, v: Num) -> bool {
    if slot.is_none_or(|cur| v > cur) {
        *slot = Some(v);
        true
    } else {
        false
    }
}

/// Which record decided a record-based feature, per household (for evidence), and how many medical
/// records the 12-month sum added up.
#[derive(Debug, Default)]
pub struct Witnesses {
    by_feature: Vec<Vec<Option<u32>>>,
    pub medical_count: Vec<u32>,
}

impl Witnesses {
    fn new(n: usize) -> Witnesses {
        Witnesses {
            by_feature: vec![vec![None; n]; Feature::ALL.len()],
            medical_count: vec![0; n],
        }
    }

    /// The index (into the records given to [`compute_explained`]) of the record behind `f`.
    pub fn record(&self, f: Feature, row: usize) -> Option<usize> {
        self.by_feature
            .get(f.index())
            .and_then(|v| v.get(row).copied().flatten())
            .map(|i| i as usize)
    }

    fn set(&mut self, f: Feature, row: usize, record: usize) {
        if let Some(slot) = self
            .by_feature
            .get_mut(f.index())
            .and_then(|v| v.get_mut(row))
        {
            *slot = u32::try_from(record).ok();
        }
    }
}

/// Where a record belongs: (household, member) when it matches the registry.
pub(crate) type Located = Option<(u32, Option<u16>)>;

/// [`locate_record`] of every record dated in the 12-month window (`None` outside it), once for
/// a run: the feature table and the evidence both need it.
pub(crate) fn locate_all(
    registry: &Registry,
    records: &[FeedRecord],
    period: Period,
) -> Vec<Located> {
    records
        .iter()
        .map(|r| {
            if period.window_contains(12, r.date()) {
                locate_record(registry, r)
            } else {
                None
            }
        })
        .collect()
}

/// Computes the feature table for period `period`. Records outside the 12-month window, and records
/// matching no household, do not count.
pub fn compute(registry: &Registry, records: &[FeedRecord], period: Period) -> Table {
    build(registry, records, period, None, None, None)
}

/// [`compute`] (or [`compute_with_totals`]) with the records already located ([`locate_all`]).
pub(crate) fn compute_located(
    registry: &Registry,
    records: &[FeedRecord],
    located: &[Located],
    totals: Option<&MedicalTotals>,
    period: Period,
) -> Table {
    build(registry, records, period, None, totals, Some(located))
}

/// [`compute`] with the medical sums added up by the caller ([`MedicalTotals`]).
pub fn compute_with_totals(
    registry: &Registry,
    records: &[FeedRecord],
    totals: &MedicalTotals,
    period: Period,
) -> Table {
    build(registry, records, period, None, Some(totals), None)
}

/// [`compute`], also noting which record decided each feature (for a few households: evidence).
pub fn compute_explained(
    registry: &Registry,
    records: &[FeedRecord],
    period: Period,
) -> (Table, Witnesses) {
    compute_explained_with(registry, records, None, period)
}

/// [`compute_explained`], with or without [`MedicalTotals`].
pub fn compute_explained_with(
    registry: &Registry,
    records: &[FeedRecord],
    totals: Option<&MedicalTotals>,
    period: Period,
) -> (Table, Witnesses) {
    let mut w = Witnesses::new(registry.len());
    if let Some(t) = totals {
        for (i, c) in w.medical_count.iter_mut().enumerate() {
            *c = t.get(i).1;
        }
    }
    let t = build(registry, records, period, Some(&mut w), totals, None);
    (t, w)
}

fn build(
    registry: &Registry,
    records: &[FeedRecord],
    period: Period,
    mut witness: Option<&mut Witnesses>,
    totals: Option<&MedicalTotals>,
    located: Option<&[Located]>,
) -> Table {
    let n = registry.len();
    let bools =
        |f: &dyn Fn(usize) -> bool| -> Vec<Option<bool>> { (0..n).map(|i| Some(f(i))).collect() };
    let hs = &registry.households;
    let mut medical = match totals {
        Some(t) => (0..n)
            .map(|i| {
                let fen = t.get(i).0;
                Some(Num::from_yuan(zhenxing_domain::Yuan::from_fen(fen)))
            })
            .collect(),
        None => vec![Some(Num::ZERO); n],
    };
    let mut stay = vec![None; n];
    let mut disability = vec![Some(false); n];
    let mut dropout = vec![Some(false); n];
    let mut fees = vec![None; n];
    let mut house = vec![Some(false); n];
    let mut labour_loss = vec![Some(false); n];
    let mut civil = vec![Some(false); n];
    let mut disaster = vec![None; n];
    let mut unemployed = vec![Some(false); n];
    let mut water = vec![None; n];

    for (ri, r) in records.iter().enumerate() {
        let date = r.date();
        if !period.window_contains(12, date) {
            continue;
        }
        let in_p = period.contains(date);
        let found = match located {
            Some(l) => l.get(ri).copied().flatten(),
            None => locate_record(registry, r),
        };
        let Some((h, m)) = found else {
            continue;
        };
        let hi = h as usize;
        let member = m.and_then(|m| hs[hi].members.get(usize::from(m)));
        let mut note = |f: Feature| {
            if let Some(w) = witness.as_deref_mut() {
                w.set(f, hi, ri);
                if f == Feature::MedicalOop12m
                    && let Some(c) = w.medical_count.get_mut(hi)
                {
                    *c += 1;
                }
            }
        };
        match r {
            FeedRecord::Medical {
                visit_type,
                out_of_pocket,
                eligible_out_of_pocket,
                ..
            } => {
                if totals.is_none()
                    && let Some(sum) = medical[hi].as_mut()
                {
                    *sum = sum
                        .checked_add(Num::from_yuan(*eligible_out_of_pocket))
                        .unwrap_or(*sum);
                    note(Feature::MedicalOop12m);
                }
                if in_p
                    && *visit_type == VisitType::Inpatient
                    && max_into(&mut stay[hi], Num::from_yuan(*out_of_pocket))
                {
                    note(Feature::StayOopMax);
                }
            }
            FeedRecord::Disability { grade, change, .. } if in_p => {
                let worse = match change {
                    DisabilityChange::New => true,
                    DisabilityChange::GradeChange => {
                        more_severe(*grade, member.and_then(|p| p.disability))
                    }
                    DisabilityChange::Cancelled => false,
                };
                if worse && disability[hi] != Some(true) {
                    disability[hi] = Some(true);
                    note(Feature::DisabilityNew);
                }
            }
            FeedRecord::Education {
                stage,
                status,
                fees: f,
                ..
            } if in_p => {
                if stage.is_compulsory() {
                    if *status == SchoolStatus::SuspectedDropout && dropout[hi] != Some(true) {
                        dropout[hi] = Some(true);
                        note(Feature::Dropout);
                    }
                } else if max_into(&mut fees[hi], Num::from_yuan(*f)) {
                    note(Feature::UpperSchoolFeesMax);
                }
            }
            FeedRecord::Housing { rating, .. }
                if in_p && matches!(rating, HouseRating::C | HouseRating::D) =>
            {
                if house[hi] != Some(true) {
                    note(Feature::HouseUnsafe);
                }
                house[hi] = Some(true);
            }
            FeedRecord::Police { event, date, .. } if in_p => {
                let capable = member.is_some_and(|p| {
                    matches!(p.labour, Some(Labour::Ordinary | Labour::Skilled))
                        && (16..=59).contains(&age_on(p.birth, *date))
                });
                if matches!(event, PoliceEvent::Death | PoliceEvent::Disability)
                    && capable
                    && labour_loss[hi] != Some(true)
                {
                    labour_loss[hi] = Some(true);
                    note(Feature::LabourLoss);
                }
            }
            FeedRecord::Civil { .. } if in_p => {
                if civil[hi] != Some(true) {
                    note(Feature::CivilNew);
                }
                civil[hi] = Some(true);
            }
            FeedRecord::Disaster { loss, .. } if in_p => {
                let grew = max_into(&mut disaster[hi], Num::from_yuan(*loss));
                if grew {
                    note(Feature::DisasterLossMax);
                }
            }
            FeedRecord::Employment { status, .. }
                if in_p && *status == EmploymentStatus::Unemployed =>
            {
                if unemployed[hi] != Some(true) {
                    note(Feature::Unemployed);
                }
                unemployed[hi] = Some(true);
            }
            FeedRecord::Water { days, .. } if in_p => {
                let grew = max_into(&mut water[hi], Num::from_int(i64::from(*days)));
                if grew {
                    note(Feature::WaterCutDaysMax);
                }
            }
            _ => {}
        }
    }

    let mut pc_latest = Vec::with_capacity(n);
    let mut pc_previous = Vec::with_capacity(n);
    let mut net_latest = Vec::with_capacity(n);
    for h in hs {
        let (latest, previous) = h.incomes_for(period.year);
        pc_latest.push(latest.and_then(|r| h.per_capita(r)).map(Num::from_yuan));
        pc_previous.push(previous.and_then(|r| h.per_capita(r)).map(Num::from_yuan));
        net_latest.push(latest.map(|r| Num::from_yuan(r.net_income())));
    }

    let columns: Vec<Column> = Feature::ALL
        .iter()
        .map(|f| match f {
            Feature::Exited => Column::Bool(bools(&|i| hs[i].kind == HouseholdKind::Exited)),
            Feature::Monitored => Column::Bool(bools(&|i| hs[i].monitored)),
            Feature::Ordinary => Column::Bool(bools(&|i| hs[i].kind == HouseholdKind::Ordinary)),
            Feature::Members => Column::Num(
                hs.iter()
                    .map(|h| Some(Num::from_int(h.members.len() as i64)))
                    .collect(),
            ),
            Feature::MedicalOop12m => Column::Num(std::mem::take(&mut medical)),
            Feature::StayOopMax => Column::Num(std::mem::take(&mut stay)),
            Feature::DisabilityNew => Column::Bool(std::mem::take(&mut disability)),
            Feature::Dropout => Column::Bool(std::mem::take(&mut dropout)),
            Feature::UpperSchoolFeesMax => Column::Num(std::mem::take(&mut fees)),
            Feature::HouseUnsafe => Column::Bool(std::mem::take(&mut house)),
            Feature::LabourLoss => Column::Bool(std::mem::take(&mut labour_loss)),
            Feature::CivilNew => Column::Bool(std::mem::take(&mut civil)),
            Feature::DisasterLossMax => Column::Num(std::mem::take(&mut disaster)),
            Feature::Unemployed => Column::Bool(std::mem::take(&mut unemployed)),
            Feature::WaterCutDaysMax => Column::Num(std::mem::take(&mut water)),
            Feature::IncomePcLatest => Column::Num(std::mem::take(&mut pc_latest)),
            Feature::IncomePcPrevious => Column::Num(std::mem::take(&mut pc_previous)),
            Feature::NetIncomeLatest => Column::Num(std::mem::take(&mut net_latest)),
        })
        .collect();
    Table {
        period,
        rows: n,
        columns,
    }
}
