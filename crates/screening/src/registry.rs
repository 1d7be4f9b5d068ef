//! The registry as screening sees it: compact households and people, indexed by 户编号 and by the
//! resident ID (as an integer key). Built by the store (integrated runs) or from roster files (batch).

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

/// MurmurHash3's fmix64: every bit of the input reaches every bit of the hash.
fn mix(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// A fast hash of a 户编号 (the keys come from the registry itself).
fn text_hash(s: &str) -> u64 {
    let mut h: u64 = s.len() as u64;
    for c in s.as_bytes().chunks(8) {
        let mut w = [0u8; 8];
        w[..c.len()].copy_from_slice(c);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    mix(h)
}

/// A power-of-two table size for `n` entries at a load of at most 5/8.
fn table_size(n: usize) -> usize {
    (n.saturating_mul(8) / 5).next_power_of_two().max(16)
}

/// ID key → (household, member): open addressing with linear probing, key and value in one
/// 16-byte slot, so that a lookup — once per feed record, in a table far larger than any cache —
/// usually costs one cache miss (a general hash map costs two: its control bytes and its slot).
#[derive(Debug, Default)]
struct PersonIndex {
    /// Key 0 marks an empty slot (no resident ID has key 0; one that did would sit in `zero`).
    slots: Vec<PersonSlot>,
    zero: Option<(u32, u16)>,
}

#[derive(Debug, Clone, Copy, Default)]
struct PersonSlot {
    key: u64,
    household: u32,
    member: u16,
}

impl PersonIndex {
    fn with_capacity(n: usize) -> PersonIndex {
        PersonIndex {
            slots: vec![PersonSlot::default(); table_size(n)],
            zero: None,
        }
    }

    /// Inserts or replaces (the last insert of a key wins).
    fn insert(&mut self, key: u64, household: u32, member: u16) {
        if key == 0 {
            self.zero = Some((household, member));
            return;
        }
        let mask = self.slots.len() - 1;
        let mut i = mix(key) as usize & mask;
        loop {
            let s = &mut self.slots[i];
            if s.key == 0 || s.key == key {
                *s = PersonSlot {
                    key,
                    household,
                    member,
                };
                return;
            }
            i = (i + 1) & mask;
        }
    }

    fn get(&self, key: u64) -> Option<(u32, u16)> {
        if key == 0 {
            return self.zero;
        }
        let mask = self.slots.len().checked_sub(1)?;
        let mut i = mix(key) as usize & mask;
        loop {
            let s = self.slots[i];
            if s.key == key {
                return Some((s.household, s.member));
            }
            if s.key == 0 {
                return None;
            }
            i = (i + 1) & mask;
        }
    }
}

/// 户编号 → household index: open addressing over indices (4 bytes a slot), the numbers compared
/// in the households themselves.
#[derive(Debug, Default)]
struct NumberIndex {
    slots: Vec<u32>,
}

const EMPTY: u32 = u32::MAX;

impl NumberIndex {
    fn new(households: &[Household]) -> NumberIndex {
        let mut index = NumberIndex {
            slots: vec![EMPTY; table_size(households.len())],
        };
        let mask = index.slots.len() - 1;
        for (h, household) in households.iter().enumerate() {
            let Ok(h) = u32::try_from(h) else { break };
            let no = household.household_no.as_str();
            let mut i = text_hash(no) as usize & mask;
            loop {
                let s = index.slots[i];
                // The last household of a number wins.
                if s == EMPTY || households[s as usize].household_no == no {
                    index.slots[i] = h;
                    break;
                }
                i = (i + 1) & mask;
            }
        }
        index
    }

    fn get(&self, households: &[Household], no: &str) -> Option<u32> {
        let mask = self.slots.len().checked_sub(1)?;
        let mut i = text_hash(no) as usize & mask;
        loop {
            let s = *self.slots.get(i)?;
            if s == EMPTY {
                return None;
            }
            if households.get(s as usize)?.household_no == no {
                return Some(s);
            }
            i = (i + 1) & mask;
        }
    }
}

/// Households with their lookups.
#[derive(Debug, Default)]
pub struct Registry {
    pub households: Vec<Household>,
    by_number: NumberIndex,
    by_person: PersonIndex,
}

impl Registry {
    pub fn new(households: Vec<Household>) -> Registry {
        let people = |households: &[Household]| {
            let members: usize = households.iter().map(|h| h.members.len()).sum();
            let mut by_person = PersonIndex::with_capacity(members);
            for (i, h) in households.iter().enumerate() {
                let i = u32::try_from(i).unwrap_or(u32::MAX);
                for (m, p) in h.members.iter().enumerate() {
                    by_person.insert(p.key, i, u16::try_from(m).unwrap_or(u16::MAX));
                }
            }
            by_person
        };
        // A province's two indexes take a while each: build them side by side.
        let (by_number, by_person) = if households.len() >= 100_000 {
            std::thread::scope(|s| {
                let numbers = s.spawn(|| NumberIndex::new(&households));
                let persons = people(&households);
                (
                    numbers
                        .join()
                        .unwrap_or_else(|e| std::panic::resume_unwind(e)),
                    persons,
                )
            })
        } else {
            (NumberIndex::new(&households), people(&households))
        };
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
        self.by_number.get(&self.households, no)
    }

    /// (household index, member index) of a person.
    pub fn person(&self, key: u64) -> Option<(u32, u16)> {
        self.by_person.get(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn household(no: &str, keys: &[u64]) -> Household {
        Household {
            household_no: no.to_string(),
            village: "青岩村".to_string(),
            kind: HouseholdKind::Ordinary,
            monitored: false,
            members: keys
                .iter()
                .map(|k| Person {
                    key: *k,
                    birth: Date::MIN,
                    labour: None,
                    disability: None,
                })
                .collect(),
            incomes: Vec::new(),
        }
    }

    #[test]
    fn lookups_find_every_household_and_person_and_the_last_one_wins() {
        // Above the size at which the two indexes are built side by side.
        let mut hs: Vec<Household> = (0..120_000u64)
            .map(|i| household(&format!("H{i:06}"), &[i * 11 + 7, i * 11 + 8, 0]))
            .collect();
        hs.push(household("H000003", &[5]));
        hs.push(household("X", &[7]));
        let r = Registry::new(hs);
        assert_eq!(r.household_by_number("H004999"), Some(4_999));
        assert_eq!(r.household_by_number("H000003"), Some(120_000), "last wins");
        assert_eq!(r.household_by_number("H120000"), None);
        assert_eq!(r.household_by_number(""), None);
        assert_eq!(r.person(4_999 * 11 + 8), Some((4_999, 1)));
        assert_eq!(r.person(7), Some((120_001, 0)), "last wins");
        assert_eq!(r.person(0), Some((119_999, 2)), "key 0 too");
        assert_eq!(r.person(3), None);
        let empty = Registry::new(Vec::new());
        assert_eq!(empty.person(1), None);
        assert_eq!(empty.household_by_number("H"), None);
        assert_eq!(Registry::default().person(1), None);
        assert_eq!(Registry::default().household_by_number("H"), None);
    }

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
