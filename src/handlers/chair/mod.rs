//! The chair's pages (a reviewer; DESIGN "Aggregation"): the proposals at
//! the expert stage (`/review/panels`); one proposal's panel
//! (`/review/panels/{id}`) — every expert's submitted points line by line,
//! the aggregate (trimmed mean from 5 sheets, else the mean, 2 decimals
//! half up), the total with the computed lines and section caps, the
//! vetoes, the flags (divergent experts, tied vetoes) with the chair's
//! notes, and closing the stage.

pub mod joint;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;

use crate::auth::Reviewer;
use crate::db::{panels, score_sheets};
use crate::domain::panel::Field;
use crate::error::AppResult;
use crate::handlers::Page;
use crate::handlers::display::form_value as value;
use crate::handlers::display::format_time;
use crate::services::expert_review::{self as service, FlagInput};
use crate::services::experts::ExpertError;
use crate::standards::number;
use crate::standards::scoring::LineKind;
use crate::state::AppState;

pub struct WaitingLine {
    pub id: i64,
    pub name: String,
    pub round: String,
    pub panel: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "chair/list.html")]
pub struct ListPage {
    pub page: Page,
    pub proposals: Vec<WaitingLine>,
    pub rounds: Vec<(i64, String)>,
}

/// `GET /review/panels`: proposals whose panels are scoring, and the rounds' joint tables.
pub async fn list(State(state): State<AppState>, page: Page, Reviewer(_): Reviewer) -> AppResult<ListPage> {
    let mut conn = crate::db::acquire(&state.db).await?;
    let mut proposals = Vec::new();
    let rounds = panels::rounds(&mut conn).await?;
    for r in rounds.iter().filter(|r| r.expert_stage) {
        let names: Vec<(i64, String)> = panels::panels_of_round(&mut conn, r.id)
            .await?
            .into_iter()
            .map(|p| (p.id, p.name))
            .collect();
        for (p, panel) in panels::at_expert_stage(&mut conn, r.id).await? {
            let Some(panel) = panel else { continue };
            proposals.push(WaitingLine {
                id: p.proposal_id,
                name: p.name,
                round: r.name.clone(),
                panel: names
                    .iter()
                    .find(|(id, _)| *id == panel)
                    .map(|(_, n)| n.clone())
                    .unwrap_or_default(),
            });
        }
    }
    Ok(ListPage {
        page,
        proposals,
        rounds: rounds.into_iter().map(|r| (r.id, r.name)).collect(),
    })
}

pub struct ExpertColumn {
    pub name: String,
    pub field: &'static str,
    pub state: String,
    pub total: String,
    pub divergent: bool,
    pub sheet_id: Option<i64>,
}

pub struct LineRow {
    pub code: String,
    pub name: String,
    pub max: String,
    pub cells: Vec<String>,
    pub panel: String,
    pub counted: String,
}

pub struct FlagView {
    pub kind: &'static str,
    pub sheet_id: i64,
    pub line: String,
    pub label: String,
    pub resolved: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "chair/panel.html")]
pub struct PanelPage {
    pub page: Page,
    pub id: i64,
    pub name: String,
    pub round_id: Option<i64>,
    pub open: bool,
    pub experts: Vec<ExpertColumn>,
    pub recused: Vec<(String, String)>,
    pub lines: Vec<LineRow>,
    pub trimmed: bool,
    pub total: String,
    pub maximum: String,
    pub vetoes: Vec<String>,
    pub median: String,
    pub limit: String,
    pub flags: Vec<FlagView>,
    pub notes: Vec<(String, String, String, String)>,
    pub can_close: bool,
    pub closed: Option<String>,
    pub error: Option<String>,
}

