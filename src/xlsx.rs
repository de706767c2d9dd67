//! Spreadsheet files out: plain tables as XLSX (CSV: `crate::csv_out`), and
//! the proposal import template; and in, the limits an uploaded XLSX is
//! checked against (`guard`). No I/O but the temporary files of
//! [`TableWriter`]'s constant-memory sheets.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{
    DataValidation, DataValidationErrorStyle, DataValidationRule, Format, Workbook, Worksheet, XlsxError,
};

use crate::domain::Lang;
use crate::domain::proposal::{Choice, FieldKind, FieldSpec, sample_proposal};

pub mod guard;
pub mod reports;

/// The byte-order mark of CSV files, which the imports strip.
pub use crate::csv_out::BOM;

/// One cell of an exported table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    /// Written as a number in XLSX (Excel holds numbers as doubles; the
    /// decimal is converted only for display), as its exact text in CSV.
    Number(Decimal),
    Empty,
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }
}

fn write_cell(ws: &mut Worksheet, row: u32, col: u16, cell: &Cell) -> Result<(), XlsxError> {
    match cell {
        Cell::Text(s) if !s.is_empty() => {
            ws.write_string(row, col, s)?;
        }
        Cell::Number(d) => {
            ws.write_number(row, col, d.to_f64().unwrap_or(0.0))?;
        }
        _ => {}
    }
    Ok(())
}

/// A table written row by row into an XLSX workbook of one sheet (bold
/// frozen header row), in rust_xlsxwriter's constant-memory mode: each row
/// goes to a temporary file once the next one starts, and strings are written
/// inline, so that 100,000 rows take no more memory than ten.
pub struct TableWriter {
    book: Workbook,
    next_row: u32,
}

impl TableWriter {
    pub fn new(sheet: &str, headers: &[String]) -> Result<TableWriter, XlsxError> {
        let mut book = Workbook::new();
        let bold = Format::new().set_bold().set_background_color("#E8EDF3");
        let ws = book.add_worksheet_with_constant_memory()?;
        ws.set_name(sheet)?;
        for (c, h) in headers.iter().enumerate() {
            ws.set_column_width(col(c), (h.chars().count() as f64 * 2.2).clamp(10.0, 40.0))?;
            ws.write_string_with_format(0, col(c), h, &bold)?;
        }
        ws.set_freeze_panes(1, 0)?;
        Ok(TableWriter { book, next_row: 1 })
    }

    pub fn row(&mut self, cells: &[Cell]) -> Result<(), XlsxError> {
        let ws = self.book.worksheet_from_index(0)?;
        for (c, cell) in cells.iter().enumerate() {
            write_cell(ws, self.next_row, col(c), cell)?;
        }
        self.next_row += 1;
        Ok(())
    }

    /// The finished file, written to `out` as it is compressed (no seeking).
    pub fn finish<W: std::io::Write + Send>(mut self, out: W) -> Result<(), XlsxError> {
        self.book.save_to_writer(out)
    }
}

/// A whole table as XLSX bytes.
pub fn table(sheet: &str, headers: &[String], rows: &[Vec<Cell>]) -> Result<Vec<u8>, XlsxError> {
    let mut t = TableWriter::new(sheet, headers)?;
    for row in rows {
        t.row(row)?;
    }
    let mut out = Vec::new();
    t.finish(&mut out)?;
    Ok(out)
}

fn col(c: usize) -> u16 {
    u16::try_from(c).unwrap_or(u16::MAX)
}

/// A column of the import template: one field, or one year of the by-year list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub spec: &'static FieldSpec,
    /// 1-based year for `investment.by_year_yi`.
    pub year: Option<usize>,
}

/// Years offered for the by-year investment (five for an accelerated county).
pub const YEARS: usize = 5;

impl Column {
    /// The canonical name in the hidden row: the field name, or
    /// `investment.by_year_yi[2]` for a year.
    pub fn key(&self) -> String {
        match self.year {
            Some(y) => format!("{}[{y}]", self.spec.name),
            None => self.spec.name.to_string(),
        }
    }

