//! Exact numbers for rules: a fixed-point decimal with six places, so that money (two places) times a
//! share or factor (at most four places) is exact and `>` means what it says. Never `f64`.

use zhenxing_domain::Yuan;
use zhenxing_domain::policy::RATIO_SCALE;

/// Millionths.
pub const SCALE: i64 = 1_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Num(pub i64);

impl Num {
    pub const ZERO: Num = Num(0);

    pub fn from_int(n: i64) -> Num {
        Num(n.saturating_mul(SCALE))
    }

    pub fn from_yuan(y: Yuan) -> Num {
        Num(y.fen().saturating_mul(SCALE / 100))
    }

    /// A ratio stored in ten-thousandths (policy tables).
    pub fn from_ratio(r: i64) -> Num {
        Num(r.saturating_mul(SCALE / RATIO_SCALE))
    }

    /// Parses a literal like `6000`, `0.5`, `1e4` is refused; more than six decimals is an error.
    pub fn parse(text: &str) -> Option<Num> {
        let t = text.trim();
        let (neg, body) = match t.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, t),
        };
        let (int, frac) = body.split_once('.').unwrap_or((body, ""));
        if (int.is_empty() && frac.is_empty())
            || frac.len() > 6
            || !int.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let whole: i64 = if int.is_empty() { 0 } else { int.parse().ok()? };
        let frac: i64 = format!("{frac:0<6}").parse().ok()?;
        let v = whole.checked_mul(SCALE)?.checked_add(frac)?;
        Some(Num(if neg { -v } else { v }))
    }

    pub fn checked_add(self, o: Num) -> Option<Num> {
        self.0.checked_add(o.0).map(Num)
    }

    pub fn checked_sub(self, o: Num) -> Option<Num> {
        self.0.checked_sub(o.0).map(Num)
    }

    /// Exact while the two operands have at most six decimals together (money × share).
    pub fn checked_mul(self, o: Num) -> Option<Num> {
        let p = i128::from(self.0) * i128::from(o.0) / i128::from(SCALE);
        i64::try_from(p).ok().map(Num)
    }

    /// Truncates to six decimals; `None` for a division by zero.
    pub fn checked_div(self, o: Num) -> Option<Num> {
        if o.0 == 0 {
            return None;
        }
        let q = i128::from(self.0) * i128::from(SCALE) / i128::from(o.0);
        i64::try_from(q).ok().map(Num)
    }

    /// As money, rounded half away from zero to the fen (for evidence text).
    pub fn to_yuan(self) -> Yuan {
        let per_fen = SCALE / 100;
        let half = per_fen / 2;
        let fen = if self.0 >= 0 {
            (self.0 + half) / per_fen
        } else {
            (self.0 - half) / per_fen
        };
        Yuan::from_fen(fen)
    }

    /// `12.5`, `3`, `0.333333`: a plain decimal without trailing zeros.
    pub fn plain(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let v = self.0.unsigned_abs();
        let scale = SCALE.unsigned_abs();
        let frac = format!("{:06}", v % scale);
        let frac = frac.trim_end_matches('0');
        if frac.is_empty() {
            format!("{sign}{}", v / scale)
        } else {
            format!("{sign}{}.{frac}", v / scale)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_times_share_is_exact() {
        let share = Num::from_ratio(5_000);
        let income = Num::from_yuan(Yuan::from_yuan(20_000));
        assert_eq!(share.checked_mul(income), Some(Num::from_int(10_000)));
        let odd = Num::from_yuan(Yuan::from_fen(100_001)); // 1,000.01
        let third = Num::from_ratio(3_333);
        assert_eq!(third.checked_mul(odd), Num::parse("333.303333"));
        assert_eq!(Num::parse("0.5"), Some(Num(500_000)));
        assert_eq!(Num::parse("-2"), Some(Num(-2_000_000)));
        assert_eq!(Num::parse("1e4"), None);
        assert_eq!(Num::from_int(7).checked_div(Num::ZERO), None);
        assert_eq!(
            Num::parse("1234.565").map(Num::to_yuan),
            Some(Yuan::from_fen(123_457))
        );
        assert_eq!(Num::parse("0.30").map(Num::plain), Some("0.3".into()));
    }
}
