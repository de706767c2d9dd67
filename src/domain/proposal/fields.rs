//! The proposal's fields as STANDARDS.md §1 names them, in form order, with
//! their kinds, limits, units and labels. Forms, parsers and error messages
//! all read this one table, so a field is described once.

use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use crate::domain::Lang;

/// The unit a figure is entered and reported in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// 亿元, 100 million yuan.
    Yi,
    /// 万元, 10,000 yuan.
    Wan,
    Km2,
    Mu,
    Pct,
    /// Scenic-area grade (A-level).
    Grade,
    People,
    Visits,
    Firms,
    WanPerMu,
    WanPerPerson,
}

impl Unit {
    /// The unit as written after a number ("亿元", "km²").
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Unit::Yi, Lang::Zh) => "亿元",
            (Unit::Yi, Lang::En) => "hundred-million yuan",
            (Unit::Wan, Lang::Zh) => "万元",
            (Unit::Wan, Lang::En) => "ten-thousand yuan",
            (Unit::Km2, Lang::Zh) => "平方公里",
            (Unit::Km2, Lang::En) => "km²",
            (Unit::Mu, Lang::Zh) => "亩",
            (Unit::Mu, Lang::En) => "mu",
            (Unit::Pct, _) => "%",
            (Unit::Grade, Lang::Zh) => "A级",
            (Unit::Grade, Lang::En) => "A",
            (Unit::People, Lang::Zh) => "人",
            (Unit::People, Lang::En) => "people",
            (Unit::Visits, Lang::Zh) => "人次",
            (Unit::Visits, Lang::En) => "visits",
            (Unit::Firms, Lang::Zh) => "家",
            (Unit::Firms, Lang::En) => "firms",
            (Unit::WanPerMu, Lang::Zh) => "万元/亩",
            (Unit::WanPerMu, Lang::En) => "ten-thousand yuan per mu",
            (Unit::WanPerPerson, Lang::Zh) => "万元/人",
            (Unit::WanPerPerson, Lang::En) => "ten-thousand yuan per person",
        }
    }
}

/// The allowed range of a decimal field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecimalLimit {
    pub unit: Unit,
    /// Zero itself is refused (areas).
    pub positive: bool,
    pub max: Decimal,
    pub max_scale: u32,
    /// A typical value, quoted in "enter a number such as …" messages.
    pub example: &'static str,
}

pub const YI: DecimalLimit = DecimalLimit {
    unit: Unit::Yi,
    positive: false,
    max: dec!(100000),
    max_scale: 4,
    example: "3.6",
};
pub const WAN: DecimalLimit = DecimalLimit {
    unit: Unit::Wan,
    positive: false,
    max: dec!(1000000000),
    max_scale: 2,
    example: "8000",
};
pub const WAN_PER_PERSON: DecimalLimit = DecimalLimit {
    unit: Unit::WanPerPerson,
    ..WAN
};
pub const AREA: DecimalLimit = DecimalLimit {
    unit: Unit::Km2,
    positive: true,
    max: dec!(1000),
    max_scale: 4,
    example: "3.2",
};
pub const PCT: DecimalLimit = DecimalLimit {
    unit: Unit::Pct,
    positive: false,
    max: dec!(100),
    max_scale: 2,
    example: "70",
};

/// Which closed list a choice field draws from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    Industry,
    ClassicTrade,
    Location,
}

impl Choice {
    /// (code, label) pairs for a `<select>`.
    pub fn options(self, lang: Lang) -> Vec<(&'static str, &'static str)> {
        use super::{ClassicTrade, Industry, Location};
        match self {
            Choice::Industry => Industry::ALL.iter().map(|v| (v.code(), v.label(lang))).collect(),
            Choice::ClassicTrade => ClassicTrade::ALL.iter().map(|v| (v.code(), v.label(lang))).collect(),
            Choice::Location => Location::ALL.iter().map(|v| (v.code(), v.label(lang))).collect(),
        }
    }

    /// Whether `code` is one of the list's codes.
    pub fn accepts(self, code: &str) -> bool {
        use super::{ClassicTrade, Industry, Location};
        match self {
            Choice::Industry => Industry::from_code(code).is_some(),
            Choice::ClassicTrade => ClassicTrade::from_code(code).is_some(),
            Choice::Location => Location::from_code(code).is_some(),
        }
    }

