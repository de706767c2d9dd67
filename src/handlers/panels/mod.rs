//! Admins' panel pages (DESIGN "Experts"): the rounds with an expert
//! stage and their panels (`/admin/panels`), a round's draw form
//! (`/admin/rounds/{id}/panels`: size, mix per field, minimum scorers, due
//! date, the proposals of the group), and a panel's record
//! (`/admin/panels/{id}`): seed, algorithm, candidate list, seats in order
//! with replacements and declines, and each proposal's experts with their
//! recusals.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;

use crate::auth::Admin;
use crate::db::panels as db;
use crate::domain::panel::{Field, Mix};
use crate::error::{AppError, AppResult};
use crate::handlers::Page;
use crate::handlers::display::form_value as value;
use crate::handlers::display::{format_date, format_time};
use crate::services::experts::ExpertError;
use crate::services::panels::{self as service, DrawInput};
use crate::state::AppState;

pub struct RoundLine {
    pub id: i64,
    pub name: String,
    pub waiting: usize,
    pub panels: Vec<(i64, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "panels/rounds.html")]
pub struct RoundsPage {
    pub page: Page,
    pub rounds: Vec<RoundLine>,
}

/// `GET /admin/panels`: rounds with the expert stage on.
pub async fn rounds(State(state): State<AppState>, page: Page, Admin(_): Admin) -> AppResult<RoundsPage> {
    let mut conn = crate::db::acquire(&state.db).await?;
    let mut lines = Vec::new();
    for r in db::expert_rounds(&mut conn).await? {
        let waiting = db::at_expert_stage(&mut conn, r.id)
            .await?
            .iter()
            .filter(|(_, p)| p.is_none())
            .count();
        let panels = db::panels_of_round(&mut conn, r.id)
            .await?
            .into_iter()
            .map(|p| (p.id, p.name))
            .collect();
        lines.push(RoundLine {
            id: r.id,
            name: r.name,
            waiting,
            panels,
        });
    }
    Ok(RoundsPage { page, rounds: lines })
}

pub struct MixLine {
    pub code: &'static str,
    pub label: &'static str,
    pub min: String,
    pub max: String,
}

pub struct WaitingLine {
    pub id: i64,
    pub name: String,
    pub checked: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "panels/draw.html")]
pub struct DrawPage {
    pub page: Page,
    pub round_id: i64,
    pub round_name: String,
    pub panels: Vec<(i64, String, i32, String)>,
    pub waiting: Vec<WaitingLine>,
    pub name: String,
    pub size: String,
    pub min_scorers: String,
    pub due: String,
    pub mix: Vec<MixLine>,
    pub errors: Vec<(String, String)>,
}

impl DrawPage {
    pub fn error_for(&self, field: &str) -> Option<String> {
        self.errors.iter().find(|(f, _)| f == field).map(|(_, m)| m.clone())
    }
}

async fn draw_page(
    state: &AppState,
    page: Page,
    round_id: i64,
    posted: Option<&[(String, String)]>,
    errors: Vec<(String, String)>,
) -> AppResult<DrawPage> {
    let mut conn = crate::db::acquire(&state.db).await?;
    let round = db::round(&mut conn, round_id)
        .await?
        .filter(|r| r.expert_stage)
        .ok_or(AppError::NotFound)?;
    let panels = db::panels_of_round(&mut conn, round_id)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name, p.size, format_time(p.drawn_at)))
        .collect();
    let chosen: Vec<String> = posted
        .map(|p| {
            p.iter()
                .filter(|(k, _)| k == "proposals")
                .map(|(_, v)| v.clone())
                .collect()
        })
        .unwrap_or_default();
    let waiting = db::at_expert_stage(&mut conn, round_id)
        .await?
        .into_iter()
        .filter(|(_, panel)| panel.is_none())
        .map(|(p, _)| WaitingLine {
            checked: posted.is_none() || chosen.contains(&p.proposal_id.to_string()),
            id: p.proposal_id,
            name: p.name,
        })
        .collect();
    let default_mix = Mix::zhejiang(9);
    let mix = Field::ALL
        .iter()
        .map(|f| {
            let (min, max) = default_mix
                .fields
                .iter()
                .find(|(x, _, _)| x == f)
                .map_or((0, 0), |(_, a, b)| (*a, *b));
            let typed = |kind: &str| posted.map(|p| value(p, &format!("{kind}.{}", f.code())).to_string());
            MixLine {
                code: f.code(),
                label: f.label(page.lang),
                min: typed("min").unwrap_or_else(|| min.to_string()),
                max: typed("max").unwrap_or_else(|| max.to_string()),
            }
        })
        .collect();
    let typed = |name: &str, default: &str| posted.map_or_else(|| default.to_string(), |p| value(p, name).to_string());
    Ok(DrawPage {
        round_id,
        round_name: round.name,
        panels,
        waiting,
        name: typed("name", "专家组"),
        size: typed("size", "9"),
        min_scorers: typed("min_scorers", "5"),
        due: typed("due", ""),
        mix,
        errors,
        page,
    })
}

/// `GET /admin/rounds/{id}/panels`: the round's panels and the draw form.
pub async fn draw_form(
    State(state): State<AppState>,
    page: Page,
    Admin(_): Admin,
    Path(id): Path<i64>,
) -> AppResult<DrawPage> {
    draw_page(&state, page, id, None, Vec::new()).await
}

