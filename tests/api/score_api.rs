//! `POST /api/v1/score` through the real server: a proposal and judged
//! lines in, points per line, subtotals, total, vetoes and grade out; every
//! error named by its field. Expected figures are worked out by hand from
//! the built-in tables (src/standards/builtin/*-v3.json).

use reqwest::StatusCode;
use serde_json::{Value, json};
use xiaozhen::domain::proposal::sample_proposal;

use crate::helpers::TestApp;

const ZJ_TABLES: &str = "/api/v1/score?standard=ZJ-2015&version=3";

async fn score(app: &TestApp, path: &str, body: &Value, lang: &str) -> (StatusCode, Value) {
    let response = reqwest::Client::new()
        .post(app.url(path))
        .header("content-type", "application/json")
        .header("accept-language", lang)
        .body(body.to_string())
        .send()
        .await
        .expect("request");
    let status = response.status();
    let text = response.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}")),
    )
}

fn judged(points: &[(&str, &str)]) -> Value {
    let mut map = serde_json::Map::new();
    for (line, p) in points {
        map.insert(line.to_string(), json!({"points": p, "comment": "材料齐全"}));
    }
    for veto in ["v.redline", "v.farmland", "v.debt"] {
        map.insert(veto.to_string(), json!({"veto": false}));
    }
    Value::Object(map)
}

fn line<'a>(answer: &'a Value, code: &str) -> &'a Value {
    answer["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["lines"].as_array().unwrap())
        .find(|l| l["code"] == code)
        .unwrap_or_else(|| panic!("no line {code}"))
}

fn section<'a>(answer: &'a Value, code: &str) -> &'a Value {
    answer["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["code"] == code)
        .unwrap_or_else(|| panic!("no section {code}"))
}

#[tokio::test]
async fn scores_the_sample_on_the_creation_review_table() {
    let app = TestApp::spawn().await;
    let body = json!({
        "proposal": sample_proposal().to_json(),
        "judged": judged(&[("j.plan", "7.5"), ("j.industry", "7"), ("j.culture", "4"), ("j.tourism", "3.5"),
                           ("j.community", "3"), ("j.developer", "0"), ("x.innovation", "2")]),
    });
    let (status, answer) = score(&app, ZJ_TABLES, &body, "zh-CN").await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["standard"], json!({"code": "ZJ-2015", "version": 3}));
    assert_eq!(answer["tables"], json!(["zj.creation_review"]));
    // Basic: every criterion passes (60) but the share, 40.5 / 52 = 77.88%,
    // is one whole step of 5 above 70: 6 + 1 = 7 of 8 → 59.
    assert_eq!(section(&answer, "basic")["subtotal"], "59");
    let share = line(&answer, "b.share");
    assert_eq!(share["points"], "7");
    assert!(share["explanation"].as_str().unwrap().contains("超出 1 档"), "{share}");
    // Judged: 7.5 + 7 + 4 + 3.5 + 3 + 0 = 25 (j.reform not given).
    assert_eq!(section(&answer, "expert")["subtotal"], "25");
    // Bonus: tax 16,000 万元 below 20,000 → 0; 120 firms → 1; 800 talents → 1; innovation 2.
    assert_eq!(section(&answer, "bonus")["subtotal"], "4");
    assert_eq!(answer["total"], "88");
    assert_eq!(answer["maximum"], "110");
    assert_eq!(answer["grade"], json!({"code": "good", "name": "良好"}));
    assert_eq!(answer["vetoes"], json!([]));
    assert_eq!(answer["pending"], json!(["j.reform"]));
    assert_eq!(line(&answer, "j.plan")["explanation"], "评分 7.5 分：材料齐全");

    // The table is the version's creation review table when not named.
    let (status, plain) = score(&app, "/api/v1/score?standard=ZJ-2015&version=3", &body, "en").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(plain["total"], "88");
    assert_eq!(plain["grade"]["name"], "Good");
}

#[tokio::test]
async fn a_veto_makes_the_result_fail_whatever_the_points() {
    let app = TestApp::spawn().await;
    let mut j = judged(&[
        ("j.plan", "8"),
        ("j.industry", "8"),
        ("j.culture", "5"),
        ("j.tourism", "5"),
        ("j.community", "5"),
        ("j.reform", "4"),
        ("j.developer", "5"),
    ]);
    j["v.farmland"] = json!({"veto": true, "comment": "规划范围占用永久基本农田 12 亩"});
    let body = json!({"proposal": sample_proposal().to_json(), "judged": j});
    let (status, answer) = score(&app, ZJ_TABLES, &body, "zh-CN").await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["total"], "101");
    assert_eq!(
        answer["vetoes"],
        json!([{"code": "v.farmland", "name": "占用永久基本农田"}])
    );
    assert_eq!(answer["grade"]["code"], "fail");
    assert!(
        line(&answer, "v.farmland")["explanation"]
            .as_str()
            .unwrap()
            .contains("触发一票否决")
    );
}

