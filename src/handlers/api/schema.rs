//! The shapes the API reads and answers, each with its OpenAPI schema. The
//! answers are serialised from these very types, so the description cannot
//! drift from what is sent; the proposal's schema is generated from the
//! field table (`FIELDS`) the parser itself uses.

use std::borrow::Cow;

use chrono::NaiveDate;
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;
use utoipa::openapi::schema::{
    AdditionalProperties, ArrayBuilder, ObjectBuilder, Schema, SchemaFormat, SchemaType, Type,
};
use utoipa::openapi::{KnownFormat, RefOr};
use utoipa::{PartialSchema, ToSchema};

use crate::domain::proposal::{ApiFieldError, DecimalLimit, FIELDS, FieldKind, FieldSpec};
use crate::standards::{ApiEvaluation, ApiFinding, Overall, StandardRef, Verdict};

/// `{errors:[{field, message}]}`: every problem found, each with its field.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorAnswer {
    pub errors: Vec<ErrorItem>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorItem {
    /// The dotted field name (`investment.by_year_yi`, `standard`); empty when it names no field.
    #[schema(example = "investment.by_year_yi")]
    pub field: String,
    /// In the language of `Accept-Language`, Chinese by default.
    pub message: String,
}

impl From<ApiFieldError> for ErrorItem {
    fn from(e: ApiFieldError) -> Self {
        ErrorItem {
            field: e.field,
            message: e.message,
        }
    }
}

/// The outcome of one criterion.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VerdictCode {
    Pass,
    Warn,
    Fail,
    Info,
    NotApplicable,
    Missing,
}

impl From<Verdict> for VerdictCode {
    fn from(v: Verdict) -> Self {
        match v {
            Verdict::Pass => VerdictCode::Pass,
            Verdict::Warn => VerdictCode::Warn,
            Verdict::Fail => VerdictCode::Fail,
            Verdict::Info => VerdictCode::Info,
            Verdict::NotApplicable => VerdictCode::NotApplicable,
            Verdict::Missing => VerdictCode::Missing,
        }
    }
}

/// `fail` if a finding fails or a hard criterion is missing; else
/// `pass_with_warnings` if one warns or a soft criterion is missing; else `pass`.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OverallCode {
    Pass,
    PassWithWarnings,
    Fail,
}

impl From<Overall> for OverallCode {
    fn from(o: Overall) -> Self {
        match o {
            Overall::Pass => OverallCode::Pass,
            Overall::PassWithWarnings => OverallCode::PassWithWarnings,
            Overall::Fail => OverallCode::Fail,
        }
    }
}

/// The standard version a proposal was evaluated under.
#[derive(Debug, Serialize, ToSchema)]
pub struct StandardRefAnswer {
    #[schema(example = "ZJ-2015")]
    pub code: String,
    #[schema(example = 1)]
    pub version: i32,
}

impl From<StandardRef> for StandardRefAnswer {
    fn from(s: StandardRef) -> Self {
        StandardRefAnswer {
            code: s.code,
            version: s.version,
        }
    }
}

/// One criterion's finding. `actual`, `required` and `margin` are in the
/// language of `Accept-Language`; `required` and `margin` are null unless
/// the verdict is pass, warn or fail.
#[derive(Debug, Serialize, ToSchema)]
pub struct FindingAnswer {
    #[schema(example = "investment.eligible_total")]
    pub criterion: String,
    pub verdict: VerdictCode,
    #[schema(example = "52 亿元")]
    pub actual: Option<String>,
    #[schema(example = "≥ 50 亿元")]
    pub required: Option<String>,
    #[schema(example = "+2 亿元")]
    pub margin: Option<String>,
    pub message_zh: String,
    pub message_en: String,
    /// The document and clause the criterion comes from.
    pub citation: String,
}

impl From<ApiFinding> for FindingAnswer {
    fn from(f: ApiFinding) -> Self {
        FindingAnswer {
            criterion: f.criterion,
            verdict: f.verdict.into(),
            actual: f.actual,
            required: f.required,
            margin: f.margin,
            message_zh: f.message_zh,
            message_en: f.message_en,
            citation: f.citation,
        }
    }
}

