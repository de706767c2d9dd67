use proptest::prelude::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde_json::json;

use super::*;
use crate::domain::Lang;
use crate::domain::proposal::{Industry, Location, Proposal, ProposalInput, sample_proposal};

fn zj() -> &'static Standard {
    builtin_standard("ZJ-2015", 1).expect("ZJ-2015 is built in")
}

fn cn() -> &'static Standard {
    builtin_standard("CN-2021", 1).expect("CN-2021 is built in")
}

/// The sample proposal with some fields changed; must stay valid.
fn with(change: impl FnOnce(&mut ProposalInput)) -> Proposal {
    let mut input = sample_proposal().to_input();
    change(&mut input);
    input.complete().expect("test proposal is valid")
}

fn finding<'a>(ev: &'a Evaluation, id: &str) -> &'a Finding {
    ev.finding(id).unwrap_or_else(|| panic!("no finding {id}"))
}

fn set_investment(
    i: &mut ProposalInput,
    total: Decimal,
    residential: Decimal,
    commercial: Decimal,
    characteristic: Decimal,
    years: &[Decimal],
) {
    i.investment.total_yi = Some(total);
    i.investment.residential_yi = Some(residential);
    i.investment.commercial_complex_yi = Some(commercial);
    i.investment.characteristic_yi = Some(characteristic);
    i.investment.by_year_yi = years.iter().copied().map(Some).collect();
}

#[test]
fn builtins_parse_validate_and_keep_their_examples() {
    assert_eq!(builtin().len(), BUILTIN_SOURCES.len());
    for s in builtin() {
        assert_eq!(s.validate(), vec![], "{}", s.code);
        assert!(s.examples.len() >= 15, "{} has {} examples", s.code, s.examples.len());
        for r in run_examples(s) {
            assert!(r.passed, "{} / {}: {:?}", s.code, r.name, r.mismatches);
        }
        // Serialising and reading back gives the same standard (the store keeps it as JSON).
        let text = serde_json::to_string(s).unwrap();
        assert_eq!(&Standard::from_json(&text).unwrap(), s);
    }
    assert!(builtin_standard(ACTIVE_BUILTIN.0, ACTIVE_BUILTIN.1).is_some());
}

#[test]
fn builtin_criterion_ids_are_exactly_the_specified_ones() {
    fn ids(s: &Standard) -> Vec<&str> {
        s.criteria.iter().map(|c| c.id.as_str()).collect()
    }
    assert_eq!(
        ids(zj()),
        [
            "industry.eligible",
            "operation.developer",
            "space.location",
            "space.planned_area",
            "space.built_area",
            "investment.eligible_total",
            "investment.characteristic_share",
            "investment.first_year",
            "function.integration",
            "function.public_service_app",
            "function.town_living_room",
            "function.scenic_level",
            "function.wifi",
            "function.digital_management",
            "benefit.annual_visitors",
            "benefit.new_tax",
            "benefit.jobs",
            "benefit.enterprises",
            "benefit.talents",
        ]
    );
    assert_eq!(
        ids(cn()),
        [
            "industry.eligible",
            "space.planned_area",
            "green.coverage",
            "investment.characteristic_share",
            "investment.per_mu",
            "productivity.labour",
            "benefit.jobs",
            "benefit.tax_per_mu",
            "benefit.annual_visitors",
            "economy.new_share",
            "innovation.rd_intensity",
            "land.residential_share",
        ]
    );
    for c in &cn().criteria {
        let want = if c.id == "industry.eligible" {
            Severity::Hard
        } else {
            Severity::Soft
        };
        assert_eq!(c.severity, want, "{}", c.id);
    }
    for s in builtin() {
        for c in &s.criteria {
            assert!(!c.citation.document.is_empty() && !c.citation.clause.is_empty());
            assert_ne!(criterion_label(&c.id, Lang::Zh), c.id, "{} has no name", c.id);
        }
    }
}

type Change = Box<dyn Fn(&mut ProposalInput)>;

fn case(change: impl Fn(&mut ProposalInput) + 'static) -> Change {
    Box::new(change)
}

