//! The JSON API (`/api/v1`) through the real server: evaluation, its error
//! answers, the standards, and the OpenAPI description of every route.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use xiaozhen::domain::proposal::sample_proposal;

use crate::helpers::TestApp;

const EVALUATE: &str = "/api/v1/evaluate";

struct Answer {
    status: StatusCode,
    content_type: String,
    json: Value,
}

async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    content_type: Option<&str>,
    lang: Option<&str>,
    body: Vec<u8>,
) -> Answer {
    let mut request = reqwest::Client::new().request(method, app.url(path)).body(body);
    if let Some(ct) = content_type {
        request = request.header("content-type", ct);
    }
    if let Some(lang) = lang {
        request = request.header("accept-language", lang);
    }
    let response = request.send().await.expect("request");
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let text = response.text().await.expect("body");
    let json = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}"));
    Answer {
        status,
        content_type,
        json,
    }
}

async fn evaluate_in(app: &TestApp, path: &str, body: &Value, lang: Option<&str>) -> Answer {
    send(
        app,
        Method::POST,
        path,
        Some("application/json"),
        lang,
        body.to_string().into_bytes(),
    )
    .await
}

async fn evaluate(app: &TestApp, body: &Value) -> Answer {
    evaluate_in(app, EVALUATE, body, None).await
}

async fn get(app: &TestApp, path: &str) -> Answer {
    send(app, Method::GET, path, None, None, Vec::new()).await
}

fn sample() -> Value {
    sample_proposal().to_json()
}

fn finding<'a>(answer: &'a Value, criterion: &str) -> &'a Value {
    answer["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["criterion"] == criterion)
        .unwrap_or_else(|| panic!("no finding {criterion} in {answer:#}"))
}

