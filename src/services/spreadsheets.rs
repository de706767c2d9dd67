//! Importing proposals from a spreadsheet (issue 9): read an XLSX or CSV
//! file into rows of the template's columns, check and evaluate every row
//! in the background while the preview page shows the progress, and on
//! confirmation write every valid row as a draft in one transaction.
//!
//! Nothing is kept in the process between requests: the rows, the progress
//! and the outcome live in the `imports` table, so any instance can serve
//! the next request.

use std::collections::HashMap;
use std::io::Cursor;

use calamine::{Data, Reader};
use serde_json::json;
use sqlx::PgPool;

use super::ServiceError;
use crate::auth::User;
use crate::db::proposals::{self, BulkProposal};
use crate::db::{audit, spreadsheets as store, standards as db_standards};
use crate::domain::proposal::{FieldError, FieldKind, ProposalInput};
use crate::domain::{Lang, Status};
use crate::standards::{self, Standard};
use crate::xlsx::guard::{self, Exceeded, Limits, Refusal};
use crate::xlsx::{self, Column, ERROR_COLUMN_KEY};

pub use crate::domain::spreadsheets::{RowError, RowOutcome, SheetRow};

pub mod reports;

/// Largest file accepted.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;
/// Most data rows in one file.
pub const MAX_ROWS: usize = 5_000;
/// How many rows are checked between two progress updates.
const PROGRESS_EVERY: usize = 250;

/// Why a file cannot be read at all. Each has a catalogue message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileError {
    TooLarge,
    Empty,
    Encrypted,
    Corrupt,
    NotSpreadsheet,
    NoHeader,
    UnknownColumns(Vec<String>),
    NoRows,
    TooManyRows(usize),
    /// An Excel 97–2003 file: its binary records cannot be checked before
    /// the reader allocates what they declare (see `xlsx::guard`).
    OldXls,
    /// The file declares more than the import's limits allow.
    Limit(Exceeded),
}

impl FileError {
    /// The catalogue key of the message.
    pub fn key(&self) -> &'static str {
        match self {
            FileError::TooLarge => "spreadsheets.file.too_large",
            FileError::Empty => "spreadsheets.file.empty",
            FileError::Encrypted => "spreadsheets.file.encrypted",
            FileError::Corrupt => "spreadsheets.file.corrupt",
            FileError::NotSpreadsheet => "spreadsheets.file.not_spreadsheet",
            FileError::NoHeader => "spreadsheets.file.no_header",
            FileError::UnknownColumns(_) => "spreadsheets.file.unknown_columns",
            FileError::NoRows => "spreadsheets.file.no_rows",
            FileError::TooManyRows(_) => "spreadsheets.file.too_many_rows",
            FileError::OldXls => "spreadsheets.file.old_xls",
            FileError::Limit(Exceeded::Parts { .. }) => "spreadsheets.file.limit.parts",
            FileError::Limit(Exceeded::Unpacked { .. }) => "spreadsheets.file.limit.unpacked",
            FileError::Limit(Exceeded::Dimension { .. }) => "spreadsheets.file.limit.dimension",
            FileError::Limit(Exceeded::SharedStrings { .. }) => "spreadsheets.file.limit.shared_strings",
            FileError::Limit(Exceeded::Text { .. }) => "spreadsheets.file.limit.text",
            FileError::Limit(Exceeded::TimedOut { .. }) => "spreadsheets.file.limit.timed_out",
        }
    }

    /// The message with its details (the unknown headers, the row count).
    pub fn message(&self, lang: Lang) -> String {
        let base = crate::i18n::t(lang, self.key());
        match self {
            FileError::UnknownColumns(names) => {
                format!("{base}{}", names.join(if lang == Lang::Zh { "、" } else { ", " }))
            }
            FileError::TooManyRows(n) => format!("{base}{n}"),
            FileError::Limit(limit) => limit_message(&base, limit),
            _ => base,
        }
    }
}

