//! The public side of a notice: the notice page, the A4 print view of a
//! notice or a published list, the objection form and the status lookup.
//! No page here shows an objector's name, contact or phone number.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;

use super::batch::{BatchView, attachment, batch_view, id_and_extension};
use crate::auth::AuthSession;
use crate::auth::client::ClientAddr;
use crate::domain::notice::{self as rules, ObjectionInput, TokenProblem};
use crate::domain::publication::NoticeChange;
use crate::error::{AppError, AppResult};
use crate::handlers::Page;
use crate::handlers::display::NoticeDates;
use crate::services::batches::public_batch_summary;
use crate::services::notice::{self as service, ObjectionForm, ObjectionRefused};
use crate::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "notice/notice.html")]
pub struct NoticePage {
    pub page: Page,
    pub batch: BatchView,
    pub document_number: String,
    pub dates: NoticeDates,
    pub hash: String,
    pub changes: Vec<NoticeChange>,
}

/// `GET /notices/{file}`: `{id}` a batch on notice with its frozen towns,
/// the dates, the time left and how to object; `{id}.json` the notice's
/// canonical JSON, the exact bytes whose SHA-256 the page shows (anyone may
/// check it; it holds the towns and the changes, no objector). A published
/// batch's notice is its page (and its JSON the published one).
pub async fn show(State(state): State<AppState>, page: Page, Path(file): Path<String>) -> AppResult<Response> {
    let (id, ext) = id_and_extension(&file)?;
    if ext.is_some_and(|e| e != "json") {
        return Err(AppError::NotFound);
    }
    let mut conn = crate::db::acquire(&state.db).await?;
    if ext.is_some()
        && let Some(public) = service::notice_canonical(&mut conn, id).await?
    {
        let name = format!("notice-{id}.json");
        return Ok(attachment(
            "application/json",
            name,
            public.canonical_json().into_bytes(),
        ));
    }
    let Some((batch, public)) = service::public_notice(&mut conn, id).await? else {
        if crate::db::batches::get_published(&mut conn, id).await?.is_some() {
            return Ok(axum::response::Redirect::to(&format!("/batches/{file}")).into_response());
        }
        return Err(AppError::NotFound);
    };
    let view = batch_view(&mut conn, &page, &batch, &public).await?;
    Ok(NoticePage {
        page,
        batch: view,
        document_number: batch.document_number.clone(),
        dates: NoticeDates::of(&batch).unwrap_or_default(),
        hash: batch.notice_hash.clone().unwrap_or_default(),
        changes: batch.notice_changes.0.clone(),
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "notice/print.html")]
pub struct PrintPage {
    pub page: Page,
    pub batch: BatchView,
    pub document_number: String,
    pub dates: Option<NoticeDates>,
    /// The notice (公示) rather than the published list (名单).
    pub on_notice: bool,
    pub changes: Vec<NoticeChange>,
    pub hash: String,
}

/// `GET /batches/{id}/print`: the notice, or the published list, laid out
/// for A4 paper as an official document with its 文号.
pub async fn print(State(state): State<AppState>, page: Page, Path(file): Path<String>) -> AppResult<PrintPage> {
    let (id, None) = id_and_extension(&file)? else {
        return Err(AppError::NotFound);
    };
    let mut conn = crate::db::acquire(&state.db).await?;
    let (batch, public, on_notice) = match service::public_notice(&mut conn, id).await? {
        Some((b, p)) => (b, p, true),
        None => {
            let (b, p) = public_batch_summary(&mut conn, id).await?.ok_or(AppError::NotFound)?;
            (b, (*p).clone(), false)
        }
    };
    let view = batch_view(&mut conn, &page, &batch, &public).await?;
    let hash = if on_notice {
        batch.notice_hash.clone()
    } else {
        batch.content_hash.clone()
    };
    Ok(PrintPage {
        page,
        batch: view,
        document_number: batch.document_number.clone(),
        dates: NoticeDates::of(&batch),
        on_notice,
        changes: batch.notice_changes.0.clone(),
        hash: hash.unwrap_or_default(),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "notice/object.html")]
pub struct ObjectionPage {
    pub page: Page,
    pub batch_id: i64,
    pub title: String,
    pub dates: NoticeDates,
    /// (proposal id, "name · region") of the towns on notice.
    pub towns: Vec<(String, String)>,
    pub token: String,
    pub typed: ObjectionInput,
    pub errors: Vec<(&'static str, String)>,
    /// A message about the whole form.
    pub message: Option<String>,
}

impl ObjectionPage {
    pub fn error_for(&self, field: &str) -> Option<String> {
        self.errors.iter().find(|(f, _)| *f == field).map(|(_, m)| m.clone())
    }

    pub fn is_organisation(&self) -> bool {
        self.typed.kind == "organisation"
    }
}

/// The form's page; anonymous visitors get their session's CSRF token here.
async fn objection_page(
    state: &AppState,
    page: Page,
    auth: &AuthSession,
    id: i64,
    typed: ObjectionInput,
) -> AppResult<ObjectionPage> {
    let page = page.with_csrf(auth).await?;
    let mut conn = crate::db::acquire(&state.db).await?;
    let (batch, public) = service::public_notice(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    drop(conn);
    let dates = NoticeDates::of(&batch).unwrap_or_default();
    if !dates.open {
        return Err(AppError::from(ObjectionRefused::Closed).linked(format!("/notices/{id}")));
    }
    Ok(ObjectionPage {
        page,
        batch_id: id,
        title: batch.title,
        dates,
        towns: public
            .towns
            .iter()
            .map(|t| (t.proposal_id.to_string(), format!("{} · {}", t.name, t.region)))
            .collect(),
        token: service::form_token(&state.db, id, Utc::now()).await?,
        typed,
        errors: Vec::new(),
        message: None,
    })
}

/// `GET /notices/{id}/object`: the objection form (while the notice is open).
pub async fn form(
    State(state): State<AppState>,
    page: Page,
    auth: AuthSession,
    Path(id): Path<i64>,
) -> AppResult<ObjectionPage> {
    let typed = ObjectionInput {
        kind: "person".to_owned(),
        ..Default::default()
    };
    objection_page(&state, page, &auth, id, typed).await
}

/// What the multipart form sent, read within its limits.
#[derive(Default)]
struct Sent {
    input: ObjectionInput,
    token: String,
    honeypot: String,
    letter: Option<Vec<u8>>,
    evidence: Option<Vec<u8>>,
    /// A file was larger than allowed: (field, key).
    too_large: Vec<(&'static str, &'static str)>,
}

/// Longest text field read (the grounds' 2,000 characters are at most 8,000 bytes).
const TEXT_FIELD_MAX: usize = 16 * 1024;
/// Most parts read: the form has ten; a request with more (one field sent
/// 100,000 times, say) is refused before the rest of it is read.
const PARTS_MAX: usize = 32;

async fn read_form(multipart: &mut Multipart) -> Result<Sent, AppError> {
    let mut sent = Sent::default();
    for parts in 1.. {
        let mut field = match multipart.next_field().await {
            Ok(Some(_)) if parts > PARTS_MAX => return Err(AppError::TooLarge("notice.error.fields")),
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) => return Err(AppError::TooLarge("error.too_large.body")),
        };
        let name = field.name().unwrap_or("").to_owned();
        let limit = match name.as_str() {
            "letter" | "evidence" => rules::FILE_MAX_BYTES,
            _ => TEXT_FIELD_MAX,
        };
        let mut bytes = Vec::new();
        let mut over = false;
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) if !over && bytes.len() + chunk.len() <= limit => bytes.extend_from_slice(&chunk),
                Ok(Some(_)) => over = true,
                Ok(None) => break,
                Err(_) => return Err(AppError::TooLarge("error.too_large.body")),
            }
        }
        let text = || String::from_utf8_lossy(&bytes).replace('\0', "");
        match name.as_str() {
            "letter" | "evidence" => {
                let which = if name == "letter" { "letter" } else { "evidence" };
                if over {
                    sent.too_large.push((which, "notice.error.file_large"));
                } else if !bytes.is_empty() {
                    let slot = if which == "letter" {
                        &mut sent.letter
                    } else {
                        &mut sent.evidence
                    };
                    *slot = Some(bytes);
                }
            }
            _ if over => return Err(AppError::TooLarge("error.too_large.body")),
            "kind" => sent.input.kind = text(),
            "name" => sent.input.name = text(),
            "contact" => sent.input.contact = text(),
            "phone" => sent.input.phone = text(),
            "town" => sent.input.town = text(),
            "grounds" => sent.input.grounds = text().replace("\r\n", "\n"),
            "form_token" => sent.token = text(),
            "website" => sent.honeypot = text(),
            _ => {}
        }
    }
    Ok(sent)
}

