//! `GET /dashboard`: the picture at a glance. Server-rendered SVG bar charts
//! (no JavaScript), each with a text alternative and its numbers as a table
//! beside it. Officials see their region's figures; reviewers and admins all.
//! Also the small chart of a report page ([`report_chart`]).

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use chrono::Datelike;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::auth::CurrentUser;
use crate::db::proposals::Scope;
use crate::db::{dashboard, standards as db_standards};
use crate::domain::proposal::{Industry, Unit};
use crate::domain::{Lang, Status};
use crate::error::AppResult;
use crate::handlers::Page;
use crate::handlers::proposals::view::overall_badge;
use crate::services::proposals::scope_of;
use crate::standards::{Against, Detail, Finding, Requirement, qty, shown_pct};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/dashboard", get(show))
}

/// One bar (or column) with its label, its value in words and its geometry.
pub struct BarView {
    /// Stable key (a status code, a criterion id…) for tests and styling.
    pub key: String,
    pub label: String,
    pub value_text: String,
    /// CSS class: a verdict or status code, or "plain".
    pub class: String,
    pub x: i64,
    pub y: i64,
    pub w: i64,
    pub h: i64,
    pub label_x: i64,
    pub label_y: i64,
    pub value_x: i64,
    pub value_y: i64,
    /// Threshold lines (x positions), for the report chart.
    pub markers: Vec<i64>,
}

/// A chart ready for `templates/dashboard/chart.html`.
pub struct ChartView {
    pub id: String,
    pub title: String,
    /// The text alternative: every label and value in one sentence.
    pub desc: String,
    pub width: i64,
    pub height: i64,
    /// Vertical columns (time series) rather than horizontal bars.
    pub columns: bool,
    pub head_label: String,
    pub head_value: String,
    pub bars: Vec<BarView>,
    /// Shown instead of the chart when there is nothing to draw.
    pub empty: String,
}

/// A datum before layout.
pub struct Datum {
    pub key: String,
    pub label: String,
    pub value: Decimal,
    pub value_text: String,
    pub class: String,
}

const WIDTH: i64 = 640;
const LABEL_W: i64 = 170;
const BAR_AREA: i64 = 330;
const ROW_H: i64 = 28;

/// `value / max` of `span` pixels, exactly in decimals, rounded to a pixel.
fn scaled(value: Decimal, max: Decimal, span: i64) -> i64 {
    if max <= Decimal::ZERO || value <= Decimal::ZERO {
        return 0;
    }
    let px = (value.min(max) / max * Decimal::from(span)).round();
    px.to_i64().unwrap_or(0).max(1)
}

fn describe(title: &str, data: &[Datum], lang: Lang) -> String {
    let parts: Vec<String> = data.iter().map(|d| format!("{} {}", d.label, d.value_text)).collect();
    match lang {
        Lang::Zh => format!("{title}：{}。", parts.join("；")),
        Lang::En => format!("{title}: {}.", parts.join("; ")),
    }
}

/// Horizontal bars scaled to the largest value (or to `max` when given).
pub fn bars(
    id: &str,
    title: String,
    heads: (String, String),
    data: Vec<Datum>,
    max: Option<Decimal>,
    page: &Page,
) -> ChartView {
    let top = max.unwrap_or_else(|| data.iter().map(|d| d.value).max().unwrap_or(Decimal::ZERO));
    let desc = describe(&title, &data, page.lang);
    let bars = data
        .into_iter()
        .enumerate()
        .map(|(i, d)| {
            let y = 6 + i as i64 * ROW_H;
            let w = scaled(d.value, top, BAR_AREA);
            BarView {
                key: d.key,
                label: d.label,
                value_text: d.value_text,
                class: d.class,
                x: LABEL_W,
                y,
                w,
                h: ROW_H - 8,
                label_x: LABEL_W - 8,
                label_y: y + 15,
                value_x: LABEL_W + w + 6,
                value_y: y + 15,
                markers: Vec::new(),
            }
        })
        .collect::<Vec<_>>();
    let height = 12 + bars.len() as i64 * ROW_H;
    ChartView {
        id: id.to_string(),
        title,
        desc,
        width: WIDTH,
        height,
        columns: false,
        head_label: heads.0,
        head_value: heads.1,
        empty: if bars.is_empty() {
            page.t("dashboard.empty")
        } else {
            String::new()
        },
        bars,
    }
}

