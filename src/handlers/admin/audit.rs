//! `GET /admin/audit`: the audit log, newest first, filtered by actor,
//! action, entity and date range, 50 a page. The log is append-only (a
//! trigger refuses UPDATE and DELETE).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};
use serde::Deserialize;

use crate::auth::Admin;
use crate::db::audit::{self, Filter};
use crate::error::AppResult;
use crate::handlers::Page;
use crate::handlers::display::format_time;
use crate::state::AppState;

pub const PAGE_SIZE: i64 = 50;

#[derive(Debug, Default, Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    pub actor: String,
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub entity: String,
    #[serde(default)]
    pub entity_id: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    pub page: Option<i64>,
}

pub struct LogLine {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub link: Option<String>,
    pub before: String,
    pub after: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/audit.html")]
pub struct AuditPage {
    pub page: Page,
    pub q: AuditQuery,
    pub rows: Vec<LogLine>,
    pub total: i64,
    pub page_no: i64,
    pub pages: i64,
    pub actions: Vec<String>,
    pub entities: Vec<String>,
    /// Filters as a query string, for the paging links.
    pub params: String,
    pub bad_dates: bool,
}

impl AuditPage {
    pub fn page_link(&self, n: i64) -> String {
        format!("/admin/audit?page={n}{}", self.params)
    }
}

fn cst() -> FixedOffset {
    crate::domain::creation::china_time()
}

/// Midnight (China Standard Time) starting that day.
fn day_start(text: &str, days_after: i64) -> Result<Option<DateTime<Utc>>, ()> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let day = NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| ())?;
    let day = day + chrono::Duration::days(days_after);
    let local = cst()
        .from_local_datetime(&day.and_hms_opt(0, 0, 0).ok_or(())?)
        .single()
        .ok_or(())?;
    Ok(Some(local.with_timezone(&Utc)))
}

fn non_empty(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

fn link_of(entity: &str, id: Option<i64>) -> Option<String> {
    let id = id?;
    match entity {
        "proposal" => Some(format!("/proposals/{id}")),
        "batch" => Some(format!("/admin/batches/{id}")),
        "user" => Some(format!("/admin/users/{id}")),
        _ => None,
    }
}

fn compact(v: Option<serde_json::Value>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

pub async fn list(
    State(state): State<AppState>,
    page: Page,
    Admin(_): Admin,
    Query(q): Query<AuditQuery>,
) -> AppResult<AuditPage> {
    let from = day_start(&q.from, 0);
    let until = day_start(&q.to, 1);
    let bad_dates = from.is_err() || until.is_err();
    let filter = Filter {
        actor: non_empty(&q.actor),
        action: non_empty(&q.action),
        entity: non_empty(&q.entity),
        entity_id: q.entity_id.trim().parse().ok(),
        from: from.unwrap_or(None),
        until: until.unwrap_or(None),
    };
    let page_no = q.page.unwrap_or(1).clamp(1, 1_000_000);
    let mut conn = crate::db::acquire(&state.db).await?;
    let (rows, total) = audit::search(&mut conn, &filter, PAGE_SIZE, (page_no - 1) * PAGE_SIZE).await?;
    let (actions, entities) = audit::kinds(&mut conn).await?;
    let rows = rows
        .into_iter()
        .map(|r| LogLine {
            id: r.id,
            at: format_time(r.at),
            actor: match (r.actor_username, r.actor_name) {
                (Some(u), Some(n)) => format!("{n} ({u})"),
                _ => "—".to_owned(),
            },
            link: link_of(&r.entity, r.entity_id),
            entity_id: r.entity_id.map(|i| i.to_string()).unwrap_or_default(),
            action: r.action,
            entity: r.entity,
            before: compact(r.before),
            after: compact(r.after),
        })
        .collect();
    let pages = crate::domain::page_count(total, PAGE_SIZE);
    let params = serde_urlencoded::to_string([
        ("actor", q.actor.trim()),
        ("action", q.action.trim()),
        ("entity", q.entity.trim()),
        ("entity_id", q.entity_id.trim()),
        ("from", q.from.trim()),
        ("to", q.to.trim()),
    ])
    .map(|s| format!("&{s}"))
    .unwrap_or_default();
    Ok(AuditPage {
        page,
        q,
        rows,
        total,
        page_no,
        pages,
        actions,
        entities,
        params,
        bad_dates,
    })
}
