use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde_json::json;

use super::*;
use crate::domain::Lang;

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// The sample's form, with some fields replaced (an empty value removes one).
fn form_with(changes: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut form: Vec<(String, String)> = sample_proposal()
        .to_input()
        .to_form_pairs()
        .into_iter()
        .filter(|(k, _)| !changes.iter().any(|(c, _)| c == k))
        .collect();
    form.extend(
        changes
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (k.to_string(), v.to_string())),
    );
    form
}

fn codes(errors: &[FieldError]) -> Vec<(&str, ErrorCode)> {
    errors.iter().map(|e| (e.field.as_str(), e.code)).collect()
}

fn one_field(field: &str, raw: &str) -> (ProposalInput, Vec<FieldError>) {
    ProposalInput::from_form(&pairs(&[(field, raw)]))
}

fn field_error(field: &str, raw: &str) -> Option<ErrorCode> {
    one_field(field, raw).1.first().map(|e| e.code)
}

fn json_errors(change: impl FnOnce(&mut serde_json::Value)) -> Vec<(String, ErrorCode)> {
    let mut v = sample_proposal().to_json();
    change(&mut v);
    match Proposal::from_json(&v) {
        Ok(_) => Vec::new(),
        Err(es) => es.into_iter().map(|e| (e.field, e.code)).collect(),
    }
}

fn complete_errors(change: impl FnOnce(&mut ProposalInput)) -> Vec<(String, ErrorCode)> {
    let mut input = sample_proposal().to_input();
    change(&mut input);
    match input.complete() {
        Ok(_) => Vec::new(),
        Err(es) => es.into_iter().map(|e| (e.field, e.code)).collect(),
    }
}

fn err(field: &str, code: ErrorCode) -> Vec<(String, ErrorCode)> {
    vec![(field.to_string(), code)]
}

#[test]
fn sample_is_complete_and_round_trips() {
    let p = sample_proposal();
    assert_eq!(p.to_input().complete(), Ok(p.clone()));
    assert_eq!(Proposal::from_json(&p.to_json()), Ok(p.clone()));
    assert_eq!(Proposal::from_form(&p.to_input().to_form_pairs()), Ok(p.clone()));
    assert_eq!(p.eligible_yi(), dec!(52));
    assert_eq!(p.built_mu(), dec!(1575));
    assert!(p.characteristic_share() > dec!(0.7));
}

#[test]
fn canonical_json_has_nested_groups_and_string_decimals() {
    let v = sample_proposal().to_json();
    assert_eq!(v["investment"]["total_yi"], json!("62"));
    assert_eq!(v["investment"]["by_year_yi"], json!(["14", "22", "26"]));
    assert_eq!(v["functions"]["scenic_level"], json!(3));
    assert_eq!(v["benefits"]["annual_visitors"], json!(650000));
    assert_eq!(v["industry"], json!("health"));
    assert!(v.get("classic_trade").is_none());
}

#[test]
fn form_reads_typed_values() {
    let (input, errors) = ProposalInput::from_form(&pairs(&[
        ("csrf_token", "x"),
        ("version", "3"),
        ("action", "save"),
        ("_method", "put"),
        ("name", "  健康美食小镇  "),
        ("planned_area_km2", "１２．５"),
        ("functions.culture", "true"),
        ("industry", "health"),
        ("developer", ""),
        ("investment.by_year_yi", "10"),
        ("investment.by_year_yi", "２０"),
        ("investment.by_year_yi", "30"),
        ("investment.by_year_yi", ""),
        ("investment.by_year_yi", ""),
    ]));
    assert_eq!(errors, vec![]);
    assert_eq!(input.name.as_deref(), Some("健康美食小镇"));
    assert_eq!(input.planned_area_km2, Some(dec!(12.5)));
    assert!(input.functions.culture);
    assert!(!input.functions.industry);
    assert_eq!(input.industry, Some(Industry::Health));
    assert_eq!(input.developer, None);
    assert_eq!(
        input.investment.by_year_yi,
        vec![Some(dec!(10)), Some(dec!(20)), Some(dec!(30))]
    );
    assert_eq!(input.form_value("planned_area_km2"), "12.5");
    assert_eq!(input.form_value("functions.culture"), "true");
    assert_eq!(input.form_value("functions.tourism"), "");
    assert_eq!(input.form_values("investment.by_year_yi"), vec!["10", "20", "30"]);
}

