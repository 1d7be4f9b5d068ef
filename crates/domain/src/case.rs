//! The identification chain (识别: clue → home visit → data check → village review → village notice →
//! town review → county approval → monitored) and the elimination chain (风险消除: home visit → village
//! review → notice → town review → county approval → eliminated) as one pure state machine
//! (POLICY.md §2 and §5).
//!
//! [`Case::apply`] decides every transition: which action is legal in which state, which role may take
//! it, which dates are acceptable, and what the case looks like afterwards. Every refusal is a
//! [`Refusal`] with a Chinese explanation for the user. Deadlines come from [`Rules`] (policy data).

use time::Date;

use crate::codes::CodeEnum;
use crate::household::{HouseholdKind, MonitoringCategory};
use crate::money::Yuan;
use crate::policy::{Rules, add_days};
use crate::risk::{Checklist, RiskType, check_risks, risk_labels};
use crate::role::Role;

crate::code_enum!(
    CaseKind, "流程" {
        Identification = ("identification", "识别纳入监测", ["识别"]),
        Elimination = ("elimination", "风险消除", ["消除"]),
    }
);

crate::code_enum!(
    ClueSource, "线索来源" {
        SelfReport = ("self_report", "农户自主申报", ["自主申报"]),
        CadreCheck = ("cadre_check", "基层干部排查", ["干部排查"]),
        DepartmentAlert = ("department_alert", "部门筛查预警", ["部门预警"]),
    }
);

crate::code_enum!(
    EliminationMode, "风险消除方式" {
        Assisted = ("assisted", "帮扶消除"),
        Natural = ("natural", "自然消除"),
    }
);

crate::code_enum!(
    /// Where a case stands: the step it waits for, or how it ended.
    CaseState, "办理状态" {
        AwaitingVisit = ("awaiting_visit", "待入户核实"),
        AwaitingDataCheck = ("awaiting_data_check", "待信息比对"),
        AwaitingReview = ("awaiting_review", "待村级评议"),
        AwaitingNotice = ("awaiting_notice", "待公示"),
        Noticing = ("noticing", "公示中"),
        AwaitingTownReview = ("awaiting_town_review", "待乡镇审核"),
        AwaitingCountyApproval = ("awaiting_county_approval", "待县级审定"),
        Approved = ("approved", "已审定"),
        Rejected = ("rejected", "不予纳入"),
        RolledBack = ("rolled_back", "已回退"),
    }
);

impl CaseState {
    pub fn is_open(self) -> bool {
        !matches!(
            self,
            CaseState::Approved | CaseState::Rejected | CaseState::RolledBack
        )
    }

    /// The role that takes the next step of an open case (or may roll back an approved elimination).
    pub fn acting_role(self) -> Option<Role> {
        match self {
            CaseState::AwaitingVisit
            | CaseState::AwaitingReview
            | CaseState::AwaitingNotice
            | CaseState::Noticing => Some(Role::VillageCadre),
            CaseState::AwaitingDataCheck | CaseState::AwaitingTownReview => Some(Role::TownStaff),
            CaseState::AwaitingCountyApproval => Some(Role::CountyApprover),
            CaseState::Approved | CaseState::Rejected | CaseState::RolledBack => None,
        }
    }

    /// The action that moves the case on from this state.
    pub fn next_action(self) -> Option<ActionKind> {
        Some(match self {
            CaseState::AwaitingVisit => ActionKind::HomeVisit,
            CaseState::AwaitingDataCheck => ActionKind::DataCheck,
            CaseState::AwaitingReview => ActionKind::VillageReview,
            CaseState::AwaitingNotice => ActionKind::PostNotice,
            CaseState::Noticing => ActionKind::CloseNotice,
            CaseState::AwaitingTownReview => ActionKind::TownReview,
            CaseState::AwaitingCountyApproval => ActionKind::CountyApproval,
            CaseState::Approved | CaseState::Rejected | CaseState::RolledBack => return None,
        })
    }
}

crate::code_enum!(
    /// The actions of the chains, as recorded in the case's timeline.
    ActionKind, "环节" {
        Clue = ("clue", "登记线索"),
        HomeVisit = ("home_visit", "入户核实"),
        DataCheck = ("data_check", "信息比对"),
        VillageReview = ("village_review", "村级民主评议"),
        PostNotice = ("post_notice", "村内公示"),
        CloseNotice = ("close_notice", "公示结束"),
        TownReview = ("town_review", "乡镇审核"),
        CountyApproval = ("county_approval", "县级审定"),
        Reject = ("reject", "不予通过"),
        Rollback = ("rollback", "风险消除回退"),
    }
);

