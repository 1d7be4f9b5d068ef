//! The divisions households are spread over: 扶欢镇's 16 units, and synthetic towns beyond one township.
//!
//! Village codes of 扶欢镇 are not public (POLICY.md §10): the codes here are **demo codes**, stable
//! but invented (`500110120001` for 扶欢社区, `500110120201` … `500110120215` for the villages).
//! Synthetic towns `500110121` … `500110999` use the same shape and made-up names.

use zhenxing_domain::DivisionCode;

pub const COUNTY_CODE: &str = "500110";
pub const COUNTY_NAME: &str = "綦江区";
pub const TOWN_CODE: &str = "500110120";
pub const TOWN_NAME: &str = "扶欢镇";

/// People of one township; the scale unit when more persons are asked for (POLICY.md §10).
pub(crate) const PERSONS_PER_TOWN: u64 = 43_000;
/// Town codes `500110120` … `500110999`: the most towns one county code can hold.
pub(crate) const MAX_TOWNS: usize = 880;
pub(crate) const UNITS_PER_TOWN: usize = 16;

/// A village or community (村/社区) of a town.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    pub code: DivisionCode,
    pub name: &'static str,
}

/// A town with its units; town 0 is always 扶欢镇.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Town {
    pub code: DivisionCode,
    pub name: String,
    pub units: Vec<Unit>,
}

const FUHUAN_UNITS: [&str; UNITS_PER_TOWN] = [
    "扶欢社区",
    "石足村",
    "崇恩村",
    "东升村",
    "青岩村",
    "插旗村",
    "长榜村",
    "高滩村",
    "盘石村",
    "松山村",
    "文峰村",
    "安育村",
    "小卷村",
    "岚垭村",
    "民主村",
    "大石板村",
];

/// Share of a town's people per unit, in per mille: the community is small, 青岩 (the demonstration
/// village) a bit larger than the rest.
pub(crate) const UNIT_WEIGHTS: [u64; UNITS_PER_TOWN] = [
    40, 66, 66, 64, 82, 64, 58, 63, 61, 59, 67, 57, 62, 58, 65, 68,
];
const WEIGHT_TOTAL: u64 = 1000;

/// 扶欢社区 then the 15 villages in POLICY.md §10 order, with their demo codes.
pub fn fuhuan_units() -> Vec<Unit> {
    units_of(0)
}

/// Every town (with its units) that [`crate::households`] uses for `persons` people, in generation order.
pub fn towns(persons: u64) -> Vec<Town> {
    (0..town_count(persons)).map(town).collect()
}

/// How many towns `persons` people are spread over: one per ~43,000, at least one, at most 880.
pub fn town_count(persons: u64) -> usize {
    let n = persons.saturating_add(PERSONS_PER_TOWN / 2) / PERSONS_PER_TOWN;
    usize::try_from(n).unwrap_or(MAX_TOWNS).clamp(1, MAX_TOWNS)
}

pub(crate) fn town(index: usize) -> Town {
    let name = if index == 0 {
        TOWN_NAME.to_string()
    } else {
        synthetic_town_name(index)
    };
    Town {
        code: town_code(index),
        name,
        units: units_of(index),
    }
}

pub(crate) fn town_code(index: usize) -> DivisionCode {
    code(&format!("{COUNTY_CODE}{:03}", 120 + index))
}

/// The code of unit `unit` (0 = the community `…001`, then villages `…201` …) of town `town`.
pub(crate) fn unit_code(town: usize, unit: usize) -> DivisionCode {
    let suffix = if unit == 0 { 1 } else { 200 + unit };
    code(&format!("{COUNTY_CODE}{:03}{suffix:03}", 120 + town))
}

/// People of unit `unit` when its town has `town_persons`: proportional to [`UNIT_WEIGHTS`], and the
/// units of a town add up exactly.
pub(crate) fn unit_persons(town_persons: u64, unit: usize) -> u64 {
    let upto = |k: usize| -> u64 {
        let w: u64 = UNIT_WEIGHTS[..k].iter().sum();
        // u128: persons × weight cannot overflow whatever `persons` is.
        u64::try_from(u128::from(town_persons) * u128::from(w) / u128::from(WEIGHT_TOTAL))
            .unwrap_or(u64::MAX)
    };
    upto(unit + 1) - upto(unit)
}

fn code(text: &str) -> DivisionCode {
    DivisionCode::parse(text).expect("demo division codes are 9 or 12 digits")
}

fn units_of(town: usize) -> Vec<Unit> {
    (0..UNITS_PER_TOWN)
        .map(|u| Unit {
            code: unit_code(town, u),
            name: unit_name(town, u),
        })
        .collect()
}

