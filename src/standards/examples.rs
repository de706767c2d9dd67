//! Worked cases carried by a standard: each proposal must still get the
//! verdicts written beside it, so a change of parameters that alters an
//! outcome is noticed.

use serde::Serialize;

use super::evaluate::evaluate_with;
use super::model::Standard;
use crate::domain::Lang;
use crate::domain::proposal::Proposal;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mismatch {
    /// The criterion id, `overall`, or `proposal` when the proposal is invalid.
    pub criterion: String,
    pub expected: String,
    pub actual: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExampleResult {
    pub name: String,
    pub passed: bool,
    pub mismatches: Vec<Mismatch>,
}

/// The criteria's cases, then the scoring tables' (`table: case`).
pub fn run_examples(s: &Standard) -> Vec<ExampleResult> {
    let mut results: Vec<ExampleResult> = s
        .examples
        .iter()
        .map(|ex| {
            let mut mismatches = Vec::new();
            match Proposal::from_json_under(&ex.proposal, s.periods()) {
                Err(errors) => mismatches.push(Mismatch {
                    criterion: "proposal".to_string(),
                    expected: "a valid proposal".to_string(),
                    actual: errors
                        .iter()
                        .map(|e| format!("{}: {}", e.field, e.message(Lang::En)))
                        .collect::<Vec<_>>()
                        .join("; "),
                }),
                Ok(p) => {
                    let ev = evaluate_with(&p, s, &ex.attachments());
                    if ev.overall != ex.expected_overall {
                        mismatches.push(Mismatch {
                            criterion: "overall".to_string(),
                            expected: ex.expected_overall.code().to_string(),
                            actual: ev.overall.code().to_string(),
                        });
                    }
                    for (id, want) in &ex.expected {
                        let got = ev.verdict(id);
                        if got != Some(*want) {
                            mismatches.push(Mismatch {
                                criterion: id.clone(),
                                expected: want.code().to_string(),
                                actual: got.map_or("no such criterion", |v| v.code()).to_string(),
                            });
                        }
                    }
                }
            }
            ExampleResult {
                name: ex.name.clone(),
                passed: mismatches.is_empty(),
                mismatches,
            }
        })
        .collect();
    results.extend(super::scoring::run_score_examples(s));
    results
}
