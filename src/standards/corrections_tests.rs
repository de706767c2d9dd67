//! The corrections of issue 17, shipped as new versions (ZJ-2015 v2,
//! CN-2021 v2): version 1 stays exactly as shipped, version 2 reads as its
//! sources.

use rust_decimal_macros::dec;

use super::*;
use crate::domain::Lang;
use crate::domain::proposal::{ClassicTrade, Industry, Proposal, ProposalInput, sample_proposal};

fn version(code: &str, v: i32) -> &'static Standard {
    builtin_standard(code, v).unwrap_or_else(|| panic!("{code} v{v} is built in"))
}

fn with(change: impl FnOnce(&mut ProposalInput)) -> Proposal {
    let mut input = sample_proposal().to_input();
    change(&mut input);
    input.complete().expect("test proposal is valid")
}

fn verdict(p: &Proposal, s: &Standard, id: &str) -> Verdict {
    evaluate(p, s).verdict(id).unwrap_or_else(|| panic!("no finding {id}"))
}

fn message(p: &Proposal, s: &Standard, id: &str) -> String {
    evaluate(p, s).finding(id).unwrap().render(Lang::Zh).message
}

/// SHA-256 of the canonical JSON, as the store fingerprints a version
/// (`db::standards::content_hash`).
fn hash(s: &Standard) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(serde_json::to_value(s).unwrap().to_string().as_bytes()))
}

#[test]
fn shipped_versions_keep_their_content_hash() {
    // Fields added to the standard's data (metrics, the creation section's
    // deadline) are left out when empty: version 1 hashes as it always has,
    // so start-up accepts an existing installation's stored copy.
    assert_eq!(
        hash(version("ZJ-2015", 1)),
        "67cddf5f9452c87ac97f986bc700836c31c2ca4efd7509b9c058559a1947bf3b"
    );
    assert_eq!(
        hash(version("CN-2021", 1)),
        "e35f6d6671c08e534402e3621e437161853904ddcecf6b9e3ab19cc6f4a7e54d"
    );
}

#[test]
fn corrections_are_new_versions_and_new_installations_activate_the_newest_zj_2015() {
    // Version 3 is version 2 with the example scoring tables (STANDARDS.md
    // §6); version 4 is version 3 with the application materials.
    assert_eq!(ACTIVE_BUILTIN, ("ZJ-2015", 5));
    for code in ["ZJ-2015", "CN-2021"] {
        let (v2, v3) = (version(code, 2), version(code, 3));
        assert_eq!(v3.criteria, v2.criteria, "{code} v3 keeps v2's rules");
        assert_eq!(v3.examples, v2.examples);
        assert!(v2.tables.is_empty() && !v3.tables.is_empty());
    }
    for code in ["ZJ-2015", "CN-2021"] {
        let (v1, v2) = (version(code, 1), version(code, 2));
        assert_eq!(v2.code, v1.code);
        assert!(
            v2.examples.len() >= v1.examples.len() - 4,
            "{code} v2 keeps its examples"
        );
    }
    // Version 1 still says what it said.
    let old = version("ZJ-2015", 1).criterion("function.town_living_room").unwrap();
    assert!(old.citation.clause.contains("城镇客厅"));
}

#[test]
fn version_4_is_version_3_with_the_five_materials_required() {
    use crate::domain::material::{MaterialSet, MaterialType};
    use crate::standards::{Attachments, CriterionKind, evaluate_with};
    for (code, severity, missing_overall) in [
        ("ZJ-2015", Severity::Hard, Overall::Fail),
        ("CN-2021", Severity::Soft, Overall::PassWithWarnings),
    ] {
        let (v3, v4) = (version(code, 3), version(code, 4));
        assert_eq!(v4.tables, v3.tables, "{code}");
        assert_eq!(
            v4.criteria[..v3.criteria.len()],
            v3.criteria[..],
            "{code} keeps v3's rules"
        );
        assert_eq!(
            v4.examples[..v3.examples.len()],
            v3.examples[..],
            "{code} keeps v3's cases"
        );
        let materials: Vec<_> = v4.criteria[v3.criteria.len()..]
            .iter()
            .map(|c| match c.kind {
                CriterionKind::Material { material } => (material, c.severity, c.id.clone()),
                _ => panic!("{code}: only material criteria are new"),
            })
            .collect();
        assert_eq!(
            materials.iter().map(|m| m.0).collect::<Vec<_>>(),
            MaterialType::ALL.to_vec()
        );
        assert!(
            materials
                .iter()
                .all(|m| m.1 == severity && m.2 == format!("material.{}", m.0.code()))
        );
        // The new cases pass a town with the materials and miss one without.
        assert!(v4.examples.iter().any(|e| e.materials.is_some()));
        assert!(
            crate::standards::run_examples(v4)
                .iter()
                .all(|r| r.mismatches.is_empty())
        );
        let p = crate::domain::proposal::sample_proposal();
        let none = evaluate_with(&p, v4, &Attachments::NONE);
        assert_eq!(none.verdict("material.basic_info"), Some(Verdict::NotApplicable));
        assert_eq!(none.overall, evaluate_with(&p, v3, &Attachments::NONE).overall);
        let all: MaterialSet = MaterialType::ALL.into_iter().collect();
        let with = evaluate_with(&p, v4, &Attachments::with_materials(all));
        assert_eq!(with.verdict("material.concept_plan"), Some(Verdict::Pass));
        let short: MaterialSet = [MaterialType::ConceptPlan].into_iter().collect();
        let without = evaluate_with(&p, v4, &Attachments::with_materials(short));
        assert_eq!(without.verdict("material.investment_plan"), Some(Verdict::Missing));
        if with.overall == Overall::Pass {
            assert_eq!(without.overall, missing_overall, "{code}");
        }
        let f = without.finding("material.investment_plan").unwrap().render(Lang::Zh);
        assert_eq!(f.message, "未上传分年度分项目投资计划表");
        assert!(f.required.is_none() && f.margin.is_none());
    }
}

