//! Fuzzing as a habit: the upload readers and the form parser are fed
//! mutated real workbooks (the two import templates, filled), CSV files,
//! form bodies and the hostile corpus (tests/corpus/hostile), and each must
//! give an answer — rows or a refusal — never a panic or an abort, using at
//! most 256 MB for one file.
//!
//! A test binary of its own: it counts the process's allocations with its
//! own global allocator. An allocation past the bound is refused here
//! (reported, then the process aborts as it would have in the server), and
//! the peak of what one read holds is asserted after each case. The tests
//! take one lock so that each peak is one read's.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{Cursor, Read, Write};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use proptest::prelude::*;
use xiaozhen::domain::Lang;
use xiaozhen::domain::proposal::ProposalInput;
use xiaozhen::services::spreadsheets::{self, reports};

/// What one import may hold (README "Limits").
const BOUND: usize = 256 * 1024 * 1024;

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let now = CURRENT.fetch_add(by, Ordering::Relaxed) + by;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

// SAFETY: every call is passed on to `System` unchanged; only sizes are counted.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.size() > BOUND {
            refuse(layout.size());
        }
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > BOUND {
            refuse(new_size);
        }
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
            grew(new_size);
        }
        p
    }
}

/// Says which allocation broke the bound (without allocating), then aborts.
fn refuse(size: usize) -> ! {
    let mut digits = [0u8; 20];
    let mut n = size;
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let mut err = std::io::stderr();
    let _ = err.write_all(b"upload_fuzz: an allocation of ");
    let _ = err.write_all(&digits[at..]);
    let _ = err.write_all(b" bytes, past the 256 MB bound\n");
    std::process::abort();
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Runs `read`, asserting what it held at most beyond what was held before.
fn bounded<T>(what: &str, read: impl FnOnce() -> T) -> T {
    let before = CURRENT.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let out = read();
    let held = PEAK.load(Ordering::Relaxed).saturating_sub(before);
    assert!(held <= BOUND, "{what}: held {held} bytes");
    out
}

/// Both readers on `bytes`: an answer each, within the bound.
fn read_both(what: &str, bytes: &[u8]) {
    let _ = bounded(what, || spreadsheets::read_file(bytes));
    let _ = bounded(what, || reports::read_file(bytes));
}

fn proposals_workbook() -> Vec<u8> {
    let text = xiaozhen::xlsx::TemplateText {
        sheet: "小镇".into(),
        instructions_sheet: "说明".into(),
        instructions: vec!["说明".into()],
        error_title: "错误".into(),
        error_column: "错误原因".into(),
    };
    xiaozhen::xlsx::template(Lang::Zh, &text).expect("template")
}

fn reports_workbook() -> Vec<u8> {
    let text = xiaozhen::xlsx::reports::TemplateText {
        sheet: "年度报告".into(),
        notes_sheet: "说明".into(),
        notes: vec![("说明".into(), "Notes".into())],
        error_title: "错误".into(),
    };
    let towns: Vec<(i64, String)> = (1..=20).map(|i| (i, format!("小镇{i}"))).collect();
    xiaozhen::xlsx::reports::template(&towns, &text).expect("template")
}

/// The entries of a zip, as (name, bytes).
fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip");
    (0..zip.len())
        .map(|i| {
            let mut entry = zip.by_index(i).expect("entry");
            let mut data = Vec::new();
            entry.read_to_end(&mut data).expect("inflate");
            (entry.name().expect("a name").to_string(), data)
        })
        .collect()
}

fn rezip(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, data) in entries {
        out.start_file(name.as_str(), options).expect("entry");
        out.write_all(data).expect("write");
    }
    out.finish().expect("finish").into_inner()
}

/// Values a hostile file puts where a count, an address or an index goes.
fn hostile_value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("10000000000000000".to_string()),
        Just("18446744073709551615".to_string()),
        Just("4294967296".to_string()),
        Just("XFD1048576".to_string()),
        Just("A1:XFD1048576".to_string()),
        Just("A0".to_string()),
        Just("0".to_string()),
        Just("-1".to_string()),
        Just("".to_string()),
        Just("&#65;1".to_string()),
        Just("ZZZZZZZZZZ1".to_string()),
        Just("A99999999999".to_string()),
        (1u64..u64::MAX).prop_map(|n| n.to_string()),
        ("[A-Z]{1,4}", 1u32..2_000_000).prop_map(|(c, r)| format!("{c}{r}")),
    ]
}

/// An XML mutation: a quoted value replaced, an element repeated, bytes cut.
#[derive(Debug, Clone)]
enum Mutation {
    Value { nth: usize, value: String },
    Repeat { nth: usize, times: usize },
    Truncate { at: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => (any::<usize>(), hostile_value()).prop_map(|(nth, value)| Mutation::Value { nth, value }),
        2 => (any::<usize>(), 1usize..20_000).prop_map(|(nth, times)| Mutation::Repeat { nth, times }),
        1 => any::<usize>().prop_map(|at| Mutation::Truncate { at }),
    ]
}

