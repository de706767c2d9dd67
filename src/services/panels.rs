//! Panels (DESIGN "Experts"): an admin draws a round's panel (or one per
//! group of its proposals) from the pool — reproducibly, with the seed, the
//! algorithm's version and the candidate list stored — and each proposal
//! is staffed: conflicted members are recused from it alone, and below the
//! minimum a replacement of the same field is drawn for it. An expert who
//! declines is replaced by a draw of the same field; an expert's own
//! declaration of a conflict recuses them. Every step is audited.

use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::{PgConnection, PgPool};

use super::ServiceError;
use super::experts::ExpertError;
use crate::auth::User;
use crate::db::panels::{self as db, NewPanel, NewSeat, Placement};
use crate::db::{audit, experts};
use crate::domain::panel::{self, Candidate, ExpertProfile, Field, Mix, ProposalParty, Replay};

type Result<T> = std::result::Result<T, ExpertError>;

/// The draw as the admin's form sends it, each value as typed.
#[derive(Debug, Clone, Default)]
pub struct DrawInput {
    pub name: String,
    pub size: String,
    /// (field, minimum, maximum) as typed, one per field.
    pub mix: Vec<(Field, String, String)>,
    pub min_scorers: String,
    /// `YYYY-MM-DD` (China time, end of day), or empty.
    pub due: String,
    /// The proposals of this panel; all of the round's waiting ones when empty.
    pub proposals: Vec<i64>,
}

/// The minimum of unconflicted scorers for a panel: the parameter, never
/// below 3 nor above the panel's size.
pub fn effective_minimum(min_scorers: i32, size: i32) -> usize {
    panel::minimum_scorers(Some(min_scorers.max(0) as usize)).min(size.max(0) as usize)
}

struct CheckedDraw {
    name: String,
    mix: Mix,
    min_scorers: i32,
    due_at: Option<DateTime<Utc>>,
}

fn check_draw(input: &DrawInput) -> Result<CheckedDraw> {
    let mut errors: Vec<(String, &'static str)> = Vec::new();
    let name = input.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 100 {
        errors.push(("name".into(), "panels.error.name"));
    }
    let size = input
        .size
        .trim()
        .parse::<usize>()
        .ok()
        .filter(|s| panel::PANEL_SIZES.contains(s));
    if size.is_none() {
        errors.push(("size".into(), "panels.error.size"));
    }
    let mut fields = Vec::new();
    for (field, min, max) in &input.mix {
        let read = |v: &str| v.trim().parse::<usize>().ok().filter(|n| *n <= 9);
        match (read(min), read(max)) {
            (Some(a), Some(b)) if a <= b => fields.push((*field, a, b)),
            _ => errors.push((format!("mix.{}", field.code()), "panels.error.mix")),
        }
    }
    let min_scorers = match input.min_scorers.trim() {
        "" => Some(5),
        v => v.parse::<i32>().ok().filter(|n| (3..=9).contains(n)),
    };
    if min_scorers.is_none() {
        errors.push(("min_scorers".into(), "panels.error.min_scorers"));
    }
    let due_at = match input.due.trim() {
        "" => None,
        v => match chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d") {
            // The end of the day in China (UTC+8).
            Ok(d) => d.and_hms_opt(15, 59, 59).map(|t| t.and_utc()),
            Err(_) => {
                errors.push(("due".into(), "panels.error.due"));
                None
            }
        },
    };
    match (size, min_scorers, errors.is_empty()) {
        (Some(size), Some(min_scorers), true) => Ok(CheckedDraw {
            name,
            mix: Mix { size, fields },
            min_scorers,
            due_at,
        }),
        _ => Err(ExpertError::Invalid(errors)),
    }
}

fn party(p: &Placement) -> ProposalParty {
    ProposalParty {
        proposal_id: p.proposal_id,
        county_id: p.region_id,
        city_id: p.city_id,
        developer: p.developer.clone().unwrap_or_default(),
    }
}

/// What is known of the pool for conflicts: every expert's home region,
/// employer and declarations.
async fn profiles(conn: &mut PgConnection) -> sqlx::Result<Vec<ExpertProfile>> {
    let declared = experts::declared(conn).await?;
    Ok(experts::list(conn)
        .await?
        .into_iter()
        .map(|x| ExpertProfile {
            expert_id: x.id,
            home_region_id: x.home_region_id,
            employer: x.employer,
            declared: declared.iter().filter(|(e, _)| *e == x.id).map(|(_, p)| *p).collect(),
        })
        .collect())
}

fn stored_candidates(p: &db::PanelRow) -> Vec<Candidate> {
    p.candidates
        .iter()
        .zip(&p.candidate_fields)
        .filter_map(|(id, f)| Field::from_code(f).map(|field| Candidate { expert_id: *id, field }))
        .collect()
}

