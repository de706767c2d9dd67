//! Annual reports imported from the XLSX template (issue 11): the template
//! lists exactly the official's region's towns in their creation period; a
//! good file is saved with the form's audit rows; a file with any wrong row
//! saves nothing and names every error by row and column; files that are
//! not XLSX, other regions' towns and other roles are refused clearly.

use std::io::Cursor;

use calamine::Reader;
use reqwest::StatusCode;
use xiaozhen::domain::Lang;
use xiaozhen::domain::Role;
use xiaozhen::domain::creation;
use xiaozhen::xlsx::reports as sheet;

use crate::creation::{listed, post, report};
use crate::helpers::{Client, PASSWORD, Page, TestApp, sample_input};
use crate::spreadsheets::{bytes_of, filled_workbook, read_xlsx};

const IMPORT: &str = "/proposals/reports/import";
const TEMPLATE: &str = "/proposals/reports/template.xlsx";

/// Uploads `bytes` as the import form does (multipart, token in the query).
async fn upload(client: &Client, filename: &str, bytes: Vec<u8>) -> Page {
    let token = client.csrf().await;
    upload_with_token(client, &token, filename, bytes).await
}

async fn upload_with_token(client: &Client, token: &str, filename: &str, bytes: Vec<u8>) -> Page {
    client.upload_file(IMPORT, token, filename, bytes).await
}

struct World {
    app: TestApp,
    /// 诸城市's listed towns, its draft, and 青州市's listed town.
    tea: i64,
    dino: i64,
    draft: i64,
    other: i64,
    official: Client,
    official_b: Client,
    reviewer_id: i64,
}