/// A limit's message with the limit's figures in place.
fn limit_message(base: &str, limit: &Exceeded) -> String {
    let fill = |pairs: &[(&str, u64)]| {
        pairs.iter().fold(base.to_string(), |text, (key, value)| {
            text.replace(key, &value.to_string())
        })
    };
    match *limit {
        Exceeded::Parts { max } | Exceeded::SharedStrings { max } => fill(&[("{max}", max)]),
        Exceeded::Unpacked { max_mb, max_ratio } => fill(&[("{max_mb}", max_mb), ("{max_ratio}", max_ratio)]),
        Exceeded::Dimension { rows, cols } => fill(&[("{rows}", rows.into()), ("{cols}", cols.into())]),
        Exceeded::Text { max_mb } => fill(&[("{max_mb}", max_mb)]),
        Exceeded::TimedOut { secs } => fill(&[("{secs}", secs)]),
    }
}

/// Reads an uploaded file: XLSX (or old XLS), or CSV in UTF-8 (with or
/// without BOM) or GBK. Returns the data rows in template column order.
pub fn read_file(bytes: &[u8]) -> Result<Vec<SheetRow>, FileError> {
    if bytes.len() > MAX_BYTES {
        return Err(FileError::TooLarge);
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(FileError::Empty);
    }
    let grid = if bytes.starts_with(b"PK\x03\x04") {
        xlsx_grid(bytes, &LIMITS)?
    } else if bytes.starts_with(OLE) {
        return Err(ole_error(bytes, FileError::OldXls));
    } else {
        csv_grid(bytes, &LIMITS)?
    };
    rows_of(grid)
}

/// What an uploaded proposals file is held to (`xlsx::guard`; the README's
/// "Limits" lists them).
pub const LIMITS: Limits = Limits::for_rows(MAX_ROWS as u32);

/// The signature of an OLE container: an encrypted XLSX, or an old XLS.
const OLE: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// An OLE container is refused: `Encrypted` when it holds an encrypted
/// XLSX (said so rather than "not XLSX"), else `otherwise`.
fn ole_error(bytes: &[u8], otherwise: FileError) -> FileError {
    // calamine sizes its reading of an OLE container by the bytes present.
    match calamine::Xlsx::new(Cursor::new(bytes)) {
        Err(calamine::XlsxError::Password) => FileError::Encrypted,
        _ => otherwise,
    }
}

/// Reads the first sheet of an XLSX file, and nothing else: an old XLS, a
/// CSV or any other file is `NotSpreadsheet` (for imports that take only
/// the XLSX template).
pub fn read_xlsx_grid(bytes: &[u8], limits: &Limits) -> Result<Grid, FileError> {
    if bytes.len() > MAX_BYTES {
        return Err(FileError::TooLarge);
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(FileError::Empty);
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return xlsx_grid(bytes, limits);
    }
    if bytes.starts_with(OLE) {
        return Err(ole_error(bytes, FileError::NotSpreadsheet));
    }
    Err(FileError::NotSpreadsheet)
}

/// Cells as text, each row with its 1-based number.
pub type Grid = Vec<(u32, Vec<String>)>;

fn range_grid(range: calamine::Range<Data>) -> Grid {
    let (top, left) = range.start().unwrap_or((0, 0));
    range
        .rows()
        .enumerate()
        .map(|(i, cells)| {
            let mut row: Vec<String> = vec![String::new(); left as usize];
            row.extend(cells.iter().map(cell_text));
            (top + i as u32 + 1, row)
        })
        .collect()
}

fn xlsx_grid(bytes: &[u8], limits: &Limits) -> Result<Grid, FileError> {
    match guard::check(bytes, limits) {
        Ok(()) => {}
        Err(Refusal::Corrupt) => return Err(FileError::Corrupt),
        Err(Refusal::Exceeded(limit)) => return Err(FileError::Limit(limit)),
    }
    let mut book = match calamine::Xlsx::new(Cursor::new(bytes)) {
        Ok(b) => b,
        Err(calamine::XlsxError::Password) => return Err(FileError::Encrypted),
        Err(_) => return Err(FileError::Corrupt),
    };
    match book.worksheet_range_at(0) {
        Some(Ok(range)) => Ok(range_grid(range)),
        Some(Err(calamine::XlsxError::Password)) => Err(FileError::Encrypted),
        _ => Err(FileError::Corrupt),
    }
}

/// A cell as the text a person typed: numbers in their shortest exact
/// decimal form (3.6 stays "3.6"), booleans as 是/否.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        // Rust prints the shortest text that reads back as the same double,
        // never in exponent form: exactly what Excel shows for typed values.
        Data::Float(f) => format!("{f}"),
        Data::Bool(b) => xlsx::yes_no(*b, Lang::Zh).to_string(),
        Data::DateTime(d) => d.to_string(),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

