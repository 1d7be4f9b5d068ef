//! Department feeds (部门数据, SCREENING.md "Feeds"): the nine kinds, their code tables, and one typed
//! record per row. Records name people by the 18-character resident ID (`id_base`, after upgrading
//! 15-digit numbers) and households by 户编号 or the head's ID.

use time::Date;

use crate::household::DisabilityGrade;
use crate::money::Yuan;

crate::code_enum!(
    FeedKind, "部门数据类型" {
        Medical = ("medical", "医保结算", ["医保"]),
        Disability = ("disability", "残疾人变更", ["残联"]),
        Education = ("education", "学籍", ["教育"]),
        Housing = ("housing", "房屋安全鉴定", ["住建"]),
        Police = ("police", "公安事件", ["公安"]),
        Civil = ("civil", "社会救助", ["民政"]),
        Disaster = ("disaster", "灾害损失", ["应急"]),
        Employment = ("employment", "就业", ["人社"]),
        Water = ("water", "供水", ["水利"]),
    }
);

impl FeedKind {
    /// The department that sends it.
    pub fn department(self) -> &'static str {
        match self {
            FeedKind::Medical => "医保",
            FeedKind::Disability => "残联",
            FeedKind::Education => "教育",
            FeedKind::Housing => "住建",
            FeedKind::Police => "公安",
            FeedKind::Civil => "民政",
            FeedKind::Disaster => "应急管理",
            FeedKind::Employment => "人社",
            FeedKind::Water => "水利",
        }
    }
}

crate::code_enum!(VisitType, "就诊类型" {
    Inpatient = ("inpatient", "住院"),
    Outpatient = ("outpatient", "门诊"),
    SpecialOutpatient = ("special_outpatient", "门特", ["门诊特殊疾病", "门慢门特"]),
});

crate::code_enum!(DisabilityChange, "变更类型" {
    New = ("new", "新增"),
    GradeChange = ("grade_change", "等级变更"),
    Cancelled = ("cancelled", "注销"),
});

crate::code_enum!(SchoolStage, "学段" {
    Primary = ("primary", "小学"),
    JuniorHigh = ("junior_high", "初中"),
    SeniorHigh = ("senior_high", "高中"),
    SecondaryVocational = ("secondary_vocational", "中职"),
    HigherVocational = ("higher_vocational", "高职高专"),
    Undergraduate = ("undergraduate", "本科"),
});

impl SchoolStage {
    /// 义务教育: 小学 and 初中.
    pub fn is_compulsory(self) -> bool {
        matches!(self, SchoolStage::Primary | SchoolStage::JuniorHigh)
    }
}

crate::code_enum!(SchoolStatus, "在校状态" {
    InSchool = ("in_school", "在校"),
    SuspectedDropout = ("suspected_dropout", "疑似辍学"),
    Suspended = ("suspended", "休学"),
    Graduated = ("graduated", "毕业"),
});

crate::code_enum!(HouseRating, "鉴定等级" {
    A = ("a", "A", ["A级", "a"]),
    B = ("b", "B", ["B级", "b"]),
    C = ("c", "C", ["C级", "c"]),
    D = ("d", "D", ["D级", "d"]),
});

crate::code_enum!(PoliceEvent, "事件类型" {
    Death = ("death", "死亡"),
    Disability = ("disability", "伤残"),
    SeriousInjury = ("serious_injury", "重伤"),
});

crate::code_enum!(AssistanceProgram, "救助类型" {
    Dibao = ("dibao", "低保"),
    Tekun = ("tekun", "特困"),
    Temporary = ("temporary", "临时救助"),
});

crate::code_enum!(Hazard, "灾害类型" {
    Flood = ("flood", "洪涝"),
    Geological = ("geological", "地质"),
    Drought = ("drought", "旱灾"),
    Biological = ("biological", "生物"),
    Meteorological = ("meteorological", "气象"),
    Earthquake = ("earthquake", "地震"),
    Other = ("other", "其他"),
});

