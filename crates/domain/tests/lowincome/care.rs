//! Care rosters derived from the registry: left-behind children, women and elders, disabled people.

use time::Date;
use time::macros::date;
use zhenxing_domain::household::{DisabilityGrade, Health, Labour, Relation, Sex};
use zhenxing_domain::lowincome::{CareGroup, CareMember, CareParams, derive_care};
use zhenxing_domain::policy::PolicyKey;

use crate::{code, table, value};

const ON: Date = date!(2026 - 06 - 30);

fn m(relation: Relation, sex: Sex, birth: Date, work_months: Option<u8>) -> CareMember<'static> {
    CareMember {
        id_base: "",
        relation,
        sex,
        birth,
        work_months,
        labour: Some(Labour::Ordinary),
        health: Some(Health::Healthy),
        disability: None,
    }
}

/// A couple in their thirties: 户主 (man) and 配偶 (woman), with their work months.
fn parents(head: Option<u8>, spouse: Option<u8>) -> Vec<CareMember<'static>> {
    vec![
        m(Relation::Head, Sex::Male, date!(1990 - 03 - 01), head),
        m(Relation::Spouse, Sex::Female, date!(1992 - 04 - 01), spouse),
    ]
}

fn child(birth: Date) -> CareMember<'static> {
    m(Relation::Son, Sex::Male, birth, None)
}

fn derive(members: &[CareMember]) -> Vec<(usize, CareGroup, String)> {
    derive_care(members, &CareParams::default(), ON)
}

/// Only the (member, group) pairs.
fn groups(members: &[CareMember]) -> Vec<(usize, CareGroup)> {
    derive(members)
        .into_iter()
        .map(|(i, g, _)| (i, g))
        .collect()
}

fn reason(members: &[CareMember], i: usize, g: CareGroup) -> String {
    derive(members)
        .into_iter()
        .find(|(j, h, _)| *j == i && *h == g)
        .map(|(_, _, r)| r)
        .unwrap_or_else(|| panic!("member {i} not in {g}"))
}

#[test]
fn a_child_whose_parents_are_both_away_is_left_behind() {
    let mut h = parents(Some(8), Some(10));
    h.push(child(date!(2015 - 09 - 01)));
    assert_eq!(groups(&h), vec![(2, CareGroup::LeftBehindChild)]);
    let r = reason(&h, 2, CareGroup::LeftBehindChild);
    assert_eq!(
        r,
        "10 岁（不满 16 周岁），户主 8 个月、配偶 10 个月外出务工，在户父母均外出"
    );
}

#[test]
fn one_parent_away_and_the_other_unable_leaves_the_child_behind() {
    let cases = [
        (
            CareMember {
                labour: Some(Labour::Lost),
                ..parents(None, None)[1]
            },
            "配偶无监护能力（丧失劳动力）",
        ),
        (
            CareMember {
                labour: Some(Labour::None),
                ..parents(None, None)[1]
            },
            "配偶无监护能力（无劳动力）",
        ),
        (
            CareMember {
                disability: Some(DisabilityGrade::Two),
                ..parents(None, None)[1]
            },
            "配偶无监护能力（二级残疾）",
        ),
        (
            CareMember {
                health: Some(Health::SeriousIllness),
                ..parents(None, None)[1]
            },
            "配偶无监护能力（患大病）",
        ),
    ];
    for (spouse, why) in cases {
        let h = vec![
            parents(Some(12), None)[0],
            spouse,
            child(date!(2018 - 01 - 01)),
        ];
        let r = reason(&h, 2, CareGroup::LeftBehindChild);
        assert!(r.contains("户主 12 个月外出务工") && r.contains(why), "{r}");
    }
}

#[test]
fn one_parent_away_and_the_other_able_is_not_left_behind_but_the_mother_is_a_left_behind_woman() {
    let weak = CareMember {
        labour: Some(Labour::Weak),
        ..parents(None, None)[1]
    };
    let third_grade = CareMember {
        disability: Some(DisabilityGrade::Three),
        ..parents(None, None)[1]
    };
    for spouse in [parents(None, None)[1], weak] {
        let h = vec![
            parents(Some(12), None)[0],
            spouse,
            child(date!(2018 - 01 - 01)),
        ];
        assert_eq!(groups(&h), vec![(1, CareGroup::LeftBehindWoman)]);
        assert_eq!(
            reason(&h, 1, CareGroup::LeftBehindWoman),
            "34 岁，配偶（户主 12 个月）外出务工"
        );
    }
    let h = vec![
        parents(Some(12), None)[0],
        third_grade,
        child(date!(2018 - 01 - 01)),
    ];
    assert_eq!(
        groups(&h),
        vec![(1, CareGroup::LeftBehindWoman), (1, CareGroup::Disabled)]
    );
}

