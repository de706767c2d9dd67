//! Public notice (公示) of a list batch and the objections raised during it:
//! the calendar (China time, inclusive end at 24:00), the objection form's
//! rules and abuse controls, the masking of personal data, and the file
//! check for what objectors send. Pure: no I/O.

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, TimeZone, Utc};
use sha2::{Digest, Sha256};

/// Calendar days of a notice unless the admin says otherwise (seven in the
/// national 2017 round and in Jiangsu's practice).
pub const DEFAULT_DAYS: u32 = 7;
/// Longest notice an admin may set.
pub const MAX_DAYS: u32 = 60;
/// Longest grounds of an objection, in characters.
pub const GROUNDS_MAX: usize = 2_000;
/// Longest reason or reply of a resolution.
pub const RESOLUTION_MAX: usize = 2_000;
pub const NAME_MAX: usize = 100;
pub const CONTACT_MAX: usize = 50;
pub const DOCUMENT_NUMBER_MAX: usize = 100;
/// Largest file an objector may send (the letter, the evidence).
pub const FILE_MAX_BYTES: usize = 20 * 1024 * 1024;
/// A form sent sooner than this after it was shown was not filled by a person.
pub const MIN_FILL_SECONDS: i64 = 5;
/// A form token is good for this long.
pub const TOKEN_MAX_AGE_SECONDS: i64 = 4 * 3600;
/// Objections from one address in 24 hours.
pub const PER_ADDRESS_PER_DAY: i64 = 5;
/// Objections to one batch in 24 hours (a flood, not a public).
pub const PER_BATCH_PER_DAY: i64 = 300;
/// Personal data is erased this many days after the batch is published.
pub const ERASE_AFTER_DAYS: i64 = 365;

fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("a valid offset")
}

/// The China-time calendar date of an instant.
pub fn china_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&china()).date_naive()
}

/// The last day of a notice of `days` calendar days starting on `start`
/// (the start day counts).
pub fn last_day(start: NaiveDate, days: u32) -> NaiveDate {
    start + Duration::days(i64::from(days.max(1)) - 1)
}

/// The instant a notice whose last day is `last` ends: 24:00 China time.
pub fn ends_at(last: NaiveDate) -> DateTime<Utc> {
    let next = last + Duration::days(1);
    china()
        .with_ymd_and_hms(next.year(), next.month(), next.day(), 0, 0, 0)
        .single()
        .expect("midnight exists in a fixed offset")
        .with_timezone(&Utc)
}

/// The instant a notice starting on `start` opens: 00:00 China time.
pub fn starts_at(start: NaiveDate) -> DateTime<Utc> {
    ends_at(start - Duration::days(1))
}

/// Where a notice stands at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    NotStarted,
    Open,
    Ended,
}

pub fn phase(start: NaiveDate, last: NaiveDate, now: DateTime<Utc>) -> Phase {
    if now < starts_at(start) {
        Phase::NotStarted
    } else if now < ends_at(last) {
        Phase::Open
    } else {
        Phase::Ended
    }
}

/// What is left of an open notice: (days, hours), rounded down.
pub fn remaining(last: NaiveDate, now: DateTime<Utc>) -> (i64, i64) {
    let left = (ends_at(last) - now).num_hours().max(0);
    (left / 24, left % 24)
}

/// Why a start date or length is refused (catalogue keys).
pub fn check_schedule(start: NaiveDate, days: u32, today: NaiveDate) -> Result<(), &'static str> {
    if days == 0 || days > MAX_DAYS {
        return Err("notice.error.days");
    }
    if start < today {
        return Err("notice.error.start_past");
    }
    Ok(())
}

/// Who objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectorKind {
    Person,
    Organisation,
}

impl ObjectorKind {
    pub fn code(self) -> &'static str {
        match self {
            ObjectorKind::Person => "person",
            ObjectorKind::Organisation => "organisation",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "person" => Some(ObjectorKind::Person),
            "organisation" => Some(ObjectorKind::Organisation),
            _ => None,
        }
    }
}

/// An objection as typed (files are checked apart, by [`file_type`]).
#[derive(Debug, Clone, Default)]
pub struct ObjectionInput {
    pub kind: String,
    pub name: String,
    pub contact: String,
    pub phone: String,
    pub town: String,
    pub grounds: String,
    pub has_letter: bool,
}