    /// The visible header: label, year and unit ("第1年投资（亿元）").
    pub fn header(&self, lang: Lang) -> String {
        let label = self.spec.label(lang);
        let base = match (self.year, lang) {
            (Some(y), Lang::Zh) => format!("{label}·第{y}年"),
            (Some(y), Lang::En) => format!("{label}, year {y}"),
            (None, _) => label.to_string(),
        };
        let unit = match self.spec.kind {
            FieldKind::Bool => Some(if lang == Lang::Zh { "是/否" } else { "yes/no" }),
            FieldKind::Count { unit: None, .. } => None,
            _ => self.spec.unit().map(|u| u.label(lang)),
        };
        match (unit, lang) {
            (Some(u), Lang::Zh) => format!("{base}（{u}）"),
            (Some(u), Lang::En) => format!("{base} ({u})"),
            (None, _) => base,
        }
    }
}

/// Every template column, in form order.
pub fn columns() -> Vec<Column> {
    crate::domain::proposal::FIELDS
        .iter()
        .flat_map(|spec| {
            let years: Vec<Option<usize>> = if spec.is_list() {
                (1..=YEARS).map(Some).collect()
            } else {
                vec![None]
            };
            years.into_iter().map(move |year| Column { spec, year })
        })
        .collect()
}

/// The example row's values as typed in the template (labels for choices, 是/否).
pub fn example_cells(lang: Lang) -> Vec<String> {
    let input = sample_proposal().to_input();
    columns()
        .iter()
        .map(|c| {
            let values = input.form_values(c.spec.name);
            let v = match c.year {
                Some(y) => values.get(y - 1).cloned().unwrap_or_default(),
                None => values.into_iter().next().unwrap_or_default(),
            };
            display_cell(c.spec, &v, lang)
        })
        .collect()
}

/// A form value as a person types it into the template.
pub fn display_cell(spec: &FieldSpec, form_value: &str, lang: Lang) -> String {
    match spec.kind {
        FieldKind::Bool => yes_no(form_value == "true", lang).to_string(),
        FieldKind::Choice(choice) => choice
            .options(lang)
            .into_iter()
            .find(|(code, _)| *code == form_value)
            .map(|(_, label)| label.to_string())
            .unwrap_or_default(),
        _ => form_value.to_string(),
    }
}

/// A yes/no cell as typed (是/否, yes/no, 1/0, √/×, …); `None` when it is
/// neither.
pub fn parse_yes_no(value: &str) -> Option<bool> {
    match value.trim().to_lowercase().as_str() {
        "是" | "yes" | "y" | "true" | "1" | "√" | "✓" => Some(true),
        "否" | "no" | "n" | "false" | "0" | "×" => Some(false),
        _ => None,
    }
}

pub fn yes_no(b: bool, lang: Lang) -> &'static str {
    match (b, lang) {
        (true, Lang::Zh) => "是",
        (false, Lang::Zh) => "否",
        (true, Lang::En) => "yes",
        (false, Lang::En) => "no",
    }
}

/// Rows 1–2 are the visible header and the hidden canonical names; data
/// (and the example) start on row 3.
pub const FIRST_DATA_ROW: u32 = 2;
/// Rows covered by the drop-down lists and number checks.
const VALIDATED_ROWS: u32 = 5_000;

/// The strings of the template and error files, from the catalogue.
pub struct TemplateText {
    pub sheet: String,
    pub instructions_sheet: String,
    pub instructions: Vec<String>,
    pub error_title: String,
    pub error_column: String,
}