fn csv_grid(bytes: &[u8], limits: &Limits) -> Result<Grid, FileError> {
    if bytes.contains(&0) {
        return Err(FileError::NotSpreadsheet);
    }
    let bytes = bytes.strip_prefix(xlsx::BOM).unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => std::borrow::Cow::Borrowed(t),
        // Older Excel saves CSV in GBK (no BOM sniffing: a UTF-16 mark is not a CSV).
        Err(_) => match encoding_rs::GBK.decode_without_bom_handling_and_without_replacement(bytes) {
            Some(text) => text,
            None => return Err(FileError::NotSpreadsheet),
        },
    };
    if text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        return Err(FileError::NotSpreadsheet);
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut grid = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|_| FileError::Corrupt)?;
        if record.len() > limits.max_cols as usize {
            return Err(FileError::Limit(Exceeded::Dimension {
                rows: limits.max_rows,
                cols: limits.max_cols,
            }));
        }
        let line = record.position().map_or(grid.len() as u32 + 1, |p| p.line() as u32);
        grid.push((line, record.iter().map(str::to_owned).collect()));
        if grid.len() > MAX_ROWS + 20 {
            break;
        }
    }
    Ok(grid)
}

/// What a header cell can name: a template column, the reason column of an
/// error file, or (by position) a year of the by-year list.
enum Heading {
    Column(usize),
    List,
    Ignored,
}

fn headings() -> HashMap<String, Heading> {
    let mut map = HashMap::new();
    for (i, c) in xlsx::columns().iter().enumerate() {
        map.insert(c.key(), Heading::Column(i));
        map.insert(c.header(Lang::Zh), Heading::Column(i));
        map.insert(c.header(Lang::En), Heading::Column(i));
        if c.year.is_none() {
            map.insert(c.spec.label(Lang::Zh).to_string(), Heading::Column(i));
            map.insert(c.spec.label(Lang::En).to_string(), Heading::Column(i));
        }
    }
    map.insert("investment.by_year_yi".to_string(), Heading::List);
    map.insert(ERROR_COLUMN_KEY.to_string(), Heading::Ignored);
    map.insert(crate::i18n::t(Lang::Zh, "spreadsheets.errors.column"), Heading::Ignored);
    map.insert(crate::i18n::t(Lang::En, "spreadsheets.errors.column"), Heading::Ignored);
    map
}

/// Whether every non-empty cell of a row is a known heading, and one names `name`.
fn is_header(row: &[String], map: &HashMap<String, Heading>) -> bool {
    let mut any = false;
    for cell in row.iter().map(|c| c.trim()).filter(|c| !c.is_empty()) {
        match map.get(cell) {
            Some(Heading::Column(0)) => any = true,
            Some(_) => {}
            None => return false,
        }
    }
    any
}

/// Finds the header (the last of the header rows: the hidden canonical row
/// of the template) and maps each data row onto the template's columns.
fn rows_of(grid: Grid) -> Result<Vec<SheetRow>, FileError> {
    let map = headings();
    let width = xlsx::columns().len();
    // The header is within the first rows; the first may be a title.
    let first = grid
        .iter()
        .take(10)
        .position(|(_, r)| has_name_heading(r, &map))
        .ok_or(FileError::NoHeader)?;
    let mut last = first;
    while grid.get(last + 1).is_some_and(|(_, r)| is_header(r, &map)) {
        last += 1;
    }
    let header = &grid[last].1;
    let mut targets: Vec<Option<usize>> = Vec::with_capacity(header.len());
    let mut unknown = Vec::new();
    let mut next_year = xlsx::columns().iter().position(|c| c.year.is_some()).unwrap_or(0);
    for cell in header {
        let cell = cell.trim();
        targets.push(match map.get(cell) {
            Some(Heading::Column(i)) => Some(*i),
            Some(Heading::List) => {
                next_year += 1;
                Some(next_year - 1)
            }
            Some(Heading::Ignored) => None,
            None if cell.is_empty() => None,
            None => {
                unknown.push(cell.to_string());
                None
            }
        });
    }
    if !unknown.is_empty() {
        return Err(FileError::UnknownColumns(unknown));
    }
    let examples = [xlsx::example_cells(Lang::Zh), xlsx::example_cells(Lang::En)];
    let mut rows = Vec::new();
    for (number, raw) in grid.into_iter().skip(last + 1) {
        let mut cells = vec![String::new(); width];
        for (value, target) in raw.into_iter().zip(&targets) {
            if let Some(t) = target
                && *t < width
            {
                cells[*t] = value.trim().to_string();
            }
        }
        if cells.iter().all(String::is_empty) || examples.contains(&cells) {
            continue;
        }
        rows.push(SheetRow { row: number, cells });
        if rows.len() > MAX_ROWS {
            return Err(FileError::TooManyRows(MAX_ROWS));
        }
    }
    if rows.is_empty() {
        return Err(FileError::NoRows);
    }
    Ok(rows)
}

