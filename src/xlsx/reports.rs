//! The annual reports' import template (issue 11): one sheet with a
//! bilingual header row, the canonical column names in a hidden second row
//! and one pre-filled row per town of the official's region in its creation
//! period (its number and name; the year and the figures left empty), and a
//! notes sheet with the units and the rules. Pure: bytes in memory.

use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{DataValidation, DataValidationErrorStyle, DataValidationRule, Format, Workbook, XlsxError};

use super::col;
use crate::domain::Lang;
use crate::domain::creation::{self, REPORT_FIELDS, ReportFieldKind};

/// The town's number (the proposal's id): how a row names its town.
pub const ID: &str = "proposal_id";
/// The town's name: a check that the row is the one meant.
pub const TOWN: &str = "town";
pub const YEAR: &str = "year";

/// Rows 1–2 are the visible header and the hidden canonical names.
pub const FIRST_DATA_ROW: u32 = 2;
/// Rows covered by the number checks and drop-down lists.
const VALIDATED_ROWS: u32 = 2_000;

/// One column of the template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// The canonical name: `proposal_id`, `town`, `year` or a report field.
    pub key: &'static str,
}

impl Column {
    /// Whether the column holds one of the year's figures.
    pub fn is_figure(&self) -> bool {
        REPORT_FIELDS.contains(&self.key)
    }

    /// The label without unit ("本年完成固定资产投资").
    pub fn label(&self, lang: Lang) -> &'static str {
        match (self.key, lang) {
            (ID, Lang::Zh) => "编号",
            (ID, Lang::En) => "No.",
            (TOWN, Lang::Zh) => "小镇名称",
            (TOWN, Lang::En) => "Town",
            (YEAR, Lang::Zh) => "年度",
            (YEAR, Lang::En) => "Year",
            (key, lang) => creation::field_label(key, lang),
        }
    }

    /// The header in one language, with the unit
    /// ("本年完成固定资产投资（亿元）", "公共服务APP已建成（是/否）").
    pub fn header(&self, lang: Lang) -> String {
        self.header_of(self.label(lang), lang)
    }

    fn header_of(&self, label: &str, lang: Lang) -> String {
        let unit = match creation::field_kind(self.key) {
            _ if !self.is_figure() => None,
            ReportFieldKind::Flag => Some(if lang == Lang::Zh { "是/否" } else { "yes/no" }),
            _ => creation::field_unit(self.key).map(|u| u.label(lang)),
        };
        match (unit, lang) {
            (Some(u), Lang::Zh) => format!("{label}（{u}）"),
            (Some(u), Lang::En) => format!("{label} ({u})"),
            (None, _) => label.to_string(),
        }
    }

    /// The visible header: Chinese above English.
    pub fn bilingual(&self) -> String {
        format!("{}\n{}", self.header(Lang::Zh), self.header(Lang::En))
    }

    /// The headers of templates made before the report had labels of its
    /// own (the proposal's, "计划固定资产投资总额（亿元）"): the import still
    /// reads such a file. Empty for the columns whose header is unchanged.
    pub fn former_headers(&self) -> Vec<String> {
        if !self.is_figure() {
            return Vec::new();
        }
        let [zh, en] = [Lang::Zh, Lang::En].map(|lang| creation::former_label(self.key, lang));
        let (header_zh, header_en) = (self.header_of(zh, Lang::Zh), self.header_of(en, Lang::En));
        vec![
            zh.to_string(),
            en.to_string(),
            format!("{header_zh}\n{header_en}"),
            header_zh,
            header_en,
        ]
    }

    /// What to enter, in one language, for the notes sheet.
    pub fn help(&self, lang: Lang) -> String {
        let zh = lang == Lang::Zh;
        let text = match (self.key, creation::field_kind(self.key)) {
            (ID, _) if zh => "预填，请勿修改".to_string(),
            (ID, _) => "pre-filled; do not change it".to_string(),
            (TOWN, _) if zh => "预填，请勿修改（导入时核对）".to_string(),
            (TOWN, _) => "pre-filled; do not change it (checked on import)".to_string(),
            (YEAR, _) if zh => "填报的年度，例如 2025".to_string(),
            (YEAR, _) => "the year reported, e.g. 2025".to_string(),
            (_, ReportFieldKind::Decimal(limit)) if zh => {
                format!("0 至 {} 的数，最多 {} 位小数", limit.max, limit.max_scale)
            }
            (_, ReportFieldKind::Decimal(limit)) => {
                format!("a number from 0 to {}, up to {} decimals", limit.max, limit.max_scale)
            }
            (_, ReportFieldKind::Count { max }) if zh => format!("0 至 {max} 的整数"),
            (_, ReportFieldKind::Count { max }) => format!("a whole number from 0 to {max}"),
            (_, ReportFieldKind::Flag) if zh => "是 或 否（留空为否）".to_string(),
            (_, ReportFieldKind::Flag) => "yes or no (blank means no)".to_string(),
        };
        if self.key == creation::PROVINCE_TAX {
            let more = if zh {
                "；本年新增税收中上交省财政的部分，不能大于新增税收"
            } else {
                "; the part of the year's new tax paid to the province, at most the new tax"
            };
            return format!("{text}{more}");
        }
        text
    }
}