#[test]
fn a_grandchild_counts_the_son_and_daughter_in_law_as_parents() {
    let grandparents = [
        m(Relation::Head, Sex::Male, date!(1958 - 02 - 01), None),
        m(Relation::Spouse, Sex::Female, date!(1960 - 02 - 01), None),
    ];
    let son = m(Relation::Son, Sex::Male, date!(1985 - 02 - 01), Some(10));
    let dil = m(
        Relation::DaughterInLaw,
        Sex::Female,
        date!(1987 - 02 - 01),
        Some(8),
    );
    let grandson = m(Relation::Grandson, Sex::Male, date!(2016 - 02 - 01), None);
    let h = [grandparents[0], grandparents[1], son, dil, grandson];
    assert_eq!(
        groups(&h),
        vec![
            (0, CareGroup::LeftBehindElder),
            (1, CareGroup::LeftBehindElder),
            (4, CareGroup::LeftBehindChild),
        ]
    );
    assert!(reason(&h, 4, CareGroup::LeftBehindChild).contains("之子 10 个月、之儿媳 8 个月"));
    assert_eq!(
        reason(&h, 0, CareGroup::LeftBehindElder),
        "68 岁（60 周岁及以上），在户子女均外出务工（之子 10 个月）"
    );
    // The daughter-in-law at home and able: the grandson is not left behind; she is a left-behind woman.
    let home = CareMember {
        work_months: Some(2),
        ..dil
    };
    let h = [grandparents[0], grandparents[1], son, home, grandson];
    assert_eq!(
        groups(&h),
        vec![
            (0, CareGroup::LeftBehindElder),
            (1, CareGroup::LeftBehindElder),
            (3, CareGroup::LeftBehindWoman),
        ]
    );
    // A granddaughter of a daughter and son-in-law both away.
    let h = [
        grandparents[0],
        m(
            Relation::Daughter,
            Sex::Female,
            date!(1988 - 02 - 01),
            Some(9),
        ),
        m(
            Relation::SonInLaw,
            Sex::Male,
            date!(1986 - 02 - 01),
            Some(9),
        ),
        m(
            Relation::Granddaughter,
            Sex::Female,
            date!(2020 - 02 - 01),
            None,
        ),
    ];
    assert!(groups(&h).contains(&(3, CareGroup::LeftBehindChild)));
}

#[test]
fn an_elder_with_a_child_at_home_is_not_left_behind() {
    let h = [
        m(Relation::Head, Sex::Male, date!(1950 - 02 - 01), None),
        m(Relation::Son, Sex::Male, date!(1980 - 02 - 01), Some(12)),
        m(
            Relation::Daughter,
            Sex::Female,
            date!(1982 - 02 - 01),
            Some(3),
        ),
    ];
    assert_eq!(groups(&h), vec![]);
    // An elder without children in the household is not either.
    let alone = [m(Relation::Head, Sex::Female, date!(1940 - 02 - 01), None)];
    assert_eq!(groups(&alone), vec![]);
}

#[test]
fn the_heads_parents_count_the_head_and_siblings_as_their_children() {
    let h = [
        m(Relation::Head, Sex::Male, date!(1985 - 02 - 01), Some(11)),
        m(Relation::Father, Sex::Male, date!(1955 - 02 - 01), None),
        m(Relation::Mother, Sex::Female, date!(1957 - 02 - 01), None),
        m(
            Relation::Sibling,
            Sex::Female,
            date!(1990 - 02 - 01),
            Some(7),
        ),
    ];
    assert_eq!(
        groups(&h),
        vec![
            (1, CareGroup::LeftBehindElder),
            (2, CareGroup::LeftBehindElder)
        ]
    );
    assert!(reason(&h, 2, CareGroup::LeftBehindElder).contains("户主 11 个月、之兄弟姐妹 7 个月"));
}

#[test]
fn a_woman_who_is_away_herself_is_not_left_behind() {
    let h = parents(Some(12), Some(6));
    assert_eq!(groups(&h), vec![]);
    // Five months is not away: she is.
    let h = parents(Some(12), Some(5));
    assert_eq!(groups(&h), vec![(1, CareGroup::LeftBehindWoman)]);
    // A man whose wife is away is not a left-behind woman.
    let h = parents(None, Some(12));
    assert_eq!(groups(&h), vec![]);
}

