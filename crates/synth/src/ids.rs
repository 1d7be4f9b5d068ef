//! Resident ID numbers that are valid and never repeat, however many people are generated.
//!
//! A number is address (6) + birth date (8) + sequence (3) + check. Uniqueness comes from a counter per
//! (address code, birth date, sex): the n-th person of that slot gets sequence index `(n + offset) mod
//! 500`, where the offset is a hash of the slot and the seed so that numbers do not all start at `001`; the sex
//! digit is then `2 × index + (1 if male)`. A slot holds 500 people per sex; a full slot moves the
//! person to the next address code in [`ADDRESS_CODES`] (someone registered elsewhere in 重庆), and
//! only when every code is full to the neighbouring birth date. Memory is one `u16` per (code, day,
//! sex), allocated for a code when it is first used: constant in the number of people.

use time::{Date, Month};
use zhenxing_domain::id_number::check_character;

/// 綦江县 (before 2011) and 綦江区, then codes of other districts and counties of 重庆 and of the
/// neighbouring 桐梓县 (贵州), used for people who married or moved in and as overflow.
pub(crate) const ADDRESS_CODES: [&str; 40] = [
    "500222", "500110", "500113", "500116", "500119", "520322", "500101", "500102", "500103",
    "500104", "500105", "500106", "500107", "500108", "500109", "500111", "500112", "500114",
    "500115", "500117", "500118", "500120", "500151", "500152", "500153", "500154", "500155",
    "500156", "500229", "500230", "500231", "500233", "500235", "500236", "500237", "500238",
    "500240", "500241", "500242", "500243",
];
pub(crate) const QIJIANG_COUNTY: usize = 0;
pub(crate) const QIJIANG_DISTRICT: usize = 1;
/// Codes a spouse who married in may carry (巴南, 江津, 南川, 桐梓).
pub(crate) const MARRIED_IN: [usize; 4] = [2, 3, 4, 5];

const PER_SEX: u16 = 500;

pub(crate) struct IdAllocator {
    /// Mixed into where each slot's sequence starts, so that two seeds rarely share a number.
    seed: u64,
    base_jd: i32,
    days: usize,
    /// Per address code: counters for `days × 2` slots, allocated on first use.
    counters: Vec<Vec<u16>>,
}

impl IdAllocator {
    /// Covers birth dates from 1900-01-01 to `today`.
    pub(crate) fn new(seed: u64, today: Date) -> Self {
        let base_jd = first_day().to_julian_day();
        let days = usize::try_from(today.to_julian_day() - base_jd + 1).unwrap_or(0);
        IdAllocator {
            seed,
            base_jd,
            days,
            counters: vec![Vec::new(); ADDRESS_CODES.len()],
        }
    }

    /// The 18-character number for a person born on `birth` (≥ 1900-01-01, ≤ today). Returns the
    /// number and the birth date it encodes, which differs from `birth` only when every address code
    /// is full for that day.
    pub(crate) fn allocate(&mut self, preferred: usize, birth: Date, male: bool) -> (String, Date) {
        let day = usize::try_from(birth.to_julian_day() - self.base_jd)
            .unwrap_or(0)
            .min(self.days.saturating_sub(1));
        for shift in 0..self.days {
            // Try the same day first, then earlier days (never later: a later date could be after today).
            let Some(d) = day.checked_sub(shift) else {
                break;
            };
            for k in 0..ADDRESS_CODES.len() {
                let code = (preferred + k) % ADDRESS_CODES.len();
                if let Some(seq) = self.take(code, d, male) {
                    let date = Date::from_julian_day(self.base_jd + d as i32).unwrap_or(birth);
                    return (format_id(ADDRESS_CODES[code], date, seq), date);
                }
            }
        }
        panic!("synthetic ID numbers exhausted: too many persons for 40 address codes");
    }

    fn take(&mut self, code: usize, day: usize, male: bool) -> Option<u16> {
        let table = &mut self.counters[code];
        if table.is_empty() {
            *table = vec![0; self.days * 2];
        }
        let slot = &mut table[day * 2 + usize::from(male)];
        if *slot >= PER_SEX {
            return None;
        }
        let n = *slot;
        *slot += 1;
        let offset = slot_offset(self.seed, code, day);
        Some(((n + offset) % PER_SEX) * 2 + u16::from(male))
    }
}

fn first_day() -> Date {
    Date::from_calendar_date(1900, Month::January, 1).unwrap_or(Date::MIN)
}

/// A cheap deterministic scramble of the slot, so sequences start anywhere in 0..500.
fn slot_offset(seed: u64, code: usize, day: usize) -> u16 {
    let mut x = seed ^ ((code as u64) << 32 | day as u64);
    for _ in 0..2 {
        x = x.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        x ^= x >> 29;
    }
    (x % u64::from(PER_SEX)) as u16
}

fn format_id(code: &str, date: Date, seq: u16) -> String {
    let mut s = String::with_capacity(18);
    s.push_str(code);
    push_digits(&mut s, date.year().unsigned_abs(), 4);
    push_digits(&mut s, u32::from(u8::from(date.month())), 2);
    push_digits(&mut s, u32::from(date.day()), 2);
    push_digits(&mut s, u32::from(seq), 3);
    let check = check_character(&s).unwrap_or('0');
    s.push(check);
    s
}

fn push_digits(s: &mut String, mut v: u32, width: u32) {
    let mut div = 10u32.pow(width - 1);
    for _ in 0..width {
        s.push(char::from(b'0' + (v / div % 10) as u8));
        v %= div;
        div /= 10;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use time::macros::date;
    use zhenxing_domain::IdNumber;

    const TODAY: Date = date!(2026 - 11 - 28);

    #[test]
    fn numbers_are_valid_and_encode_sex_and_birth() {
        let mut ids = IdAllocator::new(1, TODAY);
        let (id, d) = ids.allocate(QIJIANG_COUNTY, date!(1968 - 02 - 29), true);
        let parsed = IdNumber::parse(&id, TODAY).expect("valid");
        assert_eq!(d, date!(1968 - 02 - 29));
        assert_eq!(parsed.birth_date(), d);
        assert!(parsed.is_male());
        assert_eq!(parsed.address_code(), "500222");
        let (id, _) = ids.allocate(QIJIANG_DISTRICT, TODAY, false);
        let parsed = IdNumber::parse(&id, TODAY).expect("valid");
        assert!(!parsed.is_male());
        assert_eq!(parsed.address_code(), "500110");
    }

    #[test]
    fn a_full_slot_spills_to_the_next_address_code_without_repeating() {
        let mut ids = IdAllocator::new(1, TODAY);
        let mut seen = HashSet::new();
        for _ in 0..1200 {
            let (id, d) = ids.allocate(QIJIANG_COUNTY, date!(1970 - 01 - 01), false);
            assert_eq!(d, date!(1970 - 01 - 01));
            assert!(IdNumber::parse(&id, TODAY).is_ok(), "{id}");
            assert!(seen.insert(id));
        }
        let codes: HashSet<&str> = seen.iter().map(|s| &s[..6]).collect();
        assert_eq!(codes.len(), 3);
    }
}
