//! The household columns: parsed on a household's first row, compared on the others, and the checks
//! that need all its rows (one 户主, 家庭人口数, monitoring category, incomes).

use zhenxing_domain::codes::CodeEnum;
use zhenxing_domain::household::{
    HouseholdKind, MonitoringCategory, Relation, parse_group, parse_yes_no, village_stem,
};
use zhenxing_domain::{DivisionCode, Household, IncomeError, IncomeRecord, Member, Yuan};

use super::{Assembler, Draft, HeaderInfo, HouseholdHead, cell, parse_count};
use crate::layout::{Field, HOUSEHOLD_FIELDS, SPECS};
use crate::source::RowRef;

/// The income parts in the order of [`IncomeRecord`]'s fields.
const INCOME_PARTS: [Field; 5] = [
    Field::Wage,
    Field::Business,
    Field::Property,
    Field::Transfer,
    Field::Expense,
];

/// 扶欢镇 / 扶欢: the township compared without its 镇/乡/街道 suffix.
pub(super) fn town_stem(name: &str) -> &str {
    let t = name.trim();
    ["街道", "镇", "乡"]
        .iter()
        .find_map(|s| t.strip_suffix(s))
        .unwrap_or(t)
}

/// A value reduced to what it means, so that `3组` and `三组` on two rows of a household agree.
fn canonical(f: Field, text: &str) -> String {
    let t = text.trim();
    let parsed = match f {
        Field::Town => Some(town_stem(t).to_string()),
        Field::Village => Some(village_stem(t).to_string()),
        Field::Group => parse_group(t).map(|g| g.to_string()),
        Field::Kind => HouseholdKind::parse_label(t).map(|k| k.code().to_string()),
        Field::Category => MonitoringCategory::parse_label(t).map(|k| k.code().to_string()),
        Field::HouseSafe | Field::WaterSafe => parse_yes_no(t).map(|b| b.to_string()),
        Field::Size | Field::IncomeYear => parse_count::<u64>(t, '年').map(|n| n.to_string()),
        Field::Farmland
        | Field::Wage
        | Field::Business
        | Field::Property
        | Field::Transfer
        | Field::Expense
        | Field::Net
        | Field::PerCapita => Yuan::parse(t).ok().map(|y| y.fen().to_string()),
        _ => None,
    };
    parsed.unwrap_or_else(|| t.to_string())
}

fn shown(text: &str) -> &str {
    if text.is_empty() { "（空）" } else { text }
}

