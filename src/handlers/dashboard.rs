//! `GET /dashboard`: the picture at a glance. Server-rendered SVG bar charts
//! (no JavaScript), each with a text alternative and its numbers as a table
//! beside it. Officials see their region's figures; reviewers and admins all.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use chrono::Datelike;
use rust_decimal::Decimal;

use crate::auth::CurrentUser;
use crate::db::proposals::Scope;
use crate::db::{dashboard, standards as db_standards};
use crate::domain::proposal::{Industry, Unit};
use crate::domain::{Lang, Status};
use crate::error::AppResult;
use crate::handlers::Page;
use crate::handlers::display::{ChartView, Datum, bars, columns, overall_badge};
use crate::services::proposals::scope_of;
use crate::standards::{Against, qty, shown_pct};
use crate::state::AppState;

/// The first of the last `months` months, this one included, as "YYYY-MM"
/// in China Standard Time (UTC+8 all year).
fn first_month(months: u32) -> String {
    let today = crate::domain::creation::china_today(chrono::Utc::now());
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
    let mut conn = crate::db::acquire(&state.db).await?;
    let scope_label = match scope {
        Scope::Region(_) | Scope::City(_) => user.region_name.clone().unwrap_or_default(),
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
