//! Households and members of the registry, with every field of the roster layout (LAYOUT.md).

use time::Date;

use crate::division::DivisionCode;
use crate::id_number::IdNumber;
use crate::income::IncomeRecord;

crate::code_enum!(HouseholdKind, "户类型" {
    Exited = ("exited", "脱贫户"),
    Monitored = ("monitored", "监测户"),
    Ordinary = ("ordinary", "一般农户"),
});

crate::code_enum!(MonitoringCategory, "监测对象类别" {
    UnstableExited = ("unstable_exited", "脱贫不稳定户"),
    Marginal = ("marginal", "边缘易致贫户"),
    SuddenHardship = ("sudden_hardship", "突发严重困难户"),
});

crate::code_enum!(Relation, "与户主关系" {
    Head = ("head", "户主", ["本人", "01"]),
    Spouse = ("spouse", "配偶", ["10"]),
    Son = ("son", "之子", ["20", "子"]),
    Daughter = ("daughter", "之女", ["30", "女"]),
    DaughterInLaw = ("daughter_in_law", "之儿媳", ["儿媳"]),
    SonInLaw = ("son_in_law", "之女婿", ["女婿"]),
    Grandson = ("grandson", "之孙子", ["40", "孙子"]),
    Granddaughter = ("granddaughter", "之孙女", ["孙女"]),
    Father = ("father", "之父", ["50", "父亲"]),
    Mother = ("mother", "之母", ["母亲"]),
    Grandfather = ("grandfather", "之祖父", ["60", "祖父"]),
    Grandmother = ("grandmother", "之祖母", ["祖母"]),
    Sibling = ("sibling", "之兄弟姐妹", ["70", "兄弟姐妹"]),
    Other = ("other", "其他", ["99"]),
});

crate::code_enum!(Sex, "性别" {
    Male = ("male", "男"),
    Female = ("female", "女"),
});

crate::code_enum!(Education, "文化程度" {
    Illiterate = ("illiterate", "文盲或半文盲"),
    Primary = ("primary", "小学"),
    JuniorHigh = ("junior_high", "初中"),
    SeniorHigh = ("senior_high", "高中"),
    Vocational = ("vocational", "中专"),
    College = ("college", "大专及以上"),
});

crate::code_enum!(Schooling, "在校生状况" {
    NotInSchool = ("not_in_school", "非在校生"),
    Preschool = ("preschool", "学前教育"),
    Primary = ("primary", "小学"),
    JuniorHigh = ("junior_high", "初中"),
    SeniorHigh = ("senior_high", "高中"),
    SecondaryVocational = ("secondary_vocational", "中职"),
    HigherVocational = ("higher_vocational", "高职高专"),
    University = ("university", "本科及以上"),
});

crate::code_enum!(Health, "健康状况" {
    Healthy = ("healthy", "健康"),
    ChronicIllness = ("chronic_illness", "长期慢性病"),
    SeriousIllness = ("serious_illness", "患大病", ["大病"]),
    Disabled = ("disabled", "残疾"),
});

crate::code_enum!(DisabilityGrade, "残疾等级" {
    One = ("grade1", "一级", ["1", "1级"]),
    Two = ("grade2", "二级", ["2", "2级"]),
    Three = ("grade3", "三级", ["3", "3级"]),
    Four = ("grade4", "四级", ["4", "4级"]),
});

crate::code_enum!(Labour, "劳动技能" {
    Ordinary = ("ordinary", "普通劳动力"),
    Skilled = ("skilled", "技能劳动力"),
    Weak = ("weak", "弱劳动力或半劳动力"),
    Lost = ("lost", "丧失劳动力"),
    None = ("none", "无劳动力"),
});

impl Labour {
    /// Counts as labour capacity for the 开发式帮扶 principle (POLICY.md §4).
    pub fn is_capable(self) -> bool {
        matches!(self, Labour::Ordinary | Labour::Skilled | Labour::Weak)
    }
}

/// A 是/否 answer; absent when the file leaves it blank.
pub fn parse_yes_no(text: &str) -> Option<bool> {
    match text.trim() {
        "是" | "Y" | "y" | "1" | "true" => Some(true),
        "否" | "N" | "n" | "0" | "false" => Some(false),
        _ => None,
    }
}

pub fn yes_no(b: bool) -> &'static str {
    if b { "是" } else { "否" }
}

/// 村民小组 as written in rosters: `3组`, `三组`, `第3组`, `3` → 3.
pub fn parse_group(text: &str) -> Option<u16> {
    let t = text
        .trim()
        .trim_start_matches('第')
        .trim_end_matches("村民小组")
        .trim_end_matches("小组")
        .trim_end_matches('组');
    if t.is_empty() {
        return None;
    }
    if let Ok(n) = t.parse::<u16>() {
        return (1..=99).contains(&n).then_some(n);
    }
    let digit = |c: char| {
        "零一二三四五六七八九"
            .chars()
            .position(|d| d == c)
            .map(|p| p as u16)
    };
    let cs: Vec<char> = t.chars().collect();
    let n = match cs.as_slice() {
        [a] if *a == '十' => 10,
        [a] => digit(*a)?,
        ['十', b] => 10 + digit(*b)?,
        [a, '十'] => digit(*a)? * 10,
        [a, '十', b] => digit(*a)? * 10 + digit(*b)?,
        _ => return None,
    };
    (1..=99).contains(&n).then_some(n)
}

