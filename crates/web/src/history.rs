//! A household's audit trail as a reader sees it: who, when, what, and each changed field as
//! "before → after" in Chinese, identities masked.

use serde::Serialize;
use serde_json::Value;
use zhenxing_domain::CodeEnum;
use zhenxing_domain::household::{
    DisabilityGrade, Education, Health, HouseholdKind, Labour, MonitoringCategory, Relation,
    Schooling, Sex,
};
use zhenxing_domain::id_number::{mask_id, mask_phone};
use zhenxing_store::AuditEntry;

use crate::forms::field_label;
use crate::views;

#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Change {
    pub field: String,
    pub before: String,
    pub after: String,
}

#[derive(Debug, Serialize)]
pub struct EntryView {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub changes: Vec<Change>,
}

/// Changes are listed in the roster layout's order (LAYOUT.md), the order a clerk knows; aliases of
/// older audit rows sort beside their field.
fn rank(field: &str) -> usize {
    let field = match field {
        "kind" => "household_kind",
        "farmland_centimu" => "farmland_mu",
        "year" => "income_year",
        f => f,
    };
    zhenxing_domain::layout::position(field).unwrap_or(usize::MAX)
}

/// Fields that are bookkeeping, not content.
const HIDDEN: &[&str] = &[
    "id",
    "version",
    "created_at",
    "updated_at",
    "household_id",
    "member_id",
    "village_code",
    "position",
];

fn action_label(action: &str) -> String {
    match action {
        "create" | "insert" | "created" => "新增".into(),
        "update" | "updated" | "edit" => "修改".into(),
        "delete" | "deleted" | "remove" | "removed" => "删除".into(),
        "import" => "导入".into(),
        "import_create" => "导入新增".into(),
        "import_update" => "导入更新".into(),
        "import_remove" => "导入时移出".into(),
        "reveal" => "查看完整证件号码和电话".into(),
        "export" => "导出（已脱敏）".into(),
        "export_unmasked" => "导出（含完整证件号码）".into(),
        "case_open" => "登记".into(),
        "case_step" | "case_apply" => "办理".into(),
        "policy_set" => "设置".into(),
        "review" => "定期核查".into(),
        "end" => "终止".into(),
        other => match other
            .strip_prefix("case_")
            .and_then(zhenxing_domain::case::ActionKind::from_code)
        {
            Some(step) => format!("办理：{}", step.label()),
            None => other.replace('_', " "),
        },
    }
}

fn entity_label(entity: &str) -> &str {
    match entity {
        "household" => "农户",
        "member" => "成员",
        "income" | "income_record" => "收入",
        "households" => "农户名单",
        "case" => "办理流程",
        "measure" => "帮扶措施",
        "pairing" => "结对帮扶",
        "income_check" => "收入核实",
        "policy" => "政策参数",
        "roll" => "社会救助",
        other => other,
    }
}

fn code_label<T: CodeEnum>(s: &str) -> Option<&'static str> {
    T::from_code(s)
        .or_else(|| T::parse_label(s))
        .map(|v| v.label())
}

/// One stored value in words.
pub fn value_text(field: &str, v: &Value) -> String {
    match v {
        Value::Null => "（空）".into(),
        Value::Bool(b) => views::yes_no(Some(*b)).into(),
        Value::Number(n) => match field {
            "farmland_centimu" => n.as_i64().map(views::mu).unwrap_or_else(|| n.to_string()),
            "group" => format!("{n}组"),
            "farmland_mu" => format!("{n} 亩"),
            _ => n.to_string(),
        },
        Value::String(s) => {
            let label = match field {
                "relation" => code_label::<Relation>(s),
                "sex" => code_label::<Sex>(s),
                "education" => code_label::<Education>(s),
                "schooling" => code_label::<Schooling>(s),
                "health" => code_label::<Health>(s),
                "disability_grade" => code_label::<DisabilityGrade>(s),
                "labour" => code_label::<Labour>(s),
                "kind" | "household_kind" => code_label::<HouseholdKind>(s),
                "monitoring_category" => code_label::<MonitoringCategory>(s),
                _ => None,
            };
            match (label, field) {
                (Some(l), _) => l.into(),
                (None, "id_number") => mask_id(s),
                (None, "phone" | "member_phone") => mask_phone(s),
                (None, "farmland_mu") => format!("{s} 亩"),
                (None, _) if s.is_empty() => "（空）".into(),
                (None, _) => s.clone(),
            }
        }
        Value::Array(a) => format!("{} 项", a.len()),
        Value::Object(_) => "（详见记录）".into(),
    }
}

