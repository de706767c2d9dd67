//! The proposal form: new, create, edit, update, and the live evaluation.
//! A form with errors comes back with 422, every message beside its field
//! and every typed value kept exactly as typed.

use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use crate::auth::{CurrentUser, User};
use crate::db::{proposals, regions};
use crate::domain::Role;
use crate::domain::proposal::{FieldError, ProposalInput};
use crate::error::{AppError, AppResult};
use crate::handlers::Page;
use crate::services::ServiceError;
use crate::services::proposals::{self as service, scope_of};
use crate::state::AppState;

use super::fields::*;
use super::live::{Live, live_view};

/// What the form says of a proposal that is no longer a draft or returned.
const NOT_EDITABLE: &str = "proposals.not_editable";

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
    /// The saved proposal's current boundary, drawn beside the form.
    pub boundary: Option<crate::handlers::display::MapView>,
}

impl FormPage {
    pub fn action(&self) -> String {
        match self.id {
            Some(id) => format!("/proposals/{id}"),
            None => "/proposals".to_owned(),
        }
    }
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
    let mut conn = crate::db::acquire(&state.db).await?;
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
    // The active standard: the live evaluation's rules and the form's period.
    let (active, outcome) = service::evaluate_draft(&state.db, form.input).await?;
    let standard = active.standard();
    let live = live_view(standard, outcome, lang);
    let boundary = match form.id {
        // Drawn with the towns near it and the parcels it meets, as now.
        Some(id) => crate::services::boundaries::current_for_page(&state.db, id)
            .await?
            .and_then(|(b, text, measured)| {
                let name = form.input.name.as_deref().unwrap_or_default();
                crate::handlers::display::boundary_current_view(&b, &text, &measured.context, name, user, lang)
            }),
        None => None,
    };
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
        boundary,
        page,
    })
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
    let mut conn = crate::db::acquire(&state.db).await?;
    let row = proposals::get(&mut conn, id, scope_of(&user))
        .await?
        .ok_or(AppError::NotFound)?;
    drop(conn);
    if !row.status().is_editable() {
        return Err(ServiceError::WrongState.into_app(NOT_EDITABLE, format!("/proposals/{id}")));
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
    let mut conn = crate::db::acquire(&state.db).await?;
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
        Err(e) => Err(e.into_app(NOT_EDITABLE, format!("/proposals/{id}"))),
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
    let mut conn = crate::db::acquire(&state.db).await?;
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
