//! The forms of the monitoring chain as sent by the browser (field → text), turned into domain
//! [`Action`]s and [`Clue`]s with a Chinese message per bad field. What is *legal* is decided later
//! by the domain; this module only decides what the user *typed*.

use std::collections::HashMap;

use serde::Serialize;
use time::Date;
use zhenxing_domain::assistance::{Measure, MeasureStatus, MeasureType};
use zhenxing_domain::case::{
    Action, ActionKind, CaseKind, Clue, ClueSource, DataCheck, Decision, EliminationMode,
    HomeVisit, NoticeClosing, NoticePosting, Reasoned, VillageReview, VisitIncome,
};
use zhenxing_domain::household::{MonitoringCategory, parse_yes_no};
use zhenxing_domain::id_number::parse_ymd;
use zhenxing_domain::risk::{Checklist, ChecklistItem, RiskType};
use zhenxing_domain::{CodeEnum, Yuan};

use crate::forms::FieldErrors;

/// A submitted form: repeated keys keep the last value; checkboxes are present or absent.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Fields(pub HashMap<String, String>);

impl Fields {
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        Fields(pairs.into_iter().collect())
    }

    pub fn get(&self, name: &str) -> &str {
        self.0.get(name).map_or("", |s| s.trim())
    }

    /// The `version` the page was rendered with (optimistic locking); a form without it is stale.
    pub fn version(&self) -> Result<i64, crate::AppError> {
        self.get("version")
            .parse::<i64>()
            .map_err(|_| crate::AppError::BadRequest("缺少版本号，请刷新页面后重试".into()))
    }

    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        self.0.insert(name.to_string(), value.into());
    }

    fn checked(&self, name: &str) -> bool {
        matches!(self.get(name), "1" | "on" | "true" | "yes" | "是")
    }

    fn text(&self, name: &str) -> String {
        self.get(name).to_string()
    }
}

/// Parses `2026-10-08`, `2026/10/08` or `20261008`.
pub fn parse_date(text: &str) -> Option<Date> {
    let digits: String = text.trim().chars().filter(|c| c.is_ascii_digit()).collect();
    (digits.len() == 8).then(|| parse_ymd(&digits)).flatten()
}

struct Parser<'a> {
    fields: &'a Fields,
    errors: FieldErrors,
}

impl Parser<'_> {
    fn date(&mut self, name: &str, title: &str) -> Date {
        let t = self.fields.get(name);
        match parse_date(t) {
            Some(d) => d,
            None => {
                let msg = if t.is_empty() {
                    format!("请填写{title}")
                } else {
                    format!("{title}“{t}”不是有效日期，应为 2026-10-08 的形式")
                };
                self.errors.insert(name.into(), msg);
                Date::MIN
            }
        }
    }

    fn money(&mut self, name: &str, title: &str) -> Yuan {
        let t = self.fields.get(name);
        if t.is_empty() {
            return Yuan::ZERO;
        }
        Yuan::parse(t).unwrap_or_else(|e| {
            self.errors.insert(name.into(), format!("{title}：{e}"));
            Yuan::ZERO
        })
    }

    fn count(&mut self, name: &str, title: &str, min: u16) -> u16 {
        let t = self.fields.get(name);
        match t.parse::<u16>() {
            Ok(n) if n >= min => n,
            _ => {
                self.errors
                    .insert(name.into(), format!("{title}应为不小于 {min} 的整数"));
                0
            }
        }
    }

    fn yes_no(&mut self, name: &str, title: &str) -> bool {
        match parse_yes_no(self.fields.get(name)) {
            Some(b) => b,
            None => {
                self.errors
                    .insert(name.into(), format!("请选择{title}（是 或 否）"));
                false
            }
        }
    }

    fn code<T: CodeEnum>(&mut self, name: &str, required: bool) -> Option<T> {
        let t = self.fields.get(name);
        if t.is_empty() {
            if required {
                self.errors
                    .insert(name.into(), format!("请选择{}", T::TITLE));
            }
            return None;
        }
        let v = T::parse_label(t);
        if v.is_none() {
            self.errors.insert(name.into(), T::expected_message());
        }
        v
    }

    fn finish<T>(self, value: T) -> Result<T, FieldErrors> {
        if self.errors.is_empty() {
            Ok(value)
        } else {
            Err(self.errors)
        }
    }
}

