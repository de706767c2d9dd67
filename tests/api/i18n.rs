//! Every page renders wholly in the chosen language: in English no Chinese
//! text appears that no user typed, and in Chinese no English text from the
//! catalogue leaks through.

use reqwest::StatusCode;
use scraper::{ElementRef, Html, Node};
use xiaozhen::domain::Role;

use crate::helpers::{Client, TestApp};

/// (who, path): every page of the application. Add new pages here.
const PAGES: &[(Option<Role>, &str)] = &[
    (None, "/"),
    (None, "/login"),
    (None, "/no/such/page"),
    (Some(Role::Official), "/proposals"),
    (Some(Role::Official), "/account/password"),
    (Some(Role::Official), "/proposals/import"),
    (Some(Role::Official), "/proposals/reports/import"),
    (Some(Role::Official), "/dashboard"),
    (Some(Role::Reviewer), "/dashboard"),
    (Some(Role::Admin), "/dashboard"),
    (Some(Role::Official), "/admin"),
    (Some(Role::Reviewer), "/review"),
    (
        Some(Role::Reviewer),
        "/review?status=approved&verdict=fail&sort=name&dir=desc&q=x",
    ),
    (Some(Role::Admin), "/admin"),
    (Some(Role::Admin), "/admin/standards"),
    (Some(Role::Admin), "/admin/standards/1"),
    (Some(Role::Admin), "/admin/standards/2"),
    (Some(Role::Admin), "/admin/standards/1/examples/0"),
    (Some(Role::Admin), "/admin/users"),
    (Some(Role::Admin), "/admin/users/1"),
    (Some(Role::Admin), "/admin/batches"),
    (Some(Role::Admin), "/admin/audit"),
    (Some(Role::Reviewer), "/review/creation"),
    (Some(Role::Admin), "/admin/creation"),
    (None, "/creation/2026"),
];

/// Visible text, leaving out elements marked as another language (the
/// language switcher's "中文").
fn visible_text(html: &Html, page_lang: &str) -> String {
    fn walk(el: ElementRef, page_lang: &str, out: &mut String) {
        if let Some(lang) = el.value().attr("lang")
            && lang != page_lang
        {
            return;
        }
        if matches!(el.value().name(), "script" | "style" | "title") {
            return;
        }
        for child in el.children() {
            match child.value() {
                Node::Text(t) => {
                    out.push_str(t);
                    out.push(' ');
                }
                Node::Element(_) => {
                    if let Some(e) = ElementRef::wrap(child) {
                        walk(e, page_lang, out);
                    }
                }
                _ => {}
            }
        }
    }
    let mut out = String::new();
    walk(html.root_element(), page_lang, &mut out);
    out
}

fn is_cjk(c: char) -> bool {
    matches!(c, '\u{3000}'..='\u{303f}' | '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}' | '\u{ff00}'..='\u{ffef}')
}

/// Strings that users typed (region names): allowed in either language.
const TYPED: &[&str] = &["诸城市"];

async fn client_for(app: &TestApp, role: Option<Role>, clients: &mut Vec<(Role, Client)>) -> usize {
    match role {
        None => usize::MAX,
        Some(role) => {
            if let Some(i) = clients.iter().position(|(r, _)| *r == role) {
                return i;
            }
            clients.push((role, app.login_as(role).await));
            clients.len() - 1
        }
    }
}

#[tokio::test]
async fn every_page_in_english_has_no_chinese_that_no_user_typed() {
    let app = TestApp::spawn().await;
    let anonymous = app.client();
    let mut clients = Vec::new();
    for (role, path) in PAGES {
        let i = client_for(&app, *role, &mut clients).await;
        let client = if i == usize::MAX { &anonymous } else { &clients[i].1 };
        client.get("/lang/en").await;
        let page = client.get(path).await;
        assert_ne!(page.status, StatusCode::SEE_OTHER, "{path} redirected");
        let mut text = visible_text(&page.html(), "en");
        for typed in TYPED {
            text = text.replace(typed, "");
        }
        let chinese: String = text.chars().filter(|c| is_cjk(*c)).collect();
        assert!(
            chinese.is_empty(),
            "{path} as {role:?} shows Chinese in English: {chinese:?}\n{text}"
        );
    }
}

#[tokio::test]
async fn every_page_in_chinese_shows_no_english_catalogue_text() {
    let app = TestApp::spawn().await;
    let entries = xiaozhen::i18n::catalogue_entries();
    let zh: Vec<&String> = entries.iter().map(|(_, zh, _)| zh).collect();
    // Only phrases that are really English (a code or number may be shared).
    let english: Vec<&String> = entries
        .iter()
        .map(|(_, _, en)| en)
        .filter(|v| v.len() > 3 && !zh.contains(v))
        .collect();
    let anonymous = app.client();
    let mut clients = Vec::new();
    for (role, path) in PAGES {
        let i = client_for(&app, *role, &mut clients).await;
        let client = if i == usize::MAX { &anonymous } else { &clients[i].1 };
        let page = client.get(path).await;
        let text = visible_text(&page.html(), "zh-CN");
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        for phrase in &english {
            assert!(
                !text.contains(phrase.as_str()),
                "{path} as {role:?} shows English {phrase:?}"
            );
        }
        assert!(text.chars().any(is_cjk), "{path} is Chinese");
    }
}
