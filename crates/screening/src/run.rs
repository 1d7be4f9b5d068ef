//! A screening run: compile the rules, compute the feature table, evaluate every rule, and explain
//! each hit in Chinese with the records and values that triggered it.

use std::collections::{HashMap, HashSet};

use zhenxing_domain::feed::{FeedRecord, Period};
use zhenxing_domain::household::age_on;
use zhenxing_domain::id_number::mask_id;
use zhenxing_domain::{CodeEnum, DivisionCode, Policy, PolicyKey};

use crate::defaults::RuleDef;
use crate::features::{self, Feature, MedicalTotals, Table, Type, Unit, Witnesses};
use crate::num::Num;
use crate::registry::{Household, Registry, id_key, id_text};
use crate::rule::{self, ArithOp, Node, ParamSource, RuleError, Scalar, eval_row, param_num};

/// A rule ready to run.
#[derive(Debug, Clone)]
pub struct CompiledRule {
    pub def: RuleDef,
    pub node: Node,
}

/// Compiles every rule; the first bad one is named with its error.
pub fn compile_rules(defs: &[RuleDef]) -> Result<Vec<CompiledRule>, (String, RuleError)> {
    defs.iter()
        .map(|d| {
            rule::compile(&d.expression)
                .map(|node| CompiledRule {
                    def: d.clone(),
                    node,
                })
                .map_err(|e| (d.id.clone(), e))
        })
        .collect()
}

/// Parameter values of a run: the policy table resolved for a division and year, with overrides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params {
    values: HashMap<PolicyKey, i64>,
}

impl Params {
    pub fn resolve(policy: &Policy, division: &DivisionCode, year: i32) -> Params {
        Params {
            values: rule::parameters()
                .into_iter()
                .map(|k| (k, policy.value(k, division, year)))
                .collect(),
        }
    }

    /// Applies `name=value` (as typed on the command line or a form), checked like the policy page.
    pub fn set(&mut self, assignment: &str) -> Result<(), String> {
        let Some((name, value)) = assignment.split_once('=') else {
            return Err(format!(
                "参数“{assignment}”应写成 名称=值，如 monitoring_line=7500"
            ));
        };
        let key = rule::parameters()
            .into_iter()
            .find(|k| k.code() == name.trim())
            .ok_or_else(|| {
                let names: Vec<&str> = rule::parameters().iter().map(|k| k.code()).collect();
                format!("未知的参数“{}”：可用 {}", name.trim(), names.join("、"))
            })?;
        let v = key.parse_value(value)?;
        self.values.insert(key, v);
        Ok(())
    }

    /// The stored value (fen, ten-thousandths or a count).
    pub fn stored(&self, key: PolicyKey) -> i64 {
        self.values.get(&key).copied().unwrap_or(0)
    }

    /// Every parameter with its value as shown: `monitoring_line=7,000.00 元`.
    pub fn describe(&self) -> Vec<(PolicyKey, String)> {
        rule::parameters()
            .into_iter()
            .map(|k| (k, k.format_value(self.stored(k))))
            .collect()
    }
}

impl ParamSource for Params {
    fn value(&self, key: PolicyKey) -> Num {
        param_num(key, self.stored(key))
    }
}

/// One warning of a run: a household, a rule and the evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub household: u32,
    pub rule: usize,
    pub evidence: String,
}

/// Runs `rules` for `period`; hits sorted by 户编号 then rule id (the CSV contract's order).
pub fn screen(
    registry: &Registry,
    records: &[FeedRecord],
    period: Period,
    rules: &[CompiledRule],
    params: &Params,
) -> Vec<Hit> {
    screen_with(registry, records, None, period, rules, params)
}

