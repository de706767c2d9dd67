//! The demonstration towns: the nine Zhejiang towns of the study report and
//! a few other published ones (figures from STANDARDS.md's appendix where
//! known, plausible otherwise), and the city's own five planned towns.
//! Each gets the status it should end in, so that the demo shows every step
//! of the workflow and all three overall verdicts.

use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use crate::domain::proposal::{ClassicTrade, Industry, Location, ProposalInput, sample_proposal};

/// Where a demo town ends up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    Draft,
    Submitted,
    Returned(&'static str),
    Approved(&'static str),
    Rejected(&'static str),
    Withdrawn,
    /// Approved and put on the published first batch.
    Listed(&'static str),
}

pub struct Town {
    pub region: &'static str,
    pub input: ProposalInput,
    pub fate: Fate,
}

struct Figures {
    name: &'static str,
    region: &'static str,
    industry: Industry,
    trade: Option<ClassicTrade>,
    location: Location,
    planned: Decimal,
    built: Decimal,
    total: Decimal,
    residential: Decimal,
    complex: Decimal,
    characteristic: Decimal,
    years: [Decimal; 3],
    scenic: i32,
    visitors: i32,
    developer: &'static str,
}

fn town(f: Figures, fate: Fate) -> Town {
    let mut input = sample_proposal().to_input();
    input.name = Some(f.name.to_owned());
    input.region = Some(f.region.to_owned());
    input.developer = Some(f.developer.to_owned()).filter(|d| !d.is_empty());
    input.industry = Some(f.industry);
    input.classic_trade = f.trade;
    input.location = Some(f.location);
    input.planned_area_km2 = Some(f.planned);
    input.built_area_km2 = Some(f.built);
    input.investment.total_yi = Some(f.total);
    input.investment.residential_yi = Some(f.residential);
    input.investment.commercial_complex_yi = Some(f.complex);
    input.investment.characteristic_yi = Some(f.characteristic);
    input.investment.by_year_yi = f.years.iter().copied().map(Some).collect();
    input.functions.scenic_level = Some(f.scenic);
    input.benefits.annual_visitors = Some(f.visitors);
    Town {
        region: f.region,
        input,
        fate,
    }
}

const LISTED: &str = "符合省级特色小镇创建要求，同意列入创建名单。";

/// Every demonstration town, in the order they are created.
pub fn towns() -> Vec<Town> {
    let mut towns = all_towns();
    // The newest plan is still being written: no benefits, no yearly plan.
    if let Some(last) = towns.last_mut() {
        last.input.benefits = Default::default();
        last.input.investment.by_year_yi.clear();
    }
    towns
}

fn all_towns() -> Vec<Town> {
    use ClassicTrade as T;
    use Industry as I;
    use Location as L;
    vec![
        town(
            Figures {
                name: "德清地理信息小镇",
                region: "德清县",
                industry: I::InformationEconomy,
                trade: None,
                location: L::UrbanRuralFringe,
                // 3.68 km² is just over the band of "about 3": a warning.
                planned: dec!(3.68),
                built: dec!(1.31),
                total: dec!(55),
                residential: dec!(5),
                complex: dec!(3),
                characteristic: dec!(40),
                years: [dec!(15), dec!(19), dec!(21)],
                scenic: 3,
                visitors: 420000,
                developer: "德清县地理信息产业园开发有限公司",
            },
            Fate::Listed("规划面积略大于3平方公里，考虑到地理信息产业集聚需要，予以认可。"),
        ),
        town(
            Figures {
                name: "吴兴美妆小镇",
                region: "吴兴区",
                industry: I::Fashion,
                trade: None,
                location: L::UrbanRuralFringe,
                planned: dec!(3.28),
                built: dec!(1.05),
                total: dec!(105),
                residential: dec!(10),
                complex: dec!(5),
                characteristic: dec!(80),
                years: [dec!(30), dec!(35), dec!(40)],
                scenic: 3,
                visitors: 500000,
                developer: "湖州吴兴美妆小镇建设发展有限公司",
            },
            Fate::Listed(LISTED),
        ),
        town(
            Figures {
                name: "嘉善巧克力甜蜜小镇",
                region: "嘉善县",
                industry: I::Tourism,
                trade: None,
                location: L::Independent,
                // Tourism towns may plan up to 6 km².
                planned: dec!(3.87),
                built: dec!(1.1),
                total: dec!(40),
                residential: dec!(2),
                complex: dec!(3),
                characteristic: dec!(30),
                years: [dec!(10), dec!(14), dec!(16)],
                scenic: 5,
                visitors: 800000,
                developer: "嘉善歌斐颂巧克力小镇开发有限公司",
            },
            Fate::Approved("旅游功能突出，按5A级景区标准建设，同意通过。"),
        ),
        town(
            Figures {
                name: "海宁皮革时尚小镇",
                region: "海宁市",
                industry: I::Fashion,
                trade: None,
                location: L::UrbanRuralFringe,
                planned: dec!(3.5),
                built: dec!(1.2),
                total: dec!(60),
                residential: dec!(5),
                complex: dec!(3),
                characteristic: dec!(45),
                years: [dec!(16), dec!(20), dec!(24)],
                scenic: 3,
                visitors: 380000,
                developer: "海宁中国皮革城股份有限公司",
            },
            Fate::Submitted,
        ),
        town(
            Figures {
                name: "江北动力小镇",
                region: "江北区",
                industry: I::HighEndEquipment,
                trade: None,
                location: L::UrbanRuralFringe,
                planned: dec!(3.5),
                built: dec!(1.0),
                total: dec!(52),
                residential: dec!(0),
                complex: dec!(2),
                characteristic: dec!(40),
                years: [dec!(12), dec!(18), dec!(22)],
                scenic: 3,
                visitors: 310000,
                developer: "宁波江北动力小镇投资有限公司",
            },
            Fate::Approved(LISTED),
        ),
        town(
            Figures {
                name: "越城黄酒小镇",
                region: "越城区",
                industry: I::HistoricClassic,
                trade: Some(T::YellowWine),
                location: L::UrbanRuralFringe,
                planned: dec!(2.9),
                built: dec!(0.9),
                total: dec!(35),
                residential: dec!(0),
                complex: dec!(1),
                characteristic: dec!(28),
                years: [dec!(8), dec!(12), dec!(15)],
                scenic: 4,
                visitors: 600000,
                developer: "绍兴黄酒小镇投资开发有限公司",
            },
            Fate::Listed(LISTED),
        ),
        town(
            Figures {
                name: "上城玉皇山南基金小镇",
                region: "上城区",
                industry: I::Finance,
                trade: None,
                location: L::UrbanRuralFringe,
                planned: dec!(2.5),
                built: dec!(0.8),
                total: dec!(32),
                residential: dec!(1),
                complex: dec!(1),
                characteristic: dec!(25),
                years: [dec!(9), dec!(11), dec!(12)],
                scenic: 3,
                visitors: 300000,
                developer: "杭州玉皇山南基金小镇管委会投资公司",
            },
            Fate::Listed(LISTED),
        ),
        town(
            Figures {
                name: "余杭梦想小镇",
                region: "余杭区",
                industry: I::InformationEconomy,
                trade: None,
                location: L::UrbanRuralFringe,
                planned: dec!(3.0),
                built: dec!(1.0),
                total: dec!(45),
                residential: dec!(3),
                complex: dec!(2),
                characteristic: dec!(35),
                years: [dec!(12), dec!(15), dec!(18)],
                scenic: 3,
                visitors: 520000,
                developer: "杭州未来科技城梦想小镇建设有限公司",
            },
            Fate::Listed(LISTED),
        ),
        town(
            Figures {
                name: "桐庐健康小镇",
                region: "桐庐县",
                industry: I::Health,
                trade: None,
                location: L::UrbanRuralFringe,
                planned: dec!(3.2),
                built: dec!(1.0),
                // 46 亿 eligible: under the 50 亿 a health town needs.
                total: dec!(48),
                residential: dec!(1),
                complex: dec!(1),
                characteristic: dec!(38),
                years: [dec!(12), dec!(16), dec!(20)],
                scenic: 3,
                visitors: 350000,
                developer: "桐庐富春山健康城开发有限公司",
            },
            Fate::Rejected("扣除商品住宅和商业综合体后投资不足50亿元，不符合创建条件。"),
        ),
        town(
            Figures {
                name: "诸暨袜艺小镇",
                region: "诸暨市",
                industry: I::Fashion,
                trade: None,
                location: L::UrbanRuralFringe,
                planned: dec!(2.87),
                built: dec!(0.95),
                total: dec!(55),
                residential: dec!(3),
                complex: dec!(2),
                characteristic: dec!(42),
                years: [dec!(15), dec!(18), dec!(22)],
                scenic: 3,
                visitors: 300000,
                developer: "诸暨市大唐袜艺小镇建设有限公司",
            },
            Fate::Listed(LISTED),
        ),
        town(
            Figures {
                name: "柯桥蓝印时尚小镇",
                region: "柯桥区",
                industry: I::Fashion,
                trade: None,
                location: L::UrbanRuralFringe,
                planned: dec!(3.39),
                built: dec!(1.01),
                total: dec!(111.5),
                residential: dec!(8),
                complex: dec!(6),
                characteristic: dec!(85),
                years: [dec!(30), dec!(38), dec!(43.5)],
                scenic: 3,
                visitors: 450000,
                developer: "绍兴柯桥蓝印时尚小镇开发建设有限公司",
            },
            Fate::Approved(LISTED),
        ),
        town(
            Figures {
                name: "磐安江南药镇",
                region: "磐安县",
                industry: I::HistoricClassic,
                trade: Some(T::ChineseMedicine),
                location: L::Independent,
                planned: dec!(3.1),
                built: dec!(1.0),
                total: dec!(51.5),
                residential: dec!(2),
                complex: dec!(1.5),
                characteristic: dec!(40),
                years: [dec!(14), dec!(17), dec!(20.5)],
                scenic: 3,
                visitors: 330000,
                developer: "磐安县江南药镇开发投资有限公司",
            },
            Fate::Withdrawn,
        ),
        // The city's own five (诸城市, the demo official's region).
        town(
            Figures {
                name: "健康美食小镇",
                region: "诸城市",
                industry: I::Health,
                trade: None,
                location: L::UrbanRuralFringe,
                planned: dec!(3.2),
                built: dec!(1.05),
                total: dec!(62),
                residential: dec!(6),
                complex: dec!(4),
                characteristic: dec!(40.5),
                years: [dec!(14), dec!(22), dec!(26)],
                scenic: 3,
                visitors: 650000,
                developer: "诸城市健康美食小镇建设发展有限公司",
            },
            Fate::Submitted,
        ),
        town(
            Figures {
                name: "恐龙小镇",
                region: "诸城市",
                industry: I::Tourism,
                trade: None,
                location: L::Independent,
                planned: dec!(5.2),
                built: dec!(1.2),
                total: dec!(42),
                residential: dec!(4),
                complex: dec!(3),
                characteristic: dec!(28),
                years: [dec!(10), dec!(14), dec!(18)],
                // A tourism town must be built to the 5A standard: 4A fails.
                scenic: 4,
                visitors: 900000,
                developer: "诸城恐龙文化旅游发展有限公司",
            },
            Fate::Submitted,
        ),
        town(
            Figures {
                name: "茶叶小镇",
                region: "诸城市",
                industry: I::HistoricClassic,
                trade: Some(T::Tea),
                location: L::Independent,
                planned: dec!(2.6),
                built: dec!(0.8),
                total: dec!(33),
                residential: dec!(2),
                complex: dec!(0),
                characteristic: dec!(24),
                years: [dec!(7), dec!(12), dec!(14)],
                scenic: 3,
                visitors: 310000,
                developer: "诸城市茶文化产业发展有限公司",
            },
            Fate::Returned("请补充茶园基地与加工项目的分年度投资明细，并说明独立选址的理由。"),
        ),
        town(
            Figures {
                name: "汽车动力小镇",
                region: "诸城市",
                industry: I::HighEndEquipment,
                trade: None,
                location: L::UrbanRuralFringe,
                planned: dec!(3.4),
                built: dec!(1.1),
                // Not yet 50 亿: the live evaluation shows it red.
                total: dec!(47),
                residential: dec!(0),
                complex: dec!(1),
                characteristic: dec!(36),
                years: [dec!(11), dec!(16), dec!(20)],
                scenic: 3,
                visitors: 300000,
                developer: "诸城汽车动力产业园投资有限公司",
            },
            Fate::Draft,
        ),
        town(
            Figures {
                name: "智能体验小镇",
                region: "诸城市",
                industry: I::InformationEconomy,
                trade: None,
                location: L::UrbanRuralFringe,
                planned: dec!(2.8),
                built: dec!(0.9),
                total: dec!(38),
                residential: dec!(2),
                complex: dec!(2),
                characteristic: dec!(29),
                years: [dec!(10), dec!(12), dec!(16)],
                scenic: 3,
                visitors: 320000,
                developer: "诸城市智能装备体验中心有限公司",
            },
            Fate::Draft,
        ),
    ]
}
