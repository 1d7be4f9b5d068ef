//! The generated township as the rest of the system sees it: sizes, determinism, valid and unique
//! ID numbers, and the roster layout's invariants (LAYOUT.md) on every household.

use std::collections::HashSet;
use std::sync::OnceLock;

use time::Date;
use zhenxing_domain::household::{
    Health, HouseholdKind, Member, Relation, Sex, age_on, is_valid_phone,
};
use zhenxing_domain::{DivisionCode, Household, IdNumber};
use zhenxing_synth::{Summary, SynthConfig, fuhuan_units, households, towns};

mod batch;
mod feeds;

fn township() -> &'static [Household] {
    static HOUSEHOLDS: OnceLock<Vec<Household>> = OnceLock::new();
    HOUSEHOLDS.get_or_init(|| households(&SynthConfig::default()).collect())
}

fn today() -> Date {
    SynthConfig::default().today
}

#[test]
fn the_default_township_has_about_12_500_households_and_43_000_persons() {
    let s = Summary::of(township(), today());
    assert!((12_000..=13_000).contains(&s.households), "{s}");
    assert!((41_000..=45_000).contains(&s.persons), "{s}");
    assert_eq!(s.persons, 43_000);
    let units: Vec<DivisionCode> = fuhuan_units().into_iter().map(|u| u.code).collect();
    for code in &units {
        let n = township().iter().filter(|h| &h.village == code).count();
        assert!(n > 100, "{code} has {n} households");
    }
    let count = |i: usize| township().iter().filter(|h| h.village == units[i]).count();
    assert!(count(0) < count(1), "扶欢社区 is smaller than a village");
    assert!(
        (1..16).all(|i| i == 4 || count(4) > count(i)),
        "青岩 is the largest village"
    );
}

#[test]
fn two_runs_with_the_same_config_are_identical_and_another_seed_differs() {
    let cfg = SynthConfig::default();
    assert!(households(&cfg).eq(township().iter().cloned()));
    let other = SynthConfig {
        seed: cfg.seed + 1,
        ..cfg
    };
    let first = households(&other).next().expect("a household");
    assert_ne!(&first, &township()[0]);
}

#[test]
fn id_numbers_are_valid_unique_and_agree_with_sex_and_birth_date() {
    let mut seen = HashSet::new();
    for m in township().iter().flat_map(|h| &h.members) {
        let stored = m.id_number.as_stored();
        let parsed = IdNumber::parse(&stored, today()).unwrap_or_else(|e| panic!("{stored}: {e}"));
        assert_eq!(parsed, m.id_number);
        assert_eq!(parsed.birth_date(), m.birth_date);
        assert_eq!(parsed.is_male(), m.sex == Sex::Male);
        let address = parsed.address_code();
        assert!(
            ["500222", "500110", "500113", "500116", "500119", "520322"].contains(&address),
            "{stored}"
        );
        if m.birth_date.year() >= 2012 {
            assert_eq!(address, "500110", "born in 綦江区: {stored}");
        }
        assert!(seen.insert(stored), "duplicate ID number");
    }
}

#[test]
fn every_household_keeps_the_roster_invariants() {
    let units: HashSet<DivisionCode> = fuhuan_units().into_iter().map(|u| u.code).collect();
    let mut numbers = HashSet::new();
    for h in township() {
        let heads = h
            .members
            .iter()
            .filter(|m| m.relation == Relation::Head)
            .count();
        assert_eq!(heads, 1, "{}", h.household_no);
        assert_eq!(h.members[0].relation, Relation::Head);
        assert!((1..=7).contains(&h.members.len()));
        assert_eq!(
            h.kind == HouseholdKind::Monitored,
            h.monitoring_category.is_some(),
            "{}",
            h.household_no
        );
        assert!(units.contains(&h.village));
        assert!(
            h.household_no.starts_with(h.village.as_str()) && h.household_no.len() == 16,
            "{}",
            h.household_no
        );
        assert!(
            numbers.insert(h.household_no.clone()),
            "duplicate {}",
            h.household_no
        );
        assert!(h.phone.as_deref().is_some_and(is_valid_phone));
        assert!(h.farmland_centimu.is_some_and(|c| (0..=800).contains(&c)));
        assert!(h.group.is_some_and(|g| (1..=99).contains(&g)));
        assert_eq!(
            h.incomes.iter().map(|r| r.year).collect::<Vec<_>>(),
            [2024, 2025]
        );
        for r in &h.incomes {
            assert_eq!(r.validate(), Ok(()), "{}", h.household_no);
        }
        for m in &h.members {
            assert_eq!(
                m.health == Some(Health::Disabled),
                m.disability_grade.is_some(),
                "{}",
                m.name
            );
            assert!(m.work_months.is_some_and(|w| w <= 12));
            assert!(m.birth_date <= today());
            assert!((2..=3).contains(&m.name.chars().count()), "{}", m.name);
            assert!(m.phone.as_deref().is_none_or(is_valid_phone));
            let age = m.age_on(today());
            if age < 16 {
                assert_eq!(
                    m.labour,
                    Some(zhenxing_domain::household::Labour::None),
                    "{}",
                    m.name
                );
                assert_eq!(m.work_months, Some(0));
            }
            if (7..=14).contains(&age) {
                assert_ne!(
                    m.schooling,
                    Some(zhenxing_domain::household::Schooling::NotInSchool)
                );
            }
        }
    }
}

