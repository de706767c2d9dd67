//! The proposal form: new, create, edit, update, and the live evaluation.
//! A form with errors comes back with 422, every message beside its field
//! and every typed value kept exactly as typed.

use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::view::{FindingView, SECTIONS, finding_views, section_of, year_label};
use crate::auth::{CurrentUser, User};
use crate::db::{proposals, regions};
use crate::domain::proposal::{FIELDS, FieldError, FieldKind, FieldSpec, PeriodYears, ProposalInput};
use crate::domain::{Lang, Role};
use crate::error::{AppError, AppResult};
use crate::handlers::Page;
use crate::i18n;
use crate::services::ServiceError;
use crate::services::proposals::{self as service, scope_of};
use crate::standards::Standard;
use crate::state::AppState;

const BY_YEAR: &str = "investment.by_year_yi";

/// The form body as (name, value) pairs, repeated names kept in order.
fn pairs(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn value<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// Blank years after the last filled one are not part of the plan (the form
/// always shows five inputs). One pass from the end, then one to keep the
/// rest: a body of many blank years costs as much as any other.
fn without_trailing_blank_years(mut pairs: Vec<(String, String)>) -> Vec<(String, String)> {
    let mut dropped = vec![false; pairs.len()];
    for (i, (key, value)) in pairs.iter().enumerate().rev() {
        if key != BY_YEAR {
            continue;
        }
        if !value.trim().is_empty() {
            break;
        }
        dropped[i] = true;
    }
    let mut i = 0;
    pairs.retain(|_| {
        i += 1;
        !dropped[i - 1]
    });
    pairs
}

pub struct FormField {
    pub name: &'static str,
    pub id: String,
    pub label: &'static str,
    pub help: &'static str,
    pub unit: &'static str,
    /// text | select | checkbox | number | years
    pub control: &'static str,
    pub value: String,
    /// For the by-year inputs: (label, value, only for accelerated counties).
    pub years: Vec<(String, String, bool)>,
    pub options: Vec<(&'static str, &'static str, bool)>,
    pub checked: bool,
    pub required: bool,
    pub error: Option<String>,
}

pub struct FormSection {
    pub id: &'static str,
    pub title: String,
    pub collapsed: bool,
    pub fields: Vec<FormField>,
}

/// The by-year inputs: as many as the active version's longer (accelerated)
/// period, those past the normal period marked for accelerated counties only
/// (hidden by the script when the box is not ticked). A draft saved under a
/// longer period keeps every stored year visible, so nothing typed is lost.
fn year_inputs(values: &[String], periods: PeriodYears, lang: Lang) -> Vec<(String, String, bool)> {
    let normal = periods.for_county(false);
    let shown = periods.for_county(true).max(normal).max(values.len());
    (0..shown)
        .map(|i| {
            (
                year_label(i, lang),
                values.get(i).cloned().unwrap_or_default(),
                i >= normal,
            )
        })
        .collect()
}

/// Builds the form's sections from the raw values (as typed, or as stored).
fn sections(
    raw: &[(String, String)],
    errors: &[FieldError],
    lang: Lang,
    skip_region: bool,
    periods: PeriodYears,
) -> Vec<FormSection> {
    let raw_values =
        |name: &str| -> Vec<String> { raw.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).collect() };
    let error_for = |name: &str| -> Option<String> {
        let messages: Vec<String> = errors
            .iter()
            .filter(|e| e.field == name)
            .map(|e| e.message(lang))
            .collect();
        (!messages.is_empty()).then(|| messages.join(" "))
    };
    let field = |spec: &FieldSpec| -> FormField {
        let values = raw_values(spec.name);
        let first = values.first().cloned().unwrap_or_default();
        let (control, options, years) = match spec.kind {
            FieldKind::Text { .. } => ("text", Vec::new(), Vec::new()),
            FieldKind::Bool => ("checkbox", Vec::new(), Vec::new()),
            FieldKind::Choice(choice) => (
                "select",
                choice
                    .options(lang)
                    .into_iter()
                    .map(|(c, l)| (c, l, c == first))
                    .collect(),
                Vec::new(),
            ),
            FieldKind::DecimalList(_) => ("years", Vec::new(), year_inputs(&values, periods, lang)),
            FieldKind::Decimal(_) | FieldKind::Count { .. } => ("number", Vec::new(), Vec::new()),
        };
        FormField {
            name: spec.name,
            id: spec.name.replace('.', "-"),
            label: spec.label(lang),
            help: spec.help(lang),
            unit: spec.unit().map(|u| u.label(lang)).unwrap_or(""),
            control,
            checked: first == "true",
            value: first,
            years,
            options,
            required: spec.required,
            error: error_for(spec.name),
        }
    };
    SECTIONS
        .iter()
        .map(|section| FormSection {
            id: section,
            title: i18n::t(lang, &format!("proposals.section.{section}")),
            collapsed: *section == "national",
            fields: FIELDS
                .iter()
                .filter(|f| section_of(f) == *section && !(skip_region && f.name == "region"))
                .map(field)
                .collect(),
        })
        .collect()
}

