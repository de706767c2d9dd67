//! A town's creation period in calendar years (STANDARDS.md §5): year k is
//! the listing year + k − 1, never the number of reports filed so far; the
//! rebate years after a 3-year period; each year's report deadline.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// China Standard Time, in which the listing year and the deadlines are read.
pub fn china_time() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("a valid offset")
}

/// The calendar year (China time) of an instant: a list published at
/// 23:30 UTC on 31 December is already in the next year.
pub fn china_year(at: DateTime<Utc>) -> i32 {
    at.with_timezone(&china_time()).year()
}

/// Today's date in China.
pub fn china_today(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&china_time()).date_naive()
}

/// A listed town's creation period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    /// The calendar year in which the list batch that listed the town was
    /// published.
    pub listing_year: i32,
    /// P: the standard version's `period_years`, or its
    /// `accelerated_period_years` for an accelerated county.
    pub years: u32,
    /// How many years from the listing year the tax rebate runs (5 by
    /// default): beyond a shorter period these are years a named town
    /// reports figures for, without a grade.
    pub rebate_years: u32,
}

/// What a report of a calendar year is, for a town.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportYear {
    /// Year k of the creation period: graded.
    Period(u32),
    /// A rebate year after the period (k > P), for a named town: figures
    /// only, no grade.
    Rebate(u32),
}

/// Why a report of a calendar year is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum YearRefusal {
    /// Before the listing year.
    BeforeListing,
    /// After the period (and, for a named town, after the rebate years).
    AfterPeriod,
}

impl Period {
    /// The period year (1-based) of a calendar year, if it is in the period.
    pub fn year_of(&self, calendar_year: i32) -> Option<u32> {
        let k = calendar_year.checked_sub(self.listing_year)? + 1;
        u32::try_from(k).ok().filter(|k| (1..=self.years).contains(k))
    }

    /// The calendar year of period year `k` (1-based).
    pub fn calendar_year(&self, k: u32) -> i32 {
        self.listing_year + k as i32 - 1
    }

    /// The period's last calendar year.
    pub fn last_year(&self) -> i32 {
        self.calendar_year(self.years)
    }

    /// The calendar years of the period, in order.
    pub fn calendar_years(&self) -> impl Iterator<Item = i32> + '_ {
        (1..=self.years).map(|k| self.calendar_year(k))
    }

    /// The position of a calendar year in the rebate schedule (0 for the
    /// listing year), whatever the period's length.
    pub fn rebate_index(&self, calendar_year: i32) -> Option<usize> {
        usize::try_from(calendar_year.checked_sub(self.listing_year)?).ok()
    }

    /// Whether a report of `calendar_year` may be filed, and what it is: a
    /// period year, or (for a named town only) a rebate year after the
    /// period.
    pub fn report_year(&self, calendar_year: i32, named: bool) -> Result<ReportYear, YearRefusal> {
        if calendar_year < self.listing_year {
            return Err(YearRefusal::BeforeListing);
        }
        if let Some(k) = self.year_of(calendar_year) {
            return Ok(ReportYear::Period(k));
        }
        let k = (calendar_year - self.listing_year + 1) as u32;
        if named && k <= self.rebate_years {
            Ok(ReportYear::Rebate(k))
        } else {
            Err(YearRefusal::AfterPeriod)
        }
    }
}

/// The day by which a year's reports are due, in the next year (default 31
/// January). A year's grades can be published only after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReportDeadline {
    pub month: u32,
    pub day: u32,
}

impl Default for ReportDeadline {
    fn default() -> ReportDeadline {
        ReportDeadline { month: 1, day: 31 }
    }
}

impl ReportDeadline {
    pub fn is_default(&self) -> bool {
        *self == ReportDeadline::default()
    }

    /// Whether month and day name a day of every year (29 February does not).
    pub fn is_valid(&self) -> bool {
        NaiveDate::from_ymd_opt(2023, self.month, self.day).is_some()
    }