fn seed_of(p: &db::PanelRow) -> [u8; 32] {
    let mut seed = [0u8; 32];
    if p.seed.len() == 32 {
        seed.copy_from_slice(&p.seed);
    }
    seed
}

fn audit_entry(
    actor: i64,
    action: &'static str,
    entity: &'static str,
    id: i64,
    after: serde_json::Value,
) -> audit::Entry<'static> {
    audit::Entry {
        actor_id: Some(actor),
        action,
        entity,
        entity_id: Some(id),
        before: None,
        after: Some(after),
    }
}

/// Staffs one proposal of a locked panel: conflicts among its scoring
/// members recuse them, and replacements are drawn below the minimum.
/// `declared`: an expert declaring a conflict with this proposal now, with
/// what it is.
async fn staff_proposal(
    conn: &mut PgConnection,
    actor: i64,
    panel_id: i64,
    proposal: &Placement,
    declared: Option<(i64, &str)>,
) -> sqlx::Result<()> {
    let p = db::panel(conn, panel_id).await?.expect("the panel exists");
    let candidates = stored_candidates(&p);
    let mut profiles = profiles(conn).await?;
    // Experts taken out of the pool since the draw are never drawn again.
    let inactive: Vec<i64> = experts::list(conn)
        .await?
        .into_iter()
        .filter(|x| !x.active)
        .map(|x| x.id)
        .collect();
    profiles.retain(|x| candidates.iter().any(|c| c.expert_id == x.expert_id));
    if let Some((expert_id, _)) = declared {
        for x in profiles.iter_mut().filter(|x| x.expert_id == expert_id) {
            x.declared.push(proposal.proposal_id);
        }
    }
    let seats = db::seats(conn, panel_id).await?;
    // The panel's members (declined ones too) and whoever already stands in
    // for someone on this proposal; a replacement drawn for another
    // proposal may be drawn for this one.
    let mut excluded: Vec<i64> = seats
        .iter()
        .filter(|s| s.proposal_id.is_none_or(|p| p == proposal.proposal_id))
        .map(|s| s.expert_id)
        .collect();
    excluded.extend(inactive);
    let members: Vec<Candidate> = db::assignments(conn, proposal.proposal_id)
        .await?
        .into_iter()
        .filter(|a| a.scores())
        .filter_map(|a| {
            Field::from_code(&a.field).map(|field| Candidate {
                expert_id: a.expert_id,
                field,
            })
        })
        .collect();
    let replay = Replay {
        seed: seed_of(&p),
        candidates: &candidates,
        profiles: &profiles,
    };
    let minimum = effective_minimum(p.min_scorers, p.size);
    let staffing = panel::staff(
        &replay,
        p.next_stream.max(1) as u64,
        &members,
        &excluded,
        &party(proposal),
        minimum,
    );
    for (expert_id, conflict) in &staffing.recused {
        let why = match conflict {
            panel::Conflict::HomeRegion => "home_region",
            panel::Conflict::Employer => "employer",
            panel::Conflict::Declared => "declared",
        };
        let note = declared.filter(|(id, _)| id == expert_id).map_or("", |(_, note)| note);
        db::recuse(conn, proposal.proposal_id, *expert_id, why, note).await?;
        audit::record(
            conn,
            audit_entry(
                actor,
                "panel.recused",
                "panel",
                panel_id,
                json!({"proposal": proposal.proposal_id, "expert": expert_id, "conflict": why, "note": note}),
            ),
        )
        .await?;
    }
    for (candidate, stream, stands_for) in &staffing.replacements {
        let replaced_seat = seats.iter().find(|s| s.expert_id == *stands_for).map(|s| s.id);
        let seat = db::insert_seat(
            conn,
            &NewSeat {
                panel_id,
                expert_id: candidate.expert_id,
                field: candidate.field.code(),
                kind: "conflict_replacement",
                stream: Some(*stream as i64),
                proposal_id: Some(proposal.proposal_id),
                replaces: replaced_seat,
            },
        )
        .await?;
        db::insert_assignment(conn, proposal.proposal_id, candidate.expert_id, panel_id, seat).await?;
        audit::record(
            conn,
            audit_entry(
                actor,
                "panel.replacement_drawn",
                "panel",
                panel_id,
                json!({
                    "proposal": proposal.proposal_id, "expert": candidate.expert_id, "field": candidate.field.code(),
                    "stream": stream, "replaces": stands_for, "reason": "conflict",
                }),
            ),
        )
        .await?;
    }
    if staffing.short > 0 {
        audit::record(
            conn,
            audit_entry(
                actor,
                "panel.short",
                "panel",
                panel_id,
                json!({"proposal": proposal.proposal_id, "missing": staffing.short}),
            ),
        )
        .await?;
    }
    db::set_next_stream(conn, panel_id, staffing.next_stream as i64).await?;
    Ok(())
}

