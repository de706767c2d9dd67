//! Importing annual reports from the XLSX template (issue 11: "its officials
//! enter (or import from XLSX) the year's actual figures … Same validation,
//! locking and audit as proposals").
//!
//! Every row goes through the form's own checks ([`AnnualFigures::from_form`],
//! [`creation::parse_year`]) and the form's own save
//! ([`creation::save_report_in`]: the town locked and scoped to the
//! official's region, years in order within the period, a graded report
//! frozen, one audit row per report). All rows are saved in one transaction,
//! or none: one wrong row and nothing is imported, and every error is
//! reported with its row and column.

// Field errors are the cold path, as in the proposal module.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::PgPool;

use super::{FileError, Grid, SheetRow, read_xlsx_grid};
use crate::auth::User;
use crate::db::{audit, creation as store};
use crate::domain::creation::{self, AnnualFigures, REPORT_FIELDS, ReportFieldKind};
use crate::domain::proposal::{ErrorCode, FieldError};
use crate::domain::{Lang, Status};
use crate::services::ServiceError;
use crate::services::creation::{self as creation_service, SaveAs};
use crate::xlsx::guard::Limits;
use crate::xlsx::reports::{self as sheet, ID, TOWN, YEAR};

/// Most data rows in one file (a region has a few dozen towns).
pub const MAX_ROWS: usize = 2_000;
/// The audit action of a whole import (each report also has its own row).
pub const ACTION: &str = "creation.reports_imported";

/// The rows of an uploaded template worth importing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadSheet {
    /// Rows with at least one figure, cells in [`sheet::columns`] order.
    pub rows: Vec<SheetRow>,
    /// Rows naming a town but with no figure (left as downloaded).
    pub untouched: usize,
}

/// Reads an uploaded file: XLSX only, laid out as the template (the header
/// in either language, or the hidden row of canonical names; an older
/// template's headers too).
pub fn read_file(bytes: &[u8]) -> Result<ReadSheet, FileError> {
    rows_of(read_xlsx_grid(bytes, &LIMITS)?)
}

/// What an uploaded reports file is held to (`xlsx::guard`; the README's
/// "Limits" lists them).
pub const LIMITS: Limits = Limits::for_rows(MAX_ROWS as u32);

/// Every text a header cell may hold for each column.
fn headings() -> HashMap<String, usize> {
    let mut map = HashMap::new();
    for (i, c) in sheet::columns().iter().enumerate() {
        map.insert(c.key.to_string(), i);
        map.insert(c.bilingual(), i);
        for lang in [Lang::Zh, Lang::En] {
            map.insert(c.header(lang), i);
            map.insert(c.label(lang).to_string(), i);
        }
        // A file from an older template, whose headers were the proposal's.
        for former in c.former_headers() {
            map.entry(former).or_insert(i);
        }
    }
    map
}

/// The header cell as the map holds it (Excel may turn the line break into
/// CR LF).
fn heading_text(cell: &str) -> String {
    cell.trim().replace("\r\n", "\n")
}

