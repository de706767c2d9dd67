//! Each line kind at and around its boundaries, caps, vetoes over points,
//! the Putian two-part band, and tables read from JSON alone.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde_json::json;

use super::*;
use crate::domain::Lang;
use crate::domain::proposal::{Industry, Proposal, ProposalInput, sample_proposal};
use crate::standards::{StandardErrorCode, Verdict, builtin_standard};

/// ZJ-2015 v1 with the tables given as JSON: a table needs no Rust change.
fn standard_with(tables: serde_json::Value) -> crate::standards::Standard {
    let mut s = builtin_standard("ZJ-2015", 1).expect("built in").clone();
    s.tables = serde_json::from_value(tables).expect("tables parse");
    assert_eq!(s.validate(), vec![], "the fixture is a valid standard");
    s
}

/// The sample proposal with some fields changed; must stay valid.
fn with(change: impl FnOnce(&mut ProposalInput)) -> Proposal {
    let mut input = sample_proposal().to_input();
    change(&mut input);
    input.complete().expect("test proposal is valid")
}

fn grades() -> serde_json::Value {
    json!({
        "bands": [
            {"grade": {"code": "excellent", "name_zh": "优秀", "name_en": "Excellent"}, "min_total": "90"},
            {"grade": {"code": "pass", "name_zh": "合格", "name_en": "Pass"}, "min_total": "70"}
        ],
        "otherwise": {"code": "fail", "name_zh": "不合格", "name_en": "Fail"}
    })
}

fn table(lines: serde_json::Value, cap: &str) -> serde_json::Value {
    json!([{
        "code": "review", "name_zh": "评审", "name_en": "Review", "purpose": "creation_review",
        "sections": [{"code": "s", "name_zh": "部分", "name_en": "Section", "cap": cap, "lines": lines}],
        "grades": grades()
    }])
}

fn line(code: &str, max: &str, kind: serde_json::Value) -> serde_json::Value {
    json!({"code": code, "name_zh": code, "name_en": code, "max": max, "kind": kind})
}

fn run(s: &crate::standards::Standard, p: &Proposal, judged: &Judgements) -> ScoreResult {
    let inputs = ScoreInputs {
        judged: Some(judged),
        ..ScoreInputs::default()
    };
    score(p, s, "review", &inputs).expect("scores")
}

fn completion_line() -> serde_json::Value {
    // 完成得基本分，每超1%加1分，最高加2分；每少1%扣1分，扣完为止.
    line(
        "completion",
        "12",
        json!({"type": "target", "figure": "completion_pct", "target": "100", "base": "10", "step": "1",
               "per_step_above": "1", "above_cap": "2", "per_step_below": "1"}),
    )
}

fn completion_points(pct: Decimal) -> (Decimal, Decimal) {
    let s = standard_with(table(json!([completion_line()]), "100"));
    let inputs = ScoreInputs {
        completion_pct: Some(pct),
        ..ScoreInputs::default()
    };
    let r = score(&sample_proposal(), &s, "review", &inputs).expect("scores");
    let l = r.line("completion").expect("line");
    let How::Target { steps, .. } = l.how else {
        panic!("a target line says how: {:?}", l.how)
    };
    (l.points, steps)
}

#[test]
fn target_counts_whole_steps_only() {
    // The examples of STANDARDS.md §6.
    assert_eq!(completion_points(dec!(103.7)), (dec!(12), dec!(3)));
    assert_eq!(completion_points(dec!(97.2)), (dec!(8), dec!(-2)));
    // At and around the target.
    assert_eq!(completion_points(dec!(100)), (dec!(10), dec!(0)));
    assert_eq!(completion_points(dec!(100.99)), (dec!(10), dec!(0)));
    assert_eq!(completion_points(dec!(101)), (dec!(11), dec!(1)));
    assert_eq!(completion_points(dec!(99.99)), (dec!(10), dec!(0)));
    assert_eq!(completion_points(dec!(99)), (dec!(9), dec!(-1)));
    // Deducted down to 0, never below.
    assert_eq!(completion_points(dec!(90)), (dec!(0), dec!(-10)));
    assert_eq!(completion_points(dec!(3)), (dec!(0), dec!(-97)));
}

