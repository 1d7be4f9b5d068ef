//! Administrative division codes (GB/T 2260 and the statistical extension): 区县 6 digits,
//! 乡镇 9, 村/社区 12, 村民小组 15.

use std::fmt;

#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct DivisionCode(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DivisionLevel {
    County,
    Town,
    Village,
    Group,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("行政区划代码“{0}”无效：应为6、9、12或15位数字")]
pub struct DivisionCodeError(pub String);

impl DivisionCode {
    pub fn parse(text: &str) -> Result<Self, DivisionCodeError> {
        let t = text.trim();
        let ok = matches!(t.len(), 6 | 9 | 12 | 15) && t.bytes().all(|b| b.is_ascii_digit());
        if ok {
            Ok(DivisionCode(t.to_string()))
        } else {
            Err(DivisionCodeError(t.to_string()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn level(&self) -> DivisionLevel {
        match self.0.len() {
            6 => DivisionLevel::County,
            9 => DivisionLevel::Town,
            12 => DivisionLevel::Village,
            _ => DivisionLevel::Group,
        }
    }

    pub fn parent(&self) -> Option<DivisionCode> {
        match self.0.len() {
            6 => None,
            n => Some(DivisionCode(self.0[..n - 3].to_string())),
        }
    }

    /// The child code `suffix` (three digits) one level down.
    pub fn child(&self, suffix: u16) -> Option<DivisionCode> {
        (self.0.len() < 15 && suffix < 1000).then(|| DivisionCode(format!("{}{suffix:03}", self.0)))
    }

    /// Is `self` this division or one below it? This is the scope test of the whole system.
    pub fn contains(&self, other: &DivisionCode) -> bool {
        other.0.starts_with(&self.0)
    }
}

impl fmt::Display for DivisionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for DivisionCode {
    type Error = DivisionCodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        DivisionCode::parse(&s)
    }
}

impl From<DivisionCode> for String {
    fn from(d: DivisionCode) -> String {
        d.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_village_code_has_its_town_and_county_as_parents() {
        let v = DivisionCode::parse("500110120201").expect("valid");
        assert_eq!(v.level(), DivisionLevel::Village);
        let town = v.parent().expect("town");
        assert_eq!(town.as_str(), "500110120");
        assert_eq!(town.parent().expect("county").as_str(), "500110");
        assert!(town.contains(&v));
        assert!(!v.contains(&town));
        assert_eq!(town.child(201), Some(v));
    }

    #[test]
    fn malformed_codes_are_rejected() {
        assert!(DivisionCode::parse("50011").is_err());
        assert!(DivisionCode::parse("50011012a").is_err());
    }
}
