//! Counts over generated households: what the demo contains, for reports, tests and benchmarks.

use std::fmt;

use zhenxing_domain::household::{Health, HouseholdKind, MonitoringCategory};
use zhenxing_domain::{Household, Yuan};

/// The per-capita income the generator is calibrated against (≈ the monitoring range of recent
/// years). A calibration reference only: the policy line is a yearly table elsewhere.
pub const REFERENCE_LINE: Yuan = Yuan::from_yuan(7_000);

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub households: u64,
    pub persons: u64,
    /// 脱贫户, 监测户, 一般农户.
    pub kinds: [u64; 3],
    /// 脱贫不稳定户, 边缘易致贫户, 突发严重困难户.
    pub categories: [u64; 3],
    /// Households by size; index 0 unused.
    pub sizes: [u64; 8],
    /// Households whose per-capita net income is below [`REFERENCE_LINE`], per income year (in the
    /// order of the households' income records).
    pub below_line: [u64; 2],
    pub under_16: u64,
    pub aged_60_plus: u64,
    pub chronic: u64,
    pub serious: u64,
    pub disabled: u64,
    pub dibao: u64,
    pub tekun: u64,
}

impl Summary {
    pub fn of<'h>(households: impl IntoIterator<Item = &'h Household>, today: time::Date) -> Self {
        let mut s = Summary::default();
        for h in households {
            s.add(h, today);
        }
        s
    }

    pub fn add(&mut self, h: &Household, today: time::Date) {
        self.households += 1;
        self.persons += h.members.len() as u64;
        let k = match h.kind {
            HouseholdKind::Exited => 0,
            HouseholdKind::Monitored => 1,
            HouseholdKind::Ordinary => 2,
        };
        self.kinds[k] += 1;
        if let Some(c) = h.monitoring_category {
            let i = match c {
                MonitoringCategory::UnstableExited => 0,
                MonitoringCategory::Marginal => 1,
                MonitoringCategory::SuddenHardship => 2,
            };
            self.categories[i] += 1;
        }
        self.sizes[h.members.len().min(7)] += 1;
        for (slot, r) in self.below_line.iter_mut().zip(&h.incomes) {
            if r.net_income_per_capita(h.members.len())
                .is_some_and(|pc| pc < REFERENCE_LINE)
            {
                *slot += 1;
            }
        }
        for m in &h.members {
            let age = m.age_on(today);
            self.under_16 += u64::from(age < 16);
            self.aged_60_plus += u64::from(age >= 60);
            match m.health {
                Some(Health::ChronicIllness) => self.chronic += 1,
                Some(Health::SeriousIllness) => self.serious += 1,
                Some(Health::Disabled) => self.disabled += 1,
                _ => {}
            }
            self.dibao += u64::from(m.dibao == Some(true));
            self.tekun += u64::from(m.tekun == Some(true));
        }
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hh = self.households.max(1) as f64;
        let pp = self.persons.max(1) as f64;
        let pct = |n: u64, of: f64| 100.0 * n as f64 / of;
        writeln!(
            f,
            "households {} persons {} (mean size {:.2})",
            self.households,
            self.persons,
            pp / hh
        )?;
        writeln!(
            f,
            "脱贫户 {} ({:.1}%)  监测户 {} ({:.1}%: 脱贫不稳定 {}, 边缘易致贫 {}, 突发严重困难 {})  一般农户 {} ({:.1}%)",
            self.kinds[0],
            pct(self.kinds[0], hh),
            self.kinds[1],
            pct(self.kinds[1], hh),
            self.categories[0],
            self.categories[1],
            self.categories[2],
            self.kinds[2],
            pct(self.kinds[2], hh),
        )?;
        let sizes: Vec<String> = (1..=7)
            .map(|s| format!("{s}:{:.1}%", pct(self.sizes[s], hh)))
            .collect();
        writeln!(f, "sizes {}", sizes.join(" "))?;
        writeln!(
            f,
            "per-capita net below {}: {:.1}% / {:.1}% of households (year 1 / year 2)",
            REFERENCE_LINE,
            pct(self.below_line[0], hh),
            pct(self.below_line[1], hh)
        )?;
        writeln!(
            f,
            "under 16 {:.1}%  60+ {:.1}%  chronic {:.1}%  serious {:.1}%  disabled {:.1}%  低保 {:.1}%  特困 {:.2}% of persons",
            pct(self.under_16, pp),
            pct(self.aged_60_plus, pp),
            pct(self.chronic, pp),
            pct(self.serious, pp),
            pct(self.disabled, pp),
            pct(self.dibao, pp),
            pct(self.tekun, pp),
        )
    }
}