/// `{standard:{code,version}, overall, findings:[…]}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct EvaluationAnswer {
    pub standard: StandardRefAnswer,
    pub overall: OverallCode,
    /// One per criterion of the standard, in its order.
    pub findings: Vec<FindingAnswer>,
}

impl From<ApiEvaluation> for EvaluationAnswer {
    fn from(e: ApiEvaluation) -> Self {
        EvaluationAnswer {
            standard: e.standard.into(),
            overall: e.overall.into(),
            findings: e.findings.into_iter().map(Into::into).collect(),
        }
    }
}

/// A published or active standard version.
#[derive(Debug, Serialize, ToSchema)]
pub struct StandardSummary {
    #[schema(example = "ZJ-2015")]
    pub code: String,
    #[schema(example = 1)]
    pub version: i32,
    pub name_zh: String,
    pub name_en: String,
    /// `published`, or `active` for the version submissions are evaluated under.
    #[schema(example = "active")]
    pub status: String,
    pub effective_from: NaiveDate,
    /// Whether new submissions are evaluated under this version.
    pub active: bool,
}

/// A standard version's full definition, as the engine reads it: code,
/// version, names, jurisdiction, effective date, source document, industries
/// and every criterion with its parameters and citation.
pub struct StandardDefinition;

impl PartialSchema for StandardDefinition {
    fn schema() -> RefOr<Schema> {
        let mut object = ObjectBuilder::new()
            .description(Some(
                "标准版本的完整定义（与引擎读取的 JSON 相同）/ The full definition of a standard version, \
                 as the rule engine reads it",
            ))
            .additional_properties(Some(AdditionalProperties::FreeForm(true)))
            .property("code", ObjectBuilder::new().schema_type(Type::String))
            .property(
                "version",
                ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(1)),
            )
            .property("name_zh", ObjectBuilder::new().schema_type(Type::String))
            .property("name_en", ObjectBuilder::new().schema_type(Type::String))
            .property("jurisdiction", ObjectBuilder::new().schema_type(Type::String))
            .property(
                "effective_from",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date))),
            )
            .property("source", ObjectBuilder::new().schema_type(Type::String))
            .property(
                "criteria",
                ArrayBuilder::new().items(
                    ObjectBuilder::new()
                        .schema_type(Type::Object)
                        .additional_properties(Some(AdditionalProperties::FreeForm(true))),
                ),
            );
        for name in ["code", "version", "name_zh", "name_en", "effective_from", "criteria"] {
            object = object.required(name);
        }
        RefOr::T(Schema::Object(object.build()))
    }
}

impl ToSchema for StandardDefinition {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("StandardDefinition")
    }
}

/// The OpenAPI document itself.
pub struct OpenApiDocument;

impl PartialSchema for OpenApiDocument {
    fn schema() -> RefOr<Schema> {
        RefOr::T(Schema::Object(
            ObjectBuilder::new()
                .description(Some("An OpenAPI 3.1 document"))
                .property("openapi", ObjectBuilder::new().schema_type(Type::String))
                .required("openapi")
                .additional_properties(Some(AdditionalProperties::FreeForm(true)))
                .build(),
        ))
    }
}

impl ToSchema for OpenApiDocument {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("OpenApiDocument")
    }
}

/// The proposal the evaluation reads (STANDARDS.md §1), generated from the
/// field table the parser uses: nested objects `investment`, `functions`
/// and `benefits`, decimals as JSON numbers or strings (read exactly as
/// written), no other field.
pub struct ProposalBody;