async fn panel_page(state: &AppState, page: Page, id: i64, error: Option<String>) -> AppResult<PanelPage> {
    let lang = page.lang;
    let mut conn = crate::db::acquire(&state.db).await?;
    let st = service::panel_state(&mut conn, id).await?;
    let field_label = |code: &str| Field::from_code(code).map_or("", |f| f.label(lang));
    let divergent_sheet = |sid: i64| st.divergent.iter().any(|d| d.sheet_id == sid);
    let mut experts = Vec::new();
    let mut recused = Vec::new();
    for a in &st.assignments {
        if !a.scores() {
            let why = match (&a.recusal, a.declined) {
                (_, true) => page.t("panels.declined"),
                (Some(r), _) => page.t(&format!("panels.recusal.{r}")),
                _ => String::new(),
            };
            recused.push((a.expert_name.clone(), why));
            continue;
        }
        let sheet = st.sheets.iter().find(|s| s.expert_id == a.expert_id);
        let submitted = sheet.filter(|s| s.submitted());
        experts.push(ExpertColumn {
            name: a.expert_name.clone(),
            field: field_label(&a.field),
            state: match sheet {
                Some(s) if s.submitted() => {
                    format!("v{} {}", s.version, format_time(s.submitted_at.unwrap_or_default()))
                }
                Some(s) => format!("v{} {}", s.version, page.t("expert.draft")),
                None => page.t("expert.not_started"),
            },
            total: submitted.and_then(|s| s.total).map(number).unwrap_or_default(),
            divergent: submitted.is_some_and(|s| divergent_sheet(s.id)),
            sheet_id: submitted.map(|s| s.id),
        });
    }
    let mut lines = Vec::new();
    if let Some(sc) = &st.scoring {
        for l in sc.tables().iter().flat_map(|t| t.lines()).filter(|l| l.is_judged()) {
            let veto = !matches!(l.kind, LineKind::Judged { .. });
            let show = |j: Option<&crate::standards::scoring::Judgement>| match j {
                Some(j) if veto => j
                    .veto
                    .map(|v| page.t(if v { "chair.yes" } else { "chair.no" }))
                    .unwrap_or_default(),
                Some(j) => j.points.map(number).unwrap_or_default(),
                None => String::new(),
            };
            let cells = st
                .assignments
                .iter()
                .filter(|a| a.scores())
                .map(|a| {
                    st.sheets
                        .iter()
                        .find(|s| s.expert_id == a.expert_id && s.submitted())
                        .map(|s| show(s.judged.0.get(&l.code)))
                        .unwrap_or_default()
                })
                .collect();
            lines.push(LineRow {
                code: l.code.clone(),
                name: l.name(lang).to_string(),
                max: number(l.max),
                cells,
                panel: show(st.aggregate.judged.get(&l.code)),
                counted: st
                    .aggregate
                    .counted
                    .iter()
                    .find(|(c, _)| *c == l.code)
                    .map(|(_, n)| n.to_string())
                    .unwrap_or_default(),
            });
        }
    }
    let line_name = |code: &str| {
        st.scoring
            .as_ref()
            .and_then(|sc| sc.standard.tables.iter().find_map(|t| t.line(code)))
            .map_or_else(|| code.to_string(), |l| l.name(lang).to_string())
    };
    let expert_name = |eid: i64| {
        st.assignments
            .iter()
            .find(|a| a.expert_id == eid)
            .map(|a| a.expert_name.clone())
            .unwrap_or_default()
    };
    let mut flags = Vec::new();
    for d in &st.divergent {
        flags.push(FlagView {
            kind: "divergent",
            sheet_id: d.sheet_id,
            line: String::new(),
            label: format!(
                "{} {} {}",
                page.t("chair.flag.divergent"),
                expert_name(d.expert_id),
                number(d.total)
            ),
            resolved: d.resolved.as_ref().map(|n| n.reason.clone()),
        });
    }
    for t in &st.ties {
        flags.push(FlagView {
            kind: "veto_tie",
            sheet_id: 0,
            line: t.line.clone(),
            label: format!("{} {}", page.t("chair.flag.veto_tie"), line_name(&t.line)),
            resolved: t.resolved.as_ref().map(|n| n.reason.clone()),
        });
    }
    let notes = st
        .notes
        .iter()
        .map(|n| {
            (
                format_time(n.created_at),
                n.chair_name.clone(),
                page.t(&format!("chair.outcome.{}", n.outcome)),
                n.reason.clone(),
            )
        })
        .collect();
    let open = st.placement.stage.as_deref() == Some("expert");
    let frozen: Option<score_sheets::ResultRow> = st.frozen.clone();
    Ok(PanelPage {
        id,
        name: st.placement.name.clone(),
        round_id: st.placement.round_id,
        can_close: open && st.all_submitted() && st.open_flags() == 0,
        open,
        experts,
        recused,
        lines,
        trimmed: st.submitted().len() >= crate::standards::scoring::aggregate::PanelRules::default().trim_from,
        total: st.result.as_ref().map(|r| number(r.total)).unwrap_or_default(),
        maximum: st.result.as_ref().map(|r| number(r.maximum)).unwrap_or_default(),
        vetoes: st
            .result
            .as_ref()
            .map(|r| r.vetoes.iter().map(|v| line_name(v)).collect())
            .unwrap_or_default(),
        median: st.median.map(number).unwrap_or_default(),
        limit: st.limit.map(number).unwrap_or_default(),
        flags,
        notes,
        closed: frozen.map(|r| {
            format!(
                "{} · {} · {} / {}",
                r.closed_by_name,
                format_time(r.closed_at),
                number(r.total),
                number(r.maximum)
            )
        }),
        error,
        page,
    })
}

/// `GET /review/panels/{id}`: the panel's work on one proposal.
pub async fn show(
    State(state): State<AppState>,
    page: Page,
    Reviewer(_): Reviewer,
    Path(id): Path<i64>,
) -> AppResult<PanelPage> {
    panel_page(&state, page, id, None).await
}

/// `POST /review/panels/{id}/flags`: the chair's outcome of one flag.
pub async fn note_flag(
    State(state): State<AppState>,
    page: Page,
    Reviewer(user): Reviewer,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let input = FlagInput {
        kind: value(&pairs, "kind").to_string(),
        sheet_id: value(&pairs, "sheet").trim().parse().ok(),
        line: value(&pairs, "line").to_string(),
        outcome: value(&pairs, "outcome").to_string(),
        reason: value(&pairs, "reason").to_string(),
    };
    match service::note_flag(&state.db, &user, id, &input).await {
        Ok(()) => Ok(Redirect::to(&format!("/review/panels/{id}")).into_response()),
        Err(ExpertError::Invalid(errors)) => {
            let message = errors.first().map(|(_, k)| page.t(k));
            let body = panel_page(&state, page, id, message).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
        }
        Err(e) => Err(e.into_app(format!("/review/panels/{id}"))),
    }
}

/// `POST /review/panels/{id}/close`: closes the proposal's expert stage.
pub async fn close(
    State(state): State<AppState>,
    Reviewer(user): Reviewer,
    Path(id): Path<i64>,
) -> AppResult<Redirect> {
    service::close_stage(&state.db, &user, id)
        .await
        .map_err(|e| e.into_app(format!("/review/panels/{id}")))?;
    Ok(Redirect::to(&format!("/review/panels/{id}")))
}
