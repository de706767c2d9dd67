//! Hostile input (issue 10): every form and the API given wrong types, huge
//! and negative numbers, NaN/Infinity, 10 MB bodies, invalid UTF-8, overlong
//! text and SQL fragments answer a clear 4xx (never a 500) and store
//! nothing; HTML typed into text fields is escaped on every page that shows
//! it and in the exports.

use reqwest::StatusCode;
use scraper::{Html, Selector};
use xiaozhen::domain::Role;
use xiaozhen::domain::proposal::{FIELDS, FieldKind};

use crate::helpers::{Client, Page, TestApp, sample_input};

/// Values no number, choice, id or version field may accept.
const NOT_A_VALUE: &[&str] = &[
    "abc",
    "-1",
    "-99999999999999999999999999",
    "99999999999999999999999999999999999999",
    "1e400",
    "NaN",
    "Infinity",
    "-Infinity",
    "0x1F",
    "1' OR '1'='1",
    "1; DROP TABLE proposals; --",
    "<script>alert(1)</script>",
    "\u{0}",
    "\u{FFFD}\u{FFFD}",
];

const SCRIPT: &str = "<script>alert(\"xz\")</script>";
const IMG: &str = "<img src=x onerror=alert(1)>";

fn overlong() -> String {
    "长".repeat(100_001)
}

/// The fields a form sends as shown: inputs (ticked boxes and radios only),
/// selected options, text areas; without the CSRF token.
pub(crate) fn form_fields(page: &Page, form: &str) -> Vec<(String, String)> {
    let html = Html::parse_document(&page.body);
    let sel = Selector::parse(&format!("{form} input, {form} select, {form} textarea")).unwrap();
    let selected = Selector::parse("option[selected]").unwrap();
    let first = Selector::parse("option").unwrap();
    let mut fields = Vec::new();
    for el in html.select(&sel) {
        let v = el.value();
        let Some(name) = v.attr("name") else { continue };
        if name == "csrf_token" || v.attr("type") == Some("submit") {
            continue;
        }
        let value = match v.name() {
            "select" => el
                .select(&selected)
                .next()
                .or_else(|| el.select(&first).next())
                .and_then(|o| o.value().attr("value"))
                .unwrap_or("")
                .to_owned(),
            "textarea" => el.text().collect(),
            _ if matches!(v.attr("type"), Some("checkbox") | Some("radio")) => {
                if v.attr("checked").is_none() {
                    continue;
                }
                v.attr("value").unwrap_or("on").to_owned()
            }
            _ => v.attr("value").unwrap_or("").to_owned(),
        };
        fields.push((name.to_owned(), value));
    }
    fields
}

async fn post_fields(client: &Client, token: &str, path: &str, fields: &[(String, String)]) -> Page {
    let mut all: Vec<(&str, &str)> = vec![("csrf_token", token)];
    all.extend(fields.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    client.post_raw(path, &all).await
}

/// Sends the form of `page_path` once per (field, hostile value), each
/// other field as shown. Every answer must be below 500; a field listed in
/// `strict` must be refused (4xx) whatever hostile value it gets. Returns
/// what went wrong.
async fn fuzz_form(
    client: &Client,
    page_path: &str,
    form: &str,
    post_path: &str,
    strict: &[&str],
    only: impl Fn(&str) -> bool,
) -> Vec<String> {
    let mut wrong = Vec::new();
    let page = client.get(page_path).await;
    assert_eq!(page.status, StatusCode::OK, "GET {page_path}: {}", page.body);
    let mut token = page.csrf();
    let mut base = form_fields(&page, form);
    if base.is_empty() {
        wrong.push(format!("no form {form} on {page_path}"));
        return wrong;
    }
    let names: Vec<String> = base.iter().map(|(k, _)| k.clone()).filter(|k| only(k)).collect();
    let long = overlong();
    for name in names {
        for value in NOT_A_VALUE.iter().copied().chain([long.as_str()]) {
            let mut fields = base.clone();
            for f in fields.iter_mut().filter(|(k, _)| *k == name) {
                f.1 = value.to_owned();
            }
            let answer = post_fields(client, &token, post_path, &fields).await;
            let shown: String = value.chars().take(30).collect();
            if answer.status.is_server_error() {
                wrong.push(format!("POST {post_path} {name}={shown:?}: {}", answer.status));
            } else if strict.contains(&name.as_str()) && !answer.status.is_client_error() {
                wrong.push(format!(
                    "POST {post_path} {name}={shown:?}: {} (accepted)",
                    answer.status
                ));
            }
            if !answer.status.is_client_error() {
                // Something was accepted: start again from the form as it is now.
                let page = client.get(page_path).await;
                base = form_fields(&page, form);
                if base.is_empty() {
                    wrong.push(format!(
                        "POST {post_path} {name}={shown:?} was accepted: the form is gone"
                    ));
                    return wrong;
                }
                token = page.csrf();
            }
        }
    }
    wrong
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.db).await.expect("count")
}

