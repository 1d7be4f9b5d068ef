//! The roster layout's fields and their Chinese headers (LAYOUT.md), in export order: the one table
//! that the importer, the exporter, the audit history and the forms all name fields by.

/// `(field, header)` of the household columns.
pub const HOUSEHOLD_FIELDS: &[(&str, &str)] = &[
    ("town", "乡（镇）"),
    ("village", "行政村"),
    ("group", "村民小组"),
    ("household_no", "户编号"),
    ("household_kind", "户类型"),
    ("monitoring_category", "监测对象类别"),
    ("size", "家庭人口数"),
    ("phone", "户联系电话"),
    ("house_safe", "住房是否安全"),
    ("water_safe", "是否解决安全饮用水"),
    ("farmland_mu", "耕地面积（亩）"),
    ("income_year", "收入年度"),
    ("wage_income", "工资性收入"),
    ("business_income", "生产经营性收入"),
    ("property_income", "财产性收入"),
    ("transfer_income", "转移性收入"),
    ("business_expense", "生产经营性支出"),
    ("net_income", "纯收入"),
    ("net_income_per_capita", "人均纯收入"),
];

/// `(field, header)` of the member columns.
pub const MEMBER_FIELDS: &[(&str, &str)] = &[
    ("name", "姓名"),
    ("id_number", "证件号码"),
    ("relation", "与户主关系"),
    ("sex", "性别"),
    ("birth_date", "出生日期"),
    ("ethnicity", "民族"),
    ("education", "文化程度"),
    ("schooling", "在校生状况"),
    ("health", "健康状况"),
    ("disability_grade", "残疾等级"),
    ("labour", "劳动技能"),
    ("work_months", "务工时间（月）"),
    ("medical_insured", "是否参加城乡居民基本医疗保险"),
    ("pension_insured", "是否参加城乡居民基本养老保险"),
    ("dibao", "是否享受低保"),
    ("tekun", "是否特困供养"),
    ("member_phone", "联系电话"),
];

/// The Chinese header of a field name, for history and messages.
pub fn header_of(field: &str) -> Option<&'static str> {
    HOUSEHOLD_FIELDS
        .iter()
        .chain(MEMBER_FIELDS)
        .find(|(f, _)| *f == field)
        .map(|(_, h)| *h)
}

/// The place of a field in export order (household fields first), for sorting.
pub fn position(field: &str) -> Option<usize> {
    HOUSEHOLD_FIELDS
        .iter()
        .chain(MEMBER_FIELDS)
        .position(|(f, _)| *f == field)
}
