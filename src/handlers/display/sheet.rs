//! A sheet on a scoring table (评分表) as pages show it — a year's
//! annual assessment, an expert's score sheet: every line with its maximum, points and how they were
//! reached, the judged lines as inputs while the year awaits its grade, the
//! capped subtotals, the running total and the table's grade — or, once
//! graded, the sheet as it was stored with the assessment.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::format::format_time;
use crate::domain::Lang;
use crate::domain::proposal::Unit;
use crate::standards::scoring::{
    AnnualScore, Direction, How, Judgements, Line, LineKind, LineScore, ScoreError, ScoreResult, ScoreSheet,
    VetoCondition,
};
use crate::standards::{Against, Standard, number, shown_pct};

/// The grading form of one year as posted (a 计算 preview, or a refused
/// confirmation): what was typed and the messages beside its fields.
#[derive(Debug, Default)]
pub struct Posted {
    pub year: i32,
    pub pairs: Vec<(String, String)>,
    pub judged: Judgements,
    /// Messages by field: `points.<line>`, `veto.<line>`, `comment.<line>`.
    pub fields: BTreeMap<String, String>,
    pub final_grade: String,
    pub reason: String,
    /// A refused confirmation (not a preview): the grade typed stays chosen.
    pub refused: bool,
}

impl Posted {
    fn typed(&self, field: &str) -> Option<&str> {
        self.pairs.iter().find(|(k, _)| k == field).map(|(_, v)| v.as_str())
    }
}

pub struct SheetView {
    pub table: String,
    /// Judged lines are inputs (the year awaits its grade).
    pub editable: bool,
    pub sections: Vec<SheetSection>,
    pub total: String,
    pub maximum: String,
    /// The grade the table's bands give (before the creation rules).
    pub table_grade: String,
    pub vetoes: Vec<String>,
    /// Judged lines and vetoes not given yet: the total is provisional.
    pub pending: usize,
    /// Refusals that concern no line of the form.
    pub errors: Vec<String>,
    /// (reviewer, time) of a stored sheet.
    pub by: Option<(String, String)>,
}

pub struct SheetSection {
    pub name: String,
    pub subtotal: String,
    pub cap: String,
    pub lines: Vec<SheetLine>,
}

pub struct SheetLine {
    pub code: String,
    pub name: String,
    pub max: String,
    pub points: String,
    pub how: String,
    pub evidence: String,
    /// A judged line or veto while the year awaits its grade.
    pub input: Option<SheetInput>,
}

pub struct SheetInput {
    pub veto: bool,
    pub step: String,
    pub points: String,
    /// "yes", "no" or "" (a veto).
    pub answer: &'static str,
    pub comment: String,
    pub error: Option<String>,
}

/// The sheet of a year awaiting its grade, with what was typed (if the form
/// came back) and the table's refusals beside their fields.
pub fn editable(
    s: &Standard,
    scored: &AnnualScore,
    posted: Option<&Posted>,
    problems: &[ScoreError],
    lang: Lang,
) -> SheetView {
    editable_sheet(s, &scored.sheet.judged, &scored.sheet.result, posted, problems, lang)
}

/// A sheet being filled in (an annual assessment, an expert's score
/// sheet): `judged` as stored, `result` the table scored with it.
pub fn editable_sheet(
    s: &Standard,
    judged: &Judgements,
    result: &ScoreResult,
    posted: Option<&Posted>,
    problems: &[ScoreError],
    lang: Lang,
) -> SheetView {
    let mut messages = posted.map(|p| p.fields.clone()).unwrap_or_default();
    let mut errors = Vec::new();
    for e in problems {
        match e {
            ScoreError::BadPoints { line, .. } => {
                messages.insert(format!("points.{line}"), e.message(lang));
            }
            ScoreError::BadVetoAnswer { line } => {
                messages.insert(format!("veto.{line}"), e.message(lang));
            }
            _ => errors.push(e.message(lang)),
        }
    }
    let input = |line: &Line| {
        let judgement = judged.get(&line.code);
        let typed = |kind: &str| posted.and_then(|p| p.typed(&format!("{kind}.{}", line.code)));
        let veto = matches!(line.kind, LineKind::Veto { .. });
        SheetInput {
            veto,
            step: match &line.kind {
                LineKind::Judged { step } => number(*step),
                _ => String::new(),
            },
            points: typed("points")
                .map(str::to_string)
                .unwrap_or_else(|| judgement.and_then(|j| j.points).map(number).unwrap_or_default()),
            answer: match typed("veto").or(judgement.and_then(|j| j.veto).map(|v| if v { "yes" } else { "no" })) {
                Some("yes") => "yes",
                Some("no") => "no",
                _ => "",
            },
            comment: typed("comment")
                .map(str::to_string)
                .unwrap_or_else(|| judgement.map(|j| j.comment.clone()).unwrap_or_default()),
            error: ["points", "veto", "comment"]
                .iter()
                .find_map(|k| messages.get(&format!("{k}.{}", line.code)).cloned()),
        }
    };
    let mut view = view(s, result, lang, Some(&input));
    view.errors = errors;
    view
}