/// Vertical columns in order (months), scaled to the largest value.
pub fn columns(id: &str, title: String, heads: (String, String), data: Vec<Datum>, page: &Page) -> ChartView {
    let top = data.iter().map(|d| d.value).max().unwrap_or(Decimal::ZERO);
    let desc = describe(&title, &data, page.lang);
    let n = data.len().max(1) as i64;
    let step = ((WIDTH - 40) / n).min(70);
    let plot_h = 180;
    let bars = data
        .into_iter()
        .enumerate()
        .map(|(i, d)| {
            let h = scaled(d.value, top, plot_h - 20);
            let x = 20 + i as i64 * step;
            let y = 20 + plot_h - 20 - h;
            BarView {
                key: d.key,
                label: d.label,
                value_text: d.value_text,
                class: d.class,
                x: x + 6,
                y,
                w: step - 12,
                h,
                label_x: x + step / 2,
                label_y: 20 + plot_h + 14,
                value_x: x + step / 2,
                value_y: y - 4,
                markers: Vec::new(),
            }
        })
        .collect::<Vec<_>>();
    ChartView {
        id: id.to_string(),
        title,
        desc,
        width: WIDTH,
        height: plot_h + 44,
        columns: true,
        head_label: heads.0,
        head_value: heads.1,
        empty: if bars.is_empty() {
            page.t("dashboard.empty")
        } else {
            String::new()
        },
        bars,
    }
}

/// The first of the last `months` months, this one included, as "YYYY-MM"
/// in China Standard Time (UTC+8 all year).
fn first_month(months: u32) -> String {
    let china = chrono::FixedOffset::east_opt(8 * 3600).expect("a valid offset");
    let today = chrono::Utc::now().with_timezone(&china).date_naive();
    let first = today
        .with_day(1)
        .and_then(|d| d.checked_sub_months(chrono::Months::new(months.saturating_sub(1))))
        .unwrap_or(today);
    first.format("%Y-%m").to_string()
}

