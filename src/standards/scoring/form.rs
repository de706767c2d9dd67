//! Judgements as a form sends them: `points.<line>` (a decimal, blank for
//! not yet judged), `veto.<line>` (`yes`, `no` or blank) and
//! `comment.<line>`. What cannot be read is reported per field; nothing is
//! guessed.

use super::model::Judgements;
use crate::domain::Lang;
use crate::domain::proposal::read_decimal;

/// Longest comment on one line, in characters.
pub const COMMENT_MAX: usize = 2000;

/// A form field that could not be read, with its message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormProblem {
    pub field: String,
    pub problem: Problem,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    NotANumber,
    BadVeto,
    CommentTooLong,
}

impl FormProblem {
    pub fn message(&self, lang: Lang) -> String {
        match (self.problem, lang) {
            (Problem::NotANumber, Lang::Zh) => "请输入分值，例如 7.5".to_string(),
            (Problem::NotANumber, Lang::En) => "Type the points as a number, e.g. 7.5".to_string(),
            (Problem::BadVeto, Lang::Zh) => "请选择“是”或“否”".to_string(),
            (Problem::BadVeto, Lang::En) => "Choose yes or no".to_string(),
            (Problem::CommentTooLong, Lang::Zh) => format!("说明不能超过 {COMMENT_MAX} 字"),
            (Problem::CommentTooLong, Lang::En) => format!("The comment can be at most {COMMENT_MAX} characters"),
        }
    }
}

/// Reads the judgements a form sent; every problem at once.
pub fn judgements_from_form(pairs: &[(String, String)]) -> (Judgements, Vec<FormProblem>) {
    let mut judged = Judgements::new();
    let mut problems = Vec::new();
    let mut problem = |field: &str, problem| {
        problems.push(FormProblem {
            field: field.to_string(),
            problem,
        })
    };
    for (name, value) in pairs {
        let Some((kind, line)) = name.split_once('.') else {
            continue;
        };
        if line.is_empty() || !matches!(kind, "points" | "veto" | "comment") {
            continue;
        }
        let value = value.trim();
        let entry = judged.entry(line.to_string()).or_default();
        match kind {
            "points" if value.is_empty() => {}
            "points" => match read_decimal(value) {
                Ok(d) => entry.points = Some(d.normalize()),
                Err(_) => problem(name, Problem::NotANumber),
            },
            "veto" => match value {
                "" => {}
                "yes" => entry.veto = Some(true),
                "no" => entry.veto = Some(false),
                _ => problem(name, Problem::BadVeto),
            },
            _ if value.chars().count() > COMMENT_MAX => problem(name, Problem::CommentTooLong),
            _ => entry.comment = value.to_string(),
        }
    }
    // A line with nothing given is not judged; its comment alone is kept so
    // that a refused form shows it again.
    (judged, problems)
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn reads_points_vetoes_and_comments() {
        let (judged, problems) = judgements_from_form(&pairs(&[
            ("points.j.plan", "７．５"),
            ("comment.j.plan", " 规划完整 "),
            ("veto.v.redline", "no"),
            ("points.j.culture", ""),
            ("csrf_token", "x"),
        ]));
        assert_eq!(problems, vec![]);
        assert_eq!(judged["j.plan"].points, Some(dec!(7.5)));
        assert_eq!(judged["j.plan"].comment, "规划完整");
        assert_eq!(judged["v.redline"].veto, Some(false));
        assert_eq!(judged["j.culture"].points, None);
    }

    #[test]
    fn names_every_field_it_cannot_read() {
        let long = "字".repeat(COMMENT_MAX + 1);
        let (_, problems) = judgements_from_form(&pairs(&[
            ("points.j.plan", "7,5"),
            ("veto.v.redline", "maybe"),
            ("comment.j.plan", &long),
        ]));
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["points.j.plan", "veto.v.redline", "comment.j.plan"]);
        assert_eq!(problems[0].message(Lang::Zh), "请输入分值，例如 7.5");
        // Exactly the limit is accepted.
        let at_limit = "字".repeat(COMMENT_MAX);
        let (_, problems) = judgements_from_form(&pairs(&[("comment.j.plan", &at_limit)]));
        assert_eq!(problems, vec![]);
    }
}
