//! `GET /batches/{id}` (and its downloads): a published batch's towns, its
//! content hash and links to each town's page.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};

use super::downloads;
use crate::db::batches::{self, BatchRow};
use crate::domain::Lang;
use crate::error::{AppError, AppResult};
use crate::handlers::Page;
use crate::handlers::proposals::view::overall_badge;
use crate::services::batches::{PublicBatch, PublicTown, public_batch, public_batch_summary};
use crate::state::AppState;

/// A town as a row of the batch table (and of the CSV and XLSX files).
pub struct TownRow {
    pub position: i32,
    pub proposal_id: i64,
    pub name: String,
    pub region: String,
    pub industry: String,
    pub planned_area_km2: String,
    pub eligible_investment_yi: String,
    pub characteristic_share_pct: String,
    pub overall: &'static str,
    pub overall_label: &'static str,
    pub reason: String,
}

impl TownRow {
    fn of(t: &PublicTown, lang: Lang) -> TownRow {
        let (overall, overall_label) = overall_badge(&t.overall, lang).unwrap_or(("fail", ""));
        TownRow {
            position: t.position,
            proposal_id: t.proposal_id,
            name: t.name.clone(),
            region: t.region.clone(),
            industry: match lang {
                Lang::Zh => t.industry_zh.clone(),
                Lang::En => t.industry_en.clone(),
            },
            planned_area_km2: t.planned_area_km2.to_string(),
            eligible_investment_yi: t.eligible_investment_yi.to_string(),
            characteristic_share_pct: t.characteristic_share_pct.to_string(),
            overall,
            overall_label,
            reason: t.reason.clone(),
        }
    }

    /// The cells of the downloads, in the order of [`columns`].
    pub fn cells(&self, withdrawal: bool) -> Vec<String> {
        let mut cells = vec![
            self.position.to_string(),
            self.name.clone(),
            self.region.clone(),
            self.industry.clone(),
            self.planned_area_km2.clone(),
            self.eligible_investment_yi.clone(),
            self.characteristic_share_pct.clone(),
            self.overall_label.to_owned(),
        ];
        if withdrawal {
            cells.push(self.reason.clone());
        }
        cells
    }
}

/// Column headings of the table and the downloads.
pub fn columns(page: &Page, withdrawal: bool) -> Vec<String> {
    let mut keys = vec![
        "public.col.position",
        "public.col.name",
        "public.col.region",
        "public.col.industry",
        "public.col.planned_area",
        "public.col.eligible_investment",
        "public.col.characteristic_share",
        "public.col.overall",
    ];
    if withdrawal {
        keys.push("public.col.reason");
    }
    keys.into_iter().map(|k| page.t(k)).collect()
}

/// A batch as its page shows it (also the admins' preview of a draft).
pub struct BatchView {
    pub id: i64,
    pub title: String,
    pub introduction: Vec<String>,
    pub kind: String,
    pub is_withdrawal: bool,
    pub date: String,
    pub hash: Option<String>,
    /// For a withdrawal batch: the list batch it removes towns from.
    pub withdraws: Option<(i64, String)>,
    pub columns: Vec<String>,
    pub rows: Vec<TownRow>,
    /// The public notice the batch went through (公示期满), and what
    /// changed because of objections.
    pub notice: Option<crate::handlers::notice::NoticeDates>,
    pub document_number: String,
    pub changes: Vec<crate::db::batches::NoticeChange>,
    /// Headings of the notice dates in the downloads.
    pub notice_headings: Vec<String>,
}

pub async fn batch_view(
    conn: &mut sqlx::PgConnection,
    page: &Page,
    batch: &BatchRow,
    public: &PublicBatch,
) -> sqlx::Result<BatchView> {
    let withdraws = match batch.withdraws_batch_id {
        Some(id) => batches::get_published(conn, id).await?.map(|b| (b.id, b.title)),
        None => None,
    };
    Ok(BatchView {
        id: batch.id,
        title: batch.title.clone(),
        introduction: batch
            .introduction
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
        kind: page.t(if batch.is_withdrawal() {
            "public.kind.withdrawal"
        } else {
            "public.kind.list"
        }),
        is_withdrawal: batch.is_withdrawal(),
        date: batch.published_at.map(super::format_date).unwrap_or_default(),
        hash: batch.content_hash.clone(),
        withdraws,
        columns: columns(page, batch.is_withdrawal()),
        rows: public.towns.iter().map(|t| TownRow::of(t, page.lang)).collect(),
        notice: crate::handlers::notice::NoticeDates::of(batch),
        document_number: batch.document_number.clone(),
        changes: batch.notice_changes.0.clone(),
        notice_headings: vec![page.t("notice.col.starts_on"), page.t("notice.col.ends_on")],
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "public/batch.html")]
pub struct BatchPage {
    pub page: Page,
    pub batch: BatchView,
    /// An admin's preview of a draft: the same page, marked as such.
    pub preview: bool,
    /// Towns of the draft that could not be published as they stand.
    pub refused: Vec<String>,
}

/// `GET /batches/{file}`: `{id}` the page, `{id}.csv|.xlsx|.json` a file.
pub async fn show(State(state): State<AppState>, page: Page, Path(file): Path<String>) -> AppResult<Response> {
    let (id, ext) = match file.split_once('.') {
        Some((id, ext)) => (id, Some(ext)),
        None => (file.as_str(), None),
    };
    // Only plain decimal ids (no sign, no leading "+").
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AppError::NotFound);
    }
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let mut conn = state.db.acquire().await?;
    // Only the JSON download carries every finding; the page and the
    // spreadsheets read the towns' summaries.
    let (batch, public) = if ext == Some("json") {
        public_batch(&mut conn, id)
            .await?
            .map(|(b, p)| (b, std::sync::Arc::new(p)))
    } else {
        public_batch_summary(&mut conn, id).await?
    }
    .ok_or(AppError::NotFound)?;
    let view = batch_view(&mut conn, &page, &batch, &public).await?;
    drop(conn);
    match ext {
        None => Ok(BatchPage {
            page,
            batch: view,
            preview: false,
            refused: Vec::new(),
        }
        .into_response()),
        Some("json") => Ok(downloads::json(&public)),
        Some("csv") => downloads::csv(&view),
        Some("xlsx") => downloads::xlsx(&view),
        Some(_) => Err(AppError::NotFound),
    }
}