#[test]
fn target_without_its_figure_earns_nothing() {
    let s = standard_with(table(json!([completion_line()]), "100"));
    let r = run(&s, &sample_proposal(), &Judgements::new());
    let l = r.line("completion").unwrap();
    assert_eq!(l.points, dec!(0));
    assert!(matches!(l.how, How::FigureMissing { .. }));
}

#[test]
fn target_lower_is_better() {
    // Residential land share at most 25%: 4 points, 1 more per 5 points
    // below (cap 1), 2 fewer per 5 points above.
    let s = standard_with(table(
        json!([line(
            "land",
            "5",
            json!({"type": "target", "figure": "residential_land_pct", "direction": "lower",
            "target": "25", "base": "4", "step": "5", "per_step_above": "1", "above_cap": "1", "per_step_below": "2"})
        )]),
        "100",
    ));
    let points = |pct: Decimal| {
        let p = with(|i| i.residential_land_pct = Some(pct));
        run(&s, &p, &Judgements::new()).line("land").unwrap().points
    };
    assert_eq!(points(dec!(25)), dec!(4));
    assert_eq!(points(dec!(20.01)), dec!(4));
    assert_eq!(points(dec!(20)), dec!(5));
    assert_eq!(points(dec!(5)), dec!(5));
    assert_eq!(points(dec!(29.99)), dec!(4));
    assert_eq!(points(dec!(30)), dec!(2));
    assert_eq!(points(dec!(34.99)), dec!(2));
    assert_eq!(points(dec!(35)), dec!(0));
    assert_eq!(points(dec!(60)), dec!(0));
}

#[test]
fn criterion_lines_follow_the_final_verdict() {
    let s = standard_with(table(
        json!([
            line(
                "area",
                "4",
                json!({"type": "criterion", "criterion": "space.planned_area", "warn_fraction": "0.5"})
            ),
            line(
                "share",
                "6",
                json!({"type": "criterion", "criterion": "investment.characteristic_share"})
            )
        ]),
        "100",
    ));
    let r = run(&s, &sample_proposal(), &Judgements::new());
    assert_eq!(r.line("area").unwrap().points, dec!(4));
    assert_eq!(r.line("share").unwrap().points, dec!(6));

    // A soft criterion that warns earns its fraction: 3.6 km² passes, 3.6001 warns.
    let p = with(|i| i.planned_area_km2 = Some(dec!(3.6)));
    assert_eq!(run(&s, &p, &Judgements::new()).line("area").unwrap().points, dec!(4));
    let p = with(|i| i.planned_area_km2 = Some(dec!(3.6001)));
    assert_eq!(run(&s, &p, &Judgements::new()).line("area").unwrap().points, dec!(2));

    // A failing hard criterion earns nothing; a reviewer's override counts.
    let p = with(|i| i.investment.characteristic_yi = Some(dec!(36.3))); // 69.8% of 52
    assert_eq!(run(&s, &p, &Judgements::new()).line("share").unwrap().points, dec!(0));
    let overrides = BTreeMap::from([("investment.characteristic_share".to_string(), Verdict::Pass)]);
    let inputs = ScoreInputs {
        overrides: Some(&overrides),
        ..ScoreInputs::default()
    };
    let r = score(&p, &s, "review", &inputs).unwrap();
    assert_eq!(r.line("share").unwrap().points, dec!(6));
    assert!(matches!(
        r.line("share").unwrap().how,
        How::Criterion {
            verdict: Verdict::Pass,
            ..
        }
    ));
}

#[test]
fn bands_give_the_first_band_reached() {
    let s = standard_with(table(
        json!([line(
            "visitors",
            "5",
            json!({"type": "bands", "figure": "annual_visitors", "bands": [
                {"min": "1000000", "points": "5"}, {"min": "500000", "points": "3"}, {"min": "300000", "points": "1"}
            ]})
        )]),
        "100",
    ));
    let points = |n: i32| {
        let p = with(|i| i.benefits.annual_visitors = Some(n));
        run(&s, &p, &Judgements::new()).line("visitors").unwrap().points
    };
    assert_eq!(points(1_000_000), dec!(5));
    assert_eq!(points(999_999), dec!(3));
    assert_eq!(points(500_000), dec!(3));
    assert_eq!(points(499_999), dec!(1));
    assert_eq!(points(300_000), dec!(1));
    assert_eq!(points(299_999), dec!(0));
}