    pub fn codes(self) -> Vec<&'static str> {
        self.options(Lang::Zh).into_iter().map(|(c, _)| c).collect()
    }
}

/// What kind of value a field holds, with its limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// Counted in characters after trimming.
    Text {
        min_chars: usize,
        max_chars: usize,
    },
    Choice(Choice),
    /// A checkbox: sent as `true`, absent when unticked.
    Bool,
    Decimal(DecimalLimit),
    /// The same field repeated, one value per year.
    DecimalList(DecimalLimit),
    /// A whole number from 0 to `max`.
    Count {
        max: i32,
        unit: Option<Unit>,
        example: &'static str,
    },
}

/// One field of the proposal form and canonical JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpec {
    /// The dotted name used by JSON paths and form fields.
    pub name: &'static str,
    pub kind: FieldKind,
    /// Needed to submit (drafts need only `name`).
    pub required: bool,
    /// Asked for by the national standard only.
    pub national_only: bool,
    pub label_zh: &'static str,
    pub label_en: &'static str,
    pub help_zh: &'static str,
    pub help_en: &'static str,
}

impl FieldSpec {
    pub fn label(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::Zh => self.label_zh,
            Lang::En => self.label_en,
        }
    }

    pub fn help(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::Zh => self.help_zh,
            Lang::En => self.help_en,
        }
    }

    pub fn unit(&self) -> Option<Unit> {
        match self.kind {
            FieldKind::Decimal(l) | FieldKind::DecimalList(l) => Some(l.unit),
            FieldKind::Count { unit, .. } => unit,
            _ => None,
        }
    }

    pub fn is_list(&self) -> bool {
        matches!(self.kind, FieldKind::DecimalList(_))
    }
}

/// Looks a field up by its dotted name.
pub fn field(name: &str) -> Option<&'static FieldSpec> {
    FIELDS.iter().find(|f| f.name == name)
}

const fn spec(name: &'static str, kind: FieldKind, required: bool, labels: [&'static str; 4]) -> FieldSpec {
    FieldSpec {
        name,
        kind,
        required,
        national_only: false,
        label_zh: labels[0],
        label_en: labels[1],
        help_zh: labels[2],
        help_en: labels[3],
    }
}

const fn national(name: &'static str, kind: FieldKind, labels: [&'static str; 4]) -> FieldSpec {
    FieldSpec {
        national_only: true,
        ..spec(name, kind, false, labels)
    }
}

const COUNT: i32 = i32::MAX;

