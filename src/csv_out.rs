//! The one CSV writer of every export: UTF-8 with a byte-order mark (Excel
//! needs it to read Chinese), RFC 4180 quoting, and every text cell defused
//! ([`defuse`]) so that no cell a user typed runs as a formula when the file
//! is opened. Bytes accumulate in memory until taken ([`CsvWriter::take`]),
//! so that a streamed export sends them as they are written. Pure: no I/O.

use std::borrow::Cow;

use crate::xlsx::Cell;

/// The UTF-8 byte order mark Excel needs to read a CSV file as UTF-8.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Text a spreadsheet will not run as a formula: text starting with `=`, `+`,
/// `-`, `@`, a tab or a carriage return gets a leading apostrophe; numbers
/// such as `-1.5` stay numbers.
pub fn defuse(text: &str) -> Cow<'_, str> {
    let risky = text.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && text.parse::<rust_decimal::Decimal>().is_err() {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

fn cell_text(cell: &Cell) -> Cow<'_, str> {
    match cell {
        Cell::Text(s) => defuse(s),
        Cell::Number(d) => Cow::Owned(d.normalize().to_string()),
        Cell::Empty => Cow::Borrowed(""),
    }
}

pub struct CsvWriter {
    inner: csv::Writer<Vec<u8>>,
}

impl Default for CsvWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl CsvWriter {
    /// A file that starts with the byte-order mark.
    pub fn new() -> CsvWriter {
        CsvWriter {
            inner: Self::writer(BOM.to_vec()),
        }
    }

    /// Lines of any length: a row is never dropped for its number of cells.
    fn writer(start: Vec<u8>) -> csv::Writer<Vec<u8>> {
        csv::WriterBuilder::new().flexible(true).from_writer(start)
    }

    /// One line of text cells, each defused.
    pub fn record<S: AsRef<str>>(&mut self, cells: impl IntoIterator<Item = S>) {
        let cells = cells.into_iter().map(|c| defuse(c.as_ref()).into_owned());
        // Writing into a Vec cannot fail.
        let _ = self.inner.write_record(cells);
    }

    /// One line of cells: text defused, numbers as their exact text.
    pub fn row(&mut self, cells: &[Cell]) {
        let _ = self.inner.write_record(cells.iter().map(|c| cell_text(c).into_owned()));
    }

    /// The bytes written since the last call.
    pub fn take(&mut self) -> Vec<u8> {
        let full = std::mem::replace(&mut self.inner, Self::writer(Vec::new()));
        // Into a Vec: flushing cannot fail.
        full.into_inner().unwrap_or_default()
    }

    /// Bytes waiting to be taken, but for the writer's own small buffer.
    pub fn pending(&self) -> usize {
        self.inner.get_ref().len()
    }

    /// A whole table as one file.
    pub fn table(headers: &[String], rows: &[Vec<Cell>]) -> Vec<u8> {
        let mut w = CsvWriter::new();
        w.record(headers);
        for row in rows {
            w.row(row);
        }
        w.take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_never_start_a_formula() {
        assert_eq!(defuse("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(defuse("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(defuse("+1+1"), "'+1+1");
        assert_eq!(defuse("-2+3"), "'-2+3");
        assert_eq!(defuse("\tx"), "'\tx");
        assert_eq!(defuse("\rx"), "'\rx");
        assert_eq!(defuse("-1.5"), "-1.5");
        assert_eq!(defuse("健康美食小镇"), "健康美食小镇");
    }

    #[test]
    fn a_file_starts_with_a_bom_quotes_and_defuses_every_kind_of_line() {
        let mut w = CsvWriter::new();
        w.record(["名称", "=1+1"]);
        w.row(&[
            Cell::text("a,b"),
            Cell::text("@x"),
            Cell::Number("-1.50".parse().unwrap()),
            Cell::Empty,
        ]);
        let out = w.take();
        assert!(out.starts_with(BOM));
        assert_eq!(
            std::str::from_utf8(&out[3..]).unwrap(),
            "名称,'=1+1\n\"a,b\",'@x,-1.5,\n"
        );
        assert!(w.take().is_empty(), "taken bytes are not sent twice");
    }
}