fn judged_table() -> crate::standards::Standard {
    standard_with(table(
        json!([
            line("plan", "10", json!({"type": "judged", "step": "0.5"})),
            line("redline", "0", json!({"type": "veto", "condition": {"by": "judged"}}))
        ]),
        "100",
    ))
}

fn judged(entries: &[(&str, Judgement)]) -> Judgements {
    entries.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
}

fn points(p: Decimal) -> Judgement {
    Judgement {
        points: Some(p),
        comment: "规划方案完整".to_string(),
        ..Judgement::default()
    }
}

#[test]
fn judged_lines_take_points_in_steps() {
    let s = judged_table();
    let r = run(&s, &sample_proposal(), &judged(&[("plan", points(dec!(8.5)))]));
    assert_eq!(r.line("plan").unwrap().points, dec!(8.5));
    assert_eq!(r.pending, vec!["redline".to_string()], "the veto is not yet answered");

    for bad in [dec!(8.3), dec!(10.5), dec!(-0.5)] {
        let inputs = judged(&[("plan", points(bad))]);
        let errors = score(
            &sample_proposal(),
            &s,
            "review",
            &ScoreInputs {
                judged: Some(&inputs),
                ..ScoreInputs::default()
            },
        )
        .unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field(), "judged.plan");
        assert!(
            errors[0].message(Lang::Zh).contains("0 到 10"),
            "{}",
            errors[0].message(Lang::Zh)
        );
    }
    for ok in [dec!(0), dec!(10), dec!(0.5)] {
        let r = run(&s, &sample_proposal(), &judged(&[("plan", points(ok))]));
        assert_eq!(r.line("plan").unwrap().points, ok);
    }
}

#[test]
fn judgements_for_unknown_or_computed_lines_are_refused() {
    let s = standard_with(table(
        json!([
            line("plan", "10", json!({"type": "judged", "step": "1"})),
            line(
                "share",
                "6",
                json!({"type": "criterion", "criterion": "investment.characteristic_share"})
            )
        ]),
        "100",
    ));
    let inputs = judged(&[("nope", points(dec!(1))), ("share", points(dec!(6)))]);
    let errors = score(
        &sample_proposal(),
        &s,
        "review",
        &ScoreInputs {
            judged: Some(&inputs),
            ..ScoreInputs::default()
        },
    )
    .unwrap_err();
    assert_eq!(
        errors,
        vec![
            ScoreError::UnknownLine { line: "nope".into() },
            ScoreError::NotJudged { line: "share".into() }
        ]
    );
}

#[test]
fn a_veto_overrides_any_points() {
    let s = judged_table();
    let no = Judgement {
        veto: Some(false),
        ..Judgement::default()
    };
    let yes = Judgement {
        veto: Some(true),
        comment: "占用生态保护红线".to_string(),
        ..Judgement::default()
    };
    // Within a cap of 100 the table's total is only the judged 10; make a
    // passing total with a generous grade table instead.
    let r = run(
        &s,
        &sample_proposal(),
        &judged(&[("plan", points(dec!(10))), ("redline", no)]),
    );
    assert!(r.vetoes.is_empty());
    assert!(r.is_complete());
    assert_eq!(r.grade.as_ref().unwrap().code, "fail", "10 points is below 70");

    let s = standard_with(json!([{
        "code": "review", "name_zh": "评审", "name_en": "Review", "purpose": "creation_review",
        "sections": [{"code": "s", "name_zh": "部分", "name_en": "Section", "cap": "100", "lines": [
            line("plan", "100", json!({"type": "judged", "step": "1"})),
            line("redline", "0", json!({"type": "veto", "condition": {"by": "judged"}}))
        ]}],
        "grades": grades()
    }]));
    let r = run(
        &s,
        &sample_proposal(),
        &judged(&[("plan", points(dec!(95))), ("redline", yes)]),
    );
    assert_eq!(r.total, dec!(95));
    assert_eq!(r.vetoes, vec!["redline".to_string()]);
    assert_eq!(r.grade.unwrap().code, "fail", "vetoed whatever the points");
}

