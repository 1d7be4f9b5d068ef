//! Policy numbers as data (POLICY.md §1–§5): every line, deadline and minimum is a value keyed by
//! region and effective year. The most specific region wins; within it, the latest year not after the
//! year asked for. The built-in defaults are national (region `None`) and marked as defaults so the
//! screens can say so until an administrator enters the province's own numbers.

use time::{Date, Month};

use crate::codes::CodeEnum;
use crate::division::DivisionCode;
use crate::money::Yuan;

crate::code_enum!(
    /// The policy parameters of the monitoring mechanism.
    PolicyKey, "政策参数" {
        MonitoringLine = ("monitoring_line", "防止返贫监测范围（人均纯收入）"),
        NoticeDays = ("notice_days", "公示天数"),
        IdentificationDays = ("identification_days", "识别办结时限"),
        HomeVisitDays = ("home_visit_days", "入户核实时限"),
        MeasureMonths = ("measure_months", "落实帮扶措施时限"),
        EliminationMonitoredMonths = ("elimination_monitored_months", "风险消除前最短监测期"),
        EliminationStableMonths = ("elimination_stable_months", "风险消除前收入稳定期"),
        // Parameters of the default screening rules (SCREENING.md), same names as `--set NAME=VALUE`.
        PrevRuralIncomePc = ("prev_rural_income_pc", "上年全省农村居民人均可支配收入"),
        MedicalShareExited = ("medical_share_exited", "医疗自付预警比例（脱贫户、监测户）"),
        MedicalShareOrdinary = ("medical_share_ordinary", "医疗自付预警比例（一般农户）"),
        StayOopExited = ("stay_oop_exited", "单次住院自付预警线（脱贫户、监测户）"),
        StayOopOrdinary = ("stay_oop_ordinary", "单次住院自付预警线（一般农户）"),
        EducationOop = ("education_oop", "非义务教育学年自付预警线"),
        DisasterLossMin = ("disaster_loss_min", "灾害损失预警线"),
        DisasterLossShare = ("disaster_loss_share", "灾害损失占纯收入预警比例"),
        UnemploymentIncomeFactor = ("unemployment_income_factor", "失业预警收入倍数（×监测范围）"),
        IncomeDropShare = ("income_drop_share", "收入骤减比例"),
        IncomeDropFactor = ("income_drop_factor", "收入骤减预警收入倍数（×监测范围）"),
        WaterCutDays = ("water_cut_days", "断水预警天数"),
        // The rural low-income population (LOWINCOME.md): standards, review intervals, medical
        // alerts, the pension premium subsidy and the care rosters.
        DibaoStandard = ("dibao_standard", "农村低保标准（每人每月）"),
        TekunStandard = ("tekun_standard", "特困人员基本生活标准（每人每月）"),
        TekunMinRatio = ("tekun_min_ratio", "特困标准不低于低保标准的倍数"),
        CareAllowanceSelf = ("care_allowance_self", "特困全自理照料护理补贴（每月）"),
        CareAllowancePart = ("care_allowance_part", "特困半护理照料护理补贴（每月）"),
        CareAllowanceFull = ("care_allowance_full", "特困全护理照料护理补贴（每月）"),
        DibaoReviewMonths = ("dibao_review_months", "低保定期核查间隔"),
        TekunReviewMonths = ("tekun_review_months", "特困定期核查间隔"),
        MarginalReviewMonths = ("marginal_review_months", "低保边缘定期核查间隔"),
        PensionLowestTier = ("pension_lowest_tier", "城乡居民养老保险最低缴费档次（每年）"),
        PensionSubsidyShare = ("pension_subsidy_share", "代缴比例"),
        MedicalRatioAlert = ("medical_ratio_alert", "政策范围内自付比例关注线"),
        MedicalOopAlert = ("medical_oop_alert", "年度个人自付关注线"),
        SeriousIllnessIncomeShare = ("serious_illness_income_share", "因病致贫重病患者认定（自付占上年家庭纯收入比例）"),
        CareChildAge = ("care_child_age", "留守儿童年龄上限（不满）"),
        CareElderAge = ("care_elder_age", "留守老人年龄下限"),
        CareAwayMonths = ("care_away_months", "外出务工认定月数"),
    }
);

/// Ratios are stored in ten-thousandths: 0.5 → 5000.
pub const RATIO_SCALE: i64 = 10_000;

