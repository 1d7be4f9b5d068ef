//! Exact money: integer fen, parsed from and shown as yuan. Never `f64`.

use std::fmt;
use std::ops::{Add, Neg, Sub};

/// An amount of money in fen (0.01 yuan). Negative amounts are allowed (business income can be).
///
/// In JSON an amount is a decimal string in yuan (`"12345.67"`), the API's convention; a JSON number
/// is read as yuan too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Yuan(i64);

impl serde::Serialize for Yuan {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.plain())
    }
}

impl<'de> serde::Deserialize<'de> for Yuan {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            Int(i64),
            Float(f64),
        }
        let text = match Raw::deserialize(d)? {
            Raw::Text(t) => t,
            Raw::Int(i) => i.to_string(),
            // Written back through the decimal parser, so more than two decimals is still refused.
            Raw::Float(f) => f.to_string(),
        };
        Yuan::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum YuanError {
    #[error("“{0}”不是有效金额：应为数字，最多两位小数")]
    NotANumber(String),
    #[error("金额 {0} 超出范围")]
    OutOfRange(String),
}

impl Yuan {
    pub const ZERO: Yuan = Yuan(0);

    pub const fn from_fen(fen: i64) -> Self {
        Yuan(fen)
    }

    pub const fn fen(self) -> i64 {
        self.0
    }

    /// Whole yuan, for policy numbers written as integers.
    pub const fn from_yuan(yuan: i64) -> Self {
        Yuan(yuan * 100)
    }

    /// Parses `1234`, `1234.5`, `-1,234.56`, `1234.56元`. More than two decimals is an error,
    /// not a silent rounding.
    pub fn parse(text: &str) -> Result<Self, YuanError> {
        let raw = text.trim();
        let t: String = raw
            .trim_end_matches('元')
            .chars()
            .filter(|c| *c != ',' && *c != '，')
            .collect();
        let bad = || YuanError::NotANumber(raw.to_string());
        let (neg, body) = match t.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, t.strip_prefix('+').unwrap_or(&t)),
        };
        let (int, frac) = body.split_once('.').unwrap_or((body, ""));
        if int.is_empty() && frac.is_empty() {
            return Err(bad());
        }
        if !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let frac = frac.trim_end_matches('0');
        if frac.len() > 2 {
            return Err(bad());
        }
        if int.len() > 15 {
            return Err(YuanError::OutOfRange(raw.to_string()));
        }
        let whole: i64 = if int.is_empty() {
            0
        } else {
            int.parse().map_err(|_| bad())?
        };
        let cents: i64 = format!("{frac:0<2}").parse().map_err(|_| bad())?;
        let fen = whole * 100 + cents;
        Ok(Yuan(if neg { -fen } else { fen }))
    }

    /// Plain form for files: `1234.5` → `1234.50`.
    pub fn plain(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        format!("{sign}{}.{:02}", a / 100, a % 100)
    }

    /// Divides and rounds half away from zero to the fen (人均纯收入 is rounded this way).
    pub fn div_round(self, divisor: i64) -> Option<Yuan> {
        if divisor <= 0 {
            return None;
        }
        let q = self.0 / divisor;
        let r = self.0 % divisor;
        let adjust = if 2 * r.abs() >= divisor {
            self.0.signum()
        } else {
            0
        };
        Some(Yuan(q + adjust))
    }
}

impl fmt::Display for Yuan {
    /// `12,345.67 元` as the UI shows money.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        let int = (a / 100).to_string();
        let mut grouped = String::new();
        for (i, c) in int.chars().enumerate() {
            if i > 0 && (int.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(c);
        }
        write!(f, "{sign}{grouped}.{:02} 元", a % 100)
    }
}

impl Add for Yuan {
    type Output = Yuan;
    fn add(self, o: Yuan) -> Yuan {
        Yuan(self.0 + o.0)
    }
}

impl Sub for Yuan {
    type Output = Yuan;
    fn sub(self, o: Yuan) -> Yuan {
        Yuan(self.0 - o.0)
    }
}

impl Neg for Yuan {
    type Output = Yuan;
    fn neg(self) -> Yuan {
        Yuan(-self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_parse_exactly() {
        assert_eq!(Yuan::parse("1234.56"), Ok(Yuan(123456)));
        assert_eq!(Yuan::parse("-1,234.5"), Ok(Yuan(-123450)));
        assert_eq!(Yuan::parse("7000"), Ok(Yuan(700000)));
        assert_eq!(Yuan::parse("0.10元"), Ok(Yuan(10)));
        assert!(Yuan::parse("12.345").is_err());
        assert!(Yuan::parse("abc").is_err());
        assert!(Yuan::parse("").is_err());
    }

    #[test]
    fn json_amounts_are_decimal_yuan_strings() {
        let y = Yuan::parse("12345.6").expect("amount");
        assert_eq!(serde_json::to_string(&y).expect("json"), "\"12345.60\"");
        let back: Yuan = serde_json::from_str("\"12,345.60\"").expect("parse");
        assert_eq!(back, y);
        let n: Yuan = serde_json::from_str("7000").expect("number");
        assert_eq!(n, Yuan::from_yuan(7_000));
        assert!(serde_json::from_str::<Yuan>("\"1.234\"").is_err());
    }

    #[test]
    fn money_is_shown_with_thousands_separators() {
        assert_eq!(Yuan(1234567).to_string(), "12,345.67 元");
        assert_eq!(Yuan(-5).to_string(), "-0.05 元");
        assert_eq!(Yuan(100).plain(), "1.00");
    }

    #[test]
    fn division_rounds_half_up_to_the_fen() {
        assert_eq!(Yuan(1000).div_round(3), Some(Yuan(333)));
        assert_eq!(Yuan(1001).div_round(2), Some(Yuan(501)));
        assert_eq!(Yuan(-1001).div_round(2), Some(Yuan(-501)));
        assert_eq!(Yuan(5).div_round(0), None);
    }
}
