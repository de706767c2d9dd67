//! The review panel of the report page: what it adds for reviews —
//! the overrides in force and the final overall verdict (shown to everyone
//! who sees the report), and for reviewers and admins the evaluations, the
//! decisions, what changed since the previous submission, and for reviewers
//! of a proposal awaiting a decision the override and decision forms.

use std::collections::HashMap;

use crate::auth::User;
use crate::db::evaluations::EvaluationRow;
use crate::db::report::ReportRead;
use crate::db::reviews;
use crate::domain::proposal::{FIELDS, ProposalInput};
use crate::domain::{Lang, Role, Status};
use crate::handlers::display::{EvaluationLine, display_value, format_time, overall_badge};
use crate::i18n;
use crate::services::reviews::SETTABLE;
use crate::standards::final_overall;
use crate::standards::{Overall, Verdict, criterion_label};

/// What the reviewer typed in the override and decision forms, and the
/// messages beside the fields after a refused POST.
#[derive(Debug, Clone, Default)]
pub struct ReviewForm {
    pub criterion: String,
    pub final_verdict: String,
    pub reason: String,
    pub decision: String,
    pub comment: String,
    pub confirm_fail: bool,
    pub confirm_reason: String,
    pub order_reason: String,
    /// (field, message).
    pub errors: Vec<(&'static str, String)>,
}

impl ReviewForm {
    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|(f, _)| *f == field).map(|(_, m)| m.as_str())
    }
}

/// An override in force on the shown evaluation.
pub struct OverrideView {
    pub criterion: String,
    pub computed: &'static str,
    pub computed_label: &'static str,
    pub verdict: &'static str,
    pub verdict_label: &'static str,
    pub reason: String,
    pub reviewer: String,
    pub at: String,
}

pub struct FieldChange {
    pub label: &'static str,
    pub old: String,
    pub new: String,
}

pub struct FindingChange {
    pub criterion: String,
    pub label: String,
    pub old: &'static str,
    pub old_label: &'static str,
    pub new: &'static str,
    pub new_label: &'static str,
}

pub struct Changes {
    pub previous_revision: i32,
    pub previous_date: String,
    pub fields: Vec<FieldChange>,
    pub findings: Vec<FindingChange>,
}

pub struct ReviewLine {
    pub decision_code: String,
    pub decision: String,
    pub reviewer: String,
    pub at: String,
    pub comment: String,
    pub final_overall: Option<(&'static str, &'static str)>,
    pub overrides: usize,
}

/// The reviewers' (and admins') part of the report.
pub struct ReviewPanel {
    pub evaluations: Vec<EvaluationLine>,
    pub reviews: Vec<ReviewLine>,
    pub changes: Option<Changes>,
    /// A reviewer on the latest evaluation of a proposal awaiting a decision.
    pub can_decide: bool,
    /// A submitted proposal still at an earlier stage of its round: that
    /// stage's name (the decision waits for the joint stage).
    pub waiting_stage: Option<String>,
    pub version: i32,
    pub evaluation_id: i64,
    /// (criterion, label) of the shown evaluation, for the override form.
    pub criteria: Vec<(String, String)>,
    /// (code, label) of the verdicts a reviewer may set.
    pub verdicts: Vec<(&'static str, &'static str)>,
    /// The final overall verdict is `fail`: approving needs a confirmation.
    pub final_fail: bool,
    pub form: ReviewForm,
}

/// What `report()` adds: the overrides on the shown evaluation, the final
/// overall verdict when it differs from the computed one, and the panel.
pub struct ReportExtras {
    pub overrides: Vec<OverrideView>,
    /// The overrides in force on the shown evaluation, as the engine reads them.
    pub final_verdicts: crate::standards::Overrides,
    pub final_overall: Option<(&'static str, &'static str)>,
    pub review: Option<ReviewPanel>,
}

fn verdict_of(code: &str) -> Verdict {
    Verdict::from_code(code).unwrap_or(Verdict::Info)
}

/// Whether the report shows `user` the decisions (the review panel).
pub fn reads_decisions(user: &User) -> bool {
    matches!(user.role, Role::Reviewer | Role::Admin)
}

