//! Application materials (申报材料): the five typed documents of a proposal,
//! the file kinds accepted, the limits, and the checks an uploaded file
//! passes before it is stored (DESIGN.md "Materials"). Plain Rust: the
//! checks read from any `Read + Seek`, the caller owns the file.

mod name;
mod sniff;

pub use name::{content_disposition, download_name, safe_file_name};
pub use sniff::{Refused, ZipLimits, sniff};

use serde::{Deserialize, Serialize};

use super::Lang;

/// The largest file accepted.
pub const MAX_FILE_BYTES: u64 = 20 * 1024 * 1024;
/// The most a proposal's current materials may add up to.
pub const MAX_PROPOSAL_BYTES: u64 = 100 * 1024 * 1024;
/// A file name's length in characters (the stored name is cut to it).
pub const MAX_NAME_CHARS: usize = 200;

/// The five materials of the 创建导则. Codes are fixed: standards name them
/// in their `material` criteria and in scoring lines' evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaterialType {
    /// 概念性规划及空间/功能布局图
    ConceptPlan,
    /// 分年度分项目投资计划表
    InvestmentPlan,
    /// 投资建设主体情况
    DeveloperProfile,
    /// 县级扶持政策
    SupportPolicy,
    /// 特色小镇基本情况表
    BasicInfo,
}

impl MaterialType {
    pub const ALL: [MaterialType; 5] = [
        MaterialType::ConceptPlan,
        MaterialType::InvestmentPlan,
        MaterialType::DeveloperProfile,
        MaterialType::SupportPolicy,
        MaterialType::BasicInfo,
    ];

    pub fn code(self) -> &'static str {
        match self {
            MaterialType::ConceptPlan => "concept_plan",
            MaterialType::InvestmentPlan => "investment_plan",
            MaterialType::DeveloperProfile => "developer_profile",
            MaterialType::SupportPolicy => "support_policy",
            MaterialType::BasicInfo => "basic_info",
        }
    }

    pub fn from_code(code: &str) -> Option<MaterialType> {
        MaterialType::ALL.into_iter().find(|t| t.code() == code)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (MaterialType::ConceptPlan, Lang::Zh) => "概念性规划及空间/功能布局图",
            (MaterialType::ConceptPlan, Lang::En) => "Concept plan with spatial and functional layout",
            (MaterialType::InvestmentPlan, Lang::Zh) => "分年度分项目投资计划表",
            (MaterialType::InvestmentPlan, Lang::En) => "Investment plan by year and project",
            (MaterialType::DeveloperProfile, Lang::Zh) => "投资建设主体情况",
            (MaterialType::DeveloperProfile, Lang::En) => "Developer profile",
            (MaterialType::SupportPolicy, Lang::Zh) => "县级扶持政策",
            (MaterialType::SupportPolicy, Lang::En) => "County support measures",
            (MaterialType::BasicInfo, Lang::Zh) => "特色小镇基本情况表",
            (MaterialType::BasicInfo, Lang::En) => "Basic-information form",
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// A set of material types (the ones a proposal has).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct MaterialSet(u8);

impl MaterialSet {
    pub fn insert(&mut self, t: MaterialType) {
        self.0 |= t.bit();
    }

    pub fn contains(self, t: MaterialType) -> bool {
        self.0 & t.bit() != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = MaterialType> {
        MaterialType::ALL.into_iter().filter(move |t| self.contains(*t))
    }
}

impl FromIterator<MaterialType> for MaterialSet {
    fn from_iter<I: IntoIterator<Item = MaterialType>>(iter: I) -> Self {
        let mut set = MaterialSet::default();
        for t in iter {
            set.insert(t);
        }
        set
    }
}

impl Serialize for MaterialSet {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for MaterialSet {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Vec::<MaterialType>::deserialize(d)?.into_iter().collect())
    }
}

/// What a file's content says it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    Pdf,
    Png,
    Jpeg,
    Docx,
    Xlsx,
    Pptx,
}

impl FileKind {
    pub const ALL: [FileKind; 6] = [
        FileKind::Pdf,
        FileKind::Png,
        FileKind::Jpeg,
        FileKind::Docx,
        FileKind::Xlsx,
        FileKind::Pptx,
    ];

    pub fn code(self) -> &'static str {
        match self {
            FileKind::Pdf => "pdf",
            FileKind::Png => "png",
            FileKind::Jpeg => "jpeg",
            FileKind::Docx => "docx",
            FileKind::Xlsx => "xlsx",
            FileKind::Pptx => "pptx",
        }
    }

    pub fn from_code(code: &str) -> Option<FileKind> {
        FileKind::ALL.into_iter().find(|k| k.code() == code)
    }

    pub fn mime(self) -> &'static str {
        match self {
            FileKind::Pdf => "application/pdf",
            FileKind::Png => "image/png",
            FileKind::Jpeg => "image/jpeg",
            FileKind::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            FileKind::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            FileKind::Pptx => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        }
    }

    /// The extensions a file of this kind may be named with; the first is
    /// the one given to a name without any.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            FileKind::Pdf => &["pdf"],
            FileKind::Png => &["png"],
            FileKind::Jpeg => &["jpg", "jpeg"],
            FileKind::Docx => &["docx"],
            FileKind::Xlsx => &["xlsx"],
            FileKind::Pptx => &["pptx"],
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            FileKind::Pdf => "PDF",
            FileKind::Png => "PNG",
            FileKind::Jpeg => "JPEG",
            FileKind::Docx => "Word (DOCX)",
            FileKind::Xlsx => "Excel (XLSX)",
            FileKind::Pptx => "PowerPoint (PPTX)",
        }
    }

    /// Shown in the page (pdf.js or an image) rather than only downloaded.
    pub fn previewable(self) -> bool {
        matches!(self, FileKind::Pdf | FileKind::Png | FileKind::Jpeg)
    }

    pub fn is_image(self) -> bool {
        matches!(self, FileKind::Png | FileKind::Jpeg)
    }
}

/// A size in words, "3.2 MB" or "850 KB".
pub fn size_label(bytes: i64) -> String {
    const KB: i64 = 1024;
    const MB: i64 = 1024 * 1024;
    if bytes >= MB {
        format!("{}.{} MB", bytes / MB, (bytes % MB) * 10 / MB)
    } else if bytes >= KB {
        format!("{} KB", (bytes + KB - 1) / KB)
    } else {
        format!("{bytes} B")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_sets_hold_what_was_put() {
        for t in MaterialType::ALL {
            assert_eq!(MaterialType::from_code(t.code()), Some(t));
        }
        let set: MaterialSet = [MaterialType::BasicInfo, MaterialType::ConceptPlan]
            .into_iter()
            .collect();
        assert!(set.contains(MaterialType::BasicInfo));
        assert!(!set.contains(MaterialType::SupportPolicy));
        assert_eq!(serde_json::to_string(&set).unwrap(), r#"["concept_plan","basic_info"]"#);
        let back: MaterialSet = serde_json::from_str(r#"["basic_info","concept_plan"]"#).unwrap();
        assert_eq!(back, set);
        assert!(serde_json::from_str::<MaterialSet>(r#"["plans"]"#).is_err());
    }

    #[test]
    fn sizes_read_as_people_say_them() {
        assert_eq!(size_label(512), "512 B");
        assert_eq!(size_label(1500), "2 KB");
        assert_eq!(size_label(20 * 1024 * 1024), "20.0 MB");
        assert_eq!(size_label(3 * 1024 * 1024 + 300 * 1024), "3.2 MB");
    }
}
