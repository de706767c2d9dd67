//! Officials' annual reports of their region's listed towns
//! (`/proposals/{id}/reports`).

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::WRONG_STATE;
use crate::auth::Official;
use crate::db::creation as store;
use crate::db::proposals::Scope;
use crate::domain::Lang;
use crate::domain::Status;
use crate::domain::creation::{self, AnnualFigures, REPORT_FIELDS};
use crate::domain::proposal::FieldError;
use crate::error::{AppError, AppResult};
use crate::handlers::Page;
use crate::handlers::display::exact;
use crate::handlers::display::sheet::SheetView;
use crate::services::ServiceError;
use crate::services::creation::{self as service};
use crate::state::AppState;

pub struct FieldView {
    pub name: &'static str,
    /// The report's own label, with the unit.
    pub label: String,
    /// A short explanation under the field.
    pub help: Option<String>,
    pub checkbox: bool,
    pub value: String,
    pub error: Option<String>,
}

pub struct ReportLine {
    pub year: i32,
    pub cells: Vec<String>,
    pub status: String,
    pub editable: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "creation/reports.html")]
pub struct ReportsPage {
    pub page: Page,
    pub id: i64,
    pub town: String,
    pub plan_by_year: String,
    pub headers: Vec<String>,
    pub reports: Vec<ReportLine>,
    pub year: String,
    pub year_error: Option<String>,
    pub version: String,
    pub fields: Vec<FieldView>,
    /// The town's standing, when it is not simply listed: a catalogue text.
    pub notice: Option<String>,
    /// Reports can be added or edited (not for a removed town).
    pub can_report: bool,
    /// The published grades, each with its sheet when the annual table made it.
    pub grades: Vec<PublishedGrade>,
}

pub struct PublishedGrade {
    pub year: i32,
    pub code: &'static str,
    pub label: &'static str,
    pub sheet: Option<SheetView>,
}

fn field_views(lang: Lang, pairs: &[(String, String)], errors: &[FieldError]) -> Vec<FieldView> {
    REPORT_FIELDS
        .iter()
        .map(|name| FieldView {
            name,
            label: creation::field_heading(name, lang),
            help: (*name == creation::PROVINCE_TAX).then(|| crate::i18n::t(lang, "creation.province_tax.help")),
            checkbox: matches!(*name, creation::APP | creation::LIVING_ROOM),
            value: pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default(),
            error: errors
                .iter()
                .find(|e| e.field == *name)
                .map(|e| creation::error_message(e, lang)),
        })
        .collect()
}

fn report_cells(f: &AnnualFigures) -> Vec<String> {
    f.to_form_pairs()
        .into_iter()
        .filter(|(k, _)| !matches!(k.as_str(), creation::APP | creation::LIVING_ROOM))
        .map(|(_, v)| v)
        .collect()
}

fn report_headers(lang: Lang) -> Vec<String> {
    REPORT_FIELDS
        .iter()
        .filter(|n| !matches!(**n, creation::APP | creation::LIVING_ROOM))
        .map(|n| creation::field_heading(n, lang))
        .collect()
}

#[derive(Debug, Default, Deserialize)]
pub struct YearQuery {
    pub year: Option<String>,
}

struct FormState {
    year: String,
    year_error: Option<String>,
    version: String,
    pairs: Vec<(String, String)>,
    errors: Vec<FieldError>,
}