/// How a value is written and shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyUnit {
    /// Stored in fen, shown in yuan.
    Yuan,
    Days,
    Months,
    /// A share or factor, stored in ten-thousandths ([`RATIO_SCALE`]).
    Ratio,
    /// An age in whole years, shown as `16 岁`.
    Years,
}

/// Which part of the system a policy value belongs to, for grouping them on the policy pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyGroup {
    /// The monitoring mechanism: line, notice, deadlines, elimination minimums.
    Monitoring,
    /// Parameters of the default department screening rules.
    Screening,
    /// The rural low-income population: standards, reviews, medical, pension premiums, care rosters.
    LowIncome,
}

impl PolicyGroup {
    pub fn label(self) -> &'static str {
        match self {
            PolicyGroup::Monitoring => "防止返贫监测",
            PolicyGroup::Screening => "部门筛查预警",
            PolicyGroup::LowIncome => "农村低收入人口",
        }
    }
}

impl PolicyKey {
    pub fn unit(self) -> PolicyUnit {
        match self {
            PolicyKey::MonitoringLine => PolicyUnit::Yuan,
            PolicyKey::NoticeDays | PolicyKey::IdentificationDays | PolicyKey::HomeVisitDays => {
                PolicyUnit::Days
            }
            PolicyKey::MeasureMonths
            | PolicyKey::EliminationMonitoredMonths
            | PolicyKey::EliminationStableMonths => PolicyUnit::Months,
            PolicyKey::PrevRuralIncomePc
            | PolicyKey::StayOopExited
            | PolicyKey::StayOopOrdinary
            | PolicyKey::EducationOop
            | PolicyKey::DisasterLossMin => PolicyUnit::Yuan,
            PolicyKey::WaterCutDays => PolicyUnit::Days,
            PolicyKey::MedicalShareExited
            | PolicyKey::MedicalShareOrdinary
            | PolicyKey::DisasterLossShare
            | PolicyKey::UnemploymentIncomeFactor
            | PolicyKey::IncomeDropShare
            | PolicyKey::IncomeDropFactor => PolicyUnit::Ratio,
            PolicyKey::DibaoStandard
            | PolicyKey::TekunStandard
            | PolicyKey::CareAllowanceSelf
            | PolicyKey::CareAllowancePart
            | PolicyKey::CareAllowanceFull
            | PolicyKey::PensionLowestTier
            | PolicyKey::MedicalOopAlert => PolicyUnit::Yuan,
            PolicyKey::TekunMinRatio
            | PolicyKey::PensionSubsidyShare
            | PolicyKey::MedicalRatioAlert
            | PolicyKey::SeriousIllnessIncomeShare => PolicyUnit::Ratio,
            PolicyKey::DibaoReviewMonths
            | PolicyKey::TekunReviewMonths
            | PolicyKey::MarginalReviewMonths
            | PolicyKey::CareAwayMonths => PolicyUnit::Months,
            PolicyKey::CareChildAge | PolicyKey::CareElderAge => PolicyUnit::Years,
        }
    }

    /// The part of the system the value belongs to.
    pub fn group(self) -> PolicyGroup {
        match self {
            PolicyKey::MonitoringLine
            | PolicyKey::NoticeDays
            | PolicyKey::IdentificationDays
            | PolicyKey::HomeVisitDays
            | PolicyKey::MeasureMonths
            | PolicyKey::EliminationMonitoredMonths
            | PolicyKey::EliminationStableMonths => PolicyGroup::Monitoring,
            PolicyKey::PrevRuralIncomePc
            | PolicyKey::MedicalShareExited
            | PolicyKey::MedicalShareOrdinary
            | PolicyKey::StayOopExited
            | PolicyKey::StayOopOrdinary
            | PolicyKey::EducationOop
            | PolicyKey::DisasterLossMin
            | PolicyKey::DisasterLossShare
            | PolicyKey::UnemploymentIncomeFactor
            | PolicyKey::IncomeDropShare
            | PolicyKey::IncomeDropFactor
            | PolicyKey::WaterCutDays => PolicyGroup::Screening,
            PolicyKey::DibaoStandard
            | PolicyKey::TekunStandard
            | PolicyKey::TekunMinRatio
            | PolicyKey::CareAllowanceSelf
            | PolicyKey::CareAllowancePart
            | PolicyKey::CareAllowanceFull
            | PolicyKey::DibaoReviewMonths
            | PolicyKey::TekunReviewMonths
            | PolicyKey::MarginalReviewMonths
            | PolicyKey::PensionLowestTier
            | PolicyKey::PensionSubsidyShare
            | PolicyKey::MedicalRatioAlert
            | PolicyKey::MedicalOopAlert
            | PolicyKey::SeriousIllnessIncomeShare
            | PolicyKey::CareChildAge
            | PolicyKey::CareElderAge
            | PolicyKey::CareAwayMonths => PolicyGroup::LowIncome,
        }
    }

