//! What an uploaded XLSX declares, checked against stated limits before any
//! reader allocates for it. calamine trusts a file: it reserves as many
//! shared strings as `uniqueCount` says, lays the sheet out as one dense
//! grid spanning its farthest cells, copies a shared string into every cell
//! that names it, and inflates whatever the zip holds. A 1.6 KB file can so
//! ask for petabytes, and a failed allocation aborts the whole process.
//!
//! The check reads the zip's end record and central directory (entry count,
//! each entry's declared and actual inflated size, its compression ratio),
//! then streams every entry through the same XML tokenizer calamine uses,
//! configured as calamine configures it, and follows what calamine would
//! allocate from: the declared `dimension`, every row and cell address (or
//! the position calamine infers for a cell without one), the cell count,
//! the shared-string count declared and present, and the text that placing
//! shared strings in cells would copy. A part the tokenizer cannot read is
//! no danger: calamine stops at the same byte with an error.
//!
//! The limits bound one import to well under 256 MB whatever the file (see
//! the README's "Limits"). Pure: bytes in memory, no I/O.

use std::collections::HashMap;
use std::io::{Cursor, Read};
use std::time::{Duration, Instant};

use quick_xml::Reader as XmlReader;
use quick_xml::events::{BytesStart, Event};

/// The limits a file is held to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Entries in the zip (an XLSX from Excel or WPS has 10–30).
    pub max_parts: u64,
    /// Inflated bytes of one entry.
    pub max_part_bytes: u64,
    /// Inflated bytes of all entries together.
    pub max_unpacked_bytes: u64,
    /// Inflated size over compressed size, for entries past `RATIO_FROM`.
    pub max_ratio: u64,
    /// Highest row address (1-based), the declared dimension included.
    pub max_rows: u32,
    /// Highest column (1-based: 100 is CV).
    pub max_cols: u32,
    /// Shared strings, declared (`count`, `uniqueCount`) or present.
    pub max_shared_strings: u64,
    /// Bytes of text the cells of one sheet hold once each shared string is
    /// copied into the cells that name it.
    pub max_text_bytes: u64,
    /// Time the check may take.
    pub max_time: Duration,
}

const MB: u64 = 1024 * 1024;

/// Entries inflating to less than this may have any ratio (a small styles
/// part of repeated tags compresses very well and costs nothing).
pub const RATIO_FROM: u64 = MB;

impl Limits {
    /// The limits for an import of at most `data_rows` rows: room above and
    /// between them for titles, headers and blank rows.
    pub const fn for_rows(data_rows: u32) -> Limits {
        Limits {
            max_parts: 100,
            max_part_bytes: 32 * MB,
            max_unpacked_bytes: 64 * MB,
            max_ratio: 100,
            max_rows: data_rows + 1_000,
            max_cols: 100,
            max_shared_strings: 1_000_000,
            max_text_bytes: 32 * MB,
            max_time: Duration::from_secs(10),
        }
    }

    /// Cells a sheet may hold: its whole allowed grid.
    pub fn max_cells(&self) -> u64 {
        u64::from(self.max_rows) * u64::from(self.max_cols)
    }
}

/// Which limit a file exceeds; each carries the limit for the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exceeded {
    /// More zip entries than `max_parts`.
    Parts {
        max: u64,
    },
    /// An entry or the whole inflates past the limits, or at a ratio above
    /// `max_ratio`: a zip bomb or far more than a proposal list.
    Unpacked {
        max_mb: u64,
        max_ratio: u64,
    },
    /// A declared dimension, row or cell address beyond the grid, or more
    /// cells than it holds.
    Dimension {
        rows: u32,
        cols: u32,
    },
    SharedStrings {
        max: u64,
    },
    Text {
        max_mb: u64,
    },
    TimedOut {
        secs: u64,
    },
}

/// Why the check refused a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Not a zip that can be read (the reader would refuse it too).
    Corrupt,
    Exceeded(Exceeded),
}

impl From<Exceeded> for Refusal {
    fn from(e: Exceeded) -> Refusal {
        Refusal::Exceeded(e)
    }
}

