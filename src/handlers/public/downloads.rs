//! A published batch as files: CSV (UTF-8 with a byte-order mark, so that
//! spreadsheet programs read the Chinese correctly), XLSX (header, column
//! widths, number formats) and JSON (the canonical text the content hash is
//! taken over).

use axum::http::header;
use axum::response::{IntoResponse, Response};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{Format, Workbook};

use super::batch::BatchView;
use crate::csv_out::CsvWriter;
use crate::error::{AppError, AppResult};
use crate::handlers::export::{CSV_TYPE, XLSX_TYPE};
use crate::services::batches::PublicBatch;

fn attachment(content_type: &'static str, name: String, body: Vec<u8>) -> Response {
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
