//! What a batch of the creation list shows the public, once published or
//! while on public notice (公示): its towns frozen with their findings, its
//! notice and the changes objections made; the canonical text of it
//! (compact JSON, fields in declaration order) — the `.json` downloads —
//! and the SHA-256 of that text, the batch's content hash (or the notice's
//! hash). Pure: the services build it from stored rows.
//!
//! A published batch's hash is a promise: its canonical text never changes
//! byte for byte, so fields added later are left out when empty.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// SHA-256 of a text, in lower-case hex.
pub fn content_hash(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// A batch as the public reads it: the `.json` download, whose exact bytes
/// the content hash is taken over. Built only from frozen data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicBatch {
    pub id: i64,
    pub kind: String,
    pub title: String,
    pub introduction: String,
    /// `YYYY-MM-DDTHH:MM:SSZ`; absent in a draft's preview and a notice.
    pub published_at: Option<String>,
    pub withdraws_batch_id: Option<i64>,
    pub towns: Vec<PublicTown>,
    /// 文号. This and the fields below are left out when empty, so that
    /// batches published before notice existed keep their canonical text
    /// (and their content hash) byte for byte.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub document_number: String,
    /// The public notice the batch went through, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice: Option<PublicNotice>,
    /// Towns taken out because of upheld objections.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<NoticeChange>,
}

/// The dates of a batch's public notice (公示), China time; it ends at
/// 24:00 on `ends_on`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicNotice {
    pub starts_on: String,
    pub ends_on: String,
}