crate::code_enum!(EmploymentStatus, "就业状态" {
    Employed = ("employed", "就业"),
    Unemployed = ("unemployed", "失业"),
});

/// Which household a record is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum HouseholdRef {
    /// 户编号.
    Number(String),
    /// The head's (or any member's) 18-character ID base.
    Person(String),
}

/// One row of a department feed, typed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum FeedRecord {
    Medical {
        person: String,
        date: Date,
        visit_type: VisitType,
        total: Yuan,
        basic_paid: Yuan,
        critical_paid: Yuan,
        assistance_paid: Yuan,
        out_of_pocket: Yuan,
        /// 合规自付; the file's blank means 个人自付.
        eligible_out_of_pocket: Yuan,
    },
    Disability {
        person: String,
        category: String,
        grade: Option<DisabilityGrade>,
        change: DisabilityChange,
        date: Date,
    },
    Education {
        person: String,
        stage: SchoolStage,
        status: SchoolStatus,
        fees: Yuan,
        date: Date,
    },
    Housing {
        household: HouseholdRef,
        rating: HouseRating,
        date: Date,
    },
    Police {
        person: String,
        event: PoliceEvent,
        date: Date,
        cause: String,
    },
    Civil {
        person: String,
        program: AssistanceProgram,
        date: Date,
        amount: Yuan,
    },
    Disaster {
        household: HouseholdRef,
        hazard: Hazard,
        loss: Yuan,
        date: Date,
    },
    Employment {
        person: String,
        status: EmploymentStatus,
        wage: Yuan,
        date: Date,
    },
    Water {
        household_no: String,
        days: u32,
        date: Date,
    },
}

impl FeedRecord {
    pub fn kind(&self) -> FeedKind {
        match self {
            FeedRecord::Medical { .. } => FeedKind::Medical,
            FeedRecord::Disability { .. } => FeedKind::Disability,
            FeedRecord::Education { .. } => FeedKind::Education,
            FeedRecord::Housing { .. } => FeedKind::Housing,
            FeedRecord::Police { .. } => FeedKind::Police,
            FeedRecord::Civil { .. } => FeedKind::Civil,
            FeedRecord::Disaster { .. } => FeedKind::Disaster,
            FeedRecord::Employment { .. } => FeedKind::Employment,
            FeedRecord::Water { .. } => FeedKind::Water,
        }
    }

    pub fn date(&self) -> Date {
        match self {
            FeedRecord::Medical { date, .. }
            | FeedRecord::Disability { date, .. }
            | FeedRecord::Education { date, .. }
            | FeedRecord::Housing { date, .. }
            | FeedRecord::Police { date, .. }
            | FeedRecord::Civil { date, .. }
            | FeedRecord::Disaster { date, .. }
            | FeedRecord::Employment { date, .. }
            | FeedRecord::Water { date, .. } => *date,
        }
    }

    /// Whom the record is about: a person (ID base) or a household reference.
    pub fn subject(&self) -> HouseholdRef {
        match self {
            FeedRecord::Medical { person, .. }
            | FeedRecord::Disability { person, .. }
            | FeedRecord::Education { person, .. }
            | FeedRecord::Police { person, .. }
            | FeedRecord::Civil { person, .. }
            | FeedRecord::Employment { person, .. } => HouseholdRef::Person(person.clone()),
            FeedRecord::Housing { household, .. } | FeedRecord::Disaster { household, .. } => {
                household.clone()
            }
            FeedRecord::Water { household_no, .. } => HouseholdRef::Number(household_no.clone()),
        }
    }
}

