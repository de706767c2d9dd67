//! The live evaluation beside the proposal form: the findings for the form
//! as typed so far, under the active standard, nothing stored.

use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::State;

use super::fields::{pairs, read_input, target_region, without_trailing_blank_years};
use crate::auth::CurrentUser;
use crate::domain::Lang;
use crate::domain::proposal::FieldError;
use crate::error::AppResult;
use crate::handlers::Page;
use crate::handlers::display::{FindingView, finding_views};
use crate::services::proposals::{self as service};
use crate::standards::{Evaluation, Standard};
use crate::state::AppState;

/// The live evaluation panel.
pub struct Live {
    /// The active standard's name and version.
    pub standard: String,
    pub overall: Option<(&'static str, &'static str)>,
    pub findings: Vec<FindingView>,
    /// Why there is no evaluation yet: what is missing or inconsistent.
    pub pending: Vec<String>,
}

/// The panel for a draft evaluated under `standard` (the active one), or
/// for what it still lacks.
pub(super) fn live_view(standard: &Standard, outcome: Result<Evaluation, Vec<FieldError>>, lang: Lang) -> Live {
    let name = format!("{} v{}", standard.name(lang), standard.version);
    match outcome {
        Ok(evaluation) => {
            let rendered = evaluation.render(lang);
            Live {
                standard: name,
                overall: Some((evaluation.overall.code(), evaluation.overall.label(lang))),
                findings: finding_views(&rendered, Some(standard), lang),
                pending: Vec::new(),
            }
        }
        Err(errors) => Live {
            standard: name,
            overall: None,
            findings: Vec::new(),
            pending: errors
                .iter()
                .map(|e| {
                    let label = crate::domain::proposal::field(&e.field)
                        .map(|f| f.label(lang))
                        .unwrap_or("");
                    if label.is_empty() {
                        e.message(lang)
                    } else {
                        format!("{label}：{}", e.message(lang))
                    }
                })
                .collect(),
        },
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "proposals/live.html")]
pub struct LivePartial {
    pub page: Page,
    pub live: Live,
}

/// `POST /proposals/live`: the findings panel for the form as typed so far
/// (the page's script posts the form here while the official types).
pub async fn live(
    State(state): State<AppState>,
    page: Page,
    CurrentUser(user): CurrentUser,
    body: Bytes,
) -> AppResult<LivePartial> {
    let raw = without_trailing_blank_years(pairs(&body));
    let (_, region_name) = target_region(&state, &user, &raw).await?;
    let (input, _) = read_input(&user, &raw, region_name.or_else(|| Some("—".to_owned())));
    let (active, outcome) = service::evaluate_draft(&state.db, &input).await?;
    let live = live_view(active.standard(), outcome, page.lang);
    Ok(LivePartial { page, live })
}
