//! Public notice (公示) and objections: the batch's states and their
//! refusals, the objection form's limits and honeypot, upheld objections
//! taking a town out and re-freezing the hash, personal data kept off every
//! public response and out of the audit log, and its erasure.

use std::io::Read;

use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::Value;
use xiaozhen::domain::Role;
use xiaozhen::domain::publication::content_hash;
use xiaozhen::services::batches;
use xiaozhen::services::notice;

use crate::helpers::{Client, Page, TestApp};

const PERSON: &str = "欧阳异议人";
const PHONE: &str = "13912345678";
const ORGANISATION: &str = "某某环保协会秘书处";
const CONTACT: &str = "司马联系人";
const ORG_PHONE: &str = "0571-87654321";

struct World {
    app: TestApp,
    admin: Client,
    admin_id: i64,
    batch: i64,
    towns: Vec<(i64, String)>,
}

/// Two approved towns in a list batch on notice since today.
async fn world() -> World {
    let app = TestApp::spawn().await;
    let official = app.official_of("official-n", "诸城市").await;
    let reviewer_id = app.create_user("reviewer-n", Role::Reviewer, None).await;
    let names = ["公示甲小镇", "公示乙小镇"];
    let ids = app.approved(&official, &app.user(reviewer_id).await, &names).await;
    let towns: Vec<(i64, String)> = ids.into_iter().zip(names.map(str::to_owned)).collect();
    let admin = app.login_as(Role::Admin).await;
    let admin_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE role = 'admin' ORDER BY id LIMIT 1")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let batch = batches::create_list_batch(&app.db, admin_id, "第二批创建名单", "拟列入名单如下。")
        .await
        .unwrap();
    for (id, _) in &towns {
        batches::add_entry(&app.db, admin_id, batch, *id, "").await.unwrap();
    }
    World {
        app,
        admin,
        admin_id,
        batch,
        towns,
    }
}

impl World {
    async fn start(&self) {
        let page = self
            .admin
            .post(
                &format!("/admin/batches/{}/notice/settings", self.batch),
                &[("document_number", "浙特镇办〔2027〕3号"), ("notice", "on")],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        let today = xiaozhen::domain::notice::china_date(Utc::now()).to_string();
        let page = self
            .admin
            .post(
                &format!("/admin/batches/{}/notice/start", self.batch),
                &[("starts_on", today.as_str()), ("days", "7")],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    }

    /// Moves the notice into the past, as if its days had gone by.
    async fn end_notice(&self) {
        sqlx::query(
            "UPDATE batches SET notice_starts_on = notice_starts_on - 8, notice_ends_on = notice_ends_on - 8
             WHERE id = $1",
        )
        .bind(self.batch)
        .execute(&self.app.db)
        .await
        .unwrap();
    }

    /// A token as the form gave it a minute ago.
    async fn token(&self) -> String {
        let key: String = sqlx::query_scalar("SELECT key FROM objection_form_key")
            .fetch_one(&self.app.db)
            .await
            .unwrap();
        xiaozhen::domain::notice::form_token(&key, self.batch, Utc::now() - Duration::minutes(1))
    }

    async fn object(&self, client: &Client, fields: &[(&str, String)], files: Vec<(&str, Vec<u8>)>) -> Page {
        let csrf = client.csrf().await;
        let mut form = reqwest::multipart::Form::new();
        for (k, v) in fields {
            form = form.text(k.to_string(), v.clone());
        }
        for (k, bytes) in files {
            let part = reqwest::multipart::Part::bytes(bytes).file_name("scan.bin");
            form = form.part(k.to_string(), part);
        }
        let response = client
            .http
            .post(format!(
                "{}/notices/{}/object?csrf_token={csrf}",
                client.base, self.batch
            ))
            .multipart(form)
            .send()
            .await
            .expect("objection sent");
        Client::page(response).await
    }

    async fn person(&self, client: &Client, town: i64, grounds: &str) -> Page {
        let fields = [
            ("form_token", self.token().await),
            ("kind", "person".to_owned()),
            ("name", PERSON.to_owned()),
            ("phone", PHONE.to_owned()),
            ("town", town.to_string()),
            ("grounds", grounds.to_owned()),
            ("website", String::new()),
        ];
        self.object(client, &fields, Vec::new()).await
    }

    async fn organisation(&self, client: &Client, town: i64) -> Page {
        let fields = [
            ("form_token", self.token().await),
            ("kind", "organisation".to_owned()),
            ("name", ORGANISATION.to_owned()),
            ("contact", CONTACT.to_owned()),
            ("phone", ORG_PHONE.to_owned()),
            ("town", town.to_string()),
            ("grounds", "规划范围与生态保护红线重叠。".to_owned()),
        ];
        let letter = b"%PDF-1.7 sealed letter".to_vec();
        let evidence = b"\x89PNG\r\n\x1a\nmap".to_vec();
        self.object(client, &fields, vec![("letter", letter), ("evidence", evidence)])
            .await
    }

    async fn objection_ids(&self) -> Vec<i64> {
        sqlx::query_scalar("SELECT id FROM objections WHERE batch_id = $1 ORDER BY id")
            .bind(self.batch)
            .fetch_all(&self.app.db)
            .await
            .unwrap()
    }

    async fn resolve(&self, id: i64, decision: &str, outcome: &str) -> Page {
        self.admin
            .post(
                &format!("/admin/objections/{id}/resolve"),
                &[
                    ("decision", decision),
                    ("outcome", outcome),
                    ("reason", "经核查，投资数据不实。"),
                    ("reply", "感谢监督，已核实处理。"),
                ],
            )
            .await
    }

    async fn publish(&self) -> Page {
        self.admin
            .post(&format!("/admin/batches/{}/publish", self.batch), &[])
            .await
    }

    async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql)
            .bind(self.batch)
            .fetch_one(&self.app.db)
            .await
            .unwrap()
    }
}

