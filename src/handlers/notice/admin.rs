//! The admins' side of a notice: the 文号 and the notice switch of a draft,
//! starting the notice, the objections (masked in the list, in full on
//! their own page, each view audited by ids) and their resolution.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{NaiveDate, Utc};
use serde::Deserialize;

use crate::auth::Admin;
use crate::db::batches as db_batches;
use crate::db::objections::{self, ObjectionRow};
use crate::domain::notice as rules;
use crate::error::{AppError, AppResult};
use crate::handlers::Page;
use crate::handlers::display::format_date;
use crate::services::batches::BatchError;
use crate::services::notice::{self as service, ResolveInput, Which};
use crate::state::AppState;

/// A refusal as a page: a form value → 422 on a small page naming the
/// field's problem and linking back; a wrong state → 409.
fn refused(page: &Page, back: String, err: BatchError) -> AppResult<Response> {
    match err {
        BatchError::Invalid(_, key) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            MessagePage {
                page: page.clone(),
                message: page.t(key),
                back,
            },
        )
            .into_response()),
        other => Err(AppError::from(other).linked(back)),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "notice/message.html")]
pub struct MessagePage {
    pub page: Page,
    pub message: String,
    pub back: String,
}

#[derive(Debug, Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    pub document_number: String,
    #[serde(default)]
    pub notice: String,
}

/// `POST /admin/batches/{id}/notice/settings` (`document_number`, `notice` = on | off).
pub async fn settings(
    State(state): State<AppState>,
    page: Page,
    Admin(admin): Admin,
    Path(id): Path<i64>,
    Form(form): Form<SettingsForm>,
) -> AppResult<Response> {
    let back = format!("/admin/batches/{id}");
    match service::set_settings(&state.db, admin.id, id, &form.document_number, form.notice != "off").await {
        Ok(()) => Ok(Redirect::to(&back).into_response()),
        Err(e) => refused(&page, back, e),
    }
}

#[derive(Debug, Deserialize)]
pub struct StartForm {
    #[serde(default)]
    pub starts_on: String,
    #[serde(default)]
    pub days: String,
}

/// `POST /admin/batches/{id}/notice/start` (`starts_on` YYYY-MM-DD, `days`).
pub async fn start(
    State(state): State<AppState>,
    page: Page,
    Admin(admin): Admin,
    Path(id): Path<i64>,
    Form(form): Form<StartForm>,
) -> AppResult<Response> {
    let back = format!("/admin/batches/{id}");
    let Ok(starts_on) = NaiveDate::parse_from_str(form.starts_on.trim(), "%Y-%m-%d") else {
        return refused(&page, back, BatchError::Invalid("starts_on", "notice.error.start_date"));
    };
    let days = match form.days.trim() {
        "" => rules::DEFAULT_DAYS,
        d => d.parse().unwrap_or(0),
    };
    match service::start(&state.db, admin.id, id, starts_on, days, Utc::now()).await {
        Ok(_) => Ok(Redirect::to(&back).into_response()),
        Err(e) => refused(&page, back, e),
    }
}

/// An objection as a line of the admins' list: personal data masked.
pub struct Line {
    pub id: i64,
    pub reference: String,
    pub town: String,
    pub kind: String,
    pub name: String,
    pub phone: String,
    pub submitted: String,
    pub status: String,
    pub status_code: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "notice/admin_objections.html")]
pub struct ListPage {
    pub page: Page,
    pub batch_id: i64,
    pub title: String,
    pub lines: Vec<Line>,
}

fn kind_label(page: &Page, o: &ObjectionRow) -> String {
    page.t(&format!("notice.kind.{}", o.objector_kind))
}