#[test]
fn zj_2015_every_criterion_on_both_sides() {
    use Verdict::*;
    let inv = |t: Decimal, r: Decimal, c: Decimal, ch: Decimal, y: Vec<Decimal>| {
        case(move |i| set_investment(i, t, r, c, ch, &y))
    };
    let cases: Vec<(&str, &str, Change, Verdict)> = vec![
        ("industry.eligible", "health", case(|_| {}), Pass),
        (
            "industry.eligible",
            "historic classic",
            case(|i| i.industry = Some(Industry::HistoricClassic)),
            Pass,
        ),
        (
            "industry.eligible",
            "other",
            case(|i| i.industry = Some(Industry::Other)),
            Fail,
        ),
        ("operation.developer", "named", case(|_| {}), Pass),
        ("operation.developer", "blank", case(|i| i.developer = None), Fail),
        ("space.location", "fringe", case(|_| {}), Pass),
        (
            "space.location",
            "independent",
            case(|i| i.location = Some(Location::Independent)),
            Warn,
        ),
        (
            "space.location",
            "built-up centre",
            case(|i| i.location = Some(Location::BuiltUpCenter)),
            Fail,
        ),
        (
            "space.planned_area",
            "1.5",
            case(|i| {
                i.planned_area_km2 = Some(dec!(1.5));
            }),
            Pass,
        ),
        (
            "space.planned_area",
            "1.4999",
            case(|i| {
                i.planned_area_km2 = Some(dec!(1.4999));
                i.built_area_km2 = Some(dec!(1));
            }),
            Warn,
        ),
        (
            "space.planned_area",
            "3.6",
            case(|i| i.planned_area_km2 = Some(dec!(3.6))),
            Pass,
        ),
        (
            "space.planned_area",
            "3.6001",
            case(|i| i.planned_area_km2 = Some(dec!(3.6001))),
            Warn,
        ),
        (
            "space.planned_area",
            "tourism 6.0",
            case(|i| {
                i.industry = Some(Industry::Tourism);
                i.planned_area_km2 = Some(dec!(6.0));
            }),
            Pass,
        ),
        (
            "space.planned_area",
            "tourism 6.0001",
            case(|i| {
                i.industry = Some(Industry::Tourism);
                i.planned_area_km2 = Some(dec!(6.0001));
            }),
            Warn,
        ),
        (
            "space.planned_area",
            "tourism 1.4",
            case(|i| {
                i.industry = Some(Industry::Tourism);
                i.planned_area_km2 = Some(dec!(1.4));
            }),
            Warn,
        ),
        (
            "space.planned_area",
            "health 4",
            case(|i| i.planned_area_km2 = Some(dec!(4))),
            Warn,
        ),
        (
            "space.built_area",
            "0.5",
            case(|i| i.built_area_km2 = Some(dec!(0.5))),
            Pass,
        ),
        (
            "space.built_area",
            "0.4999",
            case(|i| i.built_area_km2 = Some(dec!(0.4999))),
            Warn,
        ),
        (
            "space.built_area",
            "1.2",
            case(|i| i.built_area_km2 = Some(dec!(1.2))),
            Pass,
        ),
        (
            "space.built_area",
            "1.2001",
            case(|i| i.built_area_km2 = Some(dec!(1.2001))),
            Warn,
        ),
        (
            "investment.eligible_total",
            "50",
            inv(dec!(60), dec!(6), dec!(4), dec!(40), vec![dec!(12), dec!(22), dec!(26)]),
            Pass,
        ),
        (
            "investment.eligible_total",
            "49.9999",
            inv(
                dec!(59.9999),
                dec!(6),
                dec!(4),
                dec!(40),
                vec![dec!(12), dec!(22), dec!(25.9999)],
            ),
            Fail,
        ),
        (
            "investment.eligible_total",
            "exempt 30",
            case(|i| {
                i.industry = Some(Industry::Finance);
                set_investment(i, dec!(30), dec!(0), dec!(0), dec!(25), &[dec!(6), dec!(12), dec!(12)]);
            }),
            Pass,
        ),
        (
            "investment.eligible_total",
            "exempt 29.9999",
            case(|i| {
                i.industry = Some(Industry::Tourism);
                set_investment(
                    i,
                    dec!(29.9999),
                    dec!(0),
                    dec!(0),
                    dec!(25),
                    &[dec!(6), dec!(12), dec!(11.9999)],
                );
            }),
            Fail,
        ),
        (
            "investment.eligible_total",
            "non-exempt 30",
            case(|i| set_investment(i, dec!(30), dec!(0), dec!(0), dec!(25), &[dec!(10), dec!(10), dec!(10)])),
            Fail,
        ),
        (
            "investment.characteristic_share",
            "exactly 70%",
            case(|i| i.investment.characteristic_yi = Some(dec!(36.4))),
            Pass,
        ),
        (
            "investment.characteristic_share",
            "69.9998%",
            case(|i| i.investment.characteristic_yi = Some(dec!(36.3999))),
            Fail,
        ),
        (
            "investment.characteristic_share",
            "70% of an odd total",
            inv(
                dec!(53),
                dec!(0),
                dec!(0),
                dec!(37.1),
                vec![dec!(13), dec!(20), dec!(20)],
            ),
            Pass,
        ),
        (
            "investment.first_year",
            "10",
            case(|i| i.investment.by_year_yi = [10, 24, 28].map(|d| Some(Decimal::from(d))).to_vec()),
            Pass,
        ),
        (
            "investment.first_year",
            "9.9999",
            case(|i| i.investment.by_year_yi = vec![Some(dec!(9.9999)), Some(dec!(24)), Some(dec!(28.0001))]),
            Fail,
        ),
        (
            "investment.first_year",
            "exempt 6",
            case(|i| {
                i.industry = Some(Industry::InformationEconomy);
                i.investment.by_year_yi = vec![Some(dec!(6)), Some(dec!(26)), Some(dec!(30))];
            }),
            Pass,
        ),
        (
            "investment.first_year",
            "exempt 5.9999",
            case(|i| {
                i.industry = Some(Industry::HistoricClassic);
                i.investment.by_year_yi = vec![Some(dec!(5.9999)), Some(dec!(26)), Some(dec!(30.0001))];
            }),
            Fail,
        ),
        (
            "investment.first_year",
            "accelerated 5 years, 6",
            case(|i| {
                i.accelerated_county = true;
                i.investment.by_year_yi = [6, 10, 12, 16, 18].map(|d| Some(Decimal::from(d))).to_vec();
            }),
            Pass,
        ),
        (
            "investment.first_year",
            "accelerated 5.99",
            case(|i| {
                i.accelerated_county = true;
                i.investment.by_year_yi = vec![
                    Some(dec!(5.99)),
                    Some(dec!(10)),
                    Some(dec!(12)),
                    Some(dec!(16)),
                    Some(dec!(18.01)),
                ];
            }),
            Fail,
        ),
        ("function.integration", "all four", case(|_| {}), Pass),
        (
            "function.integration",
            "no culture",
            case(|i| i.functions.culture = false),
            Fail,
        ),
        ("function.public_service_app", "present", case(|_| {}), Pass),
        (
            "function.public_service_app",
            "absent",
            case(|i| i.functions.public_service_app = false),
            Fail,
        ),
        ("function.town_living_room", "present", case(|_| {}), Pass),
        (
            "function.town_living_room",
            "absent",
            case(|i| i.functions.town_living_room = false),
            Fail,
        ),
        ("function.scenic_level", "3A", case(|_| {}), Pass),
        (
            "function.scenic_level",
            "2A",
            case(|i| i.functions.scenic_level = Some(2)),
            Fail,
        ),
        (
            "function.scenic_level",
            "none",
            case(|i| i.functions.scenic_level = Some(0)),
            Fail,
        ),
        (
            "function.scenic_level",
            "tourism 5A",
            case(|i| {
                i.industry = Some(Industry::Tourism);
                i.functions.scenic_level = Some(5);
            }),
            Pass,
        ),
        (
            "function.scenic_level",
            "tourism 4A",
            case(|i| {
                i.industry = Some(Industry::Tourism);
                i.functions.scenic_level = Some(4);
            }),
            Fail,
        ),
        ("function.wifi", "100", case(|_| {}), Pass),
        (
            "function.wifi",
            "99.99",
            case(|i| i.functions.wifi_coverage_pct = Some(dec!(99.99))),
            Fail,
        ),
        ("function.digital_management", "100", case(|_| {}), Pass),
        (
            "function.digital_management",
            "0",
            case(|i| i.functions.digital_management_pct = Some(dec!(0))),
            Fail,
        ),
        (
            "benefit.annual_visitors",
            "300000",
            case(|i| i.benefits.annual_visitors = Some(300_000)),
            Pass,
        ),
        (
            "benefit.annual_visitors",
            "299999",
            case(|i| i.benefits.annual_visitors = Some(299_999)),
            Fail,
        ),
        (
            "benefit.new_tax",
            "any",
            case(|i| i.benefits.new_tax_wan = Some(dec!(0))),
            Info,
        ),
        ("benefit.jobs", "any", case(|_| {}), Info),
        ("benefit.enterprises", "any", case(|_| {}), Info),
        ("benefit.talents", "any", case(|_| {}), Info),
    ];
    for (id, name, change, want) in cases {
        let ev = evaluate(&with(change), zj());
        assert_eq!(finding(&ev, id).verdict, want, "{id}: {name}");
    }
}

