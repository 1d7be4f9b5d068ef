//! The household stream: configuration, units in order, one household at a time.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use time::{Date, Month};
use zhenxing_domain::household::{
    DisabilityGrade, Health, HouseholdKind, Labour, MonitoringCategory,
};
use zhenxing_domain::{DivisionCode, Household, Member};

use crate::family::{Composer, Spec, uniform};
use crate::ids::IdAllocator;
use crate::income::{self, Profile, normal};
use crate::member::{self, Traits};
use crate::names::Surnames;
use crate::units::{UNIT_WEIGHTS, UNITS_PER_TOWN, town_count, unit_code, unit_persons};

/// What to generate. The same configuration always yields the same households.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynthConfig {
    pub seed: u64,
    /// Registered persons in total (exact).
    pub persons: u64,
    /// Nobody is born after this day; ages are taken on it.
    pub today: Date,
    /// The two income years of every household, e.g. `[2024, 2025]`.
    pub income_years: [i32; 2],
}

impl SynthConfig {
    /// The township of about 43,000 persons, seen on `today`, with incomes of the two years before.
    pub fn township(seed: u64, today: Date) -> Self {
        SynthConfig {
            seed,
            persons: 43_000,
            today,
            income_years: [today.year() - 2, today.year() - 1],
        }
    }
}

impl Default for SynthConfig {
    /// Seed 2021 (the year of the township's transition plan), 43,000 persons, seen on 2026-11-28.
    fn default() -> Self {
        let today = Date::from_calendar_date(2026, Month::November, 28).unwrap_or(Date::MIN);
        SynthConfig::township(2021, today)
    }
}

/// Streams the households of `cfg` deterministically, unit after unit, holding one at a time.
pub fn households(cfg: &SynthConfig) -> Households<'_> {
    Households::new(cfg)
}

/// The iterator behind [`households`].
pub struct Households<'a> {
    cfg: &'a SynthConfig,
    towns: usize,
    /// Next (town, unit) to open.
    next_unit: (usize, usize),
    current: Option<UnitState>,
    serial_width: usize,
    ids: IdAllocator,
    composer: Composer,
    surnames: Surnames,
    specs: Vec<Spec>,
    name: String,
}

struct UnitState {
    code: DivisionCode,
    /// Position in the town (0 = the community, 4 = 青岩 in 扶欢镇).
    index: usize,
    remaining: u64,
    serial: u64,
    expected: u64,
    groups: u64,
    rng: ChaCha8Rng,
}

/// Household sizes 1–7 in per cent: mean 3.44.
const SIZE_WEIGHTS: [u32; 7] = [12, 20, 20, 22, 15, 8, 3];

impl<'a> Households<'a> {
    fn new(cfg: &'a SynthConfig) -> Self {
        let towns = town_count(cfg.persons);
        let biggest_unit = (0..UNITS_PER_TOWN)
            .map(|u| unit_persons(town_persons(cfg.persons, towns, 0), u))
            .max();
        // A unit never has more households than persons, so this width keeps serials fixed-length.
        let serial_width = biggest_unit.unwrap_or(0).to_string().len().max(4);
        let district_from = Date::from_calendar_date(2011, Month::November, 1).unwrap_or(Date::MIN);
        Households {
            cfg,
            towns,
            next_unit: (0, 0),
            current: None,
            serial_width,
            ids: IdAllocator::new(cfg.seed, cfg.today),
            composer: Composer::new(cfg.today.to_julian_day(), district_from.to_julian_day()),
            surnames: Surnames::new(),
            specs: Vec::with_capacity(8),
            name: String::with_capacity(16),
        }
    }

    /// Opens the next unit that has people; `false` when all are done.
    fn open_next_unit(&mut self) -> bool {
        while self.next_unit.0 < self.towns {
            let (t, u) = self.next_unit;
            self.next_unit = if u + 1 == UNITS_PER_TOWN {
                (t + 1, 0)
            } else {
                (t, u + 1)
            };
            let persons = unit_persons(town_persons(self.cfg.persons, self.towns, t), u);
            if persons == 0 {
                continue;
            }
            let mut rng = ChaCha8Rng::seed_from_u64(self.cfg.seed);
            rng.set_stream((t * UNITS_PER_TOWN + u) as u64);
            self.current = Some(UnitState {
                code: unit_code(t, u),
                index: u,
                remaining: persons,
                serial: 0,
                expected: (persons * 100 / 344).max(1),
                groups: if u == 0 { 4 } else { 3 + UNIT_WEIGHTS[u] / 10 },
                rng,
            });
            return true;
        }
        false
    }