/// The `(field, message)` pairs of an error answer.
fn errors(answer: &Answer) -> Vec<(String, String)> {
    answer.json["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("not an error answer: {:#}", answer.json))
        .iter()
        .map(|e| {
            (
                e["field"].as_str().expect("field").to_owned(),
                e["message"].as_str().expect("message").to_owned(),
            )
        })
        .collect()
}

fn fields(answer: &Answer) -> Vec<String> {
    errors(answer).into_iter().map(|(f, _)| f).collect()
}

#[tokio::test]
async fn a_passing_proposal_passes_every_criterion_of_the_active_standard() {
    let app = TestApp::spawn().await;
    let answer = evaluate(&app, &sample()).await;
    assert_eq!(answer.status, StatusCode::OK, "{:#}", answer.json);
    assert!(answer.content_type.starts_with("application/json"));
    let a = &answer.json;
    // A new installation activates the newest built-in ZJ-2015.
    assert_eq!(a["standard"], json!({"code": "ZJ-2015", "version": 5}));
    assert_eq!(a["overall"], "pass");
    let findings = a["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 27);
    // Every judged criterion passes; the benefit figures are reported for
    // information; the materials do not apply (the body lists none), nor
    // does the boundary (no boundary comes with a stateless request).
    let without_files = |f: &Value| {
        let id = f["criterion"].as_str().unwrap();
        id.starts_with("material.") || id.starts_with("boundary.")
    };
    assert!(
        findings.iter().all(|f| f["verdict"] == "pass"
            || f["verdict"] == "info"
            || (f["verdict"] == "not_applicable" && without_files(f))),
        "{a:#}"
    );
    let benefit = finding(a, "benefit.jobs");
    assert_eq!(benefit["verdict"], "info");
    assert_eq!(benefit["required"], Value::Null);
    assert_eq!(benefit["margin"], Value::Null);
    let f = finding(a, "investment.eligible_total");
    assert_eq!(f["actual"], "52 亿元");
    assert_eq!(f["required"], "≥ 50 亿元");
    assert_eq!(f["margin"], "+2 亿元");
    assert_eq!(
        f["message_zh"],
        "计划投资 52 亿元（扣除商品住宅和商业综合体后），高于 50 亿元的标准 2 亿元"
    );
    assert_eq!(
        f["message_en"],
        "Planned investment of 52 hundred-million yuan (excluding commercial housing and commercial complexes) \
         exceeds the 50 threshold by 2"
    );
    // Version 2 cites the rule it applies: the 导则's 50 / 30 亿元.
    let citation = f["citation"].as_str().unwrap();
    assert!(
        citation.contains("浙特镇办〔2015〕9号") && citation.contains("50亿元以上"),
        "{f:#}"
    );
    // Exactly the documented keys.
    let mut keys: Vec<&str> = f.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "actual",
            "citation",
            "criterion",
            "margin",
            "message_en",
            "message_zh",
            "required",
            "verdict"
        ]
    );
}

#[tokio::test]
async fn a_planned_area_above_the_guide_passes_with_warnings() {
    let app = TestApp::spawn().await;
    let mut body = sample();
    body["planned_area_km2"] = json!("4.0");
    let answer = evaluate(&app, &body).await;
    assert_eq!(answer.status, StatusCode::OK, "{:#}", answer.json);
    assert_eq!(answer.json["overall"], "pass_with_warnings");
    let f = finding(&answer.json, "space.planned_area");
    assert_eq!(f["verdict"], "warn");
    assert_eq!(f["actual"], "4 平方公里", "{f:#}");
    assert_eq!(f["required"], "1.5–3.6 平方公里");
    assert_eq!(f["margin"], "−0.4 平方公里", "{f:#}");
    assert_eq!(
        f["message_zh"],
        "规划面积 4 平方公里，大于 3.6 平方公里的上限 0.4 平方公里"
    );
}

#[tokio::test]
async fn an_eligible_investment_just_below_fifty_fails() {
    let app = TestApp::spawn().await;
    let mut body = sample();
    body["investment"] = json!({
        "total_yi": 50.9999,
        "residential_yi": 1,
        "commercial_complex_yi": 0,
        "characteristic_yi": 40,
        "by_year_yi": [12, 22, "16.9999"],
    });
    let answer = evaluate(&app, &body).await;
    assert_eq!(answer.status, StatusCode::OK, "{:#}", answer.json);
    assert_eq!(answer.json["overall"], "fail");
    let f = finding(&answer.json, "investment.eligible_total");
    assert_eq!(f["verdict"], "fail");
    assert_eq!(f["actual"], "49.9999 亿元");
    assert_eq!(f["required"], "≥ 50 亿元");
    assert_eq!(f["margin"], "−0.0001 亿元");
    assert_eq!(
        f["message_zh"],
        "计划投资 49.9999 亿元（扣除商品住宅和商业综合体后），低于 50 亿元的标准 0.0001 亿元"
    );
    // The other criteria are still judged.
    assert_eq!(
        finding(&answer.json, "investment.characteristic_share")["verdict"],
        "pass"
    );
}

#[tokio::test]
async fn a_standard_is_chosen_by_code() {
    let app = TestApp::spawn().await;
    let answer = evaluate_in(&app, "/api/v1/evaluate?standard=CN-2021", &sample(), None).await;
    assert_eq!(answer.status, StatusCode::OK, "{:#}", answer.json);
    // The newest version of the code.
    assert_eq!(answer.json["standard"], json!({"code": "CN-2021", "version": 5}));
    // No boundary can come with a stateless request: its criteria do not apply.
    let area = answer.json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["criterion"] == "boundary.area")
        .expect("v5 has boundary criteria");
    assert_eq!(area["verdict"], "not_applicable");
    assert_eq!(area["message_zh"], "本次评估不含四至范围，本项不适用");
    assert_eq!(answer.json["overall"], "pass");
    let ids: Vec<&str> = answer.json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["criterion"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&"green.coverage") && ids.contains(&"land.residential_share"),
        "{ids:?}"
    );
    assert!(!ids.contains(&"function.wifi"), "{ids:?}");

    let explicit = evaluate_in(&app, "/api/v1/evaluate?standard=ZJ-2015", &sample(), None).await;
    assert_eq!(explicit.json["standard"], json!({"code": "ZJ-2015", "version": 5}));
    // Version 1 stays available when named, as shipped.
    let v1 = evaluate_in(&app, "/api/v1/evaluate?standard=CN-2021&version=1", &sample(), None).await;
    assert_eq!(v1.json["standard"], json!({"code": "CN-2021", "version": 1}));
    let v1 = evaluate_in(&app, "/api/v1/evaluate?standard=ZJ-2015&version=1", &sample(), None).await;
    let f = finding(&v1.json, "investment.eligible_total");
    assert!(f["citation"].as_str().unwrap().contains("浙政发〔2015〕8号"), "{f:#}");
}

#[tokio::test]
async fn an_unknown_standard_is_404_naming_the_field() {
    let app = TestApp::spawn().await;
    let answer = evaluate_in(&app, "/api/v1/evaluate?standard=XX-1999", &sample(), None).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert_eq!(
        errors(&answer),
        [("standard".to_owned(), "未找到标准“XX-1999”，请核对标准代码".to_owned())]
    );
    let en = evaluate_in(&app, "/api/v1/evaluate?standard=XX-1999", &sample(), Some("en")).await;
    assert_eq!(
        errors(&en)[0].1,
        "There is no standard “XX-1999”; check the standard code"
    );
}