#[test]
fn cn_2021_every_criterion_on_both_sides() {
    use Verdict::*;
    let cases: Vec<(&str, &str, Change, Verdict)> = vec![
        ("industry.eligible", "health", case(|_| {}), Pass),
        (
            "industry.eligible",
            "other",
            case(|i| i.industry = Some(Industry::Other)),
            Fail,
        ),
        (
            "space.planned_area",
            "1",
            case(|i| {
                i.planned_area_km2 = Some(dec!(1));
                i.built_area_km2 = Some(dec!(1));
            }),
            Pass,
        ),
        (
            "space.planned_area",
            "0.9999",
            case(|i| {
                i.planned_area_km2 = Some(dec!(0.9999));
                i.built_area_km2 = Some(dec!(0.9));
            }),
            Warn,
        ),
        (
            "space.planned_area",
            "5",
            case(|i| i.planned_area_km2 = Some(dec!(5))),
            Pass,
        ),
        (
            "space.planned_area",
            "5.0001",
            case(|i| i.planned_area_km2 = Some(dec!(5.0001))),
            Warn,
        ),
        (
            "space.planned_area",
            "tourism 20",
            case(|i| {
                i.industry = Some(Industry::Tourism);
                i.planned_area_km2 = Some(dec!(20));
            }),
            Pass,
        ),
        (
            "space.planned_area",
            "tourism 0.9999",
            case(|i| {
                i.industry = Some(Industry::Tourism);
                i.planned_area_km2 = Some(dec!(0.9999));
                i.built_area_km2 = Some(dec!(0.9));
            }),
            Warn,
        ),
        (
            "green.coverage",
            "30",
            case(|i| i.green_coverage_pct = Some(dec!(30))),
            Pass,
        ),
        (
            "green.coverage",
            "29.99",
            case(|i| i.green_coverage_pct = Some(dec!(29.99))),
            Warn,
        ),
        (
            "green.coverage",
            "absent",
            case(|i| i.green_coverage_pct = None),
            Missing,
        ),
        (
            "investment.characteristic_share",
            "60%",
            case(|i| i.investment.characteristic_yi = Some(dec!(31.2))),
            Pass,
        ),
        (
            "investment.characteristic_share",
            "59.9998%",
            case(|i| i.investment.characteristic_yi = Some(dec!(31.1999))),
            Warn,
        ),
        (
            "investment.per_mu",
            "200",
            case(|i| {
                i.built_area_km2 = Some(dec!(1));
                set_investment(i, dec!(30), dec!(0), dec!(0), dec!(25), &[dec!(10), dec!(10), dec!(10)]);
            }),
            Pass,
        ),
        (
            "investment.per_mu",
            "below 200",
            case(|i| {
                i.built_area_km2 = Some(dec!(1));
                set_investment(
                    i,
                    dec!(29.9999),
                    dec!(0),
                    dec!(0),
                    dec!(25),
                    &[dec!(10), dec!(10), dec!(9.9999)],
                );
            }),
            Warn,
        ),
        (
            "productivity.labour",
            "20",
            case(|i| i.labour_productivity_wan = Some(dec!(20))),
            Pass,
        ),
        (
            "productivity.labour",
            "19.99",
            case(|i| i.labour_productivity_wan = Some(dec!(19.99))),
            Warn,
        ),
        (
            "productivity.labour",
            "absent",
            case(|i| i.labour_productivity_wan = None),
            Missing,
        ),
        ("benefit.jobs", "2000", case(|i| i.benefits.jobs = Some(2000)), Pass),
        ("benefit.jobs", "1999", case(|i| i.benefits.jobs = Some(1999)), Warn),
        (
            "benefit.tax_per_mu",
            "10",
            case(|i| i.benefits.new_tax_wan = Some(dec!(15750))),
            Pass,
        ),
        (
            "benefit.tax_per_mu",
            "below 10",
            case(|i| i.benefits.new_tax_wan = Some(dec!(15749.99))),
            Warn,
        ),
        (
            "benefit.annual_visitors",
            "tourism 500000",
            case(|i| {
                i.industry = Some(Industry::Tourism);
                i.benefits.annual_visitors = Some(500_000);
            }),
            Pass,
        ),
        (
            "benefit.annual_visitors",
            "tourism 499999",
            case(|i| {
                i.industry = Some(Industry::Tourism);
                i.benefits.annual_visitors = Some(499_999);
            }),
            Warn,
        ),
        (
            "benefit.annual_visitors",
            "health, few visitors",
            case(|i| i.benefits.annual_visitors = Some(10)),
            NotApplicable,
        ),
        (
            "economy.new_share",
            "20",
            case(|i| i.new_economy_share_pct = Some(dec!(20))),
            Pass,
        ),
        (
            "economy.new_share",
            "19.99",
            case(|i| i.new_economy_share_pct = Some(dec!(19.99))),
            Warn,
        ),
        (
            "innovation.rd_intensity",
            "equipment 2.5",
            case(|i| {
                i.industry = Some(Industry::HighEndEquipment);
                i.rd_intensity_pct = Some(dec!(2.5));
            }),
            Pass,
        ),
        (
            "innovation.rd_intensity",
            "information 2.49",
            case(|i| {
                i.industry = Some(Industry::InformationEconomy);
                i.rd_intensity_pct = Some(dec!(2.49));
            }),
            Warn,
        ),
        (
            "innovation.rd_intensity",
            "information, absent",
            case(|i| {
                i.industry = Some(Industry::InformationEconomy);
                i.rd_intensity_pct = None;
            }),
            Missing,
        ),
        // Applicability is decided before missingness.
        (
            "innovation.rd_intensity",
            "health, absent",
            case(|i| i.rd_intensity_pct = None),
            NotApplicable,
        ),
        (
            "innovation.rd_intensity",
            "health, given",
            case(|i| i.rd_intensity_pct = Some(dec!(0))),
            NotApplicable,
        ),
        (
            "land.residential_share",
            "30",
            case(|i| i.residential_land_pct = Some(dec!(30))),
            Pass,
        ),
        (
            "land.residential_share",
            "30.01",
            case(|i| i.residential_land_pct = Some(dec!(30.01))),
            Warn,
        ),
    ];
    for (id, name, change, want) in cases {
        let ev = evaluate(&with(change), cn());
        assert_eq!(finding(&ev, id).verdict, want, "{id}: {name}");
    }
}