    fn household(&mut self) -> Option<Household> {
        let st = self.current.as_mut()?;
        if st.remaining == 0 {
            return None;
        }
        let rng = &mut st.rng;
        let size = draw_size(rng).min(st.remaining);
        st.remaining -= size;
        st.serial += 1;
        let household_no = format!(
            "{}{:0width$}",
            st.code,
            st.serial,
            width = self.serial_width
        );
        let group = (1 + (st.serial - 1) * st.groups / st.expected).min(st.groups);
        let size = usize::try_from(size).unwrap_or(1);

        let (kind, category) = match rng.random_range(0..1000) {
            0..120 => (HouseholdKind::Exited, None),
            120..135 => {
                let c = match rng.random_range(0..100) {
                    0..30 => MonitoringCategory::UnstableExited,
                    30..75 => MonitoringCategory::Marginal,
                    _ => MonitoringCategory::SuddenHardship,
                };
                (HouseholdKind::Monitored, Some(c))
            }
            _ => (HouseholdKind::Ordinary, None),
        };
        let (health_risk, dibao_share, migrant) = match kind {
            HouseholdKind::Ordinary => (0.9, 0.025, 1.0),
            HouseholdKind::Exited => (1.8, 0.2, 0.8),
            HouseholdKind::Monitored => (2.5, 0.35, 0.55),
        };
        let traits = Traits {
            health_risk,
            dibao: rng.random_bool(dibao_share),
            migrant,
        };

        self.composer
            .compose(rng, &self.surnames, size, &mut self.specs);
        let today = self.cfg.today;
        let mut members = Vec::with_capacity(size);
        for spec in &self.specs {
            members.push(member::build(
                rng,
                spec,
                &mut self.ids,
                today,
                traits,
                &mut self.name,
            ));
        }

        if category == Some(MonitoringCategory::SuddenHardship) {
            // The hardship: someone fell seriously ill and can no longer work.
            let i = rng.random_range(0..members.len());
            let m = &mut members[i];
            m.health = Some(Health::SeriousIllness);
            m.disability_grade = None;
            if m.labour.is_some_and(Labour::is_capable) {
                m.labour = Some(Labour::Lost);
            }
            m.work_months = Some(0);
        }
        if let [m] = members.as_mut_slice() {
            let old = m.age_on(today) >= 60;
            let severe = matches!(
                m.disability_grade,
                Some(DisabilityGrade::One | DisabilityGrade::Two)
            );
            let share = if kind == HouseholdKind::Ordinary {
                0.2
            } else {
                0.45
            };
            if (old || severe) && rng.random_bool(share) {
                m.tekun = Some(true);
                m.dibao = Some(false);
            }
        }

        let community = st.index == 0;
        let farmland_mu = if community {
            if rng.random_bool(0.55) {
                0.0
            } else {
                uniform(rng, 0.2, 1.5)
            }
        } else if rng.random_bool(0.03) {
            0.0
        } else {
            (2.4 * (0.55 * normal(rng)).exp()).clamp(0.1, 8.0)
        };
        let farmland_centimu = (farmland_mu * 100.0).round() as i64;
        let monitored = kind == HouseholdKind::Monitored;
        let house_safe = rng.random_bool(if monitored { 0.9 } else { 0.985 });
        let water_safe = rng.random_bool(if monitored { 0.93 } else { 0.99 });

        let profile = Profile {
            kind,
            category,
            size,
            farmland_mu: farmland_centimu as f64 / 100.0,
            work_months: members
                .iter()
                .map(|m| {
                    let w = match m.labour {
                        Some(Labour::Skilled) => 1.25,
                        Some(Labour::Ordinary) => 1.0,
                        Some(Labour::Weak) => 0.6,
                        _ => 0.0,
                    };
                    w * f64::from(m.work_months.unwrap_or(0))
                })
                .sum(),
            pensioners: count(&members, |m| {
                m.age_on(today) >= 60 && m.pension_insured == Some(true)
            }),
            dibao_persons: count(&members, |m| m.dibao == Some(true)),
            tekun_persons: count(&members, |m| m.tekun == Some(true)),
            place_factor: match st.index {
                0 => 1.1,
                4 => 1.05,
                _ => 1.0,
            },
        };
        let incomes = income::incomes(rng, &profile, self.cfg.income_years);

        Some(Household {
            household_no,
            village: st.code.clone(),
            group: u16::try_from(group).ok(),
            kind,
            monitoring_category: category,
            phone: members.first().and_then(|m| m.phone.clone()),
            house_safe: Some(house_safe),
            water_safe: Some(water_safe),
            farmland_centimu: Some(farmland_centimu),
            members,
            incomes,
        })
    }
}

impl Iterator for Households<'_> {
    type Item = Household;

    fn next(&mut self) -> Option<Household> {
        loop {
            if let Some(h) = self.household() {
                return Some(h);
            }
            if !self.open_next_unit() {
                return None;
            }
        }
    }
}

fn town_persons(persons: u64, towns: usize, town: usize) -> u64 {
    let n = towns.max(1) as u64;
    persons / n + u64::from((town as u64) < persons % n)
}

fn draw_size(rng: &mut impl Rng) -> u64 {
    let mut x = rng.random_range(0..100);
    for (i, w) in SIZE_WEIGHTS.iter().enumerate() {
        if x < *w {
            return i as u64 + 1;
        }
        x -= w;
    }
    3
}

fn count(members: &[Member], f: impl Fn(&Member) -> bool) -> u32 {
    members.iter().filter(|m| f(m)).count() as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_person_is_generated_exactly() {
        for persons in [0, 1, 17, 5_000] {
            let cfg = SynthConfig {
                persons,
                ..SynthConfig::default()
            };
            let n: usize = households(&cfg).map(|h| h.members.len()).sum();
            assert_eq!(n as u64, persons);
        }
    }

    #[test]
    fn towns_split_people_exactly() {
        let towns = town_count(10_000_000);
        let total: u64 = (0..towns).map(|t| town_persons(10_000_000, towns, t)).sum();
        assert_eq!(total, 10_000_000);
    }
}
