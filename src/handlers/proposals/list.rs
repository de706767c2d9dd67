//! `GET /proposals`: the official's region's proposals, newest change first.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use serde::Deserialize;

use crate::auth::CurrentUser;
use crate::db::proposals::{self, ListFilter, Scope};
use crate::db::regions;
use crate::domain::proposal::Industry;
use crate::domain::{Role, Status};
use crate::error::AppResult;
use crate::handlers::Page;
use crate::handlers::display::{format_time, overall_badge};
use crate::services::proposals::scope_of;
use crate::state::AppState;

pub const PAGE_SIZE: i64 = 20;

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    pub page: Option<i64>,
    pub region: Option<i64>,
    pub status: Option<String>,
}

pub struct Row {
    pub id: i64,
    pub name: String,
    pub region: String,
    pub industry: String,
    pub status: String,
    pub status_code: &'static str,
    pub overall: Option<(&'static str, &'static str)>,
    pub updated: String,
    /// "round · stage", or "—" before the first submission.
    pub round_stage: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "proposals/list.html")]
pub struct ListPage {
    pub page: Page,
    pub rows: Vec<Row>,
    pub total: i64,
    pub page_no: i64,
    pub pages: i64,
    pub show_region: bool,
    /// (id, name, selected) for the admins' region filter.
    pub regions: Vec<(i64, String, bool)>,
    pub region_param: String,
}

impl ListPage {
    pub fn page_link(&self, n: i64) -> String {
        format!("/proposals?page={n}{}", self.region_param)
    }
}

pub async fn list(
    State(state): State<AppState>,
    page: Page,
    CurrentUser(user): CurrentUser,
    Query(q): Query<ListQuery>,
) -> AppResult<ListPage> {
    let scope = scope_of(&user);
    let page_no = q.page.unwrap_or(1).clamp(1, 100_000);
    let filter = ListFilter {
        region_id: if scope == Scope::All { q.region } else { None },
        status: q.status.as_deref().and_then(Status::from_code),
    };
    let mut conn = crate::db::acquire(&state.db).await?;
    let (rows, total) = proposals::list(&mut conn, scope, &filter, PAGE_SIZE, (page_no - 1) * PAGE_SIZE).await?;
    let show_region = user.role != Role::Official;
    let regions = if show_region {
        regions::list(&mut conn)
            .await?
            .into_iter()
            .map(|r| (r.id, r.name, Some(r.id) == filter.region_id))
            .collect()
    } else {
        Vec::new()
    };
    let lang = page.lang;
    let rows = rows
        .into_iter()
        .map(|r| {
            let status = Status::from_code(&r.status).unwrap_or(Status::Draft);
            let round_stage = match &r.round_name {
                Some(round) => format!(
                    "{round} · {}",
                    crate::handlers::display::stage_label(r.stage.as_deref(), &r.status, lang)
                ),
                None => "—".to_owned(),
            };
            Row {
                round_stage,
                id: r.id,
                name: r.name,
                region: r.region_name,
                industry: r
                    .industry
                    .as_deref()
                    .and_then(Industry::from_code)
                    .map(|i| i.label(lang))
                    .unwrap_or("—")
                    .to_owned(),
                status: status.label(lang).to_owned(),
                status_code: status.code(),
                overall: r.overall.as_deref().and_then(|o| overall_badge(o, lang)),
                updated: format_time(r.updated_at),
            }
        })
        .collect();
    let pages = crate::domain::page_count(total, PAGE_SIZE);
    let region_param = filter.region_id.map(|r| format!("&region={r}")).unwrap_or_default();
    Ok(ListPage {
        page,
        rows,
        total,
        page_no,
        pages,
        show_region,
        regions,
        region_param,
    })
}