/// Field name of a risk type's checkbox.
pub fn risk_field(r: RiskType) -> String {
    format!("risk_{}", r.code())
}

/// Field name of a checklist item's 是/否 select.
pub fn checklist_field(i: ChecklistItem) -> String {
    format!("check_{}", i.code())
}

pub fn parse_clue(fields: &Fields) -> Result<Clue, FieldErrors> {
    let mut p = Parser {
        fields,
        errors: FieldErrors::new(),
    };
    let source = p.code::<ClueSource>("source", true);
    let date = p.date("date", "线索日期");
    let clue = Clue {
        source: source.unwrap_or(ClueSource::CadreCheck),
        date,
        reporter: fields.text("reporter"),
        description: fields.text("description"),
    };
    if clue.reporter.is_empty() {
        p.errors.insert("reporter".into(), "请填写报告人".into());
    }
    if clue.description.is_empty() {
        p.errors
            .insert("description".into(), "请填写情况说明".into());
    }
    p.finish(clue)
}

/// Parses the form of `kind` (the step the case waits for, or reject/rollback).
pub fn parse_action(
    kind: ActionKind,
    case_kind: CaseKind,
    fields: &Fields,
) -> Result<Action, FieldErrors> {
    let mut p = Parser {
        fields,
        errors: FieldErrors::new(),
    };
    let action = match kind {
        ActionKind::HomeVisit => {
            let date = p.date("date", "入户日期");
            let income = VisitIncome {
                wage_income: p.money("wage_income", "工资性收入"),
                business_income: p.money("business_income", "生产经营性收入"),
                property_income: p.money("property_income", "财产性收入"),
                transfer_income: p.money("transfer_income", "转移性收入"),
                business_expense: p.money("business_expense", "生产经营性支出"),
                rigid_expense: p.money("rigid_expense", "刚性支出"),
                size: p.count("size", "家庭人口数", 1),
            };
            let mut checklist = Checklist::ALL_SECURE;
            for item in ChecklistItem::ALL {
                let secure = p.yes_no(&checklist_field(*item), item.label());
                checklist.set(*item, secure);
            }
            let risks: Vec<RiskType> = RiskType::ALL
                .iter()
                .copied()
                .filter(|r| fields.checked(&risk_field(*r)))
                .collect();
            if fields.text("visitors").is_empty() {
                p.errors.insert("visitors".into(), "请填写入户人员".into());
            }
            Action::HomeVisit(HomeVisit {
                date,
                visitors: fields.text("visitors"),
                consent_signed: fields.checked("consent_signed"),
                findings: fields.text("findings"),
                income,
                checklist,
                risks,
                risk_resolved: case_kind == CaseKind::Elimination
                    && fields.checked("risk_resolved"),
            })
        }
        ActionKind::DataCheck => Action::DataCheck(DataCheck {
            date: p.date("date", "比对日期"),
            consistent: p.yes_no("consistent", "比对结果是否无异常"),
            notes: fields.text("notes"),
        }),
        ActionKind::VillageReview => {
            let date = p.date("date", "评议日期");
            let attendance = p.count("attendance", "参会人数", 1);
            let passed = p.yes_no("passed", "评议是否通过");
            let category = match case_kind {
                CaseKind::Identification => p.code::<MonitoringCategory>("category", passed),
                CaseKind::Elimination => None,
            };
            let mode = match case_kind {
                CaseKind::Elimination => p.code::<EliminationMode>("mode", passed),
                CaseKind::Identification => None,
            };
            Action::VillageReview(VillageReview {
                date,
                attendance,
                passed,
                opinion: fields.text("opinion"),
                category,
                mode,
            })
        }
        ActionKind::PostNotice => Action::PostNotice(NoticePosting {
            start: p.date("start", "公示开始日期"),
            end: p.date("end", "公示结束日期"),
        }),
        ActionKind::CloseNotice => Action::CloseNotice(NoticeClosing {
            date: p.date("date", "公示结束处理日期"),
            objections: fields.text("objections"),
            upheld: fields.checked("upheld"),
        }),
        ActionKind::TownReview | ActionKind::CountyApproval => {
            let d = Decision {
                date: p.date("date", "日期"),
                passed: p.yes_no("passed", "是否通过"),
                opinion: fields.text("opinion"),
            };
            if kind == ActionKind::TownReview {
                Action::TownReview(d)
            } else {
                Action::CountyApproval(d)
            }
        }
        ActionKind::Reject | ActionKind::Rollback => {
            let r = Reasoned {
                date: p.date("date", "日期"),
                reason: fields.text("reason"),
            };
            if r.reason.is_empty() {
                p.errors.insert("reason".into(), "请填写原因".into());
            }
            if kind == ActionKind::Reject {
                Action::Reject(r)
            } else {
                Action::Rollback(r)
            }
        }
        ActionKind::Clue => {
            p.errors
                .insert("action".into(), "请从农户页面登记线索".into());
            Action::Reject(Reasoned {
                date: Date::MIN,
                reason: String::new(),
            })
        }
    };
    p.finish(action)
}