#[test]
fn overall_outcomes() {
    assert_eq!(evaluate(&sample_proposal(), zj()).overall, Overall::Pass);
    let warned = evaluate(&with(|i| i.location = Some(Location::Independent)), zj());
    assert_eq!(warned.overall, Overall::PassWithWarnings);
    let failed = evaluate(&with(|i| i.functions.wifi_coverage_pct = Some(dec!(90))), zj());
    assert_eq!(failed.overall, Overall::Fail);
    // A soft rule's explicit fail case fails the whole.
    assert_eq!(
        evaluate(&with(|i| i.location = Some(Location::BuiltUpCenter)), zj()).overall,
        Overall::Fail
    );
    // CN-2021: a missing soft input warns; only the industry can fail.
    assert_eq!(
        evaluate(&with(|i| i.green_coverage_pct = None), cn()).overall,
        Overall::PassWithWarnings
    );
    assert_eq!(
        evaluate(&with(|i| i.industry = Some(Industry::Other)), cn()).overall,
        Overall::Fail
    );

    use Severity::{Hard, Soft};
    use Verdict::*;
    let cases: &[(&[(Verdict, Severity)], Overall)] = &[
        (&[], Overall::Pass),
        (
            &[(Pass, Hard), (Info, Severity::Info), (NotApplicable, Soft)],
            Overall::Pass,
        ),
        (&[(Missing, Severity::Info)], Overall::Pass),
        (&[(Pass, Hard), (Warn, Soft)], Overall::PassWithWarnings),
        (&[(Missing, Soft)], Overall::PassWithWarnings),
        (&[(Warn, Soft), (Fail, Soft)], Overall::Fail),
        (&[(Missing, Hard), (Pass, Soft)], Overall::Fail),
        (&[(Fail, Hard)], Overall::Fail),
    ];
    for (findings, want) in cases {
        assert_eq!(Overall::from_findings(findings.iter().copied()), *want, "{findings:?}");
    }
    assert_eq!(Overall::Pass.label(Lang::Zh), "合格");
    assert_eq!(Overall::PassWithWarnings.label(Lang::Zh), "基本合格（有预警）");
    assert_eq!(Overall::Fail.label(Lang::Zh), "不合格");
    assert_eq!(Overall::Pass.label(Lang::En), "Passed");
    assert_eq!(Overall::PassWithWarnings.label(Lang::En), "Passed with warnings");
    assert_eq!(Overall::Fail.label(Lang::En), "Failed");
    assert_eq!(
        serde_json::to_value(Overall::PassWithWarnings).unwrap(),
        json!("pass_with_warnings")
    );
    assert_eq!(
        serde_json::to_value(Verdict::NotApplicable).unwrap(),
        json!("not_applicable")
    );
}

/// (actual, required, margin, message) in one language.
fn words(f: &Finding, lang: Lang) -> (Option<String>, Option<String>, Option<String>, String) {
    let r = f.render(lang);
    (r.actual, r.required, r.margin, r.message)
}

fn s(t: &str) -> Option<String> {
    Some(t.to_string())
}

