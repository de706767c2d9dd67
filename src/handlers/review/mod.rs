//! The reviewers' area: the queue (`GET /review`) and its exports
//! ([`export`]). Overriding a finding and deciding on a proposal are posted
//! from the report page (`handlers::report`).

pub mod export;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Deserialize;

use super::Page;
use crate::auth::Reviewer;
use crate::db::queue::{self, PAGE_SIZE, QueueFilter, Sort, TABS};
use crate::domain::proposal::Industry;
use crate::domain::{Lang, Status};
use crate::error::AppResult;
use crate::handlers::display::{format_time, overall_badge};
use crate::i18n;
use crate::standards::{Against, Overall, criterion_label, number, shown_pct};
use crate::state::AppState;

/// The queue's query string; anything unknown or malformed is ignored.
#[derive(Debug, Default, Deserialize)]
pub struct QueueQuery {
    pub status: Option<String>,
    pub verdict: Option<String>,
    pub industry: Option<String>,
    pub region: Option<String>,
    pub standard: Option<String>,
    pub q: Option<String>,
    pub sort: Option<String>,
    pub dir: Option<String>,
    pub page: Option<String>,
}

fn non_empty(v: &Option<String>) -> Option<String> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

impl QueueQuery {
    pub fn filter(&self) -> QueueFilter {
        let status = non_empty(&self.status)
            .filter(|s| TABS.contains(&s.as_str()))
            .unwrap_or_else(|| "submitted".into());
        QueueFilter {
            status,
            verdict: non_empty(&self.verdict).filter(|v| overall_badge(v, Lang::Zh).is_some()),
            industry: non_empty(&self.industry).filter(|i| Industry::from_code(i).is_some()),
            region_id: non_empty(&self.region).and_then(|r| r.parse().ok()),
            standard: non_empty(&self.standard).filter(|s| s.len() <= 32),
            search: non_empty(&self.q).map(|q| q.chars().take(100).collect()),
            sort: non_empty(&self.sort)
                .and_then(|s| Sort::from_code(&s))
                .unwrap_or_default(),
            descending: self.dir.as_deref() == Some("desc"),
        }
    }
}

/// The query string of a filter (without the page), for links that keep it.
fn query_string(f: &QueueFilter) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    s.append_pair("status", &f.status);
    for (k, v) in [
        ("verdict", f.verdict.clone()),
        ("industry", f.industry.clone()),
        ("region", f.region_id.map(|r| r.to_string())),
        ("standard", f.standard.clone()),
        ("q", f.search.clone()),
    ] {
        if let Some(v) = v {
            s.append_pair(k, &v);
        }
    }
    if f.sort != Sort::default() {
        s.append_pair("sort", f.sort.code());
    }
    if f.descending {
        s.append_pair("dir", "desc");
    }
    s.finish()
}

pub struct QueueLine {
    pub id: i64,
    pub name: String,
    pub region: String,
    pub industry: String,
    pub status_code: String,
    pub status: &'static str,
    pub overall: Option<(&'static str, &'static str)>,
    pub standard: String,
    pub submitted: String,
    pub eligible: String,
    /// The round, and the stage there ("—" when none).
    pub round: String,
    pub stage_code: String,
    pub stage: String,
}

pub struct Tab {
    pub code: &'static str,
    pub label: String,
    pub count: i64,
    pub current: bool,
    pub link: String,
}

pub struct CriterionShare {
    pub criterion: String,
    pub label: String,
    pub failing: i64,
    /// Percent of submitted proposals, one decimal.
    pub share: String,
    /// Width class for the bar (0–100 in steps of 5).
    pub bar: i64,
}

/// (value, label, selected) of a select.
pub type Choice = (String, String, bool);

#[derive(Template, WebTemplate)]
#[template(path = "review/queue.html")]
pub struct QueuePage {
    pub page: Page,
    pub tabs: Vec<Tab>,
    pub shares: Vec<CriterionShare>,
    pub awaiting: i64,
    pub rows: Vec<QueueLine>,
    pub total: i64,
    pub page_no: i64,
    pub pages: i64,
    pub verdicts: Vec<Choice>,
    pub industries: Vec<Choice>,
    pub regions: Vec<Choice>,
    pub standards: Vec<Choice>,
    pub sorts: Vec<Choice>,
    pub descending: bool,
    pub search: String,
    pub status: String,
    pub query: String,
}

impl QueuePage {
    pub fn page_link(&self, n: i64) -> String {
        format!("/review?{}&page={n}", self.query)
    }

    pub fn last_link(&self) -> String {
        self.page_link(self.pages)
    }
}

