//! Pure policy types of zhenxing: identities, divisions, households, incomes, roles.
//!
//! This crate does no IO (Architecture Invariant, checked in CI): no database, no HTTP, no files.
//! Every value here is parsed once (`parse`) and valid from then on.

pub mod assistance;
pub mod case;
pub mod codes;
pub mod division;
pub mod elimination;
pub mod feed;
pub mod household;
pub mod id_number;
pub mod income;
pub mod layout;
pub mod lowincome;
pub mod money;
pub mod policy;
pub mod risk;
pub mod role;

pub use codes::CodeEnum;
pub use division::{DivisionCode, DivisionLevel};
pub use household::{Household, Member};
pub use id_number::{IdKind, IdNumber, IdNumberError};
pub use income::{IncomeError, IncomeRecord};
pub use money::{Yuan, YuanError};
pub use policy::{Policy, PolicyKey, PolicyValue, Rules};
pub use role::Role;
