//! Every page renders wholly in the chosen language: in English no Chinese
//! text appears that no user typed, and in Chinese no English text from the
//! catalogue leaks through.

use scraper::{ElementRef, Html, Node};
use xiaozhen::domain::Role;

use crate::helpers::{Client, TestApp};

/// (who, path): every page of the application. Add new pages here.
/// Every page checked, with the status and the heading (`main h1`) it must
/// show, in Chinese and in English.
const PAGES: &[(Option<Role>, &str, u16, &str, &str)] = &[
    (
        None,
        "/",
        200,
        "特色小镇创建名单",
        "Creation list of characteristic towns",
    ),
    (None, "/login", 200, "登录", "Log in"),
    (None, "/no/such/page", 404, "页面不存在", "Page not found"),
    (Some(Role::Official), "/proposals", 200, "申报项目", "Proposals"),
    (
        Some(Role::Official),
        "/account/password",
        200,
        "修改密码",
        "Change password",
    ),
    (
        Some(Role::Official),
        "/proposals/import",
        200,
        "批量导入申报项目",
        "Import proposals",
    ),
    (
        Some(Role::Official),
        "/proposals/reports/import",
        200,
        "批量导入年度报告",
        "Import annual reports",
    ),
    (Some(Role::Official), "/dashboard", 200, "统计概览", "Dashboard"),
    (Some(Role::Reviewer), "/dashboard", 200, "统计概览", "Dashboard"),
    (Some(Role::Admin), "/dashboard", 200, "统计概览", "Dashboard"),
    (Some(Role::Official), "/admin", 403, "无权访问", "Access denied"),
    (Some(Role::Reviewer), "/review", 200, "评审队列", "Review queue"),
    (
        Some(Role::Reviewer),
        "/review?status=approved&verdict=fail&sort=name&dir=desc&q=x",
        200,
        "评审队列",
        "Review queue",
    ),
    (Some(Role::Admin), "/admin", 200, "管理", "Administration"),
    (Some(Role::Admin), "/admin/standards", 200, "评价标准管理", "Standards"),
    (
        Some(Role::Admin),
        "/admin/standards/1",
        200,
        "ZJ-2015 v1 浙江省特色小镇创建标准（2015）",
        "ZJ-2015 v1 Zhejiang characteristic-town creation standard (2015)",
    ),
    (
        Some(Role::Admin),
        "/admin/standards/2",
        200,
        "CN-2021 v1 全国特色小镇规范健康发展导则（2021）",
        "CN-2021 v1 National guideline for the sound development of characteristic towns (2021)",
    ),
    (
        Some(Role::Admin),
        "/admin/standards/1/examples/0",
        200,
        "示例案例 ZJ-2015 v1",
        "Example case ZJ-2015 v1",
    ),
    (
        Some(Role::Admin),
        "/admin/users",
        200,
        "用户与地区",
        "Users and regions",
    ),
    (
        Some(Role::Admin),
        "/admin/users/1",
        200,
        "official1 display (official1)",
        "official1 display (official1)",
    ),
    (
        Some(Role::Admin),
        "/admin/batches",
        200,
        "创建名单批次",
        "Creation list batches",
    ),
    (Some(Role::Admin), "/admin/audit", 200, "审计日志", "Audit log"),
    (
        Some(Role::Reviewer),
        "/review/creation",
        200,
        "年度考核与验收",
        "Annual assessment and acceptance",
    ),
    (
        Some(Role::Admin),
        "/admin/creation",
        200,
        "创建制管理",
        "Creation system",
    ),
    // No year's grades are published.
    (None, "/creation/2026", 404, "页面不存在", "Page not found"),
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
    for (role, path, status, _, heading) in PAGES {
        let i = client_for(&app, *role, &mut clients).await;
        let client = if i == usize::MAX { &anonymous } else { &clients[i].1 };
        client.get("/lang/en").await;
        let page = client.get(path).await;
        assert_eq!(page.status.as_u16(), *status, "{path} as {role:?}");
        assert_eq!(page.texts("main h1"), [*heading], "{path} as {role:?}");
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
    for (role, path, status, heading, _) in PAGES {
        let i = client_for(&app, *role, &mut clients).await;
        let client = if i == usize::MAX { &anonymous } else { &clients[i].1 };
        let page = client.get(path).await;
        assert_eq!(page.status.as_u16(), *status, "{path} as {role:?}");
        assert_eq!(page.texts("main h1"), [*heading], "{path} as {role:?}");
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
