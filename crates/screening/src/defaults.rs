//! The default rule set of SCREENING.md, shipped as data: each rule is the SQL expression an admin
//! sees and may edit; the parameters are the policy table's (by region and year).

use zhenxing_domain::risk::RiskType;

/// A rule as stored and shown.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RuleDef {
    pub id: String,
    pub name: String,
    pub risk_type: RiskType,
    pub expression: String,
    pub enabled: bool,
}

/// (id, 中文名, risk type, expression), in the order of SCREENING.md.
pub const DEFAULT_RULES: &[(&str, &str, RiskType, &str)] = &[
    (
        "medical_burden",
        "医疗费用负担重",
        RiskType::Illness,
        "medical_oop_12m > CASE WHEN exited OR monitored THEN medical_share_exited ELSE medical_share_ordinary END * prev_rural_income_pc",
    ),
    (
        "medical_stay",
        "单次住院自付高",
        RiskType::Illness,
        "stay_oop_max > CASE WHEN exited OR monitored THEN stay_oop_exited ELSE stay_oop_ordinary END",
    ),
    (
        "new_disability",
        "新增残疾或等级加重",
        RiskType::Disability,
        "disability_new",
    ),
    (
        "dropout",
        "义务教育疑似辍学",
        RiskType::Schooling,
        "dropout",
    ),
    (
        "education_cost",
        "非义务教育费用高",
        RiskType::Schooling,
        "upper_school_fees_max > education_oop",
    ),
    (
        "unsafe_house",
        "房屋鉴定为危房",
        RiskType::Housing,
        "house_unsafe",
    ),
    (
        "labour_loss",
        "主要劳动力死亡或伤残",
        RiskType::Accident,
        "labour_loss",
    ),
    (
        "new_assistance",
        "新纳入社会救助",
        RiskType::Other,
        "civil_new AND NOT monitored",
    ),
    (
        "disaster_loss",
        "灾害损失大",
        RiskType::Disaster,
        "disaster_loss_max > disaster_loss_min OR disaster_loss_max > disaster_loss_share * net_income_latest",
    ),
    (
        "unemployment",
        "失业且收入低",
        RiskType::UnstableEmployment,
        "unemployed AND income_pc_latest < unemployment_income_factor * monitoring_line",
    ),
    (
        "income_below_line",
        "人均纯收入低于监测范围",
        RiskType::Other,
        "income_pc_latest < monitoring_line AND NOT monitored",
    ),
    (
        "income_drop",
        "收入骤减",
        RiskType::Other,
        "income_pc_latest < (1 - income_drop_share) * income_pc_previous AND income_pc_latest < income_drop_factor * monitoring_line",
    ),
    (
        "water_cut",
        "断水时间长",
        RiskType::DrinkingWater,
        "water_cut_days_max > water_cut_days",
    ),
];

pub fn default_rules() -> Vec<RuleDef> {
    DEFAULT_RULES
        .iter()
        .map(|(id, name, risk, expr)| RuleDef {
            id: (*id).to_string(),
            name: (*name).to_string(),
            risk_type: *risk,
            expression: (*expr).to_string(),
            enabled: true,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_rule_compiles() {
        for r in default_rules() {
            crate::rule::compile(&r.expression)
                .unwrap_or_else(|e| panic!("{}: {}", r.id, e.message));
        }
    }
}
