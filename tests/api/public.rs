//! The public pages and files: only published batches and the towns frozen
//! in them; nothing private (drafts, unlisted or rejected proposals,
//! comments, reviewers' and officials' names); downloads that parse back to
//! the rows of the page; a content hash that matches the JSON.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use reqwest::StatusCode;
use rust_decimal::Decimal;
use serde_json::Value;
use sha2::{Digest, Sha256};
use xiaozhen::domain::Role;

use crate::batches::{SECRET_COMMENT, admin_id, approved, published_list};
use crate::helpers::{TestApp, sample_input};

/// The rows of the batch page's table, cell texts.
fn page_rows(page: &crate::helpers::Page) -> Vec<Vec<String>> {
    let html = page.html();
    let row = scraper::Selector::parse("table.towns tbody tr").unwrap();
    let cell = scraper::Selector::parse("td").unwrap();
    html.select(&row)
        .map(|r| {
            r.select(&cell)
                .map(|c| c.text().collect::<String>().trim().to_owned())
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn downloads_parse_back_to_the_rows_of_the_page_and_the_hash_matches() {
    let app = TestApp::spawn().await;
    let official = app.official_of("off", "诸城市").await;
    let a = approved(&app, &official, "Town A").await;
    let b = approved(&app, &official, "Town B").await;
    let id = published_list(&app, "First list", &[a, b]).await;
    let client = app.client();
    let page = client.get(&format!("/batches/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let rows = page_rows(&page);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0][1], "Town A");
    assert_eq!(
        page.attr("table.towns td.name a", "href").as_deref(),
        Some(format!("/towns/{a}").as_str())
    );
    let headers = page.texts("table.towns th");

    // CSV: UTF-8 with a byte-order mark, the same header and rows.
    let csv = client
        .http
        .get(app.url(&format!("/batches/{id}.csv")))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let bytes = csv.bytes().await.unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "a byte-order mark");
    let mut reader = csv::Reader::from_reader(&bytes[3..]);
    let csv_headers: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(csv_headers, headers);
    let csv_rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    assert_eq!(csv_rows, rows);

    // XLSX: header, then the rows; numbers are numbers.
    let xlsx = client
        .http
        .get(app.url(&format!("/batches/{id}.xlsx")))
        .send()
        .await
        .unwrap();
    assert_eq!(xlsx.status(), StatusCode::OK);
    let bytes = xlsx.bytes().await.unwrap().to_vec();
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).expect("an XLSX file");
    let sheet = book.worksheet_range_at(0).expect("a sheet").expect("readable");
    assert_eq!(sheet.height(), 1 + rows.len(), "the header and one row per town");
    let mut sheet_rows = sheet.rows();
    let head: Vec<String> = sheet_rows.next().unwrap().iter().map(|c| c.to_string()).collect();
    assert_eq!(head, headers);
    for (cells, row) in sheet_rows.zip(&rows) {
        assert_eq!(cells[0], Data::Float(row[0].parse().unwrap()));
        assert_eq!(cells[1].to_string(), row[1]);
        assert_eq!(cells[2].to_string(), row[2]);
        assert_eq!(cells[3].to_string(), row[3]);
        for col in 4..=6 {
            let Data::Float(value) = cells[col] else {
                panic!("column {col} is a number: {:?}", cells[col])
            };
            let expected: Decimal = row[col].parse().unwrap();
            assert!(
                (value - expected.to_string().parse::<f64>().unwrap()).abs() < 1e-9,
                "column {col}"
            );
        }
        assert_eq!(cells[7].to_string(), row[7]);
    }

    // JSON: the same towns; its SHA-256 is the hash on the page.
    let json = client
        .http
        .get(app.url(&format!("/batches/{id}.json")))
        .send()
        .await
        .unwrap();
    assert_eq!(json.status(), StatusCode::OK);
    let bytes = json.bytes().await.unwrap();
    let digest = hex::encode(Sha256::digest(&bytes));
    assert_eq!(digest, page.text("code.content-hash"));
    let value: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(value["title"], "First list");
    let towns = value["towns"].as_array().unwrap();
    assert_eq!(towns.len(), rows.len());
    for (t, row) in towns.iter().zip(&rows) {
        assert_eq!(t["position"].to_string(), row[0]);
        assert_eq!(t["name"], row[1].as_str());
        assert_eq!(t["region"], row[2].as_str());
        assert_eq!(t["industry_zh"], row[3].as_str());
        assert_eq!(t["planned_area_km2"], row[4].as_str());
        assert_eq!(t["eligible_investment_yi"], row[5].as_str());
        assert_eq!(t["characteristic_share_pct"], row[6].as_str());
    }
    // The stored hash, the page and the file agree, and stay so.
    let again = client
        .http
        .get(app.url(&format!("/batches/{id}.json")))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(again, bytes);
}

#[tokio::test]
async fn the_api_gives_the_same_data_for_published_batches_only() {
    let app = TestApp::spawn().await;
    let official = app.official_of("off", "诸城市").await;
    let a = approved(&app, &official, "Town A").await;
    let id = published_list(&app, "First list", &[a]).await;
    let draft =
        xiaozhen::services::batches::create_list_batch_without_notice(&app.db, admin_id(&app).await, "Draft", "")
            .await
            .unwrap();
    // Through the real server: the routes come from the OpenAPI router.
    let client = app.client();
    let get = |path: String| {
        let client = &client;
        async move {
            let page = client.get(&path).await;
            (
                page.status,
                serde_json::from_str::<Value>(&page.body).unwrap_or(Value::Null),
            )
        }
    };
    let (status, list) = get("/api/v1/batches".to_owned()).await;
    assert_eq!(status, StatusCode::OK);
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 1, "drafts are not listed");
    assert_eq!(list[0]["id"], id);
    assert_eq!(list[0]["towns"], 1);
    let (status, one) = get(format!("/api/v1/batches/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    let file: Value = app
        .client()
        .get(&format!("/batches/{id}.json"))
        .await
        .body
        .parse()
        .unwrap();
    let mut without_hash = one.clone();
    without_hash.as_object_mut().unwrap().remove("content_hash");
    assert_eq!(without_hash, file);
    assert_eq!(one["content_hash"].as_str().map(str::len), Some(64));
    let (status, _) = get(format!("/api/v1/batches/{draft}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn nothing_unpublished_or_private_is_public() {
    let app = TestApp::spawn().await;
    let official = app.official_of("secretofficial", "诸城市").await;
    // A proposal in every status but listed, each with a distinct name.
    let draft = app.draft(&official, &sample_input("Hidden draft")).await;
    let submitted = app.submitted(&official, &sample_input("Hidden submitted")).await;
    let mut others = vec![draft, submitted];
    for status in ["returned", "rejected", "withdrawn"] {
        let id = app
            .submitted(&official, &sample_input(&format!("Hidden {status}")))
            .await;
        sqlx::query("UPDATE proposals SET status = $2 WHERE id = $1")
            .bind(id)
            .bind(status)
            .execute(&app.db)
            .await
            .unwrap();
        others.push(id);
    }
    let unlisted = approved(&app, &official, "Hidden approved").await;
    others.push(unlisted);
    let listed = approved(&app, &official, "Public town").await;
    let in_draft = approved(&app, &official, "Hidden in draft batch").await;
    others.push(in_draft);
    let published = published_list(&app, "Public list", &[listed]).await;
    let admin = admin_id(&app).await;
    let draft_batch =
        xiaozhen::services::batches::create_list_batch_without_notice(&app.db, admin, "Hidden draft batch", "")
            .await
            .unwrap();
    xiaozhen::services::batches::add_entry(&app.db, admin, draft_batch, in_draft, "")
        .await
        .unwrap();

    let client = app.client();
    // Unpublished records: 404, in every form.
    for id in &others {
        assert_eq!(
            client.get(&format!("/towns/{id}")).await.status,
            StatusCode::NOT_FOUND,
            "town {id}"
        );
    }
    for suffix in ["", ".csv", ".xlsx", ".json"] {
        assert_eq!(
            client.get(&format!("/batches/{draft_batch}{suffix}")).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            client.get(&format!("/batches/999999{suffix}")).await.status,
            StatusCode::NOT_FOUND
        );
    }
    for bad in ["abc", "1.pdf", "-1", "+1", "1.csv.json", ".csv"] {
        assert_eq!(
            client.get(&format!("/batches/{bad}")).await.status,
            StatusCode::NOT_FOUND,
            "{bad}"
        );
    }
    assert_eq!(client.get("/towns/abc").await.status, StatusCode::NOT_FOUND);

    // Public pages and files name none of it.
    let private = [
        "Hidden",
        SECRET_COMMENT,
        "secretofficial",
        "reviewer9",
        "display",
        "admin9",
        &official.display_name,
    ];
    let mut bodies = Vec::new();
    for path in [
        "/".to_owned(),
        format!("/batches/{published}"),
        format!("/batches/{published}.csv"),
        format!("/batches/{published}.json"),
        format!("/towns/{listed}"),
    ] {
        let page = client.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        bodies.push((path, page.body));
    }
    let xlsx = client
        .http
        .get(app.url(&format!("/batches/{published}.xlsx")))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(xlsx.to_vec())).unwrap();
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    let text: String = sheet
        .rows()
        .flat_map(|r| r.iter().map(|c| c.to_string()))
        .collect::<Vec<_>>()
        .join("|");
    bodies.push(("xlsx".to_owned(), text));
    for (path, body) in &bodies {
        for secret in private {
            assert!(!body.contains(secret), "{path} shows {secret:?}");
        }
    }
    assert!(bodies[0].1.contains("Public list"));
    assert!(bodies[4].1.contains("Public town"));
}

#[tokio::test]
async fn a_town_page_explains_why_it_qualified() {
    let app = TestApp::spawn().await;
    let official = app.official_of("off", "诸城市").await;
    let a = approved(&app, &official, "Town A").await;
    let batch = published_list(&app, "First list", &[a]).await;
    let page = app.client().get(&format!("/towns/{a}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.text("main h1"), "Town A");
    assert_eq!(page.text(".meta .region"), "诸城市");
    assert_eq!(
        page.attr(".listed-in a", "href").as_deref(),
        Some(format!("/batches/{batch}").as_str())
    );
    assert!(
        page.text(".standard").contains("ZJ-2015 v5"),
        "standard and version: {}",
        page.text(".standard")
    );
    assert_eq!(page.text(".badge.overall"), "合格");
    assert_eq!(
        page.texts("table.findings tbody tr").len(),
        27,
        "every finding of ZJ-2015's 27 criteria is shown"
    );
    assert!(page.texts("dl.figures dt").iter().any(|t| t == "特色产业投资占比"));
    // The official's later edits are impossible; the frozen page survives a
    // change of the live row (e.g. a data fix by SQL).
    sqlx::query("UPDATE proposals SET name = 'Renamed live' WHERE id = $1")
        .bind(a)
        .execute(&app.db)
        .await
        .unwrap();
    assert_eq!(app.client().get(&format!("/towns/{a}")).await.text("main h1"), "Town A");
    // In English too.
    let client = app.client();
    client.get("/lang/en").await;
    let en = client.get(&format!("/towns/{a}")).await;
    assert_eq!(en.text(".badge.overall"), "Passed");
    assert_eq!(en.text(".meta .industry"), "Health");
    let _ = Role::Admin;
}

/// Visible text of a page, leaving out elements marked as another language.
fn visible_text(page: &crate::helpers::Page, lang: &str) -> String {
    fn walk(el: scraper::ElementRef, lang: &str, out: &mut String) {
        if el.value().attr("lang").is_some_and(|l| l != lang) {
            return;
        }
        if matches!(el.value().name(), "script" | "style" | "title") {
            return;
        }
        for child in el.children() {
            match child.value() {
                scraper::Node::Text(t) => {
                    out.push_str(t);
                    out.push(' ');
                }
                scraper::Node::Element(_) => {
                    if let Some(e) = scraper::ElementRef::wrap(child) {
                        walk(e, lang, out);
                    }
                }
                _ => {}
            }
        }
    }
    let html = page.html();
    let mut out = String::new();
    walk(html.root_element(), lang, &mut out);
    out
}

/// Chinese characters of a text, less what users typed (the region, the
/// sample's developer).
fn chinese(text: &str) -> String {
    let developer = sample_input("x").developer.unwrap_or_default();
    text.replace(&developer, "")
        .replace("诸城市", "")
        .chars()
        .filter(|c| matches!(c, '\u{3000}'..='\u{303f}' | '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}' | '\u{ff00}'..='\u{ffef}'))
        .collect()
}

#[tokio::test]
async fn batch_town_and_admin_batch_pages_are_wholly_english_when_chosen() {
    let app = TestApp::spawn().await;
    let official = app.official_of("off", "诸城市").await;
    let a = approved(&app, &official, "Town A").await;
    let b = approved(&app, &official, "Town B").await;
    let list = published_list(&app, "First list", &[a, b]).await;
    let admin = app.login_as(Role::Admin).await;
    let withdrawal = admin
        .post(
            "/admin/batches",
            &[
                ("kind", "withdrawal"),
                ("withdraws", &list.to_string()),
                ("title", "Withdrawal"),
            ],
        )
        .await;
    let withdrawal = withdrawal.location().unwrap();
    admin
        .post(
            &format!("{withdrawal}/entries"),
            &[("proposal", &b.to_string()), ("reason", "Reason")],
        )
        .await;
    let draft = admin
        .post("/admin/batches", &[("kind", "list"), ("title", "Draft list")])
        .await
        .location()
        .unwrap();
    let anonymous = app.client();
    anonymous.get("/lang/en").await;
    admin.get("/lang/en").await;
    let pages = [
        (&anonymous, "/".to_owned()),
        (&anonymous, format!("/batches/{list}")),
        (&anonymous, format!("/towns/{a}")),
        (&admin, withdrawal.clone()),
        (&admin, format!("{withdrawal}/preview")),
        (&admin, draft.clone()),
        (&admin, format!("/admin/batches/{list}")),
        (&admin, "/admin/audit".to_owned()),
        (&admin, "/admin".to_owned()),
    ];
    for (client, path) in pages {
        let page = client.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        let text = visible_text(&page, "en");
        assert_eq!(chinese(&text), "", "{path} shows Chinese in English:\n{text}");
    }
    // And the Chinese pages are Chinese.
    let zh = app.client().get(&format!("/towns/{a}")).await;
    assert!(visible_text(&zh, "zh-CN").contains("列入依据"));
}

/// A town published with a characteristic-industry share of 69.995% (36.3974
/// of 52 亿元) against ZJ-2015's ≥ 70%: approved by a reviewer who confirmed
/// the failing verdict, then published. Everywhere the public sees it, the
/// share is 69.99% — cut down, never rounded to the nearest (70%), which
/// would stand beside a failing verdict.
#[tokio::test]
async fn a_share_just_under_its_threshold_is_published_as_failing_everywhere() {
    use xiaozhen::services::reviews::{Decision, DecisionInput, decide};

    let app = TestApp::spawn().await;
    let official = app.official_of("off", "诸城市").await;
    let mut input = sample_input("差一点小镇");
    input.investment.characteristic_yi = Some("36.3974".parse().unwrap());
    let id = app.submitted(&official, &input).await;
    let reviewer_id = app.create_user("rev", Role::Reviewer, None).await;
    let reviewer = app.user(reviewer_id).await;
    let mut approve = DecisionInput::new(Decision::Approve, "同意", app.proposal_version(id).await);
    approve.confirm_fail = true;
    approve.confirm_reason = "其他条件突出".to_owned();
    decide(&app.db, &reviewer, id, &approve).await.expect("approved");
    let batch = published_list(&app, "First list", &[id]).await;

    // The town page: the figure, and the finding with its margin.
    let town = app.client().get(&format!("/towns/{id}")).await;
    assert_eq!(town.status, StatusCode::OK);
    let html = town.html();
    let pair = scraper::Selector::parse("dl.figures div").unwrap();
    let figures: Vec<(String, String)> = html
        .select(&pair)
        .map(|d| {
            let text = |s: &str| {
                let sel = scraper::Selector::parse(s).unwrap();
                d.select(&sel).next().unwrap().text().collect::<String>()
            };
            (text("dt"), text("dd"))
        })
        .collect();
    assert!(
        figures.contains(&("特色产业投资占比".to_owned(), "69.99%".to_owned())),
        "{figures:?}"
    );
    let row = scraper::Selector::parse("table.findings tbody tr").unwrap();
    let cell = |r: scraper::ElementRef<'_>, s: &str| {
        let sel = scraper::Selector::parse(s).unwrap();
        r.select(&sel)
            .next()
            .unwrap()
            .text()
            .collect::<String>()
            .trim()
            .to_owned()
    };
    let share = html
        .select(&row)
        .find(|r| cell(*r, "td.criterion").starts_with("特色产业投资占比"))
        .expect("the share's finding");
    assert_eq!(cell(share, "td.actual"), "69.99%");
    assert_eq!(cell(share, "td.required"), "≥ 70%");
    assert_eq!(cell(share, ".verdict .badge"), "不符合");
    assert!(
        cell(share, "td.message").starts_with("特色产业投资占比 69.99%，低于 70%的标准 0.01 个百分点"),
        "{}",
        cell(share, "td.message")
    );

    // The batch page, its CSV and its JSON.
    let page = app.client().get(&format!("/batches/{batch}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let rows = page_rows(&page);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][6], "69.99");
    let csv = app.client().get(&format!("/batches/{batch}.csv")).await;
    assert_eq!(csv.status, StatusCode::OK);
    let mut reader = csv::Reader::from_reader(csv.body.trim_start_matches('\u{feff}').as_bytes());
    let records: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(records.len(), 1);
    assert_eq!(&records[0][6], "69.99");
    let json: Value = serde_json::from_str(&app.client().get(&format!("/batches/{batch}.json")).await.body).unwrap();
    assert_eq!(json["towns"][0]["characteristic_share_pct"], "69.99");
    assert_eq!(json["towns"][0]["overall"], "fail");
}