#[test]
fn messages_of_every_kind() {
    let p = with(|i| {
        i.industry = Some(Industry::Other);
        i.developer = None;
        i.location = Some(Location::Independent);
        i.planned_area_km2 = Some(dec!(4));
        i.functions.community = false;
        i.functions.tourism = false;
        i.functions.wifi_coverage_pct = Some(dec!(95));
        i.benefits.annual_visitors = Some(299_999);
        i.green_coverage_pct = None;
        i.residential_land_pct = Some(dec!(30.5));
    });
    let ev = evaluate(&p, zj());
    let f = |id| finding(&ev, id);

    // at_least, pass (the example of STANDARDS.md).
    assert_eq!(
        words(f("investment.eligible_total"), Lang::Zh),
        (
            s("52 亿元"),
            s("≥ 50 亿元"),
            s("+2 亿元"),
            "计划投资 52 亿元（扣除商品住宅和商业综合体后），高于 50 亿元的标准 2 亿元".into()
        )
    );
    assert_eq!(
        words(f("investment.eligible_total"), Lang::En).3,
        "Planned investment of 52 hundred-million yuan (excluding commercial housing and commercial complexes) exceeds the 50 threshold by 2"
    );
    // at_least, fail by one.
    assert_eq!(
        words(f("benefit.annual_visitors"), Lang::Zh),
        (
            s("299,999 人次"),
            s("≥ 300,000 人次"),
            s("−1 人次"),
            "年接待游客 299,999 人次，低于 300,000 人次的标准 1 人次".into()
        )
    );
    assert_eq!(
        words(f("benefit.annual_visitors"), Lang::En).3,
        "Annual visitor count of 299,999 visits falls short of the 300,000 threshold by 1"
    );
    // industry_eligible
    assert_eq!(
        words(f("industry.eligible"), Lang::Zh).3,
        "其他产业不属于可申报的产业（应为信息经济、环保、健康、旅游、时尚、金融、高端装备制造、历史经典之一）"
    );
    assert_eq!(
        words(f("industry.eligible"), Lang::En).3,
        "Other is not an eligible industry (it must be one of: Information economy, Environmental protection, Health, Tourism, Fashion, Finance, High-end equipment manufacturing or Historic classic trades)"
    );
    // named
    assert_eq!(
        words(f("operation.developer"), Lang::Zh),
        (s("未填写"), s("明确投资建设主体"), None, "未明确投资建设主体".into())
    );
    assert_eq!(
        words(f("operation.developer"), Lang::En).3,
        "No investment and construction entity is named"
    );
    // location
    assert_eq!(
        words(f("space.location"), Lang::Zh),
        (
            s("独立选址"),
            s("城乡结合部"),
            None,
            "选址：独立选址，原则上应布局在城乡结合部".into()
        )
    );
    assert_eq!(
        words(f("space.location"), Lang::En).3,
        "Site: independent site; in principle the town should be on the urban-rural fringe"
    );
    // band, above the upper bound.
    assert_eq!(
        words(f("space.planned_area"), Lang::Zh),
        (
            s("4 平方公里"),
            s("1.5–3.6 平方公里"),
            s("−0.4 平方公里"),
            "规划面积 4 平方公里，大于 3.6 平方公里的上限 0.4 平方公里".into()
        )
    );
    assert_eq!(
        words(f("space.planned_area"), Lang::En).3,
        "Planned area of 4 km² is above the 3.6 upper bound by 0.4"
    );
    // equals
    assert_eq!(
        words(f("function.wifi"), Lang::Zh),
        (
            s("95%"),
            s("= 100%"),
            s("−5 个百分点"),
            "WiFi覆盖率 95%，未达到 100%的要求，相差 5 个百分点".into()
        )
    );
    assert_eq!(
        words(f("function.wifi"), Lang::En).3,
        "WiFi coverage of 95% falls short of the required 100% by 5 percentage points"
    );
    // all_flags
    assert_eq!(
        words(f("function.integration"), Lang::Zh),
        (
            s("产业功能、文化功能"),
            s("产业功能、文化功能、旅游功能、社区功能"),
            s("−2 项"),
            "缺少旅游功能、社区功能".into()
        )
    );
    assert_eq!(
        words(f("function.integration"), Lang::En).3,
        "Lacks the tourism function and community function"
    );
    // report
    assert_eq!(
        words(f("benefit.new_tax"), Lang::Zh),
        (s("16,000 万元"), None, None, "年新增税收 16,000 万元".into())
    );
    assert_eq!(
        words(f("benefit.new_tax"), Lang::En).3,
        "New annual tax: 16,000 ten-thousand yuan"
    );

    let ev = evaluate(&p, cn());
    let f = |id| finding(&ev, id);
    // missing
    assert_eq!(
        words(f("green.coverage"), Lang::Zh),
        (None, None, None, "未填写绿化覆盖率，本项无法评价".into())
    );
    assert_eq!(
        words(f("green.coverage"), Lang::En).3,
        "Green coverage was not given, so this criterion could not be assessed"
    );
    // not_applicable
    assert_eq!(
        words(f("innovation.rd_intensity"), Lang::Zh),
        (None, None, None, "本项只适用于信息经济、高端装备制造产业小镇".into())
    );
    assert_eq!(
        words(f("innovation.rd_intensity"), Lang::En).3,
        "Applies only to towns in: Information economy or High-end equipment manufacturing"
    );
    // at_most
    assert_eq!(
        words(f("land.residential_share"), Lang::Zh),
        (
            s("30.5%"),
            s("≤ 30%"),
            s("−0.5 个百分点"),
            "住宅用地占比 30.5%，超过 30%的上限 0.5 个百分点".into()
        )
    );
    assert_eq!(
        words(f("land.residential_share"), Lang::En).3,
        "Residential land share of 30.5% exceeds the 30% limit by 0.5 percentage points"
    );
    // The relaxed thresholds say why they apply.
    let tourism = with(|i| {
        i.industry = Some(Industry::Tourism);
        i.functions.scenic_level = Some(4);
    });
    let ev = evaluate(&tourism, zj());
    assert_eq!(
        finding(&ev, "function.scenic_level").message(Lang::Zh),
        "景区规划等级 4A级，低于 5A级的标准 1 级（旅游产业小镇适用的标准）"
    );
    assert_eq!(
        finding(&ev, "investment.first_year").message(Lang::En),
        "First-year planned investment of 14 hundred-million yuan exceeds the 6 threshold by 8 (the relaxed threshold for exempt industries)"
    );
}

