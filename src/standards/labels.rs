//! Names of the criteria the built-in standards use. A standard may name a
//! criterion itself (`name_zh`/`name_en`); unknown ids show as themselves.

use crate::domain::Lang;

const LABELS: &[(&str, &str, &str)] = &[
    ("industry.eligible", "产业定位", "Eligible industry"),
    (
        "operation.developer",
        "投资建设主体",
        "Investment and construction entity",
    ),
    ("space.location", "选址", "Site"),
    ("space.planned_area", "规划面积", "Planned area"),
    ("space.built_area", "建设面积", "Built area"),
    ("investment.eligible_total", "计划投资额", "Planned investment"),
    (
        "investment.characteristic_share",
        "特色产业投资占比",
        "Characteristic-industry share",
    ),
    ("investment.first_year", "第一年投资", "First-year investment"),
    ("investment.per_mu", "亩均投资", "Investment per mu"),
    ("function.integration", "功能融合（四位一体）", "Integrated functions"),
    ("function.public_service_app", "公共服务APP", "Public-service app"),
    ("function.town_living_room", "小镇客厅", "Town living room"),
    ("function.scenic_level", "景区等级", "Scenic-area grade"),
    ("function.wifi", "WiFi全覆盖", "WiFi coverage"),
    ("function.digital_management", "数字化管理全覆盖", "Digital management"),
    ("benefit.annual_visitors", "年接待游客", "Annual visitors"),
    ("benefit.new_tax", "年新增税收", "New annual tax"),
    ("benefit.jobs", "就业人数", "Jobs"),
    ("benefit.enterprises", "入驻企业", "Enterprises"),
    ("benefit.talents", "引进人才", "Talents attracted"),
    ("benefit.tax_per_mu", "亩均税收", "Tax per mu"),
    ("green.coverage", "绿化覆盖率", "Green coverage"),
    ("productivity.labour", "全员劳动生产率", "Labour productivity"),
    ("economy.new_share", "新经济占比", "New-economy share"),
    ("innovation.rd_intensity", "研发经费投入强度", "R&D intensity"),
    ("land.residential_share", "住宅用地占比", "Residential land share"),
    (
        "material.concept_plan",
        "申报材料：概念性规划及布局图",
        "Material: concept plan",
    ),
    (
        "material.investment_plan",
        "申报材料：分年度分项目投资计划表",
        "Material: investment plan",
    ),
    (
        "material.developer_profile",
        "申报材料：投资建设主体情况",
        "Material: developer profile",
    ),
    (
        "material.support_policy",
        "申报材料：县级扶持政策",
        "Material: county support measures",
    ),
    (
        "material.basic_info",
        "申报材料：特色小镇基本情况表",
        "Material: basic-information form",
    ),
    ("boundary.area", "四至范围：实测面积", "Boundary: measured area"),
    (
        "boundary.overlap",
        "四至范围：与其他小镇重叠",
        "Boundary: overlap with other towns",
    ),
    (
        "boundary.control_lines",
        "四至范围：三条控制线",
        "Boundary: control lines",
    ),
];

/// The name of a criterion id in the built-in standards; the id itself otherwise.
pub fn criterion_label(id: &str, lang: Lang) -> &str {
    LABELS
        .iter()
        .find(|(k, _, _)| *k == id)
        .map_or(id, |(_, zh, en)| match lang {
            Lang::Zh => zh,
            Lang::En => en,
        })
}
