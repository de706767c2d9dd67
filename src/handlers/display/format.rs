//! Figures, times and badges as every page shows them. Times are shown in
//! China Standard Time, where the users are (the one offset is the
//! domain's, [`china_time`]).

use chrono::{DateTime, Datelike, Timelike, Utc};
use rust_decimal::Decimal;

use crate::domain::Lang;
use crate::domain::creation::china_time;
use crate::standards::Overall;

/// A moment as pages show it: `2026-01-31 18:05`.
pub fn format_time(t: DateTime<Utc>) -> String {
    // Written digit by digit: a strftime pattern is parsed again on every
    // call, and `format!` pads through the formatter; the queue formats
    // fifty of these per page.
    let t = t.with_timezone(&china_time());
    let mut s = format_date_of(&t);
    s.push(' ');
    push_two(&mut s, t.hour());
    s.push(':');
    push_two(&mut s, t.minute());
    s
}

/// A day as pages show it: `2026-01-31`.
pub fn format_date(t: DateTime<Utc>) -> String {
    format_date_of(&t.with_timezone(&china_time()))
}

fn format_date_of(t: &DateTime<chrono::FixedOffset>) -> String {
    let mut s = String::with_capacity(16);
    let year = t.year();
    if (0..10_000).contains(&year) {
        push_two(&mut s, (year / 100) as u32);
        push_two(&mut s, (year % 100) as u32);
    } else {
        s.push_str(&year.to_string());
    }
    s.push('-');
    push_two(&mut s, t.month());
    s.push('-');
    push_two(&mut s, t.day());
    s
}

fn push_two(s: &mut String, n: u32) {
    s.push(char::from(b'0' + (n / 10 % 10) as u8));
    s.push(char::from(b'0' + (n % 10) as u8));
}

/// A figure as stored, exactly: a sum or product of exact decimals shown
/// whole (a land quota of 300.0003 亩 × 0.6 is 180.00018, not 180.0002).
pub fn exact(v: Decimal) -> String {
    v.normalize().to_string()
}

/// A percentage as stored, exactly; "—" when there is none.
pub fn exact_pct(v: Option<Decimal>) -> String {
    v.map(|p| format!("{}%", p.normalize())).unwrap_or_else(|| "—".into())
}

/// (css class, label) of an overall verdict code as stored.
pub fn overall_badge(code: &str, lang: Lang) -> Option<(&'static str, &'static str)> {
    Overall::from_code(code).map(|o| (o.code(), o.label(lang)))
}

/// "第1年" / "Year 1" of a by-year list.
pub fn year_label(i: usize, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("第{}年", i + 1),
        Lang::En => format!("Year {}", i + 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn times_read_in_china_time() {
        let t = Utc.with_ymd_and_hms(2026, 1, 31, 16, 5, 0).unwrap();
        assert_eq!(format_time(t), "2026-02-01 00:05");
        assert_eq!(format_date(t), "2026-02-01");
        let early = Utc.with_ymd_and_hms(987, 3, 4, 1, 2, 0).unwrap();
        assert_eq!(format_time(early), "0987-03-04 09:02");
    }

    #[test]
    fn unknown_overall_codes_have_no_badge() {
        assert_eq!(overall_badge("pass", Lang::En), Some(("pass", "Passed")));
        assert_eq!(overall_badge("warn", Lang::En), None);
    }
}
