//! Editing a draft's scoring table through the form (issue 20): sections
//! and caps, lines with their kind and parameters, grade bands with section
//! minimums — without JSON. What it saves is the table data the JSON editor
//! writes; the version is checked whole on save, refused input comes back as
//! typed with a message beside its field, and worked cases gate
//! publication as before.

use reqwest::StatusCode;
use scraper::{Html, Selector};
use serde_json::Value;
use xiaozhen::domain::Role;

use crate::helpers::{Client, Page, TestApp};
use crate::hostile::form_fields;
use crate::standards_admin::set;

const TABLE: &str = "zj.annual_assessment";

/// A draft copy of ZJ-2015 version 4 (the example tables); its id.
async fn draft(app: &TestApp, admin: &Client) -> i64 {
    let zj: i64 = sqlx::query_scalar("SELECT id FROM standards WHERE code = 'ZJ-2015' AND version = 4")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let page = admin
        .post(&format!("/admin/standards/{zj}/copy"), &[("code", "")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    page.location()
        .unwrap()
        .trim_start_matches("/admin/standards/")
        .trim_end_matches("/edit")
        .parse()
        .unwrap()
}

/// The draft's stored table, as the engine's JSON.
async fn stored(app: &TestApp, id: i64) -> Value {
    let tables: Value = sqlx::query_scalar("SELECT definition->'tables' FROM standards WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    tables
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["code"] == TABLE)
        .cloned()
        .unwrap()
}

/// What the form sends as it is shown.
fn shown(page: &Page) -> Vec<(String, String)> {
    form_fields(page, "#table-form")
}

async fn post(admin: &Client, path: &str, form: &[(String, String)]) -> Page {
    let refs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    admin.post(path, &refs).await
}

fn error_at(page: &Page, name: &str) -> String {
    let html = Html::parse_document(&page.body);
    let field = Selector::parse(&format!("[name='{name}']")).unwrap();
    let el = html.select(&field).next().unwrap_or_else(|| panic!("no field {name}"));
    // The message follows its field, before the next field.
    el.next_siblings()
        .filter_map(scraper::ElementRef::wrap)
        .take_while(|e| !matches!(e.value().name(), "label" | "input" | "select" | "textarea"))
        .find(|e| e.value().classes().any(|c| c == "field-error"))
        .map(|e| e.text().collect::<String>())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_cap_changed_and_a_line_added_through_the_form_are_the_tables_data() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let id = draft(&app, &admin).await;
    let show = admin.get(&format!("/admin/standards/{id}")).await;
    let path = format!("/admin/standards/{id}/tables/{TABLE}");
    assert_eq!(
        show.attr(&format!("#table-{} a.edit-table", TABLE.replace('.', "\\.")), "href"),
        Some(path.clone())
    );
    let page = admin.get(&path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    // Sections basic, bonus, veto; the bonus cap 30; the new rows blank.
    assert_eq!(page.attr("input[name='s1.code']", "value").as_deref(), Some("bonus"));
    assert_eq!(page.attr("input[name='s1.cap']", "value").as_deref(), Some("30"));
    assert_eq!(page.attr("input[name='s1.l3.code']", "value").as_deref(), Some(""));
    assert_eq!(
        page.attr("input[name='g0.min.s1']", "value").as_deref(),
        Some("8"),
        "优秀's bonus minimum"
    );
    let before = stored(&app, id).await;

    // Unchanged, the form saves the very same table.
    let saved = post(&admin, &path, &shown(&page)).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(stored(&app, id).await, before);

    // The bonus capped at 25, and a judged line added to it.
    let page = admin.get(&path).await;
    let mut form = shown(&page);
    set(&mut form, "s1.cap", "25");
    for (name, value) in [
        ("s1.l3.code", "a.tourism"),
        ("s1.l3.name_zh", "旅游接待"),
        ("s1.l3.name_en", "Visitors"),
        ("s1.l3.max", "5"),
        ("s1.l3.kind", "judged"),
        ("s1.l3.j.step", "0.5"),
        ("s1.l3.evidence_zh", "年度接待游客与景区创建"),
    ] {
        set(&mut form, name, value);
    }
    let saved = post(&admin, &path, &form).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let after = stored(&app, id).await;
    assert_eq!(after["sections"][1]["cap"], "25");
    let added = &after["sections"][1]["lines"][3];
    assert_eq!(added["code"], "a.tourism");
    assert_eq!(added["max"], "5");
    assert_eq!(added["kind"], serde_json::json!({"type": "judged", "step": "0.5"}));
    assert_eq!(added["evidence_zh"], "年度接待游客与景区创建");
    // Every other line is as it was (its citation and materials kept).
    assert_eq!(after["sections"][0], before["sections"][0]);
    assert_eq!(after["grades"], before["grades"]);
    // The version's page and the JSON editor show the same data.
    let show = admin.get(&format!("/admin/standards/{id}")).await;
    assert!(show.has("tr.table-line[data-line='a.tourism']"));
    let json = admin
        .get(&format!("/admin/standards/{id}/tables"))
        .await
        .text("#tables-text");
    assert!(json.contains("\"a.tourism\""));
    // The audit log names the change as the JSON editor's does.
    let audited: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'standard.tables_edited'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(audited, 2);
}

#[tokio::test]
async fn bands_out_of_order_and_unreadable_fields_are_refused_beside_them_as_typed() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let id = draft(&app, &admin).await;
    let path = format!("/admin/standards/{id}/tables/{TABLE}");
    let before = stored(&app, id).await;
    let mut form = shown(&admin.get(&path).await);
    // A new line of bands whose second minimum is above the first.
    for (name, value) in [
        ("s1.l3.code", "a.jobs"),
        ("s1.l3.name_zh", "就业"),
        ("s1.l3.name_en", "Jobs"),
        ("s1.l3.max", "4"),
        ("s1.l3.kind", "bands"),
        ("s1.l3.b.figure", "completion_pct"),
        ("s1.l3.b0.min", "100"),
        ("s1.l3.b0.points", "2"),
        ("s1.l3.b1.min", "120"),
        ("s1.l3.b1.points", "4"),
    ] {
        set(&mut form, name, value);
    }
    // And a cap that is not a number.
    set(&mut form, "s0.cap", "一百");
    let refused = post(&admin, &path, &form).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    assert_eq!(
        error_at(&refused, "s1.l3.b1.min"),
        "各档下限应从高到低严格排列：此档下限应低于上一档"
    );
    assert_eq!(error_at(&refused, "s1.l3.b0.min"), "");
    assert_eq!(error_at(&refused, "s0.cap"), "请输入数字，例如 3.6");
    // Everything typed is kept.
    let again = shown(&refused);
    for (name, value) in [
        ("s1.l3.code", "a.jobs"),
        ("s1.l3.kind", "bands"),
        ("s1.l3.b1.min", "120"),
        ("s1.l3.b1.points", "4"),
        ("s0.cap", "一百"),
    ] {
        assert!(
            again.contains(&(name.to_string(), value.to_string())),
            "{name} = {value} kept"
        );
    }
    assert_eq!(stored(&app, id).await, before, "nothing saved");

    // In order, and the cap a number: saved.
    set(&mut form, "s0.cap", "100");
    set(&mut form, "s1.l3.b0.min", "120");
    set(&mut form, "s1.l3.b0.points", "4");
    set(&mut form, "s1.l3.b1.min", "100");
    set(&mut form, "s1.l3.b1.points", "2");
    let saved = post(&admin, &path, &form).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(
        stored(&app, id).await["sections"][1]["lines"][3]["kind"],
        serde_json::json!({"type": "bands", "figure": "completion_pct",
            "bands": [{"min": "120", "points": "4"}, {"min": "100", "points": "2"}]})
    );
}

#[tokio::test]
async fn the_versions_checks_and_worked_cases_apply_to_what_the_form_saves() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let id = draft(&app, &admin).await;
    let path = format!("/admin/standards/{id}/tables/{TABLE}");
    let before = stored(&app, id).await;

    // A judged maximum that is not a whole number of its steps: the
    // version's check, named beside the line; a grade that is not one of
    // the creation system's, beside its code.
    let mut form = shown(&admin.get(&path).await);
    assert!(form.contains(&("s0.l1.code".to_string(), "a.progress".to_string())));
    set(&mut form, "s0.l1.max", "20.3");
    set(&mut form, "g0.code", "outstanding");
    let refused = post(&admin, &path, &form).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error_at(&refused, "g0.code"),
        "年度考核的等级“outstanding”不是创建制的等级"
    );
    set(&mut form, "g0.code", "excellent");
    let refused = post(&admin, &path, &form).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let at_line = refused.text("fieldset.table-line[data-row='s0.l1'] .line-error");
    assert!(at_line.contains("满分应为步长 0.5 的整数倍"), "{at_line}");
    assert_eq!(stored(&app, id).await, before);

    // Putian's 优秀 made stricter (bonus ≥ 9): saved, but the worked case
    // "basic 85, bonus 8: 优秀" now fails, and the draft cannot be published.
    let mut form = shown(&admin.get(&path).await);
    set(&mut form, "g0.min.s1", "9");
    let saved = post(&admin, &path, &form).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(
        stored(&app, id).await["grades"]["bands"][0]["section_minimums"]["bonus"],
        "9"
    );
    let show = admin.get(&format!("/admin/standards/{id}")).await;
    assert!(show.has("li.table-example.failed"));
    let publish = admin.post(&format!("/admin/standards/{id}/publish"), &[]).await;
    assert_eq!(publish.status, StatusCode::CONFLICT);

    // A section removed: its lines go with it, and a grade may not keep a
    // minimum of it.
    let mut form = shown(&admin.get(&path).await);
    form.push(("s1.remove".to_string(), "true".to_string()));
    let refused = post(&admin, &path, &form).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_at(&refused, "g0.min.s1"), "该部分已删除或没有编号，不能设最低分");
    set(&mut form, "g0.min.s1", "");
    let saved = post(&admin, &path, &form).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let codes: Vec<Value> = stored(&app, id).await["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["code"].clone())
        .collect();
    assert_eq!(codes, ["basic", "veto"]);
}

