//! The columns of the roster workbook (LAYOUT.md): Chinese header, English field name, and how a header
//! cell in a file is matched to one of them.

/// One column of the roster layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Field {
    Town,
    Village,
    Group,
    HouseholdNo,
    Kind,
    Category,
    Size,
    Phone,
    HouseSafe,
    WaterSafe,
    Farmland,
    IncomeYear,
    Wage,
    Business,
    Property,
    Transfer,
    Expense,
    Net,
    PerCapita,
    Name,
    IdNumber,
    Relation,
    Sex,
    BirthDate,
    Ethnicity,
    Education,
    Schooling,
    Health,
    DisabilityGrade,
    Labour,
    WorkMonths,
    MedicalInsured,
    PensionInsured,
    Dibao,
    Tekun,
    MemberPhone,
}

pub(crate) struct Spec {
    pub field: Field,
    pub header: &'static str,
    pub english: &'static str,
    pub required: bool,
    /// Other header spellings seen in township files.
    pub aliases: &'static [&'static str],
}

const fn spec(field: Field, header: &'static str, english: &'static str, required: bool) -> Spec {
    Spec {
        field,
        header,
        english,
        required,
        aliases: &[],
    }
}

/// Every column, household columns first, in the order an export writes them.
pub(crate) const SPECS: &[Spec] = &[
    Spec {
        aliases: &["乡镇", "乡(镇)", "镇"],
        ..spec(Field::Town, "乡（镇）", "town", true)
    },
    Spec {
        aliases: &["村", "村（社区）", "行政村（社区）"],
        ..spec(Field::Village, "行政村", "village", true)
    },
    Spec {
        aliases: &["组", "小组"],
        ..spec(Field::Group, "村民小组", "group", false)
    },
    Spec {
        aliases: &["户号"],
        ..spec(Field::HouseholdNo, "户编号", "household_no", true)
    },
    Spec {
        aliases: &["农户类型"],
        ..spec(Field::Kind, "户类型", "household_kind", true)
    },
    spec(
        Field::Category,
        "监测对象类别",
        "monitoring_category",
        false,
    ),
    Spec {
        aliases: &["家庭人口", "人口数"],
        ..spec(Field::Size, "家庭人口数", "size", false)
    },
    spec(Field::Phone, "户联系电话", "phone", false),
    spec(Field::HouseSafe, "住房是否安全", "house_safe", false),
    spec(Field::WaterSafe, "是否解决安全饮用水", "water_safe", false),
    Spec {
        aliases: &["耕地面积"],
        ..spec(Field::Farmland, "耕地面积（亩）", "farmland_mu", false)
    },
    spec(Field::IncomeYear, "收入年度", "income_year", false),
    spec(Field::Wage, "工资性收入", "wage_income", false),
    spec(Field::Business, "生产经营性收入", "business_income", false),
    spec(Field::Property, "财产性收入", "property_income", false),
    spec(Field::Transfer, "转移性收入", "transfer_income", false),
    spec(Field::Expense, "生产经营性支出", "business_expense", false),
    spec(Field::Net, "纯收入", "net_income", false),
    spec(
        Field::PerCapita,
        "人均纯收入",
        "net_income_per_capita",
        false,
    ),
    spec(Field::Name, "姓名", "name", true),
    Spec {
        aliases: &["身份证号码", "身份证号", "证件号"],
        ..spec(Field::IdNumber, "证件号码", "id_number", true)
    },
    spec(Field::Relation, "与户主关系", "relation", true),
    spec(Field::Sex, "性别", "sex", false),
    spec(Field::BirthDate, "出生日期", "birth_date", false),
    spec(Field::Ethnicity, "民族", "ethnicity", false),
    spec(Field::Education, "文化程度", "education", false),
    spec(Field::Schooling, "在校生状况", "schooling", false),
    spec(Field::Health, "健康状况", "health", false),
    spec(
        Field::DisabilityGrade,
        "残疾等级",
        "disability_grade",
        false,
    ),
    spec(Field::Labour, "劳动技能", "labour", false),
    Spec {
        aliases: &["务工时间"],
        ..spec(Field::WorkMonths, "务工时间（月）", "work_months", false)
    },
    spec(
        Field::MedicalInsured,
        "是否参加城乡居民基本医疗保险",
        "medical_insured",
        false,
    ),
    spec(
        Field::PensionInsured,
        "是否参加城乡居民基本养老保险",
        "pension_insured",
        false,
    ),
    spec(Field::Dibao, "是否享受低保", "dibao", false),
    spec(Field::Tekun, "是否特困供养", "tekun", false),
    spec(Field::MemberPhone, "联系电话", "member_phone", false),
];

pub(crate) const FIELD_COUNT: usize = SPECS.len();

/// Household columns occupy the first `HOUSEHOLD_FIELDS` entries of [`SPECS`].
pub(crate) const HOUSEHOLD_FIELDS: usize = 19;

impl Field {
    pub fn index(self) -> usize {
        self as usize
    }

    pub fn spec(self) -> &'static Spec {
        &SPECS[self.index()]
    }

    pub fn header(self) -> &'static str {
        self.spec().header
    }
}

/// Header text as compared: no whitespace anywhere, full-width parentheses.
pub(crate) fn normalise(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '(' => '（',
            ')' => '）',
            c => c,
        })
        .collect()
}

/// The layout column a header cell names, by Chinese header, alias or English field name.
pub(crate) fn match_header(text: &str) -> Option<Field> {
    let n = normalise(text);
    if n.is_empty() {
        return None;
    }
    SPECS
        .iter()
        .find(|s| {
            s.header == n
                || s.english.eq_ignore_ascii_case(&n)
                || s.aliases.iter().any(|a| normalise(a) == n)
        })
        .map(|s| s.field)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_and_order_agree_with_the_domain_layout_table() {
        let domain: Vec<(&str, &str)> = zhenxing_domain::layout::HOUSEHOLD_FIELDS
            .iter()
            .chain(zhenxing_domain::layout::MEMBER_FIELDS)
            .copied()
            .collect();
        let ours: Vec<(&str, &str)> = SPECS.iter().map(|s| (s.english, s.header)).collect();
        assert_eq!(ours, domain);
    }

    #[test]
    fn specs_are_in_field_order() {
        for (i, s) in SPECS.iter().enumerate() {
            assert_eq!(s.field.index(), i, "{}", s.header);
        }
        assert_eq!(SPECS[HOUSEHOLD_FIELDS - 1].field, Field::PerCapita);
        assert_eq!(SPECS[HOUSEHOLD_FIELDS].field, Field::Name);
    }

    #[test]
    fn headers_match_with_either_parentheses_spacing_or_english_names() {
        assert_eq!(match_header("乡(镇)"), Some(Field::Town));
        assert_eq!(match_header(" 乡（镇） "), Some(Field::Town));
        assert_eq!(match_header("耕地面积 (亩)"), Some(Field::Farmland));
        assert_eq!(match_header("ID_NUMBER"), Some(Field::IdNumber));
        assert_eq!(
            match_header("net_income_per_capita"),
            Some(Field::PerCapita)
        );
        assert_eq!(match_header("备注"), None);
        assert_eq!(match_header(""), None);
    }
}
