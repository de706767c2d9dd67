//! The shared display kit: what several pages show alike — figures, times
//! and badges, a proposal's data tables, findings, charts, and files as
//! answers. It imports no page module: a page builds from the kit, never
//! from another page.

mod boundaries;
mod charts;
mod data;
mod files;
mod findings;
mod format;
mod materials;
mod notice;
mod rounds;
mod upload_form;

pub use boundaries::{
    AltRow, FileLine, MapView, current_view as boundary_current_view, frozen_view as boundary_frozen_view,
    public_view as boundary_public_view,
};
pub use charts::{BarView, ChartView, Datum, bars, columns, report_chart};
pub use data::{DataRow, DataSection, SECTIONS, data_sections, display_value, section_of};
pub use files::{
    CSV_TYPE, ExportFile, Format, PROPOSAL_COLUMNS, XLSX_TYPE, attachment, disposition, download, proposal_cells,
};
pub use findings::{EvaluationLine, FindingView, ReportView, finding_views, report_view, with_names_now};
pub use format::{exact, exact_pct, format_date, format_time, overall_badge, year_label};
pub use materials::{
    MaterialView, MaterialsPanel, SubmittedMaterials, panel as materials_panel, submitted_view as submitted_materials,
};
pub use notice::{AdminPanel as NoticePanel, NoticeDates};
pub use rounds::{ActionView, RoundPanel, round_panel, stage_label};
pub use upload_form::{UploadForm, read_upload};
