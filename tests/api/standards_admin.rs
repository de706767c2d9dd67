//! Standards administration: versions, drafts and their validation,
//! immutability of used versions (also in SQL), example cases gating
//! publication and activation, exactly one active version, the what-if, and
//! re-evaluation under the active version.

use reqwest::StatusCode;
use scraper::{Html, Selector};
use sqlx::Row;
use xiaozhen::domain::Role;
use xiaozhen::domain::proposal::Location;

use crate::helpers::{Client, Page, TestApp, sample_input};

async fn standard_id(app: &TestApp, code: &str, version: i32) -> i64 {
    sqlx::query_scalar("SELECT id FROM standards WHERE code = $1 AND version = $2")
        .bind(code)
        .bind(version)
        .fetch_one(&app.db)
        .await
        .expect("standard exists")
}

async fn status_of(app: &TestApp, id: i64) -> String {
    sqlx::query_scalar("SELECT status FROM standards WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .expect("status")
}

async fn active_ids(app: &TestApp) -> Vec<i64> {
    sqlx::query_scalar("SELECT id FROM standards WHERE status = 'active'")
        .fetch_all(&app.db)
        .await
        .expect("active")
}

/// Copies a version through its page's form; returns the new draft's id.
async fn copy(admin: &Client, id: i64, code: &str) -> i64 {
    let page = admin
        .post(&format!("/admin/standards/{id}/copy"), &[("code", code)])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let location = page.location().expect("redirect");
    location
        .trim_start_matches("/admin/standards/")
        .trim_end_matches("/edit")
        .parse()
        .expect("the draft's id")
}

/// What the edit form would send as it is shown (ticked boxes, selected options).
fn form_fields(page: &Page, form: &str) -> Vec<(String, String)> {
    let html = Html::parse_document(&page.body);
    let sel = Selector::parse(&format!("{form} input, {form} select")).unwrap();
    let selected = Selector::parse("option[selected]").unwrap();
    let mut fields = Vec::new();
    for el in html.select(&sel) {
        let v = el.value();
        let Some(name) = v.attr("name") else { continue };
        if name == "csrf_token" {
            continue;
        }
        let value = match v.name() {
            "select" => el
                .select(&selected)
                .next()
                .and_then(|o| o.value().attr("value"))
                .unwrap_or("")
                .to_owned(),
            _ if v.attr("type") == Some("checkbox") => {
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

/// The field prefix (`c14`) of a criterion in the edit form.
fn prefix_of(fields: &[(String, String)], criterion: &str) -> String {
    fields
        .iter()
        .find(|(k, v)| k.ends_with(".key") && v == criterion)
        .map(|(k, _)| k.trim_end_matches(".key").to_owned())
        .unwrap_or_else(|| panic!("criterion {criterion} in the form"))
}

pub(crate) fn set(fields: &mut [(String, String)], name: &str, value: &str) {
    let f = fields
        .iter_mut()
        .find(|(k, _)| k == name)
        .unwrap_or_else(|| panic!("field {name}"));
    f.1 = value.to_owned();
}

async fn post_fields(client: &Client, path: &str, fields: &[(String, String)]) -> Page {
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    client.post(path, &refs).await
}

/// Edits one criterion figure of a draft through the form.
async fn set_figure(admin: &Client, id: i64, criterion: &str, field: &str, value: &str) -> Page {
    let page = admin.get(&format!("/admin/standards/{id}/edit")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let mut fields = form_fields(&page, "form.std-edit");
    let p = prefix_of(&fields, criterion);
    set(&mut fields, &format!("{p}.{field}"), value);
    post_fields(admin, &format!("/admin/standards/{id}/edit"), &fields).await
}

/// Makes every failing example case of a draft expect what it now gets.
async fn accept_current_results(admin: &Client, id: i64) -> usize {
    let show = admin.get(&format!("/admin/standards/{id}")).await;
    let html = show.html();
    let failed = Selector::parse("tr.example.failed a").unwrap();
    let links: Vec<String> = html
        .select(&failed)
        .filter_map(|a| a.value().attr("href").map(str::to_owned))
        .collect();
    for link in &links {
        let page = admin.get(link).await;
        let mut fields = form_fields(&page, "form.example-edit");
        let doc = page.html();
        let row = Selector::parse("tr.expect").unwrap();
        let actual = Selector::parse("td .badge").unwrap();
        for tr in doc.select(&row) {
            let criterion = tr.value().attr("data-criterion").unwrap();
            let class = tr.select(&actual).next().unwrap().value().attr("class").unwrap();
            let code = class.trim_start_matches("badge").trim();
            set(&mut fields, &format!("expect.{criterion}"), code);
        }
        let overall = page.attr(".actual-overall", "class").unwrap();
        let overall = overall
            .split_whitespace()
            .find(|c| *c != "badge" && *c != "actual-overall")
            .unwrap()
            .to_owned();
        set(&mut fields, "expected_overall", &overall);
        let saved = post_fields(admin, link, &fields).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    }
    links.len()
}

#[tokio::test]
async fn only_admins_reach_the_standards_pages() {
    let app = TestApp::spawn().await;
    for role in [Role::Official, Role::Reviewer] {
        let client = app.login_as(role).await;
        assert_eq!(
            client.get("/admin/standards").await.status,
            StatusCode::FORBIDDEN,
            "{role:?}"
        );
        assert_eq!(
            client.get("/admin/standards/1").await.status,
            StatusCode::FORBIDDEN,
            "{role:?}"
        );
        let zj = standard_id(&app, "ZJ-2015", 5).await;
        let refused = client
            .post(&format!("/admin/standards/{zj}/copy"), &[("code", "")])
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{role:?}");
    }
    let official = app.official_of("official9", "诸城市").await;
    let id = app.submitted(&official, &sample_input("Town A")).await;
    let other = app.create_user("official8", Role::Official, Some("诸城市")).await;
    let _ = other;
    let client = app.client();
    client.login("official8", crate::helpers::PASSWORD).await;
    let refused = client.post(&format!("/proposals/{id}/reevaluate"), &[]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_list_and_a_version_page_show_status_use_and_every_criterion() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let official = app.official_of("official9", "诸城市").await;
    app.submitted(&official, &sample_input("Town A")).await;

    let list = admin.get("/admin/standards").await;
    assert_eq!(list.status, StatusCode::OK);
    let zj = standard_id(&app, "ZJ-2015", 5).await;
    let row = format!("tr.version[data-id=\"{zj}\"]");
    assert_eq!(list.text(&format!("{row} .status")), "启用中");
    assert_eq!(list.text(&format!("{row} .uses")), "1");
    assert_eq!(list.text(&format!("{row} .effective")), "2015-04-22");
    let cn = standard_id(&app, "CN-2021", 1).await;
    assert_eq!(list.text(&format!("tr.version[data-id=\"{cn}\"] .status")), "已发布");
    // Versions 1 to 4 of ZJ-2015 stay published beside the active version 5.
    let zj1 = standard_id(&app, "ZJ-2015", 1).await;
    assert_eq!(list.text(&format!("tr.version[data-id=\"{zj1}\"] .status")), "已发布");

    let show = admin.get(&format!("/admin/standards/{zj}")).await;
    assert_eq!(show.status, StatusCode::OK);
    // zj-2015-v5.json holds 27 criteria (v3's 19, the five materials, the
    // three boundary criteria) and 48 example cases (and two tables).
    assert_eq!(show.texts("tr.criterion").len(), 27);
    assert!(
        show.text("#criterion-boundary\\.area .rules").contains("± 10%"),
        "{}",
        show.text("#criterion-boundary\\.area")
    );
    assert!(
        show.text("#criterion-boundary\\.control_lines .rules")
            .contains("生态保护红线、永久基本农田")
    );
    assert!(
        show.text("#criterion-benefit\\.annual_visitors .citation")
            .contains("年接待游客30万人次以上")
    );
    assert!(show.text("#criterion-investment\\.eligible_total .rules").contains("≥"));
    assert_eq!(show.texts("tr.example").len(), 48);
    assert!(show.texts("tr.example .result").iter().all(|t| t == "通过"));
}

#[tokio::test]
async fn invalid_parameters_are_refused_beside_their_fields_and_kept() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let zj = standard_id(&app, "ZJ-2015", 5).await;
    let draft = copy(&admin, zj, "").await;
    assert_eq!(status_of(&app, draft).await, "draft");
    let version: i32 = sqlx::query_scalar("SELECT version FROM standards WHERE id = $1")
        .bind(draft)
        .fetch_one(&app.db)
        .await
        .unwrap();
    // A copy takes the next free number: 6, after the built-in version 5.
    assert_eq!(version, 6);
    let before: String = sqlx::query_scalar("SELECT content_hash FROM standards WHERE id = $1")
        .bind(draft)
        .fetch_one(&app.db)
        .await
        .unwrap();

    let page = admin.get(&format!("/admin/standards/{draft}/edit")).await;
    let mut fields = form_fields(&page, "form.std-edit");
    let band = prefix_of(&fields, "space.planned_area");
    let share = prefix_of(&fields, "investment.characteristic_share");
    let total = prefix_of(&fields, "investment.eligible_total");
    set(&mut fields, &format!("{band}.upper"), "1");
    set(&mut fields, &format!("{share}.value"), "120");
    set(&mut fields, &format!("{total}.value"), "5O");
    // No eligible industry at all: the engine's own check.
    fields.retain(|(k, _)| k != "eligible");
    let refused = post_fields(&admin, &format!("/admin/standards/{draft}/edit"), &fields).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    assert_eq!(
        refused.text(&format!("[data-field=\"{band}.upper\"]")),
        "上限应大于下限"
    );
    assert_eq!(
        refused.text(&format!("[data-field=\"{share}.value\"]")),
        "百分比应在 0 到 100 之间"
    );
    assert_eq!(
        refused.text(&format!("[data-field=\"{total}.value\"]")),
        "请输入数字，例如 3.6"
    );
    assert_eq!(
        refused
            .attr(&format!("input[name=\"{band}.upper\"]"), "value")
            .as_deref(),
        Some("1")
    );
    assert_eq!(
        refused
            .attr(&format!("input[name=\"{total}.value\"]"), "value")
            .as_deref(),
        Some("5O")
    );

    // Figures fine, the engine's check remains: beside the industries.
    set(&mut fields, &format!("{band}.upper"), "3.6");
    set(&mut fields, &format!("{share}.value"), "70");
    set(&mut fields, &format!("{total}.value"), "50");
    let refused = post_fields(&admin, &format!("/admin/standards/{draft}/edit"), &fields).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.text("[data-field=\"eligible\"]"), "至少要有一个可申报产业");

    let after: String = sqlx::query_scalar("SELECT content_hash FROM standards WHERE id = $1")
        .bind(draft)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(before, after, "nothing saved");

    // A new code must be a code.
    let bad = admin
        .post(&format!("/admin/standards/{zj}/copy"), &[("code", "zc 2026")])
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text(".copy .field-error").contains("大写字母"));
    assert_eq!(bad.attr("#copy-code", "value").as_deref(), Some("zc 2026"));

    // A criterion of a known kind can be added, and removed.
    let added = admin
        .post(
            &format!("/admin/standards/{draft}/criteria"),
            &[
                ("new.id", "benefit.jobs_min"),
                ("new.kind", "at_least"),
                ("new.metric", "jobs"),
                ("new.severity", "soft"),
                ("new.value", "2000"),
                ("new.document", "诸城市特色小镇实施方案"),
                ("new.clause", "三、就业"),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let show = admin.get(&format!("/admin/standards/{draft}")).await;
    assert!(show.has("#criterion-benefit\\.jobs_min"));
    let bad_band = admin
        .post(
            &format!("/admin/standards/{draft}/criteria"),
            &[
                ("new.id", "space.other"),
                ("new.kind", "band"),
                ("new.metric", "planned_area_km2"),
                ("new.severity", "soft"),
                ("new.value", "5"),
                ("new.upper", "2"),
                ("new.document", "文件"),
                ("new.clause", "条款"),
            ],
        )
        .await;
    assert_eq!(bad_band.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad_band.text("[data-field=\"new.upper\"]"), "上限应大于下限");
    let page = admin.get(&format!("/admin/standards/{draft}/edit")).await;
    let mut fields = form_fields(&page, "form.std-edit");
    let p = prefix_of(&fields, "benefit.jobs_min");
    fields.push((format!("{p}.remove"), "true".into()));
    let saved = post_fields(&admin, &format!("/admin/standards/{draft}/edit"), &fields).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert!(
        !admin
            .get(&format!("/admin/standards/{draft}"))
            .await
            .has("#criterion-benefit\\.jobs_min")
    );
}

#[tokio::test]
async fn used_and_non_draft_versions_are_never_edited_also_in_sql() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let zj = standard_id(&app, "ZJ-2015", 5).await;
    let official = app.official_of("official9", "诸城市").await;
    app.submitted(&official, &sample_input("Town A")).await;

    // Through the application: 409 with a clear message.
    let edit = admin.get(&format!("/admin/standards/{zj}/edit")).await;
    assert_eq!(edit.status, StatusCode::CONFLICT);
    assert!(edit.body.contains("已被评估使用"), "{}", edit.body);
    let post = admin
        .post(&format!("/admin/standards/{zj}/edit"), &[("hash", "x")])
        .await;
    assert_eq!(post.status, StatusCode::CONFLICT);

    // By hand: the trigger refuses.
    let err =
        sqlx::query("UPDATE standards SET definition = jsonb_set(definition, '{name_en}', '\"x\"') WHERE id = $1")
            .bind(zj)
            .execute(&app.db)
            .await
            .expect_err("a used version cannot change");
    assert!(err.to_string().contains("used by evaluations"), "{err}");
    let cn = standard_id(&app, "CN-2021", 1).await;
    let err = sqlx::query("UPDATE standards SET name_zh = 'x' WHERE id = $1")
        .bind(cn)
        .execute(&app.db)
        .await
        .expect_err("a published version cannot change");
    assert!(err.to_string().contains("only drafts are edited"), "{err}");
    assert_eq!(
        crate::helpers::refusal(&app.db, "UPDATE standards SET status = 'draft' WHERE id = $1", cn).await,
        (
            "23001".to_owned(),
            "standard CN-2021 version 1 cannot return to draft".to_owned()
        ),
        "published never returns to draft"
    );

    // A draft is editable by hand too — until an evaluation uses it.
    let draft = copy(&admin, zj, "").await;
    sqlx::query("UPDATE standards SET name_zh = name_zh || '（修订）' WHERE id = $1")
        .bind(draft)
        .execute(&app.db)
        .await
        .expect("a draft changes");
    let proposal: i64 = sqlx::query_scalar("SELECT id FROM proposals LIMIT 1")
        .fetch_one(&app.db)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO evaluations (proposal_id, proposal_revision, standard_id, standard_code, standard_version,
             snapshot, findings, rendered, overall)
         SELECT proposal_id, proposal_revision, $2, 'ZJ-2015', 3, snapshot, findings, rendered, overall
         FROM evaluations WHERE proposal_id = $1",
    )
    .bind(proposal)
    .bind(draft)
    .execute(&app.db)
    .await
    .expect("an evaluation under the draft");
    let err =
        sqlx::query("UPDATE standards SET definition = jsonb_set(definition, '{name_en}', '\"y\"') WHERE id = $1")
            .bind(draft)
            .execute(&app.db)
            .await
            .expect_err("used");
    assert!(err.to_string().contains("used by evaluations"), "{err}");
    assert_eq!(
        admin.get(&format!("/admin/standards/{draft}/edit")).await.status,
        StatusCode::CONFLICT
    );
    assert_eq!(
        crate::helpers::refusal(&app.db, "DELETE FROM standards WHERE id = $1", draft).await,
        (
            "23001".to_owned(),
            "standard ZJ-2015 version 6 is not a draft or is used by evaluations; it cannot be deleted".to_owned()
        )
    );
}

#[tokio::test]
async fn publication_and_activation_wait_for_every_example_case() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let zj = standard_id(&app, "ZJ-2015", 5).await;
    let draft = copy(&admin, zj, "").await;
    let saved = set_figure(&admin, draft, "benefit.annual_visitors", "value", "500000").await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);

    let show = admin.get(&format!("/admin/standards/{draft}")).await;
    assert!(show.text("#criterion-benefit\\.annual_visitors .rules").contains("50"));
    assert!(show.has("tr.example.failed"), "raising the threshold breaks a case");
    assert!(show.has(".examples-failing"));

    let refused = admin.post(&format!("/admin/standards/{draft}/publish"), &[]).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(refused.body.contains("示例案例未得到预期结果"), "{}", refused.body);
    let today = chrono::Utc::now().date_naive().to_string();
    let refused = admin
        .post(
            &format!("/admin/standards/{draft}/activate"),
            &[("effective_from", &today)],
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert_eq!(status_of(&app, draft).await, "draft");
    assert_eq!(active_ids(&app).await, vec![zj]);

    // Fix the cases: they now expect what the raised threshold gives.
    assert!(accept_current_results(&admin, draft).await >= 1);
    let show = admin.get(&format!("/admin/standards/{draft}")).await;
    assert!(!show.has("tr.example.failed"), "{}", show.body);

    // A bad date is refused beside its field.
    let bad = admin
        .post(
            &format!("/admin/standards/{draft}/activate"),
            &[("effective_from", "2099-01-01")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.has(".activate .field-error"));

    let published = admin.post(&format!("/admin/standards/{draft}/publish"), &[]).await;
    assert_eq!(published.status, StatusCode::SEE_OTHER);
    assert_eq!(status_of(&app, draft).await, "published");
    let activated = admin
        .post(
            &format!("/admin/standards/{draft}/activate"),
            &[("effective_from", &today)],
        )
        .await;
    assert_eq!(activated.status, StatusCode::SEE_OTHER, "{}", activated.body);
    assert_eq!(active_ids(&app).await, vec![draft]);
    assert_eq!(status_of(&app, zj).await, "published");
    let list = admin.get("/admin/standards").await;
    assert_eq!(list.texts(".status").iter().filter(|s| *s == "启用中").count(), 1);

    // New submissions use it.
    let official = app.official_of("official9", "诸城市").await;
    let mut input = sample_input("Town B");
    input.benefits.annual_visitors = Some(400_000);
    let id = app.submitted(&official, &input).await;
    let row = sqlx::query("SELECT standard_version, overall FROM evaluations WHERE proposal_id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(row.get::<i32, _>("standard_version"), 6);
    assert_eq!(row.get::<String, _>("overall"), "fail");

    let actions: Vec<String> =
        sqlx::query_scalar("SELECT action FROM audit_log WHERE entity = 'standard' AND entity_id = $1 ORDER BY id")
            .bind(draft)
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(actions.first().map(String::as_str), Some("standard.copied"));
    for a in [
        "standard.edited",
        "standard.example_edited",
        "standard.published",
        "standard.activated",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} in {actions:?}");
    }
}

#[tokio::test]
async fn exactly_one_version_is_active_even_when_two_are_activated_at_once() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    app.create_user("admin2", Role::Admin, None).await;
    let admin2 = app.client();
    admin2.login("admin2", crate::helpers::PASSWORD).await;
    let zj = standard_id(&app, "ZJ-2015", 5).await;
    let cn = standard_id(&app, "CN-2021", 1).await;
    let draft = copy(&admin, zj, "ZC-2026").await;
    let today = chrono::Utc::now().date_naive().to_string();
    for _ in 0..3 {
        let (path_a, path_b) = (
            format!("/admin/standards/{cn}/activate"),
            format!("/admin/standards/{draft}/activate"),
        );
        let date = [("effective_from", today.as_str())];
        let (a, b) = tokio::join!(admin.post(&path_a, &date), admin2.post(&path_b, &date));
        assert!(
            a.status == StatusCode::SEE_OTHER || a.status == StatusCode::CONFLICT,
            "{}",
            a.body
        );
        assert!(
            b.status == StatusCode::SEE_OTHER || b.status == StatusCode::CONFLICT,
            "{}",
            b.body
        );
        let active = active_ids(&app).await;
        assert_eq!(active.len(), 1, "{active:?}");
        // Back to ZJ-2015 for the next round.
        let back = admin
            .post(
                &format!("/admin/standards/{zj}/activate"),
                &[("effective_from", &today)],
            )
            .await;
        assert_eq!(back.status, StatusCode::SEE_OTHER);
        assert_eq!(active_ids(&app).await, vec![zj]);
    }
    // The index refuses a second active row by hand.
    let (code, message) =
        crate::helpers::refusal(&app.db, "UPDATE standards SET status = 'active' WHERE id = $1", cn).await;
    assert_eq!(code, "23505", "a unique violation: {message}");
    assert!(message.contains("standards_one_active"), "{message}");
    let again = admin
        .post(
            &format!("/admin/standards/{zj}/activate"),
            &[("effective_from", &today)],
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn what_if_counts_and_lists_the_proposals_whose_verdict_changes() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let official = app.official_of("official9", "诸城市").await;
    for (name, visitors, location) in [
        ("Pass A", 650_000, Location::UrbanRuralFringe),
        ("Pass B", 500_000, Location::UrbanRuralFringe),
        ("Pass C", 900_000, Location::UrbanRuralFringe),
        ("Edge D", 400_000, Location::UrbanRuralFringe),
        ("Edge E", 499_999, Location::UrbanRuralFringe),
        ("Low F", 100_000, Location::UrbanRuralFringe),
        ("Warn G", 650_000, Location::Independent),
    ] {
        let mut input = sample_input(name);
        input.benefits.annual_visitors = Some(visitors);
        input.location = Some(location);
        app.submitted(&official, &input).await;
    }
    // Drafts are not in the pipeline.
    let mut draft_input = sample_input("Draft H");
    draft_input.benefits.annual_visitors = Some(400_000);
    app.draft(&official, &draft_input).await;

    let zj = standard_id(&app, "ZJ-2015", 5).await;
    let draft = copy(&admin, zj, "").await;
    let saved = set_figure(&admin, draft, "benefit.annual_visitors", "value", "500000").await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);

    let page = admin.get(&format!("/admin/standards/{draft}/what-if")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let count = |row: &str, col: &str| page.text(&format!("tr.count.{row} td.{col}"));
    assert_eq!(
        [
            count("pass", "active"),
            count("pass_with_warnings", "active"),
            count("fail", "active")
        ],
        ["5", "1", "1"]
    );
    assert_eq!(
        [
            count("pass", "candidate"),
            count("pass_with_warnings", "candidate"),
            count("fail", "candidate")
        ],
        ["3", "1", "3"]
    );
    let mut names = page.texts("tr.changed .name");
    names.sort();
    assert_eq!(names, ["Edge D", "Edge E"]);
    assert!(page.texts("tr.changed .before").iter().all(|t| t == "合格"));
    assert!(page.texts("tr.changed .after").iter().all(|t| t == "不合格"));
    let causes = page.texts("tr.changed .causes li");
    assert_eq!(causes.len(), 2, "{causes:?}");
    assert!(causes.iter().all(|c| c.ends_with("符合 → 不符合")), "{causes:?}");

    // Nothing stored.
    let evaluations: i64 = sqlx::query_scalar("SELECT count(*) FROM evaluations")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(evaluations, 7);
}

#[tokio::test]
async fn a_reviewer_re_evaluates_under_the_active_version_and_history_stays() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let reviewer = app.login_as(Role::Reviewer).await;
    let official = app.official_of("official9", "诸城市").await;
    let id = app.submitted(&official, &sample_input("Town A")).await;
    let cn = standard_id(&app, "CN-2021", 1).await;
    let today = chrono::Utc::now().date_naive().to_string();
    let activated = admin
        .post(
            &format!("/admin/standards/{cn}/activate"),
            &[("effective_from", &today)],
        )
        .await;
    assert_eq!(activated.status, StatusCode::SEE_OTHER, "{}", activated.body);

    let done = reviewer.post(&format!("/proposals/{id}/reevaluate"), &[]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location().as_deref(), Some(format!("/proposals/{id}").as_str()));

    let rows =
        sqlx::query("SELECT standard_code, proposal_revision FROM evaluations WHERE proposal_id = $1 ORDER BY id")
            .bind(id)
            .fetch_all(&app.db)
            .await
            .unwrap();
    let seen: Vec<(String, i32)> = rows
        .iter()
        .map(|r| (r.get("standard_code"), r.get("proposal_revision")))
        .collect();
    assert_eq!(seen, [("ZJ-2015".to_owned(), 1), ("CN-2021".to_owned(), 1)]);
    let page = reviewer.get(&format!("/proposals/{id}")).await;
    assert!(
        page.body.contains("ZJ-2015 v5") && page.body.contains("CN-2021 v1"),
        "{}",
        page.body
    );
    let audited: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'proposal.reevaluated' AND entity_id = $1")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(audited, 1);

    // A draft has nothing to repeat.
    let draft = app.draft(&official, &sample_input("Town B")).await;
    assert_eq!(
        reviewer
            .post(&format!("/proposals/{draft}/reevaluate"), &[])
            .await
            .status,
        StatusCode::CONFLICT
    );
}

/// 10,000 proposals, made with one INSERT … SELECT from a submitted one,
/// through the what-if. Prints the time; asserts only the counts.
#[tokio::test]
async fn what_if_over_ten_thousand_proposals() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let official = app.official_of("official9", "诸城市").await;
    let first = app.submitted(&official, &sample_input("Town 0")).await;
    sqlx::query(
        "INSERT INTO proposals (region_id, name, developer, industry, classic_trade, location, accelerated_county,
             planned_area_km2, built_area_km2, investment_total_yi, investment_residential_yi,
             investment_commercial_complex_yi, investment_characteristic_yi, investment_by_year_yi,
             functions_industry, functions_culture, functions_tourism, functions_community,
             functions_public_service_app, functions_town_living_room, functions_scenic_level,
             functions_wifi_coverage_pct, functions_digital_management_pct, benefits_new_tax_wan, benefits_jobs,
             benefits_annual_visitors, benefits_enterprises, benefits_talents, green_coverage_pct,
             residential_land_pct, labour_productivity_wan, new_economy_share_pct, rd_intensity_pct,
             status, version, revision, created_by, updated_by, submitted_at)
         SELECT region_id, 'Town ' || g, developer, industry, classic_trade, location, accelerated_county,
             planned_area_km2, built_area_km2, investment_total_yi, investment_residential_yi,
             investment_commercial_complex_yi, investment_characteristic_yi, investment_by_year_yi,
             functions_industry, functions_culture, functions_tourism, functions_community,
             functions_public_service_app, functions_town_living_room, functions_scenic_level,
             functions_wifi_coverage_pct, functions_digital_management_pct, benefits_new_tax_wan, benefits_jobs,
             200000 + (g % 5) * 100000, benefits_enterprises, benefits_talents, green_coverage_pct,
             residential_land_pct, labour_productivity_wan, new_economy_share_pct, rd_intensity_pct,
             CASE g % 3 WHEN 0 THEN 'submitted' WHEN 1 THEN 'approved' ELSE 'listed' END,
             version, revision, created_by, updated_by, submitted_at
         FROM proposals p, generate_series(1, 9999) g WHERE p.id = $1",
    )
    .bind(first)
    .execute(&app.db)
    .await
    .expect("10,000 proposals");
    // Each with the first one's materials, as the active version asks.
    sqlx::query(
        "INSERT INTO materials (proposal_id, material_type, file_name, sha256, uploaded_by)
         SELECT p.id, m.material_type, m.file_name, m.sha256, m.uploaded_by
         FROM proposals p JOIN materials m ON m.proposal_id = $1 WHERE p.id <> $1",
    )
    .bind(first)
    .execute(&app.db)
    .await
    .expect("their materials");

    let zj = standard_id(&app, "ZJ-2015", 5).await;
    let draft = copy(&admin, zj, "").await;
    assert_eq!(
        set_figure(&admin, draft, "benefit.annual_visitors", "value", "500000")
            .await
            .status,
        StatusCode::SEE_OTHER
    );

    let w = xiaozhen::services::standards::what_if(&app.db, draft)
        .await
        .expect("what-if");
    println!(
        "what-if over {} proposals: {} ms",
        w.under_active.total(),
        w.elapsed.as_millis()
    );
    // Visitors 200k, 300k, 400k, 500k, 600k by g % 5 (g = 1..9999), plus
    // the 650k original. Of 1..9999, 1,999 have g % 5 = 0 (5, …, 9995) and
    // 2,000 each g % 5 = 1 and 2: under 300k (active) 1,999 fail; under
    // 500k (the draft) 200k, 300k and 400k fail: 5,999, of which 4,000 change.
    assert_eq!(w.under_active.total(), 10_000);
    assert_eq!(w.under_active.fail, 1_999);
    assert_eq!(w.under_candidate.fail, 5_999);
    assert_eq!(w.changed.len(), 4_000);
    assert_eq!(w.skipped, 0);
    assert!(
        w.changed
            .iter()
            .all(|c| c.criteria.len() == 1 && c.criteria[0].criterion == "benefit.annual_visitors")
    );
}

#[tokio::test]
async fn scoring_tables_are_shown_kept_in_drafts_and_their_score_changes_listed() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let official = app.official_of("official9", "诸城市").await;
    // ZJ-2015 v5 (the example tables, the materials and the boundary) is a new installation's active one.
    let zj = standard_id(&app, "ZJ-2015", 5).await;
    assert_eq!(active_ids(&app).await, vec![zj]);
    app.submitted(&official, &sample_input("健康美食小镇")).await;

    // The version's page shows both tables, their lines and passing cases.
    let show = admin.get(&format!("/admin/standards/{zj}")).await;
    assert_eq!(
        show.texts("section.scoring-table h3 code"),
        ["zj.creation_review", "zj.annual_assessment"]
    );
    let share = show.text("#table-zj\\.creation_review tr.table-line[data-line='b.share']");
    assert!(share.contains("得基本分 6"), "{share}");
    assert_eq!(show.texts("li.table-example.passed").len(), 22);
    assert!(!show.has("li.table-example.failed"));
    assert!(!show.has(".examples-failing"));

    // A draft keeps the tables; a stricter visitor threshold costs the
    // sample (650,000 visitors) the 5 points of b.visitors: 59 + 2 = 61 → 56.
    let draft = copy(&admin, zj, "").await;
    let saved = set_figure(&admin, draft, "benefit.annual_visitors", "value", "700000").await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let page = admin.get(&format!("/admin/standards/{draft}/what-if")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(page.texts("tr.score-changed .name"), ["健康美食小镇"]);
    assert_eq!(page.texts("tr.score-changed .before"), ["61 / 110 不合格"]);
    assert_eq!(page.texts("tr.score-changed .after"), ["56 / 110 不合格"]);
}

#[tokio::test]
async fn tables_are_edited_as_json_checked_whole_and_gate_publication() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let zj = standard_id(&app, "ZJ-2015", 5).await;
    let draft = copy(&admin, zj, "").await;
    let path = format!("/admin/standards/{draft}/tables");
    let page = admin.get(&path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let text = page.text("#tables-text");
    let hash = page.attr("input[name=hash]", "value").unwrap();
    assert!(text.contains("\"zj.creation_review\""));

    // JSON that does not parse: its place is named, the text kept.
    let broken = text.replacen('[', "[[", 1);
    let refused = admin.post(&path, &[("hash", &hash), ("tables", &broken)]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.text(".table-errors").starts_with("评分表 JSON 第"),
        "{}",
        refused.text(".table-errors")
    );
    assert_eq!(refused.text("#tables-text"), broken);

    // A negative maximum: named with its table and line, nothing saved.
    let negative = text.replacen("\"max\": \"4\"", "\"max\": \"-1\"", 1);
    let refused = admin.post(&path, &[("hash", &hash), ("tables", &negative)]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .texts(".table-errors li")
            .contains(&"评分表 zj.creation_review/b.industry：分值 -1 不能为负数".to_string()),
        "{:?}",
        refused.texts(".table-errors li")
    );
    assert_eq!(admin.get(&path).await.text("#tables-text"), text, "nothing saved");

    // Fewer points for the industry line: saved, and the worked cases that
    // counted them now fail, so the draft cannot be published.
    let fewer = text.replacen("\"max\": \"4\"", "\"max\": \"3\"", 1);
    let saved = admin.post(&path, &[("hash", &hash), ("tables", &fewer)]).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let show = admin.get(&format!("/admin/standards/{draft}")).await;
    assert!(show.has("li.table-example.failed"));
    assert!(show.has(".examples-failing"));
    let publish = admin.post(&format!("/admin/standards/{draft}/publish"), &[]).await;
    assert_eq!(publish.status, StatusCode::CONFLICT);
    assert_eq!(status_of(&app, draft).await, "draft");
}

/// An installation that copied ZJ-2015 v4 (its copy is version 5) and
/// published a copy of CN-2021 v4 (also 5) before the built-in versions 5
/// existed: the upgrade stores the built-in files under the next free
/// numbers, the installation's own versions keep theirs, and start-up
/// recognises the built-in ones by the number they ship as ever after.
#[tokio::test]
async fn a_new_built_in_version_never_takes_the_number_of_an_installations_own_version() {
    let app = TestApp::spawn().await;
    // Every built-in row knows the number it ships as.
    let unknown: i64 =
        sqlx::query_scalar("SELECT count(*) FROM standards WHERE builtin AND shipped_version IS DISTINCT FROM version")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(unknown, 0);
    // As before the upgrade: no built-in version 5 (triggers off for this
    // connection, as a restore would).
    let mut conn = app.db.acquire().await.unwrap();
    for sql in [
        "SET session_replication_role = replica",
        "UPDATE standards SET status = 'published' WHERE status = 'active'",
        "UPDATE standards SET status = 'active' WHERE code = 'ZJ-2015' AND version = 4",
        "DELETE FROM standards WHERE builtin AND shipped_version = 5",
        "RESET session_replication_role",
    ] {
        sqlx::query(sql).execute(&mut *conn).await.unwrap();
    }
    drop(conn);
    let admin = app.login_as(Role::Admin).await;
    let zj_copy = copy(&admin, standard_id(&app, "ZJ-2015", 4).await, "").await;
    let cn_copy = copy(&admin, standard_id(&app, "CN-2021", 4).await, "").await;
    let published = admin.post(&format!("/admin/standards/{cn_copy}/publish"), &[]).await;
    assert_eq!(published.status, StatusCode::SEE_OTHER, "{}", published.body);
    let own = |id: i64| {
        let db = app.db.clone();
        async move {
            sqlx::query_as::<_, (i32, String, bool, String)>(
                "SELECT version, content_hash, builtin, status FROM standards WHERE id = $1",
            )
            .bind(id)
            .fetch_one(&db)
            .await
            .unwrap()
        }
    };
    let (zj_before, cn_before) = (own(zj_copy).await, own(cn_copy).await);
    assert_eq!((zj_before.0, cn_before.0), (5, 5));

    // The upgrade's start-up, twice (every start runs it).
    for _ in 0..2 {
        let mut tx = app.db.begin().await.unwrap();
        xiaozhen::db::standards::sync_builtin(&mut tx)
            .await
            .expect("the built-in versions load beside the installation's own");
        tx.commit().await.unwrap();
    }
    assert_eq!(own(zj_copy).await, zj_before, "the admin's draft is untouched");
    assert_eq!(own(cn_copy).await, cn_before, "the published copy is untouched");
    for code in ["ZJ-2015", "CN-2021"] {
        let rows: Vec<(i32, String, String, i32)> = sqlx::query_as(
            "SELECT version, status, content_hash, (definition->>'version')::int FROM standards
             WHERE builtin AND code = $1 AND shipped_version = 5",
        )
        .bind(code)
        .fetch_all(&app.db)
        .await
        .unwrap();
        assert_eq!(rows.len(), 1, "{code}: loaded once");
        let (version, status, hash, inner) = &rows[0];
        assert_eq!((*version, *inner, status.as_str()), (6, 6, "published"), "{code}");
        let mut shipped = xiaozhen::standards::builtin_standard(code, 5).unwrap().clone();
        shipped.version = 6;
        assert_eq!(
            hash,
            &xiaozhen::db::standards::content_hash(&shipped),
            "{code}: the file's rules"
        );
        assert!(shipped.criteria.iter().any(|c| c.id == "boundary.area"));
    }
    // The next copy takes the next number.
    let next = copy(&admin, standard_id(&app, "ZJ-2015", 6).await, "").await;
    assert_eq!(own(next).await.0, 7);
    // The list shows both fives and the six.
    let list = admin.get("/admin/standards").await;
    assert_eq!(list.status, StatusCode::OK);

    // A changed file is still refused under its shipped number.
    let mut conn = app.db.acquire().await.unwrap();
    for sql in [
        "SET session_replication_role = replica",
        "UPDATE standards SET content_hash = md5(content_hash) WHERE builtin AND code = 'ZJ-2015' AND shipped_version = 5",
        "RESET session_replication_role",
    ] {
        sqlx::query(sql).execute(&mut *conn).await.unwrap();
    }
    drop(conn);
    let mut tx = app.db.begin().await.unwrap();
    let err = xiaozhen::db::standards::sync_builtin(&mut tx)
        .await
        .expect_err("refused");
    assert!(
        err.to_string()
            .contains("the built-in standard ZJ-2015 version 5 differs from the one already in the database"),
        "{err}"
    );
}

/// The list counts each version's evaluations as they are made (a counter
/// the evaluations' insert keeps), one statement for many at once included.
#[tokio::test]
async fn the_versions_list_counts_each_versions_evaluations() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let active: i64 = sqlx::query_scalar("SELECT id FROM standards WHERE status = 'active'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let uses = |page: &Page, id: i64| page.text(&format!("tr.version[data-id=\"{id}\"] td.uses"));
    assert_eq!(uses(&admin.get("/admin/standards").await, active), "0");

    let official = app.official_of("county-u", "诸城市").await;
    app.submitted(&official, &sample_input("计数小镇甲")).await;
    app.submitted(&official, &sample_input("计数小镇乙")).await;
    assert_eq!(uses(&admin.get("/admin/standards").await, active), "2");

    // Generated proposals are evaluated in bulk, many rows in one statement.
    xiaozhen::cli::generate::load(&app.db, 40).await.unwrap();
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM evaluations WHERE standard_id = $1")
        .bind(active)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert!(total > 2, "the generated proposals were evaluated");
    assert_eq!(uses(&admin.get("/admin/standards").await, active), total.to_string());
}