/// Whole years between two birth dates, the elder first.
fn years_between(elder: &Member, younger: &Member) -> i32 {
    age_on(elder.birth_date, younger.birth_date)
}

#[test]
fn relations_agree_with_ages_sexes_and_surnames() {
    let surname = |m: &Member| m.name.chars().next();
    for h in township() {
        let head = &h.members[0];
        for m in &h.members[1..] {
            match m.relation {
                Relation::Spouse => {
                    assert_ne!(m.sex, head.sex);
                    let gap = (m.birth_date - head.birth_date).whole_days().abs();
                    assert!(
                        gap <= 6 * 366,
                        "spouse {gap} days apart in {}",
                        h.household_no
                    );
                }
                Relation::Son | Relation::Daughter => {
                    assert_eq!(surname(m), surname(head), "{}", h.household_no);
                    for parent in h
                        .members
                        .iter()
                        .filter(|p| matches!(p.relation, Relation::Head | Relation::Spouse))
                    {
                        let gap = years_between(parent, m);
                        assert!(
                            (20..=40).contains(&gap),
                            "child {gap} years younger in {}",
                            h.household_no
                        );
                    }
                }
                Relation::Father | Relation::Mother => {
                    let gap = years_between(m, head);
                    assert!(
                        (20..=40).contains(&gap),
                        "parent {gap} years older in {}",
                        h.household_no
                    );
                }
                Relation::Grandson | Relation::Granddaughter => {
                    assert_eq!(surname(m), surname(head), "{}", h.household_no);
                    assert!(years_between(head, m) >= 38, "{}", h.household_no);
                }
                Relation::DaughterInLaw => assert_eq!(m.sex, Sex::Female),
                Relation::SonInLaw => assert_eq!(m.sex, Sex::Male),
                _ => {}
            }
        }
    }
}

#[test]
fn the_township_looks_like_a_rural_township() {
    let s = Summary::of(township(), today());
    let share = |n: u64, of: u64| n as f64 / of as f64;
    let mean = share(s.persons, s.households);
    assert!((3.3..=3.6).contains(&mean), "{s}");
    assert!(
        (0.10..=0.14).contains(&share(s.kinds[0], s.households)),
        "{s}"
    );
    assert!(
        (0.01..=0.022).contains(&share(s.kinds[1], s.households)),
        "{s}"
    );
    for below in s.below_line {
        assert!((0.07..=0.13).contains(&share(below, s.households)), "{s}");
    }
    assert!((0.06..=0.10).contains(&share(s.chronic, s.persons)), "{s}");
    assert!(
        (0.035..=0.065).contains(&share(s.disabled, s.persons)),
        "{s}"
    );
    let ethnic = township()
        .iter()
        .flat_map(|h| &h.members)
        .filter(|m| m.ethnicity.as_deref() != Some("汉族"))
        .count();
    assert!((1..=(s.persons as usize) / 20).contains(&ethnic));
}

#[test]
fn more_people_are_spread_over_more_towns_with_unique_household_numbers() {
    let cfg = SynthConfig {
        persons: 100_000,
        ..SynthConfig::default()
    };
    let towns = towns(cfg.persons);
    assert_eq!(towns.len(), 2);
    assert_eq!(towns[0].units, fuhuan_units());
    let villages: HashSet<DivisionCode> = towns
        .iter()
        .flat_map(|t| t.units.iter().map(|u| u.code.clone()))
        .collect();
    let mut numbers = HashSet::new();
    let mut persons = 0;
    for h in households(&cfg) {
        assert!(villages.contains(&h.village), "{}", h.village);
        assert!(numbers.insert(h.household_no));
        persons += h.members.len();
    }
    assert_eq!(persons, 100_000);
    assert!(numbers.iter().any(|n| n.starts_with("500110121")));
}
