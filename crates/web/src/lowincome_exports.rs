//! The low-income lists as workbooks, shared by the pages' 导出 Excel and the CLI's `export
//! premium`: the population list, the medical three tiers and the pension premium subsidy (代缴)
//! list for the social-insurance office. ID numbers are masked unless the caller asked for them and
//! may see them (the caller decides and audits); no health field is written.

use time::Date;
use zhenxing_domain::CodeEnum;
use zhenxing_domain::household::group_label;
use zhenxing_domain::lowincome::PremiumGroup;
use zhenxing_domain::policy::RATIO_SCALE;
use zhenxing_domain::{Yuan, id_number::mask_id};
use zhenxing_exchange::Cell;
use zhenxing_store::{LowIncomeRow, MedicalPersonRow, PremiumCandidate};

use crate::error::AppError;

/// The people of a year's 代缴 list: the candidates the domain put on it, in village, household
/// and member order.
pub fn premium_list(candidates: Vec<PremiumCandidate>) -> Vec<PremiumCandidate> {
    candidates
        .into_iter()
        .filter(|c| c.group.is_some())
        .collect()
}

/// Σ 代缴金额 of a list.
pub fn premium_total(list: &[PremiumCandidate]) -> Yuan {
    Yuan::from_fen(
        list.iter()
            .filter_map(|c| c.subsidy)
            .map(Yuan::fen)
            .fold(0i64, i64::saturating_add),
    )
}

/// The 代缴 list as the social-insurance office reads it: 序号, 姓名, 证件号码, 行政村, 类别,
/// 代缴金额（元）, and a 合计 row.
pub fn premium_workbook(list: &[PremiumCandidate], unmasked: bool) -> Result<Vec<u8>, AppError> {
    let headers = [
        "序号",
        "姓名",
        "证件号码",
        "行政村",
        "类别",
        "代缴金额（元）",
    ];
    let mut rows: Vec<Vec<Cell>> = list
        .iter()
        .enumerate()
        .map(|(i, c)| {
            vec![
                Cell::Int(i64::try_from(i + 1).unwrap_or(i64::MAX)),
                Cell::Text(c.name.clone()),
                Cell::Text(if unmasked {
                    c.id_number.clone()
                } else {
                    mask_id(&c.id_number)
                }),
                Cell::Text(c.village_name.clone()),
                Cell::text(c.group.map(PremiumGroup::label).unwrap_or_default()),
                c.subsidy.map_or(Cell::Empty, Cell::Money),
            ]
        })
        .collect();
    rows.push(vec![
        Cell::Text("合计".into()),
        Cell::Text(format!("{} 人", list.len())),
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        Cell::Money(premium_total(list)),
    ]);
    zhenxing_exchange::write_table_xlsx_bytes("代缴名单", &headers, &rows)
        .map_err(|e| AppError::internal(format!("premium workbook: {e}")))
}

/// A ratio ×10^4 as a percentage with two decimals: `1917` → `19.17%`.
pub fn percent(ratio: i64) -> String {
    let sign = if ratio < 0 { "-" } else { "" };
    // Hundredths of a per cent are ten-thousandths.
    let v = ratio.unsigned_abs() * 10_000 / RATIO_SCALE.unsigned_abs();
    format!("{sign}{}.{:02}%", v / 100, v % 100)
}

/// The medical three-tier list (names and masked IDs only; no health status).
pub fn medical_workbook(rows: &[MedicalPersonRow], year: i32) -> Result<Vec<u8>, AppError> {
    let headers = [
        "姓名",
        "证件号码",
        "行政村",
        "户编号",
        "年度",
        "结算记录数",
        "医疗总费用（元）",
        "基本医保支付（元）",
        "大病保险支付（元）",
        "医疗救助支付（元）",
        "个人自付（元）",
        "合规自付（元）",
        "政策范围内费用（元）",
        "政策范围内自付比例",
        "个人自付占总费用比例",
        "医疗救助类别",
    ];
    let cells: Vec<Vec<Cell>> = rows
        .iter()
        .map(|r| {
            let m = &r.medical;
            vec![
                Cell::Text(r.name.clone()),
                Cell::Text(mask_id(&r.id_number)),
                Cell::Text(r.village_name.clone()),
                Cell::Text(r.household_no.clone()),
                Cell::Int(i64::from(year)),
                Cell::Int(i64::from(m.records)),
                Cell::Money(m.total),
                Cell::Money(m.basic),
                Cell::Money(m.critical),
                Cell::Money(m.assistance),
                Cell::Money(m.out_of_pocket),
                Cell::Money(m.eligible),
                Cell::Money(m.in_scope()),
                Cell::text(m.in_scope_ratio().map(percent).unwrap_or_default()),
                Cell::text(m.oop_ratio().map(percent).unwrap_or_default()),
                Cell::text(r.class.map(|c| c.label()).unwrap_or_default()),
            ]
        })
        .collect();
    zhenxing_exchange::write_table_xlsx_bytes("医疗三重保障", &headers, &cells)
        .map_err(|e| AppError::internal(format!("medical workbook: {e}")))
}

/// The low-income population list (households; no identities).
pub fn population_workbook(rows: &[LowIncomeRow], today: Date) -> Result<Vec<u8>, AppError> {
    let headers = [
        "户编号",
        "行政村",
        "村民小组",
        "户主姓名",
        "家庭人口数",
        "户类型",
        "监测对象类别",
        "低收入人口类型",
        "低保月救助金（元）",
        "最近收入年度",
        "人均纯收入（元）",
        "统计日期",
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
                Cell::Text(r.household_kind.label().into()),
                Cell::text(r.monitoring_category.map(|c| c.label()).unwrap_or_default()),
                Cell::Text(
                    r.types
                        .iter()
                        .map(|t| t.label())
                        .collect::<Vec<_>>()
                        .join("、"),
                ),
                r.dibao_amount.map_or(Cell::Empty, Cell::Money),
                r.latest_income_year
                    .map_or(Cell::Empty, |y| Cell::Int(i64::from(y))),
                r.latest_net_income_per_capita
                    .map_or(Cell::Empty, Cell::Money),
                Cell::Text(today.to_string()),
            ]
        })
        .collect();
    zhenxing_exchange::write_table_xlsx_bytes("低收入人口", &headers, &cells)
        .map_err(|e| AppError::internal(format!("low-income workbook: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_are_shown_as_percentages_with_two_decimals() {
        assert_eq!(percent(1917), "19.17%");
        assert_eq!(percent(10_000), "100.00%");
        assert_eq!(percent(5), "0.05%");
        assert_eq!(percent(0), "0.00%");
    }
}