fn apply(xml: &[u8], m: &Mutation) -> Vec<u8> {
    let text = String::from_utf8_lossy(xml).into_owned();
    match m {
        Mutation::Value { nth, value } => {
            let quotes: Vec<usize> = text.match_indices("=\"").map(|(i, _)| i + 2).collect();
            let Some(&start) = quotes.get(nth % quotes.len().max(1)) else {
                return xml.to_vec();
            };
            let end = text[start..].find('"').map_or(text.len(), |e| start + e);
            format!("{}{value}{}", &text[..start], &text[end..]).into_bytes()
        }
        Mutation::Repeat { nth, times } => {
            let opens: Vec<usize> = text.match_indices("<c ").map(|(i, _)| i).collect();
            let Some(&start) = opens.get(nth % opens.len().max(1)) else {
                return xml.to_vec();
            };
            let Some(end) = text[start..].find("</c>").map(|e| start + e + 4) else {
                return xml.to_vec();
            };
            let cell = &text[start..end];
            format!("{}{}{}", &text[..end], cell.repeat(*times), &text[end..]).into_bytes()
        }
        Mutation::Truncate { at } => xml[..at % xml.len().max(1)].to_vec(),
    }
}

fn mutated(base: &[u8], part: usize, mutations: &[Mutation]) -> Vec<u8> {
    let mut entries = unzip(base);
    let xml: Vec<usize> = (0..entries.len()).filter(|i| entries[*i].0.ends_with(".xml")).collect();
    let i = xml[part % xml.len()];
    for m in mutations {
        entries[i].1 = apply(&entries[i].1, m);
    }
    rezip(&entries)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn mutated_workbooks_get_an_answer_within_bounded_memory(
        reports in any::<bool>(),
        part in any::<usize>(),
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
        let base = if reports { reports_workbook() } else { proposals_workbook() };
        read_both("mutated workbook", &mutated(&base, part, &mutations));
    }

    #[test]
    fn workbooks_with_flipped_or_cut_bytes_get_an_answer(
        flips in prop::collection::vec((any::<usize>(), any::<u8>()), 0..8),
        cut in any::<usize>(),
    ) {
        let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
        let mut bytes = proposals_workbook();
        for (at, byte) in flips {
            let n = bytes.len();
            bytes[at % n] = byte;
        }
        bytes.truncate(cut % bytes.len() + 1);
        read_both("flipped workbook", &bytes);
    }

    #[test]
    fn csv_files_of_any_shape_get_an_answer(
        rows in prop::collection::vec(prop::collection::vec("[^\u{0}]{0,12}", 0..150), 0..40),
        bom in any::<bool>(),
        raw in prop::collection::vec(any::<u8>(), 0..2_000),
    ) {
        let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
        let mut text: Vec<u8> = if bom { xiaozhen::xlsx::BOM.to_vec() } else { Vec::new() };
        text.extend_from_slice("小镇名称,所属区县\n".as_bytes());
        for row in &rows {
            text.extend_from_slice(row.join(",").as_bytes());
            text.push(b'\n');
        }
        let _ = bounded("csv", || spreadsheets::read_file(&text));
        text.extend_from_slice(&raw);
        let _ = bounded("csv with raw bytes", || spreadsheets::read_file(&text));
    }

    #[test]
    fn form_bodies_of_any_shape_get_an_answer(
        pairs in prop::collection::vec(
            (
                prop_oneof![
                    prop::sample::select(xiaozhen::domain::proposal::FIELDS.iter().map(|f| f.name.to_string()).collect::<Vec<_>>()),
                    "[a-z_.\\[\\]0-9]{0,12}",
                ],
                prop_oneof![Just(String::new()), "\\PC{0,20}", "[0-9.eE+-]{1,30}"],
            ),
            0..3_000,
        ),
    ) {
        let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
        let body: String = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(&pairs).finish();
        let parsed: Vec<(String, String)> = url::form_urlencoded::parse(body.as_bytes()).into_owned().collect();
        prop_assert_eq!(parsed.len(), pairs.len());
        let (_, errors) = bounded("form", || ProposalInput::from_form(&parsed));
        // At most one message per distinct name, plus one per by-year box.
        prop_assert!(errors.len() <= parsed.len());
    }
}

#[test]
fn the_hostile_corpus_is_refused_within_bounded_memory() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus/hostile");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("corpus")
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 10, "the corpus is there: {files:?}");
    for path in files {
        let bytes = std::fs::read(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let proposals = bounded(&name, || spreadsheets::read_file(&bytes));
        assert!(proposals.is_err(), "{name} was read: {proposals:?}");
        let reports = bounded(&name, || reports::read_file(&bytes));
        assert!(reports.is_err(), "{name} was read: {reports:?}");
    }
}

#[test]
fn the_real_templates_are_read_not_refused() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    // Both templates as downloaded: read past the limits and the header,
    // holding no row to import yet (the example row, towns without figures).
    assert_eq!(
        spreadsheets::read_file(&proposals_workbook()),
        Err(spreadsheets::FileError::NoRows)
    );
    assert_eq!(
        reports::read_file(&reports_workbook()),
        Err(spreadsheets::FileError::NoRows)
    );
}