#[test]
fn form_number_errors_say_what_to_type() {
    let cases: &[(&str, &str, Option<ErrorCode>)] = &[
        ("investment.total_yi", "3.6", None),
        ("investment.total_yi", "３．６", None),
        ("investment.total_yi", "3,6", Some(ErrorCode::CommaInNumber)),
        ("investment.total_yi", "1,000", Some(ErrorCode::CommaInNumber)),
        ("functions.wifi_coverage_pct", "70%", Some(ErrorCode::PercentSign)),
        ("benefits.new_tax_wan", "30万", Some(ErrorCode::UnitInNumber)),
        ("investment.total_yi", "3.6亿元", Some(ErrorCode::UnitInNumber)),
        ("investment.total_yi", "abc", Some(ErrorCode::InvalidNumber)),
        ("investment.total_yi", "1e3", Some(ErrorCode::InvalidNumber)),
        ("investment.total_yi", "NaN", Some(ErrorCode::NotFinite)),
        ("investment.total_yi", "-Infinity", Some(ErrorCode::NotFinite)),
        ("investment.total_yi", "-1", Some(ErrorCode::Negative)),
        ("investment.total_yi", "0", None),
        ("investment.total_yi", "100000", None),
        ("investment.total_yi", "100000.0001", Some(ErrorCode::TooLarge)),
        ("investment.total_yi", "1.2345", None),
        ("investment.total_yi", "1.23450", None),
        ("investment.total_yi", "1.23456", Some(ErrorCode::TooManyDecimals)),
        ("benefits.new_tax_wan", "1000000000", None),
        ("benefits.new_tax_wan", "1000000000.01", Some(ErrorCode::TooLarge)),
        ("benefits.new_tax_wan", "1.005", Some(ErrorCode::TooManyDecimals)),
        ("planned_area_km2", "0", Some(ErrorCode::NotPositive)),
        ("planned_area_km2", "1000", None),
        ("planned_area_km2", "1000.0001", Some(ErrorCode::TooLarge)),
        ("planned_area_km2", "0.00001", Some(ErrorCode::TooManyDecimals)),
        ("functions.wifi_coverage_pct", "100", None),
        ("functions.wifi_coverage_pct", "100.01", Some(ErrorCode::TooLarge)),
        (
            "functions.wifi_coverage_pct",
            "99.999",
            Some(ErrorCode::TooManyDecimals),
        ),
        ("benefits.jobs", "2147483647", None),
        ("benefits.jobs", "2147483648", Some(ErrorCode::TooLarge)),
        ("benefits.jobs", "3.5", Some(ErrorCode::NotWholeNumber)),
        ("benefits.jobs", "-1", Some(ErrorCode::Negative)),
        ("benefits.jobs", "3,000", Some(ErrorCode::CommaInNumber)),
        ("functions.scenic_level", "5", None),
        ("functions.scenic_level", "6", Some(ErrorCode::TooLarge)),
        ("functions.scenic_level", "5A", Some(ErrorCode::UnitInNumber)),
        ("industry", "mining", Some(ErrorCode::InvalidChoice)),
        ("functions.culture", "yes", Some(ErrorCode::InvalidBoolean)),
        ("investment.by_year_yi", "3,6", Some(ErrorCode::CommaInNumber)),
    ];
    for (field, raw, want) in cases {
        assert_eq!(field_error(field, raw), *want, "{field} = {raw:?}");
    }
}

#[test]
fn form_text_is_counted_in_characters_after_trimming() {
    let name100 = "镇".repeat(100);
    assert_eq!(field_error("name", &format!("  {name100}  ")), None);
    assert_eq!(field_error("name", &"镇".repeat(101)), Some(ErrorCode::TooLong));
    assert_eq!(field_error("region", &"县".repeat(50)), None);
    assert_eq!(field_error("region", &"县".repeat(51)), Some(ErrorCode::TooLong));
    assert_eq!(field_error("developer", &"司".repeat(200)), None);
    assert_eq!(field_error("developer", &"司".repeat(201)), Some(ErrorCode::TooLong));
    let e = one_field("name", &"镇".repeat(101)).1.remove(0);
    assert_eq!(e.message(Lang::Zh), "小镇名称不能超过 100 个字（现为 101 个字）");
    assert_eq!(
        e.message(Lang::En),
        "Town name must be at most 100 characters (it has 101)"
    );
}