/// `read` holds the overrides in force on `shown` (none without an
/// evaluation) and the decisions.
pub fn report_extras(
    user: &User,
    read: &ReportRead,
    shown: Option<&EvaluationRow>,
    lang: Lang,
    form: ReviewForm,
) -> ReportExtras {
    let (row, all) = (&read.proposal, read.evaluations.as_slice());
    let in_force = read.overrides.as_slice();
    let overrides: Vec<OverrideView> = in_force
        .iter()
        .map(|o| {
            let computed = shown
                .and_then(|e| e.findings.iter().find(|f| f.criterion == o.criterion))
                .map(|f| f.verdict)
                .unwrap_or(Verdict::Info);
            let verdict = verdict_of(&o.final_verdict);
            OverrideView {
                criterion: o.criterion.clone(),
                computed: computed.code(),
                computed_label: computed.label(lang),
                verdict: verdict.code(),
                verdict_label: verdict.label(lang),
                reason: o.reason.clone(),
                reviewer: o.reviewer_name.clone(),
                at: format_time(o.created_at),
            }
        })
        .collect();
    let final_verdicts = reviews::verdicts(in_force);
    let final_code: Option<Overall> = shown.map(|e| final_overall(&e.findings, &final_verdicts));
    let final_overall_badge = match (shown, final_code) {
        (Some(_), Some(o)) if !in_force.is_empty() => overall_badge(o.code(), lang),
        _ => None,
    };
    if !reads_decisions(user) {
        return ReportExtras {
            overrides,
            final_verdicts,
            final_overall: final_overall_badge,
            review: None,
        };
    }

    let evaluation_lines = all.iter().map(|e| EvaluationLine::of(e, lang)).collect();
    let reviews = read
        .decisions
        .iter()
        .map(|r| ReviewLine {
            decision: i18n::t(lang, &format!("proposals.decision.{}", r.decision)),
            decision_code: r.decision.clone(),
            reviewer: r.reviewer_name.clone(),
            at: format_time(r.created_at),
            comment: r.comment.clone(),
            final_overall: r.final_overall.as_deref().and_then(|o| overall_badge(o, lang)),
            overrides: r.overrides.as_array().map(Vec::len).unwrap_or(0),
        })
        .collect();
    let changes = shown.and_then(|e| {
        let at = all.iter().position(|x| x.id == e.id)?;
        all.get(at + 1).map(|previous| compare(previous, e, lang))
    });
    let latest_id = all.first().map(|e| e.id);
    // In a round, only at the decision. Without a stage in a round (data
    // from before rounds) the service also asks whether it is the default
    // round; the form is offered, and a refusal would say why.
    let at_decision = crate::services::rounds::stage_allows_decision(row).unwrap_or(true);
    let can_decide = user.role == Role::Reviewer
        && row.status() == Status::Submitted
        && at_decision
        && shown.is_some_and(|e| Some(e.id) == latest_id);
    let criteria = shown
        .map(|e| {
            e.rendered
                .get(lang)
                .iter()
                .map(|f| (f.criterion.clone(), criterion_label(&f.criterion, lang).to_owned()))
                .collect()
        })
        .unwrap_or_default();
    let mut form = form;
    if form.decision.is_empty() {
        form.decision = "approve".into();
    }
    ReportExtras {
        overrides,
        final_verdicts,
        final_overall: final_overall_badge,
        review: Some(ReviewPanel {
            evaluations: evaluation_lines,
            reviews,
            changes,
            can_decide,
            waiting_stage: (row.status() == Status::Submitted && !at_decision)
                .then(|| crate::handlers::display::stage_label(row.stage.as_deref(), &row.status, lang)),
            version: row.version,
            evaluation_id: shown.map(|e| e.id).unwrap_or(0),
            criteria,
            verdicts: SETTABLE.iter().map(|v| (v.code(), v.label(lang))).collect(),
            final_fail: final_code == Some(Overall::Fail),
            form,
        }),
    }
}

/// Fields old → new between two evaluations' snapshots, and the findings
/// whose verdict changed.
fn compare(previous: &EvaluationRow, latest: &EvaluationRow, lang: Lang) -> Changes {
    let old = ProposalInput::from_json(&previous.snapshot).0;
    let new = ProposalInput::from_json(&latest.snapshot).0;
    let fields = FIELDS
        .iter()
        .filter_map(|spec| {
            let (o, n) = (display_value(&old, spec, lang), display_value(&new, spec, lang));
            (o != n).then(|| FieldChange {
                label: spec.label(lang),
                old: o,
                new: n,
            })
        })
        .collect();
    let before: HashMap<&str, Verdict> = previous
        .findings
        .iter()
        .map(|f| (f.criterion.as_str(), f.verdict))
        .collect();
    let findings = latest
        .findings
        .iter()
        .filter_map(|f| {
            let was = before.get(f.criterion.as_str()).copied();
            (was != Some(f.verdict)).then(|| {
                let was = was.unwrap_or(Verdict::NotApplicable);
                FindingChange {
                    criterion: f.criterion.clone(),
                    label: criterion_label(&f.criterion, lang).to_owned(),
                    old: was.code(),
                    old_label: was.label(lang),
                    new: f.verdict.code(),
                    new_label: f.verdict.label(lang),
                }
            })
        })
        .collect();
    Changes {
        previous_revision: previous.proposal_revision,
        previous_date: format_time(previous.created_at),
        fields,
        findings,
    }
}