/// Draws a panel for a round's proposals at the expert stage (those named,
/// or all not yet on a panel). Returns the panel's id.
pub async fn draw(db: &PgPool, admin: &User, round_id: i64, input: &DrawInput) -> Result<i64> {
    draw_with_seed(db, admin, round_id, input, rand::random()).await
}

/// [`draw`] with a given seed (tests and the demo replay a known one).
pub async fn draw_with_seed(
    db: &PgPool,
    admin: &User,
    round_id: i64,
    input: &DrawInput,
    seed: [u8; 32],
) -> Result<i64> {
    let checked = check_draw(input)?;
    let mut tx = crate::db::begin(db).await?;
    let round = db::round(&mut tx, round_id).await?.ok_or(ServiceError::NotFound)?;
    if !round.expert_stage {
        return Err(ServiceError::Refused("panels.error.no_expert_stage").into());
    }
    let waiting: Vec<Placement> = db::at_expert_stage(&mut tx, round_id)
        .await?
        .into_iter()
        .filter(|(_, panel)| panel.is_none())
        .map(|(p, _)| p)
        .collect();
    let chosen: Vec<Placement> = if input.proposals.is_empty() {
        waiting
    } else {
        if input
            .proposals
            .iter()
            .any(|id| !waiting.iter().any(|p| p.proposal_id == *id))
        {
            return Err(ExpertError::field("proposals", "panels.error.proposals"));
        }
        waiting
            .into_iter()
            .filter(|p| input.proposals.contains(&p.proposal_id))
            .collect()
    };
    if chosen.is_empty() {
        return Err(ExpertError::field("proposals", "panels.error.no_proposals"));
    }
    for p in &chosen {
        db::lock_placement(&mut tx, p.proposal_id).await?;
    }
    let pool = experts::drawable(&mut tx).await?;
    let candidates: Vec<Candidate> = pool
        .iter()
        .filter_map(|x| Field::from_code(&x.field).map(|field| Candidate { expert_id: x.id, field }))
        .collect();
    let drawn = panel::draw(seed, &candidates, &checked.mix).map_err(ExpertError::Draw)?;
    let ids: Vec<i64> = candidates.iter().map(|c| c.expert_id).collect();
    let fields: Vec<&str> = candidates.iter().map(|c| c.field.code()).collect();
    let mix_json = json!(
        checked
            .mix
            .fields
            .iter()
            .map(|(f, min, max)| json!({"field": f.code(), "min": min, "max": max}))
            .collect::<Vec<_>>()
    );
    let panel_id = match db::insert_panel(
        &mut tx,
        &NewPanel {
            round_id,
            name: &checked.name,
            size: checked.mix.size as i32,
            mix: mix_json.clone(),
            min_scorers: checked.min_scorers,
            due_at: checked.due_at,
            seed: &seed,
            algorithm: panel::DRAW_ALGORITHM,
            candidates: &ids,
            candidate_fields: &fields,
            drawn_by: admin.id,
        },
    )
    .await
    {
        Ok(id) => id,
        Err(e) if crate::db::is_unique_violation(&e) => {
            return Err(ExpertError::field("name", "panels.error.name_taken"));
        }
        Err(e) => return Err(e.into()),
    };
    let mut seat_ids = Vec::new();
    for c in &drawn {
        let seat = db::insert_seat(
            &mut tx,
            &NewSeat {
                panel_id,
                expert_id: c.expert_id,
                field: c.field.code(),
                kind: "drawn",
                stream: None,
                proposal_id: None,
                replaces: None,
            },
        )
        .await?;
        seat_ids.push((seat, c.expert_id));
    }
    for p in &chosen {
        db::add_proposal(&mut tx, panel_id, p.proposal_id).await?;
        for (seat, expert) in &seat_ids {
            db::insert_assignment(&mut tx, p.proposal_id, *expert, panel_id, *seat).await?;
        }
    }
    audit::record(
        &mut tx,
        audit_entry(
            admin.id,
            "panel.drawn",
            "panel",
            panel_id,
            json!({
                "round": round_id, "name": checked.name, "size": checked.mix.size, "mix": mix_json,
                "min_scorers": checked.min_scorers, "seed": hex::encode(seed), "algorithm": panel::DRAW_ALGORITHM,
                "candidates": ids, "seats": drawn.iter().map(|c| c.expert_id).collect::<Vec<_>>(),
                "proposals": chosen.iter().map(|p| p.proposal_id).collect::<Vec<_>>(),
            }),
        ),
    )
    .await?;
    for p in &chosen {
        staff_proposal(&mut tx, admin.id, panel_id, p, None).await?;
    }
    tx.commit().await?;
    Ok(panel_id)
}

