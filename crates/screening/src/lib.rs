//! Department screening (部门筛查预警): the feature table of every household computed from the
//! registry and the department feeds, rules written as SQL boolean expressions over features and
//! named parameters (parsed with `sqlparser`, checked, compiled to a typed tree), and a column-at-a-
//! time evaluation with SQL's three-valued logic. Pure: no IO; malformed input never panics.
//!
//! Semantics follow `shared/domain/SCREENING.md` to the letter: strict comparisons, the 12-month
//! window ending with the period, ages at the event date, who counts as monitored.

pub mod defaults;
pub mod features;
pub mod num;
pub mod registry;
pub mod report;
pub mod rule;
pub mod run;

pub use defaults::{RuleDef, default_rules};
pub use features::{Feature, MedicalTotals, Table};
pub use num::Num;
pub use registry::{Household, Person, Registry, id_key, id_text};
pub use rule::{Node, RuleError, compile};
pub use run::{CompiledRule, Hit, Params, compile_rules, screen, screen_with};