/// Checks an XLSX (a zip) against `limits`; `Ok` when calamine may read it.
pub fn check(bytes: &[u8], limits: &Limits) -> Result<(), Refusal> {
    let deadline = Instant::now() + limits.max_time;
    check_end_records(bytes, limits.max_parts)?;
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| Refusal::Corrupt)?;
    if zip.len() as u64 > limits.max_parts {
        return Err(Exceeded::Parts { max: limits.max_parts }.into());
    }
    let unpacked = Exceeded::Unpacked {
        max_mb: limits.max_unpacked_bytes / MB,
        max_ratio: limits.max_ratio,
    };
    let mut declared_total = 0u64;
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i).map_err(|_| Refusal::Corrupt)?;
        let (size, packed) = (entry.size(), entry.compressed_size());
        declared_total = declared_total.saturating_add(size);
        let ratio_too_high = size >= RATIO_FROM && size / packed.max(1) > limits.max_ratio;
        if size > limits.max_part_bytes || declared_total > limits.max_unpacked_bytes || ratio_too_high {
            return Err(unpacked.clone().into());
        }
    }
    let mut scan = Scan::new(limits, deadline);
    let mut budget = limits.max_unpacked_bytes;
    for i in 0..zip.len() {
        let entry = zip.by_index(i).map_err(|_| Refusal::Corrupt)?;
        // Declared sizes can lie: the bytes actually inflated are counted.
        let cap = limits.max_part_bytes.min(budget);
        let mut counted = Counted {
            inner: entry,
            left: cap,
            exceeded: false,
        };
        let result = scan.part(&mut counted);
        if counted.exceeded {
            return Err(unpacked.into());
        }
        result?;
        budget -= cap - counted.left;
    }
    scan.finish()
}

/// The zip's end records (the classic one and, when it defers to it, the
/// ZIP64 one), read here because the zip crate sizes its tables from them:
/// every candidate must declare at most `max_parts` entries and a central
/// directory inside the file. Boundary uploads (`spatial`) use it too.
pub(crate) fn check_end_records(bytes: &[u8], max_parts: u64) -> Result<(), Refusal> {
    const END: &[u8] = b"PK\x05\x06";
    const END_LEN: usize = 22;
    let len = bytes.len();
    if len < END_LEN {
        return Err(Refusal::Corrupt);
    }
    // The end record is followed by a comment of at most 65,535 bytes.
    let lowest = (len - END_LEN).saturating_sub(u16::MAX as usize);
    let mut found = false;
    for at in (lowest..=len - END_LEN).rev() {
        if &bytes[at..at + 4] != END {
            continue;
        }
        found = true;
        let entries = u64::from(u16_at(bytes, at + 10));
        let dir_size = u64::from(u32_at(bytes, at + 12));
        let dir_start = u64::from(u32_at(bytes, at + 16));
        let (entries, dir_size, dir_start) = if entries == 0xFFFF || dir_size == 0xFFFF_FFFF || dir_start == 0xFFFF_FFFF
        {
            zip64_end(bytes, at).ok_or(Refusal::Corrupt)?
        } else {
            (entries, dir_size, dir_start)
        };
        if entries > max_parts {
            return Err(Exceeded::Parts { max: max_parts }.into());
        }
        if dir_start.checked_add(dir_size).is_none_or(|end| end > len as u64) {
            return Err(Refusal::Corrupt);
        }
    }
    if found { Ok(()) } else { Err(Refusal::Corrupt) }
}

/// (entries, directory size, directory start) of the ZIP64 end record that
/// the locator just before the classic end record at `end` points to.
fn zip64_end(bytes: &[u8], end: usize) -> Option<(u64, u64, u64)> {
    let locator = end.checked_sub(20)?;
    if bytes.get(locator..locator + 4)? != b"PK\x06\x07" {
        return None;
    }
    let record = usize::try_from(u64_at(bytes, locator + 8)?).ok()?;
    if bytes.get(record..record.checked_add(56)?)?.get(..4)? != b"PK\x06\x06" {
        return None;
    }
    Some((
        u64_at(bytes, record + 32)?,
        u64_at(bytes, record + 40)?,
        u64_at(bytes, record + 48)?,
    ))
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at.checked_add(8)?)?.try_into().ok()?))
}