#[test]
fn form_rejects_unknown_fields_and_keeps_going() {
    let (input, errors) =
        ProposalInput::from_form(&pairs(&[("nmae", "x"), ("name", "镇"), ("investment.total_yi", "3,6")]));
    assert_eq!(
        codes(&errors),
        vec![
            ("nmae", ErrorCode::UnknownField),
            ("investment.total_yi", ErrorCode::CommaInNumber)
        ]
    );
    assert_eq!(input.name.as_deref(), Some("镇"));
    assert_eq!(input.draft_errors(), vec![]);
    assert_eq!(ProposalInput::default().draft_errors()[0].code, ErrorCode::Required);
}

#[test]
fn error_messages_in_both_languages() {
    let msg = |field: &str, raw: &str, lang| one_field(field, raw).1[0].message(lang);
    assert_eq!(
        msg("investment.total_yi", "abc", Lang::Zh),
        "请填写数字，例如 3.6（不要带单位或逗号）"
    );
    assert_eq!(
        msg("investment.total_yi", "abc", Lang::En),
        "Enter a number such as 3.6, without units or commas"
    );
    assert_eq!(
        msg("investment.total_yi", "3,6", Lang::Zh),
        "请不要使用逗号：小数点用“.”，千位不加分隔符，例如 3.6"
    );
    assert_eq!(
        msg("functions.wifi_coverage_pct", "70%", Lang::Zh),
        "请只填写数字，不要带 % 号，例如 70"
    );
    assert_eq!(
        msg("benefits.new_tax_wan", "30万", Lang::Zh),
        "请只填写数字，不要带单位（本栏单位为万元），例如 8000"
    );
    assert_eq!(
        msg("benefits.new_tax_wan", "30万", Lang::En),
        "Enter the number only, without units (this field is in ten-thousand yuan), e.g. 8000"
    );
    assert_eq!(
        msg("functions.wifi_coverage_pct", "101", Lang::Zh),
        "WiFi覆盖率不能大于 100%"
    );
    assert_eq!(
        msg("investment.total_yi", "1.23456", Lang::Zh),
        "计划固定资产投资总额最多保留 4 位小数"
    );
    assert_eq!(
        msg("investment.by_year_yi", "x", Lang::Zh),
        "请填写数字，例如 3.6（不要带单位或逗号）（第 1 项）"
    );
    let built = complete_errors(|i| i.built_area_km2 = Some(dec!(4)));
    assert_eq!(built, err("built_area_km2", ErrorCode::BuiltExceedsPlanned));
    let e = FieldError::new("built_area_km2", ErrorCode::BuiltExceedsPlanned);
    assert_eq!(e.message(Lang::Zh), "建设面积不能大于规划面积");
    assert_eq!(
        e.message(Lang::En),
        "The built area cannot be larger than the planned area"
    );
    assert_eq!(
        FieldError::new("planned_area_km2", ErrorCode::Required).message(Lang::Zh),
        "请填写规划面积"
    );
    assert_eq!(
        FieldError::new("industry", ErrorCode::Required).message(Lang::Zh),
        "请选择产业类别"
    );
    // Every code renders something in both languages.
    for f in FIELDS {
        let e = FieldError::new(f.name, ErrorCode::Required);
        assert!(!e.message(Lang::Zh).is_empty() && !e.message(Lang::En).is_empty());
    }
}

#[test]
fn complete_reports_every_missing_field_at_once() {
    let errors = ProposalInput::default().complete().unwrap_err();
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    let required: Vec<&str> = FIELDS.iter().filter(|f| f.required).map(|f| f.name).collect();
    assert_eq!(fields, required);
    assert!(errors.iter().all(|e| e.code == ErrorCode::Required));
}