/// [`screen`] with the medical sums added up by the caller (batch mode): `records` then need to
/// hold only the records dated in the period ([`MedicalTotals`]).
pub fn screen_with(
    registry: &Registry,
    records: &[FeedRecord],
    totals: Option<&MedicalTotals>,
    period: Period,
    rules: &[CompiledRule],
    params: &Params,
) -> Vec<Hit> {
    let located = features::locate_all(registry, records, period);
    let table = features::compute_located(registry, records, &located, totals, period);
    let mut flagged: Vec<(u32, usize)> = Vec::new();
    for (ri, r) in rules.iter().enumerate() {
        for h in rule::flagged(&r.node, &table, params) {
            flagged.push((h, ri));
        }
    }
    let hs = &registry.households;
    // The household index last: the order a stable sort by (户编号, rule) gives, for a total order
    // an unstable (faster) sort keeps.
    flagged.sort_unstable_by(|a, b| {
        hs[a.0 as usize]
            .household_no
            .cmp(&hs[b.0 as usize].household_no)
            .then_with(|| rules[a.1].def.id.cmp(&rules[b.1].def.id))
            .then_with(|| a.0.cmp(&b.0))
    });
    drop(table);
    let texts = explain_all(
        registry, records, &located, totals, period, rules, params, &flagged,
    );
    flagged
        .into_iter()
        .zip(texts)
        .map(|((household, rule), evidence)| Hit {
            household,
            rule,
            evidence,
        })
        .collect()
}

/// Evidence for every flagged (household, rule): the flagged households' own records are computed
/// again with witnesses, in a registry of just those households.
#[expect(clippy::too_many_arguments, reason = "the parts of one run")]
fn explain_all(
    registry: &Registry,
    records: &[FeedRecord],
    located: &[features::Located],
    totals: Option<&MedicalTotals>,
    period: Period,
    rules: &[CompiledRule],
    params: &Params,
    flagged: &[(u32, usize)],
) -> Vec<String> {
    let wanted: HashSet<u32> = flagged.iter().map(|(h, _)| *h).collect();
    let mut order: Vec<u32> = wanted.iter().copied().collect();
    order.sort_unstable();
    let position: HashMap<u32, usize> = order.iter().enumerate().map(|(i, h)| (*h, i)).collect();
    let small = Registry::new(
        order
            .iter()
            .map(|h| registry.households[*h as usize].clone())
            .collect(),
    );
    let mut flagged_household = vec![false; registry.len()];
    for h in &order {
        if let Some(f) = flagged_household.get_mut(*h as usize) {
            *f = true;
        }
    }
    // `located` is `None` outside the window.
    let mine: Vec<FeedRecord> = records
        .iter()
        .zip(located)
        .filter(|(_, l)| {
            l.is_some_and(|(h, _)| flagged_household.get(h as usize).copied().unwrap_or(false))
        })
        .map(|(r, _)| r.clone())
        .collect();
    let small_totals = totals.map(|t| t.select(&order));
    let (table, witnesses) =
        features::compute_explained_with(&small, &mine, small_totals.as_ref(), period);
    let ctx = Explain {
        table: &table,
        witnesses: &witnesses,
        records: &mine,
        registry: &small,
        params,
        period,
    };
    flagged
        .iter()
        .map(|(h, ri)| {
            let row = position.get(h).copied().unwrap_or(0);
            let mut parts = Vec::new();
            ctx.node(&rules[*ri].node, row, &mut parts);
            if parts.is_empty() {
                // A rule whose truth no single comparison shows: list what it used.
                let mut names = Vec::new();
                rules[*ri].node.names(&mut names);
                for n in names {
                    if let Some(f) = Feature::by_name(&n) {
                        parts.push(ctx.feature_text(f, row));
                    }
                }
            }
            // The same comparison twice (income_drop's two thresholds may coincide) is said once.
            let mut seen = HashSet::new();
            parts.retain(|p| seen.insert(p.clone()));
            parts.join("；")
        })
        .collect()
}

struct Explain<'a> {
    table: &'a Table,
    witnesses: &'a Witnesses,
    records: &'a [FeedRecord],
    registry: &'a Registry,
    params: &'a Params,
    period: Period,
}

