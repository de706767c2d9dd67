//! `/admin/batches`: compose a draft list batch from approved proposals (or
//! a withdrawal batch removing towns of a published one), order it, preview
//! exactly what the public will see, and publish it.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::auth::Admin;
use crate::db::batches::{self as db, BatchRow};
use crate::domain::Status;
use crate::error::{AppError, AppResult};
use crate::handlers::Page;
use crate::handlers::display::format_date;
use crate::services::batches::{self as service, BatchError};
use crate::state::AppState;

pub struct BatchLine {
    pub id: i64,
    pub title: String,
    pub kind: String,
    pub published: bool,
    pub status: String,
    pub date: String,
    pub entries: i64,
}

#[derive(Debug, Default, Deserialize)]
pub struct CreateForm {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub introduction: String,
    #[serde(default)]
    pub withdraws: String,
    /// `off` publishes a list batch without public notice; anything else
    /// (or nothing) keeps the notice, the default.
    #[serde(default)]
    pub notice: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/batches.html")]
pub struct ListPage {
    pub page: Page,
    pub batches: Vec<BatchLine>,
    /// Published list batches a withdrawal may refer to.
    pub lists: Vec<(i64, String)>,
    pub form: CreateForm,
    pub error: Option<(&'static str, String)>,
}

impl ListPage {
    pub fn error_for(&self, kind: &str, field: &str) -> Option<String> {
        if self.form.kind != kind {
            return None;
        }
        self.error.as_ref().filter(|(f, _)| *f == field).map(|(_, m)| m.clone())
    }

