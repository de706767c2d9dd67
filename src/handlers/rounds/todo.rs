//! `GET /todo`: the signed-in user's to-do list (待办), whose count the
//! navigation shows (read with the session: the SQL function `todo_count`,
//! migration 20261208200000 — keep the two in step). Officials: returned
//! proposals and rounds closing within 3 days while they have drafts; city
//! users: proposals to recommend; reviewers: formal checks and decisions;
//! admins: objections and counties without a city. Experts' items come with
//! the expert review ([`expert_items`]).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use sqlx::PgConnection;

use crate::auth::{CurrentUser, User};
use crate::db::{regions, rounds as db};
use crate::domain::round::Stage;
use crate::domain::{Lang, Role};
use crate::error::AppResult;
use crate::handlers::Page;
use crate::handlers::display::format_time;
use crate::i18n;
use crate::state::AppState;

/// One thing to do, with where to do it.
pub struct TodoItem {
    pub class: &'static str,
    pub label: String,
    pub detail: String,
    pub link: String,
    /// How many things it stands for (a list line is 1).
    pub count: i64,
}

#[derive(Template, WebTemplate)]
#[template(path = "rounds/todo.html")]
pub struct TodoPage {
    pub page: Page,
    pub items: Vec<TodoItem>,
    pub total: i64,
}

fn item(class: &'static str, label: String, detail: String, link: String, count: i64) -> TodoItem {
    TodoItem {
        class,
        label,
        detail,
        link,
        count,
    }
}

async fn official_items(conn: &mut PgConnection, region: i64, lang: Lang) -> sqlx::Result<Vec<TodoItem>> {
    let mut items = Vec::new();
    for r in db::returned_of_region(conn, region).await? {
        items.push(item(
            "returned",
            r.name,
            i18n::t(lang, "todo.returned"),
            format!("/proposals/{}", r.id),
            1,
        ));
    }
    for (_, name, deadline, drafts) in db::closing_soon(conn, region).await? {
        let detail = format!(
            "{} {} · {} {drafts}",
            i18n::t(lang, "todo.deadline"),
            format_time(deadline),
            i18n::t(lang, "todo.drafts")
        );
        items.push(item("deadline", name, detail, "/proposals?status=draft".into(), 1));
    }
    Ok(items)
}

async fn city_items(conn: &mut PgConnection, city: i64, lang: Lang) -> sqlx::Result<Vec<TodoItem>> {
    Ok(db::of_city(conn, city, 500)
        .await?
        .into_iter()
        .filter(|r| r.waits_for_city)
        .map(|r| {
            let detail = format!(
                "{} · {} · {}",
                r.region_name,
                r.round_name.unwrap_or_default(),
                i18n::t(lang, "todo.recommend")
            );
            item("recommend", r.name, detail, format!("/city/proposals/{}", r.id), 1)
        })
        .collect())
}

async fn reviewer_items(conn: &mut PgConnection, lang: Lang) -> sqlx::Result<Vec<TodoItem>> {
    let (formal, decisions) = db::reviewer_counts(conn).await?;
    Ok(vec![
        item(
            "formal",
            i18n::t(lang, "todo.formal"),
            String::new(),
            "/review/formal".into(),
            formal,
        ),
        item(
            "decisions",
            i18n::t(lang, "todo.decisions"),
            String::new(),
            "/review".into(),
            decisions,
        ),
    ])
}

async fn admin_items(conn: &mut PgConnection, lang: Lang) -> sqlx::Result<Vec<TodoItem>> {
    let attention = crate::db::batches::attention(conn).await?;
    let objections = match attention.objection_batches.as_slice() {
        [one] => format!("/admin/batches/{one}/objections"),
        _ => "/admin/batches".to_owned(),
    };
    let mut items = vec![item(
        "objections",
        i18n::t(lang, "todo.objections"),
        String::new(),
        objections,
        attention.open_objections,
    )];
    for county in regions::counties_without_city(conn).await? {
        items.push(item(
            "no-city",
            county.name,
            i18n::t(lang, "todo.no_city"),
            format!("/admin/users#region-{}", county.id),
            1,
        ));
    }
    Ok(items)
}

/// An expert's to-do list: the assigned proposals at the expert stage whose
/// latest sheet is not submitted, with the panel's due date.
async fn expert_items(conn: &mut PgConnection, user: &User, lang: Lang) -> sqlx::Result<Vec<TodoItem>> {
    let Some(expert) = crate::db::experts::of_user(conn, user.id).await? else {
        return Ok(Vec::new());
    };
    Ok(crate::db::panels::todo(conn, expert.id)
        .await?
        .into_iter()
        .filter(|r| r.stage.as_deref() == Some(Stage::Expert.code()) && r.submitted_at.is_none())
        .map(|r| {
            let due = r
                .due_at
                .map(|d| {
                    format!(
                        " · {}{}",
                        i18n::t(lang, "todo.due"),
                        crate::handlers::display::format_time(d)
                    )
                })
                .unwrap_or_default();
            let detail = format!("{} · {}{due}", r.region_name, r.round_name);
            item(
                "score",
                r.name,
                detail,
                format!("/expert/proposals/{}", r.proposal_id),
                1,
            )
        })
        .collect())
}

/// The user's to-do items.
pub async fn items_of(conn: &mut PgConnection, user: &User, lang: Lang) -> sqlx::Result<Vec<TodoItem>> {
    match (user.role, user.region_id) {
        (Role::Official, Some(region)) => official_items(conn, region, lang).await,
        (Role::City, Some(city)) => city_items(conn, city, lang).await,
        (Role::Reviewer, _) => reviewer_items(conn, lang).await,
        (Role::Admin, _) => admin_items(conn, lang).await,
        (Role::Expert, _) => expert_items(conn, user, lang).await,
        (Role::Official | Role::City, None) => Ok(Vec::new()),
    }
}

/// `GET /todo`.
pub async fn show(State(state): State<AppState>, page: Page, CurrentUser(user): CurrentUser) -> AppResult<TodoPage> {
    let mut conn = crate::db::acquire(&state.db).await?;
    let items = items_of(&mut conn, &user, page.lang).await?;
    let total = items.iter().map(|i| i.count).sum();
    Ok(TodoPage { page, items, total })
}
