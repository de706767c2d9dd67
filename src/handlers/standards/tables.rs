//! The scoring tables of a standard version as its page shows them: each
//! table's sections with their caps, each line with its rule in words, the
//! grade bands, and the worked cases with their results.

use crate::domain::Lang;
use crate::standards::scoring::{GradeBand, ScoringTable};
use crate::standards::{ExampleResult, Standard, number};

pub struct TableView {
    pub code: String,
    pub name: String,
    pub purpose: String,
    /// The industries of an "X" table; empty for the common table.
    pub industries: String,
    pub sections: Vec<SectionView>,
    pub grades: Vec<String>,
    pub examples: Vec<TableExampleView>,
}

pub struct SectionView {
    pub code: String,
    pub name: String,
    pub cap: String,
    pub lines: Vec<LineView>,
}

pub struct LineView {
    pub code: String,
    pub name: String,
    pub kind: &'static str,
    pub max: String,
    pub rule: String,
    pub evidence: String,
}

pub struct TableExampleView {
    pub name: String,
    pub passed: bool,
    pub mismatches: Vec<String>,
}

/// Every table of `s`; `results` are the version's example results, whose
/// table cases are named "table: case".
pub fn tables(s: &Standard, results: &[ExampleResult], lang: Lang) -> Vec<TableView> {
    s.tables.iter().map(|t| table(s, t, results, lang)).collect()
}

fn table(s: &Standard, t: &ScoringTable, results: &[ExampleResult], lang: Lang) -> TableView {
    let prefix = format!("{}: ", t.code);
    TableView {
        code: t.code.clone(),
        name: t.name(lang).to_string(),
        purpose: t.purpose.label(lang).to_string(),
        industries: t
            .industries
            .map(|set| set.iter().map(|i| i.label(lang)).collect::<Vec<_>>().join("、"))
            .unwrap_or_default(),
        sections: t
            .sections
            .iter()
            .map(|sec| SectionView {
                code: sec.code.clone(),
                name: sec.name(lang).to_string(),
                cap: number(sec.cap),
                lines: sec
                    .lines
                    .iter()
                    .map(|l| LineView {
                        code: l.code.clone(),
                        name: l.name(lang).to_string(),
                        kind: l.kind.code(),
                        max: number(l.max),
                        rule: l.describe(s, lang),
                        evidence: l.evidence(lang).to_string(),
                    })
                    .collect(),
            })
            .collect(),
        grades: t
            .grades
            .iter()
            .flat_map(|g| {
                g.bands
                    .iter()
                    .map(|b| band(b, lang))
                    .chain(std::iter::once(g.otherwise.name(lang).to_string()))
            })
            .collect(),
        examples: results
            .iter()
            .filter_map(|r| r.name.strip_prefix(&prefix).map(|name| (name, r)))
            .map(|(name, r)| TableExampleView {
                name: name.to_string(),
                passed: r.passed,
                mismatches: r
                    .mismatches
                    .iter()
                    .map(|m| format!("{}: {} → {}", m.criterion, m.expected, m.actual))
                    .collect(),
            })
            .collect(),
    }
}

fn band(b: &GradeBand, lang: Lang) -> String {
    let mut parts = Vec::new();
    if !b.min_total.is_zero() {
        parts.push(match lang {
            Lang::Zh => format!("总分 ≥ {}", number(b.min_total)),
            Lang::En => format!("total ≥ {}", number(b.min_total)),
        });
    }
    for (section, min) in &b.section_minimums {
        parts.push(format!("{section} ≥ {}", number(min.0)));
    }
    let joined = parts.join(if lang == Lang::Zh { " 且 " } else { " and " });
    format!(
        "{}{}{joined}",
        b.grade.name(lang),
        if lang == Lang::Zh { "：" } else { ": " }
    )
}
