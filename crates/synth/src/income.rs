//! Yearly incomes of a household, split into the parts of the national record (POLICY.md §7).
//!
//! The model first draws a per-capita net income target, then builds the parts that follow from the
//! household (pensions of the insured elderly, 低保 and 特困 allowances, the farmland subsidy, farming and
//! livestock, dividends and land rent), and lets wages — or, in a household without workers, support
//! from children living elsewhere (a transfer) — make up the rest. Wages are capped per month worked,
//! so a household with little work ends below its target.

use rand::Rng;
use zhenxing_domain::household::{HouseholdKind, MonitoringCategory};
use zhenxing_domain::{IncomeRecord, Yuan};

use crate::family::uniform;

/// What the income of a household depends on.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Profile {
    pub kind: HouseholdKind,
    pub category: Option<MonitoringCategory>,
    pub size: usize,
    pub farmland_mu: f64,
    /// Months worked in the year, summed over members and weighted by skill.
    pub work_months: f64,
    pub pensioners: u32,
    pub dibao_persons: u32,
    pub tekun_persons: u32,
    /// Multiplies the target (the community and the demonstration village earn a little more).
    pub place_factor: f64,
}

/// Median per-capita net income (yuan) and log-spread by household kind, before the labour factor.
fn target_params(kind: HouseholdKind, category: Option<MonitoringCategory>) -> (f64, f64) {
    match (kind, category) {
        (HouseholdKind::Monitored, Some(MonitoringCategory::SuddenHardship)) => (10_000.0, 0.25),
        (HouseholdKind::Monitored, _) => (7_300.0, 0.15),
        (HouseholdKind::Exited, _) => (10_500.0, 0.45),
        (HouseholdKind::Ordinary, _) => (14_000.0, 0.6),
    }
}

/// A standard normal draw (Box–Muller).
pub(crate) fn normal(rng: &mut impl Rng) -> f64 {
    let u1 = 1.0 - rng.random::<f64>();
    let u2 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

fn whole(y: f64) -> Yuan {
    Yuan::from_yuan(y.round() as i64)
}

fn fen(y: f64) -> Yuan {
    Yuan::from_fen((y * 100.0).round() as i64)
}

/// Income records for `years`, in that order; later years grow from the first by about 5 % a year.
pub(crate) fn incomes(rng: &mut impl Rng, p: &Profile, years: [i32; 2]) -> Vec<IncomeRecord> {
    let (median, sigma) = target_params(p.kind, p.category);
    let size = p.size.max(1) as f64;
    // Work raises the income of ordinary and exited households; a monitored household sits near the
    // line whatever its labour (that is why it is monitored).
    let labour = match p.kind {
        HouseholdKind::Monitored => 1.0,
        _ => (0.72 + 0.9 * p.work_months / 12.0 / size).clamp(0.65, 1.4),
    };
    let mut per_capita = median * labour * p.place_factor * (sigma * normal(rng)).exp();
    let mut out = Vec::with_capacity(years.len());
    for (i, &year) in years.iter().enumerate() {
        if i > 0 {
            per_capita *= (0.04 + 0.07 * normal(rng)).exp();
        }
        out.push(record(rng, p, year, per_capita * size));
    }
    out
}

fn record(rng: &mut impl Rng, p: &Profile, year: i32, target: f64) -> IncomeRecord {
    let mut transfer = 0.0;
    for _ in 0..p.pensioners {
        transfer += uniform(rng, 1_500.0, 2_700.0);
    }
    for _ in 0..p.dibao_persons {
        transfer += uniform(rng, 2_400.0, 4_800.0);
    }
    for _ in 0..p.tekun_persons {
        transfer += uniform(rng, 8_000.0, 10_500.0);
    }
    // 耕地地力保护补贴, paid per mu to most farming households.
    if rng.random_bool(0.85) {
        transfer += p.farmland_mu * uniform(rng, 80.0, 110.0);
    }

    let (mut business, mut expense) = if rng.random_bool(0.03) {
        // A bad year: the harvest or the animals sold for less than they cost.
        (-uniform(rng, 300.0, 6_000.0), uniform(rng, 200.0, 2_500.0))
    } else {
        let mut gross = p.farmland_mu * uniform(rng, 900.0, 2_200.0);
        if rng.random_bool(0.3) {
            gross += uniform(rng, 1_500.0, 9_000.0);
        }
        (gross, gross * uniform(rng, 0.25, 0.5))
    };

    let mut property = 0.0;
    let dividend_share = if p.kind == HouseholdKind::Ordinary {
        0.25
    } else {
        0.7
    };
    if rng.random_bool(dividend_share) {
        property += uniform(rng, 80.0, 900.0);
    }
    if rng.random_bool(0.12) {
        property += p.farmland_mu * uniform(rng, 300.0, 600.0);
    }

    let natural = business - expense + property + transfer;
    let rest = target - natural;
    let mut wage = 0.0;
    if p.work_months > 0.0 {
        // Wages stay within what a month of work pays around here.
        let cap = p.work_months * uniform(rng, 6_500.0, 9_000.0);
        let floor = p.work_months * uniform(rng, 1_800.0, 2_600.0);
        wage = rest.clamp(floor, cap.max(floor));
        if rest > cap {
            // Beyond what wages explain: a small shop, a truck, a bigger farm.
            let extra = (rest - cap) * uniform(rng, 0.3, 0.8);
            business += extra * 1.3;
            expense += extra * 0.3;
        }
    } else if rest > 0.0 {
        // Support from children working elsewhere (赡养性收入) counts as a transfer.
        transfer += rest.min(9_000.0 * p.size as f64);
    }

    IncomeRecord {
        year,
        wage_income: whole(wage),
        business_income: whole(business),
        property_income: fen(property),
        transfer_income: fen(transfer),
        business_expense: whole(expense),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn profile(kind: HouseholdKind) -> Profile {
        Profile {
            kind,
            category: None,
            size: 4,
            farmland_mu: 2.5,
            work_months: 20.0,
            pensioners: 0,
            dibao_persons: 0,
            tekun_persons: 0,
            place_factor: 1.0,
        }
    }

    #[test]
    fn records_are_valid_and_cover_both_years() {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        for kind in [
            HouseholdKind::Ordinary,
            HouseholdKind::Exited,
            HouseholdKind::Monitored,
        ] {
            for _ in 0..2000 {
                let r = incomes(&mut rng, &profile(kind), [2024, 2025]);
                assert_eq!(r.iter().map(|r| r.year).collect::<Vec<_>>(), [2024, 2025]);
                assert!(r.iter().all(|r| r.validate().is_ok()), "{r:?}");
            }
        }
    }

    #[test]
    fn ordinary_households_earn_more_than_monitored_ones() {
        let mut rng = ChaCha8Rng::seed_from_u64(10);
        let mean = |rng: &mut ChaCha8Rng, kind| {
            let total: i64 = (0..2000)
                .map(|_| {
                    incomes(rng, &profile(kind), [2024, 2025])[0]
                        .net_income()
                        .fen()
                })
                .sum();
            total / 2000
        };
        assert!(mean(&mut rng, HouseholdKind::Ordinary) > mean(&mut rng, HouseholdKind::Monitored));
    }
}
