//! Risk types (POLICY.md §3) and the 两不愁三保障 + drinking-water checklist of a home visit.

crate::code_enum!(
    RiskType, "风险类型" {
        Illness = ("illness", "因病"),
        Schooling = ("schooling", "因学"),
        Disability = ("disability", "因残"),
        Disaster = ("disaster", "因自然灾害", ["因灾"]),
        Accident = ("accident", "因意外事故"),
        BusinessFailure = ("business_failure", "因产业项目失败"),
        UnstableEmployment = ("unstable_employment", "因务工就业不稳"),
        LackOfLabour = ("lack_of_labour", "缺劳动力"),
        Housing = ("housing", "因安全住房"),
        DrinkingWater = ("drinking_water", "因安全饮水"),
        Other = ("other", "其他"),
    }
);

/// At most this many risk types per household, as the national export has columns 风险1–5.
pub const MAX_RISKS: usize = 5;

/// Checks a list of risk types: at least one, at most five, no repeats.
pub fn check_risks(risks: &[RiskType]) -> Result<(), String> {
    if risks.is_empty() {
        return Err("请至少选择一项风险类型".into());
    }
    if risks.len() > MAX_RISKS {
        return Err(format!(
            "风险类型最多 {MAX_RISKS} 项，已选 {} 项",
            risks.len()
        ));
    }
    for (i, r) in risks.iter().enumerate() {
        if risks[..i].contains(r) {
            return Err(format!("风险类型“{r}”重复"));
        }
    }
    Ok(())
}

/// Joins risk labels for notices and lists: `因病、因学`.
pub fn risk_labels(risks: &[RiskType]) -> String {
    risks
        .iter()
        .map(|r| r.label())
        .collect::<Vec<_>>()
        .join("、")
}

use crate::codes::CodeEnum;

crate::code_enum!(
    /// The items of 两不愁三保障 and 饮水安全, each answered "secure" or not on a home visit.
    ChecklistItem, "两不愁三保障" {
        Food = ("food", "不愁吃"),
        Clothing = ("clothing", "不愁穿"),
        Education = ("education", "义务教育有保障"),
        Medical = ("medical", "基本医疗有保障"),
        Housing = ("housing", "住房安全有保障"),
        Water = ("water", "饮水安全有保障"),
    }
);

/// Answers of the checklist; `true` = secure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Checklist {
    pub food: bool,
    pub clothing: bool,
    pub education: bool,
    pub medical: bool,
    pub housing: bool,
    pub water: bool,
}

impl Checklist {
    pub const ALL_SECURE: Checklist = Checklist {
        food: true,
        clothing: true,
        education: true,
        medical: true,
        housing: true,
        water: true,
    };

    pub fn get(&self, item: ChecklistItem) -> bool {
        match item {
            ChecklistItem::Food => self.food,
            ChecklistItem::Clothing => self.clothing,
            ChecklistItem::Education => self.education,
            ChecklistItem::Medical => self.medical,
            ChecklistItem::Housing => self.housing,
            ChecklistItem::Water => self.water,
        }
    }

    pub fn set(&mut self, item: ChecklistItem, secure: bool) {
        match item {
            ChecklistItem::Food => self.food = secure,
            ChecklistItem::Clothing => self.clothing = secure,
            ChecklistItem::Education => self.education = secure,
            ChecklistItem::Medical => self.medical = secure,
            ChecklistItem::Housing => self.housing = secure,
            ChecklistItem::Water => self.water = secure,
        }
    }

    /// The items that are not secure, in checklist order.
    pub fn gaps(&self) -> Vec<ChecklistItem> {
        ChecklistItem::ALL
            .iter()
            .copied()
            .filter(|i| !self.get(*i))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn risks_are_one_to_five_distinct() {
        assert!(check_risks(&[]).is_err());
        assert!(check_risks(&[RiskType::Illness]).is_ok());
        let six = [
            RiskType::Illness,
            RiskType::Schooling,
            RiskType::Disability,
            RiskType::Disaster,
            RiskType::Accident,
            RiskType::Housing,
        ];
        assert!(check_risks(&six[..5]).is_ok());
        assert_eq!(
            check_risks(&six),
            Err("风险类型最多 5 项，已选 6 项".to_string())
        );
        assert_eq!(
            check_risks(&[RiskType::Illness, RiskType::Illness]),
            Err("风险类型“因病”重复".to_string())
        );
        assert_eq!(risk_labels(&six[..2]), "因病、因学");
    }

    #[test]
    fn checklist_gaps_follow_the_checklist_order() {
        let mut c = Checklist::ALL_SECURE;
        assert!(c.gaps().is_empty());
        c.set(ChecklistItem::Water, false);
        c.set(ChecklistItem::Medical, false);
        assert_eq!(c.gaps(), vec![ChecklistItem::Medical, ChecklistItem::Water]);
    }
}
