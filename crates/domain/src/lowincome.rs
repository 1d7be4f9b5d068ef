//! The rural low-income population (POLICY.md §8, docs/LOWINCOME.md): roll entries checked against
//! the yearly standards, the 1.3 × rule between the 特困 and 低保 standards, periodic review dates,
//! the medical three tiers and assistance classes, the pension premium subsidy and the care rosters.

use time::Date;

use crate::codes::CodeEnum;
use crate::division::DivisionCode;
use crate::household::{DisabilityGrade, Health, Labour, Relation, Sex, age_on};
use crate::money::Yuan;
use crate::policy::{Policy, PolicyKey, PolicyValue, RATIO_SCALE, add_months, ratio_text};

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
        Standards::resolve_in(policy, Some(division), year)
    }

    /// The standards of `year` at a division or (`None`) at the national level.
    fn resolve_in(policy: &Policy, division: Option<&DivisionCode>, year: i32) -> Standards {
        let value = |k| policy.resolve_in(k, division, year).value;
        let yuan = |k| Yuan::from_fen(value(k));
        Standards {
            year,
            dibao: yuan(PolicyKey::DibaoStandard),
            tekun: yuan(PolicyKey::TekunStandard),
            care_self: yuan(PolicyKey::CareAllowanceSelf),
            care_part: yuan(PolicyKey::CareAllowancePart),
            care_full: yuan(PolicyKey::CareAllowanceFull),
            tekun_min_ratio: value(PolicyKey::TekunMinRatio),
        }
    }

    /// The least 特困 standard the 低保 standard allows: ratio × 低保, rounded up to the fen, so that
    /// "at least the floor" and "at least ratio × 低保" are the same test.
    pub fn tekun_floor(&self) -> Yuan {
        let product = i128::from(self.tekun_min_ratio) * i128::from(self.dibao.fen());
        yuan_of(ceil_div(product, i128::from(RATIO_SCALE)))
    }

    /// Why the 特困 standard is below ratio × the 低保 standard, with the numbers; `None` when it is not.
    pub fn ratio_finding(&self) -> Option<String> {
        let product = i128::from(self.tekun_min_ratio) * i128::from(self.dibao.fen());
        if i128::from(self.tekun.fen()) * i128::from(RATIO_SCALE) >= product {
            return None;
        }
        Some(format!(
            "特困人员基本生活标准 {}低于低保标准 {}的 {} 倍（{}）（{}年）",
            self.tekun,
            self.dibao,
            ratio_text(self.tekun_min_ratio),
            self.tekun_floor(),
            self.year
        ))
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

/// `a / b` rounded towards +∞, for `b > 0`.
fn ceil_div(a: i128, b: i128) -> i128 {
    -(-a).div_euclid(b)
}

/// `a / b` rounded half away from zero, for `b > 0`.
fn div_half_up(a: i128, b: i128) -> i128 {
    let q = a / b;
    let r = a % b;
    if 2 * r.abs() >= b { q + a.signum() } else { q }
}

/// A sum or product in fen back to `Yuan`, saturating at the ends of `i64`.
fn yuan_of(fen: i128) -> Yuan {
    Yuan::from_fen(clamp_i64(fen))
}

fn clamp_i64(v: i128) -> i64 {
    i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX })
}

/// `num / den` ×10^4 rounded half away from zero; `None` when `den ≤ 0`.
fn ratio_of(num: Yuan, den: Yuan) -> Option<i64> {
    let den = i128::from(den.fen());
    (den > 0).then(|| {
        clamp_i64(div_half_up(
            i128::from(num.fen()) * i128::from(RATIO_SCALE),
            den,
        ))
    })
}

fn add_yuan(a: Yuan, b: Yuan) -> Yuan {
    Yuan::from_fen(a.fen().saturating_add(b.fen()))
}

