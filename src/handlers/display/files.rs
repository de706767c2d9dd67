//! Files as answers: a download held in memory ([`attachment`]), and
//! exports streamed to the browser as they are written: rows are read from
//! the database one statement at a time as PostgreSQL sends them
//! ([`crate::db::export`]), turned into cells, and written out — CSV through
//! the one CSV writer ([`CsvWriter`], every text cell defused), XLSX through
//! a constant-memory sheet ([`TableWriter`]) compressed straight into the
//! response. Memory stays bounded whatever the number of rows: a few
//! chunks wait in a channel, and a slow download slows the statement.
//!
//! A failure before the first bytes (the database away) is answered with
//! the usual error page; a failure later cuts the download short, so that a
//! browser reports it failed rather than keeping a truncated file.

use axum::body::{Body, Bytes};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use futures_util::{StreamExt, TryStreamExt};
use sqlx::postgres::PgRow;
use sqlx::{FromRow, PgPool, Postgres, QueryBuilder};
use tokio::sync::mpsc;

use crate::csv_out::CsvWriter;
use crate::db;
use crate::domain::proposal::Industry;
use crate::domain::{Lang, Status};
use crate::error::{AppError, AppResult};
use crate::handlers::Page;
use crate::xlsx::{Cell, TableWriter};

use super::format::overall_badge;

pub const CSV_TYPE: &str = "text/csv; charset=utf-8";
pub const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Bytes sent to the browser at a time.
const CHUNK: usize = 64 * 1024;
/// Rows handed to the XLSX writer at a time.
const BATCH: usize = 512;
/// Chunks (or batches) waiting at most: the bound on an export's memory.
const WAITING: usize = 4;

/// What an export is called and what its columns are.
pub struct ExportFile {
    /// The sheet's name (XLSX).
    pub sheet: String,
    pub headers: Vec<String>,
    /// The file name without extension, ASCII, for old browsers.
    pub ascii_name: &'static str,
    /// The file name without extension in the user's language.
    pub name: String,
}

impl ExportFile {
    /// Sheet and file named by the catalogue's `title`, columns by `headers`.
    pub fn new<'k>(
        page: &Page,
        title: &str,
        ascii_name: &'static str,
        headers: impl IntoIterator<Item = &'k str>,
    ) -> ExportFile {
        let title = page.t(title);
        ExportFile {
            sheet: title.clone(),
            headers: headers.into_iter().map(|k| page.t(k)).collect(),
            ascii_name,
            name: title,
        }
    }
}

/// A file held in memory as a download; `name` may be Chinese (RFC 6266 `filename*`).
pub fn attachment(bytes: Vec<u8>, content_type: &str, ascii_name: &str, name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CONTENT_DISPOSITION, disposition(ascii_name, name)),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        bytes,
    )
        .into_response()
}

/// `Content-Disposition` of a download; `name` may be Chinese (RFC 6266 `filename*`).
pub fn disposition(ascii_name: &str, name: &str) -> String {
    let encoded: String = url::form_urlencoded::byte_serialize(name.as_bytes())
        .collect::<String>()
        .replace('+', "%20");
    format!("attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{encoded}")
}

type Chunk = Result<Bytes, AppError>;
type Batch = Result<Vec<Vec<Cell>>, AppError>;

/// The two file formats of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

/// The rows of `query` (built by a `db` module) as a file of `format`, each
/// row turned into cells by `cells`.
pub async fn download<R, F>(
    db: &PgPool,
    query: QueryBuilder<'static, Postgres>,
    file: ExportFile,
    format: Format,
    cells: F,
) -> AppResult<Response>
where
    R: for<'r> FromRow<'r, PgRow> + Send + Unpin + 'static,
    F: FnMut(R) -> Vec<Cell> + Send + 'static,
{
    let batches = read(db, query, cells);
    match format {
        Format::Csv => {
            let chunks = csv(file.headers, batches);
            respond(
                chunks,
                CSV_TYPE,
                &format!("{}.csv", file.ascii_name),
                &format!("{}.csv", file.name),
            )
            .await
        }
        Format::Xlsx => {
            let chunks = xlsx(file.sheet, file.headers, batches);
            respond(
                chunks,
                XLSX_TYPE,
                &format!("{}.xlsx", file.ascii_name),
                &format!("{}.xlsx", file.name),
            )
            .await
        }
    }
}

