//! What pages show of materials: the proposal page's panel (current files,
//! which types the active version requires) and the report's list of the
//! files a submission froze, with what changed since the previous one.

use std::collections::BTreeMap;

use sqlx::PgConnection;

use super::format::format_time;
use crate::auth::User;
use crate::db::evaluations::EvaluationRow;
use crate::db::materials::{self as db, MaterialRow};
use crate::db::standards as db_standards;
use crate::domain::material::{FileKind, MaterialType, size_label};
use crate::domain::{Lang, Status};
use crate::i18n;
use crate::standards::CriterionKind;

/// One upload as a page shows it.
pub struct MaterialView {
    pub id: i64,
    pub proposal_id: i64,
    pub type_code: &'static str,
    pub type_label: &'static str,
    pub file_name: String,
    pub kind: String,
    pub kind_label: &'static str,
    pub size: String,
    pub sha256: String,
    pub uploader: String,
    pub at: String,
    pub previewable: bool,
}

impl MaterialView {
    pub fn of(m: &MaterialRow, lang: Lang) -> MaterialView {
        let t = MaterialType::from_code(&m.material_type);
        let kind = FileKind::from_code(&m.kind);
        MaterialView {
            id: m.id,
            proposal_id: m.proposal_id,
            type_code: t.map_or("", MaterialType::code),
            type_label: t.map_or("", |t| t.label(lang)),
            file_name: m.file_name.clone(),
            kind: m.kind.clone(),
            kind_label: kind.map_or("", FileKind::label),
            size: size_label(m.size),
            sha256: m.sha256.clone(),
            uploader: m.uploaded_by_name.clone(),
            at: format_time(m.uploaded_at),
            previewable: kind.is_some_and(FileKind::previewable),
        }
    }

    pub fn sha_short(&self) -> &str {
        &self.sha256[..self.sha256.len().min(12)]
    }
}

/// A material type with its current file.
pub struct TypeRow {
    pub code: &'static str,
    pub label: &'static str,
    /// The active version asks for it.
    pub required: bool,
    pub file: Option<MaterialView>,
}

/// The materials of a proposal as its page and the materials page show them.
pub struct MaterialsPanel {
    pub id: i64,
    pub rows: Vec<TypeRow>,
    /// The user may upload, replace and remove now.
    pub editable: bool,
    pub total: String,
}

pub async fn panel(
    conn: &mut PgConnection,
    user: &User,
    id: i64,
    status: Status,
    lang: Lang,
) -> sqlx::Result<MaterialsPanel> {
    let current = db::current(conn, id).await?;
    let required: Vec<MaterialType> = match db_standards::active(conn).await? {
        Some(active) => active
            .standard()
            .criteria
            .iter()
            .filter_map(|c| match c.kind {
                CriterionKind::Material { material } => Some(material),
                _ => None,
            })
            .collect(),
        None => Vec::new(),
    };
    let total: i64 = current.iter().map(|m| m.size).sum();
    let rows = MaterialType::ALL
        .into_iter()
        .map(|t| TypeRow {
            code: t.code(),
            label: t.label(lang),
            required: required.contains(&t),
            file: current
                .iter()
                .find(|m| m.material_type == t.code())
                .map(|m| MaterialView::of(m, lang)),
        })
        .collect();
    Ok(MaterialsPanel {
        id,
        rows,
        editable: may_change(user, status),
        total: size_label(total),
    })
}

/// How a type's file differs from the previous submission's.
pub struct ChangeView {
    pub type_label: &'static str,
    /// `added`, `replaced`, `removed` or `unchanged`.
    pub change: &'static str,
    pub change_label: String,
}

/// The files a submission was made with, exactly.
pub struct SubmittedMaterials {
    pub items: Vec<MaterialView>,
    /// Against the previous evaluation; `None` for the first.
    pub changes: Option<Vec<ChangeView>>,
}

/// The materials frozen with `shown` and, when there is an evaluation
/// before it, what changed since (both read with the evaluations).
pub fn submitted_view(all: &[EvaluationRow], shown: Option<&EvaluationRow>, lang: Lang) -> Option<SubmittedMaterials> {
    let shown = shown?;
    let previous = all.iter().position(|e| e.id == shown.id).and_then(|at| all.get(at + 1));
    let of = |e: &EvaluationRow| -> BTreeMap<String, MaterialRow> {
        e.materials
            .0
            .iter()
            .map(|m| (m.material_type.clone(), m.clone()))
            .collect()
    };
    let now = of(shown);
    let items = now.values().map(|m| MaterialView::of(m, lang)).collect();
    let changes = previous.map(|p| {
        let before = of(p);
        MaterialType::ALL
            .into_iter()
            .filter_map(|t| {
                let change = match (before.get(t.code()), now.get(t.code())) {
                    (None, None) => return None,
                    (None, Some(_)) => "added",
                    (Some(_), None) => "removed",
                    (Some(a), Some(b)) if a.id == b.id || a.sha256 == b.sha256 => "unchanged",
                    (Some(_), Some(_)) => "replaced",
                };
                Some(ChangeView {
                    type_label: t.label(lang),
                    change,
                    change_label: i18n::t(lang, &format!("materials.change.{change}")),
                })
            })
            .collect()
    });
    Some(SubmittedMaterials { items, changes })
}

/// Officials of the region and admins change materials (while editable).
pub fn may_change(user: &User, status: Status) -> bool {
    matches!(user.role, crate::domain::Role::Official | crate::domain::Role::Admin) && status.is_editable()
}
