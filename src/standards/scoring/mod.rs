//! Scoring tables (评分细则, STANDARDS.md §6): points, vetoes and grades as
//! part of a standard version's data. [`score`] is pure: the proposal, the
//! version and what people judged go in; points per line with how they were
//! reached, capped subtotals, the total, the vetoes and the grade come out.

pub mod aggregate;
mod annual;
mod check;
mod examples;
mod form;
mod model;
mod render;
mod score;
#[cfg(test)]
mod tests;

pub use annual::{AnnualScore, ScoreSheet, annual_table, completion_pct, score_year};
pub use check::{TableProblem, check_tables};
pub use examples::run_score_examples;
pub use form::{COMMENT_MAX, FormProblem, Problem, judgements_from_form};
pub use model::{
    DecimalValue, Direction, Figure, GradeBand, GradeName, Grades, Judgement, Judgements, Line, LineKind, PointBand,
    Purpose, ScoreExample, ScoringFigure, ScoringTable, Section, VetoCondition,
};
pub use score::{
    How, LineScore, ScoreError, ScoreInputs, ScoreResult, SectionScore, check_judged, common_table,
    control_lines_criterion, fits_steps, score, tables_for, tables_of, veto_control_line,
};