fn parse(s: Option<&str>) -> Option<Value> {
    s.and_then(|s| serde_json::from_str(s).ok())
}

/// Field-by-field differences of two stored snapshots, in layout order. A creation lists the new
/// values (with an empty `before`); a removal lists nothing (the entry's subject says who left).
pub fn changes(
    before: Option<&str>,
    after: Option<&str>,
    village_name: &dyn Fn(&str) -> Option<String>,
) -> Vec<Change> {
    let (b, a) = (parse(before), parse(after));
    if a.is_none() {
        return Vec::new();
    }
    let created = b.is_none();
    let empty = serde_json::Map::new();
    let bm = b.as_ref().and_then(Value::as_object);
    let am = a.as_ref().and_then(Value::as_object);
    if bm.is_none() && am.is_none() {
        return Vec::new();
    }
    let (bm, am) = (bm.unwrap_or(&empty), am.unwrap_or(&empty));
    let mut keys: Vec<&String> = bm.keys().chain(am.keys()).collect();
    keys.sort_by_key(|k| (rank(k), k.as_str()));
    keys.dedup();
    let null = Value::Null;
    let text = |k: &str, v: &Value| match (k, v) {
        ("village", Value::String(code)) => village_name(code).unwrap_or_else(|| code.clone()),
        _ => value_text(k, v),
    };
    keys.into_iter()
        .filter(|k| !HIDDEN.contains(&k.as_str()))
        .filter_map(|k| {
            let (bv, av) = (bm.get(k).unwrap_or(&null), am.get(k).unwrap_or(&null));
            if bv == av
                || matches!(bv, Value::Array(_) | Value::Object(_))
                || matches!(av, Value::Array(_) | Value::Object(_))
            {
                return None;
            }
            if created && av.is_null() {
                return None;
            }
            let before = if created { String::new() } else { text(k, bv) };
            Some(Change {
                field: field_label(k).to_string(),
                before,
                after: text(k, av),
            })
        })
        .collect()
}

/// The entries newest first; `names` gives member ids their names for the subject line.
pub fn entries(
    mut list: Vec<AuditEntry>,
    names: &[(i64, String)],
    village_name: &dyn Fn(&str) -> Option<String>,
) -> Vec<EntryView> {
    list.sort_by(|a, b| b.at.cmp(&a.at));
    list.into_iter()
        .map(|e| {
            let mut subject = entity_label(&e.entity).to_string();
            if e.entity == "member" {
                // The store keys member rows by "name masked-ID"; reveals are keyed by member id.
                let name = match e.entity_key.parse::<i64>() {
                    Ok(id) => names.iter().find(|(i, _)| *i == id).map(|(_, n)| n.clone()),
                    Err(_) => Some(e.entity_key.clone()).filter(|k| !k.is_empty()),
                };
                if let Some(n) = name {
                    subject = format!("成员 {n}");
                }
            } else if e.entity == "income" || e.entity == "income_record" {
                subject = format!(
                    "{} 年收入",
                    e.entity_key
                        .rsplit(['/', ':', '-'])
                        .next()
                        .unwrap_or(&e.entity_key)
                );
            }
            EntryView {
                at: views::timestamp(&e.at),
                actor: e.actor,
                action: action_label(&e.action),
                subject,
                changes: changes(e.before.as_deref(), e.after.as_deref(), village_name),
            }
        })
        .collect()
}