#[test]
fn the_head_can_be_the_left_behind_woman_of_an_away_spouse() {
    let h = [
        m(Relation::Head, Sex::Female, date!(1980 - 02 - 01), None),
        m(Relation::Spouse, Sex::Male, date!(1978 - 02 - 01), Some(6)),
    ];
    assert_eq!(
        reason(&h, 0, CareGroup::LeftBehindWoman),
        "46 岁，配偶（配偶 6 个月）外出务工"
    );
}

#[test]
fn child_age_boundary_fifteen_is_in_sixteen_is_out() {
    // On 2026-06-30: born 2010-07-01 is 15, born 2010-06-30 turns 16 that day.
    let mut h = parents(Some(12), Some(12));
    h.push(child(date!(2010 - 07 - 01)));
    h.push(child(date!(2010 - 06 - 30)));
    assert_eq!(groups(&h), vec![(2, CareGroup::LeftBehindChild)]);
    assert!(reason(&h, 2, CareGroup::LeftBehindChild).starts_with("15 岁（不满 16 周岁）"));
}

#[test]
fn elder_age_boundary_fifty_nine_is_out_sixty_is_in() {
    let h = [
        m(Relation::Head, Sex::Male, date!(1966 - 07 - 01), None),
        m(Relation::Spouse, Sex::Female, date!(1966 - 06 - 30), None),
        m(Relation::Son, Sex::Male, date!(1990 - 02 - 01), Some(12)),
    ];
    assert_eq!(groups(&h), vec![(1, CareGroup::LeftBehindElder)]);
    assert!(reason(&h, 1, CareGroup::LeftBehindElder).starts_with("60 岁（60 周岁及以上）"));
}

#[test]
fn left_behind_women_are_eighteen_to_fifty_nine() {
    let woman = |birth| {
        [
            m(Relation::Son, Sex::Male, date!(1990 - 02 - 01), Some(12)),
            m(Relation::DaughterInLaw, Sex::Female, birth, None),
        ]
    };
    assert_eq!(
        groups(&woman(date!(2008 - 06 - 30))),
        vec![(1, CareGroup::LeftBehindWoman)]
    );
    assert_eq!(groups(&woman(date!(2008 - 07 - 01))), vec![]);
    assert_eq!(
        groups(&woman(date!(1966 - 07 - 01))),
        vec![(1, CareGroup::LeftBehindWoman)]
    );
    assert_eq!(groups(&woman(date!(1966 - 06 - 30))), vec![]);
}

#[test]
fn a_child_without_a_parent_in_the_household_is_not_derived() {
    let h = [
        m(Relation::Head, Sex::Male, date!(1950 - 02 - 01), None),
        m(Relation::Grandson, Sex::Male, date!(2016 - 02 - 01), None),
    ];
    assert_eq!(groups(&h), vec![]);
}

#[test]
fn every_disability_grade_is_on_the_disabled_roster() {
    for grade in [
        DisabilityGrade::One,
        DisabilityGrade::Two,
        DisabilityGrade::Three,
        DisabilityGrade::Four,
    ] {
        let h = [CareMember {
            disability: Some(grade),
            ..parents(None, None)[0]
        }];
        assert_eq!(
            derive(&h),
            vec![(0, CareGroup::Disabled, format!("残疾等级 {grade}"))]
        );
    }
}

#[test]
fn the_parameters_come_from_the_policy_table() {
    let p = table(&[
        value(PolicyKey::CareChildAge, Some("500110120"), 2026, 14),
        value(PolicyKey::CareAwayMonths, None, 2026, 3),
    ]);
    let params = CareParams::resolve(&p, &code("500110120201"), 2026);
    assert_eq!(
        params,
        CareParams {
            child_age: 14,
            elder_age: 60,
            away_months: 3
        }
    );
    assert_eq!(
        CareParams::resolve(&table(&[]), &code("500110120201"), 2026),
        CareParams::default()
    );
    // Three months away now counts; a 14-year-old is no longer a child.
    let mut h = parents(Some(3), Some(4));
    h.push(child(date!(2012 - 01 - 01)));
    h.push(child(date!(2013 - 01 - 01)));
    assert_eq!(
        derive_care(&h, &params, ON)
            .into_iter()
            .map(|(i, g, _)| (i, g))
            .collect::<Vec<_>>(),
        vec![(3, CareGroup::LeftBehindChild)]
    );
}
