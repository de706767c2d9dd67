//! The authorisation matrix: every route of the application — the page
//! routes found in the source's route tables and every path of the API's
//! OpenAPI description — requested by anonymous visitors, an official of the
//! record's region, an official of another region, a reviewer and an admin,
//! and each answer checked against DESIGN.md's rules. A route without an
//! expectation here fails the test.

use std::collections::BTreeSet;

use reqwest::StatusCode;
use xiaozhen::domain::Role;
use xiaozhen::services::reviews::{Decision, DecisionInput};

use crate::helpers::{Client, PASSWORD, TestApp, sample_input};
use crate::spreadsheets::{csv_bytes, keys, typed_cells};

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in user; records are scoped to the official's region.
    SignedIn,
    /// Officials (their region) and admins (every region).
    Officials,
    /// Officials only (their region): imports go into the official's own region.
    OfficialOnly,
    Reviewers,
    /// City users (their counties' proposals).
    Cities,
    /// Reviewers and admins.
    Staff,
    Admins,
}

/// Every page route with who may call it. Keep in step with the route tables.
pub(crate) const TABLE: &[(&str, &str, Access)] = {
    use Access::*;
    &[
        ("GET", "/", Public),
        ("GET", "/healthz", Public),
        ("GET", "/lang/{code}", Public),
        ("GET", "/login", Public),
        ("POST", "/login", Public),
        ("POST", "/logout", Public),
        ("GET", "/static/{hash}/{*path}", Public),
        ("GET", "/batches/{file}", Public),
        ("GET", "/towns/{id}", Public),
        ("GET", "/account/password", SignedIn),
        ("POST", "/account/password", SignedIn),
        ("GET", "/proposals/{id}", SignedIn),
        ("GET", "/proposals/{id}/report", SignedIn),
        ("GET", "/dashboard", SignedIn),
        ("GET", "/proposals/{id}/materials", SignedIn),
        ("GET", "/proposals/{id}/materials/{material}", SignedIn),
        ("GET", "/proposals/{id}/materials/{material}/inline", SignedIn),
        ("GET", "/proposals/{id}/materials/{material}/preview", SignedIn),
        ("POST", "/proposals/{id}/materials", Officials),
        ("POST", "/proposals/{id}/materials/{material}/remove", Officials),
        ("GET", "/proposals/{id}/boundary", SignedIn),
        ("GET", "/proposals/{id}/boundary.geojson", SignedIn),
        ("GET", "/proposals/{id}/boundaries/{boundary}", SignedIn),
        ("POST", "/proposals/{id}/boundary", Officials),
        ("POST", "/proposals/{id}/boundary/remove", Officials),
        ("GET", "/proposals", Officials),
        ("POST", "/proposals", Officials),
        ("GET", "/proposals/new", Officials),
        ("POST", "/proposals/live", Officials),
        ("GET", "/proposals/{id}/edit", Officials),
        ("POST", "/proposals/{id}", Officials),
        ("POST", "/proposals/{id}/submit", Officials),
        ("POST", "/proposals/{id}/withdraw", Officials),
        ("GET", "/proposals/{id}/self-assessment", Officials),
        ("POST", "/proposals/{id}/self-assessment", Officials),
        ("POST", "/proposals/{id}/self-assessment/live", Officials),
        ("GET", "/proposals/template.xlsx", Officials),
        ("GET", "/proposals/export.xlsx", Officials),
        ("GET", "/proposals/export.csv", Officials),
        ("GET", "/proposals/import", OfficialOnly),
        ("POST", "/proposals/import", OfficialOnly),
        ("GET", "/proposals/import/{id}", OfficialOnly),
        ("GET", "/proposals/import/{id}/progress", OfficialOnly),
        ("POST", "/proposals/import/{id}/confirm", OfficialOnly),
        ("GET", "/proposals/import/{id}/errors.xlsx", OfficialOnly),
        ("GET", "/review", Reviewers),
        ("GET", "/review/export.xlsx", Reviewers),
        ("GET", "/review/export.csv", Reviewers),
        ("POST", "/proposals/{id}/decision", Reviewers),
        ("POST", "/proposals/{id}/overrides", Reviewers),
        ("POST", "/proposals/{id}/reevaluate", Staff),
        ("GET", "/admin", Admins),
        ("GET", "/admin/users", Admins),
        ("POST", "/admin/users", Admins),
        ("GET", "/admin/users/{id}", Admins),
        ("POST", "/admin/users/{id}/role", Admins),
        ("POST", "/admin/users/{id}/active", Admins),
        ("POST", "/admin/users/{id}/password", Admins),
        ("POST", "/admin/regions", Admins),
        ("POST", "/admin/regions/{id}", Admins),
        ("GET", "/admin/batches", Admins),
        ("POST", "/admin/batches", Admins),
        ("GET", "/admin/batches/{id}", Admins),
        ("POST", "/admin/batches/{id}", Admins),
        ("GET", "/admin/batches/{id}/preview", Admins),
        ("POST", "/admin/batches/{id}/entries", Admins),
        ("POST", "/admin/batches/{id}/entries/{entry}/move", Admins),
        ("POST", "/admin/batches/{id}/entries/{entry}/reason", Admins),
        ("POST", "/admin/batches/{id}/entries/{entry}/remove", Admins),
        ("POST", "/admin/batches/{id}/publish", Admins),
        ("GET", "/notices/{id}", Public),
        ("GET", "/batches/{file}/print", Public),
        ("GET", "/notices/{id}/object", Public),
        ("POST", "/notices/{id}/object", Public),
        ("GET", "/objections/status", Public),
        ("POST", "/objections/status", Public),
        ("POST", "/admin/batches/{id}/notice/settings", Admins),
        ("POST", "/admin/batches/{id}/notice/start", Admins),
        ("GET", "/admin/batches/{id}/objections", Admins),
        ("GET", "/admin/objections/{id}", Admins),
        ("POST", "/admin/objections/{id}/resolve", Admins),
        ("GET", "/admin/objections/{id}/files/{which}", Admins),
        ("GET", "/admin/audit", Admins),
        ("GET", "/admin/layers", Admins),
        ("POST", "/admin/layers", Admins),
        ("GET", "/admin/layers/{layer}/download", Admins),
        ("POST", "/admin/layers/{layer}/withdraw", Admins),
        ("GET", "/admin/standards", Admins),
        ("GET", "/admin/standards/{id}", Admins),
        ("GET", "/admin/standards/{id}/what-if", Admins),
        ("GET", "/admin/standards/{id}/edit", Admins),
        ("POST", "/admin/standards/{id}/edit", Admins),
        ("POST", "/admin/standards/{id}/criteria", Admins),
        ("GET", "/admin/standards/{id}/tables", Admins),
        ("POST", "/admin/standards/{id}/tables", Admins),
        ("GET", "/admin/standards/{id}/tables/{table}", Admins),
        ("POST", "/admin/standards/{id}/tables/{table}", Admins),
        ("POST", "/admin/standards/{id}/copy", Admins),
        ("POST", "/admin/standards/{id}/publish", Admins),
        ("POST", "/admin/standards/{id}/activate", Admins),
        ("POST", "/admin/standards/{id}/examples", Admins),
        ("GET", "/admin/standards/{id}/examples/{n}", Admins),
        ("POST", "/admin/standards/{id}/examples/{n}", Admins),
        ("POST", "/admin/standards/{id}/examples/{n}/remove", Admins),
        ("GET", "/proposals/{id}/reports", OfficialOnly),
        ("POST", "/proposals/{id}/reports", OfficialOnly),
        ("GET", "/proposals/reports/template.xlsx", OfficialOnly),
        ("GET", "/proposals/reports/import", OfficialOnly),
        ("POST", "/proposals/reports/import", OfficialOnly),
        ("GET", "/review/creation", Reviewers),
        ("GET", "/review/creation/{id}", Reviewers),
        ("POST", "/review/creation/{id}/grade", Reviewers),
        ("POST", "/review/creation/{id}/acceptance", Reviewers),
        ("GET", "/admin/creation", Admins),
        ("POST", "/admin/creation/publish", Admins),
        ("GET", "/admin/creation/summary.csv", Admins),
        ("GET", "/creation/{year}", Public),
        ("GET", "/todo", SignedIn),
        ("GET", "/city", Cities),
        ("GET", "/city/proposals/{id}", Cities),
        ("POST", "/city/proposals/{id}/recommend", Cities),
        ("POST", "/city/proposals/{id}/return", Cities),
        ("GET", "/review/formal", Reviewers),
        ("GET", "/review/formal/{id}", Reviewers),
        ("POST", "/review/formal/{id}/complete", Reviewers),
        ("POST", "/review/formal/{id}/return", Reviewers),
        ("POST", "/admin/regions/{id}/city", Admins),
        ("GET", "/admin/rounds", Admins),
        ("POST", "/admin/rounds", Admins),
        ("GET", "/admin/rounds/{id}", Admins),
        ("POST", "/admin/rounds/{id}", Admins),
        ("POST", "/admin/rounds/{id}/close", Admins),
    ]
};