fn reference_of(page: &Page) -> String {
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.text(".reference")
}

#[tokio::test]
async fn a_list_batch_goes_on_notice_and_is_published_only_after_it_with_every_objection_resolved() {
    let w = world().await;
    // Notice is on by default: a draft list batch is not published straight away.
    let early = w.publish().await;
    assert_eq!(early.status, StatusCode::CONFLICT);
    assert!(early.body.contains("须先公示"), "{}", early.body);

    w.start().await;
    assert_eq!(
        w.count("SELECT count(*) FROM batches WHERE id = $1 AND status = 'notice'")
            .await,
        1
    );
    // Frozen exactly as publication freezes: every entry, and the hash.
    assert_eq!(
        w.count("SELECT count(*) FROM batch_entries WHERE batch_id = $1 AND final_findings IS NOT NULL")
            .await,
        2
    );
    let mut conn = w.app.db.acquire().await.unwrap();
    let (row, _) = notice::public_notice(&mut conn, w.batch).await.unwrap().unwrap();
    let public = notice::notice_canonical(&mut conn, w.batch).await.unwrap().unwrap();
    drop(conn);
    assert_eq!(
        row.notice_hash.as_deref(),
        Some(content_hash(&public.canonical_json()).as_str())
    );
    // The towns are frozen: no entry changes while on notice.
    let frozen = batches::remove_entry(&w.app.db, w.admin_id, w.batch, 1).await;
    assert!(matches!(frozen, Err(batches::BatchError::OnNotice)), "{frozen:?}");

    // The public notice page: towns, dates, countdown, how to object.
    let anon = w.app.client();
    let page = anon.get(&format!("/notices/{}", w.batch)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.texts("table.towns td.name"), ["公示甲小镇", "公示乙小镇"]);
    assert!(page.has(".countdown .days"));
    assert!(page.body.contains("浙特镇办〔2027〕3号"));
    assert!(page.has("#object-link"));
    assert_eq!(
        anon.get(&format!("/batches/{}", w.batch)).await.status,
        StatusCode::NOT_FOUND
    );
    let home = anon.get("/").await;
    assert!(home.has(&format!("a.notice-title[href=\"/notices/{}\"]", w.batch)));
    let print = anon.get(&format!("/batches/{}/print", w.batch)).await;
    assert_eq!(print.status, StatusCode::OK);
    assert!(print.has("body.print-sheet .document-number"));

    // Publishing during the notice: 409 with the reason.
    let during = w.publish().await;
    assert_eq!(during.status, StatusCode::CONFLICT);
    assert!(during.body.contains("公示期尚未结束"), "{}", during.body);

    let reference = reference_of(&w.person(&anon, w.towns[0].0, "投资数据不实").await);
    w.end_notice().await;
    // Objecting after the end.
    let late = w.person(&w.app.client_from(1), w.towns[1].0, "太晚了").await;
    assert_eq!(late.status, StatusCode::CONFLICT, "{}", late.body);
    // An open objection blocks publication.
    let open = w.publish().await;
    assert_eq!(open.status, StatusCode::CONFLICT);
    assert!(open.body.contains("尚有异议未办结"), "{}", open.body);

    let id = w.objection_ids().await[0];
    assert_eq!(w.resolve(id, "dismiss", "").await.status, StatusCode::SEE_OTHER);
    assert_eq!(
        w.resolve(id, "dismiss", "").await.status,
        StatusCode::CONFLICT,
        "resolved once"
    );
    let published = w.publish().await;
    assert_eq!(published.status, StatusCode::SEE_OTHER, "{}", published.body);

    // 公示期满 with the dates, on the page and in every file.
    let page = anon.get(&format!("/batches/{}", w.batch)).await;
    assert!(page.text(".notice-expired").contains("公示期满"));
    let (starts, ends) = (page.text(".notice-expired .starts"), page.text(".notice-expired .ends"));
    assert!(!starts.is_empty() && !ends.is_empty());
    let json: Value = serde_json::from_str(&anon.get(&format!("/batches/{}.json", w.batch)).await.body).unwrap();
    assert_eq!(json["notice"]["starts_on"], starts.as_str());
    assert_eq!(json["notice"]["ends_on"], ends.as_str());
    assert_eq!(json["document_number"], "浙特镇办〔2027〕3号");
    let csv = anon.get(&format!("/batches/{}.csv", w.batch)).await.body;
    assert!(csv.contains("公示开始") && csv.contains(&ends), "{csv}");
    let xlsx = xlsx_text(&w.app, &format!("/batches/{}.xlsx", w.batch)).await;
    assert!(xlsx.contains("公示结束") && xlsx.contains(&starts), "{xlsx}");
    // The content hash is over the canonical JSON served.
    let hash: String = sqlx::query_scalar("SELECT content_hash FROM batches WHERE id = $1")
        .bind(w.batch)
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    let body = anon.get(&format!("/batches/{}.json", w.batch)).await.body;
    assert_eq!(content_hash(&body), hash);

    // The objector reads the reply with the reference and the phone.
    let status = anon
        .post(
            "/objections/status",
            &[("reference", reference.as_str()), ("phone", PHONE)],
        )
        .await;
    assert_eq!(status.text(".status"), "异议不成立");
    assert_eq!(status.text(".reply"), "感谢监督，已核实处理。");
    let wrong = anon
        .post(
            "/objections/status",
            &[("reference", reference.as_str()), ("phone", "13900000000")],
        )
        .await;
    assert!(!wrong.has(".objection-status"));

    // Every step audited.
    for action in ["batch.notice_settings", "batch.notice_started", "batch.published"] {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = $1 AND entity_id = $2")
            .bind(action)
            .bind(w.batch)
            .fetch_one(&w.app.db)
            .await
            .unwrap();
        assert_eq!(n, 1, "{action}");
    }
    for action in ["objection.received", "objection.resolved"] {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = $1 AND entity_id = $2")
            .bind(action)
            .bind(id)
            .fetch_one(&w.app.db)
            .await
            .unwrap();
        assert_eq!(n, 1, "{action}");
    }
}