async fn world() -> World {
    let app = TestApp::spawn().await;
    crate::creation::on_completion_bands(&app).await;
    let a = app.official_of("official-a", "诸城市").await;
    let b = app.official_of("official-b", "青州市").await;
    let reviewer = app.create_user("reviewer-a", Role::Reviewer, None).await;
    let admin = app.create_user("admin-a", Role::Admin, None).await;
    let tea = listed(&app, &a, reviewer, admin, "茶叶小镇").await;
    let dino = listed(&app, &a, reviewer, admin, "恐龙小镇").await;
    let other = listed(&app, &b, reviewer, admin, "青州花卉小镇").await;
    let draft = app.draft(&a, &sample_input("草稿小镇")).await;
    let (official, official_b) = (app.client(), app.client());
    assert_eq!(
        official.login("official-a", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        official_b.login("official-b", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    World {
        app,
        tea,
        dino,
        draft,
        other,
        official,
        official_b,
        reviewer_id: reviewer,
    }
}

/// The template's two header rows.
fn headers() -> Vec<Vec<String>> {
    let cols = sheet::columns();
    vec![
        cols.iter().map(|c| c.bilingual()).collect(),
        cols.iter().map(|c| c.key.to_string()).collect(),
    ]
}

/// A filled row: the town, the year, `total` 亿元 and the usual figures
/// (1000 万元 new tax, 400 of it the province's), with `changes`.
fn row(id: i64, name: &str, year: &str, total: &str, changes: &[(&str, &str)]) -> Vec<String> {
    let form = report(year, "", total);
    sheet::columns()
        .iter()
        .map(|c| {
            if let Some((_, v)) = changes.iter().find(|(k, _)| *k == c.key) {
                return v.to_string();
            }
            match c.key {
                sheet::ID => id.to_string(),
                sheet::TOWN => name.to_string(),
                creation::APP => "是".to_string(),
                creation::LIVING_ROOM => "否".to_string(),
                key => form
                    .iter()
                    .find(|(k, _)| *k == key)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default(),
            }
        })
        .collect()
}

fn workbook(rows: &[Vec<String>]) -> Vec<u8> {
    filled_workbook(&headers(), rows)
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.db).await.unwrap()
}

async fn audit_count(app: &TestApp, action: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = $1")
        .bind(action)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

/// (row, column, message) of every error the page lists.
fn row_errors(page: &Page) -> Vec<(String, String, String)> {
    let rows = page.texts("#import-errors tr.row-error .where");
    let columns = page.texts("#import-errors tr.row-error .column");
    let messages = page.texts("#import-errors tr.row-error .what");
    rows.into_iter()
        .zip(columns)
        .zip(messages)
        .map(|((r, c), m)| (r, c, m))
        .collect()
}

fn header(key: &str, lang: Lang) -> String {
    sheet::columns().iter().find(|c| c.key == key).unwrap().header(lang)
}

#[tokio::test]
async fn the_template_lists_exactly_the_officials_region_towns_in_their_creation_period() {
    let w = world().await;
    let page = w.official.get(&format!("/proposals/{}/reports", w.tea)).await;
    assert_eq!(page.attr("#link-reports-template", "href").as_deref(), Some(TEMPLATE));
    assert_eq!(page.attr("#link-reports-import", "href").as_deref(), Some(IMPORT));

    let (status, response_headers, bytes) = bytes_of(&w.official, TEMPLATE).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        response_headers["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(
        response_headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains("annual-reports-template.xlsx")
    );
    let (sheets, rows) = read_xlsx(&bytes);
    assert_eq!(sheets, vec!["年度报告 Annual reports", "填写说明 Notes"]);
    assert_eq!(rows[0][0], "编号\nNo.");
    assert_eq!(rows[0][2], "年度\nYear");
    assert!(
        rows[0]
            .contains(&"其中：上交省财政部分（万元）\nOf which paid to the province (ten-thousand yuan)".to_string()),
        "{:?}",
        rows[0]
    );
    assert_eq!(rows[1][0], "proposal_id");
    assert_eq!(rows[1].len(), sheet::columns().len());
    // One row per town of 诸城市 in its creation period: not the draft, not
    // 青州市's town; the year and every figure left empty.
    let mut towns: Vec<(String, String)> = rows[2..].iter().map(|r| (r[0].clone(), r[1].clone())).collect();
    towns.sort();
    let mut expected = vec![
        (w.tea.to_string(), "茶叶小镇".to_string()),
        (w.dino.to_string(), "恐龙小镇".to_string()),
    ];
    expected.sort();
    assert_eq!(towns, expected);
    assert!(rows[2..].iter().all(|r| r[2..].iter().all(String::is_empty)));
    assert!(
        !rows
            .iter()
            .flatten()
            .any(|c| c.contains("草稿小镇") || c.contains("青州"))
    );

    // The notes sheet explains the units, in both languages.
    let mut book = calamine::Xlsx::new(Cursor::new(bytes)).unwrap();
    let notes = book.worksheet_range_at(1).unwrap().unwrap();
    let text: String = notes.rows().flatten().map(|c| c.to_string() + "\n").collect();
    for needle in [
        "亿元",
        "万元",
        "亩",
        "hundred-million yuan",
        "ten-thousand yuan",
        "不能大于新增税收",
    ] {
        assert!(text.contains(needle), "the notes name {needle}:\n{text}");
    }

    // 青州市's official gets their own town only.
    let (_, _, bytes) = bytes_of(&w.official_b, TEMPLATE).await;
    let (_, rows) = read_xlsx(&bytes);
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[2][..2], [w.other.to_string(), "青州花卉小镇".to_string()]);
}

#[tokio::test]
async fn a_good_file_is_imported_with_its_audit_rows_and_shows_on_the_reports_page() {
    let w = world().await;
    // 2022 of the tea town reported on the form, not yet graded: the file
    // replaces it.
    let form_path = format!("/proposals/{}/reports", w.tea);
    assert_eq!(
        post(&w.official, &form_path, &report("2022", "", "14")).await.status,
        StatusCode::SEE_OTHER
    );
    let file = workbook(&[
        // The file's order does not matter: 2023 before 2022.
        row(w.tea, "茶叶小镇", "2023", "20", &[(creation::PROVINCE_TAX, "250.5")]),
        row(w.tea, "茶叶小镇", "2022", "15", &[]),
        row(w.dino, "恐龙小镇", "2022", "13.5", &[(creation::APP, "否")]),
        // Left as downloaded: not imported, counted.
        vec![w.dino.to_string(), "恐龙小镇".to_string()],
    ]);
    let page = upload(&w.official, "年度报告.xlsx", file).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let location = page.location().unwrap();
    assert!(location.starts_with("/proposals/reports/import?done="), "{location}");
    let done = w.official.get(&location).await;
    assert_eq!(done.status, StatusCode::OK);
    assert_eq!(
        done.text("#import-done p"),
        "已导入 3 份年度报告（新增 2 份，修改 1 份）。"
    );
    assert_eq!(done.text("#untouched"), "另有 1 行未填写数据，未导入。");
    let lines = done.texts("#imported tr.imported");
    assert_eq!(lines.len(), 3);
    assert_eq!(
        done.attr("#imported tr.imported a", "href").as_deref(),
        Some(form_path.as_str())
    );
    assert_eq!(done.texts("#imported .action"), vec!["新增", "修改", "新增"]);

    // The reports page shows them; the province's share was kept exactly.
    let page = w.official.get(&form_path).await;
    let heads = page.texts("#reports thead th");
    let total = heads
        .iter()
        .position(|h| h == "本年完成固定资产投资（亿元）")
        .expect("a column for the total");
    let province = heads.iter().position(|h| h == "其中：上交省财政部分（万元）").unwrap();
    let cells_of = |year: &str| page.texts(&format!("#reports tr.report[data-year='{year}'] > *"));
    assert_eq!(cells_of("2022")[total], "15");
    assert_eq!(cells_of("2023")[province], "250.5");
    let app: bool = sqlx::query_scalar("SELECT public_service_app FROM annual_reports WHERE proposal_id = $1")
        .bind(w.dino)
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    assert!(!app, "否 is an unticked box");

    // The same audit rows as form saves, and one for the import.
    assert_eq!(audit_count(&w.app, "creation.report_created").await, 3);
    assert_eq!(audit_count(&w.app, "creation.report_updated").await, 1);
    assert_eq!(audit_count(&w.app, "creation.reports_imported").await, 1);
    let actor: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log a JOIN users u ON u.id = a.actor_id
         WHERE u.username = 'official-a' AND a.action LIKE 'creation.report%'",
    )
    .fetch_one(&w.app.db)
    .await
    .unwrap();
    assert_eq!(actor, 5);
    // Someone else's import result is not shown.
    assert!(!w.official_b.get(&location).await.has("#import-done"));

    // Importing a year again replaces it while it is not graded.
    let again = workbook(&[row(w.tea, "茶叶小镇", "2022", "16", &[])]);
    assert_eq!(
        upload(&w.official, "again.xlsx", again).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        count(&w.app, "SELECT count(*) FROM annual_reports").await,
        3,
        "an editable year is replaced, not added"
    );
}

#[tokio::test]
async fn one_wrong_row_imports_nothing_and_every_error_is_named_by_row_and_column() {
    let w = world().await;
    // The dinosaur town's 2022 is reported and graded: locked.
    let dino_path = format!("/proposals/{}/reports", w.dino);
    post(&w.official, &dino_path, &report("2022", "", "14")).await;
    let reviewer = w.app.user(w.reviewer_id).await;
    xiaozhen::services::creation::confirm_grade(&w.app.db, &reviewer, w.dino, 2022, Some(creation::Grade::Good), "")
        .await
        .unwrap();
    let reports_before = count(&w.app, "SELECT count(*) FROM annual_reports").await;
    let audit_before = count(&w.app, "SELECT count(*) FROM audit_log").await;

    let file = workbook(&[
        // Row 3: right.
        row(w.tea, "茶叶小镇", "2022", "14", &[]),
        // Row 4: a negative number.
        row(w.tea, "茶叶小镇", "2023", "-5", &[]),
        // Row 5: text in a number cell.
        row(w.dino, "恐龙小镇", "2023", "12", &[(creation::JOBS, "很多")]),
        // Row 6: more paid to the province than the new tax.
        row(w.tea, "茶叶小镇", "2024", "10", &[(creation::PROVINCE_TAX, "1200")]),
        // Row 7: a town of another region.
        row(w.other, "青州花卉小镇", "2022", "14", &[]),
        // Row 8: a graded year.
        row(w.dino, "恐龙小镇", "2022", "15", &[]),
        // Row 9: a town of this region not in its creation period.
        row(w.draft, "草稿小镇", "2022", "14", &[]),
    ]);
    let page = upload(&w.official, "bad.xlsx", file.clone()).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", page.body);
    assert_eq!(
        page.text("#import-refused"),
        "文件中有 6 处错误，未导入任何数据。请按下表修改后重新上传："
    );
    let errors = row_errors(&page);
    let zh = |key| header(key, Lang::Zh);
    assert_eq!(
        errors,
        vec![
            (
                "第4行".to_string(),
                zh(creation::TOTAL),
                "本年完成固定资产投资不能为负数".to_string()
            ),
            (
                "第5行".to_string(),
                zh(creation::JOBS),
                "请填写数字，例如 3000（不要带单位或逗号）".to_string()
            ),
            (
                "第6行".to_string(),
                zh(creation::PROVINCE_TAX),
                "上交省财政部分（1200 万元）不能大于本年新增税收（1000 万元）".to_string()
            ),
            (
                "第7行".to_string(),
                "编号".to_string(),
                format!("编号 {} 不是本地区处于创建期的小镇，不能填报", w.other)
            ),
            (
                "第8行".to_string(),
                "年度".to_string(),
                "2022 年度报告已考核（锁定），不能再修改".to_string()
            ),
            (
                "第9行".to_string(),
                "编号".to_string(),
                format!("编号 {} 不是本地区处于创建期的小镇，不能填报", w.draft)
            ),
        ]
    );
    assert!(
        !page.has("#import-errors tr[data-row='3']"),
        "the right row has no error"
    );
    // Nothing stored, not even the right row; no audit row.
    assert_eq!(
        count(&w.app, "SELECT count(*) FROM annual_reports").await,
        reports_before
    );
    assert_eq!(count(&w.app, "SELECT count(*) FROM audit_log").await, audit_before);
    assert_eq!(
        count(&w.app, "SELECT count(*) FROM annual_reports WHERE proposal_id IN (SELECT id FROM proposals WHERE name = '青州花卉小镇')").await,
        0
    );

    // The same errors in English.
    w.official.get("/lang/en").await;
    let page = upload(&w.official, "bad.xlsx", file).await;
    let errors = row_errors(&page);
    assert_eq!(errors.len(), 6);
    assert_eq!(
        errors[3],
        (
            "Row 7".to_string(),
            "No.".to_string(),
            format!("No. {} is not a town of your region in its creation period", w.other)
        )
    );
    assert_eq!(errors[2].1, "Of which paid to the province (ten-thousand yuan)");
    assert_eq!(errors[4].2, "The 2022 report is graded (locked) and cannot be changed");
    w.official.get("/lang/zh").await;

    // A mistyped name, a bad 是/否, a repeated town and year, a missing year.
    let file = workbook(&[
        row(w.tea, "恐龙小镇", "2022", "14", &[]),
        row(w.dino, "恐龙小镇", "2024", "14", &[(creation::APP, "也许")]),
        row(w.dino, "恐龙小镇", "2023", "14", &[]),
        row(w.dino, "恐龙小镇", "2023", "15", &[]),
        row(w.dino, "恐龙小镇", "", "14", &[]),
    ]);
    let page = upload(&w.official, "bad2.xlsx", file).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        row_errors(&page),
        vec![
            (
                "第3行".to_string(),
                "小镇名称".to_string(),
                format!("小镇名称与编号 {} 的小镇（茶叶小镇）不符，请核对是否填错行", w.tea)
            ),
            ("第4行".to_string(), zh(creation::APP), "请填写“是”或“否”".to_string()),
            (
                "第6行".to_string(),
                "年度".to_string(),
                "与第 5 行是同一小镇的同一年度".to_string()
            ),
            ("第7行".to_string(), "年度".to_string(), "请填写年度".to_string()),
        ]
    );
    assert_eq!(
        count(&w.app, "SELECT count(*) FROM annual_reports").await,
        reports_before
    );
}