#[test]
fn computed_veto_on_residential_share() {
    // 房地产化倾向: residential investment above 30% of total.
    let s = standard_with(table(
        json!([line(
            "housing",
            "0",
            json!({"type": "veto", "condition": {"by": "above", "figure": "residential_share_pct", "value": "30"}})
        )]),
        "100",
    ));
    let housing = |residential: Decimal| {
        with(|i| {
            i.investment.total_yi = Some(dec!(100));
            i.investment.by_year_yi = vec![Some(dec!(30)), Some(dec!(30)), Some(dec!(40))];
            i.investment.commercial_complex_yi = Some(dec!(0));
            i.investment.residential_yi = Some(residential);
        })
    };
    let p = housing(dec!(30));
    assert!(
        run(&s, &p, &Judgements::new()).vetoes.is_empty(),
        "exactly 30% is not above"
    );
    let p = housing(dec!(30.0001));
    assert_eq!(run(&s, &p, &Judgements::new()).vetoes, vec!["housing".to_string()]);
}

#[test]
fn sections_are_capped_and_the_total_adds_subtotals() {
    let s = standard_with(json!([{
        "code": "review", "name_zh": "评审", "name_en": "Review", "purpose": "creation_review",
        "sections": [
            {"code": "basic", "name_zh": "基本", "name_en": "Basic", "cap": "10", "lines": [
                line("a", "8", json!({"type": "judged", "step": "1"})),
                line("b", "8", json!({"type": "judged", "step": "1"}))
            ]},
            {"code": "bonus", "name_zh": "加分", "name_en": "Bonus", "cap": "5", "lines": [
                line("c", "8", json!({"type": "judged", "step": "1"}))
            ]}
        ],
        "grades": grades()
    }]));
    let r = run(
        &s,
        &sample_proposal(),
        &judged(&[("a", points(dec!(7))), ("b", points(dec!(6))), ("c", points(dec!(4)))]),
    );
    let basic = r.section("basic").unwrap();
    assert_eq!((basic.sum, basic.subtotal), (dec!(13), dec!(10)));
    assert_eq!(r.section("bonus").unwrap().subtotal, dec!(4));
    assert_eq!(r.total, dec!(14));
    assert_eq!(r.maximum, dec!(15));
}

fn putian() -> crate::standards::Standard {
    // Putian: 100 basic + 30 bonus; 优秀 = basic ≥ 85 and bonus ≥ 8; 合格 = basic ≥ 70.
    standard_with(json!([{
        "code": "annual", "name_zh": "年度考核", "name_en": "Annual", "purpose": "annual_assessment",
        "sections": [
            {"code": "basic", "name_zh": "基本分", "name_en": "Basic", "cap": "100", "lines": [
                line("basic_work", "100", json!({"type": "judged", "step": "0.5"}))
            ]},
            {"code": "bonus", "name_zh": "加分", "name_en": "Bonus", "cap": "30", "lines": [
                line("bonus_work", "30", json!({"type": "judged", "step": "0.5"}))
            ]}
        ],
        "grades": {
            "bands": [
                {"grade": {"code": "excellent", "name_zh": "优秀", "name_en": "Excellent"},
                 "section_minimums": {"basic": "85", "bonus": "8"}},
                {"grade": {"code": "pass", "name_zh": "合格", "name_en": "Pass"},
                 "section_minimums": {"basic": "70"}}
            ],
            "otherwise": {"code": "warning", "name_zh": "警告", "name_en": "Warning"}
        }
    }]))
}

#[test]
fn putian_excellent_needs_both_parts() {
    let s = putian();
    let grade = |basic: Decimal, bonus: Decimal| {
        let inputs = judged(&[("basic_work", points(basic)), ("bonus_work", points(bonus))]);
        score(
            &sample_proposal(),
            &s,
            "annual",
            &ScoreInputs {
                judged: Some(&inputs),
                ..ScoreInputs::default()
            },
        )
        .unwrap()
        .grade
        .unwrap()
        .code
    };
    assert_eq!(grade(dec!(85), dec!(8)), "excellent");
    assert_eq!(
        grade(dec!(84.5), dec!(30)),
        "pass",
        "a high bonus does not make up the basic part"
    );
    assert_eq!(grade(dec!(100), dec!(7.5)), "pass");
    assert_eq!(grade(dec!(70), dec!(0)), "pass");
    assert_eq!(grade(dec!(69.5), dec!(30)), "warning");
}