/// A refused field: (field, catalogue key).
pub type FieldProblem = (&'static str, &'static str);

/// A phone number as people write it: a mainland mobile (11 digits
/// starting with 1) or a fixed line of 7–12 digits with an optional area
/// code and hyphen; spaces are ignored. Answers it without spaces.
pub fn normalise_phone(text: &str) -> Option<String> {
    let phone: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    let only = phone.chars().all(|c| c.is_ascii_digit() || c == '-');
    let hyphens = phone.matches('-').count();
    let mobile = digits == 11 && hyphens == 0 && phone.starts_with('1');
    let fixed = (7..=12).contains(&digits) && hyphens <= 1 && !phone.starts_with('-') && !phone.ends_with('-');
    (only && (mobile || fixed)).then_some(phone)
}

/// Every problem of a typed objection at once.
pub fn check_objection(input: &ObjectionInput) -> Vec<FieldProblem> {
    let mut problems = Vec::new();
    let kind = ObjectorKind::from_code(&input.kind);
    if kind.is_none() {
        problems.push(("kind", "notice.error.kind"));
    }
    let name = input.name.trim().chars().count();
    if name == 0 {
        problems.push(("name", "notice.error.name_required"));
    } else if name > NAME_MAX {
        problems.push(("name", "notice.error.name_long"));
    }
    if kind == Some(ObjectorKind::Organisation) {
        let contact = input.contact.trim().chars().count();
        if contact == 0 {
            problems.push(("contact", "notice.error.contact_required"));
        } else if contact > CONTACT_MAX {
            problems.push(("contact", "notice.error.contact_long"));
        }
        if !input.has_letter {
            problems.push(("letter", "notice.error.letter_required"));
        }
    }
    if normalise_phone(&input.phone).is_none() {
        problems.push(("phone", "notice.error.phone"));
    }
    if input.town.trim().parse::<i64>().is_err() {
        problems.push(("town", "notice.error.town"));
    }
    let grounds = input.grounds.trim().chars().count();
    if grounds == 0 {
        problems.push(("grounds", "notice.error.grounds_required"));
    } else if grounds > GROUNDS_MAX {
        problems.push(("grounds", "notice.error.grounds_long"));
    }
    problems
}

/// The one place where an objector's file is recognised: by its first
/// bytes, never its name. PDF, PNG or JPEG, at most [`FILE_MAX_BYTES`].
pub fn file_type(bytes: &[u8]) -> Result<&'static str, &'static str> {
    if bytes.is_empty() {
        return Err("notice.error.file_empty");
    }
    if bytes.len() > FILE_MAX_BYTES {
        return Err("notice.error.file_large");
    }
    if bytes.starts_with(b"%PDF-") {
        Ok("application/pdf")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Ok("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Ok("image/jpeg")
    } else {
        Err("notice.error.file_type")
    }
}

/// A phone number as lists show it: the first three and last four digits
/// (138****1234); shorter numbers keep their last two.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    let n = chars.len();
    if n >= 8 {
        let head: String = chars[..3].iter().collect();
        let tail: String = chars[n - 4..].iter().collect();
        format!("{head}****{tail}")
    } else {
        let tail: String = chars[n.saturating_sub(2)..].iter().collect();
        format!("****{tail}")
    }
}

/// A name as lists show it: its first character, the rest starred (张**).
pub fn mask_name(name: &str) -> String {
    let mut chars = name.trim().chars();
    match chars.next() {
        Some(first) => std::iter::once(first).chain(chars.map(|_| '*')).collect(),
        None => String::new(),
    }
}

/// Whether personal data kept for a batch published at `published_at` is
/// due for erasure at `now`.
pub fn erasure_due(published_at: DateTime<Utc>, now: DateTime<Utc>, after_days: i64) -> bool {
    now >= published_at + Duration::days(after_days)
}

