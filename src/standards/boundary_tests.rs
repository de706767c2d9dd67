//! The boundary criteria (issue 24): their verdicts on both sides of each
//! threshold, their words, where they do not apply, and the built-in
//! versions 5 that carry them.

use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::*;
use crate::domain::Lang;
use crate::domain::proposal::sample_proposal;

fn version(code: &str, v: i32) -> &'static Standard {
    builtin_standard(code, v).unwrap_or_else(|| panic!("{code} v{v} is built in"))
}

fn layer(kind: LayerKind, inside: Decimal, outside: Decimal) -> LayerFact {
    LayerFact {
        kind,
        name: format!("测试{}", kind.label(Lang::Zh)),
        version: 2,
        inside_m2: inside,
        outside_m2: outside,
    }
}

/// A boundary of `area` m² that meets nothing, every layer checked.
fn clear(area: Decimal) -> BoundaryFacts {
    BoundaryFacts {
        area_m2: area,
        overlaps: Vec::new(),
        layers: vec![
            layer(LayerKind::EcologicalRedLine, Decimal::ZERO, area),
            layer(LayerKind::PermanentBasicFarmland, Decimal::ZERO, area),
            layer(LayerKind::UrbanDevelopmentBoundary, area, Decimal::ZERO),
        ],
    }
}

fn with(facts: BoundaryFacts) -> Attachments {
    Attachments {
        materials: None,
        boundary: BoundaryState::Known(facts),
    }
}

fn finding(facts: BoundaryFacts, id: &str) -> (Verdict, String) {
    let ev = evaluate_with(&sample_proposal(), version("ZJ-2015", 5), &with(facts));
    let f = ev.finding(id).unwrap_or_else(|| panic!("no finding {id}"));
    (f.verdict, f.render(Lang::Zh).message)
}

#[test]
fn version_5_is_version_4_with_three_soft_boundary_criteria_and_their_cases() {
    for code in ["ZJ-2015", "CN-2021"] {
        let (v4, v5) = (version(code, 4), version(code, 5));
        assert_eq!(v5.tables, v4.tables, "{code}");
        assert_eq!(
            v5.criteria[..v4.criteria.len()],
            v4.criteria[..],
            "{code} keeps v4's rules"
        );
        assert_eq!(
            v5.examples[..v4.examples.len()],
            v4.examples[..],
            "{code} keeps v4's cases"
        );
        let new: Vec<_> = v5.criteria[v4.criteria.len()..].iter().collect();
        assert_eq!(
            new.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
            ["boundary.area", "boundary.overlap", "boundary.control_lines"]
        );
        assert!(new.iter().all(|c| c.severity == Severity::Soft && c.kind.is_boundary()));
        assert!(matches!(
            new[0].kind,
            CriterionKind::BoundaryArea { tolerance_pct } if tolerance_pct == dec!(10)
        ));
        assert!(v5.validate().is_empty(), "{code} v5 is sound: {:?}", v5.validate());
        let results = run_examples(v5);
        let failed: Vec<_> = results.iter().filter(|r| !r.passed).collect();
        assert!(failed.is_empty(), "{code}: {failed:?}");
        // Cases on both sides of each threshold.
        let cases = &v5.examples[v4.examples.len()..];
        assert!(cases.len() >= 12);
        for (id, sides) in [
            ("boundary.area", [Verdict::Pass, Verdict::Warn]),
            ("boundary.overlap", [Verdict::Pass, Verdict::Warn]),
            ("boundary.control_lines", [Verdict::Pass, Verdict::Fail]),
        ] {
            for side in sides {
                assert!(
                    cases.iter().any(|c| c.expected.get(id) == Some(&side)),
                    "{code}: a case where {id} is {side:?}"
                );
            }
        }
        // Older cases set no boundary, and older versions never name one.
        assert!(v4.examples.iter().all(|e| e.boundary.is_none()));
        let text = serde_json::to_string(v4).unwrap();
        assert!(!text.contains("\"boundary\""), "{code} v4 is written out as before");
    }
}

#[test]
fn area_within_the_tolerance_passes_and_beyond_it_warns_with_both_figures() {
    // Declared 3.2 km²; ±10% is 2.88–3.52.
    let (v, m) = finding(clear(dec!(3520000)), "boundary.area");
    assert_eq!(v, Verdict::Pass);
    assert_eq!(
        m,
        "四至范围实测面积 3.52 平方公里，申报规划面积 3.2 平方公里，相差 +10%，在 ±10% 的允许范围内"
    );
    let (v, m) = finding(clear(dec!(3520001)), "boundary.area");
    assert_eq!(v, Verdict::Warn);
    // Rounded towards failing: never 3.52 or +10%.
    assert!(m.contains("实测面积 3.53 平方公里"), "{m}");
    assert!(m.contains("相差 +10% 以上，超出 ±10% 的允许范围"), "{m}");
    assert_eq!(finding(clear(dec!(2880000)), "boundary.area").0, Verdict::Pass);
    let (v, m) = finding(clear(dec!(2879999)), "boundary.area");
    assert_eq!(v, Verdict::Warn);
    assert!(
        m.contains("实测面积 2.87 平方公里") && m.contains("相差 −10% 以上"),
        "{m}"
    );
    // A miss that four places show is shown.
    let (_, m) = finding(clear(dec!(3600000)), "boundary.area");
    assert!(m.contains("相差 +12.5%，超出"), "{m}");
    // The figures a report's columns show.
    let ev = evaluate_with(&sample_proposal(), version("ZJ-2015", 5), &with(clear(dec!(2879999))));
    let f = ev.finding("boundary.area").unwrap().render(Lang::Zh);
    assert_eq!(f.required.as_deref(), Some("2.88–3.52 平方公里"));
    assert_eq!(f.actual.as_deref(), Some("2.87 平方公里"));
    assert_eq!(f.margin.as_deref(), Some("−0.000001 平方公里"));
    let en = ev.finding("boundary.area").unwrap().render(Lang::En).message;
    assert!(
        en.contains("declared planned area of 3.2 km²") && en.contains("beyond the ±10% allowed"),
        "{en}"
    );
}