impl Assembler<'_> {
    /// The stand-in code of a village named by the file (open context): `999999` + its number.
    fn found_village(&mut self, name: &str) -> Option<DivisionCode> {
        let stem = village_stem(name);
        if let Some((_, code)) = self
            .found_villages
            .iter()
            .find(|(n, _)| village_stem(n) == stem)
        {
            return Some(code.clone());
        }
        let code =
            DivisionCode::parse(&format!("999999{:06}", self.found_villages.len() + 1)).ok()?;
        self.found_villages
            .push((name.trim().to_string(), code.clone()));
        Some(code)
    }

    pub(super) fn parse_household(
        &mut self,
        h: &HeaderInfo,
        row: &RowRef<'_>,
        no_text: &str,
    ) -> HouseholdHead {
        let n = row.number;
        let no = Some(no_text);
        let mut head = HouseholdHead::default();

        let town = cell(&h.cols, row.cells, Field::Town);
        if town.is_empty() {
            self.error(h, n, Field::Town, no, "乡（镇）不能为空".to_string());
        } else if !self.ctx.is_open() && town_stem(town) != self.town_stem {
            let msg = format!("乡（镇）“{town}”不是本系统的乡镇（{}）", self.ctx.township);
            self.error(h, n, Field::Town, no, msg);
        }

        let village = cell(&h.cols, row.cells, Field::Village);
        if village.is_empty() {
            self.error(h, n, Field::Village, no, "行政村不能为空".to_string());
        } else if let Some(code) = self.villages.get(village_stem(village)) {
            head.village = Some((*code).clone());
        } else if self.ctx.is_open() {
            head.village = self.found_village(village);
        } else {
            let msg = format!("行政村“{village}”不是{}的村（社区）", self.ctx.township);
            self.error(h, n, Field::Village, no, msg);
        }

        let group = cell(&h.cols, row.cells, Field::Group);
        if !group.is_empty() {
            head.group = parse_group(group);
            if head.group.is_none() {
                self.error(
                    h,
                    n,
                    Field::Group,
                    no,
                    format!("村民小组“{group}”无效：应写作 3组、三组 或 3"),
                );
            }
        }

        if cell(&h.cols, row.cells, Field::Kind).is_empty() {
            self.error(h, n, Field::Kind, no, "户类型不能为空".to_string());
        } else {
            head.kind = self.code(h, row, Field::Kind, no).ok().flatten();
        }
        match self.code(h, row, Field::Category, no) {
            Ok(c) => head.category = c,
            Err(()) => head.category_bad = true,
        }

        let size = cell(&h.cols, row.cells, Field::Size);
        if !size.is_empty() {
            head.size = parse_count(size, '人').filter(|s| *s > 0);
            if head.size.is_none() {
                self.error(
                    h,
                    n,
                    Field::Size,
                    no,
                    format!("家庭人口数“{size}”无效：应为正整数"),
                );
            }
        }

        head.phone = self.phone(h, row, Field::Phone, no);
        head.house_safe = self.yes_no(h, row, Field::HouseSafe, no);
        head.water_safe = self.yes_no(h, row, Field::WaterSafe, no);

        let farmland = cell(&h.cols, row.cells, Field::Farmland);
        if !farmland.is_empty() {
            match Yuan::parse(farmland.trim_end_matches('亩')) {
                Ok(v) if v >= Yuan::ZERO => head.farmland = Some(v.fen()),
                _ => {
                    let msg = format!("耕地面积“{farmland}”无效：应为不小于0的数字，最多两位小数");
                    self.error(h, n, Field::Farmland, no, msg);
                }
            }
        }

        let year = cell(&h.cols, row.cells, Field::IncomeYear);
        if !year.is_empty() {
            head.year = parse_count(year, '年');
            if head.year.is_none() {
                head.year_bad = true;
                self.error(
                    h,
                    n,
                    Field::IncomeYear,
                    no,
                    format!("收入年度“{year}”无效：应为年份，如 2025"),
                );
            }
        }
        for (i, f) in INCOME_PARTS.into_iter().enumerate() {
            head.income_given |= !cell(&h.cols, row.cells, f).is_empty();
            match self.amount(h, row, f, no) {
                Ok(v) => head.parts[i] = v,
                Err(()) => head.income_bad = true,
            }
        }
        for f in [Field::Net, Field::PerCapita] {
            head.income_given |= !cell(&h.cols, row.cells, f).is_empty();
            match self.amount(h, row, f, no) {
                Ok(v) if f == Field::Net => head.net = v,
                Ok(v) => head.per_capita = v,
                Err(()) => head.income_bad = true,
            }
        }
        head
    }

    /// A later row of a household must repeat the household columns of its first row.
    pub(super) fn compare_household(&mut self, h: &HeaderInfo, row: &RowRef<'_>, d: usize) {
        let mut disagreements = Vec::new();
        {
            let draft = &self.drafts[d];
            for (i, spec) in SPECS[..HOUSEHOLD_FIELDS].iter().enumerate() {
                let now = cell(&h.cols, row.cells, spec.field);
                let first = draft.first_cell(i);
                if now != first && canonical(spec.field, now) != canonical(spec.field, first) {
                    let msg = format!(
                        "与同户第{}行不一致：第{}行为“{}”，本行为“{}”",
                        draft.first_row,
                        draft.first_row,
                        shown(first),
                        shown(now)
                    );
                    disagreements.push((spec.field, msg));
                }
            }
        }
        let no = self.drafts[d].no.clone();
        for (f, msg) in disagreements {
            self.error(h, row.number, f, Some(&no), msg);
        }
    }

    fn household_error(
        &mut self,
        h: &HeaderInfo,
        d: &mut Draft,
        row: usize,
        f: Field,
        message: String,
    ) {
        d.failed = true;
        self.error(h, row, f, Some(&d.no), message);
    }

    pub(super) fn household_checks(&mut self, h: &HeaderInfo, d: &mut Draft) {
        let first = d.first_row;
        let heads: Vec<usize> = d
            .rows
            .iter()
            .zip(&d.relations)
            .filter(|(_, r)| **r == Some(Relation::Head))
            .map(|(row, _)| *row)
            .collect();
        if heads.is_empty() && d.relations.iter().all(Option::is_some) {
            self.household_error(
                h,
                d,
                first,
                Field::Relation,
                "该户没有户主：须有一名成员的与户主关系为“户主”".to_string(),
            );
        }
        for extra in heads.iter().skip(1) {
            let msg = format!("该户已有户主（第{}行），一户只能有一名户主", heads[0]);
            self.household_error(h, d, *extra, Field::Relation, msg);
        }

        if let Some(size) = d.head.size
            && size != d.rows.len()
        {
            let msg = format!("家庭人口数为{size}，但该户有{}行成员", d.rows.len());
            self.household_error(h, d, first, Field::Size, msg);
        }

        match (d.head.kind, d.head.category) {
            (Some(HouseholdKind::Monitored), None) if !d.head.category_bad => {
                self.household_error(
                    h,
                    d,
                    first,
                    Field::Category,
                    "监测户须填写监测对象类别".to_string(),
                );
            }
            (Some(kind), Some(_)) if kind != HouseholdKind::Monitored => {
                let msg = format!("{kind}不填监测对象类别（仅监测户填写）");
                self.household_error(h, d, first, Field::Category, msg);
            }
            _ => {}
        }

        self.income_checks(h, d);
    }

    fn income_checks(&mut self, h: &HeaderInfo, d: &mut Draft) {
        let first = d.first_row;
        let Some(year) = d.head.year else {
            if d.head.income_given && !d.head.year_bad {
                self.household_error(
                    h,
                    d,
                    first,
                    Field::IncomeYear,
                    "填写了收入的，须填写收入年度".to_string(),
                );
            }
            return;
        };
        if d.head.income_bad {
            return;
        }
        let [wage, business, property, transfer, expense] =
            d.head.parts.map(|p| p.unwrap_or(Yuan::ZERO));
        let record = IncomeRecord {
            year,
            wage_income: wage,
            business_income: business,
            property_income: property,
            transfer_income: transfer,
            business_expense: expense,
        };
        let checked = record
            .validate()
            .and_then(|()| record.check_given(d.rows.len(), d.head.net, d.head.per_capita));
        if let Err(e) = checked {
            let f = match &e {
                IncomeError::BadYear(_) => Field::IncomeYear,
                IncomeError::Negative(name) => SPECS
                    .iter()
                    .find(|s| s.header == *name)
                    .map_or(Field::Wage, |s| s.field),
                IncomeError::NetIncomeMismatch { .. } => Field::Net,
                IncomeError::PerCapitaMismatch { .. } => Field::PerCapita,
            };
            self.household_error(h, d, first, f, e.to_string());
        }
    }
}

