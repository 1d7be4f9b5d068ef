//! The output of a run as rows: the CSV contract of SCREENING.md
//! (`household_no,village,rule_id,risk_type,status,evidence`, sorted by household_no then rule_id)
//! and the what-if comparison.

use std::collections::HashSet;

use zhenxing_domain::CodeEnum;

use crate::registry::Registry;
use crate::run::{CompiledRule, Hit};

/// One line of the output.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Row {
    pub household_no: String,
    pub village: String,
    pub rule_id: String,
    /// The risk type's Chinese label (因病, 因学 …).
    pub risk_type: String,
    /// `new` or `monitored`.
    pub status: String,
    pub evidence: String,
}

/// The status a hit gets: `monitored` for a monitored household, else `new` (SCREENING.md).
pub fn status_of(registry: &Registry, hit: &Hit) -> &'static str {
    match registry.households.get(hit.household as usize) {
        Some(h) if h.monitored => "monitored",
        _ => "new",
    }
}

pub fn rows(registry: &Registry, rules: &[CompiledRule], hits: &[Hit]) -> Vec<Row> {
    hits.iter()
        .filter_map(|hit| {
            let h = registry.households.get(hit.household as usize)?;
            let r = rules.get(hit.rule)?;
            Some(Row {
                household_no: h.household_no.clone(),
                village: h.village.clone(),
                rule_id: r.def.id.clone(),
                risk_type: r.def.risk_type.label().to_string(),
                status: status_of(registry, hit).to_string(),
                evidence: hit.evidence.clone(),
            })
        })
        .collect()
}

/// The CSV of the contract, UTF-8, with its header line.
pub fn to_csv(rows: &[Row]) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "household_no",
        "village",
        "rule_id",
        "risk_type",
        "status",
        "evidence",
    ])?;
    for r in rows {
        w.write_record([
            &r.household_no,
            &r.village,
            &r.rule_id,
            &r.risk_type,
            &r.status,
            &r.evidence,
        ])?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

/// What changes between the current parameters and the what-if ones.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Diff {
    /// Warnings the what-if parameters raise that the current ones do not.
    pub entering: Vec<Row>,
    /// Warnings the current parameters raise that the what-if ones do not.
    pub leaving: Vec<Row>,
}

impl Diff {
    pub fn between(current: &[Row], what_if: &[Row]) -> Diff {
        let key = |r: &Row| (r.household_no.clone(), r.rule_id.clone());
        let now: HashSet<(String, String)> = current.iter().map(key).collect();
        let then: HashSet<(String, String)> = what_if.iter().map(key).collect();
        Diff {
            entering: what_if
                .iter()
                .filter(|r| !now.contains(&key(r)))
                .cloned()
                .collect(),
            leaving: current
                .iter()
                .filter(|r| !then.contains(&key(r)))
                .cloned()
                .collect(),
        }
    }

    /// Households (not warnings) entering and leaving, by village: (village, entering, leaving).
    pub fn by_village(&self) -> Vec<(String, usize, usize)> {
        let mut out: Vec<(String, HashSet<&str>, HashSet<&str>)> = Vec::new();
        let tagged = self
            .entering
            .iter()
            .map(|r| (r, true))
            .chain(self.leaving.iter().map(|r| (r, false)));
        for (r, entering) in tagged {
            let i = match out.iter().position(|(v, _, _)| *v == r.village) {
                Some(i) => i,
                None => {
                    out.push((r.village.clone(), HashSet::new(), HashSet::new()));
                    out.len() - 1
                }
            };
            let (_, e, l) = &mut out[i];
            if entering {
                e.insert(r.household_no.as_str());
            } else {
                l.insert(r.household_no.as_str());
            }
        }
        let mut v: Vec<(String, usize, usize)> = out
            .into_iter()
            .map(|(v, e, l)| (v, e.len(), l.len()))
            .collect();
        v.sort();
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(no: &str, rule: &str) -> Row {
        Row {
            household_no: no.into(),
            village: "青岩村".into(),
            rule_id: rule.into(),
            risk_type: "其他".into(),
            status: "new".into(),
            evidence: "2025年 人均纯收入 6,900.00 元 < 7,000.00 元".into(),
        }
    }

    #[test]
    fn csv_has_the_contract_header_and_quotes_commas() {
        let text = String::from_utf8(to_csv(&[row("H1", "income_below_line")]).expect("csv"))
            .expect("utf8");
        assert_eq!(
            text,
            "household_no,village,rule_id,risk_type,status,evidence\nH1,青岩村,income_below_line,其他,new,\"2025年 人均纯收入 6,900.00 元 < 7,000.00 元\"\n"
        );
    }

    #[test]
    fn what_if_lists_who_enters_and_who_leaves() {
        let now = vec![
            row("H1", "income_below_line"),
            row("H2", "income_below_line"),
        ];
        let then = vec![
            row("H2", "income_below_line"),
            row("H3", "income_below_line"),
        ];
        let d = Diff::between(&now, &then);
        assert_eq!(d.entering, vec![row("H3", "income_below_line")]);
        assert_eq!(d.leaving, vec![row("H1", "income_below_line")]);
        assert_eq!(d.by_village(), vec![("青岩村".to_string(), 1, 1)]);
    }
}