    /// May a screening rule name this value (`--set NAME=VALUE`, rule expressions)? The screening
    /// group, plus the monitoring line, which the default rules compare incomes with.
    pub fn is_screening(self) -> bool {
        self.group() == PolicyGroup::Screening || self == PolicyKey::MonitoringLine
    }

    /// Where the rule comes from, shown next to the value.
    pub fn basis(self) -> &'static str {
        match self {
            PolicyKey::MonitoringLine => {
                "省级每年确定；默认 7,000 元为占位值（POLICY.md §1），请按本省文件修改"
            }
            PolicyKey::NoticeDays => "村内公示不少于5天（POLICY.md §2）",
            PolicyKey::IdentificationDays => "从发现线索到县级审定不超过15天（POLICY.md §2）",
            PolicyKey::HomeVisitDays => "地方做法：3天内入户核实（POLICY.md §2，待确认）",
            PolicyKey::MeasureMonths => "纳入监测后1个月内落实帮扶措施（POLICY.md §2）",
            PolicyKey::EliminationMonitoredMonths => {
                "纳入监测满6个月方可标注风险消除（POLICY.md §5）"
            }
            PolicyKey::EliminationStableMonths => "收入持续稳定6个月以上（POLICY.md §5）",
            PolicyKey::DibaoStandard => {
                "县级以上人民政府按年确定并公布；本地标准未查到，默认 600 元为占位值（POLICY.md §8），请按本地文件修改"
            }
            PolicyKey::TekunStandard => {
                "不低于当地低保标准的1.3倍（POLICY.md §8）；默认 780 元 = 1.3 × 低保占位值 600 元，请按本地文件修改"
            }
            PolicyKey::TekunMinRatio => {
                "特困人员基本生活标准不低于低保标准的1.3倍（POLICY.md §8）；地方可提高，不可降低"
            }
            PolicyKey::CareAllowanceSelf
            | PolicyKey::CareAllowancePart
            | PolicyKey::CareAllowanceFull => {
                "特困人员照料护理补贴按生活自理能力分档；默认值为占位值（POLICY.md §8），请按本地文件修改"
            }
            PolicyKey::DibaoReviewMonths
            | PolicyKey::TekunReviewMonths
            | PolicyKey::MarginalReviewMonths => {
                "定期核查间隔；默认每年一次为占位值，请按本地文件修改"
            }
            PolicyKey::PensionLowestTier => {
                "为困难群体代缴城乡居民养老保险最低缴费档次（POLICY.md §8）；默认 200 元为占位值，请按本地文件修改"
            }
            PolicyKey::PensionSubsidyShare => {
                "政府代缴部分或全部最低档次保费（POLICY.md §8）；默认全额代缴（1）为占位值"
            }
            PolicyKey::MedicalRatioAlert | PolicyKey::MedicalOopAlert => {
                "三重保障后控制政策范围内个人自付（POLICY.md §8）；关注线为本系统设定的占位值"
            }
            PolicyKey::SeriousIllnessIncomeShare => {
                "医疗救助四类对象：12个月内个人自付超过上年家庭纯收入的一定比例（POLICY.md §8）；默认 0.5 为占位值"
            }
            PolicyKey::CareChildAge => {
                "父母双方外出务工或一方外出务工另一方无监护能力、不满16周岁的未成年人（国发〔2016〕13号）"
            }
            PolicyKey::CareElderAge => {
                "子女外出务工半年以上、留在农村生活的60周岁及以上老年人（民发〔2017〕193号）"
            }
            PolicyKey::CareAwayMonths => {
                "外出务工半年以上视为外出（民发〔2017〕193号）；按年度务工月数认定，请按本地做法修改"
            }
            _ => "部门筛查预警规则参数；默认值为占位值（SCREENING.md），请按地方文件修改",
        }
    }

    /// Allowed range of a value in its stored unit (fen for money), with the reason for the bounds.
    fn bounds(self) -> (i64, i64) {
        match self {
            PolicyKey::MonitoringLine => {
                (Yuan::from_yuan(1_000).fen(), Yuan::from_yuan(100_000).fen())
            }
            // The notice is "at least 5 days" by national rule: a region may lengthen it, not shorten it.
            PolicyKey::NoticeDays => (5, 30),
            PolicyKey::IdentificationDays => (5, 60),
            PolicyKey::HomeVisitDays => (1, 15),
            PolicyKey::MeasureMonths => (1, 12),
            PolicyKey::EliminationMonitoredMonths | PolicyKey::EliminationStableMonths => (6, 36),
            PolicyKey::PrevRuralIncomePc
            | PolicyKey::StayOopExited
            | PolicyKey::StayOopOrdinary
            | PolicyKey::EducationOop
            | PolicyKey::DisasterLossMin => (0, Yuan::from_yuan(10_000_000).fen()),
            PolicyKey::WaterCutDays => (1, 366),
            PolicyKey::MedicalShareExited
            | PolicyKey::MedicalShareOrdinary
            | PolicyKey::DisasterLossShare
            | PolicyKey::IncomeDropShare => (0, 10 * RATIO_SCALE),
            PolicyKey::UnemploymentIncomeFactor | PolicyKey::IncomeDropFactor => {
                (0, 100 * RATIO_SCALE)
            }
            PolicyKey::DibaoStandard
            | PolicyKey::TekunStandard
            | PolicyKey::CareAllowanceSelf
            | PolicyKey::CareAllowancePart
            | PolicyKey::CareAllowanceFull
            | PolicyKey::PensionLowestTier => (0, Yuan::from_yuan(100_000).fen()),
            PolicyKey::MedicalOopAlert => (0, Yuan::from_yuan(10_000_000).fen()),
            // The national floor: 特困 support is at least 1.3 × 低保; a region may raise it only.
            PolicyKey::TekunMinRatio => (TEKUN_MIN_RATIO_FLOOR, 10 * RATIO_SCALE),
            PolicyKey::PensionSubsidyShare | PolicyKey::MedicalRatioAlert => (0, RATIO_SCALE),
            PolicyKey::SeriousIllnessIncomeShare => (0, 10 * RATIO_SCALE),
            PolicyKey::DibaoReviewMonths
            | PolicyKey::TekunReviewMonths
            | PolicyKey::MarginalReviewMonths => (1, 36),
            PolicyKey::CareChildAge => (1, 18),
            PolicyKey::CareElderAge => (50, 80),
            PolicyKey::CareAwayMonths => (1, 12),
        }
    }

    /// Shows a stored value: `7,000.00 元`, `5 天`, `6 个月`.
    pub fn format_value(self, value: i64) -> String {
        match self.unit() {
            PolicyUnit::Yuan => Yuan::from_fen(value).to_string(),
            PolicyUnit::Days => format!("{value} 天"),
            PolicyUnit::Months => format!("{value} 个月"),
            PolicyUnit::Years => format!("{value} 岁"),
            PolicyUnit::Ratio => ratio_text(value),
        }
    }

    /// The value as typed in a form (yuan for money), without the unit.
    pub fn input_value(self, value: i64) -> String {
        match self.unit() {
            PolicyUnit::Yuan => Yuan::from_fen(value).plain(),
            PolicyUnit::Days | PolicyUnit::Months | PolicyUnit::Years => value.to_string(),
            PolicyUnit::Ratio => ratio_text(value),
        }
    }

    /// Parses and range-checks a typed value, with a Chinese reason when it is refused.
    pub fn parse_value(self, text: &str) -> Result<i64, String> {
        let t = text.trim();
        let value = match self.unit() {
            PolicyUnit::Yuan => Yuan::parse(t).map_err(|e| e.to_string())?.fen(),
            PolicyUnit::Days | PolicyUnit::Months | PolicyUnit::Years => {
                t.parse::<i64>().map_err(|_| format!("“{t}”不是整数"))?
            }
            PolicyUnit::Ratio => parse_ratio(t)?,
        };
        let (lo, hi) = self.bounds();
        if value < lo || value > hi {
            let why = match self {
                PolicyKey::NoticeDays => "（公示期不得少于5天）",
                PolicyKey::EliminationMonitoredMonths | PolicyKey::EliminationStableMonths => {
                    "（国家规定不少于6个月）"
                }
                PolicyKey::TekunMinRatio => "（国家规定特困标准不低于低保标准的1.3倍）",
                _ => "",
            };
            return Err(format!(
                "{}应在 {} 至 {} 之间{why}",
                self.label(),
                self.format_value(lo),
                self.format_value(hi)
            ));
        }
        Ok(value)
    }
}

