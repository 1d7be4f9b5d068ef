//! A person's attributes, consistent with their age: schooling, education, health, labour, work,
//! insurance, assistance and phone.

use rand::Rng;
use time::Date;
use zhenxing_domain::IdNumber;
use zhenxing_domain::household::{
    DisabilityGrade, Education, Health, Labour, Member, Relation, Schooling, Sex, age_on,
};

use crate::family::Spec;
use crate::ids::IdAllocator;
use crate::names;

/// What the household passes down to each member.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Traits {
    /// Multiplies the chance of illness and disability (poorer households are sicker).
    pub health_risk: f64,
    pub dibao: bool,
    /// Multiplies the chance that a working-age member works away from home most of the year.
    pub migrant: f64,
}

const ETHNICITIES: [&str; 3] = ["汉族", "苗族", "土家族"];

pub(crate) fn build(
    rng: &mut impl Rng,
    spec: &Spec,
    ids: &mut IdAllocator,
    today: Date,
    traits: Traits,
    name: &mut String,
) -> Member {
    let birth =
        Date::from_julian_day(spec.birth_jd).expect("birth dates lie between 1900 and today");
    let (id_text, birth) = ids.allocate(spec.address, birth, spec.male);
    let id_number = IdNumber::parse(&id_text, today).expect("generated ID numbers are valid");
    let age = age_on(birth, today);

    name.clear();
    name.push_str(names::surname(spec.surname));
    names::push_given_name(name, rng, birth.year(), spec.male);

    let schooling = schooling(rng, age);
    let education = education(rng, age, birth.year(), schooling);
    let (health, disability_grade) = health(rng, age, traits.health_risk);
    let labour = labour(rng, age, schooling, health, disability_grade);
    let work_months = work_months(rng, age, labour, traits.migrant);
    let studying = schooling != Schooling::NotInSchool;
    let pension_insured =
        age >= 16 && !studying && rng.random_bool(if age >= 60 { 0.96 } else { 0.88 });
    let phone = (spec.relation == Relation::Head
        || ((18..=65).contains(&age) && rng.random_bool(0.55)))
    .then(|| mobile(rng));

    Member {
        name: name.clone(),
        id_number,
        relation: spec.relation,
        sex: if spec.male { Sex::Male } else { Sex::Female },
        birth_date: birth,
        ethnicity: Some(ETHNICITIES[usize::from(spec.ethnicity)].to_string()),
        education,
        schooling: Some(schooling),
        health: Some(health),
        disability_grade,
        labour: Some(labour),
        work_months: Some(work_months),
        medical_insured: Some(rng.random_bool(0.985)),
        pension_insured: Some(pension_insured),
        dibao: Some(traits.dibao),
        tekun: Some(false),
        phone,
    }
}

fn schooling(rng: &mut impl Rng, age: i32) -> Schooling {
    let x = rng.random_range(0..100);
    match age {
        ..3 => Schooling::NotInSchool,
        3..6 if x < 85 => Schooling::Preschool,
        3..6 => Schooling::NotInSchool,
        6..12 => Schooling::Primary,
        12..15 => Schooling::JuniorHigh,
        15..18 if x < 55 => Schooling::SeniorHigh,
        15..18 if x < 92 => Schooling::SecondaryVocational,
        18 if x < 25 => Schooling::SeniorHigh,
        18 if x < 45 => Schooling::HigherVocational,
        18 if x < 60 => Schooling::University,
        19..22 if x < 22 => Schooling::HigherVocational,
        19..22 if x < 40 => Schooling::University,
        22 if x < 12 => Schooling::University,
        _ => Schooling::NotInSchool,
    }
}

/// Cumulative per-cent shares of 文盲, 小学, 初中, 高中, 中专 (the rest 大专及以上), by birth cohort.
const EDUCATION_BY_COHORT: [(i32, [u32; 5]); 5] = [
    (1950, [40, 85, 97, 100, 100]),
    (1965, [15, 60, 90, 98, 100]),
    (1980, [4, 34, 84, 94, 98]),
    (1995, [1, 11, 61, 78, 90]),
    (i32::MAX, [0, 3, 35, 55, 75]),
];

fn education(
    rng: &mut impl Rng,
    age: i32,
    birth_year: i32,
    schooling: Schooling,
) -> Option<Education> {
    let level = match schooling {
        Schooling::Preschool => return None,
        Schooling::Primary => Education::Primary,
        Schooling::JuniorHigh => Education::JuniorHigh,
        Schooling::SeniorHigh => Education::SeniorHigh,
        Schooling::SecondaryVocational => Education::Vocational,
        Schooling::HigherVocational | Schooling::University => Education::College,
        Schooling::NotInSchool => match age {
            ..6 => return None,
            6..15 => Education::Primary,
            15..18 => Education::JuniorHigh,
            _ => {
                let shares = EDUCATION_BY_COHORT
                    .iter()
                    .find(|(until, _)| birth_year < *until)
                    .map_or([0; 5], |c| c.1);
                let x = rng.random_range(0..100);
                const LEVELS: [Education; 5] = [
                    Education::Illiterate,
                    Education::Primary,
                    Education::JuniorHigh,
                    Education::SeniorHigh,
                    Education::Vocational,
                ];
                LEVELS
                    .iter()
                    .zip(shares)
                    .find(|(_, s)| x < *s)
                    .map_or(Education::College, |(l, _)| *l)
            }
        },
    };
    Some(level)
}

/// Per-mille chances of (disabled, serious illness, chronic illness) by age, before the household's risk.
fn health_rates(age: i32) -> (f64, f64, f64) {
    match age {
        ..18 => (14.0, 3.0, 12.0),
        18..45 => (37.0, 6.0, 46.0),
        45..60 => (58.0, 11.0, 102.0),
        _ => (88.0, 16.0, 170.0),
    }
}