fn rows_of(grid: Grid) -> Result<ReadSheet, FileError> {
    let map = headings();
    let columns = sheet::columns();
    let id_col = 0;
    let names_id = |row: &[String]| row.iter().any(|c| map.get(&heading_text(c)) == Some(&id_col));
    let is_header = |row: &[String]| {
        names_id(row)
            && row
                .iter()
                .map(|c| heading_text(c))
                .all(|c| c.is_empty() || map.contains_key(&c))
    };
    // The header is among the first rows; the hidden row of canonical names
    // follows it in the template, and the last header row counts.
    let mut last = grid
        .iter()
        .take(10)
        .position(|(_, r)| names_id(r))
        .ok_or(FileError::NoHeader)?;
    while grid.get(last + 1).is_some_and(|(_, r)| is_header(r)) {
        last += 1;
    }
    let mut targets = Vec::new();
    let mut unknown = Vec::new();
    for cell in &grid[last].1 {
        let text = heading_text(cell);
        targets.push(map.get(&text).copied());
        if !text.is_empty() && !map.contains_key(&text) {
            unknown.push(text.replace('\n', " "));
        }
    }
    if !unknown.is_empty() {
        return Err(FileError::UnknownColumns(unknown));
    }
    let mut rows = Vec::new();
    let mut untouched = 0;
    for (number, raw) in grid.into_iter().skip(last + 1) {
        let mut cells = vec![String::new(); columns.len()];
        for (value, target) in raw.into_iter().zip(&targets) {
            if let Some(t) = target {
                cells[*t] = value.trim().to_string();
            }
        }
        let figures = columns.iter().zip(&cells).any(|(c, v)| c.is_figure() && !v.is_empty());
        if !figures {
            if cells.iter().any(|v| !v.is_empty()) {
                untouched += 1;
            }
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
    Ok(ReadSheet { rows, untouched })
}

/// One problem of one row, in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowError {
    /// The row number as the spreadsheet shows it.
    pub row: u32,
    /// The column's canonical name.
    pub column: String,
    pub zh: String,
    pub en: String,
}

impl RowError {
    fn new(row: u32, column: &str, message: impl Fn(Lang) -> String) -> RowError {
        RowError {
            row,
            column: column.to_string(),
            zh: message(Lang::Zh),
            en: message(Lang::En),
        }
    }

    fn key(row: u32, column: &str, key: &str, fill: &[(&str, String)]) -> RowError {
        RowError::new(row, column, |lang| {
            fill.iter().fold(crate::i18n::t(lang, key), |m, (k, v)| m.replace(k, v))
        })
    }

    pub fn message(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }

    /// The column's header in `lang`.
    pub fn header(&self, lang: Lang) -> String {
        sheet::columns()
            .iter()
            .find(|c| c.key == self.column)
            .map(|c| c.header(lang))
            .unwrap_or_else(|| self.column.clone())
    }
}

/// A row that passed the form's checks.
#[derive(Debug, Clone)]
struct Parsed {
    row: u32,
    proposal_id: i64,
    name: String,
    year: i32,
    figures: AnnualFigures,
}

fn cell<'a>(row: &'a SheetRow, key: &str) -> &'a str {
    sheet::columns()
        .iter()
        .position(|c| c.key == key)
        .and_then(|i| row.cells.get(i))
        .map_or("", |s| s.as_str())
}

/// A row's figures as the form would send them (是/否 as a ticked box).
fn form_pairs(row: &SheetRow) -> Vec<(String, String)> {
    REPORT_FIELDS
        .iter()
        .filter_map(|name| {
            let value = cell(row, name);
            let value = match creation::field_kind(name) {
                ReportFieldKind::Flag if value.is_empty() => return None,
                ReportFieldKind::Flag => match crate::xlsx::parse_yes_no(value) {
                    Some(true) => "true".to_string(),
                    Some(false) => return None,
                    None => value.to_string(),
                },
                _ => value.to_string(),
            };
            Some((name.to_string(), value))
        })
        .collect()
}

fn figure_error(row: u32, e: &FieldError) -> RowError {
    if e.code == ErrorCode::InvalidBoolean {
        return RowError::key(row, &e.field, "reports_import.row.yes_no", &[]);
    }
    RowError::new(row, &e.field, |lang| creation::error_message(e, lang))
}

/// Checks one row with the form's rules, without the database.
fn parse_row(row: &SheetRow) -> Result<Parsed, Vec<RowError>> {
    let n = row.row;
    let mut errors = Vec::new();
    let raw_id = cell(row, ID);
    let proposal_id = match raw_id.parse::<i64>() {
        Ok(id) if id > 0 => Some(id),
        _ if raw_id.is_empty() => {
            errors.push(RowError::key(n, ID, "reports_import.row.id_required", &[]));
            None
        }
        _ => {
            errors.push(RowError::key(n, ID, "reports_import.row.id_invalid", &[]));
            None
        }
    };
    let year = creation_service::parse_year(cell(row, YEAR))
        .map_err(|e| errors.push(RowError::key(n, YEAR, creation_service::year_error_key(&e), &[])))
        .ok();
    let figures = AnnualFigures::from_form(&form_pairs(row))
        .map_err(|es| errors.extend(es.iter().map(|e| figure_error(n, e))))
        .ok();
    match (proposal_id, year, figures) {
        (Some(proposal_id), Some(year), Some(figures)) if errors.is_empty() => Ok(Parsed {
            row: n,
            proposal_id,
            name: cell(row, TOWN).to_string(),
            year,
            figures,
        }),
        _ => Err(errors),
    }
}

