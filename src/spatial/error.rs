//! What can be wrong with an uploaded boundary or layer, in words an
//! official can act on (Chinese first, English second).

use crate::domain::Lang;

#[derive(Debug, Clone, PartialEq)]
pub enum SpatialError {
    TooLarge {
        bytes: u64,
        limit: u64,
    },
    UnknownFormat,
    Zip {
        detail: String,
    },
    ZipTooManyEntries {
        count: usize,
        limit: usize,
    },
    ZipNested {
        name: String,
    },
    ZipTooLarge {
        bytes: u64,
        limit: u64,
    },
    ZipNoShapefile,
    ZipManyShapefiles,
    GeoJson {
        detail: String,
    },
    Kml {
        detail: String,
    },
    KmlTooDeep {
        limit: usize,
    },
    Shapefile {
        detail: String,
    },
    /// The file holds no polygon at all.
    NoPolygon,
    /// A geometry that is not an area (a point, a line …).
    NotPolygon {
        kind: String,
    },
    TooManyPolygons {
        count: usize,
        limit: usize,
    },
    TooManyVertices {
        count: usize,
        limit: usize,
    },
    RingNotClosed {
        polygon: usize,
    },
    TooFewPoints {
        polygon: usize,
    },
    NonFinite,
    SelfIntersection {
        polygon: usize,
    },
    PartsOverlap {
        first: usize,
        second: usize,
    },
    Invalid {
        polygon: usize,
        detail: String,
    },
    OutsideChina {
        lon: f64,
        lat: f64,
    },
    UnknownCrs {
        name: String,
    },
    /// Projected metres whose easting carries no zone number.
    NoZone,
    /// Coordinates that are neither longitude/latitude nor zone-numbered metres.
    UnrecognisedCoordinates,
    Projection {
        detail: String,
    },
    AreaTooLarge {
        km2: f64,
        limit: f64,
    },
    EmptyArea,
}

