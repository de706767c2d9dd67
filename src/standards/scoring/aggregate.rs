//! An expert panel's score sheets into one set of judgements (DESIGN.md
//! "Aggregation"): per judged line the mean after dropping one highest and
//! one lowest score when enough sheets were submitted, else the mean of all,
//! rounded to 2 decimals half up; a judged veto holds on a strict majority
//! (a tie does not hold and is flagged to the chair); an expert whose total
//! lies too far from the panel's median is flagged. Exact decimals only.

use rust_decimal::{Decimal, RoundingStrategy};

use super::model::{Judgement, Judgements, LineKind, ScoringTable, VetoCondition};

/// The aggregation's parameters, with DESIGN's defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PanelRules {
    /// From this many submitted sheets on, one highest and one lowest score
    /// of each line are dropped.
    pub trim_from: usize,
    /// An expert's total further than this share of the table's maximum
    /// from the median total is flagged.
    pub outlier_share: Decimal,
}

impl Default for PanelRules {
    fn default() -> PanelRules {
        PanelRules {
            trim_from: 5,
            outlier_share: Decimal::new(15, 2),
        }
    }
}

/// The panel's judgements and what the chair must look at.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Aggregate {
    /// One judgement per judged line that at least one sheet gave: the
    /// rounded mean, or whether the veto holds.
    pub judged: Judgements,
    /// Judged vetoes on which exactly half the sheets said yes: they do not
    /// hold, and the chair is told.
    pub tied_vetoes: Vec<String>,
    /// How many sheets each line's figure rests on (after trimming).
    pub counted: Vec<(String, usize)>,
}

/// Rounded to 2 decimals, halves away from zero (half up for the points,
/// which are never negative).
pub fn round_points(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// Aggregates the submitted sheets over the judged lines of `tables` (the
/// common table and the proposal's industry table).
pub fn aggregate(tables: &[&ScoringTable], sheets: &[&Judgements], rules: PanelRules) -> Aggregate {
    let mut out = Aggregate::default();
    for line in tables.iter().flat_map(|t| t.lines()) {
        match &line.kind {
            LineKind::Judged { .. } => {
                let mut points: Vec<Decimal> = sheets
                    .iter()
                    .filter_map(|s| s.get(&line.code).and_then(|j| j.points))
                    .collect();
                if points.is_empty() {
                    continue;
                }
                points.sort();
                let kept = if points.len() >= rules.trim_from.max(3) {
                    &points[1..points.len() - 1]
                } else {
                    &points[..]
                };
                let Some(mean) = mean(kept) else { continue };
                out.counted.push((line.code.clone(), kept.len()));
                out.judged.insert(
                    line.code.clone(),
                    Judgement {
                        points: Some(round_points(mean)),
                        ..Judgement::default()
                    },
                );
            }
            LineKind::Veto {
                condition: VetoCondition::Judged,
            } => {
                let answers: Vec<bool> = sheets
                    .iter()
                    .filter_map(|s| s.get(&line.code).and_then(|j| j.veto))
                    .collect();
                if answers.is_empty() {
                    continue;
                }
                let yes = answers.iter().filter(|a| **a).count();
                if yes * 2 == answers.len() {
                    out.tied_vetoes.push(line.code.clone());
                }
                out.counted.push((line.code.clone(), answers.len()));
                out.judged.insert(
                    line.code.clone(),
                    Judgement {
                        veto: Some(yes * 2 > answers.len()),
                        ..Judgement::default()
                    },
                );
            }
            _ => {}
        }
    }
    out
}

fn mean(values: &[Decimal]) -> Option<Decimal> {
    let sum = values.iter().try_fold(Decimal::ZERO, |acc, v| acc.checked_add(*v))?;
    sum.checked_div(Decimal::from(values.len()))
}

/// The median of the experts' totals: for an even count, the mean of the
/// two middle ones. None for no totals.
pub fn median(totals: &[Decimal]) -> Option<Decimal> {
    let mut sorted = totals.to_vec();
    sorted.sort();
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => sorted[n / 2 - 1]
            .checked_add(sorted[n / 2])
            .and_then(|s| s.checked_div(Decimal::TWO)),
    }
}

