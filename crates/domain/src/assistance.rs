//! Assistance measures (POLICY.md §4): their types and states, the checks on one measure, the
//! one-month rule and the consistency checks between risks, measures and members.

use time::Date;

use crate::codes::CodeEnum;
use crate::household::Member;
use crate::money::Yuan;
use crate::policy::add_months;
use crate::risk::RiskType;

crate::code_enum!(
    MeasureType, "帮扶措施类型" {
        Industry = ("industry", "产业帮扶"),
        Employment = ("employment", "就业帮扶"),
        PublicWelfareJob = ("public_welfare_job", "公益岗位帮扶", ["公益性岗位"]),
        Credit = ("credit", "金融帮扶"),
        Health = ("health", "健康帮扶"),
        Education = ("education", "教育帮扶"),
        CompulsoryEducation = ("compulsory_education", "义务教育保障"),
        HousingSafety = ("housing_safety", "住房安全保障"),
        WaterSafety = ("water_safety", "饮水安全保障"),
        SocialSecurity = ("social_security", "综合保障", ["兜底保障"]),
        SocialAid = ("social_aid", "社会帮扶"),
        Relocation = ("relocation", "搬迁"),
        LivingConditions = ("living_conditions", "生产生活条件改善"),
        Infrastructure = ("infrastructure", "基础设施建设"),
    }
);

crate::code_enum!(
    MeasureStatus, "措施状态" {
        Planned = ("planned", "计划中"),
        InProgress = ("in_progress", "实施中"),
        Completed = ("completed", "已完成"),
        Cancelled = ("cancelled", "已取消"),
    }
);

impl MeasureStatus {
    /// Counts as an implemented measure (落实) for the one-month rule and for elimination.
    pub fn is_implemented(self) -> bool {
        matches!(self, MeasureStatus::InProgress | MeasureStatus::Completed)
    }
}

/// One assistance measure of a household.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Measure {
    pub kind: MeasureType,
    pub content: String,
    pub responsible_unit: String,
    pub responsible_person: String,
    pub start: Date,
    pub end: Option<Date>,
    pub funds: Yuan,
    pub status: MeasureStatus,
    pub result: String,
    /// The member the measure is for (a public-welfare post, a student), by name; empty = household.
    pub beneficiary: String,
}

impl Measure {
    /// Field-by-field problems, as (field, Chinese message).
    pub fn check(&self, today: Date) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if self.content.trim().is_empty() {
            out.push(("content", "请填写帮扶内容".to_string()));
        }
        if self.responsible_unit.trim().is_empty() {
            out.push(("responsible_unit", "请填写责任单位".to_string()));
        }
        if self.responsible_person.trim().is_empty() {
            out.push(("responsible_person", "请填写责任人".to_string()));
        }
        if self.funds < Yuan::ZERO {
            out.push(("funds", "帮扶资金不能为负数".to_string()));
        }
        if let Some(end) = self.end
            && end < self.start
        {
            out.push((
                "end",
                format!("结束日期 {end} 不能早于开始日期 {}", self.start),
            ));
        }
        if self.status.is_implemented() && self.start > today {
            out.push((
                "start",
                format!("开始日期 {} 晚于今天，状态应为「计划中」", self.start),
            ));
        }
        if self.status == MeasureStatus::Completed {
            if self.end.is_none() {
                out.push(("end", "已完成的措施请填写结束日期".to_string()));
            }
            if self.result.trim().is_empty() {
                out.push(("result", "已完成的措施请填写帮扶成效".to_string()));
            }
        }
        out
    }
}

/// The one-month rule: the date by which a measure must be implemented, and whether it is late.
pub fn measure_due(identified_on: Date, months: u32) -> Date {
    add_months(identified_on, months)
}

/// True when the household has had no implemented measure starting by the due date and the due date
/// has passed.
pub fn measure_overdue(
    identified_on: Date,
    months: u32,
    measures: &[Measure],
    today: Date,
) -> bool {
    let due = measure_due(identified_on, months);
    today > due
        && !measures
            .iter()
            .any(|m| m.status.is_implemented() && m.start <= due)
}

/// Which measure types answer a risk type (POLICY.md §4 consistency rules).
fn answers(risk: RiskType) -> &'static [MeasureType] {
    use MeasureType as M;
    match risk {
        RiskType::Illness => &[M::Health, M::SocialAid],
        RiskType::Schooling => &[M::CompulsoryEducation, M::Education, M::SocialAid],
        RiskType::Disability => &[M::SocialSecurity, M::SocialAid],
        RiskType::Housing => &[M::HousingSafety, M::Relocation],
        RiskType::DrinkingWater => &[M::WaterSafety],
        _ => &[],
    }
}

/// Data-quality warnings for a monitored household (shown on the household page, never blocking).
pub fn consistency_warnings(
    risks: &[RiskType],
    measures: &[Measure],
    members: &[Member],
    today: Date,
) -> Vec<String> {
    let mut out = Vec::new();
    let live: Vec<&Measure> = measures
        .iter()
        .filter(|m| m.status != MeasureStatus::Cancelled)
        .collect();
    for &risk in risks {
        let wanted = answers(risk);
        if !wanted.is_empty() && !live.iter().any(|m| wanted.contains(&m.kind)) {
            let names: Vec<&str> = wanted.iter().map(|w| w.label()).collect();
            out.push(format!(
                "风险类型为「{risk}」，但没有{}措施",
                names.join("、")
            ));
        }
    }
    let labour_known: Vec<bool> = members
        .iter()
        .filter_map(|m| m.labour.map(|l| l.is_capable()))
        .collect();
    let all_capable = !members.is_empty()
        && labour_known.len() == members.len()
        && labour_known.iter().all(|c| *c);
    let any_capable = labour_known.iter().any(|c| *c);
    if risks.contains(&RiskType::LackOfLabour) && all_capable {
        out.push("风险类型为「缺劳动力」，但家庭成员均有劳动能力".to_string());
    }
    if any_capable && !live.is_empty() && live.iter().all(|m| m.kind == MeasureType::SocialSecurity)
    {
        out.push(
            "有劳动能力的家庭不应只有综合保障（兜底）措施，应落实产业、就业等开发式帮扶"
                .to_string(),
        );
    }
    let mut posts: Vec<(&str, usize)> = Vec::new();
    for m in live
        .iter()
        .filter(|m| m.kind == MeasureType::PublicWelfareJob)
    {
        let name = m.beneficiary.trim();
        if name.is_empty() {
            continue;
        }
        match posts.iter_mut().find(|(n, _)| *n == name) {
            Some((_, count)) => *count += 1,
            None => posts.push((name, 1)),
        }
        if let Some(member) = members.iter().find(|p| p.name == name) {
            let age = member.age_on(today);
            if !(16..70).contains(&age) {
                out.push(format!(
                    "公益性岗位人员{name}现年 {age} 岁，应年满16周岁且未满70周岁"
                ));
            }
        }
    }
    for (name, count) in posts {
        if count > 2 {
            out.push(format!("{name}同时在 {count} 个公益性岗位，最多2个"));
        }
    }
    out
}
