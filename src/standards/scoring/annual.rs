//! A town's annual assessment on its version's `annual_assessment` table
//! (STANDARDS.md §5 and §6): the computed lines read the year's figures —
//! the as-built proposal of the reports up to that year and the exact
//! cumulative completion against the plan — a reviewer gives the judged
//! lines, and the table's bands name the creation-system grade, to which
//! the creation rules still apply (a second 警告 in a row is 降格; a
//! cultivation town below 合格 is 淘汰). A veto gives the table's lowest
//! grade. Pure: the service loads the figures and stores the sheet.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::model::{Judgements, Purpose};
use super::score::{ScoreError, ScoreInputs, ScoreResult, common_table, score};
use crate::domain::creation::{self, AnnualFigures, Grade, GradeBands};
use crate::domain::proposal::Proposal;
use crate::standards::model::{Standard, exact_opt};

/// What a year's assessment scored, kept with the assessment: the
/// judgements as given, the completion the computed lines read, and the
/// result (points per line with how they were reached, subtotals, total,
/// vetoes, the table's grade). Who gave it and when are the assessment's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreSheet {
    pub judged: Judgements,
    #[serde(default, with = "exact_opt", skip_serializing_if = "Option::is_none")]
    pub completion_pct: Option<Decimal>,
    pub result: ScoreResult,
}

impl ScoreSheet {
    /// The creation-system grade the table's bands named (before the
    /// creation rules), if its code is one.
    pub fn table_grade(&self) -> Option<Grade> {
        self.result.grade.as_ref().and_then(|g| Grade::from_code(&g.code))
    }
}

/// A year scored on the annual table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnnualScore {
    /// The common annual table's code.
    pub table: String,
    pub sheet: ScoreSheet,
    /// The grade the table's bands give (its lowest on a veto).
    pub table_grade: Grade,
    /// The suggestion: the table's grade under the creation rules.
    pub suggested: Grade,
}

impl AnnualScore {
    /// Judged lines and vetoes no one has given yet.
    pub fn pending(&self) -> &[String] {
        &self.sheet.result.pending
    }
}

/// The version's common annual-assessment table, if it has one.
pub fn annual_table(s: &Standard) -> Option<&str> {
    common_table(s, Purpose::AnnualAssessment).map(|t| t.code.as_str())
}

/// The cumulative completion of eligible investment up to `period_year`,
/// in percent, exactly (`None` for a plan of nothing).
pub fn completion_pct(plan: &Proposal, period_year: u32, reports: &[AnnualFigures]) -> Option<Decimal> {
    let actual: Decimal = reports.iter().map(AnnualFigures::eligible_yi).sum();
    let (done, planned) = creation::completion(plan, period_year, actual);
    done.checked_mul(Decimal::ONE_HUNDRED)?.checked_div(planned)
}