/// The medical row's own consistency (SCREENING.md): 总费用 must equal the four parts within 1 yuan,
/// and 合规自付 may not exceed 个人自付. The message names the numbers.
pub fn check_medical(
    total: Yuan,
    basic: Yuan,
    critical: Yuan,
    assistance: Yuan,
    out_of_pocket: Yuan,
    eligible: Yuan,
) -> Result<(), String> {
    let parts = basic + critical + assistance + out_of_pocket;
    let diff = (total - parts).fen().abs();
    if diff > 100 {
        return Err(format!(
            "总费用 {total} 与 基本医保支付+大病保险支付+医疗救助支付+个人自付 = {parts} 相差超过1元"
        ));
    }
    if eligible > out_of_pocket {
        return Err(format!(
            "合规自付 {eligible} 不能大于个人自付 {out_of_pocket}"
        ));
    }
    Ok(())
}

/// A period `YYYY-MM` (the month a feed upload and a screening run are for).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct Period {
    pub year: i32,
    /// 1–12.
    pub month: u8,
}

impl Period {
    /// Parses `2026-03` (also `2026/03`, `202603`).
    pub fn parse(text: &str) -> Result<Period, String> {
        let t = text.trim();
        let digits: String = t.chars().filter(|c| c.is_ascii_digit()).collect();
        let bad = || format!("期间“{t}”无效，应为 年-月，如 2026-03");
        if digits.len() != 6 {
            return Err(bad());
        }
        let year: i32 = digits[..4].parse().map_err(|_| bad())?;
        let month: u8 = digits[4..].parse().map_err(|_| bad())?;
        if !(1..=12).contains(&month) || !(2000..=2100).contains(&year) {
            return Err(bad());
        }
        Ok(Period { year, month })
    }

    /// Months since year 0, for window arithmetic.
    pub fn index(self) -> i32 {
        self.year * 12 + i32::from(self.month) - 1
    }

    pub fn from_index(i: i32) -> Period {
        Period {
            year: i.div_euclid(12),
            month: u8::try_from(i.rem_euclid(12) + 1).unwrap_or(1),
        }
    }

    pub fn of(date: Date) -> Period {
        Period {
            year: date.year(),
            month: u8::from(date.month()),
        }
    }

    /// `n` months earlier (n = 11 gives the start of a 12-month window ending with `self`).
    pub fn minus(self, n: i32) -> Period {
        Period::from_index(self.index() - n)
    }

    pub fn contains(self, date: Date) -> bool {
        Period::of(date) == self
    }

    /// Is `date` in the `months` months ending with this period (this one included)?
    pub fn window_contains(self, months: i32, date: Date) -> bool {
        let i = Period::of(date).index();
        i <= self.index() && i > self.index() - months
    }
}

impl std::fmt::Display for Period {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{:02}", self.year, self.month)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn periods_parse_and_window() {
        let p = Period::parse("2026-03").expect("period");
        assert_eq!(p.to_string(), "2026-03");
        assert_eq!(Period::parse("202603"), Ok(p));
        assert!(Period::parse("2026-13").is_err());
        assert_eq!(p.minus(11).to_string(), "2025-04");
        assert!(p.window_contains(12, date!(2025 - 04 - 01)));
        assert!(!p.window_contains(12, date!(2025 - 03 - 31)));
        assert!(p.window_contains(12, date!(2026 - 03 - 31)));
        assert!(!p.window_contains(12, date!(2026 - 04 - 01)));
        assert!(p.contains(date!(2026 - 03 - 15)));
    }

    #[test]
    fn medical_rows_must_add_up() {
        let y = Yuan::from_yuan;
        assert!(check_medical(y(1000), y(600), y(100), y(0), y(300), y(300)).is_ok());
        // Within one yuan is accepted, beyond is not.
        let one = Yuan::from_fen(100);
        assert!(check_medical(y(1000) + one, y(600), y(100), y(0), y(300), y(200)).is_ok());
        let err = check_medical(y(1002), y(600), y(100), y(0), y(300), y(200)).expect_err("off");
        assert!(err.contains("相差超过1元"), "{err}");
        let err = check_medical(y(1000), y(600), y(100), y(0), y(300), y(301)).expect_err("oop");
        assert!(err.contains("合规自付"), "{err}");
    }
}