#[tokio::test]
async fn only_admins_edit_and_only_a_drafts_tables() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let id = draft(&app, &admin).await;
    let path = format!("/admin/standards/{id}/tables/{TABLE}");
    let form = shown(&admin.get(&path).await);
    for role in [Role::Official, Role::Reviewer] {
        let other = app.login_as(role).await;
        assert_eq!(other.get(&path).await.status, StatusCode::FORBIDDEN, "{role:?}");
        assert_eq!(
            post(&other, &path, &form).await.status,
            StatusCode::FORBIDDEN,
            "{role:?}"
        );
    }
    assert_eq!(
        admin
            .get(&format!("/admin/standards/{id}/tables/zj.nothing"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // A form declaring more rows than any table has is refused before
    // anything is built from it.
    let mut huge = form.clone();
    set(&mut huge, "sections", "1000000");
    assert_eq!(post(&admin, &path, &huge).await.status, StatusCode::BAD_REQUEST);
    // A form loaded before another save is stale.
    let saved = post(&admin, &path, &form).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let mut changed = form.clone();
    set(&mut changed, "name_zh", "年度考核评分表（修订）");
    let first = post(&admin, &path, &changed).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    assert_eq!(post(&admin, &path, &form).await.status, StatusCode::CONFLICT);
    // A version in use is not a draft: no form.
    let active: i64 = sqlx::query_scalar("SELECT id FROM standards WHERE status = 'active'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let page = admin.get(&format!("/admin/standards/{active}/tables/{TABLE}")).await;
    assert_eq!(page.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn the_form_in_english_is_in_english_but_the_tables_own_chinese_names() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let id = draft(&app, &admin).await;
    admin.get("/lang/en").await;
    let page = admin.get(&format!("/admin/standards/{id}/tables/{TABLE}")).await;
    assert_eq!(page.status, StatusCode::OK);
    // Every label, option and help text is English; Chinese appears only
    // as the values of the table's own Chinese names and evidence.
    let html = Html::parse_document(&page.body);
    let main = Selector::parse("main").unwrap();
    let text: String = html.select(&main).flat_map(|m| m.text()).collect();
    let chinese: String = text.chars().filter(|c| ('\u{4e00}'..='\u{9fff}').contains(c)).collect();
    assert!(chinese.is_empty(), "Chinese in English: {chinese}");
    assert!(page.has("label[for='s0.cap']"));
    assert_eq!(page.text("label[for='s0.cap']"), "Cap");
}
