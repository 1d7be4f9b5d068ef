//! The low-income population rules of docs/LOWINCOME.md as the domain crate implements them: the
//! 1.3 × rule between the standards, roll amounts against the standards, periodic review dates, the
//! medical three tiers and assistance classes, the pension premium subsidy and the care rosters.
//! Every person is synthetic.

mod care;
mod medical;
mod premium;
mod reviews;
mod rolls;
mod standards;

use zhenxing_domain::lowincome::Standards;
use zhenxing_domain::policy::{Policy, PolicyKey, PolicyValue, defaults};
use zhenxing_domain::{DivisionCode, Yuan};

pub fn code(s: &str) -> DivisionCode {
    DivisionCode::parse(s).expect("division code")
}

/// `yuan("1,160.01")` → the amount.
pub fn yuan(text: &str) -> Yuan {
    Yuan::parse(text).expect("amount")
}

/// An administrator's value (not a default).
pub fn value(key: PolicyKey, region: Option<&str>, year: i32, stored: i64) -> PolicyValue {
    PolicyValue {
        key,
        region: region.map(code),
        year,
        value: stored,
        is_default: false,
    }
}

/// A money value in yuan text.
pub fn money(key: PolicyKey, region: Option<&str>, year: i32, text: &str) -> PolicyValue {
    value(key, region, year, yuan(text).fen())
}

/// The defaults plus `extra`, as the table stands after a write.
pub fn table(extra: &[PolicyValue]) -> Policy {
    let mut values = defaults();
    values.extend_from_slice(extra);
    Policy::new(values)
}

/// 2026's standards of the roll tests: 低保 580, 特困 780, allowances 60 / 300 / 600, ratio 1.3.
pub fn standards_2026() -> Standards {
    Standards {
        year: 2026,
        dibao: yuan("580"),
        tekun: yuan("780"),
        care_self: yuan("60"),
        care_part: yuan("300"),
        care_full: yuan("600"),
        tekun_min_ratio: 13_000,
    }
}
