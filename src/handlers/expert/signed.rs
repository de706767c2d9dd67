//! `/expert/sheets/{id}`: one score sheet as signed — the expert's own, or a
//! fellow panel member's once the expert's own sheet of that proposal is
//! submitted (blind scoring: else 404).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};

use crate::auth::Expert;
use crate::db::panels;
use crate::error::{AppError, AppResult};
use crate::handlers::Page;
use crate::handlers::display::format_time;
use crate::handlers::display::sheet::{self, SheetView};
use crate::services::expert_review as service;
use crate::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "expert/sheet.html")]
pub struct SheetPage {
    pub page: Page,
    pub proposal_id: i64,
    pub expert: String,
    pub version: i32,
    pub reason: String,
    pub signed: String,
    pub sha256: String,
    pub sheet: Option<SheetView>,
}

/// `GET /expert/sheets/{id}`: one sheet — the expert's own, or a fellow
/// member's once the expert's own sheet is submitted (else 404).
pub async fn sheet_page(
    State(state): State<AppState>,
    page: Page,
    Expert(user): Expert,
    Path(id): Path<i64>,
) -> AppResult<SheetPage> {
    let s = service::sheet_for_expert(&state.db, &user, id).await?;
    let mut conn = crate::db::acquire(&state.db).await?;
    let placement = panels::placement(&mut conn, s.proposal_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let round = match placement.round_id {
        Some(r) => panels::round(&mut conn, r).await?,
        None => None,
    };
    let scoring = service::scoring_of(&mut conn, s.proposal_id, round.as_ref()).await?;
    let sheet = scoring.as_ref().and_then(|sc| {
        sc.score(&s.judged.0, false)
            .ok()
            .map(|r| sheet::scored(&sc.standard, &r, page.lang))
    });
    Ok(SheetPage {
        proposal_id: s.proposal_id,
        expert: s.expert_name.clone(),
        version: s.version,
        reason: s.reason.clone(),
        signed: match (&s.signed_by_name, s.submitted_at) {
            (Some(who), Some(at)) => format!("{who} · {}", format_time(at)),
            _ => page.t("expert.draft"),
        },
        sha256: s.sha256.clone().unwrap_or_default(),
        sheet,
        page,
    })
}