#[test]
fn figures_are_never_rounded_into_passing() {
    // 49.995 stays 49.995.
    let p = with(|i| {
        set_investment(
            i,
            dec!(59.995),
            dec!(6),
            dec!(4),
            dec!(40),
            &[dec!(12), dec!(22), dec!(25.995)],
        )
    });
    let ev = evaluate(&p, zj());
    let r = finding(&ev, "investment.eligible_total").render(Lang::Zh);
    assert_eq!(
        (r.verdict, r.actual, r.margin),
        (Verdict::Fail, s("49.995 亿元"), s("−0.005 亿元"))
    );
    // A share just under 70% (69.99980769…%) shows under 70%, with the
    // places it needs and the margin of the figure shown (not 69.99% beside
    // −0.0001, which contradict each other).
    let p = with(|i| i.investment.characteristic_yi = Some(dec!(36.3999)));
    let r = finding(&evaluate(&p, zj()), "investment.characteristic_share").render(Lang::Zh);
    assert_eq!(
        (r.verdict, r.actual, r.margin),
        (Verdict::Fail, s("69.9998%"), s("−0.0002 个百分点"))
    );
    assert_eq!(r.message, "特色产业投资占比 69.9998%，低于 70%的标准 0.0002 个百分点");
    // 69.995% exactly: cut down to 69.99%, never rounded to 70%.
    let p = with(|i| i.investment.characteristic_yi = Some(dec!(36.3974)));
    let r = finding(&evaluate(&p, zj()), "investment.characteristic_share").render(Lang::Zh);
    assert_eq!(
        (r.verdict, r.actual, r.margin),
        (Verdict::Fail, s("69.99%"), s("−0.01 个百分点"))
    );
    // Closer than 4 places show (363.9999 of 520: 69.99998077%): said in words.
    let p = with(|i| {
        set_investment(
            i,
            dec!(530),
            dec!(6),
            dec!(4),
            dec!(363.9999),
            &[dec!(130), dec!(200), dec!(200)],
        )
    });
    let r = finding(&evaluate(&p, zj()), "investment.characteristic_share").render(Lang::En);
    assert_eq!((r.verdict, r.actual.as_deref()), (Verdict::Fail, Some("below 70%")));
    assert_eq!(
        r.message,
        "Characteristic-industry share falls short of the 70% threshold by 0.000019 percentage points"
    );
    let p = with(|i| i.investment.characteristic_yi = Some(dec!(36.3896)));
    let r = finding(&evaluate(&p, zj()), "investment.characteristic_share").render(Lang::Zh);
    assert_eq!((r.actual, r.margin), (s("69.98%"), s("−0.02 个百分点")));
    // Exactly 70% is 70% and passes with no margin.
    let p = with(|i| i.investment.characteristic_yi = Some(dec!(36.4)));
    let r = finding(&evaluate(&p, zj()), "investment.characteristic_share").render(Lang::En);
    assert_eq!(
        (r.verdict, r.actual, r.margin),
        (Verdict::Pass, s("70%"), s("±0 percentage points"))
    );
    // A tax per mu a hair under 10 does not show as 10.
    let p = with(|i| i.benefits.new_tax_wan = Some(dec!(15749.99)));
    let r = finding(&evaluate(&p, cn()), "benefit.tax_per_mu").render(Lang::Zh);
    assert_eq!(
        (r.verdict, r.actual, r.margin),
        (Verdict::Warn, s("9.99 万元/亩"), s("−0.000006 万元/亩"))
    );
}

#[test]
fn api_json_has_the_documented_shape() {
    let p = with(|i| i.green_coverage_pct = None);
    let v = evaluate(&p, cn()).to_api_json();
    assert_eq!(v["standard"], json!({"code": "CN-2021", "version": 1}));
    assert_eq!(v["overall"], json!("pass_with_warnings"));
    for f in v["findings"].as_array().unwrap() {
        let keys: Vec<&str> = f.as_object().unwrap().keys().map(String::as_str).collect();
        let mut sorted = keys.clone();
        sorted.sort_unstable();
        assert_eq!(
            sorted,
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
        let judged = matches!(f["verdict"].as_str(), Some("pass" | "warn" | "fail"));
        if !judged {
            assert!(f["required"].is_null() && f["margin"].is_null(), "{f}");
        }
        assert!(f["citation"].as_str().unwrap().contains("1383号"));
    }
    let green = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["criterion"] == "green.coverage")
        .unwrap();
    assert_eq!(green["verdict"], json!("missing"));
    // The structured evaluation round-trips through JSON (the store keeps it).
    let ev = evaluate(&sample_proposal(), zj());
    let text = serde_json::to_string(&ev).unwrap();
    assert_eq!(serde_json::from_str::<Evaluation>(&text).unwrap(), ev);
}

const CUSTOM: &str = r#"{
  "code": "TEST-1", "version": 3, "name_zh": "测试标准", "name_en": "Test standard",
  "jurisdiction": "测试省", "effective_from": "2024-01-01", "source": "测试文件",
  "period_years": 3, "accelerated_period_years": 5,
  "exempt_industries": ["tourism"], "eligible_industries": ["health", "tourism"],
  "criteria": [
    {"id": "invest.big", "severity": "soft", "name_zh": "大投资", "name_en": "Big investment",
     "kind": {"type": "at_least", "metric": "eligible_yi", "threshold": {"default": 60, "overrides": [{"when": "exempt_industry", "value": "40"}]}},
     "citation": {"document": "测试文件", "clause": "第一条"}},
    {"id": "area.tight", "severity": "hard",
     "kind": {"type": "band", "metric": "planned_area_km2", "lower": 2.5, "upper": "3"},
     "citation": {"document": "测试文件", "clause": "第二条"}},
    {"id": "visitors.tourism", "severity": "hard", "applies_to": ["tourism"],
     "kind": {"type": "at_least", "metric": "annual_visitors", "threshold": {"default": 1000000}},
     "citation": {"document": "测试文件", "clause": "第三条"}},
    {"id": "land.low", "severity": "soft",
     "kind": {"type": "at_most", "metric": "residential_land_pct", "threshold": {"default": "10"}},
     "citation": {"document": "测试文件", "clause": "第四条"}}
  ]
}"#;

#[test]
fn a_standard_written_only_in_json() {
    let st = Standard::parse_checked(CUSTOM).expect("custom standard is sound");
    assert_eq!(st.criterion_label("invest.big", Lang::En), "Big investment");
    let ev = evaluate(&sample_proposal(), &st);
    assert_eq!(
        ev.standard,
        StandardRef {
            code: "TEST-1".into(),
            version: 3
        }
    );
    let verdicts: Vec<(&str, Verdict)> = ev.findings.iter().map(|f| (f.criterion.as_str(), f.verdict)).collect();
    assert_eq!(
        verdicts,
        [
            ("invest.big", Verdict::Warn),
            ("area.tight", Verdict::Fail),
            ("visitors.tourism", Verdict::NotApplicable),
            ("land.low", Verdict::Warn),
        ]
    );
    assert_eq!(ev.overall, Overall::Fail);
    assert_eq!(finding(&ev, "invest.big").render(Lang::Zh).required, s("≥ 60 亿元"));
    let tourism = with(|i| {
        i.industry = Some(Industry::Tourism);
        i.planned_area_km2 = Some(dec!(3));
    });
    let ev = evaluate(&tourism, &st);
    assert_eq!(ev.verdict("invest.big"), Some(Verdict::Pass));
    assert_eq!(ev.verdict("area.tight"), Some(Verdict::Pass));
    assert_eq!(ev.verdict("visitors.tourism"), Some(Verdict::Fail));
    assert_eq!(ev.overall, Overall::Fail);
}

