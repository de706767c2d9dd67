//! Officials' proposals: the list, the form (with live evaluation), the
//! proposal page, submission and withdrawal, and the self-assessment. (The
//! evaluation report is a page of its own, `handlers::report`.)

pub mod actions;
mod fields;
pub mod form;
pub mod list;
pub mod live;
pub mod self_assessment;
pub mod view;