pub fn group_label(group: u16) -> String {
    format!("{group}组")
}

/// A household of the registry (the fields of the roster's household columns).
#[derive(Debug, Clone, PartialEq)]
pub struct Household {
    pub household_no: String,
    /// The village or community it belongs to.
    pub village: DivisionCode,
    pub group: Option<u16>,
    pub kind: HouseholdKind,
    pub monitoring_category: Option<MonitoringCategory>,
    pub phone: Option<String>,
    pub house_safe: Option<bool>,
    pub water_safe: Option<bool>,
    /// Farmland in hundredths of a mu (亩), exact like money.
    pub farmland_centimu: Option<i64>,
    pub members: Vec<Member>,
    pub incomes: Vec<IncomeRecord>,
}

/// A member of a household (the roster's member columns).
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub name: String,
    pub id_number: IdNumber,
    pub relation: Relation,
    pub sex: Sex,
    pub birth_date: Date,
    pub ethnicity: Option<String>,
    pub education: Option<Education>,
    pub schooling: Option<Schooling>,
    pub health: Option<Health>,
    pub disability_grade: Option<DisabilityGrade>,
    pub labour: Option<Labour>,
    pub work_months: Option<u8>,
    pub medical_insured: Option<bool>,
    pub pension_insured: Option<bool>,
    pub dibao: Option<bool>,
    pub tekun: Option<bool>,
    pub phone: Option<String>,
}

impl Household {
    pub fn head(&self) -> Option<&Member> {
        self.members.iter().find(|m| m.relation == Relation::Head)
    }

    pub fn size(&self) -> usize {
        self.members.len()
    }
}

impl Member {
    /// Age in whole years on `on`.
    pub fn age_on(&self, on: Date) -> i32 {
        age_on(self.birth_date, on)
    }
}

pub fn age_on(birth: Date, on: Date) -> i32 {
    let mut age = on.year() - birth.year();
    if (on.month() as u8, on.day()) < (birth.month() as u8, birth.day()) {
        age -= 1;
    }
    age
}

/// A valid phone: 11-digit mobile starting with 1, or a landline of 7–12 digits with an optional
/// area code and hyphen.
pub fn is_valid_phone(text: &str) -> bool {
    let t = text.trim();
    let digits: String = t.chars().filter(|c| *c != '-').collect();
    if !digits.bytes().all(|b| b.is_ascii_digit()) || t.matches('-').count() > 1 {
        return false;
    }
    if digits.starts_with('1') && !t.contains('-') {
        return digits.len() == 11;
    }
    (7..=12).contains(&digits.len())
}

/// Normalises a village name: `青岩`, `青岩村`, `扶欢社区` compare by their stem.
pub fn village_stem(name: &str) -> &str {
    let t = name.trim();
    t.strip_suffix("社区")
        .or_else(|| t.strip_suffix('村'))
        .unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::CodeEnum;
    use time::macros::date;

    #[test]
    fn groups_are_read_in_every_common_spelling() {
        for (text, expected) in [
            ("3组", Some(3)),
            ("三组", Some(3)),
            ("3", Some(3)),
            ("第十二组", Some(12)),
            ("二十组", Some(20)),
            ("组", None),
            ("甲", None),
            ("0", None),
        ] {
            assert_eq!(parse_group(text), expected, "{text}");
        }
    }

    #[test]
    fn relations_accept_national_codes_and_aliases() {
        assert_eq!(Relation::parse_label("本人"), Some(Relation::Head));
        assert_eq!(Relation::parse_label("01"), Some(Relation::Head));
        assert_eq!(Relation::parse_label("之女"), Some(Relation::Daughter));
        assert_eq!(Relation::parse_label("表哥"), None);
        assert_eq!(
            HouseholdKind::expected_message(),
            "户类型应为 脱贫户、监测户、一般农户 之一"
        );
    }

    #[test]
    fn phones_and_ages() {
        assert!(is_valid_phone("13812345678"));
        assert!(is_valid_phone("023-48661234"));
        assert!(!is_valid_phone("1381234567"));
        assert!(!is_valid_phone("电话"));
        assert_eq!(age_on(date!(2010 - 06 - 15), date!(2026 - 06 - 14)), 15);
        assert_eq!(age_on(date!(2010 - 06 - 15), date!(2026 - 06 - 15)), 16);
        assert_eq!(village_stem("青岩村"), "青岩");
        assert_eq!(village_stem("扶欢社区"), "扶欢");
    }
}
