//! Every transition of both chains (POLICY.md §2, §5) as one table, then the rules inside the steps:
//! dates, notice length, consent, risks, categories and the elimination visit.

use time::Date;
use time::macros::date;
use zhenxing_domain::CodeEnum;
use zhenxing_domain::case::{
    Action, ActionKind, Case, CaseKind, CaseState, Context, DataCheck, Decision, EliminationMode,
    HomeVisit, NoticeClosing, NoticePosting, Reasoned, VillageReview, check_category,
    suggest_category,
};
use zhenxing_domain::household::{HouseholdKind, MonitoringCategory};
use zhenxing_domain::policy::add_days;
use zhenxing_domain::risk::RiskType;
use zhenxing_domain::{DivisionCode, Policy, PolicyKey, PolicyValue, Role, Rules, Yuan};

use crate::{
    EL_CLUE, ID_CLUE, TODAY, action, case_in, clue, ctx, elimination_chain, identification_chain,
    income, open, visit,
};

use ActionKind as A;
use CaseState as S;
use Role as R;

const I: CaseKind = CaseKind::Identification;
const E: CaseKind = CaseKind::Elimination;

/// kind, state, action, role → the state afterwards, or a piece of the refusal's message.
type Row = (
    CaseKind,
    CaseState,
    ActionKind,
    Role,
    Result<S, &'static str>,
);

const NEXT_VISIT: &str = "下一步应为「入户核实」";
const NEXT_DATA: &str = "下一步应为「信息比对」";
const NEXT_REVIEW: &str = "下一步应为「村级民主评议」";
const NEXT_NOTICE: &str = "下一步应为「村内公示」";
const NEXT_CLOSE: &str = "下一步应为「公示结束」";
const NEXT_TOWN: &str = "下一步应为「乡镇审核」";
const NEXT_COUNTY: &str = "下一步应为「县级审定」";
const NO_ID_ROLLBACK: &str = "识别流程不能回退";
const CADRE: &str = "由村干部办理";
const TOWN: &str = "由镇乡村振兴办办理";
const COUNTY: &str = "由县级审定人员办理";