fn count_text(n: i64, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("{n} 项"),
        Lang::En => n.to_string(),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard/show.html")]
pub struct DashboardPage {
    pub page: Page,
    pub scope_label: String,
    pub charts: Vec<ChartView>,
}

pub async fn show(
    State(state): State<AppState>,
    page: Page,
    CurrentUser(user): CurrentUser,
) -> AppResult<DashboardPage> {
    let lang = page.lang;
    let scope = scope_of(&user);
    let mut conn = state.db.acquire().await?;
    let scope_label = match scope {
        Scope::Region(_) => user.region_name.clone().unwrap_or_default(),
        Scope::Reviewable | Scope::All => page.t("dashboard.scope.all"),
    };
    let heads = |label: &str, value: &str| (page.t(label), page.t(value));

    let counters = dashboard::counters(&mut conn, scope).await?;
    let statuses = counters.by_status();
    let status_data = Status::ALL
        .iter()
        .filter_map(|s| {
            let n = statuses.iter().find(|(c, _)| c == s.code()).map(|(_, n)| *n)?;
            Some(Datum {
                key: s.code().to_string(),
                label: s.label(lang).to_string(),
                value: Decimal::from(n),
                value_text: count_text(n, lang),
                class: "plain".to_string(),
            })
        })
        .collect();

    let verdicts = counters.by_verdict();
    let verdict_data = ["pass", "pass_with_warnings", "fail"]
        .iter()
        .filter_map(|code| {
            let (class, label) = overall_badge(code, lang)?;
            let n = verdicts.iter().find(|(c, _)| c == code).map_or(0, |(_, n)| *n);
            Some(Datum {
                key: code.to_string(),
                label: label.to_string(),
                value: Decimal::from(n),
                value_text: count_text(n, lang),
                class: class.to_string(),
            })
        })
        .collect();

    let mut criterion_data = Vec::new();
    if let Some(active) = db_standards::active(&mut conn).await? {
        let standard = active.standard();
        let rates = counters.criterion_pass(&standard.code);
        for c in &standard.criteria {
            let Some((_, passed, judged)) = rates.iter().find(|(id, _, _)| *id == c.id) else {
                continue;
            };
            if *judged == 0 {
                continue;
            }
            let rate = Decimal::from(*passed) * Decimal::from(100) / Decimal::from(*judged);
            let pct = shown_pct(rate, Against::Nothing).figure;
            criterion_data.push(Datum {
                key: c.id.clone(),
                label: standard.criterion_label(&c.id, lang).to_string(),
                value: pct,
                value_text: format!("{pct}%（{passed}/{judged}）"),
                class: "pass".to_string(),
            });
        }
    }

    let yi = |d: Decimal| qty(d.normalize(), Unit::Yi, lang);
    let industry_data = counters
        .eligible_by_industry()
        .into_iter()
        .map(|(code, sum)| Datum {
            label: Industry::from_code(&code)
                .map_or_else(|| page.t("dashboard.unknown"), |i| i.label(lang).to_string()),
            key: code,
            value: sum,
            value_text: yi(sum),
            class: "plain".to_string(),
        })
        .collect();
    let region_data = dashboard::eligible_by_region(&mut conn, scope)
        .await?
        .into_iter()
        .map(|(name, sum)| Datum {
            key: name.clone(),
            label: name,
            value: sum,
            value_text: yi(sum),
            class: "plain".to_string(),
        })
        .collect();
    let month_data = counters
        .submissions_by_month(&first_month(12))
        .into_iter()
        .map(|(month, n)| Datum {
            key: month.clone(),
            label: month,
            value: Decimal::from(n),
            value_text: n.to_string(),
            class: "plain".to_string(),
        })
        .collect();

    let charts = vec![
        bars(
            "chart-status",
            page.t("dashboard.status"),
            heads("dashboard.col.status", "dashboard.col.count"),
            status_data,
            None,
            &page,
        ),
        bars(
            "chart-verdict",
            page.t("dashboard.verdict"),
            heads("dashboard.col.verdict", "dashboard.col.count"),
            verdict_data,
            None,
            &page,
        ),
        bars(
            "chart-criteria",
            page.t("dashboard.criteria"),
            heads("dashboard.col.criterion", "dashboard.col.pass_rate"),
            criterion_data,
            Some(Decimal::from(100)),
            &page,
        ),
        bars(
            "chart-industry",
            page.t("dashboard.industry"),
            heads("dashboard.col.industry", "dashboard.col.eligible"),
            industry_data,
            None,
            &page,
        ),
        bars(
            "chart-region",
            page.t("dashboard.region"),
            heads("dashboard.col.region", "dashboard.col.eligible"),
            region_data,
            None,
            &page,
        ),
        columns(
            "chart-months",
            page.t("dashboard.months"),
            heads("dashboard.col.month", "dashboard.col.submissions"),
            month_data,
            &page,
        ),
    ];
    Ok(DashboardPage {
        page,
        scope_label,
        charts,
    })
}

/// The report page's chart: each figure of the proposal against its
/// threshold (a line), one row per quantity criterion, each on its own scale
/// (the larger of figure and threshold plus a fifth).
pub fn report_chart(findings: &[Finding], page: &Page) -> ChartView {
    let lang = page.lang;
    let title = page.t("dashboard.report_chart");
    let mut bars_out = Vec::new();
    let mut parts = Vec::new();
    for f in findings {
        let Detail::Quantity { actual, required, .. } = &f.detail else {
            continue;
        };
        let marks: Vec<Decimal> = match required {
            Requirement::AtLeast { value } | Requirement::AtMost { value } | Requirement::Equals { value } => {
                vec![*value]
            }
            Requirement::Between { lower, upper } => vec![*lower, *upper],
        };
        let top = marks.iter().copied().chain([*actual]).max().unwrap_or(Decimal::ONE) * Decimal::new(12, 1);
        let i = bars_out.len() as i64;
        let y = 6 + i * ROW_H;
        let w = scaled(*actual, top, BAR_AREA);
        let label = crate::standards::criterion_label(&f.criterion, lang).to_string();
        let value_text = format!(
            "{}（{}）",
            f.actual(lang).unwrap_or_default(),
            f.required(lang).unwrap_or_default()
        );
        parts.push(format!("{label} {value_text}"));
        bars_out.push(BarView {
            key: f.criterion.clone(),
            label,
            value_text,
            class: f.verdict.code().to_string(),
            x: LABEL_W,
            y,
            w,
            h: ROW_H - 8,
            label_x: LABEL_W - 8,
            label_y: y + 15,
            value_x: LABEL_W + BAR_AREA + 8,
            value_y: y + 15,
            markers: marks.iter().map(|m| LABEL_W + scaled(*m, top, BAR_AREA)).collect(),
        });
    }
    let desc = match lang {
        Lang::Zh => format!("{title}：{}。", parts.join("；")),
        Lang::En => format!("{title}: {}.", parts.join("; ")),
    };
    ChartView {
        id: "chart-report".to_string(),
        title,
        desc,
        width: WIDTH + 200,
        height: 12 + bars_out.len() as i64 * ROW_H,
        columns: false,
        head_label: page.t("dashboard.col.criterion"),
        head_value: page.t("dashboard.col.actual_required"),
        empty: if bars_out.is_empty() {
            page.t("dashboard.empty")
        } else {
            String::new()
        },
        bars: bars_out,
    }
}