/// Every column, in order: number, name, year, then the form's fields.
pub fn columns() -> Vec<Column> {
    [ID, TOWN, YEAR]
        .into_iter()
        .chain(REPORT_FIELDS.iter().copied())
        .map(|key| Column { key })
        .collect()
}

/// The strings of the template, from the catalogues (both languages: the
/// file is the same whoever downloads it).
pub struct TemplateText {
    pub sheet: String,
    pub notes_sheet: String,
    /// Each note line, Chinese then English.
    pub notes: Vec<(String, String)>,
    pub error_title: String,
}

/// The template, pre-filled with `towns` (number, name).
pub fn template(towns: &[(i64, String)], text: &TemplateText) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(&text.sheet)?;
    let header = Format::new().set_bold().set_text_wrap().set_background_color("#E8EDF3");
    let prefilled = Format::new().set_font_color("#444444").set_background_color("#F3F4F6");
    let columns = columns();
    for (c, column) in columns.iter().enumerate() {
        ws.write_string_with_format(0, col(c), column.bilingual(), &header)?;
        ws.write_string(1, col(c), column.key)?;
        ws.set_column_width(col(c), if column.key == TOWN { 24 } else { 16 })?;
    }
    ws.set_row_height(0, 60)?;
    ws.set_row_hidden(1)?;
    ws.set_freeze_panes(FIRST_DATA_ROW, 3)?;
    for (r, (id, name)) in (FIRST_DATA_ROW..).zip(towns) {
        ws.write_number_with_format(r, 0, *id as f64, &prefilled)?;
        ws.write_string_with_format(r, 1, name, &prefilled)?;
    }
    for (c, column) in columns.iter().enumerate() {
        if let Some(dv) = validation(column, text)? {
            ws.add_data_validation(FIRST_DATA_ROW, col(c), FIRST_DATA_ROW + VALIDATED_ROWS, col(c), &dv)?;
        }
    }
    let notes = wb.add_worksheet();
    notes.set_name(&text.notes_sheet)?;
    notes.set_column_width(0, 120)?;
    let title = Format::new().set_bold().set_font_size(14);
    let mut r = 0;
    for (i, (zh, en)) in text.notes.iter().enumerate() {
        for line in [zh, en] {
            if i == 0 {
                notes.write_string_with_format(r, 0, line, &title)?;
            } else {
                notes.write_string(r, 0, line)?;
            }
            r += 1;
        }
    }
    r += 1;
    for column in &columns {
        for lang in [Lang::Zh, Lang::En] {
            let sep = if lang == Lang::Zh { "：" } else { ": " };
            notes.write_string(r, 0, format!("{}{sep}{}", column.header(lang), column.help(lang)))?;
            r += 1;
        }
    }
    wb.save_to_buffer()
}

/// The spreadsheet's own check of a column (the import checks again).
fn validation(column: &Column, text: &TemplateText) -> Result<Option<DataValidation>, XlsxError> {
    let dv = DataValidation::new()
        .set_error_title(&text.error_title)?
        .set_error_message(format!("{}\n{}", column.help(Lang::Zh), column.help(Lang::En)))?
        .set_error_style(DataValidationErrorStyle::Stop);
    let dv = match column.key {
        ID | TOWN => return Ok(None),
        YEAR => dv.allow_whole_number(DataValidationRule::Between(2000, 2100)),
        key => match creation::field_kind(key) {
            ReportFieldKind::Decimal(limit) => {
                let max = limit.max.to_f64().unwrap_or(f64::MAX);
                dv.allow_decimal_number(DataValidationRule::Between(0.0, max))
            }
            ReportFieldKind::Count { max } => dv.allow_whole_number(DataValidationRule::Between(0, max)),
            ReportFieldKind::Flag => dv.allow_list_strings(&["是", "否", "yes", "no"])?,
        },
    };
    Ok(Some(dv))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_bilingual_with_units() {
        let cols = columns();
        assert_eq!(cols.len(), 3 + REPORT_FIELDS.len());
        assert_eq!(cols[0].bilingual(), "编号\nNo.");
        let total = cols.iter().find(|c| c.key == creation::TOTAL).unwrap();
        assert_eq!(total.header(Lang::Zh), "本年完成固定资产投资（亿元）");
        assert_eq!(
            total.header(Lang::En),
            "Fixed-asset investment completed this year (hundred-million yuan)"
        );
        assert_eq!(
            total.former_headers()[2],
            "计划固定资产投资总额（亿元）\nPlanned fixed-asset investment, total (hundred-million yuan)"
        );
        let province = cols.iter().find(|c| c.key == creation::PROVINCE_TAX).unwrap();
        assert_eq!(province.header(Lang::Zh), "其中：上交省财政部分（万元）");
        assert_eq!(
            province.header(Lang::En),
            "Of which paid to the province (ten-thousand yuan)"
        );
        assert!(
            province
                .former_headers()
                .contains(&"上交省财政部分（万元）".to_string())
        );
        let jobs = cols.iter().find(|c| c.key == creation::JOBS).unwrap();
        assert_eq!(jobs.bilingual(), "年末就业人数（人）\nJobs at the year's end (people)");
        assert!(cols[0].former_headers().is_empty());
        let app = cols.iter().find(|c| c.key == creation::APP).unwrap();
        assert!(app.header(Lang::Zh).ends_with("（是/否）"));
    }
}
