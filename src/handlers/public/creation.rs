//! The creation system's public results (`/creation/{year}`) and a town's
//! published history on its public page.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use sqlx::PgConnection;

use crate::db::creation as store;
use crate::domain::Lang;
use crate::domain::Status;
use crate::domain::creation::{self, Grade};
use crate::error::{AppError, AppResult};
use crate::handlers::Page;
use crate::handlers::display::{exact, exact_pct};
use crate::state::AppState;

pub struct GradeLine {
    pub id: i64,
    pub town: String,
    pub region: String,
    pub cum_rate: String,
    pub grade: &'static str,
    pub grade_label: &'static str,
    /// 降格为培育小镇 or 淘汰: what the grade does to the town.
    pub outcome: Option<String>,
    /// The rules the grade was made under.
    pub basis: &'static str,
    /// No report of the year (未按时报送).
    pub missing: bool,
}

pub struct NamedLine {
    pub id: i64,
    pub town: String,
    pub region: String,
    pub named: bool,
    pub land_quota_mu: String,
    pub tax_rebate_wan: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "creation/public_year.html")]
pub struct PublicYearPage {
    pub page: Page,
    pub year: i32,
    pub grades: Vec<GradeLine>,
    pub named: Vec<NamedLine>,
}

pub async fn public_year(
    State(state): State<AppState>,
    page: Page,
    Path(year): Path<i32>,
) -> AppResult<PublicYearPage> {
    let lang = page.lang;
    let mut conn = crate::db::acquire(&state.db).await?;
    let grades: Vec<GradeLine> = store::assessments_of_year(&mut conn, year, true)
        .await?
        .into_iter()
        .map(|a| {
            let g = a.final_grade();
            GradeLine {
                id: a.proposal_id,
                town: a.town,
                region: a.region_name,
                cum_rate: exact_pct(a.indicators.0.cumulative_rate_pct),
                basis: a.indicators.0.basis.short_label(lang),
                missing: a.missing_report,
                grade: g.code(),
                grade_label: g.label(lang),
                outcome: match g {
                    Grade::Demoted => outcome_key(Status::Demoted),
                    Grade::Removed => outcome_key(Status::Removed),
                    _ => None,
                }
                .map(|k| crate::i18n::t(lang, k)),
            }
        })
        .collect();
    let named_list = store::list_of(&mut conn, "named", year).await?;
    let named: Vec<NamedLine> = match named_list {
        Some(list) => store::acceptances(&mut conn, true)
            .await?
            .into_iter()
            .filter(|a| a.list_id == Some(list.id))
            .map(|a| NamedLine {
                id: a.proposal_id,
                town: a.town,
                region: a.region_name,
                named: a.named,
                land_quota_mu: exact(a.land_quota_mu),
                tax_rebate_wan: exact(a.tax_rebate_wan),
            })
            .collect(),
        None => Vec::new(),
    };
    if grades.is_empty() && named.is_empty() {
        return Err(AppError::NotFound);
    }
    Ok(PublicYearPage {
        page,
        year,
        grades,
        named,
    })
}

/// What a published grade did to the town, as the public reads it.
fn outcome_key(to: Status) -> Option<&'static str> {
    match to {
        Status::Demoted => Some("creation.outcome.demoted"),
        Status::Removed => Some("creation.outcome.removed"),
        _ => None,
    }
}

/// One published grade on a town's public page.
#[derive(Debug, Clone)]
pub struct HistoryGrade {
    pub year: i32,
    pub code: &'static str,
    pub label: &'static str,
    /// 降格为培育小镇 or 淘汰, when this grade changed the town's standing.
    pub outcome: Option<String>,
    /// The rules the grade was made under.
    pub basis: &'static str,
    /// No report of the year (未按时报送).
    pub missing: bool,
}

/// A town's published history, for its public page.
#[derive(Debug, Clone, Default)]
pub struct TownHistory {
    pub grades: Vec<HistoryGrade>,
    /// (named, land quota, tax rebate) once published.
    pub acceptance: Option<(bool, String, String)>,
    /// (year, text) of the grade that demoted or removed the town, when its
    /// published grades leave it demoted or removed.
    pub standing: Option<(i32, String)>,
}

impl TownHistory {
    pub fn is_empty(&self) -> bool {
        self.grades.is_empty() && self.acceptance.is_none()
    }
}

/// Only published grades and decisions.
pub async fn town_history(conn: &mut PgConnection, proposal_id: i64, lang: Lang) -> AppResult<TownHistory> {
    let rows = store::assessments_for(conn, proposal_id, true).await?;
    let mut grades = Vec::with_capacity(rows.len());
    let mut walked: Vec<Grade> = Vec::with_capacity(rows.len());
    let mut standing = None;
    for a in rows {
        let g = a.final_grade();
        let before = creation::standing(&walked);
        walked.push(g);
        let after = creation::standing(&walked);
        let outcome = (after != before)
            .then(|| outcome_key(after))
            .flatten()
            .map(|k| crate::i18n::t(lang, k));
        if let Some(text) = &outcome {
            standing = Some((a.year, text.clone()));
        }
        grades.push(HistoryGrade {
            year: a.year,
            code: g.code(),
            label: g.label(lang),
            outcome,
            basis: a.indicators.0.basis.short_label(lang),
            missing: a.missing_report,
        });
    }
    let acceptance = store::acceptance_for(conn, proposal_id, true)
        .await?
        .map(|a| (a.named, exact(a.land_quota_mu), exact(a.tax_rebate_wan)));
    // A later published decision supersedes a demotion.
    if acceptance.is_some() && creation::standing(&walked) != Status::Removed {
        standing = None;
    }
    Ok(TownHistory {
        grades,
        acceptance,
        standing,
    })
}