/// The first row of a (kind, state, action) is taken by the role that acts in that state (the town
/// office for closed cases); every role not listed for it is checked by [`every_other_role`].
/// All actions are dated [`TODAY`]; a notice runs 5 days; reviews and decisions pass.
#[rustfmt::skip]
const TABLE: &[Row] = &[
    // ── Identification (识别): clue → 入户核实 → 信息比对 → 村级评议 → 公示 → 乡镇审核 → 县级审定 ──
    (I, S::AwaitingVisit, A::HomeVisit, R::VillageCadre, Ok(S::AwaitingDataCheck)),
    (I, S::AwaitingVisit, A::DataCheck, R::VillageCadre, Err(NEXT_VISIT)),
    (I, S::AwaitingVisit, A::VillageReview, R::VillageCadre, Err(NEXT_VISIT)),
    (I, S::AwaitingVisit, A::PostNotice, R::VillageCadre, Err(NEXT_VISIT)),
    (I, S::AwaitingVisit, A::CloseNotice, R::VillageCadre, Err(NEXT_VISIT)),
    (I, S::AwaitingVisit, A::TownReview, R::VillageCadre, Err(NEXT_VISIT)),
    (I, S::AwaitingVisit, A::CountyApproval, R::VillageCadre, Err(NEXT_VISIT)),
    (I, S::AwaitingVisit, A::Reject, R::VillageCadre, Ok(S::Rejected)),
    (I, S::AwaitingVisit, A::Rollback, R::VillageCadre, Err(NO_ID_ROLLBACK)),
    //
    (I, S::AwaitingDataCheck, A::HomeVisit, R::TownStaff, Err(NEXT_DATA)),
    (I, S::AwaitingDataCheck, A::DataCheck, R::TownStaff, Ok(S::AwaitingReview)),
    (I, S::AwaitingDataCheck, A::VillageReview, R::TownStaff, Err(NEXT_DATA)),
    (I, S::AwaitingDataCheck, A::PostNotice, R::TownStaff, Err(NEXT_DATA)),
    (I, S::AwaitingDataCheck, A::CloseNotice, R::TownStaff, Err(NEXT_DATA)),
    (I, S::AwaitingDataCheck, A::TownReview, R::TownStaff, Err(NEXT_DATA)),
    (I, S::AwaitingDataCheck, A::CountyApproval, R::TownStaff, Err(NEXT_DATA)),
    (I, S::AwaitingDataCheck, A::Reject, R::TownStaff, Ok(S::Rejected)),
    (I, S::AwaitingDataCheck, A::Rollback, R::TownStaff, Err(NO_ID_ROLLBACK)),
    //
    (I, S::AwaitingReview, A::HomeVisit, R::VillageCadre, Err(NEXT_REVIEW)),
    (I, S::AwaitingReview, A::DataCheck, R::VillageCadre, Err(NEXT_REVIEW)),
    (I, S::AwaitingReview, A::VillageReview, R::VillageCadre, Ok(S::AwaitingNotice)),
    (I, S::AwaitingReview, A::PostNotice, R::VillageCadre, Err(NEXT_REVIEW)),
    (I, S::AwaitingReview, A::CloseNotice, R::VillageCadre, Err(NEXT_REVIEW)),
    (I, S::AwaitingReview, A::TownReview, R::VillageCadre, Err(NEXT_REVIEW)),
    (I, S::AwaitingReview, A::CountyApproval, R::VillageCadre, Err(NEXT_REVIEW)),
    (I, S::AwaitingReview, A::Reject, R::VillageCadre, Ok(S::Rejected)),
    (I, S::AwaitingReview, A::Rollback, R::VillageCadre, Err(NO_ID_ROLLBACK)),
    //
    (I, S::AwaitingNotice, A::HomeVisit, R::VillageCadre, Err(NEXT_NOTICE)),
    (I, S::AwaitingNotice, A::DataCheck, R::VillageCadre, Err(NEXT_NOTICE)),
    (I, S::AwaitingNotice, A::VillageReview, R::VillageCadre, Err(NEXT_NOTICE)),
    (I, S::AwaitingNotice, A::PostNotice, R::VillageCadre, Ok(S::Noticing)),
    (I, S::AwaitingNotice, A::CloseNotice, R::VillageCadre, Err(NEXT_NOTICE)),
    (I, S::AwaitingNotice, A::TownReview, R::VillageCadre, Err(NEXT_NOTICE)),
    (I, S::AwaitingNotice, A::CountyApproval, R::VillageCadre, Err(NEXT_NOTICE)),
    (I, S::AwaitingNotice, A::Reject, R::VillageCadre, Ok(S::Rejected)),
    (I, S::AwaitingNotice, A::Rollback, R::VillageCadre, Err(NO_ID_ROLLBACK)),
    //
    (I, S::Noticing, A::HomeVisit, R::VillageCadre, Err(NEXT_CLOSE)),
    (I, S::Noticing, A::DataCheck, R::VillageCadre, Err(NEXT_CLOSE)),
    (I, S::Noticing, A::VillageReview, R::VillageCadre, Err(NEXT_CLOSE)),
    (I, S::Noticing, A::PostNotice, R::VillageCadre, Err(NEXT_CLOSE)),
    (I, S::Noticing, A::CloseNotice, R::VillageCadre, Ok(S::AwaitingTownReview)),
    (I, S::Noticing, A::TownReview, R::VillageCadre, Err(NEXT_CLOSE)),
    (I, S::Noticing, A::CountyApproval, R::VillageCadre, Err(NEXT_CLOSE)),
    (I, S::Noticing, A::Reject, R::VillageCadre, Ok(S::Rejected)),
    (I, S::Noticing, A::Rollback, R::VillageCadre, Err(NO_ID_ROLLBACK)),
    //
    (I, S::AwaitingTownReview, A::HomeVisit, R::TownStaff, Err(NEXT_TOWN)),
    (I, S::AwaitingTownReview, A::DataCheck, R::TownStaff, Err(NEXT_TOWN)),
    (I, S::AwaitingTownReview, A::VillageReview, R::TownStaff, Err(NEXT_TOWN)),
    (I, S::AwaitingTownReview, A::PostNotice, R::TownStaff, Err(NEXT_TOWN)),
    (I, S::AwaitingTownReview, A::CloseNotice, R::TownStaff, Err(NEXT_TOWN)),
    (I, S::AwaitingTownReview, A::TownReview, R::TownStaff, Ok(S::AwaitingCountyApproval)),
    (I, S::AwaitingTownReview, A::CountyApproval, R::TownStaff, Err(NEXT_TOWN)),
    (I, S::AwaitingTownReview, A::Reject, R::TownStaff, Ok(S::Rejected)),
    (I, S::AwaitingTownReview, A::Rollback, R::TownStaff, Err(NO_ID_ROLLBACK)),
    //
    (I, S::AwaitingCountyApproval, A::HomeVisit, R::CountyApprover, Err(NEXT_COUNTY)),
    (I, S::AwaitingCountyApproval, A::DataCheck, R::CountyApprover, Err(NEXT_COUNTY)),
    (I, S::AwaitingCountyApproval, A::VillageReview, R::CountyApprover, Err(NEXT_COUNTY)),
    (I, S::AwaitingCountyApproval, A::PostNotice, R::CountyApprover, Err(NEXT_COUNTY)),
    (I, S::AwaitingCountyApproval, A::CloseNotice, R::CountyApprover, Err(NEXT_COUNTY)),
    (I, S::AwaitingCountyApproval, A::TownReview, R::CountyApprover, Err(NEXT_COUNTY)),
    (I, S::AwaitingCountyApproval, A::CountyApproval, R::CountyApprover, Ok(S::Approved)),
    (I, S::AwaitingCountyApproval, A::Reject, R::CountyApprover, Ok(S::Rejected)),
    (I, S::AwaitingCountyApproval, A::Rollback, R::CountyApprover, Err(NO_ID_ROLLBACK)),
    // Closed: nothing more, and an identification is never rolled back.
    (I, S::Approved, A::HomeVisit, R::TownStaff, Err("本流程已结束（已纳入监测）")),
    (I, S::Approved, A::DataCheck, R::TownStaff, Err("本流程已结束（已纳入监测）")),
    (I, S::Approved, A::VillageReview, R::TownStaff, Err("本流程已结束（已纳入监测）")),
    (I, S::Approved, A::PostNotice, R::TownStaff, Err("本流程已结束（已纳入监测）")),
    (I, S::Approved, A::CloseNotice, R::TownStaff, Err("本流程已结束（已纳入监测）")),
    (I, S::Approved, A::TownReview, R::TownStaff, Err("本流程已结束（已纳入监测）")),
    (I, S::Approved, A::CountyApproval, R::TownStaff, Err("本流程已结束（已纳入监测）")),
    (I, S::Approved, A::Reject, R::TownStaff, Err("本流程已结束（已纳入监测）")),
    (I, S::Approved, A::Rollback, R::TownStaff, Err(NO_ID_ROLLBACK)),
    //
    (I, S::Rejected, A::HomeVisit, R::TownStaff, Err("本流程已结束（不予纳入）")),
    (I, S::Rejected, A::DataCheck, R::TownStaff, Err("本流程已结束（不予纳入）")),
    (I, S::Rejected, A::VillageReview, R::TownStaff, Err("本流程已结束（不予纳入）")),
    (I, S::Rejected, A::PostNotice, R::TownStaff, Err("本流程已结束（不予纳入）")),
    (I, S::Rejected, A::CloseNotice, R::TownStaff, Err("本流程已结束（不予纳入）")),
    (I, S::Rejected, A::TownReview, R::TownStaff, Err("本流程已结束（不予纳入）")),
    (I, S::Rejected, A::CountyApproval, R::TownStaff, Err("本流程已结束（不予纳入）")),
    (I, S::Rejected, A::Reject, R::TownStaff, Err("本流程已结束（不予纳入）")),
    (I, S::Rejected, A::Rollback, R::TownStaff, Err(NO_ID_ROLLBACK)),
    // No identification reaches 已回退; a hand-made one is closed all the same.
    (I, S::RolledBack, A::HomeVisit, R::TownStaff, Err("本流程已结束（已回退）")),
    (I, S::RolledBack, A::DataCheck, R::TownStaff, Err("本流程已结束（已回退）")),
    (I, S::RolledBack, A::VillageReview, R::TownStaff, Err("本流程已结束（已回退）")),
    (I, S::RolledBack, A::PostNotice, R::TownStaff, Err("本流程已结束（已回退）")),
    (I, S::RolledBack, A::CloseNotice, R::TownStaff, Err("本流程已结束（已回退）")),
    (I, S::RolledBack, A::TownReview, R::TownStaff, Err("本流程已结束（已回退）")),
    (I, S::RolledBack, A::CountyApproval, R::TownStaff, Err("本流程已结束（已回退）")),
    (I, S::RolledBack, A::Reject, R::TownStaff, Err("本流程已结束（已回退）")),
    (I, S::RolledBack, A::Rollback, R::TownStaff, Err(NO_ID_ROLLBACK)),
    // ── Elimination (风险消除): 入户核实 → 村级评议 → 公示 → 乡镇审核 → 县级审定 → (回退) ──
    (E, S::AwaitingVisit, A::HomeVisit, R::VillageCadre, Ok(S::AwaitingReview)),
    (E, S::AwaitingVisit, A::DataCheck, R::VillageCadre, Err(NEXT_VISIT)),
    (E, S::AwaitingVisit, A::VillageReview, R::VillageCadre, Err(NEXT_VISIT)),
    (E, S::AwaitingVisit, A::PostNotice, R::VillageCadre, Err(NEXT_VISIT)),
    (E, S::AwaitingVisit, A::CloseNotice, R::VillageCadre, Err(NEXT_VISIT)),
    (E, S::AwaitingVisit, A::TownReview, R::VillageCadre, Err(NEXT_VISIT)),
    (E, S::AwaitingVisit, A::CountyApproval, R::VillageCadre, Err(NEXT_VISIT)),
    (E, S::AwaitingVisit, A::Reject, R::VillageCadre, Ok(S::Rejected)),
    (E, S::AwaitingVisit, A::Rollback, R::VillageCadre, Err("本流程状态为「待入户核实」")),
    // No elimination waits for a data check (the visit leads to the review); a hand-made one
    // still moves only by its next step.
    (E, S::AwaitingDataCheck, A::HomeVisit, R::TownStaff, Err(NEXT_DATA)),
    (E, S::AwaitingDataCheck, A::DataCheck, R::TownStaff, Ok(S::AwaitingReview)),
    (E, S::AwaitingDataCheck, A::VillageReview, R::TownStaff, Err(NEXT_DATA)),
    (E, S::AwaitingDataCheck, A::PostNotice, R::TownStaff, Err(NEXT_DATA)),
    (E, S::AwaitingDataCheck, A::CloseNotice, R::TownStaff, Err(NEXT_DATA)),
    (E, S::AwaitingDataCheck, A::TownReview, R::TownStaff, Err(NEXT_DATA)),
    (E, S::AwaitingDataCheck, A::CountyApproval, R::TownStaff, Err(NEXT_DATA)),
    (E, S::AwaitingDataCheck, A::Reject, R::TownStaff, Ok(S::Rejected)),
    (E, S::AwaitingDataCheck, A::Rollback, R::TownStaff, Err("本流程状态为「待信息比对」")),
    //
    (E, S::AwaitingReview, A::HomeVisit, R::VillageCadre, Err(NEXT_REVIEW)),
    (E, S::AwaitingReview, A::DataCheck, R::VillageCadre, Err(NEXT_REVIEW)),
    (E, S::AwaitingReview, A::VillageReview, R::VillageCadre, Ok(S::AwaitingNotice)),
    (E, S::AwaitingReview, A::PostNotice, R::VillageCadre, Err(NEXT_REVIEW)),
    (E, S::AwaitingReview, A::CloseNotice, R::VillageCadre, Err(NEXT_REVIEW)),
    (E, S::AwaitingReview, A::TownReview, R::VillageCadre, Err(NEXT_REVIEW)),
    (E, S::AwaitingReview, A::CountyApproval, R::VillageCadre, Err(NEXT_REVIEW)),
    (E, S::AwaitingReview, A::Reject, R::VillageCadre, Ok(S::Rejected)),
    (E, S::AwaitingReview, A::Rollback, R::VillageCadre, Err("本流程状态为「待村级评议」")),
    //
    (E, S::AwaitingNotice, A::HomeVisit, R::VillageCadre, Err(NEXT_NOTICE)),
    (E, S::AwaitingNotice, A::DataCheck, R::VillageCadre, Err(NEXT_NOTICE)),
    (E, S::AwaitingNotice, A::VillageReview, R::VillageCadre, Err(NEXT_NOTICE)),
    (E, S::AwaitingNotice, A::PostNotice, R::VillageCadre, Ok(S::Noticing)),
    (E, S::AwaitingNotice, A::CloseNotice, R::VillageCadre, Err(NEXT_NOTICE)),
    (E, S::AwaitingNotice, A::TownReview, R::VillageCadre, Err(NEXT_NOTICE)),
    (E, S::AwaitingNotice, A::CountyApproval, R::VillageCadre, Err(NEXT_NOTICE)),
    (E, S::AwaitingNotice, A::Reject, R::VillageCadre, Ok(S::Rejected)),
    (E, S::AwaitingNotice, A::Rollback, R::VillageCadre, Err("本流程状态为「待公示」")),
    //
    (E, S::Noticing, A::HomeVisit, R::VillageCadre, Err(NEXT_CLOSE)),
    (E, S::Noticing, A::DataCheck, R::VillageCadre, Err(NEXT_CLOSE)),
    (E, S::Noticing, A::VillageReview, R::VillageCadre, Err(NEXT_CLOSE)),
    (E, S::Noticing, A::PostNotice, R::VillageCadre, Err(NEXT_CLOSE)),
    (E, S::Noticing, A::CloseNotice, R::VillageCadre, Ok(S::AwaitingTownReview)),
    (E, S::Noticing, A::TownReview, R::VillageCadre, Err(NEXT_CLOSE)),
    (E, S::Noticing, A::CountyApproval, R::VillageCadre, Err(NEXT_CLOSE)),
    (E, S::Noticing, A::Reject, R::VillageCadre, Ok(S::Rejected)),
    (E, S::Noticing, A::Rollback, R::VillageCadre, Err("本流程状态为「公示中」")),
    //
    (E, S::AwaitingTownReview, A::HomeVisit, R::TownStaff, Err(NEXT_TOWN)),
    (E, S::AwaitingTownReview, A::DataCheck, R::TownStaff, Err(NEXT_TOWN)),
    (E, S::AwaitingTownReview, A::VillageReview, R::TownStaff, Err(NEXT_TOWN)),
    (E, S::AwaitingTownReview, A::PostNotice, R::TownStaff, Err(NEXT_TOWN)),
    (E, S::AwaitingTownReview, A::CloseNotice, R::TownStaff, Err(NEXT_TOWN)),
    (E, S::AwaitingTownReview, A::TownReview, R::TownStaff, Ok(S::AwaitingCountyApproval)),
    (E, S::AwaitingTownReview, A::CountyApproval, R::TownStaff, Err(NEXT_TOWN)),
    (E, S::AwaitingTownReview, A::Reject, R::TownStaff, Ok(S::Rejected)),
    (E, S::AwaitingTownReview, A::Rollback, R::TownStaff, Err("本流程状态为「待乡镇审核」")),
    //
    (E, S::AwaitingCountyApproval, A::HomeVisit, R::CountyApprover, Err(NEXT_COUNTY)),
    (E, S::AwaitingCountyApproval, A::DataCheck, R::CountyApprover, Err(NEXT_COUNTY)),
    (E, S::AwaitingCountyApproval, A::VillageReview, R::CountyApprover, Err(NEXT_COUNTY)),
    (E, S::AwaitingCountyApproval, A::PostNotice, R::CountyApprover, Err(NEXT_COUNTY)),
    (E, S::AwaitingCountyApproval, A::CloseNotice, R::CountyApprover, Err(NEXT_COUNTY)),
    (E, S::AwaitingCountyApproval, A::TownReview, R::CountyApprover, Err(NEXT_COUNTY)),
    (E, S::AwaitingCountyApproval, A::CountyApproval, R::CountyApprover, Ok(S::Approved)),
    (E, S::AwaitingCountyApproval, A::Reject, R::CountyApprover, Ok(S::Rejected)),
    (E, S::AwaitingCountyApproval, A::Rollback, R::CountyApprover, Err("本流程状态为「待县级审定」")),
    // Approved: closed, but the town office or the county may roll it back (回退).
    (E, S::Approved, A::HomeVisit, R::TownStaff, Err("本流程已结束（已消除）")),
    (E, S::Approved, A::DataCheck, R::TownStaff, Err("本流程已结束（已消除）")),
    (E, S::Approved, A::VillageReview, R::TownStaff, Err("本流程已结束（已消除）")),
    (E, S::Approved, A::PostNotice, R::TownStaff, Err("本流程已结束（已消除）")),
    (E, S::Approved, A::CloseNotice, R::TownStaff, Err("本流程已结束（已消除）")),
    (E, S::Approved, A::TownReview, R::TownStaff, Err("本流程已结束（已消除）")),
    (E, S::Approved, A::CountyApproval, R::TownStaff, Err("本流程已结束（已消除）")),
    (E, S::Approved, A::Reject, R::TownStaff, Err("本流程已结束（已消除）")),
    (E, S::Approved, A::Rollback, R::TownStaff, Ok(S::RolledBack)),
    (E, S::Approved, A::Rollback, R::CountyApprover, Ok(S::RolledBack)),
    (E, S::Approved, A::Rollback, R::VillageCadre, Err("由镇乡村振兴办或县级审定人员办理")),
    (E, S::Approved, A::Rollback, R::Helper, Err("您的角色是帮扶责任人")),
    //
    (E, S::Rejected, A::HomeVisit, R::TownStaff, Err("本流程已结束（不予消除）")),
    (E, S::Rejected, A::DataCheck, R::TownStaff, Err("本流程已结束（不予消除）")),
    (E, S::Rejected, A::VillageReview, R::TownStaff, Err("本流程已结束（不予消除）")),
    (E, S::Rejected, A::PostNotice, R::TownStaff, Err("本流程已结束（不予消除）")),
    (E, S::Rejected, A::CloseNotice, R::TownStaff, Err("本流程已结束（不予消除）")),
    (E, S::Rejected, A::TownReview, R::TownStaff, Err("本流程已结束（不予消除）")),
    (E, S::Rejected, A::CountyApproval, R::TownStaff, Err("本流程已结束（不予消除）")),
    (E, S::Rejected, A::Reject, R::TownStaff, Err("本流程已结束（不予消除）")),
    (E, S::Rejected, A::Rollback, R::TownStaff, Err("本流程状态为「不予消除」")),
    //
    (E, S::RolledBack, A::HomeVisit, R::TownStaff, Err("本流程已结束（已回退）")),
    (E, S::RolledBack, A::DataCheck, R::TownStaff, Err("本流程已结束（已回退）")),
    (E, S::RolledBack, A::VillageReview, R::TownStaff, Err("本流程已结束（已回退）")),
    (E, S::RolledBack, A::PostNotice, R::TownStaff, Err("本流程已结束（已回退）")),
    (E, S::RolledBack, A::CloseNotice, R::TownStaff, Err("本流程已结束（已回退）")),
    (E, S::RolledBack, A::TownReview, R::TownStaff, Err("本流程已结束（已回退）")),
    (E, S::RolledBack, A::CountyApproval, R::TownStaff, Err("本流程已结束（已回退）")),
    (E, S::RolledBack, A::Reject, R::TownStaff, Err("本流程已结束（已回退）")),
    (E, S::RolledBack, A::Rollback, R::TownStaff, Err("本流程状态为「已回退」")),
    // ── Who does what: the village cadre visits, reviews and posts the notice; the town office
    //    checks data and reviews; the county approves. Nobody else takes a step. ──
    (I, S::AwaitingVisit, A::HomeVisit, R::Helper, Err("由村干部办理，您的角色是帮扶责任人")),
    (I, S::AwaitingVisit, A::HomeVisit, R::TownStaff, Err("由村干部办理，您的角色是镇乡村振兴办")),
    (I, S::AwaitingVisit, A::HomeVisit, R::CountyApprover, Err("由村干部办理，您的角色是县级审定")),
    (I, S::AwaitingVisit, A::HomeVisit, R::Department, Err("由村干部办理，您的角色是部门")),
    (I, S::AwaitingVisit, A::HomeVisit, R::Viewer, Err("由村干部办理，您的角色是领导")),
    (I, S::AwaitingVisit, A::HomeVisit, R::Admin, Err("由村干部办理，您的角色是管理员")),
    (I, S::AwaitingDataCheck, A::DataCheck, R::VillageCadre, Err("由镇乡村振兴办办理，您的角色是村干部")),
    (I, S::AwaitingDataCheck, A::DataCheck, R::Helper, Err("由镇乡村振兴办办理，您的角色是帮扶责任人")),
    (I, S::AwaitingDataCheck, A::DataCheck, R::CountyApprover, Err("由镇乡村振兴办办理，您的角色是县级审定")),
    (I, S::AwaitingDataCheck, A::DataCheck, R::Department, Err("由镇乡村振兴办办理，您的角色是部门")),
    (I, S::AwaitingDataCheck, A::DataCheck, R::Viewer, Err("由镇乡村振兴办办理，您的角色是领导")),
    (I, S::AwaitingDataCheck, A::DataCheck, R::Admin, Err("由镇乡村振兴办办理，您的角色是管理员")),
    (I, S::AwaitingReview, A::VillageReview, R::TownStaff, Err(CADRE)),
    (I, S::AwaitingReview, A::VillageReview, R::Helper, Err(CADRE)),
    (I, S::AwaitingReview, A::VillageReview, R::CountyApprover, Err(CADRE)),
    (I, S::AwaitingReview, A::VillageReview, R::Department, Err(CADRE)),
    (I, S::AwaitingReview, A::VillageReview, R::Viewer, Err(CADRE)),
    (I, S::AwaitingReview, A::VillageReview, R::Admin, Err(CADRE)),
    (I, S::AwaitingNotice, A::PostNotice, R::TownStaff, Err(CADRE)),
    (I, S::AwaitingNotice, A::PostNotice, R::Helper, Err(CADRE)),
    (I, S::AwaitingNotice, A::PostNotice, R::CountyApprover, Err(CADRE)),
    (I, S::AwaitingNotice, A::PostNotice, R::Department, Err(CADRE)),
    (I, S::AwaitingNotice, A::PostNotice, R::Viewer, Err(CADRE)),
    (I, S::AwaitingNotice, A::PostNotice, R::Admin, Err(CADRE)),
    (I, S::Noticing, A::CloseNotice, R::TownStaff, Err(CADRE)),
    (I, S::Noticing, A::CloseNotice, R::Helper, Err(CADRE)),
    (I, S::Noticing, A::CloseNotice, R::CountyApprover, Err(CADRE)),
    (I, S::Noticing, A::CloseNotice, R::Department, Err(CADRE)),
    (I, S::Noticing, A::CloseNotice, R::Viewer, Err(CADRE)),
    (I, S::Noticing, A::CloseNotice, R::Admin, Err(CADRE)),
    (I, S::AwaitingTownReview, A::TownReview, R::VillageCadre, Err(TOWN)),
    (I, S::AwaitingTownReview, A::TownReview, R::Helper, Err(TOWN)),
    (I, S::AwaitingTownReview, A::TownReview, R::CountyApprover, Err(TOWN)),
    (I, S::AwaitingTownReview, A::TownReview, R::Department, Err(TOWN)),
    (I, S::AwaitingTownReview, A::TownReview, R::Viewer, Err(TOWN)),
    (I, S::AwaitingTownReview, A::TownReview, R::Admin, Err(TOWN)),
    (I, S::AwaitingCountyApproval, A::CountyApproval, R::VillageCadre, Err(COUNTY)),
    (I, S::AwaitingCountyApproval, A::CountyApproval, R::TownStaff, Err(COUNTY)),
    (I, S::AwaitingCountyApproval, A::CountyApproval, R::Helper, Err(COUNTY)),
    (I, S::AwaitingCountyApproval, A::CountyApproval, R::Department, Err(COUNTY)),
    (I, S::AwaitingCountyApproval, A::CountyApproval, R::Viewer, Err(COUNTY)),
    (I, S::AwaitingCountyApproval, A::CountyApproval, R::Admin, Err(COUNTY)),
    // Rejecting is for the role of the current step too.
    (I, S::AwaitingVisit, A::Reject, R::Helper, Err(CADRE)),
    (I, S::AwaitingDataCheck, A::Reject, R::VillageCadre, Err(TOWN)),
    (I, S::AwaitingCountyApproval, A::Reject, R::TownStaff, Err(COUNTY)),
    (E, S::AwaitingVisit, A::Reject, R::Helper, Err(CADRE)),
    (E, S::AwaitingTownReview, A::Reject, R::VillageCadre, Err(TOWN)),
    (E, S::AwaitingCountyApproval, A::Reject, R::TownStaff, Err(COUNTY)),
];

