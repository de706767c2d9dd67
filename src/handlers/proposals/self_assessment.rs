//! The county's self-assessment (自评) on the creation-review scoring
//! table: the judged lines as a form, the computed lines and the running
//! total beside it (recomputed by the server while the official types, or
//! by the 计算 button without JavaScript).

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use crate::auth::CurrentUser;
use crate::domain::Lang;
use crate::error::AppResult;
use crate::handlers::Page;
use crate::services::ServiceError;
use crate::services::self_assessment::{self as service, SelfAssessment};
use crate::standards::number;
use crate::standards::scoring::{LineKind, ScoreError, ScoreResult, judgements_from_form};
use crate::state::AppState;

/// One judged line of the form, with what was typed and its errors.
pub struct JudgedLine {
    pub code: String,
    pub name: String,
    pub section: String,
    pub max: String,
    pub step: String,
    pub evidence: String,
    /// (label, link) of each material the evidence rests on.
    pub materials: Vec<(&'static str, String)>,
    pub is_veto: bool,
    pub points: String,
    pub veto: &'static str,
    pub comment: String,
    pub error: Option<String>,
}

/// The running score beside the form.
pub struct Summary {
    pub available: bool,
    pub total: String,
    pub maximum: String,
    pub grade: String,
    pub vetoes: Vec<String>,
    pub pending: usize,
    pub sections: Vec<(String, String, String)>,
    pub computed: Vec<(String, String, String, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "proposals/self_assessment.html")]
pub struct SelfAssessmentPage {
    pub page: Page,
    pub id: i64,
    pub name: String,
    pub table_name: String,
    pub has_table: bool,
    pub editable: bool,
    pub lines: Vec<JudgedLine>,
    pub summary: Summary,
    pub errors: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "proposals/score_summary.html")]
pub struct SummaryPartial {
    pub page: Page,
    pub summary: Summary,
}

fn summary(sa: &SelfAssessment, lang: Lang) -> Summary {
    let Some(r) = &sa.score else {
        return Summary {
            available: false,
            total: String::new(),
            maximum: String::new(),
            grade: String::new(),
            vetoes: Vec::new(),
            pending: 0,
            sections: Vec::new(),
            computed: Vec::new(),
        };
    };
    let name_of = |code: &str| {
        sa.standard
            .tables
            .iter()
            .find_map(|t| t.line(code))
            .map_or_else(|| code.to_string(), |l| l.name(lang).to_string())
    };
    Summary {
        available: true,
        total: number(r.total),
        maximum: number(r.maximum),
        grade: r.grade.as_ref().map(|g| g.name(lang).to_string()).unwrap_or_default(),
        vetoes: r.vetoes.iter().map(|v| name_of(v)).collect(),
        pending: r.pending.len(),
        sections: section_rows(sa, r, lang),
        computed: r
            .sections
            .iter()
            .flat_map(|s| s.lines.iter())
            .filter(|l| l.kind != "judged" && (!is_judged_veto(sa, &l.code) || sa.from_boundary(&l.code)))
            .map(|l| (l.code.clone(), name_of(&l.code), number(l.points), l.explain(lang)))
            .collect(),
    }
}

fn section_rows(sa: &SelfAssessment, r: &ScoreResult, lang: Lang) -> Vec<(String, String, String)> {
    r.sections
        .iter()
        .map(|s| {
            let name = sa
                .standard
                .table(&s.table)
                .and_then(|t| t.sections.iter().find(|x| x.code == s.code))
                .map_or_else(|| s.code.clone(), |x| x.name(lang).to_string());
            (name, number(s.subtotal), number(s.cap))
        })
        .collect()
}

fn is_judged_veto(sa: &SelfAssessment, code: &str) -> bool {
    sa.standard
        .tables
        .iter()
        .find_map(|t| t.line(code))
        .is_some_and(|l| l.is_judged() && matches!(l.kind, LineKind::Veto { .. }))
}