/// `5000` → `0.5`, `15000` → `1.5`, `10000` → `1`.
pub fn ratio_text(value: i64) -> String {
    let sign = if value < 0 { "-" } else { "" };
    let v = value.unsigned_abs();
    let scale = RATIO_SCALE.unsigned_abs();
    let frac = format!("{:04}", v % scale);
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        format!("{sign}{}", v / scale)
    } else {
        format!("{sign}{}.{frac}", v / scale)
    }
}

/// `0.5` → 5000; at most four decimals, never rounded silently.
pub fn parse_ratio(text: &str) -> Result<i64, String> {
    let t = text.trim();
    let bad = || format!("“{t}”不是有效的比例或倍数：应为数字，最多四位小数，如 0.5");
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    if int.is_empty() && frac.is_empty()
        || frac.len() > 4
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    let whole: i64 = if int.is_empty() {
        0
    } else {
        int.parse().map_err(|_| bad())?
    };
    let frac_value: i64 = format!("{frac:0<4}").parse().map_err(|_| bad())?;
    whole
        .checked_mul(RATIO_SCALE)
        .and_then(|w| w.checked_add(frac_value))
        .ok_or_else(bad)
}

/// One value of the policy table.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PolicyValue {
    pub key: PolicyKey,
    /// `None`: national default, applies wherever no region has its own value.
    pub region: Option<DivisionCode>,
    /// Effective from 1 January of this year until a later year's value.
    pub year: i32,
    pub value: i64,
    /// Shipped default, not yet confirmed by an administrator.
    pub is_default: bool,
}