async fn xlsx_text(app: &TestApp, path: &str) -> String {
    let bytes = app
        .client()
        .http
        .get(app.url(path))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    // Not a workbook (a batch not yet published): the page's text.
    let Ok(mut zip) = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())) else {
        return String::from_utf8_lossy(&bytes).into_owned();
    };
    let mut all = String::new();
    for i in 0..zip.len() {
        let mut file = zip.by_index(i).unwrap();
        let _ = file.read_to_string(&mut all);
    }
    all
}

#[tokio::test]
async fn objections_to_a_town_not_on_the_notice_or_with_bad_fields_are_refused_with_what_was_typed() {
    let w = world().await;
    w.start().await;
    let anon = w.app.client();
    let other = 999_999;
    let page = w.person(&anon, other, "不在名单").await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("该小镇不在本次公示名单中"));
    assert_eq!(page.attr("#name", "value").as_deref(), Some(PERSON));

    let long = "字".repeat(2_001);
    let page = w.person(&anon, w.towns[0].0, &long).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("异议理由不超过2000字"));
    assert_eq!(
        w.person(&anon, w.towns[0].0, &"字".repeat(2_000)).await.status,
        StatusCode::OK
    );

    // An organisation without its sealed letter; a file that is not PDF/PNG/JPEG.
    let fields = [
        ("form_token", w.token().await),
        ("kind", "organisation".to_owned()),
        ("name", ORGANISATION.to_owned()),
        ("contact", CONTACT.to_owned()),
        ("phone", ORG_PHONE.to_owned()),
        ("town", w.towns[0].0.to_string()),
        ("grounds", "理由".to_owned()),
    ];
    let page = w.object(&anon, &fields, Vec::new()).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("加盖公章的书面意见"));
    let page = w
        .object(&anon, &fields, vec![("letter", b"MZ\x90\x00 letter.pdf".to_vec())])
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("只接受PDF、PNG或JPEG文件"));
    assert_eq!(w.objection_ids().await.len(), 1);
}

#[tokio::test]
async fn the_form_keeps_robots_and_floods_out() {
    let w = world().await;
    w.start().await;
    let anon = w.app.client();
    let base = |token: String| {
        vec![
            ("form_token", token),
            ("kind", "person".to_owned()),
            ("name", PERSON.to_owned()),
            ("phone", PHONE.to_owned()),
            ("town", w.towns[0].0.to_string()),
            ("grounds", "理由".to_owned()),
        ]
    };
    // The honeypot filled.
    let mut fields = base(w.token().await);
    fields.push(("website", "http://spam.example".to_owned()));
    let page = w.object(&anon, &fields, Vec::new()).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("提交未被受理"));
    // Sent at once with the token the form just gave.
    let form = anon.get(&format!("/notices/{}/object", w.batch)).await;
    assert_eq!(form.status, StatusCode::OK);
    let fresh = form.attr("input[name=form_token]", "value").unwrap();
    let page = w.object(&anon, &base(fresh.clone()), Vec::new()).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("提交过快"));
    // A token altered, or for another batch.
    let forged = format!("{}0", fresh);
    assert_eq!(
        w.object(&anon, &base(forged), Vec::new()).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert!(w.objection_ids().await.is_empty(), "nothing stored");
    // Five a day from one address, then 429; another address still may.
    for _ in 0..xiaozhen::domain::notice::PER_ADDRESS_PER_DAY {
        assert_eq!(
            w.object(&anon, &base(w.token().await), Vec::new()).await.status,
            StatusCode::OK
        );
    }
    let over = w.object(&anon, &base(w.token().await), Vec::new()).await;
    assert_eq!(over.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(over.body.contains("提交次数过多"));
    let elsewhere = w.app.client_from(7);
    assert_eq!(
        w.object(&elsewhere, &base(w.token().await), Vec::new()).await.status,
        StatusCode::OK
    );
    // A file over 20 MB is refused by size.
    let big = [b"%PDF-".as_slice(), &vec![b'x'; 20 * 1024 * 1024]].concat();
    let page = w
        .object(&elsewhere, &base(w.token().await), vec![("evidence", big)])
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("文件不超过20MB"));
}