#[derive(Template, WebTemplate)]
#[template(path = "notice/received.html")]
pub struct ReceivedPage {
    pub page: Page,
    pub reference: String,
    pub batch_id: i64,
    pub title: String,
}

/// `POST /notices/{id}/object?csrf_token=…` (multipart): takes an
/// objection and shows its reference number; a refused form comes back
/// with what was typed (422), too many from one address 429.
pub async fn submit(
    State(state): State<AppState>,
    page: Page,
    auth: AuthSession,
    ClientAddr(address): ClientAddr,
    Path(id): Path<i64>,
    multipart: Result<Multipart, MultipartRejection>,
) -> AppResult<Response> {
    let mut multipart = multipart.map_err(|_| AppError::BadRequest("notice.error.form"))?;
    let sent = read_form(&mut multipart).await?;
    let typed = sent.input.clone();
    let too_large = sent.too_large.clone();
    let form = ObjectionForm {
        batch_id: id,
        token: sent.token,
        honeypot: sent.honeypot,
        input: sent.input,
        letter: sent.letter,
        evidence: sent.evidence,
        address,
    };
    let result = if too_large.is_empty() {
        service::object(&state.db, form, Utc::now()).await
    } else {
        Err(ObjectionRefused::Invalid(too_large))
    };
    let (status, errors, message) = match result {
        Ok(reference) => {
            let mut conn = crate::db::acquire(&state.db).await?;
            let title = crate::db::batches::get(&mut conn, id)
                .await?
                .map(|b| b.title)
                .unwrap_or_default();
            return Ok(ReceivedPage {
                page,
                reference,
                batch_id: id,
                title,
            }
            .into_response());
        }
        Err(e @ (ObjectionRefused::NotFound | ObjectionRefused::Closed | ObjectionRefused::Db(_))) => {
            return Err(AppError::from(e).linked(format!("/notices/{id}")));
        }
        Err(ObjectionRefused::Invalid(problems)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            problems.into_iter().map(|(f, k)| (f, page.t(k))).collect(),
            Some("notice.error.check_fields"),
        ),
        Err(ObjectionRefused::Token(TokenProblem::TooFast)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Vec::new(),
            Some("notice.error.too_fast"),
        ),
        Err(ObjectionRefused::Token(_)) => (StatusCode::UNPROCESSABLE_ENTITY, Vec::new(), Some("notice.error.token")),
        Err(ObjectionRefused::Honeypot) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Vec::new(),
            Some("notice.error.rejected"),
        ),
        Err(ObjectionRefused::Limited) => (StatusCode::TOO_MANY_REQUESTS, Vec::new(), Some("notice.error.limited")),
    };
    let message = message.map(|k| page.t(k));
    let mut body = objection_page(&state, page, &auth, id, typed).await?;
    body.errors = errors;
    body.message = message;
    Ok((status, body).into_response())
}