fn page_of(
    page: Page,
    sa: &SelfAssessment,
    typed: Option<&[(String, String)]>,
    errors: BTreeMap<String, String>,
    general: Vec<String>,
) -> SelfAssessmentPage {
    let lang = page.lang;
    let typed_value = |field: String| typed.and_then(|t| t.iter().find(|(k, _)| *k == field).map(|(_, v)| v.clone()));
    let mut lines = Vec::new();
    let mut table_name = String::new();
    if let Some(common) = sa.table.as_deref().and_then(|t| sa.standard.table(t)) {
        table_name = common.name(lang).to_string();
        let industry = sa.proposal.to_input().industry;
        for t in crate::standards::scoring::tables_of(&sa.standard, common, industry) {
            for section in &t.sections {
                // A veto read from the boundary's check is shown computed.
                for l in section
                    .lines
                    .iter()
                    .filter(|l| l.is_judged() && !sa.from_boundary(&l.code))
                {
                    let j = sa.judged.get(&l.code);
                    let is_veto = matches!(l.kind, LineKind::Veto { .. });
                    let step = match &l.kind {
                        LineKind::Judged { step } => number(*step),
                        _ => String::new(),
                    };
                    lines.push(JudgedLine {
                        code: l.code.clone(),
                        name: l.name(lang).to_string(),
                        section: section.name(lang).to_string(),
                        max: number(l.max),
                        step,
                        evidence: l.evidence(lang).to_string(),
                        materials: l
                            .materials
                            .iter()
                            .filter_map(|m| crate::domain::material::MaterialType::from_code(m))
                            .map(|m| {
                                let link = format!("/proposals/{}/materials#type-{}", sa.proposal.id, m.code());
                                (m.label(lang), link)
                            })
                            .collect(),
                        is_veto,
                        points: typed_value(format!("points.{}", l.code))
                            .unwrap_or_else(|| j.and_then(|j| j.points).map(number).unwrap_or_default()),
                        veto: match j.and_then(|j| j.veto) {
                            Some(true) => "yes",
                            Some(false) => "no",
                            None => "",
                        },
                        comment: typed_value(format!("comment.{}", l.code))
                            .unwrap_or_else(|| j.map(|j| j.comment.clone()).unwrap_or_default()),
                        error: ["points", "veto", "comment"]
                            .iter()
                            .find_map(|k| errors.get(&format!("{k}.{}", l.code)).cloned()),
                    });
                }
            }
        }
    }
    SelfAssessmentPage {
        id: sa.proposal.id,
        name: sa.proposal.name.clone(),
        table_name,
        has_table: sa.table.is_some(),
        editable: sa.editable(),
        summary: summary(sa, lang),
        lines,
        errors: general,
        page,
    }
}

/// `GET /proposals/{id}/self-assessment`.
pub async fn show(
    State(state): State<AppState>,
    page: Page,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<SelfAssessmentPage> {
    let sa = service::load(&state.db, &user, id, None).await?;
    Ok(page_of(page, &sa, None, BTreeMap::new(), Vec::new()))
}

/// `POST /proposals/{id}/self-assessment`: saves (303 to the proposal), or
/// with `action=preview` only recomputes; refused input comes back as typed.
pub async fn save(
    State(state): State<AppState>,
    page: Page,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let lang = page.lang;
    let (judged, problems) = judgements_from_form(&pairs);
    let preview = pairs.iter().any(|(k, v)| k == "action" && v == "preview");
    let sa = service::load(&state.db, &user, id, Some(judged.clone())).await?;
    let mut errors: BTreeMap<String, String> = problems.iter().map(|p| (p.field.clone(), p.message(lang))).collect();
    let mut general = Vec::new();
    for e in service::check(&sa, &judged) {
        place(&e, lang, &mut errors, &mut general);
    }
    if preview || !errors.is_empty() || !general.is_empty() {
        let status = if preview && errors.is_empty() && general.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        return Ok((status, page_of(page, &sa, Some(&pairs), errors, general)).into_response());
    }
    match service::save(&state.db, &user, id, &judged).await {
        Ok(Ok(())) => Ok(Redirect::to(&format!("/proposals/{id}")).into_response()),
        Ok(Err(refused)) => {
            for e in refused {
                place(&e, lang, &mut errors, &mut general);
            }
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                page_of(page, &sa, Some(&pairs), errors, general),
            )
                .into_response())
        }
        Err(e @ ServiceError::WrongState) => {
            Err(e.into_app("self_assessment.not_editable", format!("/proposals/{id}")))
        }
        Err(e) => Err(e.into()),
    }
}

/// A judgement the table refuses, beside its field where it has one.
fn place(e: &ScoreError, lang: Lang, errors: &mut BTreeMap<String, String>, general: &mut Vec<String>) {
    match e {
        ScoreError::BadPoints { line, .. } => {
            errors.insert(format!("points.{line}"), e.message(lang));
        }
        ScoreError::BadVetoAnswer { line } => {
            errors.insert(format!("veto.{line}"), e.message(lang));
        }
        _ => general.push(e.message(lang)),
    }
}

/// `POST /proposals/{id}/self-assessment/live`: the running score for the
/// form as typed (the page's script posts here).
pub async fn live(
    State(state): State<AppState>,
    page: Page,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<SummaryPartial> {
    let (mut judged, _) = judgements_from_form(&pairs);
    let sa = service::load(&state.db, &user, id, Some(judged.clone())).await?;
    // Judgements that do not fit are left out of the running total; the
    // form says why when it is saved.
    let unfit: Vec<String> = service::check(&sa, &judged).iter().map(ScoreError::line).collect();
    let sa = if unfit.is_empty() {
        sa
    } else {
        judged.retain(|code, _| !unfit.contains(code));
        sa.scored_with(judged)
    };
    let summary = summary(&sa, page.lang);
    Ok(SummaryPartial { page, summary })
}