#[test]
fn a_material_named_wrongly_or_asked_for_twice_is_refused() {
    use super::StandardErrorCode as C;
    let base = serde_json::to_value(version("ZJ-2015", 4)).unwrap();
    let check = |change: &dyn Fn(&mut serde_json::Value)| -> Vec<(Option<String>, C, Option<String>)> {
        let mut v = base.clone();
        change(&mut v);
        match Standard::parse_checked(&v.to_string()) {
            Ok(_) => vec![],
            Err(es) => es.into_iter().map(|e| (e.criterion, e.code, e.detail)).collect(),
        }
    };
    assert_eq!(check(&|_| {}), vec![], "version 4 as shipped is sound");
    // A judged line's evidence naming a material that does not exist.
    let plan_line = |v: &mut serde_json::Value| -> serde_json::Value {
        let lines = v["tables"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .flat_map(|t| t["sections"].as_array_mut().unwrap().iter_mut())
            .flat_map(|s| s["lines"].as_array_mut().unwrap().iter_mut());
        let mut found = None;
        for l in lines {
            if l["materials"] == serde_json::json!(["concept_plan"]) && found.is_none() {
                l["materials"] = serde_json::json!(["concept_plan", "blueprint"]);
                found = Some(l["code"].clone());
            }
        }
        found.expect("a judged line resting on the concept plan")
    };
    let errors = check(&|v| {
        plan_line(v);
    });
    assert_eq!(
        errors,
        vec![(
            Some("j.plan".to_string()),
            C::UnknownMaterial,
            Some("blueprint".to_string())
        )]
    );
    // Two criteria asking for the same material.
    let errors = check(&|v| {
        let criteria = v["criteria"].as_array_mut().unwrap();
        let n = criteria.len();
        criteria[n - 1]["kind"] = criteria[n - 2]["kind"].clone();
    });
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].1, C::DuplicateMaterial);
}

#[test]
fn zj_2015_v2_cites_the_rule_it_applies() {
    let s = version("ZJ-2015", 2);
    let text = serde_json::to_string(s).unwrap();
    assert!(!text.contains("城镇客厅"), "the source's word is 小镇客厅");
    let living = s.criterion("function.town_living_room").unwrap();
    assert!(living.citation.clause.contains("小镇客厅"));
    // The investment rule is the 导则's 50 / 30 亿元, not 8号's "50亿元左右
    // … 科技创新".
    let inv = &s.criterion("investment.eligible_total").unwrap().citation;
    assert!(inv.document.contains("创建导则"), "{}", inv.document);
    assert!(inv.clause.contains("50亿元以上") && inv.clause.contains("不低于30亿元"));
    assert!(!inv.clause.contains("左右") && !inv.clause.contains("科技创新"));
    // 8号 is cited for what it says itself.
    for id in ["industry.eligible", "operation.developer", "space.location"] {
        assert!(s.criterion(id).unwrap().citation.document.contains("8号"), "{id}");
    }
    // No invented clause labels ("二、（三）功能要求：…").
    for c in &s.criteria {
        let clause = &c.citation.clause;
        assert!(
            !clause.contains("、（") && !clause.contains("要求："),
            "{}: {clause}",
            c.id
        );
    }
    // The rules themselves are version 1's.
    let v1 = version("ZJ-2015", 1);
    for (a, b) in s.criteria.iter().zip(&v1.criteria) {
        assert_eq!((&a.id, &a.kind, a.severity), (&b.id, &b.kind, b.severity));
    }
}

