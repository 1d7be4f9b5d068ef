//! The monitoring lists as workbooks, shared by the pages' 导出 Excel and the CLI's `export`.
//! Headers are the policy's Chinese; identities never appear (the rows carry none).

use time::Date;
use zhenxing_domain::CodeEnum;
use zhenxing_domain::household::group_label;
use zhenxing_domain::risk::risk_labels;
use zhenxing_exchange::Cell;
use zhenxing_store::{CaseRecord, MonitoredRow};

use crate::error::AppError;
use crate::views;

/// The case list (办理流程) as an xlsx workbook.
pub fn cases_workbook(records: &[CaseRecord], today: Date) -> Result<Vec<u8>, AppError> {
    let headers = [
        "户编号",
        "行政村",
        "村民小组",
        "户主姓名",
        "流程",
        "办理状态",
        "线索来源",
        "线索日期",
        "监测对象类别",
        "风险类型",
        "公示开始",
        "公示结束",
        "办结日期",
        "当前环节期限",
        "是否逾期",
        "原因",
    ];
    let date = |d: Option<Date>| d.map_or(Cell::Empty, |d| Cell::Text(d.to_string()));
    let rows: Vec<Vec<Cell>> = records
        .iter()
        .map(|r| {
            vec![
                Cell::Text(r.household_no.clone()),
                Cell::Text(r.village_name.clone()),
                Cell::text(r.group.map(group_label).unwrap_or_default()),
                Cell::text(r.head_name.clone().unwrap_or_default()),
                Cell::Text(r.case.kind.label().into()),
                Cell::Text(r.case.state_label().into()),
                Cell::Text(r.case.clue.source.label().into()),
                Cell::Text(r.case.clue.date.to_string()),
                Cell::text(views::label(r.case.category)),
                Cell::text(risk_labels(&r.case.risks)),
                date(r.case.notice_start),
                date(r.case.notice_end),
                date(r.case.closed_on),
                date(r.step_due),
                Cell::Text(
                    if crate::cases::stored_overdue(r, today) {
                        "是"
                    } else {
                        "否"
                    }
                    .into(),
                ),
                Cell::text(r.case.reason.clone().unwrap_or_default()),
            ]
        })
        .collect();
    zhenxing_exchange::write_table_xlsx_bytes("办理流程", &headers, &rows)
        .map_err(|e| AppError::internal(format!("cases workbook: {e}")))
}

/// The monitored-household list (监测户名单) as an xlsx workbook.
pub fn monitored_workbook(rows: &[MonitoredRow]) -> Result<Vec<u8>, AppError> {
    let headers = [
        "户编号",
        "行政村",
        "村民小组",
        "户主姓名",
        "家庭人口数",
        "监测对象类别",
        "风险类型",
        "识别监测时间",
        "风险是否已消除",
        "风险消除时间",
        "风险消除方式",
        "已落实帮扶措施数",
        "帮扶责任人",
    ];
    let cells: Vec<Vec<Cell>> = rows
        .iter()
        .map(|r| {
            vec![
                Cell::Text(r.household_no.clone()),
                Cell::Text(r.village_name.clone()),
                Cell::text(r.group.map(group_label).unwrap_or_default()),
                Cell::text(r.head_name.clone().unwrap_or_default()),
                Cell::Int(r.size),
                Cell::text(views::label(r.category)),
                Cell::text(risk_labels(&r.risks)),
                Cell::text(
                    r.identified_on
                        .map(zhenxing_domain::policy::year_month)
                        .unwrap_or_default(),
                ),
                Cell::Text(if r.risk_eliminated { "是" } else { "否" }.into()),
                Cell::text(r.eliminated_on.map(|d| d.to_string()).unwrap_or_default()),
                Cell::text(views::label(r.elimination_mode)),
                Cell::Int(r.implemented_measures),
                Cell::text(r.helper_name.clone().unwrap_or_default()),
            ]
        })
        .collect();
    zhenxing_exchange::write_table_xlsx_bytes("监测户", &headers, &cells)
        .map_err(|e| AppError::internal(format!("monitored workbook: {e}")))
}