/// The national floor of [`PolicyKey::TekunMinRatio`]: 1.3 (POLICY.md §8).
pub const TEKUN_MIN_RATIO_FLOOR: i64 = 13_000;

/// First year of the transition period: defaults take effect from it.
pub const TRANSITION_START_YEAR: i32 = 2021;

/// The documented defaults (POLICY.md): national, effective from 2021, marked as defaults.
pub fn defaults() -> Vec<PolicyValue> {
    let v = |key, value| PolicyValue {
        key,
        region: None,
        year: TRANSITION_START_YEAR,
        value,
        is_default: true,
    };
    vec![
        v(PolicyKey::MonitoringLine, Yuan::from_yuan(7_000).fen()),
        v(PolicyKey::NoticeDays, 5),
        v(PolicyKey::IdentificationDays, 15),
        v(PolicyKey::HomeVisitDays, 3),
        v(PolicyKey::MeasureMonths, 1),
        v(PolicyKey::EliminationMonitoredMonths, 6),
        v(PolicyKey::EliminationStableMonths, 6),
        v(PolicyKey::PrevRuralIncomePc, Yuan::from_yuan(20_000).fen()),
        v(PolicyKey::MedicalShareExited, RATIO_SCALE / 2),
        v(PolicyKey::MedicalShareOrdinary, RATIO_SCALE),
        v(PolicyKey::StayOopExited, Yuan::from_yuan(6_000).fen()),
        v(PolicyKey::StayOopOrdinary, Yuan::from_yuan(10_000).fen()),
        v(PolicyKey::EducationOop, Yuan::from_yuan(10_000).fen()),
        v(PolicyKey::DisasterLossMin, Yuan::from_yuan(10_000).fen()),
        v(PolicyKey::DisasterLossShare, RATIO_SCALE / 2),
        v(PolicyKey::UnemploymentIncomeFactor, RATIO_SCALE * 3 / 2),
        v(PolicyKey::IncomeDropShare, RATIO_SCALE * 3 / 10),
        v(PolicyKey::IncomeDropFactor, RATIO_SCALE * 2),
        v(PolicyKey::WaterCutDays, 30),
        v(PolicyKey::DibaoStandard, Yuan::from_yuan(600).fen()),
        v(PolicyKey::TekunStandard, Yuan::from_yuan(780).fen()),
        v(PolicyKey::TekunMinRatio, TEKUN_MIN_RATIO_FLOOR),
        v(PolicyKey::CareAllowanceSelf, Yuan::from_yuan(60).fen()),
        v(PolicyKey::CareAllowancePart, Yuan::from_yuan(300).fen()),
        v(PolicyKey::CareAllowanceFull, Yuan::from_yuan(600).fen()),
        v(PolicyKey::DibaoReviewMonths, 12),
        v(PolicyKey::TekunReviewMonths, 12),
        v(PolicyKey::MarginalReviewMonths, 12),
        v(PolicyKey::PensionLowestTier, Yuan::from_yuan(200).fen()),
        v(PolicyKey::PensionSubsidyShare, RATIO_SCALE),
        v(PolicyKey::MedicalRatioAlert, RATIO_SCALE / 10),
        v(PolicyKey::MedicalOopAlert, Yuan::from_yuan(10_000).fen()),
        v(PolicyKey::SeriousIllnessIncomeShare, RATIO_SCALE / 2),
        v(PolicyKey::CareChildAge, 16),
        v(PolicyKey::CareElderAge, 60),
        v(PolicyKey::CareAwayMonths, 6),
    ]
}

