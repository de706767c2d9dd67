//! The whole route table. Each role's section is nested behind a guard
//! layer; handlers additionally take the role's extractor.

use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware;
use axum::routing::{get, post};
use axum_login::AuthManagerLayerBuilder;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use crate::auth::{Backend, csrf, extract};
use crate::handlers::{self, account, admin, api, creation, errors, health, proposals, public, review, standards};
use crate::state::AppState;

/// Sessions end after this long without a request.
pub const IDLE_TIMEOUT_MINUTES: i64 = 30;
/// Largest request body of all: an upload (whose route sets its own limit
/// for the extractors) with its multipart framing; an objection may carry
/// two files of 20 MB.
const BODY_LIMIT: usize = handlers::notice::OBJECTION_BODY_LIMIT;

pub fn build_app(state: AppState) -> Router {
    // Anyone, signed in or not.
    let public = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/lang/{code}", get(handlers::switch_language))
        .route("/login", get(account::login_form).post(account::login))
        .route("/logout", post(account::logout))
        .route(
            "/account/password",
            get(account::password_form).post(account::change_password),
        )
        .route("/static/{hash}/{*path}", get(crate::assets::serve))
        .merge(public::routes())
        .merge(handlers::notice::public_routes())
        .merge(creation::public_routes())
        .merge(api::routes());

    // Every signed-in role; handlers narrow further (an official sees only
    // their region's records).
    let signed_in = guarded(proposals::shared_routes(), extract::signed_in_area);
    let officials = guarded(
        proposals::official_routes().merge(creation::official_routes()),
        extract::officials_area,
    );
    let reviewers = guarded(
        review::routes().merge(creation::reviewer_routes()),
        extract::reviewers_area,
    );
    let staff = guarded(standards::staff_routes(), extract::staff_area);
    let admins = guarded(
        admin::routes()
            .merge(standards::admin_routes())
            .merge(creation::admin_routes())
            .merge(handlers::notice::admin_routes()),
        extract::admins_area,
    );

    let store = crate::db::sessions::PgSessionStore::new(state.db.clone());
    let sessions = SessionManagerLayer::new(store)
        .with_name("xiaozhen_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.config.secure_cookies)
        .with_expiry(Expiry::OnInactivity(time::Duration::minutes(IDLE_TIMEOUT_MINUTES)))
        // The idle timeout slides with each request; the store skips the
        // writes that would only move it by seconds.
        .with_always_save(true);
    let auth = AuthManagerLayerBuilder::new(Backend::new(state.db.clone()), sessions).build();

    Router::new()
        .merge(public)
        .merge(signed_in)
        .merge(officials)
        .merge(reviewers)
        .merge(staff)
        .merge(admins)
        .fallback(errors::not_found)
        // Every extractor's limit, forms', raw bodies' and JSON's: upload
        // routes and the API raise it on their own routes.
        .layer(DefaultBodyLimit::max(csrf::MAX_FORM_BYTES))
        // Innermost first: CSRF needs the session; error pages need the
        // session's user and language, so they sit inside the auth layer.
        .layer(middleware::from_fn_with_state(state.config.clone(), csrf::protect))
        .layer(middleware::from_fn(errors::render))
        .layer(auth)
        .layer(middleware::from_fn(crate::auth::signed_in_slot))
        .layer(middleware::from_fn(errors::session_store_failures))
        .layer(
            ServiceBuilder::new()
                .layer(TraceLayer::new_for_http().make_span_with(handlers::request_span))
                .layer(CatchPanicLayer::custom(errors::panic_response))
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::SERVICE_UNAVAILABLE,
                    Duration::from_secs(30),
                ))
                .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
                .layer(CompressionLayer::new())
                .layer(security_header("x-content-type-options", "nosniff"))
                .layer(security_header("referrer-policy", "same-origin"))
                .layer(security_header("x-frame-options", "DENY"))
                .layer(security_header(
                    "content-security-policy",
                    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                     object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
                )),
        )
        .layer(axum::Extension(state.pages.clone()))
        .with_state(state)
}

/// Puts a role section behind its guard layer (an empty section has none:
/// axum refuses a layer on no routes).
fn guarded<F, Fut>(router: Router<AppState>, guard: F) -> Router<AppState>
where
    F: Fn(axum::extract::Request, middleware::Next) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = axum::response::Response> + Send + 'static,
{
    if router.has_routes() {
        router.route_layer(middleware::from_fn(guard))
    } else {
        router
    }
}

fn security_header(name: &'static str, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(HeaderName::from_static(name), HeaderValue::from_static(value))
}