#[tokio::test]
async fn a_body_that_is_not_declared_json_is_415() {
    let app = TestApp::spawn().await;
    let body = sample().to_string().into_bytes();
    for content_type in [None, Some("text/plain"), Some("application/x-www-form-urlencoded")] {
        let answer = send(&app, Method::POST, EVALUATE, content_type, None, body.clone()).await;
        assert_eq!(answer.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{content_type:?}");
        assert_eq!(
            errors(&answer),
            [(
                String::new(),
                "请求体须为 JSON，请将 Content-Type 设为 application/json".to_owned()
            )]
        );
    }
    let with_charset = send(
        &app,
        Method::POST,
        EVALUATE,
        Some("Application/JSON; charset=utf-8"),
        None,
        body,
    )
    .await;
    assert_eq!(with_charset.status, StatusCode::OK);
}

#[tokio::test]
async fn json_that_does_not_parse_is_400() {
    let app = TestApp::spawn().await;
    let broken = send(
        &app,
        Method::POST,
        EVALUATE,
        Some("application/json"),
        None,
        b"{\"name\": ".to_vec(),
    )
    .await;
    assert_eq!(broken.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        errors(&broken),
        [(
            String::new(),
            "请求体不是有效的 JSON（第 1 行第 9 列附近有误）".to_owned()
        )]
    );
    for body in [&b""[..], b"{\"name\": \xff}", b"{} trailing", b"NaN"] {
        let answer = send(
            &app,
            Method::POST,
            EVALUATE,
            Some("application/json"),
            Some("en"),
            body.to_vec(),
        )
        .await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{body:?}");
        assert!(
            errors(&answer)[0].1.starts_with("The request body is not valid JSON"),
            "{body:?}"
        );
    }
}

#[tokio::test]
async fn invalid_proposals_are_422_with_every_field_named() {
    let app = TestApp::spawn().await;

    // Wrong type.
    let mut body = sample();
    body["name"] = json!(5);
    body["accelerated_county"] = json!("yes");
    let answer = evaluate(&app, &body).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&answer), ["name", "accelerated_county"]);

    // Missing field.
    let mut body = sample();
    body.as_object_mut().unwrap().remove("industry");
    body["benefits"].as_object_mut().unwrap().remove("jobs");
    let answer = evaluate(&app, &body).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        errors(&answer),
        [
            ("industry".to_owned(), "请选择产业类别".to_owned()),
            ("benefits.jobs".to_owned(), "请填写建成后就业人数".to_owned()),
        ]
    );

    // Unknown fields, at the top and inside a group.
    let mut body = sample();
    body["colour"] = json!("red");
    body["investment"]["land_yi"] = json!(1);
    let answer = evaluate(&app, &body).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&answer), ["colour", "investment.land_yi"]);

    // Invalid values: a by-year list that does not sum to the total, a negative amount.
    let mut body = sample();
    body["investment"]["by_year_yi"] = json!([14, 22, 25]);
    body["benefits"]["new_tax_wan"] = json!(-1);
    let answer = evaluate(&app, &body).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&answer), ["investment.by_year_yi", "benefits.new_tax_wan"]);

    // Not an object at all.
    let answer = evaluate(&app, &json!([1, 2, 3])).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&answer), [""]);
}

#[tokio::test]
async fn messages_follow_accept_language() {
    let app = TestApp::spawn().await;
    let mut body = sample();
    body["industry"] = json!("mining");
    let zh = evaluate_in(&app, EVALUATE, &body, None).await;
    let en = evaluate_in(&app, EVALUATE, &body, Some("en-GB,en;q=0.9")).await;
    assert_eq!(zh.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(en.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&zh), ["industry"]);
    assert_eq!(fields(&en), ["industry"]);
    let zh_message = &errors(&zh)[0].1;
    let en_message = &errors(&en)[0].1;
    assert!(
        zh_message.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "{zh_message}"
    );
    assert!(en_message.is_ascii(), "{en_message}");
    assert_ne!(zh_message, en_message);

    // Figures of a success answer too; messages come in both languages anyway.
    let ok = evaluate_in(&app, EVALUATE, &sample(), Some("en")).await;
    let f = finding(&ok.json, "investment.eligible_total");
    assert_eq!(f["actual"], "52 hundred-million yuan");
    assert_eq!(
        f["message_zh"],
        "计划投资 52 亿元（扣除商品住宅和商业综合体后），高于 50 亿元的标准 2 亿元"
    );
}

