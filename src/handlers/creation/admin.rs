//! Admins' publication of the year's grades and the per-county summary
//! (`/admin/creation…`).

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sqlx::PgConnection;

use super::WRONG_STATE;
use crate::auth::Admin;
use crate::csv_out::CsvWriter;
use crate::db::creation as store;
use crate::error::{AppError, AppResult};
use crate::handlers::Page;
use crate::handlers::display::{CSV_TYPE, exact};
use crate::services::creation::{self as service, ListKind};
use crate::state::AppState;

pub struct CountyLine {
    pub region: String,
    pub named: i64,
    pub not_named: i64,
    /// Removed during the period (淘汰, or withdrawn for missing targets):
    /// deducted like a town not named.
    pub eliminated: i64,
    /// Named, then withdrawn by a batch: not in the sums.
    pub withdrawn: i64,
    pub land_quota_mu: String,
    pub province_tax_wan: String,
    pub tax_rebate_wan: String,
}

pub struct ListLine {
    pub kind: String,
    pub year: i32,
    pub date: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "creation/admin.html")]
pub struct AdminPage {
    pub page: Page,
    pub lists: Vec<ListLine>,
    pub counties: Vec<CountyLine>,
}

async fn county_lines(conn: &mut PgConnection) -> AppResult<Vec<CountyLine>> {
    Ok(store::county_summary(conn)
        .await?
        .into_iter()
        .map(|c| CountyLine {
            region: c.region_name,
            named: c.named,
            not_named: c.not_named,
            eliminated: c.eliminated,
            withdrawn: c.withdrawn,
            land_quota_mu: exact(c.land_quota_mu),
            province_tax_wan: exact(c.province_tax_wan),
            tax_rebate_wan: exact(c.tax_rebate_wan),
        })
        .collect())
}

pub async fn admin_page(State(state): State<AppState>, page: Page, _a: Admin) -> AppResult<AdminPage> {
    let mut conn = crate::db::acquire(&state.db).await?;
    let lists = store::lists(&mut conn)
        .await?
        .into_iter()
        .map(|l| ListLine {
            kind: page.t(&format!("creation.list.{}", l.kind)),
            year: l.year,
            date: l.published_at.format("%Y-%m-%d").to_string(),
        })
        .collect();
    let counties = county_lines(&mut conn).await?;
    Ok(AdminPage { page, lists, counties })
}

#[derive(Debug, Default, Deserialize)]
pub struct PublishForm {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub year: String,
}

pub async fn publish(
    State(state): State<AppState>,
    admin: Admin,
    Form(form): Form<PublishForm>,
) -> AppResult<Response> {
    let kind = ListKind::from_code(form.kind.trim()).ok_or(AppError::BadRequest("error.bad_request.invalid"))?;
    let year = service::parse_year(&form.year).map_err(|_| AppError::BadRequest("error.bad_request.invalid"))?;
    service::publish(&state.db, &admin.0, kind, year)
        .await
        .map_err(|e| e.into_app(WRONG_STATE, "/admin/creation"))?;
    Ok(Redirect::to(&format!("/creation/{year}")).into_response())
}

/// `GET /admin/creation/summary.csv`: the per-county summary through the
/// one CSV writer (every text cell defused). One line per county: the file
/// is as small as the page.
pub async fn summary_csv(State(state): State<AppState>, page: Page, _a: Admin) -> AppResult<Response> {
    let mut conn = crate::db::acquire(&state.db).await?;
    let lines = county_lines(&mut conn).await?;
    let mut w = CsvWriter::new();
    let head = [
        "creation.county.region",
        "creation.county.named",
        "creation.county.not_named",
        "creation.county.eliminated",
        "creation.county.withdrawn",
        "creation.county.land",
        "creation.county.province_tax",
        "creation.county.rebate",
    ];
    w.record(head.iter().map(|k| page.t(k)));
    for l in lines {
        w.record([
            l.region,
            l.named.to_string(),
            l.not_named.to_string(),
            l.eliminated.to_string(),
            l.withdrawn.to_string(),
            l.land_quota_mu,
            l.province_tax_wan,
            l.tax_rebate_wan,
        ]);
    }
    Ok((
        [
            (header::CONTENT_TYPE, CSV_TYPE),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"creation-summary.csv\"",
            ),
        ],
        w.take(),
    )
        .into_response())
}
