//! Department feeds of the synthetic township: determinism, volumes, dates, the default rules of
//! SCREENING.md each firing for a small share of households, and a CSV round trip through the reader.

use std::collections::HashMap;
use std::sync::OnceLock;

use zhenxing_domain::feed::{
    DisabilityChange, EmploymentStatus, FeedKind, FeedRecord, HouseRating, HouseholdRef, Period,
    PoliceEvent, SchoolStatus, VisitType,
};
use zhenxing_domain::household::{DisabilityGrade, HouseholdKind, Labour, age_on};
use zhenxing_domain::{CodeEnum, Household, Yuan};
use zhenxing_exchange::read_feed;
use zhenxing_synth::{FeedFiles, FeedScale, feeds, household_feeds, write_feed_csv};

use super::{today, township};

const SEED: u64 = 7;

fn period() -> Period {
    Period::parse("2026-10").expect("period")
}

fn township_feeds() -> &'static [(FeedKind, Vec<FeedRecord>)] {
    static FEEDS: OnceLock<Vec<(FeedKind, Vec<FeedRecord>)>> = OnceLock::new();
    FEEDS.get_or_init(|| feeds(township(), period(), SEED, FeedScale::default()))
}

fn of(kind: FeedKind) -> &'static [FeedRecord] {
    township_feeds()
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or(&[][..], |(_, r)| r.as_slice())
}

#[test]
fn every_kind_is_present_in_order_and_dated_in_its_window() {
    let f = township_feeds();
    let kinds: Vec<FeedKind> = f.iter().map(|(k, _)| *k).collect();
    assert_eq!(kinds, FeedKind::ALL);
    let p = period();
    for (kind, records) in f {
        assert!(!records.is_empty(), "{kind:?}");
        assert!(records.windows(2).all(|w| w[0].date() <= w[1].date()));
        for r in records {
            assert_eq!(r.kind(), *kind);
            if *kind == FeedKind::Medical {
                assert!(p.window_contains(12, r.date()), "{r:?}");
            } else {
                assert!(p.contains(r.date()), "{r:?}");
            }
        }
    }
    // Every month of the window has medical records.
    for back in 0..12 {
        let m = p.minus(back);
        assert!(of(FeedKind::Medical).iter().any(|r| m.contains(r.date())));
    }
}

#[test]
fn about_three_medical_records_per_person_year_that_add_up() {
    let persons: usize = township().iter().map(|h| h.members.len()).sum();
    let medical = of(FeedKind::Medical);
    let rate = medical.len() as f64 / persons as f64;
    eprintln!("{rate:.2} medical records per person-year");
    assert!((2.6..3.4).contains(&rate), "{rate} per person-year");
    let mut by_type: HashMap<VisitType, usize> = HashMap::new();
    for r in medical {
        let FeedRecord::Medical {
            visit_type,
            total,
            basic_paid,
            critical_paid,
            assistance_paid,
            out_of_pocket,
            eligible_out_of_pocket,
            ..
        } = r
        else {
            panic!("{r:?}")
        };
        *by_type.entry(*visit_type).or_default() += 1;
        assert_eq!(
            *total,
            *basic_paid + *critical_paid + *assistance_paid + *out_of_pocket
        );
        assert!(*eligible_out_of_pocket <= *out_of_pocket);
        for y in [
            basic_paid,
            critical_paid,
            assistance_paid,
            eligible_out_of_pocket,
        ] {
            assert!(*y >= Yuan::ZERO, "{r:?}");
        }
    }
    let share = |t| by_type.get(&t).copied().unwrap_or(0) as f64 / medical.len() as f64;
    assert!(
        (0.03..0.12).contains(&share(VisitType::Inpatient)),
        "{by_type:?}"
    );
    assert!(share(VisitType::Outpatient) > 0.7, "{by_type:?}");
    assert!(share(VisitType::SpecialOutpatient) > 0.03, "{by_type:?}");
}

