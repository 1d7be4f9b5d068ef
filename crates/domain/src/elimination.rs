//! May a monitored household's risk be marked eliminated (POLICY.md §5)? [`eligibility`] answers with
//! every condition, met or not, so the screen can say exactly why not.

use time::Date;

use crate::assistance::{Measure, MeasureType};
use crate::household::Member;
use crate::money::Yuan;
use crate::policy::{Rules, add_months};
use crate::risk::Checklist;

/// A per-capita income figure found on a given date (home visits, helpers' follow-up checks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct IncomeCheck {
    pub date: Date,
    pub per_capita: Yuan,
}

/// Everything the decision looks at.
#[derive(Debug, Clone, Copy)]
pub struct EligibilityInput<'a> {
    pub today: Date,
    /// The day the county approved the identification.
    pub identified_on: Date,
    pub measures: &'a [Measure],
    /// In any order.
    pub income_checks: &'a [IncomeCheck],
    /// The latest home visit's 两不愁三保障 + water answers.
    pub checklist: Option<Checklist>,
    pub members: &'a [Member],
    /// Resolved for the household's village and `today`'s year.
    pub rules: Rules,
}

/// One condition of elimination.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Condition {
    pub met: bool,
    pub label: &'static str,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Eligibility {
    pub conditions: Vec<Condition>,
}

impl Eligibility {
    pub fn allowed(&self) -> bool {
        self.conditions.iter().all(|c| c.met)
    }

    /// The unmet conditions' details, for a refusal message.
    pub fn reasons(&self) -> Vec<String> {
        self.conditions
            .iter()
            .filter(|c| !c.met)
            .map(|c| format!("{}：{}", c.label, c.detail))
            .collect()
    }
}

/// Every member's labour capacity is known and none is capable (整户无劳动能力).
pub fn has_no_labour(members: &[Member]) -> bool {
    !members.is_empty()
        && members
            .iter()
            .all(|m| m.labour.is_some_and(|l| !l.is_capable()))
}

pub fn eligibility(input: &EligibilityInput<'_>) -> Eligibility {
    let r = &input.rules;
    let mut conditions = Vec::new();

    let monitored_until = add_months(input.identified_on, r.elimination_monitored_months);
    conditions.push(Condition {
        met: input.today >= monitored_until,
        label: "监测时间",
        detail: format!(
            "{} 纳入监测，满{}个月为 {monitored_until}",
            input.identified_on, r.elimination_monitored_months
        ),
    });

    let implemented = input
        .measures
        .iter()
        .filter(|m| m.status.is_implemented() && m.start <= input.today)
        .count();
    conditions.push(Condition {
        met: implemented > 0,
        label: "帮扶措施",
        detail: if implemented > 0 {
            format!("已落实 {implemented} 项帮扶措施")
        } else {
            "尚无已落实（实施中或已完成）的帮扶措施".to_string()
        },
    });

    conditions.push(income_condition(input));

    conditions.push(match input.checklist {
        None => Condition {
            met: false,
            label: "三保障和饮水安全",
            detail: "尚无入户核实记录".to_string(),
        },
        Some(c) => {
            let gaps = c.gaps();
            Condition {
                met: gaps.is_empty(),
                label: "三保障和饮水安全",
                detail: if gaps.is_empty() {
                    "最近一次入户核实均有保障".to_string()
                } else {
                    let names: Vec<&str> =
                        gaps.iter().map(|g| crate::CodeEnum::label(*g)).collect();
                    format!("未保障：{}", names.join("、"))
                },
            }
        }
    });

    let social_security = input
        .measures
        .iter()
        .any(|m| m.kind == MeasureType::SocialSecurity && m.status.is_implemented());
    let no_labour = has_no_labour(input.members);
    conditions.push(Condition {
        met: !(no_labour && social_security),
        label: "兜底保障户",
        detail: if no_labour && social_security {
            "整户无劳动能力、由综合保障兜底的，不标注风险消除，继续监测".to_string()
        } else if no_labour {
            "整户无劳动能力，尚无综合保障措施".to_string()
        } else {
            "非整户无劳动能力兜底保障户".to_string()
        },
    });

    Eligibility { conditions }
}

/// Income stably above the line: the latest check is above the current line, and the unbroken run
/// of checks above it began at least the stable period ago.
fn income_condition(input: &EligibilityInput<'_>) -> Condition {
    let r = &input.rules;
    let line = r.monitoring_line;
    let mut checks: Vec<IncomeCheck> = input
        .income_checks
        .iter()
        .copied()
        .filter(|c| c.date <= input.today)
        .collect();
    checks.sort_by_key(|c| c.date);
    let label = "收入稳定";
    let Some(latest) = checks.last() else {
        return Condition {
            met: false,
            label,
            detail: "尚无收入核实记录".to_string(),
        };
    };
    if latest.per_capita <= line {
        return Condition {
            met: false,
            label,
            detail: format!(
                "{} 核实人均纯收入 {}，未高于监测范围 {line}",
                latest.date, latest.per_capita
            ),
        };
    }
    let since = checks
        .iter()
        .rev()
        .take_while(|c| c.per_capita > line)
        .last()
        .map_or(latest.date, |c| c.date);
    let stable_until = add_months(since, r.elimination_stable_months);
    Condition {
        met: input.today >= stable_until,
        label,
        detail: format!(
            "自 {since} 起人均纯收入高于监测范围 {line}（最近 {}：{}），满{}个月为 {stable_until}",
            latest.date, latest.per_capita, r.elimination_stable_months
        ),
    }
}
