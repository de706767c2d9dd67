//! Spreadsheets: the import template's round trip, bad files and bad cells,
//! GBK CSV, all-or-nothing confirmation, the error file, exports equal to
//! the filtered lists, and the time a 5,000-row import takes.

use std::io::Cursor;
use std::time::{Duration, Instant};

use calamine::{Data, Reader};
use reqwest::StatusCode;
use rust_xlsxwriter::Workbook;
use xiaozhen::db::proposals::{ListFilter, Scope};
use xiaozhen::domain::proposal::{ClassicTrade, Industry, ProposalInput};
use xiaozhen::domain::{Lang, Role, Status};
use xiaozhen::xlsx::{self as sheet, Column};

use crate::helpers::{Client, Page, TestApp, sample_input};

/// Uploads `bytes` as the import form does (multipart, token in the query).
pub async fn upload(client: &Client, filename: &str, bytes: Vec<u8>) -> Page {
    let token = client.csrf().await;
    client.upload_file("/proposals/import", &token, filename, bytes).await
}

/// Waits for the background check; returns the preview page.
pub async fn ready(client: &Client, location: &str) -> Page {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let progress = client
            .http
            .get(format!("{}{location}/progress", client.base))
            .send()
            .await
            .expect("progress");
        let json: serde_json::Value = progress.json().await.expect("progress JSON");
        if json["status"] != "processing" {
            return client.get(location).await;
        }
        assert!(Instant::now() < deadline, "the import check did not finish: {json}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Uploads and waits for the preview; returns (preview, its path).
pub async fn preview(client: &Client, filename: &str, bytes: Vec<u8>) -> (Page, String) {
    let page = upload(client, filename, bytes).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "upload refused: {}", page.body);
    let location = page.location().expect("location");
    (ready(client, &location).await, location)
}

/// A row's cells in template column order as a person types them
/// (labels for choices, 是/否).
pub fn typed_cells(input: &ProposalInput) -> Vec<String> {
    sheet::columns()
        .iter()
        .map(|c| {
            let values = input.form_values(c.spec.name);
            let v = match c.year {
                Some(y) => values.get(y - 1).cloned().unwrap_or_default(),
                None => values.into_iter().next().unwrap_or_default(),
            };
            sheet::display_cell(c.spec, &v, Lang::Zh)
        })
        .collect()
}

/// Fills a copy of the template's two header rows with `rows`, numbers as
/// numbers, as Excel would save it.
pub fn filled_workbook(headers: &[Vec<String>], rows: &[Vec<String>]) -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (r, row) in headers.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32, c as u16, v).unwrap();
        }
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            let (r, c) = (r as u32 + headers.len() as u32, c as u16);
            if v.is_empty() {
                continue;
            }
            match v.parse::<f64>() {
                Ok(n) => ws.write_number(r, c, n).unwrap(),
                Err(_) => ws.write_string(r, c, v).unwrap(),
            };
        }
    }
    wb.save_to_buffer().unwrap()
}

pub fn csv_bytes(rows: &[Vec<String>]) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new().flexible(true).from_writer(Vec::new());
    for r in rows {
        w.write_record(r).unwrap();
    }
    w.into_inner().unwrap()
}

pub fn keys() -> Vec<String> {
    sheet::columns().iter().map(Column::key).collect()
}

pub fn headers_zh() -> Vec<String> {
    sheet::columns().iter().map(|c| c.header(Lang::Zh)).collect()
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) => format!("{f}"),
        Data::Int(i) => i.to_string(),
        other => other.to_string(),
    }
}

/// Every row of the first sheet of an XLSX file, as text.
pub fn read_xlsx(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut book = calamine::Xlsx::new(Cursor::new(bytes.to_vec())).expect("an XLSX file");
    let names = book.sheet_names();
    let range = book.worksheet_range_at(0).expect("a sheet").expect("readable");
    let rows = range.rows().map(|r| r.iter().map(cell_text).collect()).collect();
    (names, rows)
}

pub async fn bytes_of(client: &Client, path: &str) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let r = client
        .http
        .get(format!("{}{path}", client.base))
        .send()
        .await
        .expect("GET");
    let status = r.status();
    let headers = r.headers().clone();
    (status, headers, r.bytes().await.expect("body").to_vec())
}