fn health(rng: &mut impl Rng, age: i32, risk: f64) -> (Health, Option<DisabilityGrade>) {
    let (d, s, c) = health_rates(age);
    let x = rng.random::<f64>() * 1000.0 / risk;
    if x < d {
        let grade = match rng.random_range(0..10) {
            0 => DisabilityGrade::One,
            1..3 => DisabilityGrade::Two,
            3..6 => DisabilityGrade::Three,
            _ => DisabilityGrade::Four,
        };
        (Health::Disabled, Some(grade))
    } else if x < d + s {
        (Health::SeriousIllness, None)
    } else if x < d + s + c {
        (Health::ChronicIllness, None)
    } else {
        (Health::Healthy, None)
    }
}

fn labour(
    rng: &mut impl Rng,
    age: i32,
    schooling: Schooling,
    health: Health,
    grade: Option<DisabilityGrade>,
) -> Labour {
    if age < 16 || schooling != Schooling::NotInSchool {
        return Labour::None;
    }
    let x = rng.random_range(0..100);
    let by_age = match age {
        20..60 if x < 22 => Labour::Skilled,
        16..60 if x < 92 => Labour::Ordinary,
        16..60 => Labour::Weak,
        60..65 if x < 5 => Labour::Skilled,
        60..65 if x < 50 => Labour::Ordinary,
        60..65 if x < 95 => Labour::Weak,
        60..65 => Labour::Lost,
        65..75 if x < 15 => Labour::Ordinary,
        65..75 if x < 70 => Labour::Weak,
        65..75 if x < 85 => Labour::Lost,
        65..75 => Labour::None,
        _ if x < 20 => Labour::Lost,
        _ => Labour::None,
    };
    // Illness and disability can only lower the capacity the age allows.
    let by_health = match (health, grade) {
        (Health::Disabled, Some(DisabilityGrade::One | DisabilityGrade::Two)) => Labour::Lost,
        (Health::Disabled, _) => Labour::Weak,
        (Health::SeriousIllness, _) if x % 2 == 0 => Labour::Lost,
        (Health::SeriousIllness, _) => Labour::Weak,
        (Health::ChronicIllness, _) if x % 5 < 3 => Labour::Weak,
        _ => return by_age,
    };
    if rank(by_health) > rank(by_age) {
        by_health
    } else {
        by_age
    }
}

/// Higher is less capacity.
fn rank(l: Labour) -> u8 {
    match l {
        Labour::Skilled => 0,
        Labour::Ordinary => 1,
        Labour::Weak => 2,
        Labour::Lost => 3,
        Labour::None => 4,
    }
}

fn work_months(rng: &mut impl Rng, age: i32, labour: Labour, migrant: f64) -> u8 {
    let x = rng.random_range(0..100);
    let away = (58.0 * migrant) as u32;
    match labour {
        Labour::Ordinary | Labour::Skilled if age < 60 => {
            if x < away {
                // Migrant work: most of the year away.
                6 + rng.random_range(0..7u8).max(rng.random_range(0..7u8))
            } else if x < away + 25 {
                // Local day labour.
                rng.random_range(1..=6)
            } else {
                0
            }
        }
        Labour::Ordinary | Labour::Skilled | Labour::Weak if age < 70 && x < 32 => {
            rng.random_range(1..=8)
        }
        _ => 0,
    }
}

const MOBILE_PREFIXES: [&str; 23] = [
    "133", "135", "136", "137", "138", "139", "150", "151", "152", "157", "158", "159", "177",
    "178", "180", "182", "183", "185", "187", "188", "189", "191", "199",
];

/// A synthetic 11-digit mobile number.
pub(crate) fn mobile(rng: &mut impl Rng) -> String {
    let mut s = String::with_capacity(11);
    s.push_str(MOBILE_PREFIXES[rng.random_range(0..MOBILE_PREFIXES.len())]);
    let mut rest: u32 = rng.random_range(0..100_000_000);
    let mut digits = [b'0'; 8];
    for d in digits.iter_mut().rev() {
        *d = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    s.extend(digits.iter().map(|&b| char::from(b)));
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use zhenxing_domain::household::is_valid_phone;

    #[test]
    fn children_and_students_have_no_labour_and_pupils_are_at_school() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for _ in 0..1000 {
            for age in [0, 4, 8, 13] {
                let s = schooling(&mut rng, age);
                assert_eq!(
                    labour(&mut rng, age, s, Health::Healthy, None),
                    Labour::None
                );
            }
            assert_eq!(schooling(&mut rng, 9), Schooling::Primary);
            assert_eq!(schooling(&mut rng, 40), Schooling::NotInSchool);
            assert_eq!(
                labour(&mut rng, 20, Schooling::University, Health::Healthy, None),
                Labour::None
            );
        }
    }

    #[test]
    fn severe_disability_means_lost_labour_and_no_work() {
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        for _ in 0..1000 {
            let l = labour(
                &mut rng,
                35,
                Schooling::NotInSchool,
                Health::Disabled,
                Some(DisabilityGrade::One),
            );
            assert_eq!(l, Labour::Lost);
            assert_eq!(work_months(&mut rng, 35, l, 1.0), 0);
            let m = work_months(&mut rng, 35, Labour::Ordinary, 1.0);
            assert!(m <= 12);
        }
    }

    #[test]
    fn mobiles_are_eleven_digits() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        for _ in 0..100 {
            let m = mobile(&mut rng);
            assert_eq!(m.len(), 11);
            assert!(is_valid_phone(&m), "{m}");
        }
    }
}