fn hmac(key: &[u8], message: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut k = [0u8; BLOCK];
    if key.len() > BLOCK {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| k.map(|b| b ^ byte);
    let inner = Sha256::new().chain_update(pad(0x36)).chain_update(message).finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

/// The objection form's token: the batch and when the form was shown,
/// signed with the database's form key (HMAC-SHA256), so the server needs
/// no memory of the forms it gave out.
pub fn form_token(key: &str, batch: i64, shown_at: DateTime<Utc>) -> String {
    let body = format!("{batch}.{}", shown_at.timestamp());
    let sig = hex::encode(hmac(key.as_bytes(), body.as_bytes()));
    format!("{body}.{sig}")
}

/// Why a form token is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenProblem {
    /// Forged, altered or for another batch.
    Invalid,
    /// Sent faster than a person fills the form.
    TooFast,
    Expired,
}

pub fn check_token(key: &str, batch: i64, token: &str, now: DateTime<Utc>) -> Result<(), TokenProblem> {
    let mut parts = token.trim().splitn(3, '.');
    let (Some(b), Some(t), Some(sig)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(TokenProblem::Invalid);
    };
    let (Ok(b), Ok(t)) = (b.parse::<i64>(), t.parse::<i64>()) else {
        return Err(TokenProblem::Invalid);
    };
    let expected = hex::encode(hmac(key.as_bytes(), format!("{b}.{t}").as_bytes()));
    let same =
        expected.len() == sig.len() && expected.bytes().zip(sig.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0;
    if !same || b != batch {
        return Err(TokenProblem::Invalid);
    }
    let age = now.timestamp() - t;
    if age < MIN_FILL_SECONDS {
        return Err(TokenProblem::TooFast);
    }
    if age > TOKEN_MAX_AGE_SECONDS {
        return Err(TokenProblem::Expired);
    }
    Ok(())
}

/// The sender's address as counted for the per-address limit: keyed, so
/// the stored value names no one.
pub fn address_hash(key: &str, address: &str) -> String {
    hex::encode(hmac(key.as_bytes(), format!("address:{address}").as_bytes()))
}

/// A reference number from ten random bytes: `YY` and 16 characters of
/// Crockford base32 (no I, L, O, U), grouped by four for reading aloud.
pub fn reference(random: [u8; 10]) -> String {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut bits: u128 = 0;
    for b in random {
        bits = (bits << 8) | u128::from(b);
    }
    let chars: Vec<char> = (0..16)
        .map(|i| ALPHABET[((bits >> (75 - 5 * i)) & 31) as usize] as char)
        .collect();
    let groups: Vec<String> = chars.chunks(4).map(|c| c.iter().collect()).collect();
    format!("YY-{}", groups.join("-"))
}

/// A reference as typed back (case, spaces and hyphens aside).
pub fn normalise_reference(text: &str) -> String {
    let plain: String = text
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let body = plain.strip_prefix("YY").unwrap_or(&plain);
    let groups: Vec<String> = body
        .chars()
        .collect::<Vec<_>>()
        .chunks(4)
        .map(|c| c.iter().collect())
        .collect();
    format!("YY-{}", groups.join("-"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn seven_calendar_days_end_at_midnight_china_time_on_the_last_day() {
        let last = last_day(day("2027-03-01"), DEFAULT_DAYS);
        assert_eq!(last, day("2027-03-07"));
        assert_eq!(ends_at(last), at("2027-03-07T16:00:00Z"));
        let (start, last) = (day("2027-03-01"), day("2027-03-07"));
        assert_eq!(phase(start, last, at("2027-02-28T15:59:59Z")), Phase::NotStarted);
        assert_eq!(phase(start, last, at("2027-02-28T16:00:00Z")), Phase::Open);
        // 23:59:59 China time on the last day is still inside.
        assert_eq!(phase(start, last, at("2027-03-07T15:59:59Z")), Phase::Open);
        assert_eq!(phase(start, last, at("2027-03-07T16:00:00Z")), Phase::Ended);
        assert_eq!(remaining(last, at("2027-03-06T14:00:00Z")), (1, 2));
        assert_eq!(china_date(at("2027-03-06T16:30:00Z")), day("2027-03-07"));
    }

    #[test]
    fn schedules_are_checked() {
        let today = day("2027-03-01");
        assert_eq!(check_schedule(today, 7, today), Ok(()));
        assert_eq!(check_schedule(today, 0, today), Err("notice.error.days"));
        assert_eq!(check_schedule(today, 61, today), Err("notice.error.days"));
        assert_eq!(
            check_schedule(day("2027-02-28"), 7, today),
            Err("notice.error.start_past")
        );
    }

    #[test]
    fn phones_and_masks() {
        assert_eq!(normalise_phone("138 0013 1234").as_deref(), Some("13800131234"));
        assert_eq!(normalise_phone("0571-88886666").as_deref(), Some("0571-88886666"));
        assert_eq!(normalise_phone("12345"), None);
        assert_eq!(normalise_phone("1380013123x"), None);
        assert_eq!(normalise_phone("-0571-8888"), None);
        assert_eq!(mask_phone("13800131234"), "138****1234");
        assert_eq!(mask_phone("12345"), "****45");
        assert_eq!(mask_name("张三丰"), "张**");
        assert_eq!(mask_name(""), "");
    }

    #[test]
    fn objections_report_every_problem() {
        let ok = ObjectionInput {
            kind: "person".into(),
            name: "张三".into(),
            phone: "13800131234".into(),
            town: "4".into(),
            grounds: "数据不实".into(),
            ..Default::default()
        };
        assert!(check_objection(&ok).is_empty());
        let org = ObjectionInput {
            kind: "organisation".into(),
            ..ok.clone()
        };
        let fields: Vec<&str> = check_objection(&org).iter().map(|p| p.0).collect();
        assert_eq!(fields, ["contact", "letter"]);
        let long = ObjectionInput {
            grounds: "字".repeat(GROUNDS_MAX + 1),
            phone: "1".into(),
            kind: "robot".into(),
            ..ok.clone()
        };
        let fields: Vec<&str> = check_objection(&long).iter().map(|p| p.0).collect();
        assert_eq!(fields, ["kind", "phone", "grounds"]);
        let exactly = ObjectionInput {
            grounds: "字".repeat(GROUNDS_MAX),
            ..ok
        };
        assert!(check_objection(&exactly).is_empty());
    }

    #[test]
    fn files_are_recognised_by_their_bytes() {
        assert_eq!(file_type(b"%PDF-1.7 ..."), Ok("application/pdf"));
        assert_eq!(file_type(b"\x89PNG\r\n\x1a\n...."), Ok("image/png"));
        assert_eq!(file_type(&[0xFF, 0xD8, 0xFF, 0xE0]), Ok("image/jpeg"));
        assert_eq!(file_type(b"MZ\x90\x00 pretending.pdf"), Err("notice.error.file_type"));
        assert_eq!(file_type(b""), Err("notice.error.file_empty"));
        let big = [b"%PDF-".as_slice(), &vec![0u8; FILE_MAX_BYTES]].concat();
        assert_eq!(file_type(&big), Err("notice.error.file_large"));
    }

    #[test]
    fn tokens_are_signed_timed_and_bound_to_their_batch() {
        let shown = at("2027-03-02T01:00:00Z");
        let token = form_token("k", 7, shown);
        let later = shown + Duration::seconds(MIN_FILL_SECONDS);
        assert_eq!(check_token("k", 7, &token, later), Ok(()));
        assert_eq!(check_token("k", 8, &token, later), Err(TokenProblem::Invalid));
        assert_eq!(check_token("other", 7, &token, later), Err(TokenProblem::Invalid));
        assert_eq!(
            check_token("k", 7, &token, shown + Duration::seconds(1)),
            Err(TokenProblem::TooFast)
        );
        assert_eq!(
            check_token("k", 7, &token, shown + Duration::seconds(TOKEN_MAX_AGE_SECONDS + 1)),
            Err(TokenProblem::Expired)
        );
        let forged = token.replace("1803", "1802");
        assert_eq!(check_token("k", 7, &forged, later), Err(TokenProblem::Invalid));
        assert_eq!(check_token("k", 7, "nonsense", later), Err(TokenProblem::Invalid));
    }

    #[test]
    fn hmac_matches_rfc_4231() {
        // Test case 2.
        let mac = hmac(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn references_read_back_however_typed() {
        let r = reference([0xFF; 10]);
        assert_eq!(r, "YY-ZZZZ-ZZZZ-ZZZZ-ZZZZ");
        let r = reference([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        assert_eq!(normalise_reference(&r.to_lowercase().replace('-', " ")), r);
    }

    #[test]
    fn erasure_is_due_a_year_after_publication() {
        let published = at("2026-03-10T02:00:00Z");
        assert!(!erasure_due(published, at("2027-03-10T01:59:59Z"), ERASE_AFTER_DAYS));
        assert!(erasure_due(published, at("2027-03-09T02:00:00Z"), 364));
        assert!(erasure_due(published, at("2027-03-10T02:00:00Z"), ERASE_AFTER_DAYS));
    }
}
