//! The rural low-income population (POLICY.md §8, docs/LOWINCOME.md): roll entries checked against
//! the yearly standards, the 1.3 × rule between the 特困 and 低保 standards, periodic review dates,
//! the medical three tiers and assistance classes, the pension premium subsidy and the care rosters.

use time::Date;

use crate::division::DivisionCode;
use crate::household::{DisabilityGrade, Health, Labour, Relation, Sex};
use crate::money::Yuan;
use crate::policy::{Policy, PolicyKey};

crate::code_enum!(
    /// The kind of a roll entry.
    RollKind, "救助类型" {
        Dibao = ("dibao", "低保"),
        Tekun = ("tekun", "特困"),
        Temporary = ("temporary", "临时救助"),
        /// 低保边缘家庭: recognised, no monthly amount.
        Marginal = ("marginal", "低保边缘"),
    }
);

crate::code_enum!(
    /// A 特困 person's ability to look after themselves; sets the care allowance.
    CareLevel, "生活自理能力" {
        SelfCare = ("self_care", "全自理"),
        PartCare = ("part_care", "半护理"),
        FullCare = ("full_care", "全护理"),
    }
);

crate::code_enum!(
    /// Where a 特困 person is supported.
    SupportMode, "供养方式" {
        Dispersed = ("dispersed", "分散供养"),
        Centralised = ("centralised", "集中供养"),
    }
);

crate::code_enum!(
    /// Whether a roll entry is still in force.
    RollStatus, "状态" {
        Active = ("active", "在册"),
        Ended = ("ended", "已终止"),
    }
);

crate::code_enum!(
    /// The conclusion of a periodic review.
    ReviewOutcome, "核查结论" {
        Continue = ("continue", "继续享受"),
        /// Needs a new amount, checked like a new entry.
        Adjust = ("adjust", "调整金额"),
        End = ("end", "终止救助"),
    }
);

crate::code_enum!(
    /// The medical-assistance recipient class (POLICY.md §8); lower is more generous.
    AssistanceClass, "医疗救助类别" {
        One = ("1", "一类：特困人员、孤儿"),
        Two = ("2", "二类：低保对象、返贫致贫人口"),
        Three = ("3", "三类：低保边缘家庭成员、监测对象"),
        Four = ("4", "四类：因病致贫重病患者"),
    }
);

crate::code_enum!(
    /// The care rosters.
    CareGroup, "关爱对象类别" {
        LeftBehindChild = ("child", "农村留守儿童"),
        LeftBehindWoman = ("woman", "农村留守妇女"),
        LeftBehindElder = ("elder", "农村留守老人"),
        Disabled = ("disabled", "残疾人"),
    }
);

crate::code_enum!(
    /// A care-roster entry's state: derived by the rules, then confirmed or rejected by the cadre.
    RosterStatus, "核实状态" {
        Derived = ("derived", "待核实"),
        Confirmed = ("confirmed", "已核实"),
        Rejected = ("rejected", "不属实"),
    }
);

crate::code_enum!(
    /// Where a roll entry's next periodic review stands relative to today.
    ReviewState, "核查状态" {
        /// The next review falls after the end of today's calendar month.
        NotDue = ("not_due", "未到期"),
        /// The next review falls between today and the end of today's calendar month (inclusive).
        DueThisMonth = ("due_this_month", "本月到期"),
        /// The next review date is before today.
        Overdue = ("overdue", "已逾期"),
    }
);

crate::code_enum!(
    /// Why a person's lowest pension premium is paid for them; the first that applies is reported.
    PremiumGroup, "代缴类别" {
        Tekun = ("tekun", "特困人员"),
        Dibao = ("dibao", "低保对象"),
        Monitored = ("monitored", "监测对象"),
        SevereDisability = ("severe_disability", "一级二级重度残疾人"),
    }
);

/// The standards in force for one region and year (from the policy table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Standards {
    pub year: i32,
    /// 低保标准, per person per month.
    pub dibao: Yuan,
    /// 特困人员基本生活标准, per person per month.
    pub tekun: Yuan,
    /// 照料护理补贴 per month, by care level.
    pub care_self: Yuan,
    pub care_part: Yuan,
    pub care_full: Yuan,
    /// ×10^4 (13000 = 1.3): the 特困 standard is at least this many times the 低保 standard.
    pub tekun_min_ratio: i64,
}

