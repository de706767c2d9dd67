//! Worked cases carried by a scoring table: each proposal, with what people
//! judged, must still get its total, grade and vetoes, so a change of points
//! that alters an outcome is noticed before the version is published.

use super::score::{ScoreInputs, score};
use crate::domain::Lang;
use crate::domain::proposal::Proposal;
use crate::standards::examples::{ExampleResult, Mismatch};
use crate::standards::model::Standard;

/// Every table's cases, named "table: case".
pub fn run_score_examples(s: &Standard) -> Vec<ExampleResult> {
    let mut results = Vec::new();
    for t in &s.tables {
        for ex in &t.examples {
            let mut mismatches = Vec::new();
            let mut mismatch = |what: &str, expected: String, actual: String| {
                mismatches.push(Mismatch {
                    criterion: what.to_string(),
                    expected,
                    actual,
                })
            };
            match Proposal::from_json_under(&ex.proposal, s.periods()) {
                Err(errors) => mismatch(
                    "proposal",
                    "a valid proposal".to_string(),
                    errors
                        .iter()
                        .map(|e| format!("{}: {}", e.field, e.message(Lang::En)))
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
                Ok(p) => {
                    let inputs = ScoreInputs {
                        judged: Some(&ex.judged),
                        overrides: None,
                        completion_pct: ex.completion_pct,
                        means: false,
                        boundary: None,
                    };
                    match score(&p, s, &t.code, &inputs) {
                        Err(errors) => mismatch(
                            "judged",
                            "judgements that fit the table".to_string(),
                            errors
                                .iter()
                                .map(|e| e.message(Lang::En))
                                .collect::<Vec<_>>()
                                .join("; "),
                        ),
                        Ok(r) => {
                            if r.total != ex.expected_total {
                                mismatch(
                                    "total",
                                    ex.expected_total.normalize().to_string(),
                                    r.total.normalize().to_string(),
                                );
                            }
                            let grade = r.grade.as_ref().map_or("", |g| g.code.as_str());
                            if grade != ex.expected_grade {
                                mismatch("grade", ex.expected_grade.clone(), grade.to_string());
                            }
                            if r.vetoes != ex.expected_vetoes {
                                mismatch("vetoes", ex.expected_vetoes.join(","), r.vetoes.join(","));
                            }
                        }
                    }
                }
            }
            results.push(ExampleResult {
                name: format!("{}: {}", t.code, ex.name),
                passed: mismatches.is_empty(),
                mismatches,
            });
        }
    }
    results
}
