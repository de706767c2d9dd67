//! Web handlers, one module per page area. Handlers are thin: extract and
//! authorise, call a service (or read the store), render. A page module
//! owns its template struct and imports the display kit ([`display`]) and
//! this module's [`Page`], never another page module; every route is in
//! `routes.rs`.

pub mod account;
pub mod admin;
pub mod api;
pub mod boundaries;
pub mod chair;
pub mod creation;
pub mod dashboard;
pub mod display;
pub mod errors;
pub mod expert;
pub mod experts;
pub mod health;
pub mod materials;
pub mod notice;
pub mod panels;
pub mod proposals;
pub mod public;
pub mod redirect;
pub mod report;
pub mod review;
pub mod rounds;
pub mod spreadsheets;
pub mod standards;

use axum::extract::{FromRequestParts, MatchedPath, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Request, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use serde::Deserialize;

use crate::auth::{AuthSession, User, csrf};
use crate::domain::{Lang, Role};
use crate::error::AppError;
use crate::i18n::{self, LANG_COOKIE};
pub use redirect::safe_next;

/// What the layout needs on every page: language, the signed-in user for the
/// navigation, the CSRF token for forms, and the current path.
#[derive(Debug, Clone)]
pub struct Page {
    pub lang: Lang,
    pub user: Option<NavUser>,
    pub csrf: String,
    pub path: String,
    /// The user's to-do count (待办), read with the session.
    pub todo: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct NavUser {
    pub display_name: String,
    pub role: Role,
    pub region_name: Option<String>,
    pub must_change_password: bool,
}

impl NavUser {
    fn from_user(user: &User) -> Self {
        NavUser {
            display_name: user.display_name.clone(),
            role: user.role,
            region_name: user.region_name.clone(),
            must_change_password: user.must_change_password,
        }
    }
}

impl Page {
    pub fn t(&self, key: &str) -> String {
        i18n::t(self.lang, key)
    }

    pub fn asset(&self, name: &str) -> String {
        crate::assets::url(name)
    }

    pub fn html_lang(&self) -> &'static str {
        self.lang.code()
    }

    pub fn is_en(&self) -> bool {
        self.lang == Lang::En
    }

    /// Link that switches the language and comes back to this page.
    pub fn switch_link(&self, code: &str) -> String {
        format!(
            "/lang/{code}?next={}",
            url::form_urlencoded::byte_serialize(self.path.as_bytes()).collect::<String>()
        )
    }

    pub fn role_is(&self, role: &str) -> bool {
        self.user
            .as_ref()
            .is_some_and(|u| u.role.as_str() == role && !u.must_change_password)
    }

    /// Whether the navigation shows the to-do entry: someone signed in
    /// with no password change owed.
    pub fn show_todo(&self) -> bool {
        self.todo.is_some() && self.user.as_ref().is_some_and(|u| !u.must_change_password)
    }

    /// The to-do count for the navigation (0 when unknown).
    pub fn todo_count(&self) -> i64 {
        self.todo.unwrap_or(0)
    }

    pub fn role_label(&self) -> &'static str {
        self.user.as_ref().map(|u| u.role.label(self.lang)).unwrap_or("")
    }

    /// Like [`Page::current`], but not inside `except` (a section of its own
    /// in the navigation).
    pub fn current_except(&self, prefix: &str, except: &str) -> &'static str {
        if self.current(except) == "page" {
            "false"
        } else {
            self.current(prefix)
        }
    }

    /// Marks the navigation entry of the current section.
    pub fn current(&self, prefix: &str) -> &'static str {
        let here = self.path.split('?').next().unwrap_or("");
        if here == prefix || here.starts_with(&format!("{prefix}/")) {
            "page"
        } else {
            "false"
        }
    }

    /// Builds the page context outside an extractor (error pages).
    pub async fn build(headers: &HeaderMap, uri: &Uri, auth: Option<&AuthSession>) -> Page {
        let lang = i18n::page_lang(headers);
        let user = auth.and_then(|a| a.user.as_ref()).map(NavUser::from_user);
        let csrf = match (auth, &user) {
            (Some(a), Some(_)) => csrf::token(&a.session).await.unwrap_or_default(),
            _ => String::new(),
        };
        let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/").to_owned();
        let todo = user.as_ref().and(crate::db::sessions::todo_count());
        Page {
            lang,
            user,
            csrf,
            path,
            todo,
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Page {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let auth = AuthSession::from_request_parts(parts, state).await.ok();
        Ok(Page::build(&parts.headers, &parts.uri, auth.as_ref()).await)
    }
}

impl Page {
    /// A page whose form must work for anonymous visitors too (login): the
    /// session is created for the token.
    pub async fn with_csrf(mut self, auth: &AuthSession) -> Result<Page, AppError> {
        self.csrf = csrf::token(&auth.session).await?;
        Ok(self)
    }
}

#[derive(Debug, Deserialize)]
pub struct NextQuery {
    pub next: Option<String>,
}

/// `GET /lang/{code}?next=…`: remembers the language in a cookie for a year.
/// Secure behind HTTPS like the session cookie (`XIAOZHEN_SECURE_COOKIES`).
pub async fn switch_language(
    State(state): State<crate::state::AppState>,
    Path(code): Path<String>,
    Query(q): Query<NextQuery>,
    jar: CookieJar,
) -> Response {
    let lang = Lang::parse(&code).unwrap_or_default();
    let cookie = Cookie::build((LANG_COOKIE, lang.code()))
        .path("/")
        .same_site(SameSite::Lax)
        .secure(state.config.secure_cookies)
        .max_age(time::Duration::days(365))
        .build();
    let target = safe_next(q.next.as_deref()).unwrap_or_else(|| "/".to_owned());
    (jar.add(cookie), Redirect::to(&target)).into_response()
}

/// One span per request, named by the route pattern (not the raw path, which
/// holds ids).
pub fn request_span<B>(request: &Request<B>) -> tracing::Span {
    let route = request.extensions().get::<MatchedPath>().map(|m| m.as_str().to_owned());
    tracing::info_span!(
        "request",
        method = %request.method(),
        route = route.as_deref().unwrap_or("-"),
        agent = request.headers().get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("").len(),
    )
}