/// Indexes of the totals further from the median than the rule's share of
/// the table's maximum (strictly: exactly at the limit is not flagged).
pub fn outliers(totals: &[Decimal], maximum: Decimal, rules: PanelRules) -> Vec<usize> {
    let (Some(median), Some(limit)) = (median(totals), maximum.checked_mul(rules.outlier_share)) else {
        return Vec::new();
    };
    totals
        .iter()
        .enumerate()
        .filter(|(_, t)| t.checked_sub(median).is_some_and(|d| d.abs() > limit))
        .map(|(i, _)| i)
        .collect()
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;
    use crate::standards::builtin_standard;
    use crate::standards::scoring::{Purpose, common_table};

    fn table() -> &'static ScoringTable {
        common_table(builtin_standard("ZJ-2015", 3).unwrap(), Purpose::CreationReview).unwrap()
    }

    fn judged_line() -> (&'static str, Decimal) {
        let l = table()
            .lines()
            .find(|l| matches!(l.kind, LineKind::Judged { .. }))
            .unwrap();
        (l.code.as_str(), l.max)
    }

    fn veto_line() -> Option<&'static str> {
        table()
            .lines()
            .find(|l| {
                matches!(
                    l.kind,
                    LineKind::Veto {
                        condition: VetoCondition::Judged
                    }
                )
            })
            .map(|l| l.code.as_str())
    }

    fn sheet(code: &str, points: Decimal) -> Judgements {
        [(
            code.to_string(),
            Judgement {
                points: Some(points),
                ..Judgement::default()
            },
        )]
        .into()
    }

    fn veto_sheet(code: &str, holds: bool) -> Judgements {
        [(
            code.to_string(),
            Judgement {
                veto: Some(holds),
                ..Judgement::default()
            },
        )]
        .into()
    }

    fn points(a: &Aggregate, code: &str) -> Decimal {
        a.judged[code].points.unwrap()
    }

    #[test]
    fn five_sheets_drop_one_highest_and_one_lowest() {
        let (code, _) = judged_line();
        let sheets: Vec<Judgements> = [dec!(1), dec!(4), dec!(5), dec!(5), dec!(9)]
            .iter()
            .map(|p| sheet(code, *p))
            .collect();
        let refs: Vec<&Judgements> = sheets.iter().collect();
        let a = aggregate(&[table()], &refs, PanelRules::default());
        // (4 + 5 + 5) / 3 = 4.666… → 4.67
        assert_eq!(points(&a, code), dec!(4.67));
        assert_eq!(a.counted, [(code.to_string(), 3)]);
    }

    #[test]
    fn four_sheets_keep_every_score() {
        let (code, _) = judged_line();
        let sheets: Vec<Judgements> = [dec!(1), dec!(4), dec!(5), dec!(9)]
            .iter()
            .map(|p| sheet(code, *p))
            .collect();
        let refs: Vec<&Judgements> = sheets.iter().collect();
        let a = aggregate(&[table()], &refs, PanelRules::default());
        assert_eq!(points(&a, code), dec!(4.75));
        assert_eq!(a.counted, [(code.to_string(), 4)]);
    }

    #[test]
    fn means_round_half_up_at_the_second_decimal() {
        let (code, _) = judged_line();
        // (1.0 + 1.01) / 2 = 1.005 → 1.01 (half up; banker's rounding would give 1.00).
        let sheets = [sheet(code, dec!(1.0)), sheet(code, dec!(1.01))];
        let refs: Vec<&Judgements> = sheets.iter().collect();
        assert_eq!(
            points(&aggregate(&[table()], &refs, PanelRules::default()), code),
            dec!(1.01)
        );
        // (1.0 + 1.009) / 2 = 1.0045 → 1.00
        let sheets = [sheet(code, dec!(1.0)), sheet(code, dec!(1.009))];
        let refs: Vec<&Judgements> = sheets.iter().collect();
        assert_eq!(
            points(&aggregate(&[table()], &refs, PanelRules::default()), code),
            dec!(1.00)
        );
    }

    #[test]
    fn a_judged_veto_holds_on_a_strict_majority_and_a_tie_is_flagged() {
        let Some(code) = veto_line() else {
            panic!("the built-in creation-review table has a judged veto");
        };
        let run = |answers: &[bool]| {
            let sheets: Vec<Judgements> = answers.iter().map(|a| veto_sheet(code, *a)).collect();
            let refs: Vec<&Judgements> = sheets.iter().collect();
            aggregate(&[table()], &refs, PanelRules::default())
        };
        let majority = run(&[true, true, false]);
        assert_eq!(majority.judged[code].veto, Some(true));
        assert!(majority.tied_vetoes.is_empty());
        let tie = run(&[true, true, false, false]);
        assert_eq!(tie.judged[code].veto, Some(false));
        assert_eq!(tie.tied_vetoes, [code.to_string()]);
        let minority = run(&[true, false, false]);
        assert_eq!(minority.judged[code].veto, Some(false));
        assert!(minority.tied_vetoes.is_empty());
    }

    #[test]
    fn lines_no_sheet_gave_stay_pending() {
        let (code, _) = judged_line();
        let sheets = [Judgements::new(), Judgements::new()];
        let refs: Vec<&Judgements> = sheets.iter().collect();
        let a = aggregate(&[table()], &refs, PanelRules::default());
        assert!(!a.judged.contains_key(code));
    }

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        assert_eq!(median(&[dec!(70), dec!(90), dec!(80)]), Some(dec!(80)));
        assert_eq!(median(&[dec!(70), dec!(90), dec!(80), dec!(75)]), Some(dec!(77.5)));
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn totals_beyond_fifteen_percent_of_the_maximum_from_the_median_are_flagged() {
        // Maximum 100: the limit is 15 points from the median 80.
        let totals = [
            dec!(80),
            dec!(95),
            dec!(95.01),
            dec!(65),
            dec!(64.99),
            dec!(80),
            dec!(80),
        ];
        assert_eq!(outliers(&totals, dec!(100), PanelRules::default()), [2, 4]);
    }

    #[test]
    fn the_panels_means_score_on_the_table_with_section_caps() {
        let s = builtin_standard("ZJ-2015", 3).unwrap();
        let (code, max) = judged_line();
        let sheets = [sheet(code, max), sheet(code, max - dec!(1)), sheet(code, max)];
        let refs: Vec<&Judgements> = sheets.iter().collect();
        let a = aggregate(&[table()], &refs, PanelRules::default());
        let p = crate::domain::proposal::sample_proposal();
        let inputs = crate::standards::scoring::ScoreInputs {
            judged: Some(&a.judged),
            means: true,
            ..Default::default()
        };
        let r = crate::standards::scoring::score(&p, s, &table().code, &inputs).expect("means are accepted");
        assert_eq!(r.line(code).unwrap().points, points(&a, code));
        // Without `means` the same non-step figure is refused.
        let strict = crate::standards::scoring::ScoreInputs {
            judged: Some(&a.judged),
            ..Default::default()
        };
        // (max + max − 1 + max) / 3 ends in .67: no whole step.
        assert_eq!(points(&a, code), round_points(max - dec!(1) / dec!(3)));
        assert!(crate::standards::scoring::score(&p, s, &table().code, &strict).is_err());
    }
}
