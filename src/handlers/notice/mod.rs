//! Public notice (公示), the admins' side: the notice panel on a batch, the
//! objections and their resolution. The public pages (notice, A4 print,
//! objection form, status lookup) are in `public/notice.rs`.

pub mod admin;

use crate::domain::notice as rules;

/// An objection's request: two files at most, with the form's fields.
pub const OBJECTION_BODY_LIMIT: usize = 2 * rules::FILE_MAX_BYTES + 1024 * 1024;