#[tokio::test]
async fn the_annual_table_grades_by_both_parts() {
    let app = TestApp::spawn().await;
    let table = "/api/v1/score?standard=ZJ-2015&version=3&table=zj.annual_assessment";
    let body = |completion: &str, progress: &str, honours: &str| {
        json!({
            "proposal": sample_proposal().to_json(),
            "completion_pct": completion,
            "judged": {
                "a.progress": {"points": progress}, "a.industry": {"points": "15"}, "a.functions": {"points": "15"},
                "a.management": {"points": "10"}, "a.honours": {"points": honours},
                "a.veto.safety": {"veto": false}, "a.veto.debt": {"veto": false}
            }
        })
    };
    // 97.2% is two whole points short: 40 − 2 = 38; + 5 + 40 = 83 basic; bonus 8.
    let (status, answer) = score(&app, table, &body("97.2", "5", "8"), "zh-CN").await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(line(&answer, "a.completion")["points"], "38");
    assert_eq!(section(&answer, "basic")["subtotal"], "83");
    assert_eq!(
        answer["grade"]["code"], "pass",
        "basic below 85: not 优秀 whatever the bonus"
    );
    // 100%: basic 40 + 60 = 100, bonus 8 → 优秀.
    let (_, answer) = score(&app, table, &body("100", "20", "8"), "zh-CN").await;
    assert_eq!(
        (answer["total"].as_str(), answer["grade"]["code"].as_str()),
        (Some("108"), Some("excellent"))
    );
    // Bonus 7.5 → 合格.
    let (_, answer) = score(&app, table, &body("100", "20", "7.5"), "zh-CN").await;
    assert_eq!(answer["grade"]["code"], "pass");
}

#[tokio::test]
async fn errors_name_their_fields() {
    let app = TestApp::spawn().await;
    let proposal = sample_proposal().to_json();

    // Points off the table's steps, a computed line, an unknown line: all at once.
    let body = json!({"proposal": proposal, "judged": {
        "j.plan": {"points": "8.3"}, "b.share": {"points": "8"}, "nope": {"points": "1"}
    }});
    let (status, answer) = score(&app, ZJ_TABLES, &body, "zh-CN").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = answer["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["judged.b.share", "judged.j.plan", "judged.nope"]);
    assert_eq!(
        answer["errors"][1]["message"],
        "分值应在 0 到 8 之间，且为 0.5 的整数倍"
    );

    // The proposal's own errors, prefixed.
    let mut bad = proposal.clone();
    bad["investment"]["total_yi"] = json!("-1");
    let (status, answer) = score(&app, ZJ_TABLES, &json!({"proposal": bad}), "en").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        answer["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["field"] == "proposal.investment.total_yi"),
        "{answer}"
    );

    // No proposal, an unknown key, a body that is not an object.
    let (status, answer) = score(&app, ZJ_TABLES, &json!({"judged": {}, "extra": 1}), "zh-CN").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = answer["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["extra", "proposal"]);
    let (status, _) = score(&app, ZJ_TABLES, &json!([1, 2]), "zh-CN").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // An unknown table, an industry table named directly, a version without tables.
    let body = json!({"proposal": proposal});
    let (status, answer) = score(&app, &format!("{ZJ_TABLES}&table=nope"), &body, "zh-CN").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(answer["errors"][0]["field"], "table");
    let (status, answer) = score(&app, "/api/v1/score?standard=ZJ-2015&version=1", &body, "zh-CN").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(answer["errors"][0]["field"], "table");
    assert!(
        answer["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("没有创建申报评审评分表")
    );
    let (status, answer) = score(&app, "/api/v1/score?standard=ZJ-2015&version=0", &body, "zh-CN").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(answer["errors"][0]["field"], "version");
}

#[tokio::test]
async fn tables_are_part_of_the_published_definition() {
    let app = TestApp::spawn().await;
    let response = reqwest::get(app.url("/api/v1/standards/CN-2021?version=3"))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let definition: Value = response.json().await.unwrap();
    let tables = definition["tables"].as_array().expect("tables");
    assert_eq!(tables.len(), 1);
    assert_eq!(tables[0]["code"], "cn.creation_review");
    assert_eq!(tables[0]["purpose"], "creation_review");
    // Version 1 carries none, and writes no empty list either.
    let v1: Value = reqwest::get(app.url("/api/v1/standards/CN-2021?version=1"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(v1.get("tables").is_none());

    let spec: Value = reqwest::get(app.url("/api/v1/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        spec["paths"]["/api/v1/score"]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/ScoreBody"
    );
    assert!(spec["components"]["schemas"]["ScoreAnswer"].is_object());
}