#[tokio::test]
async fn no_body_makes_the_api_answer_500() {
    let app = TestApp::spawn().await;
    // Larger than the API reads (but within the server's limit): 413, as JSON.
    let mut huge = b"{\"name\": \"".to_vec();
    huge.extend(std::iter::repeat_n(b'a', 10 * 1024 * 1024));
    huge.extend(b"\"}");
    let answer = send(&app, Method::POST, EVALUATE, Some("application/json"), None, huge).await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        errors(&answer),
        [(String::new(), "请求体过大，不得超过 1 MB".to_owned())]
    );

    let deep = "[".repeat(100_000);
    let mut odd: Vec<Vec<u8>> = vec![
        deep.into_bytes(),
        b"1e999999".to_vec(),
        b"\"\\u0000\"".to_vec(),
        b"null".to_vec(),
        b"{\"investment\": {\"total_yi\": 1e400, \"by_year_yi\": [\"x\", null, {}]}}".to_vec(),
        b"{\"planned_area_km2\": 123456789012345678901234567890.123456789}".to_vec(),
        b"{\"benefits\": {\"jobs\": 99999999999999999999999}}".to_vec(),
        b"{\"functions\": {\"scenic_level\": -0.0}}".to_vec(),
    ];
    odd.push(format!("{{\"name\": \"{}\"}}", "镇".repeat(10_000)).into_bytes());
    for body in odd {
        let answer = send(
            &app,
            Method::POST,
            EVALUATE,
            Some("application/json"),
            None,
            body.clone(),
        )
        .await;
        assert!(
            matches!(answer.status.as_u16(), 400 | 422),
            "{} for {}",
            answer.status,
            String::from_utf8_lossy(&body[..body.len().min(80)])
        );
        assert!(!errors(&answer).is_empty());
    }
}

#[tokio::test]
async fn the_standards_are_listed_and_readable_by_anyone() {
    let app = TestApp::spawn().await;
    let list = get(&app, "/api/v1/standards").await;
    assert_eq!(list.status, StatusCode::OK);
    let items = list.json.as_array().expect("a list");
    // Both built-in standards in versions 1 to 5 (3 adds the example
    // scoring tables, 4 the materials, 5 the boundary); ZJ-2015 version 5 active.
    assert_eq!(items.len(), 10);
    let zj = items
        .iter()
        .find(|s| s["code"] == "ZJ-2015" && s["version"] == 5)
        .expect("ZJ-2015 v5");
    assert_eq!(zj["status"], "active");
    assert_eq!(zj["active"], true);
    assert!(!zj["name_zh"].as_str().unwrap().is_empty());
    assert!(!zj["name_en"].as_str().unwrap().is_empty());
    assert_eq!(zj["effective_from"].as_str().unwrap().len(), 10);
    for (code, version) in [
        ("ZJ-2015", 1),
        ("ZJ-2015", 2),
        ("ZJ-2015", 3),
        ("CN-2021", 1),
        ("CN-2021", 2),
        ("CN-2021", 3),
        ("CN-2021", 4),
        ("ZJ-2015", 4),
        ("CN-2021", 5),
    ] {
        let s = items
            .iter()
            .find(|s| s["code"] == code && s["version"] == version)
            .expect("listed");
        assert_eq!(
            (&s["status"], &s["active"]),
            (&json!("published"), &json!(false)),
            "{code} v{version}"
        );
    }

    let definition = get(&app, "/api/v1/standards/ZJ-2015").await;
    assert_eq!(definition.status, StatusCode::OK);
    let d = &definition.json;
    assert_eq!(d["code"], "ZJ-2015");
    // The newest version: 5, with the boundary criteria and their parameters.
    assert_eq!(d["version"], 5);
    assert_eq!(d["name_zh"], zj["name_zh"]);
    let criteria = d["criteria"].as_array().unwrap();
    assert_eq!(criteria.len(), 27);
    let area = criteria.iter().find(|c| c["id"] == "boundary.area").unwrap();
    assert_eq!(area["kind"], json!({"type": "boundary_area", "tolerance_pct": "10"}));
    assert!(criteria.iter().any(|c| c["id"] == "investment.eligible_total"));

    let by_version = get(&app, "/api/v1/standards/CN-2021?version=1").await;
    assert_eq!(by_version.status, StatusCode::OK);
    assert_eq!(by_version.json["code"], "CN-2021");

    let no_version = get(&app, "/api/v1/standards/CN-2021?version=7").await;
    assert_eq!(no_version.status, StatusCode::NOT_FOUND);
    assert_eq!(
        errors(&no_version),
        [("version".to_owned(), "标准“CN-2021”没有已发布的第 7 版".to_owned())]
    );
    let bad_version = get(&app, "/api/v1/standards/CN-2021?version=first").await;
    assert_eq!(bad_version.status, StatusCode::BAD_REQUEST);
    assert_eq!(fields(&bad_version), ["version"]);
    let unknown = get(&app, "/api/v1/standards/XX-1999").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(fields(&unknown), ["standard"]);
}