    /// The deadline of the reports of `year`.
    pub fn date_for(&self, year: i32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(year + 1, self.month, self.day)
    }

    /// Whether the deadline of `year` has passed on `today` (the deadline
    /// day itself still counts as on time).
    pub fn has_passed(&self, year: i32, today: NaiveDate) -> bool {
        self.date_for(year).is_some_and(|d| today > d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn three(listing_year: i32) -> Period {
        Period {
            listing_year,
            years: 3,
            rebate_years: 5,
        }
    }

    #[test]
    fn period_years_come_from_the_calendar_not_the_report_count() {
        let p = three(2025);
        assert_eq!(p.year_of(2024), None);
        assert_eq!(p.year_of(2025), Some(1));
        assert_eq!(p.year_of(2026), Some(2));
        assert_eq!(p.year_of(2027), Some(3), "2027 is year 3 even when 2026 has no report");
        assert_eq!(p.year_of(2028), None);
        assert_eq!(p.last_year(), 2027);
        assert_eq!(p.calendar_years().collect::<Vec<_>>(), vec![2025, 2026, 2027]);
        let five = Period { years: 5, ..p };
        assert_eq!(five.year_of(2029), Some(5));
        assert_eq!(five.year_of(2030), None);
    }

    #[test]
    fn reports_before_the_listing_or_after_the_period_are_refused() {
        let p = three(2022);
        assert_eq!(p.report_year(2021, false), Err(YearRefusal::BeforeListing));
        assert_eq!(p.report_year(2022, false), Ok(ReportYear::Period(1)));
        assert_eq!(p.report_year(2024, false), Ok(ReportYear::Period(3)));
        assert_eq!(p.report_year(2025, false), Err(YearRefusal::AfterPeriod));
        // A named 3-year town files years 4 and 5 for its rebate, no more.
        assert_eq!(p.report_year(2025, true), Ok(ReportYear::Rebate(4)));
        assert_eq!(p.report_year(2026, true), Ok(ReportYear::Rebate(5)));
        assert_eq!(p.report_year(2027, true), Err(YearRefusal::AfterPeriod));
        // A 5-year town has no rebate years after its period.
        let five = Period { years: 5, ..p };
        assert_eq!(five.report_year(2026, true), Ok(ReportYear::Period(5)));
        assert_eq!(five.report_year(2027, true), Err(YearRefusal::AfterPeriod));
        assert_eq!(p.rebate_index(2022), Some(0));
        assert_eq!(p.rebate_index(2025), Some(3));
        assert_eq!(p.rebate_index(2021), None);
    }

    #[test]
    fn the_listing_year_is_read_in_china_time() {
        let late = Utc.with_ymd_and_hms(2021, 12, 31, 15, 59, 59).unwrap();
        assert_eq!(china_year(late), 2021);
        let past_midnight = Utc.with_ymd_and_hms(2021, 12, 31, 16, 0, 0).unwrap();
        assert_eq!(china_year(past_midnight), 2022);
        assert_eq!(china_today(past_midnight), NaiveDate::from_ymd_opt(2022, 1, 1).unwrap());
    }

    #[test]
    fn the_deadline_is_the_last_day_on_time() {
        let d = ReportDeadline::default();
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(d.date_for(2025), Some(day(2026, 1, 31)));
        assert!(!d.has_passed(2025, day(2026, 1, 31)));
        assert!(d.has_passed(2025, day(2026, 2, 1)));
        assert!(!d.has_passed(2025, day(2025, 12, 31)));
        let march = ReportDeadline { month: 3, day: 15 };
        assert!(!march.has_passed(2025, day(2026, 3, 15)));
        assert!(march.has_passed(2025, day(2026, 3, 16)));
        assert!(!ReportDeadline { month: 2, day: 29 }.is_valid());
        assert!(!ReportDeadline { month: 13, day: 1 }.is_valid());
        assert!(d.is_valid());
    }
}
