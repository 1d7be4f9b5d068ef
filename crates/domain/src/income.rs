//! Yearly household income (POLICY.md §7): 纯收入 = 工资性 + 生产经营性 + 财产性 + 转移性 − 生产经营性支出;
//! 人均纯收入 = 纯收入 ÷ 家庭人口数, rounded half-up to the fen.

use crate::money::Yuan;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct IncomeRecord {
    pub year: i32,
    pub wage_income: Yuan,
    pub business_income: Yuan,
    pub property_income: Yuan,
    pub transfer_income: Yuan,
    pub business_expense: Yuan,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IncomeError {
    #[error("收入年度 {0} 无效：应为 2000 至 2100 之间的年份")]
    BadYear(i32),
    #[error("{0}不能为负数")]
    Negative(&'static str),
    #[error(
        "纯收入应为 {expected}（工资性+生产经营性+财产性+转移性−生产经营性支出），表中为 {given}"
    )]
    NetIncomeMismatch { expected: String, given: String },
    #[error("人均纯收入应为 {expected}（纯收入÷家庭人口数，四舍五入到分），表中为 {given}")]
    PerCapitaMismatch { expected: String, given: String },
}

impl IncomeRecord {
    /// Checks the parts that may not be negative (business income may be).
    pub fn validate(&self) -> Result<(), IncomeError> {
        if !(2000..=2100).contains(&self.year) {
            return Err(IncomeError::BadYear(self.year));
        }
        for (v, name) in [
            (self.wage_income, "工资性收入"),
            (self.property_income, "财产性收入"),
            (self.transfer_income, "转移性收入"),
            (self.business_expense, "生产经营性支出"),
        ] {
            if v < Yuan::ZERO {
                return Err(IncomeError::Negative(name));
            }
        }
        Ok(())
    }

    pub fn net_income(&self) -> Yuan {
        self.wage_income + self.business_income + self.property_income + self.transfer_income
            - self.business_expense
    }

    /// `None` for a household with no members.
    pub fn net_income_per_capita(&self, size: usize) -> Option<Yuan> {
        self.net_income().div_round(i64::try_from(size).ok()?)
    }

    /// Compares the file's 纯收入 / 人均纯收入 (when given) with the formula, to the fen.
    pub fn check_given(
        &self,
        size: usize,
        net: Option<Yuan>,
        per_capita: Option<Yuan>,
    ) -> Result<(), IncomeError> {
        if let Some(given) = net {
            let expected = self.net_income();
            if given != expected {
                return Err(IncomeError::NetIncomeMismatch {
                    expected: expected.plain(),
                    given: given.plain(),
                });
            }
        }
        if let (Some(given), Some(expected)) = (per_capita, self.net_income_per_capita(size))
            && given != expected
        {
            return Err(IncomeError::PerCapitaMismatch {
                expected: expected.plain(),
                given: given.plain(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn y(s: &str) -> Yuan {
        Yuan::parse(s).expect("amount")
    }

    fn record() -> IncomeRecord {
        IncomeRecord {
            year: 2025,
            wage_income: y("20000"),
            business_income: y("-1500.50"),
            property_income: y("300"),
            transfer_income: y("2400.25"),
            business_expense: y("1000"),
        }
    }

    #[test]
    fn net_income_follows_the_formula() {
        assert_eq!(record().net_income(), y("20199.75"));
        assert_eq!(record().net_income_per_capita(4), Some(y("5049.94")));
        assert_eq!(record().net_income_per_capita(0), None);
    }

    #[test]
    fn given_totals_must_match_to_the_fen() {
        let r = record();
        assert_eq!(
            r.check_given(4, Some(y("20199.75")), Some(y("5049.94"))),
            Ok(())
        );
        assert!(matches!(
            r.check_given(4, Some(y("20199.76")), None),
            Err(IncomeError::NetIncomeMismatch { .. })
        ));
        assert!(matches!(
            r.check_given(3, None, Some(y("5049.94"))),
            Err(IncomeError::PerCapitaMismatch { .. })
        ));
    }

    #[test]
    fn negative_parts_other_than_business_are_refused() {
        let mut r = record();
        assert_eq!(r.validate(), Ok(()));
        r.wage_income = y("-1");
        assert_eq!(r.validate(), Err(IncomeError::Negative("工资性收入")));
    }
}