/// A stored sheet as it was scored, without inputs.
pub fn scored(s: &Standard, r: &ScoreResult, lang: Lang) -> SheetView {
    view(s, r, lang, None)
}

/// A stored sheet, as it was when the grade was confirmed.
pub fn recorded(
    s: &Standard,
    sheet: &ScoreSheet,
    reviewer: &str,
    at: chrono::DateTime<chrono::Utc>,
    lang: Lang,
) -> SheetView {
    let mut view = view(s, &sheet.result, lang, None);
    view.by = Some((reviewer.to_string(), format_time(at)));
    view
}

fn view(s: &Standard, r: &ScoreResult, lang: Lang, input: Option<&dyn Fn(&Line) -> SheetInput>) -> SheetView {
    let line_of = |code: &str| s.tables.iter().find_map(|t| t.line(code));
    let name_of = |code: &str| line_of(code).map_or_else(|| code.to_string(), |l| l.name(lang).to_string());
    let sections = r
        .sections
        .iter()
        .map(|sec| SheetSection {
            name: s
                .table(&sec.table)
                .and_then(|t| t.sections.iter().find(|x| x.code == sec.code))
                .map_or_else(|| sec.code.clone(), |x| x.name(lang).to_string()),
            subtotal: number(sec.subtotal),
            cap: number(sec.cap),
            lines: sec
                .lines
                .iter()
                .map(|l| {
                    let line = line_of(&l.code);
                    SheetLine {
                        code: l.code.clone(),
                        name: name_of(&l.code),
                        max: number(l.max),
                        points: number(l.points),
                        how: shown(l, line).explain(lang),
                        evidence: line.map(|x| x.evidence(lang).to_string()).unwrap_or_default(),
                        input: match (input, line) {
                            (Some(input), Some(line)) if line.is_judged() => Some(input(line)),
                            _ => None,
                        },
                    }
                })
                .collect(),
        })
        .collect();
    SheetView {
        table: r
            .tables
            .first()
            .and_then(|code| s.table(code))
            .map(|t| t.name(lang).to_string())
            .unwrap_or_default(),
        editable: input.is_some(),
        sections,
        total: number(r.total),
        maximum: number(r.maximum),
        table_grade: r.grade.as_ref().map(|g| g.name(lang).to_string()).unwrap_or_default(),
        vetoes: r.vetoes.iter().map(|v| name_of(v)).collect(),
        pending: r.pending.len(),
        errors: Vec::new(),
        by: None,
    }
}

/// The line as shown: a percentage it read (an exact completion such as
/// 68.1318…%) has the places every shown share has, cut towards the side
/// that fails its target or veto; its points and steps are the exact ones.
fn shown(l: &LineScore, line: Option<&Line>) -> LineScore {
    let mut l = l.clone();
    let pct = |value: &mut Decimal, against: Against| *value = shown_pct(*value, against).figure;
    match (&mut l.how, line.map(|x| &x.kind)) {
        (
            How::Target {
                figure, value, target, ..
            },
            kind,
        ) if figure.unit() == Unit::Pct => {
            let lower = matches!(
                kind,
                Some(LineKind::Target {
                    direction: Direction::Lower,
                    ..
                })
            );
            pct(
                value,
                if lower {
                    Against::AtMost(*target)
                } else {
                    Against::AtLeast(*target)
                },
            );
        }
        (How::Band { figure, value, .. }, _) if figure.unit() == Unit::Pct => pct(value, Against::SomeMinimum),
        (
            How::Veto { value: Some(value), .. },
            Some(LineKind::Veto {
                condition: VetoCondition::Above { figure, value: limit },
            }),
        ) if figure.unit() == Unit::Pct => pct(value, Against::AtMost(*limit)),
        (
            How::Veto { value: Some(value), .. },
            Some(LineKind::Veto {
                condition: VetoCondition::Below { figure, value: limit },
            }),
        ) if figure.unit() == Unit::Pct => pct(value, Against::AtLeast(*limit)),
        _ => {}
    }
    l
}
