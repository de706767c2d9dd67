//! Application materials (申报材料): every accepted kind stored and served
//! with safe headers, every other file refused beside its field with
//! nothing stored, deduplication, the freeze at submission and the change
//! list on resubmission, access and auditing, and the material criteria.

use std::io::Write;

use reqwest::StatusCode;
use xiaozhen::domain::Role;
use xiaozhen::services::materials::sample_pdf;
use xiaozhen::services::reviews::{Decision, DecisionInput};

use crate::helpers::{Client, PASSWORD, Page, TestApp, sample_input};
use crate::spreadsheets::bytes_of;

/// (field, file name, bytes) of a multipart file.
type FilePart<'a> = (&'a str, &'a str, Vec<u8>);

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0";
const JPEG: &[u8] = b"\xff\xd8\xff\xe0\0\x10JFIF\0\x01\x01\0\0\x01\0\x01\0\0\xff\xd9";

/// A minimal Office file: its content types naming the main part, and the part.
fn office(main: &str, content_type: &str) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let o = zip::write::SimpleFileOptions::default();
    zip.start_file("[Content_Types].xml", o).unwrap();
    write!(
        zip,
        r#"<Types><Override PartName="/{main}" ContentType="application/vnd.openxmlformats-officedocument.{content_type}"/></Types>"#
    )
    .unwrap();
    zip.start_file(main, o).unwrap();
    zip.write_all(b"<x/>").unwrap();
    zip.finish().unwrap().into_inner()
}

fn docx() -> Vec<u8> {
    office("word/document.xml", "wordprocessingml.document.main+xml")
}

fn pptx() -> Vec<u8> {
    office("ppt/presentation.xml", "presentationml.presentation.main+xml")
}