/// The policy table's changes, newest first: which value, from what to what.
pub fn policy_entries(list: Vec<AuditEntry>) -> Vec<EntryView> {
    list.into_iter()
        .map(|e| {
            // The key is `key/region/year`; values are stored in the key's unit (fen for money).
            let key = e
                .entity_key
                .split('/')
                .next()
                .and_then(zhenxing_domain::PolicyKey::from_code);
            let pick = |s: &Option<String>| {
                parse(s.as_deref())
                    .and_then(|v| v.get("value").cloned())
                    .and_then(|v| v.as_i64())
                    .map(|n| key.map_or_else(|| n.to_string(), |k| k.format_value(n)))
                    .unwrap_or_else(|| "（无）".to_string())
            };
            let subject = match key {
                Some(k) => {
                    let mut parts = e.entity_key.split('/').skip(1);
                    let region = parts.next().filter(|r| !r.is_empty()).unwrap_or("全国默认");
                    let year = parts.next().unwrap_or("");
                    format!("{}（{region}，{year}年起）", k.label())
                }
                None => e.entity_key.clone(),
            };
            EntryView {
                at: views::timestamp(&e.at),
                actor: e.actor.clone(),
                action: action_label(&e.action),
                subject,
                changes: vec![Change {
                    field: "值".into(),
                    before: pick(&e.before),
                    after: pick(&e.after),
                }],
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_fields_are_listed_in_chinese_with_codes_as_labels() {
        let before = r#"{"name":"张三","sex":"male","relation":"head","member_phone":"13812345678","version":1,"dibao":null}"#;
        let after = r#"{"name":"张三丰","sex":"male","relation":"spouse","member_phone":"13900001111","version":2,"dibao":true}"#;
        let c = changes(Some(before), Some(after), &|_| None);
        assert_eq!(c[0].field, "姓名", "layout order");
        assert!(c.contains(&Change {
            field: "姓名".into(),
            before: "张三".into(),
            after: "张三丰".into()
        }));
        assert!(c.contains(&Change {
            field: "与户主关系".into(),
            before: "户主".into(),
            after: "配偶".into()
        }));
        assert!(c.contains(&Change {
            field: "联系电话".into(),
            before: "138****5678".into(),
            after: "139****1111".into()
        }));
        assert!(c.contains(&Change {
            field: "是否享受低保".into(),
            before: "（空）".into(),
            after: "是".into()
        }));
        assert!(!c.iter().any(|x| x.field == "版本" || x.field == "version"));
        assert_eq!(c.len(), 4);
    }

    #[test]
    fn a_creation_lists_the_new_values_and_names_the_village() {
        let c = changes(
            None,
            Some(r#"{"village":"500110120204","group":"3组","phone":null}"#),
            &|code| (code == "500110120204").then(|| "青岩村".to_string()),
        );
        assert_eq!(
            c,
            vec![
                Change {
                    field: "行政村".into(),
                    before: String::new(),
                    after: "青岩村".into()
                },
                Change {
                    field: "村民小组".into(),
                    before: String::new(),
                    after: "3组".into()
                },
            ]
        );
        assert!(changes(Some(r#"{"name":"张三"}"#), None, &|_| None).is_empty());
    }

    #[test]
    fn id_numbers_in_history_are_masked() {
        let c = changes(
            Some(r#"{"id_number":"11010519491231002X"}"#),
            Some(r#"{"id_number":"440524188001010014"}"#),
            &|_| None,
        );
        assert_eq!(c[0].before, "110105********002X");
        assert_eq!(c[0].after, "440524********0014");
    }

    #[test]
    fn entries_are_newest_first_and_name_the_member() {
        let e = |at: &str, action: &str| AuditEntry {
            at: at.into(),
            actor: "qingyan".into(),
            action: action.into(),
            entity: "member".into(),
            entity_key: "7".into(),
            before: None,
            after: None,
        };
        let v = entries(
            vec![
                e("2026-10-08T01:00:00Z", "create"),
                e("2026-10-09T01:00:00Z", "update"),
            ],
            &[(7, "李四".into())],
            &|_| None,
        );
        assert_eq!(v[0].action, "修改");
        assert_eq!(v[0].subject, "成员 李四");
        assert_eq!(v[1].at, "2026-10-08 09:00");
    }
}