/// The live evaluation panel.
pub struct Live {
    /// The active standard's name and version.
    pub standard: String,
    pub overall: Option<(&'static str, &'static str)>,
    pub findings: Vec<FindingView>,
    /// Why there is no evaluation yet: what is missing or inconsistent.
    pub pending: Vec<String>,
}

/// The active standard: the live evaluation's rules and the form's period.
async fn active_standard(state: &AppState) -> AppResult<crate::db::standards::StandardRow> {
    let mut conn = state.db.acquire().await?;
    Ok(crate::db::standards::active(&mut conn)
        .await?
        .ok_or(ServiceError::NoActiveStandard)?)
}

fn live_evaluation(standard: &Standard, input: &ProposalInput, lang: Lang) -> Live {
    let name = format!("{} v{}", standard.name(lang), standard.version);
    // The by-year list is read against the active version's period.
    match input.complete_under(standard.periods()) {
        Ok(proposal) => {
            let evaluation = crate::standards::evaluate(&proposal, standard);
            let rendered = evaluation.render(lang);
            Live {
                standard: name,
                overall: Some((evaluation.overall.code(), evaluation.overall.label(lang))),
                findings: finding_views(&rendered, Some(standard), lang),
                pending: Vec::new(),
            }
        }
        Err(errors) => Live {
            standard: name,
            overall: None,
            findings: Vec::new(),
            pending: errors
                .iter()
                .map(|e| {
                    let label = crate::domain::proposal::field(&e.field)
                        .map(|f| f.label(lang))
                        .unwrap_or("");
                    if label.is_empty() {
                        e.message(lang)
                    } else {
                        format!("{label}：{}", e.message(lang))
                    }
                })
                .collect(),
        },
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "proposals/form.html")]
pub struct FormPage {
    pub page: Page,
    /// `None` for a new proposal.
    pub id: Option<i64>,
    pub version: i32,
    pub title: String,
    pub sections: Vec<FormSection>,
    /// The official's own region, shown read-only.
    pub fixed_region: Option<String>,
    /// Admins choose the region: (id, name, selected).
    pub regions: Vec<(i64, String, bool)>,
    pub region_error: Option<String>,
    pub error_count: usize,
    /// Set when the save was refused because someone else saved first.
    pub conflict: bool,
    pub live: Live,
}

impl FormPage {
    pub fn action(&self) -> String {
        match self.id {
            Some(id) => format!("/proposals/{id}"),
            None => "/proposals".to_owned(),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "proposals/live.html")]
pub struct LivePartial {
    pub page: Page,
    pub live: Live,
}

/// What the form needs to know about where the proposal belongs.
struct RegionChoice {
    fixed: Option<String>,
    regions: Vec<(i64, String, bool)>,
}

async fn region_choice(state: &AppState, user: &User, selected: Option<i64>) -> AppResult<RegionChoice> {
    if user.role == Role::Official {
        return Ok(RegionChoice {
            fixed: user.region_name.clone(),
            regions: Vec::new(),
        });
    }
    let mut conn = state.db.acquire().await?;
    let regions = regions::list(&mut conn)
        .await?
        .into_iter()
        .map(|r| (r.id, r.name, Some(r.id) == selected))
        .collect();
    Ok(RegionChoice { fixed: None, regions })
}

struct FormState<'a> {
    id: Option<i64>,
    version: i32,
    raw: &'a [(String, String)],
    input: &'a ProposalInput,
    errors: &'a [FieldError],
    region_id: Option<i64>,
    conflict: bool,
}

