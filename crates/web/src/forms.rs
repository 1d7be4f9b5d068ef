//! Edit forms of the registry: what the browser (or API client) sent, as text, turned into domain
//! values with a Chinese message per bad field. Shared by the pages and the JSON API.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::Date;
use zhenxing_domain::household::{
    DisabilityGrade, Education, Health, HouseholdKind, Labour, MonitoringCategory, Relation,
    Schooling, Sex, is_valid_phone, parse_group, parse_yes_no,
};
use zhenxing_domain::id_number::parse_ymd;
use zhenxing_domain::{CodeEnum, IdNumber, Member, Yuan};
use zhenxing_store::HouseholdFields;

/// Field name → message, in form order of the field names used in LAYOUT.md.
pub type FieldErrors = BTreeMap<String, String>;

/// One `<option>` of a select.
#[derive(Debug, Serialize)]
pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
}

pub fn choices<T: CodeEnum>() -> Vec<Choice> {
    T::ALL
        .iter()
        .map(|v| Choice {
            value: v.code(),
            label: v.label(),
        })
        .collect()
}

pub fn yes_no_choices() -> Vec<Choice> {
    vec![
        Choice {
            value: "是",
            label: "是",
        },
        Choice {
            value: "否",
            label: "否",
        },
    ]
}

fn code_of<T: CodeEnum>(v: Option<T>) -> String {
    v.map(|v| v.code().to_string()).unwrap_or_default()
}

fn yn(v: Option<bool>) -> String {
    crate::views::yes_no(v).to_string()
}

fn checked(s: &str) -> bool {
    matches!(s.trim(), "1" | "on" | "true" | "yes")
}

/// An optional code-table field: empty is `None`, anything else must be a known value.
fn optional_code<T: CodeEnum>(errors: &mut FieldErrors, field: &str, text: &str) -> Option<T> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    let v = T::parse_label(t);
    if v.is_none() {
        errors.insert(field.into(), T::expected_message());
    }
    v
}

fn optional_yes_no(errors: &mut FieldErrors, field: &str, title: &str, text: &str) -> Option<bool> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    let v = parse_yes_no(t);
    if v.is_none() {
        errors.insert(field.into(), format!("{title}应为 是 或 否"));
    }
    v
}

/// A phone field where empty means "keep what is stored" and `clear` removes it.
fn phone_field(
    errors: &mut FieldErrors,
    field: &str,
    text: &str,
    clear: bool,
    current: Option<&str>,
) -> Option<String> {
    let t = text.trim();
    if clear {
        return None;
    }
    if t.is_empty() {
        return current.map(str::to_string);
    }
    if !is_valid_phone(t) {
        errors.insert(
            field.into(),
            "联系电话应为11位手机号码，或带区号的固定电话（如 023-48661234）".into(),
        );
    }
    Some(t.to_string())
}

/// The member form as sent. Empty `id_number` and `phone` keep the stored values (they are shown
/// masked, so the form cannot carry them back).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct MemberInput {
    pub version: String,
    pub name: String,
    pub id_number: String,
    pub relation: String,
    pub sex: String,
    pub birth_date: String,
    pub ethnicity: String,
    pub education: String,
    pub schooling: String,
    pub health: String,
    pub disability_grade: String,
    pub labour: String,
    pub work_months: String,
    pub medical_insured: String,
    pub pension_insured: String,
    pub dibao: String,
    pub tekun: String,
    pub phone: String,
    pub clear_phone: String,
}

impl MemberInput {
    pub fn from_member(m: &Member, version: i64) -> Self {
        MemberInput {
            version: version.to_string(),
            name: m.name.clone(),
            id_number: String::new(),
            relation: m.relation.code().into(),
            sex: m.sex.code().into(),
            birth_date: m.birth_date.to_string(),
            ethnicity: m.ethnicity.clone().unwrap_or_default(),
            education: code_of(m.education),
            schooling: code_of(m.schooling),
            health: code_of(m.health),
            disability_grade: code_of(m.disability_grade),
            labour: code_of(m.labour),
            work_months: m.work_months.map(|n| n.to_string()).unwrap_or_default(),
            medical_insured: yn(m.medical_insured),
            pension_insured: yn(m.pension_insured),
            dibao: yn(m.dibao),
            tekun: yn(m.tekun),
            phone: String::new(),
            clear_phone: String::new(),
        }
    }

    pub fn version(&self) -> Result<i64, FieldErrors> {
        self.version.trim().parse().map_err(|_| {
            FieldErrors::from([(
                "version".to_string(),
                "缺少版本号，请刷新页面后重试".to_string(),
            )])
        })
    }

