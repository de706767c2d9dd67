//! `/admin/regions`: regions as a tree (DESIGN: province → cities →
//! counties): add a city or a county, rename one, put a county under a
//! city. Shown on the users page (`/admin/users#regions`).

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::users::{CreateForm, region_id, unprocessable, users_page};
use crate::auth::Admin;
use crate::error::AppResult;
use crate::handlers::Page;
use crate::services::users::{self as service, UserError};
use crate::state::AppState;

#[derive(Debug, Deserialize)]
pub struct RegionForm {
    #[serde(default)]
    pub name: String,
    /// `city` or `county` (the default).
    #[serde(default)]
    pub kind: String,
    /// A new county's city (an id; empty: none yet).
    #[serde(default)]
    pub city: String,
}

/// `POST /admin/regions`: adds a city or a county.
pub async fn add_region(
    State(state): State<AppState>,
    page: Page,
    Admin(admin): Admin,
    Form(form): Form<RegionForm>,
) -> AppResult<Response> {
    let city = form.kind.trim() == "city";
    let parent = region_id(&form.city);
    if !form.city.trim().is_empty() && parent.is_none() {
        let message = page.t("admin.regions.error.city");
        return unprocessable(
            users_page(&state, page, CreateForm::default(), Some(("city", message)), form.name).await?,
        );
    }
    match service::add_region(&state.db, admin.id, &form.name, city, parent).await {
        Ok(_) => Ok(Redirect::to("/admin/users#regions").into_response()),
        Err(UserError::Invalid(field, key)) => {
            let message = page.t(key);
            let field = if field == "city" { "city" } else { "region_name" };
            unprocessable(users_page(&state, page, CreateForm::default(), Some((field, message)), form.name).await?)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct CityForm {
    #[serde(default)]
    pub city: String,
}

/// `POST /admin/regions/{id}/city`: puts a county under a city (empty: none).
pub async fn assign_city(
    State(state): State<AppState>,
    page: Page,
    Admin(admin): Admin,
    Path(id): Path<i64>,
    Form(form): Form<CityForm>,
) -> AppResult<Response> {
    let city = region_id(&form.city);
    let result = if !form.city.trim().is_empty() && city.is_none() {
        Err(UserError::Invalid("city", "admin.regions.error.city"))
    } else {
        service::assign_city(&state.db, admin.id, id, city).await
    };
    match result {
        Ok(()) => Ok(Redirect::to("/admin/users#regions").into_response()),
        Err(UserError::Invalid(_, key)) => {
            let message = page.t(key);
            let field = "region_city";
            unprocessable(
                users_page(
                    &state,
                    page,
                    CreateForm::default(),
                    Some((field, message)),
                    String::new(),
                )
                .await?,
            )
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /admin/regions/{id}`: renames a region.
pub async fn rename_region(
    State(state): State<AppState>,
    page: Page,
    Admin(admin): Admin,
    Path(id): Path<i64>,
    Form(form): Form<RegionForm>,
) -> AppResult<Response> {
    match service::rename_region(&state.db, admin.id, id, &form.name).await {
        Ok(()) => Ok(Redirect::to("/admin/users#regions").into_response()),
        Err(UserError::Invalid(_, key)) => {
            let message = page.t(key);
            let field = "region_rename";
            unprocessable(users_page(&state, page, CreateForm::default(), Some((field, message)), form.name).await?)
        }
        Err(e) => Err(e.into()),
    }
}