/// The whole policy table of a deployment, resolved per division and year.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    values: Vec<PolicyValue>,
}

impl Policy {
    pub fn new(values: Vec<PolicyValue>) -> Self {
        Policy { values }
    }

    /// Only the built-in defaults.
    pub fn defaults() -> Self {
        Policy::new(defaults())
    }

    pub fn values(&self) -> &[PolicyValue] {
        &self.values
    }

    /// The value in force for `division` in `year`: the most specific region that has a value
    /// effective by then, the latest such year within it; the built-in default when the table has none.
    pub fn resolve(&self, key: PolicyKey, division: &DivisionCode, year: i32) -> PolicyValue {
        self.resolve_in(key, Some(division), year)
    }

    /// Like [`Policy::resolve`], for a division or (`None`) for the national level itself, where only
    /// national values apply.
    pub fn resolve_in(
        &self,
        key: PolicyKey,
        division: Option<&DivisionCode>,
        year: i32,
    ) -> PolicyValue {
        let applies = |v: &&PolicyValue| {
            v.key == key
                && v.year <= year
                && match (&v.region, division) {
                    (None, _) => true,
                    (Some(r), Some(d)) => r.contains(d),
                    (Some(_), None) => false,
                }
        };
        let specificity = |v: &PolicyValue| v.region.as_ref().map_or(0, |r| r.as_str().len());
        self.values
            .iter()
            .filter(applies)
            .max_by_key(|v| (specificity(v), v.year))
            .cloned()
            .or_else(|| defaults().into_iter().find(|d| d.key == key))
            .unwrap_or(PolicyValue {
                key,
                region: None,
                year,
                value: 0,
                is_default: true,
            })
    }

    pub fn value(&self, key: PolicyKey, division: &DivisionCode, year: i32) -> i64 {
        self.resolve(key, division, year).value
    }

    pub fn monitoring_line(&self, division: &DivisionCode, year: i32) -> Yuan {
        Yuan::from_fen(self.value(PolicyKey::MonitoringLine, division, year))
    }

    /// The deadlines and minimums in force on `on` for a household of `division`.
    pub fn rules(&self, division: &DivisionCode, on: Date) -> Rules {
        Rules::from_lookup(|k| self.value(k, division, on.year()))
    }
}

impl Rules {
    fn from_lookup(value: impl Fn(PolicyKey) -> i64) -> Rules {
        let n = |k| u32::try_from(value(k)).unwrap_or(0);
        Rules {
            monitoring_line: Yuan::from_fen(value(PolicyKey::MonitoringLine)),
            notice_days: n(PolicyKey::NoticeDays),
            identification_days: n(PolicyKey::IdentificationDays),
            home_visit_days: n(PolicyKey::HomeVisitDays),
            measure_months: n(PolicyKey::MeasureMonths),
            elimination_monitored_months: n(PolicyKey::EliminationMonitoredMonths),
            elimination_stable_months: n(PolicyKey::EliminationStableMonths),
        }
    }
}

/// The numbers one decision needs, resolved from the [`Policy`] for a division and date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    pub monitoring_line: Yuan,
    pub notice_days: u32,
    pub identification_days: u32,
    pub home_visit_days: u32,
    pub measure_months: u32,
    pub elimination_monitored_months: u32,
    pub elimination_stable_months: u32,
}

impl Default for Rules {
    /// The documented defaults, for tests and for a deployment with an empty table.
    fn default() -> Self {
        let table = defaults();
        Rules::from_lookup(|k| table.iter().find(|d| d.key == k).map_or(0, |d| d.value))
    }
}

