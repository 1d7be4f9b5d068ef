//! Builders shared by the rule tests: people with valid resident IDs, households, feed records,
//! one run of the default rules for period 2026-03 with the default parameters.

use std::collections::BTreeSet;

use time::{Date, Month};
use zhenxing_domain::feed::{
    AssistanceProgram, DisabilityChange, EmploymentStatus, FeedRecord, Hazard, HouseRating,
    HouseholdRef, Period, PoliceEvent, SchoolStage, SchoolStatus, VisitType,
};
use zhenxing_domain::household::{DisabilityGrade, HouseholdKind, Labour};
use zhenxing_domain::{DivisionCode, IncomeRecord, Policy, Yuan};
use zhenxing_screening::{
    CompiledRule, Household, Params, Person, Registry, compile_rules, default_rules, id_key, screen,
};

/// The period of every hand-computed case: P = 2026-03, so P−1 = 2026-02, P+1 = 2026-04 and the
/// 12-month window is 2025-04 … 2026-03.
pub const P: &str = "2026-03";

pub fn period() -> Period {
    Period::parse(P).expect("period")
}

pub fn d(y: i32, m: u8, day: u8) -> Date {
    Date::from_calendar_date(y, Month::try_from(m).expect("month"), day).expect("date")
}

pub fn fen(f: i64) -> Yuan {
    Yuan::from_fen(f)
}

pub fn yuan(y: i64) -> Yuan {
    Yuan::from_yuan(y)
}

/// The default parameters (policy table defaults) for a Chongqing county in 2026.
pub fn params() -> Params {
    Params::resolve(
        &Policy::defaults(),
        &DivisionCode::parse("500110").expect("code"),
        2026,
    )
}

pub fn rules() -> Vec<CompiledRule> {
    compile_rules(&default_rules()).expect("default rules compile")
}

/// A valid 18-character resident ID (GB 11643 check character) for birth date `birth` and
/// sequence `seq`.
pub fn id_for(birth: Date, seq: u32) -> String {
    let first = format!(
        "500110{:04}{:02}{:02}{:03}",
        birth.year(),
        u8::from(birth.month()),
        birth.day(),
        seq % 1000
    );
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = first
        .bytes()
        .zip(W)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{first}{check}")
}

/// A member as written in the test: its ID, birth, 劳动技能 and registered 残疾等级.
#[derive(Debug, Clone)]
pub struct M {
    pub id: String,
    pub birth: Date,
    pub labour: Option<Labour>,
    pub grade: Option<DisabilityGrade>,
}

impl M {
    pub fn new(birth: Date, seq: u32) -> M {
        M {
            id: id_for(birth, seq),
            birth,
            labour: Some(Labour::Ordinary),
            grade: None,
        }
    }

    pub fn labour(mut self, l: Option<Labour>) -> M {
        self.labour = l;
        self
    }

    pub fn grade(mut self, g: Option<DisabilityGrade>) -> M {
        self.grade = g;
        self
    }

    fn person(&self) -> Person {
        Person {
            key: id_key(&self.id).expect("valid id"),
            birth: self.birth,
            labour: self.labour,
            disability: self.grade,
        }
    }
}

/// Builds a registry household by household; every member gets a fresh ID.
#[derive(Default)]
pub struct Reg {
    pub households: Vec<Household>,
    pub ids: Vec<String>,
    seq: u32,
}

/// Who a household is as far as the rules care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    /// 脱贫户, no case.
    Exited,
    /// 一般农户, no case.
    Ordinary,
    /// 户类型 监测户.
    MonitoredKind,
    /// 一般农户 with an open identification case: monitored.
    OrdinaryInCase,
}

impl Reg {
    /// Adds household `no` with `n` members born 1980-06-15 (ordinary labour); returns their IDs.
    pub fn add(&mut self, no: &str, who: Who, n: usize) -> Vec<String> {
        let ms: Vec<M> = (0..n)
            .map(|_| {
                self.seq += 1;
                M::new(d(1980, 6, 15), self.seq)
            })
            .collect();
        self.add_members(no, who, ms, Vec::new())
    }

    /// A fresh member (new sequence number) born on `birth`.
    pub fn member(&mut self, birth: Date) -> M {
        self.seq += 1;
        M::new(birth, self.seq)
    }

    pub fn add_members(
        &mut self,
        no: &str,
        who: Who,
        members: Vec<M>,
        incomes: Vec<IncomeRecord>,
    ) -> Vec<String> {
        let (kind, monitored) = match who {
            Who::Exited => (HouseholdKind::Exited, false),
            Who::Ordinary => (HouseholdKind::Ordinary, false),
            Who::MonitoredKind => (HouseholdKind::Monitored, true),
            Who::OrdinaryInCase => (HouseholdKind::Ordinary, true),
        };
        let ids: Vec<String> = members.iter().map(|m| m.id.clone()).collect();
        self.ids.extend(ids.iter().cloned());
        self.households.push(Household {
            household_no: no.to_string(),
            village: "青岩村".into(),
            kind,
            monitored,
            members: members.iter().map(M::person).collect(),
            incomes,
        });
        ids
    }

    /// Adds household `no` with `n` members and these income records.
    pub fn add_with_incomes(
        &mut self,
        no: &str,
        who: Who,
        n: usize,
        incomes: Vec<IncomeRecord>,
    ) -> Vec<String> {
        let ms: Vec<M> = (0..n)
            .map(|_| {
                self.seq += 1;
                M::new(d(1980, 6, 15), self.seq)
            })
            .collect();
        self.add_members(no, who, ms, incomes)
    }

