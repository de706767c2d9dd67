//! Editing a draft's scoring tables as the JSON the engine reads (sections,
//! caps, lines, bands, vetoes, worked cases): the whole version is checked
//! on save, every problem is listed with the table, section or line it
//! concerns, and the text comes back as typed.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::auth::Admin;
use crate::error::AppResult;
use crate::handlers::Page;
use crate::i18n;
use crate::services::standards::{self as service, StandardsError};
use crate::standards::scoring::{LineKind, ScoringTable};
use crate::state::AppState;

/// Largest tables text accepted, in bytes (the built-in tables are ~40 KB).
const TEXT_MAX: usize = 512 * 1024;

#[derive(Template, WebTemplate)]
#[template(path = "admin/standards/tables.html")]
pub struct TablesPage {
    pub page: Page,
    pub id: i64,
    pub name: String,
    pub hash: String,
    pub text: String,
    pub errors: Vec<String>,
    pub kinds: String,
}

#[derive(Debug, Deserialize)]
pub struct TablesForm {
    #[serde(default)]
    pub hash: String,
    #[serde(default)]
    pub tables: String,
}

fn tables_page(page: Page, id: i64, name: String, hash: String, text: String, errors: Vec<String>) -> TablesPage {
    TablesPage {
        id,
        name,
        hash,
        text,
        errors,
        kinds: LineKind::CODES.join(" · "),
        page,
    }
}

/// `GET /admin/standards/{id}/tables` (drafts only).
pub async fn edit(
    State(state): State<AppState>,
    page: Page,
    Admin(_user): Admin,
    Path(id): Path<i64>,
) -> AppResult<TablesPage> {
    let row = super::form::load_draft(&state, id).await?;
    let s = row.standard();
    let text = serde_json::to_string_pretty(&s.tables).unwrap_or_else(|_| "[]".to_string());
    let name = format!("{} v{}", s.code, s.version);
    Ok(tables_page(page, id, name, row.content_hash.clone(), text, Vec::new()))
}

/// `POST /admin/standards/{id}/tables`: 303 to the version's page, or 422
/// with every problem and the text as typed.
pub async fn save(
    State(state): State<AppState>,
    page: Page,
    Admin(user): Admin,
    Path(id): Path<i64>,
    Form(form): Form<TablesForm>,
) -> AppResult<Response> {
    let lang = page.lang;
    let row = super::form::load_draft(&state, id).await?;
    let name = format!("{} v{}", row.code, row.version);
    let refuse = |page, errors| {
        let body = tables_page(page, id, name.clone(), form.hash.clone(), form.tables.clone(), errors);
        Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
    };
    if form.tables.len() > TEXT_MAX {
        let limit = (TEXT_MAX / 1024).to_string();
        return refuse(
            page,
            vec![i18n::t(lang, "standards.tables.too_long").replace("%{kb}", &limit)],
        );
    }
    let tables: Vec<ScoringTable> = match serde_json::from_str(&form.tables) {
        Ok(tables) => tables,
        Err(e) => {
            let message = i18n::t(lang, "standards.tables.syntax")
                .replace("%{line}", &e.line().to_string())
                .replace("%{column}", &e.column().to_string())
                .replace("%{detail}", &e.to_string());
            return refuse(page, vec![message]);
        }
    };
    match service::save_tables(&state.db, &user, id, &form.hash, tables).await {
        Ok(()) => Ok(Redirect::to(&format!("/admin/standards/{id}")).into_response()),
        Err(StandardsError::Invalid(errors)) => {
            let messages = errors.iter().map(|e| e.message(lang)).collect();
            refuse(page, messages)
        }
        Err(e) => Err(e.into_app(Some(id))),
    }
}