#[tokio::test]
async fn an_upheld_objection_takes_the_town_out_and_refreezes_the_hash() {
    let w = world().await;
    w.start().await;
    let before: String = sqlx::query_scalar("SELECT notice_hash FROM batches WHERE id = $1")
        .bind(w.batch)
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    let anon = w.app.client();
    let reference = reference_of(&w.organisation(&anon, w.towns[0].0).await);
    let id = w.objection_ids().await[0];
    // Reason and reply are required.
    let missing = w
        .admin
        .post(
            &format!("/admin/objections/{id}/resolve"),
            &[("decision", "uphold"), ("reason", "")],
        )
        .await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(w.resolve(id, "uphold", "returned").await.status, StatusCode::SEE_OTHER);

    let names: Vec<String> = sqlx::query_scalar(
        "SELECT p.name FROM batch_entries e JOIN proposals p ON p.id = e.proposal_id WHERE e.batch_id = $1 ORDER BY e.position",
    )
    .bind(w.batch)
    .fetch_all(&w.app.db)
    .await
    .unwrap();
    assert_eq!(names, ["公示乙小镇"]);
    let status: String = sqlx::query_scalar("SELECT status FROM proposals WHERE id = $1")
        .bind(w.towns[0].0)
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    assert_eq!(status, "submitted", "back to the reviewers");
    let mut conn = w.app.db.acquire().await.unwrap();
    let (row, _) = notice::public_notice(&mut conn, w.batch).await.unwrap().unwrap();
    let public = notice::notice_canonical(&mut conn, w.batch).await.unwrap().unwrap();
    drop(conn);
    let after = row.notice_hash.clone().unwrap();
    assert_ne!(after, before);
    assert_eq!(after, content_hash(&public.canonical_json()));
    assert_eq!(public.changes.len(), 1);

    let page = anon.get(&format!("/notices/{}", w.batch)).await;
    assert_eq!(page.texts("table.towns td.name"), ["公示乙小镇"]);
    assert_eq!(page.text(".notice-changes .name"), "公示甲小镇");
    let lookup = anon
        .post(
            "/objections/status",
            &[("reference", reference.as_str()), ("phone", ORG_PHONE)],
        )
        .await;
    assert_eq!(lookup.text(".status"), "异议成立");

    w.end_notice().await;
    assert_eq!(w.publish().await.status, StatusCode::SEE_OTHER);
    let page = anon.get(&format!("/batches/{}", w.batch)).await;
    assert_eq!(page.texts("table.towns td.name"), ["公示乙小镇"]);
    assert!(page.text(".notice-changes").contains("投资数据不实"));
    let json: Value = serde_json::from_str(&anon.get(&format!("/batches/{}.json", w.batch)).await.body).unwrap();
    assert_eq!(json["changes"][0]["name"], "公示甲小镇");
    // The removal and the proposal's return are audited.
    for (action, entity) in [("batch.entry_removed", w.batch), ("proposal.reopened", w.towns[0].0)] {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = $1 AND entity_id = $2")
            .bind(action)
            .bind(entity)
            .fetch_one(&w.app.db)
            .await
            .unwrap();
        assert_eq!(n, 1, "{action}");
    }
}

#[tokio::test]
async fn old_batches_keep_their_canonical_text_and_hash() {
    let w = world().await;
    let old = batches::create_list_batch_without_notice(&w.app.db, w.admin_id, "旧批次", "")
        .await
        .unwrap();
    sqlx::query("DELETE FROM batch_entries WHERE batch_id = $1")
        .bind(w.batch)
        .execute(&w.app.db)
        .await
        .unwrap();
    batches::add_entry(&w.app.db, w.admin_id, old, w.towns[0].0, "")
        .await
        .unwrap();
    let hash = batches::publish(&w.app.db, w.admin_id, old).await.unwrap();
    let body = w.app.client().get(&format!("/batches/{old}.json")).await.body;
    assert_eq!(content_hash(&body), hash);
    for field in ["notice", "changes", "document_number"] {
        assert!(!body.contains(&format!("\"{field}\"")), "{field} in {body}");
    }
}