    pub fn registry(&self) -> Registry {
        Registry::new(self.households.clone())
    }
}

/// An income record whose 纯收入 is `net` (all of it wage income).
pub fn income(year: i32, net: Yuan) -> IncomeRecord {
    IncomeRecord {
        year,
        wage_income: net,
        ..IncomeRecord::default()
    }
}

// ---- feed records ----

pub fn medical(id: &str, date: Date, visit: VisitType, oop: Yuan, eligible: Yuan) -> FeedRecord {
    let basic = yuan(3_000);
    FeedRecord::Medical {
        person: id.into(),
        date,
        visit_type: visit,
        total: basic + oop,
        basic_paid: basic,
        critical_paid: Yuan::ZERO,
        assistance_paid: Yuan::ZERO,
        out_of_pocket: oop,
        eligible_out_of_pocket: eligible,
    }
}

pub fn disability(
    id: &str,
    date: Date,
    change: DisabilityChange,
    grade: Option<DisabilityGrade>,
) -> FeedRecord {
    FeedRecord::Disability {
        person: id.into(),
        category: "肢体".into(),
        grade,
        change,
        date,
    }
}

pub fn education(
    id: &str,
    date: Date,
    stage: SchoolStage,
    status: SchoolStatus,
    fees: Yuan,
) -> FeedRecord {
    FeedRecord::Education {
        person: id.into(),
        stage,
        status,
        fees,
        date,
    }
}

pub fn housing(household: HouseholdRef, date: Date, rating: HouseRating) -> FeedRecord {
    FeedRecord::Housing {
        household,
        rating,
        date,
    }
}

pub fn police(id: &str, date: Date, event: PoliceEvent) -> FeedRecord {
    FeedRecord::Police {
        person: id.into(),
        event,
        date,
        cause: "交通事故".into(),
    }
}

pub fn civil(id: &str, date: Date, program: AssistanceProgram) -> FeedRecord {
    FeedRecord::Civil {
        person: id.into(),
        program,
        date,
        amount: yuan(600),
    }
}

pub fn disaster(household: HouseholdRef, date: Date, loss: Yuan) -> FeedRecord {
    FeedRecord::Disaster {
        household,
        hazard: Hazard::Flood,
        loss,
        date,
    }
}

pub fn employment(id: &str, date: Date, status: EmploymentStatus) -> FeedRecord {
    FeedRecord::Employment {
        person: id.into(),
        status,
        wage: Yuan::ZERO,
        date,
    }
}

pub fn water(no: &str, date: Date, days: u32) -> FeedRecord {
    FeedRecord::Water {
        household_no: no.into(),
        days,
        date,
    }
}

pub fn by_no(no: &str) -> HouseholdRef {
    HouseholdRef::Number(no.into())
}

pub fn by_id(id: &str) -> HouseholdRef {
    HouseholdRef::Person(id.into())
}

// ---- running ----

/// One warning as the CSV shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub household_no: String,
    pub rule_id: String,
    pub evidence: String,
}

pub struct Outcome {
    pub warnings: Vec<Warning>,
}

impl Outcome {
    /// The households `rule` flagged.
    pub fn flagged(&self, rule: &str) -> BTreeSet<String> {
        self.warnings
            .iter()
            .filter(|w| w.rule_id == rule)
            .map(|w| w.household_no.clone())
            .collect()
    }

    pub fn evidence(&self, no: &str, rule: &str) -> &str {
        self.warnings
            .iter()
            .find(|w| w.household_no == no && w.rule_id == rule)
            .map(|w| w.evidence.as_str())
            .unwrap_or_else(|| panic!("no {rule} warning for {no}: {:?}", self.warnings))
    }
}

pub fn run_with(reg: &Reg, records: &[FeedRecord], params: &Params) -> Outcome {
    let rules = rules();
    let registry = reg.registry();
    let hits = screen(&registry, records, period(), &rules, params);
    let warnings: Vec<Warning> = hits
        .iter()
        .map(|h| Warning {
            household_no: registry.households[h.household as usize]
                .household_no
                .clone(),
            rule_id: rules[h.rule].def.id.clone(),
            evidence: h.evidence.clone(),
        })
        .collect();
    // Evidence never shows an unmasked ID number, whatever the rule.
    for w in &warnings {
        for id in &reg.ids {
            assert!(
                !w.evidence.contains(id.as_str()),
                "unmasked ID {id} in evidence: {w:?}"
            );
        }
        assert!(
            !has_digit_run(&w.evidence, 15),
            "an ID-like run of digits in evidence: {w:?}"
        );
    }
    Outcome { warnings }
}

pub fn run(reg: &Reg, records: &[FeedRecord]) -> Outcome {
    run_with(reg, records, &params())
}

fn has_digit_run(text: &str, n: usize) -> bool {
    let mut run = 0;
    for c in text.chars() {
        if c.is_ascii_digit() {
            run += 1;
            if run >= n {
                return true;
            }
        } else {
            run = 0;
        }
    }
    false
}

/// The expected set of household numbers.
pub fn set(nos: &[&str]) -> BTreeSet<String> {
    nos.iter().map(|s| (*s).to_string()).collect()
}

/// Asserts that `evidence` contains every part.
#[track_caller]
pub fn assert_names(evidence: &str, parts: &[&str]) {
    for p in parts {
        assert!(evidence.contains(p), "evidence «{evidence}» lacks «{p}»");
    }
}
