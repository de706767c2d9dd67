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

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in user; records are scoped to the official's region.
    SignedIn,
    /// Officials (their region) and admins (every region).
    Officials,
    /// Officials only (their region): imports go into the official's own region.
    OfficialOnly,
    Reviewers,
    /// Reviewers and admins.
    Staff,
    Admins,
}

/// Every page route with who may call it. Keep in step with the route tables.
const TABLE: &[(&str, &str, Access)] = {
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
        ("POST", "/admin/batches/{id}/entries/{entry}/remove", Admins),
        ("POST", "/admin/batches/{id}/entries/{entry}/move", Admins),
        ("POST", "/admin/batches/{id}/entries/{entry}/reason", Admins),
        ("POST", "/admin/batches/{id}/publish", Admins),
        ("GET", "/admin/audit", Admins),
        ("GET", "/admin/standards", Admins),
        ("GET", "/admin/standards/{id}", Admins),
        ("GET", "/admin/standards/{id}/what-if", Admins),
        ("GET", "/admin/standards/{id}/edit", Admins),
        ("POST", "/admin/standards/{id}/edit", Admins),
        ("POST", "/admin/standards/{id}/criteria", Admins),
        ("GET", "/admin/standards/{id}/tables", Admins),
        ("POST", "/admin/standards/{id}/tables", Admins),
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
    ]
};

/// (method, path) of every `.route("…", get(…).post(…))` in the source.
fn routes_in_source() -> BTreeSet<(String, String)> {
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
    let doc = serde_json::to_value(xiaozhen::handlers::api::openapi()).unwrap();
    let mut routes = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            routes.push((method.to_uppercase(), path.clone()));
        }
    }
    assert!(routes.len() >= 6, "the API has its paths");
    routes
}

struct World {
    proposal: i64,
    listed: i64,
    batch: i64,
    draft_batch: i64,
    standard: i64,
    user: i64,
    region: i64,
}

impl World {
    fn concrete(&self, path: &str) -> String {
        let id = if path.starts_with("/proposals/import/") {
            999_999
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
        } else if path.starts_with("/admin/standards/") {
            self.standard
        } else {
            self.batch
        };
        path.replace("{id}", &id.to_string())
            .replace("{file}", &self.batch.to_string())
            .replace("{entry}", "1")
            .replace("{n}", "0")
            .replace("{code}", if path.starts_with("/api/") { "ZJ-2015" } else { "en" })
            .replace("{hash}/{*path}", "0/css/app.css")
    }
}

async fn request(client: &Client, method: &str, path: &str) -> crate::helpers::Page {
    match method {
        "GET" => client.get(path).await,
        // A form post with the session's CSRF token and nothing else.
        "POST" if path.starts_with("/api/") => client.post_raw(path, &[]).await,
        "POST" => client.post(path, &[]).await,
        other => panic!("no requests with {other}"),
    }
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
    let batch = xiaozhen::services::batches::create_list_batch(&app.db, admin_id, "第一批", "")
        .await
        .unwrap();
    xiaozhen::services::batches::add_entry(&app.db, admin_id, batch, listed_id, "")
        .await
        .unwrap();
    xiaozhen::services::batches::publish(&app.db, admin_id, batch)
        .await
        .unwrap();
    let draft_batch = xiaozhen::services::batches::create_list_batch(&app.db, admin_id, "草稿批次", "")
        .await
        .unwrap();
    let standard: i64 = sqlx::query_scalar("SELECT id FROM standards WHERE code = 'ZJ-2015' AND version = 1")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let world = World {
        proposal,
        listed: listed_id,
        batch,
        draft_batch,
        standard,
        user: official.id,
        region: official.region_id.unwrap(),
    };
    app.create_user("official-b", Role::Official, Some("青州市")).await;

    let anonymous = app.client();
    anonymous.get("/login").await;
    let mut actors: Vec<(&str, Option<Role>, bool, Client)> = vec![("anonymous", None, false, anonymous)];
    // Admins last: their POSTs may change accounts the others use.
    for (name, role, own_region) in [
        ("official-b", Role::Official, false),
        ("reviewer-a", Role::Reviewer, false),
        ("official-a", Role::Official, true),
        ("admin-a", Role::Admin, false),
    ] {
        let client = app.client();
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
            let page = request(client, method, &url).await;
            let status = page.status;
            let allowed = match (access, role) {
                (Access::Public, _) => true,
                (_, None) => false,
                (Access::SignedIn, Some(_)) => true,
                (Access::Officials, Some(r)) => matches!(r, Role::Official | Role::Admin),
                (Access::OfficialOnly, Some(r)) => *r == Role::Official,
                (Access::Reviewers, Some(r)) => *r == Role::Reviewer,
                (Access::Staff, Some(r)) => matches!(r, Role::Reviewer | Role::Admin),
                (Access::Admins, Some(r)) => *r == Role::Admin,
            };
            let region_scoped = path.starts_with("/proposals/{id}");
            let ok = if status.is_server_error() {
                false
            } else if role.is_none() && !allowed {
                sends_to_login(&page)
            } else if !allowed {
                status == StatusCode::FORBIDDEN
            } else if region_scoped && *role == Some(Role::Official) && !own_region {
                // Another region's record: its existence is not revealed.
                status == StatusCode::NOT_FOUND
            } else if method == "POST" && path == "/login" {
                // An empty login form is a failed login, as designed.
                status == StatusCode::UNAUTHORIZED
            } else {
                status != StatusCode::FORBIDDEN && status != StatusCode::UNAUTHORIZED && !sends_to_login(&page)
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
    let b = app.client();
    b.login("official-b", PASSWORD).await;
    for path in [
        "/proposals",
        "/proposals/export.csv",
        "/proposals/export.xlsx",
        "/dashboard",
    ] {
        let page = b.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(
            !page.body.contains("甲地小镇"),
            "{path} shows another region's proposal"
        );
    }
    let anonymous = app.client();
    for path in ["/", "/api/v1/batches"] {
        let page = anonymous.get(path).await;
        assert!(!page.body.contains("甲地小镇"), "{path} shows an unpublished proposal");
    }
}
