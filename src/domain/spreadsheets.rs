//! The rows of a spreadsheet import, as read and as judged: what the store
//! keeps of an import between requests.

use serde::{Deserialize, Serialize};

use super::Lang;
use super::proposal::ProposalInput;

/// One data row of the file, its cells in template column order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SheetRow {
    /// The row number as the spreadsheet shows it (1-based).
    pub row: u32,
    pub cells: Vec<String>,
}

/// One problem of one row, in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowError {
    /// The template column key (`investment.by_year_yi[2]`), or the field name.
    pub column: String,
    pub zh: String,
    pub en: String,
}

impl RowError {
    pub fn message(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

/// What became of one row: a valid draft with its verdict, or its errors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowOutcome {
    pub row: u32,
    pub name: String,
    pub errors: Vec<RowError>,
    /// `pass`, `pass_with_warnings` or `fail` when the row is valid.
    pub overall: Option<String>,
    pub input: Option<ProposalInput>,
}

impl RowOutcome {
    pub fn is_valid(&self) -> bool {
        self.errors.is_empty() && self.input.is_some()
    }
}