async fn render_reports(
    state: &AppState,
    page: Page,
    id: i64,
    region_id: i64,
    form: FormState,
) -> AppResult<ReportsPage> {
    let town = service::load_town(&state.db, id, Scope::Region(region_id)).await?;
    let mut conn = crate::db::acquire(&state.db).await?;
    let rows = store::reports_for(&mut conn, id).await?;
    let lang = page.lang;
    let reports = rows
        .iter()
        .map(|r| ReportLine {
            year: r.year,
            cells: report_cells(&r.figures()),
            status: page.t(if r.is_assessed() {
                "creation.report.assessed"
            } else if town.row.status() == Status::Removed {
                "creation.report.closed"
            } else {
                "creation.report.submitted"
            }),
            editable: !r.is_assessed() && town.row.status() != Status::Removed,
        })
        .collect();
    let plan_by_year = town
        .plan
        .investment()
        .by_year_yi
        .iter()
        .map(|v| exact(*v))
        .collect::<Vec<_>>()
        .join(" / ");
    let mut grades = Vec::new();
    for a in store::assessments_for(&mut conn, id, true).await? {
        let g = a.final_grade();
        grades.push(PublishedGrade {
            year: a.year,
            code: g.code(),
            label: g.label(lang),
            sheet: super::review::recorded_sheet(&mut conn, &town.standard, &a, lang).await?,
        });
    }
    let status = town.row.status();
    let notice = match status {
        Status::Demoted => Some(page.t("creation.reports.cultivation")),
        Status::Removed => Some(page.t("creation.reports.removed")),
        _ => None,
    };
    Ok(ReportsPage {
        notice,
        can_report: status != Status::Removed,
        grades,
        id,
        town: town.row.name.clone(),
        plan_by_year,
        headers: report_headers(lang),
        reports,
        year: form.year,
        year_error: form.year_error,
        version: form.version,
        fields: field_views(lang, &form.pairs, &form.errors),
        page,
    })
}

pub async fn reports_page(
    State(state): State<AppState>,
    page: Page,
    official: Official,
    Path(id): Path<i64>,
    Query(q): Query<YearQuery>,
) -> AppResult<ReportsPage> {
    let mut form = FormState {
        year: String::new(),
        year_error: None,
        version: String::new(),
        pairs: Vec::new(),
        errors: Vec::new(),
    };
    if let Some(year) = q.year.as_deref().and_then(|y| y.trim().parse::<i32>().ok()) {
        // Editing an existing report: its figures and version. The region
        // is checked by `render_reports` before anything is shown.
        service::load_town(&state.db, id, Scope::Region(official.region_id)).await?;
        let mut conn = crate::db::acquire(&state.db).await?;
        if let Some(r) = store::get_report(&mut conn, id, year).await? {
            form.year = year.to_string();
            form.version = r.version.to_string();
            form.pairs = r.figures().to_form_pairs();
        }
    }
    render_reports(&state, page, id, official.region_id, form).await
}

pub(super) fn value_of<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

pub async fn save_report(
    State(state): State<AppState>,
    page: Page,
    official: Official,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    // The town must be visible to this official before anything else.
    service::load_town(&state.db, id, Scope::Region(official.region_id)).await?;
    let year_raw = value_of(&pairs, "year").to_string();
    let version_raw = value_of(&pairs, "version").trim().to_string();
    let version = if version_raw.is_empty() {
        None
    } else {
        Some(
            version_raw
                .parse::<i32>()
                .map_err(|_| AppError::BadRequest("error.bad_request.invalid"))?,
        )
    };
    let year = service::parse_year(&year_raw);
    let figures = AnnualFigures::from_form(&pairs);
    let (year, figures) = match (year, figures) {
        (Ok(y), Ok(f)) => (y, f),
        (year, figures) => {
            let lang = page.lang;
            let form = FormState {
                year: year_raw,
                year_error: year.err().map(|e| year_message(&e, lang)),
                version: version_raw,
                pairs,
                errors: figures.err().unwrap_or_default(),
            };
            let body = render_reports(&state, page, id, official.region_id, form).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response());
        }
    };
    match service::save_report(
        &state.db,
        &official.user,
        official.region_id,
        id,
        year,
        version,
        &figures,
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/proposals/{id}/reports")).into_response()),
        Err(ServiceError::Invalid(errors)) => {
            let lang = page.lang;
            let form = FormState {
                year: year_raw,
                year_error: errors.first().map(|e| year_message(e, lang)),
                version: version_raw,
                pairs,
                errors: Vec::new(),
            };
            let body = render_reports(&state, page, id, official.region_id, form).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
        }
        Err(e) => Err(e.into_app(WRONG_STATE, format!("/proposals/{id}/reports"))),
    }
}

fn year_message(e: &FieldError, lang: Lang) -> String {
    crate::i18n::t(lang, service::year_error_key(e))
}