    pub fn value(&self, kind: &str, which: &str) -> String {
        if self.form.kind != kind {
            return String::new();
        }
        match which {
            "title" => self.form.title.clone(),
            _ => self.form.introduction.clone(),
        }
    }
}

fn kind_label(page: &Page, b: &BatchRow) -> String {
    page.t(if b.is_withdrawal() {
        "public.kind.withdrawal"
    } else {
        "public.kind.list"
    })
}

async fn list_page(
    state: &AppState,
    page: Page,
    form: CreateForm,
    error: Option<(&'static str, String)>,
) -> AppResult<ListPage> {
    let mut conn = crate::db::acquire(&state.db).await?;
    let rows = db::list_all(&mut conn).await?;
    let lists = rows
        .iter()
        .filter(|b| b.is_published() && !b.is_withdrawal())
        .map(|b| (b.id, b.title.clone()))
        .collect();
    let batches = rows
        .iter()
        .map(|b| BatchLine {
            id: b.id,
            title: b.title.clone(),
            kind: kind_label(&page, b),
            published: b.is_published(),
            status: page.t(if b.is_published() {
                "admin.batches.published"
            } else if b.is_on_notice() {
                "notice.status.on_notice"
            } else {
                "admin.batches.draft"
            }),
            date: b.published_at.map(format_date).unwrap_or_default(),
            entries: b.entries,
        })
        .collect();
    Ok(ListPage {
        page,
        batches,
        lists,
        form,
        error,
    })
}

/// `GET /admin/batches`.
pub async fn list(State(state): State<AppState>, page: Page, Admin(_): Admin) -> AppResult<ListPage> {
    list_page(&state, page, CreateForm::default(), None).await
}

fn unprocessable(body: impl IntoResponse) -> AppResult<Response> {
    Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
}

/// `POST /admin/batches` (`kind` = list | withdrawal, `title`,
/// `introduction`, `withdraws` for a withdrawal): a new draft.
pub async fn create(
    State(state): State<AppState>,
    page: Page,
    Admin(admin): Admin,
    Form(form): Form<CreateForm>,
) -> AppResult<Response> {
    let result = match form.kind.as_str() {
        "withdrawal" => {
            let withdraws = form.withdraws.trim().parse().unwrap_or(0);
            service::create_withdrawal_batch(&state.db, admin.id, withdraws, &form.title, &form.introduction).await
        }
        _ if form.notice == "off" => {
            service::create_list_batch_without_notice(&state.db, admin.id, &form.title, &form.introduction).await
        }
        _ => service::create_list_batch(&state.db, admin.id, &form.title, &form.introduction).await,
    };
    match result {
        Ok(id) => Ok(Redirect::to(&format!("/admin/batches/{id}")).into_response()),
        Err(BatchError::Invalid(field, key)) => {
            let message = page.t(key);
            let mut form = form;
            if form.kind != "withdrawal" {
                form.kind = "list".to_owned();
            }
            unprocessable(list_page(&state, page, form, Some((field, message))).await?)
        }
        Err(e) => Err(e.into()),
    }
}

pub struct EntryLine {
    pub id: i64,
    pub proposal_id: i64,
    pub position: i32,
    pub name: String,
    pub region: String,
    pub status: &'static str,
    pub status_code: String,
    pub reason: String,
    /// Withdrawn for missing its targets (追惩制).
    pub missed_targets: bool,
    pub first: bool,
    pub last: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/batch.html")]
pub struct BatchEditPage {
    pub page: Page,
    pub id: i64,
    pub title: String,
    pub introduction: String,
    pub kind: String,
    pub is_withdrawal: bool,
    pub published: bool,
    pub date: String,
    pub hash: Option<String>,
    pub withdraws: Option<(i64, String)>,
    pub entries: Vec<EntryLine>,
    /// (proposal id, "name · region") that may be added.
    pub candidates: Vec<(i64, String)>,
    pub error: Option<(&'static str, String)>,
    /// Values kept after a refused form.
    pub typed_title: Option<String>,
    pub typed_introduction: Option<String>,
    pub typed_reason: String,
    /// The batch is on public notice: its towns are frozen.
    pub on_notice: bool,
    pub notice: crate::handlers::display::NoticePanel,
}

impl BatchEditPage {
    pub fn error_for(&self, field: &str) -> Option<String> {
        self.error.as_ref().filter(|(f, _)| *f == field).map(|(_, m)| m.clone())
    }

    pub fn title_value(&self) -> &str {
        self.typed_title.as_deref().unwrap_or(&self.title)
    }

    pub fn introduction_value(&self) -> &str {
        self.typed_introduction.as_deref().unwrap_or(&self.introduction)
    }
}

async fn edit_page(state: &AppState, page: Page, id: i64) -> AppResult<BatchEditPage> {
    let mut conn = crate::db::acquire(&state.db).await?;
    let batch = db::get(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    let entries = db::entries(&mut conn, id).await?;
    let n = entries.len();
    let lang = page.lang;
    let entries = entries
        .into_iter()
        .enumerate()
        .map(|(i, e)| EntryLine {
            id: e.id,
            proposal_id: e.proposal_id,
            position: i as i32 + 1,
            name: e.proposal_name,
            region: e.region_name,
            status: Status::from_code(&e.proposal_status)
                .map(|s| s.label(lang))
                .unwrap_or(""),
            status_code: e.proposal_status,
            reason: e.reason,
            missed_targets: e.missed_targets,
            first: i == 0,
            last: i + 1 == n,
        })
        .collect();
    let candidates = if batch.is_published() || batch.is_on_notice() {
        Vec::new()
    } else {
        match batch.withdraws_batch_id {
            None => db::list_candidates(&mut conn, id).await?,
            Some(list) => db::withdrawal_candidates(&mut conn, list, id).await?,
        }
        .into_iter()
        .map(|c| (c.id, format!("{} · {}", c.name, c.region_name)))
        .collect()
    };
    let withdraws = match batch.withdraws_batch_id {
        Some(w) => db::get(&mut conn, w).await?.map(|b| (b.id, b.title)),
        None => None,
    };
    let on_notice = batch.is_on_notice();
    let notice = crate::handlers::display::NoticePanel::of(&mut conn, &batch).await?;
    Ok(BatchEditPage {
        kind: kind_label(&page, &batch),
        id,
        is_withdrawal: batch.is_withdrawal(),
        published: batch.is_published(),
        date: batch.published_at.map(format_date).unwrap_or_default(),
        hash: batch.content_hash,
        title: batch.title,
        introduction: batch.introduction,
        withdraws,
        entries,
        candidates,
        error: None,
        typed_title: None,
        typed_introduction: None,
        typed_reason: String::new(),
        on_notice,
        notice,
        page,
    })
}

/// `GET /admin/batches/{id}`: the draft's editor (or a published batch's
/// summary).
pub async fn show(
    State(state): State<AppState>,
    page: Page,
    Admin(_): Admin,
    Path(id): Path<i64>,
) -> AppResult<BatchEditPage> {
    edit_page(&state, page, id).await
}

/// A refusal of the service, as the page answers it: form errors re-render
/// the editor (422); a wrong state is a 409 page linking back.
pub(super) async fn refused(
    state: &AppState,
    page: Page,
    id: i64,
    err: BatchError,
    keep: impl FnOnce(&mut BatchEditPage),
) -> AppResult<Response> {
    match err {
        BatchError::Invalid(field, key) => {
            let message = page.t(key);
            // Notice fields answer on the same page as the rest.
            let mut body = edit_page(state, page, id).await?;
            body.error = Some((field, message));
            keep(&mut body);
            unprocessable(body)
        }
        other => Err(AppError::from(other).linked(format!("/admin/batches/{id}"))),
    }
}

#[derive(Debug, Deserialize)]
pub struct TextForm {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub introduction: String,
}

/// `POST /admin/batches/{id}`: title and introduction of a draft.
pub async fn update(
    State(state): State<AppState>,
    page: Page,
    Admin(admin): Admin,
    Path(id): Path<i64>,
    Form(form): Form<TextForm>,
) -> AppResult<Response> {
    match service::update_text(&state.db, admin.id, id, &form.title, &form.introduction).await {
        Ok(()) => Ok(Redirect::to(&format!("/admin/batches/{id}")).into_response()),
        Err(e) => {
            refused(&state, page, id, e, |p| {
                p.typed_title = Some(form.title);
                p.typed_introduction = Some(form.introduction);
            })
            .await
        }
    }
}

/// `POST /admin/batches/{id}/publish`: one transaction; a second click or a
/// concurrent publication → 409.
pub async fn publish(
    State(state): State<AppState>,
    page: Page,
    Admin(admin): Admin,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    match service::publish(&state.db, admin.id, id).await {
        Ok(_) => Ok(Redirect::to(&format!("/batches/{id}")).into_response()),
        Err(e) => refused(&state, page, id, e, |_| {}).await,
    }
}