/// Reads the rows of `query` on a task of its own, in batches of cells: the
/// first row alone (so that the answer starts at once), then [`BATCH`] at a time.
fn read<R, F>(db: &PgPool, query: QueryBuilder<'static, Postgres>, mut cells: F) -> mpsc::Receiver<Batch>
where
    R: for<'r> FromRow<'r, PgRow> + Send + Unpin + 'static,
    F: FnMut(R) -> Vec<Cell> + Send + 'static,
{
    let (out, batches) = mpsc::channel::<Batch>(WAITING);
    let db = db.clone();
    // The rows are read on another task and pool, while this request waits
    // for the first ones: its session's connection goes back meanwhile.
    crate::db::release_kept();
    tokio::spawn(async move {
        let read = async {
            let mut conn = crate::db::acquire(&db).await?;
            let mut query = query;
            let mut rows = db::export::rows::<R>(&mut conn, &mut query);
            let mut batch = Vec::with_capacity(BATCH);
            let mut first = true;
            while let Some(row) = rows.try_next().await? {
                batch.push(cells(row));
                if (first || batch.len() == BATCH) && out.send(Ok(std::mem::take(&mut batch))).await.is_err() {
                    return Ok(()); // the writer stopped: the browser went away
                }
                first = false;
            }
            let _ = out.send(Ok(batch)).await;
            Ok::<(), AppError>(())
        }
        .await;
        if let Err(e) = read {
            let _ = out.send(Err(e)).await;
        }
    });
    batches
}

/// The CSV file's chunks, written on a task of its own as the batches come.
fn csv(headers: Vec<String>, mut batches: mpsc::Receiver<Batch>) -> mpsc::Receiver<Chunk> {
    let (out, chunks) = mpsc::channel::<Chunk>(WAITING);
    tokio::spawn(async move {
        let mut w = CsvWriter::new();
        w.record(&headers);
        let mut first = true;
        while let Some(batch) = batches.recv().await {
            let chunk = batch.map(|rows| {
                for row in &rows {
                    w.row(row);
                }
            });
            let chunk = match chunk {
                Ok(()) if first || w.pending() >= CHUNK => Ok(w.take().into()),
                Ok(()) => continue,
                Err(e) => Err(e),
            };
            first = false;
            if out.send(chunk).await.is_err() {
                return; // the browser went away
            }
        }
        let _ = out.send(Ok(w.take().into())).await;
    });
    chunks
}

/// The XLSX file's chunks. The sheet is written on a blocking thread
/// (compressing 100,000 rows would hold a runtime worker for seconds) and
/// compressed straight into the response once the last row is in.
fn xlsx(sheet: String, headers: Vec<String>, mut batches: mpsc::Receiver<Batch>) -> mpsc::Receiver<Chunk> {
    let (out, chunks) = mpsc::channel::<Chunk>(WAITING);
    tokio::task::spawn_blocking(move || {
        let written = (|| -> AppResult<()> {
            let mut table = TableWriter::new(&sheet, &headers)?;
            let mut first = true;
            while let Some(batch) = batches.blocking_recv() {
                let rows = batch?;
                if first {
                    // The statement runs: the answer can start; the file follows.
                    first = false;
                    if out.blocking_send(Ok(Bytes::new())).is_err() {
                        return Ok(());
                    }
                }
                if out.is_closed() {
                    return Ok(()); // the browser went away
                }
                for row in rows {
                    table.row(&row)?;
                }
            }
            let mut body = ChannelWriter::new(out.clone());
            table.finish(&mut body)?;
            std::io::Write::flush(&mut body).map_err(|e| AppError::Internal(e.into()))
        })();
        if let Err(e) = written {
            let _ = out.blocking_send(Err(e));
        }
    });
    chunks
}

/// The response once the first chunk is there (or the error page when the
/// export failed before it); the rest follows as it comes.
async fn respond(
    mut chunks: mpsc::Receiver<Chunk>,
    content_type: &str,
    ascii_name: &str,
    name: &str,
) -> AppResult<Response> {
    let first = match chunks.recv().await {
        Some(Ok(first)) => first,
        Some(Err(e)) => return Err(e),
        None => {
            return Err(AppError::Internal(anyhow::anyhow!(
                "the export ended before its first bytes"
            )));
        }
    };
    let rest = futures_util::stream::unfold(chunks, |mut chunks| async move {
        let chunk = chunks.recv().await?;
        let chunk = chunk.map_err(|e| {
            tracing::error!(error = %e, "export cut short");
            std::io::Error::other(e.to_string())
        });
        Some((chunk, chunks))
    });
    let body = futures_util::stream::once(async move { Ok::<Bytes, std::io::Error>(first) }).chain(rest);
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_DISPOSITION, disposition(ascii_name, name)),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        Body::from_stream(body),
    )
        .into_response())
}

/// A blocking writer into the response: bytes leave in chunks of [`CHUNK`].
struct ChannelWriter {
    out: mpsc::Sender<Chunk>,
    buffer: Vec<u8>,
}

impl ChannelWriter {
    fn new(out: mpsc::Sender<Chunk>) -> ChannelWriter {
        ChannelWriter {
            out,
            buffer: Vec::with_capacity(CHUNK),
        }
    }

    fn send(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.buffer, Vec::with_capacity(CHUNK));
        self.out
            .blocking_send(Ok(chunk.into()))
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::BrokenPipe))
    }
}

impl std::io::Write for ChannelWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(buf);
        if self.buffer.len() >= CHUNK {
            self.send()?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.send()
    }
}

/// The headers of [`proposal_cells`]' columns.
pub const PROPOSAL_COLUMNS: [&str; 6] = [
    "spreadsheets.col.id",
    "proposals.col.name",
    "proposals.region",
    "proposals.col.industry",
    "proposals.col.status",
    "proposals.col.overall",
];

/// The columns both exports start with: id, name, region, industry, status
/// and the latest overall verdict, in the page's language.
pub fn proposal_cells(
    lang: Lang,
    (id, name, region): (i64, String, String),
    status: &str,
    industry: Option<String>,
    overall: Option<String>,
) -> Vec<Cell> {
    vec![
        Cell::Number(id.into()),
        Cell::Text(name),
        Cell::Text(region),
        Cell::text(
            industry
                .as_deref()
                .and_then(Industry::from_code)
                .map(|i| i.label(lang))
                .unwrap_or(""),
        ),
        Cell::text(Status::from_code(status).map(|s| s.label(lang)).unwrap_or(status)),
        Cell::text(
            overall
                .as_deref()
                .and_then(|o| overall_badge(o, lang))
                .map(|(_, l)| l)
                .unwrap_or(""),
        ),
    ]
}