#[test]
fn feeds_are_deterministic_and_local_to_each_household_and_month() {
    let hs = &township()[..300];
    let a = feeds(hs, period(), SEED, FeedScale::default());
    assert_eq!(a, feeds(hs, period(), SEED, FeedScale::default()));
    assert_ne!(a, feeds(hs, period(), SEED + 1, FeedScale::default()));
    // A household's records do not depend on the others.
    let mut alone = Vec::new();
    household_feeds(&hs[10], period(), SEED, FeedScale::default(), &mut |r| {
        alone.push(r)
    });
    alone.sort_by_key(FeedRecord::date);
    let within: Vec<FeedRecord> = a
        .iter()
        .flat_map(|(_, records)| records)
        .filter(|r| holds(&hs[10], r))
        .cloned()
        .collect();
    let mut within_sorted = within.clone();
    within_sorted.sort_by_key(FeedRecord::date);
    assert!(!alone.is_empty());
    assert_eq!(alone.len(), within.len());
    let key = |r: &FeedRecord| format!("{r:?}");
    let mut x: Vec<String> = alone.iter().map(key).collect();
    let mut y: Vec<String> = within.iter().map(key).collect();
    x.sort();
    y.sort();
    assert_eq!(x, y);
    // The medical records of a month are the same in the files of the next period.
    let next = Period::parse("2026-11").expect("period");
    let medical = |p: Period| -> Vec<FeedRecord> {
        let f = feeds(hs, p, SEED, FeedScale::default());
        f[0].1
            .iter()
            .filter(|r| period().contains(r.date()) || period().minus(5).contains(r.date()))
            .filter(|r| hs.iter().any(|h| holds(h, r)))
            .cloned()
            .collect()
    };
    let mut this = medical(period());
    let mut later = medical(next);
    this.sort_by(|x, y| format!("{x:?}").cmp(&format!("{y:?}")));
    later.sort_by(|x, y| format!("{x:?}").cmp(&format!("{y:?}")));
    assert!(!this.is_empty());
    assert_eq!(this, later);
}

fn holds(h: &Household, r: &FeedRecord) -> bool {
    match r.subject() {
        HouseholdRef::Number(no) => h.household_no == no,
        HouseholdRef::Person(id) => h.members.iter().any(|m| m.id_number.base() == id),
    }
}

fn latest_income(h: &Household, year: i32) -> Option<&zhenxing_domain::IncomeRecord> {
    h.incomes
        .iter()
        .filter(|r| r.year <= year)
        .max_by_key(|r| r.year)
}