#[test]
fn industry_table_adds_to_the_common_one() {
    let mut tables = table(
        json!([line("plan", "10", json!({"type": "judged", "step": "1"}))]),
        "10",
    );
    tables.as_array_mut().unwrap().push(json!({
        "code": "review_health", "name_zh": "健康产业", "name_en": "Health", "purpose": "creation_review",
        "industries": ["health"],
        "sections": [{"code": "x", "name_zh": "产业", "name_en": "Industry", "cap": "5", "lines": [
            line("x_line", "5", json!({"type": "judged", "step": "1"}))
        ]}]
    }));
    let s = standard_with(tables);
    let inputs = judged(&[("plan", points(dec!(9))), ("x_line", points(dec!(4)))]);
    let r = run(&s, &sample_proposal(), &inputs);
    assert_eq!(r.tables, vec!["review".to_string(), "review_health".to_string()]);
    assert_eq!((r.total, r.maximum), (dec!(13), dec!(15)));

    // Another industry gets the common table only, and the industry line is unknown to it.
    let p = with(|i| i.industry = Some(Industry::Fashion));
    let r = run(&s, &p, &judged(&[("plan", points(dec!(9)))]));
    assert_eq!((r.total, r.maximum), (dec!(9), dec!(10)));
    let errors = score(
        &p,
        &s,
        "review",
        &ScoreInputs {
            judged: Some(&inputs),
            ..ScoreInputs::default()
        },
    )
    .unwrap_err();
    assert_eq!(errors, vec![ScoreError::UnknownLine { line: "x_line".into() }]);

    // Scoring starts from the common table.
    assert_eq!(
        score(&sample_proposal(), &s, "review_health", &ScoreInputs::default()).unwrap_err(),
        vec![ScoreError::NotCommon {
            table: "review_health".into()
        }]
    );
    assert_eq!(
        score(&sample_proposal(), &s, "nope", &ScoreInputs::default()).unwrap_err(),
        vec![ScoreError::UnknownTable { table: "nope".into() }]
    );
}

#[test]
fn validation_names_each_problem() {
    let mut s = builtin_standard("ZJ-2015", 1).unwrap().clone();
    s.tables = serde_json::from_value(json!([{
        "code": "review", "name_zh": "评审", "name_en": "Review", "purpose": "creation_review",
        "sections": [{"code": "s", "name_zh": "部分", "name_en": "S", "cap": "-1", "lines": [
            line("a", "4", json!({"type": "criterion", "criterion": "benefit.new_tax"})),
            line("b", "4", json!({"type": "criterion", "criterion": "no.such", "warn_fraction": "1.5"})),
            line("c", "4", json!({"type": "target", "figure": "total_yi", "target": "50", "base": "3", "step": "0",
                "per_step_above": "1", "above_cap": "2"})),
            line("d", "4", json!({"type": "bands", "figure": "jobs", "bands": [{"min": "1", "points": "2"}, {"min": "5", "points": "5"}]})),
            line("e", "3", json!({"type": "judged", "step": "2"})),
            line("f", "1", json!({"type": "veto", "condition": {"by": "judged"}})),
            line("a", "1", json!({"type": "judged", "step": "1"}))
        ]}],
        "grades": {"bands": [{"grade": {"code": "x", "name_zh": "x", "name_en": "x"}, "section_minimums": {"zz": "1"}}],
                   "otherwise": {"code": "y", "name_zh": "y", "name_en": "y"}}
    }]))
    .unwrap();
    let problems: Vec<(Option<String>, StandardErrorCode)> =
        s.validate().into_iter().map(|e| (e.criterion, e.code)).collect();
    use TableProblem as P;
    let at = |p: &str| Some(p.to_string());
    assert_eq!(
        problems,
        vec![
            (at("review/s"), StandardErrorCode::Table(P::NegativePoints)),
            (at("review/a"), StandardErrorCode::Table(P::InfoCriterion)),
            (at("review/b"), StandardErrorCode::Table(P::UnknownCriterion)),
            (at("review/b"), StandardErrorCode::Table(P::FractionOutOfRange)),
            (at("review/c"), StandardErrorCode::Table(P::BadStep)),
            (at("review/c"), StandardErrorCode::Table(P::TargetAboveMax)),
            (at("review/d"), StandardErrorCode::Table(P::BandsOutOfOrder)),
            (at("review/d"), StandardErrorCode::Table(P::BandAboveMax)),
            (at("review/e"), StandardErrorCode::Table(P::MaxNotInSteps)),
            (at("review/f"), StandardErrorCode::Table(P::VetoWithPoints)),
            (at("review/a"), StandardErrorCode::Table(P::DuplicateCode)),
            (at("review"), StandardErrorCode::Table(P::UnknownSection)),
        ]
    );
    let message = s.validate()[2].message(Lang::Zh);
    assert_eq!(message, "评分表 review/b：本版本没有指标“no.such”");
}