#[test]
fn the_tolerance_is_a_parameter_of_the_version() {
    let mut s = version("CN-2021", 5).clone();
    for c in &mut s.criteria {
        if let CriterionKind::BoundaryArea { tolerance_pct } = &mut c.kind {
            *tolerance_pct = dec!(5);
        }
    }
    let ev = evaluate_with(&sample_proposal(), &s, &with(clear(dec!(3400000))));
    assert_eq!(ev.verdict("boundary.area"), Some(Verdict::Warn));
    assert!(
        ev.finding("boundary.area")
            .unwrap()
            .render(Lang::Zh)
            .message
            .contains("±5%")
    );
    // Absent from the JSON, the tolerance is 10%.
    let kind: CriterionKind = serde_json::from_str(r#"{"type": "boundary_area"}"#).unwrap();
    assert_eq!(
        kind,
        CriterionKind::BoundaryArea {
            tolerance_pct: dec!(10)
        }
    );
}

#[test]
fn overlaps_are_named_only_when_the_town_is_listed_with_the_shared_area() {
    let mut facts = clear(dec!(3200000));
    facts.overlaps = vec![
        Overlap {
            name: Some("梦想小镇".to_string()),
            proposal_id: None,
            area_m2: dec!(123456),
        },
        Overlap {
            name: None,
            proposal_id: Some(7),
            area_m2: dec!(950.7),
        },
        // Below the 100 m² the built-in versions count.
        Overlap {
            name: Some("云栖小镇".to_string()),
            proposal_id: None,
            area_m2: dec!(99),
        },
    ];
    let (v, m) = finding(facts, "boundary.overlap");
    assert_eq!(v, Verdict::Warn);
    assert_eq!(
        m,
        "四至范围与梦想小镇（重叠 0.1234 平方公里）、另一申报项目（重叠 950 平方米）重叠"
    );
    assert!(!m.contains("云栖"));
    let (v, m) = finding(clear(dec!(3200000)), "boundary.overlap");
    assert_eq!(
        (v, m.as_str()),
        (Verdict::Pass, "四至范围与已申报、已批准或已列入名单的其他小镇均不重叠")
    );
}

#[test]
fn red_line_and_farmland_fail_whatever_the_severity_outside_development_is_information() {
    let area = dec!(3200000);
    let mut facts = clear(area);
    facts.layers[0] = layer(LayerKind::EcologicalRedLine, dec!(100), area - dec!(100));
    let ev = evaluate_with(&sample_proposal(), version("CN-2021", 5), &with(facts.clone()));
    // CN-2021 is soft throughout, yet intruding fails.
    assert_eq!(ev.verdict("boundary.control_lines"), Some(Verdict::Fail));
    assert_eq!(ev.overall, Overall::Fail);
    assert_eq!(
        ev.finding("boundary.control_lines").unwrap().render(Lang::Zh).message,
        "四至范围占用生态保护红线“测试生态保护红线”（第2版）100 平方米"
    );
    facts.layers[0] = layer(LayerKind::EcologicalRedLine, dec!(99), area - dec!(99));
    assert_eq!(finding(facts.clone(), "boundary.control_lines").0, Verdict::Pass);
    facts.layers[1] = layer(LayerKind::PermanentBasicFarmland, dec!(20000), area - dec!(20000));
    let (v, m) = finding(facts.clone(), "boundary.control_lines");
    assert_eq!(v, Verdict::Fail);
    assert!(
        m.contains("占用永久基本农田“测试永久基本农田”（第2版）0.02 平方公里"),
        "{m}"
    );
    let mut facts = clear(area);
    facts.layers[2] = layer(LayerKind::UrbanDevelopmentBoundary, area - dec!(150000), dec!(150000));
    let ev = evaluate_with(&sample_proposal(), version("ZJ-2015", 5), &with(facts));
    assert_eq!(ev.verdict("boundary.control_lines"), Some(Verdict::Info));
    assert_eq!(ev.overall, Overall::Pass);
    let f = ev.finding("boundary.control_lines").unwrap().render(Lang::Zh);
    assert_eq!(
        f.message,
        "四至范围有 0.15 平方公里 位于城镇开发边界“测试城镇开发边界”（第2版）之外"
    );
    assert_eq!(f.actual.as_deref(), Some("城镇开发边界外 0.15 平方公里"));
    // No layer uploaded: not checked, said so.
    let (v, m) = finding(
        BoundaryFacts {
            area_m2: area,
            ..Default::default()
        },
        "boundary.control_lines",
    );
    assert_eq!(v, Verdict::Info);
    assert!(
        m.contains("尚无生态保护红线、永久基本农田、城镇开发边界图层，未能核查"),
        "{m}"
    );
    let (v, m) = finding(clear(area), "boundary.control_lines");
    assert_eq!(v, Verdict::Pass);
    assert_eq!(m, "四至范围未占用生态保护红线和永久基本农田，位于城镇开发边界内");
    // Only the lines checked are said to be clear: with the red line alone,
    // farmland and the development boundary are named as not checked.
    let mut facts = clear(area);
    facts.layers.truncate(1);
    let (v, m) = finding(facts, "boundary.control_lines");
    assert_eq!(v, Verdict::Info);
    assert_eq!(
        m,
        "四至范围未占用生态保护红线；尚无永久基本农田、城镇开发边界图层，未能核查"
    );
}

#[test]
fn no_boundary_is_missing_for_a_stored_proposal_and_not_applicable_where_none_can_exist() {
    let p = sample_proposal();
    let ids = ["boundary.area", "boundary.overlap", "boundary.control_lines"];
    for code in ["ZJ-2015", "CN-2021"] {
        let v5 = version(code, 5);
        let none = evaluate_with(&p, v5, &Attachments::NONE);
        let api = evaluate_with(&p, v5, &Attachments::with_materials(Default::default()));
        for id in ids {
            assert_eq!(none.verdict(id), Some(Verdict::NotApplicable), "{code} {id}");
            assert_eq!(api.verdict(id), Some(Verdict::NotApplicable), "{code} {id}");
            let f = none.finding(id).unwrap().render(Lang::Zh);
            assert_eq!(f.message, "本次评估不含四至范围，本项不适用");
            assert!(f.actual.is_none() && f.required.is_none() && f.margin.is_none());
        }
        let all = crate::domain::material::MaterialType::ALL.into_iter().collect();
        let stored = evaluate_with(&p, v5, &Attachments::stored(all, None));
        for id in ids {
            assert_eq!(stored.verdict(id), Some(Verdict::Missing), "{code} {id}");
            assert_eq!(
                stored.finding(id).unwrap().render(Lang::Zh).message,
                "未上传四至范围，本项无法评价"
            );
        }
        // Soft in the built-in versions: a warning, not a failure.
        assert_eq!(stored.overall, Overall::PassWithWarnings, "{code}");
        let known = evaluate_with(&p, v5, &Attachments::stored(all, Some(clear(dec!(3200000)))));
        assert_eq!(known.overall, Overall::Pass, "{code}");
    }
    // Hard where a standard says so: missing then fails.
    let mut s = version("ZJ-2015", 5).clone();
    s.criteria
        .iter_mut()
        .filter(|c| c.kind.is_boundary())
        .for_each(|c| c.severity = Severity::Hard);
    let all = crate::domain::material::MaterialType::ALL.into_iter().collect();
    assert_eq!(
        evaluate_with(&p, &s, &Attachments::stored(all, None)).overall,
        Overall::Fail
    );
}

#[test]
fn boundary_parameters_are_checked_when_a_version_is_saved() {
    let base = version("ZJ-2015", 5);
    let codes = |edit: &dyn Fn(&mut Criterion)| {
        let mut s = base.clone();
        s.criteria.iter_mut().filter(|c| c.kind.is_boundary()).for_each(edit);
        s.validate().into_iter().map(|e| e.code).collect::<Vec<_>>()
    };
    assert!(codes(&|c| c.severity = Severity::Info).contains(&StandardErrorCode::BoundaryInfo));
    for bad in [dec!(0), dec!(100), dec!(-1)] {
        let found = codes(&|c| {
            if let CriterionKind::BoundaryArea { tolerance_pct } = &mut c.kind {
                *tolerance_pct = bad;
            }
        });
        assert!(found.contains(&StandardErrorCode::BoundaryTolerance), "{bad}");
    }
    let found = codes(&|c| {
        if let CriterionKind::BoundaryControlLines { forbidden, within, .. } = &mut c.kind {
            within.push(forbidden[0]);
        }
    });
    assert!(found.contains(&StandardErrorCode::BoundaryLayers));
    let found = codes(&|c| {
        if let CriterionKind::BoundaryOverlap { min_area_m2 } = &mut c.kind {
            *min_area_m2 = dec!(-1);
        }
    });
    assert!(found.contains(&StandardErrorCode::BoundaryMinArea));
    let message = StandardError {
        criterion: Some("boundary.area".into()),
        code: StandardErrorCode::BoundaryTolerance,
        detail: Some("0".into()),
    }
    .message(Lang::Zh);
    assert_eq!(message, "指标 boundary.area：面积允许偏差 0% 应大于 0 且小于 100");
}