/// Field-level refusals of a proposed roll entry, in Chinese, each stating its numbers. Field names:
/// "monthly_amount", "care_level", "support_mode", "amount", "start", "end", "covered".
pub fn check_draft(
    d: &RollDraft,
    s: &Standards,
    today: Date,
) -> Result<(), Vec<(&'static str, String)>> {
    let mut errors: Vec<(&'static str, String)> = Vec::new();
    let kind = d.kind;
    let not_for = |what: &str, only: &str| format!("{}不填写{what}（仅{only}填写）", kind.label());
    match kind {
        RollKind::Dibao | RollKind::Tekun => {
            if d.monthly_amount.is_none() {
                errors.push(("monthly_amount", format!("{}须填写月救助金", kind.label())));
            }
            if d.amount.is_some() {
                errors.push(("amount", not_for("一次性救助金额", "临时救助")));
            }
        }
        RollKind::Temporary => {
            match d.amount {
                None => errors.push(("amount", "临时救助须填写救助金额".to_string())),
                Some(a) if a.fen() <= 0 => {
                    errors.push(("amount", format!("临时救助金额应大于 0，现为 {a}")));
                }
                Some(_) => {}
            }
            if d.monthly_amount.is_some() {
                errors.push(("monthly_amount", not_for("月救助金", "低保、特困")));
            }
            if let Some(end) = d.end {
                errors.push((
                    "end",
                    format!("临时救助为一次性救助，没有终止日期（填写了 {end}）"),
                ));
            }
        }
        RollKind::Marginal => {
            if d.monthly_amount.is_some() {
                errors.push(("monthly_amount", "低保边缘家庭不发放月救助金".to_string()));
            }
            if d.amount.is_some() {
                errors.push(("amount", not_for("一次性救助金额", "临时救助")));
            }
        }
    }
    if kind == RollKind::Tekun {
        if d.care_level.is_none() {
            errors.push(("care_level", format!("特困人员须选择{}", CareLevel::TITLE)));
        }
        if d.support_mode.is_none() {
            errors.push((
                "support_mode",
                format!("特困人员须选择{}", SupportMode::TITLE),
            ));
        }
        if d.covered != 1 {
            errors.push((
                "covered",
                format!("特困人员按个人认定，应为 1 人，现为 {} 人", d.covered),
            ));
        }
    } else {
        if d.care_level.is_some() {
            errors.push(("care_level", not_for(CareLevel::TITLE, "特困")));
        }
        if d.support_mode.is_some() {
            errors.push(("support_mode", not_for(SupportMode::TITLE, "特困")));
        }
    }
    if kind == RollKind::Dibao && d.covered == 0 {
        errors.push(("covered", "低保至少覆盖 1 名家庭成员".to_string()));
    }
    if d.monthly_amount.is_some()
        && let Some(finding) = amount_finding(kind, d.covered, d.monthly_amount, d.care_level, s)
    {
        errors.push(("monthly_amount", finding));
    }
    if d.start > today {
        errors.push((
            "start",
            format!("开始日期 {} 不能晚于今天（{today}）", d.start),
        ));
    }
    if let Some(end) = d.end
        && end < d.start
    {
        errors.push((
            "end",
            format!("终止日期 {end} 不能早于开始日期 {}", d.start),
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Why the monthly amount of an entry does not fit the standards `s` (possibly of a later year than
/// the entry's start); `None` when it fits. 低保: 0 < amount ≤ covered × 低保标准; 特困: amount ≥ 特困
/// 标准 + the care allowance of the level (the standard alone when the level is unknown). 临时救助 and
/// 低保边缘 have no monthly amount and always fit.
pub fn amount_finding(
    kind: RollKind,
    covered: usize,
    monthly: Option<Yuan>,
    level: Option<CareLevel>,
    s: &Standards,
) -> Option<String> {
    if !matches!(kind, RollKind::Dibao | RollKind::Tekun) {
        return None;
    }
    let Some(amount) = monthly else {
        return Some(format!("{}未填写月救助金", kind.label()));
    };
    if amount.fen() <= 0 {
        return Some(format!("月救助金应大于 0，现为 {amount}"));
    }
    let year = s.year;
    match kind {
        RollKind::Dibao => {
            // A usize times an i64 always fits in i128.
            let limit = i128::try_from(covered)
                .unwrap_or(i128::MAX)
                .saturating_mul(i128::from(s.dibao.fen()));
            (i128::from(amount.fen()) > limit).then(|| {
                format!(
                    "月救助金 {amount}超过 {covered} 人 × 低保标准 {} = {}（{year}年标准）",
                    s.dibao,
                    yuan_of(limit)
                )
            })
        }
        _ => {
            let floor = match level {
                Some(l) => i128::from(s.tekun.fen()) + i128::from(s.care_allowance(l).fen()),
                None => i128::from(s.tekun.fen()),
            };
            (i128::from(amount.fen()) < floor).then(|| match level {
                Some(l) => format!(
                    "月救助金 {amount}低于特困人员基本生活标准 {} + {}照料护理补贴 {} = {}（{year}年标准）",
                    s.tekun,
                    l.label(),
                    s.care_allowance(l),
                    yuan_of(floor)
                ),
                None => format!(
                    "月救助金 {amount}低于特困人员基本生活标准 {}（{year}年标准）",
                    s.tekun
                ),
            })
        }
    }
}

/// The cross-key check run when a policy value is set, on the table as it would be after the change:
/// for the value's region and every region inside it that has a value of its own, at the value's
/// year and every later year at which 低保标准, 特困标准 or the ratio changes, the 特困 standard must be
/// at least ratio × the 低保 standard. Keys other than these three always pass.
pub fn check_standards_change(after: &Policy, value: &PolicyValue) -> Result<(), String> {
    const KEYS: [PolicyKey; 3] = [
        PolicyKey::DibaoStandard,
        PolicyKey::TekunStandard,
        PolicyKey::TekunMinRatio,
    ];
    if !KEYS.contains(&value.key) {
        return Ok(());
    }
    let relevant = || after.values().iter().filter(|v| KEYS.contains(&v.key));
    let mut years: Vec<i32> = relevant()
        .map(|v| v.year)
        .filter(|y| *y >= value.year)
        .chain([value.year])
        .collect();
    years.sort_unstable();
    years.dedup();
    let inside = |r: &DivisionCode| value.region.as_ref().is_none_or(|top| top.contains(r));
    let mut regions: Vec<Option<&DivisionCode>> = vec![value.region.as_ref()];
    for r in relevant().filter_map(|v| v.region.as_ref()) {
        if inside(r) && !regions.contains(&Some(r)) {
            regions.push(Some(r));
        }
    }
    for region in regions {
        for &year in &years {
            if let Some(finding) = Standards::resolve_in(after, region, year).ratio_finding() {
                return Err(match region {
                    Some(r) if Some(r) != value.region.as_ref() => {
                        format!("{finding}（区划 {r} 有本级标准）")
                    }
                    _ => finding,
                });
            }
        }
    }
    Ok(())
}

/// The review interval of a roll kind in months; `None` for 临时救助, which is never reviewed.
pub fn review_interval(
    policy: &Policy,
    division: &DivisionCode,
    year: i32,
    kind: RollKind,
) -> Option<u32> {
    let key = match kind {
        RollKind::Dibao => PolicyKey::DibaoReviewMonths,
        RollKind::Tekun => PolicyKey::TekunReviewMonths,
        RollKind::Marginal => PolicyKey::MarginalReviewMonths,
        RollKind::Temporary => return None,
    };
    let months = policy.value(key, division, year);
    Some(
        u32::try_from(months)
            .unwrap_or(if months < 0 { 1 } else { u32::MAX })
            .max(1),
    )
}

/// The next review: the last review (or the start) plus the interval in calendar months, the day
/// clamped to the month's end (31 Aug + 6 months = 28/29 Feb).
pub fn next_review(last: Date, months: u32) -> Date {
    add_months(last, months)
}

/// Overdue when the review date is before today; due this month when it is today or later within
/// today's calendar month; otherwise not due.
pub fn review_state(next: Date, today: Date) -> ReviewState {
    if next < today {
        ReviewState::Overdue
    } else if (next.year(), next.month()) == (today.year(), today.month()) {
        ReviewState::DueThisMonth
    } else {
        ReviewState::NotDue
    }
}

impl MedicalYear {
    /// Adds one record of the medical feed (sums saturate instead of overflowing).
    pub fn add(
        &mut self,
        total: Yuan,
        basic: Yuan,
        critical: Yuan,
        assistance: Yuan,
        out_of_pocket: Yuan,
        eligible: Yuan,
    ) {
        self.records = self.records.saturating_add(1);
        self.total = add_yuan(self.total, total);
        self.basic = add_yuan(self.basic, basic);
        self.critical = add_yuan(self.critical, critical);
        self.assistance = add_yuan(self.assistance, assistance);
        self.out_of_pocket = add_yuan(self.out_of_pocket, out_of_pocket);
        self.eligible = add_yuan(self.eligible, eligible);
    }

    /// 政策范围内费用 = total − (out_of_pocket − eligible): the total without the out-of-pocket
    /// spending outside the policy scope.
    pub fn in_scope(&self) -> Yuan {
        let outside = i128::from(self.out_of_pocket.fen()) - i128::from(self.eligible.fen());
        yuan_of(i128::from(self.total.fen()) - outside)
    }

    /// 政策范围内个人自付比例 = eligible / in_scope, ×10^4 rounded half-up; `None` if in_scope ≤ 0.
    pub fn in_scope_ratio(&self) -> Option<i64> {
        ratio_of(self.eligible, self.in_scope())
    }

    /// 个人自付占总费用比例 = out_of_pocket / total, ×10^4 rounded half-up; `None` if total ≤ 0.
    pub fn oop_ratio(&self) -> Option<i64> {
        ratio_of(self.out_of_pocket, self.total)
    }
}

/// The most generous medical-assistance class that applies. Class 4 (因病致贫重病患者) when the
/// out-of-pocket spending of 12 months is positive and above `serious_share` (×10^4) × last year's
/// household net income; a household without last year's income is never class 4.
pub fn assistance_class(p: &PersonStatus, serious_share: i64) -> Option<AssistanceClass> {
    if p.tekun || p.orphan {
        return Some(AssistanceClass::One);
    }
    if p.dibao || p.returned_to_poverty {
        return Some(AssistanceClass::Two);
    }
    if p.marginal || p.monitored {
        return Some(AssistanceClass::Three);
    }
    let income = p.household_net_income_last_year?;
    let oop = i128::from(p.oop_12m.fen());
    let above = oop > 0
        && oop * i128::from(RATIO_SCALE) > i128::from(serious_share) * i128::from(income.fen());
    above.then_some(AssistanceClass::Four)
}

/// Whether the lowest pension premium of `year` is paid for a person, and why. Included when the age
/// in the year (year − birth year) is 16 to 59, the person is insured in 城乡居民养老保险
/// (`Some(true)`), and in at least one group; the first group in [`PremiumGroup`]'s order is reported.
pub fn premium_group(
    birth: Date,
    year: i32,
    pension_insured: Option<bool>,
    tekun: bool,
    dibao: bool,
    monitored: bool,
    disability: Option<DisabilityGrade>,
) -> Option<PremiumGroup> {
    let age = year.checked_sub(birth.year())?;
    if !(16..=59).contains(&age) || pension_insured != Some(true) {
        return None;
    }
    if tekun {
        Some(PremiumGroup::Tekun)
    } else if dibao {
        Some(PremiumGroup::Dibao)
    } else if monitored {
        Some(PremiumGroup::Monitored)
    } else if matches!(
        disability,
        Some(DisabilityGrade::One | DisabilityGrade::Two)
    ) {
        Some(PremiumGroup::SevereDisability)
    } else {
        None
    }
}

/// The subsidy: the lowest tier × the share (×10^4), rounded half-up to the fen.
pub fn premium_subsidy(lowest_tier: Yuan, share: i64) -> Yuan {
    yuan_of(div_half_up(
        i128::from(lowest_tier.fen()) * i128::from(share),
        i128::from(RATIO_SCALE),
    ))
}

/// Every (member index, group, reason in Chinese) the household's members fall into on `on`, ordered
/// by member then group. The rules are documented in docs/LOWINCOME.md.
pub fn derive_care(
    members: &[CareMember],
    p: &CareParams,
    on: Date,
) -> Vec<(usize, CareGroup, String)> {
    let away = |m: &CareMember| m.work_months.is_some_and(|w| w >= p.away_months);
    let with = |relations: &[Relation]| -> Vec<&CareMember> {
        members
            .iter()
            .filter(|m| relations.contains(&m.relation))
            .collect()
    };
    let age_of = |m: &CareMember| i64::from(age_on(m.birth, on));
    let mut out = Vec::new();
    for (i, m) in members.iter().enumerate() {
        let age = age_of(m);
        if (0..i64::from(p.child_age)).contains(&age) {
            let parents = with(parents_of(m.relation));
            let (gone, home): (Vec<&CareMember>, Vec<&CareMember>) =
                parents.iter().partition(|q| away(q));
            if !gone.is_empty() && home.iter().all(|q| unable(q).is_some()) {
                let mut reason = format!(
                    "{age} 岁（不满 {} 周岁），{}外出务工",
                    p.child_age,
                    away_list(&gone)
                );
                if home.is_empty() {
                    reason.push_str("，在户父母均外出");
                } else {
                    for q in &home {
                        let why = unable(q).unwrap_or_default();
                        reason.push_str(&format!("，{}无监护能力（{why}）", q.relation.label()));
                    }
                }
                out.push((i, CareGroup::LeftBehindChild, reason));
            }
        }
        if m.sex == Sex::Female && age >= 18 && age < i64::from(p.elder_age) && !away(m) {
            let spouses = with(spouses_of(m.relation));
            if !spouses.is_empty() && spouses.iter().all(|q| away(q)) {
                let reason = format!("{age} 岁，配偶（{}）外出务工", away_list(&spouses));
                out.push((i, CareGroup::LeftBehindWoman, reason));
            }
        }
        if age >= i64::from(p.elder_age) {
            let children = with(children_of(m.relation));
            if !children.is_empty() && children.iter().all(|q| away(q)) {
                let reason = format!(
                    "{age} 岁（{} 周岁及以上），在户子女均外出务工（{}）",
                    p.elder_age,
                    away_list(&children)
                );
                out.push((i, CareGroup::LeftBehindElder, reason));
            }
        }
        if let Some(grade) = m.disability {
            out.push((i, CareGroup::Disabled, format!("残疾等级 {grade}")));
        }
    }
    out
}

/// Why a parent cannot look after a child (丧失劳动力/无劳动力, 一级/二级残疾, 患大病); `None` if able.
fn unable(m: &CareMember) -> Option<String> {
    if let Some(l @ (Labour::Lost | Labour::None)) = m.labour {
        return Some(l.label().to_string());
    }
    if let Some(g @ (DisabilityGrade::One | DisabilityGrade::Two)) = m.disability {
        return Some(format!("{g}残疾"));
    }
    (m.health == Some(Health::SeriousIllness)).then(|| Health::SeriousIllness.label().to_string())
}

/// `户主 8 个月、配偶 10 个月`.
fn away_list(people: &[&CareMember]) -> String {
    people
        .iter()
        .map(|q| format!("{} {} 个月", q.relation.label(), q.work_months.unwrap_or(0)))
        .collect::<Vec<_>>()
        .join("、")
}

/// The relations (to the head) of a member's parents who can appear in the same household.
fn parents_of(r: Relation) -> &'static [Relation] {
    use Relation::*;
    match r {
        Son | Daughter => &[Head, Spouse],
        Grandson | Granddaughter => &[Son, DaughterInLaw, Daughter, SonInLaw],
        Head | Sibling => &[Father, Mother],
        _ => &[],
    }
}

/// The relations of a member's possible spouses.
fn spouses_of(r: Relation) -> &'static [Relation] {
    use Relation::*;
    match r {
        Head => &[Spouse],
        Spouse => &[Head],
        Son => &[DaughterInLaw],
        DaughterInLaw => &[Son],
        Daughter => &[SonInLaw],
        SonInLaw => &[Daughter],
        Father => &[Mother],
        Mother => &[Father],
        Grandfather => &[Grandmother],
        Grandmother => &[Grandfather],
        _ => &[],
    }
}

/// The relations of a member's children who can appear in the same household.
fn children_of(r: Relation) -> &'static [Relation] {
    use Relation::*;
    match r {
        Head | Spouse => &[Son, Daughter],
        Father | Mother => &[Head, Sibling],
        _ => &[],
    }
}