#[tokio::test]
async fn files_that_are_not_a_filled_xlsx_template_are_refused_clearly() {
    let w = world().await;
    let refused = |page: &Page| {
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", page.body);
        page.text("#import-error")
    };
    let csv = format!("proposal_id,year,{}\n{},2022,14\n", creation::TOTAL, w.tea).into_bytes();
    assert_eq!(
        refused(&upload(&w.official, "reports.csv", csv).await),
        "该文件不是 Excel（.xlsx）文件，未导入任何数据。请使用下载的年度报告模板，保存为 .xlsx 后上传。"
    );
    let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR".to_vec();
    assert!(refused(&upload(&w.official, "photo.xlsx", png).await).contains("不是 Excel（.xlsx）文件"));
    assert!(refused(&upload(&w.official, "broken.xlsx", b"PK\x03\x04broken".to_vec()).await).contains("已损坏"));
    assert!(refused(&upload(&w.official, "empty.xlsx", Vec::new()).await).contains("未收到文件"));
    // The template as downloaded: no figures.
    let (_, _, template) = bytes_of(&w.official, TEMPLATE).await;
    assert!(refused(&upload(&w.official, "template.xlsx", template).await).contains("没有填写任何年度数据"));
    // Larger than the limit.
    let big = vec![b'x'; xiaozhen::services::spreadsheets::MAX_BYTES + 1];
    assert!(refused(&upload(&w.official, "big.xlsx", big).await).contains("10 MB"));
    // A spreadsheet that is not the template.
    let other = filled_workbook(&[vec!["名称".into(), "颜色".into()]], &[vec!["x".into(), "红".into()]]);
    assert!(refused(&upload(&w.official, "other.xlsx", other).await).contains("未找到列名行"));
    // In English too.
    w.official.get("/lang/en").await;
    let csv = b"a,b\n1,2\n".to_vec();
    assert!(refused(&upload(&w.official, "reports.csv", csv).await).starts_with("This is not an Excel (.xlsx) file"));
    // Without the CSRF token: refused before anything is read.
    let file = workbook(&[row(w.tea, "茶叶小镇", "2022", "14", &[])]);
    assert_eq!(
        upload_with_token(&w.official, "wrong", "r.xlsx", file).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(count(&w.app, "SELECT count(*) FROM annual_reports").await, 0);
    assert_eq!(audit_count(&w.app, "creation.reports_imported").await, 0);
}

#[tokio::test]
async fn another_regions_official_a_reviewer_and_an_admin_cannot_import_a_regions_reports() {
    let w = world().await;
    let file = workbook(&[row(w.tea, "茶叶小镇", "2022", "14", &[])]);
    // 青州市's official naming 诸城市's town: a row error, nothing stored.
    let page = upload(&w.official_b, "r.xlsx", file.clone()).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        row_errors(&page),
        vec![(
            "第3行".to_string(),
            "编号".to_string(),
            format!("编号 {} 不是本地区处于创建期的小镇，不能填报", w.tea)
        )]
    );
    assert!(!page.body.contains("茶叶小镇"), "the other region's town is not named");
    for role in [Role::Reviewer, Role::Admin] {
        let client = w.app.login_as(role).await;
        assert_eq!(client.get(TEMPLATE).await.status, StatusCode::FORBIDDEN, "{role:?}");
        assert_eq!(client.get(IMPORT).await.status, StatusCode::FORBIDDEN, "{role:?}");
        assert_eq!(
            upload(&client, "r.xlsx", file.clone()).await.status,
            StatusCode::FORBIDDEN,
            "{role:?}"
        );
    }
    let anonymous = w.app.client();
    let page = anonymous.get(IMPORT).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert!(page.location().unwrap().starts_with("/login"));
    assert_eq!(count(&w.app, "SELECT count(*) FROM annual_reports").await, 0);
}