#[test]
fn tables_need_one_common_table_per_purpose_and_disjoint_industries() {
    let industry = |code: &str, industries: serde_json::Value| {
        json!({"code": code, "name_zh": code, "name_en": code, "purpose": "creation_review", "industries": industries,
               "sections": [{"code": "x", "name_zh": "x", "name_en": "x", "cap": "1", "lines": []}]})
    };
    let mut s = builtin_standard("ZJ-2015", 1).unwrap().clone();
    s.tables = serde_json::from_value(json!([
        industry("h1", json!(["health"])),
        industry("h2", json!(["health", "finance"]))
    ]))
    .unwrap();
    let codes: Vec<_> = s.validate().into_iter().map(|e| (e.code, e.detail)).collect();
    assert_eq!(
        codes,
        vec![
            (
                StandardErrorCode::Table(TableProblem::CommonTable),
                Some("creation_review".into())
            ),
            (
                StandardErrorCode::Table(TableProblem::IndustryOverlap),
                Some("health".into())
            ),
        ]
    );
}

#[test]
fn annual_grades_must_be_creation_grades() {
    let mut s = putian();
    s.tables[0].grades.as_mut().unwrap().otherwise.code = "fail".to_string();
    let codes: Vec<_> = s.validate().into_iter().map(|e| e.code).collect();
    assert_eq!(codes, vec![StandardErrorCode::Table(TableProblem::NotAnnualGrade)]);
}

#[test]
fn a_version_without_tables_writes_none() {
    // Older versions keep their content hash: no "tables" key appears.
    let s = builtin_standard("ZJ-2015", 1).unwrap();
    let text = serde_json::to_string(s).unwrap();
    assert!(!text.contains("\"tables\""));
}

#[test]
fn caps_as_large_as_a_decimal_holds_never_panic() {
    // Two tables' sections of one code at the largest decimal: adding their
    // subtotals for a grade's section minimum overflows, and must not panic.
    let huge = Decimal::MAX.to_string();
    let mut tables = table(json!([line("a", &huge, json!({"type": "judged", "step": "1"}))]), &huge);
    tables[0]["grades"]["bands"][0]["section_minimums"] = json!({"s": "1"});
    tables.as_array_mut().unwrap().push(json!({
        "code": "review_health", "name_zh": "健康产业", "name_en": "Health", "purpose": "creation_review",
        "industries": ["health"],
        "sections": [{"code": "s", "name_zh": "产业", "name_en": "Industry", "cap": huge, "lines": [
            line("b", &huge, json!({"type": "judged", "step": "1"}))
        ]}]
    }));
    let s = standard_with(tables);
    let r = run(
        &s,
        &sample_proposal(),
        &judged(&[("a", points(Decimal::MAX)), ("b", points(Decimal::MAX))]),
    );
    assert_eq!(r.section("s").unwrap().subtotal, Decimal::MAX);
    assert_eq!(
        r.grade.unwrap().code,
        "excellent",
        "the sum saturates instead of panicking"
    );
}