fn unit_name(town: usize, unit: usize) -> &'static str {
    if town == 0 {
        return FUHUAN_UNITS[unit];
    }
    if unit == 0 {
        return COMMUNITY_NAMES[town % COMMUNITY_NAMES.len()];
    }
    // 15 consecutive entries of the pool, from a town-dependent start: distinct within a town.
    VILLAGE_NAMES[(town * 23 + unit) % VILLAGE_NAMES.len()]
}

fn synthetic_town_name(index: usize) -> String {
    let (a, b) = (TOWN_FIRST.chars().count(), TOWN_SECOND.chars().count());
    // A multiplier coprime with 900 scatters neighbouring towns over the name grid.
    let k = ((index - 1) * 7 + 3) % (a * b);
    let first = nth_char(TOWN_FIRST, k / b);
    let second = nth_char(TOWN_SECOND, k % b);
    format!("{first}{second}镇")
}

fn nth_char(pool: &str, i: usize) -> &str {
    let start = pool.char_indices().nth(i).map_or(0, |(p, _)| p);
    let len = pool[start..].chars().next().map_or(0, char::len_utf8);
    &pool[start..start + len]
}

const TOWN_FIRST: &str = "永安新石龙青金东南隆兴太和三双白马高长清平福天仁华中复万宝云";
const TOWN_SECOND: &str = "坝溪场口桥林山湾岩坪滩河水寺坡堡丰盛阳峰江乐园沟垭塘嘴田观庙";

const COMMUNITY_NAMES: [&str; 10] = [
    "场镇社区",
    "新街社区",
    "老街社区",
    "河滨社区",
    "南街社区",
    "北街社区",
    "东街社区",
    "滨江社区",
    "桥头社区",
    "龙门社区",
];

const VILLAGE_NAMES: [&str; 61] = [
    "石桥村",
    "龙井村",
    "新华村",
    "清河村",
    "双龙村",
    "白果村",
    "红星村",
    "金竹村",
    "柏林村",
    "三合村",
    "光明村",
    "团结村",
    "幸福村",
    "和平村",
    "桂花村",
    "梨树村",
    "杉木村",
    "水口村",
    "玉泉村",
    "凉水村",
    "马鞍村",
    "狮子村",
    "双河村",
    "兴隆村",
    "永丰村",
    "太平村",
    "大坪村",
    "黄泥村",
    "石龙村",
    "仁和村",
    "五福村",
    "银杏村",
    "楠木村",
    "竹林村",
    "花园村",
    "鹿角村",
    "宝山村",
    "复兴村",
    "长青村",
    "青龙村",
    "新民村",
    "联合村",
    "向阳村",
    "胜利村",
    "先锋村",
    "中兴村",
    "石门村",
    "丰收村",
    "桥坝村",
    "沙坝村",
    "龙泉村",
    "红岩村",
    "白岩村",
    "高峰村",
    "梨园村",
    "青杠村",
    "槐花村",
    "茶园村",
    "柑子村",
    "大湾村",
    "河坝村",
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn fuhuan_has_the_community_then_fifteen_villages_in_policy_order() {
        let units = fuhuan_units();
        assert_eq!(units.len(), 16);
        assert_eq!(units[0].name, "扶欢社区");
        assert_eq!(units[0].code.as_str(), "500110120001");
        assert_eq!(units[4].name, "青岩村");
        assert_eq!(units[4].code.as_str(), "500110120204");
        assert_eq!(units[15].name, "大石板村");
        assert_eq!(units[15].code.as_str(), "500110120215");
        let town = DivisionCode::parse(TOWN_CODE).expect("town code");
        assert!(units.iter().all(|u| town.contains(&u.code)));
    }

    #[test]
    fn unit_shares_add_up_to_the_town_exactly() {
        assert_eq!(UNIT_WEIGHTS.iter().sum::<u64>(), WEIGHT_TOTAL);
        for persons in [0, 1, 15, 43_000, 42_918, 10_000_001] {
            let sum: u64 = (0..UNITS_PER_TOWN).map(|u| unit_persons(persons, u)).sum();
            assert_eq!(sum, persons);
        }
    }

    #[test]
    fn synthetic_towns_have_distinct_codes_and_names_and_distinct_village_names() {
        let towns = towns(u64::MAX);
        assert_eq!(towns.len(), MAX_TOWNS);
        assert_eq!(towns[0].name, TOWN_NAME);
        assert_eq!(towns[879].code.as_str(), "500110999");
        let names: HashSet<&str> = towns.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names.len(), MAX_TOWNS);
        for t in &towns {
            let units: HashSet<&str> = t.units.iter().map(|u| u.name).collect();
            assert_eq!(units.len(), UNITS_PER_TOWN, "{}", t.name);
        }
    }

    #[test]
    fn town_count_follows_the_township_size() {
        assert_eq!(town_count(0), 1);
        assert_eq!(town_count(43_000), 1);
        assert_eq!(town_count(60_000), 1);
        assert_eq!(town_count(10_000_000), 233);
        assert_eq!(town_count(u64::MAX), MAX_TOWNS);
    }
}