impl Standards {
    /// The standards of `year` for a household of `division`.
    pub fn resolve(policy: &Policy, division: &DivisionCode, year: i32) -> Standards {
        let yuan = |k| Yuan::from_fen(policy.value(k, division, year));
        Standards {
            year,
            dibao: yuan(PolicyKey::DibaoStandard),
            tekun: yuan(PolicyKey::TekunStandard),
            care_self: yuan(PolicyKey::CareAllowanceSelf),
            care_part: yuan(PolicyKey::CareAllowancePart),
            care_full: yuan(PolicyKey::CareAllowanceFull),
            tekun_min_ratio: policy.value(PolicyKey::TekunMinRatio, division, year),
        }
    }

    /// The monthly care allowance of a care level.
    pub fn care_allowance(&self, level: CareLevel) -> Yuan {
        match level {
            CareLevel::SelfCare => self.care_self,
            CareLevel::PartCare => self.care_part,
            CareLevel::FullCare => self.care_full,
        }
    }
}

/// The proposed roll entry as typed (web form, API, import row).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RollDraft {
    pub kind: RollKind,
    /// Covered members (低保/低保边缘); 1 for 特困.
    pub covered: usize,
    /// 低保 and 特困: the monthly amount.
    pub monthly_amount: Option<Yuan>,
    /// 特困 only (required).
    pub care_level: Option<CareLevel>,
    /// 特困 only (required).
    pub support_mode: Option<SupportMode>,
    /// 临时救助 only (required): the one-off amount.
    pub amount: Option<Yuan>,
    pub start: Date,
    pub end: Option<Date>,
}

/// One person's medical costs of a calendar year, summed from the medical feed's records.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct MedicalYear {
    pub records: u32,
    /// 医疗总费用.
    pub total: Yuan,
    /// 基本医保支付.
    pub basic: Yuan,
    /// 大病保险支付.
    pub critical: Yuan,
    /// 医疗救助支付.
    pub assistance: Yuan,
    /// 个人自付 (all of it, in and out of the policy scope).
    pub out_of_pocket: Yuan,
    /// 合规自付: the part of the out-of-pocket spending within the policy scope.
    pub eligible: Yuan,
}

/// What decides a person's medical-assistance class.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PersonStatus {
    /// A 特困 member flag or an active 特困 entry for the person.
    pub tekun: bool,
    /// Under 18 with no parent member in the household (an approximation: no death records).
    pub orphan: bool,
    /// A 低保 member flag or an active 低保 entry covering the person.
    pub dibao: bool,
    /// Member of a 监测户 of category 脱贫不稳定户 or 突发严重困难户.
    pub returned_to_poverty: bool,
    /// Covered by an active 低保边缘 entry.
    pub marginal: bool,
    /// Member of a 监测户.
    pub monitored: bool,
    /// Out-of-pocket medical spending of the last 12 months.
    pub oop_12m: Yuan,
    /// The household's 纯收入 of last year; `None` when it has no income record for that year.
    pub household_net_income_last_year: Option<Yuan>,
}

/// One household member as the care-roster rules see them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CareMember<'a> {
    pub id_base: &'a str,
    pub relation: Relation,
    pub sex: Sex,
    pub birth: Date,
    /// 务工时间（月）of the year.
    pub work_months: Option<u8>,
    pub labour: Option<Labour>,
    pub health: Option<Health>,
    pub disability: Option<DisabilityGrade>,
}

/// The numbers of the care-roster rules (policy keys care_child_age, care_elder_age, care_away_months).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CareParams {
    /// A left-behind child is younger than this (16).
    pub child_age: u32,
    /// A left-behind elder is at least this old (60).
    pub elder_age: u32,
    /// Working away at least this many months of the year counts as away (6).
    pub away_months: u8,
}

impl Default for CareParams {
    /// The documented defaults: under 16, 60 and over, 6 months away.
    fn default() -> Self {
        CareParams {
            child_age: 16,
            elder_age: 60,
            away_months: 6,
        }
    }
}

impl CareParams {
    /// The parameters in force for `division` in `year`.
    pub fn resolve(policy: &Policy, division: &DivisionCode, year: i32) -> CareParams {
        let v = |k| policy.value(k, division, year);
        CareParams {
            child_age: u32::try_from(v(PolicyKey::CareChildAge)).unwrap_or(0),
            elder_age: u32::try_from(v(PolicyKey::CareElderAge)).unwrap_or(u32::MAX),
            away_months: u8::try_from(v(PolicyKey::CareAwayMonths)).unwrap_or(u8::MAX),
        }
    }
}