/// One saved report of an import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Imported {
    pub row: u32,
    pub proposal_id: i64,
    pub town: String,
    pub year: i32,
    pub created: bool,
}

/// What an import did, as its audit row records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportResult {
    pub filename: String,
    pub reports: Vec<Imported>,
    pub untouched: usize,
}

/// Why an import saved nothing.
#[derive(Debug)]
pub enum Refused {
    /// Every error of every row, by row.
    Rows(Vec<RowError>),
    Service(ServiceError),
}

impl From<ServiceError> for Refused {
    fn from(e: ServiceError) -> Refused {
        Refused::Service(e)
    }
}

impl From<sqlx::Error> for Refused {
    fn from(e: sqlx::Error) -> Refused {
        Refused::Service(e.into())
    }
}

/// Saves every row of `read` as its town's report of its year, in one
/// transaction, or nothing. Answers the id of the import's audit row.
pub async fn import(
    db: &PgPool,
    user: &User,
    region_id: i64,
    filename: &str,
    read: &ReadSheet,
) -> Result<i64, Refused> {
    let mut errors = Vec::new();
    let mut parsed = Vec::new();
    let mut seen: HashMap<(i64, i32), u32> = HashMap::new();
    for row in &read.rows {
        match parse_row(row) {
            Ok(p) => match seen.get(&(p.proposal_id, p.year)) {
                Some(first) => errors.push(RowError::key(
                    p.row,
                    YEAR,
                    "reports_import.row.duplicate",
                    &[("{row}", first.to_string())],
                )),
                None => {
                    seen.insert((p.proposal_id, p.year), p.row);
                    parsed.push(p);
                }
            },
            Err(e) => errors.extend(e),
        }
    }
    // Towns in id order (one lock order for every import), each town's
    // years in order: the file's order does not matter.
    parsed.sort_by_key(|p| (p.proposal_id, p.year, p.row));
    let mut tx = crate::db::begin(db).await?;
    let mut reports = Vec::new();
    for p in &parsed {
        let saved = creation_service::save_report_in(
            &mut tx,
            user,
            region_id,
            p.proposal_id,
            p.year,
            SaveAs::Import,
            &p.figures,
        )
        .await;
        match saved {
            Ok(saved) => {
                if !p.name.is_empty() && p.name != saved.town {
                    errors.push(RowError::key(
                        p.row,
                        TOWN,
                        "reports_import.row.name_mismatch",
                        &[("{id}", p.proposal_id.to_string()), ("{name}", saved.town.clone())],
                    ));
                }
                reports.push(Imported {
                    row: p.row,
                    proposal_id: p.proposal_id,
                    town: saved.town,
                    year: p.year,
                    created: saved.created,
                });
            }
            // Another region's town, or one not in its creation period: the
            // same answer (its existence is not revealed).
            Err(ServiceError::NotFound) => errors.push(RowError::key(
                p.row,
                ID,
                "reports_import.row.not_yours",
                &[("{id}", p.proposal_id.to_string())],
            )),
            Err(ServiceError::WrongState) => errors.push(RowError::key(
                p.row,
                YEAR,
                "reports_import.row.assessed",
                &[("{year}", p.year.to_string())],
            )),
            // A town removed from the list (淘汰 or withdrawn) reports no more.
            Err(ServiceError::Refused(creation_service::REMOVED)) => errors.push(RowError::key(
                p.row,
                ID,
                "reports_import.row.removed",
                &[("{id}", p.proposal_id.to_string())],
            )),
            Err(ServiceError::Refused(key)) => errors.push(RowError::key(p.row, ID, key, &[])),
            Err(ServiceError::Invalid(es)) => errors.extend(
                es.iter()
                    .map(|e| RowError::key(p.row, YEAR, creation_service::year_error_key(e), &[])),
            ),
            Err(other) => return Err(other.into()),
        }
    }
    if !errors.is_empty() {
        // Dropping the transaction rolls back the rows already saved.
        errors.sort_by_key(|e| e.row);
        return Err(Refused::Rows(errors));
    }
    reports.sort_by_key(|r| r.row);
    let result = ImportResult {
        filename: filename.chars().take(300).collect(),
        reports,
        untouched: read.untouched,
    };
    let id = audit::record_id(
        &mut tx,
        audit::Entry {
            actor_id: Some(user.id),
            action: ACTION,
            entity: "annual_report_import",
            entity_id: None,
            before: None,
            after: Some(json!(result)),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// What import `id` of `user` did (`None` for someone else's, or no import).
pub async fn result(db: &PgPool, user: &User, id: i64) -> Result<Option<ImportResult>, ServiceError> {
    let mut conn = crate::db::acquire(db).await?;
    let after = audit::after_of(&mut conn, id, user.id, ACTION).await?;
    Ok(after.and_then(|v| serde_json::from_value(v).ok()))
}

/// The template's rows: the region's towns whose reports its officials may
/// save (the form's own rule), by name.
pub async fn template_towns(db: &PgPool, region_id: i64) -> Result<Vec<(i64, String)>, ServiceError> {
    let statuses: Vec<&str> = Status::ALL
        .iter()
        .filter(|s| creation_service::accepts_reports(**s))
        .map(|s| s.code())
        .collect();
    let mut conn = crate::db::acquire(db).await?;
    Ok(store::towns_of_region(&mut conn, region_id, &statuses).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(n: u32, values: &[(&str, &str)]) -> SheetRow {
        let cells = sheet::columns()
            .iter()
            .map(|c| {
                values
                    .iter()
                    .find(|(k, _)| *k == c.key)
                    .map_or(String::new(), |(_, v)| v.to_string())
            })
            .collect();
        SheetRow { row: n, cells }
    }

    fn good() -> Vec<(&'static str, &'static str)> {
        vec![
            (ID, "7"),
            (TOWN, "茶叶小镇"),
            (YEAR, "2025"),
            (creation::TOTAL, "14"),
            (creation::RESIDENTIAL, "0"),
            (creation::COMPLEX, "0"),
            (creation::CHARACTERISTIC, "10"),
            (creation::LAND, "100"),
            (creation::TAX, "1000"),
            (creation::PROVINCE_TAX, "400"),
            (creation::JOBS, "500"),
            (creation::VISITORS, "200000"),
            (creation::ENTERPRISES, "20"),
            (creation::APP, "是"),
            (creation::LIVING_ROOM, "否"),
            (creation::SCENIC, "3"),
            (creation::WIFI, "90"),
            (creation::DIGITAL, "80"),
        ]
    }

    #[test]
    fn a_row_is_read_with_the_forms_rules() {
        let p = parse_row(&row(3, &good())).unwrap();
        assert_eq!((p.proposal_id, p.year, p.name.as_str()), (7, 2025, "茶叶小镇"));
        assert!(p.figures.public_service_app && !p.figures.town_living_room);
        assert_eq!(p.figures.province_tax_wan, rust_decimal_macros::dec!(400));
    }

    #[test]
    fn every_error_of_a_row_names_its_column() {
        let mut v = good();
        v.retain(|(k, _)| *k != ID);
        for (k, val) in v.iter_mut() {
            match *k {
                YEAR => *val = "二〇二五",
                creation::TOTAL => *val = "-3",
                creation::JOBS => *val = "很多",
                creation::PROVINCE_TAX => *val = "1200",
                creation::APP => *val = "也许",
                _ => {}
            }
        }
        let errors = parse_row(&row(5, &v)).unwrap_err();
        let columns: Vec<&str> = errors.iter().map(|e| e.column.as_str()).collect();
        assert_eq!(
            columns,
            vec![
                ID,
                YEAR,
                creation::TOTAL,
                creation::JOBS,
                creation::APP,
                creation::PROVINCE_TAX
            ]
        );
        assert!(errors.iter().all(|e| e.row == 5));
        let province = errors.iter().find(|e| e.column == creation::PROVINCE_TAX).unwrap();
        assert_eq!(
            province.zh,
            "上交省财政部分（1200 万元）不能大于本年新增税收（1000 万元）"
        );
        assert_eq!(
            province.header(Lang::En),
            "Of which paid to the province (ten-thousand yuan)"
        );
        let app = errors.iter().find(|e| e.column == creation::APP).unwrap();
        assert!(app.header(Lang::Zh).ends_with("（是/否）"));
        assert_eq!(app.zh, "请填写“是”或“否”");
    }

    fn grid(rows: &[Vec<&str>]) -> Grid {
        rows.iter()
            .enumerate()
            .map(|(i, r)| (i as u32 + 1, r.iter().map(|c| c.to_string()).collect()))
            .collect()
    }

    #[test]
    fn an_older_templates_headers_still_read_into_the_same_columns() {
        let cols = sheet::columns();
        // The template before the report had labels of its own: the
        // proposal's ("计划固定资产投资总额（亿元）\nPlanned …").
        let former: Vec<String> = cols
            .iter()
            .map(|c| c.former_headers().get(2).cloned().unwrap_or_else(|| c.bilingual()))
            .collect();
        assert!(former.iter().any(|h| h.starts_with("计划固定资产投资总额（亿元）")));
        let filled: Vec<String> = good().iter().map(|(_, v)| v.to_string()).collect();
        let read = rows_of(grid(&[
            former.iter().map(String::as_str).collect(),
            filled.iter().map(String::as_str).collect(),
        ]))
        .unwrap();
        assert_eq!(read.rows[0].cells, filled);
        let p = parse_row(&read.rows[0]).unwrap();
        assert_eq!(p.figures.total_yi, rust_decimal_macros::dec!(14));
        // No header text names two columns.
        let map = headings();
        for (i, c) in cols.iter().enumerate() {
            for h in c
                .former_headers()
                .into_iter()
                .chain([c.bilingual(), c.header(Lang::En)])
            {
                assert_eq!(map.get(&h), Some(&i), "{h}");
            }
        }
    }

    #[test]
    fn headers_in_either_language_or_by_key_and_untouched_rows_left_out() {
        let cols = sheet::columns();
        let bilingual: Vec<String> = cols.iter().map(|c| c.bilingual()).collect();
        let keys: Vec<&str> = cols.iter().map(|c| c.key).collect();
        let mut filled: Vec<String> = good().iter().map(|(_, v)| v.to_string()).collect();
        filled[0] = "8".into();
        let filled: Vec<&str> = filled.iter().map(String::as_str).collect();
        let read = rows_of(grid(&[
            bilingual.iter().map(String::as_str).collect(),
            keys.clone(),
            vec!["7", "茶叶小镇"],
            filled.clone(),
            vec![],
        ]))
        .unwrap();
        assert_eq!(read.untouched, 1);
        assert_eq!(read.rows.len(), 1);
        assert_eq!(read.rows[0].row, 4);
        let english: Vec<String> = cols.iter().map(|c| c.header(Lang::En)).collect();
        let read = rows_of(grid(&[english.iter().map(String::as_str).collect(), filled])).unwrap();
        assert_eq!(read.rows[0].cells[0], "8");
        assert_eq!(
            rows_of(grid(&[keys.clone(), vec!["7", "茶叶小镇"]])),
            Err(FileError::NoRows)
        );
        assert_eq!(rows_of(grid(&[vec!["a", "b"]])), Err(FileError::NoHeader));
        let mut odd = keys.clone();
        odd.push("colour");
        assert_eq!(
            rows_of(grid(&[odd])),
            Err(FileError::UnknownColumns(vec!["colour".into()]))
        );
    }
}
