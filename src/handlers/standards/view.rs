//! The list of versions, the readable page of one version (with its example
//! cases' results), and the what-if of a draft.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};

use super::{CriterionView, criterion_view, industries, status_badge};
use crate::auth::Admin;
use crate::db::standards as db_standards;
use crate::domain::Lang;
use crate::error::{AppError, AppResult};
use crate::handlers::Page;
use crate::handlers::display::format_time;
use crate::services::standards as service;
use crate::standards::{Overall, run_examples};
use crate::state::AppState;

pub struct VersionLine {
    pub id: i64,
    pub code: String,
    pub version: i32,
    pub name: String,
    pub status: String,
    pub status_label: String,
    pub effective_from: String,
    pub evaluations: i64,
    pub builtin: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/standards/list.html")]
pub struct ListPage {
    pub page: Page,
    pub versions: Vec<VersionLine>,
}

fn date(effective_from: Option<chrono::NaiveDate>) -> String {
    effective_from.map(|d| d.to_string()).unwrap_or_else(|| "—".to_owned())
}

/// `GET /admin/standards`: every version with status, date and use.
pub async fn list(State(state): State<AppState>, page: Page, Admin(_user): Admin) -> AppResult<ListPage> {
    let lang = page.lang;
    let mut conn = crate::db::acquire(&state.db).await?;
    let versions = db_standards::list_all(&mut conn)
        .await?
        .into_iter()
        .map(|row| {
            let (status, status_label) = status_badge(&row.status, lang);
            VersionLine {
                id: row.id,
                name: row.name(lang).to_owned(),
                effective_from: date(row.effective_from),
                status,
                status_label,
                evaluations: row.evaluations,
                builtin: row.builtin,
                code: row.code,
                version: row.version,
            }
        })
        .collect();
    Ok(ListPage { page, versions })
}

pub struct MismatchView {
    pub criterion: String,
    pub expected: String,
    pub actual: String,
}

pub struct ExampleView {
    pub index: usize,
    pub name: String,
    pub expected_overall: String,
    pub passed: bool,
    pub mismatches: Vec<MismatchView>,
}

/// What the show page's forms say when one of them was refused.
#[derive(Default)]
pub struct ShowErrors {
    pub copy_code: Option<String>,
    pub typed_code: String,
    pub activate_date: Option<String>,
    pub typed_date: String,
    pub add_example: Option<String>,
    pub typed_proposal: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/standards/show.html")]
pub struct ShowPage {
    pub page: Page,
    pub id: i64,
    pub code: String,
    pub version: i32,
    pub name: String,
    pub status: String,
    pub status_label: String,
    pub is_draft: bool,
    pub is_active: bool,
    pub effective_from: String,
    pub activated_at: String,
    pub evaluations: i64,
    pub jurisdiction: String,
    pub source: String,
    pub period_years: u32,
    pub accelerated_period_years: u32,
    pub eligible: String,
    pub exempt: String,
    pub criteria: Vec<CriterionView>,
    pub examples: Vec<ExampleView>,
    pub examples_pass: bool,
    pub tables: Vec<super::tables::TableView>,
    pub errors: ShowErrors,
    pub today: String,
}

/// A mismatch's verdict code in words (`overall` codes too).
fn code_label(code: &str, lang: Lang) -> String {
    if let Some(v) = crate::standards::Verdict::from_code(code) {
        return v.label(lang).to_owned();
    }
    if let Some(o) = crate::standards::Overall::from_code(code) {
        return o.label(lang).to_owned();
    }
    code.to_owned()
}

pub fn today() -> chrono::NaiveDate {
    crate::domain::creation::china_today(chrono::Utc::now())
}

/// Builds the show page of version `id` (also re-rendered by refused forms).
pub async fn show_page(state: &AppState, page: Page, id: i64, errors: ShowErrors) -> AppResult<ShowPage> {
    let lang = page.lang;
    let mut conn = crate::db::acquire(&state.db).await?;
    let row = db_standards::get_admin(&mut conn, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let s = row.standard();
    let (status, status_label) = status_badge(&row.status, lang);
    let results = run_examples(s);
    let examples = s
        .examples
        .iter()
        .zip(&results)
        .enumerate()
        .map(|(index, (ex, r))| ExampleView {
            index,
            name: ex.name.clone(),
            expected_overall: ex.expected_overall.label(lang).to_owned(),
            passed: r.passed,
            mismatches: r
                .mismatches
                .iter()
                .map(|m| MismatchView {
                    criterion: match m.criterion.as_str() {
                        "overall" => page.t("standards.examples.overall"),
                        "proposal" => page.t("standards.examples.invalid"),
                        id => s.criterion_label(id, lang).to_owned(),
                    },
                    expected: code_label(&m.expected, lang),
                    actual: if m.criterion == "proposal" {
                        String::new()
                    } else {
                        code_label(&m.actual, lang)
                    },
                })
                .collect(),
        })
        .collect();
    Ok(ShowPage {
        id,
        code: row.code.clone(),
        version: row.version,
        name: s.name(lang).to_owned(),
        is_draft: row.status == "draft",
        is_active: row.status == "active",
        status,
        status_label,
        effective_from: date(row.effective_from),
        activated_at: row.activated_at.map(format_time).unwrap_or_else(|| "—".to_owned()),
        evaluations: row.evaluations,
        jurisdiction: s.jurisdiction.clone(),
        source: s.source.clone(),
        period_years: s.period_years,
        accelerated_period_years: s.accelerated_period_years,
        eligible: industries(s.eligible_industries, lang),
        exempt: industries(s.exempt_industries, lang),
        criteria: s.criteria.iter().map(|c| criterion_view(s, c, lang)).collect(),
        examples_pass: results.iter().all(|r| r.passed),
        tables: super::tables::tables(s, &results, lang),
        examples,
        errors,
        today: today().to_string(),
        page,
    })
}

/// `GET /admin/standards/{id}`: every criterion, its parameters and
/// citation, and each example case's result.
pub async fn show(
    State(state): State<AppState>,
    page: Page,
    Admin(_user): Admin,
    Path(id): Path<i64>,
) -> AppResult<ShowPage> {
    show_page(&state, page, id, ShowErrors::default()).await
}

pub struct CountRow {
    pub label: String,
    pub class: &'static str,
    pub active: usize,
    pub candidate: usize,
}

pub struct ChangeView {
    pub proposal_id: i64,
    pub name: String,
    pub region: String,
    pub status: String,
    pub before: &'static str,
    pub before_label: String,
    pub after: &'static str,
    pub after_label: String,
    pub criteria: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/standards/what_if.html")]
pub struct WhatIfPage {
    pub page: Page,
    pub id: i64,
    pub active_name: String,
    pub candidate_name: String,
    pub counts: Vec<CountRow>,
    pub total: usize,
    pub skipped: usize,
    pub changed: Vec<ChangeView>,
    pub score_changed: Vec<ScoreChangeView>,
    pub elapsed_ms: u128,
}

/// A proposal whose creation-review score the draft would change.
pub struct ScoreChangeView {
    pub proposal_id: i64,
    pub name: String,
    pub region: String,
    pub before: String,
    pub after: String,
}

/// `GET /admin/standards/{id}/what-if`: every submitted and approved
/// proposal and every town on the creation list under the active version
/// and under this one.
pub async fn what_if(
    State(state): State<AppState>,
    page: Page,
    Admin(_user): Admin,
    Path(id): Path<i64>,
) -> AppResult<WhatIfPage> {
    let lang = page.lang;
    let w = service::what_if(&state.db, id)
        .await
        .map_err(|e| e.into_app(Some(id)))?;
    let counts = [
        (Overall::Pass, w.under_active.pass, w.under_candidate.pass),
        (
            Overall::PassWithWarnings,
            w.under_active.pass_with_warnings,
            w.under_candidate.pass_with_warnings,
        ),
        (Overall::Fail, w.under_active.fail, w.under_candidate.fail),
    ]
    .into_iter()
    .map(|(o, active, candidate)| CountRow {
        label: o.label(lang).to_owned(),
        class: o.code(),
        active,
        candidate,
    })
    .collect();
    let verdict = |v: Option<crate::standards::Verdict>| {
        v.map(|v| v.label(lang).to_owned())
            .unwrap_or_else(|| page.t("standards.whatif.absent"))
    };
    let changed = w
        .changed
        .iter()
        .map(|c| ChangeView {
            proposal_id: c.proposal_id,
            name: c.name.clone(),
            region: c.region.clone(),
            status: c.status.label(lang).to_owned(),
            before: c.before.code(),
            before_label: c.before.label(lang).to_owned(),
            after: c.after.code(),
            after_label: c.after.label(lang).to_owned(),
            criteria: c
                .criteria
                .iter()
                .map(|k| {
                    let label = if w.candidate.criterion(&k.criterion).is_some() {
                        w.candidate.criterion_label(&k.criterion, lang)
                    } else {
                        w.active.criterion_label(&k.criterion, lang)
                    };
                    let sep = if lang == Lang::Zh { "：" } else { ": " };
                    format!("{label}{sep}{} → {}", verdict(k.before), verdict(k.after))
                })
                .collect(),
        })
        .collect();
    let score = |t: &Option<service::TableScore>| match t {
        None => page.t("standards.whatif.no_table"),
        Some(t) => {
            let grade = t.grade.as_ref().map_or("", |g| g.name(lang));
            let veto = if t.vetoed {
                page.t("standards.whatif.vetoed")
            } else {
                String::new()
            };
            format!("{} / {} {grade}{veto}", t.total.normalize(), t.maximum.normalize())
        }
    };
    let score_changed = w
        .score_changed
        .iter()
        .map(|c| ScoreChangeView {
            proposal_id: c.proposal_id,
            name: c.name.clone(),
            region: c.region.clone(),
            before: score(&c.before),
            after: score(&c.after),
        })
        .collect();
    Ok(WhatIfPage {
        id,
        score_changed,
        active_name: format!("{} v{}", w.active.code, w.active.version),
        candidate_name: format!("{} v{}", w.candidate.code, w.candidate.version),
        counts,
        total: w.under_active.total(),
        skipped: w.skipped,
        changed,
        elapsed_ms: w.elapsed.as_millis(),
        page,
    })
}
