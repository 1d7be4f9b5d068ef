//! One household through a whole run: the rule fires, the evidence names the record.

use time::macros::date;
use zhenxing_domain::feed::{FeedRecord, Period, VisitType};
use zhenxing_domain::household::{HouseholdKind, Labour};
use zhenxing_domain::{DivisionCode, IncomeRecord, Policy, Yuan};
use zhenxing_screening::{
    Household, Params, Person, Registry, compile_rules, default_rules, id_key, screen,
};

#[test]
fn a_large_stay_is_flagged_with_its_record() {
    let id = "11010519491231002X";
    let h = Household {
        household_no: "H1".into(),
        village: "青岩村".into(),
        kind: HouseholdKind::Exited,
        monitored: false,
        members: vec![Person {
            key: id_key(id).expect("id"),
            birth: date!(1949 - 12 - 31),
            labour: Some(Labour::Ordinary),
            disability: None,
        }],
        incomes: vec![IncomeRecord {
            year: 2025,
            wage_income: Yuan::from_yuan(9_000),
            ..IncomeRecord::default()
        }],
    };
    let registry = Registry::new(vec![h]);
    let y = Yuan::from_yuan;
    let records = vec![FeedRecord::Medical {
        person: id.into(),
        date: date!(2026 - 03 - 12),
        visit_type: VisitType::Inpatient,
        total: y(20_000),
        basic_paid: y(11_000),
        critical_paid: y(800),
        assistance_paid: y(0),
        out_of_pocket: y(8_200),
        eligible_out_of_pocket: y(8_200),
    }];
    let rules = compile_rules(&default_rules()).expect("rules");
    let params = Params::resolve(
        &Policy::defaults(),
        &DivisionCode::parse("500110").expect("code"),
        2026,
    );
    let hits = screen(
        &registry,
        &records,
        Period::parse("2026-03").expect("period"),
        &rules,
        &params,
    );
    let ids: Vec<&str> = hits.iter().map(|h| rules[h.rule].def.id.as_str()).collect();
    assert_eq!(ids, vec!["medical_stay"], "{hits:?}");
    assert_eq!(
        hits[0].evidence,
        "2026-03-12 住院 个人自付 8,200.00 元 > 6,000.00 元"
    );
}