fn accelerated(name: &str) -> ProposalInput {
    let mut input = sample_input(name);
    input.accelerated_county = true;
    input.investment.by_year_yi = ["10", "12", "13", "14", "13"]
        .iter()
        .map(|v| Some(v.parse().unwrap()))
        .collect();
    input
}

fn classic(name: &str) -> ProposalInput {
    let mut input = sample_input(name);
    input.industry = Some(Industry::HistoricClassic);
    input.classic_trade = Some(ClassicTrade::Celadon);
    input.developer = None;
    input.functions.tourism = false;
    input.planned_area_km2 = Some("3.6".parse().unwrap());
    input.green_coverage_pct = None;
    input
}

async fn drafts(app: &TestApp) -> Vec<ProposalInput> {
    let mut conn = app.db.acquire().await.unwrap();
    let (rows, _) = xiaozhen::db::proposals::list(&mut conn, Scope::All, &ListFilter::default(), 10_000, 0)
        .await
        .unwrap();
    let mut out = Vec::new();
    for r in rows.iter().rev() {
        assert_eq!(r.status, "draft");
        out.push(
            xiaozhen::db::proposals::get(&mut conn, r.id, Scope::All)
                .await
                .unwrap()
                .unwrap()
                .to_input(),
        );
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

#[tokio::test]
async fn the_template_round_trips_into_the_same_proposals() {
    let app = TestApp::spawn().await;
    let client = app.login_as(Role::Official).await;
    let list = client.get("/proposals").await;
    assert_eq!(
        list.attr("#link-template", "href").as_deref(),
        Some("/proposals/template.xlsx")
    );

    let (status, headers, bytes) = bytes_of(&client, "/proposals/template.xlsx").await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers["content-type"].to_str().unwrap().contains("spreadsheetml"));
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let (names, rows) = read_xlsx(&bytes);
    assert_eq!(names, vec!["申报项目".to_string(), "填写说明".to_string()]);
    assert_eq!(rows[0][0], "小镇名称");
    assert!(rows[0].iter().any(|h| h == "规划面积（平方公里）"), "{:?}", rows[0]);
    assert!(rows[0].iter().any(|h| h.contains("第5年")));
    assert_eq!(rows[1], keys(), "the hidden row holds the canonical names");
    assert_eq!(rows[2][0], "健康美食小镇", "the example row");

    // Fill the template (below its example row) as an official would.
    let expected = vec![sample_input("甲小镇"), accelerated("乙小镇"), classic("丙小镇")];
    let mut filled = vec![rows[2].clone()];
    filled.extend(expected.iter().map(typed_cells));
    let file = filled_workbook(&rows[..2], &filled);
    let (preview, location) = preview(&client, "申报.xlsx", file).await;
    assert_eq!(preview.status, StatusCode::OK);
    assert_eq!(
        preview.texts("#import-rows tbody tr td.name"),
        vec!["甲小镇", "乙小镇", "丙小镇"]
    );
    assert_eq!(
        preview.texts("#import-rows td.row-no"),
        vec!["4", "5", "6"],
        "spreadsheet row numbers"
    );
    assert_eq!(preview.texts("#import-rows .badge"), vec!["合格", "合格", "不合格"]);
    assert!(!preview.has("#error-file"));
    assert!(drafts(&app).await.is_empty(), "nothing written before confirmation");

    let done = client.post(&format!("{location}/confirm"), &[]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let result = client.get(&location).await;
    assert_eq!(result.text("#import-done"), "已导入 3 项申报，均保存为草稿。");

    let mut want: Vec<ProposalInput> = expected
        .into_iter()
        .map(|mut i| {
            i.region = Some("诸城市".into());
            i
        })
        .collect();
    want.sort_by(|a, b| a.name.cmp(&b.name));
    assert_eq!(drafts(&app).await, want, "the same proposals, field by field");

    let audit: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'proposal.imported'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(audit, 3, "one audit row per draft");
    let again = client.post(&format!("{location}/confirm"), &[]).await;
    assert_eq!(
        again.status,
        StatusCode::CONFLICT,
        "a second confirmation changes nothing"
    );
    assert_eq!(drafts(&app).await.len(), 3);
}

/// A minimal OLE container holding an `EncryptedPackage` stream: what Excel
/// writes for a password-protected workbook.
fn encrypted_xlsx() -> Vec<u8> {
    let mut header = vec![0u8; 512];
    header[..8].copy_from_slice(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1");
    header[24..26].copy_from_slice(&0x3Eu16.to_le_bytes());
    header[26..28].copy_from_slice(&3u16.to_le_bytes());
    header[28..30].copy_from_slice(&0xFFFEu16.to_le_bytes());
    header[30..32].copy_from_slice(&9u16.to_le_bytes());
    header[32..34].copy_from_slice(&6u16.to_le_bytes());
    header[44..48].copy_from_slice(&1u32.to_le_bytes());
    header[48..52].copy_from_slice(&1u32.to_le_bytes());
    header[56..60].copy_from_slice(&4096u32.to_le_bytes());
    header[60..64].copy_from_slice(&0xFFFF_FFFEu32.to_le_bytes());
    header[68..72].copy_from_slice(&0xFFFF_FFFEu32.to_le_bytes());
    for i in 0..109 {
        let v: u32 = if i == 0 { 0 } else { 0xFFFF_FFFF };
        header[76 + i * 4..80 + i * 4].copy_from_slice(&v.to_le_bytes());
    }
    let mut fat = vec![0xFFu8; 512];
    fat[..4].copy_from_slice(&0xFFFF_FFFDu32.to_le_bytes());
    fat[4..8].copy_from_slice(&0xFFFF_FFFEu32.to_le_bytes());
    let mut dir = vec![0u8; 512];
    let entry = |dir: &mut Vec<u8>, i: usize, name: &str, kind: u8, child: u32| {
        let base = i * 128;
        let utf16: Vec<u8> = name.encode_utf16().flat_map(u16::to_le_bytes).collect();
        dir[base..base + utf16.len()].copy_from_slice(&utf16);
        dir[base + 64..base + 66].copy_from_slice(&((utf16.len() + 2) as u16).to_le_bytes());
        dir[base + 66] = kind;
        dir[base + 68..base + 72].copy_from_slice(&0xFFFF_FFFFu32.to_le_bytes());
        dir[base + 72..base + 76].copy_from_slice(&0xFFFF_FFFFu32.to_le_bytes());
        dir[base + 76..base + 80].copy_from_slice(&child.to_le_bytes());
        dir[base + 116..base + 120].copy_from_slice(&0xFFFF_FFFEu32.to_le_bytes());
    };
    entry(&mut dir, 0, "Root Entry", 5, 1);
    entry(&mut dir, 1, "EncryptedPackage", 2, 0xFFFF_FFFF);
    for i in 2..4 {
        entry(&mut dir, i, "", 0, 0xFFFF_FFFF);
    }
    [header, fat, dir].concat()
}

#[tokio::test]
async fn bad_files_get_a_clear_message_and_422() {
    let app = TestApp::spawn().await;
    let client = app.login_as(Role::Official).await;
    let form = client.get("/proposals/import").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.text("#limits").contains("10 MB"));
    assert!(form.text("#limits").contains("5000"));
    assert!(form.attr("#import-form", "action").unwrap().contains("csrf_token="));

    let (_, _, template) = bytes_of(&client, "/proposals/template.xlsx").await;
    let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01".to_vec();
    let mut too_many = vec![keys()];
    too_many.extend((0..5001).map(|i| {
        let mut cells = typed_cells(&sample_input(&format!("镇{i}")));
        cells.truncate(1);
        cells
    }));
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty.xlsx", Vec::new(), "未收到文件或文件为空"),
        ("big.csv", vec![b'a'; 10 * 1024 * 1024 + 10], "文件超过 10 MB"),
        ("broken.xlsx", b"PK\x03\x04 this is not a zip".to_vec(), "文件已损坏"),
        ("truncated.xlsx", template[..template.len() / 2].to_vec(), "文件已损坏"),
        ("secret.xlsx", encrypted_xlsx(), "文件已加密"),
        ("photo.png", png, "不是表格文件"),
        (
            "gibberish.csv",
            vec![0xFF, 0xFE, 0xFD, 0x81, 0x20, 0xFF],
            "不是表格文件",
        ),
        (
            "notes.csv",
            "会议纪要\n今天讨论了小镇\n".as_bytes().to_vec(),
            "未找到列名行",
        ),
        (
            "odd.csv",
            "name,颜色\n甲,红\n".as_bytes().to_vec(),
            "以下列名无法识别，请使用导入模板的列名：颜色",
        ),
        ("header-only.xlsx", template.clone(), "没有可导入的数据行"),
        ("many.csv", csv_bytes(&too_many), "每次最多导入的行数为：5000"),
    ];
    for (name, bytes, message) in cases {
        let page = upload(&client, name, bytes).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {}", page.body);
        let shown = page.text("#import-error");
        assert!(shown.contains(message), "{name}: {shown:?}");
    }
    // No file field at all, and a plain form post.
    let page = client.post("/proposals/import", &[("file", "x")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let imports: i64 = sqlx::query_scalar("SELECT count(*) FROM imports")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(imports, 0);
}

#[tokio::test]
async fn bad_cells_are_listed_by_row_and_column_and_come_back_as_a_file() {
    let app = TestApp::spawn().await;
    let client = app.login_as(Role::Official).await;
    let col = |key: &str| keys().iter().position(|k| k == key).unwrap();
    let good = typed_cells(&sample_input("好小镇"));
    let with = |name: &str, changes: &[(&str, &str)]| {
        let mut cells = good.clone();
        cells[0] = name.to_owned();
        for (k, v) in changes {
            cells[col(k)] = (*v).to_owned();
        }
        cells
    };
    let rows = vec![
        keys(),
        good.clone(),
        with("逗号镇", &[("investment.total_yi", "62,0")]),
        with("百分号镇", &[("functions.wifi_coverage_pct", "100%")]),
        with("单位镇", &[("benefits.new_tax_wan", "1.6万")]),
        with("产业镇", &[("industry", "医疗")]),
        with("年度镇", &[("investment.by_year_yi[3]", "20")]),
        with("面积镇", &[("built_area_km2", "4")]),
        with("外地镇", &[("region", "安丘市")]),
        with("", &[]),
        with("是否镇", &[("functions.culture", "也许")]),
        with("景区镇", &[("functions.scenic_level", "6")]),
    ];
    let (page, location) = preview(&client, "cells.csv", csv_bytes(&rows)).await;
    assert_eq!(
        page.text("#summary"),
        "共 11 行：有效 1 行，有误 10 行。确认前不会保存任何数据。"
    );
    let error_of = |row: u32| {
        page.texts(&format!("tr[data-row=\"{row}\"] .row-errors li"))
            .join(" | ")
    };
    assert_eq!(page.text("tr[data-row=\"2\"] .badge"), "合格");
    let expect = [
        (3, "第3行 · 计划固定资产投资总额（亿元）：", "逗号"),
        (4, "第4行 · WiFi覆盖率（%）：", "% 号"),
        (5, "第5行 · ", "单位"),
        (6, "第6行 · 产业类别：", ""),
        (7, "第7行 · ", ""),
        (8, "第8行 · 建设面积（平方公里）：", ""),
        (9, "第9行 · 申报县（市、区）：", "诸城市"),
        (10, "第10行 · 小镇名称：", ""),
        (11, "第11行 · ", ""),
        (12, "第12行 · ", ""),
    ];
    for (row, starts, contains) in expect {
        let text = error_of(row);
        assert!(
            text.starts_with(starts) && text.contains(contains),
            "row {row}: {text:?}"
        );
    }

    // The refused rows come back as a workbook with the reasons in front…
    let (status, _, bytes) = bytes_of(&client, &format!("{location}/errors.xlsx")).await;
    assert_eq!(status, StatusCode::OK);
    let (_, back) = read_xlsx(&bytes);
    assert_eq!(back[0][0], "错误原因");
    assert_eq!(back[1][0], "_errors");
    assert_eq!(back[1][1..], keys()[..]);
    assert_eq!(back.len(), 2 + 10);
    assert_eq!(back[2][1], "逗号镇");
    assert!(back[2][0].contains("计划固定资产投资总额"), "{:?}", back[2][0]);
    // …and uploading it again reads the same rows (the reason column is ignored).
    let (again, _) = preview(&client, "errors.xlsx", bytes).await;
    assert_eq!(
        again.text("#summary"),
        "共 10 行：有效 0 行，有误 10 行。确认前不会保存任何数据。"
    );
    assert!(!again.has("#confirm-form"), "nothing to confirm");
}

#[tokio::test]
async fn a_gbk_csv_with_chinese_headers_imports() {
    let app = TestApp::spawn().await;
    let client = app.login_as(Role::Official).await;
    let text = csv_bytes(&[headers_zh(), typed_cells(&sample_input("国标码小镇"))]);
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(std::str::from_utf8(&text).unwrap());
    assert!(!unmappable);
    assert!(std::str::from_utf8(&gbk).is_err(), "really GBK");
    let (page, location) = preview(&client, "旧版.csv", gbk.into_owned()).await;
    assert_eq!(page.texts("#import-rows td.name"), vec!["国标码小镇"]);
    assert_eq!(page.text("#import-rows .badge"), "合格");
    client.post(&format!("{location}/confirm"), &[]).await;
    assert_eq!(drafts(&app).await[0].name.as_deref(), Some("国标码小镇"));

    // UTF-8 with a BOM, canonical header.
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend(csv_bytes(&[keys(), typed_cells(&sample_input("带BOM小镇"))]));
    let (page, _) = preview(&client, "bom.csv", bom).await;
    assert_eq!(page.texts("#import-rows td.name"), vec!["带BOM小镇"]);
}

#[tokio::test]
async fn confirmation_is_all_or_nothing_and_only_for_the_owner() {
    let app = TestApp::spawn().await;
    let client = app.login_as(Role::Official).await;
    let rows = vec![
        keys(),
        typed_cells(&sample_input("一号镇")),
        typed_cells(&sample_input("二号镇")),
    ];
    let (_, location) = preview(&client, "two.csv", csv_bytes(&rows)).await;
    let id: i64 = location.rsplit('/').next().unwrap().parse().unwrap();

    // Another official (another region) sees nothing of it.
    app.create_user("other", Role::Official, Some("安丘市")).await;
    let other = app.client();
    other.login("other", crate::helpers::PASSWORD).await;
    assert_eq!(other.get(&location).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        other.post(&format!("{location}/confirm"), &[]).await.status,
        StatusCode::NOT_FOUND
    );
    let reviewer = app.login_as(Role::Reviewer).await;
    assert_eq!(reviewer.get("/proposals/import").await.status, StatusCode::FORBIDDEN);

    // The second row cannot be stored (tampered in the database): the first
    // must not be stored either.
    sqlx::query(
        "UPDATE imports SET rows = jsonb_set(rows, '{1,input,name}', to_jsonb(repeat('长', 150))) WHERE id = $1",
    )
    .bind(id)
    .execute(&app.db)
    .await
    .unwrap();
    let page = client.post(&format!("{location}/confirm"), &[]).await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(page.text("main").contains("未写入任何记录"));
    assert!(drafts(&app).await.is_empty(), "all or nothing");
    let status: String = sqlx::query_scalar("SELECT status FROM imports WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(status, "ready");
}

async fn export_csv(client: &Client, path: &str) -> Vec<Vec<String>> {
    let (status, headers, bytes) = bytes_of(client, path).await;
    assert_eq!(status, StatusCode::OK, "{path}");
    assert!(headers["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 with a BOM");
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(&bytes[3..]);
    reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

#[tokio::test]
async fn exports_hold_exactly_the_rows_of_the_filtered_list() {
    let app = TestApp::spawn().await;
    let official = app.official_of("zc", "诸城市").await;
    let other = app.official_of("aq", "安丘市").await;
    for i in 0..3 {
        app.draft(&official, &sample_input(&format!("诸城草稿{i}"))).await;
    }
    app.submitted(&official, &sample_input("诸城已申报")).await;
    app.submitted(&other, &sample_input("安丘已申报")).await;

    let client = app.client();
    client.login("zc", crate::helpers::PASSWORD).await;
    let list = client.get("/proposals").await;
    let listed = list.texts("#proposals tbody td:first-child");
    let rows = export_csv(&client, "/proposals/export.csv").await;
    assert_eq!(
        rows[0][..3],
        ["编号".to_string(), "小镇名称".into(), "申报县（市、区）".into()]
    );
    let names: Vec<String> = rows[1..].iter().map(|r| r[1].clone()).collect();
    assert_eq!(names, listed, "the official's export is their list, in order");
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        ["诸城已申报", "诸城草稿0", "诸城草稿1", "诸城草稿2"],
        "their region's 4, not 安丘's"
    );
    let (status, _, bytes) = bytes_of(&client, "/proposals/export.xlsx").await;
    assert_eq!(status, StatusCode::OK);
    let (_, sheet_rows) = read_xlsx(&bytes);
    assert_eq!(
        sheet_rows.iter().skip(1).map(|r| r[1].clone()).collect::<Vec<_>>(),
        listed
    );
    assert_eq!(
        sheet_rows[1..]
            .iter()
            .map(|r| r[4].clone())
            .filter(|s| *s == Status::Submitted.label(Lang::Zh))
            .count(),
        1
    );

    // Admins: region and status filters, as the list page takes them.
    let admin = app.login_as(Role::Admin).await;
    let all = export_csv(&admin, "/proposals/export.csv").await;
    assert_eq!(all.len(), 1 + 5);
    let region = official.region_id.unwrap();
    let filtered = export_csv(
        &admin,
        &format!("/proposals/export.csv?region={region}&status=submitted"),
    )
    .await;
    assert_eq!(
        filtered[1..].iter().map(|r| r[1].clone()).collect::<Vec<_>>(),
        vec!["诸城已申报"]
    );
    let drafts_only = export_csv(&admin, &format!("/proposals/export.csv?region={region}&status=draft")).await;
    let mut draft_names: Vec<String> = drafts_only[1..].iter().map(|r| r[1].clone()).collect();
    draft_names.sort();
    assert_eq!(draft_names, ["诸城草稿0", "诸城草稿1", "诸城草稿2"]);
    let listed_admin = admin.get(&format!("/proposals?region={region}")).await;
    assert_eq!(
        listed_admin.attr("#link-export-csv", "href").unwrap(),
        format!("/proposals/export.csv?&region={region}")
    );
}

#[tokio::test]
async fn importing_5000_rows_is_measured() {
    let app = TestApp::spawn().await;
    let client = app.login_as(Role::Official).await;
    let mut rows = vec![keys()];
    for i in 0..5000 {
        let mut input = if i % 3 == 0 {
            accelerated("x")
        } else {
            sample_input("x")
        };
        input.name = Some(format!("批量小镇{i:04}"));
        if i % 7 == 0 {
            input.investment.total_yi = Some("40".parse().unwrap());
        }
        rows.push(typed_cells(&input));
    }
    let headers = rows[..1].to_vec();
    let file = filled_workbook(&[headers[0].clone()], &rows[1..]);
    let size = file.len();
    let started = Instant::now();
    let page = upload(&client, "5000.xlsx", file).await;
    let uploaded = started.elapsed();
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let location = page.location().unwrap();
    let preview = ready(&client, &location).await;
    let checked = started.elapsed();
    assert!(
        preview.text("#summary").starts_with("共 5000 行"),
        "{}",
        preview.text("#summary")
    );
    let confirm_start = Instant::now();
    let done = client.post(&format!("{location}/confirm"), &[]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let confirmed = confirm_start.elapsed();
    let count: i64 =
        sqlx::query_scalar("SELECT count(*) FROM proposals WHERE status = 'draft' AND name LIKE '批量小镇%'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    // Rows i % 7 == 0 (0, 7, …, 4998: 715 of them) state a total of 40 亿元
    // whose years sum to more: refused row by row; the 4,285 others are
    // written as drafts.
    assert_eq!(count, 4285);
    println!(
        "IMPORT 5000 ROWS: file {size} bytes; upload+parse {uploaded:?}; parse+validate+evaluate+preview ready {checked:?}; \
         preview page {} bytes; confirm ({count} drafts, one transaction) {confirmed:?}",
        preview.body.len()
    );
}

#[tokio::test]
async fn the_review_queue_exports_exactly_its_filtered_rows() {
    let app = TestApp::spawn().await;
    let zc = app.official_of("zc", "诸城市").await;
    let aq = app.official_of("aq", "安丘市").await;
    for i in 0..3 {
        app.submitted(&zc, &sample_input(&format!("诸城{i}"))).await;
    }
    app.submitted(&aq, &sample_input("安丘一")).await;
    app.draft(&zc, &sample_input("草稿不在队列")).await;
    let reviewer = app.login_as(Role::Reviewer).await;
    let region = zc.region_id.unwrap();
    let by_name = format!("?region={region}&sort=name");
    for (query, mut expected) in [
        ("", vec!["安丘一", "诸城0", "诸城1", "诸城2"]),
        (by_name.as_str(), vec!["诸城0", "诸城1", "诸城2"]),
        ("?q=安丘", vec!["安丘一"]),
    ] {
        let shown = reviewer.get(&format!("/review{query}")).await.texts("#queue td.name");
        let mut sorted = shown.clone();
        if query.is_empty() {
            // The queue's own order (oldest first) is not the point here.
            sorted.sort();
            expected.sort();
        }
        assert_eq!(sorted, expected, "{query}");
        let rows = export_csv(&reviewer, &format!("/review/export.csv{query}")).await;
        assert_eq!(
            rows[1..].iter().map(|r| r[1].clone()).collect::<Vec<_>>(),
            shown,
            "{query}"
        );
        let (status, _, bytes) = bytes_of(&reviewer, &format!("/review/export.xlsx{query}")).await;
        assert_eq!(status, StatusCode::OK);
        let (_, sheet_rows) = read_xlsx(&bytes);
        assert_eq!(
            sheet_rows[1..].iter().map(|r| r[1].clone()).collect::<Vec<_>>(),
            shown,
            "{query}"
        );
    }
    let official = app.client();
    official.login("zc", crate::helpers::PASSWORD).await;
    assert_eq!(bytes_of(&official, "/review/export.csv").await.0, StatusCode::FORBIDDEN);
}

/// An official moved to another region between upload and confirmation:
/// nothing is written, to the old region or the new, and the page says why.
#[tokio::test]
async fn an_import_is_confirmed_only_into_the_officials_region_at_confirmation() {
    let app = TestApp::spawn().await;
    let client = app.login_as(Role::Official).await;
    let mut input = sample_input("迁区镇");
    input.region = None;
    let rows = vec![keys(), typed_cells(&input)];
    let (_, location) = preview(&client, "one.csv", csv_bytes(&rows)).await;

    let admin = app.create_user("boss", Role::Admin, None).await;
    let official: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'official1'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let mut conn = app.db.acquire().await.unwrap();
    let elsewhere = xiaozhen::db::regions::ensure(&mut conn, "青州市").await.unwrap().id;
    drop(conn);
    xiaozhen::services::users::change_role(&app.db, admin, official, Role::Official, Some(elsewhere))
        .await
        .unwrap();

    let page = client.post(&format!("{location}/confirm"), &[]).await;
    assert_eq!(page.status, StatusCode::CONFLICT, "{}", page.body);
    assert!(page.text("main").contains("所属地区已变更"), "{}", page.body);
    assert!(drafts(&app).await.is_empty(), "nothing written to either region");

    // Uploaded again, the file is checked against the new region and filed
    // there.
    let (_, again) = preview(&client, "one.csv", csv_bytes(&rows)).await;
    assert_eq!(
        client.post(&format!("{again}/confirm"), &[]).await.status,
        StatusCode::SEE_OTHER
    );
    let regions: Vec<String> =
        sqlx::query_scalar("SELECT r.name FROM proposals p JOIN regions r ON r.id = p.region_id")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(regions, ["青州市"]);
}
