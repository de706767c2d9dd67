//! Adding a criterion to a draft: one of the kinds the engine knows, with
//! the parameters the engine says that kind needs.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::draft::{EditForm, NewCriterionForm};
use super::fields::*;
use super::form::{EditPage, load_draft, values_of};
use crate::auth::Admin;
use crate::domain::Lang;
use crate::error::AppResult;
use crate::handlers::Page;
use crate::i18n;
use crate::services::standards::{self as service, StandardsError};
use crate::standards::edit::{METRICS, NewCriterion, kind_params, metric_from_code, new_criterion};
use crate::standards::{Citation, Flag, Member, Metric, Severity, StandardError, StandardErrorCode};
use crate::state::AppState;

/// `POST /admin/standards/{id}/criteria`: adds a criterion of a known kind
/// (`new.id`, `new.kind`, `new.metric`, `new.severity`, `new.value`,
/// `new.upper`, `new.flags`, `new.document`, `new.clause`).
pub async fn add_criterion(
    State(state): State<AppState>,
    page: Page,
    Admin(user): Admin,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let lang = page.lang;
    let row = load_draft(&state, id).await?;
    let base = row.standard();
    let values = values_of(pairs);
    let one = |name: &str| values.get(name).and_then(|v| v.first()).cloned().unwrap_or_default();
    let mut add = NewCriterionForm::blank(lang);
    add.id.value = one("new.id");
    add.value.value = one("new.value");
    add.upper.value = one("new.upper");
    add.document.value = one("new.document");
    add.clause.value = one("new.clause");
    let kind = one("new.kind");
    for o in &mut add.kind.options {
        o.checked = o.code == kind;
    }
    let metric = metric_from_code(&one("new.metric"));
    for (o, m) in add.metric.options.iter_mut().zip(METRICS) {
        o.checked = Some(*m) == metric;
    }
    let sev = one("new.severity");
    for o in &mut add.severity.options {
        o.checked = o.code == sev;
    }
    let flags_on = values.get("new.flags").cloned().unwrap_or_default();
    for o in &mut add.flags.options {
        o.checked = flags_on.iter().any(|v| v == o.code);
    }

    let new_id = add.id.value.trim().to_owned();
    if new_id.is_empty()
        || !new_id
            .chars()
            .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '.' || ch == '_')
    {
        add.id.error = Some(i18n::t(lang, "standards.form.error.criterion_id"));
    } else if base.criterion(&new_id).is_some() {
        add.id.error = Some(
            StandardError {
                criterion: Some(new_id.clone()),
                code: StandardErrorCode::DuplicateId,
                detail: None,
            }
            .message(lang),
        );
    }
    // What the kind needs is the engine's to say, not the form's.
    let needs = kind_params(&kind);
    if needs.is_none() {
        add.kind.error = Some(i18n::t(lang, "standards.form.error.required"));
    }
    let needs = needs.unwrap_or_default();
    if needs.metric && metric.is_none() {
        add.metric.error = Some(i18n::t(lang, "standards.form.error.required"));
    }
    let unit = metric.map(Metric::unit);
    let value = if needs.value {
        figure(&mut add.value, unit, true, lang)
    } else {
        None
    };
    let upper = if needs.upper {
        figure(&mut add.upper, unit, false, lang)
    } else {
        None
    };
    if needs.upper {
        band_order(value, upper, &mut add.upper, lang);
    }
    let severity = Severity::from_code(&sev);
    if severity.is_none() {
        add.severity.error = Some(i18n::t(lang, "standards.form.error.required"));
    }
    let citation = Citation {
        document: text(&mut add.document, 200, lang),
        clause: text(&mut add.clause, 1000, lang),
    };
    let flags = set_of(&add.flags, Flag::ALL, flag_code);
    if needs.flags && flags.is_empty() {
        add.flags.error = Some(i18n::t(lang, "standards.form.error.flags"));
    }
    let fields_ok = [&add.id, &add.value, &add.upper, &add.document, &add.clause]
        .iter()
        .all(|f| f.error.is_none())
        && [&add.kind, &add.metric, &add.severity, &add.flags]
            .iter()
            .all(|c| c.error.is_none());
    let criterion = severity.filter(|_| fields_ok).and_then(|severity| {
        new_criterion(NewCriterion {
            id: &new_id,
            kind: &kind,
            metric,
            severity,
            value: value.unwrap_or_default(),
            upper,
            flags,
            citation,
        })
    });
    if let Some(criterion) = criterion {
        let mut edited = base.clone();
        edited.criteria.push(criterion);
        match service::save_draft(&state.db, &user, id, &row.content_hash, edited).await {
            Ok(()) => return Ok(Redirect::to(&format!("/admin/standards/{id}/edit")).into_response()),
            Err(StandardsError::Invalid(errors)) => {
                let messages: Vec<String> = errors.iter().map(|e| e.message(lang)).collect();
                add.kind.error = Some(messages.join(if lang == Lang::Zh { "；" } else { "; " }));
            }
            Err(e) => return Err(e.into_app(Some(id))),
        }
    }
    let form = EditForm::of(base, &row.content_hash, lang);
    let body = EditPage::new(page, id, base, form, add);
    Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
}