    /// The member as it should be stored, or every problem with the input.
    pub fn validate(&self, current: &Member, today: Date) -> Result<Member, FieldErrors> {
        let mut e = FieldErrors::new();
        let name = self.name.trim().to_string();
        if name.is_empty() {
            e.insert("name".into(), "请填写姓名".into());
        } else if name.chars().count() > 30 {
            e.insert("name".into(), "姓名不能超过 30 个字".into());
        }

        let id_number = if self.id_number.trim().is_empty() {
            Some(current.id_number.clone())
        } else {
            match IdNumber::parse(&self.id_number, today) {
                Ok(id) => Some(id),
                Err(err) => {
                    e.insert("id_number".into(), err.to_string());
                    None
                }
            }
        };

        let relation = match Relation::parse_label(&self.relation) {
            Some(r) => Some(r),
            None => {
                let msg = if self.relation.trim().is_empty() {
                    "请选择与户主关系".to_string()
                } else {
                    Relation::expected_message()
                };
                e.insert("relation".into(), msg);
                None
            }
        };

        // Sex and birth date follow from the ID number; when given they must agree with it.
        let sex_given: Option<Sex> = optional_code(&mut e, "sex", &self.sex);
        let birth_given = match self.birth_date.trim() {
            "" => None,
            t => {
                let compact: String = t.chars().filter(|c| c.is_ascii_digit()).collect();
                match parse_ymd(&compact) {
                    Some(d) if d <= today => Some(d),
                    Some(_) => {
                        e.insert("birth_date".into(), "出生日期不能晚于今天".into());
                        None
                    }
                    None => {
                        e.insert(
                            "birth_date".into(),
                            "出生日期应为有效日期，如 1980-01-31".into(),
                        );
                        None
                    }
                }
            }
        };
        let (mut sex, mut birth_date) = (
            sex_given.unwrap_or(current.sex),
            birth_given.unwrap_or(current.birth_date),
        );
        if let Some(id) = &id_number
            && !id.is_placeholder()
        {
            let id_sex = if id.is_male() { Sex::Male } else { Sex::Female };
            match sex_given {
                Some(s) if s != id_sex => {
                    e.insert(
                        "sex".into(),
                        format!("性别与证件号码不符：证件号码显示为{}", id_sex.label()),
                    );
                }
                _ => sex = id_sex,
            }
            match birth_given {
                Some(d) if d != id.birth_date() => {
                    e.insert(
                        "birth_date".into(),
                        format!("出生日期与证件号码不符：证件号码显示为 {}", id.birth_date()),
                    );
                }
                _ => birth_date = id.birth_date(),
            }
        }

        let ethnicity = Some(self.ethnicity.trim().to_string()).filter(|s| !s.is_empty());
        if ethnicity.as_ref().is_some_and(|s| s.chars().count() > 20) {
            e.insert("ethnicity".into(), "民族不能超过 20 个字".into());
        }
        let education = optional_code::<Education>(&mut e, "education", &self.education);
        let schooling = optional_code::<Schooling>(&mut e, "schooling", &self.schooling);
        let health = optional_code::<Health>(&mut e, "health", &self.health);
        let disability_grade =
            optional_code::<DisabilityGrade>(&mut e, "disability_grade", &self.disability_grade);
        if health == Some(Health::Disabled)
            && disability_grade.is_none()
            && !e.contains_key("disability_grade")
        {
            e.insert(
                "disability_grade".into(),
                "健康状况为残疾时，请选择残疾等级".into(),
            );
        }
        if disability_grade.is_some() && health != Some(Health::Disabled) {
            e.insert(
                "disability_grade".into(),
                "只有健康状况为残疾时才填写残疾等级".into(),
            );
        }
        let labour = optional_code::<Labour>(&mut e, "labour", &self.labour);
        let work_months = match self.work_months.trim() {
            "" => None,
            t => match t.parse::<u8>() {
                Ok(n) if n <= 12 => Some(n),
                _ => {
                    e.insert(
                        "work_months".into(),
                        "务工时间应为 0 到 12 之间的整数（月）".into(),
                    );
                    None
                }
            },
        };
        let medical_insured = optional_yes_no(
            &mut e,
            "medical_insured",
            "是否参加城乡居民基本医疗保险",
            &self.medical_insured,
        );
        let pension_insured = optional_yes_no(
            &mut e,
            "pension_insured",
            "是否参加城乡居民基本养老保险",
            &self.pension_insured,
        );
        let dibao = optional_yes_no(&mut e, "dibao", "是否享受低保", &self.dibao);
        let tekun = optional_yes_no(&mut e, "tekun", "是否特困供养", &self.tekun);
        let phone = phone_field(
            &mut e,
            "phone",
            &self.phone,
            checked(&self.clear_phone),
            current.phone.as_deref(),
        );

        match (e.is_empty(), id_number, relation) {
            (true, Some(id_number), Some(relation)) => Ok(Member {
                name,
                id_number,
                relation,
                sex,
                birth_date,
                ethnicity,
                education,
                schooling,
                health,
                disability_grade,
                labour,
                work_months,
                medical_insured,
                pension_insured,
                dibao,
                tekun,
                phone,
            }),
            _ => Err(e),
        }
    }
}

