//! The rule engine. A standard version is data ([`Standard`], read from
//! JSON); [`evaluate`] scores a [`Proposal`](crate::domain::proposal::Proposal)
//! against it and returns structured [`Finding`]s, which are put into words
//! only when rendered. No I/O, no web types.

pub mod boundary;
#[cfg(test)]
mod boundary_tests;
mod builtin;
#[cfg(test)]
mod corrections_tests;
mod creation;
pub mod edit;
mod evaluate;
pub(crate) mod examples;
mod figures;
mod labels;
mod metric;
mod model;
mod render;
pub mod scoring;
mod sets;
#[cfg(test)]
mod tests;
mod validate;
mod verdict;

pub use boundary::{BoundaryFacts, BoundaryState, LayerFact, LayerKind, Overlap};
pub use builtin::{ACTIVE_BUILTIN, BUILTIN_SOURCES, builtin, builtin_standard};
pub use creation::{CreationRules, GradeBands, RewardRules};
pub use evaluate::{
    Attachments, Basis, Detail, Evaluation, Finding, Overrides, Requirement, StandardRef, evaluate, evaluate_with,
    final_overall, final_verdicts,
};
pub use examples::{ExampleResult, Mismatch, run_examples};
pub use figures::{Against, MAX_PCT_PLACES, ShownPct, shown_pct};
pub use labels::criterion_label;
pub use metric::Metric;
pub(crate) use model::exact::parse as parse_exact_decimal;
pub use model::{
    BandOverride, Citation, Criterion, CriterionKind, Example, NamedField, Override, Standard, Threshold, When,
};
pub use render::{ApiEvaluation, ApiFinding, Rendered, RenderedFinding, number, qty};
pub use sets::{Flag, FlagSet, IndustrySet, LocationSet, Member, Set};
pub use validate::{StandardError, StandardErrorCode};
pub use verdict::{Overall, Severity, Verdict};