/// The router is generated from the description (`routes::api_routes`),
/// so every served path is in it; here every path of the description must
/// answer its method, and every answer must name its JSON schema.
#[tokio::test]
async fn openapi_describes_every_route() {
    let app = TestApp::spawn().await;
    let answer = get(&app, "/api/v1/openapi.json").await;
    assert_eq!(answer.status, StatusCode::OK);
    let spec = &answer.json;
    assert!(
        spec["openapi"].as_str().unwrap().starts_with("3."),
        "{}",
        spec["openapi"]
    );
    assert_eq!(spec, &serde_json::to_value(xiaozhen::routes::openapi()).unwrap());
    let paths = spec["paths"].as_object().expect("paths");
    for expected in [
        "/api/v1/evaluate",
        "/api/v1/standards",
        "/api/v1/standards/{code}",
        "/api/v1/openapi.json",
    ] {
        assert!(paths.contains_key(expected), "{expected} missing");
    }
    let schemas = spec["components"]["schemas"].as_object().expect("schemas");
    for name in [
        "Proposal",
        "EvaluationAnswer",
        "FindingAnswer",
        "ErrorAnswer",
        "StandardSummary",
    ] {
        assert!(schemas.contains_key(name), "schema {name} missing");
    }
    assert_eq!(
        spec["paths"]["/api/v1/evaluate"]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/Proposal"
    );
    // The body may list the proposal's materials, by type code.
    assert_eq!(
        schemas["Proposal"]["properties"]["materials"]["items"]["enum"],
        serde_json::json!([
            "concept_plan",
            "investment_plan",
            "developer_profile",
            "support_policy",
            "basic_info"
        ])
    );

    let mut operations = 0;
    for (path, item) in paths {
        assert!(path.starts_with("/api/v1/"), "{path}");
        for (method, operation) in item.as_object().unwrap() {
            let Ok(method) = Method::from_bytes(method.to_uppercase().as_bytes()) else {
                continue;
            };
            if !operation.is_object() || operation.get("responses").is_none() {
                continue;
            }
            operations += 1;
            // Every answer, errors included, is JSON with a schema.
            let responses = operation["responses"].as_object().unwrap();
            assert!(responses.contains_key("200"), "{method} {path}: no 200");
            for (status, response) in responses {
                let schema = &response["content"]["application/json"]["schema"];
                assert!(schema.is_object(), "{method} {path} {status}: no JSON schema");
                if let Some(reference) = schema["$ref"].as_str().or(schema["items"]["$ref"].as_str()) {
                    let name = reference.trim_start_matches("#/components/schemas/");
                    assert!(
                        schemas.contains_key(name),
                        "{method} {path} {status}: {reference} undefined"
                    );
                }
            }
            // The path is served: fill path parameters with their examples.
            let mut concrete = path.clone();
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                if parameter["in"] == "path" {
                    let name = parameter["name"].as_str().unwrap();
                    let example = &parameter["example"];
                    let value = example
                        .as_str()
                        .map(str::to_owned)
                        .unwrap_or_else(|| example.to_string());
                    assert!(
                        !example.is_null(),
                        "{method} {path}: path parameter {name} has no example"
                    );
                    concrete = concrete.replace(&format!("{{{name}}}"), &value);
                }
            }
            let served = send(&app, method.clone(), &concrete, None, None, Vec::new()).await;
            assert_ne!(served.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {concrete}");
            // A 404 must come from the handler (naming what it did not
            // find), not from the router's fallback.
            if served.status == StatusCode::NOT_FOUND {
                assert!(
                    errors(&served).iter().all(|(field, _)| !field.is_empty()),
                    "{method} {concrete} is not routed"
                );
            }
        }
    }
    assert!(operations >= 4);

    // The router's fallback does answer unknown API paths with 404 and an empty field.
    let unknown = get(&app, "/api/v1/no-such-path").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(fields(&unknown), [""]);
}