/// `date` plus `days` calendar days (saturating at the calendar's end).
pub fn add_days(date: Date, days: u32) -> Date {
    date.checked_add(time::Duration::days(i64::from(days)))
        .unwrap_or(Date::MAX)
}

/// `date` plus `months` calendar months; the day is clamped to the month's end (31 Aug + 6 = 28/29 Feb).
pub fn add_months(date: Date, months: u32) -> Date {
    let total =
        i64::from(date.year()) * 12 + i64::from(u8::from(date.month())) - 1 + i64::from(months);
    let Ok(year) = i32::try_from(total.div_euclid(12)) else {
        return Date::MAX;
    };
    let month = u8::try_from(total.rem_euclid(12) + 1)
        .ok()
        .and_then(|m| Month::try_from(m).ok())
        .unwrap_or(Month::December);
    (28..=date.day().max(28))
        .rev()
        .find_map(|day| Date::from_calendar_date(year, month, date.day().min(day)).ok())
        .unwrap_or(Date::MAX)
}

/// `2026年10月`.
pub fn month_label(date: Date) -> String {
    format!("{}年{}月", date.year(), u8::from(date.month()))
}

/// `202610`, the national export's 识别监测时间.
pub fn year_month(date: Date) -> String {
    format!("{}{:02}", date.year(), u8::from(date.month()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn code(s: &str) -> DivisionCode {
        DivisionCode::parse(s).expect("code")
    }

    #[test]
    fn most_specific_region_then_latest_year_wins() {
        let mut values = defaults();
        let line = |region: Option<&str>, year, yuan| PolicyValue {
            key: PolicyKey::MonitoringLine,
            region: region.map(code),
            year,
            value: Yuan::from_yuan(yuan).fen(),
            is_default: false,
        };
        values.push(line(Some("500110"), 2024, 7_300));
        values.push(line(Some("500110"), 2026, 7_900));
        values.push(line(Some("500110120"), 2025, 7_600));
        values.push(line(None, 2026, 8_000));
        let p = Policy::new(values);
        let town = code("500110120201");
        let other_town = code("500110121001");
        assert_eq!(p.monitoring_line(&town, 2023), Yuan::from_yuan(7_000));
        assert_eq!(p.monitoring_line(&town, 2024), Yuan::from_yuan(7_300));
        // The town's own 2025 value beats the county's later 2026 value.
        assert_eq!(p.monitoring_line(&town, 2026), Yuan::from_yuan(7_600));
        assert_eq!(p.monitoring_line(&other_town, 2026), Yuan::from_yuan(7_900));
        assert_eq!(
            p.monitoring_line(&code("510100"), 2026),
            Yuan::from_yuan(8_000)
        );
        assert!(p.resolve(PolicyKey::NoticeDays, &town, 2026).is_default);
    }

    #[test]
    fn empty_table_falls_back_to_documented_defaults() {
        let r = Policy::default().rules(&code("500110120201"), date!(2026 - 10 - 08));
        assert_eq!(r.notice_days, 5);
        assert_eq!(r.identification_days, 15);
        assert_eq!(r.monitoring_line, Yuan::from_yuan(7_000));
        assert_eq!(r, Rules::default());
    }

    #[test]
    fn values_are_range_checked_in_chinese() {
        assert_eq!(PolicyKey::NoticeDays.parse_value("7"), Ok(7));
        let err = PolicyKey::NoticeDays
            .parse_value("4")
            .expect_err("too short");
        assert!(err.contains("不得少于5天"), "{err}");
        assert_eq!(PolicyKey::MonitoringLine.parse_value("7,500"), Ok(750_000));
        assert!(PolicyKey::MonitoringLine.parse_value("abc").is_err());
        assert!(PolicyKey::EliminationStableMonths.parse_value("5").is_err());
    }

    #[test]
    fn ratios_are_exact_decimals() {
        assert_eq!(parse_ratio("0.5"), Ok(5_000));
        assert_eq!(parse_ratio("1.5"), Ok(15_000));
        assert_eq!(parse_ratio(".3"), Ok(3_000));
        assert_eq!(parse_ratio("2"), Ok(20_000));
        assert!(parse_ratio("0.12345").is_err());
        assert!(parse_ratio("-1").is_err());
        assert_eq!(ratio_text(5_000), "0.5");
        assert_eq!(ratio_text(20_000), "2");
        assert_eq!(ratio_text(3_333), "0.3333");
        assert_eq!(PolicyKey::MedicalShareExited.parse_value("0.6"), Ok(6_000));
        assert!(PolicyKey::MedicalShareExited.is_screening());
        assert!(!PolicyKey::NoticeDays.is_screening());
    }

    #[test]
    fn every_key_has_one_default_and_a_group() {
        for key in PolicyKey::ALL {
            let n = defaults().iter().filter(|d| d.key == *key).count();
            assert_eq!(n, 1, "{key:?}");
            let d = Policy::default().resolve(*key, &code("500110120201"), 2026);
            assert!(d.is_default && d.region.is_none(), "{key:?}");
            assert_eq!(d.year, TRANSITION_START_YEAR);
            assert!(
                key.parse_value(&key.input_value(d.value)).is_ok(),
                "{key:?}"
            );
        }
        // The screening rules may name exactly what they could before the low-income keys came.
        let screening: Vec<PolicyKey> = PolicyKey::ALL
            .iter()
            .copied()
            .filter(|k| k.is_screening())
            .collect();
        assert_eq!(screening.len(), 13);
        assert!(screening.contains(&PolicyKey::MonitoringLine));
        assert_eq!(PolicyKey::MonitoringLine.group(), PolicyGroup::Monitoring);
        assert_eq!(PolicyKey::WaterCutDays.group(), PolicyGroup::Screening);
        assert_eq!(PolicyKey::DibaoStandard.group(), PolicyGroup::LowIncome);
        assert!(!PolicyKey::SeriousIllnessIncomeShare.is_screening());
    }

    #[test]
    fn low_income_values_are_shown_and_range_checked() {
        assert_eq!(PolicyKey::CareChildAge.format_value(16), "16 岁");
        assert_eq!(PolicyKey::CareAwayMonths.format_value(6), "6 个月");
        assert_eq!(PolicyKey::DibaoStandard.format_value(60_000), "600.00 元");
        assert_eq!(PolicyKey::TekunMinRatio.format_value(13_000), "1.3");
        let err = PolicyKey::TekunMinRatio
            .parse_value("1.2999")
            .expect_err("below the floor");
        assert!(err.contains("1.3") && err.contains("不低于"), "{err}");
        assert_eq!(PolicyKey::TekunMinRatio.parse_value("1.5"), Ok(15_000));
        assert!(PolicyKey::CareChildAge.parse_value("19").is_err());
        assert_eq!(PolicyKey::CareChildAge.parse_value("18"), Ok(18));
        assert!(PolicyKey::PensionSubsidyShare.parse_value("1.01").is_err());
        assert!(PolicyKey::DibaoReviewMonths.parse_value("0").is_err());
    }

    #[test]
    fn the_national_level_sees_only_national_values() {
        let mut values = defaults();
        values.push(PolicyValue {
            key: PolicyKey::DibaoStandard,
            region: Some(code("500110")),
            year: 2026,
            value: 70_000,
            is_default: false,
        });
        let p = Policy::new(values);
        assert_eq!(
            p.resolve_in(PolicyKey::DibaoStandard, None, 2026).value,
            60_000
        );
        let county = code("500110");
        let in_county = p.resolve_in(PolicyKey::DibaoStandard, Some(&county), 2026);
        assert_eq!(in_county.value, 70_000);
    }

    #[test]
    fn months_are_added_on_the_calendar() {
        assert_eq!(add_months(date!(2026 - 03 - 15), 6), date!(2026 - 09 - 15));
        assert_eq!(add_months(date!(2025 - 08 - 31), 6), date!(2026 - 02 - 28));
        assert_eq!(add_months(date!(2023 - 08 - 31), 6), date!(2024 - 02 - 29));
        assert_eq!(add_months(date!(2026 - 11 - 30), 1), date!(2026 - 12 - 30));
        assert_eq!(add_months(date!(2026 - 12 - 31), 2), date!(2027 - 02 - 28));
        assert_eq!(add_months(date!(2026 - 01 - 31), u32::MAX), Date::MAX);
        assert_eq!(add_days(date!(2026 - 10 - 08), 5), date!(2026 - 10 - 13));
        assert_eq!(year_month(date!(2026 - 10 - 08)), "202610");
        assert_eq!(month_label(date!(2026 - 10 - 08)), "2026年10月");
    }
}