async fn render_form(state: &AppState, page: Page, user: &User, form: FormState<'_>) -> AppResult<FormPage> {
    let lang = page.lang;
    let choice = region_choice(state, user, form.region_id).await?;
    let region_error = form
        .errors
        .iter()
        .find(|e| e.field == "region")
        .map(|e| e.message(lang));
    let active = active_standard(state).await?;
    let standard = active.standard();
    let live = live_evaluation(standard, form.input, lang);
    let title = page.t(if form.id.is_some() {
        "proposals.form.edit_title"
    } else {
        "proposals.form.new_title"
    });
    Ok(FormPage {
        id: form.id,
        version: form.version,
        title,
        sections: sections(form.raw, form.errors, lang, true, standard.periods()),
        fixed_region: choice.fixed,
        regions: choice.regions,
        region_error,
        error_count: form.errors.len(),
        conflict: form.conflict,
        live,
        page,
    })
}

/// Reads the form: the proposal's fields, the official's region forced.
fn read_input(user: &User, raw: &[(String, String)], region_name: Option<String>) -> (ProposalInput, Vec<FieldError>) {
    let (mut input, errors) = ProposalInput::from_form(raw);
    input.region = if user.role == Role::Official {
        user.region_name.clone()
    } else {
        region_name
    };
    (input, errors)
}

/// The region a new proposal goes to: the official's own, or the admin's choice.
async fn target_region(
    state: &AppState,
    user: &User,
    raw: &[(String, String)],
) -> AppResult<(Option<i64>, Option<String>)> {
    if user.role == Role::Official {
        return Ok((user.region_id, user.region_name.clone()));
    }
    let Some(id) = value(raw, "region_id").and_then(|v| v.trim().parse::<i64>().ok()) else {
        return Ok((None, None));
    };
    let mut conn = state.db.acquire().await?;
    let region = regions::list(&mut conn).await?.into_iter().find(|r| r.id == id);
    Ok(region.map(|r| (Some(r.id), Some(r.name))).unwrap_or((None, None)))
}

/// `GET /proposals/new`.
pub async fn new(State(state): State<AppState>, page: Page, CurrentUser(user): CurrentUser) -> AppResult<FormPage> {
    let input = ProposalInput::default();
    let form = FormState {
        id: None,
        version: 0,
        raw: &[],
        input: &input,
        errors: &[],
        region_id: None,
        conflict: false,
    };
    render_form(&state, page, &user, form).await
}