#[test]
fn complete_cross_field_rules() {
    use ErrorCode as C;
    type Change = Box<dyn Fn(&mut ProposalInput)>;
    type Errors = Vec<(String, ErrorCode)>;
    let cases: Vec<(&str, Change, Errors)> = vec![
        (
            "built = planned is fine",
            Box::new(|i| i.built_area_km2 = Some(dec!(3.2))),
            vec![],
        ),
        (
            "built > planned",
            Box::new(|i| i.built_area_km2 = Some(dec!(3.2001))),
            err("built_area_km2", C::BuiltExceedsPlanned),
        ),
        (
            "exclusions above total",
            Box::new(|i| i.investment.residential_yi = Some(dec!(59))),
            err("investment.residential_yi", C::ExclusionsExceedTotal),
        ),
        (
            "eligible zero",
            Box::new(|i| {
                i.investment.residential_yi = Some(dec!(58));
                i.investment.characteristic_yi = Some(dec!(0));
            }),
            err("investment.total_yi", C::EligibleZero),
        ),
        (
            "characteristic above eligible",
            Box::new(|i| i.investment.characteristic_yi = Some(dec!(52.0001))),
            err("investment.characteristic_yi", C::CharacteristicExceedsEligible),
        ),
        (
            "characteristic = eligible",
            Box::new(|i| i.investment.characteristic_yi = Some(dec!(52))),
            vec![],
        ),
        (
            "two years",
            Box::new(|i| i.investment.by_year_yi = vec![Some(dec!(31)), Some(dec!(31))]),
            err("investment.by_year_yi", C::ByYearLength),
        ),
        (
            "accelerated needs five",
            Box::new(|i| i.accelerated_county = true),
            err("investment.by_year_yi", C::ByYearLength),
        ),
        (
            "accelerated five years",
            Box::new(|i| {
                i.accelerated_county = true;
                i.investment.by_year_yi = [6, 10, 12, 16, 18].map(|d| Some(Decimal::from(d))).to_vec();
            }),
            vec![],
        ),
        (
            "a gap",
            Box::new(|i| i.investment.by_year_yi = vec![Some(dec!(14)), None, Some(dec!(48))]),
            err("investment.by_year_yi", C::ByYearGap),
        ),
        (
            "sum off by 0.01 is tolerated",
            Box::new(|i| i.investment.by_year_yi = vec![Some(dec!(14)), Some(dec!(22)), Some(dec!(26.01))]),
            vec![],
        ),
        (
            "sum off by 0.0101",
            Box::new(|i| i.investment.by_year_yi = vec![Some(dec!(14)), Some(dec!(22)), Some(dec!(25.9899))]),
            err("investment.by_year_yi", C::ByYearSum),
        ),
        (
            "classic trade for a health town",
            Box::new(|i| i.classic_trade = Some(ClassicTrade::Tea)),
            err("classic_trade", C::ClassicTradeNotAllowed),
        ),
        (
            "classic trade for a historic classic town",
            Box::new(|i| {
                i.industry = Some(Industry::HistoricClassic);
                i.classic_trade = Some(ClassicTrade::YellowWine);
            }),
            vec![],
        ),
        (
            "blank developer is allowed",
            Box::new(|i| i.developer = Some("   ".into())),
            vec![],
        ),
        (
            "blank name is not",
            Box::new(|i| i.name = Some("   ".into())),
            err("name", C::Required),
        ),
        (
            "limits are checked again",
            Box::new(|i| i.functions.wifi_coverage_pct = Some(dec!(100.5))),
            err("functions.wifi_coverage_pct", C::TooLarge),
        ),
        (
            "scenic level range",
            Box::new(|i| i.functions.scenic_level = Some(6)),
            err("functions.scenic_level", C::TooLarge),
        ),
        (
            "negative count",
            Box::new(|i| i.benefits.jobs = Some(-1)),
            err("benefits.jobs", C::Negative),
        ),
    ];
    for (name, change, want) in cases {
        assert_eq!(complete_errors(change), want, "{name}");
    }
    // Several problems are all reported.
    let many = complete_errors(|i| {
        i.built_area_km2 = Some(dec!(9));
        i.investment.by_year_yi.pop();
        i.benefits.jobs = None;
    });
    assert_eq!(
        many,
        vec![
            ("built_area_km2".to_string(), C::BuiltExceedsPlanned),
            ("investment.by_year_yi".to_string(), C::ByYearLength),
            ("benefits.jobs".to_string(), C::Required),
        ]
    );
}