/// The measure form.
pub fn parse_measure(fields: &Fields) -> Result<Measure, FieldErrors> {
    let mut p = Parser {
        fields,
        errors: FieldErrors::new(),
    };
    let kind = p.code::<MeasureType>("kind", true);
    let status = p.code::<MeasureStatus>("status", true);
    let start = p.date("start", "开始日期");
    let end = if fields.get("end").is_empty() {
        None
    } else {
        Some(p.date("end", "结束日期"))
    };
    let measure = Measure {
        kind: kind.unwrap_or(MeasureType::Industry),
        content: fields.text("content"),
        responsible_unit: fields.text("responsible_unit"),
        responsible_person: fields.text("responsible_person"),
        start,
        end,
        funds: p.money("funds", "帮扶资金"),
        status: status.unwrap_or(MeasureStatus::Planned),
        result: fields.text("result"),
        beneficiary: fields.text("beneficiary"),
    };
    p.finish(measure)
}

/// The form fields of a measure, to fill the edit form.
pub fn measure_fields(m: &Measure) -> Fields {
    let mut f = Fields::default();
    f.set("kind", m.kind.code());
    f.set("content", m.content.clone());
    f.set("responsible_unit", m.responsible_unit.clone());
    f.set("responsible_person", m.responsible_person.clone());
    f.set("start", m.start.to_string());
    f.set("end", m.end.map(|d| d.to_string()).unwrap_or_default());
    f.set("funds", m.funds.plain());
    f.set("status", m.status.code());
    f.set("result", m.result.clone());
    f.set("beneficiary", m.beneficiary.clone());
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Fields {
        Fields::from_pairs(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn home_visit_form_becomes_an_action() {
        let mut pairs = vec![
            ("date", "2026-10-02"),
            ("visitors", "张三、李四"),
            ("consent_signed", "on"),
            ("wage_income", "12,000"),
            ("size", "3"),
            ("risk_illness", "on"),
            ("risk_housing", "on"),
        ];
        for item in ChecklistItem::ALL {
            pairs.push((
                Box::leak(checklist_field(*item).into_boxed_str()),
                if *item == ChecklistItem::Housing {
                    "否"
                } else {
                    "是"
                },
            ));
        }
        let a = parse_action(
            ActionKind::HomeVisit,
            CaseKind::Identification,
            &fields(&pairs),
        )
        .expect("valid");
        let Action::HomeVisit(v) = a else {
            panic!("not a visit")
        };
        assert_eq!(v.income.per_capita(), Some(Yuan::from_yuan(4_000)));
        assert_eq!(v.risks, vec![RiskType::Illness, RiskType::Housing]);
        assert_eq!(v.checklist.gaps(), vec![ChecklistItem::Housing]);
        assert!(v.consent_signed);
    }

    #[test]
    fn bad_fields_get_chinese_messages() {
        let errors = parse_action(
            ActionKind::PostNotice,
            CaseKind::Identification,
            &fields(&[("start", "2026-13-01"), ("end", "")]),
        )
        .expect_err("invalid");
        assert!(errors["start"].contains("不是有效日期"), "{errors:?}");
        assert_eq!(errors["end"], "请填写公示结束日期");
        let errors =
            parse_clue(&fields(&[("source", "x"), ("date", "2026-10-01")])).expect_err("invalid");
        assert!(errors["source"].contains("线索来源应为"));
        assert_eq!(errors["reporter"], "请填写报告人");
    }
}
