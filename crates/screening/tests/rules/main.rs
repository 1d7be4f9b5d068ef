//! The engine's tests (SCREENING.md): every default rule by hand at its thresholds and window edges,
//! the evidence texts, rule validation, parameter overrides, and a differential property test
//! against an independent SQL formulation of the default rules run on SQLite.

mod common;
mod defaults;
mod differential;
mod params;
mod validation;