impl PartialSchema for ProposalBody {
    fn schema() -> RefOr<Schema> {
        let mut top = ObjectBuilder::new()
            .description(Some(
                "申报材料（STANDARDS.md §1）。数值可写作 JSON 数字或字符串，按原文精确读取。 / \
                 A proposal (STANDARDS.md §1); decimals as JSON numbers or strings, read exactly as written.",
            ))
            .additional_properties(Some(AdditionalProperties::FreeForm(false)));
        let mut groups: Vec<(&str, ObjectBuilder)> = Vec::new();
        for spec in FIELDS {
            match spec.name.split_once('.') {
                None => {
                    top = top.property(spec.name, field_schema(spec));
                    if spec.required {
                        top = top.required(spec.name);
                    }
                }
                Some((group, name)) => {
                    let index = match groups.iter().position(|(g, _)| *g == group) {
                        Some(i) => i,
                        None => {
                            groups.push((
                                group,
                                ObjectBuilder::new().additional_properties(Some(AdditionalProperties::FreeForm(false))),
                            ));
                            groups.len() - 1
                        }
                    };
                    let (g, mut object) = groups.remove(index);
                    object = object.property(name, field_schema(spec));
                    if spec.required {
                        object = object.required(name);
                    }
                    groups.insert(index, (g, object));
                }
            }
        }
        for (group, object) in groups {
            top = top.property(group, object).required(group);
        }
        // Not a proposal field: which application materials the proposal has.
        // Without it material criteria are not_applicable (the API is stateless).
        let codes: Vec<&str> = crate::domain::material::MaterialType::ALL
            .iter()
            .map(|m| m.code())
            .collect();
        top = top.property(
            "materials",
            ArrayBuilder::new()
                .items(ObjectBuilder::new().schema_type(Type::String).enum_values(Some(codes)))
                .description(Some(
                    "已有的申报材料类型；不填则材料类指标为“不适用”。 / The material types the proposal has; \
                     without it, material criteria are not applicable.",
                )),
        );
        // Not a proposal field either: the boundary, measured as at a submission.
        top = top.property(
            "boundary",
            ObjectBuilder::new().description(Some(
                "四至范围：GeoJSON 几何（Polygon 或 MultiPolygon，经纬度或 CGCS2000 3 度带坐标，可含 crs）；不填则四至范围指标为“不适用”。 \
                 / The boundary: a GeoJSON geometry (Polygon or MultiPolygon, longitude/latitude or CGCS2000 3° zones, \
                 a `crs` member allowed); without it, boundary criteria are not applicable.",
            )),
        );
        RefOr::T(Schema::Object(top.build()))
    }
}

impl ToSchema for ProposalBody {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Proposal")
    }
}

fn field_schema(spec: &FieldSpec) -> RefOr<Schema> {
    let description = match spec.unit() {
        Some(unit) => format!(
            "{} / {} ({} / {})",
            spec.label_zh,
            spec.label_en,
            unit.label(crate::domain::Lang::Zh),
            unit.label(crate::domain::Lang::En)
        ),
        None => format!("{} / {}", spec.label_zh, spec.label_en),
    };
    let schema: Schema = match spec.kind {
        FieldKind::Text { min_chars, max_chars } => ObjectBuilder::new()
            .schema_type(Type::String)
            .min_length(Some(min_chars))
            .max_length(Some(max_chars))
            .description(Some(description))
            .into(),
        FieldKind::Choice(choice) => ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(choice.codes()))
            .description(Some(description))
            .into(),
        FieldKind::Bool => ObjectBuilder::new()
            .schema_type(Type::Boolean)
            .description(Some(format!("{description}; absent = false")))
            .into(),
        FieldKind::Decimal(limit) => decimal_schema(&limit).description(Some(description)).into(),
        FieldKind::DecimalList(limit) => ArrayBuilder::new()
            .items(decimal_schema(&limit))
            .description(Some(format!(
                "{description}; 3 values, 5 for an accelerated county, summing to investment.total_yi"
            )))
            .into(),
        FieldKind::Count { max, example, .. } => ObjectBuilder::new()
            .schema_type(Type::Integer)
            .minimum(Some(0))
            .maximum(Some(max))
            .examples([example
                .parse::<i64>()
                .map_or_else(|_| example.into(), serde_json::Value::from)])
            .description(Some(description))
            .into(),
    };
    RefOr::T(schema)
}

fn decimal_schema(limit: &DecimalLimit) -> ObjectBuilder {
    let object = ObjectBuilder::new()
        .schema_type(SchemaType::Array(vec![Type::Number, Type::String]))
        .maximum(limit.max.to_i64())
        .examples([serde_json::Value::String(limit.example.to_owned())]);
    if limit.positive {
        object.exclusive_minimum(Some(0))
    } else {
        object.minimum(Some(0))
    }
}