impl SpatialError {
    pub fn message(&self, lang: Lang) -> String {
        use SpatialError as E;
        let zh = lang == Lang::Zh;
        let mib = |b: &u64| format!("{:.1} MiB", *b as f64 / 1_048_576.0);
        match self {
            E::TooLarge { bytes, limit } => {
                if zh {
                    format!("文件过大（{}），上限为 {}", mib(bytes), mib(limit))
                } else {
                    format!("The file is too large ({}); the limit is {}", mib(bytes), mib(limit))
                }
            }
            E::UnknownFormat => pick(
                zh,
                "无法识别的文件格式：请上传 GeoJSON、KML 或 Shapefile 压缩包（.zip）".into(),
                "Unrecognised file: upload GeoJSON, KML or a zipped Shapefile (.zip)".into(),
            ),
            E::Zip { detail } => pick(zh, format!("压缩包无法读取：{detail}"), format!("The zip file cannot be read: {detail}")),
            E::ZipTooManyEntries { count, limit } => pick(
                zh,
                format!("压缩包内有 {count} 个文件，上限为 {limit} 个"),
                format!("The zip file holds {count} entries; at most {limit} are allowed"),
            ),
            E::ZipNested { name } => pick(
                zh,
                format!("压缩包内不得再含压缩包（{name}）"),
                format!("The zip file may not contain another archive ({name})"),
            ),
            E::ZipTooLarge { bytes, limit } => pick(
                zh,
                format!("压缩包解压后为 {}，上限为 {}", mib(bytes), mib(limit)),
                format!("The zip file unpacks to {}; the limit is {}", mib(bytes), mib(limit)),
            ),
            E::ZipNoShapefile => pick(
                zh,
                "压缩包内没有 .shp 文件".into(),
                "The zip file holds no .shp file".into(),
            ),
            E::ZipManyShapefiles => pick(
                zh,
                "压缩包内有多个 .shp 文件，请每次只上传一个图层".into(),
                "The zip file holds several .shp files; upload one layer at a time".into(),
            ),
            E::GeoJson { detail } => pick(zh, format!("GeoJSON 无法解析：{detail}"), format!("The GeoJSON cannot be read: {detail}")),
            E::Kml { detail } => pick(zh, format!("KML 无法解析：{detail}"), format!("The KML cannot be read: {detail}")),
            E::KmlTooDeep { limit } => pick(
                zh,
                format!("KML 嵌套层级超过 {limit} 层"),
                format!("The KML is nested more than {limit} levels deep"),
            ),
            E::Shapefile { detail } => pick(zh, format!("Shapefile 无法解析：{detail}"), format!("The Shapefile cannot be read: {detail}")),
            E::NoPolygon => pick(
                zh,
                "文件中没有面（多边形）要素".into(),
                "The file contains no polygon".into(),
            ),
            E::NotPolygon { kind } => pick(
                zh,
                format!("范围必须是面（Polygon 或 MultiPolygon），文件中含有 {kind}"),
                format!("A boundary must be a Polygon or MultiPolygon; the file contains a {kind}"),
            ),
            E::TooManyPolygons { count, limit } => pick(
                zh,
                format!("面要素数量为 {count} 个，上限为 {limit} 个"),
                format!("The file holds {count} polygons; at most {limit} are allowed"),
            ),
            E::TooManyVertices { count, limit } => pick(
                zh,
                format!("顶点数量为 {count} 个，上限为 {limit} 个"),
                format!("The file holds {count} vertices; at most {limit} are allowed"),
            ),
            E::RingNotClosed { polygon } => pick(
                zh,
                format!("第 {} 个面的边界未闭合（首尾坐标不一致）", polygon + 1),
                format!("Polygon {} is not closed (its first and last points differ)", polygon + 1),
            ),
            E::TooFewPoints { polygon } => pick(
                zh,
                format!("第 {} 个面的边界少于 3 个不同的点", polygon + 1),
                format!("Polygon {} has fewer than 3 distinct points", polygon + 1),
            ),
            E::NonFinite => pick(zh, "坐标中含有非数值".into(), "A coordinate is not a number".into()),
            E::SelfIntersection { polygon } => pick(
                zh,
                format!("第 {} 个面的边界自相交", polygon + 1),
                format!("Polygon {} intersects itself", polygon + 1),
            ),
            E::PartsOverlap { first, second } => pick(
                zh,
                format!("第 {} 个面与第 {} 个面相互重叠", first + 1, second + 1),
                format!("Polygons {} and {} overlap", first + 1, second + 1),
            ),
            E::Invalid { polygon, detail } => pick(
                zh,
                format!("第 {} 个面的几何形状无效（{detail}）", polygon + 1),
                format!("Polygon {} is not a valid shape ({detail})", polygon + 1),
            ),
            E::OutsideChina { lon, lat } => pick(
                zh,
                format!("坐标（经度 {lon:.6}，纬度 {lat:.6}）不在中国境内，请检查坐标系与经纬度顺序"),
                format!(
                    "The point (longitude {lon:.6}, latitude {lat:.6}) is outside China; check the coordinate system and the axis order"
                ),
            ),
            E::UnknownCrs { name } => pick(
                zh,
                format!(
                    "不支持的坐标系 {name}：请使用 WGS-84 或 CGCS2000 经纬度，或 CGCS2000 3 度带高斯-克吕格投影（EPSG:4513–4533）"
                ),
                format!(
                    "Unsupported coordinate system {name}: use WGS-84 or CGCS2000 longitude/latitude, or CGCS2000 3° Gauss–Krüger zones (EPSG:4513–4533)"
                ),
            ),
            E::NoZone => pick(
                zh,
                "投影坐标的横坐标不含带号：请使用带带号的 CGCS2000 3 度带坐标（EPSG:4513–4533）或经纬度".into(),
                "Projected eastings carry no zone number: use zone-numbered CGCS2000 3° coordinates (EPSG:4513–4533) or longitude/latitude".into(),
            ),
            E::UnrecognisedCoordinates => pick(
                zh,
                "无法识别坐标：既不是经纬度，也不是带带号的 CGCS2000 3 度带投影坐标".into(),
                "The coordinates are neither longitude/latitude nor zone-numbered CGCS2000 3° projected metres".into(),
            ),
            E::Projection { detail } => pick(zh, format!("坐标转换失败：{detail}"), format!("The coordinates could not be converted: {detail}")),
            E::AreaTooLarge { km2, limit } => pick(
                zh,
                format!("范围面积为 {km2:.2} 平方公里，超过上限 {limit} 平方公里"),
                format!("The boundary covers {km2:.2} km², above the limit of {limit} km²"),
            ),
            E::EmptyArea => pick(zh, "范围面积为零".into(), "The boundary has no area".into()),
        }
    }
}

fn pick(zh: bool, a: String, b: String) -> String {
    if zh { a } else { b }
}

impl std::fmt::Display for SpatialError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

impl std::error::Error for SpatialError {}