/// (method, path) of every `.route("…", get(…).post(…))` in the source.
pub(crate) fn routes_in_source() -> BTreeSet<(String, String)> {
    fn walk(dir: &std::path::Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    let mut sources = Vec::new();
    walk(
        std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src")),
        &mut sources,
    );
    let mut routes = BTreeSet::new();
    for text in sources {
        let mut rest = text.as_str();
        while let Some(at) = rest.find(".route(") {
            rest = &rest[at + ".route(".len()..];
            let Some(open) = rest.trim_start().strip_prefix('"') else {
                continue;
            };
            let Some(close) = open.find('"') else { continue };
            let path = &open[..close];
            // The call's arguments: up to the parenthesis that closes `.route(`.
            let mut depth = 1;
            let mut end = 0;
            for (i, c) in rest.char_indices() {
                match c {
                    '(' => depth += 1,
                    ')' => {
                        depth -= 1;
                        if depth == 0 {
                            end = i;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let call = &rest[..end];
            for method in ["get", "post", "put", "delete", "patch"] {
                let found = call.match_indices(&format!("{method}(")).any(|(i, _)| {
                    i == 0 || !call[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == ':')
                });
                if found {
                    routes.insert((method.to_uppercase(), path.to_owned()));
                }
            }
        }
    }
    routes
}

#[test]
fn every_route_has_an_expectation() {
    let source = routes_in_source();
    let table: BTreeSet<(String, String)> = TABLE.iter().map(|(m, p, _)| (m.to_string(), p.to_string())).collect();
    let missing: Vec<_> = source.difference(&table).collect();
    let stale: Vec<_> = table.difference(&source).collect();
    assert!(
        missing.is_empty(),
        "routes without an expectation in tests/api/authz.rs: {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "expectations for routes that no longer exist: {stale:?}"
    );
    assert!(source.len() > 60, "the route scan found only {} routes", source.len());
}

/// Every API path of the OpenAPI description, with its method: public.
fn api_routes() -> Vec<(String, String)> {
    let doc = serde_json::to_value(xiaozhen::routes::openapi()).unwrap();
    let mut routes = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            routes.push((method.to_uppercase(), path.clone()));
        }
    }
    assert!(routes.len() >= 6, "the API has its paths");
    routes
}

/// Real records of the region 诸城市 and of the admins, so that an allowed
/// role's request reaches the handler's own answer (no id 999999).
struct World {
    /// Submitted, in 诸城市.
    proposal: i64,
    /// Listed by the published batch, in its creation period.
    listed: i64,
    batch: i64,
    draft_batch: i64,
    /// An entry of the draft batch.
    entry: i64,
    /// A draft copy of ZJ-2015 (editable), with the copied example cases.
    standard: i64,
    /// A draft copy of ZJ-2015 version 4, with its scoring tables.
    tables_standard: i64,
    user: i64,
    region: i64,
    /// An import of official-a, checked and ready.
    import: i64,
    /// A material of `proposal` (frozen with its submission).
    material: i64,
    /// The boundary of `proposal` (frozen with its submission).
    boundary: i64,
    /// A control-line layer in force.
    layer: i64,
    /// A list batch on public notice, and an organisation's objection to it.
    notice_batch: i64,
    objection: i64,
    /// The default round (the one `proposal` is in).
    round: i64,
}

impl World {
    fn concrete(&self, path: &str) -> String {
        let id = if path.starts_with("/notices/") {
            self.notice_batch
        } else if path.starts_with("/admin/objections/") {
            self.objection
        } else if path.starts_with("/proposals/import/") {
            self.import
        } else if path.starts_with("/city/proposals/") || path.starts_with("/review/formal/") {
            self.proposal
        } else if path.starts_with("/admin/rounds/") {
            self.round
        } else if path.starts_with("/proposals/{id}/reports") || path.starts_with("/review/creation/") {
            self.listed
        } else if path.starts_with("/proposals/") {
            self.proposal
        } else if path.starts_with("/towns/") {
            self.listed
        } else if path.starts_with("/admin/users/") {
            self.user
        } else if path.starts_with("/admin/regions/") {
            self.region
        } else if path.starts_with("/admin/batches/") {
            self.draft_batch
        } else if path.contains("{table}") {
            self.tables_standard
        } else if path.starts_with("/admin/standards/") {
            self.standard
        } else {
            self.batch
        };
        path.replace("{id}", &id.to_string())
            .replace("{file}", &self.batch.to_string())
            .replace("{entry}", &self.entry.to_string())
            .replace("{material}", &self.material.to_string())
            .replace("{boundary}", &self.boundary.to_string())
            .replace("{layer}", &self.layer.to_string())
            .replace("{which}", "letter")
            .replace("{table}", "zj.creation_review")
            .replace("{n}", "0")
            .replace("{year}", "2025")
            .replace("{code}", if path.starts_with("/api/") { "ZJ-2015" } else { "en" })
            .replace("{hash}/{*path}", "0/css/app.css")
    }
}

async fn request(client: &Client, method: &str, path: &str, world: &World) -> crate::helpers::Page {
    match method {
        "GET" => client.get(path).await,
        // The API's POST: the sample proposal as JSON.
        "POST" if path.starts_with("/api/") => {
            let response = client
                .http
                .post(format!("{}{path}", client.base))
                .json(&xiaozhen::domain::proposal::sample_proposal().to_json())
                .send()
                .await
                .expect("request");
            crate::helpers::Page {
                status: response.status(),
                headers: response.headers().clone(),
                body: response.text().await.unwrap_or_default(),
            }
        }
        "POST" => {
            let form = form_for(path, world);
            let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            client.post(path, &fields).await
        }
        other => panic!("no requests with {other}"),
    }
}

/// The form a route is probed with: a real one where the route's own
/// answer to it is a success (303), else only the session's CSRF token,
/// which the handler refuses in its own words (422 per field, 409 for a
/// state) after authorisation.
fn form_for(path: &str, world: &World) -> Vec<(String, String)> {
    let pairs = |p: &[(&str, &str)]| p.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let region = world.region.to_string();
    if path == "/proposals" {
        // The official's region is their own (an admin's form lacks one: 422).
        return sample_input("权限探针小镇")
            .to_form_pairs()
            .into_iter()
            .filter(|(k, _)| k != "region")
            .collect();
    }
    match path.rsplit_once("/admin/").map(|(_, rest)| rest) {
        Some("regions") => pairs(&[("name", "探针区")]),
        Some(rest) if rest.starts_with("regions/") => pairs(&[("name", "诸城市")]),
        Some("batches") => pairs(&[("kind", "list"), ("title", "探针批次")]),
        Some(rest) if rest.starts_with("batches/") && rest.matches('/').count() == 1 => {
            pairs(&[("title", "草稿批次"), ("introduction", "")])
        }
        Some(rest) if rest.ends_with("/move") => pairs(&[("direction", "up")]),
        Some("users") => pairs(&[
            ("username", "probe-reviewer"),
            ("display_name", "探针评审"),
            ("role", "reviewer"),
        ]),
        Some(rest) if rest.starts_with("users/") && rest.ends_with("/role") => {
            pairs(&[("role", "official"), ("region", &region)])
        }
        Some(rest) if rest.starts_with("users/") && rest.ends_with("/active") => pairs(&[("active", "true")]),
        _ => Vec::new(),
    }
}

/// What an allowed, signed-in role's POST really gets, route by route (the
/// probes of [`World`], in the order of [`TABLE`]; admins come last, so
/// their changes follow the others' requests). A real form (see
/// [`form_for`]) and a one-click action redirect (303); a form posted with
/// only its CSRF token is refused field by field (422) or, where the
/// record's state forbids the action, 409. Reaching the handler's own
/// answer is what an authorised request must do: a 404 or any other status
/// here means the route or its probe broke.
const POST_ANSWERS: &[(&str, u16)] = &[
    ("/login", 401),
    ("/logout", 303),
    ("/account/password", 422),
    // Officials: a draft of their region (admins: 422, the form names no region).
    ("/proposals", 303),
    ("/proposals/live", 200),
    // Submitted: not editable, submittable or withdrawable.
    ("/proposals/{id}", 422),
    ("/proposals/{id}/materials", 409),
    ("/proposals/{id}/materials/{material}/remove", 409),
    ("/proposals/{id}/boundary", 409),
    ("/proposals/{id}/boundary/remove", 409),
    ("/proposals/{id}/submit", 409),
    ("/proposals/{id}/withdraw", 409),
    ("/proposals/import", 422),
    ("/proposals/import/{id}/confirm", 303),
    ("/proposals/{id}/reports", 422),
    ("/proposals/reports/import", 422),
    ("/proposals/{id}/decision", 422),
    // No finding named.
    ("/proposals/{id}/overrides", 409),
    ("/proposals/{id}/reevaluate", 303),
    ("/review/creation/{id}/grade", 400),
    ("/review/creation/{id}/acceptance", 422),
    ("/admin/users", 303),
    ("/admin/users/{id}/role", 303),
    ("/admin/users/{id}/active", 303),
    ("/admin/users/{id}/password", 303),
    ("/admin/regions", 303),
    ("/admin/regions/{id}", 303),
    ("/admin/batches", 303),
    ("/admin/batches/{id}", 303),
    ("/admin/batches/{id}/entries", 422),
    ("/admin/batches/{id}/entries/{entry}/move", 303),
    ("/admin/batches/{id}/entries/{entry}/reason", 422),
    ("/admin/batches/{id}/entries/{entry}/remove", 303),
    // Its only entry removed: an empty batch is not published.
    ("/admin/batches/{id}/publish", 409),
    // A url-encoded body where the form is multipart: not read.
    ("/notices/{id}/object", 400),
    // Nothing found for an empty reference: the lookup page says so.
    ("/objections/status", 200),
    // The notice switched on (the default) and the 文号 left empty.
    ("/admin/batches/{id}/notice/settings", 303),
    // No start date.
    ("/admin/batches/{id}/notice/start", 422),
    // No decision, reason or reply.
    ("/admin/objections/{id}/resolve", 422),
    // The form names no version: stale.
    ("/admin/standards/{id}/edit", 409),
    ("/admin/standards/{id}/criteria", 422),
    ("/admin/standards/{id}/copy", 303),
    ("/admin/standards/{id}/publish", 303),
    // Published now: activation needs its date, examples no longer change.
    ("/admin/standards/{id}/activate", 422),
    ("/admin/standards/{id}/examples", 422),
    ("/admin/standards/{id}/examples/{n}", 422),
    ("/admin/standards/{id}/examples/{n}/remove", 409),
    ("/admin/creation/publish", 400),
    // A url-encoded body where the form is multipart: not read.
    ("/admin/layers", 400),
    // The layer in force, withdrawn (admins come last).
    ("/admin/layers/{layer}/withdraw", 303),
    ("/api/v1/evaluate", 200),
    // The sample proposal sent bare, not as {"proposal": …}: its fields are unknown keys.
    ("/api/v1/score", 422),
    // Submitted: its self-assessment is frozen; the running total is still shown.
    ("/proposals/{id}/self-assessment", 409),
    ("/proposals/{id}/self-assessment/live", 200),
    // The form holds no tables: the JSON does not parse.
    ("/admin/standards/{id}/tables", 422),
    // The table form names no version: stale.
    ("/admin/standards/{id}/tables/{table}", 409),
    // The form names no version: stale (and the proposal is at the decision).
    ("/city/proposals/{id}/recommend", 409),
    // No comment.
    ("/city/proposals/{id}/return", 422),
    ("/review/formal/{id}/complete", 409),
    ("/review/formal/{id}/return", 422),
    // No city chosen: the county is left without one.
    ("/admin/regions/{id}/city", 303),
    // No name, no deadline.
    ("/admin/rounds", 422),
    // The default round named blank.
    ("/admin/rounds/{id}", 422),
    ("/admin/rounds/{id}/close", 303),
];

/// A list batch on notice since today with one approved town, and an
/// organisation's objection (with its sealed letter) to it.
async fn notice_probe(
    app: &TestApp,
    official: &xiaozhen::auth::User,
    reviewer: &xiaozhen::auth::User,
    admin_id: i64,
) -> (i64, i64) {
    use xiaozhen::services::notice;
    let town = app.submitted(official, &sample_input("公示探针小镇")).await;
    xiaozhen::services::reviews::decide(
        &app.db,
        reviewer,
        town,
        &DecisionInput::new(Decision::Approve, "同意", 2),
    )
    .await
    .unwrap();
    let batch = xiaozhen::services::batches::create_list_batch(&app.db, admin_id, "公示批次", "")
        .await
        .unwrap();
    xiaozhen::services::batches::add_entry(&app.db, admin_id, batch, town, "")
        .await
        .unwrap();
    let now = chrono::Utc::now();
    notice::start(
        &app.db,
        admin_id,
        batch,
        xiaozhen::domain::notice::china_date(now),
        7,
        now,
    )
    .await
    .unwrap();
    let form = notice::ObjectionForm {
        batch_id: batch,
        token: notice::form_token(&app.db, batch, now - chrono::Duration::minutes(1))
            .await
            .unwrap(),
        input: xiaozhen::domain::notice::ObjectionInput {
            kind: "organisation".into(),
            name: "探针协会".into(),
            contact: "联系人".into(),
            phone: "13800138000".into(),
            town: town.to_string(),
            grounds: "理由".into(),
            ..Default::default()
        },
        letter: Some(b"%PDF-1.7 letter".to_vec()),
        address: "probe".into(),
        ..Default::default()
    };
    notice::object(&app.db, form, now).await.unwrap();
    let objection = sqlx::query_scalar("SELECT id FROM objections WHERE batch_id = $1")
        .bind(batch)
        .fetch_one(&app.db)
        .await
        .unwrap();
    (batch, objection)
}

/// The exact status an allowed role gets for a route.
fn allowed_answer(role: Option<Role>, method: &str, path: &str) -> StatusCode {
    let code = match (method, path) {
        ("GET", "/lang/{code}") => 303,
        // Signed in: sent on to the role's home page.
        ("GET", "/login") if role.is_some() => 303,
        // Submitted: the form is not offered.
        ("GET", "/proposals/{id}/edit") => 409,
        // No year's grades are published.
        ("GET", "/creation/{year}") => 404,
        ("GET", _) => 200,
        ("POST", "/proposals") if role == Some(Role::Admin) => 422,
        _ => POST_ANSWERS
            .iter()
            .find(|(p, _)| *p == path)
            .map(|(_, code)| *code)
            .unwrap_or_else(|| panic!("no expected answer for {method} {path} in POST_ANSWERS")),
    };
    StatusCode::from_u16(code).expect("a status")
}

fn sends_to_login(page: &crate::helpers::Page) -> bool {
    page.status == StatusCode::SEE_OTHER && page.location().is_some_and(|l| l.starts_with("/login"))
}

#[tokio::test]
async fn every_route_answers_each_role_as_designed() {
    let app = TestApp::spawn().await;
    // A region with a submitted proposal, another listed one, a published
    // batch and a draft batch.
    let official = app.official_of("official-a", "诸城市").await;
    let proposal = app.submitted(&official, &sample_input("甲地小镇")).await;
    let listed_id = app.submitted(&official, &sample_input("已列入小镇")).await;
    let reviewer_id = app.create_user("reviewer-a", Role::Reviewer, None).await;
    let reviewer_user = app.user(reviewer_id).await;
    let approve = DecisionInput::new(Decision::Approve, "同意", 2);
    xiaozhen::services::reviews::decide(&app.db, &reviewer_user, listed_id, &approve)
        .await
        .unwrap();
    let admin_id = app.create_user("admin-a", Role::Admin, None).await;
    let batch = xiaozhen::services::batches::create_list_batch_without_notice(&app.db, admin_id, "第一批", "")
        .await
        .unwrap();
    xiaozhen::services::batches::add_entry(&app.db, admin_id, batch, listed_id, "")
        .await
        .unwrap();
    xiaozhen::services::batches::publish(&app.db, admin_id, batch)
        .await
        .unwrap();
    let draft_batch = xiaozhen::services::batches::create_list_batch_without_notice(&app.db, admin_id, "草稿批次", "")
        .await
        .unwrap();
    let approved = app.submitted(&official, &sample_input("已批准小镇")).await;
    xiaozhen::services::reviews::decide(&app.db, &reviewer_user, approved, &approve)
        .await
        .unwrap();
    xiaozhen::services::batches::add_entry(&app.db, admin_id, draft_batch, approved, "")
        .await
        .unwrap();
    let entry: i64 = sqlx::query_scalar("SELECT id FROM batch_entries WHERE batch_id = $1")
        .bind(draft_batch)
        .fetch_one(&app.db)
        .await
        .unwrap();
    let (notice_batch, objection) = notice_probe(&app, &official, &reviewer_user, admin_id).await;
    let active: i64 = sqlx::query_scalar("SELECT id FROM standards WHERE code = 'ZJ-2015' AND version = 1")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let admin_user = app.user(admin_id).await;
    let standard = xiaozhen::services::standards::copy(&app.db, &admin_user, active, None)
        .await
        .unwrap();
    let with_tables: i64 = sqlx::query_scalar("SELECT id FROM standards WHERE code = 'ZJ-2015' AND version = 4")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let tables_standard = xiaozhen::services::standards::copy(&app.db, &admin_user, with_tables, None)
        .await
        .unwrap();
    let official_client = app.client();
    official_client.login("official-a", PASSWORD).await;
    let rows = vec![keys(), typed_cells(&sample_input("导入的小镇"))];
    let (preview, location) = crate::spreadsheets::preview(&official_client, "one.csv", csv_bytes(&rows)).await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    let import: i64 = location.rsplit('/').next().unwrap().parse().unwrap();
    let world = World {
        proposal,
        listed: listed_id,
        batch,
        draft_batch,
        entry,
        standard,
        tables_standard,
        user: official.id,
        region: official.region_id.unwrap(),
        import,
        material: sqlx::query_scalar("SELECT min(id) FROM materials WHERE proposal_id = $1")
            .bind(proposal)
            .fetch_one(&app.db)
            .await
            .unwrap(),
        boundary: sqlx::query_scalar("SELECT id FROM boundaries WHERE proposal_id = $1")
            .bind(proposal)
            .fetch_one(&app.db)
            .await
            .unwrap(),
        layer: {
            let parcel = xiaozhen::spatial::sample_boundary(119.0, 29.0, 0.2, 6);
            crate::boundaries::upload_layer(
                &app,
                admin_id,
                xiaozhen::standards::LayerKind::EcologicalRedLine,
                "示例生态保护红线",
                &[parcel],
            )
            .await
            .0
        },
        notice_batch,
        objection,
        round: sqlx::query_scalar("SELECT id FROM rounds WHERE is_default")
            .fetch_one(&app.db)
            .await
            .unwrap(),
    };
    app.create_user("official-b", Role::Official, Some("青州市")).await;
    // 诸城市 is a county of 潍坊市, whose city user sees its proposals; an
    // expert sees none through these pages.
    let weifang = crate::rounds::city(&app, "潍坊市").await;
    crate::rounds::county_of(&app, "诸城市", weifang).await;
    crate::rounds::city_user(&app, "city-a", weifang).await;
    app.create_user("expert-a", Role::Expert, None).await;

    let anonymous = app.client();
    anonymous.get("/login").await;
    let mut actors: Vec<(&str, Option<Role>, bool, Client)> = vec![("anonymous", None, false, anonymous)];
    // Admins last: their POSTs may change accounts the others use. Each
    // actor from its own address: the login throttle counts per address.
    for (n, (name, role, own_region)) in [
        ("official-b", Role::Official, false),
        ("reviewer-a", Role::Reviewer, false),
        ("official-a", Role::Official, true),
        ("city-a", Role::City, true),
        ("expert-a", Role::Expert, false),
        ("admin-a", Role::Admin, false),
    ]
    .into_iter()
    .enumerate()
    {
        let client = app.client_from(n as u32);
        let login = client.login(name, PASSWORD).await;
        assert_eq!(login.status, StatusCode::SEE_OTHER, "{name} logs in");
        actors.push((name, Some(role), own_region, client));
    }

    let mut routes: Vec<(String, String, Access)> = TABLE
        .iter()
        .map(|(m, p, a)| (m.to_string(), p.to_string(), *a))
        .collect();
    routes.extend(api_routes().into_iter().map(|(m, p)| (m, p, Access::Public)));
    let mut failures = Vec::new();
    for (name, role, own_region, client) in &actors {
        for (method, path, access) in &routes {
            // Logging out is covered by the auth tests; here it would end the actor's session.
            if path == "/logout" && role.is_some() {
                continue;
            }
            let url = world.concrete(path);
            let page = request(client, method, &url, &world).await;
            let status = page.status;
            let allowed = match (access, role) {
                (Access::Public, _) => true,
                (_, None) => false,
                (Access::SignedIn, Some(_)) => true,
                (Access::Officials, Some(r)) => matches!(r, Role::Official | Role::Admin),
                (Access::OfficialOnly, Some(r)) => *r == Role::Official,
                (Access::Reviewers, Some(r)) => *r == Role::Reviewer,
                (Access::Cities, Some(r)) => *r == Role::City,
                (Access::Staff, Some(r)) => matches!(r, Role::Reviewer | Role::Admin),
                (Access::Admins, Some(r)) => *r == Role::Admin,
            };
            let region_scoped = path.starts_with("/proposals/{id}") || path.starts_with("/proposals/import/{id}");
            let ok = if status.is_server_error() {
                false
            } else if role.is_none() && !allowed {
                sends_to_login(&page)
            } else if !allowed {
                status == StatusCode::FORBIDDEN
            } else if region_scoped && matches!(role, Some(Role::Official | Role::City | Role::Expert)) && !own_region {
                // Another region's record: its existence is not revealed.
                status == StatusCode::NOT_FOUND
            } else {
                status == allowed_answer(*role, method, path)
            };
            if !ok {
                failures.push(format!("{name}: {method} {url} ({access:?}) answered {status}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} unexpected answers:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn no_page_or_file_shows_another_regions_or_unpublished_data() {
    let app = TestApp::spawn().await;
    let a = app.official_of("official-a", "诸城市").await;
    app.submitted(&a, &sample_input("保密的甲地小镇")).await;
    app.draft(&a, &sample_input("草稿中的甲地小镇")).await;
    app.create_user("official-b", Role::Official, Some("青州市")).await;
    let own = app.client();
    own.login("official-a", PASSWORD).await;
    let b = app.client();
    b.login("official-b", PASSWORD).await;

    // The exports read as their users' programs read them: the CSV parsed,
    // the XLSX (deflate-compressed, so its bytes never contain the names)
    // opened and its cells read. Official A's hold the two proposals, so
    // the same reading of B's would find them if they leaked.
    let names = ["保密的甲地小镇", "草稿中的甲地小镇"];
    for path in ["/proposals/export.csv", "/proposals/export.xlsx"] {
        let mine = export_cells(&own, path).await;
        for name in names {
            assert_eq!(
                mine.iter().filter(|c| *c == name).count(),
                1,
                "{path} of A holds {name}"
            );
        }
        let theirs = export_cells(&b, path).await;
        assert!(
            theirs.iter().all(|c| !c.contains("甲地小镇")),
            "{path} shows another region's proposal: {theirs:?}"
        );
    }
    for path in ["/proposals", "/dashboard"] {
        let page = b.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(
            !page.body.contains("甲地小镇"),
            "{path} shows another region's proposal"
        );
    }
    assert!(own.get("/proposals").await.body.contains("保密的甲地小镇"));
    let anonymous = app.client();
    for path in ["/", "/api/v1/batches"] {
        let page = anonymous.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(!page.body.contains("甲地小镇"), "{path} shows an unpublished proposal");
    }
}

/// Every cell of an export, read as a spreadsheet program reads it: the CSV
/// parsed, the XLSX opened (its bytes are deflate-compressed).
async fn export_cells(client: &Client, path: &str) -> Vec<String> {
    let (status, _, bytes) = crate::spreadsheets::bytes_of(client, path).await;
    assert_eq!(status, StatusCode::OK, "{path}");
    let rows: Vec<Vec<String>> = if path.ends_with(".xlsx") {
        crate::spreadsheets::read_xlsx(&bytes).1
    } else {
        let text = std::str::from_utf8(&bytes).expect("UTF-8");
        csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(text.trim_start_matches('\u{feff}').as_bytes())
            .records()
            .map(|r| r.expect("a CSV record").iter().map(str::to_owned).collect())
            .collect()
    };
    rows.into_iter().flatten().collect()
}