/// The household form as sent.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct HouseholdInput {
    pub version: String,
    pub group: String,
    pub kind: String,
    pub monitoring_category: String,
    pub phone: String,
    pub clear_phone: String,
    pub house_safe: String,
    pub water_safe: String,
    pub farmland_mu: String,
}

impl HouseholdInput {
    pub fn from_household(h: &zhenxing_domain::Household, version: i64) -> Self {
        HouseholdInput {
            version: version.to_string(),
            group: h.group.map(|g| g.to_string()).unwrap_or_default(),
            kind: h.kind.code().into(),
            monitoring_category: code_of(h.monitoring_category),
            phone: String::new(),
            clear_phone: String::new(),
            house_safe: yn(h.house_safe),
            water_safe: yn(h.water_safe),
            farmland_mu: h
                .farmland_centimu
                .map(crate::views::mu_plain)
                .unwrap_or_default(),
        }
    }

    pub fn version(&self) -> Result<i64, FieldErrors> {
        self.version.trim().parse().map_err(|_| {
            FieldErrors::from([(
                "version".to_string(),
                "缺少版本号，请刷新页面后重试".to_string(),
            )])
        })
    }

    pub fn validate(&self, current_phone: Option<&str>) -> Result<HouseholdFields, FieldErrors> {
        let mut e = FieldErrors::new();
        let group = match self.group.trim() {
            "" => None,
            t => {
                let g = parse_group(t);
                if g.is_none() {
                    e.insert(
                        "group".into(),
                        "村民小组应为 1 到 99 之间的组号，如 3 或 3组".into(),
                    );
                }
                g
            }
        };
        let kind = HouseholdKind::parse_label(&self.kind);
        if kind.is_none() {
            e.insert("kind".into(), HouseholdKind::expected_message());
        }
        let monitoring_category = optional_code::<MonitoringCategory>(
            &mut e,
            "monitoring_category",
            &self.monitoring_category,
        );
        if kind == Some(HouseholdKind::Monitored)
            && monitoring_category.is_none()
            && !e.contains_key("monitoring_category")
        {
            e.insert(
                "monitoring_category".into(),
                "监测户须选择监测对象类别".into(),
            );
        }
        if kind.is_some() && kind != Some(HouseholdKind::Monitored) && monitoring_category.is_some()
        {
            e.insert(
                "monitoring_category".into(),
                "只有监测户才填写监测对象类别".into(),
            );
        }
        let phone = phone_field(
            &mut e,
            "phone",
            &self.phone,
            checked(&self.clear_phone),
            current_phone,
        );
        let house_safe = optional_yes_no(&mut e, "house_safe", "住房是否安全", &self.house_safe);
        let water_safe =
            optional_yes_no(&mut e, "water_safe", "是否解决安全饮用水", &self.water_safe);
        let farmland_centimu = match self.farmland_mu.trim() {
            "" => None,
            t => match Yuan::parse(t.trim_end_matches('亩')) {
                Ok(v) if v.fen() >= 0 => Some(v.fen()),
                _ => {
                    e.insert(
                        "farmland_mu".into(),
                        "耕地面积应为不小于 0 的数字，最多两位小数（亩）".into(),
                    );
                    None
                }
            },
        };
        match (e.is_empty(), kind) {
            (true, Some(kind)) => Ok(HouseholdFields {
                group,
                kind,
                monitoring_category,
                phone,
                house_safe,
                water_safe,
                farmland_centimu,
            }),
            _ => Err(e),
        }
    }
}

/// Chinese names of the fields, for error summaries and the history.
/// The Chinese name of a field: the roster layout's header (LAYOUT.md), or a form-only field.
pub fn field_label(field: &str) -> &str {
    if let Some(header) = zhenxing_domain::layout::header_of(field) {
        return header;
    }
    if let Some((_, header)) = zhenxing_store::MONITORING_AUDIT_FIELDS
        .iter()
        .chain(zhenxing_store::LOWINCOME_AUDIT_FIELDS)
        .find(|(f, _)| *f == field)
    {
        return header;
    }
    match field {
        "version" => "版本",
        "kind" => "户类型",
        "farmland_centimu" | "farmland" => "耕地面积（亩）",
        "year" => "收入年度",
        "username" => "用户名",
        "display_name" => "姓名",
        "role" => "角色",
        "division" => "管辖范围",
        "password" => "初始密码",
        "active" => "状态",
        other => other,
    }
}