fn unit_of(node: &Node) -> Unit {
    match node {
        Node::Feature(f) => match f.ty() {
            Type::Num(u) => u,
            Type::Bool => Unit::Count,
        },
        Node::Param(k) => match k.unit() {
            zhenxing_domain::policy::PolicyUnit::Yuan => Unit::Yuan,
            zhenxing_domain::policy::PolicyUnit::Ratio => Unit::Ratio,
            _ => Unit::Days,
        },
        Node::Arith(op, a, b) => {
            let (ua, ub) = (unit_of(a), unit_of(b));
            match (ua, ub) {
                (Unit::Yuan, _) | (_, Unit::Yuan) if *op != ArithOp::Div || ua == Unit::Yuan => {
                    Unit::Yuan
                }
                (Unit::Days, _) | (_, Unit::Days) => Unit::Days,
                _ => ua,
            }
        }
        Node::Neg(a) => unit_of(a),
        Node::Case(arms, e) => arms.first().map_or_else(|| unit_of(e), |(_, v)| unit_of(v)),
        Node::Call(_, args) => args.first().map_or(Unit::Count, unit_of),
        _ => Unit::Count,
    }
}

fn show(v: Option<Num>, unit: Unit) -> String {
    match v {
        None => "（空）".to_string(),
        Some(n) => match unit {
            Unit::Yuan => n.to_yuan().to_string(),
            Unit::Days => format!("{} 天", n.plain()),
            Unit::Count | Unit::Ratio => n.plain(),
        },
    }
}

fn masked(person: &str) -> String {
    mask_id(&id_key(person).map_or_else(|| person.to_string(), id_text))
}