fn rule_counts() -> (usize, HashMap<&'static str, usize>, usize) {
    let hs = township();
    let p = period();
    let mut by_person: HashMap<&str, (usize, usize)> = HashMap::new();
    let mut by_no: HashMap<&str, usize> = HashMap::new();
    for (i, h) in hs.iter().enumerate() {
        by_no.insert(&h.household_no, i);
        for (j, m) in h.members.iter().enumerate() {
            by_person.insert(m.id_number.base(), (i, j));
        }
    }
    let n = hs.len();
    let mut medical = vec![Yuan::ZERO; n];
    let mut stay = vec![Yuan::ZERO; n];
    let mut hit: HashMap<&'static str, Vec<bool>> = HashMap::new();
    let mut flag =
        |rule: &'static str, i: usize| hit.entry(rule).or_insert_with(|| vec![false; n])[i] = true;
    let mut unmatched = 0;
    let line = Yuan::from_yuan(7_000);
    for (_, records) in township_feeds() {
        for r in records {
            let located = match r.subject() {
                HouseholdRef::Number(no) => by_no.get(no.as_str()).map(|i| (*i, None)),
                HouseholdRef::Person(id) => by_person.get(id.as_str()).map(|(i, j)| (*i, Some(*j))),
            };
            let Some((i, j)) = located else {
                unmatched += 1;
                continue;
            };
            let h = &hs[i];
            let member = j.map(|j| &h.members[j]);
            let latest = latest_income(h, p.year);
            let pc = latest.and_then(|r| r.net_income_per_capita(h.members.len()));
            match r {
                FeedRecord::Medical {
                    date,
                    visit_type,
                    out_of_pocket,
                    eligible_out_of_pocket,
                    ..
                } => {
                    medical[i] = medical[i] + *eligible_out_of_pocket;
                    if p.contains(*date) && *visit_type == VisitType::Inpatient {
                        stay[i] = stay[i].max(*out_of_pocket);
                    }
                }
                FeedRecord::Disability { grade, change, .. } => {
                    let rank = |g: Option<DisabilityGrade>| {
                        g.map_or(5, |g| {
                            DisabilityGrade::ALL
                                .iter()
                                .position(|x| *x == g)
                                .unwrap_or(4)
                        })
                    };
                    let worse = match change {
                        DisabilityChange::New => true,
                        DisabilityChange::GradeChange => {
                            grade.is_some()
                                && rank(*grade) < rank(member.and_then(|m| m.disability_grade))
                        }
                        DisabilityChange::Cancelled => false,
                    };
                    if worse {
                        flag("new_disability", i);
                    }
                }
                FeedRecord::Education {
                    stage,
                    status,
                    fees,
                    ..
                } => {
                    if stage.is_compulsory() && *status == SchoolStatus::SuspectedDropout {
                        flag("dropout", i);
                    }
                    if !stage.is_compulsory() && *fees > Yuan::from_yuan(10_000) {
                        flag("education_cost", i);
                    }
                }
                FeedRecord::Housing { rating, .. } => {
                    if matches!(rating, HouseRating::C | HouseRating::D) {
                        flag("unsafe_house", i);
                    }
                }
                FeedRecord::Police { event, date, .. } => {
                    let capable = member.is_some_and(|m| {
                        matches!(m.labour, Some(Labour::Ordinary | Labour::Skilled))
                            && (16..=59).contains(&age_on(m.birth_date, *date))
                    });
                    if matches!(event, PoliceEvent::Death | PoliceEvent::Disability) && capable {
                        flag("labour_loss", i);
                    }
                }
                FeedRecord::Civil { .. } => {
                    if h.kind != HouseholdKind::Monitored {
                        flag("new_assistance", i);
                    }
                }
                FeedRecord::Disaster { loss, .. } => {
                    let net = latest.map(|r| r.net_income());
                    let share = net.map(|n| Yuan::from_fen(n.fen() / 2));
                    if *loss > Yuan::from_yuan(10_000) || share.is_some_and(|s| *loss > s) {
                        flag("disaster_loss", i);
                    }
                }
                FeedRecord::Employment { status, .. } => {
                    let low = pc.is_some_and(|pc| pc.fen() * 2 < line.fen() * 3);
                    if *status == EmploymentStatus::Unemployed && low {
                        flag("unemployment", i);
                    }
                }
                FeedRecord::Water { days, .. } => {
                    if *days > 30 {
                        flag("water_cut", i);
                    }
                }
            }
        }
    }
    for (i, h) in hs.iter().enumerate() {
        // The registry's own rules, for the record (not drawn from feeds).
        let pc = |r: Option<&zhenxing_domain::IncomeRecord>| {
            r.and_then(|r| r.net_income_per_capita(h.members.len()))
        };
        let latest = latest_income(h, p.year);
        let previous = latest.and_then(|l| h.incomes.iter().find(|r| r.year == l.year - 1));
        if h.kind != HouseholdKind::Monitored && pc(latest).is_some_and(|v| v < line) {
            flag("(registry) income_below_line", i);
        }
        if let (Some(l), Some(prev)) = (pc(latest), pc(previous))
            && l.fen() * 10 < prev.fen() * 7
            && l.fen() < line.fen() * 2
        {
            flag("(registry) income_drop", i);
        }
        let strict = h.kind != HouseholdKind::Ordinary;
        let burden = if strict { 10_000 } else { 20_000 };
        if medical[i] > Yuan::from_yuan(burden) {
            flag("medical_burden", i);
            if strict {
                flag("medical_burden (exited or monitored)", i);
            }
        }
        let stay_line = if strict { 6_000 } else { 10_000 };
        if stay[i] > Yuan::from_yuan(stay_line) {
            flag("medical_stay", i);
            if strict {
                flag("medical_stay (exited or monitored)", i);
            }
        }
    }
    let counts = hit
        .into_iter()
        .map(|(rule, v)| (rule, v.into_iter().filter(|b| *b).count()))
        .collect();
    (n, counts, unmatched)
}

#[test]
fn every_feed_rule_fires_for_a_small_share_of_households() {
    let (n, counts, unmatched) = rule_counts();
    let mut report: Vec<_> = counts.iter().collect();
    report.sort();
    eprintln!("{n} households: {report:?}, {unmatched} unmatched records");
    for rule in [
        "medical_burden",
        "medical_burden (exited or monitored)",
        "medical_stay",
        "medical_stay (exited or monitored)",
        "new_disability",
        "dropout",
        "education_cost",
        "unsafe_house",
        "labour_loss",
        "new_assistance",
        "disaster_loss",
        "unemployment",
        "water_cut",
    ] {
        let c = counts.get(rule).copied().unwrap_or(0);
        let share = c as f64 / n as f64;
        assert!(c >= 3, "{rule} fires for {c} households");
        assert!(share < 0.05, "{rule} fires for {share:.3} of households");
    }
    let records: usize = township_feeds().iter().map(|(_, r)| r.len()).sum();
    assert!(unmatched >= FeedKind::ALL.len(), "{unmatched}");
    assert!(
        (unmatched as f64) < 0.01 * records as f64,
        "{unmatched} of {records}"
    );
}