#[test]
fn by_year_messages() {
    let e = ProposalInput {
        accelerated_county: true,
        ..sample_proposal().to_input()
    }
    .complete()
    .unwrap_err()
    .remove(0);
    assert_eq!(
        e.message(Lang::Zh),
        "请逐年填写创建期 5 年的投资（创建期年数以所用标准为准），现填写了 3 年"
    );
    let mut input = sample_proposal().to_input();
    input.investment.by_year_yi[2] = Some(dec!(25));
    let e = input.complete().unwrap_err().remove(0);
    assert_eq!(
        e.message(Lang::Zh),
        "逐年投资合计 61 亿元，与投资总额 62 亿元不符（允许相差 0.01 亿元）"
    );
    assert_eq!(
        e.message(Lang::En),
        "The yearly figures add up to 61, not the total of 62 (tolerance 0.01)"
    );
}

#[test]
fn form_errors_are_not_repeated_as_missing() {
    let errors = Proposal::from_form(&form_with(&[("investment.total_yi", "62亿")])).unwrap_err();
    assert_eq!(codes(&errors), vec![("investment.total_yi", ErrorCode::UnitInNumber)]);
    let errors = Proposal::from_form(&form_with(&[("benefits.jobs", "")])).unwrap_err();
    assert_eq!(codes(&errors), vec![("benefits.jobs", ErrorCode::Required)]);
}

#[test]
fn json_reads_exact_decimals_from_numbers_and_strings() {
    let text = r#"{"name":"镇","region":"县","industry":"health","location":"independent",
        "planned_area_km2":3.2,"built_area_km2":"1.0500",
        "investment":{"total_yi":59.9999,"residential_yi":6,"commercial_complex_yi":4,"characteristic_yi":"40",
                      "by_year_yi":[12, "22", 25.9999]},
        "functions":{"scenic_level":3,"wifi_coverage_pct":100,"digital_management_pct":"99.99","culture":true},
        "benefits":{"new_tax_wan":1e3,"jobs":10,"annual_visitors":300000,"enterprises":0,"talents":0}}"#;
    let v: serde_json::Value = serde_json::from_str(text).unwrap();
    let p = Proposal::from_json(&v).unwrap();
    assert_eq!(p.eligible_yi(), dec!(49.9999));
    assert_eq!(p.built_area_km2(), dec!(1.05));
    assert_eq!(p.functions().digital_management_pct, dec!(99.99));
    assert_eq!(p.benefits().new_tax_wan, dec!(1000));
    assert!(p.functions().culture && !p.functions().industry && !p.accelerated_county());
    assert_eq!(p.developer(), "");
    assert_eq!(p.to_json()["investment"]["total_yi"], json!("59.9999"));
}