/// The household of a draft without errors; `None` if some part is missing after all.
pub(super) fn build(d: &mut Draft) -> Option<Household> {
    let members = std::mem::take(&mut d.members)
        .into_iter()
        .collect::<Option<Vec<Member>>>()?;
    let head = &d.head;
    let incomes = match head.year {
        Some(year) => {
            let [wage, business, property, transfer, expense] =
                head.parts.map(|p| p.unwrap_or(Yuan::ZERO));
            vec![IncomeRecord {
                year,
                wage_income: wage,
                business_income: business,
                property_income: property,
                transfer_income: transfer,
                business_expense: expense,
            }]
        }
        None => Vec::new(),
    };
    Some(Household {
        household_no: d.no.clone(),
        village: head.village.clone()?,
        group: head.group,
        kind: head.kind?,
        monitoring_category: head.category,
        phone: head.phone.clone(),
        house_safe: head.house_safe,
        water_safe: head.water_safe,
        farmland_centimu: head.farmland,
        members,
        incomes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn household_values_are_compared_by_meaning() {
        assert_eq!(
            canonical(Field::Group, "3组"),
            canonical(Field::Group, "三组")
        );
        assert_eq!(
            canonical(Field::Village, "青岩村"),
            canonical(Field::Village, "青岩")
        );
        assert_eq!(
            canonical(Field::Wage, "100"),
            canonical(Field::Wage, "100.00")
        );
        assert_ne!(
            canonical(Field::Kind, "脱贫户"),
            canonical(Field::Kind, "监测户")
        );
    }
}
