//! What a file is, from its content: the first bytes for PDF, PNG and JPEG;
//! for DOCX/XLSX/PPTX, a zip whose `[Content_Types].xml` and main part say
//! which. The zip's end records are read before the zip reader sizes its
//! tables from them, and every entry's declared sizes before anything is
//! inflated (only `[Content_Types].xml` is, and only up to a cap): a zip
//! bomb or a file declaring millions of entries is refused from its
//! directory. PDFs are not parsed.

use std::io::{Read, Seek, SeekFrom};

use super::{FileKind, MAX_FILE_BYTES};

/// Why a file is refused; each names what the message needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    Empty,
    /// Over [`MAX_FILE_BYTES`].
    TooLarge {
        max_mb: u64,
    },
    /// Not one of the accepted kinds (an executable, HTML, a plain zip, …).
    Unsupported,
    /// An old Office (97–2003) or encrypted Office file (an OLE container).
    OldOffice,
    /// A zip-based file declaring more entries than allowed.
    TooManyEntries {
        max: u64,
    },
    /// A zip-based file whose entries would inflate past the limits.
    Inflates {
        max_mb: u64,
        max_ratio: u64,
    },
    /// A zip or Office file that cannot be read as one.
    Corrupt,
    /// The name's extension says another kind than the content.
    NameMismatch {
        kind: FileKind,
        extension: String,
    },
}

impl Refused {
    /// The catalogue key of the message (`materials.refused.*`).
    pub fn code(&self) -> &'static str {
        match self {
            Refused::Empty => "empty",
            Refused::TooLarge { .. } => "too_large",
            Refused::Unsupported => "unsupported",
            Refused::OldOffice => "old_office",
            Refused::TooManyEntries { .. } => "too_many_entries",
            Refused::Inflates { .. } => "inflates",
            Refused::Corrupt => "corrupt",
            Refused::NameMismatch { .. } => "name_mismatch",
        }
    }
}

/// The limits a zip-based Office file is held to. Nothing but
/// `[Content_Types].xml` is inflated here; the limits protect whoever opens
/// the file later as much as this server.
#[derive(Debug, Clone, Copy)]
pub struct ZipLimits {
    pub max_entries: u64,
    /// Declared inflated size of one entry.
    pub max_entry_bytes: u64,
    /// Declared inflated size of all entries together.
    pub max_total_bytes: u64,
    /// Inflated : compressed, for entries inflating past 1 MB.
    pub max_ratio: u64,
    /// `[Content_Types].xml`, the one part read.
    pub max_types_bytes: u64,
}

const MB: u64 = 1024 * 1024;

impl Default for ZipLimits {
    fn default() -> Self {
        ZipLimits {
            max_entries: 5_000,
            max_entry_bytes: 256 * MB,
            max_total_bytes: 512 * MB,
            max_ratio: 200,
            max_types_bytes: MB,
        }
    }
}

/// The kind of the `len` bytes of `file` (read from its start), or why it
/// is refused.
pub fn sniff<R: Read + Seek>(file: &mut R, len: u64, limits: &ZipLimits) -> Result<FileKind, Refused> {
    if len == 0 {
        return Err(Refused::Empty);
    }
    if len > MAX_FILE_BYTES {
        return Err(Refused::TooLarge {
            max_mb: MAX_FILE_BYTES / MB,
        });
    }
    let mut head = [0u8; 8];
    file.seek(SeekFrom::Start(0)).map_err(|_| Refused::Corrupt)?;
    let n = read_up_to(file, &mut head)?;
    let head = &head[..n];
    if head.starts_with(b"%PDF-") {
        Ok(FileKind::Pdf)
    } else if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        Ok(FileKind::Png)
    } else if head.starts_with(b"\xff\xd8\xff") {
        Ok(FileKind::Jpeg)
    } else if head.starts_with(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") {
        Err(Refused::OldOffice)
    } else if head.starts_with(b"PK\x03\x04") {
        office(file, len, limits)
    } else {
        Err(Refused::Unsupported)
    }
}

fn read_up_to<R: Read>(r: &mut R, buf: &mut [u8]) -> Result<usize, Refused> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return Err(Refused::Corrupt),
        }
    }
    Ok(n)
}

fn read_at<R: Read + Seek>(r: &mut R, at: u64, buf: &mut [u8]) -> Result<(), Refused> {
    r.seek(SeekFrom::Start(at)).map_err(|_| Refused::Corrupt)?;
    if read_up_to(r, buf)? == buf.len() {
        Ok(())
    } else {
        Err(Refused::Corrupt)
    }
}

