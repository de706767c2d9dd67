//! A proposal's place in its round, as every page that shows the proposal
//! shows it: the round, the stage, the city's recommendation and the acts of
//! the city and the formal review (with what was found missing).

use sqlx::PgConnection;

use super::format::format_time;
use crate::db::rounds as db;
use crate::domain::Lang;
use crate::domain::round::Stage;
use crate::i18n;

/// The label of a stage as lists show it: the stage while submitted (a
/// submitted proposal without one is at the decision: data from before
/// rounds), else "—".
pub fn stage_label(stage: Option<&str>, status: &str, lang: Lang) -> String {
    match stage.and_then(Stage::from_code) {
        Some(s) => s.label(lang).to_owned(),
        None if status == "submitted" => Stage::Joint.label(lang).to_owned(),
        None => "—".to_owned(),
    }
}

pub struct ActionView {
    pub outcome_code: String,
    pub outcome: String,
    pub comment: String,
    pub missing: Vec<String>,
    pub actor: String,
    pub at: String,
    pub at_utc: chrono::DateTime<chrono::Utc>,
}

/// The round panel of a proposal page.
pub struct RoundPanel {
    pub round: Option<String>,
    pub closed: bool,
    pub stage_code: String,
    pub stage: String,
    pub city: Option<String>,
    /// (rank, opinion) of the city's recommendation.
    pub recommendation: Option<(i32, String)>,
    pub actions: Vec<ActionView>,
}

impl RoundPanel {
    /// The latest return's comment and missing items (a county reads why
    /// its proposal came back), when the latest act was a return.
    pub fn latest_return(&self) -> Option<&ActionView> {
        self.actions.first().filter(|a| a.outcome_code == "returned")
    }
}

/// Reads the panel of `proposal_id` (one statement).
pub async fn round_panel(conn: &mut PgConnection, proposal_id: i64, lang: Lang) -> sqlx::Result<RoundPanel> {
    let row = db::panel(conn, proposal_id).await?;
    let Some(row) = row else {
        return Ok(RoundPanel {
            round: None,
            closed: false,
            stage_code: String::new(),
            stage: "—".to_owned(),
            city: None,
            recommendation: None,
            actions: Vec::new(),
        });
    };
    let actions = row
        .actions
        .0
        .into_iter()
        .map(|a| ActionView {
            outcome: i18n::t(lang, &format!("rounds.outcome.{}.{}", a.stage, a.outcome)),
            outcome_code: a.outcome,
            comment: a.comment,
            missing: a
                .missing
                .into_iter()
                .map(|m| if lang == Lang::Zh { m.label_zh } else { m.label_en })
                .collect(),
            actor: a.actor,
            at: format_time(a.at),
            at_utc: a.at,
        })
        .collect();
    Ok(RoundPanel {
        round: row.round_name,
        closed: row.round_closed,
        stage: stage_label(row.stage.as_deref(), &row.status, lang),
        stage_code: row.stage.unwrap_or_default(),
        city: row.city_name,
        recommendation: row.rank.zip(row.opinion),
        actions,
    })
}