/// Every public answer, with its body as text (XLSX unzipped).
async fn public_bodies(w: &World, references: &[(String, &str)]) -> Vec<(String, String)> {
    let anon = w.app.client();
    let mut out = Vec::new();
    let b = w.batch;
    let (t0, t1) = (w.towns[0].0, w.towns[1].0);
    for path in [
        "/".to_owned(),
        format!("/notices/{b}"),
        format!("/notices/{b}.json"),
        format!("/notices/{b}/object"),
        format!("/batches/{b}"),
        format!("/batches/{b}.json"),
        format!("/batches/{b}.csv"),
        format!("/batches/{b}/print"),
        format!("/towns/{t0}"),
        format!("/towns/{t1}"),
        "/objections/status".to_owned(),
        "/api/v1/batches".to_owned(),
        format!("/api/v1/batches/{b}"),
    ] {
        out.push((path.clone(), anon.get(&path).await.body));
    }
    out.push((
        format!("/batches/{b}.xlsx"),
        xlsx_text(&w.app, &format!("/batches/{b}.xlsx")).await,
    ));
    for (reference, phone) in references {
        let page = anon
            .post(
                "/objections/status",
                &[("reference", reference.as_str()), ("phone", phone)],
            )
            .await;
        assert!(page.has(".objection-status"), "found by {reference}");
        out.push(("POST /objections/status".to_owned(), page.body));
    }
    out
}