/// Applies one row's action, dated [`TODAY`], to a case of its kind in its state.
fn run(kind: CaseKind, state: CaseState, a: ActionKind, role: Role) -> Result<Case, String> {
    let case = case_in(kind, state);
    case.apply(&action(kind, a, TODAY), &ctx(role, TODAY))
        .map_err(|r| r.0)
}

/// Compares one outcome with the expected one; `None` when they agree.
fn mismatch(outcome: &Result<Case, String>, expected: &Result<S, String>) -> Option<String> {
    match (outcome, expected) {
        (Ok(case), Ok(state)) if case.state == *state && case.last_date == TODAY => None,
        (Err(message), Err(piece)) if message.contains(piece.as_str()) => None,
        (Ok(case), _) => Some(format!("accepted → {:?}", case.state)),
        (Err(message), _) => Some(format!("refused: {message}")),
    }
}

#[test]
fn every_row_of_the_table() {
    let failures: Vec<String> = TABLE
        .iter()
        .filter_map(|&(kind, state, a, role, expected)| {
            let expected = expected.map_err(str::to_string);
            mismatch(&run(kind, state, a, role), &expected).map(|m| {
                format!("{kind:?} {state:?} {a:?} by {role:?}: expected {expected:?}, {m}")
            })
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(TABLE.len(), 231, "rows (update when adding some)");
}

/// Every kind × state × action has a row (its first row names the acting role).
#[test]
fn the_table_is_complete() {
    for &kind in CaseKind::ALL {
        for &state in CaseState::ALL {
            for &a in ActionKind::ALL.iter().filter(|a| **a != A::Clue) {
                let row = TABLE
                    .iter()
                    .find(|r| (r.0, r.1, r.2) == (kind, state, a))
                    .unwrap_or_else(|| panic!("no row for {kind:?} {state:?} {a:?}"));
                let acting = state.acting_role().unwrap_or(R::TownStaff);
                assert_eq!(row.3, acting, "first row of {kind:?} {state:?} {a:?}");
            }
        }
    }
}

/// Roles the table does not list for a (kind, state, action): refused for the same reason as the
/// acting role when the step itself is impossible, else because of their role.
#[test]
fn every_other_role() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for &kind in CaseKind::ALL {
        for &state in CaseState::ALL {
            for &a in ActionKind::ALL.iter().filter(|a| **a != A::Clue) {
                let rows: Vec<&Row> = TABLE
                    .iter()
                    .filter(|r| (r.0, r.1, r.2) == (kind, state, a))
                    .collect();
                let first = rows[0];
                for &role in R::ALL {
                    if rows.iter().any(|r| r.3 == role) {
                        continue;
                    }
                    let expected = match first.4 {
                        Err(piece) => Err(piece.to_string()),
                        Ok(_) => Err(format!("您的角色是{}", role.label())),
                    };
                    checked += 1;
                    if let Some(m) = mismatch(&run(kind, state, a, role), &expected) {
                        failures.push(format!(
                            "{kind:?} {state:?} {a:?} by {role:?}: expected {expected:?}, {m}"
                        ));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(checked, 2 * 10 * 9 * 7 - TABLE.len());
}

#[test]
fn the_whole_identification_chain_from_clue_to_approved() {
    // A helper may record the clue (POLICY.md §2: channels include cadres' checks and self-reports).
    let mut case = Case::open(I, clue(ID_CLUE), &ctx(R::Helper, TODAY)).expect("clue");
    assert_eq!(case.state, S::AwaitingVisit);
    assert_eq!(case.last_date, ID_CLUE);
    let mut states = vec![case.state];
    for step in identification_chain() {
        case = case
            .apply(&step.action, &ctx(step.role, TODAY))
            .expect("step accepted");
        assert_eq!(case.state, step.after);
        assert_eq!(case.last_date, step.action.date());
        states.push(case.state);
    }
    assert_eq!(
        states,
        [
            S::AwaitingVisit,
            S::AwaitingDataCheck,
            S::AwaitingReview,
            S::AwaitingNotice,
            S::Noticing,
            S::AwaitingTownReview,
            S::AwaitingCountyApproval,
            S::Approved,
        ]
    );
    assert!(!case.is_open());
    assert_eq!(case.state_label(), "已纳入监测");
    assert_eq!(case.closed_on, Some(date!(2026 - 03 - 14)));
    assert_eq!(case.category, Some(MonitoringCategory::UnstableExited));
    assert_eq!(case.risks, [RiskType::Illness, RiskType::Schooling]);
    assert_eq!(case.per_capita, Some(Yuan::from_yuan(6_000)));
    assert_eq!(case.checklist.map(|c| c.medical), Some(false));
    assert_eq!(case.notice_start, Some(date!(2026 - 03 - 06)));
    assert_eq!(case.notice_end, Some(date!(2026 - 03 - 11)));
    assert_eq!(case.mode, None);
    assert_eq!(case.reason, None);
}

#[test]
fn the_elimination_chain_to_approved_then_rolled_back() {
    let mut case = open(E);
    for step in elimination_chain() {
        case = case
            .apply(&step.action, &ctx(step.role, TODAY))
            .expect("step accepted");
        assert_eq!(case.state, step.after);
    }
    assert_eq!(case.state_label(), "已消除");
    assert_eq!(case.mode, Some(EliminationMode::Assisted));
    assert_eq!(case.closed_on, Some(date!(2026 - 10 - 12)));

    // Not before the approval, and never without a reason.
    let rollback = |date: Date, reason: &str| {
        Action::Rollback(Reasoned {
            date,
            reason: reason.into(),
        })
    };
    let town = ctx(R::TownStaff, TODAY);
    let early = case
        .apply(&rollback(date!(2026 - 10 - 11), "仍需帮扶"), &town)
        .expect_err("before approval");
    assert!(
        early.0.contains("不能早于上一环节日期 2026-10-12"),
        "{early}"
    );
    let blank = case
        .apply(&rollback(date!(2026 - 11 - 20), "  "), &town)
        .expect_err("no reason");
    assert_eq!(blank.0, "请填写回退原因");

    let back = case
        .apply(
            &rollback(date!(2026 - 11 - 20), " 新患大病，仍需帮扶 "),
            &town,
        )
        .expect("rolled back");
    assert_eq!(back.state, S::RolledBack);
    assert_eq!(back.state_label(), "已回退");
    assert_eq!(back.closed_on, Some(date!(2026 - 11 - 20)));
    assert_eq!(back.reason.as_deref(), Some("新患大病，仍需帮扶"));
    assert!(!back.is_open());
}

#[test]
fn rollback_of_an_approved_identification_is_refused() {
    let approved = case_in(I, S::Approved);
    for role in [R::TownStaff, R::CountyApprover] {
        let err = approved
            .apply(&action(I, A::Rollback, TODAY), &ctx(role, TODAY))
            .expect_err("identification rollback");
        assert_eq!(err.0, "只有已审定的风险消除才能回退；识别流程不能回退");
    }
}

#[test]
fn rejected_and_approved_cases_take_no_more_actions() {
    for (kind, state, label) in [
        (I, S::Rejected, "不予纳入"),
        (I, S::Approved, "已纳入监测"),
        (E, S::Rejected, "不予消除"),
        (E, S::Approved, "已消除"),
    ] {
        let case = case_in(kind, state);
        assert_eq!(case.state_label(), label);
        let err = case
            .apply(&action(kind, A::Reject, TODAY), &ctx(R::TownStaff, TODAY))
            .expect_err("closed");
        assert_eq!(
            err.0,
            format!("本流程已结束（{label}），不能再办理「不予通过」")
        );
    }
}

#[test]
fn a_rejection_from_each_open_state_keeps_its_reason() {
    for &kind in CaseKind::ALL {
        for &state in CaseState::ALL.iter().filter(|s| s.is_open()) {
            let role = state
                .acting_role()
                .expect("open states have an acting role");
            let case = case_in(kind, state);
            let blank = Action::Reject(Reasoned {
                date: TODAY,
                reason: " ".into(),
            });
            let err = case
                .apply(&blank, &ctx(role, TODAY))
                .expect_err("no reason");
            assert_eq!(err.0, "请填写不予通过的原因");
            let rejected = case
                .apply(&action(kind, A::Reject, TODAY), &ctx(role, TODAY))
                .expect("rejected");
            assert_eq!(rejected.state, S::Rejected, "{kind:?} {state:?}");
            assert_eq!(rejected.closed_on, Some(TODAY));
            assert_eq!(rejected.reason.as_deref(), Some("经核实不符合条件"));
        }
    }
}

#[test]
fn only_cadres_helpers_and_the_town_office_record_clues() {
    for role in [R::VillageCadre, R::TownStaff, R::Helper] {
        for &kind in CaseKind::ALL {
            let case = Case::open(kind, clue(ID_CLUE), &ctx(role, TODAY)).expect("may record");
            assert_eq!(case.state, S::AwaitingVisit);
        }
    }
    for role in [R::Viewer, R::Department, R::Admin, R::CountyApprover] {
        let err = Case::open(I, clue(ID_CLUE), &ctx(role, TODAY)).expect_err("may not record");
        assert!(err.0.starts_with(role.label()), "{err}");
        assert!(err.0.contains("不能登记线索"), "{err}");
    }
    // The helper who recorded the clue does not do the home visit.
    let case = Case::open(I, clue(ID_CLUE), &ctx(R::Helper, TODAY)).expect("helper's clue");
    let err = case
        .apply(&action(I, A::HomeVisit, TODAY), &ctx(R::Helper, TODAY))
        .expect_err("helper's visit");
    assert_eq!(err.0, "「入户核实」由村干部办理，您的角色是帮扶责任人");
    // A clue needs its reporter and description.
    let mut blank = clue(ID_CLUE);
    blank.reporter = " ".into();
    assert!(Case::open(I, blank, &ctx(R::VillageCadre, TODAY)).is_err());
    let mut blank = clue(ID_CLUE);
    blank.description = String::new();
    assert!(Case::open(I, blank, &ctx(R::VillageCadre, TODAY)).is_err());
}

#[test]
fn dates_in_the_future_are_refused() {
    let today = date!(2026 - 03 - 03);
    let tomorrow = date!(2026 - 03 - 04);
    let err = Case::open(I, clue(tomorrow), &ctx(R::VillageCadre, today)).expect_err("future clue");
    assert_eq!(err.0, "线索日期 2026-03-04 不能晚于今天（2026-03-03）");
    let case = open(I);
    let cadre = ctx(R::VillageCadre, today);
    let err = case
        .apply(&action(I, A::HomeVisit, tomorrow), &cadre)
        .expect_err("future visit");
    assert_eq!(err.0, "入户核实日期 2026-03-04 不能晚于今天（2026-03-03）");
    assert!(case.apply(&action(I, A::HomeVisit, today), &cadre).is_ok());
    // Closing a notice tomorrow is refused just the same.
    let noticing = case_in(I, S::Noticing);
    let err = noticing
        .apply(
            &action(I, A::CloseNotice, date!(2026 - 03 - 13)),
            &ctx(R::VillageCadre, date!(2026 - 03 - 12)),
        )
        .expect_err("future close");
    assert!(err.0.contains("不能晚于今天（2026-03-12）"), "{err}");
}

#[test]
fn a_step_dated_before_the_previous_step_is_refused() {
    let cadre = ctx(R::VillageCadre, TODAY);
    let case = open(I);
    let err = case
        .apply(&action(I, A::HomeVisit, date!(2026 - 03 - 01)), &cadre)
        .expect_err("before the clue");
    assert_eq!(
        err.0,
        "入户核实日期 2026-03-01 不能早于上一环节日期 2026-03-02"
    );
    // The same day as the previous step is fine.
    assert!(
        case.apply(&action(I, A::HomeVisit, ID_CLUE), &cadre)
            .is_ok()
    );
    let visited = case_in(I, S::AwaitingDataCheck);
    let err = visited
        .apply(
            &action(I, A::DataCheck, date!(2026 - 03 - 03)),
            &ctx(R::TownStaff, TODAY),
        )
        .expect_err("before the visit");
    assert!(err.0.contains("不能早于上一环节日期 2026-03-04"), "{err}");
}

fn posting(start: Date, end: Date) -> Action {
    Action::PostNotice(NoticePosting { start, end })
}

#[test]
fn the_notice_runs_at_least_the_notice_days() {
    let case = case_in(I, S::AwaitingNotice);
    let start = date!(2026 - 03 - 06);
    let cadre = ctx(R::VillageCadre, TODAY);
    let posted = case
        .apply(&posting(start, add_days(start, 5)), &cadre)
        .expect("start + 5 days");
    assert_eq!(posted.notice_start, Some(start));
    assert_eq!(posted.notice_end, Some(date!(2026 - 03 - 11)));
    let err = case
        .apply(&posting(start, add_days(start, 4)), &cadre)
        .expect_err("start + 4 days");
    assert_eq!(
        err.0,
        "公示期不少于5天：公示自 2026-03-06 开始，结束日期最早为 2026-03-11"
    );

    // A county that lengthens the notice to 7 days (POLICY.md §2: "at least 5", regional data).
    let village = DivisionCode::parse("500110120201").expect("code");
    let policy = Policy::new(vec![PolicyValue {
        key: PolicyKey::NoticeDays,
        region: Some(DivisionCode::parse("500110").expect("code")),
        year: 2026,
        value: 7,
        is_default: false,
    }]);
    let seven = Context {
        rules: policy.rules(&village, start),
        ..cadre
    };
    assert_eq!(seven.rules.notice_days, 7);
    assert!(
        case.apply(&posting(start, add_days(start, 7)), &seven)
            .is_ok()
    );
    let err = case
        .apply(&posting(start, add_days(start, 6)), &seven)
        .expect_err("start + 6 days");
    assert!(err.0.contains("公示期不少于7天"), "{err}");
    assert!(err.0.contains("结束日期最早为 2026-03-13"), "{err}");
}

fn closing(date: Date, objections: &str, upheld: bool) -> Action {
    Action::CloseNotice(NoticeClosing {
        date,
        objections: objections.into(),
        upheld,
    })
}

#[test]
fn the_notice_closes_the_day_after_its_end() {
    let noticing = case_in(I, S::Noticing);
    assert_eq!(noticing.notice_end, Some(date!(2026 - 03 - 11)));
    let cadre = ctx(R::VillageCadre, TODAY);
    let err = noticing
        .apply(&closing(date!(2026 - 03 - 11), "", false), &cadre)
        .expect_err("on the end date");
    assert_eq!(err.0, "公示期至 2026-03-11 结束，2026-03-12 起才能结束公示");
    assert!(
        noticing
            .apply(&closing(date!(2026 - 03 - 08), "", false), &cadre)
            .is_err()
    );
    let closed = noticing
        .apply(&closing(date!(2026 - 03 - 12), "", false), &cadre)
        .expect("the day after");
    assert_eq!(closed.state, S::AwaitingTownReview);
    assert_eq!(closed.last_date, date!(2026 - 03 - 12));
    // Objections that are not upheld do not stop the case.
    let objected = noticing
        .apply(
            &closing(date!(2026 - 03 - 12), "邻居反映其子在外务工", false),
            &cadre,
        )
        .expect("objection not upheld");
    assert_eq!(objected.state, S::AwaitingTownReview);
}

#[test]
fn an_upheld_objection_rejects_with_its_reason() {
    let noticing = case_in(I, S::Noticing);
    let cadre = ctx(R::VillageCadre, TODAY);
    let rejected = noticing
        .apply(
            &closing(date!(2026 - 03 - 12), " 家中有经营性货车一辆 ", true),
            &cadre,
        )
        .expect("upheld");
    assert_eq!(rejected.state, S::Rejected);
    assert_eq!(rejected.closed_on, Some(date!(2026 - 03 - 12)));
    assert_eq!(
        rejected.reason.as_deref(),
        Some("公示期间异议成立：家中有经营性货车一辆")
    );
    let err = noticing
        .apply(&closing(date!(2026 - 03 - 12), " ", true), &cadre)
        .expect_err("upheld without objection");
    assert_eq!(err.0, "异议成立时请填写异议内容");
}

fn visit_action(v: HomeVisit) -> Action {
    Action::HomeVisit(v)
}

#[test]
fn the_household_must_sign_the_consent() {
    let mut v = visit(I, ID_CLUE);
    v.consent_signed = false;
    let err = open(I)
        .apply(&visit_action(v), &ctx(R::VillageCadre, TODAY))
        .expect_err("no consent");
    assert!(err.0.contains("未签署承诺授权书"), "{err}");
    assert!(err.0.contains("不予通过"), "{err}");
    let mut v = visit(E, EL_CLUE);
    v.consent_signed = false;
    assert!(
        open(E)
            .apply(&visit_action(v), &ctx(R::VillageCadre, TODAY))
            .is_err()
    );
    let mut v = visit(I, ID_CLUE);
    v.visitors = " ".into();
    let err = open(I)
        .apply(&visit_action(v), &ctx(R::VillageCadre, TODAY))
        .expect_err("no visitors");
    assert_eq!(err.0, "请填写入户人员");
    let mut v = visit(I, ID_CLUE);
    v.income.size = 0;
    let err = open(I)
        .apply(&visit_action(v), &ctx(R::VillageCadre, TODAY))
        .expect_err("nobody");
    assert_eq!(err.0, "家庭人口数应至少为1");
}

#[test]
fn one_to_five_distinct_risk_types() {
    use RiskType as T;
    let cadre = ctx(R::VillageCadre, TODAY);
    let with = |risks: Vec<RiskType>| {
        let mut v = visit(I, ID_CLUE);
        v.risks = risks;
        open(I).apply(&visit_action(v), &cadre).map_err(|r| r.0)
    };
    assert_eq!(with(vec![]).expect_err("none"), "请至少选择一项风险类型");
    let six = vec![
        T::Illness,
        T::Schooling,
        T::Disability,
        T::Disaster,
        T::Accident,
        T::Housing,
    ];
    assert_eq!(
        with(six.clone()).expect_err("six"),
        "风险类型最多 5 项，已选 6 项"
    );
    let five = with(six[..5].to_vec()).expect("five");
    assert_eq!(five.risks.len(), 5);
    assert_eq!(
        with(vec![T::Illness, T::Accident, T::Illness]).expect_err("repeat"),
        "风险类型“因病”重复"
    );
    // An elimination visit needs no risk, but what it lists is checked the same way.
    let mut v = visit(E, EL_CLUE);
    v.risks = vec![T::Illness, T::Illness];
    assert!(open(E).apply(&visit_action(v), &cadre).is_err());
}

/// An identification waiting for its village review, visited with this per-capita income.
fn at_review(per_capita_fen: i64) -> Case {
    let mut v = visit(I, date!(2026 - 03 - 04));
    v.income = income(per_capita_fen, 4);
    let cadre = ctx(R::VillageCadre, TODAY);
    let town = ctx(R::TownStaff, TODAY);
    let visited = open(I).apply(&visit_action(v), &cadre).expect("visit");
    visited
        .apply(&action(I, A::DataCheck, date!(2026 - 03 - 05)), &town)
        .expect("data check")
}

fn review(category: Option<MonitoringCategory>) -> Action {
    Action::VillageReview(VillageReview {
        date: date!(2026 - 03 - 06),
        attendance: 31,
        passed: true,
        opinion: "同意纳入".into(),
        category,
        mode: None,
    })
}

#[test]
fn the_category_fits_the_household_kind_and_income() {
    use MonitoringCategory as C;
    let decide = |kind: HouseholdKind, per_capita_fen: i64, category: C| {
        let c = Context {
            household_kind: kind,
            ..ctx(R::VillageCadre, TODAY)
        };
        at_review(per_capita_fen)
            .apply(&review(Some(category)), &c)
            .map(|case| case.category)
            .map_err(|r| r.0)
    };
    let line = 700_000;
    // 脱贫不稳定户 only for 脱贫户, 边缘易致贫户 only for 一般农户.
    let err = decide(HouseholdKind::Ordinary, 600_000, C::UnstableExited).expect_err("ordinary");
    assert!(err.starts_with("脱贫不稳定户只适用于脱贫户"), "{err}");
    let err = decide(HouseholdKind::Exited, 600_000, C::Marginal).expect_err("exited");
    assert!(err.starts_with("边缘易致贫户只适用于一般农户"), "{err}");
    assert_eq!(
        decide(HouseholdKind::Exited, 600_000, C::UnstableExited),
        Ok(Some(C::UnstableExited))
    );
    // Inside the range means at most the line: exactly the line is still 边缘易致贫户.
    assert_eq!(
        decide(HouseholdKind::Ordinary, line, C::Marginal),
        Ok(Some(C::Marginal))
    );
    let err = decide(HouseholdKind::Ordinary, line + 1, C::Marginal).expect_err("above the line");
    assert_eq!(
        err,
        "人均纯收入 7,000.01 元 高于监测范围 7,000.00 元，不属于边缘易致贫户；\
         因病、因灾等刚性支出导致基本生活出现严重困难的，可认定为突发严重困难户"
    );
    let err = decide(HouseholdKind::Exited, line + 1, C::UnstableExited).expect_err("above");
    assert!(err.contains("突发严重困难户"), "{err}");
    // 突发严重困难户 may be above the line, 脱贫户 or not.
    assert_eq!(
        decide(HouseholdKind::Ordinary, 1_500_000, C::SuddenHardship),
        Ok(Some(C::SuddenHardship))
    );
    assert_eq!(
        decide(HouseholdKind::Exited, line + 1, C::SuddenHardship),
        Ok(Some(C::SuddenHardship))
    );
    // A passed review must name the category.
    let err = at_review(600_000)
        .apply(&review(None), &ctx(R::VillageCadre, TODAY))
        .expect_err("no category");
    assert_eq!(err.0, "评议通过时请选择拟认定的监测对象类别");

    // The same rules directly, and the suggestion the visit form makes.
    let l = Yuan::from_fen(line);
    assert!(check_category(C::Marginal, HouseholdKind::Ordinary, None, l).is_ok());
    assert!(check_category(C::Marginal, HouseholdKind::Ordinary, Some(l), l).is_ok());
    let above = Some(Yuan::from_fen(line + 1));
    assert!(check_category(C::Marginal, HouseholdKind::Ordinary, above, l).is_err());
    let within = Some(l);
    assert_eq!(
        suggest_category(HouseholdKind::Exited, within, l),
        C::UnstableExited
    );
    assert_eq!(
        suggest_category(HouseholdKind::Ordinary, within, l),
        C::Marginal
    );
    assert_eq!(
        suggest_category(HouseholdKind::Exited, above, l),
        C::SuddenHardship
    );
    assert_eq!(
        suggest_category(HouseholdKind::Ordinary, above, l),
        C::SuddenHardship
    );
    assert_eq!(
        suggest_category(HouseholdKind::Ordinary, None, l),
        C::Marginal
    );
}

#[test]
fn the_elimination_visit_confirms_risk_checklist_and_income() {
    let cadre = ctx(R::VillageCadre, TODAY);
    let try_visit = |v: HomeVisit| open(E).apply(&visit_action(v), &cadre).map_err(|r| r.0);

    let mut v = visit(E, EL_CLUE);
    v.risk_resolved = false;
    let err = try_visit(v).expect_err("risk not resolved");
    assert_eq!(
        err,
        "入户核实未确认风险已消除，不能继续风险消除；可选择「不予通过」"
    );

    let mut v = visit(E, EL_CLUE);
    v.checklist.housing = false;
    v.checklist.water = false;
    let err = try_visit(v).expect_err("checklist gap");
    assert_eq!(
        err,
        "三保障和饮水安全未全部保障（住房安全有保障、饮水安全有保障），不能标注风险消除"
    );

    let mut v = visit(E, EL_CLUE);
    v.income = income(700_000, 3);
    let err = try_visit(v).expect_err("at the line");
    assert_eq!(
        err,
        "人均纯收入 7,000.00 元 未高于当年监测范围 7,000.00 元，不能标注风险消除"
    );

    let mut v = visit(E, EL_CLUE);
    v.income = income(700_001, 3);
    let visited = try_visit(v).expect("one fen above");
    assert_eq!(visited.state, S::AwaitingReview);
    assert_eq!(visited.per_capita, Some(Yuan::from_fen(700_001)));
}

#[test]
fn negative_outcomes_of_each_step_reject_with_a_reason() {
    let town = ctx(R::TownStaff, TODAY);
    let cadre = ctx(R::VillageCadre, TODAY);
    let county = ctx(R::CountyApprover, TODAY);

    // 信息比对 finds something: rejected with what was found; a bare "inconsistent" is refused.
    let data = |notes: &str| {
        Action::DataCheck(DataCheck {
            date: TODAY,
            consistent: false,
            notes: notes.into(),
        })
    };
    let checking = case_in(I, S::AwaitingDataCheck);
    assert_eq!(
        checking.apply(&data(" "), &town).expect_err("no notes").0,
        "信息比对发现不符时，请说明不符的情况"
    );
    let rejected = checking
        .apply(&data("名下有商品房一套"), &town)
        .expect("rejected");
    assert_eq!(rejected.state, S::Rejected);
    assert_eq!(
        rejected.reason.as_deref(),
        Some("信息比对发现不符：名下有商品房一套")
    );

    // 村级民主评议.
    let reviewing = case_in(I, S::AwaitingReview);
    let mut r = VillageReview {
        date: TODAY,
        attendance: 0,
        passed: true,
        opinion: "同意".into(),
        category: Some(MonitoringCategory::UnstableExited),
        mode: None,
    };
    let err = reviewing
        .apply(&Action::VillageReview(r.clone()), &cadre)
        .expect_err("nobody attended");
    assert_eq!(err.0, "请填写参加民主评议的人数");
    r.attendance = 25;
    r.opinion = String::new();
    assert_eq!(
        reviewing
            .apply(&Action::VillageReview(r.clone()), &cadre)
            .expect_err("no opinion")
            .0,
        "请填写评议意见"
    );
    r.opinion = "收入高于监测范围".into();
    r.passed = false;
    let rejected = reviewing
        .apply(&Action::VillageReview(r.clone()), &cadre)
        .expect("not passed");
    assert_eq!(rejected.state, S::Rejected);
    assert_eq!(
        rejected.reason.as_deref(),
        Some("村级民主评议未通过：收入高于监测范围")
    );
    // An elimination review must name the mode.
    r.passed = true;
    r.category = None;
    let err = case_in(E, S::AwaitingReview)
        .apply(&Action::VillageReview(r.clone()), &cadre)
        .expect_err("no mode");
    assert_eq!(err.0, "评议通过时请选择风险消除方式（帮扶消除或自然消除）");
    r.mode = Some(EliminationMode::Natural);
    let reviewed = case_in(E, S::AwaitingReview)
        .apply(&Action::VillageReview(r), &cadre)
        .expect("natural");
    assert_eq!(reviewed.mode, Some(EliminationMode::Natural));
    assert_eq!(reviewed.category, None);

    // 乡镇审核 and 县级审定: a refusal needs an opinion and rejects with it.
    let decision = |opinion: &str| Decision {
        date: TODAY,
        passed: false,
        opinion: opinion.into(),
    };
    let at_town = case_in(I, S::AwaitingTownReview);
    assert_eq!(
        at_town
            .apply(&Action::TownReview(decision("")), &town)
            .expect_err("no opinion")
            .0,
        "审核不通过时请填写意见"
    );
    let rejected = at_town
        .apply(&Action::TownReview(decision("材料不全")), &town)
        .expect("town rejects");
    assert_eq!(rejected.reason.as_deref(), Some("乡镇审核未通过：材料不全"));
    let at_county = case_in(E, S::AwaitingCountyApproval);
    assert_eq!(
        at_county
            .apply(&Action::CountyApproval(decision(" ")), &county)
            .expect_err("no opinion")
            .0,
        "审定不通过时请填写意见"
    );
    let rejected = at_county
        .apply(&Action::CountyApproval(decision("收入不稳定")), &county)
        .expect("county rejects");
    assert_eq!(rejected.state, S::Rejected);
    assert_eq!(rejected.state_label(), "不予消除");
    assert_eq!(
        rejected.reason.as_deref(),
        Some("县级审定未通过：收入不稳定")
    );
}

#[test]
fn the_table_assumes_the_documented_defaults() {
    // The table and the walks assume the documented defaults.
    let r = Rules::default();
    assert_eq!(
        (r.notice_days, r.identification_days, r.home_visit_days),
        (5, 15, 3)
    );
    assert_eq!(r.monitoring_line, Yuan::from_yuan(7_000));
}