fn corpus(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/corpus/hostile/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// Posts files as the materials form does: one multipart field per type.
pub(crate) async fn upload(client: &Client, id: i64, files: Vec<(&str, &str, Vec<u8>)>) -> Page {
    let token = client.csrf().await;
    let mut form = reqwest::multipart::Form::new();
    for (field, name, bytes) in files {
        form = form.part(
            field.to_string(),
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
        );
    }
    let response = client
        .http
        .post(format!("{}/proposals/{id}/materials?csrf_token={token}", client.base))
        .multipart(form)
        .send()
        .await
        .expect("upload");
    Client::page(response).await
}

async fn count(app: &TestApp, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
        .fetch_one(&app.db)
        .await
        .unwrap()
}

/// (uploads, stored contents, chunks): what an upload may add.
async fn stored(app: &TestApp) -> (i64, i64, i64) {
    (
        count(app, "materials").await,
        count(app, "material_files").await,
        count(app, "material_chunks").await,
    )
}

/// The id of the proposal's current material of `kind`.
async fn material_id(app: &TestApp, id: i64, kind: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM materials WHERE proposal_id = $1 AND material_type = $2 AND retired_at IS NULL")
        .bind(id)
        .bind(kind)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

async fn official_with_draft(app: &TestApp) -> (Client, xiaozhen::auth::User, i64) {
    let official = app.official_of("official-a", "诸城市").await;
    let id = app.draft(&official, &sample_input("材料小镇")).await;
    let client = app.client();
    client.login("official-a", PASSWORD).await;
    (client, official, id)
}

#[tokio::test]
async fn every_accepted_kind_is_stored_and_served_as_a_safe_download() {
    let app = TestApp::spawn().await;
    let (client, _, id) = official_with_draft(&app).await;
    let xlsx = bytes_of(&client, "/proposals/template.xlsx").await.2;
    let pdf = sample_pdf("concept plan");
    let files = vec![
        ("concept_plan", "规划及布局图 (2026).pdf", pdf.clone()),
        ("investment_plan", "分年度投资计划表.xlsx", xlsx.clone()),
        ("developer_profile", "主体.png", PNG.to_vec()),
        ("support_policy", "扶持政策.JPG", JPEG.to_vec()),
        ("basic_info", "基本情况表.docx", docx()),
    ];
    let page = upload(&client, id, files).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(
        page.location().as_deref(),
        Some(format!("/proposals/{id}/materials").as_str())
    );
    let list = client.get(&format!("/proposals/{id}/materials")).await;
    assert_eq!(list.status, StatusCode::OK);
    for name in [
        "规划及布局图 (2026).pdf",
        "分年度投资计划表.xlsx",
        "主体.png",
        "扶持政策.JPG",
        "基本情况表.docx",
    ] {
        assert!(
            list.texts(".material-download").iter().any(|t| t == name),
            "{name} listed"
        );
    }
    assert!(
        client
            .get(&format!("/proposals/{id}"))
            .await
            .text("#materials-panel")
            .contains("规划及布局图 (2026).pdf")
    );

    let pdf_id = material_id(&app, id, "concept_plan").await;
    let (status, headers, body) = bytes_of(&client, &format!("/proposals/{id}/materials/{pdf_id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, pdf, "the same bytes back");
    assert_eq!(headers["content-type"], "application/pdf");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["content-security-policy"], "sandbox");
    assert_eq!(
        headers["content-disposition"],
        "attachment; filename=\"______ (2026).pdf\"; \
         filename*=UTF-8''%E8%A7%84%E5%88%92%E5%8F%8A%E5%B8%83%E5%B1%80%E5%9B%BE%20%282026%29.pdf"
    );
    let xlsx_id = material_id(&app, id, "investment_plan").await;
    let (_, headers, body) = bytes_of(&client, &format!("/proposals/{id}/materials/{xlsx_id}")).await;
    assert_eq!(body, xlsx);
    assert_eq!(
        headers["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    // Images and PDFs inline, sandboxed; anything else stays a download.
    let png_id = material_id(&app, id, "developer_profile").await;
    let (status, headers, body) = bytes_of(&client, &format!("/proposals/{id}/materials/{png_id}/inline")).await;
    assert_eq!((status, body.as_slice()), (StatusCode::OK, PNG));
    assert!(headers["content-disposition"].to_str().unwrap().starts_with("inline;"));
    assert_eq!(headers["content-security-policy"], "sandbox");
    assert_eq!(headers["content-type"], "image/png");
    let (_, headers, _) = bytes_of(&client, &format!("/proposals/{id}/materials/{xlsx_id}/inline")).await;
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;")
    );
    let preview = client.get(&format!("/proposals/{id}/materials/{pdf_id}/preview")).await;
    assert_eq!(preview.status, StatusCode::OK);
    assert!(
        preview
            .attr("#pdf-viewer", "data-lib")
            .unwrap()
            .contains("/vendor/pdfjs/pdf.min.mjs")
    );
    let lib = client.get(&preview.attr("#pdf-viewer", "data-lib").unwrap()).await;
    assert_eq!(lib.status, StatusCode::OK, "pdf.js is served from this site");

    // Replacing: the new file is current, the old one stays retired.
    let page = upload(&client, id, vec![("basic_info", "基本情况表.pptx", pptx())]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(count(&app, "materials").await, 6);
    let list = client.get(&format!("/proposals/{id}/materials")).await;
    assert!(list.texts(".material-download").iter().any(|t| t == "基本情况表.pptx"));
    assert!(!list.body.contains("基本情况表.docx"));
    // Removing.
    let remove = client
        .post(&format!("/proposals/{id}/materials/{png_id}/remove"), &[])
        .await;
    assert_eq!(remove.status, StatusCode::SEE_OTHER);
    let list = client.get(&format!("/proposals/{id}/materials")).await;
    assert!(!list.body.contains("主体.png"));
    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE entity = 'proposal' AND action LIKE 'material.%' ORDER BY id",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(actions.iter().filter(|a| *a == "material.uploaded").count(), 5);
    assert!(actions.contains(&"material.replaced".to_string()) && actions.contains(&"material.removed".to_string()));
}

#[tokio::test]
async fn hostile_and_wrong_files_are_refused_beside_their_field_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let (client, _, id) = official_with_draft(&app).await;
    let mut big = sample_pdf("big");
    big.resize(20 * 1024 * 1024 + 1, b' ');
    let cases: Vec<(&str, Vec<FilePart>, &str)> = vec![
        (
            "text named .pdf",
            vec![("concept_plan", "plan.pdf", b"just some text".to_vec())],
            "不支持的文件类型",
        ),
        (
            "renamed exe",
            vec![("concept_plan", "规划.pdf", b"MZ\x90\0\x03\0\0\0\x04\0PE\0\0".to_vec())],
            "不支持的文件类型",
        ),
        (
            "a PNG named .pdf",
            vec![("concept_plan", "plan.pdf", PNG.to_vec())],
            "文件内容是 PNG",
        ),
        (
            "a PDF named .exe",
            vec![("concept_plan", "setup.exe", sample_pdf("x"))],
            "“.exe”",
        ),
        (
            "old Excel",
            vec![("investment_plan", "表.xls", corpus("old_format.xls"))],
            "旧版",
        ),
        (
            "zip bomb",
            vec![("basic_info", "情况表.docx", corpus("gigabyte_bomb.xlsx"))],
            "解压后过大",
        ),
        (
            "zip64 entry count",
            vec![("basic_info", "情况表.docx", corpus("zip64_entry_count.xlsx"))],
            "条目过多",
        ),
        (
            "plain zip",
            vec![("basic_info", "a.docx", {
                let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
                z.start_file("a.txt", zip::write::SimpleFileOptions::default()).unwrap();
                z.finish().unwrap().into_inner()
            })],
            "不支持的文件类型",
        ),
        ("empty file", vec![("concept_plan", "a.pdf", Vec::new())], "文件是空的"),
        ("no file chosen", vec![("concept_plan", "", Vec::new())], "请选择"),
        ("over 20 MB", vec![("concept_plan", "big.pdf", big)], "超过 20 MB"),
        (
            "two files for one type",
            vec![
                ("concept_plan", "a.pdf", sample_pdf("a")),
                ("concept_plan", "b.pdf", sample_pdf("b")),
            ],
            "一次最多上传 5 个文件",
        ),
        (
            "six files",
            {
                let mut v: Vec<(&str, &str, Vec<u8>)> = [
                    "concept_plan",
                    "investment_plan",
                    "developer_profile",
                    "support_policy",
                    "basic_info",
                ]
                .into_iter()
                .map(|t| (t, "a.pdf", sample_pdf(t)))
                .collect();
                v.push(("basic_info", "b.pdf", sample_pdf("extra")));
                v
            },
            "一次最多上传 5 个文件",
        ),
        (
            "no type",
            vec![("whatever", "a.pdf", sample_pdf("a"))],
            "未指明材料类别",
        ),
    ];
    for (what, files, message) in cases {
        let page = upload(&client, id, files).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{what}: {}", page.status);
        assert!(
            page.text("#materials-errors").contains(message) || page.body.contains(message),
            "{what}: {}",
            page.text("main")
        );
        assert_eq!(count(&app, "materials").await, 0, "{what}: nothing stored");
        assert_eq!(count(&app, "material_files").await, 0, "{what}");
    }
    // One bad file keeps the good one out too, and says which field.
    let page = upload(
        &client,
        id,
        vec![
            ("concept_plan", "ok.pdf", sample_pdf("ok")),
            ("support_policy", "bad.pdf", b"<html>".to_vec()),
        ],
    )
    .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.text("#error-support_policy").contains("不支持的文件类型"));
    assert!(!page.has("#error-concept_plan"));
    assert_eq!(count(&app, "materials").await, 0);
    // A path in the name leaves only its last part.
    let page = upload(
        &client,
        id,
        vec![("concept_plan", "../../etc/passwd.pdf", sample_pdf("p"))],
    )
    .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let name: String = sqlx::query_scalar("SELECT file_name FROM materials")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(name, "passwd.pdf");
    assert_eq!(client.get("/healthz").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_file_uploaded_twice_is_stored_once() {
    let app = TestApp::spawn().await;
    let (client, official, id) = official_with_draft(&app).await;
    let other = app.draft(&official, &sample_input("另一小镇")).await;
    let pdf = sample_pdf("same content");
    for (p, name) in [(id, "a.pdf"), (other, "b.pdf")] {
        let page = upload(&client, p, vec![("concept_plan", name, pdf.clone())]).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
    }
    assert_eq!(count(&app, "materials").await, 2);
    assert_eq!(count(&app, "material_files").await, 1);
    let chunks: i64 = count(&app, "material_chunks").await;
    assert_eq!(chunks, 1);
}

#[tokio::test]
async fn submission_freezes_the_materials_and_a_resubmission_shows_what_changed() {
    let app = TestApp::spawn().await;
    let (client, official, id) = official_with_draft(&app).await;
    xiaozhen::services::materials::store_samples(&app.db, &official, id)
        .await
        .unwrap();
    let submit = client
        .post(&format!("/proposals/{id}/submit"), &[("version", "1")])
        .await;
    assert_eq!(submit.status, StatusCode::SEE_OTHER, "{}", submit.body);
    let first: i64 = sqlx::query_scalar("SELECT max(id) FROM evaluations")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let old_plan = material_id(&app, id, "investment_plan").await;
    let reviewer_id = app.create_user("reviewer-a", Role::Reviewer, None).await;
    let reviewer_user = app.user(reviewer_id).await;
    xiaozhen::services::reviews::decide(
        &app.db,
        &reviewer_user,
        id,
        &DecisionInput::new(Decision::Return, "请补充投资计划", 2),
    )
    .await
    .unwrap();
    // Returned: the official replaces one material and removes another.
    let page = upload(
        &client,
        id,
        vec![("investment_plan", "新投资计划.pdf", sample_pdf("new plan"))],
    )
    .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let policy = material_id(&app, id, "support_policy").await;
    client
        .post(&format!("/proposals/{id}/materials/{policy}/remove"), &[])
        .await;
    let version = app.proposal_version(id).await.to_string();
    let submit = client
        .post(&format!("/proposals/{id}/submit"), &[("version", &version)])
        .await;
    assert_eq!(submit.status, StatusCode::SEE_OTHER, "{}", submit.body);

    let reviewer = app.client();
    reviewer.login("reviewer-a", PASSWORD).await;
    let report = reviewer.get(&format!("/proposals/{id}/report")).await;
    assert_eq!(report.status, StatusCode::OK);
    let section = report.text("#submitted-materials");
    assert!(
        section.contains("新投资计划.pdf") && !section.contains("support_policy.pdf"),
        "{section}"
    );
    let sha: String = sqlx::query_scalar("SELECT sha256 FROM materials WHERE file_name = '新投资计划.pdf'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert!(section.contains(&sha), "the report shows the hash");
    // Each frozen file with its type, kind, size, hash, uploader and time.
    let row = report.texts("#submitted-materials tr[data-type='investment_plan'] td");
    let size = xiaozhen::domain::material::size_label(sample_pdf("new plan").len() as i64);
    assert_eq!(
        row[..6],
        [
            "分年度分项目投资计划表",
            "新投资计划.pdf · 在线查看",
            "PDF",
            size.as_str(),
            sha.as_str(),
            "official-a display"
        ]
    );
    assert!(row[6].starts_with("20"), "uploaded when: {row:?}");
    let changes = report.texts("#material-changes li");
    assert!(
        changes.contains(&"分年度分项目投资计划表：已更换".to_string()),
        "{changes:?}"
    );
    assert!(changes.contains(&"县级扶持政策：已删除".to_string()), "{changes:?}");
    assert!(
        changes.contains(&"概念性规划及空间/功能布局图：未变".to_string()),
        "{changes:?}"
    );
    // The missing material is a finding: hard in ZJ-2015 v4, so the verdict fails.
    assert!(report.body.contains("未上传县级扶持政策"));
    // The first submission still shows, and serves, what it was made with.
    let old = reviewer
        .get(&format!("/proposals/{id}/report?evaluation={first}"))
        .await;
    let old_section = old.text("#submitted-materials");
    assert!(old_section.contains("investment_plan.pdf"), "{old_section}");
    let (status, _, body) = bytes_of(&reviewer, &format!("/proposals/{id}/materials/{old_plan}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, sample_pdf("investment_plan"));
    // Submitted: nothing can be changed.
    let page = upload(&client, id, vec![("support_policy", "p.pdf", sample_pdf("p"))]).await;
    assert_eq!(page.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn only_who_may_see_the_proposal_gets_its_files_and_every_download_is_audited() {
    let app = TestApp::spawn().await;
    let official = app.official_of("official-a", "诸城市").await;
    let submitted = app.submitted(&official, &sample_input("已提交小镇")).await;
    let draft = app.draft(&official, &sample_input("草稿小镇")).await;
    xiaozhen::services::materials::store_samples(&app.db, &official, draft)
        .await
        .unwrap();
    let (m_sub, m_draft) = (
        material_id(&app, submitted, "concept_plan").await,
        material_id(&app, draft, "concept_plan").await,
    );
    app.create_user("official-b", Role::Official, Some("青州市")).await;
    app.create_user("reviewer-a", Role::Reviewer, None).await;
    app.create_user("admin-a", Role::Admin, None).await;
    let paths = |p: i64, m: i64| {
        vec![
            format!("/proposals/{p}/materials"),
            format!("/proposals/{p}/materials/{m}"),
            format!("/proposals/{p}/materials/{m}/inline"),
            format!("/proposals/{p}/materials/{m}/preview"),
        ]
    };
    let anonymous = app.client();
    for path in paths(submitted, m_sub) {
        let page = anonymous.get(&path).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{path}");
        assert!(page.location().unwrap().starts_with("/login"));
    }
    // Another material id under a proposal one may see: 404 too.
    for (who, p, m, want) in [
        ("official-b", submitted, m_sub, StatusCode::NOT_FOUND),
        ("official-a", submitted, m_sub, StatusCode::OK),
        ("reviewer-a", submitted, m_sub, StatusCode::OK),
        ("reviewer-a", draft, m_draft, StatusCode::NOT_FOUND),
        ("admin-a", draft, m_draft, StatusCode::OK),
        ("official-a", submitted, m_draft, StatusCode::NOT_FOUND),
    ] {
        let client = app.client();
        client.login(who, PASSWORD).await;
        for path in paths(p, m) {
            let status = client.get(&path).await.status;
            let expected = if path.ends_with("/materials")
                && want == StatusCode::NOT_FOUND
                && p == submitted
                && who == "official-a"
            {
                StatusCode::OK
            } else {
                want
            };
            assert_eq!(status, expected, "{who} {path}");
        }
    }
    // Audited, and without emptying the page cache.
    let version: i64 = sqlx::query_scalar("SELECT version FROM data_version")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let before = count(&app, "audit_log").await;
    let reviewer = app.client();
    reviewer.login("reviewer-a", PASSWORD).await;
    reviewer.get(&format!("/proposals/{submitted}/materials/{m_sub}")).await;
    let (actor, entity_id): (Option<i64>, Option<i64>) = sqlx::query_as(
        "SELECT actor_id, entity_id FROM audit_log WHERE action = 'material.downloaded' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(entity_id, Some(m_sub));
    assert!(actor.is_some());
    assert!(count(&app, "audit_log").await > before);
    let after: i64 = sqlx::query_scalar("SELECT version FROM data_version")
        .fetch_one(&app.db)
        .await
        .unwrap();
    // Logging in bumps it (sessions do not; users' last login may): compare
    // only across the download itself.
    let again: i64 = {
        reviewer
            .get(&format!("/proposals/{submitted}/materials/{m_sub}/inline"))
            .await;
        sqlx::query_scalar("SELECT version FROM data_version")
            .fetch_one(&app.db)
            .await
            .unwrap()
    };
    assert_eq!(again, after, "a download does not change the data version");
    let _ = version;
}

#[tokio::test]
async fn material_criteria_apply_only_where_files_can_exist() {
    let app = TestApp::spawn().await;
    let official = app.official_of("official-a", "诸城市").await;
    // Submitted without materials under ZJ-2015 v4: missing, and hard.
    let id = app.draft(&official, &sample_input("无材料小镇")).await;
    let (_, evaluation) = xiaozhen::services::proposals::submit(&app.db, &official, id, 1)
        .await
        .unwrap();
    assert_eq!(
        evaluation.verdict("material.concept_plan"),
        Some(xiaozhen::standards::Verdict::Missing)
    );
    assert_eq!(evaluation.overall, xiaozhen::standards::Overall::Fail);
    // With them: pass.
    let full = app.submitted(&official, &sample_input("有材料小镇")).await;
    let overall: String = sqlx::query_scalar("SELECT overall FROM evaluations WHERE proposal_id = $1")
        .bind(full)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(overall, "pass");
    // The stateless API: not applicable, unless the body lists them.
    let client = app.client();
    let mut body = xiaozhen::domain::proposal::sample_proposal().to_json();
    let verdict = |answer: &serde_json::Value, id: &str| {
        answer["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["criterion"] == id)
            .map(|f| f["verdict"].as_str().unwrap().to_string())
    };
    let answer: serde_json::Value = client
        .http
        .post(format!("{}/api/v1/evaluate", client.base))
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        verdict(&answer, "material.basic_info").as_deref(),
        Some("not_applicable")
    );
    assert_eq!(answer["overall"], "pass");
    body["materials"] = serde_json::json!(["basic_info"]);
    let answer: serde_json::Value = client
        .http
        .post(format!("{}/api/v1/evaluate", client.base))
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(verdict(&answer, "material.basic_info").as_deref(), Some("pass"));
    assert_eq!(verdict(&answer, "material.concept_plan").as_deref(), Some("missing"));
    assert_eq!(answer["overall"], "fail");
    body["materials"] = serde_json::json!(["plans"]);
    let refused = client
        .http
        .post(format!("{}/api/v1/evaluate", client.base))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // The live evaluation of an unsaved form: not applicable.
    let web = app.client();
    web.login("official-a", PASSWORD).await;
    let pairs = sample_input("表单小镇").to_form_pairs();
    let fields: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let live = web.post("/proposals/live", &fields).await;
    assert_eq!(live.status, StatusCode::OK);
    assert!(live.body.contains("本次评估不含申报材料"), "{}", live.body);
}

/// A valid one-page PDF saying `text`, exactly `size` bytes long: padded
/// after its end with a comment (cheap to make, still a PDF to any reader).
fn pdf_of_size(text: &str, size: u64) -> Vec<u8> {
    let mut pdf = sample_pdf(text);
    pdf.push(b'%');
    pdf.resize(size as usize, b' ');
    pdf
}

#[tokio::test]
async fn a_proposal_holds_at_most_100_mb_of_materials() {
    use xiaozhen::domain::material::{FileKind, MAX_FILE_BYTES, MAX_PROPOSAL_BYTES, MaterialType};
    use xiaozhen::services::materials::{Problem, Received, UploadRefused, store};

    const MB: u64 = 1024 * 1024;
    assert_eq!(
        (MAX_FILE_BYTES, MAX_PROPOSAL_BYTES),
        (20 * MB, 100 * MB),
        "the limits tested here"
    );
    let app = TestApp::spawn().await;
    let (client, official, id) = official_with_draft(&app).await;
    let codes = MaterialType::ALL.map(MaterialType::code);

    // Just under the limit: four files of 20 MB and one a byte short; then
    // at it: the last one replaced by a full 20 MB, 100 MB in all.
    let under: Vec<FilePart> = codes
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let size = if i == 4 { 20 * MB - 1 } else { 20 * MB };
            (*t, "大文件.pdf", pdf_of_size(t, size))
        })
        .collect();
    let full = vec![(codes[4], "满额.pdf", pdf_of_size("full", 20 * MB))];
    for (files, in_all) in [(under, "99.9 MB"), (full, "100.0 MB")] {
        let page = upload(&client, id, files).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text("main"));
        let total = client
            .get(&format!("/proposals/{id}/materials"))
            .await
            .text("#materials-total");
        assert!(total.ends_with(in_all), "{total}");
    }
    let counts = stored(&app).await;
    assert_eq!(
        counts,
        (6, 6, 6 * 20),
        "five current files and the replaced one, 1 MB chunks"
    );

    // Past it: the form cannot send more (one file per type, 20 MB each),
    // so the per-file limit speaks first, beside its field.
    let page = upload(
        &client,
        id,
        vec![(codes[0], "超额.pdf", pdf_of_size("over", 20 * MB + 1))],
    )
    .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.text("#error-concept_plan").contains("超过 20 MB"),
        "{}",
        page.text("main")
    );
    // Behind it the service holds the proposal's total by itself: a file of
    // 20 MB and a byte replacing the plan would make 100 MB and a byte.
    let path = std::env::temp_dir().join(format!("xz-over-{}", uuid::Uuid::new_v4().simple()));
    let over = pdf_of_size("over", 20 * MB + 1);
    std::fs::write(&path, &over).unwrap();
    let received = Received {
        material_type: MaterialType::ALL[0],
        file_name: "超额.pdf".into(),
        kind: FileKind::Pdf,
        size: over.len() as u64,
        sha256: hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&over)),
        path: path.clone(),
    };
    let refused = store(&app.db, &official, id, &[received]).await;
    std::fs::remove_file(&path).unwrap();
    let Err(UploadRefused::Invalid(errors)) = refused else {
        panic!("stored past the proposal's limit: {refused:?}");
    };
    assert_eq!(errors.len(), 1);
    assert_eq!(
        (errors[0].field.as_str(), &errors[0].problem),
        ("concept_plan", &Problem::ProposalTotal)
    );
    assert_eq!(
        errors[0].message(xiaozhen::domain::Lang::Zh),
        "上传后本申报的材料合计将超过 100 MB。"
    );
    assert_eq!(
        errors[0].message(xiaozhen::domain::Lang::En),
        "The proposal's materials would exceed 100 MB in all."
    );
    assert_eq!(stored(&app).await, counts, "nothing stored");
    // A smaller plan still replaces the old one within the limit.
    let page = upload(&client, id, vec![(codes[0], "小.pdf", sample_pdf("small"))]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text("main"));
}

/// A multipart body of `part` repeated `times` times.
fn repeated_parts(part: &str, times: usize) -> (String, Vec<u8>) {
    let boundary = "xz-boundary-7f3a";
    let mut body = Vec::with_capacity((part.len() + boundary.len() + 4) * times + 64);
    for _ in 0..times {
        body.extend_from_slice(format!("--{boundary}\r\n{part}\r\n").as_bytes());
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test]
async fn an_upload_with_a_field_repeated_100000_times_is_refused_quickly() {
    let app = TestApp::spawn().await;
    let (client, _, id) = official_with_draft(&app).await;
    let token = client.csrf().await;
    let url = format!("{}/proposals/{id}/materials?csrf_token={token}", client.base);
    let pdf = String::from_utf8(sample_pdf("x")).unwrap();
    let file_part = format!(
        "Content-Disposition: form-data; name=\"concept_plan\"; filename=\"a.pdf\"\r\nContent-Type: application/pdf\r\n\r\n{pdf}"
    );
    for (what, part) in [
        ("a file field", file_part.as_str()),
        (
            "an empty file field",
            "Content-Disposition: form-data; name=\"concept_plan\"; filename=\"\"\r\n\r\n",
        ),
        (
            "a plain field",
            "Content-Disposition: form-data; name=\"note\"\r\n\r\nx",
        ),
    ] {
        let (content_type, body) = repeated_parts(part, 100_000);
        let started = std::time::Instant::now();
        let response = client
            .http
            .post(&url)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(body)
            .send()
            .await
            .expect("answered");
        let page = Client::page(response).await;
        let took = started.elapsed();
        assert_eq!(
            page.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{what}: after {took:?}: {}",
            page.body.chars().take(300).collect::<String>()
        );
        assert_eq!(
            page.text("#files-error"),
            "这次上传的表单字段过多（最多 20 个）：每类材料选择一个文件后重新上传。未保存任何文件。",
            "{what}"
        );
        assert_eq!(
            page.texts("#materials-errors li").len(),
            1,
            "{what}: one message, not one per field"
        );
        assert!(
            took < std::time::Duration::from_secs(10),
            "{what}: answered in {took:?}"
        );
        assert_eq!(stored(&app).await, (0, 0, 0), "{what}: nothing stored");
    }
    // The form as a browser sends it (five file inputs, some empty) passes.
    let page = upload(
        &client,
        id,
        vec![
            ("concept_plan", "a.pdf", sample_pdf("a")),
            ("investment_plan", "", Vec::new()),
            ("developer_profile", "", Vec::new()),
            ("support_policy", "", Vec::new()),
            ("basic_info", "", Vec::new()),
        ],
    )
    .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text("main"));
    assert_eq!(client.get("/healthz").await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_self_assessment_links_the_materials_a_judged_line_rests_on() {
    let app = TestApp::spawn().await;
    let (client, _, id) = official_with_draft(&app).await;
    let page = client.get(&format!("/proposals/{id}/self-assessment")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text("main"));
    // ZJ-2015 v4's concept-plan line rests on the plan; the industry line
    // on the investment plan and the basic-information form.
    assert_eq!(
        page.text("tr.judged-line[data-line='j.plan'] .evidence-materials"),
        "依据材料：概念性规划及空间/功能布局图"
    );
    assert_eq!(
        page.attr("tr.judged-line[data-line='j.plan'] .evidence-materials a", "href"),
        Some(format!("/proposals/{id}/materials#type-concept_plan"))
    );
    assert_eq!(
        page.texts("tr.judged-line[data-line='j.industry'] .evidence-materials a"),
        ["分年度分项目投资计划表", "特色小镇基本情况表"]
    );
    // The link lands on the type's row of the materials page.
    let materials = client.get(&format!("/proposals/{id}/materials")).await;
    assert!(materials.has("#type-concept_plan input[type=file][name=concept_plan]"));
}