/// `POST /admin/rounds/{id}/panels`: draws a panel.
pub async fn draw(
    State(state): State<AppState>,
    page: Page,
    Admin(admin): Admin,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let input = DrawInput {
        name: value(&pairs, "name").to_string(),
        size: value(&pairs, "size").to_string(),
        mix: Field::ALL
            .iter()
            .map(|f| {
                (
                    *f,
                    value(&pairs, &format!("min.{}", f.code())).to_string(),
                    value(&pairs, &format!("max.{}", f.code())).to_string(),
                )
            })
            .collect(),
        min_scorers: value(&pairs, "min_scorers").to_string(),
        due: value(&pairs, "due").to_string(),
        proposals: pairs
            .iter()
            .filter(|(k, _)| k == "proposals")
            .filter_map(|(_, v)| v.trim().parse().ok())
            .collect(),
    };
    let errors = match service::draw(&state.db, &admin, id, &input).await {
        Ok(panel) => return Ok(Redirect::to(&format!("/admin/panels/{panel}")).into_response()),
        Err(ExpertError::Invalid(errors)) => errors.into_iter().map(|(f, k)| (f, page.t(k))).collect(),
        Err(ExpertError::Draw(e)) => vec![("draw".to_string(), e.message(page.lang))],
        Err(e) => return Err(e.into_app(format!("/admin/rounds/{id}/panels"))),
    };
    let body = draw_page(&state, page, id, Some(&pairs), errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
}

pub struct SeatLine {
    pub position: i32,
    pub expert: String,
    pub field: &'static str,
    pub kind: String,
    pub stream: String,
    pub proposal: String,
    pub declined: String,
}

pub struct ProposalStaff {
    pub id: i64,
    pub name: String,
    pub experts: Vec<(String, &'static str, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "panels/show.html")]
pub struct PanelPage {
    pub page: Page,
    pub id: i64,
    pub round_id: i64,
    pub name: String,
    pub size: i32,
    pub min_scorers: i32,
    pub mix: String,
    pub due: String,
    pub seed: String,
    pub algorithm: String,
    pub candidates: String,
    pub drawn: String,
    pub seats: Vec<SeatLine>,
    pub proposals: Vec<ProposalStaff>,
}

/// `GET /admin/panels/{id}`: what the draw stored and what it gave.
pub async fn show(
    State(state): State<AppState>,
    page: Page,
    Admin(_): Admin,
    Path(id): Path<i64>,
) -> AppResult<PanelPage> {
    let lang = page.lang;
    let mut conn = crate::db::acquire(&state.db).await?;
    let p = db::panel(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    let field_label = |code: &str| Field::from_code(code).map_or("", |f| f.label(lang));
    let names: Vec<(i64, String)> = db::proposals_of_panel(&mut conn, id)
        .await?
        .into_iter()
        .map(|x| (x.proposal_id, x.name))
        .collect();
    let seats = db::seats(&mut conn, id)
        .await?
        .into_iter()
        .map(|s| SeatLine {
            position: s.position,
            expert: s.expert_name,
            field: field_label(&s.field),
            kind: page.t(&format!("panels.seat.{}", s.kind)),
            stream: s.stream.map(|x| x.to_string()).unwrap_or_default(),
            proposal: s
                .proposal_id
                .and_then(|pid| names.iter().find(|(i, _)| *i == pid).map(|(_, n)| n.clone()))
                .unwrap_or_default(),
            declined: s
                .declined_at
                .map(|t| format!("{} {}", format_time(t), s.decline_reason.unwrap_or_default()))
                .unwrap_or_default(),
        })
        .collect();
    let mut proposals = Vec::new();
    for (pid, name) in &names {
        let experts = db::assignments(&mut conn, *pid)
            .await?
            .into_iter()
            .map(|a| {
                let state = match (&a.recusal, a.declined) {
                    (_, true) => page.t("panels.declined"),
                    (Some(r), _) => format!(
                        "{}{}",
                        page.t(&format!("panels.recusal.{r}")),
                        if a.recusal_note.is_empty() {
                            String::new()
                        } else {
                            format!("：{}", a.recusal_note)
                        }
                    ),
                    (None, false) => page.t("panels.scores"),
                };
                (a.expert_name, field_label(&a.field), state)
            })
            .collect();
        proposals.push(ProposalStaff {
            id: *pid,
            name: name.clone(),
            experts,
        });
    }
    let mix = p
        .mix
        .as_array()
        .map(|a| {
            a.iter()
                .map(|m| {
                    format!(
                        "{} {}–{}",
                        field_label(m["field"].as_str().unwrap_or("")),
                        m["min"],
                        m["max"]
                    )
                })
                .collect::<Vec<_>>()
                .join("，")
        })
        .unwrap_or_default();
    let candidates = p
        .candidates
        .iter()
        .zip(&p.candidate_fields)
        .map(|(c, f)| format!("{c}:{f}"))
        .collect::<Vec<_>>()
        .join(" ");
    Ok(PanelPage {
        id,
        round_id: p.round_id,
        name: p.name,
        size: p.size,
        min_scorers: p.min_scorers,
        mix,
        due: p.due_at.map(format_date).unwrap_or_default(),
        seed: hex::encode(&p.seed),
        algorithm: p.algorithm,
        candidates,
        drawn: format!("{} · {}", p.drawn_by_name, format_time(p.drawn_at)),
        seats,
        proposals,
        page,
    })
}