/// An entry's inflated bytes, stopped after `left` more.
struct Counted<R> {
    inner: R,
    left: u64,
    exceeded: bool,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        // One byte more than allowed tells "exactly at the limit" from "past it".
        let want = buf
            .len()
            .min(usize::try_from(self.left.saturating_add(1)).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        if n as u64 > self.left {
            self.exceeded = true;
            return Err(std::io::Error::other("inflated past the limit"));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// What the parts seen so far declare.
struct Scan<'a> {
    limits: &'a Limits,
    deadline: Instant,
    /// Longest text of each shared-string index over every string table.
    string_bytes: Vec<u64>,
    /// Per part that has cells: how many cells name each shared string.
    sheets: Vec<HashMap<u64, u64>>,
}

impl<'a> Scan<'a> {
    fn new(limits: &'a Limits, deadline: Instant) -> Self {
        Scan {
            limits,
            deadline,
            string_bytes: Vec::new(),
            sheets: Vec::new(),
        }
    }

    fn dimension(&self) -> Exceeded {
        Exceeded::Dimension {
            rows: self.limits.max_rows,
            cols: self.limits.max_cols,
        }
    }

    fn shared_strings(&self) -> Exceeded {
        Exceeded::SharedStrings {
            max: self.limits.max_shared_strings,
        }
    }

    /// Reads one part as calamine would, whatever its name (a workbook's
    /// relationships may call any entry a worksheet).
    fn part(&mut self, reader: &mut impl Read) -> Result<(), Refusal> {
        let mut xml = XmlReader::from_reader(std::io::BufReader::new(reader));
        let config = xml.config_mut();
        config.check_end_names = false;
        config.trim_text(false);
        config.check_comments = false;
        config.expand_empty_elements = true;
        let limits = self.limits;
        let mut buf = Vec::with_capacity(1024);
        let mut sheet = SheetState::default();
        let mut strings: Option<Vec<u64>> = None;
        let mut in_string = false;
        let mut in_shared_value = false;
        let mut events = 0u32;
        loop {
            buf.clear();
            events = events.wrapping_add(1);
            if events.is_multiple_of(4096) && Instant::now() > self.deadline {
                return Err(Exceeded::TimedOut {
                    secs: limits.max_time.as_secs(),
                }
                .into());
            }
            // A part that does not tokenize stops calamine at the same place.
            let Ok(event) = xml.read_event_into(&mut buf) else {
                break;
            };
            match event {
                Event::Start(e) => match e.local_name().as_ref() {
                    "sst" => {
                        for key in ["count", "uniqueCount"] {
                            if attr(&e, key).is_some_and(|v| number(v).is_none_or(|n| n > limits.max_shared_strings)) {
                                return Err(self.shared_strings().into());
                            }
                        }
                        strings.get_or_insert_default();
                    }
                    "si" => {
                        let list = strings.get_or_insert_default();
                        if list.len() as u64 >= limits.max_shared_strings {
                            return Err(self.shared_strings().into());
                        }
                        list.push(0);
                        in_string = true;
                    }
                    "dimension" => {
                        let range = attr(&e, "ref").unwrap_or_default();
                        for corner in range.split(':').filter(|c| !c.is_empty()) {
                            if !within(address(corner), limits) {
                                return Err(self.dimension().into());
                            }
                        }
                    }
                    "row" => {
                        if let Some(r) = attr(&e, "r") {
                            // calamine reads a row's address whole, letters
                            // included: a column in it must be within the
                            // grid too (many letters overflowed its count).
                            let position = address(r);
                            if !within(position, limits) {
                                return Err(self.dimension().into());
                            }
                            sheet.row = position.map_or(1, |(row, _)| row);
                        }
                    }
                    "c" => {
                        let (r, t) = (attr(&e, "r"), attr(&e, "t"));
                        let position = match r {
                            Some(r) => address(r).map(|(row, col)| {
                                sheet.col = col;
                                (row, col)
                            }),
                            None => Some((sheet.row, sheet.col)),
                        };
                        sheet.cells += 1;
                        if !within(position, limits) || sheet.cells > limits.max_cells() {
                            return Err(self.dimension().into());
                        }
                        sheet.col += 1;
                        sheet.shared = t == Some("s");
                    }
                    "v" => in_shared_value = sheet.shared,
                    // Shared formulas are kept in a table as long as their
                    // largest index.
                    "f" if attr(&e, "si").is_some_and(|si| number(si).is_none_or(|n| n > limits.max_cells())) => {
                        return Err(self.dimension().into());
                    }
                    _ => {}
                },
                Event::End(e) => match e.local_name().as_ref() {
                    "si" => in_string = false,
                    "v" => in_shared_value = false,
                    "c" => sheet.shared = false,
                    "row" => {
                        sheet.row += 1;
                        sheet.col = 1;
                    }
                    _ => {}
                },
                Event::Text(text) => {
                    let raw: &str = &text;
                    if in_string && let Some(last) = strings.as_mut().and_then(|s| s.last_mut()) {
                        *last += raw.len() as u64;
                    }
                    if in_shared_value && !raw.is_empty() {
                        // calamine reads plain digits, and anything else as
                        // index 0: such a value is charged the longest string.
                        let digits = raw.bytes().all(|b| b.is_ascii_digit());
                        let index = number(raw).filter(|_| digits).unwrap_or(ANY_STRING);
                        *sheet.refs.entry(index).or_default() += 1;
                    }
                }
                Event::CData(text) if in_string => {
                    if let Some(last) = strings.as_mut().and_then(|s| s.last_mut()) {
                        *last += text.len() as u64;
                    }
                }
                // `&amp;`, `&#x4E2D;`: never longer expanded than written.
                Event::GeneralRef(name) if in_string => {
                    if let Some(last) = strings.as_mut().and_then(|s| s.last_mut()) {
                        *last += name.len() as u64 + 2;
                    }
                }
                Event::Eof => break,
                _ => {}
            }
        }
        if let Some(list) = strings {
            if self.string_bytes.len() < list.len() {
                self.string_bytes.resize(list.len(), 0);
            }
            for (kept, seen) in self.string_bytes.iter_mut().zip(list) {
                *kept = (*kept).max(seen);
            }
        }
        if !sheet.refs.is_empty() {
            self.sheets.push(sheet.refs);
        }
        Ok(())
    }

    /// The text each sheet would hold once its shared strings are copied in.
    fn finish(self) -> Result<(), Refusal> {
        let longest = self.string_bytes.iter().copied().max().unwrap_or(0);
        for refs in &self.sheets {
            let text = refs.iter().fold(0u64, |sum, (index, count)| {
                let len = match usize::try_from(*index) {
                    _ if *index == ANY_STRING => longest,
                    Ok(i) => self.string_bytes.get(i).copied().unwrap_or(0),
                    Err(_) => longest,
                };
                sum.saturating_add(len.saturating_mul(*count))
            });
            if text > self.limits.max_text_bytes {
                return Err(Exceeded::Text {
                    max_mb: self.limits.max_text_bytes / MB,
                }
                .into());
            }
        }
        Ok(())
    }
}

/// Where calamine would put the next cell of a part (1-based).
struct SheetState {
    row: u64,
    col: u64,
    cells: u64,
    /// Inside a cell of type `s` (its value names a shared string).
    shared: bool,
    refs: HashMap<u64, u64>,
}

impl Default for SheetState {
    fn default() -> Self {
        SheetState {
            row: 1,
            col: 1,
            cells: 0,
            shared: false,
            refs: HashMap::new(),
        }
    }
}

/// An attribute's raw value; absent when malformed. calamine stops at a
/// malformed attribute of an element it reads; this check reads on, as if
/// the attribute were absent, so that nothing after it goes unchecked.
fn attr<'e>(e: &'e BytesStart<'_>, name: &str) -> Option<&'e str> {
    raw_attr(e, name).ok().flatten()
}

/// A shared-string reference calamine would not read as plain digits.
const ANY_STRING: u64 = u64::MAX;

/// An attribute's raw value, found as calamine finds it: in order, a
/// malformed attribute before it being an error.
fn raw_attr<'e>(e: &'e BytesStart<'_>, name: &str) -> Result<Option<&'e str>, ()> {
    let raw = e.attributes_raw();
    let bytes = raw.as_bytes();
    let mut pos = 0;
    loop {
        while pos < bytes.len() && bytes[pos].is_ascii_whitespace() {
            pos += 1;
        }
        if pos >= bytes.len() {
            return Ok(None);
        }
        let key_start = pos;
        while pos < bytes.len() && bytes[pos] != b'=' {
            pos += 1;
        }
        if pos >= bytes.len() {
            return Err(());
        }
        let key = raw[key_start..pos].trim_ascii_end();
        pos += 1;
        while pos < bytes.len() && bytes[pos].is_ascii_whitespace() {
            pos += 1;
        }
        let quote = match bytes.get(pos) {
            Some(q @ (b'"' | b'\'')) => *q,
            _ => return Err(()),
        };
        pos += 1;
        let start = pos;
        while pos < bytes.len() && bytes[pos] != quote {
            pos += 1;
        }
        let value = &raw[start..pos];
        pos += 1;
        if key == name {
            return Ok(Some(value));
        }
    }
}

/// A whole number as written (digits only), saturating.
fn number(text: &str) -> Option<u64> {
    let text = text.trim();
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(
        text.bytes()
            .fold(0u64, |n, d| n.saturating_mul(10).saturating_add(u64::from(d - b'0'))),
    )
}

/// A cell address ("B12", "$B$12", a row "12") as 1-based (row, column);
/// column 0 when it names none. `None` when it is not an address.
fn address(text: &str) -> Option<(u64, u64)> {
    let text = text.trim();
    let letters = text.trim_start_matches('$');
    let split = letters
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(letters.len());
    let (col, row) = letters.split_at(split);
    let col = col.bytes().fold(0u64, |n, c| {
        n.saturating_mul(26)
            .saturating_add(u64::from(c.to_ascii_uppercase() - b'A') + 1)
    });
    let row = number(row.trim_start_matches('$'))?;
    Some((row, col))
}

fn within(position: Option<(u64, u64)>, limits: &Limits) -> bool {
    position
        .is_some_and(|(row, col)| (1..=u64::from(limits.max_rows)).contains(&row) && col <= u64::from(limits.max_cols))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_read_as_calamine_places_them() {
        assert_eq!(address("A1"), Some((1, 1)));
        assert_eq!(address("$CV$6000"), Some((6000, 100)));
        assert_eq!(address("XFD1048576"), Some((1_048_576, 16_384)));
        assert_eq!(address("12"), Some((12, 0)));
        assert_eq!(address("A"), None);
        assert_eq!(address("&#65;1"), None);
        assert_eq!(
            address("ZZZZZZZZZZZZZZZZ99999999999999999999999"),
            Some((u64::MAX, u64::MAX))
        );
    }

    #[test]
    fn attributes_are_found_in_order() {
        let e = BytesStart::from_content(r#"c r="B2" t='s'"#, 1);
        assert_eq!(raw_attr(&e, "r"), Ok(Some("B2")));
        assert_eq!(raw_attr(&e, "t"), Ok(Some("s")));
        assert_eq!(raw_attr(&e, "s"), Ok(None));
        // As calamine reads them: a key runs to its `=`; a value is quoted.
        let odd = BytesStart::from_content(r#"c bogus r="B2""#, 1);
        assert_eq!(raw_attr(&odd, "r"), Ok(None));
        let broken = BytesStart::from_content("c t=s r=\"B2\"", 1);
        assert_eq!(raw_attr(&broken, "r"), Err(()));
    }

    /// A workbook of a sheet and a string table, stored as written.
    fn book(sheet: &str, strings: &str) -> Vec<u8> {
        use std::io::Write;
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        for (name, text) in [("xl/worksheets/sheet1.xml", sheet), ("xl/sharedStrings.xml", strings)] {
            zip.start_file(name, stored).unwrap();
            zip.write_all(text.as_bytes()).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    fn sheet(cells: &str) -> String {
        format!(r#"<worksheet><dimension ref="A1:B2"/><sheetData>{cells}</sheetData></worksheet>"#)
    }

    const LIMITS: Limits = Limits::for_rows(100);

    fn dimension() -> Refusal {
        Refusal::Exceeded(Exceeded::Dimension { rows: 1_100, cols: 100 })
    }

    #[test]
    fn a_plain_workbook_passes() {
        let strings = "<sst count=\"1\" uniqueCount=\"1\"><si><t>小镇</t></si></sst>";
        let cells = r#"<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1"><v>3.5</v></c></row>"#;
        assert_eq!(check(&book(&sheet(cells), strings), &LIMITS), Ok(()));
    }

    #[test]
    fn a_malformed_attribute_hides_nothing_after_it() {
        let cells = r#"<row bogus><c r="A1"><v>1</v></c></row><row r="5000"><c r="A5000"><v>1</v></c></row>"#;
        let hidden = format!(r#"<worksheet><row r=1/><sheetData>{cells}</sheetData></worksheet>"#);
        assert_eq!(check(&book(&hidden, "<sst/>"), &LIMITS), Err(dimension()));
    }

    #[test]
    fn a_row_address_with_a_column_beyond_the_grid_is_refused() {
        // calamine counts the letters of a row's address in 32 bits.
        let letters = r#"<row r="ZZZZZZZZZZZZ1"><c r="A1"><v>1</v></c></row>"#;
        assert_eq!(check(&book(&sheet(letters), "<sst/>"), &LIMITS), Err(dimension()));
        let plain = r#"<row r="1"><c r="A1"><v>1</v></c></row><row r="A2"><c r="A2"><v>1</v></c></row>"#;
        assert_eq!(check(&book(&sheet(plain), "<sst/>"), &LIMITS), Ok(()));
    }

    #[test]
    fn cells_without_addresses_are_placed_as_calamine_places_them() {
        let wide = format!("<row>{}</row>", "<c><v>1</v></c>".repeat(101));
        assert_eq!(check(&book(&sheet(&wide), "<sst/>"), &LIMITS), Err(dimension()));
        let tall = "<row><c><v>1</v></c></row>".repeat(1_101);
        assert_eq!(check(&book(&sheet(&tall), "<sst/>"), &LIMITS), Err(dimension()));
    }

    #[test]
    fn a_shared_string_index_calamine_reads_as_zero_is_charged_the_longest() {
        let long = "x".repeat(1_000_000);
        let strings = format!("<sst><si><t>{long}</t></si><si><t>a</t></si></sst>");
        let text = Refusal::Exceeded(Exceeded::Text { max_mb: 32 });
        let odd: String = (1..=40)
            .map(|r| format!(r#"<row r="{r}"><c r="A{r}" t="s"><v> 1</v></c></row>"#))
            .collect();
        assert_eq!(check(&book(&sheet(&odd), &strings), &LIMITS), Err(text.clone()));
        let plain: String = (1..=40)
            .map(|r| format!(r#"<row r="{r}"><c r="A{r}" t="s"><v>0</v></c></row>"#))
            .collect();
        assert_eq!(check(&book(&sheet(&plain), &strings), &LIMITS), Err(text));
        let short: String = (1..=40)
            .map(|r| format!(r#"<row r="{r}"><c r="A{r}" t="s"><v>1</v></c></row>"#))
            .collect();
        assert_eq!(check(&book(&sheet(&short), &strings), &LIMITS), Ok(()));
    }

    #[test]
    fn numbers_are_digits_only() {
        assert_eq!(number(" 42 "), Some(42));
        assert_eq!(number("99999999999999999999999"), Some(u64::MAX));
        assert_eq!(number("-1"), None);
        assert_eq!(number(""), None);
    }
}