fn has_name_heading(row: &[String], map: &HashMap<String, Heading>) -> bool {
    row.iter()
        .any(|c| matches!(map.get(c.trim()), Some(Heading::Column(0))))
}

/// The visible header of a row error's column (a template column, else
/// the field's label).
pub fn column_header(error: &RowError, lang: Lang) -> String {
    xlsx::columns()
        .iter()
        .find(|c| c.key() == error.column)
        .map(|c| c.header(lang))
        .or_else(|| crate::domain::proposal::field(&error.column).map(|f| f.label(lang).to_string()))
        .unwrap_or_else(|| error.column.clone())
}

fn row_error(e: &FieldError) -> RowError {
    let column = match (e.params.position, crate::domain::proposal::field(&e.field)) {
        (Some(p), Some(spec)) if spec.is_list() => format!("{}[{p}]", e.field),
        _ => e.field.clone(),
    };
    RowError {
        column,
        zh: e.message(Lang::Zh),
        en: e.message(Lang::En),
    }
}

/// The form pairs a row stands for: choices by code, 是/否 as booleans, the
/// by-year columns as the repeated list field.
pub fn form_pairs(cells: &[String]) -> Vec<(String, String)> {
    let columns = xlsx::columns();
    let mut pairs = Vec::with_capacity(columns.len());
    for (c, value) in columns.iter().zip(cells) {
        let value = value.trim();
        if c.spec.is_list() {
            pairs.push((c.spec.name.to_string(), value.to_string()));
            continue;
        }
        if value.is_empty() {
            continue;
        }
        let value = match c.spec.kind {
            FieldKind::Bool => match xlsx::parse_yes_no(value) {
                Some(b) => b.to_string(),
                None => value.to_lowercase(),
            },
            FieldKind::Choice(choice) => xlsx::choice_code(choice, value).unwrap_or(value).to_string(),
            _ => value.to_string(),
        };
        pairs.push((c.spec.name.to_string(), value));
    }
    pairs
}

/// Checks one row completely and evaluates it under `standard`. `region` is
/// the importing official's: a blank region means theirs, another is refused.
pub fn check_row(row: &SheetRow, region: &str, standard: &Standard) -> RowOutcome {
    let name_col = 0;
    let name = row.cells.get(name_col).cloned().unwrap_or_default();
    let mut pairs = form_pairs(&row.cells);
    let mut errors = Vec::new();
    match pairs.iter_mut().find(|(k, _)| k == "region") {
        Some((_, v)) if v.trim() != region => errors.push(RowError {
            column: "region".to_string(),
            zh: format!("{}{region}", crate::i18n::t(Lang::Zh, "spreadsheets.row.other_region")),
            en: format!("{}{region}", crate::i18n::t(Lang::En, "spreadsheets.row.other_region")),
        }),
        Some(_) => {}
        None => pairs.push(("region".to_string(), region.to_string())),
    }
    let (input, parse_errors) = ProposalInput::from_form(&pairs);
    errors.extend(parse_errors.iter().map(row_error));
    if !errors.is_empty() {
        return RowOutcome {
            row: row.row,
            name,
            errors,
            overall: None,
            input: None,
        };
    }
    match input.complete_under(standard.periods()) {
        Ok(proposal) => {
            let evaluation = standards::evaluate(&proposal, standard);
            RowOutcome {
                row: row.row,
                name,
                errors,
                overall: Some(evaluation.overall.code().to_string()),
                input: Some(input),
            }
        }
        Err(e) => RowOutcome {
            row: row.row,
            name,
            errors: e.iter().map(row_error).collect(),
            overall: None,
            input: None,
        },
    }
}