/// A zip is one of the three Office kinds when its content types name the
/// main part and that part is present; anything else (a plain zip, a
/// macro-enabled workbook, an OpenDocument file) is unsupported.
fn office<R: Read + Seek>(file: &mut R, len: u64, limits: &ZipLimits) -> Result<FileKind, Refused> {
    check_end_records(file, len, limits)?;
    file.seek(SeekFrom::Start(0)).map_err(|_| Refused::Corrupt)?;
    let mut zip = zip::ZipArchive::new(&mut *file).map_err(|_| Refused::Corrupt)?;
    if zip.len() as u64 > limits.max_entries {
        return Err(Refused::TooManyEntries {
            max: limits.max_entries,
        });
    }
    let inflates = Refused::Inflates {
        max_mb: limits.max_total_bytes / MB,
        max_ratio: limits.max_ratio,
    };
    let mut total = 0u64;
    let mut types_size = None;
    let mut main = None;
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i).map_err(|_| Refused::Corrupt)?;
        let (size, packed) = (entry.size(), entry.compressed_size());
        total = total.saturating_add(size);
        let ratio_too_high = size >= MB && size / packed.max(1) > limits.max_ratio;
        if size > limits.max_entry_bytes || total > limits.max_total_bytes || ratio_too_high {
            return Err(inflates);
        }
        match entry.name().map_err(|_| Refused::Corrupt)?.as_ref() {
            "[Content_Types].xml" => types_size = Some(size),
            "word/document.xml" => main = main.or(Some(FileKind::Docx)),
            "xl/workbook.xml" => main = main.or(Some(FileKind::Xlsx)),
            "ppt/presentation.xml" => main = main.or(Some(FileKind::Pptx)),
            _ => {}
        }
    }
    let (Some(types_size), Some(kind)) = (types_size, main) else {
        return Err(Refused::Unsupported);
    };
    if types_size > limits.max_types_bytes {
        return Err(inflates);
    }
    let entry = zip.by_name("[Content_Types].xml").map_err(|_| Refused::Corrupt)?;
    // Declared sizes can lie: at most the cap (and one byte more) is inflated.
    let mut text = Vec::new();
    entry
        .take(limits.max_types_bytes + 1)
        .read_to_end(&mut text)
        .map_err(|_| Refused::Corrupt)?;
    if text.len() as u64 > limits.max_types_bytes {
        return Err(inflates);
    }
    let text = String::from_utf8_lossy(&text);
    let main_type = match kind {
        FileKind::Docx => "wordprocessingml.document.main+xml",
        FileKind::Xlsx => "spreadsheetml.sheet.main+xml",
        _ => "presentationml.presentation.main+xml",
    };
    if text.contains(main_type) {
        Ok(kind)
    } else {
        Err(Refused::Unsupported)
    }
}

/// The zip's end records (the classic one and, when it defers to it, the
/// ZIP64 one): every candidate in the tail must declare at most
/// `max_entries` entries and a central directory inside the file, because
/// the zip reader sizes its tables from whichever it picks.
fn check_end_records<R: Read + Seek>(file: &mut R, len: u64, limits: &ZipLimits) -> Result<(), Refused> {
    const END: &[u8] = b"PK\x05\x06";
    const END_LEN: u64 = 22;
    if len < END_LEN {
        return Err(Refused::Corrupt);
    }
    // The end record is followed by a comment of at most 65,535 bytes.
    let tail_len = len.min(END_LEN + u64::from(u16::MAX));
    let tail_start = len - tail_len;
    let mut tail = vec![0u8; tail_len as usize];
    read_at(file, tail_start, &mut tail)?;
    let mut found = false;
    for at in (0..=tail.len() - END_LEN as usize).rev() {
        if &tail[at..at + 4] != END {
            continue;
        }
        found = true;
        let entries = u64::from(u16::from_le_bytes([tail[at + 10], tail[at + 11]]));
        let dir_size = u64::from(u32_le(&tail[at + 12..]));
        let dir_start = u64::from(u32_le(&tail[at + 16..]));
        let (entries, dir_size, dir_start) = if entries == 0xFFFF || dir_size == 0xFFFF_FFFF || dir_start == 0xFFFF_FFFF
        {
            zip64_end(file, len, tail_start + at as u64)?
        } else {
            (entries, dir_size, dir_start)
        };
        if entries > limits.max_entries {
            return Err(Refused::TooManyEntries {
                max: limits.max_entries,
            });
        }
        if dir_start.checked_add(dir_size).is_none_or(|end| end > len) {
            return Err(Refused::Corrupt);
        }
    }
    if found { Ok(()) } else { Err(Refused::Corrupt) }
}