#[test]
fn cn_2021_v2_shares_and_investment_per_mu_are_of_total_investment() {
    let (v1, v2) = (version("CN-2021", 1), version("CN-2021", 2));
    // 33 亿元 characteristic: 63.46% of the eligible 52, 53.23% of the total 62.
    let p = with(|i| i.investment.characteristic_yi = Some(dec!(33)));
    assert_eq!(verdict(&p, v1, "investment.characteristic_share"), Verdict::Pass);
    assert_eq!(verdict(&p, v2, "investment.characteristic_share"), Verdict::Warn);
    assert!(message(&p, v2, "investment.characteristic_share").contains("总投资"));
    // Exactly 60% of the total passes; 59.99% does not.
    let share = |c| with(|i| i.investment.characteristic_yi = Some(c));
    assert_eq!(
        verdict(&share(dec!(37.2)), v2, "investment.characteristic_share"),
        Verdict::Pass
    );
    assert_eq!(
        verdict(&share(dec!(37.1938)), v2, "investment.characteristic_share"),
        Verdict::Warn
    );
    // 60 亿元 on 2 km² (3,000 亩) is 200 万元/亩 of total investment, even
    // with 20 亿元 of housing (eligible: 133.33 万元/亩).
    let per_mu = |residential, built| {
        with(|i| {
            i.investment.total_yi = Some(dec!(60));
            i.investment.residential_yi = Some(residential);
            i.investment.characteristic_yi = Some(dec!(36));
            i.investment.by_year_yi = vec![Some(dec!(14)), Some(dec!(22)), Some(dec!(24))];
            i.built_area_km2 = Some(built);
        })
    };
    assert_eq!(
        verdict(&per_mu(dec!(20), dec!(2)), v2, "investment.per_mu"),
        Verdict::Pass
    );
    assert_eq!(
        verdict(&per_mu(dec!(20), dec!(2)), v1, "investment.per_mu"),
        Verdict::Warn
    );
    assert_eq!(
        verdict(&per_mu(dec!(0), dec!(2.0001)), v2, "investment.per_mu"),
        Verdict::Warn
    );
    assert!(message(&per_mu(dec!(20), dec!(2)), v2, "investment.per_mu").contains("按总投资计"));
}

#[test]
fn cn_2021_v2_built_area_and_visitors_of_cultural_tourism_towns() {
    let v2 = version("CN-2021", 2);
    let built = |b| with(|i| i.built_area_km2 = Some(b));
    assert_eq!(verdict(&built(dec!(0.5)), v2, "space.built_area"), Verdict::Pass);
    assert_eq!(verdict(&built(dec!(0.4999)), v2, "space.built_area"), Verdict::Warn);
    assert!(version("CN-2021", 1).criterion("space.built_area").is_none());
    let town = |industry, visitors| {
        with(|i| {
            i.industry = Some(industry);
            i.classic_trade = (industry == Industry::HistoricClassic).then_some(ClassicTrade::Tea);
            i.benefits.annual_visitors = Some(visitors);
        })
    };
    for industry in [Industry::Tourism, Industry::HistoricClassic] {
        assert_eq!(
            verdict(&town(industry, 500_000), v2, "benefit.annual_visitors"),
            Verdict::Pass
        );
        assert_eq!(
            verdict(&town(industry, 499_999), v2, "benefit.annual_visitors"),
            Verdict::Warn
        );
    }
    assert_eq!(
        verdict(
            &town(Industry::HistoricClassic, 1),
            version("CN-2021", 1),
            "benefit.annual_visitors"
        ),
        Verdict::NotApplicable
    );
    assert_eq!(
        verdict(&town(Industry::Health, 1), v2, "benefit.annual_visitors"),
        Verdict::NotApplicable
    );
}

#[test]
fn the_by_year_list_is_read_against_the_versions_period() {
    use crate::domain::proposal::ErrorCode;
    let mut four = version("ZJ-2015", 2).clone();
    four.period_years = 4;
    let mut input = sample_proposal().to_input();
    // The sample's three years do not fit a 4-year version; the message
    // says how many it needs.
    let e = input.complete_under(four.periods()).unwrap_err();
    assert_eq!(
        (e[0].field.as_str(), e[0].code),
        ("investment.by_year_yi", ErrorCode::ByYearLength)
    );
    assert_eq!(e[0].params.expected, Some(4));
    assert_eq!(
        e[0].message(Lang::Zh),
        "请逐年填写创建期 4 年的投资（创建期年数以所用标准为准），现填写了 3 年"
    );
    input.investment.by_year_yi = vec![Some(dec!(14)), Some(dec!(22)), Some(dec!(20)), Some(dec!(6))];
    let p = input
        .complete_under(four.periods())
        .expect("four years under a 4-year version");
    assert_eq!(p.investment().by_year_yi.len(), 4);
    assert!(input.complete_under(version("ZJ-2015", 2).periods()).is_err());
    // An accelerated county reads the accelerated period.
    input.accelerated_county = true;
    four.accelerated_period_years = 4;
    assert!(input.complete_under(four.periods()).is_ok());
}