/// The import template: headers with units, the canonical names in a hidden
/// row, drop-down lists and number ranges, a frozen header, the example row
/// and an instructions sheet.
pub fn template(lang: Lang, text: &TemplateText) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(&text.sheet)?;
    write_header(ws, lang, 0)?;
    let example = Format::new().set_italic().set_font_color("#666666");
    for (c, value) in example_cells(lang).iter().enumerate() {
        if !value.is_empty() {
            ws.write_string_with_format(FIRST_DATA_ROW, col(c), value, &example)?;
        }
    }
    for (c, column) in columns().iter().enumerate() {
        if let Some(dv) = validation(column.spec, lang, text)? {
            ws.add_data_validation(FIRST_DATA_ROW, col(c), FIRST_DATA_ROW + VALIDATED_ROWS, col(c), &dv)?;
        }
    }
    let help = wb.add_worksheet();
    help.set_name(&text.instructions_sheet)?;
    help.set_column_width(0, 110)?;
    let title = Format::new().set_bold().set_font_size(14);
    for (r, line) in text.instructions.iter().enumerate() {
        if r == 0 {
            help.write_string_with_format(0, 0, line, &title)?;
        } else {
            help.write_string(r as u32, 0, line)?;
        }
    }
    let first = text.instructions.len() as u32 + 1;
    for (r, column) in (first..).zip(columns()) {
        help.write_string(
            r,
            0,
            format!("{} — {}：{}", column.header(lang), column.key(), column.spec.help(lang)),
        )?;
    }
    wb.save_to_buffer()
}

/// Writes the visible header (row 1) and the hidden canonical row (row 2),
/// starting at column `offset`; freezes both.
fn write_header(ws: &mut Worksheet, lang: Lang, offset: u16) -> Result<(), XlsxError> {
    let bold = Format::new().set_bold().set_text_wrap().set_background_color("#E8EDF3");
    let required = Format::new().set_bold().set_text_wrap().set_background_color("#FCE8C8");
    for (c, column) in columns().iter().enumerate() {
        let c = col(c) + offset;
        let fmt = if column.spec.required { &required } else { &bold };
        ws.write_string_with_format(0, c, column.header(lang), fmt)?;
        ws.write_string(1, c, column.key())?;
        ws.set_column_width(
            c,
            if column.spec.name == "name" || column.spec.name == "developer" {
                24
            } else {
                14
            },
        )?;
    }
    ws.set_row_height(0, 45)?;
    ws.set_row_hidden(1)?;
    ws.set_freeze_panes(FIRST_DATA_ROW, offset + 1)?;
    Ok(())
}

fn validation(spec: &FieldSpec, lang: Lang, text: &TemplateText) -> Result<Option<DataValidation>, XlsxError> {
    let dv = DataValidation::new().set_error_title(&text.error_title)?;
    let message = |m: String| -> Result<DataValidation, XlsxError> { dv.clone().set_error_message(m) };
    let zh = lang == Lang::Zh;
    let dv = match spec.kind {
        FieldKind::Choice(choice) => {
            let labels: Vec<&str> = choice.options(lang).into_iter().map(|(_, l)| l).collect();
            let m = if zh {
                "请从下拉列表中选择".to_string()
            } else {
                "Choose from the list".to_string()
            };
            message(m)?.allow_list_strings(&labels)?
        }
        FieldKind::Bool => {
            let m = if zh {
                "请选择“是”或“否”"
            } else {
                "Choose yes or no"
            };
            message(m.to_string())?.allow_list_strings(&[yes_no(true, lang), yes_no(false, lang)])?
        }
        FieldKind::Count { max, .. } => {
            let max = if spec.name == "functions.scenic_level" { 5 } else { max };
            let m = if zh {
                format!("请填写 0 至 {max} 的整数")
            } else {
                format!("Enter a whole number from 0 to {max}")
            };
            if spec.name == "functions.scenic_level" {
                let levels = ["0", "1", "2", "3", "4", "5"];
                message(m)?.allow_list_strings(&levels)?
            } else {
                message(m)?.allow_whole_number(DataValidationRule::Between(0, max))
            }
        }
        FieldKind::Decimal(limit) | FieldKind::DecimalList(limit) => {
            let max = limit.max.to_f64().unwrap_or(f64::MAX);
            let unit = limit.unit.label(lang);
            let m = match (zh, limit.positive) {
                (true, true) => format!(
                    "请填写大于 0、不超过 {} 的数（{unit}），最多 {} 位小数",
                    limit.max, limit.max_scale
                ),
                (true, false) => format!(
                    "请填写 0 至 {} 的数（{unit}），最多 {} 位小数",
                    limit.max, limit.max_scale
                ),
                (false, true) => {
                    format!(
                        "Enter a number above 0 and at most {} ({unit}), up to {} decimals",
                        limit.max, limit.max_scale
                    )
                }
                (false, false) => {
                    format!(
                        "Enter a number from 0 to {} ({unit}), up to {} decimals",
                        limit.max, limit.max_scale
                    )
                }
            };
            let rule = if limit.positive {
                DataValidationRule::Between(0.000_1, max)
            } else {
                DataValidationRule::Between(0.0, max)
            };
            message(m)?.allow_decimal_number(rule)
        }
        FieldKind::Text { max_chars, .. } => {
            let m = if zh {
                format!("不超过 {max_chars} 个字")
            } else {
                format!("At most {max_chars} characters")
            };
            message(m)?.allow_text_length(DataValidationRule::LessThanOrEqualTo(max_chars as u32))
        }
    };
    Ok(Some(dv.set_error_style(DataValidationErrorStyle::Stop)))
}