#[test]
fn validation_of_standards() {
    use StandardErrorCode as C;
    let base: serde_json::Value = serde_json::from_str(CUSTOM).unwrap();
    let check = |change: &dyn Fn(&mut serde_json::Value)| -> Vec<C> {
        let mut v = base.clone();
        change(&mut v);
        match Standard::parse_checked(&v.to_string()) {
            Ok(_) => vec![],
            Err(es) => es.iter().map(|e| e.code).collect(),
        }
    };
    assert_eq!(check(&|_| {}), vec![]);
    assert_eq!(
        check(&|v| v["criteria"][1]["kind"]["lower"] = json!("3")),
        vec![C::BandInverted]
    );
    assert_eq!(
        check(&|v| v["criteria"][1]["kind"]["lower"] = json!("-1")),
        vec![C::NegativeThreshold]
    );
    assert_eq!(
        check(&|v| v["criteria"][3]["kind"]["threshold"]["default"] = json!(101)),
        vec![C::PercentOutOfRange]
    );
    assert_eq!(
        check(&|v| v["criteria"][0]["kind"]["threshold"]["overrides"][0]["value"] = json!("-5")),
        vec![C::NegativeThreshold]
    );
    assert_eq!(
        check(&|v| v["criteria"][1]["id"] = json!("invest.big")),
        vec![C::DuplicateId]
    );
    assert_eq!(check(&|v| v["criteria"][0]["id"] = json!(" ")), vec![C::EmptyId]);
    assert_eq!(
        check(&|v| v["criteria"][2]["applies_to"] = json!([])),
        vec![C::EmptyIndustries]
    );
    assert_eq!(
        check(&|v| v["exempt_industries"] = json!(["finance"])),
        vec![C::ExemptNotEligible]
    );
    assert_eq!(
        check(&|v| v["eligible_industries"] = json!([])),
        vec![C::NoEligibleIndustries, C::ExemptNotEligible]
    );
    assert_eq!(check(&|v| v["version"] = json!(0)), vec![C::BadVersion]);
    assert_eq!(check(&|v| v["period_years"] = json!(0)), vec![C::BadPeriod]);
    // At most 5 years: nothing reads a longer period (issue 17).
    assert_eq!(check(&|v| v["period_years"] = json!(5)), vec![]);
    assert_eq!(check(&|v| v["period_years"] = json!(6)), vec![C::BadPeriod]);
    assert_eq!(check(&|v| v["accelerated_period_years"] = json!(6)), vec![C::BadPeriod]);
    assert_eq!(check(&|v| v["accelerated_period_years"] = json!(1)), vec![]);
    // The creation section, on both sides of each rule.
    let creation = |section: serde_json::Value| check(&move |v| v["creation"] = section.clone());
    assert_eq!(creation(json!({"bands": {"excellent_pct": "120.01"}})), vec![]);
    assert_eq!(
        creation(json!({"bands": {"excellent_pct": "100"}})),
        vec![C::CreationBands]
    );
    assert_eq!(creation(json!({"bands": {"pass_pct": "60"}})), vec![C::CreationBands]);
    assert_eq!(creation(json!({"bands": {"warning_pct": "0"}})), vec![]);
    assert_eq!(
        creation(json!({"bands": {"warning_pct": "-1"}})),
        vec![C::CreationBands]
    );
    assert_eq!(
        creation(json!({"bands": {"warnings_to_demote": 0}})),
        vec![C::CreationBands]
    );
    assert_eq!(creation(json!({"reward": {"tax_rebate_by_year": ["1", "0"]}})), vec![]);
    assert_eq!(
        creation(json!({"reward": {"tax_rebate_by_year": ["1.01", "-0.01"]}})),
        vec![C::CreationRate, C::CreationRate]
    );
    assert_eq!(creation(json!({"reward": {"factor": "0.0001"}})), vec![]);
    assert_eq!(creation(json!({"reward": {"factor": "0"}})), vec![C::CreationFactor]);
    assert_eq!(
        creation(json!({"reward": {"high_factor": "-0.6"}})),
        vec![C::CreationFactor]
    );
    assert_eq!(creation(json!({"deadline": {"month": 2, "day": 28}})), vec![]);
    assert_eq!(
        creation(json!({"deadline": {"month": 2, "day": 29}})),
        vec![C::CreationDeadline]
    );
    let e = Standard::parse_checked(
        &{
            let mut v = base.clone();
            v["creation"] = json!({"bands": {"good_pct": "130"}});
            v
        }
        .to_string(),
    )
    .unwrap_err();
    assert_eq!(
        e[0].message(Lang::Zh),
        "创建制考核等次的完成率界限应从优秀到警告依次递减且不为负数（120 > 130 > 80 > 60）"
    );
    assert_eq!(
        check(&|v| v["criteria"][0]["kind"] =
            json!({"type": "location", "pass": ["independent"], "warn": ["independent"]})),
        vec![C::LocationConflict]
    );
    assert_eq!(
        check(&|v| v["criteria"][0]["kind"] = json!({"type": "all_flags", "flags": []})),
        vec![C::NoFlags]
    );
    assert_eq!(
        check(&|v| v["criteria"][0]["kind"] = json!({"type": "report", "metric": "jobs"})),
        vec![C::ReportNotInfo]
    );
    assert_eq!(
        check(&|v| v["criteria"][0]["kind"] =
            json!({"type": "at_least", "metric": "scenic_level", "threshold": {"default": 6}})),
        vec![C::GradeOutOfRange]
    );
    // Unknown industries, kinds, metrics and fields are refused when read.
    assert_eq!(
        check(&|v| v["eligible_industries"] = json!(["mining"])),
        vec![C::Syntax]
    );
    assert_eq!(
        check(&|v| v["criteria"][0]["kind"]["type"] = json!("at_leest")),
        vec![C::Syntax]
    );
    assert_eq!(
        check(&|v| v["criteria"][0]["kind"]["metric"] = json!("height")),
        vec![C::Syntax]
    );
    assert_eq!(check(&|v| v["criteria"][0]["colour"] = json!("red")), vec![C::Syntax]);
    assert_eq!(
        check(&|v| v["criteria"][1]["kind"]["lower"] = json!("NaN")),
        vec![C::Syntax]
    );

    let mut v = base.clone();
    v["criteria"][1]["kind"]["lower"] = json!("3");
    let e = Standard::parse_checked(&v.to_string()).unwrap_err().remove(0);
    assert_eq!(e.message(Lang::Zh), "指标 area.tight：范围的下限应小于上限（3 ≥ 3）");
    assert_eq!(
        e.message(Lang::En),
        "Criterion area.tight: The lower bound must be below the upper bound (3 ≥ 3)"
    );
}