#[test]
fn written_feed_files_read_back_unchanged() {
    let dir = tempfile::tempdir().expect("tmp");
    // The files of a few hundred households, every kind (at least the unmatched copies).
    let hs = &township()[..400];
    let scale = FeedScale {
        events: 20.0,
        ..FeedScale::default()
    };
    for (kind, records) in feeds(hs, period(), SEED, scale) {
        assert!(!records.is_empty(), "{kind:?}");
        let path = dir.path().join(format!("{}.csv", kind.code()));
        write_feed_csv(kind, &records, &path).expect("write");
        let file = read_feed(kind, &path, today()).expect("read");
        assert!(file.findings.is_empty(), "{kind:?}: {:#?}", file.findings);
        assert_eq!(file.rows_total, records.len());
        let back: Vec<FeedRecord> = file.records.into_iter().map(|(_, r)| r).collect();
        assert_eq!(back, records, "{kind:?}");
        let text = std::fs::read_to_string(&path).expect("text");
        let header = text
            .trim_start_matches('\u{feff}')
            .lines()
            .next()
            .unwrap_or("");
        assert!(
            header.starts_with("证件号码") || header.starts_with("户编号"),
            "{header}"
        );
    }
}

#[test]
fn a_year_of_files_streams_each_month_as_its_own_period_plus_unmatched_copies() {
    let dir = tempfile::tempdir().expect("tmp");
    let hs = &township()[..300];
    let scale = FeedScale::default();
    let mut files = FeedFiles::create(dir.path(), period(), SEED, scale).expect("create");
    for h in hs {
        files.household(h).expect("write");
    }
    let written = files.finish().expect("finish");
    assert!(
        written
            .iter()
            .all(|(_, rows, bytes)| *rows > 0 && *bytes > 0)
    );
    let mut read: HashMap<FeedKind, Vec<FeedRecord>> = HashMap::new();
    for (path, rows, _) in &written {
        let name = path.file_stem().and_then(|s| s.to_str()).expect("name");
        let (kind, month) = name.split_once('-').expect("KIND-YYYY-MM");
        let kind = FeedKind::from_code(kind).expect("kind");
        let month = Period::parse(month).expect("month");
        let file = read_feed(kind, path, today()).expect("read");
        assert!(file.findings.is_empty(), "{name}: {:#?}", file.findings);
        assert_eq!(file.rows_total as u64, *rows);
        for (_, r) in file.records {
            assert!(month.contains(r.date()), "{name}: {r:?}");
            read.entry(kind).or_default().push(r);
        }
    }
    // Every record of `household_feeds` for each month as the period is in the files, and the
    // rest are copies about nobody in the registry (about 0.2 %).
    let mut expected: HashMap<FeedKind, Vec<FeedRecord>> = HashMap::new();
    for back in 0..12 {
        let p = period().minus(back);
        for h in hs {
            household_feeds(h, p, SEED, scale, &mut |r| {
                if r.kind() != FeedKind::Medical || p == period() {
                    expected.entry(r.kind()).or_default().push(r);
                }
            });
        }
    }
    let members: std::collections::HashSet<&str> = hs
        .iter()
        .flat_map(|h| h.members.iter().map(|m| m.id_number.base()))
        .chain(hs.iter().map(|h| h.household_no.as_str()))
        .collect();
    let mut strangers = 0;
    let mut total = 0;
    for kind in FeedKind::ALL {
        let mut got = read.remove(kind).unwrap_or_default();
        let before = got.len();
        got.retain(|r| match r.subject() {
            HouseholdRef::Number(s) | HouseholdRef::Person(s) => members.contains(s.as_str()),
        });
        strangers += before - got.len();
        total += before;
        let key = |r: &FeedRecord| format!("{r:?}");
        let mut want = expected.remove(kind).unwrap_or_default();
        got.sort_by_key(key);
        want.sort_by_key(key);
        assert_eq!(got, want, "{kind:?}");
    }
    assert!(
        strangers > 0 && strangers * 100 < total,
        "{strangers} of {total}"
    );
}
