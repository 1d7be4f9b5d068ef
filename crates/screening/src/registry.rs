//! The registry as screening sees it: compact households and people, indexed by 户编号 and by the
//! resident ID (as an integer key). Built by the store (integrated runs) or from roster files (batch).

use std::collections::HashMap;

use time::Date;
use zhenxing_domain::household::{DisabilityGrade, HouseholdKind, Labour};
use zhenxing_domain::{IncomeRecord, Yuan};

/// The 18-character resident ID as an integer: the 17 digits × 11 + the check character (X = 10).
/// `None` for anything else (disability numbers are cut to their 18-character base first).
pub fn id_key(base: &str) -> Option<u64> {
    let b = base.as_bytes();
    if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut n: u64 = 0;
    for d in &b[..17] {
        n = n * 10 + u64::from(d - b'0');
    }
    let check = match b[17] {
        c @ b'0'..=b'9' => u64::from(c - b'0'),
        b'X' | b'x' => 10,
        _ => return None,
    };
    Some(n * 11 + check)
}

/// Back from the key to the 18-character text (for masked evidence).
pub fn id_text(key: u64) -> String {
    let check = key % 11;
    let digits = key / 11;
    let c = if check == 10 {
        'X'
    } else {
        char::from(b'0' + u8::try_from(check).unwrap_or(0))
    };
    format!("{digits:017}{c}")
}

#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    pub key: u64,
    pub birth: Date,
    pub labour: Option<Labour>,
    pub disability: Option<DisabilityGrade>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Household {
    pub household_no: String,
    /// The village as it should appear in the output (division name).
    pub village: String,
    pub kind: HouseholdKind,
    /// 监测户 or in an identification case that is open or monitored (SCREENING.md).
    pub monitored: bool,
    pub members: Vec<Person>,
    pub incomes: Vec<IncomeRecord>,
}

impl Household {
    /// The income record with the greatest year ≤ `year`, and the record of the year before it.
    pub fn incomes_for(&self, year: i32) -> (Option<&IncomeRecord>, Option<&IncomeRecord>) {
        let latest = self
            .incomes
            .iter()
            .filter(|r| r.year <= year)
            .max_by_key(|r| r.year);
        let previous = latest.and_then(|l| self.incomes.iter().find(|r| r.year == l.year - 1));
        (latest, previous)
    }

    pub fn per_capita(&self, r: &IncomeRecord) -> Option<Yuan> {
        r.net_income_per_capita(self.members.len())
    }
}

/// Households with their lookups.
#[derive(Debug, Default)]
pub struct Registry {
    pub households: Vec<Household>,
    by_number: HashMap<String, u32>,
    by_person: HashMap<u64, (u32, u16)>,
}

impl Registry {
    pub fn new(households: Vec<Household>) -> Registry {
        let mut by_number = HashMap::with_capacity(households.len());
        let mut by_person = HashMap::with_capacity(households.len() * 3);
        for (i, h) in households.iter().enumerate() {
            let i = u32::try_from(i).unwrap_or(u32::MAX);
            by_number.insert(h.household_no.clone(), i);
            for (m, p) in h.members.iter().enumerate() {
                by_person.insert(p.key, (i, u16::try_from(m).unwrap_or(u16::MAX)));
            }
        }
        Registry {
            households,
            by_number,
            by_person,
        }
    }

    pub fn len(&self) -> usize {
        self.households.len()
    }

    pub fn is_empty(&self) -> bool {
        self.households.is_empty()
    }

    pub fn household_by_number(&self, no: &str) -> Option<u32> {
        self.by_number.get(no).copied()
    }

    /// (household index, member index) of a person.
    pub fn person(&self, key: u64) -> Option<(u32, u16)> {
        self.by_person.get(&key).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_keys_round_trip() {
        for id in [
            "11010519491231002X",
            "440524188001010014",
            "370101190102039973",
        ] {
            let k = id_key(id).expect("key");
            assert_eq!(id_text(k), id);
        }
        assert_eq!(id_key("11010519491231002"), None);
        assert_eq!(id_key("1101051949123100ZX"), None);
    }
}
