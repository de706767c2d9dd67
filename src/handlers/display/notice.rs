//! A notice's dates and the notice section of an admin's batch page: shown
//! by the public batch page, the notice pages and the admin's batch page.

use chrono::Utc;
use sqlx::PgConnection;

use crate::db::batches::BatchRow;
use crate::db::objections;
use crate::domain::notice::{self as rules, Phase};
use crate::domain::publication::NoticeChange;

const UTC_SECONDS: &str = "%Y-%m-%dT%H:%M:%SZ";

/// A notice's dates as pages show them.
#[derive(Debug, Clone, Default)]
pub struct NoticeDates {
    pub starts_on: String,
    pub ends_on: String,
    /// The notice is open now.
    pub open: bool,
    pub ended: bool,
    /// (days, hours) left while open: the text without JavaScript.
    pub remaining: (i64, i64),
    /// When the notice ends (24:00 China time of its last day) and when the
    /// page was made, `YYYY-MM-DDTHH:MM:SSZ`: the live countdown's inputs.
    pub ends_at: String,
    pub now: String,
}

impl NoticeDates {
    pub fn of(batch: &BatchRow) -> Option<NoticeDates> {
        let (start, end) = (batch.notice_starts_on?, batch.notice_ends_on?);
        let now = Utc::now();
        let phase = rules::phase(start, end, now);
        Some(NoticeDates {
            starts_on: start.to_string(),
            ends_on: end.to_string(),
            open: phase == Phase::Open,
            ended: phase == Phase::Ended,
            remaining: rules::remaining(end, now),
            ends_at: rules::ends_at(end).format(UTC_SECONDS).to_string(),
            now: now.format(UTC_SECONDS).to_string(),
        })
    }
}

/// The notice section of an admin's batch page.
#[derive(Debug, Clone, Default)]
pub struct AdminPanel {
    pub batch_id: i64,
    pub is_list: bool,
    pub draft: bool,
    pub on_notice: bool,
    pub required: bool,
    pub document_number: String,
    pub dates: Option<NoticeDates>,
    /// Objections: (all, still open).
    pub objections: (usize, i64),
    pub changes: Vec<NoticeChange>,
    pub default_start: String,
    pub default_days: u32,
}

impl AdminPanel {
    pub async fn of(conn: &mut PgConnection, batch: &BatchRow) -> sqlx::Result<AdminPanel> {
        let objections = if batch.notice_required {
            let all = objections::of_batch(conn, batch.id).await?.len();
            (all, objections::open_count(conn, batch.id).await?)
        } else {
            (0, 0)
        };
        Ok(AdminPanel {
            batch_id: batch.id,
            is_list: !batch.is_withdrawal(),
            draft: batch.status == "draft",
            on_notice: batch.is_on_notice(),
            required: batch.notice_required,
            document_number: batch.document_number.clone(),
            dates: NoticeDates::of(batch),
            objections,
            changes: batch.notice_changes.0.clone(),
            default_start: rules::china_date(Utc::now()).to_string(),
            default_days: rules::DEFAULT_DAYS,
        })
    }
}