#[test]
fn the_control_line_vetoes_are_read_from_the_boundary_check_when_there_is_one() {
    use crate::standards::{BoundaryFacts, LayerFact, LayerKind};
    let s = builtin_standard("ZJ-2015", 5).expect("ZJ-2015 v5");
    let p = sample_proposal();
    let layer = |kind, inside_m2: Decimal| LayerFact {
        kind,
        name: "示例".to_string(),
        version: 1,
        inside_m2,
        outside_m2: Decimal::ZERO,
    };
    let facts = |layers: Vec<LayerFact>| BoundaryFacts {
        area_m2: dec!(3200000),
        overlaps: Vec::new(),
        layers,
    };
    // The county answered "no" to both.
    let no = Judgement {
        veto: Some(false),
        ..Judgement::default()
    };
    let judged: Judgements = [("v.redline".to_string(), no.clone()), ("v.farmland".to_string(), no)]
        .into_iter()
        .collect();
    let scored = |s: &crate::standards::Standard, b: Option<&BoundaryFacts>, o: Option<&BTreeMap<String, Verdict>>| {
        let inputs = ScoreInputs {
            judged: Some(&judged),
            boundary: b,
            overrides: o,
            ..ScoreInputs::default()
        };
        score(&p, s, "zj.creation_review", &inputs).expect("scores")
    };
    let how = |r: &ScoreResult, code: &str| r.line(code).expect("the line").how.clone();

    // No boundary: judged by hand.
    let r = scored(s, None, None);
    assert!(matches!(how(&r, "v.redline"), How::Veto { holds: false, .. }));
    assert!(r.vetoes.is_empty());
    // The boundary takes 300 m² of the red line: the veto holds, whatever
    // was judged, and the grade is the lowest.
    let taken = facts(vec![layer(LayerKind::EcologicalRedLine, dec!(300))]);
    let r = scored(s, Some(&taken), None);
    assert!(
        matches!(
            how(&r, "v.redline"),
            How::ControlLines {
                holds: true,
                kind: LayerKind::EcologicalRedLine,
                ..
            }
        ),
        "{:?}",
        how(&r, "v.redline")
    );
    assert_eq!(r.vetoes, vec!["v.redline".to_string()]);
    let lowest = s
        .table("zj.creation_review")
        .unwrap()
        .grades
        .as_ref()
        .unwrap()
        .otherwise
        .clone();
    assert_eq!(r.grade, Some(lowest));
    let words = r.line("v.redline").unwrap().explain(Lang::Zh);
    assert_eq!(words, "四至范围核查：占用生态保护红线 300 平方米，触发一票否决");
    // No farmland layer was checked: that veto stays the county's answer.
    assert!(matches!(how(&r, "v.farmland"), How::Veto { holds: false, .. }));
    // Clear of both lines, or below the criterion's least area (100 m²).
    for inside in [dec!(0), dec!(99)] {
        let clear = facts(vec![
            layer(LayerKind::EcologicalRedLine, inside),
            layer(LayerKind::PermanentBasicFarmland, Decimal::ZERO),
        ]);
        let r = scored(s, Some(&clear), None);
        assert!(matches!(how(&r, "v.redline"), How::ControlLines { holds: false, .. }));
        assert!(matches!(how(&r, "v.farmland"), How::ControlLines { holds: false, .. }));
        assert!(r.vetoes.is_empty());
    }
    // A reviewer who overrode the check to pass found the line not taken.
    let overrides: BTreeMap<String, Verdict> = [("boundary.control_lines".to_string(), Verdict::Pass)].into();
    let r = scored(s, Some(&taken), Some(&overrides));
    assert!(matches!(how(&r, "v.redline"), How::ControlLines { holds: false, .. }));
    // A version without the boundary criteria judges by hand.
    let v4 = builtin_standard("ZJ-2015", 4).expect("ZJ-2015 v4");
    let r = scored(v4, Some(&taken), None);
    assert!(matches!(how(&r, "v.redline"), How::Veto { holds: false, .. }));
    // The version's page says how the line is decided.
    let line = s.table("zj.creation_review").unwrap().line("v.redline").unwrap();
    assert!(
        line.describe(s, Lang::Zh).contains("按其管控线核查"),
        "{}",
        line.describe(s, Lang::Zh)
    );
}
