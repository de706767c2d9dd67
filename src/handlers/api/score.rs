//! `POST /api/v1/score`: a proposal and what people judged in, the points
//! of a scoring table out (STANDARDS.md §6). Stateless, like `evaluate`.

use std::borrow::Cow;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Serialize;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, OneOfBuilder, Schema, Type};
use utoipa::{PartialSchema, ToSchema};

use super::input::standard_and_json;
use super::schema::{ErrorAnswer, ErrorItem, StandardRefAnswer};
use super::{api_lang, error_answer, json_answer, query_param};
use crate::domain::Lang;
use crate::domain::proposal::{PeriodYears, Proposal};
use crate::standards::scoring::{self, Judgements, Purpose, ScoreError, ScoreInputs, ScoreResult};
use crate::standards::{Standard, parse_exact_decimal};

/// Scores a proposal on a scoring table of a standard version.
#[utoipa::path(
    post,
    path = "/api/v1/score",
    operation_id = "score",
    tag = "evaluation",
    params(
        ("standard" = Option<String>, Query,
         description = "标准代码，缺省为当前启用的版本 / Standard code; absent: the active version",
         example = "ZJ-2015"),
        ("version" = Option<i32>, Query, description = "版本号 / A specific version; absent: the newest published one",
         minimum = 1, example = 1),
        ("table" = Option<String>, Query,
         description = "通用评分表代码，缺省为该版本的创建申报评审表；产业评分表自动加入 / \
                        The common table's code; absent: the version's creation-review table. \
                        The table of the proposal's industry is added to it"),
        ("Accept-Language" = Option<String>, Header,
         description = "Language of names, explanations and error messages: zh-CN (default) or en"),
    ),
    request_body(content = ScoreBody, content_type = "application/json"),
    responses(
        (status = 200, description = "Points per line, subtotals, total, vetoes and grade", body = ScoreAnswer),
        (status = 400, description = "The body is not valid JSON, or `version` is not a positive whole number", body = ErrorAnswer),
        (status = 404, description = "No such standard, version or table (`field` names which)", body = ErrorAnswer),
        (status = 413, description = "The body is larger than 1 MiB", body = ErrorAnswer),
        (status = 415, description = "The Content-Type is not application/json", body = ErrorAnswer),
        (status = 422, description = "Invalid proposal fields (`proposal.…`) or judgements (`judged.…`), each named", body = ErrorAnswer),
        (status = 503, description = "The database does not answer", body = ErrorAnswer),
    )
)]
pub async fn score(
    State(state): State<crate::state::AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let lang = api_lang(&headers);
    let (row, value) = match standard_and_json(&state, query.as_deref(), &headers, body, lang).await {
        Ok(read) => read,
        Err(answer) => return *answer,
    };
    let standard = row.standard();
    let table = match query_param(query.as_deref(), "table") {
        Some(table) => table,
        None => match scoring::common_table(standard, Purpose::CreationReview) {
            Some(t) => t.code.clone(),
            None => {
                return error_answer(
                    StatusCode::NOT_FOUND,
                    lang,
                    "table",
                    "api.error.no_scoring_table",
                    &[("code", &standard.code)],
                );
            }
        },
    };
    let body = match ScoreRequest::read(&value, standard.periods(), lang) {
        Ok(body) => body,
        Err(errors) => return json_answer(StatusCode::UNPROCESSABLE_ENTITY, &ErrorAnswer { errors }),
    };
    let inputs = ScoreInputs {
        judged: Some(&body.judged),
        overrides: None,
        completion_pct: body.completion_pct,
        means: false,
        boundary: None,
    };
    match scoring::score(&body.proposal, standard, &table, &inputs) {
        Ok(result) => json_answer(StatusCode::OK, &ScoreAnswer::new(&result, standard, lang)),
        Err(errors) => {
            let status = if errors.iter().any(|e| matches!(e, ScoreError::UnknownTable { .. })) {
                StatusCode::NOT_FOUND
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let errors = errors
                .iter()
                .map(|e| ErrorItem {
                    field: e.field(),
                    message: e.message(lang),
                })
                .collect();
            json_answer(status, &ErrorAnswer { errors })
        }
    }
}

struct ScoreRequest {
    proposal: Proposal,
    judged: Judgements,
    completion_pct: Option<rust_decimal::Decimal>,
}

impl ScoreRequest {
    /// Every problem at once, each with its field.
    fn read(value: &serde_json::Value, periods: PeriodYears, lang: Lang) -> Result<ScoreRequest, Vec<ErrorItem>> {
        let mut errors = Vec::new();
        let mut error = |field: &str, zh: &str, en: &str| {
            errors.push(ErrorItem {
                field: field.to_string(),
                message: if lang == Lang::Zh { zh } else { en }.to_string(),
            })
        };
        let Some(object) = value.as_object() else {
            error(
                "",
                "请求体应为对象：{\"proposal\": {…}, \"judged\": {…}}",
                "The body must be an object: {\"proposal\": {…}, \"judged\": {…}}",
            );
            return Err(errors);
        };
        for key in object.keys() {
            if !["proposal", "judged", "completion_pct"].contains(&key.as_str()) {
                error(key, "未知字段", "Unknown field");
            }
        }
        let judged = match object.get("judged") {
            None | Some(serde_json::Value::Null) => Judgements::new(),
            Some(v) => serde_json::from_value(v.clone()).unwrap_or_else(|_| {
                error(
                    "judged",
                    "评分应为 {\"评分项代码\": {\"points\": 分值, \"comment\": \"说明\"}} 或 {\"veto\": true/false}",
                    "Judgements are {\"line code\": {\"points\": n, \"comment\": \"…\"}} or {\"veto\": true/false}",
                );
                Judgements::new()
            }),
        };
        let completion_pct = match object.get("completion_pct") {
            None | Some(serde_json::Value::Null) => None,
            Some(v) => match parse_exact_decimal(v) {
                Ok(d) if d >= rust_decimal::Decimal::ZERO => Some(d),
                _ => {
                    error(
                        "completion_pct",
                        "完成率应为不小于 0 的数",
                        "The completion must be a number of at least 0",
                    );
                    None
                }
            },
        };
        let proposal = match object.get("proposal") {
            None => {
                error("proposal", "缺少申报数据 proposal", "The proposal is missing");
                None
            }
            Some(v) => match Proposal::from_json_under(v, periods) {
                Ok(p) => Some(p),
                Err(field_errors) => {
                    for e in field_errors {
                        let api = e.to_api(lang);
                        errors.push(ErrorItem {
                            field: format!("proposal.{}", api.field).trim_end_matches('.').to_string(),
                            message: api.message,
                        });
                    }
                    None
                }
            },
        };
        match proposal {
            Some(proposal) if errors.is_empty() => Ok(ScoreRequest {
                proposal,
                judged,
                completion_pct,
            }),
            _ => Err(errors),
        }
    }
}

/// The result, with names and explanations in the request's language.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScoreAnswer {
    pub standard: StandardRefAnswer,
    /// The common table's code, then the industry table's, if any.
    pub tables: Vec<String>,
    pub sections: Vec<SectionAnswer>,
    #[schema(example = "86.5")]
    pub total: String,
    #[schema(example = "110")]
    pub maximum: String,
    /// The veto lines that hold (一票否决).
    pub vetoes: Vec<Named>,
    pub grade: Option<Named>,
    /// Judged lines not yet given: the result is provisional until empty.
    pub pending: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SectionAnswer {
    pub table: String,
    pub code: String,
    pub name: String,
    pub cap: String,
    /// The lines' points before the cap.
    pub sum: String,
    pub subtotal: String,
    pub lines: Vec<LineAnswer>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LineAnswer {
    pub code: String,
    pub name: String,
    /// criterion, target, bands, judged or veto
    pub kind: String,
    pub max: String,
    pub points: String,
    /// How the points were reached, in words.
    pub explanation: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Named {
    pub code: String,
    pub name: String,
}

impl ScoreAnswer {
    fn new(r: &ScoreResult, s: &Standard, lang: Lang) -> ScoreAnswer {
        let shown = |d: rust_decimal::Decimal| d.normalize().to_string();
        let line_name = |code: &str| {
            s.tables
                .iter()
                .find_map(|t| t.line(code))
                .map_or_else(|| code.to_string(), |l| l.name(lang).to_string())
        };
        ScoreAnswer {
            standard: StandardRefAnswer::from(r.standard.clone()),
            tables: r.tables.clone(),
            sections: r
                .sections
                .iter()
                .map(|sec| SectionAnswer {
                    table: sec.table.clone(),
                    code: sec.code.clone(),
                    name: s
                        .table(&sec.table)
                        .and_then(|t| t.sections.iter().find(|x| x.code == sec.code))
                        .map_or_else(|| sec.code.clone(), |x| x.name(lang).to_string()),
                    cap: shown(sec.cap),
                    sum: shown(sec.sum),
                    subtotal: shown(sec.subtotal),
                    lines: sec
                        .lines
                        .iter()
                        .map(|l| LineAnswer {
                            code: l.code.clone(),
                            name: line_name(&l.code),
                            kind: l.kind.to_string(),
                            max: shown(l.max),
                            points: shown(l.points),
                            explanation: l.explain(lang),
                        })
                        .collect(),
                })
                .collect(),
            total: shown(r.total),
            maximum: shown(r.maximum),
            vetoes: r
                .vetoes
                .iter()
                .map(|code| Named {
                    code: code.clone(),
                    name: line_name(code),
                })
                .collect(),
            grade: r.grade.as_ref().map(|g| Named {
                code: g.code.clone(),
                name: g.name(lang).to_string(),
            }),
            pending: r.pending.clone(),
        }
    }
}

/// `{proposal, judged, completion_pct}`.
pub struct ScoreBody;

impl PartialSchema for ScoreBody {
    fn schema() -> RefOr<Schema> {
        // The proposal is described by the `Proposal` schema of
        // `POST /api/v1/evaluate`; it is not nested here by reference, which
        // keeps the description flat for the tools that walk it.
        let object = ObjectBuilder::new()
            .description(Some(
                "申报数据与人工评分 / The proposal (as in POST /api/v1/evaluate) and what people judged, by line code",
            ))
            .property(
                "proposal",
                ObjectBuilder::new()
                    .schema_type(Type::Object)
                    .description(Some("申报数据，字段同 Proposal / The proposal, fields as in the Proposal schema"))
                    .additional_properties(Some(AdditionalProperties::FreeForm(true))),
            )
            .property(
                "judged",
                ObjectBuilder::new()
                    .schema_type(Type::Object)
                    .description(Some(
                        "评分项代码 → {points, comment} 或 {veto, comment} / line code → {points, comment} or {veto, comment}",
                    ))
                    .additional_properties(Some(AdditionalProperties::FreeForm(true))),
            )
            .property(
                "completion_pct",
                OneOfBuilder::new()
                    .item(ObjectBuilder::new().schema_type(Type::Number))
                    .item(ObjectBuilder::new().schema_type(Type::String)),
            )
            .required("proposal")
            .additional_properties(Some(AdditionalProperties::FreeForm(false)));
        RefOr::T(Schema::Object(object.build()))
    }
}

impl ToSchema for ScoreBody {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("ScoreBody")
    }
}