/// Error summary lines: "证件号码：身份证号码校验位错误，应为 X".
pub fn summary(errors: &FieldErrors) -> Vec<String> {
    errors
        .iter()
        .map(|(k, v)| format!("{}：{v}", field_label(k)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 28);

    fn member() -> Member {
        Member {
            name: "张三".into(),
            id_number: IdNumber::parse("11010519491231002X", TODAY).expect("valid id"),
            relation: Relation::Head,
            sex: Sex::Female,
            birth_date: date!(1949 - 12 - 31),
            ethnicity: Some("汉族".into()),
            education: None,
            schooling: None,
            health: None,
            disability_grade: None,
            labour: None,
            work_months: None,
            medical_insured: None,
            pension_insured: None,
            dibao: None,
            tekun: None,
            phone: Some("13812345678".into()),
        }
    }

    #[test]
    fn an_unchanged_form_gives_back_the_same_member() {
        let m = member();
        let input = MemberInput::from_member(&m, 3);
        assert_eq!(input.validate(&m, TODAY), Ok(m));
        assert_eq!(input.version(), Ok(3));
    }

    #[test]
    fn a_wrong_check_character_is_reported_on_the_id_field() {
        let m = member();
        let input = MemberInput {
            id_number: "110105194912310021".into(),
            ..MemberInput::from_member(&m, 1)
        };
        let errors = input.validate(&m, TODAY).expect_err("invalid");
        assert_eq!(
            errors.get("id_number").map(String::as_str),
            Some("身份证号码校验位错误，应为 X")
        );
    }

    #[test]
    fn sex_must_agree_with_the_id_number() {
        let m = member();
        let input = MemberInput {
            sex: "male".into(),
            ..MemberInput::from_member(&m, 1)
        };
        let errors = input.validate(&m, TODAY).expect_err("invalid");
        assert!(errors["sex"].contains("证件号码显示为女"), "{errors:?}");
    }

    #[test]
    fn empty_required_fields_and_bad_values_are_each_reported() {
        let m = member();
        let input = MemberInput {
            name: " ".into(),
            relation: String::new(),
            work_months: "13".into(),
            dibao: "也许".into(),
            health: "disabled".into(),
            ..Default::default()
        };
        let errors = input.validate(&m, TODAY).expect_err("invalid");
        for f in [
            "name",
            "relation",
            "work_months",
            "dibao",
            "disability_grade",
        ] {
            assert!(errors.contains_key(f), "{f} missing in {errors:?}");
        }
        assert!(summary(&errors).iter().any(|l| l.starts_with("姓名：")));
    }

    #[test]
    fn the_phone_is_kept_changed_or_cleared() {
        let m = member();
        let keep = MemberInput::from_member(&m, 1);
        assert_eq!(
            keep.validate(&m, TODAY).map(|x| x.phone),
            Ok(Some("13812345678".into()))
        );
        let change = MemberInput {
            phone: "13900001111".into(),
            ..keep.clone()
        };
        assert_eq!(
            change.validate(&m, TODAY).map(|x| x.phone),
            Ok(Some("13900001111".into()))
        );
        let clear = MemberInput {
            clear_phone: "1".into(),
            ..keep.clone()
        };
        assert_eq!(clear.validate(&m, TODAY).map(|x| x.phone), Ok(None));
        let bad = MemberInput {
            phone: "12345".into(),
            ..keep
        };
        assert!(bad.validate(&m, TODAY).is_err());
    }

    #[test]
    fn a_monitored_household_needs_a_category_and_farmland_is_exact() {
        let input = HouseholdInput {
            version: "1".into(),
            kind: "监测户".into(),
            farmland_mu: "1.25".into(),
            ..Default::default()
        };
        assert!(
            input
                .validate(None)
                .expect_err("category")
                .contains_key("monitoring_category")
        );
        let ok = HouseholdInput {
            monitoring_category: "marginal".into(),
            group: "三组".into(),
            ..input
        };
        let fields = ok.validate(None).expect("valid");
        assert_eq!(fields.farmland_centimu, Some(125));
        assert_eq!(fields.group, Some(3));
        let bad = HouseholdInput {
            farmland_mu: "-1".into(),
            ..ok
        };
        assert!(
            bad.validate(None)
                .expect_err("negative")
                .contains_key("farmland_mu")
        );
    }
}