/// Keeps a read file for checking; returns the import's id. The caller then
/// runs [`process`] (in the background).
pub async fn start(
    db: &PgPool,
    user: &User,
    region_id: i64,
    filename: &str,
    rows: &[SheetRow],
) -> Result<i64, ServiceError> {
    let filename: String = filename.chars().take(300).collect();
    let columns: Vec<String> = xlsx::columns().iter().map(Column::key).collect();
    let mut conn = crate::db::acquire(db).await?;
    let id = store::insert(
        &mut conn,
        user.id,
        region_id,
        &filename,
        &json!(columns),
        &json!(rows),
        rows.len() as i32,
    )
    .await?;
    Ok(id)
}

/// Checks and evaluates every row of import `id`, advancing its progress,
/// and stores the outcome. Runs as a background task after [`start`].
pub async fn process(db: &PgPool, id: i64) -> Result<(), ServiceError> {
    let mut conn = crate::db::acquire(db).await?;
    let Some((region, rows)) = store::pending_rows(&mut conn, id).await? else {
        return Ok(());
    };
    let rows: Vec<SheetRow> =
        serde_json::from_value(rows).map_err(|e| ServiceError::Db(sqlx::Error::Decode(e.into())))?;
    let active = db_standards::active(&mut conn)
        .await?
        .ok_or(ServiceError::NoActiveStandard)?;
    let standard = std::sync::Arc::new(active.standard().clone());
    let region = std::sync::Arc::new(region);
    let mut outcomes = Vec::with_capacity(rows.len());
    for (i, chunk) in rows.chunks(PROGRESS_EVERY).enumerate() {
        // Checking and evaluating rows is CPU work: off the async threads,
        // a chunk at a time between progress updates.
        let (chunk, region, standard) = (chunk.to_vec(), region.clone(), standard.clone());
        let checked = tokio::task::spawn_blocking(move || {
            chunk
                .iter()
                .map(|r| check_row(r, &region, &standard))
                .collect::<Vec<_>>()
        })
        .await
        // A check that panicked: `run` marks the import failed.
        .map_err(|_| ServiceError::WrongState)?;
        outcomes.extend(checked);
        if (i + 1) * PROGRESS_EVERY < rows.len() {
            store::set_progress(&mut conn, id, outcomes.len() as i32).await?;
        }
    }
    store::finish(&mut conn, id, &json!(outcomes)).await?;
    Ok(())
}

/// [`process`] as a background task: a failure is logged and marks the
/// import failed, so the page stops waiting.
pub async fn run(db: &PgPool, id: i64) {
    if let Err(err) = process(db, id).await {
        tracing::error!(error = ?err, import = id, "import check failed");
        if let Ok(mut conn) = crate::db::acquire(db).await {
            let _ = store::fail(&mut conn, id).await;
        }
    }
}

/// The official's region changed since the upload: upload again.
pub const REGION_CHANGED: &str = "spreadsheets.import.region_changed";
/// The database refused a row the checks let through: nothing was written.
pub const CONFIRM_FAILED: &str = "spreadsheets.import.confirm_failed";

/// Writes every valid row of a ready import as a draft of its region, in one
/// transaction with an audit row each; returns how many.
///
/// The region is the one the official has now: when an admin moved them to
/// another region since the upload, the rows (checked against the old one)
/// are refused as a whole ([`REGION_CHANGED`]) and the official uploads the
/// file again — drafts never land in a region their author no longer acts
/// for. A row the database refuses (an integrity constraint) refuses the
/// whole import ([`CONFIRM_FAILED`]).
pub async fn confirm(db: &PgPool, user: &User, id: i64) -> Result<usize, ServiceError> {
    write_drafts(db, user, id).await.map_err(|e| match e {
        ServiceError::Db(sqlx::Error::Database(d)) if d.code().is_some_and(|c| c.starts_with("23")) => {
            ServiceError::Refused(CONFIRM_FAILED)
        }
        other => other,
    })
}