// ---- properties ----

fn dec4(raw: i64) -> Decimal {
    Decimal::new(raw, 4)
}

prop_compose! {
    fn arb_input()(
        industry in 0..Industry::ALL.len(),
        location in 0..Location::ALL.len(),
        accelerated in any::<bool>(),
        planned in 1i64..=80_000,
        built_share in 1i64..=100,
        total in 1i64..=2_000_000,
        res_q in 0i64..=25,
        com_q in 0i64..=25,
        char_q in 0i64..=100,
        first_q in 0i64..=100,
        flags in prop::array::uniform6(any::<bool>()),
        scenic in 0i32..=5,
        wifi in prop_oneof![Just(10_000i64), 0i64..=10_000],
        digital in prop_oneof![Just(10_000i64), 0i64..=10_000],
        tax in 0i64..=100_000_000,
        counts in prop::array::uniform4(0i32..=2_000_000),
        national in prop::array::uniform5(prop::option::of(0i64..=10_000)),
    ) -> ProposalInput {
        let built = (planned * built_share / 100).max(1);
        let res = total * res_q / 100;
        let com = total * com_q / 100;
        let eligible = total - res - com;
        let characteristic = eligible * char_q / 100;
        let years = if accelerated { 5 } else { 3 };
        let first = total * first_q / 100;
        let rest = total - first;
        let mut by_year = vec![dec4(first)];
        for y in 1..years {
            let share = rest / (years - 1);
            let amount = if y == years - 1 { rest - share * (years - 2) } else { share };
            by_year.push(dec4(amount));
        }
        let mut i = sample_proposal().to_input();
        i.industry = Some(Industry::ALL[industry]);
        i.classic_trade = None;
        i.location = Some(Location::ALL[location]);
        i.accelerated_county = accelerated;
        i.planned_area_km2 = Some(dec4(planned));
        i.built_area_km2 = Some(dec4(built));
        set_investment(&mut i, dec4(total), dec4(res), dec4(com), dec4(characteristic), &by_year);
        let f = &mut i.functions;
        [f.industry, f.culture, f.tourism, f.community, f.public_service_app, f.town_living_room] = flags;
        f.scenic_level = Some(scenic);
        f.wifi_coverage_pct = Some(Decimal::new(wifi, 2));
        f.digital_management_pct = Some(Decimal::new(digital, 2));
        i.benefits.new_tax_wan = Some(Decimal::new(tax, 2));
        [i.benefits.jobs, i.benefits.annual_visitors, i.benefits.enterprises, i.benefits.talents] = counts.map(Some);
        let pct = |o: Option<i64>| o.map(|v| Decimal::new(v, 2));
        i.green_coverage_pct = pct(national[0]);
        i.residential_land_pct = pct(national[1]);
        i.labour_productivity_wan = pct(national[2]);
        i.new_economy_share_pct = pct(national[3]);
        i.rd_intensity_pct = pct(national[4]);
        i
    }
}

fn fails_by_rule(ev: &Evaluation) -> bool {
    ev.findings
        .iter()
        .any(|f| f.verdict == Verdict::Fail || (f.verdict == Verdict::Missing && f.severity == Severity::Hard))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn evaluate_and_render_never_panic(input in arb_input()) {
        let p = input.complete();
        prop_assert!(p.is_ok(), "generator made an invalid proposal: {:?}", p.err());
        let p = p.unwrap();
        for s in builtin() {
            let ev = evaluate(&p, s);
            prop_assert_eq!(ev.findings.len(), s.criteria.len());
            prop_assert_eq!(ev.overall == Overall::Fail, fails_by_rule(&ev));
            let _ = ev.to_api_json();
        }
        prop_assert_eq!(Proposal::from_json(&p.to_json()), Ok(p.clone()));
    }

    #[test]
    fn more_characteristic_investment_never_fails_the_share(input in arb_input(), extra_q in 0i64..=100) {
        let p = input.complete().unwrap();
        let room = p.eligible_yi() - p.investment().characteristic_yi;
        let extra = (room * Decimal::new(extra_q, 2)).round_dp(4);
        let mut raised = p.to_input();
        raised.investment.characteristic_yi = Some(p.investment().characteristic_yi + extra);
        let raised = raised.complete().unwrap();
        for s in builtin() {
            let before = evaluate(&p, s).verdict("investment.characteristic_share");
            let after = evaluate(&raised, s).verdict("investment.characteristic_share");
            prop_assert!(!(before == Some(Verdict::Pass) && after != Some(Verdict::Pass)));
        }
    }

    #[test]
    fn more_total_investment_never_fails_the_eligible_total(input in arb_input(), extra in 0i64..=1_000_000) {
        let p = input.complete().unwrap();
        let extra = dec4(extra);
        let mut raised = p.to_input();
        raised.investment.total_yi = Some(p.investment().total_yi + extra);
        if let Some(Some(last)) = raised.investment.by_year_yi.last_mut() {
            *last += extra;
        }
        let raised = raised.complete().unwrap();
        let before = evaluate(&p, zj()).verdict("investment.eligible_total");
        let after = evaluate(&raised, zj()).verdict("investment.eligible_total");
        prop_assert!(!(before == Some(Verdict::Pass) && after != Some(Verdict::Pass)));
    }
}