async fn user_named(app: &TestApp, username: &str) -> xiaozhen::auth::User {
    let id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
        .bind(username)
        .fetch_one(&app.db)
        .await
        .unwrap();
    app.user(id).await
}

fn figures(total: &str) -> creation::AnnualFigures {
    let pairs: Vec<(String, String)> = report("", "", total)
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    creation::AnnualFigures::from_form(&pairs).unwrap()
}

#[tokio::test]
async fn a_removed_towns_row_is_a_row_error_and_the_template_leaves_it_out() {
    use xiaozhen::services::creation::{self as service, ListKind};
    let w = world().await;
    let official = user_named(&w.app, "official-a").await;
    let admin = user_named(&w.app, "admin-a").await;
    let reviewer = w.app.user(w.reviewer_id).await;
    let region = official.region_id.unwrap();
    // A third town of 诸城市 stays in its creation period.
    let car = listed(&w.app, &official, w.reviewer_id, admin.id, "汽车动力小镇").await;
    // The tea town is 淘汰: 降格 in 2022 (5 of 14), then, a cultivation
    // town, below 合格 in 2023 (15 of 36); both years published.
    for (year, total, grade) in [
        (2022, "5", creation::Grade::Demoted),
        (2023, "10", creation::Grade::Removed),
    ] {
        service::save_report(&w.app.db, &official, region, w.tea, year, None, &figures(total))
            .await
            .unwrap();
        service::confirm_grade(&w.app.db, &reviewer, w.tea, year, Some(grade), "")
            .await
            .unwrap();
        service::publish(&w.app.db, &admin, ListKind::Grades, year)
            .await
            .unwrap();
    }
    // The dinosaur town is withdrawn by a batch.
    let list: i64 = sqlx::query_scalar("SELECT batch_id FROM batch_entries WHERE proposal_id = $1")
        .bind(w.dino)
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    let batch = xiaozhen::services::batches::create_withdrawal_batch(&w.app.db, admin.id, list, "退出名单", "")
        .await
        .unwrap();
    xiaozhen::services::batches::add_entry(&w.app.db, admin.id, batch, w.dino, "违规用地")
        .await
        .unwrap();
    xiaozhen::services::batches::publish(&w.app.db, admin.id, batch)
        .await
        .unwrap();
    for id in [w.tea, w.dino] {
        assert_eq!(crate::batches::status_of(&w.app, id).await, "removed");
    }

    // The template lists only the town still in its period.
    let (_, _, bytes) = bytes_of(&w.official, TEMPLATE).await;
    let (_, rows) = read_xlsx(&bytes);
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(rows[2][..2], [car.to_string(), "汽车动力小镇".to_string()]);

    // A file naming them all the same: a row error each (not a 409 page,
    // not a 500), the right row not saved either.
    let reports_before = count(&w.app, "SELECT count(*) FROM annual_reports").await;
    let audit_before = count(&w.app, "SELECT count(*) FROM audit_log").await;
    let file = workbook(&[
        row(w.tea, "茶叶小镇", "2024", "26", &[]),
        row(w.dino, "恐龙小镇", "2022", "14", &[]),
        // The car town's 2022 and 2023 were graded 未按时报送 when those
        // years were published: its row is for 2024.
        row(car, "汽车动力小镇", "2024", "14", &[]),
    ]);
    let page = upload(&w.official, "removed.xlsx", file.clone()).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", page.body);
    assert_eq!(
        page.text("#import-refused"),
        "文件中有 2 处错误，未导入任何数据。请按下表修改后重新上传："
    );
    let removed = |id: i64| format!("编号 {id} 的小镇已退出创建名单（年度考核淘汰或退出名单批次），不再填报年度报告");
    assert_eq!(
        row_errors(&page),
        vec![
            ("第3行".to_string(), "编号".to_string(), removed(w.tea)),
            ("第4行".to_string(), "编号".to_string(), removed(w.dino)),
        ]
    );
    assert_eq!(
        count(&w.app, "SELECT count(*) FROM annual_reports").await,
        reports_before
    );
    assert_eq!(count(&w.app, "SELECT count(*) FROM audit_log").await, audit_before);
    w.official.get("/lang/en").await;
    let page = upload(&w.official, "removed.xlsx", file).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        row_errors(&page)[1].2,
        format!(
            "Town no. {} has been removed from the creation list (graded Removed, or withdrawn by a batch) and reports no more",
            w.dino
        )
    );
    assert_eq!(
        count(&w.app, "SELECT count(*) FROM annual_reports").await,
        reports_before
    );
}