/// The rows an import refused, as a workbook laid out like the template
/// with the reasons in a first column, so that the official can fix them and
/// upload the file again (the reason column is ignored on upload).
pub fn error_rows(lang: Lang, text: &TemplateText, rows: &[(String, Vec<String>)]) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(&text.sheet)?;
    let red = Format::new()
        .set_bold()
        .set_font_color("#B3261E")
        .set_background_color("#FDECEA");
    ws.write_string_with_format(0, 0, &text.error_column, &red)?;
    ws.write_string(1, 0, ERROR_COLUMN_KEY)?;
    ws.set_column_width(0, 50)?;
    write_header(ws, lang, 1)?;
    let wrap = Format::new().set_text_wrap().set_font_color("#B3261E");
    for (r, (errors, cells)) in rows.iter().enumerate() {
        let r = FIRST_DATA_ROW + r as u32;
        ws.write_string_with_format(r, 0, errors, &wrap)?;
        for (c, value) in cells.iter().enumerate() {
            if !value.is_empty() {
                ws.write_string(r, col(c) + 1, value)?;
            }
        }
    }
    for (c, column) in columns().iter().enumerate() {
        if let Some(dv) = validation(column.spec, lang, text)? {
            ws.add_data_validation(
                FIRST_DATA_ROW,
                col(c) + 1,
                FIRST_DATA_ROW + VALIDATED_ROWS,
                col(c) + 1,
                &dv,
            )?;
        }
    }
    wb.save_to_buffer()
}

/// The canonical name of the reason column of an error file.
pub const ERROR_COLUMN_KEY: &str = "_errors";

/// Whether a choice label or code belongs to `choice`; returns the code.
pub fn choice_code(choice: Choice, value: &str) -> Option<&'static str> {
    let v = value.trim();
    [Lang::Zh, Lang::En].into_iter().find_map(|lang| {
        choice
            .options(lang)
            .into_iter()
            .find(|(code, label)| *code == v || label.eq_ignore_ascii_case(v))
            .map(|(code, _)| code)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_cover_every_field_with_five_years() {
        let cols = columns();
        assert_eq!(cols.len(), crate::domain::proposal::FIELDS.len() - 1 + YEARS);
        assert!(cols.iter().any(|c| c.key() == "investment.by_year_yi[5]"));
        assert_eq!(cols[0].header(Lang::Zh), "小镇名称");
    }

    #[test]
    fn yes_and_no_in_both_languages() {
        assert_eq!(parse_yes_no("是"), Some(true));
        assert_eq!(parse_yes_no(" Yes "), Some(true));
        assert_eq!(parse_yes_no("否"), Some(false));
        assert_eq!(parse_yes_no("N"), Some(false));
        assert_eq!(parse_yes_no("也许"), None);
        assert_eq!(parse_yes_no(""), None);
    }

    #[test]
    fn choices_accept_labels_and_codes() {
        assert_eq!(choice_code(Choice::Industry, "健康"), Some("health"));
        assert_eq!(choice_code(Choice::Industry, "health"), Some("health"));
        assert_eq!(choice_code(Choice::Industry, "Health"), Some("health"));
        assert_eq!(choice_code(Choice::Industry, "医疗"), None);
    }
}
