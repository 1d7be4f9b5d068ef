//! The member columns of a row: name, ID number (and the duplicate check), relation, sex and birth
//! date against the ID, and the code columns.

use std::collections::hash_map::Entry;

use time::Date;
use zhenxing_domain::household::{
    DisabilityGrade, Education, Health, Labour, Relation, Schooling, Sex,
};
use zhenxing_domain::{IdNumber, Member};

use super::{Assembler, HeaderInfo, SeenId, cell, date_text, kind_of, parse_count, parse_date};
use crate::cells::CellKind;
use crate::layout::Field;
use crate::source::RowRef;

const NAME_MAX_CHARS: usize = 30;

/// A compact key for the duplicate check: 17 digits and the check character.
fn id_key(base: &str) -> Option<u64> {
    let b = base.as_bytes();
    if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let digits = b[..17]
        .iter()
        .fold(0u64, |k, d| k * 10 + u64::from(d - b'0'));
    let last = match b[17] {
        b'X' => 10,
        d @ b'0'..=b'9' => u64::from(d - b'0'),
        _ => return None,
    };
    Some(digits * 11 + last)
}

impl Assembler<'_> {
    pub(super) fn parse_member(
        &mut self,
        h: &HeaderInfo,
        row: &RowRef<'_>,
        no: Option<&str>,
        draft: Option<usize>,
    ) -> (Option<Member>, Option<Relation>) {
        let n = row.number;
        let mut ok = true;

        let name = cell(&h.cols, row.cells, Field::Name);
        if name.is_empty() {
            self.error(h, n, Field::Name, no, "姓名不能为空".to_string());
            ok = false;
        } else if name.chars().count() > NAME_MAX_CHARS {
            self.error(
                h,
                n,
                Field::Name,
                no,
                format!("姓名超过{NAME_MAX_CHARS}个字符"),
            );
            ok = false;
        }

        let id = self.id_number(h, row, no, draft);

        let relation_text = cell(&h.cols, row.cells, Field::Relation);
        let relation = if relation_text.is_empty() {
            self.error(h, n, Field::Relation, no, "与户主关系不能为空".to_string());
            None
        } else {
            self.code::<Relation>(h, row, Field::Relation, no)
                .ok()
                .flatten()
        };

        let sex = self.sex(h, row, no, id.as_ref());
        let birth_date = self.birth_date(h, row, no, id.as_ref());

        let ethnicity = Some(cell(&h.cols, row.cells, Field::Ethnicity))
            .filter(|t| !t.is_empty())
            .map(str::to_string);
        let education = self.code::<Education>(h, row, Field::Education, no);
        let schooling = self.code::<Schooling>(h, row, Field::Schooling, no);
        let health = self.code::<Health>(h, row, Field::Health, no);
        let disability_grade = self.code::<DisabilityGrade>(h, row, Field::DisabilityGrade, no);
        if health == Ok(Some(Health::Disabled)) && disability_grade == Ok(None) {
            self.error(
                h,
                n,
                Field::DisabilityGrade,
                no,
                "健康状况为残疾的，须填写残疾等级".to_string(),
            );
            ok = false;
        }
        let labour = self.code::<Labour>(h, row, Field::Labour, no);

        let months_text = cell(&h.cols, row.cells, Field::WorkMonths);
        let work_months = if months_text.is_empty() {
            None
        } else {
            let m = parse_count::<u8>(months_text, '月').filter(|m| *m <= 12);
            if m.is_none() {
                self.error(
                    h,
                    n,
                    Field::WorkMonths,
                    no,
                    format!("务工时间“{months_text}”无效：应为0到12之间的整数（月）"),
                );
                ok = false;
            }
            m
        };

        let medical_insured = self.yes_no(h, row, Field::MedicalInsured, no);
        let pension_insured = self.yes_no(h, row, Field::PensionInsured, no);
        let dibao = self.yes_no(h, row, Field::Dibao, no);
        let tekun = self.yes_no(h, row, Field::Tekun, no);
        let phone = self.phone(h, row, Field::MemberPhone, no);

        let member = match (ok && !self.row_failed, id, relation, sex, birth_date) {
            (true, Some(id_number), Some(relation), Some(sex), Some(birth_date)) => Some(Member {
                name: name.to_string(),
                id_number,
                relation,
                sex,
                birth_date,
                ethnicity,
                education: education.ok().flatten(),
                schooling: schooling.ok().flatten(),
                health: health.ok().flatten(),
                disability_grade: disability_grade.ok().flatten(),
                labour: labour.ok().flatten(),
                work_months,
                medical_insured,
                pension_insured,
                dibao,
                tekun,
                phone,
            }),
            _ => None,
        };
        (member, relation)
    }

    fn id_number(
        &mut self,
        h: &HeaderInfo,
        row: &RowRef<'_>,
        no: Option<&str>,
        draft: Option<usize>,
    ) -> Option<IdNumber> {
        let n = row.number;
        let text = cell(&h.cols, row.cells, Field::IdNumber);
        let looks_numeric = kind_of(&h.cols, row.kinds, Field::IdNumber) == CellKind::Number
            || ((text.contains("E+") || text.contains("e+")) && text.parse::<f64>().is_ok());
        if looks_numeric {
            self.error(
                h,
                n,
                Field::IdNumber,
                no,
                "证件号码应以文本格式填写（数字格式会丢失末几位）".to_string(),
            );
            return None;
        }
        let id = match IdNumber::parse(text, self.ctx.today) {
            Ok(id) => id,
            Err(e) => {
                self.error(h, n, Field::IdNumber, no, e.to_string());
                return None;
            }
        };
        if id.is_placeholder() {
            self.warn(
                n,
                Field::IdNumber.header(),
                "证件号码为无证件人员的占位号码（999999开头），已导入，请尽快补录真实证件号码"
                    .to_string(),
            );
        }
        if let Some(key) = id_key(id.base()) {
            match self.ids.entry(key) {
                Entry::Vacant(v) => {
                    v.insert(SeenId {
                        row: n,
                        draft,
                        reported: false,
                    });
                }
                Entry::Occupied(mut o) => {
                    let seen = o.get_mut();
                    let (first_row, first_draft, reported) = (seen.row, seen.draft, seen.reported);
                    seen.reported = true;
                    self.error(
                        h,
                        n,
                        Field::IdNumber,
                        no,
                        format!("证件号码与第{first_row}行重复"),
                    );
                    if !reported {
                        let first_no = first_draft.map(|d| self.drafts[d].no.clone());
                        self.error(
                            h,
                            first_row,
                            Field::IdNumber,
                            first_no.as_deref(),
                            format!("证件号码在第{n}行重复出现"),
                        );
                        if let Some(d) = first_draft {
                            self.drafts[d].failed = true;
                        }
                    }
                    return None;
                }
            }
        }
        Some(id)
    }

    fn sex(
        &mut self,
        h: &HeaderInfo,
        row: &RowRef<'_>,
        no: Option<&str>,
        id: Option<&IdNumber>,
    ) -> Option<Sex> {
        let given = self.code::<Sex>(h, row, Field::Sex, no).ok()?;
        let from_id = id
            .filter(|id| !id.is_placeholder())
            .map(|id| if id.is_male() { Sex::Male } else { Sex::Female });
        match (given, from_id) {
            (Some(g), Some(i)) if g != i => {
                self.error(
                    h,
                    row.number,
                    Field::Sex,
                    no,
                    format!("性别“{g}”与证件号码不符：证件号码为{i}性"),
                );
                None
            }
            (Some(g), _) => Some(g),
            (None, Some(i)) => Some(i),
            (None, None) => {
                if id.is_some() {
                    self.error(
                        h,
                        row.number,
                        Field::Sex,
                        no,
                        "证件号码为占位号码（999999开头），须填写性别".to_string(),
                    );
                }
                None
            }
        }
    }

    fn birth_date(
        &mut self,
        h: &HeaderInfo,
        row: &RowRef<'_>,
        no: Option<&str>,
        id: Option<&IdNumber>,
    ) -> Option<Date> {
        let n = row.number;
        let text = cell(&h.cols, row.cells, Field::BirthDate);
        let from_id = id
            .filter(|id| !id.is_placeholder())
            .map(IdNumber::birth_date);
        if text.is_empty() {
            if from_id.is_none() && id.is_some() {
                self.error(
                    h,
                    n,
                    Field::BirthDate,
                    no,
                    "证件号码为占位号码（999999开头），须填写出生日期".to_string(),
                );
            }
            return from_id;
        }
        let Some(given) = parse_date(text) else {
            self.error(
                h,
                n,
                Field::BirthDate,
                no,
                format!("出生日期“{text}”无效：应为 YYYY-MM-DD 或 YYYYMMDD"),
            );
            return None;
        };
        if given > self.ctx.today {
            self.error(
                h,
                n,
                Field::BirthDate,
                no,
                format!("出生日期 {} 晚于今天", date_text(given)),
            );
            return None;
        }
        match from_id {
            Some(i) if i != given => {
                let msg = format!(
                    "出生日期 {} 与证件号码不符：证件号码为 {}",
                    date_text(given),
                    date_text(i)
                );
                self.error(h, n, Field::BirthDate, no, msg);
                None
            }
            _ => Some(given),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_keys_tell_check_characters_apart() {
        assert_ne!(id_key("11010519491231002X"), id_key("110105194912310020"));
        assert_eq!(id_key("1101051949123100"), None);
    }
}