fn is_number_or_choice(name: &str) -> bool {
    FIELDS
        .iter()
        .find(|f| f.name == name)
        .is_some_and(|f| !matches!(f.kind, FieldKind::Text { .. } | FieldKind::Bool))
}

#[tokio::test]
async fn the_proposal_forms_refuse_every_hostile_value_and_store_nothing() {
    let app = TestApp::spawn().await;
    let official = app.login_as(Role::Official).await;
    let user = app.official_of("zc2", "诸城市").await;
    let mut wrong = Vec::new();

    // A new proposal: a bad number or choice in any field is a 422, nothing stored.
    let strict: Vec<&str> = FIELDS
        .iter()
        .map(|f| f.name)
        .filter(|n| is_number_or_choice(n))
        .collect();
    wrong.extend(
        fuzz_form(
            &official,
            "/proposals/new",
            "#proposal-form",
            "/proposals",
            &strict,
            is_number_or_choice,
        )
        .await,
    );
    assert_eq!(count(&app, "SELECT count(*) FROM proposals").await, 0, "nothing stored");

    // Overlong text in a text field too.
    let texts = ["name", "developer"];
    wrong.extend(
        fuzz_form(&official, "/proposals/new", "#proposal-form", "/proposals", &[], |n| {
            texts.contains(&n)
        })
        .await,
    );
    let long: i64 = count(
        &app,
        "SELECT count(*) FROM proposals WHERE char_length(name) > 100 OR char_length(developer) > 200",
    )
    .await;
    assert_eq!(long, 0, "no overlong text stored");

    // Editing a draft: the same refusals, the draft unchanged.
    let id = app.draft(&user, &sample_input("草稿小镇")).await;
    let before = app.proposal_version(id).await;
    let edit = format!("/proposals/{id}/edit");
    let path = format!("/proposals/{id}");
    wrong.extend(fuzz_form(&official, &edit, "#proposal-form", &path, &strict, is_number_or_choice).await);
    wrong.extend(
        fuzz_form(&official, &edit, "#proposal-form", &path, &["version"], |n| {
            n == "version"
        })
        .await,
    );
    assert_eq!(app.proposal_version(id).await, before, "the draft is unchanged");

    // The live evaluation answers, never a 500.
    wrong.extend(
        fuzz_form(
            &official,
            "/proposals/new",
            "#proposal-form",
            "/proposals/live",
            &[],
            is_number_or_choice,
        )
        .await,
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[tokio::test]
async fn review_admin_and_account_forms_answer_4xx_to_hostile_values() {
    let app = TestApp::spawn().await;
    let official = app.official_of("zc", "诸城市").await;
    let id = app.submitted(&official, &sample_input("评审小镇")).await;
    let reviewer = app.login_as(Role::Reviewer).await;
    let mut wrong = Vec::new();
    let report = format!("/proposals/{id}/report");

    // Overrides first (a stored decision would close the forms).
    wrong.extend(
        fuzz_form(
            &reviewer,
            &report,
            "#override-form",
            &format!("/proposals/{id}/overrides"),
            &["evaluation", "criterion", "final_verdict"],
            |_| true,
        )
        .await,
    );
    // A decision with a hostile choice or version is refused.
    wrong.extend(
        fuzz_form(
            &reviewer,
            &report,
            "#decision-form",
            &format!("/proposals/{id}/decision"),
            &["decision", "version"],
            |n| n == "decision" || n == "version",
        )
        .await,
    );
    let token = reviewer.csrf().await;
    let version = app.proposal_version(id).await.to_string();
    let long = overlong();
    let fields = [
        ("csrf_token", token.as_str()),
        ("decision", "reject"),
        ("comment", long.as_str()),
        ("version", version.as_str()),
    ];
    let overlong_comment = reviewer.post_raw(&format!("/proposals/{id}/decision"), &fields).await;
    if !overlong_comment.status.is_client_error() {
        wrong.push(format!(
            "decision with a 100 001-character comment: {}",
            overlong_comment.status
        ));
    }
    assert_eq!(
        count(&app, "SELECT count(*) FROM reviews").await,
        0,
        "no decision stored: {wrong:#?}"
    );
    assert_eq!(
        count(&app, "SELECT count(*) FROM audit_log WHERE action LIKE 'proposal.%' AND action <> 'proposal.created' AND action <> 'proposal.submitted'").await,
        0
    );
    let status: String = sqlx::query_scalar("SELECT status FROM proposals WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(status, "submitted");

    // The password form: every hostile value refused, the password unchanged.
    wrong.extend(
        fuzz_form(
            &reviewer,
            "/account/password",
            "form.stacked",
            "/account/password",
            &["current_password", "new_password", "confirm_password"],
            |_| true,
        )
        .await,
    );
    assert_eq!(reviewer.get("/review").await.status, StatusCode::OK, "still signed in");

    let admin = app.login_as(Role::Admin).await;
    let users = count(&app, "SELECT count(*) FROM users").await;
    wrong.extend(
        fuzz_form(
            &admin,
            "/admin/users",
            "#new-user",
            "/admin/users",
            &["username", "role", "region"],
            |_| true,
        )
        .await,
    );
    assert_eq!(count(&app, "SELECT count(*) FROM users").await, users, "no user stored");

    wrong.extend(
        fuzz_form(
            &admin,
            "/admin/batches",
            "#new-list",
            "/admin/batches",
            &["kind"],
            |n| n == "kind",
        )
        .await,
    );
    wrong.extend(
        fuzz_form(&admin, "/admin/batches", "#new-list", "/admin/batches", &[], |n| {
            n == "introduction"
        })
        .await,
    );
    assert_eq!(
        count(&app, "SELECT count(*) FROM batches").await,
        0,
        "no batch stored (the title is empty)"
    );

    // A draft standard: the version's top fields and the first criterion's.
    let active: i64 = sqlx::query_scalar("SELECT id FROM standards WHERE status = 'active'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let copied = admin
        .post(&format!("/admin/standards/{active}/copy"), &[("code", "XZ-HOSTILE")])
        .await;
    assert_eq!(copied.status, StatusCode::SEE_OTHER, "{}", copied.body);
    let draft: i64 = sqlx::query_scalar("SELECT id FROM standards WHERE code = 'XZ-HOSTILE'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let edit = format!("/admin/standards/{draft}/edit");
    wrong.extend(
        fuzz_form(&admin, &edit, "form.std-edit", &edit, &["hash"], |n| {
            !n.starts_with('c') || n.starts_with("c0.") || !n[1..2].chars().all(|c| c.is_ascii_digit())
        })
        .await,
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Each case from a fresh address and against a fresh account: no throttle
/// answers before the credentials are checked, so a 4xx is the form's own.
#[tokio::test]
async fn the_login_form_answers_4xx_to_hostile_values() {
    let app = TestApp::spawn().await;
    app.create_user("official1", Role::Official, Some("诸城市")).await;
    let long = overlong();
    let mut wrong = Vec::new();
    let mut address = 0;
    for (case, value) in NOT_A_VALUE.iter().copied().chain([long.as_str()]).enumerate() {
        let username = format!("fuzz{case}");
        app.create_user(&username, Role::Official, Some("诸城市")).await;
        for field in ["username", "password"] {
            address += 1;
            let client = app.client_from(address);
            let (user, password) = match field {
                "username" => (value, crate::helpers::PASSWORD),
                _ => (username.as_str(), value),
            };
            let page = client
                .post("/login", &[("username", user), ("password", password)])
                .await;
            let shown: String = value.chars().take(30).collect();
            if page.status == StatusCode::TOO_MANY_REQUESTS || !page.status.is_client_error() {
                wrong.push(format!("POST /login {field}={shown:?}: {}", page.status));
            }
            if !sends_to_login(&client.get("/proposals").await) {
                wrong.push(format!("POST /login {field}={shown:?} signed in"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // `next` is never followed off the site.
    let hostile_next = [
        "//evil.example/",
        "https://evil.example/",
        "javascript:alert(1)",
        "/\\evil.example",
    ];
    for next in hostile_next {
        address += 1;
        let page = app
            .client_from(address)
            .login_next("official1", crate::helpers::PASSWORD, next)
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "next={next}: {}", page.body);
        let location = page.location().expect("a signed-in user is sent on");
        assert!(
            location.starts_with('/') && !location.starts_with("//") && !location.starts_with("/\\"),
            "next={next} sent to {location}"
        );
    }
}

fn sends_to_login(page: &Page) -> bool {
    page.status == StatusCode::SEE_OTHER && page.location().is_some_and(|l| l.starts_with("/login"))
}

/// The names the application's forms use, each sent with the hostile value:
/// whichever of them a route reads gets it.
fn every_field_name() -> Vec<String> {
    let mut names: Vec<String> = [
        "version",
        "name",
        "comment",
        "decision",
        "reason",
        "year",
        "grade",
        "title",
        "introduction",
        "kind",
        "proposal",
        "position",
        "direction",
        "role",
        "active",
        "region",
        "region_id",
        "username",
        "password",
        "current_password",
        "new_password",
        "confirm",
        "value",
        "criterion",
        "expected",
        "action",
        "standard",
        "note",
        "named",
        "label",
        "description",
        "parameter",
        "entry",
        "next",
        "lang",
    ]
    .iter()
    .map(|n| n.to_string())
    .collect();
    names.extend(FIELDS.iter().map(|f| f.name.to_string()));
    names.extend(xiaozhen::domain::creation::REPORT_FIELDS.iter().map(|n| n.to_string()));
    names.sort();
    names.dedup();
    names
}

/// Every POST route of the route table — the routes `authz.rs` finds in the
/// source, so a new route is fuzzed without being listed here — gets every
/// hostile value in every field name the forms use, from a user allowed to
/// post it: never a 5xx; the handler is reached (no 403, no trip to the
/// login page); a refusal (4xx) stores nothing.
#[tokio::test]
async fn hostile_values_reach_every_post_route_of_the_route_table() {
    use crate::authz::{Access, TABLE, routes_in_source};
    let app = TestApp::spawn().await;
    let official_user = app.official_of("official1", "诸城市").await;
    let reviewer_id = app.create_user("reviewer1", Role::Reviewer, None).await;
    let admin_id = app.create_user("admin1", Role::Admin, None).await;
    let listed = app
        .listed(&official_user, reviewer_id, admin_id, &sample_input("名单小镇"))
        .await;
    let submitted = app.submitted(&official_user, &sample_input("待审小镇")).await;
    let draft = app.draft(&official_user, &sample_input("草稿小镇")).await;
    let batch = xiaozhen::services::batches::create_list_batch_without_notice(&app.db, admin_id, "草稿批次", "")
        .await
        .unwrap();
    // An approved town in the draft batch: its entry's routes have a target.
    let approved = app.submitted(&official_user, &sample_input("通过小镇")).await;
    let approve = xiaozhen::services::reviews::DecisionInput::new(
        xiaozhen::services::reviews::Decision::Approve,
        "同意",
        app.proposal_version(approved).await,
    );
    xiaozhen::services::reviews::decide(&app.db, &app.user(reviewer_id).await, approved, &approve)
        .await
        .unwrap();
    xiaozhen::services::batches::add_entry(&app.db, admin_id, batch, approved, "")
        .await
        .unwrap();
    let entry: i64 = sqlx::query_scalar("SELECT id FROM batch_entries WHERE batch_id = $1")
        .bind(batch)
        .fetch_one(&app.db)
        .await
        .unwrap();
    let active: i64 = sqlx::query_scalar("SELECT id FROM standards WHERE status = 'active'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let region: i64 = sqlx::query_scalar("SELECT id FROM regions ORDER BY id LIMIT 1")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let target_user = app.create_user("target1", Role::Reviewer, None).await;
    let login = |username: &'static str| {
        let app = &app;
        async move {
            let client = app.client();
            let page = client.login(username, crate::helpers::PASSWORD).await;
            assert_eq!(page.status, StatusCode::SEE_OTHER, "login {username}");
            client
        }
    };
    // 诸城市 under 潍坊市, whose city user posts the city's routes.
    let weifang = crate::rounds::city(&app, "潍坊市").await;
    crate::rounds::county_of(&app, "诸城市", weifang).await;
    crate::rounds::city_user(&app, "city1", weifang).await;
    let official = login("official1").await;
    let reviewer = login("reviewer1").await;
    let admin = login("admin1").await;
    let city = login("city1").await;
    crate::experts::expert(
        &app,
        &app.user(admin_id).await,
        "expert1",
        xiaozhen::domain::panel::Field::Research,
        "某研究院",
        None,
    )
    .await;
    let expert = login("expert1").await;
    let concrete = |path: &str| -> String {
        let id = if path.contains("/decision")
            || path.contains("/overrides")
            || path.contains("/reevaluate")
            || path.starts_with("/city/")
            || path.starts_with("/review/formal/")
        {
            submitted
        } else if path.starts_with("/proposals/{id}/reports") || path.starts_with("/review/creation/") {
            listed
        } else if path.starts_with("/proposals/") {
            draft
        } else if path.starts_with("/admin/users/") {
            target_user
        } else if path.starts_with("/admin/regions/") {
            region
        } else if path.starts_with("/admin/batches/") {
            batch
        } else {
            active
        };
        path.replace("{id}", &id.to_string())
            .replace("{entry}", &entry.to_string())
            .replace("{n}", "0")
    };
    let tables = [
        "proposals",
        "reviews",
        "users",
        "regions",
        "batches",
        "batch_entries",
        "annual_reports",
        "assessments",
        "acceptances",
        "finding_overrides",
        "standards",
        "rounds",
        "city_recommendations",
        "stage_actions",
    ];
    let snapshot = || async {
        let mut counts = Vec::new();
        for t in tables {
            counts.push(count(&app, &format!("SELECT count(*) FROM {t}")).await);
        }
        counts
    };
    let names = every_field_name();
    let posts: Vec<String> = routes_in_source()
        .into_iter()
        .filter(|(m, p)| m == "POST" && !p.starts_with("/api/"))
        .map(|(_, p)| p)
        .collect();
    assert!(posts.len() >= 39, "the route table's POST routes: {posts:?}");
    let mut wrong = Vec::new();
    let mut reached = 0;
    for path in &posts {
        let access = TABLE
            .iter()
            .find(|(m, p, _)| *m == "POST" && p == path)
            .map(|(_, _, a)| *a)
            .unwrap_or_else(|| panic!("{path} has no expectation in authz.rs"));
        let client = match access {
            Access::Public | Access::SignedIn | Access::Reviewers | Access::Staff => &reviewer,
            Access::Officials | Access::OfficialOnly => &official,
            Access::Admins => &admin,
            Access::Cities => &city,
            Access::Experts => &expert,
        };
        // Logging out would end the session the next routes need.
        let client = if path == "/logout" { &app.client() } else { client };
        let url = concrete(path);
        for value in NOT_A_VALUE {
            let before = snapshot().await;
            let fields: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), *value)).collect();
            let page = client.post(&url, &fields).await;
            let shown: String = value.chars().take(30).collect();
            // A 403 or a trip to the login page would mean the value never
            // reached the handler: the wrong user for the route.
            let stopped = page.status == StatusCode::FORBIDDEN || sends_to_login(&page);
            if page.status.is_server_error() || stopped {
                wrong.push(format!("POST {url} with {shown:?}: {}", page.status));
            } else if page.status.is_client_error() && snapshot().await != before {
                wrong.push(format!(
                    "POST {url} with {shown:?}: {} but something was stored",
                    page.status
                ));
            }
            reached += 1;
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert_eq!(reached, posts.len() * NOT_A_VALUE.len());
}

/// Raw bodies no form sends: 10 MB, invalid UTF-8 (raw and percent-encoded),
/// JSON to a form, garbage with a multipart type.
#[tokio::test]
async fn raw_garbage_bodies_are_refused_on_every_post_route() {
    let app = TestApp::spawn().await;
    let official_user = app.official_of("zc", "诸城市").await;
    let id = app.submitted(&official_user, &sample_input("垃圾小镇")).await;
    let draft = app.draft(&official_user, &sample_input("草稿小镇")).await;
    let official = app.login_as(Role::Official).await;
    let reviewer = app.login_as(Role::Reviewer).await;
    let admin = app.login_as(Role::Admin).await;
    let anonymous = app.client();
    let active: i64 = sqlx::query_scalar("SELECT id FROM standards WHERE status = 'active'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let before = (
        count(&app, "SELECT count(*) FROM proposals").await,
        count(&app, "SELECT count(*) FROM reviews").await,
        count(&app, "SELECT count(*) FROM users").await,
        count(&app, "SELECT count(*) FROM batches").await,
        app.proposal_version(draft).await,
    );
    let routes: Vec<(&Client, String)> = vec![
        (&official, "/proposals".into()),
        (&official, format!("/proposals/{draft}")),
        (&official, "/proposals/live".into()),
        (&official, format!("/proposals/{draft}/submit")),
        (&anonymous, "/login".into()),
        (&reviewer, "/account/password".into()),
        (&reviewer, format!("/proposals/{id}/decision")),
        (&reviewer, format!("/proposals/{id}/overrides")),
        (&admin, "/admin/users".into()),
        (&admin, "/admin/batches".into()),
        (&admin, format!("/admin/standards/{active}/edit")),
    ];
    let ten_mb = "x".repeat(10 * 1024 * 1024);
    let mut stored = before.0;
    let mut wrong = Vec::new();
    for (client, path) in routes {
        let token = client.csrf().await;
        let url = format!("{}{path}", client.base);
        let mut invalid_utf8 = format!("csrf_token={token}&name=").into_bytes();
        invalid_utf8.extend_from_slice(b"\xff\xfe\xc3\x28&developer=\xed\xa0\x80&version=\xff");
        let bodies: Vec<(&str, &str, Vec<u8>)> = vec![
            (
                "10 MB",
                "application/x-www-form-urlencoded",
                format!("csrf_token={token}&name={ten_mb}&comment={ten_mb}").into_bytes(),
            ),
            ("invalid UTF-8", "application/x-www-form-urlencoded", invalid_utf8),
            (
                "percent-encoded invalid UTF-8",
                "application/x-www-form-urlencoded",
                format!("csrf_token={token}&name=%FF%FE%C3%28&version=%FF&decision=%ED%A0%80").into_bytes(),
            ),
            (
                "JSON",
                "application/json",
                format!("{{\"csrf_token\":\"{token}\",\"name\":[1,2],\"version\":NaN}}").into_bytes(),
            ),
            (
                "garbage multipart",
                "multipart/form-data; boundary=XYZ",
                b"--XYZ\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n\x00\x01\x02".to_vec(),
            ),
            (
                "no content type",
                "",
                format!("csrf_token={token}&version=-1").into_bytes(),
            ),
        ];
        for (what, content_type, body) in bodies {
            let mut request = client.http.post(&url).body(body);
            if !content_type.is_empty() {
                request = request.header("content-type", content_type);
            }
            let status = match request.send().await {
                Ok(r) => r.status(),
                Err(e) => {
                    wrong.push(format!("POST {path} ({what}): no answer: {e}"));
                    continue;
                }
            };
            let proposals = count(&app, "SELECT count(*) FROM proposals").await;
            if proposals != stored {
                wrong.push(format!("POST {path} ({what}): {status}, a proposal was stored"));
                stored = proposals;
            }
            // The live evaluation of a half-typed form is a 200 page.
            let ok = status.is_client_error() || (path == "/proposals/live" && status == StatusCode::OK);
            if !ok {
                wrong.push(format!("POST {path} ({what}): {status}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    let after = (
        count(&app, "SELECT count(*) FROM proposals").await,
        count(&app, "SELECT count(*) FROM reviews").await,
        count(&app, "SELECT count(*) FROM users").await,
        count(&app, "SELECT count(*) FROM batches").await,
        app.proposal_version(draft).await,
    );
    assert_eq!(after, before, "nothing stored");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[tokio::test]
async fn the_evaluation_api_refuses_hostile_json_with_4xx() {
    let app = TestApp::spawn().await;
    let http = reqwest::Client::new();
    let url = app.url("/api/v1/evaluate");
    let sample: serde_json::Value =
        serde_json::from_str(include_str!("../../scripts/sample-proposal.json")).expect("sample JSON");
    let ok = http.post(&url).json(&sample).send().await.unwrap();
    assert_eq!(ok.status(), StatusCode::OK);

    let mut bodies: Vec<(String, Vec<u8>, &str, bool)> = Vec::new();
    let leaves = leaf_paths(&sample, "");
    for path in &leaves {
        for bad in [
            "\"abc\"",
            "-1",
            "-1e400",
            "1e400",
            "123456789012345678901234567890123456789",
            "NaN",
            "Infinity",
            "true",
            "null",
            "[]",
            "{}",
            "\"<script>alert(1)</script>\"",
            "\"1' OR '1'='1\"",
        ] {
            let text = replace_leaf(&sample, path, bad);
            let original = sample.pointer(path).expect("leaf");
            let same_type = bad == "null"
                || (original.is_string() && bad.starts_with('"'))
                || (original.is_boolean() && bad == "true");
            bodies.push((
                format!("{path}={bad}"),
                text.into_bytes(),
                "application/json",
                same_type,
            ));
        }
    }
    bodies.push((
        "10 MB".into(),
        format!("{{\"name\":\"{}\"}}", "x".repeat(10 << 20)).into_bytes(),
        "application/json",
        false,
    ));
    bodies.push((
        "invalid UTF-8".into(),
        b"{\"name\":\"\xff\xfe\"}".to_vec(),
        "application/json",
        false,
    ));
    bodies.push(("not JSON".into(), b"name=x".to_vec(), "application/json", false));
    bodies.push((
        "a form".into(),
        b"name=x".to_vec(),
        "application/x-www-form-urlencoded",
        false,
    ));
    bodies.push(("empty".into(), Vec::new(), "application/json", false));
    bodies.push((
        "deep".into(),
        format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)).into_bytes(),
        "application/json",
        false,
    ));
    bodies.push((
        "overlong name".into(),
        serde_json::json!({"name": overlong()}).to_string().into_bytes(),
        "application/json",
        false,
    ));

    let mut wrong = Vec::new();
    for (what, body, content_type, same_type) in bodies {
        let response = http
            .post(&url)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        let json_ok = serde_json::from_str::<serde_json::Value>(&text).is_ok_and(|v| v.get("errors").is_some());
        // A value of the field's own type (any text, a boolean, null for
        // an optional field) is a proposal like any other.
        let allowed = status == StatusCode::OK && same_type;
        if !(allowed || status.is_client_error() && json_ok) {
            wrong.push(format!("{what:.60}: {status} {text:.200}"));
        }
    }
    // A hostile standard code.
    for code in ["'; DROP TABLE standards; --", "%00", "<script>", &"x".repeat(10_000)] {
        let q = url::form_urlencoded::byte_serialize(code.as_bytes()).collect::<String>();
        let status = http
            .post(format!("{url}?standard={q}"))
            .json(&sample)
            .send()
            .await
            .unwrap()
            .status();
        if status != StatusCode::NOT_FOUND {
            wrong.push(format!("standard={code:.30}: {status}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

fn leaf_paths(value: &serde_json::Value, prefix: &str) -> Vec<String> {
    match value {
        serde_json::Value::Object(map) => map
            .iter()
            .flat_map(|(k, v)| leaf_paths(v, &format!("{prefix}/{k}")))
            .collect(),
        serde_json::Value::Array(items) => items
            .iter()
            .enumerate()
            .flat_map(|(i, v)| leaf_paths(v, &format!("{prefix}/{i}")))
            .collect(),
        _ => vec![prefix.to_owned()],
    }
}

/// The JSON text of `value` with the leaf at `path` replaced by `raw` (which
/// need not be valid JSON: `NaN`, `Infinity`).
fn replace_leaf(value: &serde_json::Value, path: &str, raw: &str) -> String {
    const MARK: &str = "\u{1}HOSTILE\u{1}";
    let mut copy = value.clone();
    *copy.pointer_mut(path).expect("leaf") = serde_json::Value::String(MARK.to_owned());
    copy.to_string()
        .replace(&serde_json::Value::String(MARK.to_owned()).to_string(), raw)
}

#[tokio::test]
async fn garbage_uploads_are_refused_and_store_nothing() {
    let app = TestApp::spawn().await;
    let official = app.login_as(Role::Official).await;
    let token = official.csrf().await;
    let url = format!("{}/proposals/import?csrf_token={token}", official.base);
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("empty.xlsx", Vec::new()),
        ("garbage.xlsx", (0..5000u32).map(|i| (i * 7919 % 251) as u8).collect()),
        ("zip.xlsx", b"PK\x03\x04garbage garbage".to_vec()),
        ("bad.csv", b"\xff\xfe\x00name,\xc3\x28\n\xed\xa0\x80,1e400\n".to_vec()),
        ("<script>alert(1)</script>.exe", b"MZ\x90\x00".to_vec()),
        ("big.csv", vec![b'a'; 11 << 20]),
    ];
    let mut wrong = Vec::new();
    for (name, bytes) in files {
        let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned());
        let form = reqwest::multipart::Form::new().part("file", part);
        let response = official.http.post(&url).multipart(form).send().await;
        let status = match response {
            Ok(r) => r.status(),
            Err(e) => {
                wrong.push(format!("{name}: no answer: {e}"));
                continue;
            }
        };
        // A CSV of garbage rows may be read and previewed with each row's
        // errors (303 to the preview); it is never a 500.
        if status.is_server_error() || (status.is_success() && !name.ends_with(".csv")) {
            wrong.push(format!("{name}: {status}"));
        }
    }
    // A multipart body that is not one.
    let garbage = official
        .http
        .post(&url)
        .header("content-type", "multipart/form-data; boundary=nope")
        .body(b"\x00\x01\x02 not multipart".to_vec())
        .send()
        .await
        .unwrap()
        .status();
    if !garbage.is_client_error() {
        wrong.push(format!("garbage multipart: {garbage}"));
    }
    assert_eq!(count(&app, "SELECT count(*) FROM proposals").await, 0, "nothing stored");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The typed payloads, within each field's length.
fn xss_input(name: &str) -> xiaozhen::domain::proposal::ProposalInput {
    let mut input = sample_input(name);
    input.developer = Some(format!("@SUM(1+1){IMG}"));
    input
}

fn assert_escaped(what: &str, page: &Page) {
    assert!(page.status.is_success(), "{what}: {}", page.status);
    for raw in [SCRIPT, IMG, "<script>alert"] {
        assert!(!page.body.contains(raw), "{what} shows {raw} unescaped");
    }
}

/// The page shows `typed` as text — escaped in the markup, so that the
/// parsed page's text holds it as typed — and never as markup.
fn assert_shown_escaped(what: &str, page: &Page, typed: &str) {
    assert_escaped(what, page);
    let text: String = page.html().root_element().text().collect();
    assert!(text.contains(typed), "{what} does not show {typed:?} as text");
}

#[tokio::test]
async fn html_typed_into_text_fields_is_escaped_on_every_page() {
    let app = TestApp::spawn().await;
    let name = format!("=1+2{SCRIPT}");
    let official_user = app.official_of("zc", "诸城市").await;
    let official = app.client();
    assert_eq!(
        official.login("zc", crate::helpers::PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    let id = app.submitted(&official_user, &xss_input(&name)).await;
    let stored: String = sqlx::query_scalar("SELECT name FROM proposals WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(stored, name, "typed text is stored as typed");

    for path in [
        "/proposals".to_owned(),
        format!("/proposals/{id}"),
        format!("/proposals/{id}/report"),
    ] {
        assert_shown_escaped(&path, &official.get(&path).await, &name);
    }
    assert_escaped("/dashboard", &official.get("/dashboard").await);
    let reviewer = app.login_as(Role::Reviewer).await;
    assert_shown_escaped("/review", &reviewer.get("/review").await, &name);
    // The queue's export while the proposal is in it.
    let queue_export = reviewer
        .http
        .get(format!("{}/review/export.xlsx", reviewer.base))
        .send()
        .await
        .unwrap();
    assert_eq!(queue_export.status(), StatusCode::OK);
    let (texts, formulas) = xlsx_cells(&queue_export.bytes().await.unwrap());
    assert!(
        texts.contains(&name),
        "/review/export.xlsx holds the name as text: {texts:?}"
    );
    assert!(formulas.is_empty(), "/review/export.xlsx has formulas: {formulas:?}");
    let version = app.proposal_version(id).await.to_string();
    let comment = format!("{SCRIPT}{IMG}");
    let decided = reviewer
        .post(
            &format!("/proposals/{id}/decision"),
            &[("decision", "approve"), ("comment", &comment), ("version", &version)],
        )
        .await;
    assert_eq!(decided.status, StatusCode::SEE_OTHER, "{}", decided.body);
    for path in [format!("/proposals/{id}"), format!("/proposals/{id}/report")] {
        let page = reviewer.get(&path).await;
        assert_shown_escaped(&path, &page, &name);
        assert_shown_escaped(&path, &page, &comment);
    }
    assert_escaped("/review", &reviewer.get("/review").await);
    let admin = app.login_as(Role::Admin).await;
    let created = admin
        .post(
            "/admin/batches",
            &[
                ("kind", "list"),
                ("notice", "off"),
                ("title", &format!("+批次{SCRIPT}")),
                ("introduction", &format!("-{IMG}")),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let batch_path = created.location().unwrap();
    let batch: i64 = batch_path.trim_start_matches("/admin/batches/").parse().unwrap();
    let added = admin
        .post(&format!("{batch_path}/entries"), &[("proposal", &id.to_string())])
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    assert_shown_escaped("the batch page", &admin.get(&batch_path).await, &name);
    assert_shown_escaped(
        "the batch preview",
        &admin.get(&format!("{batch_path}/preview")).await,
        &name,
    );
    assert_eq!(
        admin.post(&format!("{batch_path}/publish"), &[]).await.status,
        StatusCode::SEE_OTHER
    );
    for path in ["/admin", "/admin/batches", "/admin/audit", "/proposals"] {
        assert_escaped(path, &admin.get(path).await);
    }
    let public = app.client();
    for path in [format!("/batches/{batch}"), format!("/towns/{id}")] {
        assert_shown_escaped(&path, &public.get(&path).await, &name);
    }
    assert_escaped("/", &public.get("/").await);
    // JSON export: the text as typed, as a JSON string.
    let json = public.get(&format!("/batches/{batch}.json")).await;
    let value: serde_json::Value = serde_json::from_str(&json.body).expect("JSON");
    assert!(value.to_string().contains("alert"), "{}", json.body);

    // XLSX exports: typed text is a text cell, never a formula (the
    // queue's export was read while the proposal was in the queue).
    for (client, path) in [
        (&official, "/proposals/export.xlsx".to_owned()),
        (&public, format!("/batches/{batch}.xlsx")),
    ] {
        let response = client.http.get(format!("{}{path}", client.base)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let bytes = response.bytes().await.unwrap().to_vec();
        let (texts, formulas) = xlsx_cells(&bytes);
        assert!(texts.contains(&name), "{path} holds the name as text: {texts:?}");
        assert!(formulas.is_empty(), "{path} has formulas: {formulas:?}");
    }
}

/// Text cells and formulas of every sheet.
fn xlsx_cells(bytes: &[u8]) -> (Vec<String>, Vec<String>) {
    use calamine::{Reader, Xlsx};
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("an XLSX file");
    let mut texts = Vec::new();
    let mut formulas = Vec::new();
    for sheet in book.sheet_names() {
        let range = book.worksheet_range(&sheet).expect("sheet");
        texts.extend(range.used_cells().map(|(_, _, c)| c.to_string()));
        if let Ok(f) = book.worksheet_formula(&sheet) {
            formulas.extend(f.used_cells().map(|(_, _, c)| c.clone()).filter(|c| !c.is_empty()));
        }
    }
    (texts, formulas)
}

/// A name a spreadsheet would run as a formula.
const TYPED: &str = "=HYPERLINK(\"http://evil.example\",\"点击\")";

/// CSV cells starting with `=`, `+`, `-` or `@` are run as formulas by
/// spreadsheet programs: typed text must come out neutralised (e.g. with a
/// leading `'`).
#[tokio::test]
async fn csv_exports_neutralise_formulas_in_typed_text() {
    let app = TestApp::spawn().await;
    let official_user = app.official_of("zc", "诸城市").await;
    let official = app.client();
    assert_eq!(
        official.login("zc", crate::helpers::PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    let id = app.submitted(&official_user, &xss_input(TYPED)).await;
    let reviewer = app.login_as(Role::Reviewer).await;
    // The queue's export while the proposal is in it.
    let queue = reviewer.get("/review/export.csv").await;
    let version = app.proposal_version(id).await.to_string();
    let decided = reviewer
        .post(
            &format!("/proposals/{id}/decision"),
            &[("decision", "approve"), ("comment", ""), ("version", &version)],
        )
        .await;
    assert_eq!(decided.status, StatusCode::SEE_OTHER);
    let admin_id = app.create_user("admin9", Role::Admin, None).await;
    let batch = xiaozhen::services::batches::create_list_batch_without_notice(&app.db, admin_id, "批次", "")
        .await
        .unwrap();
    xiaozhen::services::batches::add_entry(&app.db, admin_id, batch, id, "")
        .await
        .unwrap();
    xiaozhen::services::batches::publish(&app.db, admin_id, batch)
        .await
        .unwrap();

    let mut wrong = Vec::new();
    let exports = [
        (
            "/proposals/export.csv".to_owned(),
            official.get("/proposals/export.csv").await,
        ),
        ("/review/export.csv".to_owned(), queue),
        (
            format!("/batches/{batch}.csv"),
            app.client().get(&format!("/batches/{batch}.csv")).await,
        ),
    ];
    for (path, page) in exports {
        assert_eq!(page.status, StatusCode::OK, "{path}");
        let mut defused = false;
        let body = page.body.trim_start_matches('\u{feff}');
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(body.as_bytes());
        for record in reader.records() {
            for cell in record.expect("CSV").iter() {
                // A negative number is data, not a formula.
                let number = cell.parse::<f64>().is_ok();
                if !number && cell.starts_with(['=', '+', '-', '@']) {
                    wrong.push(format!("{path}: {cell}"));
                }
                defused |= cell.ends_with(TYPED) && cell != TYPED;
            }
        }
        if !defused {
            wrong.push(format!("{path} does not hold the typed name, defused"));
        }
    }
    assert!(wrong.is_empty(), "formula cells in CSV exports:\n{}", wrong.join("\n"));
}