/// How the case came to be.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Clue {
    pub source: ClueSource,
    pub date: Date,
    /// Who reported it: the applicant, the cadre, the department.
    pub reporter: String,
    pub description: String,
}

/// Twelve-month household income found on a home visit (POLICY.md §1, §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct VisitIncome {
    pub wage_income: Yuan,
    pub business_income: Yuan,
    pub property_income: Yuan,
    pub transfer_income: Yuan,
    pub business_expense: Yuan,
    /// Large rigid spending of the period (medical, schooling), for 突发严重困难户.
    pub rigid_expense: Yuan,
    /// Household size the per-capita figure divides by.
    pub size: u16,
}

impl VisitIncome {
    pub fn net_income(&self) -> Yuan {
        self.wage_income + self.business_income + self.property_income + self.transfer_income
            - self.business_expense
    }

    pub fn per_capita(&self) -> Option<Yuan> {
        self.net_income().div_round(i64::from(self.size))
    }

    fn check(&self) -> Result<(), String> {
        if self.size == 0 {
            return Err("家庭人口数应至少为1".into());
        }
        for (v, name) in [
            (self.wage_income, "工资性收入"),
            (self.property_income, "财产性收入"),
            (self.transfer_income, "转移性收入"),
            (self.business_expense, "生产经营性支出"),
            (self.rigid_expense, "刚性支出"),
        ] {
            if v < Yuan::ZERO {
                return Err(format!("{name}不能为负数"));
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HomeVisit {
    pub date: Date,
    pub visitors: String,
    /// The household signed the 承诺授权书 (consent to check finances and assets).
    pub consent_signed: bool,
    pub findings: String,
    pub income: VisitIncome,
    pub checklist: Checklist,
    /// Identification: the risk types found (1–5). Elimination: may be empty.
    pub risks: Vec<RiskType>,
    /// Elimination only: the visitors confirm the risk is removed or has vanished.
    #[serde(default)]
    pub risk_resolved: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DataCheck {
    pub date: Date,
    /// The departments' data agree with the home visit (no vehicle, business, real estate … found).
    pub consistent: bool,
    pub notes: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct VillageReview {
    pub date: Date,
    pub attendance: u16,
    pub passed: bool,
    pub opinion: String,
    /// Identification: the proposed category (required when passed).
    pub category: Option<MonitoringCategory>,
    /// Elimination: the proposed mode (required when passed).
    pub mode: Option<EliminationMode>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NoticePosting {
    pub start: Date,
    pub end: Date,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NoticeClosing {
    pub date: Date,
    /// Objections raised during the notice ("" = none).
    pub objections: String,
    /// The objections were found valid: the household is not taken in.
    pub upheld: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Decision {
    pub date: Date,
    pub passed: bool,
    pub opinion: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Reasoned {
    pub date: Date,
    pub reason: String,
}

/// One step taken on a case.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    HomeVisit(HomeVisit),
    DataCheck(DataCheck),
    VillageReview(VillageReview),
    PostNotice(NoticePosting),
    CloseNotice(NoticeClosing),
    TownReview(Decision),
    CountyApproval(Decision),
    /// 不予纳入 / 不予消除 at the current step.
    Reject(Reasoned),
    /// 风险消除回退: an approved elimination is undone, the household is monitored again.
    Rollback(Reasoned),
}

impl Action {
    pub fn kind(&self) -> ActionKind {
        match self {
            Action::HomeVisit(_) => ActionKind::HomeVisit,
            Action::DataCheck(_) => ActionKind::DataCheck,
            Action::VillageReview(_) => ActionKind::VillageReview,
            Action::PostNotice(_) => ActionKind::PostNotice,
            Action::CloseNotice(_) => ActionKind::CloseNotice,
            Action::TownReview(_) => ActionKind::TownReview,
            Action::CountyApproval(_) => ActionKind::CountyApproval,
            Action::Reject(_) => ActionKind::Reject,
            Action::Rollback(_) => ActionKind::Rollback,
        }
    }

    /// The date the step happened (the notice's first day for a posting).
    pub fn date(&self) -> Date {
        match self {
            Action::HomeVisit(a) => a.date,
            Action::DataCheck(a) => a.date,
            Action::VillageReview(a) => a.date,
            Action::PostNotice(a) => a.start,
            Action::CloseNotice(a) => a.date,
            Action::TownReview(a) | Action::CountyApproval(a) => a.date,
            Action::Reject(a) | Action::Rollback(a) => a.date,
        }
    }

    /// Label–value lines for the case timeline (never health details or ID numbers: none are held).
    pub fn describe(&self) -> Vec<(&'static str, String)> {
        let yes_no = |b: bool| if b { "是" } else { "否" }.to_string();
        let passed = |b: bool| if b { "通过" } else { "不通过" }.to_string();
        match self {
            Action::HomeVisit(v) => {
                let mut lines = vec![
                    ("入户人员", v.visitors.clone()),
                    ("签署承诺授权书", yes_no(v.consent_signed)),
                    ("家庭人口数", v.income.size.to_string()),
                    ("近12个月纯收入", v.income.net_income().to_string()),
                    (
                        "人均纯收入",
                        v.income
                            .per_capita()
                            .map(|y| y.to_string())
                            .unwrap_or_default(),
                    ),
                    ("刚性支出", v.income.rigid_expense.to_string()),
                ];
                let gaps = v.checklist.gaps();
                lines.push((
                    "两不愁三保障及饮水安全",
                    if gaps.is_empty() {
                        "均有保障".to_string()
                    } else {
                        format!(
                            "未保障：{}",
                            gaps.iter()
                                .map(|g| g.label())
                                .collect::<Vec<_>>()
                                .join("、")
                        )
                    },
                ));
                if !v.risks.is_empty() {
                    lines.push(("风险类型", risk_labels(&v.risks)));
                }
                if v.risk_resolved {
                    lines.push(("风险已消除", "是".into()));
                }
                lines.push(("核实情况", v.findings.clone()));
                lines
            }
            Action::DataCheck(d) => vec![
                (
                    "比对结果",
                    if d.consistent {
                        "无异常"
                    } else {
                        "发现不符"
                    }
                    .to_string(),
                ),
                ("说明", d.notes.clone()),
            ],
            Action::VillageReview(r) => {
                let mut lines = vec![
                    ("参会人数", r.attendance.to_string()),
                    ("评议结果", passed(r.passed)),
                    ("评议意见", r.opinion.clone()),
                ];
                if let Some(c) = r.category {
                    lines.push(("拟认定类别", c.label().to_string()));
                }
                if let Some(m) = r.mode {
                    lines.push(("风险消除方式", m.label().to_string()));
                }
                lines
            }
            Action::PostNotice(n) => vec![("公示时间", format!("{} 至 {}", n.start, n.end))],
            Action::CloseNotice(c) => vec![
                (
                    "异议情况",
                    if c.objections.trim().is_empty() {
                        "无异议".to_string()
                    } else {
                        c.objections.clone()
                    },
                ),
                ("异议成立", yes_no(c.upheld)),
            ],
            Action::TownReview(d) | Action::CountyApproval(d) => {
                vec![("结果", passed(d.passed)), ("意见", d.opinion.clone())]
            }
            Action::Reject(r) | Action::Rollback(r) => vec![("原因", r.reason.clone())],
        }
    }
}

/// A refused action, with the reason in Chinese.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refusal(pub String);

fn refuse<T>(text: impl Into<String>) -> Result<T, Refusal> {
    Err(Refusal(text.into()))
}

/// What a decision needs to know besides the case itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Context {
    pub role: Role,
    pub today: Date,
    pub rules: Rules,
    /// The household's 户类型, for the category rules.
    pub household_kind: HouseholdKind,
}

/// A case as the state machine sees it: the clue, where it stands, and what earlier steps settled.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Case {
    pub kind: CaseKind,
    pub state: CaseState,
    pub clue: Clue,
    /// Date of the latest step; a new step may not be dated earlier.
    pub last_date: Date,
    pub risks: Vec<RiskType>,
    /// Per-capita net income found on the home visit.
    pub per_capita: Option<Yuan>,
    pub checklist: Option<Checklist>,
    pub category: Option<MonitoringCategory>,
    pub mode: Option<EliminationMode>,
    pub notice_start: Option<Date>,
    pub notice_end: Option<Date>,
    /// Date the case ended (approval, rejection or rollback).
    pub closed_on: Option<Date>,
    /// Why it was rejected or rolled back.
    pub reason: Option<String>,
}

/// The roles that may record a clue.
pub fn may_record_clue(role: Role) -> bool {
    matches!(role, Role::VillageCadre | Role::TownStaff | Role::Helper)
}

/// [`may_record_clue`] as a refusal, so a caller can ask before anything about the household.
pub fn check_may_record_clue(role: Role) -> Result<(), Refusal> {
    if may_record_clue(role) {
        Ok(())
    } else {
        refuse(format!(
            "{}不能登记线索或发起风险消除，请由村干部、帮扶责任人或镇乡村振兴办办理",
            role.label()
        ))
    }
}

impl Case {
    /// Records a clue (identification) or proposes elimination; the first step is the home visit.
    /// The caller checks what only the store knows: no other open case, and for elimination that the
    /// household is monitored and eligible.
    pub fn open(kind: CaseKind, clue: Clue, ctx: &Context) -> Result<Case, Refusal> {
        check_may_record_clue(ctx.role)?;
        check_not_future(clue.date, ctx.today, "线索")?;
        if clue.reporter.trim().is_empty() {
            return refuse("请填写报告人（申请人、排查干部或预警部门）");
        }
        if clue.description.trim().is_empty() {
            return refuse("请填写情况说明");
        }
        Ok(Case {
            kind,
            state: CaseState::AwaitingVisit,
            last_date: clue.date,
            clue,
            risks: Vec::new(),
            per_capita: None,
            checklist: None,
            category: None,
            mode: None,
            notice_start: None,
            notice_end: None,
            closed_on: None,
            reason: None,
        })
    }

    pub fn is_open(&self) -> bool {
        self.state.is_open()
    }

    /// The state as the user reads it, by chain: 已纳入监测 / 已消除 / 不予消除 …
    pub fn state_label(&self) -> &'static str {
        match (self.kind, self.state) {
            (CaseKind::Identification, CaseState::Approved) => "已纳入监测",
            (CaseKind::Elimination, CaseState::Approved) => "已消除",
            (CaseKind::Elimination, CaseState::Rejected) => "不予消除",
            (_, s) => s.label(),
        }
    }

    /// The last day the identification must be finished by (clue date + identification days).
    pub fn deadline(&self, rules: &Rules) -> Option<Date> {
        (self.kind == CaseKind::Identification)
            .then(|| add_days(self.clue.date, rules.identification_days))
    }

    /// When the step the case waits for is due: the home visit within its days (never after the
    /// overall deadline), the end of the notice for closing it, otherwise the overall deadline.
    pub fn step_due(&self, rules: &Rules) -> Option<Date> {
        if !self.is_open() {
            return None;
        }
        let deadline = self.deadline(rules);
        match self.state {
            CaseState::AwaitingVisit if self.kind == CaseKind::Identification => {
                let visit = add_days(self.clue.date, rules.home_visit_days);
                Some(deadline.map_or(visit, |d| d.min(visit)))
            }
            CaseState::Noticing => self.notice_end.map(|e| add_days(e, 1)),
            _ => deadline,
        }
    }

    /// An open identification past its deadline, or a step past its due date.
    pub fn is_overdue(&self, rules: &Rules, today: Date) -> bool {
        self.is_open()
            && (self.deadline(rules).is_some_and(|d| today > d)
                || self
                    .step_due(rules)
                    .is_some_and(|d| today > d && self.state != CaseState::Noticing))
    }

    /// Decides one action: the new case, or why not.
    pub fn apply(&self, action: &Action, ctx: &Context) -> Result<Case, Refusal> {
        self.check_legal(action)?;
        self.check_role(action, ctx.role)?;
        let date = action.date();
        check_not_future(date, ctx.today, action.kind().label())?;
        if date < self.last_date {
            return refuse(format!(
                "{}日期 {} 不能早于上一环节日期 {}",
                action.kind().label(),
                date,
                self.last_date
            ));
        }
        let mut next = self.clone();
        next.last_date = date;
        match action {
            Action::HomeVisit(v) => {
                self.check_visit(v, ctx)?;
                next.risks = v.risks.clone();
                next.per_capita = v.income.per_capita();
                next.checklist = Some(v.checklist);
                next.state = match self.kind {
                    CaseKind::Identification => CaseState::AwaitingDataCheck,
                    CaseKind::Elimination => CaseState::AwaitingReview,
                };
            }
            Action::DataCheck(d) => {
                if d.consistent {
                    next.state = CaseState::AwaitingReview;
                } else {
                    require(&d.notes, "信息比对发现不符时，请说明不符的情况")?;
                    next.reject(date, format!("信息比对发现不符：{}", d.notes.trim()));
                }
            }
            Action::VillageReview(r) => {
                if r.attendance == 0 {
                    return refuse("请填写参加民主评议的人数");
                }
                require(&r.opinion, "请填写评议意见")?;
                if r.passed {
                    match self.kind {
                        CaseKind::Identification => {
                            let Some(category) = r.category else {
                                return refuse("评议通过时请选择拟认定的监测对象类别");
                            };
                            check_category(
                                category,
                                ctx.household_kind,
                                self.per_capita,
                                ctx.rules.monitoring_line,
                            )
                            .map_err(Refusal)?;
                            next.category = Some(category);
                        }
                        CaseKind::Elimination => {
                            let Some(mode) = r.mode else {
                                return refuse(
                                    "评议通过时请选择风险消除方式（帮扶消除或自然消除）",
                                );
                            };
                            next.mode = Some(mode);
                        }
                    }
                    next.state = CaseState::AwaitingNotice;
                } else {
                    next.reject(date, format!("村级民主评议未通过：{}", r.opinion.trim()));
                }
            }
            Action::PostNotice(n) => {
                let earliest_end = add_days(n.start, ctx.rules.notice_days);
                if n.end < earliest_end {
                    return refuse(format!(
                        "公示期不少于{}天：公示自 {} 开始，结束日期最早为 {}",
                        ctx.rules.notice_days, n.start, earliest_end
                    ));
                }
                next.notice_start = Some(n.start);
                next.notice_end = Some(n.end);
                next.state = CaseState::Noticing;
            }
            Action::CloseNotice(c) => {
                let end = self.notice_end.unwrap_or(self.last_date);
                if c.date <= end {
                    return refuse(format!(
                        "公示期至 {end} 结束，{} 起才能结束公示",
                        add_days(end, 1)
                    ));
                }
                if c.upheld {
                    require(&c.objections, "异议成立时请填写异议内容")?;
                    next.reject(date, format!("公示期间异议成立：{}", c.objections.trim()));
                } else {
                    next.state = CaseState::AwaitingTownReview;
                }
            }
            Action::TownReview(d) => {
                if d.passed {
                    next.state = CaseState::AwaitingCountyApproval;
                } else {
                    require(&d.opinion, "审核不通过时请填写意见")?;
                    next.reject(date, format!("乡镇审核未通过：{}", d.opinion.trim()));
                }
            }
            Action::CountyApproval(d) => {
                if d.passed {
                    next.state = CaseState::Approved;
                    next.closed_on = Some(date);
                } else {
                    require(&d.opinion, "审定不通过时请填写意见")?;
                    next.reject(date, format!("县级审定未通过：{}", d.opinion.trim()));
                }
            }
            Action::Reject(r) => {
                require(&r.reason, "请填写不予通过的原因")?;
                next.reject(date, r.reason.trim().to_string());
            }
            Action::Rollback(r) => {
                require(&r.reason, "请填写回退原因")?;
                next.state = CaseState::RolledBack;
                next.closed_on = Some(date);
                next.reason = Some(r.reason.trim().to_string());
            }
        }
        Ok(next)
    }

    fn reject(&mut self, date: Date, reason: String) {
        self.state = CaseState::Rejected;
        self.closed_on = Some(date);
        self.reason = Some(reason);
    }

    /// Is this action possible at all in this state, whoever asks?
    fn check_legal(&self, action: &Action) -> Result<(), Refusal> {
        let kind = action.kind();
        if kind == ActionKind::Rollback {
            return match (self.kind, self.state) {
                (CaseKind::Elimination, CaseState::Approved) => Ok(()),
                (CaseKind::Identification, _) => {
                    refuse("只有已审定的风险消除才能回退；识别流程不能回退")
                }
                _ => refuse(format!(
                    "只有已审定的风险消除才能回退，本流程状态为「{}」",
                    self.state_label()
                )),
            };
        }
        if !self.is_open() {
            return refuse(format!(
                "本流程已结束（{}），不能再办理「{}」",
                self.state_label(),
                kind.label()
            ));
        }
        if kind == ActionKind::Reject || self.state.next_action() == Some(kind) {
            return Ok(());
        }
        let next = self
            .state
            .next_action()
            .map(|a| a.label())
            .unwrap_or_default();
        refuse(format!(
            "当前状态为「{}」，下一步应为「{next}」，不能办理「{}」",
            self.state_label(),
            kind.label()
        ))
    }

    fn check_role(&self, action: &Action, role: Role) -> Result<(), Refusal> {
        let (allowed, who): (&[Role], &str) = if action.kind() == ActionKind::Rollback {
            (
                &[Role::TownStaff, Role::CountyApprover],
                "镇乡村振兴办或县级审定人员",
            )
        } else {
            match self.state.acting_role() {
                Some(Role::VillageCadre) => (&[Role::VillageCadre], "村干部"),
                Some(Role::TownStaff) => (&[Role::TownStaff], "镇乡村振兴办"),
                Some(Role::CountyApprover) => (&[Role::CountyApprover], "县级审定人员"),
                _ => (&[], ""),
            }
        };
        if allowed.contains(&role) {
            Ok(())
        } else {
            refuse(format!(
                "「{}」由{who}办理，您的角色是{}",
                action.kind().label(),
                role.label()
            ))
        }
    }

    fn check_visit(&self, v: &HomeVisit, ctx: &Context) -> Result<(), Refusal> {
        require(&v.visitors, "请填写入户人员")?;
        if !v.consent_signed {
            return refuse(
                "农户未签署承诺授权书，不能继续；农户拒绝签署的，请选择「不予通过」并说明原因",
            );
        }
        v.income.check().map_err(Refusal)?;
        match self.kind {
            CaseKind::Identification => check_risks(&v.risks).map_err(Refusal)?,
            CaseKind::Elimination => {
                if !v.risks.is_empty() {
                    check_risks(&v.risks).map_err(Refusal)?;
                }
                if !v.risk_resolved {
                    return refuse(
                        "入户核实未确认风险已消除，不能继续风险消除；可选择「不予通过」",
                    );
                }
                let gaps = v.checklist.gaps();
                if !gaps.is_empty() {
                    let names: Vec<&str> = gaps.iter().map(|g| g.label()).collect();
                    return refuse(format!(
                        "三保障和饮水安全未全部保障（{}），不能标注风险消除",
                        names.join("、")
                    ));
                }
                let line = ctx.rules.monitoring_line;
                match v.income.per_capita() {
                    Some(pc) if pc > line => {}
                    pc => {
                        return refuse(format!(
                            "人均纯收入 {} 未高于当年监测范围 {line}，不能标注风险消除",
                            pc.unwrap_or_default()
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}

fn require(text: &str, message: &str) -> Result<(), Refusal> {
    if text.trim().is_empty() {
        refuse(message)
    } else {
        Ok(())
    }
}

fn check_not_future(date: Date, today: Date, what: &str) -> Result<(), Refusal> {
    if date > today {
        refuse(format!("{what}日期 {date} 不能晚于今天（{today}）"))
    } else {
        Ok(())
    }
}

/// The category rules (POLICY.md §1): 脱贫不稳定户 are 脱贫户, 边缘易致贫户 are ordinary households,
/// both with income inside the monitoring range; 突发严重困难户 may be either and above the range.
pub fn check_category(
    category: MonitoringCategory,
    kind: HouseholdKind,
    per_capita: Option<Yuan>,
    line: Yuan,
) -> Result<(), String> {
    match (category, kind) {
        (MonitoringCategory::UnstableExited, HouseholdKind::Ordinary) => {
            return Err(
                "脱贫不稳定户只适用于脱贫户；本户为一般农户，应认定为边缘易致贫户或突发严重困难户"
                    .into(),
            );
        }
        (MonitoringCategory::Marginal, HouseholdKind::Exited) => {
            return Err(
                "边缘易致贫户只适用于一般农户；本户为脱贫户，应认定为脱贫不稳定户或突发严重困难户"
                    .into(),
            );
        }
        _ => {}
    }
    if category != MonitoringCategory::SuddenHardship
        && let Some(pc) = per_capita
        && pc > line
    {
        return Err(format!(
            "人均纯收入 {pc} 高于监测范围 {line}，不属于{}；因病、因灾等刚性支出导致基本生活出现严重困难的，可认定为突发严重困难户",
            category.label()
        ));
    }
    Ok(())
}

/// The category the home visit suggests: by household kind, then by income against the line.
pub fn suggest_category(
    kind: HouseholdKind,
    per_capita: Option<Yuan>,
    line: Yuan,
) -> MonitoringCategory {
    let within = per_capita.is_none_or(|pc| pc <= line);
    match kind {
        _ if !within => MonitoringCategory::SuddenHardship,
        HouseholdKind::Exited => MonitoringCategory::UnstableExited,
        HouseholdKind::Ordinary | HouseholdKind::Monitored => MonitoringCategory::Marginal,
    }
}