#[tokio::test]
async fn objectors_personal_data_is_never_public_nor_in_the_audit_log_and_is_masked_for_admins() {
    let w = world().await;
    w.start().await;
    let anon = w.app.client();
    let r1 = reference_of(&w.person(&anon, w.towns[0].0, "数据不实").await);
    let r2 = reference_of(&w.organisation(&w.app.client_from(3), w.towns[1].0).await);
    let secrets = [PERSON, PHONE, ORGANISATION, CONTACT, ORG_PHONE, "87654321", "12345678"];
    let refs = [(r1.clone(), PHONE), (r2.clone(), ORG_PHONE)];
    let check = |bodies: Vec<(String, String)>| {
        for (path, body) in bodies {
            for s in secrets {
                assert!(!body.contains(s), "{s} in the public answer of {path}");
            }
        }
    };
    check(public_bodies(&w, &refs).await);

    // Admins: masked in the list, in full on the objection's page (audited by id).
    let list = w.admin.get(&format!("/admin/batches/{}/objections", w.batch)).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("139****5678") && !list.body.contains(PHONE));
    assert!(list.body.contains("欧****") && !list.body.contains(PERSON));
    let ids = w.objection_ids().await;
    let full = w.admin.get(&format!("/admin/objections/{}", ids[1])).await;
    assert_eq!(full.text(".phone"), ORG_PHONE);
    assert_eq!(full.text(".contact"), CONTACT);
    let letter = w.admin.get(&format!("/admin/objections/{}/files/letter", ids[1])).await;
    assert_eq!(letter.status, StatusCode::OK);
    assert!(
        letter.headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    for action in ["objection.viewed", "objection.file_downloaded"] {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = $1 AND entity_id = $2")
            .bind(action)
            .bind(ids[1])
            .fetch_one(&w.app.db)
            .await
            .unwrap();
        assert_eq!(n, 1, "{action}");
    }
    // Not to anyone else.
    assert_ne!(
        anon.get(&format!("/admin/objections/{}", ids[1])).await.status,
        StatusCode::OK
    );

    assert_eq!(
        w.resolve(ids[0], "uphold", "rejected").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(w.resolve(ids[1], "dismiss", "").await.status, StatusCode::SEE_OTHER);
    w.end_notice().await;
    assert_eq!(w.publish().await.status, StatusCode::SEE_OTHER);
    check(public_bodies(&w, &refs).await);

    let audit: Vec<String> = sqlx::query_scalar("SELECT concat(before::text, ' ', after::text) FROM audit_log")
        .fetch_all(&w.app.db)
        .await
        .unwrap();
    for row in audit {
        for s in secrets {
            assert!(!row.contains(s), "{s} in the audit log: {row}");
        }
    }
}

#[tokio::test]
async fn personal_data_is_erased_a_year_after_publication() {
    let w = world().await;
    w.start().await;
    let anon = w.app.client();
    let reference = reference_of(&w.organisation(&anon, w.towns[0].0).await);
    let id = w.objection_ids().await[0];
    w.resolve(id, "dismiss", "").await;
    // Not before publication, however old.
    assert_eq!(
        notice::erase_expired(&w.app.db, Utc::now() + Duration::days(800), 365)
            .await
            .unwrap(),
        0
    );
    w.end_notice().await;
    assert_eq!(w.publish().await.status, StatusCode::SEE_OTHER);
    let now = Utc::now();
    assert_eq!(
        notice::erase_expired(&w.app.db, now + Duration::days(364), 365)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        notice::erase_expired(&w.app.db, now + Duration::days(366), 365)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        notice::erase_expired(&w.app.db, now + Duration::days(367), 365)
            .await
            .unwrap(),
        0,
        "once"
    );
    let (name, contact, phone): (String, String, String) =
        sqlx::query_as("SELECT objector_name, contact_name, phone FROM objections WHERE id = $1")
            .bind(id)
            .fetch_one(&w.app.db)
            .await
            .unwrap();
    assert_eq!(
        (name.as_str(), contact.as_str(), phone.as_str()),
        ("某********", "司****", "057****4321")
    );
    let files: i64 = sqlx::query_scalar("SELECT count(*) FROM objection_files")
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    assert_eq!(files, 0);
    // What is kept: the objection's town, grounds, decision and reply; not
    // the objector. The lookup by phone no longer finds it.
    let lookup = anon
        .post(
            "/objections/status",
            &[("reference", reference.as_str()), ("phone", ORG_PHONE)],
        )
        .await;
    assert!(!lookup.has(".objection-status"));
}

/// The notice's JSON as served, and the hash its page shows.
async fn notice_json_and_hash(w: &World, client: &Client) -> (String, String) {
    let page = client.get(&format!("/notices/{}", w.batch)).await;
    assert_eq!(page.status, StatusCode::OK);
    let href = page
        .attr(".integrity a.download.json", "href")
        .expect("a JSON link by the hash");
    assert_eq!(href, format!("/notices/{}.json", w.batch));
    let response = client.http.get(format!("{}{href}", client.base)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/json");
    let disposition = response.headers()["content-disposition"].to_str().unwrap().to_owned();
    assert_eq!(disposition, format!("attachment; filename=\"notice-{}.json\"", w.batch));
    (response.text().await.unwrap(), page.text(".notice-hash"))
}

#[tokio::test]
async fn anyone_can_check_the_notice_hash_against_its_json_also_after_an_upheld_objection() {
    use sha2::{Digest, Sha256};
    let w = world().await;
    w.start().await;
    let anon = w.app.client();
    let (body, shown) = notice_json_and_hash(&w, &anon).await;
    assert_eq!(shown.len(), 64);
    assert_eq!(hex::encode(Sha256::digest(body.as_bytes())), shown);
    let json: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["towns"].as_array().map(Vec::len), Some(2));
    assert!(json.get("published_at").is_some_and(Value::is_null), "{body}");

    // An organisation objects; it is upheld: the town leaves, the hash moves.
    reference_of(&w.organisation(&anon, w.towns[0].0).await);
    let id = w.objection_ids().await[0];
    assert_eq!(w.resolve(id, "uphold", "returned").await.status, StatusCode::SEE_OTHER);
    let (again, refrozen) = notice_json_and_hash(&w, &anon).await;
    assert_ne!(refrozen, shown);
    assert_eq!(hex::encode(Sha256::digest(again.as_bytes())), refrozen);
    let json: Value = serde_json::from_str(&again).unwrap();
    assert_eq!(json["towns"][0]["name"], w.towns[1].1.as_str());
    assert_eq!(json["towns"][0]["position"], 1);
    assert_eq!(json["changes"][0]["name"], w.towns[0].1.as_str());
    for secret in [ORGANISATION, CONTACT, ORG_PHONE, "87654321"] {
        assert!(!again.contains(secret), "{secret} in the notice's JSON");
    }
    // Only `.json`, only of a batch on notice.
    for path in [
        format!("/notices/{}.csv", w.batch),
        format!("/notices/{}.json.json", w.batch),
        "/notices/999999.json".to_owned(),
        "/notices/+1.json".to_owned(),
    ] {
        assert_eq!(anon.get(&path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    // Once published, the batch's own files are the record.
    w.end_notice().await;
    assert_eq!(w.publish().await.status, StatusCode::SEE_OTHER);
    let moved = anon.get(&format!("/notices/{}.json", w.batch)).await;
    assert_eq!(
        moved.location().as_deref(),
        Some(format!("/batches/{}.json", w.batch).as_str())
    );
}

#[tokio::test]
async fn the_database_refuses_changes_to_a_batch_on_notice_except_an_upheld_objection() {
    let w = world().await;
    let official = w.app.official_of("official-n2", "诸城市").await;
    let reviewer = w
        .app
        .user(w.app.create_user("reviewer-n2", Role::Reviewer, None).await)
        .await;
    let third = w.app.approved(&official, &reviewer, &["公示丙小镇"]).await[0];
    w.start().await;
    let b = w.batch;
    let entries = format!("entries of batch {b} are on public notice and cannot change");
    let row = format!("batch {b} is on public notice and cannot change so");
    let insert = format!("INSERT INTO batch_entries (batch_id, proposal_id, position) VALUES ($1, {third}, 9)");
    for (sql, message) in [
        ("UPDATE batch_entries SET reason = 'x' WHERE batch_id = $1", &entries),
        (
            "UPDATE batch_entries SET final_overall = 'fail' WHERE batch_id = $1",
            &entries,
        ),
        (
            "UPDATE batch_entries SET position = position + 1 WHERE batch_id = $1",
            &entries,
        ),
        ("DELETE FROM batch_entries WHERE batch_id = $1", &entries),
        (insert.as_str(), &entries),
        ("UPDATE batches SET status = 'draft' WHERE id = $1", &row),
        ("UPDATE batches SET title = 'x' WHERE id = $1", &row),
        ("UPDATE batches SET notice_hash = repeat('0', 64) WHERE id = $1", &row),
        ("DELETE FROM batches WHERE id = $1", &row),
    ] {
        assert_eq!(
            crate::helpers::refusal(&w.app.db, sql, b).await,
            ("23001".to_owned(), message.clone()),
            "{sql}"
        );
    }
    // The removal path's permission is its own transaction's, and lets an
    // entry go or be renumbered, nothing else.
    let mut tx = w.app.db.begin().await.unwrap();
    sqlx::query("SELECT set_config('xiaozhen.notice_removal', 'on', true)")
        .execute(&mut *tx)
        .await
        .unwrap();
    let changed = sqlx::query("UPDATE batch_entries SET final_overall = 'fail' WHERE batch_id = $1")
        .bind(b)
        .execute(&mut *tx)
        .await;
    assert!(changed.is_err(), "frozen data stays frozen");
    tx.rollback().await.unwrap();
    assert_eq!(
        crate::helpers::refusal(&w.app.db, "DELETE FROM batch_entries WHERE batch_id = $1", b).await,
        ("23001".to_owned(), entries.clone()),
    );
    assert_eq!(
        w.count("SELECT count(*) FROM batch_entries WHERE batch_id = $1").await,
        2
    );

    // The upheld objection still takes its town out and renumbers the rest.
    reference_of(&w.person(&w.app.client(), w.towns[0].0, "投资数据不实").await);
    let id = w.objection_ids().await[0];
    assert_eq!(w.resolve(id, "uphold", "rejected").await.status, StatusCode::SEE_OTHER);
    let left: Vec<(i64, i32)> =
        sqlx::query_as("SELECT proposal_id, position FROM batch_entries WHERE batch_id = $1 ORDER BY position")
            .bind(b)
            .fetch_all(&w.app.db)
            .await
            .unwrap();
    assert_eq!(left, [(w.towns[1].0, 1)]);
    assert_eq!(
        crate::helpers::refusal(&w.app.db, "DELETE FROM batch_entries WHERE batch_id = $1", b).await,
        ("23001".to_owned(), entries),
        "and the batch stays guarded"
    );
}

#[tokio::test]
async fn a_proposal_on_notice_is_in_no_other_batch_and_is_not_re_evaluated_so_publication_publishes_the_notice() {
    let w = world().await;
    let official = w.app.official_of("official-n2", "诸城市").await;
    let reviewer_id = w.app.create_user("reviewer-n2", Role::Reviewer, None).await;
    let third = w
        .app
        .approved(&official, &w.app.user(reviewer_id).await, &["公示丙小镇"])
        .await[0];
    // A draft published without notice that took a town before the notice started.
    let early = batches::create_list_batch_without_notice(&w.app.db, w.admin_id, "另一批", "")
        .await
        .unwrap();
    batches::add_entry(&w.app.db, w.admin_id, early, w.towns[0].0, "")
        .await
        .unwrap();
    w.start().await;

    let other = batches::create_list_batch(&w.app.db, w.admin_id, "第三批", "")
        .await
        .unwrap();
    let page = w.admin.get(&format!("/admin/batches/{other}")).await;
    let offered: Vec<String> = page
        .html()
        .select(&scraper::Selector::parse("#proposal option").unwrap())
        .filter_map(|o| o.value().attr("value").map(str::to_owned))
        .filter(|v| !v.is_empty())
        .collect();
    assert_eq!(offered, [third.to_string()], "only the town not on notice is offered");
    let refused = w
        .admin
        .post(
            &format!("/admin/batches/{other}/entries"),
            &[("proposal", w.towns[0].0.to_string().as_str())],
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(refused.body.contains("该项目正在另一批次中公示"), "{}", refused.body);
    let early_publish = w.admin.post(&format!("/admin/batches/{early}/publish"), &[]).await;
    assert_eq!(early_publish.status, StatusCode::CONFLICT);
    assert!(
        early_publish.body.contains("该项目正在另一批次中公示"),
        "{}",
        early_publish.body
    );

    // A reviewer's re-evaluation is refused while the town is on notice.
    let evaluations = "SELECT count(*) FROM evaluations WHERE proposal_id = $1";
    let before: i64 = sqlx::query_scalar(evaluations)
        .bind(w.towns[1].0)
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    let reviewer = w.app.login_as(Role::Reviewer).await;
    // Not offered on its page; the one not on notice is.
    let shown = reviewer.get(&format!("/proposals/{}", w.towns[1].0)).await;
    assert!(!shown.body.contains("id=\"reevaluate-button\""), "{}", shown.body);
    let shown = reviewer.get(&format!("/proposals/{third}")).await;
    assert!(shown.body.contains("id=\"reevaluate-button\""), "{}", shown.body);
    let page = reviewer
        .post(&format!("/proposals/{}/reevaluate", w.towns[1].0), &[])
        .await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(page.body.contains("公示期间不能重新评估"), "{}", page.body);
    let after: i64 = sqlx::query_scalar(evaluations)
        .bind(w.towns[1].0)
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    assert_eq!(after, before, "no new evaluation");
    // Not on notice: re-evaluated as before.
    let page = reviewer.post(&format!("/proposals/{third}/reevaluate"), &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);

    // What was frozen is what is published.
    w.end_notice().await;
    assert_eq!(w.publish().await.status, StatusCode::SEE_OTHER);
    let listed = w
        .count("SELECT count(*) FROM batch_entries e JOIN proposals p ON p.id = e.proposal_id WHERE e.batch_id = $1 AND p.status = 'listed'")
        .await;
    assert_eq!(listed, 2);
}

#[tokio::test]
async fn the_countdown_reads_without_javascript_and_runs_with_it() {
    let w = world().await;
    w.start().await;
    let anon = w.app.client();
    let last = xiaozhen::domain::notice::last_day(xiaozhen::domain::notice::china_date(Utc::now()), 7);
    let before = xiaozhen::domain::notice::remaining(last, Utc::now());
    let page = anon.get(&format!("/notices/{}", w.batch)).await;
    let after = xiaozhen::domain::notice::remaining(last, Utc::now());
    let text = page.text(".countdown");
    let days: i64 = page.text(".countdown .days").parse().unwrap();
    let hours: i64 = page.text(".countdown .hours").parse().unwrap();
    assert!([before, after].contains(&(days, hours)), "{text}");
    assert!(
        text.starts_with("距公示结束还有") && text.contains(&format!("{days} 天")) && text.ends_with("小时"),
        "{text}"
    );
    let ends_at = xiaozhen::domain::notice::ends_at(last)
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    assert_eq!(page.attr(".countdown", "data-ends-at"), Some(ends_at));
    assert!(page.attr(".countdown", "data-now").is_some_and(|n| n.ends_with('Z')));
    // The script, served from this server.
    let src = page
        .attr("script[src*=\"js/countdown.js\"]", "src")
        .expect("the countdown's script");
    let script = anon.get(&src).await;
    assert_eq!(script.status, StatusCode::OK);
    assert!(script.body.contains("data-ends-at"));
    // Ended: no countdown, no script.
    w.end_notice().await;
    let page = anon.get(&format!("/notices/{}", w.batch)).await;
    assert!(!page.has(".countdown") && !page.has("script[src*=\"js/countdown.js\"]"));
    assert_eq!(page.text(".notice-facts .ended"), "公示期已结束。");
}

#[tokio::test]
async fn the_admin_home_counts_the_objections_waiting_for_a_decision_and_links_to_them() {
    let w = world().await;
    let home = w.admin.get("/admin").await;
    assert_eq!(home.text(".open-objections .count"), "0");
    w.start().await;
    reference_of(&w.person(&w.app.client(), w.towns[0].0, "数据不实").await);
    reference_of(&w.organisation(&w.app.client_from(3), w.towns[1].0).await);
    let home = w.admin.get("/admin").await;
    assert_eq!(home.text(".open-objections .count"), "2");
    assert!(home.text(".open-objections").contains("条公示异议待处理"));
    assert!(home.has(".open-objections.pending"));
    let href = home.attr(".open-objections a", "href").unwrap();
    assert_eq!(href, format!("/admin/batches/{}/objections", w.batch));
    let list = w.admin.get(&href).await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.texts("table.objections tbody tr").len(), 2);
    let id = w.objection_ids().await[1];
    assert_eq!(w.resolve(id, "dismiss", "").await.status, StatusCode::SEE_OTHER);
    assert_eq!(w.admin.get("/admin").await.text(".open-objections .count"), "1");
}

#[tokio::test]
async fn an_objection_with_one_field_sent_100000_times_is_refused_quickly_and_nothing_is_kept() {
    let w = world().await;
    w.start().await;
    let fields = [
        ("form_token", w.token().await),
        ("kind", "person".to_owned()),
        ("name", PERSON.to_owned()),
        ("phone", PHONE.to_owned()),
        ("town", w.towns[0].0.to_string()),
    ];
    // Written by hand: a client library nests one stream per part.
    let boundary = "xiaozhen-flood-boundary";
    let part = |name: &str, value: &str| {
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
    };
    let mut body: String = fields.iter().map(|(k, v)| part(k, v)).collect();
    body.push_str(&part("grounds", "数据不实").repeat(100_000));
    body.push_str(&format!("--{boundary}--\r\n"));
    let client = w.app.client();
    let csrf = client.csrf().await;
    let started = std::time::Instant::now();
    let response = client
        .http
        .post(format!("{}/notices/{}/object?csrf_token={csrf}", client.base, w.batch))
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(body)
        .send()
        .await
        .expect("an answer");
    let page = Client::page(response).await;
    let took = started.elapsed();
    assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", page.body);
    assert!(page.body.contains("字段过多或重复"), "{}", page.body);
    assert!(took < std::time::Duration::from_secs(5), "took {took:?}");
    assert!(w.objection_ids().await.is_empty());
    let files: i64 = sqlx::query_scalar("SELECT count(*) FROM objection_files")
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    assert_eq!(files, 0);
    // The same form with its grounds once is taken.
    let mut once = fields.to_vec();
    once.push(("grounds", "数据不实".to_owned()));
    assert_eq!(w.object(&client, &once, Vec::new()).await.status, StatusCode::OK);
}