/// An expert declines their seat on a panel (with a reason): their
/// assignments end and a replacement of the same field is drawn and
/// staffed into each of the panel's proposals still at the expert stage.
pub async fn decline(db: &PgPool, user: &User, panel_id: i64, reason: &str) -> Result<()> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 2000 {
        return Err(ExpertError::field("reason", "panels.error.decline_reason"));
    }
    let mut tx = crate::db::begin(db).await?;
    let expert = experts::of_user(&mut tx, user.id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let p = db::lock_panel(&mut tx, panel_id).await?.ok_or(ServiceError::NotFound)?;
    let seats = db::seats(&mut tx, panel_id).await?;
    let seat = seats
        .iter()
        .find(|s| s.expert_id == expert.id && s.proposal_id.is_none() && s.declined_at.is_none())
        .ok_or(ServiceError::NotFound)?;
    let proposals = db::proposals_of_panel(&mut tx, panel_id).await?;
    for pr in &proposals {
        if crate::db::score_sheets::latest(&mut tx, pr.proposal_id, expert.id)
            .await?
            .is_some_and(|s| s.submitted())
        {
            return Err(ServiceError::Refused("panels.error.decline_after_scoring").into());
        }
    }
    db::decline_seat(&mut tx, seat.id, reason).await?;
    db::mark_declined(&mut tx, seat.id).await?;
    audit::record(
        &mut tx,
        audit_entry(
            user.id,
            "panel.declined",
            "panel",
            panel_id,
            json!({"expert": expert.id, "seat": seat.id, "reason": reason}),
        ),
    )
    .await?;
    let candidates = stored_candidates(&p);
    let inactive: Vec<i64> = experts::list(&mut tx)
        .await?
        .into_iter()
        .filter(|x| !x.active)
        .map(|x| x.id)
        .collect();
    let mut excluded: Vec<i64> = seats.iter().map(|s| s.expert_id).collect();
    excluded.extend(inactive);
    let field = Field::from_code(&seat.field).unwrap_or(Field::Other);
    let stream = p.next_stream.max(1) as u64;
    db::set_next_stream(&mut tx, panel_id, stream as i64 + 1).await?;
    let Some(r) = panel::draw_replacement(seed_of(&p), stream, &candidates, field, &excluded) else {
        audit::record(
            &mut tx,
            audit_entry(
                user.id,
                "panel.short",
                "panel",
                panel_id,
                json!({"declined": expert.id, "field": field.code(), "stream": stream}),
            ),
        )
        .await?;
        tx.commit().await?;
        return Ok(());
    };
    let new_seat = db::insert_seat(
        &mut tx,
        &NewSeat {
            panel_id,
            expert_id: r.expert_id,
            field: r.field.code(),
            kind: "decline_replacement",
            stream: Some(stream as i64),
            proposal_id: None,
            replaces: Some(seat.id),
        },
    )
    .await?;
    audit::record(
        &mut tx,
        audit_entry(
            user.id,
            "panel.replacement_drawn",
            "panel",
            panel_id,
            json!({
                "expert": r.expert_id, "field": r.field.code(), "stream": stream, "replaces": expert.id,
                "reason": "declined",
            }),
        ),
    )
    .await?;
    for pr in proposals.iter().filter(|pr| pr.stage.as_deref() == Some("expert")) {
        db::insert_assignment(&mut tx, pr.proposal_id, r.expert_id, panel_id, new_seat).await?;
        staff_proposal(&mut tx, user.id, panel_id, pr, None).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// An expert declares a conflict with an assigned proposal (with what it
/// is): recused from it alone, and replaced for it below the minimum.
pub async fn declare_conflict(db: &PgPool, user: &User, proposal_id: i64, note: &str) -> Result<()> {
    let note = note.trim();
    if note.is_empty() || note.chars().count() > 2000 {
        return Err(ExpertError::field("note", "panels.error.conflict_note"));
    }
    let mut tx = crate::db::begin(db).await?;
    let expert = experts::of_user(&mut tx, user.id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let placement = db::lock_placement(&mut tx, proposal_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let assignment = db::assignment(&mut tx, proposal_id, expert.id)
        .await?
        .filter(|a| a.scores())
        .ok_or(ServiceError::NotFound)?;
    if placement.stage.as_deref() != Some("expert") {
        return Err(ServiceError::WrongState.into());
    }
    db::lock_panel(&mut tx, assignment.panel_id).await?;
    audit::record(
        &mut tx,
        audit_entry(
            user.id,
            "panel.conflict_declared",
            "panel",
            assignment.panel_id,
            json!({"proposal": proposal_id, "expert": expert.id, "note": note}),
        ),
    )
    .await?;
    staff_proposal(
        &mut tx,
        user.id,
        assignment.panel_id,
        &placement,
        Some((expert.id, note)),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
