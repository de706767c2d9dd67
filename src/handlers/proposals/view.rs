//! `GET /proposals/{id}`: the proposal page — its data, status, history,
//! evaluations and decisions.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};

use crate::auth::CurrentUser;
use crate::db::evaluations;
use crate::db::{audit, proposals, reviews};
use crate::domain::{Lang, Role, Status};
use crate::error::{AppError, AppResult};
use crate::handlers::Page;
use crate::handlers::display::{
    DataSection, EvaluationLine, ReportView, RoundPanel, data_sections, format_time, report_view, round_panel,
};
use crate::i18n;
use crate::services::proposals::scope_of;
use crate::state::AppState;

pub struct HistoryView {
    pub at: String,
    pub action: String,
    pub actor: String,
}

pub struct ReviewView {
    pub at: String,
    pub decision: String,
    pub decision_code: String,
    pub reviewer: String,
    pub comment: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "proposals/show.html")]
pub struct ShowPage {
    /// The expert panel's total (and the table's maximum), after the decision.
    pub panel_total: Option<String>,
    pub page: Page,
    pub materials: crate::handlers::display::MaterialsPanel,
    /// The current boundary, drawn alone (its page draws what lies around).
    pub boundary: Option<crate::handlers::display::MapView>,
    pub id: i64,
    pub name: String,
    pub region: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub version: i32,
    pub can_edit: bool,
    pub can_submit: bool,
    pub can_withdraw: bool,
    /// Reviewers and admins may ask for an evaluation under the active standard.
    pub can_reevaluate: bool,
    pub sections: Vec<DataSection>,
    pub evaluations: Vec<EvaluationLine>,
    pub reviews: Vec<ReviewView>,
    pub history: Vec<HistoryView>,
    /// The latest review's comment when the proposal was sent back.
    pub returned_comment: Option<String>,
    /// Just submitted: the findings that fail, shown at the top.
    pub latest: Option<ReportView>,
    /// Its round and stage, the city's recommendation, the stage acts.
    pub round: RoundPanel,
    /// The missing items of the return shown in `returned_comment`.
    pub returned_missing: Vec<String>,
    /// The open rounds to choose from at submission: (id, name, deadline),
    /// shown when the proposal is in no round yet and several are open.
    pub round_choices: Vec<(i64, String, String)>,
}

/// `GET /proposals/{id}`: data, status, history, evaluations, decisions.
pub async fn show(
    State(state): State<AppState>,
    page: Page,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<ShowPage> {
    let lang = page.lang;
    let mut conn = crate::db::acquire(&state.db).await?;
    let row = proposals::get(&mut conn, id, scope_of(&user))
        .await?
        .ok_or(AppError::NotFound)?;
    let status = row.status();
    let input = row.to_input();
    let evaluation_rows = evaluations::list_in(&mut conn, &state.evaluations, id, lang).await?;
    let latest = match evaluation_rows.first() {
        Some(e) => {
            let report = report_view(&mut conn, e, lang).await?;
            Some(crate::handlers::display::with_names_now(&report, e, lang).unwrap_or(report))
        }
        None => None,
    };
    let evaluations = evaluation_rows.iter().map(|e| EvaluationLine::of(e, lang)).collect();
    let review_rows = reviews::for_proposal(&mut conn, id).await?;
    let staff = matches!(user.role, Role::Reviewer | Role::Admin);
    // A town on public notice stays as frozen: no re-evaluation is offered.
    let on_notice = staff && crate::db::batches::on_notice_of(&mut conn, id).await?.is_some();
    let round = round_panel(&mut conn, id, lang).await?;
    // Returned: the newest return's words, the reviewers' or a stage's
    // (the city's, the formal review's with what is missing).
    let review_return = review_rows.iter().find(|r| r.decision == "return");
    let stage_return = round.latest_return();
    let (returned_comment, returned_missing) = match (status == Status::Returned, review_return, stage_return) {
        (false, ..) => (None, Vec::new()),
        (true, Some(r), Some(a)) if r.created_at > a.at_utc => (Some(r.comment.clone()), Vec::new()),
        (true, _, Some(a)) => (Some(a.comment.clone()), a.missing.clone()),
        (true, Some(r), None) => (Some(r.comment.clone()), Vec::new()),
        (true, None, None) => (None, Vec::new()),
    };
    let may_submit = matches!(user.role, Role::Official | Role::Admin) && status.is_editable();
    let round_choices = if may_submit && row.round_id.is_none() {
        let open = crate::db::rounds::open(&mut conn).await?;
        if open.len() > 1 {
            open.into_iter()
                .map(|r| (r.id, r.name, r.deadline.map(format_time).unwrap_or_default()))
                .collect()
        } else {
            Vec::new()
        }
    } else {
        Vec::new()
    };
    let reviews = review_rows
        .into_iter()
        .map(|r| ReviewView {
            at: format_time(r.created_at),
            decision: i18n::t(lang, &format!("proposals.decision.{}", r.decision)),
            decision_code: r.decision,
            reviewer: r.reviewer_name,
            comment: r.comment,
        })
        .collect();
    let history_rows = audit::history(&mut conn, "proposal", id).await?;
    // The panel's total, once decided (never per-expert scores).
    let panel_total = crate::services::expert_review::total_after_decision(&mut conn, id, status.code())
        .await?
        .map(|(t, m)| format!("{} / {}", crate::standards::number(t), crate::standards::number(m)));
    // A removed town says how it left the list: 淘汰 by its annual grade,
    // or withdrawn by a batch (the status's own label).
    let eliminated = status == Status::Removed
        && history_rows
            .iter()
            .rev()
            .find(|h| matches!(h.action.as_str(), "proposal.removed" | "proposal.eliminated"))
            .is_some_and(|h| h.action == "proposal.eliminated");
    let history = history_rows
        .into_iter()
        .map(|h| HistoryView {
            at: format_time(h.at),
            action: history_label(&h.action, lang),
            actor: h.actor_name.unwrap_or_default(),
        })
        .collect();
    let may_change = user.role == Role::Official || user.role == Role::Admin;
    let materials = crate::handlers::display::materials_panel(&mut conn, &user, id, status, lang).await?;
    drop(conn);
    let boundary = crate::services::boundaries::current_for_page(&state.db, id)
        .await?
        .and_then(|(b, text, measured)| {
            crate::handlers::display::boundary_current_view(&b, &text, &measured.context, &row.name, &user, lang)
        });
    Ok(ShowPage {
        panel_total,
        materials,
        boundary,
        id,
        name: row.name.clone(),
        region: row.region_name.clone(),
        status: status.code(),
        status_label: if eliminated {
            crate::domain::creation::eliminated_label(lang)
        } else {
            status.label(lang)
        },
        version: row.version,
        can_edit: may_change && status.is_editable(),
        can_submit: may_change && status.is_editable(),
        can_withdraw: may_change && matches!(status, Status::Draft | Status::Submitted | Status::Returned),
        can_reevaluate: staff
            && !evaluation_rows.is_empty()
            && !matches!(status, Status::Draft | Status::Withdrawn)
            && !on_notice,
        sections: data_sections(&input, lang),
        evaluations,
        reviews,
        history,
        returned_comment,
        returned_missing,
        round_choices,
        round,
        latest,
        page,
    })
}

/// The history line of an audit action; actions without their own wording
/// (added by later parts of the product) read "other change".
fn history_label(action: &str, lang: Lang) -> String {
    let key = format!("proposals.history.{}", action.replace('.', "_"));
    let text = i18n::t(lang, &key);
    if text.ends_with(&key) {
        i18n::t(lang, "proposals.history.other")
    } else {
        text
    }
}