impl Explain<'_> {
    fn truth(&self, node: &Node, row: usize) -> Option<bool> {
        match eval_row(node, self.table, self.params, row) {
            Scalar::Bool(b) => b,
            Scalar::Num(_) => None,
        }
    }

    fn value(&self, node: &Node, row: usize) -> Option<Num> {
        match eval_row(node, self.table, self.params, row) {
            Scalar::Num(n) => n,
            Scalar::Bool(_) => None,
        }
    }

    /// Collects the parts of `node` that made it true.
    fn node(&self, node: &Node, row: usize, out: &mut Vec<String>) {
        if self.truth(node, row) != Some(true) {
            return;
        }
        match node {
            Node::And(a, b) | Node::Or(a, b) => {
                self.node(a, row, out);
                self.node(b, row, out);
            }
            Node::Feature(f) => out.push(self.feature_text(*f, row)),
            Node::Cmp(op, l, r) => {
                let left = match l.as_ref() {
                    Node::Feature(f) => self.feature_text(*f, row),
                    other => show(self.value(other, row), unit_of(other)),
                };
                let right = show(self.value(r, row), unit_of(l));
                out.push(format!("{left} {} {right}", op.symbol()));
                // A threshold computed from the household's own values (previous income, latest
                // 纯收入) names them too: the evidence names every value used.
                let mut names = Vec::new();
                r.names(&mut names);
                for n in names {
                    if let Some(f) = Feature::by_name(&n)
                        && matches!(f.ty(), Type::Num(_))
                    {
                        out.push(self.feature_text(f, row));
                    }
                }
            }
            // NOT monitored and the like: a condition, not evidence.
            _ => {}
        }
    }

    fn household(&self, row: usize) -> Option<&Household> {
        self.registry.households.get(row)
    }

    fn record(&self, f: Feature, row: usize) -> Option<&FeedRecord> {
        self.witnesses
            .record(f, row)
            .and_then(|i| self.records.get(i))
    }

    fn feature_text(&self, f: Feature, row: usize) -> String {
        let num = |f: Feature| match self.table.column(f) {
            features::Column::Num(v) => v.get(row).copied().flatten(),
            features::Column::Bool(_) => None,
        };
        let h = self.household(row);
        let income = |previous: bool, net: bool| {
            let Some(h) = h else {
                return String::new();
            };
            let (latest, prev) = h.incomes_for(self.period.year);
            let r = if previous { prev } else { latest };
            match r {
                Some(r) if net => format!("{}年 纯收入 {}", r.year, r.net_income()),
                Some(r) => format!(
                    "{}年 人均纯收入 {}",
                    r.year,
                    h.per_capita(r).unwrap_or_default()
                ),
                None => "无收入记录".to_string(),
            }
        };
        let rec = self.record(f, row);
        match (f, rec) {
            (Feature::Exited | Feature::Monitored | Feature::Ordinary, _) => h
                .map(|h| {
                    if h.monitored {
                        "监测对象".to_string()
                    } else {
                        format!("户类型 {}", h.kind.label())
                    }
                })
                .unwrap_or_default(),
            (Feature::Members, _) => format!("家庭人口 {} 人", h.map_or(0, |h| h.members.len())),
            (Feature::MedicalOop12m, _) => format!(
                "{}至{} 合规自付合计 {}（{} 条医保结算）",
                self.period.minus(11),
                self.period,
                show(num(f), Unit::Yuan),
                self.witnesses.medical_count.get(row).copied().unwrap_or(0)
            ),
            (
                Feature::StayOopMax,
                Some(FeedRecord::Medical {
                    date,
                    out_of_pocket,
                    ..
                }),
            ) => {
                format!("{date} 住院 个人自付 {out_of_pocket}")
            }
            (
                Feature::DisabilityNew,
                Some(FeedRecord::Disability {
                    person,
                    grade,
                    change,
                    date,
                    ..
                }),
            ) => format!(
                "{date} 残疾{}{}（{}）",
                change.label(),
                grade.map(|g| format!(" {}", g.label())).unwrap_or_default(),
                masked(person)
            ),
            (
                Feature::Dropout | Feature::UpperSchoolFeesMax,
                Some(FeedRecord::Education {
                    person,
                    stage,
                    status,
                    fees,
                    date,
                }),
            ) => {
                if f == Feature::Dropout {
                    format!(
                        "{date} {} {}（{}）",
                        stage.label(),
                        status.label(),
                        masked(person)
                    )
                } else {
                    format!(
                        "{date} {} 学年自付 {fees}（{}）",
                        stage.label(),
                        masked(person)
                    )
                }
            }
            (Feature::HouseUnsafe, Some(FeedRecord::Housing { rating, date, .. })) => {
                format!("{date} 房屋鉴定 {}级", rating.label())
            }
            (
                Feature::LabourLoss,
                Some(FeedRecord::Police {
                    person,
                    event,
                    date,
                    ..
                }),
            ) => {
                let who = id_key(person)
                    .and_then(|k| self.registry.person(k))
                    .and_then(|(_, m)| h.and_then(|h| h.members.get(usize::from(m))));
                format!(
                    "{date} {}（{}，{} 岁，{}）",
                    event.label(),
                    masked(person),
                    who.map_or(0, |p| age_on(p.birth, *date)),
                    who.and_then(|p| p.labour).map_or("", |l| l.label())
                )
            }
            (
                Feature::CivilNew,
                Some(FeedRecord::Civil {
                    person,
                    program,
                    date,
                    ..
                }),
            ) => format!("{date} 新增{}（{}）", program.label(), masked(person)),
            (
                Feature::DisasterLossMax,
                Some(FeedRecord::Disaster {
                    hazard, loss, date, ..
                }),
            ) => {
                format!("{date} {} 损失 {loss}", hazard.label())
            }
            (Feature::Unemployed, Some(FeedRecord::Employment { person, date, .. })) => {
                format!("{date} 失业（{}）", masked(person))
            }
            (Feature::WaterCutDaysMax, Some(FeedRecord::Water { days, date, .. })) => {
                format!("{date} 断水 {days} 天")
            }
            (Feature::IncomePcLatest, _) => income(false, false),
            (Feature::IncomePcPrevious, _) => income(true, false),
            (Feature::NetIncomeLatest, _) => income(false, true),
            (other, _) => match other.ty() {
                Type::Bool => other.label().to_string(),
                Type::Num(u) => format!("{} {}", other.label(), show(num(other), u)),
            },
        }
    }
}
