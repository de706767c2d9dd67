//! The whole route table: every route of the application, grouped by who
//! may reach it. Each role's section is nested behind a guard layer;
//! handlers additionally take the role's extractor. Handler modules export
//! functions only.

use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::{self, from_fn};
use axum::routing::{get, post};
use axum::{Extension, Router};
use axum_login::AuthManagerLayerBuilder;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Backend, csrf, extract};
use crate::handlers::{
    self, account, admin, api, boundaries, creation, dashboard, errors, health, materials, notice, proposals, public,
    report, review, rounds, spreadsheets, standards,
};
use crate::page_cache;
use crate::services::spreadsheets::MAX_BYTES;
use crate::state::AppState;

/// Sessions end after this long without a request.
pub const IDLE_TIMEOUT_MINUTES: i64 = 30;
/// The extractors' limit on an upload route: the file and its framing.
const UPLOAD_LIMIT: usize = MAX_BYTES + 1024 * 1024;

pub fn build_app(state: AppState) -> Router {
    // Anyone, signed in or not.
    let (api_routes, api_doc) = api_routes().split_for_parts();
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
        .route("/", get(public::home))
        // `{id}`, `{id}.csv`, `{id}.xlsx` or `{id}.json`: axum matches one
        // segment, the handler splits the extension.
        .route("/batches/{file}", get(public::batch::show))
        .route("/towns/{id}", get(public::town::show))
        .route("/creation/{year}", get(public::creation::public_year))
        // Public notice (公示): the notice, its A4 print, objections without an account.
        // `{id}` the notice, `{id}.json` its canonical JSON (the bytes of its hash).
        .route("/notices/{id}", get(public::notice::show))
        .route("/batches/{file}/print", get(public::notice::print))
        .route(
            "/notices/{id}/object",
            get(public::notice::form)
                .post(public::notice::submit)
                .layer(DefaultBodyLimit::max(notice::OBJECTION_BODY_LIMIT)),
        )
        .route(
            "/objections/status",
            get(public::objection_status::status_form).post(public::objection_status::status),
        )
        .merge(api_routes.layer(Extension(api::Description::new(&api_doc))));

    // Every signed-in role; handlers narrow further (an official sees only
    // their region's records).
    let signed_in = Router::new()
        .route(
            "/proposals/{id}",
            get(proposals::view::show).layer(from_fn(page_cache::serve)),
        )
        .route(
            "/proposals/{id}/report",
            get(report::report).layer(from_fn(page_cache::serve)),
        )
        .route("/dashboard", get(dashboard::show))
        // Each user's to-do list (待办); its count is in the navigation.
        .route("/todo", get(rounds::todo::show))
        // Whoever may see the proposal sees its materials; anyone else 404.
        .route("/proposals/{id}/materials", get(materials::show))
        .route("/proposals/{id}/materials/{material}", get(materials::download))
        .route("/proposals/{id}/materials/{material}/inline", get(materials::inline))
        .route("/proposals/{id}/materials/{material}/preview", get(materials::preview))
        // The boundary: its page and its coordinates, for whoever may see the proposal.
        .route("/proposals/{id}/boundary", get(boundaries::show))
        .route("/proposals/{id}/boundary.geojson", get(boundaries::download_current))
        .route(
            "/proposals/{id}/boundaries/{boundary}",
            get(boundaries::download_version),
        );

    // Officials (and admins, who may act for any region).
    let officials = Router::new()
        .route(
            "/proposals",
            get(proposals::list::list)
                .layer(from_fn(page_cache::serve))
                .post(proposals::form::create),
        )
        .route("/proposals/new", get(proposals::form::new))
        .route("/proposals/live", post(proposals::live::live))
        .route("/proposals/{id}/edit", get(proposals::form::edit))
        .route("/proposals/{id}", post(proposals::form::update))
        .route("/proposals/{id}/submit", post(proposals::actions::submit))
        .route("/proposals/{id}/withdraw", post(proposals::actions::withdraw))
        .route(
            "/proposals/{id}/materials",
            post(materials::upload).layer(DefaultBodyLimit::max(materials::UPLOAD_BODY_BYTES)),
        )
        .route("/proposals/{id}/materials/{material}/remove", post(materials::remove))
        .route(
            "/proposals/{id}/boundary",
            post(boundaries::upload).layer(DefaultBodyLimit::max(boundaries::UPLOAD_BODY_BYTES)),
        )
        .route("/proposals/{id}/boundary/remove", post(boundaries::remove))
        .route(
            "/proposals/{id}/self-assessment",
            get(proposals::self_assessment::show).post(proposals::self_assessment::save),
        )
        .route(
            "/proposals/{id}/self-assessment/live",
            post(proposals::self_assessment::live),
        )
        .route("/proposals/template.xlsx", get(spreadsheets::proposals::template))
        .route("/proposals/export.xlsx", get(spreadsheets::export::export_xlsx))
        .route("/proposals/export.csv", get(spreadsheets::export::export_csv))
        .route(
            "/proposals/import",
            get(spreadsheets::proposals::import_form)
                .post(spreadsheets::proposals::upload)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route("/proposals/import/{id}", get(spreadsheets::proposals::preview))
        .route(
            "/proposals/import/{id}/progress",
            get(spreadsheets::proposals::progress),
        )
        .route("/proposals/import/{id}/confirm", post(spreadsheets::proposals::confirm))
        .route(
            "/proposals/import/{id}/errors.xlsx",
            get(spreadsheets::proposals::error_file),
        )
        .route(
            "/proposals/{id}/reports",
            get(creation::reports::reports_page).post(creation::reports::save_report),
        )
        .route("/proposals/reports/template.xlsx", get(spreadsheets::reports::template))
        .route(
            "/proposals/reports/import",
            get(spreadsheets::reports::import_page)
                .post(spreadsheets::reports::upload)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        );

    // City users: the pre-review of their counties' proposals.
    let cities = Router::new()
        .route("/city", get(rounds::city::home))
        .route("/city/proposals/{id}", get(rounds::city::show))
        .route("/city/proposals/{id}/recommend", post(rounds::city::recommend))
        .route("/city/proposals/{id}/return", post(rounds::city::return_to_county));

    // Reviewers.
    let reviewers = Router::new()
        .route("/review/formal", get(rounds::formal::list))
        .route("/review/formal/{id}", get(rounds::formal::show))
        .route("/review/formal/{id}/complete", post(rounds::formal::complete))
        .route("/review/formal/{id}/return", post(rounds::formal::return_to_county))
        .route("/review", get(review::queue).layer(from_fn(page_cache::serve)))
        .route("/review/export.xlsx", get(review::export::review_export_xlsx))
        .route("/review/export.csv", get(review::export::review_export_csv))
        .route("/proposals/{id}/decision", post(report::decision::decide))
        .route("/proposals/{id}/overrides", post(report::decision::override_finding))
        .route("/review/creation", get(creation::review::review_list))
        .route("/review/creation/{id}", get(creation::review::review_town))
        .route("/review/creation/{id}/grade", post(creation::grading::confirm_grade))
        .route(
            "/review/creation/{id}/acceptance",
            post(creation::review::decide_acceptance),
        );

    // Reviewers and admins (asking for a re-evaluation).
    let staff = Router::new().route("/proposals/{id}/reevaluate", post(standards::actions::reevaluate));

    // Admins: users and regions, batches, audit log, standards, creation.
    let admins = Router::new()
        .route("/admin", get(admin::home))
        .route("/admin/users", get(admin::users::list).post(admin::users::create))
        .route("/admin/users/{id}", get(admin::users::show))
        .route("/admin/users/{id}/role", post(admin::users::change_role))
        .route("/admin/users/{id}/active", post(admin::users::set_active))
        .route("/admin/users/{id}/password", post(admin::users::reset_password))
        .route("/admin/regions", post(admin::regions::add_region))
        .route("/admin/regions/{id}", post(admin::regions::rename_region))
        .route("/admin/regions/{id}/city", post(admin::regions::assign_city))
        .route("/admin/rounds", get(rounds::admin::list).post(rounds::admin::create))
        .route(
            "/admin/rounds/{id}",
            get(rounds::admin::show).post(rounds::admin::update),
        )
        .route("/admin/rounds/{id}/close", post(rounds::admin::close))
        .route("/admin/batches", get(admin::batches::list).post(admin::batches::create))
        .route(
            "/admin/batches/{id}",
            get(admin::batches::show).post(admin::batches::update),
        )
        .route("/admin/batches/{id}/preview", get(public::batch::preview))
        .route("/admin/batches/{id}/entries", post(admin::batch_entries::add_entry))
        .route("/admin/batches/{id}/notice/settings", post(notice::admin::settings))
        .route("/admin/batches/{id}/notice/start", post(notice::admin::start))
        .route("/admin/batches/{id}/objections", get(notice::admin::list))
        .route("/admin/objections/{id}", get(notice::admin::show))
        .route("/admin/objections/{id}/resolve", post(notice::admin::resolve))
        .route("/admin/objections/{id}/files/{which}", get(notice::admin::file))
        .route(
            "/admin/batches/{id}/entries/{entry}/remove",
            post(admin::batch_entries::remove_entry),
        )
        .route(
            "/admin/batches/{id}/entries/{entry}/move",
            post(admin::batch_entries::move_entry),
        )
        .route(
            "/admin/batches/{id}/entries/{entry}/reason",
            post(admin::batch_entries::set_reason),
        )
        .route("/admin/batches/{id}/publish", post(admin::batches::publish))
        .route("/admin/audit", get(admin::audit::list))
        .route(
            "/admin/layers",
            get(admin::layers::list)
                .post(admin::layers::upload)
                .layer(DefaultBodyLimit::max(admin::layers::UPLOAD_BODY_BYTES)),
        )
        .route("/admin/layers/{layer}/download", get(admin::layers::download))
        .route("/admin/layers/{layer}/withdraw", post(admin::layers::withdraw))
        .route("/admin/standards", get(standards::view::list))
        .route("/admin/standards/{id}", get(standards::view::show))
        .route("/admin/standards/{id}/what-if", get(standards::view::what_if))
        .route(
            "/admin/standards/{id}/edit",
            get(standards::form::edit).post(standards::form::save),
        )
        .route("/admin/standards/{id}/criteria", post(standards::add_criterion))
        .route(
            "/admin/standards/{id}/tables",
            get(standards::tables_edit::edit).post(standards::tables_edit::save),
        )
        .route(
            "/admin/standards/{id}/tables/{table}",
            get(standards::table_form::edit).post(standards::table_form::save),
        )
        .route("/admin/standards/{id}/copy", post(standards::actions::copy))
        .route("/admin/standards/{id}/publish", post(standards::actions::publish))
        .route("/admin/standards/{id}/activate", post(standards::actions::activate))
        .route("/admin/standards/{id}/examples", post(standards::examples::add))
        .route(
            "/admin/standards/{id}/examples/{n}",
            get(standards::examples::show).post(standards::examples::save),
        )
        .route(
            "/admin/standards/{id}/examples/{n}/remove",
            post(standards::examples::remove),
        )
        .route("/admin/creation", get(creation::admin::admin_page))
        .route("/admin/creation/publish", post(creation::admin::publish))
        .route("/admin/creation/summary.csv", get(creation::admin::summary_csv));

    let signed_in = guarded(signed_in, extract::signed_in_area);
    let officials = guarded(officials, extract::officials_area);
    let cities = guarded(cities, extract::cities_area);
    let reviewers = guarded(reviewers, extract::reviewers_area);
    let staff = guarded(staff, extract::staff_area);
    let admins = guarded(admins, extract::admins_area);

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
        .merge(cities)
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
                .layer(from_fn(limit_body))
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
        .layer(Extension(state.pages.clone()))
        .with_state(state)
}

/// The JSON API under `/api/v1` (no login, no CSRF), generated with its
/// OpenAPI description: a handler is served only with its
/// `#[utoipa::path]`, so the description and the routes cannot differ.
/// Add a path here, one `.routes(routes!(…))` line (see `handlers::api`).
pub fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(api::ApiDoc::openapi())
        .routes(routes!(api::evaluate::evaluate))
        .routes(routes!(api::score::score))
        .routes(routes!(api::standards::list))
        .routes(routes!(api::standards::show))
        .routes(routes!(api::batches::list))
        .routes(routes!(api::batches::show))
        .routes(routes!(api::openapi_json))
        .layer(DefaultBodyLimit::max(api::BODY_LIMIT))
}

/// The OpenAPI description of every API path.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api_routes().into_openapi()
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

/// The whole application's request body limit, before anything reads a
/// body: 12 MB, and more on the routes that take large files (a materials
/// upload, an objection with its letter and evidence, a control-line layer).
async fn limit_body(request: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    use axum::response::IntoResponse;
    let path = request.uri().path();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let post = request.method() == axum::http::Method::POST;
    let limit = match segments.as_slice() {
        ["proposals", _, "materials"] if post => materials::UPLOAD_BODY_BYTES,
        ["notices", _, "object"] if post => notice::OBJECTION_BODY_LIMIT,
        ["admin", "layers"] if post => admin::layers::UPLOAD_BODY_BYTES,
        _ => materials::OTHER_BODY_BYTES,
    };
    let declared = request
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return (StatusCode::PAYLOAD_TOO_LARGE, "length limit exceeded").into_response();
    }
    // A body without a length (chunked) is cut at the limit while read.
    let (parts, body) = request.into_parts();
    next.run(axum::extract::Request::from_parts(
        parts,
        axum::body::Body::new(http_body_util::Limited::new(body, limit)),
    ))
    .await
}
