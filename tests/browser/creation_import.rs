//! An official imports a town's annual reports from a spreadsheet of their
//! own making (no template downloaded): the first file has two bad rows and
//! is refused whole, with each error by row and column; the corrected file
//! is imported and its reports show on the town's reports page.

use rust_xlsxwriter::Workbook;
use xiaozhen::domain::creation;
use xiaozhen::domain::{Lang, Role};
use xiaozhen::xlsx::reports::{self as sheet, ID, TOWN, YEAR};

use crate::harness::Browser;
use crate::helpers::{PASSWORD, TestApp, sample_input};

/// One cell as an official types it: a number where it reads as one.
enum Cell {
    Number(f64),
    Text(&'static str),
}

/// A year's row of town `id`: `total` 亿元 and the usual figures, with
/// `changes` by column key.
fn row(id: i64, year: f64, total: f64, changes: &[(&str, Cell)]) -> Vec<(&'static str, Cell)> {
    use Cell::{Number, Text};
    let mut cells = vec![
        (ID, Number(id as f64)),
        (TOWN, Text("健康美食小镇")),
        (YEAR, Number(year)),
        (creation::TOTAL, Number(total)),
        (creation::RESIDENTIAL, Number(0.0)),
        (creation::COMPLEX, Number(0.0)),
        (creation::CHARACTERISTIC, Number(10.0)),
        (creation::LAND, Number(120.0)),
        (creation::TAX, Number(800.0)),
        (creation::PROVINCE_TAX, Number(300.0)),
        (creation::JOBS, Number(600.0)),
        (creation::VISITORS, Number(300000.0)),
        (creation::ENTERPRISES, Number(25.0)),
        (creation::APP, Text("是")),
        (creation::LIVING_ROOM, Text("否")),
        (creation::SCENIC, Number(3.0)),
        (creation::WIFI, Number(95.0)),
        (creation::DIGITAL, Number(90.0)),
    ];
    for (key, cell) in cells.iter_mut() {
        if let Some((_, changed)) = changes.iter().find(|(k, _)| k == key) {
            *cell = match changed {
                Number(n) => Number(*n),
                Text(t) => Text(t),
            };
        }
    }
    cells
}

/// Writes an XLSX file with the template's Chinese headers in row 1 and
/// `rows` below, as an official might build it in a spreadsheet program.
fn write_xlsx(path: &std::path::Path, rows: &[Vec<(&'static str, Cell)>]) {
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    let columns = sheet::columns();
    for (c, column) in columns.iter().enumerate() {
        ws.write_string(0, c as u16, column.header(Lang::Zh)).unwrap();
    }
    for (r, cells) in rows.iter().enumerate() {
        for (key, cell) in cells {
            let c = columns.iter().position(|col| col.key == *key).unwrap() as u16;
            let r = r as u32 + 1;
            match cell {
                Cell::Number(n) => ws.write_number(r, c, *n).unwrap(),
                Cell::Text(t) => ws.write_string(r, c, *t).unwrap(),
            };
        }
    }
    book.save(path).expect("save the workbook");
}

async fn choose_and_upload(browser: &Browser, path: &std::path::Path) {
    browser
        .wait_for("#file")
        .await
        .send_keys(path.to_str().unwrap())
        .await
        .expect("choose the file");
    browser.submit("#import-form button[type=submit]").await;
}

#[tokio::test]
async fn an_official_uploads_a_bad_file_reads_the_errors_then_imports_the_corrected_one() {
    let app = TestApp::spawn().await;
    let Some(browser) = Browser::launch(&app).await else {
        return;
    };
    let official = app.official_of("official-i", "诸城市").await;
    let reviewer = app.create_user("reviewer-i", Role::Reviewer, None).await;
    let admin = app.create_user("admin-i", Role::Admin, None).await;
    let id = app
        .listed(&official, reviewer, admin, &sample_input("健康美食小镇"))
        .await;

    browser.open("/login").await;
    browser.login_through_form("official-i", PASSWORD).await;
    browser.open(&format!("/proposals/{id}/reports")).await;
    assert!(!browser.has("#reports").await, "no report yet");
    browser.submit("#link-reports-import").await;
    assert_eq!(browser.current_path().await, "/proposals/reports/import");

    let dir = std::env::temp_dir().join(format!("xz-reports-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("年度报告.xlsx");
    // Row 2: a negative investment; row 3: words where a number belongs.
    write_xlsx(
        &file,
        &[
            row(id, 2022.0, -3.0, &[]),
            row(id, 2023.0, 21.0, &[(creation::JOBS, Cell::Text("很多"))]),
        ],
    );
    choose_and_upload(&browser, &file).await;
    assert_eq!(
        browser.text("#import-refused").await,
        "文件中有 2 处错误，未导入任何数据。请按下表修改后重新上传："
    );
    assert_eq!(browser.texts("#import-errors .where").await, ["第2行", "第3行"]);
    assert_eq!(
        browser.texts("#import-errors .column").await,
        ["本年完成固定资产投资（亿元）", "年末就业人数（人）"]
    );
    assert_eq!(
        browser.texts("#import-errors .what").await,
        [
            "本年完成固定资产投资不能为负数",
            "请填写数字，例如 3000（不要带单位或逗号）"
        ]
    );
    browser.screenshot("creation-import-errors").await;

    // The corrected file: both years imported.
    write_xlsx(&file, &[row(id, 2022.0, 15.0, &[]), row(id, 2023.0, 21.5, &[])]);
    choose_and_upload(&browser, &file).await;
    assert_eq!(browser.current_path().await, "/proposals/reports/import");
    assert_eq!(
        browser.text("#import-done p").await,
        "已导入 2 份年度报告（新增 2 份，修改 0 份）。"
    );
    browser.submit("#imported tr.imported a").await;
    assert_eq!(browser.current_path().await, format!("/proposals/{id}/reports"));
    assert_eq!(browser.texts("#reports tr.report th").await, ["2022", "2023"]);
    let heads = browser.texts("#reports thead th").await;
    let total = heads
        .iter()
        .position(|h| h == "本年完成固定资产投资（亿元）")
        .expect("a column for the year's investment");
    let jobs = heads.iter().position(|h| h == "年末就业人数（人）").unwrap();
    let cells = browser.texts("#reports tr.report[data-year='2023'] > *").await;
    assert_eq!((cells[total].as_str(), cells[jobs].as_str()), ("21.5", "600"));
    assert_eq!(browser.texts("#reports tr.report .status").await, ["待考核", "待考核"]);
    let _ = std::fs::remove_dir_all(&dir);
    browser.close().await;
}