/// `GET /admin/batches/{id}/objections`: the batch's objections, masked.
pub async fn list(
    State(state): State<AppState>,
    page: Page,
    Admin(_): Admin,
    Path(id): Path<i64>,
) -> AppResult<ListPage> {
    let mut conn = crate::db::acquire(&state.db).await?;
    let batch = db_batches::get(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    let lines = objections::of_batch(&mut conn, id)
        .await?
        .iter()
        .map(|o| Line {
            id: o.id,
            reference: o.reference.clone(),
            town: o.town_name.clone(),
            kind: kind_label(&page, o),
            name: rules::mask_name(&o.objector_name),
            phone: rules::mask_phone(&o.phone),
            submitted: format_date(o.submitted_at),
            status: page.t(&format!("notice.objection.{}", o.status)),
            status_code: o.status.clone(),
        })
        .collect();
    Ok(ListPage {
        page,
        batch_id: id,
        title: batch.title,
        lines,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "notice/admin_objection.html")]
pub struct ShowPage {
    pub page: Page,
    pub o: ObjectionRow,
    pub kind: String,
    pub status: String,
    pub submitted: String,
    pub resolved: String,
    pub on_notice: bool,
    pub error: Option<(&'static str, String)>,
    pub typed: ResolveTyped,
}

#[derive(Debug, Default, Clone, Deserialize)]
pub struct ResolveTyped {
    #[serde(default)]
    pub decision: String,
    #[serde(default)]
    pub outcome: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub reply: String,
}

impl ShowPage {
    pub fn error_for(&self, field: &str) -> Option<String> {
        self.error.as_ref().filter(|(f, _)| *f == field).map(|(_, m)| m.clone())
    }
}

async fn show_page(state: &AppState, page: Page, admin: i64, id: i64) -> AppResult<ShowPage> {
    let o = service::view(&state.db, admin, id).await?.ok_or(AppError::NotFound)?;
    let mut conn = crate::db::acquire(&state.db).await?;
    let on_notice = db_batches::get_on_notice(&mut conn, o.batch_id).await?.is_some();
    Ok(ShowPage {
        kind: kind_label(&page, &o),
        status: page.t(&format!("notice.objection.{}", o.status)),
        submitted: o.submitted_at.format("%Y-%m-%d %H:%M UTC").to_string(),
        resolved: o.resolved_at.map(format_date).unwrap_or_default(),
        on_notice,
        error: None,
        typed: ResolveTyped::default(),
        o,
        page,
    })
}

/// `GET /admin/objections/{id}`: the objection in full (audited by ids).
pub async fn show(
    State(state): State<AppState>,
    page: Page,
    Admin(admin): Admin,
    Path(id): Path<i64>,
) -> AppResult<ShowPage> {
    show_page(&state, page, admin.id, id).await
}

/// `POST /admin/objections/{id}/resolve` (`decision` = uphold | dismiss,
/// `outcome` = returned | rejected for an upheld one, `reason`, `reply`).
pub async fn resolve(
    State(state): State<AppState>,
    page: Page,
    Admin(admin): Admin,
    Path(id): Path<i64>,
    Form(form): Form<ResolveTyped>,
) -> AppResult<Response> {
    let input = ResolveInput {
        upheld: form.decision == "uphold",
        reject: form.outcome == "rejected",
        reason: form.reason.clone(),
        reply: form.reply.clone(),
    };
    let result = if matches!(form.decision.as_str(), "uphold" | "dismiss") {
        service::resolve(&state.db, admin.id, id, &input, Utc::now()).await
    } else {
        Err(BatchError::Invalid("decision", "notice.error.decision"))
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/admin/objections/{id}")).into_response()),
        Err(BatchError::Invalid(field, key)) => {
            let message = page.t(key);
            let mut body = show_page(&state, page, admin.id, id).await?;
            body.error = Some((field, message));
            body.typed = form;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
        }
        Err(other) => Err(AppError::from(other).linked(format!("/admin/objections/{id}"))),
    }
}

/// `GET /admin/objections/{id}/files/{which}` (`letter` | `evidence`): a
/// download, audited by ids.
pub async fn file(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path((id, which)): Path<(i64, String)>,
) -> AppResult<Response> {
    let which = match which.as_str() {
        "letter" => Which::Letter,
        "evidence" => Which::Evidence,
        _ => return Err(AppError::NotFound),
    };
    let file = service::file(&state.db, admin.id, id, which)
        .await?
        .ok_or(AppError::NotFound)?;
    let ext = match file.content_type.as_str() {
        "application/pdf" => "pdf",
        "image/png" => "png",
        _ => "jpg",
    };
    let name = format!(
        "objection-{id}-{}.{ext}",
        if which == Which::Letter { "letter" } else { "evidence" }
    );
    Ok((
        [
            (header::CONTENT_TYPE, file.content_type.clone()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        file.bytes,
    )
        .into_response())
}