/// A town taken out of a batch on notice by an upheld objection, as the
/// public reads it (no personal data).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoticeChange {
    pub proposal_id: i64,
    pub name: String,
    pub region: String,
    pub reason: String,
    /// `YYYY-MM-DD`, China time.
    pub date: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicTown {
    /// 1, 2, … in the batch's order (set by [`PublicBatch::new`]).
    pub position: i32,
    pub proposal_id: i64,
    pub name: String,
    pub region: String,
    pub industry: String,
    pub industry_zh: String,
    pub industry_en: String,
    pub planned_area_km2: Decimal,
    pub eligible_investment_yi: Decimal,
    pub characteristic_share_pct: Decimal,
    pub overall: String,
    pub standard: PublicStandard,
    /// Why the town is removed (withdrawal batches); empty otherwise.
    pub reason: String,
    pub url: String,
    pub findings: Vec<PublicFinding>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicStandard {
    pub code: String,
    pub version: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicFinding {
    pub criterion: String,
    pub computed_verdict: String,
    pub verdict: String,
    pub override_reason: Option<String>,
}

/// What of a batch the public reads apart from its towns.
#[derive(Debug, Clone, Default)]
pub struct BatchHead {
    pub id: i64,
    pub kind: String,
    pub title: String,
    pub introduction: String,
    pub withdraws_batch_id: Option<i64>,
    pub document_number: String,
    /// The notice's first and last day, if the batch went on notice.
    pub notice: Option<(NaiveDate, NaiveDate)>,
    pub changes: Vec<NoticeChange>,
}

/// The public page of a town: its URL in the canonical text.
pub fn town_url(proposal_id: i64) -> String {
    format!("/towns/{proposal_id}")
}

impl PublicBatch {
    /// The batch with `towns` in their order, numbered 1, 2, …;
    /// `published_at` to the second.
    pub fn new(head: BatchHead, published_at: Option<DateTime<Utc>>, towns: Vec<PublicTown>) -> Self {
        let towns = towns
            .into_iter()
            .enumerate()
            .map(|(i, town)| PublicTown {
                position: i as i32 + 1,
                ..town
            })
            .collect();
        PublicBatch {
            id: head.id,
            kind: head.kind,
            title: head.title,
            introduction: head.introduction,
            published_at: published_at.map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
            withdraws_batch_id: head.withdraws_batch_id,
            towns,
            document_number: head.document_number,
            notice: head.notice.map(|(start, end)| PublicNotice {
                starts_on: start.to_string(),
                ends_on: end.to_string(),
            }),
            changes: head.changes,
        }
    }

    /// The canonical text: compact JSON, fields in declaration order.
    pub fn canonical_json(&self) -> String {
        serde_json::to_string(self).expect("a batch serialises")
    }
}

/// A batch's head and town as the tests of publication (here and in the
/// services that build it from stored rows) use them.
#[cfg(test)]
pub(crate) mod fixtures {
    use super::*;

    /// The hashes of [`head`] with [`town`] published at [`at`], without
    /// and with a notice, as the code gave them before it moved here
    /// (from services/batches.rs): published hashes stay byte for byte.
    pub(crate) const OLD_HASH: &str = "b98b73f99ee7aaf823885a941ba486aa35c8c438355fd53bb936538059fd5caf";
    pub(crate) const NOTICE_HASH: &str = "de86fe0ee142a98e8fde45fd4ee24a2520df60846c67045a530bd5d712bd7ff1";

    pub(crate) fn head(notice: bool) -> BatchHead {
        let day = |d: &str| NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
        BatchHead {
            id: 7,
            kind: "list".into(),
            title: "第一批创建名单".into(),
            introduction: "经审核，以下小镇列入名单。".into(),
            withdraws_batch_id: None,
            document_number: if notice {
                "浙特镇办〔2027〕3号".into()
            } else {
                String::new()
            },
            notice: notice.then(|| (day("2027-03-01"), day("2027-03-07"))),
            changes: if notice {
                vec![NoticeChange {
                    proposal_id: 9,
                    name: "乙小镇".into(),
                    region: "某县".into(),
                    reason: "数据不实".into(),
                    date: "2027-03-03".into(),
                }]
            } else {
                Vec::new()
            },
        }
    }

    pub(crate) fn town(position: i32) -> PublicTown {
        PublicTown {
            position,
            proposal_id: 4,
            name: "甲小镇".into(),
            region: "诸城市".into(),
            industry: "tourism".into(),
            industry_zh: "旅游".into(),
            industry_en: "Tourism".into(),
            planned_area_km2: Decimal::new(35, 1),
            eligible_investment_yi: Decimal::new(50, 0),
            characteristic_share_pct: Decimal::new(8000, 2),
            overall: "pass".into(),
            standard: PublicStandard {
                code: "ZJ-2015".into(),
                version: 1,
            },
            reason: String::new(),
            url: town_url(4),
            findings: vec![PublicFinding {
                criterion: "area.planned".into(),
                computed_verdict: "warn".into(),
                verdict: "pass".into(),
                override_reason: Some("约3平方公里".into()),
            }],
        }
    }

    /// Published at, with a fraction of a second the text leaves out.
    pub(crate) fn at() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2027-03-08T02:03:04.5Z").unwrap().to_utc()
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::{NOTICE_HASH, OLD_HASH, at, head, town};
    use super::*;

    /// Taken from the code before it moved here (services/batches.rs): a
    /// published batch's text and hash stay byte for byte.
    const OLD_TEXT: &str = r#"{"id":7,"kind":"list","title":"第一批创建名单","introduction":"经审核，以下小镇列入名单。","published_at":"2027-03-08T02:03:04Z","withdraws_batch_id":null,"towns":[{"position":1,"proposal_id":4,"name":"甲小镇","region":"诸城市","industry":"tourism","industry_zh":"旅游","industry_en":"Tourism","planned_area_km2":"3.5","eligible_investment_yi":"50","characteristic_share_pct":"80.00","overall":"pass","standard":{"code":"ZJ-2015","version":1},"reason":"","url":"/towns/4","findings":[{"criterion":"area.planned","computed_verdict":"warn","verdict":"pass","override_reason":"约3平方公里"}]}]}"#;

    #[test]
    fn a_batch_without_notice_keeps_its_canonical_text_and_hash_byte_for_byte() {
        let public = PublicBatch::new(head(false), Some(at()), vec![town(3)]);
        let text = public.canonical_json();
        assert_eq!(text, OLD_TEXT);
        assert_eq!(content_hash(&text), OLD_HASH);
    }

    #[test]
    fn a_batch_after_notice_carries_its_number_dates_and_changes_last() {
        let public = PublicBatch::new(head(true), Some(at()), vec![town(3)]);
        let text = public.canonical_json();
        let tail = r#","document_number":"浙特镇办〔2027〕3号","notice":{"starts_on":"2027-03-01","ends_on":"2027-03-07"},"changes":[{"proposal_id":9,"name":"乙小镇","region":"某县","reason":"数据不实","date":"2027-03-03"}]}"#;
        assert_eq!(text, format!("{}{tail}", &OLD_TEXT[..OLD_TEXT.len() - 1]));
        assert_eq!(content_hash(&text), NOTICE_HASH);
        let back: PublicBatch = serde_json::from_str(&text).unwrap();
        assert_eq!(back, public);
    }

    #[test]
    fn towns_are_numbered_in_their_order_and_a_notice_has_no_publication_time() {
        let mut second = town(9);
        second.proposal_id = 5;
        let public = PublicBatch::new(head(true), None, vec![town(7), second]);
        let numbers: Vec<(i32, i64)> = public.towns.iter().map(|t| (t.position, t.proposal_id)).collect();
        assert_eq!(numbers, [(1, 4), (2, 5)]);
        assert!(public.canonical_json().contains(r#""published_at":null"#));
    }

    #[test]
    fn the_hash_is_lower_case_hex_sha_256() {
        assert_eq!(
            content_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
