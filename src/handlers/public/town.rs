//! `GET /towns/{id}` (the proposal's id): a listed town and why it
//! qualified, exactly as frozen when its batch was published, and any
//! withdrawal from the list.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};

use crate::db::batches::{self, FrozenTown};
use crate::domain::Lang;
use crate::error::{AppError, AppResult};
use crate::handlers::Page;
use crate::handlers::display::{format_date, overall_badge};
use crate::standards::{Severity, Verdict};
use crate::state::AppState;

pub struct FindingRow {
    pub label: String,
    pub severity: String,
    pub actual: String,
    pub required: String,
    pub verdict: String,
    pub verdict_label: &'static str,
    /// The computed verdict, when a reviewer overrode it, and why.
    pub overridden: Option<(&'static str, String)>,
    pub message: String,
    pub citation: String,
}

pub struct Withdrawal {
    pub batch_id: i64,
    pub batch_title: String,
    pub date: String,
    pub reason: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "public/town.html")]
pub struct TownPage {
    pub page: Page,
    pub name: String,
    pub region: String,
    pub industry: String,
    /// (label, value with unit)
    pub figures: Vec<(String, String)>,
    pub batch_id: i64,
    pub batch_title: String,
    pub date: String,
    pub standard: String,
    pub overall: &'static str,
    pub overall_label: &'static str,
    pub findings: Vec<FindingRow>,
    pub withdrawals: Vec<Withdrawal>,
    /// Published annual grades and acceptance (the creation system).
    pub history: super::creation::TownHistory,
    /// The boundary it was listed with: a simplified outline, no coordinates.
    pub boundary: Option<crate::handlers::display::MapView>,
}

fn verdict(code: &str) -> Option<Verdict> {
    serde_json::from_value(serde_json::Value::String(code.to_owned())).ok()
}

fn severity_label(code: &str, lang: Lang) -> String {
    serde_json::from_value::<Severity>(serde_json::Value::String(code.to_owned()))
        .map(|s| s.label(lang).to_owned())
        .unwrap_or_default()
}

fn findings(town: &FrozenTown, lang: Lang) -> Vec<FindingRow> {
    town.findings
        .iter()
        .map(|f| {
            let v = verdict(&f.verdict);
            let computed = verdict(&f.computed_verdict);
            FindingRow {
                label: if lang == Lang::En {
                    f.label_en.clone()
                } else {
                    f.label_zh.clone()
                },
                severity: severity_label(&f.severity, lang),
                actual: if lang == Lang::En { &f.actual_en } else { &f.actual_zh }
                    .clone()
                    .unwrap_or_else(|| "—".to_owned()),
                required: if lang == Lang::En {
                    &f.required_en
                } else {
                    &f.required_zh
                }
                .clone()
                .unwrap_or_else(|| "—".to_owned()),
                verdict: f.verdict.clone(),
                verdict_label: v.map(|v| v.label(lang)).unwrap_or(""),
                overridden: match (&f.override_reason, computed) {
                    (Some(reason), Some(c)) if f.computed_verdict != f.verdict => Some((c.label(lang), reason.clone())),
                    _ => None,
                },
                message: if lang == Lang::En {
                    f.message_en.clone()
                } else {
                    f.message_zh.clone()
                },
                citation: f.citation.clone(),
            }
        })
        .collect()
}

pub async fn show(State(state): State<AppState>, page: Page, Path(id): Path<String>) -> AppResult<TownPage> {
    // Only plain decimal ids; anything else names no town.
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AppError::NotFound);
    }
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let mut conn = crate::db::acquire(&state.db).await?;
    let entries = batches::published_entries_of(&mut conn, id).await?;
    let history = super::creation::town_history(&mut conn, id, page.lang).await?;
    let listing = entries
        .iter()
        .find(|e| e.batch_kind == "list")
        .ok_or(AppError::NotFound)?;
    let town = &listing.town.0;
    let outline = crate::db::boundaries::frozen(&mut conn, town.evaluation_id).await?;
    let neighbours = match &outline {
        Some((_, text)) => crate::services::boundaries::listed_near(&mut conn, id, text).await?,
        None => Vec::new(),
    };
    drop(conn);
    let boundary = outline.and_then(|(b, text)| {
        crate::handlers::display::boundary_public_view(&town.name, &text, b.area_m2, &neighbours, page.lang)
    });
    let lang = page.lang;
    let (overall, overall_label) = overall_badge(&town.overall, lang).unwrap_or(("fail", ""));
    let figure = |key: &str, value: String| (page.t(key), value);
    let figures = vec![
        figure("public.town.planned_area", format!("{} km²", town.planned_area_km2)),
        figure("public.town.built_area", format!("{} km²", town.built_area_km2)),
        figure(
            "public.town.total_investment",
            format!("{} {}", town.total_investment_yi, page.t("public.unit.yi")),
        ),
        figure(
            "public.town.eligible_investment",
            format!("{} {}", town.eligible_investment_yi, page.t("public.unit.yi")),
        ),
        figure(
            "public.town.characteristic_investment",
            format!("{} {}", town.characteristic_investment_yi, page.t("public.unit.yi")),
        ),
        figure(
            "public.town.characteristic_share",
            format!("{}%", town.characteristic_share_pct),
        ),
    ];
    let standard_name = if lang == Lang::En {
        &town.standard.name_en
    } else {
        &town.standard.name_zh
    };
    let withdrawals = entries
        .iter()
        .filter(|e| e.batch_kind == "withdrawal")
        .map(|e| Withdrawal {
            batch_id: e.batch_id,
            batch_title: e.batch_title.clone(),
            date: format_date(e.published_at),
            reason: e.reason.clone(),
        })
        .collect();
    Ok(TownPage {
        name: town.name.clone(),
        region: town.region.clone(),
        industry: if lang == Lang::En {
            town.industry_en.clone()
        } else {
            town.industry_zh.clone()
        },
        figures,
        batch_id: listing.batch_id,
        batch_title: listing.batch_title.clone(),
        date: format_date(listing.published_at),
        standard: format!("{standard_name} ({} v{})", town.standard.code, town.standard.version),
        overall,
        overall_label,
        findings: findings(town, lang),
        withdrawals,
        history,
        boundary,
        page,
    })
}