/// Scores period year `period_year` of a town on the annual table of `s`:
/// `reports` are its reports of the years up to it (the year's own among
/// them), `earlier` the final grades of the years before. `None` when the
/// version has no annual table. Judgements that do not fit the table are
/// refused, every one; judged lines not given yet leave the result
/// provisional (see [`AnnualScore::pending`]).
pub fn score_year(
    s: &Standard,
    plan: &Proposal,
    period_year: u32,
    reports: &[AnnualFigures],
    earlier: &[Grade],
    judged: Option<&Judgements>,
) -> Option<Result<AnnualScore, Vec<ScoreError>>> {
    let table = annual_table(s)?;
    // The year's actual figures in the plan's place: the residential share
    // a veto reads is of the investment made, not the investment planned.
    let built = creation::as_built(plan, reports).unwrap_or_else(|_| plan.clone());
    let completion_pct = completion_pct(plan, period_year, reports);
    let inputs = ScoreInputs {
        judged,
        overrides: None,
        completion_pct,
        means: false,
        boundary: None,
    };
    Some(score(&built, s, table, &inputs).map(|result| {
        let bands: GradeBands = s.creation_rules().bands;
        let sheet = ScoreSheet {
            judged: judged.cloned().unwrap_or_default(),
            completion_pct,
            result,
        };
        // The version's tables are checked to name creation grades; the
        // engine's lowest grade stands in for one that does not.
        let table_grade = sheet.table_grade().unwrap_or(Grade::Warning);
        AnnualScore {
            table: table.to_string(),
            suggested: bands.suggest_from(table_grade, earlier),
            table_grade,
            sheet,
        }
    }))
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;
    use crate::domain::proposal::sample_proposal;
    use crate::standards::builtin_standard;
    use crate::standards::scoring::Judgement;

    /// A year's report: `total` 亿元 of which `residential` housing.
    fn report(total: Decimal, residential: Decimal) -> AnnualFigures {
        AnnualFigures {
            total_yi: total,
            residential_yi: residential,
            commercial_complex_yi: Decimal::ZERO,
            characteristic_yi: Decimal::ZERO,
            land_used_mu: dec!(100),
            new_tax_wan: dec!(1000),
            province_tax_wan: dec!(400),
            jobs: 500,
            annual_visitors: 200_000,
            enterprises: 20,
            public_service_app: true,
            town_living_room: true,
            scenic_level: 3,
            wifi_coverage_pct: dec!(90),
            digital_management_pct: dec!(80),
        }
    }

    /// Basic judged lines (progress, industry, functions, management) and
    /// bonus ones (honours, innovation); both judged vetoes `veto`.
    fn judged(basic: [Decimal; 4], bonus: [Decimal; 2], veto: bool) -> Judgements {
        let lines = [
            "a.progress",
            "a.industry",
            "a.functions",
            "a.management",
            "a.honours",
            "a.innovation",
        ];
        let points = basic.iter().chain(bonus.iter());
        let mut j: Judgements = lines
            .iter()
            .zip(points)
            .map(|(l, p)| {
                let judgement = Judgement {
                    points: Some(*p),
                    ..Judgement::default()
                };
                (l.to_string(), judgement)
            })
            .collect();
        for v in ["a.veto.safety", "a.veto.debt"] {
            j.insert(
                v.to_string(),
                Judgement {
                    veto: Some(veto),
                    ..Judgement::default()
                },
            );
        }
        j
    }

    fn scored(reports: &[AnnualFigures], earlier: &[Grade], j: &Judgements) -> AnnualScore {
        let s = builtin_standard("ZJ-2015", 4).unwrap();
        score_year(s, &sample_proposal(), reports.len() as u32, reports, earlier, Some(j))
            .expect("an annual table")
            .expect("the judgements fit")
    }

    #[test]
    fn completion_is_of_eligible_investment_against_the_plan_exactly() {
        // Year 1 plans 14 of 62 亿元 with 52 eligible: 11.742 is
        // 11.742 × 62 ÷ (14 × 52) = 100.0005…%.
        let pct = completion_pct(&sample_proposal(), 1, &[report(dec!(11.742), Decimal::ZERO)]).unwrap();
        assert_eq!(pct, dec!(1174.2) * dec!(62) / dec!(728));
        assert!(pct > dec!(100) && pct < dec!(100.001));
        // Housing is not eligible.
        let pct = completion_pct(&sample_proposal(), 1, &[report(dec!(11.742), dec!(1))]).unwrap();
        assert!(pct < dec!(92));
    }

    #[test]
    fn putians_two_part_band_and_the_basic_minimum() {
        let year = [report(dec!(11.742), Decimal::ZERO)];
        let grade = |basic, bonus| scored(&year, &[], &judged(basic, bonus, false)).table_grade;
        let z = Decimal::ZERO;
        assert_eq!(grade([dec!(20), dec!(15), dec!(10), z], [dec!(8), z]), Grade::Excellent);
        assert_eq!(grade([dec!(20), dec!(15), dec!(10), z], [dec!(7.5), z]), Grade::Pass);
        assert_eq!(
            grade([dec!(20), dec!(15), dec!(9.5), z], [dec!(10), dec!(10)]),
            Grade::Pass
        );
        assert_eq!(grade([dec!(20), dec!(10), z, z], [z, z]), Grade::Pass);
        assert_eq!(grade([dec!(20), dec!(9.5), z, z], [z, z]), Grade::Warning);
    }

    #[test]
    fn a_veto_gives_the_lowest_grade_and_the_creation_rules_follow() {
        let full = judged([dec!(20), dec!(15), dec!(15), dec!(10)], [dec!(10), dec!(10)], false);
        let year = [report(dec!(14), Decimal::ZERO)];
        let s = scored(&year, &[], &full);
        assert_eq!((s.table_grade, s.suggested), (Grade::Excellent, Grade::Excellent));
        assert!(s.pending().is_empty());
        // A judged veto.
        let vetoed = judged([dec!(20), dec!(15), dec!(15), dec!(10)], [dec!(10), dec!(10)], true);
        assert_eq!(scored(&year, &[], &vetoed).table_grade, Grade::Warning);
        // A computed one: housing above 30 % of the investment made (not
        // the plan's 6 of 62).
        let housing = [report(dec!(14), dec!(4.3))];
        let s = scored(&housing, &[], &full);
        assert_eq!(s.table_grade, Grade::Warning);
        assert_eq!(s.sheet.result.vetoes, ["a.veto.housing"]);
        assert!(
            scored(&[report(dec!(14), dec!(4.2))], &[], &full)
                .sheet
                .result
                .vetoes
                .is_empty()
        );
        // A second 警告 in a row is 降格; a cultivation town below 合格 is 淘汰.
        assert_eq!(scored(&year, &[Grade::Warning], &vetoed).suggested, Grade::Demoted);
        assert_eq!(scored(&year, &[Grade::Demoted], &vetoed).suggested, Grade::Removed);
        assert_eq!(scored(&year, &[Grade::Demoted], &full).suggested, Grade::Excellent);
    }

    #[test]
    fn missing_judgements_leave_it_provisional_and_ill_fitting_ones_are_refused() {
        let year = [report(dec!(14), Decimal::ZERO)];
        let s = builtin_standard("ZJ-2015", 4).unwrap();
        let plan = sample_proposal();
        let provisional = score_year(s, &plan, 1, &year, &[], None).unwrap().unwrap();
        assert_eq!(provisional.pending().len(), 8);
        // Completion 40 + 6 beyond the plan, nothing judged.
        assert_eq!(provisional.sheet.result.total, dec!(46));
        let mut bad = Judgements::new();
        bad.insert(
            "a.industry".into(),
            Judgement {
                points: Some(dec!(15.5)),
                ..Judgement::default()
            },
        );
        let refused = score_year(s, &plan, 1, &year, &[], Some(&bad)).unwrap().unwrap_err();
        assert_eq!(refused[0].line(), "a.industry");
        // A version without an annual table keeps the completion bands.
        let v2 = builtin_standard("ZJ-2015", 2).unwrap();
        assert!(score_year(v2, &plan, 1, &year, &[], None).is_none());
    }

    #[test]
    fn a_stored_sheet_reads_back_as_it_was_written() {
        let year = [report(dec!(14), dec!(4.3))];
        let full = judged([dec!(20), dec!(15), dec!(15), dec!(10)], [dec!(10), dec!(10)], false);
        let sheet = scored(&year, &[], &full).sheet;
        let text = serde_json::to_string(&sheet).unwrap();
        let back: ScoreSheet = serde_json::from_str(&text).unwrap();
        assert_eq!(back, sheet);
        assert_eq!(back.table_grade(), Some(Grade::Warning));
    }
}
