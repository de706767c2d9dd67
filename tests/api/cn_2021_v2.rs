//! CN-2021 version 2 (issue 17) through `POST /api/v1/evaluate?standard=
//! CN-2021&version=2`: each criterion on both sides of its threshold, as
//! exact decimals, with the guideline's own bases (shares and investment per
//! mu of total investment).

use reqwest::StatusCode;
use serde_json::{Value, json};
use xiaozhen::domain::proposal::sample_proposal;

use crate::helpers::TestApp;

const V2: &str = "/api/v1/evaluate?standard=CN-2021&version=2";

/// The sample proposal with `patch` merged in (objects merged key by key;
/// a null removes the key).
fn proposal(patch: &Value) -> Value {
    fn merge(into: &mut Value, patch: &Value) {
        match (into, patch) {
            (Value::Object(a), Value::Object(b)) => {
                for (k, v) in b {
                    if v.is_null() {
                        a.remove(k);
                    } else {
                        merge(a.entry(k.clone()).or_insert(Value::Null), v);
                    }
                }
            }
            (slot, v) => *slot = v.clone(),
        }
    }
    let mut p = sample_proposal().to_json();
    merge(&mut p, patch);
    p
}

/// Evaluates each case under CN-2021 v2 and checks `criterion`'s verdict;
/// answers the findings of the last case.
async fn cases(criterion: &str, cases: &[(Value, &str)]) -> Value {
    let app = TestApp::spawn().await;
    let mut last = Value::Null;
    for (patch, verdict) in cases {
        let response = reqwest::Client::new()
            .post(app.url(V2))
            .header("content-type", "application/json")
            .body(proposal(patch).to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{patch}");
        let answer: Value = response.json().await.unwrap();
        assert_eq!(answer["standard"], json!({"code": "CN-2021", "version": 2}));
        let finding = answer["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["criterion"] == criterion)
            .unwrap_or_else(|| panic!("no {criterion} in {answer:#}"))
            .clone();
        assert_eq!(finding["verdict"], *verdict, "{criterion} with {patch}: {finding:#}");
        last = finding;
    }
    last
}

#[tokio::test]
async fn industry_eligible() {
    cases(
        "industry.eligible",
        &[(json!({}), "pass"), (json!({"industry": "other"}), "fail")],
    )
    .await;
}

#[tokio::test]
async fn planned_area_from_1_to_5_km2() {
    let built = |planned: &str| json!({"planned_area_km2": planned, "built_area_km2": "0.5"});
    cases(
        "space.planned_area",
        &[
            (built("1"), "pass"),
            (built("0.9999"), "warn"),
            (built("5"), "pass"),
            (built("5.0001"), "warn"),
            (json!({"industry": "tourism", "planned_area_km2": "8"}), "pass"),
            (
                json!({"industry": "tourism", "planned_area_km2": "0.9999", "built_area_km2": "0.5"}),
                "warn",
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn built_area_at_least_half_a_km2() {
    let f = cases(
        "space.built_area",
        &[
            (json!({"built_area_km2": "0.5"}), "pass"),
            (json!({"built_area_km2": "0.4999"}), "warn"),
        ],
    )
    .await;
    assert_eq!(f["margin"], "−0.0001 平方公里");
}

#[tokio::test]
async fn green_coverage_at_least_30_percent() {
    cases(
        "green.coverage",
        &[
            (json!({"green_coverage_pct": "30"}), "pass"),
            (json!({"green_coverage_pct": "29.99"}), "warn"),
        ],
    )
    .await;
}

#[tokio::test]
async fn characteristic_share_of_total_investment_at_least_60_percent() {
    // 60% of the total 62 亿元 is 37.2; 33 is 63.46% of the eligible 52 but
    // 53.23% of the total.
    let share = |c: &str| json!({"investment": {"characteristic_yi": c}});
    let f = cases(
        "investment.characteristic_share",
        &[
            (share("37.2"), "pass"),
            (share("37.1938"), "warn"),
            (share("33"), "warn"),
        ],
    )
    .await;
    assert!(f["message_zh"].as_str().unwrap().contains("总投资"), "{f:#}");
}

#[tokio::test]
async fn investment_per_mu_of_total_investment_at_least_200_wan() {
    // 60 亿元 on 2 km² (3,000 亩): exactly 200 万元/亩 of total investment,
    // housing included.
    let case = |residential: &str, characteristic: &str, built: &str| {
        json!({
            "built_area_km2": built,
            "benefits": {"new_tax_wan": "30000"},
            "investment": {"total_yi": "60", "residential_yi": residential, "characteristic_yi": characteristic,
                           "by_year_yi": ["14", "22", "24"]}
        })
    };
    let f = cases(
        "investment.per_mu",
        &[
            (case("6", "40.5", "2"), "pass"),
            (case("6", "40.5", "2.0001"), "warn"),
            (case("20", "36", "2"), "pass"),
        ],
    )
    .await;
    assert!(f["message_zh"].as_str().unwrap().contains("按总投资计"), "{f:#}");
}

#[tokio::test]
async fn labour_productivity_at_least_20_wan() {
    cases(
        "productivity.labour",
        &[
            (json!({"labour_productivity_wan": "20"}), "pass"),
            (json!({"labour_productivity_wan": "19.99"}), "warn"),
        ],
    )
    .await;
}

#[tokio::test]
async fn jobs_at_least_2000() {
    cases(
        "benefit.jobs",
        &[
            (json!({"benefits": {"jobs": 2000}}), "pass"),
            (json!({"benefits": {"jobs": 1999}}), "warn"),
        ],
    )
    .await;
}

#[tokio::test]
async fn tax_per_mu_at_least_10_wan() {
    // 1.05 km² is 1,575 亩: 15,750 万元 is exactly 10 万元/亩.
    cases(
        "benefit.tax_per_mu",
        &[
            (json!({"benefits": {"new_tax_wan": "15750"}}), "pass"),
            (json!({"benefits": {"new_tax_wan": "15749.99"}}), "warn"),
        ],
    )
    .await;
}

#[tokio::test]
async fn visitors_of_tourism_and_historic_classic_towns_at_least_500000() {
    let town = |industry: &str, visitors: i64| {
        let mut p = json!({"industry": industry, "benefits": {"annual_visitors": visitors}});
        if industry == "historic_classic" {
            p["classic_trade"] = json!("tea");
        }
        p
    };
    cases(
        "benefit.annual_visitors",
        &[
            (town("tourism", 500_000), "pass"),
            (town("tourism", 499_999), "warn"),
            (town("historic_classic", 500_000), "pass"),
            (town("historic_classic", 499_999), "warn"),
            (town("health", 1), "not_applicable"),
        ],
    )
    .await;
}

#[tokio::test]
async fn new_economy_share_at_least_20_percent() {
    cases(
        "economy.new_share",
        &[
            (json!({"new_economy_share_pct": "20"}), "pass"),
            (json!({"new_economy_share_pct": "19.99"}), "warn"),
        ],
    )
    .await;
}

#[tokio::test]
async fn rd_intensity_of_manufacturing_and_digital_towns_at_least_2_5_percent() {
    cases(
        "innovation.rd_intensity",
        &[
            (
                json!({"industry": "high_end_equipment", "rd_intensity_pct": "2.5"}),
                "pass",
            ),
            (
                json!({"industry": "information_economy", "rd_intensity_pct": "2.49"}),
                "warn",
            ),
            (
                json!({"industry": "information_economy", "rd_intensity_pct": null}),
                "missing",
            ),
            (json!({"industry": "health", "rd_intensity_pct": "1"}), "not_applicable"),
        ],
    )
    .await;
}

#[tokio::test]
async fn residential_land_at_most_30_percent() {
    cases(
        "land.residential_share",
        &[
            (json!({"residential_land_pct": "30"}), "pass"),
            (json!({"residential_land_pct": "30.01"}), "warn"),
        ],
    )
    .await;
}

#[tokio::test]
async fn a_version_is_named_with_its_code_and_must_exist() {
    let app = TestApp::spawn().await;
    let post = |path: &'static str| {
        let app = &app;
        async move {
            let response = reqwest::Client::new()
                .post(app.url(path))
                .header("content-type", "application/json")
                .body(sample_proposal().to_json().to_string())
                .send()
                .await
                .unwrap();
            let status = response.status();
            (status, response.json::<Value>().await.unwrap())
        }
    };
    let (status, v1) = post("/api/v1/evaluate?standard=CN-2021&version=1").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v1["standard"], json!({"code": "CN-2021", "version": 1}));
    let (status, missing) = post("/api/v1/evaluate?standard=CN-2021&version=9").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(missing["errors"][0]["field"], "version");
    let (status, bad) = post("/api/v1/evaluate?standard=CN-2021&version=second").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(bad["errors"][0]["field"], "version");
    let (status, alone) = post("/api/v1/evaluate?version=2").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        alone["errors"][0]["message"],
        "指定版本时须同时给出标准代码，例如 ?standard=CN-2021&version=2"
    );
}