#[test]
fn json_errors_name_the_field() {
    use ErrorCode as C;
    assert_eq!(
        json_errors(|v| v["investment"]["foo"] = json!(1)),
        err("investment.foo", C::UnknownField)
    );
    assert_eq!(
        json_errors(|v| v["colour"] = json!("red")),
        err("colour", C::UnknownField)
    );
    assert_eq!(
        json_errors(|v| v["total_yi"] = json!(1)),
        err("total_yi", C::UnknownField)
    );
    assert_eq!(json_errors(|v| v["name"] = json!(5)), err("name", C::WrongType));
    assert_eq!(
        json_errors(|v| v["accelerated_county"] = json!("true")),
        err("accelerated_county", C::WrongType)
    );
    assert_eq!(
        json_errors(|v| v["investment"] = json!(5)),
        err("investment", C::WrongType)
    );
    assert_eq!(
        json_errors(|v| v["investment"]["total_yi"] = json!("NaN")),
        err("investment.total_yi", C::NotFinite)
    );
    assert_eq!(
        json_errors(|v| v["investment"]["total_yi"] = json!("Infinity")),
        err("investment.total_yi", C::NotFinite)
    );
    assert_eq!(
        json_errors(|v| v["investment"]["total_yi"] = json!(true)),
        err("investment.total_yi", C::WrongType)
    );
    assert_eq!(
        json_errors(|v| v["investment"]["total_yi"] = json!(-62)),
        err("investment.total_yi", C::Negative)
    );
    assert_eq!(
        json_errors(|v| v["functions"]["wifi_coverage_pct"] = json!("99.999")),
        err("functions.wifi_coverage_pct", C::TooManyDecimals)
    );
    assert_eq!(
        json_errors(|v| v["benefits"]["jobs"] = json!(10.5)),
        err("benefits.jobs", C::NotWholeNumber)
    );
    assert_eq!(
        json_errors(|v| v["benefits"]["jobs"] = json!(1e10)),
        err("benefits.jobs", C::TooLarge)
    );
    assert_eq!(
        json_errors(|v| v["industry"] = json!("mining")),
        err("industry", C::InvalidChoice)
    );
    assert_eq!(
        json_errors(|v| v["classic_trade"] = json!("jade")),
        err("classic_trade", C::InvalidChoice)
    );
    assert_eq!(
        json_errors(|v| v["investment"]["by_year_yi"] = json!([14, "x", 26])),
        err("investment.by_year_yi", C::InvalidNumber)
    );
    assert_eq!(
        json_errors(|v| v["investment"]["by_year_yi"] = json!("14")),
        err("investment.by_year_yi", C::WrongType)
    );
    assert_eq!(
        json_errors(|v| {
            v.as_object_mut().unwrap().remove("region");
        }),
        err("region", C::Required)
    );
    assert_eq!(json_errors(|v| v["developer"] = json!(null)), vec![]);
    assert_eq!(
        json_errors(|v| v["name"] = json!(" ".repeat(3) + &"镇".repeat(100))),
        vec![]
    );
    assert_eq!(
        json_errors(|v| v["name"] = json!("镇".repeat(101))),
        err("name", C::TooLong)
    );
    assert_eq!(
        codes(&Proposal::from_json(&json!([1])).unwrap_err()),
        vec![("", C::NotAnObject)]
    );
    let e = Proposal::from_json(&json!({"investment": {"foo": 1}})).unwrap_err();
    assert_eq!(e[0].message(Lang::Zh), "未知字段“investment.foo”");
    assert!(e.iter().any(|e| e.field == "name" && e.code == C::Required));
    let api = e[0].to_api(Lang::En);
    assert_eq!(api.field, "investment.foo");
    assert_eq!(api.message, "Unknown field “investment.foo”");
}

#[test]
fn fields_table_is_consistent() {
    let mut input = ProposalInput::default();
    for f in FIELDS {
        assert!(input.slot(f.name).is_some(), "{} has no slot", f.name);
        assert!(!f.label_zh.is_empty() && !f.help_zh.is_empty() && !f.help_en.is_empty());
    }
    assert_eq!(
        field("planned_area_km2").map(|f| f.help_zh),
        Some("规划面积一般控制在3平方公里左右")
    );
    assert_eq!(Industry::Health.label(Lang::Zh), "健康");
    assert_eq!(
        Industry::from_code("high_end_equipment"),
        Some(Industry::HighEndEquipment)
    );
    assert_eq!(Location::BuiltUpCenter.label(Lang::En), "centre of a built-up area");
    assert_eq!(ClassicTrade::ALL.len(), 10);
    assert_eq!(Choice::Industry.options(Lang::Zh).len(), 9);
}

#[test]
fn every_unknown_name_is_named_once_however_often_it_comes() {
    let mut pairs: Vec<(String, String)> = (0..3_000).map(|i| (format!("f{i}"), String::new())).collect();
    pairs.extend((0..3_000).map(|_| ("f7".to_owned(), "x".to_owned())));
    let (_, errors) = ProposalInput::from_form(&pairs);
    assert_eq!(errors.len(), 3_000);
    assert!(errors.iter().all(|e| e.code == ErrorCode::UnknownField));
    assert_eq!(errors.iter().filter(|e| e.field == "f7").count(), 1);
}