/// `GET /review`: proposals of one status (awaiting a decision by default),
/// filtered, searched and sorted, 50 a page, with the counters.
pub async fn queue(
    State(state): State<AppState>,
    page: Page,
    Reviewer(_user): Reviewer,
    Query(q): Query<QueueQuery>,
) -> AppResult<QueuePage> {
    let lang = page.lang;
    let filter = q.filter();
    let mut conn = crate::db::acquire(&state.db).await?;
    let mut sidebar = queue::sidebar(&mut conn, &state.catalogue, &state.counters).await?;
    let asked = non_empty(&q.page).and_then(|p| p.parse::<i64>().ok()).unwrap_or(1);
    let queue::Cut { total, page_no, rows } = queue::cut(&mut conn, &filter, &sidebar, asked).await?;
    let pages = crate::domain::page_count(total, PAGE_SIZE);
    queue::named(&mut conn, &mut sidebar, &state.catalogue, &rows).await?;
    drop(conn);
    let counter = |key: &str| sidebar.counter(key);
    let catalogue = &sidebar.catalogue;

    let awaiting = counter("status:submitted");
    let tab_filter = |code: &str| QueueFilter {
        status: code.to_owned(),
        ..filter.clone()
    };
    let tabs = TABS
        .iter()
        .map(|code| Tab {
            code,
            label: i18n::t(lang, &format!("review.tab.{code}")),
            count: counter(&format!("status:{code}")),
            current: filter.status == *code,
            link: format!("/review?{}", query_string(&tab_filter(code))),
        })
        .collect();
    let mut shares: Vec<CriterionShare> = sidebar
        .counters
        .iter()
        .filter_map(|(k, n)| k.strip_prefix("failing:").map(|c| (c, *n)))
        .map(|(c, n)| {
            let pct = (Decimal::from(n) * Decimal::ONE_HUNDRED)
                .checked_div(Decimal::from(awaiting))
                .unwrap_or_default();
            let shown = shown_pct(pct, Against::Nothing).figure;
            CriterionShare {
                criterion: c.to_owned(),
                label: criterion_label(c, lang).to_owned(),
                failing: n,
                share: format!("{shown}%"),
                // The bar in steps of 5%.
                bar: ((pct / Decimal::from(5))
                    .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
                    .to_i64()
                    .unwrap_or(0)
                    * 5)
                .clamp(0, 100),
            }
        })
        .collect();
    shares.sort_by(|a, b| b.failing.cmp(&a.failing).then_with(|| a.criterion.cmp(&b.criterion)));

    let yi = i18n::t(lang, "review.unit.yi");
    // Every row has the tab's status.
    let status = Status::from_code(&filter.status).unwrap_or(Status::Submitted);
    let rows = rows
        .into_iter()
        .map(|r| {
            let stage = crate::handlers::display::stage_label(r.stage.as_deref(), &filter.status, lang);
            QueueLine {
                id: r.id,
                name: r.name,
                region: catalogue.region_name(r.region_id).unwrap_or("—").to_owned(),
                industry: r
                    .industry
                    .as_deref()
                    .and_then(Industry::from_code)
                    .map(|i| i.label(lang))
                    .unwrap_or("—")
                    .to_owned(),
                status_code: filter.status.clone(),
                status: status.label(lang),
                overall: r.overall.as_deref().and_then(|o| overall_badge(o, lang)),
                standard: r.standard_code.unwrap_or_else(|| "—".into()),
                submitted: r.submitted_at.map(format_time).unwrap_or_else(|| "—".into()),
                eligible: r
                    .eligible
                    .map(|d| format!("{} {yi}", number(d)))
                    .unwrap_or_else(|| "—".into()),
                round: r
                    .round_id
                    .and_then(|id| catalogue.round_name(id))
                    .unwrap_or("—")
                    .to_owned(),
                stage,
                stage_code: r.stage.unwrap_or_default(),
            }
        })
        .collect();
    let verdicts = [Overall::Fail, Overall::PassWithWarnings, Overall::Pass]
        .into_iter()
        .map(|o| {
            (
                o.code().to_owned(),
                o.label(lang).to_owned(),
                filter.verdict.as_deref() == Some(o.code()),
            )
        })
        .collect();
    let industries = Industry::ALL
        .iter()
        .map(|i| {
            (
                i.code().to_owned(),
                i.label(lang).to_owned(),
                filter.industry.as_deref() == Some(i.code()),
            )
        })
        .collect();
    let regions = catalogue
        .regions
        .iter()
        .map(|(id, name)| (id.to_string(), name.clone(), filter.region_id == Some(*id)))
        .collect();
    let standards = catalogue
        .standard_codes
        .iter()
        .cloned()
        .map(|c| {
            let selected = filter.standard.as_deref() == Some(c.as_str());
            (c.clone(), c, selected)
        })
        .collect();
    let sorts = Sort::ALL
        .into_iter()
        .map(|s| {
            (
                s.code().to_owned(),
                i18n::t(lang, &format!("review.sort.{}", s.code())),
                filter.sort == s,
            )
        })
        .collect();
    Ok(QueuePage {
        tabs,
        shares,
        awaiting,
        rows,
        total,
        page_no,
        pages,
        verdicts,
        industries,
        regions,
        standards,
        sorts,
        descending: filter.descending,
        search: filter.search.clone().unwrap_or_default(),
        status: filter.status.clone(),
        query: query_string(&filter),
        page,
    })
}
