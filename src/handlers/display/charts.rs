//! Server-rendered SVG bar charts (no JavaScript), each with a text
//! alternative and its numbers as a table beside it
//! (`templates/dashboard/chart.html`): the dashboard's, and the report
//! page's figures against their thresholds.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::domain::Lang;
use crate::handlers::Page;
use crate::standards::{Detail, Finding, Requirement};

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