/// (entries, directory size, directory start) of the ZIP64 end record that
/// the locator just before the classic end record at `end` points to.
fn zip64_end<R: Read + Seek>(file: &mut R, len: u64, end: u64) -> Result<(u64, u64, u64), Refused> {
    let locator = end.checked_sub(20).ok_or(Refused::Corrupt)?;
    let mut loc = [0u8; 20];
    read_at(file, locator, &mut loc)?;
    if &loc[..4] != b"PK\x06\x07" {
        return Err(Refused::Corrupt);
    }
    let record = u64_le(&loc[8..]);
    if record.checked_add(56).is_none_or(|e| e > len) {
        return Err(Refused::Corrupt);
    }
    let mut rec = [0u8; 56];
    read_at(file, record, &mut rec)?;
    if &rec[..4] != b"PK\x06\x06" {
        return Err(Refused::Corrupt);
    }
    Ok((u64_le(&rec[32..]), u64_le(&rec[40..]), u64_le(&rec[48..])))
}

fn u32_le(b: &[u8]) -> u32 {
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

fn u64_le(b: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[..8]);
    u64::from_le_bytes(a)
}

#[cfg(test)]
pub(crate) mod tests {
    use std::io::{Cursor, Write};

    use zip::write::SimpleFileOptions;

    use super::*;

    fn kind(bytes: &[u8]) -> Result<FileKind, Refused> {
        sniff(&mut Cursor::new(bytes), bytes.len() as u64, &ZipLimits::default())
    }

    /// A minimal Office file of `kind`: its content types and main part.
    pub(crate) fn office_file(kind: FileKind) -> Vec<u8> {
        let (main, ct) = match kind {
            FileKind::Docx => ("word/document.xml", "wordprocessingml.document.main+xml"),
            FileKind::Xlsx => ("xl/workbook.xml", "spreadsheetml.sheet.main+xml"),
            _ => ("ppt/presentation.xml", "presentationml.presentation.main+xml"),
        };
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let o = SimpleFileOptions::default();
        zip.start_file("[Content_Types].xml", o).unwrap();
        write!(
            zip,
            r#"<?xml version="1.0"?><Types><Override PartName="/{main}" ContentType="application/vnd.openxmlformats-officedocument.{ct}"/></Types>"#
        )
        .unwrap();
        zip.start_file(main, o).unwrap();
        zip.write_all(b"<x/>").unwrap();
        zip.finish().unwrap().into_inner()
    }

    #[test]
    fn each_kind_is_known_by_its_content() {
        assert_eq!(kind(b"%PDF-1.7\n...").unwrap(), FileKind::Pdf);
        assert_eq!(kind(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap(), FileKind::Png);
        assert_eq!(kind(b"\xff\xd8\xff\xe0\0\x10JFIF").unwrap(), FileKind::Jpeg);
        for k in [FileKind::Docx, FileKind::Xlsx, FileKind::Pptx] {
            assert_eq!(kind(&office_file(k)).unwrap(), k);
        }
    }

    #[test]
    fn anything_else_is_refused() {
        assert_eq!(kind(b""), Err(Refused::Empty));
        assert_eq!(kind(b"MZ\x90\0\x03\0\0\0"), Err(Refused::Unsupported));
        assert_eq!(kind(b"<html><script>"), Err(Refused::Unsupported));
        assert_eq!(kind(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\0\0"), Err(Refused::OldOffice));
        assert_eq!(kind(b"PK\x03\x04 truncated"), Err(Refused::Corrupt));
        // A plain zip says nothing of Office.
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        zip.start_file("readme.txt", SimpleFileOptions::default()).unwrap();
        zip.write_all(b"hello").unwrap();
        assert_eq!(kind(&zip.finish().unwrap().into_inner()), Err(Refused::Unsupported));
        let big = vec![0u8; (MAX_FILE_BYTES + 1) as usize];
        assert_eq!(kind(&big), Err(Refused::TooLarge { max_mb: 20 }));
    }

    #[test]
    fn a_zip_bomb_is_refused_from_its_directory() {
        // 300 MB of zeros deflate to about 300 KB.
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let o = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(true);
        zip.start_file("[Content_Types].xml", o).unwrap();
        zip.write_all(b"wordprocessingml.document.main+xml").unwrap();
        zip.start_file("word/document.xml", o).unwrap();
        let zeros = vec![0u8; 1024 * 1024];
        for _ in 0..300 {
            zip.write_all(&zeros).unwrap();
        }
        let bytes = zip.finish().unwrap().into_inner();
        assert!(bytes.len() < 2 * 1024 * 1024, "{}", bytes.len());
        assert!(matches!(kind(&bytes), Err(Refused::Inflates { .. })));
    }

    #[test]
    fn a_directory_declaring_too_many_entries_is_refused_before_it_is_read() {
        let mut bytes = office_file(FileKind::Docx);
        let end = bytes.windows(4).rposition(|w| w == b"PK\x05\x06").unwrap();
        // Declare 65,000 entries (on this disk and in all).
        bytes[end + 8..end + 10].copy_from_slice(&65_000u16.to_le_bytes());
        bytes[end + 10..end + 12].copy_from_slice(&65_000u16.to_le_bytes());
        assert_eq!(kind(&bytes), Err(Refused::TooManyEntries { max: 5_000 }));
    }
}