/// Every field, in form order.
pub const FIELDS: &[FieldSpec] = &[
    spec(
        "name",
        FieldKind::Text {
            min_chars: 1,
            max_chars: 100,
        },
        true,
        [
            "小镇名称",
            "Town name",
            "例如“健康美食小镇”，不超过100个字",
            "For example “Healthy Food Town”; at most 100 characters",
        ],
    ),
    spec(
        "region",
        FieldKind::Text {
            min_chars: 1,
            max_chars: 50,
        },
        true,
        [
            "申报县（市、区）",
            "Applying county or district",
            "申报所在的县（市、区），例如“诸城市”",
            "The county or district that applies, e.g. Zhucheng",
        ],
    ),
    spec(
        "developer",
        FieldKind::Text {
            min_chars: 0,
            max_chars: 200,
        },
        false,
        [
            "投资建设主体",
            "Investment and construction entity",
            "每个特色小镇要明确投资建设主体，以企业为主推进项目建设",
            "Each town must name the entity that invests in and builds it, normally a company",
        ],
    ),
    spec(
        "industry",
        FieldKind::Choice(Choice::Industry),
        true,
        [
            "产业类别",
            "Industry",
            "聚焦信息经济、环保、健康、旅游、时尚、金融、高端装备制造七大产业，兼顾历史经典产业",
            "One of the seven industries or a historic classic trade",
        ],
    ),
    spec(
        "classic_trade",
        FieldKind::Choice(Choice::ClassicTrade),
        false,
        [
            "历史经典产业",
            "Classic trade",
            "仅历史经典产业小镇填写：茶叶、丝绸、黄酒、中药、青瓷、木雕、根雕、石雕、文房、宝剑",
            "Historic classic towns only: tea, silk, yellow wine, medicine, celadon, carving, study treasures or swords",
        ],
    ),
    spec(
        "location",
        FieldKind::Choice(Choice::Location),
        true,
        [
            "选址",
            "Site",
            "原则上布局在城乡结合部，不宜位于建成区中心",
            "In principle on the urban-rural fringe, not in the centre of a built-up area",
        ],
    ),
    spec(
        "accelerated_county",
        FieldKind::Bool,
        false,
        [
            "属于26个加快发展县",
            "One of the 26 accelerated-development counties",
            "加快发展县创建期为5年，其余为3年",
            "Their creation period is 5 years instead of 3",
        ],
    ),
    spec(
        "planned_area_km2",
        FieldKind::Decimal(AREA),
        true,
        [
            "规划面积",
            "Planned area",
            "规划面积一般控制在3平方公里左右",
            "The planned area is normally about 3 km²",
        ],
    ),
    spec(
        "built_area_km2",
        FieldKind::Decimal(AREA),
        true,
        [
            "建设面积",
            "Built area",
            "建设面积一般控制在1平方公里左右，不大于规划面积",
            "The built area is normally about 1 km² and no larger than the planned area",
        ],
    ),
    spec(
        "investment.total_yi",
        FieldKind::Decimal(YI),
        true,
        [
            "计划固定资产投资总额",
            "Planned fixed-asset investment, total",
            "创建期（3年，加快发展县5年）内的全部固定资产投资",
            "All fixed-asset investment over the creation period (3 years, 5 for accelerated counties)",
        ],
    ),
    spec(
        "investment.residential_yi",
        FieldKind::Decimal(YI),
        true,
        [
            "其中：商品住宅投资",
            "Of which commercial housing",
            "计算投资额时扣除商品住宅",
            "Excluded when the investment is assessed",
        ],
    ),
    spec(
        "investment.commercial_complex_yi",
        FieldKind::Decimal(YI),
        true,
        [
            "其中：商业综合体投资",
            "Of which commercial complexes",
            "计算投资额时扣除商业综合体",
            "Excluded when the investment is assessed",
        ],
    ),
    spec(
        "investment.characteristic_yi",
        FieldKind::Decimal(YI),
        true,
        [
            "其中：特色产业投资",
            "Of which the characteristic industry",
            "特色产业投资占比不低于70%",
            "At least 70% of the assessed investment should go to the town's own industry",
        ],
    ),
    spec(
        "investment.by_year_yi",
        FieldKind::DecimalList(YI),
        true,
        [
            "逐年计划投资",
            "Planned investment by year",
            "每年一个数，共3年（加快发展县5年），合计等于总投资；第一年一般不少于10亿元",
            "One figure per year, 3 years (5 for accelerated counties), adding up to the total; normally 10 or more in year one",
        ],
    ),
    spec(
        "functions.industry",
        FieldKind::Bool,
        false,
        [
            "产业功能",
            "Industry function",
            "产业、文化、旅游、社区功能“四位一体”",
            "Industry, culture, tourism and community functions together",
        ],
    ),
    spec(
        "functions.culture",
        FieldKind::Bool,
        false,
        [
            "文化功能",
            "Culture function",
            "挖掘和传承地方文化",
            "Local culture preserved and shown",
        ],
    ),
    spec(
        "functions.tourism",
        FieldKind::Bool,
        false,
        [
            "旅游功能",
            "Tourism function",
            "具备旅游功能，可接待游客",
            "Open to and equipped for visitors",
        ],
    ),
    spec(
        "functions.community",
        FieldKind::Bool,
        false,
        [
            "社区功能",
            "Community function",
            "具备社区服务功能",
            "Community services for residents",
        ],
    ),
    spec(
        "functions.public_service_app",
        FieldKind::Bool,
        false,
        [
            "公共服务APP",
            "Public-service app",
            "建设公共服务APP",
            "A public-service app for residents and firms",
        ],
    ),
    spec(
        "functions.town_living_room",
        FieldKind::Bool,
        false,
        [
            "小镇客厅",
            "Town living room",
            "建设小镇客厅（公共展示与服务中心）",
            "A public reception and exhibition centre",
        ],
    ),
    spec(
        "functions.scenic_level",
        FieldKind::Count {
            max: 5,
            unit: Some(Unit::Grade),
            example: "3",
        },
        true,
        [
            "景区规划等级",
            "Planned scenic-area grade",
            "0–5（0表示无）；所有小镇要建设成3A级以上景区，旅游产业小镇按5A级标准建设",
            "0–5 (0 for none); every town at least 3A, tourism towns to the 5A standard",
        ],
    ),
    spec(
        "functions.wifi_coverage_pct",
        FieldKind::Decimal(PCT),
        true,
        [
            "WiFi覆盖率",
            "WiFi coverage",
            "0–100，要求WiFi全覆盖（100）",
            "0–100; full coverage (100) is required",
        ],
    ),
    spec(
        "functions.digital_management_pct",
        FieldKind::Decimal(PCT),
        true,
        [
            "数字化管理覆盖率",
            "Digital management coverage",
            "0–100，要求数字化管理全覆盖（100）",
            "0–100; full coverage (100) is required",
        ],
    ),
    spec(
        "benefits.new_tax_wan",
        FieldKind::Decimal(WAN),
        true,
        [
            "建成后年新增税收",
            "New annual tax at completion",
            "单位万元",
            "In ten-thousand yuan",
        ],
    ),
    spec(
        "benefits.jobs",
        FieldKind::Count {
            max: COUNT,
            unit: Some(Unit::People),
            example: "3000",
        },
        true,
        [
            "建成后就业人数",
            "Jobs at completion",
            "整数，单位人",
            "A whole number of people",
        ],
    ),
    spec(
        "benefits.annual_visitors",
        FieldKind::Count {
            max: COUNT,
            unit: Some(Unit::Visits),
            example: "300000",
        },
        true,
        [
            "建成后年接待游客",
            "Annual visitors at completion",
            "整数，单位人次；一般不少于30万人次",
            "A whole number of visits; normally 300,000 or more",
        ],
    ),
    spec(
        "benefits.enterprises",
        FieldKind::Count {
            max: COUNT,
            unit: Some(Unit::Firms),
            example: "100",
        },
        true,
        ["入驻企业数", "Enterprises", "整数，单位家", "A whole number of firms"],
    ),
    spec(
        "benefits.talents",
        FieldKind::Count {
            max: COUNT,
            unit: Some(Unit::People),
            example: "500",
        },
        true,
        [
            "引进人才数",
            "Talents attracted",
            "整数，单位人",
            "A whole number of people",
        ],
    ),
    national(
        "green_coverage_pct",
        FieldKind::Decimal(PCT),
        [
            "绿化覆盖率",
            "Green coverage",
            "全国导则：原则上不低于30%",
            "National guideline: normally 30% or more",
        ],
    ),
    national(
        "residential_land_pct",
        FieldKind::Decimal(PCT),
        [
            "住宅用地占比",
            "Residential land share",
            "全国导则：住宅用地占建设用地比重原则上不超过30%",
            "National guideline: normally at most 30% of the built land",
        ],
    ),
    national(
        "labour_productivity_wan",
        FieldKind::Decimal(WAN_PER_PERSON),
        [
            "全员劳动生产率",
            "Labour productivity",
            "单位万元/人；全国导则：原则上不低于20万元/人",
            "Ten-thousand yuan per person; national guideline: normally 20 or more",
        ],
    ),
    national(
        "new_economy_share_pct",
        FieldKind::Decimal(PCT),
        [
            "新经济占比",
            "New-economy share",
            "全国导则：原则上不低于20%",
            "National guideline: normally 20% or more",
        ],
    ),
    national(
        "rd_intensity_pct",
        FieldKind::Decimal(PCT),
        [
            "研发经费投入强度",
            "R&D intensity",
            "先进制造和信息经济类小镇原则上不低于2.5%",
            "Manufacturing and information-economy towns: normally 2.5% or more",
        ],
    ),
];