/// `POST /proposals`: saves a new draft (or, with `action=evaluate`, only
/// shows the evaluation).
pub async fn create(
    State(state): State<AppState>,
    page: Page,
    CurrentUser(user): CurrentUser,
    body: Bytes,
) -> AppResult<Response> {
    let raw = without_trailing_blank_years(pairs(&body));
    let (region_id, region_name) = target_region(&state, &user, &raw).await?;
    let (input, mut errors) = read_input(&user, &raw, region_name);
    let form = |errors| FormState {
        id: None,
        version: 0,
        raw: &raw,
        input: &input,
        errors,
        region_id,
        conflict: false,
    };
    if value(&raw, "action") == Some("evaluate") {
        return Ok(render_form(&state, page, &user, form(&errors)).await?.into_response());
    }
    let Some(region) = region_id else {
        errors.push(FieldError::new("region", crate::domain::proposal::ErrorCode::Required));
        let page = render_form(&state, page, &user, form(&errors)).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    match service::create_draft(&state.db, &user, region, &input, errors).await {
        Ok(id) => Ok(Redirect::to(&format!("/proposals/{id}")).into_response()),
        Err(ServiceError::Invalid(errors)) => {
            let page = render_form(&state, page, &user, form(&errors)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /proposals/{id}/edit`: only for draft or returned proposals.
pub async fn edit(
    State(state): State<AppState>,
    page: Page,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let mut conn = state.db.acquire().await?;
    let row = proposals::get(&mut conn, id, scope_of(&user))
        .await?
        .ok_or(AppError::NotFound)?;
    drop(conn);
    if !row.status().is_editable() {
        return Err(AppError::Conflict {
            key: "proposals.not_editable",
            link: Some(format!("/proposals/{id}")),
        });
    }
    let input = row.to_input();
    let raw = input.to_form_pairs();
    let form = FormState {
        id: Some(id),
        version: row.version,
        raw: &raw,
        input: &input,
        errors: &[],
        region_id: Some(row.region_id),
        conflict: false,
    };
    Ok(render_form(&state, page, &user, form).await?.into_response())
}

/// `POST /proposals/{id}`: saves the data if nobody saved since `version`.
pub async fn update(
    State(state): State<AppState>,
    page: Page,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    body: Bytes,
) -> AppResult<Response> {
    let raw = without_trailing_blank_years(pairs(&body));
    let version = value(&raw, "version")
        .and_then(|v| v.trim().parse::<i32>().ok())
        .unwrap_or(0);
    let mut conn = state.db.acquire().await?;
    let row = proposals::get(&mut conn, id, scope_of(&user))
        .await?
        .ok_or(AppError::NotFound)?;
    drop(conn);
    let (input, errors) = read_input(&user, &raw, Some(row.region_name.clone()));
    let form = |errors, conflict| FormState {
        id: Some(id),
        version,
        raw: &raw,
        input: &input,
        errors,
        region_id: Some(row.region_id),
        conflict,
    };
    if value(&raw, "action") == Some("evaluate") {
        return Ok(render_form(&state, page, &user, form(&errors, false))
            .await?
            .into_response());
    }
    match service::save(&state.db, &user, id, version, &input, errors).await {
        Ok(_) => Ok(Redirect::to(&format!("/proposals/{id}")).into_response()),
        Err(ServiceError::Invalid(errors)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            render_form(&state, page, &user, form(&errors, false)).await?,
        )
            .into_response()),
        // Someone saved first: show the form again with what this user
        // typed, say so, and link to the current data. Nothing is lost.
        Err(ServiceError::Stale) => Ok((
            StatusCode::CONFLICT,
            render_form(&state, page, &user, form(&[], true)).await?,
        )
            .into_response()),
        Err(ServiceError::WrongState) => Err(AppError::Conflict {
            key: "proposals.not_editable",
            link: Some(format!("/proposals/{id}")),
        }),
        Err(e) => Err(e.into()),
    }
}

/// The edit form of a stored proposal with the problems that keep it from
/// being submitted (422).
pub(super) async fn incomplete(
    state: &AppState,
    page: Page,
    user: &User,
    id: i64,
    errors: &[FieldError],
) -> AppResult<Response> {
    let mut conn = state.db.acquire().await?;
    let row = proposals::get(&mut conn, id, scope_of(user))
        .await?
        .ok_or(AppError::NotFound)?;
    drop(conn);
    let input = row.to_input();
    let raw = input.to_form_pairs();
    let form = FormState {
        id: Some(id),
        version: row.version,
        raw: &raw,
        input: &input,
        errors,
        region_id: Some(row.region_id),
        conflict: false,
    };
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        render_form(state, page, user, form).await?,
    )
        .into_response())
}

/// `POST /proposals/live`: the findings panel for the form as typed so far
/// (the page's script posts the form here while the official types).
pub async fn live(
    State(state): State<AppState>,
    page: Page,
    CurrentUser(user): CurrentUser,
    body: Bytes,
) -> AppResult<LivePartial> {
    let raw = without_trailing_blank_years(pairs(&body));
    let (_, region_name) = target_region(&state, &user, &raw).await?;
    let (input, _) = read_input(&user, &raw, region_name.or_else(|| Some("—".to_owned())));
    let active = active_standard(&state).await?;
    let live = live_evaluation(active.standard(), &input, page.lang);
    Ok(LivePartial { page, live })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_blank_years_are_dropped_but_inner_blanks_kept() {
        let p =
            |v: &[&str]| -> Vec<(String, String)> { v.iter().map(|x| (BY_YEAR.to_owned(), x.to_string())).collect() };
        assert_eq!(
            without_trailing_blank_years(p(&["1", "2", "3", "", ""])),
            p(&["1", "2", "3"])
        );
        assert_eq!(
            without_trailing_blank_years(p(&["1", "", "3", " ", ""])),
            p(&["1", "", "3"])
        );
        assert_eq!(without_trailing_blank_years(p(&["", ""])), p(&[]));
    }

    #[test]
    fn blank_years_among_other_fields_go_and_the_rest_keep_their_order() {
        let pair = |k: &str, v: &str| (k.to_owned(), v.to_owned());
        let mut pairs = vec![pair(BY_YEAR, "1"), pair("name", "甲")];
        pairs.extend((0..1_000).flat_map(|_| [pair(BY_YEAR, ""), pair("developer", "")]));
        let kept = without_trailing_blank_years(pairs);
        assert_eq!(kept.len(), 2 + 1_000);
        assert_eq!(kept[..2], [pair(BY_YEAR, "1"), pair("name", "甲")]);
        assert!(kept[2..].iter().all(|(k, _)| k == "developer"));
    }
}
