//! `GET /batches/{id}`: a published batch's towns, its content hash and
//! links to each town's page; its downloads (`{id}.csv|.xlsx|.json`): CSV
//! (UTF-8 with a byte-order mark, so that spreadsheet programs read the
//! Chinese correctly), XLSX (header, column widths, number formats) and JSON
//! (the canonical text the content hash is taken over). Also the admins'
//! preview of a draft batch, the same page marked as such.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{Format, Workbook};

use crate::auth::Admin;
use crate::csv_out::CsvWriter;
use crate::db::batches::{self, BatchRow};
use crate::domain::Lang;
use crate::domain::publication::{NoticeChange, PublicBatch, PublicTown};
use crate::error::{AppError, AppResult};
use crate::handlers::Page;
use crate::handlers::display::{CSV_TYPE, XLSX_TYPE, format_date, overall_badge};
use crate::services::batches::{public_batch, public_batch_summary};
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
    pub notice: Option<crate::handlers::display::NoticeDates>,
    pub document_number: String,
    pub changes: Vec<NoticeChange>,
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
        date: batch.published_at.map(format_date).unwrap_or_default(),
        hash: batch.content_hash.clone(),
        withdraws,
        columns: columns(page, batch.is_withdrawal()),
        rows: public.towns.iter().map(|t| TownRow::of(t, page.lang)).collect(),
        notice: crate::handlers::display::NoticeDates::of(batch),
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

/// A path segment naming a batch: `{id}` or `{id}.{ext}`, with only a plain
/// decimal id (no sign, no leading "+"); anything else is not found.
pub fn id_and_extension(file: &str) -> AppResult<(i64, Option<&str>)> {
    let (id, ext) = match file.split_once('.') {
        Some((id, ext)) => (id, Some(ext)),
        None => (file, None),
    };
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AppError::NotFound);
    }
    Ok((id.parse().map_err(|_| AppError::NotFound)?, ext))
}

/// `GET /batches/{file}`: `{id}` the page, `{id}.csv|.xlsx|.json` a file.
pub async fn show(State(state): State<AppState>, page: Page, Path(file): Path<String>) -> AppResult<Response> {
    let (id, ext) = id_and_extension(&file)?;
    let mut conn = crate::db::acquire(&state.db).await?;
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
        Some("json") => Ok(json(&public)),
        Some("csv") => csv(&view),
        Some("xlsx") => xlsx(&view),
        Some(_) => Err(AppError::NotFound),
    }
}

/// `GET /admin/batches/{id}/preview`: the public page as it will read.
pub async fn preview(
    State(state): State<AppState>,
    page: Page,
    Admin(_): Admin,
    Path(id): Path<i64>,
) -> AppResult<BatchPage> {
    let mut conn = crate::db::acquire(&state.db).await?;
    let (batch, public, refused) = crate::services::batches::preview(&mut conn, id).await?;
    let view = batch_view(&mut conn, &page, &batch, &public).await?;
    Ok(BatchPage {
        page,
        batch: view,
        preview: true,
        refused,
    })
}

// ---------------------------------------------------------------- downloads

pub fn attachment(content_type: &'static str, name: String, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        body,
    )
        .into_response()
}

pub fn json(public: &PublicBatch) -> Response {
    attachment(
        "application/json",
        format!("batch-{}.json", public.id),
        public.canonical_json().into_bytes(),
    )
}

/// The batch as CSV, through the one CSV writer (every text cell defused).
/// A batch is held in memory for its page already (it never changes once
/// published), so the file is written from that copy.
pub fn csv(view: &BatchView) -> AppResult<Response> {
    let mut w = CsvWriter::new();
    let (head, dates) = notice_columns(view);
    w.record(view.columns.iter().chain(&head));
    for row in &view.rows {
        w.record(row.cells(view.is_withdrawal).iter().chain(&dates));
    }
    Ok(attachment(CSV_TYPE, format!("batch-{}.csv", view.id), w.take()))
}

/// A batch that went through public notice carries its dates on every row
/// (公示开始, 公示结束 — it ended at 24:00 China time that day).
fn notice_columns(view: &BatchView) -> (Vec<String>, Vec<String>) {
    match &view.notice {
        Some(n) => (
            view.notice_headings.clone(),
            vec![n.starts_on.clone(), n.ends_on.clone()],
        ),
        None => (Vec::new(), Vec::new()),
    }
}

fn number(text: &str) -> f64 {
    text.parse::<Decimal>().ok().and_then(|d| d.to_f64()).unwrap_or(0.0)
}

pub fn xlsx(view: &BatchView) -> AppResult<Response> {
    let build = || -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet.set_name(format!("batch-{}", view.id))?;
        let head = Format::new().set_bold().set_background_color("#EEF0F3").set_text_wrap();
        let area = Format::new().set_num_format("0.0000");
        let money = Format::new().set_num_format("#,##0.0000");
        // At least 2 places and up to 4: a stored 69.9999 must not read as 70.00.
        let pct = Format::new().set_num_format("0.00##");
        let widths = [8.0, 28.0, 16.0, 20.0, 16.0, 18.0, 18.0, 20.0, 40.0];
        for (col, title) in view.columns.iter().chain(&notice_columns(view).0).enumerate() {
            sheet.write_string_with_format(0, col as u16, title, &head)?;
            sheet.set_column_width(col as u16, widths[col.min(widths.len() - 1)])?;
        }
        sheet.set_freeze_panes(1, 0)?;
        for (i, row) in view.rows.iter().enumerate() {
            let r = i as u32 + 1;
            sheet.write_number(r, 0, row.position)?;
            sheet.write_string(r, 1, &row.name)?;
            sheet.write_string(r, 2, &row.region)?;
            sheet.write_string(r, 3, &row.industry)?;
            sheet.write_number_with_format(r, 4, number(&row.planned_area_km2), &area)?;
            sheet.write_number_with_format(r, 5, number(&row.eligible_investment_yi), &money)?;
            sheet.write_number_with_format(r, 6, number(&row.characteristic_share_pct), &pct)?;
            sheet.write_string(r, 7, row.overall_label)?;
            if view.is_withdrawal {
                sheet.write_string(r, 8, &row.reason)?;
            }
            let after = view.columns.len() as u16;
            for (i, date) in notice_columns(view).1.iter().enumerate() {
                sheet.write_string(r, after + i as u16, date)?;
            }
        }
        book.save_to_buffer()
    };
    let body = build().map_err(|e| AppError::Internal(anyhow::anyhow!("xlsx: {e}")))?;
    Ok(attachment(XLSX_TYPE, format!("batch-{}.xlsx", view.id), body))
}