async fn write_drafts(db: &PgPool, user: &User, id: i64) -> Result<usize, ServiceError> {
    let mut tx = crate::db::begin(db).await?;
    let import = store::lock(&mut tx, id, user.id).await?.ok_or(ServiceError::NotFound)?;
    if import.status != "ready" {
        return Err(ServiceError::WrongState);
    }
    if user.region_id != Some(import.region_id) {
        return Err(ServiceError::Refused(REGION_CHANGED));
    }
    let outcomes = import.outcomes();
    let valid: Vec<&ProposalInput> = outcomes
        .iter()
        .filter(|o| o.is_valid())
        .filter_map(|o| o.input.as_ref())
        .collect();
    if valid.is_empty() {
        return Err(ServiceError::WrongState);
    }
    let mut ids = Vec::with_capacity(valid.len());
    for chunk in valid.chunks(500) {
        let bulk: Vec<BulkProposal> = chunk
            .iter()
            .map(|input| BulkProposal {
                region_id: import.region_id,
                input,
                status: Status::Draft,
                revision: 0,
                user_id: user.id,
            })
            .collect();
        ids.extend(proposals::insert_many(&mut tx, &bulk).await?);
    }
    for (chunk_ids, chunk) in ids.chunks(500).zip(valid.chunks(500)) {
        let afters: Vec<serde_json::Value> = chunk
            .iter()
            .map(|i| serde_json::to_value(i).unwrap_or(serde_json::Value::Null))
            .collect();
        store::audit_created(&mut tx, user.id, id, chunk_ids, &afters).await?;
    }
    store::mark_confirmed(&mut tx, id, ids.len() as i32).await?;
    audit::record(
        &mut tx,
        audit::Entry {
            actor_id: Some(user.id),
            action: "import.confirmed",
            entity: "import",
            entity_id: Some(id),
            before: None,
            after: Some(json!({"created": ids.len(), "filename": import.filename})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(ids.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::standards::builtin_standard;

    fn csv_of(lines: &[&str]) -> Vec<u8> {
        lines.join("\n").into_bytes()
    }

    fn sample_row() -> Vec<String> {
        let input = crate::domain::proposal::sample_proposal().to_input();
        xlsx::columns()
            .iter()
            .map(|c| {
                let v = input.form_values(c.spec.name);
                match c.year {
                    Some(y) => v.get(y - 1).cloned().unwrap_or_default(),
                    None => v.into_iter().next().unwrap_or_default(),
                }
            })
            .collect()
    }

    fn header() -> String {
        xlsx::columns().iter().map(Column::key).collect::<Vec<_>>().join(",")
    }

    #[test]
    fn a_csv_row_reads_and_evaluates() {
        let mut cells = sample_row();
        cells[0] = "甲小镇".into();
        let bytes = csv_of(&[&header(), &cells.join(",")]);
        let rows = read_file(&bytes).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].row, 2);
        let standard = builtin_standard("ZJ-2015", 1).unwrap();
        let out = check_row(&rows[0], "诸城市", standard);
        assert_eq!(out.errors, vec![]);
        assert_eq!(out.overall.as_deref(), Some("pass"));
    }

    #[test]
    fn the_example_row_is_skipped_and_bad_files_are_named() {
        let example = xlsx::example_cells(Lang::Zh).join(",");
        assert_eq!(read_file(&csv_of(&[&header(), &example])), Err(FileError::NoRows));
        assert_eq!(read_file(b"   "), Err(FileError::Empty));
        assert_eq!(read_file(b"\x00\x01binary"), Err(FileError::NotSpreadsheet));
        assert_eq!(read_file(b"PK\x03\x04broken zip"), Err(FileError::Corrupt));
        assert_eq!(read_file(b"a,b\n1,2"), Err(FileError::NoHeader));
        assert_eq!(
            read_file(b"name,colour\nx,red"),
            Err(FileError::UnknownColumns(vec!["colour".into()]))
        );
    }

    #[test]
    fn errors_name_the_year_column() {
        let mut cells = sample_row();
        let year2 = xlsx::columns()
            .iter()
            .position(|c| c.key() == "investment.by_year_yi[2]")
            .unwrap();
        cells[year2] = "22万".into();
        let standard = builtin_standard("ZJ-2015", 1).unwrap();
        let out = check_row(&SheetRow { row: 3, cells }, "诸城市", standard);
        assert_eq!(out.errors.len(), 1);
        assert_eq!(out.errors[0].column, "investment.by_year_yi[2]");
        assert!(column_header(&out.errors[0], Lang::Zh).contains("第2年"));
    }
}
